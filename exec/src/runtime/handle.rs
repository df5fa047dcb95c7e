//! [`Handle`]: spawn onto a runtime from anywhere; `block_on`.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use crate::context;
use crate::metrics::RuntimeMetrics;
use crate::scheduler::{worker, Shared};
use crate::task::JoinHandle;

/// A cheap, cloneable reference to a runtime.
///
/// Keeps the runtime's shared state alive, not its threads: once the
/// [`Runtime`](crate::Runtime) is dropped, spawned tasks are cancelled at
/// once (their `JoinHandle` reports it), sockets report an error, and
/// timers no longer fire (nothing drives them), so `block_on` on such a
/// handle only makes sense for futures that need neither.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

/// Returned by [`Handle::try_current`] outside any runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no exec runtime on this thread: call this from a task or inside Runtime::block_on",
        )
    }
}

impl std::error::Error for TryCurrentError {}

impl TryCurrentError {
    pub(crate) fn default_message() -> TryCurrentError {
        TryCurrentError(())
    }
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Handle {
        Handle { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The runtime of the current thread (a worker, or inside `block_on`).
    ///
    /// # Panics
    /// Outside a runtime; see [`try_current`](Handle::try_current).
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{e}"),
        }
    }

    /// The runtime of the current thread, if any.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(Handle::clone).ok_or(TryCurrentError(()))
    }

    /// Spawns a task. From a worker thread it goes onto that worker's queue
    /// (and runs next, through the LIFO slot); from any other thread onto
    /// the global injector, waking one sleeping worker.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn(future)
    }

    /// Runs `future` to completion on the calling thread, which sleeps
    /// (`std::thread::park`) whenever the future is pending. Inside,
    /// `spawn`, timers and sockets use this runtime.
    ///
    /// # Panics
    /// On a worker thread of any runtime: blocking a worker would stall
    /// every task queued behind it. Use `.await` there.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert!(
            !worker::is_any_worker(),
            "block_on called on a runtime worker thread; await the future instead"
        );
        let _enter = context::enter(self.clone());
        let unparker = Arc::new(ThreadUnparker {
            thread: std::thread::current(),
            notified: AtomicBool::new(false),
        });
        let waker = Waker::from(unparker.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            while !unparker.notified.swap(false, Ordering::Acquire) {
                std::thread::park();
            }
        }
    }

    /// A snapshot of the scheduler's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::collect(&self.shared)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.shared.remotes.len())
            .finish()
    }
}

/// Wakes the thread sitting in `block_on`.
struct ThreadUnparker {
    thread: Thread,
    notified: AtomicBool,
}

impl Wake for ThreadUnparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.notified.store(true, Ordering::Release);
        self.thread.unpark();
    }
}
