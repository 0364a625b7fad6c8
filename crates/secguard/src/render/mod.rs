//! Renderers for scan reports and rule listings. They only build strings;
//! the caller decides where the text goes.

pub mod github;
pub mod rules;
pub mod style;
pub mod table;
pub mod text;

use secguard_core::{Cwe, NoteKind, ScanReport};

/// The kebab-case name of a note kind, as in the JSON report.
pub fn note_kind_name(kind: NoteKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

/// `CWE-78, CWE-89`.
pub fn cwe_list(cwes: &[Cwe]) -> String {
    cwes.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report as pretty JSON (the documented schema), with a final newline.
pub fn render_json(report: &ScanReport) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// `n thing` or `n things`.
pub fn plural(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built reports for renderer tests.

    use secguard_core::{
        Confidence, Cwe, Finding, Fingerprint, Location, Note, NoteKind, ScanReport, ScanStats,
        Severity, Suppression, SuppressionKind, ToolInfo, TraceStep, Verdict,
    };
    use std::path::PathBuf;

    pub struct F<'a> {
        pub rule: &'a str,
        pub path: &'a str,
        pub line: u32,
        pub col: u32,
        pub end_line: u32,
        pub end_col: u32,
        pub severity: Severity,
        pub cwe: &'a [u32],
        pub message: &'a str,
        pub snippet: &'a str,
    }

    pub fn finding(f: F<'_>) -> Finding {
        Finding {
            rule_id: f.rule.to_string(),
            title: format!("title of {}", f.rule),
            message: f.message.to_string(),
            cwe: f.cwe.iter().map(|n| Cwe(*n)).collect(),
            severity: f.severity,
            confidence: Confidence::High,
            location: Location {
                path: PathBuf::from(f.path),
                start_line: f.line,
                start_column: f.col,
                end_line: f.end_line,
                end_column: f.end_col,
            },
            snippet: f.snippet.to_string(),
            fingerprint: Fingerprint::compute(f.rule, f.path, f.snippet, 0),
            analyzer: "builtin".to_string(),
            trace: Vec::new(),
            suppression: None,
            reported_by: Vec::new(),
        }
    }

    /// A report with findings of several severities, a suppressed finding,
    /// a taint trace, notes of several kinds and verdicts.
    pub fn sample_report() -> ScanReport {
        let mut sql = finding(F {
            rule: "py-sql-injection",
            path: "app/db.py",
            line: 12,
            col: 5,
            end_line: 12,
            end_col: 47,
            severity: Severity::High,
            cwe: &[89],
            message: "SQL query built from user input reaches cursor.execute",
            snippet: "    cursor.execute(\"SELECT * FROM t WHERE id=\" + uid)",
        });
        sql.trace = vec![
            TraceStep {
                location: Location {
                    path: PathBuf::from("app/db.py"),
                    start_line: 10,
                    start_column: 11,
                    end_line: 10,
                    end_column: 34,
                },
                message: "user input from request.args".to_string(),
            },
            TraceStep {
                location: Location {
                    path: PathBuf::from("app/db.py"),
                    start_line: 12,
                    start_column: 5,
                    end_line: 12,
                    end_column: 47,
                },
                message: "reaches cursor.execute".to_string(),
            },
        ];
        let cmd = finding(F {
            rule: "py-command-injection",
            path: "app/run.py",
            line: 3,
            col: 1,
            end_line: 5,
            end_col: 16,
            severity: Severity::Critical,
            cwe: &[78],
            message: "shell command built from user input",
            snippet: "subprocess.call(\n\tcmd,\n    shell=True)",
        });
        let weak = finding(F {
            rule: "py-weak-hash",
            path: "app/run.py",
            line: 9,
            col: 8,
            end_line: 9,
            end_col: 19,
            severity: Severity::Medium,
            cwe: &[327, 328],
            message: "MD5 is a weak hash",
            snippet: "h = hashlib.md5(data)",
        });
        let mut suppressed = finding(F {
            rule: "c-strcpy",
            path: "src/copy.c",
            line: 4,
            col: 3,
            end_line: 4,
            end_col: 18,
            severity: Severity::High,
            cwe: &[120],
            message: "unbounded copy",
            snippet: "  strcpy(a, b); // secguard: ignore[c-strcpy] sized above",
        });
        suppressed.suppression = Some(Suppression {
            kind: SuppressionKind::InSource,
            justification: "sized above".to_string(),
            by: None,
        });
        let low = finding(F {
            rule: "c-rand",
            path: "src/copy.c",
            line: 7,
            col: 9,
            end_line: 7,
            end_col: 15,
            severity: Severity::Low,
            cwe: &[338],
            message: "rand() is not a secure random source",
            snippet: "  int r = rand();",
        });
        let findings = vec![sql, cmd, weak, suppressed, low];
        let verdicts = vec![
            Verdict::from_findings(PathBuf::from("app/db.py"), &findings[..1]),
            Verdict::from_findings(PathBuf::from("app/run.py"), &findings[1..3]),
            Verdict::from_findings(PathBuf::from("app/util.py"), &[]),
            Verdict::from_findings(PathBuf::from("src/copy.c"), &findings[3..]),
        ];
        let notes = vec![
            Note {
                path: PathBuf::from("app/broken.py"),
                kind: NoteKind::ParseError,
                line: Some(3),
                message: "syntax error; the rest of the file was analyzed".to_string(),
            },
            Note {
                path: PathBuf::from("assets/logo.py"),
                kind: NoteKind::BinarySkipped,
                line: None,
                message: "binary file (NUL byte in the first 8 KiB); skipped".to_string(),
            },
            Note {
                path: PathBuf::from("src/copy.c"),
                kind: NoteKind::UnusedSuppression,
                line: Some(20),
                message: "unused suppression: no 'c-gets' finding on line 21".to_string(),
            },
        ];
        ScanReport {
            schema_version: "1".to_string(),
            tool: ToolInfo {
                name: "secguard".to_string(),
                version: "0.1.0".to_string(),
            },
            findings,
            verdicts,
            notes,
            stats: ScanStats {
                files_scanned: 5,
                files_skipped_binary: 1,
                files_skipped_large: 0,
                files_unreadable: 0,
                lines_scanned: 1234,
                rules_run: 42,
                duration_ms: 87,
            },
        }
    }

    pub fn empty_report() -> ScanReport {
        ScanReport {
            findings: Vec::new(),
            notes: Vec::new(),
            verdicts: vec![Verdict::from_findings(PathBuf::from("ok.py"), &[])],
            stats: ScanStats {
                files_scanned: 1,
                lines_scanned: 3,
                rules_run: 42,
                duration_ms: 2,
                ..ScanStats::default()
            },
            ..sample_report()
        }
    }
}
