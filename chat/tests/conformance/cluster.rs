//! The suite against a cluster: several server processes, started with
//! `--redis`, that together are one chat.
//!
//! [`cluster_tests!`](crate) runs a test with cluster mode set for its
//! thread ([`Mode`]). In that mode [`Server::start`] starts a private
//! `redis-server` (the harness of `tests/redis`) and one node per binary
//! of the mode, `BIN --addr 127.0.0.1:0 --redis ADDR ARGS...` (the same
//! binary twice, or two different servers in one chat), each read from its
//! `listening on` line, and returns the first node with the rest of the
//! cluster attached: every node and Redis are killed when it is dropped.
//! [`Server::connect`] (and so `login`, `login_all`) hands out connections
//! to the nodes in turn, so a test's clients are spread over all of them.
//!
//! # Settling
//!
//! In one process an action's effects reach every client before the
//! server reads its next request. In a cluster they travel through Redis
//! to the other nodes, each at its own pace, and one client's departure
//! is applied room by room and key by key, each step atomic on its own.
//! So the harness *waits* where a test relies on what it has already seen
//! being true everywhere; it never asserts less.
//!
//! To wait for node T, the harness uses helper clients, one per node,
//! logged in before the test's clients and in no room (so that no
//! listing, history or room event of the test shows them). For every
//! other node O, T's helper whispers to O's helper and then O's helper to
//! T's, and the harness reads each `Whispered` at both ends. Redis runs a
//! node's commands in order, writes every push for a node to its
//! connection in the order it ran the scripts that published them, and a
//! node hands pushes to its clients in stream order. So once the first
//! whisper has arrived, everything T sent to Redis before has run; once
//! the second has, everything O sent before has run too, and node T has
//! handed its clients everything published before. The wait happens:
//!
//! - in [`Conn::sync`](crate::util::Conn::sync) (and so `expect_quiet`),
//!   before its `Ping`: what the node owes the client has then arrived
//!   by the `Pong`, as in one process;
//! - in [`Conn::send`](crate::util::Conn::send), before a request whose
//!   answer depends on the whole chat ([`Settle::needed_before`]): a
//!   listing, a `Join` (the room's history and `seq`), a `Nick` or a
//!   `Whisper` (`NoSuchUser`);
//! - in [`Server::connect`], before connecting, for the `Hello` to come
//!   (a nick freed a moment ago on another node).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chat::protocol::{ClientMsg, ServerMsg, LOBBY};

use crate::redis::Redis;
use crate::util::{fresh_nonce, leave_skipping, Conn, Server};

thread_local! {
    /// The node binaries of the cluster `Server::start` starts on this
    /// thread; empty: one process.
    static NODES: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
}

/// Cluster mode for the current thread, while this guard lives.
#[derive(Debug)]
pub struct Mode {
    previous: Vec<PathBuf>,
}

impl Mode {
    /// Every [`Server::start`] on this thread starts a cluster with one
    /// node per binary of `nodes` (node `i` runs `nodes[i]`).
    pub fn set(nodes: &[PathBuf]) -> Mode {
        assert!(nodes.len() >= 2, "a cluster has at least two nodes");
        Mode {
            previous: NODES.replace(nodes.to_vec()),
        }
    }

    /// The node binaries, in cluster mode.
    pub fn nodes() -> Option<Vec<PathBuf>> {
        let nodes = NODES.with_borrow(Vec::clone);
        (!nodes.is_empty()).then_some(nodes)
    }
}

impl Drop for Mode {
    fn drop(&mut self) {
        NODES.set(std::mem::take(&mut self.previous));
    }
}

/// The part of a cluster beyond its first node (which is the [`Server`]
/// that holds it). Fields drop in order: the nodes, then Redis.
pub struct Cluster {
    /// Nodes 1.. (node 0 is the `Server` holding this).
    others: Vec<Server>,
    /// Every node's address, node 0 first.
    addrs: Vec<SocketAddr>,
    /// The next node `connect` uses.
    next: AtomicUsize,
    /// The helper clients that settle the cluster.
    helpers: Arc<Helpers>,
    /// The private Redis, stopped last.
    redis: Redis,
}

