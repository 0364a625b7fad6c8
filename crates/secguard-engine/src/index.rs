//! Per-language rule indexes, so each event checks only the rules that can
//! match it (calls are looked up by their last name segment).

use crate::rules::{CheckerKind, Matcher, Rule};
use secguard_core::Language;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct LangIndex {
    /// Last call-name segment -> (rule, sink index for taint rules).
    pub calls: HashMap<String, Vec<(usize, Option<usize>)>>,
    /// Call patterns whose last segment is a wildcard.
    pub wild_calls: Vec<(usize, Option<usize>)>,
    pub return_sinks: Vec<(usize, usize)>,
    /// Taint sinks on assignment targets: (rule, sink index).
    pub assign_sinks: Vec<(usize, usize)>,
    pub assigns: Vec<usize>,
    /// Checker -> (rule, source categories).
    pub checkers: HashMap<CheckerKind, Vec<(usize, u16)>>,
}

impl LangIndex {
    pub fn build(rules: &[Rule], lang: Language) -> LangIndex {
        let mut idx = LangIndex::default();
        for (ri, rule) in rules.iter().enumerate() {
            if !rule.meta.languages.contains(&lang) {
                continue;
            }
            match &rule.matcher {
                Matcher::Taint(t) => {
                    for (si, sink) in t.sinks.iter().enumerate() {
                        for p in &sink.calls {
                            idx.add_call(p.key.as_deref(), ri, Some(si));
                        }
                        if !sink.return_from_decorated.is_empty() {
                            idx.return_sinks.push((ri, si));
                        }
                        if !sink.assign_to.is_empty() {
                            idx.assign_sinks.push((ri, si));
                        }
                    }
                }
                Matcher::Call(c) => {
                    for p in &c.names {
                        idx.add_call(p.key.as_deref(), ri, None);
                    }
                }
                Matcher::Assign(_) => idx.assigns.push(ri),
                Matcher::Checker { kind, sources } => {
                    idx.checkers.entry(*kind).or_default().push((ri, *sources));
                }
            }
        }
        idx
    }

    fn add_call(&mut self, key: Option<&str>, rule: usize, sink: Option<usize>) {
        let list = match key {
            Some(k) => self.calls.entry(k.to_string()).or_default(),
            None => &mut self.wild_calls,
        };
        // A rule with several patterns sharing a key is checked once.
        if !list.contains(&(rule, sink)) {
            list.push((rule, sink));
        }
    }
}
