//! The supervisor and the worker.
//!
//! The supervisor runs `jobs` worker processes (this same binary, `worker`
//! mode) and hands them ranges of input indexes over stdin. A worker builds
//! its context once, then for each index rebuilds the input itself
//! (deterministically, from the campaign seed, or by reading a replayed
//! file), runs it in process under `catch_unwind`, and writes one result
//! line. The supervisor treats as a failure: a panic (reported by the
//! worker), a worker that dies (abort, signal, stack overflow: an *abort*),
//! one that exits with [`MEMCAP_EXIT`] (the counting allocator's cap: a
//! *memory-cap* hit), and one whose input runs past the time cap: the cap
//! is on the worker's CPU time, so a loaded machine does not make slow
//! inputs of fast ones; a worker with no result after ten times the cap in
//! wall time is killed too (a *timeout* either way). It then rebuilds the failing input
//! from its index, saves it, starts a new worker and goes on after it.

use crate::alloc::{self, MEMCAP_EXIT};
use crate::corpus::{Corpus, regression_target};
use crate::mutate;
use crate::targets::{Context, Target};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Errors that stop a campaign (not failures it finds).
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("cannot start worker {exe}: {source}")]
    Spawn { exe: String, source: std::io::Error },
    #[error("worker did not start: {0}")]
    WorkerStart(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("worker protocol: {0}")]
    Protocol(String),
}

/// Where a campaign's inputs come from. The worker and the supervisor build
/// the same `Source`, so either can produce input `i`.
#[derive(Debug, Clone)]
pub enum Source {
    /// Input `i` of `target` drawn from the seeded generator.
    Generated {
        target: Target,
        seed: u64,
        corpus: Arc<Corpus>,
    },
    /// Input `i` is the `i`-th file, run through its target.
    Files(Vec<(Target, PathBuf)>),
}

impl Source {
    /// The target and bytes of input `i` (for a file that cannot be read,
    /// an error naming it).
    pub fn input(&self, i: u64) -> Result<(Target, Vec<u8>), CampaignError> {
        match self {
            Source::Generated {
                target,
                seed,
                corpus,
            } => Ok((*target, mutate::generate(corpus, *target, *seed, i))),
            Source::Files(files) => {
                let (t, path) = usize::try_from(i)
                    .ok()
                    .and_then(|i| files.get(i))
                    .ok_or_else(|| CampaignError::Protocol(format!("no input #{i}")))?;
                let bytes = std::fs::read(path).map_err(|source| CampaignError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                Ok((*t, bytes))
            }
        }
    }

    fn worker_args(&self) -> Vec<String> {
        match self {
            Source::Generated { target, seed, .. } => vec![
                "--target".into(),
                target.name().into(),
                "--seed".into(),
                seed.to_string(),
            ],
            Source::Files(files) => files
                .iter()
                .flat_map(|(t, p)| {
                    [
                        "--file".to_string(),
                        format!("{}={}", t.name(), p.display()),
                    ]
                })
                .collect(),
        }
    }
}

/// Parse a worker's `--file target=path` argument.
pub fn parse_file_arg(arg: &str) -> Option<(Target, PathBuf)> {
    let (t, p) = arg.split_once('=')?;
    Some((Target::from_name(t)?, PathBuf::from(p)))
}

/// Caps and options shared by the supervisor and its workers.
#[derive(Debug, Clone)]
pub struct Limits {
    pub time_cap: Duration,
    pub mem_cap: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            time_cap: Duration::from_secs(5),
            mem_cap: 256 << 20,
        }
    }
}

// ---------------------------------------------------------------- worker

