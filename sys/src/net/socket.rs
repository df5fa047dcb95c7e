//! The socket calls shared by [`TcpListener`](super::TcpListener) and
//! [`TcpStream`](super::TcpStream), with the per-OS differences:
//!
//! | | Linux, FreeBSD, NetBSD, OpenBSD, DragonFly | macOS, iOS |
//! | --- | --- | --- |
//! | new socket | `socket(.., SOCK_NONBLOCK \| SOCK_CLOEXEC)` | `socket` + `fcntl` + `SO_NOSIGPIPE` |
//! | accept | `accept4(.., SOCK_NONBLOCK \| SOCK_CLOEXEC)` | `accept` + `fcntl` + `SO_NOSIGPIPE` |
//! | no `SIGPIPE` | `send`/`sendmsg` with `MSG_NOSIGNAL` | `SO_NOSIGPIPE` on the socket |
//! | linger in | `SO_LINGER` (seconds) | `SO_LINGER_SEC` (`SO_LINGER` counts ticks) |
//! | `sockaddr_in` | | has a `sin_len` byte (also on the BSDs) |

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use crate::fd::owned;
use crate::trace::Ret;

#[cfg(any(target_os = "macos", target_os = "ios"))]
mod os {
    use super::*;

    pub(crate) const SEND_FLAGS: libc::c_int = 0;
    pub(crate) const LINGER: libc::c_int = libc::SO_LINGER_SEC;

    /// `socket` + `FD_CLOEXEC` + `O_NONBLOCK` + `SO_NOSIGPIPE`: macOS has no
    /// `SOCK_CLOEXEC`, so a `fork` in another thread could leak the fd in
    /// the window between the calls.
    pub(super) fn socket(domain: libc::c_int, ty: libc::c_int) -> io::Result<OwnedFd> {
        // SAFETY: socket takes three integers and returns a new descriptor
        // that belongs to nobody else (socket(2)).
        let res = unsafe { owned(syscall!(socket(domain, ty, 0))) };
        trace!(
            "socket({}, SOCK_STREAM) {} (+ fcntl, SO_NOSIGPIPE)",
            family(domain),
            Ret(&res)
        );
        let fd = res?;
        prepare(&fd)?;
        Ok(fd)
    }

    pub(super) fn accept(
        fd: BorrowedFd<'_>,
        storage: *mut libc::sockaddr,
        len: *mut libc::socklen_t,
    ) -> io::Result<OwnedFd> {
        // SAFETY: `storage` and `len` point to a sockaddr_storage and its
        // size, as the caller (`super::accept`) guarantees; accept returns
        // a new descriptor that belongs to nobody else (accept(2)).
        let res = unsafe { owned(syscall!(accept(fd.as_raw_fd(), storage, len))) };
        trace!("accept(fd={}) {}", fd.as_raw_fd(), Ret(&res));
        let new = res?;
        prepare(&new)?;
        Ok(new)
    }

    fn prepare(fd: &OwnedFd) -> io::Result<()> {
        use std::os::fd::AsFd;
        crate::fd::set_cloexec(fd.as_fd())?;
        crate::fd::set_nonblocking(fd.as_fd(), true)?;
        super::setsockopt(
            fd.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_NOSIGPIPE,
            1 as libc::c_int,
        )
    }
}

#[cfg(not(any(target_os = "macos", target_os = "ios")))]
mod os {
    use super::*;

    pub(crate) const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
    pub(crate) const LINGER: libc::c_int = libc::SO_LINGER;

    pub(super) fn socket(domain: libc::c_int, ty: libc::c_int) -> io::Result<OwnedFd> {
        let ty = ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: socket takes three integers and returns a new descriptor
        // that belongs to nobody else (socket(2)).
        let res = unsafe { owned(syscall!(socket(domain, ty, 0))) };
        trace!(
            "socket({}, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC) {}",
            family(domain),
            Ret(&res)
        );
        res
    }

    pub(super) fn accept(
        fd: BorrowedFd<'_>,
        storage: *mut libc::sockaddr,
        len: *mut libc::socklen_t,
    ) -> io::Result<OwnedFd> {
        let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: `storage` and `len` point to a sockaddr_storage and its
        // size, as the caller (`super::accept`) guarantees; accept4 returns
        // a new descriptor that belongs to nobody else (accept4(2)).
        let res = unsafe { owned(syscall!(accept4(fd.as_raw_fd(), storage, len, flags))) };
        trace!(
            "accept4(fd={}, SOCK_NONBLOCK|SOCK_CLOEXEC) {}",
            fd.as_raw_fd(),
            Ret(&res)
        );
        res
    }
}

pub(crate) use os::{LINGER, SEND_FLAGS};

/// The option behind `TcpStream::set_cork`: Linux's `TCP_CORK`, or
/// `TCP_NOPUSH` where the BSDs and macOS have it (`tcp(4)`); NetBSD has
/// neither.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) const CORK: Option<libc::c_int> = Some(libc::TCP_CORK);
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "openbsd"
))]
pub(crate) const CORK: Option<libc::c_int> = Some(libc::TCP_NOPUSH);
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "openbsd"
)))]
pub(crate) const CORK: Option<libc::c_int> = None;

/// `AF_INET`/`AF_INET6` by name, for the trace.
fn family(domain: libc::c_int) -> &'static str {
    match domain {
        libc::AF_INET => "AF_INET",
        libc::AF_INET6 => "AF_INET6",
        _ => "AF_?",
    }
}

/// A new non-blocking, close-on-exec TCP socket for `addr`'s family.
pub(crate) fn tcp_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let domain = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    os::socket(domain, libc::SOCK_STREAM)
}

