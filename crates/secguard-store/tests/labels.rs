//! Label export and import: CSV and JSONL round trips, idempotent imports,
//! errors that name the line, and readers that never panic.

mod common;

use common::*;
use proptest::prelude::*;
use secguard_core::review::Decision;
use secguard_core::{Cwe, Severity};
use secguard_store::labels::{
    LabelError, LabelKind, LabelRow, import_labels, read_csv, read_jsonl, rows_from_reviews,
    write_csv, write_jsonl,
};
use secguard_store::{ReviewFilter, Store};

/// A store with a scan and three reviews, one with awkward text.
fn reviewed(store: &dyn Store) {
    seeded(store);
    let mut a = finding_review("demo", "fp-db-5", "alice", Decision::FalsePositive);
    a.note = "constant, \"quoted\"\nsecond line; with a semicolon".into();
    a.cwe = vec![Cwe(89), Cwe(79)];
    a.created_at = Some(1_796_058_245);
    ok(store.add_review(&a));
    let mut b = finding_review("demo", "fp-web-3", "bob", Decision::TruePositive);
    b.severity = Some(Severity::Medium);
    b.corrected_code = Some("print(escape(name))\n".into());
    b.created_at = Some(1_796_058_300);
    ok(store.add_review(&b));
    let mut c = sample_review("demo", "app/util.py", "alice", Decision::Secure);
    c.created_at = Some(1_796_058_400);
    ok(store.add_review(&c));
}

fn exported(store: &dyn Store) -> Vec<LabelRow> {
    let reviews = ok(store.reviews(&ReviewFilter::default()));
    ok(rows_from_reviews(&reviews, store))
}

#[test]
fn rows_carry_path_and_rule() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    reviewed(&store);
    let rows = exported(&store);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].kind, LabelKind::Finding);
    assert_eq!(
        (rows[0].path.as_str(), rows[0].rule_id.as_str()),
        ("app/db.py", "py/sqli")
    );
    assert_eq!(rows[2].kind, LabelKind::Sample);
    assert_eq!(rows[2].fingerprint, "");
    assert_eq!(rows[2].rule_id, "");
}

#[test]
fn csv_round_trip() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    reviewed(&store);
    let rows = exported(&store);
    let mut out = Vec::new();
    ok(write_csv(&rows, &mut out));
    let text = ok(String::from_utf8(out));
    assert!(text.starts_with(
        "kind,project,path,fingerprint,rule_id,reviewer,decision,cwe,severity,note,corrected_code,created_at,scope,public_key,signature\n"
    ));
    assert!(text.contains("CWE-89;CWE-79"), "{text}");
    assert!(text.contains("2026-11-30T17:04:05Z"), "{text}");
    assert_eq!(ok(read_csv(&text)), rows);

    // No rows: still a header, and it reads back as nothing.
    let mut out = Vec::new();
    ok(write_csv(&[], &mut out));
    let text = ok(String::from_utf8(out));
    assert_eq!(text.lines().count(), 1);
    assert!(ok(read_csv(&text)).is_empty());
}

#[test]
fn jsonl_round_trip() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    reviewed(&store);
    let rows = exported(&store);
    let mut out = Vec::new();
    ok(write_jsonl(&rows, &mut out));
    let text = ok(String::from_utf8(out));
    assert_eq!(text.lines().count(), 3);
    let first: serde_json::Value = ok(serde_json::from_str(text.lines().next().unwrap_or("")));
    assert_eq!(first["cwe"], "CWE-89;CWE-79");
    assert_eq!(first["created_at"], "2026-11-30T17:04:05Z");
    assert_eq!(first["decision"], "false_positive");
    assert_eq!(first["severity"], serde_json::Value::Null);
    // Field order is stable.
    let keys: Vec<&str> = text
        .lines()
        .next()
        .unwrap_or("")
        .split("\":")
        .map(|s| s.rsplit('"').next().unwrap_or(""))
        .collect();
    assert_eq!(&keys[..3], ["kind", "project", "path"]);
    assert_eq!(ok(read_jsonl(&text)), rows);
    // serde reads its own output too.
    let back: LabelRow = ok(serde_json::from_str(text.lines().nth(1).unwrap_or("")));
    assert_eq!(back, rows[1]);
    // Arrays of CWE strings and short decisions are accepted.
    let line = r#"{"kind":"finding","project":"p","path":"a.py","fingerprint":"f","rule_id":"r","reviewer":"x","decision":"tp","cwe":["CWE-89","cwe-22"],"severity":"high","note":"","corrected_code":null,"created_at":"2026-11-30T17:04:05Z"}"#;
    let row = &ok(read_jsonl(&format!("\n{line}\n\n")))[0];
    assert_eq!(row.cwe, [Cwe(89), Cwe(22)]);
    assert_eq!(row.decision, Decision::TruePositive);
    assert_eq!(row.severity, Some(Severity::High));
}

