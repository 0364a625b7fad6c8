//! The default [`Store`]: one SQLite file in WAL mode.
//!
//! Durability and concurrency choices, and why:
//! - `synchronous=FULL`: a decision reported as saved must survive `kill -9`
//!   and power loss, and reviews are few, so the fsync per commit is cheap.
//! - Every write is a `BEGIN IMMEDIATE` transaction: the write lock is taken
//!   up front, so two processes on one file queue on `busy_timeout` instead
//!   of failing half-way with `SQLITE_BUSY` when a reader upgrades.
//! - Migrations are numbered SQL strings, tracked in `PRAGMA user_version`
//!   and applied in one transaction, so a crash mid-migration leaves the
//!   previous version intact.
//! - A `secguard_meta` row marks the file as ours, so pointing `--db` at
//!   some other application's database is refused instead of altered.

use crate::Store;
use crate::{
    AuditEntry, CatalogueImport, CatalogueMeta, CatalogueRow, ImportedMemory, KeyRegistration,
    NewReview, QueueFilter, QueueItem, RegisteredKey, ReviewFilter, ReviewOutcome, RunSummary,
    ScanRecord, StoreError, StoreResult, StoredFinding, StoredSample, now,
};
use rusqlite::types::Type;
use rusqlite::types::Value as SqlValue;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior,
    params,
};
use secguard_core::identity::{KeyClaim, Signature, key_message, verify};
use secguard_core::memory::{
    FindingFacts, FindingReview, Implication, Memory, MemoryScope, MemoryStatus, TRUST_INITIAL,
    TRUST_PENDING, add_source, plan_finding_review, review_scope,
};
use secguard_core::review::{Decision, Review, ReviewTarget, Reviewer, Role};
use secguard_core::{Cwe, Severity};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The migrations, in order; migration `i` brings the schema to version
/// `i + 1`. Never edit a released one: append a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE secguard_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO secguard_meta (key, value) VALUES ('application', 'secguard');

CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL,
    root TEXT NOT NULL,
    analyzers TEXT NOT NULL,
    policy TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE INDEX runs_project ON runs (project, id);

CREATE TABLE samples (
    project TEXT NOT NULL,
    path TEXT NOT NULL,
    language TEXT,
    content TEXT,
    content_hash TEXT NOT NULL,
    verdict TEXT,
    last_run INTEGER NOT NULL REFERENCES runs (id),
    PRIMARY KEY (project, path)
);

CREATE TABLE findings (
    project TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    path TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    severity INTEGER NOT NULL,
    line INTEGER NOT NULL,
    finding TEXT NOT NULL,
    first_run INTEGER NOT NULL REFERENCES runs (id),
    last_run INTEGER NOT NULL REFERENCES runs (id),
    open INTEGER NOT NULL,
    rationale TEXT,
    PRIMARY KEY (project, fingerprint)
);
CREATE INDEX findings_queue ON findings (open, severity DESC, path, line);
CREATE INDEX findings_path ON findings (project, path);

CREATE TABLE reviewers (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('finding', 'sample')),
    target_id TEXT NOT NULL,
    reviewer TEXT NOT NULL REFERENCES reviewers (name),
    decision TEXT NOT NULL,
    cwe TEXT NOT NULL,
    severity TEXT,
    note TEXT NOT NULL,
    corrected_code TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX reviews_target ON reviews (project, target_kind, target_id, reviewer);
CREATE INDEX reviews_reviewer ON reviews (reviewer);

CREATE TABLE memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    condition TEXT NOT NULL,
    implication TEXT NOT NULL,
    source_reviews TEXT NOT NULL,
    reviewers TEXT NOT NULL,
    admin_approved INTEGER NOT NULL,
    trust REAL NOT NULL,
    status TEXT NOT NULL,
    conflicts_with TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TABLE llm_cache (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#,
    r#"
-- Which memories grounded the generation of a sample: the first human
-- verdict on that sample moves their trust, once (settled = 1 after).
CREATE TABLE generation_sources (
    project TEXT NOT NULL,
    path TEXT NOT NULL,
    memory_id INTEGER NOT NULL REFERENCES memories (id),
    recorded_at INTEGER NOT NULL,
    settled INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project, path, memory_id)
);

-- MITRE's CWE catalogue, imported by `secguard kb import-cwe` (kept under
-- MITRE's terms of use; the notice is in catalogue_meta).
CREATE TABLE catalogue_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE catalogue_entries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    abstraction TEXT,
    status TEXT,
    description TEXT NOT NULL,
    extended_description TEXT NOT NULL,
    mitigations TEXT NOT NULL
);
CREATE TABLE catalogue_relations (
    child INTEGER NOT NULL,
    parent INTEGER NOT NULL,
    view INTEGER NOT NULL,
    PRIMARY KEY (child, parent, view)
);
"#,
    r#"
-- `secguard eval generate`: a run is identified by a hash of what it
-- computes, so rerunning the same command resumes it; each finished job is
-- one row, written once.
CREATE TABLE eval_runs (
    id TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE eval_results (
    run TEXT NOT NULL REFERENCES eval_runs (id),
    job TEXT NOT NULL,
    result TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (run, job)
);
"#,
    r#"
-- Issue 14: reviewers prove who they are. A key registration is signed by
-- a registered admin's key (the first admin's by its own key); a key's
-- latest registration whose signature chain verifies gives its role. Rows
-- are only ever added, so role history stays visible.
CREATE TABLE reviewer_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reviewer TEXT NOT NULL REFERENCES reviewers (name),
    public_key TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    signed_by TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX reviewer_keys_key ON reviewer_keys (public_key);
-- A signed decision keeps the memory scope it was signed for, the key and
-- the signature; rows from before this migration have none (unverified).
ALTER TABLE reviews ADD COLUMN scope TEXT;
ALTER TABLE reviews ADD COLUMN public_key TEXT;
ALTER TABLE reviews ADD COLUMN signature TEXT;
"#,
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a write waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest accepted reviewer name.
const MAX_REVIEWER_NAME: usize = 100;

