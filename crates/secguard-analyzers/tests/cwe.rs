//! CWE normalization and CWE families.

use proptest::prelude::*;
use secguard_analyzers::cwe::{CweFamilies, normalize_all, normalize_cwes};
use secguard_core::Cwe;

fn ids(text: &str) -> Vec<u32> {
    normalize_cwes(text).into_iter().map(|c| c.0).collect()
}

#[test]
fn plain_cwe_ids() {
    assert_eq!(ids("CWE-89"), [89]);
    assert_eq!(ids("cwe-89"), [89]);
    assert_eq!(ids("CWE89"), [89]);
    assert_eq!(ids("CWE 89"), [89]);
    assert_eq!(ids("CWE_89"), [89]);
    assert_eq!(ids("CWE:89"), [89]);
    assert_eq!(ids("  CWE-0089  "), [89]);
}

#[test]
fn cwe_with_a_title() {
    assert_eq!(
        ids(
            "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
        ),
        [89]
    );
    // Numbers after the title are not CWE ids.
    assert_eq!(
        ids("CWE-798: Use of Hard-coded Credentials in line 42"),
        [798]
    );
    assert_eq!(ids("CWE-89 A03:2021 - Injection"), [89]);
}

#[test]
fn codeql_tags() {
    assert_eq!(ids("external/cwe/cwe-089"), [89]);
    assert_eq!(ids("external/cwe/cwe-78"), [78]);
    assert_eq!(
        normalize_all(["security", "external/cwe/cwe-078", "external/cwe/cwe-088"]),
        [Cwe(78), Cwe(88)]
    );
}

#[test]
fn bare_numbers() {
    assert_eq!(ids("89"), [89]);
    assert_eq!(ids("089"), [89]);
    assert_eq!(ids(" 78,77 "), [77, 78]);
    assert_eq!(ids("[79, 80]"), [79, 80]);
    // Text without the word CWE is not a list of ids.
    assert!(ids("version 2 of 3").is_empty());
}

#[test]
fn lists() {
    assert_eq!(ids("cwe-78,cwe-77"), [77, 78]);
    assert_eq!(ids("CWE-362/CWE-367!"), [362, 367]);
    assert_eq!(ids("[CWE-79, CWE-80]"), [79, 80]);
    assert_eq!(ids("CWE-79, 80"), [79, 80]);
    assert_eq!(ids("CWE-120; CWE-787 | CWE-125"), [120, 125, 787]);
    assert_eq!(ids("(CWE-190)(CWE-680)"), [190, 680]);
}

