//! Seeds: the starting points the mutators work from. Read at start-up
//! from the repository (examples, test fixtures, past failures) and from
//! what the engine embeds (rules and their fixture snippets), plus a few
//! hand-written report shapes for readers that have no fixture file.

use crate::targets::Target;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest file read as a seed; bigger ones add time, not coverage.
const MAX_SEED_BYTES: u64 = 256 * 1024;

/// Seeds per target, in a deterministic order.
#[derive(Debug, Default, Clone)]
pub struct Corpus {
    seeds: BTreeMap<Target, Vec<Vec<u8>>>,
}

impl Corpus {
    /// Every seed for every target. `root` is the repository root; missing
    /// folders are skipped, so the built-in seeds alone still work.
    pub fn load(root: &Path) -> Corpus {
        let mut c = Corpus::default();
        let mut files = Vec::new();
        walk(&root.join("examples"), &mut files);
        if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
            for e in crates.flatten() {
                walk(&e.path().join("tests").join("fixtures"), &mut files);
            }
        }
        walk(&root.join("fuzz").join("regressions"), &mut files);
        files.sort();
        for path in files {
            let targets = targets_for_file(&path);
            if targets.is_empty() {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            for t in targets {
                c.add(t, bytes.clone());
            }
        }
        for (path, text) in secguard_engine::embedded_rule_files() {
            c.add(Target::Rules, text.clone().into_bytes());
            for (lang, snippet) in rule_fixture_snippets(&text) {
                let target = match lang.as_str() {
                    "python" => Target::Python,
                    "c" => Target::C,
                    "cpp" => Target::Cpp,
                    _ => continue,
                };
                c.add(target, snippet.clone().into_bytes());
                if target == Target::C {
                    c.add(Target::Cpp, snippet.clone().into_bytes());
                }
                // A model reply wraps code in a fence, with prose around it.
                c.add(
                    Target::LlmExtract,
                    format!("Here is the fixed code ({path}):\n\n```{lang}\n{snippet}```\n\nThis removes the issue.\n")
                        .into_bytes(),
                );
            }
        }
        for (t, text) in BUILTIN_SEEDS {
            c.add(*t, text.as_bytes().to_vec());
        }
        for list in c.seeds.values_mut() {
            list.sort();
            list.dedup();
        }
        c
    }

    fn add(&mut self, t: Target, bytes: Vec<u8>) {
        self.seeds.entry(t).or_default().push(bytes);
    }

    pub fn seeds(&self, t: Target) -> &[Vec<u8>] {
        self.seeds.get(&t).map_or(&[], Vec::as_slice)
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            walk(&path, out);
        } else if meta.is_file() && meta.len() <= MAX_SEED_BYTES {
            out.push(path);
        }
    }
}

