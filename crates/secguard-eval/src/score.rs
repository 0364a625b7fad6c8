//! Scoring analyzer findings against ground truth, as OWASP Benchmark
//! scorecards do (`secguard eval score`).
//!
//! Ground truth is a list of [`TestCase`]s: a file (optionally a line range)
//! that is either truly vulnerable to a CWE ("real") or a look-alike that is
//! not ("fake"). It comes from a generic expected-results file, an OWASP
//! Benchmark `expectedresults-*.csv` ([`read_expected`]), or Juliet's
//! `OMITBAD`/`OMITGOOD` regions ([`juliet_cases`]). Findings come from a
//! secguard JSON report or any SARIF log ([`read_findings`]). [`score`] turns
//! both into true/false positive rates and the Youden index per category and
//! as the unweighted category mean, and [`scorecards_table`] puts several
//! analyzers side by side.

use crate::EvalError;
use secguard_core::{Cwe, Finding};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One ground-truth test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    /// Unique within its expected-results file (`BenchmarkTest00001`,
    /// `testcases/CWE121_.../x.c:bad`).
    pub id: String,
    /// The file, relative to the root the analyzers scanned.
    pub file: PathBuf,
    /// What the scorecard groups by: OWASP's short names (`sqli`), Juliet's
    /// CWE folder names, or whatever the expected-results file says.
    pub category: String,
    pub cwe: Cwe,
    /// True when the case is vulnerable and a finding is expected.
    pub real: bool,
    /// Inclusive 1-based line range the finding must overlap; `None` means
    /// anywhere in the file.
    pub lines: Option<(u32, u32)>,
}

/// Where OWASP Benchmark keeps its test files and which extension they have:
/// the expected-results file only names the test (`BenchmarkTest00001`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwaspLayout {
    /// Folder of the test files, relative to the scan root.
    pub tests_dir: PathBuf,
    /// Extension of the test files, without the dot.
    pub extension: String,
}

impl OwaspLayout {
    /// BenchmarkJava: `src/main/java/org/owasp/benchmark/testcode/*.java`.
    pub fn java() -> OwaspLayout {
        OwaspLayout {
            tests_dir: PathBuf::from("src/main/java/org/owasp/benchmark/testcode"),
            extension: "java".to_string(),
        }
    }

    /// BenchmarkPython: `testcode/*.py`.
    pub fn python() -> OwaspLayout {
        OwaspLayout {
            tests_dir: PathBuf::from("testcode"),
            extension: "py".to_string(),
        }
    }
}

impl Default for OwaspLayout {
    fn default() -> Self {
        OwaspLayout::java()
    }
}

/// Read expected results, detecting the format:
///
/// * JSON (extension `.json`, or text starting with `[`): an array of objects
///   with `id`, `file`, `category`, `cwe` (`89` or `"CWE-89"`), `real`
///   (`true`/`false`/`1`/`0`) and optionally `start_line`/`end_line` or
///   `lines: [start, end]`.
/// * OWASP Benchmark `expectedresults-*.csv` (first line `# test name,
///   category, real vulnerability, cwe, ...`): each test's file is
///   `BenchmarkTest#####.java` under [`OwaspLayout::java`]'s folder; use
///   [`read_expected_with`] for another layout (BenchmarkPython, or a scan
///   rooted elsewhere).
/// * Otherwise generic CSV: columns test id, file, category, cwe, real,
///   optional start_line, end_line. A header row (one naming a `real`
///   column) is optional; with one, columns may come in any order. Lines
///   starting with `#` are comments.
///
/// An empty category defaults to the CWE (`CWE-89`). A start line without an
/// end line means that one line.
pub fn read_expected(path: &Path) -> Result<Vec<TestCase>, EvalError> {
    read_expected_with(path, &OwaspLayout::default())
}

