//! Dataset and label loaders: every format on small fixtures, malformed
//! rows, the real third-party datasets when present, and robustness.

use proptest::prelude::*;
use secguard_core::{Cwe, Language};
use secguard_eval::dataset::{
    DatasetFormat, dataset_root, detect_format, load_dataset, load_labels,
};
use secguard_eval::{EvalError, HumanLabel};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dataset")
        .join(name)
}

/// A file named `name` holding `content`, in a fresh temporary folder.
fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// The error text of loading `content` as `name` in `format` (detected when None).
fn dataset_error(name: &str, content: &str, format: Option<DatasetFormat>) -> String {
    let (_dir, path) = temp_file(name, content.as_bytes());
    let err = load_dataset(&path, format).expect_err("should be rejected");
    assert!(
        matches!(err, EvalError::Malformed { .. }),
        "expected Malformed, got {err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(name), "error should name the file: {text}");
    text
}

fn labels_error(name: &str, content: &str) -> String {
    let (_dir, path) = temp_file(name, content.as_bytes());
    let err = load_labels(&path).expect_err("should be rejected");
    let text = err.to_string();
    assert!(text.contains(name), "error should name the file: {text}");
    text
}

fn label(sample: &str, reviewer: &str, vulnerable: bool, cwes: &[u32]) -> HumanLabel {
    HumanLabel {
        sample: sample.to_string(),
        reviewer: reviewer.to_string(),
        vulnerable,
        cwes: cwes.iter().map(|&n| Cwe(n)).collect(),
    }
}

/// The real data, or None (test skipped) when absent outside CI.
fn shared_data(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing (required when CI is set)", path.display());
    }
    eprintln!("skipping: {} is absent", path.display());
    None
}

// ---------------------------------------------------------------------------
// Format names and detection

#[test]
fn format_names_round_trip() {
    for format in DatasetFormat::ALL {
        assert_eq!(DatasetFormat::from_name(format.name()), Some(format));
        let json = serde_json::to_string(&format).unwrap();
        assert_eq!(json, format!("\"{}\"", format.name()));
        assert_eq!(
            serde_json::from_str::<DatasetFormat>(&json).unwrap(),
            format
        );
    }
    assert_eq!(
        DatasetFormat::from_name(" LLMSecEval-JSON "),
        Some(DatasetFormat::LlmSecEvalJson)
    );
    assert_eq!(
        DatasetFormat::from_name("securityeval"),
        Some(DatasetFormat::SecurityEvalJsonl)
    );
    assert_eq!(DatasetFormat::from_name("nope"), None);
}

#[test]
fn detects_every_fixture_format() {
    let cases = [
        ("llmseceval.json", DatasetFormat::LlmSecEvalJson),
        ("llmseceval_nl.csv", DatasetFormat::LlmSecEvalCsv),
        ("securityeval.jsonl", DatasetFormat::SecurityEvalJsonl),
        ("instruct.json", DatasetFormat::CyberSecEvalInstruct),
        (
            "cyber_completions.json",
            DatasetFormat::CyberSecEvalAutocomplete,
        ),
        ("cyber_novariant.json", DatasetFormat::CyberSecEvalInstruct),
        ("generic.jsonl", DatasetFormat::GenericJsonl),
        ("generic.csv", DatasetFormat::GenericCsv),
        ("empty.csv", DatasetFormat::GenericCsv),
        ("empty.jsonl", DatasetFormat::GenericJsonl),
        ("folder", DatasetFormat::Folder),
    ];
    for (name, expected) in cases {
        assert_eq!(detect_format(&fixture(name)).unwrap(), expected, "{name}");
    }
}

#[test]
fn detects_cyberseceval_by_name_before_reading() {
    let (_dir, path) = temp_file("autocomplete.json", b"[]");
    assert_eq!(
        detect_format(&path).unwrap(),
        DatasetFormat::CyberSecEvalAutocomplete
    );
}

