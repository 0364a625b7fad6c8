//! Running several analyzers over the same files and merging their answers:
//! concurrent runs under a limit, a result cache, merged findings, and
//! per-sample verdicts under a configurable policy.

use crate::tool::{Priority, with_priority};
use crate::{Analyzer, AnalyzerError, AnalyzerInput, AnalyzerOutput};
use secguard_core::{Cwe, Finding, Severity, VerdictKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The outcome of one analyzer.
#[derive(Debug)]
pub struct AnalyzerRun {
    pub name: String,
    pub version: Option<String>,
    pub result: Result<AnalyzerOutput, AnalyzerError>,
    pub elapsed: Duration,
    pub cached: bool,
}

/// Results stored by (analyzer, version, configuration, file contents), so
/// an unchanged tree is not analyzed twice.
#[derive(Debug, Clone)]
pub struct ResultCache {
    dir: PathBuf,
}

impl ResultCache {
    pub fn new(dir: impl Into<PathBuf>) -> ResultCache {
        ResultCache { dir: dir.into() }
    }

    /// The cache key: every input that can change the result.
    pub fn key(analyzer: &str, version: &str, config: &str, input: &AnalyzerInput) -> String {
        let mut h = Sha256::new();
        for part in [analyzer, version, config] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let mut files: Vec<&PathBuf> = input.files.iter().collect();
        files.sort();
        for f in files {
            h.update(f.to_string_lossy().as_bytes());
            h.update([0]);
            match std::fs::read(input.root.join(f)) {
                Ok(bytes) => h.update(Sha256::digest(&bytes)),
                Err(_) => h.update(b"<unreadable>"),
            }
        }
        let digest = h.finalize();
        digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<AnalyzerOutput> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        // A corrupt entry is a miss, never an error.
        serde_json::from_str(&text).ok()
    }

    /// Best effort: a cache that cannot be written only costs time.
    pub fn put(&self, key: &str, output: &AnalyzerOutput) {
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let Ok(text) = serde_json::to_string(output) else {
            return;
        };
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&self.dir) else {
            return;
        };
        if std::io::Write::write_all(&mut tmp, text.as_bytes()).is_ok() {
            let _ = tmp.persist(self.path(key));
        }
    }
}

/// Run every analyzer over `input`, at most `jobs` at a time. One analyzer
/// failing never stops the others; its error is in its [`AnalyzerRun`].
/// `config` describes each analyzer's settings for the cache key.
pub fn run_all(
    analyzers: &[Box<dyn Analyzer>],
    input: &AnalyzerInput,
    jobs: usize,
    cache: Option<&ResultCache>,
    config: &(dyn Fn(&str) -> String + Sync),
    on_done: &(dyn Fn(&AnalyzerRun) + Sync),
) -> Vec<AnalyzerRun> {
    let order = schedule(analyzers, input);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, AnalyzerRun)>> = Mutex::new(Vec::new());
    let workers = jobs.max(1).min(analyzers.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&(i, priority)) = order.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let Some(analyzer) = analyzers.get(i) else {
                        break;
                    };
                    let run = with_priority(priority, || {
                        run_one(analyzer.as_ref(), input, cache, config)
                    });
                    on_done(&run);
                    if let Ok(mut r) = results.lock() {
                        r.push((i, run));
                    }
                }
            });
        }
    });
    let mut runs = results.into_inner().unwrap_or_default();
    runs.sort_by_key(|(i, _)| *i);
    runs.into_iter().map(|(_, r)| r).collect()
}

/// The order to start analyzers in, and each one's priority. A run lasts
/// as long as its longest analyzer, so that one starts first and keeps
/// normal priority; the rest start after it, costliest first, and run in
/// the background so they use what it leaves of the cores rather than
/// slow it (on 2 cores, cppcheck and flawfinder beside Semgrep added 15%).
fn schedule(analyzers: &[Box<dyn Analyzer>], input: &AnalyzerInput) -> Vec<(usize, Priority)> {
    let mut costs: Vec<(usize, f64)> = analyzers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let files = input.files_in(a.languages()).len() as f64;
            let cost = if files > 0.0 {
                a.startup_cost().max(0.0) + a.cost_per_file().max(0.0) * files
            } else {
                0.0
            };
            (i, cost)
        })
        .collect();
    // Stable: equal costs keep the order the user gave.
    costs.sort_by(|a, b| b.1.total_cmp(&a.1));
    costs
        .into_iter()
        .enumerate()
        .map(|(rank, (i, _))| {
            let priority = if rank == 0 {
                Priority::Normal
            } else {
                Priority::Background
            };
            (i, priority)
        })
        .collect()
}

