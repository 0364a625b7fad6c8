//! Semgrep adapter tests: the real tool with our own bundled rules on fixture
//! code (skipped with a message when Semgrep is missing, failing under `CI`),
//! and the JSON parser on hand-written reports.

use proptest::prelude::*;
use secguard_analyzers::semgrep::{INSTALL_HINT, Semgrep, bundled_rules_dir, parse_semgrep_json};
use secguard_analyzers::tool::find_tool;
use secguard_analyzers::{Analyzer, AnalyzerError, AnalyzerInput};
use secguard_core::{Confidence, Cwe, NoteKind, Severity};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/semgrep")
}

/// True when Semgrep can run; under `CI` a missing tool fails the test.
fn semgrep_available() -> bool {
    match find_tool("semgrep", "semgrep", None, INSTALL_HINT) {
        Ok(_) => true,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "semgrep is required under CI: {e}"
            );
            eprintln!("skipping: {e}");
            false
        }
    }
}

#[test]
fn real_semgrep_with_bundled_rules() {
    if !semgrep_available() {
        return;
    }
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()]);
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![
            PathBuf::from("app.py"),
            PathBuf::from("copy.c"),
            PathBuf::from("broken.py"),
            PathBuf::from("README.txt"),
        ],
        timeout: Duration::from_secs(300),
    };
    let start = Instant::now();
    let out = semgrep.run(&input).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("semgrep run took {:?}", start.elapsed());

    let mut got: Vec<(String, String, u32)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.location.path_string(),
                f.location.start_line,
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, u32)> = [
        ("semgrep/c-gets", "copy.c", 22),
        ("semgrep/c-strcpy-unbounded", "copy.c", 8),
        ("semgrep/python-os-system-non-literal", "app.py", 10),
        ("semgrep/python-pickle-loads", "app.py", 22),
        // Partly parsed: findings from the rest of the file are kept.
        ("semgrep/python-pickle-loads", "broken.py", 3),
        ("semgrep/python-subprocess-shell-true", "app.py", 18),
        ("semgrep/python-yaml-load-without-loader", "app.py", 26),
    ]
    .iter()
    .map(|(r, p, l)| (r.to_string(), p.to_string(), *l))
    .collect();
    want.sort();
    assert_eq!(got, want, "{:#?}", out.findings);

    let find = |rule: &str| {
        out.findings
            .iter()
            .find(|f| f.rule_id == rule)
            .unwrap_or_else(|| panic!("no {rule}"))
    };
    let system = find("semgrep/python-os-system-non-literal");
    assert_eq!(system.cwe, vec![Cwe(78)]);
    assert_eq!(system.severity, Severity::High);
    assert_eq!(system.confidence, Confidence::Medium);
    assert_eq!(system.location.start_column, 5);
    assert_eq!(system.location.end_column, 35);
    assert_eq!(system.analyzer, "semgrep");
    assert!(
        system.snippet.contains("os.system(\"ping"),
        "{}",
        system.snippet
    );
    assert_eq!(
        find("semgrep/python-subprocess-shell-true").cwe,
        vec![Cwe(78)]
    );
    assert_eq!(find("semgrep/python-pickle-loads").cwe, vec![Cwe(502)]);
    for f in &out.findings {
        assert!(f.location.start_line >= 1 && f.location.start_column >= 1);
        assert!(!f.snippet.is_empty(), "{f:?}");
    }
    assert_eq!(
        find("semgrep/c-strcpy-unbounded").cwe,
        vec![Cwe(120), Cwe(787)]
    );
    assert_eq!(find("semgrep/c-gets").cwe, vec![Cwe(242)]);

    assert!(
        out.notes.iter().any(|n| n.path == Path::new("broken.py")
            && n.kind == NoteKind::ParseError
            && n.line == Some(2)),
        "{:?}",
        out.notes
    );
}

#[test]
fn real_semgrep_version() {
    if !semgrep_available() {
        return;
    }
    let version = Semgrep::with_configs(vec![bundled_rules_dir()])
        .version()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        version.starts_with(|c: char| c.is_ascii_digit()),
        "{version}"
    );
}

#[test]
fn bundled_rules_are_present() {
    let dir = bundled_rules_dir();
    let count = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .count();
    assert!(count >= 3, "{count} rule files in {}", dir.display());
}

#[test]
fn missing_program_says_how_to_install() {
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()])
        .with_program(Some(PathBuf::from("/nonexistent/dir/semgrep")));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("app.py")],
        timeout: Duration::from_secs(5),
    };
    for err in [semgrep.run(&input).err(), semgrep.version().err()] {
        match err {
            Some(AnalyzerError::NotInstalled { tool, hint }) => {
                assert_eq!(tool, "semgrep");
                assert!(hint.contains("pip install semgrep"), "{hint}");
            }
            other => panic!("expected NotInstalled, got {other:?}"),
        }
    }
}

