//! The flawfinder adapter: the real tool on fixture code, the CSV parser on
//! recorded and hand-written output, and the failure modes.

use proptest::prelude::*;
use secguard_analyzers::flawfinder::{Flawfinder, parse_cwes, parse_flawfinder_csv};
use secguard_analyzers::tool::find_tool;
use secguard_analyzers::{Analyzer, AnalyzerError, AnalyzerInput};
use secguard_core::{Confidence, Cwe, Finding, Language, NoteKind, Severity, SuppressionKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flawfinder")
}

fn src() -> PathBuf {
    fixtures().join("src")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// True when flawfinder is installed. Under `CI` a missing tool fails the test.
fn have_flawfinder() -> bool {
    match find_tool("flawfinder", "flawfinder", None, "") {
        Ok(_) => true,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("flawfinder is required under CI: {e}");
            }
            eprintln!("skipping: flawfinder is not installed ({e})");
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

fn find<'a>(findings: &'a [Finding], rule: &str, path: &str, line: u32) -> &'a Finding {
    findings
        .iter()
        .find(|f| {
            f.rule_id == rule && f.location.path == Path::new(path) && f.location.start_line == line
        })
        .unwrap_or_else(|| panic!("no {rule} at {path}:{line}: {findings:#?}"))
}

#[test]
fn real_flawfinder_finds_the_fixture_weaknesses() {
    if !have_flawfinder() {
        return;
    }
    let out = Flawfinder::new()
        .run(&input(
            &["vuln.c", "sub/race.c", "clean.c", "latin1.c", "missing.c"],
            Duration::from_secs(120),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let f = &out.findings;
    assert!(f.iter().all(|f| f.analyzer == "flawfinder"));
    assert!(f.iter().all(|f| f.location.path != Path::new("clean.c")));

    let strcpy = find(f, "flawfinder/strcpy", "vuln.c", 9);
    assert_eq!(strcpy.cwe, vec![Cwe(120)]);
    assert_eq!(strcpy.severity, Severity::High);
    assert_eq!(strcpy.location.start_column, 5);
    assert_eq!(strcpy.location.end_column, 11);
    assert_eq!(strcpy.snippet.trim(), "strcpy(buf, input);");

    let gets = find(f, "flawfinder/gets", "vuln.c", 16);
    assert_eq!(gets.cwe, vec![Cwe(120), Cwe(20)]);
    assert_eq!(gets.severity, Severity::High);

    let printf = find(f, "flawfinder/printf", "vuln.c", 17);
    assert_eq!(printf.cwe, vec![Cwe(134)]);

    let array = find(f, "flawfinder/char", "vuln.c", 8);
    assert_eq!(array.cwe, vec![Cwe(119), Cwe(120)]);
    assert_eq!(array.severity, Severity::Low);

    let race = find(f, "flawfinder/access", "sub/race.c", 7);
    assert_eq!(race.cwe, vec![Cwe(362), Cwe(367)]);

    // The non-UTF-8 and the missing file are noted, not fatal.
    let mut noted: Vec<String> = out
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Unreadable)
        .map(|n| n.path.to_string_lossy().into_owned())
        .collect();
    noted.sort();
    assert_eq!(noted, vec!["latin1.c", "missing.c"]);
}

#[test]
fn ignore_directives_become_visible_suppressions() {
    if !have_flawfinder() {
        return;
    }
    let out = Flawfinder::new()
        .run(&input(&["ignored.c"], Duration::from_secs(60)))
        .unwrap_or_else(|e| panic!("{e}"));
    let hits: Vec<(u32, bool)> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "flawfinder/strcpy")
        .map(|f| (f.location.start_line, f.is_suppressed()))
        .collect();
    assert_eq!(hits, vec![(6, true), (8, true), (9, false)]);
    let s = out.findings[0]
        .suppression
        .as_ref()
        .unwrap_or_else(|| panic!("suppressed"));
    assert_eq!(s.kind, SuppressionKind::InSource);
}

