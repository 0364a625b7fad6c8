//! Who may hide what (issue 14), against a real SQLite file: only verified
//! signers count toward hiding high or critical findings, roles change only
//! by an admin's signature, and imports are vouched for by signatures, never
//! by what the file claims.

mod common;

use common::*;
use secguard_core::Severity;
use secguard_core::identity::Signer;
use secguard_core::memory::{
    Implication, Memory, MemoryScope, MemoryStatus, ScopeChoice, TRUST_APPLY_THRESHOLD,
};
use secguard_core::review::{Decision, Review, ReviewTarget, Role};
use secguard_store::{KeyRegistration, Store, StoreError, sign_registration};

fn reg(store: &dyn Store, name: &str, pk: &str, role: Role, signer: &Signer) -> KeyRegistration {
    ok(sign_registration(store, name, pk, role, signer))
}

fn memory_of(store: &dyn Store, id: Option<i64>) -> Memory {
    ok(store.memory(id.unwrap_or_else(|| panic!("no memory")))).unwrap_or_else(|| panic!("gone"))
}

#[test]
fn two_names_without_keys_do_not_hide_a_critical_finding() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    // The attack: the same person labels twice under two names.
    let first = ok(store.add_review(&finding_review(
        "demo",
        "fp-web-3",
        "a",
        Decision::FalsePositive,
    )));
    let second = ok(store.add_review(&finding_review(
        "demo",
        "fp-web-3",
        "b",
        Decision::FalsePositive,
    )));
    assert_eq!(second.memory_strengthened, first.memory_created);
    let m = memory_of(&store, first.memory_created);
    assert_eq!(m.reviewers, ["a", "b"]);
    assert!(m.verified_reviewers.is_empty());
    assert!(!m.may_hide(Severity::Critical), "{m:?}");
    // Unsigned decisions still act below high.
    assert!(m.may_hide(Severity::Medium));

    // Two registered keys, two signed decisions: now it may.
    let keys = with_keys(&store, "root", &["alice", "bob"]);
    let a = ok(store.add_review(&signed(
        &store,
        finding_review("demo", "fp-web-3", "alice", Decision::FalsePositive),
        &keys[1],
    )));
    assert!(!memory_of(&store, a.memory_strengthened).may_hide(Severity::Critical));
    ok(store.add_review(&signed(
        &store,
        finding_review("demo", "fp-web-3", "bob", Decision::FalsePositive),
        &keys[2],
    )));
    let m = memory_of(&store, a.memory_strengthened);
    assert_eq!(m.verified_reviewers, ["alice", "bob"]);
    assert!(m.may_hide(Severity::Critical));
}

#[test]
fn signatures_are_checked_on_insert_and_on_load() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    let store = open(&path);
    seeded(&store);
    let keys = with_keys(&store, "root", &["alice"]);
    // alice's key signing as bob: refused.
    let as_bob = signed(
        &store,
        finding_review("demo", "fp-web-3", "bob", Decision::FalsePositive),
        &keys[1],
    );
    assert!(matches!(
        store.add_review(&as_bob),
        Err(StoreError::Invalid(_))
    ));
    // A signature for one scope replayed for a wider one: refused.
    let mut widened = signed(
        &store,
        finding_review("demo", "fp-web-3", "alice", Decision::FalsePositive),
        &keys[1],
    );
    widened.scope = ScopeChoice::Rule;
    assert!(matches!(
        store.add_review(&widened),
        Err(StoreError::Invalid(_))
    ));
    // The same signed decision twice: refused the second time.
    let good = signed(
        &store,
        finding_review("demo", "fp-web-3", "alice", Decision::FalsePositive),
        &keys[1],
    );
    let out = ok(store.add_review(&good));
    assert!(out.review.verified);
    assert!(matches!(
        store.add_review(&good),
        Err(StoreError::Invalid(_))
    ));

    // Editing the stored decision behind the store's back breaks it.
    ok(raw(&path).execute(
        "UPDATE reviews SET note = 'edited' WHERE id = ?1",
        [out.review.id],
    ));
    let reviews = ok(store.reviews(&secguard_store::ReviewFilter::default()));
    let r = reviews
        .iter()
        .find(|r| r.id == out.review.id)
        .unwrap_or_else(|| panic!("gone"));
    assert!(!r.verified);
    assert!(
        memory_of(&store, out.memory_created)
            .verified_reviewers
            .is_empty()
    );
}

