use proptest::prelude::*;
use secguard_core::{Confidence, Cwe, Finding, Fingerprint, Location, ScanReport, Severity};
use secguard_eval::EvalError;
use secguard_eval::score::{
    CweMatch, OwaspLayout, Scorecard, TestCase, juliet_cases, read_expected, read_expected_with,
    read_findings, score, scorecards_table,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/score")
        .join(name)
}

fn case(id: &str, file: &str, category: &str, cwe: u32, real: bool) -> TestCase {
    TestCase {
        id: id.to_string(),
        file: PathBuf::from(file),
        category: category.to_string(),
        cwe: Cwe(cwe),
        real,
        lines: None,
    }
}

fn finding(path: &str, start: u32, end: u32, cwes: &[u32]) -> Finding {
    Finding {
        rule_id: "r".to_string(),
        title: "t".to_string(),
        message: "m".to_string(),
        cwe: cwes.iter().map(|c| Cwe(*c)).collect(),
        severity: Severity::High,
        confidence: Confidence::High,
        location: Location {
            path: PathBuf::from(path),
            start_line: start,
            start_column: 1,
            end_line: end,
            end_column: 1,
        },
        snippet: String::new(),
        fingerprint: Fingerprint(String::new()),
        analyzer: "builtin".to_string(),
        trace: Vec::new(),
        suppression: None,
        reported_by: Vec::new(),
    }
}

fn no_family(_: Cwe, _: Cwe) -> bool {
    false
}

fn malformed_parts(err: EvalError) -> (String, String, String) {
    match err {
        EvalError::Malformed { path, at, message } => (path, at, message),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

/// The same four cases in expected.csv and expected.json.
fn expected_generic() -> Vec<TestCase> {
    vec![
        TestCase {
            lines: Some((10, 14)),
            ..case("sqli-1", "app/db.py", "sqli", 89, true)
        },
        TestCase {
            lines: Some((20, 20)),
            ..case("sqli-2", "./app/db.py", "sqli", 89, false)
        },
        case("cmdi-1", "app\\run.py", "cmdi", 78, true),
        // An empty category defaults to the CWE.
        case("cmdi-2", "app/safe.py", "CWE-78", 78, false),
    ]
}

#[test]
fn generic_csv_with_header() {
    let cases = read_expected(&fixture("expected.csv")).unwrap();
    assert_eq!(cases, expected_generic());
}

#[test]
fn generic_csv_without_header_is_positional() {
    let cases = read_expected(&fixture("expected-noheader.csv")).unwrap();
    assert_eq!(
        cases,
        vec![
            case("t1", "src/a.c", "overflow", 121, true),
            TestCase {
                lines: Some((3, 9)),
                ..case("t2", "src/b.c", "overflow", 121, false)
            },
        ]
    );
}

#[test]
fn generic_csv_with_reordered_header_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    std::fs::write(
        &path,
        "Real,CWE,File,Test ID,Category\nyes-ish,89,a.py,x,sqli\n",
    )
    .unwrap();
    let (_, at, message) = malformed_parts(read_expected(&path).unwrap_err());
    assert_eq!(at, "line 2");
    assert!(message.contains("`real`"), "{message}");

    // A byte-order mark (as spreadsheets write) does not hide the header.
    std::fs::write(
        &path,
        "\u{feff}Real,CWE,File,Test ID,Category\nfalse,89,a.py,x,sqli\n",
    )
    .unwrap();
    assert_eq!(
        read_expected(&path).unwrap(),
        vec![case("x", "a.py", "sqli", 89, false)]
    );
}

#[test]
fn generic_json() {
    let mut expected = expected_generic();
    // The JSON's numeric id is read as text.
    expected[3].id = "4".to_string();
    let cases = read_expected(&fixture("expected.json")).unwrap();
    assert_eq!(cases, expected);
}

#[test]
fn csv_bad_real_value_names_line_and_field() {
    let (path, at, message) = malformed_parts(read_expected(&fixture("bad-real.csv")).unwrap_err());
    assert!(path.ends_with("bad-real.csv"), "{path}");
    assert_eq!(at, "line 3");
    assert!(
        message.contains("`real`") && message.contains("maybe"),
        "{message}"
    );
}

#[test]
fn csv_missing_column_names_line_and_field() {
    let (path, at, message) =
        malformed_parts(read_expected(&fixture("missing-column.csv")).unwrap_err());
    assert!(path.ends_with("missing-column.csv"), "{path}");
    assert_eq!(at, "line 4");
    assert!(message.contains("`cwe`"), "{message}");
}

#[test]
fn csv_bad_lines_and_cwe_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    for (row, field) in [
        ("a,f.py,c,89,true,9,3", "end_line"),
        ("a,f.py,c,89,true,,3", "end_line"),
        ("a,f.py,c,89,true,zero,3", "start_line"),
        ("a,f.py,c,not-a-cwe,true", "cwe"),
        (",f.py,c,89,true", "id"),
    ] {
        std::fs::write(&path, format!("ok,f.py,c,89,true\n{row}\n")).unwrap();
        let (_, at, message) = malformed_parts(read_expected(&path).unwrap_err());
        assert_eq!(at, "line 2", "{row}");
        assert!(message.contains(&format!("`{field}`")), "{row}: {message}");
    }
}

