#![doc = include_str!("../guide/idle_workers.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/idle_workers.md, shown by `cargo doc` as `exec::guide::idle_workers`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard};

const SEARCH_MASK: usize = (1 << 16) - 1;
const UNPARK_SHIFT: usize = 16;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;

/// Parked and searching workers.
#[derive(Debug)]
pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    /// All `num_workers` start unparked and not searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn sleepers(&self) -> MutexGuard<'_, Vec<usize>> {
        self.sleepers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn num_searching(state: usize) -> usize {
        state & SEARCH_MASK
    }

    fn num_unparked(state: usize) -> usize {
        state >> UNPARK_SHIFT
    }

    /// (parked, searching) right now, for metrics.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let s = self.state.load(SeqCst);
        (
            self.num_workers - Self::num_unparked(s),
            Self::num_searching(s),
        )
    }

    /// Is a wake-up useful? Nobody searching, somebody asleep.
    fn should_wake(&self) -> bool {
        let s = self.state.load(SeqCst);
        Self::num_searching(s) == 0 && Self::num_unparked(s) < self.num_workers
    }

    /// Picks a sleeper to wake for new work, counting it as unparked and
    /// searching; `None` if waking one is pointless.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // Fast path: one load, no lock, when everyone is busy or searching.
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers();
        // Re-check under the lock: somebody may have woken a worker already.
        if !self.should_wake() {
            return None;
        }
        let worker = sleepers.pop()?;
        // The woken worker starts out searching.
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        Some(worker)
    }

    /// A worker goes to sleep. Returns true if it was the last searcher,
    /// in which case it must re-check the queues.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers();
        let dec = UNPARK_ONE | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && Self::num_searching(prev) == 1
    }

    /// A worker woke on its own (I/O, timer): take it off the list. Returns
    /// false if it was not there (someone else already unparked it).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers();
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(UNPARK_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Is the worker still on the sleepers list?
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers().contains(&worker)
    }

    /// Try to become a searcher; refused when half the workers already are.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * Self::num_searching(s) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work. Returns true if it was the last searcher (it
    /// should then wake another worker to keep looking).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(Self::num_searching(prev) > 0);
        Self::num_searching(prev) == 1
    }
}
