//! The review loop from the terminal: scans record themselves, labels
//! become memories, and the next scan applies them (suppressions visible in
//! JSON and SARIF, never deleted); the two-reviewer rule, conflicts, revoke,
//! label export/import, the audit log, and database errors.

mod util;

use serde_json::Value;
use util::{APP_PY, Dir, open_findings};

fn scan_json(dir: &Dir) -> Value {
    dir.cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json()
}

fn all_findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

fn severity(f: &Value) -> &str {
    f["severity"].as_str().unwrap_or("")
}

fn fingerprint(f: &Value) -> String {
    f["fingerprint"].as_str().unwrap_or_default().to_string()
}

/// A finding below high severity and one at high or above.
fn pick(report: &Value) -> (Value, Value) {
    let findings = all_findings(report);
    let low = findings
        .iter()
        .find(|f| matches!(severity(f), "info" | "low" | "medium"))
        .cloned()
        .unwrap_or_else(|| panic!("no finding below high in {report:#}"));
    let high = findings
        .iter()
        .find(|f| matches!(severity(f), "high" | "critical"))
        .cloned()
        .unwrap_or_else(|| panic!("no high finding in {report:#}"));
    (low, high)
}

/// Reviewers with keys: `names[0]` becomes the first admin and registers
/// the others, in the default database or the one `db` names. Key files are
/// `keys/NAME.key` (made once, reused for a second database).
pub fn team(dir: &Dir, names: &[&str], db: Option<&str>) {
    let db_args: Vec<&str> = db.map(|d| vec!["--db", d]).unwrap_or_default();
    let mut public = Vec::new();
    for name in names {
        let key = format!("keys/{name}.key");
        if !dir.path().join(&key).is_file() {
            dir.cmd()
                .args(["review", "keygen", "-o", &key])
                .run()
                .expect_code(0);
        }
        public.push(key_of(dir, name));
    }
    as_reviewer(dir, names[0])
        .args(["review", "init-admin", "--name", names[0]])
        .args(&db_args)
        .run()
        .expect_code(0);
    for (name, pk) in names.iter().zip(&public).skip(1) {
        as_reviewer(dir, names[0])
            .args(["review", "reviewer", name, "--public-key", pk])
            .args(&db_args)
            .run()
            .expect_code(0);
    }
}

/// The public key in `keys/NAME.key` (derived by keygen's own code path:
/// `review keygen` printed it; tests re-derive it from the secret).
pub fn key_of(dir: &Dir, name: &str) -> String {
    let secret = dir.read(&format!("keys/{name}.key"));
    secguard_core::identity::Signer::from_hex(&secret)
        .unwrap_or_else(|e| panic!("{e}"))
        .public_key()
}

/// A command run as `who`: with their key when they have one, else as the
/// operating-system user.
pub fn as_reviewer(dir: &Dir, who: &str) -> util::TestCommand {
    let key = format!("keys/{who}.key");
    if dir.path().join(&key).is_file() {
        dir.cmd().env("SECGUARD_REVIEWER_KEY", &key)
    } else {
        dir.cmd()
    }
}

fn label(dir: &Dir, reviewer: &str, fp: &str, decision: &str, note: &str) -> String {
    as_reviewer(dir, reviewer)
        .args([
            "review",
            "label",
            "--finding",
            fp,
            "--decision",
            decision,
            "--note",
            note,
        ])
        .run()
        .expect_code(0)
        .stdout
}

fn find<'a>(findings: &'a [Value], fp: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["fingerprint"] == fp)
        .unwrap_or_else(|| panic!("finding {fp} is gone; findings are never deleted"))
}

