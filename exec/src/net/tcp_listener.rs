//! [`TcpListener`]: accept connections asynchronously.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll};

use super::TcpStream;
use crate::reactor::registration::PollEvented;
use crate::reactor::scheduled_io::Direction;

/// A listening TCP socket.
///
/// ```
/// let rt = exec::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = exec::net::TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = exec::spawn(async move { exec::net::TcpStream::connect(addr).await });
///     let (_server_side, peer) = listener.accept().await.unwrap();
///     let client = client.await.unwrap().unwrap();
///     assert_eq!(client.local_addr().unwrap(), peer);
/// });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: PollEvented<sys::net::TcpListener>,
}

impl TcpListener {
    /// Binds and listens (`SO_REUSEADDR`, non-blocking, close-on-exec).
    /// `addr` may be anything that resolves; the first address that binds
    /// wins. Use port 0 for an ephemeral port.
    ///
    /// # Errors
    /// Resolution or bind errors, or no runtime on this thread.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match sys::net::TcpListener::bind(addr) {
                Ok(listener) => return TcpListener::from_sys(listener),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
        }))
    }

    /// Registers an existing non-blocking `sys` listener.
    pub fn from_sys(listener: sys::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: PollEvented::new(listener)?,
        })
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for the next connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_io(Direction::Read, cx, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                Poll::Ready(TcpStream::from_sys(stream).map(|s| (s, addr)))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}