#[test]
fn min_level_filters_hits() {
    if !have_flawfinder() {
        return;
    }
    let out = Flawfinder::new()
        .with_min_level(4)
        .run(&input(&["vuln.c"], Duration::from_secs(60)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.findings.is_empty());
    assert!(out.findings.iter().all(|f| f.severity == Severity::High));
}

#[test]
fn real_flawfinder_reports_version_and_languages() {
    if !have_flawfinder() {
        return;
    }
    let ff = Flawfinder::new();
    let v = ff.version().unwrap_or_else(|e| panic!("{e}"));
    assert!(v.chars().next().is_some_and(|c| c.is_ascii_digit()), "{v}");
    assert_eq!(ff.name(), "flawfinder");
    assert_eq!(ff.languages(), &[Language::C, Language::Cpp]);
}

#[test]
fn missing_program_says_how_to_install() {
    let err = Flawfinder::new()
        .with_program("/nonexistent/flawfinder")
        .run(&input(&["vuln.c"], Duration::from_secs(5)))
        .err();
    match err {
        Some(AnalyzerError::NotInstalled { tool, hint }) => {
            assert_eq!(tool, "flawfinder");
            assert!(hint.contains("apt-get install flawfinder"), "{hint}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn crashing_tool_is_reported_by_name() {
    let err = Flawfinder::new()
        .with_program("/bin/false")
        .run(&input(&["vuln.c"], Duration::from_secs(10)))
        .err();
    match err {
        Some(e @ AnalyzerError::Crashed { .. }) => {
            assert_eq!(e.tool(), "flawfinder");
            assert!(e.to_string().starts_with("flawfinder:"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// A stand-in executable: a shell script run through its `#!` line.
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
    let err = Flawfinder::new()
        .with_program(program)
        .run(&input(&["vuln.c"], Duration::from_millis(300)))
        .err();
    assert!(start.elapsed() < Duration::from_secs(5));
    match err {
        Some(e @ AnalyzerError::Timeout { .. }) => assert_eq!(e.tool(), "flawfinder"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_output_is_malformed_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let program = script(dir.path(), "echo 'Examining vuln.c'; echo 'Hits = 3'");
    let err = Flawfinder::new()
        .with_program(program)
        .run(&input(&["vuln.c"], Duration::from_secs(10)))
        .err();
    match err {
        Some(e @ AnalyzerError::MalformedOutput { .. }) => assert_eq!(e.tool(), "flawfinder"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn command_line_is_csv_data_only() {
    let args = Flawfinder::new()
        .with_min_level(2)
        .command_args(&[Path::new("a.c"), Path::new("-b.c")]);
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        args,
        vec![
            "--csv",
            "--dataonly",
            "--quiet",
            "--neverignore",
            "--minlevel=2",
            "--",
            "a.c",
            "-b.c"
        ]
    );
}

#[test]
fn parses_recorded_output() {
    let out = parse_flawfinder_csv(&read("report.csv"), &src()).unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<(&str, String, u32)> = out
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
        got,
        vec![
            ("flawfinder/access", "sub/race.c".into(), 7),
            ("flawfinder/fopen", "sub/race.c".into(), 9),
            ("flawfinder/char", "vuln.c".into(), 8),
            ("flawfinder/strcpy", "vuln.c".into(), 9),
            ("flawfinder/char", "vuln.c".into(), 15),
            ("flawfinder/gets", "vuln.c".into(), 16),
            ("flawfinder/printf", "vuln.c".into(), 17),
        ]
    );
    let fopen = &out.findings[1];
    assert_eq!(fopen.snippet, "    return fopen(path, \"r\") != NULL;");
    assert_eq!(fopen.severity, Severity::Low);
    assert_eq!(fopen.confidence, Confidence::Low);
    assert_eq!(fopen.cwe, vec![Cwe(362)]);
    let gets = &out.findings[5];
    assert_eq!(
        gets.title,
        "Does not check for buffer overflows (CWE-120, CWE-20)."
    );
    assert!(gets.message.ends_with("Use fgets() instead."));
    // Two `char` hits on different lines of the same file keep distinct identities.
    assert_ne!(out.findings[2].fingerprint, out.findings[4].fingerprint);
}

#[test]
fn quoted_fields_crlf_and_absolute_paths() {
    let out = parse_flawfinder_csv(&read("edge.csv"), Path::new("/abs/root"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.findings.len(), 2);
    let memcpy = &out.findings[0];
    assert_eq!(memcpy.location.path, Path::new("a b.c"));
    assert_eq!(memcpy.severity, Severity::Medium);
    assert_eq!(
        memcpy.title,
        "Multi-line warning:\nsecond line, with \"quotes\"."
    );
    assert_eq!(memcpy.snippet, "  memcpy(d, s, n);");
    let chroot = &out.findings[1];
    assert_eq!(chroot.location.path, Path::new("sub/x.c"));
    assert_eq!(chroot.location.start_column, 7);
    assert_eq!(chroot.severity, Severity::Info);
    assert_eq!(chroot.cwe, vec![Cwe(22)]);
    // No context: the title stands in for the fingerprint text.
    assert!(!chroot.fingerprint.0.is_empty());
}

#[test]
fn header_only_output_has_no_findings() {
    let text = "File,Line,Column,DefaultLevel,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint,ToolVersion,RuleId,HelpUri\n";
    let out = parse_flawfinder_csv(text, &src()).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty());
}

#[test]
fn malformed_output_is_an_error() {
    let header = "File,Line,Column,Level,Name,CWEs\n";
    for bad in [
        String::new(),
        "Examining vuln.c\nHits = 3\n".to_string(),
        "File,Line,Name\nvuln.c,3,strcpy\n".to_string(), // no Level column
        format!("{header}vuln.c,3,1,4,strcpy\n"),        // too few fields
        format!("{header}vuln.c,x,1,4,strcpy,CWE-120\n"), // bad line
        format!("{header}vuln.c,3,1,high,strcpy,CWE-120\n"), // bad level
        format!("{header}vuln.c,3,1,4,\"strcpy,CWE-120\n"), // unterminated quote
        format!("{header},3,1,4,strcpy,CWE-120\n"),      // no file
    ] {
        assert!(parse_flawfinder_csv(&bad, &src()).is_err(), "{bad:?}");
    }
}

#[test]
fn cwe_notations() {
    assert_eq!(parse_cwes("CWE-120, CWE-20"), vec![Cwe(120), Cwe(20)]);
    assert_eq!(parse_cwes("CWE-119!/CWE-120"), vec![Cwe(119), Cwe(120)]);
    assert_eq!(parse_cwes("CWE-362/CWE-367!"), vec![Cwe(362), Cwe(367)]);
    assert_eq!(parse_cwes("CWE-120, CWE-120"), vec![Cwe(120)]);
    assert!(parse_cwes("").is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,300}") {
        let _ = parse_flawfinder_csv(&text, Path::new("/nonexistent"));
    }

    #[test]
    fn arbitrary_rows_never_panic(rows in proptest::collection::vec("[-a-z0-9,\"\r\n !/]{0,40}", 0..6)) {
        let text = format!("File,Line,Column,Level,Name,CWEs,Context\n{}", rows.join("\n"));
        if let Ok(out) = parse_flawfinder_csv(&text, Path::new("/nonexistent")) {
            for f in out.findings {
                prop_assert!(f.location.start_line >= 1 && f.location.start_column >= 1);
                prop_assert!(f.rule_id.starts_with("flawfinder/"));
            }
        }
    }

    #[test]
    fn arbitrary_cwe_lists_never_panic(text in ".{0,60}") {
        for cwe in parse_cwes(&text) {
            prop_assert!(cwe.0 > 0);
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

/// Timing on the Juliet sample: `cargo test -p secguard-analyzers --test flawfinder -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark on ../shared/data/juliet-sample"]
fn juliet_sample_timing() {
    if !have_flawfinder() {
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
    let out = Flawfinder::new()
        .run(&input)
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = start.elapsed();
    let mut cwes: Vec<Cwe> = out.findings.iter().flat_map(|f| f.cwe.clone()).collect();
    cwes.sort();
    cwes.dedup();
    eprintln!(
        "flawfinder on {} Juliet files: {} findings, {} notes, {} distinct CWEs, {:.2} s",
        input.files.len(),
        out.findings.len(),
        out.notes.len(),
        cwes.len(),
        elapsed.as_secs_f64()
    );
}
