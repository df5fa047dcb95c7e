//! Cluster mode's I/O: the Redis connection of a [`Node`], as one more
//! source on the server's `Poll`.
//!
//! The node decides everything ([`crate::cluster::node`]); this shell only
//! moves its bytes. It reads what Redis sends into the node, writes what
//! the node queued (registering for writability only while the socket
//! refuses bytes, as for clients), reports a broken connection with
//! [`Node::redis_lost`], and opens a new one, without blocking, when the
//! node asks ([`LinkWant::Connect`]).
//!
//! Only the first connection blocks: before the server listens it
//! connects, says `HELLO 3`, loads the script and joins the cluster, so
//! that a Redis that cannot be reached is a one-line error and exit
//! status 1 instead of a server that refuses everyone.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sys::net::TcpStream;
use sys::{Event, Interest, Registry, Token};

use crate::cluster::node::{LinkWant, Node, NodeConfig};
use crate::hub::{self, ConnId, Engine, Frame, Hub, Outbox, SessionState};
use crate::protocol::{ClientMsg, ErrorCode};
use crate::server::config::ClusterConfig;

/// The Redis connection's token.
pub const REDIS: Token = Token(usize::MAX - 2);

/// How long the first connection and its handshake may take.
const STARTUP: Duration = Duration::from_secs(5);

/// A cluster node and its Redis socket.
#[derive(Debug)]
pub struct Backplane {
    addr: SocketAddr,
    /// `None` while disconnected.
    stream: Option<TcpStream>,
    /// A non-blocking connect is in progress.
    connecting: bool,
    /// Registered for writability.
    want_write: bool,
    node: Node,
    buf: Vec<u8>,
}

impl Backplane {
    /// Connects to Redis and joins the cluster, blocking for at most a
    /// few seconds; the error names Redis's address.
    pub fn join(cluster: &ClusterConfig, hub: hub::Config) -> io::Result<Backplane> {
        let addr = cluster.redis;
        let named = |e: io::Error| io::Error::new(e.kind(), format!("redis {addr}: {e}"));
        let stream = TcpStream::connect_timeout(addr, STARTUP).map_err(named)?;
        let _ = stream.set_nodelay(true);
        let id = cluster
            .node_id
            .clone()
            .unwrap_or_else(NodeConfig::default_id);
        let config = NodeConfig {
            grace: cluster.grace,
            ..NodeConfig::new(hub, id)
        };
        let start = Instant::now();
        let mut node = Node::new(config, start);
        let mut buf = vec![0; 64 * 1024];
        let mut out = Outbox::new();
        while !node.is_up() {
            let left = STARTUP
                .checked_sub(start.elapsed())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| named(io::ErrorKind::TimedOut.into()))?;
            stream.set_read_timeout(Some(left)).map_err(named)?;
            stream.set_write_timeout(Some(left)).map_err(named)?;
            (&stream).write_all(node.redis_output()).map_err(named)?;
            let n = node.redis_output().len();
            node.consume_redis_output(n);
            let n = (&stream).read(&mut buf).map_err(named)?;
            if n == 0 {
                return Err(named(io::ErrorKind::UnexpectedEof.into()));
            }
            node.handle_redis_input(&buf[..n], Instant::now(), &mut out)
                .map_err(|e| named(io::Error::other(e)))?;
        }
        stream.set_read_timeout(None)?;
        stream.set_write_timeout(None)?;
        stream.set_nonblocking(true)?;
        Ok(Backplane {
            addr,
            stream: Some(stream),
            connecting: false,
            want_write: false,
            node,
            buf,
        })
    }

    /// Registers the socket with the server's `Poll`.
    pub fn register(&mut self, registry: &Registry) -> io::Result<()> {
        if let Some(stream) = &mut self.stream {
            registry.register(stream, REDIS, Interest::READABLE)?;
        }
        Ok(())
    }

    /// The socket is ready: finish a connect, read what Redis sent.
    pub fn on_event(&mut self, event: &Event, registry: &Registry, out: &mut Outbox) {
        let now = Instant::now();
        if self.connecting {
            if !(event.is_writable() || event.is_error()) {
                return;
            }
            self.connecting = false;
            let connected = self
                .stream
                .as_ref()
                .is_some_and(|s| matches!(s.take_error(), Ok(None)) && s.peer_addr().is_ok());
            if !connected {
                return self.drop_stream(registry, now, false, out);
            }
            self.node.redis_connected();
        }
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.read(registry, now, out);
        }
        if event.is_writable() {
            self.flush(registry, out);
        }
    }

    fn read(&mut self, registry: &Registry, now: Instant, out: &mut Outbox) {
        loop {
            let Some(stream) = &self.stream else {
                return;
            };
            let cap = self.node.redis_read_capacity().min(self.buf.len());
            let got = (&*stream).read(&mut self.buf[..cap]);
            match got {
                Ok(0) => return self.drop_stream(registry, now, true, out),
                Ok(n) => {
                    if self
                        .node
                        .handle_redis_input(&self.buf[..n], now, out)
                        .is_err()
                    {
                        return self.drop_stream(registry, now, true, out);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return self.drop_stream(registry, now, true, out),
            }
        }
    }

    /// Writes what the node queued, without blocking.
    pub fn flush(&mut self, registry: &Registry, out: &mut Outbox) {
        if self.connecting {
            return;
        }
        loop {
            let Some(stream) = &mut self.stream else {
                return;
            };
            let pending = self.node.redis_output();
            if pending.is_empty() {
                if self.want_write {
                    self.want_write = false;
                    let _ = registry.reregister(stream, REDIS, Interest::READABLE);
                }
                return;
            }
            match (&*stream).write(pending) {
                Ok(n) => self.node.consume_redis_output(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.want_write {
                        self.want_write = true;
                        let interest = Interest::READABLE | Interest::WRITABLE;
                        let _ = registry.reregister(stream, REDIS, interest);
                    }
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.drop_stream(registry, Instant::now(), true, out),
            }
        }
    }

    /// Whether everything queued for Redis has been written.
    pub fn is_flushed(&self) -> bool {
        self.stream.is_none() || self.node.redis_output().is_empty()
    }

    /// Closes the socket; `lost` tells the node (a failed reconnect is
    /// not a loss, the link was already down).
    fn drop_stream(&mut self, registry: &Registry, now: Instant, lost: bool, out: &mut Outbox) {
        if let Some(mut stream) = self.stream.take() {
            let _ = registry.deregister(&mut stream);
        }
        self.connecting = false;
        self.want_write = false;
        if lost {
            self.node.redis_lost(now, out);
        } else {
            self.node.redis_connect_failed(now);
        }
    }

    /// When [`handle_timeout`](Backplane::handle_timeout) has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.connecting {
            return None;
        }
        self.node.poll_timeout()
    }

    /// The node's timers, and a reconnect when it is due.
    pub fn handle_timeout(&mut self, registry: &Registry, now: Instant, out: &mut Outbox) {
        self.node.handle_timeout(now, out);
        if self.stream.is_none() && self.node.link_want(now) == LinkWant::Connect {
            match TcpStream::connect(self.addr) {
                Ok(mut stream) => {
                    let _ = stream.set_nodelay(true);
                    let interest = Interest::READABLE | Interest::WRITABLE;
                    if registry.register(&mut stream, REDIS, interest).is_ok() {
                        self.stream = Some(stream);
                        self.connecting = true;
                        self.want_write = true;
                    } else {
                        self.node.redis_connect_failed(now);
                    }
                }
                Err(_) => self.node.redis_connect_failed(now),
            }
        }
    }
}

