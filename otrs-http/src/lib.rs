//! otrs-http
