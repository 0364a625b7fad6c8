//! SARIF writing and reading: snapshot, round trip, third-party logs, schema
//! validity and robustness against arbitrary input.

use proptest::prelude::*;
use secguard_core::sarif::{SarifError, from_sarif, to_sarif};
use secguard_core::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[path = "support/sarif_schema.rs"]
mod sarif_schema;
use sarif_schema::{assert_schema_valid, validators};

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

fn loc(path: &str, start_line: u32, start_column: u32, end_line: u32, end_column: u32) -> Location {
    Location {
        path: PathBuf::from(path),
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

fn rules() -> Vec<RuleMeta> {
    vec![
        RuleMeta {
            id: "py/sql-injection".into(),
            title: "SQL query built from untrusted input".into(),
            languages: vec![Language::Python],
            cwe: vec![Cwe(89)],
            severity: Severity::High,
            confidence: Confidence::High,
            message: "User input reaches a SQL query".into(),
            docs: RuleDocs {
                what: "Finds SQL text assembled from untrusted values.".into(),
                why: "An attacker can change the meaning of the query.".into(),
                example: "cur.execute(\"SELECT * FROM t WHERE id=\" + uid)".into(),
                fix: "Pass values as query parameters.".into(),
            },
        },
        RuleMeta {
            id: "c/strcpy-overflow".into(),
            title: "Unbounded string copy".into(),
            languages: vec![Language::C, Language::Cpp],
            cwe: vec![Cwe(120), Cwe(787)],
            severity: Severity::Critical,
            confidence: Confidence::Medium,
            message: "strcpy into a fixed-size buffer".into(),
            docs: RuleDocs {
                what: "Finds strcpy into fixed-size buffers.".into(),
                why: String::new(),
                example: String::new(),
                fix: "Use a bounded copy and check the length.".into(),
            },
        },
        RuleMeta {
            id: "py/command-injection".into(),
            title: "OS command built from untrusted input".into(),
            languages: vec![Language::Python],
            cwe: vec![Cwe(78)],
            severity: Severity::Critical,
            confidence: Confidence::High,
            message: "User input reaches a shell command".into(),
            docs: RuleDocs::default(),
        },
    ]
}

fn finding(rule: &RuleMeta, location: Location, snippet: &str) -> Finding {
    let path = location.path_string();
    Finding {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        message: rule.message.clone(),
        cwe: rule.cwe.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        fingerprint: Fingerprint::compute(&rule.id, &path, snippet, 0),
        location,
        snippet: snippet.into(),
        analyzer: "builtin".into(),
        trace: Vec::new(),
        suppression: None,
        reported_by: Vec::new(),
    }
}

/// One plain, one suppressed and one traced finding, plus a note.
fn sample_report() -> ScanReport {
    let rules = rules();
    let plain = finding(
        &rules[0],
        loc("app/db.py", 12, 5, 12, 48),
        "cur.execute(\"SELECT * FROM t WHERE id=\" + uid)",
    );
    let mut suppressed = finding(
        &rules[1],
        loc("native/copy.c", 7, 3, 7, 22),
        "strcpy(buf, name);",
    );
    suppressed.suppression = Some(Suppression {
        kind: SuppressionKind::External,
        justification: "name is checked to fit in buf at the call site".into(),
        by: Some("alice".into()),
    });
    let mut traced = finding(
        &rules[2],
        loc("app/run.py", 9, 5, 9, 24),
        "os.system(\"ls \" + d)",
    );
    traced.severity = Severity::High;
    traced.trace = vec![
        TraceStep {
            location: loc("app/run.py", 4, 9, 4, 29),
            message: "source: request.args.get".into(),
        },
        TraceStep {
            location: loc("app/run.py", 9, 5, 9, 24),
            message: "sink: os.system".into(),
        },
    ];
    ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool: ToolInfo {
            name: "secguard".into(),
            // Fixed so the snapshot does not change with every release.
            version: "0.0.0-test".into(),
        },
        findings: vec![plain, suppressed, traced],
        verdicts: Vec::new(),
        notes: vec![Note {
            path: PathBuf::from("app/broken.py"),
            kind: NoteKind::ParseError,
            line: Some(3),
            message: "unexpected indent; the rest of the file was analysed".into(),
        }],
        stats: ScanStats::default(),
    }
}

fn import(log: &Value) -> sarif::SarifImport {
    match from_sarif(&log.to_string()) {
        Ok(import) => import,
        Err(e) => panic!("secguard's own SARIF did not read back: {e}"),
    }
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

#[test]
fn snapshot_of_small_report() {
    // Sorted keys keep the snapshot stable even if some crate in the build
    // turns on serde_json's `preserve_order`.
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!(to_sarif(&sample_report(), &rules()));
    });
}

