//! The result of a scan, as serialized by `secguard scan --format json`.
//! The schema is documented in `docs/json-output.md`; bump
//! [`REPORT_SCHEMA_VERSION`] on any incompatible change.

use crate::model::{Finding, Verdict};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const REPORT_SCHEMA_VERSION: &str = "1";

/// Something the user should know about a file that is not a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    #[serde(with = "crate::display::serde_path")]
    pub path: PathBuf,
    pub kind: NoteKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// Part of the file did not parse; findings from the rest are still reported.
    ParseError,
    /// The file looked binary and was skipped.
    BinarySkipped,
    /// The file was larger than the configured limit and was skipped.
    TooLarge,
    /// The file was not valid UTF-8 and was decoded lossily.
    LossyUtf8,
    /// The file's name is not valid UTF-8: reports spell it with U+FFFD,
    /// the note's message gives it exactly (`\xff` escapes) and SARIF's
    /// percent-encoded URI carries its bytes.
    LossyPath,
    /// An inline suppression matched no finding.
    UnusedSuppression,
    /// An inline suppression was malformed (no rule id, unknown rule).
    InvalidSuppression,
    /// The file could not be read.
    Unreadable,
    /// An analyzer failed (missing, crashed, timed out, unreadable output);
    /// the other analyzers' results are still reported.
    AnalyzerFailed,
    /// A memory was not applied: memories conflict on a finding, or one
    /// reviewer's memory would hide a high or critical finding.
    MemoryNotApplied,
    /// The file exceeded one of the engine's per-file work budgets (nodes,
    /// depth, steps, value size, time); the findings of the work done are
    /// reported, the rest of the file was summarized or not analyzed.
    BudgetExceeded,
    /// The analysis of this file failed on an internal error; no findings
    /// are reported for it, the other files' are.
    InternalError,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    pub files_scanned: usize,
    pub files_skipped_binary: usize,
    pub files_skipped_large: usize,
    pub files_unreadable: usize,
    pub lines_scanned: usize,
    pub rules_run: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// Everything one scan produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: String,
    pub tool: ToolInfo,
    pub findings: Vec<Finding>,
    pub verdicts: Vec<Verdict>,
    pub notes: Vec<Note>,
    pub stats: ScanStats,
}
