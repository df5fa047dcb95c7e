#![doc = include_str!("../guide/injector.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/injector.md, shown by `cargo doc` as `exec::guide::injector`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::task::Notified;

#[derive(Debug, Default)]
struct Queue {
    tasks: VecDeque<Notified>,
    /// Set at shutdown: later pushes drop their task at once.
    closed: bool,
}

/// The shared run queue.
#[derive(Debug, Default)]
pub(crate) struct Inject {
    queue: Mutex<Queue>,
    len: AtomicUsize,
}

impl Inject {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A panic never happens while this lock is held (only VecDeque
        // operations), but stay usable if one ever does.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of queued tasks (a racy snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// True if no task is queued (a racy snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues one task; returns false (dropping it) after shutdown.
    pub(crate) fn push(&self, task: Notified) -> bool {
        let mut q = self.lock();
        if q.closed {
            drop(q);
            drop(task);
            return false;
        }
        q.tasks.push_back(task);
        self.len.store(q.tasks.len(), Ordering::Release);
        true
    }

    /// Queues a batch under one lock.
    pub(crate) fn push_batch(&self, batch: Vec<Notified>) {
        let mut q = self.lock();
        if q.closed {
            drop(q);
            drop(batch);
            return;
        }
        q.tasks.extend(batch);
        self.len.store(q.tasks.len(), Ordering::Release);
    }

    /// Takes the oldest task (the workers take batches; tests take one).
    #[cfg(test)]
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.lock();
        let task = q.tasks.pop_front();
        self.len.store(q.tasks.len(), Ordering::Release);
        task
    }

    /// Takes up to `max` tasks (oldest first) into `out`.
    pub(crate) fn pop_batch(&self, max: usize, out: &mut Vec<Notified>) {
        if self.is_empty() {
            return;
        }
        let mut q = self.lock();
        let n = max.min(q.tasks.len());
        out.extend(q.tasks.drain(..n));
        self.len.store(q.tasks.len(), Ordering::Release);
    }

    /// Refuses further pushes and returns what was queued.
    pub(crate) fn close(&self) -> VecDeque<Notified> {
        let mut q = self.lock();
        q.closed = true;
        self.len.store(0, Ordering::Release);
        std::mem::take(&mut q.tasks)
    }
}