#[test]
fn github_essentials_are_present() {
    let log = to_sarif(&sample_report(), &rules());
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "secguard");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert_eq!(
        rule["properties"]["tags"],
        json!(["security", "external/cwe/cwe-89"])
    );
    let results = run["results"].as_array().map(Vec::len);
    assert_eq!(results, Some(3));
    for (i, result) in run["results"].as_array().into_iter().flatten().enumerate() {
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"], result["ruleId"],
            "result {i}"
        );
        assert!(result["partialFingerprints"]["secguard/v1"].is_string());
    }
    assert!(run["results"][0].get("suppressions").is_none());
    assert_eq!(run["results"][1]["suppressions"][0]["kind"], "external");
    assert_eq!(
        run["results"][1]["suppressions"][0]["properties"]["suppressedBy"],
        "alice"
    );
    assert!(run["results"][1].get("codeFlows").is_none());
    let steps = &run["results"][2]["codeFlows"][0]["threadFlows"][0]["locations"];
    assert_eq!(steps.as_array().map(Vec::len), Some(2));
}

#[test]
fn findings_without_given_rule_get_a_described_rule() {
    let mut report = sample_report();
    let mut external = report.findings[0].clone();
    external.rule_id = "B608".into();
    external.title = "Possible SQL injection".into();
    external.analyzer = "bandit".into();
    report.findings.push(external);
    let log = to_sarif(&report, &rules());
    let run = &log["runs"][0];
    assert_eq!(run["results"][3]["ruleIndex"], 3);
    assert_eq!(run["tool"]["driver"]["rules"][3]["id"], "B608");
    assert_eq!(
        run["tool"]["driver"]["rules"][3]["shortDescription"]["text"],
        "Possible SQL injection"
    );
    let back = import(&log);
    assert_eq!(back.findings[3].analyzer, "bandit");
    assert_eq!(back.findings[3].title, "Possible SQL injection");
}

#[test]
fn round_trip_keeps_findings_and_notes() {
    let report = sample_report();
    let back = import(&to_sarif(&report, &rules()));
    assert_eq!(back.findings, report.findings);
    assert_eq!(back.notes, report.notes);
    assert_eq!(back.runs.len(), 1);
    assert_eq!(back.runs[0].tool.name, "secguard");
    assert_eq!(back.runs[0].tool.version, "0.0.0-test");
    assert!(back.runs[0].execution_successful);
}

// ---------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------

#[test]
fn schema_accepts_sample_report() {
    assert_schema_valid(&to_sarif(&sample_report(), &rules()));
}

#[test]
fn schema_accepts_empty_report() {
    let mut report = sample_report();
    report.findings.clear();
    report.notes.clear();
    report.tool.version.clear();
    assert_schema_valid(&to_sarif(&report, &[]));
}