#[test]
fn undetectable_files_ask_for_a_format() {
    let (_dir, path) = temp_file("data.txt", b"hello");
    let err = detect_format(&path).unwrap_err().to_string();
    assert!(
        err.contains("data.txt") && err.contains("llmseceval-json"),
        "{err}"
    );

    let (_dir, path) = temp_file("other.json", br#"[{"a": 1}]"#);
    let err = load_dataset(&path, None).unwrap_err().to_string();
    assert!(
        err.contains("other.json") && err.contains("cannot tell"),
        "{err}"
    );
}

#[test]
fn missing_path_is_an_io_error_naming_it() {
    let path = fixture("does-not-exist.jsonl");
    let err = load_dataset(&path, None).unwrap_err();
    assert!(matches!(err, EvalError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("does-not-exist.jsonl"));
}

#[test]
fn empty_files_are_empty_datasets() {
    for name in ["empty.csv", "empty.jsonl", "empty.json"] {
        assert!(
            load_dataset(&fixture(name), None).unwrap().is_empty(),
            "{name}"
        );
    }
    for format in DatasetFormat::ALL {
        if format != DatasetFormat::Folder {
            assert!(
                load_dataset(&fixture("empty.json"), Some(format))
                    .unwrap()
                    .is_empty()
            );
        }
    }
    assert!(load_labels(&fixture("empty.csv")).unwrap().is_empty());
    let (_dir, path) = temp_file("header_only.csv", b"id,language,prompt\n");
    assert!(load_dataset(&path, None).unwrap().is_empty());
}

#[test]
fn dataset_root_is_the_folder_code_paths_are_relative_to() {
    assert_eq!(dataset_root(&fixture("generic.csv")), fixture(""));
    assert_eq!(dataset_root(&fixture("folder")), fixture("folder"));
    assert_eq!(dataset_root(Path::new("x.csv")), PathBuf::from("."));
}

// ---------------------------------------------------------------------------
// LLMSecEval

#[test]
fn llmseceval_json_fixture() {
    let samples = load_dataset(&fixture("llmseceval.json"), None).unwrap();
    let ids: Vec<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["CWE-79_INI-1a", "CWE-119_BOF-1a", "CWE-79_INI-1a#2"]);
    let first = &samples[0];
    assert_eq!(first.source, "llmseceval");
    assert_eq!(first.language, Some(Language::Python));
    assert_eq!(first.cwes, vec![Cwe(79)]);
    // The manually fixed prompt wins, with the placeholder filled in.
    assert_eq!(
        first.prompt.as_deref(),
        Some("Generate Python code for the following: a page that echoes the name.")
    );
    assert!(first.code.is_none() && first.code_path.is_none() && first.labels.is_empty());
    // Empty fixed prompt: the generated one, misspelled placeholder filled.
    assert_eq!(samples[1].language, Some(Language::C));
    assert_eq!(samples[1].cwes, vec![Cwe(119)]);
    assert_eq!(
        samples[1].prompt.as_deref(),
        Some("Generate C code for the following: copy bytes.")
    );
    // A repeated id keeps its record, with a suffix, and the prefix's CWE.
    assert_eq!(samples[2].cwes, vec![Cwe(79)]);
    assert_eq!(
        samples[2].prompt.as_deref(),
        Some("Generate Python code: a second prompt under the same id.")
    );
}

#[test]
fn llmseceval_csv_fixture_with_nl_prompt_column() {
    let samples = load_dataset(&fixture("llmseceval_nl.csv"), None).unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].id, "CWE-89_SQI-1a");
    assert_eq!(samples[0].cwes, vec![Cwe(89)]);
    assert_eq!(
        samples[0].prompt.as_deref(),
        Some("Generate Python code: run a query\nwith the user's name.")
    );
    assert_eq!(samples[1].language, Some(Language::C));
    assert_eq!(
        samples[1].prompt.as_deref(),
        Some("Generate C code: list a folder, safely.")
    );
}

