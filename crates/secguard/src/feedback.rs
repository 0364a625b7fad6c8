//! The review loop on the command line: where the review database is, how a
//! scan applies memories and records itself, and the `review` and
//! `feedback` commands.

use crate::cli::{Cli, FeedbackCommand, LabelArgs, ListFormat, ReviewArgs, ReviewCommand};
use crate::config::Config;
use crate::{Context, EXIT_CLEAN, write_json, write_stdout};
use anyhow::{Context as _, anyhow, bail};
use secguard_core::identity::Signer;
use secguard_core::memory::{Applied, Memory, MemoryStatus, ScopeChoice, apply_memories};
use secguard_core::review::{Decision, Review, ReviewTarget, Role, format_timestamp};
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
                "memory #{id} would hide a high or critical finding and needs a second reviewer: two verified (signed) reviewers or a verified admin; unsigned decisions do not count"
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

/// Who is acting, and how that was established. Never from free text: a
/// key whose public half is registered here (decisions are signed and
/// count in full), or else the operating-system login of the real user id
/// (decisions are recorded unsigned; they never count toward hiding high
/// or critical findings).
pub(crate) struct Identity {
    pub name: String,
    pub signer: Option<Arc<Signer>>,
    /// For messages: "key FILE" or "operating-system user".
    pub source: String,
}

impl Identity {
    fn describe(&self) -> String {
        match &self.signer {
            Some(k) => format!(
                "{} (signed with key {}, {})",
                self.name,
                &k.public_key()[..12],
                self.source
            ),
            None => format!(
                "{} ({}, unsigned: counts only below high severity)",
                self.name, self.source
            ),
        }
    }
}

/// The login name of the real user id (not $USER, which anyone can set).
fn os_user() -> anyhow::Result<String> {
    // SAFETY: getuid cannot fail; getpwuid_r writes only into `pwd` and
    // `buf`, which outlive the call, and `result` points into them or is
    // null.
    let uid = unsafe { libc::getuid() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        bail!(
            "user id {uid} has no login name; create a key (`secguard review keygen`) and have an admin register it"
        );
    }
    // SAFETY: pw_name is a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Ok(name.to_string_lossy().into_owned())
}

/// `secguard/reviewer.key` in the user's configuration directory.
fn default_key_path(ctx: &Context<'_>) -> Option<PathBuf> {
    let base = (ctx.env)("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            (ctx.env)("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| Path::new(&h).join(".config"))
        })?;
    Some(base.join("secguard").join("reviewer.key"))
}

/// The private key from SECGUARD_REVIEWER_KEY, else from the default file
/// when it exists.
fn load_key(ctx: &Context<'_>) -> anyhow::Result<Option<(Signer, PathBuf)>> {
    let path = match (ctx.env)("SECGUARD_REVIEWER_KEY").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => match default_key_path(ctx).filter(|p| p.is_file()) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow!("{}: cannot read the reviewer key: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if mode & 0o077 != 0 {
            bail!(
                "{}: the private key is readable by others (mode {mode:o}); run chmod 600 on it",
                path.display()
            );
        }
    }
    let signer = Signer::from_hex(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(Some((signer, path)))
}

