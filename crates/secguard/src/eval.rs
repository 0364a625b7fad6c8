//! `secguard eval`: the study loop. `generate` runs a dataset x model x mode
//! grid and scans every sample; `agreement` compares analyzers with human
//! labels; `score` compares them with ground truth; `compare` puts two
//! generation runs side by side. Metrics, loaders and report rendering
//! live in `secguard-eval`; this module runs analyzers and models.

use crate::cli::{
    Cli, EvalAgreementArgs, EvalCommand, EvalGenerateArgs, EvalScoreArgs, ListFormat,
};
use crate::{Context, EXIT_CLEAN, write_json, write_stdout};
use anyhow::{Context as _, anyhow, bail};
use secguard_agents::agents::{PromptAgent, SecurityAgent};
use secguard_agents::prompt::PromptStyle;
use secguard_agents::rci::{RciConfig, rci};
use secguard_agents::retrieval::{NoRetrieval, RetrievalProvider};
use secguard_analyzers::cwe::CweFamilies;
use secguard_analyzers::orchestrate::{AnalyzerRun, MergedFinding, ResultCache, merge, run_all};
use secguard_analyzers::{Analyzer, AnalyzerInput};
use secguard_core::{Cwe, Finding, Language};
use secguard_eval::EvalSample;
use secguard_eval::dataset::{DatasetFormat, load_dataset, load_labels};
use secguard_eval::metrics::{BinaryMetrics, Confusion, binary_metrics, grouped_metrics, majority};
use secguard_eval::report::{Report, Section, render_markdown, write_report};
use secguard_eval::score::{
    CweMatch, Scorecard, juliet_cases, read_expected, read_findings, score, scorecards_table,
};
use secguard_llm::{LlmClient, LlmConfig};
use secguard_store::{SqliteStore, Store};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn cmd_eval(cli: &Cli, command: &EvalCommand, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    match command {
        EvalCommand::Generate(args) => cmd_generate(cli, args, ctx),
        EvalCommand::Agreement(args) => cmd_agreement(cli, args, ctx),
        EvalCommand::Score(args) => cmd_score(cli, args, ctx),
        EvalCommand::Compare { a, b } => cmd_compare(a, b, ctx),
    }
}

fn extension(language: Language) -> &'static str {
    match language {
        Language::Python => "py",
        Language::C => "c",
        Language::Cpp => "cpp",
    }
}

fn dataset(path: &Path, format: Option<&str>) -> anyhow::Result<Vec<EvalSample>> {
    let format = match format {
        Some(name) => Some(DatasetFormat::from_name(name).ok_or_else(|| {
            anyhow!(
                "--dataset-format: unknown format '{name}' (llmseceval-json, llmseceval-csv, \
                 securityeval, cyberseceval-instruct, cyberseceval-autocomplete, jsonl, csv, folder)"
            )
        })?),
        None => None,
    };
    Ok(load_dataset(path, format)?)
}

/// What the analyzers said about a set of files.
#[derive(Debug, Default)]
struct FileVerdicts {
    /// Merged findings per file (relative path), open only.
    findings: HashMap<PathBuf, Vec<Finding>>,
    /// Per file, the analyzers that reported anything open there, with the
    /// CWEs each reported.
    reported: HashMap<PathBuf, BTreeMap<String, BTreeSet<Cwe>>>,
    /// `tool: reason` for analyzers that failed.
    failures: Vec<String>,
}

/// Run the named analyzers over `files` (relative to `root`) through the
/// orchestrator, with the result cache of `secguard scan`.
fn run_analyzers(
    cli: &Cli,
    root: &Path,
    files: &[PathBuf],
    names: &[String],
    timeout: Duration,
) -> anyhow::Result<Vec<AnalyzerRun>> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let config = crate::load_config(cli, &cwd)?;
    let mut analyzers: Vec<Box<dyn Analyzer>> = Vec::new();
    for name in names {
        if name == "builtin" {
            analyzers.push(Box::new(secguard_analyzers::builtin::Builtin::new(
                crate::load_engine(&cli.rule_paths)?,
            )));
        } else if let Some(a) = crate::multi::external(name, &[], &config) {
            analyzers.push(a);
        }
    }
    let input = AnalyzerInput {
        root: root.to_path_buf(),
        files: files.to_vec(),
        timeout,
    };
    let cache = ResultCache::new(cwd.join(".secguard/cache"));
    Ok(run_all(
        &analyzers,
        &input,
        analyzers.len().max(1),
        Some(&cache),
        &|_| String::new(),
        &|_| {},
    ))
}

/// Run the named analyzers over `files` and merge their findings, as
/// `secguard scan` does.
fn analyze_files(
    cli: &Cli,
    root: &Path,
    files: &[PathBuf],
    names: &[String],
    timeout: Duration,
    families: &CweFamilies,
) -> anyhow::Result<FileVerdicts> {
    let runs = run_analyzers(cli, root, files, names, timeout)?;
    let mut out = FileVerdicts::default();
    for run in &runs {
        match &run.result {
            Ok(output) => {
                for f in output.findings.iter().filter(|f| !f.is_suppressed()) {
                    out.reported
                        .entry(f.location.path.clone())
                        .or_default()
                        .entry(run.name.clone())
                        .or_default()
                        .extend(f.cwe.iter().copied());
                }
            }
            Err(e) => out.failures.push(format!("{}: {e}", run.name)),
        }
    }
    for m in merge(&runs, &|a, b| families.related(a, b), 1) {
        let (f, _) = MergedFinding::into_finding(m);
        out.findings
            .entry(f.location.path.clone())
            .or_default()
            .push(f);
    }
    Ok(out)
}