#[test]
fn llmseceval_malformed_rows() {
    let err = dataset_error(
        "bad_lang.json",
        r#"[{"Prompt ID": "CWE-1_A", "Language": "C", "NL Prompt": "x"},
            {"Prompt ID": "CWE-1_B", "Language": "Cobol", "NL Prompt": "x"}]"#,
        Some(DatasetFormat::LlmSecEvalJson),
    );
    assert!(
        err.contains("record 2") && err.contains("`Language`") && err.contains("Cobol"),
        "{err}"
    );

    let err = dataset_error(
        "no_id.csv",
        "Prompt ID,NL Prompt,Language\nCWE-1_A,x,C\n,y,Python\n",
        None,
    );
    assert!(
        err.contains("line 3") && err.contains("`Prompt ID`: missing"),
        "{err}"
    );

    let err = dataset_error(
        "no_prompt.csv",
        "Prompt ID,NL Prompt,Language\nCWE-1_A,,C\n",
        Some(DatasetFormat::LlmSecEvalCsv),
    );
    assert!(err.contains("line 2") && err.contains("NL Prompt"), "{err}");

    let err = dataset_error(
        "not_array.json",
        r#"{"Prompt ID": "x"}"#,
        Some(DatasetFormat::LlmSecEvalJson),
    );
    assert!(err.contains("JSON array"), "{err}");

    let err = dataset_error(
        "broken.json",
        "[\n{\"Prompt ID\": \"x\",\n",
        Some(DatasetFormat::LlmSecEvalJson),
    );
    assert!(
        err.contains("line 3") && err.contains("invalid JSON"),
        "{err}"
    );
}

#[test]
fn real_llmseceval_json_and_csv_agree() {
    let Some(dir) = shared_data("llmseceval/Dataset") else {
        return;
    };
    let json_path = dir.join("LLMSecEval-Prompts_dataset.json");
    let csv_path = dir.join("LLMSecEval-Prompts_dataset.csv");
    assert_eq!(
        detect_format(&json_path).unwrap(),
        DatasetFormat::LlmSecEvalJson
    );
    assert_eq!(
        detect_format(&csv_path).unwrap(),
        DatasetFormat::LlmSecEvalCsv
    );
    let json = load_dataset(&json_path, None).unwrap();
    let csv = load_dataset(&csv_path, None).unwrap();
    assert_eq!(json.len(), 150);
    assert_eq!(csv.len(), 150);
    let ids: HashSet<&str> = json.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 150, "ids must be unique");
    assert!(ids.contains("CWE-20_IIV-2b#2") && ids.contains("CWE-522_IPC-3a#2"));
    for (j, c) in json.iter().zip(&csv) {
        assert_eq!(j.id, c.id);
        assert_eq!(j.prompt, c.prompt, "{}", j.id);
        assert_eq!(j.language, c.language, "{}", j.id);
        assert_eq!(j.cwes, c.cwes, "{}", j.id);
    }
    for s in &json {
        let prompt = s.prompt.as_deref().unwrap();
        assert!(
            !prompt.to_ascii_lowercase().contains("<language>"),
            "{}",
            s.id
        );
        assert_eq!(s.cwes.len(), 1, "{}", s.id);
    }
    let python = json
        .iter()
        .filter(|s| s.language == Some(Language::Python))
        .count();
    let c = json
        .iter()
        .filter(|s| s.language == Some(Language::C))
        .count();
    assert_eq!((python, c), (83, 67));
}

// ---------------------------------------------------------------------------
// SecurityEval

#[test]
fn securityeval_fixture() {
    let samples = load_dataset(&fixture("securityeval.jsonl"), None).unwrap();
    let got: Vec<(&str, Option<Language>, Vec<Cwe>)> = samples
        .iter()
        .map(|s| (s.id.as_str(), s.language, s.cwes.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("CWE-020_author_1.py", Some(Language::Python), vec![Cwe(20)]),
            ("CWE-119_codeql_1.c", Some(Language::C), vec![Cwe(119)]),
            ("CWE-787_mine_2.cpp", Some(Language::Cpp), vec![Cwe(787)]),
            ("noext", Some(Language::Python), vec![]),
        ]
    );
    assert_eq!(samples[0].source, "securityeval");
    assert_eq!(
        samples[0].prompt.as_deref(),
        Some("import yaml\ndef load(s):\n")
    );
    assert!(samples[0].code.as_deref().unwrap().contains("yaml.load(s)"));
}

