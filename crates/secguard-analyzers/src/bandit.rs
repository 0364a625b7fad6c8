//! The Bandit adapter: runs `bandit -f json` on Python files and turns its
//! report into findings.
//!
//! Bandit runs in a private scratch directory (so it reads no project
//! configuration by accident) and is given absolute file paths; the paths in
//! its report are made relative to `input.root` again.

use crate::tool::{find_tool, run_tool, scratch_dir};
use crate::{Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput};
use secguard_core::{
    Confidence, Cwe, Finding, Fingerprint, Language, Location, Note, NoteKind, Severity,
};
use serde_json::Value;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

const TOOL: &str = "bandit";

/// How to install Bandit, shown when it cannot be found.
pub const INSTALL_HINT: &str =
    "run scripts/setup (installs bandit into .venv) or `pip install bandit`";

/// Files per Bandit invocation, to stay far below the argv length limit.
const CHUNK: usize = 400;

/// The Bandit adapter.
#[derive(Debug, Clone, Default)]
pub struct Bandit {
    /// A configured path to the `bandit` executable; `None` searches
    /// `.venv/bin` and `PATH`.
    pub program: Option<PathBuf>,
}

impl Bandit {
    pub fn new(program: Option<PathBuf>) -> Bandit {
        Bandit { program }
    }

    fn program(&self) -> Result<PathBuf, AnalyzerError> {
        find_tool(TOOL, "bandit", self.program.as_deref(), INSTALL_HINT)
    }
}

impl Analyzer for Bandit {
    fn name(&self) -> &str {
        TOOL
    }

    fn languages(&self) -> &[Language] {
        &[Language::Python]
    }

    fn version(&self) -> Result<String, AnalyzerError> {
        let program = self.program()?;
        let scratch = scratch_dir(TOOL)?;
        let run = run_tool(
            TOOL,
            &program,
            &["--version".into()],
            scratch.path(),
            &[],
            Duration::from_secs(60),
        )?;
        let text = String::from_utf8_lossy(&run.stdout);
        parse_version(&text).ok_or_else(|| AnalyzerError::MalformedOutput {
            tool: TOOL.to_string(),
            message: format!(
                "no version number in `bandit --version` output: {}",
                text.trim()
            ),
        })
    }

    fn cost_per_file(&self) -> f64 {
        // measured: 115 s for the 1,790 files of the Python stdlib
        0.06
    }

    fn startup_cost(&self) -> f64 {
        0.5
    }

    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        let files = input.files_in(self.languages());
        if files.is_empty() {
            return Ok(AnalyzerOutput::default());
        }
        let program = self.program()?;
        let root = absolute_root(&input.root);
        let sources = read_sources(&root, &files);
        let scratch = scratch_dir(TOOL)?;
        let mut out = AnalyzerOutput::default();
        for chunk in files.chunks(CHUNK) {
            let mut args: Vec<OsString> = vec!["-f".into(), "json".into(), "-q".into()];
            args.extend(chunk.iter().map(|f| root.join(f).into_os_string()));
            let run = run_tool(TOOL, &program, &args, scratch.path(), &[], input.timeout)?;
            let text = String::from_utf8_lossy(&run.stdout);
            let parsed = parse_bandit_impl(&text, &root, &sources);
            let part = match (run.status, parsed) {
                (Some(0 | 1), Ok(part)) => part,
                (Some(0 | 1), Err(message)) => {
                    return Err(AnalyzerError::MalformedOutput {
                        tool: TOOL.to_string(),
                        message,
                    });
                }
                (Some(_), Ok(part)) => part,
                (status, Err(_)) => {
                    return Err(AnalyzerError::Crashed {
                        tool: TOOL.to_string(),
                        status: status.map_or_else(|| "a signal".to_string(), |c| c.to_string()),
                        stderr: run.stderr_tail(),
                    });
                }
                (None, Ok(part)) => part,
            };
            out.findings.extend(part.findings);
            out.notes.extend(part.notes);
        }
        Ok(out)
    }
}

/// Parse Bandit's JSON report (`bandit -f json`). Paths in the report that lie
/// under `root` are made relative to it; relative paths lose a leading `./`.
/// Never panics; malformed input gives an error message.
pub fn parse_bandit_json(text: &str, root: &Path) -> Result<AnalyzerOutput, String> {
    parse_bandit_impl(text, root, &HashMap::new())
}