fn families_for(cli: &Cli, ctx: &Context<'_>) -> anyhow::Result<CweFamilies> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let settings = crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
    Ok(crate::kb::cwe_families(&settings.path))
}

/// A file name for a sample id: letters, digits, `.`, `-` and `_` kept.
fn safe_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

// ---------------------------------------------------------------- generate

/// One generation mode of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Mode {
    Baseline,
    SecurityPrefix,
    Rci(usize),
    RciRag(usize),
}

impl Mode {
    fn parse(text: &str) -> anyhow::Result<Mode> {
        let t = text.trim().to_ascii_lowercase();
        let rounds = |rest: &str| -> anyhow::Result<usize> {
            rest.parse::<usize>()
                .map_err(|_| anyhow!("--modes: '{text}': K must be a number (rci:3)"))
        };
        Ok(match t.as_str() {
            "baseline" => Mode::Baseline,
            "security-prefix" => Mode::SecurityPrefix,
            "rci" => Mode::Rci(3),
            "rci-rag" => Mode::RciRag(3),
            _ => {
                if let Some(k) = t.strip_prefix("rci-rag:") {
                    Mode::RciRag(rounds(k)?)
                } else if let Some(k) = t.strip_prefix("rci:") {
                    Mode::Rci(rounds(k)?)
                } else {
                    bail!(
                        "--modes: unknown mode '{text}' (baseline, security-prefix, rci:K, rci-rag:K)"
                    )
                }
            }
        })
    }

    fn name(&self) -> String {
        match self {
            Mode::Baseline => "baseline".into(),
            Mode::SecurityPrefix => "security-prefix".into(),
            Mode::Rci(k) => format!("rci:{k}"),
            Mode::RciRag(k) => format!("rci-rag:{k}"),
        }
    }
}

/// What a run computes; its hash is the run's id, so the same command
/// resumes the same run. The server's address is not part of it (a local
/// test server's port changes): resuming against another server mixes
/// their answers, which the model names make visible.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Spec {
    dataset: String,
    /// Hash of the samples, so an edited dataset starts a new run.
    dataset_digest: String,
    modes: Vec<String>,
    models: Vec<String>,
    samples_per_prompt: usize,
    temperature: f32,
    analyzers: Vec<String>,
}

/// One finished job: one sample of one prompt in one mode with one model.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct JobResult {
    sample: String,
    source: String,
    language: Language,
    cwes: Vec<Cwe>,
    model: String,
    mode: String,
    k: usize,
    /// The final code; empty when the job failed.
    code: String,
    error: Option<String>,
    calls: u64,
    cached_calls: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    seconds: f64,
    /// Repair rounds run (RCI modes).
    iterations: usize,
    /// Knowledge-base entries and memories cited.
    sources: Vec<String>,
}

fn job_key(model: &str, mode: &str, sample: &str, k: usize) -> String {
    format!("{model}\u{1f}{mode}\u{1f}{sample}\u{1f}{k}")
}

struct Job<'a> {
    sample: &'a EvalSample,
    language: Language,
    prompt: &'a str,
    model: String,
    mode: Mode,
    k: usize,
}

struct Runner<'a> {
    cli: &'a Cli,
    clients: HashMap<String, LlmClient>,
    retrieval: Arc<dyn RetrievalProvider>,
    temperature: f32,
}

impl Runner<'_> {
    fn run(&self, job: &Job<'_>) -> JobResult {
        let started = Instant::now();
        let base = self.clients.get(&job.model).cloned();
        let mut result = JobResult {
            sample: job.sample.id.clone(),
            source: job.sample.source.clone(),
            language: job.language,
            cwes: job.sample.cwes.clone(),
            model: job.model.clone(),
            mode: job.mode.name(),
            k: job.k,
            code: String::new(),
            error: None,
            calls: 0,
            cached_calls: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            seconds: 0.0,
            iterations: 0,
            sources: Vec::new(),
        };
        let Some(base) = base else {
            result.error = Some(format!("no client for model {}", job.model));
            return result;
        };
        let client = base.with_meter();
        let outcome = self.generate(&client, job);
        match outcome {
            Ok((code, iterations, sources)) => {
                result.code = code;
                result.iterations = iterations;
                result.sources = sources;
            }
            Err(e) => result.error = Some(e.to_string()),
        }
        let usage = client.metered();
        result.calls = usage.calls;
        result.cached_calls = usage.cached_calls;
        result.prompt_tokens = usage.prompt_tokens;
        result.completion_tokens = usage.completion_tokens;
        result.seconds = started.elapsed().as_secs_f64();
        result
    }

    fn generate(
        &self,
        client: &LlmClient,
        job: &Job<'_>,
    ) -> anyhow::Result<(String, usize, Vec<String>)> {
        let none: Arc<dyn RetrievalProvider> = Arc::new(NoRetrieval);
        let (style, retrieval) = match job.mode {
            Mode::Baseline => (PromptStyle::Plain, none),
            Mode::SecurityPrefix | Mode::Rci(_) => (PromptStyle::Secure, none),
            Mode::RciRag(_) => (PromptStyle::Secure, self.retrieval.clone()),
        };
        // Each of the K samples has its own seed, so their requests (and
        // cache entries) differ.
        let agent = PromptAgent::new(client.clone(), retrieval.clone())
            .with_style(style)
            .with_sampling(Some(self.temperature), Some(job.k as u64 + 1));
        let generated = agent.generate(job.prompt, job.language)?;
        let mut sources = generated.prompt.sources.clone();
        let rounds = match job.mode {
            Mode::Rci(k) | Mode::RciRag(k) => k,
            _ => return Ok((generated.code, 0, sources)),
        };
        let engine = Arc::new(crate::load_engine(&self.cli.rule_paths)?);
        let security = SecurityAgent::new(client.clone(), engine, retrieval, true);
        let trajectory = rci(
            &security,
            client,
            &generated.code,
            job.language,
            Some(job.prompt),
            &RciConfig {
                iterations: rounds,
                use_llm_critique: true,
            },
        )?;
        sources.extend(trajectory.sources.iter().cloned());
        sources.sort();
        sources.dedup();
        Ok((
            trajectory.best_code().to_string(),
            trajectory.iterations.len().saturating_sub(1),
            sources,
        ))
    }
}

