//! GitHub Actions workflow commands: one annotation per unsuppressed finding,
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=rule-id::message (CWE-89)`.
//! Critical and high findings are errors, medium ones warnings, low and info
//! ones notices. Notes become warnings. Values are escaped as the Actions
//! toolkit does: `%`, CR and LF everywhere, and also `:` and `,` in properties;
//! other control characters become visible escapes.

use super::{cwe_list, note_kind_name, plural};
use secguard_core::{ScanReport, Severity};
use std::fmt::Write as _;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Escape a command's message. The runner decodes `%25`, `%0D` and `%0A`;
/// any other control character (an escape sequence, a bidi override in a
/// file name) is shown as a visible escape so it cannot act on the log.
pub fn escape_data(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    secguard_core::display::escape_control(&escaped).into_owned()
}

/// Escape a property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render_github(report: &ScanReport) -> String {
    let mut out = String::new();
    let mut open = 0;
    for f in report.findings.iter().filter(|f| !f.is_suppressed()) {
        open += 1;
        let loc = &f.location;
        let mut message = f.message.clone();
        if !f.cwe.is_empty() {
            let _ = write!(message, " ({})", cwe_list(&f.cwe));
        }
        if !f.reported_by.is_empty() {
            let _ = write!(message, " [reported by {}]", f.reported_by.join(", "));
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            level(f.severity),
            escape_property(&loc.path_string()),
            loc.start_line,
            loc.start_column,
            loc.end_line,
            loc.end_column,
            escape_property(&f.rule_id),
            escape_data(&message)
        );
    }
    for note in &report.notes {
        let mut props = format!(
            "file={}",
            escape_property(&secguard_core::display::path_portable(&note.path))
        );
        if let Some(line) = note.line {
            let _ = write!(props, ",line={line}");
        }
        let _ = writeln!(
            out,
            "::warning {props},title={}::{}",
            escape_property(&format!("secguard {}", note_kind_name(note.kind))),
            escape_data(&note.message)
        );
    }
    let suppressed = report.findings.len() - open;
    let _ = writeln!(
        out,
        "secguard: {} in {} scanned, {suppressed} suppressed",
        plural(open, "finding", "findings"),
        plural(report.stats.files_scanned, "file", "files"),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{F, finding, sample_report};
    use secguard_core::Severity;

    #[test]
    fn sample_report_annotations() {
        insta::assert_snapshot!("github_sample_report", render_github(&sample_report()));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        let mut report = sample_report();
        report.notes.clear();
        report.findings = vec![finding(F {
            rule: "odd:rule,id",
            path: "dir,with:odd%chars/x.py",
            line: 2,
            col: 1,
            end_line: 2,
            end_col: 4,
            severity: Severity::Low,
            cwe: &[20],
            message: "50% of\nlines, here: bad",
            snippet: "x()",
        })];
        insta::assert_snapshot!("github_escaping", render_github(&report));
    }
}
