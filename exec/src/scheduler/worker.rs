#![doc = include_str!("../guide/run_loop.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/run_loop.md, shown by `cargo doc` as `exec::guide::run_loop`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use super::park::Parker;
use super::queue::{self, Local};
use super::Shared;
use crate::context;
use crate::metrics::bump;
use crate::runtime::Handle;
use crate::task::Notified;
use crate::trace::trace;

/// Check the global queue first every this many ticks (fairness).
const GLOBAL_QUEUE_INTERVAL: u32 = 31;
/// At a fairness tick, take at most this many tasks from the injector, to
/// run before the local queue: about half of the ticks while the injector
/// is long (see `take_fair_share`).
const FAIR_BATCH: usize = GLOBAL_QUEUE_INTERVAL as usize / 2;
/// Poll the reactor without blocking every this many ticks.
const EVENT_INTERVAL: u32 = 61;
/// Consecutive LIFO-slot polls before the slot task goes to the back.
const MAX_LIFO_POLLS: usize = 3;

thread_local! {
    /// The worker running on this thread, if any.
    static WORKER: RefCell<Option<Rc<Worker>>> = const { RefCell::new(None) };
}

/// One worker's private state; lives on its thread.
pub(crate) struct Worker {
    index: usize,
    shared: Arc<Shared>,
    local: Local,
    lifo: Cell<Option<Notified>>,
    parker: Parker,
    is_searching: Cell<bool>,
    /// True while inside `park`: wakes then land on our queue and we look
    /// at them ourselves when the reactor turn ends.
    is_parking: Cell<bool>,
    tick: Cell<u32>,
    rng: Cell<u64>,
    batch: RefCell<Vec<Notified>>,
    /// Tasks taken from the injector at a fairness tick; they run first.
    from_inject: RefCell<VecDeque<Notified>>,
}

impl Worker {
    pub(crate) fn new(index: usize, shared: Arc<Shared>, local: Local, parker: Parker) -> Worker {
        Worker {
            index,
            shared,
            local,
            lifo: Cell::new(None),
            parker,
            is_searching: Cell::new(false),
            is_parking: Cell::new(false),
            tick: Cell::new(0),
            // xorshift seed: any odd number differing per worker.
            rng: Cell::new(0x9E37_79B9_7F4A_7C15 ^ ((index as u64 + 1) << 17) | 1),
            batch: RefCell::new(Vec::new()),
            from_inject: RefCell::new(VecDeque::new()),
        }
    }

    /// The thread body: run until shutdown, then drop what is queued here.
    pub(crate) fn run(self) {
        let worker = Rc::new(self);
        WORKER.with(|w| *w.borrow_mut() = Some(worker.clone()));
        let _enter = context::enter(Handle::from_shared(worker.shared.clone()));
        trace!("worker {} started", worker.index);
        worker.run_loop();
        // Drop our queued references; the futures are dropped by shutdown.
        drop(worker.lifo.take());
        worker.from_inject.borrow_mut().clear();
        while let Some(task) = worker.local.pop() {
            drop(task);
        }
        trace!("worker {} stopped", worker.index);
        WORKER.with(|w| w.borrow_mut().take());
    }

    fn metrics(&self) -> &crate::metrics::WorkerMetrics {
        &self.shared.worker_metrics[self.index]
    }

    fn run_loop(&self) {
        while !self.shared.is_shutdown() {
            let tick = self.tick.get().wrapping_add(1);
            self.tick.set(tick);
            if tick.is_multiple_of(EVENT_INTERVAL) {
                self.parker.poll_reactor_now(&self.shared);
            }
            match self.next_task(tick).or_else(|| self.steal_work()) {
                Some(task) => {
                    self.transition_from_searching();
                    self.run_task(task);
                }
                None => self.park(),
            }
        }
    }

