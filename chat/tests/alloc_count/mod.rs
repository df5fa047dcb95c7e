//! A counting global allocator for the hostile-input tests: each test
//! binary that measures allocation declares
//!
//! ```text
//! mod alloc_count;
//! #[global_allocator]
//! static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;
//! ```
//!
//! and reads what a closure requested with [`requested_by`]. It holds the
//! tests' only `unsafe`: an `unsafe impl GlobalAlloc` that forwards every
//! call to `std::alloc::System` unchanged (test instrumentation; the `chat`
//! library itself forbids `unsafe`). Counters are per thread, so tests
//! running in parallel do not see each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Bytes requested from the allocator by this thread since the last reset.
    static REQUESTED: Cell<usize> = const { Cell::new(0) };
}

fn note(bytes: usize) {
    // `try_with`: never panic inside the allocator, even during thread exit.
    let _ = REQUESTED.try_with(|c| c.set(c.get() + bytes));
}

/// Counts every byte requested, then lets the system allocator do the work.
pub struct Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the counting itself does not allocate
// (a const-initialised thread-local `Cell`) and cannot unwind.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's guarantees for `alloc` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every
        // allocation goes through this type), as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A reallocation may move: count the whole new block.
        note(new_size);
        // SAFETY: as for `dealloc`, and the caller guarantees `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Bytes requested while running `f`.
pub fn requested_by<R>(f: impl FnOnce() -> R) -> (R, usize) {
    REQUESTED.with(|c| c.set(0));
    let r = f();
    (r, REQUESTED.with(|c| c.get()))
}
