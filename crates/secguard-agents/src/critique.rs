//! The Security Agent's structured critique: its JSON schema, a tolerant
//! reader (models write CWE ids and severities many ways), and how the
//! critique's verdict joins the analyzers' findings.
//!
//! The rule that matters: an LLM "secure" never clears a high-confidence
//! analyzer finding. Only a human, or a memory built from human decisions,
//! can suppress a finding; the LLM can only add concerns or dispute, and a
//! dispute goes to the review queue.

use secguard_core::{Confidence, Cwe, Finding, Severity, VerdictKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One weakness the model reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CritiqueIssue {
    pub cwe: Option<Cwe>,
    /// 1-based line in the critiqued code, when the model gave one.
    pub line: Option<u32>,
    pub severity: Severity,
    pub explanation: String,
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Critique {
    pub issues: Vec<CritiqueIssue>,
    pub verdict: VerdictKind,
}

/// The JSON schema requested from servers that support structured output.
pub fn critique_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["issues", "verdict"],
        "properties": {
            "issues": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["cwe", "line", "severity", "explanation", "fix"],
                    "properties": {
                        "cwe": {"type": "string", "description": "CWE-N"},
                        "line": {"type": "integer", "minimum": 0},
                        "severity": {"type": "string", "enum": ["info", "low", "medium", "high", "critical"]},
                        "explanation": {"type": "string"},
                        "fix": {"type": "string"}
                    }
                }
            },
            "verdict": {"type": "string", "enum": ["secure", "insecure"]}
        }
    })
}

/// Read a critique from the model's JSON, accepting the usual variations
/// (`"CWE-89"`, `89`, `"cwe 89"`; `"High"`, `"error"`; a missing line; the
/// verdict as `"vulnerable"`/`"safe"`). Errors say what is wrong, for the
/// one re-ask the client makes.
pub fn parse_critique(value: &Value) -> Result<Critique, String> {
    let obj = value
        .as_object()
        .ok_or("the critique must be a JSON object with \"issues\" and \"verdict\"")?;
    let issues = match obj.get("issues") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => return Err("missing \"issues\" (a list, may be empty)".into()),
        Some(_) => return Err("\"issues\" must be a list".into()),
    };
    let mut out = Vec::new();
    for (i, item) in issues.iter().enumerate() {
        let at = |msg: &str| format!("issues[{i}]: {msg}");
        let o = item.as_object().ok_or_else(|| at("must be an object"))?;
        let cwe = match o.get("cwe") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()).map(Cwe),
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(
                Cwe::parse(s.trim())
                    .or_else(|| Cwe::parse(&s.trim().replace(' ', "-")))
                    .ok_or_else(|| at(&format!("\"cwe\": '{s}' is not a CWE id like CWE-89")))?,
            ),
            Some(_) => return Err(at("\"cwe\" must be a string like \"CWE-89\"")),
        };
        let line = match o.get("line") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Some(Value::String(s)) => s.trim().parse::<u32>().ok(),
            Some(_) => None,
        }
        .filter(|l| *l > 0);
        let severity = match o.get("severity").and_then(Value::as_str) {
            Some(s) => Severity::from_name(s.trim())
                .ok_or_else(|| at(&format!("\"severity\": unknown severity '{s}'")))?,
            None => Severity::Medium,
        };
        let text = |key: &str| {
            o.get(key)
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let explanation = text("explanation");
        if explanation.is_empty() && cwe.is_none() {
            return Err(at("needs at least a \"cwe\" or an \"explanation\""));
        }
        out.push(CritiqueIssue {
            cwe,
            line,
            severity,
            explanation,
            fix: text("fix"),
        });
    }
    let verdict = match obj.get("verdict").and_then(Value::as_str).map(str::trim) {
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "secure" | "safe" | "clean" | "not vulnerable" => VerdictKind::Secure,
            "insecure" | "vulnerable" | "unsafe" => VerdictKind::Insecure,
            other => {
                return Err(format!(
                    "\"verdict\": '{other}' (expected secure or insecure)"
                ));
            }
        },
        None if out.is_empty() => VerdictKind::Secure,
        None => VerdictKind::Insecure,
    };
    Ok(Critique {
        issues: out,
        verdict,
    })
}

/// The Security Agent's answer on one piece of code.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub verdict: VerdictKind,
    /// Open analyzer findings the LLM called secure, by fingerprint: a
    /// disagreement for a human to settle.
    pub disputed: Vec<String>,
    /// Whether the analyzers and the LLM disagree on the verdict at all.
    pub disagreement: bool,
}

