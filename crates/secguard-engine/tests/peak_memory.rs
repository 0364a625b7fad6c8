//! Peak memory per file stays under 256 MiB on any input up to the size
//! limit. Its own test binary, so no other test's allocations are counted.

#[path = "support/measure.rs"]
mod measure;
#[path = "support/pathological.rs"]
mod pathological;

use secguard_engine::Engine;
use std::path::Path;

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

const LIMIT: usize = 256 * 1024 * 1024;

/// One test for every input, run one after another, so the high-water mark
/// of one scan is not mixed with another's.
#[test]
fn peak_memory_per_file_stays_under_256_mib() {
    let engine = Engine::builtin().expect("embedded rules load");
    let mut over = Vec::new();
    for input in pathological::all() {
        assert!(
            input.source.len() <= pathological::SIZE_LIMIT,
            "{}",
            input.name
        );
        let started = std::time::Instant::now();
        let (notes, heap, rss) = measure::peak_of(|| {
            let r = engine.scan_source(Path::new(input.name), input.language, &input.source);
            r.notes.into_iter().map(|n| n.message).collect::<Vec<_>>()
        });
        eprintln!(
            "{:32} {:>8} bytes  heap {:>7.1} MiB  rss {:>7.1} MiB  {:>6.2} s  {:?}",
            input.name,
            input.source.len(),
            measure::mib(heap),
            measure::mib(rss),
            started.elapsed().as_secs_f64(),
            notes
        );
        if heap.max(rss) > LIMIT {
            over.push(format!(
                "{}: {:.0} MiB",
                input.name,
                measure::mib(heap.max(rss))
            ));
        }
    }
    assert!(over.is_empty(), "peak memory above 256 MiB: {over:?}");
}