/// [`read_expected`], with the folder and extension OWASP Benchmark test
/// files are found under (used only for the OWASP format).
pub fn read_expected_with(path: &Path, owasp: &OwaspLayout) -> Result<Vec<TestCase>, EvalError> {
    let text = read_text(path)?;
    let text = text.trim_start_matches('\u{feff}');
    let shown = path.display().to_string();
    let is_json_ext = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let trimmed = text.trim_start();
    if is_json_ext || trimmed.starts_with('[') || trimmed.starts_with('{') {
        return expected_from_json(&shown, text);
    }
    let first_line = trimmed.lines().next().unwrap_or("").trim();
    if first_line.starts_with('#') && first_line.to_ascii_lowercase().contains("test name") {
        return expected_from_owasp(&shown, text, owasp);
    }
    expected_from_csv(&shown, text)
}

fn read_text(path: &Path) -> Result<String, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn malformed(path: &str, at: impl Into<String>, message: impl Into<String>) -> EvalError {
    EvalError::Malformed {
        path: path.to_string(),
        at: at.into(),
        message: message.into(),
    }
}

fn parse_real(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn parse_line_number(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|n| *n >= 1)
}

/// Combine optional start and end lines into a range, checking them.
fn line_range(start: Option<u32>, end: Option<u32>) -> Result<Option<(u32, u32)>, String> {
    match (start, end) {
        (None, None) => Ok(None),
        (Some(s), None) => Ok(Some((s, s))),
        (None, Some(_)) => Err("field `end_line`: given without `start_line`".to_string()),
        (Some(s), Some(e)) if e < s => {
            Err(format!("field `end_line`: {e} is before start_line {s}"))
        }
        (Some(s), Some(e)) => Ok(Some((s, e))),
    }
}

fn default_category(category: &str, cwe: Cwe) -> String {
    let c = category.trim();
    if c.is_empty() {
        cwe.to_string()
    } else {
        c.to_string()
    }
}

/// The generic CSV columns, in their positional order.
const CSV_FIELDS: [&str; 7] = [
    "id",
    "file",
    "category",
    "cwe",
    "real",
    "start_line",
    "end_line",
];

/// Which canonical field a header cell names, if any.
fn header_field(cell: &str) -> Option<usize> {
    let key: String = cell
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let field = match key.as_str() {
        "id" | "testid" | "testname" | "test" | "name" => 0,
        "file" | "path" | "filename" => 1,
        "category" => 2,
        "cwe" => 3,
        "real" | "realvulnerability" | "vulnerable" => 4,
        "startline" | "start" => 5,
        "endline" | "end" => 6,
        _ => return None,
    };
    Some(field)
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes())
}

fn record_line(record: &csv::StringRecord, fallback: usize) -> String {
    let line = record
        .position()
        .map(|p| p.line() as usize)
        .unwrap_or(fallback);
    format!("line {line}")
}

fn csv_error(path: &str, err: &csv::Error) -> EvalError {
    let at = err
        .position()
        .map(|p| format!("line {}", p.line()))
        .unwrap_or_else(|| "record".to_string());
    malformed(path, at, format!("not valid CSV: {err}"))
}

