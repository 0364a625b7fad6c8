//! `secguard eval` end to end: a generation grid against the scripted
//! model server (killed halfway and resumed), reports checked as snapshots
//! and in headless Chromium, agreement with hand-labelled samples, and the
//! Juliet scorecard of three real analyzers.

mod util;

use secguard_llm::scripted::{Reply, Request, ScriptedServer};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use util::llm::{FIXED_PY, VULN_PY, system_message, with_server};
use util::{Dir, shared_data};

const VULN_C: &str = "#include <stdio.h>\n#include <string.h>\n\nint greet(const char *name) {\n    char buf[32];\n    strcpy(buf, name);\n    printf(\"hello %s\\n\", buf);\n    return 0;\n}\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        return 1;\n    }\n    return greet(argv[1]);\n}\n";
const FIXED_C: &str = "#include <stdio.h>\n#include <string.h>\n\nint greet(const char *name) {\n    char buf[32];\n    snprintf(buf, sizeof buf, \"%s\", name);\n    printf(\"hello %s\\n\", buf);\n    return 0;\n}\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        return 1;\n    }\n    return greet(argv[1]);\n}\n";

/// A model that writes insecure code when asked plainly or without
/// grounding, secure code when the prompt cites guidelines, flags the
/// insecure code when reviewing, and repairs it. Each reply takes 30 ms.
fn model(req: &Request) -> Reply {
    let system = system_message(req);
    let c = system.contains("(```c)");
    let (vuln, fixed, tag) = if c {
        (VULN_C, FIXED_C, "c")
    } else {
        (VULN_PY, FIXED_PY, "python")
    };
    let reply = if system.starts_with("You are a security reviewer") {
        if req.body.contains("strcpy(") || req.body.contains("f\\\"SELECT") {
            Reply::Chat(r#"{"issues": [{"cwe": "CWE-20", "line": 6, "severity": "high", "explanation": "unchecked", "fix": "check"}], "verdict": "insecure"}"#.into())
        } else {
            Reply::Chat(r#"{"issues": [], "verdict": "secure"}"#.into())
        }
    } else if system.starts_with("You write") {
        let grounded = req.body.contains("[guideline:");
        Reply::Chat(format!(
            "```{tag}\n{}```",
            if grounded { fixed } else { vuln }
        ))
    } else {
        Reply::Chat(format!("```{tag}\n{fixed}```"))
    };
    Reply::delay(0.03, reply)
}

fn results_in(db: &Path) -> (i64, i64) {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return (0, 0);
    };
    conn.query_row(
        "SELECT COUNT(*), COUNT(DISTINCT job) FROM eval_results",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap_or((0, 0))
}

#[test]
fn generate_grid_is_killed_halfway_resumed_and_reported() {
    let Some(dataset) = shared_data("llmseceval/Dataset/LLMSecEval-Prompts_dataset.json") else {
        return;
    };
    let dataset = dataset.to_string_lossy().into_owned();
    let dir = Dir::new();
    let server = ScriptedServer::with_handler(model);
    let args = [
        "eval",
        "generate",
        "--dataset",
        &dataset,
        "--limit",
        "20",
        "-j",
        "2",
        "--report",
        "out",
    ];
    // First run: killed once a quarter of the 80 jobs are recorded.
    let mut first = with_server(&dir, &server, &args)
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join(".secguard/secguard.db");
    let deadline = Instant::now() + Duration::from_secs(120);
    while results_in(&db).0 < 20 {
        assert!(Instant::now() < deadline, "no progress");
        assert!(
            first.try_wait().ok().flatten().is_none(),
            "finished before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = first.kill();
    let _ = first.wait();
    let (killed_at, _) = results_in(&db);
    assert!(killed_at < 80, "{killed_at}");

    let out = with_server(&dir, &server, &args).run().expect_code(0);
    assert!(out.stderr.contains("(resumed)"), "{}", out.stderr);
    assert_eq!(results_in(&db), (80, 80), "every job once, none lost");

    let results: Value =
        serde_json::from_str(&dir.read("out/results.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(results["samples"].as_array().map(Vec::len), Some(80));
    let rate = |mode: &str| {
        results["summaries"]
            .as_array()
            .and_then(|s| s.iter().find(|m| m["mode"] == mode))
            .and_then(|m| m["insecure_rate"].as_f64())
            .unwrap_or(-1.0)
    };
    assert_eq!(rate("baseline"), 1.0, "{results:#}");
    assert_eq!(rate("security-prefix"), 1.0);
    assert_eq!(rate("rci:3"), 0.0);
    assert_eq!(rate("rci-rag:3"), 0.0);

    let md = dir.read("out/report.md");
    insta::with_settings!({filters => vec![
        (r"run [0-9a-f]{12} · .*", "run [id] · [command]"),
        // Time, and tokens (a call answered from the cache reports none,
        // and which calls were cached depends on when the run was killed).
        (r"\| [0-9]+ \| [0-9]+\.[0-9]{2} \|", "| [tokens] | [seconds] |"),
    ]}, {
        insta::assert_snapshot!("eval_generate_report_md", md);
    });

    // The HTML report renders in a real browser, with its charts.
    let browser = util::browser::Browser::start();
    let html = dir.path().join("out/report.html");
    browser.goto(&format!("file://{}", html.display()));
    assert!(browser.text("h1").contains("secguard eval generate"));
    browser.find("figure[data-kind='bar_chart'] svg rect");
    browser.find("figure[data-kind='heatmap'] svg");
    assert!(
        !browser.source().contains("<script"),
        "no script in the report"
    );

    // A run compared with itself changes nothing.
    let compared = dir
        .cmd()
        .args(["eval", "compare", "out", "out/results.json"])
        .run()
        .expect_code(0);
    assert!(
        compared
            .stdout
            .contains("| scripted | rci:3 | 0.0% | 0.0% | +0.0 |"),
        "{}",
        compared.stdout
    );
    let bad = dir
        .cmd()
        .args(["eval", "compare", "out", "nope"])
        .run()
        .expect_code(2);
    assert!(bad.stderr.contains("nope"), "{}", bad.stderr);

    // Every sample is in the review queue.
    let next = dir
        .cmd()
        .args(["review", "next", "--reviewer", "alice", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert!(
        next["finding"]["location"]["path"]
            .as_str()
            .unwrap_or_default()
            .starts_with("eval/"),
        "{next:#}"
    );
}

/// Six samples labelled by hand; the built-in analyzer catches two of the
/// three vulnerable ones and flags one safe one:
///
/// |              | human: vulnerable | human: safe |
/// | flagged      | TP = 2 (sql, cmd) | FP = 1 (md5 checksum) |
/// | not flagged  | FN = 1 (auth)     | TN = 2 (add, greet)   |
///
/// agreement = 4/6 = 0.667; p_e = (3/6)(3/6) + (3/6)(3/6) = 0.5;
/// kappa = (0.667 - 0.5) / (1 - 0.5) = 0.333; precision 2/3, recall 2/3.
#[test]
fn agreement_reproduces_a_confusion_matrix_computed_by_hand() {
    let dir = Dir::new();
    dir.create(
        "samples/sql.py",
        "import sqlite3\n\n\ndef find(db, name):\n    return sqlite3.connect(db).execute(f\"SELECT * FROM t WHERE n = '{name}'\").fetchall()\n",
    );
    dir.create(
        "samples/cmd.py",
        "import os\n\n\ndef run():\n    os.system(\"ping \" + input())\n",
    );
    dir.create(
        "samples/auth.py",
        "def is_admin(user):\n    # every user is an admin: missing authorization\n    return True\n",
    );
    dir.create(
        "samples/checksum.py",
        "import hashlib\n\n\ndef etag(data):\n    return hashlib.md5(data).hexdigest()\n",
    );
    dir.create("samples/add.py", "def add(a, b):\n    return a + b\n");
    dir.create(
        "samples/greet.py",
        "def greet(name):\n    return 'hello ' + name\n",
    );
    dir.create(
        "samples/labels.csv",
        "sample,reviewer,vulnerable,cwes\n\
         sql.py,alice,1,CWE-89\n\
         cmd.py,alice,1,CWE-78\n\
         auth.py,alice,1,CWE-862\n\
         checksum.py,alice,0,\n\
         add.py,alice,0,\n\
         greet.py,alice,0,\n\
         sql.py,bob,1,\n\
         cmd.py,bob,1,\n\
         auth.py,bob,1,\n\
         checksum.py,bob,0,\n\
         add.py,bob,0,\n\
         greet.py,bob,0,\n\
         sql.py,carol,1,\n\
         cmd.py,carol,1,\n\
         auth.py,carol,1,\n\
         checksum.py,carol,0,\n\
         add.py,carol,0,\n\
         greet.py,carol,1,\n",
    );
    let out = dir
        .cmd()
        .args([
            "eval",
            "agreement",
            "--dataset",
            "samples",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0)
        .json();
    let builtin = out["analyzers"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["analyzer"] == "builtin"))
        .unwrap_or_else(|| panic!("{out:#}"));
    let c = &builtin["overall"]["confusion"];
    assert_eq!(
        (
            c["tp"].as_u64(),
            c["fp"].as_u64(),
            c["tn"].as_u64(),
            c["fn"].as_u64()
        ),
        (Some(2), Some(1), Some(2), Some(1)),
        "{builtin:#}"
    );
    let value = |k: &str| builtin["overall"][k]["value"].as_f64().unwrap_or(-9.0);
    assert!((value("agreement") - 4.0 / 6.0).abs() < 1e-9);
    assert!((value("kappa") - 1.0 / 3.0).abs() < 1e-9);
    assert!((value("precision") - 2.0 / 3.0).abs() < 1e-9);
    assert!((value("recall") - 2.0 / 3.0).abs() < 1e-9);
    // Three raters; carol alone calls greet.py vulnerable (the majority
    // keeps alice's labels as the truth). Fleiss by hand: P_i = 1 for five
    // items and (1 + 4 - 3) / 6 = 1/3 for greet.py, so P = 16/18;
    // p(vulnerable) = 10/18, P_e = (10/18)^2 + (8/18)^2 = 164/324;
    // kappa = (16/18 - 164/324) / (1 - 164/324) = 124/160 = 0.775.
    let fleiss = out["human_fleiss"].as_f64().unwrap_or(-9.0);
    assert!((fleiss - 0.775).abs() < 1e-9, "{fleiss}");
    assert_eq!(out["raters"].as_u64(), Some(3));
    let low = builtin["overall"]["kappa"]["low"].as_f64().unwrap_or(9.0);
    let high = builtin["overall"]["kappa"]["high"].as_f64().unwrap_or(-9.0);
    assert!(low <= value("kappa") && value("kappa") <= high);

    // Judged by the labelled CWE, the md5 checksum (no labelled CWE) is no
    // longer a false positive.
    let by_cwe = dir
        .cmd()
        .args([
            "eval",
            "agreement",
            "--dataset",
            "samples",
            "--by",
            "cwe",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0)
        .json();
    let c = &by_cwe["analyzers"][0]["overall"]["confusion"];
    assert_eq!(c["fp"].as_u64(), Some(0), "{by_cwe:#}");

    // With the LLM's triage as one more column: it dismisses the checksum.
    let server = ScriptedServer::with_handler(|req: &Request| {
        let verdict = if req.body.contains("hashlib.md5") {
            "false_positive"
        } else {
            "true_positive"
        };
        Reply::Chat(format!(
            r#"{{"verdict": "{verdict}", "rationale": "read the code"}}"#
        ))
    });
    let triaged = with_server(
        &dir,
        &server,
        &[
            "eval",
            "agreement",
            "--dataset",
            "samples",
            "--triage",
            "--format",
            "json",
        ],
    )
    .run()
    .expect_code(0)
    .json();
    let llm = triaged["analyzers"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["analyzer"] == "llm-triage"))
        .unwrap_or_else(|| panic!("{triaged:#}"));
    let c = &llm["overall"]["confusion"];
    assert_eq!(
        (
            c["tp"].as_u64(),
            c["fp"].as_u64(),
            c["tn"].as_u64(),
            c["fn"].as_u64()
        ),
        (Some(2), Some(0), Some(3), Some(1)),
        "{llm:#}"
    );

    let bad = dir
        .cmd()
        .args([
            "eval",
            "agreement",
            "--dataset",
            "samples",
            "--labels",
            "nope.csv",
        ])
        .run()
        .expect_code(2);
    assert!(bad.stderr.contains("nope.csv"), "{}", bad.stderr);
}

/// `eval score` on the Juliet sample: three real analyzers in one table.
#[test]
fn juliet_scorecard_for_three_analyzers_in_one_table() {
    let Some(juliet) = shared_data("juliet-sample") else {
        return;
    };
    let dir = Dir::new();
    let juliet = juliet.to_string_lossy().into_owned();
    let out = dir
        .cmd()
        .args([
            "eval",
            "score",
            "--juliet",
            &juliet,
            "--analyzers",
            "builtin,cppcheck,flawfinder",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0)
        .json();
    let cards = out.as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = cards
        .iter()
        .filter_map(|c| c["analyzer"].as_str())
        .collect();
    assert_eq!(names, ["builtin", "cppcheck", "flawfinder"], "{out:#}");
    let builtin_tpr = cards[0]["mean_tpr"].as_f64().unwrap_or(0.0);
    assert!(builtin_tpr > 0.5, "{builtin_tpr}");
    let text = dir
        .cmd()
        .args([
            "eval",
            "score",
            "--juliet",
            &juliet,
            "--analyzers",
            "builtin,cppcheck,flawfinder",
        ])
        .run()
        .expect_code(0);
    assert!(
        text.stdout.contains("cppcheck") && text.stdout.contains("Mean"),
        "{}",
        text.stdout
    );
}
