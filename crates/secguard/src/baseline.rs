//! `--baseline FILE`: a previous secguard JSON report or a SARIF log. Findings
//! whose fingerprint appears in it are left out of the new report.

use secguard_core::{ScanReport, sarif};
use secguard_engine::scan::recompute_verdicts;
use serde_json::Value;
use std::collections::HashSet;

/// The fingerprints of a previous report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub fingerprints: HashSet<String>,
}

impl Baseline {
    /// Parse a baseline: a secguard JSON report (anything with a `findings`
    /// array whose entries carry a `fingerprint`) or a SARIF 2.1.0 log (an
    /// object with `runs`). The error says what is wrong, without the file name.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Some(object) = value.as_object() else {
            return Err("not a secguard JSON report or SARIF log (expected an object)".to_string());
        };
        if object.contains_key("runs") {
            let import =
                sarif::from_sarif(text).map_err(|e| format!("not a valid SARIF log: {e}"))?;
            return Ok(Baseline {
                fingerprints: import
                    .findings
                    .into_iter()
                    .map(|f| f.fingerprint.0)
                    .collect(),
            });
        }
        let Some(findings) = object.get("findings") else {
            return Err(
                "not a secguard JSON report or SARIF log (no `findings` or `runs`)".to_string(),
            );
        };
        let Some(findings) = findings.as_array() else {
            return Err("findings: expected an array".to_string());
        };
        let mut fingerprints = HashSet::with_capacity(findings.len());
        for (i, finding) in findings.iter().enumerate() {
            match finding.get("fingerprint").and_then(Value::as_str) {
                Some(fp) => {
                    fingerprints.insert(fp.to_string());
                }
                None => {
                    return Err(format!(
                        "findings[{i}].fingerprint: missing or not a string"
                    ));
                }
            }
        }
        Ok(Baseline { fingerprints })
    }

    /// Drop the findings the baseline already has, recompute the verdicts,
    /// and return how many were dropped.
    pub fn apply(&self, report: &mut ScanReport) -> usize {
        let before = report.findings.len();
        report
            .findings
            .retain(|f| !self.fingerprints.contains(&f.fingerprint.0));
        let removed = before - report.findings.len();
        if removed > 0 {
            recompute_verdicts(&mut report.verdicts, &report.findings);
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::sample_report;
    use secguard_core::{VerdictKind, sarif::to_sarif};

    #[test]
    fn json_and_sarif_baselines_hide_known_findings() {
        let old = sample_report();
        let json = serde_json::to_string(&old).expect("json");
        let sarif_text = serde_json::to_string(&to_sarif(&old, &[])).expect("sarif");
        for text in [json, sarif_text] {
            let baseline = Baseline::parse(&text).expect("valid baseline");
            let mut new = sample_report();
            let removed = baseline.apply(&mut new);
            assert_eq!(removed, old.findings.len());
            assert!(new.findings.is_empty());
            assert!(
                new.verdicts
                    .iter()
                    .all(|v| v.verdict == VerdictKind::Secure)
            );
            assert_eq!(new.verdicts.len(), old.verdicts.len());
        }
    }

    #[test]
    fn only_known_fingerprints_are_hidden() {
        let mut old = sample_report();
        old.findings.truncate(1);
        let baseline = Baseline::parse(&serde_json::to_string(&old).expect("json")).expect("valid");
        let mut new = sample_report();
        let total = new.findings.len();
        assert_eq!(baseline.apply(&mut new), 1);
        assert_eq!(new.findings.len(), total - 1);
        let db = new
            .verdicts
            .iter()
            .find(|v| v.path.ends_with("db.py"))
            .expect("db.py verdict");
        assert_eq!(db.verdict, VerdictKind::Secure);
    }

    #[test]
    fn bad_baselines_say_why() {
        for (text, expected) in [
            ("{", "not valid JSON"),
            ("[]", "expected an object"),
            ("{\"x\": 1}", "no `findings` or `runs`"),
            ("{\"findings\": 3}", "findings: expected an array"),
            ("{\"findings\": [{}]}", "findings[0].fingerprint"),
            (
                "{\"runs\": [], \"version\": \"1.0\"}",
                "not a valid SARIF log",
            ),
        ] {
            let err = Baseline::parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}: {err}");
        }
        assert!(
            Baseline::parse("{\"findings\": []}")
                .expect("empty report")
                .fingerprints
                .is_empty()
        );
    }
}
