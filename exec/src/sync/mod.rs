//! Channels and notification between tasks (and plain threads).
//!
//! - [`mpsc`]: many senders, one receiver; [`mpsc::channel`] is bounded
//!   (a full channel makes `send` wait: backpressure), [`mpsc::unbounded_channel`]
//!   never waits to send;
//! - [`oneshot`]: one value, once;
//! - [`Notify`]: wake one waiter (or all) without data.
//!
//! # Implementation, and why a mutex
//!
//! Each channel is a `Mutex<VecDeque<T>>` plus the wakers of whoever waits.
//! Critical sections are a handful of instructions and never call a waker:
//! wakers are taken out under the lock and woken after it is released, so a
//! woken task never runs into a lock its waker still holds. That is well
//! inside what the chat server needs, so there is no lock-free queue here:
//! `cargo bench -p exec --bench runtime` measures the channels against
//! tokio's (`bench/README.md` has the figures). A ping-pong pair runs on
//! one worker through the LIFO slot, which is why it beats a cross-thread
//! hand-off.
//!
//! All of these work from any thread: senders and receivers are `Send`,
//! and a non-runtime thread can wait with `Runtime::block_on`.

pub mod mpsc;
mod notify;
pub mod oneshot;

pub use notify::{Notified, Notify};

use std::sync::{Mutex, MutexGuard};

/// Locks, ignoring poisoning: no code here panics while holding a lock
/// (values are moved, never user code run), so the data stays consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
