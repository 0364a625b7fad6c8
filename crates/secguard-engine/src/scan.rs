//! The file walker and the parallel scan driver.
//!
//! [`scan_paths`] walks the given paths with the gitignore-aware walker of the
//! `ignore` crate, reads and decodes each source file, runs the engine on it
//! across a rayon thread pool (the engine applies inline suppressions) and
//! assembles a deterministic [`ScanReport`].
//!
//! What is walked:
//! - Directories are walked recursively. Hidden files and directories (names
//!   starting with `.`) and symbolic links are skipped.
//! - `.gitignore` files (and `.git/info/exclude`) are honoured unless
//!   [`ScanOptions::respect_gitignore`] is false, also outside a git
//!   repository. The user's global git excludes file is not read, so a scan
//!   gives the same result on every machine.
//! - `.secguardignore` files (gitignore syntax) are always honoured.
//! - [`ScanOptions::exclude`] patterns (gitignore syntax, relative to their
//!   root) are always honoured.
//! - Paths given explicitly are scanned even when an ignore rule or an
//!   exclude pattern matches them.
//!
//! Per file: the language comes from the extension ([`Language::from_extension`]);
//! a file given explicitly without a known extension is identified by a
//! `python` shebang or, when the language filter names exactly one language,
//! taken to be in that language. Files of no known language are not counted.
//! A file with a NUL byte in its first 8 KiB is skipped as binary; a file
//! above [`ScanOptions::max_file_size`] is skipped; a file that is not valid
//! UTF-8 is decoded lossily; a file that cannot be read is noted. Each of
//! these leaves a [`Note`] and a count in [`ScanStats`].

use crate::Engine;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;
use secguard_core::display;
use secguard_core::{
    Finding, Language, Note, NoteKind, REPORT_SCHEMA_VERSION, ScanReport, ScanStats, ToolInfo,
    Verdict,
};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// Default limit on the size of a scanned file: 1 MiB. Hand-written and
/// LLM-written source files are far below it (the largest file in the Python
/// standard library is about 740 KiB); files above it are usually generated.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

/// How many leading bytes are checked for a NUL byte to detect binaries.
pub const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// Stack size of the scan's worker threads. Analysis of deeply nested code
/// recurses; the memory is only reserved, not committed, until used.
pub const WORKER_STACK_SIZE: usize = 32 * 1024 * 1024;

/// The most worker threads a scan starts: four per CPU. More only adds
/// contention, and each reserves a [`WORKER_STACK_SIZE`] stack (`-j 10000`
/// spent over a minute starting threads).
pub fn max_jobs() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_mul(4)
}

/// The custom ignore file honoured in every directory, in gitignore syntax.
pub const SECGUARD_IGNORE_FILE: &str = ".secguardignore";

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and directories to scan. Empty means the current directory.
    pub paths: Vec<PathBuf>,
    /// Files larger than this many bytes are skipped with a note.
    pub max_file_size: u64,
    /// Worker threads; 0 picks one per CPU. At most [`max_jobs`] are used.
    pub jobs: usize,
    /// Honour `.gitignore` and `.git/info/exclude` files.
    pub respect_gitignore: bool,
    /// Further ignore files in gitignore syntax, honoured always (like
    /// `.secguardignore`); their patterns are relative to their directory.
    pub ignore_files: Vec<PathBuf>,
    /// Exclude patterns in gitignore syntax, each relative to its root.
    pub exclude: Vec<ExcludePattern>,
    /// Only scan files in these languages; empty means all languages.
    pub languages: Vec<Language>,
    /// Parse only, without rules or suppressions: the benchmark floor.
    pub parse_only: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            jobs: 0,
            respect_gitignore: true,
            ignore_files: Vec::new(),
            exclude: Vec::new(),
            languages: Vec::new(),
            parse_only: false,
        }
    }
}

/// One exclude pattern in gitignore syntax, matched relative to `root`
/// (for a config file, the directory that holds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludePattern {
    pub root: PathBuf,
    pub pattern: String,
}

