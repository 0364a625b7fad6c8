//! The cppcheck adapter: the real tool on fixture code, the XML parser on
//! hand-written reports, and the failure modes (crash, timeout, garbage).

use proptest::prelude::*;
use secguard_analyzers::cppcheck::{Cppcheck, parse_cppcheck_xml};
use secguard_analyzers::tool::find_tool;
use secguard_analyzers::{Analyzer, AnalyzerError, AnalyzerInput};
use secguard_core::{Confidence, Cwe, Finding, Language, NoteKind, Severity};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cppcheck")
}

fn src() -> PathBuf {
    fixtures().join("src")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// True when cppcheck is installed. Under `CI` a missing tool fails the test.
fn have_cppcheck() -> bool {
    match find_tool("cppcheck", "cppcheck", None, "") {
        Ok(_) => true,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("cppcheck is required under CI: {e}");
            }
            eprintln!("skipping: cppcheck is not installed ({e})");
            false
        }
    }
}

fn input(files: &[&str], timeout: Duration) -> AnalyzerInput {
    AnalyzerInput {
        root: src(),
        files: files.iter().map(PathBuf::from).collect(),
        timeout,
    }
}

fn find<'a>(findings: &'a [Finding], rule: &str, path: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.location.path == Path::new(path))
        .unwrap_or_else(|| panic!("no {rule} in {path}: {findings:#?}"))
}

#[test]
fn real_cppcheck_finds_the_fixture_weaknesses() {
    if !have_cppcheck() {
        return;
    }
    let out = Cppcheck::new()
        .run(&input(
            &[
                "vuln.c",
                "sub/copy.cpp",
                "clean.c",
                "notes.txt",
                "missing.c",
            ],
            Duration::from_secs(120),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let f = &out.findings;
    assert!(f.iter().all(|f| f.analyzer == "cppcheck"));
    assert!(f.iter().all(|f| f.location.path != Path::new("clean.c")));

    let oob = find(f, "cppcheck/arrayIndexOutOfBounds", "vuln.c");
    assert_eq!(oob.location.start_line, 10);
    assert_eq!(oob.location.start_column, 8);
    assert_eq!(oob.cwe, vec![Cwe(788)]);
    assert_eq!(oob.severity, Severity::High);
    assert_eq!(oob.snippet.trim(), "arr[10] = 5;");

    let leak = find(f, "cppcheck/memleak", "vuln.c");
    assert_eq!(leak.location.start_line, 20);
    assert_eq!(leak.cwe, vec![Cwe(401)]);

    let gets = find(f, "cppcheck/getsCalled", "vuln.c");
    assert_eq!(gets.location.start_line, 25);
    assert_eq!(gets.cwe, vec![Cwe(477)]);
    assert_eq!(gets.severity, Severity::Medium);

    let overflow = find(f, "cppcheck/bufferAccessOutOfBounds", "sub/copy.cpp");
    assert_eq!(overflow.location.start_line, 7);
    assert_eq!(overflow.cwe, vec![Cwe(788)]);

    let null = find(f, "cppcheck/nullPointer", "sub/copy.cpp");
    assert_eq!(null.location.start_line, 13);
    assert_eq!(null.cwe, vec![Cwe(476)]);
    // The trace runs from the assignment to the dereference.
    let lines: Vec<u32> = null.trace.iter().map(|s| s.location.start_line).collect();
    assert_eq!(lines, vec![12, 13]);

    // The missing file is noted, not fatal.
    let noted: Vec<&Path> = out.notes.iter().map(|n| n.path.as_path()).collect();
    assert_eq!(noted, vec![Path::new("missing.c")]);
    assert_eq!(out.notes[0].kind, NoteKind::Unreadable);

    // No configuration chatter.
    assert!(!f.iter().any(|f| f.rule_id.contains("missingInclude")));
    let mut prints: Vec<&str> = f.iter().map(|f| f.fingerprint.0.as_str()).collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), f.len(), "fingerprints are unique");
}

#[test]
fn real_cppcheck_reports_version_and_languages() {
    if !have_cppcheck() {
        return;
    }
    let c = Cppcheck::new();
    let v = c.version().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        v.chars().next().is_some_and(|ch| ch.is_ascii_digit()),
        "{v}"
    );
    assert_eq!(c.name(), "cppcheck");
    assert_eq!(c.languages(), &[Language::C, Language::Cpp]);
}

