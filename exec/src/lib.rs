//! # exec: a work-stealing async runtime whose idle workers sleep in the kernel
//!
//! `exec` runs Rust futures on a few worker threads. It is small enough to
//! read in an afternoon, and this page is the map.
//!
//! ## 1. Futures, wakers, executors
//!
//! A [`Future`] is a state machine with one method,
//! `poll`. Polling either finishes (`Ready(value)`) or says "not yet"
//! (`Pending`) *after arranging to be woken*: it stores the
//! [`Waker`](std::task::Waker) it was given wherever the missing event will
//! happen (a socket's reader slot, a timer, a channel). An *executor* polls
//! futures, and when a waker fires, polls that future again. Nothing is
//! polled in a loop: a pending future costs nothing until its event.
//!
//! ```text
//!     executor ──poll(cx)──> future ──Pending (waker stored in the socket slot)
//!        ▲                                       │
//!        └──── wake(): "poll me again" ◄──── epoll says readable
//! ```
//!
//! ## 2. The life of a task
//!
//! [`spawn`] wraps a future in a *task*: a single heap allocation holding an
//! atomic state word, the future and later its output (see the `task`
//! module's `state.rs` for every bit). The task's `Waker` is a pointer to
//! that allocation; waking it puts the task back on a run queue.
//!
//! ```text
//!   spawn(fut)
//!      │ allocate task (state = NOTIFIED, 3 refs: queue, JoinHandle, task list)
//!      ▼
//!   run queue ──worker pops──> poll ──Ready(v)──> store v, wake the JoinHandle
//!      ▲                         │
//!      │                      Pending
//!      │                         │ (the future stored a clone of the waker)
//!      │                         ▼
//!      └──── waker.wake() ◄── event: I/O ready, timer due, message sent
//!            (idle -> NOTIFIED: pushed exactly once, never polled twice at once;
//!             woken while RUNNING: re-queued when the poll returns)
//! ```
//!
//! A task that panics does not take its worker down: the panic is caught,
//! the future dropped, and the [`JoinHandle`] returns a [`JoinError`].
//!
//! ## 3. Work stealing
//!
//! Each worker owns a bounded lock-free queue (256 tasks); a task woken or
//! spawned on a worker goes onto that worker's queue, so most scheduling
//! never touches shared memory. Tasks from other threads go to a global
//! *injector*. A worker with an empty queue becomes *searching* and steals
//! half the tasks of a random victim.
//!
//! ```text
//!   worker 0 queue: [t1 t2 t3 t4 t5 t6]        worker 1 queue: [ ]
//!                          │ steal half                 ▲
//!                          └─────── t4 t5 t6 ───────────┘   (t6 runs at once)
//!
//!   injector (mutex): [r1 r2]  <── spawn / wake from non-worker threads,
//!                                  overflow of full local queues
//! ```
//!
//! Fairness: every 31 ticks a batch (up to 15) comes from the injector and runs
//! first, so a long injector gets about half the turns; a task woken by
//! the running task goes to a one-task LIFO slot and runs next (hot caches),
//! at most three times in a row; `yield_now` goes to the back.
//!
//! ## 4. Parking and the reactor hand-off
//!
//! A worker with nothing to do does not spin. The first idle worker takes the
//! reactor and blocks in `sys::Poll::poll` (epoll_wait / kevent) with the
//! nearest timer as timeout; the others sleep on their own condition
//! variable. Waking a task from any thread unparks *one* sleeper, and only if
//! no worker is already searching (that worker would find the task anyway),
//! so a burst of wake-ups does not stampede.
//!
//! ```text
//!            ┌─────────── idle workers ───────────┐
//!   worker 0 │ owns the reactor:                  │ <── sys::Waker::wake()
//!            │ epoll_wait(timeout = next timer)   │     (eventfd) if picked
//!   worker 1 │ condvar.wait()                     │ <── condvar.notify_one()
//!            └────────────────────────────────────┘     if picked
//!                       ▲
//!   spawn/wake from elsewhere: push task, then
//!   "nobody searching and someone asleep?" ──yes──> unpark exactly one
//! ```
//!
//! The reactor is not a thread of its own: it is a lock around the `Poll`
//! that any idle worker may take. When the reactor reports a ready socket
//! (or a timer is due), the worker holding it wakes the tasks itself: they
//! land on *its* queue, it leaves the reactor and runs them, with no
//! hand-off between threads. If it woke more than one task it first
//! unparks one sleeper to steal some. Whichever worker next runs out of
//! work finds the lock free and becomes the reactor: that is the hand-off.
//! While every worker is busy, each polls the reactor without blocking
//! every 61st task, so I/O and timers are still noticed.
//!
//! Going to sleep without missing a wake-up is the delicate part. A worker
//! (left) and a thread scheduling a task from elsewhere (right) race like
//! this:
//!
//! ```text
//!   worker running out of work                thread scheduling task T
//!   ──────────────────────────                ─────────────────────────
//!   1. search: steal, check the injector      a. push T onto the injector
//!   2. under the sleepers lock:               b. fence (SeqCst)
//!      unparked -= 1 (searching -= 1),        c. read the idle word: nobody
//!      add itself to the sleepers list           searching and someone asleep?
//!   3. if it was the last searcher:              yes: take one sleeper off the
//!      look at every queue once more;            list, count it unparked and
//!      work there? wake a sleeper (maybe         searching, and unpark it:
//!      itself)                                   a NOTIFIED flag, then its
//!   4. park: NOTIFIED already? go on.            condvar or the sys::Waker
//!      else sleep in the reactor or on
//!      the condvar until unparked
//! ```
//!
//! Steps 2 and c are sequentially consistent operations on the same word,
//! so they cannot both miss: either the scheduling thread sees the worker
//! asleep (or a searcher that will look) and wakes one, or the worker, in
//! step 3, sees T. An unpark that arrives before step 4 is not lost either:
//! NOTIFIED is a flag that `park` consumes. A task woken on a worker's own
//! thread goes onto that worker's queue: the worker is awake and will run
//! it, so no sleeper needs waking for it. The test
//! `a_task_scheduled_while_the_last_worker_parks_is_not_stranded` in
//! `tests/tasks.rs` drives this race 20 000 times.
//!
//! With no work at all, every worker is blocked in the kernel and the
//! runtime uses no CPU. `EXEC_TRACE=1` (any value but `0` or empty, as
//! for `SYS_TRACE`) prints each park, unpark, steal and reactor turn on
//! stderr; [`Runtime::metrics`] gives counters. The
//! chapters [`guide::idle_workers`] and [`guide::parking`] go into the
//! details, including when no worker owns the reactor.
//!
//! ## 5. An echo server
//!
//! ```
//! use exec::net::{TcpListener, TcpStream};
//!
//! let rt = exec::Runtime::builder().worker_threads(2).build().unwrap();
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!
//!     // The server: one task per connection.
//!     exec::spawn(async move {
//!         loop {
//!             let (mut conn, _) = listener.accept().await.unwrap();
//!             exec::spawn(async move {
//!                 let mut buf = [0u8; 1024];
//!                 loop {
//!                     match conn.read(&mut buf).await {
//!                         Ok(0) | Err(_) => return,
//!                         Ok(n) => {
//!                             if conn.write_all(&buf[..n]).await.is_err() {
//!                                 return;
//!                             }
//!                         }
//!                     }
//!                 }
//!             });
//!         }
//!     });
//!
//!     // Ten clients at once, each checking its echo.
//!     let mut clients = Vec::new();
//!     for i in 0..10u8 {
//!         clients.push(exec::spawn(async move {
//!             let mut stream = TcpStream::connect(addr).await.unwrap();
//!             let msg = [i; 32];
//!             stream.write_all(&msg).await.unwrap();
//!             let mut back = [0u8; 32];
//!             stream.read_exact(&mut back).await.unwrap();
//!             assert_eq!(back, msg);
//!         }));
//!     }
//!     for c in clients {
//!         c.await.unwrap();
//!     }
//! });
//! ```
//!
//! ## 6. Watching it work
//!
//! `EXEC_TRACE=1` prints one line per park, unpark, steal and blocking
//! reactor turn. A single worker sleeping in the reactor while a 10 s timer
//! is pending, then woken by a 10 ms timer registered from another thread:
//!
//! ```text
//! exec [exec-worker-0] worker 0 parks
//! exec [exec-worker-0] reactor: poll(timeout = Some(9.999989805s))
//! exec [exec-worker-0] reactor: turn 1: 1 events, waking 0 tasks    <- sys::Waker: nearer timer
//! exec [exec-worker-0] reactor: poll(timeout = Some(9.903492ms))
//! exec [exec-worker-0] reactor: turn 2: 0 events, waking 1 tasks    <- the 10 ms timer fired
//! ```
//!
//! ## 7. Performance
//!
//! `cargo bench -p exec --bench runtime` runs the runtime's workloads
//! (spawning, `yield_now`, channels, timers, TCP echo) on two workers and
//! prints the median of several runs; `cargo bench -p exec --bench idle`
//! measures an idle runtime. The figures, beside tokio's on the same
//! machine, are in `bench/README.md`. The TCP figures are dominated by the
//! kernel: each round trip costs two `sendto`, two `recv` and two `recv`
//! that return `WouldBlock`, with `epoll_wait` amortised over many sockets
//! when busy.
//!
//! ## Map of the crate
//!
//! The inner workings, with their diagrams, are chapters of [`guide`].
//!
//! | module | concept |
//! | --- | --- |
//! | `task/` | the allocation, state word, wakers, [`JoinHandle`] |
//! | `scheduler/` | run loop, local queue, injector, idle set, parking |
//! | `reactor/` | the shared `sys::Poll`, readiness slots, registration |
//! | [`time`] | timer heap, [`time::sleep`], [`time::timeout`], [`time::interval`] |
//! | [`net`] | [`net::TcpListener`], [`net::TcpStream`] and its halves |
//! | [`sync`] | [`sync::mpsc`], [`sync::oneshot`], [`sync::Notify`] |
//! | [`signal`] | [`signal::ctrl_c`], [`signal::shutdown_signal`] |
//! | [`future`] | [`future::select`]: race two futures |
//! | [`runtime`] | [`Runtime`], [`Builder`], [`Handle`] |