fn run_one(
    analyzer: &dyn Analyzer,
    input: &AnalyzerInput,
    cache: Option<&ResultCache>,
    config: &(dyn Fn(&str) -> String + Sync),
) -> AnalyzerRun {
    let start = Instant::now();
    let name = analyzer.name().to_string();
    let scoped = AnalyzerInput {
        root: input.root.clone(),
        files: input
            .files_in(analyzer.languages())
            .into_iter()
            .map(Path::to_path_buf)
            .collect(),
        timeout: input.timeout,
    };
    let version = match analyzer.version() {
        Ok(v) => v,
        Err(e) => {
            return AnalyzerRun {
                name,
                version: None,
                result: Err(e),
                elapsed: start.elapsed(),
                cached: false,
            };
        }
    };
    if scoped.files.is_empty() {
        return AnalyzerRun {
            name,
            version: Some(version),
            result: Ok(AnalyzerOutput::default()),
            elapsed: start.elapsed(),
            cached: false,
        };
    }
    let key = cache.map(|_| ResultCache::key(&name, &version, &config(&name), &scoped));
    if let (Some(c), Some(k)) = (cache, key.as_deref())
        && let Some(out) = c.get(k)
    {
        return AnalyzerRun {
            name,
            version: Some(version),
            result: Ok(out),
            elapsed: start.elapsed(),
            cached: true,
        };
    }
    let result = analyzer.run(&scoped);
    if let (Some(c), Some(k), Ok(out)) = (cache, key.as_deref(), &result) {
        c.put(k, out);
    }
    AnalyzerRun {
        name,
        version: Some(version),
        result,
        elapsed: start.elapsed(),
        cached: false,
    }
}

/// One weakness as reported by one or more analyzers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedFinding {
    /// The representative: the most severe, most confident report.
    pub finding: Finding,
    /// Every analyzer that reported it, sorted.
    pub analyzers: Vec<String>,
    /// Rule ids of every report merged here, sorted.
    pub rules: Vec<String>,
    /// Union of the CWEs of every report.
    pub cwe: Vec<Cwe>,
    /// Fingerprints of every report merged here, so a decision about the
    /// merged finding (a human's, a memory's) can reach each analyzer's own.
    pub members: Vec<String>,
}

impl MergedFinding {
    /// The representative as a plain finding, carrying the group's CWEs
    /// and every analyzer that reported it.
    pub fn into_finding(self) -> (Finding, Vec<String>) {
        let mut f = self.finding;
        f.cwe = self.cwe;
        f.reported_by = self.analyzers;
        (f, self.members)
    }
}

