//! otrs-store