#[test]
fn missing_rules_are_a_config_error() {
    let Ok(program) = find_tool("true", "true", None, "") else {
        return;
    };
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("app.py")],
        timeout: Duration::from_secs(5),
    };
    for configs in [vec![], vec![PathBuf::from("/nonexistent/rules.yaml")]] {
        let semgrep = Semgrep::with_configs(configs).with_program(Some(program.clone()));
        let err = semgrep.run(&input).err();
        assert!(matches!(err, Some(AnalyzerError::Config { .. })), "{err:?}");
    }
}

#[test]
fn tool_writing_nothing_is_malformed_output() {
    let Ok(program) = find_tool("true", "true", None, "") else {
        return;
    };
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()]).with_program(Some(program));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("app.py")],
        timeout: Duration::from_secs(5),
    };
    let err = semgrep.run(&input).err();
    assert!(
        matches!(err, Some(AnalyzerError::MalformedOutput { .. })),
        "{err:?}"
    );
}

#[test]
fn tool_failing_without_json_is_a_crash() {
    // `ls scan --json ...` fails with exit 2 on its unknown option.
    let Ok(program) = find_tool("ls", "ls", None, "") else {
        return;
    };
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()]).with_program(Some(program));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("app.py")],
        timeout: Duration::from_secs(5),
    };
    let err = semgrep.run(&input).err();
    assert!(
        matches!(err, Some(AnalyzerError::Crashed { .. })),
        "{err:?}"
    );
}

const REPORT: &str = r#"{
  "version": "1.185.0",
  "results": [
    {
      "check_id": "rules.python-os-system-non-literal",
      "path": "/proj/src/app.py",
      "start": {"line": 10, "col": 5, "offset": 149},
      "end": {"line": 10, "col": 35, "offset": 179},
      "extra": {
        "message": "os.system() with a built command",
        "metadata": {"cwe": "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')", "confidence": "HIGH"},
        "severity": "ERROR",
        "lines": "    os.system(\"ping -c 1 \" + host)"
      }
    },
    {
      "check_id": "c-strcpy-unbounded",
      "path": "copy.c",
      "start": {"line": 8, "col": 5},
      "end": {"line": 8, "col": 22},
      "extra": {
        "message": "strcpy",
        "metadata": {"cwe": ["CWE-120: Buffer Copy without Checking Size of Input", "CWE-787: Out-of-bounds Write"]},
        "severity": "WARNING",
        "lines": "requires login"
      }
    },
    {
      "check_id": "info-rule",
      "path": "./x.py",
      "start": {"line": 1, "col": 1},
      "end": {"line": 1, "col": 2},
      "extra": {"message": "note", "severity": "INFO", "metadata": {}}
    }
  ],
  "errors": [
    {
      "code": 3, "level": "warn", "type": ["PartialParsing", [{"path": "/proj/bad.py"}]],
      "message": "Syntax error at line /proj/bad.py:1",
      "path": "/proj/bad.py",
      "spans": [{"file": "/proj/bad.py", "start": {"line": 1, "col": 9}, "end": {"line": 1, "col": 10}}]
    },
    {"code": 7, "level": "error", "type": "Rule parse error", "message": "Invalid rule schema"}
  ],
  "paths": {"scanned": []}
}"#;

#[test]
fn parses_a_hand_written_report() {
    let out = parse_semgrep_json(REPORT, Path::new("/proj")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.findings.len(), 3);
    let f = &out.findings[0];
    assert_eq!(f.rule_id, "semgrep/rules.python-os-system-non-literal");
    assert_eq!(f.analyzer, "semgrep");
    assert_eq!(f.cwe, vec![Cwe(78)]);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.location.path, PathBuf::from("src/app.py"));
    assert_eq!((f.location.start_line, f.location.start_column), (10, 5));
    assert_eq!((f.location.end_line, f.location.end_column), (10, 35));
    assert!(f.snippet.contains("os.system"));

    let g = &out.findings[1];
    assert_eq!(g.rule_id, "semgrep/c-strcpy-unbounded");
    assert_eq!(g.cwe, vec![Cwe(120), Cwe(787)]);
    assert_eq!(g.severity, Severity::Medium);
    assert_eq!(g.confidence, Confidence::Medium);
    assert_eq!(g.location.path, PathBuf::from("copy.c"));
    assert!(g.snippet.is_empty(), "a login placeholder is not a snippet");

    let h = &out.findings[2];
    assert_eq!(h.location.path, PathBuf::from("x.py"));
    assert!(h.cwe.is_empty());
    assert_eq!(h.severity, Severity::Low);

    assert_eq!(out.notes.len(), 2);
    assert_eq!(out.notes[0].path, PathBuf::from("bad.py"));
    assert_eq!(out.notes[0].kind, NoteKind::ParseError);
    assert_eq!(out.notes[0].line, Some(1));
    assert!(out.notes[1].message.contains("Invalid rule schema"));
}

