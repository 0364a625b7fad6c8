//! The `secguard` command line. `main.rs` only calls [`run`]; tests drive the
//! same code in-process through [`run_with`] and a [`Context`].
//!
//! Exit codes: [`EXIT_CLEAN`] (0) when no unsuppressed finding is at or
//! above `--fail-on`, [`EXIT_FINDINGS`] (1) when one is, [`EXIT_ERROR`] (2)
//! for usage and input errors (bad flags, missing paths, bad config or
//! baseline, unwritable output).

pub mod baseline;
pub mod cli;
pub mod config;
pub mod eval;
pub mod feedback;
pub mod generate;
pub mod kb;
pub mod models;
pub mod multi;
pub mod output;
pub mod progress;
pub mod render;

use anyhow::{Context as _, anyhow, bail};
use baseline::Baseline;
use clap::Parser;
use cli::{Cli, ColorChoice, Command, FailOn, Format, ListFormat, RulesCommand, ScanArgs};
use render::style::Style;
use render::text::{TextOptions, render_text};
use secguard_core::{RuleMeta, ScanReport};
use secguard_engine::Engine;
use secguard_engine::scan::{ScanOptions, scan_paths};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Where the command's output goes and what it knows of its environment.
pub struct Context<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub stdout_is_tty: bool,
    pub stderr_is_tty: bool,
    /// Environment lookup (`SECGUARD_*`, `NO_COLOR`, `CI`, `TERM`).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Run the command line with the process's real stdout, stderr and environment.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    // Unlocked handles: the progress bar draws on stderr from worker
    // threads, so holding the stderr lock here would deadlock.
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let stdout_is_tty = out.is_terminal();
    let stderr_is_tty = err.is_terminal();
    let env = |name: &str| std::env::var(name).ok();
    let mut ctx = Context {
        stdout: &mut out,
        stderr: &mut err,
        stdout_is_tty,
        stderr_is_tty,
        env: &env,
    };
    ExitCode::from(run_with(args, &mut ctx))
}

/// Run the command line against `ctx` and return the exit code.
pub fn run_with<I, T>(args: I, ctx: &mut Context<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let text = err.render().to_string();
            let stream: &mut dyn Write = if err.use_stderr() {
                &mut *ctx.stderr
            } else {
                &mut *ctx.stdout
            };
            let _ = stream.write_all(text.as_bytes());
            let _ = stream.flush();
            return u8::try_from(err.exit_code()).unwrap_or(EXIT_ERROR);
        }
    };
    let result = match &cli.command {
        Command::Scan(args) => cmd_scan(&cli, args, ctx),
        Command::Rules { command } => cmd_rules(&cli, command, ctx),
        Command::Review(args) => feedback::cmd_review(&cli, args, ctx),
        Command::Generate(args) => generate::cmd_generate(&cli, args, ctx),
        Command::Fix(args) => generate::cmd_fix(&cli, args, ctx),
        Command::Triage(args) => generate::cmd_triage(&cli, args, ctx),
        Command::Feedback { command } => feedback::cmd_feedback(&cli, command, ctx),
        Command::Kb { command } => kb::cmd_kb(&cli, command, ctx),
        Command::Eval { command } => eval::cmd_eval(&cli, command, ctx),
        Command::Models { format } => models::cmd_models(&cli, *format, ctx),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(ctx.stderr, "error: {err:#}");
            let _ = ctx.stderr.flush();
            EXIT_ERROR
        }
    }
}

fn env_set(ctx: &Context<'_>, name: &str) -> bool {
    (ctx.env)(name).is_some_and(|v| !v.is_empty())
}

pub(crate) fn load_config(cli: &Cli, cwd: &Path) -> anyhow::Result<config::Config> {
    if cli.no_config {
        return Ok(config::Config::default());
    }
    let path = match &cli.config {
        Some(path) => {
            if !path.is_file() {
                bail!("{}: config file not found", path.display());
            }
            Some(cwd.join(path))
        }
        None => config::discover(cwd),
    };
    match path {
        Some(path) => Ok(config::load(&path, cwd)?),
        None => Ok(config::Config::default()),
    }
}

