//! Dataset and label loaders: the published evaluation sets, and simple
//! generic formats users write themselves, read into [`EvalSample`]s and
//! [`HumanLabel`]s.
//!
//! [`detect_format`] guesses a format from the path, [`load_dataset`] reads
//! a dataset (in a given format, or the detected one), [`load_labels`]
//! reads human labels, and [`dataset_root`] says which folder a sample's
//! `code_path` is relative to.
//!
//! # Rules shared by every format
//!
//! - Files are read whole and must be UTF-8 (a leading byte-order mark is
//!   skipped); other bytes are an error naming the file and line.
//! - An empty (or blank) file is an empty dataset, not an error.
//! - A malformed record is an [`EvalError::Malformed`] naming the file, the
//!   place and the field: `line N` for CSV (the header is line 1) and JSON
//!   Lines, `record N` (counting from 1) for JSON arrays, `line N` for JSON
//!   that does not parse.
//! - Column and key names match ignoring ASCII case and surrounding spaces.
//!   An empty value, or JSON `null`, counts as absent.
//! - CWE lists are written `CWE-89;CWE-78`, `89,78` (`;`, `,` or `|`
//!   between items), or as a JSON array (`["CWE-89", 78]`, also as the text
//!   of a CSV cell); an item that is not a CWE is an error.
//! - Languages are `python` (`py`), `c`, `cpp` (`c++`, `cxx`), any case.
//!
//! # LLMSecEval JSON (`llmseceval-json`) and CSV (`llmseceval-csv`)
//!
//! The prompt set of LLMSecEval (MSR 2023): a JSON array of objects, or a
//! CSV file with the same columns. Used fields:
//!
//! - `Prompt ID` (required): the sample id, e.g. `CWE-79_INI-1a`. Its
//!   `CWE-N` prefix gives the sample's CWE. The published dataset repeats
//!   two ids (`CWE-20_IIV-2b`, `CWE-522_IPC-3a`) on different prompts; every
//!   record is kept, and the second occurrence of an id gets the suffix
//!   `#2` (the third `#3`, ...) so ids stay unique.
//! - `Language` (required): `Python` or `C`.
//! - `Manually-fixed NL Prompt`: the prompt, when non-empty; otherwise
//!   `LLM-generated NL Prompt` (named `NL Prompt` in some copies). The
//!   placeholder `<language>` (any case, and the dataset's one misspelling
//!   `<lanuage>`) is replaced by the language's display name (`Python`,
//!   `C`, `C++`), so the prompt can be sent as is.
//!
//! Other columns (quality scores, `Vulnerable` of the original scenario)
//! are ignored: they do not judge generated code. Source: `llmseceval`.
//!
//! # SecurityEval JSON Lines (`securityeval`)
//!
//! One JSON object per line, with the fields:
//!
//! - `ID` (required, unique): e.g. `CWE-020_author_1.py`; the `CWE-N`
//!   prefix gives the CWE, the extension the language (`.py` Python, `.c`
//!   C, `.cpp` C++; Python when there is none).
//! - `Prompt` (required): the prompt.
//! - `Insecure_code` (required): the insecure reference, as `code`.
//!
//! Source: `securityeval`.
//!
//! # CyberSecEval instruct (`cyberseceval-instruct`) and autocomplete (`cyberseceval-autocomplete`)
//!
//! Meta PurpleLlama's `instruct.json` and `autocomplete.json`: a JSON array
//! of objects with the fields:
//!
//! - `test_case_prompt` (required): the prompt.
//! - `origin_code` (required): the original insecure code window, as `code`.
//! - `language` (required): `python`, `c` and `cpp` map to a language.
//!   Entries in other languages (Java, Rust, ...) are **kept with language
//!   `None`**, so counts and ids match the published set; secguard analyzes
//!   only Python, C and C++, so the harness skips them.
//! - `cwe_identifier`: e.g. `CWE-78`.
//! - `variant`: `instruct` or `autocomplete`; with the record's 0-based
//!   position in the array it forms the id, `instruct:12` (the file stem
//!   replaces the variant when there is none). The position equals the
//!   published `prompt_id`.
//!
//! Source: `cyberseceval-instruct` or `cyberseceval-autocomplete`.
//!
//! # Generic JSON Lines (`jsonl`) and CSV (`csv`)
//!
//! One sample per line (JSON object) or row (CSV with a header):
//!
//! - `id` (required, unique in the file; duplicates are errors).
//! - `language`: optional, but an unknown name is an error; when absent it
//!   is guessed from the extension of `code_path`.
//! - `prompt`: the task, for generation.
//! - `code`: the code inline, or `code_path`: a file relative to the
//!   dataset file's folder, which must exist. Not both; a row needs at
//!   least one of `prompt`, `code`, `code_path`.
//! - `cwe` or `cwes`: the sample's CWEs.
//! - `vulnerable` (`0`/`1`/`true`/`false`/`yes`/`no`, or a JSON boolean)
//!   and `reviewer`: when `vulnerable` is given the row carries a
//!   [`HumanLabel`] by `reviewer` (default `dataset`), whose CWEs are the
//!   sample's when vulnerable. A `reviewer` without `vulnerable` is an error.
//!
//! Other columns are ignored. Source: the file stem.
//!
//! # Folder (`folder`)
//!
//! A directory of code files: every `.py`, `.c`, `.h`, `.cpp`, `.cc`,
//! `.cxx` and `.hpp` file under it, at any depth, is a sample. Names
//! starting with `.` are skipped, as are symbolic links to directories
//! (which could loop). Samples are sorted by id; the id is the path
//! relative to the folder with `/` separators, `code_path` is that relative
//! path, `code` is not loaded, and the language comes from the extension
//! (`.h` is C++, as everywhere in secguard). An optional `labels.csv` at the
//! top of the folder, in the [`load_labels`] format, attaches labels to
//! samples by path (`./a.py` and `a\b.c` are normalized); a label row
//! whose sample is not in the folder is an error naming that row.
//! Source: the folder's name.
//!
//! # Labels ([`load_labels`])
//!
//! CSV (`.csv`), JSON Lines (`.jsonl`, `.ndjson`) or a JSON array (`.json`;
//! other extensions are sniffed from the first character). Two row shapes,
//! told apart per row by the presence of both `kind` and `decision`:
//!
//! - Simple rows: `sample` (aliases `id`, `path`; required), `reviewer`
//!   (required), `vulnerable` (required, as above), `cwes` (alias `cwe`,
//!   optional). A second row for the same sample and reviewer is an error.
//! - secguard's review export (`secguard labels export`: `kind, project,
//!   path, fingerprint, rule_id, reviewer, decision, cwe, ...`): rows with
//!   `kind` = `sample` become labels (`sample` = `path`, vulnerable when
//!   `decision` is `insecure`, not when `secure`; any other decision is an
//!   error); `finding` rows are ignored. The store keeps every review, so a
//!   later row for the same project, path and reviewer replaces the earlier
//!   one: a revised verdict counts once.

