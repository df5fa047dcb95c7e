#![doc = include_str!("../guide/kqueue.md")]

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::fd::{dup_cloexec, owned, set_cloexec};
use crate::trace::{FlagTable, Flags, Ret, Sig, Timeout};
use crate::{Interest, Token, Trigger};

/// `kevent.filter`.
#[cfg(target_os = "netbsd")]
type Filter = u32;
/// `kevent.filter`.
#[cfg(not(target_os = "netbsd"))]
type Filter = i16;

/// `kevent.flags`.
#[cfg(target_os = "netbsd")]
type KFlags = u32;
/// `kevent.flags`.
#[cfg(not(target_os = "netbsd"))]
type KFlags = u16;

/// The `nchanges`/`nevents` arguments of `kevent`.
#[cfg(target_os = "netbsd")]
type Count = libc::size_t;
/// The `nchanges`/`nevents` arguments of `kevent`.
#[cfg(not(target_os = "netbsd"))]
type Count = libc::c_int;

/// The event record the kernel fills in `kevent`.
pub(crate) type RawEvent = libc::kevent;

/// The names of the bits of `kevent.flags`, for `Debug` and the trace.
pub(crate) const EVENT_FLAGS: FlagTable = &[
    (libc::EV_ADD as u64, "EV_ADD"),
    (libc::EV_DELETE as u64, "EV_DELETE"),
    (libc::EV_ENABLE as u64, "EV_ENABLE"),
    (libc::EV_DISABLE as u64, "EV_DISABLE"),
    (libc::EV_ONESHOT as u64, "EV_ONESHOT"),
    (libc::EV_CLEAR as u64, "EV_CLEAR"),
    (libc::EV_RECEIPT as u64, "EV_RECEIPT"),
    (libc::EV_DISPATCH as u64, "EV_DISPATCH"),
    (libc::EV_ERROR as u64, "EV_ERROR"),
    (libc::EV_EOF as u64, "EV_EOF"),
];

/// The names of the bits of `kevent.fflags` for `EVFILT_USER` (for the
/// socket filters, `fflags` holds an error number and prints in hex).
const USER_FFLAGS: FlagTable = &[(libc::NOTE_TRIGGER as u64, "NOTE_TRIGGER")];

/// `kevent.fflags`, named where the filter gives its bits names.
fn fflags(ev: &RawEvent) -> Flags {
    let filter = ev.filter;
    Flags {
        bits: ev.fflags as u64,
        table: if filter == libc::EVFILT_USER {
            USER_FFLAGS
        } else {
            &[]
        },
    }
}

/// The filters this crate uses, by name.
fn filter_name(filter: Filter) -> &'static str {
    match filter {
        libc::EVFILT_READ => "EVFILT_READ",
        libc::EVFILT_WRITE => "EVFILT_WRITE",
        libc::EVFILT_USER => "EVFILT_USER",
        libc::EVFILT_SIGNAL => "EVFILT_SIGNAL",
        _ => "EVFILT_?",
    }
}

/// A change or event record; fields that differ between the BSDs (FreeBSD's
/// `ext`) stay zero.
fn kevent(ident: usize, filter: Filter, flags: KFlags, fflags: u32, udata: usize) -> RawEvent {
    // SAFETY: every field of `struct kevent` is an integer or a pointer, for
    // which all-zero is valid.
    let mut ev: RawEvent = unsafe { std::mem::zeroed() };
    ev.ident = ident as _;
    ev.filter = filter;
    ev.flags = flags;
    ev.fflags = fflags as _;
    // An integer carried through the kernel, never dereferenced.
    ev.udata = udata as _;
    ev
}

/// One record as the trace prints it.
struct Show<'a>(&'a RawEvent);

impl std::fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ev = *self.0;
        write!(
            f,
            "{{ident={} {} {} fflags={} data={} udata={}}}",
            ev.ident as usize,
            filter_name(ev.filter),
            Flags {
                bits: ev.flags as u64,
                table: EVENT_FLAGS
            },
            fflags(&ev),
            ev.data as i64,
            ev.udata as usize,
        )
    }
}

/// `timespec` for a timeout (no rounding needed: kqueue takes nanoseconds).
fn timespec(d: Duration) -> libc::timespec {
    // SAFETY: all-zero is a valid timespec (on some targets it has padding).
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    ts.tv_sec = d.as_secs().min(libc::time_t::MAX as u64) as libc::time_t;
    ts.tv_nsec = d.subsec_nanos() as _;
    ts
}

