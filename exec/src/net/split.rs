//! Owned halves of a [`TcpStream`], for a reader task and a writer task.

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::tcp_stream::{self, TcpStream};
use crate::reactor::registration::PollEvented;

type Io = Arc<PollEvented<sys::net::TcpStream>>;

/// The reading half of a [`TcpStream`] (see [`TcpStream::into_split`]).
///
/// Waits in the socket's reader slot, so it never disturbs the writer.
#[derive(Debug)]
pub struct OwnedReadHalf {
    io: Io,
}

/// The writing half of a [`TcpStream`]. Dropping it shuts down the write
/// direction, so the peer sees end-of-file.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    io: Io,
    shutdown_on_drop: bool,
}

pub(crate) fn split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let io = stream.io;
    (
        OwnedReadHalf { io: io.clone() },
        OwnedWriteHalf {
            io,
            shutdown_on_drop: true,
        },
    )
}

impl OwnedReadHalf {
    /// Reads some bytes; `Ok(0)` at end of stream.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes.
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        tcp_stream::read_exact(&self.io, buf).await
    }

    /// Polls a read.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        tcp_stream::poll_read(&self.io, cx, buf)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Puts the halves back together.
    ///
    /// # Errors
    /// Gives both back if they come from different streams.
    pub fn reunite(
        self,
        mut write: OwnedWriteHalf,
    ) -> Result<TcpStream, (OwnedReadHalf, OwnedWriteHalf)> {
        if Arc::ptr_eq(&self.io, &write.io) {
            write.shutdown_on_drop = false;
            Ok(TcpStream {
                io: self.io.clone(),
            })
        } else {
            Err((self, write))
        }
    }
}

impl OwnedWriteHalf {
    /// Writes some bytes.
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes from several buffers with one `writev(2)`.
    pub async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        poll_fn(|cx| tcp_stream::poll_write_vectored(&self.io, cx, bufs)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        tcp_stream::write_all(&self.io, buf).await
    }

    /// Polls a write.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        tcp_stream::poll_write(&self.io, cx, buf)
    }

    /// Shuts down the write direction now (the peer reads end-of-file).
    pub fn shutdown(&self) -> io::Result<()> {
        self.io.get_ref().shutdown(Shutdown::Write)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already; nothing to report.
            let _ = self.io.get_ref().shutdown(Shutdown::Write);
        }
    }
}
