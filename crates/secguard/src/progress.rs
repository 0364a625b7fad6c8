//! The scan progress bar: drawn on stderr only when stderr is a terminal and
//! not in CI, and only once the scan has more than [`MANY_FILES`] files or
//! has run longer than [`SLOW_AFTER`].

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use secguard_engine::scan::ScanProgress;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub const MANY_FILES: usize = 200;
pub const SLOW_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    enabled: bool,
    started: Instant,
    bar: OnceLock<ProgressBar>,
    visible: AtomicBool,
}

impl Progress {
    /// `enabled` says whether a bar may ever be drawn.
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            started: Instant::now(),
            bar: OnceLock::new(),
            visible: AtomicBool::new(false),
        }
    }

    fn show(&self, bar: &ProgressBar) {
        if !self.visible.swap(true, Ordering::SeqCst) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// The callback for [`secguard_engine::scan::scan_paths`].
    pub fn update(&self, event: ScanProgress) {
        if !self.enabled {
            return;
        }
        match event {
            ScanProgress::Started { files } => {
                let bar = self.bar.get_or_init(|| {
                    let bar = ProgressBar::with_draw_target(
                        Some(files as u64),
                        ProgressDrawTarget::hidden(),
                    );
                    if let Ok(style) = ProgressStyle::with_template(
                        "{spinner} scanning [{bar:30}] {pos}/{len} files ({elapsed})",
                    ) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar
                });
                if files > MANY_FILES {
                    self.show(bar);
                }
            }
            ScanProgress::FileDone => {
                if let Some(bar) = self.bar.get() {
                    bar.inc(1);
                    if !self.visible.load(Ordering::Relaxed) && self.started.elapsed() > SLOW_AFTER
                    {
                        self.show(bar);
                    }
                }
            }
        }
    }

    /// Remove the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
