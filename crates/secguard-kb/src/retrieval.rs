//! Dual-source retrieval: the knowledge base (guidelines, CWE entries) and
//! the reviewers' memories, each with its own top-k, within a token budget.
//!
//! Ranking is BM25 (SQLite FTS5, porter stemming) over each document's
//! title, precondition and text; with an embeddings endpoint, dense cosine
//! similarity is fused with BM25 by reciprocal rank. Guidelines naming a
//! CWE the caller already knows about (from findings) come first. Memories
//! are weighted by their trust, and memories below the trust threshold,
//! revoked, in conflict, or stopped by the two-reviewer rule are never
//! retrieved: a prompt shows as a decision only what scans apply.
//!
//! A memory is rendered from its structured fields, with the reviewer's
//! note quoted: it records a past judgement about specific findings, and
//! the rendering says it never waives a check.

use crate::KbError;
use crate::content::{CweEntry, Guideline, KnowledgeBase};
use secguard_core::memory::{Implication, Memory};
use secguard_core::retrieval::{ContextItem, RetrievalProvider, RetrievalQuery, SourceKind};
use secguard_core::{Language, Severity};
use secguard_llm::LlmClient;
use secguard_store::Store;
use secguard_store::search::{IndexDoc, SearchIndex, SearchQuery};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Arc;

const GUIDELINE: &str = "guideline";
const MEMORY: &str = "memory";
const CWE: &str = "cwe";
/// How many of the weaknesses a task's words point to vouch for guidelines.
const EXPANSION_CWES: usize = 3;
/// How much a guideline gains, at most, for naming a weakness the task's
/// words point to, relative to the best direct match.
const EXPANSION_WEIGHT: f64 = 0.3;
/// Reciprocal-rank fusion constant (the usual 60: ranks below ~60 barely
/// count, the top ranks of either list dominate).
const RRF_K: f64 = 60.0;
/// How deep each ranking is read before fusion.
const CANDIDATES: usize = 40;

/// Phrases that tell a model how to format its answer, not what the code
/// does; code-generation prompts are full of them, and their words would
/// match guidelines about unrelated things ("information" is exposure).
const FORMAT_PHRASES: &[&str] = &[
    "only return the code",
    "don't include any other information",
    "do not include any other information",
    "such as a preamble or suffix",
    "code for the following",
    "without any explanation",
    "no explanations",
];

/// The part of a task's text that says what the code should do.
pub fn task_words(text: &str) -> String {
    let mut t = text.to_lowercase();
    for phrase in FORMAT_PHRASES {
        t = t.replace(phrase, " ");
    }
    t
}

/// How much context a prompt gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrievalSettings {
    pub guidelines: usize,
    pub memories: usize,
    /// CWE entries for the CWEs the query names (from findings).
    pub cwe_entries: usize,
    /// Rough tokens (characters / 4) for all items together.
    pub token_budget: usize,
}

impl Default for RetrievalSettings {
    fn default() -> Self {
        RetrievalSettings {
            guidelines: 5,
            memories: 3,
            cwe_entries: 3,
            token_budget: 1600,
        }
    }
}

fn lang_name(l: Language) -> &'static str {
    match l {
        Language::Python => "python",
        Language::C => "c",
        Language::Cpp => "cpp",
    }
}

/// The languages a memory's rule is about, from the rule id's prefix
/// (`py-…`, `c-…`, `bandit/…`); none means any language.
fn memory_languages(m: &Memory) -> Vec<Language> {
    let Some(rule) = m.scope.rule.as_deref() else {
        return Vec::new();
    };
    if rule.starts_with("py-") || rule.starts_with("bandit/") {
        vec![Language::Python]
    } else if rule.starts_with("c-")
        || rule.starts_with("cppcheck/")
        || rule.starts_with("flawfinder/")
    {
        vec![Language::C, Language::Cpp]
    } else {
        Vec::new()
    }
}

fn implication_words(i: &Implication) -> String {
    match i {
        Implication::FalsePositive => "are false positives".to_string(),
        Implication::TruePositive => "are real weaknesses".to_string(),
        Implication::Severity(s) => format!("are real weaknesses of {} severity", s.name()),
    }
}

