//! A scripted OpenAI-compatible HTTP server for tests, here and in other
//! crates (feature `scripted-server`). Plain std: one thread per
//! connection, `Connection: close` after every response.

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The model the server claims to be (and lists at `/v1/models`).
pub const SCRIPTED_MODEL: &str = "scripted-model";
/// The usage every [`Reply::Chat`] reports.
pub const SCRIPTED_PROMPT_TOKENS: u64 = 10;
pub const SCRIPTED_COMPLETION_TOKENS: u64 = 5;

/// The largest request body the server reads.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What the server answers to one chat or embeddings request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A chat completion with this content and the scripted usage numbers.
    Chat(String),
    /// Any status, with a body and an optional `Retry-After` header.
    Status {
        code: u16,
        body: String,
        retry_after: Option<String>,
    },
    /// Wait (to trigger client timeouts), then answer.
    Delay { seconds: f64, then: Box<Reply> },
    /// A 200 with this body as is, for malformed responses.
    Raw(String),
    /// This vector for every input of an embeddings request.
    Embedding(Vec<f32>),
}

impl Reply {
    pub fn status(code: u16, body: impl Into<String>) -> Reply {
        Reply::Status {
            code,
            body: body.into(),
            retry_after: None,
        }
    }

    pub fn delay(seconds: f64, then: Reply) -> Reply {
        Reply::Delay {
            seconds,
            then: Box::new(then),
        }
    }
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Names lowercased, values as sent (the Authorization value included,
    /// so tests can check how the key is sent).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    /// The first header with this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The content of the last message of a chat request, for handlers that
    /// answer by prompt.
    pub fn last_message(&self) -> String {
        self.json()
            .get("messages")
            .and_then(Value::as_array)
            .and_then(|m| m.last())
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
}

type Handler = Box<dyn Fn(&Request) -> Reply + Send + Sync>;

struct State {
    script: Mutex<VecDeque<Reply>>,
    handler: Option<Handler>,
    requests: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    stop: AtomicBool,
}

/// A local server that answers with scripted replies, in order, or with
/// what a handler chooses. Stops when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl ScriptedServer {
    /// Answers chat and embeddings requests with `replies` in order; once
    /// they run out, with a 410 that says so (not retried by clients).
    pub fn start(replies: Vec<Reply>) -> ScriptedServer {
        Self::spawn(replies.into(), None)
    }

    /// Answers every chat and embeddings request with `handler(request)`.
    pub fn with_handler(
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        Self::spawn(VecDeque::new(), Some(Box::new(handler)))
    }

    fn spawn(script: VecDeque<Reply>, handler: Option<Handler>) -> ScriptedServer {
        let listener = match TcpListener::bind("127.0.0.1:0") {
            Ok(l) => l,
            Err(e) => panic!("scripted server: cannot bind 127.0.0.1:0: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => panic!("scripted server: no local address: {e}"),
        };
        let state = Arc::new(State {
            script: Mutex::new(script),
            handler,
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let accept_state = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_state.stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let state = Arc::clone(&accept_state);
                    std::thread::spawn(move || serve(stream, &state));
                }
            }
        });
        ScriptedServer { addr, state }
    }

    /// `http://127.0.0.1:PORT/v1`
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state.requests).clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.state.requests).len()
    }

    /// The most requests that were being handled at the same time.
    pub fn max_concurrent(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Scripted replies not yet used.
    pub fn replies_left(&self) -> usize {
        lock(&self.state.script).len()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn serve(stream: TcpStream, state: &State) {
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    if state.stop.load(Ordering::SeqCst) {
        return;
    }
    lock(&state.requests).push(request.clone());
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = choose(&request, state);
    let (status, headers, body) = render(reply, &request);
    // Before writing, so a client that got its answer and sends the next
    // request never sees this one still counted.
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let mut out = write_half;
    // The client may have given up (timeout tests): nothing to do then.
    let _ = out.write_all(response.as_bytes());
    let _ = out.flush();
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn choose(request: &Request, state: &State) -> Reply {
    if request.method == "GET" && request.path.ends_with("/models") {
        return Reply::Raw(
            json!({
                "object": "list",
                "data": [{"id": SCRIPTED_MODEL, "object": "model", "owned_by": "secguard"}],
            })
            .to_string(),
        );
    }
    if !(request.path.ends_with("/chat/completions") || request.path.ends_with("/embeddings")) {
        return Reply::status(
            404,
            json!({"error": {"message": "no such endpoint"}}).to_string(),
        );
    }
    if let Some(handler) = &state.handler {
        return handler(request);
    }
    lock(&state.script).pop_front().unwrap_or_else(|| {
        Reply::status(
            410,
            json!({"error": {"message": "scripted server: no scripted reply left"}}).to_string(),
        )
    })
}

/// Status, extra headers and body for a reply.
fn render(reply: Reply, request: &Request) -> (u16, Vec<(String, String)>, String) {
    match reply {
        Reply::Chat(content) => {
            let body = json!({
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": 0,
                "model": SCRIPTED_MODEL,
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }],
                "usage": {
                    "prompt_tokens": SCRIPTED_PROMPT_TOKENS,
                    "completion_tokens": SCRIPTED_COMPLETION_TOKENS,
                    "total_tokens": SCRIPTED_PROMPT_TOKENS + SCRIPTED_COMPLETION_TOKENS,
                },
            });
            (200, Vec::new(), body.to_string())
        }
        Reply::Status {
            code,
            body,
            retry_after,
        } => {
            let headers = retry_after
                .map(|v| vec![("Retry-After".to_string(), v)])
                .unwrap_or_default();
            (code, headers, body)
        }
        Reply::Delay { seconds, then } => {
            if seconds.is_finite() && seconds > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(seconds));
            }
            render(*then, request)
        }
        Reply::Raw(body) => (200, Vec::new(), body),
        Reply::Embedding(vector) => {
            let inputs = match request.json().get("input") {
                Some(Value::Array(items)) => items.len(),
                _ => 1,
            };
            let data: Vec<Value> = (0..inputs)
                .map(|i| json!({"object": "embedding", "index": i, "embedding": vector}))
                .collect();
            let body = json!({
                "object": "list",
                "data": data,
                "model": SCRIPTED_MODEL,
                "usage": {"prompt_tokens": inputs, "total_tokens": inputs},
            });
            (200, Vec::new(), body.to_string())
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
