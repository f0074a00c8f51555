//! otrs-cli