#[test]
fn malformed_reports_are_errors() {
    let root = Path::new("/proj");
    assert!(parse_semgrep_json("", root).is_err());
    assert!(parse_semgrep_json("{\"results\": [{", root).is_err());
    assert!(parse_semgrep_json("\"text\"", root).is_err());
    assert!(parse_semgrep_json("{\"results\": {}}", root).is_err());
    let out = parse_semgrep_json("{\"results\": [], \"errors\": []}", root)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty() && out.notes.is_empty());
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = parse_semgrep_json(&text, Path::new("/proj"));
    }

    #[test]
    fn truncated_reports_never_panic(cut in 0usize..3000) {
        let end = REPORT.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(REPORT.len());
        let _ = parse_semgrep_json(&REPORT[..end], Path::new("/proj"));
    }

    #[test]
    fn odd_field_values_never_panic(
        line in any::<i64>(),
        col in any::<i64>(),
        cwe in ".{0,16}",
    ) {
        let text = format!(
            r#"{{"results": [{{"check_id": "r", "path": "a.py",
                "start": {{"line": {line}, "col": {col}, "offset": {col}}},
                "end": {{"line": {col}, "col": {line}, "offset": {line}}},
                "extra": {{"metadata": {{"cwe": [{cwe:?}, {col}]}}, "severity": {cwe:?}}}}}]}}"#
        );
        let _ = parse_semgrep_json(&text, Path::new("/proj"));
    }
}

/// A stand-in `semgrep` that prints `stdout` and exits with `code`.
fn fake_semgrep(dir: &Path, stdout: &str, code: i32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("semgrep");
    let script = format!("#!/bin/sh\ncat <<'JSON'\n{stdout}\nJSON\nexit {code}\n");
    std::fs::write(&path, script).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn invalid_rules_are_a_config_error_and_file_errors_are_notes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("app.py")],
        timeout: Duration::from_secs(10),
    };
    let bad_rules = r#"{"results": [], "errors": [
        {"code": 4, "level": "error", "type": "InvalidRuleSchemaError",
         "long_msg": "One of these properties is missing: 'severity'",
         "spans": [{"file": "/tmp/bad.yaml", "start": {"line": 2, "col": 5}}]},
        {"code": 7, "level": "error", "type": "SemgrepError",
         "message": "invalid configuration file found (1 configs were invalid)"}]}"#;
    let program = fake_semgrep(dir.path(), bad_rules, 7);
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()]).with_program(Some(program));
    match semgrep.run(&input) {
        Err(AnalyzerError::Config { message, .. }) => {
            assert!(message.contains("severity"), "{message}")
        }
        other => panic!("expected a config error, got {other:?}"),
    }

    // Exit 2 with a readable report that has results keeps the results.
    let partial = r#"{"results": [{"check_id": "x", "path": "app.py",
        "start": {"line": 10, "col": 5}, "end": {"line": 10, "col": 35},
        "extra": {"message": "m", "severity": "ERROR"}}],
        "errors": [{"level": "warn", "type": ["PartialParsing"], "message": "Syntax error",
        "path": "app.py", "spans": [{"file": "app.py", "start": {"line": 3, "col": 1}}]}]}"#;
    let program = fake_semgrep(dir.path(), partial, 2);
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()]).with_program(Some(program));
    let out = semgrep.run(&input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].location.path, PathBuf::from("app.py"));
    assert!(out.findings[0].snippet.contains("os.system"));
    assert_eq!(out.notes.len(), 1);
    assert_eq!(out.notes[0].kind, NoteKind::ParseError);
}

/// Semgrep scans one staged folder, not a list of files: files under
/// `tests/` (which Semgrep's default ignores drop), paths that leave the
/// root (`../x`) and symbolic links are all scanned and reported under the
/// paths secguard gave, and nothing is written outside the staging area.
#[test]
fn staged_folder_keeps_every_selected_file_and_its_path() {
    if !semgrep_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = std::fs::read_to_string(fixtures().join("app.py")).unwrap_or_else(|e| panic!("{e}"));
    let project = tmp.path().join("project");
    for dir in ["project/tests", "outside"] {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(project.join("tests/test_app.py"), &app).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(tmp.path().join("outside/app.py"), &app).unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(project.join("tests/test_app.py"), project.join("linked.py"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut files = vec![
        PathBuf::from("tests/test_app.py"),
        PathBuf::from("../outside/app.py"),
    ];
    if cfg!(unix) {
        files.push(PathBuf::from("linked.py"));
    }
    let input = AnalyzerInput {
        root: project.clone(),
        files: files.clone(),
        timeout: Duration::from_secs(300),
    };
    let semgrep = Semgrep::with_configs(vec![bundled_rules_dir()]);
    let out = semgrep.run(&input).unwrap_or_else(|e| panic!("{e}"));
    let mut paths: Vec<String> = out
        .findings
        .iter()
        .map(|f| f.location.path_string())
        .collect();
    paths.sort();
    paths.dedup();
    let mut want: Vec<String> = files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    want.sort();
    assert_eq!(paths, want, "{:#?}", out.findings);
    // Nothing new beside the project.
    let mut top: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    top.sort();
    assert_eq!(top, vec!["outside", "project"]);
}
