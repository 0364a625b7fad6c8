//! The CWE catalogue importer, on an invented fixture in MITRE's schema shape
//! and, when present, on MITRE's real v4.14 file.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use secguard_kb::catalogue::{
    Catalogue, CatalogueError, Mitigation, Relation, parse_catalogue, read_catalogue,
};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cwec_slice.xml")
}

fn fixture_text() -> String {
    match std::fs::read_to_string(fixture_path()) {
        Ok(text) => text,
        Err(e) => panic!("cannot read the fixture: {e}"),
    }
}

fn fixture() -> Catalogue {
    match read_catalogue(&fixture_path()) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn rel(nature: &str, target: u32, view: u32, ordinal: Option<&str>) -> Relation {
    Relation {
        nature: nature.to_owned(),
        target,
        view,
        ordinal: ordinal.map(str::to_owned),
    }
}

#[test]
fn fixture_header_and_counts() {
    let c = fixture();
    assert_eq!(c.name, "CWE");
    assert_eq!(c.version, "0.1-test");
    assert_eq!(c.date, "2001-02-03");
    let ids: Vec<u32> = c.weaknesses.iter().map(|w| w.id).collect();
    assert_eq!(ids, [7001, 7002, 7003, 7004, 7005, 7006, 7007, 7008]);
    assert_eq!(c.categories.len(), 2);
    assert_eq!(c.views.len(), 2);
}

#[test]
fn fixture_weakness_fields_and_flattened_text() {
    let c = fixture();
    let Some(w) = c.weakness(7001) else {
        panic!("7001 missing")
    };
    assert_eq!(w.name, "Widget Input Trusted Too Early");
    assert_eq!(w.abstraction.as_deref(), Some("Class"));
    assert_eq!(w.status.as_deref(), Some("Draft"));
    assert_eq!(
        w.description,
        "The widget accepts a value from outside and acts on it before checking it."
    );
    assert_eq!(
        w.extended_description,
        "Widgets often receive values from places the author did not expect.\n\n\
         Two things tend to go wrong:\n\n\
         - the value is longer than planned;\n\
         - the value contains control characters.\n\n\
         First line\nsecond line"
    );
    assert_eq!(w.relations, [rel("ParentOf", 7002, 1000, None)]);

    let Some(w) = c.weakness(7008) else {
        panic!("7008 missing")
    };
    assert_eq!(
        w.extended_description,
        "Steps seen in practice:\n\n- open the widget\n- resize it\n  - to zero\n\nSize Effect\n0 hidden"
    );

    let Some(w) = c.weakness(7007) else {
        panic!("7007 missing")
    };
    assert_eq!(
        w.description,
        "Values with <newlines> & markers reach the gadget log."
    );
    assert_eq!(w.extended_description, "");
    assert!(w.mitigations.is_empty());
    assert!(c.weakness(1).is_none());
}

#[test]
fn fixture_mitigations() {
    let c = fixture();
    let Some(w) = c.weakness(7001) else {
        panic!("7001 missing")
    };
    assert_eq!(
        w.mitigations,
        [
            Mitigation {
                phases: vec!["Architecture and Design".into(), "Implementation".into()],
                strategy: Some("Input Validation".into()),
                description: "Check every widget value against a list of allowed shapes.".into(),
            },
            Mitigation {
                phases: vec!["Testing".into()],
                strategy: None,
                description: "Feed the widget odd values in tests.\n\n\
                              Keep the odd values as regression cases."
                    .into(),
            },
        ]
    );
}

#[test]
fn fixture_relations() {
    let c = fixture();
    let relations = |id| match c.weakness(id) {
        Some(w) => w.relations.clone(),
        None => panic!("{id} missing"),
    };
    assert_eq!(
        relations(7002),
        [
            rel("ChildOf", 7001, 1000, Some("Primary")),
            rel("ChildOf", 7100, 699, Some("Primary")),
            rel("CanPrecede", 7003, 1000, None),
        ]
    );
    assert_eq!(
        relations(7003),
        [
            rel("ChildOf", 7004, 1000, Some("Primary")),
            rel("PeerOf", 7005, 1000, None),
        ]
    );
    assert_eq!(relations(7006), []);
    // Duplicates are kept as written; child_parent_pairs removes them.
    assert_eq!(relations(7007).len(), 2);
}

#[test]
fn fixture_deprecated_entries_are_kept() {
    let c = fixture();
    let Some(w) = c.weakness(7006) else {
        panic!("7006 missing")
    };
    assert_eq!(w.status.as_deref(), Some("Deprecated"));
    assert_eq!(w.name, "DEPRECATED: Old Widget Trouble");
    assert_eq!(
        w.description,
        "This entry was folded into 7001 and is kept only for history."
    );
    let Some(cat) = c.category(7101) else {
        panic!("7101 missing")
    };
    assert_eq!(cat.status.as_deref(), Some("Deprecated"));
    assert_eq!(cat.summary, "No longer used.");
    assert!(cat.members.is_empty());
}

#[test]
fn fixture_categories_and_views() {
    let c = fixture();
    let cat = &c.categories[0];
    assert_eq!(cat.id, 7100);
    assert_eq!(cat.name, "Widget Handling Problems");
    assert_eq!(cat.status.as_deref(), Some("Draft"));
    assert_eq!(
        cat.summary,
        "Weaknesses in how widgets take in and pass on values."
    );
    assert_eq!(cat.members, [(7002, 699), (7008, 699)]);

    let v = &c.views[0];
    assert_eq!(v.id, 1000);
    assert_eq!(v.name, "Invented Research Tree");
    assert_eq!(v.view_type.as_deref(), Some("Graph"));
    assert_eq!(v.status.as_deref(), Some("Draft"));
    assert_eq!(
        v.objective,
        "Arrange the invented entries by what they are."
    );
    assert_eq!(v.members, [(7001, 1000), (7004, 1000)]);

    let Some(v) = c.view(699) else {
        panic!("699 missing")
    };
    assert_eq!(v.name, "Invented Development Tree");
    assert_eq!(v.status.as_deref(), Some("Incomplete"));
    assert_eq!(
        v.objective,
        "Arrange the invented entries by where a developer meets them."
    );
    assert_eq!(v.members, [(7100, 699)]);
}

#[test]
fn fixture_child_parent_pairs() {
    let c = fixture();
    assert_eq!(
        c.child_parent_pairs(1000),
        [(7002, 7001), (7003, 7004), (7005, 7004), (7007, 7001)]
    );
    assert_eq!(c.child_parent_pairs(699), [(7002, 7100), (7008, 7100)]);
    assert!(c.child_parent_pairs(1003).is_empty());
}

#[test]
fn fixture_round_trips_through_serde() {
    let c = fixture();
    let json = match serde_json::to_string(&c) {
        Ok(j) => j,
        Err(e) => panic!("{e}"),
    };
    let back: Catalogue = match serde_json::from_str(&json) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(back, c);
}

#[test]
fn error_not_xml_names_line_and_column() {
    let text = "<Weakness_Catalog Version=\"1\">\n  <Weaknesses>\n  </Weakness_Catalog>";
    match parse_catalogue(text) {
        Err(
            e @ CatalogueError::Xml {
                line: 3, column, ..
            },
        ) => {
            assert!(column > 0);
            let msg = e.to_string();
            assert!(msg.contains("line 3"), "{msg}");
            assert!(msg.contains(&format!("column {column}")), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_catalogue("plainly not xml"),
        Err(CatalogueError::Xml { line: 1, .. })
    ));
    assert!(matches!(
        parse_catalogue(""),
        Err(CatalogueError::Xml { .. })
    ));
}

#[test]
fn error_other_root_element() {
    let text = r#"<Attack_Pattern_Catalog Name="CAPEC" Version="3.9"/>"#;
    match parse_catalogue(text) {
        Err(e @ CatalogueError::NotACatalogue { .. }) => {
            assert!(e.to_string().contains("Attack_Pattern_Catalog"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_weakness_without_id_or_name() {
    let text = fixture_text().replacen(r#"<Weakness ID="7003" "#, "<Weakness ", 1);
    let line = text
        .lines()
        .position(|l| l.contains(r#"Name="Gadget Buffer Overrun""#))
        .map(|i| i as u32 + 1);
    match parse_catalogue(&text) {
        Err(e @ CatalogueError::BadField { .. }) => {
            let CatalogueError::BadField {
                line: at,
                ref element,
                ref message,
            } = e
            else {
                unreachable!()
            };
            assert_eq!(Some(at), line);
            assert_eq!(element, "Weakness");
            assert!(message.contains("ID"), "{message}");
            assert!(e.to_string().contains(&format!("line {at}")), "{e}");
        }
        other => panic!("{other:?}"),
    }

    let text = fixture_text().replacen(r#"Name="Gadget Memory Misuse" "#, "", 1);
    match parse_catalogue(&text) {
        Err(CatalogueError::BadField { message, .. }) => {
            assert!(message.contains("Name"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_errors_name_the_path() {
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no_such_file.xml");
    match read_catalogue(&missing) {
        Err(e @ CatalogueError::Io { .. }) => {
            assert!(e.to_string().contains("no_such_file.xml"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // A file that is XML but not a catalogue: the error names the file too.
    let not_catalogue = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    match read_catalogue(&not_catalogue) {
        Err(e @ CatalogueError::InFile { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("Cargo.toml"), "{msg}");
            assert!(msg.contains("XML"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn real_catalogue_v4_14() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cwe/cwec_v4.14.xml");
    if !path.exists() {
        if std::env::var_os("CI").is_some() {
            panic!("{} is missing (required when CI is set)", path.display());
        }
        eprintln!(
            "skipping real_catalogue_v4_14: {} is not present",
            path.display()
        );
        return;
    }
    let c = match read_catalogue(&path) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.version, "4.14");
    assert!(c.weaknesses.len() > 900, "{}", c.weaknesses.len());
    let Some(xss) = c.weakness(79) else {
        panic!("CWE-79 missing")
    };
    assert!(!xss.description.trim().is_empty());
    assert!(!xss.mitigations.is_empty());
    let pairs = c.child_parent_pairs(1000);
    assert!(pairs.binary_search(&(89, 943)).is_ok());
    assert!(pairs.binary_search(&(121, 787)).is_ok());
    assert!(c.view(1000).is_some());
    assert!(!c.categories.is_empty());
    assert!(
        c.weaknesses
            .iter()
            .any(|w| w.status.as_deref() == Some("Deprecated"))
    );
    // Flattening leaves no markup and no runs of spaces behind.
    for w in &c.weaknesses {
        for text in [&w.description, &w.extended_description] {
            assert!(!text.contains("  "), "CWE-{}: {text:?}", w.id);
            assert!(!text.contains("\n\n\n"), "CWE-{}", w.id);
            assert_eq!(text.trim(), text.as_str(), "CWE-{}", w.id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_catalogue(&text);
    }

    #[test]
    fn arbitrary_xmlish_text_never_panics(text in "(<[A-Za-z_:]{0,12}( [A-Za-z_]{1,6}=\"[^\"<]{0,6}\")?/?>|</[A-Za-z_:]{0,12}>|[^<]{0,10}){0,30}") {
        let wrapped = format!("<Weakness_Catalog><Weaknesses><Weakness ID=\"1\" Name=\"n\"><Description>{text}</Description></Weakness></Weaknesses></Weakness_Catalog>");
        let _ = parse_catalogue(&text);
        let _ = parse_catalogue(&wrapped);
    }

    #[test]
    fn truncated_fixture_never_panics(cut in 0usize..9000) {
        let text = fixture_text();
        let mut end = cut.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let _ = parse_catalogue(&text[..end]);
    }

    #[test]
    fn mutated_fixture_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12)
    ) {
        let mut bytes = fixture_text().into_bytes();
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, byte),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_catalogue(&text);
    }
}