use crate::{EvalError, EvalSample, HumanLabel};
use secguard_core::{Cwe, Language};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// The dataset formats [`load_dataset`] reads; see the module documentation
/// for each one's fields. Serialized with the names of [`DatasetFormat::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DatasetFormat {
    #[serde(rename = "llmseceval-json")]
    LlmSecEvalJson,
    #[serde(rename = "llmseceval-csv")]
    LlmSecEvalCsv,
    #[serde(rename = "securityeval")]
    SecurityEvalJsonl,
    #[serde(rename = "cyberseceval-instruct")]
    CyberSecEvalInstruct,
    #[serde(rename = "cyberseceval-autocomplete")]
    CyberSecEvalAutocomplete,
    #[serde(rename = "jsonl")]
    GenericJsonl,
    #[serde(rename = "csv")]
    GenericCsv,
    #[serde(rename = "folder")]
    Folder,
}

impl DatasetFormat {
    /// Every format, in documentation order (for help texts).
    pub const ALL: [DatasetFormat; 8] = [
        DatasetFormat::LlmSecEvalJson,
        DatasetFormat::LlmSecEvalCsv,
        DatasetFormat::SecurityEvalJsonl,
        DatasetFormat::CyberSecEvalInstruct,
        DatasetFormat::CyberSecEvalAutocomplete,
        DatasetFormat::GenericJsonl,
        DatasetFormat::GenericCsv,
        DatasetFormat::Folder,
    ];

    /// The name used on the command line and in configs.
    pub fn name(self) -> &'static str {
        match self {
            DatasetFormat::LlmSecEvalJson => "llmseceval-json",
            DatasetFormat::LlmSecEvalCsv => "llmseceval-csv",
            DatasetFormat::SecurityEvalJsonl => "securityeval",
            DatasetFormat::CyberSecEvalInstruct => "cyberseceval-instruct",
            DatasetFormat::CyberSecEvalAutocomplete => "cyberseceval-autocomplete",
            DatasetFormat::GenericJsonl => "jsonl",
            DatasetFormat::GenericCsv => "csv",
            DatasetFormat::Folder => "folder",
        }
    }

    /// The format named `name` (as [`DatasetFormat::name`] spells it,
    /// ignoring ASCII case and surrounding spaces).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for DatasetFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The folder a sample's `code_path` is relative to: `path` itself for a
