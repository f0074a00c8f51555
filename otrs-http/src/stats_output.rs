//! A statistic's result in the formats the manual offers: CSV, Excel (xlsx) and Print (PDF).
//!
//! * [`csv`]: UTF-8 with a byte-order mark (so spreadsheet programs read non-ASCII text right),
//!   RFC 4180 quoting, CRLF line ends; the header row, then the data rows.
//! * [`xlsx`]: one worksheet with the title, the header row in bold, counts and numbers as numbers,
//!   and the notes below the table.
//! * [`pdf`]: A4 landscape pages with a headline, title, preamble, one table per statistic (broken
//!   across pages), its notes, and an epilogue; text is set in a TrueType font that is embedded in
//!   the file, so any script the font covers prints (DejaVu Sans covers Latin, Greek, Cyrillic,
//!   Armenian, Georgian, Hebrew and Arabic letters among others). [`PdfFont::find`] looks for it
//!   where the Debian package `fonts-dejavu-core` installs it.

use std::path::{Path, PathBuf};

use otrs_core::stats::{StatCell, StatTable};

/// Why an output could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// No usable font file was found.
    #[error(
        "no PDF font found (looked for {looked:?}); install the Debian package fonts-dejavu-core"
    )]
    NoFont {
        /// The paths tried.
        looked: Vec<PathBuf>,
    },
    /// The font file could not be read or parsed.
    #[error("the PDF font {path:?} cannot be used: {message}")]
    BadFont {
        /// Its path.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The workbook writer failed.
    #[error("writing the Excel workbook failed: {0}")]
    Xlsx(String),
    /// The PDF writer failed.
    #[error("writing the PDF failed: {0}")]
    Pdf(String),
}

impl OutputError {
    /// The answer for a client: a missing or unusable font is the server's set-up (503, naming
    /// the package to install); a writer failure is logged and answered as an internal error.
    pub fn to_api_error(&self, context: &str) -> crate::error::ApiError {
        match self {
            OutputError::NoFont { .. } | OutputError::BadFont { .. } => {
                tracing::error!(error = %self, "{context}");
                crate::error::ApiError::new(
                    "pdf-unavailable",
                    format!("PDF output is not available on this server: {self}"),
                )
            }
            OutputError::Xlsx(_) | OutputError::Pdf(_) => crate::error::internal(context, self),
        }
    }
}

/// Where `fonts-dejavu-core` puts DejaVu Sans.
pub const DEFAULT_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// A TrueType font to embed in PDFs.
#[derive(Clone)]
pub struct PdfFont {
    path: PathBuf,
    bytes: std::sync::Arc<Vec<u8>>,
}

impl std::fmt::Debug for PdfFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfFont").field("path", &self.path).finish()
    }
}

impl PdfFont {
    /// Reads a font file.
    pub fn load(path: &Path) -> Result<PdfFont, OutputError> {
        let bytes = std::fs::read(path).map_err(|e| OutputError::BadFont {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Ok(PdfFont {
            path: path.to_owned(),
            bytes: std::sync::Arc::new(bytes),
        })
    }

    /// The first of `paths` that exists (at run time), or the default locations when `paths` is
    /// empty.
    pub fn find(paths: &[PathBuf]) -> Result<PdfFont, OutputError> {
        let looked: Vec<PathBuf> = if paths.is_empty() {
            DEFAULT_FONT_PATHS.iter().map(PathBuf::from).collect()
        } else {
            paths.to_vec()
        };
        match looked.iter().find(|p| p.is_file()) {
            Some(path) => PdfFont::load(path),
            None => Err(OutputError::NoFont { looked }),
        }
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The table as CSV (see the module docs).
pub fn csv(table: &StatTable) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, &cell);
        }
        out.push_str("\r\n");
    };
    line(&mut table.headers.iter().cloned());
    for row in &table.rows {
        line(&mut row.iter().map(StatCell::to_text));
    }
    out.into_bytes()
}