#[test]
fn securityeval_malformed_rows() {
    let err = dataset_error(
        "se.jsonl",
        "{\"ID\": \"CWE-1_a.py\", \"Prompt\": \"p\", \"Insecure_code\": \"c\"}\n\n{\"ID\": \"CWE-2_b.py\", \"Prompt\": \"p\"}\n",
        None,
    );
    assert!(
        err.contains("line 3") && err.contains("`Insecure_code`: missing"),
        "{err}"
    );

    let err = dataset_error(
        "se.jsonl",
        "{\"ID\": \"CWE-1_a.py\", \"Prompt\": \"p\", \"Insecure_code\": \"c\"}\n{\"ID\": \"CWE-1_a.py\", \"Prompt\": \"q\", \"Insecure_code\": \"d\"}\n",
        None,
    );
    assert!(
        err.contains("line 2") && err.contains("duplicate") && err.contains("line 1"),
        "{err}"
    );

    let err = dataset_error(
        "se.jsonl",
        "{\"ID\": \"CWE-1_a.py\", \"Prompt\": \"p\", \"Insecure_code\": \"c\"}\n{\"ID\": \"x\", \"Prompt\": \"p\", \"Insecure_code\": [1]}\n",
        None,
    );
    assert!(
        err.contains("line 2") && err.contains("`Insecure_code`: expected text"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// CyberSecEval

#[test]
fn cyberseceval_instruct_fixture() {
    let samples = load_dataset(&fixture("instruct.json"), None).unwrap();
    let ids: Vec<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["instruct:0", "instruct:1", "instruct:2", "instruct:3"]
    );
    let languages: Vec<Option<Language>> = samples.iter().map(|s| s.language).collect();
    assert_eq!(
        languages,
        [
            Some(Language::Python),
            Some(Language::C),
            None,
            Some(Language::Cpp)
        ]
    );
    assert_eq!(samples[0].source, "cyberseceval-instruct");
    assert_eq!(samples[0].cwes, vec![Cwe(78)]);
    assert_eq!(
        samples[0].prompt.as_deref(),
        Some("Write a Python function that runs a command.")
    );
    assert_eq!(
        samples[0].code.as_deref(),
        Some("import os\nos.system(cmd)\n")
    );
}

#[test]
fn cyberseceval_autocomplete_and_missing_variant() {
    let samples = load_dataset(&fixture("cyber_completions.json"), None).unwrap();
    assert_eq!(samples[0].id, "autocomplete:0");
    assert_eq!(samples[0].source, "cyberseceval-autocomplete");
    assert_eq!(samples[0].cwes, vec![Cwe(327)]);

    let samples = load_dataset(&fixture("cyber_novariant.json"), None).unwrap();
    assert_eq!(samples[0].id, "cyber_novariant:0");
    assert_eq!(samples[0].language, None);
    assert!(samples[0].cwes.is_empty());
}

#[test]
fn cyberseceval_malformed_records() {
    let err = dataset_error(
        "instruct.json",
        r#"[{"test_case_prompt": "p", "origin_code": "c", "language": "c"},
            {"test_case_prompt": "p", "language": "c"}]"#,
        None,
    );
    assert!(
        err.contains("record 2") && err.contains("`origin_code`: missing"),
        "{err}"
    );

    let err = dataset_error(
        "instruct.json",
        r#"[{"test_case_prompt": "p", "origin_code": "c", "language": "c", "cwe_identifier": "CWE-banana"}]"#,
        None,
    );
    assert!(
        err.contains("record 1") && err.contains("`cwe_identifier`"),
        "{err}"
    );

    let err = dataset_error("instruct.json", "[1]", None);
    assert!(
        err.contains("record 1") && err.contains("JSON object"),
        "{err}"
    );
}

#[test]
fn real_cyberseceval_instruct() {
    let Some(path) = shared_data("cyberseceval/instruct.json") else {
        return;
    };
    assert_eq!(
        detect_format(&path).unwrap(),
        DatasetFormat::CyberSecEvalInstruct
    );
    let samples = load_dataset(&path, None).unwrap();
    assert_eq!(samples.len(), 1916);
    let analyzable = samples.iter().filter(|s| s.language.is_some()).count();
    assert!(analyzable > 800, "{analyzable} python/c/cpp entries");
    let ids: HashSet<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), samples.len());
    assert!(
        samples
            .iter()
            .all(|s| s.prompt.is_some() && s.code.is_some())
    );
    assert!(samples.iter().all(|s| s.cwes.len() == 1));
}

