//! `secguard rules list` and `secguard rules explain`.

use super::cwe_list;
use super::style::Style;
use secguard_core::RuleMeta;
use std::fmt::Write as _;

fn languages(rule: &RuleMeta) -> String {
    rule.languages
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// One rule per line: id, severity, CWEs, languages, title.
pub fn render_rule_list(rules: &[RuleMeta]) -> String {
    if rules.is_empty() {
        return "No rules are loaded.\n".to_string();
    }
    let rows: Vec<[String; 5]> = rules
        .iter()
        .map(|r| {
            [
                r.id.clone(),
                r.severity.name().to_string(),
                cwe_list(&r.cwe),
                languages(r),
                r.title.clone(),
            ]
        })
        .collect();
    let header = ["RULE", "SEVERITY", "CWE", "LANGUAGES", "TITLE"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    let _ = writeln!(out, "\n{} rules.", rules.len());
    out
}

fn indent(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end().lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// A rule's full documentation.
pub fn render_rule_explain(rule: &RuleMeta, s: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", s.bold(&rule.id), rule.title);
    let _ = writeln!(
        out,
        "  severity: {}   confidence: {}   CWE: {}   languages: {}",
        s.severity(rule.severity, rule.severity.name()),
        rule.confidence.name(),
        if rule.cwe.is_empty() {
            "none".to_string()
        } else {
            cwe_list(&rule.cwe)
        },
        languages(rule).replace(',', ", ")
    );
    let _ = writeln!(out, "  message: {}", rule.message);
    for (heading, body) in [
        ("What it finds", &rule.docs.what),
        ("Why it matters", &rule.docs.why),
        ("Example", &rule.docs.example),
        ("Fix", &rule.docs.fix),
    ] {
        if body.trim().is_empty() {
            continue;
        }
        let _ = write!(out, "\n{}\n{}", s.bold(heading), indent(body));
    }
    out
}

/// Rule ids that look like `wanted`, for "did you mean" hints.
pub fn similar_rules<'a>(rules: &'a [RuleMeta], wanted: &str) -> Vec<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    let words: Vec<&str> = wanted.split(['-', '_']).filter(|w| w.len() > 2).collect();
    rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| {
            let id = id.to_ascii_lowercase();
            id.contains(&wanted) || wanted.contains(&id) || words.iter().any(|w| id.contains(w))
        })
        .take(5)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secguard_core::{Confidence, Cwe, Language, RuleDocs, Severity};

    fn rules() -> Vec<RuleMeta> {
        vec![
            RuleMeta {
                id: "c-strcpy".to_string(),
                title: "Unbounded string copy".to_string(),
                languages: vec![Language::C, Language::Cpp],
                cwe: vec![Cwe(120), Cwe(787)],
                severity: Severity::High,
                confidence: Confidence::Medium,
                message: "strcpy into a fixed buffer".to_string(),
                docs: RuleDocs {
                    what: "Calls to strcpy whose source length is not bounded.".to_string(),
                    why: "Overflowing a buffer corrupts memory.".to_string(),
                    example: "char buf[8];\nstrcpy(buf, argv[1]);".to_string(),
                    fix: "Use snprintf or check the length.".to_string(),
                },
            },
            RuleMeta {
                id: "py-sql-injection".to_string(),
                title: "SQL injection".to_string(),
                languages: vec![Language::Python],
                cwe: vec![Cwe(89)],
                severity: Severity::Critical,
                confidence: Confidence::High,
                message: "query built from user input".to_string(),
                docs: RuleDocs::default(),
            },
        ]
    }

    #[test]
    fn list_and_explain() {
        insta::assert_snapshot!("rules_list", render_rule_list(&rules()));
        insta::assert_snapshot!(
            "rules_explain",
            render_rule_explain(&rules()[0], Style::PLAIN)
        );
        assert_eq!(render_rule_list(&[]), "No rules are loaded.\n");
    }

    #[test]
    fn suggestions() {
        assert_eq!(similar_rules(&rules(), "strcpy"), vec!["c-strcpy"]);
        assert_eq!(similar_rules(&rules(), "py-sql"), vec!["py-sql-injection"]);
        assert!(similar_rules(&rules(), "zzz").is_empty());
    }
}
