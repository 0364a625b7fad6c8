//! The data every part of the evaluation shares.

use secguard_core::{Cwe, Language};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One sample of a dataset: a prompt to generate code from, code to
/// analyze, or both.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvalSample {
    /// Unique within its dataset (`CWE-79_INI-1a`, `instruct:12`, a path).
    pub id: String,
    /// Which dataset it came from (`llmseceval`, `cyberseceval-instruct`, ...).
    pub source: String,
    pub language: Option<Language>,
    /// The task, for generation.
    pub prompt: Option<String>,
    /// The code itself, when the dataset carries it inline.
    pub code: Option<String>,
    /// Or where the code is, relative to the dataset's folder.
    pub code_path: Option<PathBuf>,
    /// The weaknesses the dataset associates with the sample.
    pub cwes: Vec<Cwe>,
    /// Human labels that came with the dataset.
    pub labels: Vec<HumanLabel>,
}

/// A person's judgement of one sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HumanLabel {
    /// The sample's id or path.
    pub sample: String,
    pub reviewer: String,
    pub vulnerable: bool,
    /// The weaknesses the reviewer named (may be empty).
    pub cwes: Vec<Cwe>,
}