#[test]
fn json_malformed_record_names_record_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.json");
    std::fs::write(
        &path,
        r#"[{"id":"a","file":"f","category":"c","cwe":89,"real":true},
            {"id":"b","file":"f","category":"c","cwe":89}]"#,
    )
    .unwrap();
    let (_, at, message) = malformed_parts(read_expected(&path).unwrap_err());
    assert_eq!(at, "record 2");
    assert!(message.contains("`real`"), "{message}");

    std::fs::write(&path, "[1,").unwrap();
    let (_, at, _) = malformed_parts(read_expected(&path).unwrap_err());
    assert!(at.starts_with("line 1"), "{at}");
}

#[test]
fn missing_file_is_an_io_error() {
    let err = read_expected(&fixture("does-not-exist.csv")).unwrap_err();
    assert!(matches!(err, EvalError::Io { ref path, .. } if path.ends_with("does-not-exist.csv")));
}

#[test]
fn owasp_expected_results() {
    let cases = read_expected(&fixture("expectedresults-1.2.csv")).unwrap();
    assert_eq!(cases.len(), 5);
    assert_eq!(
        cases[0],
        case(
            "BenchmarkTest00001",
            "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest00001.java",
            "pathtraver",
            22,
            true
        )
    );
    assert_eq!(
        cases[3],
        case(
            "BenchmarkTest00004",
            "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest00004.java",
            "sqli",
            89,
            false
        )
    );
    let reals: Vec<bool> = cases.iter().map(|c| c.real).collect();
    assert_eq!(reals, [true, false, true, false, true]);

    let python =
        read_expected_with(&fixture("expectedresults-1.2.csv"), &OwaspLayout::python()).unwrap();
    assert_eq!(
        python[2].file,
        PathBuf::from("testcode/BenchmarkTest00003.py")
    );
    assert_eq!(python[2].cwe, Cwe(328));

    let custom = OwaspLayout {
        tests_dir: PathBuf::from("bench/tests"),
        extension: "java".to_string(),
    };
    let cases = read_expected_with(&fixture("expectedresults-1.2.csv"), &custom).unwrap();
    assert_eq!(
        cases[4].file,
        PathBuf::from("bench/tests/BenchmarkTest00005.java")
    );
}

#[test]
fn owasp_bad_row_names_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("expectedresults-1.2.csv");
    std::fs::write(
        &path,
        "# test name, category, real vulnerability, cwe, Benchmark version: 1.2\n\
         BenchmarkTest00001,sqli,true,89\n\
         BenchmarkTest00002,sqli,true\n",
    )
    .unwrap();
    let (_, at, message) = malformed_parts(read_expected(&path).unwrap_err());
    assert_eq!(at, "line 3");
    assert!(message.contains("`cwe`"), "{message}");
}

