//! The work-stealing scheduler: N workers, each with a lock-free local
//! queue, one global injector, and the idle/park machinery.
//!
//! - `worker.rs`: the run loop (what to run next, when to steal, when to park);
//! - `queue.rs`: the bounded local ring and its thieves;
//! - `inject.rs`: the global queue;
//! - `idle.rs`: who sleeps, who searches (the anti-thundering-herd rules);
//! - `park.rs`: how to sleep (reactor or condvar) and how to be woken;
//! - `owned.rs`: every live task, for shutdown.

pub(crate) mod idle;
pub(crate) mod inject;
pub(crate) mod owned;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod worker;

use std::future::Future;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::metrics::WorkerMetrics;
use crate::reactor::{Driver, IoHandle};
use crate::task::{self, JoinHandle, Notified, Schedule, Task};
use crate::trace::trace;

/// What other threads may touch of one worker.
#[derive(Debug)]
pub(crate) struct Remote {
    pub(crate) steal: queue::Steal,
    pub(crate) unpark: park::Unparker,
}

/// Everything the workers, wakers and handles share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) inject: inject::Inject,
    pub(crate) idle: idle::Idle,
    pub(crate) owned: owned::OwnedTasks,
    /// The reactor's `Poll`: whoever holds this lock may block in it.
    pub(crate) driver: Mutex<Driver>,
    /// The reactor's shared side: registry, waker, sources, timers.
    pub(crate) io: IoHandle,
    pub(crate) shutdown: AtomicBool,
    pub(crate) worker_metrics: Box<[WorkerMetrics]>,
    pub(crate) remote_schedules: AtomicU64,
    pub(crate) lifo_enabled: bool,
}

impl Shared {
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Spawns a task onto this runtime from any thread.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new_task(future, self.clone());
        match self.owned.bind(task) {
            Ok(()) => self.schedule_task(notified, false),
            Err(task) => {
                // Shutting down: the task never runs; its future is dropped
                // here and the handle reports cancellation.
                drop(notified);
                task.shutdown();
            }
        }
        join
    }

    /// Queues a woken task: on the current worker's own queue if this
    /// thread is one of our workers, else on the injector.
    pub(crate) fn schedule_task(&self, task: Notified, is_yield: bool) {
        worker::schedule(self, task, is_yield);
    }

    /// Pushes onto the injector and wakes one sleeper if useful.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        self.remote_schedules.fetch_add(1, Ordering::Relaxed);
        if !self.inject.push(task) {
            return;
        }
        // Order the push before reading the idle state (store-load: pairs
        // with the SeqCst update in `Idle::transition_worker_to_parked`).
        fence(Ordering::SeqCst);
        self.notify_parked();
    }

    /// Wakes one sleeping worker, unless someone is already searching.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            trace!("unpark worker {index}");
            self.remotes[index].unpark.unpark(self);
        }
    }

    /// Called by the last searcher before it sleeps: wake someone if any
    /// queue still holds work.
    pub(crate) fn notify_if_work_pending(&self) {
        let pending = self.remotes.iter().any(|r| !r.steal.is_empty()) || !self.inject.is_empty();
        if pending {
            self.notify_parked();
        }
    }

    /// Asks every worker to stop (they finish the task they are polling).
    pub(crate) fn begin_shutdown(&self) {
        if self.shutdown.swap(true, Ordering::AcqRel) {
            return;
        }
        trace!("shutdown requested");
        for remote in self.remotes.iter() {
            remote.unpark.unpark(self);
        }
    }

    /// After the workers exited: drop every remaining task exactly once.
    pub(crate) fn shutdown_tasks(&self) {
        // Queued entries only hold references; drop them (futures stay).
        drop(self.inject.close());
        // Every unfinished task: drop its future now.
        for task in self.owned.close_and_take_all() {
            task.shutdown();
        }
        // Wakes from dropped futures may have queued more references.
        drop(self.inject.close());
        // The reactor's wakers and timers hold task references too.
        self.io.shutdown();
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified, is_yield: bool) {
        self.schedule_task(task, is_yield);
    }

    fn release(&self, task: &Task) -> Option<Task> {
        self.owned.remove(task)
    }
}
