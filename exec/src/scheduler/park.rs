#![doc = include_str!("../guide/parking.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/parking.md, shown by `cargo doc` as `exec::guide::parking`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::Shared;

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

/// The sleeping side, owned by one worker.
#[derive(Debug)]
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side, kept in the shared state.
#[derive(Debug)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

/// A new parker/unparker pair.
pub(crate) fn pair() -> (Parker, Unparker) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(EMPTY),
        mutex: Mutex::new(()),
        condvar: Condvar::new(),
    });
    (
        Parker {
            inner: inner.clone(),
        },
        Unparker { inner },
    )
}

impl Parker {
    /// Sleeps until unparked (or until the reactor had something to do).
    pub(crate) fn park(&self, shared: &Shared) {
        let inner = &*self.inner;
        // CAS: consume a notification that arrived before we got here.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if let Ok(mut driver) = shared.driver.try_lock() {
            // CAS: announce that we sleep in the reactor; fails only if a
            // notification arrived just now.
            if let Err(actual) = inner
                .state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
            {
                debug_assert_eq!(actual, NOTIFIED);
                inner.state.swap(EMPTY, SeqCst);
                return;
            }
            driver.turn(shared, None);
            // Either still PARKED_DRIVER (woke on I/O or a timer) or NOTIFIED.
            inner.state.swap(EMPTY, SeqCst);
        } else {
            self.park_condvar();
        }
    }

    fn park_condvar(&self) {
        let inner = &*self.inner;
        let mut guard = inner.mutex.lock().unwrap_or_else(|e| e.into_inner());
        // CAS: announce the condvar sleep; fails only if notified meanwhile.
        if let Err(actual) = inner
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            debug_assert_eq!(actual, NOTIFIED);
            inner.state.swap(EMPTY, SeqCst);
            return;
        }
        loop {
            guard = inner.condvar.wait(guard).unwrap_or_else(|e| e.into_inner());
            // CAS: a real notification (not a spurious condvar wake-up).
            if inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Polls the reactor without blocking, if no other worker holds it:
    /// the periodic check a busy worker makes so that I/O and timers are
    /// noticed even when nobody is idle.
    pub(crate) fn poll_reactor_now(&self, shared: &Shared) {
        if let Ok(mut driver) = shared.driver.try_lock() {
            driver.turn(shared, Some(Duration::ZERO));
        }
    }
}

impl Unparker {
    /// Wakes the worker (or makes its next `park` return at once).
    pub(crate) fn unpark(&self, shared: &Shared) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders us after the parker's wait began.
                drop(inner.mutex.lock().unwrap_or_else(|e| e.into_inner()));
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => shared.io.wake_reactor(),
            other => unreachable!("parker state {other}"),
        }
    }

    /// True while the worker sleeps inside the reactor (for metrics).
    pub(crate) fn is_in_reactor(&self) -> bool {
        self.inner.state.load(SeqCst) == PARKED_DRIVER
    }
}