#[test]
fn a_false_positive_label_suppresses_the_finding_in_the_next_scan() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let first = scan_json(&dir);
    assert!(dir.path().join(".secguard/secguard.db").is_file());
    team(&dir, &["root", "alice", "bob"], None);
    let (low, _) = pick(&first);
    let fp = fingerprint(&low);

    let next = dir
        .cmd()
        .args(["review", "next", "--reviewer", "alice"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(next.contains("secguard review label --finding"), "{next}");

    let out = label(
        &dir,
        "alice",
        &fp,
        "fp",
        "the digest is a cache key, not security",
    );
    assert!(out.contains("Saved review #1"), "{out}");
    assert!(out.contains("Created memory #1"), "{out}");

    let second = scan_json(&dir);
    let findings = all_findings(&second);
    let f = find(&findings, &fp);
    assert_eq!(f["suppression"]["kind"], "external", "{f:#}");
    let why = f["suppression"]["justification"].as_str().unwrap_or("");
    assert!(why.contains("cache key"), "{why}");
    assert_eq!(f["suppression"]["by"], "alice");
    assert!(
        open_findings(&second)
            .iter()
            .all(|o| o["fingerprint"] != fp)
    );

    let sarif = dir
        .cmd()
        .args(["scan", "--format", "sarif", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json();
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let r = results
        .iter()
        .find(|r| r["partialFingerprints"].to_string().contains(&fp))
        .unwrap_or_else(|| panic!("no SARIF result for {fp}"));
    assert_eq!(r["suppressions"][0]["kind"], "external");
    assert!(
        r["suppressions"][0]["justification"]
            .to_string()
            .contains("cache key")
    );

    // --no-memories shows the scan as the analyzers see it.
    let raw = dir
        .cmd()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-memories",
        ])
        .run()
        .expect_code(0)
        .json();
    assert!(find(&all_findings(&raw), &fp)["suppression"].is_null());

    // Revoking the memory brings the finding back.
    as_reviewer(&dir, "bob")
        .args([
            "feedback",
            "revoke",
            "1",
            "--reason",
            "wrong call",
            "--reviewer",
            "bob",
        ])
        .run()
        .expect_code(0);
    let third = scan_json(&dir);
    assert!(find(&all_findings(&third), &fp)["suppression"].is_null());
    let audit = dir
        .cmd()
        .args(["feedback", "audit", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    let actions: Vec<&str> = audit
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    for want in ["review.created", "memory.created", "memory.revoked"] {
        assert!(actions.contains(&want), "{actions:?}");
    }
}

#[test]
fn hiding_a_high_finding_takes_two_reviewers() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let (_, high) = pick(&scan_json(&dir));
    let fp = fingerprint(&high);
    team(&dir, &["root", "alice", "bob"], None);

    label(&dir, "alice", &fp, "fp", "cmd is validated upstream");
    let report = scan_json(&dir);
    assert!(find(&all_findings(&report), &fp)["suppression"].is_null());
    let notes = report["notes"].to_string();
    assert!(notes.contains("needs a second reviewer"), "{notes}");
    let list = dir
        .cmd()
        .args(["feedback", "list"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(list.contains("needs a second reviewer"), "{list}");

    // The same reviewer twice is still one reviewer.
    label(&dir, "alice", &fp, "fp", "really");
    assert!(find(&all_findings(&scan_json(&dir)), &fp)["suppression"].is_null());

    let out = label(&dir, "bob", &fp, "fp", "agreed, validated upstream");
    assert!(out.contains("Strengthened memory #1"), "{out}");
    let f = find(&all_findings(&scan_json(&dir)), &fp).clone();
    assert_eq!(f["suppression"]["kind"], "external", "{f:#}");
    assert_eq!(f["suppression"]["by"], "alice, bob");
}

#[test]
fn an_admin_alone_may_hide_a_high_finding() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let (_, high) = pick(&scan_json(&dir));
    let fp = fingerprint(&high);
    team(&dir, &["root"], None);
    label(&dir, "root", &fp, "fp", "sandboxed");
    let f = find(&all_findings(&scan_json(&dir)), &fp).clone();
    assert_eq!(f["suppression"]["kind"], "external", "{f:#}");
}

#[test]
fn contradicting_labels_are_flagged_and_neither_applies() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let (low, _) = pick(&scan_json(&dir));
    let fp = fingerprint(&low);
    team(&dir, &["root", "alice", "bob"], None);
    label(&dir, "alice", &fp, "fp", "not security relevant");
    let out = label(&dir, "bob", &fp, "tp", "it is");
    assert!(out.contains("Conflicts with memories #1"), "{out}");
    assert!(out.contains("trust 0.70 -> 0.49"), "{out}");
    let f = find(&all_findings(&scan_json(&dir)), &fp).clone();
    assert!(f["suppression"].is_null(), "{f:#}");
    let list = dir
        .cmd()
        .args(["feedback", "list"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(list.contains("conflicts with #2"), "{list}");
    assert!(list.contains("conflicts with #1"), "{list}");

    let agreement = dir
        .cmd()
        .args(["review", "agreement", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(agreement["pairs"][0]["observed"], 0.0);
}

#[test]
fn labels_export_and_import_between_databases() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let (low, _) = pick(&scan_json(&dir));
    team(&dir, &["root", "alice", "bob"], None);
    label(
        &dir,
        "alice",
        &fingerprint(&low),
        "fp",
        "note, with \"quotes\"",
    );
    as_reviewer(&dir, "bob")
        .args([
            "review",
            "label",
            "--sample",
            "app.py",
            "--decision",
            "insecure",
            "--cwe",
            "CWE-78",
        ])
        .run()
        .expect_code(0);
    for format in ["csv", "jsonl"] {
        let file = format!("labels.{format}");
        dir.cmd()
            .args(["review", "export", "--format", format, "-o", &file])
            .run()
            .expect_code(0);
        let text = dir.read(&file);
        assert!(text.contains("alice") && text.contains("bob"), "{text}");
        // A second database that has seen the same scan.
        let other = format!("other-{format}.db");
        dir.cmd()
            .args([
                "scan",
                "--db",
                &other,
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .run()
            .expect_code(0);
        let out = dir
            .cmd()
            .args(["review", "import", &file, "--db", &other])
            .run()
            .expect_code(0);
        assert!(out.stderr.contains("imported 2 of 2"), "{}", out.stderr);
        // Importing again adds nothing.
        let out = dir
            .cmd()
            .args(["review", "import", &file, "--db", &other])
            .run()
            .expect_code(0);
        assert!(out.stderr.contains("imported 0 of 2"), "{}", out.stderr);
    }
    dir.create("bad.csv", "kind,project\nfinding\n");
    let out = dir
        .cmd()
        .args(["review", "import", "bad.csv"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("bad.csv") && out.stderr.contains("line"),
        "{}",
        out.stderr
    );
}

#[test]
fn memories_export_and_import() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let (low, _) = pick(&scan_json(&dir));
    let fp = fingerprint(&low);
    team(&dir, &["root", "alice"], None);
    label(&dir, "alice", &fp, "fp", "cache key");
    dir.cmd()
        .args(["feedback", "export", "-o", "memories.json"])
        .run()
        .expect_code(0);
    // The other database knows alice's key: her signed decision vouches.
    team(&dir, &["root", "alice"], Some("other.db"));
    let out = dir
        .cmd()
        .args(["feedback", "import", "memories.json", "--db", "other.db"])
        .run()
        .expect_code(0);
    assert!(
        out.stderr
            .contains("1 vouched for by verified signatures, 0 pending"),
        "{}",
        out.stderr
    );
    let f = dir
        .cmd()
        .args([
            "scan",
            "--db",
            "other.db",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(
        find(&all_findings(&f), &fp)["suppression"]["kind"],
        "external"
    );
    dir.create("broken.json", "[{\"id\": 1,");
    let out = dir
        .cmd()
        .args(["feedback", "import", "broken.json"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("broken.json"), "{}", out.stderr);
}

#[test]
fn bad_labels_are_usage_errors() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    scan_json(&dir);
    let out = dir
        .cmd()
        .args(["review", "label", "--finding", "nope", "--decision", "fp"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
    let out = dir
        .cmd()
        .args(["review", "label", "--sample", "app.py", "--decision", "fp"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("does not apply"), "{}", out.stderr);
    let out = dir
        .cmd()
        .args(["review", "--serve", "0.0.0.0:0", "--reviewer", "a"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("loopback"), "{}", out.stderr);
}

#[test]
fn a_corrupt_or_newer_database_is_a_clear_error() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    dir.create(
        ".secguard/secguard.db",
        b"this is not a database, just some bytes\n".repeat(200),
    );
    let out = dir.cmd().args(["scan"]).run().expect_code(2);
    assert!(out.stderr.contains("secguard.db"), "{}", out.stderr);
    assert!(
        out.stderr.contains("not a secguard database"),
        "{}",
        out.stderr
    );
    // Nothing was overwritten.
    assert!(
        dir.read(".secguard/secguard.db")
            .starts_with("this is not a database")
    );

    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    scan_json(&dir);
    let db = dir.path().join(".secguard/secguard.db");
    let conn = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    conn.pragma_update(None, "user_version", 9999)
        .unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let out = dir.cmd().args(["feedback", "list"]).run().expect_code(2);
    assert!(out.stderr.contains("newer"), "{}", out.stderr);
}

#[test]
fn scans_can_skip_the_store() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    dir.cmd()
        .args(["scan", "--no-store", "--fail-on", "never"])
        .run()
        .expect_code(0);
    assert!(!dir.path().join(".secguard/secguard.db").exists());
    dir.create("secguard.toml", "[store]\nrecord = false\n");
    dir.cmd()
        .args(["scan", "--fail-on", "never"])
        .run()
        .expect_code(0);
    assert!(!dir.path().join(".secguard/secguard.db").exists());
    dir.create(
        "secguard.toml",
        "[store]\npath = \"reviews.db\"\nproject = \"demo\"\n",
    );
    dir.cmd()
        .args(["scan", "--fail-on", "never"])
        .run()
        .expect_code(0);
    assert!(dir.path().join("reviews.db").is_file());
    dir.create("secguard.toml", "[store]\nrecrod = true\n");
    let out = dir.cmd().args(["scan"]).run().expect_code(2);
    assert!(out.stderr.contains("store.recrod"), "{}", out.stderr);
}

#[test]
fn a_glob_narrows_the_memory_to_matching_paths() {
    let dir = Dir::new();
    dir.create("tests/test_app.py", APP_PY);
    dir.create("app.py", APP_PY);
    let report = scan_json(&dir);
    let in_tests: Vec<Value> = all_findings(&report)
        .into_iter()
        .filter(|f| f["location"]["path"] == "tests/test_app.py")
        .collect();
    let medium = in_tests
        .iter()
        .find(|f| severity(f) == "medium")
        .unwrap_or_else(|| panic!("no medium finding in tests/: {report:#}"));
    let rule = medium["rule_id"].as_str().unwrap_or_default().to_string();
    let args = |fp: &str| {
        vec![
            "review".to_string(),
            "label".into(),
            "--finding".into(),
            fp.to_string(),
            "--decision".into(),
            "fp".into(),
            "--scope".into(),
            "rule".into(),
            "--glob".into(),
            "tests/**".into(),
            "--note".into(),
            "test code".into(),
        ]
    };
    dir.cmd()
        .args(args(&fingerprint(medium)))
        .run()
        .expect_code(0);
    let after = scan_json(&dir);
    for f in all_findings(&after)
        .iter()
        .filter(|f| f["rule_id"] == rule.as_str())
    {
        let suppressed = !f["suppression"].is_null();
        let in_tests = f["location"]["path"] == "tests/test_app.py";
        assert_eq!(suppressed, in_tests, "{f:#}");
    }
    // A glob that does not cover the finding itself is refused.
    let outside = all_findings(&after)
        .into_iter()
        .find(|f| f["location"]["path"] == "app.py")
        .unwrap_or_else(|| panic!("no finding in app.py"));
    let out = dir
        .cmd()
        .args(args(&fingerprint(&outside)))
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("does not match the glob"),
        "{}",
        out.stderr
    );
}