fn expected_from_csv(path: &str, text: &str) -> Result<Vec<TestCase>, EvalError> {
    let mut reader = csv_reader(text);
    // Column index of each canonical field; positional until a header says otherwise.
    let mut columns: [Option<usize>; 7] = [0, 1, 2, 3, 4, 5, 6].map(Some);
    let mut cases = Vec::new();
    let mut first = true;
    for (n, result) in reader.records().enumerate() {
        let record = result.map_err(|e| csv_error(path, &e))?;
        let at = record_line(&record, n + 1);
        if first {
            first = false;
            let named: Vec<Option<usize>> = record.iter().map(header_field).collect();
            if named.contains(&Some(4)) {
                let mut by_header = [None; 7];
                for (col, field) in named.iter().enumerate() {
                    if let Some(f) = field
                        && by_header[*f].is_none()
                    {
                        by_header[*f] = Some(col);
                    }
                }
                for required in 0..5 {
                    if by_header[required].is_none() {
                        return Err(malformed(
                            path,
                            at,
                            format!("header has no `{}` column", CSV_FIELDS[required]),
                        ));
                    }
                }
                columns = by_header;
                continue;
            }
        }
        let get = |field: usize| -> Option<&str> { columns[field].and_then(|c| record.get(c)) };
        let required = |field: usize| -> Result<&str, EvalError> {
            get(field).ok_or_else(|| {
                malformed(
                    path,
                    at.clone(),
                    format!(
                        "missing field `{}` (the row has {} columns)",
                        CSV_FIELDS[field],
                        record.len()
                    ),
                )
            })
        };
        let id = required(0)?;
        if id.is_empty() {
            return Err(malformed(path, at, "field `id`: empty"));
        }
        let file = required(1)?;
        if file.is_empty() {
            return Err(malformed(path, at, "field `file`: empty"));
        }
        let category = required(2)?;
        let cwe_text = required(3)?;
        let cwe = Cwe::parse(cwe_text).ok_or_else(|| {
            malformed(
                path,
                at.clone(),
                format!("field `cwe`: {cwe_text:?} is not a CWE id"),
            )
        })?;
        let real_text = required(4)?;
        let real = parse_real(real_text).ok_or_else(|| {
            malformed(
                path,
                at.clone(),
                format!("field `real`: expected true, false, 1 or 0, found {real_text:?}"),
            )
        })?;
        let mut bounds = [None, None];
        for (slot, field) in bounds.iter_mut().zip([5, 6]) {
            if let Some(cell) = get(field).filter(|c| !c.is_empty()) {
                *slot = Some(parse_line_number(cell).ok_or_else(|| {
                    malformed(
                        path,
                        at.clone(),
                        format!(
                            "field `{}`: expected a line number (1 or more), found {cell:?}",
                            CSV_FIELDS[field]
                        ),
                    )
                })?);
            }
        }
        let lines = line_range(bounds[0], bounds[1]).map_err(|m| malformed(path, at.clone(), m))?;
        cases.push(TestCase {
            id: id.to_string(),
            file: PathBuf::from(file),
            category: default_category(category, cwe),
            cwe,
            real,
            lines,
        });
    }
    Ok(cases)
}

/// OWASP Benchmark rows: `BenchmarkTest00001,pathtraver,true,22`; further
/// columns (some versions add them) are ignored.
fn expected_from_owasp(
    path: &str,
    text: &str,
    layout: &OwaspLayout,
) -> Result<Vec<TestCase>, EvalError> {
    const FIELDS: [&str; 4] = ["test name", "category", "real vulnerability", "cwe"];
    let mut reader = csv_reader(text);
    let mut cases = Vec::new();
    for (n, result) in reader.records().enumerate() {
        let record = result.map_err(|e| csv_error(path, &e))?;
        let at = record_line(&record, n + 1);
        let field = |i: usize| -> Result<&str, EvalError> {
            record.get(i).ok_or_else(|| {
                malformed(
                    path,
                    at.clone(),
                    format!(
                        "missing field `{}` (the row has {} columns)",
                        FIELDS[i],
                        record.len()
                    ),
                )
            })
        };
        let name = field(0)?;
        if name.is_empty() {
            return Err(malformed(path, at, "field `test name`: empty"));
        }
        let category = field(1)?;
        let real_text = field(2)?;
        let real = parse_real(real_text).ok_or_else(|| {
            malformed(
                path,
                at.clone(),
                format!(
                    "field `real vulnerability`: expected true, false, 1 or 0, found {real_text:?}"
                ),
            )
        })?;
        let cwe_text = field(3)?;
        let cwe = Cwe::parse(cwe_text).ok_or_else(|| {
            malformed(
                path,
                at.clone(),
                format!("field `cwe`: {cwe_text:?} is not a CWE id"),
            )
        })?;
        let file_name = if Path::new(name).extension().is_some() || layout.extension.is_empty() {
            name.to_string()
        } else {
            format!("{name}.{}", layout.extension)
        };
        cases.push(TestCase {
            id: name.to_string(),
            file: layout.tests_dir.join(file_name),
            category: default_category(category, cwe),
            cwe,
            real,
            lines: None,
        });
    }
    Ok(cases)
}

