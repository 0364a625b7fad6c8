//! Metrics checked against values worked out by hand.

use proptest::prelude::*;
use secguard_core::agreement::fleiss_kappa;
use secguard_eval::metrics::{
    BinaryMetrics, Confusion, Estimate, binary_metrics, bootstrap, grouped_metrics, majority,
};

fn close(x: Option<f64>, want: f64) {
    let x = x.unwrap_or_else(|| panic!("undefined, wanted {want}"));
    assert!((x - want).abs() < 1e-9, "{x} != {want}");
}

fn confusion(tp: usize, fp: usize, tn: usize, fn_: usize) -> Confusion {
    Confusion { tp, fp, tn, fn_ }
}

/// `(predicted, truth)` pairs with the given counts.
fn pairs(c: Confusion) -> Vec<(bool, bool)> {
    let mut out = Vec::new();
    out.extend(std::iter::repeat_n((true, true), c.tp));
    out.extend(std::iter::repeat_n((true, false), c.fp));
    out.extend(std::iter::repeat_n((false, false), c.tn));
    out.extend(std::iter::repeat_n((false, true), c.fn_));
    out
}

#[test]
fn from_pairs_counts_each_cell() {
    let c = Confusion::from_pairs(&[
        (true, true),
        (true, true),
        (true, false),
        (false, false),
        (false, true),
        (false, true),
        (false, true),
    ]);
    assert_eq!(c, confusion(2, 1, 1, 3));
    assert_eq!(c.total(), 7);
    assert_eq!(Confusion::from_pairs(&[]), Confusion::default());
}

#[test]
fn confusion_serializes_fn_as_fn() {
    let json = serde_json::to_value(confusion(1, 2, 3, 4)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"tp": 1, "fp": 2, "tn": 3, "fn": 4})
    );
    let back: Confusion = serde_json::from_value(json).unwrap();
    assert_eq!(back, confusion(1, 2, 3, 4));
}

#[test]
fn kappa_textbook_two_by_two() {
    // tp=20, fn=5, fp=10, tn=15; n = 50.
    // po = (20 + 15) / 50 = 0.7.
    // predicted vulnerable 30/50 = 0.6, truly vulnerable 25/50 = 0.5;
    // pe = 0.6*0.5 + 0.4*0.5 = 0.5.
    // kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    let c = confusion(20, 10, 15, 5);
    close(c.kappa(), 0.4);
    close(c.accuracy(), 0.7);
}

#[test]
fn kappa_perfect_agreement_is_one() {
    // po = 1; pe = 0.3*0.3 + 0.7*0.7 = 0.58; (1 - 0.58) / (1 - 0.58) = 1.
    close(confusion(3, 0, 7, 0).kappa(), 1.0);
}

#[test]
fn kappa_below_zero_when_worse_than_chance() {
    // tp=1, fp=4, tn=1, fn=4; n = 10. po = 2/10 = 0.2.
    // predicted vulnerable 5/10, truly vulnerable 5/10: pe = 0.25 + 0.25 = 0.5.
    // kappa = (0.2 - 0.5) / 0.5 = -0.6.
    close(confusion(1, 4, 1, 4).kappa(), -0.6);
    // Always wrong, balanced: po = 0, pe = 0.5 -> kappa = -1.
    close(confusion(0, 3, 0, 3).kappa(), -1.0);
}

#[test]
fn kappa_by_hand_uneven_marginals() {
    // tp=4, fp=1, tn=3, fn=2; n = 10. po = 7/10.
    // predicted vulnerable 5/10, truly vulnerable 6/10:
    // pe = 0.5*0.6 + 0.5*0.4 = 0.5. kappa = 0.2 / 0.5 = 0.4.
    close(confusion(4, 1, 3, 2).kappa(), 0.4);
}

#[test]
fn kappa_degenerate_one_class_is_none() {
    // Prediction and truth both "vulnerable" everywhere: po = 1, pe = 1*1 = 1,
    // kappa = 0/0. core's cohen_kappa returns None for pe = 1 (nothing to
    // disagree about, so agreement beyond chance is unmeasurable), and
    // Confusion::kappa passes that through rather than claiming 1.0.
    assert_eq!(confusion(5, 0, 0, 0).kappa(), None);
    assert_eq!(confusion(0, 0, 5, 0).kappa(), None);
    assert_eq!(Confusion::default().kappa(), None);
    // Only the truth is one class: pe = 0.75*1 = 0.75 < 1, so it is defined.
    // tp=3, fn=1: po = 0.75, kappa = (0.75 - 0.75) / 0.25 = 0.
    close(confusion(3, 0, 0, 1).kappa(), 0.0);
}

