//! Runnable examples of otrs-rs; see the `[[example]]` targets.
