//! The review loop on the command line: where the review database is, how a
//! scan applies memories and records itself, and the `review` and
//! `feedback` commands.

use crate::cli::{Cli, FeedbackCommand, LabelArgs, ListFormat, ReviewArgs, ReviewCommand};
use crate::config::Config;
use crate::{Context, EXIT_CLEAN, write_json, write_stdout};
use anyhow::{Context as _, anyhow, bail};
use secguard_core::memory::{Applied, Memory, ScopeChoice, apply_memories};
use secguard_core::review::{Decision, ReviewTarget, Role, format_timestamp};
use secguard_core::{Cwe, Finding, Note, NoteKind, ScanReport, Severity};
use secguard_store::{
    NewReview, QueueFilter, QueueItem, ReviewFilter, SampleRecord, ScanRecord, SqliteStore, Store,
    labels,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are recorded without their text.
const MAX_STORED_CONTENT: u64 = 512 * 1024;

/// Where the review database is and which project a run belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    pub path: PathBuf,
    pub project: String,
    /// Whether scans record their results.
    pub record: bool,
}

/// `--db`, then `SECGUARD_DB`, then `store.path` (relative to secguard.toml),
/// then `.secguard/secguard.db` in the project directory: the directory of
/// secguard.toml, or the current one.
pub fn settings(cli: &Cli, config: &Config, cwd: &Path, ctx: &Context<'_>) -> StoreSettings {
    let config_dir = config
        .path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let project_dir = config_dir.clone().unwrap_or_else(|| cwd.to_path_buf());
    let path = if let Some(p) = &cli.db {
        cwd.join(p)
    } else if let Some(p) = (ctx.env)("SECGUARD_DB").filter(|v| !v.is_empty()) {
        cwd.join(p)
    } else if let Some(p) = &config.store.path {
        config_dir.as_deref().unwrap_or(cwd).join(p)
    } else {
        project_dir.join(".secguard").join("secguard.db")
    };
    let project = config
        .store
        .project
        .clone()
        .or_else(|| (ctx.env)("SECGUARD_PROJECT").filter(|v| !v.trim().is_empty()))
        .or_else(|| {
            project_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "default".to_string());
    StoreSettings {
        path,
        project,
        record: config.store.record.unwrap_or(true),
    }
}

fn open(settings: &StoreSettings) -> anyhow::Result<SqliteStore> {
    Ok(SqliteStore::open(&settings.path)?)
}

/// The store, if the database exists; read-only commands do not create one.
fn open_existing(settings: &StoreSettings) -> anyhow::Result<Option<SqliteStore>> {
    if !settings.path.exists() {
        return Ok(None);
    }
    open(settings).map(Some)
}

fn require_existing(settings: &StoreSettings) -> anyhow::Result<SqliteStore> {
    open_existing(settings)?.ok_or_else(|| {
        anyhow!(
            "{}: no review database yet; run `secguard scan` first",
            settings.path.display()
        )
    })
}

/// The live memories a scan applies, or none when there is no database.
pub fn memories_for_scan(settings: &StoreSettings) -> anyhow::Result<Vec<Memory>> {
    match open_existing(settings)? {
        Some(store) => Ok(store.memories(false)?),
        None => Ok(Vec::new()),
    }
}

/// Apply memories to findings and turn what could not be applied into notes.
pub fn apply(findings: &mut [Finding], memories: &[Memory], project: &str) -> (Applied, Vec<Note>) {
    let applied = apply_memories(findings, memories, project);
    let mut notes = Vec::new();
    let path_of = |fp: &str| {
        findings
            .iter()
            .find(|f| f.fingerprint.0 == fp)
            .map(|f| (f.location.path.clone(), f.location.start_line))
    };
    for (fp, ids) in &applied.conflicts {
        let (path, line) = path_of(fp).unwrap_or_default();
        let ids: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
        notes.push(Note {
            path,
            kind: NoteKind::MemoryNotApplied,
            line: Some(line),
            message: format!(
                "memories {} conflict on this finding; none applied (see `secguard feedback list`)",
                ids.join(", ")
            ),
        });
    }
    for (fp, id) in &applied.awaiting_second_reviewer {
        let (path, line) = path_of(fp).unwrap_or_default();
        notes.push(Note {
            path,
            kind: NoteKind::MemoryNotApplied,
            line: Some(line),
            message: format!(
                "memory #{id} would hide a high or critical finding and needs a second reviewer (or an admin)"
            ),
        });
    }
    (applied, notes)
}

/// Apply memories to a single-analyzer report: suppress or re-rank its
/// findings, note what could not be applied, and recompute the verdicts.
pub fn apply_to_report(report: &mut ScanReport, memories: &[Memory], project: &str) {
    if memories.is_empty() {
        return;
    }
    let (_, notes) = apply(&mut report.findings, memories, project);
    report.notes.extend(notes);
    secguard_engine::scan::recompute_verdicts(&mut report.verdicts, &report.findings);
}

/// Record a finished scan: its samples (with their text, so reviews see
/// what was judged), findings and verdicts.
pub fn record(
    settings: &StoreSettings,
    report: &ScanReport,
    root: &Path,
    analyzers: &[String],
    policy: &str,
    started_at: i64,
) -> anyhow::Result<i64> {
    let store = open(settings)?;
    let samples: Vec<SampleRecord> = report
        .verdicts
        .iter()
        .map(|v| sample_record(root, &v.path, Some(v.clone())))
        .collect();
    let id = store.record_scan(&ScanRecord {
        project: &settings.project,
        root: &root.to_string_lossy(),
        analyzers: analyzers.to_vec(),
        policy,
        started_at,
        finished_at: secguard_store::now(),
        samples: &samples,
        findings: &report.findings,
    })?;
    Ok(id)
}

fn sample_record(
    root: &Path,
    path: &Path,
    verdict: Option<secguard_core::Verdict>,
) -> SampleRecord {
    let full = root.join(path);
    let small = std::fs::metadata(&full).is_ok_and(|m| m.len() <= MAX_STORED_CONTENT);
    let language = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(secguard_core::Language::from_extension);
    sample_from_bytes(path, language, std::fs::read(&full).ok(), small, verdict)
}

/// A sample record for `bytes` (or none, when unreadable), keeping the text
/// when `keep_text` and it is UTF-8.
pub(crate) fn sample_from_bytes(
    path: &Path,
    language: Option<secguard_core::Language>,
    bytes: Option<Vec<u8>>,
    keep_text: bool,
    verdict: Option<secguard_core::Verdict>,
) -> SampleRecord {
    let content_hash = bytes
        .as_deref()
        .map(|b| hex(&Sha256::digest(b)))
        .unwrap_or_default();
    let content = bytes
        .filter(|_| keep_text)
        .and_then(|b| String::from_utf8(b).ok());
    SampleRecord {
        path: path.to_string_lossy().replace('\\', "/"),
        language: language.map(|l| l.name().to_string()),
        content,
        content_hash,
        verdict,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who is acting: the flag, then SECGUARD_REVIEWER, then USER.
fn reviewer_name(flag: Option<&str>, ctx: &Context<'_>) -> anyhow::Result<String> {
    flag.map(str::to_string)
        .or_else(|| (ctx.env)("SECGUARD_REVIEWER"))
        .or_else(|| (ctx.env)("USER"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| anyhow!("who is reviewing? pass --reviewer NAME or set SECGUARD_REVIEWER"))
}

pub fn cmd_review(cli: &Cli, args: &ReviewArgs, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let config = crate::load_config(cli, &cwd)?;
    let settings = settings(cli, &config, &cwd, ctx);
    match (&args.command, &args.serve) {
        (Some(_), Some(_)) => bail!("--serve cannot be combined with a review subcommand"),
        (None, addr) => serve(
            &settings,
            addr.as_deref().unwrap_or("127.0.0.1:0"),
            args,
            ctx,
        ),
        (Some(ReviewCommand::Next { samples, format }), None) => {
            let reviewer = reviewer_name(args.reviewer.as_deref(), ctx)?;
            let store = require_existing(&settings)?;
            let queue = store.queue(&QueueFilter {
                project: Some(settings.project.clone()),
                reviewer: Some(reviewer),
                samples: *samples,
                limit: 1,
            })?;
            match format {
                ListFormat::Json => write_json(ctx, &queue.first())?,
                ListFormat::Text => {
                    let text = match queue.first() {
                        Some(item) => render_item(&store, &settings.project, item)?,
                        None => "Nothing left to review.\n".to_string(),
                    };
                    write_stdout(ctx, &text)?;
                }
            }
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Label(label)), None) => {
            let reviewer = reviewer_name(args.reviewer.as_deref(), ctx)?;
            let store = require_existing(&settings)?;
            let review = new_review(label, &settings.project, &reviewer)?;
            let outcome = store.add_review(&review)?;
            let mut text = format!(
                "Saved review #{} ({} by {}).\n",
                outcome.review.id, outcome.review.decision, outcome.review.reviewer
            );
            if let Some(m) = outcome.memory_created {
                text.push_str(&format!("Created memory #{m}.\n"));
            }
            if let Some(m) = outcome.memory_strengthened {
                text.push_str(&format!("Strengthened memory #{m}.\n"));
            }
            for (id, old, new, agreed) in &outcome.trust_updates {
                let how = if *agreed {
                    "agrees with"
                } else {
                    "contradicts"
                };
                text.push_str(&format!(
                    "This decision {how} memory #{id}: trust {old:.2} -> {new:.2}.\n"
                ));
            }
            if !outcome.conflicts.is_empty() {
                let ids: Vec<String> = outcome.conflicts.iter().map(|i| format!("#{i}")).collect();
                text.push_str(&format!(
                    "Conflicts with memories {}; they are shown, not merged, and not applied where both match.\n",
                    ids.join(", ")
                ));
            }
            write_stdout(ctx, &text)?;
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Export { format, output }), None) => {
            let store = require_existing(&settings)?;
            let reviews = store.reviews(&ReviewFilter::default())?;
            let rows = labels::rows_from_reviews(&reviews, &store)?;
            let mut buf = Vec::new();
            if format == "jsonl" {
                labels::write_jsonl(&rows, &mut buf)?;
            } else {
                labels::write_csv(&rows, &mut buf)?;
            }
            match output {
                Some(path) => crate::output::write_atomic(path, &buf)
                    .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?,
                None => write_stdout(ctx, &String::from_utf8_lossy(&buf))?,
            }
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Import { file, format }), None) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow!("{}: cannot read: {e}", file.display()))?;
            let jsonl = match format.as_deref() {
                Some(f) => f == "jsonl",
                None => file
                    .extension()
                    .is_some_and(|e| e == "jsonl" || e == "ndjson"),
            };
            let rows = if jsonl {
                labels::read_jsonl(&text)
            } else {
                labels::read_csv(&text)
            }
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let store = open(&settings)?;
            let added = labels::import_labels(&store, &rows)?;
            let _ = writeln!(
                ctx.stderr,
                "secguard: imported {added} of {} labels from {}",
                rows.len(),
                file.display()
            );
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Agreement { format }), None) => {
            let store = require_existing(&settings)?;
            let reviews = store.reviews(&ReviewFilter {
                project: Some(settings.project.clone()),
                ..ReviewFilter::default()
            })?;
            let report = secguard_core::agreement::agreement(&reviews);
            match format {
                ListFormat::Json => write_json(ctx, &report)?,
                ListFormat::Text => write_stdout(ctx, &render_agreement(&report))?,
            }
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Reviewer { name, role }), None) => {
            let actor = reviewer_name(args.reviewer.as_deref(), ctx)?;
            let role = role
                .as_deref()
                .map(str::parse::<Role>)
                .transpose()
                .map_err(|e| anyhow!("--role: {e}"))?;
            let store = open(&settings)?;
            let r = store.upsert_reviewer(name, role, &actor)?;
            write_stdout(ctx, &format!("{} ({})\n", r.name, r.role.as_str()))?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn serve(
    settings: &StoreSettings,
    addr: &str,
    args: &ReviewArgs,
    ctx: &mut Context<'_>,
) -> anyhow::Result<u8> {
    let addr: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| anyhow!("--serve: '{addr}' is not an address like 127.0.0.1:8080 ({e})"))?;
    if !addr.ip().is_loopback() {
        bail!(
            "--serve: {addr} is not a loopback address; the review UI only listens on 127.0.0.1 or ::1 \
             (forward a port over SSH to review from another machine)"
        );
    }
    let reviewer = reviewer_name(args.reviewer.as_deref(), ctx)?;
    let store = open(settings)?;
    store.upsert_reviewer(&reviewer, None, &reviewer)?;
    let token = secguard_web::random_token()?;
    let options = secguard_web::ServeOptions {
        addr,
        token,
        project: settings.project.clone(),
        reviewer,
        max_body_bytes: args.max_body,
    };
    let store: Arc<dyn Store> = Arc::new(store);
    let db = settings.path.display().to_string();
    let stdout = &mut *ctx.stdout;
    secguard_web::serve(store, options, |info| {
        // The token is in the URL on purpose: it is how the browser gets in.
        // It lives only as long as this process.
        let _ = writeln!(
            stdout,
            "secguard: review UI for {db} at {}\nsecguard: press Ctrl-C to stop",
            info.url
        );
        let _ = stdout.flush();
    })?;
    Ok(EXIT_CLEAN)
}

