//! Running external tools safely: argv only (never a shell), a time limit,
//! a private temporary working directory, and captured output.

use crate::AnalyzerError;
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where to look for a tool: a configured path first, then the project's
/// `.venv/bin` (where `scripts/setup` installs Python tools), then `PATH`.
pub fn find_tool(
    tool: &str,
    program: &str,
    configured: Option<&Path>,
    install_hint: &str,
) -> Result<PathBuf, AnalyzerError> {
    if let Some(p) = configured {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        return Err(AnalyzerError::NotInstalled {
            tool: tool.to_string(),
            hint: format!(
                "configured path {} does not exist; {install_hint}",
                p.display()
            ),
        });
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            dirs.push(dir.join(".venv/bin"));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for d in dirs {
        let candidate = d.join(program);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(AnalyzerError::NotInstalled {
        tool: tool.to_string(),
        hint: install_hint.to_string(),
    })
}

/// How much CPU a tool's processes may claim when cores are contended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// The scheduler's default.
    #[default]
    Normal,
    /// Niced, so a short tool fills the gaps left by the run's longest tool
    /// instead of slowing it: the run ends when the longest tool ends.
    Background,
}

/// The nice value of background tools: the highest, so a busy normal tool
/// keeps nearly all of a contended core.
const BACKGROUND_NICE: i32 = 19;

thread_local! {
    static CHILD_PRIORITY: Cell<Priority> = const { Cell::new(Priority::Normal) };
}

/// Run `f` with every tool it starts on this thread at `priority`. The
/// orchestrator decides priorities; adapters need not know about them.
pub fn with_priority<R>(priority: Priority, f: impl FnOnce() -> R) -> R {
    let before = CHILD_PRIORITY.with(|p| p.replace(priority));
    let result = f();
    CHILD_PRIORITY.with(|p| p.set(before));
    result
}

/// The priority tools started now on this thread get.
pub fn current_priority() -> Priority {
    CHILD_PRIORITY.with(Cell::get)
}

/// The captured result of one tool run.
#[derive(Debug)]
pub struct ToolRun {
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl ToolRun {
    pub fn stderr_tail(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let trimmed = text.trim();
        let start = trimmed
            .char_indices()
            .rev()
            .nth(400)
            .map(|(i, _)| i)
            .unwrap_or(0);
        trimmed[start..].to_string()
    }
}

/// Run `program args...` in `cwd` with a time limit. The child gets no stdin
/// and is killed when the limit passes.
pub fn run_tool(
    tool: &str,
    program: &Path,
    args: &[OsString],
    cwd: &Path,
    envs: &[(&str, &str)],
    timeout: Duration,
) -> Result<ToolRun, AnalyzerError> {
    let start = Instant::now();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    // Its own process group, so a timeout can stop the tool's children too
    // (Semgrep and CodeQL start workers that would keep the pipes open).
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        if current_priority() == Priority::Background {
            // SAFETY: the closure runs in the child between fork and exec
            // and only makes setpriority(2), an async-signal-safe syscall on
            // the child itself (who = 0). Failure only leaves it at normal
            // priority, so its result is ignored.
            unsafe {
                cmd.pre_exec(|| {
                    libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
                    Ok(())
                });
            }
        }
    }
    let mut child = cmd.spawn().map_err(|e| AnalyzerError::Io {
        tool: tool.to_string(),
        message: format!("cannot start {}: {e}", program.display()),
    })?;
    // Drain both pipes on threads so a chatty tool never blocks on a full pipe.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {
                if start.elapsed() >= timeout {
                    kill_group(&mut child);
                    let _ = child.wait();
                    // The readers end when the last writer is gone; never
                    // wait for them here, a stray grandchild could hold on.
                    drop(out_thread);
                    drop(err_thread);
                    return Err(AnalyzerError::Timeout {
                        tool: tool.to_string(),
                        seconds: timeout.as_secs(),
                    });
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                return Err(AnalyzerError::Io {
                    tool: tool.to_string(),
                    message: format!("waiting for {}: {e}", program.display()),
                });
            }
        }
    };
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    Ok(ToolRun {
        status: status.code(),
        stdout,
        stderr,
        elapsed: start.elapsed(),
    })
}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for this child; it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
}

