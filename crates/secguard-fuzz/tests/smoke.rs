//! A short campaign as part of the regular test suite: no input of it may
//! panic, abort, pass the memory cap (256 MB) or the time cap. The time cap
//! is raised from 5 s to a generous 60 s of CPU time because tests run a
//! debug build, many times slower than the release build `scripts/fuzz`
//! measures with the real cap. `SECGUARD_FUZZ_SMOKE_INPUTS` changes the
//! number of inputs per target.

use std::path::Path;
use std::process::Command;

fn smoke(targets: &[&str], default_inputs: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let inputs =
        std::env::var("SECGUARD_FUZZ_SMOKE_INPUTS").unwrap_or_else(|_| default_inputs.into());
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secguard-fuzz"));
    cmd.args(["run", "--seed", "20261207", "--jobs", "2"])
        .args(["--inputs", &inputs, "--time-cap-ms", "60000"])
        .arg("--root")
        .arg(&root)
        .arg("--save-dir")
        .arg(tmp.path());
    for t in targets {
        cmd.args(["--target", t]);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "fuzz smoke campaign failed:\n{stdout}\n{stderr}"
    );
}

#[test]
fn smoke_campaign_on_the_readers() {
    smoke(
        &[
            "rules",
            "sarif",
            "bandit",
            "semgrep",
            "cppcheck",
            "flawfinder",
        ],
        "1000",
    );
}

#[test]
fn smoke_campaign_on_the_front_ends_and_the_reply_extractor() {
    smoke(&["python", "c", "cpp", "llm-extract"], "300");
}
