//! `secguard kb`: search and read the knowledge base, import MITRE's CWE
//! catalogue; and the retriever that grounds `generate`, `fix` and the
//! critique in guidelines and reviewers' memories.

use crate::cli::{Cli, KbCommand, ListFormat};
use crate::{Context, EXIT_CLEAN, write_json, write_stdout};
use anyhow::{Context as _, anyhow};
use secguard_core::Language;
use secguard_kb::KnowledgeBase;
use secguard_kb::catalogue::read_catalogue;
use secguard_kb::retrieval::{RetrievalSettings, Retriever, memory_text};
use secguard_llm::{LlmClient, LlmConfig};
use secguard_store::{CatalogueImport, CatalogueRow, SqliteStore, Store};
use std::path::Path;
use std::sync::Arc;

/// The notice kept with an imported catalogue when no notice file lies
/// beside it.
const CWE_NOTICE: &str = "Contains data from the CWE catalogue, copyright The MITRE Corporation, \
used under the CWE Terms of Use: https://cwe.mitre.org/about/termsofuse.html";

/// The review database, when it exists: retrieval reads memories and the
/// imported catalogue from it, but never creates one just to search.
fn existing_store(
    cli: &Cli,
    ctx: &Context<'_>,
) -> anyhow::Result<Option<(Arc<SqliteStore>, String)>> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let settings = crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
    if !settings.path.exists() {
        return Ok(None);
    }
    Ok(Some((
        Arc::new(SqliteStore::open(&settings.path)?),
        settings.project,
    )))
}

/// The retriever for this process: the embedded knowledge base, the
/// project's trusted memories, the imported catalogue, and dense ranking
/// when `SECGUARD_EMBEDDING_MODEL` names an embeddings model.
pub fn retriever(cli: &Cli, ctx: &Context<'_>) -> anyhow::Result<Retriever> {
    let kb = KnowledgeBase::builtin()?;
    let store = existing_store(cli, ctx)?;
    let memories = match &store {
        Some((s, _)) => s.memories(false)?,
        None => Vec::new(),
    };
    let project = store.as_ref().map(|(_, p)| p.as_str());
    // The rules' severities, so a memory the two-reviewer rule stops on its
    // rule's findings is not shown to the model as a decision.
    let engine = crate::load_engine(&cli.rule_paths)?;
    let severity = |rule: &str| {
        engine
            .rules()
            .iter()
            .find(|m| m.id == rule)
            .map(|m| m.severity)
    };
    let mut retriever = Retriever::for_rules(
        kb,
        &memories,
        project,
        RetrievalSettings::default(),
        &severity,
    )?;
    if let Some((s, _)) = &store {
        retriever = retriever.with_catalogue(s.clone());
    }
    if (ctx.env)("SECGUARD_EMBEDDING_MODEL").is_some_and(|m| !m.trim().is_empty()) {
        let client = LlmClient::new(LlmConfig::from_env(ctx.env))
            .map_err(|e| anyhow!("LLM configuration: {e}"))?;
        let cache = store.as_ref().map(|(s, _)| s.clone() as Arc<dyn Store>);
        retriever = retriever
            .with_dense(client, cache)
            .context("dense retrieval (SECGUARD_EMBEDDING_MODEL)")?;
    }
    Ok(retriever)
}

fn cwe_id(text: &str) -> Option<u32> {
    crate::cli::parse_cwe(text).ok()
}

fn languages(ls: &[Language]) -> String {
    ls.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
}