/// Who is acting. `flag` (`--reviewer`) only checks: a name that differs
/// from the proven one is refused.
pub(crate) fn identity(
    flag: Option<&str>,
    store: Option<&dyn Store>,
    ctx: &Context<'_>,
) -> anyhow::Result<Identity> {
    let key = load_key(ctx)?;
    let registered = |signer: &Signer| -> anyhow::Result<Option<String>> {
        let Some(store) = store else { return Ok(None) };
        let pk = signer.public_key();
        Ok(store
            .keys()?
            .into_iter()
            .rev()
            .find(|k| k.public_key == pk)
            .map(|k| k.reviewer))
    };
    let id = match key {
        Some((signer, path)) => match registered(&signer)? {
            Some(name) => Identity {
                name,
                signer: Some(Arc::new(signer)),
                source: format!("key {}", path.display()),
            },
            None => Identity {
                name: os_user()?,
                signer: None,
                source: format!(
                    "operating-system user; key {} is not registered here",
                    path.display()
                ),
            },
        },
        None => Identity {
            name: os_user()?,
            signer: None,
            source: "operating-system user".to_string(),
        },
    };
    if let Some(flag) = flag.map(str::trim)
        && flag != id.name
    {
        bail!(
            "--reviewer {flag}: you are {}; identity comes from your key or login, not from a flag",
            id.describe()
        );
    }
    Ok(id)
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
            let store = require_existing(&settings)?;
            // Only whose queue to show: no decision is made.
            let reviewer = match args.reviewer.as_deref().map(str::trim) {
                Some(name) if !name.is_empty() => name.to_string(),
                _ => identity(None, Some(&store), ctx)?.name,
            };
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
            let store = require_existing(&settings)?;
            let me = identity(args.reviewer.as_deref(), Some(&store), ctx)?;
            let mut review = new_review(label, &settings.project, &me.name)?;
            if let Some(signer) = &me.signer {
                secguard_store::sign_review(&store, &mut review, signer)?;
            }
            let outcome = store.add_review(&review)?;
            let mut text = format!(
                "Saved review #{} ({} by {}).\n",
                outcome.review.id,
                outcome.review.decision,
                me.describe()
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
                "secguard: imported {added} of {} labels from {} (unsigned: memories they create are \
                 pending, never applied, until a verified reviewer confirms them)",
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
        (
            Some(ReviewCommand::Reviewer {
                name,
                role,
                public_key,
            }),
            None,
        ) => {
            let role = role
                .as_deref()
                .map(str::parse::<Role>)
                .transpose()
                .map_err(|e| anyhow!("--role: {e}"))?;
            let store = open(&settings)?;
            let me = identity(args.reviewer.as_deref(), Some(&store), ctx)?;
            let r = set_reviewer(&store, &me, name, role, public_key.as_deref())?;
            write_stdout(ctx, &format!("{} ({})\n", r.name, r.role.as_str()))?;
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Keygen { output, force }), None) => {
            let path = match output {
                Some(p) => p.clone(),
                None => default_key_path(ctx).ok_or_else(|| {
                    anyhow!("no configuration directory (HOME is not set); pass --output FILE")
                })?,
            };
            let signer = keygen(&path, *force)?;
            let _ = writeln!(
                ctx.stderr,
                "secguard: wrote the private key to {} (mode 0600); point SECGUARD_REVIEWER_KEY at it, \
                 and give an admin the public key below",
                path.display()
            );
            write_stdout(ctx, &format!("{}\n", signer.public_key()))?;
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::InitAdmin { name }), None) => {
            let (signer, path) = load_key(ctx)?.ok_or_else(|| {
                anyhow!(
                    "init-admin needs your key: run `secguard review keygen` and set SECGUARD_REVIEWER_KEY"
                )
            })?;
            let name = match name {
                Some(n) => n.trim().to_string(),
                None => os_user()?,
            };
            let store = open(&settings)?;
            let reg = secguard_store::sign_registration(
                &store,
                &name,
                &signer.public_key(),
                Role::Admin,
                &signer,
            )?;
            store.register_key(&reg)?;
            write_stdout(
                ctx,
                &format!(
                    "{name} is the first admin, with key {} ({})\n",
                    signer.public_key(),
                    path.display()
                ),
            )?;
            Ok(EXIT_CLEAN)
        }
        (Some(ReviewCommand::Keys { format }), None) => {
            let keys = match open_existing(&settings)? {
                Some(store) => store.keys()?,
                None => Vec::new(),
            };
            match format {
                ListFormat::Json => write_json(ctx, &keys)?,
                ListFormat::Text => {
                    let mut text = String::new();
                    if keys.is_empty() {
                        text.push_str("No registered keys (create the first admin with `secguard review init-admin`).\n");
                    }
                    for k in &keys {
                        text.push_str(&format!(
                            "{} {} {} registered {} by key {}\n",
                            k.reviewer,
                            k.role.as_str(),
                            k.public_key,
                            format_timestamp(k.created_at),
                            &k.signed_by[..k.signed_by.len().min(12)]
                        ));
                    }
                    write_stdout(ctx, &text)?;
                }
            }
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
    let store = open(settings)?;
    let me = identity(args.reviewer.as_deref(), Some(&store), ctx)?;
    store.ensure_reviewer(&me.name, &me.name)?;
    let token = secguard_web::random_token()?;
    let acting = me.describe();
    let options = secguard_web::ServeOptions {
        addr,
        token,
        project: settings.project.clone(),
        reviewer: me.name,
        signer: me.signer,
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
            "secguard: review UI for {db} at {}\nsecguard: deciding as {acting}\nsecguard: press Ctrl-C to stop",
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
        signature: None,
        imported: false,
    })
}

