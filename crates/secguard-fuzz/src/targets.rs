//! The fuzz targets: each takes raw bytes and drives one reader of
//! untrusted text through its public entry point, exactly as the rest of
//! secguard calls it. A target "fails" only by panicking, aborting, running
//! past the time cap or the memory cap; an `Err` for bad input is success.

use secguard_core::Language;
use secguard_engine::Engine;
use secguard_engine::rules::RuleSet;
use std::hint::black_box;
use std::path::Path;

/// Every target, in campaign order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// Python front end: parse, lower and analyze one file.
    Python,
    /// C front end.
    C,
    /// C++ front end.
    Cpp,
    /// The rule loader (one YAML rule or sources file), then a scan with it.
    Rules,
    /// The SARIF 2.1.0 reader (and the CodeQL adapter on top of it).
    Sarif,
    /// Bandit's JSON report reader.
    Bandit,
    /// Semgrep's JSON report reader.
    Semgrep,
    /// cppcheck's XML report reader.
    Cppcheck,
    /// flawfinder's CSV report reader.
    Flawfinder,
    /// The LLM reply extractor: code blocks, JSON and JSON repair.
    LlmExtract,
    /// Checks the harness itself: panics, aborts, hangs or allocates on
    /// request. Never part of `all`.
    Selftest,
}

impl Target {
    /// The real targets (`--target all`).
    pub const ALL: [Target; 10] = [
        Target::Python,
        Target::C,
        Target::Cpp,
        Target::Rules,
        Target::Sarif,
        Target::Bandit,
        Target::Semgrep,
        Target::Cppcheck,
        Target::Flawfinder,
        Target::LlmExtract,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Python => "python",
            Target::C => "c",
            Target::Cpp => "cpp",
            Target::Rules => "rules",
            Target::Sarif => "sarif",
            Target::Bandit => "bandit",
            Target::Semgrep => "semgrep",
            Target::Cppcheck => "cppcheck",
            Target::Flawfinder => "flawfinder",
            Target::LlmExtract => "llm-extract",
            Target::Selftest => "selftest",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL
            .into_iter()
            .chain([Target::Selftest])
            .find(|t| t.name() == name)
    }

    /// File extension for saved inputs, so a saved failure opens in the
    /// right editor mode and `secguard scan` picks the right language.
    pub fn extension(self) -> &'static str {
        match self {
            Target::Python => "py",
            Target::C => "c",
            Target::Cpp => "cpp",
            Target::Rules => "yaml",
            Target::Sarif => "sarif",
            Target::Bandit | Target::Semgrep => "json",
            Target::Cppcheck => "xml",
            Target::Flawfinder => "csv",
            Target::LlmExtract => "reply",
            Target::Selftest => "selftest",
        }
    }

    /// A number mixed into the input generator so targets draw different
    /// streams from one campaign seed.
    pub fn tag(self) -> u64 {
        self as u64 + 1
    }
}

/// What a worker builds once and reuses for every input.
pub struct Context {
    engine: Engine,
    /// The embedded taint-source files, loaded beside a fuzzed rule so that
    /// taint rules see real sources.
    sources: Vec<(String, String)>,
}

/// A Python and a C snippet that a fuzzed rule is run over once it loads.
const RULE_PROBE_PY: &str = "import os\nfrom flask import request\n\ndef f():\n    x = request.args.get('a')\n    os.system('ls ' + x)\n    eval(x)\n    return open(x).read()\n";
const RULE_PROBE_C: &str = "#include <string.h>\n#include <stdlib.h>\nint main(int argc, char **argv) {\n    char buf[8];\n    char *p = malloc(4);\n    strcpy(buf, argv[1]);\n    system(argv[1]);\n    free(p);\n    free(p);\n    return buf[argc];\n}\n";

impl Context {
    pub fn new() -> Result<Context, String> {
        let engine = Engine::builtin().map_err(|e| format!("embedded rules do not load: {e}"))?;
        let sources = secguard_engine::embedded_rule_files()
            .into_iter()
            .filter(|(p, _)| p.contains("sources/"))
            .collect();
        Ok(Context { engine, sources })
    }