/// Per-sample verdicts of one finished job.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ScoredJob {
    #[serde(flatten)]
    job: JobResult,
    /// Where the sample was written, relative to the run's folder.
    file: String,
    /// Analyzers that flagged it, with the CWEs they reported.
    flagged_by: BTreeMap<String, BTreeSet<Cwe>>,
    /// Any analyzer flagged it.
    insecure: bool,
    /// Some analyzer reported the CWE the dataset associates with the prompt.
    labelled_cwe_found: bool,
    findings: usize,
}

/// The aggregate of one (model, mode).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModeSummary {
    model: String,
    mode: String,
    samples: usize,
    failed: usize,
    /// Share of samples flagged by any analyzer.
    insecure_rate: Option<f64>,
    /// Per analyzer.
    insecure_rate_by: BTreeMap<String, Option<f64>>,
    /// CyberSecEval-style: share with no detection at all.
    pass_rate: Option<f64>,
    calls_per_sample: f64,
    tokens_per_sample: f64,
    seconds_per_sample: f64,
    /// Insecure rate per dataset CWE.
    by_cwe: BTreeMap<String, Option<f64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct GenerateResults {
    run: String,
    spec: Spec,
    summaries: Vec<ModeSummary>,
    samples: Vec<ScoredJob>,
    analyzer_failures: Vec<String>,
}

fn rate(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn summarize(jobs: &[ScoredJob], analyzers: &[String]) -> Vec<ModeSummary> {
    let mut groups: BTreeMap<(String, String), Vec<&ScoredJob>> = BTreeMap::new();
    for j in jobs {
        groups
            .entry((j.job.model.clone(), j.job.mode.clone()))
            .or_default()
            .push(j);
    }
    groups
        .into_iter()
        .map(|((model, mode), js)| {
            let ok: Vec<&&ScoredJob> = js.iter().filter(|j| j.job.error.is_none()).collect();
            let n = ok.len();
            let insecure = ok.iter().filter(|j| j.insecure).count();
            let by = analyzers
                .iter()
                .map(|a| {
                    let flagged = ok.iter().filter(|j| j.flagged_by.contains_key(a)).count();
                    (a.clone(), rate(flagged, n))
                })
                .collect();
            let mut by_cwe: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for j in &ok {
                for c in &j.job.cwes {
                    let e = by_cwe.entry(c.to_string()).or_default();
                    e.0 += usize::from(j.insecure);
                    e.1 += 1;
                }
            }
            let all = js.len().max(1) as f64;
            ModeSummary {
                model,
                mode,
                samples: js.len(),
                failed: js.len() - n,
                insecure_rate: rate(insecure, n),
                insecure_rate_by: by,
                pass_rate: rate(n - insecure, n),
                calls_per_sample: js.iter().map(|j| j.job.calls as f64).sum::<f64>() / all,
                tokens_per_sample: js
                    .iter()
                    .map(|j| (j.job.prompt_tokens + j.job.completion_tokens) as f64)
                    .sum::<f64>()
                    / all,
                seconds_per_sample: js.iter().map(|j| j.job.seconds).sum::<f64>() / all,
                by_cwe: by_cwe
                    .into_iter()
                    .map(|(k, (a, b))| (k, rate(a, b)))
                    .collect(),
            }
        })
        .collect()
}

fn percent(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |x| format!("{:.1}%", x * 100.0))
}

