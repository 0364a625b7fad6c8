//! Rule files: YAML, one rule per file, embedded at compile time.
//!
//! A rule has metadata (id, title, CWE, severity, confidence, message, docs),
//! fixtures, and exactly one matcher:
//! - `taint`: untrusted data from sources reaches a sink call without passing
//!   a sanitizer (intraprocedural, through local calls);
//! - `call`: a call whose name and arguments satisfy conditions;
//! - `assign`: a string constant stored under a name that matches a pattern;
//! - `checker`: one of the engine's built-in C/C++ state checkers
//!   (use-after-free, double free, leaks, NULL dereference, ...).
//!
//! Source files (`rules/sources/<lang>.yaml`) name the taint sources of a
//! language by category, so rules select categories instead of repeating lists.

use crate::EngineError;
use regex::Regex;
use secguard_core::{Confidence, Cwe, Language, RuleDocs, RuleMeta, Severity};
use serde::Deserialize;
use std::collections::HashMap;

/// Taint source categories, as bits.
pub mod category {
    pub const WEB: u16 = 1;
    pub const CLI: u16 = 1 << 1;
    pub const ENV: u16 = 1 << 2;
    pub const NETWORK: u16 = 1 << 3;
    pub const USER: u16 = 1 << 4;
    pub const FILE: u16 = 1 << 5;
    pub const RANDOM: u16 = 1 << 6;
    /// Parameters of ordinary functions: possibly untrusted, weaker evidence.
    pub const PARAM: u16 = 1 << 7;
    pub const DESERIALIZED: u16 = 1 << 8;
    /// Everything an attacker plausibly controls.
    pub const DEFAULT: u16 = WEB | CLI | ENV | NETWORK | USER | FILE | DESERIALIZED;

