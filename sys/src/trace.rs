//! `SYS_TRACE`: watch the conversation with the kernel.
//!
//! With the environment variable `SYS_TRACE` set to anything but `0` or the
//! empty string, every readiness system call this crate makes is printed to
//! standard error, one line per call, with its flags decoded by name:
//!
//! ```text
//! sys: epoll_create1(EPOLL_CLOEXEC) = 3
//! sys: epoll_ctl(ADD, fd=4, EPOLLIN|EPOLLRDHUP|EPOLLET, token=0) = 0
//! sys: epoll_wait(epfd=3, max=1024, timeout=forever) = 1
//! sys:   -> token=0 EPOLLIN
//! ```
//!
//! `SYS_TRACE=2` (or any larger number) adds the data calls of
//! [`net::TcpStream`](crate::net::TcpStream) (`read`, `readv`, `send`,
//! `sendmsg`, with byte counts and the error by name) and the `close` of
//! every socket, so "read until `WouldBlock`" can be watched:
//!
//! ```text
//! sys: send(fd=4, 4 bytes) = 4
//! sys: read(fd=5, buf=4) = 4
//! sys: read(fd=5, buf=4) = -1 EAGAIN
//! sys: sendmsg(fd=4, iov=2, 4 bytes) = 4
//! sys: close(fd=5)
//! ```
//!
//! The variable is read once, on the first traced call. After that, a call
//! with tracing off costs one relaxed atomic load and a branch, whichever
//! level it belongs to (`benches/trace.rs` measures it).
//!
//! The flag-name tables are the same ones [`Event`](crate::Event)'s `Debug`
//! uses, so what the trace prints and what `{:#?}` prints agree.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
/// `SYS_TRACE=1`: readiness calls.
const READINESS: u8 = 2;
/// `SYS_TRACE=2`: readiness and data calls.
const DATA: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Is tracing of readiness calls on (level 1 or more)? One relaxed load
/// once the variable has been read.
#[inline]
pub(crate) fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        READINESS | DATA => true,
        OFF => false,
        _ => init() >= READINESS,
    }
}

/// Is tracing of data calls on (level 2)? One relaxed load once the
/// variable has been read.
#[inline]
pub(crate) fn data_enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        DATA => true,
        OFF | READINESS => false,
        _ => init() == DATA,
    }
}

#[cold]
fn init() -> u8 {
    let state = match std::env::var_os("SYS_TRACE") {
        Some(v) => level(&v.to_string_lossy()),
        None => OFF,
    };
    // Several threads may race here; they all compute the same answer.
    STATE.store(state, Ordering::Relaxed);
    state
}

/// The state a value of `SYS_TRACE` asks for: empty or `0` is off, a
/// number of 2 or more adds the data calls, anything else (`1`, `yes`)
/// traces the readiness calls.
fn level(value: &str) -> u8 {
    match value.trim().parse::<u64>() {
        _ if value.is_empty() => OFF,
        Ok(0) => OFF,
        Ok(n) if n >= 2 => DATA,
        _ => READINESS,
    }
}

/// Writes one trace line. Only called after [`enabled`] said yes.
///
/// A failed write (standard error closed, or a pipe whose reader is gone)
/// is ignored: tracing must never turn into a panic, which `eprintln!`
/// would be.
#[cold]
pub(crate) fn emit(args: fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "sys: {args}");
}

/// `trace!("epoll_ctl({}, ...)", ...)`: formats only when tracing is on.
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::trace::enabled() {
            $crate::trace::emit(format_args!($($arg)*));
        }
    };
}

/// `trace_data!(...)`: like [`trace!`], for the data calls of level 2.
macro_rules! trace_data {
    ($($arg:tt)*) => {
        if $crate::trace::data_enabled() {
            $crate::trace::emit(format_args!($($arg)*));
        }
    };
}

/// A table naming the bits of a flag word, shared by `Debug` and the trace.
pub(crate) type FlagTable = &'static [(u64, &'static str)];

/// Displays `bits` as `NAME|NAME|0x...` using `table`.
///
/// Bits that the table does not name are printed in hexadecimal at the end,
/// so nothing the kernel said is hidden. Zero prints as `0x0`.
pub(crate) struct Flags {
    pub(crate) bits: u64,
    pub(crate) table: FlagTable,
}

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.bits;
        let mut first = true;
        for &(bit, name) in self.table {
            if bit != 0 && rest & bit == bit {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
                rest &= !bit;
            }
        }
        if rest != 0 || first {
            if !first {
                f.write_str("|")?;
            }
            write!(f, "{rest:#x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The signals this crate handles, by name (others as their number).
pub(crate) struct Sig(pub(crate) libc::c_int);

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            libc::SIGINT => f.write_str("SIGINT"),
            libc::SIGTERM => f.write_str("SIGTERM"),
            libc::SIGHUP => f.write_str("SIGHUP"),
            n => write!(f, "signal {n}"),
        }
    }
}

