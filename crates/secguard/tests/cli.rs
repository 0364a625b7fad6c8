//! End-to-end tests of the `secguard` binary. They do not depend on which
//! rules exist: tests that need findings skip themselves while the engine
//! reports none.

mod util;

use util::{Dir, note_kinds, open_findings, scanned_paths};

const CLEAN_PY: &str = "def add(a, b):\n    return a + b\n";

/// Code that any reasonable rule set flags.
const VULNERABLE_PY: &str = r#"import hashlib
import os
import pickle
import subprocess

from flask import request


def handler():
    cmd = request.args.get("cmd")
    os.system(cmd)
    subprocess.call(cmd, shell=True)
    eval(request.args.get("code"))
    data = pickle.loads(request.data)
    return hashlib.md5(data).hexdigest()
"#;

const VULNERABLE_C: &str = r#"#include <stdio.h>
#include <string.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    char buf[16];
    gets(buf);
    strcpy(buf, argv[1]);
    printf(argv[1]);
    system(argv[2]);
    return 0;
}
"#;

#[test]
fn clean_scan_exits_0() {
    let dir = Dir::new();
    dir.create("pkg/a.py", CLEAN_PY);
    dir.create("b.c", "int main(void) { return 0; }\n");
    let out = dir.cmd().arg("scan").run().expect_code(0);
    assert!(out.stdout.contains("No findings."), "{}", out.stdout);
    assert!(out.stdout.contains("Scanned 2 files"), "{}", out.stdout);
    assert!(!out.stdout.contains('\x1b'), "no colour when piped");
}

#[test]
fn help_version_and_usage_errors() {
    let dir = Dir::new();
    let out = dir.cmd().arg("--help").run().expect_code(0);
    assert!(out.stdout.contains("scan"));
    let out = dir.cmd().arg("--version").run().expect_code(0);
    assert!(out.stdout.starts_with("secguard "));
    let out = dir.cmd().args(["scan", "--bogus"]).run().expect_code(2);
    assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
    dir.cmd()
        .args(["scan", "--fail-on", "hgh"])
        .run()
        .expect_code(2);
    dir.cmd().run().expect_code(2);
}

#[test]
fn nonexistent_path_exits_2_and_names_it() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    let out = dir
        .cmd()
        .args(["scan", "a.py", "no/such/file.py"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("no/such/file.py"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_config_exits_2_naming_file_and_field() {
    let dir = Dir::new();
    dir.create("secguard.toml", "[scan]\nfail_on = \"hgh\"\n");
    dir.create("src/a.py", CLEAN_PY);
    // Found upward from a subdirectory.
    let out = dir
        .cmd()
        .current_dir(dir.path().join("src"))
        .arg("scan")
        .run()
        .expect_code(2);
    assert!(
        out.stderr
            .contains("secguard.toml: scan.fail_on: unknown severity 'hgh'"),
        "{}",
        out.stderr
    );

    dir.create("secguard.toml", "[scan]\nmax_file_size = \"huge\"\n");
    let out = dir.cmd().arg("scan").run().expect_code(2);
    assert!(
        out.stderr.contains("secguard.toml: scan.max_file_size"),
        "{}",
        out.stderr
    );

    dir.create("secguard.toml", "[scan\n");
    let out = dir.cmd().arg("scan").run().expect_code(2);
    assert!(
        out.stderr.contains("secguard.toml: invalid TOML"),
        "{}",
        out.stderr
    );

    // --no-config ignores it; --config names another file.
    dir.cmd().args(["scan", "--no-config"]).run().expect_code(0);
    let out = dir
        .cmd()
        .args(["scan", "--config", "missing.toml"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("missing.toml"), "{}", out.stderr);
}

#[test]
fn config_and_environment_set_defaults_and_flags_win() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    dir.create("secguard.toml", "[scan]\nformat = \"json\"\n");
    let out = dir.cmd().arg("scan").run().expect_code(0);
    out.json();
    let out = dir
        .cmd()
        .arg("scan")
        .env("SECGUARD_FORMAT", "github")
        .run()
        .expect_code(0);
    assert!(
        out.stdout.starts_with("secguard: 0 findings"),
        "{}",
        out.stdout
    );
    let out = dir
        .cmd()
        .args(["scan", "--format", "text"])
        .env("SECGUARD_FORMAT", "github")
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("No findings."), "{}", out.stdout);
    let out = dir
        .cmd()
        .arg("scan")
        .env("SECGUARD_FAIL_ON", "hgh")
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("SECGUARD_FAIL_ON"), "{}", out.stderr);
}

#[test]
fn binary_file_is_skipped_and_counted() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    dir.create("blob.py", b"\x7fELF\x00\x01\x02\x03binary");
    let out = dir
        .cmd()
        .args(["scan", "--format", "json"])
        .run()
        .expect_code(0);
    let report = out.json();
    assert_eq!(report["stats"]["files_scanned"], 1);
    assert_eq!(report["stats"]["files_skipped_binary"], 1);
    assert_eq!(note_kinds(&report), vec!["binary-skipped"]);
    assert_eq!(report["notes"][0]["path"], "blob.py");
    assert_eq!(scanned_paths(&report), vec!["a.py"]);
}

