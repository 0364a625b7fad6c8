//! The flawfinder adapter: runs `flawfinder --csv --dataonly --quiet` and
//! reads its CSV.
//!
//! flawfinder 2.0.19 also writes SARIF, but its SARIF `level` only has three
//! values, while the CSV keeps the 0–5 risk level, the function name (our
//! rule id), the CWE list and the flagged source line, so the CSV is read.
//! Columns are found by header name, so their order may change.
//!
//! Level map: 5 and 4 → high, 3 → medium, 2 and 1 → low, 0 → info.
//! flawfinder matches function names lexically without data flow, so every
//! finding has low confidence.
//!
//! flawfinder normally drops hits marked by a `/* Flawfinder: ignore */`
//! comment (also `ITS4:` and `RATS:`) on the line or alone on the line
//! before. Findings never disappear silently (invariant 4), so it runs with
//! `--neverignore` and such hits carry an in-source suppression instead.
//!
//! flawfinder runs on Python 3 and stops at the first file that is not
//! UTF-8, so such files are left out, each with a note.

use crate::tool::{SourceCache, relative_path};
use crate::tool::{find_tool, run_tool, scratch_dir};
use crate::{Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput};
use secguard_core::{
    Confidence, Cwe, Finding, Fingerprint, Language, Location, Note, NoteKind, Severity,
    Suppression, SuppressionKind,
};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The analyzer name, as given to `--analyzers`.
pub const NAME: &str = "flawfinder";
/// What to do when flawfinder is missing.
pub const INSTALL_HINT: &str = "apt-get install flawfinder (scripts/setup installs it)";

const LANGUAGES: [Language; 2] = [Language::C, Language::Cpp];
const VERSION_TIMEOUT: Duration = Duration::from_secs(30);
/// Files per flawfinder run, to keep argv well below the system limit.
const FILES_PER_RUN: usize = 2000;
/// The environment flawfinder runs with: UTF-8 in and out whatever the locale.
const ENV: [(&str, &str); 2] = [("PYTHONUTF8", "1"), ("PYTHONIOENCODING", "utf-8")];

/// Runs flawfinder found on `PATH` or at a configured path.
#[derive(Debug, Clone)]
pub struct Flawfinder {
    program: Option<PathBuf>,
    min_level: u8,
}

impl Default for Flawfinder {
    fn default() -> Flawfinder {
        Flawfinder {
            program: None,
            min_level: 1,
        }
    }
}

impl Flawfinder {
    /// flawfinder from `PATH`, reporting levels 1 to 5 (its own default).
    pub fn new() -> Flawfinder {
        Flawfinder::default()
    }

    /// Use the flawfinder executable at `program` instead of searching `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Flawfinder {
        self.program = Some(program.into());
        self
    }

    /// Report only hits at this risk level or above (0–5; larger means 5).
    pub fn with_min_level(mut self, level: u8) -> Flawfinder {
        self.min_level = level.min(5);
        self
    }

    fn program(&self) -> Result<PathBuf, AnalyzerError> {
        find_tool(NAME, "flawfinder", self.program.as_deref(), INSTALL_HINT)
    }

    /// The argv (without the program) for a run over `files`.
    pub fn command_args(&self, files: &[&Path]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--csv".into(),
            "--dataonly".into(),
            "--quiet".into(),
            "--neverignore".into(),
            format!("--minlevel={}", self.min_level).into(),
            "--".into(),
        ];
        args.extend(files.iter().map(|f| f.as_os_str().to_os_string()));
        args
    }
}

impl Analyzer for Flawfinder {
    fn name(&self) -> &str {
        NAME
    }

    fn languages(&self) -> &[Language] {
        &LANGUAGES
    }

