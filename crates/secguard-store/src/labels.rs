//! Label export and import: human decisions as CSV or JSON Lines, so they
//! can be shared between stores, kept in git, or used as a data set.
//!
//! One row per (item, reviewer) decision, columns in this order:
//! `kind, project, path, fingerprint, rule_id, reviewer, decision, cwe,
//! severity, note, corrected_code, created_at`.
//!
//! - `kind`: `finding` or `sample`; `fingerprint` and `rule_id` are empty
//!   for samples.
//! - `decision`: `true_positive`, `false_positive`, `secure`, `insecure`
//!   (`tp`/`fp` are accepted on import).
//! - `cwe`: the same `;`-joined string in both formats, e.g.
//!   `CWE-89;CWE-79` (empty for none). One spelling for both keeps a CSV
//!   and a JSONL export of one store trivially comparable; a JSON array of
//!   such strings is also accepted when reading JSONL.
//! - `severity`, `corrected_code`: empty (CSV) or `null` (JSONL) when unset
//!   (so an empty corrected code reads back as unset).
//! - `created_at`: RFC 3339 UTC, `2026-11-30T17:04:05Z` (offsets and
//!   fractional seconds are accepted on import).
//! - `scope`, `public_key`, `signature`: a signed decision's memory scope
//!   (JSON text), key and signature (hex); empty or absent when unsigned.
//!   On import a row is signed only if its signature verifies with a key
//!   registered to its reviewer in the importing store; every other row is
//!   recorded unsigned, and the memory it creates is pending.

use crate::sqlite::check_reviewer_name;
use crate::{NewReview, ReviewFilter, Store, StoreError, StoreResult};
use secguard_core::identity::Signature;
use secguard_core::memory::{MemoryScope, ScopeChoice};
use secguard_core::review::{Decision, Review, ReviewTarget, format_timestamp};
use secguard_core::{Cwe, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;

/// The column names, in file order.
pub const LABEL_COLUMNS: [&str; 15] = [
    "kind",
    "project",
    "path",
    "fingerprint",
    "rule_id",
    "reviewer",
    "decision",
    "cwe",
    "severity",
    "note",
    "corrected_code",
    "created_at",
    "scope",
    "public_key",
    "signature",
];

/// Columns a file must have; the others default to empty.
const REQUIRED_COLUMNS: [&str; 6] = [
    "kind",
    "project",
    "path",
    "reviewer",
    "decision",
    "created_at",
];

/// What a label row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    Finding,
    Sample,
}

impl LabelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LabelKind::Finding => "finding",
            LabelKind::Sample => "sample",
        }
    }
}

/// One reviewer's decision about one item, as exported. Fields are typed
/// so a row that exists is valid; serde writes them in declaration order
/// with the spellings described in the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRow {
    pub kind: LabelKind,
    pub project: String,
    pub path: String,
    /// Empty for samples.
    pub fingerprint: String,
    /// Empty for samples.
    pub rule_id: String,
    pub reviewer: String,
    pub decision: Decision,
    #[serde(with = "cwe_list")]
    pub cwe: Vec<Cwe>,
    pub severity: Option<Severity>,
    pub note: String,
    pub corrected_code: Option<String>,
    /// Unix seconds; RFC 3339 in files.
    #[serde(with = "rfc3339")]
    pub created_at: i64,
    /// The memory scope a signed decision was signed for, as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// Why a label file does not parse: where, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    /// 1-based; in CSV the header is line 1.
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: field {field}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for LabelError {}