#[test]
fn importing_twice_adds_nothing_the_second_time() {
    let dir = tempdir();
    let source = open(&dir.path().join("a.db"));
    reviewed(&source);
    let rows = exported(&source);
    let mut csv = Vec::new();
    ok(write_csv(&rows, &mut csv));
    let rows = ok(read_csv(&ok(String::from_utf8(csv))));

    let target = open(&dir.path().join("b.db"));
    seeded(&target);
    assert_eq!(ok(import_labels(&target, &rows)), 3);
    assert_eq!(ok(import_labels(&target, &rows)), 0);
    let imported = ok(target.reviews(&ReviewFilter::default()));
    assert_eq!(imported.len(), 3);
    let original = ok(source.reviews(&ReviewFilter::default()));
    for (a, b) in imported.iter().zip(&original) {
        assert_eq!(
            (&a.target, &a.reviewer, a.decision, a.created_at),
            (&b.target, &b.reviewer, b.decision, b.created_at)
        );
        assert_eq!(
            (&a.note, &a.cwe, a.severity, &a.corrected_code),
            (&b.note, &b.cwe, b.severity, &b.corrected_code)
        );
    }
    // The finding decisions taught memories here too.
    assert_eq!(ok(target.memories(false)).len(), 2);
    // A row about a finding this store never saw is refused, naming the row.
    let mut stray = rows[0].clone();
    stray.fingerprint = "nope".into();
    stray.created_at += 1;
    match import_labels(&target, &[stray]) {
        Err(e) => assert!(e.to_string().starts_with("label row 1: no finding"), "{e}"),
        Ok(n) => panic!("imported {n}"),
    }
    // An empty project takes the default.
    let mut row = rows[2].clone();
    row.project = String::new();
    assert_eq!(row.to_new_review("demo").project, "demo");
}

const HEADER: &str = "kind,project,path,fingerprint,rule_id,reviewer,decision,cwe,severity,note,corrected_code,created_at";

fn csv_error(body: &str) -> LabelError {
    match read_csv(&format!("{HEADER}\n{body}")) {
        Err(e) => e,
        Ok(rows) => panic!("accepted {rows:?}"),
    }
}

#[test]
fn csv_errors_name_the_line_and_field() {
    let good = "finding,demo,a.py,fp1,r,alice,fp,,,note,,2026-11-30T17:04:05Z";
    let e = csv_error(&format!(
        "{good}\nfinding,demo,a.py,fp1,r,alice,maybe,,,,,2026-11-30T17:04:05Z\n"
    ));
    assert_eq!((e.line, e.field.as_deref()), (3, Some("decision")));
    assert!(
        e.to_string()
            .starts_with("line 3: field decision: unknown decision 'maybe'"),
        "{e}"
    );

    // A quoted note over two lines moves the next row down a line.
    let e = csv_error(&format!(
        "finding,demo,a.py,fp1,r,alice,fp,,,\"two\nlines\",,2026-11-30T17:04:05Z\n{}",
        "sample,demo,a.py,,,alice,secure,CWE-x,,,,2026-11-30T17:04:05Z"
    ));
    assert_eq!((e.line, e.field.as_deref()), (4, Some("cwe")));

    let cases = [
        (
            "sample,demo,a.py,,,alice,true_positive,,,,,2026-11-30T17:04:05Z",
            "decision",
        ),
        (
            "finding,demo,a.py,,r,alice,fp,,,,,2026-11-30T17:04:05Z",
            "fingerprint",
        ),
        (
            "sample,demo,,,,alice,secure,,,,,2026-11-30T17:04:05Z",
            "path",
        ),
        (
            "thing,demo,a.py,fp1,r,alice,fp,,,,,2026-11-30T17:04:05Z",
            "kind",
        ),
        (
            "finding,demo,a.py,fp1,r,alice,fp,89,,,,2026-11-30T17:04:05Z",
            "cwe",
        ),
        (
            "finding,demo,a.py,fp1,r,alice,fp,,severe,,,2026-11-30T17:04:05Z",
            "severity",
        ),
        (
            "finding,demo,a.py,fp1,r,alice,fp,,,,,yesterday",
            "created_at",
        ),
        (
            "finding,demo,a.py,fp1,r,alice,fp,,,,,2026-02-30T00:00:00Z",
            "created_at",
        ),
        (
            "finding,demo,a.py,fp1,r,,fp,,,,,2026-11-30T17:04:05Z",
            "reviewer",
        ),
    ];
    for (row, field) in cases {
        let e = csv_error(row);
        assert_eq!((e.line, e.field.as_deref()), (2, Some(field)), "{row}: {e}");
    }

    let e = csv_error("finding,demo,a.py\n");
    assert_eq!((e.line, e.field.as_deref()), (2, None));
    assert!(
        e.to_string().starts_with("line 2: expected 12 fields"),
        "{e}"
    );

    match read_csv("kind,project,path,reviewer,decision\n") {
        Err(e) => assert_eq!(
            e.to_string(),
            "line 1: field created_at: missing column in the header"
        ),
        Ok(_) => panic!("accepted"),
    }
    // Column order does not matter and optional columns may be missing.
    let rows = ok(read_csv(
        "created_at,decision,reviewer,path,project,kind,fingerprint\n2026-11-30T17:04:05Z,insecure,bob,x.c,p,sample,\n",
    ));
    assert_eq!(rows[0].decision, Decision::Insecure);
    assert_eq!(rows[0].created_at, 1_796_058_245);
}