    fn version(&self) -> Result<String, AnalyzerError> {
        let program = self.program()?;
        let cwd = std::env::temp_dir();
        let run = run_tool(
            NAME,
            &program,
            &["--version".into()],
            &cwd,
            &ENV,
            VERSION_TIMEOUT,
        )?;
        if run.status != Some(0) {
            return Err(crashed(run.status, &run.stdout, run.stderr_tail()));
        }
        let version = String::from_utf8_lossy(&run.stdout).trim().to_string();
        if version.is_empty() {
            return Err(AnalyzerError::MalformedOutput {
                tool: NAME.to_string(),
                message: "`flawfinder --version` printed nothing".to_string(),
            });
        }
        Ok(version)
    }

    fn cost_per_file(&self) -> f64 {
        // measured: 3 s for the 635 Juliet-sample files
        0.005
    }

    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        let mut notes = Vec::new();
        let mut files: Vec<&Path> = Vec::new();
        for rel in input.files_in(&LANGUAGES) {
            match std::fs::read(input.root.join(rel)) {
                Ok(bytes) if std::str::from_utf8(&bytes).is_ok() => files.push(rel),
                Ok(_) => notes.push(Note {
                    path: rel.to_path_buf(),
                    kind: NoteKind::Unreadable,
                    line: None,
                    message: "flawfinder skipped this file: it is not valid UTF-8".to_string(),
                }),
                Err(e) => notes.push(Note {
                    path: rel.to_path_buf(),
                    kind: NoteKind::Unreadable,
                    line: None,
                    message: format!("flawfinder skipped this file: {e}"),
                }),
            }
        }
        let mut out = AnalyzerOutput {
            findings: Vec::new(),
            notes,
        };
        if files.is_empty() {
            return Ok(out);
        }
        let program = self.program()?;
        // flawfinder writes nothing but its report; the scratch directory
        // only keeps stray files out of the project.
        let _scratch = scratch_dir(NAME)?;
        let start = Instant::now();
        for chunk in files.chunks(FILES_PER_RUN) {
            let left = input.timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Err(AnalyzerError::Timeout {
                    tool: NAME.to_string(),
                    seconds: input.timeout.as_secs(),
                });
            }
            let args = self.command_args(chunk);
            let run =
                run_tool(NAME, &program, &args, &input.root, &ENV, left).map_err(|e| match e {
                    AnalyzerError::Timeout { tool, .. } => AnalyzerError::Timeout {
                        tool,
                        seconds: input.timeout.as_secs(),
                    },
                    other => other,
                })?;
            if run.status != Some(0) {
                return Err(crashed(run.status, &run.stdout, run.stderr_tail()));
            }
            let parsed = parse_flawfinder_csv(&String::from_utf8_lossy(&run.stdout), &input.root)
                .map_err(|message| AnalyzerError::MalformedOutput {
                tool: NAME.to_string(),
                message,
            })?;
            out.findings.extend(parsed.findings);
            out.notes.extend(parsed.notes);
        }
        Ok(out)
    }
}

/// flawfinder prints some fatal errors (encoding problems) on stdout, so
/// stdout's tail stands in when stderr is empty.
fn crashed(status: Option<i32>, stdout: &[u8], stderr: String) -> AnalyzerError {
    let stderr = if stderr.is_empty() {
        let text = String::from_utf8_lossy(stdout);
        let text = text.trim();
        let start = text
            .char_indices()
            .rev()
            .nth(400)
            .map(|(i, _)| i)
            .unwrap_or(0);
        text[start..].to_string()
    } else {
        stderr
    };
    AnalyzerError::Crashed {
        tool: NAME.to_string(),
        status: status.map_or_else(|| "a signal".to_string(), |c| format!("status {c}")),
        stderr,
    }
}

