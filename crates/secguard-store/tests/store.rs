//! The SQLite store against real files: schema, scans, the queue, reviews
//! and what they do to memories, the audit log, and concurrent writers.

mod common;

use common::*;
use secguard_core::Severity;
use secguard_core::memory::{Implication, Memory, MemoryScope, MemoryStatus, ScopeChoice};
use secguard_core::review::{Decision, ReviewTarget, Role};
use secguard_store::{
    QueueFilter, QueueItem, ReviewFilter, SCHEMA_VERSION, SqliteStore, Store, StoreError,
};
use std::path::Path;

fn queue_ids(store: &dyn Store, filter: &QueueFilter) -> Vec<String> {
    ok(store.queue(filter))
        .into_iter()
        .map(|item| match item {
            QueueItem::Finding(f) => f.finding.fingerprint.0,
            QueueItem::Sample(s) => format!("sample:{}", s.path),
        })
        .collect()
}

fn demo_queue() -> QueueFilter {
    QueueFilter {
        project: Some("demo".into()),
        ..QueueFilter::default()
    }
}

fn audit_actions(store: &dyn Store) -> Vec<String> {
    let mut actions: Vec<String> = ok(store.audit_log(0))
        .into_iter()
        .map(|a| a.action)
        .collect();
    actions.reverse();
    actions
}

#[test]
fn migrates_an_empty_file_and_marks_it() {
    let dir = tempdir();
    let path = dir.path().join("nested/deeper/secguard.db");
    let store = open(&path);
    assert_eq!(store.location(), path.display().to_string());
    let conn = raw(&path);
    let version: i64 = ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0)));
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = ok(conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)));
    assert_eq!(mode, "wal");
    let app: String = ok(conn.query_row(
        "SELECT value FROM secguard_meta WHERE key = 'application'",
        [],
        |r| r.get(0),
    ));
    assert_eq!(app, "secguard");
    for table in [
        "runs",
        "samples",
        "findings",
        "reviewers",
        "reviews",
        "memories",
        "audit",
        "llm_cache",
    ] {
        assert_eq!(count(&path, table), 0, "{table}");
    }
    // An empty (0-byte) file is a new database too.
    let empty = dir.path().join("empty.db");
    ok(std::fs::write(&empty, b""));
    ok(SqliteStore::open_existing(&empty));
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    {
        let store = open(&path);
        seeded(&store);
        ok(store.add_review(&finding_review(
            "demo",
            "fp-db-5",
            "alice",
            Decision::FalsePositive,
        )));
        ok(store.cache_put("k", "v1"));
    }
    let store = ok(SqliteStore::open_existing(&path));
    assert_eq!(ok(store.runs(None, 0)).len(), 1);
    assert_eq!(ok(store.reviews(&ReviewFilter::default())).len(), 1);
    assert_eq!(ok(store.memories(false)).len(), 1);
    assert_eq!(ok(store.cache_get("k")).as_deref(), Some("v1"));
    // Opening an up-to-date file migrates nothing.
    let version: i64 = ok(raw(&path).query_row("PRAGMA user_version", [], |r| r.get(0)));
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn open_existing_refuses_a_missing_file_without_creating_it() {
    let dir = tempdir();
    let path = dir.path().join("missing.db");
    assert!(matches!(
        SqliteStore::open_existing(&path),
        Err(StoreError::NotFound(_))
    ));
    assert!(!path.exists());
}

fn assert_not_a_database(path: &Path) {
    let before = ok(std::fs::read(path));
    match SqliteStore::open(path) {
        Err(e @ StoreError::NotADatabase { .. }) => {
            assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        }
        Err(e) => panic!("expected NotADatabase, got {e}"),
        Ok(_) => panic!("{} opened as a secguard database", path.display()),
    }
    assert_eq!(ok(std::fs::read(path)), before, "the file was changed");
}