/// The worker loop: read `run A B` lines from stdin, answer one line per
/// input on stdout. Returns when stdin closes.
pub fn worker(source: &Source, limits: &Limits) -> Result<(), CampaignError> {
    let ctx = Context::new().map_err(CampaignError::WorkerStart)?;
    // Panics are reported as results; the default hook would only add noise.
    std::panic::set_hook(Box::new(|_| {}));
    alloc::set_cap(limits.mem_cap);
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let io_err = |source| CampaignError::Io {
        path: "<stdout>".into(),
        source,
    };
    writeln!(out, "ready {}", cpu_micros(libc::CLOCK_PROCESS_CPUTIME_ID))
        .and_then(|()| out.flush())
        .map_err(io_err)?;
    for line in stdin.lock().lines() {
        let line = line.map_err(|source| CampaignError::Io {
            path: "<stdin>".into(),
            source,
        })?;
        let mut words = line.split_whitespace();
        let (Some("run"), Some(a), Some(b)) = (words.next(), words.next(), words.next()) else {
            return Err(CampaignError::Protocol(format!(
                "unexpected command {line:?}"
            )));
        };
        let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) else {
            return Err(CampaignError::Protocol(format!("bad range {line:?}")));
        };
        for i in a..b {
            let (target, input) = match source.input(i) {
                Ok(x) => x,
                Err(e) => {
                    writeln!(out, "e {i} {e}")
                        .and_then(|()| out.flush())
                        .map_err(io_err)?;
                    continue;
                }
            };
            alloc::start_input();
            let started = cpu_micros(libc::CLOCK_THREAD_CPUTIME_ID);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ctx.run(target, &input);
            }));
            let micros = cpu_micros(libc::CLOCK_THREAD_CPUTIME_ID).saturating_sub(started);
            let process = cpu_micros(libc::CLOCK_PROCESS_CPUTIME_ID);
            let peak = alloc::input_peak();
            let len = input.len();
            drop(input);
            match result {
                Ok(()) => writeln!(out, "r {i} {micros} {peak} {len} {process}"),
                Err(payload) => {
                    let msg = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "non-string panic payload".into());
                    writeln!(
                        out,
                        "p {i} {micros} {peak} {len} {process} {}",
                        one_line(&msg)
                    )
                }
            }
            .and_then(|()| out.flush())
            .map_err(io_err)?;
        }
    }
    Ok(())
}

/// CPU time of `clock` in microseconds. The time cap is on CPU time, not
/// wall time, so a loaded machine does not turn slow inputs into timeouts.
fn cpu_micros(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return 0;
    }
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000
        + u64::try_from(ts.tv_nsec).unwrap_or(0) / 1000
}

/// A process's CPU time (user + system) in microseconds, from
/// `/proc/<pid>/stat`, at clock-tick resolution.
fn process_cpu_micros(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .ok()
        .filter(|t| *t > 0)?;
    Some((utime + stime) * 1_000_000 / ticks)
}

fn one_line(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    s
}

// ------------------------------------------------------------ supervisor

/// The kinds of failure a campaign counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailKind {
    Panic,
    Abort,
    Timeout,
    MemoryCap,
}

impl FailKind {
    pub fn name(self) -> &'static str {
        match self {
            FailKind::Panic => "panic",
            FailKind::Abort => "abort",
            FailKind::Timeout => "timeout",
            FailKind::MemoryCap => "memory-cap",
        }
    }
}

/// One failing input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    pub kind: FailKind,
    pub index: u64,
    pub size: usize,
    pub detail: String,
    /// Where the input was saved (or, on replay, the file that failed).
    pub path: Option<PathBuf>,
}

/// What one target's inputs did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TargetStats {
    pub target: String,
    pub inputs: u64,
    pub input_bytes: u64,
    pub panics: u64,
    pub aborts: u64,
    pub timeouts: u64,
    pub memory_cap_hits: u64,
    /// Slowest completed input: (microseconds of CPU time, index, size in bytes).
    pub slowest: Option<(u64, u64, usize)>,
    /// Largest per-input peak of allocated bytes: (bytes, index).
    pub peak_memory: Option<(usize, u64)>,
    pub wall_seconds: f64,
    pub failures: Vec<Failure>,
}

impl TargetStats {
    pub fn failed(&self) -> u64 {
        self.panics + self.aborts + self.timeouts + self.memory_cap_hits
    }

    pub fn throughput(&self) -> f64 {
        if self.wall_seconds > 0.0 {
            self.inputs as f64 / self.wall_seconds
        } else {
            0.0
        }
    }
}

/// How the supervisor runs and where it keeps what it finds.
#[derive(Debug, Clone)]
pub struct Supervisor {
    /// The worker executable (this binary).
    pub exe: PathBuf,
    pub root: PathBuf,
    pub jobs: usize,
    pub limits: Limits,
    /// Failing generated inputs go to `<save_dir>/<target>/<seed>-<index>.<ext>`.
    pub save_dir: Option<PathBuf>,
    /// Also copied here as `<target>-<seed>-<index>.<ext>` with a `.txt`
    /// line describing it.
    pub copy_to: Option<PathBuf>,
    /// At most this many saved inputs per target and failure kind.
    pub max_saves: usize,
    /// Indexes handed to a worker at a time.
    pub batch: u64,
}

