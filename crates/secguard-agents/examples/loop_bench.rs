//! What the RCI loop costs beyond the model, and how many `generate` tasks
//! run through one client with a concurrency limit: a scripted
//! OpenAI-compatible server on 127.0.0.1 plays the model, so every second
//! measured here is secguard's own (prompting, HTTP, parsing, analyzers).
//!
//! cargo run --release -p secguard-agents --example loop_bench -- [--runs N]
//!     [--tasks N] [--concurrency N] [--latency-ms N] [--external bandit,flawfinder]
//!
//! Figures and their meaning: docs/benchmarks.md, "The RCI loop".

use secguard_agents::agents::{PromptAgent, SecurityAgent};
use secguard_agents::rci::{RciConfig, rci};
use secguard_agents::retrieval::NoRetrieval;
use secguard_analyzers::Analyzer;
use secguard_core::Language;
use secguard_llm::scripted::{Reply, Request, ScriptedServer};
use secguard_llm::{LlmClient, LlmConfig};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

const VULN_PY: &str = "import sqlite3\n\n\ndef find_user(db_path, name):\n    conn = sqlite3.connect(db_path)\n    cursor = conn.cursor()\n    cursor.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n    return cursor.fetchall()\n";
const FIXED_PY: &str = "import sqlite3\n\n\ndef find_user(db_path, name):\n    conn = sqlite3.connect(db_path)\n    cursor = conn.cursor()\n    cursor.execute(\"SELECT * FROM users WHERE name = ?\", (name,))\n    return cursor.fetchall()\n";
const VULN_C: &str = "#include <stdio.h>\n#include <string.h>\n\nint greet(const char *name) {\n    char buf[32];\n    strcpy(buf, name);\n    printf(\"hello %s\\n\", buf);\n    return 0;\n}\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        return 1;\n    }\n    return greet(argv[1]);\n}\n";
const FIXED_C: &str = "#include <stdio.h>\n#include <string.h>\n\nint greet(const char *name) {\n    char buf[32];\n    snprintf(buf, sizeof buf, \"%s\", name);\n    printf(\"hello %s\\n\", buf);\n    return 0;\n}\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        return 1;\n    }\n    return greet(argv[1]);\n}\n";