impl LabelRow {
    /// The review this row records. An empty `project` takes
    /// `default_project`. The memory scope is the finding itself (an import
    /// should not widen what a reviewer decided), unless the row is signed:
    /// then it is the scope the reviewer signed, which the store checks.
    pub fn to_new_review(&self, default_project: &str) -> NewReview {
        let project = if self.project.is_empty() {
            default_project.to_string()
        } else {
            self.project.clone()
        };
        let target = match self.kind {
            LabelKind::Finding => ReviewTarget::Finding {
                fingerprint: self.fingerprint.clone(),
            },
            LabelKind::Sample => ReviewTarget::Sample {
                path: self.path.clone(),
            },
        };
        let signed = match (&self.scope, &self.public_key, &self.signature) {
            (scope, Some(public_key), Some(signature)) => {
                let scope: Option<MemoryScope> =
                    scope.as_deref().and_then(|s| serde_json::from_str(s).ok());
                Some((
                    scope.map(|s| scope_choice(&s)),
                    Signature {
                        public_key: public_key.clone(),
                        signature: signature.clone(),
                    },
                ))
            }
            _ => None,
        };
        let (scope, path_glob) = signed
            .as_ref()
            .and_then(|(c, _)| c.clone())
            .unwrap_or((ScopeChoice::Finding, None));
        NewReview {
            project,
            target,
            reviewer: self.reviewer.clone(),
            decision: self.decision,
            cwe: self.cwe.clone(),
            severity: self.severity,
            note: self.note.clone(),
            corrected_code: self.corrected_code.clone(),
            scope,
            path_glob,
            created_at: Some(self.created_at),
            // Unsigned rows (or signed ones the store refuses, see
            // `import_labels`) only propose: their memories are pending.
            signature: signed.map(|(_, s)| s),
            imported: true,
        }
    }

    /// The CSV cells, in [`LABEL_COLUMNS`] order.
    fn cells(&self) -> [String; 15] {
        [
            self.kind.as_str().to_string(),
            self.project.clone(),
            self.path.clone(),
            self.fingerprint.clone(),
            self.rule_id.clone(),
            self.reviewer.clone(),
            self.decision.as_str().to_string(),
            join_cwes(&self.cwe),
            self.severity.map(Severity::name).unwrap_or("").to_string(),
            self.note.clone(),
            self.corrected_code.clone().unwrap_or_default(),
            format_timestamp(self.created_at),
            self.scope.clone().unwrap_or_default(),
            self.public_key.clone().unwrap_or_default(),
            self.signature.clone().unwrap_or_default(),
        ]
    }
}

/// Label rows for stored reviews; finding rows get the finding's path and
/// rule from the store (left empty if the finding is no longer there).
pub fn rows_from_reviews(reviews: &[Review], store: &dyn Store) -> StoreResult<Vec<LabelRow>> {
    let mut found: HashMap<(String, String), (String, String)> = HashMap::new();
    let mut rows = Vec::with_capacity(reviews.len());
    for r in reviews {
        let (kind, path, fingerprint, rule_id) = match &r.target {
            ReviewTarget::Finding { fingerprint } => {
                let key = (r.project.clone(), fingerprint.clone());
                let (path, rule) = match found.get(&key) {
                    Some(v) => v.clone(),
                    None => {
                        let v = store
                            .finding(&r.project, fingerprint)?
                            .map(|f| (f.finding.location.path_string(), f.finding.rule_id))
                            .unwrap_or_default();
                        found.insert(key, v.clone());
                        v
                    }
                };
                (LabelKind::Finding, path, fingerprint.clone(), rule)
            }
            ReviewTarget::Sample { path } => (
                LabelKind::Sample,
                path.clone(),
                String::new(),
                String::new(),
            ),
        };
        rows.push(LabelRow {
            kind,
            project: r.project.clone(),
            path,
            fingerprint,
            rule_id,
            reviewer: r.reviewer.clone(),
            decision: r.decision,
            cwe: r.cwe.clone(),
            severity: r.severity,
            note: r.note.clone(),
            corrected_code: r.corrected_code.clone(),
            created_at: r.created_at,
            scope: r
                .signature
                .as_ref()
                .and(r.scope.as_ref())
                .and_then(|s| serde_json::to_string(s).ok()),
            public_key: r.signature.as_ref().map(|s| s.public_key.clone()),
            signature: r.signature.as_ref().map(|s| s.signature.clone()),
        });
    }
    Ok(rows)
}

/// Characters that make a spreadsheet read a cell as a formula (or, for
/// tab and CR, that some spreadsheets strip before doing so).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written to CSV: one that a spreadsheet would run as a formula
/// (a reviewer's note `=HYPERLINK(...)`) gets a leading `'`, which
/// spreadsheets show as text. A cell that already starts with `'` gets one
/// more, so [`csv_cell_read`] gives back exactly what was written.
fn csv_cell_written(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) || c == '\'' => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The inverse of [`csv_cell_written`].
fn csv_cell_read(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// CSV with a header line (written even when there are no rows).
pub fn write_csv(rows: &[LabelRow], out: impl Write) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    w.write_record(LABEL_COLUMNS)?;
    for row in rows {
        let cells = row.cells();
        w.write_record(cells.iter().map(|c| csv_cell_written(c).into_owned()))?;
    }
    w.flush()
}