    pub fn from_name(name: &str) -> Option<u16> {
        Some(match name {
            "web" => WEB,
            "cli" => CLI,
            "env" => ENV,
            "network" => NETWORK,
            "user" => USER,
            "file" => FILE,
            "random" => RANDOM,
            "param" | "parameters" => PARAM,
            "deserialized" => DESERIALIZED,
            "default" => DEFAULT,
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------
// File formats
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    title: String,
    languages: Vec<String>,
    cwe: Vec<CweField>,
    severity: String,
    confidence: String,
    message: String,
    docs: DocsFile,
    #[serde(default)]
    taint: Option<TaintFile>,
    #[serde(default)]
    call: Option<CallFile>,
    #[serde(default)]
    assign: Option<AssignFile>,
    #[serde(default)]
    checker: Option<CheckerFile>,
    fixtures: FixturesFile,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CweField {
    Num(u32),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocsFile {
    what: String,
    why: String,
    example: String,
    fix: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixturesFile {
    pub positive: Vec<String>,
    pub negative: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaintFile {
    /// Source categories; default `[default]`.
    #[serde(default)]
    sources: Vec<String>,
    sinks: Vec<SinkFile>,
    #[serde(default)]
    sanitizers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SinkFile {
    #[serde(default)]
    call: Vec<String>,
    /// Positional arguments that are sinks (0-based); default all.
    #[serde(default)]
    args: Option<Vec<usize>>,
    /// Keyword arguments that are sinks.
    #[serde(default)]
    kwargs: Vec<String>,
    /// The receiver of a method call is the sink (`tainted.format(...)`).
    #[serde(default)]
    receiver: bool,
    /// Returning a tainted value from a function decorated with one of these.
    #[serde(default)]
    return_from_decorated: Vec<String>,
    /// Storing a tainted value into a place with one of these names
    /// (`flask.session[]`, `*.headers[]`).
    #[serde(default)]
    assign_to: Vec<String>,
    #[serde(default)]
    r#where: Vec<ConditionFile>,
    #[serde(default)]
    unless: Vec<ConditionFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallFile {
    name: Vec<String>,
    #[serde(default)]
    r#where: Vec<ConditionFile>,
    #[serde(default)]
    unless: Vec<ConditionFile>,
    /// Only when the call's result is assigned to a name, or the call sits in
    /// a function whose name, matches this regex (security-sensitive context).
    #[serde(default)]
    context: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionFile {
    #[serde(default)]
    arg: Option<usize>,
    #[serde(default)]
    kwarg: Option<String>,
    /// `present`, `missing`, `truthy`, `falsy`, `constant`, `not-constant`,
    /// `tainted`, `untainted`.
    #[serde(default)]
    is: Option<String>,
    /// Regex on the argument's constant value or dotted name.
    #[serde(default)]
    matches: Option<String>,
    /// Condition holds when the argument is absent too (for `unless` on kwargs
    /// that must be present).
    #[serde(default)]
    or_missing: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignFile {
    /// Regex on the assigned variable, attribute, key or keyword name.
    target: String,
    /// Values that are not secrets (placeholders); regex.
    #[serde(default)]
    ignore_values: Option<String>,
    #[serde(default = "default_min_len")]
    min_length: usize,
}

fn default_min_len() -> usize {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckerFile {
    name: String,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    language: String,
    sources: Vec<SourceGroupFile>,
    #[serde(default)]
    sanitizers: Vec<String>,
    #[serde(default)]
    route_decorators: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceGroupFile {
    category: String,
    #[serde(default)]
    calls: Vec<String>,
    #[serde(default)]
    attrs: Vec<String>,
    /// Calls whose listed arguments receive untrusted data (`fgets(buf, ...)`).
    #[serde(default)]
    out_args: Vec<OutArgsFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutArgsFile {
    call: String,
    /// Index of the first argument that receives data ...
    from: usize,
    /// ... and of the last (inclusive); absent means all following.
    #[serde(default)]
    to: Option<usize>,
}

// ---------------------------------------------------------------------------
// Compiled forms
// ---------------------------------------------------------------------------

/// A glob over dotted names: `*` matches any run of characters.
#[derive(Debug, Clone)]
pub struct NamePattern {
    text: String,
    parts: Vec<String>,
    /// Last dotted segment when it has no wildcard: used to index rules.
    pub key: Option<String>,
}

impl NamePattern {
    pub fn new(text: &str) -> NamePattern {
        let parts = text.split('*').map(str::to_string).collect();
        let last = text.rsplit('.').next().unwrap_or(text);
        let key = if last.contains('*') {
            None
        } else {
            Some(last.to_string())
        };
        NamePattern {
            text: text.to_string(),
            parts,
            key,
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        if self.parts.len() == 1 {
            return self.text == name;
        }
        let mut rest = name;
        let n = self.parts.len();
        for (i, part) in self.parts.iter().enumerate() {
            if i == 0 {
                match rest.strip_prefix(part.as_str()) {
                    Some(r) => rest = r,
                    None => return false,
                }
            } else if i == n - 1 {
                return rest.ends_with(part.as_str());
            } else {
                match rest.find(part.as_str()) {
                    Some(pos) => rest = &rest[pos + part.len()..],
                    None => return false,
                }
            }
        }
        true
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

pub fn any_matches(patterns: &[NamePattern], name: &str) -> bool {
    patterns.iter().any(|p| p.matches(name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Is {
    Present,
    Missing,
    Truthy,
    Falsy,
    Constant,
    NotConstant,
    Tainted,
    Untainted,
    /// A URL or path whose scheme and host (or site-relative path) are
    /// fixed by a constant prefix.
    FixedHost,
}

#[derive(Debug, Clone)]
pub enum ArgRef {
    Pos(usize),
    Kw(String),
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub arg: ArgRef,
    pub is: Option<Is>,
    pub matches: Option<Regex>,
    pub or_missing: bool,
}

#[derive(Debug, Clone)]
pub struct Sink {
    pub calls: Vec<NamePattern>,
    pub args: Option<Vec<usize>>,
    pub kwargs: Vec<String>,
    pub receiver: bool,
    pub return_from_decorated: Vec<NamePattern>,
    pub assign_to: Vec<NamePattern>,
    pub conditions: Vec<Condition>,
    pub unless: Vec<Condition>,
}

#[derive(Debug, Clone)]
pub struct TaintMatcher {
    pub sources: u16,
    pub sinks: Vec<Sink>,
    /// Bit set of sanitizer ids (see [`SanitizerTable`]).
    pub sanitizers: u128,
}

#[derive(Debug, Clone)]
pub struct CallMatcher {
    pub names: Vec<NamePattern>,
    pub conditions: Vec<Condition>,
    pub unless: Vec<Condition>,
    pub context: Option<Regex>,
}

#[derive(Debug, Clone)]
pub struct AssignMatcher {
    pub target: Regex,
    pub ignore_values: Option<Regex>,
    pub min_length: usize,
}

/// The built-in state checkers a rule can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckerKind {
    UseAfterFree,
    DoubleFree,
    MemoryLeak,
    NullDereference,
    Uninitialized,
    DivideByZero,
    BufferOverflow,
    BufferOverread,
    TaintedIndex,
    IntegerOverflow,
    AllocSizeOverflow,
    FormatString,
    UnboundedCopy,
}

impl CheckerKind {
    fn from_name(name: &str) -> Option<CheckerKind> {
        Some(match name {
            "use-after-free" => CheckerKind::UseAfterFree,
            "double-free" => CheckerKind::DoubleFree,
            "memory-leak" => CheckerKind::MemoryLeak,
            "null-dereference" => CheckerKind::NullDereference,
            "uninitialized" => CheckerKind::Uninitialized,
            "divide-by-zero" => CheckerKind::DivideByZero,
            "buffer-overflow" => CheckerKind::BufferOverflow,
            "buffer-overread" => CheckerKind::BufferOverread,
            "tainted-index" => CheckerKind::TaintedIndex,
            "integer-overflow" => CheckerKind::IntegerOverflow,
            "alloc-size-overflow" => CheckerKind::AllocSizeOverflow,
            "format-string" => CheckerKind::FormatString,
            "unbounded-copy" => CheckerKind::UnboundedCopy,
            _ => return None,
        })
    }

    pub const NAMES: &'static [&'static str] = &[
        "use-after-free",
        "double-free",
        "memory-leak",
        "null-dereference",
        "uninitialized",
        "divide-by-zero",
        "buffer-overflow",
        "buffer-overread",
        "tainted-index",
        "integer-overflow",
        "alloc-size-overflow",
        "format-string",
        "unbounded-copy",
    ];
}

#[derive(Debug, Clone)]
pub enum Matcher {
    Taint(TaintMatcher),
    Call(CallMatcher),
    Assign(AssignMatcher),
    Checker { kind: CheckerKind, sources: u16 },
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    pub matcher: Matcher,
    pub fixtures: FixturesFile,
    /// The embedded file the rule came from, for error messages.
    pub file: String,
}

/// Per-language taint sources.
#[derive(Debug, Default, Clone)]
pub struct SourceSet {
    pub calls: Vec<(NamePattern, u16)>,
    pub attrs: Vec<(NamePattern, u16)>,
    pub out_args: Vec<(NamePattern, usize, Option<usize>, u16)>,
    /// Sanitizers that clear taint for every rule (`int`, `len`).
    pub universal_sanitizers: Vec<NamePattern>,
    /// Decorators whose functions receive request data in their parameters.
    pub route_decorators: Vec<NamePattern>,
}

/// Every distinct sanitizer pattern gets one bit.
#[derive(Debug, Default, Clone)]
pub struct SanitizerTable {
    pub patterns: Vec<NamePattern>,
}

impl SanitizerTable {
    fn bit_for(&mut self, pattern: &str, file: &str) -> Result<u128, EngineError> {
        if let Some(i) = self.patterns.iter().position(|p| p.text() == pattern) {
            return Ok(1u128 << i);
        }
        if self.patterns.len() >= 128 {
            return Err(EngineError::Rule {
                file: file.to_string(),
                message: "too many distinct sanitizers across rules (limit 128)".into(),
            });
        }
        self.patterns.push(NamePattern::new(pattern));
        Ok(1u128 << (self.patterns.len() - 1))
    }

    /// Bits of every sanitizer that matches a call name.
    pub fn bits_for_call(&self, name: &str) -> u128 {
        let mut bits = 0;
        for (i, p) in self.patterns.iter().enumerate() {
            if p.matches(name) {
                bits |= 1u128 << i;
            }
        }
        bits
    }
}

/// All rules of the engine, compiled, with per-language indexes.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub sources: HashMap<Language, SourceSet>,
    pub sanitizers: SanitizerTable,
}

fn rule_err(file: &str, message: impl Into<String>) -> EngineError {
    EngineError::Rule {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Compiled size allowed for one rule regex (program and lazy DFA each):
/// rule patterns are short; the default (10 MiB) let one pattern such as
/// `\w{200}` take about 10 MiB per rule.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Nesting of groups and repetitions allowed in one rule regex.
const REGEX_NEST_LIMIT: u32 = 32;

fn compile_regex(file: &str, field: &str, re: &str) -> Result<Regex, EngineError> {
    regex::RegexBuilder::new(re)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .map_err(|e| rule_err(file, format!("{field}: invalid regex: {e}")))
}

/// Nesting allowed in a rule or source file. Ours use a handful of levels;
/// the YAML parser takes time quadratic in depth, so a file nested 100,000
/// levels deep would keep it busy for minutes before any error.
pub const MAX_YAML_NESTING: usize = 32;

/// An upper estimate of the nesting depth of YAML text, and the 1-based
/// line where it is deepest, in one pass without parsing: block nesting from
/// indentation (two columns a level) and leading `- `/`? ` indicators, plus
/// flow nesting from `[` and `{` where a value can start, outside quotes,
/// comments and block scalars (`|`, `>`: the fixtures' code).
fn yaml_nesting(text: &str) -> (usize, usize) {
    let mut deepest = (0, 0);
    let mut flow: usize = 0;
    // Indentation of the line that opened a block scalar.
    let mut scalar_parent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        let mut pos = bytes.iter().take_while(|b| **b == b' ').count();
        if let Some(parent) = scalar_parent {
            if pos > parent || pos == bytes.len() {
                continue;
            }
            scalar_parent = None;
        }
        let trimmed = line.trim_end();
        if flow == 0
            && trimmed
                .rsplit([' ', ':'])
                .next()
                .is_some_and(|t| t.starts_with(['|', '>']) && t.len() <= 3)
        {
            scalar_parent = Some(pos);
        }
        let mut indicators = 0;
        while pos + 1 < bytes.len() && matches!(bytes[pos], b'-' | b'?') && bytes[pos + 1] == b' ' {
            indicators += 1;
            pos += 2;
            while pos < bytes.len() && bytes[pos] == b' ' {
                pos += 1;
            }
        }
        let block = pos / 2 + indicators;
        // A value may start after one of these (or at the start of the line).
        let mut value_can_start = true;
        let mut quote: Option<u8> = None;
        let mut j = pos;
        while j < bytes.len() {
            let b = bytes[j];
            match quote {
                Some(q) => {
                    if b == b'\\' && q == b'"' {
                        j += 1;
                    } else if b == q {
                        quote = None;
                    }
                }
                None => match b {
                    b'\'' | b'"' if value_can_start => quote = Some(b),
                    b'#' if j == 0 || bytes[j - 1] == b' ' => break,
                    b'[' | b'{' if value_can_start => {
                        flow += 1;
                        if block + flow > deepest.0 {
                            deepest = (block + flow, i + 1);
                        }
                    }
                    b']' | b'}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            if quote.is_none() && b != b' ' {
                value_can_start = matches!(b, b':' | b'-' | b',' | b'[' | b'{' | b'?');
            }
            j += 1;
        }
        if block + flow > deepest.0 {
            deepest = (block + flow, i + 1);
        }
    }
    deepest
}

/// Parse a rule or source file, refusing excessive nesting before the YAML
/// parser sees it.
fn parse_yaml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, EngineError> {
    let (depth, line) = yaml_nesting(text);
    if depth > MAX_YAML_NESTING {
        return Err(rule_err(
            file,
            format!(
                "line {line}: nested more than {MAX_YAML_NESTING} levels deep; rule files need a few"
            ),
        ));
    }
    serde_yaml::from_str(text).map_err(|e| rule_err(file, e.to_string()))
}

fn compile_conditions(
    file: &str,
    field: &str,
    conds: &[ConditionFile],
) -> Result<Vec<Condition>, EngineError> {
    let mut out = Vec::new();
    for (i, c) in conds.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let arg = match (&c.arg, &c.kwarg) {
            (Some(a), None) => ArgRef::Pos(*a),
            (None, Some(k)) => ArgRef::Kw(k.clone()),
            _ => {
                return Err(rule_err(
                    file,
                    format!("{path}: give exactly one of `arg` or `kwarg`"),
                ));
            }
        };
        let is = match c.is.as_deref() {
            None => None,
            Some(s) => Some(match s {
                "present" => Is::Present,
                "missing" => Is::Missing,
                "truthy" => Is::Truthy,
                "falsy" => Is::Falsy,
                "constant" => Is::Constant,
                "not-constant" => Is::NotConstant,
                "tainted" => Is::Tainted,
                "untainted" => Is::Untainted,
                "fixed-host" => Is::FixedHost,
                other => {
                    return Err(rule_err(
                        file,
                        format!(
                            "{path}.is: unknown test '{other}' (expected present, missing, truthy, falsy, constant, not-constant, tainted, untainted or fixed-host)"
                        ),
                    ));
                }
            }),
        };
        let matches = match &c.matches {
            Some(re) => Some(compile_regex(file, &format!("{path}.matches"), re)?),
            None => None,
        };
        if is.is_none() && matches.is_none() {
            return Err(rule_err(file, format!("{path}: give `is` or `matches`")));
        }
        out.push(Condition {
            arg,
            is,
            matches,
            or_missing: c.or_missing,
        });
    }
    Ok(out)
}

fn categories(file: &str, field: &str, names: &[String]) -> Result<u16, EngineError> {
    if names.is_empty() {
        return Ok(category::DEFAULT);
    }
    let mut bits = 0;
    for n in names {
        bits |= category::from_name(n).ok_or_else(|| {
            rule_err(
                file,
                format!("{field}: unknown source category '{n}' (expected web, cli, env, network, user, file, random, param, deserialized or default)"),
            )
        })?;
    }
    Ok(bits)
}

fn id_is_valid(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
}

impl RuleSet {
    /// Parse and compile rule and source files given as `(name, text)`.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<RuleSet, EngineError> {
        let mut set = RuleSet::default();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut rule_files = Vec::new();
        for (name, text) in files {
            if name.contains("sources/") || name.starts_with("sources") {
                set.add_sources(name, text)?;
            } else {
                rule_files.push((name, text));
            }
        }
        for (name, text) in rule_files {
            let rule = set.compile_rule(name, text)?;
            if let Some(prev) = seen.insert(rule.meta.id.clone(), name.to_string()) {
                return Err(rule_err(
                    name,
                    format!("id: '{}' is already used by {prev}", rule.meta.id),
                ));
            }
            set.rules.push(rule);
        }
        set.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        Ok(set)
    }

    fn add_sources(&mut self, file: &str, text: &str) -> Result<(), EngineError> {
        let parsed: SourcesFile = parse_yaml(file, text)?;
        let lang = Language::from_name(&parsed.language)
            .ok_or_else(|| rule_err(file, format!("language: unknown '{}'", parsed.language)))?;
        let langs: Vec<Language> = if lang.is_c_family() {
            vec![Language::C, Language::Cpp]
        } else {
            vec![lang]
        };
        for lang in langs {
            let set = self.sources.entry(lang).or_default();
            for (i, g) in parsed.sources.iter().enumerate() {
                let bits = categories(
                    file,
                    &format!("sources[{i}].category"),
                    std::slice::from_ref(&g.category),
                )?;
                for c in &g.calls {
                    set.calls.push((NamePattern::new(c), bits));
                }
                for a in &g.attrs {
                    set.attrs.push((NamePattern::new(a), bits));
                }
                for o in &g.out_args {
                    set.out_args
                        .push((NamePattern::new(&o.call), o.from, o.to, bits));
                }
            }
            for s in &parsed.sanitizers {
                set.universal_sanitizers.push(NamePattern::new(s));
            }
            for d in &parsed.route_decorators {
                set.route_decorators.push(NamePattern::new(d));
            }
        }
        Ok(())
    }

    fn compile_rule(&mut self, file: &str, text: &str) -> Result<Rule, EngineError> {
        let r: RuleFile = parse_yaml(file, text)?;
        if !id_is_valid(&r.id) {
            return Err(rule_err(
                file,
                format!("id: '{}' must be kebab-case ASCII (a-z, 0-9, -)", r.id),
            ));
        }
        let mut languages = Vec::new();
        for l in &r.languages {
            let lang = Language::from_name(l)
                .ok_or_else(|| rule_err(file, format!("languages: unknown language '{l}'")))?;
            languages.push(lang);
        }
        if languages.is_empty() {
            return Err(rule_err(
                file,
                "languages: at least one language is required",
            ));
        }
        let mut cwe = Vec::new();
        for c in &r.cwe {
            let parsed = match c {
                CweField::Num(n) if *n > 0 => Some(Cwe(*n)),
                CweField::Num(_) => None,
                CweField::Text(t) => Cwe::parse(t),
            };
            cwe.push(
                parsed.ok_or_else(|| rule_err(file, "cwe: expected CWE ids like 89 or CWE-89"))?,
            );
        }
        if cwe.is_empty() {
            return Err(rule_err(file, "cwe: at least one CWE is required"));
        }
        let severity = Severity::from_name(&r.severity)
            .ok_or_else(|| rule_err(file, format!("severity: unknown '{}'", r.severity)))?;
        let confidence = Confidence::from_name(&r.confidence)
            .ok_or_else(|| rule_err(file, format!("confidence: unknown '{}'", r.confidence)))?;
        for (field, value) in [
            ("docs.what", &r.docs.what),
            ("docs.why", &r.docs.why),
            ("docs.example", &r.docs.example),
            ("docs.fix", &r.docs.fix),
            ("title", &r.title),
            ("message", &r.message),
        ] {
            if value.trim().is_empty() {
                return Err(rule_err(file, format!("{field}: must not be empty")));
            }
        }
        if r.fixtures.positive.is_empty() || r.fixtures.negative.is_empty() {
            return Err(rule_err(
                file,
                "fixtures: at least one positive and one negative fixture are required",
            ));
        }
        let kinds = [
            r.taint.is_some(),
            r.call.is_some(),
            r.assign.is_some(),
            r.checker.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if kinds != 1 {
            return Err(rule_err(
                file,
                "give exactly one matcher: `taint`, `call`, `assign` or `checker`",
            ));
        }
        let matcher = if let Some(t) = &r.taint {
            let sources = categories(file, "taint.sources", &t.sources)?;
            let mut sinks = Vec::new();
            for (i, s) in t.sinks.iter().enumerate() {
                let path = format!("taint.sinks[{i}]");
                if s.call.is_empty() && s.return_from_decorated.is_empty() && s.assign_to.is_empty()
                {
                    return Err(rule_err(
                        file,
                        format!("{path}: give `call`, `return_from_decorated` or `assign_to`"),
                    ));
                }
                sinks.push(Sink {
                    calls: s.call.iter().map(|c| NamePattern::new(c)).collect(),
                    args: s.args.clone(),
                    kwargs: s.kwargs.clone(),
                    receiver: s.receiver,
                    assign_to: s.assign_to.iter().map(|c| NamePattern::new(c)).collect(),
                    return_from_decorated: s
                        .return_from_decorated
                        .iter()
                        .map(|c| NamePattern::new(c))
                        .collect(),
                    conditions: compile_conditions(file, &format!("{path}.where"), &s.r#where)?,
                    unless: compile_conditions(file, &format!("{path}.unless"), &s.unless)?,
                });
            }
            if sinks.is_empty() {
                return Err(rule_err(file, "taint.sinks: at least one sink is required"));
            }
            let mut sanitizers = 0;
            for s in &t.sanitizers {
                sanitizers |= self.sanitizers.bit_for(s, file)?;
            }
            Matcher::Taint(TaintMatcher {
                sources,
                sinks,
                sanitizers,
            })
        } else if let Some(c) = &r.call {
            if c.name.is_empty() {
                return Err(rule_err(file, "call.name: at least one name is required"));
            }
            Matcher::Call(CallMatcher {
                names: c.name.iter().map(|n| NamePattern::new(n)).collect(),
                conditions: compile_conditions(file, "call.where", &c.r#where)?,
                unless: compile_conditions(file, "call.unless", &c.unless)?,
                context: match &c.context {
                    Some(re) => Some(compile_regex(file, "call.context", re)?),
                    None => None,
                },
            })
        } else if let Some(a) = &r.assign {
            Matcher::Assign(AssignMatcher {
                target: compile_regex(file, "assign.target", &a.target)?,
                ignore_values: match &a.ignore_values {
                    Some(re) => Some(compile_regex(file, "assign.ignore_values", re)?),
                    None => None,
                },
                min_length: a.min_length,
            })
        } else if let Some(c) = &r.checker {
            let kind = CheckerKind::from_name(&c.name).ok_or_else(|| {
                rule_err(
                    file,
                    format!(
                        "checker.name: unknown checker '{}' (expected one of: {})",
                        c.name,
                        CheckerKind::NAMES.join(", ")
                    ),
                )
            })?;
            Matcher::Checker {
                kind,
                sources: categories(file, "checker.sources", &c.sources)?,
            }
        } else {
            return Err(rule_err(file, "no matcher"));
        };
        Ok(Rule {
            meta: RuleMeta {
                id: r.id,
                title: r.title,
                languages,
                cwe,
                severity,
                confidence,
                message: r.message,
                docs: RuleDocs {
                    what: r.docs.what,
                    why: r.docs.why,
                    example: r.docs.example,
                    fix: r.docs.fix,
                },
            },
            matcher,
            fixtures: r.fixtures,
            file: file.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns() {
        assert!(NamePattern::new("os.system").matches("os.system"));
        assert!(!NamePattern::new("os.system").matches("xos.system"));
        assert!(NamePattern::new("*.execute").matches("cur.execute"));
        assert!(NamePattern::new("*.execute").matches("a.b().execute"));
        assert!(!NamePattern::new("*.execute").matches("executes"));
        assert!(NamePattern::new("subprocess.*").matches("subprocess.run"));
        assert!(NamePattern::new("*request.args*").matches("flask.request.args.get"));
        assert_eq!(
            NamePattern::new("*.execute").key.as_deref(),
            Some("execute")
        );
        assert_eq!(NamePattern::new("subprocess.*").key, None);
    }
}