/// Progress reported while scanning. Calls come from worker threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanProgress {
    /// The walk finished; this many files will be scanned.
    Started { files: usize },
    /// One more file is done.
    FileDone,
}

/// Errors that stop a scan before it starts. Problems with single files are
/// notes in the report, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A path given to scan does not exist or cannot be inspected.
    #[error("{}: {}", path.display(), describe_io_error(error))]
    PathNotFound {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not a file or directory", path.display())]
    NotAFileOrDirectory { path: PathBuf },
    #[error("invalid exclude pattern '{pattern}': {message}")]
    InvalidExclude { pattern: String, message: String },
    #[error("{}: {message}", path.display())]
    InvalidIgnoreFile { path: PathBuf, message: String },
    #[error("cannot start worker threads: {0}")]
    ThreadPool(String),
    #[error("cannot determine the current directory: {0}")]
    CurrentDir(std::io::Error),
}

fn describe_io_error(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Check one exclude pattern without scanning, so configuration errors can
/// name the file and field they come from.
pub fn validate_exclude(pattern: &str) -> Result<(), String> {
    let mut builder = GitignoreBuilder::new("/");
    builder.add_line(None, pattern).map_err(|e| e.to_string())?;
    builder.build().map(|_| ()).map_err(|e| e.to_string())
}

/// A file to scan, as found by the walk.
struct FileItem {
    /// The path as reported (leading `./` removed).
    path: PathBuf,
    language: Language,
}

/// What scanning one file produced.
#[derive(Default)]
struct FileOutcome {
    findings: Vec<Finding>,
    notes: Vec<Note>,
    verdict: Option<Verdict>,
    lines: usize,
    scanned: bool,
    binary: bool,
    too_large: bool,
    unreadable: bool,
}

/// Walk `options.paths`, scan every source file and build the report.
pub fn scan_paths(
    engine: &Engine,
    options: &ScanOptions,
    progress: &(dyn Fn(ScanProgress) + Sync),
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let mut walk_notes = Vec::new();
    let files = collect_files(options, &mut walk_notes)?;
    progress(ScanProgress::Started { files: files.len() });

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.min(max_jobs()))
        .stack_size(WORKER_STACK_SIZE)
        .build()
        .map_err(|e| ScanError::ThreadPool(e.to_string()))?;
    let outcomes: Vec<FileOutcome> = pool.install(|| {
        files
            .par_iter()
            .map(|item| {
                let outcome = scan_file_guarded(engine, item, options);
                progress(ScanProgress::FileDone);
                outcome
            })
            .collect()
    });

    let mut stats = ScanStats {
        files_unreadable: walk_notes
            .iter()
            .filter(|n: &&Note| n.kind == NoteKind::Unreadable)
            .count(),
        rules_run: if options.parse_only {
            0
        } else {
            engine.rules().len()
        },
        ..ScanStats::default()
    };
    let mut findings = Vec::new();
    let mut notes = walk_notes;
    let mut verdicts = Vec::new();
    for outcome in outcomes {
        stats.files_scanned += usize::from(outcome.scanned);
        stats.files_skipped_binary += usize::from(outcome.binary);
        stats.files_skipped_large += usize::from(outcome.too_large);
        stats.files_unreadable += usize::from(outcome.unreadable);
        stats.lines_scanned += outcome.lines;
        findings.extend(outcome.findings);
        notes.extend(outcome.notes);
        verdicts.extend(outcome.verdict);
    }
    sort_findings(&mut findings);
    notes.sort_by(|a, b| {
        (&a.path, a.line, a.kind, &a.message).cmp(&(&b.path, b.line, b.kind, &b.message))
    });
    verdicts.sort_by(|a, b| a.path.cmp(&b.path));
    stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

    Ok(ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.to_string(),
        tool: ToolInfo {
            name: "secguard".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        findings,
        verdicts,
        notes,
        stats,
    })
}

