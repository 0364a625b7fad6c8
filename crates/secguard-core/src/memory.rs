//! Memories: what human decisions taught secguard, and how they change
//! later scans. A memory has a scope (which findings it is about), a
//! condition in plain words, an implication (false positive, true positive
//! or another severity), the reviews it came from, and a trust weight.
//!
//! Everything here is pure: the store decides *when* (inside a
//! transaction), this module decides *what*. Keeping the rules here means a
//! second store (PostgreSQL) cannot disagree with SQLite about them.

use crate::review::{Decision, Review, Role};
use crate::{Cwe, Finding, Severity, Suppression, SuppressionKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Trust of a memory made from one decision.
pub const TRUST_INITIAL: f64 = 0.7;
/// Weight of the newest decision in the moving average.
pub const TRUST_ALPHA: f64 = 0.3;
/// Below this a memory is kept and shown but no longer applied. One
/// disagreement takes a new memory (0.7) to 0.49.
pub const TRUST_APPLY_THRESHOLD: f64 = 0.5;
/// Trust of an imported memory that no verified signature vouches for: it
/// is kept and shown as pending, never applied, until a verified reviewer
/// confirms it with a decision of the same scope and implication.
pub const TRUST_PENDING: f64 = 0.3;

/// Which findings a memory is about. Every field that is set must match;
/// an empty scope matches nothing (see [`MemoryScope::is_empty`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MemoryScope {
    /// The project; `None` for every project (an imported, shared memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwe: Option<Cwe>,
    /// `*` matches within a path segment, `**` across segments, `?` one
    /// character. Matched against the finding's path relative to the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_glob: Option<String>,
    /// One finding exactly (its fingerprint survives line shifts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// How wide a reviewer wants a decision to reach, as offered by the UI and
/// `secguard review label --scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeChoice {
    /// This finding only.
    #[default]
    Finding,
    /// This rule in this file.
    RuleInFile,
    /// This rule anywhere in the project.
    Rule,
    /// This CWE anywhere in the project.
    Cwe,
}

impl ScopeChoice {
    pub const ALL: [ScopeChoice; 4] = [
        ScopeChoice::Finding,
        ScopeChoice::RuleInFile,
        ScopeChoice::Rule,
        ScopeChoice::Cwe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScopeChoice::Finding => "finding",
            ScopeChoice::RuleInFile => "rule_in_file",
            ScopeChoice::Rule => "rule",
            ScopeChoice::Cwe => "cwe",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ScopeChoice::Finding => "this finding only",
            ScopeChoice::RuleInFile => "this rule in this file",
            ScopeChoice::Rule => "this rule in the whole project",
            ScopeChoice::Cwe => "this CWE in the whole project",
        }
    }

    pub fn parse(s: &str) -> Option<ScopeChoice> {
        ScopeChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl MemoryScope {
    /// The scope a reviewer's choice gives for one finding.
    pub fn for_finding(choice: ScopeChoice, project: &str, finding: &FindingFacts) -> MemoryScope {
        let mut scope = MemoryScope {
            project: Some(project.to_string()),
            ..MemoryScope::default()
        };
        match choice {
            ScopeChoice::Finding => {
                scope.rule = Some(finding.rule_id.clone());
                scope.fingerprint = Some(finding.fingerprint.clone());
            }
            ScopeChoice::RuleInFile => {
                scope.rule = Some(finding.rule_id.clone());
                scope.path_glob = Some(escape_glob(&finding.path));
            }
            ScopeChoice::Rule => scope.rule = Some(finding.rule_id.clone()),
            ScopeChoice::Cwe => match finding.cwe.first() {
                Some(c) => scope.cwe = Some(*c),
                // A finding without a CWE can only be scoped by its rule.
                None => scope.rule = Some(finding.rule_id.clone()),
            },
        }
        scope
    }

    /// A scope with nothing but (at most) a project would match every
    /// finding; such memories are refused.
    pub fn is_empty(&self) -> bool {
        self.rule.is_none()
            && self.cwe.is_none()
            && self.path_glob.is_none()
            && self.fingerprint.is_none()
    }

    /// How narrow the scope is; the narrowest matching memory wins.
    pub fn specificity(&self) -> u32 {
        u32::from(self.fingerprint.is_some()) * 8
            + u32::from(self.path_glob.is_some()) * 4
            + u32::from(self.rule.is_some()) * 2
            + u32::from(self.cwe.is_some())
    }

    pub fn matches(&self, project: &str, f: &FindingFacts) -> bool {
        if self.is_empty() {
            return false;
        }
        self.project.as_deref().is_none_or(|p| p == project)
            && self.rule.as_deref().is_none_or(|r| r == f.rule_id)
            && self.cwe.is_none_or(|c| f.cwe.contains(&c))
            && self
                .path_glob
                .as_deref()
                .is_none_or(|g| glob_matches(g, &f.path))
            && self
                .fingerprint
                .as_deref()
                .is_none_or(|fp| fp == f.fingerprint)
    }

    /// A short human description: `rule py/sql-injection in app/*.py`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.rule {
            parts.push(format!("rule {r}"));
        }
        if let Some(c) = &self.cwe {
            parts.push(c.to_string());
        }
        if let Some(g) = &self.path_glob {
            parts.push(format!("in {g}"));
        }
        if let Some(fp) = &self.fingerprint {
            parts.push(format!("finding {}", &fp[..fp.len().min(12)]));
        }
        match &self.project {
            Some(p) => parts.push(format!("(project {p})")),
            None => parts.push("(every project)".to_string()),
        }
        parts.join(" ")
    }
}

