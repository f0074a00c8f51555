//! Export of the selected tickets to CSV or Excel (xlsx), with the columns chosen and ordered
//! in the export dialog. Both are streamed with no row cap of our own: CSV row by row (UTF-8
//! with a byte-order mark), xlsx written with constant memory into a temporary file that is
//! then streamed, continuing on a new sheet past the format's 1,048,576 rows. Times are
//! ISO 8601 in the agent's zone with its offset; cells starting with `= + - @` (or a tab or
//! carriage return) get a leading apostrophe so that spreadsheets do not run them as formulas.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::html;
use otrs_core::ids::TicketId;
use otrs_core::store::{PageRequest, Store, TicketFilter, TicketSort, TicketSortKey};
use tokio::sync::mpsc;

use crate::api::convert;
use crate::error::ApiError;
use crate::i18n::Language;
use crate::state::AppState;
use crate::tr;
use crate::ui::columns::{Column, chooser, parse_columns};
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, message_in, message_of};

/// Rows of one xlsx sheet (the format's limit), the header row included.
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

/// Tickets fetched per step.
const CHUNK: usize = 100;

/// The export dialog.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    dialog(&state, &ctx, &query, None, StatusCode::OK).await
}

async fn dialog<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    fields: &Fields,
    error: Option<&ApiError>,
    status: StatusCode,
) -> Response {
    let ids = fields.all("ids");
    let chosen = match parse_columns(fields.all("columns")) {
        c if c.is_empty() => vec![
            Column::Number,
            Column::Title,
            Column::State,
            Column::Queue,
            Column::Priority,
            Column::Owner,
            Column::Created,
            Column::Changed,
        ],
        c => c,
    };
    let back = crate::ui::bulk::back_of(fields);
    let body = html! {
        @if let Some(e) = error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        @if ids.is_empty() {
            p.error role="alert" { (tr!(ctx, "Select at least one ticket in a list first.")) }
        } @else {
            form.stack method="post" action="/agent/tickets/export" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                input type="hidden" name="back" value=(back);
                @for id in &ids { input type="hidden" name="ids" value=(id); }
                p { @if ids.len() == 1 { (tr!(ctx, "Export the selected ticket.")) } @else { (tr!(ctx, "Export %{count} selected tickets.", count = ids.len())) } }
                fieldset {
                    legend { (tr!(ctx, "Columns")) }
                    p.note { (tr!(ctx, "Tick the columns to export and put them in order.")) }
                    (chooser(ctx.lang, &chosen))
                }
                fieldset {
                    legend { (tr!(ctx, "Format")) }
                    label { input type="radio" name="format" value="csv" checked[fields.get("format") != Some("xlsx")]; " CSV (UTF-8)" } br;
                    label { input type="radio" name="format" value="xlsx" checked[fields.get("format") == Some("xlsx")]; " Excel (xlsx)" }
                }
                div { button.primary type="submit" { (tr!(ctx, "Download File")) } " " a.button href=(back) { (tr!(ctx, "Cancel")) } }
            }
        }
    };
    let title = tr!(ctx, "Export");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

/// Makes a cell safe for spreadsheets: a leading `= + - @`, tab or carriage return gets an
/// apostrophe in front.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// One CSV record (RFC 4180 quoting), cells neutralised, ending in CRLF.
pub fn csv_record<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = neutralise(cell);
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
    out
}

/// The rows of the selected tickets the agent may read, in the order selected, `CHUNK` at a time.
async fn fetch<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    chunk: &[TicketId],
    columns: &[Column],
) -> Result<Vec<Vec<String>>, ApiError> {
    let page = state
        .desk()
        .list_tickets(
            ctx.principal(),
            TicketFilter {
                ids: Some(chunk.to_vec()),
                ..TicketFilter::default()
            },
            TicketSort {
                key: TicketSortKey::Id,
                descending: false,
            },
            PageRequest::page(1, CHUNK as u32),
        )
        .await?;
    let dtos = convert::tickets(state, &page.tickets).await;
    let tz = ctx.tz;
    let time = move |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).to_rfc3339();
    let mut rows = Vec::with_capacity(dtos.len());
    for id in chunk {
        if let Some(t) = dtos.iter().find(|t| t.id == id.0) {
            // The exported data keeps the names as stored, whatever the agent's language.
            rows.push(
                columns
                    .iter()
                    .map(|c| c.text(t, &time, Language::English))
                    .collect(),
            );
        }
    }
    Ok(rows)
}

