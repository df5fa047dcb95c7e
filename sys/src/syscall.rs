//! The one door to the kernel.
//!
//! Every libc call of this crate that reports failure as `-1` plus `errno`
//! goes through [`syscall!`], which turns that convention into an
//! [`io::Result`]. Nothing else in the crate reads `errno`, so every error a
//! caller sees is an [`io::Error`] carrying the OS error code
//! ([`io::Error::raw_os_error`]).
//!
//! The few calls that return an error number directly instead of setting
//! `errno` (the `pthread_*` family) go through [`check_errno`].

use std::io;

/// Return values of system calls: they signal failure with `-1`.
pub(crate) trait MinusOne: Copy + PartialEq {
    /// The failure value, `-1` of this type.
    const MINUS_ONE: Self;
}

macro_rules! minus_one {
    ($($t:ty)*) => { $(impl MinusOne for $t { const MINUS_ONE: Self = -1; })* };
}
minus_one! { i32 i64 isize }

/// Turns `-1` into the thread's last OS error, anything else into `Ok`.
pub(crate) fn check<T: MinusOne>(res: T) -> io::Result<T> {
    if res == T::MINUS_ONE {
        Err(io::Error::last_os_error())
    } else {
        Ok(res)
    }
}

/// For calls such as `pthread_sigmask` that return `0` or an error number.
pub(crate) fn check_errno(res: libc::c_int) -> io::Result<()> {
    if res == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(res))
    }
}

/// Calls `libc::$fn(args...)` and converts `-1` into `Err(last_os_error)`.
///
/// The expansion calls the libc function directly, so it compiles only
/// inside an `unsafe` block: every call site writes
/// `unsafe { syscall!(f(args)) }` under its own safety comment saying why
/// the arguments meet the contract of the man page (valid pointers,
/// lengths that match the buffers, descriptors that are open), and
/// `clippy::undocumented_unsafe_blocks` checks that each one has it.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {
        $crate::syscall::check(libc::$fn($($arg),*))
    };
}

/// Retries `f` while it fails with `EINTR`.
///
/// Only for calls that have no effect when interrupted (reads, writes and
/// accepts that moved nothing), never for `close` or `connect`.
pub(crate) fn retry_eintr<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