fn load_baseline(path: &Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{}: cannot read baseline: {e}", path.display()))?;
    Baseline::parse(&text).map_err(|e| anyhow!("{}: invalid baseline: {e}", path.display()))
}

/// How a finished report is emitted.
#[derive(Debug, Clone)]
pub struct Emit {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub color: bool,
    pub verdicts: bool,
    pub quiet: bool,
    pub fail_on: FailOn,
}

fn cmd_scan(cli: &Cli, args: &ScanArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let config = load_config(cli, &cwd)?;
    let settings = config::resolve(args, &config, ctx.env, &cwd)?;
    if let Some(asked) = settings.jobs_requested {
        eprintln!(
            "secguard: {asked} jobs is more than 4 per CPU; using {}",
            settings.jobs
        );
    }
    let analyzer_names = multi::requested(args)?;
    let multi_run = multi::is_multi(&analyzer_names, args);
    let builtin_wanted = analyzer_names.iter().any(|n| n == "builtin");
    let baseline = args.baseline.as_deref().map(load_baseline).transpose()?;
    let engine = load_engine(&cli.rule_paths)?;
    let started_at = secguard_store::now();
    let store_settings = feedback::settings(cli, &config, &cwd, ctx);
    // Read before scanning: a corrupt or newer database is an input error
    // (exit 2) and should not cost a whole scan first.
    let memories = if args.no_memories {
        Vec::new()
    } else {
        feedback::memories_for_scan(&store_settings)?
    };

    let options = ScanOptions {
        paths: args.paths.clone(),
        max_file_size: settings.max_file_size,
        jobs: settings.jobs,
        respect_gitignore: settings.respect_gitignore,
        ignore_files: Vec::new(),
        exclude: settings.exclude.clone(),
        languages: settings.languages.clone(),
        // Without the built-in analyzer the scan only finds the files.
        parse_only: args.parse_only || !builtin_wanted,
    };
    let show_progress = ctx.stderr_is_tty
        && !args.quiet
        && !env_set(ctx, "CI")
        && (ctx.env)("TERM").as_deref() != Some("dumb");
    let progress = progress::Progress::new(show_progress);
    let scanned = scan_paths(&engine, &options, &|event| progress.update(event));
    progress.finish();
    let mut report = scanned?;
    if multi_run && !args.parse_only {
        let announce = show_progress;
        multi::run(
            &mut report,
            &analyzer_names,
            args,
            &config,
            &cwd,
            settings.jobs,
            (&memories, &store_settings.project),
            &store_settings.path,
            &|run| {
                if announce {
                    let state = match &run.result {
                        Ok(_) if run.cached => "cached",
                        Ok(_) => "done",
                        Err(_) => "failed",
                    };
                    eprintln!(
                        "secguard: {} {state} ({:.1} s)",
                        run.name,
                        run.elapsed.as_secs_f64()
                    );
                }
            },
        )?;
    } else {
        feedback::apply_to_report(&mut report, &memories, &store_settings.project);
    }
    if store_settings.record && !args.no_store && !args.parse_only {
        feedback::record(
            &store_settings,
            &report,
            &cwd,
            &analyzer_names,
            &args.policy,
            started_at,
        )?;
    }

    let color = args.output.is_none()
        && settings.format == Format::Text
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                ctx.stdout_is_tty
                    && !env_set(ctx, "NO_COLOR")
                    && (ctx.env)("TERM").as_deref() != Some("dumb")
            }
        };
    let emit = Emit {
        format: settings.format,
        output: args.output.clone(),
        color,
        verdicts: args.verdicts,
        quiet: args.quiet,
        fail_on: settings.fail_on,
    };
    let code = emit_report(&mut report, baseline.as_ref(), engine.rules(), &emit, ctx)?;
    // A file found by walking a folder that cannot be read is a note; one
    // the user named is an input error (exit 2), reported after everything
    // else so no other file's result is lost.
    let named_unreadable: Vec<&secguard_core::Note> = report
        .notes
        .iter()
        .filter(|n| n.kind == secguard_core::NoteKind::Unreadable && args.paths.contains(&n.path))
        .collect();
    if named_unreadable.is_empty() {
        return Ok(code);
    }
    for note in named_unreadable {
        let _ = writeln!(
            ctx.stderr,
            "error: {}: {}",
            secguard_core::display::path_display(&note.path),
            secguard_core::display::escape_control(&note.message)
        );
    }
    Ok(EXIT_ERROR)
}

