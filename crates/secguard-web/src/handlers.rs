//! Routes and handlers. Store calls are blocking (SQLite), so each runs in
//! `spawn_blocking`; a handler answers only after the store returned, so a
//! page that says "saved" means the change is committed.

use crate::views::{self, FindingPage, SamplePage};
use crate::{AppState, security};
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use secguard_core::Cwe;
use secguard_core::Severity;
use secguard_core::memory::{FindingFacts, ScopeChoice};
use secguard_core::review::{Decision, ReviewTarget};
use secguard_store::{
    NewReview, QueueFilter, QueueItem, ReviewFilter, Store, StoreError, StoreResult, labels,
};
use serde::Deserialize;
use std::sync::Arc;

type AppStateRef = Arc<AppState>;

pub fn routes(state: AppStateRef) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .route("/", get(queue))
        .route("/queue", get(queue))
        .route("/finding/{fingerprint}", get(finding))
        .route("/sample", get(sample_by_query))
        .route("/sample/{*path}", get(sample_by_path))
        .route("/review", post(review))
        .route("/history", get(history))
        .route("/memories", get(memories))
        .route("/memories/{id}/revoke", post(revoke))
        .route("/agreement", get(agreement))
        .route("/audit", get(audit))
        .route("/export.csv", get(export_csv))
        .route("/export.jsonl", get(export_jsonl))
        .route("/import", get(import_form).post(import))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .layer(axum::middleware::map_response(security::security_headers))
        .with_state(state)
}

