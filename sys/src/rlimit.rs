//! Raising the limit on open file descriptors.
//!
//! Every connection is a descriptor, and the default soft limit
//! (`RLIMIT_NOFILE`, often 1024) is far below what a server handling
//! thousands of clients needs. A process may raise its soft limit up to
//! its hard limit without privileges; servers do it at startup.

use std::io;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the new
/// soft limit.
///
/// On macOS the kernel refuses a soft limit above `OPEN_MAX` (10240) even
/// when the hard limit says "unlimited", so it is capped there.
///
/// ```
/// let limit = sys::rlimit::raise_nofile_limit().unwrap();
/// assert!(limit >= 16);
/// ```
pub fn raise_nofile_limit() -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for getrlimit to fill.
    unsafe { syscall!(getrlimit(libc::RLIMIT_NOFILE, &mut lim)) }?;
    let mut wanted = lim.rlim_max;
    if cfg!(any(target_os = "macos", target_os = "ios")) {
        const OPEN_MAX: libc::rlim_t = 10240;
        wanted = wanted.min(OPEN_MAX);
    }
    if wanted > lim.rlim_cur {
        let new = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: `new` is a valid rlimit; the kernel checks the values.
        unsafe { syscall!(setrlimit(libc::RLIMIT_NOFILE, &new)) }?;
        lim.rlim_cur = wanted;
    }
    // rlim_t is u64 on Linux and macOS but i64 on FreeBSD.
    #[allow(clippy::useless_conversion)]
    Ok(u64::try_from(lim.rlim_cur).unwrap_or(u64::MAX))
}