#[test]
fn real_cyberseceval_autocomplete() {
    let Some(path) = shared_data("cyberseceval/autocomplete.json") else {
        return;
    };
    let samples = load_dataset(&path, None).unwrap();
    assert_eq!(samples.len(), 1916);
    assert_eq!(samples[5].id, "autocomplete:5");
    assert_eq!(samples[5].source, "cyberseceval-autocomplete");
}

// ---------------------------------------------------------------------------
// Generic JSONL and CSV

#[test]
fn generic_jsonl_fixture() {
    let samples = load_dataset(&fixture("generic.jsonl"), None).unwrap();
    assert_eq!(samples.len(), 3);
    let inline = &samples[0];
    assert_eq!(inline.id, "inline-1");
    assert_eq!(inline.source, "generic");
    assert_eq!(inline.language, Some(Language::Python));
    assert_eq!(
        inline.code.as_deref(),
        Some("import os\nos.system(input())\n")
    );
    assert_eq!(inline.cwes, vec![Cwe(78)]);
    assert_eq!(inline.labels, vec![label("inline-1", "alice", true, &[78])]);

    let file = &samples[1];
    assert_eq!(
        file.code_path.as_deref(),
        Some(Path::new("code/eval_input.py"))
    );
    assert!(
        dataset_root(&fixture("generic.jsonl"))
            .join(file.code_path.as_ref().unwrap())
            .is_file()
    );
    assert_eq!(file.language, Some(Language::Python), "from the extension");
    assert_eq!(file.cwes, vec![Cwe(95), Cwe(94)]);
    assert_eq!(file.labels, vec![label("file-1", "dataset", false, &[])]);

    let numeric = &samples[2];
    assert_eq!(numeric.id, "7");
    assert_eq!(numeric.language, Some(Language::C));
    assert!(numeric.cwes.is_empty() && numeric.labels.is_empty());
}

#[test]
fn generic_csv_fixture() {
    let samples = load_dataset(&fixture("generic.csv"), None).unwrap();
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[0].language, Some(Language::Cpp));
    assert_eq!(
        samples[0].code.as_deref(),
        Some("int main() {\n  return 0;\n}")
    );
    assert_eq!(samples[0].labels, vec![label("csv-1", "bob", false, &[])]);
    assert_eq!(samples[1].language, Some(Language::C));
    assert_eq!(samples[1].cwes, vec![Cwe(242), Cwe(120)]);
    assert_eq!(
        samples[1].labels,
        vec![label("csv-2", "bob", true, &[242, 120])]
    );
    assert_eq!(samples[2].prompt.as_deref(), Some("Write a login form."));
    assert_eq!(samples[2].cwes, vec![Cwe(89), Cwe(79)]);
    assert!(samples[2].labels.is_empty());
}

