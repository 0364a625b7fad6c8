//! The cppcheck adapter: runs `cppcheck --xml --xml-version=2` and reads its
//! XML report.
//!
//! Checks enabled: `--enable=warning,portability` on top of the always-on
//! `error` checks. `style` and `performance` are left out: on the Juliet
//! sample they add about 1,650 code-quality items (knownConditionTrueFalse,
//! variableScope, shadowVariable, ...) to about 180 real ones, in good and
//! bad functions alike, which would make every sample "insecure" under the
//! `any` verdict policy. `--enable=all` would also add `information`
//! (missingInclude, checkersReport: configuration chatter) and
//! `unusedFunction` (whole-program, noisy on single samples). cppcheck adds
//! up repeated `--enable` flags, so extra arguments can widen the set
//! (`--enable=style`), and pass `--std=c11`, `-I dir` and the like.
//!
//! Severity map: `error` → high, `warning` → medium, `style`, `performance`
//! and `portability` → low. `information` and `debug` items are skipped.
//! Items cppcheck raises when it cannot parse the code (`syntaxError`,
//! `internalAstError`, ...) become parse-error notes, not findings.

use crate::tool::{SourceCache, relative_path};
use crate::tool::{find_tool, run_tool, scratch_dir};
use crate::{Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput};
use secguard_core::{
    Confidence, Cwe, Finding, Fingerprint, Language, Location, Note, NoteKind, Severity, TraceStep,
};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The analyzer name, as given to `--analyzers`.
pub const NAME: &str = "cppcheck";
/// What to do when cppcheck is missing.
pub const INSTALL_HINT: &str = "apt-get install cppcheck (scripts/setup installs it)";
/// The checks enabled besides the always-on `error` ones.
pub const ENABLE: &str = "--enable=warning,portability";

const LANGUAGES: [Language; 2] = [Language::C, Language::Cpp];
const VERSION_TIMEOUT: Duration = Duration::from_secs(30);

/// Error ids cppcheck reports when it could not parse or process the code.
const PARSE_PROBLEM_IDS: [&str; 8] = [
    "syntaxError",
    "internalAstError",
    "unknownMacro",
    "preprocessorErrorDirective",
    "internalError",
    "cppcheckError",
    "instantiationError",
    "templateRecursion",
];

/// Runs cppcheck found on `PATH` or at a configured path.
#[derive(Debug, Clone, Default)]
pub struct Cppcheck {
    program: Option<PathBuf>,
    extra_args: Vec<String>,
}

impl Cppcheck {
    /// cppcheck from `PATH`, with the default checks.
    pub fn new() -> Cppcheck {
        Cppcheck::default()
    }

    /// Use the cppcheck executable at `program` instead of searching `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Cppcheck {
        self.program = Some(program.into());
        self
    }

    /// Extra arguments placed before the file list (`--std=c11`, `-I inc`).
    pub fn with_extra_args(
        mut self,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Cppcheck {
        self.extra_args = args.into_iter().map(Into::into).collect();
        self
    }

    fn program(&self) -> Result<PathBuf, AnalyzerError> {
        find_tool(NAME, "cppcheck", self.program.as_deref(), INSTALL_HINT)
    }

    /// The argv (without the program) for a run writing its report to
    /// `report` and reading the files to check from `file_list`.
    pub fn command_args(&self, report: &Path, file_list: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--xml".into(),
            "--xml-version=2".into(),
            ENABLE.into(),
            "--quiet".into(),
        ];
        let mut out = OsString::from("--output-file=");
        out.push(report.as_os_str());
        args.push(out);
        args.extend(self.extra_args.iter().map(OsString::from));
        let mut list = OsString::from("--file-list=");
        list.push(file_list.as_os_str());
        args.push(list);
        args
    }
}

impl Analyzer for Cppcheck {
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
            &[],
            VERSION_TIMEOUT,
        )?;
        if run.status != Some(0) {
            return Err(crashed(run.status, run.stderr_tail()));
        }
        let text = String::from_utf8_lossy(&run.stdout);
        let text = text.trim();
        let version = text.strip_prefix("Cppcheck").unwrap_or(text).trim();
        if version.is_empty() {
            return Err(AnalyzerError::MalformedOutput {
                tool: NAME.to_string(),
                message: "`cppcheck --version` printed nothing".to_string(),
            });
        }
        Ok(version.to_string())
    }

    fn cost_per_file(&self) -> f64 {
        // measured: 10.3 s for the 638 Juliet-sample files
        0.016
    }

    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        // cppcheck skips missing files silently, or fails when none exist.
        let mut notes = Vec::new();
        let mut files = Vec::new();
        for rel in input.files_in(&LANGUAGES) {
            if input.root.join(rel).is_file() {
                files.push(rel);
            } else {
                notes.push(Note {
                    path: rel.to_path_buf(),
                    kind: NoteKind::Unreadable,
                    line: None,
                    message: "cppcheck skipped this file: it does not exist".to_string(),
                });
            }
        }
        if files.is_empty() {
            return Ok(AnalyzerOutput {
                findings: Vec::new(),
                notes,
            });
        }
        let program = self.program()?;
        let scratch = scratch_dir(NAME)?;
        let report = scratch.path().join("out.xml");
        let file_list = scratch.path().join("files.txt");
        let mut list = String::new();
        for f in &files {
            list.push_str(&f.to_string_lossy());
            list.push('\n');
        }
        std::fs::write(&file_list, list).map_err(|e| AnalyzerError::Io {
            tool: NAME.to_string(),
            message: format!("cannot write {}: {e}", file_list.display()),
        })?;
        let args = self.command_args(&report, &file_list);
        let run = run_tool(NAME, &program, &args, &input.root, &[], input.timeout)?;
        if run.status != Some(0) {
            return Err(crashed(run.status, run.stderr_tail()));
        }
        let text = std::fs::read(&report).map_err(|e| AnalyzerError::MalformedOutput {
            tool: NAME.to_string(),
            message: format!("no XML report written ({e})"),
        })?;
        let mut out = parse_cppcheck_xml(&String::from_utf8_lossy(&text), &input.root).map_err(
            |message| AnalyzerError::MalformedOutput {
                tool: NAME.to_string(),
                message,
            },
        )?;
        notes.append(&mut out.notes);
        out.notes = notes;
        Ok(out)
    }
}

