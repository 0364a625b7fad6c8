//! CWE normalization: every tool's notation mapped to the same [`Cwe`] ids,
//! and CWE *families*, which say when two findings with different CWE ids
//! are about the same kind of weakness (CWE-327 and CWE-328, CWE-78 and
//! CWE-77, CWE-787 and CWE-125).

use secguard_core::Cwe;
use std::collections::{BTreeSet, HashMap};

/// Words that may sit between the word `CWE` and its number without ending
/// the CWE context: `CWE ID 89`, `https://cwe.mitre.org/data/definitions/89.html`.
const TRANSPARENT_WORDS: &[&str] = &[
    "id",
    "ids",
    "no",
    "nr",
    "http",
    "https",
    "www",
    "mitre",
    "org",
    "data",
    "definitions",
];

/// `CWE`, or `CWEs` as in `{"cwes": [89]}`.
fn is_cwe_word(word: &str) -> bool {
    word.eq_ignore_ascii_case("cwe") || word.eq_ignore_ascii_case("cwes")
}

/// One run of characters of the same class.
enum Token<'a> {
    Word(&'a str),
    Number(&'a str),
}

/// Split into runs of letters and runs of ASCII digits; everything else
/// separates tokens.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start: Option<(usize, bool)> = None; // (byte index, is_digit)
    for (i, c) in text.char_indices() {
        let class = if c.is_ascii_digit() {
            Some(true)
        } else if c.is_alphabetic() {
            Some(false)
        } else {
            None
        };
        match (start, class) {
            (Some((_, digit)), Some(d)) if digit == d => {}
            (Some((s, digit)), _) => {
                out.push(make_token(&text[s..i], digit));
                start = class.map(|d| (i, d));
            }
            (None, Some(d)) => start = Some((i, d)),
            (None, None) => {}
        }
    }
    if let Some((s, digit)) = start {
        out.push(make_token(&text[s..], digit));
    }
    out
}

fn make_token(text: &str, digit: bool) -> Token<'_> {
    if digit {
        Token::Number(text)
    } else {
        Token::Word(text)
    }
}

/// A CWE number: leading zeros allowed (`cwe-089`), zero and numbers that
/// do not fit in `u32` rejected.
fn number(digits: &str) -> Option<Cwe> {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() || trimmed.len() > 9 {
        return None;
    }
    trimmed.parse::<u32>().ok().filter(|n| *n > 0).map(Cwe)
}

/// Every CWE id named in `text`, deduplicated and sorted.
///
/// Accepts the notations tools use: `CWE-89`, `cwe-089`, `CWE89`, `CWE 89`,
/// `CWE-89: Improper Neutralization ...`, `external/cwe/cwe-089`, MITRE
/// links (`https://cwe.mitre.org/data/definitions/89.html`), lists such as
/// `cwe-78,cwe-77`, `CWE-362/CWE-367!`, `[CWE-79, CWE-80]`, `CWE-79, 80`, and
/// JSON-ish values (`["CWE-79","CWE-80"]`, `{"cwe": [89, 564]}`).
///
/// The rules:
/// - When the text mentions `CWE` anywhere, a number counts only inside a
///   CWE context: right after the word `CWE` (or after a few link words such
///   as `id`, `mitre`, `definitions`), or after another number of that
///   context (`CWE-79, 80`). Any other word ends the context, so the numbers
///   in `CWE-798 in line 42` or `CWE-89 A03:2021` other than the CWE are not
///   taken.
/// - When the text has no letters at all (`89`, `78,77`, `[79, 80]`), every
///   number is a CWE id.
/// - Otherwise (letters but no `CWE`) nothing is taken.
///
/// Zero is not a CWE id; it and numbers too large for `u32` are skipped.
/// Never panics.
pub fn normalize_cwes(text: &str) -> Vec<Cwe> {
    let toks = tokens(text);
    let mentions_cwe = toks
        .iter()
        .any(|t| matches!(t, Token::Word(w) if is_cwe_word(w)));
    let has_letters = toks.iter().any(|t| matches!(t, Token::Word(_)));
    let mut found = BTreeSet::new();
    if mentions_cwe {
        let mut in_context = false;
        for t in &toks {
            match t {
                Token::Word(w) if is_cwe_word(w) => in_context = true,
                Token::Word(w) => {
                    if !TRANSPARENT_WORDS.iter().any(|t| w.eq_ignore_ascii_case(t)) {
                        in_context = false;
                    }
                }
                Token::Number(n) => {
                    if in_context && let Some(c) = number(n) {
                        found.insert(c);
                    }
                }
            }
        }
    } else if !has_letters {
        for t in &toks {
            if let Token::Number(n) = t
                && let Some(c) = number(n)
            {
                found.insert(c);
            }
        }
    }
    found.into_iter().collect()
}

