//! The CodeQL adapter: command construction, SARIF parsing, a run against a
//! stand-in `codeql` script, and (only when `codeql` is on PATH) a real run.

use secguard_analyzers::codeql::{
    CodeQl, DEFAULT_CPP_SUITE, DEFAULT_PYTHON_SUITE, database_analyze_args, database_create_args,
    parse_codeql_sarif,
};
use secguard_analyzers::{Analyzer, AnalyzerError, AnalyzerInput};
use secguard_core::{Confidence, Cwe, Language, Severity};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codeql")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn strings(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn create_args_for_python() {
    let args = database_create_args(
        Language::Python,
        Path::new("/src/proj"),
        Path::new("/tmp/x/db-python"),
        Some("make"),
    );
    assert_eq!(
        strings(&args),
        [
            "database",
            "create",
            "/tmp/x/db-python",
            "--language=python",
            "--source-root",
            "/src/proj",
            "--build-mode=none",
            "--overwrite",
        ]
    );
}

#[test]
fn create_args_for_c_and_cpp() {
    for lang in [Language::C, Language::Cpp] {
        let none = database_create_args(lang, Path::new("/p"), Path::new("/d"), None);
        assert_eq!(
            strings(&none),
            [
                "database",
                "create",
                "/d",
                "--language=cpp",
                "--source-root",
                "/p",
                "--build-mode=none",
                "--overwrite",
            ]
        );
        let built = database_create_args(lang, Path::new("/p"), Path::new("/d"), Some("make -j2"));
        assert_eq!(
            strings(&built),
            [
                "database",
                "create",
                "/d",
                "--language=cpp",
                "--source-root",
                "/p",
                "--command",
                "make -j2",
                "--overwrite",
            ]
        );
        // A blank command means no build.
        let blank = database_create_args(lang, Path::new("/p"), Path::new("/d"), Some("  "));
        assert!(strings(&blank).contains(&"--build-mode=none".to_string()));
    }
}

#[test]
fn paths_with_spaces_stay_one_argument() {
    let args = database_create_args(
        Language::Python,
        Path::new("/my src/p q"),
        Path::new("/tmp/d b"),
        None,
    );
    assert_eq!(args[2], OsString::from("/tmp/d b"));
    assert_eq!(args[5], OsString::from("/my src/p q"));
    let args = database_analyze_args(Path::new("/tmp/d b"), "s", Path::new("/o u/t.sarif"), 1);
    assert_eq!(args[5], OsString::from("--output=/o u/t.sarif"));
}

#[test]
fn analyze_args() {
    let args = database_analyze_args(
        Path::new("/tmp/x/db-python"),
        DEFAULT_PYTHON_SUITE,
        Path::new("/tmp/x/python.sarif"),
        4,
    );
    assert_eq!(
        strings(&args),
        [
            "database",
            "analyze",
            "/tmp/x/db-python",
            "codeql/python-queries:codeql-suites/python-security-extended.qls",
            "--format=sarif-latest",
            "--output=/tmp/x/python.sarif",
            "--threads=4",
        ]
    );
    assert_eq!(
        DEFAULT_CPP_SUITE,
        "codeql/cpp-queries:codeql-suites/cpp-security-extended.qls"
    );
}

