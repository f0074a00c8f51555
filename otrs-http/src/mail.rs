//! Outgoing e-mail over SMTP with `lettre`: the desk's outbox and the server's own messages
//! (sign-in codes, password resets).

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Mailboxes, MessageBuilder};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otrs_core::desk::{MessageSender, SendError};
use otrs_core::model::OutgoingMessage;

use crate::config::HttpConfig;

/// Sends through the SMTP relay of the settings (or refuses when none is configured).
pub struct SmtpMailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("configured", &self.transport.is_some())
            .field("from", &self.from)
            .finish()
    }
}

fn send_error(message: impl Into<String>, permanent: bool) -> SendError {
    SendError {
        message: message.into(),
        permanent,
    }
}

fn add_recipients(
    mut builder: MessageBuilder,
    list: &str,
    add: fn(MessageBuilder, Mailbox) -> MessageBuilder,
) -> Result<MessageBuilder, SendError> {
    if list.trim().is_empty() {
        return Ok(builder);
    }
    let boxes: Mailboxes = list
        .replace(';', ",")
        .parse()
        .map_err(|e| send_error(format!("bad address list {list:?}: {e}"), true))?;
    for mailbox in boxes {
        builder = add(builder, mailbox);
    }
    Ok(builder)
}

impl SmtpMailer {
    /// A mailer for the relay in `config.smtp`.
    pub fn new(config: &HttpConfig) -> SmtpMailer {
        let transport = config.smtp.as_ref().map(|smtp| {
            let mut builder =
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
                    .port(smtp.port)
                    .timeout(Some(smtp.timeout));
            if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            builder.build()
        });
        SmtpMailer {
            transport,
            from: config.mail_from.clone(),
        }
    }

    /// True if a relay is configured.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends a plain-text message.
    pub async fn send_text(
        &self,
        from: &str,
        to: &str,
        cc: &str,
        bcc: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), SendError> {
        let Some(transport) = &self.transport else {
            return Err(send_error("no SMTP relay is configured", false));
        };
        let from = if from.trim().is_empty() {
            &self.from
        } else {
            from
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| send_error(format!("bad sender {from:?}: {e}"), true))?;
        let mut builder = Message::builder()
            .from(from)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        builder = add_recipients(builder, to, MessageBuilder::to)?;
        builder = add_recipients(builder, cc, MessageBuilder::cc)?;
        builder = add_recipients(builder, bcc, MessageBuilder::bcc)?;
        let message = builder
            .body(body.to_owned())
            .map_err(|e| send_error(format!("cannot build the message: {e}"), true))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| send_error(e.to_string(), e.is_permanent()))
    }

    /// Sends one of the server's own messages from the configured sender.
    pub async fn send_notice(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        self.send_text("", to, "", "", subject, body).await
    }
}

impl MessageSender for SmtpMailer {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        self.send_text(
            &message.from,
            &message.to,
            &message.cc,
            &message.bcc,
            &message.subject,
            &message.body,
        )
        .await
    }
}