#[test]
fn garbage_and_text_files_are_not_databases() {
    let dir = tempdir();
    let garbage = dir.path().join("garbage.db");
    let bytes: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    ok(std::fs::write(&garbage, bytes));
    assert_not_a_database(&garbage);

    let text = dir.path().join("notes.txt");
    ok(std::fs::write(
        &text,
        "these are my notes, not a database\n".repeat(40),
    ));
    assert_not_a_database(&text);

    let short = dir.path().join("short.txt");
    ok(std::fs::write(&short, "hello\n"));
    assert_not_a_database(&short);

    assert!(matches!(
        SqliteStore::open(dir.path()),
        Err(StoreError::NotADatabase { .. })
    ));
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let dir = tempdir();
    let path = dir.path().join("other.db");
    {
        let conn = raw(&path);
        ok(conn.execute_batch(
            "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');",
        ));
    }
    assert_not_a_database(&path);
    let mode: String = ok(raw(&path).query_row("PRAGMA journal_mode", [], |r| r.get(0)));
    assert_eq!(mode, "delete");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    drop(open(&path));
    ok(raw(&path).execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)));
    match SqliteStore::open(&path) {
        Err(StoreError::NewerSchema {
            found, supported, ..
        }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        Err(e) => panic!("expected NewerSchema, got {e}"),
        Ok(_) => panic!("opened a newer schema"),
    }
}

#[test]
fn scans_fill_the_queue_by_severity_then_path_and_line() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    let run = seeded(&store);
    assert_eq!(
        queue_ids(&store, &demo_queue()),
        ["fp-web-3", "fp-db-5", "fp-db-10", "fp-util-1"]
    );
    let runs = ok(store.runs(Some("demo"), 10));
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].id, runs[0].samples, runs[0].findings), (run, 3, 4));
    assert!(ok(store.runs(Some("other"), 10)).is_empty());

    let s = ok(store.sample("demo", "app/db.py")).unwrap_or_else(|| panic!("no sample"));
    assert_eq!(s.content.as_deref(), Some("# app/db.py\nprint('hi')\n"));
    assert_eq!(s.last_run, run);
    let in_db: Vec<u32> = ok(store.sample_findings("demo", "app/db.py"))
        .into_iter()
        .map(|f| f.finding.location.start_line)
        .collect();
    assert_eq!(in_db, [5, 10]);

    // Limit, another project, and samples after findings.
    let mut f = demo_queue();
    f.limit = 2;
    assert_eq!(queue_ids(&store, &f), ["fp-web-3", "fp-db-5"]);
    f.project = Some("nope".into());
    assert!(queue_ids(&store, &f).is_empty());
    let mut f = demo_queue();
    f.samples = true;
    f.limit = 6;
    assert_eq!(
        queue_ids(&store, &f),
        [
            "fp-web-3",
            "fp-db-5",
            "fp-db-10",
            "fp-util-1",
            "sample:app/db.py",
            "sample:app/util.py"
        ]
    );
    assert_eq!(audit_actions(&store), ["scan.recorded"]);
}

#[test]
fn a_rescan_closes_findings_that_are_gone_and_keeps_their_history() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    let first = seeded(&store);
    ok(store.set_rationale("demo", "fp-db-10", "the query is built from user input"));
    // db.py rescanned: fp-db-10 is still there (moved), fp-db-5 is fixed.
    // util.py is not part of this scan, so its finding stays open.
    let second = scan(
        &store,
        "demo",
        &[sample("app/db.py"), sample("app/web.py")],
        &[
            finding("py/sqli", "app/db.py", 12, "fp-db-10", Severity::High),
            finding("py/xss", "app/web.py", 3, "fp-web-3", Severity::Critical),
        ],
    );
    assert!(second > first);
    assert_eq!(
        queue_ids(&store, &demo_queue()),
        ["fp-web-3", "fp-db-10", "fp-util-1"]
    );
    let fixed = ok(store.finding("demo", "fp-db-5")).unwrap_or_else(|| panic!("gone"));
    assert!(!fixed.open);
    assert_eq!((fixed.first_run, fixed.last_run), (first, first));
    let moved = ok(store.finding("demo", "fp-db-10")).unwrap_or_else(|| panic!("gone"));
    assert!(moved.open);
    assert_eq!((moved.first_run, moved.last_run), (first, second));
    assert_eq!(moved.finding.location.start_line, 12);
    assert_eq!(
        moved.rationale.as_deref(),
        Some("the query is built from user input")
    );
    let util = ok(store.finding("demo", "fp-util-1")).unwrap_or_else(|| panic!("gone"));
    assert!(util.open);
    // Still listed for its sample, closed.
    assert_eq!(ok(store.sample_findings("demo", "app/db.py")).len(), 2);
    assert!(matches!(
        store.set_rationale("demo", "nope", "x"),
        Err(StoreError::NotFound(_))
    ));
    // Newest run first.
    let runs: Vec<i64> = ok(store.runs(None, 0)).into_iter().map(|r| r.id).collect();
    assert_eq!(runs, [second, first]);
}

