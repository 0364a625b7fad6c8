//! The Semgrep adapter: runs `semgrep scan --json` with rule files or folders
//! from the configuration and turns its report into findings.
//!
//! secguard never ships or fetches Semgrep's registry rules (their licence
//! forbids redistribution); it runs only the configs it is given. A small
//! rule set of our own lives in the crate's `semgrep-rules` folder for tests
//! and as a default, see [`bundled_rules_dir`].
//!
//! Semgrep runs with `--metrics=off --disable-version-check` and the matching
//! environment variables: without them it waits about 96 s for the network
//! when offline.

use crate::bandit::{
    absolute_root, char_column, line_start_offset, line_text, lines_span, normalize_ws,
    parse_version, read_sources, relativize,
};
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

const TOOL: &str = "semgrep";

/// How to install Semgrep, shown when it cannot be found.
pub const INSTALL_HINT: &str =
    "run scripts/setup (installs semgrep into .venv) or `pip install semgrep`";

/// Files per Semgrep invocation, to stay far below the argv length limit.
/// Environment that keeps Semgrep off the network.
const ENV: [(&str, &str); 2] = [
    ("SEMGREP_ENABLE_VERSION_CHECK", "0"),
    ("SEMGREP_SEND_METRICS", "off"),
];

/// The rule set shipped in this crate's source tree (`semgrep-rules/`).
///
/// The path is fixed at compile time, so it exists only where the source
/// tree does (tests, `cargo run` in a checkout). An installed binary should
/// be configured with explicit rule paths instead.
pub fn bundled_rules_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/semgrep-rules"))
}

/// The Semgrep adapter.
#[derive(Debug, Clone, Default)]
pub struct Semgrep {
    /// A configured path to the `semgrep` executable; `None` searches
    /// `.venv/bin` and `PATH`.
    pub program: Option<PathBuf>,
    /// Rule files or folders, each passed as `--config`.
    pub configs: Vec<PathBuf>,
}

impl Semgrep {
    /// An adapter running the given rule files or folders.
    pub fn with_configs(configs: Vec<PathBuf>) -> Semgrep {
        Semgrep {
            program: None,
            configs,
        }
    }

    /// Use this `semgrep` executable instead of searching for one.
    pub fn with_program(mut self, program: Option<PathBuf>) -> Semgrep {
        self.program = program;
        self
    }

    fn program(&self) -> Result<PathBuf, AnalyzerError> {
        find_tool(TOOL, "semgrep", self.program.as_deref(), INSTALL_HINT)
    }

    /// Absolute config paths and the rule-id prefixes Semgrep derives from
    /// them (the folder path, dotted: `/a/b/rules/x.yaml` → `a.b.rules.`).
    fn resolved_configs(&self) -> Result<(Vec<PathBuf>, Vec<String>), AnalyzerError> {
        if self.configs.is_empty() {
            return Err(AnalyzerError::Config {
                tool: TOOL.to_string(),
                message: "no rule files or folders configured".to_string(),
            });
        }
        let mut paths = Vec::new();
        let mut prefixes = Vec::new();
        for c in &self.configs {
            if !c.exists() {
                return Err(AnalyzerError::Config {
                    tool: TOOL.to_string(),
                    message: format!("rule path {} does not exist", c.display()),
                });
            }
            let abs = absolute_root(c);
            let dir = if abs.is_dir() {
                abs.clone()
            } else {
                abs.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            let dotted = dir
                .to_string_lossy()
                .trim_start_matches('/')
                .replace(['/', '\\'], ".");
            if !dotted.is_empty() {
                prefixes.push(format!("{dotted}."));
            }
            paths.push(abs);
        }
        // Longest first, so the most specific prefix is stripped.
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        Ok((paths, prefixes))
    }
}

impl Analyzer for Semgrep {
    fn name(&self) -> &str {
        TOOL
    }

    fn languages(&self) -> &[Language] {
        &Language::ALL
    }

