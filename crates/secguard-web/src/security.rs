//! The checks every request passes before a handler sees it: the `Host`
//! header (DNS rebinding), the session token (anything on the machine can
//! reach a loopback port), and for every state-changing request the
//! `Origin`, the body size and the CSRF token. Plus the response headers
//! that keep the browser from running or framing anything we did not serve.

use crate::AppState;
use crate::views;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The cookie that carries the session token after the first visit.
pub const SESSION_COOKIE: &str = "secguard_session";

/// The content security policy: only our own CSS and JS, no inline code,
/// forms post only to us, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Compares secrets in time that does not depend on where they differ.
pub fn secret_eq(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Added to every response, error pages and redirects included.
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: under `no-referrer` Chromium sends
    // `Origin: null` with our own form posts, which the origin check must
    // refuse. Nothing leaves for other sites either way.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Host, then session, then (for anything but GET/HEAD) origin, body size
/// and CSRF token. The body is read here, within the limit, and handed on.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let host_ok = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| state.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)));
    if !host_ok {
        return views::message(
            StatusCode::FORBIDDEN,
            "Wrong host",
            "This server only answers requests addressed to 127.0.0.1, localhost or [::1] with its port.",
        );
    }

    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let given = query.iter().find(|(k, _)| k == "token").map(|(_, v)| v);
    let safe = request.method() == Method::GET || request.method() == Method::HEAD;
    match given {
        Some(token) if secret_eq(token, &state.token) => {
            if safe {
                return set_session(&request, &query, &state.token);
            }
        }
        Some(_) => return unauthorized(),
        None => {
            let ok = session_cookie(request.headers()).is_some_and(|c| secret_eq(c, &state.token));
            if !ok {
                return unauthorized();
            }
        }
    }
    if safe {
        return next.run(request).await;
    }
    match check_post(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    }
}

/// First visit: move the token from the URL (where it would stay in the
/// history) into an HttpOnly, SameSite=Strict cookie.
fn set_session(request: &Request, query: &[(String, String)], token: &str) -> Response {
    let rest: Vec<&(String, String)> = query.iter().filter(|(k, _)| k != "token").collect();
    // `//host` would be a redirect to another site.
    let mut location = format!("/{}", request.uri().path().trim_start_matches('/'));
    if !rest.is_empty()
        && let Ok(q) = serde_urlencoded::to_string(&rest)
    {
        location.push('?');
        location.push_str(&q);
    }
    let cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    match (
        HeaderValue::from_str(&location),
        HeaderValue::from_str(&cookie),
    ) {
        (Ok(l), Ok(c)) => {
            h.insert(header::LOCATION, l);
            h.insert(header::SET_COOKIE, c);
            response
        }
        _ => views::message(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The address cannot be redirected.",
        ),
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

fn unauthorized() -> Response {
    views::message(
        StatusCode::UNAUTHORIZED,
        "Session token needed",
        "Open the URL printed by `secguard review --serve` (it ends in ?token=...). \
         Each launch has a new token.",
    )
}

fn forbidden(text: &str) -> Response {
    views::message(StatusCode::FORBIDDEN, "Request refused", text)
}

/// Origin, body size, CSRF. Returns the request with its body put back.
async fn check_post(state: &AppState, request: Request) -> Result<Request, Response> {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let ok = origin.to_str().is_ok_and(|o| {
            state
                .hosts
                .iter()
                .any(|h| o.eq_ignore_ascii_case(&format!("http://{h}")))
        });
        if !ok {
            return Err(forbidden(
                "The form was sent from another site. Use the review pages themselves.",
            ));
        }
    }
    let too_large = || {
        views::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            &format!(
                "The request body is over the limit of {} bytes.",
                state.max_body_bytes
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_body_bytes as u64) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    // A read failure here is almost always the limit (a client that went
    // away never sees the answer).
    let bytes = axum::body::to_bytes(body, state.max_body_bytes)
        .await
        .map_err(|_| too_large())?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let given = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v);
    let ok = match (given, &state.csrf) {
        (Some(given), Some(expected)) => secret_eq(given, expected),
        _ => false,
    };
    if !ok {
        return Err(forbidden(
            "The form's CSRF token is missing or out of date. Reload the page and try again.",
        ));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
