//! The review UI end to end in a real browser: Debian's Chromium, headless,
//! driven over WebDriver (chromedriver). Open the queue, label a finding as a
//! false positive, reload and see the decision kept, label another with a
//! keyboard shortcut; then a second `secguard scan` shows the finding
//! suppressed with the reviewer's justification. The server decides as the
//! identity that started it: a form that names the admin changes nothing.
//!
//! `scripts/setup` installs `chromium` and `chromium-driver`. Set
//! SECGUARD_CHROMIUM / SECGUARD_CHROMEDRIVER to use other binaries.

mod util;

use serde_json::{Value, json};
use util::browser::Browser;
use util::server::Server;
use util::{APP_PY, Dir};

fn scan(dir: &Dir) -> Value {
    dir.cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json()
}

fn finding_with<'a>(report: &'a Value, severities: &[&str]) -> &'a Value {
    report["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter()
                .find(|f| severities.contains(&f["severity"].as_str().unwrap_or("")))
        })
        .unwrap_or_else(|| panic!("no {severities:?} finding in {report:#}"))
}

#[test]
fn label_in_the_browser_then_the_next_scan_suppresses() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let report = scan(&dir);
    let low = finding_with(&report, &["info", "low", "medium"])["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let high = finding_with(&report, &["high", "critical"])["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // An admin exists, with a key this server does not have.
    dir.cmd()
        .args(["review", "keygen", "-o", "keys/admin.key"])
        .run()
        .expect_code(0);
    dir.cmd()
        .env("SECGUARD_REVIEWER_KEY", "keys/admin.key")
        .args(["review", "init-admin", "--name", "admin"])
        .run()
        .expect_code(0);

    let mut server = Server::start(&dir, &[], &[]);
    let browser = Browser::start();

    // The printed URL logs in and lands on the queue.
    browser.goto(&server.url);
    let queue = browser.source();
    assert!(queue.contains("Review queue"), "{queue}");
    assert!(
        !browser.current_url().contains("token="),
        "the token leaves the address bar"
    );

    // The page says who decides: the operating-system user who started it.
    let me = browser.text("#acting-as");
    assert!(!me.is_empty() && me != "admin", "{me}");

    browser.click(&format!("a[href='/finding/{low}']"));
    browser.type_into("#note", "test fixture: the digest is a cache key");
    browser.click("#decision-fp");
    let flash = browser.text("#flash");
    assert!(flash.contains("Saved review"), "{flash}");

    // Reloading the item shows the stored decision.
    browser.goto(&format!("{}/finding/{low}", server.base));
    browser.refresh();
    let page = browser.source();
    assert!(page.contains("the digest is a cache key"), "{page}");
    assert!(page.contains(&me), "{page}");
    browser.goto(&format!("{}/history", server.base));
    let history = browser.source();
    assert!(
        history.to_lowercase().contains("false positive"),
        "{history}"
    );

    // Impersonation: the form is edited to name the admin, and the high
    // finding marked a false positive. It is saved as `me`, unsigned, and
    // hides nothing.
    browser.goto(&format!("{}/finding/{high}", server.base));
    browser.call(
        "POST",
        "/execute/sync",
        Some(json!({
            "script": "const f = document.querySelector('form.decision'); \
                       const i = document.createElement('input'); \
                       i.type = 'hidden'; i.name = 'reviewer'; i.value = 'admin'; \
                       f.appendChild(i);",
            "args": [],
        })),
    );
    browser.type_into("#note", "admin says: sandboxed");
    browser.click("#decision-fp");
    let flash = browser.text("#flash");
    assert!(flash.contains("Saved review"), "{flash}");
    browser.goto(&format!("{}/history", server.base));
    let history = browser.source();
    assert!(history.contains("admin says: sandboxed"), "{history}");
    assert!(!history.contains("<td>admin</td>"), "{history}");

    // A keyboard shortcut: `t` marks the open item a true positive.
    browser.goto(&format!("{}/finding/{high}", server.base));
    browser.press("t");
    let flash = browser.text("#flash");
    assert!(flash.contains("Saved review"), "{flash}");

    server.kill9();
    drop(browser);

    let after = scan(&dir);
    let f = after["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["fingerprint"] == low.as_str()))
        .unwrap_or_else(|| panic!("the finding is gone: {after:#}"));
    assert_eq!(f["suppression"]["kind"], "external", "{f:#}");
    assert_eq!(f["suppression"]["by"], me.as_str(), "{f:#}");
    assert!(
        f["suppression"]["justification"]
            .as_str()
            .unwrap_or("")
            .contains("the digest is a cache key"),
        "{f:#}"
    );
    let h = after["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["fingerprint"] == high.as_str()))
        .unwrap_or_else(|| panic!("the high finding is gone: {after:#}"));
    assert!(
        h["suppression"].is_null(),
        "neither the impersonated admin nor the true positive hides it: {h:#}"
    );
    let audit = dir
        .cmd()
        .args(["feedback", "audit", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert!(
        audit
            .as_array()
            .is_some_and(|es| es.iter().all(|e| e["actor"] != "admin"
                || e["action"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("reviewer.")))),
        "nothing but the admin's own registration was done as admin: {audit:#}"
    );
}
