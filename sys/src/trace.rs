//! `SYS_TRACE=1`: watch the conversation with the kernel.
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
//! The variable is read once, on the first traced call. After that, a call
//! with tracing off costs one relaxed atomic load and a branch.
//!
//! The flag-name tables are the same ones [`Event`](crate::Event)'s `Debug`
//! uses, so what the trace prints and what `{:#?}` prints agree.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Is tracing on? One relaxed load once the variable has been read.
#[inline]
pub(crate) fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => init(),
    }
}

#[cold]
fn init() -> bool {
    let on = match std::env::var_os("SYS_TRACE") {
        Some(v) => !v.is_empty() && v != "0",
        None => false,
    };
    // Several threads may race here; they all compute the same answer.
    STATE.store(if on { ON } else { OFF }, Ordering::Relaxed);
    on
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
            libc::SIGWINCH => f.write_str("SIGWINCH"),
            libc::SIGTSTP => f.write_str("SIGTSTP"),
            libc::SIGCONT => f.write_str("SIGCONT"),
            libc::SIGSTOP => f.write_str("SIGSTOP"),
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

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: FlagTable = &[(1, "A"), (2, "B"), (8, "D")];

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
