//! SARIF 2.1.0 writing ([`to_sarif`]) and reading ([`from_sarif`]).
//!
//! The writer targets what GitHub code scanning reads: rule metadata with
//! `external/cwe/cwe-N` tags and a string `security-severity`, stable
//! `partialFingerprints`, visible `suppressions` (invariant 4) and `codeFlows`
//! for taint traces.
//!
//! The reader accepts logs from any producer. Fields secguard needs are
//! type-checked and a mistake is reported with its JSON path; decorations that
//! are only mined for extra facts (property bags, taxa) are read leniently,
//! because every tool fills them differently.

use crate::display;
use crate::model::{
    Confidence, Cwe, Finding, Fingerprint, Location, RuleMeta, Severity, Suppression,
    SuppressionKind, TraceStep,
};
use crate::report::{Note, NoteKind, ScanReport, ToolInfo};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::PathBuf;

/// The `$schema` written into every log.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The only SARIF version written and read.
pub const SARIF_VERSION: &str = "2.1.0";
/// The `partialFingerprints` key holding a finding's [`Fingerprint`].
pub const FINGERPRINT_KEY: &str = "secguard/v1";
/// The base id that relative artifact URIs are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";
/// The driver name; GitHub groups alerts by it, so it never changes.
pub const TOOL_NAME: &str = "secguard";
/// Result property keeping the analyzer that reported a finding, so a
/// secguard log that merged several analyzers reads back unchanged.
const ANALYZER_KEY: &str = "secguard/analyzer";
/// Every analyzer that reported a merged finding.
const REPORTED_BY_KEY: &str = "secguard/reportedBy";
/// Result property keeping the confidence of a finding.
const CONFIDENCE_KEY: &str = "confidence";
const SUPPRESSED_BY_KEY: &str = "suppressedBy";

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Render a scan as a SARIF 2.1.0 log with one run.
///
/// Every finding's rule appears in `tool.driver.rules`: rules missing from
/// `rules` (for example from external analyzers) are described from their
/// first finding so that `ruleIndex` is always valid. Results keep the order
/// of `report.findings`.
pub fn to_sarif(report: &ScanReport, rules: &[RuleMeta]) -> Value {
    let catalog = RuleCatalog::new(rules, &report.findings);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result_json(f, catalog.index_of(&f.rule_id)))
        .collect();
    let notifications: Vec<Value> = report.notes.iter().map(notification_json).collect();

    let mut driver = Map::new();
    driver.insert("name".into(), json!(TOOL_NAME));
    if !report.tool.version.is_empty() {
        driver.insert("version".into(), json!(report.tool.version));
    }
    let info_uri = env!("CARGO_PKG_REPOSITORY");
    if !info_uri.is_empty() {
        driver.insert("informationUri".into(), json!(info_uri));
    }
    driver.insert(
        "rules".into(),
        Value::Array(catalog.rules.iter().map(rule_json).collect()),
    );

    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": { "driver": driver },
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": { "text": "The root of the scanned source tree." }
                }
            },
            // Location columns count Unicode scalar values (see model::Location).
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    })
}

/// The rules of one log: the given ones first, then ones described from
/// findings whose rule was not given.
struct RuleCatalog {
    rules: Vec<RuleMeta>,
    index: HashMap<String, usize>,
}

impl RuleCatalog {
    fn new(given: &[RuleMeta], findings: &[Finding]) -> RuleCatalog {
        let mut catalog = RuleCatalog {
            rules: Vec::new(),
            index: HashMap::new(),
        };
        for rule in given {
            catalog.add(rule.clone());
        }
        for f in findings {
            if !catalog.index.contains_key(&f.rule_id) {
                catalog.add(RuleMeta {
                    id: f.rule_id.clone(),
                    title: f.title.clone(),
                    languages: Vec::new(),
                    cwe: f.cwe.clone(),
                    severity: f.severity,
                    confidence: f.confidence,
                    message: f.message.clone(),
                    docs: Default::default(),
                });
            }
        }
        catalog
    }

    /// Duplicate ids keep the first entry: GitHub rejects ambiguous rules.
    fn add(&mut self, rule: RuleMeta) {
        if !self.index.contains_key(&rule.id) {
            self.index.insert(rule.id.clone(), self.rules.len());
            self.rules.push(rule);
        }
    }

    fn index_of(&self, id: &str) -> usize {
        // Every finding's rule was added in `new`, so the fallback is unreachable.
        self.index.get(id).copied().unwrap_or(0)
    }
}

fn security_severity_string(severity: Severity) -> String {
    format!("{:.1}", severity.security_severity())
}

fn cwe_tags(cwes: &[Cwe]) -> Vec<String> {
    let mut tags = vec!["security".to_string()];
    tags.extend(cwes.iter().map(|c| c.sarif_tag()));
    tags
}

fn cwe_url(cwe: Cwe) -> String {
    format!("https://cwe.mitre.org/data/definitions/{}.html", cwe.0)
}

