//! # otrs-core: the help desk's domain
//!
//! Tickets with their articles, queues, agents and permission groups, customers and customer
//! users, locking, merging, links, watchers, drafts and a typed history of every change, with
//! every rule enforced in one place: the [`Desk`].
//!
//! The desk reaches the outside world only through ports: a [`store::Store`] for data (the
//! [`store::MemoryStore`] here; SQLite and PostgreSQL in `otrs-store`), a [`clock::Clock`] for the
//! time, and a [`desk::MessageSender`] for outgoing e-mail. This crate does no I/O and needs no
//! async runtime: [`block_on`] runs its futures when the store is in memory.
//!
//! ```
//! use std::sync::Arc;
//! use otrs_core::{block_on, Desk, DeskConfig, Principal};
//! use otrs_core::clock::SystemClock;
//! use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
//! use otrs_core::store::MemoryStore;
//!
//! let desk = Desk::new(MemoryStore::new(), Arc::new(SystemClock), DeskConfig::default());
//! block_on(desk.initialize()).unwrap();
//! let postmaster = block_on(desk.queue_by_name(Principal::SYSTEM, "Postmaster")).unwrap();
//! let ticket = block_on(desk.create_ticket(
//!     Principal::SYSTEM,
//!     NewTicket::new("Printer is offline", postmaster.id, ArticleInput::note("The printer on floor 2 does not answer.")),
//! ))
//! .unwrap();
//! assert_eq!(ticket.number.len(), 16);
//! ```

#![warn(missing_docs)]

pub mod calendar;
pub mod clock;
pub mod desk;
pub mod error;
mod executor;
pub mod ids;
pub mod model;
pub mod rules;
pub mod stats;
pub mod store;

pub use desk::{Desk, DeskConfig};
pub use error::{DeskError, FieldError, ValidationErrors};
pub use executor::block_on;
pub use model::Principal;