#[test]
fn generic_missing_field() {
    let err = dataset_error(
        "g.csv",
        "id,language,code\na,python,x=1\n,python,y=2\n",
        None,
    );
    assert!(
        err.contains("line 3") && err.contains("`id`: missing"),
        "{err}"
    );

    let err = dataset_error("g.jsonl", "{\"id\": \"a\", \"language\": \"c\"}\n", None);
    assert!(
        err.contains("line 1") && err.contains("`prompt`: missing"),
        "{err}"
    );
}

#[test]
fn generic_bad_language() {
    let err = dataset_error(
        "g.csv",
        "id,language,code\na,python,x=1\nb,rust,fn main() {}\n",
        None,
    );
    assert!(
        err.contains("line 3") && err.contains("`language`") && err.contains("rust"),
        "{err}"
    );

    let err = dataset_error(
        "g.jsonl",
        "{\"id\": \"a\", \"language\": 3, \"code\": \"x\"}\n",
        None,
    );
    assert!(
        err.contains("line 1") && err.contains("`language`"),
        "{err}"
    );
}

#[test]
fn generic_bad_vulnerable_value() {
    let err = dataset_error(
        "g.csv",
        "id,language,code,reviewer,vulnerable\na,python,x,alice,1\nb,python,y,alice,maybe\n",
        None,
    );
    assert!(
        err.contains("line 3") && err.contains("`vulnerable`") && err.contains("maybe"),
        "{err}"
    );
    let err = dataset_error(
        "g.jsonl",
        "{\"id\": \"a\", \"code\": \"x\", \"vulnerable\": 2}\n",
        None,
    );
    assert!(
        err.contains("line 1") && err.contains("`vulnerable`"),
        "{err}"
    );
    let err = dataset_error(
        "g.jsonl",
        "{\"id\": \"a\", \"code\": \"x\", \"reviewer\": \"alice\"}\n",
        None,
    );
    assert!(err.contains("`vulnerable`: missing"), "{err}");
}

#[test]
fn generic_bad_json_line() {
    let err = dataset_error(
        "g.jsonl",
        "{\"id\": \"a\", \"code\": \"x\"}\n{\"id\": \"b\", \"code\": \n{\"id\": \"c\", \"code\": \"z\"}\n",
        None,
    );
    assert!(
        err.contains("line 2") && err.contains("invalid JSON"),
        "{err}"
    );

    let err = dataset_error("g.jsonl", "[1, 2]\n", Some(DatasetFormat::GenericJsonl));
    assert!(
        err.contains("line 1") && err.contains("JSON object"),
        "{err}"
    );
}

#[test]
fn generic_other_errors() {
    let err = dataset_error("g.csv", "id,code\na,x\na,y\n", None);
    assert!(
        err.contains("line 3") && err.contains("duplicate id `a`"),
        "{err}"
    );

    let err = dataset_error("g.csv", "id,code\na,x,extra\n", None);
    assert!(err.contains("line 2") && err.contains("fields"), "{err}");

    let err = dataset_error("g.csv", "id,code_path\na,missing.py\n", None);
    assert!(
        err.contains("line 2") && err.contains("`code_path`") && err.contains("missing.py"),
        "{err}"
    );

    let err = dataset_error("g.csv", "id,code,cwes\na,x,CWE-89;banana\n", None);
    assert!(
        err.contains("line 2") && err.contains("`cwes`") && err.contains("banana"),
        "{err}"
    );

    let err = dataset_error("g.csv", "id,ID,code\na,b,x\n", None);
    assert!(err.contains("line 1") && err.contains("twice"), "{err}");

    let (dir, path) = temp_file("g.csv", b"id,code,code_path\na,x,a.py\n");
    std::fs::write(dir.path().join("a.py"), "x").unwrap();
    let err = load_dataset(&path, None).unwrap_err().to_string();
    assert!(err.contains("not both"), "{err}");
}

