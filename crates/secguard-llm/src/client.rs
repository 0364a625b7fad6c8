//! The OpenAI-compatible client: the only code that knows the wire format.

use crate::backoff::{backoff, parse_retry_after};
use crate::config::{LlmConfig, redact_url, url_secrets};
use crate::error::LlmError;
use crate::extract::extract_json;
use crate::types::{CallUsage, ChatRequest, ChatResponse, JsonSchema, Message, RunUsage};
use secguard_store::Store;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

/// The most of a server's error body kept in an error message.
const MAX_ERROR_MESSAGE: usize = 500;
/// Bumped when the cache key or the cached value changes shape, so old
/// entries are simply never found.
const CACHE_VERSION: u32 = 1;

/// A blocking client for an OpenAI-compatible server. Cheap to clone:
/// clones share the concurrency limit, the accounting and what was learnt
/// about the server.
#[derive(Clone)]
pub struct LlmClient {
    shared: Arc<Shared>,
    cache: Option<Arc<dyn Store>>,
    /// A second account of what this clone (and its own clones) spent, for
    /// callers that run several jobs on one client (`with_meter`).
    meter: Option<Arc<Mutex<RunUsage>>>,
}

struct Shared {
    config: LlmConfig,
    agent: ureq::Agent,
    limiter: Semaphore,
    totals: Mutex<RunUsage>,
    /// Set once the server rejected `response_format`, so later calls do
    /// not pay for the rejection again.
    no_response_format: AtomicBool,
    /// A local model answers instead of a server.
    #[cfg(feature = "local")]
    local: Option<Arc<crate::local::LocalModel>>,
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("config", &self.shared.config)
            .field("cache", &self.cache.is_some())
            .finish()
    }
}

enum Method {
    Get,
    Post,
}

