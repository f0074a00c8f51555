//! The HTTP API's integration tests (one binary; each file a module).

mod matrix;
mod support;