/// Merge findings that describe the same weakness: the same file, lines
/// that overlap (within `line_slack`), and related CWEs (`related`; two
/// findings without CWE never merge with ones that have one).
pub fn merge(
    runs: &[AnalyzerRun],
    related: &dyn Fn(Cwe, Cwe) -> bool,
    line_slack: u32,
) -> Vec<MergedFinding> {
    let mut all: Vec<&Finding> = runs
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .flat_map(|o| o.findings.iter())
        .filter(|f| f.suppression.is_none())
        .collect();
    all.sort_by(|a, b| {
        (&a.location.path, a.location.start_line, &a.rule_id).cmp(&(
            &b.location.path,
            b.location.start_line,
            &b.rule_id,
        ))
    });
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in all {
        // Sorted by path: only the trailing groups of this file can match,
        // so the search stops at the first group of another file (without
        // that, merging 4,000 findings took longer than running Semgrep).
        let slot = groups
            .iter_mut()
            .rev()
            .take_while(|g| {
                g.first()
                    .is_some_and(|h| h.location.path == f.location.path)
            })
            .find(|g| {
                g.iter().any(|h| {
                    lines_overlap(h, f, line_slack) && cwes_related(&h.cwe, &f.cwe, related)
                })
            });
        match slot {
            Some(g) => g.push(f),
            None => groups.push(vec![f]),
        }
    }
    groups
        .into_iter()
        .filter_map(|g| {
            let best = g.iter().max_by_key(|f| {
                (
                    f.severity,
                    f.confidence,
                    std::cmp::Reverse(f.rule_id.clone()),
                )
            })?;
            let analyzers: BTreeSet<String> = g.iter().map(|f| f.analyzer.clone()).collect();
            let rules: BTreeSet<String> = g.iter().map(|f| f.rule_id.clone()).collect();
            let cwe: BTreeSet<Cwe> = g.iter().flat_map(|f| f.cwe.iter().copied()).collect();
            let members: BTreeSet<String> = g.iter().map(|f| f.fingerprint.0.clone()).collect();
            Some(MergedFinding {
                members: members.into_iter().collect(),
                finding: (*best).clone(),
                analyzers: analyzers.into_iter().collect(),
                rules: rules.into_iter().collect(),
                cwe: cwe.into_iter().collect(),
            })
        })
        .collect()
}

fn lines_overlap(a: &Finding, b: &Finding, slack: u32) -> bool {
    let (a0, a1) = (
        a.location.start_line,
        a.location.end_line.max(a.location.start_line),
    );
    let (b0, b1) = (
        b.location.start_line,
        b.location.end_line.max(b.location.start_line),
    );
    a0 <= b1.saturating_add(slack) && b0 <= a1.saturating_add(slack)
}

fn cwes_related(a: &[Cwe], b: &[Cwe], related: &dyn Fn(Cwe, Cwe) -> bool) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.is_empty() && b.is_empty();
    }
    a.iter()
        .any(|x| b.iter().any(|y| x == y || related(*x, *y)))
}

/// How analyzers' verdicts combine into one per sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictPolicy {
    /// Insecure when any analyzer reports a finding.
    Any,
    /// Insecure when more than half of the analyzers that ran do.
    Majority,
    /// Insecure only when every analyzer that ran does.
    All,
    /// Insecure when the precision-weighted vote reaches the threshold.
    Weighted,
}

impl VerdictPolicy {
    pub fn from_name(name: &str) -> Option<VerdictPolicy> {
        match name {
            "any" => Some(VerdictPolicy::Any),
            "majority" => Some(VerdictPolicy::Majority),
            "all" => Some(VerdictPolicy::All),
            "weighted" => Some(VerdictPolicy::Weighted),
            _ => None,
        }
    }
}

/// How far each analyzer (and each rule) is trusted: the fraction of its
/// findings that humans confirmed. Written by hand for now; the review work
/// learns it from labels and writes the same structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Precision {
    /// Analyzer name -> precision in [0, 1].
    #[serde(default)]
    pub analyzers: BTreeMap<String, f64>,
    /// Rule id -> precision in [0, 1]; overrides the analyzer's.
    #[serde(default)]
    pub rules: BTreeMap<String, f64>,
    /// For analyzers and rules not listed.
    #[serde(default = "default_precision")]
    pub default: f64,
    /// A sample is insecure when the weighted vote reaches this.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
}

fn default_precision() -> f64 {
    0.5
}

fn default_threshold() -> f64 {
    0.5
}

impl Default for Precision {
    fn default() -> Self {
        Precision {
            analyzers: BTreeMap::new(),
            rules: BTreeMap::new(),
            default: default_precision(),
            threshold: default_threshold(),
        }
    }
}

impl Precision {
    fn of_analyzer(&self, name: &str) -> f64 {
        self.analyzers
            .get(name)
            .copied()
            .unwrap_or(self.default)
            .clamp(0.0, 1.0)
    }

