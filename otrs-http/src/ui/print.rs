//! Print: a ticket (its properties and every article the agent can read) or one article as an
//! A4 PDF. The text is set in DejaVu Sans, found at run time where Debian's `fonts-dejavu-core`
//! installs it (see [`crate::stats_output::PdfFont`]) and embedded in the file, so any script
//! the font covers prints.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use otrs_core::model::{Article, Ticket};
use otrs_core::store::Store;

use crate::dto::TicketDto;
use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::stats_output::{OutputError, PdfFont};
use crate::ui::UiCtx;
use crate::ui::articles::pdf_response;
use crate::ui::ticket::{problem_page, ticket_id};
use crate::{n_, tr};

const WIDTH: f32 = 210.0;
const HEIGHT: f32 = 297.0;
const MARGIN: f32 = 18.0;

/// Text laid out top to bottom on A4 portrait pages (also the knowledge base's print).
pub(crate) struct Sheet {
    doc: printpdf::PdfDocumentReference,
    font: printpdf::IndirectFontRef,
    layer: printpdf::PdfLayerReference,
    /// Distance from the top of the page, in mm.
    y: f32,
}

impl Sheet {
    /// A first page of a document titled `title`, set in `font`.
    pub(crate) fn new(title: &str, font: &PdfFont) -> Result<Sheet, OutputError> {
        use printpdf::{Mm, PdfDocument};
        let bytes = std::fs::read(font.path()).map_err(|e| OutputError::BadFont {
            path: font.path().to_owned(),
            message: e.to_string(),
        })?;
        let (doc, page, layer) = PdfDocument::new(title, Mm(WIDTH), Mm(HEIGHT), "page");
        let font_ref = doc
            .add_external_font(std::io::Cursor::new(bytes))
            .map_err(|e| OutputError::BadFont {
                path: font.path().to_owned(),
                message: e.to_string(),
            })?;
        let layer = doc.get_page(page).get_layer(layer);
        Ok(Sheet {
            doc,
            font: font_ref,
            layer,
            y: MARGIN,
        })
    }

    /// One line (a new page when this one is full).
    pub(crate) fn line(&mut self, text: &str, size: f32, indent: f32) {
        use printpdf::Mm;
        let height = size * 0.45;
        if self.y + height > HEIGHT - MARGIN {
            let (page, layer) = self.doc.add_page(Mm(WIDTH), Mm(HEIGHT), "page");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = MARGIN;
        }
        self.y += height;
        self.layer.use_text(
            text,
            size,
            Mm(MARGIN + indent),
            Mm(HEIGHT - self.y),
            &self.font,
        );
    }

    /// A paragraph wrapped at the page width (empty lines kept).
    pub(crate) fn paragraph(&mut self, text: &str, size: f32, indent: f32) {
        let per_line = chars_per_width(WIDTH - 2.0 * MARGIN - indent, size);
        for source in text.lines() {
            for line in wrap(source, per_line) {
                self.line(&line, size, indent);
            }
        }
    }

    /// Vertical space.
    pub(crate) fn gap(&mut self, mm: f32) {
        self.y += mm;
    }

    /// The PDF file.
    pub(crate) fn finish(self) -> Result<Vec<u8>, OutputError> {
        self.doc
            .save_to_bytes()
            .map_err(|e| OutputError::Pdf(e.to_string()))
    }
}

/// About how many characters of DejaVu Sans fit in `width` mm at `size` pt.
fn chars_per_width(width: f32, size: f32) -> usize {
    let em_mm = size * 0.3528;
    (width / (em_mm * 0.55)).floor().max(1.0) as usize
}

/// Wraps at word boundaries; words longer than a line are cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_owned();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn article_block(
    sheet: &mut Sheet,
    n: usize,
    a: &Article,
    time: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
    lang: Language,
) {
    sheet.gap(3.0);
    let mut heading = format!(
        "{} · {} · {} · {}",
        tr!(@lang lang, "Article #%{n}", n = n),
        crate::ui::articles::article_name(lang, a.channel.name()),
        translate_dyn(lang, a.direction().name()),
        time(a.created_at),
    );
    if a.important {
        heading.push_str(&format!(" · {}", tr!(@lang lang, "important")));
    }
    sheet.line(&heading, 10.0, 0.0);
    for (label, value) in [
        (tr!(@lang lang, "From"), &a.from),
        (tr!(@lang lang, "To"), &a.to),
        ("Cc".into(), &a.cc),
    ] {
        if !value.is_empty() {
            sheet.paragraph(&format!("{label}: {value}"), 8.5, 2.0);
        }
    }
    sheet.paragraph(
        &format!("{}: {}", tr!(@lang lang, "Subject"), a.subject),
        8.5,
        2.0,
    );
    if !a.attachments.is_empty() {
        let names: Vec<String> = a
            .attachments
            .iter()
            .map(|f| {
                format!(
                    "{} ({})",
                    f.filename,
                    tr!(@lang lang, "%{count} bytes", count = f.size)
                )
            })
            .collect();
        sheet.paragraph(
            &format!("{}: {}", tr!(@lang lang, "Attachments"), names.join(", ")),
            8.5,
            2.0,
        );
    }
    sheet.gap(1.5);
    sheet.paragraph(&a.body, 9.5, 2.0);
}