fn parse_bandit_impl(
    text: &str,
    root: &Path,
    sources: &HashMap<PathBuf, String>,
) -> Result<AnalyzerOutput, String> {
    let value: Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("bandit JSON does not parse: {e}"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "bandit JSON is not an object".to_string())?;
    let mut out = AnalyzerOutput::default();
    let mut occurrences: HashMap<(String, String, String), u32> = HashMap::new();
    if let Some(results) = obj.get("results") {
        let results = results
            .as_array()
            .ok_or_else(|| "bandit JSON `results` is not a list".to_string())?;
        for r in results {
            let Some(finding) = bandit_finding(r, root, sources, &mut occurrences) else {
                continue;
            };
            out.findings.push(finding);
        }
    }
    if let Some(errors) = obj.get("errors").and_then(Value::as_array) {
        for e in errors {
            let path = e
                .get("filename")
                .and_then(Value::as_str)
                .map(|p| relativize(p, root))
                .unwrap_or_default();
            let reason = e
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("bandit reported an error")
                .to_string();
            let kind = if reason.to_ascii_lowercase().contains("syntax") {
                NoteKind::ParseError
            } else {
                NoteKind::Unreadable
            };
            out.notes.push(Note {
                path,
                kind,
                line: None,
                message: format!("bandit: {reason}"),
            });
        }
    }
    Ok(out)
}

fn bandit_finding(
    r: &Value,
    root: &Path,
    sources: &HashMap<PathBuf, String>,
    occurrences: &mut HashMap<(String, String, String), u32>,
) -> Option<Finding> {
    let test_id = r.get("test_id").and_then(Value::as_str)?;
    let filename = r.get("filename").and_then(Value::as_str)?;
    let path = relativize(filename, root);
    let path_str = path.to_string_lossy().replace('\\', "/");
    let rule_id = format!("{TOOL}/{test_id}");
    let message = r
        .get("issue_text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let title = r
        .get("test_name")
        .and_then(Value::as_str)
        .unwrap_or(test_id)
        .replace('_', " ");
    let severity = r
        .get("issue_severity")
        .and_then(Value::as_str)
        .and_then(Severity::from_name)
        .unwrap_or(Severity::Medium);
    let confidence = r
        .get("issue_confidence")
        .and_then(Value::as_str)
        .and_then(Confidence::from_name)
        .unwrap_or(Confidence::Medium);
    let cwe: Vec<Cwe> = match r.get("issue_cwe").and_then(|c| c.get("id")) {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Cwe)
            .into_iter()
            .collect(),
        Some(Value::String(s)) => Cwe::parse(s).into_iter().collect(),
        _ => Vec::new(),
    };
    let start_line = json_u32(r.get("line_number")).unwrap_or(1).max(1);
    let end_line = r
        .get("line_range")
        .and_then(Value::as_array)
        .and_then(|lines| lines.iter().filter_map(|l| json_u32(Some(l))).max())
        .unwrap_or(start_line)
        .max(start_line);
    let col_offset = json_u32(r.get("col_offset")).unwrap_or(0) as usize;
    let end_col_offset = json_u32(r.get("end_col_offset"));
    let source = sources.get(&path);

    // Columns: Bandit reports 0-based UTF-8 byte offsets; convert to 1-based
    // character columns when the source is at hand.
    let (start_column, end_column, snippet, matched) = match source {
        Some(src) => {
            let start_text = line_text(src, start_line).unwrap_or_default();
            let end_text = line_text(src, end_line).unwrap_or_default();
            let sc = char_column(start_text, col_offset);
            let ec = match end_col_offset {
                Some(e) => char_column(end_text, e as usize),
                None => end_text.chars().count() as u32 + 1,
            };
            let snippet = lines_span(src, start_line, end_line);
            let matched = byte_span(
                src,
                start_line,
                col_offset,
                end_line,
                end_col_offset.map(|e| e as usize),
            )
            .unwrap_or_else(|| snippet.clone());
            (sc, ec, snippet, matched)
        }
        None => {
            let snippet = code_lines(r.get("code").and_then(Value::as_str), start_line, end_line);
            let sc = col_offset as u32 + 1;
            let ec = end_col_offset.map_or(sc, |e| e.saturating_add(1));
            (sc, ec, snippet.clone(), snippet)
        }
    };
    let end_column = if end_line == start_line {
        end_column.max(start_column)
    } else {
        end_column.max(1)
    };
    let matched = if matched.trim().is_empty() {
        message.clone()
    } else {
        matched
    };
    let key = (rule_id.clone(), path_str.clone(), normalize_ws(&matched));
    let slot = occurrences.entry(key).or_insert(0);
    let occurrence = *slot;
    *slot += 1;
    let fingerprint = Fingerprint::compute(&rule_id, &path_str, &matched, occurrence);
    Some(Finding {
        rule_id,
        title,
        message,
        cwe,
        severity,
        confidence,
        location: Location {
            path,
            start_line,
            start_column,
            end_line,
            end_column,
        },
        snippet,
        fingerprint,
        analyzer: TOOL.to_string(),
        trace: Vec::new(),
        suppression: None,
        reported_by: Vec::new(),
    })
}

/// The lines `start..=end` of Bandit's `code` field, which prefixes each
/// context line with its number.
fn code_lines(code: Option<&str>, start: u32, end: u32) -> String {
    let Some(code) = code else {
        return String::new();
    };
    let mut picked = Vec::new();
    for line in code.lines() {
        let (num, rest) = match line.split_once(' ') {
            Some((n, rest)) => (n, rest),
            None => (line, ""),
        };
        if let Ok(n) = num.parse::<u32>()
            && (start..=end).contains(&n)
        {
            picked.push(rest);
        }
    }
    picked.join("\n")
}

