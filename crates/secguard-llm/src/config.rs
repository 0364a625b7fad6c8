//! Where the model lives and how to talk to it.

use std::fmt;
use std::time::Duration;

/// The default endpoint: OpenAI itself.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The default model when `SECGUARD_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// A credential. It is only ever sent as a header; `Debug` and `Display`
/// print `***` so it cannot leak into logs, errors or reports.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Query parameters whose values are credentials by convention.
const SECRET_QUERY_NAMES: [&str; 10] = [
    "key",
    "api_key",
    "apikey",
    "api-key",
    "token",
    "access_token",
    "auth",
    "secret",
    "password",
    "sig",
];

/// A URL cut where credentials can hide: `scheme://`, the user-info before
/// the last `@` of the authority (if any), the host and path, the query
/// (without `?`) and the fragment (with `#`). One reading serves both
/// [`redact_url`] and [`url_secrets`].
struct UrlParts<'a> {
    scheme: &'a str,
    user_info: Option<&'a str>,
    host_and_path: &'a str,
    query: Option<&'a str>,
    fragment: &'a str,
}

impl<'a> UrlParts<'a> {
    fn of(url: &'a str) -> UrlParts<'a> {
        let (scheme, rest) = match url.find("://") {
            Some(i) => url.split_at(i + 3),
            None => ("", url),
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (user_info, rest) = match rest[..authority_end].rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (rest, fragment) = match rest.find('#') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (host_and_path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        UrlParts {
            scheme,
            user_info,
            host_and_path,
            query,
            fragment,
        }
    }

    /// The query's `name=value` pairs, with whether the value is a credential.
    fn query_pairs(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> {
        self.query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .map(|pair| match pair.split_once('=') {
                Some((name, value))
                    if SECRET_QUERY_NAMES.contains(&name.to_ascii_lowercase().as_str()) =>
                {
                    (name, Some(value))
                }
                _ => (pair, None),
            })
    }
}

/// `url` as it may be shown: a password in the user-info part
/// (`https://user:pw@host/v1`) and the values of credential-like query
/// parameters (`?api_key=...`) become `***`. Everything else stays, so
/// the message still says which server failed.
pub fn redact_url(url: &str) -> String {
    let parts = UrlParts::of(url);
    let mut out = parts.scheme.to_string();
    if let Some(user_info) = parts.user_info {
        match user_info.split_once(':') {
            Some((user, _password)) => out.push_str(&format!("{user}:***@")),
            None => out.push_str("***@"),
        }
    }
    out.push_str(parts.host_and_path);
    if parts.query.is_some() {
        let pairs: Vec<String> = parts
            .query_pairs()
            .map(|(name, secret)| match secret {
                Some(_) => format!("{name}=***"),
                None => name.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out.push_str(parts.fragment);
    out
}

/// The credentials a URL carries (the user-info password, or the whole
/// user-info when it has no `:`, and credential-like query values), so
/// messages that quote them in another spelling can be scrubbed too.
pub fn url_secrets(url: &str) -> Vec<String> {
    let parts = UrlParts::of(url);
    let password = parts
        .user_info
        .map(|info| info.split_once(':').map_or(info, |(_, pw)| pw));
    password
        .into_iter()
        .chain(parts.query_pairs().filter_map(|(_, secret)| secret))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// How to reach an OpenAI-compatible server and what to ask it for.
///
/// Any server that speaks the OpenAI wire format works; point `base_url`
/// at it:
/// - OpenAI: `https://api.openai.com/v1` (the default; needs an API key)
/// - Ollama: `http://127.0.0.1:11434/v1`
/// - vLLM: `http://HOST:8000/v1`
/// - llama.cpp server: `http://127.0.0.1:8080/v1`
///
/// `Debug` shows the base URL through [`redact_url`].
#[derive(Clone, PartialEq)]
pub struct LlmConfig {
    /// Up to and including the version segment, e.g. `.../v1`; no trailing slash needed.
    pub base_url: String,
    /// Read from `OPENAI_API_KEY` only (never from a config file); local
    /// servers need none.
    pub api_key: Option<Secret>,
    pub model: String,
    /// The model for [`crate::LlmClient::embeddings`]; `model` when unset.
    pub embedding_model: Option<String>,
    pub temperature: Option<f32>,
    /// Asks the server for reproducible sampling, where it supports that.
    pub seed: Option<u64>,
    pub max_tokens: Option<u32>,
    /// For one HTTP request, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// Extra attempts after the first on 429, 5xx, timeouts and connection errors.
    pub max_retries: u32,
    /// How many HTTP requests may be in flight at once, across all clones of a client.
    pub concurrency: usize,
    /// Prices in the server's currency per 1000 tokens, for cost accounting.
    pub price_per_1k_input: Option<f64>,
    pub price_per_1k_output: Option<f64>,
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &redact_url(&self.base_url))
            .field("api_key", &self.api_key)
            .field("model", &self.model)
            .field("embedding_model", &self.embedding_model)
            .field("temperature", &self.temperature)
            .field("seed", &self.seed)
            .field("max_tokens", &self.max_tokens)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("concurrency", &self.concurrency)
            .field("price_per_1k_input", &self.price_per_1k_input)
            .field("price_per_1k_output", &self.price_per_1k_output)
            .finish()
    }
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: None,
            model: DEFAULT_MODEL.to_string(),
            embedding_model: None,
            temperature: None,
            seed: None,
            max_tokens: None,
            timeout: Duration::from_secs(120),
            max_retries: 4,
            concurrency: 8,
            price_per_1k_input: None,
            price_per_1k_output: None,
        }
    }
}

impl LlmConfig {
    /// The defaults, overridden by `OPENAI_BASE_URL`, `OPENAI_API_KEY`,
    /// `SECGUARD_MODEL` and `SECGUARD_EMBEDDING_MODEL`. Empty values count
    /// as unset. `lookup` is usually `&|k| std::env::var(k).ok()`; tests
    /// pass a map so they never depend on the real environment.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> LlmConfig {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut config = LlmConfig::default();
        if let Some(url) = get("OPENAI_BASE_URL") {
            config.base_url = url;
        }
        config.api_key = get("OPENAI_API_KEY").map(Secret::new);
        if let Some(model) = get("SECGUARD_MODEL") {
            config.model = model;
        }
        config.embedding_model = get("SECGUARD_EMBEDDING_MODEL");
        config
    }

    /// `base_url` without trailing slashes, so paths can be appended.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// Why this configuration cannot work, if it cannot.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let base = self.base();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "base URL {:?} must start with http:// or https://",
                redact_url(base)
            ));
        }
        if self.model.trim().is_empty() {
            return Err("the model name is empty (set SECGUARD_MODEL)".to_string());
        }
        if self.concurrency == 0 {
            return Err("concurrency must be at least 1".to_string());
        }
        if self.timeout.is_zero() {
            return Err("the timeout must be longer than zero".to_string());
        }
        if let Some(key) = &self.api_key
            && key.expose().chars().any(|c| c.is_control())
        {
            return Err("the API key contains control characters".to_string());
        }
        Ok(())
    }
}
