//! Signals as readiness: SIGINT, SIGTERM and SIGHUP delivered through a
//! registrable [`Signals`] source instead of an asynchronous handler.
//!
//! A classic signal handler runs in the middle of whatever the thread was
//! doing and may call almost nothing safely. Turning signals into readiness
//! makes them ordinary events: the reactor learns "SIGTERM is pending" from
//! the same [`Poll::poll`](crate::Poll::poll) that reports sockets, and the
//! server shuts down from its main loop.
//!
//! | | Linux | macOS, BSDs |
//! | --- | --- | --- |
//! | mechanism | `signalfd(2)` | a private kqueue with `EVFILT_SIGNAL` filters |
//! | default action | suppressed by **blocking** the signals (`pthread_sigmask`) | suppressed by setting the disposition to `SIG_IGN` (restored on drop) |
//! | scope | the calling thread and threads it spawns **afterwards** | the whole process |
//!
//! # Create `Signals` before spawning threads
//!
//! On Linux a signal sent to the process is delivered to any one thread
//! that does not block it, and the default action of SIGTERM kills the
//! process. The signal mask is per thread and inherited by new threads, so
//! create `Signals` in `main` **before** starting other threads (a runtime's
//! workers, the test harness's threads): then every thread blocks the
//! signals and the signalfd receives them. A thread started earlier that
//! does not block them would take the signal's default action instead.
//! The signals stay blocked after the `Signals` is dropped.
//!
//! ```no_run
//! use sys::signal::{Signal, Signals};
//!
//! # fn main() -> std::io::Result<()> {
//! // First thing in main, before any thread exists.
//! let mut signals = Signals::new(&[Signal::Interrupt, Signal::Terminate])?;
//! let waiter = std::thread::spawn(move || signals.wait());
//! // ... run the server; the waiter returns when Ctrl-C or SIGTERM arrives.
//! let signal = waiter.join().unwrap()?;
//! println!("stopping on {signal:?}");
//! # Ok(())
//! # }
//! ```

use std::io;

use crate::selector;

/// The signals this crate can deliver as readiness.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// `SIGINT`: Ctrl-C in the terminal.
    Interrupt,
    /// `SIGTERM`: the polite "please stop" of `kill` and service managers.
    Terminate,
    /// `SIGHUP`: the terminal went away (or "reload your configuration").
    Hangup,
}

impl Signal {
    /// The signal number (`SIGINT` is 2 on every supported OS).
    pub fn as_raw(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Hangup => libc::SIGHUP,
        }
    }

    /// The signal with number `signo`, if it is one of these.
    pub fn from_raw(signo: i32) -> Option<Signal> {
        match signo {
            libc::SIGINT => Some(Signal::Interrupt),
            libc::SIGTERM => Some(Signal::Terminate),
            libc::SIGHUP => Some(Signal::Hangup),
            _ => None,
        }
    }
}

/// Sends `signal` to the process `pid` (`kill(2)`): how a test asks a
/// server it started to shut down, since `std::process::Child::kill` only
/// sends `SIGKILL`.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// let mut child = std::process::Command::new("sleep").arg("30").spawn()?;
/// sys::signal::send(child.id(), sys::signal::Signal::Terminate)?;
/// assert!(!child.wait()?.success());
/// # Ok(())
/// # }
/// ```
pub fn send(pid: u32, signal: Signal) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    // SAFETY: kill takes two integers (kill(2)).
    unsafe { syscall!(kill(pid, signal.as_raw())) }?;
    Ok(())
}

/// A registrable source that becomes readable when one of its signals is
/// pending, and a blocking [`wait`](Signals::wait) for plain threads.
///
/// Registered with [`Interest::READABLE`](crate::Interest::READABLE) (any
/// trigger), an event means "call [`receive`](Signals::receive) until it
/// returns `None`". Several deliveries of the same signal before a receive
/// may merge into one, as signals always do.
///
/// See the [module documentation](self) for the rule about threads.
#[derive(Debug)]
pub struct Signals {
    inner: selector::Signals,
}

impl Signals {
    /// Starts receiving `signals` through this source instead of their
    /// default action (see the module documentation for how, per OS).
    pub fn new(signals: &[Signal]) -> io::Result<Signals> {
        let raw: Vec<libc::c_int> = signals.iter().map(|s| s.as_raw()).collect();
        Ok(Signals {
            inner: selector::Signals::new(&raw)?,
        })
    }

    /// Takes one pending signal without blocking; `Ok(None)` when none is
    /// pending.
    pub fn receive(&mut self) -> io::Result<Option<Signal>> {
        match self.inner.receive()? {
            Some(signo) => Ok(Some(known(signo)?)),
            None => Ok(None),
        }
    }

    /// Blocks the calling thread until one of the signals arrives, and
    /// returns it. Interruptions (`EINTR`) are retried.
    pub fn wait(&mut self) -> io::Result<Signal> {
        known(self.inner.wait()?)
    }
}

fn known(signo: libc::c_int) -> io::Result<Signal> {
    Signal::from_raw(signo).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected signal {signo}"),
        )
    })
}

fd_source!(Signals, |this| std::os::fd::AsRawFd::as_raw_fd(
    &this.inner.fd()
));
