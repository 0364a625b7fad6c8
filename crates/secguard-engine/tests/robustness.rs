//! Parsing never fails and the analysis never panics, whatever the input:
//! random bytes, random token soup, and deeply nested code.

use proptest::prelude::*;
use secguard_core::Language;
use secguard_engine::Engine;
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Engine::builtin() {
        Ok(e) => e,
        Err(e) => panic!("embedded rules do not load: {e}"),
    })
}

fn scan_all_languages(text: &str) {
    for lang in Language::ALL {
        let r = engine().scan_source(Path::new("fuzz.src"), lang, text);
        for f in &r.findings {
            assert!(f.location.start_line >= 1);
            assert!(f.location.end_line >= f.location.start_line);
        }
    }
}

/// Fragments of real Python and C that, shuffled, exercise the lowering and
/// the interpreter far more than uniform random bytes do.
const TOKENS: &[&str] = &[
    "def f(x):\n",
    "    ",
    "return ",
    "if ",
    "else:\n",
    "while ",
    "for i in ",
    "x",
    "y",
    "=",
    "==",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "\n",
    "os.system(",
    "request.args.get('a')",
    "f'{x}'",
    "%",
    "+",
    "*",
    "/",
    "0",
    "1",
    "-1",
    "9223372036854775807",
    "\"s\"",
    "int ",
    "char *p",
    ";",
    "malloc(",
    "free(p)",
    "p[",
    "->",
    "&",
    "sizeof(int)",
    "strcpy(",
    "#define A B\n",
    "static ",
    "try:\n",
    "except:\n",
    "lambda: ",
    "yield ",
    "async ",
    "with open(x) as f:\n",
    "switch (x) {",
    "case 1:",
    "break;",
    "goto l;",
    "l:",
    "do {",
    "} while (0);",
    "new int[",
    "delete[] ",
    "<<",
    ">>",
    "std::cin",
    "template<class T>",
    "x++",
    "--y",
    "?",
    "!",
    "~",
    "not ",
    "in ",
    "is ",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        scan_all_languages(&text);
    }

    #[test]
    fn token_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..300)) {
        let text: String = idx.iter().map(|i| TOKENS[*i]).collect();
        scan_all_languages(&text);
    }
}

#[test]
fn deep_nesting_is_bounded() {
    let deep_py = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
    let deep_sum = format!("y = {}\n", vec!["a"; 20000].join(" + "));
    let deep_c = format!(
        "int f(void) {{ return {}1{}; }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let nested_ifs = format!("void g(int a) {{ {} }}", "if (a) {".repeat(3000));
    for text in [deep_py, deep_sum, deep_c, nested_ifs] {
        scan_all_languages(&text);
    }
}

#[test]
fn pep701_fstrings_nesting_the_same_quote_parse() {
    let src = "import os\nname = input()\nmsg = f'{name.decode('utf-8')}'\nos.system(f\"echo {f\"{name}\"}\")\n";
    let r = engine().scan_source(Path::new("pep701.py"), Language::Python, src);
    assert!(
        !r.notes
            .iter()
            .any(|n| n.kind == secguard_core::NoteKind::ParseError),
        "PEP 701 f-string reported as a syntax error: {:?}",
        r.notes
    );
    // The nested f-string still carries the input to the sink.
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule_id == "py-command-injection"),
        "taint through nested f-strings was lost: {:?}",
        r.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
    );
}

#[test]
fn broken_code_still_yields_findings_and_a_note() {
    let src = "import os\ndef run(:\n    pass\n\ncmd = input()\nos.system(cmd)\n";
    let r = engine().scan_source(Path::new("broken.py"), Language::Python, src);
    assert!(
        r.notes
            .iter()
            .any(|n| n.kind == secguard_core::NoteKind::ParseError)
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule_id == "py-command-injection")
    );
}