#[test]
fn fleiss_kappa_wikipedia_worked_example() {
    // Fleiss (1971) as reproduced on Wikipedia's "Fleiss' kappa" page:
    // 10 subjects, 14 raters each, 5 categories; n_ij = raters putting
    // subject i in category j.
    let table: [[usize; 5]; 10] = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ];
    let items: Vec<Vec<usize>> = table
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .flat_map(|(category, &n)| std::iter::repeat_n(category + 1, n))
                .collect()
        })
        .collect();
    assert!(items.iter().all(|i| i.len() == 14));
    // Column totals 20, 28, 39, 21, 32 (of 140):
    // Pe = (400 + 784 + 1521 + 441 + 1024) / 140^2 = 4170/19600 = 417/1960.
    // P_i = (sum_j n_ij^2 - 14) / (14*13): numerators 182, 46, 56, 80, 60,
    // 84, 44, 32, 52, 52 (sum 688), so P = 688/1820 = 172/455.
    // Over 25480: P = 9632, Pe = 5421; kappa = 4211/20059 = 0.20993...
    // (Wikipedia rounds to 0.210.)
    let kappa = fleiss_kappa(&items);
    close(kappa, 4211.0 / 20059.0);
    assert!((kappa.unwrap() - 0.210).abs() < 0.0005);
}

#[test]
fn rates_on_a_hand_made_confusion() {
    // tp=8, fp=2, tn=6, fn=4; n = 20.
    let c = confusion(8, 2, 6, 4);
    close(c.precision(), 0.8); // 8 / (8+2)
    close(c.recall(), 8.0 / 12.0); // 8 / (8+4)
    close(c.fpr(), 0.25); // 2 / (2+6)
    close(c.specificity(), 0.75); // 6 / (6+2)
    // F1 = 2*8 / (2*8 + 2 + 4) = 16/22; also 2*0.8*(2/3) / (0.8 + 2/3).
    close(c.f1(), 16.0 / 22.0);
    close(c.f1(), 2.0 * 0.8 * (2.0 / 3.0) / (0.8 + 2.0 / 3.0));
    close(c.accuracy(), 0.7); // (8+6) / 20
    close(c.youden(), 2.0 / 3.0 - 0.25); // TPR - FPR = 5/12
}

#[test]
fn undefined_rates_are_none() {
    let none_predicted = confusion(0, 0, 5, 3);
    assert_eq!(none_predicted.precision(), None);
    close(none_predicted.recall(), 0.0);
    // 2*0 / (0 + 0 + 3) = 0: missing every vulnerability scores 0, not n/a.
    close(none_predicted.f1(), 0.0);
    let no_vulnerable = confusion(0, 2, 3, 0);
    assert_eq!(no_vulnerable.recall(), None);
    assert_eq!(no_vulnerable.youden(), None);
    close(no_vulnerable.fpr(), 0.4);
    let nothing_positive = confusion(0, 0, 4, 0);
    assert_eq!(nothing_positive.f1(), None);
    let empty = Confusion::default();
    assert_eq!(empty.accuracy(), None);
    assert_eq!(empty.fpr(), None);
    assert_eq!(empty.specificity(), None);
}

#[test]
fn youden_on_a_two_category_scorecard() {
    // An OWASP-Benchmark-style scorecard.
    // sqli: 10 real (TP 9, FN 1), 10 fake (FP 3, TN 7): TPR 0.9, FPR 0.3, J = 0.6.
    // xss:  20 real (TP 10, FN 10), 5 fake (FP 0, TN 5): TPR 0.5, FPR 0, J = 0.5.
    // Mean over categories = (0.6 + 0.5) / 2 = 0.55.
    let sqli = confusion(9, 3, 7, 1);
    let xss = confusion(10, 0, 5, 10);
    close(sqli.youden(), 0.6);
    close(xss.youden(), 0.5);
    let mean = [sqli, xss].iter().map(|c| c.youden().unwrap()).sum::<f64>() / 2.0;
    assert!((mean - 0.55).abs() < 1e-9);
    // Pooled (not the scorecard's way): TPR 19/30, FPR 3/15 -> J = 13/30.
    let mut pooled = pairs(sqli);
    pooled.extend(pairs(xss));
    close(Confusion::from_pairs(&pooled).youden(), 19.0 / 30.0 - 0.2);
}

