//! [`TcpStream`]: a connected TCP socket.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::socket;
use crate::fd::{dup_cloexec, poll_one, set_nonblocking};
use crate::syscall::retry_eintr;
use crate::trace::{Ret, RetNamed};

/// The most buffers one `sendmsg`/`readv` takes (`IOV_MAX` is 1024 on
/// Linux, macOS and the BSDs); extra buffers wait for the next call, as a
/// short write.
const MAX_IOV: usize = 1024;

/// A TCP connection; non-blocking unless made blocking.
///
/// `read`, `write` and `write_vectored` come from [`std::io::Read`] and
/// [`std::io::Write`], implemented for `TcpStream` and for `&TcpStream` (so
/// one thread can read while another writes through a shared reference).
/// In non-blocking mode they return `ErrorKind::WouldBlock` when the
/// socket is not ready; register the stream and wait for an event.
///
/// ```
/// use std::io::{Read, Write};
/// use sys::net::{TcpListener, TcpStream};
///
/// # fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let mut client = TcpStream::connect_blocking(listener.local_addr()?)?;
/// listener.set_nonblocking(false)?;
/// let (mut server, _) = listener.accept()?;
/// server.set_nonblocking(false)?;
///
/// client.write_all(b"ping")?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf)?;
/// assert_eq!(&buf, b"ping");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TcpStream {
    fd: OwnedFd,
}

impl TcpStream {
    pub(crate) fn from_owned(fd: OwnedFd) -> TcpStream {
        TcpStream { fd }
    }

    /// Starts connecting to `addr` **without waiting**, and returns a
    /// non-blocking stream.
    ///
    /// `EINPROGRESS` (the handshake has started) counts as success. The
    /// connection is complete when the stream is reported **writable**; then
    /// [`take_error`](TcpStream::take_error) says whether it succeeded
    /// (`None`) or failed (`Some(ConnectionRefused)`, ...), or equivalently
    /// [`peer_addr`](TcpStream::peer_addr) succeeds once connected.
    ///
    /// ```text
    /// connect() ──EINPROGRESS──> register(WRITABLE) ──event──> take_error()
    ///                                                          None: connected
    ///                                                          Some(e): failed
    /// ```
    pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let fd = socket::tcp_socket(&addr)?;
        let (storage, len) = socket::from_socket_addr(&addr);
        // SAFETY: `storage` holds a sockaddr of `len` bytes for `fd`'s family
        // (connect(2)).
        let res = unsafe {
            syscall!(connect(
                fd.as_raw_fd(),
                (&storage as *const libc::sockaddr_storage).cast(),
                len
            ))
        };
        trace!("connect(fd={}, {addr}) {}", fd.as_raw_fd(), Ret(&res));
        match res {
            Ok(_) => {}
            // The handshake goes on in the background. EINTR too: a
            // connect interrupted by a signal continues asynchronously and
            // must not be restarted (connect(2)).
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        Ok(TcpStream { fd })
    }

    /// Connects to `addr`, waiting as long as the handshake takes, and
    /// returns a **blocking** stream.
    pub fn connect_blocking(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_with(addr, None)
    }

    /// Like [`connect_blocking`](TcpStream::connect_blocking), but gives up
    /// with `ErrorKind::TimedOut` after `timeout`.
    pub fn connect_timeout(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        TcpStream::connect_with(addr, Some(timeout))
    }

