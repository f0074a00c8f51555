//! otrs-query
