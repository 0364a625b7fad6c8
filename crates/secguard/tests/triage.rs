//! `secguard triage` keeps going when the model's reply is unusable: the
//! finding gets an "uncertain" verdict that says so, the others are still
//! triaged (issue 14).

mod util;

use secguard_llm::scripted::{Reply, ScriptedServer};
use serde_json::Value;
use util::Dir;
use util::llm::with_server;

const TWO_FINDINGS_PY: &str = "import os\n\n\ndef run():\n    os.system(input())\n\n\ndef calc():\n    return eval(input())\n";

#[test]
fn an_unusable_reply_is_recorded_as_uncertain_and_triage_goes_on() {
    let dir = Dir::new();
    dir.create("app.py", TWO_FINDINGS_PY);
    // The first finding's question and its re-ask get prose, the second
    // finding's a proper answer.
    let server = ScriptedServer::start(vec![
        Reply::Chat("I think it is probably fine, hard to say.".into()),
        Reply::Chat("{\"verdict\": \"maybe\"}".into()),
        Reply::Chat(
            r#"{"verdict": "true_positive", "rationale": "input() reaches the sink"}"#.into(),
        ),
    ]);
    let out = with_server(&dir, &server, &["triage", "--format", "json"])
        .run()
        .expect_code(0);
    let triaged: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    let verdicts: Vec<&str> = triaged
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["verdict"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(verdicts, vec!["uncertain", "true_positive"], "{triaged:#}");
    let rationale = triaged[0]["rationale"].as_str().unwrap_or_default();
    assert!(
        rationale.contains("no usable answer from the model"),
        "{triaged:#}"
    );
    assert_eq!(server.requests().len(), 3);
}
