//! secguard-llm: the only crate that talks to model servers.
//!
//! [`LlmClient`] speaks the OpenAI-compatible wire format (chat with
//! optional JSON-schema replies, embeddings, model listing) to OpenAI,
//! Ollama, vLLM or a llama.cpp server. It retries transient failures with
//! jittered exponential back-off, limits concurrent requests, caches
//! answers in a [`secguard_store::Store`], and accounts for tokens, requests
//! and cost. [`extract`] pulls code and JSON out of replies tolerantly,
//! because models wrap them in prose, fences and small syntax errors.
//!
//! With the `local` feature, `local::LocalModel` runs a GGUF model in
//! process through llama.cpp and `LlmClient::local` serves it through the
//! same interface, for offline runs.
//!
//! With the `scripted-server` feature, `scripted::ScriptedServer` is a
//! local fake server for tests of this crate and of the crates above it.

mod backoff;
mod client;
mod config;
mod error;
pub mod extract;
#[cfg(feature = "local")]
pub mod local;
#[cfg(feature = "scripted-server")]
pub mod scripted;
mod types;

pub use backoff::{BACKOFF_BASE, BACKOFF_CAP, RETRY_AFTER_CAP};
pub use client::LlmClient;
pub use config::{DEFAULT_BASE_URL, DEFAULT_MODEL, LlmConfig, Secret, redact_url, url_secrets};
pub use error::LlmError;
pub use extract::{extract_code, extract_json};
pub use types::{CallUsage, ChatRequest, ChatResponse, JsonSchema, Message, Role, RunUsage};
