//! Integration tests of otrs-query (one binary).

mod conformance;