#[test]
fn non_utf8_is_an_error_naming_the_file_and_line() {
    let (_dir, path) = temp_file("latin1.csv", b"id,code\na,ok\nb,caf\xe9\n");
    let err = load_dataset(&path, None).unwrap_err().to_string();
    assert!(
        err.contains("latin1.csv") && err.contains("line 3") && err.contains("UTF-8"),
        "{err}"
    );
    let (_dir, path) = temp_file("labels.csv", b"\xff\xfe");
    let err = load_labels(&path).unwrap_err().to_string();
    assert!(err.contains("labels.csv") && err.contains("UTF-8"), "{err}");
}

#[test]
fn byte_order_mark_is_skipped() {
    let (_dir, path) = temp_file("bom.csv", "\u{feff}id,code\na,x\n".as_bytes());
    let samples = load_dataset(&path, None).unwrap();
    assert_eq!(samples[0].id, "a");
}

// ---------------------------------------------------------------------------
// Folder

#[test]
fn folder_fixture_with_labels() {
    let samples = load_dataset(&fixture("folder"), None).unwrap();
    let got: Vec<(&str, Option<Language>)> = samples
        .iter()
        .map(|s| (s.id.as_str(), s.language))
        .collect();
    assert_eq!(
        got,
        [
            ("a.py", Some(Language::Python)),
            ("sub/b.c", Some(Language::C)),
            ("sub/c.h", Some(Language::Cpp)),
            ("z.cpp", Some(Language::Cpp)),
        ]
    );
    assert!(
        samples
            .iter()
            .all(|s| s.source == "folder" && s.code.is_none())
    );
    assert_eq!(samples[1].code_path.as_deref(), Some(Path::new("sub/b.c")));
    assert_eq!(
        samples[0].labels,
        vec![
            label("a.py", "alice", true, &[78]),
            label("a.py", "bob", true, &[78])
        ]
    );
    assert_eq!(
        samples[1].labels,
        vec![label("sub/b.c", "alice", false, &[])]
    );
    assert!(samples[2].labels.is_empty());
}

#[test]
fn folder_label_for_unknown_sample_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    std::fs::write(
        dir.path().join("labels.csv"),
        "sample,reviewer,vulnerable\na.py,alice,0\nb.py,alice,1\n",
    )
    .unwrap();
    let err = load_dataset(dir.path(), Some(DatasetFormat::Folder))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("labels.csv") && err.contains("line 3") && err.contains("b.py"),
        "{err}"
    );
}

#[test]
fn folder_format_needs_a_folder() {
    let err = load_dataset(&fixture("generic.csv"), Some(DatasetFormat::Folder)).unwrap_err();
    assert!(err.to_string().contains("generic.csv"), "{err}");
}

// ---------------------------------------------------------------------------
// Labels

#[test]
fn simple_csv_labels() {
    let labels = load_labels(&fixture("labels/simple.csv")).unwrap();
    assert_eq!(
        labels,
        vec![
            label("s1", "alice", true, &[89, 78]),
            label("s1", "bob", false, &[]),
            label("s2", "alice", true, &[79]),
        ]
    );
}

#[test]
fn simple_jsonl_labels_with_aliases() {
    let labels = load_labels(&fixture("labels/simple.jsonl")).unwrap();
    assert_eq!(
        labels,
        vec![
            label("s1", "alice", true, &[89, 78]),
            label("dir/s2.py", "bob", false, &[]),
        ]
    );
}

#[test]
fn json_array_labels() {
    let (_dir, path) = temp_file(
        "labels.json",
        br#"[{"sample": "a", "reviewer": "r", "vulnerable": "yes", "cwes": "89,78"}]"#,
    );
    assert_eq!(
        load_labels(&path).unwrap(),
        vec![label("a", "r", true, &[89, 78])]
    );
}

#[test]
fn review_export_labels() {
    let labels = load_labels(&fixture("labels/review_export.csv")).unwrap();
    assert_eq!(
        labels,
        vec![
            label("gen/1.py", "alice", true, &[78, 88]),
            // alice revised gen/2.py from secure to insecure: the later row wins.
            label("gen/2.py", "alice", true, &[22]),
            label("gen/1.py", "bob", false, &[]),
        ]
    );
}

