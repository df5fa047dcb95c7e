//! Signals as futures: [`ctrl_c`] and [`shutdown_signal`].
//!
//! The runtime (unless built with [`Builder::signals(false)`](crate::Builder::signals))
//! blocks SIGINT and SIGTERM before starting its workers and registers a
//! `sys::signal::Signals` source (a `signalfd` on Linux, `EVFILT_SIGNAL` on
//! kqueue) with its reactor. A delivered signal is then just another event:
//! the reactor turn that sees it wakes every task waiting in [`ctrl_c`] or
//! [`shutdown_signal`].
//!
//! ```text
//!   kill -INT pid ──> kernel: SIGINT blocked in every runtime thread
//!                     └─> signalfd readable ──> reactor turn ──> receive()
//!                                                   └─> wake ctrl_c() futures
//! ```
//!
//! Until the first call to one of these functions, a received signal ends
//! the process with status 128 + signal number, which is what the default
//! action would have done; afterwards it is delivered to the futures only.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! let rt = exec::Runtime::new()?; // first thing in main: before other threads
//! rt.block_on(async {
//!     let server = exec::spawn(async { /* accept loop */ });
//!     let signal = exec::signal::shutdown_signal().await?;
//!     eprintln!("stopping on {signal:?}");
//!     server.abort();
//!     Ok(())
//! })
//! # }
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

pub use sys::signal::Signal;

use crate::runtime::Handle;

#[derive(Debug, Default)]
struct Inner {
    /// Deliveries so far: [SIGINT, SIGTERM].
    received: [u64; 2],
    waiters: Vec<Waker>,
    /// Some task asked: signals no longer end the process.
    interested: bool,
    shut_down: bool,
}

/// The runtime's record of delivered signals.
#[derive(Debug)]
pub(crate) struct SignalState {
    enabled: bool,
    inner: Mutex<Inner>,
}

fn index(signal: Signal) -> Option<usize> {
    match signal {
        Signal::Interrupt => Some(0),
        Signal::Terminate => Some(1),
        _ => None,
    }
}

impl SignalState {
    pub(crate) fn new(enabled: bool) -> SignalState {
        SignalState {
            enabled,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reactor side: a signal arrived.
    pub(crate) fn deliver(&self, signal: Signal, wakers: &mut Vec<Waker>) {
        let mut inner = self.lock();
        if !inner.interested {
            // Nobody asked for signals: act as the default action would.
            crate::trace::report(format_args!("received {signal:?}, exiting"));
            std::process::exit(128 + signal.as_raw());
        }
        if let Some(i) = index(signal) {
            inner.received[i] += 1;
        }
        wakers.append(&mut inner.waiters);
    }

    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        let mut inner = self.lock();
        inner.shut_down = true;
        wakers.append(&mut inner.waiters);
    }
}

/// Completes when SIGINT (Ctrl-C) arrives after this call.
///
/// # Panics
/// Outside a runtime.
pub fn ctrl_c() -> SignalFuture {
    SignalFuture::new(&[Signal::Interrupt])
}

/// Completes when SIGINT or SIGTERM arrives after this call, with the
/// signal: the usual "please stop" of terminals and service managers.
///
/// # Panics
/// Outside a runtime.
pub fn shutdown_signal() -> SignalFuture {
    SignalFuture::new(&[Signal::Interrupt, Signal::Terminate])
}

/// The future of [`ctrl_c`] and [`shutdown_signal`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct SignalFuture {
    handle: Handle,
    watch: [bool; 2],
    seen: [u64; 2],
}

impl SignalFuture {
    fn new(signals: &[Signal]) -> SignalFuture {
        let handle = Handle::current();
        let mut watch = [false; 2];
        for &s in signals {
            if let Some(i) = index(s) {
                watch[i] = true;
            }
        }
        let state = &handle.shared().io.signals;
        let seen = {
            let mut inner = state.lock();
            if state.enabled {
                inner.interested = true;
            }
            inner.received
        };
        SignalFuture {
            handle,
            watch,
            seen,
        }
    }
}

impl Future for SignalFuture {
    type Output = io::Result<Signal>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<Signal>> {
        let state = &self.handle.shared().io.signals;
        if !state.enabled {
            return Poll::Ready(Err(io::Error::other(
                "signal handling is off for this runtime (Builder::signals(false))",
            )));
        }
        let mut inner = state.lock();
        for (i, signal) in [Signal::Interrupt, Signal::Terminate]
            .into_iter()
            .enumerate()
        {
            if self.watch[i] && inner.received[i] > self.seen[i] {
                return Poll::Ready(Ok(signal));
            }
        }
        if inner.shut_down {
            return Poll::Ready(Err(io::Error::other("the exec runtime has shut down")));
        }
        if !inner.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            inner.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