#[test]
fn juliet_fixture() {
    let cases = juliet_cases(&fixture("juliet")).unwrap();
    let c121 = "testcases/CWE121_Stack_Based_Buffer_Overflow/s01/CWE121_fixture_01.c";
    let c416 = "testcases/CWE416_Use_After_Free/CWE416_fixture_02.cpp";
    let juliet = |file: &str, func: &str, cwe: u32, real: bool, lines: (u32, u32)| TestCase {
        id: format!("{file}:{func}"),
        file: PathBuf::from(file),
        category: Path::new(file)
            .components()
            .nth(1)
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned(),
        cwe: Cwe(cwe),
        real,
        lines: Some(lines),
    };
    // helper() is outside both regions, main() is under INCLUDEMAIN, notGood()
    // is in OMITGOOD's #else branch; testcasesupport/ and notes/ (not a CWE
    // folder) are skipped. badSink's body has nested, indented braces.
    assert_eq!(
        cases,
        vec![
            juliet(c121, "badSink", 121, true, (11, 20)),
            juliet(c121, "CWE121_fixture_01_bad", 121, true, (22, 28)),
            juliet(c121, "goodG2B", 121, false, (34, 46)),
            juliet(c121, "CWE121_fixture_01_good", 121, false, (48, 52)),
            juliet(c416, "bad", 416, true, (9, 14)),
            juliet(c416, "goodG2B", 416, false, (20, 25)),
        ]
    );
    assert_eq!(cases[0].category, "CWE121_Stack_Based_Buffer_Overflow");
}

#[test]
fn juliet_root_must_be_a_directory() {
    assert!(matches!(
        juliet_cases(&fixture("expected.csv")),
        Err(EvalError::Invalid(_))
    ));
    assert!(matches!(
        juliet_cases(&fixture("no-such-dir")),
        Err(EvalError::Io { .. })
    ));
}

#[test]
fn juliet_sample_from_shared_data() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/juliet-sample");
    if !root.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing on CI",
            root.display()
        );
        eprintln!("skipping: {} not present", root.display());
        return;
    }
    let cases = juliet_cases(&root).unwrap();
    let real = cases.iter().filter(|c| c.real).count();
    let fake = cases.len() - real;
    assert!(real >= 633, "{real} real cases");
    assert!(fake > real, "{fake} fake vs {real} real cases");
    let files_with_real: BTreeSet<&Path> = cases
        .iter()
        .filter(|c| c.real)
        .map(|c| c.file.as_path())
        .collect();
    let files_with_fake: BTreeSet<&Path> = cases
        .iter()
        .filter(|c| !c.real)
        .map(|c| c.file.as_path())
        .collect();
    assert_eq!(files_with_real.len(), 633);
    assert_eq!(files_with_fake.len(), 633);
    let cwes: BTreeSet<u32> = cases.iter().map(|c| c.cwe.0).collect();
    assert_eq!(
        cwes,
        BTreeSet::from([78, 121, 134, 190, 369, 401, 415, 416, 457, 476])
    );
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "ids are unique");
    for c in &cases {
        let (start, end) = c.lines.unwrap_or_else(|| panic!("{} has no lines", c.id));
        assert!(1 <= start && start < end, "{}: {start}-{end}", c.id);
        assert!(
            c.category.starts_with(&format!("CWE{}_", c.cwe.0)),
            "{}",
            c.id
        );
        assert!(!c.file.starts_with("testcasesupport"), "{}", c.id);
    }
    // Every file's main() is under INCLUDEMAIN and never a case.
    assert!(cases.iter().all(|c| !c.id.ends_with(":main")));
}

#[test]
fn findings_from_json_report_drop_suppressed() {
    let path = fixture("report.json");
    // The fixture is a complete report, as `secguard scan --format json` writes it.
    let report: ScanReport =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report.findings.len(), 3);

    let findings = read_findings(&path).unwrap();
    let rules: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.location.path.to_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("py-sql-injection", "app/db.py"),
            ("py-command-injection", "app/run.py"),
        ]
    );
    assert_eq!(findings[1].location.end_line, 4);
    assert!(findings.iter().all(|f| f.suppression.is_none()));
}

