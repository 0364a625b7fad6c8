//! `secguard generate` and `secguard fix`: the Prompt Agent and the
//! Security Agent in a critique-improve loop, with a summary of what the
//! run did and cost.

use crate::cli::{Cli, FixArgs, GenerateArgs, ListFormat, LoopArgs, TriageArgs};
use crate::{Context, EXIT_CLEAN, EXIT_FINDINGS, write_json, write_stdout};
use anyhow::{Context as _, anyhow};
use secguard_agents::agents::{PromptAgent, SecurityAgent, open_findings};
use secguard_agents::rci::{RciConfig, RciEvent, Trajectory, rci_observed};
use secguard_agents::retrieval::{NoRetrieval, RetrievalProvider};
use secguard_core::Language;
use secguard_llm::LlmClient;
use secguard_store::{SqliteStore, Store};
use sha2::Digest;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The client the loop talks through: the environment's server, key and
/// model, `--model`, and the response cache in the review database.
fn client(cli: &Cli, run: &LoopArgs, ctx: &Context<'_>) -> anyhow::Result<LlmClient> {
    client_with(cli, run.model.as_deref(), run.no_cache, ctx)
}

fn client_with(
    cli: &Cli,
    model: Option<&str>,
    no_cache: bool,
    ctx: &Context<'_>,
) -> anyhow::Result<LlmClient> {
    let client = crate::models::client(ctx, model)?;
    if no_cache {
        return Ok(client);
    }
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let settings = crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
    let store = SqliteStore::open(&settings.path)?;
    Ok(client.with_cache(Arc::new(store)))
}

/// The prompts' grounding: the knowledge base and the reviewers' memories,
/// or nothing with `--no-retrieval`.
fn retrieval(
    cli: &Cli,
    ctx: &Context<'_>,
    run: &LoopArgs,
) -> anyhow::Result<Arc<dyn RetrievalProvider>> {
    if run.no_retrieval {
        return Ok(Arc::new(NoRetrieval));
    }
    Ok(Arc::new(crate::kb::retriever(cli, ctx)?))
}

/// The Security Agent for this run: the built-in rules (and `--rules`),
/// the analyzers asked for, and the critique unless `--no-critique`.
fn security_agent(
    cli: &Cli,
    ctx: &Context<'_>,
    client: &LlmClient,
    run: &LoopArgs,
    retrieval: Arc<dyn RetrievalProvider>,
) -> anyhow::Result<SecurityAgent> {
    let names = crate::multi::analyzer_names(&run.analyzers)?;
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let config = crate::load_config(cli, &cwd)?;
    let external: Vec<_> = names
        .iter()
        .filter_map(|n| crate::multi::external(n, &[], &config))
        .collect();
    let engine = Arc::new(crate::load_engine(&cli.rule_paths)?);
    let db = crate::feedback::settings(cli, &config, &cwd, ctx).path;
    Ok(
        SecurityAgent::new(client.clone(), engine, retrieval, !run.no_critique)
            .with_external(external, Duration::from_secs(run.tool_timeout.max(1)))
            .with_families(crate::kb::cwe_families(&db)),
    )
}

/// One line per step on standard error, as it happens.
fn progress_line(event: RciEvent<'_>, model: &str) -> String {
    match event {
        RciEvent::Repairing { index } => {
            format!("secguard: iteration {index}: asking {model} for a repair\n")
        }
        RciEvent::Reviewed(it) => {
            let open = open_findings(&it.findings);
            let state = if it.index == 0 {
                "initial code".to_string()
            } else if it.accepted {
                "repair accepted".to_string()
            } else {
                format!(
                    "repair rejected: {}",
                    it.rejection.as_deref().unwrap_or("no reason recorded")
                )
            };
            let critique = it.critique.as_ref().map_or(String::new(), |c| {
                format!(", critique: {} issue(s)", c.issues.len())
            });
            let mut line = format!(
                "secguard: iteration {}: {state} ({open} open finding(s){critique})\n",
                it.index
            );
            for failure in &it.analyzer_failures {
                line.push_str(&format!("secguard: warning: analyzer failed: {failure}\n"));
            }
            line
        }
    }
}