/// The parts of a finding that memories look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingFacts {
    pub rule_id: String,
    pub cwe: Vec<Cwe>,
    pub severity: Severity,
    pub path: String,
    pub fingerprint: String,
}

impl FindingFacts {
    pub fn of(f: &Finding) -> FindingFacts {
        FindingFacts {
            rule_id: f.rule_id.clone(),
            cwe: f.cwe.clone(),
            severity: f.severity,
            path: f.location.path_string(),
            fingerprint: f.fingerprint.0.clone(),
        }
    }
}

/// What a memory says about the findings in its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "severity", rename_all = "snake_case")]
pub enum Implication {
    FalsePositive,
    TruePositive,
    /// A real weakness, at this severity.
    Severity(Severity),
}

impl Implication {
    /// What a finding decision teaches.
    pub fn of_decision(decision: Decision, corrected: Option<Severity>) -> Option<Implication> {
        match (decision, corrected) {
            (Decision::FalsePositive, _) => Some(Implication::FalsePositive),
            (Decision::TruePositive, Some(s)) => Some(Implication::Severity(s)),
            (Decision::TruePositive, None) => Some(Implication::TruePositive),
            (Decision::Secure | Decision::Insecure, _) => None,
        }
    }

    /// Whether a later decision bears this memory out.
    pub fn agrees_with(self, decision: Decision, corrected: Option<Severity>) -> bool {
        match self {
            Implication::FalsePositive => decision == Decision::FalsePositive,
            Implication::TruePositive => decision == Decision::TruePositive,
            Implication::Severity(s) => {
                decision == Decision::TruePositive && corrected.is_none_or(|c| c == s)
            }
        }
    }

    /// Two implications that cannot both hold for one finding.
    pub fn contradicts(self, other: Implication) -> bool {
        match (self, other) {
            (Implication::FalsePositive, Implication::FalsePositive) => false,
            (Implication::FalsePositive, _) | (_, Implication::FalsePositive) => true,
            (Implication::Severity(a), Implication::Severity(b)) => a != b,
            _ => false,
        }
    }

