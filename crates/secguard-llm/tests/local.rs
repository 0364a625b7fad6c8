//! The local backend on the real Gemma 3 270M GGUF file that scripts/setup
//! assembles into .venv/models/ (feature `local`).

#![cfg(feature = "local")]

use secguard_llm::local::{LocalModel, LocalSettings};
use secguard_llm::{ChatRequest, LlmClient, LlmConfig, Message};
use std::path::PathBuf;

fn model_path() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/models/gemma-3-270m-q4_k_m.gguf");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing under CI (scripts/setup assembles it)",
        path.display()
    );
    eprintln!("skipping: {} not found; run scripts/setup", path.display());
    None
}

fn settings() -> LocalSettings {
    LocalSettings {
        // One thread: tests run in parallel, and llama.cpp's threads spin.
        threads: 1,
        context: 2048,
        ..LocalSettings::default()
    }
}

#[test]
fn generates_at_least_20_tokens_deterministically_for_a_seed() {
    let Some(path) = model_path() else {
        return;
    };
    let model = LocalModel::load(&path, settings()).unwrap_or_else(|e| panic!("{e}"));
    let prompt = "The fifty states of the United States, in alphabetical order: Alabama, Alaska,";
    let greedy = |m: &LocalModel| {
        m.complete(prompt, 24, 0.0, 0, None)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let first = greedy(&model);
    assert!(first.completion_tokens >= 20, "{first:?}");
    assert_eq!(first, greedy(&model), "greedy decoding repeats itself");
    let sampled = |seed| {
        model
            .complete(prompt, 24, 0.8, seed, None)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let a = sampled(42);
    assert!(a.completion_tokens >= 20, "{a:?}");
    assert_eq!(a, sampled(42), "the same seed gives the same text");
}

#[test]
fn the_client_serves_a_local_model_like_a_server() {
    let Some(path) = model_path() else {
        return;
    };
    let model = LocalModel::load(&path, settings()).unwrap_or_else(|e| panic!("{e}"));
    let client = LlmClient::local(LlmConfig::default(), model).unwrap_or_else(|e| panic!("{e}"));
    assert!(client.is_local());
    assert_eq!(
        client.models().unwrap_or_default(),
        ["gemma-3-270m-q4_k_m".to_string()]
    );
    let mut req = ChatRequest::new(vec![
        Message::system("Answer with the complete program in one fenced code block (```python)."),
        Message::user("Task (Python):\nadd two numbers"),
    ]);
    req.max_tokens = Some(48);
    let reply = client.chat(&req).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        reply.content.starts_with("```python\n"),
        "{}",
        reply.content
    );
    assert!(reply.usage.completion_tokens > 0);
    assert!(client.embeddings(&["x".into()]).is_err());
}