/// Parse flawfinder `--csv` output (header line first). Paths become
/// relative to `root`. Missing required columns, unterminated quotes, rows
/// of the wrong width and non-numeric lines or levels are errors.
pub fn parse_flawfinder_csv(text: &str, root: &Path) -> Result<AnalyzerOutput, String> {
    let records = read_csv(text)?;
    let mut rows = records.into_iter();
    let Some((_, header)) = rows.next() else {
        return Err("empty output: no CSV header".to_string());
    };
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let required = |name: &str| column(name).ok_or_else(|| format!("no `{name}` column in header"));
    let c_file = required("File")?;
    let c_line = required("Line")?;
    let c_level = required("Level")?;
    let c_name = required("Name")?;
    let c_column = column("Column");
    let c_category = column("Category");
    let c_warning = column("Warning");
    let c_suggestion = column("Suggestion");
    let c_note = column("Note");
    let c_cwes = column("CWEs");
    let c_context = column("Context");

    let mut out = AnalyzerOutput::default();
    let mut sources = SourceCache::new(root);
    for (line_no, row) in rows {
        if row.len() == 1 && row[0].trim().is_empty() {
            continue;
        }
        if row.len() != header.len() {
            return Err(format!(
                "line {line_no}: {} fields where the header has {}",
                row.len(),
                header.len()
            ));
        }
        let get = |c: Option<usize>| c.and_then(|i| row.get(i)).map_or("", |s| s.as_str());
        let file = get(Some(c_file));
        if file.is_empty() {
            return Err(format!("line {line_no}: empty File"));
        }
        let number = |c: Option<usize>, what: &str| -> Result<u32, String> {
            let raw = get(c).trim();
            raw.parse::<u32>()
                .map_err(|_| format!("line {line_no}: {what} `{raw}` is not a number"))
        };
        let line = number(Some(c_line), "Line")?.max(1);
        let col = if c_column.is_some() {
            number(c_column, "Column")?.max(1)
        } else {
            1
        };
        let level = number(Some(c_level), "Level")?;
        let name = get(Some(c_name)).trim();
        if name.is_empty() {
            return Err(format!("line {line_no}: empty Name"));
        }
        let severity = match level {
            0 => Severity::Info,
            1 | 2 => Severity::Low,
            3 => Severity::Medium,
            _ => Severity::High,
        };
        let warning = get(c_warning).trim();
        let category = get(c_category).trim();
        let title = if warning.is_empty() {
            format!("{category}/{name}")
        } else {
            warning.to_string()
        };
        let message = [warning, get(c_suggestion).trim(), get(c_note).trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let width = u32::try_from(name.chars().count()).unwrap_or(0);
        let path = relative_path(file, root);
        let context = get(c_context);
        let snippet = if context.trim().is_empty() {
            sources.line(&path, line).unwrap_or_default()
        } else {
            context.to_string()
        };
        let ignored = has_directive(&snippet, false)
            || line
                .checked_sub(1)
                .and_then(|prev| sources.line(&path, prev))
                .is_some_and(|prev| has_directive(&prev, true));
        let suppression = ignored.then(|| Suppression {
            kind: SuppressionKind::InSource,
            justification: "flawfinder ignore directive in a comment".to_string(),
            by: None,
        });
        out.findings.push(Finding {
            rule_id: format!("{NAME}/{name}"),
            title,
            message: if message.is_empty() {
                name.to_string()
            } else {
                message
            },
            cwe: parse_cwes(get(c_cwes)),
            severity,
            confidence: Confidence::Low,
            location: Location {
                path,
                start_line: line,
                start_column: col,
                end_line: line,
                end_column: col.saturating_add(width),
            },
            snippet,
            fingerprint: Fingerprint(String::new()),
            analyzer: NAME.to_string(),
            trace: Vec::new(),
            suppression,
            reported_by: Vec::new(),
        });
    }
    assign_fingerprints(&mut out.findings);
    Ok(out)
}

/// Whether `line` holds a flawfinder, ITS4 or RATS directive in a comment
/// (flawfinder treats every directive as "ignore"). With `alone`, the
/// comment must start the line, as flawfinder requires for a directive that
/// covers the next line.
pub fn has_directive(line: &str, alone: bool) -> bool {
    let lower = line.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    // One pass over the line: searching for `/*` and `//` separately from
    // every comment start was quadratic on a line of thousands of `/*`
    // (found by scripts/fuzz).
    let mut from = 0;
    while let Some(offset) = lower[from..].find('/') {
        let i = from + offset;
        if !matches!(bytes.get(i + 1), Some(b'*' | b'/')) {
            from = i + 1;
            continue;
        }
        if alone && !lower[..i].trim().is_empty() {
            return false;
        }
        let after = lower[i + 2..].trim_start();
        if ["flawfinder:", "its4:", "rats:"]
            .iter()
            .any(|d| after.starts_with(d))
        {
            return true;
        }
        from = i + 2;
    }
    false
}

/// Every CWE in flawfinder's notation: `CWE-120, CWE-20`,
/// `CWE-119!/CWE-120`, `CWE-362/CWE-367!`.
pub fn parse_cwes(text: &str) -> Vec<Cwe> {
    let mut cwes: Vec<Cwe> = Vec::new();
    for part in text.split([',', '/', '!', ' ', ';']) {
        if let Some(cwe) = Cwe::parse(part)
            && !cwes.contains(&cwe)
        {
            cwes.push(cwe);
        }
    }
    cwes
}

/// Sort findings by place and give each a fingerprint from its rule, path,
/// flagged source line (its title when the line is unknown) and occurrence.
fn assign_fingerprints(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.location, &a.rule_id, &a.title).cmp(&(&b.location, &b.rule_id, &b.title))
    });
    let mut seen: HashMap<(String, String, String), u32> = HashMap::new();
    for f in findings.iter_mut() {
        let text = if f.snippet.trim().is_empty() {
            f.title.clone()
        } else {
            f.snippet.clone()
        };
        let normalized = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let path = f.location.path_string();
        let occ = seen
            .entry((f.rule_id.clone(), path.clone(), normalized))
            .or_insert(0);
        f.fingerprint = Fingerprint::compute(&f.rule_id, &path, &text, *occ);
        *occ += 1;
    }
}

