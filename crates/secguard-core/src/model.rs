//! The finding model shared by every crate. Plain data, no I/O.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::PathBuf;

/// Source languages secguard understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    C,
    Cpp,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Python, Language::C, Language::Cpp];

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::C => "c",
            Language::Cpp => "cpp",
        }
    }

    /// Parse a language name as written in rule files, configs and flags.
    pub fn from_name(name: &str) -> Option<Language> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "py" => Some(Language::Python),
            "c" => Some(Language::C),
            "cpp" | "c++" | "cxx" => Some(Language::Cpp),
            _ => None,
        }
    }

    /// Guess the language from a file extension. `.h` is treated as C++ because
    /// the C++ grammar parses C headers too, while the reverse fails on classes.
    pub fn from_extension(ext: &str) -> Option<Language> {
        match ext.to_ascii_lowercase().as_str() {
            "py" | "pyw" | "pyi" => Some(Language::Python),
            "c" => Some(Language::C),
            "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "h" | "ipp" | "inl" => {
                Some(Language::Cpp)
            }
            _ => None,
        }
    }

    /// True for the C family, where C rules also apply to C++.
    pub fn is_c_family(self) -> bool {
        matches!(self, Language::C | Language::Cpp)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A CWE identifier, stored as its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cwe(pub u32);

impl Cwe {
    /// Parse the many spellings tools use: `CWE-89`, `cwe-089`, `89`,
    /// `CWE-89: Improper ...`, `external/cwe/cwe-89`.
    pub fn parse(text: &str) -> Option<Cwe> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let rest = match lower.rfind("cwe-") {
            Some(i) => &lower[i + 4..],
            None => match lower.rfind("cwe") {
                Some(i) => lower[i + 3..].trim_start_matches([' ', ':', '_']),
                None => lower.as_str(),
            },
        };
        let digits: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if digits.is_empty() {
            return None;
        }
        digits.parse::<u32>().ok().filter(|n| *n > 0).map(Cwe)
    }

    /// The tag GitHub code scanning uses, `external/cwe/cwe-89`.
    pub fn sarif_tag(self) -> String {
        format!("external/cwe/cwe-{}", self.0)
    }
}

impl fmt::Display for Cwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