/// Why a reviewer name is refused, if it is: names end up in audit
/// subjects, CSV files and terminal output, so they stay short and printable.
pub(crate) fn check_reviewer_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("reviewer name is empty".to_string());
    }
    if name.chars().count() > MAX_REVIEWER_NAME {
        return Err(format!(
            "reviewer name is longer than {MAX_REVIEWER_NAME} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("reviewer name contains control characters".to_string());
    }
    if name.trim() != name {
        return Err("reviewer name starts or ends with whitespace".to_string());
    }
    Ok(())
}

/// A [`Store`] in one SQLite file. The connection sits behind a mutex so one
/// store can be shared between threads; several processes (or several
/// `SqliteStore`s) on the same file are serialized by SQLite's locks.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

/// Internal failure, turned into a [`StoreError`] naming the file at the
/// API boundary (so helpers can use `?` on rusqlite and serde errors).
enum Fail {
    Sql(rusqlite::Error),
    Json(serde_json::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

impl From<serde_json::Error> for Fail {
    fn from(e: serde_json::Error) -> Fail {
        Fail::Json(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

type Res<T> = Result<T, Fail>;

fn sql_error(path: &Path, e: &rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Database {
            path: path.to_path_buf(),
            message: format!(
                "the database stayed locked by another secguard process for {} s ({e}); try again when it has finished",
                BUSY_TIMEOUT.as_secs()
            ),
        },
        _ => StoreError::Database {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}

fn to_store_error(path: &Path, f: Fail) -> StoreError {
    match f {
        Fail::Sql(e) => sql_error(path, &e),
        Fail::Json(e) => StoreError::Database {
            path: path.to_path_buf(),
            message: format!("stored data is not valid JSON: {e}"),
        },
        Fail::Store(e) => e,
    }
}

/// A stored value that does not decode, reported as a column conversion
/// failure (a corrupt or hand-edited row) rather than a panic.
#[derive(Debug)]
struct Corrupt(String);

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Corrupt {}

fn corrupt(idx: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(Corrupt(message)))
}

fn json_col<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

fn json_opt_col<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
    })
    .transpose()
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// SQLite's `LIMIT -1` means no limit; the API's 0 means the same.
fn sql_limit(limit: usize) -> i64 {
    if limit == 0 { -1 } else { to_i64(limit) }
}

/// Severities are stored as ranks so the queue can sort on them.
fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn status_str(s: MemoryStatus) -> &'static str {
    match s {
        MemoryStatus::Active => "active",
        MemoryStatus::Revoked => "revoked",
        MemoryStatus::Pending => "pending",
    }
}

fn target_parts(t: &ReviewTarget) -> (&'static str, &str) {
    match t {
        ReviewTarget::Finding { fingerprint } => ("finding", fingerprint.as_str()),
        ReviewTarget::Sample { path } => ("sample", path.as_str()),
    }
}

const FINDING_COLS: &str = "project, finding, first_run, last_run, open, rationale";

fn finding_row(row: &Row<'_>) -> rusqlite::Result<StoredFinding> {
    Ok(StoredFinding {
        project: row.get(0)?,
        finding: json_col(row, 1)?,
        first_run: row.get(2)?,
        last_run: row.get(3)?,
        open: row.get(4)?,
        rationale: row.get(5)?,
    })
}

const SAMPLE_COLS: &str = "project, path, language, content, content_hash, verdict, last_run";

fn sample_row(row: &Row<'_>) -> rusqlite::Result<StoredSample> {
    Ok(StoredSample {
        project: row.get(0)?,
        path: row.get(1)?,
        language: row.get(2)?,
        content: row.get(3)?,
        content_hash: row.get(4)?,
        verdict: json_opt_col(row, 5)?,
        last_run: row.get(6)?,
    })
}

const REVIEW_COLS: &str = "id, project, target_kind, target_id, reviewer, decision, cwe, severity, note, corrected_code, created_at, scope, public_key, signature";

fn review_row(row: &Row<'_>) -> rusqlite::Result<Review> {
    let kind: String = row.get(2)?;
    let target_id: String = row.get(3)?;
    let target = match kind.as_str() {
        "finding" => ReviewTarget::Finding {
            fingerprint: target_id,
        },
        "sample" => ReviewTarget::Sample { path: target_id },
        other => return Err(corrupt(2, format!("unknown review target kind '{other}'"))),
    };
    let decision: String = row.get(5)?;
    let decision: Decision = decision.parse().map_err(|e: String| corrupt(5, e))?;
    let severity: Option<String> = row.get(7)?;
    let severity = match severity {
        None => None,
        Some(s) => Some(
            Severity::from_name(&s).ok_or_else(|| corrupt(7, format!("unknown severity '{s}'")))?,
        ),
    };
    let cwe: Vec<Cwe> = json_col(row, 6)?;
    let public_key: Option<String> = row.get(12)?;
    let signature: Option<String> = row.get(13)?;
    let signature = match (public_key, signature) {
        (Some(public_key), Some(signature)) => Some(Signature {
            public_key,
            signature,
        }),
        _ => None,
    };
    Ok(Review {
        id: row.get(0)?,
        project: row.get(1)?,
        target,
        reviewer: row.get(4)?,
        decision,
        cwe,
        severity,
        note: row.get(8)?,
        corrected_code: row.get(9)?,
        created_at: row.get(10)?,
        scope: json_opt_col(row, 11)?,
        signature,
        // Decided by `KeyBook::verify_review` after loading.
        verified: false,
    })
}

const MEMORY_COLS: &str = "id, scope, condition, implication, source_reviews, reviewers, admin_approved, trust, status, conflicts_with, created_at, updated_at";

fn memory_row(row: &Row<'_>) -> rusqlite::Result<Memory> {
    let status: String = row.get(8)?;
    let status = match status.as_str() {
        "active" => MemoryStatus::Active,
        "revoked" => MemoryStatus::Revoked,
        "pending" => MemoryStatus::Pending,
        other => return Err(corrupt(8, format!("unknown memory status '{other}'"))),
    };
    Ok(Memory {
        id: row.get(0)?,
        scope: json_col(row, 1)?,
        condition: row.get(2)?,
        implication: json_col(row, 3)?,
        source_reviews: json_col(row, 4)?,
        reviewers: json_col(row, 5)?,
        // Both recomputed from the signed source reviews by `verify_memories`.
        verified_reviewers: Vec::new(),
        admin_approved: false,
        trust: row.get(7)?,
        status,
        conflicts_with: json_col(row, 9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
    })
}

fn reviewer_row(row: &Row<'_>) -> rusqlite::Result<Reviewer> {
    let role: String = row.get(1)?;
    let role: Role = role.parse().map_err(|e: String| corrupt(1, e))?;
    Ok(Reviewer {
        name: row.get(0)?,
        role,
        created_at: row.get(2)?,
    })
}

fn audit(
    conn: &Connection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Res<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now(), actor, action, subject, detail.to_string()],
    )?;
    Ok(())
}

/// Without `include_revoked`, active and pending memories (pending ones
/// are shown, never applied).
fn load_memories(conn: &Connection, include_revoked: bool) -> Res<Vec<Memory>> {
    let sql = if include_revoked {
        format!("SELECT {MEMORY_COLS} FROM memories ORDER BY id")
    } else {
        format!("SELECT {MEMORY_COLS} FROM memories WHERE status != 'revoked' ORDER BY id")
    };
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], memory_row)?;
    let mut memories = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    verify_memories(conn, &mut memories)?;
    Ok(memories)
}

fn load_memory(conn: &Connection, id: i64) -> Res<Option<Memory>> {
    let m = conn
        .query_row(
            &format!("SELECT {MEMORY_COLS} FROM memories WHERE id = ?1"),
            [id],
            memory_row,
        )
        .optional()?;
    let mut ms: Vec<Memory> = m.into_iter().collect();
    verify_memories(conn, &mut ms)?;
    Ok(ms.pop())
}

/// The key registrations whose signatures verify, in the order they were
/// made. A registration counts when its signer was an admin at that point,
/// or when it is a self-signed admin while no admin existed (the first
/// admin); it must be newer than the key's previous one (no replays), and a
/// key belongs to one reviewer. Rows written into the file by other means
/// are ignored, so the role that counts is always one an admin signed.
#[derive(Debug, Default)]
struct KeyBook {
    /// Public key -> (reviewer, role, registered at), latest registration.
    keys: HashMap<String, (String, Role, i64)>,
    valid: Vec<RegisteredKey>,
}

