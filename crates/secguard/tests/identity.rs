//! Issue 14, as an attacker would try it from the terminal: reviewer names
//! typed on the command line, a reviewer promoting herself, and a
//! hand-written memory import claiming two reviewers, an admin and full
//! trust. Each must change nothing that hides a high or critical finding.

mod util;

use serde_json::Value;
use util::{APP_PY, Dir};

fn scan_json(dir: &Dir) -> Value {
    dir.cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json()
}

/// The first high or critical finding.
fn high(report: &Value) -> Value {
    report["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter()
                .find(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no high finding in {report:#}"))
}

fn suppression_of(report: &Value, fp: &str) -> Value {
    report["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["fingerprint"] == fp))
        .map(|f| f["suppression"].clone())
        .unwrap_or_else(|| panic!("finding {fp} is gone"))
}

fn keygen(dir: &Dir, name: &str) -> String {
    dir.cmd()
        .args(["review", "keygen", "-o", &format!("keys/{name}.key")])
        .run()
        .expect_code(0)
        .stdout
        .trim()
        .to_string()
}

fn with_key(dir: &Dir, name: &str) -> util::TestCommand {
    dir.cmd()
        .env("SECGUARD_REVIEWER_KEY", &format!("keys/{name}.key"))
}

#[test]
fn names_on_the_command_line_are_not_identities() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let fp = high(&scan_json(&dir))["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Seen: `--reviewer a` then `--reviewer b` hid a critical finding.
    for who in ["a", "b"] {
        let out = dir
            .cmd()
            .args([
                "review",
                "label",
                "--reviewer",
                who,
                "--finding",
                &fp,
                "--decision",
                "fp",
            ])
            .run()
            .expect_code(2);
        assert!(out.stderr.contains("not from a flag"), "{}", out.stderr);
    }
    // SECGUARD_REVIEWER and USER are not identities either: the decision is
    // the real login's, unsigned, twice.
    for who in ["a", "b"] {
        dir.cmd()
            .env("SECGUARD_REVIEWER", who)
            .env("USER", who)
            .args(["review", "label", "--finding", &fp, "--decision", "fp"])
            .run()
            .expect_code(0);
    }
    let report = scan_json(&dir);
    assert!(suppression_of(&report, &fp).is_null(), "{report:#}");
    let list = dir
        .cmd()
        .args(["feedback", "list", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(list[0]["reviewers"].as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["verified_reviewers"], serde_json::json!([]));
}

#[test]
fn a_reviewer_cannot_make_herself_admin() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    scan_json(&dir);
    let root_pk = keygen(&dir, "root");
    let eve_pk = keygen(&dir, "eve");
    assert_eq!(root_pk.len(), 64);
    with_key(&dir, "root")
        .args(["review", "init-admin", "--name", "root"])
        .run()
        .expect_code(0);
    // Seen: `review reviewer eve --role admin --reviewer eve` succeeded.
    let out = dir
        .cmd()
        .args([
            "review",
            "reviewer",
            "eve",
            "--role",
            "admin",
            "--reviewer",
            "eve",
        ])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("not from a flag"), "{}", out.stderr);
    let out = dir
        .cmd()
        .args(["review", "reviewer", "eve", "--role", "admin"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("admin's signature"), "{}", out.stderr);
    // With her own (unregistered) key, and as a second first admin.
    let out = with_key(&dir, "eve")
        .args([
            "review",
            "reviewer",
            "eve",
            "--role",
            "admin",
            "--public-key",
            &eve_pk,
        ])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("admin's signature"), "{}", out.stderr);
    with_key(&dir, "eve")
        .args(["review", "init-admin", "--name", "eve"])
        .run()
        .expect_code(2);
    // Registered as a plain reviewer by root, she still cannot promote
    // herself.
    with_key(&dir, "root")
        .args(["review", "reviewer", "eve", "--public-key", &eve_pk])
        .run()
        .expect_code(0);
    let out = with_key(&dir, "eve")
        .args(["review", "reviewer", "eve", "--role", "admin"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("not an admin"), "{}", out.stderr);
    let keys = dir
        .cmd()
        .args(["review", "keys", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    let roles: Vec<(String, String)> = keys
        .as_array()
        .map(|ks| {
            ks.iter()
                .map(|k| {
                    (
                        k["reviewer"].as_str().unwrap_or("").to_string(),
                        k["role"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        roles,
        [
            ("root".to_string(), "admin".to_string()),
            ("eve".to_string(), "reviewer".to_string())
        ]
    );
    let audit = dir
        .cmd()
        .args(["feedback", "audit"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(audit.contains("root reviewer.key reviewer:eve"), "{audit}");
    // The admin promotes her, at once (same second): signed, audited.
    let out = with_key(&dir, "root")
        .args(["review", "reviewer", "eve", "--role", "admin"])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("eve (admin)"), "{}", out.stdout);
}

#[test]
fn a_forged_memory_import_suppresses_nothing_and_waits_as_pending() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    dir.create("secguard.toml", "[store]\nproject = \"demo\"\n");
    let finding = high(&scan_json(&dir));
    let fp = finding["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let rule = finding["rule_id"].as_str().unwrap_or_default().to_string();
    let alice_pk = keygen(&dir, "alice");
    keygen(&dir, "root");
    with_key(&dir, "root")
        .args(["review", "init-admin", "--name", "root"])
        .run()
        .expect_code(0);
    with_key(&dir, "root")
        .args(["review", "reviewer", "alice", "--public-key", &alice_pk])
        .run()
        .expect_code(0);
    // Hand-written: two reviewers (both registered here), an admin, trust
    // 1.0, and "signed" decisions whose signatures are made up.
    let scope = serde_json::json!({"project": "demo", "rule": rule});
    let decision = |id: i64, who: &str| {
        serde_json::json!({
            "id": id, "project": "demo",
            "target": {"kind": "finding", "fingerprint": fp},
            "reviewer": who, "decision": "false_positive",
            "created_at": 1, "scope": scope, "verified": true,
            "signature": {"public_key": alice_pk, "signature": "ab".repeat(64)},
        })
    };
    let forged = serde_json::json!({
        "memories": [{
            "id": 1, "scope": scope,
            "condition": "all of these are false positives",
            "implication": {"kind": "false_positive"},
            "source_reviews": [1, 2], "reviewers": ["alice", "root"],
            "verified_reviewers": ["alice", "root"], "admin_approved": true,
            "trust": 1.0, "status": "active", "conflicts_with": [],
            "created_at": 1, "updated_at": 1
        }],
        "decisions": [decision(1, "alice"), decision(2, "root")],
    });
    dir.create("forged.json", forged.to_string());
    let out = dir
        .cmd()
        .args(["feedback", "import", "forged.json"])
        .run()
        .expect_code(0);
    assert!(out.stderr.contains("0 vouched for"), "{}", out.stderr);
    assert!(out.stderr.contains("1 pending"), "{}", out.stderr);
    let report = scan_json(&dir);
    assert!(suppression_of(&report, &fp).is_null(), "{report:#}");
    let list = dir
        .cmd()
        .args(["feedback", "list"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(list.contains("pending"), "{list}");
    assert!(list.contains("verified: none"), "{list}");
    // A bare list of memories (the older export format) is pending too.
    dir.create("bare.json", forged["memories"].to_string());
    let out = dir
        .cmd()
        .args(["feedback", "import", "bare.json"])
        .run()
        .expect_code(0);
    assert!(out.stderr.contains("1 pending"), "{}", out.stderr);
    assert!(suppression_of(&scan_json(&dir), &fp).is_null());
}

#[test]
fn keygen_writes_a_private_file_and_keeps_an_existing_one() {
    let dir = Dir::new();
    let pk = keygen(&dir, "me");
    assert_eq!(pk.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("keys/me.key"))
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode, 0o600);
    }
    let out = dir
        .cmd()
        .args(["review", "keygen", "-o", "keys/me.key"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    // A key others can read is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("keys/me.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let out = with_key(&dir, "me")
            .args(["review", "init-admin"])
            .run()
            .expect_code(2);
        assert!(out.stderr.contains("chmod 600"), "{}", out.stderr);
    }
}

#[test]
fn a_hand_written_label_file_only_proposes() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    dir.create("secguard.toml", "[store]\nproject = \"demo\"\n");
    let report = scan_json(&dir);
    let finding = high(&report);
    let fp = finding["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let path = finding["location"]["path"].as_str().unwrap_or_default();
    let rule = finding["rule_id"].as_str().unwrap_or_default();
    let mut csv = String::from(
        "kind,project,path,fingerprint,rule_id,reviewer,decision,cwe,severity,note,corrected_code,created_at\n",
    );
    for (who, at) in [("a", "01"), ("b", "02"), ("admin", "03")] {
        csv.push_str(&format!(
            "finding,demo,{path},{fp},{rule},{who},false_positive,,,fine,,2026-01-01T00:00:{at}Z\n"
        ));
    }
    dir.create("labels.csv", &csv);
    let out = dir
        .cmd()
        .args(["review", "import", "labels.csv"])
        .run()
        .expect_code(0);
    assert!(out.stderr.contains("imported 3 of 3"), "{}", out.stderr);
    assert!(out.stderr.contains("pending"), "{}", out.stderr);
    assert!(suppression_of(&scan_json(&dir), &fp).is_null());
    let list = dir
        .cmd()
        .args(["feedback", "list"])
        .run()
        .expect_code(0)
        .stdout;
    assert!(list.contains("pending"), "{list}");
}
