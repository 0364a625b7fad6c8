//! Rule files are bounded before they are parsed: nesting depth (the YAML
//! parser takes minutes on 100,000 levels before its own error) and the
//! compiled size of every regex. Errors name the file, and the field or
//! line.

use secguard_engine::Engine;

const HEAD: &str = "id: deep-rule\ntitle: t\nlanguages: [python]\ncwe: [78]\nseverity: high\n\
confidence: high\nmessage: m\ndocs: {what: a, why: b, example: c, fix: d}\nfixtures: {positive: [a], negative: [b]}\n";

fn load_error(name: &str, text: &str) -> String {
    match Engine::from_rule_files([(name, text)]) {
        Ok(_) => panic!("{name} loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn deeply_nested_yaml_is_refused_before_parsing() {
    let n = 100_000;
    let cases = [
        (
            "flow.yaml",
            format!("{HEAD}extra: {}{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "map.yaml",
            format!("{HEAD}extra: {}1{}\n", "{a: ".repeat(n), "}".repeat(n)),
        ),
        ("dash.yaml", format!("{HEAD}extra:\n{}x\n", "- ".repeat(n))),
        (
            "indent.yaml",
            format!(
                "{HEAD}extra:\n{}",
                (1..200)
                    .map(|d| format!("{}k:\n", " ".repeat(d)))
                    .collect::<String>()
            ),
        ),
    ];
    for (name, text) in cases {
        let err = load_error(name, &text);
        assert!(
            err.starts_with(&format!("{name}: line ")) && err.contains("nested more than 32"),
            "{err}"
        );
    }
}

#[test]
fn oversized_regex_is_refused_naming_the_field() {
    let text = format!(
        "{HEAD}call:\n  name: [os.system]\n  where:\n    - arg: 0\n      matches: '\\w{{200}}'\n"
    );
    let err = load_error("big-regex.yaml", &text);
    assert!(
        err.starts_with("big-regex.yaml: call.where[0].matches: invalid regex")
            && err.contains("size limit"),
        "{err}"
    );
}

#[test]
fn every_embedded_rule_is_within_the_limits() {
    if let Err(e) = Engine::builtin() {
        panic!("{e}");
    }
}
