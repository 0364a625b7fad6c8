//! A short campaign over every target, as part of the regular test suite:
//! no input of it may panic, abort or pass the memory cap. The time cap is
//! raised from 5 s to a generous budget because this runs a debug build on
//! a shared machine; `scripts/fuzz` (release build) holds the real 5 s cap.
//! `SECGUARD_FUZZ_SMOKE_INPUTS` changes the number of inputs per target.

use std::path::Path;
use std::process::Command;

#[test]
fn smoke_campaign_finds_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let inputs = std::env::var("SECGUARD_FUZZ_SMOKE_INPUTS").unwrap_or_else(|_| "2000".into());
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_secguard-fuzz"))
        .args([
            "run", "--target", "all", "--seed", "20261207", "--jobs", "2",
        ])
        .args(["--inputs", &inputs, "--time-cap-ms", "60000"])
        .arg("--root")
        .arg(&root)
        .arg("--save-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "fuzz smoke campaign failed:\n{stdout}"
    );
}
