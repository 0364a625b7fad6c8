//! secguard-store: persistence for everything secguard learns — samples,
//! scan runs, findings (by fingerprint), reviewers, reviews, memories, the
//! append-only audit log, and a cache for LLM responses.
//!
//! Callers use the [`Store`] trait only. [`SqliteStore`] is the default (one
//! file, WAL, versioned migrations, a transaction around every logical
//! change); a PostgreSQL store for teams can implement the same trait
//! without changing callers. The rules for what a review does to memories
//! live in `secguard_core::memory`, so every store applies the same ones.

pub mod labels;
pub mod search;
mod sqlite;

pub use sqlite::{SCHEMA_VERSION, SqliteStore};

use secguard_core::identity::{
    DecisionClaim, KeyClaim, Signature, Signer, decision_message, key_message,
};
use secguard_core::memory::{Memory, MemoryScope, ScopeChoice};
use secguard_core::review::{Decision, Review, ReviewTarget, Reviewer, Role};
use secguard_core::{Cwe, Finding, Severity, Verdict};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why a store operation failed. Each names the database and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not a secguard database ({message}); move it aside or pass another --db")]
    NotADatabase { path: PathBuf, message: String },
    #[error(
        "{path}: schema version {found} is newer than this secguard supports ({supported}); upgrade secguard"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: {message}")]
    Database { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// The request itself is wrong (unknown finding, a decision that does
    /// not fit its target, an empty scope...).
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One sample as a scan saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// Relative to the scan root, with `/` separators.
    pub path: String,
    pub language: Option<String>,
    /// The code, when it is text and not too large to keep (the review UI
    /// shows it; a later edit of the file does not change what was judged).
    pub content: Option<String>,
    /// SHA-256 of the file's bytes, hex.
    pub content_hash: String,
    pub verdict: Option<Verdict>,
}

/// A finished scan, to be recorded in one transaction.
#[derive(Debug, Clone)]
pub struct ScanRecord<'a> {
    pub project: &'a str,
    /// The directory paths are relative to.
    pub root: &'a str,
    pub analyzers: Vec<String>,
    /// The verdict policy (`any`, `majority`, ...).
    pub policy: &'a str,
    pub started_at: i64,
    pub finished_at: i64,
    pub samples: &'a [SampleRecord],
    /// Every finding, suppressed ones included.
    pub findings: &'a [Finding],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    pub project: String,
    pub root: String,
    pub analyzers: Vec<String>,
    pub policy: String,
    pub started_at: i64,
    pub finished_at: i64,
    pub samples: usize,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSample {
    pub project: String,
    pub path: String,
    pub language: Option<String>,
    pub content: Option<String>,
    pub content_hash: String,
    /// The verdict of the latest run that saw the sample.
    pub verdict: Option<Verdict>,
    pub last_run: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub project: String,
    /// As last reported (suppression as of that run).
    pub finding: Finding,
    pub first_run: i64,
    pub last_run: i64,
    /// Whether the latest run that scanned its file still reported it.
    pub open: bool,
    /// An LLM's explanation, when triage produced one.
    pub rationale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueItem {
    Finding(StoredFinding),
    Sample(StoredSample),
}

impl QueueItem {
    pub fn target(&self) -> ReviewTarget {
        match self {
            QueueItem::Finding(f) => ReviewTarget::Finding {
                fingerprint: f.finding.fingerprint.0.clone(),
            },
            QueueItem::Sample(s) => ReviewTarget::Sample {
                path: s.path.clone(),
            },
        }
    }
}

/// Which items still need a decision.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub project: Option<String>,
    /// Leave out items this reviewer already decided. `None`: leave out
    /// items anyone decided.
    pub reviewer: Option<String>,
    /// Include samples (verdict reviews) as well as findings.
    pub samples: bool,
    pub limit: usize,
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    pub project: String,
    pub target: ReviewTarget,
    pub reviewer: String,
    pub decision: Decision,
    pub cwe: Vec<Cwe>,
    pub severity: Option<Severity>,
    pub note: String,
    pub corrected_code: Option<String>,
    /// How far a finding decision's memory reaches.
    pub scope: ScopeChoice,
    /// Narrows the memory to paths matching this glob (`tests/**`); the
    /// finding's own path must match it.
    pub path_glob: Option<String>,
    /// Unix seconds; `None` for now. Imports keep the original time. A
    /// signed review must give it (it is part of what was signed).
    pub created_at: Option<i64>,
    /// The reviewer's signature over the decision
    /// (`secguard_core::identity::decision_message`, with the scope from
    /// [`Store::review_scope`]). The store refuses a signature that does
    /// not verify or whose key is not registered to `reviewer`.
    pub signature: Option<Signature>,
    /// From a label file rather than a reviewer at hand: unless signed and
    /// verified, its memory enters as pending and it moves no trust.
    pub imported: bool,
}