impl KeyBook {
    fn load(conn: &Connection) -> Res<KeyBook> {
        let mut stmt = conn.prepare(
            "SELECT reviewer, public_key, role, created_at, signed_by, signature \
             FROM reviewer_keys ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut book = KeyBook::default();
        for row in rows {
            let (reviewer, public_key, role, created_at, signed_by, signature) = row?;
            let Ok(role) = role.parse::<Role>() else {
                continue;
            };
            let sig = Signature {
                public_key: signed_by,
                signature,
            };
            if book
                .check(&reviewer, &public_key, role, created_at, &sig)
                .is_ok()
            {
                book.admit(reviewer, public_key, role, created_at, sig.public_key);
            }
        }
        Ok(book)
    }

    fn admit(
        &mut self,
        reviewer: String,
        public_key: String,
        role: Role,
        created_at: i64,
        signed_by: String,
    ) {
        self.keys
            .insert(public_key.clone(), (reviewer.clone(), role, created_at));
        self.valid.push(RegisteredKey {
            reviewer,
            public_key,
            role,
            created_at,
            signed_by,
        });
    }

    fn admins(&self) -> usize {
        self.keys
            .values()
            .filter(|(_, r, _)| *r == Role::Admin)
            .count()
    }

    /// Why this registration is not valid, if it is not.
    fn check(
        &self,
        reviewer: &str,
        public_key: &str,
        role: Role,
        created_at: i64,
        sig: &Signature,
    ) -> Result<(), String> {
        let message = key_message(&KeyClaim {
            reviewer,
            public_key,
            role,
            created_at,
        });
        if !verify(sig, &message) {
            return Err("the registration's signature does not verify".to_string());
        }
        // Authority first: who signed it.
        if self.admins() == 0 {
            if sig.public_key != public_key || role != Role::Admin {
                return Err(
                    "there is no admin yet: create the first with `secguard review init-admin`"
                        .to_string(),
                );
            }
        } else {
            match self.keys.get(&sig.public_key) {
                Some((_, Role::Admin, _)) => {}
                Some((name, _, _)) => {
                    return Err(format!(
                        "{name} is not an admin; only an admin's key may register keys or change roles"
                    ));
                }
                None => return Err("the signing key is not registered here".to_string()),
            }
        }
        if let Some((owner, current, at)) = self.keys.get(public_key) {
            if owner != reviewer {
                return Err(format!("this key is already registered to {owner}"));
            }
            if created_at <= *at {
                return Err(
                    "the registration is not newer than the key's current one (a replay?)"
                        .to_string(),
                );
            }
            if *current == Role::Admin && role != Role::Admin && self.admins() == 1 {
                return Err("this is the last admin key; register another admin first".to_string());
            }
        }
        Ok(())
    }

    /// The role of `public_key` when it is registered to `reviewer`.
    fn role_of(&self, reviewer: &str, public_key: &str) -> Option<Role> {
        self.keys
            .get(public_key)
            .filter(|(name, _, _)| name == reviewer)
            .map(|(_, role, _)| *role)
    }

    /// The signer's role when the review's signature verifies with a key
    /// registered to its reviewer.
    fn verify_review(&self, r: &Review) -> Option<Role> {
        let sig = r.signature.as_ref()?;
        let role = self.role_of(&r.reviewer, &sig.public_key)?;
        r.signature_verifies().then_some(role)
    }
}

fn verify_reviews(conn: &Connection, reviews: &mut [Review]) -> Res<()> {
    if reviews.iter().all(|r| r.signature.is_none()) {
        return Ok(());
    }
    let book = KeyBook::load(conn)?;
    for r in reviews {
        r.verified = book.verify_review(r).is_some();
    }
    Ok(())
}

/// Recompute who vouches for each memory from its source reviews: a
/// signed review that verifies, whose signed scope and decision are the
/// memory's own. The stored columns are never trusted for this.
fn verify_memories(conn: &Connection, memories: &mut [Memory]) -> Res<()> {
    let signed: Vec<Review> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT {REVIEW_COLS} FROM reviews WHERE signature IS NOT NULL ORDER BY id"
        ))?;
        stmt.query_map([], review_row)?
            .collect::<rusqlite::Result<_>>()?
    };
    let book = if signed.is_empty() {
        KeyBook::default()
    } else {
        KeyBook::load(conn)?
    };
    let by_id: HashMap<i64, (&Review, Role)> = signed
        .iter()
        .filter_map(|r| book.verify_review(r).map(|role| (r.id, (r, role))))
        .collect();
    for m in memories {
        let mut names = BTreeSet::new();
        let mut admin = false;
        for id in &m.source_reviews {
            if let Some((r, role)) = by_id.get(id)
                && r.scope.as_ref() == Some(&m.scope)
                && Implication::of_decision(r.decision, r.severity) == Some(m.implication)
            {
                names.insert(r.reviewer.clone());
                admin |= *role == Role::Admin;
            }
        }
        m.verified_reviewers = names.into_iter().collect();
        m.admin_approved = admin;
    }
    Ok(())
}

/// Insert a review row (its reviewer must exist); returns the new id.
fn insert_review(conn: &Connection, r: &Review) -> Res<i64> {
    let (kind, target_id) = target_parts(&r.target);
    let scope = r.scope.as_ref().map(serde_json::to_string).transpose()?;
    conn.execute(
        "INSERT INTO reviews (project, target_kind, target_id, reviewer, decision, cwe, \
         severity, note, corrected_code, created_at, scope, public_key, signature) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            r.project,
            kind,
            target_id,
            r.reviewer,
            r.decision.as_str(),
            serde_json::to_string(&r.cwe)?,
            r.severity.map(Severity::name),
            r.note,
            r.corrected_code,
            r.created_at,
            scope,
            r.signature.as_ref().map(|s| s.public_key.as_str()),
            r.signature.as_ref().map(|s| s.signature.as_str()),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The review already recorded with this very signature, if any.
fn review_with_signature(conn: &Connection, sig: &Signature) -> Res<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM reviews WHERE signature = ?1",
            [&sig.signature],
            |r| r.get(0),
        )
        .optional()?)
}

/// A memory's columns after `id`, in table order, JSON-encoded where the
/// table stores JSON. One list for inserts and updates, so they cannot drift.
fn memory_values(m: &Memory) -> Res<Vec<SqlValue>> {
    Ok(vec![
        SqlValue::Text(serde_json::to_string(&m.scope)?),
        SqlValue::Text(m.condition.clone()),
        SqlValue::Text(serde_json::to_string(&m.implication)?),
        SqlValue::Text(serde_json::to_string(&m.source_reviews)?),
        SqlValue::Text(serde_json::to_string(&m.reviewers)?),
        SqlValue::Integer(i64::from(m.admin_approved)),
        SqlValue::Real(m.trust),
        SqlValue::Text(status_str(m.status).to_string()),
        SqlValue::Text(serde_json::to_string(&m.conflicts_with)?),
        SqlValue::Integer(m.created_at),
        SqlValue::Integer(m.updated_at),
    ])
}

const MEMORY_COLUMNS: &str = "scope, condition, implication, source_reviews, reviewers, \
     admin_approved, trust, status, conflicts_with, created_at, updated_at";

fn insert_memory(conn: &Connection, m: &Memory) -> Res<i64> {
    conn.execute(
        &format!(
            "INSERT INTO memories ({MEMORY_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        rusqlite::params_from_iter(memory_values(m)?),
    )?;
    Ok(conn.last_insert_rowid())
}

fn update_memory(conn: &Connection, m: &Memory) -> Res<()> {
    conn.execute(
        &format!(
            "UPDATE memories SET ({MEMORY_COLUMNS}) = \
             (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) WHERE id = ?1"
        ),
        rusqlite::params_from_iter(
            std::iter::once(SqlValue::Integer(m.id)).chain(memory_values(m)?),
        ),
    )?;
    Ok(())
}

/// Record that `a` conflicts with `b` on `a`'s side (sorted, no repeats).
fn add_conflict(memories: &mut [Memory], a: i64, b: i64) -> bool {
    match memories.iter_mut().find(|m| m.id == a) {
        Some(m) if !m.conflicts_with.contains(&b) => {
            m.conflicts_with.push(b);
            m.conflicts_with.sort_unstable();
            true
        }
        _ => false,
    }
}

/// Every field set in `a` is set to the same value in `b`: `a` is at least
/// as wide as `b`, so both can match one finding.
fn scope_within(a: &MemoryScope, b: &MemoryScope) -> bool {
    fn field<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
        a.as_ref().is_none_or(|x| b.as_ref() == Some(x))
    }
    field(&a.project, &b.project)
        && field(&a.rule, &b.rule)
        && field(&a.cwe, &b.cwe)
        && field(&a.path_glob, &b.path_glob)
        && field(&a.fingerprint, &b.fingerprint)
}

fn scopes_overlap(a: &MemoryScope, b: &MemoryScope) -> bool {
    scope_within(a, b) || scope_within(b, a)
}

