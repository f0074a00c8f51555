//! otrs-core