/// One JSON object per line.
pub fn write_jsonl(rows: &[LabelRow], mut out: impl Write) -> std::io::Result<()> {
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Parse a CSV label file. Columns are found by header name (order does
/// not matter; unknown columns are ignored).
pub fn read_csv(text: &str) -> Result<Vec<LabelRow>, LabelError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    for name in REQUIRED_COLUMNS {
        if column(name).is_none() {
            return Err(LabelError {
                line: 1,
                field: Some(name.to_string()),
                message: "missing column in the header".to_string(),
            });
        }
    }
    let positions: Vec<Option<usize>> = LABEL_COLUMNS.iter().map(|c| column(c)).collect();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line_hint = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, usize_line(line_hint))),
        }
        let line = record
            .position()
            .map_or(usize_line(line_hint), |p| usize_line(p.line()));
        let fields = Fields {
            get: |name: &str| -> Result<Option<String>, String> {
                let idx = LABEL_COLUMNS.iter().position(|c| *c == name);
                Ok(idx
                    .and_then(|i| positions.get(i).copied().flatten())
                    .and_then(|p| record.get(p))
                    .map(|cell| csv_cell_read(cell).to_string()))
            },
            cwe_array: None,
        };
        rows.push(parse_row(&fields, line)?);
    }
    Ok(rows)
}

/// Parse JSON Lines; blank lines are skipped.
pub fn read_jsonl(text: &str) -> Result<Vec<LabelRow>, LabelError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| LabelError {
            line,
            field: None,
            message: format!("not valid JSON: {e}"),
        })?;
        let serde_json::Value::Object(map) = value else {
            return Err(LabelError {
                line,
                field: None,
                message: "expected a JSON object".to_string(),
            });
        };
        let cwe_array = match map.get("cwe") {
            Some(serde_json::Value::Array(items)) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(s) => parts.push(s.clone()),
                        other => {
                            return Err(LabelError {
                                line,
                                field: Some("cwe".to_string()),
                                message: format!("expected strings like \"CWE-89\", found {other}"),
                            });
                        }
                    }
                }
                Some(parts.join(";"))
            }
            _ => None,
        };
        let fields = Fields {
            get: |name: &str| -> Result<Option<String>, String> {
                match map.get(name) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                    Some(serde_json::Value::Array(_)) if name == "cwe" => Ok(None),
                    Some(other) => Err(format!("expected a string, found {other}")),
                }
            },
            cwe_array,
        };
        rows.push(parse_row(&fields, line)?);
    }
    Ok(rows)
}

/// Add each row as a review, skipping rows already recorded (same target,
/// reviewer, decision and time), so importing a file twice adds nothing
/// the second time. Returns how many were added. Rows are added one by one;
/// on an error the rows before it stay, and re-running the import after a
/// fix completes it.
pub fn import_labels(store: &dyn Store, rows: &[LabelRow]) -> StoreResult<usize> {
    let mut added = 0;
    for (i, row) in rows.iter().enumerate() {
        let new = row.to_new_review("");
        let existing = store.reviews(&ReviewFilter {
            project: Some(new.project.clone()),
            reviewer: Some(new.reviewer.clone()),
            target: Some(new.target.clone()),
            limit: None,
        })?;
        if existing
            .iter()
            .any(|r| r.decision == new.decision && Some(r.created_at) == new.created_at)
        {
            continue;
        }
        let result = match store.add_review(&new) {
            // A signature that does not verify here (unknown key, edited
            // row) is not a reason to refuse the label: it is recorded
            // unsigned, so its memory is pending.
            Err(StoreError::Invalid(_)) if new.signature.is_some() => {
                let mut unsigned = row.clone();
                unsigned.signature = None;
                unsigned.public_key = None;
                unsigned.scope = None;
                store.add_review(&unsigned.to_new_review(""))
            }
            other => other,
        };
        result.map_err(|e| match e {
            StoreError::Invalid(m) => StoreError::Invalid(format!("label row {}: {m}", i + 1)),
            other => other,
        })?;
        added += 1;
    }
    Ok(added)
}