fn new_review(label: &LabelArgs, project: &str, reviewer: &str) -> anyhow::Result<NewReview> {
    let target = match (&label.finding, &label.sample) {
        (Some(fp), None) => ReviewTarget::Finding {
            fingerprint: fp.trim().to_string(),
        },
        (None, Some(path)) => ReviewTarget::Sample {
            path: path.trim_start_matches("./").to_string(),
        },
        _ => bail!("give exactly one of --finding FINGERPRINT or --sample PATH"),
    };
    let decision: Decision = label
        .decision
        .parse()
        .map_err(|e| anyhow!("--decision: {e}"))?;
    if !decision.fits(&target) {
        bail!(
            "--decision: {decision} does not apply to a {} (findings take tp or fp, samples secure or insecure)",
            target.kind()
        );
    }
    let cwe = label
        .cwe
        .iter()
        .flat_map(|c| c.split([',', ';']))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| Cwe::parse(c).ok_or_else(|| anyhow!("--cwe: '{c}' is not a CWE id (e.g. CWE-89)")))
        .collect::<anyhow::Result<Vec<Cwe>>>()?;
    let severity = label
        .severity
        .as_deref()
        .map(|s| {
            Severity::from_name(s).ok_or_else(|| {
                anyhow!("--severity: unknown severity '{s}' (info, low, medium, high, critical)")
            })
        })
        .transpose()?;
    let corrected_code = label
        .corrected_code
        .as_deref()
        .map(|p| {
            std::fs::read_to_string(p).map_err(|e| anyhow!("{}: cannot read: {e}", p.display()))
        })
        .transpose()?;
    Ok(NewReview {
        project: project.to_string(),
        target,
        reviewer: reviewer.to_string(),
        decision,
        cwe,
        severity,
        note: label.note.clone(),
        corrected_code,
        scope: ScopeChoice::parse(&label.scope).unwrap_or_default(),
        path_glob: label.glob.clone(),
        created_at: None,
    })
}

