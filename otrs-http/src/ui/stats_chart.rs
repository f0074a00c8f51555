//! The bar chart under an on-screen statistic, drawn here as SVG (no charting script): one group
//! of bars per column of the table (the X axis values), one bar per row (the Y axis values) in
//! a colour the legend names. Sum rows and columns are left out. The chart has a title and a
//! description for screen readers; the table above it holds the same numbers.

use maud::{Markup, html};
use otrs_core::stats::{StatCell, StatTable};

use crate::i18n::{Language, translate_dyn};
use crate::tr;
use crate::ui::names;

/// Colours of the series (cycled), readable on white.
const PALETTE: [&str; 8] = [
    "#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4b5563",
];

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 120.0;
const TOP: f64 = 12.0;
/// Most series drawn (further rows are named in the description).
const MAX_SERIES: usize = 12;

/// The chart's data: series names, column labels, and a value per series and column.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// Column labels (X axis values).
    pub columns: Vec<String>,
    /// (row label, one value per column).
    pub series: Vec<(String, Vec<f64>)>,
}

/// Takes the numbers out of a table: leading text cells of a row are its label (several Y
/// elements are joined with " / "), a column headed "Sum" and a row labelled "Sum" are left out.
/// `None` when the table has no numbers (a list statistic). Row labels and a matrix's column
/// labels are values; built-in names among them (default states, priorities) read in `lang`.
pub fn chart_data(table: &StatTable, lang: Language) -> Option<ChartData> {
    let first = table.rows.first()?;
    let labels = first
        .iter()
        .take_while(|c| matches!(c, StatCell::Text(_)))
        .count();
    if labels == 0 || labels == first.len() {
        return None;
    }
    let sum_column = table.headers.last().is_some_and(|h| h == "Sum");
    let end = table.headers.len() - usize::from(sum_column);
    let columns: Vec<String> = table.headers.get(labels..end)?.to_vec();
    let columns = if table.kind == "List" {
        columns
    } else {
        columns
            .iter()
            .map(|c| names::shown(lang, c).into_owned())
            .collect()
    };
    let mut series = Vec::new();
    for row in &table.rows {
        let label: Vec<String> = row[..labels.min(row.len())]
            .iter()
            .map(StatCell::to_text)
            .filter(|t| !t.is_empty())
            .collect();
        if label.first().is_some_and(|l| l == "Sum") {
            continue;
        }
        let label: Vec<String> = label
            .iter()
            .map(|l| names::shown(lang, l).into_owned())
            .collect();
        let mut values = Vec::with_capacity(columns.len());
        for cell in row.get(labels..end)? {
            values.push(match cell {
                StatCell::Count(n) => *n as f64,
                StatCell::Number(x) => *x,
                StatCell::Empty => 0.0,
                StatCell::Text(_) => return None,
            });
        }
        series.push((label.join(" / "), values));
    }
    Some(ChartData { columns, series })
}

/// A "nice" top of the value axis and its tick step.
fn axis_top(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
        .max(1.0);
    ((max / step).ceil() * step, step)
}

/// A column label short enough to stay inside the chart (the table has it in full).
fn short(label: &str) -> String {
    if label.chars().count() > 20 {
        let cut: String = label.chars().take(19).collect();
        format!("{cut}…")
    } else {
        label.to_owned()
    }
}

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