/// Field access shared by the CSV and JSONL readers.
struct Fields<F: Fn(&str) -> Result<Option<String>, String>> {
    get: F,
    /// A JSONL `cwe` given as an array, already joined with `;`.
    cwe_array: Option<String>,
}

fn parse_row<F>(fields: &Fields<F>, line: usize) -> Result<LabelRow, LabelError>
where
    F: Fn(&str) -> Result<Option<String>, String>,
{
    let err = |field: &str, message: String| LabelError {
        line,
        field: Some(field.to_string()),
        message,
    };
    let get = |name: &str| -> Result<String, LabelError> {
        (fields.get)(name)
            .map(Option::unwrap_or_default)
            .map_err(|m| err(name, m))
    };
    let required = |name: &str| -> Result<String, LabelError> {
        let v = get(name)?;
        if v.trim().is_empty() {
            Err(err(name, "is empty".to_string()))
        } else {
            Ok(v)
        }
    };

    let kind = match required("kind")?.trim() {
        "finding" => LabelKind::Finding,
        "sample" => LabelKind::Sample,
        other => {
            return Err(err(
                "kind",
                format!("unknown kind '{other}' (expected finding or sample)"),
            ));
        }
    };
    let project = get("project")?;
    let path = get("path")?;
    let fingerprint = get("fingerprint")?;
    let rule_id = get("rule_id")?;
    match kind {
        LabelKind::Finding if fingerprint.trim().is_empty() => {
            return Err(err(
                "fingerprint",
                "a finding row needs a fingerprint".into(),
            ));
        }
        LabelKind::Sample if path.trim().is_empty() => {
            return Err(err("path", "a sample row needs a path".into()));
        }
        _ => {}
    }
    let reviewer = get("reviewer")?;
    check_reviewer_name(&reviewer).map_err(|m| err("reviewer", m))?;
    let decision: Decision = required("decision")?
        .parse()
        .map_err(|m: String| err("decision", m))?;
    let fits = match kind {
        LabelKind::Finding => matches!(decision, Decision::TruePositive | Decision::FalsePositive),
        LabelKind::Sample => matches!(decision, Decision::Secure | Decision::Insecure),
    };
    if !fits {
        return Err(err(
            "decision",
            format!(
                "{decision} does not apply to a {} (findings take true_positive/false_positive, samples secure/insecure)",
                kind.as_str()
            ),
        ));
    }
    let cwe_text = match &fields.cwe_array {
        Some(joined) => joined.clone(),
        None => get("cwe")?,
    };
    let cwe = parse_cwes(&cwe_text).map_err(|m| err("cwe", m))?;
    let severity = match get("severity")?.trim() {
        "" => None,
        s => Some(Severity::from_name(s).ok_or_else(|| {
            err(
                "severity",
                format!("unknown severity '{s}' (expected info, low, medium, high or critical)"),
            )
        })?),
    };
    let note = get("note")?;
    let corrected_code = Some(get("corrected_code")?).filter(|c| !c.is_empty());
    let created_at =
        parse_timestamp(required("created_at")?.trim()).map_err(|m| err("created_at", m))?;
    let optional = |name: &str| -> Result<Option<String>, LabelError> {
        Ok(Some(get(name)?.trim().to_string()).filter(|v| !v.is_empty()))
    };
    let scope = optional("scope")?;
    if let Some(text) = &scope
        && serde_json::from_str::<MemoryScope>(text).is_err()
    {
        return Err(err("scope", "not a memory scope (JSON)".to_string()));
    }
    Ok(LabelRow {
        kind,
        project,
        path,
        fingerprint,
        rule_id,
        reviewer,
        decision,
        cwe,
        severity,
        note,
        corrected_code,
        created_at,
        scope,
        public_key: optional("public_key")?,
        signature: optional("signature")?,
    })
}

/// The reviewer's choice that resolves to `scope` again (`review_scope`
/// with the same finding), so a signed row's signature can be checked.
fn scope_choice(scope: &MemoryScope) -> (ScopeChoice, Option<String>) {
    let choice = if scope.fingerprint.is_some() {
        ScopeChoice::Finding
    } else if scope.rule.is_some() {
        ScopeChoice::Rule
    } else {
        ScopeChoice::Cwe
    };
    let glob = if choice == ScopeChoice::Finding {
        None
    } else {
        scope.path_glob.clone()
    };
    (choice, glob)
}

fn usize_line(line: u64) -> usize {
    usize::try_from(line).unwrap_or(usize::MAX).max(1)
}

