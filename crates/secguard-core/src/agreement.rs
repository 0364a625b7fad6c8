//! Agreement between raters: Cohen's kappa for two, Fleiss' kappa for more,
//! as the research behind secguard reported for its human raters.

use crate::review::{Decision, Review, ReviewTarget};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Cohen's kappa over items both raters labelled: `(rater A's label, rater
/// B's label)` per item. `None` when there are no items, or when chance
/// agreement is already 1 (both used one and the same label throughout),
/// where kappa is undefined.
pub fn cohen_kappa<L: Ord>(pairs: &[(L, L)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let observed = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let mut a_counts: BTreeMap<&L, f64> = BTreeMap::new();
    let mut b_counts: BTreeMap<&L, f64> = BTreeMap::new();
    for (a, b) in pairs {
        *a_counts.entry(a).or_default() += 1.0;
        *b_counts.entry(b).or_default() += 1.0;
    }
    let expected: f64 = a_counts
        .iter()
        .map(|(label, ca)| ca / n * b_counts.get(label).copied().unwrap_or(0.0) / n)
        .sum();
    if (1.0 - expected).abs() < 1e-12 {
        return None;
    }
    Some((observed - expected) / (1.0 - expected))
}

/// Fleiss' kappa: every item's labels, each item rated the same number of
/// times (at least two). `None` when that does not hold, or when chance
/// agreement is 1.
pub fn fleiss_kappa<L: Ord>(items: &[Vec<L>]) -> Option<f64> {
    let raters = items.first()?.len();
    if raters < 2 || items.iter().any(|i| i.len() != raters) {
        return None;
    }
    let n = raters as f64;
    let mut totals: BTreeMap<&L, f64> = BTreeMap::new();
    let mut p_sum = 0.0;
    for item in items {
        let mut counts: BTreeMap<&L, f64> = BTreeMap::new();
        for label in item {
            *counts.entry(label).or_default() += 1.0;
            *totals.entry(label).or_default() += 1.0;
        }
        let sq: f64 = counts.values().map(|c| c * c).sum();
        p_sum += (sq - n) / (n * (n - 1.0));
    }
    let n_items = items.len() as f64;
    let p_bar = p_sum / n_items;
    let p_e: f64 = totals
        .values()
        .map(|t| {
            let p = t / (n_items * n);
            p * p
        })
        .sum();
    if (1.0 - p_e).abs() < 1e-12 {
        return None;
    }
    Some((p_bar - p_e) / (1.0 - p_e))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    /// Items both labelled.
    pub items: usize,
    /// Share of those items with the same label.
    pub observed: f64,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupAgreement {
    /// Ratings per item in the group.
    pub raters_per_item: usize,
    pub items: usize,
    pub kappa: Option<f64>,
}

/// Agreement between the reviewers of a set of reviews.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    pub reviewers: Vec<String>,
    /// Items with at least one review.
    pub items: usize,
    /// Items with reviews from two or more reviewers.
    pub multiply_rated: usize,
    /// Cohen's kappa for every pair of reviewers with shared items.
    pub pairs: Vec<PairAgreement>,
    /// Fleiss' kappa over the items rated by the most common number (at
    /// least three) of reviewers.
    pub fleiss: Option<GroupAgreement>,
}

/// One item's latest decision per reviewer: (time, review id, decision).
type LatestByReviewer<'a> = BTreeMap<&'a str, (i64, i64, Decision)>;

/// Compare reviewers item by item, each reviewer's latest decision per item.
pub fn agreement(reviews: &[Review]) -> AgreementReport {
    let mut latest: BTreeMap<(&str, &ReviewTarget), LatestByReviewer<'_>> = BTreeMap::new();
    for r in reviews {
        let slot = latest
            .entry((r.project.as_str(), &r.target))
            .or_default()
            .entry(r.reviewer.as_str())
            .or_insert((r.created_at, r.id, r.decision));
        if (r.created_at, r.id) >= (slot.0, slot.1) {
            *slot = (r.created_at, r.id, r.decision);
        }
    }
    let reviewers: BTreeSet<&str> = reviews.iter().map(|r| r.reviewer.as_str()).collect();
    let reviewers: Vec<&str> = reviewers.into_iter().collect();
    let mut pairs = Vec::new();
    for (i, a) in reviewers.iter().enumerate() {
        for b in &reviewers[i + 1..] {
            let shared: Vec<(Decision, Decision)> = latest
                .values()
                .filter_map(|by| Some((by.get(a)?.2, by.get(b)?.2)))
                .collect();
            if shared.is_empty() {
                continue;
            }
            let same = shared.iter().filter(|(x, y)| x == y).count();
            pairs.push(PairAgreement {
                a: (*a).to_string(),
                b: (*b).to_string(),
                items: shared.len(),
                observed: same as f64 / shared.len() as f64,
                kappa: cohen_kappa(&shared),
            });
        }
    }
    let mut by_count: BTreeMap<usize, Vec<Vec<Decision>>> = BTreeMap::new();
    for by in latest.values() {
        if by.len() >= 3 {
            by_count
                .entry(by.len())
                .or_default()
                .push(by.values().map(|v| v.2).collect());
        }
    }
    let fleiss = by_count
        .into_iter()
        .max_by_key(|(k, items)| (items.len(), *k))
        .map(|(k, items)| GroupAgreement {
            raters_per_item: k,
            items: items.len(),
            kappa: fleiss_kappa(&items),
        });
    AgreementReport {
        reviewers: reviewers.iter().map(|s| (*s).to_string()).collect(),
        items: latest.len(),
        multiply_rated: latest.values().filter(|by| by.len() >= 2).count(),
        pairs,
        fleiss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: Decision = Decision::Insecure;
    const S: Decision = Decision::Secure;

    fn close(x: Option<f64>, want: f64) {
        let x = x.unwrap_or_else(|| panic!("kappa undefined, wanted {want}"));
        assert!((x - want).abs() < 1e-9, "{x} != {want}");
    }

    #[test]
    fn cohen_perfect_agreement_is_one() {
        close(cohen_kappa(&[(S, S), (S, S), (I, I), (I, I)]), 1.0);
    }

    #[test]
    fn cohen_chance_level_is_zero() {
        // po = 2/4; each rater says insecure half the time: pe = 0.5.
        close(cohen_kappa(&[(I, I), (I, S), (S, I), (S, S)]), 0.0);
    }

    #[test]
    fn cohen_by_hand() {
        // po = 3/5; pe = 0.6*0.6 + 0.4*0.4 = 0.52; (0.6-0.52)/0.48 = 1/6.
        close(
            cohen_kappa(&[(I, I), (I, I), (I, S), (S, S), (S, I)]),
            1.0 / 6.0,
        );
        // Systematic disagreement is below zero: po = 0, pe = 0.5.
        close(cohen_kappa(&[(I, S), (S, I)]), -1.0);
        assert_eq!(cohen_kappa::<Decision>(&[]), None);
        assert_eq!(cohen_kappa(&[(I, I), (I, I)]), None);
    }

    #[test]
    fn fleiss_three_raters_by_hand() {
        // P_i = 1, 1/3, 1, 1/3 -> P = 2/3; p(I) = p(S) = 1/2 -> Pe = 1/2;
        // kappa = (2/3 - 1/2) / (1/2) = 1/3.
        let items = vec![vec![I, I, I], vec![I, I, S], vec![S, S, S], vec![I, S, S]];
        close(fleiss_kappa(&items), 1.0 / 3.0);
        close(fleiss_kappa(&[vec![I, I, I], vec![S, S, S]]), 1.0);
        assert_eq!(fleiss_kappa(&[vec![I, I], vec![S]]), None);
    }

    #[test]
    fn fleiss_with_two_raters_matches_scotts_pi() {
        // Two raters: Fleiss' kappa equals Scott's pi. Items (I,I),(I,S),(S,S),(S,S):
        // P = (1 + 0 + 1 + 1)/4 = 3/4; p(I) = 3/8, p(S) = 5/8;
        // Pe = 9/64 + 25/64 = 34/64; kappa = (48/64 - 34/64)/(30/64) = 14/30.
        let items = vec![vec![I, I], vec![I, S], vec![S, S], vec![S, S]];
        close(fleiss_kappa(&items), 14.0 / 30.0);
    }

    fn review(id: i64, who: &str, path: &str, decision: Decision) -> Review {
        Review {
            id,
            project: "p".into(),
            target: ReviewTarget::Sample { path: path.into() },
            reviewer: who.into(),
            decision,
            cwe: vec![],
            severity: None,
            note: String::new(),
            corrected_code: None,
            created_at: id,
            scope: None,
            signature: None,
            verified: false,
        }
    }

    #[test]
    fn report_uses_each_reviewers_latest_decision() {
        let reviews = vec![
            review(1, "a", "x.py", S),
            review(2, "b", "x.py", S),
            review(3, "c", "x.py", S),
            review(4, "a", "y.py", I),
            review(5, "b", "y.py", S),
            // a changes their mind on y.py.
            review(6, "a", "y.py", S),
            review(7, "c", "y.py", I),
            review(8, "a", "z.py", I),
        ];
        let report = agreement(&reviews);
        assert_eq!(report.reviewers, vec!["a", "b", "c"]);
        assert_eq!(report.items, 3);
        assert_eq!(report.multiply_rated, 2);
        let ab = &report.pairs[0];
        assert_eq!((ab.a.as_str(), ab.b.as_str(), ab.items), ("a", "b", 2));
        assert_eq!(ab.observed, 1.0);
        let fleiss = report.fleiss.unwrap_or_else(|| panic!("no fleiss"));
        assert_eq!((fleiss.raters_per_item, fleiss.items), (3, 2));
    }
}
