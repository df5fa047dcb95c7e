//! [`Builder`]: how many workers, their names, and optional features.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};

use super::{Handle, Runtime};
use crate::metrics::WorkerMetrics;
use crate::reactor::{Driver, IoHandle, TOKEN_SIGNAL};
use crate::scheduler::idle::Idle;
use crate::scheduler::inject::Inject;
use crate::scheduler::owned::OwnedTasks;
use crate::scheduler::worker::Worker;
use crate::scheduler::{park, queue, Remote, Shared};
use crate::signal::SignalState;

/// Configures and starts a [`Runtime`].
///
/// ```
/// let rt = exec::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("chat-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.metrics().workers, 2);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    worker_threads: Option<usize>,
    thread_name: String,
    lifo_slot: bool,
    signals: bool,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: one worker per CPU, LIFO slot on, signals on.
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            thread_name: "exec-worker".to_owned(),
            lifo_slot: true,
            signals: true,
        }
    }

    /// Number of worker threads (at least 1; default: available CPUs).
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n.max(1));
        self
    }

    /// Thread name prefix; workers are named `<prefix>-<index>`.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.thread_name = name.into();
        self
    }

    /// Whether a task woken by the running task runs next on the same
    /// worker (default on; see the scheduler docs).
    pub fn lifo_slot(&mut self, enabled: bool) -> &mut Builder {
        self.lifo_slot = enabled;
        self
    }

    /// Whether the runtime receives SIGINT and SIGTERM itself (default
    /// on), which [`signal::ctrl_c`](crate::signal::ctrl_c) needs.
    ///
    /// When on, `build` blocks the two signals in the calling thread before
    /// starting the workers (they inherit the mask) and reads them from a
    /// `signalfd` in the reactor. Build the runtime first thing in `main`,
    /// before starting other threads, so that no thread takes the default
    /// action instead. Until some task asks for a signal, a received
    /// SIGINT/SIGTERM still ends the process (exit status 128 + signal
    /// number), as the default action would. The signals stay blocked in
    /// the building thread after the runtime is dropped (`sys` cannot
    /// unblock them), so build at most one such runtime per program, in
    /// `main`; tests and libraries should use `signals(false)`.
    ///
    /// Only Linux needs the blocking; on kqueue systems `sys` ignores the
    /// signals' default action process-wide instead.
    pub fn signals(&mut self, enabled: bool) -> &mut Builder {
        self.signals = enabled;
        self
    }

    /// Creates the reactor and starts the workers.
    pub fn build(&self) -> io::Result<Runtime> {
        let workers = self
            .worker_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let poll = sys::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let signals = if self.signals {
            use sys::signal::{Signal, Signals};
            let mut signals = Signals::new(&[Signal::Interrupt, Signal::Terminate])?;
            poll.registry()
                .register(&mut signals, TOKEN_SIGNAL, sys::Interest::READABLE)?;
            Some(signals)
        } else {
            None
        };
        let io = IoHandle::new(registry, SignalState::new(self.signals))?;

        let mut locals = Vec::with_capacity(workers);
        let mut remotes = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (local, steal) = queue::new();
            let (parker, unpark) = park::pair();
            locals.push((local, parker));
            remotes.push(Remote { steal, unpark });
        }
        let shared = Arc::new(Shared {
            remotes: remotes.into_boxed_slice(),
            inject: Inject::default(),
            idle: Idle::new(workers),
            owned: OwnedTasks::new(workers * 4),
            driver: Mutex::new(Driver::new(poll, signals)),
            io,
            shutdown: AtomicBool::new(false),
            worker_metrics: (0..workers).map(|_| WorkerMetrics::default()).collect(),
            remote_schedules: AtomicU64::new(0),
            lifo_enabled: self.lifo_slot,
        });

        let mut threads = Vec::with_capacity(workers);
        for (index, (local, parker)) in locals.into_iter().enumerate() {
            let worker = Worker::new(index, shared.clone(), local, parker);
            let spawned = std::thread::Builder::new()
                .name(format!("{}-{index}", self.thread_name))
                .spawn(move || worker.run());
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    // Stop the ones already running before reporting.
                    drop(Runtime::from_parts(Handle::from_shared(shared), threads));
                    return Err(e);
                }
            }
        }
        Ok(Runtime::from_parts(Handle::from_shared(shared), threads))
    }
}
