//! HTML. Every page goes through maud, which escapes every interpolated
//! value; nothing here uses `PreEscaped` on data, so code under review
//! (which may well contain `<script>`) is shown, never run.

use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use secguard_core::agreement::AgreementReport;
use secguard_core::memory::{Memory, MemoryStatus, ScopeChoice};
use secguard_core::review::{Decision, Review, ReviewTarget, format_timestamp};
use secguard_core::{Cwe, Finding, Severity, VerdictKind};
use secguard_store::{AuditEntry, QueueItem, StoredFinding, StoredSample};
use std::collections::{BTreeMap, BTreeSet};

/// Which nav entry is highlighted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Queue,
    History,
    Memories,
    Agreement,
    Audit,
    Export,
    None,
}

const NAV: [(Nav, &str, &str); 6] = [
    (Nav::Queue, "/queue", "Queue"),
    (Nav::History, "/history", "History"),
    (Nav::Memories, "/memories", "Memories"),
    (Nav::Agreement, "/agreement", "Agreement"),
    (Nav::Audit, "/audit", "Audit"),
    (Nav::Export, "/import", "Export"),
];

/// The frame around every page: nav, who is reviewing, flash messages.
pub fn layout(
    state: Option<&AppState>,
    nav: Nav,
    title: &str,
    flash: &[String],
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · secguard review" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header class="top" {
                    a class="brand" href="/queue" { "secguard review" }
                    nav {
                        @for (entry, href, label) in NAV {
                            a href=(href) class=[(entry == nav).then_some("active")] { (label) }
                        }
                    }
                    @if let Some(s) = state {
                        span class="who" {
                            "project " strong { (s.project) }
                            " · acting as " strong id="acting-as" { (s.reviewer) }
                            " " (identity_badge(s))
                        }
                    }
                }
                main {
                    @if !flash.is_empty() {
                        div id="flash" class="flash" role="status" {
                            @for f in flash { p { (f) } }
                        }
                    }
                    h1 { (title) }
                    (body)
                }
                footer { "Press " kbd { "?" } " for keyboard shortcuts." }
                (help_box())
            }
        }
    }
}

fn help_box() -> Markup {
    html! {
        div id="help" class="help" hidden {
            h2 { "Keyboard shortcuts" }
            (shortcut_list())
            p { "Shortcuts are ignored while typing in a field. Press " kbd { "?" } " to close." }
        }
    }
}

fn shortcut_list() -> Markup {
    html! {
        dl class="shortcuts" {
            dt { kbd { "t" } } dd { "true positive (finding)" }
            dt { kbd { "f" } } dd { "false positive (finding)" }
            dt { kbd { "s" } } dd { "secure (sample)" }
            dt { kbd { "i" } } dd { "insecure (sample)" }
            dt { kbd { "j" } " / " kbd { "n" } } dd { "next item in the queue" }
            dt { kbd { "?" } } dd { "show or hide this help" }
        }
    }
}

/// A short page with a status: 401, 403, 404, 400, 413, 500.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let body = html! { p class="message" { (text) } p { a href="/queue" { "Back to the queue" } } };
    (status, layout(None, Nav::None, title, &[], body)).into_response()
}

pub fn severity_badge(s: Severity) -> Markup {
    html! { span class=(format!("badge sev-{}", s.name())) { (s.name()) } }
}

fn verdict_badge(v: VerdictKind) -> Markup {
    match v {
        VerdictKind::Secure => html! { span class="badge verdict-secure" { "secure" } },
        VerdictKind::Insecure => html! { span class="badge verdict-insecure" { "insecure" } },
    }
}

fn decision_badge(d: Decision) -> Markup {
    let class = if d.says_insecure() {
        "badge decision-insecure"
    } else {
        "badge decision-secure"
    };
    html! { span class=(class) { (d.as_str().replace('_', " ")) } }
}