#[test]
fn no_c_files_means_no_run() {
    // Even a broken program is not started when there is nothing to check.
    let out = Cppcheck::new()
        .with_program("/bin/false")
        .run(&input(&["app.py"], Duration::from_secs(5)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty());
}

#[test]
fn missing_program_says_how_to_install() {
    let err = Cppcheck::new()
        .with_program("/nonexistent/cppcheck")
        .run(&input(&["vuln.c"], Duration::from_secs(5)))
        .err();
    match err {
        Some(AnalyzerError::NotInstalled { tool, hint }) => {
            assert_eq!(tool, "cppcheck");
            assert!(hint.contains("apt-get install cppcheck"), "{hint}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn crashing_tool_is_reported_by_name() {
    let err = Cppcheck::new()
        .with_program("/bin/false")
        .run(&input(&["vuln.c"], Duration::from_secs(10)))
        .err();
    match err {
        Some(e @ AnalyzerError::Crashed { .. }) => {
            assert_eq!(e.tool(), "cppcheck");
            assert!(e.to_string().starts_with("cppcheck:"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// A stand-in executable: a shell script (run through its `#!` line, with
/// argv, never through a shell command line).
fn script(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-tool");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn hanging_tool_times_out() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // `exec`: run_tool kills only its child, and waits for the pipes to close.
    let program = script(dir.path(), "exec sleep 10");
    let start = std::time::Instant::now();
    let err = Cppcheck::new()
        .with_program(program)
        .run(&input(&["vuln.c"], Duration::from_millis(300)))
        .err();
    assert!(start.elapsed() < Duration::from_secs(5));
    match err {
        Some(e @ AnalyzerError::Timeout { .. }) => assert_eq!(e.tool(), "cppcheck"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_report_is_malformed_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let program = script(
        dir.path(),
        r#"for a in "$@"; do case "$a" in --output-file=*) echo '<results version="2"><err' > "${a#--output-file=}";; esac; done"#,
    );
    let err = Cppcheck::new()
        .with_program(program)
        .run(&input(&["vuln.c"], Duration::from_secs(10)))
        .err();
    match err {
        Some(e @ AnalyzerError::MalformedOutput { .. }) => assert_eq!(e.tool(), "cppcheck"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_report_is_malformed_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let program = script(dir.path(), "exit 0");
    let err = Cppcheck::new()
        .with_program(program)
        .run(&input(&["vuln.c"], Duration::from_secs(10)))
        .err();
    assert!(
        matches!(err, Some(AnalyzerError::MalformedOutput { .. })),
        "{err:?}"
    );
}

#[test]
fn command_line_uses_xml_v2_and_a_file_list() {
    let args = Cppcheck::new()
        .with_extra_args(["--std=c11"])
        .command_args(Path::new("/tmp/x/out.xml"), Path::new("/tmp/x/files.txt"));
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        args,
        vec![
            "--xml",
            "--xml-version=2",
            "--enable=warning,portability",
            "--quiet",
            "--output-file=/tmp/x/out.xml",
            "--std=c11",
            "--file-list=/tmp/x/files.txt",
        ]
    );
}

#[test]
fn parses_a_recorded_report() {
    let out = parse_cppcheck_xml(&read("report.xml"), &src()).unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<(&str, String, u32)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.location.path_string(),
                f.location.start_line,
            )
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            ("cppcheck/bufferAccessOutOfBounds", "sub/copy.cpp".into(), 7),
            ("cppcheck/nullPointer", "sub/copy.cpp".into(), 13),
            ("cppcheck/arrayIndexOutOfBounds", "vuln.c".into(), 10),
            ("cppcheck/memleak", "vuln.c".into(), 20),
            ("cppcheck/getsCalled", "vuln.c".into(), 25),
        ]
    );
    let gets = &out.findings[4];
    assert_eq!(
        gets.title,
        "Obsolete function 'gets' called. It is recommended to use 'fgets' or 'gets_s' instead."
    );
    assert!(
        gets.message
            .starts_with("The obsolete function 'gets' is called.")
    );
    assert_eq!(gets.snippet.trim(), "gets(line);");
    assert_eq!(gets.confidence, Confidence::Medium);
}

#[test]
fn fingerprints_survive_line_shifts() {
    let report = read("report.xml");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("sub")).unwrap_or_else(|e| panic!("{e}"));
    let original = std::fs::read_to_string(src().join("vuln.c")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("vuln.c"), format!("\n\n{original}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let shifted = report
        .replace(r#"file="vuln.c" line="10""#, r#"file="vuln.c" line="12""#)
        .replace(r#"file="vuln.c" line="20""#, r#"file="vuln.c" line="22""#)
        .replace(r#"file="vuln.c" line="25""#, r#"file="vuln.c" line="27""#);
    let a = parse_cppcheck_xml(&report, &src()).unwrap_or_else(|e| panic!("{e}"));
    let b = parse_cppcheck_xml(&shifted, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let pick = |o: &secguard_analyzers::AnalyzerOutput, rule: &str| {
        o.findings
            .iter()
            .find(|f| f.rule_id == rule)
            .map(|f| (f.fingerprint.clone(), f.location.start_line))
    };
    let (fa, la) = pick(&a, "cppcheck/getsCalled").unwrap_or_else(|| panic!("gets"));
    let (fb, lb) = pick(&b, "cppcheck/getsCalled").unwrap_or_else(|| panic!("gets"));
    assert_eq!(fa, fb);
    assert_eq!(lb, la + 2);
}

#[test]
fn edge_cases_of_the_format() {
    let root = Path::new("/abs/root");
    let out = parse_cppcheck_xml(&read("edge.xml"), root).unwrap_or_else(|e| panic!("{e}"));
    // information items and items with no location are skipped.
    let rules: Vec<&str> = out.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(
        rules,
        vec![
            "cppcheck/uninitvar",
            "cppcheck/knownConditionTrueFalse",
            "cppcheck/passedByValue"
        ]
    );
    let uninit = &out.findings[0];
    assert_eq!(
        uninit.location.path,
        Path::new("a.c"),
        "absolute path made relative"
    );
    assert_eq!(uninit.location.start_line, 4);
    assert_eq!(uninit.confidence, Confidence::Low, "inconclusive");
    assert_eq!(uninit.cwe, vec![Cwe(457)]);
    let trace: Vec<(String, u32, &str)> = uninit
        .trace
        .iter()
        .map(|s| {
            (
                s.location.path_string(),
                s.location.start_line,
                s.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        trace,
        vec![
            ("a.c".to_string(), 2, "x is declared"),
            ("a.c".to_string(), 4, "x is used")
        ]
    );
    assert_eq!(out.findings[1].severity, Severity::Low);
    assert_eq!(out.findings[2].severity, Severity::Low);
    // An empty verbose text falls back to msg.
    assert!(
        out.findings[2]
            .message
            .contains("passed by const reference")
    );
    // A syntax error is a parse note, not a finding.
    assert_eq!(out.notes.len(), 1);
    assert_eq!(out.notes[0].kind, NoteKind::ParseError);
    assert_eq!(out.notes[0].path, Path::new("broken.c"));
    assert_eq!(out.notes[0].line, Some(3));
}

#[test]
fn empty_report_has_no_findings() {
    let text = r#"<?xml version="1.0"?><results version="2"><cppcheck version="2.10"/><errors></errors></results>"#;
    let out = parse_cppcheck_xml(text, &src()).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty() && out.notes.is_empty());
}

#[test]
fn malformed_reports_are_errors() {
    for bad in [
        read("malformed.xml"),
        String::new(),
        "not xml at all".to_string(),
        r#"<results version="1"><error id="x" severity="error" msg="m" file="a.c" line="1"/></results>"#
            .to_string(),
        r#"<results version="2"><cppcheck version="2.10"/></results>"#.to_string(),
        r#"<other version="2"><errors/></other>"#.to_string(),
    ] {
        assert!(parse_cppcheck_xml(&bad, &src()).is_err(), "{bad}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in ".*") {
        let _ = parse_cppcheck_xml(&text, Path::new("/nonexistent"));
    }

    #[test]
    fn arbitrary_attributes_never_panic(
        id in "[a-zA-Z<>&;\"' ]{0,12}",
        severity in "(error|warning|style|information|debug|)",
        line in "[-0-9a-z]{0,12}",
        column in "[-0-9]{0,12}",
        cwe in "[-0-9a-zA-Z]{0,8}",
        file in "[./a-z]{0,12}",
    ) {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
        let text = format!(
            r#"<results version="2"><errors><error id="{}" severity="{severity}" msg="m" cwe="{cwe}"><location file="{file}" line="{line}" column="{column}"/></error></errors></results>"#,
            esc(&id)
        );
        let out = parse_cppcheck_xml(&text, Path::new("/nonexistent"));
        prop_assert!(out.is_ok());
        if let Ok(out) = out {
            for f in out.findings {
                prop_assert!(f.location.start_line >= 1 && f.location.start_column >= 1);
            }
        }
    }
}

/// All C/C++ files under `dir`, relative to it, sorted.
fn source_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir.join(rel)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = rel.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            source_files(dir, &path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension)
            .is_some_and(Language::is_c_family)
        {
            out.push(path);
        }
    }
}

/// Timing on the Juliet sample: `cargo test -p secguard-analyzers --test cppcheck -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark on ../shared/data/juliet-sample"]
fn juliet_sample_timing() {
    if !have_cppcheck() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/juliet-sample");
    let mut files = Vec::new();
    source_files(&root, Path::new(""), &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!("skipping: no Juliet sample at {}", root.display());
        return;
    }
    let input = AnalyzerInput {
        root,
        files,
        timeout: Duration::from_secs(600),
    };
    let start = std::time::Instant::now();
    let out = Cppcheck::new()
        .run(&input)
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = start.elapsed();
    let mut cwes: Vec<Cwe> = out.findings.iter().flat_map(|f| f.cwe.clone()).collect();
    cwes.sort();
    cwes.dedup();
    eprintln!(
        "cppcheck on {} Juliet files: {} findings, {} notes, {} distinct CWEs, {:.2} s",
        input.files.len(),
        out.findings.len(),
        out.notes.len(),
        cwes.len(),
        elapsed.as_secs_f64()
    );
}