/// One queue item for the terminal: what it is, the code around it, and
/// the command that labels it.
fn render_item(store: &dyn Store, project: &str, item: &QueueItem) -> anyhow::Result<String> {
    let mut out = String::new();
    match item {
        QueueItem::Finding(sf) => {
            let f = &sf.finding;
            let analyzers = if f.reported_by.is_empty() {
                f.analyzer.clone()
            } else {
                f.reported_by.join(", ")
            };
            let cwes: Vec<String> = f.cwe.iter().map(ToString::to_string).collect();
            out.push_str(&format!(
                "{} {} [{}] {}:{}\n  {}\n  reported by: {analyzers}\n  fingerprint: {}\n",
                f.severity.name(),
                f.rule_id,
                cwes.join(", "),
                f.location.path_string(),
                f.location.start_line,
                f.message,
                f.fingerprint.0
            ));
            if let Some(r) = &sf.rationale {
                out.push_str(&format!("  LLM rationale: {r}\n"));
            }
            if let Some(sample) = store.sample(project, &f.location.path_string())?
                && let Some(code) = &sample.content
            {
                out.push('\n');
                let start = f.location.start_line.saturating_sub(3).max(1);
                let end = f.location.end_line.max(f.location.start_line) + 3;
                for (n, line) in code.lines().enumerate() {
                    let n = u32::try_from(n + 1).unwrap_or(u32::MAX);
                    if n < start || n > end {
                        continue;
                    }
                    let mark = if n >= f.location.start_line && n <= f.location.end_line {
                        '>'
                    } else {
                        ' '
                    };
                    out.push_str(&format!("{mark}{n:>5} | {line}\n"));
                }
            }
            out.push_str(&format!(
                "\nLabel it:\n  secguard review label --finding {} --decision tp|fp --note \"why\"\n",
                f.fingerprint.0
            ));
        }
        QueueItem::Sample(s) => {
            let verdict = s.verdict.as_ref().map_or("unknown".to_string(), |v| {
                format!("{:?}", v.verdict).to_lowercase()
            });
            out.push_str(&format!(
                "sample {} (analyzers' verdict: {verdict})\n\nLabel it:\n  secguard review label --sample {} --decision secure|insecure [--cwe CWE-N]\n",
                s.path, s.path
            ));
        }
    }
    Ok(out)
}

