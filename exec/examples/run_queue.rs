//! Stepping stone 2 of 3: a single-threaded executor with a run queue of
//! `Arc` tasks.
//!
//! `block_on` runs one future. To run many, each future becomes a **task**:
//! the future plus what is needed to schedule it again. Here a task is an
//! `Arc<Task>` and is its own waker (`std::task::Wake`): waking it pushes
//! the `Arc` onto the executor's queue. The executor pops tasks and polls
//! them, in order, until the queue is empty.
//!
//! ```text
//!   spawn ──push──▶ [ queue of Arc<Task> ] ──pop──▶ poll ──Pending──▶ (parked in a waker)
//!                          ▲                                              │
//!                          └──────────────── wake: push ◀─────────────────┘
//! ```
//!
//! Two tasks yield to each other, and a third waits for a value the first
//! one sends; the queue's order decides the interleaving:
//!
//! ```text
//! $ cargo run -p exec --example run_queue
//! ping step 1
//! pong step 1
//! waiter: nothing yet, Pending
//! ping step 2
//! pong step 2
//! ping sends 7
//! ping step 3
//! pong step 3
//! waiter: got 7
//! queue empty after 10 polls
//! ```
//!
//! What the real runtime changes, chapter by chapter (`exec::guide`):
//! the `Arc<Task>` with a `Mutex` around the future becomes one
//! allocation with a vtable (`task_allocation`) and an atomic state word
//! instead of the lock, so a task woken while it runs is queued once, after
//! its poll (`task_state`); its waker is a `RawWaker` onto that allocation
//! (`task_waker`); the queue becomes one per worker plus an injector, with
//! a LIFO slot and stealing (`run_loop`, `local_queue`, `injector`).
//! Next: `reactor.rs` (what to do when the queue is empty).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The run queue, shared with every task (a task pushes itself on wake).
type Queue = Arc<Mutex<VecDeque<Arc<Task>>>>;

/// A spawned future and the queue it goes back to when woken.
struct Task {
    /// `None` once the future has finished.
    future: Mutex<Option<BoxFuture>>,
    queue: Queue,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let queue = self.queue.clone();
        queue.lock().unwrap().push_back(self);
    }
}

/// A single-threaded executor: a FIFO queue of tasks.
#[derive(Default)]
pub struct Executor {
    queue: Queue,
    /// Tasks spawned and not finished.
    live: AtomicUsize,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("queued", &self.queue.lock().unwrap().len())
            .field("live", &self.live)
            .finish()
    }
}

impl Executor {
    /// Queues `future` as a new task.
    pub fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            queue: self.queue.clone(),
        });
        self.queue.lock().unwrap().push_back(task);
        self.live.fetch_add(1, Ordering::Relaxed);
    }

    /// Tasks spawned and not yet finished.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Polls queued tasks until the queue is empty; returns the polls
    /// made. Tasks still pending then wait for a wake-up that only
    /// something outside (a reactor, another thread) could give.
    pub fn run(&self) -> usize {
        let mut polls = 0;
        loop {
            // Pop under the lock, poll without it: the task may wake
            // itself (or others) while it runs.
            let Some(task) = self.queue.lock().unwrap().pop_front() else {
                return polls;
            };
            let mut slot = task.future.lock().unwrap();
            // A task woken twice is queued twice; the second pop of a
            // finished task finds `None` and does nothing.
            let Some(future) = slot.as_mut() else {
                continue;
            };
            let waker = Waker::from(task.clone());
            polls += 1;
            if future
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                *slot = None;
                self.live.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

/// Returns `Pending` once, waking itself first: back of the queue.
#[derive(Debug)]
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A one-value slot: [`Slot::recv`] waits until [`Slot::send`] fills it.
#[derive(Clone, Debug, Default)]
pub struct Slot(Arc<Mutex<(Option<u32>, Option<Waker>)>>);

impl Slot {
    /// Stores `value` and wakes the receiver, if it waits.
    pub fn send(&self, value: u32) {
        let mut state = self.0.lock().unwrap();
        state.0 = Some(value);
        if let Some(waker) = state.1.take() {
            waker.wake();
        }
    }

    /// Waits for the value, reporting each `Pending` through `log`.
    pub fn recv(&self, log: Log) -> impl Future<Output = u32> + Send {
        let slot = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = slot.0.lock().unwrap();
            match state.0.take() {
                Some(value) => Poll::Ready(value),
                None => {
                    state.1 = Some(cx.waker().clone());
                    log.push("waiter: nothing yet, Pending");
                    Poll::Pending
                }
            }
        })
    }
}

/// The lines the example prints, collected so a test can compare them.
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Appends one line.
    pub fn push(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }

    /// All lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// The example's run: the lines it prints.
pub fn demo() -> Vec<String> {
    let executor = Executor::default();
    let log = Log::default();
    let slot = Slot::default();
    for name in ["ping", "pong"] {
        let (log, slot) = (log.clone(), slot.clone());
        executor.spawn(async move {
            for step in 1..=3 {
                log.push(format!("{name} step {step}"));
                if name == "ping" && step == 2 {
                    YieldNow(false).await;
                    log.push("ping sends 7");
                    slot.send(7);
                    continue;
                }
                YieldNow(false).await;
            }
        });
    }
    let waiter_log = log.clone();
    executor.spawn(async move {
        let value = slot.recv(waiter_log.clone()).await;
        waiter_log.push(format!("waiter: got {value}"));
    });
    let polls = executor.run();
    log.push(format!("queue empty after {polls} polls"));
    log.lines()
}

fn main() {
    for line in demo() {
        println!("{line}");
    }
}