/// Which targets a file seeds, by extension (and, for past failures, by
/// the `fuzz/regressions/<target>/` folder it sits in).
fn targets_for_file(path: &Path) -> Vec<Target> {
    if let Some(t) = regression_target(path) {
        return vec![t];
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let in_dir = |name: &str| path.components().any(|c| c.as_os_str() == name);
    match ext.as_str() {
        "py" => vec![Target::Python],
        "c" | "h" => vec![Target::C, Target::Cpp],
        "cpp" | "cc" | "cxx" | "hpp" => vec![Target::Cpp],
        "sarif" => vec![Target::Sarif],
        "xml" if in_dir("cppcheck") => vec![Target::Cppcheck],
        "csv" if in_dir("flawfinder") => vec![Target::Flawfinder],
        "json" if in_dir("bandit") => vec![Target::Bandit],
        "json" if in_dir("semgrep") => vec![Target::Semgrep],
        _ => Vec::new(),
    }
}

/// The target of a file under `.../fuzz/regressions/<target>/`.
pub fn regression_target(path: &Path) -> Option<Target> {
    let parent = path.parent()?;
    let grand = parent.parent()?;
    if grand.file_name()? != "regressions" {
        return None;
    }
    Target::from_name(parent.file_name()?.to_str()?)
}

/// `(language, code)` for every fixture snippet of one rule file.
fn rule_fixture_snippets(rule_yaml: &str) -> Vec<(String, String)> {
    let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(rule_yaml) else {
        return Vec::new();
    };
    let lang = v
        .get("languages")
        .and_then(|l| l.as_sequence())
        .and_then(|l| l.first())
        .and_then(|l| l.as_str())
        .unwrap_or("")
        .to_string();
    let mut out = Vec::new();
    if let Some(fx) = v.get("fixtures") {
        for kind in ["positive", "negative"] {
            for s in fx
                .get(kind)
                .and_then(|s| s.as_sequence())
                .into_iter()
                .flatten()
            {
                // A fixture is a string, or a map with `code` (and options).
                let code = s
                    .as_str()
                    .or_else(|| s.get("code").and_then(|c| c.as_str()));
                if let Some(code) = code {
                    out.push((lang.clone(), code.to_string()));
                }
            }
        }
    }
    out
}

/// Report shapes for readers with no fixture report in the repository,
/// written from each tool's documented output format.
const BUILTIN_SEEDS: &[(Target, &str)] = &[
    (
        Target::Bandit,
        r#"{"errors": [{"filename": "/src/broken.py", "reason": "syntax error while parsing AST from file"}], "generated_at": "2024-01-01T00:00:00Z", "metrics": {"_totals": {"loc": 10}}, "results": [{"code": "4 def f(cmd):\n5     os.system(cmd)\n", "col_offset": 4, "end_col_offset": 18, "filename": "/src/app.py", "issue_confidence": "HIGH", "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org/data/definitions/78.html"}, "issue_severity": "HIGH", "issue_text": "Starting a process with a shell, possible injection detected, security issue.", "line_number": 5, "line_range": [5], "more_info": "https://bandit.readthedocs.io/", "test_id": "B605", "test_name": "start_process_with_a_shell"}, {"code": "9 yaml.load(x)\n", "col_offset": 0, "filename": "app.py", "issue_confidence": "MEDIUM", "issue_cwe": {"id": "CWE-20"}, "issue_severity": "MEDIUM", "issue_text": "Use of unsafe yaml load.", "line_number": 9, "line_range": [9, 10], "test_id": "B506", "test_name": "yaml_load"}]}"#,
    ),
    (Target::Bandit, r#"{"results": [], "errors": []}"#),
    (
        Target::Semgrep,
        r#"{"version": "1.50.0", "results": [{"check_id": "secguard.python.command-injection", "path": "/src/app.py", "start": {"line": 5, "col": 5, "offset": 60}, "end": {"line": 5, "col": 19, "offset": 74}, "extra": {"message": "Command built from input reaches os.system", "severity": "ERROR", "metadata": {"cwe": ["CWE-78: Improper Neutralization of Special Elements used in an OS Command"], "confidence": "HIGH", "category": "security"}, "lines": "    os.system(cmd)", "fingerprint": "requires login"}}, {"check_id": "c.strcpy", "path": "copy.c", "start": {"line": 3, "col": 1}, "end": {"line": 4, "col": 2}, "extra": {"message": "strcpy", "severity": "WARNING", "metadata": {"cwe": "CWE-120", "confidence": "LOW"}}}], "errors": [{"code": 3, "level": "warn", "type": "Syntax error", "message": "Syntax error at line /src/broken.py:3", "path": "/src/broken.py", "spans": [{"file": "/src/broken.py", "start": {"line": 3, "col": 1}, "end": {"line": 3, "col": 4}}]}], "paths": {"scanned": ["/src/app.py"]}}"#,
    ),
    (
        Target::Semgrep,
        r#"{"results": [], "errors": [], "paths": {"scanned": []}}"#,
    ),
    (
        Target::LlmExtract,
        "Sure. Here is the corrected function:\n\n```python\nimport subprocess\n\ndef run(host):\n    return subprocess.run([\"ping\", \"-c\", \"1\", host], check=True)\n```\n\nand a test:\n\n~~~\nassert run(\"localhost\")\n~~~\n",
    ),
    (
        Target::LlmExtract,
        "```json\n{\"verdict\": \"insecure\", \"findings\": [{\"cwe\": 78, \"line\": 5, \"reason\": \"shell=True with input\"}], \"confidence\": 0.9,}\n```",
    ),
    (
        Target::LlmExtract,
        "The answer is {'verdict': 'secure', \"notes\": [\"uses parameterized queries\", ], // trailing comment\n \"score\": .5}",
    ),
    (
        Target::LlmExtract,
        "```c\n#include <stdio.h>\nint main(void) { char b[8]; fgets(b, sizeof b, stdin); return 0; }\n",
    ),
    (
        Target::Flawfinder,
        "File,Line,Column,DefaultLevel,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint,ToolVersion,RuleId,HelpUri\n\"a,b.c\",1,1,4,4,buffer,strcpy,\"Does not check for \"\"overflow\"\" (CWE-120).\",,,CWE-120,\"  strcpy(a, b);\",abc,2.0.19,FF1001,\n",
    ),
    (
        Target::Cppcheck,
        "<?xml version=\"1.0\"?>\n<results version=\"2\"><cppcheck version=\"2.13\"/><errors><error id=\"uninitvar\" severity=\"error\" msg=\"Uninitialized variable: x\" verbose=\"Uninitialized variable: x\" cwe=\"457\" file0=\"a.c\"><location file=\"a.c\" line=\"3\" column=\"12\" info=\"\"/><symbol>x</symbol></error><error id=\"missingInclude\" severity=\"information\" msg=\"Include file not found\" verbose=\"\"/></errors></results>\n",
    ),
    (
        Target::Sarif,
        r#"{"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [{"tool": {"driver": {"name": "Demo", "rules": [{"id": "R1", "shortDescription": {"text": "r"}, "properties": {"tags": ["external/cwe/cwe-78"], "security-severity": "9.8"}}]}}, "results": [{"ruleId": "R1", "ruleIndex": 0, "level": "error", "message": {"text": "m {0}", "arguments": ["x"]}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///src/a%20b.py", "uriBaseId": "SRCROOT"}, "region": {"startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 9, "snippet": {"text": "eval(x)"}}}}], "partialFingerprints": {"primaryLocationLineHash": "abc:1"}, "suppressions": [{"kind": "inSource", "justification": "ok"}], "codeFlows": [{"threadFlows": [{"locations": [{"location": {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}, "message": {"text": "source"}}}]}]}]}]}]}"#,
    ),
    (Target::Selftest, "ok"),
];