#[test]
fn roles_change_only_by_an_admins_signature() {
    let dir = tempdir();
    let path = dir.path().join("s.db");
    let store = open(&path);
    let eve = key("eve");
    // Before any admin, a non-admin self-registration is refused.
    assert!(matches!(
        store.register_key(&reg(&store, "eve", &eve.public_key(), Role::Reviewer, &eve)),
        Err(StoreError::Invalid(_))
    ));
    let keys = with_keys(&store, "root", &["bob"]);
    // `review reviewer eve --role admin` by eve herself while an admin exists.
    assert!(matches!(
        store.register_key(&reg(&store, "eve", &eve.public_key(), Role::Admin, &eve)),
        Err(StoreError::Invalid(_))
    ));
    // A plain reviewer cannot promote anyone.
    assert!(matches!(
        store.register_key(&reg(
            &store,
            "eve",
            &eve.public_key(),
            Role::Admin,
            &keys[1]
        )),
        Err(StoreError::Invalid(_))
    ));
    // The last admin cannot demote itself.
    let root_pk = keys[0].public_key();
    let mut demote = reg(&store, "root", &root_pk, Role::Reviewer, &keys[0]);
    demote.created_at += 10;
    demote.signature = keys[0].sign(&secguard_core::identity::key_message(
        &secguard_core::identity::KeyClaim {
            reviewer: "root",
            public_key: &root_pk,
            role: Role::Reviewer,
            created_at: demote.created_at,
        },
    ));
    assert!(matches!(
        store.register_key(&demote),
        Err(StoreError::Invalid(_))
    ));
    // A row written straight into the file is not a registration.
    ok(raw(&path).execute(
        "INSERT INTO reviewers (name, role, created_at) VALUES ('eve', 'admin', 0)",
        [],
    ));
    let forged = reg(&store, "eve", &eve.public_key(), Role::Admin, &eve);
    ok(raw(&path).execute(
        "INSERT INTO reviewer_keys (reviewer, public_key, role, created_at, signed_by, signature) \
         VALUES ('eve', ?1, 'admin', ?2, ?1, ?3)",
        rusqlite::params![
            forged.public_key,
            forged.created_at,
            forged.signature.signature
        ],
    ));
    assert!(
        ok(store.keys()).iter().all(|k| k.reviewer != "eve"),
        "a hand-written key row is ignored"
    );
    seeded(&store);
    assert!(matches!(
        store.add_review(&signed(
            &store,
            finding_review("demo", "fp-web-3", "eve", Decision::FalsePositive),
            &eve,
        )),
        Err(StoreError::Invalid(_))
    ));
    // The admin's signature promotes, audited.
    let mut promote = reg(&store, "eve", &eve.public_key(), Role::Admin, &keys[0]);
    promote.created_at += 20;
    promote.signature = keys[0].sign(&secguard_core::identity::key_message(
        &secguard_core::identity::KeyClaim {
            reviewer: "eve",
            public_key: &promote.public_key,
            role: Role::Admin,
            created_at: promote.created_at,
        },
    ));
    assert_eq!(ok(store.register_key(&promote)).role, Role::Admin);
    // The same registration again is a replay.
    assert!(matches!(
        store.register_key(&promote),
        Err(StoreError::Invalid(_))
    ));
    assert!(
        ok(store.audit_log(0))
            .iter()
            .any(|a| a.action == "reviewer.key"
                && a.subject == "reviewer:eve"
                && a.actor == "root")
    );
}

#[test]
fn a_forged_import_enters_pending_and_hides_nothing() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let keys = with_keys(&store, "root", &["alice"]);
    let scope = MemoryScope {
        project: Some("demo".into()),
        rule: Some("py/xss".into()),
        ..MemoryScope::default()
    };
    let forged = Memory {
        id: 1,
        scope: scope.clone(),
        condition: "every XSS here is a false positive".into(),
        implication: Implication::FalsePositive,
        source_reviews: vec![1, 2],
        reviewers: vec!["alice".into(), "root".into()],
        verified_reviewers: vec!["alice".into(), "root".into()],
        admin_approved: true,
        trust: 1.0,
        status: MemoryStatus::Active,
        conflicts_with: vec![],
        created_at: 1,
        updated_at: 1,
    };
    // Decisions that name registered reviewers, with bad signatures.
    let decision = |id, who: &str| {
        let mut d = Review {
            id,
            project: "demo".into(),
            target: ReviewTarget::Finding {
                fingerprint: "fp-web-3".into(),
            },
            reviewer: who.into(),
            decision: Decision::FalsePositive,
            cwe: vec![],
            severity: None,
            note: String::new(),
            corrected_code: None,
            created_at: 1,
            scope: Some(scope.clone()),
            signature: None,
            verified: true,
        };
        let mut sig = keys[1].sign(&d.message());
        sig.signature.replace_range(0..2, "00");
        d.signature = Some(sig);
        d
    };
    let out = ok(store.import_memories(
        std::slice::from_ref(&forged),
        &[decision(1, "alice"), decision(2, "root")],
        "mallory",
    ));
    assert!(out[0].pending && out[0].verified_reviewers.is_empty());
    let m = memory_of(&store, Some(out[0].id));
    assert_eq!(m.status, MemoryStatus::Pending);
    assert!(m.trust < TRUST_APPLY_THRESHOLD);
    assert!(!m.admin_approved && m.verified_reviewers.is_empty());
    assert!(!m.is_trusted() && !m.may_hide(Severity::Critical));
    let mut findings = vec![finding(
        "py/xss",
        "app/web.py",
        3,
        "fp-web-3",
        Severity::Critical,
    )];
    let live = ok(store.memories(false));
    secguard_core::memory::apply_memories(&mut findings, &live, "demo");
    assert!(findings[0].suppression.is_none());

    // A verified reviewer confirms it with the same decision and scope.
    let mut confirm = finding_review("demo", "fp-web-3", "alice", Decision::FalsePositive);
    confirm.scope = ScopeChoice::Rule;
    let out = ok(store.add_review(&signed(&store, confirm, &keys[1])));
    assert_eq!(out.memory_strengthened, Some(m.id));
    let m = memory_of(&store, Some(m.id));
    assert_eq!(m.status, MemoryStatus::Active);
    assert_eq!(m.verified_reviewers, ["alice"]);
    assert!(m.is_trusted() && !m.may_hide(Severity::Critical));
    assert!(
        ok(store.audit_log(0))
            .iter()
            .any(|a| a.action == "memory.confirmed")
    );
}

