//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use secguard_core::identity::Signer;
use secguard_core::memory::ScopeChoice;
use secguard_core::review::{Decision, ReviewTarget, Role};
use secguard_core::{Confidence, Cwe, Finding, Fingerprint, Location, Severity};
use secguard_store::{NewReview, SampleRecord, ScanRecord, SqliteStore, Store};
use std::fmt::Display;
use std::path::{Path, PathBuf};

pub fn ok<T, E: Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

pub fn tempdir() -> tempfile::TempDir {
    ok(tempfile::tempdir())
}

pub fn open(path: &Path) -> SqliteStore {
    ok(SqliteStore::open(path))
}

pub fn raw(path: &Path) -> rusqlite::Connection {
    ok(rusqlite::Connection::open(path))
}

pub fn count(path: &Path, table: &str) -> i64 {
    ok(raw(path).query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
}

pub fn finding(rule: &str, path: &str, line: u32, fp: &str, severity: Severity) -> Finding {
    Finding {
        rule_id: rule.into(),
        title: "title".into(),
        message: "message".into(),
        cwe: vec![Cwe(89)],
        severity,
        confidence: Confidence::Medium,
        location: Location {
            path: PathBuf::from(path),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 10,
        },
        snippet: "cursor.execute(q)".into(),
        fingerprint: Fingerprint(fp.into()),
        analyzer: "builtin".into(),
        trace: vec![],
        suppression: None,
        reported_by: vec![],
    }
}

pub fn sample(path: &str) -> SampleRecord {
    SampleRecord {
        path: path.into(),
        language: Some("python".into()),
        content: Some(format!("# {path}\nprint('hi')\n")),
        content_hash: format!("hash-{path}"),
        verdict: None,
    }
}

pub fn scan(
    store: &dyn Store,
    project: &str,
    samples: &[SampleRecord],
    findings: &[Finding],
) -> i64 {
    ok(store.record_scan(&ScanRecord {
        project,
        root: "/src",
        analyzers: vec!["builtin".into()],
        policy: "any",
        started_at: 1000,
        finished_at: 1010,
        samples,
        findings,
    }))
}

pub fn finding_review(project: &str, fp: &str, reviewer: &str, decision: Decision) -> NewReview {
    NewReview {
        project: project.into(),
        target: ReviewTarget::Finding {
            fingerprint: fp.into(),
        },
        reviewer: reviewer.into(),
        decision,
        cwe: vec![],
        severity: None,
        note: String::new(),
        corrected_code: None,
        scope: ScopeChoice::Finding,
        path_glob: None,
        created_at: None,
        signature: None,
        imported: false,
    }
}

/// `new`, signed by `signer`.
pub fn signed(store: &dyn Store, mut new: NewReview, signer: &Signer) -> NewReview {
    secguard_store::sign_review(store, &mut new, signer).unwrap_or_else(|e| panic!("{e}"));
    new
}

/// A deterministic key per name, for tests.
pub fn key(name: &str) -> Signer {
    let mut secret = [0u8; 32];
    for (i, b) in name.bytes().enumerate().take(32) {
        secret[i] = b;
    }
    secret[31] ^= 0x5a;
    Signer::from_secret(secret)
}

/// `admin` becomes the first admin; `others` are registered by it as
/// plain reviewers. Returns their keys, admin first.
pub fn with_keys(store: &dyn Store, admin: &str, others: &[&str]) -> Vec<Signer> {
    let a = key(admin);
    store
        .register_key(&ok(secguard_store::sign_registration(
            store,
            admin,
            &a.public_key(),
            Role::Admin,
            &a,
        )))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut keys = vec![];
    for name in others {
        let k = key(name);
        store
            .register_key(&ok(secguard_store::sign_registration(
                store,
                name,
                &k.public_key(),
                Role::Reviewer,
                &a,
            )))
            .unwrap_or_else(|e| panic!("{e}"));
        keys.push(k);
    }
    keys.insert(0, a);
    keys
}

pub fn sample_review(project: &str, path: &str, reviewer: &str, decision: Decision) -> NewReview {
    NewReview {
        target: ReviewTarget::Sample { path: path.into() },
        ..finding_review(project, "", reviewer, decision)
    }
}

/// A project with three files and four findings of mixed severity.
pub fn seeded(store: &dyn Store) -> i64 {
    scan(
        store,
        "demo",
        &[
            sample("app/db.py"),
            sample("app/web.py"),
            sample("app/util.py"),
        ],
        &[
            finding("py/sqli", "app/db.py", 10, "fp-db-10", Severity::High),
            finding("py/sqli", "app/db.py", 5, "fp-db-5", Severity::High),
            finding("py/xss", "app/web.py", 3, "fp-web-3", Severity::Critical),
            finding("py/weak-hash", "app/util.py", 1, "fp-util-1", Severity::Low),
        ],
    )
}