#[test]
fn jsonl_errors_name_the_line_and_field() {
    let good = r#"{"kind":"sample","project":"p","path":"a.py","reviewer":"x","decision":"secure","created_at":"2026-11-30T17:04:05Z"}"#;
    let check = |text: &str, line: usize, field: Option<&str>| match read_jsonl(text) {
        Err(e) => assert_eq!((e.line, e.field.as_deref()), (line, field), "{text}: {e}"),
        Ok(rows) => panic!("accepted {rows:?}"),
    };
    check(&format!("{good}\n{{not json\n"), 2, None);
    check(&format!("{good}\n\n[1,2]\n"), 3, None);
    check(&good.replace("\"secure\"", "\"fp\""), 1, Some("decision"));
    check(&good.replace("\"x\"", "17"), 1, Some("reviewer"));
    check(
        &good.replace(",\"created_at\":\"2026-11-30T17:04:05Z\"", ""),
        1,
        Some("created_at"),
    );
    check(
        &good.replace("\"project\"", "\"cwe\":[89],\"project\""),
        1,
        Some("cwe"),
    );
    match read_jsonl(&format!("{good}\n{}", good.replace("secure", "meh"))) {
        Err(e) => assert!(e.to_string().starts_with("line 2: field decision: "), "{e}"),
        Ok(_) => panic!("accepted"),
    }
}

proptest! {
    #[test]
    fn read_csv_never_panics(text in any::<String>()) {
        let _ = read_csv(&text);
    }

    #[test]
    fn read_jsonl_never_panics(text in any::<String>()) {
        let _ = read_jsonl(&text);
    }

    #[test]
    fn csv_like_input_never_panics(
        cells in proptest::collection::vec("[a-z0-9_:;\"\n,.+-]{0,24}", 0..40)
    ) {
        let text = format!("{HEADER}\n{}", cells.join(","));
        let _ = read_csv(&text);
        let json = format!("{{\"kind\":\"{}\",\"created_at\":\"{}\"}}", cells.first().map_or("", String::as_str).replace(['"', '\n'], ""), cells.last().map_or("", String::as_str).replace(['"', '\n'], ""));
        let _ = read_jsonl(&json);
    }

    #[test]
    fn rows_round_trip_through_both_formats(
        note in "\\PC{0,40}",
        code in proptest::option::of("[ -~\n]{1,40}"),
        created_at in -2_000_000_000i64..4_000_000_000,
        cwes in proptest::collection::vec(1u32..2000, 0..3),
    ) {
        let row = LabelRow {
            kind: LabelKind::Finding,
            project: "p".into(),
            path: "a, b.py".into(),
            fingerprint: "fp".into(),
            rule_id: "r".into(),
            reviewer: "rév".into(),
            decision: Decision::TruePositive,
            cwe: cwes.into_iter().map(Cwe).collect(),
            severity: Some(Severity::Low),
            note,
            corrected_code: code,
            created_at,
            scope: None,
            public_key: None,
            signature: None,
        };
        let rows = vec![row];
        let mut csv = Vec::new();
        ok(write_csv(&rows, &mut csv));
        prop_assert_eq!(&ok(read_csv(&ok(String::from_utf8(csv)))), &rows);
        let mut jsonl = Vec::new();
        ok(write_jsonl(&rows, &mut jsonl));
        prop_assert_eq!(&ok(read_jsonl(&ok(String::from_utf8(jsonl)))), &rows);
    }
}
