//! A local GGUF model through llama.cpp (`llama-cpp-2`), behind the feature
//! `local`: the same chat interface as a server, with no network.
//!
//! Small base models (Gemma 3 270M) do not follow chat instructions: asked
//! a question in chat turns, they repeat it. So the default prompting is
//! *completion*: the messages become a document that ends where the answer
//! starts (an opened code fence for code, `{` for JSON), and the reply is
//! that prefix plus what the model wrote, closed again. Instruction-tuned
//! models can use the Gemma chat turns instead.

use crate::error::LlmError;
use crate::types::{ChatRequest, Message, Role};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::sampling::LlamaSampler;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

/// llama.cpp's backend may be initialized once per process.
static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

fn backend() -> Result<&'static LlamaBackend, LlmError> {
    BACKEND
        .get_or_init(|| {
            LlamaBackend::init()
                .map(|mut b| {
                    b.void_logs();
                    b
                })
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlmError::Config(format!("llama.cpp: {e}")))
}

/// How messages become the model's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromptFormat {
    /// A document ending where the answer starts (base models).
    #[default]
    Completion,
    /// Gemma's `<start_of_turn>` chat turns (instruction-tuned models).
    GemmaChat,
}

/// How to run the model.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSettings {
    /// CPU threads; 1 is often faster on a busy machine (llama.cpp's
    /// threads spin while they wait for each other).
    pub threads: i32,
    /// Context window in tokens; longer prompts keep their end.
    pub context: u32,
    pub format: PromptFormat,
    /// Tokens to generate when the request does not say.
    pub max_tokens: u32,
}

impl Default for LocalSettings {
    fn default() -> Self {
        LocalSettings {
            threads: 2,
            context: 8192,
            format: PromptFormat::Completion,
            max_tokens: 512,
        }
    }
}

/// A loaded GGUF model.
pub struct LocalModel {
    path: PathBuf,
    model: LlamaModel,
    settings: LocalSettings,
    /// One generation at a time: the CPU is the limit anyway.
    busy: Mutex<()>,
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("path", &self.path)
            .field("settings", &self.settings)
            .finish()
    }
}

/// What one generation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

fn failed(path: &Path, what: &str, e: impl std::fmt::Display) -> LlmError {
    LlmError::BadResponse {
        url: path.display().to_string(),
        message: format!("{what}: {e}"),
    }
}