/// What recording a review did.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewOutcome {
    pub review: Review,
    pub memory_created: Option<i64>,
    pub memory_strengthened: Option<i64>,
    /// (memory id, old trust, new trust, agreed).
    pub trust_updates: Vec<(i64, f64, f64, bool)>,
    /// Memories the decision contradicts, now flagged as conflicting.
    pub conflicts: Vec<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub project: Option<String>,
    pub reviewer: Option<String>,
    pub target: Option<ReviewTarget>,
    /// Newest first when limited.
    pub limit: Option<usize>,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    /// `review.created`, `memory.created`, `memory.strengthened`,
    /// `memory.trust`, `memory.conflict`, `memory.revoked`,
    /// `memory.imported`, `memory.confirmed`, `reviewer.created`,
    /// `reviewer.role`, `reviewer.key`, `scan.recorded`.
    pub action: String,
    /// What it acted on: `memory:4`, `review:12`, `reviewer:alice`, `run:3`.
    pub subject: String,
    pub detail: serde_json::Value,
}

/// The storage interface every caller uses. Methods take `&self` so a web
/// server can share one store between requests; implementations serialize
/// writes themselves. Every method that changes anything is one
/// transaction, and writes its audit entries inside it.
pub trait Store: Send + Sync {
    /// Where the data lives, for messages.
    fn location(&self) -> String;

    fn record_scan(&self, scan: &ScanRecord<'_>) -> StoreResult<i64>;
    fn runs(&self, project: Option<&str>, limit: usize) -> StoreResult<Vec<RunSummary>>;

    /// Create the reviewer if missing (a plain reviewer). Roles change only
    /// through [`Store::register_key`], signed by an admin.
    fn ensure_reviewer(&self, name: &str, actor: &str) -> StoreResult<Reviewer>;
    /// Register a reviewer's public key with a role, or change the role of
    /// a registered key: signed by a registered admin's key, or, for the
    /// first admin only (no admin exists yet), by the key itself. Audited.
    fn register_key(&self, registration: &KeyRegistration) -> StoreResult<Reviewer>;
    /// The registrations whose signature chain verifies, oldest first; a
    /// key's latest one gives its role.
    fn keys(&self) -> StoreResult<Vec<RegisteredKey>>;
    fn reviewer(&self, name: &str) -> StoreResult<Option<Reviewer>>;
    fn reviewers(&self) -> StoreResult<Vec<Reviewer>>;

    /// Open findings (and, with `filter.samples`, samples) without a
    /// decision, highest severity first.
    fn queue(&self, filter: &QueueFilter) -> StoreResult<Vec<QueueItem>>;
    fn finding(&self, project: &str, fingerprint: &str) -> StoreResult<Option<StoredFinding>>;
    fn sample(&self, project: &str, path: &str) -> StoreResult<Option<StoredSample>>;
    /// The findings last reported in a sample, open or not.
    fn sample_findings(&self, project: &str, path: &str) -> StoreResult<Vec<StoredFinding>>;
    fn set_rationale(&self, project: &str, fingerprint: &str, rationale: &str) -> StoreResult<()>;

    /// Record a decision and apply what it teaches to the memories
    /// (`secguard_core::memory::plan_finding_review`), in one transaction.
    /// Creates the reviewer if needed.
    fn add_review(&self, review: &NewReview) -> StoreResult<ReviewOutcome>;
    /// The memory scope a finding decision would create or strengthen
    /// (`None` for samples): what a signer signs with the decision.
    fn review_scope(&self, review: &NewReview) -> StoreResult<Option<MemoryScope>>;
    fn reviews(&self, filter: &ReviewFilter) -> StoreResult<Vec<Review>>;

    fn memories(&self, include_revoked: bool) -> StoreResult<Vec<Memory>>;
    fn memory(&self, id: i64) -> StoreResult<Option<Memory>>;
    fn revoke_memory(&self, id: i64, actor: &str, reason: &str) -> StoreResult<Memory>;
    /// Add memories exported elsewhere, as new memories (new ids), with
    /// conflicts against existing ones flagged. What a file claims about
    /// reviewers, admins and trust is ignored: a memory is vouched for only
    /// by `decisions` among its sources whose signatures verify with keys
    /// registered here (they are recorded as reviews); one without such a
    /// decision enters as pending with trust below the apply threshold.
    fn import_memories(
        &self,
        memories: &[Memory],
        decisions: &[Review],
        actor: &str,
    ) -> StoreResult<Vec<ImportedMemory>>;

    /// Newest first.
    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>>;

    fn cache_get(&self, key: &str) -> StoreResult<Option<String>>;
    fn cache_put(&self, key: &str, value: &str) -> StoreResult<()>;

    /// Remember that these memories grounded the generation of the sample
    /// at `path`: the first human verdict on it (a sample decision, or a
    /// confirmed finding in it) then moves their trust, in the review's
    /// transaction.
    fn record_generation_sources(
        &self,
        project: &str,
        path: &str,
        memory_ids: &[i64],
    ) -> StoreResult<()>;

    /// Register an evaluation run (`spec` describes it, as JSON). Returns
    /// true when it is new, false when it exists (a resumed run).
    fn eval_run(&self, id: &str, spec: &str) -> StoreResult<bool>;
    /// Record one finished job of a run, once: a second result for the same
    /// job is ignored (returns false), so a resumed run never duplicates.
    fn eval_result(&self, run: &str, job: &str, result: &str) -> StoreResult<bool>;
    /// Every finished job of a run: (job, result), by job.
    fn eval_results(&self, run: &str) -> StoreResult<Vec<(String, String)>>;

    /// Replace the imported CWE catalogue with this one, in one transaction.
    fn replace_catalogue(&self, catalogue: &CatalogueImport, actor: &str) -> StoreResult<()>;
    fn catalogue_meta(&self) -> StoreResult<Option<CatalogueMeta>>;
    fn catalogue_entry(&self, id: u32) -> StoreResult<Option<CatalogueRow>>;
    /// `(child, parent)` pairs of the imported hierarchy in `view`.
    fn catalogue_hierarchy(&self, view: u32) -> StoreResult<Vec<(u32, u32)>>;
}

/// A public key registered to a reviewer (see [`Store::register_key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRegistration {
    pub reviewer: String,
    /// Hex.
    pub public_key: String,
    pub role: Role,
    /// Unix seconds; part of what is signed.
    pub created_at: i64,
    /// The registering admin's signature over
    /// `secguard_core::identity::key_message`.
    pub signature: Signature,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredKey {
    pub reviewer: String,
    pub public_key: String,
    pub role: Role,
    pub created_at: i64,
    /// The public key of the admin who signed the registration.
    pub signed_by: String,
}

/// What importing one memory did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedMemory {
    pub id: i64,
    /// Reviewers whose signed decisions verified.
    pub verified_reviewers: Vec<String>,
    /// No verified decision vouches for it: shown, never applied.
    pub pending: bool,
}

