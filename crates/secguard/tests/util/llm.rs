//! Shared pieces of the tests that talk to the scripted model server.

use super::{Dir, TestCommand};
use secguard_llm::scripted::{Request, ScriptedServer};
use serde_json::Value;

/// A lookup with an f-string SQL query: the built-in analyzer flags it.
pub const VULN_PY: &str = r#"import sqlite3


def find_user(db_path, name):
    conn = sqlite3.connect(db_path)
    cursor = conn.cursor()
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return cursor.fetchall()
"#;

/// The same lookup with a bound parameter.
pub const FIXED_PY: &str = r#"import sqlite3


def find_user(db_path, name):
    conn = sqlite3.connect(db_path)
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users WHERE name = ?", (name,))
    return cursor.fetchall()
"#;

/// The system message of a chat request: it tells the generation,
/// critique, repair and triage prompts apart.
pub fn system_message(req: &Request) -> String {
    req.json()
        .pointer("/messages/0/content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// `secguard ARGS` in `dir`, pointed at `server` with a test key.
pub fn with_server(dir: &Dir, server: &ScriptedServer, args: &[&str]) -> TestCommand {
    dir.cmd()
        .args(args)
        .env("OPENAI_BASE_URL", &server.base_url())
        .env("OPENAI_API_KEY", "sk-test-not-a-real-key")
        .env("SECGUARD_MODEL", "scripted")
}

/// Scan `dir`, then have alice confirm its first finding with `note` and
/// `extra` label arguments (a scope, say): memory 1. Returns the finding's
/// fingerprint.
pub fn confirm_first_finding(dir: &Dir, note: &str, extra: &[&str]) -> String {
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json();
    let fp = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap_or_else(|| panic!("no finding: {report:#}"))
        .to_string();
    dir.cmd()
        .args([
            "review",
            "label",
            "--finding",
            &fp,
            "--decision",
            "tp",
            "--note",
            note,
        ])
        .args(extra)
        .run()
        .expect_code(0);
    fp
}