#[test]
fn parses_python_sarif_with_rules_in_an_extension() {
    let import = parse_codeql_sarif(&read("python.sarif"), Path::new("/proj"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(import.findings.len(), 3);
    let cmd = &import.findings[0];
    assert_eq!(cmd.rule_id, "codeql/py/command-line-injection");
    assert_eq!(cmd.analyzer, "codeql");
    assert_eq!(cmd.cwe, [Cwe(78), Cwe(88)]);
    assert_eq!(cmd.severity, Severity::Critical); // security-severity 9.8
    assert_eq!(cmd.confidence, Confidence::High); // precision high
    assert_eq!(cmd.title, "Uncontrolled command line");
    assert_eq!(cmd.location.path, PathBuf::from("app/run.py"));
    assert_eq!(cmd.location.start_line, 9);
    assert_eq!(cmd.location.start_column, 15);
    assert_eq!(cmd.location.end_line, 9);
    assert_eq!(cmd.location.end_column, 18);
    assert_eq!(cmd.fingerprint.0, "8f3c2a1b9d7e6f05:1");
    assert_eq!(cmd.trace.len(), 2);
    assert_eq!(cmd.trace[0].location.start_line, 7);
    assert!(cmd.message.contains("user-provided value"));

    let hash = &import.findings[1];
    assert_eq!(hash.rule_id, "codeql/py/weak-sensitive-data-hashing");
    assert_eq!(hash.cwe, [Cwe(327), Cwe(328), Cwe(916)]);
    assert_eq!(hash.severity, Severity::High); // 7.5
    assert_eq!(hash.location.path, PathBuf::from("app/auth.py"));
    assert_eq!(import.runs[0].tool.name, "CodeQL");
    assert_eq!(import.runs[0].tool.version, "2.19.3");
}

#[test]
fn parses_cpp_sarif_with_rules_in_the_driver() {
    let import = parse_codeql_sarif(&read("cpp.sarif"), Path::new("/proj"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(import.findings.len(), 1);
    let f = &import.findings[0];
    assert_eq!(f.rule_id, "codeql/cpp/unbounded-write");
    assert_eq!(f.cwe, [Cwe(120), Cwe(787), Cwe(805)]);
    assert_eq!(f.severity, Severity::Critical); // 9.3
    assert_eq!(f.confidence, Confidence::Medium);
    assert_eq!(f.location.path, PathBuf::from("src/copy.c"));
}

#[test]
fn absolute_paths_become_relative() {
    let text = read("cpp.sarif").replace("\"src/copy.c\"", "\"file:///proj/src/copy.c\"");
    let import = parse_codeql_sarif(&text, Path::new("/proj")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        import.findings[0].location.path,
        PathBuf::from("src/copy.c")
    );
}

#[test]
fn malformed_sarif_is_a_malformed_output_error() {
    match parse_codeql_sarif("{\"version\": \"2.1.0\"", Path::new("/p")) {
        Err(AnalyzerError::MalformedOutput { tool, .. }) => assert_eq!(tool, "codeql"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_codeql_says_how_to_install() {
    let c = CodeQl::new().with_program("/definitely/not/here/codeql");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("a.py"), "print(1)\n").unwrap_or_else(|e| panic!("{e}"));
    let input = AnalyzerInput {
        root: dir.path().to_path_buf(),
        files: vec![PathBuf::from("a.py")],
        timeout: Duration::from_secs(5),
    };
    match c.run(&input) {
        Err(AnalyzerError::NotInstalled { tool, hint }) => {
            assert_eq!(tool, "codeql");
            assert!(hint.contains("Installing CodeQL"), "{hint}");
            assert!(hint.contains("PATH"), "{hint}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.version(),
        Err(AnalyzerError::NotInstalled { .. })
    ));
}

#[test]
fn nothing_to_analyze_runs_nothing() {
    // No Python or C/C++ files: no tool is needed at all.
    let c = CodeQl::new().with_program("/definitely/not/here/codeql");
    let input = AnalyzerInput {
        root: PathBuf::from("/nonexistent"),
        files: vec![PathBuf::from("README.md")],
        timeout: Duration::from_secs(5),
    };
    let out = c.run(&input).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty());
    assert_eq!(c.name(), "codeql");
    assert_eq!(
        c.languages(),
        [Language::Python, Language::C, Language::Cpp]
    );
}

/// A stand-in `codeql`: logs its arguments, creates the database folder and
/// copies a fixture to `--output=`. No real analysis happens.
#[cfg(unix)]
fn fake_codeql(dir: &Path, exit_code: i32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("codeql");
    let log = dir.join("calls.log");
    let fixtures = fixtures();
    let body = format!(
        r#"#!/bin/sh
printf '%s\n' "$*" >> '{log}'
if [ "$1" = version ]; then echo 2.19.3; exit 0; fi
if [ {exit_code} -ne 0 ]; then echo "A fatal error occurred: boom" >&2; exit {exit_code}; fi
if [ "$1 $2" = "database create" ]; then mkdir -p "$3"; exit 0; fi
if [ "$1 $2" = "database analyze" ]; then
  for a in "$@"; do
    case "$a" in --output=*) out="${{a#--output=}}";; esac
  done
  case "$3" in
    *python*) cp '{fx}/python.sarif' "$out";;
    *) cp '{fx}/cpp.sarif' "$out";;
  esac
  exit 0
fi
exit 3
"#,
        log = log.display(),
        fx = fixtures.display(),
    );
    std::fs::write(&script, body).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    script
}

/// A script just written can briefly fail to start ("text file busy") while
/// another test thread's fork still holds its write handle; retry a moment.
#[cfg(unix)]
fn wait_until_runnable(c: &CodeQl) {
    for _ in 0..50 {
        match c.version() {
            Err(AnalyzerError::Io { .. }) => std::thread::sleep(Duration::from_millis(20)),
            _ => return,
        }
    }
}

#[cfg(unix)]
#[test]
fn run_with_a_stand_in_codeql() {
    let tools = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let program = fake_codeql(tools.path(), 0);
    for f in ["app/run.py", "app/auth.py", "vendor/lib.py", "src/copy.c"] {
        let p = src.path().join(f);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, "x\n").unwrap_or_else(|e| panic!("{e}"));
    }
    let c = CodeQl::new()
        .with_program(&program)
        .with_threads(2)
        .with_cpp_build_command(Some("make".into()));
    wait_until_runnable(&c);
    assert_eq!(c.version().unwrap_or_else(|e| panic!("{e}")), "2.19.3");
    let input = AnalyzerInput {
        root: src.path().to_path_buf(),
        // vendor/lib.py is not asked for: its finding is dropped.
        files: vec![
            PathBuf::from("app/run.py"),
            PathBuf::from("./app/auth.py"),
            PathBuf::from("src/copy.c"),
        ],
        timeout: Duration::from_secs(60),
    };
    let out = c.run(&input).unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<&str> = out.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(
        rules,
        [
            "codeql/py/command-line-injection",
            "codeql/py/weak-sensitive-data-hashing",
            "codeql/cpp/unbounded-write",
        ]
    );
    assert!(out.findings.iter().all(|f| f.analyzer == "codeql"));

    let log =
        std::fs::read_to_string(tools.path().join("calls.log")).unwrap_or_else(|e| panic!("{e}"));
    let calls: Vec<&str> = log.lines().filter(|l| l.starts_with("database")).collect();
    assert_eq!(calls.len(), 4, "{log}");
    let root = src.path().display().to_string();
    assert!(calls[0].starts_with("database create "), "{log}");
    assert!(calls[0].contains("--language=python"), "{log}");
    assert!(calls[0].contains(&format!("--source-root {root}")), "{log}");
    assert!(calls[0].ends_with("--build-mode=none --overwrite"), "{log}");
    assert!(calls[1].contains(DEFAULT_PYTHON_SUITE), "{log}");
    assert!(calls[1].ends_with("--threads=2"), "{log}");
    assert!(calls[2].contains("--language=cpp"), "{log}");
    assert!(calls[2].ends_with("--command make --overwrite"), "{log}");
    assert!(calls[3].contains(DEFAULT_CPP_SUITE), "{log}");
}

#[cfg(unix)]
#[test]
fn a_failing_codeql_is_a_crash_with_its_stderr() {
    let tools = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(src.path().join("a.py"), "x\n").unwrap_or_else(|e| panic!("{e}"));
    let program = fake_codeql(tools.path(), 2);
    let input = AnalyzerInput {
        root: src.path().to_path_buf(),
        files: vec![PathBuf::from("a.py")],
        timeout: Duration::from_secs(60),
    };
    let c = CodeQl::new().with_program(&program);
    wait_until_runnable(&c);
    match c.run(&input) {
        Err(AnalyzerError::Crashed {
            tool,
            status,
            stderr,
        }) => {
            assert_eq!(tool, "codeql");
            assert!(
                status.contains('2') && status.contains("database create"),
                "{status}"
            );
            assert!(stderr.contains("boom"), "{stderr}");
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_relative_root_is_passed_as_an_absolute_source_root() {
    let tools = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let program = fake_codeql(tools.path(), 0);
    let c = CodeQl::new().with_program(&program);
    wait_until_runnable(&c);
    let input = AnalyzerInput {
        root: PathBuf::from("tests/fixtures/codeql/src"),
        files: vec![PathBuf::from("cmd.py")],
        timeout: Duration::from_secs(60),
    };
    let out = c.run(&input).unwrap_or_else(|e| panic!("{e}"));
    // The stand-in reports app/*.py, which were not asked for.
    assert!(out.findings.is_empty());
    let log =
        std::fs::read_to_string(tools.path().join("calls.log")).unwrap_or_else(|e| panic!("{e}"));
    let expected = format!("--source-root {}", fixtures().join("src").display());
    assert!(log.contains(&expected), "{log}");
}

/// Runs the real CodeQL CLI when it is on PATH; CodeQL cannot be installed
/// on every machine (nor in CI), so this test skips otherwise.
#[test]
fn real_codeql_when_installed() {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("codeql").is_file()))
        .unwrap_or(false);
    if !on_path {
        eprintln!("skipped: `codeql` is not on PATH (see README: Installing CodeQL)");
        return;
    }
    let c = CodeQl::new();
    let version = c.version().unwrap_or_else(|e| panic!("{e}"));
    assert!(!version.is_empty());
    let input = AnalyzerInput {
        root: fixtures().join("src"),
        files: vec![PathBuf::from("cmd.py")],
        timeout: Duration::from_secs(900),
    };
    let out = c.run(&input).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.findings
            .iter()
            .any(|f| f.cwe.contains(&Cwe(78)) && f.location.path == Path::new("cmd.py")),
        "{:#?}",
        out.findings
    );
}
