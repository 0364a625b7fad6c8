//! The client against a scripted server over real HTTP.

use secguard_llm::scripted::{
    Reply, SCRIPTED_COMPLETION_TOKENS, SCRIPTED_MODEL, SCRIPTED_PROMPT_TOKENS, ScriptedServer,
};
use secguard_llm::{ChatRequest, LlmClient, LlmConfig, LlmError, Message, Secret, extract_code};
use secguard_store::{SqliteStore, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn config(server: &ScriptedServer) -> LlmConfig {
    LlmConfig {
        base_url: server.base_url(),
        model: "test-model".to_string(),
        timeout: Duration::from_secs(5),
        ..LlmConfig::default()
    }
}

fn client(config: LlmConfig) -> LlmClient {
    LlmClient::new(config).unwrap_or_else(|e| panic!("{e}"))
}

fn ask(text: &str) -> ChatRequest {
    ChatRequest::new(vec![
        Message::system("You write code."),
        Message::user(text),
    ])
}

fn chat_ok(client: &LlmClient, req: &ChatRequest) -> secguard_llm::ChatResponse {
    client.chat(req).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn normal_chat() {
    let server = ScriptedServer::start(vec![Reply::Chat("hello".into())]);
    let c = client(LlmConfig {
        temperature: Some(0.2),
        seed: Some(7),
        max_tokens: Some(100),
        ..config(&server)
    });
    let r = chat_ok(&c, &ask("say hello"));
    assert_eq!(r.content, "hello");
    assert_eq!(r.model, SCRIPTED_MODEL);
    assert!(!r.cached);
    assert_eq!(r.usage.prompt_tokens, SCRIPTED_PROMPT_TOKENS);
    assert_eq!(r.usage.completion_tokens, SCRIPTED_COMPLETION_TOKENS);
    assert_eq!((r.usage.http_requests, r.usage.retries), (1, 0));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(requests[0].header("authorization"), None);
    let body = requests[0].json();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["temperature"], json!(0.2));
    assert_eq!(body["seed"], 7);
    assert_eq!(body["max_tokens"], 100);
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": "say hello"})
    );
    assert!(body.get("response_format").is_none());
}

#[test]
fn code_wrapped_in_prose() {
    let reply = "Sure! Here is a safe version:\n\n```python\nimport subprocess\nsubprocess.run([\"ls\", path], check=True)\n```\n\nThis avoids shell injection.";
    let server = ScriptedServer::start(vec![Reply::Chat(reply.into())]);
    let r = chat_ok(&client(config(&server)), &ask("list files"));
    assert_eq!(
        extract_code(&r.content, "python").as_deref(),
        Some("import subprocess\nsubprocess.run([\"ls\", path], check=True)")
    );
}

fn has_issues(v: &Value) -> Result<(), String> {
    match v.get("issues") {
        Some(Value::Array(_)) => Ok(()),
        _ => Err("\"issues\" must be an array".to_string()),
    }
}

#[test]
fn malformed_json_is_asked_again_once() {
    let server = ScriptedServer::start(vec![
        Reply::Chat("I found no problems, great code!".into()),
        Reply::Chat("```json\n{\"issues\": [],}\n```".into()),
    ]);
    let c = client(config(&server));
    let (value, r) = c
        .chat_json(
            &ask("critique").with_schema("critique", json!({"type": "object"})),
            &has_issues,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value, json!({"issues": []}));
    assert_eq!(r.usage.http_requests, 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let messages = requests[1].json()["messages"].clone();
    let messages = messages.as_array().cloned().unwrap_or_default();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["content"], "I found no problems, great code!");
    let last = requests[1].last_message();
    assert!(last.contains("no JSON object or array"), "{last}");
}

