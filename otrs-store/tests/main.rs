//! The integration tests of otrs-store: one binary (see STYLE §8), one module per concern.

mod desk;
mod lists;
mod suite;
mod support;