#[test]
fn the_queue_leaves_out_decided_items() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    ok(store.add_review(&finding_review(
        "demo",
        "fp-web-3",
        "alice",
        Decision::TruePositive,
    )));
    ok(store.add_review(&sample_review(
        "demo",
        "app/db.py",
        "alice",
        Decision::Insecure,
    )));
    let mut f = demo_queue();
    f.samples = true;
    assert_eq!(
        queue_ids(&store, &f),
        [
            "fp-db-5",
            "fp-db-10",
            "fp-util-1",
            "sample:app/util.py",
            "sample:app/web.py"
        ]
    );
    // Bob has decided nothing yet.
    f.reviewer = Some("bob".into());
    assert_eq!(queue_ids(&store, &f).len(), 7);
    f.reviewer = Some("alice".into());
    assert_eq!(queue_ids(&store, &f).len(), 5);
}

#[test]
fn a_review_creates_a_memory_and_a_second_reviewer_strengthens_it() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let mut first = finding_review("demo", "fp-db-5", "alice", Decision::FalsePositive);
    first.note = "the value is a constant".into();
    let out = ok(store.add_review(&first));
    assert_eq!(out.review.reviewer, "alice");
    assert!(out.trust_updates.is_empty() && out.conflicts.is_empty());
    let id = out.memory_created.unwrap_or_else(|| panic!("no memory"));
    let m = ok(store.memory(id)).unwrap_or_else(|| panic!("memory {id} missing"));
    assert_eq!(m.implication, Implication::FalsePositive);
    assert_eq!(m.condition, "the value is a constant");
    assert_eq!(m.scope.fingerprint.as_deref(), Some("fp-db-5"));
    assert_eq!(m.scope.project.as_deref(), Some("demo"));
    assert_eq!(m.reviewers, ["alice"]);
    assert_eq!(m.source_reviews, [out.review.id]);
    assert!((m.trust - 0.7).abs() < 1e-9);
    assert!(!m.may_hide(Severity::High));
    let alice = ok(store.reviewer("alice")).unwrap_or_else(|| panic!("no reviewer"));
    assert_eq!(alice.role, Role::Reviewer);

    let out2 = ok(store.add_review(&finding_review(
        "demo",
        "fp-db-5",
        "bob",
        Decision::FalsePositive,
    )));
    assert_eq!(out2.memory_strengthened, Some(id));
    assert_eq!(out2.memory_created, None);
    assert_eq!(out2.trust_updates.len(), 1);
    let (mid, old, new, agreed) = out2.trust_updates[0];
    assert_eq!(mid, id);
    assert!(agreed && (old - 0.7).abs() < 1e-9 && (new - 0.79).abs() < 1e-9);
    let m = ok(store.memory(id)).unwrap_or_else(|| panic!("memory {id} missing"));
    assert_eq!(m.reviewers, ["alice", "bob"]);
    assert_eq!(m.source_reviews, [out.review.id, out2.review.id]);
    assert!((m.trust - 0.79).abs() < 1e-9);
    // Unsigned: two names are not two verified reviewers (see identity.rs).
    assert!(!m.may_hide(Severity::High) && m.may_hide(Severity::Medium));
    assert_eq!(ok(store.memories(false)).len(), 1);
    assert_eq!(
        audit_actions(&store),
        [
            "scan.recorded",
            "reviewer.created",
            "review.created",
            "memory.created",
            "reviewer.created",
            "review.created",
            "memory.trust",
            "memory.strengthened",
        ]
    );
    let newest = &ok(store.audit_log(1))[0];
    assert_eq!(newest.action, "memory.strengthened");
    assert_eq!(newest.subject, format!("memory:{id}"));
    assert_eq!(newest.actor, "bob");
}

#[test]
fn an_admin_alone_approves() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let keys = with_keys(&store, "root", &[]);
    assert_eq!(
        ok(store.reviewer("root")).map(|r| r.role),
        Some(Role::Admin)
    );
    // The admin's name without the admin's key is nobody in particular.
    let out = ok(store.add_review(&finding_review(
        "demo",
        "fp-web-3",
        "root",
        Decision::FalsePositive,
    )));
    let m = ok(store.memory(out.memory_created.unwrap_or_else(|| panic!("no memory"))))
        .unwrap_or_else(|| panic!("missing"));
    assert!(!m.admin_approved && !m.may_hide(Severity::Critical));
    let out = ok(store.add_review(&signed(
        &store,
        finding_review("demo", "fp-db-5", "root", Decision::FalsePositive),
        &keys[0],
    )));
    assert!(out.review.verified);
    let m = ok(store.memory(out.memory_created.unwrap_or_else(|| panic!("no memory"))))
        .unwrap_or_else(|| panic!("missing"));
    assert!(m.admin_approved && m.may_hide(Severity::Critical));
}

