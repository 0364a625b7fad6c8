//! A counting global allocator: the worker's memory cap.
//!
//! `setrlimit(RLIMIT_AS)` counts address space, not memory, and trips on
//! large virtual reservations (thread stacks, allocator arenas), so the cap
//! is enforced on what the program actually asks the allocator for. Each
//! input starts a measurement ([`start_input`]); an allocation that would
//! take the bytes held above that input's starting point past the cap never
//! happens: the process writes one line to stderr and exits with
//! [`MEMCAP_EXIT`], which the supervisor reports as a memory-cap failure.
//! The counters are process-wide, so a measurement is only meaningful while
//! one input runs at a time (the worker's loop).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Exit status of a worker stopped by the memory cap.
pub const MEMCAP_EXIT: i32 = 86;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static BASE: AtomicUsize = AtomicUsize::new(0);
/// 0 means no cap.
static CAP: AtomicUsize = AtomicUsize::new(0);

/// The allocator; a binary opts in with
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn reserve(size: usize) {
        let cap = CAP.load(Ordering::Relaxed);
        let now = CURRENT
            .fetch_add(size, Ordering::Relaxed)
            .wrapping_add(size);
        if cap != 0 && now.saturating_sub(BASE.load(Ordering::Relaxed)) > cap {
            over_cap();
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
    }

    #[inline]
    fn release(size: usize) {
        CURRENT.fetch_sub(size, Ordering::Relaxed);
    }
}

#[cold]
fn over_cap() -> ! {
    // Nothing here may allocate: write a fixed message and leave at once.
    let msg = b"secguard-fuzz: input exceeded the memory cap\n";
    // SAFETY: writing a static buffer to fd 2 and `_exit` are
    // async-signal-safe and touch no allocator state.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(MEMCAP_EXIT)
    }
}

// SAFETY: every method forwards to `System` with the caller's layout and
// only adds bookkeeping on atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::reserve(layout.size());
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            Self::release(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::reserve(layout.size());
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            Self::release(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) };
        Self::release(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old {
            Self::reserve(new_size - old);
        }
        // SAFETY: forwarded contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            if new_size > old {
                Self::release(new_size - old);
            }
        } else if new_size < old {
            Self::release(old - new_size);
        }
        p
    }
}

/// Set the cap in bytes above each input's starting point (0: none).
pub fn set_cap(bytes: usize) {
    CAP.store(bytes, Ordering::Relaxed);
}

/// Start measuring one input: its usage is counted from the bytes held now.
pub fn start_input() {
    let now = CURRENT.load(Ordering::Relaxed);
    BASE.store(now, Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
}

/// The most bytes held above the starting point since [`start_input`].
pub fn input_peak() -> usize {
    PEAK.load(Ordering::Relaxed)
        .saturating_sub(BASE.load(Ordering::Relaxed))
}
