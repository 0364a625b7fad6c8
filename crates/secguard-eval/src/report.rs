//! Evaluation reports: a small, generic report model that callers fill from
//! their results, rendered as `report.md` (GitHub Markdown) and as one
//! self-contained `report.html` with inline SVG charts.
//!
//! The HTML uses no JavaScript and loads nothing: styles are inline, fonts
//! are the system's, and a Content-Security-Policy forbids everything else,
//! so the file can be mailed, archived or opened from a CI artifact as is.
//! Rendering is deterministic (no timestamps, no random ids, numbers with a
//! fixed precision) so that snapshots of it are stable.
//!
//! Rendering is lenient: values that are NaN or infinite show as `n/a`, and a
//! section whose data does not match its labels is drawn from what is there
//! with a visible warning. [`Report::validate`] reports such mistakes as an
//! error for callers who would rather fail.

use crate::EvalError;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A whole report: a title, a line of context and its sections, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    /// Free text shown under the title (command, date, dataset).
    pub subtitle: String,
    pub sections: Vec<Section>,
}

/// One part of a report. Every text in it is plain text: it is escaped on
/// output, never interpreted as Markdown or HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Section {
    /// Paragraphs of text; blank lines separate paragraphs.
    Text { title: String, body: String },
    /// A table of already formatted cells.
    Table {
        title: String,
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Grouped bars: one group per label, one bar per series (e.g. groups =
    /// modes, series = analyzers), values in `unit` (e.g. "%" with values
    /// 0-100, or "s"). `values` is indexed `[group][series]`; `None`, NaN and
    /// infinite values are drawn as `n/a`.
    BarChart {
        title: String,
        unit: String,
        groups: Vec<String>,
        series: Vec<String>,
        values: Vec<Vec<Option<f64>>>,
    },
    /// A 2x2 confusion matrix (actual versus predicted).
    Confusion {
        title: String,
        tp: usize,
        fp: usize,
        tn: usize,
        #[serde(rename = "fn", alias = "fn_")]
        fn_: usize,
    },
    /// Rows x columns of values in [min, max] (e.g. insecure rate per CWE x
    /// mode), colored by value; `None` cells are blank, NaN and infinite
    /// cells show `n/a`. `values` is indexed `[row][column]`.
    Heatmap {
        title: String,
        rows: Vec<String>,
        columns: Vec<String>,
        values: Vec<Vec<Option<f64>>>,
        min: f64,
        max: f64,
        unit: String,
    },
}

impl Section {
    /// The section's title, whatever its kind.
    pub fn title(&self) -> &str {
        match self {
            Section::Text { title, .. }
            | Section::Table { title, .. }
            | Section::BarChart { title, .. }
            | Section::Confusion { title, .. }
            | Section::Heatmap { title, .. } => title,
        }
    }

    /// What is wrong with the section's shape, in words; empty when nothing
    /// is. Shared by [`Report::validate`] and the renderers' warnings.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Section::Text { .. } | Section::Confusion { .. } => {}
            Section::Table { headers, rows, .. } => {
                if !headers.is_empty() {
                    for (i, row) in rows.iter().enumerate() {
                        if row.len() != headers.len() {
                            out.push(format!(
                                "rows[{i}] has {} cells, headers has {}",
                                row.len(),
                                headers.len()
                            ));
                        }
                    }
                }
            }
            Section::BarChart {
                groups,
                series,
                values,
                ..
            } => shape_problems(&mut out, "groups", groups, "series", series, values),
            Section::Heatmap {
                rows,
                columns,
                values,
                min,
                max,
                ..
            } => {
                shape_problems(&mut out, "rows", rows, "columns", columns, values);
                if !min.is_finite() || !max.is_finite() || min > max {
                    out.push(format!(
                        "min {min} and max {max} are not a finite range with min <= max"
                    ));
                }
            }
        }
        out
    }
}

fn shape_problems(
    out: &mut Vec<String>,
    outer_name: &str,
    outer: &[String],
    inner_name: &str,
    inner: &[String],
    values: &[Vec<Option<f64>>],
) {
    if values.len() != outer.len() {
        out.push(format!(
            "values has {} rows, {outer_name} has {}",
            values.len(),
            outer.len()
        ));
    }
    for (i, row) in values.iter().enumerate() {
        if row.len() != inner.len() {
            out.push(format!(
                "values[{i}] has {} entries, {inner_name} has {}",
                row.len(),
                inner.len()
            ));
        }
    }
}

impl Report {
    /// Checks that every table row matches its headers, every chart's values
    /// match its labels, and every heatmap range is finite and ordered.
    /// Rendering never needs this (it draws what is there and warns); it is
    /// for callers and tests that want a mistake to be an error.
    pub fn validate(&self) -> Result<(), EvalError> {
        let mut all = Vec::new();
        for (i, section) in self.sections.iter().enumerate() {
            for p in section.problems() {
                all.push(format!("sections[{i}] ({:?}): {p}", section.title()));
            }
        }
        if all.is_empty() {
            Ok(())
        } else {
            Err(EvalError::Invalid(format!(
                "report {:?}: {}",
                self.title,
                all.join("; ")
            )))
        }
    }
}