fn csv_error(e: &csv::Error, fallback_line: usize) -> LabelError {
    let line = e.position().map_or(fallback_line, |p| usize_line(p.line()));
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields like the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    LabelError {
        line,
        field: None,
        message,
    }
}

fn join_cwes(cwes: &[Cwe]) -> String {
    cwes.iter()
        .map(Cwe::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

/// `CWE-89;CWE-79` (case-insensitive, spaces around items allowed).
fn parse_cwes(text: &str) -> Result<Vec<Cwe>, String> {
    let mut out = Vec::new();
    for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let digits = item
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("cwe-"))
            .and_then(|_| item.get(4..))
            .filter(|d| !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit()));
        let n = digits
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("'{item}' is not a CWE id like CWE-89"))?;
        out.push(Cwe(n));
    }
    Ok(out)
}

/// Days since 1970-01-01 of a civil date (inverse of the algorithm in
/// `format_timestamp`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339 to Unix seconds: `YYYY-MM-DDTHH:MM:SS`, optional fraction
/// (dropped), then `Z` or `±HH:MM`.
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let bad = || format!("'{text}' is not an RFC 3339 time like 2026-11-30T17:04:05Z");
    let b = text.as_bytes();
    if b.len() < 20 || !text.is_ascii() {
        return Err(bad());
    }
    let num = |from: usize, to: usize| -> Result<i64, String> {
        let s = text.get(from..to).ok_or_else(bad)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<i64>().map_err(|_| bad())
    };
    let sep = |i: usize, ok: &[u8]| -> Result<(), String> {
        if b.get(i).is_some_and(|c| ok.contains(c)) {
            Ok(())
        } else {
            Err(bad())
        }
    };
    let year = num(0, 4)?;
    sep(4, b"-")?;
    let month = num(5, 7)?;
    sep(7, b"-")?;
    let day = num(8, 10)?;
    sep(10, b"Tt ")?;
    let hour = num(11, 13)?;
    sep(13, b":")?;
    let minute = num(14, 16)?;
    sep(16, b":")?;
    let second = num(17, 19)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() => {
            let oh = num(i + 1, i + 3)?;
            sep(i + 3, b":")?;
            let om = num(i + 4, i + 6)?;
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let secs = oh * 3600 + om * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day);
    Ok(days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset)
}

/// `Vec<Cwe>` as the `;`-joined string used in both file formats.
mod cwe_list {
    use super::{join_cwes, parse_cwes};
    use secguard_core::Cwe;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(cwes: &[Cwe], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&join_cwes(cwes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cwe>, D::Error> {
        let text = String::deserialize(d)?;
        parse_cwes(&text).map_err(serde::de::Error::custom)
    }
}

/// Unix seconds as RFC 3339 text.
mod rfc3339 {
    use super::parse_timestamp;
    use secguard_core::review::format_timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        parse_timestamp(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        for t in [0, 951_782_400, 1_796_058_245, -1, 4_102_444_800] {
            assert_eq!(parse_timestamp(&format_timestamp(t)), Ok(t), "{t}");
        }
        assert_eq!(
            parse_timestamp("2026-11-30T18:04:05+01:00"),
            Ok(1_796_058_245)
        );
        assert_eq!(
            parse_timestamp("2026-11-30T17:04:05.123Z"),
            Ok(1_796_058_245)
        );
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-11-30",
            "2026-11-30T25:00:00Z",
            "é026-11-30T17:04:05Z",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("'quoted", "''quoted"),
            ("plain note", "plain note"),
            ("", ""),
        ] {
            assert_eq!(csv_cell_written(cell), written, "{cell}");
            assert_eq!(csv_cell_read(&csv_cell_written(cell)), cell, "{cell}");
        }
    }

    #[test]
    fn cwe_lists() {
        assert_eq!(parse_cwes(" CWE-89; cwe-79 ;"), Ok(vec![Cwe(89), Cwe(79)]));
        assert_eq!(parse_cwes(""), Ok(vec![]));
        assert!(parse_cwes("89").is_err());
        assert!(parse_cwes("CWE-0").is_err());
        assert!(parse_cwes("CWE-99999999999").is_err());
        assert_eq!(join_cwes(&[Cwe(89), Cwe(79)]), "CWE-89;CWE-79");
    }
}