/// Applies a changelist with `EV_RECEIPT` and checks each receipt.
///
/// `ignore(change, errno)` says which failures are expected (deleting a
/// knote that does not exist, ...).
fn apply(
    kq: BorrowedFd<'_>,
    changes: &[RawEvent],
    ignore: impl Fn(&RawEvent, i32) -> bool,
) -> io::Result<()> {
    const MAX: usize = 4;
    assert!(
        changes.len() <= MAX,
        "internal: at most {MAX} changes at once"
    );
    let mut receipts = [MaybeUninit::<RawEvent>::uninit(); MAX];
    let zero = timespec(Duration::ZERO);
    // SAFETY: `changes` holds `changes.len()` valid records; `receipts` has
    // room for as many, which EV_RECEIPT produces at most; `zero` is valid
    // (kevent(2)).
    let res = unsafe {
        syscall!(kevent(
            kq.as_raw_fd(),
            changes.as_ptr(),
            changes.len() as Count,
            receipts.as_mut_ptr().cast(),
            changes.len() as Count,
            &zero,
        ))
    };
    if crate::trace::enabled() {
        for change in changes {
            crate::trace::emit(format_args!(
                "kevent(kq={}, change {})",
                kq.as_raw_fd(),
                Show(change)
            ));
        }
        crate::trace::emit(format_args!("  {}", Ret(&res)));
    }
    let n = match res {
        Ok(n) => n as usize,
        // kqueue(2): on EINTR all changes have been applied.
        Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
        Err(e) => return Err(e),
    };
    // Receipts come back in changelist order, one per change (FreeBSD's
    // kqueue_register loop, xnu's kevent_register loop). They are matched to
    // their change by position, not by their own `flags`: FreeBSD
    // overwrites a receipt's flags with plain `EV_ERROR`, so a receipt alone
    // does not say whether it answered an `EV_ADD` or an `EV_DELETE`.
    for (i, receipt) in receipts.iter().take(n.min(changes.len())).enumerate() {
        // SAFETY: the kernel wrote the first `n` receipts (kevent(2)).
        let receipt = unsafe { receipt.assume_init() };
        let errno = receipt.data as i32;
        if receipt.flags & libc::EV_ERROR != 0 && errno != 0 && !ignore(&changes[i], errno) {
            trace!("  -> change {} failed: errno {errno}", Show(&changes[i]));
            return Err(io::Error::from_raw_os_error(errno));
        }
    }
    Ok(())
}

/// Failures that do not matter when adding or deleting socket knotes.
fn expected(change: &RawEvent, errno: i32) -> bool {
    (change.flags & libc::EV_DELETE != 0 && errno == libc::ENOENT)
        || (change.filter == libc::EVFILT_WRITE && errno == libc::EPIPE)
}

/// `EV_ADD` flags for a trigger mode.
fn trigger_flags(trigger: Trigger) -> KFlags {
    match trigger {
        Trigger::Edge => libc::EV_CLEAR,
        Trigger::Level => 0,
        Trigger::OneShot => libc::EV_DISPATCH,
    }
}

/// Writes the `EV_ADD` records for `interest` into `out`; returns how many.
fn add_changes(
    out: &mut [RawEvent],
    fd: RawFd,
    token: Token,
    interest: Interest,
    trigger: Trigger,
) -> usize {
    let flags = libc::EV_ADD | libc::EV_ENABLE | libc::EV_RECEIPT | trigger_flags(trigger);
    let mut n = 0;
    if interest.is_readable() {
        out[n] = kevent(fd as usize, libc::EVFILT_READ, flags, 0, token.0);
        n += 1;
    }
    if interest.is_writable() {
        out[n] = kevent(fd as usize, libc::EVFILT_WRITE, flags, 0, token.0);
        n += 1;
    }
    n
}

/// The `EV_DELETE` records for both of `fd`'s knotes (one of them may not
/// exist: `expected` ignores its `ENOENT`).
fn delete_changes(fd: RawFd) -> [RawEvent; 2] {
    let flags = libc::EV_DELETE | libc::EV_RECEIPT;
    [
        kevent(fd as usize, libc::EVFILT_READ, flags, 0, 0),
        kevent(fd as usize, libc::EVFILT_WRITE, flags, 0, 0),
    ]
}

