//! Parses a whole CWE catalogue and prints what it holds and how long it took.
//!
//! ```text
//! cargo build --release -p secguard-kb --example import_bench
//! /usr/bin/time -v ./target/release/examples/import_bench cwec_v4.14.xml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use secguard_kb::catalogue::{DEVELOPMENT_VIEW, RESEARCH_VIEW, read_catalogue};

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: import_bench <cwec_vX.Y.xml>");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let catalogue = match read_catalogue(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let parsed = start.elapsed();
    let pairs = catalogue.child_parent_pairs(RESEARCH_VIEW);
    let dev_pairs = catalogue.child_parent_pairs(DEVELOPMENT_VIEW);
    let total = start.elapsed();

    let deprecated = catalogue
        .weaknesses
        .iter()
        .filter(|w| w.status.as_deref() == Some("Deprecated"))
        .count();
    let relations: usize = catalogue.weaknesses.iter().map(|w| w.relations.len()).sum();
    let mitigations: usize = catalogue
        .weaknesses
        .iter()
        .map(|w| w.mitigations.len())
        .sum();
    println!(
        "catalogue {} {} ({})",
        catalogue.name, catalogue.version, catalogue.date
    );
    println!(
        "weaknesses: {} ({deprecated} deprecated)",
        catalogue.weaknesses.len()
    );
    println!("categories: {}", catalogue.categories.len());
    println!("views: {}", catalogue.views.len());
    println!("relations: {relations}");
    println!("mitigations: {mitigations}");
    println!(
        "child/parent pairs in view {RESEARCH_VIEW}: {}",
        pairs.len()
    );
    println!(
        "child/parent pairs in view {DEVELOPMENT_VIEW}: {}",
        dev_pairs.len()
    );
    println!("read + parse: {:.3} s", parsed.as_secs_f64());
    println!("total: {:.3} s", total.as_secs_f64());
    ExitCode::SUCCESS
}