#[test]
fn disagreement_lowers_trust_and_flags_a_conflict_on_both_memories() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let mut wide = finding_review("demo", "fp-db-5", "alice", Decision::FalsePositive);
    wide.scope = ScopeChoice::Rule;
    let fp_memory = ok(store.add_review(&wide))
        .memory_created
        .unwrap_or_else(|| panic!("none"));

    // Carol says a finding in the rule's scope is real.
    let out = ok(store.add_review(&finding_review(
        "demo",
        "fp-db-10",
        "carol",
        Decision::TruePositive,
    )));
    assert_eq!(out.conflicts, [fp_memory]);
    let tp_memory = out.memory_created.unwrap_or_else(|| panic!("none"));
    let (_, old, new, agreed) = out.trust_updates[0];
    assert!(!agreed && (old - 0.7).abs() < 1e-9 && (new - 0.49).abs() < 1e-9);

    let a = ok(store.memory(fp_memory)).unwrap_or_else(|| panic!("missing"));
    let b = ok(store.memory(tp_memory)).unwrap_or_else(|| panic!("missing"));
    assert!((a.trust - 0.49).abs() < 1e-9);
    assert!(!a.is_trusted());
    assert_eq!(a.conflicts_with, [tp_memory]);
    assert_eq!(b.conflicts_with, [fp_memory]);
    assert_eq!(b.implication, Implication::TruePositive);
    let actions = audit_actions(&store);
    assert!(
        actions.contains(&"memory.conflict".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"memory.trust".to_string()), "{actions:?}");
    // A corrected severity is an implication of its own.
    let mut sev = finding_review("demo", "fp-util-1", "dave", Decision::TruePositive);
    sev.severity = Some(Severity::Medium);
    let out = ok(store.add_review(&sev));
    let m = ok(store.memory(out.memory_created.unwrap_or_else(|| panic!("none"))))
        .unwrap_or_else(|| panic!("missing"));
    assert_eq!(m.implication, Implication::Severity(Severity::Medium));
    let stored = &ok(store.reviews(&ReviewFilter {
        reviewer: Some("dave".into()),
        ..ReviewFilter::default()
    }))[0];
    assert_eq!(stored.severity, Some(Severity::Medium));
}

#[test]
fn sample_reviews_teach_no_memories() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let mut r = sample_review("demo", "app/web.py", "alice", Decision::Insecure);
    r.cwe = vec![secguard_core::Cwe(79)];
    r.corrected_code = Some("print(escape(x))".into());
    let out = ok(store.add_review(&r));
    assert_eq!(out.memory_created, None);
    assert_eq!(out.memory_strengthened, None);
    assert!(ok(store.memories(true)).is_empty());
    let stored = ok(store.reviews(&ReviewFilter {
        target: Some(ReviewTarget::Sample {
            path: "app/web.py".into(),
        }),
        ..ReviewFilter::default()
    }));
    assert_eq!(stored, [out.review]);
    assert_eq!(stored[0].cwe, [secguard_core::Cwe(79)]);
    assert_eq!(
        stored[0].corrected_code.as_deref(),
        Some("print(escape(x))")
    );
}

