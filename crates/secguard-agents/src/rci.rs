//! Recursive Criticism and Improvement: review the code, ask for a repair,
//! and keep the repair only when it is a strict improvement.
//!
//! A model asked to fix one weakness often breaks something else: it
//! renames the function, drops a parameter, or swaps a SQL injection for a
//! shell one. So a candidate is accepted only when it parses, keeps the
//! original interface, changes nothing [`crate::change_guard`] forbids (a
//! suppression comment, an indirect call, a dropped check, deleted
//! functionality), adds no finding of any rule, and removes at least one
//! finding or critique issue. A rejected candidate leaves the previous
//! best in place, and the reason goes into the next prompts.

use crate::agents::{AgentError, SecurityAgent, ask_for_code, open_findings, to_llm_messages};
use crate::change_guard::judge_change;
use crate::critique::Critique;
use crate::interface::{check_parses, interface_changes, interface_of};
use crate::prompt;
use secguard_core::{Finding, Language};
use secguard_llm::{LlmClient, RunUsage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RciConfig {
    /// Improvement rounds at most (the initial review is not counted).
    pub iterations: usize,
    /// Ask the LLM for a critique, besides running the analyzer.
    pub use_llm_critique: bool,
}

impl Default for RciConfig {
    fn default() -> Self {
        RciConfig {
            iterations: 3,
            use_llm_critique: true,
        }
    }
}

/// One step of the loop: the initial code (index 0) or a candidate repair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Iteration {
    pub index: usize,
    pub code: String,
    /// The analyzers' findings on this code, merged.
    pub findings: Vec<Finding>,
    /// External analyzers that failed on this code (`tool: reason`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analyzer_failures: Vec<String>,
    /// The LLM's critique; `None` when not asked (LLM off, or the candidate
    /// was already rejected on cheaper grounds).
    pub critique: Option<Critique>,
    /// Unified diff from the best code when this candidate was asked for;
    /// empty for index 0.
    pub diff: String,
    pub accepted: bool,
    /// Why the candidate was refused; `None` when accepted.
    pub rejection: Option<String>,
    /// Knowledge-base entries and memories cited in this step's prompts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// The whole run, for reports and audits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub language: Language,
    pub task: Option<String>,
    pub iterations: Vec<Iteration>,
    /// Index into `iterations` of the code to keep.
    pub best: usize,
    pub initial_findings: usize,
    pub final_findings: usize,
    /// Every source cited by any prompt of the run (the generation prompt's
    /// too, when the caller adds it), sorted: which guidelines and memories
    /// grounded the result.
    #[serde(default)]
    pub sources: Vec<String>,
    /// What this run spent (the client's totals before and after).
    pub usage: RunUsage,
}

impl Trajectory {
    /// The code to keep.
    pub fn best_code(&self) -> &str {
        self.iterations
            .get(self.best)
            .map_or("", |i| i.code.as_str())
    }
}

/// Open findings per rule, to tell a new finding from a moved one.
fn per_rule(findings: &[Finding]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        *counts.entry(f.rule_id.as_str()).or_insert(0) += 1;
    }
    counts
}

/// The rules whose open findings grew, with the candidate's findings of
/// those rules by line, e.g. `py-command-injection at line 7`.
fn new_findings(best: &[Finding], candidate: &[Finding]) -> Vec<String> {
    let before = per_rule(best);
    let after = per_rule(candidate);
    let mut out = Vec::new();
    for (rule, count) in &after {
        if *count > before.get(rule).copied().unwrap_or(0) {
            let lines: Vec<String> = candidate
                .iter()
                .filter(|f| !f.is_suppressed() && f.rule_id == *rule)
                .map(|f| f.location.start_line.to_string())
                .collect();
            out.push(format!("{rule} at line(s) {}", lines.join(", ")));
        }
    }
    out
}

fn issue_count(critique: Option<&Critique>) -> Option<usize> {
    critique.map(|c| c.issues.len())
}

fn unified_diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header("best", "candidate")
        .to_string()
}

fn usage_since(start: &RunUsage, end: &RunUsage) -> RunUsage {
    RunUsage {
        calls: end.calls.saturating_sub(start.calls),
        cached_calls: end.cached_calls.saturating_sub(start.cached_calls),
        failed_calls: end.failed_calls.saturating_sub(start.failed_calls),
        http_requests: end.http_requests.saturating_sub(start.http_requests),
        retries: end.retries.saturating_sub(start.retries),
        prompt_tokens: end.prompt_tokens.saturating_sub(start.prompt_tokens),
        completion_tokens: end
            .completion_tokens
            .saturating_sub(start.completion_tokens),
        cost: match (start.cost, end.cost) {
            (Some(a), Some(b)) => Some((b - a).max(0.0)),
            (None, b) => b,
            (Some(_), None) => None,
        },
        model_time: end.model_time.saturating_sub(start.model_time),
    }
}

/// What the loop is doing, for live progress.
#[derive(Debug, Clone, Copy)]
pub enum RciEvent<'a> {
    /// The initial code (index 0) or a candidate was reviewed and judged.
    Reviewed(&'a Iteration),
    /// The model is being asked for repair number `index`.
    Repairing { index: usize },
}