#[test]
fn findings_from_sarif_drop_suppressed() {
    let findings = read_findings(&fixture("findings.sarif")).unwrap();
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].rule_id, "sqli");
    assert_eq!(findings[0].cwe, vec![Cwe(89)]);
    assert_eq!(findings[0].location.path, PathBuf::from("app/db.py"));
    assert_eq!(
        (
            findings[0].location.start_line,
            findings[0].location.end_line
        ),
        (11, 13)
    );
    assert_eq!(findings[0].analyzer, "semgrep");
    assert_eq!(findings[1].cwe, vec![Cwe(787)]);
    assert_eq!(findings[1].location.path, PathBuf::from("src/a.c"));
}

#[test]
fn findings_errors_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.json");

    std::fs::write(&path, r#"{"findings": [{"rule_id": "x"}]}"#).unwrap();
    let (_, at, message) = malformed_parts(read_findings(&path).unwrap_err());
    assert_eq!(at, "findings[0]");
    assert!(message.contains("missing field"), "{message}");

    std::fs::write(&path, r#"{"version": "2.1.0", "runs": [{"results": 3}]}"#).unwrap();
    let (_, at, _) = malformed_parts(read_findings(&path).unwrap_err());
    assert!(at.starts_with("runs[0]"), "{at}");

    std::fs::write(&path, r#"{"something": "else"}"#).unwrap();
    assert!(matches!(
        read_findings(&path),
        Err(EvalError::Malformed { .. })
    ));

    std::fs::write(&path, "{\n  \"findings\": [,]\n}").unwrap();
    let (_, at, _) = malformed_parts(read_findings(&path).unwrap_err());
    assert!(at.starts_with("line 2"), "{at}");
}

/// Three categories, worked out by hand:
///
/// * cmdi (CWE-78): 2 real, 2 fake. c1 flagged (TP), c2 not (FN), c3 flagged
///   (FP), c4 not (TN). TPR = 1/2 = 0.5, FPR = 1/2 = 0.5, Youden = 0.
/// * sqli (CWE-89): 3 real, 1 fake. s1 and s2 flagged (TP 2), s3 not (FN 1),
///   s4 not (TN 1). TPR = 2/3, FPR = 0/1 = 0, Youden = 2/3.
/// * xss (CWE-79): 1 real, flagged. TPR = 1/1 = 1; FPR undefined (no fake
///   case), so Youden is undefined too.
///
/// Means over the categories where the rate is defined:
/// mean TPR = (1/2 + 2/3 + 1) / 3 = (13/6) / 3 = 13/18 ≈ 0.7222,
/// mean FPR = (1/2 + 0) / 2 = 1/4,
/// mean Youden = (0 + 2/3) / 2 = 1/3.
fn hand_made() -> (Vec<TestCase>, Vec<Finding>) {
    let cases = vec![
        case("c1", "cmdi/c1.py", "cmdi", 78, true),
        case("c2", "cmdi/c2.py", "cmdi", 78, true),
        case("c3", "cmdi/c3.py", "cmdi", 78, false),
        case("c4", "cmdi/c4.py", "cmdi", 78, false),
        case("s1", "sqli/s1.py", "sqli", 89, true),
        case("s2", "./sqli/s2.py", "sqli", 89, true),
        case("s3", "sqli/s3.py", "sqli", 89, true),
        case("s4", "sqli/s4.py", "sqli", 89, false),
        case("x1", "xss/x1.py", "xss", 79, true),
    ];
    let findings = vec![
        finding("cmdi/c1.py", 3, 3, &[78]),
        // c2 has a finding, but for another CWE.
        finding("cmdi/c2.py", 3, 3, &[89]),
        finding("cmdi/c3.py", 1, 1, &[78, 20]),
        // Paths are compared after normalization.
        finding("sqli\\s1.py", 7, 7, &[89]),
        finding("sqli//./s2.py", 7, 7, &[89]),
        // s3 has a finding without any CWE.
        finding("sqli/s3.py", 7, 7, &[]),
        finding("xss/x1.py", 2, 2, &[79]),
        // A finding in a file that is not a case changes nothing.
        finding("other.py", 1, 1, &[78]),
    ];
    (cases, findings)
}

#[test]
fn hand_made_scorecard() {
    let (cases, findings) = hand_made();
    let card = score("builtin", &cases, &findings, CweMatch::Exact, &no_family);
    assert_eq!(card.analyzer, "builtin");
    assert_eq!(card.cases, 9);
    let names: Vec<&str> = card
        .categories
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    assert_eq!(names, ["cmdi", "sqli", "xss"]);

    let cmdi = &card.categories[0];
    assert_eq!(cmdi.cwe, Cwe(78));
    assert_eq!((cmdi.tp, cmdi.fn_, cmdi.fp, cmdi.tn), (1, 1, 1, 1));
    assert!(close(cmdi.tpr, 0.5) && close(cmdi.fpr, 0.5) && close(cmdi.youden, 0.0));

    let sqli = &card.categories[1];
    assert_eq!((sqli.tp, sqli.fn_, sqli.fp, sqli.tn), (2, 1, 0, 1));
    assert!(close(sqli.tpr, 2.0 / 3.0));
    assert!(close(sqli.fpr, 0.0));
    assert!(close(sqli.youden, 2.0 / 3.0));

    let xss = &card.categories[2];
    assert_eq!((xss.tp, xss.fn_, xss.fp, xss.tn), (1, 0, 0, 0));
    assert!(close(xss.tpr, 1.0));
    assert_eq!((xss.fpr, xss.youden), (None, None));

    assert!(close(card.mean_tpr, 13.0 / 18.0));
    assert!(close(card.mean_fpr, 0.25));
    assert!(close(card.mean_youden, 1.0 / 3.0));
}

#[test]
fn empty_scorecard_has_no_rates() {
    let card = score("none", &[], &[], CweMatch::Exact, &no_family);
    assert_eq!(card.cases, 0);
    assert!(card.categories.is_empty());
    assert_eq!(
        (card.mean_tpr, card.mean_fpr, card.mean_youden),
        (None, None, None)
    );
}

#[test]
fn exact_versus_family_matching() {
    let cases = vec![
        case("bad", "a.c", "overflow", 121, true),
        case("good", "b.c", "overflow", 121, false),
    ];
    // 787 is related to 121; 476 is not.
    let findings = vec![finding("a.c", 1, 1, &[787]), finding("b.c", 1, 1, &[476])];
    let related = |case: Cwe, found: Cwe| case == Cwe(121) && found == Cwe(787);

    let exact = score("x", &cases, &findings, CweMatch::Exact, &related);
    let c = &exact.categories[0];
    assert_eq!((c.tp, c.fn_, c.fp, c.tn), (0, 1, 0, 1));

    let family = score("x", &cases, &findings, CweMatch::Family, &related);
    let c = &family.categories[0];
    assert_eq!((c.tp, c.fn_, c.fp, c.tn), (1, 0, 0, 1));

    // With Family, the same CWE still matches even if `related` says no.
    let same = vec![finding("a.c", 1, 1, &[121])];
    let family = score("x", &cases, &same, CweMatch::Family, &no_family);
    assert_eq!(family.categories[0].tp, 1);
}

#[test]
fn line_ranges_must_overlap() {
    let case = TestCase {
        lines: Some((10, 20)),
        ..case("f", "src/f.c", "overflow", 121, true)
    };
    for (start, end, flagged) in [
        (5, 9, false),
        (21, 30, false),
        (8, 10, true),
        (20, 25, true),
        (12, 12, true),
        (1, 100, true),
        // An end before the start is read as the start line.
        (15, 3, true),
        (25, 3, false),
    ] {
        let card = score(
            "x",
            std::slice::from_ref(&case),
            &[finding("src/f.c", start, end, &[121])],
            CweMatch::Exact,
            &no_family,
        );
        assert_eq!(card.categories[0].tp == 1, flagged, "{start}-{end}");
    }
}

#[test]
fn path_normalization() {
    let cases = vec![
        case("a", "./src/a.py", "c", 89, true),
        case("b", "src\\sub\\b.py", "c", 89, true),
        case("c", "src/c.py", "c", 89, true),
        // Only the exact file counts, not one with the same name elsewhere.
        case("d", "src/d.py", "c", 89, true),
    ];
    let findings = vec![
        finding("src/a.py", 1, 1, &[89]),
        finding("./src/sub/b.py", 1, 1, &[89]),
        finding("src//./c.py", 1, 1, &[89]),
        finding("lib/src/d.py", 1, 1, &[89]),
    ];
    let card = score("x", &cases, &findings, CweMatch::Exact, &no_family);
    assert_eq!((card.categories[0].tp, card.categories[0].fn_), (3, 1));
}

#[test]
fn scores_a_read_report_against_read_expected_results() {
    let cases = read_expected(&fixture("expected.csv")).unwrap();
    let findings = read_findings(&fixture("report.json")).unwrap();
    let card = score("builtin", &cases, &findings, CweMatch::Exact, &no_family);
    // cmdi (category "cmdi"): cmdi-1 flagged via app\run.py -> TP.
    // CWE-78 (cmdi-2): its only finding is suppressed -> TN.
    // sqli: sqli-1 (10-14) flagged by line 12 -> TP; sqli-2 (line 20) -> TN.
    let counts: Vec<(&str, usize, usize, usize, usize)> = card
        .categories
        .iter()
        .map(|c| (c.category.as_str(), c.tp, c.fn_, c.fp, c.tn))
        .collect();
    assert_eq!(
        counts,
        [
            ("CWE-78", 0, 0, 0, 1),
            ("cmdi", 1, 0, 0, 0),
            ("sqli", 1, 0, 0, 1)
        ]
    );
}

#[test]
fn scorecard_round_trips_through_json() {
    let (cases, findings) = hand_made();
    let card = score("builtin", &cases, &findings, CweMatch::Exact, &no_family);
    let text = serde_json::to_string(&card).unwrap();
    assert!(text.contains("\"fn\":1"), "{text}");
    let back: Scorecard = serde_json::from_str(&text).unwrap();
    assert_eq!(back, card);
}

#[test]
fn scorecards_table_snapshot() {
    let (cases, findings) = hand_made();
    let builtin = score("builtin", &cases, &findings, CweMatch::Exact, &no_family);
    // A second analyzer that finds everything in cmdi and nothing elsewhere,
    // and was not run on xss.
    let cases_b: Vec<TestCase> = cases
        .iter()
        .filter(|c| c.category != "xss")
        .cloned()
        .collect();
    let findings_b: Vec<Finding> = cases_b
        .iter()
        .filter(|c| c.category == "cmdi")
        .map(|c| finding(c.file.to_str().unwrap(), 1, 1, &[78]))
        .collect();
    let other = score(
        "semgrep|pro",
        &cases_b,
        &findings_b,
        CweMatch::Exact,
        &no_family,
    );
    insta::assert_snapshot!(scorecards_table(&[builtin, other]));
}

#[test]
fn scorecards_table_without_cards() {
    assert_eq!(
        scorecards_table(&[]),
        "| Category | CWE |\n| --- | --- |\n| **Mean** | |\n"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn readers_never_panic(text in "\\PC*", json_ext in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if json_ext { "x.json" } else { "x.csv" });
        std::fs::write(&path, &text).unwrap();
        let _ = read_expected(&path);
        let _ = read_findings(&path);
    }

    #[test]
    fn readers_never_panic_on_near_miss_inputs(
        prefix in prop::sample::select(vec![
            "# test name, category, real vulnerability, cwe\n",
            "id,file,category,cwe,real,start_line,end_line\n",
            "[{\"id\":",
            "{\"version\":\"2.1.0\",\"runs\":[",
            "{\"findings\":[",
            "",
        ]),
        body in "[a-zA-Z0-9,\"{}\\[\\]:\n\\\\ .#-]{0,200}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, format!("{prefix}{body}")).unwrap();
        let _ = read_expected(&path);
        let _ = read_findings(&path);
    }

    #[test]
    fn juliet_scan_never_panics(
        lines in prop::collection::vec(
            prop::sample::select(vec![
                "#ifndef OMITBAD", "#ifndef OMITGOOD", "#else", "#endif", "#ifdef X",
                "{", "}", "void f()", "static int g(int a,", "    int b)", "",
                "    x = 1;", "namespace n", "int x = h(", "  {", "  }",
            ]),
            0..40,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("CWE121_X");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("t.c"), lines.join("\n")).unwrap();
        let cases = juliet_cases(dir.path()).unwrap();
        for c in cases {
            let (start, end) = c.lines.unwrap();
            prop_assert!(start <= end);
        }
    }
}