/// A failed request, rendered as a short page with its (escaped) message.
pub struct AppError {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl AppError {
    fn bad_request(message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::BAD_REQUEST,
            title: "Cannot do that",
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Store error",
            message: message.into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Invalid(_) => AppError::bad_request(e.to_string()),
            StoreError::NotFound(_) => AppError::not_found(e.to_string()),
            _ => AppError::internal(e.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        views::message(self.status, self.title, &self.message)
    }
}

type PageResult = Result<Response, AppError>;

/// Runs a store call off the async threads.
async fn with_store<T, F>(state: &AppStateRef, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
{
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| AppError::internal(format!("the store call did not finish: {e}")))?
        .map_err(AppError::from)
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Flash messages from the query a redirect after a change carries. Only
/// numbers are taken from it, so a crafted link cannot put words on a page.
fn flash(pairs: &[(String, String)]) -> Vec<String> {
    let num = |name: &str| param(pairs, name).and_then(|v| v.parse::<i64>().ok());
    let mut out = Vec::new();
    if let Some(id) = num("saved") {
        out.push(format!("Saved review #{id}."));
    }
    if let Some(id) = num("memory") {
        out.push(format!("It created memory #{id}."));
    }
    if let Some(id) = num("strengthened") {
        out.push(format!("It strengthened memory #{id}."));
    }
    if let Some(n) = num("trust") {
        out.push(format!(
            "It updated the trust of {n} matching memor{}.",
            if n == 1 { "y" } else { "ies" }
        ));
    }
    if let Some(list) = param(pairs, "conflicts") {
        let ids: Vec<String> = list
            .split(',')
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .map(|id| format!("#{id}"))
            .collect();
        if !ids.is_empty() {
            out.push(format!(
                "It conflicts with memory {}; both are flagged on the Memories page.",
                ids.join(", ")
            ));
        }
    }
    if let Some(id) = num("revoked") {
        out.push(format!("Revoked memory #{id}."));
    }
    if let Some(n) = num("imported") {
        out.push(format!("Imported {n} label(s)."));
    }
    out
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// `href` with more query parameters.
fn with_query(href: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return href.to_string();
    }
    let q = serde_urlencoded::to_string(params).unwrap_or_default();
    let sep = if href.contains('?') { '&' } else { '?' };
    format!("{href}{sep}{q}")
}

fn queue_filter(state: &AppState, limit: usize) -> QueueFilter {
    QueueFilter {
        project: Some(state.project.clone()),
        reviewer: Some(state.reviewer.clone()),
        samples: true,
        limit,
    }
}

/// The first open item other than `current`.
fn next_item(
    store: &dyn Store,
    filter: &QueueFilter,
    current: &ReviewTarget,
) -> StoreResult<Option<String>> {
    let items = store.queue(filter)?;
    let pos = items.iter().position(|i| &i.target() == current);
    // After the current one when it is still queued, else the first.
    let next = match pos {
        Some(p) => items
            .get(p + 1)
            .or_else(|| items.iter().find(|i| &i.target() != current)),
        None => items.first(),
    };
    Ok(next.map(|i| views::target_href(&i.target())))
}

async fn queue(State(state): State<AppStateRef>, RawQuery(raw): RawQuery) -> PageResult {
    let filter = queue_filter(&state, 200);
    let items: Vec<QueueItem> = with_store(&state, move |s| s.queue(&filter)).await?;
    let pairs = query_pairs(raw.as_deref());
    Ok(views::queue_page(&state, &items, &flash(&pairs)).into_response())
}

async fn finding(
    State(state): State<AppStateRef>,
    Path(fingerprint): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let project = state.project.clone();
    let filter = queue_filter(&state, 1000);
    let page = with_store(&state, move |s| {
        let Some(stored) = s.finding(&project, &fingerprint)? else {
            return Ok(None);
        };
        let path = stored.finding.location.path_string();
        let sample = s.sample(&project, &path)?;
        let sample_findings = s.sample_findings(&project, &path)?;
        let target = ReviewTarget::Finding {
            fingerprint: fingerprint.clone(),
        };
        let reviews = s.reviews(&ReviewFilter {
            project: Some(project.clone()),
            target: Some(target.clone()),
            ..ReviewFilter::default()
        })?;
        let facts = FindingFacts::of(&stored.finding);
        let memories = s
            .memories(false)?
            .into_iter()
            .filter(|m| m.scope.matches(&project, &facts))
            .collect();
        let next = next_item(s, &filter, &target)?;
        Ok(Some(FindingPage {
            stored,
            sample,
            sample_findings,
            reviews,
            memories,
            next,
        }))
    })
    .await?;
    let page = page.ok_or_else(|| AppError::not_found("No such finding in this project."))?;
    let pairs = query_pairs(raw.as_deref());
    Ok(views::finding_page(&state, &page, &flash(&pairs)).into_response())
}

async fn sample_by_query(State(state): State<AppStateRef>, RawQuery(raw): RawQuery) -> PageResult {
    let pairs = query_pairs(raw.as_deref());
    let path = param(&pairs, "path")
        .ok_or_else(|| AppError::bad_request("Which sample? Pass ?path=..."))?
        .to_string();
    sample_page(state, path, &pairs).await
}

async fn sample_by_path(
    State(state): State<AppStateRef>,
    Path(path): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs = query_pairs(raw.as_deref());
    sample_page(state, path, &pairs).await
}

async fn sample_page(state: AppStateRef, path: String, pairs: &[(String, String)]) -> PageResult {
    let project = state.project.clone();
    let filter = queue_filter(&state, 1000);
    let page = with_store(&state, move |s| {
        let Some(sample) = s.sample(&project, &path)? else {
            return Ok(None);
        };
        let findings = s.sample_findings(&project, &path)?;
        let target = ReviewTarget::Sample { path: path.clone() };
        let reviews = s.reviews(&ReviewFilter {
            project: Some(project.clone()),
            target: Some(target.clone()),
            ..ReviewFilter::default()
        })?;
        let next = next_item(s, &filter, &target)?;
        Ok(Some(SamplePage {
            sample,
            findings,
            reviews,
            next,
        }))
    })
    .await?;
    let page = page.ok_or_else(|| AppError::not_found("No such sample in this project."))?;
    Ok(views::sample_page(&state, &page, &flash(pairs)).into_response())
}

/// The decision form of the finding and sample pages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    fingerprint: Option<String>,
    path: Option<String>,
    // No `reviewer`: the server decides as the identity that started it,
    // and a posted `reviewer=` is ignored like any unknown field.
    decision: String,
    cwe: String,
    severity: String,
    scope: String,
    #[serde(default)]
    path_glob: String,
    note: String,
    corrected_code: String,
}

/// `CWE-89`, `89`, `cwe-89; CWE-79`, `CWE 89, CWE 79`.
pub fn parse_cwes(text: &str) -> Result<Vec<Cwe>, String> {
    let mut out = Vec::new();
    let mut pending_prefix = false;
    for token in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        if token.eq_ignore_ascii_case("cwe") {
            pending_prefix = true;
            continue;
        }
        pending_prefix = false;
        let cwe = Cwe::parse(token)
            .ok_or_else(|| format!("'{token}' is not a CWE (write it like CWE-89 or 89)"))?;
        if !out.contains(&cwe) {
            out.push(cwe);
        }
    }
    if pending_prefix {
        return Err("'CWE' without a number".to_string());
    }
    Ok(out)
}

fn new_review(state: &AppState, form: ReviewForm) -> Result<NewReview, AppError> {
    let reviewer = state.reviewer.clone();
    let decision: Decision = form
        .decision
        .parse()
        .map_err(|e: String| AppError::bad_request(e))?;
    let target = match (form.fingerprint, form.path) {
        (Some(fp), None) if !fp.is_empty() => ReviewTarget::Finding { fingerprint: fp },
        (None, Some(path)) if !path.is_empty() => ReviewTarget::Sample { path },
        _ => {
            return Err(AppError::bad_request(
                "The form names neither one finding nor one sample.",
            ));
        }
    };
    if !decision.fits(&target) {
        return Err(AppError::bad_request(format!(
            "'{decision}' is not a decision about a {}.",
            target.kind()
        )));
    }
    let cwe = parse_cwes(&form.cwe).map_err(AppError::bad_request)?;
    let severity = match form.severity.trim() {
        "" => None,
        name => Some(Severity::from_name(name).ok_or_else(|| {
            AppError::bad_request(format!(
                "unknown severity '{name}' (expected critical, high, medium, low or info)"
            ))
        })?),
    };
    let scope = match form.scope.trim() {
        "" => ScopeChoice::default(),
        name => ScopeChoice::parse(name)
            .ok_or_else(|| AppError::bad_request(format!("unknown scope '{name}'")))?,
    };
    let corrected_code = Some(form.corrected_code).filter(|c| !c.trim().is_empty());
    Ok(NewReview {
        project: state.project.clone(),
        target,
        reviewer,
        decision,
        cwe,
        severity,
        note: form.note.trim().to_string(),
        corrected_code,
        scope,
        path_glob: Some(form.path_glob.trim().to_string()).filter(|g| !g.is_empty()),
        created_at: None,
        signature: None,
        imported: false,
    })
}

async fn review(
    State(state): State<AppStateRef>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|e| AppError::bad_request(e.body_text()))?;
    let new = new_review(&state, form)?;
    let target = new.target.clone();
    let filter = queue_filter(&state, 1000);
    let signer = state.signer.clone();
    let (outcome, next) = with_store(&state, move |s| {
        let mut new = new;
        if let Some(k) = &signer {
            secguard_store::sign_review(s, &mut new, k)?;
        }
        let outcome = s.add_review(&new)?;
        // The queue is read after the commit; a failure here must not hide
        // that the review was saved, so it falls back to the queue page.
        let next = next_item(s, &filter, &target).unwrap_or(None);
        Ok((outcome, next))
    })
    .await?;
    let mut params = vec![("saved", outcome.review.id.to_string())];
    if let Some(id) = outcome.memory_created {
        params.push(("memory", id.to_string()));
    }
    if let Some(id) = outcome.memory_strengthened {
        params.push(("strengthened", id.to_string()));
    }
    if !outcome.trust_updates.is_empty() {
        params.push(("trust", outcome.trust_updates.len().to_string()));
    }
    if !outcome.conflicts.is_empty() {
        let ids: Vec<String> = outcome.conflicts.iter().map(i64::to_string).collect();
        params.push(("conflicts", ids.join(",")));
    }
    let base = next.unwrap_or_else(|| "/queue".to_string());
    Ok(redirect(&with_query(&base, &params)))
}

