//! Generic SARIF import: GitHub-code-scanning-style logs from several tools,
//! and clear errors for malformed and missing files.

use secguard_analyzers::sarif_import::{SarifImport, relative_to_root};
use secguard_analyzers::{Analyzer, AnalyzerError, AnalyzerInput};
use secguard_core::{Cwe, Language, Severity};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sarif")
        .join(name)
}

fn input(root: &Path) -> AnalyzerInput {
    AnalyzerInput {
        root: root.to_path_buf(),
        files: Vec::new(),
        timeout: Duration::from_secs(5),
    }
}

/// The GitHub fixture with `@ROOT@` replaced by a real directory.
fn github_log(root: &Path, out_dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("github.sarif")).unwrap_or_else(|e| panic!("{e}"));
    let root_text = root.display().to_string();
    let path = out_dir.join("github.sarif");
    std::fs::write(&path, text.replace("@ROOT@", &root_text)).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn imports_a_github_code_scanning_log() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = github_log(root.path(), logs.path());
    let importer = SarifImport::new(vec![log.clone()]);
    assert_eq!(importer.name(), "sarif-import");
    assert_eq!(importer.languages(), Language::ALL);
    assert_eq!(importer.files(), [log]);

    let out = importer
        .run(&input(root.path()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.findings.len(), 4);

    let sql = &out.findings[0];
    assert_eq!(sql.analyzer, "semgrep oss");
    assert_eq!(
        sql.rule_id,
        "python.lang.security.audit.formatted-sql-query.formatted-sql-query"
    );
    assert_eq!(sql.cwe, [Cwe(89)]);
    assert_eq!(sql.severity, Severity::Medium); // security-severity 6.5
    // A file:// URI under the root becomes relative.
    assert_eq!(sql.location.path, PathBuf::from("app/db.py"));
    assert_eq!(sql.location.start_line, 14);
    assert!(sql.snippet.contains("cursor.execute"));

    let xss = &out.findings[1];
    assert_eq!(xss.analyzer, "codeql");
    assert_eq!(xss.rule_id, "py/reflective-xss");
    assert_eq!(xss.cwe, [Cwe(79), Cwe(116)]);
    assert_eq!(xss.location.path, PathBuf::from("app/views.py"));

    let strcpy = &out.findings[2];
    assert_eq!(strcpy.analyzer, "flawfinder");
    assert_eq!(strcpy.cwe, [Cwe(120)]);
    assert_eq!(strcpy.severity, Severity::High);
    // A plain absolute path under the root becomes relative.
    assert_eq!(strcpy.location.path, PathBuf::from("src/copy.c"));
    // A path outside the root stays absolute.
    assert_eq!(
        out.findings[3].location.path,
        PathBuf::from("/usr/include/outside.h")
    );
}

#[test]
fn several_files_in_order() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = github_log(root.path(), logs.path());
    let codeql = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codeql/cpp.sarif");
    let out = SarifImport::new(vec![codeql, log])
        .run(&input(root.path()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.findings.len(), 5);
    assert_eq!(out.findings[0].rule_id, "cpp/unbounded-write");
    assert_eq!(out.findings[0].analyzer, "codeql");
}

#[test]
fn version_changes_with_the_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = github_log(Path::new("/a"), dir.path());
    let importer = SarifImport::new(vec![log.clone()]);
    let v1 = importer.version().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v1, importer.version().unwrap_or_else(|e| panic!("{e}")));
    github_log(Path::new("/b"), dir.path());
    let v2 = importer.version().unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(v1, v2);
    assert!(v1.starts_with(env!("CARGO_PKG_VERSION")));
}

#[test]
fn malformed_file_is_named_in_the_error() {
    for name in ["missing-message.sarif", "truncated.sarif"] {
        let path = fixture(name);
        let err = SarifImport::new(vec![path.clone()])
            .run(&input(Path::new("/")))
            .err();
        match err {
            Some(AnalyzerError::MalformedOutput { tool, message }) => {
                assert_eq!(tool, "sarif-import");
                assert!(message.contains(&path.display().to_string()), "{message}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // The JSON path of the problem is part of the message.
    let err = SarifImport::new(vec![fixture("missing-message.sarif")])
        .run(&input(Path::new("/")))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("runs[0].results[0].message"), "{err}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = fixture("does-not-exist.sarif");
    let importer = SarifImport::new(vec![path.clone()]);
    for err in [
        importer.run(&input(Path::new("/"))).err(),
        importer.version().err(),
    ] {
        match err {
            Some(AnalyzerError::Io { tool, message }) => {
                assert_eq!(tool, "sarif-import");
                assert!(message.contains(&path.display().to_string()), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn no_files_no_findings() {
    let out = SarifImport::default()
        .run(&input(Path::new("/")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty() && out.notes.is_empty());
}

#[test]
fn relative_to_root_follows_symlinked_roots() {
    let real = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let canon = real.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(canon.join("a.py"), "x\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        relative_to_root(&canon.join("a.py"), real.path()),
        PathBuf::from("a.py")
    );
    assert_eq!(
        relative_to_root(Path::new("./x/./y.py"), real.path()),
        PathBuf::from("x/y.py")
    );
}
