//! The embedded knowledge base: it loads, covers what it promises, and its
//! examples agree with the built-in analyzer.

use secguard_core::Language;
use secguard_engine::Engine;
use secguard_kb::KnowledgeBase;
use std::collections::BTreeSet;
use std::path::Path;

fn kb() -> &'static KnowledgeBase {
    KnowledgeBase::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn engine() -> Engine {
    Engine::builtin().unwrap_or_else(|e| panic!("{e}"))
}

/// The CWE Top 25 of 2024.
const TOP25: [u32; 25] = [
    79, 787, 89, 352, 22, 125, 78, 416, 862, 434, 94, 20, 77, 287, 269, 502, 200, 863, 918, 119,
    476, 798, 190, 400, 306,
];

#[test]
fn every_top25_weakness_and_every_rule_cwe_has_an_entry() {
    let kb = kb();
    for id in TOP25 {
        assert!(kb.cwe(id).is_some(), "CWE-{id} of the Top 25 has no entry");
    }
    for rule in engine().rules() {
        for cwe in &rule.cwe {
            assert!(
                kb.cwe(cwe.0).is_some(),
                "rule {} reports CWE-{} which has no entry",
                rule.id,
                cwe.0
            );
        }
    }
}

#[test]
fn there_are_at_least_150_guidelines_and_every_entry_has_some() {
    let kb = kb();
    assert!(kb.guidelines.len() >= 150, "{}", kb.guidelines.len());
    for entry in &kb.cwes {
        let langs: BTreeSet<Language> = kb
            .guidelines_for(entry.id)
            .flat_map(|g| g.languages.iter().copied())
            .collect();
        for l in &entry.languages {
            // C and C++ guidelines serve each other's entries.
            let covered = langs.contains(l)
                || (*l == Language::Cpp && langs.contains(&Language::C))
                || (*l == Language::C && langs.contains(&Language::Cpp));
            assert!(
                covered,
                "CWE-{} has no guideline for {}",
                entry.id,
                l.name()
            );
        }
    }
}

/// Where a built-in rule reports the CWE in a language, the entry's
/// vulnerable example is flagged with it (unless the entry says honestly
/// why not) and the fixed example is not.
#[test]
fn examples_agree_with_the_built_in_rules() {
    let engine = engine();
    let mut checked = 0;
    for entry in &kb().cwes {
        for (language, notes) in &entry.notes {
            let has_rule = engine
                .rules()
                .iter()
                .any(|r| r.languages.contains(language) && r.cwe.iter().any(|c| c.0 == entry.id));
            if !has_rule {
                continue;
            }
            let name = match language {
                Language::Python => "example.py",
                Language::C => "example.c",
                Language::Cpp => "example.cpp",
            };
            let flags = |code: &str| {
                engine
                    .scan_source(Path::new(name), *language, code)
                    .findings
                    .iter()
                    .any(|f| f.cwe.iter().any(|c| c.0 == entry.id))
            };
            if notes.undetected.is_none() {
                assert!(
                    flags(&notes.vulnerable),
                    "CWE-{} {}: the vulnerable example is not flagged",
                    entry.id,
                    language.name()
                );
            }
            assert!(
                !flags(&notes.fixed),
                "CWE-{} {}: the fixed example is still flagged",
                entry.id,
                language.name()
            );
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} examples checked");
}

#[test]
fn malformed_files_are_named_errors() {
    use secguard_kb::content::{parse_cwe_file, parse_guideline_file};
    let e = parse_cwe_file("kb/cwe/CWE-1.toml", "id = 1\nname = \"x\"")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("kb/cwe/CWE-1.toml"), "{e}");
    let e = parse_guideline_file(
        "kb/guidelines/x.toml",
        "[[guideline]]\nid = \"a\"\ntitle = \"t\"\nprecondition = \"p\"\nguideline = \"g\"\ncwes = []\nlanguages = [\"python\"]\n",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        e.contains("x.toml") && e.contains("at least one CWE"),
        "{e}"
    );
    let e = parse_guideline_file(
        "g.toml",
        "[[guideline]]\nid = \"a\"\ntitle = \"t\"\nprecondition = \"p\"\nguideline = \"g\"\ncwes = [1]\nlanguages = [\"rust\"]\n",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(e.contains("unknown language"), "{e}");
}

proptest::proptest! {
    #[test]
    fn any_text_is_an_error_or_an_entry_never_a_panic(text in "\\PC{0,300}") {
        let _ = secguard_kb::content::parse_cwe_file("f.toml", &text);
        let _ = secguard_kb::content::parse_guideline_file("g.toml", &text);
    }
}