impl Cluster {
    /// Start Redis and a node of each of `bins` with `args`; the first
    /// node, holding the rest.
    pub fn start(bins: &[PathBuf], args: &[&str]) -> Server {
        let redis = Redis::start();
        let redis_addr = redis.addr().to_string();
        let mut servers: Vec<Server> = bins
            .iter()
            .map(|bin| {
                let mut full = vec!["--addr", "127.0.0.1:0", "--redis", &redis_addr];
                full.extend_from_slice(args);
                Server::start_raw(bin, &full)
            })
            .collect();
        let nodes = servers.len();
        let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
        let helpers = Arc::new(Helpers::login(&addrs));
        let first = servers.remove(0);
        let cluster = Cluster {
            others: servers,
            addrs,
            next: AtomicUsize::new(0),
            helpers,
            redis,
        };
        for node in 0..nodes {
            cluster.helpers.settle(node);
        }
        first.with_cluster(cluster)
    }

    /// A connection to the next node in turn, once the cluster has
    /// settled for that node (so that a nick freed before is free there:
    /// the settling is done before connecting rather than before `Hello`,
    /// so that it never eats into a short `--hello-timeout-ms`).
    pub fn connect(&self) -> Conn {
        let node = self.next.fetch_add(1, Ordering::Relaxed) % self.addrs.len();
        self.helpers.settle(node);
        Conn::connect(self.addrs[node]).settled_by(Settle {
            helpers: self.helpers.clone(),
            node,
        })
    }

    /// The standard error of nodes 1.., for failure messages.
    pub fn stderr_note(&self) -> String {
        let mut note = String::new();
        for (i, node) in self.others.iter().enumerate() {
            let err = node.own_stderr_note();
            if !err.is_empty() {
                note.push_str(&format!("\n(node {})", i + 1));
                note.push_str(&err);
            }
        }
        note
    }

    /// Panics if a node of 1.. or Redis has exited.
    pub fn assert_alive(&mut self) {
        for node in &mut self.others {
            node.assert_alive();
        }
        assert!(
            self.redis.is_running(),
            "redis-server exited during the test"
        );
    }
}

/// One helper client per node, logged in and in no room.
struct Helpers {
    conns: Mutex<Vec<Conn>>,
    nicks: Vec<String>,
}

impl Helpers {
    /// Logs in one helper per node, one after the other, each leaving the
    /// lobby before the next arrives (so none sees another).
    fn login(addrs: &[SocketAddr]) -> Helpers {
        let nicks: Vec<String> = (0..addrs.len()).map(|i| format!("zz-settle-{i}")).collect();
        let conns = addrs
            .iter()
            .zip(&nicks)
            .map(|(addr, nick)| {
                let mut c = Conn::connect(*addr);
                c.login(nick);
                leave_skipping(&mut c, LOBBY, nick);
                c
            })
            .collect();
        Helpers {
            conns: Mutex::new(conns),
            nicks,
        }
    }

    /// Waits until node `node` has received everything published, and
    /// every other node's commands sent, before this call.
    fn settle(&self, node: usize) {
        // A test thread that panicked while settling leaves the lock
        // poisoned; the helpers' state is checked frame by frame anyway.
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        for other in (0..conns.len()).filter(|&o| o != node) {
            // Node -> other: everything the node sent Redis before has run.
            // Other -> node: everything published before has reached the node.
            for (from, to) in [(node, other), (other, node)] {
                let text = format!("settle {}", fresh_nonce());
                conns[from].send(&ClientMsg::Whisper {
                    to: self.nicks[to].clone(),
                    text: text.clone(),
                });
                for (at, role) in [(from, "sender"), (to, "recipient")] {
                    let got = conns[at].recv();
                    assert!(
                        matches!(&got, ServerMsg::Whispered { from: f, to: t, text: x, .. }
                            if *f == self.nicks[from] && *t == self.nicks[to] && *x == text),
                        "settling the cluster for node {node}: the helper on node {at} \
                         ({role} of a whisper from node {from} to node {to}) got {got:?}"
                    );
                }
            }
        }
    }
}

/// A connection's way to wait until the cluster has settled for its node.
#[derive(Clone)]
pub struct Settle {
    helpers: Arc<Helpers>,
    node: usize,
}

impl Settle {
    /// Waits until the connection's node has received everything
    /// published, and every other node's commands sent, before this call.
    pub fn wait(&self) {
        self.helpers.settle(self.node);
    }

    /// Whether `msg`'s answer depends on the whole chat, so that the
    /// harness settles the cluster before sending it.
    pub fn needed_before(msg: &ClientMsg) -> bool {
        matches!(
            msg,
            ClientMsg::Join { .. }
                | ClientMsg::Whisper { .. }
                | ClientMsg::Nick { .. }
                | ClientMsg::ListRooms
                | ClientMsg::ListUsers { .. }
        )
    }
}
