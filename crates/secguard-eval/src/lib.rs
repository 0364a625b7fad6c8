//! secguard's evaluation harness: dataset loaders (`dataset`), metrics with
//! confidence intervals (`metrics`), scoring against ground truth
//! (`score`), and reports (`report`).

pub mod dataset;
pub mod metrics;
pub mod model;
pub mod report;
pub mod score;

pub use model::{EvalSample, HumanLabel};

/// Why an evaluation input could not be used. Every variant names the file
/// and, where there is one, the line or record and the field.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A malformed record: `at` is `line 12`, `record 3`, `row 7`...
    #[error("{path}: {at}: {message}")]
    Malformed {
        path: String,
        at: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}