fn mean(xs: &[&f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().copied().sum::<f64>() / xs.len() as f64)
}

fn contains(e: &Estimate) -> bool {
    e.low <= e.value && e.value <= e.high
}

#[test]
fn bootstrap_interval_contains_point_estimate() {
    let inputs: [Vec<f64>; 4] = [
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        vec![0.0, 0.0, 0.0, 1.0],
        (0..100).map(|i| ((i * 37) % 11) as f64).collect(),
        vec![5.0],
    ];
    for xs in &inputs {
        let e = bootstrap(xs, &mean, 1000, 7).unwrap();
        assert!(contains(&e), "{e:?} for {xs:?}");
    }
    // One item: every resample is that item, so the interval is a point.
    let e = bootstrap(&[5.0], &mean, 100, 1).unwrap();
    assert_eq!((e.value, e.low, e.high), (5.0, 5.0, 5.0));
    // Mean of 1..=10 is 5.5; the interval is a real interval around it,
    // within the data's range.
    let e = bootstrap(&inputs[0], &mean, 2000, 3).unwrap();
    assert_eq!(e.value, 5.5);
    assert!(1.0 <= e.low && e.low < 5.5 && 5.5 < e.high && e.high <= 10.0);
    // Binary metrics on the textbook table.
    let m = binary_metrics(&pairs(confusion(20, 10, 15, 5)), 500, 11);
    for e in [m.agreement, m.kappa, m.precision, m.recall, m.f1] {
        let e = e.unwrap();
        assert!(contains(&e), "{e:?}");
        assert!(e.low < e.high, "{e:?}");
    }
}

#[test]
fn bootstrap_is_deterministic_per_seed() {
    let xs: Vec<f64> = (0..50).map(|i| ((i * 7919) % 101) as f64).collect();
    let a = bootstrap(&xs, &mean, 300, 42);
    let b = bootstrap(&xs, &mean, 300, 42);
    assert_eq!(a, b);
    // Different seeds give different resamples; with 50 distinct-ish values
    // the interval endpoints move.
    let c = bootstrap(&xs, &mean, 300, 43);
    assert_ne!(a, c);
    assert_eq!(a.unwrap().value, c.unwrap().value);
}

#[test]
fn bootstrap_without_resamples_or_value() {
    // resamples = 0: no interval to compute, so it collapses to the point.
    let e = bootstrap(&[1.0, 2.0, 3.0], &mean, 0, 5).unwrap();
    assert_eq!((e.value, e.low, e.high), (2.0, 2.0, 2.0));
    // stat(items) undefined -> None, whatever the resamples.
    assert_eq!(bootstrap::<f64>(&[], &mean, 100, 5), None);
    // Resamples where the statistic is undefined are skipped: precision on
    // one TP among nine TNs is 1 whenever the TP is drawn, else undefined.
    let m = binary_metrics(&pairs(confusion(1, 0, 9, 0)), 200, 5);
    let p = m.precision.unwrap();
    assert_eq!((p.value, p.low, p.high), (1.0, 1.0, 1.0));
}

#[test]
fn binary_metrics_point_values() {
    let m = binary_metrics(&pairs(confusion(8, 2, 6, 4)), 100, 0);
    assert_eq!(m.samples, 20);
    assert_eq!(m.confusion, confusion(8, 2, 6, 4));
    close(m.agreement.map(|e| e.value), 0.7);
    close(m.precision.map(|e| e.value), 0.8);
    close(m.recall.map(|e| e.value), 8.0 / 12.0);
    close(m.f1.map(|e| e.value), 16.0 / 22.0);
    // po = 0.7; predicted 10/20, truth 12/20: pe = 0.5*0.6 + 0.5*0.4 = 0.5;
    // kappa = 0.2 / 0.5 = 0.4.
    close(m.kappa.map(|e| e.value), 0.4);
    let empty = binary_metrics(&[], 100, 0);
    assert_eq!(empty.samples, 0);
    assert_eq!(
        (
            empty.agreement,
            empty.kappa,
            empty.precision,
            empty.recall,
            empty.f1
        ),
        (None, None, None, None, None)
    );
    // Round-trips through JSON for the report writers (to within the last
    // bit: serde_json's default float parsing is not exactly round-trip).
    let json = serde_json::to_string(&m).unwrap();
    let back: BinaryMetrics = serde_json::from_str(&json).unwrap();
    assert_eq!((back.samples, back.confusion), (m.samples, m.confusion));
    let estimates = |b: &BinaryMetrics| [b.agreement, b.kappa, b.precision, b.recall, b.f1];
    for (x, y) in estimates(&back).iter().zip(estimates(&m).iter()) {
        let (x, y) = (x.unwrap(), y.unwrap());
        for (a, b) in [(x.value, y.value), (x.low, y.low), (x.high, y.high)] {
            assert!((a - b).abs() < 1e-15, "{a} != {b}");
        }
    }
}

