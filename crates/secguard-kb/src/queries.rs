//! The labelled query set that measures retrieval (`eval/retrieval-queries.toml`):
//! task descriptions from public datasets, each with the CWE the dataset
//! gives it. The texts are read from the datasets where they lie; the
//! repository holds only the references and labels.

use crate::KbError;
use crate::retrieval::Retriever;
use secguard_core::Language;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

/// One task and the weakness a good guideline for it must name.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub dataset: String,
    pub id: String,
    pub language: Language,
    pub cwe: u32,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryFile {
    query: Vec<QueryRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRow {
    dataset: String,
    id: String,
    language: String,
    cwe: u32,
}

/// The query set as written in this repository.
pub const BUILTIN_QUERIES: &str = include_str!("../eval/retrieval-queries.toml");

/// Queries no setting or guideline was chosen by: how retrieval does on
/// tasks it was not tuned on.
pub const HELDOUT_QUERIES: &str = include_str!("../eval/retrieval-queries-heldout.toml");

fn bad(what: &str, message: impl Into<String>) -> KbError {
    KbError::Content {
        file: what.to_string(),
        message: message.into(),
    }
}

fn language(name: &str) -> Option<Language> {
    match name {
        "python" => Some(Language::Python),
        "c" => Some(Language::C),
        "cpp" => Some(Language::Cpp),
        _ => None,
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, KbError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad(&path.display().to_string(), format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map_err(|e| bad(&path.display().to_string(), e.to_string()))
}

/// Resolve `spec` (the TOML query file) against the datasets under
/// `data_dir` (`../shared/data`).
pub fn load_queries(spec: &str, data_dir: &Path) -> Result<Vec<Query>, KbError> {
    let file: QueryFile =
        toml::from_str(spec).map_err(|e| bad("retrieval-queries.toml", e.to_string()))?;
    // A few prompt ids occur twice in LLMSecEval; `ID#2` names the second.
    let mut llmseceval: Option<HashMap<String, Vec<String>>> = None;
    let mut cyberseceval: Option<Vec<serde_json::Value>> = None;
    let mut out = Vec::with_capacity(file.query.len());
    for (n, row) in file.query.into_iter().enumerate() {
        let at = format!("retrieval-queries.toml query {}", n + 1);
        let lang = language(&row.language)
            .ok_or_else(|| bad(&at, format!("unknown language {:?}", row.language)))?;
        let text = match row.dataset.as_str() {
            "llmseceval" => {
                if llmseceval.is_none() {
                    let path = data_dir.join("llmseceval/Dataset/LLMSecEval-Prompts_dataset.json");
                    let rows = read_json(&path)?;
                    let mut map: HashMap<String, Vec<String>> = HashMap::new();
                    for r in rows.as_array().into_iter().flatten() {
                        let id = r["Prompt ID"].as_str().unwrap_or_default().to_string();
                        let prompt = r["Manually-fixed NL Prompt"]
                            .as_str()
                            .filter(|s| !s.trim().is_empty())
                            .or_else(|| r["LLM-generated NL Prompt"].as_str())
                            .unwrap_or_default()
                            .to_string();
                        map.entry(id).or_default().push(prompt);
                    }
                    llmseceval = Some(map);
                }
                let (id, nth) = match row.id.split_once('#') {
                    Some((id, n)) => (id, n.parse::<usize>().unwrap_or(0)),
                    None => (row.id.as_str(), 1),
                };
                llmseceval
                    .as_ref()
                    .and_then(|m| m.get(id))
                    .and_then(|texts| texts.get(nth.wrapping_sub(1)))
                    .cloned()
                    .ok_or_else(|| bad(&at, format!("no LLMSecEval prompt {}", row.id)))?
                    .replace("<language>", lang.name())
            }
            "cyberseceval-instruct" => {
                if cyberseceval.is_none() {
                    let path = data_dir.join("cyberseceval/instruct.json");
                    cyberseceval = Some(read_json(&path)?.as_array().cloned().unwrap_or_default());
                }
                let index: usize = row
                    .id
                    .parse()
                    .map_err(|_| bad(&at, format!("id {:?} is not a position", row.id)))?;
                cyberseceval
                    .as_ref()
                    .and_then(|v| v.get(index))
                    .and_then(|e| e["test_case_prompt"].as_str())
                    .map(str::to_string)
                    .ok_or_else(|| bad(&at, format!("no CyberSecEval entry {index}")))?
            }
            other => return Err(bad(&at, format!("unknown dataset {other:?}"))),
        };
        out.push(Query {
            dataset: row.dataset,
            id: row.id,
            language: lang,
            cwe: row.cwe,
            text,
        });
    }
    Ok(out)
}

/// Recall@k and latency over a query set.
#[derive(Debug, Clone, Default)]
pub struct Quality {
    pub k: usize,
    /// (hits, queries) per dataset.
    pub per_dataset: BTreeMap<String, (usize, usize)>,
    /// (hits, queries) per language.
    pub per_language: BTreeMap<String, (usize, usize)>,
    pub hits: usize,
    /// Queries where a top-k guideline names the CWE or one related to it
    /// (`related`, e.g. a parent or child in MITRE's hierarchy).
    pub family_hits: usize,
    pub total: usize,
    /// Queries whose top k named no guideline with the CWE: (dataset, id,
    /// CWE, the guideline ids retrieved).
    pub misses: Vec<(String, String, u32, Vec<String>)>,
    /// Per query, sorted.
    pub latencies: Vec<Duration>,
}

impl Quality {
    pub fn recall(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.hits as f64 / self.total as f64
        }
    }

    /// Recall counting guidelines for related CWEs too.
    pub fn family_recall(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.family_hits as f64 / self.total as f64
        }
    }

    /// The latency below which `q` (0..=1) of the queries ran.
    pub fn latency_quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }
}

/// Retrieve the top `k` guidelines for each query (its text and language,
/// no CWE given) and count those where one names the query's CWE (and,
/// separately, a CWE `related` to it).
pub fn measure(
    retriever: &Retriever,
    queries: &[Query],
    k: usize,
    related: &dyn Fn(u32, u32) -> bool,
) -> Result<Quality, KbError> {
    let mut q = Quality {
        k,
        ..Quality::default()
    };
    for query in queries {
        let started = Instant::now();
        let found = retriever.guidelines(&query.text, Some(query.language), &[], k)?;
        q.latencies.push(started.elapsed());
        let hit = found.iter().any(|(g, _)| g.cwes.contains(&query.cwe));
        let family = hit
            || found
                .iter()
                .any(|(g, _)| g.cwes.iter().any(|c| related(query.cwe, *c)));
        q.family_hits += usize::from(family);
        for (key, map) in [
            (query.dataset.clone(), &mut q.per_dataset),
            (query.language.name().to_string(), &mut q.per_language),
        ] {
            let e = map.entry(key).or_default();
            e.0 += usize::from(hit);
            e.1 += 1;
        }
        q.total += 1;
        if hit {
            q.hits += 1;
        } else {
            q.misses.push((
                query.dataset.clone(),
                query.id.clone(),
                query.cwe,
                found.iter().map(|(g, _)| g.id.clone()).collect(),
            ));
        }
    }
    q.latencies.sort();
    Ok(q)
}
