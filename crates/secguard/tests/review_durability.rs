//! Durability of the review UI: a decision the UI reported as saved
//! survives `kill -9` of the server, and two servers on one database do not
//! corrupt it or lose decisions.

mod util;

use util::server::{Client, Server};
use util::{APP_PY, Dir};

/// A scanned project and the fingerprint of its first finding.
fn scanned() -> (Dir, String) {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    let report = dir
        .cmd()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .run()
        .expect_code(0)
        .json();
    let fp = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap_or_else(|| panic!("no findings: {report:#}"))
        .to_string();
    (dir, fp)
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap_or_else(|e| panic!("{e}"));
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn integrity(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap_or_else(|e| panic!("{e}"));
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn post_review(client: &Client, csrf: &str, fp: &str, reviewer: &str, decision: &str) {
    let reply = client.post(
        "/review",
        &[
            ("csrf", csrf),
            ("fingerprint", fp),
            ("reviewer", reviewer),
            ("decision", decision),
            ("scope", "finding"),
            ("note", "durability test"),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.location.unwrap_or_default();
    assert!(location.contains("saved="), "{location}");
}

/// Every decision went into one memory: the later ones strengthened the
/// first one's memory instead of making their own.
fn assert_one_memory_with_reviewers(dir: &Dir, reviewers: usize) {
    let memories = dir
        .cmd()
        .args(["feedback", "list", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(memories.as_array().map(Vec::len), Some(1), "{memories:#}");
    assert_eq!(
        memories[0]["reviewers"].as_array().map(Vec::len),
        Some(reviewers),
        "{memories:#}"
    );
}

#[test]
fn decisions_reported_saved_survive_kill_9() {
    let (dir, fp) = scanned();
    let db = dir.path().join(".secguard/secguard.db");
    let mut server = Server::start(&dir, &[], &[]);
    let client = Client::login(&server);
    let csrf = client.csrf(&format!("/finding/{fp}"));
    for i in 0..12 {
        post_review(
            &client,
            &csrf,
            &fp,
            &format!("reviewer{i}"),
            "false_positive",
        );
    }
    // Killed straight after the last "saved": no shutdown, no checkpoint.
    server.kill9();
    assert_eq!(count(&db, "SELECT count(*) FROM reviews"), 12);
    assert_eq!(integrity(&db), "ok");
    // The memory the reviews built is there. Every form named another
    // reviewer; the server decided as the one who started it.
    assert_one_memory_with_reviewers(&dir, 1);
}

#[test]
fn two_servers_on_one_database() {
    let (dir, fp) = scanned();
    let db = dir.path().join(".secguard/secguard.db");
    let mut a = Server::start(&dir, &[], &[]);
    let mut b = Server::start(&dir, &[], &[]);
    std::thread::scope(|s| {
        for (server, who) in [(&a, "alice"), (&b, "bob")] {
            let fp = fp.clone();
            s.spawn(move || {
                let client = Client::login(server);
                let csrf = client.csrf(&format!("/finding/{fp}"));
                for i in 0..25 {
                    post_review(&client, &csrf, &fp, &format!("{who}{i}"), "false_positive");
                }
            });
        }
    });
    a.kill9();
    b.kill9();
    assert_eq!(integrity(&db), "ok");
    assert_eq!(count(&db, "SELECT count(*) FROM reviews"), 50);
    // Serialized writes: the second server strengthened the first one's
    // memory instead of making its own.
    assert_one_memory_with_reviewers(&dir, 1);
}