pub fn cmd_kb(cli: &Cli, command: &KbCommand, ctx: &mut Context<'_>) -> anyhow::Result<u8> {
    let kb = KnowledgeBase::builtin()?;
    match command {
        KbCommand::Search {
            query,
            language,
            cwes,
            limit,
            format,
        } => {
            let retriever = retriever(cli, ctx)?;
            // --cwe filters: only guidelines naming one of them.
            let guidelines: Vec<_> = if cwes.is_empty() {
                retriever.guidelines(query, *language, &[], *limit)?
            } else {
                retriever
                    .guidelines(query, *language, cwes, usize::MAX)?
                    .into_iter()
                    .filter(|(g, _)| g.cwes.iter().any(|c| cwes.contains(c)))
                    .take(*limit)
                    .collect()
            };
            let memories = retriever.memories_for(query, *language, cwes, *limit)?;
            match format {
                ListFormat::Json => {
                    let value = serde_json::json!({
                        "guidelines": guidelines.iter().map(|(g, score)| serde_json::json!({
                            "id": g.id, "title": g.title, "precondition": g.precondition,
                            "guideline": g.guideline, "cwes": g.cwes,
                            "languages": g.languages, "score": score,
                        })).collect::<Vec<_>>(),
                        "memories": memories.iter().map(|(m, score)| {
                            let (title, text) = memory_text(m, kb);
                            serde_json::json!({"id": m.id, "title": title, "text": text,
                                "trust": m.trust, "score": score})
                        }).collect::<Vec<_>>(),
                    });
                    write_json(ctx, &value)?;
                }
                ListFormat::Text => {
                    let mut out = String::new();
                    if guidelines.is_empty() {
                        out.push_str("No guideline matches.\n");
                    }
                    for (i, (g, _)) in guidelines.iter().enumerate() {
                        let cwes: Vec<String> = g.cwes.iter().map(|c| format!("CWE-{c}")).collect();
                        out.push_str(&format!(
                            "{}. {} [{}] ({})\n   {}\n   When: {}\n",
                            i + 1,
                            g.id,
                            cwes.join(", "),
                            languages(&g.languages),
                            g.title,
                            g.precondition
                        ));
                    }
                    for (m, _) in &memories {
                        let (title, _) = memory_text(m, kb);
                        out.push_str(&format!("memory:{} (trust {:.2}) {title}\n", m.id, m.trust));
                    }
                    write_stdout(ctx, &out)?;
                }
            }
        }
        KbCommand::Show { id, format } => {
            if let Some(n) = cwe_id(id) {
                let entry = kb.cwe(n);
                let store = existing_store(cli, ctx)?;
                let catalogue = match &store {
                    Some((s, _)) => s.catalogue_entry(n)?,
                    None => None,
                };
                let notice = match &store {
                    Some((s, _)) if catalogue.is_some() => s.catalogue_meta()?,
                    _ => None,
                };
                if entry.is_none() && catalogue.is_none() {
                    return Err(anyhow!(
                        "CWE-{n}: not in the knowledge base{}",
                        if store.is_some() {
                            " nor in the imported catalogue"
                        } else {
                            " (import MITRE's catalogue with `secguard kb import-cwe FILE` for every CWE)"
                        }
                    ));
                }
                let guidelines: Vec<_> = kb.guidelines_for(n).collect();
                match format {
                    ListFormat::Json => write_json(
                        ctx,
                        &serde_json::json!({
                            "entry": entry,
                            "catalogue": catalogue,
                            "catalogue_notice": notice.map(|m| m.notice),
                            "guidelines": guidelines.iter().map(|g| &g.id).collect::<Vec<_>>(),
                        }),
                    )?,
                    ListFormat::Text => {
                        let mut out = String::new();
                        if let Some(e) = entry {
                            out.push_str(&format!(
                                "CWE-{}: {}\n{}\n\nFix: {}\n",
                                e.id, e.name, e.summary, e.fix
                            ));
                            for (lang, notes) in &e.notes {
                                out.push_str(&format!(
                                    "\n{}: {}\nVulnerable:\n{}\nFixed:\n{}\n",
                                    lang.name(),
                                    notes.shows_up.trim(),
                                    notes.vulnerable.trim_end(),
                                    notes.fixed.trim_end()
                                ));
                            }
                        }
                        if let Some(c) = &catalogue {
                            out.push_str(&format!(
                                "\nMITRE CWE-{}: {}\n{}\n",
                                c.id, c.name, c.description
                            ));
                            if let Some(m) = &notice {
                                out.push_str(&format!(
                                    "({} v{})\n",
                                    m.notice.lines().next().unwrap_or(""),
                                    m.version
                                ));
                            }
                        }
                        if !guidelines.is_empty() {
                            out.push_str("\nGuidelines:\n");
                            for g in &guidelines {
                                out.push_str(&format!("  {}: {}\n", g.id, g.title));
                            }
                        }
                        write_stdout(ctx, &out)?;
                    }
                }
            } else {
                let g = kb.guideline(id).ok_or_else(|| {
                    anyhow!("{id}: no CWE entry or guideline with this id (try `secguard kb list`)")
                })?;
                match format {
                    ListFormat::Json => write_json(ctx, g)?,
                    ListFormat::Text => {
                        let cwes: Vec<String> = g.cwes.iter().map(|c| format!("CWE-{c}")).collect();
                        write_stdout(
                            ctx,
                            &format!(
                                "{}: {}\nWhen: {}\n{}\nCWEs: {}; languages: {}\n",
                                g.id,
                                g.title,
                                g.precondition,
                                g.guideline,
                                cwes.join(", "),
                                languages(&g.languages)
                            ),
                        )?;
                    }
                }
            }
        }
        KbCommand::List { guidelines, format } => match (format, guidelines) {
            (ListFormat::Json, true) => write_json(ctx, &kb.guidelines)?,
            (ListFormat::Json, false) => write_json(ctx, &kb.cwes)?,
            (ListFormat::Text, true) => {
                let mut out = String::new();
                for g in &kb.guidelines {
                    out.push_str(&format!("{:<44} {}\n", g.id, g.title));
                }
                out.push_str(&format!("{} guidelines\n", kb.guidelines.len()));
                write_stdout(ctx, &out)?;
            }
            (ListFormat::Text, false) => {
                let mut out = String::new();
                for c in &kb.cwes {
                    out.push_str(&format!(
                        "CWE-{:<6} {:<28} {}\n",
                        c.id,
                        c.short,
                        languages(&c.languages)
                    ));
                }
                out.push_str(&format!("{} CWE entries\n", kb.cwes.len()));
                write_stdout(ctx, &out)?;
            }
        },
        KbCommand::ImportCwe { file } => {
            let started = std::time::Instant::now();
            let catalogue = read_catalogue(file)?;
            let notice = notice_beside(file).unwrap_or_else(|| CWE_NOTICE.to_string());
            let import = to_import(&catalogue, notice, file);
            let cwd = std::env::current_dir().context("cannot determine the current directory")?;
            let settings =
                crate::feedback::settings(cli, &crate::load_config(cli, &cwd)?, &cwd, ctx);
            let store = SqliteStore::open(&settings.path)?;
            let actor = (ctx.env)("USER").unwrap_or_else(|| "secguard".to_string());
            store.replace_catalogue(&import, &actor)?;
            write_stdout(
                ctx,
                &format!(
                    "Imported CWE catalogue v{} ({}): {} weaknesses, {} categories, {} views, {} \
                     hierarchy links, in {:.1} s, into {}.\n",
                    catalogue.version,
                    catalogue.date,
                    catalogue.weaknesses.len(),
                    catalogue.categories.len(),
                    catalogue.views.len(),
                    import.relations.len(),
                    started.elapsed().as_secs_f64(),
                    settings.path.display()
                ),
            )?;
        }
    }
    Ok(EXIT_CLEAN)
}