    fn run_task(&self, task: Notified) {
        bump(&self.metrics().polled);
        task.run();
        // Tasks woken by that poll into the LIFO slot run next, a few times.
        for _ in 0..MAX_LIFO_POLLS {
            match self.lifo.take() {
                Some(task) => {
                    bump(&self.metrics().polled);
                    task.run();
                }
                None => return,
            }
        }
        if let Some(task) = self.lifo.take() {
            self.local.push_back(task, &self.shared.inject);
        }
    }

    fn next_task(&self, tick: u32) -> Option<Notified> {
        if let Some(task) = self.from_inject.borrow_mut().pop_front() {
            return Some(task);
        }
        if tick.is_multiple_of(GLOBAL_QUEUE_INTERVAL) {
            if let Some(task) = self.take_fair_share() {
                return Some(task);
            }
        }
        if let Some(task) = self.lifo.take() {
            return Some(task);
        }
        if let Some(task) = self.local.pop() {
            return Some(task);
        }
        self.pop_injector_batch()
    }

    /// The injector's turn, every [`GLOBAL_QUEUE_INTERVAL`] ticks: up to
    /// [`FAIR_BATCH`] of its oldest tasks (a fair share of them), to run
    /// before the local queue; returns the first.
    ///
    /// Taking one task per interval (as tokio and Go do) is not enough when
    /// more tasks are runnable than the local queues hold. An overflowing
    /// local queue sends its older half to the injector, and the tasks
    /// that just ran are woken back into the local queue, ahead of them;
    /// at one task per interval, the injector's tasks wait while the same
    /// few hundred run again and again. Measured with `async_server` and
    /// 1 000 clients in one room: writer tasks waited a second, and their
    /// clients were dropped as slow consumers. With a batch, the injector
    /// gets about half of the ticks while it is long, for one lock per
    /// batch.
    fn take_fair_share(&self) -> Option<Notified> {
        let inject = &self.shared.inject;
        if inject.is_empty() {
            return None;
        }
        let share = (inject.len() / self.shared.remotes.len() + 1).min(FAIR_BATCH);
        let mut batch = self.batch.borrow_mut();
        inject.pop_batch(share, &mut batch);
        let mut tasks = batch.drain(..);
        let first = tasks.next();
        self.from_inject.borrow_mut().extend(tasks);
        first
    }

    /// Moves a fair share of the injector onto our queue; returns one task.
    fn pop_injector_batch(&self) -> Option<Notified> {
        let inject = &self.shared.inject;
        if inject.is_empty() {
            return None;
        }
        let share = inject.len() / self.shared.remotes.len() + 1;
        let max = share.min(queue::CAPACITY / 2);
        let mut batch = self.batch.borrow_mut();
        inject.pop_batch(max, &mut batch);
        let mut tasks = batch.drain(..);
        let first = tasks.next();
        for task in tasks {
            self.local.push_back(task, inject);
        }
        first
    }

    fn next_rand(&self) -> u64 {
        // xorshift64 (Marsaglia, "Xorshift RNGs", 2003).
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x
    }