fn json_error_at(err: &serde_json::Error) -> String {
    format!("line {}, column {}", err.line(), err.column())
}

fn expected_from_json(path: &str, text: &str) -> Result<Vec<TestCase>, EvalError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| malformed(path, json_error_at(&e), format!("not valid JSON: {e}")))?;
    let items = value.as_array().ok_or_else(|| {
        malformed(
            path,
            "line 1",
            "expected a JSON array of test cases at the top level",
        )
    })?;
    let mut cases = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        cases.push(json_case(path, &format!("record {}", i + 1), item)?);
    }
    Ok(cases)
}

fn json_case(path: &str, at: &str, item: &Value) -> Result<TestCase, EvalError> {
    let err =
        |field: &str, message: &str| malformed(path, at, format!("field `{field}`: {message}"));
    let obj = item
        .as_object()
        .ok_or_else(|| malformed(path, at, "expected an object"))?;
    let text_of = |field: &str| -> Result<Option<String>, EvalError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(err(field, "expected a string")),
        }
    };
    let id = text_of("id")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("id", "missing or empty"))?;
    let file = text_of("file")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("file", "missing or empty"))?;
    let category = text_of("category")?.unwrap_or_default();
    let cwe_text = text_of("cwe")?.ok_or_else(|| err("cwe", "missing"))?;
    let cwe = Cwe::parse(&cwe_text)
        .ok_or_else(|| err("cwe", &format!("{cwe_text:?} is not a CWE id")))?;
    let real = match obj.get("real") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => parse_real(&n.to_string())
            .ok_or_else(|| err("real", &format!("expected true, false, 1 or 0, found {n}")))?,
        Some(Value::String(s)) => parse_real(s).ok_or_else(|| {
            err(
                "real",
                &format!("expected true, false, 1 or 0, found {s:?}"),
            )
        })?,
        None | Some(Value::Null) => return Err(err("real", "missing")),
        Some(other) => {
            return Err(err(
                "real",
                &format!("expected true, false, 1 or 0, found {other}"),
            ));
        }
    };
    let line_of = |field: &str, v: Option<&Value>| -> Result<Option<u32>, EvalError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n >= 1)
                .map(Some)
                .ok_or_else(|| {
                    err(
                        field,
                        &format!("expected a line number (1 or more), found {n}"),
                    )
                }),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => parse_line_number(s).map(Some).ok_or_else(|| {
                err(
                    field,
                    &format!("expected a line number (1 or more), found {s:?}"),
                )
            }),
            Some(other) => Err(err(
                field,
                &format!("expected a line number (1 or more), found {other}"),
            )),
        }
    };
    let (start, end) = match obj.get("lines") {
        Some(Value::Array(pair)) if pair.len() == 2 => (
            line_of("lines", pair.first())?,
            line_of("lines", pair.get(1))?,
        ),
        Some(Value::Null) | None => (
            line_of("start_line", obj.get("start_line"))?,
            line_of("end_line", obj.get("end_line"))?,
        ),
        Some(_) => return Err(err("lines", "expected [start, end] or null")),
    };
    let lines = line_range(start, end).map_err(|m| malformed(path, at, m))?;
    Ok(TestCase {
        id,
        file: PathBuf::from(file),
        category: default_category(&category, cwe),
        cwe,
        real,
        lines,
    })
}

// ---------------------------------------------------------------------------
// Juliet
// ---------------------------------------------------------------------------

