#![doc = include_str!("../guide/epoll.md")]

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::fd::{dup_cloexec, millis_rounded_up, owned, poll_one};
use crate::trace::{FlagTable, Flags, Ret, Sig, Timeout};
use crate::{Interest, Token, Trigger};

/// The event record the kernel fills in `epoll_wait`.
pub(crate) type RawEvent = libc::epoll_event;

/// The names of the bits of `epoll_event.events`, for `Debug` and the trace.
pub(crate) const EVENT_FLAGS: FlagTable = &[
    (libc::EPOLLIN as u32 as u64, "EPOLLIN"),
    (libc::EPOLLPRI as u32 as u64, "EPOLLPRI"),
    (libc::EPOLLOUT as u32 as u64, "EPOLLOUT"),
    (libc::EPOLLERR as u32 as u64, "EPOLLERR"),
    (libc::EPOLLHUP as u32 as u64, "EPOLLHUP"),
    (libc::EPOLLRDNORM as u32 as u64, "EPOLLRDNORM"),
    (libc::EPOLLRDBAND as u32 as u64, "EPOLLRDBAND"),
    (libc::EPOLLWRNORM as u32 as u64, "EPOLLWRNORM"),
    (libc::EPOLLWRBAND as u32 as u64, "EPOLLWRBAND"),
    (libc::EPOLLMSG as u32 as u64, "EPOLLMSG"),
    (libc::EPOLLRDHUP as u32 as u64, "EPOLLRDHUP"),
    (libc::EPOLLEXCLUSIVE as u32 as u64, "EPOLLEXCLUSIVE"),
    (libc::EPOLLWAKEUP as u32 as u64, "EPOLLWAKEUP"),
    (libc::EPOLLONESHOT as u32 as u64, "EPOLLONESHOT"),
    (libc::EPOLLET as u32 as u64, "EPOLLET"),
];

/// The `epoll_ctl` operations, by name.
const fn op_name(op: libc::c_int) -> &'static str {
    match op {
        libc::EPOLL_CTL_ADD => "ADD",
        libc::EPOLL_CTL_MOD => "MOD",
        libc::EPOLL_CTL_DEL => "DEL",
        _ => "?",
    }
}

/// The `events` word for an interest and a trigger mode.
///
/// Readable interest also asks for `EPOLLRDHUP`, so that a peer's `shutdown`
/// is reported as read-closed even before any data is read.
fn interest_flags(interest: Interest, trigger: Trigger) -> u32 {
    let mut flags = 0;
    if interest.is_readable() {
        flags |= libc::EPOLLIN | libc::EPOLLRDHUP;
    }
    if interest.is_writable() {
        flags |= libc::EPOLLOUT;
    }
    flags |= match trigger {
        Trigger::Edge => libc::EPOLLET,
        Trigger::Level => 0,
        Trigger::OneShot => libc::EPOLLONESHOT,
    };
    flags as u32
}

/// One epoll instance.
#[derive(Debug)]
pub(crate) struct Selector {
    ep: OwnedFd,
}

