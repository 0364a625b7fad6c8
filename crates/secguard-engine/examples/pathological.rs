//! Time and peak memory of the engine on each pathological input (the set
//! the `peak_memory` test checks), one line per input; the figures in
//! docs/benchmarks.md come from
//! `cargo run --release -p secguard-engine --example pathological [NAME...]`.

#[path = "../tests/support/measure.rs"]
mod measure;
#[path = "../tests/support/pathological.rs"]
mod pathological;

use secguard_engine::Engine;
use std::path::Path;

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let engine = match Engine::builtin() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("embedded rules do not load: {e}");
            std::process::exit(2);
        }
    };
    println!("| input | bytes | time (s) | peak heap (MiB) | peak RSS (MiB) | findings | notes |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for input in pathological::all() {
        if !only.is_empty() && !only.iter().any(|o| input.name.contains(o.as_str())) {
            continue;
        }
        let started = std::time::Instant::now();
        let ((findings, notes), heap, rss) = measure::peak_of(|| {
            let r = engine.scan_source(Path::new(input.name), input.language, &input.source);
            let notes: Vec<String> = r.notes.into_iter().map(|n| n.message).collect();
            (r.findings.len(), notes)
        });
        println!(
            "| {} | {} | {:.2} | {:.1} | {:.1} | {} | {} |",
            input.name,
            input.source.len(),
            started.elapsed().as_secs_f64(),
            measure::mib(heap),
            measure::mib(rss),
            findings,
            notes.join("; ")
        );
    }
}