/// One HTTP exchange that got an answer.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        config.validate().map_err(LlmError::Config)?;
        Ok(Self::build(config, None))
    }

    /// The one place a client is assembled; `local` answers instead of a
    /// server when given (and never takes `response_format`).
    fn build(
        config: LlmConfig,
        #[cfg(feature = "local")] local: Option<crate::local::LocalModel>,
        #[cfg(not(feature = "local"))] _local: Option<std::convert::Infallible>,
    ) -> LlmClient {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("secguard/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        let limiter = Semaphore::new(config.concurrency);
        #[cfg(feature = "local")]
        let no_response_format = local.is_some();
        #[cfg(not(feature = "local"))]
        let no_response_format = false;
        LlmClient {
            shared: Arc::new(Shared {
                config,
                agent,
                limiter,
                totals: Mutex::new(RunUsage::default()),
                no_response_format: AtomicBool::new(no_response_format),
                #[cfg(feature = "local")]
                local: local.map(Arc::new),
            }),
            cache: None,
            meter: None,
        }
    }

    /// A client whose answers come from a local GGUF model, not a server.
    /// `config` supplies the sampling settings; its model name and base
    /// URL are replaced by the model's file (so cached answers of a local
    /// model never mix with a server's).
    #[cfg(feature = "local")]
    pub fn local(
        mut config: LlmConfig,
        model: crate::local::LocalModel,
    ) -> Result<LlmClient, LlmError> {
        config.model = model.name();
        config.base_url = format!("http://local.invalid/{}", model.name());
        config.api_key = None;
        config.validate().map_err(LlmError::Config)?;
        Ok(Self::build(config, Some(model)))
    }

    /// Whether a local model answers (rather than a server).
    pub fn is_local(&self) -> bool {
        #[cfg(feature = "local")]
        {
            self.shared.local.is_some()
        }
        #[cfg(not(feature = "local"))]
        {
            false
        }
    }

    /// Serve repeated requests from `store` (and remember new answers there).
    pub fn with_cache(mut self, store: Arc<dyn Store>) -> LlmClient {
        self.cache = Some(store);
        self
    }

    pub fn config(&self) -> &LlmConfig {
        &self.shared.config
    }

    /// A clone that also keeps its own account of calls and tokens, read
    /// with [`LlmClient::metered`]; it shares the concurrency limit, cache
    /// and totals with the original. For per-job figures when jobs run
    /// concurrently on one client.
    pub fn with_meter(&self) -> LlmClient {
        LlmClient {
            meter: Some(Arc::new(Mutex::new(RunUsage::default()))),
            ..self.clone()
        }
    }

    /// What this metered clone spent ([`LlmClient::usage`] without a meter).
    pub fn metered(&self) -> RunUsage {
        match &self.meter {
            Some(m) => *lock(m),
            None => self.usage(),
        }
    }

    /// Apply `update` to the totals and to this clone's meter.
    fn account(&self, update: impl Fn(&mut RunUsage)) {
        update(&mut lock(&self.shared.totals));
        if let Some(m) = &self.meter {
            update(&mut lock(m));
        }
    }

    /// What this client and its clones spent so far.
    pub fn usage(&self) -> RunUsage {
        let mut usage = *lock(&self.shared.totals);
        let config = &self.shared.config;
        if config.price_per_1k_input.is_some() || config.price_per_1k_output.is_some() {
            let input = config.price_per_1k_input.unwrap_or(0.0);
            let output = config.price_per_1k_output.unwrap_or(0.0);
            usage.cost = Some(
                usage.prompt_tokens as f64 / 1000.0 * input
                    + usage.completion_tokens as f64 / 1000.0 * output,
            );
        }
        usage
    }

    /// Whether the server turned out not to support `response_format`.
    pub fn server_lacks_response_format(&self) -> bool {
        self.shared.no_response_format.load(Ordering::Relaxed)
    }

    /// One chat completion (`POST {base}/chat/completions`), from the cache
    /// when possible.
    pub fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let key = self.cache_key(req);
        if let Some(hit) = self.cache_lookup(&key) {
            return Ok(hit);
        }
        let response = self.chat_uncached(req)?;
        self.cache_store(&key, &response);
        Ok(response)
    }

    /// A chat call whose reply must be JSON accepted by `validate`. The JSON
    /// is extracted tolerantly ([`extract_json`]); when that or `validate`
    /// fails, the model is asked once more with its reply and the error. The
    /// returned usage covers both calls. Only accepted replies are cached.
    pub fn chat_json(
        &self,
        req: &ChatRequest,
        validate: &dyn Fn(&Value) -> Result<(), String>,
    ) -> Result<(Value, ChatResponse), LlmError> {
        let check = |content: &str| -> Result<Value, String> {
            let value = extract_json(content)?;
            validate(&value).map_err(|e| format!("the JSON does not fit: {e}"))?;
            Ok(value)
        };
        let key = self.cache_key(req);
        let first = match self.cache_lookup(&key) {
            Some(hit) => hit,
            None => self.chat_uncached(req)?,
        };
        let first_error = match check(&first.content) {
            Ok(value) => {
                if !first.cached {
                    self.cache_store(&key, &first);
                }
                return Ok((value, first));
            }
            Err(e) => e,
        };
        let mut again = req.clone();
        again
            .messages
            .push(Message::assistant(first.content.clone()));
        again.messages.push(Message::user(format!(
            "Your previous reply could not be used: {first_error}\n\
             Reply again with only the corrected JSON, nothing else."
        )));
        let again_key = self.cache_key(&again);
        let second = match self.cache_lookup(&again_key) {
            Some(hit) => hit,
            None => self.chat_uncached(&again)?,
        };
        match check(&second.content) {
            Ok(value) => {
                if !second.cached {
                    self.cache_store(&again_key, &second);
                }
                let combined = ChatResponse {
                    usage: first.usage.plus(&second.usage),
                    cached: first.cached && second.cached,
                    ..second
                };
                Ok((value, combined))
            }
            Err(second_error) => Err(LlmError::BadReply {
                first: first_error,
                second: second_error,
            }),
        }
    }

    /// Embeddings for `inputs`, in order (`POST {base}/embeddings`).
    pub fn embeddings(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        if self.is_local() {
            return Err(LlmError::Config(
                "the local model backend has no embeddings endpoint".into(),
            ));
        }
        let config = &self.shared.config;
        let model = config.embedding_model.as_deref().unwrap_or(&config.model);
        let body = json!({ "model": model, "input": inputs }).to_string();
        let mut usage = CallUsage::default();
        let (url, text) = self.send(Method::Post, "/embeddings", Some(&body), &mut usage)?;
        let parsed: Value = parse_body(&url, &text)?;
        let data = parsed
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(&url, "no \"data\" array"))?;
        let mut rows: Vec<(u64, Vec<f32>)> = Vec::with_capacity(data.len());
        for (position, item) in data.iter().enumerate() {
            let index = item
                .get("index")
                .and_then(Value::as_u64)
                .unwrap_or(position as u64);
            let vector = item
                .get("embedding")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(&url, "an item has no \"embedding\" array"))?
                .iter()
                .map(|x| x.as_f64().map(|f| f as f32))
                .collect::<Option<Vec<f32>>>()
                .ok_or_else(|| bad(&url, "an embedding holds a non-number"))?;
            rows.push((index, vector));
        }
        if rows.len() != inputs.len() {
            return Err(bad(
                &url,
                &format!("{} embeddings for {} inputs", rows.len(), inputs.len()),
            ));
        }
        rows.sort_by_key(|(index, _)| *index);
        let prompt_tokens = parsed
            .pointer("/usage/prompt_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        self.account(|t| t.prompt_tokens += prompt_tokens);
        Ok(rows.into_iter().map(|(_, v)| v).collect())
    }

    /// The model ids the server offers (`GET {base}/models`).
    pub fn models(&self) -> Result<Vec<String>, LlmError> {
        if self.is_local() {
            return Ok(vec![self.shared.config.model.clone()]);
        }
        let mut usage = CallUsage::default();
        let (url, text) = self.send(Method::Get, "/models", None, &mut usage)?;
        let parsed: Value = parse_body(&url, &text)?;
        let data = parsed
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(&url, "no \"data\" array"))?;
        Ok(data
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
            .collect())
    }

    /// A chat call that skips the cache; accounts for it either way.
    fn chat_uncached(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        let mut usage = CallUsage::default();
        let result = self.chat_http(req, &mut usage);
        usage.elapsed = started.elapsed();
        let elapsed = usage.elapsed;
        self.account(|t| t.model_time += elapsed);
        match result {
            Ok(mut response) => {
                let (prompt, completion) = (
                    response.usage.prompt_tokens,
                    response.usage.completion_tokens,
                );
                self.account(|t| {
                    t.calls += 1;
                    t.prompt_tokens += prompt;
                    t.completion_tokens += completion;
                });
                response.usage = CallUsage {
                    prompt_tokens: response.usage.prompt_tokens,
                    completion_tokens: response.usage.completion_tokens,
                    ..usage
                };
                Ok(response)
            }
            Err(e) => {
                self.account(|t| t.failed_calls += 1);
                Err(e)
            }
        }
    }

    fn chat_http(
        &self,
        req: &ChatRequest,
        usage: &mut CallUsage,
    ) -> Result<ChatResponse, LlmError> {
        #[cfg(feature = "local")]
        if let Some(local) = &self.shared.local {
            let (temperature, seed, _) = self.settings(req);
            let done = local.chat(req, temperature.unwrap_or(0.0) as f32, seed.unwrap_or(0))?;
            return Ok(ChatResponse {
                content: done.text,
                usage: CallUsage {
                    prompt_tokens: done.prompt_tokens,
                    completion_tokens: done.completion_tokens,
                    ..CallUsage::default()
                },
                cached: false,
                model: local.name(),
            });
        }
        let with_format = !self.server_lacks_response_format();
        let body = self.chat_body(req, with_format).to_string();
        let sent = self.send(Method::Post, "/chat/completions", Some(&body), usage);
        let (url, text) = match sent {
            Err(e) if with_format && req.response_format.is_some() && rejects_format(&e) => {
                self.shared
                    .no_response_format
                    .store(true, Ordering::Relaxed);
                let body = self.chat_body(req, false).to_string();
                self.send(Method::Post, "/chat/completions", Some(&body), usage)?
            }
            other => other?,
        };
        let parsed = parse_body(&url, &text)?;
        let content = match parsed.pointer("/choices/0/message/content") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                let why = parsed
                    .pointer("/choices/0/message/refusal")
                    .and_then(Value::as_str)
                    .map(|r| format!("the model refused: {r}"))
                    .unwrap_or_else(|| "no choices[0].message.content string".to_string());
                return Err(bad(&url, &why));
            }
        };
        let tokens = |name: &str| {
            parsed
                .pointer(&format!("/usage/{name}"))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        Ok(ChatResponse {
            content,
            usage: CallUsage {
                prompt_tokens: tokens("prompt_tokens"),
                completion_tokens: tokens("completion_tokens"),
                ..CallUsage::default()
            },
            cached: false,
            model: parsed
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or(&self.shared.config.model)
                .to_string(),
        })
    }

    /// The effective sampling settings of a request: its own, else the configured ones.
    fn settings(&self, req: &ChatRequest) -> (Option<f64>, Option<u64>, Option<u32>) {
        let config = &self.shared.config;
        let temperature = req.temperature.or(config.temperature).map(f32_to_f64);
        (
            temperature,
            req.seed.or(config.seed),
            req.max_tokens.or(config.max_tokens),
        )
    }

    fn chat_body(&self, req: &ChatRequest, with_format: bool) -> Value {
        let (temperature, seed, max_tokens) = self.settings(req);
        let mut body = json!({
            "model": self.shared.config.model,
            "messages": req.messages,
        });
        if let Some(t) = temperature {
            body["temperature"] = json!(t);
        }
        if let Some(s) = seed {
            body["seed"] = json!(s);
        }
        if let Some(m) = max_tokens {
            body["max_tokens"] = json!(m);
        }
        if let (true, Some(format)) = (with_format, &req.response_format) {
            body["response_format"] = response_format(format);
        }
        body
    }

    /// SHA-256 of everything that shapes the answer, but not the API key.
    fn cache_key(&self, req: &ChatRequest) -> String {
        let (temperature, seed, max_tokens) = self.settings(req);
        let canonical = json!({
            "v": CACHE_VERSION,
            "base_url": self.shared.config.base(),
            "model": self.shared.config.model,
            "messages": req.messages,
            "temperature": temperature,
            "seed": seed,
            "max_tokens": max_tokens,
            "response_format": req.response_format.as_ref().map(response_format),
        });
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        let mut key = String::with_capacity(4 + 64);
        key.push_str("llm:");
        for byte in digest {
            key.push_str(&format!("{byte:02x}"));
        }
        key
    }

    /// A cached answer, accounted as a call. Failures count as misses: a
    /// broken cache only costs time.
    fn cache_lookup(&self, key: &str) -> Option<ChatResponse> {
        let started = Instant::now();
        let store = self.cache.as_ref()?;
        let text = store.cache_get(key).ok()??;
        let value: Value = serde_json::from_str(&text).ok()?;
        let content = value.get("content")?.as_str()?.to_string();
        let model = value.get("model")?.as_str()?.to_string();
        let number = |name: &str| value.get(name).and_then(Value::as_u64).unwrap_or(0);
        self.account(|t| {
            t.calls += 1;
            t.cached_calls += 1;
        });
        Some(ChatResponse {
            content,
            usage: CallUsage {
                prompt_tokens: number("prompt_tokens"),
                completion_tokens: number("completion_tokens"),
                elapsed: started.elapsed(),
                ..CallUsage::default()
            },
            cached: true,
            model,
        })
    }

    fn cache_store(&self, key: &str, response: &ChatResponse) {
        if let Some(store) = &self.cache {
            let value = json!({
                "content": response.content,
                "model": response.model,
                "prompt_tokens": response.usage.prompt_tokens,
                "completion_tokens": response.usage.completion_tokens,
            });
            // Ignored on purpose: the answer is good whether or not it was remembered.
            let _ = store.cache_put(key, &value.to_string());
        }
    }

    /// One logical request with retries; returns the URL and the 2xx body.
    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        usage: &mut CallUsage,
    ) -> Result<(String, String), LlmError> {
        let url = format!("{}{path}", self.shared.config.base());
        let max_retries = self.shared.config.max_retries;
        let mut attempts: u32 = 0;
        loop {
            let outcome = {
                let _permit = self.shared.limiter.acquire();
                self.once(&method, &url, body)
            };
            attempts += 1;
            usage.http_requests += 1;
            self.account(|t| t.http_requests += 1);
            let (retryable, retry_after, error) = match outcome {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    return Ok((redact_url(&url), answer.body));
                }
                Ok(answer) => {
                    let retryable = matches!(answer.status, 408 | 429) || answer.status >= 500;
                    let error = LlmError::Status {
                        url: redact_url(&url),
                        status: answer.status,
                        message: self.scrub(&server_message(&answer.body)),
                        attempts,
                    };
                    (retryable, answer.retry_after, error)
                }
                Err(e) => {
                    let retryable = matches!(
                        e,
                        ureq::Error::Timeout(_)
                            | ureq::Error::Io(_)
                            | ureq::Error::ConnectionFailed
                            | ureq::Error::BodyStalled
                    );
                    let error = LlmError::Transport {
                        url: redact_url(&url),
                        message: self.scrub(&e.to_string()),
                        attempts,
                    };
                    (retryable, None, error)
                }
            };
            if !retryable || attempts > max_retries {
                return Err(error);
            }
            let wait = retry_after
                .and_then(|v| parse_retry_after(&v, SystemTime::now()))
                .unwrap_or_else(|| backoff(attempts - 1));
            std::thread::sleep(wait);
            usage.retries += 1;
            self.account(|t| t.retries += 1);
        }
    }

    /// Exactly one HTTP request.
    fn once(&self, method: &Method, url: &str, body: Option<&str>) -> Result<Answer, ureq::Error> {
        let agent = &self.shared.agent;
        let auth = self
            .shared
            .config
            .api_key
            .as_ref()
            .map(|k| format!("Bearer {}", k.expose()));
        let mut response = match method {
            Method::Get => {
                let mut request = agent.get(url).header("Accept", "application/json");
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.call()?
            }
            Method::Post => {
                let mut request = agent
                    .post(url)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json");
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.send(body.unwrap_or(""))?
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()?;
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    /// `text` with the API key blanked out, in case a server echoes it.
    /// Server and transport messages may quote the key or the URL (with
    /// its password): neither may reach an error.
    fn scrub(&self, text: &str) -> String {
        let base = self.shared.config.base();
        let mut text = text.replace(base, &redact_url(base));
        for secret in url_secrets(base) {
            text = text.replace(&secret, "***");
        }
        if let Some(key) = &self.shared.config.api_key
            && !key.expose().is_empty()
        {
            text = text.replace(key.expose(), "***");
        }
        text
    }
}

/// The wire form of a JSON-schema response format.
fn response_format(format: &JsonSchema) -> Value {
    json!({
        "type": "json_schema",
        "json_schema": { "name": format.name, "schema": format.schema, "strict": true },
    })
}

/// Whether a failure is the server saying it does not support `response_format`.
fn rejects_format(error: &LlmError) -> bool {
    match error {
        LlmError::Status {
            status: 400 | 422,
            message,
            ..
        } => {
            let message = message.to_ascii_lowercase();
            message.contains("response_format") || message.contains("json_schema")
        }
        _ => false,
    }
}

/// The server's own error message: OpenAI's `{"error": {"message": ..}}`,
/// the common variants, or the start of the body.
fn server_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let found = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error"))
            .or_else(|| v.get("message"))
            .or_else(|| v.get("detail"))
    });
    let message = match found {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => body.trim().to_string(),
    };
    if message.is_empty() {
        return "(empty body)".to_string();
    }
    truncate(&message, MAX_ERROR_MESSAGE)
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