/// How bad a finding is if it is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        match name.to_ascii_lowercase().as_str() {
            "info" | "note" | "none" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" | "moderate" | "warning" => Some(Severity::Medium),
            "high" | "error" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// The numeric `security-severity` GitHub code scanning reads (0.0–10.0).
    pub fn security_severity(self) -> f64 {
        match self {
            Severity::Info => 0.0,
            Severity::Low => 3.0,
            Severity::Medium => 5.5,
            Severity::High => 8.0,
            Severity::Critical => 9.5,
        }
    }

    /// Inverse of [`Severity::security_severity`], using GitHub's bands.
    pub fn from_security_severity(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    /// SARIF `level` for this severity.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How sure the analyzer is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn from_name(name: &str) -> Option<Confidence> {
        match name.to_ascii_lowercase().as_str() {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A span in a file. Lines and columns are 1-based; columns count characters
/// (Unicode scalar values), as SARIF's default `columnKind` does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    #[serde(with = "crate::display::serde_path")]
    pub path: PathBuf,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Location {
    pub fn path_string(&self) -> String {
        crate::display::path_portable(&self.path)
    }
}

/// One step of a taint trace: where the value came from and where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    pub location: Location,
    pub message: String,
}

/// A stable identity for a finding that survives line shifts (invariant 3):
/// the rule, the path, the normalized matched text and the occurrence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    /// Whitespace is collapsed before hashing so re-indentation keeps the identity.
    pub fn compute(rule_id: &str, path: &str, matched_text: &str, occurrence: u32) -> Fingerprint {
        let mut normalized = String::with_capacity(matched_text.len());
        for word in matched_text.split_whitespace() {
            if !normalized.is_empty() {
                normalized.push(' ');
            }
            normalized.push_str(word);
        }
        let mut hasher = Sha256::new();
        hasher.update(rule_id.as_bytes());
        hasher.update([0]);
        hasher.update(path.replace('\\', "/").as_bytes());
        hasher.update([0]);
        hasher.update(normalized.as_bytes());
        hasher.update([0]);
        hasher.update(occurrence.to_le_bytes());
        let digest = hasher.finalize();
        let mut hex = String::with_capacity(32);
        for byte in &digest[..16] {
            hex.push_str(&format!("{byte:02x}"));
        }
        Fingerprint(hex)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a finding is not counted against the code, and who said so.
/// Findings are never deleted (invariant 4); they carry a suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `in_source` for inline comments, `external` for memories and reviews.
    pub kind: SuppressionKind,
    pub justification: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    InSource,
    External,
}

impl SuppressionKind {
    pub fn sarif_name(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

/// One reported weakness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub message: String,
    pub cwe: Vec<Cwe>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub location: Location,
    /// The source line(s) of the match, as written.
    #[serde(default)]
    pub snippet: String,
    pub fingerprint: Fingerprint,
    /// Which analyzer reported it (`builtin`, `bandit`, ...).
    pub analyzer: String,
    /// Taint trace from source to sink, empty for structural matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// With several analyzers: every analyzer that reported this weakness
    /// (the merged finding's sources), sorted. Empty for a single analyzer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reported_by: Vec<String>,
}

impl Finding {
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

/// A unit of code judged as a whole: one file, or one generated snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub id: String,
    #[serde(with = "crate::display::serde_path")]
    pub path: PathBuf,
    pub language: Language,
    pub code: String,
}

/// Secure or insecure, with the CWEs that made it insecure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    Secure,
    Insecure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    #[serde(with = "crate::display::serde_path")]
    pub path: PathBuf,
    pub verdict: VerdictKind,
    pub cwes: Vec<Cwe>,
    /// Unsuppressed findings that led to the verdict.
    pub finding_count: usize,
    /// Findings that were present but suppressed.
    pub suppressed_count: usize,
    /// With several analyzers: each one's own verdict on this sample
    /// (analyzers that failed or do not cover the language are absent).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub analyzers: std::collections::BTreeMap<String, VerdictKind>,
    /// With several analyzers: the share of the (weighted) vote for insecure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Verdict {
    /// A sample is insecure when any unsuppressed finding remains.
    pub fn from_findings<'a>(
        path: PathBuf,
        findings: impl IntoIterator<Item = &'a Finding>,
    ) -> Verdict {
        let mut cwes = Vec::new();
        let mut finding_count = 0;
        let mut suppressed_count = 0;
        for f in findings {
            if f.is_suppressed() {
                suppressed_count += 1;
                continue;
            }
            finding_count += 1;
            cwes.extend(f.cwe.iter().copied());
        }
        cwes.sort();
        cwes.dedup();
        let verdict = if finding_count > 0 {
            VerdictKind::Insecure
        } else {
            VerdictKind::Secure
        };
        Verdict {
            path,
            verdict,
            cwes,
            finding_count,
            suppressed_count,
            analyzers: std::collections::BTreeMap::new(),
            score: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_spellings() {
        for s in [
            "CWE-89",
            "cwe-089",
            "89",
            "CWE-89: Improper Neutralization",
            "external/cwe/cwe-89",
            "CWE 89",
        ] {
            assert_eq!(Cwe::parse(s), Some(Cwe(89)), "{s}");
        }
        assert_eq!(Cwe::parse("nope"), None);
        assert_eq!(Cwe::parse("CWE-0"), None);
    }

    #[test]
    fn fingerprint_ignores_whitespace_but_not_occurrence() {
        let a = Fingerprint::compute("r", "a.py", "os.system( x )", 0);
        let b = Fingerprint::compute("r", "a.py", "os.system(\n   x )", 0);
        let c = Fingerprint::compute("r", "a.py", "os.system( x )", 1);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn severity_round_trip() {
        for s in [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            assert_eq!(Severity::from_security_severity(s.security_severity()), s);
            assert_eq!(Severity::from_name(s.name()), Some(s));
        }
    }
}

/// Documentation every rule carries: what it finds, why it matters, an
/// example of the weakness and how to fix it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDocs {
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
}

/// The description of a rule, independent of how it matches. Used for SARIF
/// `tool.driver.rules`, `secguard rules list` and `secguard rules explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub languages: Vec<Language>,
    pub cwe: Vec<Cwe>,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Message template shown for each finding.
    pub message: String,
    pub docs: RuleDocs,
}