fn crashed(status: Option<i32>, stderr: String) -> AnalyzerError {
    AnalyzerError::Crashed {
        tool: NAME.to_string(),
        status: status.map_or_else(|| "a signal".to_string(), |c| format!("status {c}")),
        stderr,
    }
}

/// Parse a cppcheck `--xml-version=2` report. Paths become relative to
/// `root`; the flagged source lines are read from under `root` for snippets
/// and fingerprints (the message stands in when a file cannot be read).
pub fn parse_cppcheck_xml(text: &str, root: &Path) -> Result<AnalyzerOutput, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("invalid XML: {e}"))?;
    let results = doc.root_element();
    if results.tag_name().name() != "results" {
        return Err(format!(
            "expected a <results> root element, found <{}>",
            results.tag_name().name()
        ));
    }
    if let Some(v) = results.attribute("version")
        && v != "2"
    {
        return Err(format!("unsupported XML version {v} (expected 2)"));
    }
    let errors = results
        .children()
        .find(|n| n.has_tag_name("errors"))
        .ok_or_else(|| "no <errors> element".to_string())?;

    let mut sources = SourceCache::new(root);
    let mut out = AnalyzerOutput::default();
    for error in errors.children().filter(|n| n.has_tag_name("error")) {
        let Some(id) = error.attribute("id").filter(|s| !s.is_empty()) else {
            continue;
        };
        let msg = error.attribute("msg").unwrap_or(id);
        let locations: Vec<Location> = error
            .children()
            .filter(|n| n.has_tag_name("location"))
            .filter_map(|loc| {
                let file = loc.attribute("file")?;
                let line = parse_number(loc.attribute("line"));
                let column = parse_number(loc.attribute("column"));
                Some(Location {
                    path: relative_path(file, root),
                    start_line: line,
                    start_column: column,
                    end_line: line,
                    end_column: column,
                })
            })
            .collect();
        if PARSE_PROBLEM_IDS.contains(&id) {
            let path = locations
                .first()
                .map(|l| l.path.clone())
                .or_else(|| error.attribute("file0").map(|f| relative_path(f, root)))
                .unwrap_or_default();
            out.notes.push(Note {
                path,
                kind: NoteKind::ParseError,
                line: locations.first().map(|l| l.start_line),
                message: format!("cppcheck {id}: {msg}"),
            });
            continue;
        }
        let severity = match error.attribute("severity").unwrap_or("") {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            "information" | "debug" | "none" | "" => continue,
            // style, performance, portability and anything newer.
            _ => Severity::Low,
        };
        let Some(primary) = locations.first().cloned() else {
            continue;
        };
        let infos: Vec<String> = error
            .children()
            .filter(|n| n.has_tag_name("location") && n.attribute("file").is_some())
            .map(|n| n.attribute("info").unwrap_or("").to_string())
            .collect();
        // cppcheck writes the call stack last-first: the first location is
        // where the error is, the others lead up to it.
        let trace = if locations.len() > 1 {
            locations
                .iter()
                .zip(infos)
                .rev()
                .map(|(location, message)| TraceStep {
                    location: location.clone(),
                    message,
                })
                .collect()
        } else {
            Vec::new()
        };
        let confidence = if error.attribute("inconclusive") == Some("true") {
            Confidence::Low
        } else {
            Confidence::Medium
        };
        let snippet = sources
            .line(&primary.path, primary.start_line)
            .unwrap_or_default();
        out.findings.push(Finding {
            rule_id: format!("{NAME}/{id}"),
            title: msg.to_string(),
            message: error
                .attribute("verbose")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(msg)
                .to_string(),
            cwe: error
                .attribute("cwe")
                .and_then(Cwe::parse)
                .into_iter()
                .collect(),
            severity,
            confidence,
            location: primary,
            snippet,
            fingerprint: Fingerprint(String::new()),
            analyzer: NAME.to_string(),
            trace,
            suppression: None,
            reported_by: Vec::new(),
        });
    }
    assign_fingerprints(&mut out.findings);
    Ok(out)
}

/// Sort findings by place and give each a fingerprint from its rule, path,
/// source line (its title when the line is unknown) and occurrence index.
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

fn parse_number(text: Option<&str>) -> u32 {
    text.and_then(|t| t.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .max(1)
}
