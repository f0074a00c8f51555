//! The integration tests of otrs-store: one binary (see STYLE §8), one module per concern.

mod suite;
mod support;