#[test]
fn schema_accepts_edge_cases() {
    let mut report = sample_report();
    let base = report.findings[0].clone();
    let odd = |path: &str| {
        let mut f = base.clone();
        f.location = loc(path, 0, 0, 0, 0);
        f.message.clear();
        f.snippet.clear();
        f.rule_id = "ext/odd rule".into();
        f.cwe.clear();
        f
    };
    report.findings.push(odd("/abs/path with space/ü.py"));
    report.findings.push(odd("C:/Users/x/a.c"));
    report.findings.push(odd("rel/we:ird#name?.py"));
    report.findings.push(odd(""));
    report.notes.push(Note {
        path: PathBuf::from("/tmp/big.bin"),
        kind: NoteKind::BinarySkipped,
        line: None,
        message: String::new(),
    });
    let log = to_sarif(&report, &rules());
    assert_schema_valid(&log);
    let back = import(&log);
    assert_eq!(back.findings.len(), report.findings.len());
    assert_eq!(
        back.findings[3].location.path,
        PathBuf::from("/abs/path with space/ü.py")
    );
    assert_eq!(
        back.findings[4].location.path,
        PathBuf::from("C:/Users/x/a.c")
    );
    assert_eq!(
        back.findings[5].location.path,
        PathBuf::from("rel/we:ird#name?.py")
    );
    assert_eq!(back.notes[1].path, PathBuf::from("/tmp/big.bin"));
}

#[test]
fn schema_validation_is_not_vacuous() {
    let Some(validators) = validators() else {
        return;
    };
    let good = to_sarif(&sample_report(), &rules());
    let mut bad_line = good.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = json!("fatal");
    let mut no_name = good.clone();
    if let Some(driver) = no_name["runs"][0]["tool"]["driver"].as_object_mut() {
        driver.remove("name");
    }
    let mut bad_uri = good;
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        json!("a b\\c");
    for (what, log) in [
        ("startLine 0", bad_line),
        ("unknown level", bad_level),
        ("driver without name", no_name),
        ("malformed uri", bad_uri),
    ] {
        let accepted_by: Vec<&str> = validators
            .iter()
            .filter(|(_, v)| v.is_valid(&log))
            .map(|(label, _)| *label)
            .collect();
        // The draft-04 schema cannot see a malformed URI; the draft-07 reading must.
        let expected: &[&str] = if what == "malformed uri" {
            &["official draft-04"]
        } else {
            &[]
        };
        assert_eq!(accepted_by, expected, "{what}");
    }
}

#[test]
fn hand_written_fixtures_match_the_schema() {
    for name in ["codeql.sarif", "semgrep.sarif", "bandit.sarif"] {
        let log: Value =
            serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_schema_valid(&log);
    }
}

// ---------------------------------------------------------------------------
// Reading third-party logs
// ---------------------------------------------------------------------------

