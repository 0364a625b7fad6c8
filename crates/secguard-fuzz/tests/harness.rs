//! The harness itself, attacked first: each way a target can fail (panic,
//! abort, stack overflow, hang, runaway allocation) must be caught,
//! classified, and must not stop the inputs after it. The `selftest`
//! target fails on request, so these tests do not depend on a bug in
//! secguard still being there.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn fuzz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_secguard-fuzz"))
}

fn write(dir: &Path, target: &str, name: &str, text: &str) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(name), text).unwrap();
}

/// Replay a folder and return (exit code, stats per target by name).
fn replay(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>, String) {
    let json = dir.join("stats.json");
    let out = fuzz()
        .arg("replay")
        .args(extra)
        .arg("--json")
        .arg(&json)
        .arg(dir.join("inputs"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stats: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (out.status.code().unwrap_or(-1), stats, stdout)
}

fn count(st: &Value, key: &str) -> u64 {
    st[key].as_u64().unwrap()
}

#[test]
fn every_kind_of_failure_is_caught_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    // Sorted by name: each failure is followed by a good input, which must
    // still run on a fresh worker.
    for (i, what) in ["panic", "abort", "stack", "alloc", "hang"]
        .iter()
        .enumerate()
    {
        write(&inputs, "selftest", &format!("{i}a-{what}.selftest"), what);
        write(&inputs, "selftest", &format!("{i}b-ok.selftest"), "ok");
    }
    // A 2 s cap on CPU time: only the hang reaches it, however loaded the
    // machine is.
    let (code, stats, stdout) = replay(tmp.path(), &["--time-cap-ms", "2000"]);
    assert_eq!(code, 1, "{stdout}");
    let st = &stats[0];
    assert_eq!(st["target"], "selftest");
    assert_eq!(count(st, "inputs"), 10, "{stdout}");
    assert_eq!(count(st, "panics"), 1, "{stdout}");
    assert_eq!(count(st, "aborts"), 2, "abort and stack overflow: {stdout}");
    assert_eq!(count(st, "memory_cap_hits"), 1, "{stdout}");
    assert_eq!(count(st, "timeouts"), 1, "{stdout}");
    let failures = st["failures"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = failures
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let name = Path::new(path).file_name().unwrap().to_str().unwrap();
            (name, f["kind"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("0a-panic.selftest", "panic"),
            ("1a-abort.selftest", "abort"),
            ("2a-stack.selftest", "abort"),
            ("3a-alloc.selftest", "memory-cap"),
            ("4a-hang.selftest", "timeout"),
        ]
    );
    assert!(stdout.contains("selftest panic requested"), "{stdout}");
}

#[test]
fn a_worker_stuck_without_using_cpu_is_killed_by_wall_time() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("inputs"),
        "selftest",
        "a-sleep.selftest",
        "sleep",
    );
    write(
        &tmp.path().join("inputs"),
        "selftest",
        "b-ok.selftest",
        "ok",
    );
    // 0.3 s cap: the sleeper uses no CPU, so the ten-times wall backstop
    // (3 s) must end it.
    let (code, stats, stdout) = replay(tmp.path(), &["--time-cap-ms", "300"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(count(&stats[0], "timeouts"), 1, "{stdout}");
    assert_eq!(count(&stats[0], "inputs"), 2, "{stdout}");
}

#[test]
fn memory_cap_is_per_input_and_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("inputs"),
        "selftest",
        "alloc.selftest",
        "alloc",
    );
    // 1 GiB requested: over a 512 MB cap too...
    let (_, stats, stdout) = replay(tmp.path(), &["--mem-cap-mb", "512"]);
    assert_eq!(count(&stats[0], "memory_cap_hits"), 1, "{stdout}");
    // ...and under a 2 GB one (reserved, never touched, so this is cheap).
    let (code, stats, stdout) = replay(tmp.path(), &["--mem-cap-mb", "2048"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(count(&stats[0], "memory_cap_hits"), 0, "{stdout}");
    let peak = stats[0]["peak_memory"][0].as_u64().unwrap();
    assert!(
        peak >= 1 << 30,
        "peak {peak} should count the 1 GiB reserved"
    );
}

#[test]
fn generated_inputs_are_reproducible_from_seed_and_index() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gen_input = |seed: &str, index: &str| {
        let out = fuzz()
            .args(["gen", "--root"])
            .arg(&root)
            .args(["--target", "c", "--seed", seed, "--index", index])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(gen_input("5", "17"), gen_input("5", "17"));
    assert_ne!(gen_input("5", "17"), gen_input("5", "18"));
    assert_ne!(gen_input("5", "17"), gen_input("6", "17"));
}

#[test]
fn a_failing_generated_input_is_saved_and_described() {
    // Campaign over the selftest target: its seed corpus is only "ok", but
    // mutations never produce a failing word from it, so point the
    // campaign at a root whose regressions folder seeds a panic.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(
        &root.join("fuzz").join("regressions"),
        "selftest",
        "p.selftest",
        "panic now",
    );
    let save = tmp.path().join("saved");
    let copy = tmp.path().join("copied");
    let out = fuzz()
        .args([
            "run", "--target", "selftest", "--inputs", "300", "--seed", "3", "--jobs", "2",
        ])
        .arg("--root")
        .arg(&root)
        .arg("--save-dir")
        .arg(&save)
        .arg("--copy-to")
        .arg(&copy)
        .args(["--max-saves", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let saved: Vec<_> = std::fs::read_dir(save.join("selftest"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(saved.len(), 2, "at most --max-saves per kind: {stdout}");
    for f in &saved {
        let text = std::fs::read_to_string(f.path()).unwrap();
        assert!(text.starts_with("panic"), "{text:?}");
        // The saved file is exactly the generated input.
        let name = f.file_name().into_string().unwrap();
        let (seed, index) = name.trim_end_matches(".selftest").split_once('-').unwrap();
        let again = fuzz()
            .args([
                "gen", "--target", "selftest", "--seed", seed, "--index", index,
            ])
            .arg("--root")
            .arg(&root)
            .output()
            .unwrap();
        assert_eq!(again.stdout, text.as_bytes());
        let desc = copy.join(format!("selftest-{seed}-{index}.txt"));
        let desc = std::fs::read_to_string(desc).unwrap();
        assert!(desc.starts_with("panic in target selftest"), "{desc}");
    }
    // And the saved inputs replay as the same failure.
    let out = fuzz().arg("replay").arg(&save).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("panic: selftest panic requested"));
}

#[test]
fn minimize_shrinks_an_input_to_what_still_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("p.selftest");
    std::fs::write(&file, "panic at once\n").unwrap();
    let out_file = tmp.path().join("small.selftest");
    let out = fuzz()
        .args(["minimize", "--target", "selftest", "--out"])
        .arg(&out_file)
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("panic in 5 bytes"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "panic");
    // An input that does not fail is said so, with exit status 1.
    std::fs::write(&file, "ok").unwrap();
    let out = fuzz()
        .args(["minimize", "--target", "selftest"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