#[test]
fn invalid_json_twice_is_a_bad_reply() {
    let server = ScriptedServer::start(vec![
        Reply::Chat("{\"findings\": []}".into()),
        Reply::Chat("still no".into()),
    ]);
    let c = client(config(&server));
    let e = c.chat_json(&ask("critique"), &has_issues).err();
    match e {
        Some(LlmError::BadReply { first, second }) => {
            assert!(first.contains("\"issues\" must be an array"), "{first}");
            assert!(second.contains("no JSON"), "{second}");
        }
        other => panic!("expected BadReply, got {other:?}"),
    }
    assert!(
        server.requests()[1]
            .last_message()
            .contains("\"issues\" must be an array")
    );
    assert_eq!(server.request_count(), 2);
}

#[test]
fn rate_limit_then_success() {
    let server = ScriptedServer::start(vec![
        Reply::status(429, r#"{"error":{"message":"slow down"}}"#),
        Reply::Chat("ok".into()),
    ]);
    let r = chat_ok(&client(config(&server)), &ask("x"));
    assert_eq!(r.content, "ok");
    assert_eq!((r.usage.http_requests, r.usage.retries), (2, 1));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn unavailable_then_success() {
    let server = ScriptedServer::start(vec![
        Reply::status(503, "overloaded"),
        Reply::Chat("ok".into()),
    ]);
    let r = chat_ok(&client(config(&server)), &ask("x"));
    assert_eq!(r.content, "ok");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn retry_after_is_honoured() {
    let server = ScriptedServer::start(vec![
        Reply::Status {
            code: 429,
            body: "{}".into(),
            retry_after: Some("1".into()),
        },
        Reply::Chat("ok".into()),
    ]);
    let started = Instant::now();
    let r = chat_ok(&client(config(&server)), &ask("x"));
    assert_eq!(r.content, "ok");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn timeout_then_success() {
    let server = ScriptedServer::start(vec![
        Reply::delay(1.5, Reply::Chat("too late".into())),
        Reply::Chat("ok".into()),
    ]);
    let c = client(LlmConfig {
        timeout: Duration::from_millis(300),
        ..config(&server)
    });
    let r = chat_ok(&c, &ask("x"));
    assert_eq!(r.content, "ok");
    assert_eq!(r.usage.retries, 1);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn retries_run_out() {
    let server = ScriptedServer::start(vec![
        Reply::status(500, "boom 1"),
        Reply::status(502, "boom 2"),
        Reply::Chat("never".into()),
    ]);
    let c = client(LlmConfig {
        max_retries: 1,
        ..config(&server)
    });
    match c.chat(&ask("x")) {
        Err(LlmError::Status {
            status,
            attempts,
            message,
            ..
        }) => {
            assert_eq!((status, attempts), (502, 2));
            assert_eq!(message, "boom 2");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(c.usage().failed_calls, 1);
}

#[test]
fn bad_request_fails_at_once() {
    let server = ScriptedServer::start(vec![
        Reply::status(400, r#"{"error":{"message":"model 'nope' not found"}}"#),
        Reply::Chat("never".into()),
    ]);
    let c = client(config(&server));
    let e = c.chat(&ask("x")).err();
    let text = e.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(e.and_then(|e| e.status()), Some(400));
    assert!(
        text.contains("400") && text.contains("model 'nope' not found"),
        "{text}"
    );
    assert_eq!(server.request_count(), 1);
}

#[test]
fn response_format_rejected_is_dropped_and_remembered() {
    let server = ScriptedServer::start(vec![
        Reply::status(
            400,
            r#"{"error":{"message":"Unrecognized request argument supplied: response_format"}}"#,
        ),
        Reply::Chat("{\"issues\": []}".into()),
        Reply::Chat("{\"issues\": [1]}".into()),
    ]);
    let c = client(config(&server));
    let schema = json!({"type": "object", "properties": {"issues": {"type": "array"}}});
    let req = ask("critique").with_schema("critique", schema.clone());
    let r = chat_ok(&c, &req);
    assert_eq!(r.content, "{\"issues\": []}");
    assert!(c.server_lacks_response_format());
    let _ = chat_ok(&c, &ask("again").with_schema("critique", schema.clone()));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].json()["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "critique", "schema": schema, "strict": true}})
    );
    assert!(requests[1].json().get("response_format").is_none());
    assert!(requests[2].json().get("response_format").is_none());
}

#[test]
fn cache_serves_repeats_without_http() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("s.db")).unwrap_or_else(|e| panic!("{e}")));
    let server = ScriptedServer::start(vec![
        Reply::status(503, "once"),
        Reply::Chat("answer".into()),
        Reply::Chat("other".into()),
    ]);
    let c = client(config(&server)).with_cache(Arc::clone(&store));
    let first = chat_ok(&c, &ask("same"));
    assert!(!first.cached);
    let count = server.request_count();
    assert_eq!(count, 2);
    let second = chat_ok(&c, &ask("same"));
    assert!(second.cached);
    assert_eq!(second.content, "answer");
    assert_eq!(second.usage.http_requests, 0);
    assert_eq!(server.request_count(), count);
    // A fresh client on the same store (a later run) hits too.
    let later = client(config(&server)).with_cache(store);
    assert!(chat_ok(&later, &ask("same")).cached);
    // A different request does not.
    let third = chat_ok(&c, &ask("different"));
    assert_eq!((third.content.as_str(), third.cached), ("other", false));
    // Failures are not cached.
    let usage = c.usage();
    assert_eq!((usage.calls, usage.cached_calls), (3, 1));
}

#[test]
fn concurrency_is_limited_across_clones() {
    let server = ScriptedServer::with_handler(|_| Reply::delay(0.05, Reply::Chat("ok".into())));
    let c = client(LlmConfig {
        concurrency: 3,
        ..config(&server)
    });
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let c = c.clone();
            std::thread::spawn(move || c.chat(&ask(&format!("call {i}"))).map(|r| r.content))
        })
        .collect();
    for t in threads {
        let result = t.join().unwrap_or_else(|_| panic!("a caller panicked"));
        assert_eq!(result.unwrap_or_else(|e| panic!("{e}")), "ok");
    }
    assert_eq!(server.request_count(), 16);
    assert!(server.max_concurrent() <= 3, "{}", server.max_concurrent());
    assert!(server.max_concurrent() >= 2, "{}", server.max_concurrent());
    assert_eq!(c.usage().calls, 16);
}

#[test]
fn api_key_is_sent_as_bearer_and_never_shown() {
    const KEY: &str = "sk-test-0123456789abcdef";
    let server = ScriptedServer::start(vec![
        Reply::Chat("ok".into()),
        Reply::status(
            401,
            format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#),
        ),
    ]);
    let vars: HashMap<&str, String> = HashMap::from([
        ("OPENAI_BASE_URL", server.base_url()),
        ("OPENAI_API_KEY", KEY.to_string()),
        ("SECGUARD_MODEL", "m".to_string()),
    ]);
    let config = LlmConfig::from_env(&|k| vars.get(k).cloned());
    assert_eq!(config.api_key.as_ref().map(Secret::expose), Some(KEY));
    let c = client(config.clone());
    chat_ok(&c, &ask("x"));
    assert_eq!(
        server.requests()[0].header("Authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let e = c
        .chat(&ask("y"))
        .err()
        .unwrap_or_else(|| panic!("expected a 401"));
    for text in [
        format!("{config:?}"),
        format!("{c:?}"),
        format!("{e}"),
        format!("{e:?}"),
        format!("{}", Secret::new(KEY)),
    ] {
        assert!(!text.contains(KEY), "the key leaked into {text}");
        assert!(
            !text.contains("0123456789abcdef"),
            "the key leaked into {text}"
        );
    }
    assert!(format!("{config:?}").contains("***"));
}

#[test]
fn accounting_totals() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("s.db")).unwrap_or_else(|e| panic!("{e}")));
    let server = ScriptedServer::start(vec![
        Reply::Chat("a".into()),
        Reply::status(429, "{}"),
        Reply::Chat("b".into()),
        Reply::Embedding(vec![0.5, 0.25]),
    ]);
    let c = client(LlmConfig {
        price_per_1k_input: Some(1.0),
        price_per_1k_output: Some(2.0),
        ..config(&server)
    })
    .with_cache(store);
    chat_ok(&c, &ask("one"));
    chat_ok(&c, &ask("two"));
    let cached = chat_ok(&c, &ask("one"));
    assert!(cached.cached);
    let vectors = c
        .embeddings(&["x".to_string(), "y".to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(vectors, vec![vec![0.5, 0.25], vec![0.5, 0.25]]);
    let u = c.usage();
    assert_eq!(u.calls, 3);
    assert_eq!(u.cached_calls, 1);
    assert_eq!(u.failed_calls, 0);
    assert_eq!(u.http_requests, 4);
    assert_eq!(u.retries, 1);
    assert_eq!(u.prompt_tokens, 2 * SCRIPTED_PROMPT_TOKENS + 2);
    assert_eq!(u.completion_tokens, 2 * SCRIPTED_COMPLETION_TOKENS);
    let cost = u.cost.unwrap_or_else(|| panic!("prices are configured"));
    let want = (2 * SCRIPTED_PROMPT_TOKENS + 2) as f64 / 1000.0
        + 2.0 * (2 * SCRIPTED_COMPLETION_TOKENS) as f64 / 1000.0;
    assert!((cost - want).abs() < 1e-9, "{cost} != {want}");
    assert!(u.model_time > Duration::ZERO);
    let embeddings_request = &server.requests()[3];
    assert_eq!(embeddings_request.path, "/v1/embeddings");
    assert_eq!(embeddings_request.json()["input"], json!(["x", "y"]));
}

#[test]
fn models_are_listed() {
    let server = ScriptedServer::start(vec![]);
    let models = client(config(&server))
        .models()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(models, vec![SCRIPTED_MODEL.to_string()]);
    assert_eq!(server.requests()[0].method, "GET");
}

#[test]
fn malformed_responses_are_reported() {
    let server = ScriptedServer::start(vec![
        Reply::Raw("<html>gateway</html>".into()),
        Reply::Raw(r#"{"choices": []}"#.into()),
    ]);
    let c = client(config(&server));
    for want in ["not JSON", "choices[0].message.content"] {
        match c.chat(&ask("x")) {
            Err(e @ LlmError::BadResponse { .. }) => {
                assert!(e.to_string().contains(want), "{e}")
            }
            other => panic!("expected BadResponse, got {other:?}"),
        }
    }
    assert_eq!(server.request_count(), 2);
}

#[test]
fn unreachable_server_is_a_transport_error() {
    let base_url = {
        let server = ScriptedServer::start(vec![]);
        server.base_url()
    };
    // Give the old listener a moment to close.
    std::thread::sleep(Duration::from_millis(50));
    let c = client(LlmConfig {
        base_url,
        max_retries: 1,
        timeout: Duration::from_millis(500),
        ..LlmConfig::default()
    });
    match c.models() {
        Err(LlmError::Transport { attempts, .. }) => assert_eq!(attempts, 2),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn handler_answers_by_prompt() {
    let server = ScriptedServer::with_handler(|req| {
        if req.last_message().contains("critique") {
            Reply::Chat("{\"issues\": []}".into())
        } else {
            Reply::Chat("```c\nint main(void) { return 0; }\n```".into())
        }
    });
    let c = client(config(&server));
    let code = chat_ok(&c, &ask("write main"));
    assert_eq!(
        extract_code(&code.content, "c").as_deref(),
        Some("int main(void) { return 0; }")
    );
    let (v, _) = c
        .chat_json(&ask("critique this"), &has_issues)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v, json!({"issues": []}));
}

#[test]
fn config_from_env_defaults_and_overrides() {
    let empty = LlmConfig::from_env(&|_| None);
    assert_eq!(empty, LlmConfig::default());
    assert_eq!(empty.base_url, "https://api.openai.com/v1");
    assert_eq!(empty.timeout, Duration::from_secs(120));
    assert_eq!((empty.max_retries, empty.concurrency), (4, 8));
    let blank = LlmConfig::from_env(&|_| Some("  ".to_string()));
    assert_eq!(blank.api_key, None);
    let ollama = LlmConfig::from_env(&|k| match k {
        "OPENAI_BASE_URL" => Some("http://127.0.0.1:11434/v1/".to_string()),
        "SECGUARD_MODEL" => Some("qwen2.5-coder".to_string()),
        _ => None,
    });
    assert_eq!(ollama.model, "qwen2.5-coder");
    assert!(LlmClient::new(ollama).is_ok());
}

/// A password in `OPENAI_BASE_URL` (`https://user:pw@host/v1`) or a key in
/// its query string is a credential: no error may print it (issue 14).
#[test]
fn credentials_in_the_base_url_never_reach_an_error() {
    // A server that answers with an error quoting the URL it was called at.
    let server = ScriptedServer::start(vec![Reply::status(
        400,
        r#"{"error":{"message":"bad request to http://alice:hunter2@localhost/v1/chat/completions; password hunter2 expired"}}"#,
    )]);
    let with_password = server
        .base_url()
        .replacen("http://", "http://alice:hunter2@", 1);
    let c = client(LlmConfig {
        base_url: with_password.clone(),
        max_retries: 0,
        ..config(&server)
    });
    let shown = [
        // The server answers 400: this must be an error, or nothing is checked.
        match c.chat(&ask("hi")) {
            Err(e) => format!("{e:?} {e}"),
            Ok(r) => panic!("a 400 was taken as an answer: {r:?}"),
        },
        format!(
            "{:?}",
            LlmConfig {
                base_url: with_password.clone(),
                ..LlmConfig::default()
            }
        ),
    ];
    // Nothing listens on port 1: a transport error names the URL too.
    let refused = client(LlmConfig {
        base_url: "http://bob:pa55word@127.0.0.1:1/v1".to_string(),
        max_retries: 0,
        ..LlmConfig::default()
    })
    .chat(&ask("hi"))
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    let bad_scheme = LlmClient::new(LlmConfig {
        base_url: "ftp://carol:t0ps3cret@example.invalid/v1".to_string(),
        ..LlmConfig::default()
    })
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    for text in shown.iter().chain([&refused, &bad_scheme]) {
        assert!(!text.is_empty());
        for secret in ["hunter2", "pa55word", "t0ps3cret"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    assert!(refused.contains("bob:***@127.0.0.1:1"), "{refused}");
}

#[test]
fn urls_are_redacted_but_still_name_the_server() {
    use secguard_llm::{redact_url, url_secrets};
    assert_eq!(url_secrets("http://u:p@h/v1?api_key=k&m=1"), vec!["p", "k"]);
    assert_eq!(url_secrets("http://tok@h/v1"), vec!["tok"]);
    assert!(url_secrets("http://h/p@th").is_empty());
    for (url, shown) in [
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://u:p@h:8080/v1", "http://u:***@h:8080/v1"),
        ("http://token@h/v1", "http://***@h/v1"),
        (
            "http://h/v1?api_key=x&model=m",
            "http://h/v1?api_key=***&model=m",
        ),
        ("http://h/v1?Key=x#frag", "http://h/v1?Key=***#frag"),
        ("http://h/p@th", "http://h/p@th"),
        ("not a url", "not a url"),
    ] {
        assert_eq!(redact_url(url), shown, "{url}");
    }
}
