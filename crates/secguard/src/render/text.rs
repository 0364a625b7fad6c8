//! The human-readable report, in the style of ruff and rustc:
//!
//! ```text
//! app/db.py:12:5: high py-sql-injection [CWE-89] SQL query built from user input
//!    |
//! 12 |     cursor.execute("SELECT * FROM t WHERE id=" + uid)
//!    |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//! ```
//!
//! followed by warnings for notes, optional per-file verdicts and a summary.

use super::style::Style;
use super::{cwe_list, note_kind_name, plural};
use secguard_core::display::{escape_control, path_display};
use secguard_core::{Finding, ScanReport, Severity, VerdictKind};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Tabs in excerpts are shown as this many spaces.
const TAB_WIDTH: usize = 4;
/// Excerpts longer than this show their first lines and their last line.
const MAX_EXCERPT_LINES: usize = 4;

#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub style: Style,
    /// Print one verdict line per file.
    pub verdicts: bool,
    /// Print findings only.
    pub quiet: bool,
    /// How many findings a baseline removed (for the summary).
    pub baseline_hidden: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            style: Style::PLAIN,
            verdicts: false,
            quiet: false,
            baseline_hidden: 0,
        }
    }
}

pub fn render_text(report: &ScanReport, opts: &TextOptions) -> String {
    let s = opts.style;
    let mut out = String::new();
    for finding in report.findings.iter().filter(|f| !f.is_suppressed()) {
        render_finding(&mut out, finding, s);
        out.push('\n');
    }
    if opts.quiet {
        return out;
    }
    for note in &report.notes {
        let location = match note.line {
            Some(line) => format!("{}:{line}", path_display(&note.path)),
            None => path_display(&note.path),
        };
        let label = s.warning(&format!("warning[{}]", note_kind_name(note.kind)));
        // Notes about a whole analyzer have no file.
        let _ = if location.is_empty() {
            writeln!(out, "{label}: {}", escape_control(&note.message))
        } else {
            writeln!(
                out,
                "{label}: {}: {}",
                s.bold(&location),
                escape_control(&note.message)
            )
        };
    }
    if !report.notes.is_empty() {
        out.push('\n');
    }
    if opts.verdicts && !report.verdicts.is_empty() {
        for verdict in &report.verdicts {
            let path = path_display(&verdict.path);
            match verdict.verdict {
                VerdictKind::Insecure => {
                    let _ = write!(
                        out,
                        "{} {path} ({}; {}",
                        s.bad("insecure"),
                        cwe_list(&verdict.cwes),
                        plural(verdict.finding_count, "finding", "findings")
                    );
                    if verdict.suppressed_count > 0 {
                        let _ = write!(out, ", {} suppressed", verdict.suppressed_count);
                    }
                    out.push_str(")\n");
                }
                VerdictKind::Secure => {
                    let _ = write!(out, "{}   {path}", s.good("secure"));
                    if verdict.suppressed_count > 0 {
                        let _ = write!(out, " ({} suppressed)", verdict.suppressed_count);
                    }
                    out.push('\n');
                }
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(report, opts));
    out.push('\n');
    out
}

fn render_finding(out: &mut String, f: &Finding, s: Style) {
    let loc = &f.location;
    let cwe = if f.cwe.is_empty() {
        String::new()
    } else {
        format!(" [{}]", cwe_list(&f.cwe))
    };
    let _ = writeln!(
        out,
        "{}: {} {}{} {}",
        s.bold(&format!(
            "{}:{}:{}",
            path_display(&loc.path),
            loc.start_line,
            loc.start_column
        )),
        s.severity(f.severity, f.severity.name()),
        s.bold(&escape_control(&f.rule_id)),
        cwe,
        escape_control(&f.message)
    );
    let width = gutter_width(f);
    render_excerpt(out, f, s, width);
    if !f.reported_by.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            s.gutter(&format!("{} = reported by:", " ".repeat(width))),
            escape_control(&f.reported_by.join(", "))
        );
    }
    for step in &f.trace {
        let _ = writeln!(
            out,
            "{} {}:{}:{}: {}",
            s.gutter(&format!("{} = trace:", " ".repeat(width))),
            path_display(&step.location.path),
            step.location.start_line,
            step.location.start_column,
            escape_control(&step.message)
        );
    }
}