/// The SVG chart of a table, or a note when the table has nothing to draw.
pub fn chart(table: &StatTable, lang: Language) -> Markup {
    let Some(data) = chart_data(table, lang) else {
        return html! { p.muted.chart-none { (tr!(@lang lang, "No chart: this statistic has no numbers per cell.")) } };
    };
    if data.columns.is_empty() || data.series.is_empty() {
        return html! { p.muted.chart-none { (tr!(@lang lang, "No chart: the table is empty.")) } };
    }
    // A list's columns are its column headers (labels in the agent's language); a matrix's
    // are values of its X element (data; built-in names translated by `chart_data`).
    let columns: Vec<String> = if table.kind == "List" {
        data.columns
            .iter()
            .map(|c| translate_dyn(lang, c).into_owned())
            .collect()
    } else {
        data.columns.clone()
    };
    let drawn = &data.series[..data.series.len().min(MAX_SERIES)];
    let max = drawn
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max);
    let (top, step) = axis_top(max);
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let group_w = plot_w / data.columns.len() as f64;
    let bar_w = (group_w * 0.8 / drawn.len() as f64).max(1.0);
    let y_of = |v: f64| TOP + plot_h - v / top * plot_h;
    let ticks: Vec<f64> = (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|v| *v <= top + step / 2.0)
        .collect();
    // Label at most ~24 columns so that the labels stay readable.
    let label_every = data.columns.len().div_ceil(24).max(1);
    let title_id = format!("chart-title-{}", table.number);
    let desc_id = format!("chart-desc-{}", table.number);
    let description = tr!(@lang lang,
        "Bar chart of %{rows} rows over %{columns} columns; the largest value is %{max}. %{note}",
        rows = data.series.len(),
        columns = data.columns.len(),
        max = max,
        note = if data.series.len() > MAX_SERIES {
            tr!(@lang lang,
                "Only the first %{count} rows are drawn; the table shows all of them.",
                count = MAX_SERIES)
        } else {
            tr!(@lang lang, "The table above holds the same numbers.").into_owned()
        }
    );
    html! {
        figure.stats-chart {
            svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
                aria-labelledby={ (title_id) " " (desc_id) } data-series=(drawn.len()) data-columns=(data.columns.len()) {
                title id=(title_id) { (table.title) }
                desc id=(desc_id) { (description) }
                @for t in &ticks {
                    line x1=(fmt(LEFT)) x2=(fmt(WIDTH - 8.0)) y1=(fmt(y_of(*t))) y2=(fmt(y_of(*t))) stroke="#e5e7eb" {}
                    text x=(fmt(LEFT - 6.0)) y=(fmt(y_of(*t) + 4.0)) text-anchor="end" font-size="11" fill="#4b5563" { (t) }
                }
                @for (c, label) in columns.iter().enumerate() {
                    @let gx = LEFT + c as f64 * group_w + group_w * 0.1;
                    @for (s, (name, values)) in drawn.iter().enumerate() {
                        @let v = values.get(c).copied().unwrap_or(0.0);
                        rect.bar x=(fmt(gx + s as f64 * bar_w)) y=(fmt(y_of(v))) width=(fmt(bar_w))
                            height=(fmt(TOP + plot_h - y_of(v))) fill=(PALETTE[s % PALETTE.len()]) {
                            title { (name) ", " (label) ": " (v) }
                        }
                    }
                    @if c % label_every == 0 {
                        @let lx = LEFT + c as f64 * group_w + group_w / 2.0;
                        @let ly = TOP + plot_h + 14.0;
                        text x=(fmt(lx)) y=(fmt(ly)) font-size="11" fill="#374151" text-anchor="end"
                            transform={ "rotate(-35 " (fmt(lx)) " " (fmt(ly)) ")" } { (short(label)) }
                    }
                }
                line x1=(fmt(LEFT)) x2=(fmt(WIDTH - 8.0)) y1=(fmt(TOP + plot_h)) y2=(fmt(TOP + plot_h)) stroke="#6b7280" {}
            }
            figcaption {
                ul.chart-legend {
                    @for (s, (name, _)) in drawn.iter().enumerate() {
                        li {
                            // A presentation attribute, not a style: the CSP allows no inline styles.
                            svg.swatch viewBox="0 0 10 10" width="12" height="12" aria-hidden="true" { rect width="10" height="10" rx="2" fill=(PALETTE[s % PALETTE.len()]) {} }
                            (name)
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn table(headers: &[&str], rows: Vec<Vec<StatCell>>) -> StatTable {
        StatTable {
            number: 10009,
            title: "Overview <all>".into(),
            kind: "Matrix",
            time_zone: chrono_tz::Tz::UTC,
            generated_at: chrono::DateTime::<Utc>::from_timestamp(1_772_000_000, 0).unwrap(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows,
            notes: Vec::new(),
        }
    }

    fn t(s: &str) -> StatCell {
        StatCell::Text(s.into())
    }

    #[test]
    fn sums_are_left_out_and_y_labels_joined() {
        use StatCell::Count as C;
        let tab = table(
            &["Queue", "Priority", "new", "open", "Sum"],
            vec![
                vec![t("Raw"), t("3 normal"), C(1), C(2), C(3)],
                vec![t("Junk"), t("3 normal"), C(0), C(4), C(4)],
                vec![t("Sum"), StatCell::Empty, C(1), C(6), C(7)],
            ],
        );
        let data = chart_data(&tab, Language::English).unwrap();
        assert_eq!(data.columns, ["new", "open"]);
        assert_eq!(
            data.series,
            [
                ("Raw / 3 normal".to_owned(), vec![1.0, 2.0]),
                ("Junk / 3 normal".to_owned(), vec![0.0, 4.0])
            ]
        );
        let svg = chart(&tab, Language::English).into_string();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 4);
        assert!(svg.contains("role=\"img\""));
        // The title is escaped.
        assert!(svg.contains("<title id=\"chart-title-10009\">Overview &lt;all&gt;</title>"));
        assert!(svg.contains("<desc id=\"chart-desc-10009\">"));
    }

    #[test]
    fn lists_have_no_chart() {
        let tab = table(&["Ticket#", "Title"], vec![vec![t("1"), t("x")]]);
        assert!(chart_data(&tab, Language::English).is_none());
        assert!(
            chart(&tab, Language::English)
                .into_string()
                .contains("No chart")
        );
    }

    #[test]
    fn the_value_axis_is_rounded_up() {
        assert_eq!(axis_top(7.0), (8.0, 2.0));
        assert_eq!(axis_top(0.0), (1.0, 1.0));
        assert_eq!(axis_top(130.0), (150.0, 50.0));
    }
}