/// Test cases from the Juliet C/C++ suite under `root`.
///
/// Every `.c`/`.cpp` file below a CWE folder (`CWE121_Stack_Based_Buffer_Overflow`
/// gives CWE-121, and the folder name is the category; sub-folders such as
/// `s01/` are fine) yields one case per function: real when the function is
/// defined inside an `#ifndef OMITBAD` region, fake inside `#ifndef OMITGOOD`.
/// Functions outside both (shared helpers, `main` under `INCLUDEMAIN`) are
/// not cases. Files under `testcasesupport/`, or not under a CWE folder, are
/// skipped. Ids are `<file>:<function>`, with the file relative to `root`.
///
/// Functions are found with a line scan that fits Juliet's generated style
/// rather than a C parser (which would choke on its macros): a definition is
/// a `{` at column 0 preceded directly by a header line that starts at
/// column 0 and contains `name(` (possibly continued over a few lines up to
/// the `{`); the body ends at the next `}` at column 0. Nested blocks are
/// indented in Juliet, so they never end a body early. A `{` at column 0
/// without parentheses in its header (a namespace, a struct) is not a
/// function and its contents are scanned normally. Each case's lines run
/// from the header's name line to the closing `}`.
pub fn juliet_cases(root: &Path) -> Result<Vec<TestCase>, EvalError> {
    let meta = std::fs::metadata(root).map_err(|source| EvalError::Io {
        path: root.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(EvalError::Invalid(format!(
            "{}: not a directory (expected a Juliet test case folder)",
            root.display()
        )));
    }
    let mut files = Vec::new();
    collect_files(root, Path::new(""), &mut files)?;
    files.sort();
    let mut cases = Vec::new();
    for rel in files {
        let Some((cwe, category)) = juliet_cwe_folder(&rel) else {
            continue;
        };
        let full = root.join(&rel);
        let text = read_text(&full)?;
        let shown = rel.to_string_lossy().replace('\\', "/");
        for func in juliet_functions(&text) {
            let real = match func.region {
                Region::Bad => true,
                Region::Good => false,
                Region::Other => continue,
            };
            cases.push(TestCase {
                id: format!("{shown}:{}", func.name),
                file: rel.clone(),
                category: category.clone(),
                cwe,
                real,
                lines: Some((func.start, func.end)),
            });
        }
    }
    Ok(cases)
}

/// Collect `.c`/`.cpp` files below `dir` (paths relative to the walk's root),
/// skipping `testcasesupport/` and not following symbolic links to folders.
fn collect_files(base: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), EvalError> {
    let dir = base.join(rel);
    let io_err = |path: &Path, source| EvalError::Io {
        path: path.display().to_string(),
        source,
    };
    let entries = std::fs::read_dir(&dir).map_err(|e| io_err(&dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(&dir, e))?;
        let name = entry.file_name();
        let child = rel.join(&name);
        let file_type = entry.file_type().map_err(|e| io_err(&entry.path(), e))?;
        if file_type.is_dir() {
            if name
                .to_string_lossy()
                .eq_ignore_ascii_case("testcasesupport")
            {
                continue;
            }
            collect_files(base, &child, out)?;
        } else if file_type.is_file() || file_type.is_symlink() {
            let is_source = Path::new(&name)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("c") || e.eq_ignore_ascii_case("cpp"));
            if is_source {
                out.push(child);
            }
        }
    }
    Ok(())
}

