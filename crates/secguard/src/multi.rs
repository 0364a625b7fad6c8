//! `secguard scan --analyzers builtin,semgrep,...`: run the external
//! analyzers next to the built-in one, merge their findings and compute one
//! verdict per sample.

use crate::cli::ScanArgs;
use crate::config::Config;
use anyhow::{Context as _, bail};
use secguard_analyzers::orchestrate::{
    AnalyzerRun, MergedFinding, Precision, ResultCache, VerdictPolicy, merge, run_all, verdicts,
};
use secguard_analyzers::{
    Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput, bandit, codeql, cppcheck, flawfinder,
    sarif_import, semgrep,
};
use secguard_core::memory::Memory;
use secguard_core::{Finding, Language, Note, NoteKind, ScanReport, Verdict};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Every analyzer name `--analyzers` accepts.
pub const KNOWN: &[&str] = &[
    "builtin",
    "semgrep",
    "bandit",
    "cppcheck",
    "flawfinder",
    "codeql",
];

/// The analyzers asked for, lowercased and deduplicated, in order.
pub fn requested(args: &ScanArgs) -> anyhow::Result<Vec<String>> {
    let out = analyzer_names(&args.analyzers)?;
    if out.is_empty() && args.import_sarif.is_empty() {
        bail!("--analyzers: give at least one analyzer");
    }
    Ok(out)
}