/// Expand tabs; return the display text and, for each char index, its
/// display column (0-based), plus the total width.
fn expand(line: &str) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(line.len());
    let mut columns = Vec::with_capacity(line.len() + 1);
    let mut col = 0;
    for ch in line.chars() {
        columns.push(col);
        if ch == '\t' {
            let n = TAB_WIDTH - col % TAB_WIDTH;
            text.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else if let Cow::Owned(shown) = escape_control(ch.encode_utf8(&mut [0; 4])) {
            // Code can hold escape sequences and bidi controls; show them,
            // never let them act on the terminal.
            col += shown.chars().count();
            text.push_str(&shown);
        } else {
            text.push(ch);
            col += 1;
        }
    }
    columns.push(col);
    (text, columns)
}

/// Display span of characters `[from, to)` (0-based char indexes) of `line`.
fn caret_span(columns: &[usize], from: usize, to: usize) -> (usize, usize) {
    let last = columns.len() - 1; // the index after the last char
    let from = from.min(last);
    let to = to.clamp(from, last);
    let start = columns[from];
    let end = columns[to];
    (start, end.saturating_sub(start).max(1))
}

/// Width of the line-number gutter of a finding's excerpt.
fn gutter_width(f: &Finding) -> usize {
    let shown_lines = f.snippet.lines().count().max(1) as u32;
    let last = f
        .location
        .end_line
        .max(f.location.start_line.saturating_add(shown_lines - 1));
    last.to_string().len()
}

fn render_excerpt(out: &mut String, f: &Finding, s: Style, width: usize) {
    if f.snippet.trim().is_empty() {
        return;
    }
    let loc = &f.location;
    let lines: Vec<&str> = f.snippet.lines().collect();
    let first = loc.start_line as usize;
    let multi = loc.end_line > loc.start_line && lines.len() > 1;
    let shown: Vec<usize> = if lines.len() > MAX_EXCERPT_LINES {
        (0..MAX_EXCERPT_LINES - 1)
            .chain(std::iter::once(lines.len() - 1))
            .collect()
    } else {
        (0..lines.len()).collect()
    };
    let blank_gutter = format!("{} |", " ".repeat(width));
    let _ = writeln!(out, "{}", s.gutter(&blank_gutter));
    let mut previous: Option<usize> = None;
    for &i in &shown {
        if previous.is_some_and(|p| p + 1 != i) {
            let _ = writeln!(out, "{}", s.gutter(&format!("{:>width$}", "...")));
        }
        previous = Some(i);
        let raw = lines[i].trim_end_matches('\r');
        let (text, columns) = expand(raw);
        let _ = writeln!(
            out,
            "{} {}",
            s.gutter(&format!("{:>width$} |", first + i)),
            text
        );
        let chars = columns.len() - 1;
        let span = if !multi {
            let from = (loc.start_column as usize).saturating_sub(1);
            let to = (loc.end_column as usize).saturating_sub(1);
            Some(caret_span(&columns, from, to))
        } else if i == 0 {
            let from = (loc.start_column as usize).saturating_sub(1);
            Some(caret_span(&columns, from, chars))
        } else if i == lines.len() - 1 {
            let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
            let to = (loc.end_column as usize).saturating_sub(1);
            Some(caret_span(&columns, indent, to))
        } else {
            None
        };
        if let Some((start, len)) = span {
            let _ = writeln!(
                out,
                "{} {}{}",
                s.gutter(&blank_gutter),
                " ".repeat(start),
                s.severity(f.severity, &"^".repeat(len))
            );
        }
    }
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{:.2}s", ms as f64 / 1000.0)
    }
}