/// The nearest enclosing folder named `CWE<n>` or `CWE<n>_...`.
fn juliet_cwe_folder(rel: &Path) -> Option<(Cwe, String)> {
    let parent = rel.parent()?;
    parent.components().rev().find_map(|c| {
        let name = c.as_os_str().to_str()?;
        let rest = name.strip_prefix("CWE")?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let after = &rest[digits.len()..];
        if digits.is_empty() || !(after.is_empty() || after.starts_with('_')) {
            return None;
        }
        let n = digits.parse::<u32>().ok().filter(|n| *n > 0)?;
        Some((Cwe(n), name.to_string()))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Bad,
    Good,
    Other,
}

struct JulietFunction {
    name: String,
    region: Region,
    start: u32,
    end: u32,
}

/// The preprocessor directive of a line (`ifndef`, `endif`...) and its
/// argument, if the line is one.
fn directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    Some((&rest[..end], rest[end..].trim()))
}

fn first_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The function name in a definition header: the identifier before the
/// first `(`, with `::` and `~` kept for C++ members.
fn function_name(header: &str) -> Option<String> {
    let paren = header.find('(')?;
    let before = header[..paren].trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '~'))
        .map(|i| i + 1)
        .unwrap_or(0);
    let name = before[start..].trim_start_matches(':');
    let first = name.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_' || first == '~') {
        return None;
    }
    const KEYWORDS: [&str; 6] = ["if", "while", "for", "switch", "return", "sizeof"];
    if KEYWORDS.contains(&name) {
        return None;
    }
    Some(name.to_string())
}

/// How far back a definition header may start before its `{` line.
const MAX_HEADER_LINES: usize = 8;

/// Find the header of a definition whose `{` is at `brace` (0-based): the
/// name line's index and the name.
fn definition_header(lines: &[&str], brace: usize) -> Option<(usize, String)> {
    let lowest = brace.saturating_sub(MAX_HEADER_LINES);
    let mut i = brace;
    let mut saw_close_paren = false;
    while i > lowest {
        i -= 1;
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.ends_with(';') {
            return None;
        }
        if trimmed.ends_with('}') && !trimmed.contains('(') {
            return None;
        }
        saw_close_paren |= trimmed.contains(')');
        if trimmed.contains('(') {
            let at_column_0 = !line.starts_with([' ', '\t']);
            if !at_column_0 || !saw_close_paren || trimmed.contains('=') {
                return None;
            }
            return function_name(line).map(|name| (i, name));
        }
    }
    None
}

