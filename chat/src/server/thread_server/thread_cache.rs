//! [`ThreadCache`]: spawn a thread per job, but reuse threads that finished.
//!
//! Creating a thread is not free: `clone`, two `mmap`s (the stack and the
//! signal stack std installs) with their guard pages, and on exit the
//! matching `munmap`s, each of which makes every other core flush its TLB.
//! A thread-per-connection server that sees many short connections spends
//! most of its time there. So, as thread-per-connection servers have long
//! done, a thread whose job is over does not exit at once: it waits up to
//! [`KEEP_IDLE`] for the next job.
//!
//! ```text
//!   spawn(job) ──► an idle thread?  yes ──► hand it the job, unpark it
//!                                    no ──► thread::Builder::spawn
//!
//!   thread: run job ─► push itself on `idle` ─► park (KEEP_IDLE) ─┬─► got a job: run it
//!                                                                 └─► timed out: leave `idle`, exit
//! ```
//!
//! Every job still has a thread to itself; only the creation is amortised.
//! An idle thread wakes once, when [`KEEP_IDLE`] passes, and exits: a quiet
//! server ends with no spare threads and no periodic wake-ups.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::server::shared_hub::lock;

/// How long a thread without a job waits for one before exiting.
pub const KEEP_IDLE: Duration = Duration::from_secs(5);

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Spawns jobs on threads of one stack size, reusing idle threads.
#[derive(Clone)]
pub struct ThreadCache {
    inner: Arc<Inner>,
}

struct Inner {
    stack_size: usize,
    /// The most threads alive at once.
    max_threads: usize,
    /// Threads alive, busy or idle.
    live: AtomicUsize,
    /// Threads waiting for a job, most recently idle last.
    idle: Mutex<Vec<Arc<Slot>>>,
}

/// One cached thread's mailbox for its next job.
struct Slot {
    thread: Thread,
    job: Mutex<Option<Job>>,
}

impl fmt::Debug for ThreadCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadCache")
            .field("stack_size", &self.inner.stack_size)
            .field("max_threads", &self.inner.max_threads)
            .field("live", &self.inner.live.load(Ordering::Relaxed))
            .field("idle", &lock(&self.inner.idle).len())
            .finish()
    }
}

impl ThreadCache {
    /// A cache whose threads have stacks of `stack_size` bytes, and that
    /// keeps at most `max_threads` threads alive.
    pub fn new(stack_size: usize, max_threads: usize) -> ThreadCache {
        ThreadCache {
            inner: Arc::new(Inner {
                stack_size,
                max_threads,
                live: AtomicUsize::new(0),
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Runs `job` on a thread of its own: an idle one if there is one, else
    /// a new one. Fails only if a new thread was needed and could not be
    /// created: `max_threads` are alive, or the system refused (out of
    /// memory, threads or address-space mappings).
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let job: Job = Box::new(job);
        let idle = lock(&self.inner.idle).pop();
        if let Some(slot) = idle {
            *lock(&slot.job) = Some(job);
            slot.thread.unpark();
            return Ok(());
        }
        if self.inner.live.fetch_add(1, Ordering::Relaxed) >= self.inner.max_threads {
            self.inner.live.fetch_sub(1, Ordering::Relaxed);
            return Err(io::Error::other("thread limit reached"));
        }
        let inner = self.inner.clone();
        let spawned = thread::Builder::new()
            .stack_size(self.inner.stack_size)
            .spawn(move || {
                run_jobs(&inner, job);
                inner.live.fetch_sub(1, Ordering::Relaxed);
            });
        if spawned.is_err() {
            self.inner.live.fetch_sub(1, Ordering::Relaxed);
        }
        spawned.map(drop)
    }

    /// Threads waiting for a job right now.
    pub fn idle(&self) -> usize {
        lock(&self.inner.idle).len()
    }
}

/// A cached thread's life: its first job, then each job it is handed, until
/// none comes for [`KEEP_IDLE`].
fn run_jobs(inner: &Inner, first: Job) {
    first();
    let slot = Arc::new(Slot {
        thread: thread::current(),
        job: Mutex::new(None),
    });
    loop {
        lock(&inner.idle).push(slot.clone());
        let give_up = Instant::now() + KEEP_IDLE;
        let job = loop {
            if let Some(job) = lock(&slot.job).take() {
                break job;
            }
            let now = Instant::now();
            if now >= give_up {
                // Leave the idle list, unless a spawner just took us from
                // it: then a job is on its way, wait for it.
                let mut idle = lock(&inner.idle);
                if let Some(at) = idle.iter().position(|s| Arc::ptr_eq(s, &slot)) {
                    idle.swap_remove(at);
                    return;
                }
                drop(idle);
                thread::park();
                continue;
            }
            thread::park_timeout(give_up - now);
        };
        job();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_finished_thread_runs_the_next_job() {
        let cache = ThreadCache::new(64 * 1024, usize::MAX);
        let (tx, rx) = mpsc::channel();
        let first = tx.clone();
        cache
            .spawn(move || first.send(thread::current().id()).unwrap())
            .unwrap();
        let a = rx.recv().unwrap();
        // Wait until the thread has parked itself on the idle list.
        while cache.idle() == 0 {
            thread::yield_now();
        }
        cache
            .spawn(move || tx.send(thread::current().id()).unwrap())
            .unwrap();
        assert_eq!(rx.recv().unwrap(), a, "the idle thread was reused");
    }

    #[test]
    fn the_thread_limit_is_an_error_not_a_crash() {
        let cache = ThreadCache::new(64 * 1024, 1);
        let (tx, rx) = mpsc::channel::<()>();
        cache
            .spawn(move || {
                let _ = rx.recv();
            })
            .unwrap();
        assert!(cache.spawn(|| {}).is_err(), "a second thread is refused");
        drop(tx);
    }

    #[test]
    fn busy_threads_are_not_shared() {
        // Both jobs must run at the same time for the barrier to open.
        let cache = ThreadCache::new(64 * 1024, usize::MAX);
        let barrier = Arc::new(std::sync::Barrier::new(3));
        for _ in 0..2 {
            let barrier = barrier.clone();
            cache
                .spawn(move || {
                    barrier.wait();
                })
                .unwrap();
        }
        barrier.wait();
    }
}