/// folder dataset, the file's folder otherwise.
pub fn dataset_root(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Guess a dataset's format from its path, looking inside the file where
/// the name is not enough: a directory is [`DatasetFormat::Folder`];
/// `*.jsonl` is SecurityEval when the first record has `ID`, `Prompt` and
/// `Insecure_code`, generic otherwise; `*.json` is CyberSecEval when named
/// `instruct.json`/`autocomplete.json` or when its first record has
/// `test_case_prompt` and `origin_code` (the `variant` field picks instruct
/// or autocomplete), LLMSecEval when it has `Prompt ID` and an `NL Prompt`
/// column; `*.csv` is LLMSecEval by the same columns, generic otherwise.
/// Anything else is an error asking for an explicit format.
pub fn detect_format(path: &Path) -> Result<DatasetFormat, EvalError> {
    if path.is_dir() {
        return Ok(DatasetFormat::Folder);
    }
    let text = read_text(path)?;
    detect_in_text(path, &text)
}

/// Load the dataset at `path`, in `format` or, when `None`, the format
/// [`detect_format`] finds (an empty file is then an empty dataset,
/// whatever its name).
pub fn load_dataset(
    path: &Path,
    format: Option<DatasetFormat>,
) -> Result<Vec<EvalSample>, EvalError> {
    if format == Some(DatasetFormat::Folder) || (format.is_none() && path.is_dir()) {
        return load_folder(path);
    }
    let text = read_text(path)?;
    let format = match format {
        Some(format) => format,
        None if text.trim().is_empty() => return Ok(Vec::new()),
        None => detect_in_text(path, &text)?,
    };
    match format {
        DatasetFormat::LlmSecEvalJson => llmseceval(json_array_rows(path, &text)?),
        DatasetFormat::LlmSecEvalCsv => llmseceval(csv_rows(path, &text)?),
        DatasetFormat::SecurityEvalJsonl => securityeval(jsonl_rows(path, &text)?),
        DatasetFormat::CyberSecEvalInstruct => {
            cyberseceval(path, json_array_rows(path, &text)?, "cyberseceval-instruct")
        }
        DatasetFormat::CyberSecEvalAutocomplete => cyberseceval(
            path,
            json_array_rows(path, &text)?,
            "cyberseceval-autocomplete",
        ),
        DatasetFormat::GenericJsonl => generic(path, jsonl_rows(path, &text)?),
        DatasetFormat::GenericCsv => generic(path, csv_rows(path, &text)?),
        DatasetFormat::Folder => Err(EvalError::Invalid(format!(
            "{}: the folder format needs a folder",
            path.display()
        ))),
    }
}

/// Load human labels from a CSV, JSON Lines or JSON file: simple rows
/// (`sample`, `reviewer`, `vulnerable`, `cwes`) or secguard's review export
/// (sample rows only). See the module documentation.
pub fn load_labels(path: &Path) -> Result<Vec<HumanLabel>, EvalError> {
    Ok(read_labels(path)?
        .into_iter()
        .map(|(_, label)| label)
        .collect())
}

// ---------------------------------------------------------------------------
// Reading files into rows

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn malformed(path: &Path, at: impl Into<String>, message: impl Into<String>) -> EvalError {
    EvalError::Malformed {
        path: shown(path),
        at: at.into(),
        message: message.into(),
    }
}

/// The whole file as text; invalid UTF-8 is reported with its line.
fn read_text(path: &Path) -> Result<String, EvalError> {
    let bytes = fs::read(path).map_err(|source| EvalError::Io {
        path: shown(path),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.as_bytes();
            let line = bytes
                .get(..valid)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                + 1;
            Err(malformed(
                path,
                format!("line {line}"),
                "not valid UTF-8 text",
            ))
        }
    }
}

/// One record of a file, with where it is, for error messages.
struct Row<'a> {
    file: &'a Path,
    at: String,
    fields: Map<String, Value>,
}