/// The memory as a prompt shows it: what reviewers decided, about which
/// findings, how much it is trusted, and their note, quoted.
pub fn memory_text(m: &Memory, kb: &KnowledgeBase) -> (String, String) {
    let mut what = Vec::new();
    if let Some(rule) = &m.scope.rule {
        what.push(format!("rule {rule}"));
    }
    if let Some(cwe) = m.scope.cwe {
        let name = kb
            .cwe(cwe.0)
            .map(|c| format!(" ({})", c.short))
            .unwrap_or_default();
        what.push(format!("CWE-{}{name}", cwe.0));
    }
    let subject = if what.is_empty() {
        "one specific finding".to_string()
    } else {
        format!("findings of {}", what.join(", "))
    };
    let place = match (&m.scope.path_glob, &m.scope.fingerprint) {
        (Some(g), _) => format!(" in files matching {g}"),
        (None, Some(_)) => " at one reviewed location".to_string(),
        _ => String::new(),
    };
    let project = m
        .scope
        .project
        .as_deref()
        .map(|p| format!(" of project {p}"))
        .unwrap_or_default();
    let title = format!(
        "Reviewers{project}: {subject}{place} {}",
        implication_words(&m.implication)
    );
    let note = m.condition.trim();
    let text = format!(
        "Human reviewers{project} decided that {subject}{place} {} (trust {:.2}, {} reviewer(s), \
         {} of them with a verified signature).{}\n\
         This records a past judgement about specific findings; it never waives a security check.",
        implication_words(&m.implication),
        m.trust,
        m.reviewers.len().max(1),
        m.verified_reviewers.len(),
        if note.is_empty() {
            String::new()
        } else {
            format!(" Their note, quoted: \"{}\"", note.replace('"', "'"))
        }
    );
    (title, text)
}

fn guideline_item(g: &Guideline, score: f64) -> ContextItem {
    ContextItem {
        source: SourceKind::KnowledgeBase,
        id: g.key(),
        title: g.title.clone(),
        text: format!(
            "Applies when {}.\n{}",
            g.precondition.trim_end_matches('.'),
            g.guideline
        ),
        score,
    }
}

fn cwe_item(c: &CweEntry, language: Option<Language>) -> ContextItem {
    let mut text = format!("{}\n", c.summary);
    if let Some(notes) = language.and_then(|l| c.notes.get(&l)) {
        text.push_str(&format!("In this language: {}\n", notes.shows_up.trim()));
    }
    text.push_str(&format!("Fix: {}", c.fix));
    ContextItem {
        source: SourceKind::KnowledgeBase,
        id: c.key(),
        title: c.name.clone(),
        text,
        score: 0.0,
    }
}