#[test]
fn invalid_reviews_write_nothing() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    let store = open(&path);
    seeded(&store);
    ok(store.add_review(&finding_review(
        "demo",
        "fp-db-5",
        "alice",
        Decision::FalsePositive,
    )));
    let counts = |p: &Path| ["reviews", "audit", "reviewers", "memories"].map(|t| count(p, t));
    let before = counts(&path);
    let long = "x".repeat(101);
    let cases = [
        finding_review("demo", "fp-db-5", "bob", Decision::Secure),
        sample_review("demo", "app/db.py", "bob", Decision::TruePositive),
        finding_review("demo", "no-such-fp", "bob", Decision::FalsePositive),
        finding_review("other", "fp-db-5", "bob", Decision::FalsePositive),
        finding_review("", "fp-db-5", "bob", Decision::FalsePositive),
        finding_review("demo", "", "bob", Decision::FalsePositive),
        finding_review("demo", "fp-db-5", "", Decision::FalsePositive),
        finding_review("demo", "fp-db-5", &long, Decision::FalsePositive),
        finding_review("demo", "fp-db-5", "bo\nb", Decision::FalsePositive),
        finding_review("demo", "fp-db-5", "bob\u{7}", Decision::FalsePositive),
    ];
    for case in &cases {
        match store.add_review(case) {
            Err(StoreError::Invalid(_)) => {}
            other => panic!("{case:?} gave {other:?}"),
        }
    }
    match store.add_review(&cases[2]) {
        Err(e) => assert_eq!(
            e.to_string(),
            "no finding with fingerprint no-such-fp in project demo"
        ),
        Ok(_) => panic!("accepted"),
    }
    assert_eq!(counts(&path), before);
    // 100 characters is fine.
    ok(store.add_review(&finding_review(
        "demo",
        "fp-db-5",
        &"y".repeat(100),
        Decision::FalsePositive,
    )));
}

#[test]
fn the_audit_log_is_append_only() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    let store = open(&path);
    seeded(&store);
    let conn = raw(&path);
    for sql in ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"] {
        match conn.execute(sql, []) {
            Err(e) => assert!(e.to_string().contains("audit log is append-only"), "{e}"),
            Ok(n) => panic!("{sql} changed {n} rows"),
        }
    }
    let log = ok(store.audit_log(10));
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, "secguard");
    assert_eq!(log[0].subject, "run:1");
    assert_eq!(log[0].detail["findings"], 4);
}

#[test]
fn two_stores_on_one_file_write_concurrently() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    {
        let store = open(&path);
        seeded(&store);
    }
    let fps = ["fp-db-5", "fp-db-10", "fp-web-3", "fp-util-1"];
    std::thread::scope(|s| {
        for who in ["alice", "bob"] {
            let path = &path;
            s.spawn(move || {
                let store = open(path);
                for i in 0..50 {
                    let decision = if i % 3 == 0 {
                        Decision::TruePositive
                    } else {
                        Decision::FalsePositive
                    };
                    let mut r = finding_review("demo", fps[i % fps.len()], who, decision);
                    r.note = format!("{who} #{i}");
                    ok(store.add_review(&r));
                }
            });
        }
    });
    let store = ok(SqliteStore::open_existing(&path));
    let reviews = ok(store.reviews(&ReviewFilter::default()));
    assert_eq!(reviews.len(), 100);
    for who in ["alice", "bob"] {
        assert_eq!(reviews.iter().filter(|r| r.reviewer == who).count(), 50);
    }
    let check: String = ok(raw(&path).query_row("PRAGMA integrity_check", [], |r| r.get(0)));
    assert_eq!(check, "ok");
    let created = ok(store.audit_log(0))
        .iter()
        .filter(|a| a.action == "review.created")
        .count();
    assert_eq!(created, 100);
}

#[test]
fn one_store_shared_between_threads() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    std::thread::scope(|s| {
        for who in ["a", "b", "c"] {
            let store = &store;
            s.spawn(move || {
                for _ in 0..5 {
                    ok(store.add_review(&finding_review(
                        "demo",
                        "fp-db-5",
                        who,
                        Decision::FalsePositive,
                    )));
                }
            });
        }
    });
    assert_eq!(ok(store.reviews(&ReviewFilter::default())).len(), 15);
    let memories = ok(store.memories(false));
    assert_eq!(memories.len(), 1);
    assert_eq!(memories[0].reviewers, ["a", "b", "c"]);
}

#[test]
fn revoking_a_memory() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let id = ok(store.add_review(&finding_review(
        "demo",
        "fp-db-5",
        "alice",
        Decision::FalsePositive,
    )))
    .memory_created
    .unwrap_or_else(|| panic!("none"));
    assert!(matches!(
        store.revoke_memory(999, "root", "x"),
        Err(StoreError::NotFound(_))
    ));
    let m = ok(store.revoke_memory(id, "root", "wrong call"));
    assert_eq!(m.status, MemoryStatus::Revoked);
    assert!(matches!(
        store.revoke_memory(id, "root", "again"),
        Err(StoreError::Invalid(_))
    ));
    assert!(ok(store.memories(false)).is_empty());
    assert_eq!(ok(store.memories(true)).len(), 1);
    let last = &ok(store.audit_log(1))[0];
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("memory.revoked", "root")
    );
    assert_eq!(last.detail["reason"], "wrong call");
    // A revoked memory is neither strengthened nor has its trust changed.
    let out = ok(store.add_review(&finding_review(
        "demo",
        "fp-db-5",
        "bob",
        Decision::FalsePositive,
    )));
    assert!(out.trust_updates.is_empty());
    assert!(out.memory_created.is_some());
}