fn run_loop(
    security: &SecurityAgent,
    code: &str,
    language: Language,
    task: Option<&str>,
    run: &LoopArgs,
    ctx: &mut Context<'_>,
) -> anyhow::Result<Trajectory> {
    let config = RciConfig {
        iterations: run.iterations,
        use_llm_critique: !run.no_critique,
    };
    let model = security.client.config().model.clone();
    let stderr = RefCell::new(&mut *ctx.stderr);
    let observer = |event: RciEvent<'_>| {
        if let Ok(mut err) = stderr.try_borrow_mut() {
            let _ = err.write_all(progress_line(event, &model).as_bytes());
            let _ = err.flush();
        }
    };
    Ok(rci_observed(
        security,
        &security.client,
        code,
        language,
        task,
        &config,
        &observer,
    )?)
}

/// The totals, for standard error after the run (the steps were shown as
/// they happened).
fn summary(t: &Trajectory, generation_calls: u64, started: Instant, client: &LlmClient) -> String {
    let usage = client.usage();
    let accepted = t.iterations.iter().skip(1).filter(|i| i.accepted).count();
    format!(
        "secguard: {} iteration(s) ({accepted} repair(s) accepted), findings {} -> {}, {} LLM \
         call(s) ({} cached, {} generation), {} prompt + {} completion tokens, {:.1} s\n",
        t.iterations.len().saturating_sub(1),
        t.initial_findings,
        t.final_findings,
        usage.calls,
        usage.cached_calls,
        generation_calls,
        usage.prompt_tokens,
        usage.completion_tokens,
        started.elapsed().as_secs_f64()
    )
}

fn extension(language: Language) -> &'static str {
    match language {
        Language::Python => "py",
        Language::C => "c",
        Language::Cpp => "cpp",
    }
}

fn write_trajectory(run: &LoopArgs, t: &Trajectory) -> anyhow::Result<()> {
    if let Some(path) = &run.trajectory {
        let mut text = serde_json::to_string_pretty(t).context("cannot serialize the run")?;
        text.push('\n');
        crate::output::write_atomic(path, text.as_bytes())
            .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?;
    }
    Ok(())
}

/// The Human-in-the-Loop Agent's part: what the loop could not settle goes
/// to the review queue. That is every finding still open after the last
/// round, with a rationale where the LLM's critique called the code secure
/// (a dispute), and the sample itself when only the LLM sees a weakness.
/// Returns how many items were queued.
fn hand_to_reviewers(
    cli: &Cli,
    ctx: &Context<'_>,
    security: &SecurityAgent,
    t: &Trajectory,
    label: &str,
) -> anyhow::Result<usize> {
    let client = &security.client;
    let Some(best) = t.iterations.get(t.best) else {
        return Ok(0);
    };
    let open = open_findings(&best.findings);
    let critique = best.critique.as_ref();
    let llm_says_secure = critique.is_some_and(|c| c.issues.is_empty());
    let llm_only_issues = critique.is_some_and(|c| open == 0 && !c.issues.is_empty());
    // Memories that grounded this run: a human verdict on the result moves
    // their trust, so the sample is recorded even when nothing is open.
    let memories_used: Vec<i64> = t
        .sources
        .iter()
        .filter_map(|s| s.strip_prefix("memory:")?.parse().ok())
        .collect();
    if open == 0 && !llm_only_issues && memories_used.is_empty() {
        return Ok(0);
    }
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let settings = crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
    // Re-analyzed under its real name, so fingerprints match later scans.
    let code = best.code.as_str();
    let path = std::path::PathBuf::from(label);
    let findings = security.analyze_as(code, t.language, &path)?.findings;
    let mut verdict = secguard_core::Verdict::from_findings(path.clone(), &findings);
    if let Some(c) = critique.filter(|_| llm_only_issues) {
        verdict.verdict = secguard_core::VerdictKind::Insecure;
        verdict.cwes = c.issues.iter().filter_map(|i| i.cwe).collect();
    }
    let store = SqliteStore::open(&settings.path)?;
    let now = secguard_store::now();
    store.record_scan(&secguard_store::ScanRecord {
        project: &settings.project,
        root: &cwd.to_string_lossy(),
        analyzers: security
            .analyzer_names()
            .into_iter()
            .chain(critique.map(|_| "llm-critique".to_string()))
            .collect(),
        policy: "any",
        started_at: now,
        finished_at: now,
        samples: &[crate::feedback::sample_from_bytes(
            &path,
            Some(t.language),
            Some(code.as_bytes().to_vec()),
            true,
            Some(verdict),
        )],
        findings: &findings,
    })?;
    store.record_generation_sources(&settings.project, label, &memories_used)?;
    let mut queued = if llm_only_issues { 1 } else { 0 };
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        queued += 1;
        if llm_says_secure {
            store.set_rationale(
                &settings.project,
                &f.fingerprint.0,
                &format!(
                    "disputed: the LLM critique ({}) judged this code secure; the analyzer \
                     disagrees, so a reviewer decides",
                    client.config().model
                ),
            )?;
        }
    }
    Ok(queued)
}