impl Row<'_> {
    fn has_key(&self, name: &str) -> bool {
        self.fields
            .keys()
            .any(|k| k.trim().eq_ignore_ascii_case(name))
    }

    /// The value of `name`, unless absent, `null` or blank.
    fn value(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .find(|v| match v {
                Value::Null => false,
                Value::String(s) => !s.trim().is_empty(),
                _ => true,
            })
    }

    fn error(&self, field: &str, message: impl fmt::Display) -> EvalError {
        malformed(
            self.file,
            self.at.clone(),
            format!("field `{field}`: {message}"),
        )
    }

    fn text(&self, name: &str) -> Result<Option<String>, EvalError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.error(name, format!("expected text, found {}", kind(other)))),
        }
    }

    fn required_text(&self, name: &str) -> Result<String, EvalError> {
        self.text(name)?.ok_or_else(|| self.error(name, "missing"))
    }

    /// The first of `names` that has a value, with the name it was found under.
    fn first_text(
        &self,
        names: &[&'static str],
    ) -> Result<Option<(&'static str, String)>, EvalError> {
        for &name in names {
            if let Some(text) = self.text(name)? {
                return Ok(Some((name, text)));
            }
        }
        Ok(None)
    }

    fn language(&self, name: &str) -> Result<Option<Language>, EvalError> {
        match self.text(name)? {
            None => Ok(None),
            Some(text) => Language::from_name(text.trim()).map(Some).ok_or_else(|| {
                self.error(
                    name,
                    format!(
                        "unknown language {} (expected python, c or cpp)",
                        quote(&text)
                    ),
                )
            }),
        }
    }

    /// The CWEs of every field in `names`, merged.
    fn cwes(&self, names: &[&str]) -> Result<Vec<Cwe>, EvalError> {
        let mut out = Vec::new();
        for &name in names {
            if let Some(value) = self.value(name) {
                cwes_from_value(value, &mut out).map_err(|m| self.error(name, m))?;
            }
        }
        Ok(out)
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, EvalError> {
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_u64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => Some(true),
                "0" | "false" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| {
            self.error(
                name,
                format!(
                    "{} is not one of 0, 1, true, false, yes, no",
                    quote(&value_text(value))
                ),
            )
        })
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `text` in backquotes, shortened so an error never repeats a whole file.
fn quote(text: &str) -> String {
    const MAX: usize = 60;
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("`{head}...`")
    } else {
        format!("`{head}`")
    }
}

fn cwes_from_value(value: &Value, out: &mut Vec<Cwe>) -> Result<(), String> {
    match value {
        Value::Array(items) => {
            for item in items {
                push_unique(out, cwe_from_scalar(item)?);
            }
        }
        Value::String(text) => {
            let text = text.trim();
            if text.starts_with('[') {
                let parsed: Value = serde_json::from_str(text)
                    .map_err(|e| format!("not a JSON array of CWEs: {e}"))?;
                let Value::Array(items) = parsed else {
                    return Err("not a JSON array of CWEs".to_string());
                };
                for item in &items {
                    push_unique(out, cwe_from_scalar(item)?);
                }
            } else {
                for part in text.split([';', ',', '|']) {
                    let part = part.trim();
                    if !part.is_empty() {
                        let cwe = Cwe::parse(part)
                            .ok_or_else(|| format!("{} is not a CWE", quote(part)))?;
                        push_unique(out, cwe);
                    }
                }
            }
        }
        other => push_unique(out, cwe_from_scalar(other)?),
    }
    Ok(())
}

fn cwe_from_scalar(value: &Value) -> Result<Cwe, String> {
    let cwe = match value {
        Value::String(s) => Cwe::parse(s),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0)
            .map(Cwe),
        _ => None,
    };
    cwe.ok_or_else(|| format!("{} is not a CWE", quote(&value_text(value))))
}

fn push_unique(list: &mut Vec<Cwe>, cwe: Cwe) {
    if !list.contains(&cwe) {
        list.push(cwe);
    }
}

/// CSV with a header row; each data row keyed by the header's names.
fn csv_rows<'a>(path: &'a Path, text: &str) -> Result<Vec<Row<'a>>, EvalError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Ok(Vec::new()),
        Some(header) => header.map_err(|e| csv_error(path, &e))?,
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    for (i, name) in names.iter().enumerate() {
        if !name.is_empty()
            && names[..i]
                .iter()
                .any(|other| other.eq_ignore_ascii_case(name))
        {
            return Err(malformed(
                path,
                "line 1",
                format!("column {} appears twice", quote(name)),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let fields = names
            .iter()
            .zip(record.iter())
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, cell)| (name.clone(), Value::String(cell.to_string())))
            .collect();
        rows.push(Row {
            file: path,
            at: format!("line {line}"),
            fields,
        });
    }
    Ok(rows)
}