/// A new kqueue, close-on-exec (with `fcntl`: `kqueue1`/`kqueuex` are not
/// on every BSD). The window between the two calls matters less than for
/// a socket: a kqueue is not inherited by a `fork`ed child (kqueue(2)), so
/// only an `exec` in another thread without a fork could carry it over.
fn new_kqueue() -> io::Result<OwnedFd> {
    // SAFETY: kqueue takes no arguments and returns a new descriptor that
    // belongs to nobody else (kqueue(2)).
    let res = unsafe { owned(syscall!(kqueue())) };
    trace!("kqueue() {}", Ret(&res));
    let kq = res?;
    set_cloexec(kq.as_fd())?;
    Ok(kq)
}

/// One kqueue.
#[derive(Debug)]
pub(crate) struct Selector {
    kq: OwnedFd,
}

impl Selector {
    /// `kqueue()` + `FD_CLOEXEC`.
    pub(crate) fn new() -> io::Result<Selector> {
        Ok(Selector { kq: new_kqueue()? })
    }

    /// A second handle to the same kqueue (same knotes).
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            kq: dup_cloexec(self.kq.as_fd())?,
        })
    }

    /// `EV_ADD` one knote per wanted filter.
    pub(crate) fn register(
        &self,
        fd: RawFd,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        let mut changes = [kevent(0, 0, 0, 0, 0); 2];
        let n = add_changes(&mut changes, fd, token, interest, trigger);
        apply(self.kq.as_fd(), &changes[..n], expected)
    }

    /// kqueue has no counterpart of epoll's `EPOLLEXCLUSIVE`: this fails
    /// with `Unsupported` and changes nothing.
    ///
    /// A knote belongs to one kqueue. A listening socket registered in N
    /// kqueues is N knotes, and a new connection activates all of them, so
    /// a thread waiting in each kqueue wakes for it. The ways around that
    /// on kqueue are one kqueue shared by the threads with `EV_DISPATCH`
    /// (one-shot: the first thread to collect the event disables the knote
    /// until it re-arms it, so each event is collected once, though every
    /// thread asleep in that kqueue wakes), or one listening socket per
    /// thread that the kernel balances connections across (FreeBSD's
    /// `SO_REUSEPORT_LB`).
    pub(crate) fn register_exclusive(
        &self,
        fd: RawFd,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        trace!(
            "register_exclusive(fd={fd}, token={}, {interest:?}, {trigger:?}): \
             kqueue has no exclusive wake-up",
            token.0
        );
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "exclusive wake-up (EPOLLEXCLUSIVE) is Linux-only: kqueue wakes every kqueue \
             registered for a ready descriptor; share one kqueue with Trigger::OneShot instead",
        ))
    }

    /// `EV_DELETE` both knotes, then `EV_ADD` the wanted ones, in one call.
    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        let mut changes = [kevent(0, 0, 0, 0, 0); 4];
        changes[..2].copy_from_slice(&delete_changes(fd));
        let n = add_changes(&mut changes[2..], fd, token, interest, trigger);
        apply(self.kq.as_fd(), &changes[..2 + n], expected)
    }

    /// `EV_DELETE` both knotes (a missing one is fine).
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        apply(self.kq.as_fd(), &delete_changes(fd), expected)
    }

    /// `kevent` with an empty changelist: fills `events` (up to its
    /// capacity) with ready knotes, waiting at most `timeout` (`None` waits
    /// forever).
    ///
    /// A signal interrupting the wait (`EINTR`) returns `Ok` with no events.
    pub(crate) fn select(
        &self,
        events: &mut Vec<RawEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.clear();
        let max = events.capacity().min(libc::c_int::MAX as usize);
        let ts = timeout.map(timespec);
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `events` has room for `max` records (its capacity) and the
        // kernel writes at most `max`; `ts_ptr` is null or a valid timespec
        // (kevent(2)).
        let res = unsafe {
            syscall!(kevent(
                self.kq.as_raw_fd(),
                std::ptr::null(),
                0,
                events.as_mut_ptr(),
                max as Count,
                ts_ptr,
            ))
        };
        trace!(
            "kevent(kq={}, max={max}, timeout={}) {}",
            self.kq.as_raw_fd(),
            Timeout(timeout),
            Ret(&res)
        );
        match res {
            Ok(n) => {
                // SAFETY: kevent(2) initialized the first `n` records, and
                // `n <= max <= capacity`.
                unsafe { events.set_len(n as usize) };
                if crate::trace::enabled() {
                    for ev in events.iter() {
                        crate::trace::emit(format_args!("  -> {}", Show(ev)));
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
        self.kq.as_raw_fd()
    }
}

impl Drop for Selector {
    /// The descriptor closes when the field drops, right after this;
    /// `SYS_TRACE=2` shows it.
    fn drop(&mut self) {
        trace_data!("close(fd={})", self.kq.as_raw_fd());
    }
}

/// Reading a `kevent`.
pub(crate) mod event {
    use std::fmt;

    use super::{fflags, filter_name, RawEvent, EVENT_FLAGS};
    use crate::trace::Flags;
    use crate::Token;

    // `kevent` is packed on macOS, so fields are copied out, never borrowed.

    pub(crate) fn token(ev: &RawEvent) -> Token {
        Token(ev.udata as usize)
    }

    /// `EVFILT_READ`, or the waker's `EVFILT_USER`.
    pub(crate) fn is_readable(ev: &RawEvent) -> bool {
        let filter = ev.filter;
        filter == libc::EVFILT_READ || filter == libc::EVFILT_USER
    }

    pub(crate) fn is_writable(ev: &RawEvent) -> bool {
        let filter = ev.filter;
        filter == libc::EVFILT_WRITE
    }

    /// `EV_ERROR`, or `EV_EOF` with the socket error in `fflags`.
    pub(crate) fn is_error(ev: &RawEvent) -> bool {
        let (flags, fflags) = (ev.flags, ev.fflags);
        flags & libc::EV_ERROR != 0 || (flags & libc::EV_EOF != 0 && fflags != 0)
    }

    pub(crate) fn is_read_closed(ev: &RawEvent) -> bool {
        let (filter, flags) = (ev.filter, ev.flags);
        filter == libc::EVFILT_READ && flags & libc::EV_EOF != 0
    }

    pub(crate) fn is_write_closed(ev: &RawEvent) -> bool {
        let (filter, flags) = (ev.filter, ev.flags);
        filter == libc::EVFILT_WRITE && flags & libc::EV_EOF != 0
    }

    /// kqueue has no priority report for sockets.
    pub(crate) fn is_priority(_: &RawEvent) -> bool {
        false
    }

    /// The raw record with its filter and every flag named.
    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, ev: &RawEvent) -> fmt::Result {
        let ev = *ev;
        f.debug_struct("kevent")
            .field("ident", &(ev.ident as usize))
            .field("filter", &filter_name(ev.filter))
            .field(
                "flags",
                &Flags {
                    bits: ev.flags as u64,
                    table: EVENT_FLAGS,
                },
            )
            .field("fflags", &fflags(&ev))
            .field("data", &(ev.data as i64))
            .field("udata", &(ev.udata as usize))
            .finish()
    }
}

/// Distinct `ident`s for `EVFILT_USER` knotes, so that two wakers on one
/// kqueue never share a knote.
static NEXT_USER_IDENT: AtomicUsize = AtomicUsize::new(1);

/// The waker: an `EVFILT_USER` knote with `EV_CLEAR`.
///
/// `wake` sends `NOTE_TRIGGER`; the knote is then pending until a `kevent`
/// call reports it, which clears it (`EV_CLEAR`). Triggers before that
/// report collapse into one event; a trigger after it makes a new one.
#[derive(Debug)]
pub(crate) struct Waker {
    kq: OwnedFd,
    ident: usize,
    token: Token,
}

impl Waker {
    /// `EV_ADD` of an `EVFILT_USER` knote, on a `dup` of the kqueue so the
    /// waker keeps it alive.
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        let kq = dup_cloexec(selector.kq.as_fd())?;
        let ident = NEXT_USER_IDENT.fetch_add(1, Ordering::Relaxed);
        let flags = libc::EV_ADD | libc::EV_CLEAR | libc::EV_RECEIPT;
        let change = kevent(ident, libc::EVFILT_USER, flags, libc::NOTE_FFNOP, token.0);
        apply(kq.as_fd(), &[change], |_, _| false)?;
        Ok(Waker { kq, ident, token })
    }

    /// `NOTE_TRIGGER`: one event for the next poll.
    pub(crate) fn wake(&self) -> io::Result<()> {
        let flags = libc::EV_ADD | libc::EV_RECEIPT;
        let change = kevent(
            self.ident,
            libc::EVFILT_USER,
            flags,
            libc::NOTE_TRIGGER,
            self.token.0,
        );
        apply(self.kq.as_fd(), &[change], |_, _| false)
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        let flags = libc::EV_DELETE | libc::EV_RECEIPT;
        let change = kevent(self.ident, libc::EVFILT_USER, flags, 0, 0);
        // Nothing useful to do with an error while dropping.
        let _ = apply(self.kq.as_fd(), &[change], |_, _| true);
    }
}

/// Signals as readiness: a private kqueue with `EVFILT_SIGNAL` knotes, the
/// signals themselves set to `SIG_IGN` (restored on drop).
#[derive(Debug)]
pub(crate) struct Signals {
    kq: OwnedFd,
    /// The dispositions replaced by `SIG_IGN`, to restore on drop.
    previous: Vec<(libc::c_int, SigAction)>,
}

/// `struct sigaction`, wrapped for `Debug`.
struct SigAction(libc::sigaction);

impl std::fmt::Debug for SigAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sigaction { .. }")
    }
}

