//! Multi-producer, single-consumer channels.
//!
//! ```
//! let rt = exec::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (tx, mut rx) = exec::sync::mpsc::channel(2);
//!     for id in 0..3 {
//!         let tx = tx.clone();
//!         exec::spawn(async move { tx.send(id).await.unwrap() });
//!     }
//!     drop(tx);
//!     let mut got = Vec::new();
//!     while let Some(v) = rx.recv().await {
//!         got.push(v);
//!     }
//!     got.sort();
//!     assert_eq!(got, [0, 1, 2]);
//! });
//! ```
//!
//! # Semantics
//!
//! - Order: messages from one sender arrive in the order sent.
//! - Bounded ([`channel`]): at most `capacity` messages wait; [`Sender::send`]
//!   waits for room (waiting senders are served first come, first served;
//!   a sender that has not waited may still take a free slot first).
//!   [`Sender::try_send`] never waits.
//! - Closing: when every sender is dropped, the receiver gets the messages
//!   still queued, then `None`. When the receiver is dropped (or
//!   [`Receiver::close`] is called), sends fail and give the message back,
//!   and waiting senders are woken to see it.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::lock;

#[derive(Debug)]
struct State<T> {
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    /// Senders waiting for room, oldest first: (id, waker).
    send_waiters: VecDeque<(u64, Waker)>,
    next_waiter: u64,
    senders: usize,
    rx_closed: bool,
}

#[derive(Debug)]
struct Chan<T> {
    state: Mutex<State<T>>,
    capacity: usize,
}

fn new_chan<T>(capacity: usize) -> Arc<Chan<T>> {
    // `senders: 1` is the `SenderRef` the caller makes from this.
    Arc::new(Chan {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            rx_waker: None,
            send_waiters: VecDeque::new(),
            next_waiter: 0,
            senders: 1,
            rx_closed: false,
        }),
        capacity,
    })
}

/// A bounded channel holding at most `capacity` messages.
///
/// # Panics
/// If `capacity` is zero.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "mpsc channel capacity must be at least 1");
    let chan = new_chan(capacity);
    (
        Sender {
            chan: SenderRef(chan.clone()),
        },
        Receiver { chan },
    )
}

/// An unbounded channel: sending never waits (memory is the limit).
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = new_chan(usize::MAX);
    (
        UnboundedSender {
            chan: SenderRef(chan.clone()),
        },
        UnboundedReceiver {
            inner: Receiver { chan },
        },
    )
}

/// The receiver is gone; the message is given back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed: the receiver is gone")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`Sender::try_send`] failed; the message is given back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is at capacity.
    Full(T),
    /// The receiver is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("channel full"),
            TrySendError::Closed(_) => f.write_str("channel closed: the receiver is gone"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why [`Receiver::try_recv`] returned nothing.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing queued right now.
    Empty,
    /// Nothing queued and every sender is gone.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Disconnected => f.write_str("channel empty and every sender is gone"),
        }
    }
}

impl std::error::Error for TryRecvError {}