/// Review `code`, then improve it up to `config.iterations` times. `client`
/// asks for the repairs; `security` reviews (its `use_llm` is combined with
/// `config.use_llm_critique`).
pub fn rci(
    security: &SecurityAgent,
    client: &LlmClient,
    code: &str,
    language: Language,
    task: Option<&str>,
    config: &RciConfig,
) -> Result<Trajectory, AgentError> {
    rci_observed(security, client, code, language, task, config, &|_| {})
}

/// [`rci`], telling `observer` about each step as it happens.
pub fn rci_observed(
    security: &SecurityAgent,
    client: &LlmClient,
    code: &str,
    language: Language,
    task: Option<&str>,
    config: &RciConfig,
    observer: &dyn Fn(RciEvent<'_>),
) -> Result<Trajectory, AgentError> {
    let start_usage = client.metered();
    let mut reviewer = security.clone();
    reviewer.use_llm = security.use_llm && config.use_llm_critique;
    let original = interface_of(language, code);

    let first = reviewer.check(code, language)?;
    let mut iterations = vec![Iteration {
        index: 0,
        code: code.to_string(),
        findings: first.findings,
        analyzer_failures: first.failures,
        critique: first.critique,
        diff: String::new(),
        accepted: true,
        rejection: None,
        sources: first.sources,
    }];
    observer(RciEvent::Reviewed(&iterations[0]));
    let mut best = 0;
    let mut rejection: Option<String> = None;

    for index in 1..=config.iterations {
        let current = &iterations[best];
        let clean = open_findings(&current.findings) == 0
            && current
                .critique
                .as_ref()
                .is_none_or(|c| c.issues.is_empty());
        if clean {
            break;
        }
        let prompt = prompt::improve_prompt(
            &current.code,
            language,
            task,
            &current.findings,
            current.critique.as_ref(),
            rejection.as_deref(),
        );
        observer(RciEvent::Repairing { index });
        let candidate = match ask_for_code(client, to_llm_messages(&prompt.messages), language) {
            Ok(reply) => reply.code,
            // No code even when asked twice: this round is a rejected
            // repair (the best code stays), not the end of the run.
            Err(AgentError::NoCode) => {
                let reason = "the model returned no code".to_string();
                iterations.push(Iteration {
                    index,
                    code: String::new(),
                    findings: Vec::new(),
                    analyzer_failures: Vec::new(),
                    critique: None,
                    diff: String::new(),
                    accepted: false,
                    rejection: Some(reason.clone()),
                    sources: Vec::new(),
                });
                if let Some(done) = iterations.last() {
                    observer(RciEvent::Reviewed(done));
                }
                rejection = Some(reason);
                continue;
            }
            Err(e) => return Err(e),
        };
        let diff = unified_diff(&current.code, &candidate);
        let analysis = reviewer.analyze(&candidate, language)?;
        let findings = analysis.findings;

        let mut critique = None;
        let mut sources = Vec::new();
        let refused = if let Err(e) = check_parses(language, &candidate) {
            Some(e.to_string())
        } else if let changes @ [_, ..] =
            interface_changes(&original, &interface_of(language, &candidate)).as_slice()
        {
            Some(format!("the interface changed: {}", changes.join("; ")))
        } else if let forbidden @ [_, ..] = judge_change(
            &reviewer.engine,
            language,
            &current.code,
            &candidate,
            &current.findings,
        )
        .as_slice()
        {
            Some(format!("the repair {}", forbidden.join("; it ")))
        } else if let added @ [_, ..] = new_findings(&current.findings, &findings).as_slice() {
            Some(format!(
                "the repair added new findings: {}",
                added.join("; ")
            ))
        } else {
            (critique, sources) =
                reviewer.critique(&candidate, language, &findings, rejection.as_deref())?;
            let (before, after) = (open_findings(&current.findings), open_findings(&findings));
            let fewer_issues = matches!(
                (issue_count(current.critique.as_ref()), issue_count(critique.as_ref())),
                (Some(b), Some(a)) if a < b
            );
            if after < before || (after == before && fewer_issues) {
                None
            } else {
                Some(format!(
                    "no progress: {after} open finding(s) (was {before}) and no fewer critique \
                     issues"
                ))
            }
        };

        let accepted = refused.is_none();
        iterations.push(Iteration {
            index,
            code: candidate,
            findings,
            analyzer_failures: analysis.failures,
            critique,
            diff,
            accepted,
            rejection: refused.clone(),
            sources,
        });
        if let Some(done) = iterations.last() {
            observer(RciEvent::Reviewed(done));
        }
        if accepted {
            best = index;
        }
        rejection = refused;
    }

    let initial_findings = open_findings(&iterations[0].findings);
    let final_findings = open_findings(&iterations[best].findings);
    let mut sources: Vec<String> = iterations.iter().flat_map(|i| i.sources.clone()).collect();
    sources.sort();
    sources.dedup();
    Ok(Trajectory {
        sources,
        language,
        task: task.map(str::to_string),
        iterations,
        best,
        initial_findings,
        final_findings,
        usage: usage_since(&start_usage, &client.metered()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_are_unified() {
        let d = unified_diff("a\nb\n", "a\nc\n");
        assert!(d.contains("--- best"), "{d}");
        assert!(d.contains("-b") && d.contains("+c"), "{d}");
    }
}
