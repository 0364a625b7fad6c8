//! Where the prompts' grounding comes from: the interface between the
//! agents (which ask) and the knowledge base with the reviewers' memories
//! (which answer). Plain data, so neither side depends on the other.
//! [`NoRetrieval`] keeps a prompt honest about having no context.

use crate::{Cwe, Language};
use serde::{Deserialize, Serialize};

/// What a prompt needs context for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetrievalQuery {
    /// The task or the code's purpose, in words.
    pub text: String,
    pub language: Option<Language>,
    /// Weaknesses already known to matter (from findings or a critique).
    pub cwes: Vec<Cwe>,
    /// At most this many items.
    pub limit: usize,
}

/// Where an item came from, so every prompt can cite its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A knowledge-base entry (CWE text or a guideline).
    KnowledgeBase,
    /// A memory learnt from human reviews.
    Memory,
}

/// One retrieved piece of context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextItem {
    pub source: SourceKind,
    /// A stable id to cite: `CWE-89`, `guideline:py-sql-params`, `memory:12`.
    pub id: String,
    pub title: String,
    pub text: String,
    /// Retrieval score, higher is better; for ordering only.
    pub score: f64,
}

/// A source of grounding for prompts.
pub trait RetrievalProvider: Send + Sync {
    fn retrieve(&self, query: &RetrievalQuery) -> Vec<ContextItem>;
}

/// No knowledge base yet: no context, said plainly in the prompt.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetrieval;

impl RetrievalProvider for NoRetrieval {
    fn retrieve(&self, _query: &RetrievalQuery) -> Vec<ContextItem> {
        Vec::new()
    }
}
