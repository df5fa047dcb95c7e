//! Cluster mode's I/O in `event_server`: the Redis connection of the
//! [`Node`], as one more source on the server's `Poll`.
//!
//! The node decides everything ([`crate::cluster::node`]); this shell only
//! moves its bytes. It reads what Redis sends into the node, writes what
//! the node queued (registering for writability only while the socket
//! refuses bytes, as for clients), reports a broken connection with
//! [`Node::redis_lost`], and opens a new one, without blocking, when the
//! node asks ([`LinkWant::Connect`]). The first connection was made,
//! blocking, before the server listened ([`crate::server::core`]).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use sys::net::TcpStream;
use sys::{Event, Interest, Registry, Token};

use crate::cluster::node::{LinkWant, Node};
use crate::hub::Outbox;

/// How long a new connection to Redis may take to open.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The Redis connection's token.
pub const REDIS: Token = Token(usize::MAX - 2);

/// The Redis socket of a cluster node.
#[derive(Debug)]
pub struct Backplane {
    addr: SocketAddr,
    /// `None` while disconnected.
    stream: Option<TcpStream>,
    /// A non-blocking connect is in progress, since then.
    connecting: Option<Instant>,
    /// Registered for writability.
    want_write: bool,
    buf: Vec<u8>,
}

impl Backplane {
    /// The shell of `stream`, the node's first connection, to `addr`.
    pub fn new(addr: SocketAddr, stream: TcpStream) -> Backplane {
        Backplane {
            addr,
            stream: Some(stream),
            connecting: None,
            want_write: false,
            buf: vec![0; 64 * 1024],
        }
    }

    /// Registers the socket with the server's `Poll`.
    pub fn register(&mut self, registry: &Registry) -> io::Result<()> {
        if let Some(stream) = &mut self.stream {
            registry.register(stream, REDIS, Interest::READABLE)?;
        }
        Ok(())
    }

    /// The socket is ready: finish a connect, read what Redis sent.
    pub fn on_event(
        &mut self,
        node: &mut Node,
        event: &Event,
        registry: &Registry,
        out: &mut Outbox,
    ) {
        let now = Instant::now();
        if self.connecting.is_some() {
            if !(event.is_writable() || event.is_error()) {
                return;
            }
            self.connecting = None;
            let connected = self
                .stream
                .as_ref()
                .is_some_and(|s| matches!(s.take_error(), Ok(None)) && s.peer_addr().is_ok());
            if !connected {
                return self.drop_stream(node, registry, now, false, out);
            }
            node.redis_connected(now);
        }
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.read(node, registry, now, out);
        }
        if event.is_writable() {
            self.flush(node, registry, out);
        }
    }

    fn read(&mut self, node: &mut Node, registry: &Registry, now: Instant, out: &mut Outbox) {
        loop {
            let Some(stream) = &self.stream else {
                return;
            };
            let cap = node.redis_read_capacity().min(self.buf.len());
            let got = (&*stream).read(&mut self.buf[..cap]);
            match got {
                Ok(0) => return self.drop_stream(node, registry, now, true, out),
                Ok(n) => {
                    let failed = node.handle_redis_input(&self.buf[..n], now, out).is_err();
                    if failed || node.take_broken() {
                        return self.drop_stream(node, registry, now, true, out);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return self.drop_stream(node, registry, now, true, out),
            }
        }
    }

    /// Writes what the node queued, without blocking.
    pub fn flush(&mut self, node: &mut Node, registry: &Registry, out: &mut Outbox) {
        if node.take_broken() {
            return self.drop_stream(node, registry, Instant::now(), true, out);
        }
        if self.connecting.is_some() {
            return;
        }
        loop {
            let Some(stream) = &mut self.stream else {
                return;
            };
            let pending = node.redis_output();
            if pending.is_empty() {
                if self.want_write {
                    self.want_write = false;
                    let _ = registry.reregister(stream, REDIS, Interest::READABLE);
                }
                return;
            }
            match (&*stream).write(pending) {
                Ok(n) => node.consume_redis_output(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.want_write {
                        self.want_write = true;
                        let interest = Interest::READABLE | Interest::WRITABLE;
                        let _ = registry.reregister(stream, REDIS, interest);
                    }
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.drop_stream(node, registry, Instant::now(), true, out),
            }
        }
    }

    /// Whether everything queued for Redis has been written.
    pub fn is_flushed(&self, node: &Node) -> bool {
        self.stream.is_none() || node.redis_output().is_empty()
    }

    /// Closes the socket; `lost` tells the node (a failed reconnect is
    /// not a loss, the link was already down).
    fn drop_stream(
        &mut self,
        node: &mut Node,
        registry: &Registry,
        now: Instant,
        lost: bool,
        out: &mut Outbox,
    ) {
        if let Some(mut stream) = self.stream.take() {
            let _ = registry.deregister(&mut stream);
        }
        self.connecting = None;
        self.want_write = false;
        if lost {
            node.redis_lost(now, out);
        } else {
            node.redis_connect_failed(now);
        }
    }

    /// When [`handle_timeout`](Backplane::handle_timeout) has work.
    pub fn poll_timeout(&self, node: &Node) -> Option<Instant> {
        match self.connecting {
            // The node's retry is due (that is why this connect started):
            // only its later deadlines (the grace) and the connect's count.
            Some(since) => {
                let connect = since + CONNECT_TIMEOUT;
                let later = node.poll_timeout().filter(|&t| t > Instant::now());
                Some(later.map_or(connect, |t| t.min(connect)))
            }
            None => node.poll_timeout(),
        }
    }

    /// The node's timers, and a reconnect when it is due.
    pub fn handle_timeout(
        &mut self,
        node: &mut Node,
        registry: &Registry,
        now: Instant,
        out: &mut Outbox,
    ) {
        node.handle_timeout(now, out);
        if node.take_broken() {
            self.drop_stream(node, registry, now, true, out);
        }
        if self
            .connecting
            .is_some_and(|since| now >= since + CONNECT_TIMEOUT)
        {
            self.drop_stream(node, registry, now, false, out);
        }
        if self.stream.is_none() && node.link_want(now) == LinkWant::Connect {
            match TcpStream::connect(self.addr) {
                Ok(mut stream) => {
                    let _ = stream.set_nodelay(true);
                    let interest = Interest::READABLE | Interest::WRITABLE;
                    if registry.register(&mut stream, REDIS, interest).is_ok() {
                        self.stream = Some(stream);
                        self.connecting = Some(now);
                        self.want_write = true;
                    } else {
                        node.redis_connect_failed(now);
                    }
                }
                Err(_) => node.redis_connect_failed(now),
            }
        }
    }
}