struct Worker {
    child: Child,
    /// The worker's process CPU time at its last result (or start-up).
    last_cpu: u64,
    stdin: Option<ChildStdin>,
    rx: Receiver<String>,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
}

impl Worker {
    fn send(&mut self, a: u64, b: u64) -> bool {
        match self.stdin.as_mut() {
            Some(s) => writeln!(s, "run {a} {b}").and_then(|()| s.flush()).is_ok(),
            None => false,
        }
    }

    fn stderr_text(&self) -> String {
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default();
        one_line(String::from_utf8_lossy(&tail).trim())
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Supervisor {
    fn spawn(&self, source: &Source) -> Result<Worker, CampaignError> {
        let mut cmd = Command::new(&self.exe);
        cmd.arg("worker")
            .arg("--root")
            .arg(&self.root)
            .arg("--time-cap-ms")
            .arg(self.limits.time_cap.as_millis().to_string())
            .arg("--mem-cap-bytes")
            .arg(self.limits.mem_cap.to_string())
            .args(source.worker_args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| CampaignError::Spawn {
            exe: self.exe.display().to_string(),
            source,
        })?;
        let stdin = child.stdin.take();
        let (tx, rx) = channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut t) = tail.lock() {
                        t.extend_from_slice(&buf[..n]);
                        let excess = t.len().saturating_sub(2048);
                        t.drain(..excess);
                    }
                }
            });
        }
        let mut w = Worker {
            child,
            last_cpu: 0,
            stdin,
            rx,
            stderr_tail,
        };
        // Start-up (building the engine) is not part of any input's time.
        match w.rx.recv_timeout(Duration::from_secs(300)) {
            Ok(line) if line.starts_with("ready") => {
                w.last_cpu = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                Ok(w)
            }
            other => {
                let _ = w.child.kill();
                let _ = w.child.wait();
                Err(CampaignError::WorkerStart(format!(
                    "{other:?}; stderr: {}",
                    w.stderr_text()
                )))
            }
        }
    }

    /// Run inputs `0..count` of `source` and return statistics per target.
    pub fn run(
        &self,
        source: &Source,
        count: u64,
        seed: Option<u64>,
    ) -> Result<BTreeMap<Target, TargetStats>, CampaignError> {
        let next = AtomicU64::new(0);
        let stats: Mutex<BTreeMap<Target, TargetStats>> = Mutex::new(BTreeMap::new());
        let started = Instant::now();
        let jobs = self.jobs.max(1);
        let results: Vec<Result<(), CampaignError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..jobs)
                .map(|_| s.spawn(|| self.job(source, count, seed, &next, &stats)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(CampaignError::Protocol("supervisor thread panicked".into()))
                    })
                })
                .collect()
        });
        for r in results {
            r?;
        }
        let wall = started.elapsed().as_secs_f64();
        let mut stats = stats.into_inner().unwrap_or_else(|e| e.into_inner());
        for st in stats.values_mut() {
            st.wall_seconds = wall;
            st.failures.sort_by_key(|f| f.index);
        }
        Ok(stats)
    }

    fn job(
        &self,
        source: &Source,
        count: u64,
        seed: Option<u64>,
        next: &AtomicU64,
        stats: &Mutex<BTreeMap<Target, TargetStats>>,
    ) -> Result<(), CampaignError> {
        let mut worker: Option<Worker> = None;
        loop {
            let a = next.fetch_add(self.batch.max(1), Ordering::Relaxed);
            if a >= count {
                break;
            }
            let b = (a + self.batch.max(1)).min(count);
            let mut i = a;
            while i < b {
                let w = match worker.as_mut() {
                    Some(w) => w,
                    None => worker.insert(self.spawn(source)?),
                };
                // A failed send means the worker is gone; the receive below
                // then sees it and reports it.
                let _ = w.send(i, b);
                let mut dead = false;
                let cap = self.limits.time_cap;
                let mut wait = cap;
                let mut waiting_since = Instant::now();
                while i < b {
                    match w.rx.recv_timeout(wait) {
                        Ok(line) => {
                            w.last_cpu = self.record_line(source, seed, i, &line, stats)?;
                            i += 1;
                            wait = cap;
                            waiting_since = Instant::now();
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            // The cap is on CPU time: on a loaded machine a
                            // worker may be slow without being stuck. Wall
                            // time still ends it at ten times the cap.
                            let used = process_cpu_micros(w.child.id())
                                .map(|c| Duration::from_micros(c.saturating_sub(w.last_cpu)));
                            let wall = waiting_since.elapsed();
                            if let Some(used) = used
                                && used < cap
                                && wall < cap * 10
                            {
                                wait = (cap - used).max(Duration::from_millis(50));
                                continue;
                            }
                            let _ = w.child.kill();
                            let _ = w.child.wait();
                            let cpu = used
                                .map_or("unknown".into(), |u| format!("{:.1} s", u.as_secs_f64()));
                            self.record_failure(
                                source,
                                seed,
                                i,
                                FailKind::Timeout,
                                format!(
                                    "no result after {cpu} of CPU time ({:.1} s wall); worker killed",
                                    wall.as_secs_f64()
                                ),
                                stats,
                            )?;
                            dead = true;
                            break;
                        }
                        Err(RecvTimeoutError::Disconnected) => {
                            let status = w.child.wait().map_err(|source| CampaignError::Io {
                                path: "<worker>".into(),
                                source,
                            })?;
                            // Let the stderr reader catch up with the last words.
                            std::thread::sleep(Duration::from_millis(20));
                            let (kind, detail) = classify_exit(status, &w.stderr_text());
                            self.record_failure(source, seed, i, kind, detail, stats)?;
                            dead = true;
                            break;
                        }
                    }
                }
                if dead {
                    worker = None;
                    i += 1;
                }
            }
        }
        if let Some(w) = worker {
            w.finish();
        }
        Ok(())
    }

    fn record_line(
        &self,
        source: &Source,
        seed: Option<u64>,
        expected: u64,
        line: &str,
        stats: &Mutex<BTreeMap<Target, TargetStats>>,
    ) -> Result<u64, CampaignError> {
        let mut parts = line.splitn(7, ' ');
        let tag = parts.next().unwrap_or("");
        if tag == "e" {
            return Err(CampaignError::Protocol(line.to_string()));
        }
        let nums: Vec<u64> = parts
            .by_ref()
            .take(5)
            .map(|p| p.parse::<u64>())
            .collect::<Result<_, _>>()
            .map_err(|_| CampaignError::Protocol(format!("bad result line {line:?}")))?;
        let [index, micros, peak, size, process_cpu] = nums[..] else {
            return Err(CampaignError::Protocol(format!("bad result line {line:?}")));
        };
        if index != expected {
            return Err(CampaignError::Protocol(format!(
                "expected result for #{expected}, got {line:?}"
            )));
        }
        let target = self.target_of(source, index);
        let peak = usize::try_from(peak).unwrap_or(usize::MAX);
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        {
            let mut all = stats.lock().unwrap_or_else(|e| e.into_inner());
            let st = entry(&mut all, target);
            if st.slowest.is_none_or(|(us, _, _)| micros > us) {
                st.slowest = Some((micros, index, size));
            }
            if st.peak_memory.is_none_or(|(p, _)| peak > p) {
                st.peak_memory = Some((peak, index));
            }
        }
        let over_time = micros > self.limits.time_cap.as_micros() as u64;
        match tag {
            "p" => {
                let msg = parts.next().unwrap_or("").to_string();
                self.record_failure(source, seed, index, FailKind::Panic, msg, stats)?;
            }
            "r" if over_time => self.record_failure(
                source,
                seed,
                index,
                FailKind::Timeout,
                format!("finished after {:.2} s of CPU time", micros as f64 / 1e6),
                stats,
            )?,
            "r" => {
                let mut all = stats.lock().unwrap_or_else(|e| e.into_inner());
                let st = entry(&mut all, target);
                st.inputs += 1;
                st.input_bytes += size as u64;
            }
            _ => return Err(CampaignError::Protocol(format!("bad result line {line:?}"))),
        }
        Ok(process_cpu)
    }

    fn target_of(&self, source: &Source, index: u64) -> Target {
        match source {
            Source::Generated { target, .. } => *target,
            Source::Files(files) => usize::try_from(index)
                .ok()
                .and_then(|i| files.get(i))
                .map_or(Target::Selftest, |(t, _)| *t),
        }
    }

    fn record_failure(
        &self,
        source: &Source,
        seed: Option<u64>,
        index: u64,
        kind: FailKind,
        detail: String,
        stats: &Mutex<BTreeMap<Target, TargetStats>>,
    ) -> Result<(), CampaignError> {
        // Rebuilt from its index: the worker that held it may be gone.
        let (target, input) = source.input(index)?;
        // One lock for count, save and record, so parallel jobs never save
        // more than `max_saves` of a kind.
        let mut all = stats.lock().unwrap_or_else(|e| e.into_inner());
        let st = entry(&mut all, target);
        let saves_so_far = st.failures.iter().filter(|f| f.kind == kind).count();
        let mut path = match source {
            Source::Files(files) => usize::try_from(index)
                .ok()
                .and_then(|i| files.get(i))
                .map(|(_, p)| p.clone()),
            Source::Generated { .. } => None,
        };
        if let (Source::Generated { .. }, Some(seed)) = (source, seed)
            && saves_so_far < self.max_saves
        {
            path = self.save(target, seed, index, kind, &detail, &input)?;
        }
        st.inputs += 1;
        st.input_bytes += input.len() as u64;
        match kind {
            FailKind::Panic => st.panics += 1,
            FailKind::Abort => st.aborts += 1,
            FailKind::Timeout => st.timeouts += 1,
            FailKind::MemoryCap => st.memory_cap_hits += 1,
        }
        st.failures.push(Failure {
            kind,
            index,
            size: input.len(),
            detail,
            path,
        });
        Ok(())
    }

    fn save(
        &self,
        target: Target,
        seed: u64,
        index: u64,
        kind: FailKind,
        detail: &str,
        input: &[u8],
    ) -> Result<Option<PathBuf>, CampaignError> {
        let name = format!("{seed}-{index}.{}", target.extension());
        let mut saved = None;
        if let Some(dir) = &self.save_dir {
            let dir = dir.join(target.name());
            let path = dir.join(&name);
            write_file(&dir, &path, input)?;
            saved = Some(path);
        }
        if let Some(dir) = &self.copy_to {
            let base = format!("{}-{seed}-{index}", target.name());
            let path = dir.join(format!("{base}.{}", target.extension()));
            write_file(dir, &path, input)?;
            let line = format!(
                "{} in target {}: {} bytes, campaign seed {seed}, input #{index}: {detail} (replay: scripts/fuzz replay --target {} {})\n",
                kind.name(),
                target.name(),
                input.len(),
                target.name(),
                path.display()
            );
            write_file(dir, &dir.join(format!("{base}.txt")), line.as_bytes())?;
            saved.get_or_insert(path);
        }
        Ok(saved)
    }
}

