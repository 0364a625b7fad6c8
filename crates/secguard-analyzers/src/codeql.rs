//! CodeQL: `codeql database create`, then `codeql database analyze` with a
//! query suite, reading the SARIF it writes.
//!
//! One database per language family: Python (no build) and C/C++ (the
//! configured build command, or `--build-mode=none`). The databases and the
//! SARIF go to a private scratch directory; the source root is
//! `input.root`, and only findings in the input's files are kept.

use crate::sarif_import::{relative_to_root, relativize_finding};
use crate::tool::{ToolRun, find_tool, run_tool, scratch_dir};
use crate::{Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput};
use secguard_core::Language;
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const NAME: &str = "codeql";
const PROGRAM: &str = "codeql";

/// What to do when `codeql` is missing.
pub const INSTALL_HINT: &str = "download the CodeQL CLI bundle from GitHub (see README: Installing CodeQL) and put `codeql` on PATH";

/// The default Python query suite.
pub const DEFAULT_PYTHON_SUITE: &str =
    "codeql/python-queries:codeql-suites/python-security-extended.qls";
/// The default C/C++ query suite.
pub const DEFAULT_CPP_SUITE: &str = "codeql/cpp-queries:codeql-suites/cpp-security-extended.qls";

const LANGUAGES: [Language; 3] = [Language::Python, Language::C, Language::Cpp];

/// The CodeQL adapter. Build it with [`CodeQl::new`] and the `with_*`
/// methods.
#[derive(Debug, Clone)]
pub struct CodeQl {
    program: Option<PathBuf>,
    python_suite: String,
    cpp_suite: String,
    cpp_build_command: Option<String>,
    threads: u32,
}

impl Default for CodeQl {
    fn default() -> Self {
        CodeQl {
            program: None,
            python_suite: DEFAULT_PYTHON_SUITE.to_string(),
            cpp_suite: DEFAULT_CPP_SUITE.to_string(),
            cpp_build_command: None,
            threads: 0,
        }
    }
}

impl CodeQl {
    /// `codeql` from `PATH`, the default security-extended suites, no C/C++
    /// build command (`--build-mode=none`), and `--threads=0` (CodeQL's
    /// "one thread per core").
    pub fn new() -> CodeQl {
        CodeQl::default()
    }

    /// Use this `codeql` executable instead of searching `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> CodeQl {
        self.program = Some(program.into());
        self
    }

    /// The query suite (or pack, or `.ql` file) for Python.
    pub fn with_python_suite(mut self, suite: impl Into<String>) -> CodeQl {
        self.python_suite = suite.into();
        self
    }

    /// The query suite (or pack, or `.ql` file) for C and C++.
    pub fn with_cpp_suite(mut self, suite: impl Into<String>) -> CodeQl {
        self.cpp_suite = suite.into();
        self
    }

    /// The command that builds the C/C++ code (run by CodeQL in the source
    /// root); `None` extracts without building (`--build-mode=none`).
    pub fn with_cpp_build_command(mut self, command: Option<String>) -> CodeQl {
        self.cpp_build_command = command;
        self
    }

    /// `--threads` for `database analyze`; 0 means one per core.
    pub fn with_threads(mut self, threads: u32) -> CodeQl {
        self.threads = threads;
        self
    }

    fn program(&self) -> Result<PathBuf, AnalyzerError> {
        find_tool(NAME, PROGRAM, self.program.as_deref(), INSTALL_HINT)
    }

    fn suite_for(&self, lang: Language) -> &str {
        match lang {
            Language::Python => &self.python_suite,
            Language::C | Language::Cpp => &self.cpp_suite,
        }
    }
}

/// CodeQL's name for a language: `python`, or `cpp` for both C and C++.
pub fn codeql_language(lang: Language) -> &'static str {
    match lang {
        Language::Python => "python",
        Language::C | Language::Cpp => "cpp",
    }
}

fn joined(flag: &str, value: &Path) -> OsString {
    let mut s = OsString::from(flag);
    s.push(value.as_os_str());
    s
}

/// `database create <db> --language=L --source-root <root>
/// [--build-mode=none | --command <cmd>] --overwrite`.
///
/// Python is never built (`--build-mode=none`, the command is ignored);
/// C and C++ use `build_command` when given, else `--build-mode=none`.
pub fn database_create_args(
    lang: Language,
    source_root: &Path,
    db_dir: &Path,
    build_command: Option<&str>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "database".into(),
        "create".into(),
        db_dir.as_os_str().to_owned(),
        format!("--language={}", codeql_language(lang)).into(),
        "--source-root".into(),
        source_root.as_os_str().to_owned(),
    ];
    match (lang, build_command) {
        (Language::C | Language::Cpp, Some(cmd)) if !cmd.trim().is_empty() => {
            args.push("--command".into());
            args.push(cmd.into());
        }
        _ => args.push("--build-mode=none".into()),
    }
    args.push("--overwrite".into());
    args
}

/// `database analyze <db> <suite> --format=sarif-latest --output=<file>
/// --threads=N`.
pub fn database_analyze_args(
    db_dir: &Path,
    suite: &str,
    sarif_out: &Path,
    threads: u32,
) -> Vec<OsString> {
    vec![
        "database".into(),
        "analyze".into(),
        db_dir.as_os_str().to_owned(),
        suite.into(),
        "--format=sarif-latest".into(),
        joined("--output=", sarif_out),
        format!("--threads={threads}").into(),
    ]
}

