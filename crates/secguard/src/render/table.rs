//! `--format table`: one row per sample, each analyzer's verdict side by side
//! with the merged one — the table a researcher compares against human labels.

use super::cwe_list;
use secguard_core::{ScanReport, VerdictKind};
use std::collections::BTreeSet;

fn mark(v: Option<&VerdictKind>) -> &'static str {
    match v {
        Some(VerdictKind::Insecure) => "insecure",
        Some(VerdictKind::Secure) => "secure",
        None => "-",
    }
}

/// Markdown table (readable as plain text too). Analyzers that did not run on
/// a sample show `-`.
pub fn render_table(report: &ScanReport) -> String {
    let analyzers: BTreeSet<&str> = report
        .verdicts
        .iter()
        .flat_map(|v| v.analyzers.keys().map(String::as_str))
        .collect();
    let mut out = String::from("| sample |");
    for a in &analyzers {
        out.push_str(&format!(" {a} |"));
    }
    out.push_str(" merged | score | CWEs |\n|---|");
    for _ in &analyzers {
        out.push_str("---|");
    }
    out.push_str("---|---:|---|\n");
    for v in &report.verdicts {
        out.push_str(&format!(
            "| {} |",
            secguard_core::display::path_display(&v.path).replace('|', "\\|")
        ));
        for a in &analyzers {
            out.push_str(&format!(" {} |", mark(v.analyzers.get(*a))));
        }
        let score = v.score.map(|s| format!("{s:.2}")).unwrap_or_default();
        out.push_str(&format!(
            " **{}** | {score} | {} |\n",
            mark(Some(&v.verdict)),
            cwe_list(&v.cwes)
        ));
    }
    let insecure = report
        .verdicts
        .iter()
        .filter(|v| v.verdict == VerdictKind::Insecure)
        .count();
    out.push_str(&format!(
        "\n{insecure} of {} samples insecure\n",
        report.verdicts.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use secguard_core::{Cwe, ScanStats, ToolInfo, Verdict};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    #[test]
    fn side_by_side() {
        let mut a = BTreeMap::new();
        a.insert("bandit".to_string(), VerdictKind::Insecure);
        a.insert("builtin".to_string(), VerdictKind::Insecure);
        a.insert("semgrep".to_string(), VerdictKind::Secure);
        let mut b = BTreeMap::new();
        b.insert("builtin".to_string(), VerdictKind::Secure);
        b.insert("cppcheck".to_string(), VerdictKind::Secure);
        let report = ScanReport {
            schema_version: "1".into(),
            tool: ToolInfo {
                name: "secguard".into(),
                version: "0.0.0-test".into(),
            },
            findings: vec![],
            verdicts: vec![
                Verdict {
                    path: PathBuf::from("app.py"),
                    verdict: VerdictKind::Insecure,
                    cwes: vec![Cwe(78)],
                    finding_count: 2,
                    suppressed_count: 0,
                    analyzers: a,
                    score: Some(2.0 / 3.0),
                },
                Verdict {
                    path: PathBuf::from("copy.c"),
                    verdict: VerdictKind::Secure,
                    cwes: vec![],
                    finding_count: 0,
                    suppressed_count: 0,
                    analyzers: b,
                    score: Some(0.0),
                },
            ],
            notes: vec![],
            stats: ScanStats::default(),
        };
        insta::assert_snapshot!(render_table(&report));
    }
}
