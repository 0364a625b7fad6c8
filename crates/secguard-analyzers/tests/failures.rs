//! One orchestrated run in which four analyzers fail in four different ways
//! (missing, crashing, hanging, writing garbage): each failure is reported for
//! its analyzer, and the analyzer that works still delivers its findings.

use secguard_analyzers::orchestrate::run_all;
use secguard_analyzers::{
    Analyzer, AnalyzerError, AnalyzerInput, bandit, builtin, cppcheck, flawfinder, semgrep,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    path
}

#[test]
fn each_failure_is_reported_and_the_rest_is_kept() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tools = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        work.path().join("app.py"),
        "import os\ncmd = input()\nos.system(cmd)\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        work.path().join("copy.c"),
        "#include <string.h>\nvoid f(char *s) { char b[4]; strcpy(b, s); }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // `--version` must work for the run to start, so the fakes answer it and
    // misbehave only on the real run.
    let hang = script(
        tools.path(),
        "hang",
        "case \"$1\" in --version) echo 2.0.19; exit 0;; esac\nexec sleep 30",
    );
    let garbage = script(
        tools.path(),
        "garbage",
        "case \"$1\" in --version) echo 1.0.0; exit 0;; esac\necho 'this is not JSON'",
    );
    let crash = script(
        tools.path(),
        "crash",
        "case \"$1\" in --version) echo 'Cppcheck 2.10'; exit 0;; esac\necho boom >&2\nexit 3",
    );
    let engine = secguard_engine::Engine::builtin().unwrap_or_else(|e| panic!("{e}"));
    let analyzers: Vec<Box<dyn Analyzer>> = vec![
        Box::new(builtin::Builtin::new(engine)),
        Box::new(bandit::Bandit::new(Some(
            tools.path().join("no-such-bandit"),
        ))),
        Box::new(cppcheck::Cppcheck::new().with_program(crash)),
        Box::new(flawfinder::Flawfinder::new().with_program(hang)),
        Box::new(
            semgrep::Semgrep::with_configs(vec![semgrep::bundled_rules_dir()])
                .with_program(Some(garbage)),
        ),
    ];
    let input = AnalyzerInput {
        root: work.path().to_path_buf(),
        files: vec![PathBuf::from("app.py"), PathBuf::from("copy.c")],
        timeout: Duration::from_secs(2),
    };
    let start = Instant::now();
    let runs = run_all(&analyzers, &input, 5, None, &|_| String::new(), &|_| {});
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );

    let by_name = |n: &str| {
        runs.iter()
            .find(|r| r.name == n)
            .unwrap_or_else(|| panic!("no run for {n}"))
    };
    let builtin = by_name("builtin")
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        builtin
            .findings
            .iter()
            .any(|f| f.rule_id == "py-command-injection"),
        "{:?}",
        builtin.findings
    );
    match &by_name("bandit").result {
        Err(e @ AnalyzerError::NotInstalled { .. }) => {
            assert!(e.to_string().contains("bandit"), "{e}")
        }
        other => panic!("bandit: {other:?}"),
    }
    match &by_name("cppcheck").result {
        Err(e @ (AnalyzerError::Crashed { .. } | AnalyzerError::MalformedOutput { .. })) => {
            assert!(e.to_string().contains("cppcheck"), "{e}")
        }
        other => panic!("cppcheck: {other:?}"),
    }
    match &by_name("flawfinder").result {
        Err(e @ AnalyzerError::Timeout { .. }) => assert!(e.to_string().contains("flawfinder")),
        other => panic!("flawfinder: {other:?}"),
    }
    match &by_name("semgrep").result {
        Err(e @ AnalyzerError::MalformedOutput { .. }) => {
            assert!(e.to_string().contains("semgrep"), "{e}")
        }
        other => panic!("semgrep: {other:?}"),
    }
}