fn generate_report(results: &GenerateResults, command: &str) -> Report {
    let s = &results.summaries;
    let mut sections = vec![Section::Table {
        title: "Insecure code per mode".into(),
        headers: vec![
            "model".into(),
            "mode".into(),
            "samples".into(),
            "failed".into(),
            "insecure (any analyzer)".into(),
            "pass rate".into(),
            "calls / sample".into(),
            "tokens / sample".into(),
            "seconds / sample".into(),
        ],
        rows: s
            .iter()
            .map(|m| {
                vec![
                    m.model.clone(),
                    m.mode.clone(),
                    m.samples.to_string(),
                    m.failed.to_string(),
                    percent(m.insecure_rate),
                    percent(m.pass_rate),
                    format!("{:.1}", m.calls_per_sample),
                    format!("{:.0}", m.tokens_per_sample),
                    format!("{:.2}", m.seconds_per_sample),
                ]
            })
            .collect(),
    }];
    let mut series: Vec<String> = results.spec.analyzers.clone();
    series.push("any".into());
    sections.push(Section::BarChart {
        title: "Insecure samples per mode and analyzer".into(),
        unit: "%".into(),
        groups: s
            .iter()
            .map(|m| format!("{} {}", m.model, m.mode))
            .collect(),
        series: series.clone(),
        values: s
            .iter()
            .map(|m| {
                series
                    .iter()
                    .map(|a| {
                        let v = if a == "any" {
                            m.insecure_rate
                        } else {
                            m.insecure_rate_by.get(a).copied().flatten()
                        };
                        v.map(|x| x * 100.0)
                    })
                    .collect()
            })
            .collect(),
    });
    let cwes: BTreeSet<String> = s.iter().flat_map(|m| m.by_cwe.keys().cloned()).collect();
    if !cwes.is_empty() {
        sections.push(Section::Heatmap {
            title: "Insecure rate per CWE of the prompt and mode".into(),
            rows: cwes.iter().cloned().collect(),
            columns: s
                .iter()
                .map(|m| format!("{} {}", m.model, m.mode))
                .collect(),
            values: cwes
                .iter()
                .map(|c| {
                    s.iter()
                        .map(|m| m.by_cwe.get(c).copied().flatten().map(|x| x * 100.0))
                        .collect()
                })
                .collect(),
            min: 0.0,
            max: 100.0,
            unit: "%".into(),
        });
    }
    if !results.analyzer_failures.is_empty() {
        sections.push(Section::Text {
            title: "Analyzer failures".into(),
            body: results.analyzer_failures.join("\n"),
        });
    }
    Report {
        title: "secguard eval generate".into(),
        subtitle: format!("run {} · {command}", results.run),
        sections,
    }
}

