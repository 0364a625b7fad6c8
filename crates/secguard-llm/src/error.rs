//! What can go wrong when talking to a model server.

/// Why an LLM call failed. Every variant names the endpoint or the step
/// that failed; none ever contains the API key (messages from servers are
/// scrubbed of it before they are stored here).
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The configuration cannot work (bad base URL, zero concurrency...).
    #[error("invalid LLM configuration: {0}")]
    Config(String),
    /// The server answered with a non-success status: at once for a 4xx
    /// other than 408/429, or after the retries ran out.
    #[error("{url}: HTTP {status} after {attempts} attempt(s): {message}")]
    Status {
        url: String,
        status: u16,
        /// The server's own error message (or the start of its body).
        message: String,
        attempts: u32,
    },
    /// The request never got an answer (connection refused, timeout, TLS...).
    #[error("{url}: {message} (after {attempts} attempt(s))")]
    Transport {
        url: String,
        message: String,
        attempts: u32,
    },
    /// The server answered 2xx, but not in the OpenAI wire format.
    #[error("{url}: unexpected response: {message}")]
    BadResponse { url: String, message: String },
    /// The model answered twice, and neither answer was usable JSON that
    /// passed validation.
    #[error("the model's reply was unusable: {first}; after a re-ask: {second}")]
    BadReply { first: String, second: String },
}

impl LlmError {
    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            LlmError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}