/// The table as an Excel workbook (see the module docs).
pub fn xlsx(table: &StatTable) -> Result<Vec<u8>, OutputError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| OutputError::Xlsx(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .set_name(format!("Stat {}", table.number))
        .map_err(err)?;
    let bold = Format::new().set_bold();
    sheet
        .write_string_with_format(
            0,
            0,
            &table.title,
            &Format::new().set_bold().set_font_size(14),
        )
        .map_err(err)?;
    sheet
        .write_string(
            1,
            0,
            format!(
                "Generated {} ({})",
                table
                    .generated_at
                    .with_timezone(&table.time_zone)
                    .format("%Y-%m-%d %H:%M:%S %Z"),
                table.time_zone.name()
            ),
        )
        .map_err(err)?;
    let first = 3u32;
    for (c, h) in table.headers.iter().enumerate() {
        sheet
            .write_string_with_format(first, col(c), h, &bold)
            .map_err(err)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = first + 1 + u32::try_from(r).unwrap_or(u32::MAX - first - 1);
        for (c, cell) in row.iter().enumerate() {
            match cell {
                StatCell::Text(t) => sheet.write_string(r, col(c), t).map(|_| ()),
                StatCell::Count(n) => sheet.write_number(r, col(c), *n as f64).map(|_| ()),
                StatCell::Number(x) => sheet.write_number(r, col(c), *x).map(|_| ()),
                StatCell::Empty => Ok(()),
            }
            .map_err(err)?;
        }
    }
    let below = first + 2 + u32::try_from(table.rows.len()).unwrap_or(0);
    for (r, note) in (below..).zip(&table.notes) {
        sheet.write_string(r, 0, note).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// The texts around the tables of a PDF (a report's output settings; a single statistic uses
/// only the title).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfFrame {
    /// Headline, above everything.
    pub headline: String,
    /// Title.
    pub title: String,
    /// Caption of the preamble.
    pub preamble_caption: String,
    /// Preamble text.
    pub preamble: String,
    /// Caption of the epilogue.
    pub epilogue_caption: String,
    /// Epilogue text.
    pub epilogue: String,
}

/// Lays text out on A4 landscape pages.
struct Pages {
    doc: printpdf::PdfDocumentReference,
    font: printpdf::IndirectFontRef,
    layer: printpdf::PdfLayerReference,
    /// Distance from the top of the page, in mm.
    y: f32,
}

const WIDTH: f32 = 297.0;
const HEIGHT: f32 = 210.0;
const MARGIN: f32 = 15.0;

impl Pages {
    fn new(title: &str, font: &PdfFont) -> Result<Pages, OutputError> {
        use printpdf::{Mm, PdfDocument};
        let (doc, page, layer) = PdfDocument::new(title, Mm(WIDTH), Mm(HEIGHT), "page");
        let font = doc
            .add_external_font(std::io::Cursor::new(font.bytes.as_slice()))
            .map_err(|e| OutputError::BadFont {
                path: font.path.clone(),
                message: e.to_string(),
            })?;
        let layer = doc.get_page(page).get_layer(layer);
        Ok(Pages {
            doc,
            font,
            layer,
            y: MARGIN,
        })
    }

    fn new_page(&mut self) {
        use printpdf::Mm;
        let (page, layer) = self.doc.add_page(Mm(WIDTH), Mm(HEIGHT), "page");
        self.layer = self.doc.get_page(page).get_layer(layer);
        self.y = MARGIN;
    }

    /// Makes room for `height` mm, starting a page when needed.
    fn room(&mut self, height: f32) {
        if self.y + height > HEIGHT - MARGIN {
            self.new_page();
        }
    }

    fn text_at(&self, text: &str, size: f32, x: f32) {
        use printpdf::Mm;
        self.layer
            .use_text(text, size, Mm(x), Mm(HEIGHT - self.y), &self.font);
    }

    /// A paragraph, wrapped at the page width.
    fn paragraph(&mut self, text: &str, size: f32) {
        let line_height = size * 0.45;
        let per_line = chars_per_width(WIDTH - 2.0 * MARGIN, size);
        for source in text.lines() {
            for line in wrap(source, per_line) {
                self.room(line_height);
                self.y += line_height;
                self.text_at(&line, size, MARGIN);
            }
        }
        self.y += line_height * 0.5;
    }

    fn table(&mut self, table: &StatTable) {
        let columns = table.headers.len().max(1);
        let available = WIDTH - 2.0 * MARGIN;
        // Wide matrices (a month of days) get a smaller font.
        let size = (available / columns as f32 * 0.9).clamp(5.0, 9.0);
        let width = available / columns as f32;
        let per_cell = chars_per_width(width - 1.0, size).max(1);
        let line_height = size * 0.5;
        let header = |pages: &mut Pages| {
            pages.room(line_height * 2.0);
            pages.y += line_height;
            for (i, h) in table.headers.iter().enumerate() {
                pages.text_at(&clip(h, per_cell), size, MARGIN + width * i as f32);
            }
            pages.y += line_height * 0.3;
        };
        header(self);
        for row in &table.rows {
            if self.y + line_height > HEIGHT - MARGIN {
                self.new_page();
                header(self);
            }
            self.y += line_height;
            for (i, cell) in row.iter().enumerate() {
                self.text_at(
                    &clip(&cell.to_text(), per_cell),
                    size,
                    MARGIN + width * i as f32,
                );
            }
        }
        self.y += line_height;
        for note in &table.notes {
            self.paragraph(note, 7.0);
        }
    }
}

/// About how many characters of DejaVu Sans fit in `width` mm at `size` pt (average advance
/// about 0.55 em).
fn chars_per_width(width: f32, size: f32) -> usize {
    let em_mm = size * 0.3528;
    (width / (em_mm * 0.55)).floor().max(1.0) as usize
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// One or more tables as a PDF, inside a frame of texts (see the module docs).
pub fn pdf(frame: &PdfFrame, tables: &[StatTable], font: &PdfFont) -> Result<Vec<u8>, OutputError> {
    let title = if frame.title.is_empty() {
        tables.first().map_or("Statistics", |t| t.title.as_str())
    } else {
        frame.title.as_str()
    };
    let mut pages = Pages::new(title, font)?;
    if !frame.headline.is_empty() {
        pages.paragraph(&frame.headline, 18.0);
    }
    if !frame.title.is_empty() {
        pages.paragraph(&frame.title, 14.0);
    }
    if !frame.preamble_caption.is_empty() {
        pages.paragraph(&frame.preamble_caption, 11.0);
    }
    if !frame.preamble.is_empty() {
        pages.paragraph(&frame.preamble, 9.0);
    }
    for table in tables {
        pages.paragraph(&format!("{} ({})", table.title, table.number), 12.0);
        pages.paragraph(
            &format!(
                "Generated {} ({})",
                table
                    .generated_at
                    .with_timezone(&table.time_zone)
                    .format("%Y-%m-%d %H:%M:%S %Z"),
                table.time_zone.name()
            ),
            7.0,
        );
        pages.table(table);
    }
    if !frame.epilogue_caption.is_empty() {
        pages.paragraph(&frame.epilogue_caption, 11.0);
    }
    if !frame.epilogue.is_empty() {
        pages.paragraph(&frame.epilogue, 9.0);
    }
    pages
        .doc
        .save_to_bytes()
        .map_err(|e| OutputError::Pdf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn table() -> StatTable {
        StatTable {
            number: 10009,
            title: "Überblick — Обзор".into(),
            kind: "Matrix",
            time_zone: chrono_tz::Europe::Berlin,
            generated_at: chrono::Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap(),
            headers: vec![
                "Queue".into(),
                "new".into(),
                "open, \"really\"".into(),
                "Sum".into(),
            ],
            rows: vec![
                vec![
                    StatCell::Text("Почта".into()),
                    StatCell::Count(1),
                    StatCell::Count(2),
                    StatCell::Count(3),
                ],
                vec![
                    StatCell::Text("Misc".into()),
                    StatCell::Number(1.5),
                    StatCell::Empty,
                    StatCell::Count(0),
                ],
            ],
            notes: vec!["Created: from 2026-02-01 to 2026-03-01".into()],
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_and_crlf() {
        let bytes = csv(&table());
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "Queue,new,\"open, \"\"really\"\"\",Sum\r\nПочта,1,2,3\r\nMisc,1.5,,0\r\n"
        );
    }

    #[test]
    fn xlsx_reads_back_with_numbers_as_numbers() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = xlsx(&table()).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Stat 10009").unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("Überblick — Обзор".into()))
        );
        assert_eq!(
            range.get_value((3, 2)),
            Some(&Data::String("open, \"really\"".into()))
        );
        assert_eq!(range.get_value((4, 0)), Some(&Data::String("Почта".into())));
        assert_eq!(range.get_value((4, 3)), Some(&Data::Float(3.0)));
        assert_eq!(range.get_value((5, 1)), Some(&Data::Float(1.5)));
        assert_eq!(
            range.get_value((7, 0)),
            Some(&Data::String(
                "Created: from 2026-02-01 to 2026-03-01".into()
            ))
        );
    }

    #[test]
    fn pdf_embeds_the_font_and_holds_cyrillic_text() {
        let Ok(font) = PdfFont::find(&[]) else {
            // A fresh machine may lack the font: skip loudly, fail where every suite must run.
            let what = "otrs-http PDF statistics (install fonts-dejavu-core)";
            assert!(
                !std::env::var("OTRS_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1"),
                "{what}: DejaVu Sans is missing, and OTRS_TEST_REQUIRE_ALL=1 forbids skipping"
            );
            eprintln!("!!!! SKIPPED {what} !!!!");
            if let Ok(log) = std::env::var("OTRS_TEST_SKIP_LOG") {
                use std::io::Write;
                if let Ok(mut file) = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(log)
                {
                    let _ = writeln!(file, "{what}");
                }
            }
            return;
        };
        let frame = PdfFrame {
            headline: "Отчёт".into(),
            title: "Monthly".into(),
            ..PdfFrame::default()
        };
        let many = StatTable {
            rows: (0..200)
                .map(|i| {
                    vec![
                        StatCell::Text(format!("Очередь {i}")),
                        StatCell::Count(i),
                        StatCell::Empty,
                        StatCell::Count(i),
                    ]
                })
                .collect(),
            ..table()
        };
        let bytes = pdf(&frame, &[table(), many], &font).unwrap();
        let text = pdf_text::extract(&bytes);
        assert!(
            text.pages > 2,
            "200 rows need several pages ({} pages)",
            text.pages
        );
        assert!(text.embedded_fonts >= 1);
        for expected in ["Отчёт", "Почта", "Очередь 199", "Überblick — Обзор (10009)"]
        {
            assert!(
                text.text.contains(expected),
                "{expected:?} missing from {:?}",
                &text.text[..300.min(text.text.len())]
            );
        }
    }

    #[test]
    fn a_missing_font_names_the_paths_tried() {
        let err = PdfFont::find(&[PathBuf::from("/nonexistent/font.ttf")]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/font.ttf"));
        assert!(err.to_string().contains("fonts-dejavu-core"));
        let answer = err.to_api_error("test");
        assert_eq!(
            answer.status(),
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "a missing font is the server's set-up, not a failure"
        );
        assert!(answer.problem().detail.contains("fonts-dejavu-core"));
        let writer = OutputError::Pdf("broken".into()).to_api_error("test");
        assert_eq!(
            writer.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        assert!(
            !writer.problem().detail.contains("broken"),
            "internals stay in the log"
        );
    }

    /// Reads the text back out of a PDF: content-stream glyph ids through each font's ToUnicode map.
    mod pdf_text {
        use std::collections::HashMap;

        pub struct Extracted {
            pub text: String,
            pub pages: usize,
            pub embedded_fonts: usize,
        }

        fn cmap(data: &[u8]) -> HashMap<u16, String> {
            let text = String::from_utf8_lossy(data);
            let mut map = HashMap::new();
            let hex = |s: &str| u32::from_str_radix(s, 16).ok();
            let mut in_chars = false;
            let mut in_ranges = false;
            for line in text.lines() {
                let line = line.trim();
                if line.ends_with("beginbfchar") {
                    in_chars = true;
                    continue;
                }
                if line.ends_with("endbfchar") {
                    in_chars = false;
                    continue;
                }
                if line.ends_with("beginbfrange") {
                    in_ranges = true;
                    continue;
                }
                if line.ends_with("endbfrange") {
                    in_ranges = false;
                    continue;
                }
                let parts: Vec<&str> = line
                    .split(['<', '>'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                if in_chars
                    && parts.len() == 2
                    && let (Some(g), Some(c)) = (hex(parts[0]), hex(parts[1]))
                {
                    map.insert(
                        g as u16,
                        char::from_u32(c).map(String::from).unwrap_or_default(),
                    );
                } else if in_ranges
                    && parts.len() == 3
                    && let (Some(a), Some(b), Some(c)) =
                        (hex(parts[0]), hex(parts[1]), hex(parts[2]))
                {
                    {
                        for (k, g) in (a..=b).enumerate() {
                            map.insert(
                                g as u16,
                                char::from_u32(c + k as u32)
                                    .map(String::from)
                                    .unwrap_or_default(),
                            );
                        }
                    }
                }
            }
            map
        }

        pub fn extract(bytes: &[u8]) -> Extracted {
            let doc = lopdf::Document::load_mem(bytes).unwrap();
            let mut glyphs: HashMap<u16, String> = HashMap::new();
            let mut embedded_fonts = 0;
            for object in doc.objects.values() {
                if let Ok(dict) = object.as_dict() {
                    if dict.has(b"FontFile2") {
                        embedded_fonts += 1;
                    }
                    if let Ok(reference) = dict.get(b"ToUnicode").and_then(|o| o.as_reference()) {
                        let stream = doc.get_object(reference).unwrap().as_stream().unwrap();
                        let data = stream
                            .decompressed_content()
                            .unwrap_or_else(|_| stream.content.clone());
                        glyphs.extend(cmap(&data));
                    }
                }
            }
            let mut text = String::new();
            let pages = doc.get_pages();
            for page in pages.values() {
                let content = doc.get_page_content(*page).unwrap();
                let content = lopdf::content::Content::decode(&content).unwrap();
                for op in content.operations {
                    if op.operator == "Tj" || op.operator == "TJ" {
                        for operand in &op.operands {
                            let strings: Vec<&lopdf::Object> = match operand {
                                lopdf::Object::Array(items) => items.iter().collect(),
                                other => vec![other],
                            };
                            for s in strings {
                                if let lopdf::Object::String(b, _) = s {
                                    for pair in b.chunks(2) {
                                        if pair.len() == 2 {
                                            let g = u16::from_be_bytes([pair[0], pair[1]]);
                                            text.push_str(
                                                glyphs.get(&g).map_or("\u{fffd}", String::as_str),
                                            );
                                        }
                                    }
                                }
                            }
                        }
                        text.push('\n');
                    }
                }
            }
            Extracted {
                text,
                pages: pages.len(),
                embedded_fonts,
            }
        }
    }
}
