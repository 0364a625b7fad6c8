//! Helpers for the CLI tests, in the style of ripgrep's test utilities: a
//! temporary directory to lay out files in, and a builder for running the
//! built `secguard` binary inside it.

#![allow(dead_code)]

pub mod browser;
pub mod llm;
pub mod server;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small Flask handler with a critical finding (command injection) and a
/// medium one (a weak hash): enough for the review tests to label one that
/// one reviewer may hide and one that takes two.
pub const APP_PY: &str = r#"import hashlib
import os

from flask import request


def handler():
    cmd = request.args.get("cmd")
    os.system(cmd)
    return hashlib.md5(request.data).hexdigest()
"#;

/// A temporary directory that is removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::Builder::new()
                .prefix("secguard-test-")
                .tempdir()
                .expect("create a temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Write `contents` to `rel` (relative to the directory), creating parents.
    pub fn create(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    pub fn create_dir(&self, rel: &str) -> PathBuf {
        let path = self.path().join(rel);
        std::fs::create_dir_all(&path).expect("create directory");
        path
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read test file")
    }

    /// File names directly inside `rel`, sorted.
    pub fn list(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path().join(rel))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A `secguard` command running in this directory, with a clean
    /// environment for the variables secguard reads.
    pub fn cmd(&self) -> TestCommand {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_secguard"));
        cmd.current_dir(self.path());
        for var in [
            "SECGUARD_FORMAT",
            "SECGUARD_FAIL_ON",
            "SECGUARD_DB",
            "SECGUARD_PROJECT",
            "SECGUARD_REVIEWER",
            "SECGUARD_REVIEWER_KEY",
            "OPENAI_BASE_URL",
            "OPENAI_API_KEY",
            "SECGUARD_MODEL",
            "SECGUARD_EMBEDDING_MODEL",
            "SECGUARD_LOCAL_MODEL",
            "SECGUARD_MODELS_DIR",
            "NO_COLOR",
            "TERM",
        ] {
            cmd.env_remove(var);
        }
        // A developer's own reviewer key is never picked up.
        cmd.env("XDG_CONFIG_HOME", self.path().join(".config"));
        TestCommand { cmd }
    }
}

pub struct TestCommand {
    cmd: Command,
}

impl TestCommand {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Run in a subdirectory of the test directory.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// The command itself, to spawn and control (kill) a run.
    pub fn command(self) -> Command {
        self.cmd
    }

    pub fn run(mut self) -> Outcome {
        let output = self.cmd.output().expect("run secguard");
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub struct Outcome {
    /// `None` when killed by a signal (a crash).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Panic with both streams unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Outcome {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "secguard panicked:\n{}",
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The `kind` of every note in a JSON report.
pub fn note_kinds(report: &serde_json::Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .expect("notes array")
        .iter()
        .map(|n| n["kind"].as_str().expect("kind").to_string())
        .collect()
}

/// The path of every verdict (one per scanned file) in a JSON report.
pub fn scanned_paths(report: &serde_json::Value) -> Vec<String> {
    report["verdicts"]
        .as_array()
        .expect("verdicts array")
        .iter()
        .map(|v| v["path"].as_str().expect("path").replace('\\', "/"))
        .collect()
}

/// Unsuppressed findings in a JSON report.
pub fn open_findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f.get("suppression").is_none_or(serde_json::Value::is_null))
        .cloned()
        .collect()
}

/// A path under `../shared/data`, when present; under CI its absence fails
/// the test, elsewhere the test is skipped with a message.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing under CI",
        path.display()
    );
    eprintln!("skipping: {} not found", path.display());
    None
}