fn memory(scope: MemoryScope, implication: Implication) -> Memory {
    Memory {
        id: 77,
        scope,
        condition: "imported".into(),
        implication,
        source_reviews: vec![3],
        reviewers: vec!["zed".into()],
        verified_reviewers: vec![],
        admin_approved: false,
        trust: 0.8,
        status: MemoryStatus::Active,
        conflicts_with: vec![5, 6],
        created_at: 500,
        updated_at: 600,
    }
}

#[test]
fn importing_memories_flags_conflicts_and_refuses_empty_scopes() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    let store = open(&path);
    seeded(&store);
    let mut r = finding_review("demo", "fp-db-5", "alice", Decision::FalsePositive);
    r.scope = ScopeChoice::Rule;
    let local = ok(store.add_review(&r))
        .memory_created
        .unwrap_or_else(|| panic!("none"));

    let audit_before = count(&path, "audit");
    let empty = memory(
        MemoryScope {
            project: Some("demo".into()),
            ..MemoryScope::default()
        },
        Implication::TruePositive,
    );
    let fine = memory(
        MemoryScope {
            rule: Some("x".into()),
            ..MemoryScope::default()
        },
        Implication::TruePositive,
    );
    assert!(matches!(
        store.import_memories(&[fine.clone(), empty], &[], "root"),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(count(&path, "memories"), 1);
    assert_eq!(count(&path, "audit"), audit_before);

    // The same rule, vouched for by zed's signed decision, saying the
    // opposite. Another rule, unsigned: pending, so no conflict. A revoked
    // one: no conflict.
    let keys = with_keys(&store, "root", &["zed"]);
    let wide = memory(
        MemoryScope {
            project: Some("demo".into()),
            rule: Some("py/sqli".into()),
            ..MemoryScope::default()
        },
        Implication::TruePositive,
    );
    let mut decision = secguard_core::review::Review {
        id: 3,
        project: "demo".into(),
        target: secguard_core::review::ReviewTarget::Finding {
            fingerprint: "elsewhere".into(),
        },
        reviewer: "zed".into(),
        decision: Decision::TruePositive,
        cwe: vec![],
        severity: None,
        note: String::new(),
        corrected_code: None,
        created_at: 400,
        scope: Some(wide.scope.clone()),
        signature: None,
        verified: false,
    };
    decision.signature = Some(keys[1].sign(&decision.message()));
    let mut revoked = wide.clone();
    revoked.status = MemoryStatus::Revoked;
    let ids: Vec<i64> = ok(store.import_memories(&[wide, fine, revoked], &[decision], "root"))
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id > local));
    let imported = ok(store.memory(ids[0])).unwrap_or_else(|| panic!("missing"));
    assert_eq!(imported.conflicts_with, [local]);
    assert_eq!(
        imported.source_reviews.len(),
        1,
        "zed's decision, recorded here"
    );
    assert_eq!(imported.verified_reviewers, ["zed"]);
    assert_eq!(imported.created_at, 500);
    let unrelated = ok(store.memory(ids[1])).unwrap_or_else(|| panic!("missing"));
    assert!(unrelated.conflicts_with.is_empty());
    assert_eq!(unrelated.status, MemoryStatus::Pending);
    let revoked = ok(store.memory(ids[2])).unwrap_or_else(|| panic!("missing"));
    assert_eq!(revoked.status, MemoryStatus::Revoked);
    assert!(revoked.conflicts_with.is_empty());
    let local_m = ok(store.memory(local)).unwrap_or_else(|| panic!("missing"));
    assert_eq!(local_m.conflicts_with, [ids[0]]);
    let actions = audit_actions(&store);
    assert_eq!(
        actions.iter().filter(|a| *a == "memory.imported").count(),
        3
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "memory.conflict").count(),
        1
    );
}