fn entry(all: &mut BTreeMap<Target, TargetStats>, t: Target) -> &mut TargetStats {
    all.entry(t).or_insert_with(|| TargetStats {
        target: t.name().into(),
        ..TargetStats::default()
    })
}

/// Write through a temporary name and rename, so a killed campaign never
/// leaves half an input behind.
fn write_file(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), CampaignError> {
    let io = |source| CampaignError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn classify_exit(status: std::process::ExitStatus, stderr: &str) -> (FailKind, String) {
    use std::os::unix::process::ExitStatusExt;
    let tail = if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {stderr}")
    };
    if status.code() == Some(MEMCAP_EXIT) {
        return (
            FailKind::MemoryCap,
            format!("allocation past the memory cap{tail}"),
        );
    }
    if let Some(sig) = status.signal() {
        return (
            FailKind::Abort,
            format!("worker killed by signal {sig}{tail}"),
        );
    }
    (
        FailKind::Abort,
        format!("worker exited with {status}{tail}"),
    )
}

// ------------------------------------------------------------ replay

/// The files to replay under `paths`: a folder laid out as
/// `<dir>/<target>/<file>` (like `fuzz/regressions/`), or single files whose
/// target is `target` or their folder's name. Sorted, so runs are stable.
pub fn replay_files(
    paths: &[PathBuf],
    target: Option<Target>,
) -> Result<Vec<(Target, PathBuf)>, CampaignError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| CampaignError::Io {
            path: p.display().to_string(),
            source,
        })?;
        let mut files = Vec::new();
        if meta.is_dir() {
            collect(p, &mut files);
        } else {
            files.push(p.clone());
        }
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name.starts_with("README") || name.ends_with(".partial") {
                continue;
            }
            let t = target.or_else(|| regression_target(&f)).or_else(|| {
                let parent = f.parent()?.file_name()?.to_str()?;
                Target::from_name(parent)
            });
            if let Some(t) = t {
                out.push((t, f));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

// ------------------------------------------------------------ report

fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// The summary as a Markdown table, ready for `docs/benchmarks.md`.
pub fn markdown_table(stats: &[TargetStats]) -> String {
    let mut s = String::from(
        "| Target | Inputs | Panics | Aborts | Timeouts | Memory-cap hits | Slowest input | Largest input peak | Inputs/s |\n|---|---:|---:|---:|---:|---:|---|---:|---:|\n",
    );
    let mut total = TargetStats {
        target: "**all**".into(),
        ..TargetStats::default()
    };
    let mut slowest_target = "";
    for st in stats {
        s.push_str(&row(st, ""));
        total.inputs += st.inputs;
        total.panics += st.panics;
        total.aborts += st.aborts;
        total.timeouts += st.timeouts;
        total.memory_cap_hits += st.memory_cap_hits;
        total.wall_seconds += st.wall_seconds;
        if let Some(sl) = st.slowest
            && total.slowest.is_none_or(|t| sl.0 > t.0)
        {
            total.slowest = Some(sl);
            slowest_target = &st.target;
        }
        if let Some(pk) = st.peak_memory
            && total.peak_memory.is_none_or(|t| pk.0 > t.0)
        {
            total.peak_memory = Some(pk);
        }
    }
    if stats.len() > 1 {
        s.push_str(&row(&total, slowest_target));
    }
    s
}

fn row(st: &TargetStats, slowest_target: &str) -> String {
    let slowest = st.slowest.map_or("-".into(), |(us, i, size)| {
        let of = if slowest_target.is_empty() {
            String::new()
        } else {
            format!("{slowest_target} ")
        };
        format!(
            "{:.3} s ({of}#{i}, {} B)",
            us as f64 / 1e6,
            fmt_count(size as u64)
        )
    });
    let peak = st.peak_memory.map_or("-".into(), |(b, _)| fmt_mb(b));
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |\n",
        st.target,
        fmt_count(st.inputs),
        st.panics,
        st.aborts,
        st.timeouts,
        st.memory_cap_hits,
        slowest,
        peak,
        st.throughput()
    )
}