// ---------------------------------------------------------------------------
// Numbers

/// A value that can be drawn: finite, else `None` (shown as `n/a`).
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn is_percent(unit: &str) -> bool {
    unit.trim() == "%"
}

/// Decimals for the value labels of one chart, from its largest magnitude,
/// so that all its labels share one precision (about three significant
/// digits).
fn value_decimals<'a>(unit: &str, values: impl Iterator<Item = &'a Option<f64>>) -> usize {
    if is_percent(unit) {
        return 1;
    }
    let m = values
        .filter_map(|v| finite(*v))
        .fold(0.0_f64, |acc, v| acc.max(v.abs()));
    if m >= 100.0 {
        0
    } else if m >= 10.0 {
        1
    } else if m >= 1.0 {
        2
    } else {
        3
    }
}

/// A number with a fixed precision; very large magnitudes in exponent form so
/// labels stay short; never `-0`.
fn fmt_num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let s = if v.abs() >= 1e9 {
        format!("{v:.2e}")
    } else {
        format!("{v:.decimals$}")
    };
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// A value with its unit: `42.5%`, `1.23 s`, `0.350`; `n/a` when missing.
/// Outside percentages, a value that would read as zero gets the decimals it
/// needs for three significant digits, so `0.0123 s` next to `1234 s` does
/// not read `0 s`.
fn fmt_value(v: Option<f64>, decimals: usize, unit: &str) -> String {
    match finite(v) {
        None => "n/a".to_string(),
        Some(x) => {
            let shows_as_zero = x.abs() < 0.5 * 10f64.powi(-(decimals.min(20) as i32));
            let decimals = if is_percent(unit) || x == 0.0 || !shows_as_zero {
                decimals
            } else {
                let needed = 2.0 - x.abs().log10().floor();
                decimals.max(needed.clamp(0.0, 6.0) as usize)
            };
            let n = fmt_num(x, decimals);
            let unit = unit.trim();
            if unit.is_empty() {
                n
            } else if unit == "%" {
                format!("{n}%")
            } else {
                format!("{n} {unit}")
            }
        }
    }
}

fn fmt_ratio(num: f64, den: f64) -> String {
    if den > 0.0 {
        fmt_num(100.0 * num / den, 1) + "%"
    } else {
        "n/a".to_string()
    }
}

/// Pixel coordinates with two decimals, for stable output.
fn px(v: f64) -> String {
    fmt_num(v, 2)
}

/// A value axis: `lo..hi` with round ticks.
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    tick_decimals: usize,
}

/// Beyond this magnitude values are clamped for layout only (their labels
/// keep the real value), so that spans never overflow to infinity.
const LAYOUT_LIMIT: f64 = 1e300;

impl Axis {
    /// An axis from min(0, lowest) to max(0, highest) widened to round
    /// numbers; for percentages 0-100 unless the values leave that range.
    fn new(values: &[f64], percent: bool) -> Axis {
        let clamp = |v: f64| v.clamp(-LAYOUT_LIMIT, LAYOUT_LIMIT);
        let lowest = values.iter().copied().map(clamp).fold(0.0_f64, f64::min);
        let highest = values.iter().copied().map(clamp).fold(0.0_f64, f64::max);
        let highest = if percent { highest.max(100.0) } else { highest };
        let span = highest - lowest;
        // NaN fails every comparison, so test for the good case.
        let usable = |x: f64, above: f64| x.is_finite() && x > above;
        if !usable(span, 1e-200) {
            return Axis::with_step(0.0, 1.0, 0.2);
        }
        let step = nice_step(span / 5.0);
        if !usable(step, 0.0) {
            return Axis::with_step(lowest, highest, span);
        }
        let lo = (lowest / step).floor() * step;
        let hi = (highest / step).ceil() * step;
        if !usable(hi - lo, 0.0) {
            return Axis::with_step(lowest, highest, span);
        }
        Axis::with_step(lo, hi, step)
    }

    fn with_step(lo: f64, hi: f64, step: f64) -> Axis {
        let n = ((hi - lo) / step).round();
        let n = if n.is_finite() && n >= 1.0 {
            (n as usize).min(50)
        } else {
            1
        };
        let ticks = (0..=n)
            .map(|i| if i == n { hi } else { lo + i as f64 * step })
            .collect();
        let tick_decimals = (0..=10)
            .find(|&d| {
                let scaled = step * 10f64.powi(d as i32);
                (scaled - scaled.round()).abs() <= 1e-6 * scaled.abs().max(1.0)
            })
            .unwrap_or(10);
        Axis {
            lo,
            hi,
            ticks,
            tick_decimals,
        }
    }

    /// Where `v` sits between the bottom (0) and the top (1), clamped.
    fn frac(&self, v: f64) -> f64 {
        let f = (v.clamp(-LAYOUT_LIMIT, LAYOUT_LIMIT) - self.lo) / (self.hi - self.lo);
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `x`.
fn nice_step(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    let f = x / p;
    let nf = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nf * p
}

// ---------------------------------------------------------------------------
// Text

/// Replaces characters that are not allowed in HTML text (NUL, other C0
/// controls, DEL) so a hostile string cannot make the document malformed.
fn clean_char(c: char) -> char {
    if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}' {
        '\u{fffd}'
    } else {
        c
    }
}