/// Turn CodeQL's SARIF into findings: analyzer `codeql`, rule ids
/// `codeql/<id>`, paths relative to `root`. CWE ids come from the rules'
/// `external/cwe/cwe-NNN` tags and severities from their
/// `security-severity`, as [`secguard_core::sarif::from_sarif`] reads them.
pub fn parse_codeql_sarif(
    text: &str,
    root: &Path,
) -> Result<secguard_core::sarif::SarifImport, AnalyzerError> {
    let mut import =
        secguard_core::sarif::from_sarif(text).map_err(|e| AnalyzerError::MalformedOutput {
            tool: NAME.to_string(),
            message: e.to_string(),
        })?;
    for f in &mut import.findings {
        f.analyzer = NAME.to_string();
        if !f.rule_id.starts_with("codeql/") {
            f.rule_id = format!("codeql/{}", f.rule_id);
        }
        relativize_finding(f, root);
    }
    for n in &mut import.notes {
        n.path = relative_to_root(&n.path, root);
    }
    Ok(import)
}

/// Time left of `timeout` since `start`, or a timeout error.
fn remaining(start: Instant, timeout: Duration) -> Result<Duration, AnalyzerError> {
    timeout
        .checked_sub(start.elapsed())
        .filter(|d| !d.is_zero())
        .ok_or(AnalyzerError::Timeout {
            tool: NAME.to_string(),
            seconds: timeout.as_secs(),
        })
}

fn check_status(run: &ToolRun, step: &str) -> Result<(), AnalyzerError> {
    if run.status == Some(0) {
        return Ok(());
    }
    Err(AnalyzerError::Crashed {
        tool: NAME.to_string(),
        status: match run.status {
            Some(code) => format!("exit code {code} ({step})"),
            None => format!("a signal ({step})"),
        },
        stderr: run.stderr_tail(),
    })
}

impl Analyzer for CodeQl {
    fn name(&self) -> &str {
        NAME
    }

    fn languages(&self) -> &[Language] {
        &LANGUAGES
    }

    fn version(&self) -> Result<String, AnalyzerError> {
        let program = self.program()?;
        let scratch = scratch_dir(NAME)?;
        let run = run_tool(
            NAME,
            &program,
            &["version".into(), "--format=terse".into()],
            scratch.path(),
            &[],
            Duration::from_secs(120),
        )?;
        check_status(&run, "version")?;
        Ok(String::from_utf8_lossy(&run.stdout).trim().to_string())
    }

    fn cost_per_file(&self) -> f64 {
        // database creation and analysis dominate every other tool
        1.0
    }

    fn startup_cost(&self) -> f64 {
        // A JVM and a database, before any query runs.
        20.0
    }

    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        let start = Instant::now();
        let mut out = AnalyzerOutput::default();
        let groups: [(Language, Vec<&Path>); 2] = [
            (Language::Python, input.files_in(&[Language::Python])),
            (Language::Cpp, input.files_in(&[Language::C, Language::Cpp])),
        ];
        if groups.iter().all(|(_, files)| files.is_empty()) {
            return Ok(out);
        }
        let program = self.program()?;
        let scratch = scratch_dir(NAME)?;
        // The tool runs in the scratch directory, so a relative root would
        // point into it.
        let root = std::path::absolute(&input.root).map_err(|e| AnalyzerError::Io {
            tool: NAME.to_string(),
            message: format!("cannot resolve {}: {e}", input.root.display()),
        })?;
        for (lang, files) in groups {
            if files.is_empty() {
                continue;
            }
            let tag = codeql_language(lang);
            let db = scratch.path().join(format!("db-{tag}"));
            let sarif = scratch.path().join(format!("{tag}.sarif"));
            let build = match lang {
                Language::Python => None,
                Language::C | Language::Cpp => self.cpp_build_command.as_deref(),
            };
            let create = database_create_args(lang, &root, &db, build);
            let run = run_tool(
                NAME,
                &program,
                &create,
                scratch.path(),
                &[],
                remaining(start, input.timeout)?,
            )?;
            check_status(&run, "database create")?;
            let analyze = database_analyze_args(&db, self.suite_for(lang), &sarif, self.threads);
            let run = run_tool(
                NAME,
                &program,
                &analyze,
                scratch.path(),
                &[],
                remaining(start, input.timeout)?,
            )?;
            check_status(&run, "database analyze")?;
            let text = std::fs::read_to_string(&sarif).map_err(|e| AnalyzerError::Io {
                tool: NAME.to_string(),
                message: format!("cannot read the SARIF CodeQL wrote: {e}"),
            })?;
            let import = parse_codeql_sarif(&text, &root)?;
            // CodeQL extracts the whole source root; keep what was asked for.
            let wanted: HashSet<PathBuf> =
                files.iter().map(|f| relative_to_root(f, &root)).collect();
            out.findings.extend(
                import
                    .findings
                    .into_iter()
                    .filter(|f| wanted.contains(f.location.path.as_path())),
            );
            out.notes.extend(
                import
                    .notes
                    .into_iter()
                    .filter(|n| wanted.contains(n.path.as_path())),
            );
        }
        Ok(out)
    }
}