    fn version(&self) -> Result<String, AnalyzerError> {
        let program = self.program()?;
        let scratch = scratch_dir(TOOL)?;
        let run = run_tool(
            TOOL,
            &program,
            &["--version".into(), "--disable-version-check".into()],
            scratch.path(),
            &ENV,
            Duration::from_secs(120),
        )?;
        let text = String::from_utf8_lossy(&run.stdout);
        parse_version(&text).ok_or_else(|| AnalyzerError::MalformedOutput {
            tool: TOOL.to_string(),
            message: format!(
                "no version number in `semgrep --version` output: {}",
                text.trim()
            ),
        })
    }

    fn cost_per_file(&self) -> f64 {
        // measured: 9.3 s for the 638 Juliet-sample files on 2 cores
        0.01
    }

    fn startup_cost(&self) -> f64 {
        // The version probe and Python's start: about 3 s on the examples.
        3.0
    }

    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        let files = input.files_in(self.languages());
        if files.is_empty() {
            return Ok(AnalyzerOutput::default());
        }
        let program = self.program()?;
        let (configs, prefixes) = self.resolved_configs()?;
        let root = absolute_root(&input.root);
        let sources = read_sources(&root, &files);
        let scratch = scratch_dir(TOOL)?;
        // Semgrep treats every file named on its command line as a project
        // of its own and pays seconds each (12.9 s for the 42 example files,
        // 2.6 s for their folder), so it scans one folder: a mirror of the
        // selected files, hard-linked where possible, with an empty
        // .semgrepignore so its default ignores (tests/, build/...) do not
        // drop files secguard selected.
        let mirror = scratch.path().join("tree");
        let renames = mirror_files(&root, &files, &mirror)?;
        let mut out = AnalyzerOutput::default();
        {
            let mut args: Vec<OsString> = [
                "scan",
                "--json",
                "--metrics=off",
                "--disable-version-check",
                "--quiet",
            ]
            .iter()
            .map(OsString::from)
            .collect();
            for c in &configs {
                args.push("--config".into());
                args.push(c.clone().into_os_string());
            }
            args.push(".".into());
            let run = run_tool(TOOL, &program, &args, &mirror, &ENV, input.timeout)?;
            let text = String::from_utf8_lossy(&run.stdout);
            let parsed = parse_semgrep_impl(&text, &mirror, &renames, &prefixes, &sources);
            let part = match (run.status, parsed) {
                (Some(0 | 1), Ok(parsed)) => parsed.output,
                (Some(0 | 1), Err(message)) => {
                    return Err(AnalyzerError::MalformedOutput {
                        tool: TOOL.to_string(),
                        message,
                    });
                }
                (Some(code), Ok(parsed)) => {
                    // A fatal run (bad rules, bad config) reports errors and
                    // produces no results. Exit 4 (invalid pattern), 5 (bad
                    // YAML) and 7 (invalid config) are configuration errors.
                    if parsed.output.findings.is_empty() && !parsed.fatal.is_empty() {
                        let message = format!("exit {code}: {}", parsed.fatal.join("; "));
                        return Err(if matches!(code, 4 | 5 | 7) {
                            AnalyzerError::Config {
                                tool: TOOL.to_string(),
                                message,
                            }
                        } else {
                            AnalyzerError::Crashed {
                                tool: TOOL.to_string(),
                                status: code.to_string(),
                                stderr: message,
                            }
                        });
                    }
                    parsed.output
                }
                (status, Err(_)) => {
                    return Err(AnalyzerError::Crashed {
                        tool: TOOL.to_string(),
                        status: status.map_or_else(|| "a signal".to_string(), |c| c.to_string()),
                        stderr: run.stderr_tail(),
                    });
                }
                (None, Ok(parsed)) => parsed.output,
            };
            out.findings.extend(part.findings);
            out.notes.extend(part.notes);
        }
        Ok(out)
    }
}