/// A small RFC 4180 reader: comma-separated fields, double-quoted fields
/// holding commas, newlines and doubled quotes, LF or CRLF line ends.
/// Returns each record with the 1-based line it starts on.
fn read_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    // Whether the current field started with a quote (and was closed).
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    was_quoted = true;
                }
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                in_quotes = true;
                quote_line = line;
            }
            '"' => return Err(format!("line {line}: stray quote inside a field")),
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
                records.push((record_line, std::mem::take(&mut record)));
                line += 1;
                record_line = line;
            }
            _ if was_quoted => {
                return Err(format!("line {line}: text after a closing quote"));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("line {quote_line}: unterminated quoted field"));
    }
    if !field.is_empty() || !record.is_empty() || was_quoted {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reader_handles_quotes_and_newlines() {
        let recs = read_csv("a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"two\nlines\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].0, 2);
        assert_eq!(recs[1].1, vec!["x, y", "he said \"hi\"", "two\nlines"]);
    }

    #[test]
    fn csv_reader_rejects_broken_quotes() {
        assert!(read_csv("a,\"b\n").is_err());
        assert!(read_csv("a,\"b\"c\n").is_err());
        assert!(read_csv("a,b\"c\n").is_err());
    }

    #[test]
    fn directives() {
        assert!(has_directive(
            "  strcpy(d, s); /* Flawfinder: ignore */",
            false
        ));
        assert!(has_directive("  // RATS: ignore", true));
        assert!(has_directive("/*its4:ignore*/", true));
        assert!(!has_directive("  x = 1; /* Flawfinder: ignore */", true));
        assert!(!has_directive("  strcpy(d, s); // copy it", false));
        assert!(!has_directive("flawfinder: ignore", false));
    }

    #[test]
    fn cwe_lists() {
        assert_eq!(parse_cwes("CWE-120, CWE-20"), vec![Cwe(120), Cwe(20)]);
        assert_eq!(parse_cwes("CWE-119!/CWE-120"), vec![Cwe(119), Cwe(120)]);
        assert_eq!(parse_cwes("CWE-362/CWE-367!"), vec![Cwe(362), Cwe(367)]);
        assert!(parse_cwes("").is_empty());
    }
}