/// What the server drives: the hub of a single process, or a cluster node.
///
/// There is one `Core` per server, so its size does not matter; the hub
/// stays inline, one indirection fewer on the path every message takes.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Core {
    /// The embedded default: every rule in this process.
    Solo(Hub),
    /// Cluster mode: a node and its Redis connection.
    Cluster(Box<Backplane>),
}

impl Core {
    /// The backplane, in cluster mode.
    pub fn backplane(&mut self) -> Option<&mut Backplane> {
        match self {
            Core::Solo(_) => None,
            Core::Cluster(b) => Some(b),
        }
    }

    fn engine(&mut self) -> &mut dyn Engine {
        match self {
            Core::Solo(hub) => hub,
            Core::Cluster(b) => &mut b.node,
        }
    }

    fn engine_ref(&self) -> &dyn Engine {
        match self {
            Core::Solo(hub) => hub,
            Core::Cluster(b) => &b.node,
        }
    }
}

impl Engine for Core {
    #[inline]
    fn handle_connect(&mut self, conn: ConnId, out: &mut Outbox) -> bool {
        self.engine().handle_connect(conn, out)
    }
    #[inline]
    fn handle_message(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox) {
        match self {
            // The hot path: a direct call, no indirection.
            Core::Solo(hub) => hub.handle_message(conn, msg, now_ms, out),
            Core::Cluster(b) => b.node.handle_message(conn, msg, now_ms, out),
        }
    }
    fn handle_decode_error(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        self.engine().handle_decode_error(conn, code, out)
    }
    fn handle_hello_timeout(&mut self, conn: ConnId, out: &mut Outbox) {
        self.engine().handle_hello_timeout(conn, out)
    }
    fn handle_slow_consumer(&mut self, conn: ConnId, out: &mut Outbox) {
        self.engine().handle_slow_consumer(conn, out)
    }
    fn handle_disconnect(&mut self, conn: ConnId, out: &mut Outbox) {
        self.engine().handle_disconnect(conn, out)
    }
    fn handle_shutdown(&mut self, out: &mut Outbox) {
        self.engine().handle_shutdown(out)
    }
    fn state(&self, conn: ConnId) -> Option<SessionState> {
        self.engine_ref().state(conn)
    }
    fn error_frame(&self, code: ErrorCode) -> Frame {
        self.engine_ref().error_frame(code)
    }
}
