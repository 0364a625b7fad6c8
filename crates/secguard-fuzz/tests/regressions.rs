//! Every input that ever failed a fuzz campaign (`fuzz/regressions/<target>/`)
//! is replayed through its target under the campaign's caps (5 s, 256 MB per
//! input): a fixed bug that comes back fails this test.

use std::path::Path;
use std::process::Command;

#[test]
fn past_fuzz_failures_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("fuzz").join("regressions");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let out = Command::new(env!("CARGO_BIN_EXE_secguard-fuzz"))
        .arg("replay")
        .arg("--root")
        .arg(&root)
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "saved fuzz inputs fail again:\n{stdout}\n{stderr}"
    );
}
