//! Retrieval quality and speed on the labelled query set:
//! `cargo run --release -p secguard-kb --example retrieval_eval [-- DATA_DIR [--misses] [--heldout | --queries FILE]]`
//! (DATA_DIR defaults to ../shared/data; the queries to the labelled set,
//! `--heldout` takes the held-out one). With `SECGUARD_EMBEDDING_MODEL` and
//! `OPENAI_BASE_URL` set, ranking is hybrid as in `secguard`. Figures:
//! docs/benchmarks.md.

use secguard_kb::KnowledgeBase;
use secguard_kb::queries::{BUILTIN_QUERIES, HELDOUT_QUERIES, load_queries, measure};
use secguard_kb::retrieval::{RetrievalSettings, Retriever};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let queries_file = args
        .iter()
        .position(|a| a == "--queries")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let data = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--queries"))
        .map(|(_, a)| PathBuf::from(a))
        .unwrap_or_else(|| PathBuf::from("../shared/data"));
    let show_misses = args.iter().any(|a| a == "--misses");
    let run = || -> Result<(), secguard_kb::KbError> {
        let started = Instant::now();
        let kb = KnowledgeBase::builtin()?;
        let loaded = started.elapsed();
        let mut retriever = Retriever::new(kb, &[], None, RetrievalSettings::default())?;
        // Hybrid ranking, as `secguard` does it, when an embeddings model is
        // configured (OPENAI_BASE_URL, SECGUARD_EMBEDDING_MODEL).
        let lookup = |k: &str| std::env::var(k).ok();
        let config = secguard_llm::LlmConfig::from_env(&lookup);
        if let Some(model) = config.embedding_model.clone() {
            let client = secguard_llm::LlmClient::new(config)
                .map_err(|e| secguard_kb::KbError::Store(format!("LLM configuration: {e}")))?;
            retriever = retriever.with_dense(client, None)?;
            println!("dense ranking: {model}, fused with BM25 by reciprocal rank");
        }
        let indexed = started.elapsed();
        let spec = match &queries_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| secguard_kb::KbError::Store(format!("{path}: {e}")))?,
            None if args.iter().any(|a| a == "--heldout") => HELDOUT_QUERIES.to_string(),
            None => BUILTIN_QUERIES.to_string(),
        };
        let queries = load_queries(&spec, &data)?;
        // One step up or down MITRE's research view counts as the family.
        let catalogue =
            secguard_kb::catalogue::read_catalogue(&data.join("cwe/cwec_v4.14.xml")).ok();
        let pairs: std::collections::HashSet<(u32, u32)> = catalogue
            .map(|c| c.child_parent_pairs(secguard_kb::catalogue::RESEARCH_VIEW))
            .unwrap_or_default()
            .into_iter()
            .collect();
        let related = |a: u32, b: u32| pairs.contains(&(a, b)) || pairs.contains(&(b, a));
        let quality = measure(&retriever, &queries, 5, &related)?;
        println!(
            "knowledge base: {} CWE entries, {} guidelines; read in {:.1} ms, indexed in {:.1} ms",
            kb.cwes.len(),
            kb.guidelines.len(),
            loaded.as_secs_f64() * 1e3,
            (indexed - loaded).as_secs_f64() * 1e3
        );
        println!("| query set | queries | recall@5 |");
        println!("| --- | --- | --- |");
        for (name, (hits, total)) in quality.per_dataset.iter().chain(&quality.per_language) {
            println!(
                "| {name} | {total} | {:.3} |",
                *hits as f64 / (*total).max(1) as f64
            );
        }
        println!("| all | {} | {:.3} |", quality.total, quality.recall());
        println!(
            "recall@5 counting a parent or child CWE (MITRE research view): {:.3}",
            quality.family_recall()
        );
        println!(
            "latency per query: median {:.3} ms, p95 {:.3} ms, max {:.3} ms",
            quality.latency_quantile(0.5).as_secs_f64() * 1e3,
            quality.latency_quantile(0.95).as_secs_f64() * 1e3,
            quality.latency_quantile(1.0).as_secs_f64() * 1e3
        );
        if show_misses {
            for (dataset, id, cwe, got) in &quality.misses {
                println!("miss {dataset} {id} CWE-{cwe}: {}", got.join(", "));
            }
        }
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
