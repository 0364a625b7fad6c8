//! `secguard scan examples/` finds the planted weaknesses (each marked with an
//! `expect: CWE-N` comment on its line) and nothing in the fixed versions.
//! The few known gaps are listed here with their reason, so any new miss or
//! new false positive fails the test, and fixing a gap means removing it here.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Planted weaknesses the engine does not find yet, as `path:line`.
const KNOWN_MISSES: &[(&str, &str)] = &[];

/// Findings in fixed files the engine still reports, as `path:line`.
const KNOWN_FIXED_FINDINGS: &[(&str, &str)] = &[];

/// CWEs that count as the same weakness for matching `expect:` comments.
const FAMILIES: &[&[u32]] = &[
    &[
        119, 120, 121, 122, 124, 125, 126, 127, 129, 131, 170, 193, 787, 788, 805, 806,
    ],
    &[78, 77, 88],
    &[190, 191, 680],
    &[401, 772],
    &[415, 416],
    &[457, 908],
    &[476, 690],
    &[327, 328, 916, 759],
    &[330, 338],
    &[798, 259],
    &[94, 95],
    &[502],
];

fn related(a: u32, b: u32) -> bool {
    a == b || FAMILIES.iter().any(|f| f.contains(&a) && f.contains(&b))
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn expectations(dir: &Path) -> Vec<(String, u32, Vec<u32>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let is_source = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "py" | "c" | "cc" | "cpp" | "h" | "hpp"));
            if !is_source {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let rel = p
                .strip_prefix(dir)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            for (i, line) in text.lines().enumerate() {
                if let Some(pos) = line.find("expect: CWE-") {
                    let cwes = line[pos + "expect: ".len()..]
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .filter_map(|t| t.trim_start_matches("CWE-").parse::<u32>().ok())
                        .collect();
                    out.push((rel.clone(), i as u32 + 1, cwes));
                }
            }
        }
    }
    out
}

#[test]
fn examples_find_planted_weaknesses_and_nothing_in_fixed_files() {
    let dir = examples_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_secguard"))
        .arg("scan")
        .arg(".")
        .args(["--format", "json", "--no-config"])
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run secguard: {e}"));
    assert_eq!(output.status.code(), Some(1), "findings should exit 1");
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("report is not JSON: {e}"));
    let findings: Vec<(String, u32, Vec<u32>)> = report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let path = f["location"]["path"]
                        .as_str()
                        .unwrap_or_default()
                        .trim_start_matches("./")
                        .to_string();
                    let start = f["location"]["start_line"].as_u64().unwrap_or(0) as u32;
                    let cwes = f["cwe"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .filter_map(|x| x.as_u64().map(|n| n as u32))
                                .collect()
                        })
                        .unwrap_or_default();
                    (path, start, cwes)
                })
                .collect()
        })
        .unwrap_or_default();

    let expected = expectations(&dir);
    assert!(expected.len() >= 50, "examples lost their expect: markers");
    let mut misses = BTreeSet::new();
    for (path, line, cwes) in &expected {
        let found = findings.iter().any(|(p, l, fc)| {
            p == path && l == line && fc.iter().any(|a| cwes.iter().any(|b| related(*a, *b)))
        });
        if !found {
            misses.insert(format!("{path}:{line}"));
        }
    }
    let known_misses: BTreeSet<String> = KNOWN_MISSES.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(
        misses, known_misses,
        "planted weaknesses missed (left) vs known (right)"
    );

    let fixed: BTreeSet<String> = findings
        .iter()
        .filter(|(p, _, _)| p.contains("/fixed/"))
        .map(|(p, l, _)| format!("{p}:{l}"))
        .collect();
    let known_fixed: BTreeSet<String> = KNOWN_FIXED_FINDINGS
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(
        fixed, known_fixed,
        "findings in fixed files (left) vs known (right)"
    );
}