#[test]
fn json_ish_values() {
    assert_eq!(ids(r#"["CWE-79","CWE-80"]"#), [79, 80]);
    assert_eq!(ids(r#"{"cwe": [89, 564]}"#), [89, 564]);
    assert_eq!(ids(r#"{"cwes": ["CWE-22"]}"#), [22]);
    assert_eq!(ids("[89, 89, 79]"), [79, 89]);
    // Bandit's issue_cwe object.
    assert_eq!(
        ids(r#"{"id": 78, "link": "https://cwe.mitre.org/data/definitions/78.html"}"#),
        [78]
    );
    assert_eq!(ids("CWE ID 89"), [89]);
}

#[test]
fn dedup_and_sort() {
    assert_eq!(ids("CWE-89 cwe-089 CWE-79 external/cwe/cwe-89"), [79, 89]);
}

#[test]
fn no_ids() {
    assert!(ids("").is_empty());
    assert!(ids("CWE").is_empty());
    assert!(ids("CWE-").is_empty());
    assert!(ids("CWE-0").is_empty());
    assert!(ids("0").is_empty());
    assert!(ids("security").is_empty());
    assert!(ids("CWE-99999999999999999999").is_empty());
}

#[test]
fn non_ascii_text() {
    assert_eq!(ids("CWE-89：注入"), [89]);
    assert_eq!(ids("ＣＷＥ-89 CWE-٣"), Vec::<u32>::new());
}

#[test]
fn builtin_families_relate_the_issue_examples() {
    let f = CweFamilies::builtin();
    assert!(f.related(Cwe(327), Cwe(328)));
    assert!(f.related(Cwe(78), Cwe(77)));
    for a in [119, 120, 121, 122, 787, 125] {
        for b in [119, 120, 121, 122, 787, 125] {
            assert!(f.related(Cwe(a), Cwe(b)), "{a} {b}");
        }
    }
    assert!(!f.related(Cwe(78), Cwe(89)));
    assert!(!f.related(Cwe(787), Cwe(416)));
    assert!(f.related(Cwe(4242), Cwe(4242)));
    assert!(!f.related(Cwe(4242), Cwe(4243)));
}

#[test]
fn builtin_family_keys() {
    let f = CweFamilies::builtin();
    assert_eq!(f.family_key(Cwe(787)), Cwe(119));
    assert_eq!(f.family_key(Cwe(125)), Cwe(119));
    assert_eq!(f.family_key(Cwe(78)), Cwe(77));
    assert_eq!(f.family_key(Cwe(328)), Cwe(326));
    assert_eq!(f.family_key(Cwe(4242)), Cwe(4242));
    // Equal keys mean related, over the whole table.
    let all: Vec<Cwe> = CweFamilies::builtin_table()
        .iter()
        .flat_map(|(_, m)| m.iter().map(|n| Cwe(*n)))
        .collect();
    for a in &all {
        for b in &all {
            assert_eq!(f.family_key(*a) == f.family_key(*b), f.related(*a, *b));
        }
    }
}

/// A slice of MITRE's research view: 664 > 118 > 119 > {120, 787, 125},
/// 120 > 121, 707 > 74 > 77 > 78, 707 > 74 > 89.
fn hierarchy() -> CweFamilies {
    CweFamilies::from_hierarchy([
        (Cwe(118), Cwe(664)),
        (Cwe(119), Cwe(118)),
        (Cwe(120), Cwe(119)),
        (Cwe(787), Cwe(119)),
        (Cwe(125), Cwe(119)),
        (Cwe(121), Cwe(787)),
        (Cwe(74), Cwe(707)),
        (Cwe(77), Cwe(74)),
        (Cwe(78), Cwe(77)),
        (Cwe(89), Cwe(74)),
        (Cwe(5), Cwe(5)),
    ])
}

#[test]
fn hierarchy_relation_rule() {
    let f = hierarchy();
    // Parent and grandparent, both directions.
    assert!(f.related(Cwe(787), Cwe(119)));
    assert!(f.related(Cwe(119), Cwe(787)));
    assert!(f.related(Cwe(121), Cwe(119)));
    assert!(f.related(Cwe(78), Cwe(74)));
    // Three levels up is too far.
    assert!(!f.related(Cwe(121), Cwe(118)));
    assert!(!f.related(Cwe(78), Cwe(707)));
    // Siblings share a parent.
    assert!(f.related(Cwe(787), Cwe(125)));
    assert!(f.related(Cwe(77), Cwe(89)));
    // Cousins do not.
    assert!(!f.related(Cwe(78), Cwe(89)));
    assert!(!f.related(Cwe(121), Cwe(125)));
    // Unrelated trees, self, unknown ids and ignored self-loops.
    assert!(!f.related(Cwe(787), Cwe(89)));
    assert!(f.related(Cwe(9999), Cwe(9999)));
    assert!(!f.related(Cwe(5), Cwe(9999)));
}

#[test]
fn hierarchy_family_keys() {
    let f = hierarchy();
    assert_eq!(f.family_key(Cwe(787)), Cwe(119));
    assert_eq!(f.family_key(Cwe(125)), Cwe(119));
    assert_eq!(f.family_key(Cwe(664)), Cwe(664));
    assert_eq!(f.family_key(Cwe(5)), Cwe(5));
    let all = [118, 119, 120, 121, 125, 787, 74, 77, 78, 89, 664, 707];
    for a in all {
        for b in all {
            if f.family_key(Cwe(a)) == f.family_key(Cwe(b)) {
                assert!(f.related(Cwe(a), Cwe(b)), "{a} {b}");
            }
        }
    }
}

#[test]
fn any_related_lists() {
    let f = CweFamilies::builtin();
    assert!(f.any_related(&[Cwe(89), Cwe(787)], &[Cwe(125)]));
    assert!(!f.any_related(&[Cwe(89)], &[]));
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        for c in normalize_cwes(&text) {
            prop_assert!(c.0 > 0);
        }
    }

    #[test]
    fn cwe_like_text_never_panics(text in "[cCwWeE0-9 ,;:/\\[\\]\\-_\"'{}!.]{0,40}") {
        let found = normalize_cwes(&text);
        prop_assert!(found.iter().all(|c| c.0 > 0));
        prop_assert!(found.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_written_id_is_found(n in 1u32..100_000, pad in 0usize..3) {
        let text = format!("CWE-{}{n}: Some Title", "0".repeat(pad));
        prop_assert_eq!(normalize_cwes(&text), vec![Cwe(n)]);
        prop_assert_eq!(normalize_cwes(&format!("external/cwe/cwe-{n}")), vec![Cwe(n)]);
    }
}