/// Answers like a model that writes the insecure version first, finds the
/// weakness when asked to review, and repairs it when asked to.
fn model(req: &Request) -> Reply {
    let body = req.json();
    let text = |p: &str| {
        body.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (system, user) = (text("/messages/0/content"), text("/messages/1/content"));
    // Every prompt names the language: "secure C code", "(```c)", "Task (C)".
    let c = system.contains("secure C code") || user.contains("```c") || user.contains("#include");
    let (vuln, fixed, tag) = if c {
        (VULN_C, FIXED_C, "c")
    } else {
        (VULN_PY, FIXED_PY, "python")
    };
    if system.starts_with("You write secure") {
        Reply::Chat(format!("Here it is:\n```{tag}\n{vuln}```\n"))
    } else if system.starts_with("You are a security reviewer") {
        if user.contains("f\"SELECT") || user.contains("strcpy(") {
            Reply::Chat(r#"{"issues": [{"cwe": "CWE-89", "line": 7, "severity": "high", "explanation": "untrusted data reaches a dangerous call", "fix": "bound it"}], "verdict": "insecure"}"#.to_string())
        } else {
            Reply::Chat(r#"{"issues": [], "verdict": "secure"}"#.to_string())
        }
    } else {
        Reply::Chat(format!("```{tag}\n{fixed}```"))
    }
}

struct Options {
    runs: usize,
    tasks: usize,
    concurrency: usize,
    latency: Duration,
    external: Vec<String>,
}

fn options() -> Options {
    let mut o = Options {
        runs: 50,
        tasks: 100,
        concurrency: 8,
        latency: Duration::from_millis(200),
        external: Vec::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let number = || value.parse::<usize>().unwrap_or(0);
        match args[i].as_str() {
            "--runs" => o.runs = number().max(1),
            "--tasks" => o.tasks = number().max(1),
            "--concurrency" => o.concurrency = number().max(1),
            "--latency-ms" => o.latency = Duration::from_millis(number() as u64),
            "--external" => {
                o.external = value.split(',').map(str::to_string).collect();
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    o
}

fn externals(names: &[String]) -> Vec<Box<dyn Analyzer>> {
    use secguard_analyzers::{bandit, cppcheck, flawfinder};
    names
        .iter()
        .filter_map(|n| -> Option<Box<dyn Analyzer>> {
            match n.as_str() {
                "bandit" => Some(Box::new(bandit::Bandit::new(None))),
                "flawfinder" => Some(Box::new(flawfinder::Flawfinder::new())),
                "cppcheck" => Some(Box::new(cppcheck::Cppcheck::new())),
                _ => None,
            }
        })
        .collect()
}

fn client(server: &ScriptedServer, concurrency: usize) -> LlmClient {
    let config = LlmConfig {
        base_url: server.base_url(),
        model: "scripted".into(),
        concurrency,
        ..LlmConfig::default()
    };
    match LlmClient::new(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client: {e}");
            std::process::exit(2);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The loop on one insecure file, `runs` times: wall time, model time and
/// the rest, per iteration (one review and one repair).
fn overhead(o: &Options) {
    println!("## Overhead per iteration beyond model time\n");
    println!(
        "analyzers: builtin{}; {} runs per language; one iteration = critique + repair + re-analysis\n",
        o.external
            .iter()
            .map(|e| format!(", {e}"))
            .collect::<String>(),
        o.runs
    );
    println!(
        "| language | model calls / run | wall / run | model time / run | overhead / iteration | of which analyzers |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let server = ScriptedServer::with_handler(model);
    for (language, code) in [(Language::Python, VULN_PY), (Language::C, VULN_C)] {
        let client = client(&server, 8);
        let security = SecurityAgent::builtin(client.clone(), Arc::new(NoRetrieval), true)
            .map(|s| s.with_external(externals(&o.external), Duration::from_secs(120)));
        let Ok(security) = security else {
            eprintln!("cannot load the built-in rules");
            std::process::exit(2);
        };
        let config = RciConfig::default();
        let (mut walls, mut models, mut overheads, mut analyzers) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut calls = 0;
        for _ in 0..o.runs {
            let started = Instant::now();
            let t = match rci(&security, &client, code, language, None, &config) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("loop failed: {e}");
                    std::process::exit(1);
                }
            };
            let wall = started.elapsed().as_secs_f64();
            let model = t.usage.model_time.as_secs_f64();
            let rounds = t.iterations.len().saturating_sub(1).max(1) as f64;
            calls = t.usage.calls;
            walls.push(wall);
            models.push(model);
            overheads.push((wall - model) / rounds);
            // The analyzers run once per version of the code.
            let a = Instant::now();
            for it in &t.iterations {
                let _ = security.analyze(&it.code, language);
            }
            analyzers.push(a.elapsed().as_secs_f64() / rounds);
        }
        println!(
            "| {} | {calls} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            language.name(),
            median(walls) * 1e3,
            median(models) * 1e3,
            median(overheads) * 1e3,
            median(analyzers) * 1e3
        );
    }
    println!();
}

/// `tasks` generate-and-repair runs at once through one client limited to
/// `concurrency` requests in flight, against a model that takes `latency`
/// per reply.
fn throughput(o: &Options) {
    println!("## Throughput of concurrent `generate` tasks\n");
    let latency = o.latency.as_secs_f64();
    let server = ScriptedServer::with_handler(move |r: &Request| Reply::delay(latency, model(r)));
    let client = client(&server, o.concurrency);
    let retrieval = Arc::new(NoRetrieval);
    let security = match SecurityAgent::builtin(client.clone(), retrieval.clone(), true) {
        Ok(s) => s.with_external(externals(&o.external), Duration::from_secs(120)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let agent = PromptAgent::new(client.clone(), retrieval);
    let started = Instant::now();
    let failures = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for i in 0..o.tasks {
            let (agent, security, client, failures) = (&agent, &security, &client, &failures);
            scope.spawn(move || {
                let language = if i % 2 == 0 {
                    Language::Python
                } else {
                    Language::C
                };
                let task = format!(
                    "task {i}: look up a user by name in a {} program",
                    language.name()
                );
                let ok = agent
                    .generate(&task, language)
                    .and_then(|g| {
                        rci(
                            security,
                            client,
                            &g.code,
                            language,
                            Some(&task),
                            &RciConfig::default(),
                        )
                    })
                    .is_ok_and(|t| t.final_findings == 0);
                if !ok {
                    failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    let wall = started.elapsed().as_secs_f64();
    let usage = client.usage();
    let ideal = usage.calls as f64 * latency / o.concurrency as f64;
    println!(
        "| tasks | concurrency limit | model latency | calls | wall | tasks / s | calls / s | lower bound (calls x latency / limit) | max in flight at the server | failed |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {} | {} | {} ms | {} | {:.2} s | {:.1} | {:.1} | {:.2} s | {} | {} |",
        o.tasks,
        o.concurrency,
        o.latency.as_millis(),
        usage.calls,
        wall,
        o.tasks as f64 / wall,
        usage.calls as f64 / wall,
        ideal,
        server.max_concurrent(),
        failures.into_inner()
    );
    println!();
}

fn main() {
    let o = options();
    overhead(&o);
    throughput(&o);
}