#[test]
fn reads_codeql_log() {
    let import = from_sarif(&fixture("codeql.sarif")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(import.runs[0].tool.name, "CodeQL");
    assert_eq!(import.runs[0].tool.version, "2.19.3");
    let [cmd, sql] = import.findings.as_slice() else {
        panic!("expected two findings, got {:?}", import.findings);
    };
    assert_eq!(cmd.rule_id, "py/command-line-injection");
    assert_eq!(cmd.title, "Uncontrolled command line");
    assert_eq!(cmd.analyzer, "codeql");
    assert_eq!(cmd.cwe, vec![Cwe(78), Cwe(88)]);
    assert_eq!(cmd.severity, Severity::Critical);
    assert_eq!(cmd.confidence, Confidence::High);
    assert_eq!(cmd.location, loc("app/views.py", 27, 15, 27, 22));
    // The first key in name order wins, whatever order the producer used.
    assert_eq!(cmd.fingerprint.0, "5e2d1c3a9f0b7e11:1");
    assert_eq!(cmd.trace.len(), 2);
    assert_eq!(cmd.trace[0].message, "ControlFlowNode for ImportMember");
    assert_eq!(cmd.trace[0].location, loc("app/views.py", 3, 21, 3, 28));
    assert!(cmd.suppression.is_none());

    assert_eq!(sql.rule_id, "py/sql-injection");
    assert_eq!(sql.cwe, vec![Cwe(89)]);
    assert_eq!(sql.severity, Severity::High);
    // Only `artifactLocation.index` is given: the path comes from `artifacts`.
    assert_eq!(sql.location.path, PathBuf::from("app/views.py"));
}

#[test]
fn reads_semgrep_log() {
    let import = from_sarif(&fixture("semgrep.sarif")).unwrap_or_else(|e| panic!("{e}"));
    let [sql, pickle] = import.findings.as_slice() else {
        panic!("expected two findings, got {:?}", import.findings);
    };
    assert_eq!(sql.analyzer, "semgrep oss");
    assert_eq!(sql.cwe, vec![Cwe(89)]);
    // No security-severity: the rule's level decides.
    assert_eq!(sql.severity, Severity::Medium);
    assert_eq!(sql.confidence, Confidence::High);
    assert_eq!(sql.location, loc("src/db.py", 14, 5, 14, 52));
    assert!(sql.snippet.contains("cursor.execute"));
    assert!(sql.fingerprint.0.starts_with("0f3c9a1e"));
    assert_eq!(pickle.cwe, vec![Cwe(502)]);
    assert_eq!(pickle.severity, Severity::Low);
    assert_eq!(pickle.confidence, Confidence::Low);
    let suppression = pickle.suppression.as_ref().map(|s| (s.kind, s.by.clone()));
    assert_eq!(suppression, Some((SuppressionKind::InSource, None)));
}

#[test]
fn reads_bandit_log() {
    let import = from_sarif(&fixture("bandit.sarif")).unwrap_or_else(|e| panic!("{e}"));
    let [f] = import.findings.as_slice() else {
        panic!("expected one finding, got {:?}", import.findings);
    };
    assert_eq!(f.analyzer, "bandit");
    assert_eq!(f.title, "subprocess_popen_with_shell_equals_true");
    assert_eq!(f.cwe, vec![Cwe(78)]);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.location, loc("run.py", 5, 1, 5, 33));
    // No fingerprint in the log: computed as secguard computes its own.
    assert_eq!(
        f.fingerprint,
        Fingerprint::compute("B602", "run.py", "subprocess.call(cmd, shell=True)\n", 0)
    );
}