fn csv_error(path: &Path, err: &csv::Error) -> EvalError {
    let at = err
        .position()
        .map_or_else(|| "line ?".to_string(), |p| format!("line {}", p.line()));
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields (as in the header), found {len}"),
        _ => format!("invalid CSV: {err}"),
    };
    malformed(path, at, message)
}

/// JSON Lines: one object per non-blank line.
fn jsonl_rows<'a>(path: &'a Path, text: &str) -> Result<Vec<Row<'a>>, EvalError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}", i + 1);
        let value: Value = serde_json::from_str(line)
            .map_err(|e| malformed(path, at.clone(), json_error_message(&e)))?;
        let Value::Object(fields) = value else {
            return Err(malformed(
                path,
                at,
                format!("expected a JSON object, found {}", kind(&value)),
            ));
        };
        rows.push(Row {
            file: path,
            at,
            fields,
        });
    }
    Ok(rows)
}

/// serde_json's message with its own `at line L column C` turned into a
/// column: the caller already names the line.
fn json_error_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let what = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i]);
    format!("invalid JSON at column {}: {what}", err.column())
}

/// A JSON array of objects; blank text is an empty array.
fn json_array_rows<'a>(path: &'a Path, text: &str) -> Result<Vec<Row<'a>>, EvalError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| malformed(path, format!("line {}", e.line()), json_error_message(&e)))?;
    let Value::Array(items) = value else {
        return Err(malformed(
            path,
            "line 1",
            format!("expected a JSON array of objects, found {}", kind(&value)),
        ));
    };
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("record {}", i + 1);
        let Value::Object(fields) = item else {
            return Err(malformed(
                path,
                at,
                format!("expected a JSON object, found {}", kind(&item)),
            ));
        };
        rows.push(Row {
            file: path,
            at,
            fields,
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------
// Detection

fn lower_extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn has_keys(object: &Map<String, Value>, names: &[&str]) -> bool {
    names
        .iter()
        .all(|name| object.keys().any(|k| k.trim().eq_ignore_ascii_case(name)))
}

fn is_llmseceval_columns<'a>(columns: impl Iterator<Item = &'a str> + Clone) -> bool {
    let has = |name: &str| columns.clone().any(|c| c.trim().eq_ignore_ascii_case(name));
    has("Prompt ID") && (has("NL Prompt") || has("LLM-generated NL Prompt"))
}

fn detect_in_text(path: &Path, text: &str) -> Result<DatasetFormat, EvalError> {
    let ext = lower_extension(path);
    match ext.as_str() {
        "jsonl" | "ndjson" => {
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .and_then(|l| serde_json::from_str::<Value>(l).ok());
            let securityeval = matches!(
                first,
                Some(Value::Object(ref o)) if has_keys(o, &["ID", "Prompt", "Insecure_code"])
            );
            Ok(if securityeval {
                DatasetFormat::SecurityEvalJsonl
            } else {
                DatasetFormat::GenericJsonl
            })
        }
        "json" => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if name == "instruct.json" {
                return Ok(DatasetFormat::CyberSecEvalInstruct);
            }
            if name == "autocomplete.json" {
                return Ok(DatasetFormat::CyberSecEvalAutocomplete);
            }
            let rows = json_array_rows(path, text)?;
            let Some(first) = rows.first() else {
                return Err(undetected(path, "an empty JSON array"));
            };
            if has_keys(&first.fields, &["test_case_prompt", "origin_code"]) {
                let autocomplete = first
                    .text("variant")
                    .ok()
                    .flatten()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("autocomplete"));
                return Ok(if autocomplete {
                    DatasetFormat::CyberSecEvalAutocomplete
                } else {
                    DatasetFormat::CyberSecEvalInstruct
                });
            }
            if is_llmseceval_columns(first.fields.keys().map(String::as_str)) {
                return Ok(DatasetFormat::LlmSecEvalJson);
            }
            Err(undetected(path, "JSON records of no known dataset"))
        }
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let header = reader.records().next().and_then(Result::ok);
            let llmseceval = header
                .as_ref()
                .is_some_and(|h| is_llmseceval_columns(h.iter()));
            Ok(if llmseceval {
                DatasetFormat::LlmSecEvalCsv
            } else {
                DatasetFormat::GenericCsv
            })
        }
        _ => Err(undetected(path, "an unknown extension")),
    }
}

