//! Human decisions: reviewers, what they decided about a finding or a
//! sample, and the timestamps the store records them with.

use crate::identity::{DecisionClaim, Signature, decision_message};
use crate::memory::MemoryScope;
use crate::{Cwe, Severity};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a reviewer may do. Only an admin's decision alone may hide a high
/// or critical finding (the two-reviewer rule otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Reviewer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "reviewer" => Ok(Role::Reviewer),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role '{other}' (expected reviewer or admin)"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub name: String,
    pub role: Role,
    /// Unix seconds.
    pub created_at: i64,
}

/// What is being judged: one finding (by fingerprint) or a whole sample
/// (by path). Both live in a project.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReviewTarget {
    Finding { fingerprint: String },
    Sample { path: String },
}

impl ReviewTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            ReviewTarget::Finding { .. } => "finding",
            ReviewTarget::Sample { .. } => "sample",
        }
    }
}

/// A reviewer's decision. `TruePositive`/`FalsePositive` apply to findings,
/// `Secure`/`Insecure` to samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    TruePositive,
    FalsePositive,
    Secure,
    Insecure,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Decision::TruePositive,
        Decision::FalsePositive,
        Decision::Secure,
        Decision::Insecure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::TruePositive => "true_positive",
            Decision::FalsePositive => "false_positive",
            Decision::Secure => "secure",
            Decision::Insecure => "insecure",
        }
    }

    /// Whether this decision can be made about `target`.
    pub fn fits(self, target: &ReviewTarget) -> bool {
        match target {
            ReviewTarget::Finding { .. } => {
                matches!(self, Decision::TruePositive | Decision::FalsePositive)
            }
            ReviewTarget::Sample { .. } => matches!(self, Decision::Secure | Decision::Insecure),
        }
    }

    /// The same judgement in the other vocabulary: a true positive means the
    /// code is insecure. Used to compare raters across item kinds.
    pub fn says_insecure(self) -> bool {
        matches!(self, Decision::TruePositive | Decision::Insecure)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = String;
    /// Long names and the short forms people type (`tp`, `fp`).
    fn from_str(s: &str) -> Result<Decision, String> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "true_positive" | "tp" => Ok(Decision::TruePositive),
            "false_positive" | "fp" => Ok(Decision::FalsePositive),
            "secure" => Ok(Decision::Secure),
            "insecure" => Ok(Decision::Insecure),
            other => Err(format!(
                "unknown decision '{other}' (expected true_positive/tp, false_positive/fp, secure or insecure)"
            )),
        }
    }
}

/// One stored human decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub project: String,
    pub target: ReviewTarget,
    pub reviewer: String,
    pub decision: Decision,
    /// For a finding: the corrected CWE(s), empty when the finding's are
    /// right. For a sample: the weaknesses it has.
    #[serde(default)]
    pub cwe: Vec<Cwe>,
    /// For a finding: the corrected severity, if any.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub corrected_code: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// The memory scope the decision was signed for (findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<MemoryScope>,
    /// The reviewer's signature over [`Review::message`], if signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// Set by the store, never read from a file: the signature verifies
    /// and its key is registered to `reviewer`. Only verified decisions
    /// count toward hiding high or critical findings.
    #[serde(default)]
    pub verified: bool,
}

impl Review {
    /// The canonical bytes the reviewer signs.
    pub fn message(&self) -> Vec<u8> {
        decision_message(&DecisionClaim {
            project: &self.project,
            target: &self.target,
            decision: self.decision,
            cwe: &self.cwe,
            severity: self.severity,
            note: &self.note,
            corrected_code: self.corrected_code.as_deref(),
            scope: self.scope.as_ref(),
            reviewer: &self.reviewer,
            created_at: self.created_at,
        })
    }

    /// Whether the signature (if any) verifies with the key it names. The
    /// caller still checks that the key belongs to `reviewer`.
    pub fn signature_verifies(&self) -> bool {
        self.signature
            .as_ref()
            .is_some_and(|s| crate::identity::verify(s, &self.message()))
    }
}

/// Unix seconds as RFC 3339 UTC (`2026-11-30T17:04:05Z`), without a time
/// library: the civil-from-days algorithm.
pub fn format_timestamp(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_timestamp(1_796_058_245), "2026-11-30T17:04:05Z");
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn decisions_parse_and_fit() {
        assert_eq!("fp".parse::<Decision>(), Ok(Decision::FalsePositive));
        assert_eq!(
            "True-Positive".parse::<Decision>(),
            Ok(Decision::TruePositive)
        );
        assert!("maybe".parse::<Decision>().is_err());
        let f = ReviewTarget::Finding {
            fingerprint: "x".into(),
        };
        assert!(Decision::FalsePositive.fits(&f));
        assert!(!Decision::Secure.fits(&f));
    }
}
