//! Every rule's positive fixtures must produce its finding; every negative
//! fixture must not.

use secguard_engine::{Engine, fixtures::test_rule_fixtures};

#[test]
fn every_rule_fixture_behaves() {
    let engine = match Engine::builtin() {
        Ok(e) => e,
        Err(e) => panic!("embedded rules do not load: {e}"),
    };
    let report = test_rule_fixtures(&engine);
    assert!(report.rules > 0, "no rules loaded");
    let msgs: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
    assert!(
        msgs.is_empty(),
        "{} of {} fixtures failed:\n{}",
        msgs.len(),
        report.fixtures,
        msgs.join("\n")
    );
}
