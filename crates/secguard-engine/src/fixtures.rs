//! Running every rule's positive and negative fixtures: each positive must
//! produce a finding of the rule, each negative none.

use crate::Engine;
use secguard_core::Language;
use std::path::PathBuf;

/// One fixture that did not behave as its rule promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureFailure {
    pub rule_id: String,
    pub file: String,
    pub positive: bool,
    pub index: usize,
    pub language: Language,
    /// Rule ids that did fire, for diagnosis.
    pub fired: Vec<String>,
}

impl std::fmt::Display for FixtureFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.positive {
            "positive"
        } else {
            "negative"
        };
        let expect = if self.positive {
            "expected a finding, got none"
        } else {
            "expected no finding, got one"
        };
        write!(
            f,
            "{} ({}): {kind} fixture #{} [{}]: {expect}; rules that fired: [{}]",
            self.rule_id,
            self.file,
            self.index,
            self.language,
            self.fired.join(", ")
        )
    }
}

/// Summary of a fixture run.
#[derive(Debug, Default)]
pub struct FixtureReport {
    pub rules: usize,
    pub fixtures: usize,
    pub failures: Vec<FixtureFailure>,
}

/// Run every fixture of every rule in `engine`.
pub fn test_rule_fixtures(engine: &Engine) -> FixtureReport {
    let mut report = FixtureReport::default();
    for rule in engine.compiled_rules() {
        report.rules += 1;
        // Fixtures run under the rule's first language; C rules list C first.
        let Some(&lang) = rule.meta.languages.first() else {
            continue;
        };
        let ext = match lang {
            Language::Python => "py",
            Language::C => "c",
            Language::Cpp => "cpp",
        };
        let cases = rule
            .fixtures
            .positive
            .iter()
            .map(|c| (true, c))
            .enumerate()
            .chain(
                rule.fixtures
                    .negative
                    .iter()
                    .map(|c| (false, c))
                    .enumerate(),
            );
        for (i, (positive, code)) in cases {
            report.fixtures += 1;
            let path = PathBuf::from(format!("fixture.{ext}"));
            let result = engine.scan_source(&path, lang, code);
            let fired: Vec<String> = result
                .findings
                .iter()
                .filter(|f| f.suppression.is_none())
                .map(|f| f.rule_id.clone())
                .collect();
            let hit = fired.contains(&rule.meta.id);
            if hit != positive {
                report.failures.push(FixtureFailure {
                    rule_id: rule.meta.id.clone(),
                    file: rule.file.clone(),
                    positive,
                    index: i,
                    language: lang,
                    fired,
                });
            }
        }
    }
    report
}
