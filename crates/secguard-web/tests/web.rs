//! The review server end to end: a real SQLite store on a temp file, the
//! server on 127.0.0.1:0 in a background thread, driven over HTTP.

use secguard_core::identity::Signer;
use secguard_core::memory::{MemoryStatus, ScopeChoice};
use secguard_core::review::{Decision, ReviewTarget};
use secguard_core::{
    Confidence, Cwe, Finding, Fingerprint, Location, Severity, TraceStep, Verdict, VerdictKind,
};
use secguard_store::{NewReview, ReviewFilter, SampleRecord, ScanRecord, SqliteStore, Store};
use secguard_web::{ServeOptions, ServerInfo, random_token, serve};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const PROJECT: &str = "demo";
const XSS: &str = "<script>alert(1)</script>";
const LIMIT: usize = 64 * 1024;

const APP_PY: &str = "import sqlite3\n\ndef find(db, name):\n    q = \"SELECT * FROM users WHERE name = '\" + name + \"'\"\n    return db.execute(q)\n\ndef page():\n    return \"<script>alert(1)</script>\"\n";

fn finding(rule: &str, line: u32, fp: &str, severity: Severity, analyzer: &str) -> Finding {
    Finding {
        rule_id: rule.into(),
        title: format!("{rule} title"),
        message: format!("{rule} message {XSS}"),
        cwe: vec![Cwe(89)],
        severity,
        confidence: Confidence::High,
        location: Location {
            path: PathBuf::from("app/db.py"),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 10,
        },
        snippet: format!("snippet {XSS}"),
        fingerprint: Fingerprint(fp.into()),
        analyzer: analyzer.into(),
        trace: vec![TraceStep {
            location: Location {
                path: PathBuf::from("app/db.py"),
                start_line: 3,
                start_column: 1,
                end_line: 3,
                end_column: 5,
            },
            message: "name comes from the caller".into(),
        }],
        suppression: None,
        reported_by: vec![],
    }
}