    fn of_rule(&self, analyzer: &str, rule: &str) -> f64 {
        self.rules
            .get(rule)
            .copied()
            .unwrap_or_else(|| self.of_analyzer(analyzer))
            .clamp(0.0, 1.0)
    }
}

/// One sample's verdicts: each analyzer's, and the merged one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleVerdict {
    pub path: PathBuf,
    /// Analyzers that ran on this sample -> their verdict.
    pub analyzers: BTreeMap<String, VerdictKind>,
    pub verdict: VerdictKind,
    /// For the weighted policy: the vote in [0, 1]; otherwise the fraction of
    /// analyzers that found something.
    pub score: f64,
    pub cwes: Vec<Cwe>,
    /// The most severe finding's severity, if any.
    pub max_severity: Option<Severity>,
}

/// Per-sample verdicts for `files` (paths relative to the input root).
/// Analyzers that failed, or do not cover a file's language, do not vote.
pub fn verdicts(
    files: &[PathBuf],
    analyzers: &[Box<dyn Analyzer>],
    runs: &[AnalyzerRun],
    policy: VerdictPolicy,
    precision: &Precision,
) -> Vec<SampleVerdict> {
    let mut by_file: HashMap<&Path, Vec<&Finding>> = HashMap::new();
    for run in runs {
        if let Ok(out) = &run.result {
            for f in &out.findings {
                if f.suppression.is_none() {
                    by_file
                        .entry(f.location.path.as_path())
                        .or_default()
                        .push(f);
                }
            }
        }
    }
    let mut out = Vec::new();
    for file in files {
        let lang = file
            .extension()
            .and_then(|e| e.to_str())
            .and_then(secguard_core::Language::from_extension);
        let findings = by_file.get(file.as_path()).cloned().unwrap_or_default();
        let mut votes: BTreeMap<String, VerdictKind> = BTreeMap::new();
        let mut weight_total = 0.0;
        let mut weight_insecure = 0.0;
        for (analyzer, run) in analyzers.iter().zip(runs.iter()) {
            let covers = lang.is_some_and(|l| analyzer.languages().contains(&l));
            if !covers || run.result.is_err() {
                continue;
            }
            let mine: Vec<&&Finding> = findings.iter().filter(|f| f.analyzer == run.name).collect();
            let verdict = if mine.is_empty() {
                VerdictKind::Secure
            } else {
                VerdictKind::Insecure
            };
            // An analyzer's vote weighs as much as its best-trusted rule that
            // fired, or its own precision when it found nothing.
            let w = mine
                .iter()
                .map(|f| precision.of_rule(&run.name, &f.rule_id))
                .fold(None, |acc: Option<f64>, p| {
                    Some(acc.map_or(p, |a| a.max(p)))
                })
                .unwrap_or_else(|| precision.of_analyzer(&run.name));
            weight_total += w;
            if verdict == VerdictKind::Insecure {
                weight_insecure += w;
            }
            votes.insert(run.name.clone(), verdict);
        }
        let n = votes.len();
        let insecure = votes
            .values()
            .filter(|v| **v == VerdictKind::Insecure)
            .count();
        let (verdict, score) = match policy {
            VerdictPolicy::Any => (insecure > 0, ratio(insecure, n)),
            VerdictPolicy::Majority => (insecure * 2 > n, ratio(insecure, n)),
            VerdictPolicy::All => (n > 0 && insecure == n, ratio(insecure, n)),
            VerdictPolicy::Weighted => {
                let score = if weight_total > 0.0 {
                    weight_insecure / weight_total
                } else {
                    0.0
                };
                (insecure > 0 && score >= precision.threshold, score)
            }
        };
        let cwes: BTreeSet<Cwe> = findings
            .iter()
            .flat_map(|f| f.cwe.iter().copied())
            .collect();
        out.push(SampleVerdict {
            path: file.clone(),
            analyzers: votes,
            verdict: if verdict {
                VerdictKind::Insecure
            } else {
                VerdictKind::Secure
            },
            score,
            cwes: cwes.into_iter().collect(),
            max_severity: findings.iter().map(|f| f.severity).max(),
        });
    }
    out
}