fn report_queued(ctx: &mut Context<'_>, queued: usize) {
    if queued > 0 {
        let _ = writeln!(
            ctx.stderr,
            "secguard: {queued} item(s) left for a human: see `secguard review`"
        );
    }
}

fn exit_for(t: &Trajectory) -> u8 {
    if t.final_findings == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

pub fn cmd_generate(cli: &Cli, args: &GenerateArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let started = Instant::now();
    let client = client(cli, &args.run, ctx)?;
    let grounding = retrieval(cli, ctx, &args.run)?;
    let security = security_agent(cli, ctx, &client, &args.run, grounding.clone())?;
    let agent = PromptAgent::new(client.clone(), grounding);
    let _ = writeln!(
        ctx.stderr,
        "secguard: asking {} for {} code",
        client.config().model,
        extension(args.language)
    );
    let generated = agent.generate(&args.task, args.language)?;
    let mut trajectory = run_loop(
        &security,
        &generated.code,
        args.language,
        Some(&args.task),
        &args.run,
        ctx,
    )?;
    trajectory
        .sources
        .extend(generated.prompt.sources.iter().cloned());
    trajectory.sources.sort();
    trajectory.sources.dedup();
    write_trajectory(&args.run, &trajectory)?;
    let mut code = trajectory.best_code().to_string();
    if !code.ends_with('\n') {
        code.push('\n');
    }
    match &args.output {
        Some(path) => crate::output::write_atomic(path, code.as_bytes())
            .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?,
        None => write_stdout(ctx, &code)?,
    }
    let _ = ctx
        .stderr
        .write_all(summary(&trajectory, 1, started, &client).as_bytes());
    let label = match &args.output {
        Some(p) => p.to_string_lossy().into_owned(),
        None => {
            let digest = crate::feedback::hex(&sha2::Sha256::digest(args.task.as_bytes())[..6]);
            format!("generated/{digest}.{}", extension(args.language))
        }
    };
    let queued = hand_to_reviewers(cli, ctx, &security, &trajectory, &label)?;
    report_queued(ctx, queued);
    Ok(exit_for(&trajectory))
}

pub fn cmd_fix(cli: &Cli, args: &FixArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let started = Instant::now();
    let language = args
        .file
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Language::from_extension)
        .ok_or_else(|| {
            anyhow!(
                "{}: cannot tell the language from the extension (.py, .c, .h, .cpp, .cc, ...)",
                args.file.display()
            )
        })?;
    let original = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow!("{}: cannot read: {e}", args.file.display()))?;
    let client = client(cli, &args.run, ctx)?;
    let grounding = retrieval(cli, ctx, &args.run)?;
    // The file is a human's: its own `secguard: ignore` comments count, and
    // the loop rejects any repair that adds or moves one.
    let security =
        security_agent(cli, ctx, &client, &args.run, grounding)?.honouring_inline_suppressions();
    let trajectory = run_loop(&security, &original, language, None, &args.run, ctx)?;
    write_trajectory(&args.run, &trajectory)?;
    // Models drop the final newline; keep the file's own convention.
    let mut best = trajectory.best_code().to_string();
    if original.ends_with('\n') && !best.ends_with('\n') {
        best.push('\n');
    }
    let best = best.as_str();
    if args.write {
        if best != original {
            crate::output::write_atomic(&args.file, best.as_bytes())
                .map_err(|e| anyhow!("{}: cannot write: {e}", args.file.display()))?;
        }
    } else {
        let name = args.file.to_string_lossy();
        let diff = similar::TextDiff::from_lines(original.as_str(), best)
            .unified_diff()
            .header(&name, &name)
            .to_string();
        write_stdout(ctx, &diff)?;
    }
    let _ = ctx
        .stderr
        .write_all(summary(&trajectory, 0, started, &client).as_bytes());
    let label = args
        .file
        .to_string_lossy()
        .trim_start_matches("./")
        .to_string();
    let queued = hand_to_reviewers(cli, ctx, &security, &trajectory, &label)?;
    report_queued(ctx, queued);
    Ok(exit_for(&trajectory))
}