impl<T> Chan<T> {
    /// Pushes if there is room; wakes the receiver (after unlocking).
    fn try_push(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut state = lock(&self.state);
        if state.rx_closed {
            return Err(TrySendError::Closed(value));
        }
        if state.queue.len() >= self.capacity {
            return Err(TrySendError::Full(value));
        }
        state.queue.push_back(value);
        let waker = state.rx_waker.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = lock(&self.state);
        if let Some(value) = state.queue.pop_front() {
            // A slot freed: let the oldest waiting sender use it.
            let waker = state.send_waiters.pop_front().map(|(_, w)| w);
            drop(state);
            if let Some(w) = waker {
                w.wake();
            }
            return Poll::Ready(Some(value));
        }
        if state.senders == 0 || state.rx_closed {
            return Poll::Ready(None);
        }
        match &state.rx_waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = lock(&self.state);
        if let Some(value) = state.queue.pop_front() {
            let waker = state.send_waiters.pop_front().map(|(_, w)| w);
            drop(state);
            if let Some(w) = waker {
                w.wake();
            }
            return Ok(value);
        }
        if state.senders == 0 || state.rx_closed {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    fn close_rx(&self) {
        let mut state = lock(&self.state);
        state.rx_closed = true;
        let waiters: Vec<_> = state.send_waiters.drain(..).map(|(_, w)| w).collect();
        drop(state);
        for w in waiters {
            w.wake();
        }
    }

    fn add_sender(&self) {
        lock(&self.state).senders += 1;
    }

    fn drop_sender(&self) {
        let mut state = lock(&self.state);
        state.senders -= 1;
        let waker = if state.senders == 0 {
            state.rx_waker.take()
        } else {
            None
        };
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn len(&self) -> usize {
        lock(&self.state).queue.len()
    }

    fn is_closed(&self) -> bool {
        lock(&self.state).rx_closed
    }
}

/// The channel as a sender holds it: cloning and dropping keep the count
/// of senders that tells the receiver when nothing more can come.
struct SenderRef<T>(Arc<Chan<T>>);

impl<T> Clone for SenderRef<T> {
    fn clone(&self) -> SenderRef<T> {
        self.0.add_sender();
        SenderRef(self.0.clone())
    }
}

impl<T> Drop for SenderRef<T> {
    fn drop(&mut self) {
        self.0.drop_sender();
    }
}

impl<T> std::ops::Deref for SenderRef<T> {
    type Target = Chan<T>;
    fn deref(&self) -> &Chan<T> {
        &self.0
    }
}

/// Sends into a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: SenderRef<T>,
}

impl<T> Sender<T> {
    /// Sends, waiting while the channel is full. Fails (giving the message
    /// back) if the receiver is gone.
    ///
    /// Cancel-safe: dropping the returned future before it completes sends
    /// nothing and passes any slot it was offered on to the next sender.
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send {
            chan: &self.chan,
            value: Some(value),
            waiter: None,
        }
    }

    /// Sends if there is room right now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_push(value)
    }

    /// True if the receiver is gone (sends will fail).
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The capacity given to [`channel`].
    pub fn capacity(&self) -> usize {
        self.chan.capacity
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.chan.capacity)
            .finish()
    }
}

/// The future of [`Sender::send`].
#[must_use = "futures do nothing unless awaited"]
pub struct Send<'a, T> {
    chan: &'a Chan<T>,
    value: Option<T>,
    /// Our id in the waiters list once we had to wait.
    waiter: Option<u64>,
}

impl<T> Unpin for Send<'_, T> {}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let value = this.value.take().expect("Send polled after completion");
        let mut state = lock(&this.chan.state);
        // Where we stand in line: `None` if we never waited, or if a
        // receiver took us off the front to offer us a slot (and woke us).
        let pos = this
            .waiter
            .and_then(|id| state.send_waiters.iter().position(|(w, _)| *w == id));
        if state.rx_closed || state.queue.len() < this.chan.capacity {
            if let Some(pos) = pos {
                state.send_waiters.remove(pos);
            }
            this.waiter = None;
            if state.rx_closed {
                return Poll::Ready(Err(SendError(value)));
            }
            state.queue.push_back(value);
            let waker = state.rx_waker.take();
            drop(state);
            if let Some(w) = waker {
                w.wake();
            }
            return Poll::Ready(Ok(()));
        }
        // Full: wait in line.
        match (this.waiter, pos) {
            (Some(_), Some(pos)) => {
                // Still waiting (a spurious poll): keep our place.
                let stored = &mut state.send_waiters[pos].1;
                if !stored.will_wake(cx.waker()) {
                    *stored = cx.waker().clone();
                }
            }
            (Some(id), None) => {
                // Offered a slot, but a sender that never waited took it
                // first: go back to our place in line, not to its end (ids
                // grow with arrival, so the line is sorted by id).
                let at = state.send_waiters.partition_point(|(w, _)| *w < id);
                state.send_waiters.insert(at, (id, cx.waker().clone()));
            }
            (None, _) => {
                state.next_waiter += 1;
                let id = state.next_waiter;
                state.send_waiters.push_back((id, cx.waker().clone()));
                this.waiter = Some(id);
            }
        }
        drop(state);
        this.value = Some(value);
        Poll::Pending
    }
}

