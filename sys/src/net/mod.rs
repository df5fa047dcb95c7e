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

mod socket;
mod tcp_listener;
mod tcp_stream;

pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;