impl Selector {
    /// `epoll_create1(EPOLL_CLOEXEC)`.
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: epoll_create1 takes only a flag word and returns a new
        // descriptor that belongs to nobody else (epoll_create1(2)).
        let res = unsafe { owned(syscall!(epoll_create1(libc::EPOLL_CLOEXEC))) };
        trace!("epoll_create1(EPOLL_CLOEXEC) {}", Ret(&res));
        Ok(Selector { ep: res? })
    }

    /// A second handle to the same epoll instance (same registrations).
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            ep: dup_cloexec(self.ep.as_fd())?,
        })
    }

    /// `EPOLL_CTL_ADD`.
    pub(crate) fn register(
        &self,
        fd: RawFd,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        self.ctl(
            libc::EPOLL_CTL_ADD,
            fd,
            interest_flags(interest, trigger),
            token,
        )
    }

    /// `EPOLL_CTL_ADD` with `EPOLLEXCLUSIVE`: when the fd becomes ready,
    /// the kernel wakes one (or a few) of the epoll instances that
    /// registered it this way, not all of them.
    ///
    /// The rules of epoll_ctl(2), checked here before the kernel does:
    ///
    /// * only `EPOLLIN`, `EPOLLOUT`, `EPOLLWAKEUP` and `EPOLLET` may come
    ///   with it (`EPOLLHUP`/`EPOLLERR` are reported anyway), so readable
    ///   interest does not ask for `EPOLLRDHUP` here and one-shot is
    ///   refused (`EPOLLONESHOT`: `InvalidInput`);
    /// * it is for `EPOLL_CTL_ADD` only, and a later `EPOLL_CTL_MOD` of the
    ///   registration fails with `EINVAL`: change it by deregistering and
    ///   registering again;
    /// * the fd must not itself be an epoll instance (`EINVAL`).
    ///
    /// Kernels before 4.5 do not know the flag and treat the registration
    /// as a plain one.
    pub(crate) fn register_exclusive(
        &self,
        fd: RawFd,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        let mut flags = libc::EPOLLEXCLUSIVE;
        if interest.is_readable() {
            flags |= libc::EPOLLIN;
        }
        if interest.is_writable() {
            flags |= libc::EPOLLOUT;
        }
        flags |= match trigger {
            Trigger::Edge => libc::EPOLLET,
            Trigger::Level => 0,
            Trigger::OneShot => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "EPOLLEXCLUSIVE cannot be combined with EPOLLONESHOT (epoll_ctl(2)); \
                     register with Trigger::Edge or Trigger::Level",
                ))
            }
        };
        self.ctl(libc::EPOLL_CTL_ADD, fd, flags as u32, token)
    }

    /// `EPOLL_CTL_MOD`: replaces token, interest and trigger; re-arms a
    /// one-shot registration.
    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        self.ctl(
            libc::EPOLL_CTL_MOD,
            fd,
            interest_flags(interest, trigger),
            token,
        )
    }

    /// `EPOLL_CTL_DEL`.
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, Token(0))
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, flags: u32, token: Token) -> io::Result<()> {
        // Linux before 2.6.9 wants a non-null event even for DEL, so always
        // pass one.
        let mut event = libc::epoll_event {
            events: flags,
            u64: token.0 as u64,
        };
        // SAFETY: `self.ep` is an open epoll fd and `event` a valid
        // epoll_event for the duration of the call; epoll_ctl checks `fd`
        // (epoll_ctl(2)).
        let res = unsafe { syscall!(epoll_ctl(self.ep.as_raw_fd(), op, fd, &mut event)) };
        if op == libc::EPOLL_CTL_DEL {
            trace!("epoll_ctl(DEL, fd={fd}) {}", Ret(&res));
        } else {
            trace!(
                "epoll_ctl({}, fd={fd}, {}, token={}) {}",
                op_name(op),
                Flags {
                    bits: flags.into(),
                    table: EVENT_FLAGS
                },
                token.0,
                Ret(&res)
            );
        }
        res.map(drop)
    }

    /// `epoll_wait`: fills `events` (up to its capacity) with ready
    /// registrations, waiting at most `timeout` (rounded up to the next
    /// millisecond; `None` waits forever).
    ///
    /// A signal interrupting the wait (`EINTR`) returns `Ok` with no events.
    pub(crate) fn select(
        &self,
        events: &mut Vec<RawEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.clear();
        let max = events.capacity().min(libc::c_int::MAX as usize) as libc::c_int;
        let ms = timeout.map_or(-1, millis_rounded_up);
        // SAFETY: `events` has room for `max` records (its capacity) and the
        // kernel writes at most `max` of them (epoll_wait(2)).
        let res = unsafe {
            syscall!(epoll_wait(
                self.ep.as_raw_fd(),
                events.as_mut_ptr(),
                max,
                ms
            ))
        };
        trace!(
            "epoll_wait(epfd={}, max={max}, timeout={}) {}",
            self.ep.as_raw_fd(),
            Timeout(timeout.map(|_| Duration::from_millis(ms as u64))),
            Ret(&res)
        );
        match res {
            Ok(n) => {
                // SAFETY: epoll_wait(2) initialized the first `n` records,
                // and `n <= max <= capacity`.
                unsafe { events.set_len(n as usize) };
                if crate::trace::enabled() {
                    for ev in events.iter() {
                        crate::trace::emit(format_args!(
                            "  -> token={} {}",
                            event::token(ev).0,
                            Flags {
                                bits: ev.events.into(),
                                table: EVENT_FLAGS
                            }
                        ));
                    }
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl AsRawFd for Selector {
    fn as_raw_fd(&self) -> RawFd {
        self.ep.as_raw_fd()
    }
}

impl Drop for Selector {
    /// The descriptor closes when the field drops, right after this;
    /// `SYS_TRACE=2` shows it.
    fn drop(&mut self) {
        trace_data!("close(fd={})", self.ep.as_raw_fd());
    }
}

/// Reading an `epoll_event`.
pub(crate) mod event {
    use std::fmt;

    use super::{RawEvent, EVENT_FLAGS};
    use crate::trace::Flags;
    use crate::Token;

    // `epoll_event` is packed on x86_64, so fields are copied out, never
    // borrowed.
    fn bits(ev: &RawEvent) -> libc::c_int {
        ev.events as libc::c_int
    }

    pub(crate) fn token(ev: &RawEvent) -> Token {
        Token(ev.u64 as usize)
    }

    pub(crate) fn is_readable(ev: &RawEvent) -> bool {
        bits(ev) & (libc::EPOLLIN | libc::EPOLLPRI) != 0
    }

    pub(crate) fn is_writable(ev: &RawEvent) -> bool {
        bits(ev) & libc::EPOLLOUT != 0
    }

    pub(crate) fn is_error(ev: &RawEvent) -> bool {
        bits(ev) & libc::EPOLLERR != 0
    }

    /// `EPOLLHUP` (both directions closed), or `EPOLLRDHUP` (the peer shut
    /// down its writing side) reported together with readability.
    pub(crate) fn is_read_closed(ev: &RawEvent) -> bool {
        let b = bits(ev);
        b & libc::EPOLLHUP != 0 || (b & libc::EPOLLIN != 0 && b & libc::EPOLLRDHUP != 0)
    }

    /// `EPOLLHUP`, or an error on a writable socket (a reset peer), or an
    /// error alone (a failed connect, a pipe whose reader is gone).
    pub(crate) fn is_write_closed(ev: &RawEvent) -> bool {
        let b = bits(ev);
        b & libc::EPOLLHUP != 0
            || (b & libc::EPOLLOUT != 0 && b & libc::EPOLLERR != 0)
            || b == libc::EPOLLERR
    }

    pub(crate) fn is_priority(ev: &RawEvent) -> bool {
        bits(ev) & libc::EPOLLPRI != 0
    }

    /// The raw record with every flag named.
    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, ev: &RawEvent) -> fmt::Result {
        let events = ev.events;
        let data = ev.u64;
        f.debug_struct("epoll_event")
            .field(
                "events",
                &Flags {
                    bits: events.into(),
                    table: EVENT_FLAGS,
                },
            )
            .field("u64", &data)
            .finish()
    }
}

/// The waker: an `eventfd` registered with `EPOLLIN | EPOLLET`.
///
/// `wake` adds 1 to the eventfd's counter. Every write runs epoll's wake-up
/// callback, which queues the registration on the ready list unless it is
/// already there: writes before the next `epoll_wait` collapse into one
/// event, and a write after a poll collected the event queues a new one.
/// The counter is therefore never read on the normal path. Only if it is
/// about to overflow (`write` fails with `EAGAIN` at `u64::MAX - 1`) does
/// `wake` read it back to zero and write again.
#[derive(Debug)]
pub(crate) struct Waker {
    fd: OwnedFd,
}

impl Waker {
    /// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`, registered edge-triggered.
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        // SAFETY: eventfd takes an initial value and flags and returns a new
        // descriptor that belongs to nobody else (eventfd(2)).
        let res = unsafe { owned(syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))) };
        trace!("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK) {}", Ret(&res));
        let fd = res?;
        selector.register(fd.as_raw_fd(), token, Interest::READABLE, Trigger::Edge)?;
        Ok(Waker { fd })
    }

    /// Adds 1 to the counter: one event for the next poll.
    pub(crate) fn wake(&self) -> io::Result<()> {
        let one: u64 = 1;
        loop {
            // SAFETY: we pass a pointer to 8 readable bytes and length 8, as
            // eventfd(2) requires.
            let res =
                unsafe { syscall!(write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8)) };
            trace!("eventfd write(fd={}, 1) {}", self.fd.as_raw_fd(), Ret(&res));
            match res {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // The counter is full: empty it, then write again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.reset()?,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the counter back to zero.
    fn reset(&self) -> io::Result<()> {
        let mut count: u64 = 0;
        // SAFETY: we pass a pointer to 8 writable bytes and length 8, as
        // eventfd(2) requires.
        let res = unsafe {
            syscall!(read(
                self.fd.as_raw_fd(),
                (&mut count as *mut u64).cast(),
                8
            ))
        };
        trace!(
            "eventfd read(fd={}) {} (count {count})",
            self.fd.as_raw_fd(),
            Ret(&res)
        );
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Signals as readiness: a `signalfd` for a set of signals blocked in the
/// calling thread (and so in every thread it spawns afterwards).
#[derive(Debug)]
pub(crate) struct Signals {
    fd: OwnedFd,
}

impl Signals {
    /// Blocks `signals` with `pthread_sigmask` and opens a non-blocking
    /// `signalfd` for them.
    pub(crate) fn new(signals: &[libc::c_int]) -> io::Result<Signals> {
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigemptyset initializes the set it points to
        // (sigemptyset(3)).
        unsafe { syscall!(sigemptyset(set.as_mut_ptr())) }?;
        for &signo in signals {
            // SAFETY: `set` was initialized by sigemptyset; sigaddset rejects
            // invalid numbers with EINVAL (sigaddset(3)).
            unsafe { syscall!(sigaddset(set.as_mut_ptr(), signo)) }?;
        }
        // SAFETY: initialized by sigemptyset above.
        let set = unsafe { set.assume_init() };
        // SAFETY: `set` is a valid sigset_t; a null old-set pointer is allowed
        // (pthread_sigmask(3)).
        let res = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
        crate::syscall::check_errno(res)?;
        let flags = libc::SFD_NONBLOCK | libc::SFD_CLOEXEC;
        // SAFETY: -1 asks for a new descriptor, which belongs to nobody
        // else; `set` is a valid sigset_t (signalfd(2)).
        let res = unsafe { owned(syscall!(signalfd(-1, &set, flags))) };
        let names: Vec<Sig> = signals.iter().map(|&s| Sig(s)).collect();
        trace!(
            "signalfd(-1, {names:?}, SFD_NONBLOCK|SFD_CLOEXEC) {}",
            Ret(&res)
        );
        Ok(Signals { fd: res? })
    }

    /// Reads one pending signal, or `None` when none is pending.
    pub(crate) fn receive(&self) -> io::Result<Option<libc::c_int>> {
        let mut info = std::mem::MaybeUninit::<libc::signalfd_siginfo>::uninit();
        let size = std::mem::size_of::<libc::signalfd_siginfo>();
        loop {
            // SAFETY: `info` has room for one signalfd_siginfo, the size we pass
            // (signalfd(2)).
            let res =
                unsafe { syscall!(read(self.fd.as_raw_fd(), info.as_mut_ptr().cast(), size)) };
            trace!("signalfd read(fd={}) {}", self.fd.as_raw_fd(), Ret(&res));
            match res {
                Ok(n) if n as usize == size => {
                    // SAFETY: the kernel filled the whole record (n == size).
                    let signo = unsafe { info.assume_init() }.ssi_signo as libc::c_int;
                    trace!("  -> {}", Sig(signo));
                    return Ok(Some(signo));
                }
                Ok(n) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("signalfd returned {n} bytes, not {size}"),
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// Blocks until a signal is pending and returns it.
    pub(crate) fn wait(&self) -> io::Result<libc::c_int> {
        loop {
            if let Some(signo) = self.receive()? {
                return Ok(signo);
            }
            poll_one(self.fd.as_fd(), libc::POLLIN, None)?;
        }
    }

    /// The descriptor to register: readable while a signal is pending.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