/// Escapes text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(clean_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\t' && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with `…` marking a cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// One line of text: every run of whitespace (newlines included) becomes a
/// single space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes inline Markdown (emphasis, code, links, raw HTML, table pipes) so
/// the text renders literally; the whole text is kept on one line.
fn md_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars().map(clean_char) {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '#' | '!' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Plain text as Markdown paragraphs: blank lines separate paragraphs, single
/// newlines are kept as hard line breaks, and nothing is interpreted.
fn md_paragraphs(s: &str) -> String {
    paragraphs(s)
        .iter()
        .map(|lines| {
            lines
                .iter()
                .map(|l| md_line_start(&md_inline(l)))
                .collect::<Vec<_>>()
                .join("\\\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Escapes what would start a block at the beginning of a line (list items,
/// headings, quotes, rules) in an already inline-escaped line.
fn md_line_start(line: &str) -> String {
    let first = line.chars().next();
    if matches!(first, Some('-' | '+' | '=')) {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0
        && let Some(c @ ('.' | ')')) = line[digits..].chars().next()
    {
        return format!("{}\\{c}{}", &line[..digits], &line[digits + 1..]);
    }
    line.to_string()
}

/// Splits text into paragraphs (on blank lines) of non-empty, trimmed lines.
fn paragraphs(s: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    for line in s.lines() {
        let t = line.trim();
        if t.is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(t.to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

// ---------------------------------------------------------------------------
// Markdown

const CHART_NOTE: &str = "_(chart in report.html)_";

/// Renders the report as GitHub Markdown: tables as tables, and each chart
/// as a table of its numbers followed by a note that the chart itself is in
/// `report.html` (Markdown has no SVG).
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md_inline(&report.title));
    if !report.subtitle.trim().is_empty() {
        let _ = writeln!(out, "{}\n", md_paragraphs(&report.subtitle));
    }
    for section in &report.sections {
        let _ = writeln!(out, "## {}\n", md_inline(section.title()));
        for p in section.problems() {
            let _ = writeln!(out, "> **Warning:** {}\n", md_inline(&p));
        }
        match section {
            Section::Text { body, .. } => {
                if !body.trim().is_empty() {
                    let _ = writeln!(out, "{}\n", md_paragraphs(body));
                }
            }
            Section::Table { headers, rows, .. } => {
                md_table(&mut out, headers, rows, &[]);
            }
            Section::BarChart {
                unit,
                groups,
                series,
                values,
                ..
            } => {
                let d = value_decimals(unit, values.iter().flatten());
                let mut headers = vec![String::new()];
                headers.extend(series.iter().cloned());
                let rows: Vec<Vec<String>> = groups
                    .iter()
                    .enumerate()
                    .map(|(g, name)| {
                        let mut row = vec![name.clone()];
                        row.extend(
                            (0..series.len()).map(|s| fmt_value(cell(values, g, s), d, unit)),
                        );
                        row
                    })
                    .collect();
                md_table(&mut out, &headers, &rows, &[0]);
                let _ = writeln!(out, "{CHART_NOTE}\n");
            }
            Section::Confusion {
                tp, fp, tn, fn_, ..
            } => {
                let headers = ["", "Predicted positive", "Predicted negative"].map(String::from);
                let rows = vec![
                    vec![
                        "Actual positive".to_string(),
                        format!("TP {tp}"),
                        format!("FN {fn_}"),
                    ],
                    vec![
                        "Actual negative".to_string(),
                        format!("FP {fp}"),
                        format!("TN {tn}"),
                    ],
                ];
                md_table(&mut out, &headers, &rows, &[0]);
                let _ = writeln!(
                    out,
                    "{}\n\n{CHART_NOTE}\n",
                    md_inline(&confusion_summary(*tp, *fp, *tn, *fn_))
                );
            }
            Section::Heatmap {
                rows,
                columns,
                values,
                unit,
                ..
            } => {
                let d = value_decimals(unit, values.iter().flatten());
                let (headers, body) = heatmap_cells(rows, columns, values, d, unit);
                md_table(&mut out, &headers, &body, &[0]);
                let _ = writeln!(out, "{CHART_NOTE}\n");
            }
        }
    }
    // One trailing newline, however the last section ended.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// `values[outer][inner]`, `None` when missing.
fn cell(values: &[Vec<Option<f64>>], outer: usize, inner: usize) -> Option<f64> {
    values
        .get(outer)
        .and_then(|r| r.get(inner))
        .copied()
        .flatten()
}

/// A GitHub Markdown table; `label_cols` are left-aligned, the others are
/// right-aligned when every cell in them looks like a number.
fn md_table(out: &mut String, headers: &[String], rows: &[Vec<String>], label_cols: &[usize]) {
    let ncols = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(headers.len()))
        .max()
        .unwrap_or(0);
    if ncols == 0 {
        return;
    }
    let get = |row: &[String], i: usize| row.get(i).map(|s| md_inline(s)).unwrap_or_default();
    let header: Vec<String> = (0..ncols).map(|i| get(headers, i)).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let align: Vec<&str> = (0..ncols)
        .map(|i| {
            let numeric = !rows.is_empty()
                && rows
                    .iter()
                    .all(|r| r.get(i).is_none_or(|c| looks_numeric(c)));
            if !label_cols.contains(&i) && numeric {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(out, "| {} |", align.join(" | "));
    for row in rows {
        let cells: Vec<String> = (0..ncols).map(|i| get(row, i)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Whether a cell reads as a number (`12`, `-0.35`, `42.5%`, `1.2 s`, `n/a`
/// or blank), to right-align its column.
fn looks_numeric(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() || t == "n/a" {
        return true;
    }
    let num = t.split_whitespace().next().unwrap_or("");
    let num = num.strip_suffix('%').unwrap_or(num);
    num.parse::<f64>().is_ok()
}

/// Precision, recall, FPR, accuracy and F1 of a confusion matrix in words;
/// undefined ratios (0/0) are `n/a`.
fn confusion_summary(tp: usize, fp: usize, tn: usize, fn_: usize) -> String {
    let (tp, fp, tn, fn_) = (tp as f64, fp as f64, tn as f64, fn_ as f64);
    let n = tp + fp + tn + fn_;
    format!(
        "Precision {}, recall (TPR) {}, FPR {}, accuracy {}, F1 {} (n = {})",
        fmt_ratio(tp, tp + fp),
        fmt_ratio(tp, tp + fn_),
        fmt_ratio(fp, fp + tn),
        fmt_ratio(tp + tn, n),
        fmt_ratio(2.0 * tp, 2.0 * tp + fp + fn_),
        fmt_num(n, 0),
    )
}

// ---------------------------------------------------------------------------
// HTML

/// Okabe-Ito colors, distinguishable with the common color-vision
/// deficiencies; blue first, yellow late because it is faint on white.
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000",
];

const STYLE: &str = "\
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, Helvetica, Arial, sans-serif; color: #1a1a1a; background: #fff; line-height: 1.5; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0.25rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.25rem; }
.subtitle { color: #555; margin-top: 0; }
.warning { border-left: 4px solid #D55E00; background: #fff4ec; padding: 0.25rem 0.75rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; display: block; }
details { margin-top: 0.5rem; }
summary { cursor: pointer; color: #444; }
";

/// Renders the report as a complete, self-contained HTML5 document: tables
/// as `<table>`, each chart as an inline `<svg role="img">` with a `<title>`
/// inside a `<figure data-kind="bar_chart|confusion|heatmap">`, followed by
/// the chart's numbers in a collapsed table. Every text is escaped.
pub fn render_html(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", esc(&one_line(&report.title)));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>\n<header>");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&one_line(&report.title)));
    for p in paragraphs(&report.subtitle) {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", esc_lines(&p));
    }
    out.push_str("</header>\n<main>\n");
    for section in &report.sections {
        out.push_str("<section>\n");
        let _ = writeln!(out, "<h2>{}</h2>", esc(&one_line(section.title())));
        for p in section.problems() {
            let _ = writeln!(
                out,
                "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
                esc(&p)
            );
        }
        match section {
            Section::Text { body, .. } => {
                for p in paragraphs(body) {
                    let _ = writeln!(out, "<p>{}</p>", esc_lines(&p));
                }
            }
            Section::Table { headers, rows, .. } => html_table(&mut out, headers, rows, false),
            Section::BarChart {
                title,
                unit,
                groups,
                series,
                values,
            } => {
                let d = value_decimals(unit, values.iter().flatten());
                out.push_str("<figure data-kind=\"bar_chart\">\n");
                bar_chart_svg(&mut out, title, unit, groups, series, values, d);
                let mut headers = vec![String::new()];
                headers.extend(series.iter().cloned());
                let rows: Vec<Vec<String>> = groups
                    .iter()
                    .enumerate()
                    .map(|(g, name)| {
                        let mut row = vec![name.clone()];
                        row.extend(
                            (0..series.len()).map(|s| fmt_value(cell(values, g, s), d, unit)),
                        );
                        row
                    })
                    .collect();
                html_data_details(&mut out, &headers, &rows);
                out.push_str("</figure>\n");
            }
            Section::Confusion {
                title,
                tp,
                fp,
                tn,
                fn_,
            } => {
                out.push_str("<figure data-kind=\"confusion\">\n");
                confusion_svg(&mut out, title, *tp, *fp, *tn, *fn_);
                let _ = writeln!(
                    out,
                    "<figcaption>{}</figcaption>",
                    esc(&confusion_summary(*tp, *fp, *tn, *fn_))
                );
                out.push_str("</figure>\n");
            }
            Section::Heatmap {
                title,
                rows,
                columns,
                values,
                min,
                max,
                unit,
            } => {
                let d = value_decimals(unit, values.iter().flatten());
                out.push_str("<figure data-kind=\"heatmap\">\n");
                heatmap_svg(
                    &mut out,
                    title,
                    rows,
                    columns,
                    values,
                    (*min, *max),
                    unit,
                    d,
                );
                let (headers, body) = heatmap_cells(rows, columns, values, d, unit);
                html_data_details(&mut out, &headers, &body);
                out.push_str("</figure>\n");
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Escaped lines joined with `<br>`.
fn esc_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| esc(l))
        .collect::<Vec<_>>()
        .join("<br>\n")
}

/// An HTML table; with `row_headers` the first cell of each row is a `<th>`.
fn html_table(out: &mut String, headers: &[String], rows: &[Vec<String>], row_headers: bool) {
    out.push_str("<table>\n");
    if !headers.is_empty() {
        out.push_str("<thead><tr>");
        for h in headers {
            let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
        }
        out.push_str("</tr></thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if row_headers && i == 0 {
                let _ = write!(out, "<th scope=\"row\">{}</th>", esc(c));
            } else if looks_numeric(c) {
                let _ = write!(out, "<td class=\"num\">{}</td>", esc(c));
            } else {
                let _ = write!(out, "<td>{}</td>", esc(c));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A chart's numbers, collapsed under the chart, for screen readers and for
/// copying.
fn html_data_details(out: &mut String, headers: &[String], rows: &[Vec<String>]) {
    out.push_str("<details>\n<summary>Data</summary>\n");
    html_table(out, headers, rows, true);
    out.push_str("</details>\n");
}

/// An SVG `<text>` element whose content is `label` cut to `max` characters;
/// when cut, the full text is in a `<title>` (shown as a tooltip).
fn svg_text(out: &mut String, attrs: &str, label: &str, max: usize) {
    let label = one_line(label);
    let shown = truncate(&label, max);
    if shown == label {
        let _ = writeln!(out, "<text {attrs}>{}</text>", esc(&shown));
    } else {
        let _ = writeln!(
            out,
            "<text {attrs}><title>{}</title>{}</text>",
            esc(&label),
            esc(&shown)
        );
    }
}

/// Approximate width of text in the chart font, in pixels per character.
const CHAR_W: f64 = 6.6;
const SMALL_CHAR_W: f64 = 5.8;

fn svg_open(out: &mut String, width: f64, height: f64, title: &str, desc: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\" font-size=\"12\">",
        w = px(width),
        h = px(height)
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&one_line(title)));
    let _ = writeln!(out, "<desc>{}</desc>", esc(desc));
}

/// Grouped bars on a value axis that always includes 0.
fn bar_chart_svg(
    out: &mut String,
    title: &str,
    unit: &str,
    groups: &[String],
    series: &[String],
    values: &[Vec<Option<f64>>],
    decimals: usize,
) {
    let finite_values: Vec<f64> = (0..groups.len())
        .flat_map(|g| (0..series.len()).filter_map(move |s| finite(cell(values, g, s))))
        .collect();
    let axis = Axis::new(&finite_values, is_percent(unit));
    let labels: Vec<Vec<String>> = (0..groups.len())
        .map(|g| {
            (0..series.len())
                .map(|s| fmt_value(cell(values, g, s), decimals, unit))
                .collect()
        })
        .collect();
    let longest_label = labels.iter().flatten().map(|l| l.chars().count()).max();
    let bar_w = (longest_label.unwrap_or(3) as f64 * SMALL_CHAR_W + 6.0).clamp(22.0, 64.0);
    let bar_gap = 2.0;
    let group_gap = 24.0;
    let ns = series.len().max(1) as f64;
    let group_w = ns * bar_w + (ns - 1.0) * bar_gap;

    let tick_labels: Vec<String> = axis
        .ticks
        .iter()
        .map(|t| fmt_num(*t, axis.tick_decimals))
        .collect();
    let tick_chars = tick_labels.iter().map(|t| t.chars().count()).max();
    let left = 30.0 + tick_chars.unwrap_or(1) as f64 * CHAR_W + 8.0;
    let top = 22.0;
    let plot_h = 240.0;
    let plot_w = groups.len() as f64 * (group_w + group_gap) + group_gap;
    // Below zero, value labels hang under the bars: leave them room.
    let negative = axis.lo < 0.0;
    let group_label_y = top + plot_h + if negative { 28.0 } else { 18.0 };
    let legend_top = group_label_y + 16.0;

    // Legend items laid out left to right, wrapping at the chart's width.
    let legend_max_chars = 28;
    let min_width = 360.0;
    let width = (left + plot_w + 16.0).max(min_width);
    let mut legend = Vec::new();
    let (mut lx, mut ly) = (left, legend_top);
    for (s, name) in series.iter().enumerate() {
        let chars = one_line(name).chars().count().min(legend_max_chars);
        let item_w = 14.0 + 6.0 + chars as f64 * CHAR_W + 18.0;
        if lx > left && lx + item_w > width - 8.0 {
            lx = left;
            ly += 20.0;
        }
        legend.push((s, lx, ly));
        lx += item_w;
    }
    let height = if series.is_empty() {
        legend_top + 4.0
    } else {
        ly + 24.0
    };

    let desc = format!(
        "Grouped bar chart: {} groups, {} series, values in {}; axis from {} to {}.",
        groups.len(),
        series.len(),
        if unit.trim().is_empty() {
            "units"
        } else {
            unit.trim()
        },
        fmt_num(axis.lo, axis.tick_decimals),
        fmt_num(axis.hi, axis.tick_decimals)
    );
    svg_open(out, width, height, title, &desc);

    let y_of = |v: f64| top + plot_h * (1.0 - axis.frac(v));
    let x_end = left + plot_w;

    // Grid and tick labels.
    out.push_str("<g class=\"y-axis\" font-size=\"11\" fill=\"#444\">\n");
    for (t, label) in axis.ticks.iter().zip(&tick_labels) {
        let y = px(y_of(*t));
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e3e3e3\" />",
            px(left),
            px(x_end)
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            px(left - 6.0),
            px(y_of(*t) + 4.0),
            esc(label)
        );
    }
    out.push_str("</g>\n");
    // Axis title: the unit, rotated along the axis.
    let axis_title = if unit.trim().is_empty() {
        "value".to_string()
    } else {
        unit.trim().to_string()
    };
    let (ax, ay) = (14.0, top + plot_h / 2.0);
    svg_text(
        out,
        &format!(
            "class=\"axis-title\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" transform=\"rotate(-90 {x} {y})\"",
            x = px(ax),
            y = px(ay)
        ),
        &axis_title,
        30,
    );

    let baseline = y_of(0.0);
    let group_label_chars = (((group_w + group_gap - 4.0) / CHAR_W).floor() as usize).max(4);
    for (g, group) in groups.iter().enumerate() {
        let gx = left + group_gap + g as f64 * (group_w + group_gap);
        let _ = writeln!(out, "<g class=\"group\" data-group=\"{g}\">");
        for (s, name) in series.iter().enumerate() {
            let x = gx + s as f64 * (bar_w + bar_gap);
            let cx = px(x + bar_w / 2.0);
            let label = &labels[g][s];
            let tooltip = format!("{} – {}: {}", one_line(group), one_line(name), label);
            match finite(cell(values, g, s)) {
                Some(v) => {
                    let y = y_of(v);
                    let (y0, h) = if y <= baseline {
                        (y, baseline - y)
                    } else {
                        (baseline, y - baseline)
                    };
                    let _ = writeln!(
                        out,
                        "<rect class=\"bar\" data-series=\"{s}\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                        esc(label),
                        px(x),
                        px(y0),
                        px(bar_w),
                        px(h),
                        PALETTE[s % PALETTE.len()],
                        esc(&tooltip)
                    );
                    // Above a positive bar, below a negative one.
                    let ly = if v >= 0.0 { y0 - 4.0 } else { y0 + h + 11.0 };
                    let _ = writeln!(
                        out,
                        "<text class=\"value\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{}</text>",
                        px(ly),
                        esc(label)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "<text class=\"value na\" data-series=\"{s}\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#767676\"><title>{}</title>n/a</text>",
                        px(baseline - 4.0),
                        esc(&tooltip)
                    );
                }
            }
        }
        svg_text(
            out,
            &format!(
                "class=\"group-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\"",
                px(gx + group_w / 2.0),
                px(group_label_y)
            ),
            group,
            group_label_chars,
        );
        out.push_str("</g>\n");
    }
    // Zero line over the bars' bases; the plot's left edge as the axis.
    let _ = writeln!(
        out,
        "<line class=\"zero\" x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#333\" />",
        l = px(left),
        r = px(x_end),
        b = px(baseline)
    );
    let _ = writeln!(
        out,
        "<line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{b}\" stroke=\"#333\" />",
        l = px(left),
        t = px(top),
        b = px(top + plot_h)
    );
    if groups.is_empty() || series.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#767676\">no data</text>",
            px(width / 2.0),
            px(top + plot_h / 2.0)
        );
    }

    out.push_str("<g class=\"legend\">\n");
    for (s, x, y) in legend {
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\" />",
            px(x),
            px(y),
            PALETTE[s % PALETTE.len()]
        );
        svg_text(
            out,
            &format!("x=\"{}\" y=\"{}\"", px(x + 20.0), px(y + 11.5)),
            &series[s],
            legend_max_chars,
        );
    }
    out.push_str("</g>\n</svg>\n");
}

/// A 2x2 grid: actual classes down, predicted classes across; correct cells
/// in blue, errors in vermillion, shaded by their share of all samples.
fn confusion_svg(out: &mut String, title: &str, tp: usize, fp: usize, tn: usize, fn_: usize) {
    let (cell_w, cell_h) = (130.0, 84.0);
    let (left, top) = (118.0, 52.0);
    let width = left + 2.0 * cell_w + 16.0;
    let height = top + 2.0 * cell_h + 16.0;
    let total = tp as f64 + fp as f64 + tn as f64 + fn_ as f64;
    let desc = format!(
        "Confusion matrix: {tp} true positives, {fn_} false negatives, {fp} false positives, {tn} true negatives."
    );
    svg_open(out, width, height, title, &desc);
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">Predicted</text>",
        px(left + cell_w)
    );
    for (i, label) in ["Positive", "Negative"].iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
            px(left + cell_w * (i as f64 + 0.5)),
            px(top - 10.0)
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>",
            px(left - 8.0),
            px(top + cell_h * (i as f64 + 0.5) + 4.0)
        );
    }
    let (ax, ay) = (18.0, top + cell_h);
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" font-weight=\"bold\" transform=\"rotate(-90 {x} {y})\">Actual</text>",
        x = px(ax),
        y = px(ay)
    );
    let cells = [
        (0, 0, "TP", "True positives", tp, true),
        (0, 1, "FN", "False negatives", fn_, false),
        (1, 0, "FP", "False positives", fp, false),
        (1, 1, "TN", "True negatives", tn, true),
    ];
    for (r, c, short, long, count, correct) in cells {
        let share = if total > 0.0 {
            count as f64 / total
        } else {
            0.0
        };
        let base = if correct {
            (0x00, 0x72, 0xB2)
        } else {
            (0xD5, 0x5E, 0x00)
        };
        let fill = mix((255, 255, 255), base, 0.12 + 0.88 * share);
        let ink = ink_for(fill);
        let (x, y) = (left + c as f64 * cell_w, top + r as f64 * cell_h);
        let pct = fmt_ratio(count as f64, total);
        let _ = writeln!(
            out,
            "<g class=\"cell\" data-cell=\"{short}\"><title>{long}: {count} ({pct} of {})</title>",
            fmt_num(total, 0)
        );
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"2\" />",
            px(x),
            px(y),
            px(cell_w),
            px(cell_h),
            hex(fill)
        );
        let cx = px(x + cell_w / 2.0);
        let _ = writeln!(
            out,
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\" font-weight=\"bold\">{short}</text>",
            px(y + 22.0)
        );
        let _ = writeln!(
            out,
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"20\">{count}</text>",
            px(y + 48.0)
        );
        let _ = writeln!(
            out,
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"11\">{pct}</text>",
            px(y + 68.0)
        );
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
}

type Rgb = (u8, u8, u8);

fn mix(a: Rgb, b: Rgb, t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Black or white, whichever reads better on `bg` (by relative luminance).
fn ink_for(bg: Rgb) -> &'static str {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(bg.0) + 0.7152 * lin(bg.1) + 0.0722 * lin(bg.2);
    // Contrast with black (l+0.05)/0.05 versus with white 1.05/(l+0.05).
    if (l + 0.05) * (l + 0.05) > 0.0525 {
        "#000"
    } else {
        "#fff"
    }
}

/// Viridis, sampled: perceptually uniform and readable in grey and with
/// color-vision deficiencies.
const VIRIDIS: [Rgb; 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2d, 0x7b),
    (0x3b, 0x52, 0x8b),
    (0x2c, 0x72, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x28, 0xae, 0x80),
    (0x5e, 0xc9, 0x62),
    (0xad, 0xdc, 0x30),
    (0xfd, 0xe7, 0x25),
];

fn viridis(t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    mix(VIRIDIS[i], VIRIDIS[i + 1], pos - i as f64)
}

/// Rows x columns of colored cells with their values, and a color scale.
#[allow(clippy::too_many_arguments)]
fn heatmap_svg(
    out: &mut String,
    title: &str,
    rows: &[String],
    columns: &[String],
    values: &[Vec<Option<f64>>],
    (min, max): (f64, f64),
    unit: &str,
    decimals: usize,
) {
    let row_max_chars = 28;
    let col_max_chars = 16;
    let row_chars = rows
        .iter()
        .map(|r| one_line(r).chars().count().min(row_max_chars))
        .max()
        .unwrap_or(0);
    let col_chars = columns
        .iter()
        .map(|c| one_line(c).chars().count().min(col_max_chars))
        .max()
        .unwrap_or(0);
    let value_chars = values
        .iter()
        .flatten()
        .map(|v| fmt_value(*v, decimals, unit).chars().count())
        .max()
        .unwrap_or(0);
    let cell_w = (col_chars as f64 * CHAR_W + 10.0)
        .max(value_chars as f64 * CHAR_W + 10.0)
        .clamp(48.0, 130.0);
    let cell_h = 28.0;
    let left = row_chars as f64 * CHAR_W + 14.0;
    let top = 26.0;
    let grid_h = rows.len() as f64 * cell_h;
    let legend_top = top + grid_h + 18.0;
    let legend_steps = 20;
    let legend_step_w = 10.0;
    let width = (left + columns.len() as f64 * cell_w + 16.0).max(left + 260.0);
    let height = legend_top + 40.0;

    // A usable color range even when the caller's is not.
    let (lo, hi) = if min.is_finite() && max.is_finite() && max > min {
        (min, max)
    } else {
        (0.0, 0.0)
    };
    let t_of = |v: f64| {
        if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }
    };

    let desc = format!(
        "Heatmap: {} rows by {} columns, colored from {} (dark purple) to {} (yellow).",
        rows.len(),
        columns.len(),
        fmt_value(Some(min), decimals, unit),
        fmt_value(Some(max), decimals, unit)
    );
    svg_open(out, width, height, title, &desc);

    out.push_str("<g class=\"columns\">\n");
    for (c, name) in columns.iter().enumerate() {
        svg_text(
            out,
            &format!(
                "x=\"{}\" y=\"{}\" text-anchor=\"middle\"",
                px(left + (c as f64 + 0.5) * cell_w),
                px(top - 8.0)
            ),
            name,
            col_max_chars,
        );
    }
    out.push_str("</g>\n");
    for (r, name) in rows.iter().enumerate() {
        let y = top + r as f64 * cell_h;
        let _ = writeln!(out, "<g class=\"row\" data-row=\"{r}\">");
        svg_text(
            out,
            &format!(
                "x=\"{}\" y=\"{}\" text-anchor=\"end\"",
                px(left - 6.0),
                px(y + cell_h / 2.0 + 4.0)
            ),
            name,
            row_max_chars,
        );
        for (c, col) in columns.iter().enumerate() {
            let x = left + c as f64 * cell_w;
            let at = format!(
                "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
                px(x),
                px(y),
                px(cell_w),
                px(cell_h)
            );
            let cx = px(x + cell_w / 2.0);
            let ty = px(y + cell_h / 2.0 + 4.0);
            let what = format!("{} – {}", one_line(name), one_line(col));
            match values.get(r).and_then(|row| row.get(c)).copied().flatten() {
                None => {
                    let _ = writeln!(
                        out,
                        "<rect class=\"cell empty\" {at} fill=\"#fff\" stroke=\"#ddd\"><title>{}: no value</title></rect>",
                        esc(&what)
                    );
                }
                Some(v) if !v.is_finite() => {
                    let _ = writeln!(
                        out,
                        "<rect class=\"cell na\" {at} fill=\"#eee\" stroke=\"#fff\"><title>{}: n/a</title></rect>",
                        esc(&what)
                    );
                    let _ = writeln!(
                        out,
                        "<text x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#595959\">n/a</text>"
                    );
                }
                Some(v) => {
                    let fill = viridis(t_of(v));
                    let label = fmt_value(Some(v), decimals, unit);
                    let _ = writeln!(
                        out,
                        "<rect class=\"cell\" data-value=\"{}\" {at} fill=\"{}\" stroke=\"#fff\"><title>{}: {}</title></rect>",
                        esc(&label),
                        hex(fill),
                        esc(&what),
                        esc(&label)
                    );
                    let _ = writeln!(
                        out,
                        "<text x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{}\">{}</text>",
                        ink_for(fill),
                        esc(&label)
                    );
                }
            }
        }
        out.push_str("</g>\n");
    }

    // Color scale: min on the left, max on the right.
    out.push_str("<g class=\"scale\">\n");
    for i in 0..legend_steps {
        let t = (i as f64 + 0.5) / legend_steps as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\" fill=\"{}\" />",
            px(left + i as f64 * legend_step_w),
            px(legend_top),
            px(legend_step_w),
            hex(viridis(t))
        );
    }
    let scale_end = left + legend_steps as f64 * legend_step_w;
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
        px(left),
        px(legend_top + 26.0),
        esc(&fmt_value(Some(min), decimals, unit))
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
        px(scale_end),
        px(legend_top + 26.0),
        esc(&fmt_value(Some(max), decimals, unit))
    );
    out.push_str("</g>\n</svg>\n");
}

// ---------------------------------------------------------------------------
// Files

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `results.json` (the caller's results, pretty JSON), `report.md` and
/// `report.html` into `dir`, creating it if missing. Each file is written to
/// a temporary file in `dir` and renamed over the old one, so a reader never
/// sees a half-written file and an interrupted run leaves the previous
/// version intact. The three files are replaced one after another, results
/// first, not as one transaction.
pub fn write_report(
    dir: &Path,
    report: &Report,
    results: &serde_json::Value,
) -> Result<(), EvalError> {
    std::fs::create_dir_all(dir).map_err(|source| EvalError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut json = serde_json::to_string_pretty(results).map_err(|e| {
        EvalError::Invalid(format!(
            "{}: cannot serialize results: {e}",
            dir.join("results.json").display()
        ))
    })?;
    json.push('\n');
    write_atomic(&dir.join("results.json"), json.as_bytes())?;
    write_atomic(&dir.join("report.md"), render_markdown(report).as_bytes())?;
    write_atomic(&dir.join("report.html"), render_html(report).as_bytes())?;
    Ok(())
}

/// Writes `bytes` to a new temporary file next to `path`, flushes it to disk
/// and renames it over `path`; the temporary file is removed on failure.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EvalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let io_err = |p: &Path| {
        let p = p.display().to_string();
        move |source| EvalError::Io { path: p, source }
    };
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io_err(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A heatmap's numbers as a table: one row per heatmap row, blank cells
/// where a value is missing.
fn heatmap_cells(
    rows: &[String],
    columns: &[String],
    values: &[Vec<Option<f64>>],
    decimals: usize,
    unit: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers = vec![String::new()];
    headers.extend(columns.iter().cloned());
    let body = rows
        .iter()
        .enumerate()
        .map(|(r, name)| {
            let mut row = vec![name.clone()];
            row.extend((0..columns.len()).map(
                |c| match values.get(r).and_then(|row| row.get(c)) {
                    Some(Some(v)) => fmt_value(Some(*v), decimals, unit),
                    _ => String::new(),
                },
            ));
            row
        })
        .collect();
    (headers, body)
}
