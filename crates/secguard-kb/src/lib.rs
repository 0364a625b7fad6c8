//! secguard's knowledge base: CWE entries and secure-coding guidelines
//! written for secguard and embedded in the binary (`content`), MITRE's
//! CWE catalogue when the user imports it (`catalogue`), and retrieval over
//! both sources of grounding, the knowledge base and the reviewers'
//! memories (`retrieval`).

pub mod catalogue;
pub mod content;
pub mod queries;
pub mod retrieval;

pub use content::{CweEntry, Guideline, KnowledgeBase, LanguageNotes};

/// Why the knowledge base could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KbError {
    /// A knowledge-base file is malformed (a mistake in this build).
    #[error("knowledge base {file}: {message}")]
    Content { file: String, message: String },
    #[error("{0}")]
    Store(String),
}
