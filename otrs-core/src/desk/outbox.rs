//! Delivering the outbox through the outgoing-message port.
//!
//! Commands only queue messages, in the same transaction as the article that caused them, so a
//! rolled-back command never sends anything. A worker calls [`Desk::deliver_outbox`] to hand the
//! queue to a [`MessageSender`] (SMTP in the server).

use std::future::Future;

use crate::desk::{Desk, write_tx};
use crate::error::DeskError;
use crate::model::{MessageStatus, OutgoingMessage};
use crate::store::{Store, StoreTx};

/// Why a message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What the relay said.
    pub message: String,
    /// True if trying again later cannot help (a refused address).
    pub permanent: bool,
}

/// The outgoing-message port.
pub trait MessageSender: Send + Sync {
    /// Builds one message and hands it to the relay; returns the exact bytes handed over (the
    /// RFC 5322 source, which the outbox keeps with the message).
    fn send(
        &self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = Result<Vec<u8>, SendError>> + Send;
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryReport {
    /// Messages handed to the relay.
    pub sent: u32,
    /// Messages that failed and will be tried again.
    pub deferred: u32,
    /// Messages that failed for good.
    pub failed: u32,
}

impl<S: Store> Desk<S> {
    /// Sends up to `limit` pending messages. Each outcome is recorded in its own transaction, so
    /// a crash never sends a message twice without recording the first attempt... unless the crash
    /// falls between the relay accepting it and the record; SMTP offers no way around that.
    pub async fn deliver_outbox(
        &self,
        sender: &impl MessageSender,
        limit: u32,
    ) -> Result<DeliveryReport, DeskError> {
        let pending = write_tx!(self, |tx| async {
            Ok::<_, DeskError>(tx.pending_messages(limit).await?)
        })?;
        let mut report = DeliveryReport::default();
        for message in pending {
            let result = sender.send(&message).await;
            let mut updated = message.clone();
            updated.attempts += 1;
            match result {
                Ok(source) => {
                    updated.status = MessageStatus::Sent;
                    updated.last_error = None;
                    updated.source = Some(source.into());
                    report.sent += 1;
                }
                Err(error) => {
                    updated.last_error = Some(error.message.clone());
                    if error.permanent || updated.attempts >= self.config.max_delivery_attempts {
                        updated.status = MessageStatus::Failed;
                        report.failed += 1;
                    } else {
                        report.deferred += 1;
                    }
                }
            }
            write_tx!(self, |tx| async {
                Ok::<_, DeskError>(tx.update_message(&updated).await?)
            })?;
        }
        Ok(report)
    }
}