fn undetected(path: &Path, what: &str) -> EvalError {
    let names: Vec<&str> = DatasetFormat::ALL.iter().map(|f| f.name()).collect();
    EvalError::Invalid(format!(
        "{}: cannot tell the dataset format ({what}); name one of: {}",
        path.display(),
        names.join(", ")
    ))
}

// ---------------------------------------------------------------------------
// Formats

/// The CWE named by an id's prefix (`CWE-79_INI-1a`, `CWE-020_author_1.py`).
fn cwe_from_id_prefix(id: &str) -> Option<Cwe> {
    let head = id.split('_').next().unwrap_or(id).trim();
    if head
        .as_bytes()
        .get(..3)
        .is_some_and(|b| b.eq_ignore_ascii_case(b"cwe"))
    {
        Cwe::parse(head)
    } else {
        None
    }
}

fn display_name(language: Language) -> &'static str {
    match language {
        Language::Python => "Python",
        Language::C => "C",
        Language::Cpp => "C++",
    }
}

/// `text` with every `<language>` placeholder (any case, and the
/// `<lanuage>` misspelling found in LLMSecEval) replaced by `name`.
fn fill_language(text: &str, name: &str) -> String {
    const PLACEHOLDERS: [&str; 2] = ["<language>", "<lanuage>"];
    // ASCII lowercasing keeps byte offsets, so positions found in `lower`
    // are valid char boundaries in `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &lower[i..];
        if let Some(p) = PLACEHOLDERS.iter().find(|p| rest.starts_with(**p)) {
            out.push_str(name);
            i += p.len();
        } else if let Some(c) = text[i..].chars().next() {
            out.push(c);
            i += c.len_utf8();
        } else {
            break;
        }
    }
    out
}

fn llmseceval(rows: Vec<Row<'_>>) -> Result<Vec<EvalSample>, EvalError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut samples = Vec::with_capacity(rows.len());
    for row in rows {
        let raw_id = row.required_text("Prompt ID")?.trim().to_string();
        let language = row
            .language("Language")?
            .ok_or_else(|| row.error("Language", "missing"))?;
        let prompt = match row.text("Manually-fixed NL Prompt")? {
            Some(fixed) => fixed,
            None => match row.first_text(&["LLM-generated NL Prompt", "NL Prompt"])? {
                Some((_, generated)) => generated,
                None => {
                    let field = if row.has_key("NL Prompt") {
                        "NL Prompt"
                    } else {
                        "LLM-generated NL Prompt"
                    };
                    return Err(row.error(field, "missing (and no `Manually-fixed NL Prompt`)"));
                }
            },
        };
        let count = seen.entry(raw_id.clone()).or_insert(0);
        *count += 1;
        let id = if *count == 1 {
            raw_id.clone()
        } else {
            format!("{raw_id}#{count}")
        };
        samples.push(EvalSample {
            id,
            source: "llmseceval".to_string(),
            language: Some(language),
            prompt: Some(fill_language(&prompt, display_name(language))),
            cwes: cwe_from_id_prefix(&raw_id).into_iter().collect(),
            ..EvalSample::default()
        });
    }
    Ok(samples)
}

fn securityeval(rows: Vec<Row<'_>>) -> Result<Vec<EvalSample>, EvalError> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.required_text("ID")?.trim().to_string();
        if let Some(first) = seen.get(&id) {
            return Err(row.error(
                "ID",
                format!("duplicate id {} (first at {first})", quote(&id)),
            ));
        }
        let prompt = row.required_text("Prompt")?;
        let code = row.required_text("Insecure_code")?;
        let language = Path::new(&id)
            .extension()
            .and_then(|e| Language::from_extension(&e.to_string_lossy()))
            .unwrap_or(Language::Python);
        seen.insert(id.clone(), row.at.clone());
        samples.push(EvalSample {
            cwes: cwe_from_id_prefix(&id).into_iter().collect(),
            id,
            source: "securityeval".to_string(),
            language: Some(language),
            prompt: Some(prompt),
            code: Some(code),
            ..EvalSample::default()
        });
    }
    Ok(samples)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn cyberseceval(
    path: &Path,
    rows: Vec<Row<'_>>,
    source: &str,
) -> Result<Vec<EvalSample>, EvalError> {
    let stem = file_stem(path);
    let mut samples = Vec::with_capacity(rows.len());
    for (position, row) in rows.into_iter().enumerate() {
        let prompt = row.required_text("test_case_prompt")?;
        let code = row.required_text("origin_code")?;
        let language_name = row.required_text("language")?;
        let variant = row.text("variant")?.map(|v| v.trim().to_string());
        samples.push(EvalSample {
            id: format!("{}:{position}", variant.as_deref().unwrap_or(&stem)),
            source: source.to_string(),
            // Other languages stay, with no language: see the module docs.
            language: Language::from_name(language_name.trim()),
            prompt: Some(prompt),
            code: Some(code),
            cwes: row.cwes(&["cwe_identifier"])?,
            ..EvalSample::default()
        });
    }
    Ok(samples)
}

