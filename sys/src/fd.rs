//! Small operations on any file descriptor, shared by sockets, the waker
//! and the selectors.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::trace::{FlagTable, Flags, Ret, Timeout};

/// The names of the `poll(2)` event bits, for the trace.
const POLL_FLAGS: FlagTable = &[
    (libc::POLLIN as u16 as u64, "POLLIN"),
    (libc::POLLPRI as u16 as u64, "POLLPRI"),
    (libc::POLLOUT as u16 as u64, "POLLOUT"),
    (libc::POLLERR as u16 as u64, "POLLERR"),
    (libc::POLLHUP as u16 as u64, "POLLHUP"),
    (libc::POLLNVAL as u16 as u64, "POLLNVAL"),
];

/// Wraps the result of a call that creates a descriptor, in the same
/// expression as the call: `unsafe { owned(syscall!(socket(..))) }`. From
/// then on the descriptor is closed on every path, errors and panics
/// included.
///
/// # Safety
///
/// An `Ok` value must be open and owned by nobody else, which is the case
/// for the return value of a call that creates a descriptor (`socket`,
/// `accept4`, `epoll_create1`, `kqueue`, `eventfd`, `signalfd`,
/// `fcntl(F_DUPFD_CLOEXEC)`).
pub(crate) unsafe fn owned(res: io::Result<RawFd>) -> io::Result<OwnedFd> {
    // SAFETY: the caller guarantees an `Ok` descriptor is open and unowned.
    res.map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `fcntl(F_DUPFD_CLOEXEC)`: a second descriptor for the same open file,
/// closed on `exec`.
pub(crate) fn dup_cloexec(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    // SAFETY: `fd` is borrowed, so open for the duration of the call;
    // F_DUPFD_CLOEXEC takes an integer argument and returns a new
    // descriptor that belongs to nobody else (fcntl(2)).
    unsafe { owned(syscall!(fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0))) }
}

/// Sets or clears `O_NONBLOCK`.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>, nonblocking: bool) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is open (borrowed); F_GETFL takes no argument
    // (fcntl(2)).
    let flags = unsafe { syscall!(fcntl(raw, libc::F_GETFL)) }?;
    let wanted = if nonblocking {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    if wanted != flags {
        // SAFETY: `raw` is open (borrowed); F_SETFL takes an int of flags
        // (fcntl(2)).
        unsafe { syscall!(fcntl(raw, libc::F_SETFL, wanted)) }?;
    }
    Ok(())
}

/// Sets `FD_CLOEXEC`, for the systems where it cannot be set atomically.
#[allow(dead_code)] // used by the macOS socket path only
pub(crate) fn set_cloexec(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: `fd` is open (borrowed); F_SETFD takes an int of flags
    // (fcntl(2)).
    unsafe { syscall!(fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC)) }?;
    Ok(())
}

/// Blocks in `poll(2)` until `fd` reports one of `events` or the timeout
/// passes. Returns the `revents`, or `0` on timeout. `EINTR` restarts the
/// wait with the time that is left.
pub(crate) fn poll_one(
    fd: BorrowedFd<'_>,
    events: libc::c_short,
    timeout: Option<Duration>,
) -> io::Result<libc::c_short> {
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    loop {
        let ms = match deadline {
            None => -1,
            Some(d) => millis_rounded_up(d.saturating_duration_since(std::time::Instant::now())),
        };
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events,
            revents: 0,
        };
        // SAFETY: `pfd` is one valid, writable pollfd and we pass a count
        // of 1 (poll(2)).
        let res = unsafe { syscall!(poll(&mut pfd, 1, ms)) };
        trace!(
            "poll(fd={}, {}, timeout={}) {} (revents {})",
            pfd.fd,
            Flags {
                bits: events as u16 as u64,
                table: POLL_FLAGS
            },
            Timeout((ms >= 0).then(|| Duration::from_millis(ms as u64))),
            Ret(&res),
            Flags {
                bits: pfd.revents as u16 as u64,
                table: POLL_FLAGS
            },
        );
        match res {
            Ok(0) => return Ok(0),
            Ok(_) => return Ok(pfd.revents),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A timeout in whole milliseconds for `epoll_wait`/`poll`, rounded **up**
/// so that a wait never ends before the time asked for, and capped at
/// `c_int::MAX` (about 24 days).
pub(crate) fn millis_rounded_up(d: Duration) -> libc::c_int {
    let ms = d.as_nanos().div_ceil(1_000_000);
    ms.min(libc::c_int::MAX as u128) as libc::c_int
}

#[cfg(test)]
mod tests {
    use super::millis_rounded_up;
    use std::time::Duration;

    #[test]
    fn timeouts_round_up_to_the_next_millisecond() {
        assert_eq!(millis_rounded_up(Duration::ZERO), 0);
        assert_eq!(millis_rounded_up(Duration::from_nanos(1)), 1);
        assert_eq!(millis_rounded_up(Duration::from_micros(1500)), 2);
        assert_eq!(millis_rounded_up(Duration::from_millis(7)), 7);
        assert_eq!(
            millis_rounded_up(Duration::from_secs(u64::MAX)),
            libc::c_int::MAX
        );
    }
}