/// Join the analyzers' findings (suppressions already applied) with the
/// critique. Open findings of high confidence keep the code insecure
/// whatever the LLM says; an LLM "insecure" with issues of its own makes
/// it insecure; an LLM "secure" over open lower-confidence findings is a
/// dispute, and the code stays insecure until a human decides.
pub fn assess(findings: &[Finding], critique: Option<&Critique>) -> Assessment {
    let open: Vec<&Finding> = findings.iter().filter(|f| !f.is_suppressed()).collect();
    let analyzers_insecure = !open.is_empty();
    let llm_verdict = critique.map(|c| {
        if c.issues.is_empty() {
            c.verdict
        } else {
            VerdictKind::Insecure
        }
    });
    let disputed: Vec<String> = match llm_verdict {
        Some(VerdictKind::Secure) => open.iter().map(|f| f.fingerprint.0.clone()).collect(),
        _ => Vec::new(),
    };
    let verdict = if analyzers_insecure || llm_verdict == Some(VerdictKind::Insecure) {
        VerdictKind::Insecure
    } else {
        VerdictKind::Secure
    };
    let disagreement = llm_verdict.is_some_and(|v| {
        v != if analyzers_insecure {
            VerdictKind::Insecure
        } else {
            VerdictKind::Secure
        }
    });
    Assessment {
        verdict,
        disputed,
        disagreement,
    }
}

/// Findings no critique can clear: open and of high confidence.
pub fn undisputable(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings
        .iter()
        .filter(|f| !f.is_suppressed() && f.confidence == Confidence::High)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use secguard_core::{Fingerprint, Location};
    use std::path::PathBuf;

    fn finding(confidence: Confidence) -> Finding {
        Finding {
            rule_id: "py-sql-injection".into(),
            title: "t".into(),
            message: "m".into(),
            cwe: vec![Cwe(89)],
            severity: Severity::High,
            confidence,
            location: Location {
                path: PathBuf::from("gen.py"),
                start_line: 3,
                start_column: 1,
                end_line: 3,
                end_column: 9,
            },
            snippet: String::new(),
            fingerprint: Fingerprint("fp".into()),
            analyzer: "builtin".into(),
            trace: vec![],
            suppression: None,
            reported_by: vec![],
        }
    }

    #[test]
    fn reads_the_usual_variations() {
        let c = parse_critique(&json!({
            "issues": [
                {"cwe": "CWE-89", "line": 3, "severity": "High", "explanation": "x", "fix": "y"},
                {"cwe": 78, "line": "7", "severity": "error", "explanation": "z"},
                {"cwe": "cwe 22", "explanation": "path"},
            ],
            "verdict": "Vulnerable"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.verdict, VerdictKind::Insecure);
        assert_eq!(c.issues[0].cwe, Some(Cwe(89)));
        assert_eq!(c.issues[1].line, Some(7));
        assert_eq!(c.issues[1].severity, Severity::High);
        assert_eq!(c.issues[2].cwe, Some(Cwe(22)));
        assert_eq!(c.issues[2].severity, Severity::Medium);
        let clean = parse_critique(&json!({"issues": [], "verdict": "secure"}));
        assert_eq!(clean.map(|c| c.verdict), Ok(VerdictKind::Secure));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = parse_critique(&json!({"verdict": "secure"})).err();
        assert!(e.is_some_and(|e| e.contains("issues")));
        let e = parse_critique(&json!({"issues": [{"cwe": "SQLi"}], "verdict": "insecure"})).err();
        assert!(e.is_some_and(|e| e.contains("issues[0]") && e.contains("SQLi")));
        let e = parse_critique(&json!({"issues": [], "verdict": "maybe"})).err();
        assert!(e.is_some_and(|e| e.contains("maybe")));
        assert!(parse_critique(&json!([1, 2])).is_err());
    }

    #[test]
    fn an_llm_secure_never_clears_an_open_finding() {
        let secure = Critique {
            issues: vec![],
            verdict: VerdictKind::Secure,
        };
        for confidence in [Confidence::High, Confidence::Medium, Confidence::Low] {
            let a = assess(&[finding(confidence)], Some(&secure));
            assert_eq!(a.verdict, VerdictKind::Insecure);
            assert!(a.disagreement);
            assert_eq!(a.disputed, vec!["fp".to_string()]);
        }
        assert_eq!(undisputable(&[finding(Confidence::High)]).count(), 1);
        // A suppressed finding (a human decided) no longer counts.
        let mut f = finding(Confidence::High);
        f.suppression = Some(secguard_core::Suppression {
            kind: secguard_core::SuppressionKind::External,
            justification: "memory #1".into(),
            by: Some("alice".into()),
        });
        let a = assess(&[f], Some(&secure));
        assert_eq!(a.verdict, VerdictKind::Secure);
        assert!(!a.disagreement);
    }

    #[test]
    fn the_llm_can_add_concerns() {
        let c = Critique {
            issues: vec![CritiqueIssue {
                cwe: Some(Cwe(798)),
                line: Some(1),
                severity: Severity::High,
                explanation: "hard-coded key".into(),
                fix: "read it from the environment".into(),
            }],
            // Contradicts its own issues: the issues win.
            verdict: VerdictKind::Secure,
        };
        let a = assess(&[], Some(&c));
        assert_eq!(a.verdict, VerdictKind::Insecure);
        assert!(a.disagreement);
        assert_eq!(assess(&[], None).verdict, VerdictKind::Secure);
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("issues".to_string()),
                        Just("verdict".to_string()),
                        Just("cwe".to_string()),
                        Just("line".to_string()),
                        Just("severity".to_string()),
                        ".{0,6}".prop_map(|s: String| s),
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_critique_never_panics(v in arb_json()) {
            let _ = parse_critique(&v);
        }
    }
}
