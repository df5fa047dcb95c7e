//! Stepping stone 1 of 3: the smallest executor, `block_on`, with a waker
//! that parks and unparks a thread.
//!
//! A future is a state machine that the executor **polls**. `poll` either
//! finishes (`Ready`) or says `Pending` after arranging for
//! `cx.waker().wake()` to be called once it can make progress. The
//! executor's whole job is to poll again after that wake-up, and not
//! before. Here the waker unparks the thread that runs `block_on`, and
//! `block_on` parks between polls: about thirty lines.
//!
//! A wake-up is a hint, not a promise: `thread::park` may return
//! spuriously, and a future may be polled when nothing changed. So
//! `block_on` simply polls again, and a future must answer `Pending` again
//! (with the new waker stored) when it is not done. This is the first rule
//! of `exec`'s guide chapter `futures_contract`.
//!
//! ```text
//! $ cargo run -p exec --example block_on
//! first poll: Pending (the answer is being computed on another thread)
//! block_on returned 42
//! ```
//!
//! Next: `run_queue.rs` (many tasks on one thread). In the real runtime,
//! `exec::Runtime::block_on` does this for the main future while the
//! workers run the spawned tasks; its thread parks as in the `parking`
//! chapter of `exec::guide`.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes the thread that is parked in [`block_on`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parking between polls.
pub fn block_on<F: Future>(future: F) -> F::Output {
    // `poll` takes `Pin<&mut F>`: the future may hold pointers into itself
    // (an `async` block borrowing its own locals) and must not move once
    // polled. Pinning it on this stack frame is enough.
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            // Sleep until a wake-up (or a spurious return: then we poll
            // once more for nothing, which the contract allows).
            Poll::Pending => thread::park(),
        }
    }
}

/// A future whose value another thread computes; the thread starts on the
/// first poll, so that poll is always `Pending`.
#[derive(Debug)]
pub struct Answer {
    shared: Arc<Mutex<(Option<u32>, Option<Waker>)>>,
    started: bool,
}

impl Future for Answer {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut state = self.shared.lock().unwrap();
        if let Some(value) = state.0 {
            return Poll::Ready(value);
        }
        // Store the waker of *this* poll: an executor may pass a different
        // one each time.
        state.1 = Some(cx.waker().clone());
        drop(state);
        if !self.started {
            self.started = true;
            let shared = self.shared.clone();
            thread::spawn(move || {
                let mut state = shared.lock().unwrap();
                state.0 = Some(6 * 7);
                // Set the value, then wake: the next poll sees it.
                if let Some(waker) = state.1.take() {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

/// The example's run: the lines it prints.
pub fn demo() -> Vec<String> {
    let mut lines = Vec::new();
    let mut answer = Answer {
        shared: Arc::new(Mutex::new((None, None))),
        started: false,
    };
    // One poll by hand, to show the `Pending`.
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    if Pin::new(&mut answer)
        .poll(&mut Context::from_waker(&waker))
        .is_pending()
    {
        lines.push("first poll: Pending (the answer is being computed on another thread)".into());
    }
    lines.push(format!("block_on returned {}", block_on(answer)));
    lines
}

fn main() {
    for line in demo() {
        println!("{line}");
    }
}
