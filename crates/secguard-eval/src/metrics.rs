//! Binary classification metrics (an analyzer's "vulnerable" verdict against
//! a human or ground-truth label), with percentile-bootstrap confidence
//! intervals, overall and per key (CWE).
//!
//! Kappa itself is computed by `secguard_core::agreement`, the same code that
//! reports agreement between secguard's human reviewers, so the two numbers
//! are comparable.

use secguard_core::agreement::cohen_kappa;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Re-exported so that users of the evaluation harness can compute
/// agreement within a panel of raters without depending on core directly.
pub use secguard_core::agreement::fleiss_kappa;

/// Counts of a binary classifier's outcomes, "positive" meaning vulnerable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Confusion {
    /// Predicted vulnerable, truly vulnerable.
    pub tp: usize,
    /// Predicted vulnerable, truly safe.
    pub fp: usize,
    /// Predicted safe, truly safe.
    pub tn: usize,
    /// Predicted safe, truly vulnerable.
    #[serde(rename = "fn")]
    pub fn_: usize,
}

/// `num / den`, or `None` when the denominator is zero (the rate is
/// undefined rather than 0 or 1: reports show "n/a" instead of a made-up
/// number).
fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl Confusion {
    /// Count `(predicted, truth)` pairs.
    pub fn from_pairs(pairs: &[(bool, bool)]) -> Confusion {
        pairs.iter().collect()
    }

    /// Number of samples counted.
    pub fn total(&self) -> usize {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// TP / (TP + FP): how many findings are real. `None` without any
    /// positive prediction.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN), the true-positive rate. `None` without any truly
    /// vulnerable sample.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// FP / (FP + TN), the false-positive rate. `None` without any truly
    /// safe sample.
    pub fn fpr(&self) -> Option<f64> {
        ratio(self.fp, self.fp + self.tn)
    }

    /// TN / (TN + FP) = 1 - FPR. `None` without any truly safe sample.
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fp)
    }

    /// F1 = 2TP / (2TP + FP + FN), the harmonic mean of precision and
    /// recall written so that it is 0 (not undefined) when there are
    /// vulnerable samples but no positive prediction, or positive predictions
    /// but no vulnerable sample. `None` only when TP, FP and FN are all zero.
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// (TP + TN) / total: the share of samples where prediction and truth
    /// agree (per-sample agreement). `None` when empty.
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.tp + self.tn, self.total())
    }

    /// Youden's J = TPR - FPR, the OWASP Benchmark score: 0 for a classifier
    /// no better than guessing, 1 for a perfect one. `None` unless there are
    /// both vulnerable and safe samples.
    pub fn youden(&self) -> Option<f64> {
        Some(self.recall()? - self.fpr()?)
    }

    /// Cohen's kappa between prediction and truth, computed by
    /// `secguard_core::agreement::cohen_kappa`. `None` when empty, and when
    /// prediction and truth are both one and the same class throughout
    /// (chance agreement is then 1 and kappa is 0/0): core leaves that
    /// undefined rather than calling it perfect, since there was nothing to
    /// disagree about.
    pub fn kappa(&self) -> Option<f64> {
        let mut pairs = Vec::with_capacity(self.total());
        for (count, pair) in [
            (self.tp, (true, true)),
            (self.fp, (true, false)),
            (self.tn, (false, false)),
            (self.fn_, (false, true)),
        ] {
            pairs.extend(std::iter::repeat_n(pair, count));
        }
        cohen_kappa(&pairs)
    }

    fn add(&mut self, predicted: bool, truth: bool) {
        match (predicted, truth) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }
}

impl<'a> FromIterator<&'a (bool, bool)> for Confusion {
    /// Count `(predicted, truth)` pairs, e.g. a bootstrap resample.
    fn from_iter<I: IntoIterator<Item = &'a (bool, bool)>>(iter: I) -> Confusion {
        let mut c = Confusion::default();
        for &(predicted, truth) in iter {
            c.add(predicted, truth);
        }
        c
    }
}

impl<'a> FromIterator<&'a &'a (bool, bool)> for Confusion {
    /// Count `(predicted, truth)` pairs given by reference, as `bootstrap`
    /// hands them to a statistic.
    fn from_iter<I: IntoIterator<Item = &'a &'a (bool, bool)>>(iter: I) -> Confusion {
        iter.into_iter().copied().collect()
    }
}

/// A point estimate and its 95% percentile-bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    /// 2.5th percentile of the bootstrap distribution.
    pub low: f64,
    /// 97.5th percentile of the bootstrap distribution.
    pub high: f64,
}

/// splitmix64 (Steele, Lea & Flood 2014): tiny, fast and well mixed, which is
/// all resampling needs; written here so results are reproducible across
/// platforms and dependency upgrades.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0) by Lemire's multiply-shift, avoiding the
    /// modulo's bias toward small indexes.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The `p`-quantile (0..=1) of sorted, non-empty `xs`, interpolating
