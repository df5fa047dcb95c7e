//! [`TcpStream`]: an async TCP connection.

use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::split::{self, OwnedReadHalf, OwnedWriteHalf};
use crate::reactor::registration::PollEvented;
use crate::reactor::scheduled_io::Direction;

/// A TCP connection registered with the runtime's reactor.
///
/// Use [`into_split`](TcpStream::into_split) to read in one task and write
/// in another.
///
/// ```
/// let rt = exec::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = exec::net::TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     exec::spawn(async move {
///         let (mut conn, _) = listener.accept().await.unwrap();
///         conn.write_all(b"hello").await.unwrap();
///     });
///     let mut stream = exec::net::TcpStream::connect(addr).await.unwrap();
///     let mut buf = [0; 5];
///     stream.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
/// });
/// ```
#[derive(Debug)]
pub struct TcpStream {
    pub(crate) io: Arc<PollEvented<sys::net::TcpStream>>,
}

impl TcpStream {
    /// Connects to `addr` (each resolved address in turn) without blocking
    /// the worker: the socket is created non-blocking, and the connection is
    /// complete when it becomes writable (then `SO_ERROR` tells the result).
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_addr(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
        }))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_sys(sys::net::TcpStream::connect(addr)?)?;
        poll_fn(|cx| stream.io.poll_ready(Direction::Write, cx)).await?;
        if let Some(e) = stream.io.get_ref().take_error()? {
            return Err(e);
        }
        // Writable without an error can still mean "not connected" on some
        // systems (a reset before we looked); the peer address settles it.
        stream.io.get_ref().peer_addr()?;
        Ok(stream)
    }

    /// Registers an existing non-blocking `sys` stream.
    pub fn from_sys(stream: sys::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Arc::new(PollEvented::new(stream)?),
        })
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disable Nagle's algorithm).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Shuts down one or both directions (`shutdown(2)`).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Splits into a read half and a write half, usable from two tasks.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::split(self)
    }

    /// Reads some bytes; `Ok(0)` means the peer closed its side.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes (`UnexpectedEof` if the peer closes
    /// first).
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        read_exact(&self.io, buf).await
    }

    /// Writes some bytes; returns how many.
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes from several buffers with one `writev(2)`.
    pub async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        poll_fn(|cx| poll_write_vectored(&self.io, cx, bufs)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        write_all(&self.io, buf).await
    }

    /// Polls a read.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        poll_read(&self.io, cx, buf)
    }

    /// Polls a write.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        poll_write(&self.io, cx, buf)
    }
}

type Io = PollEvented<sys::net::TcpStream>;

// A read or write that moved fewer bytes than asked emptied the socket
// buffer (or filled the send buffer): forget the readiness right away.

pub(crate) fn poll_read(io: &Io, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
    let len = buf.len();
    io.poll_io_drained(
        Direction::Read,
        cx,
        |mut s| s.read(buf),
        |&n| n > 0 && n < len,
    )
}

pub(crate) fn poll_write(io: &Io, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    io.poll_io_drained(
        Direction::Write,
        cx,
        |mut s| s.write(buf),
        |&n| n > 0 && n < buf.len(),
    )
}

pub(crate) fn poll_write_vectored(
    io: &Io,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    let len: usize = bufs.iter().map(|b| b.len()).sum();
    io.poll_io_drained(
        Direction::Write,
        cx,
        |mut s| s.write_vectored(bufs),
        |&n| n > 0 && n < len,
    )
}

pub(crate) async fn read_exact(io: &Io, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| poll_read(io, cx, buf)).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the buffer was filled",
            ));
        }
        buf = &mut buf[n..];
    }
    Ok(())
}

pub(crate) async fn write_all(io: &Io, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| poll_write(io, cx, buf)).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "connection accepted no more bytes",
            ));
        }
        buf = &buf[n..];
    }
    Ok(())
}
