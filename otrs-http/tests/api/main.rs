//! The HTTP API's integration tests (one binary; each file a module).

mod conditional;
mod isolation;
mod matrix;
mod openapi;
mod problems;
mod signin;
mod support;