fn tokens(item: &ContextItem) -> usize {
    (item.title.len() + item.text.len() + item.id.len()).div_ceil(4)
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        dot += f64::from(*x) * f64::from(*y);
        na += f64::from(*x) * f64::from(*x);
        nb += f64::from(*y) * f64::from(*y);
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// Dense vectors for the documents, from the configured embeddings model.
struct Dense {
    client: LlmClient,
    cache: Option<Arc<dyn Store>>,
    vectors: HashMap<String, Vec<f32>>,
}

impl Dense {
    fn cache_key(&self, text: &str) -> String {
        let config = self.client.config();
        let model = config.embedding_model.as_deref().unwrap_or(&config.model);
        let digest = sha2::Sha256::digest(format!("{}\0{model}\0{text}", config.base_url));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("emb:{hex}")
    }

    /// Vectors for `texts`, from the cache where present, the rest in
    /// batches from the server.
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KbError> {
        let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        let mut missing = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let cached = self
                .cache
                .as_ref()
                .and_then(|c| c.cache_get(&self.cache_key(t)).ok().flatten())
                .and_then(|v| serde_json::from_str::<Vec<f32>>(&v).ok());
            match cached {
                Some(v) => out[i] = Some(v),
                None => missing.push(i),
            }
        }
        for batch in missing.chunks(64) {
            let inputs: Vec<String> = batch.iter().map(|&i| texts[i].clone()).collect();
            let vectors = self
                .client
                .embeddings(&inputs)
                .map_err(|e| KbError::Store(format!("embeddings: {e}")))?;
            for (&i, v) in batch.iter().zip(vectors) {
                if let Some(c) = &self.cache
                    && let Ok(json) = serde_json::to_string(&v)
                {
                    let _ = c.cache_put(&self.cache_key(&texts[i]), &json);
                }
                out[i] = Some(v);
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }
}

/// Retrieval over the knowledge base and the memories.
pub struct Retriever {
    kb: &'static KnowledgeBase,
    index: SearchIndex,
    memories: Vec<Memory>,
    settings: RetrievalSettings,
    dense: Option<Dense>,
    catalogue: Option<Arc<dyn Store>>,
}

/// What one retrieval found, per source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Retrieved {
    pub guidelines: Vec<ContextItem>,
    pub memories: Vec<ContextItem>,
    pub cwes: Vec<ContextItem>,
}

impl Retriever {
    /// Index the knowledge base and the memories that may be retrieved:
    /// live, trusted, and (with `project`) of that project or of every
    /// project; see [`Retriever::for_rules`]. Every rule's severity is
    /// taken as unknown (so as critical).
    pub fn new(
        kb: &'static KnowledgeBase,
        memories: &[Memory],
        project: Option<&str>,
        settings: RetrievalSettings,
    ) -> Result<Retriever, KbError> {
        Retriever::for_rules(kb, memories, project, settings, &|_| None)
    }

    /// [`Retriever::new`], knowing the severity of the rules a memory may
    /// be about (`severity(rule_id)`). What a prompt shows as a reviewers'
    /// decision is only what scans apply: a memory the two-reviewer rule
    /// stops on its rule's findings ([`Memory::blocked_at`]) is left out,
    /// and a memory about an unknown rule, or about no rule, is judged as
    /// if its findings were critical.
    pub fn for_rules(
        kb: &'static KnowledgeBase,
        memories: &[Memory],
        project: Option<&str>,
        settings: RetrievalSettings,
        severity: &dyn Fn(&str) -> Option<Severity>,
    ) -> Result<Retriever, KbError> {
        let index = SearchIndex::in_memory().map_err(|e| KbError::Store(e.to_string()))?;
        let mut docs: Vec<IndexDoc> = kb
            .guidelines
            .iter()
            .map(|g| IndexDoc {
                key: g.key(),
                source: GUIDELINE.into(),
                title: g.title.clone(),
                precondition: g.precondition.clone(),
                body: g.guideline.clone(),
                languages: g
                    .languages
                    .iter()
                    .map(|l| lang_name(*l).to_string())
                    .collect(),
                cwes: g.cwes.clone(),
            })
            .collect();
        for c in &kb.cwes {
            // The entry's own words, and how it shows up in each language
            // (API names such as MD5, rand or strcpy), so a task that names
            // the API finds the weakness.
            let shows_up: Vec<&str> = c.notes.values().map(|n| n.shows_up.as_str()).collect();
            docs.push(IndexDoc {
                key: c.key(),
                source: CWE.into(),
                title: format!("{} ({})", c.short, c.name),
                precondition: shows_up.join(" "),
                body: c.summary.clone(),
                languages: c
                    .languages
                    .iter()
                    .map(|l| lang_name(*l).to_string())
                    .collect(),
                cwes: vec![c.id],
            });
        }
        let usable: Vec<Memory> = memories
            .iter()
            .filter(|m| m.is_trusted() && m.conflicts_with.is_empty())
            .filter(|m| {
                let worst = m
                    .scope
                    .rule
                    .as_deref()
                    .and_then(severity)
                    .unwrap_or(Severity::Critical);
                !m.blocked_at(worst)
            })
            .filter(|m| match (project, m.scope.project.as_deref()) {
                (Some(p), Some(q)) => p == q,
                _ => true,
            })
            .cloned()
            .collect();
        for m in &usable {
            let (title, text) = memory_text(m, kb);
            docs.push(IndexDoc {
                key: format!("memory:{}", m.id),
                source: MEMORY.into(),
                title,
                precondition: m.condition.clone(),
                body: text,
                languages: memory_languages(m)
                    .into_iter()
                    .map(|l| lang_name(l).to_string())
                    .collect(),
                cwes: m.scope.cwe.map(|c| vec![c.0]).unwrap_or_default(),
            });
        }
        index
            .add(&docs)
            .map_err(|e| KbError::Store(e.to_string()))?;
        Ok(Retriever {
            kb,
            index,
            memories: usable,

            settings,
            dense: None,
            catalogue: None,
        })
    }

    /// Also rank by embeddings from `client`'s embeddings model, caching
    /// document vectors in `cache` (the review database) when given.
    pub fn with_dense(
        mut self,
        client: LlmClient,
        cache: Option<Arc<dyn Store>>,
    ) -> Result<Retriever, KbError> {
        let mut dense = Dense {
            client,
            cache,
            vectors: HashMap::new(),
        };
        let (keys, texts): (Vec<String>, Vec<String>) = self
            .kb
            .guidelines
            .iter()
            .map(|g| (g.key(), format!("{}. {}", g.title, g.precondition)))
            .chain(self.memories.iter().map(|m| {
                let (title, _) = memory_text(m, self.kb);
                (
                    format!("memory:{}", m.id),
                    format!("{title}. {}", m.condition),
                )
            }))
            .unzip();
        let vectors = dense.embed(&texts)?;
        dense.vectors = keys.into_iter().zip(vectors).collect();
        self.dense = Some(dense);
        Ok(self)
    }

    /// Describe CWEs the knowledge base lacks from MITRE's catalogue, when
    /// it has been imported into `store`.
    pub fn with_catalogue(mut self, store: Arc<dyn Store>) -> Retriever {
        self.catalogue = Some(store);
        self
    }

    pub fn settings(&self) -> RetrievalSettings {
        self.settings
    }

    /// Memories that may be retrieved.
    pub fn memories(&self) -> &[Memory] {
        &self.memories
    }

    /// Keys of `source` ranked for `text`: BM25, fused with dense
    /// similarity when available.
    fn ranked(
        &self,
        source: &str,
        text: &str,
        language: Option<Language>,
        cwes: &[u32],
    ) -> Result<Vec<(String, f64)>, KbError> {
        let lang = language.map(lang_name);
        let words = task_words(text);
        let text = words.as_str();
        let bm25 = self
            .index
            .search(&SearchQuery {
                text,
                source,
                language: lang,
                cwes,
                limit: CANDIDATES,
            })
            .map_err(|e| KbError::Store(e.to_string()))?;
        let Some(dense) = &self.dense else {
            return Ok(bm25.into_iter().map(|h| (h.key, h.score)).collect());
        };
        let query = dense.embed(&[text.to_string()])?;
        let query = query.first().map(Vec::as_slice).unwrap_or(&[]);
        let allowed = |key: &str| -> bool { self.allowed(key, language, cwes) };
        let mut by_vector: Vec<(&String, f64)> = dense
            .vectors
            .iter()
            .filter(|(k, _)| k.starts_with(source) && allowed(k))
            .map(|(k, v)| (k, cosine(query, v)))
            .collect();
        by_vector.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let mut fused: HashMap<String, f64> = HashMap::new();
        for (rank, hit) in bm25.iter().enumerate() {
            *fused.entry(hit.key.clone()).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
        }
        for (rank, (key, _)) in by_vector.iter().take(CANDIDATES).enumerate() {
            *fused.entry((*key).clone()).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
        }
        let mut out: Vec<(String, f64)> = fused.into_iter().collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The language and CWE filters, for documents found by vector.
    fn allowed(&self, key: &str, language: Option<Language>, cwes: &[u32]) -> bool {
        let (languages, doc_cwes): (Vec<Language>, Vec<u32>) = if let Some(g) = key
            .strip_prefix("guideline:")
            .and_then(|k| self.kb.guideline(k))
        {
            (g.languages.clone(), g.cwes.clone())
        } else if let Some(m) = key
            .strip_prefix("memory:")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| self.memories.iter().find(|m| m.id == id))
        {
            (
                memory_languages(m),
                m.scope.cwe.map(|c| vec![c.0]).unwrap_or_default(),
            )
        } else {
            return false;
        };
        let language_ok = match language {
            Some(l) => languages.is_empty() || languages.contains(&l),
            None => true,
        };
        let cwe_ok = cwes.is_empty() || doc_cwes.iter().any(|c| cwes.contains(c));
        language_ok && cwe_ok
    }

    /// Guidelines for `text`, best first: those naming one of `prefer`
    /// (CWEs already known to matter) first, then the rest by rank.
    pub fn guidelines(
        &self,
        text: &str,
        language: Option<Language>,
        prefer: &[u32],
        limit: usize,
    ) -> Result<Vec<(&Guideline, f64)>, KbError> {
        let mut out: Vec<(&Guideline, f64)> = Vec::new();
        let push = |ranked: Vec<(String, f64)>, out: &mut Vec<(&Guideline, f64)>| {
            for (key, score) in ranked {
                if out.len() >= limit {
                    break;
                }
                if let Some(g) = self.kb.guideline(&key)
                    && !out.iter().any(|(o, _)| o.id == g.id)
                {
                    out.push((g, score));
                }
            }
        };
        if !prefer.is_empty() {
            let mut first = self.ranked(GUIDELINE, text, language, prefer)?;
            // A finding's CWE matters even when the words do not match.
            for c in prefer {
                for g in self.kb.guidelines_for(*c) {
                    if language.is_none_or(|l| g.languages.contains(&l))
                        && !first.iter().any(|(k, _)| *k == g.key())
                    {
                        first.push((g.key(), 0.0));
                    }
                }
            }
            push(first, &mut out);
        }
        push(self.expanded(text, language)?, &mut out);
        Ok(out)
    }

    /// Guidelines ranked by their own match with `text`, plus a share for
    /// naming one of the weaknesses `text` points to (matched against the
    /// CWE entries' descriptions and how each shows up in code): a task
    /// that says "MD5" or "strcpy" reaches the guidelines about weak hashes
    /// or unbounded copies even when their wording differs.
    fn expanded(
        &self,
        text: &str,
        language: Option<Language>,
    ) -> Result<Vec<(String, f64)>, KbError> {
        let direct = self.ranked(GUIDELINE, text, language, &[])?;
        let words = task_words(text);
        let text = words.as_str();
        let pointed = self
            .index
            .search(&SearchQuery {
                text,
                source: CWE,
                language: language.map(lang_name),
                cwes: &[],
                limit: EXPANSION_CWES,
            })
            .map_err(|e| KbError::Store(e.to_string()))?;
        let top_direct = direct
            .first()
            .map_or(1.0, |(_, s)| s.abs().max(f64::EPSILON));
        let top_pointed = pointed
            .first()
            .map_or(1.0, |h| h.score.abs().max(f64::EPSILON));
        let mut scores: HashMap<String, f64> = direct
            .iter()
            .map(|(k, s)| (k.clone(), s / top_direct))
            .collect();
        for hit in &pointed {
            let Some(cwe) = hit
                .key
                .strip_prefix("CWE-")
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let share = EXPANSION_WEIGHT * hit.score / top_pointed;
            for g in self.kb.guidelines_for(cwe) {
                if language.is_none_or(|l| g.languages.contains(&l)) {
                    *scores.entry(g.key()).or_default() += share;
                }
            }
        }
        let mut out: Vec<(String, f64)> = scores.into_iter().collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Memories for `text`, best first, each score weighted by its trust;
    /// memories about one of `prefer` first.
    pub fn memories_for(
        &self,
        text: &str,
        language: Option<Language>,
        prefer: &[u32],
        limit: usize,
    ) -> Result<Vec<(&Memory, f64)>, KbError> {
        let mut scored: Vec<(&Memory, f64, bool)> = Vec::new();
        for (key, score) in self.ranked(MEMORY, text, language, &[])? {
            let Some(m) = key
                .strip_prefix("memory:")
                .and_then(|id| id.parse::<i64>().ok())
                .and_then(|id| self.memories.iter().find(|m| m.id == id))
            else {
                continue;
            };
            let preferred = m.scope.cwe.is_some_and(|c| prefer.contains(&c.0));
            scored.push((m, score * m.trust, preferred));
        }
        for m in &self.memories {
            let preferred = m.scope.cwe.is_some_and(|c| prefer.contains(&c.0));
            let language_ok = language.is_none_or(|l| {
                let langs = memory_languages(m);
                langs.is_empty() || langs.contains(&l)
            });
            if preferred && language_ok && !scored.iter().any(|(s, _, _)| s.id == m.id) {
                scored.push((m, 0.0, true));
            }
        }
        scored.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then(b.1.total_cmp(&a.1))
                .then(a.0.id.cmp(&b.0.id))
        });
        Ok(scored
            .into_iter()
            .take(limit)
            .map(|(m, s, _)| (m, s))
            .collect())
    }

    /// A CWE explained: the knowledge base's entry, or the imported
    /// catalogue's description when the knowledge base has none.
    pub fn cwe_context(&self, cwe: u32, language: Option<Language>) -> Option<ContextItem> {
        if let Some(entry) = self.kb.cwe(cwe) {
            return Some(cwe_item(entry, language));
        }
        let store = self.catalogue.as_ref()?;
        let row = store.catalogue_entry(cwe).ok().flatten()?;
        let meta = store.catalogue_meta().ok().flatten();
        let version = meta.map(|m| m.version).unwrap_or_default();
        let mut text = row.description.clone();
        if let Some(first) = row.mitigations.first() {
            text.push_str(&format!("\nMitigation: {first}"));
        }
        text.push_str(&format!("\n(From MITRE's CWE catalogue v{version}.)"));
        Some(ContextItem {
            source: SourceKind::KnowledgeBase,
            id: format!("CWE-{cwe}"),
            title: row.name,
            text,
            score: 0.0,
        })
    }

    /// Everything for one query, per source, before the budget.
    pub fn retrieve_sources(&self, query: &RetrievalQuery) -> Result<Retrieved, KbError> {
        let prefer: Vec<u32> = query.cwes.iter().map(|c| c.0).collect();
        let s = self.settings;
        let guidelines = self
            .guidelines(&query.text, query.language, &prefer, s.guidelines)?
            .into_iter()
            .map(|(g, score)| guideline_item(g, score))
            .collect();
        let memories = self
            .memories_for(&query.text, query.language, &prefer, s.memories)?
            .into_iter()
            .map(|(m, score)| {
                let (title, text) = memory_text(m, self.kb);
                ContextItem {
                    source: SourceKind::Memory,
                    id: format!("memory:{}", m.id),
                    title,
                    text,
                    score,
                }
            })
            .collect();
        let cwes = prefer
            .iter()
            .filter_map(|c| self.cwe_context(*c, query.language))
            .take(s.cwe_entries)
            .collect();
        Ok(Retrieved {
            guidelines,
            memories,
            cwes,
        })
    }
}

