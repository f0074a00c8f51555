//! Files kept for a form that is still being filled in, so that a form shown again (after a
//! field error, a text template, the address book) does not lose what was already uploaded.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, FormUploadId};

/// One file kept for a form of one agent until the form is sent or the file expires.
#[derive(Clone, PartialEq, Eq)]
pub struct FormUpload {
    /// Identity.
    pub id: FormUploadId,
    /// The form it belongs to: a random key the form carries from one showing to the next.
    pub form_key: String,
    /// The agent filling in the form; nobody else sees or uses the file.
    pub agent_id: AgentId,
    /// File name (without a path).
    pub filename: String,
    /// Content type.
    pub content_type: String,
    /// The bytes.
    pub content: Arc<[u8]>,
    /// When it was uploaded (it expires after `DeskConfig::form_upload_ttl`).
    pub created_at: DateTime<Utc>,
}

impl FormUpload {
    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.content.len() as u64
    }
}

// The content stays out of logs and test failures.
impl std::fmt::Debug for FormUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormUpload")
            .field("id", &self.id)
            .field("form_key", &self.form_key)
            .field("agent_id", &self.agent_id)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.size())
            .field("created_at", &self.created_at)
            .finish()
    }
}