pub fn cwes(list: &[Cwe]) -> String {
    list.iter()
        .map(Cwe::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The analyzers behind a finding: the merged sources, or the one that
/// reported it.
pub fn analyzers_of(f: &Finding) -> Vec<String> {
    if f.reported_by.is_empty() {
        vec![f.analyzer.clone()]
    } else {
        f.reported_by.clone()
    }
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn finding_href(fingerprint: &str) -> String {
    format!("/finding/{}", encode_segment(fingerprint))
}

pub fn sample_href(path: &str) -> String {
    let q = serde_urlencoded::to_string([("path", path)]).unwrap_or_default();
    format!("/sample?{q}")
}

pub fn target_href(t: &ReviewTarget) -> String {
    match t {
        ReviewTarget::Finding { fingerprint } => finding_href(fingerprint),
        ReviewTarget::Sample { path } => sample_href(path),
    }
}

fn target_label(t: &ReviewTarget) -> String {
    match t {
        ReviewTarget::Finding { fingerprint } => {
            format!("finding {}", &fingerprint[..fingerprint.len().min(12)])
        }
        ReviewTarget::Sample { path } => format!("sample {path}"),
    }
}

fn location(f: &Finding) -> String {
    format!("{}:{}", f.location.path_string(), f.location.start_line)
}

pub fn queue_page(state: &AppState, items: &[QueueItem], flash: &[String]) -> Markup {
    let body = html! {
        @if items.is_empty() {
            p class="empty" { "Nothing left to review. New scans add findings to this queue." }
        } @else {
            p { (items.len()) " open item(s), highest severity first. Press " kbd { "j" } " to start." }
            @if let Some(first) = items.first() {
                a id="next" class="hidden-link" href=(target_href(&first.target())) { "first item" }
            }
            table class="queue" {
                thead { tr { th { "Severity" } th { "Rule" } th { "CWE" } th { "Location" } th { "Analyzers" } th { "Message" } } }
                tbody {
                    @for item in items {
                        @match item {
                            QueueItem::Finding(sf) => {
                                @let f = &sf.finding;
                                tr {
                                    td { (severity_badge(f.severity)) }
                                    td { a href=(finding_href(&f.fingerprint.0)) { (f.rule_id) } }
                                    td { (cwes(&f.cwe)) }
                                    td class="mono" { (location(f)) }
                                    td { (analyzers_of(f).join(", ")) }
                                    td { (f.message) }
                                }
                            }
                            QueueItem::Sample(s) => {
                                tr {
                                    td { @if let Some(v) = &s.verdict { (verdict_badge(v.verdict)) } @else { "—" } }
                                    td { a href=(sample_href(&s.path)) { "sample verdict" } }
                                    td { @if let Some(v) = &s.verdict { (cwes(&v.cwes)) } }
                                    td class="mono" { (s.path) }
                                    td { @if let Some(v) = &s.verdict { (v.analyzers.keys().cloned().collect::<Vec<_>>().join(", ")) } }
                                    td { "Is this sample secure?" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(Some(state), Nav::Queue, "Review queue", flash, body)
}

/// The code with line numbers; `strong` lines highlighted, `light` ones
/// marked.
fn code_view(content: Option<&str>, strong: &BTreeSet<u32>, light: &BTreeSet<u32>) -> Markup {
    html! {
        @match content {
            None => p class="empty" { "The code of this sample was not stored (binary, too large, or not kept by the scan)." },
            Some(code) => {
                table class="code" {
                    tbody {
                        @for (i, line) in code.lines().enumerate() {
                            @let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
                            tr id=(format!("L{n}")) class=[if strong.contains(&n) { Some("hl") } else if light.contains(&n) { Some("other") } else { None }] {
                                td class="ln" { (n) }
                                td class="src" { pre { (line) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn lines_of(f: &Finding) -> impl Iterator<Item = u32> {
    let start = f.location.start_line;
    let end = f.location.end_line.max(start);
    start..=end
}

fn reviews_table(reviews: &[Review], link: bool) -> Markup {
    html! {
        @if reviews.is_empty() {
            p class="empty" { "No reviews yet." }
        } @else {
            table class="reviews" {
                thead { tr { th { "#" } th { "When" } th { "Reviewer" } @if link { th { "Item" } } th { "Decision" } th { "CWE" } th { "Severity" } th { "Note" } } }
                tbody {
                    @for r in reviews {
                        tr {
                            td { (r.id) }
                            td class="mono" { (format_timestamp(r.created_at)) }
                            td { (r.reviewer) }
                            @if link { td { a href=(target_href(&r.target)) { (target_label(&r.target)) } } }
                            td { (decision_badge(r.decision)) }
                            td { (cwes(&r.cwe)) }
                            td { @if let Some(s) = r.severity { (severity_badge(s)) } }
                            td class="note" { (r.note) }
                        }
                    }
                }
            }
        }
    }
}

fn severity_options() -> Markup {
    html! {
        option value="" { "unchanged" }
        @for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] {
            option value=(s.name()) { (s.name()) }
        }
    }
}

/// What the finding page shows.
pub struct FindingPage {
    pub stored: StoredFinding,
    pub sample: Option<StoredSample>,
    pub sample_findings: Vec<StoredFinding>,
    pub reviews: Vec<Review>,
    pub memories: Vec<Memory>,
    pub next: Option<String>,
}

pub fn finding_page(state: &AppState, page: &FindingPage, flash: &[String]) -> Markup {
    let f = &page.stored.finding;
    let own: BTreeSet<u32> = lines_of(f).collect();
    let others: BTreeSet<u32> = page
        .sample_findings
        .iter()
        .filter(|o| o.finding.fingerprint != f.fingerprint)
        .flat_map(|o| lines_of(&o.finding))
        .collect();
    // Each analyzer, its verdict on the sample, and what it reported here.
    let mut analyzers: BTreeMap<String, (Option<VerdictKind>, Vec<&Finding>)> = BTreeMap::new();
    if let Some(v) = page.sample.as_ref().and_then(|s| s.verdict.as_ref()) {
        for (name, kind) in &v.analyzers {
            analyzers.entry(name.clone()).or_default().0 = Some(*kind);
        }
    }
    for name in analyzers_of(f) {
        analyzers.entry(name).or_default();
    }
    // A single-analyzer scan records no per-analyzer votes: its verdict on
    // the sample is the sample's verdict.
    if let Some(v) = page.sample.as_ref().and_then(|s| s.verdict.as_ref())
        && v.analyzers.is_empty()
        && analyzers.len() == 1
        && let Some(entry) = analyzers.values_mut().next()
    {
        entry.0 = Some(v.verdict);
    }
    for o in &page.sample_findings {
        let overlaps = lines_of(&o.finding).any(|n| own.contains(&n));
        for name in analyzers_of(&o.finding) {
            let entry = analyzers.entry(name).or_default();
            if overlaps {
                entry.1.push(&o.finding);
            }
        }
    }
    let title = format!("{} at {}", f.rule_id, location(f));
    let code = page.sample.as_ref().and_then(|s| s.content.as_deref());
    let body = html! {
        div class="item" {
            section class="code-pane" {
                h2 { "Code " span class="mono" { (f.location.path_string()) } }
                @if page.sample.is_none() {
                    p class="empty" { "This sample is not in the store." }
                } @else {
                    (code_view(code, &own, &others))
                }
                p class="legend" { span class="key hl" { "this finding" } " " span class="key other" { "other findings in the file" } }
            }
            section class="side" {
                (finding_details(&page.stored))
                h2 { "Analyzers" }
                table class="analyzers" {
                    thead { tr { th { "Analyzer" } th { "Verdict on the sample" } th { "Findings at these lines" } } }
                    tbody {
                        @for (name, (verdict, here)) in &analyzers {
                            tr {
                                td { (name) }
                                td { @if let Some(v) = verdict { (verdict_badge(*v)) } @else { "—" } }
                                td {
                                    @if here.is_empty() { "none" }
                                    @for h in here {
                                        a href=(finding_href(&h.fingerprint.0)) class=[(h.fingerprint == f.fingerprint).then_some("self")] { (h.rule_id) } " "
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(r) = &page.stored.rationale {
                    h2 { "LLM rationale" }
                    p class="rationale" { (r) }
                }
                h2 { "Decision" }
                (finding_form(state, &f.fingerprint.0))
                p class="shortcut-hint" { kbd { "t" } " true positive · " kbd { "f" } " false positive · " kbd { "j" } " next · " kbd { "?" } " help" }
                @if let Some(next) = &page.next {
                    p { a id="next" href=(next) { "Next item →" } }
                }
            }
        }
        h2 { "Earlier reviews of this finding" }
        (reviews_table(&page.reviews, false))
        h2 { "Memories that apply here" }
        @if page.memories.is_empty() {
            p class="empty" { "No live memory matches this finding." }
        } @else {
            (memories_table(state, &page.memories, false))
        }
    };
    layout(Some(state), Nav::Queue, &title, flash, body)
}

fn finding_details(sf: &StoredFinding) -> Markup {
    let f = &sf.finding;
    html! {
        dl class="details" {
            dt { "Rule" } dd class="mono" { (f.rule_id) }
            dt { "Title" } dd { (f.title) }
            dt { "CWE" } dd { (cwes(&f.cwe)) }
            dt { "Severity" } dd { (severity_badge(f.severity)) }
            dt { "Confidence" } dd { (f.confidence.name()) }
            dt { "Reported by" } dd { (analyzers_of(f).join(", ")) }
            dt { "Lines" } dd { (f.location.start_line) "–" (f.location.end_line) }
            dt { "Status" } dd {
                @if sf.open { "open" } @else { "no longer reported" }
                @if let Some(s) = &f.suppression {
                    " · suppressed (" (s.kind.sarif_name()) "): " (s.justification)
                    @if let Some(by) = &s.by { " — " (by) }
                }
            }
            dt { "Message" } dd { (f.message) }
            @if !f.snippet.is_empty() {
                dt { "Snippet" } dd { pre class="snippet" { (f.snippet) } }
            }
            dt { "Fingerprint" } dd class="mono" { (f.fingerprint.0) }
        }
        @if !f.trace.is_empty() {
            h2 { "Trace" }
            ol class="trace" {
                @for step in &f.trace {
                    li { a href=(format!("#L{}", step.location.start_line)) class="mono" { "line " (step.location.start_line) } " " (step.message) }
                }
            }
        }
    }
}

fn csrf_field(state: &AppState) -> Markup {
    html! { input type="hidden" name="csrf" value=(state.csrf.as_deref().unwrap_or("")); }
}

/// Whether this server's decisions are signed (they count toward hiding
/// high or critical findings) or not.
fn identity_badge(state: &AppState) -> Markup {
    html! {
        @match &state.signer {
            Some(k) => span class="badge" title=(format!("ed25519 key {}", k.public_key())) { "signed" },
            None => span class="badge warn" title="no reviewer key: decisions are recorded but never count toward hiding high or critical findings" { "unsigned" },
        }
    }
}

/// Who decides: the identity that started the server, never a form field.
fn reviewer_field(state: &AppState) -> Markup {
    html! {
        p class="who" { "Deciding as " strong { (state.reviewer) } " " (identity_badge(state)) }
    }
}

fn finding_form(state: &AppState, fingerprint: &str) -> Markup {
    html! {
        form class="decision" method="post" action="/review" {
            (csrf_field(state))
            input type="hidden" name="fingerprint" value=(fingerprint);
            (reviewer_field(state))
            label for="cwe" { "Corrected CWE (blank: the finding's are right)" }
            input id="cwe" name="cwe" type="text" placeholder="CWE-89";
            label for="severity" { "Corrected severity" }
            select id="severity" name="severity" { (severity_options()) }
            label for="scope" { "Remember this for" }
            select id="scope" name="scope" {
                @for c in ScopeChoice::ALL {
                    option value=(c.as_str()) selected[c == ScopeChoice::default()] { (c.describe()) }
                }
            }
            label for="path_glob" { "Only in paths matching (optional glob, e.g. tests/**)" }
            input id="path_glob" name="path_glob" type="text" placeholder="tests/**";
            label for="note" { "Note (why; becomes the memory's condition)" }
            textarea id="note" name="note" rows="3" {}
            label for="corrected_code" { "Corrected code (optional)" }
            textarea id="corrected_code" name="corrected_code" rows="4" class="mono" {}
            div class="buttons" {
                button id="decision-tp" type="submit" name="decision" value="true_positive" class="tp" { "True positive" }
                button id="decision-fp" type="submit" name="decision" value="false_positive" class="fp" { "False positive" }
            }
        }
    }
}

/// What the sample page shows.
pub struct SamplePage {
    pub sample: StoredSample,
    pub findings: Vec<StoredFinding>,
    pub reviews: Vec<Review>,
    pub next: Option<String>,
}

pub fn sample_page(state: &AppState, page: &SamplePage, flash: &[String]) -> Markup {
    let s = &page.sample;
    let marked: BTreeSet<u32> = page
        .findings
        .iter()
        .flat_map(|f| lines_of(&f.finding))
        .collect();
    let mut per_analyzer: BTreeMap<String, (Option<VerdictKind>, usize)> = BTreeMap::new();
    if let Some(v) = &s.verdict {
        for (name, kind) in &v.analyzers {
            per_analyzer.entry(name.clone()).or_default().0 = Some(*kind);
        }
    }
    for f in &page.findings {
        for name in analyzers_of(&f.finding) {
            per_analyzer.entry(name).or_default().1 += 1;
        }
    }
    let title = format!("Sample {}", s.path);
    let body = html! {
        div class="item" {
            section class="code-pane" {
                h2 { "Code" @if let Some(l) = &s.language { " (" (l) ")" } }
                (code_view(s.content.as_deref(), &marked, &BTreeSet::new()))
            }
            section class="side" {
                h2 { "Verdict" }
                @if let Some(v) = &s.verdict {
                    p {
                        (verdict_badge(v.verdict)) " "
                        (v.finding_count) " finding(s), " (v.suppressed_count) " suppressed"
                        @if !v.cwes.is_empty() { " · " (cwes(&v.cwes)) }
                        @if let Some(score) = v.score { " · insecure vote " (format!("{:.0}%", score * 100.0)) }
                    }
                } @else {
                    p class="empty" { "No verdict was recorded." }
                }
                h2 { "Analyzers" }
                @if per_analyzer.is_empty() {
                    p class="empty" { "No analyzer reported anything." }
                } @else {
                    table class="analyzers" {
                        thead { tr { th { "Analyzer" } th { "Verdict" } th { "Findings" } } }
                        tbody {
                            @for (name, (verdict, count)) in &per_analyzer {
                                tr {
                                    td { (name) }
                                    td { @if let Some(v) = verdict { (verdict_badge(*v)) } @else { "—" } }
                                    td { (count) }
                                }
                            }
                        }
                    }
                }
                h2 { "Decision" }
                form class="decision" method="post" action="/review" {
                    (csrf_field(state))
                    input type="hidden" name="path" value=(s.path);
                    (reviewer_field(state))
                    label for="cwe" { "CWEs the sample has (for insecure)" }
                    input id="cwe" name="cwe" type="text" placeholder="CWE-89, CWE-79";
                    label for="note" { "Note" }
                    textarea id="note" name="note" rows="3" {}
                    div class="buttons" {
                        button id="decision-secure" type="submit" name="decision" value="secure" class="fp" { "Secure" }
                        button id="decision-insecure" type="submit" name="decision" value="insecure" class="tp" { "Insecure" }
                    }
                }
                p class="shortcut-hint" { kbd { "s" } " secure · " kbd { "i" } " insecure · " kbd { "j" } " next · " kbd { "?" } " help" }
                @if let Some(next) = &page.next {
                    p { a id="next" href=(next) { "Next item →" } }
                }
            }
        }
        h2 { "Findings in this sample" }
        @if page.findings.is_empty() {
            p class="empty" { "None." }
        } @else {
            table class="queue" {
                thead { tr { th { "Severity" } th { "Rule" } th { "CWE" } th { "Line" } th { "Analyzers" } th { "Message" } } }
                tbody {
                    @for sf in &page.findings {
                        @let f = &sf.finding;
                        tr {
                            td { (severity_badge(f.severity)) }
                            td { a href=(finding_href(&f.fingerprint.0)) { (f.rule_id) } }
                            td { (cwes(&f.cwe)) }
                            td { a href=(format!("#L{}", f.location.start_line)) { (f.location.start_line) } }
                            td { (analyzers_of(f).join(", ")) }
                            td { (f.message) }
                        }
                    }
                }
            }
        }
        h2 { "Earlier reviews of this sample" }
        (reviews_table(&page.reviews, false))
    };
    layout(Some(state), Nav::Queue, &title, flash, body)
}

pub fn history_page(
    state: &AppState,
    reviews: &[Review],
    reviewer: Option<&str>,
    flash: &[String],
) -> Markup {
    let body = html! {
        form class="filter" method="get" action="/history" {
            label for="filter-reviewer" { "Reviewer" }
            input id="filter-reviewer" name="reviewer" type="text" value=(reviewer.unwrap_or(""));
            button type="submit" { "Filter" }
            @if reviewer.is_some() { " " a href="/history" { "show all" } }
        }
        p { (reviews.len()) " review(s), newest first." }
        (reviews_table(reviews, true))
    };
    layout(Some(state), Nav::History, "Review history", flash, body)
}

fn memories_table(state: &AppState, memories: &[Memory], actions: bool) -> Markup {
    html! {
        table class="memories" {
            thead { tr { th { "#" } th { "Scope" } th { "Condition" } th { "Implication" } th { "Trust" } th { "Reviewers" } th { "Status" } @if actions { th { "Revoke" } } } }
            tbody {
                @for m in memories {
                    tr id=(format!("memory-{}", m.id)) class=[(!m.conflicts_with.is_empty()).then_some("conflict")] {
                        td { (m.id) }
                        td { (m.scope.describe()) }
                        td class="note" { (m.condition) }
                        td {
                            (m.implication.describe())
                            @if m.implication.hides(Severity::High) && !m.may_hide(Severity::High) {
                                " " span class="badge warn" { "needs a second reviewer to hide high/critical" }
                            }
                        }
                        td class="mono" { (format!("{:.2}", m.trust)) }
                        td {
                            (m.reviewers.join(", "))
                            @if m.admin_approved { " (admin)" }
                            @if !m.verified_reviewers.is_empty() { br; span class="badge" { "verified: " (m.verified_reviewers.join(", ")) } }
                        }
                        td {
                            @match m.status {
                                MemoryStatus::Active => { @if m.is_trusted() { "active" } @else { "active, below the trust threshold" } }
                                MemoryStatus::Revoked => span class="badge revoked" { "revoked" },
                                MemoryStatus::Pending => span class="badge warn" title="imported without a verified signature: shown, never applied, until a verified reviewer confirms it" { "pending" },
                            }
                            @if !m.conflicts_with.is_empty() {
                                br;
                                span class="badge conflict" { "conflicts with" }
                                @for c in &m.conflicts_with { " " a href=(format!("/memories#memory-{c}")) { "#" (c) } }
                            }
                        }
                        @if actions {
                            td {
                                @if m.is_live() {
                                    form class="inline" method="post" action=(format!("/memories/{}/revoke", m.id)) {
                                        (csrf_field(state))
                                        input type="text" name="reason" required placeholder="reason" aria-label="reason";
                                        button type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn memories_page(state: &AppState, memories: &[Memory], flash: &[String]) -> Markup {
    let body = html! {
        p {
            "What reviews taught secguard. A memory is applied to later scans while it is active and its trust is at least "
            (format!("{:.2}", secguard_core::memory::TRUST_APPLY_THRESHOLD))
            "; conflicting memories are never applied where both match."
        }
        @if memories.is_empty() {
            p class="empty" { "No memories yet: they come from finding decisions." }
        } @else {
            (memories_table(state, memories, true))
        }
    };
    layout(Some(state), Nav::Memories, "Memories", flash, body)
}

pub fn agreement_page(state: &AppState, report: &AgreementReport) -> Markup {
    let body = html! {
        p {
            (report.reviewers.len()) " reviewer(s): " (report.reviewers.join(", ")) ". "
            (report.items) " item(s) reviewed, " (report.multiply_rated) " by two or more reviewers."
        }
        p class="explain" {
            "Kappa corrects agreement for chance: 1 is perfect agreement, 0 is what chance alone gives, below 0 is worse than chance. "
            "Roughly, above 0.8 is strong, 0.6–0.8 substantial, 0.4–0.6 moderate. It is undefined when the raters used one and the same label throughout."
        }
        h2 { "Cohen's kappa per pair" }
        @if report.pairs.is_empty() {
            p class="empty" { "No two reviewers have reviewed the same item yet." }
        } @else {
            table class="agreement" {
                thead { tr { th { "Reviewer A" } th { "Reviewer B" } th { "Shared items" } th { "Observed agreement" } th { "Kappa" } } }
                tbody {
                    @for p in &report.pairs {
                        tr {
                            td { (p.a) } td { (p.b) } td { (p.items) }
                            td { (format!("{:.1}%", p.observed * 100.0)) }
                            td class="mono" { (kappa(p.kappa)) }
                        }
                    }
                }
            }
        }
        h2 { "Fleiss' kappa" }
        @match &report.fleiss {
            Some(g) => p { (kappa(g.kappa)) " over " (g.items) " item(s) with " (g.raters_per_item) " ratings each." },
            None => p class="empty" { "Needs items rated by three or more reviewers." },
        }
    };
    layout(
        Some(state),
        Nav::Agreement,
        "Agreement between reviewers",
        &[],
        body,
    )
}

fn kappa(k: Option<f64>) -> String {
    k.map_or_else(|| "undefined".to_string(), |k| format!("{k:.3}"))
}

pub fn audit_page(state: &AppState, entries: &[AuditEntry]) -> Markup {
    let body = html! {
        p { "The append-only log of every change, newest first (at most 500)." }
        @if entries.is_empty() {
            p class="empty" { "Nothing yet." }
        } @else {
            table class="audit" {
                thead { tr { th { "#" } th { "When" } th { "Actor" } th { "Action" } th { "Subject" } th { "Detail" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (e.id) }
                            td class="mono" { (format_timestamp(e.at)) }
                            td { (e.actor) }
                            td class="mono" { (e.action) }
                            td class="mono" { (e.subject) }
                            td class="mono detail" { (e.detail.to_string()) }
                        }
                    }
                }
            }
        }
    };
    layout(Some(state), Nav::Audit, "Audit log", &[], body)
}

pub fn import_page(state: &AppState, flash: &[String], error: Option<&str>, data: &str) -> Markup {
    let body = html! {
        h2 { "Export" }
        p {
            "Every review of this project as labels: "
            a href="/export.csv" { "CSV" } " or " a href="/export.jsonl" { "JSON lines" } "."
        }
        h2 { "Import" }
        p { "Paste labels exported by secguard (CSV with its header, or JSON lines). Each becomes a review here." }
        @if let Some(e) = error {
            p id="import-error" class="error" { (e) }
        }
        form class="import" method="post" action="/import" {
            (csrf_field(state))
            label for="format" { "Format" }
            select id="format" name="format" {
                option value="csv" { "CSV" }
                option value="jsonl" { "JSON lines" }
            }
            label for="data" { "Labels" }
            textarea id="data" name="data" rows="12" class="mono" { (data) }
            div class="buttons" { button type="submit" { "Import" } }
        }
    };
    layout(
        Some(state),
        Nav::Export,
        "Export and import labels",
        flash,
        body,
    )
}