impl Signals {
    /// Adds one `EVFILT_SIGNAL` knote per signal, then ignores the signals.
    pub(crate) fn new(signals: &[libc::c_int]) -> io::Result<Signals> {
        let kq = new_kqueue()?;
        let mut this = Signals {
            kq,
            previous: Vec::new(),
        };
        for &signo in signals {
            let change = kevent(
                signo as usize,
                libc::EVFILT_SIGNAL,
                libc::EV_ADD | libc::EV_RECEIPT,
                0,
                0,
            );
            apply(this.kq.as_fd(), &[change], |_, _| false)?;
            // SAFETY: all-zero is a valid sigaction (no handler, empty mask,
            // no flags) before we set the handler to SIG_IGN.
            let mut ignore: libc::sigaction = unsafe { std::mem::zeroed() };
            ignore.sa_sigaction = libc::SIG_IGN;
            // SAFETY: as above; sigaction fills it.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: both pointers designate valid sigaction structs
            // (sigaction(2)).
            unsafe { syscall!(sigaction(signo, &ignore, &mut old)) }?;
            this.previous.push((signo, SigAction(old)));
        }
        Ok(this)
    }

    /// Takes one pending signal without blocking.
    pub(crate) fn receive(&self) -> io::Result<Option<libc::c_int>> {
        self.next(Some(Duration::ZERO))
    }

