//! secguard-engine: the built-in analyzer. Parses Python, C and C++ with
//! tree-sitter, lowers each function to a small IR, and runs every rule over
//! one abstract interpretation per function (taint, constants, intervals and
//! C memory state together).

use include_dir::{Dir, include_dir};
use secguard_core::{
    Confidence, Finding, Fingerprint, Language, Location, Note, NoteKind, RuleMeta, TraceStep,
};
use std::collections::HashMap;
use std::path::Path;

pub mod analysis;
pub mod budget;
pub mod fixtures;
pub mod index;
pub mod ir;
pub mod lower;
pub mod rules;
pub mod scan;
pub mod suppression;

use index::LangIndex;
use rules::RuleSet;

static RULES_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// Errors building an engine: bad rule files or bad configuration.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{file}: {message}")]
    Rule { file: String, message: String },
}

/// What scanning one file produced.
#[derive(Debug, Default, Clone)]
pub struct FileResult {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    pub lines: usize,
}

/// The built-in analyzer with its loaded rules. Cheap to share across threads.
pub struct Engine {
    set: RuleSet,
    metas: Vec<RuleMeta>,
    indexes: HashMap<Language, LangIndex>,
    empty_sources: rules::SourceSet,
    limits: budget::Limits,
}

/// Every embedded rule and source file, as `(path, text)`.
pub fn embedded_rule_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_dir(&RULES_DIR, &mut out);
    out.sort();
    out
}

fn collect_dir(dir: &Dir<'_>, out: &mut Vec<(String, String)>) {
    for f in dir.files() {
        let path = f.path().to_string_lossy().replace('\\', "/");
        if (path.ends_with(".yaml") || path.ends_with(".yml"))
            && let Some(text) = f.contents_utf8()
        {
            out.push((path, text.to_string()));
        }
    }
    for d in dir.dirs() {
        collect_dir(d, out);
    }
}