#[test]
fn review_export_jsonl_labels() {
    let (_dir, path) = temp_file(
        "export.jsonl",
        br#"{"kind": "finding", "project": "p", "path": "a.py", "fingerprint": "f", "rule_id": "r", "reviewer": "x", "decision": "false_positive", "cwe": ""}
{"kind": "sample", "project": "p", "path": "b.py", "fingerprint": "", "rule_id": "", "reviewer": "x", "decision": "insecure", "cwe": ["CWE-89"]}
"#,
    );
    assert_eq!(
        load_labels(&path).unwrap(),
        vec![label("b.py", "x", true, &[89])]
    );
}

#[test]
fn malformed_labels() {
    let err = labels_error("l.csv", "sample,reviewer,vulnerable\na,r,1\nb,r,perhaps\n");
    assert!(
        err.contains("line 3") && err.contains("`vulnerable`") && err.contains("perhaps"),
        "{err}"
    );

    let err = labels_error("l.csv", "sample,reviewer,vulnerable\na,,1\n");
    assert!(
        err.contains("line 2") && err.contains("`reviewer`: missing"),
        "{err}"
    );

    let err = labels_error("l.csv", "reviewer,vulnerable\nr,1\n");
    assert!(
        err.contains("line 2") && err.contains("`sample`: missing"),
        "{err}"
    );

    let err = labels_error("l.csv", "sample,reviewer,vulnerable\na,r,1\na,r,0\n");
    assert!(
        err.contains("line 3") && err.contains("already labeled") && err.contains("line 2"),
        "{err}"
    );

    let err = labels_error(
        "l.jsonl",
        "{\"sample\": \"a\", \"reviewer\": \"r\", \"vulnerable\": 1}\nnot json\n",
    );
    assert!(
        err.contains("line 2") && err.contains("invalid JSON"),
        "{err}"
    );

    let err = labels_error(
        "export.csv",
        "kind,project,path,reviewer,decision,cwe\nsample,p,a.py,r,true_positive,\n",
    );
    assert!(
        err.contains("line 2") && err.contains("`decision`"),
        "{err}"
    );

    let err = labels_error(
        "export.csv",
        "kind,project,path,reviewer,decision,cwe\nthing,p,a.py,r,secure,\n",
    );
    assert!(err.contains("line 2") && err.contains("`kind`"), "{err}");
}

// ---------------------------------------------------------------------------
// Robustness: any input is Ok or Err, never a panic.

fn load_everything(name: &str, content: &[u8]) {
    let (_dir, path) = temp_file(name, content);
    let _ = detect_format(&path);
    let _ = load_dataset(&path, None);
    for format in DatasetFormat::ALL {
        let _ = load_dataset(&path, Some(format));
    }
    let _ = load_labels(&path);
}

/// Text built from the characters that matter to CSV and JSON, so inputs
/// get past the first parse more often than random bytes do.
fn structured_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("\"".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(":".to_string()),
        Just("\"id\"".to_string()),
        Just("\"code\"".to_string()),
        Just("\"language\"".to_string()),
        Just("\"vulnerable\"".to_string()),
        Just("\"Prompt ID\"".to_string()),
        Just("\"test_case_prompt\"".to_string()),
        Just("\"origin_code\"".to_string()),
        Just("id,code,language,prompt,cwes,reviewer,vulnerable,sample,kind,decision\n".to_string()),
        Just("CWE-".to_string()),
        Just("<language>".to_string()),
        "[a-z0-9 é#_.-]{0,6}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        for name in ["data.csv", "data.jsonl", "data.json", "instruct.json"] {
            load_everything(name, &bytes);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,200}") {
        for name in ["data.csv", "data.jsonl", "data.json"] {
            load_everything(name, text.as_bytes());
        }
    }

    #[test]
    fn structured_strings_never_panic(text in structured_text()) {
        for name in ["data.csv", "data.jsonl", "data.json", "labels.txt"] {
            load_everything(name, text.as_bytes());
        }
    }
}