    /// Blocks in `kevent` until a signal is pending and returns it.
    pub(crate) fn wait(&self) -> io::Result<libc::c_int> {
        loop {
            if let Some(signo) = self.next(None)? {
                return Ok(signo);
            }
        }
    }

    fn next(&self, timeout: Option<Duration>) -> io::Result<Option<libc::c_int>> {
        let ts = timeout.map(timespec);
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        let mut ev = MaybeUninit::<RawEvent>::uninit();
        loop {
            // SAFETY: room for one record, count 1; `ts_ptr` is null or valid
            // (kevent(2)).
            let res = unsafe {
                syscall!(kevent(
                    self.kq.as_raw_fd(),
                    std::ptr::null(),
                    0,
                    ev.as_mut_ptr(),
                    1,
                    ts_ptr
                ))
            };
            trace!(
                "kevent(signal kq={}, max=1, timeout={}) {}",
                self.kq.as_raw_fd(),
                Timeout(timeout),
                Ret(&res)
            );
            match res {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    // SAFETY: `n == 1`: the kernel filled the one record (kevent(2)).
                    let ev = unsafe { ev.assume_init() };
                    let signo = ev.ident as libc::c_int;
                    trace!("  -> {} {}", Sig(signo), Show(&ev));
                    return Ok(Some(signo));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The descriptor to register: the private kqueue, readable while a
    /// signal is pending.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.kq.as_fd()
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for (signo, old) in &self.previous {
            // SAFETY: `old` is the sigaction the kernel gave us; a null
            // old-action pointer is allowed (sigaction(2)).
            let _ = unsafe { syscall!(sigaction(*signo, &old.0, std::ptr::null_mut())) };
        }
    }
}