/// Scan a Juliet source file for function definitions and the
/// `OMITBAD`/`OMITGOOD` region each starts in.
fn juliet_functions(text: &str) -> Vec<JulietFunction> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    // One entry per open `#if`: which region it opens (`#else` flips it to Other).
    let mut stack: Vec<Region> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((kind, arg)) = directive(line) {
            match kind {
                "ifndef" => stack.push(match first_word(arg) {
                    "OMITBAD" => Region::Bad,
                    "OMITGOOD" => Region::Good,
                    _ => Region::Other,
                }),
                "if" | "ifdef" => stack.push(Region::Other),
                "else" | "elif" => {
                    if let Some(top) = stack.last_mut() {
                        *top = Region::Other;
                    }
                }
                "endif" => {
                    stack.pop();
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        if line.starts_with('{')
            && let Some((name_line, name)) = definition_header(&lines, i)
            && let Some(close) = (i + 1..lines.len()).find(|&j| lines[j].starts_with('}'))
        {
            let region = stack
                .iter()
                .rev()
                .copied()
                .find(|r| *r != Region::Other)
                .unwrap_or(Region::Other);
            out.push(JulietFunction {
                name,
                region,
                start: line_no(name_line),
                end: line_no(close),
            });
            // Directives inside a body (main's `#ifndef OMITGOOD`) are
            // balanced within it and do not change the regions outside.
            i = close + 1;
            continue;
        }
        i += 1;
    }
    out
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------

/// Findings from a secguard JSON report (`secguard scan --format json`, or a
/// bare array of findings) or a SARIF 2.1.0 log from any tool, detected by
/// content: an object with `runs` is SARIF. Suppressed findings are dropped:
/// a suppression says the finding does not count.
pub fn read_findings(path: &Path) -> Result<Vec<Finding>, EvalError> {
    let text = read_text(path)?;
    let shown = path.display().to_string();
    let text = text.trim_start_matches('\u{feff}');
    let value: Value = serde_json::from_str(text)
        .map_err(|e| malformed(&shown, json_error_at(&e), format!("not valid JSON: {e}")))?;
    let findings = match &value {
        Value::Object(map) if map.contains_key("runs") => {
            let import = secguard_core::sarif::from_sarif(text).map_err(|e| {
                malformed(
                    &shown,
                    e.path().unwrap_or("$").to_string(),
                    format!("not a readable SARIF log: {e}"),
                )
            })?;
            import.findings
        }
        Value::Object(map) => match map.get("findings") {
            Some(Value::Array(items)) => report_findings(&shown, "findings", items)?,
            Some(_) => {
                return Err(malformed(
                    &shown,
                    "findings",
                    "expected an array of findings",
                ));
            }
            None => {
                return Err(malformed(
                    &shown,
                    "$",
                    "neither a secguard JSON report (no `findings`) nor SARIF (no `runs`)",
                ));
            }
        },
        Value::Array(items) => report_findings(&shown, "$", items)?,
        _ => {
            return Err(malformed(
                &shown,
                "$",
                "expected a secguard JSON report or a SARIF log (a JSON object)",
            ));
        }
    };
    Ok(findings
        .into_iter()
        .filter(|f| !f.is_suppressed())
        .collect())
}

/// Deserialize findings one by one, so that an error names the finding.
fn report_findings(path: &str, base: &str, items: &[Value]) -> Result<Vec<Finding>, EvalError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Finding::deserialize(item)
                .map_err(|e| malformed(path, format!("{base}[{i}]"), format!("not a finding: {e}")))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------

/// How a finding's CWE must relate to a case's CWE to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CweMatch {
    /// The same CWE id.
    Exact,
    /// The same id, or one the `related` function of [`score`] accepts
    /// (a parent or child in the CWE hierarchy, typically): analyzers often
    /// report CWE-787 for a Juliet CWE-121 case.
    Family,
}

/// One category's confusion counts and rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category: String,
    /// The CWE of the category's first case.
    pub cwe: Cwe,
    pub tp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub fp: usize,
    pub tn: usize,
    /// TP / (TP + FN); `None` without real cases.
    pub tpr: Option<f64>,
    /// FP / (FP + TN); `None` without fake cases.
    pub fpr: Option<f64>,
    /// TPR − FPR, OWASP's score; `None` when either is undefined.
    pub youden: Option<f64>,
}

/// One analyzer's scores over a set of test cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The analyzer (column) name.
    pub analyzer: String,
    /// Sorted by category name.
    pub categories: Vec<CategoryScore>,
    /// Unweighted means over the categories where the rate is defined, so
    /// that a large category does not drown the others (OWASP's choice).
    pub mean_tpr: Option<f64>,
    pub mean_fpr: Option<f64>,
    pub mean_youden: Option<f64>,
    /// Number of test cases scored.
    pub cases: usize,
}

