//! Non-blocking TCP sockets, registrable with a [`Registry`](crate::Registry).
//!
//! * [`TcpListener`]: `socket`, `SO_REUSEADDR`, `bind`, `listen(1024)`;
//!   [`accept`](TcpListener::accept) returns streams that are already
//!   non-blocking and close-on-exec (`accept4` where the OS has it).
//! * [`TcpStream`]: non-blocking [`connect`](TcpStream::connect) whose
//!   completion is "writable, then [`take_error`](TcpStream::take_error)",
//!   or [`connect_blocking`](TcpStream::connect_blocking) /
//!   [`connect_timeout`](TcpStream::connect_timeout) for blocking use;
//!   `read`, `write`, vectored writes (`sendmsg`), `shutdown`, `TCP_NODELAY`,
//!   timeouts and linger.
//!
//! Every socket is created non-blocking and close-on-exec, atomically where
//! the OS allows (`SOCK_NONBLOCK | SOCK_CLOEXEC`; macOS needs `fcntl`). Both
//! types switch to blocking mode with `set_nonblocking(false)`, which is
//! what a thread-per-connection server does.
//!
//! Writes never raise `SIGPIPE`: they use `MSG_NOSIGNAL` (macOS: the
//! socket option `SO_NOSIGPIPE`), so writing to a closed connection returns
//! `EPIPE` (`ErrorKind::BrokenPipe`) instead of killing the process.
//!
//! IPv4 and IPv6 addresses are [`std::net::SocketAddr`].
//!
//! When `accept` fails because the process or the system has run out of
//! something, the pending connection stays in the listen backlog and an
//! immediate retry fails the same way: [`is_fd_exhaustion`] and
//! [`is_resource_exhaustion`] recognise those errors so that an accept
//! loop can pause instead of spinning.

mod socket;
mod tcp_listener;
mod tcp_stream;

pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;

use std::io;

/// Whether `err` says the descriptor table is full: `EMFILE` (this process
/// has reached its `RLIMIT_NOFILE`) or `ENFILE` (the system-wide limit),
/// from any call that creates a descriptor (`accept(2)`, `socket(2)`,
/// `open(2)`).
///
/// Nothing is lost when `accept` fails this way: the connection waits in
/// the backlog until a descriptor is closed. Raising the soft limit
/// ([`crate::rlimit::raise_nofile_limit`]) makes it rarer.
///
/// ```
/// use std::io;
/// assert!(sys::net::is_fd_exhaustion(&io::Error::from_raw_os_error(libc::EMFILE)));
/// assert!(sys::net::is_fd_exhaustion(&io::Error::from_raw_os_error(libc::ENFILE)));
/// assert!(!sys::net::is_fd_exhaustion(&io::Error::from_raw_os_error(libc::ECONNABORTED)));
/// assert!(!sys::net::is_fd_exhaustion(&io::Error::other("not an OS error")));
/// ```
pub fn is_fd_exhaustion(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Whether `err` is an `accept(2)` failure that an immediate retry would
/// repeat: [`is_fd_exhaustion`], or `ENOBUFS` / `ENOMEM` (no memory for
/// the socket, often the socket buffer limits rather than RAM, as
/// accept(2) notes).
///
/// An accept loop that meets one of these should stop accepting for a
/// moment (the connection stays in the backlog) rather than loop on the
/// same error. The other accept errors (`ECONNABORTED`, `EPROTO`, ...)
/// concern one connection only: retry at once.
///
/// ```
/// use std::io;
/// assert!(sys::net::is_resource_exhaustion(&io::Error::from_raw_os_error(libc::EMFILE)));
/// assert!(sys::net::is_resource_exhaustion(&io::Error::from_raw_os_error(libc::ENOBUFS)));
/// assert!(sys::net::is_resource_exhaustion(&io::Error::from_raw_os_error(libc::ENOMEM)));
/// assert!(!sys::net::is_resource_exhaustion(&io::Error::from_raw_os_error(libc::ECONNABORTED)));
/// ```
pub fn is_resource_exhaustion(err: &io::Error) -> bool {
    is_fd_exhaustion(err) || matches!(err.raw_os_error(), Some(libc::ENOBUFS | libc::ENOMEM))
}
