//! Bandit adapter tests: the real tool on fixture code (skipped with a
//! message when Bandit is missing, failing under `CI`), and the JSON parser
//! on hand-written reports.

use proptest::prelude::*;
use secguard_analyzers::bandit::{Bandit, INSTALL_HINT, parse_bandit_json};
use secguard_analyzers::tool::find_tool;
use secguard_analyzers::{Analyzer, AnalyzerError, AnalyzerInput};
use secguard_core::{Confidence, Cwe, NoteKind, Severity};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bandit")
}

/// True when Bandit can run; under `CI` a missing tool fails the test.
fn bandit_available() -> bool {
    match find_tool("bandit", "bandit", None, INSTALL_HINT) {
        Ok(_) => true,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "bandit is required under CI: {e}"
            );
            eprintln!("skipping: {e}");
            false
        }
    }
}

#[test]
fn real_bandit_on_fixtures() {
    if !bandit_available() {
        return;
    }
    let bandit = Bandit::default();
    let version = bandit.version().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        version.starts_with(|c: char| c.is_ascii_digit()),
        "{version}"
    );
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("vulnerable.py"), PathBuf::from("broken.py")],
        timeout: Duration::from_secs(120),
    };
    let start = Instant::now();
    let out = bandit.run(&input).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("bandit run took {:?}", start.elapsed());

    let find = |rule: &str| {
        out.findings
            .iter()
            .find(|f| f.rule_id == rule)
            .unwrap_or_else(|| panic!("no {rule} in {:#?}", out.findings))
    };
    let shell = find("bandit/B602");
    assert_eq!(shell.cwe, vec![Cwe(78)]);
    assert_eq!(shell.location.path, PathBuf::from("vulnerable.py"));
    assert_eq!(shell.location.start_line, 9);
    assert_eq!(shell.location.start_column, 12);
    assert_eq!(shell.location.end_column, 48);
    assert_eq!(shell.severity, Severity::High);
    assert_eq!(shell.confidence, Confidence::High);
    assert_eq!(shell.analyzer, "bandit");
    assert!(shell.snippet.contains("shell=True"), "{}", shell.snippet);

    let pickle = find("bandit/B301");
    assert_eq!(pickle.cwe, vec![Cwe(502)]);
    assert_eq!(pickle.location.start_line, 13);
    let yaml = find("bandit/B506");
    assert_eq!(yaml.cwe, vec![Cwe(20)]);
    assert_eq!(yaml.location.start_line, 17);

    for f in &out.findings {
        assert_eq!(f.location.path, PathBuf::from("vulnerable.py"), "{f:?}");
        assert!(f.location.start_line >= 1 && f.location.start_column >= 1);
    }
    let mut prints: Vec<_> = out.findings.iter().map(|f| &f.fingerprint).collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), out.findings.len(), "fingerprints are unique");

    let note = out
        .notes
        .iter()
        .find(|n| n.path == Path::new("broken.py"))
        .unwrap_or_else(|| panic!("no note for broken.py: {:?}", out.notes));
    assert_eq!(note.kind, NoteKind::ParseError);
}

#[test]
fn no_python_files_means_no_run() {
    let bandit = Bandit::new(Some(PathBuf::from("/nonexistent/bandit")));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("notes.txt")],
        timeout: Duration::from_secs(5),
    };
    let out = bandit.run(&input).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty());
}

#[test]
fn missing_program_says_how_to_install() {
    let bandit = Bandit::new(Some(PathBuf::from("/nonexistent/dir/bandit")));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("vulnerable.py")],
        timeout: Duration::from_secs(5),
    };
    for err in [bandit.run(&input).err(), bandit.version().err()] {
        match err {
            Some(AnalyzerError::NotInstalled { tool, hint }) => {
                assert_eq!(tool, "bandit");
                assert!(hint.contains("scripts/setup"), "{hint}");
                assert!(hint.contains("pip install bandit"), "{hint}");
            }
            other => panic!("expected NotInstalled, got {other:?}"),
        }
    }
}

#[test]
fn tool_writing_nothing_is_malformed_output() {
    // `true` exits 0 without a report.
    let Ok(program) = find_tool("true", "true", None, "") else {
        return;
    };
    let bandit = Bandit::new(Some(program));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("vulnerable.py")],
        timeout: Duration::from_secs(5),
    };
    let err = bandit.run(&input).err();
    assert!(
        matches!(err, Some(AnalyzerError::MalformedOutput { .. })),
        "{err:?}"
    );
}