#[test]
fn grouped_metrics_by_cwe() {
    let rows = vec![
        (vec!["CWE-89"], true, true),
        (vec!["CWE-89", "CWE-79"], true, false),
        (vec!["CWE-79"], false, true),
        (vec!["CWE-79", "CWE-79"], true, true), // duplicate key counts once
        (vec!["CWE-22"], false, false),
        (vec![], true, true), // in no group
    ];
    let groups = grouped_metrics(&rows, 50, 9);
    let keys: Vec<&str> = groups.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, vec!["CWE-22", "CWE-79", "CWE-89"]);
    // CWE-22: one TN.
    assert_eq!(groups[0].1.confusion, confusion(0, 0, 1, 0));
    assert_eq!(groups[0].1.precision, None);
    // CWE-79: FP, FN, TP -> precision 1/2, recall 1/2.
    assert_eq!(groups[1].1.samples, 3);
    assert_eq!(groups[1].1.confusion, confusion(1, 1, 0, 1));
    close(groups[1].1.precision.map(|e| e.value), 0.5);
    close(groups[1].1.recall.map(|e| e.value), 0.5);
    // CWE-89: TP, FP -> precision 1/2, recall 1.
    assert_eq!(groups[2].1.confusion, confusion(1, 1, 0, 0));
    close(groups[2].1.recall.map(|e| e.value), 1.0);
    // Each group equals binary_metrics on its own pairs.
    assert_eq!(
        groups[1].1,
        binary_metrics(&[(true, false), (false, true), (true, true)], 50, 9)
    );
    assert!(grouped_metrics::<String>(&[], 10, 0).is_empty());
}

#[test]
fn majority_of_a_panel() {
    assert_eq!(majority(&[]), None);
    assert_eq!(majority(&[true]), Some(true));
    assert_eq!(majority(&[false]), Some(false));
    assert_eq!(majority(&[true, false, false]), Some(false));
    assert_eq!(majority(&[true, true, false]), Some(true));
    // Ties go to vulnerable.
    assert_eq!(majority(&[true, false]), Some(true));
    assert_eq!(majority(&[false, true, false, true]), Some(true));
    // Panel majority then scored like any rater.
    let panel = [
        (vec![true, true, false], true), // majority vulnerable, analyzer says yes
        (vec![false, false, true], true), // majority safe, analyzer says yes
        (vec![false, true], false),      // tie -> vulnerable, analyzer says no
        (vec![false, false, false], false), // safe, analyzer says no
    ];
    let pairs: Vec<(bool, bool)> = panel
        .iter()
        .map(|(labels, predicted)| (*predicted, majority(labels).unwrap()))
        .collect();
    assert_eq!(Confusion::from_pairs(&pairs), confusion(1, 1, 1, 1));
}

fn in_range(e: &Option<Estimate>, lo: f64, hi: f64) -> bool {
    const EPS: f64 = 1e-12;
    e.is_none_or(|e| {
        [e.value, e.low, e.high]
            .iter()
            .all(|&x| lo - EPS <= x && x <= hi + EPS)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bootstrap_intervals_are_sane(
        pairs in prop::collection::vec((any::<bool>(), any::<bool>()), 1..200),
        seed in any::<u64>(),
    ) {
        let m = binary_metrics(&pairs, 200, seed);
        prop_assert_eq!(m.samples, pairs.len());
        prop_assert_eq!(m.confusion.total(), pairs.len());
        for e in [m.agreement, m.kappa, m.precision, m.recall, m.f1].iter().flatten() {
            prop_assert!(e.low <= e.high, "{:?}", e);
            prop_assert!(contains(e), "{:?}", e);
        }
        prop_assert!(in_range(&m.kappa, -1.0, 1.0), "{:?}", m.kappa);
        for e in [m.agreement, m.precision, m.recall, m.f1] {
            prop_assert!(in_range(&e, 0.0, 1.0), "{:?}", e);
        }
        // Agreement is defined on any non-empty input.
        prop_assert!(m.agreement.is_some());
        prop_assert_eq!(binary_metrics(&pairs, 200, seed), m);
    }
}
