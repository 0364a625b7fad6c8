//! The knowledge base embedded in the binary: CWE entries and secure-coding
//! guidelines, written for secguard (`kb/FORMAT.md` describes the files).
//! Read once per process; a broken file is a build-time mistake, reported
//! by name, never a panic.

use crate::KbError;
use include_dir::{Dir, include_dir};
use secguard_core::{Cwe, Language};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

static KB_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/kb");

/// How one weakness shows up in one language, with a vulnerable and a
/// fixed example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageNotes {
    pub shows_up: String,
    pub vulnerable: String,
    pub fixed: String,
    /// Why the built-in analyzer misses this realistic example, when it has
    /// a rule for the CWE but does not catch it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undetected: Option<String>,
}

/// One weakness, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CweEntry {
    pub id: u32,
    /// The official CWE name.
    pub name: String,
    pub short: String,
    pub summary: String,
    pub fix: String,
    pub languages: Vec<Language>,
    #[serde(default)]
    pub related: Vec<u32>,
    pub notes: BTreeMap<Language, LanguageNotes>,
}

impl CweEntry {
    pub fn cwe(&self) -> Cwe {
        Cwe(self.id)
    }

    /// The citation id: `CWE-89`.
    pub fn key(&self) -> String {
        format!("CWE-{}", self.id)
    }
}

/// One secure-coding guideline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guideline {
    pub id: String,
    pub title: String,
    /// When it applies, in a task's words.
    pub precondition: String,
    pub guideline: String,
    pub cwes: Vec<u32>,
    pub languages: Vec<Language>,
}

impl Guideline {
    /// The citation id: `guideline:py-sql-bound-parameters`.
    pub fn key(&self) -> String {
        format!("guideline:{}", self.id)
    }
}

