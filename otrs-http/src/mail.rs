//! Outgoing e-mail over SMTP with `lettre`: the desk's outbox and the server's own messages
//! (sign-in codes, password resets).

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{
    Attachment, Body, Mailbox, Mailboxes, MessageBuilder, MultiPart, SinglePart,
};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otrs_core::desk::{MessageSender, SendError};
use otrs_core::model::OutgoingMessage;

use crate::config::{HttpConfig, SmtpConfig, SmtpTls};

/// Sends through the SMTP relay of the settings (or refuses when none is configured).
pub struct SmtpMailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
    /// Why there is no transport although a relay is configured.
    broken: Option<String>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("configured", &self.transport.is_some())
            .field("from", &self.from)
            .field("broken", &self.broken)
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

fn transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = match smtp.tls() {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone()),
        #[cfg(feature = "smtp-tls")]
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| format!("SMTP relay {}: {e}", smtp.host))?,
        #[cfg(feature = "smtp-tls")]
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| format!("SMTP relay {}: {e}", smtp.host))?,
        #[cfg(not(feature = "smtp-tls"))]
        SmtpTls::StartTls | SmtpTls::Tls => {
            return Err("SMTP over TLS needs otrs-http built with the smtp-tls feature".to_owned());
        }
    };
    let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

impl SmtpMailer {
    /// A mailer for the relay in `config.smtp`. A relay that cannot be used (TLS asked for
    /// without the `smtp-tls` feature, a bad host name) is logged, and every message to it fails.
    pub fn new(config: &HttpConfig) -> SmtpMailer {
        let (transport, broken) = match config.smtp.as_ref().map(transport) {
            None => (None, None),
            Some(Ok(transport)) => (Some(transport), None),
            Some(Err(reason)) => {
                tracing::error!(%reason, "the SMTP relay cannot be used");
                (None, Some(reason))
            }
        };
        SmtpMailer {
            transport,
            from: config.mail_from.clone(),
            broken,
        }
    }

    /// True if a relay is configured and usable.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Builds a message: plain text, or `multipart/mixed` with the text first and then each
    /// attachment, with the message's Message-ID (or one made up by the mail library),
    /// In-Reply-To and References headers.
    pub fn build(&self, m: &OutgoingMessage) -> Result<Message, SendError> {
        let from = if m.from.trim().is_empty() {
            &self.from
        } else {
            &m.from
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| send_error(format!("bad sender {from:?}: {e}"), true))?;
        let mut builder = Message::builder()
            .from(from)
            .subject(m.subject.as_str())
            .message_id(m.message_id.clone());
        if let Some(parent) = &m.in_reply_to {
            builder = builder.in_reply_to(parent.clone());
        }
        if let Some(thread) = &m.references {
            builder = builder.references(thread.clone());
        }
        builder = add_recipients(builder, &m.to, MessageBuilder::to)?;
        builder = add_recipients(builder, &m.cc, MessageBuilder::cc)?;
        builder = add_recipients(builder, &m.bcc, MessageBuilder::bcc)?;
        let built = if m.attachments.is_empty() {
            builder.header(ContentType::TEXT_PLAIN).body(m.body.clone())
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.clone()));
            for a in &m.attachments {
                let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                    send_error(
                        format!(
                            "bad content type {:?} of {}: {e}",
                            a.content_type, a.filename
                        ),
                        true,
                    )
                })?;
                // Always base64: the library would pick 7bit for bytes that are all below
                // 0x80, control characters and NULs included, which relays may mangle.
                let body =
                    Body::new_with_encoding(a.content.to_vec(), ContentTransferEncoding::Base64)
                        .map_err(|_| send_error(format!("cannot encode {}", a.filename), true))?;
                parts =
                    parts.singlepart(Attachment::new(a.filename.clone()).body(body, content_type));
            }
            builder.multipart(parts)
        };
        built.map_err(|e| send_error(format!("cannot build the message: {e}"), true))
    }

    /// Hands a built message to the relay and returns the bytes it was given: the library's
    /// rendering, made once, so what is recorded is exactly what went out.
    async fn deliver(&self, message: Message) -> Result<Vec<u8>, SendError> {
        let Some(transport) = &self.transport else {
            return Err(send_error(
                self.broken
                    .clone()
                    .unwrap_or_else(|| "no SMTP relay is configured".into()),
                false,
            ));
        };
        let source = message.formatted();
        transport
            .send_raw(message.envelope(), &source)
            .await
            .map_err(|e| send_error(e.to_string(), e.is_permanent()))?;
        Ok(source)
    }

    /// Sends one of the server's own messages from the configured sender.
    pub async fn send_notice(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        // Never queued, so its queueing time means nothing.
        let notice = OutgoingMessage::pending("", to, subject, body, chrono::DateTime::UNIX_EPOCH);
        self.deliver(self.build(&notice)?).await.map(drop)
    }
}