/// `sql-injection` or `py/sql_injection` become `SqlInjection` / `PySqlInjection`.
fn pascal_case(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for word in id.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn non_empty<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

/// A code fence longer than any backtick run in `code`, so examples that
/// contain fences themselves still render.
fn fence_for(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Plain-text and Markdown help built from the rule's documentation.
fn rule_help(rule: &RuleMeta) -> (String, String) {
    let docs = &rule.docs;
    let mut text = Vec::new();
    let mut markdown = Vec::new();
    let what = non_empty(&docs.what, &rule.title);
    text.push(what.to_string());
    markdown.push(what.to_string());
    if !docs.why.trim().is_empty() {
        text.push(format!("Why it matters: {}", docs.why.trim_end()));
        markdown.push(format!("## Why it matters\n\n{}", docs.why.trim_end()));
    }
    if !docs.example.trim().is_empty() {
        let example = docs.example.trim_end();
        let fence = fence_for(example);
        let lang = rule.languages.first().map(|l| l.name()).unwrap_or("");
        text.push(format!("Example:\n{example}"));
        markdown.push(format!("## Example\n\n{fence}{lang}\n{example}\n{fence}"));
    }
    if !docs.fix.trim().is_empty() {
        text.push(format!("How to fix: {}", docs.fix.trim_end()));
        markdown.push(format!("## How to fix\n\n{}", docs.fix.trim_end()));
    }
    if !rule.cwe.is_empty() {
        let plain: Vec<String> = rule
            .cwe
            .iter()
            .map(|c| format!("{c} ({})", cwe_url(*c)))
            .collect();
        text.push(format!("References: {}", plain.join(", ")));
        let links: Vec<String> = rule
            .cwe
            .iter()
            .map(|c| format!("- [{c}]({})", cwe_url(*c)))
            .collect();
        markdown.push(format!("## References\n\n{}", links.join("\n")));
    }
    (text.join("\n\n"), markdown.join("\n\n"))
}

fn rule_json(rule: &RuleMeta) -> Value {
    let (help_text, help_markdown) = rule_help(rule);
    let mut obj = Map::new();
    obj.insert("id".into(), json!(rule.id));
    obj.insert("name".into(), json!(pascal_case(&rule.id)));
    obj.insert(
        "shortDescription".into(),
        json!({ "text": non_empty(&rule.title, &rule.id) }),
    );
    obj.insert(
        "fullDescription".into(),
        json!({ "text": non_empty(&rule.docs.what, non_empty(&rule.title, &rule.id)) }),
    );
    obj.insert(
        "help".into(),
        json!({ "text": help_text, "markdown": help_markdown }),
    );
    if let Some(first) = rule.cwe.first() {
        obj.insert("helpUri".into(), json!(cwe_url(*first)));
    }
    obj.insert(
        "defaultConfiguration".into(),
        json!({ "level": rule.severity.sarif_level() }),
    );
    obj.insert(
        "properties".into(),
        json!({
            "tags": cwe_tags(&rule.cwe),
            "security-severity": security_severity_string(rule.severity),
            "precision": rule.confidence.name(),
        }),
    );
    Value::Object(obj)
}

/// Percent-encode a path's bytes for use as a URI reference. Unreserved
/// characters, `/` and most sub-delimiters stay readable; `:` is encoded
/// because in a relative reference's first segment it would read as a
/// scheme. Bytes that are not UTF-8 are encoded as they are, so the URI
/// names the file exactly.
fn encode_uri_path(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `C:/...` style paths, which need `file:///` and keep their colon.
fn drive_prefix(path: &str) -> Option<(&str, &str)> {
    let bytes = path.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        Some(path.split_at(2))
    } else {
        None
    }
}

/// The `artifactLocation` of a path: relative paths hang off `%SRCROOT%`,
/// absolute ones become `file://` URIs.
fn artifact_location_json(location: &Location) -> Value {
    let path = location.path_string();
    if let Some((drive, rest)) = drive_prefix(&path) {
        return json!({ "uri": format!("file:///{drive}{}", encode_uri_path(rest.as_bytes())) });
    }
    // The OS's bytes, not the lossy text: a name that is not UTF-8 keeps
    // its identity in the URI. Windows paths took the branch above or are
    // relative and already use `/`.
    let bytes = if cfg!(windows) {
        std::borrow::Cow::Owned(path.clone().into_bytes())
    } else {
        display::path_bytes(&location.path)
    };
    if path.starts_with('/') {
        return json!({ "uri": format!("file://{}", encode_uri_path(&bytes)) });
    }
    json!({ "uri": encode_uri_path(&bytes), "uriBaseId": SRCROOT })
}

fn physical_location_json(location: &Location, snippet: &str) -> Value {
    // SARIF lines and columns start at 1; clamp so a zeroed location still validates.
    let mut region = json!({
        "startLine": location.start_line.max(1),
        "startColumn": location.start_column.max(1),
        "endLine": location.end_line.max(location.start_line).max(1),
        "endColumn": location.end_column.max(1),
    });
    if !snippet.is_empty()
        && let Some(obj) = region.as_object_mut()
    {
        obj.insert("snippet".into(), json!({ "text": snippet }));
    }
    json!({
        "artifactLocation": artifact_location_json(location),
        "region": region,
    })
}

fn result_json(finding: &Finding, rule_index: usize) -> Value {
    let mut properties = Map::new();
    properties.insert("tags".into(), json!(cwe_tags(&finding.cwe)));
    properties.insert(
        "security-severity".into(),
        json!(security_severity_string(finding.severity)),
    );
    properties.insert(CONFIDENCE_KEY.into(), json!(finding.confidence.name()));
    properties.insert(ANALYZER_KEY.into(), json!(finding.analyzer));
    if !finding.reported_by.is_empty() {
        properties.insert(REPORTED_BY_KEY.into(), json!(finding.reported_by));
    }

    let mut obj = Map::new();
    obj.insert("ruleId".into(), json!(finding.rule_id));
    obj.insert("ruleIndex".into(), json!(rule_index));
    obj.insert("level".into(), json!(finding.severity.sarif_level()));
    obj.insert(
        "message".into(),
        json!({ "text": non_empty(&finding.message, non_empty(&finding.title, &finding.rule_id)) }),
    );
    obj.insert(
        "locations".into(),
        json!([{ "physicalLocation": physical_location_json(&finding.location, &finding.snippet) }]),
    );
    obj.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: finding.fingerprint.0 }),
    );
    if let Some(s) = &finding.suppression {
        let mut sup = Map::new();
        sup.insert("kind".into(), json!(s.kind.sarif_name()));
        sup.insert("status".into(), json!("accepted"));
        sup.insert("justification".into(), json!(s.justification));
        if let Some(by) = &s.by {
            sup.insert("properties".into(), json!({ SUPPRESSED_BY_KEY: by }));
        }
        obj.insert("suppressions".into(), json!([sup]));
    }
    if !finding.trace.is_empty() {
        let steps: Vec<Value> = finding
            .trace
            .iter()
            .map(|step| {
                let mut loc = Map::new();
                loc.insert(
                    "physicalLocation".into(),
                    physical_location_json(&step.location, ""),
                );
                if !step.message.is_empty() {
                    loc.insert("message".into(), json!({ "text": step.message }));
                }
                json!({ "location": loc })
            })
            .collect();
        obj.insert(
            "codeFlows".into(),
            json!([{ "threadFlows": [{ "locations": steps }] }]),
        );
    }
    obj.insert("properties".into(), Value::Object(properties));
    Value::Object(obj)
}