/// [`normalize_cwes`] over several texts (a tag list, a metadata array).
pub fn normalize_all<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<Cwe> {
    let mut found: BTreeSet<Cwe> = BTreeSet::new();
    for t in texts {
        found.extend(normalize_cwes(t));
    }
    found.into_iter().collect()
}

/// The built-in table of CWE families, written by us. Each line is one
/// family; the first id is its representative. Families are disjoint.
const BUILTIN_FAMILIES: &[(&str, &[u32])] = &[
    (
        "memory bounds",
        &[
            119, 120, 121, 122, 124, 125, 126, 127, 129, 131, 170, 193, 787, 788, 805, 806,
        ],
    ),
    ("OS command injection", &[77, 78, 88]),
    ("weak cryptography", &[326, 327, 328, 759, 760, 916]),
    ("weak randomness", &[330, 331, 338]),
    ("path traversal", &[22, 23, 36, 73]),
    ("code injection", &[94, 95]),
    ("unsafe deserialization", &[502]),
    ("integer overflow", &[190, 191, 680]),
    ("use after free / double free", &[415, 416]),
    ("uninitialized memory", &[457, 908]),
    ("null dereference", &[476, 690]),
    ("resource leaks", &[401, 772]),
    ("hard-coded credentials", &[259, 321, 798]),
    ("cross-site scripting", &[79, 80]),
    ("SQL injection", &[89, 564]),
    ("certificate validation", &[295, 297]),
    ("cleartext sensitive data", &[311, 312, 319]),
    ("race conditions", &[362, 367]),
    ("insecure temporary files", &[377, 379]),
    ("XML external entities", &[611, 776, 827]),
];

/// Which CWE ids are "the same kind of weakness", for merging and comparing
/// findings from tools that pick different ids for one problem.
///
/// Two sources, with different rules:
/// - [`CweFamilies::builtin`]: a table written by us. Two CWEs are related
///   when they are in the same family; a CWE outside the table is related
///   only to itself.
/// - [`CweFamilies::from_hierarchy`]: MITRE's `ChildOf` hierarchy (for the
///   knowledge base's importer). Two CWEs `a` and `b` are related when
///   `a == b`, when one is a parent or a grandparent of the other (an
///   ancestor within 2 levels), or when they share a parent (siblings).
///   Cousins and more distant relatives are not related, so the broad
///   pillars near the top of the hierarchy do not merge everything.
///
/// Relatedness is symmetric and reflexive but, for the hierarchy, not
/// transitive; [`CweFamilies::family_key`] gives a representative for
/// grouping, such that equal keys always mean related CWEs.
#[derive(Debug, Clone)]
pub struct CweFamilies {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Table {
        /// CWE to the index of its family.
        family_of: HashMap<Cwe, usize>,
        /// The representative of each family.
        keys: Vec<Cwe>,
    },
    Hierarchy {
        /// CWE to its parents, sorted.
        parents: HashMap<Cwe, BTreeSet<Cwe>>,
    },
}