/// The report's finding order: path, line, column, rule, then the rest.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let (la, lb) = (&a.location, &b.location);
        (
            &la.path,
            la.start_line,
            la.start_column,
            &a.rule_id,
            la.end_line,
            la.end_column,
            &a.fingerprint,
        )
            .cmp(&(
                &lb.path,
                lb.start_line,
                lb.start_column,
                &b.rule_id,
                lb.end_line,
                lb.end_column,
                &b.fingerprint,
            ))
    });
}

/// Recompute one verdict per entry of `verdicts` from `findings`, keeping the
/// set of files. Used after findings were filtered (for example by a baseline).
pub fn recompute_verdicts(verdicts: &mut [Verdict], findings: &[Finding]) {
    let mut by_path: BTreeMap<&Path, Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        by_path
            .entry(finding.location.path.as_path())
            .or_default()
            .push(finding);
    }
    for verdict in verdicts.iter_mut() {
        let path = verdict.path.clone();
        let file_findings = by_path.get(path.as_path()).cloned().unwrap_or_default();
        *verdict = Verdict::from_findings(path, file_findings);
    }
}

/// Remove a leading `./` so reported paths (and so fingerprints) do not
/// depend on whether the user typed `.` or nothing.
fn report_path(path: &Path) -> PathBuf {
    let mut components = path.components().peekable();
    while components.peek() == Some(&Component::CurDir) {
        components.next();
    }
    let rest: PathBuf = components.collect();
    if rest.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        rest
    }
}