// ---------------------------------------------------------------------------
// Helpers shared with the Semgrep adapter.

/// The first whitespace-separated token that starts with a digit, without a
/// trailing comma (`bandit 1.9.4` → `1.9.4`).
pub(crate) fn parse_version(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|t| t.starts_with(|c: char| c.is_ascii_digit()))
        .map(|t| t.trim_end_matches([',', ';']).to_string())
}

/// `root` as an absolute, canonical path where possible, so that paths a
/// tool reports can be matched against it.
pub(crate) fn absolute_root(root: &Path) -> PathBuf {
    if let Ok(p) = root.canonicalize() {
        return p;
    }
    if root.is_absolute() {
        return root.to_path_buf();
    }
    std::env::current_dir().map_or_else(|_| root.to_path_buf(), |cwd| cwd.join(root))
}

/// Read the input files (best effort) so positions and matched text can be
/// taken from the source itself. Keyed by the path relative to `root`.
pub(crate) fn read_sources(root: &Path, files: &[&Path]) -> HashMap<PathBuf, String> {
    let mut map = HashMap::new();
    for f in files {
        if let Ok(bytes) = std::fs::read(root.join(f)) {
            map.insert(
                normalize_rel(f),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        }
    }
    map
}

/// A path as reported by a tool, made relative to `root` when it lies under
/// it; `./` components are dropped.
pub(crate) fn relativize(reported: &str, root: &Path) -> PathBuf {
    let p = Path::new(reported);
    if p.is_absolute() {
        if let Ok(rel) = p.strip_prefix(root) {
            return normalize_rel(rel);
        }
        return p.to_path_buf();
    }
    normalize_rel(p)
}

fn normalize_rel(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Line `n` (1-based) of `src`, without its line ending.
pub(crate) fn line_text(src: &str, n: u32) -> Option<&str> {
    let idx = (n as usize).checked_sub(1)?;
    src.split('\n')
        .nth(idx)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Lines `start..=end` (1-based) of `src`.
pub(crate) fn lines_span(src: &str, start: u32, end: u32) -> String {
    (start..=end.max(start))
        .filter_map(|n| line_text(src, n))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The 1-based character column of a 0-based byte offset within `line`.
pub(crate) fn char_column(line: &str, byte_offset: usize) -> u32 {
    let count = line
        .char_indices()
        .take_while(|(i, _)| *i < byte_offset)
        .count();
    u32::try_from(count).unwrap_or(u32::MAX - 1) + 1
}

/// The text between two (line, byte offset in line) positions.
fn byte_span(
    src: &str,
    start_line: u32,
    start_col: usize,
    end_line: u32,
    end_col: Option<usize>,
) -> Option<String> {
    let start = line_start_offset(src, start_line)?.checked_add(start_col)?;
    let end_line_start = line_start_offset(src, end_line)?;
    let end_line_len = line_text(src, end_line)?.len();
    let end = end_line_start + end_col.unwrap_or(end_line_len).min(end_line_len);
    src.get(start..end).map(str::to_string)
}

/// Byte offset where line `n` (1-based) starts.
pub(crate) fn line_start_offset(src: &str, n: u32) -> Option<usize> {
    if n == 0 {
        return None;
    }
    if n == 1 {
        return Some(0);
    }
    src.match_indices('\n')
        .nth(n as usize - 2)
        .map(|(i, _)| i + 1)
}

pub(crate) fn normalize_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn json_u32(v: Option<&Value>) -> Option<u32> {
    v.and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_token() {
        assert_eq!(
            parse_version("bandit 1.9.4\n  python version = 3.11.7").as_deref(),
            Some("1.9.4")
        );
        assert_eq!(parse_version("1.185.0\n").as_deref(), Some("1.185.0"));
        assert_eq!(parse_version("no digits"), None);
    }

    #[test]
    fn relativize_paths() {
        let root = Path::new("/r/proj");
        assert_eq!(relativize("/r/proj/a/b.py", root), PathBuf::from("a/b.py"));
        assert_eq!(relativize("./a/b.py", root), PathBuf::from("a/b.py"));
        assert_eq!(relativize("/else/x.py", root), PathBuf::from("/else/x.py"));
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(char_column("héllo", 0), 1);
        assert_eq!(char_column("héllo", 3), 3);
        assert_eq!(char_column("ab", 99), 3);
        assert_eq!(line_start_offset("a\nbc\nd", 3), Some(5));
        assert_eq!(line_text("a\r\nbc", 1), Some("a"));
    }

    #[test]
    fn code_field_lines() {
        let code = "8 def run(command):\n9     return x\n10 \n";
        assert_eq!(code_lines(Some(code), 9, 9), "    return x");
    }
}