fn load_reviewer(conn: &Connection, name: &str) -> Res<Option<Reviewer>> {
    Ok(conn
        .query_row(
            "SELECT name, role, created_at FROM reviewers WHERE name = ?1",
            [name],
            reviewer_row,
        )
        .optional()?)
}

/// The reviewer, created as a plain reviewer (and audited) when missing.
fn ensure_reviewer(conn: &Connection, name: &str, actor: &str) -> Res<Reviewer> {
    if let Some(r) = load_reviewer(conn, name)? {
        return Ok(r);
    }
    let reviewer = Reviewer {
        name: name.to_string(),
        role: Role::Reviewer,
        created_at: now(),
    };
    conn.execute(
        "INSERT INTO reviewers (name, role, created_at) VALUES (?1, ?2, ?3)",
        params![reviewer.name, reviewer.role.as_str(), reviewer.created_at],
    )?;
    audit(
        conn,
        actor,
        "reviewer.created",
        &format!("reviewer:{name}"),
        &json!({ "role": reviewer.role.as_str() }),
    )?;
    Ok(reviewer)
}

fn load_finding(conn: &Connection, project: &str, fingerprint: &str) -> Res<Option<StoredFinding>> {
    Ok(conn
        .query_row(
            &format!("SELECT {FINDING_COLS} FROM findings WHERE project = ?1 AND fingerprint = ?2"),
            params![project, fingerprint],
            finding_row,
        )
        .optional()?)
}

/// Checks that need no database: refused before any transaction starts.
fn validate_review(new: &NewReview) -> StoreResult<()> {
    check_reviewer_name(&new.reviewer).map_err(StoreError::Invalid)?;
    if new.project.is_empty() {
        return Err(StoreError::Invalid("the review has no project".to_string()));
    }
    if !new.decision.fits(&new.target) {
        return Err(StoreError::Invalid(format!(
            "decision {} does not apply to a {} (findings take true_positive/false_positive, samples secure/insecure)",
            new.decision,
            new.target.kind()
        )));
    }
    let (kind, id) = target_parts(&new.target);
    if id.is_empty() {
        let what = if kind == "finding" {
            "fingerprint"
        } else {
            "path"
        };
        return Err(StoreError::Invalid(format!(
            "the {kind} review has no {what}"
        )));
    }
    Ok(())
}

impl SqliteStore {
    /// Open the database at `path`, creating it (and its parent
    /// directories) if missing, and bring its schema up to date.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                path: parent.to_path_buf(),
                message: format!("cannot create the database directory: {e}"),
            })?;
        }
        SqliteStore::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    /// Open a database that must already exist (commands that only read
    /// should not leave an empty database behind after a typo).
    pub fn open_existing(path: &Path) -> StoreResult<SqliteStore> {
        if !path.is_file() {
            return Err(StoreError::NotFound(format!("database {}", path.display())));
        }
        SqliteStore::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_with(path: &Path, flags: OpenFlags) -> StoreResult<SqliteStore> {
        if path.is_dir() {
            return Err(StoreError::NotADatabase {
                path: path.to_path_buf(),
                message: "it is a directory".to_string(),
            });
        }
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, &e))?;
        prepare(&mut conn).map_err(|f| to_store_error(path, f))?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// Run `f` with the connection. A panic in another thread cannot leave
    /// a half-done change behind (the transaction rolls back on drop), so a
    /// poisoned lock is simply taken over.
    fn with_conn<T>(&self, f: impl FnOnce(&mut Connection) -> Res<T>) -> StoreResult<T> {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard).map_err(|e| to_store_error(&self.path, e))
    }

    /// Run `f` in a `BEGIN IMMEDIATE` transaction and commit if it succeeds;
    /// on any error nothing it wrote is kept.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Res<T>) -> StoreResult<T> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Run read-only `f` in one (deferred) transaction, so multi-query reads
    /// see one snapshot.
    fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Res<T>) -> StoreResult<T> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }
}

/// Check the file is ours (or empty) before changing anything, then set the
/// connection up and migrate.
fn prepare(conn: &mut Connection) -> Res<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Forces the header read: a file that is not SQLite fails here with
    // SQLITE_NOTADB, before the journal mode is touched.
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    check_ours(conn, objects)?;
    enable_wal(conn)?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    migrate(conn)
}

/// Switch the file to write-ahead logging. Switching takes an exclusive
/// lock and SQLite answers SQLITE_BUSY at once, without its busy handler,
/// when another connection is opening the same new file; so wait and try
/// again here, within the same busy timeout.
fn enable_wal(conn: &Connection) -> Res<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        // journal_mode answers with a row, so it is queried, not executed.
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn check_ours(conn: &Connection, objects: i64) -> Res<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if objects == 0 && version == 0 {
        return Ok(());
    }
    let has_meta: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'secguard_meta'",
        [],
        |r| r.get(0),
    )?;
    let app: Option<String> = if has_meta > 0 {
        conn.query_row(
            "SELECT value FROM secguard_meta WHERE key = 'application'",
            [],
            |r| r.get(0),
        )
        .optional()?
    } else {
        None
    };
    if app.as_deref() != Some("secguard") {
        return Err(Fail::Store(StoreError::NotADatabase {
            path: conn.path().map(PathBuf::from).unwrap_or_default(),
            message: "it is a SQLite database of another application".to_string(),
        }));
    }
    if version > SCHEMA_VERSION {
        return Err(Fail::Store(StoreError::NewerSchema {
            path: conn.path().map(PathBuf::from).unwrap_or_default(),
            found: version,
            supported: SCHEMA_VERSION,
        }));
    }
    Ok(())
}

/// Apply the missing migrations in one transaction. The version is read
/// again under the write lock: another process may have migrated meanwhile.
fn migrate(conn: &mut Connection) -> Res<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Fail::Store(StoreError::NewerSchema {
            path: tx.path().map(PathBuf::from).unwrap_or_default(),
            found: version,
            supported: SCHEMA_VERSION,
        }));
    }
    let start = usize::try_from(version).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", to_i64(i + 1)))?;
    }
    tx.commit()?;
    Ok(())
}