fn note_kind_id(kind: NoteKind) -> String {
    match serde_json::to_value(kind) {
        Ok(Value::String(s)) => s,
        _ => format!("{kind:?}"),
    }
}

fn note_level(kind: NoteKind) -> &'static str {
    match kind {
        // Part of the input was not analysed at all: worth a warning.
        NoteKind::ParseError
        | NoteKind::BudgetExceeded
        | NoteKind::TooLarge
        | NoteKind::Unreadable
        | NoteKind::InvalidSuppression => "warning",
        // A whole analyzer's results are missing.
        NoteKind::AnalyzerFailed | NoteKind::InternalError => "error",
        NoteKind::BinarySkipped
        | NoteKind::LossyUtf8
        | NoteKind::LossyPath
        | NoteKind::UnusedSuppression
        | NoteKind::MemoryNotApplied => "note",
    }
}

fn notification_json(note: &Note) -> Value {
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        artifact_location_json(&Location {
            path: note.path.clone(),
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
        }),
    );
    if let Some(line) = note.line {
        physical.insert("region".into(), json!({ "startLine": line.max(1) }));
    }
    let id = note_kind_id(note.kind);
    json!({
        "descriptor": { "id": id },
        "level": note_level(note.kind),
        "message": { "text": non_empty(&note.message, &id) },
        "locations": [{ "physicalLocation": physical }],
    })
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Why a SARIF log could not be read. Paths look like
/// `runs[0].results[3].locations`.
#[derive(Debug, thiserror::Error)]
pub enum SarifError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: missing required field")]
    Missing { path: String },
    #[error("{path}: expected {expected}")]
    WrongType {
        path: String,
        expected: &'static str,
    },
    #[error("{path}: unsupported SARIF version {found:?}, only \"2.1.0\" can be read")]
    UnsupportedVersion { path: String, found: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl SarifError {
    /// The JSON path the error is about, if it is about one.
    pub fn path(&self) -> Option<&str> {
        match self {
            SarifError::Json(_) => None,
            SarifError::Missing { path }
            | SarifError::WrongType { path, .. }
            | SarifError::UnsupportedVersion { path, .. }
            | SarifError::Invalid { path, .. } => Some(path),
        }
    }
}

/// What one run of an imported log says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifRunInfo {
    pub tool: ToolInfo,
    /// False when any invocation of the run reported a failed execution.
    pub execution_successful: bool,
}

/// The content of a SARIF log, in secguard's model.
#[derive(Debug, Clone, PartialEq)]
pub struct SarifImport {
    /// Findings of all runs, in log order. Results of kind `pass` or
    /// `notApplicable`, and baseline results marked `absent`, are not findings
    /// and are left out.
    pub findings: Vec<Finding>,
    /// Tool notifications that name one of secguard's [`NoteKind`]s and a file.
    pub notes: Vec<Note>,
    pub runs: Vec<SarifRunInfo>,
}

type Result<T> = std::result::Result<T, SarifError>;

fn child(path: &str, key: &str) -> String {
    if path == "$" {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A JSON object together with its path, for error messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// Any JSON value together with its path.
struct At<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> At<'a> {
    fn obj(&self) -> Result<Obj<'a>> {
        match self.value {
            Value::Object(map) => Ok(Obj {
                map,
                path: self.path.clone(),
            }),
            _ => Err(SarifError::WrongType {
                path: self.path.clone(),
                expected: "an object",
            }),
        }
    }
}