/// The exit code a report leads to.
pub fn exit_code(report: &ScanReport, fail_on: FailOn) -> u8 {
    let fails = report
        .findings
        .iter()
        .any(|f| !f.is_suppressed() && fail_on.fails(f.severity));
    if fails { EXIT_FINDINGS } else { EXIT_CLEAN }
}

/// Render `report` as `emit.format`.
pub fn render_report(
    report: &ScanReport,
    rules: &[RuleMeta],
    emit: &Emit,
    baseline_hidden: usize,
) -> anyhow::Result<String> {
    Ok(match emit.format {
        Format::Text => render_text(
            report,
            &TextOptions {
                style: Style { color: emit.color },
                verdicts: emit.verdicts,
                quiet: emit.quiet,
                baseline_hidden,
            },
        ),
        Format::Json => render::render_json(report).context("cannot serialize the report")?,
        Format::Sarif => {
            let mut text =
                serde_json::to_string_pretty(&secguard_core::sarif::to_sarif(report, rules))
                    .context("cannot serialize the SARIF log")?;
            text.push('\n');
            text
        }
        Format::Github => render::github::render_github(report),
        Format::Table => render::table::render_table(report),
    })
}

/// Apply the baseline, render, write, and return the exit code.
pub fn emit_report(
    report: &mut ScanReport,
    baseline: Option<&Baseline>,
    rules: &[RuleMeta],
    emit: &Emit,
    ctx: &mut Context<'_>,
) -> anyhow::Result<u8> {
    let hidden = baseline.map_or(0, |b| b.apply(report));
    let code = exit_code(report, emit.fail_on);
    let text = render_report(report, rules, emit, hidden)?;
    match &emit.output {
        Some(path) => {
            output::write_atomic(path, text.as_bytes())
                .map_err(|e| anyhow!("{}: cannot write report: {e}", path.display()))?;
            if !emit.quiet {
                let open = report
                    .findings
                    .iter()
                    .filter(|f| !f.is_suppressed())
                    .count();
                let _ = writeln!(
                    ctx.stderr,
                    "secguard: wrote {} report to {} ({}, {} scanned)",
                    emit.format.name(),
                    path.display(),
                    render::plural(open, "finding", "findings"),
                    render::plural(report.stats.files_scanned, "file", "files"),
                );
            }
        }
        None => {
            let written = ctx
                .stdout
                .write_all(text.as_bytes())
                .and_then(|()| ctx.stdout.flush());
            match written {
                Ok(()) => {}
                // `secguard scan | head` is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(anyhow!("cannot write to standard output: {e}")),
            }
        }
    }
    Ok(code)
}

/// `value` as pretty JSON on standard output, one trailing newline.
pub(crate) fn write_json(
    ctx: &mut Context<'_>,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("cannot serialize")?;
    text.push('\n');
    write_stdout(ctx, &text)
}

pub(crate) fn write_stdout(ctx: &mut Context<'_>, text: &str) -> anyhow::Result<()> {
    match ctx
        .stdout
        .write_all(text.as_bytes())
        .and_then(|()| ctx.stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow!("cannot write to standard output: {e}")),
    }
}

/// The built-in rules plus the user's rule files (`--rules`).
pub(crate) fn load_engine(rule_paths: &[std::path::PathBuf]) -> anyhow::Result<Engine> {
    if rule_paths.is_empty() {
        return Ok(Engine::builtin()?);
    }
    let mut files = secguard_engine::embedded_rule_files();
    for root in rule_paths {
        let meta = std::fs::metadata(root)
            .with_context(|| format!("{}: cannot read rule path", root.display()))?;
        let mut found = Vec::new();
        if meta.is_dir() {
            collect_rule_files(root, &mut found)?;
            if found.is_empty() {
                bail!(
                    "{}: no rule files (*.yaml) in this directory",
                    root.display()
                );
            }
        } else {
            found.push(root.clone());
        }
        found.sort();
        for path in found {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{}: cannot read rule file", path.display()))?;
            files.push((path.to_string_lossy().replace('\\', "/"), text));
        }
    }
    Ok(Engine::from_rule_files(
        files.iter().map(|(p, t)| (p.as_str(), t.as_str())),
    )?)
}