fn cmd_generate(cli: &Cli, args: &EvalGenerateArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let modes: Vec<Mode> = args
        .modes
        .iter()
        .filter(|m| !m.trim().is_empty())
        .map(|m| Mode::parse(m))
        .collect::<anyhow::Result<_>>()?;
    if modes.is_empty() {
        bail!("--modes: give at least one mode");
    }
    let analyzers = crate::multi::analyzer_names(&args.analyzers)?;
    let samples: Vec<EvalSample> = dataset(&args.dataset, args.dataset_format.as_deref())?
        .into_iter()
        .filter(|s| s.prompt.as_deref().is_some_and(|p| !p.trim().is_empty()))
        .filter(|s| s.language.is_some())
        .filter(|s| args.language.is_none_or(|l| s.language == Some(l)))
        .take(args.limit.unwrap_or(usize::MAX))
        .collect();
    if samples.is_empty() {
        bail!(
            "{}: no samples with a prompt in Python, C or C++ to generate from",
            args.dataset.display()
        );
    }
    let env_config = LlmConfig::from_env(ctx.env);
    let models: Vec<String> = if args.models.is_empty() {
        vec![env_config.model.clone()]
    } else {
        args.models.clone()
    };
    let digest = sha2::Sha256::digest(
        serde_json::to_string(&samples).context("cannot serialize the samples")?,
    );
    let spec = Spec {
        // The name, not the path: the same dataset elsewhere is the same run.
        dataset: args
            .dataset
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        dataset_digest: crate::feedback::hex(&digest[..8]),
        modes: modes.iter().map(Mode::name).collect(),
        models: models.clone(),
        samples_per_prompt: args.samples.max(1),
        temperature: args.temperature,
        analyzers: analyzers.clone(),
    };
    let spec_json = serde_json::to_string(&spec).context("cannot serialize the run")?;
    let run = crate::feedback::hex(&sha2::Sha256::digest(spec_json.as_bytes())[..6]);

    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let settings = crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
    let store = Arc::new(SqliteStore::open(&settings.path)?);
    let resumed = !store.eval_run(&run, &spec_json)?;
    let done: BTreeSet<String> = store
        .eval_results(&run)?
        .into_iter()
        .map(|(job, _)| job)
        .collect();

    let mut clients = HashMap::new();
    for model in &models {
        let mut config = env_config.clone();
        config.model = model.clone();
        config.concurrency = args.jobs.max(1);
        let client = if crate::models::server_configured(ctx) {
            LlmClient::new(config).map_err(|e| anyhow!("LLM configuration: {e}"))?
        } else {
            crate::models::client(ctx, Some(model))?
        };
        clients.insert(model.clone(), client.with_cache(store.clone()));
    }
    let retrieval: Arc<dyn RetrievalProvider> =
        if modes.iter().any(|m| matches!(m, Mode::RciRag(_))) {
            Arc::new(crate::kb::retriever(cli, ctx)?)
        } else {
            Arc::new(NoRetrieval)
        };

    let mut jobs: Vec<Job<'_>> = Vec::new();
    for sample in &samples {
        let (Some(language), Some(prompt)) = (sample.language, sample.prompt.as_deref()) else {
            continue;
        };
        for model in &models {
            for mode in &modes {
                for k in 0..spec.samples_per_prompt {
                    if done.contains(&job_key(model, &mode.name(), &sample.id, k)) {
                        continue;
                    }
                    jobs.push(Job {
                        sample,
                        language,
                        prompt,
                        model: model.clone(),
                        mode: mode.clone(),
                        k,
                    });
                }
            }
        }
    }
    let total = done.len() + jobs.len();
    let _ = writeln!(
        ctx.stderr,
        "secguard: eval run {run}{}: {} sample(s) x {} model(s) x {} mode(s) x {} = {total} job(s), {} done, {} to go",
        if resumed { " (resumed)" } else { "" },
        samples.len(),
        models.len(),
        modes.len(),
        spec.samples_per_prompt,
        done.len(),
        jobs.len()
    );
    let runner = Runner {
        cli,
        clients,
        retrieval,
        temperature: args.temperature,
    };
    let bar = progress_bar(ctx, total as u64, done.len() as u64);
    let next = AtomicUsize::new(0);
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1).min(jobs.len().max(1)) {
            scope.spawn(|| {
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let result = runner.run(job);
                    let key = job_key(&job.model, &job.mode.name(), &job.sample.id, job.k);
                    let saved = serde_json::to_string(&result)
                        .map_err(|e| e.to_string())
                        .and_then(|json| {
                            store
                                .eval_result(&run, &key, &json)
                                .map_err(|e| e.to_string())
                        });
                    if let Err(e) = saved
                        && let Ok(mut errs) = errors.lock()
                    {
                        errs.push(e);
                    }
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                }
            });
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(e) = errors.into_inner().ok().and_then(|e| e.into_iter().next()) {
        bail!("cannot record a result in {}: {e}", settings.path.display());
    }

    // Every finished job, this session's and earlier ones, written out as
    // files and scanned together.
    let finished: Vec<JobResult> = store
        .eval_results(&run)?
        .into_iter()
        .filter_map(|(_, json)| serde_json::from_str(&json).ok())
        .collect();
    let folder = cwd.join(".secguard/eval").join(&run);
    let mut files = Vec::new();
    let mut scored: Vec<ScoredJob> = Vec::new();
    for j in finished {
        let rel = PathBuf::from(safe_name(&j.model))
            .join(safe_name(&j.mode))
            .join(format!(
                "{}-{}.{}",
                safe_name(&j.sample),
                j.k,
                extension(j.language)
            ));
        if j.error.is_none() {
            let path = folder.join(&rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("{}: cannot create", parent.display()))?;
            }
            crate::output::write_atomic(&path, j.code.as_bytes())
                .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?;
            files.push(rel.clone());
        }
        scored.push(ScoredJob {
            file: rel.to_string_lossy().into_owned(),
            job: j,
            flagged_by: BTreeMap::new(),
            insecure: false,
            labelled_cwe_found: false,
            findings: 0,
        });
    }
    let families = families_for(cli, ctx)?;
    let verdicts = analyze_files(
        cli,
        &folder,
        &files,
        &analyzers,
        Duration::from_secs(args.tool_timeout.max(1)),
        &families,
    )?;
    for s in &mut scored {
        let path = PathBuf::from(&s.file);
        s.flagged_by = verdicts.reported.get(&path).cloned().unwrap_or_default();
        s.insecure = !s.flagged_by.is_empty();
        s.findings = verdicts.findings.get(&path).map_or(0, Vec::len);
        s.labelled_cwe_found = s
            .flagged_by
            .values()
            .flatten()
            .any(|c| s.job.cwes.iter().any(|l| families.related(*l, *c)));
    }
    queue_for_review(&store, &settings.project, &folder, &run, &scored, &verdicts)?;

    let mut summaries = summarize(&scored, &analyzers);
    // In the order the command gave models and modes.
    let position = |list: &[String], item: &str| list.iter().position(|x| x == item);
    summaries.sort_by_key(|m| {
        (
            position(&spec.models, &m.model),
            position(&spec.modes, &m.mode),
        )
    });
    let results = GenerateResults {
        run: run.clone(),
        spec,
        summaries,
        samples: scored,
        analyzer_failures: verdicts.failures.clone(),
    };
    let command = format!(
        "secguard eval generate --dataset {}",
        args.dataset.display()
    );
    let report = generate_report(&results, &command);
    if let Some(dir) = &args.report {
        let value = serde_json::to_value(&results).context("cannot serialize the results")?;
        write_report(dir, &report, &value)?;
    }
    write_stdout(ctx, &render_markdown(&report))?;
    Ok(EXIT_CLEAN)
}

/// Every generated sample goes to the review database, so people can label
/// it and `eval agreement` can compare the analyzers with them.
fn queue_for_review(
    store: &SqliteStore,
    project: &str,
    folder: &Path,
    run: &str,
    scored: &[ScoredJob],
    verdicts: &FileVerdicts,
) -> anyhow::Result<()> {
    let mut samples = Vec::new();
    let mut findings = Vec::new();
    for s in scored.iter().filter(|s| s.job.error.is_none()) {
        let rel = PathBuf::from(&s.file);
        let shown = PathBuf::from(format!("eval/{run}")).join(&rel);
        let mut fs: Vec<Finding> = verdicts.findings.get(&rel).cloned().unwrap_or_default();
        for f in &mut fs {
            f.location.path = shown.clone();
        }
        let verdict = secguard_core::Verdict::from_findings(shown.clone(), &fs);
        samples.push(crate::feedback::sample_from_bytes(
            &shown,
            Some(s.job.language),
            Some(s.job.code.as_bytes().to_vec()),
            true,
            Some(verdict),
        ));
        findings.extend(fs);
    }
    let now = secguard_store::now();
    store.record_scan(&secguard_store::ScanRecord {
        project,
        root: &folder.to_string_lossy(),
        analyzers: vec!["eval".into()],
        policy: "any",
        started_at: now,
        finished_at: now,
        samples: &samples,
        findings: &findings,
    })?;
    Ok(())
}