impl MessageSender for SmtpMailer {
    async fn send(&self, message: &OutgoingMessage) -> Result<Vec<u8>, SendError> {
        self.deliver(self.build(message)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otrs_core::model::OutgoingAttachment;

    #[cfg(not(feature = "smtp-tls"))]
    #[tokio::test]
    async fn tls_without_the_feature_is_reported_not_ignored() {
        let config = HttpConfig {
            smtp: Some(SmtpConfig {
                host: "smtp.example.com".into(),
                port: 587,
                username: Some("desk".into()),
                password: Some("secret".into()),
                timeout: std::time::Duration::from_secs(1),
            }),
            ..HttpConfig::default()
        };
        let mailer = SmtpMailer::new(&config);
        assert!(!mailer.is_configured());
        let error = mailer
            .send_notice("a@example.org", "s", "b")
            .await
            .unwrap_err();
        assert!(error.message.contains("smtp-tls"), "{error}");
        assert!(!format!("{config:?}").contains("secret"));
    }

    fn message(from: &str, to: &str, subject: &str, body: &str) -> OutgoingMessage {
        OutgoingMessage::pending(from, to, subject, body, chrono::DateTime::UNIX_EPOCH)
    }

    #[test]
    fn messages_carry_their_message_id_and_attachments_as_multipart() {
        let mailer = SmtpMailer::new(&HttpConfig::default());
        let pdf: &[u8] = b"%PDF-1.7\x00\x01 all below 0x80";
        let mut report = message(
            "OTRS <otrs@example.com>",
            "boss@example.org",
            "Monthly report",
            "Attached.",
        );
        report.message_id = Some("<report.7.2026-11@example.com>".into());
        report.attachments = vec![OutgoingAttachment {
            filename: "report.pdf".into(),
            content_type: "application/pdf".into(),
            content: pdf.into(),
        }];
        let text = String::from_utf8(mailer.build(&report).unwrap().formatted()).unwrap();
        assert!(
            text.contains("Message-ID: <report.7.2026-11@example.com>"),
            "{text}"
        );
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(text.contains("filename=\"report.pdf\""), "{text}");
        assert!(text.contains("Content-Type: application/pdf"), "{text}");
        assert!(!text.contains("In-Reply-To"), "{text}");
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(pdf);
        assert!(
            text.contains(&encoded),
            "the PDF travels base64-encoded: {text}"
        );

        let plain = mailer
            .build(&message("", "a@example.org", "s", "b"))
            .unwrap();
        let text = String::from_utf8(plain.formatted()).unwrap();
        assert!(text.contains("Content-Type: text/plain"), "{text}");
        assert!(!text.contains("multipart"), "{text}");
        let mut bad = message("", "a@example.org", "s", "b");
        bad.attachments = vec![OutgoingAttachment {
            filename: "x".into(),
            content_type: "not a type".into(),
            content: b"x".as_slice().into(),
        }];
        assert!(mailer.build(&bad).unwrap_err().permanent);
    }

    #[test]
    fn replies_carry_their_threading_headers_and_bcc_stays_out_of_the_source() {
        let mailer = SmtpMailer::new(&HttpConfig::default());
        let mut reply = message("", "lacey@example.org", "Re: Printer", "On it.");
        reply.bcc = "audit@example.com".into();
        reply.message_id = Some("<ticket.1.article.3@example.com>".into());
        reply.in_reply_to = Some("<b@customer.example>".into());
        reply.references = Some("<a@customer.example> <b@customer.example>".into());
        let built = mailer.build(&reply).unwrap();
        let text = String::from_utf8(built.formatted()).unwrap();
        assert!(
            text.contains("In-Reply-To: <b@customer.example>\r\n"),
            "{text}"
        );
        assert!(
            text.contains("References: <a@customer.example> <b@customer.example>\r\n"),
            "{text}"
        );
        assert!(
            !text.contains("audit@example.com"),
            "Bcc is not a header: {text}"
        );
        assert!(
            built
                .envelope()
                .to()
                .iter()
                .any(|a| a.to_string() == "audit@example.com"),
            "but Bcc is a recipient"
        );
    }
}