impl Store for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn record_scan(&self, scan: &ScanRecord<'_>) -> StoreResult<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO runs (project, root, analyzers, policy, started_at, finished_at, samples, findings) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    scan.project,
                    scan.root,
                    serde_json::to_string(&scan.analyzers)?,
                    scan.policy,
                    scan.started_at,
                    scan.finished_at,
                    to_i64(scan.samples.len()),
                    to_i64(scan.findings.len()),
                ],
            )?;
            let run = tx.last_insert_rowid();
            {
                let mut upsert_sample = tx.prepare(
                    "INSERT INTO samples (project, path, language, content, content_hash, verdict, last_run) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (project, path) DO UPDATE SET language = excluded.language, \
                     content = excluded.content, content_hash = excluded.content_hash, \
                     verdict = excluded.verdict, last_run = excluded.last_run",
                )?;
                for s in scan.samples {
                    let verdict = s.verdict.as_ref().map(serde_json::to_string).transpose()?;
                    upsert_sample.execute(params![
                        scan.project,
                        s.path,
                        s.language,
                        s.content,
                        s.content_hash,
                        verdict,
                        run
                    ])?;
                }
                let mut upsert_finding = tx.prepare(
                    "INSERT INTO findings (project, fingerprint, path, rule_id, severity, line, finding, first_run, last_run, open) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1) \
                     ON CONFLICT (project, fingerprint) DO UPDATE SET path = excluded.path, \
                     rule_id = excluded.rule_id, severity = excluded.severity, line = excluded.line, \
                     finding = excluded.finding, last_run = excluded.last_run, open = 1",
                )?;
                for f in scan.findings {
                    upsert_finding.execute(params![
                        scan.project,
                        f.fingerprint.0,
                        f.location.path_string(),
                        f.rule_id,
                        severity_rank(f.severity),
                        i64::from(f.location.start_line),
                        serde_json::to_string(f)?,
                        run
                    ])?;
                }
            }
            // A finding of a scanned file that this run did not report is
            // fixed (or gone): it leaves the queue but is kept.
            let mut closed = 0usize;
            {
                let mut close = tx.prepare(
                    "UPDATE findings SET open = 0 WHERE project = ?1 AND path = ?2 AND last_run <> ?3 AND open = 1",
                )?;
                for s in scan.samples {
                    closed += close.execute(params![scan.project, s.path, run])?;
                }
            }
            audit(
                tx,
                "secguard",
                "scan.recorded",
                &format!("run:{run}"),
                &json!({
                    "project": scan.project,
                    "samples": scan.samples.len(),
                    "findings": scan.findings.len(),
                    "closed": closed,
                    "analyzers": scan.analyzers,
                    "policy": scan.policy,
                }),
            )?;
            Ok(run)
        })
    }

    /// Newest first; `limit` 0 means all.
    fn runs(&self, project: Option<&str>, limit: usize) -> StoreResult<Vec<RunSummary>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT id, project, root, analyzers, policy, started_at, finished_at, samples, findings \
                 FROM runs WHERE (?1 IS NULL OR project = ?1) ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![project, sql_limit(limit)], |row| {
                let samples: i64 = row.get(7)?;
                let findings: i64 = row.get(8)?;
                Ok(RunSummary {
                    id: row.get(0)?,
                    project: row.get(1)?,
                    root: row.get(2)?,
                    analyzers: json_col(row, 3)?,
                    policy: row.get(4)?,
                    started_at: row.get(5)?,
                    finished_at: row.get(6)?,
                    samples: usize::try_from(samples).unwrap_or(0),
                    findings: usize::try_from(findings).unwrap_or(0),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn ensure_reviewer(&self, name: &str, actor: &str) -> StoreResult<Reviewer> {
        check_reviewer_name(name).map_err(StoreError::Invalid)?;
        self.write(|tx| ensure_reviewer(tx, name, actor))
    }

    fn register_key(&self, reg: &KeyRegistration) -> StoreResult<Reviewer> {
        check_reviewer_name(&reg.reviewer).map_err(StoreError::Invalid)?;
        let public_key = reg.public_key.trim().to_ascii_lowercase();
        secguard_core::identity::parse_public_key(&public_key)
            .map_err(|e| StoreError::Invalid(format!("public key: {e}")))?;
        self.write(|tx| {
            let mut book = KeyBook::load(tx)?;
            book.check(
                &reg.reviewer,
                &public_key,
                reg.role,
                reg.created_at,
                &reg.signature,
            )
            .map_err(|m| Fail::Store(StoreError::Invalid(m)))?;
            let first_admin = book.admins() == 0;
            let signer = book
                .keys
                .get(&reg.signature.public_key)
                .map_or_else(|| reg.reviewer.clone(), |(name, _, _)| name.clone());
            let mut reviewer = ensure_reviewer(tx, &reg.reviewer, &signer)?;
            tx.execute(
                "INSERT INTO reviewer_keys (reviewer, public_key, role, created_at, signed_by, signature) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    reg.reviewer,
                    public_key,
                    reg.role.as_str(),
                    reg.created_at,
                    reg.signature.public_key,
                    reg.signature.signature,
                ],
            )?;
            audit(
                tx,
                &signer,
                "reviewer.key",
                &format!("reviewer:{}", reg.reviewer),
                &json!({
                    "public_key": public_key,
                    "role": reg.role.as_str(),
                    "signed_by": reg.signature.public_key,
                    "first_admin": first_admin,
                }),
            )?;
            book.admit(
                reg.reviewer.clone(),
                public_key,
                reg.role,
                reg.created_at,
                reg.signature.public_key.clone(),
            );
            // The column is a summary for listings: admin when any of the
            // reviewer's verified keys is.
            let role = if book
                .keys
                .values()
                .any(|(n, r, _)| *n == reg.reviewer && *r == Role::Admin)
            {
                Role::Admin
            } else {
                Role::Reviewer
            };
            if role != reviewer.role {
                tx.execute(
                    "UPDATE reviewers SET role = ?2 WHERE name = ?1",
                    params![reg.reviewer, role.as_str()],
                )?;
                audit(
                    tx,
                    &signer,
                    "reviewer.role",
                    &format!("reviewer:{}", reg.reviewer),
                    &json!({ "old": reviewer.role.as_str(), "new": role.as_str() }),
                )?;
                reviewer.role = role;
            }
            Ok(reviewer)
        })
    }

    fn keys(&self) -> StoreResult<Vec<RegisteredKey>> {
        self.read(|tx| Ok(KeyBook::load(tx)?.valid))
    }

    fn review_scope(&self, new: &NewReview) -> StoreResult<Option<MemoryScope>> {
        let ReviewTarget::Finding { fingerprint } = &new.target else {
            return Ok(None);
        };
        let finding = self.finding(&new.project, fingerprint)?.ok_or_else(|| {
            StoreError::Invalid(format!(
                "no finding with fingerprint {fingerprint} in project {}",
                new.project
            ))
        })?;
        Ok(Some(review_scope(
            new.scope,
            new.path_glob.as_deref(),
            &new.project,
            &FindingFacts::of(&finding.finding),
        )))
    }

    fn reviewer(&self, name: &str) -> StoreResult<Option<Reviewer>> {
        self.read(|tx| load_reviewer(tx, name))
    }

    fn reviewers(&self) -> StoreResult<Vec<Reviewer>> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare("SELECT name, role, created_at FROM reviewers ORDER BY name")?;
            let rows = stmt.query_map([], reviewer_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Findings first (severity descending, then path and line), then, with
    /// `filter.samples`, unreviewed samples by path. `limit` 0 means all.
    fn queue(&self, filter: &QueueFilter) -> StoreResult<Vec<QueueItem>> {
        self.read(|tx| {
            let mut items = Vec::new();
            let mut stmt = tx.prepare(&format!(
                "SELECT {FINDING_COLS} FROM findings f \
                 WHERE f.open = 1 AND (?1 IS NULL OR f.project = ?1) \
                 AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.project = f.project \
                   AND r.target_kind = 'finding' AND r.target_id = f.fingerprint \
                   AND (?2 IS NULL OR r.reviewer = ?2)) \
                 ORDER BY f.severity DESC, f.path, f.line, f.fingerprint LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![filter.project, filter.reviewer, sql_limit(filter.limit)],
                finding_row,
            )?;
            for row in rows {
                items.push(QueueItem::Finding(row?));
            }
            let room = if filter.limit == 0 {
                Some(0)
            } else {
                filter.limit.checked_sub(items.len()).filter(|n| *n > 0)
            };
            if let (true, Some(room)) = (filter.samples, room) {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {SAMPLE_COLS} FROM samples s \
                     WHERE (?1 IS NULL OR s.project = ?1) \
                     AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.project = s.project \
                       AND r.target_kind = 'sample' AND r.target_id = s.path \
                       AND (?2 IS NULL OR r.reviewer = ?2)) \
                     ORDER BY s.project, s.path LIMIT ?3"
                ))?;
                let rows = stmt.query_map(
                    params![filter.project, filter.reviewer, sql_limit(room)],
                    sample_row,
                )?;
                for row in rows {
                    items.push(QueueItem::Sample(row?));
                }
            }
            Ok(items)
        })
    }

    fn finding(&self, project: &str, fingerprint: &str) -> StoreResult<Option<StoredFinding>> {
        self.read(|tx| load_finding(tx, project, fingerprint))
    }

    fn sample(&self, project: &str, path: &str) -> StoreResult<Option<StoredSample>> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    &format!("SELECT {SAMPLE_COLS} FROM samples WHERE project = ?1 AND path = ?2"),
                    params![project, path],
                    sample_row,
                )
                .optional()?)
        })
    }

    /// By line, then rule.
    fn sample_findings(&self, project: &str, path: &str) -> StoreResult<Vec<StoredFinding>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!(
                "SELECT {FINDING_COLS} FROM findings WHERE project = ?1 AND path = ?2 \
                 ORDER BY line, rule_id, fingerprint"
            ))?;
            let rows = stmt.query_map(params![project, path], finding_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn set_rationale(&self, project: &str, fingerprint: &str, rationale: &str) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE findings SET rationale = ?3 WHERE project = ?1 AND fingerprint = ?2",
                params![project, fingerprint, rationale],
            )?;
            if n == 0 {
                return Err(Fail::Store(StoreError::NotFound(format!(
                    "finding {fingerprint} in project {project}"
                ))));
            }
            Ok(())
        })
    }

    fn add_review(&self, new: &NewReview) -> StoreResult<ReviewOutcome> {
        validate_review(new)?;
        self.write(|tx| {
            let finding = match &new.target {
                ReviewTarget::Finding { fingerprint } => {
                    match load_finding(tx, &new.project, fingerprint)? {
                        Some(f) => {
                            if let Some(glob) = &new.path_glob {
                                let path = f.finding.location.path_string();
                                if !secguard_core::memory::glob_matches(glob, &path) {
                                    return Err(Fail::Store(StoreError::Invalid(format!(
                                        "the finding's path {path} does not match the glob {glob}; \
                                         a memory narrowed to it would not cover this finding"
                                    ))));
                                }
                            }
                            Some(f)
                        }
                        None => {
                            return Err(Fail::Store(StoreError::Invalid(format!(
                                "no finding with fingerprint {fingerprint} in project {}",
                                new.project
                            ))));
                        }
                    }
                }
                ReviewTarget::Sample { .. } => None,
            };
            ensure_reviewer(tx, &new.reviewer, &new.reviewer)?;
            let created_at = new.created_at.unwrap_or_else(now);
            let mut review = Review {
                id: 0,
                project: new.project.clone(),
                target: new.target.clone(),
                reviewer: new.reviewer.clone(),
                decision: new.decision,
                cwe: new.cwe.clone(),
                severity: new.severity,
                note: new.note.clone(),
                corrected_code: new.corrected_code.clone(),
                created_at,
                scope: finding.as_ref().map(|f| {
                    review_scope(
                        new.scope,
                        new.path_glob.as_deref(),
                        &new.project,
                        &FindingFacts::of(&f.finding),
                    )
                }),
                signature: new.signature.clone(),
                verified: false,
            };
            // Verified on insert: a signature that is present must verify
            // with a key registered to the named reviewer.
            let signer_role = match &new.signature {
                None => None,
                Some(sig) => {
                    let book = KeyBook::load(tx)?;
                    let Some(role) = book.role_of(&new.reviewer, &sig.public_key) else {
                        return Err(Fail::Store(StoreError::Invalid(format!(
                            "the signing key {} is not registered to reviewer {}",
                            short_key(&sig.public_key),
                            new.reviewer
                        ))));
                    };
                    if !review.signature_verifies() {
                        return Err(Fail::Store(StoreError::Invalid(
                            "the decision's signature does not verify".to_string(),
                        )));
                    }
                    if review_with_signature(tx, sig)?.is_some() {
                        return Err(Fail::Store(StoreError::Invalid(
                            "this signed decision is already recorded".to_string(),
                        )));
                    }
                    Some(role)
                }
            };
            review.verified = signer_role.is_some();
            review.id = insert_review(tx, &review)?;
            audit(
                tx,
                &review.reviewer,
                "review.created",
                &format!("review:{}", review.id),
                &json!({
                    "project": review.project,
                    "target": review.target,
                    "decision": review.decision.as_str(),
                    "cwe": review.cwe,
                    "severity": review.severity.map(Severity::name),
                    "scope": new.scope.as_str(),
                    "signed_by": review.signature.as_ref().map(|s| s.public_key.as_str()),
                    "verified": review.verified,
                    "imported": new.imported,
                }),
            )?;
            let mut outcome = ReviewOutcome {
                review,
                memory_created: None,
                memory_strengthened: None,
                trust_updates: Vec::new(),
                conflicts: Vec::new(),
            };
            let judged_path = match (&new.target, &finding) {
                (ReviewTarget::Sample { path }, _) => Some(path.clone()),
                (_, Some(f)) => Some(f.finding.location.path_string()),
                _ => None,
            };
            // An unverified import only proposes: its memory is pending and
            // it moves no trust.
            let proposes_only = new.imported && !outcome.review.verified;
            if let Some(finding) = finding {
                let role = signer_role.unwrap_or(Role::Reviewer);
                apply_memory_plan(tx, &mut outcome, &finding, role, new, proposes_only)?;
            }
            if proposes_only {
                return Ok(outcome);
            }
            if let (Some(path), Some(secure)) = (judged_path, generation_signal(new.decision)) {
                settle_generation_sources(tx, &mut outcome, &path, secure)?;
            }
            Ok(outcome)
        })
    }

    /// Oldest first; with `limit`, the newest `limit`, newest first.
    fn reviews(&self, filter: &ReviewFilter) -> StoreResult<Vec<Review>> {
        self.read(|tx| {
            let (kind, target_id) = match &filter.target {
                Some(t) => {
                    let (k, id) = target_parts(t);
                    (Some(k), Some(id.to_string()))
                }
                None => (None, None),
            };
            let order = if filter.limit.is_some() {
                "DESC"
            } else {
                "ASC"
            };
            let limit = filter.limit.map_or(-1, to_i64);
            let mut stmt = tx.prepare(&format!(
                "SELECT {REVIEW_COLS} FROM reviews \
                 WHERE (?1 IS NULL OR project = ?1) AND (?2 IS NULL OR reviewer = ?2) \
                 AND (?3 IS NULL OR target_kind = ?3) AND (?4 IS NULL OR target_id = ?4) \
                 ORDER BY id {order} LIMIT ?5"
            ))?;
            let rows = stmt.query_map(
                params![filter.project, filter.reviewer, kind, target_id, limit],
                review_row,
            )?;
            let mut reviews = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            verify_reviews(tx, &mut reviews)?;
            Ok(reviews)
        })
    }

    fn memories(&self, include_revoked: bool) -> StoreResult<Vec<Memory>> {
        self.read(|tx| load_memories(tx, include_revoked))
    }

    fn memory(&self, id: i64) -> StoreResult<Option<Memory>> {
        self.read(|tx| load_memory(tx, id))
    }

    fn revoke_memory(&self, id: i64, actor: &str, reason: &str) -> StoreResult<Memory> {
        self.write(|tx| {
            let Some(mut m) = load_memory(tx, id)? else {
                return Err(Fail::Store(StoreError::NotFound(format!("memory {id}"))));
            };
            if m.status == MemoryStatus::Revoked {
                return Err(Fail::Store(StoreError::Invalid(format!(
                    "memory {id} is already revoked"
                ))));
            }
            m.status = MemoryStatus::Revoked;
            m.updated_at = now();
            update_memory(tx, &m)?;
            audit(
                tx,
                actor,
                "memory.revoked",
                &format!("memory:{id}"),
                &json!({ "reason": reason }),
            )?;
            Ok(m)
        })
    }

    /// All or nothing: one refused memory (empty scope, trust outside
    /// 0..=1) refuses the import. A memory is vouched for only by the
    /// `decisions` among its sources whose signatures verify with keys
    /// registered here and whose signed scope and decision are the
    /// memory's; those are recorded as reviews and become its sources. The
    /// file's reviewers, admin flag and trust are ignored (kept in the
    /// audit entry as claims); without a vouching decision the memory is
    /// pending.
    fn import_memories(
        &self,
        memories: &[Memory],
        decisions: &[Review],
        actor: &str,
    ) -> StoreResult<Vec<ImportedMemory>> {
        for (i, m) in memories.iter().enumerate() {
            if m.scope.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "memory {} (#{} in the import) has an empty scope, which would match every finding",
                    m.id,
                    i + 1
                )));
            }
            if !(0.0..=1.0).contains(&m.trust) {
                return Err(StoreError::Invalid(format!(
                    "memory {} (#{} in the import) has trust {} outside 0..1",
                    m.id,
                    i + 1,
                    m.trust
                )));
            }
        }
        self.write(|tx| {
            let book = KeyBook::load(tx)?;
            let mut all = load_memories(tx, true)?;
            let mut out = Vec::with_capacity(memories.len());
            for m in memories {
                let mut sources = Vec::new();
                let mut names = BTreeSet::new();
                for d in decisions.iter().filter(|d| {
                    m.source_reviews.contains(&d.id)
                        && d.scope.as_ref() == Some(&m.scope)
                        && Implication::of_decision(d.decision, d.severity) == Some(m.implication)
                        && book.verify_review(d).is_some()
                }) {
                    let Some(sig) = &d.signature else { continue };
                    let id = match review_with_signature(tx, sig)? {
                        Some(id) => id,
                        None => {
                            ensure_reviewer(tx, &d.reviewer, actor)?;
                            let id = insert_review(tx, d)?;
                            audit(
                                tx,
                                actor,
                                "review.imported",
                                &format!("review:{id}"),
                                &json!({ "reviewer": d.reviewer, "signed_by": sig.public_key }),
                            )?;
                            id
                        }
                    };
                    if !sources.contains(&id) {
                        sources.push(id);
                    }
                    names.insert(d.reviewer.clone());
                }
                let pending = names.is_empty();
                let mut fresh = m.clone();
                fresh.source_reviews = sources;
                fresh.reviewers = names.into_iter().collect();
                fresh.conflicts_with = Vec::new();
                fresh.updated_at = now();
                if pending {
                    if fresh.status == MemoryStatus::Active {
                        fresh.status = MemoryStatus::Pending;
                    }
                    fresh.trust = fresh.trust.min(TRUST_PENDING);
                } else {
                    // Trust is not signed: an import starts where a new
                    // memory does, at most.
                    fresh.trust = fresh.trust.min(TRUST_INITIAL);
                }
                let id = insert_memory(tx, &fresh)?;
                fresh.id = id;
                let mut verified = vec![fresh.clone()];
                verify_memories(tx, &mut verified)?;
                let fresh = verified.pop().unwrap_or(fresh);
                let conflicts: Vec<i64> = if fresh.is_live() {
                    all.iter()
                        .filter(|o| {
                            o.is_live()
                                && scopes_overlap(&o.scope, &fresh.scope)
                                && o.implication.contradicts(fresh.implication)
                        })
                        .map(|o| o.id)
                        .collect()
                } else {
                    Vec::new()
                };
                let result = ImportedMemory {
                    id,
                    verified_reviewers: fresh.verified_reviewers.clone(),
                    pending,
                };
                all.push(fresh);
                for &c in &conflicts {
                    add_conflict(&mut all, id, c);
                    if add_conflict(&mut all, c, id)
                        && let Some(other) = all.iter().find(|o| o.id == c)
                    {
                        update_memory(tx, other)?;
                    }
                    audit(
                        tx,
                        actor,
                        "memory.conflict",
                        &format!("memory:{id}"),
                        &json!({ "with": c }),
                    )?;
                }
                if let Some(me) = all.iter().find(|o| o.id == id) {
                    update_memory(tx, me)?;
                }
                audit(
                    tx,
                    actor,
                    "memory.imported",
                    &format!("memory:{id}"),
                    &json!({
                        "original_id": m.id,
                        "scope": m.scope,
                        "implication": m.implication,
                        "status": status_str(m.status),
                        "conflicts": conflicts,
                        "verified_reviewers": result.verified_reviewers,
                        "pending": pending,
                        "claimed": {
                            "reviewers": m.reviewers,
                            "admin_approved": m.admin_approved,
                            "trust": m.trust,
                        },
                    }),
                )?;
                out.push(result);
            }
            Ok(out)
        })
    }

    /// Newest first; `limit` 0 means all.
    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT id, at, actor, action, subject, detail FROM audit ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([sql_limit(limit)], |row| {
                Ok(AuditEntry {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    subject: row.get(4)?,
                    detail: json_col(row, 5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn cache_get(&self, key: &str) -> StoreResult<Option<String>> {
        self.read(|tx| {
            Ok(tx
                .query_row("SELECT value FROM llm_cache WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?)
        })
    }

    fn cache_put(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO llm_cache (key, value, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                params![key, value, now()],
            )?;
            Ok(())
        })
    }

    fn eval_run(&self, id: &str, spec: &str) -> StoreResult<bool> {
        self.write(|tx| {
            let created = tx.execute(
                "INSERT OR IGNORE INTO eval_runs (id, spec, created_at) VALUES (?1, ?2, ?3)",
                params![id, spec, now()],
            )?;
            Ok(created == 1)
        })
    }

    fn eval_result(&self, run: &str, job: &str, result: &str) -> StoreResult<bool> {
        self.write(|tx| {
            let added = tx.execute(
                "INSERT OR IGNORE INTO eval_results (run, job, result, finished_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![run, job, result, now()],
            )?;
            Ok(added == 1)
        })
    }

    fn eval_results(&self, run: &str) -> StoreResult<Vec<(String, String)>> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare("SELECT job, result FROM eval_results WHERE run = ?1 ORDER BY job")?;
            let rows = stmt
                .query_map(params![run], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    fn record_generation_sources(
        &self,
        project: &str,
        path: &str,
        memory_ids: &[i64],
    ) -> StoreResult<()> {
        if memory_ids.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let at = now();
            for id in memory_ids {
                // A new generation at the same path starts a new judgement.
                tx.execute(
                    "INSERT INTO generation_sources (project, path, memory_id, recorded_at, settled) \
                     VALUES (?1, ?2, ?3, ?4, 0) \
                     ON CONFLICT (project, path, memory_id) DO UPDATE SET \
                     recorded_at = excluded.recorded_at, settled = 0",
                    params![project, path, id, at],
                )?;
            }
            Ok(())
        })
    }

    fn replace_catalogue(&self, catalogue: &CatalogueImport, actor: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute_batch(
                "DELETE FROM catalogue_relations; DELETE FROM catalogue_entries; \
                 DELETE FROM catalogue_meta;",
            )?;
            {
                let mut insert = tx.prepare(
                    "INSERT OR REPLACE INTO catalogue_entries (id, kind, name, abstraction, status, \
                     description, extended_description, mitigations) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for e in &catalogue.entries {
                    insert.execute(params![
                        e.id,
                        e.kind,
                        e.name,
                        e.abstraction,
                        e.status,
                        e.description,
                        e.extended_description,
                        serde_json::to_string(&e.mitigations)?,
                    ])?;
                }
                let mut relate = tx.prepare(
                    "INSERT OR IGNORE INTO catalogue_relations (child, parent, view) \
                     VALUES (?1, ?2, ?3)",
                )?;
                for (child, parent, view) in &catalogue.relations {
                    relate.execute(params![child, parent, view])?;
                }
                let mut meta =
                    tx.prepare("INSERT INTO catalogue_meta (key, value) VALUES (?1, ?2)")?;
                let imported_at = now().to_string();
                let entries = catalogue.entries.len().to_string();
                for (k, v) in [
                    ("version", catalogue.version.as_str()),
                    ("date", catalogue.date.as_str()),
                    ("notice", catalogue.notice.as_str()),
                    ("source", catalogue.source.as_str()),
                    ("imported_at", imported_at.as_str()),
                    ("entries", entries.as_str()),
                ] {
                    meta.execute(params![k, v])?;
                }
            }
            audit(
                tx,
                actor,
                "catalogue.imported",
                "catalogue:cwe",
                &json!({
                    "version": catalogue.version,
                    "date": catalogue.date,
                    "source": catalogue.source,
                    "entries": catalogue.entries.len(),
                    "relations": catalogue.relations.len(),
                }),
            )?;
            Ok(())
        })
    }

    fn catalogue_meta(&self) -> StoreResult<Option<CatalogueMeta>> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT key, value FROM catalogue_meta")?;
            let pairs: Vec<(String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            if pairs.is_empty() {
                return Ok(None);
            }
            let get = |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            Ok(Some(CatalogueMeta {
                version: get("version"),
                date: get("date"),
                notice: get("notice"),
                source: get("source"),
                imported_at: get("imported_at").parse().unwrap_or(0),
                entries: get("entries").parse().unwrap_or(0),
            }))
        })
    }

    fn catalogue_entry(&self, id: u32) -> StoreResult<Option<CatalogueRow>> {
        self.read(|tx| {
            let row = tx
                .query_row(
                    "SELECT id, kind, name, abstraction, status, description, \
                     extended_description, mitigations FROM catalogue_entries WHERE id = ?1",
                    params![id],
                    |r| {
                        Ok((
                            CatalogueRow {
                                id: r.get(0)?,
                                kind: r.get(1)?,
                                name: r.get(2)?,
                                abstraction: r.get(3)?,
                                status: r.get(4)?,
                                description: r.get(5)?,
                                extended_description: r.get(6)?,
                                mitigations: Vec::new(),
                            },
                            r.get::<_, String>(7)?,
                        ))
                    },
                )
                .optional()?;
            Ok(match row {
                Some((mut entry, mitigations)) => {
                    entry.mitigations = serde_json::from_str(&mitigations)?;
                    Some(entry)
                }
                None => None,
            })
        })
    }

    fn catalogue_hierarchy(&self, view: u32) -> StoreResult<Vec<(u32, u32)>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT child, parent FROM catalogue_relations WHERE view = ?1 \
                 ORDER BY child, parent",
            )?;
            let pairs = stmt
                .query_map(params![view], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(pairs)
        })
    }
}