#[test]
fn tool_failing_without_json_is_a_crash() {
    // `ls -f json -q FILE` fails (exit 2) on the missing `json` operand.
    let Ok(program) = find_tool("ls", "ls", None, "") else {
        return;
    };
    let bandit = Bandit::new(Some(program));
    let input = AnalyzerInput {
        root: fixtures(),
        files: vec![PathBuf::from("vulnerable.py")],
        timeout: Duration::from_secs(5),
    };
    let err = bandit.run(&input).err();
    assert!(
        matches!(err, Some(AnalyzerError::Crashed { .. })),
        "{err:?}"
    );
}

const REPORT: &str = r#"{
  "errors": [{"filename": "/proj/src/bad.py", "reason": "syntax error while parsing AST from file"}],
  "results": [
    {
      "code": "8 def run(command):\n9     return subprocess.call(command, shell=True)\n10 \n",
      "col_offset": 11,
      "end_col_offset": 47,
      "filename": "/proj/src/app.py",
      "issue_confidence": "HIGH",
      "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org/data/definitions/78.html"},
      "issue_severity": "HIGH",
      "issue_text": "subprocess call with shell=True identified, security issue.",
      "line_number": 9,
      "line_range": [9],
      "test_id": "B602",
      "test_name": "subprocess_popen_with_shell_equals_true"
    },
    {
      "code": "12 x = 1\n13 y = pickle.loads(b)\n",
      "col_offset": 4,
      "end_col_offset": 19,
      "filename": "./other.py",
      "issue_confidence": "MEDIUM",
      "issue_cwe": {"id": 502},
      "issue_severity": "LOW",
      "issue_text": "Pickle can be unsafe.",
      "line_number": 13,
      "line_range": [13],
      "test_id": "B301",
      "test_name": "blacklist"
    }
  ]
}"#;

#[test]
fn parses_a_hand_written_report() {
    let out = parse_bandit_json(REPORT, Path::new("/proj")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.findings.len(), 2);
    let f = &out.findings[0];
    assert_eq!(f.rule_id, "bandit/B602");
    assert_eq!(f.analyzer, "bandit");
    assert_eq!(f.cwe, vec![Cwe(78)]);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.location.path, PathBuf::from("src/app.py"));
    assert_eq!(f.location.start_line, 9);
    assert_eq!(f.location.start_column, 12);
    assert_eq!(f.location.end_column, 48);
    assert_eq!(f.snippet, "    return subprocess.call(command, shell=True)");
    let g = &out.findings[1];
    assert_eq!(g.rule_id, "bandit/B301");
    assert_eq!(g.cwe, vec![Cwe(502)]);
    assert_eq!(g.severity, Severity::Low);
    assert_eq!(g.confidence, Confidence::Medium);
    assert_eq!(g.location.path, PathBuf::from("other.py"));
    assert_ne!(f.fingerprint, g.fingerprint);

    assert_eq!(out.notes.len(), 1);
    assert_eq!(out.notes[0].path, PathBuf::from("src/bad.py"));
    assert_eq!(out.notes[0].kind, NoteKind::ParseError);
}

#[test]
fn fingerprint_survives_line_shifts() {
    let shifted = REPORT
        .replace("\"line_number\": 9", "\"line_number\": 19")
        .replace("[9]", "[19]")
        .replace("8 def run", "18 def run")
        .replace("9     return", "19     return")
        .replace("10 \\n", "20 \\n");
    let a = parse_bandit_json(REPORT, Path::new("/proj")).unwrap_or_else(|e| panic!("{e}"));
    let b = parse_bandit_json(&shifted, Path::new("/proj")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.findings[0].location.start_line, 19);
    assert_eq!(a.findings[0].fingerprint, b.findings[0].fingerprint);
}

#[test]
fn malformed_reports_are_errors() {
    let root = Path::new("/proj");
    assert!(parse_bandit_json("", root).is_err());
    assert!(parse_bandit_json("{\"results\": [", root).is_err());
    assert!(parse_bandit_json("[1, 2]", root).is_err());
    assert!(parse_bandit_json("{\"results\": 3}", root).is_err());
    // An empty report is fine.
    let out = parse_bandit_json("{\"results\": [], \"errors\": []}", root)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty() && out.notes.is_empty());
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = parse_bandit_json(&text, Path::new("/proj"));
    }

    #[test]
    fn truncated_reports_never_panic(cut in 0usize..2000) {
        let end = REPORT.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(REPORT.len());
        let _ = parse_bandit_json(&REPORT[..end], Path::new("/proj"));
    }

    #[test]
    fn odd_field_values_never_panic(
        line in any::<i64>(),
        col in any::<i64>(),
        id in ".{0,12}",
    ) {
        let text = format!(
            r#"{{"results": [{{"test_id": {id:?}, "filename": "a.py", "line_number": {line},
                "col_offset": {col}, "end_col_offset": {col}, "line_range": [{line}],
                "issue_cwe": {{"id": {col}}}, "code": {id:?}}}]}}"#
        );
        let _ = parse_bandit_json(&text, Path::new("/proj"));
    }
}