/// MITRE's CWE catalogue in the form the store keeps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogueImport {
    pub version: String,
    pub date: String,
    /// The terms-of-use notice kept with the data.
    pub notice: String,
    /// Where it was imported from (a file name, for messages).
    pub source: String,
    pub entries: Vec<CatalogueRow>,
    /// `(child, parent, view)`.
    pub relations: Vec<(u32, u32, u32)>,
}

/// One catalogue entry: a weakness, a category or a view.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CatalogueRow {
    pub id: u32,
    /// `weakness`, `category` or `view`.
    pub kind: String,
    pub name: String,
    pub abstraction: Option<String>,
    pub status: Option<String>,
    pub description: String,
    pub extended_description: String,
    pub mitigations: Vec<String>,
}

/// What was imported, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueMeta {
    pub version: String,
    pub date: String,
    pub notice: String,
    pub source: String,
    pub imported_at: i64,
    pub entries: usize,
}

/// Sign `new` as its reviewer with `signer`: fixes its time (now, unless
/// given), resolves the memory scope the store will record, and signs the
/// canonical bytes. The one way every caller (CLI, review UI) signs.
pub fn sign_review(store: &dyn Store, new: &mut NewReview, signer: &Signer) -> StoreResult<()> {
    let created_at = *new.created_at.get_or_insert_with(now);
    let scope = store.review_scope(new)?;
    let message = decision_message(&DecisionClaim {
        project: &new.project,
        target: &new.target,
        decision: new.decision,
        cwe: &new.cwe,
        severity: new.severity,
        note: &new.note,
        corrected_code: new.corrected_code.as_deref(),
        scope: scope.as_ref(),
        reviewer: &new.reviewer,
        created_at,
    });
    new.signature = Some(signer.sign(&message));
    Ok(())
}

/// A registration of `public_key` for `reviewer` with `role`, signed by
/// `admin` (for the first admin, its own key). Its time is now, or just
/// after the key's latest registration in `store` (each must be newer).
pub fn sign_registration(
    store: &dyn Store,
    reviewer: &str,
    public_key: &str,
    role: Role,
    admin: &Signer,
) -> StoreResult<KeyRegistration> {
    let public_key = public_key.trim().to_ascii_lowercase();
    let latest = store
        .keys()?
        .iter()
        .filter(|k| k.public_key == public_key)
        .map(|k| k.created_at)
        .max();
    let created_at = latest.map_or_else(now, |t| now().max(t + 1));
    let signature = admin.sign(&key_message(&KeyClaim {
        reviewer,
        public_key: &public_key,
        role,
        created_at,
    }));
    Ok(KeyRegistration {
        reviewer: reviewer.to_string(),
        public_key,
        role,
        created_at,
        signature,
    })
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