/// Lay out `files` (relative to `root`) under `mirror`: hard links where
/// the file system allows, copies otherwise. Symbolic links are resolved
/// first, since Semgrep skips them. A path that leaves `root` (`../x.py`)
/// is staged under a safe name (`__up__/x.py`), never outside `mirror`;
/// the returned map takes each staged path back to the file's own.
fn mirror_files(
    root: &Path,
    files: &[&Path],
    mirror: &Path,
) -> Result<HashMap<PathBuf, PathBuf>, AnalyzerError> {
    let io = |what: &Path, e: std::io::Error| AnalyzerError::Io {
        tool: TOOL.to_string(),
        message: format!("cannot stage {} for semgrep: {e}", what.display()),
    };
    std::fs::create_dir_all(mirror).map_err(|e| io(mirror, e))?;
    std::fs::write(
        mirror.join(".semgrepignore"),
        "# every file here was selected by secguard\n",
    )
    .map_err(|e| io(mirror, e))?;
    let mut renames = HashMap::new();
    for f in files {
        let src = root.join(f);
        let src = std::fs::canonicalize(&src).unwrap_or(src);
        let staged: PathBuf = f
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some("__up__".into()),
                Component::RootDir | Component::Prefix(_) => Some("__root__".into()),
                Component::CurDir => None,
            })
            .collect();
        let dst = mirror.join(&staged);
        renames.insert(staged, f.to_path_buf());
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(|e| io(&src, e))?;
        }
    }
    Ok(renames)
}

/// Parse Semgrep's JSON report (`semgrep scan --json`). Paths under `root`
/// are made relative to it. Rule ids are kept as Semgrep reports them
/// (prefixed `semgrep/`); the adapter itself also strips the folder prefix
/// Semgrep adds to local rule ids. Never panics; malformed input gives an
/// error message.
pub fn parse_semgrep_json(text: &str, root: &Path) -> Result<AnalyzerOutput, String> {
    parse_semgrep_impl(text, root, &HashMap::new(), &[], &HashMap::new()).map(|p| p.output)
}

struct Parsed {
    output: AnalyzerOutput,
    /// Messages of errors at level `error` (bad rules, bad config, or a
    /// file Semgrep gave up on); fatal when there are no results.
    fatal: Vec<String>,
}

fn parse_semgrep_impl(
    text: &str,
    root: &Path,
    renames: &HashMap<PathBuf, PathBuf>,
    prefixes: &[String],
    sources: &HashMap<PathBuf, String>,
) -> Result<Parsed, String> {
    let value: Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("semgrep JSON does not parse: {e}"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "semgrep JSON is not an object".to_string())?;
    let mut output = AnalyzerOutput::default();
    let mut fatal = Vec::new();
    let mut occurrences: HashMap<(String, String, String), u32> = HashMap::new();
    if let Some(results) = obj.get("results") {
        let results = results
            .as_array()
            .ok_or_else(|| "semgrep JSON `results` is not a list".to_string())?;
        for r in results {
            if let Some(f) = semgrep_finding(r, root, renames, prefixes, sources, &mut occurrences)
            {
                output.findings.push(f);
            }
        }
    }
    if let Some(errors) = obj.get("errors").and_then(Value::as_array) {
        for e in errors {
            let message = ["message", "long_msg", "short_msg"]
                .iter()
                .find_map(|k| e.get(*k).and_then(Value::as_str))
                .unwrap_or("semgrep reported an error")
                .trim()
                .to_string();
            let type_text = match e.get("type") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            };
            let span = e
                .get("spans")
                .and_then(Value::as_array)
                .and_then(|s| s.first());
            let path = e
                .get("path")
                .and_then(Value::as_str)
                .or_else(|| span.and_then(|s| s.get("file")).and_then(Value::as_str));
            let line = span
                .and_then(|s| s.get("start"))
                .and_then(|s| s.get("line"))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok());
            let level = e.get("level").and_then(Value::as_str).unwrap_or("error");
            if level.eq_ignore_ascii_case("error") {
                fatal.push(message.clone());
            }
            let Some(path) = path else {
                output.notes.push(Note {
                    path: PathBuf::new(),
                    kind: NoteKind::Unreadable,
                    line: None,
                    message: format!("semgrep: {type_text}: {message}"),
                });
                continue;
            };
            let lower = type_text.to_ascii_lowercase();
            let kind = if lower.contains("syntax")
                || lower.contains("pars")
                || lower.contains("lexical")
            {
                NoteKind::ParseError
            } else {
                NoteKind::Unreadable
            };
            let staged = relativize(path, root);
            let mut message = format!("semgrep: {type_text}: {message}");
            let path = match renames.get(&staged) {
                Some(original) => {
                    // Semgrep names the staged copy in its message too.
                    message = message.replace(
                        &staged.to_string_lossy().into_owned(),
                        &original.to_string_lossy(),
                    );
                    original.clone()
                }
                None => staged,
            };
            output.notes.push(Note {
                path,
                kind,
                line,
                message,
            });
        }
    }
    Ok(Parsed { output, fatal })
}