impl fmt::Debug for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `Option<Duration>` as the trace prints timeouts.
pub(crate) struct Timeout(pub(crate) Option<std::time::Duration>);

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("forever"),
            Some(d) => write!(f, "{d:?}"),
        }
    }
}

/// A value a traced system call returns: a count, or a new descriptor.
pub(crate) trait Returned {
    /// The number the C call returned.
    fn returned(&self) -> i64;
}

impl Returned for i32 {
    fn returned(&self) -> i64 {
        (*self).into()
    }
}

impl Returned for isize {
    fn returned(&self) -> i64 {
        *self as i64
    }
}

impl Returned for std::os::fd::OwnedFd {
    fn returned(&self) -> i64 {
        std::os::fd::AsRawFd::as_raw_fd(self).into()
    }
}

/// A system call's result as the trace prints it: `= 7`, or `= -1 (` the
/// error `)`.
pub(crate) struct Ret<'a, T>(pub(crate) &'a std::io::Result<T>);

impl<T: Returned> fmt::Display for Ret<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(v) => write!(f, "= {}", v.returned()),
            Err(e) => write!(f, "= -1 ({e})"),
        }
    }
}

/// A data call's result as level 2 prints it: `= 12`, or `= -1 EAGAIN`
/// with the error by name (and its text when the name is not in
/// [`errno_name`]'s table).
pub(crate) struct RetNamed<'a, T>(pub(crate) &'a std::io::Result<T>);

impl<T: Returned> fmt::Display for RetNamed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(v) => write!(f, "= {}", v.returned()),
            Err(e) => match e.raw_os_error().and_then(errno_name) {
                Some(name) => write!(f, "= -1 {name}"),
                None => write!(f, "= -1 ({e})"),
            },
        }
    }
}

/// The names of the errors a socket's data calls report.
///
/// `EWOULDBLOCK` is `EAGAIN` on every supported OS, so it prints as
/// `EAGAIN`, the name the man pages of `read(2)` and `send(2)` give first.
pub(crate) fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::EAGAIN => "EAGAIN",
        libc::EINTR => "EINTR",
        libc::ECONNRESET => "ECONNRESET",
        libc::EPIPE => "EPIPE",
        libc::ENOTCONN => "ENOTCONN",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EBADF => "EBADF",
        libc::EINVAL => "EINVAL",
        libc::ENOBUFS => "ENOBUFS",
        libc::ENOMEM => "ENOMEM",
        libc::EMFILE => "EMFILE",
        libc::ENFILE => "ENFILE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: FlagTable = &[(1, "A"), (2, "B"), (8, "D")];

    #[test]
    fn levels_from_the_variable() {
        assert_eq!(level(""), OFF);
        assert_eq!(level("0"), OFF);
        assert_eq!(level("1"), READINESS);
        assert_eq!(level("yes"), READINESS);
        assert_eq!(level("2"), DATA);
        assert_eq!(level("3"), DATA);
    }

    #[test]
    fn data_results_name_the_error() {
        let would_block: std::io::Result<isize> =
            Err(std::io::Error::from_raw_os_error(libc::EAGAIN));
        assert_eq!(RetNamed(&would_block).to_string(), "= -1 EAGAIN");
        let reset: std::io::Result<isize> =
            Err(std::io::Error::from_raw_os_error(libc::ECONNRESET));
        assert_eq!(RetNamed(&reset).to_string(), "= -1 ECONNRESET");
        let ok: std::io::Result<isize> = Ok(12);
        assert_eq!(RetNamed(&ok).to_string(), "= 12");
    }

    #[test]
    fn flags_name_known_bits_and_show_the_rest_in_hex() {
        assert_eq!(
            Flags {
                bits: 3,
                table: TABLE
            }
            .to_string(),
            "A|B"
        );
        assert_eq!(
            Flags {
                bits: 0x19,
                table: TABLE
            }
            .to_string(),
            "A|D|0x10"
        );
        assert_eq!(
            Flags {
                bits: 0,
                table: TABLE
            }
            .to_string(),
            "0x0"
        );
        assert_eq!(
            Flags {
                bits: 4,
                table: TABLE
            }
            .to_string(),
            "0x4"
        );
    }
}
