//! A small mutation generator that hunts for inputs on which the engine is
//! slow or memory-hungry: it takes C, C++ and Python seed files, mutates
//! them at the token level (splice from another seed, duplicate a run,
//! nest a run in brackets or blocks, delete a run), scans every mutant and
//! reports the slowest and the hungriest, writing those over the limits to
//! a folder.
//!
//! ```text
//! cargo run --release -p secguard-engine --example mutate -- \
//!     [--count N] [--seed S] [--out DIR] [--slow-ms MS] SEED_DIR_OR_FILE...
//! cargo run --release -p secguard-engine --example mutate -- --replay FILE...
//! ```
//!
//! Mutants are scanned under the default budgets unless `--no-time-budget`
//! is given, which shows what the time budget is hiding.

#[path = "../tests/support/measure.rs"]
mod measure;

use secguard_core::Language;
use secguard_engine::Engine;
use secguard_engine::budget::Limits;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

/// xorshift64*: deterministic, so a seed reproduces a campaign.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Split into tokens: identifier/number runs, whitespace runs, and single
/// punctuation characters, so mutations keep tokens whole.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<u8> = None;
    for (i, c) in text.char_indices() {
        let class = if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        };
        if let Some(p) = prev
            && (p != class || class == 2)
        {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(class);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

const OPEN_CLOSE: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("{", "}"),
    ("if (x) {", "}"),
    ("while (x) {", "}"),
    ("--", ""),
    ("-", ""),
    ("!", ""),
    ("*", ""),
    ("&", ""),
    ("if x:\n ", "\n"),
    ("f(", ", x)"),
];

fn mutate(rng: &mut Rng, seeds: &[(PathBuf, Language, String)], base: &str) -> String {
    let toks = tokens(base);
    if toks.is_empty() {
        return base.to_string();
    }
    let a = rng.below(toks.len());
    let b = (a + 1 + rng.below(16)).min(toks.len());
    let run: String = toks[a..b].concat();
    let head: String = toks[..a].concat();
    let tail: String = toks[b..].concat();
    match rng.below(4) {
        0 => {
            let (_, _, other) = &seeds[rng.below(seeds.len())];
            let ot = tokens(other);
            let x = rng.below(ot.len().max(1));
            let y = (x + 1 + rng.below(64)).min(ot.len());
            format!("{head}{}{tail}", ot.get(x..y).unwrap_or(&[]).concat())
        }
        1 => format!("{head}{}{tail}", run.repeat(2 + rng.below(30))),
        2 => {
            let (o, c) = OPEN_CLOSE[rng.below(OPEN_CLOSE.len())];
            let depth = 1 + rng.below(40);
            format!("{head}{}{run}{}{tail}", o.repeat(depth), c.repeat(depth))
        }
        _ => format!("{head}{tail}"),
    }
}

fn collect(path: &Path, out: &mut Vec<(PathBuf, Language, String)>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            collect(&p, out);
        }
        return;
    }
    let lang = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Language::from_extension);
    if let (Some(lang), Ok(bytes)) = (lang, std::fs::read(path)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        out.push((path.to_path_buf(), lang, text));
    }
}

struct Run {
    elapsed: Duration,
    heap: usize,
    rss: usize,
    notes: Vec<String>,
}

fn scan(engine: &Engine, lang: Language, text: &str) -> Run {
    let started = Instant::now();
    let (notes, heap, rss) = measure::peak_of(|| {
        let r = engine.scan_source(Path::new("mutant"), lang, text);
        r.notes
            .into_iter()
            .filter(|n| n.kind == secguard_core::NoteKind::BudgetExceeded)
            .map(|n| n.message)
            .collect::<Vec<_>>()
    });
    Run {
        elapsed: started.elapsed(),
        heap,
        rss,
        notes,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut count, mut seed, mut slow_ms) = (1000usize, 1u64, 1000u128);
    let (mut out_dir, mut replay, mut no_time) = (None::<PathBuf>, false, false);
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--count" => count = args.next().and_then(|v| v.parse().ok()).unwrap_or(count),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            "--slow-ms" => slow_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or(slow_ms),
            "--out" => out_dir = args.next().map(PathBuf::from),
            "--replay" => replay = true,
            "--no-time-budget" => no_time = true,
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    let mut limits = Limits::default();
    if no_time {
        limits.max_time = Duration::from_secs(3600);
    }
    let engine = match Engine::builtin() {
        Ok(e) => e.with_limits(limits),
        Err(e) => {
            eprintln!("embedded rules do not load: {e}");
            std::process::exit(2);
        }
    };
    let mut seeds = Vec::new();
    for p in &inputs {
        collect(p, &mut seeds);
    }
    if seeds.is_empty() {
        eprintln!("no C, C++ or Python files given");
        std::process::exit(2);
    }
    if replay {
        for (path, lang, text) in &seeds {
            let r = scan(&engine, *lang, text);
            println!(
                "{}: {} bytes, {:.2} s, heap {:.1} MiB, rss {:.1} MiB {:?}",
                path.display(),
                text.len(),
                r.elapsed.as_secs_f64(),
                measure::mib(r.heap),
                measure::mib(r.rss),
                r.notes
            );
        }
        return;
    }
    let mut rng = Rng(seed.max(1));
    let mut worst: Vec<(Duration, usize, String, Language, String)> = Vec::new();
    for i in 0..count {
        let (_, lang, base) = &seeds[rng.below(seeds.len())];
        let mut text = base.clone();
        for _ in 0..1 + rng.below(4) {
            text = mutate(&mut rng, &seeds, &text);
        }
        if text.len() > 1024 * 1024 {
            continue;
        }
        let r = scan(&engine, *lang, &text);
        let ext = match lang {
            Language::Python => "py",
            Language::C => "c",
            Language::Cpp => "cpp",
        };
        let name = format!("mutant-{seed}-{i}.{ext}");
        worst.push((
            r.elapsed,
            r.heap.max(r.rss),
            name.clone(),
            *lang,
            r.notes.join("; "),
        ));
        if (r.elapsed.as_millis() >= slow_ms || r.heap.max(r.rss) > 256 << 20)
            && let Some(dir) = &out_dir
        {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(&name), &text);
        }
        worst.sort_by_key(|w| std::cmp::Reverse(w.0));
        worst.truncate(10);
    }
    println!("{count} mutants (seed {seed}); slowest:");
    for (t, mem, name, _, notes) in &worst {
        println!(
            "  {:.3} s  {:.1} MiB  {name}  {notes}",
            t.as_secs_f64(),
            measure::mib(*mem)
        );
    }
}
