//! Generic SARIF import (`--import-sarif FILE`, repeatable): results of any
//! tool, or of GitHub code scanning, read as findings.

use crate::{Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput};
use secguard_core::{Finding, Language, Note};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Component, Path, PathBuf};

const NAME: &str = "sarif-import";

/// Findings from SARIF 2.1.0 files written by other tools.
///
/// Each finding keeps its producer as its analyzer (the run's
/// `tool.driver.name` in lower case, such as `codeql` or `semgrep`), so
/// merged reports still say which tool reported what.
#[derive(Debug, Clone, Default)]
pub struct SarifImport {
    files: Vec<PathBuf>,
}

impl SarifImport {
    pub fn new(files: Vec<PathBuf>) -> SarifImport {
        SarifImport { files }
    }

    /// The SARIF files to import, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    fn read(&self, path: &Path) -> Result<String, AnalyzerError> {
        std::fs::read_to_string(path).map_err(|e| AnalyzerError::Io {
            tool: NAME.to_string(),
            message: format!("cannot read {}: {e}", path.display()),
        })
    }
}

impl Analyzer for SarifImport {
    fn name(&self) -> &str {
        NAME
    }

    fn languages(&self) -> &[Language] {
        &Language::ALL
    }

    /// The crate version and a hash of the imported files' contents, so a
    /// result cache keyed by version is invalidated when a file changes.
    /// The hash is stable for one build of secguard.
    fn version(&self) -> Result<String, AnalyzerError> {
        let mut hasher = DefaultHasher::new();
        for f in &self.files {
            f.hash(&mut hasher);
            self.read(f)?.hash(&mut hasher);
        }
        Ok(format!(
            "{}+{:016x}",
            env!("CARGO_PKG_VERSION"),
            hasher.finish()
        ))
    }

    fn cost_per_file(&self) -> f64 {
        // reads a file; the sources are not analyzed
        0.0
    }

    fn run(&self, input: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        let mut out = AnalyzerOutput::default();
        for path in &self.files {
            let text = self.read(path)?;
            let import = secguard_core::sarif::from_sarif(&text).map_err(|e| {
                AnalyzerError::MalformedOutput {
                    tool: NAME.to_string(),
                    message: format!("{}: {e}", path.display()),
                }
            })?;
            for mut finding in import.findings {
                relativize_finding(&mut finding, &input.root);
                out.findings.push(finding);
            }
            for mut note in import.notes {
                relativize_note(&mut note, &input.root);
                out.notes.push(note);
            }
        }
        Ok(out)
    }
}

/// `path` relative to `root` when it is absolute and under `root` (as
/// given, or with symbolic links resolved), with `./` prefixes removed.
/// Other paths are returned unchanged (except for the `./`).
pub fn relative_to_root(path: &Path, root: &Path) -> PathBuf {
    if path.is_absolute() {
        if let Ok(rest) = path.strip_prefix(root) {
            return rest.to_path_buf();
        }
        if let Ok(canon_root) = root.canonicalize() {
            if let Ok(rest) = path.strip_prefix(&canon_root) {
                return rest.to_path_buf();
            }
            if let Ok(canon_path) = path.canonicalize()
                && let Ok(rest) = canon_path.strip_prefix(&canon_root)
            {
                return rest.to_path_buf();
            }
        }
        return path.to_path_buf();
    }
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Make every path of a finding (its location and its trace) relative to `root`.
pub fn relativize_finding(finding: &mut Finding, root: &Path) {
    finding.location.path = relative_to_root(&finding.location.path, root);
    for step in &mut finding.trace {
        step.location.path = relative_to_root(&step.location.path, root);
    }
}

fn relativize_note(note: &mut Note, root: &Path) {
    note.path = relative_to_root(&note.path, root);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let root = Path::new("/proj");
        assert_eq!(
            relative_to_root(Path::new("/proj/src/a.py"), root),
            PathBuf::from("src/a.py")
        );
        assert_eq!(
            relative_to_root(Path::new("/elsewhere/a.py"), root),
            PathBuf::from("/elsewhere/a.py")
        );
        assert_eq!(
            relative_to_root(Path::new("./src/a.py"), root),
            PathBuf::from("src/a.py")
        );
        assert_eq!(relative_to_root(Path::new(""), root), PathBuf::new());
    }
}