/// `--analyzers` values checked against [`KNOWN`]: lowercased,
/// deduplicated, in order, `all` expanded.
pub fn analyzer_names(names: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        if name == "all" {
            for k in KNOWN {
                if !out.iter().any(|o| o == k) {
                    out.push((*k).to_string());
                }
            }
            continue;
        }
        if !KNOWN.contains(&name.as_str()) {
            bail!(
                "--analyzers: unknown analyzer '{name}' (known: {}, or all)",
                KNOWN.join(", ")
            );
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// True when more than the built-in engine is involved.
pub fn is_multi(names: &[String], args: &ScanArgs) -> bool {
    !args.import_sarif.is_empty() || names.iter().any(|n| n != "builtin")
}

/// Stands in for the built-in engine in the verdict step; its findings are
/// computed by the ordinary scan.
struct BuiltinDone;

impl Analyzer for BuiltinDone {
    fn name(&self) -> &str {
        "builtin"
    }
    fn languages(&self) -> &[Language] {
        &Language::ALL
    }
    fn version(&self) -> Result<String, AnalyzerError> {
        Ok(env!("CARGO_PKG_VERSION").to_string())
    }
    fn run(&self, _: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
        Ok(AnalyzerOutput::default())
    }
}

/// The adapter for an external analyzer, set up from `secguard.toml` and
/// `--semgrep-config`; `None` for `builtin` and unknown names.
pub fn external(
    name: &str,
    semgrep_configs: &[PathBuf],
    config: &Config,
) -> Option<Box<dyn Analyzer>> {
    // Paths in secguard.toml are relative to the file's directory.
    let base = config
        .path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let cfg = &config.analyzers;
    let program = |tool: &str| cfg.programs.get(tool).map(|p| base.join(p));
    Some(match name {
        "semgrep" => {
            let configs = if !semgrep_configs.is_empty() {
                semgrep_configs.to_vec()
            } else if !cfg.semgrep_configs.is_empty() {
                cfg.semgrep_configs.iter().map(|c| base.join(c)).collect()
            } else {
                vec![semgrep::bundled_rules_dir()]
            };
            Box::new(semgrep::Semgrep::with_configs(configs).with_program(program("semgrep")))
        }
        "bandit" => Box::new(bandit::Bandit::new(program("bandit"))),
        "cppcheck" => {
            let mut c = cppcheck::Cppcheck::new();
            if let Some(p) = program("cppcheck") {
                c = c.with_program(p);
            }
            Box::new(c)
        }
        "flawfinder" => {
            let mut f = flawfinder::Flawfinder::new();
            if let Some(p) = program("flawfinder") {
                f = f.with_program(p);
            }
            if let Some(level) = cfg.flawfinder_min_level {
                f = f.with_min_level(level);
            }
            Box::new(f)
        }
        "codeql" => {
            let mut q = codeql::CodeQl::new();
            if let Some(p) = program("codeql") {
                q = q.with_program(p);
            }
            if let Some(s) = &cfg.codeql_python_suite {
                q = q.with_python_suite(s.clone());
            }
            if let Some(s) = &cfg.codeql_cpp_suite {
                q = q.with_cpp_suite(s.clone());
            }
            q = q.with_cpp_build_command(cfg.codeql_build_command.clone());
            Box::new(q)
        }
        _ => return None,
    })
}

fn load_precision(path: Option<&Path>) -> anyhow::Result<Precision> {
    let Some(path) = path else {
        return Ok(Precision::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read precision file", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: invalid precision file", path.display()))
}

/// A memory decided about a merged finding; give each analyzer's own
/// report in it the same suppression and severity, so the per-analyzer
/// votes behind the verdicts agree with the human decision.
fn carry_to_members(findings: &[Finding], members: &[Vec<String>], runs: &mut [AnalyzerRun]) {
    let mut decided: HashMap<&str, &Finding> = HashMap::new();
    for (f, ms) in findings.iter().zip(members) {
        for m in ms {
            decided.insert(m.as_str(), f);
        }
    }
    for run in runs.iter_mut() {
        if let Ok(out) = &mut run.result {
            for f in &mut out.findings {
                if let Some(d) = decided.get(f.fingerprint.0.as_str()) {
                    if f.suppression.is_none() {
                        f.suppression = d.suppression.clone();
                    }
                    f.severity = d.severity;
                }
            }
        }
    }
}

/// Run the external analyzers over the files the scan found, then replace
/// the report's findings and verdicts with the merged ones.
#[allow(clippy::too_many_arguments)]
pub fn run(
    report: &mut ScanReport,
    names: &[String],
    args: &ScanArgs,
    config: &Config,
    cwd: &Path,
    jobs: usize,
    memories: (&[Memory], &str),
    db: &Path,
    on_done: &(dyn Fn(&AnalyzerRun) + Sync),
) -> anyhow::Result<()> {
    let policy = VerdictPolicy::from_name(&args.policy)
        .with_context(|| format!("--policy: unknown policy '{}'", args.policy))?;
    let precision = load_precision(args.precision.as_deref())?;
    let files: Vec<PathBuf> = report.verdicts.iter().map(|v| v.path.clone()).collect();
    let input = AnalyzerInput {
        root: cwd.to_path_buf(),
        files: files.clone(),
        timeout: Duration::from_secs(args.tool_timeout.max(1)),
    };

    let mut analyzers: Vec<Box<dyn Analyzer>> = Vec::new();
    let mut runs: Vec<AnalyzerRun> = Vec::new();
    let builtin_wanted = names.iter().any(|n| n == "builtin");
    let (suppressed, builtin_findings): (Vec<_>, Vec<_>) = std::mem::take(&mut report.findings)
        .into_iter()
        .partition(|f| f.suppression.is_some());
    if builtin_wanted {
        analyzers.push(Box::new(BuiltinDone));
        runs.push(AnalyzerRun {
            name: "builtin".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            result: Ok(AnalyzerOutput {
                findings: builtin_findings,
                notes: Vec::new(),
            }),
            elapsed: Duration::from_millis(report.stats.duration_ms),
            cached: false,
        });
    }
    let mut externals: Vec<Box<dyn Analyzer>> = names
        .iter()
        .filter(|n| n.as_str() != "builtin")
        .filter_map(|n| external(n, &args.semgrep_configs, config))
        .collect();
    if !args.import_sarif.is_empty() {
        externals.push(Box::new(sarif_import::SarifImport::new(
            args.import_sarif.clone(),
        )));
    }
    let cache = if args.no_cache {
        None
    } else {
        Some(ResultCache::new(cwd.join(".secguard/cache")))
    };
    let semgrep_config = format!("{:?}", args.semgrep_configs);
    let config = move |name: &str| {
        if name == "semgrep" {
            semgrep_config.clone()
        } else {
            String::new()
        }
    };
    // `-j 0` (the default) means one worker thread per CPU for the built-in
    // engine; external tools are processes of their own, so by default
    // they all start at once and the scheduler (with the priorities
    // `run_all` gives them) shares the cores. `-j N` caps them at N.
    let concurrent = if jobs == 0 { externals.len() } else { jobs };
    let ext_runs = run_all(
        &externals,
        &input,
        concurrent.max(1),
        cache.as_ref(),
        &config,
        on_done,
    );
    analyzers.extend(externals);
    runs.extend(ext_runs);

    for run in &runs {
        match &run.result {
            Ok(out) => report.notes.extend(out.notes.iter().cloned()),
            Err(e) => report.notes.push(Note {
                path: PathBuf::new(),
                kind: NoteKind::AnalyzerFailed,
                line: None,
                message: e.to_string(),
            }),
        }
    }

    let families = crate::kb::cwe_families(db);
    let merged = merge(&runs, &|a, b| families.related(a, b), 1);
    let (mut findings, members): (Vec<_>, Vec<_>) =
        merged.into_iter().map(MergedFinding::into_finding).unzip();
    let (memories, project) = memories;
    if !memories.is_empty() {
        let (_, notes) = crate::feedback::apply(&mut findings, memories, project);
        report.notes.extend(notes);
        carry_to_members(&findings, &members, &mut runs);
    }
    findings.extend(suppressed);
    secguard_engine::scan::sort_findings(&mut findings);

    let samples = verdicts(&files, &analyzers, &runs, policy, &precision);
    // (open, suppressed) per file, counted once: comparing paths per sample
    // and finding was quadratic.
    let mut counts: HashMap<&Path, (usize, usize)> = HashMap::new();
    for f in &findings {
        let c = counts.entry(f.location.path.as_path()).or_default();
        if f.suppression.is_none() {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    let verdicts: Vec<Verdict> = samples
        .into_iter()
        .map(|s| {
            let (finding_count, suppressed_count) =
                counts.get(s.path.as_path()).copied().unwrap_or_default();
            Verdict {
                finding_count,
                suppressed_count,
                path: s.path,
                verdict: s.verdict,
                cwes: s.cwes,
                analyzers: s.analyzers,
                score: Some(s.score),
            }
        })
        .collect();
    report.verdicts = verdicts;
    report.findings = findings;
    Ok(())
}