fn ratio(a: usize, n: usize) -> f64 {
    if n == 0 { 0.0 } else { a as f64 / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secguard_core::{Confidence, Fingerprint, Language, Location};

    fn finding(analyzer: &str, rule: &str, path: &str, line: u32, cwe: u32) -> Finding {
        Finding {
            rule_id: rule.into(),
            title: rule.into(),
            message: rule.into(),
            cwe: vec![Cwe(cwe)],
            severity: Severity::High,
            confidence: Confidence::High,
            location: Location {
                path: PathBuf::from(path),
                start_line: line,
                start_column: 1,
                end_line: line,
                end_column: 2,
            },
            snippet: String::new(),
            fingerprint: Fingerprint::compute(rule, path, "", 0),
            analyzer: analyzer.into(),
            trace: Vec::new(),
            suppression: None,
            reported_by: Vec::new(),
        }
    }

    /// An analyzer with canned results, for the merging logic only; the
    /// adapters themselves are tested against the real tools.
    struct Canned {
        name: &'static str,
        result: fn() -> Result<AnalyzerOutput, AnalyzerError>,
    }

    impl Analyzer for Canned {
        fn name(&self) -> &str {
            self.name
        }
        fn languages(&self) -> &[Language] {
            &Language::ALL
        }
        fn version(&self) -> Result<String, AnalyzerError> {
            Ok("1".into())
        }
        fn run(&self, _: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
            (self.result)()
        }
    }

    /// An analyzer that only has a cost, for the scheduling logic.
    struct Costed {
        cost: f64,
        languages: &'static [Language],
    }

    impl Analyzer for Costed {
        fn name(&self) -> &str {
            "costed"
        }
        fn languages(&self) -> &[Language] {
            self.languages
        }
        fn version(&self) -> Result<String, AnalyzerError> {
            Ok("1".into())
        }
        fn run(&self, _: &AnalyzerInput) -> Result<AnalyzerOutput, AnalyzerError> {
            Ok(AnalyzerOutput::default())
        }
        fn cost_per_file(&self) -> f64 {
            self.cost
        }
    }

    #[test]
    fn the_costliest_analyzer_starts_first_and_alone_keeps_normal_priority() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let input = input(dir.path());
        let costed =
            |cost, languages| -> Box<dyn Analyzer> { Box::new(Costed { cost, languages }) };
        let analyzers = vec![
            costed(0.01, &Language::ALL),
            costed(1.0, &Language::ALL),
            // Costly per file, but there are no C files to analyze.
            costed(50.0, &[Language::C]),
            costed(0.1, &Language::ALL),
        ];
        let order = schedule(&analyzers, &input);
        assert_eq!(
            order,
            vec![
                (1, Priority::Normal),
                (3, Priority::Background),
                (0, Priority::Background),
                (2, Priority::Background),
            ]
        );
    }

    fn three() -> Vec<Box<dyn Analyzer>> {
        vec![
            Box::new(Canned {
                name: "a",
                result: || {
                    Ok(AnalyzerOutput {
                        findings: vec![finding("a", "a/cmd", "x.py", 3, 78)],
                        notes: vec![],
                    })
                },
            }),
            Box::new(Canned {
                name: "b",
                result: || {
                    Ok(AnalyzerOutput {
                        findings: vec![finding("b", "b/B602", "x.py", 3, 77)],
                        notes: vec![],
                    })
                },
            }),
            Box::new(Canned {
                name: "c",
                result: || {
                    Err(AnalyzerError::Crashed {
                        tool: "c".into(),
                        status: "exit status 3".into(),
                        stderr: "boom".into(),
                    })
                },
            }),
        ]
    }

    fn input(dir: &Path) -> AnalyzerInput {
        std::fs::write(dir.join("x.py"), "import os\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("y.py"), "print(1)\n").unwrap_or_else(|e| panic!("{e}"));
        AnalyzerInput {
            root: dir.to_path_buf(),
            files: vec![PathBuf::from("x.py"), PathBuf::from("y.py")],
            timeout: Duration::from_secs(5),
        }
    }

    fn family(a: Cwe, b: Cwe) -> bool {
        let cmd = [77, 78, 88];
        cmd.contains(&a.0) && cmd.contains(&b.0)
    }

    #[test]
    fn one_failure_keeps_the_others_and_merges_related_reports() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let analyzers = three();
        let input = input(dir.path());
        let runs = run_all(&analyzers, &input, 2, None, &|_| String::new(), &|_| {});
        assert_eq!(runs.len(), 3);
        assert!(runs[0].result.is_ok() && runs[1].result.is_ok());
        assert!(matches!(runs[2].result, Err(AnalyzerError::Crashed { .. })));

        let merged = merge(&runs, &family, 1);
        assert_eq!(merged.len(), 1, "{merged:?}");
        assert_eq!(merged[0].analyzers, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(merged[0].cwe, vec![Cwe(77), Cwe(78)]);
    }

    #[test]
    fn verdict_policies() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut analyzers = three();
        // A third analyzer that runs and finds nothing.
        analyzers[2] = Box::new(Canned {
            name: "c",
            result: || Ok(AnalyzerOutput::default()),
        });
        let input = input(dir.path());
        let runs = run_all(&analyzers, &input, 3, None, &|_| String::new(), &|_| {});
        let p = Precision::default();
        let v = |policy| verdicts(&input.files, &analyzers, &runs, policy, &p);
        let x = |vs: Vec<SampleVerdict>| vs[0].verdict;
        assert_eq!(x(v(VerdictPolicy::Any)), VerdictKind::Insecure);
        assert_eq!(x(v(VerdictPolicy::Majority)), VerdictKind::Insecure);
        assert_eq!(x(v(VerdictPolicy::All)), VerdictKind::Secure);
        // y.py: nobody found anything.
        assert_eq!(v(VerdictPolicy::Any)[1].verdict, VerdictKind::Secure);

        // Weighted: a distrusted pair of analyzers is outvoted.
        let mut trust = Precision::default();
        trust.analyzers.insert("a".into(), 0.1);
        trust.analyzers.insert("b".into(), 0.1);
        trust.analyzers.insert("c".into(), 0.9);
        let w = verdicts(
            &input.files,
            &analyzers,
            &runs,
            VerdictPolicy::Weighted,
            &trust,
        );
        assert_eq!(w[0].verdict, VerdictKind::Secure);
        assert!((w[0].score - 0.2 / 1.1).abs() < 1e-9, "{}", w[0].score);
        // A trusted rule of a distrusted analyzer carries its vote.
        trust.rules.insert("a/cmd".into(), 0.95);
        let w = verdicts(
            &input.files,
            &analyzers,
            &runs,
            VerdictPolicy::Weighted,
            &trust,
        );
        assert_eq!(w[0].verdict, VerdictKind::Insecure);
    }

    #[test]
    fn cache_hits_on_unchanged_files_and_misses_on_edits() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = ResultCache::new(cache_dir.path());
        let analyzers: Vec<Box<dyn Analyzer>> = three().into_iter().take(1).collect();
        let input = input(dir.path());
        let first = run_all(
            &analyzers,
            &input,
            1,
            Some(&cache),
            &|_| String::new(),
            &|_| {},
        );
        assert!(!first[0].cached);
        let second = run_all(
            &analyzers,
            &input,
            1,
            Some(&cache),
            &|_| String::new(),
            &|_| {},
        );
        assert!(second[0].cached);
        assert_eq!(
            first[0].result.as_ref().ok(),
            second[0].result.as_ref().ok()
        );
        std::fs::write(dir.path().join("x.py"), "import sys\n").unwrap_or_else(|e| panic!("{e}"));
        let third = run_all(
            &analyzers,
            &input,
            1,
            Some(&cache),
            &|_| String::new(),
            &|_| {},
        );
        assert!(!third[0].cached);
        // A different configuration is a different key.
        let fourth = run_all(
            &analyzers,
            &input,
            1,
            Some(&cache),
            &|_| "rules=x".into(),
            &|_| {},
        );
        assert!(!fourth[0].cached);
    }
}