#[test]
fn reviewers_are_created_once_and_names_are_checked() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    let r = ok(store.ensure_reviewer("alice", "setup"));
    assert_eq!(r.role, Role::Reviewer);
    ok(store.ensure_reviewer("alice", "setup"));
    ok(store.ensure_reviewer("bob", "setup"));
    assert_eq!(
        audit_actions(&store),
        ["reviewer.created", "reviewer.created"]
    );
    let names: Vec<String> = ok(store.reviewers()).into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert!(matches!(
        store.ensure_reviewer(" x", "setup"),
        Err(StoreError::Invalid(_))
    ));
    assert!(ok(store.reviewer("nobody")).is_none());
}

#[test]
fn review_listing_filters_and_limits() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    for (fp, who) in [
        ("fp-db-5", "alice"),
        ("fp-db-10", "bob"),
        ("fp-web-3", "alice"),
    ] {
        ok(store.add_review(&finding_review("demo", fp, who, Decision::TruePositive)));
    }
    let all = ok(store.reviews(&ReviewFilter::default()));
    let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let newest = ok(store.reviews(&ReviewFilter {
        limit: Some(2),
        ..ReviewFilter::default()
    }));
    assert_eq!(
        newest.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    let alice = ok(store.reviews(&ReviewFilter {
        reviewer: Some("alice".into()),
        ..ReviewFilter::default()
    }));
    assert_eq!(alice.len(), 2);
    let one = ok(store.reviews(&ReviewFilter {
        project: Some("demo".into()),
        target: Some(ReviewTarget::Finding {
            fingerprint: "fp-db-10".into(),
        }),
        ..ReviewFilter::default()
    }));
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].reviewer, "bob");
    let mut old = finding_review("demo", "fp-db-5", "carol", Decision::FalsePositive);
    old.created_at = Some(1234);
    assert_eq!(ok(store.add_review(&old)).review.created_at, 1234);
}

#[test]
fn the_cache_upserts() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    assert_eq!(ok(store.cache_get("k")), None);
    ok(store.cache_put("k", "one"));
    ok(store.cache_put("k", "two"));
    assert_eq!(ok(store.cache_get("k")).as_deref(), Some("two"));
}

/// Opening a new file switches it to WAL, for which SQLite does not wait on
/// its own; several rounds make the race likely to show.
#[test]
fn processes_racing_to_create_one_file_agree() {
    let dir = tempdir();
    for round in 0..10 {
        let path = dir.path().join(format!("fresh-{round}.db"));
        std::thread::scope(|s| {
            for i in 0..6 {
                let path = &path;
                s.spawn(move || {
                    let store = open(path);
                    ok(store.cache_put(&format!("k{i}"), "v"));
                });
            }
        });
        let store = ok(SqliteStore::open_existing(&path));
        for i in 0..6 {
            assert_eq!(ok(store.cache_get(&format!("k{i}"))).as_deref(), Some("v"));
        }
        assert_eq!(count(&path, "secguard_meta"), 1);
    }
}

/// Waits out the 10 s busy timeout once, to check the message.
#[test]
fn a_lock_held_too_long_is_a_clear_error() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    let store = open(&path);
    let holder = raw(&path);
    ok(holder.execute_batch("BEGIN IMMEDIATE"));
    match store.cache_put("k", "v") {
        Err(e @ StoreError::Database { .. }) => {
            assert!(
                e.to_string().contains("locked by another secguard process"),
                "{e}"
            )
        }
        other => panic!("expected a busy error, got {other:?}"),
    }
    ok(holder.execute_batch("ROLLBACK"));
    ok(store.cache_put("k", "v"));
}

#[test]
fn evaluation_results_are_recorded_once_and_survive_reopening() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    {
        let store = open(&path);
        assert!(ok(store.eval_run("run1", "{}")), "new");
        assert!(!ok(store.eval_run("run1", "{}")), "resumed");
        assert!(ok(store.eval_result("run1", "b", "{\"x\":2}")));
        assert!(ok(store.eval_result("run1", "a", "{\"x\":1}")));
        assert!(!ok(store.eval_result("run1", "a", "{\"x\":9}")), "once");
    }
    let store = open(&path);
    assert_eq!(
        ok(store.eval_results("run1")),
        vec![
            ("a".to_string(), "{\"x\":1}".to_string()),
            ("b".to_string(), "{\"x\":2}".to_string())
        ]
    );
    assert!(ok(store.eval_results("other")).is_empty());
}