/// The ticket as a PDF: number, title, properties, then each article; the labels are in `lang`
/// (the ticket's own data is printed as it is).
pub fn ticket_pdf(
    t: &TicketDto,
    articles: &[Article],
    printed: &str,
    time: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
    font: &PdfFont,
    lang: Language,
) -> Result<Vec<u8>, OutputError> {
    let mut sheet = Sheet::new(&format!("Ticket#{} — {}", t.number, t.title), font)?;
    sheet.paragraph(&format!("Ticket#{}", t.number), 16.0, 0.0);
    sheet.paragraph(&t.title, 13.0, 0.0);
    sheet.gap(2.0);
    let customer = t
        .customer_user
        .as_ref()
        .map_or("–".to_owned(), |c| c.name.clone());
    for (label, value) in [
        (n_!("State"), t.state.name.clone()),
        (n_!("Priority"), t.priority.name.clone()),
        (n_!("Queue"), t.queue.name.clone()),
        (
            n_!("Lock"),
            if t.lock == "unlock" {
                tr!(@lang lang, "unlocked").into_owned()
            } else {
                tr!(@lang lang, "locked").into_owned()
            },
        ),
        (n_!("Owner"), t.owner.name.clone()),
        (n_!("Responsible"), t.responsible.name.clone()),
        (n_!("Customer User"), customer),
        (
            n_!("Customer ID"),
            t.customer_id.clone().unwrap_or_else(|| "–".into()),
        ),
        (n_!("Created"), time(t.created_at)),
        (n_!("Accounted Time"), t.accounted_time.clone()),
    ] {
        sheet.line(
            &format!("{}: {value}", translate_dyn(lang, label)),
            9.0,
            0.0,
        );
    }
    sheet.paragraph(printed, 7.5, 0.0);
    for (i, a) in articles.iter().enumerate() {
        article_block(&mut sheet, i + 1, a, time, lang);
    }
    sheet.finish()
}

/// Prints the ticket with every article the agent can read.
pub(crate) async fn ticket<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let tid = ticket_id(&id)?;
        let ticket = state.desk().ticket(ctx.principal(), tid).await?;
        let articles = state.desk().articles(ctx.principal(), tid).await?;
        let dto = crate::api::convert::tickets(&state, std::slice::from_ref(&ticket))
            .await
            .remove(0);
        let font = PdfFont::find(&[]).map_err(|e| e.to_api_error("printing a ticket"))?;
        let printed = printed_line(&ctx, state.desk().now());
        let bytes = ticket_pdf(&dto, &articles, &printed, &|t| ctx.time(t), &font, ctx.lang)
            .map_err(|e| e.to_api_error("printing a ticket"))?;
        Ok::<_, ApiError>((ticket, bytes))
    }
    .await;
    match result {
        Ok((ticket, bytes)) => pdf_response(bytes, &format!("Ticket_{}.pdf", ticket.number)),
        Err(e) => problem_page(&state, &ctx, n_!("Print"), &e).await,
    }
}

/// "Printed by … at …" for the agent, now.
pub(crate) fn printed_line(ctx: &UiCtx, now: chrono::DateTime<chrono::Utc>) -> String {
    tr!(
        ctx,
        "Printed by %{name} at %{time}",
        name = ctx.agent.full_name(),
        time = ctx.time(now)
    )
}

/// Prints one article (with the ticket's heading).
pub(crate) async fn article_pdf<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
) -> Response {
    let result = async {
        let dto = crate::api::convert::tickets(state, std::slice::from_ref(ticket))
            .await
            .remove(0);
        let font = PdfFont::find(&[]).map_err(|e| e.to_api_error("printing a ticket"))?;
        let printed = printed_line(ctx, state.desk().now());
        ticket_pdf(
            &dto,
            std::slice::from_ref(a),
            &printed,
            &|t| ctx.time(t),
            &font,
            ctx.lang,
        )
        .map_err(|e| e.to_api_error("printing a ticket"))
    }
    .await;
    match result {
        Ok(bytes) => pdf_response(
            bytes,
            &format!("Ticket_{}_Article_{}.pdf", ticket.number, a.id.0),
        ),
        Err(e) => problem_page(state, ctx, n_!("Print"), &e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_cut_and_lines_wrap() {
        assert_eq!(wrap("aaaa bb cc", 5), ["aaaa", "bb cc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), [""]);
    }
}
