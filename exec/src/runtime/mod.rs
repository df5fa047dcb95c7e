//! The runtime: [`Runtime`] (owns the worker threads), [`Builder`] (how
//! many, named how) and [`Handle`] (a cheap reference to spawn from
//! anywhere).

mod builder;
mod handle;

pub use builder::Builder;
pub use handle::{Handle, TryCurrentError};

use std::future::Future;
use std::io;
use std::thread::JoinHandle as ThreadHandle;

use crate::metrics::RuntimeMetrics;
use crate::scheduler::worker;
use crate::task::JoinHandle;

/// A work-stealing runtime: worker threads, their queues and the reactor.
///
/// Dropping it (or calling [`shutdown`](Runtime::shutdown)) stops the
/// workers after the task each is polling returns, then drops every
/// remaining task's future exactly once; their `JoinHandle`s report
/// cancellation. A task that blocks its worker thread (a synchronous loop,
/// `std::thread::sleep`) delays the drop until that poll returns.
///
/// ```
/// let rt = exec::Runtime::builder().worker_threads(2).build().unwrap();
/// let handle = rt.spawn(async { 1 + 1 });
/// assert_eq!(rt.block_on(handle).unwrap(), 2);
/// ```
#[derive(Debug)]
pub struct Runtime {
    handle: Handle,
    threads: Vec<ThreadHandle<()>>,
}

impl Runtime {
    /// A runtime with one worker per CPU and signal handling on; see
    /// [`Builder`].
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Starts configuring a runtime.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_parts(handle: Handle, threads: Vec<ThreadHandle<()>>) -> Runtime {
        Runtime { handle, threads }
    }

    /// A handle to spawn from other threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task (from any thread); see [`Handle::spawn`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `future` on the current thread until it completes, while the
    /// workers run spawned tasks; see [`Handle::block_on`].
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// A snapshot of the scheduler's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Stops the runtime (the same as dropping it, spelled out).
    pub fn shutdown(self) {
        drop(self)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let shared = self.handle.shared();
        shared.begin_shutdown();
        let on_worker = worker::is_worker_of(shared);
        for thread in self.threads.drain(..) {
            if on_worker && thread.thread().id() == std::thread::current().id() {
                // Dropped from inside one of its own tasks: cannot join
                // ourselves; that worker exits when this task returns.
                continue;
            }
            let _ = thread.join();
        }
        shared.shutdown_tasks();
    }
}