    fn steal_work(&self) -> Option<Notified> {
        if !self.transition_to_searching() {
            return None;
        }
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = (self.next_rand() % n as u64) as usize;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            bump(&self.metrics().steal_attempts);
            if let Some(task) = remotes[victim].steal.steal_into(&self.local) {
                let stolen = 1 + self.local.len() as u64;
                let m = self.metrics();
                m.stolen.store(
                    m.stolen.load(std::sync::atomic::Ordering::Relaxed) + stolen,
                    std::sync::atomic::Ordering::Relaxed,
                );
                trace!(
                    "worker {} stole {stolen} tasks from worker {victim}",
                    self.index
                );
                return Some(task);
            }
        }
        self.pop_injector_batch()
    }

    fn transition_to_searching(&self) -> bool {
        if !self.is_searching.get() {
            self.is_searching
                .set(self.shared.idle.transition_worker_to_searching());
        }
        self.is_searching.get()
    }

    fn transition_from_searching(&self) {
        if !self.is_searching.replace(false) {
            return;
        }
        if self.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: there may be more,
            // so let one more worker look.
            self.shared.notify_parked();
        }
    }

    fn has_lifo(&self) -> bool {
        let task = self.lifo.take();
        let has = task.is_some();
        self.lifo.set(task);
        has
    }

    fn park(&self) {
        if self.has_lifo() || !self.local.is_empty() {
            return;
        }
        let shared = &*self.shared;
        let was_searching = self.is_searching.replace(false);
        if shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            // Last searcher out: make sure nothing arrived meanwhile.
            shared.notify_if_work_pending();
        }
        bump(&self.metrics().parks);
        trace!("worker {} parks", self.index);
        while !shared.is_shutdown() {
            self.is_parking.set(true);
            self.parker.park(shared);
            self.is_parking.set(false);
            if self.transition_from_parked() {
                if self.local.len() + usize::from(self.has_lifo()) > 1 {
                    // The reactor turn woke several tasks onto our queue
                    // (the first of them sits in the LIFO slot, so count
                    // it): let another worker steal some. Only now, off the
                    // sleepers list ourselves, or the pick could be us.
                    shared.notify_parked();
                }
                break;
            }
        }
        trace!("worker {} unparked", self.index);
    }

    fn transition_from_parked(&self) -> bool {
        if self.has_lifo() || !self.local.is_empty() {
            // Woken by our own reactor turn: leave the sleepers list (if
            // someone else already took us off it, they counted us as
            // searching).
            self.is_searching
                .set(!self.shared.idle.unpark_worker_by_id(self.index));
            return true;
        }
        if self.shared.idle.is_parked(self.index) {
            // Still on the list: a spurious wake-up (a reactor turn with
            // nothing for us, or a timer change). Sleep again.
            return false;
        }
        // Unparked by `notify_parked`, which counted us as searching.
        self.is_searching.set(true);
        true
    }

    /// Schedules a task woken on this worker's thread.
    fn schedule_local(&self, task: Notified, is_yield: bool) {
        let should_notify = if is_yield || !self.shared.lifo_enabled {
            self.local.push_back(task, &self.shared.inject);
            true
        } else {
            match self.lifo.replace(Some(task)) {
                Some(prev) => {
                    self.local.push_back(prev, &self.shared.inject);
                    true
                }
                None => false,
            }
        };
        if should_notify && !self.is_parking.get() {
            self.shared.notify_parked();
        }
    }
}

/// Schedules `task`: onto the current worker if this thread is one of
/// `shared`'s workers, otherwise onto the injector.
pub(crate) fn schedule(shared: &Shared, task: Notified, is_yield: bool) {
    let mut task = Some(task);
    // `try_with`: during thread teardown the slot may be gone; fall back.
    let _ = WORKER.try_with(|cell| {
        if let Ok(worker) = cell.try_borrow() {
            if let Some(worker) = worker.as_ref() {
                if std::ptr::eq(&*worker.shared, shared) {
                    if let Some(task) = task.take() {
                        worker.schedule_local(task, is_yield);
                    }
                }
            }
        }
    });
    if let Some(task) = task {
        shared.schedule_remote(task);
    }
}

/// True if the current thread is a worker of `shared`.
pub(crate) fn is_worker_of(shared: &Shared) -> bool {
    WORKER
        .try_with(|cell| {
            cell.try_borrow()
                .ok()
                .and_then(|w| w.as_ref().map(|w| std::ptr::eq(&*w.shared, shared)))
                .unwrap_or(false)
        })
        .unwrap_or(false)
}

/// True if the current thread is a worker of any runtime.
pub(crate) fn is_any_worker() -> bool {
    WORKER
        .try_with(|cell| cell.try_borrow().map(|w| w.is_some()).unwrap_or(false))
        .unwrap_or(false)
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("index", &self.index)
            .field("local", &self.local)
            .finish()
    }
}