/// Apply what `plan_finding_review` decides, inside the review's
/// transaction, auditing each change.
fn apply_memory_plan(
    tx: &Transaction<'_>,
    outcome: &mut ReviewOutcome,
    finding: &StoredFinding,
    role: Role,
    new: &NewReview,
    proposes_only: bool,
) -> Res<()> {
    let review = &outcome.review;
    let actor = review.reviewer.as_str();
    let facts = FindingFacts::of(&finding.finding);
    let mut memories = load_memories(tx, true)?;
    let plan = plan_finding_review(
        &FindingReview {
            review,
            finding: &facts,
            reviewer_role: role,
            scope: new.scope,
            path_glob: new.path_glob.as_deref(),
        },
        &memories,
    );
    let plan = if proposes_only {
        secguard_core::memory::MemoryPlan {
            create: plan.create.map(|mut m| {
                m.status = MemoryStatus::Pending;
                m.trust = m.trust.min(TRUST_PENDING);
                m
            }),
            ..Default::default()
        }
    } else {
        plan
    };
    let mut dirty = BTreeSet::new();
    for &(id, old, new_trust, agreed) in &plan.trust_updates {
        if let Some(m) = memories.iter_mut().find(|m| m.id == id) {
            m.trust = new_trust;
            m.updated_at = m.updated_at.max(review.created_at);
            dirty.insert(id);
        }
        audit(
            tx,
            actor,
            "memory.trust",
            &format!("memory:{id}"),
            &json!({ "old": old, "new": new_trust, "agreed": agreed, "review": review.id }),
        )?;
    }
    let mut subject = None;
    if let Some(id) = plan.strengthen {
        if let Some(m) = memories.iter_mut().find(|m| m.id == id) {
            let was_pending = m.status == MemoryStatus::Pending;
            add_source(m, review, role);
            dirty.insert(id);
            if was_pending && m.status == MemoryStatus::Active {
                audit(
                    tx,
                    actor,
                    "memory.confirmed",
                    &format!("memory:{id}"),
                    &json!({ "review": review.id, "trust": m.trust }),
                )?;
            }
            audit(
                tx,
                actor,
                "memory.strengthened",
                &format!("memory:{id}"),
                &json!({
                    "review": review.id,
                    "reviewers": m.reviewers,
                    "admin_approved": m.admin_approved,
                }),
            )?;
        }
        subject = Some(id);
    }
    let mut created = None;
    if let Some(mut m) = plan.create {
        let id = insert_memory(tx, &m)?;
        created = Some(id);
        m.id = id;
        audit(
            tx,
            actor,
            "memory.created",
            &format!("memory:{id}"),
            &json!({
                "review": review.id,
                "scope": m.scope,
                "implication": m.implication,
                "trust": m.trust,
                "admin_approved": m.admin_approved,
                "status": status_str(m.status),
            }),
        )?;
        memories.push(m);
        subject = Some(id);
    }
    if let Some(id) = subject {
        for &c in &plan.conflicts {
            let a = add_conflict(&mut memories, id, c);
            let b = add_conflict(&mut memories, c, id);
            if a || b {
                dirty.insert(id);
                dirty.insert(c);
                audit(
                    tx,
                    actor,
                    "memory.conflict",
                    &format!("memory:{id}"),
                    &json!({ "with": c, "review": review.id }),
                )?;
            }
        }
    }
    for id in &dirty {
        if let Some(m) = memories.iter().find(|m| m.id == *id) {
            update_memory(tx, m)?;
        }
    }
    outcome.memory_created = created;
    outcome.memory_strengthened = plan.strengthen;
    outcome.trust_updates = plan.trust_updates;
    outcome.conflicts = plan.conflicts;
    Ok(())
}