impl<T> Drop for Send<'_, T> {
    fn drop(&mut self) {
        let Some(id) = self.waiter else { return };
        let mut state = lock(&self.chan.state);
        let before = state.send_waiters.len();
        state.send_waiters.retain(|(w, _)| *w != id);
        let was_woken = state.send_waiters.len() == before;
        // We were offered a slot (woken and removed from the line) but will
        // not use it: pass it on so no sender waits while there is room.
        let next = if was_woken && state.queue.len() < self.chan.capacity {
            state.send_waiters.pop_front().map(|(_, w)| w)
        } else {
            None
        };
        drop(state);
        if let Some(w) = next {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Send")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// Receives from a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// The next message, or `None` once every sender is gone and the
    /// queue is empty.
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Polls for the next message.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Takes a message if one is queued.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Refuses further sends; queued messages can still be received.
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Messages queued right now.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// True if nothing is queued right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.close_rx();
        // Drop queued messages now, outside the lock.
        let queued = std::mem::take(&mut lock(&self.chan.state).queue);
        drop(queued);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("capacity", &self.chan.capacity)
            .finish()
    }
}

/// Sends into an unbounded channel; never waits.
pub struct UnboundedSender<T> {
    chan: SenderRef<T>,
}

impl<T> UnboundedSender<T> {
    /// Queues `value`; fails only if the receiver is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan
            .try_push(value)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// True if the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnboundedSender")
    }
}

/// Receives from an unbounded channel.
#[derive(Debug)]
pub struct UnboundedReceiver<T> {
    inner: Receiver<T>,
}

impl<T> UnboundedReceiver<T> {
    /// The next message, or `None` once every sender is gone and the queue
    /// is empty.
    pub async fn recv(&mut self) -> Option<T> {
        self.inner.recv().await
    }

    /// Polls for the next message.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_recv(cx)
    }

    /// Takes a message if one is queued.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Refuses further sends; queued messages can still be received.
    pub fn close(&mut self) {
        self.inner.close()
    }

    /// Messages queued right now.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// True if nothing is queued right now.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    #[derive(Default)]
    struct CountWakes(AtomicUsize);
    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_waiter_overtaken_after_its_wake_keeps_its_place() {
        let (tx, mut rx) = channel::<u8>(1);
        tx.try_send(0).unwrap();
        let (wa, wb) = (
            Arc::new(CountWakes::default()),
            Arc::new(CountWakes::default()),
        );
        let (waker_a, waker_b) = (Waker::from(wa.clone()), Waker::from(wb.clone()));
        let mut a = tx.send(1);
        let mut b = tx.send(2);
        let poll = |f: &mut Send<'_, u8>, w: &Waker| Pin::new(f).poll(&mut Context::from_waker(w));
        assert!(poll(&mut a, &waker_a).is_pending());
        assert!(poll(&mut b, &waker_b).is_pending());
        // A slot frees: `a`, first in line, is offered it...
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(wa.0.load(Ordering::SeqCst), 1);
        // ...but a sender that never waited takes it first.
        tx.try_send(9).unwrap();
        assert!(poll(&mut a, &waker_a).is_pending());
        // The next free slot goes to `a` again, not to `b`.
        assert_eq!(rx.try_recv(), Ok(9));
        assert_eq!(
            (wa.0.load(Ordering::SeqCst), wb.0.load(Ordering::SeqCst)),
            (2, 0)
        );
        assert!(poll(&mut a, &waker_a).is_ready());
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(wb.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut b, &waker_b).is_ready());
        assert_eq!(rx.try_recv(), Ok(2));
    }

    #[test]
    fn a_send_dropped_after_its_wake_passes_the_slot_on() {
        let (tx, mut rx) = channel::<u8>(1);
        tx.try_send(0).unwrap();
        let (wa, wb) = (
            Arc::new(CountWakes::default()),
            Arc::new(CountWakes::default()),
        );
        let (waker_a, waker_b) = (Waker::from(wa.clone()), Waker::from(wb.clone()));
        let mut a = tx.send(1);
        let mut b = tx.send(2);
        let poll = |f: &mut Send<'_, u8>, w: &Waker| Pin::new(f).poll(&mut Context::from_waker(w));
        assert!(poll(&mut a, &waker_a).is_pending());
        assert!(poll(&mut b, &waker_b).is_pending());
        // The slot goes to `a`, which is cancelled before it can use it...
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(wa.0.load(Ordering::SeqCst), 1);
        drop(a);
        // ...so `b` is woken and gets it.
        assert_eq!(wb.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut b, &waker_b).is_ready());
        assert_eq!(rx.try_recv(), Ok(2));
        // Dropping a sender that was never woken wakes nobody.
        tx.try_send(3).unwrap();
        let mut c = tx.send(4);
        assert!(poll(&mut c, &waker_a).is_pending());
        drop(c);
        assert_eq!(wa.0.load(Ordering::SeqCst), 1);
    }
}