fn semgrep_finding(
    r: &Value,
    root: &Path,
    renames: &HashMap<PathBuf, PathBuf>,
    prefixes: &[String],
    sources: &HashMap<PathBuf, String>,
    occurrences: &mut HashMap<(String, String, String), u32>,
) -> Option<Finding> {
    let check_id = r.get("check_id").and_then(Value::as_str)?;
    let short = prefixes
        .iter()
        .find_map(|p| check_id.strip_prefix(p.as_str()))
        .filter(|s| !s.is_empty())
        .unwrap_or(check_id);
    let rule_id = format!("{TOOL}/{short}");
    let path = relativize(r.get("path").and_then(Value::as_str)?, root);
    let path = renames.get(&path).cloned().unwrap_or(path);
    let path_str = path.to_string_lossy().replace('\\', "/");
    let pos = |key: &str, field: &str| {
        r.get(key)
            .and_then(|p| p.get(field))
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let start_line = pos("start", "line").unwrap_or(1).max(1);
    let end_line = pos("end", "line").unwrap_or(start_line).max(start_line);
    let start_col = pos("start", "col").unwrap_or(1).max(1);
    let end_col = pos("end", "col").unwrap_or(start_col).max(1);
    let extra = r.get("extra");
    let message = extra
        .and_then(|x| x.get("message"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    let severity = extra
        .and_then(|x| x.get("severity"))
        .and_then(Value::as_str)
        .map_or(Severity::Medium, |s| {
            match s.to_ascii_uppercase().as_str() {
                "ERROR" => Severity::High,
                "WARNING" => Severity::Medium,
                "INFO" | "INVENTORY" | "EXPERIMENT" => Severity::Low,
                other => Severity::from_name(other).unwrap_or(Severity::Medium),
            }
        });
    let metadata = extra.and_then(|x| x.get("metadata"));
    let confidence = metadata
        .and_then(|m| m.get("confidence"))
        .and_then(Value::as_str)
        .and_then(Confidence::from_name)
        .unwrap_or(Confidence::Medium);
    let mut cwe: Vec<Cwe> = match metadata.and_then(|m| m.get("cwe")) {
        Some(Value::String(s)) => Cwe::parse(s).into_iter().collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Cwe::parse(s),
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .map(Cwe),
                _ => None,
            })
            .collect(),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Cwe)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    cwe.sort();
    cwe.dedup();
    // Semgrep OSS no longer reports `extra.lines` without a login, so the
    // matched text and snippet come from the source when it is at hand.
    let reported_lines = extra
        .and_then(|x| x.get("lines"))
        .and_then(Value::as_str)
        .filter(|l| *l != "requires login")
        .map(str::to_string);
    let (start_column, end_column, snippet, matched) = match sources.get(&path) {
        Some(src) => {
            let offset = |key: &str| {
                r.get(key)
                    .and_then(|p| p.get("offset"))
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
            };
            let snippet = lines_span(src, start_line, end_line);
            let matched = match (offset("start"), offset("end")) {
                (Some(s), Some(e)) => src.get(s..e).map(str::to_string),
                _ => None,
            }
            .unwrap_or_else(|| snippet.clone());
            let col = |line: u32, offset: Option<usize>, fallback: u32| match (
                line_text(src, line),
                line_start_offset(src, line),
                offset,
            ) {
                (Some(text), Some(ls), Some(off)) if off >= ls => char_column(text, off - ls),
                _ => fallback,
            };
            (
                col(start_line, offset("start"), start_col),
                col(end_line, offset("end"), end_col),
                snippet,
                matched,
            )
        }
        None => {
            let snippet = reported_lines.unwrap_or_default();
            (start_col, end_col, snippet.clone(), snippet)
        }
    };
    let end_column = if end_line == start_line {
        end_column.max(start_column)
    } else {
        end_column
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
        title: short.to_string(),
        rule_id,
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