/// One triaged finding, for the output.
#[derive(Debug, serde::Serialize)]
struct Triaged {
    fingerprint: String,
    rule_id: String,
    path: String,
    line: u32,
    severity: &'static str,
    verdict: &'static str,
    rationale: String,
}

pub fn cmd_triage(cli: &Cli, args: &TriageArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let config = crate::load_config(cli, &cwd)?;
    let settings = crate::feedback::settings(cli, &config, &cwd, ctx);
    let engine = crate::load_engine(&cli.rule_paths)?;
    let options = secguard_engine::scan::ScanOptions {
        paths: args.paths.clone(),
        ..secguard_engine::scan::ScanOptions::default()
    };
    let mut report = secguard_engine::scan::scan_paths(&engine, &options, &|_| {})?;
    let memories = crate::feedback::memories_for_scan(&settings)?;
    crate::feedback::apply_to_report(&mut report, &memories, &settings.project);
    // The findings must be in the store before their rationale can be.
    let started_at = secguard_store::now();
    crate::feedback::record(
        &settings,
        &report,
        &cwd,
        &["builtin".to_string()],
        "any",
        started_at,
    )?;
    let store = SqliteStore::open(&settings.path)?;

    let client = client_with(cli, args.model.as_deref(), args.no_cache, ctx)?;
    let mut open: Vec<&secguard_core::Finding> = report
        .findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .collect();
    open.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = Vec::new();
    let mut sources: std::collections::HashMap<std::path::PathBuf, String> =
        std::collections::HashMap::new();
    for f in open.into_iter().take(args.limit) {
        let code = sources.entry(f.location.path.clone()).or_insert_with(|| {
            std::fs::read_to_string(cwd.join(&f.location.path)).unwrap_or_default()
        });
        let facts = secguard_core::memory::FindingFacts::of(f);
        let matching: Vec<&secguard_core::memory::Memory> = memories
            .iter()
            // Only what a scan would apply is shown as a decision: trusted,
            // unopposed, and not stopped by the two-reviewer rule.
            .filter(|m| {
                m.is_trusted()
                    && m.conflicts_with.is_empty()
                    && !m.blocked_at(f.severity)
                    && m.scope.matches(&settings.project, &facts)
            })
            .collect();
        let excerpt = secguard_agents::triage::excerpt(code, f, 8);
        let t = secguard_agents::triage::triage(&client, f, &excerpt, &matching)?;
        let model = &client.config().model;
        store.set_rationale(
            &settings.project,
            &f.fingerprint.0,
            &format!("{} ({model}): {}", t.verdict.as_str(), t.rationale),
        )?;
        out.push(Triaged {
            fingerprint: f.fingerprint.0.clone(),
            rule_id: f.rule_id.clone(),
            path: f.location.path_string(),
            line: f.location.start_line,
            severity: f.severity.name(),
            verdict: t.verdict.as_str(),
            rationale: t.rationale,
        });
    }
    match args.format {
        ListFormat::Json => {
            write_json(ctx, &out)?;
        }
        ListFormat::Text => {
            let mut text = String::new();
            for t in &out {
                text.push_str(&format!(
                    "{} {} {}:{}\n  LLM: {}: {}\n",
                    t.severity, t.rule_id, t.path, t.line, t.verdict, t.rationale
                ));
            }
            let usage = client.usage();
            text.push_str(&format!(
                "Triaged {} finding(s) with {} call(s) ({} cached). The verdicts are advice: \
                 confirm or reject them with `secguard review`.\n",
                out.len(),
                usage.calls,
                usage.cached_calls
            ));
            write_stdout(ctx, &text)?;
        }
    }
    Ok(EXIT_CLEAN)
}