/// Accepts one connection: a non-blocking, close-on-exec socket and the
/// peer's address. `EINTR` is retried (nothing was accepted).
pub(crate) fn accept(fd: BorrowedFd<'_>) -> io::Result<(OwnedFd, SocketAddr)> {
    let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let new = crate::syscall::retry_eintr(|| {
        len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        os::accept(fd, storage.as_mut_ptr().cast(), &mut len)
    })?;
    // SAFETY: zero-initialized, then partly filled by the kernel; every bit
    // pattern is a valid sockaddr_storage.
    let storage = unsafe { storage.assume_init() };
    let peer = to_socket_addr(&storage, len)?;
    trace!("  -> fd={} peer={peer}", new.as_raw_fd());
    Ok((new, peer))
}

/// A `SocketAddr` in the C layout, with its length.
pub(crate) fn from_socket_addr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage (integers and arrays).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: sockaddr_storage is larger than and aligned for every
            // sockaddr type, sockaddr_in included.
            let sin = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(a.ip().octets()),
            };
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            {
                sin.sin_len = size_of::<libc::sockaddr_in>() as u8;
            }
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: a.ip().octets(),
            };
            sin6.sin6_scope_id = a.scope_id();
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            {
                sin6.sin6_len = size_of::<libc::sockaddr_in6>() as u8;
            }
            size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// Reads a `SocketAddr` back from the C layout the kernel filled.
pub(crate) fn to_socket_addr(
    storage: &libc::sockaddr_storage,
    len: libc::socklen_t,
) -> io::Result<SocketAddr> {
    let len = len as usize;
    match storage.ss_family as libc::c_int {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says the storage holds a sockaddr_in, and
            // the length says it is complete.
            let sin =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 = unsafe {
                &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Ok(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        family => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected address family {family} (length {len})"),
        )),
    }
}

/// `getsockname` or `getpeername`.
fn name(
    fd: BorrowedFd<'_>,
    call: unsafe extern "C" fn(
        libc::c_int,
        *mut libc::sockaddr,
        *mut libc::socklen_t,
    ) -> libc::c_int,
) -> io::Result<SocketAddr> {
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `call` is getsockname or getpeername; the pointers designate
    // a sockaddr_storage and its size, which the kernel updates
    // (getsockname(2), getpeername(2)).
    let res = unsafe {
        call(
            fd.as_raw_fd(),
            (&mut storage as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    crate::syscall::check(res)?;
    to_socket_addr(&storage, len)
}

pub(crate) fn local_addr(fd: BorrowedFd<'_>) -> io::Result<SocketAddr> {
    name(fd, libc::getsockname)
}

pub(crate) fn peer_addr(fd: BorrowedFd<'_>) -> io::Result<SocketAddr> {
    name(fd, libc::getpeername)
}

/// `setsockopt` with a value of type `T`.
pub(crate) fn setsockopt<T: Copy>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: T,
) -> io::Result<()> {
    // SAFETY: we pass a pointer to `value` and its exact size; the option
    // names used in this crate all take a value of the type given
    // (setsockopt(2), socket(7), tcp(7)).
    unsafe {
        syscall!(setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        ))
    }?;
    Ok(())
}

/// `getsockopt` for an option whose value is a plain `T`.
pub(crate) fn getsockopt<T: Copy>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: we pass a buffer of `size_of::<T>()` bytes and its size
    // (getsockopt(2)).
    unsafe {
        syscall!(getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            value.as_mut_ptr().cast(),
            &mut len
        ))
    }?;
    // SAFETY: zero-initialized, then written by the kernel; the options read
    // in this crate are integers and structs of integers, valid for any bits.
    Ok(unsafe { value.assume_init() })
}

/// `SO_ERROR`: the pending error, cleared by reading it.
pub(crate) fn take_error(fd: BorrowedFd<'_>) -> io::Result<Option<io::Error>> {
    let errno: libc::c_int = getsockopt(fd, libc::SOL_SOCKET, libc::SO_ERROR)?;
    Ok(if errno == 0 {
        None
    } else {
        Some(io::Error::from_raw_os_error(errno))
    })
}

/// A `timeval` for `SO_RCVTIMEO`/`SO_SNDTIMEO`: `None` is "no timeout";
/// a zero duration is rejected (the kernel would read it as "none"), and
/// a duration under a microsecond rounds up to one.
pub(crate) fn timeval(timeout: Option<Duration>) -> io::Result<libc::timeval> {
    match timeout {
        None => Ok(libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        }),
        Some(d) if d.is_zero() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a zero timeout would mean no timeout; pass None for that",
        )),
        Some(d) => {
            let secs = d.as_secs().min(libc::time_t::MAX as u64) as libc::time_t;
            let mut usec = d.subsec_micros() as libc::suseconds_t;
            if secs == 0 && usec == 0 {
                usec = 1;
            }
            Ok(libc::timeval {
                tv_sec: secs,
                tv_usec: usec,
            })
        }
    }
}

/// Reads back `SO_RCVTIMEO`/`SO_SNDTIMEO`.
pub(crate) fn timeout_opt(fd: BorrowedFd<'_>, name: libc::c_int) -> io::Result<Option<Duration>> {
    let tv: libc::timeval = getsockopt(fd, libc::SOL_SOCKET, name)?;
    if tv.tv_sec == 0 && tv.tv_usec == 0 {
        Ok(None)
    } else {
        Ok(Some(Duration::new(
            tv.tv_sec as u64,
            tv.tv_usec as u32 * 1000,
        )))
    }
}
