#![doc = include_str!("../guide/readiness.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/readiness.md, shown by `cargo doc` as `exec::guide::readiness`.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

pub(crate) const READABLE: usize = 1 << 0;
pub(crate) const WRITABLE: usize = 1 << 1;
pub(crate) const READ_CLOSED: usize = 1 << 2;
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
pub(crate) const ERROR: usize = 1 << 4;
const SHUTDOWN: usize = 1 << 5;
const BITS: usize = (1 << 16) - 1;
const TICK_SHIFT: usize = 16;

/// Which half of a source a task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }
}

/// Readiness observed by a task, to be cleared if the syscall would block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    tick: u16,
    ready: usize,
}

#[derive(Debug, Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

/// Shared between the reactor (which sets readiness) and the I/O object.
#[derive(Debug, Default)]
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    fn waiters(&self) -> std::sync::MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reactor side: record `ready` bits from turn `tick`, collecting the
    /// wakers to wake.
    pub(crate) fn set_readiness(&self, ready: usize, tick: u16, wakers: &mut Vec<Waker>) {
        let mut current = self.readiness.load(Ordering::Acquire);
        loop {
            let next = ((tick as usize) << TICK_SHIFT) | (current & BITS) | ready;
            // CAS: merge the new bits with whatever tasks cleared meanwhile.
            match self.readiness.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // Taking the lock after publishing the bits: a task that stored its
        // waker before we lock is woken; one that locks after us re-checks
        // the bits under the lock and sees them.
        let mut waiters = self.waiters();
        if ready & Direction::Read.mask() != 0 {
            wakers.extend(waiters.reader.take());
        }
        if ready & Direction::Write.mask() != 0 {
            wakers.extend(waiters.writer.take());
        }
    }

    /// Task side: ready for `dir`? Otherwise park `cx`'s waker.
    pub(crate) fn poll_ready(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready_now(dir) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters();
        let slot = match dir {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Re-check under the lock (see `set_readiness`).
        match self.ready_now(dir) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    fn ready_now(&self, dir: Direction) -> Option<io::Result<ReadyEvent>> {
        let current = self.readiness.load(Ordering::Acquire);
        if current & SHUTDOWN != 0 {
            return Some(Err(io::Error::other("the exec runtime has shut down")));
        }
        let ready = current & dir.mask();
        (ready != 0).then_some(Ok(ReadyEvent {
            tick: (current >> TICK_SHIFT) as u16,
            ready,
        }))
    }

    /// The syscall said `WouldBlock`: forget the readiness it was based on,
    /// unless a newer event arrived meanwhile. Closed/error bits stay.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready & (READABLE | WRITABLE);
        let mut current = self.readiness.load(Ordering::Acquire);
        loop {
            if (current >> TICK_SHIFT) as u16 != event.tick {
                // A newer event: keep its bits.
                return;
            }
            // CAS: clear only if the word is still the one we judged by.
            match self.readiness.compare_exchange_weak(
                current,
                current & !clear,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Runtime shutdown: fail every later operation, release the wakers.
    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, Ordering::AcqRel);
        let mut waiters = self.waiters();
        wakers.extend(waiters.reader.take());
        wakers.extend(waiters.writer.take());
    }
}