impl LocalModel {
    /// Load the GGUF file at `path`.
    pub fn load(path: &Path, settings: LocalSettings) -> Result<LocalModel, LlmError> {
        if !path.is_file() {
            return Err(LlmError::Config(format!(
                "{}: no such model file",
                path.display()
            )));
        }
        let backend = backend()?;
        let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
            .map_err(|e| LlmError::Config(format!("{}: cannot load: {e}", path.display())))?;
        Ok(LocalModel {
            path: path.to_path_buf(),
            model,
            settings,
            busy: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name the model goes by: its file name without `.gguf`.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "local".to_string())
    }

    /// Continue `prompt` with up to `max_tokens` tokens, stopping early at
    /// the end-of-generation token or after `stop` appears. Greedy when
    /// `temperature` is 0 or less, else seeded sampling.
    pub fn complete(
        &self,
        prompt: &str,
        max_tokens: u32,
        temperature: f32,
        seed: u32,
        stop: Option<&str>,
    ) -> Result<Completion, LlmError> {
        let _turn = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        let backend = backend()?;
        let n_ctx = self.settings.context.max(256);
        let batch_size: usize = 512;
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_batch(batch_size as u32)
            .with_n_threads(self.settings.threads.max(1))
            .with_n_threads_batch(self.settings.threads.max(1));
        let mut ctx = self
            .model
            .new_context(backend, params)
            .map_err(|e| failed(&self.path, "cannot create a context", e))?;
        let vocab = self.model.vocab();
        let mut tokens = vocab.tokenize(prompt.as_bytes(), true, true);
        // Keep the end of a prompt that does not fit: it holds the question.
        let room = (n_ctx as usize)
            .saturating_sub(max_tokens as usize + 8)
            .max(16);
        if tokens.len() > room {
            let cut = tokens.len() - room;
            let first = tokens[0];
            tokens.drain(..cut);
            tokens[0] = first;
        }
        let prompt_tokens = tokens.len();
        let mut batch = LlamaBatch::new(batch_size, 1);
        for (start, chunk) in tokens.chunks(batch_size).enumerate() {
            batch.clear();
            let base = start * batch_size;
            for (i, t) in chunk.iter().enumerate() {
                let pos = base + i;
                batch
                    .add(*t, pos as i32, &[0], pos + 1 == prompt_tokens)
                    .map_err(|e| failed(&self.path, "batch", e))?;
            }
            ctx.decode(&mut batch)
                .map_err(|e| failed(&self.path, "decode", e))?;
        }
        let mut sampler = if temperature <= 0.0 {
            LlamaSampler::greedy()
        } else {
            LlamaSampler::chain_simple([
                LlamaSampler::top_k(64),
                LlamaSampler::top_p(0.95, 1),
                LlamaSampler::temp(temperature),
                LlamaSampler::dist(seed),
            ])
        };
        let mut out: Vec<u8> = Vec::new();
        let mut position = prompt_tokens as i32;
        let mut generated = 0u64;
        while generated < u64::from(max_tokens) {
            let token = sampler.sample(&ctx, batch.n_tokens() - 1);
            sampler.accept(token);
            if vocab.is_eog(token) {
                break;
            }
            out.extend(vocab.token_to_piece(token, false, None));
            generated += 1;
            if let Some(stop) = stop
                && String::from_utf8_lossy(&out).contains(stop)
            {
                break;
            }
            batch.clear();
            batch
                .add(token, position, &[0], true)
                .map_err(|e| failed(&self.path, "batch", e))?;
            position += 1;
            ctx.decode(&mut batch)
                .map_err(|e| failed(&self.path, "decode", e))?;
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        if let Some(stop) = stop
            && let Some(at) = text.find(stop)
        {
            text.truncate(at);
        }
        Ok(Completion {
            text,
            prompt_tokens: prompt_tokens as u64,
            completion_tokens: generated,
        })
    }

    /// Answer a chat request: format it, complete it, and return the reply
    /// the way a chat server would.
    pub fn chat(
        &self,
        req: &ChatRequest,
        temperature: f32,
        seed: u64,
    ) -> Result<Completion, LlmError> {
        let max = req.max_tokens.unwrap_or(self.settings.max_tokens);
        let seed = u32::try_from(seed % u64::from(u32::MAX)).unwrap_or(0);
        match self.settings.format {
            PromptFormat::GemmaChat => {
                let prompt = gemma_chat(&req.messages);
                self.complete(&prompt, max, temperature, seed, Some("<end_of_turn>"))
            }
            PromptFormat::Completion => {
                let (prompt, prefix, stop) = completion_prompt(req);
                let mut c = self.complete(&prompt, max, temperature, seed, stop.as_deref())?;
                c.text = format!("{prefix}{}{}", c.text, stop.unwrap_or_default());
                Ok(c)
            }
        }
    }
}

/// Gemma's chat turns; Gemma has no system role, so the system message
/// opens the first user turn.
pub fn gemma_chat(messages: &[Message]) -> String {
    let mut out = String::new();
    let mut system = String::new();
    for m in messages {
        match m.role {
            Role::System => {
                system.push_str(&m.content);
                system.push_str("\n\n");
            }
            Role::User => {
                out.push_str("<start_of_turn>user\n");
                out.push_str(&std::mem::take(&mut system));
                out.push_str(&m.content);
                out.push_str("<end_of_turn>\n");
            }
            Role::Assistant => {
                out.push_str("<start_of_turn>model\n");
                out.push_str(&m.content);
                out.push_str("<end_of_turn>\n");
            }
        }
    }
    out.push_str("<start_of_turn>model\n");
    out
}

/// The messages as a document that ends where the answer starts, the
/// answer's opening (kept in the reply), and where the answer ends.
pub fn completion_prompt(req: &ChatRequest) -> (String, String, Option<String>) {
    let mut doc = String::new();
    for m in &req.messages {
        let who = match m.role {
            Role::System => "Instructions",
            Role::User => "Request",
            Role::Assistant => "Earlier answer",
        };
        doc.push_str(&format!("{who}:\n{}\n\n", m.content.trim_end()));
    }
    doc.push_str("Answer:\n");
    if req.response_format.is_some() {
        return (format!("{doc}{{"), "{".to_string(), None);
    }
    // A request for code names its fence: "(```python)".
    let all: String = req.messages.iter().map(|m| m.content.as_str()).collect();
    for tag in ["python", "cpp", "c"] {
        if all.contains(&format!("```{tag})")) || all.contains(&format!("```{tag}\n")) {
            let open = format!("```{tag}\n");
            return (format!("{doc}{open}"), open, Some("```".to_string()));
        }
    }
    (doc, String::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_prompts_open_the_answer() {
        let code = ChatRequest::new(vec![
            Message::system("Answer with one fenced code block (```python)."),
            Message::user("Task: add two numbers"),
        ]);
        let (doc, prefix, stop) = completion_prompt(&code);
        assert!(doc.ends_with("Answer:\n```python\n"), "{doc}");
        assert_eq!(prefix, "```python\n");
        assert_eq!(stop.as_deref(), Some("```"));
        let json = ChatRequest::new(vec![Message::user("Review")])
            .with_schema("critique", serde_json::json!({"type": "object"}));
        let (doc, prefix, stop) = completion_prompt(&json);
        assert!(doc.ends_with("Answer:\n{"));
        assert_eq!((prefix.as_str(), stop), ("{", None));
    }

    #[test]
    fn gemma_turns_fold_the_system_message_into_the_first_turn() {
        let text = gemma_chat(&[Message::system("Be brief."), Message::user("Hi")]);
        assert_eq!(
            text,
            "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n"
        );
    }
}