#[test]
fn non_utf8_file_is_decoded_lossily_with_a_note() {
    let dir = Dir::new();
    dir.create("latin1.py", b"# caf\xe9\nx = 1\n");
    let report = dir
        .cmd()
        .args(["scan", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(report["stats"]["files_scanned"], 1);
    assert_eq!(report["stats"]["lines_scanned"], 2);
    assert_eq!(note_kinds(&report), vec!["lossy-utf8"]);
    assert_eq!(report["notes"][0]["line"], 1);
    let text = dir.cmd().arg("scan").run().expect_code(0).stdout;
    assert!(text.contains("warning[lossy-utf8]: latin1.py:1:"), "{text}");
}

#[test]
fn files_over_the_size_limit_are_skipped() {
    let dir = Dir::new();
    dir.create("small.py", CLEAN_PY);
    dir.create("big.py", "x = 1\n".repeat(200));
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--max-file-size", "1K"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(report["stats"]["files_skipped_large"], 1);
    assert_eq!(note_kinds(&report), vec!["too-large"]);
    assert_eq!(scanned_paths(&report), vec!["small.py"]);

    dir.create("secguard.toml", "[scan]\nmax_file_size = 100\n");
    let report = dir
        .cmd()
        .args(["scan", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(report["stats"]["files_skipped_large"], 1);
    // The flag overrides the config file.
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--max-file-size", "1M"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(report["stats"]["files_skipped_large"], 0);
    assert_eq!(report["stats"]["files_scanned"], 2);
}

#[test]
fn secguardignore_and_gitignore_are_honoured() {
    let dir = Dir::new();
    dir.create("src/app.py", CLEAN_PY);
    dir.create("src/generated/gen.py", CLEAN_PY);
    dir.create("vendor/lib.c", "int x;\n");
    dir.create("build/out.py", CLEAN_PY);
    dir.create(".hidden/h.py", CLEAN_PY);
    dir.create("notes.txt", "not code\n");
    dir.create(".secguardignore", "generated/\nvendor/\n");
    // Not a git repository: .gitignore still applies.
    dir.create(".gitignore", "build/\n");

    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "json"];
        args.extend_from_slice(extra);
        scanned_paths(&dir.cmd().args(args).run().expect_code(0).json())
    };
    assert_eq!(scan(&[]), vec!["src/app.py"]);
    // --no-ignore drops .gitignore, never .secguardignore.
    assert_eq!(scan(&["--no-ignore"]), vec!["build/out.py", "src/app.py"]);
    // Files named explicitly are scanned even when ignored.
    assert_eq!(
        scan(&[".", "vendor/lib.c", "build/out.py"]),
        vec!["build/out.py", "src/app.py", "vendor/lib.c"]
    );
    // Exclude patterns from the flag and from the config file.
    assert!(scan(&["--exclude", "src/"]).is_empty());
    dir.create("secguard.toml", "[scan]\nexclude = [\"app.py\"]\n");
    assert!(scan(&[]).is_empty());
    assert_eq!(scan(&["--no-config"]), vec!["src/app.py"]);
}

#[test]
fn language_filter_and_parse_only() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    dir.create("b.c", "int x;\n");
    dir.create("c.cpp", "int y;\n");
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--lang", "c,cpp"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(scanned_paths(&report), vec!["b.c", "c.cpp"]);
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--parse-only", "-j", "1"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(report["stats"]["files_scanned"], 3);
    assert_eq!(report["stats"]["lines_scanned"], 4);
    assert_eq!(report["stats"]["rules_run"], 0);
    dir.cmd()
        .args(["scan", "--lang", "rust"])
        .run()
        .expect_code(2);
}

#[test]
fn output_file_is_written_atomically() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    dir.create_dir("reports");
    dir.create("reports/scan.json", "stale");
    let out = dir
        .cmd()
        .args([
            "scan",
            "a.py",
            "--format",
            "json",
            "-o",
            "reports/scan.json",
        ])
        .run()
        .expect_code(0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("reports/scan.json"), "{}", out.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&dir.read("reports/scan.json")).expect("JSON report");
    assert_eq!(report["stats"]["files_scanned"], 1);
    assert_eq!(
        dir.list("reports"),
        vec!["scan.json"],
        "no temporary files left"
    );

    let out = dir
        .cmd()
        .args(["scan", "a.py", "-o", "missing-dir/r.txt"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("missing-dir/r.txt"), "{}", out.stderr);
}

#[test]
fn sarif_output_is_a_sarif_log() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    let log = dir
        .cmd()
        .args(["scan", "--format", "sarif"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["runs"].is_array());
}

#[test]
fn github_format_escapes_properties() {
    let dir = Dir::new();
    dir.create("odd,name:1%.py", b"\x00binary");
    let out = dir
        .cmd()
        .args(["scan", "--format", "github"])
        .run()
        .expect_code(0);
    assert!(
        out.stdout.contains(
            "::warning file=odd%2Cname%3A1%25.py,title=secguard binary-skipped::binary file"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn baselines_are_read_and_bad_ones_rejected() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    dir.cmd()
        .args(["scan", "--format", "json", "-o", "base.json"])
        .run()
        .expect_code(0);
    dir.cmd()
        .args(["scan", "--format", "sarif", "-o", "base.sarif"])
        .run()
        .expect_code(0);
    dir.cmd()
        .args(["scan", "a.py", "--baseline", "base.json"])
        .run()
        .expect_code(0);
    dir.cmd()
        .args(["scan", "a.py", "--baseline", "base.sarif"])
        .run()
        .expect_code(0);

    dir.create("bad.json", "{ not json");
    let out = dir
        .cmd()
        .args(["scan", "a.py", "--baseline", "bad.json"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("bad.json"), "{}", out.stderr);
    let out = dir
        .cmd()
        .args(["scan", "a.py", "--baseline", "absent.json"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("absent.json"), "{}", out.stderr);
}

#[test]
fn findings_drive_exit_codes_baselines_and_suppressions() {
    let dir = Dir::new();
    dir.create("app.py", VULNERABLE_PY);
    dir.create("main.c", VULNERABLE_C);
    let first = dir.cmd().args(["scan", "--format", "json"]).run();
    let report = first.json();
    let open = open_findings(&report);
    if open.is_empty() {
        eprintln!("skipped: the engine reports no findings on the vulnerable samples yet");
        assert_eq!(first.code, Some(0));
        return;
    }
    assert_eq!(first.code, Some(1), "{}", first.stderr);
    dir.cmd()
        .args(["scan", "--fail-on", "never"])
        .run()
        .expect_code(0);
    let text = dir.cmd().arg("scan").run().expect_code(1).stdout;
    assert!(text.contains("Found "), "{text}");

    // A baseline of the same scan hides every finding.
    dir.cmd()
        .args(["scan", "--format", "json", "-o", "base.json"])
        .run()
        .expect_code(1);
    dir.cmd()
        .args(["scan", ".", "--baseline", "base.json"])
        .run()
        .expect_code(0);
    dir.cmd()
        .args(["scan", "--format", "sarif", "-o", "base.sarif"])
        .run()
        .expect_code(1);
    let after = dir
        .cmd()
        .args(["scan", "--format", "json", "--baseline", "base.sarif"])
        .run()
        .expect_code(0)
        .json();
    assert!(open_findings(&after).is_empty());

    // The GitHub format annotates each open finding.
    let github = dir
        .cmd()
        .args(["scan", "--format", "github"])
        .run()
        .expect_code(1)
        .stdout;
    let annotations = github
        .lines()
        .filter(|l| l.starts_with("::error") || l.starts_with("::notice"))
        .count()
        + github
            .lines()
            .filter(|l| l.starts_with("::warning") && !l.contains("title=secguard "))
            .count();
    assert_eq!(annotations, open.len(), "{github}");

    // An inline suppression on the line of a Python finding hides it.
    let Some(target) = open.iter().find(|f| {
        f["location"]["path"] == "app.py"
            && f["location"]["start_line"] == f["location"]["end_line"]
    }) else {
        return;
    };
    let rule = target["rule_id"].as_str().expect("rule id");
    let line = target["location"]["start_line"].as_u64().expect("line") as usize;
    let mut lines: Vec<String> = VULNERABLE_PY.lines().map(str::to_string).collect();
    lines[line - 1].push_str(&format!("  # secguard: ignore[{rule}] reviewed in test"));
    dir.create("app.py", lines.join("\n") + "\n");
    let report = dir
        .cmd()
        .args(["scan", "app.py", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json();
    let suppressed: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule && f["location"]["start_line"] == line as u64)
        .collect();
    assert!(!suppressed.is_empty());
    for f in suppressed {
        assert_eq!(f["suppression"]["kind"], "in_source");
        assert_eq!(f["suppression"]["justification"], "reviewed in test");
    }
}

#[test]
fn unknown_rule_suppression_is_reported() {
    let dir = Dir::new();
    dir.create(
        "a.py",
        "x = 1  # secguard: ignore[no-such-rule] because\ny = 2  # secguard: ignore\n",
    );
    let report = dir
        .cmd()
        .args(["scan", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(
        note_kinds(&report),
        vec!["invalid-suppression", "invalid-suppression"]
    );
}

#[test]
fn output_is_deterministic() {
    let dir = Dir::new();
    for i in 0..30 {
        dir.create(&format!("m{i:02}/a.py"), VULNERABLE_PY);
        dir.create(&format!("m{i:02}/b.c"), VULNERABLE_C);
        dir.create(&format!("m{i:02}/bin.py"), b"\x00");
    }
    let run = |jobs: &str| {
        let mut report = dir
            .cmd()
            .args(["scan", "--format", "json", "--fail-on", "never", "-j", jobs])
            .run()
            .expect_code(0)
            .json();
        report["stats"]["duration_ms"] = serde_json::Value::Null;
        report
    };
    let one = run("1");
    assert_eq!(one["stats"]["files_scanned"], 60);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn rules_subcommands() {
    let dir = Dir::new();
    let out = dir
        .cmd()
        .args(["rules", "list", "--format", "json"])
        .run()
        .expect_code(0);
    let rules = out.json();
    let rules = rules.as_array().expect("array of rules");
    dir.cmd().args(["rules", "list"]).run().expect_code(0);
    let out = dir
        .cmd()
        .args(["rules", "explain", "definitely-not-a-rule"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("definitely-not-a-rule"),
        "{}",
        out.stderr
    );
    if let Some(first) = rules.first() {
        let id = first["id"].as_str().expect("id");
        let out = dir
            .cmd()
            .args(["rules", "explain", id])
            .run()
            .expect_code(0);
        assert!(out.stdout.starts_with(id), "{}", out.stdout);
    }
}

#[test]
fn unknown_analyzer_is_a_usage_error_and_a_failing_one_is_a_note() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    dir.cmd()
        .args(["scan", "--analyzers", "builtin"])
        .run()
        .expect_code(0);
    let out = dir
        .cmd()
        .args(["scan", "--analyzers", "builtin,nope"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("unknown analyzer 'nope'"),
        "{}",
        out.stderr
    );

    // A requested tool that cannot run is reported per analyzer; the others'
    // results are kept and the exit code follows the findings.
    let out = dir
        .cmd()
        .env("PATH", "/nonexistent")
        .args([
            "scan",
            "--no-cache",
            "--analyzers",
            "builtin,bandit",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("analyzer-failed"), "{}", out.stdout);
    assert!(
        out.stdout.contains("bandit: not installed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"builtin\": \"secure\""),
        "{}",
        out.stdout
    );
}

#[test]
fn verdicts_are_printed_on_request() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    let out = dir
        .cmd()
        .args(["scan", "--verdicts", "--color", "never"])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("secure   a.py"), "{}", out.stdout);
    let out = dir
        .cmd()
        .args(["scan", "--color", "always"])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains('\x1b'), "{}", out.stdout);
}

const CUSTOM_RULE: &str = r#"id: team-no-pickle-cache
title: Cache files read with pickle
languages: [python]
cwe: [502]
severity: medium
confidence: medium
message: "{sink}() reads a cache file with pickle"
docs:
  what: Our caches must be JSON.
  why: A cache file can be replaced by anyone who can write the cache folder.
  example: pickle.load(open("cache.bin", "rb"))
  fix: Use json.load.
call:
  name: ["pickle.load"]
fixtures:
  positive:
    - |
      import pickle
      data = pickle.load(open("cache.bin", "rb"))
  negative:
    - |
      import json
      data = json.load(open("cache.json"))
"#;

#[test]
fn user_rule_files_extend_the_builtin_rules() {
    let dir = Dir::new();
    dir.create("rules/team/no-pickle.yaml", CUSTOM_RULE);
    dir.create(
        "app.py",
        "import pickle\nstate = pickle.load(open('cache.bin', 'rb'))\n",
    );
    let out = dir
        .cmd()
        .args(["scan", "--rules", "rules", "--format", "json", "app.py"])
        .run()
        .expect_code(1);
    assert!(
        out.stdout.contains("team-no-pickle-cache"),
        "{}",
        out.stdout
    );

    let out = dir
        .cmd()
        .args(["rules", "--rules", "rules", "test"])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("0 failed"), "{}", out.stdout);
}

#[test]
fn bad_user_rule_file_exits_2_naming_file_and_field() {
    let dir = Dir::new();
    dir.create(
        "rules/bad.yaml",
        CUSTOM_RULE.replace("severity: medium", "severity: severe"),
    );
    dir.create("app.py", CLEAN_PY);
    let out = dir
        .cmd()
        .args(["scan", "--rules", "rules", "app.py"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("rules/bad.yaml") && out.stderr.contains("severity"),
        "{}",
        out.stderr
    );

    dir.create("rules/bad.yaml", "id: [unclosed\n");
    let out = dir
        .cmd()
        .args(["scan", "--rules", "rules/bad.yaml", "app.py"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("rules/bad.yaml"), "{}", out.stderr);

    let out = dir
        .cmd()
        .args(["scan", "--rules", "no-such-dir", "app.py"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("no-such-dir"), "{}", out.stderr);
}

#[test]
fn analyzer_programs_come_from_secguard_toml() {
    let dir = Dir::new();
    dir.create(
        "secguard.toml",
        "[analyzers]\nbandit = \"tools/my-bandit\"\nflawfinder_min_level = 4\n",
    );
    dir.create("a.py", CLEAN_PY);
    let out = dir
        .cmd()
        .args([
            "scan",
            "--no-cache",
            "--analyzers",
            "builtin,bandit",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0);
    // The configured program is used (and reported missing), not PATH's.
    assert!(out.stdout.contains("tools/my-bandit"), "{}", out.stdout);

    dir.create("secguard.toml", "[analyzers]\nflawfinder_min_level = 9\n");
    let out = dir.cmd().arg("scan").run().expect_code(2);
    assert!(
        out.stderr
            .contains("secguard.toml: analyzers.flawfinder_min_level"),
        "{}",
        out.stderr
    );
    dir.create("secguard.toml", "[analyzers]\nsemgrap = \"x\"\n");
    let out = dir.cmd().arg("scan").run().expect_code(2);
    assert!(out.stderr.contains("analyzers.semgrap"), "{}", out.stderr);
}

/// Settings that cannot mean anything are errors naming the setting, not
/// a scan that quietly skips every file and exits 0.
#[test]
fn impossible_settings_exit_2_naming_them() {
    let dir = Dir::new();
    dir.create("a.py", VULNERABLE_PY);
    for value in ["0", "\"0K\""] {
        dir.create(
            "secguard.toml",
            format!("[scan]\nmax_file_size = {value}\n"),
        );
        let out = dir.cmd().arg("scan").run().expect_code(2);
        assert!(
            out.stderr
                .contains("secguard.toml: scan.max_file_size: must be above 0"),
            "{}",
            out.stderr
        );
    }
    dir.create("secguard.toml", "");
    let out = dir
        .cmd()
        .args(["scan", "--max-file-size", "0"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("--max-file-size"), "{}", out.stderr);
    let out = dir
        .cmd()
        .args(["scan", "--tool-timeout", "0"])
        .run()
        .expect_code(2);
    assert!(out.stderr.contains("--tool-timeout"), "{}", out.stderr);
}

/// `-j 10000` used to start ten thousand threads; it is capped with a
/// message and the scan runs as usual.
#[test]
fn huge_job_counts_are_capped_with_a_message() {
    let dir = Dir::new();
    dir.create("a.py", CLEAN_PY);
    let out = dir.cmd().args(["scan", "-j", "10000"]).run().expect_code(0);
    assert!(
        out.stderr
            .contains("10000 jobs is more than 4 per CPU; using "),
        "{}",
        out.stderr
    );
}

/// The 99-byte C file whose nested `--` took gigabytes and aborted the
/// whole scan: now it is one more file, and the others' findings stand.
#[test]
fn pathological_file_keeps_the_others_report() {
    let dir = Dir::new();
    dir.create("a.py", VULNERABLE_PY);
    dir.create(
        "dec.c",
        format!(
            "int main(void){{ int x=1; return {}x; }}\n",
            "--".repeat(24)
        ),
    );
    let report = dir
        .cmd()
        .args(["scan", "--format", "json"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(report["stats"]["files_scanned"], 2);
    assert!(!open_findings(&report).is_empty());
}