impl Default for CweFamilies {
    fn default() -> Self {
        CweFamilies::builtin()
    }
}

impl CweFamilies {
    /// The built-in family table, used when no CWE hierarchy is loaded.
    pub fn builtin() -> CweFamilies {
        let mut family_of = HashMap::new();
        let mut keys = Vec::new();
        for (index, (_, members)) in BUILTIN_FAMILIES.iter().enumerate() {
            for &m in *members {
                family_of.entry(Cwe(m)).or_insert(index);
            }
            let key = members.iter().copied().min().map_or(Cwe(0), Cwe);
            keys.push(key);
        }
        CweFamilies {
            source: Source::Table { family_of, keys },
        }
    }

    /// Families from `(child, parent)` pairs of the CWE hierarchy (MITRE's
    /// `ChildOf` relations). Self-loops are ignored. See the type's
    /// documentation for the relation rule.
    pub fn from_hierarchy(child_parent_pairs: impl IntoIterator<Item = (Cwe, Cwe)>) -> CweFamilies {
        let mut parents: HashMap<Cwe, BTreeSet<Cwe>> = HashMap::new();
        for (child, parent) in child_parent_pairs {
            if child != parent {
                parents.entry(child).or_default().insert(parent);
            }
        }
        CweFamilies {
            source: Source::Hierarchy { parents },
        }
    }

    /// The names and members of the built-in families, for documentation
    /// and `secguard` output.
    pub fn builtin_table() -> &'static [(&'static str, &'static [u32])] {
        BUILTIN_FAMILIES
    }

    /// True when `a` and `b` are the same kind of weakness.
    pub fn related(&self, a: Cwe, b: Cwe) -> bool {
        if a == b {
            return true;
        }
        match &self.source {
            Source::Table { family_of, .. } => {
                matches!((family_of.get(&a), family_of.get(&b)), (Some(x), Some(y)) if x == y)
            }
            Source::Hierarchy { parents } => {
                let empty = BTreeSet::new();
                let pa = parents.get(&a).unwrap_or(&empty);
                let pb = parents.get(&b).unwrap_or(&empty);
                let within_two = |child: &BTreeSet<Cwe>, ancestor: Cwe| {
                    child.contains(&ancestor)
                        || child
                            .iter()
                            .any(|p| parents.get(p).is_some_and(|gp| gp.contains(&ancestor)))
                };
                within_two(pa, b) || within_two(pb, a) || pa.intersection(pb).next().is_some()
            }
        }
    }

    /// A representative of `c`'s family, for grouping: the smallest member
    /// of its built-in family, or, with a hierarchy, its smallest parent.
    /// A CWE without a family (or without parents) is its own key. Equal
    /// keys imply [`CweFamilies::related`]; the converse does not hold for
    /// a hierarchy, where relatedness is not transitive.
    pub fn family_key(&self, c: Cwe) -> Cwe {
        match &self.source {
            Source::Table { family_of, keys } => family_of
                .get(&c)
                .and_then(|i| keys.get(*i))
                .copied()
                .unwrap_or(c),
            Source::Hierarchy { parents } => parents
                .get(&c)
                .and_then(|p| p.iter().next())
                .copied()
                .unwrap_or(c),
        }
    }

    /// True when any CWE of `a` is related to any CWE of `b`.
    pub fn any_related(&self, a: &[Cwe], b: &[Cwe]) -> bool {
        a.iter().any(|x| b.iter().any(|y| self.related(*x, *y)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_families_are_disjoint() {
        let mut seen = BTreeSet::new();
        for (name, members) in BUILTIN_FAMILIES {
            for m in *members {
                assert!(seen.insert(*m), "CWE-{m} in two families ({name})");
            }
        }
    }

    #[test]
    fn tokens_split_letters_and_digits() {
        let t = tokens("cwe089x");
        assert_eq!(t.len(), 3);
    }
}
