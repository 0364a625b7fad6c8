//! Peak-memory measurement for one scan at a time: a counting global
//! allocator for the Rust heap and, on Linux, the process's peak resident
//! size (`VmHWM`, reset through `/proc/self/clear_refs`), which also counts
//! what the C parser allocates. The binary that includes this module must
//! install [`Counting`] as its global allocator and measure one scan at a
//! time. The allocator refuses to grow the heap past 1 GiB, so a runaway
//! input aborts the measuring process instead of exhausting the machine.

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
const HARD_CAP: usize = 1 << 30;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if now > HARD_CAP {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// A `/proc/self/status` field in bytes (Linux only).
fn status_bytes(field: &str) -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Peak memory of one call of `f`, in bytes: (Rust heap, resident size;
/// the latter 0 where the kernel does not expose it).
pub fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let rss_base = if std::fs::write("/proc/self/clear_refs", "5").is_ok() {
        status_bytes("VmRSS:")
    } else {
        None
    };
    let out = f();
    let heap = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let rss = rss_base
        .and_then(|b| Some(status_bytes("VmHWM:")?.saturating_sub(b)))
        .unwrap_or(0);
    (out, heap, rss)
}

pub fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