/// The first 12 hex digits of a key, for messages.
fn short_key(key: &str) -> &str {
    key.get(..12).unwrap_or(key)
}

/// What a human decision says about generated code: a verdict of secure
/// (the grounding helped) or insecure (a confirmed weakness, or a verdict).
/// A false positive says nothing about the code's security.
fn generation_signal(decision: Decision) -> Option<bool> {
    match decision {
        Decision::Secure => Some(true),
        Decision::Insecure | Decision::TruePositive => Some(false),
        Decision::FalsePositive => None,
    }
}

/// The memories that grounded the generation of `path` take the first human
/// verdict on it as evidence: their trust moves (EMA) toward 1 when it was
/// secure, toward 0 when not. Each generation counts once.
fn settle_generation_sources(
    tx: &Transaction<'_>,
    outcome: &mut ReviewOutcome,
    path: &str,
    secure: bool,
) -> Res<()> {
    let review = &outcome.review;
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare(
            "SELECT memory_id FROM generation_sources \
             WHERE project = ?1 AND path = ?2 AND settled = 0 ORDER BY memory_id",
        )?;
        stmt.query_map(params![review.project, path], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    if ids.is_empty() {
        return Ok(());
    }
    let mut memories = load_memories(tx, true)?;
    for id in ids {
        if let Some(m) = memories.iter_mut().find(|m| m.id == id) {
            let old = m.trust;
            m.trust = secguard_core::memory::updated_trust(old, secure);
            m.updated_at = m.updated_at.max(review.created_at);
            update_memory(tx, m)?;
            audit(
                tx,
                &review.reviewer,
                "memory.trust",
                &format!("memory:{id}"),
                &json!({
                    "old": old,
                    "new": m.trust,
                    "agreed": secure,
                    "review": review.id,
                    "generation": path,
                }),
            )?;
            outcome.trust_updates.push((id, old, m.trust, secure));
        }
    }
    tx.execute(
        "UPDATE generation_sources SET settled = 1 WHERE project = ?1 AND path = ?2",
        params![review.project, path],
    )?;
    Ok(())
}