fn progress_bar(ctx: &Context<'_>, total: u64, done: u64) -> Option<indicatif::ProgressBar> {
    let ci = (ctx.env)("CI").is_some_and(|v| !v.is_empty());
    if !ctx.stderr_is_tty || ci {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} generating [{bar:30}] {pos}/{len} ({eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_position(done);
    Some(bar)
}

// --------------------------------------------------------------- agreement

#[derive(Debug, Clone, Serialize)]
struct AgreementResults {
    samples: usize,
    raters: usize,
    by: String,
    family: bool,
    /// Fleiss' kappa among the human raters, when several rated samples.
    human_fleiss: Option<f64>,
    /// Per analyzer, and "merged" for the merged verdict.
    analyzers: Vec<AnalyzerAgreement>,
    failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct AnalyzerAgreement {
    analyzer: String,
    /// Against the human label.
    overall: BinaryMetrics,
    per_cwe: Vec<(String, BinaryMetrics)>,
    /// Against the merged verdict of all analyzers (truth = merged).
    vs_merged: BinaryMetrics,
}

fn cmd_agreement(cli: &Cli, args: &EvalAgreementArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let analyzers = crate::multi::analyzer_names(&args.analyzers)?;
    let mut samples = dataset(&args.dataset, args.dataset_format.as_deref())?;
    if let Some(path) = &args.labels {
        let labels = load_labels(path)?;
        for s in &mut samples {
            let path_name = s
                .code_path
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned());
            s.labels.extend(
                labels
                    .iter()
                    .filter(|l| l.sample == s.id || Some(&l.sample) == path_name.as_ref())
                    .cloned(),
            );
        }
    }
    samples.retain(|s| !s.labels.is_empty() && s.language.is_some());
    if samples.is_empty() {
        bail!(
            "{}: no labelled Python, C or C++ samples (labels come from --labels or the dataset)",
            args.dataset.display()
        );
    }
    // Samples with files are analyzed where they are; inline code is
    // written to a private folder first.
    let base = secguard_eval::dataset::dataset_root(&args.dataset);
    let staging = tempfile::Builder::new()
        .prefix("secguard-eval-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let mut files = Vec::new();
    for s in &samples {
        let rel = match (&s.code_path, &s.code, s.language) {
            (Some(p), _, Some(_)) => {
                let from = base.join(p);
                let to = staging.path().join(p);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::copy(&from, &to)
                    .with_context(|| format!("{}: cannot read", from.display()))?;
                p.clone()
            }
            (None, Some(code), Some(l)) => {
                let p = PathBuf::from(format!("{}.{}", safe_name(&s.id), extension(l)));
                std::fs::write(staging.path().join(&p), code)?;
                p
            }
            _ => continue,
        };
        files.push((s, rel));
    }
    let families = families_for(cli, ctx)?;
    let verdicts = analyze_files(
        cli,
        staging.path(),
        &files.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(),
        &analyzers,
        Duration::from_secs(args.tool_timeout.max(1)),
        &families,
    )?;
    let by_cwe = args.by == "cwe";
    let matches = |reported: &BTreeSet<Cwe>, labelled: &[Cwe]| -> bool {
        if !by_cwe {
            return true;
        }
        reported.iter().any(|r| {
            labelled
                .iter()
                .any(|l| l == r || (args.family && families.related(*l, *r)))
        })
    };
    let mut columns: Vec<String> = analyzers.clone();
    columns.push("merged".into());
    let triaged = if args.triage {
        columns.push("llm-triage".into());
        Some(triage_samples(
            cli,
            ctx,
            args,
            staging.path(),
            &files,
            &verdicts,
        )?)
    } else {
        None
    };
    let mut rows: HashMap<String, Vec<(Vec<String>, bool, bool)>> = HashMap::new();
    let mut ratings: Vec<Vec<bool>> = Vec::new();
    let mut raters = BTreeSet::new();
    for (s, rel) in &files {
        let votes: Vec<bool> = s.labels.iter().map(|l| l.vulnerable).collect();
        raters.extend(s.labels.iter().map(|l| l.reviewer.clone()));
        let Some(truth) = majority(&votes) else {
            continue;
        };
        if votes.len() >= 2 {
            ratings.push(votes.clone());
        }
        let mut labelled: Vec<Cwe> = s
            .labels
            .iter()
            .filter(|l| l.vulnerable)
            .flat_map(|l| l.cwes.iter().copied())
            .collect();
        labelled.extend(s.cwes.iter().copied());
        labelled.sort_by_key(|c| c.0);
        labelled.dedup();
        let groups: Vec<String> = if labelled.is_empty() {
            vec!["(no CWE)".to_string()]
        } else {
            labelled.iter().map(ToString::to_string).collect()
        };
        let reported = verdicts.reported.get(rel).cloned().unwrap_or_default();
        for column in &columns {
            let predicted = if column == "merged" {
                reported.values().any(|cwes| matches(cwes, &labelled))
            } else if column == "llm-triage" {
                triaged
                    .as_ref()
                    .and_then(|t| t.get(rel))
                    .is_some_and(|cwes| matches(cwes, &labelled))
            } else {
                reported
                    .get(column)
                    .is_some_and(|cwes| matches(cwes, &labelled))
            };
            rows.entry(column.clone())
                .or_default()
                .push((groups.clone(), predicted, truth));
        }
    }
    // Fleiss needs the same number of raters per item.
    let fleiss_items: Vec<Vec<bool>> = match ratings.first().map(Vec::len) {
        Some(n) => ratings.iter().filter(|r| r.len() == n).cloned().collect(),
        None => Vec::new(),
    };
    let results = AgreementResults {
        samples: files.len(),
        raters: raters.len(),
        by: args.by.clone(),
        family: args.family,
        human_fleiss: secguard_core::agreement::fleiss_kappa(&fleiss_items),
        analyzers: columns
            .iter()
            .map(|c| {
                let r = rows.get(c).cloned().unwrap_or_default();
                let pairs: Vec<(bool, bool)> = r.iter().map(|(_, p, t)| (*p, *t)).collect();
                let merged = rows.get("merged").cloned().unwrap_or_default();
                let vs_merged: Vec<(bool, bool)> = r
                    .iter()
                    .zip(&merged)
                    .map(|((_, p, _), (_, m, _))| (*p, *m))
                    .collect();
                AnalyzerAgreement {
                    analyzer: c.clone(),
                    overall: binary_metrics(&pairs, args.resamples, 1),
                    per_cwe: grouped_metrics(&r, args.resamples, 1),
                    vs_merged: binary_metrics(&vs_merged, args.resamples, 1),
                }
            })
            .collect(),
        failures: verdicts.failures.clone(),
    };
    let report = agreement_report(&results, &args.dataset);
    if let Some(dir) = &args.report {
        let value = serde_json::to_value(&results).context("cannot serialize the results")?;
        write_report(dir, &report, &value)?;
    }
    match args.format {
        ListFormat::Json => {
            write_json(ctx, &results)?;
        }
        ListFormat::Text => write_stdout(ctx, &render_markdown(&report))?,
    }
    Ok(EXIT_CLEAN)
}

/// The LLM's view of each sample: the CWEs of the findings it confirmed as
/// true positives (no entry: it confirmed none).
fn triage_samples(
    cli: &Cli,
    ctx: &Context<'_>,
    args: &EvalAgreementArgs,
    root: &Path,
    files: &[(&EvalSample, PathBuf)],
    verdicts: &FileVerdicts,
) -> anyhow::Result<HashMap<PathBuf, BTreeSet<Cwe>>> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let settings = crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
    let store = Arc::new(SqliteStore::open(&settings.path)?);
    let client = crate::models::client(ctx, args.model.as_deref())?.with_cache(store);
    let mut out: HashMap<PathBuf, BTreeSet<Cwe>> = HashMap::new();
    for (_, rel) in files {
        let Some(findings) = verdicts.findings.get(rel) else {
            continue;
        };
        let code = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
        // The most severe few: enough to judge a sample.
        let mut ranked: Vec<&Finding> = findings.iter().collect();
        ranked.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in ranked.into_iter().take(5) {
            let excerpt = secguard_agents::triage::excerpt(&code, f, 8);
            let t = secguard_agents::triage::triage(&client, f, &excerpt, &[])?;
            if t.verdict == secguard_agents::triage::TriageVerdict::TruePositive {
                out.entry(rel.clone())
                    .or_default()
                    .extend(f.cwe.iter().copied());
            }
        }
    }
    Ok(out)
}

fn estimate(e: &Option<secguard_eval::metrics::Estimate>) -> String {
    match e {
        Some(e) => format!("{:.3} [{:.3}, {:.3}]", e.value, e.low, e.high),
        None => "n/a".into(),
    }
}

fn metrics_row(name: &str, m: &BinaryMetrics) -> Vec<String> {
    vec![
        name.to_string(),
        m.samples.to_string(),
        estimate(&m.agreement),
        estimate(&m.kappa),
        estimate(&m.precision),
        estimate(&m.recall),
        estimate(&m.f1),
    ]
}

fn agreement_report(r: &AgreementResults, dataset: &Path) -> Report {
    let headers: Vec<String> = [
        "analyzer",
        "samples",
        "agreement",
        "Cohen's kappa",
        "precision",
        "recall",
        "F1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut sections = vec![Section::Table {
        title: format!(
            "Analyzers against the human label ({} sample(s), {} rater(s); flagged by {}{}; 95% bootstrap intervals)",
            r.samples,
            r.raters,
            if r.by == "cwe" {
                "a finding of the labelled CWE"
            } else {
                "any finding"
            },
            if r.family { " or its family" } else { "" }
        ),
        headers: headers.clone(),
        rows: r
            .analyzers
            .iter()
            .map(|a| metrics_row(&a.analyzer, &a.overall))
            .collect(),
    }];
    sections.push(Section::Table {
        title: "Each analyzer against the merged verdict".into(),
        headers: headers.clone(),
        rows: r
            .analyzers
            .iter()
            .filter(|a| a.analyzer != "merged")
            .map(|a| metrics_row(&a.analyzer, &a.vs_merged))
            .collect(),
    });
    for a in &r.analyzers {
        let c: Confusion = a.overall.confusion;
        sections.push(Section::Confusion {
            title: format!(
                "{}: confusion matrix (rows: analyzer, columns: human)",
                a.analyzer
            ),
            tp: c.tp,
            fp: c.fp,
            tn: c.tn,
            fn_: c.fn_,
        });
    }
    for a in &r.analyzers {
        sections.push(Section::Table {
            title: format!("{} per CWE", a.analyzer),
            headers: headers.clone(),
            rows: a.per_cwe.iter().map(|(k, m)| metrics_row(k, m)).collect(),
        });
    }
    if let Some(k) = r.human_fleiss {
        sections.push(Section::Text {
            title: "Agreement among the human raters".into(),
            body: format!("Fleiss' kappa {k:.3}"),
        });
    }
    if !r.failures.is_empty() {
        sections.push(Section::Text {
            title: "Analyzer failures".into(),
            body: r.failures.join("\n"),
        });
    }
    Report {
        title: "secguard eval agreement".into(),
        subtitle: format!("dataset {}", dataset.display()),
        sections,
    }
}

// ------------------------------------------------------------------- score

fn cmd_score(cli: &Cli, args: &EvalScoreArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let (cases, default_root) = match (&args.juliet, &args.expected) {
        (Some(dir), _) => (juliet_cases(dir)?, dir.clone()),
        (None, Some(file)) => (
            read_expected(file)?,
            file.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        (None, None) => bail!("give --expected FILE or --juliet DIR"),
    };
    let root = args.root.clone().unwrap_or(default_root);
    let families = families_for(cli, ctx)?;
    let related = |a: Cwe, b: Cwe| families.related(a, b);
    let matching = if args.family {
        CweMatch::Family
    } else {
        CweMatch::Exact
    };
    let mut cards: Vec<Scorecard> = Vec::new();
    if !args.findings.is_empty() {
        for file in &args.findings {
            let findings = read_findings(file)?;
            let name = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string());
            cards.push(score(&name, &cases, &findings, matching, &related));
        }
    } else {
        let analyzers = crate::multi::analyzer_names(&args.analyzers)?;
        let mut files: Vec<PathBuf> = cases.iter().map(|c| c.file.clone()).collect();
        files.sort();
        files.dedup();
        // Each analyzer's own findings, not the merged ones: one column each.
        let runs = run_analyzers(
            cli,
            &root,
            &files,
            &analyzers,
            Duration::from_secs(args.tool_timeout.max(1)),
        )?;
        let mut per_analyzer: HashMap<String, Vec<Finding>> = HashMap::new();
        for run in runs {
            match run.result {
                Ok(out) => {
                    per_analyzer.insert(
                        run.name,
                        out.findings
                            .into_iter()
                            .filter(|f| !f.is_suppressed())
                            .collect(),
                    );
                }
                Err(e) => {
                    let _ = writeln!(ctx.stderr, "secguard: warning: analyzer failed: {e}");
                }
            }
        }
        for name in &analyzers {
            let findings = per_analyzer.get(name).cloned().unwrap_or_default();
            cards.push(score(name, &cases, &findings, matching, &related));
        }
    }
    let table = scorecards_table(&cards);
    if let Some(dir) = &args.report {
        let report = Report {
            title: "secguard eval score".into(),
            subtitle: format!("{} test cases", cases.len()),
            sections: vec![
                Section::Text {
                    title: "Scorecard".into(),
                    body: table.clone(),
                },
                Section::BarChart {
                    title: "Youden's index (TPR - FPR) per category".into(),
                    unit: "".into(),
                    groups: cards
                        .first()
                        .map(|c| c.categories.iter().map(|k| k.category.clone()).collect())
                        .unwrap_or_default(),
                    series: cards.iter().map(|c| c.analyzer.clone()).collect(),
                    values: cards
                        .first()
                        .map(|first| {
                            first
                                .categories
                                .iter()
                                .map(|cat| {
                                    cards
                                        .iter()
                                        .map(|c| {
                                            c.categories
                                                .iter()
                                                .find(|k| k.category == cat.category)
                                                .and_then(|k| k.youden)
                                        })
                                        .collect()
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                },
            ],
        };
        let value = serde_json::to_value(&cards).context("cannot serialize the scorecards")?;
        write_report(dir, &report, &value)?;
    }
    match args.format {
        ListFormat::Json => {
            write_json(ctx, &cards)?;
        }
        ListFormat::Text => write_stdout(ctx, &table)?,
    }
    Ok(EXIT_CLEAN)
}

// ----------------------------------------------------------------- compare

fn load_results(path: &Path) -> anyhow::Result<GenerateResults> {
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("{}: cannot read", file.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not the results.json of `secguard eval generate`",
            file.display()
        )
    })
}

fn cmd_compare(a: &Path, b: &Path, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let (ra, rb) = (load_results(a)?, load_results(b)?);
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for s in ra.summaries.iter().chain(&rb.summaries) {
        keys.insert((s.model.clone(), s.mode.clone()));
    }
    let find = |r: &GenerateResults, k: &(String, String)| {
        r.summaries
            .iter()
            .find(|s| s.model == k.0 && s.mode == k.1)
            .and_then(|s| s.insecure_rate)
    };
    let report = Report {
        title: "secguard eval compare".into(),
        subtitle: format!(
            "A = run {} ({}), B = run {} ({})",
            ra.run,
            a.display(),
            rb.run,
            b.display()
        ),
        sections: vec![Section::Table {
            title: "Insecure rate (any analyzer)".into(),
            headers: vec![
                "model".into(),
                "mode".into(),
                "A".into(),
                "B".into(),
                "B - A (points)".into(),
            ],
            rows: keys
                .iter()
                .map(|k| {
                    let (x, y) = (find(&ra, k), find(&rb, k));
                    vec![
                        k.0.clone(),
                        k.1.clone(),
                        percent(x),
                        percent(y),
                        match (x, y) {
                            (Some(x), Some(y)) => format!("{:+.1}", (y - x) * 100.0),
                            _ => "n/a".into(),
                        },
                    ]
                })
                .collect(),
        }],
    };
    write_stdout(ctx, &render_markdown(&report))?;
    Ok(EXIT_CLEAN)
}