/// Add `name`; with `public_key` or `role`, register the key (or each of
/// `name`'s keys) with the role, signed by `me`, who must be an admin.
fn set_reviewer(
    store: &SqliteStore,
    me: &Identity,
    name: &str,
    role: Option<Role>,
    public_key: Option<&str>,
) -> anyhow::Result<secguard_core::review::Reviewer> {
    if role.is_none() && public_key.is_none() {
        return Ok(store.ensure_reviewer(name, &me.name)?);
    }
    let Some(signer) = &me.signer else {
        bail!(
            "registering keys and changing roles needs an admin's signature; you are {}",
            me.describe()
        );
    };
    let keys: Vec<String> = match public_key {
        Some(k) => vec![k.trim().to_ascii_lowercase()],
        None => {
            let mut own: Vec<String> = store
                .keys()?
                .into_iter()
                .filter(|k| k.reviewer == name)
                .map(|k| k.public_key)
                .collect();
            own.dedup();
            if own.is_empty() {
                bail!(
                    "{name} has no registered key; pass --public-key HEX (from their `secguard review keygen`)"
                );
            }
            own
        }
    };
    let role = role.unwrap_or(Role::Reviewer);
    let mut last = None;
    for key in keys {
        let reg = secguard_store::sign_registration(store, name, &key, role, signer)?;
        last = Some(store.register_key(&reg)?);
    }
    last.ok_or_else(|| anyhow!("nothing registered"))
}