#[test]
fn reads_multiple_runs_extensions_taxa_and_message_strings() {
    let log = json!({
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": { "name": "CodeQL", "semanticVersion": "2.20.0" },
                    "extensions": [{
                        "name": "codeql/cpp-queries",
                        "rules": [{
                            "id": "cpp/overflow-buffer",
                            "shortDescription": { "text": "Call to memory access function may overflow buffer" },
                            "relationships": [{
                                "target": { "id": "120", "toolComponent": { "name": "CWE" } },
                                "kinds": ["superset"]
                            }],
                            "messageStrings": { "default": { "text": "{0} may overflow {1}." } }
                        }]
                    }]
                },
                "results": [{
                    "rule": { "id": "cpp/overflow-buffer", "index": 0, "toolComponent": { "index": 0 } },
                    "message": { "id": "default", "arguments": ["memcpy", "buf"] },
                    "level": "warning",
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": { "uri": "file:///src/a%20b.c" },
                        "region": { "startLine": 4 }
                    }}]
                }]
            },
            {
                "tool": { "driver": { "name": "Other" } },
                "taxonomies": [{ "name": "CWE" }],
                "invocations": [{ "executionSuccessful": false }],
                "results": [
                    {
                        "ruleId": "X1",
                        "message": { "text": "tainted" },
                        "taxa": [{ "id": "CWE-79", "toolComponent": { "index": 0 } }],
                        "level": "none"
                    },
                    { "ruleId": "X2", "kind": "pass", "message": { "text": "fine" } }
                ]
            }
        ]
    });
    assert_schema_valid(&log);
    let import = from_sarif(&log.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(import.runs.len(), 2);
    assert!(import.runs[0].execution_successful);
    assert!(!import.runs[1].execution_successful);
    let [overflow, xss] = import.findings.as_slice() else {
        panic!("expected two findings, got {:?}", import.findings);
    };
    assert_eq!(overflow.rule_id, "cpp/overflow-buffer");
    assert_eq!(overflow.message, "memcpy may overflow buf.");
    assert_eq!(overflow.cwe, vec![Cwe(120)]);
    assert_eq!(overflow.severity, Severity::Medium);
    assert_eq!(overflow.location, loc("/src/a b.c", 4, 1, 4, 1));
    assert_eq!(xss.analyzer, "other");
    assert_eq!(xss.cwe, vec![Cwe(79)]);
    assert_eq!(xss.severity, Severity::Info);
    assert_eq!(xss.location.path, PathBuf::new());
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn error_of(text: &str) -> String {
    match from_sarif(text) {
        Ok(import) => panic!("expected an error, got {import:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn errors_name_the_json_path() {
    let mut log = to_sarif(&sample_report(), &rules());
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut four = results.clone();
    four.push(results[0].clone());
    four[3]["locations"] = json!({"not": "an array"});
    log["runs"][0]["results"] = Value::Array(four);
    assert_eq!(
        error_of(&log.to_string()),
        "runs[0].results[3].locations: expected an array"
    );

    assert_eq!(error_of("[]"), "$: expected an object");
    assert_eq!(
        error_of(r#"{"runs": []}"#),
        "version: missing required field"
    );
    assert!(error_of(r#"{"version": "2.0.0", "runs": []}"#).contains("unsupported SARIF version"));
    assert_eq!(
        error_of(r#"{"version": "2.1.0"}"#),
        "runs: missing required field"
    );
    assert_eq!(
        error_of(r#"{"version": "2.1.0", "runs": [{}]}"#),
        "runs[0].tool: missing required field"
    );
    assert_eq!(
        error_of(r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": 3}}}]}"#),
        "runs[0].tool.driver.name: expected a string"
    );
    let run = |result: Value| {
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [result]}]})
            .to_string()
    };
    assert_eq!(
        error_of(&run(json!({"ruleId": "a"}))),
        "runs[0].results[0].message: missing required field"
    );
    assert_eq!(
        error_of(&run(json!({"message": {"text": "m"}}))),
        "runs[0].results[0].ruleId: missing required field"
    );
    assert_eq!(
        error_of(&run(
            json!({"ruleId": "a", "ruleIndex": 2, "message": {"text": "m"}})
        )),
        "runs[0].results[0].ruleIndex: rule index 2 is out of range (0 rules)"
    );
    assert_eq!(
        error_of(&run(json!({"ruleId": "a", "message": {"text": "m"},
            "locations": [{"physicalLocation": {"region": {"startLine": -4}}}]}))),
        "runs[0].results[0].locations[0].physicalLocation.region.startLine: expected a non-negative integer"
    );
    assert!(error_of("{").starts_with("not valid JSON"));
    let err = from_sarif(&run(
        json!({"ruleId": "a", "level": "fatal", "message": {"text": "m"}}),
    ));
    assert!(matches!(err, Err(SarifError::Invalid { .. })), "{err:?}");
}

#[test]
fn null_members_read_as_absent() {
    let text = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": null}},
        "results": [{"ruleId": "a", "message": {"text": "m"}, "locations": null,
        "suppressions": null, "codeFlows": null, "properties": null}]}]}"#;
    let import = from_sarif(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(import.findings.len(), 1);
    assert!(from_sarif(r#"{"version": "2.1.0", "runs": null}"#).is_ok());
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const KEYS: &[&str] = &[
    "version",
    "runs",
    "tool",
    "driver",
    "name",
    "rules",
    "results",
    "ruleId",
    "ruleIndex",
    "rule",
    "index",
    "toolComponent",
    "message",
    "text",
    "id",
    "arguments",
    "locations",
    "physicalLocation",
    "artifactLocation",
    "uri",
    "region",
    "startLine",
    "endColumn",
    "snippet",
    "properties",
    "tags",
    "security-severity",
    "suppressions",
    "kind",
    "status",
    "codeFlows",
    "threadFlows",
    "location",
    "partialFingerprints",
    "invocations",
    "executionSuccessful",
    "toolExecutionNotifications",
    "descriptor",
    "extensions",
    "taxa",
    "taxonomies",
    "relationships",
    "target",
    "artifacts",
    "level",
    "defaultConfiguration",
    "messageStrings",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-2i64..6).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "2.1.0",
            "error",
            "note",
            "none",
            "inSource",
            "external",
            "accepted",
            "pass",
            "CWE-79",
            "external/cwe/cwe-089",
            "9.8",
            "file:///C:/x",
            "%SRCROOT%",
            "parse-error",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// JSON pointers of every node in `value`.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{prefix}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(prefix);
}

fn arb_location() -> impl Strategy<Value = Location> {
    (
        "/?[a-zA-Z0-9 _.#%:?é-]{0,12}(/[a-zA-Z0-9_.-]{1,8}){0,2}",
        1u32..5000,
        1u32..200,
        0u32..5,
        1u32..200,
    )
        .prop_map(|(path, line, col, extra, end_col)| loc(&path, line, col, line + extra, end_col))
}

fn arb_finding() -> impl Strategy<Value = Finding> {
    (
        0usize..3,
        "[a-zA-Z]\\PC{0,20}",
        prop::sample::select(vec![
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]),
        prop::sample::select(vec![Confidence::Low, Confidence::Medium, Confidence::High]),
        arb_location(),
        "\\PC{0,30}",
        "[0-9a-f]{32}",
        prop::sample::select(vec!["builtin", "bandit", "semgrep"]),
        prop::collection::vec((arb_location(), "\\PC{0,10}"), 0..3),
        prop::option::of((any::<bool>(), "\\PC{0,10}", prop::option::of("[a-z]{1,8}"))),
    )
        .prop_map(
            |(rule, message, severity, confidence, location, snippet, fp, analyzer, trace, sup)| {
                let rules = rules();
                let rule = &rules[rule];
                Finding {
                    rule_id: rule.id.clone(),
                    title: rule.title.clone(),
                    message,
                    cwe: rule.cwe.clone(),
                    severity,
                    confidence,
                    location,
                    snippet,
                    fingerprint: Fingerprint(fp),
                    analyzer: analyzer.into(),
                    trace: trace
                        .into_iter()
                        .map(|(location, message)| TraceStep { location, message })
                        .collect(),
                    suppression: sup.map(|(in_source, justification, by)| Suppression {
                        kind: if in_source {
                            SuppressionKind::InSource
                        } else {
                            SuppressionKind::External
                        },
                        justification,
                        by,
                    }),
                    reported_by: Vec::new(),
                }
            },
        )
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = from_sarif(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in arb_json(), wrap in any::<bool>()) {
        let value = if wrap { json!({"version": "2.1.0", "runs": [value]}) } else { value };
        let _ = from_sarif(&value.to_string());
    }

    #[test]
    fn corrupted_own_log_never_panics(at in any::<prop::sample::Index>(), replacement in arb_json()) {
        let mut log = to_sarif(&sample_report(), &rules());
        let mut all = Vec::new();
        pointers(&log, String::new(), &mut all);
        let pointer = at.get(&all).clone();
        if let Some(slot) = log.pointer_mut(&pointer) {
            *slot = replacement;
        }
        if let Err(e) = from_sarif(&log.to_string()) {
            // Every error except bad JSON names where it happened.
            prop_assert!(e.path().is_some_and(|p| !p.is_empty()), "{e}");
        }
    }

    #[test]
    fn arbitrary_findings_round_trip_and_validate(
        findings in prop::collection::vec(arb_finding(), 0..5)
    ) {
        let mut report = sample_report();
        report.findings = findings;
        let log = to_sarif(&report, &rules());
        assert_schema_valid(&log);
        let back = from_sarif(&log.to_string());
        prop_assert!(back.is_ok(), "{:?}", back.err());
        if let Ok(back) = back {
            prop_assert_eq!(back.findings, report.findings);
        }
    }
}