    /// Run one input through `target`.
    pub fn run(&self, target: Target, input: &[u8]) {
        match target {
            Target::Python => self.scan(Language::Python, input),
            Target::C => self.scan(Language::C, input),
            Target::Cpp => self.scan(Language::Cpp, input),
            Target::Rules => self.rules(&text(input)),
            Target::Sarif => {
                let t = text(input);
                let _ = black_box(secguard_core::sarif::from_sarif(&t));
                let _ = black_box(secguard_analyzers::codeql::parse_codeql_sarif(
                    &t,
                    Path::new("/src"),
                ));
            }
            Target::Bandit => {
                let _ = black_box(secguard_analyzers::bandit::parse_bandit_json(
                    &text(input),
                    Path::new("/src"),
                ));
            }
            Target::Semgrep => {
                let _ = black_box(secguard_analyzers::semgrep::parse_semgrep_json(
                    &text(input),
                    Path::new("/src"),
                ));
            }
            Target::Cppcheck => {
                let _ = black_box(secguard_analyzers::cppcheck::parse_cppcheck_xml(
                    &text(input),
                    Path::new("/src"),
                ));
            }
            Target::Flawfinder => {
                let _ = black_box(secguard_analyzers::flawfinder::parse_flawfinder_csv(
                    &text(input),
                    Path::new("/src"),
                ));
            }
            Target::LlmExtract => {
                let t = text(input);
                for lang in ["python", "c", "cpp", ""] {
                    black_box(secguard_llm::extract::extract_code(&t, lang));
                }
                let _ = black_box(secguard_llm::extract::extract_json(&t));
                black_box(secguard_llm::extract::repair_json(&t));
            }
            Target::Selftest => selftest(input),
        }
    }

    fn scan(&self, language: Language, input: &[u8]) {
        // Decoded exactly as the scanner decodes a file from disk.
        let (source, _) = secguard_engine::scan::decode_source(input.to_vec());
        let path = Path::new(match language {
            Language::Python => "fuzz.py",
            Language::C => "fuzz.c",
            Language::Cpp => "fuzz.cpp",
        });
        black_box(self.engine.scan_source(path, language, &source));
    }

    fn rules(&self, text: &str) {
        // The same text as a rule and as a taint-source file: the loader
        // routes them to different parsers.
        let _ = black_box(RuleSet::from_files([("sources/fuzz.yaml", text)]));
        let files = self
            .sources
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .chain([("fuzz/fuzz-rule.yaml", text)]);
        if let Ok(engine) = Engine::from_rule_files(files) {
            black_box(engine.scan_source(Path::new("probe.py"), Language::Python, RULE_PROBE_PY));
            black_box(engine.scan_source(Path::new("probe.c"), Language::C, RULE_PROBE_C));
        }
    }
}

fn text(input: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(input)
}

/// The harness's own target: the first word of the input says how to fail.
fn selftest(input: &[u8]) {
    let t = text(input);
    match t.split_whitespace().next().unwrap_or("") {
        "panic" => panic!("selftest panic requested"),
        "abort" => std::process::abort(),
        // An endless loop burning CPU, and a stuck one that sleeps (a
        // deadlock): the CPU-time cap catches the first, the wall-time
        // backstop the second.
        "hang" => {
            let mut n = 0u64;
            loop {
                n = black_box(n.wrapping_add(1));
            }
        }
        "sleep" => loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        },
        "alloc" => {
            // 1 GiB in 16 MiB steps: the cap must stop it long before the
            // machine notices. Reserved, not touched, so the check is quick.
            let mut held: Vec<Vec<u8>> = Vec::new();
            for _ in 0..64 {
                held.push(Vec::with_capacity(16 << 20));
            }
            black_box(held);
        }
        "stack" => {
            // Unbounded on purpose: the harness must survive a stack overflow.
            #[allow(unconditional_recursion)]
            fn deep(n: u64) -> u64 {
                let buf = black_box([n; 64]);
                deep(buf[0] + 1) + buf[1]
            }
            black_box(deep(0));
        }
        _ => {}
    }
}