/// linearly between order statistics (Hyndman & Fan type 7, as R and NumPy
/// default to).
fn quantile(xs: &[f64], p: f64) -> f64 {
    let h = p * (xs.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(xs.len() - 1);
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

/// Percentile bootstrap: resample `items` with replacement `resamples`
/// times using splitmix64 seeded by `seed`, compute `stat` on each
/// resample (resamples where it is `None` or NaN are skipped), and return
/// the 2.5th and 97.5th percentiles together with `stat(items)` as the
/// value. `None` when `stat(items)` is `None`.
///
/// When no resample produced a value (`resamples == 0`, or every resample
/// was degenerate) the interval collapses to the point: `low == high ==
/// value`. The same seed always gives the same result.
///
/// A percentile interval is not guaranteed to contain `value` for every
/// statistic (a strongly skewed bootstrap distribution can leave it
/// outside); for the rates and kappa of [`binary_metrics`] it did on every
/// input of up to 25 samples and on random inputs of up to 200, so it is
/// reported as is rather than widened.
pub fn bootstrap<T>(
    items: &[T],
    stat: &dyn Fn(&[&T]) -> Option<f64>,
    resamples: usize,
    seed: u64,
) -> Option<Estimate> {
    let all: Vec<&T> = items.iter().collect();
    let value = stat(&all)?;
    let mut rng = SplitMix64(seed);
    let mut values = Vec::with_capacity(resamples);
    let mut sample: Vec<&T> = Vec::with_capacity(items.len());
    // An empty input has nothing to resample; stat(&[]) was already asked.
    if !items.is_empty() {
        for _ in 0..resamples {
            sample.clear();
            sample.extend((0..items.len()).map(|_| &items[rng.below(items.len())]));
            if let Some(v) = stat(&sample).filter(|v| !v.is_nan()) {
                values.push(v);
            }
        }
    }
    if values.is_empty() {
        return Some(Estimate {
            value,
            low: value,
            high: value,
        });
    }
    values.sort_by(f64::total_cmp);
    Some(Estimate {
        value,
        low: quantile(&values, 0.025),
        high: quantile(&values, 0.975),
    })
}

/// Everything reported for one set of `(predicted, truth)` pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    pub samples: usize,
    pub confusion: Confusion,
    /// Per-sample agreement (accuracy).
    pub agreement: Option<Estimate>,
    /// Cohen's kappa between prediction and truth.
    pub kappa: Option<Estimate>,
    pub precision: Option<Estimate>,
    pub recall: Option<Estimate>,
    pub f1: Option<Estimate>,
}

/// All binary metrics for `(predicted, truth)` pairs, each with a bootstrap
/// interval from resampling the pairs (samples). Every metric uses the same
/// seed, hence the same resamples, so their intervals are comparable.
pub fn binary_metrics(pairs: &[(bool, bool)], resamples: usize, seed: u64) -> BinaryMetrics {
    let confusion = Confusion::from_pairs(pairs);
    let estimate = |metric: fn(&Confusion) -> Option<f64>| {
        let stat = |s: &[&(bool, bool)]| metric(&s.iter().collect::<Confusion>());
        bootstrap(pairs, &stat, resamples, seed)
    };
    BinaryMetrics {
        samples: pairs.len(),
        confusion,
        agreement: estimate(Confusion::accuracy),
        kappa: estimate(Confusion::kappa),
        precision: estimate(Confusion::precision),
        recall: estimate(Confusion::recall),
        f1: estimate(Confusion::f1),
    }
}

/// [`binary_metrics`] per key (e.g. per CWE), sorted by key. Each row is
/// `(keys, predicted, truth)`; a sample counts once in each distinct key it
/// lists, so it may be in several groups, and a sample with no key is in
/// none.
pub fn grouped_metrics<K: Ord + Clone>(
    rows: &[(Vec<K>, bool, bool)],
    resamples: usize,
    seed: u64,
) -> Vec<(K, BinaryMetrics)> {
    let mut groups: BTreeMap<&K, Vec<(bool, bool)>> = BTreeMap::new();
    for (keys, predicted, truth) in rows {
        let distinct: BTreeSet<&K> = keys.iter().collect();
        for key in distinct {
            groups.entry(key).or_default().push((*predicted, *truth));
        }
    }
    groups
        .into_iter()
        .map(|(key, pairs)| (key.clone(), binary_metrics(&pairs, resamples, seed)))
        .collect()
}

/// The majority of several human labels for one sample (`true` =
/// vulnerable), to compare an analyzer with a panel. A tie counts as
/// vulnerable: a sample that half the panel flags deserves a look, and
/// missing a vulnerability costs more than a false alarm. `None` without
/// labels.
pub fn majority(labels: &[bool]) -> Option<bool> {
    if labels.is_empty() {
        return None;
    }
    let vulnerable = labels.iter().filter(|&&l| l).count();
    Some(2 * vulnerable >= labels.len())
}
