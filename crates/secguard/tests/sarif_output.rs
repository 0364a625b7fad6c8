//! The SARIF that `secguard scan --format sarif` writes for real findings
//! (taint traces, suppressions, several rules) matches the official SARIF
//! 2.1.0 schema, and its shape is pinned by a snapshot.

mod util;

#[path = "../../secguard-core/tests/support/sarif_schema.rs"]
mod sarif_schema;

use serde_json::Value;
use util::Dir;

const APP_PY: &str = r#"import os
import hashlib
from flask import Flask, request

app = Flask(__name__)

@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    os.system("ping -c 1 " + host)
    return "ok"

def fingerprint(data):
    return hashlib.md5(data).hexdigest()  # secguard: ignore[py-weak-hash] cache key, not security
"#;

const COPY_C: &str = r#"#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char name[16];
    strcpy(name, argv[1]);
    printf(name);
    return 0;
}
"#;

#[test]
fn scan_sarif_matches_the_schema_and_the_snapshot() {
    let dir = Dir::new();
    dir.create("app.py", APP_PY);
    dir.create("copy.c", COPY_C);
    let out = dir
        .cmd()
        .args([
            "scan",
            "--format",
            "sarif",
            "--no-config",
            "app.py",
            "copy.c",
        ])
        .run()
        .expect_code(1);
    let log: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", out.stdout));
    sarif_schema::assert_schema_valid(&log);

    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        results.iter().any(|r| r["codeFlows"].is_array()),
        "taint findings carry codeFlows"
    );
    assert!(
        results.iter().any(|r| r["suppressions"].is_array()),
        "the suppressed finding is kept with its suppression"
    );
    // Rule metadata and the tool version change with every rule edit and
    // release; the results are what this snapshot pins.
    insta::assert_json_snapshot!(log["runs"][0]["results"]);
}