// ------------------------------------------------------------ minimize

/// Shrink a failing input while it keeps failing the same way: remove
/// chunks of halving size (delta debugging, one chunk at a time), each
/// candidate run in a fresh worker under the same caps. Returns the
/// smallest input found and its failure kind, or `None` when `input` does
/// not fail. `scratch` is a file the candidates are written to.
pub fn minimize(
    sup: &Supervisor,
    target: Target,
    mut input: Vec<u8>,
    scratch: &Path,
    max_tries: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<Option<(Vec<u8>, FailKind)>, CampaignError> {
    let dir = scratch.parent().unwrap_or(Path::new("."));
    let check = |bytes: &[u8]| -> Result<Option<FailKind>, CampaignError> {
        write_file(dir, scratch, bytes)?;
        let stats = sup.run(
            &Source::Files(vec![(target, scratch.to_path_buf())]),
            1,
            None,
        )?;
        Ok(stats
            .values()
            .flat_map(|s| s.failures.first())
            .map(|f| f.kind)
            .next())
    };
    let Some(kind) = check(&input)? else {
        return Ok(None);
    };
    let mut tries = 1;
    let mut chunk = input.len() / 2;
    while chunk >= 1 && tries < max_tries {
        let mut offset = 0;
        while offset < input.len() && tries < max_tries {
            let end = (offset + chunk).min(input.len());
            let mut candidate = Vec::with_capacity(input.len() - (end - offset));
            candidate.extend_from_slice(&input[..offset]);
            candidate.extend_from_slice(&input[end..]);
            tries += 1;
            if check(&candidate)? == Some(kind) {
                input = candidate;
                progress(tries, input.len());
            } else {
                offset = end;
            }
        }
        chunk /= 2;
    }
    Ok(Some((input, kind)))
}
