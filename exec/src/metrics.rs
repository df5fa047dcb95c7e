//! [`RuntimeMetrics`]: a snapshot of what the scheduler is doing.
//!
//! Each worker counts its own events in its own cache line (one writer, so a
//! plain load + store, no atomic read-modify-write on the hot path); a
//! snapshot sums them.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::scheduler::Shared;

/// Counters written by one worker only.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct WorkerMetrics {
    pub(crate) polled: AtomicU64,
    pub(crate) stolen: AtomicU64,
    pub(crate) steal_attempts: AtomicU64,
    pub(crate) parks: AtomicU64,
}

/// Adds one to a counter that only the calling thread writes.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// A snapshot of a runtime's state and counters (see
/// [`Runtime::metrics`](crate::Runtime::metrics)).
///
/// ```
/// let rt = exec::Runtime::builder().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     exec::spawn(async {}).await.unwrap();
/// });
/// let m = rt.metrics();
/// assert_eq!(m.workers, 2);
/// assert!(m.tasks_spawned >= 1 && m.tasks_polled >= 1);
/// println!("{m}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Worker threads.
    pub workers: usize,
    /// Workers asleep right now (in the reactor or on their condvar).
    pub parked_workers: usize,
    /// Workers looking for work to steal right now.
    pub searching_workers: usize,
    /// True if a worker is blocked in `sys::Poll::poll` right now.
    pub worker_in_reactor: bool,
    /// Tasks spawned since start.
    pub tasks_spawned: u64,
    /// Tasks spawned and not yet finished. A task leaves this count before
    /// its `JoinHandle` can see it finished, so after awaiting every
    /// handle this reads 0.
    pub tasks_alive: usize,
    /// Polls performed.
    pub tasks_polled: u64,
    /// Tasks moved from one worker's queue to another's by stealing.
    pub tasks_stolen: u64,
    /// Steal attempts (successful or not).
    pub steal_attempts: u64,
    /// Times a worker went to sleep.
    pub parks: u64,
    /// Reactor turns (blocking or not).
    pub reactor_turns: u64,
    /// Tasks scheduled from outside the workers (through the injector).
    pub remote_schedules: u64,
    /// Tasks waiting in the global injector.
    pub injector_depth: usize,
    /// Tasks waiting in each worker's local queue.
    pub local_queue_depths: Vec<usize>,
    /// Sources registered with the reactor.
    pub io_sources: usize,
    /// Timers waiting.
    pub timers: usize,
}

impl RuntimeMetrics {
    pub(crate) fn collect(shared: &Shared) -> RuntimeMetrics {
        let (parked, searching) = shared.idle.counts();
        let sum = |f: fn(&WorkerMetrics) -> &AtomicU64| -> u64 {
            shared
                .worker_metrics
                .iter()
                .map(|m| f(m).load(Ordering::Relaxed))
                .sum()
        };
        RuntimeMetrics {
            workers: shared.remotes.len(),
            parked_workers: parked,
            searching_workers: searching,
            worker_in_reactor: shared.remotes.iter().any(|r| r.unpark.is_in_reactor()),
            tasks_spawned: shared.owned.spawned(),
            tasks_alive: shared.owned.live(),
            tasks_polled: sum(|m| &m.polled),
            tasks_stolen: sum(|m| &m.stolen),
            steal_attempts: sum(|m| &m.steal_attempts),
            parks: sum(|m| &m.parks),
            reactor_turns: shared.io.turns.load(Ordering::Relaxed),
            remote_schedules: shared.remote_schedules.load(Ordering::Relaxed),
            injector_depth: shared.inject.len(),
            local_queue_depths: shared.remotes.iter().map(|r| r.steal.len()).collect(),
            io_sources: shared.io.source_count(),
            timers: shared.io.timers.len(),
        }
    }
}

impl fmt::Display for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "workers {} (parked {}, searching {}, in reactor: {})",
            self.workers, self.parked_workers, self.searching_workers, self.worker_in_reactor
        )?;
        writeln!(
            f,
            "tasks: spawned {}, alive {}, polled {}, stolen {} ({} steal attempts)",
            self.tasks_spawned,
            self.tasks_alive,
            self.tasks_polled,
            self.tasks_stolen,
            self.steal_attempts
        )?;
        writeln!(
            f,
            "parks {}, reactor turns {}, remote schedules {}",
            self.parks, self.reactor_turns, self.remote_schedules
        )?;
        write!(
            f,
            "queues: injector {}, local {:?}; io sources {}, timers {}",
            self.injector_depth, self.local_queue_depths, self.io_sources, self.timers
        )
    }
}