fn generic(path: &Path, rows: Vec<Row<'_>>) -> Result<Vec<EvalSample>, EvalError> {
    let root = dataset_root(path);
    let source = file_stem(path);
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.required_text("id")?.trim().to_string();
        if let Some(first) = seen.get(&id) {
            return Err(row.error(
                "id",
                format!("duplicate id {} (first at {first})", quote(&id)),
            ));
        }
        let prompt = row.text("prompt")?;
        let code = row.text("code")?;
        let code_path = row.text("code_path")?.map(|p| PathBuf::from(p.trim()));
        if code.is_some() && code_path.is_some() {
            return Err(row.error("code_path", "give `code` or `code_path`, not both"));
        }
        if let Some(rel) = &code_path
            && !root.join(rel).is_file()
        {
            return Err(row.error(
                "code_path",
                format!(
                    "no file {} in {}",
                    quote(&rel.to_string_lossy()),
                    root.display()
                ),
            ));
        }
        if prompt.is_none() && code.is_none() && code_path.is_none() {
            return Err(row.error(
                "prompt",
                "missing (a sample needs `prompt`, `code` or `code_path`)",
            ));
        }
        let language = match row.language("language")? {
            Some(language) => Some(language),
            None => code_path
                .as_ref()
                .and_then(|p| p.extension())
                .and_then(|e| Language::from_extension(&e.to_string_lossy())),
        };
        let cwes = row.cwes(&["cwes", "cwe"])?;
        let labels = match (row.flag("vulnerable")?, row.text("reviewer")?) {
            (Some(vulnerable), reviewer) => vec![HumanLabel {
                sample: id.clone(),
                reviewer: reviewer.map_or_else(|| "dataset".to_string(), |r| r.trim().to_string()),
                vulnerable,
                cwes: if vulnerable { cwes.clone() } else { Vec::new() },
            }],
            (None, Some(_)) => {
                return Err(row.error("vulnerable", "missing (the row names a reviewer)"));
            }
            (None, None) => Vec::new(),
        };
        seen.insert(id.clone(), row.at.clone());
        samples.push(EvalSample {
            id,
            source: source.clone(),
            language,
            prompt,
            code,
            code_path,
            cwes,
            labels,
        });
    }
    Ok(samples)
}

const CODE_EXTENSIONS: [&str; 7] = ["py", "c", "h", "cpp", "cc", "cxx", "hpp"];

fn load_folder(dir: &Path) -> Result<Vec<EvalSample>, EvalError> {
    if !dir.is_dir() {
        return Err(EvalError::Invalid(format!(
            "{}: the folder format needs a folder",
            dir.display()
        )));
    }
    let source = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "folder".to_string());
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel_dir) = pending.pop() {
        let abs = dir.join(&rel_dir);
        let io = |source: std::io::Error| EvalError::Io {
            path: shown(&abs),
            source,
        };
        for entry in fs::read_dir(&abs).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let rel = rel_dir.join(&name);
            let file_type = entry.file_type().map_err(io)?;
            let (is_dir, is_file) = if file_type.is_symlink() {
                // Followed only to files: a link to a directory could loop.
                let target = fs::metadata(entry.path()).ok();
                (false, target.is_some_and(|m| m.is_file()))
            } else {
                (file_type.is_dir(), file_type.is_file())
            };
            if is_dir {
                pending.push(rel);
            } else if is_file && CODE_EXTENSIONS.contains(&lower_extension(&rel).as_str()) {
                files.push((path_id(&rel), rel));
            }
        }
    }
    files.sort();
    let mut samples: Vec<EvalSample> = files
        .into_iter()
        .map(|(id, rel)| EvalSample {
            id,
            source: source.clone(),
            language: rel
                .extension()
                .and_then(|e| Language::from_extension(&e.to_string_lossy())),
            code_path: Some(rel),
            ..EvalSample::default()
        })
        .collect();
    let labels_path = dir.join("labels.csv");
    if labels_path.is_file() {
        let index: HashMap<String, usize> = samples
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        for (at, mut label) in read_labels(&labels_path)? {
            let key = normalize_sample_path(&label.sample);
            let Some(&i) = index.get(&key) else {
                return Err(malformed(
                    &labels_path,
                    at,
                    format!(
                        "field `sample`: {} is not a code file in {}",
                        quote(&label.sample),
                        dir.display()
                    ),
                ));
            };
            label.sample = key;
            samples[i].labels.push(label);
        }
    }
    Ok(samples)
}