    /// Whether applying it to a finding of `severity` hides it or lowers it.
    pub fn hides(self, severity: Severity) -> bool {
        match self {
            Implication::FalsePositive => true,
            Implication::TruePositive => false,
            Implication::Severity(s) => s < severity,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Implication::FalsePositive => "false positive".to_string(),
            Implication::TruePositive => "true positive".to_string(),
            Implication::Severity(s) => format!("true positive, severity {}", s.name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryStatus {
    #[default]
    Active,
    Revoked,
    /// Imported without a verifiable signature: shown, never applied.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub id: i64,
    pub scope: MemoryScope,
    /// In plain words, when the implication holds (usually the reviewer's
    /// note).
    pub condition: String,
    pub implication: Implication,
    /// The reviews that created or later confirmed it.
    #[serde(default)]
    pub source_reviews: Vec<i64>,
    /// Distinct reviewers among the source reviews, sorted, whether their
    /// decisions were signed or not (for display and provenance).
    #[serde(default)]
    pub reviewers: Vec<String>,
    /// Distinct reviewers whose signed source decisions verified with a key
    /// registered to them, sorted. The store recomputes this (and
    /// `admin_approved`) from the source reviews whenever it loads a
    /// memory; values in an import file are ignored.
    #[serde(default)]
    pub verified_reviewers: Vec<String>,
    /// Whether a verified admin signed one of the source decisions.
    #[serde(default)]
    pub admin_approved: bool,
    pub trust: f64,
    #[serde(default)]
    pub status: MemoryStatus,
    /// Memories that contradict this one on some finding. Shown, never
    /// merged; neither is applied where both match.
    #[serde(default)]
    pub conflicts_with: Vec<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Memory {
    /// The two-reviewer rule: hiding or lowering a high or critical finding
    /// takes two distinct *verified* reviewers (signed decisions, keys
    /// registered to them) or one verified admin. Unsigned decisions, and
    /// names typed anywhere, never count.
    pub fn may_hide(&self, severity: Severity) -> bool {
        severity < Severity::High || self.verified_reviewers.len() >= 2 || self.admin_approved
    }

    /// Whether the two-reviewer rule stops this memory on a finding of
    /// `severity`: it would hide or lower it, and may not. Scans skip it
    /// there, and prompts do not present it as a decision.
    pub fn blocked_at(&self, severity: Severity) -> bool {
        self.implication.hides(severity) && !self.may_hide(severity)
    }

    pub fn is_live(&self) -> bool {
        self.status == MemoryStatus::Active
    }

    pub fn is_trusted(&self) -> bool {
        self.is_live() && self.trust >= TRUST_APPLY_THRESHOLD
    }
}

/// One step of the exponential moving average.
pub fn updated_trust(trust: f64, agrees: bool) -> f64 {
    let target = if agrees { 1.0 } else { 0.0 };
    ((1.0 - TRUST_ALPHA) * trust + TRUST_ALPHA * target).clamp(0.0, 1.0)
}

/// A finding decision, with what the store knows about the finding.
#[derive(Debug, Clone)]
pub struct FindingReview<'a> {
    pub review: &'a Review,
    pub finding: &'a FindingFacts,
    pub reviewer_role: Role,
    pub scope: ScopeChoice,
    /// Narrow the scope to paths matching this glob (`tests/**`). The
    /// store checks that the finding's own path matches.
    pub path_glob: Option<&'a str>,
}

/// What recording one finding decision does to the memories. The store
/// applies it inside the same transaction as the review.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemoryPlan {
    /// (memory id, old trust, new trust, agreed) for every live memory whose
    /// scope matches the finding.
    pub trust_updates: Vec<(i64, f64, f64, bool)>,
    /// An existing memory with the same scope and implication that this
    /// review strengthens (adds itself as a source).
    pub strengthen: Option<i64>,
    /// A new memory to create (its id is assigned by the store).
    pub create: Option<Memory>,
    /// Live memories the new or strengthened one contradicts.
    pub conflicts: Vec<i64>,
}

/// Decide what a finding decision does to `memories` (all of them; revoked
/// ones are skipped).
pub fn plan_finding_review(input: &FindingReview<'_>, memories: &[Memory]) -> MemoryPlan {
    let review = input.review;
    let mut plan = MemoryPlan::default();
    let Some(implication) = Implication::of_decision(review.decision, review.severity) else {
        return plan;
    };
    let scope = review_scope(input.scope, input.path_glob, &review.project, input.finding);
    // A verified decision of the same scope and implication confirms a
    // pending (imported, unverified) memory.
    if review.verified {
        plan.strengthen = memories
            .iter()
            .find(|m| {
                m.status == MemoryStatus::Pending
                    && m.scope == scope
                    && m.implication == implication
            })
            .map(|m| m.id);
    }
    for m in memories.iter().filter(|m| m.is_live()) {
        if !m.scope.matches(&review.project, input.finding) {
            continue;
        }
        let agrees = m.implication.agrees_with(review.decision, review.severity);
        plan.trust_updates
            .push((m.id, m.trust, updated_trust(m.trust, agrees), agrees));
        if m.scope == scope && m.implication == implication {
            plan.strengthen.get_or_insert(m.id);
        } else if m.implication.contradicts(implication) {
            plan.conflicts.push(m.id);
        }
    }
    if plan.strengthen.is_none() {
        let reviewer = review.reviewer.clone();
        plan.create = Some(Memory {
            id: 0,
            condition: condition_text(review, input.finding, implication),
            scope,
            implication,
            source_reviews: vec![review.id],
            verified_reviewers: if review.verified {
                vec![reviewer.clone()]
            } else {
                Vec::new()
            },
            reviewers: vec![reviewer],
            admin_approved: review.verified && input.reviewer_role == Role::Admin,
            trust: TRUST_INITIAL,
            status: MemoryStatus::Active,
            conflicts_with: Vec::new(),
            created_at: review.created_at,
            updated_at: review.created_at,
        });
    }
    plan
}

/// The memory scope a finding decision creates or strengthens: the
/// reviewer's choice, narrowed by `path_glob`. Signed with the decision.
pub fn review_scope(
    choice: ScopeChoice,
    path_glob: Option<&str>,
    project: &str,
    finding: &FindingFacts,
) -> MemoryScope {
    let mut scope = MemoryScope::for_finding(choice, project, finding);
    if let Some(glob) = path_glob {
        scope.path_glob = Some(glob.to_string());
    }
    scope
}

fn condition_text(review: &Review, f: &FindingFacts, implication: Implication) -> String {
    let note = review.note.trim();
    if note.is_empty() {
        format!(
            "{} judged {} at {} a {}",
            review.reviewer,
            f.rule_id,
            f.path,
            implication.describe()
        )
    } else {
        note.to_string()
    }
}

/// Add a review to a memory's sources (strengthening it). A verified
/// review also counts as a verified signer and confirms a pending memory.
pub fn add_source(memory: &mut Memory, review: &Review, role: Role) {
    if !memory.source_reviews.contains(&review.id) {
        memory.source_reviews.push(review.id);
    }
    let mut reviewers: BTreeSet<String> = memory.reviewers.iter().cloned().collect();
    reviewers.insert(review.reviewer.clone());
    memory.reviewers = reviewers.into_iter().collect();
    if review.verified {
        let mut verified: BTreeSet<String> = memory.verified_reviewers.iter().cloned().collect();
        verified.insert(review.reviewer.clone());
        memory.verified_reviewers = verified.into_iter().collect();
        memory.admin_approved |= role == Role::Admin;
        if memory.status == MemoryStatus::Pending {
            memory.status = MemoryStatus::Active;
            memory.trust = memory.trust.max(TRUST_INITIAL);
        }
    }
    memory.updated_at = review.created_at;
}

/// What applying memories did to a scan, for notes and the audit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    pub suppressed: usize,
    pub reranked: usize,
    pub confirmed: usize,
    /// (finding fingerprint, memory ids) where memories disagree.
    pub conflicts: Vec<(String, Vec<i64>)>,
    /// (finding fingerprint, memory id): a one-reviewer memory that would
    /// hide a high or critical finding.
    pub awaiting_second_reviewer: Vec<(String, i64)>,
}

/// Apply trusted memories to findings: a false-positive memory suppresses
/// (kind `external`, with the condition and the reviewers), a severity
/// memory re-ranks, a true-positive memory raises confidence. Findings are
/// never removed (invariant 4). Where live memories contradict each other,
/// none is applied.
pub fn apply_memories(findings: &mut [Finding], memories: &[Memory], project: &str) -> Applied {
    let mut applied = Applied::default();
    let trusted: Vec<&Memory> = memories.iter().filter(|m| m.is_trusted()).collect();
    if trusted.is_empty() {
        return applied;
    }
    for finding in findings.iter_mut() {
        let facts = FindingFacts::of(finding);
        let mut matching: Vec<&Memory> = trusted
            .iter()
            .copied()
            .filter(|m| m.scope.matches(project, &facts))
            .collect();
        if matching.is_empty() {
            continue;
        }
        let contradicted = matching.iter().any(|a| {
            matching
                .iter()
                .any(|b| a.implication.contradicts(b.implication))
        });
        if contradicted {
            let mut ids: Vec<i64> = matching.iter().map(|m| m.id).collect();
            ids.sort_unstable();
            applied.conflicts.push((facts.fingerprint.clone(), ids));
            continue;
        }
        // The narrowest scope wins, then the most trusted, then the newest.
        matching.sort_by(|a, b| {
            b.scope
                .specificity()
                .cmp(&a.scope.specificity())
                .then(b.trust.total_cmp(&a.trust))
                .then(b.id.cmp(&a.id))
        });
        let Some(m) = matching.first() else {
            continue;
        };
        if m.blocked_at(finding.severity) {
            applied
                .awaiting_second_reviewer
                .push((facts.fingerprint.clone(), m.id));
            continue;
        }
        match m.implication {
            Implication::FalsePositive => {
                if finding.suppression.is_none() {
                    finding.suppression = Some(Suppression {
                        kind: SuppressionKind::External,
                        justification: format!(
                            "memory #{} (trust {:.2}): {}",
                            m.id, m.trust, m.condition
                        ),
                        by: Some(m.reviewers.join(", ")),
                    });
                    applied.suppressed += 1;
                }
            }
            Implication::Severity(s) => {
                if finding.severity != s {
                    finding.severity = s;
                    applied.reranked += 1;
                }
            }
            Implication::TruePositive => {
                finding.confidence = crate::Confidence::High;
                applied.confirmed += 1;
            }
        }
    }
    applied
}

/// Glob matching for memory scopes: `**` crosses `/`, `*` and `?` do not.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    // Iterative matcher with memo; patterns are short, paths modest.
    let mut memo = vec![vec![None; s.len() + 1]; p.len() + 1];
    glob_at(&p, &s, 0, 0, &mut memo)
}

fn glob_at(p: &[char], s: &[char], i: usize, j: usize, memo: &mut [Vec<Option<bool>>]) -> bool {
    if let Some(v) = memo[i][j] {
        return v;
    }
    let result = if i == p.len() {
        j == s.len()
    } else if p[i] == '*' && p.get(i + 1) == Some(&'*') {
        // `**/` also matches zero directories.
        let mut next = i + 2;
        if p.get(next) == Some(&'/') {
            next += 1;
        }
        (j..=s.len()).any(|k| glob_at(p, s, next, k, memo))
            || (next != i + 2 && glob_at(p, s, i + 2, j, memo))
    } else if p[i] == '*' {
        let mut k = j;
        loop {
            if glob_at(p, s, i + 1, k, memo) {
                break true;
            }
            if k == s.len() || s[k] == '/' {
                break false;
            }
            k += 1;
        }
    } else if p[i] == '?' {
        j < s.len() && s[j] != '/' && glob_at(p, s, i + 1, j + 1, memo)
    } else if p[i] == '\\' && i + 1 < p.len() {
        j < s.len() && s[j] == p[i + 1] && glob_at(p, s, i + 2, j + 1, memo)
    } else {
        j < s.len() && s[j] == p[i] && glob_at(p, s, i + 1, j + 1, memo)
    };
    memo[i][j] = Some(result);
    result
}

/// A path as a glob that matches only itself.
pub fn escape_glob(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::ReviewTarget;
    use crate::{Confidence, Fingerprint, Location};
    use std::path::PathBuf;

    fn facts(rule: &str, path: &str, fp: &str, severity: Severity) -> FindingFacts {
        FindingFacts {
            rule_id: rule.into(),
            cwe: vec![Cwe(89)],
            severity,
            path: path.into(),
            fingerprint: fp.into(),
        }
    }

    fn review(id: i64, reviewer: &str, decision: Decision, severity: Option<Severity>) -> Review {
        Review {
            id,
            project: "demo".into(),
            target: ReviewTarget::Finding {
                fingerprint: "fp1".into(),
            },
            reviewer: reviewer.into(),
            decision,
            cwe: vec![],
            severity,
            note: String::new(),
            corrected_code: None,
            created_at: 100 + id,
            scope: None,
            signature: None,
            verified: true,
        }
    }

    fn finding(rule: &str, path: &str, fp: &str, severity: Severity) -> Finding {
        Finding {
            rule_id: rule.into(),
            title: "t".into(),
            message: "m".into(),
            cwe: vec![Cwe(89)],
            severity,
            confidence: Confidence::Medium,
            location: Location {
                path: PathBuf::from(path),
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 2,
            },
            snippet: String::new(),
            fingerprint: Fingerprint(fp.into()),
            analyzer: "builtin".into(),
            trace: vec![],
            suppression: None,
            reported_by: vec![],
        }
    }

    fn plan(
        r: &Review,
        f: &FindingFacts,
        role: Role,
        scope: ScopeChoice,
        ms: &[Memory],
    ) -> MemoryPlan {
        plan_finding_review(
            &FindingReview {
                review: r,
                finding: f,
                reviewer_role: role,
                scope,
                path_glob: None,
            },
            ms,
        )
    }

    fn created(p: MemoryPlan, id: i64) -> Memory {
        let mut m = p.create.unwrap_or_else(|| panic!("no memory created"));
        m.id = id;
        m
    }

    #[test]
    fn globs() {
        assert!(glob_matches("app/*.py", "app/db.py"));
        assert!(!glob_matches("app/*.py", "app/sub/db.py"));
        assert!(glob_matches("app/**/*.py", "app/db.py"));
        assert!(glob_matches("app/**/*.py", "app/a/b/db.py"));
        assert!(glob_matches("**/test_*.py", "tests/test_x.py"));
        assert!(glob_matches("**", "a/b/c"));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "a/c"));
        assert!(glob_matches(&escape_glob("we*rd?.py"), "we*rd?.py"));
        assert!(!glob_matches(&escape_glob("we*rd?.py"), "weXXrdY.py"));
    }

    #[test]
    fn trust_is_an_exponential_moving_average() {
        let t = updated_trust(TRUST_INITIAL, true);
        assert!((t - 0.79).abs() < 1e-9, "{t}");
        let t = updated_trust(t, true);
        assert!((t - 0.853).abs() < 1e-9, "{t}");
        let t = updated_trust(TRUST_INITIAL, false);
        assert!((t - 0.49).abs() < 1e-9, "{t}");
        assert!(t < TRUST_APPLY_THRESHOLD);
    }

    #[test]
    fn a_decision_creates_then_strengthens_and_updates_trust() {
        let f = facts("py/sqli", "app/db.py", "fp1", Severity::Medium);
        let r1 = review(1, "alice", Decision::FalsePositive, None);
        let p1 = plan(&r1, &f, Role::Reviewer, ScopeChoice::Finding, &[]);
        assert!(p1.trust_updates.is_empty());
        let m = created(p1, 10);
        assert_eq!(m.implication, Implication::FalsePositive);
        assert_eq!(m.trust, TRUST_INITIAL);
        assert_eq!(m.scope.fingerprint.as_deref(), Some("fp1"));

        let r2 = review(2, "bob", Decision::FalsePositive, None);
        let p2 = plan(
            &r2,
            &f,
            Role::Reviewer,
            ScopeChoice::Finding,
            std::slice::from_ref(&m),
        );
        assert_eq!(p2.strengthen, Some(10));
        assert!(p2.create.is_none());
        assert_eq!(p2.trust_updates.len(), 1);
        assert!((p2.trust_updates[0].2 - 0.79).abs() < 1e-9);

        // A later disagreement lowers trust and records a conflict.
        let r3 = review(3, "carol", Decision::TruePositive, None);
        let p3 = plan(&r3, &f, Role::Reviewer, ScopeChoice::Finding, &[m]);
        assert!(!p3.trust_updates[0].3);
        assert!((p3.trust_updates[0].2 - 0.49).abs() < 1e-9);
        assert_eq!(p3.conflicts, vec![10]);
        assert_eq!(
            p3.create.map(|m| m.implication),
            Some(Implication::TruePositive)
        );
    }

    #[test]
    fn two_reviewer_rule_for_high_findings() {
        let f = facts("py/sqli", "app/db.py", "fp1", Severity::High);
        let r1 = review(1, "alice", Decision::FalsePositive, None);
        let mut m = created(plan(&r1, &f, Role::Reviewer, ScopeChoice::Finding, &[]), 1);
        let mut findings = vec![finding("py/sqli", "app/db.py", "fp1", Severity::High)];
        let applied = apply_memories(&mut findings, std::slice::from_ref(&m), "demo");
        assert!(findings[0].suppression.is_none());
        assert_eq!(
            applied.awaiting_second_reviewer,
            vec![("fp1".to_string(), 1)]
        );
        // The same reviewer again does not count twice.
        add_source(
            &mut m,
            &review(2, "alice", Decision::FalsePositive, None),
            Role::Reviewer,
        );
        assert!(!m.may_hide(Severity::High));
        add_source(
            &mut m,
            &review(3, "bob", Decision::FalsePositive, None),
            Role::Reviewer,
        );
        assert!(m.may_hide(Severity::Critical));
        let applied = apply_memories(&mut findings, std::slice::from_ref(&m), "demo");
        assert_eq!(applied.suppressed, 1);
        let s = findings[0].suppression.clone().unwrap_or_else(|| panic!());
        assert_eq!(s.kind, SuppressionKind::External);
        assert_eq!(s.by.as_deref(), Some("alice, bob"));

        // One admin is enough.
        let admin = created(plan(&r1, &f, Role::Admin, ScopeChoice::Finding, &[]), 2);
        assert!(admin.may_hide(Severity::Critical));
        // A medium finding needs only one reviewer.
        assert!(m.may_hide(Severity::Medium));
    }

    #[test]
    fn unverified_reviewers_never_count_toward_hiding_high_findings() {
        let f = facts("py/sqli", "app/db.py", "fp1", Severity::Critical);
        let unsigned = |id, who: &str| Review {
            verified: false,
            ..review(id, who, Decision::FalsePositive, None)
        };
        let mut m = created(
            plan(
                &unsigned(1, "a"),
                &f,
                Role::Admin,
                ScopeChoice::Finding,
                &[],
            ),
            1,
        );
        assert!(!m.admin_approved, "an unsigned admin is no admin");
        add_source(&mut m, &unsigned(2, "b"), Role::Reviewer);
        assert_eq!(m.reviewers, vec!["a".to_string(), "b".to_string()]);
        assert!(m.verified_reviewers.is_empty());
        assert!(!m.may_hide(Severity::Critical));
        assert!(m.may_hide(Severity::Medium));
        // A pending memory is never applied, whatever it claims.
        let mut p = m.clone();
        p.status = MemoryStatus::Pending;
        p.verified_reviewers = vec!["x".into(), "y".into()];
        p.admin_approved = true;
        p.trust = 1.0;
        assert!(!p.is_trusted());
        // A verified decision of the same scope confirms it.
        let mut pending = p.clone();
        pending.trust = TRUST_PENDING;
        let r = review(3, "carol", Decision::FalsePositive, None);
        let confirm = plan(
            &r,
            &f,
            Role::Reviewer,
            ScopeChoice::Finding,
            std::slice::from_ref(&pending),
        );
        assert_eq!(confirm.strengthen, Some(1));
        add_source(&mut pending, &r, Role::Reviewer);
        assert_eq!(pending.status, MemoryStatus::Active);
        assert!(pending.is_trusted());
    }

    #[test]
    fn conflicting_memories_are_not_applied() {
        let f = facts("py/sqli", "app/db.py", "fp1", Severity::Medium);
        let fp = created(
            plan(
                &review(1, "alice", Decision::FalsePositive, None),
                &f,
                Role::Reviewer,
                ScopeChoice::Rule,
                &[],
            ),
            1,
        );
        let p = plan(
            &review(2, "bob", Decision::TruePositive, None),
            &f,
            Role::Reviewer,
            ScopeChoice::RuleInFile,
            std::slice::from_ref(&fp),
        );
        assert_eq!(p.conflicts, vec![1]);
        let mut tp = created(p, 2);
        tp.conflicts_with = vec![1];
        let mut findings = vec![finding("py/sqli", "app/db.py", "fp1", Severity::Medium)];
        let applied = apply_memories(&mut findings, &[fp, tp], "demo");
        assert_eq!(applied.conflicts, vec![("fp1".to_string(), vec![1, 2])]);
        assert!(findings[0].suppression.is_none());
    }

    #[test]
    fn scopes_match_what_they_say() {
        let f = facts("py/sqli", "app/db.py", "fp1", Severity::Medium);
        let other = facts("py/sqli", "app/web.py", "fp2", Severity::Medium);
        let s = MemoryScope::for_finding(ScopeChoice::RuleInFile, "demo", &f);
        assert!(s.matches("demo", &f) && !s.matches("demo", &other));
        assert!(!s.matches("other-project", &f));
        let s = MemoryScope::for_finding(ScopeChoice::Cwe, "demo", &f);
        assert!(s.matches("demo", &other));
        assert!(!MemoryScope::default().matches("demo", &f));
        let global = MemoryScope {
            rule: Some("py/sqli".into()),
            ..MemoryScope::default()
        };
        assert!(global.matches("any", &f));
    }

    #[test]
    fn severity_memories_rerank_and_low_trust_is_ignored() {
        let f = facts("py/sqli", "app/db.py", "fp1", Severity::Medium);
        let mut m = created(
            plan(
                &review(1, "alice", Decision::TruePositive, Some(Severity::Critical)),
                &f,
                Role::Reviewer,
                ScopeChoice::Rule,
                &[],
            ),
            1,
        );
        let mut findings = vec![finding("py/sqli", "x.py", "fp9", Severity::Medium)];
        assert_eq!(
            apply_memories(&mut findings, std::slice::from_ref(&m), "demo").reranked,
            1
        );
        assert_eq!(findings[0].severity, Severity::Critical);
        m.trust = 0.3;
        let mut findings = vec![finding("py/sqli", "x.py", "fp9", Severity::Medium)];
        assert_eq!(
            apply_memories(&mut findings, &[m], "demo"),
            Applied::default()
        );
    }
}