#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod trace;

mod context;
mod metrics;
mod reactor;
mod scheduler;
mod task;
mod yield_now;

pub mod future;
pub mod guide;
pub mod net;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod time;

pub use metrics::RuntimeMetrics;
pub use runtime::{Builder, Handle, Runtime};
pub use task::{JoinError, JoinHandle};
pub use yield_now::yield_now;

use std::future::Future;

/// Spawns a task onto the current runtime (from a task or inside
/// `block_on`); see [`Handle::spawn`].
///
/// # Panics
/// Outside a runtime; use [`Runtime::spawn`] or a [`Handle`] there.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut future = Some(future);
    let spawned = context::with_current(|handle| handle.spawn(future.take().expect("called once")));
    match spawned {
        Some(join) => join,
        None => panic!("{}", runtime::TryCurrentError::default_message()),
    }
}

/// Compile-time proof that what users move between threads can move: the
/// handles are `Send` (and `Sync` where they are shared), and so are the
/// futures of the async methods, or tasks using them could not be spawned.
#[allow(dead_code)]
fn _assert_kinds() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Runtime>();
    send_sync::<Handle>();
    send_sync::<JoinHandle<u8>>();
    send_sync::<net::TcpListener>();
    send_sync::<net::TcpStream>();
    send_sync::<net::OwnedReadHalf>();
    send_sync::<net::OwnedWriteHalf>();
    send_sync::<sync::mpsc::Sender<u8>>();
    send_sync::<sync::mpsc::Receiver<u8>>();
    send_sync::<sync::mpsc::UnboundedSender<u8>>();
    send_sync::<sync::oneshot::Sender<u8>>();
    send_sync::<sync::oneshot::Receiver<u8>>();
    send_sync::<sync::Notify>();
    send_sync::<time::Sleep>();
    send_sync::<time::Interval>();

    type Parts = (
        net::TcpListener,
        net::TcpStream,
        sync::mpsc::Sender<u8>,
        sync::mpsc::Receiver<u8>,
        sync::Notify,
    );
    async fn uses_everything((l, mut s, tx, mut rx, n): Parts) {
        let _ = l.accept().await;
        let mut buf = [0u8; 4];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(&buf).await;
        let _ = tx.send(1).await;
        let _ = rx.recv().await;
        n.notified().await;
        yield_now().await;
        let zero = std::time::Duration::ZERO;
        let _ = time::timeout(zero, time::sleep(zero)).await;
        let _ = signal::ctrl_c().await;
    }
    fn future_is_send<A, F: Future + Send>(_: fn(A) -> F) {}
    future_is_send(uses_everything);
}