fn ids_of(fields: &Fields) -> Result<Vec<TicketId>, ApiError> {
    let mut ids = Vec::new();
    for v in fields.all("ids") {
        let id: u64 = v
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("ids", format!("{v:?} is not a ticket id")))?;
        ids.push(TicketId(id));
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(
            "ids",
            crate::n_!("select at least one ticket"),
        ));
    }
    Ok(ids)
}

fn attachment(content_type: &'static str, name: &str) -> Response {
    let mut r = Response::new(Body::empty());
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn stream_of(rx: mpsc::Receiver<Bytes>) -> Body {
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    }))
}

/// Streams the export.
pub(crate) async fn download<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let ids = match ids_of(&form) {
        Ok(ids) => ids,
        Err(e) => return problem_page(&state, &ctx, &tr!(ctx, "Export"), &e).await,
    };
    let columns = parse_columns(form.all("columns"));
    if columns.is_empty() {
        let e = ApiError::invalid("columns", crate::n_!("choose at least one column"));
        return dialog(&state, &ctx, &form, Some(&e), e.status()).await;
    }
    let stamp = state
        .desk()
        .now()
        .with_timezone(&ctx.tz)
        .format("%Y%m%d-%H%M");
    match form.get("format").unwrap_or("csv") {
        "csv" => {
            let (tx, rx) = mpsc::channel::<Bytes>(8);
            tokio::spawn(async move {
                let mut head = String::from('\u{feff}');
                head.push_str(&csv_record(columns.iter().map(|c| c.label())));
                if tx.send(Bytes::from(head)).await.is_err() {
                    return;
                }
                for chunk in ids.chunks(CHUNK) {
                    let rows = match fetch(&state, &ctx, chunk, &columns).await {
                        Ok(rows) => rows,
                        Err(e) => {
                            tracing::error!(error = %message_of(&e), "export stopped");
                            return;
                        }
                    };
                    let mut out = String::new();
                    for row in &rows {
                        out.push_str(&csv_record(row.iter().map(String::as_str)));
                    }
                    if tx.send(Bytes::from(out)).await.is_err() {
                        return;
                    }
                }
            });
            let mut r = attachment("text/csv; charset=utf-8", &format!("tickets-{stamp}.csv"));
            *r.body_mut() = stream_of(rx);
            r
        }
        "xlsx" => match xlsx(&state, &ctx, &ids, &columns, XLSX_MAX_ROWS).await {
            Ok(file) => {
                let (tx, rx) = mpsc::channel::<Bytes>(4);
                tokio::spawn(async move {
                    use tokio::io::AsyncReadExt;
                    let Ok(mut f) = tokio::fs::File::open(file.path()).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = f.read(&mut buf).await {
                        if n == 0 || tx.send(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
                            break;
                        }
                    }
                    drop(file);
                });
                let mut r = attachment(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("tickets-{stamp}.xlsx"),
                );
                *r.body_mut() = stream_of(rx);
                r
            }
            Err(e) => problem_page(&state, &ctx, &tr!(ctx, "Export"), &e).await,
        },
        other => {
            let e = ApiError::invalid("format", format!("unknown format {other:?} (csv or xlsx)"));
            dialog(&state, &ctx, &form, Some(&e), e.status()).await
        }
    }
}

