//! A channel for one value.
//!
//! ```
//! let rt = exec::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (tx, rx) = exec::sync::oneshot::channel();
//!     exec::spawn(async move { tx.send(7).unwrap() });
//!     assert_eq!(rx.await, Ok(7));
//!
//!     let (tx, rx) = exec::sync::oneshot::channel::<u8>();
//!     drop(tx);
//!     assert_eq!(rx.await, Err(exec::sync::oneshot::RecvError));
//! });
//! ```
//!
//! Dropping the [`Sender`] without sending makes the receiver fail with
//! [`RecvError`]; dropping the [`Receiver`] makes `send` give the value back.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::lock;

#[derive(Debug)]
struct State<T> {
    value: Option<T>,
    rx_waker: Option<Waker>,
    tx_gone: bool,
    rx_gone: bool,
}

type Shared<T> = Arc<Mutex<State<T>>>;

/// Creates a oneshot channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(State {
        value: None,
        rx_waker: None,
        tx_gone: false,
        rx_gone: false,
    }));
    (
        Sender {
            shared: Some(shared.clone()),
        },
        Receiver { shared },
    )
}

/// Sends the one value.
#[derive(Debug)]
pub struct Sender<T> {
    shared: Option<Shared<T>>,
}

/// Receives the one value: await it.
#[derive(Debug)]
pub struct Receiver<T> {
    shared: Shared<T>,
}

/// The sender was dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending")
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing sent yet.
    Empty,
    /// The sender is gone without sending (or the value was taken).
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("no value sent yet"),
            TryRecvError::Closed => f.write_str("oneshot sender dropped without sending"),
        }
    }
}

impl std::error::Error for TryRecvError {}

impl<T> Sender<T> {
    /// Sends `value`; gives it back if the receiver is gone.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let shared = self.shared.take().expect("sender used once");
        let mut state = lock(&shared);
        if state.rx_gone {
            return Err(value);
        }
        state.value = Some(value);
        state.tx_gone = true;
        let waker = state.rx_waker.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// True if the receiver was dropped.
    pub fn is_closed(&self) -> bool {
        self.shared.as_ref().is_none_or(|s| lock(s).rx_gone)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let mut state = lock(&shared);
            state.tx_gone = true;
            let waker = state.rx_waker.take();
            drop(state);
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has been sent.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = lock(&self.shared);
        match state.value.take() {
            Some(v) => Ok(v),
            None if state.tx_gone => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.shared);
        if let Some(v) = state.value.take() {
            return Poll::Ready(Ok(v));
        }
        if state.tx_gone {
            return Poll::Ready(Err(RecvError));
        }
        match &state.rx_waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = lock(&self.shared);
        state.rx_gone = true;
        let value = state.value.take();
        drop(state);
        drop(value);
    }
}