async fn history(State(state): State<AppStateRef>, RawQuery(raw): RawQuery) -> PageResult {
    let pairs = query_pairs(raw.as_deref());
    let reviewer = param(&pairs, "reviewer")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let filter = ReviewFilter {
        project: Some(state.project.clone()),
        reviewer: reviewer.clone(),
        target: None,
        limit: Some(500),
    };
    let mut reviews = with_store(&state, move |s| s.reviews(&filter)).await?;
    reviews.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    Ok(views::history_page(&state, &reviews, reviewer.as_deref(), &flash(&pairs)).into_response())
}

async fn memories(State(state): State<AppStateRef>, RawQuery(raw): RawQuery) -> PageResult {
    let memories = with_store(&state, |s| s.memories(true)).await?;
    let pairs = query_pairs(raw.as_deref());
    Ok(views::memories_page(&state, &memories, &flash(&pairs)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevokeForm {
    reason: String,
}

async fn revoke(
    State(state): State<AppStateRef>,
    Path(id): Path<String>,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|e| AppError::bad_request(e.body_text()))?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::bad_request(format!("'{id}' is not a memory id")))?;
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        return Err(AppError::bad_request("Say why the memory is revoked."));
    }
    let actor = state.reviewer.clone();
    let memory = with_store(&state, move |s| s.revoke_memory(id, &actor, &reason)).await?;
    Ok(redirect(&format!(
        "/memories?revoked={}#memory-{}",
        memory.id, memory.id
    )))
}

fn all_reviews(state: &AppState) -> ReviewFilter {
    ReviewFilter {
        project: Some(state.project.clone()),
        ..ReviewFilter::default()
    }
}