/// A private scratch directory for a tool's output files.
pub fn scratch_dir(tool: &str) -> Result<tempfile::TempDir, AnalyzerError> {
    tempfile::Builder::new()
        .prefix(&format!("secguard-{tool}-"))
        .tempdir()
        .map_err(|e| AnalyzerError::Io {
            tool: tool.to_string(),
            message: format!("cannot create a temporary directory: {e}"),
        })
}

/// `file` as written by the tool, made relative to `root` when it is
/// absolute and under it, with `./` components dropped.
pub(crate) fn relative_path(file: &str, root: &Path) -> PathBuf {
    let p = Path::new(file);
    let p = if p.is_absolute() {
        if let Ok(rel) = p.strip_prefix(root) {
            rel.to_path_buf()
        } else if let Some(rel) = root
            .canonicalize()
            .ok()
            .and_then(|canon| p.strip_prefix(canon).ok().map(Path::to_path_buf))
        {
            rel
        } else {
            p.to_path_buf()
        }
    } else {
        p.to_path_buf()
    };
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Source lines read on demand, once per file.
pub(crate) struct SourceCache<'a> {
    root: &'a Path,
    files: HashMap<PathBuf, Option<Vec<String>>>,
}

impl<'a> SourceCache<'a> {
    pub(crate) fn new(root: &'a Path) -> SourceCache<'a> {
        SourceCache {
            root,
            files: HashMap::new(),
        }
    }

    pub(crate) fn line(&mut self, path: &Path, line: u32) -> Option<String> {
        let root = self.root;
        let lines = self.files.entry(path.to_path_buf()).or_insert_with(|| {
            std::fs::read(root.join(path)).ok().map(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(|l| l.trim_end_matches('\r').to_string())
                    .collect()
            })
        });
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        lines.as_ref()?.get(index).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn niceness_of_child() -> String {
        let dir = scratch_dir("t").unwrap_or_else(|e| panic!("{e}"));
        let run = run_tool(
            "nice",
            Path::new("/usr/bin/nice"),
            &[],
            dir.path(),
            &[],
            Duration::from_secs(10),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&run.stdout).trim().to_string()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn background_tools_run_niced_and_the_setting_is_scoped() {
        assert_eq!(with_priority(Priority::Background, niceness_of_child), "19");
        assert_eq!(current_priority(), Priority::Normal);
        // Normal tools inherit our own niceness.
        let ours = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(niceness_of_child(), ours.to_string());
    }

    #[test]
    fn timeout_kills_the_child() {
        let dir = scratch_dir("t").unwrap_or_else(|e| panic!("{e}"));
        let err = run_tool(
            "sleeper",
            Path::new("/bin/sleep"),
            &["5".into()],
            dir.path(),
            &[],
            Duration::from_millis(200),
        )
        .err();
        assert!(
            matches!(err, Some(AnalyzerError::Timeout { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn timeout_does_not_wait_for_grandchildren() {
        let dir = scratch_dir("t").unwrap_or_else(|e| panic!("{e}"));
        let script = dir.path().join("spawner");
        std::fs::write(&script, "#!/bin/sh\nsleep 20 &\nsleep 20\n")
            .unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let start = Instant::now();
        let err = run_tool(
            "spawner",
            &script,
            &[],
            dir.path(),
            &[],
            Duration::from_millis(300),
        )
        .err();
        assert!(
            matches!(err, Some(AnalyzerError::Timeout { .. })),
            "{err:?}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn missing_tool_says_how_to_install() {
        let err = find_tool(
            "nope",
            "definitely-not-a-tool-xyz",
            None,
            "pip install nope",
        )
        .err();
        match err {
            Some(AnalyzerError::NotInstalled { hint, .. }) => assert!(hint.contains("pip")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn captures_output_and_status() {
        let dir = scratch_dir("t").unwrap_or_else(|e| panic!("{e}"));
        let run = run_tool(
            "sh-free",
            Path::new("/bin/echo"),
            &["hello".into()],
            dir.path(),
            &[],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.status, Some(0));
        assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "hello");
    }
}