/// Write a new private key to `path` with mode 0600 (created private, then
/// renamed into place); an existing file is kept unless `force`.
fn keygen(path: &Path, force: bool) -> anyhow::Result<Signer> {
    if path.exists() && !force {
        bail!(
            "{}: a key file is already there; pass --force to replace it",
            path.display()
        );
    }
    let signer = Signer::from_hex(&secguard_web::random_token()?).map_err(|e| anyhow!("{e}"))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| anyhow!("{}: cannot create: {e}", dir.display()))?;
    let write = || -> std::io::Result<()> {
        // tempfile creates the file readable by its owner only.
        let mut tmp = tempfile::Builder::new()
            .prefix(".secguard-key-")
            .tempfile_in(dir)?;
        std::io::Write::write_all(&mut tmp, format!("{}\n", signer.secret_hex()).as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| anyhow!("{}: cannot write the key: {e}", path.display()))?;
    Ok(signer)
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
                    "    review #{} by {}{} at {}: {}{}\n",
                    r.id,
                    r.reviewer,
                    if r.verified {
                        " (signed, verified)"
                    } else {
                        " (unsigned)"
                    },
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
            let store = require_existing(&settings)?;
            let actor = identity(reviewer.as_deref(), Some(&store), ctx)?.name;
            let m = store.revoke_memory(*id, &actor, reason)?;
            write_stdout(ctx, &format!("Revoked memory #{}.\n", m.id))?;
        }
        FeedbackCommand::Export { output, all } => {
            let (memories, decisions) = match open_existing(&settings)? {
                Some(store) => {
                    let memories = store.memories(*all)?;
                    // The signed decisions behind them travel along: they are
                    // what an importing database can verify.
                    let sources: std::collections::BTreeSet<i64> = memories
                        .iter()
                        .flat_map(|m| m.source_reviews.iter().copied())
                        .collect();
                    let decisions: Vec<Review> = store
                        .reviews(&ReviewFilter::default())?
                        .into_iter()
                        .filter(|r| r.signature.is_some() && sources.contains(&r.id))
                        .collect();
                    (memories, decisions)
                }
                None => (Vec::new(), Vec::new()),
            };
            let export = MemoryExport {
                memories,
                decisions,
            };
            let mut text = serde_json::to_string_pretty(&export).context("cannot serialize")?;
            text.push('\n');
            match output {
                Some(path) => crate::output::write_atomic(path, text.as_bytes())
                    .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?,
                None => write_stdout(ctx, &text)?,
            }
        }
        FeedbackCommand::Import { file, reviewer } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow!("{}: cannot read: {e}", file.display()))?;
            let export: MemoryExport = serde_json::from_str::<ExportFile>(&text)
                .map_err(|e| {
                    anyhow!(
                        "{}: line {}, column {}: not a memory export: {e}",
                        file.display(),
                        e.line(),
                        e.column()
                    )
                })?
                .into();
            let store = open(&settings)?;
            let actor = identity(reviewer.as_deref(), Some(&store), ctx)?.name;
            let imported = store.import_memories(&export.memories, &export.decisions, &actor)?;
            let pending = imported.iter().filter(|i| i.pending).count();
            let _ = writeln!(
                ctx.stderr,
                "secguard: imported {} memories from {}: {} vouched for by verified signatures, {pending} pending \
                 (shown, never applied, until a verified reviewer confirms one with the same decision and scope)",
                imported.len(),
                file.display(),
                imported.len() - pending
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

/// What `feedback export` writes: memories and the signed decisions behind
/// them.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct MemoryExport {
    memories: Vec<Memory>,
    #[serde(default)]
    decisions: Vec<Review>,
}

/// Older exports are a bare list of memories (none of them signed).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ExportFile {
    Current(MemoryExport),
    Bare(Vec<Memory>),
}

impl From<ExportFile> for MemoryExport {
    fn from(f: ExportFile) -> MemoryExport {
        match f {
            ExportFile::Current(e) => e,
            ExportFile::Bare(memories) => MemoryExport {
                memories,
                decisions: Vec::new(),
            },
        }
    }
}

fn memory_line(m: &Memory) -> String {
    let mut flags = Vec::new();
    if m.status == MemoryStatus::Pending {
        flags.push(
            "pending: no verified signature, not applied until a verified reviewer confirms"
                .to_string(),
        );
    } else if !m.is_live() {
        flags.push("revoked".to_string());
    } else if !m.is_trusted() {
        flags.push("low trust, not applied".to_string());
    }
    if !m.conflicts_with.is_empty() {
        let ids: Vec<String> = m.conflicts_with.iter().map(|i| format!("#{i}")).collect();
        flags.push(format!("conflicts with {}", ids.join(", ")));
    }
    if m.implication.hides(Severity::High) && !m.may_hide(Severity::High) {
        flags.push(
            "needs a second reviewer (two verified, or a verified admin) to hide high/critical findings"
                .to_string(),
        );
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join("; "))
    };
    let verified = if m.verified_reviewers.is_empty() {
        "none".to_string()
    } else {
        m.verified_reviewers.join(", ")
    };
    format!(
        "#{} {}: {} (trust {:.2}, by {}; verified: {verified}){flags}\n",
        m.id,
        m.scope.describe(),
        m.implication.describe(),
        m.trust,
        m.reviewers.join(", ")
    )
}