/// Make `path` absolute against `cwd` and resolve `.` and `..` lexically.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn collect_files(options: &ScanOptions, notes: &mut Vec<Note>) -> Result<Vec<FileItem>, ScanError> {
    let default_paths = [PathBuf::from(".")];
    let paths: &[PathBuf] = if options.paths.is_empty() {
        &default_paths
    } else {
        &options.paths
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|error| ScanError::PathNotFound {
            path: path.clone(),
            error,
        })?;
        if meta.is_dir() {
            dirs.push(path.clone());
        } else if meta.is_file() {
            if let Some(language) = explicit_file_language(path, options) {
                files.push(FileItem {
                    path: report_path(path),
                    language,
                });
            }
        } else {
            return Err(ScanError::NotAFileOrDirectory { path: path.clone() });
        }
    }
    for path in &options.ignore_files {
        if !path.is_file() {
            return Err(ScanError::InvalidIgnoreFile {
                path: path.clone(),
                message: "no such ignore file".to_string(),
            });
        }
    }

    if let Some((first, rest)) = dirs.split_first() {
        let excludes = build_excludes(&options.exclude)?;
        let cwd = if excludes.is_empty() {
            PathBuf::new()
        } else {
            std::env::current_dir().map_err(ScanError::CurrentDir)?
        };
        let mut builder = ignore::WalkBuilder::new(first);
        for dir in rest {
            builder.add(dir);
        }
        builder
            .hidden(true)
            .follow_links(false)
            .parents(true)
            .ignore(false)
            .git_global(false)
            .git_ignore(options.respect_gitignore)
            .git_exclude(options.respect_gitignore)
            .require_git(false)
            .add_custom_ignore_filename(SECGUARD_IGNORE_FILE);
        for path in &options.ignore_files {
            if let Some(err) = builder.add_ignore(path) {
                return Err(ScanError::InvalidIgnoreFile {
                    path: path.clone(),
                    message: err.to_string(),
                });
            }
        }
        if !excludes.is_empty() {
            builder.filter_entry(move |entry| {
                let abs = absolute(&cwd, entry.path());
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !excludes
                    .iter()
                    .any(|gi| gi.matched(&abs, is_dir).is_ignore())
            });
        }
        for result in builder.build() {
            match result {
                Ok(entry) => {
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let Some(language) = entry
                        .path()
                        .extension()
                        .and_then(|e| e.to_str())
                        .and_then(Language::from_extension)
                    else {
                        continue;
                    };
                    if options.languages.is_empty() || options.languages.contains(&language) {
                        files.push(FileItem {
                            path: report_path(entry.path()),
                            language,
                        });
                    }
                }
                Err(err) => notes.push(walk_error_note(&err)),
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    Ok(files)
}

fn build_excludes(patterns: &[ExcludePattern]) -> Result<Vec<Gitignore>, ScanError> {
    let mut by_root: BTreeMap<&Path, Vec<&str>> = BTreeMap::new();
    for p in patterns {
        by_root.entry(&p.root).or_default().push(&p.pattern);
    }
    let cwd = if patterns.iter().any(|p| p.root.is_relative()) {
        std::env::current_dir().map_err(ScanError::CurrentDir)?
    } else {
        PathBuf::new()
    };
    let mut out = Vec::new();
    for (root, lines) in by_root {
        let mut builder = GitignoreBuilder::new(absolute(&cwd, root));
        for line in lines {
            builder
                .add_line(None, line)
                .map_err(|e| ScanError::InvalidExclude {
                    pattern: line.to_string(),
                    message: e.to_string(),
                })?;
        }
        out.push(builder.build().map_err(|e| ScanError::InvalidExclude {
            pattern: String::new(),
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

/// The language of a file named on the command line.
fn explicit_file_language(path: &Path, options: &ScanOptions) -> Option<Language> {
    let by_extension = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Language::from_extension);
    let language = match by_extension {
        Some(language) => Some(language),
        None if python_shebang(path) => Some(Language::Python),
        None => match options.languages.as_slice() {
            [only] => Some(*only),
            _ => None,
        },
    };
    language.filter(|l| options.languages.is_empty() || options.languages.contains(l))
}

fn python_shebang(path: &Path) -> bool {
    let mut head = [0u8; 128];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(n) = file.read(&mut head) else {
        return false;
    };
    let head = &head[..n];
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    first_line.starts_with(b"#!") && first_line.windows(6).any(|w| w == b"python")
}

fn walk_error_note(err: &ignore::Error) -> Note {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::Partial(errs) => errs.iter().find_map(path_of),
            _ => None,
        }
    }
    Note {
        path: path_of(err)
            .map(report_path)
            .unwrap_or_else(|| PathBuf::from(".")),
        kind: NoteKind::Unreadable,
        line: None,
        message: format!("cannot walk: {err}"),
    }
}

fn note(path: &Path, kind: NoteKind, line: Option<u32>, message: String) -> Note {
    Note {
        path: path.to_path_buf(),
        kind,
        line,
        message,
    }
}

fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Read a file, refusing to read more than `limit` bytes.
enum ReadResult {
    Bytes(Vec<u8>),
    TooLarge(u64),
    Error(std::io::Error),
}

fn read_limited(path: &Path, limit: u64) -> ReadResult {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return ReadResult::Error(e),
    };
    let len = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return ReadResult::Error(e),
    };
    if len > limit {
        return ReadResult::TooLarge(len);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    // One byte more than the limit tells a file that grew since the stat.
    match file
        .by_ref()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        Ok(_) if bytes.len() as u64 > limit => ReadResult::TooLarge(bytes.len() as u64),
        Ok(_) => ReadResult::Bytes(bytes),
        Err(e) => ReadResult::Error(e),
    }
}

/// Decode source bytes: UTF-8, else lossily. Returns the text and, when the
/// decoding was lossy, the 1-based line of the first invalid byte. A leading
/// byte-order mark is removed so columns match what editors show.
pub fn decode_source(bytes: Vec<u8>) -> (String, Option<u32>) {
    let (mut text, lossy_line) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(err) => {
            let valid_up_to = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let line = bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
            (
                String::from_utf8_lossy(&bytes).into_owned(),
                Some(u32::try_from(line).unwrap_or(u32::MAX)),
            )
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    (text, lossy_line)
}

/// True when the first [`BINARY_SNIFF_LEN`] bytes contain a NUL byte.
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

fn count_lines(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    newlines + usize::from(!text.ends_with('\n'))
}

/// [`scan_file`], but a panic while analyzing one file (a bug) becomes a
/// note on that file instead of ending the whole scan.
fn scan_file_guarded(engine: &Engine, item: &FileItem, options: &ScanOptions) -> FileOutcome {
    let run = std::panic::AssertUnwindSafe(|| scan_file(engine, item, options));
    match std::panic::catch_unwind(run) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            FileOutcome {
                notes: vec![note(
                    &item.path,
                    NoteKind::InternalError,
                    None,
                    format!(
                        "internal error while analyzing this file, no findings reported for it \
                         (please report this bug): {reason}"
                    ),
                )],
                ..FileOutcome::default()
            }
        }
    }
}

/// Test builds only: a file of this name panics in the per-file driver, so
/// the test can show one file's failure keeps the others' report.
#[cfg(test)]
const PANIC_FOR_TEST: &str = "panic-injected-by-test.py";

fn scan_file(engine: &Engine, item: &FileItem, options: &ScanOptions) -> FileOutcome {
    let path = item.path.as_path();
    #[cfg(test)]
    if path.file_name().is_some_and(|n| n == PANIC_FOR_TEST) {
        panic!("injected by the test");
    }
    let mut out = FileOutcome::default();
    if !display::path_is_utf8(path) {
        // JSON and text show the name lossily; this note keeps it exactly.
        out.notes.push(note(
            path,
            NoteKind::LossyPath,
            None,
            format!(
                "file name is not valid UTF-8; shown with U+FFFD elsewhere, exactly: {}",
                display::path_display(path)
            ),
        ));
    }
    let bytes = match read_limited(path, options.max_file_size) {
        ReadResult::Bytes(bytes) => bytes,
        ReadResult::TooLarge(len) => {
            out.too_large = true;
            out.notes.push(note(
                path,
                NoteKind::TooLarge,
                None,
                format!(
                    "file is {}, above the {} limit; skipped (raise it with --max-file-size)",
                    human_size(len),
                    human_size(options.max_file_size)
                ),
            ));
            return out;
        }
        ReadResult::Error(err) => {
            out.unreadable = true;
            out.notes.push(note(
                path,
                NoteKind::Unreadable,
                None,
                format!("cannot read file: {err}"),
            ));
            return out;
        }
    };
    if looks_binary(&bytes) {
        out.binary = true;
        out.notes.push(note(
            path,
            NoteKind::BinarySkipped,
            None,
            "binary file (NUL byte in the first 8 KiB); skipped".to_string(),
        ));
        return out;
    }
    let (text, lossy_line) = decode_source(bytes);
    if let Some(line) = lossy_line {
        out.notes.push(note(
            path,
            NoteKind::LossyUtf8,
            Some(line),
            format!("not valid UTF-8 (first invalid byte on line {line}); decoded lossily"),
        ));
    }
    out.scanned = true;
    if options.parse_only {
        Engine::parse_only(item.language, &text);
        out.lines = count_lines(&text);
        // Without rules a file has no findings; it is still a sample other
        // analyzers may judge.
        out.verdict = Some(Verdict::from_findings(path.to_path_buf(), &[]));
        return out;
    }
    let result = engine.scan_source(path, item.language, &text);
    out.lines = if result.lines > 0 {
        result.lines
    } else {
        count_lines(&text)
    };
    // The engine applies inline suppressions (crate::suppression) itself.
    out.notes.extend(result.notes);
    out.verdict = Some(Verdict::from_findings(path.to_path_buf(), &result.findings));
    out.findings = result.findings;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn no_progress(_: ScanProgress) {}

    fn scan(dir: &Path, tweak: impl FnOnce(&mut ScanOptions)) -> ScanReport {
        let engine = Engine::builtin().expect("engine");
        let mut options = ScanOptions {
            paths: vec![dir.to_path_buf()],
            jobs: 2,
            ..ScanOptions::default()
        };
        tweak(&mut options);
        scan_paths(&engine, &options, &no_progress).expect("scan")
    }

    fn scanned_names(report: &ScanReport, root: &Path) -> Vec<String> {
        report
            .verdicts
            .iter()
            .map(|v| {
                v.path
                    .strip_prefix(root)
                    .unwrap_or(&v.path)
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn walks_filters_and_counts() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        fs::create_dir_all(root.join("pkg/ignored")).expect("mkdir");
        fs::create_dir_all(root.join("build")).expect("mkdir");
        fs::create_dir_all(root.join(".hidden")).expect("mkdir");
        fs::write(root.join("a.py"), "x = 1\ny = 2\n").expect("write");
        fs::write(root.join("b.c"), "int main(void) { return 0; }").expect("write");
        fs::write(root.join("README.md"), "# readme").expect("write");
        fs::write(root.join("pkg/c.cpp"), "int f();\n").expect("write");
        fs::write(root.join("pkg/ignored/d.py"), "x = 1\n").expect("write");
        fs::write(root.join("build/gen.py"), "x = 1\n").expect("write");
        fs::write(root.join(".hidden/h.py"), "x = 1\n").expect("write");
        fs::write(root.join("bin.py"), b"x = 1\0\x01\x02").expect("write");
        fs::write(root.join("latin1.py"), b"s = '\xe9t\xe9'\n").expect("write");
        fs::write(root.join("big.py"), "x = 1\n".repeat(100)).expect("write");
        fs::write(root.join(".secguardignore"), "ignored/\n").expect("write");
        fs::write(root.join(".gitignore"), "build/\n").expect("write");

        let report = scan(root, |o| o.max_file_size = 100);
        assert_eq!(
            scanned_names(&report, root),
            vec!["a.py", "b.c", "latin1.py", "pkg/c.cpp"]
        );
        assert_eq!(report.stats.files_scanned, 4);
        assert_eq!(report.stats.files_skipped_binary, 1);
        assert_eq!(report.stats.files_skipped_large, 1);
        assert_eq!(report.stats.files_unreadable, 0);
        assert_eq!(report.stats.lines_scanned, 2 + 1 + 1 + 1);
        let kinds: Vec<NoteKind> = report.notes.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            vec![
                NoteKind::TooLarge,
                NoteKind::BinarySkipped,
                NoteKind::LossyUtf8
            ]
        );
        assert_eq!(report.notes[2].line, Some(1));

        // --no-ignore drops .gitignore but keeps .secguardignore.
        let report = scan(root, |o| {
            o.respect_gitignore = false;
            o.languages = vec![Language::Python];
        });
        assert_eq!(
            scanned_names(&report, root),
            vec!["a.py", "big.py", "build/gen.py", "latin1.py"]
        );

        // Exclude patterns are relative to their root.
        let report = scan(root, |o| {
            o.exclude = vec![
                ExcludePattern {
                    root: root.to_path_buf(),
                    pattern: "/pkg".to_string(),
                },
                ExcludePattern {
                    root: root.to_path_buf(),
                    pattern: "*.c".to_string(),
                },
            ];
        });
        assert_eq!(
            scanned_names(&report, root),
            vec!["a.py", "big.py", "latin1.py"]
        );
    }

    #[test]
    fn explicit_files_are_scanned_even_if_ignored() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        fs::write(root.join(".secguardignore"), "*.py\n").expect("write");
        fs::write(root.join("a.py"), "x = 1\n").expect("write");
        fs::write(root.join("script"), "#!/usr/bin/env python3\nx = 1\n").expect("write");
        fs::write(root.join("notes.txt"), "hello\n").expect("write");
        let engine = Engine::builtin().expect("engine");
        let options = ScanOptions {
            paths: vec![
                root.to_path_buf(),
                root.join("a.py"),
                root.join("script"),
                root.join("notes.txt"),
            ],
            ..ScanOptions::default()
        };
        let report = scan_paths(&engine, &options, &no_progress).expect("scan");
        assert_eq!(scanned_names(&report, root), vec!["a.py", "script"]);
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let engine = Engine::builtin().expect("engine");
        let options = ScanOptions {
            paths: vec![PathBuf::from("does/not/exist.py")],
            ..ScanOptions::default()
        };
        let err = scan_paths(&engine, &options, &no_progress).expect_err("must fail");
        assert!(matches!(err, ScanError::PathNotFound { .. }));
        assert!(err.to_string().contains("does/not/exist.py"), "{err}");
    }

    #[test]
    fn parse_only_counts_lines_and_progress_is_reported() {
        let tmp = tempfile::tempdir().expect("tempdir");
        fs::write(tmp.path().join("a.py"), "def f(:\n  pass").expect("write");
        fs::write(tmp.path().join("b.c"), "int x;\n").expect("write");
        let engine = Engine::builtin().expect("engine");
        let options = ScanOptions {
            paths: vec![tmp.path().to_path_buf()],
            parse_only: true,
            ..ScanOptions::default()
        };
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = std::sync::atomic::AtomicUsize::new(0);
        let progress = |p: ScanProgress| match p {
            ScanProgress::Started { files } => {
                total.store(files, std::sync::atomic::Ordering::SeqCst);
            }
            ScanProgress::FileDone => {
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        };
        let report = scan_paths(&engine, &options, &progress).expect("scan");
        assert_eq!(report.stats.files_scanned, 2);
        assert_eq!(report.stats.lines_scanned, 3);
        assert_eq!(report.stats.rules_run, 0);
        assert_eq!(total.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_source(b"abc".to_vec()), ("abc".to_string(), None));
        assert_eq!(
            decode_source("\u{feff}x".as_bytes().to_vec()),
            ("x".to_string(), None)
        );
        let (text, line) = decode_source(b"a\nb\n\xff\n".to_vec());
        assert_eq!(line, Some(3));
        assert!(text.contains('\u{fffd}'));
        assert!(looks_binary(b"ab\0"));
        assert!(!looks_binary(b"abc"));
        let mut late_nul = vec![b'a'; BINARY_SNIFF_LEN];
        late_nul.push(0);
        assert!(!looks_binary(&late_nul));
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a"), 1);
        assert_eq!(count_lines("a\nb\n"), 2);
    }

    #[test]
    fn report_paths_drop_leading_dot() {
        assert_eq!(report_path(Path::new("./a/b.py")), PathBuf::from("a/b.py"));
        assert_eq!(report_path(Path::new(".")), PathBuf::from("."));
        assert_eq!(report_path(Path::new("a.py")), PathBuf::from("a.py"));
        assert_eq!(
            absolute(Path::new("/w"), Path::new("./x/../y")),
            PathBuf::from("/w/y")
        );
    }

    #[test]
    fn invalid_exclude_is_reported() {
        assert!(validate_exclude("src/**/*.py").is_ok());
        assert!(validate_exclude("a[z-a]").is_err());
    }

    /// A panic while analyzing one file becomes an internal-error note for
    /// that file; the other files' findings and verdicts are kept.
    #[test]
    fn one_files_panic_keeps_the_others_report() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        fs::write(
            root.join("a.py"),
            "import os\ndef f():\n    os.system(input())\n",
        )
        .expect("write");
        fs::write(root.join(PANIC_FOR_TEST), "x = 1\n").expect("write");
        fs::write(
            root.join("b.c"),
            "#include <stdlib.h>\nint main(int c, char **v) { system(v[1]); return 0; }\n",
        )
        .expect("write");
        let report = scan(root, |_| {});
        let failed: Vec<&Note> = report
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::InternalError)
            .collect();
        assert_eq!(failed.len(), 1, "{:?}", report.notes);
        assert!(failed[0].path.ends_with(PANIC_FOR_TEST));
        assert!(failed[0].message.contains("injected by the test"));
        let with_findings: Vec<String> = report
            .findings
            .iter()
            .map(|f| f.location.path.to_string_lossy().into_owned())
            .collect();
        assert!(
            with_findings.iter().any(|p| p.ends_with("a.py")),
            "{with_findings:?}"
        );
        assert!(
            with_findings.iter().any(|p| p.ends_with("b.c")),
            "{with_findings:?}"
        );
    }
}
