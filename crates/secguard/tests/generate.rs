//! `secguard generate` and `secguard fix` as a process, against a scripted
//! OpenAI-compatible server on 127.0.0.1: the generated code is insecure,
//! the analyzer catches it, the critique is read, the repair is accepted;
//! a second identical run is served from the cache without any request.

mod util;

use secguard_llm::scripted::{Reply, Request, ScriptedServer};
use serde_json::Value;
use util::Dir;
use util::llm::{FIXED_PY, VULN_PY, confirm_first_finding, system_message, with_server};

/// Answers by the prompt's system message: generation gets the vulnerable
/// code, a critique of code with an f-string query says insecure, the
/// repair request gets the fixed code.
fn handler(req: &Request) -> Reply {
    let body = req.json();
    let system = system_message(req);
    let user = body
        .pointer("/messages/1/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    if system.starts_with("You triage") {
        Reply::Chat(
            r#"{"verdict": "true_positive", "rationale": "name reaches the f-string query on line 7"}"#
                .to_string(),
        )
    } else if system.starts_with("You write secure") {
        Reply::Chat(format!("Sure:\n```python\n{VULN_PY}```\n"))
    } else if system.starts_with("You are a security reviewer") {
        if user.contains("f\"SELECT") {
            Reply::Chat(
                r#"{"issues": [{"cwe": "CWE-89", "line": 7, "severity": "high", "explanation": "SQL built from the name", "fix": "use a parameter"}], "verdict": "insecure"}"#
                    .to_string(),
            )
        } else {
            Reply::Chat(r#"{"issues": [], "verdict": "secure"}"#.to_string())
        }
    } else {
        Reply::Chat(format!("```python\n{FIXED_PY}```"))
    }
}

#[test]
fn generate_repairs_and_a_repeat_is_free() {
    let dir = Dir::new();
    let server = ScriptedServer::with_handler(handler);
    let out = with_server(
        &dir,
        &server,
        &[
            "generate",
            "look up a user by name in sqlite",
            "--lang",
            "python",
            "--trajectory",
            "run.json",
        ],
    )
    .run()
    .expect_code(0);
    assert_eq!(out.stdout, FIXED_PY, "{}", out.stderr);
    assert!(out.stderr.contains("findings 1 -> 0"), "{}", out.stderr);
    assert!(out.stderr.contains("repair accepted"), "{}", out.stderr);
    assert!(!out.stderr.contains("sk-test"), "the key is never printed");
    let run: Value = serde_json::from_str(&dir.read("run.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run["iterations"].as_array().map(Vec::len), Some(2));
    let calls = server.request_count();
    assert!(calls >= 3, "{calls}");

    let again = with_server(
        &dir,
        &server,
        &[
            "generate",
            "look up a user by name in sqlite",
            "--lang",
            "python",
        ],
    )
    .run()
    .expect_code(0);
    assert_eq!(again.stdout, FIXED_PY);
    assert_eq!(
        server.request_count(),
        calls,
        "the repeat is served from the cache"
    );
}

#[test]
fn fix_prints_a_diff_or_writes_the_file() {
    let dir = Dir::new();
    dir.create("users.py", VULN_PY);
    let server = ScriptedServer::with_handler(handler);
    let out = with_server(&dir, &server, &["fix", "users.py"])
        .run()
        .expect_code(0);
    assert!(
        out.stdout.contains("-    cursor.execute(f\"SELECT"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("+    cursor.execute(\"SELECT * FROM users WHERE name = ?\"")
    );
    assert_eq!(dir.read("users.py"), VULN_PY, "no --write, no change");
    with_server(&dir, &server, &["fix", "users.py", "--write"])
        .run()
        .expect_code(0);
    assert_eq!(dir.read("users.py"), FIXED_PY);
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let dir = Dir::new();
    dir.create("users.py", VULN_PY);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let out = dir
        .cmd()
        .args(["fix", "users.py", "--no-cache"])
        .env("OPENAI_BASE_URL", &format!("http://127.0.0.1:{port}/v1"))
        .env("OPENAI_API_KEY", "sk-test-not-a-real-key")
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("127.0.0.1"), "{}", out.stderr);
    assert!(!out.stderr.contains("sk-test"), "{}", out.stderr);
    let out = dir.cmd().args(["fix", "notes.txt"]).run().expect_code(2);
    assert!(out.stderr.contains("notes.txt"), "{}", out.stderr);
}

#[test]
fn triage_gives_advice_grounded_in_memories_and_suppresses_nothing() {
    let dir = Dir::new();
    dir.create("users.py", VULN_PY);
    let server = ScriptedServer::with_handler(handler);
    // A reviewer's earlier decision becomes a memory the triage prompt cites.
    let fp = confirm_first_finding(&dir, "names come from the web form", &[]);

    let out = with_server(&dir, &server, &["triage", "--format", "json"])
        .run()
        .expect_code(0);
    let triaged: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(triaged[0]["verdict"], "true_positive", "{triaged:#}");
    let asked = server
        .requests()
        .iter()
        .any(|r| r.body.contains("names come from the web form") && r.body.contains("memory:1"));
    assert!(asked, "the triage prompt cites the memory");

    // Stored as the finding's rationale for the review UI.
    let next = dir
        .cmd()
        .args(["review", "next", "--reviewer", "bob", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    let rationale = next["rationale"].as_str().unwrap_or_default();
    assert!(rationale.contains("true_positive (scripted)"), "{next:#}");
    // Advice only: the next scan still reports the finding open.
    let after = dir
        .cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json();
    let finding = after["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["fingerprint"] == fp.as_str()))
        .unwrap_or_else(|| panic!("the finding is gone: {after:#}"));
    assert!(finding["suppression"].is_null(), "{finding:#}");
}

/// A model that never repairs and calls everything secure: what the loop
/// cannot settle goes to the review queue, marked as disputed.
fn stubborn(req: &Request) -> Reply {
    if system_message(req).starts_with("You are a security reviewer") {
        Reply::Chat(r#"{"issues": [], "verdict": "secure"}"#.to_string())
    } else {
        Reply::Chat(format!("```python\n{VULN_PY}```"))
    }
}

#[test]
fn what_the_loop_cannot_settle_is_queued_for_a_human() {
    let dir = Dir::new();
    let server = ScriptedServer::with_handler(stubborn);
    let out = with_server(
        &dir,
        &server,
        &[
            "generate",
            "look up a user",
            "--iterations",
            "1",
            "-o",
            "users.py",
        ],
    )
    .run()
    .expect_code(1);
    assert!(out.stderr.contains("findings 1 -> 1"), "{}", out.stderr);
    assert!(out.stderr.contains("left for a human"), "{}", out.stderr);
    let next = dir
        .cmd()
        .args(["review", "next", "--reviewer", "alice", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(next["finding"]["location"]["path"], "users.py", "{next:#}");
    let rationale = next["rationale"].as_str().unwrap_or_default();
    assert!(rationale.starts_with("disputed"), "{next:#}");
}

/// `--analyzers builtin,bandit`: the real Bandit checks every version of the
/// code from a private folder, its findings merge with the built-in ones,
/// and each step is reported on stderr as it happens, in order.
#[test]
fn fix_runs_external_analyzers_in_the_loop_and_shows_progress() {
    let dir = Dir::new();
    dir.create("users.py", VULN_PY);
    let server = ScriptedServer::with_handler(handler);
    let out = with_server(
        &dir,
        &server,
        &[
            "fix",
            "users.py",
            "--analyzers",
            "builtin,bandit",
            "--trajectory",
            "run.json",
        ],
    )
    .run();
    let run: Value = serde_json::from_str(&dir.read("run.json")).unwrap_or_else(|e| panic!("{e}"));
    let failures = run["iterations"][0]["analyzer_failures"].clone();
    if failures.is_array() {
        assert!(
            std::env::var_os("CI").is_none(),
            "bandit failed under CI (scripts/setup installs it): {failures}"
        );
        eprintln!("skipping: bandit not available here: {failures}");
        return;
    }
    let out = out.expect_code(0);
    let first = &run["iterations"][0]["findings"];
    let reporters: Vec<&str> = first
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["reported_by"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        reporters.contains(&"bandit") && reporters.contains(&"builtin"),
        "the SQL injection is reported by both and merged: {first}"
    );
    assert_eq!(
        run["iterations"][1]["findings"].as_array().map(Vec::len),
        Some(0),
        "neither analyzer flags the repair"
    );
    let steps: Vec<usize> = [
        "iteration 0: initial code",
        "iteration 1: asking scripted for a repair",
        "iteration 1: repair accepted",
        "findings 1 -> 0",
    ]
    .iter()
    .map(|s| {
        out.stderr
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} missing from:\n{}", out.stderr))
    })
    .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{}", out.stderr);
    assert!(
        !std::fs::read_dir(std::env::temp_dir())
            .map(|d| d.flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("secguard-loop-")
                    && e.path().join("users.py").exists()
            }))
            .unwrap_or(false),
        "the private folder is removed"
    );
}

const VULN_C: &str = "#include <stdio.h>\n#include <string.h>\n\nint greet(const char *name) {\n    char buf[32];\n    strcpy(buf, name);\n    printf(\"hello %s\\n\", buf);\n    return 0;\n}\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        return 1;\n    }\n    return greet(argv[1]);\n}\n";
const FIXED_C: &str = "#include <stdio.h>\n#include <string.h>\n\nint greet(const char *name) {\n    char buf[32];\n    snprintf(buf, sizeof buf, \"%s\", name);\n    printf(\"hello %s\\n\", buf);\n    return 0;\n}\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        return 1;\n    }\n    return greet(argv[1]);\n}\n";

/// The C side of the loop as a process: `generate --lang c` gets the
/// unbounded copy, the analyzer catches it, the bounded repair is kept;
/// `fix --write` on the same file writes the repair.
#[test]
fn c_code_is_generated_and_fixed() {
    let c_handler = |req: &Request| {
        let body = req.json();
        let system = body
            .pointer("/messages/0/content")
            .and_then(Value::as_str)
            .unwrap_or("");
        let user = body
            .pointer("/messages/1/content")
            .and_then(Value::as_str)
            .unwrap_or("");
        if system.starts_with("You write secure") {
            assert!(system.contains("secure C code"), "{system}");
            Reply::Chat(format!("```c\n{VULN_C}```"))
        } else if system.starts_with("You are a security reviewer") {
            if user.contains("strcpy(") {
                Reply::Chat(r#"{"issues": [{"cwe": "CWE-120", "line": 5, "severity": "high", "explanation": "unbounded copy", "fix": "snprintf"}], "verdict": "insecure"}"#.to_string())
            } else {
                Reply::Chat(r#"{"issues": [], "verdict": "secure"}"#.to_string())
            }
        } else {
            Reply::Chat(format!("```c\n{FIXED_C}```"))
        }
    };
    let dir = Dir::new();
    let server = ScriptedServer::with_handler(c_handler);
    let out = with_server(
        &dir,
        &server,
        &[
            "generate",
            "greet a user into a buffer",
            "--lang",
            "c",
            "-o",
            "greet.c",
        ],
    )
    .run()
    .expect_code(0);
    assert_eq!(dir.read("greet.c"), FIXED_C, "{}", out.stderr);
    assert!(out.stderr.contains("findings 1 -> 0"), "{}", out.stderr);

    dir.create("old.c", VULN_C);
    with_server(&dir, &server, &["fix", "old.c", "--write"])
        .run()
        .expect_code(0);
    assert_eq!(dir.read("old.c"), FIXED_C);
}

#[test]
fn without_a_server_or_a_model_generate_fails_at_once_saying_how_to_get_one() {
    let dir = Dir::new();
    let out = dir
        .cmd()
        .args(["generate", "add two numbers"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("no model is configured"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("OPENAI_BASE_URL"), "{}", out.stderr);
}

#[test]
fn models_lists_the_configured_server_and_says_how_to_get_a_model() {
    let dir = Dir::new();
    let none = dir.cmd().args(["models"]).run().expect_code(0);
    assert!(
        none.stdout.contains("no model is configured"),
        "{}",
        none.stdout
    );
    let server = ScriptedServer::with_handler(handler);
    let listed = with_server(&dir, &server, &["models", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(listed[0]["kind"], "server", "{listed:#}");
    assert_eq!(listed[0]["usable"], true, "{listed:#}");
}

/// Two shell commands built from the command line (four findings).
const PING_PY: &str = r#"import os
import subprocess
import sys


def ping(host):
    return os.system("ping -c 1 " + host)


def lookup(name):
    return subprocess.call("nslookup " + name, shell=True)


if __name__ == "__main__":
    ping(sys.argv[1])
    lookup(sys.argv[2])
"#;

/// `code` with a suppression of every rule appended to both sink lines:
/// what a model answers when asked to make the findings go away.
fn suppressed(code: &str) -> String {
    let ignore = "  # secguard: ignore[py-command-injection, py-shell-command-built-dynamically, \
                  py-shell-true-dynamic] host is validated by the caller";
    code.lines()
        .map(|l| {
            if l.contains("os.system(") || l.contains("subprocess.call(") {
                format!("{l}{ignore}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[test]
fn fix_refuses_a_repair_that_only_suppresses_and_writes_nothing() {
    let dir = Dir::new();
    dir.create("app.py", PING_PY);
    let server = ScriptedServer::with_handler(|req| {
        if system_message(req).starts_with("You repair") {
            Reply::Chat(format!("```python\n{}```", suppressed(PING_PY)))
        } else {
            Reply::status(400, "unexpected prompt")
        }
    });
    let out = with_server(
        &dir,
        &server,
        &[
            "fix",
            "app.py",
            "--write",
            "--no-critique",
            "--iterations",
            "2",
        ],
    )
    .run()
    .expect_code(1);
    assert!(out.stderr.contains("findings 4 -> 4"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("repair rejected: the repair adds a suppression comment"),
        "{}",
        out.stderr
    );
    assert_eq!(dir.read("app.py"), PING_PY, "nothing suppressed is written");
    // The second request was told why the first was refused.
    let repairs: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| system_message(r).starts_with("You repair"))
        .map(Request::last_message)
        .collect();
    assert_eq!(repairs.len(), 2);
    assert!(
        repairs[1].contains("only a human may suppress"),
        "{}",
        repairs[1]
    );
}

#[test]
fn generated_code_cannot_suppress_its_own_findings() {
    let dir = Dir::new();
    let server = ScriptedServer::with_handler(|req| {
        let system = system_message(req);
        if system.starts_with("You write secure") || system.starts_with("You repair") {
            Reply::Chat(format!("```python\n{}```", suppressed(PING_PY)))
        } else {
            Reply::status(400, "unexpected prompt")
        }
    });
    let out = with_server(
        &dir,
        &server,
        &[
            "generate",
            "ping a host and look up a name",
            "--lang",
            "python",
            "--no-critique",
            "--no-retrieval",
            "--iterations",
            "1",
        ],
    )
    .run()
    .expect_code(1);
    assert!(out.stderr.contains("findings 4 -> 4"), "{}", out.stderr);
}

#[test]
fn a_memory_that_may_not_hide_a_critical_finding_is_not_shown_to_the_model() {
    let dir = Dir::new();
    dir.create("app.py", PING_PY);
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json();
    let critical = report["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter()
                .find(|f| f["rule_id"] == "py-command-injection" && f["severity"] == "critical")
        })
        .and_then(|f| f["fingerprint"].as_str())
        .unwrap_or_else(|| panic!("no critical command injection: {report:#}"))
        .to_string();
    // One reviewer calls every finding of the rule a false positive: the
    // two-reviewer rule keeps the scan from applying it.
    let note = "hosts here are always validated by the caller";
    dir.cmd()
        .args([
            "review",
            "label",
            "--finding",
            &critical,
            "--decision",
            "fp",
            "--scope",
            "rule",
            "--note",
            note,
        ])
        .run()
        .expect_code(0);
    let server = ScriptedServer::with_handler(|req| {
        let system = system_message(req);
        if system.starts_with("You are a security reviewer") {
            Reply::Chat(r#"{"issues": [], "verdict": "secure"}"#.to_string())
        } else if system.starts_with("You triage") {
            Reply::Chat(
                r#"{"verdict": "true_positive", "rationale": "argv reaches the shell"}"#.into(),
            )
        } else {
            Reply::Chat(format!("```python\n{PING_PY}```"))
        }
    });
    with_server(&dir, &server, &["fix", "app.py", "--iterations", "1"])
        .run()
        .expect_code(1);
    with_server(&dir, &server, &["triage", "--format", "json"])
        .run()
        .expect_code(0);
    assert!(server.request_count() >= 3);
    for r in server.requests() {
        assert!(
            !r.body.contains(note) && !r.body.contains("are false positives"),
            "a blocked memory reached the model:\n{}",
            r.body
        );
    }
}
