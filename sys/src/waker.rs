//! [`Waker`]: wake a thread blocked in [`Poll::poll`](crate::Poll::poll).

use std::io;

use crate::{selector, Registry, Token};

/// Wakes a [`Poll::poll`](crate::Poll::poll) blocked in another thread: the
/// poll returns an event with this waker's token (readable).
///
/// # Contract
///
/// * After `wake()` returns `Ok`, the poll reports the waker's token **at
///   least once**: the poll in progress returns with it, or, if nobody is
///   polling, the next poll does.
/// * Many wakes before a poll collects the event **coalesce into one
///   event**. A wake after the event was collected produces a new one.
///   So the receiver must treat one event as "something happened, go and
///   look at your queue", never as "one thing happened".
/// * The waker resets itself: the receiver does nothing with the event but
///   recognise its token.
/// * `wake` never blocks and is safe from any thread (`Send + Sync`).
///
/// # Implementation
///
/// * Linux: an `eventfd` registered `EPOLLIN | EPOLLET`. `wake` writes 1 to
///   it; every write re-queues the edge-triggered registration, so it is
///   never read on the normal path (it is read back to zero only when its
///   64-bit counter would overflow).
/// * kqueue: an `EVFILT_USER` filter with `EV_CLEAR`, fired by `NOTE_TRIGGER`;
///   the kernel clears it when the event is delivered. OpenBSD has
///   `EVFILT_USER` from 7.8 and NetBSD from 10; on older releases of those
///   two, `Waker::new` fails with `EINVAL`.
///
/// Only one waker should exist per `Poll` with a given token; a `Poll` can
/// have several wakers with different tokens.
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use sys::{Events, Poll, Token, Waker};
///
/// # fn main() -> std::io::Result<()> {
/// const WAKE: Token = Token(10);
/// let mut poll = Poll::new()?;
/// let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
///
/// let w = Arc::clone(&waker);
/// let handle = thread::spawn(move || w.wake().unwrap());
///
/// let mut events = Events::with_capacity(8);
/// loop {
///     poll.poll(&mut events, None)?; // blocks until the other thread wakes us
///     if events.iter().any(|e| e.token() == WAKE) {
///         break;
///     }
/// }
/// handle.join().unwrap();
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Waker {
    inner: selector::Waker,
}

impl Waker {
    /// Creates a waker that reports `token` to the [`Poll`](crate::Poll) that
    /// owns `registry`.
    pub fn new(registry: &Registry, token: Token) -> io::Result<Waker> {
        Ok(Waker {
            inner: selector::Waker::new(registry.selector(), token)?,
        })
    }

    /// Makes the poll report this waker's token (see the contract above).
    pub fn wake(&self) -> io::Result<()> {
        self.inner.wake()
    }
}
