//! The review UI end to end in a real browser: Debian's Chromium, headless,
//! driven over WebDriver (chromedriver). Open the queue, label a finding as a
//! false positive, reload and see the decision kept, label another with a
//! keyboard shortcut; then a second `secguard scan` shows the finding
//! suppressed with the reviewer's justification.
//!
//! `scripts/setup` installs `chromium` and `chromium-driver`. Set
//! SECGUARD_CHROMIUM / SECGUARD_CHROMEDRIVER to use other binaries.

mod util;

use serde_json::Value;
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

    let mut server = Server::start(&dir, "alice", &[]);
    let browser = Browser::start();

    // The printed URL logs in and lands on the queue.
    browser.goto(&server.url);
    let queue = browser.source();
    assert!(queue.contains("Review queue"), "{queue}");
    assert!(
        !browser.current_url().contains("token="),
        "the token leaves the address bar"
    );

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
    assert!(page.contains("alice"), "{page}");
    browser.goto(&format!("{}/history", server.base));
    let history = browser.source();
    assert!(
        history.to_lowercase().contains("false positive"),
        "{history}"
    );

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
    assert_eq!(f["suppression"]["by"], "alice", "{f:#}");
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
        "a true positive stays open: {h:#}"
    );
}
