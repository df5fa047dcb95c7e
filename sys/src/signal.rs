//! Signals as readiness: SIGINT, SIGTERM, SIGHUP and the terminal signals
//! (SIGWINCH, SIGTSTP, SIGCONT) delivered through a registrable [`Signals`]
//! source instead of an asynchronous handler.
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
    /// `SIGWINCH`: the terminal window was resized; read the new size
    /// with [`window_size`](crate::term::window_size). Its default action
    /// is to do nothing.
    WindowChange,
    /// `SIGTSTP`: a request to stop (Ctrl-Z when the terminal is not raw,
    /// or `kill -TSTP`). Received here, it does not stop the process: the
    /// program restores the terminal, then calls [`stop_self`].
    TerminalStop,
    /// `SIGCONT`: the process was continued (the shell's `fg` or `bg`).
    /// The kernel continues a stopped process whatever the signal's
    /// disposition or mask (signal(7), POSIX `kill`); receiving it here
    /// only tells the program to re-enter raw mode and redraw.
    Continue,
}

impl Signal {
    /// The signal number (`SIGINT` is 2 on every supported OS).
    pub fn as_raw(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Hangup => libc::SIGHUP,
            Signal::WindowChange => libc::SIGWINCH,
            Signal::TerminalStop => libc::SIGTSTP,
            Signal::Continue => libc::SIGCONT,
        }
    }

    /// The signal with number `signo`, if it is one of these.
    pub fn from_raw(signo: i32) -> Option<Signal> {
        match signo {
            libc::SIGINT => Some(Signal::Interrupt),
            libc::SIGTERM => Some(Signal::Terminate),
            libc::SIGHUP => Some(Signal::Hangup),
            libc::SIGWINCH => Some(Signal::WindowChange),
            libc::SIGTSTP => Some(Signal::TerminalStop),
            libc::SIGCONT => Some(Signal::Continue),
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

/// Whether a job-control shell can continue this process after it stops:
/// the parent is in the same session but in another process group (a
/// shell that gave us a job of our own).
///
/// POSIX calls a process group *orphaned* when no member has a parent in
/// another group of the same session: nobody there can send `SIGCONT`
/// through job control, and the kernel discards `SIGTSTP`, `SIGTTIN` and
/// `SIGTTOU` with their default action sent to such a group (POSIX
/// "Orphaned Process Group", signal(7)). A client started by
/// `xterm -e`, `ssh -t host client`, `exec client` or `sh -c client`
/// runs in such a group. The parent test is sufficient, not necessary: a
/// group kept from being orphaned only by another member's parent counts
/// as not resumable here, which errs on the side of not stopping. A
/// `getpgid` or `getsid` refused for the parent (`EPERM` where the parent
/// is in another session, as the BSDs do) also answers `false`.
///
/// ```
/// // Whatever runs the doctests, the answer is a plain yes or no.
/// let _ = sys::signal::resumable();
/// ```
pub fn resumable() -> bool {
    // SAFETY: getppid, getpgrp take nothing and cannot fail (getppid(2),
    // getpgrp(2)).
    let parent = unsafe { libc::getppid() };
    // SAFETY: as above.
    let group = unsafe { libc::getpgrp() };
    // SAFETY: getpgid takes a pid and touches no memory of ours; errors
    // (ESRCH, EPERM) come back as -1 (getpgid(2)).
    let parent_group = unsafe { syscall!(getpgid(parent)) };
    // SAFETY: getsid takes a pid (0: the caller) and touches no memory of
    // ours; errors come back as -1 (getsid(2)).
    let parent_session = unsafe { syscall!(getsid(parent)) };
    // SAFETY: as above.
    let session = unsafe { syscall!(getsid(0)) };
    trace!(
        "resumable: parent={parent} group={group} parent_group={parent_group:?} \
         parent_session={parent_session:?} session={session:?}"
    );
    match (parent_group, parent_session, session) {
        (Ok(pg), Ok(ps), Ok(s)) => parent > 1 && pg != group && ps == s,
        _ => false,
    }
}

/// Stops the whole process, as Ctrl-Z does, until a `SIGCONT` (`fg`) —
/// but only when a job-control shell can send that `SIGCONT`: returns
/// `Ok(false)` at once, without stopping, when [`resumable`] says no.
///
/// The process raises `SIGTSTP` at itself with the default action set and
/// the signal unblocked for the moment of delivery, not the uncatchable
/// `SIGSTOP`: the kernel delivers `SIGSTOP` even to an orphaned process
/// group, where nothing would ever continue it, whereas it discards a
/// default-action `SIGTSTP` there. So even if the group becomes orphaned
/// after the check (the shell died), the process does not freeze.
///
/// In order: the disposition of `SIGTSTP` is set to `SIG_DFL` (it is
/// `SIG_IGN` while a kqueue [`Signals`] holds it), the signal is blocked
/// in this thread and sent with `kill(getpid(), SIGTSTP)`, then unblocked:
/// POSIX has a pending unblocked signal delivered before
/// `pthread_sigmask` returns, so the process stops inside that call and
/// the call returns after `SIGCONT`. The previous mask and disposition
/// are then put back. Another thread that does not block `SIGTSTP` may
/// take the signal instead: the stop is of the whole process all the same.
///
/// A full-screen program first restores the terminal
/// ([`RawMode::suspend`](crate::term::RawMode::suspend)), and after the
/// return re-enters raw mode and redraws. On the kqueue targets the
/// [`Signals`] source also records this `SIGTSTP` (and the `SIGCONT`),
/// as on Linux the `signalfd` records the `SIGCONT`: the caller should
/// not take those for a second stop request or an outside stop.
pub fn stop_self() -> io::Result<bool> {
    if !resumable() {
        trace!("stop_self: not resumable, not stopping");
        return Ok(false);
    }
    // SAFETY: all-zero is a valid sigaction (no handler, empty mask, no
    // flags); SIG_DFL is then set as its handler (sigaction(2)).
    let mut default: libc::sigaction = unsafe { std::mem::zeroed() };
    default.sa_sigaction = libc::SIG_DFL;
    // SAFETY: as above; sigaction fills it.
    let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers designate valid sigaction structs; SIGTSTP
    // may be caught, ignored or defaulted (sigaction(2)).
    unsafe { syscall!(sigaction(libc::SIGTSTP, &default, &mut previous)) }?;
    let result = raise_stop();
    // SAFETY: `previous` was filled by the sigaction call above; a null
    // old-action pointer is allowed (sigaction(2)).
    let restored = unsafe { syscall!(sigaction(libc::SIGTSTP, &previous, std::ptr::null_mut())) };
    trace!("stop_self: {result:?}; disposition restored {restored:?}");
    result?;
    restored?;
    Ok(true)
}

/// Sends `SIGTSTP` to the process while blocked here, then unblocks it
/// so it is delivered (and the process stops) before this returns.
fn raise_stop() -> io::Result<()> {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initializes the set it points to (sigemptyset(3)).
    unsafe { syscall!(sigemptyset(set.as_mut_ptr())) }?;
    // SAFETY: `set` was initialized by sigemptyset; SIGTSTP is a valid
    // signal number (sigaddset(3)).
    unsafe { syscall!(sigaddset(set.as_mut_ptr(), libc::SIGTSTP)) }?;
    // SAFETY: initialized by sigemptyset above.
    let set = unsafe { set.assume_init() };
    let mut old = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `set` is a valid sigset_t and `old` has room for one, which
    // pthread_sigmask fills on success (pthread_sigmask(3)).
    let res = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, old.as_mut_ptr()) };
    crate::syscall::check_errno(res)?;
    // SAFETY: filled by the successful pthread_sigmask above.
    let old = unsafe { old.assume_init() };
    // SAFETY: getpid takes nothing and cannot fail (getpid(2)).
    let pid = unsafe { libc::getpid() };
    // SAFETY: kill takes two integers and touches no memory of ours; the
    // signal stays pending since this thread blocks it (kill(2)).
    let sent = unsafe { syscall!(kill(pid, libc::SIGTSTP)) };
    trace!("kill(pid={pid}, SIGTSTP) {}", crate::trace::Ret(&sent));
    // SAFETY: `set` is a valid sigset_t; a null old-set pointer is allowed.
    // The pending SIGTSTP is delivered before this returns
    // (pthread_sigmask(3), POSIX sigprocmask).
    let res = unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
    let unblocked = crate::syscall::check_errno(res);
    // SAFETY: `old` is the mask saved above; a null old-set pointer is
    // allowed (pthread_sigmask(3)).
    let res = unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    let reset = crate::syscall::check_errno(res);
    sent?;
    unblocked?;
    reset
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
