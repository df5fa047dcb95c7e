//! [`TcpListener`]: a listening TCP socket.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use super::{socket, TcpStream};
use crate::fd::{dup_cloexec, set_nonblocking};
use crate::trace::Ret;

/// The backlog passed to `listen(2)`: how many finished handshakes the
/// kernel queues before `accept` takes them (capped by `somaxconn`).
const BACKLOG: libc::c_int = 1024;

/// A TCP socket listening for connections; non-blocking unless told
/// otherwise.
///
/// Registered with [`Interest::READABLE`](crate::Interest::READABLE), it is
/// reported when connections are waiting: call
/// [`accept`](TcpListener::accept) until it returns `WouldBlock`
/// (edge-triggered) or at least once (level-triggered).
///
/// ```
/// use sys::net::{TcpListener, TcpStream};
///
/// # fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let addr = listener.local_addr()?;
/// assert_ne!(addr.port(), 0);
///
/// // Nobody has connected yet: a non-blocking accept says so.
/// let err = listener.accept().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
///
/// let _client = TcpStream::connect_blocking(addr)?;
/// listener.set_nonblocking(false)?; // now accept waits
/// let (stream, peer) = listener.accept()?;
/// assert_eq!(stream.peer_addr()?, peer);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TcpListener {
    fd: OwnedFd,
}

impl TcpListener {
    /// Creates a non-blocking, close-on-exec socket with `SO_REUSEADDR`
    /// (so a restarted server can bind while old connections linger in
    /// `TIME_WAIT`), binds it to `addr` and listens with a backlog of 1024.
    /// Port 0 picks a free port; see [`local_addr`](TcpListener::local_addr).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        let fd = socket::tcp_socket(&addr)?;
        socket::setsockopt(
            fd.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            1 as libc::c_int,
        )?;
        let (storage, len) = socket::from_socket_addr(&addr);
        // SAFETY: `storage` holds a sockaddr of `len` bytes for `fd`'s family
        // (bind(2)).
        let res = unsafe {
            syscall!(bind(
                fd.as_raw_fd(),
                (&storage as *const libc::sockaddr_storage).cast(),
                len
            ))
        };
        trace!("bind(fd={}, {addr}) {}", fd.as_raw_fd(), Ret(&res));
        res?;
        // SAFETY: listen takes an fd and an integer (listen(2)).
        let res = unsafe { syscall!(listen(fd.as_raw_fd(), BACKLOG)) };
        trace!("listen(fd={}, {BACKLOG}) {}", fd.as_raw_fd(), Ret(&res));
        res?;
        Ok(TcpListener { fd })
    }

    /// Accepts one connection. The new stream is **non-blocking** and
    /// close-on-exec whatever the listener's mode (`accept4` with
    /// `SOCK_NONBLOCK | SOCK_CLOEXEC`; `accept` + `fcntl` on macOS); call
    /// [`TcpStream::set_nonblocking(false)`](TcpStream::set_nonblocking)
    /// for blocking I/O.
    ///
    /// A non-blocking listener with nothing pending returns `WouldBlock`.
    /// `EMFILE`/`ENFILE` (out of descriptors) leave the connection queued
    /// in the kernel, so with level-triggering it is reported again at once:
    /// a server should back off rather than spin.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (fd, peer) = socket::accept(self.fd.as_fd())?;
        Ok((TcpStream::from_owned(fd), peer))
    }

    /// The address the socket is bound to (with the real port after binding
    /// port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        socket::local_addr(self.fd.as_fd())
    }

    /// Switches between non-blocking (the default) and blocking `accept`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        set_nonblocking(self.fd.as_fd(), nonblocking)
    }

    /// A second handle to the same socket (`dup`, close-on-exec). The
    /// blocking mode is shared.
    pub fn try_clone(&self) -> io::Result<TcpListener> {
        Ok(TcpListener {
            fd: dup_cloexec(self.fd.as_fd())?,
        })
    }

    /// Reads and clears the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        socket::take_error(self.fd.as_fd())
    }
}

fd_source!(TcpListener, |this| this.fd.as_raw_fd());

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl IntoRawFd for TcpListener {
    fn into_raw_fd(self) -> RawFd {
        let fd = self.fd.as_raw_fd();
        // Not dropped: the caller owns the descriptor now, and forgetting
        // the `OwnedFd` inside leaves it open (it holds nothing else).
        std::mem::forget(self);
        fd
    }
}

impl Drop for TcpListener {
    /// Closes the socket (the `OwnedFd` field does, right after this);
    /// `SYS_TRACE=2` shows it.
    fn drop(&mut self) {
        trace_data!("close(fd={})", self.fd.as_raw_fd());
    }
}

impl FromRawFd for TcpListener {
    /// Takes ownership of a listening socket's descriptor. Its blocking mode
    /// is left as it is.
    ///
    /// # Safety
    ///
    /// `fd` must be an open socket descriptor owned by nobody else.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpListener {
        // SAFETY: the caller passes an open descriptor it gives up.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        TcpListener { fd }
    }
}

impl From<OwnedFd> for TcpListener {
    fn from(fd: OwnedFd) -> TcpListener {
        TcpListener { fd }
    }
}