    /// Non-blocking connect, `poll(2)` for writability, `SO_ERROR`, then
    /// blocking mode.
    fn connect_with(addr: SocketAddr, timeout: Option<Duration>) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(addr)?;
        let revents = poll_one(stream.fd.as_fd(), libc::POLLOUT, timeout)?;
        if revents == 0 {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connecting to {addr} timed out"),
            ));
        }
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        // POLLHUP without an error: the peer is gone already.
        if revents & libc::POLLHUP != 0 && revents & libc::POLLOUT == 0 {
            return Err(io::Error::from(io::ErrorKind::ConnectionRefused));
        }
        stream.set_nonblocking(false)?;
        Ok(stream)
    }

    /// Writes `bufs` (one `sendmsg(2)`) **without waiting, even in
    /// blocking mode**: `MSG_DONTWAIT` makes this one call non-blocking, so
    /// it writes what the send buffer takes now and returns
    /// `ErrorKind::WouldBlock` if that is nothing.
    ///
    /// For a thread that wants to write to a socket that some other thread
    /// blocks on: it writes if there is room, and otherwise leaves the
    /// waiting to the blocking writer. Like [`Write::write_vectored`], it
    /// never raises `SIGPIPE`.
    ///
    /// ```
    /// use std::io::{ErrorKind, IoSlice};
    /// use sys::net::{TcpListener, TcpStream};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let stream = TcpStream::connect_blocking(listener.local_addr()?)?;
    /// let _peer = listener.accept()?; // connected, but never reads
    /// let chunk = [7u8; 64 * 1024];
    /// let mut sent = 0;
    /// let full = loop {
    ///     match stream.try_write_vectored(&[IoSlice::new(&chunk)]) {
    ///         Ok(n) => sent += n,
    ///         Err(e) => break e,
    ///     }
    /// };
    /// // A blocking write would have waited here for the peer to read.
    /// assert_eq!(full.kind(), ErrorKind::WouldBlock);
    /// assert!(sent > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.sendmsg(bufs, socket::SEND_FLAGS | libc::MSG_DONTWAIT)
    }

    /// Closes the reading side, the writing side (the peer then reads end of
    /// stream), or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        };
        // SAFETY: shutdown takes an fd and a constant (shutdown(2)).
        unsafe { syscall!(shutdown(self.fd.as_raw_fd(), how)) }?;
        Ok(())
    }

    /// Sets `TCP_NODELAY`: `true` sends small writes at once instead of
    /// waiting to merge them (Nagle's algorithm), which a chat wants.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        let value = nodelay as libc::c_int;
        socket::setsockopt(self.fd.as_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, value)
    }

    /// Corks the socket (`true`): writes are held back and sent as full
    /// segments until it is uncorked (`false`), which sends what is held
    /// at once. Linux's `TCP_CORK`; `TCP_NOPUSH` on macOS, FreeBSD and
    /// OpenBSD (where uncorking sends the rest with the next write, or
    /// when the connection closes; see `tcp(4)`); `Unsupported` elsewhere.
    ///
    /// ```
    /// use sys::net::{TcpListener, TcpStream};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let stream = TcpStream::connect_blocking(listener.local_addr()?)?;
    /// stream.set_cork(true)?;
    /// stream.set_cork(false)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_cork(&self, cork: bool) -> io::Result<()> {
        let Some(option) = socket::CORK else {
            return Err(io::ErrorKind::Unsupported.into());
        };
        socket::setsockopt(
            self.fd.as_fd(),
            libc::IPPROTO_TCP,
            option,
            cork as libc::c_int,
        )
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        let value: libc::c_int =
            socket::getsockopt(self.fd.as_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY)?;
        Ok(value != 0)
    }

    /// The remote address. Fails with `NotConnected` while a non-blocking
    /// connect is still in progress (or after it failed).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        socket::peer_addr(self.fd.as_fd())
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        socket::local_addr(self.fd.as_fd())
    }

    /// Switches between non-blocking (`true`) and blocking (`false`) I/O.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        set_nonblocking(self.fd.as_fd(), nonblocking)
    }

    /// `SO_RCVTIMEO`: in blocking mode, a read that waits longer than this
    /// fails with `WouldBlock` (`EAGAIN`; std names it so, some callers test
    /// `TimedOut` too). `None` waits forever; `Some(Duration::ZERO)` is an
    /// error.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let tv = socket::timeval(timeout)?;
        socket::setsockopt(self.fd.as_fd(), libc::SOL_SOCKET, libc::SO_RCVTIMEO, tv)
    }

    /// `SO_SNDTIMEO`: the same for writes.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let tv = socket::timeval(timeout)?;
        socket::setsockopt(self.fd.as_fd(), libc::SOL_SOCKET, libc::SO_SNDTIMEO, tv)
    }

    /// Reads back the read timeout.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        socket::timeout_opt(self.fd.as_fd(), libc::SO_RCVTIMEO)
    }

    /// Reads back the write timeout.
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        socket::timeout_opt(self.fd.as_fd(), libc::SO_SNDTIMEO)
    }

    /// `SO_LINGER`. `Some(Duration::ZERO)` makes `close` discard unsent data
    /// and send a reset (RST) instead of the orderly FIN: the peer's next
    /// read fails with `ConnectionReset`. `None` restores the default
    /// (close returns at once, the kernel sends the rest in the background).
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let value = libc::linger {
            l_onoff: linger.is_some() as libc::c_int,
            l_linger: linger.map_or(0, |d| {
                d.as_secs().min(libc::c_int::MAX as u64) as libc::c_int
            }),
        };
        socket::setsockopt(self.fd.as_fd(), libc::SOL_SOCKET, socket::LINGER, value)
    }

    /// A second handle to the same connection (`dup`, close-on-exec). Both
    /// share the blocking mode and the kernel buffers: a thread server reads
    /// on one and writes on the other.
    pub fn try_clone(&self) -> io::Result<TcpStream> {
        Ok(TcpStream {
            fd: dup_cloexec(self.fd.as_fd())?,
        })
    }

    /// Reads and clears the socket's pending error (`SO_ERROR`); after a
    /// non-blocking connect this is its outcome.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        socket::take_error(self.fd.as_fd())
    }

    fn read_fd(&self, buf: &mut [u8]) -> io::Result<usize> {
        retry_eintr(|| {
            // SAFETY: `buf` is writable for `buf.len()` bytes, the count we
            // pass (read(2)).
            let res = unsafe {
                syscall!(read(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len()
                ))
            };
            trace_data!(
                "read(fd={}, buf={}) {}",
                self.fd.as_raw_fd(),
                buf.len(),
                RetNamed(&res)
            );
            res
        })
        .map(|n| n as usize)
    }

    fn read_vectored_fd(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        let count = bufs.len().min(MAX_IOV) as libc::c_int;
        retry_eintr(|| {
            // SAFETY: IoSliceMut is ABI-compatible with `iovec` on Unix (std
            // documents it), and `count` of them are valid and writable
            // (readv(2)).
            let res = unsafe { syscall!(readv(self.fd.as_raw_fd(), bufs.as_ptr().cast(), count)) };
            trace_data!(
                "readv(fd={}, iov={count}, buf={}) {}",
                self.fd.as_raw_fd(),
                bufs.iter().take(MAX_IOV).map(|b| b.len()).sum::<usize>(),
                RetNamed(&res)
            );
            res
        })
        .map(|n| n as usize)
    }

    /// `send` with `MSG_NOSIGNAL`: `EPIPE` instead of `SIGPIPE`.
    fn write_fd(&self, buf: &[u8]) -> io::Result<usize> {
        retry_eintr(|| {
            // SAFETY: `buf` is readable for `buf.len()` bytes, the count we
            // pass (send(2)).
            let res = unsafe {
                syscall!(send(
                    self.fd.as_raw_fd(),
                    buf.as_ptr().cast(),
                    buf.len(),
                    socket::SEND_FLAGS
                ))
            };
            trace_data!(
                "send(fd={}, {} bytes) {}",
                self.fd.as_raw_fd(),
                buf.len(),
                RetNamed(&res)
            );
            res
        })
        .map(|n| n as usize)
    }

    /// `sendmsg` with `MSG_NOSIGNAL`: `writev` with a flags argument.
    fn write_vectored_fd(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.sendmsg(bufs, socket::SEND_FLAGS)
    }

    /// One `sendmsg(2)` of `bufs` with `flags`.
    fn sendmsg(&self, bufs: &[IoSlice<'_>], flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: all-zero is a valid msghdr (no name, no control data).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
        msg.msg_iovlen = bufs.len().min(MAX_IOV) as _;
        retry_eintr(|| {
            // SAFETY: `msg` points to `msg_iovlen` iovecs (IoSlice is
            // ABI-compatible with iovec) that the kernel only reads
            // (sendmsg(2)).
            let res = unsafe { syscall!(sendmsg(self.fd.as_raw_fd(), &msg, flags)) };
            trace_data!(
                "sendmsg(fd={}, iov={}, {} bytes) {}",
                self.fd.as_raw_fd(),
                msg.msg_iovlen,
                bufs.iter().take(MAX_IOV).map(|b| b.len()).sum::<usize>(),
                RetNamed(&res)
            );
            res
        })
        .map(|n| n as usize)
    }
}

impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_fd(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.read_vectored_fd(bufs)
    }
}

impl Read for &TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_fd(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.read_vectored_fd(bufs)
    }
}

impl Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_fd(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.write_vectored_fd(bufs)
    }

    /// Nothing to do: writes go straight to the kernel.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for &TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_fd(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.write_vectored_fd(bufs)
    }

    /// Nothing to do: writes go straight to the kernel.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fd_source!(TcpStream, |this| this.fd.as_raw_fd());

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl IntoRawFd for TcpStream {
    fn into_raw_fd(self) -> RawFd {
        let fd = self.fd.as_raw_fd();
        // Not dropped: the caller owns the descriptor now, and forgetting
        // the `OwnedFd` inside leaves it open (it holds nothing else).
        std::mem::forget(self);
        fd
    }
}

impl Drop for TcpStream {
    /// Closes the socket (the `OwnedFd` field does, right after this).
    /// `SYS_TRACE=2` shows it; `close`'s result is not shown, since
    /// `OwnedFd` ignores it (close(2): the descriptor is released even
    /// when `close` reports an error).
    fn drop(&mut self) {
        trace_data!("close(fd={})", self.fd.as_raw_fd());
    }
}

impl FromRawFd for TcpStream {
    /// Takes ownership of a connected socket's descriptor. Its blocking mode
    /// is left as it is.
    ///
    /// # Safety
    ///
    /// `fd` must be an open socket descriptor owned by nobody else.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpStream {
        // SAFETY: the caller passes an open descriptor it gives up.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        TcpStream { fd }
    }
}

impl From<OwnedFd> for TcpStream {
    fn from(fd: OwnedFd) -> TcpStream {
        TcpStream { fd }
    }
}
