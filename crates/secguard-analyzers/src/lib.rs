//! secguard-analyzers: one interface over every analyzer secguard can run —
//! the built-in engine and external tools (Semgrep, Bandit, CodeQL,
//! cppcheck, flawfinder, imported SARIF) — and the orchestration that merges
//! their findings into one answer per sample.

pub mod bandit;
pub mod builtin;
pub mod codeql;
pub mod cppcheck;
pub mod cwe;
pub mod flawfinder;
pub mod orchestrate;
pub mod sarif_import;
pub mod semgrep;
pub mod tool;

use secguard_core::{Finding, Language, Note};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why an analyzer produced no results. Each variant names the tool and
/// says what to do, so one failing tool never hides the others' results.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    #[error("{tool}: not installed ({hint})")]
    NotInstalled { tool: String, hint: String },
    #[error("{tool}: timed out after {seconds} s")]
    Timeout { tool: String, seconds: u64 },
    #[error("{tool}: exited with {status}: {stderr}")]
    Crashed {
        tool: String,
        status: String,
        stderr: String,
    },
    #[error("{tool}: unreadable output: {message}")]
    MalformedOutput { tool: String, message: String },
    #[error("{tool}: {message}")]
    Io { tool: String, message: String },
    #[error("{tool}: {message}")]
    Config { tool: String, message: String },
}

impl AnalyzerError {
    pub fn tool(&self) -> &str {
        match self {
            AnalyzerError::NotInstalled { tool, .. }
            | AnalyzerError::Timeout { tool, .. }
            | AnalyzerError::Crashed { tool, .. }
            | AnalyzerError::MalformedOutput { tool, .. }
            | AnalyzerError::Io { tool, .. }
            | AnalyzerError::Config { tool, .. } => tool,
        }
    }
}

/// What an analyzer is asked to look at.
#[derive(Debug, Clone)]
pub struct AnalyzerInput {
    /// The directory paths in findings are relative to.
    pub root: PathBuf,
    /// The files to analyze, relative to `root`.
    pub files: Vec<PathBuf>,
    /// Per-run time limit for external tools.
    pub timeout: Duration,
}

impl AnalyzerInput {
    /// Files of the given languages, by extension.
    pub fn files_in(&self, languages: &[Language]) -> Vec<&Path> {
        self.files
            .iter()
            .filter(|f| {
                f.extension()
                    .and_then(|e| e.to_str())
                    .and_then(Language::from_extension)
                    .is_some_and(|l| languages.contains(&l))
            })
            .map(PathBuf::as_path)
            .collect()
    }
}

/// What an analyzer reported.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnalyzerOutput {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
}

/// One analyzer: the built-in engine or an adapter around an external tool.
pub trait Analyzer: Send + Sync {
    /// Stable lowercase name, as given to `--analyzers` (`bandit`).
    fn name(&self) -> &str;
    /// Languages it analyzes; files of other languages are not given to it.
    fn languages(&self) -> &[Language];
    /// The tool's version, part of the result cache key.
    fn version(&self) -> Result<String, AnalyzerError>;
    /// Analyze the input. Findings carry `analyzer = self.name()` and paths
    /// relative to `input.root`.
    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError>;
    /// Rough wall seconds per file on one core, for scheduling only: the
    /// orchestrator starts the costliest analyzer first and at normal
    /// priority, and the others in the background around it.
    fn cost_per_file(&self) -> f64 {
        0.01
    }
    /// Rough wall seconds to start at all (an interpreter, a version
    /// probe), for the same scheduling.
    fn startup_cost(&self) -> f64 {
        0.0
    }
}

/// An analyzer whose version is asked for once. A caller that runs the same
/// tool many times (the repair loop checks every version of the code) would
/// otherwise pay a second process start per run for `--version`.
pub struct VersionOnce {
    inner: Box<dyn Analyzer>,
    version: std::sync::OnceLock<String>,
}

impl VersionOnce {
    pub fn new(inner: Box<dyn Analyzer>) -> VersionOnce {
        VersionOnce {
            inner,
            version: std::sync::OnceLock::new(),
        }
    }
}

impl Analyzer for VersionOnce {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn languages(&self) -> &[Language] {
        self.inner.languages()
    }
    fn version(&self) -> Result<String, AnalyzerError> {
        if let Some(v) = self.version.get() {
            return Ok(v.clone());
        }
        // A failure is not remembered: the tool may be installed meanwhile.
        let v = self.inner.version()?;
        Ok(self.version.get_or_init(|| v).clone())
    }
    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        self.inner.run(input)
    }
    fn cost_per_file(&self) -> f64 {
        self.inner.cost_per_file()
    }
    fn startup_cost(&self) -> f64 {
        self.inner.startup_cost()
    }
}
