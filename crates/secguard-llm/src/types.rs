//! Requests, responses and accounting, independent of any wire format.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A JSON schema the reply must follow (OpenAI "structured outputs").
/// Servers that lack the feature are detected and asked again without it,
/// so callers must still validate what comes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchema {
    /// A short identifier (`[a-zA-Z0-9_-]`), e.g. `critique`.
    pub name: String,
    pub schema: Value,
}

/// One chat completion to ask for. Model, seed and the defaults for
/// temperature and max_tokens come from the client's configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub response_format: Option<JsonSchema>,
    /// Overrides the configured temperature for this request.
    pub temperature: Option<f32>,
    /// Overrides the configured max_tokens for this request.
    pub max_tokens: Option<u32>,
    /// Overrides the configured seed (several samples of one prompt).
    pub seed: Option<u64>,
}

impl ChatRequest {
    pub fn new(messages: Vec<Message>) -> Self {
        ChatRequest {
            messages,
            ..ChatRequest::default()
        }
    }

    pub fn with_schema(mut self, name: impl Into<String>, schema: Value) -> Self {
        self.response_format = Some(JsonSchema {
            name: name.into(),
            schema,
        });
        self
    }

    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }
}

/// What one call cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallUsage {
    /// As the server reported them. For a cache hit, what the original call
    /// used (nothing was spent this time: see [`RunUsage`]).
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// HTTP requests made, retries included; 0 for a cache hit.
    pub http_requests: u32,
    pub retries: u32,
    /// Wall time of the call, back-off waits included.
    pub elapsed: Duration,
}

impl CallUsage {
    /// The sum of two calls, e.g. a reply and its re-ask.
    pub fn plus(&self, other: &CallUsage) -> CallUsage {
        CallUsage {
            prompt_tokens: self.prompt_tokens + other.prompt_tokens,
            completion_tokens: self.completion_tokens + other.completion_tokens,
            http_requests: self.http_requests + other.http_requests,
            retries: self.retries + other.retries,
            elapsed: self.elapsed + other.elapsed,
        }
    }
}

/// A model's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub content: String,
    pub usage: CallUsage,
    /// Served from the response cache, without any HTTP request.
    pub cached: bool,
    /// The model that answered, as the server named it.
    pub model: String,
}

/// What a client (and all its clones) spent so far. Only what was actually
/// spent counts: cache hits add to `calls` and `cached_calls`, not to tokens,
/// cost or model time.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RunUsage {
    /// Chat calls that returned a response, cache hits included.
    pub calls: u64,
    pub cached_calls: u64,
    /// Chat calls that failed.
    pub failed_calls: u64,
    /// Every HTTP request (chat, embeddings, models), retries included.
    pub http_requests: u64,
    pub retries: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// When at least one price is configured (a missing price counts as 0).
    pub cost: Option<f64>,
    /// Total wall time of the calls that went to the server.
    pub model_time: Duration,
}