/// MITRE's terms of use, when shipped next to the catalogue.
fn notice_beside(file: &Path) -> Option<String> {
    let dir = file.parent()?;
    ["NOTICE", "LICENSE-CWE-TERMS-OF-USE"]
        .iter()
        .filter_map(|n| std::fs::read_to_string(dir.join(n)).ok())
        .find(|t| !t.trim().is_empty())
}

/// The catalogue in the store's terms: every weakness, category and view,
/// and the research view's hierarchy (plus every other view's).
fn to_import(
    c: &secguard_kb::catalogue::Catalogue,
    notice: String,
    file: &Path,
) -> CatalogueImport {
    let mut entries: Vec<CatalogueRow> = Vec::new();
    for w in &c.weaknesses {
        entries.push(CatalogueRow {
            id: w.id,
            kind: "weakness".into(),
            name: w.name.clone(),
            abstraction: w.abstraction.clone(),
            status: w.status.clone(),
            description: w.description.clone(),
            extended_description: w.extended_description.clone(),
            mitigations: w
                .mitigations
                .iter()
                .map(|m| m.description.clone())
                .collect(),
        });
    }
    for cat in &c.categories {
        entries.push(CatalogueRow {
            id: cat.id,
            kind: "category".into(),
            name: cat.name.clone(),
            status: cat.status.clone(),
            description: cat.summary.clone(),
            ..CatalogueRow::default()
        });
    }
    for v in &c.views {
        entries.push(CatalogueRow {
            id: v.id,
            kind: "view".into(),
            name: v.name.clone(),
            status: v.status.clone(),
            description: v.objective.clone(),
            ..CatalogueRow::default()
        });
    }
    let mut views: Vec<u32> = c
        .weaknesses
        .iter()
        .flat_map(|w| w.relations.iter().map(|r| r.view))
        .collect();
    views.sort_unstable();
    views.dedup();
    let relations = views
        .into_iter()
        .flat_map(|v| {
            c.child_parent_pairs(v)
                .into_iter()
                .map(move |(child, parent)| (child, parent, v))
        })
        .collect();
    CatalogueImport {
        version: c.version.clone(),
        date: c.date.clone(),
        notice,
        source: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        entries,
        relations,
    }
}

/// CWE families for merging findings: MITRE's hierarchy (research view)
/// when the catalogue has been imported into the review database at `db`,
/// else the built-in table. The database is only read, never created.
pub fn cwe_families(db: &Path) -> secguard_analyzers::cwe::CweFamilies {
    use secguard_analyzers::cwe::CweFamilies;
    if !db.exists() {
        return CweFamilies::builtin();
    }
    let pairs = SqliteStore::open(db)
        .and_then(|s| s.catalogue_hierarchy(secguard_kb::catalogue::RESEARCH_VIEW))
        .unwrap_or_default();
    if pairs.is_empty() {
        CweFamilies::builtin()
    } else {
        CweFamilies::from_hierarchy(
            pairs
                .into_iter()
                .map(|(c, p)| (secguard_core::Cwe(c), secguard_core::Cwe(p))),
        )
    }
}