/// Interleave the sources by rank (a guideline, a memory, a CWE entry, the
/// next guideline, ...) and keep what fits in the budget, so that no
/// source crowds the others out.
pub fn within_budget(r: Retrieved, budget: usize, limit: usize) -> Vec<ContextItem> {
    let mut queues = [
        r.guidelines.into_iter(),
        r.memories.into_iter(),
        r.cwes.into_iter(),
    ];
    let mut out = Vec::new();
    let mut used = 0;
    loop {
        let mut any = false;
        for q in &mut queues {
            if let Some(item) = q.next() {
                any = true;
                let cost = tokens(&item);
                if used + cost <= budget && out.len() < limit {
                    used += cost;
                    out.push(item);
                }
            }
        }
        if !any {
            break;
        }
    }
    out
}

impl RetrievalProvider for Retriever {
    fn retrieve(&self, query: &RetrievalQuery) -> Vec<ContextItem> {
        let limit = if query.limit == 0 {
            usize::MAX
        } else {
            query.limit
        };
        match self.retrieve_sources(query) {
            Ok(r) => within_budget(r, self.settings.token_budget, limit),
            // Grounding is best effort: a failed lookup leaves the prompt
            // without context (which it says) rather than failing the run.
            Err(_) => Vec::new(),
        }
    }
}