fn parse_body(url: &str, text: &str) -> Result<Value, LlmError> {
    serde_json::from_str(text).map_err(|e| {
        bad(
            url,
            &format!("not JSON ({e}): {}", truncate(text.trim(), 200)),
        )
    })
}

fn bad(url: &str, message: &str) -> LlmError {
    LlmError::BadResponse {
        url: url.to_string(),
        message: message.to_string(),
    }
}

/// `0.2f32` as `0.2`, not `0.20000000298023224`: what the user wrote.
fn f32_to_f64(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// A poisoned lock still guards consistent counters: every update is a
/// single statement.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A counting semaphore: at most `permits` HTTP requests in flight.
struct Semaphore {
    available: Mutex<usize>,
    freed: Condvar,
}

struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    fn new(permits: usize) -> Self {
        Semaphore {
            available: Mutex::new(permits),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut available = lock(&self.available);
        while *available == 0 {
            available = self
                .freed
                .wait(available)
                .unwrap_or_else(|e| e.into_inner());
        }
        *available -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *lock(&self.0.available) += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn server_messages() {
        assert_eq!(
            server_message(r#"{"error":{"message":"bad model","type":"x"}}"#),
            "bad model"
        );
        assert_eq!(server_message(r#"{"error":"nope"}"#), "nope");
        assert_eq!(server_message(r#"{"detail":"missing"}"#), "missing");
        assert_eq!(server_message("plain text\n"), "plain text");
        assert_eq!(server_message(""), "(empty body)");
        assert!(server_message(&"x".repeat(2000)).len() < 600);
    }

    #[test]
    fn cache_key_ignores_the_api_key_but_not_the_model() {
        let make = |key: &str, model: &str| {
            let config = LlmConfig {
                api_key: Some(crate::Secret::new(key)),
                model: model.to_string(),
                ..LlmConfig::default()
            };
            LlmClient::new(config).unwrap_or_else(|e| panic!("{e}"))
        };
        let req = ChatRequest::new(vec![Message::user("hi")]);
        let a = make("k1", "m").cache_key(&req);
        assert_eq!(a, make("k2", "m").cache_key(&req));
        assert_ne!(a, make("k1", "n").cache_key(&req));
        assert_ne!(
            a,
            make("k1", "m").cache_key(&req.clone().with_temperature(0.5))
        );
        assert!(!a.contains("k1"));
    }

    #[test]
    fn temperatures_stay_readable() {
        assert_eq!(f32_to_f64(0.2), 0.2);
        assert_eq!(f32_to_f64(1.0), 1.0);
    }

    #[test]
    fn bad_configs_are_refused() {
        let bad = |config: LlmConfig| LlmClient::new(config).is_err();
        assert!(bad(LlmConfig {
            base_url: "ftp://x".into(),
            ..LlmConfig::default()
        }));
        assert!(bad(LlmConfig {
            concurrency: 0,
            ..LlmConfig::default()
        }));
        assert!(bad(LlmConfig {
            timeout: Duration::ZERO,
            ..LlmConfig::default()
        }));
        assert!(bad(LlmConfig {
            model: " ".into(),
            ..LlmConfig::default()
        }));
    }
}