/// Normalize a path for comparison: forward slashes, no `.` segments or
/// repeated separators (`./a//b/./c.py` and `a\b\c.py` both give `a/b/c.py`).
fn normalize_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let absolute = text.starts_with('/');
    let parts: Vec<&str> = text
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Score `findings` against `cases`.
///
/// A case is flagged when some finding is in its file (paths compared after
/// normalizing `./` and separators; the findings must be relative to the
/// same root as the cases), overlaps its lines when it has lines, and
/// carries a CWE that equals the case's, or with [`CweMatch::Family`] one
/// for which `related(case_cwe, finding_cwe)` is true. Findings without a
/// CWE never match. Real and flagged is a TP, real and not flagged a FN,
/// fake and flagged a FP, fake and not flagged a TN. All findings given
/// count; `analyzer` only names the scorecard.
pub fn score(
    analyzer: &str,
    cases: &[TestCase],
    findings: &[Finding],
    matching: CweMatch,
    related: &dyn Fn(Cwe, Cwe) -> bool,
) -> Scorecard {
    let mut by_file: HashMap<String, Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_file
            .entry(normalize_path(&f.location.path))
            .or_default()
            .push(f);
    }
    let cwe_matches = |case_cwe: Cwe, finding: &Finding| {
        finding
            .cwe
            .iter()
            .any(|&c| c == case_cwe || (matching == CweMatch::Family && related(case_cwe, c)))
    };
    let mut categories: BTreeMap<&str, CategoryScore> = BTreeMap::new();
    for case in cases {
        let flagged = by_file
            .get(&normalize_path(&case.file))
            .is_some_and(|candidates| {
                candidates.iter().any(|f| {
                    let overlaps = case.lines.is_none_or(|(start, end)| {
                        let f_start = f.location.start_line;
                        let f_end = f.location.end_line.max(f_start);
                        f_start <= end && start <= f_end
                    });
                    overlaps && cwe_matches(case.cwe, f)
                })
            });
        let entry = categories
            .entry(case.category.as_str())
            .or_insert_with(|| CategoryScore {
                category: case.category.clone(),
                cwe: case.cwe,
                tp: 0,
                fn_: 0,
                fp: 0,
                tn: 0,
                tpr: None,
                fpr: None,
                youden: None,
            });
        match (case.real, flagged) {
            (true, true) => entry.tp += 1,
            (true, false) => entry.fn_ += 1,
            (false, true) => entry.fp += 1,
            (false, false) => entry.tn += 1,
        }
    }
    let categories: Vec<CategoryScore> = categories
        .into_values()
        .map(|mut c| {
            c.tpr = ratio(c.tp, c.tp + c.fn_);
            c.fpr = ratio(c.fp, c.fp + c.tn);
            c.youden = c.tpr.zip(c.fpr).map(|(t, f)| t - f);
            c
        })
        .collect();
    Scorecard {
        analyzer: analyzer.to_string(),
        mean_tpr: mean(categories.iter().map(|c| c.tpr)),
        mean_fpr: mean(categories.iter().map(|c| c.fpr)),
        mean_youden: mean(categories.iter().map(|c| c.youden)),
        categories,
        cases: cases.len(),
    }
}

fn percent(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "n/a".to_string(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Several scorecards side by side as one Markdown table: a row per
/// category (the union over the cards, sorted) and a final mean row; per
/// analyzer, TPR, FPR and Youden columns as percentages (`n/a` where a rate
/// is undefined or the analyzer was not scored on the category).
pub fn scorecards_table(cards: &[Scorecard]) -> String {
    let mut rows: BTreeMap<&str, Cwe> = BTreeMap::new();
    for card in cards {
        for c in &card.categories {
            rows.entry(c.category.as_str()).or_insert(c.cwe);
        }
    }
    let mut out = String::from("| Category | CWE |");
    let mut rule = String::from("| --- | --- |");
    for card in cards {
        let name = cell(&card.analyzer);
        out.push_str(&format!(" {name} TPR | {name} FPR | {name} Youden |"));
        rule.push_str(" ---: | ---: | ---: |");
    }
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    for (category, cwe) in &rows {
        out.push_str(&format!("| {} | {cwe} |", cell(category)));
        for card in cards {
            let score = card.categories.iter().find(|c| c.category == *category);
            let (t, f, y) = score.map_or((None, None, None), |c| (c.tpr, c.fpr, c.youden));
            out.push_str(&format!(
                " {} | {} | {} |",
                percent(t),
                percent(f),
                percent(y)
            ));
        }
        out.push('\n');
    }
    out.push_str("| **Mean** | |");
    for card in cards {
        out.push_str(&format!(
            " {} | {} | {} |",
            percent(card.mean_tpr),
            percent(card.mean_fpr),
            percent(card.mean_youden)
        ));
    }
    out.push('\n');
    out
}