/// Everything in `kb/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KnowledgeBase {
    /// By CWE id.
    pub cwes: Vec<CweEntry>,
    /// In file order.
    pub guidelines: Vec<Guideline>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CweFile {
    id: u32,
    name: String,
    short: String,
    summary: String,
    fix: String,
    languages: Vec<String>,
    #[serde(default)]
    related: Vec<u32>,
    python: Option<LanguageNotes>,
    c: Option<LanguageNotes>,
    cpp: Option<LanguageNotes>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuidelineFile {
    guideline: Vec<GuidelineRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuidelineRow {
    id: String,
    title: String,
    precondition: String,
    guideline: String,
    cwes: Vec<u32>,
    languages: Vec<String>,
}

fn language(file: &str, name: &str) -> Result<Language, KbError> {
    match name {
        "python" => Ok(Language::Python),
        "c" => Ok(Language::C),
        "cpp" => Ok(Language::Cpp),
        other => Err(KbError::Content {
            file: file.to_string(),
            message: format!("unknown language {other:?} (python, c or cpp)"),
        }),
    }
}

fn invalid(file: &str, message: impl Into<String>) -> KbError {
    KbError::Content {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Read one CWE entry file.
pub fn parse_cwe_file(file: &str, text: &str) -> Result<CweEntry, KbError> {
    let raw: CweFile = toml::from_str(text).map_err(|e| invalid(file, e.to_string()))?;
    let mut notes = BTreeMap::new();
    let mut languages = Vec::new();
    for name in &raw.languages {
        let lang = language(file, name)?;
        let table = match lang {
            Language::Python => &raw.python,
            Language::C => &raw.c,
            Language::Cpp => &raw.cpp,
        };
        let Some(table) = table else {
            return Err(invalid(
                file,
                format!("languages lists {name} but there is no [{name}] table"),
            ));
        };
        for (key, value) in [
            ("shows_up", &table.shows_up),
            ("vulnerable", &table.vulnerable),
            ("fixed", &table.fixed),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(file, format!("[{name}] {key} is empty")));
            }
        }
        languages.push(lang);
        notes.insert(lang, table.clone());
    }
    for (key, value) in [
        ("name", &raw.name),
        ("short", &raw.short),
        ("summary", &raw.summary),
        ("fix", &raw.fix),
    ] {
        if value.trim().is_empty() {
            return Err(invalid(file, format!("{key} is empty")));
        }
    }
    if languages.is_empty() {
        return Err(invalid(file, "languages is empty"));
    }
    Ok(CweEntry {
        id: raw.id,
        name: raw.name,
        short: raw.short,
        summary: raw.summary.trim().to_string(),
        fix: raw.fix.trim().to_string(),
        languages,
        related: raw.related,
        notes,
    })
}

/// Read one guideline file.
pub fn parse_guideline_file(file: &str, text: &str) -> Result<Vec<Guideline>, KbError> {
    let raw: GuidelineFile = toml::from_str(text).map_err(|e| invalid(file, e.to_string()))?;
    raw.guideline
        .into_iter()
        .map(|g| {
            if g.cwes.is_empty() || g.languages.is_empty() {
                return Err(invalid(
                    file,
                    format!("{}: needs at least one CWE and one language", g.id),
                ));
            }
            for (key, value) in [
                ("id", &g.id),
                ("title", &g.title),
                ("precondition", &g.precondition),
                ("guideline", &g.guideline),
            ] {
                if value.trim().is_empty() {
                    return Err(invalid(file, format!("{}: {key} is empty", g.id)));
                }
            }
            Ok(Guideline {
                languages: g
                    .languages
                    .iter()
                    .map(|l| language(file, l))
                    .collect::<Result<_, _>>()?,
                id: g.id,
                title: g.title,
                precondition: g.precondition.trim().to_string(),
                guideline: g.guideline.trim().to_string(),
                cwes: g.cwes,
            })
        })
        .collect()
}

impl KnowledgeBase {
    /// The knowledge base embedded in this binary, read on first use.
    pub fn builtin() -> Result<&'static KnowledgeBase, KbError> {
        static KB: OnceLock<Result<KnowledgeBase, KbError>> = OnceLock::new();
        KB.get_or_init(Self::load_embedded)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load_embedded() -> Result<KnowledgeBase, KbError> {
        let mut kb = KnowledgeBase::default();
        fn text<'a>(f: &'a include_dir::File<'_>) -> Result<&'a str, KbError> {
            f.contents_utf8()
                .ok_or_else(|| invalid(&f.path().display().to_string(), "not UTF-8"))
        }
        if let Some(dir) = KB_DIR.get_dir("cwe") {
            for f in dir
                .files()
                .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            {
                let name = f.path().display().to_string();
                kb.cwes.push(parse_cwe_file(&name, text(f)?)?);
            }
        }
        if let Some(dir) = KB_DIR.get_dir("guidelines") {
            let mut files: Vec<_> = dir
                .files()
                .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort_by_key(|f| f.path());
            for f in files {
                let name = f.path().display().to_string();
                kb.guidelines.extend(parse_guideline_file(&name, text(f)?)?);
            }
        }
        kb.cwes.sort_by_key(|c| c.id);
        kb.check()?;
        Ok(kb)
    }

    /// Ids are unique.
    fn check(&self) -> Result<(), KbError> {
        for pair in self.cwes.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(invalid(
                    "kb/cwe",
                    format!("CWE-{} appears twice", pair[0].id),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for g in &self.guidelines {
            if !seen.insert(g.id.as_str()) {
                return Err(invalid(
                    "kb/guidelines",
                    format!("guideline id {} appears twice", g.id),
                ));
            }
        }
        Ok(())
    }

    pub fn cwe(&self, id: u32) -> Option<&CweEntry> {
        self.cwes
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .and_then(|i| self.cwes.get(i))
    }

    pub fn guideline(&self, id: &str) -> Option<&Guideline> {
        let id = id.strip_prefix("guideline:").unwrap_or(id);
        self.guidelines.iter().find(|g| g.id == id)
    }

    /// Guidelines that name this CWE.
    pub fn guidelines_for(&self, cwe: u32) -> impl Iterator<Item = &Guideline> {
        self.guidelines
            .iter()
            .filter(move |g| g.cwes.contains(&cwe))
    }
}