impl<'a> Obj<'a> {
    /// A present, non-null member. SARIF producers often write `null` for
    /// "absent", so both read the same.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn path_of(&self, key: &str) -> String {
        child(&self.path, key)
    }

    fn wrong(&self, key: &str, expected: &'static str) -> SarifError {
        SarifError::WrongType {
            path: self.path_of(key),
            expected,
        }
    }

    fn at(&self, key: &str) -> Option<At<'a>> {
        self.get(key).map(|value| At {
            value,
            path: self.path_of(key),
        })
    }

    fn req_at(&self, key: &str) -> Result<At<'a>> {
        self.at(key).ok_or_else(|| SarifError::Missing {
            path: self.path_of(key),
        })
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    fn req_str(&self, key: &str) -> Result<&'a str> {
        self.opt_str(key)?.ok_or_else(|| SarifError::Missing {
            path: self.path_of(key),
        })
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(key, "a boolean")),
        }
    }

    /// A non-negative integer that fits in `u32`.
    fn opt_u32(&self, key: &str) -> Result<Option<u32>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) => u32::try_from(n).map(Some).map_err(|_| SarifError::Invalid {
                    path: self.path_of(key),
                    message: format!("{n} is too large"),
                }),
                None => Err(self.wrong(key, "a non-negative integer")),
            },
        }
    }

    /// An array index where SARIF uses `-1` for "none".
    fn opt_index(&self, key: &str) -> Result<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(-1) => Ok(None),
                Some(n) if n >= 0 => Ok(usize::try_from(n).ok()),
                _ => Err(self.wrong(key, "an integer >= -1")),
            },
        }
    }

    /// Members of an optional array, each with its own path.
    fn opt_items(&self, key: &str) -> Result<Vec<At<'a>>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                let base = self.path_of(key);
                Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, value)| At {
                        value,
                        path: item(&base, i),
                    })
                    .collect())
            }
            Some(_) => Err(self.wrong(key, "an array")),
        }
    }

    /// A property bag, read leniently: a malformed bag is treated as empty.
    fn properties(&self) -> Option<&'a Map<String, Value>> {
        self.get("properties").and_then(Value::as_object)
    }
}

/// Facts about one rule (`reportingDescriptor`) that findings inherit.
#[derive(Debug, Default)]
struct RuleInfo {
    id: String,
    title: Option<String>,
    cwe: Vec<Cwe>,
    security_severity: Option<Severity>,
    level: Option<Severity>,
    precision: Option<Confidence>,
    message_strings: HashMap<String, String>,
}

/// One tool component (driver or extension) and its rules.
struct Component {
    rules: Vec<RuleInfo>,
}

/// What results of one run look things up in.
struct RunContext<'a> {
    components: Vec<Component>,
    /// `ruleId` to (component, rule) for results without an index.
    by_id: HashMap<String, (usize, usize)>,
    taxonomy_names: Vec<Option<String>>,
    artifact_uris: Vec<Option<&'a str>>,
    analyzer: String,
}

fn push_unique(list: &mut Vec<Cwe>, cwe: Cwe) {
    if !list.contains(&cwe) {
        list.push(cwe);
    }
}

