//! Integration tests of otrs-query, in one binary.

mod agreement;
mod conformance;
mod index_api;
mod robustness;