fn collect_rule_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list rule directory", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot list rule directory", dir.display()))?
            .path();
        if path.is_dir() {
            collect_rule_files(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml")
        {
            out.push(path);
        }
    }
    Ok(())
}

fn cmd_rules(cli: &Cli, command: &RulesCommand, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let engine = load_engine(&cli.rule_paths)?;
    let rules = engine.rules();
    match command {
        RulesCommand::List { format } => {
            let text = match format {
                ListFormat::Text => render::rules::render_rule_list(rules),
                ListFormat::Json => {
                    let mut text =
                        serde_json::to_string_pretty(rules).context("cannot serialize rules")?;
                    text.push('\n');
                    text
                }
            };
            write_stdout(ctx, &text)?;
        }
        RulesCommand::Explain { rule_id } => {
            let wanted = rule_id.trim();
            let rule = rules
                .iter()
                .find(|r| r.id == wanted)
                .or_else(|| rules.iter().find(|r| r.id.eq_ignore_ascii_case(wanted)));
            let Some(rule) = rule else {
                let similar = render::rules::similar_rules(rules, wanted);
                if similar.is_empty() {
                    bail!("unknown rule '{wanted}' (see `secguard rules list`)");
                }
                bail!(
                    "unknown rule '{wanted}'; did you mean: {}?",
                    similar.join(", ")
                );
            };
            let style = Style {
                color: ctx.stdout_is_tty && !env_set(ctx, "NO_COLOR"),
            };
            write_stdout(ctx, &render::rules::render_rule_explain(rule, style))?;
        }
        RulesCommand::Test => {
            let report = secguard_engine::fixtures::test_rule_fixtures(&engine);
            let mut text = String::new();
            for f in &report.failures {
                text.push_str(&format!("FAIL {f}\n"));
            }
            let passed = report.fixtures - report.failures.len();
            text.push_str(&format!(
                "{passed} passed, {} failed ({} rules, {} fixtures)\n",
                report.failures.len(),
                report.rules,
                report.fixtures
            ));
            write_stdout(ctx, &text)?;
            if !report.failures.is_empty() {
                return Ok(EXIT_FINDINGS);
            }
        }
    }
    Ok(EXIT_CLEAN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::sample_report;
    use secguard_core::Severity;

    struct Captured {
        code: u8,
        stdout: String,
        stderr: String,
    }

    fn emit(report: &mut ScanReport, baseline: Option<&Baseline>, emit: &Emit) -> Captured {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let env = |_: &str| None;
        let mut ctx = Context {
            stdout: &mut out,
            stderr: &mut err,
            stdout_is_tty: false,
            stderr_is_tty: false,
            env: &env,
        };
        let code = emit_report(report, baseline, &[], emit, &mut ctx).expect("emit");
        Captured {
            code,
            stdout: String::from_utf8(out).expect("utf8"),
            stderr: String::from_utf8(err).expect("utf8"),
        }
    }

    fn text_emit(fail_on: FailOn) -> Emit {
        Emit {
            format: Format::Text,
            output: None,
            color: false,
            verdicts: false,
            quiet: false,
            fail_on,
        }
    }

    #[test]
    fn exit_codes_follow_fail_on() {
        let report = sample_report();
        assert_eq!(exit_code(&report, FailOn::DEFAULT), EXIT_FINDINGS);
        assert_eq!(
            exit_code(&report, FailOn::AtLeast(Severity::Critical)),
            EXIT_FINDINGS
        );
        assert_eq!(exit_code(&report, FailOn::Never), EXIT_CLEAN);
        // Only the suppressed finding is high in src/copy.c; a low one remains.
        let mut only_c = sample_report();
        only_c
            .findings
            .retain(|f| f.location.path.ends_with("copy.c"));
        assert_eq!(
            exit_code(&only_c, FailOn::AtLeast(Severity::Medium)),
            EXIT_CLEAN
        );
        assert_eq!(
            exit_code(&only_c, FailOn::AtLeast(Severity::Low)),
            EXIT_FINDINGS
        );
    }

    #[test]
    fn baseline_of_the_same_report_makes_the_scan_clean() {
        let old = sample_report();
        let baseline =
            Baseline::parse(&serde_json::to_string(&old).expect("json")).expect("baseline");
        let mut report = sample_report();
        let got = emit(&mut report, Some(&baseline), &text_emit(FailOn::DEFAULT));
        assert_eq!(got.code, EXIT_CLEAN);
        assert!(got.stdout.contains("No findings."), "{}", got.stdout);
        assert!(got.stdout.contains("5 in baseline"), "{}", got.stdout);

        let mut report = sample_report();
        let got = emit(&mut report, None, &text_emit(FailOn::DEFAULT));
        assert_eq!(got.code, EXIT_FINDINGS);
        assert!(got.stdout.contains("Found 4 findings"), "{}", got.stdout);
    }

    #[test]
    fn every_format_renders() {
        for format in [Format::Text, Format::Json, Format::Sarif, Format::Github] {
            let mut report = sample_report();
            let got = emit(
                &mut report,
                None,
                &Emit {
                    format,
                    ..text_emit(FailOn::Never)
                },
            );
            assert_eq!(got.code, EXIT_CLEAN);
            assert!(got.stdout.contains("py-sql-injection"), "{format:?}");
            if matches!(format, Format::Json | Format::Sarif) {
                serde_json::from_str::<serde_json::Value>(&got.stdout).expect("valid JSON");
            }
        }
    }

    #[test]
    fn output_file_gets_the_report_and_stderr_a_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.json");
        let mut report = sample_report();
        let got = emit(
            &mut report,
            None,
            &Emit {
                format: Format::Json,
                output: Some(path.clone()),
                ..text_emit(FailOn::DEFAULT)
            },
        );
        assert_eq!(got.code, EXIT_FINDINGS);
        assert!(got.stdout.is_empty());
        assert!(got.stderr.contains("wrote json report"), "{}", got.stderr);
        let written: ScanReport =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(written, sample_report());
    }

    #[test]
    fn analyzers_flag() {
        let args = |list: &str| match Cli::try_parse_from(["secguard", "scan", "--analyzers", list])
        {
            Ok(Cli {
                command: Command::Scan(a),
                ..
            }) => *a,
            other => panic!("{other:?}"),
        };
        let names = multi::requested(&args("builtin,Bandit,bandit")).expect("known");
        assert_eq!(names, vec!["builtin".to_string(), "bandit".to_string()]);
        assert!(!multi::is_multi(&["builtin".to_string()], &args("builtin")));
        assert_eq!(
            multi::requested(&args("all")).expect("all").len(),
            multi::KNOWN.len()
        );
        let err = multi::requested(&args("nope")).expect_err("unknown");
        assert!(err.to_string().contains("unknown analyzer 'nope'"), "{err}");
    }

    #[test]
    fn help_and_usage_errors_in_process() {
        let run = |args: &[&str]| {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let env = |_: &str| None;
            let mut ctx = Context {
                stdout: &mut out,
                stderr: &mut err,
                stdout_is_tty: false,
                stderr_is_tty: false,
                env: &env,
            };
            let code = run_with(args.iter().copied(), &mut ctx);
            (
                code,
                String::from_utf8_lossy(&out).into_owned(),
                String::from_utf8_lossy(&err).into_owned(),
            )
        };
        let (code, out, _) = run(&["secguard", "--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("scan"));
        let (code, _, err) = run(&["secguard", "scan", "--format", "xml"]);
        assert_eq!(code, EXIT_ERROR);
        assert!(err.contains("xml"), "{err}");
        let (code, _, err) = run(&["secguard", "rules", "explain", "no-such-rule"]);
        assert_eq!(code, EXIT_ERROR);
        assert!(err.contains("unknown rule 'no-such-rule'"), "{err}");
        let (code, out, _) = run(&["secguard", "rules", "list", "--format", "json"]);
        assert_eq!(code, 0);
        serde_json::from_str::<Vec<RuleMeta>>(&out).expect("rule list is JSON");
    }
}