/// Writes the workbook into a temporary file: rows arrive from the desk a chunk at a time over a
/// channel to a blocking writer that keeps only the current row in memory.
pub(crate) async fn xlsx<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ids: &[TicketId],
    columns: &[Column],
    rows_per_sheet: u32,
) -> Result<tempfile::NamedTempFile, ApiError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<String>>>(4);
    let headers: Vec<String> = columns.iter().map(|c| c.label().to_owned()).collect();
    let writer =
        tokio::task::spawn_blocking(move || write_xlsx("Tickets", &headers, rx, rows_per_sheet));
    for chunk in ids.chunks(CHUNK) {
        let rows = fetch(state, ctx, chunk, columns).await?;
        if tx.send(rows).is_err() {
            break;
        }
    }
    drop(tx);
    writer
        .await
        .map_err(|e| crate::error::internal("the xlsx writer failed", &e))?
}

/// The blocking xlsx writer: sheets named `sheet_name` (numbered from the second on), a new
/// one (with the header again) every `rows_per_sheet` rows.
pub(crate) fn write_xlsx(
    sheet_name: &str,
    headers: &[String],
    rows: std::sync::mpsc::Receiver<Vec<Vec<String>>>,
    rows_per_sheet: u32,
) -> Result<tempfile::NamedTempFile, ApiError> {
    use rust_xlsxwriter::{Format, Workbook, Worksheet};
    let fail = |e: &dyn std::fmt::Display| {
        ApiError::new("internal", format!("could not write the xlsx file: {e}"))
    };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut sheets = 0u32;
    let new_sheet = |workbook: &mut Workbook, sheets: &mut u32| -> Result<(), ApiError> {
        *sheets += 1;
        let sheet: &mut Worksheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(|e| fail(&e))?;
        let name = if *sheets == 1 {
            sheet_name.to_owned()
        } else {
            format!("{sheet_name} {sheets}")
        };
        sheet.set_name(&name).map_err(|e| fail(&e))?;
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(|e| fail(&e))?;
        }
        Ok(())
    };
    new_sheet(&mut workbook, &mut sheets)?;
    let mut row: u32 = 1;
    for chunk in rows {
        for cells in chunk {
            if row >= rows_per_sheet {
                new_sheet(&mut workbook, &mut sheets)?;
                row = 1;
            }
            let sheet = workbook
                .worksheet_from_index(sheets as usize - 1)
                .map_err(|e| fail(&e))?;
            for (c, cell) in cells.iter().enumerate() {
                sheet
                    .write_string(row, c as u16, neutralise(cell).as_ref())
                    .map_err(|e| fail(&e))?;
            }
            row += 1;
        }
    }
    let mut file = tempfile::NamedTempFile::new().map_err(|e| fail(&e))?;
    workbook
        .save_to_writer(file.as_file_mut())
        .map_err(|e| fail(&e))?;
    file.as_file_mut().flush().map_err(|e| fail(&e))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(
            csv_record([
                "=1+1",
                "+x",
                "-2",
                "@SUM(A1)",
                "plain",
                "a,\"b\"",
                "line\nbreak"
            ]),
            "'=1+1,'+x,'-2,'@SUM(A1),plain,\"a,\"\"b\"\"\",\"line\nbreak\"\r\n"
        );
        assert_eq!(neutralise("ok=1"), "ok=1");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn xlsx_continues_on_a_new_sheet() {
        let (tx, rx) = std::sync::mpsc::sync_channel(8);
        let headers = vec!["Number".to_owned(), "Title".to_owned()];
        let rows: Vec<Vec<String>> = (0..5)
            .map(|i| vec![i.to_string(), format!("=evil{i}")])
            .collect();
        tx.send(rows).unwrap();
        drop(tx);
        // Three rows per sheet: the header and two tickets, so five tickets need three sheets.
        let file = write_xlsx("Tickets", &headers, rx, 3).unwrap();
        let bytes = std::fs::read(file.path()).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
        assert!(has("xl/worksheets/sheet3.xml"));
        assert!(!has("xl/worksheets/sheet4.xml"));
    }
}
