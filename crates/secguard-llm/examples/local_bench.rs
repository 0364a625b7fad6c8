//! The local backend's speed on this machine: load time, prompt and
//! generation tokens per second (feature `local`).
//!
//! cargo run --release -p secguard-llm --features local --example local_bench -- \
//!     .venv/models/gemma-3-270m-q4_k_m.gguf [THREADS]

use secguard_llm::local::{LocalModel, LocalSettings};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| ".venv/models/gemma-3-270m-q4_k_m.gguf".into()),
    );
    let threads: i32 = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let settings = LocalSettings {
        threads,
        ..LocalSettings::default()
    };
    let started = Instant::now();
    let model = match LocalModel::load(&path, settings) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let load = started.elapsed().as_secs_f64();
    // A prompt of a few hundred tokens, like a critique of a short file.
    let prompt =
        "def handler(request):\n    name = request.args.get('name')\n    return name\n".repeat(20);
    let run = |max: u32| match model.complete(&prompt, max, 0.0, 0, None) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    // Prompt alone (one token generated), then prompt and 128 tokens.
    let t = Instant::now();
    let p = run(1);
    let prompt_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let g = run(128);
    let total = t.elapsed().as_secs_f64();
    let gen_secs = (total - prompt_secs).max(f64::EPSILON);
    println!("model: {} ({threads} thread(s))", path.display());
    println!("load: {load:.2} s");
    println!(
        "prompt: {} tokens in {prompt_secs:.2} s = {:.0} tokens/s",
        p.prompt_tokens,
        p.prompt_tokens as f64 / prompt_secs
    );
    println!(
        "generation: {} tokens in {gen_secs:.2} s = {:.1} tokens/s",
        g.completion_tokens,
        g.completion_tokens.saturating_sub(1) as f64 / gen_secs
    );
}