/// CWE ids in a property bag: `tags` such as `external/cwe/cwe-089`,
/// `CWE-89` or `cwe-89: ...`, and a `cwe` member some tools write.
fn cwes_from_properties(props: Option<&Map<String, Value>>, out: &mut Vec<Cwe>) {
    let Some(props) = props else { return };
    let mut texts: Vec<&str> = Vec::new();
    for key in ["tags", "cwe", "CWE", "cwes"] {
        match props.get(key) {
            Some(Value::String(s)) => texts.push(s),
            Some(Value::Array(items)) => texts.extend(items.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    for text in texts {
        // A bare number in `tags` is not a CWE (think "2021"); require the word.
        if text.to_ascii_lowercase().contains("cwe")
            && let Some(cwe) = Cwe::parse(text)
        {
            push_unique(out, cwe);
        }
    }
}

/// CWE ids in `reportingDescriptorReference`s (result `taxa`, the targets of
/// rule `relationships`), when they point into a CWE taxonomy.
fn cwe_from_reference(reference: &Value, taxonomy_names: &[Option<String>]) -> Option<Cwe> {
    let id = reference.get("id").and_then(Value::as_str)?;
    let component = reference.get("toolComponent");
    let name = component
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .or_else(|| {
            let index = component?.get("index")?.as_u64()?;
            taxonomy_names.get(usize::try_from(index).ok()?)?.as_deref()
        });
    let in_cwe_taxonomy = name.is_some_and(|n| n.to_ascii_lowercase().contains("cwe"));
    if in_cwe_taxonomy || id.to_ascii_lowercase().contains("cwe") {
        Cwe::parse(id)
    } else {
        None
    }
}

fn severity_from_score(value: &Value) -> Option<Severity> {
    let score = match value {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    score
        .is_finite()
        .then(|| Severity::from_security_severity(score))
}

fn severity_from_level(level: &str) -> Option<Severity> {
    match level {
        "error" => Some(Severity::High),
        "warning" => Some(Severity::Medium),
        "note" => Some(Severity::Low),
        "none" => Some(Severity::Info),
        _ => None,
    }
}

fn read_level(obj: &Obj<'_>, key: &str) -> Result<Option<Severity>> {
    match obj.opt_str(key)? {
        None => Ok(None),
        Some(level) => severity_from_level(level)
            .map(Some)
            .ok_or_else(|| SarifError::Invalid {
                path: obj.path_of(key),
                message: format!("unknown level {level:?}, expected none, note, warning or error"),
            }),
    }
}

fn confidence_from_precision(precision: &str) -> Option<Confidence> {
    match precision.to_ascii_lowercase().as_str() {
        "very-high" | "high" => Some(Confidence::High),
        "medium" => Some(Confidence::Medium),
        "low" => Some(Confidence::Low),
        _ => None,
    }
}

fn prop_str<'a>(props: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a str> {
    props?.get(key)?.as_str()
}

fn parse_rule(at: &At<'_>, taxonomy_names: &[Option<String>]) -> Result<RuleInfo> {
    let rule = at.obj()?;
    let id = rule.req_str("id")?.to_string();
    let title = match rule.get("shortDescription") {
        Some(_) => message_like_text(&rule, "shortDescription")?,
        None => None,
    }
    .or(rule.opt_str("name")?.map(str::to_string));
    let props = rule.properties();

    let mut cwe = Vec::new();
    cwes_from_properties(props, &mut cwe);
    if let Some(Value::Array(relationships)) = rule.get("relationships") {
        for rel in relationships {
            if let Some(c) = rel
                .get("target")
                .and_then(|t| cwe_from_reference(t, taxonomy_names))
            {
                push_unique(&mut cwe, c);
            }
        }
    }

    let level = match rule.at("defaultConfiguration") {
        Some(config) => read_level(&config.obj()?, "level")?,
        None => None,
    };

    let mut message_strings = HashMap::new();
    if let Some(Value::Object(strings)) = rule.get("messageStrings") {
        for (key, value) in strings {
            if let Some(text) = value.get("text").and_then(Value::as_str) {
                message_strings.insert(key.clone(), text.to_string());
            }
        }
    }

    Ok(RuleInfo {
        id,
        title,
        cwe,
        security_severity: props
            .and_then(|p| p.get("security-severity"))
            .and_then(severity_from_score),
        level,
        precision: prop_str(props, "precision").and_then(confidence_from_precision),
        message_strings,
    })
}

/// The `text` of a `multiformatMessageString`-like member, falling back to
/// its `markdown`.
fn message_like_text(obj: &Obj<'_>, key: &str) -> Result<Option<String>> {
    let Some(at) = obj.at(key) else {
        return Ok(None);
    };
    let msg = at.obj()?;
    Ok(msg
        .opt_str("text")?
        .or(msg.opt_str("markdown")?)
        .map(str::to_string))
}

/// Fill `{0}`-style placeholders of a SARIF message string.
fn format_message(template: &str, arguments: &[String]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let arg = (digits > 0 && after.as_bytes().get(digits) == Some(&b'}'))
            .then(|| after[..digits].parse::<usize>().ok())
            .flatten()
            .and_then(|i| arguments.get(i));
        match arg {
            Some(arg) => {
                out.push_str(arg);
                rest = &after[digits + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A result's message: `text`, else `markdown`, else the rule's message
/// string named by `id`.
fn result_message(result: &Obj<'_>, rule: Option<&RuleInfo>) -> Result<String> {
    let at = result.req_at("message")?;
    let msg = at.obj()?;
    if let Some(text) = msg.opt_str("text")?.or(msg.opt_str("markdown")?) {
        return Ok(text.to_string());
    }
    let Some(id) = msg.opt_str("id")? else {
        return Err(SarifError::Invalid {
            path: msg.path.clone(),
            message: "a message needs `text` or `id`".into(),
        });
    };
    let arguments: Vec<String> = msg
        .opt_items("arguments")?
        .iter()
        .map(|a| match a.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let template = rule.and_then(|r| r.message_strings.get(id));
    Ok(match template {
        Some(t) => format_message(t, &arguments),
        // Unknown id: keep something readable rather than failing the import.
        None => id.to_string(),
    })
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A file path from an artifact URI: `file://` URIs become absolute paths,
/// relative references stay relative to their base.
fn path_from_uri(uri: &str) -> PathBuf {
    let raw = match uri.strip_prefix("file://") {
        Some(rest) => {
            // `file:///C:/x` names a Windows drive; checking before decoding
            // keeps `/C%3A/x`, a real Unix path, intact.
            let no_slash = rest.strip_prefix('/').unwrap_or(rest);
            if drive_prefix(no_slash).is_some() {
                no_slash
            } else {
                rest
            }
        }
        None => uri.strip_prefix("file:").unwrap_or(uri),
    };
    display::path_from_bytes(percent_decode(raw))
}

struct ParsedLocation {
    location: Location,
    snippet: String,
    message: String,
}

fn empty_location() -> Location {
    Location {
        path: PathBuf::new(),
        start_line: 1,
        start_column: 1,
        end_line: 1,
        end_column: 1,
    }
}

fn parse_location(at: &At<'_>, ctx: &RunContext<'_>) -> Result<ParsedLocation> {
    let loc = at.obj()?;
    let message = message_like_text(&loc, "message")?.unwrap_or_default();
    let mut location = empty_location();
    let mut snippet = String::new();
    if let Some(physical_at) = loc.at("physicalLocation") {
        let physical = physical_at.obj()?;
        if let Some(artifact_at) = physical.at("artifactLocation") {
            let artifact = artifact_at.obj()?;
            let uri = match artifact.opt_str("uri")? {
                Some(uri) => Some(uri),
                None => match artifact.opt_index("index")? {
                    Some(i) => ctx.artifact_uris.get(i).copied().flatten(),
                    None => None,
                },
            };
            if let Some(uri) = uri {
                location.path = path_from_uri(uri);
            }
        }
        if let Some(region_at) = physical.at("region") {
            let region = region_at.obj()?;
            // SARIF counts from 1; some tools write 0 for "unknown".
            let start_line = region.opt_u32("startLine")?.unwrap_or(1).max(1);
            let start_column = region.opt_u32("startColumn")?.unwrap_or(1).max(1);
            location.start_line = start_line;
            location.start_column = start_column;
            location.end_line = region
                .opt_u32("endLine")?
                .unwrap_or(start_line)
                .max(start_line);
            location.end_column = region.opt_u32("endColumn")?.unwrap_or(start_column).max(1);
            if let Some(text) = message_like_text(&region, "snippet")? {
                snippet = text;
            }
        }
        if snippet.is_empty()
            && let Some(context_at) = physical.at("contextRegion")
            && let Some(text) = message_like_text(&context_at.obj()?, "snippet")?
        {
            snippet = text;
        }
    }
    Ok(ParsedLocation {
        location,
        snippet,
        message,
    })
}

fn parse_suppression(result: &Obj<'_>) -> Result<Option<Suppression>> {
    for at in result.opt_items("suppressions")? {
        let sup = at.obj()?;
        let kind = match sup.req_str("kind")? {
            "inSource" => SuppressionKind::InSource,
            "external" => SuppressionKind::External,
            other => {
                return Err(SarifError::Invalid {
                    path: sup.path_of("kind"),
                    message: format!("unknown kind {other:?}, expected inSource or external"),
                });
            }
        };
        // Only accepted suppressions hide a result; underReview and rejected ones do not.
        let status = sup.opt_str("status")?.unwrap_or("accepted");
        if status != "accepted" {
            continue;
        }
        let by = prop_str(sup.properties(), SUPPRESSED_BY_KEY).map(str::to_string);
        return Ok(Some(Suppression {
            kind,
            justification: sup.opt_str("justification")?.unwrap_or("").to_string(),
            by,
        }));
    }
    Ok(None)
}

/// The first thread flow of the first code flow, as a trace.
fn parse_trace(result: &Obj<'_>, ctx: &RunContext<'_>) -> Result<Vec<TraceStep>> {
    let flows = result.opt_items("codeFlows")?;
    let Some(flow_at) = flows.first() else {
        return Ok(Vec::new());
    };
    let flow = flow_at.obj()?;
    let threads = flow.opt_items("threadFlows")?;
    let Some(thread_at) = threads.first() else {
        return Ok(Vec::new());
    };
    let thread = thread_at.obj()?;
    let mut steps = Vec::new();
    for step_at in thread.opt_items("locations")? {
        let step = step_at.obj()?;
        if let Some(loc_at) = step.at("location") {
            let parsed = parse_location(&loc_at, ctx)?;
            steps.push(TraceStep {
                location: parsed.location,
                message: parsed.message,
            });
        }
    }
    Ok(steps)
}

/// The fingerprint to keep: ours if present, else the first key in name
/// order so the choice does not depend on the producer's key order.
fn pick_fingerprint(result: &Obj<'_>) -> Result<Option<String>> {
    for key in ["partialFingerprints", "fingerprints"] {
        let Some(at) = result.at(key) else { continue };
        let map = match at.value {
            Value::Object(map) => map,
            _ => return Err(result.wrong(key, "an object")),
        };
        if let Some(Value::String(fp)) = map.get(FINGERPRINT_KEY)
            && !fp.is_empty()
        {
            return Ok(Some(fp.clone()));
        }
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for k in keys {
            if let Some(Value::String(fp)) = map.get(k)
                && !fp.is_empty()
            {
                return Ok(Some(fp.clone()));
            }
        }
    }
    Ok(None)
}

fn lookup_rule<'c>(
    result: &Obj<'_>,
    ctx: &'c RunContext<'_>,
) -> Result<(Option<String>, Option<&'c RuleInfo>)> {
    let rule_id = result.opt_str("ruleId")?.map(str::to_string);
    let mut index = result.opt_index("ruleIndex")?;
    let mut reference_id = None;
    let mut component = 0;
    let mut index_path = result.path_of("ruleIndex");
    if let Some(rule_at) = result.at("rule") {
        let reference = rule_at.obj()?;
        reference_id = reference.opt_str("id")?.map(str::to_string);
        if index.is_none() {
            index = reference.opt_index("index")?;
            index_path = reference.path_of("index");
        }
        if let Some(tc_at) = reference.at("toolComponent") {
            // A component index counts tool.extensions; 0 here is the driver.
            if let Some(i) = tc_at.obj()?.opt_index("index")? {
                component = i + 1;
            }
        }
    }
    let by_index = match index {
        Some(i) => {
            let rules = ctx.components.get(component).map(|c| c.rules.as_slice());
            match rules.and_then(|r| r.get(i)) {
                Some(rule) => Some(rule),
                None => {
                    return Err(SarifError::Invalid {
                        path: index_path,
                        message: format!(
                            "rule index {i} is out of range ({} rules)",
                            rules.map_or(0, <[RuleInfo]>::len)
                        ),
                    });
                }
            }
        }
        None => None,
    };
    let id = rule_id
        .or(reference_id)
        .or_else(|| by_index.map(|r| r.id.clone()));
    let rule = by_index.or_else(|| {
        let (c, r) = ctx.by_id.get(id.as_deref()?)?;
        ctx.components.get(*c)?.rules.get(*r)
    });
    Ok((id, rule))
}

fn normalize_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn parse_result(
    at: &At<'_>,
    ctx: &RunContext<'_>,
    occurrences: &mut HashMap<(String, String, String), u32>,
) -> Result<Option<Finding>> {
    let result = at.obj()?;
    if matches!(result.opt_str("kind")?, Some("pass" | "notApplicable"))
        || result.opt_str("baselineState")? == Some("absent")
    {
        return Ok(None);
    }
    let (rule_id, rule) = lookup_rule(&result, ctx)?;
    let Some(rule_id) = rule_id else {
        return Err(SarifError::Missing {
            path: result.path_of("ruleId"),
        });
    };
    let message = result_message(&result, rule)?;

    let parsed = match result.opt_items("locations")?.first() {
        Some(loc_at) => parse_location(loc_at, ctx)?,
        None => ParsedLocation {
            location: empty_location(),
            snippet: String::new(),
            message: String::new(),
        },
    };

    let props = result.properties();
    let mut cwe = Vec::new();
    cwes_from_properties(props, &mut cwe);
    if let Some(Value::Array(taxa)) = result.get("taxa") {
        for t in taxa {
            if let Some(c) = cwe_from_reference(t, &ctx.taxonomy_names) {
                push_unique(&mut cwe, c);
            }
        }
    }
    // The rule's CWEs apply only when the result names none of its own.
    if cwe.is_empty()
        && let Some(rule) = rule
    {
        cwe = rule.cwe.clone();
    }

    let level = read_level(&result, "level")?;
    let severity = props
        .and_then(|p| p.get("security-severity"))
        .and_then(severity_from_score)
        .or(rule.and_then(|r| r.security_severity))
        // Bandit's SARIF formatter.
        .or(prop_str(props, "issue_severity").and_then(Severity::from_name))
        .or(level)
        .or(rule.and_then(|r| r.level))
        // SARIF's default level is "warning".
        .unwrap_or(Severity::Medium);
    let confidence = prop_str(props, CONFIDENCE_KEY)
        .and_then(Confidence::from_name)
        .or(prop_str(props, "issue_confidence").and_then(Confidence::from_name))
        .or(prop_str(props, "precision").and_then(confidence_from_precision))
        .or(rule.and_then(|r| r.precision))
        .unwrap_or(Confidence::Medium);

    let path_string = parsed.location.path_string();
    let fingerprint = match pick_fingerprint(&result)? {
        Some(fp) => Fingerprint(fp),
        None => {
            // Without a fingerprint from the producer, derive one the same way
            // secguard does, counting repeats of the same text in the file.
            let text = if parsed.snippet.trim().is_empty() {
                &message
            } else {
                &parsed.snippet
            };
            let key = (rule_id.clone(), path_string.clone(), normalize_ws(text));
            let n = occurrences.entry(key).or_insert(0);
            let fp = Fingerprint::compute(&rule_id, &path_string, text, *n);
            *n += 1;
            fp
        }
    };

    let title = rule
        .and_then(|r| r.title.clone())
        .unwrap_or_else(|| rule_id.clone());
    let analyzer = prop_str(props, ANALYZER_KEY)
        .map(str::to_string)
        .unwrap_or_else(|| ctx.analyzer.clone());

    Ok(Some(Finding {
        rule_id,
        title,
        message,
        cwe,
        severity,
        confidence,
        location: parsed.location,
        snippet: parsed.snippet,
        fingerprint,
        analyzer,
        trace: parse_trace(&result, ctx)?,
        suppression: parse_suppression(&result)?,
        reported_by: props
            .and_then(|p| p.get(REPORTED_BY_KEY))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

fn parse_notification(at: &At<'_>, ctx: &RunContext<'_>) -> Result<Option<Note>> {
    let notification = at.obj()?;
    let kind = notification
        .get("descriptor")
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .and_then(|id| serde_json::from_value::<NoteKind>(Value::String(id.to_string())).ok());
    let Some(kind) = kind else { return Ok(None) };
    let message = message_like_text(&notification, "message")?.unwrap_or_default();
    let locations = notification.opt_items("locations")?;
    let Some(loc_at) = locations.first() else {
        return Ok(None);
    };
    let parsed = parse_location(loc_at, ctx)?;
    if parsed.location.path.as_os_str().is_empty() {
        return Ok(None);
    }
    // Only a region with a start line gives the note a line.
    let line = loc_at
        .value
        .pointer("/physicalLocation/region/startLine")
        .and_then(Value::as_u64)
        .map(|_| parsed.location.start_line);
    Ok(Some(Note {
        path: parsed.location.path,
        kind,
        line,
        message,
    }))
}

fn parse_run(at: &At<'_>, import: &mut SarifImport) -> Result<()> {
    let run = at.obj()?;
    let tool_at = run.req_at("tool")?;
    let tool = tool_at.obj()?;
    let driver_at = tool.req_at("driver")?;
    let driver = driver_at.obj()?;
    let name = driver.req_str("name")?;
    let version = driver
        .opt_str("version")?
        .or(driver.opt_str("semanticVersion")?)
        .unwrap_or("");

    let mut taxonomy_names = Vec::new();
    for tax_at in run.opt_items("taxonomies")? {
        taxonomy_names.push(tax_at.obj()?.opt_str("name")?.map(str::to_string));
    }

    let mut artifact_uris = Vec::new();
    for art_at in run.opt_items("artifacts")? {
        let uri = art_at
            .value
            .get("location")
            .and_then(|l| l.get("uri"))
            .and_then(Value::as_str);
        artifact_uris.push(uri);
    }

    let mut component_ats = vec![driver_at];
    component_ats.extend(tool.opt_items("extensions")?);
    let mut components = Vec::new();
    let mut by_id = HashMap::new();
    for (c, comp_at) in component_ats.iter().enumerate() {
        let comp = comp_at.obj()?;
        let mut rules = Vec::new();
        for (r, rule_at) in comp.opt_items("rules")?.iter().enumerate() {
            let rule = parse_rule(rule_at, &taxonomy_names)?;
            by_id.entry(rule.id.clone()).or_insert((c, r));
            rules.push(rule);
        }
        components.push(Component { rules });
    }

    let ctx = RunContext {
        components,
        by_id,
        taxonomy_names,
        artifact_uris,
        analyzer: name.to_lowercase(),
    };

    let mut occurrences = HashMap::new();
    for result_at in run.opt_items("results")? {
        if let Some(finding) = parse_result(&result_at, &ctx, &mut occurrences)? {
            import.findings.push(finding);
        }
    }

    let mut execution_successful = true;
    for inv_at in run.opt_items("invocations")? {
        let invocation = inv_at.obj()?;
        if invocation.opt_bool("executionSuccessful")? == Some(false) {
            execution_successful = false;
        }
        for note_at in invocation.opt_items("toolExecutionNotifications")? {
            if let Some(note) = parse_notification(&note_at, &ctx)? {
                import.notes.push(note);
            }
        }
    }

    import.runs.push(SarifRunInfo {
        tool: ToolInfo {
            name: name.to_string(),
            version: version.to_string(),
        },
        execution_successful,
    });
    Ok(())
}

/// Read a SARIF 2.1.0 log from any producer into findings.
///
/// The analyzer of each finding is its run's `tool.driver.name` in lower case
/// (or the analyzer secguard recorded, for secguard's own logs). Never
/// panics; malformed input gives a [`SarifError`] naming the JSON path.
pub fn from_sarif(text: &str) -> std::result::Result<SarifImport, SarifError> {
    let root_value: Value = serde_json::from_str(text)?;
    let root_at = At {
        value: &root_value,
        path: "$".to_string(),
    };
    let root = root_at.obj()?;
    let version = root.req_str("version")?;
    if version != SARIF_VERSION {
        return Err(SarifError::UnsupportedVersion {
            path: root.path_of("version"),
            found: version.to_string(),
        });
    }
    // The schema allows `"runs": null`; a missing member is still an error.
    if !root.map.contains_key("runs") {
        return Err(SarifError::Missing {
            path: "runs".into(),
        });
    }
    let mut import = SarifImport {
        findings: Vec::new(),
        notes: Vec::new(),
        runs: Vec::new(),
    };
    for run_at in root.opt_items("runs")? {
        parse_run(&run_at, &mut import)?;
    }
    Ok(import)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_of_ids() {
        assert_eq!(pascal_case("py/sql-injection"), "PySqlInjection");
        assert_eq!(pascal_case("c.strcpy_overflow"), "CStrcpyOverflow");
        assert_eq!(pascal_case(""), "");
    }

    #[test]
    fn uri_encoding_round_trips() {
        for path in [
            "src/a b.py",
            "/abs/C:/x",
            "C:/win/x.c",
            "weird#?%.py",
            "ünï/códe.py",
            "file:rel",
            "",
        ] {
            let loc = Location {
                path: PathBuf::from(path),
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
            };
            let art = artifact_location_json(&loc);
            let uri = art["uri"].as_str().unwrap_or_default();
            assert_eq!(path_from_uri(uri), PathBuf::from(path), "{uri}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn uris_carry_names_that_are_not_utf8_exactly() {
        let at = |raw: &[u8]| Location {
            path: display::path_from_bytes(raw.to_vec()),
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
        };
        for raw in [
            &b"bad\xff.py"[..],
            b"/abs/\xfe\xff/x.c",
            b"back\\slash\n.py",
        ] {
            let loc = at(raw);
            let art = artifact_location_json(&loc);
            let uri = art["uri"].as_str().unwrap_or_default();
            assert!(uri.is_ascii(), "{uri}");
            assert_eq!(path_from_uri(uri), loc.path, "{uri}");
        }
        assert_eq!(
            artifact_location_json(&at(b"bad\xff.py"))["uri"],
            "bad%FF.py"
        );
    }

    #[test]
    fn message_placeholders() {
        let args = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            format_message("{1} then {0} {2} {x", &args),
            "b then a {2} {x"
        );
    }
}