#[test]
fn unsigned_label_imports_only_propose() {
    let dir = tempdir();
    let store = open(&dir.path().join("s.db"));
    seeded(&store);
    let mut a = finding_review("demo", "fp-util-1", "a", Decision::FalsePositive);
    a.imported = true;
    a.created_at = Some(10);
    let out = ok(store.add_review(&a));
    let m = memory_of(&store, out.memory_created);
    assert_eq!(m.status, MemoryStatus::Pending);
    assert!(!m.is_trusted(), "even a low finding stays until confirmed");
}

/// A database written by the release before keys (schema 3): a project
/// `v3fix`, one critical finding, `root` made admin by a typed command and
/// its false-positive decision, which then hid the finding alone.
#[test]
fn a_schema_3_database_keeps_working_with_its_rows_unverified() {
    let dir = tempdir();
    let path = dir.path().join("old.db");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema-v3.db");
    ok(std::fs::copy(&fixture, &path));
    let store = open(&path);
    let version: i64 = ok(raw(&path).query_row("PRAGMA user_version", [], |r| r.get(0)));
    assert_eq!(version, secguard_store::SCHEMA_VERSION);
    let reviews = ok(store.reviews(&secguard_store::ReviewFilter::default()));
    assert_eq!(reviews.len(), 1);
    assert!(!reviews[0].verified && reviews[0].signature.is_none());
    let memories = ok(store.memories(false));
    assert_eq!(memories.len(), 1);
    let m = &memories[0];
    assert_eq!(m.reviewers, ["root"]);
    assert!(!m.admin_approved, "a typed role is no longer an admin");
    assert!(m.is_trusted() && !m.may_hide(Severity::Critical));
    assert!(m.may_hide(Severity::Medium));
    // The old admin re-establishes itself with a key; decisions go on.
    let keys = with_keys(&store, "root", &[]);
    let fp = match &reviews[0].target {
        ReviewTarget::Finding { fingerprint } => fingerprint.clone(),
        other => panic!("{other:?}"),
    };
    let out = ok(store.add_review(&signed(
        &store,
        finding_review("v3fix", &fp, "root", Decision::FalsePositive),
        &keys[0],
    )));
    let m = memory_of(&store, out.memory_strengthened);
    assert!(m.admin_approved && m.may_hide(Severity::Critical));
}

#[test]
fn signed_labels_verify_on_import_and_edited_ones_only_propose() {
    let dir = tempdir();
    let here = open(&dir.path().join("a.db"));
    seeded(&here);
    let keys = with_keys(&here, "root", &["alice"]);
    let mut wide = finding_review("demo", "fp-web-3", "alice", Decision::FalsePositive);
    wide.scope = ScopeChoice::Rule;
    wide.note = "templating escapes it".into();
    ok(here.add_review(&signed(&here, wide, &keys[1])));
    let reviews = ok(here.reviews(&secguard_store::ReviewFilter::default()));
    let rows = ok(secguard_store::labels::rows_from_reviews(&reviews, &here));
    let mut csv = Vec::new();
    ok(secguard_store::labels::write_csv(&rows, &mut csv));
    let csv = ok(String::from_utf8(csv));

    // The same team in another database: the signed row verifies.
    let there = open(&dir.path().join("b.db"));
    seeded(&there);
    with_keys(&there, "root", &["alice"]);
    let rows = ok(secguard_store::labels::read_csv(&csv));
    assert_eq!(ok(secguard_store::labels::import_labels(&there, &rows)), 1);
    let m = ok(there.memories(false));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].status, MemoryStatus::Active);
    assert_eq!(m[0].verified_reviewers, ["alice"]);
    assert_eq!(m[0].scope.rule.as_deref(), Some("py/xss"));

    // An edited row (the note) no longer verifies: recorded unsigned, the
    // memory it makes is pending and only as wide as the finding.
    let edited = csv.replace("templating escapes it", "everything is fine");
    let third = open(&dir.path().join("c.db"));
    seeded(&third);
    with_keys(&third, "root", &["alice"]);
    let rows = ok(secguard_store::labels::read_csv(&edited));
    assert_eq!(ok(secguard_store::labels::import_labels(&third, &rows)), 1);
    let m = ok(third.memories(false));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].status, MemoryStatus::Pending);
    assert!(m[0].verified_reviewers.is_empty());
    assert_eq!(m[0].scope.fingerprint.as_deref(), Some("fp-web-3"));
}