/// A relative path as an id: components joined by `/` on every platform.
fn path_id(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn normalize_sample_path(sample: &str) -> String {
    let mut s = sample.trim().replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

// ---------------------------------------------------------------------------
// Labels

enum LabelSyntax {
    Csv,
    Jsonl,
    JsonArray,
}

/// Labels with where each came from, so callers can point at a row.
fn read_labels(path: &Path) -> Result<Vec<(String, HumanLabel)>, EvalError> {
    let text = read_text(path)?;
    let first_char = text.trim_start().chars().next();
    let Some(first_char) = first_char else {
        return Ok(Vec::new());
    };
    let syntax = match lower_extension(path).as_str() {
        "csv" => LabelSyntax::Csv,
        "jsonl" | "ndjson" => LabelSyntax::Jsonl,
        _ if first_char == '[' => LabelSyntax::JsonArray,
        _ if first_char == '{' => LabelSyntax::Jsonl,
        "json" => LabelSyntax::JsonArray,
        _ => LabelSyntax::Csv,
    };
    let rows = match syntax {
        LabelSyntax::Csv => csv_rows(path, &text)?,
        LabelSyntax::Jsonl => jsonl_rows(path, &text)?,
        LabelSyntax::JsonArray => json_array_rows(path, &text)?,
    };
    let mut out: Vec<(String, HumanLabel)> = Vec::new();
    let mut simple_seen: HashMap<(String, String), String> = HashMap::new();
    let mut export_seen: HashMap<(String, String, String), usize> = HashMap::new();
    for row in rows {
        if row.has_key("kind") && row.has_key("decision") {
            let kind = row.required_text("kind")?.trim().to_ascii_lowercase();
            match kind.as_str() {
                "finding" => continue,
                "sample" => {}
                _ => {
                    return Err(
                        row.error("kind", format!("{} is not finding or sample", quote(&kind)))
                    );
                }
            }
            let sample = row.required_text("path")?.trim().to_string();
            let reviewer = row.required_text("reviewer")?.trim().to_string();
            let decision = row.required_text("decision")?;
            let vulnerable = match decision.trim().to_ascii_lowercase().as_str() {
                "insecure" => true,
                "secure" => false,
                _ => {
                    return Err(row.error(
                        "decision",
                        format!(
                            "{} is not secure or insecure (a sample row)",
                            quote(&decision)
                        ),
                    ));
                }
            };
            let label = HumanLabel {
                sample: sample.clone(),
                reviewer: reviewer.clone(),
                vulnerable,
                cwes: row.cwes(&["cwe", "cwes"])?,
            };
            let project = row.text("project")?.unwrap_or_default();
            match export_seen.get(&(project.clone(), sample.clone(), reviewer.clone())) {
                Some(&i) => out[i] = (row.at.clone(), label),
                None => {
                    export_seen.insert((project, sample, reviewer), out.len());
                    out.push((row.at.clone(), label));
                }
            }
        } else {
            let sample = match row.first_text(&["sample", "id", "path"])? {
                Some((_, sample)) => sample.trim().to_string(),
                None => return Err(row.error("sample", "missing (also accepted: id, path)")),
            };
            let reviewer = row.required_text("reviewer")?.trim().to_string();
            let vulnerable = row
                .flag("vulnerable")?
                .ok_or_else(|| row.error("vulnerable", "missing"))?;
            let cwes = row.cwes(&["cwes", "cwe"])?;
            let key = (sample.clone(), reviewer.clone());
            if let Some(first) = simple_seen.get(&key) {
                return Err(row.error(
                    "sample",
                    format!(
                        "{} already labeled by {} at {first}",
                        quote(&sample),
                        quote(&reviewer)
                    ),
                ));
            }
            simple_seen.insert(key, row.at.clone());
            out.push((
                row.at.clone(),
                HumanLabel {
                    sample,
                    reviewer,
                    vulnerable,
                    cwes,
                },
            ));
        }
    }
    Ok(out)
}