fn render_agreement(report: &secguard_core::agreement::AgreementReport) -> String {
    let kappa = |k: Option<f64>| k.map_or("undefined".to_string(), |k| format!("{k:.3}"));
    let mut out = format!(
        "{} reviewers, {} items, {} labelled by two or more\n",
        report.reviewers.len(),
        report.items,
        report.multiply_rated
    );
    for p in &report.pairs {
        out.push_str(&format!(
            "  {} vs {}: {} shared items, {:.1}% agree, Cohen's kappa {}\n",
            p.a,
            p.b,
            p.items,
            p.observed * 100.0,
            kappa(p.kappa)
        ));
    }
    if let Some(g) = &report.fleiss {
        out.push_str(&format!(
            "  Fleiss' kappa over {} items with {} raters each: {}\n",
            g.items,
            g.raters_per_item,
            kappa(g.kappa)
        ));
    }
    out
}

pub fn cmd_feedback(
    cli: &Cli,
    command: &FeedbackCommand,
    ctx: &mut Context<'_>,
) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let config = crate::load_config(cli, &cwd)?;
    let settings = settings(cli, &config, &cwd, ctx);
    match command {
        FeedbackCommand::List { all, format } => {
            let memories = match open_existing(&settings)? {
                Some(store) => store.memories(*all)?,
                None => Vec::new(),
            };
            match format {
                ListFormat::Json => write_json(ctx, &memories)?,
                ListFormat::Text => {
                    let mut text = String::new();
                    if memories.is_empty() {
                        text.push_str("No memories yet.\n");
                    }
                    for m in &memories {
                        text.push_str(&memory_line(m));
                    }
                    write_stdout(ctx, &text)?;
                }
            }
        }
        FeedbackCommand::Show { id } => {
            let store = require_existing(&settings)?;
            let m = store
                .memory(*id)?
                .ok_or_else(|| anyhow!("no memory #{id} in {}", settings.path.display()))?;
            let mut text = memory_line(&m);
            text.push_str(&format!(
                "  condition: {}\n  created {}, updated {}\n  sources:\n",
                m.condition,
                format_timestamp(m.created_at),
                format_timestamp(m.updated_at)
            ));
            let reviews = store.reviews(&ReviewFilter::default())?;
            for r in reviews.iter().filter(|r| m.source_reviews.contains(&r.id)) {
                text.push_str(&format!(
                    "    review #{} by {} at {}: {}{}\n",
                    r.id,
                    r.reviewer,
                    format_timestamp(r.created_at),
                    r.decision,
                    if r.note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", r.note)
                    }
                ));
            }
            write_stdout(ctx, &text)?;
        }
        FeedbackCommand::Revoke {
            id,
            reason,
            reviewer,
        } => {
            let actor = reviewer_name(reviewer.as_deref(), ctx)?;
            let store = require_existing(&settings)?;
            let m = store.revoke_memory(*id, &actor, reason)?;
            write_stdout(ctx, &format!("Revoked memory #{}.\n", m.id))?;
        }
        FeedbackCommand::Export { output, all } => {
            let memories = match open_existing(&settings)? {
                Some(store) => store.memories(*all)?,
                None => Vec::new(),
            };
            let mut text = serde_json::to_string_pretty(&memories).context("cannot serialize")?;
            text.push('\n');
            match output {
                Some(path) => crate::output::write_atomic(path, text.as_bytes())
                    .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?,
                None => write_stdout(ctx, &text)?,
            }
        }
        FeedbackCommand::Import { file, reviewer } => {
            let actor = reviewer_name(reviewer.as_deref(), ctx)?;
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow!("{}: cannot read: {e}", file.display()))?;
            let memories: Vec<Memory> = serde_json::from_str(&text).map_err(|e| {
                anyhow!(
                    "{}: line {}, column {}: not a memory export: {e}",
                    file.display(),
                    e.line(),
                    e.column()
                )
            })?;
            let store = open(&settings)?;
            let ids = store.import_memories(&memories, &actor)?;
            let _ = writeln!(
                ctx.stderr,
                "secguard: imported {} memories from {}",
                ids.len(),
                file.display()
            );
        }
        FeedbackCommand::Audit { limit, format } => {
            let entries = match open_existing(&settings)? {
                Some(store) => store.audit_log(*limit)?,
                None => Vec::new(),
            };
            match format {
                ListFormat::Json => write_json(ctx, &entries)?,
                ListFormat::Text => {
                    let mut text = String::new();
                    for e in &entries {
                        text.push_str(&format!(
                            "{} #{} {} {} {} {}\n",
                            format_timestamp(e.at),
                            e.id,
                            e.actor,
                            e.action,
                            e.subject,
                            e.detail
                        ));
                    }
                    write_stdout(ctx, &text)?;
                }
            }
        }
    }
    Ok(EXIT_CLEAN)
}

fn memory_line(m: &Memory) -> String {
    let mut flags = Vec::new();
    if !m.is_live() {
        flags.push("revoked".to_string());
    } else if !m.is_trusted() {
        flags.push("low trust, not applied".to_string());
    }
    if !m.conflicts_with.is_empty() {
        let ids: Vec<String> = m.conflicts_with.iter().map(|i| format!("#{i}")).collect();
        flags.push(format!("conflicts with {}", ids.join(", ")));
    }
    if m.implication.hides(Severity::High) && !m.may_hide(Severity::High) {
        flags.push("needs a second reviewer to hide high/critical findings".to_string());
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join("; "))
    };
    format!(
        "#{} {}: {} (trust {:.2}, by {}){flags}\n",
        m.id,
        m.scope.describe(),
        m.implication.describe(),
        m.trust,
        m.reviewers.join(", ")
    )
}