/// Two findings in one sample, plus a clean second sample.
fn seed(store: &dyn Store) {
    let findings = vec![
        finding("py/sql-injection", 4, "fp-sqli", Severity::High, "builtin"),
        finding("py/xss", 8, "fp-xss", Severity::Medium, "bandit"),
    ];
    let mut analyzers = BTreeMap::new();
    analyzers.insert("builtin".to_string(), VerdictKind::Insecure);
    analyzers.insert("bandit".to_string(), VerdictKind::Secure);
    let mut verdict = Verdict::from_findings(PathBuf::from("app/db.py"), &findings);
    verdict.analyzers = analyzers;
    let samples = vec![
        SampleRecord {
            path: "app/db.py".into(),
            language: Some("python".into()),
            content: Some(APP_PY.into()),
            content_hash: "00".repeat(32),
            verdict: Some(verdict),
        },
        SampleRecord {
            path: "app/ok.py".into(),
            language: Some("python".into()),
            content: Some("print('ok')\n".into()),
            content_hash: "11".repeat(32),
            verdict: Some(Verdict::from_findings(PathBuf::from("app/ok.py"), [])),
        },
    ];
    store
        .record_scan(&ScanRecord {
            project: PROJECT,
            root: "/tmp/demo",
            analyzers: vec!["builtin".into(), "bandit".into()],
            policy: "any",
            started_at: 1_700_000_000,
            finished_at: 1_700_000_010,
            samples: &samples,
            findings: &findings,
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

struct Server {
    _dir: tempfile::TempDir,
    db: PathBuf,
    base: String,
    port: u16,
    token: String,
    cookie: String,
    agent: ureq::Agent,
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("secguard.db");
    let store = SqliteStore::open(&db).unwrap_or_else(|e| panic!("{e}"));
    seed(&store);
    start_on(dir, db, Arc::new(store))
}

fn start_on(dir: tempfile::TempDir, db: PathBuf, store: Arc<dyn Store>) -> Server {
    start_as(dir, db, store, "alice", None)
}

fn start_as(
    dir: tempfile::TempDir,
    db: PathBuf,
    store: Arc<dyn Store>,
    reviewer: &str,
    signer: Option<Arc<Signer>>,
) -> Server {
    let token = random_token().unwrap_or_else(|e| panic!("{e}"));
    let options = ServeOptions {
        addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        token: token.clone(),
        project: PROJECT.into(),
        reviewer: reviewer.into(),
        signer,
        max_body_bytes: LIMIT,
    };
    let (tx, rx) = mpsc::channel::<ServerInfo>();
    std::thread::spawn(move || {
        let result = serve(store, options, |info| {
            let _ = tx.send(info.clone());
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    });
    let info = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("server did not start: {e}"));
    assert_eq!(
        info.url,
        format!("http://127.0.0.1:{}/?token={token}", info.addr.port())
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    Server {
        _dir: dir,
        db,
        base: format!("http://127.0.0.1:{}", info.addr.port()),
        port: info.addr.port(),
        cookie: format!("secguard_session={token}"),
        token,
        agent,
    }
}

type Resp = ureq::http::Response<ureq::Body>;

fn status(r: &Resp) -> u16 {
    r.status().as_u16()
}

fn header(r: &Resp, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn text(mut r: Resp) -> String {
    r.body_mut()
        .read_to_string()
        .unwrap_or_else(|e| panic!("{e}"))
}

impl Server {
    fn get_raw(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.call().unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    fn get(&self, path: &str) -> Resp {
        self.get_raw(path, Some(&self.cookie))
    }

    fn page(&self, path: &str) -> String {
        let r = self.get(path);
        assert_eq!(status(&r), 200, "GET {path}");
        text(r)
    }

    fn post(&self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> Resp {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", &self.cookie);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        req.send_form(fields.iter().copied())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// The CSRF token the pages carry.
    fn csrf(&self) -> String {
        let html = self.page("/finding/fp-sqli");
        let marker = "name=\"csrf\" value=\"";
        let start = html
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf field in {html}"))
            + marker.len();
        let end = start + html[start..].find('"').unwrap_or(0);
        html[start..end].to_string()
    }

    fn store(&self) -> SqliteStore {
        open(&self.db)
    }

    /// A request written by hand, for headers ureq would not send.
    fn raw(&self, request: &[u8]) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap_or_else(|e| panic!("{e}"));
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap_or_else(|e| panic!("{e}"));
        // The server may answer (and close) before it has read everything.
        let _ = s.write_all(request);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn open(db: &Path) -> SqliteStore {
    SqliteStore::open(db).unwrap_or_else(|e| panic!("{e}"))
}

fn reviews(store: &SqliteStore) -> Vec<secguard_core::review::Review> {
    store
        .reviews(&ReviewFilter::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn review_fields<'a>(csrf: &'a str, decision: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("fingerprint", "fp-xss"),
        ("reviewer", "bob"),
        ("decision", decision),
        ("cwe", ""),
        ("severity", ""),
        ("scope", "finding"),
        ("note", "escaped by the template engine"),
        ("corrected_code", ""),
    ]
}

fn assert_security_headers(r: &Resp, what: &str) {
    assert_eq!(
        header(r, "content-security-policy"),
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "{what}"
    );
    assert_eq!(header(r, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(r, "referrer-policy"), "same-origin", "{what}");
    assert_eq!(header(r, "cache-control"), "no-store", "{what}");
}

#[test]
fn no_token_is_401_and_says_where_to_get_one() {
    let s = start();
    for path in ["/", "/queue", "/static/app.js", "/finding/fp-sqli"] {
        let r = s.get_raw(path, None);
        assert_eq!(status(&r), 401, "{path}");
        assert_security_headers(&r, path);
        let body = text(r);
        assert!(body.contains("secguard review --serve"), "{body}");
    }
    let r = s
        .agent
        .post(format!("{}/review", s.base))
        .send_form([("csrf", "x")]);
    assert_eq!(status(&r.unwrap_or_else(|e| panic!("{e}"))), 401);
}

#[test]
fn token_in_url_becomes_a_cookie_then_pages_load() {
    let s = start();
    let r = s.get_raw(&format!("/queue?token={}&saved=3", s.token), None);
    assert_eq!(status(&r), 303);
    assert_eq!(header(&r, "location"), "/queue?saved=3");
    assert_eq!(
        header(&r, "set-cookie"),
        format!(
            "secguard_session={}; HttpOnly; SameSite=Strict; Path=/",
            s.token
        )
    );
    assert_security_headers(&r, "redirect");
    let r = s.get_raw("/queue", Some(&s.cookie));
    assert_eq!(status(&r), 200);
    let body = text(r);
    assert!(body.contains("py/sql-injection"), "{body}");
    assert!(body.contains("app/db.py:4"), "{body}");

    // A wrong token in the URL is refused, not turned into a cookie.
    let r = s.get_raw("/queue?token=0000", None);
    assert_eq!(status(&r), 401);
    assert_eq!(header(&r, "set-cookie"), "");
}

#[test]
fn wrong_cookie_is_401() {
    let s = start();
    let wrong = format!("secguard_session={}", "0".repeat(64));
    assert_eq!(status(&s.get_raw("/queue", Some(&wrong))), 401);
    let short = "secguard_session=abc";
    assert_eq!(status(&s.get_raw("/queue", Some(short))), 401);
    // Another cookie of the same value under another name does not count.
    let other = format!("other={}", s.token);
    assert_eq!(status(&s.get_raw("/queue", Some(&other))), 401);
}

#[test]
fn posts_need_the_csrf_token_and_our_origin() {
    let s = start();
    let csrf = s.csrf();

    let mut missing = review_fields("", "false_positive");
    missing.remove(0);
    let r = s.post("/review", &missing, None);
    assert_eq!(status(&r), 403);
    assert_security_headers(&r, "403");

    let r = s.post(
        "/review",
        &review_fields("not-the-token", "false_positive"),
        None,
    );
    assert_eq!(status(&r), 403);
    // The session token is not the CSRF token.
    let r = s.post("/review", &review_fields(&s.token, "false_positive"), None);
    assert_eq!(status(&r), 403);

    let r = s.post(
        "/review",
        &review_fields(&csrf, "false_positive"),
        Some("http://evil.example"),
    );
    assert_eq!(status(&r), 403);
    let r = s.post(
        "/review",
        &review_fields(&csrf, "false_positive"),
        Some("null"),
    );
    assert_eq!(status(&r), 403);
    assert!(
        reviews(&s.store()).is_empty(),
        "a refused POST saved something"
    );

    let origin = format!("http://127.0.0.1:{}", s.port);
    let r = s.post(
        "/review",
        &review_fields(&csrf, "false_positive"),
        Some(&origin),
    );
    assert_eq!(status(&r), 303);
    let location = header(&r, "location");
    // A second, independent connection to the database sees the review:
    // what the UI reports saved is committed.
    let saved = reviews(&s.store());
    assert_eq!(saved.len(), 1);
    let review = &saved[0];
    // The form said `reviewer=bob`; the server decides as who started it.
    assert_eq!(review.reviewer, "alice");
    assert!(!review.verified, "started without a key: unsigned");
    assert_eq!(review.decision, Decision::FalsePositive);
    assert_eq!(
        review.target,
        ReviewTarget::Finding {
            fingerprint: "fp-xss".into()
        }
    );
    assert!(
        location.contains(&format!("saved={}", review.id)),
        "{location}"
    );
    assert!(location.contains("memory="), "{location}");
    // The redirect goes to another open item, which shows the flash.
    assert!(!location.contains("fp-xss"), "{location}");
    let page = s.page(&location);
    assert!(
        page.contains(&format!("Saved review #{}", review.id)),
        "{page}"
    );
    assert!(page.contains("id=\"flash\""), "{page}");
}

#[test]
fn invalid_reviews_are_400_with_an_escaped_message() {
    let s = start();
    let csrf = s.csrf();
    let mut fields = review_fields(&csrf, "secure");
    let r = s.post("/review", &fields, None);
    assert_eq!(status(&r), 400);
    fields = review_fields(&csrf, "false_positive");
    fields[4] = ("cwe", "<b>nope</b>");
    let r = s.post("/review", &fields, None);
    assert_eq!(status(&r), 400);
    let body = text(r);
    assert!(body.contains("&lt;b&gt;nope&lt;/b&gt;"), "{body}");
    assert!(!body.contains("<b>nope"), "{body}");
    fields = review_fields(&csrf, "true_positive");
    fields[1] = ("fingerprint", "no-such-finding");
    let r = s.post("/review", &fields, None);
    assert!(matches!(status(&r), 400 | 404), "{}", status(&r));
    assert!(
        s.store()
            .reviews(&ReviewFilter::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
}

#[test]
fn bodies_over_the_limit_are_413() {
    let s = start();
    let csrf = s.csrf();
    let big = "a".repeat(LIMIT + 1000);
    let mut fields = review_fields(&csrf, "false_positive");
    fields[7] = ("note", &big);
    let body = serde_urlencoded_like(&fields);
    // Declared length over the limit.
    let request = format!(
        "POST /review HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        s.port,
        s.cookie,
        body.len()
    );
    let answer = s.raw(request.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    // No declared length (chunked): the limit applies while reading.
    let request = format!(
        "POST /review HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        s.port,
        s.cookie,
        body.len()
    );
    let answer = s.raw(request.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    assert!(
        s.store()
            .reviews(&ReviewFilter::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    // Just under the limit is fine.
    let ok = s.post("/review", &review_fields(&csrf, "false_positive"), None);
    assert_eq!(status(&ok), 303);
}

/// Form encoding for the hand-written requests (letters stay, the rest is
/// percent-encoded).
fn serde_urlencoded_like(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn code_and_messages_are_escaped() {
    let s = start();
    for path in [
        "/finding/fp-sqli",
        "/sample?path=app%2Fdb.py",
        "/sample/app/db.py",
        "/queue",
    ] {
        let body = s.page(path);
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: {body}"
        );
        assert!(!body.contains("<script>alert(1)"), "{path}: {body}");
    }
}

#[test]
fn every_page_loads_with_the_cookie() {
    let s = start();
    let csrf = s.csrf();
    // Some history, so the pages have rows.
    assert_eq!(
        status(&s.post("/review", &review_fields(&csrf, "false_positive"), None)),
        303
    );
    for path in [
        "/",
        "/queue",
        "/finding/fp-sqli",
        "/finding/fp-xss",
        "/sample?path=app%2Fdb.py",
        "/sample/app/ok.py",
        "/history",
        "/history?reviewer=bob",
        "/memories",
        "/agreement",
        "/audit",
        "/export.csv",
        "/export.jsonl",
        "/import",
        "/static/app.css",
        "/static/app.js",
    ] {
        let r = s.get(path);
        assert_eq!(status(&r), 200, "{path}");
        assert_security_headers(&r, path);
    }
    let item = s.page("/finding/fp-sqli");
    for id in [
        "id=\"decision-tp\"",
        "id=\"decision-fp\"",
        "id=\"note\"",
        "id=\"scope\"",
        "id=\"acting-as\"",
        "id=\"next\"",
        "Deciding as <strong>alice</strong>",
        "this rule in the whole project",
    ] {
        assert!(item.contains(id), "{id} missing");
    }
    // Each analyzer side by side, with its verdict on the sample.
    assert!(
        item.contains("bandit") && item.contains("builtin"),
        "{item}"
    );
    let sample = s.page("/sample?path=app%2Fdb.py");
    assert!(sample.contains("id=\"decision-secure\""));
    assert!(sample.contains("id=\"decision-insecure\""));
    let history = s.page("/history");
    assert!(
        history.contains("alice") && history.contains("/finding/fp-xss"),
        "{history}"
    );
    let history = s.page("/history?reviewer=carol");
    assert!(!history.contains("/finding/fp-xss"), "{history}");
    assert_eq!(status(&s.get("/finding/nope")), 404);
    assert_eq!(status(&s.get("/sample?path=nope.py")), 404);
    assert_eq!(status(&s.get("/no-such-page")), 404);
    let js = s.get("/static/app.js");
    assert!(header(&js, "content-type").starts_with("text/javascript"));
}

#[test]
fn a_form_naming_another_reviewer_changes_nothing_and_decisions_are_signed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("secguard.db");
    let store = SqliteStore::open(&db).unwrap_or_else(|e| panic!("{e}"));
    seed(&store);
    let root = Signer::from_secret([3; 32]);
    store
        .register_key(
            &secguard_store::sign_registration(
                &store,
                "root",
                &root.public_key(),
                secguard_core::review::Role::Admin,
                &root,
            )
            .unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let s = start_as(dir, db, Arc::new(store), "carol", None);
    let csrf = s.csrf();
    let page = s.page("/queue");
    assert!(
        page.contains("acting as <strong id=\"acting-as\">carol</strong>"),
        "{page}"
    );
    // carol's server, a form claiming to be the admin.
    let mut fields = review_fields(&csrf, "false_positive");
    fields[2] = ("reviewer", "root");
    assert_eq!(status(&s.post("/review", &fields, None)), 303);
    let store = s.store();
    let saved = reviews(&store);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].reviewer, "carol");
    assert!(!saved[0].verified);
    let memories = store.memories(false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(memories.len(), 1);
    assert!(!memories[0].admin_approved);
    assert_eq!(memories[0].reviewers, ["carol"]);
    assert!(
        store
            .audit_log(0)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .all(|a| a.actor != "root" || a.action.starts_with("reviewer.")),
        "no decision was made as root"
    );
}

#[test]
fn a_server_started_with_a_key_signs_its_decisions() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("secguard.db");
    let store = SqliteStore::open(&db).unwrap_or_else(|e| panic!("{e}"));
    seed(&store);
    let root = Arc::new(Signer::from_secret([3; 32]));
    store
        .register_key(
            &secguard_store::sign_registration(
                &store,
                "root",
                &root.public_key(),
                secguard_core::review::Role::Admin,
                &root,
            )
            .unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let s = start_as(dir, db, Arc::new(store), "root", Some(root));
    let csrf = s.csrf();
    let mut fields = review_fields(&csrf, "false_positive");
    fields[2] = ("reviewer", "mallory");
    assert_eq!(status(&s.post("/review", &fields, None)), 303);
    let saved = reviews(&s.store());
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].reviewer, "root");
    assert!(saved[0].verified, "{:?}", saved[0]);
    let memories = s.store().memories(false).unwrap_or_else(|e| panic!("{e}"));
    assert!(memories[0].admin_approved);
    assert!(memories[0].may_hide(Severity::Critical));
}

#[test]
fn an_unverified_import_is_shown_as_pending() {
    let s = start();
    let memory = secguard_core::memory::Memory {
        id: 9,
        scope: secguard_core::memory::MemoryScope {
            project: Some(PROJECT.into()),
            rule: Some("py/xss".into()),
            ..Default::default()
        },
        condition: "claimed by a file".into(),
        implication: secguard_core::memory::Implication::FalsePositive,
        source_reviews: vec![1, 2],
        reviewers: vec!["a".into(), "b".into()],
        verified_reviewers: vec!["a".into(), "b".into()],
        admin_approved: true,
        trust: 1.0,
        status: MemoryStatus::Active,
        conflicts_with: vec![],
        created_at: 1,
        updated_at: 1,
    };
    s.store()
        .import_memories(&[memory], &[], "test")
        .unwrap_or_else(|e| panic!("{e}"));
    let page = s.page("/memories");
    assert!(page.contains("claimed by a file"), "{page}");
    assert!(page.contains(">pending<"), "{page}");
    assert!(!page.contains("(admin)"), "{page}");
}

#[test]
fn a_sample_decision_is_saved() {
    let s = start();
    let csrf = s.csrf();
    let r = s.post(
        "/review",
        &[
            ("csrf", &csrf),
            ("path", "app/db.py"),
            ("reviewer", "carol"),
            ("decision", "insecure"),
            ("cwe", "cwe-89; CWE-79"),
            ("note", ""),
        ],
        None,
    );
    assert_eq!(status(&r), 303);
    let saved = s
        .store()
        .reviews(&ReviewFilter::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].decision, Decision::Insecure);
    assert_eq!(saved[0].cwe, vec![Cwe(89), Cwe(79)]);
}

#[test]
fn memories_can_be_revoked_with_a_form() {
    let s = start();
    let csrf = s.csrf();
    let r = s.post("/review", &review_fields(&csrf, "false_positive"), None);
    assert_eq!(status(&r), 303);
    let memories = s.store().memories(true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(memories.len(), 1);
    let id = memories[0].id;
    let page = s.page("/memories");
    assert!(page.contains(&format!("/memories/{id}/revoke")), "{page}");

    let path = format!("/memories/{id}/revoke");
    let r = s.post(&path, &[("reason", "wrong")], None);
    assert_eq!(status(&r), 403);
    let r = s.post(&path, &[("csrf", &csrf), ("reason", "")], None);
    assert_eq!(status(&r), 400);
    let r = s.post(&path, &[("csrf", &csrf), ("reason", "too broad")], None);
    assert_eq!(status(&r), 303);
    let memory = s
        .store()
        .memory(id)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("memory {id} gone"));
    assert_eq!(memory.status, MemoryStatus::Revoked);
    let page = s.page(&header(&r, "location"));
    assert!(page.contains(&format!("Revoked memory #{id}")), "{page}");
    assert!(page.contains("revoked"));
    let r = s.post(
        "/memories/999/revoke",
        &[("csrf", &csrf), ("reason", "x")],
        None,
    );
    assert!(matches!(status(&r), 400 | 404), "{}", status(&r));
}

#[test]
fn exported_labels_import_into_a_fresh_store() {
    let s = start();
    let csrf = s.csrf();
    assert_eq!(
        status(&s.post("/review", &review_fields(&csrf, "false_positive"), None)),
        303
    );
    let r = s.get("/export.csv");
    assert_eq!(status(&r), 200);
    assert!(
        header(&r, "content-disposition").starts_with("attachment"),
        "{}",
        header(&r, "content-disposition")
    );
    let csv = text(r);
    assert!(csv.contains("fp-xss") && csv.contains("alice"), "{csv}");
    let jsonl = text(s.get("/export.jsonl"));
    assert!(jsonl.contains("fp-xss"), "{jsonl}");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("fresh.db");
    let fresh = SqliteStore::open(&db).unwrap_or_else(|e| panic!("{e}"));
    seed(&fresh);
    let t = start_on(dir, db, Arc::new(fresh));
    let csrf2 = t.csrf();
    // A broken file names its line and changes nothing.
    let broken = format!("{csv}finding,oops\n");
    let r = t.post(
        "/import",
        &[("csrf", &csrf2), ("format", "csv"), ("data", &broken)],
        None,
    );
    assert_eq!(status(&r), 400);
    let body = text(r);
    assert!(body.contains("line 3"), "{body}");
    let r = t.post(
        "/import",
        &[("csrf", &csrf), ("format", "csv"), ("data", &csv)],
        None,
    );
    assert_eq!(status(&r), 403, "the other launch's CSRF token");
    let r = t.post(
        "/import",
        &[("csrf", &csrf2), ("format", "csv"), ("data", &csv)],
        None,
    );
    assert_eq!(status(&r), 303);
    assert_eq!(header(&r, "location"), "/history?imported=1");
    let imported = t
        .store()
        .reviews(&ReviewFilter::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].reviewer, "alice");
    assert_eq!(imported[0].decision, Decision::FalsePositive);
}

#[test]
fn a_foreign_host_header_is_403() {
    let s = start();
    let ask = |host: &str| {
        s.raw(
            format!(
                "GET /queue HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
                s.cookie
            )
            .as_bytes(),
        )
    };
    for host in [
        format!("evil.example:{}", s.port),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", s.port + 1),
    ] {
        let answer = ask(&host);
        assert!(answer.starts_with("HTTP/1.1 403"), "{host}: {answer}");
    }
    for host in [
        format!("127.0.0.1:{}", s.port),
        format!("localhost:{}", s.port),
        format!("[::1]:{}", s.port),
    ] {
        let answer = ask(&host);
        assert!(answer.starts_with("HTTP/1.1 200"), "{host}: {answer}");
    }
}

#[test]
fn the_agreement_page_shows_kappa() {
    let s = start();
    let csrf = s.csrf();
    // One decision through the UI (as alice), one by carol elsewhere.
    assert_eq!(
        status(&s.post("/review", &review_fields(&csrf, "false_positive"), None)),
        303
    );
    s.store()
        .add_review(&NewReview {
            project: PROJECT.into(),
            target: ReviewTarget::Finding {
                fingerprint: "fp-xss".into(),
            },
            reviewer: "carol".into(),
            decision: Decision::FalsePositive,
            cwe: vec![],
            severity: None,
            note: String::new(),
            corrected_code: None,
            scope: ScopeChoice::Finding,
            path_glob: None,
            created_at: None,
            signature: None,
            imported: false,
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let page = s.page("/agreement");
    assert!(page.contains("alice") && page.contains("carol"), "{page}");
    assert!(page.contains("100.0%"), "{page}");
    assert!(page.contains("undefined"), "{page}");
}