/// The closing summary line.
pub fn summary(report: &ScanReport, opts: &TextOptions) -> String {
    let s = opts.style;
    let open: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .collect();
    let suppressed = report.findings.len() - open.len();
    let mut out = String::new();
    if open.is_empty() {
        out.push_str(&s.good("No findings."));
    } else {
        let mut files: Vec<&std::path::Path> =
            open.iter().map(|f| f.location.path.as_path()).collect();
        files.sort();
        files.dedup();
        let by_severity: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .filter_map(|sev| {
            let n = open.iter().filter(|f| f.severity == *sev).count();
            (n > 0).then(|| format!("{n} {}", sev.name()))
        })
        .collect();
        let _ = write!(
            out,
            "{} ({}) in {}.",
            s.bad(&format!(
                "Found {}",
                plural(open.len(), "finding", "findings")
            )),
            by_severity.join(", "),
            plural(files.len(), "file", "files")
        );
    }
    let st = &report.stats;
    let _ = write!(
        out,
        " Scanned {} ({} lines) in {}",
        plural(st.files_scanned, "file", "files"),
        st.lines_scanned,
        duration(st.duration_ms)
    );
    let skipped = st.files_skipped_binary + st.files_skipped_large + st.files_unreadable;
    if skipped > 0 {
        let mut why = Vec::new();
        for (n, label) in [
            (st.files_skipped_binary, "binary"),
            (st.files_skipped_large, "too large"),
            (st.files_unreadable, "unreadable"),
        ] {
            if n > 0 {
                why.push(format!("{n} {label}"));
            }
        }
        let _ = write!(
            out,
            "; skipped {} ({})",
            plural(skipped, "file", "files"),
            why.join(", ")
        );
    }
    if suppressed > 0 {
        let _ = write!(out, "; {suppressed} suppressed");
    }
    if opts.baseline_hidden > 0 {
        let _ = write!(out, "; {} in baseline", opts.baseline_hidden);
    }
    if !report.notes.is_empty() {
        let _ = write!(
            out,
            "; {}",
            plural(report.notes.len(), "warning", "warnings")
        );
    }
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{empty_report, sample_report};

    #[test]
    fn full_report_plain() {
        let text = render_text(
            &sample_report(),
            &TextOptions {
                verdicts: true,
                baseline_hidden: 2,
                ..TextOptions::default()
            },
        );
        insta::assert_snapshot!("text_full_report", text);
    }

    #[test]
    fn quiet_prints_findings_only() {
        let text = render_text(
            &sample_report(),
            &TextOptions {
                quiet: true,
                ..TextOptions::default()
            },
        );
        assert!(!text.contains("warning["));
        assert!(!text.contains("Scanned"));
        assert!(text.contains("py-sql-injection"));
    }

    #[test]
    fn clean_report_plain() {
        let text = render_text(&empty_report(), &TextOptions::default());
        insta::assert_snapshot!("text_clean_report", text);
    }

    #[test]
    fn colour_only_adds_escape_codes() {
        let report = sample_report();
        let plain = render_text(&report, &TextOptions::default());
        let coloured = render_text(
            &report,
            &TextOptions {
                style: Style { color: true },
                ..TextOptions::default()
            },
        );
        assert!(coloured.contains("\x1b[1;31m"));
        let mut stripped = String::new();
        let mut chars = coloured.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                stripped.push(c);
            }
        }
        assert_eq!(stripped, plain);
    }

    #[test]
    fn carets_are_clamped_and_tabs_expanded() {
        let (text, columns) = expand("\tab");
        assert_eq!(text, "    ab");
        assert_eq!(columns, vec![0, 4, 5, 6]);
        assert_eq!(caret_span(&columns, 1, 3), (4, 2));
        assert_eq!(caret_span(&columns, 10, 20), (6, 1));
        assert_eq!(caret_span(&columns, 2, 1), (5, 1));
    }
}