async fn agreement(State(state): State<AppStateRef>) -> PageResult {
    let filter = all_reviews(&state);
    let reviews = with_store(&state, move |s| s.reviews(&filter)).await?;
    let report = secguard_core::agreement::agreement(&reviews);
    Ok(views::agreement_page(&state, &report).into_response())
}

async fn audit(State(state): State<AppStateRef>) -> PageResult {
    let entries = with_store(&state, |s| s.audit_log(500)).await?;
    Ok(views::audit_page(&state, &entries).into_response())
}

#[derive(Clone, Copy)]
enum LabelFormat {
    Csv,
    Jsonl,
}

async fn export(state: AppStateRef, format: LabelFormat) -> PageResult {
    let filter = all_reviews(&state);
    let text = with_store(&state, move |s| {
        let mut reviews = s.reviews(&filter)?;
        reviews.sort_by_key(|r| (r.created_at, r.id));
        let rows = labels::rows_from_reviews(&reviews, s)?;
        let mut out = Vec::new();
        let written = match format {
            LabelFormat::Csv => labels::write_csv(&rows, &mut out),
            LabelFormat::Jsonl => labels::write_jsonl(&rows, &mut out),
        };
        let location = s.location();
        let io = |message: String| StoreError::Io {
            path: location.clone().into(),
            message,
        };
        written.map_err(|e| io(format!("cannot write the labels: {e}")))?;
        String::from_utf8(out).map_err(|e| io(format!("labels are not UTF-8: {e}")))
    })
    .await?;
    let (mime, ext) = match format {
        LabelFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        LabelFormat::Jsonl => ("application/x-ndjson; charset=utf-8", "jsonl"),
    };
    let disposition = format!("attachment; filename=\"secguard-labels.{ext}\"");
    let mut response = text.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

async fn export_csv(State(state): State<AppStateRef>) -> PageResult {
    export(state, LabelFormat::Csv).await
}

async fn export_jsonl(State(state): State<AppStateRef>) -> PageResult {
    export(state, LabelFormat::Jsonl).await
}

async fn import_form(State(state): State<AppStateRef>, RawQuery(raw): RawQuery) -> PageResult {
    let pairs = query_pairs(raw.as_deref());
    Ok(views::import_page(&state, &flash(&pairs), None, "").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    format: String,
    data: String,
}

async fn import(
    State(state): State<AppStateRef>,
    form: Result<Form<ImportForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|e| AppError::bad_request(e.body_text()))?;
    let rows = match form.format.as_str() {
        "csv" => labels::read_csv(&form.data).map_err(|e| e.to_string()),
        "jsonl" => labels::read_jsonl(&form.data).map_err(|e| e.to_string()),
        other => Err(format!("unknown format '{other}' (expected csv or jsonl)")),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(message) => {
            let page = views::import_page(&state, &[], Some(&message), &form.data);
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let result = {
        let store = state.store.clone();
        tokio::task::spawn_blocking(move || labels::import_labels(&*store, &rows))
            .await
            .map_err(|e| AppError::internal(format!("the import did not finish: {e}")))?
    };
    match result {
        Ok(n) => Ok(redirect(&format!("/history?imported={n}"))),
        Err(StoreError::Invalid(message)) => {
            let page = views::import_page(&state, &[], Some(&message), &form.data);
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS).into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
        .into_response()
}

async fn not_found() -> Response {
    AppError::not_found("There is no such page.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_lists() {
        assert_eq!(parse_cwes("CWE-89"), Ok(vec![Cwe(89)]));
        assert_eq!(parse_cwes("89"), Ok(vec![Cwe(89)]));
        assert_eq!(parse_cwes("cwe-89; CWE-79"), Ok(vec![Cwe(89), Cwe(79)]));
        assert_eq!(parse_cwes("CWE 89, CWE 79, 89"), Ok(vec![Cwe(89), Cwe(79)]));
        assert_eq!(parse_cwes("  "), Ok(vec![]));
        assert!(parse_cwes("sql").is_err());
        assert!(parse_cwes("CWE").is_err());
    }

    #[test]
    fn flash_takes_only_numbers() {
        let pairs = vec![
            ("saved".to_string(), "12".to_string()),
            ("memory".to_string(), "<b>".to_string()),
            ("conflicts".to_string(), "3,x,4".to_string()),
        ];
        assert_eq!(
            flash(&pairs),
            vec![
                "Saved review #12.".to_string(),
                "It conflicts with memory #3, #4; both are flagged on the Memories page."
                    .to_string()
            ]
        );
    }
}