impl Engine {
    /// The engine with every rule embedded in the binary.
    pub fn builtin() -> Result<Engine, EngineError> {
        let files = embedded_rule_files();
        Engine::from_rule_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())))
    }

    /// An engine from rule and source files given as `(name, text)`.
    pub fn from_rule_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Engine, EngineError> {
        let set = RuleSet::from_files(files)?;
        let metas = set.rules.iter().map(|r| r.meta.clone()).collect();
        let mut indexes = HashMap::new();
        for lang in Language::ALL {
            indexes.insert(lang, LangIndex::build(&set.rules, lang));
        }
        Ok(Engine {
            set,
            metas,
            indexes,
            empty_sources: rules::SourceSet::default(),
            limits: budget::Limits::default(),
        })
    }

    /// The same engine under other per-file budgets.
    pub fn with_limits(mut self, limits: budget::Limits) -> Engine {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> &budget::Limits {
        &self.limits
    }

    /// Rule descriptions, sorted by id.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    /// Compiled rules, sorted by id (same order as [`Engine::rules`]).
    pub fn compiled_rules(&self) -> &[rules::Rule] {
        &self.set.rules
    }

    pub fn has_rule(&self, id: &str) -> bool {
        self.metas.iter().any(|m| m.id == id)
    }

    /// Scan one file's text. Never fails: unparsable regions become notes,
    /// and work past a budget (see [`budget`]) leaves a partial result and a
    /// `budget-exceeded` note. `path` is used for locations and fingerprints
    /// only; nothing is read.
    pub fn scan_source(&self, path: &Path, language: Language, source: &str) -> FileResult {
        self.scan_source_with(path, language, source, true)
    }

    /// [`Engine::scan_source`], honouring inline `secguard: ignore`
    /// comments only when `inline_suppressions` is set: code a model wrote
    /// may not suppress its own findings (only a human adds one).
    pub fn scan_source_with(
        &self,
        path: &Path,
        language: Language,
        source: &str,
        inline_suppressions: bool,
    ) -> FileResult {
        let mut result = FileResult {
            lines: source.lines().count(),
            ..FileResult::default()
        };
        let mut meter = budget::Meter::new(self.limits);
        self.scan_metered(
            path,
            language,
            source,
            inline_suppressions,
            &mut meter,
            &mut result,
        );
        for b in meter.exceeded() {
            result.notes.push(Note {
                path: path.to_path_buf(),
                kind: NoteKind::BudgetExceeded,
                line: None,
                message: b.describe(&self.limits),
            });
        }
        result
    }

    fn scan_metered(
        &self,
        path: &Path,
        language: Language,
        source: &str,
        inline_suppressions: bool,
        meter: &mut budget::Meter,
        result: &mut FileResult,
    ) {
        let Some(tree) = lower::parse_metered(language, source, meter) else {
            if !meter.exceeded().is_empty() {
                return;
            }
            result.notes.push(Note {
                path: path.to_path_buf(),
                kind: NoteKind::ParseError,
                line: None,
                message: format!("the {language} parser could not be loaded"),
            });
            return;
        };
        let (errors, rows) = lower::error_rows(&tree, 3);
        if errors > 0 {
            let lines: Vec<String> = rows.iter().map(|r| (r + 1).to_string()).collect();
            result.notes.push(Note {
                path: path.to_path_buf(),
                kind: NoteKind::ParseError,
                line: rows.first().map(|r| *r as u32 + 1),
                message: format!(
                    "{errors} syntax error(s) (first at line {}); the rest of the file was analyzed",
                    lines.join(", ")
                ),
            });
        }
        let imports = collect_imports(language, source, &tree);
        let module = lower::lower_metered(language, source, &tree, meter);
        // The syntax tree is as large as the IR: free it before the analysis.
        drop(tree);
        let Some(index) = self.indexes.get(&language) else {
            return;
        };
        let sources = self
            .set
            .sources
            .get(&language)
            .unwrap_or(&self.empty_sources);
        let analysis = analysis::Analysis::new(
            &module,
            source,
            language,
            &self.set.rules,
            index,
            &self.set.sanitizers,
            sources,
            &imports,
            std::mem::take(meter),
        );
        let (hits, spent) = analysis.run();
        *meter = spent;
        result.findings = self.hits_to_findings(path, source, hits);
        if !inline_suppressions {
            return;
        }
        let known = |id: &str| self.has_rule(id);
        let notes = suppression::apply_inline_suppressions(
            path,
            language,
            source,
            &mut result.findings,
            &known,
        );
        result.notes.extend(notes);
    }

    fn hits_to_findings(
        &self,
        path: &Path,
        source: &str,
        mut hits: Vec<analysis::Hit>,
    ) -> Vec<Finding> {
        hits.sort_by_key(|h| (h.span.start_byte, h.span.end_byte, h.rule));
        let lines = LineIndex::new(source);
        let path_str = path.to_string_lossy().replace('\\', "/");
        let mut occurrences: HashMap<(usize, String), u32> = HashMap::new();
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
            let Some(rule) = self.set.rules.get(h.rule) else {
                continue;
            };
            let meta = &rule.meta;
            let matched = source
                .get(h.span.start_byte..h.span.end_byte)
                .unwrap_or("")
                .to_string();
            let occ = occurrences.entry((h.rule, matched.clone())).or_insert(0);
            let fingerprint = Fingerprint::compute(&meta.id, &path_str, &matched, *occ);
            *occ += 1;
            let confidence = if h.weaker {
                match meta.confidence {
                    Confidence::High => Confidence::Medium,
                    _ => Confidence::Low,
                }
            } else {
                meta.confidence
            };
            let message = meta.message.replace("{sink}", &h.sink).replace(
                "{source}",
                if h.source.is_empty() {
                    "untrusted input"
                } else {
                    &h.source
                },
            );
            let trace = h
                .trace
                .iter()
                .map(|(s, m)| TraceStep {
                    location: lines.location(path, *s),
                    message: m.clone(),
                })
                .collect();
            out.push(Finding {
                rule_id: meta.id.clone(),
                title: meta.title.clone(),
                message,
                cwe: meta.cwe.clone(),
                severity: meta.severity,
                confidence,
                location: lines.location(path, h.span),
                snippet: lines.snippet(h.span),
                fingerprint,
                analyzer: "builtin".into(),
                trace,
                suppression: None,
                reported_by: Vec::new(),
            });
        }
        out
    }

    /// Parse only, without rules: the floor that `scripts/bench` compares to.
    /// Returns the number of syntax-error nodes.
    pub fn parse_only(language: Language, source: &str) -> usize {
        match lower::parse(language, source) {
            Some(tree) => lower::error_rows(&tree, 0).0,
            None => 0,
        }
    }
}

/// Python import aliases (`sp` -> `subprocess`, `system` -> `os.system`);
/// empty for C and C++.
pub fn collect_imports(
    language: Language,
    source: &str,
    tree: &tree_sitter::Tree,
) -> HashMap<String, String> {
    if language != Language::Python {
        return HashMap::new();
    }
    let mut l = lower::python::PythonLowerer::new(source);
    l.collect_imports_pub(tree.root_node());
    l.imports
}

/// Byte offsets of line starts, for span-to-location conversion.
struct LineIndex<'s> {
    src: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    fn new(src: &'s str) -> Self {
        let mut starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { src, starts }
    }

    fn char_col(&self, row: usize, byte_col: usize) -> u32 {
        let start = self.starts.get(row).copied().unwrap_or(0);
        let end = (start + byte_col).min(self.src.len());
        let text = self.src.get(start..end).unwrap_or("");
        text.chars().count() as u32 + 1
    }

    fn location(&self, path: &Path, s: ir::Span) -> Location {
        Location {
            path: path.to_path_buf(),
            start_line: s.start_row as u32 + 1,
            start_column: self.char_col(s.start_row, s.start_col),
            end_line: s.end_row as u32 + 1,
            end_column: self.char_col(s.end_row, s.end_col),
        }
    }

    fn snippet(&self, s: ir::Span) -> String {
        let start = self.starts.get(s.start_row).copied().unwrap_or(0);
        let end_row = s.end_row.min(s.start_row + 4);
        let end = self
            .starts
            .get(end_row + 1)
            .map(|e| e.saturating_sub(1))
            .unwrap_or(self.src.len());
        self.src
            .get(start..end.max(start))
            .unwrap_or("")
            .trim_end()
            .to_string()
    }
}
