//! What a server drives: the [`Hub`] of a single process, or, with
//! `--redis`, a cluster [`Node`] ([`crate::cluster`]).
//!
//! Both are sans-I/O and implement [`Engine`], so a server's code for
//! clients is the same in both modes. Cluster mode adds one source of
//! bytes, the Redis connection, which each server drives in its own I/O
//! model (`event_server`: one more source on its `Poll`; `async_server`:
//! a reader and a writer task). Only the first connection is made here,
//! blocking, before the server listens: a Redis that cannot be reached is
//! a one-line error and exit status 1, not a server that refuses everyone.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use sys::net::TcpStream;

use super::config::{ClusterConfig, Config};
use crate::cluster::node::{Node, NodeConfig};
use crate::hub::{ConnId, Engine, Frame, Hub, Outbox, SessionState};
use crate::protocol::{ClientMsg, ErrorCode};

/// How long the first connection to Redis and its handshake may take.
pub const STARTUP: Duration = Duration::from_secs(5);

/// The engine of a server: the hub, or a cluster node.
///
/// There is one `Core` per server, so its size does not matter; the hub
/// stays inline, one indirection fewer on the path every message takes.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Core {
    /// The embedded default: every rule in this process.
    Solo(Hub),
    /// Cluster mode: the rules for this node's clients, shared state in
    /// Redis.
    Cluster(Box<Node>),
}

impl Core {
    /// The engine `config` asks for, named `name` in `Welcome`: in cluster
    /// mode, a node that has joined the cluster, with its connection to
    /// Redis (blocking, at most [`STARTUP`]; the error names Redis's
    /// address).
    pub fn start(config: &Config, name: &str) -> io::Result<(Core, Option<TcpStream>)> {
        let hub = config.hub_config(name);
        match &config.cluster {
            None => Ok((Core::Solo(Hub::new(hub)), None)),
            Some(cluster) => {
                let (node, stream) = join(cluster, NodeConfig::new(hub, String::new()))?;
                Ok((Core::Cluster(Box::new(node)), Some(stream)))
            }
        }
    }

    /// The node, in cluster mode.
    pub fn node(&mut self) -> Option<&mut Node> {
        match self {
            Core::Solo(_) => None,
            Core::Cluster(node) => Some(node),
        }
    }

    fn engine(&mut self) -> &mut dyn Engine {
        match self {
            Core::Solo(hub) => hub,
            Core::Cluster(node) => &mut **node,
        }
    }

    fn engine_ref(&self) -> &dyn Engine {
        match self {
            Core::Solo(hub) => hub,
            Core::Cluster(node) => &**node,
        }
    }
}

/// Connects to Redis and joins the cluster: `HELLO 3`, the function
/// library, the node's channel, its first heartbeat. Blocks for at most
/// [`STARTUP`]; returns the node and its connection, non-blocking.
fn join(cluster: &ClusterConfig, base: NodeConfig) -> io::Result<(Node, TcpStream)> {
    let addr = cluster.redis;
    let named = |e: io::Error| io::Error::new(e.kind(), format!("redis {addr}: {e}"));
    let stream = TcpStream::connect_timeout(addr, STARTUP).map_err(named)?;
    let _ = stream.set_nodelay(true);
    let config = NodeConfig {
        id: cluster
            .node_id
            .clone()
            .unwrap_or_else(NodeConfig::default_id),
        grace: cluster.grace,
        ..base
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
    Ok((node, stream))
}

impl Engine for Core {
    fn handle_connect(&mut self, conn: ConnId, out: &mut Outbox) -> bool {
        self.engine().handle_connect(conn, out)
    }
    #[inline]
    fn handle_message(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox) {
        match self {
            // The hot path: a direct call, no indirection.
            Core::Solo(hub) => hub.handle_message(conn, msg, now_ms, out),
            Core::Cluster(node) => node.handle_message(conn, msg, now_ms, out),
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
    #[inline]
    fn state(&self, conn: ConnId) -> Option<SessionState> {
        match self {
            Core::Solo(hub) => hub.state(conn),
            Core::Cluster(node) => node.state(conn),
        }
    }
    fn error_frame(&self, code: ErrorCode) -> Frame {
        self.engine_ref().error_frame(code)
    }
    #[inline]
    fn accepts_input(&self, conn: ConnId) -> bool {
        match self {
            Core::Solo(_) => true,
            Core::Cluster(node) => node.accepts_input(conn),
        }
    }
    fn take_resumed(&mut self, into: &mut Vec<ConnId>) {
        self.engine().take_resumed(into)
    }
}
