//! A cluster node: the chat's rules for this process's clients, with the
//! shared state in Redis. Sans-I/O, like the [`Hub`](crate::hub::Hub):
//! client messages and Redis bytes in, deliveries and Redis bytes out, time
//! as an argument.
//!
//! # What the node decides, what Redis decides
//!
//! A node checks everything it can alone, in PROTOCOL.md's precedence
//! order: the version, the naming rule, the text, and the state of its
//! own clients (`AlreadyInRoom`, `TooManyRooms`, `NotInRoom`). What needs
//! the other nodes goes to Redis as one call of a function of
//! [`room::SCRIPT`]: a nick claim (`NickTaken`), a room event (its `seq`, its place in the room's order),
//! a whisper (`NoSuchUser`, the recipient's node), the listings.
//!
//! # One order per client
//!
//! A request answered by Redis is answered later than it came, so each
//! client keeps a queue of *steps*, one per request that produced output:
//! a step waits for its command's reply, or holds frames ready to go.
//! Frames leave only from the front of the queue, so a client receives
//! its replies in the order of its requests: a `Pong` never overtakes the
//! `Message` of a `Say` sent before the `Ping`. Redis answers one
//! connection's commands in order, so the oldest waiting step of a client
//! is the one a reply for that client completes.
//!
//! ```text
//!   ann sends Say "hi", then Ping 1        the node's Redis connection
//!
//!   ann's steps, oldest first:             ──► FCALL chat_message ...
//!   ┌─────────────────────┬───────────┐    ◄── push: Message seq 7 "hi"
//!   │ Say: waits for its  │ Ping:     │          → bob and cy now (ann is
//!   │ reply               │ [Pong 1]  │            skipped: it is hers)
//!   └─────────────────────┴───────────┘    ◄── reply [7, Message "hi"]
//!                                                → fills ann's first step
//!   ann receives: Message 7, then Pong 1 (the front of her queue first)
//! ```
//!
//! Room frames (`Message`, `Joined`, `Left`, `Renamed`) are not replies:
//! Redis pushes them to every node subscribed to the room's channel, and
//! each node hands them to its local members as they come, in stream
//! order. Except one member: the client the frame is about (the sender of
//! a `Message`, the joiner, the leaver, the renamer) gets it with the reply
//! to its own request, as part of that step, and the node skips it in the
//! push. A script's own publication reaches the script's connection right
//! before its reply on Redis 7.0 and right after it on 7.2 and later, so
//! this is what keeps a client's own events in the order of its requests
//! on both.
//!
//! Two requests change what later requests mean: `Hello` (is the client
//! welcomed?) and `Nick` (which nick does a `Say` carry?). While one of
//! them waits for Redis, the client's later messages are held, in order,
//! and handled when the answer comes. Everything else is pipelined: a
//! `Join` is recorded locally when it is sent (it can fail only on checks
//! the node has made), so a `Say` right behind it is checked against the
//! new membership and runs after it in Redis.
//!
//! # Joining
//!
//! The node subscribes to a room's channel (`SSUBSCRIBE`) before it sends
//! the first join of a local client, on the same connection. The join op
//! reads the room's history and publishes `Joined` in one step; the pushes
//! of other scripts that arrive before its reply are not the joiner's
//! (they are in the history, or precede the join), and every push after
//! it is (but its own `Joined`). So the joiner gets the history and its
//! `Joined` from the reply, then every later event, and the other members
//! get `Joined` from the push, in its place. The node leaves the channel
//! when its last local member has left.
//!
//! # Liveness and Redis faults
//!
//! - Every [`NodeConfig::heartbeat`] the node refreshes its heartbeat (a
//!   key with a TTL of three periods) and runs the `reap` op, which
//!   removes the users of every node whose heartbeat has expired: `Left`
//!   in each of their rooms, their nicks free. Reaping is one script, so
//!   two nodes reaping at once publish each `Left` once. A dead node's
//!   users are gone at most a TTL plus a period after its last beat.
//! - When the Redis connection breaks, every client with a request in
//!   flight is closed with `ShuttingDown`: its request's fate is unknown
//!   (a `Say` may or may not have been published), and the client is told
//!   rather than left to guess. The others stay connected; their requests
//!   are held (see below). The node reconnects with capped
//!   exponential backoff. Back in touch, it loads the library, subscribes
//!   again, re-asserts its users' nicks and memberships (if another node
//!   reaped it meanwhile, the other members were told its users left, so
//!   each of its users is announced with `Joined` again; after a Redis
//!   restart nobody was told anything and the memberships come back
//!   silently; a user whose nick was taken meanwhile is closed with
//!   `ShuttingDown`), restores each room's `seq` and history from
//!   its own copy when Redis lost them (a restart without persistence),
//!   and catches its members up on the `Message`s they missed, by `seq`.
//!   `Joined` and `Left` frames published while it was away are not
//!   recovered: they are in no history.
//! - A client far ahead of Redis (more than [`MAX_STEPS`] requests
//!   pending, then [`HOLD_LIMIT`] held) is paused: the node refuses its input
//!   ([`Engine::accepts_input`]) and the server stops reading it, so TCP
//!   slows it down, until the node has handled some. The same happens to
//!   every client that keeps talking while Redis is away.
//! - If Redis is not back within [`NodeConfig::grace`], every client gets
//!   `ShuttingDown` (so that it reconnects elsewhere) and new connections
//!   are refused with it until Redis is back.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{ConnError, ConnLimits, Connection, Event};
use super::resp::{self, Value};
use super::room::{self, HISTORY_LEN};

use crate::fmt::framed::HEADER_LEN;
use crate::hub::dispatch::{dispatch, Requests};
use crate::hub::listing::{self, ROOMS_FIXED};
use crate::hub::names::{cmp_folded, Folded};
use crate::hub::{Config, ConnId, Engine, Frame, Outbox, SessionState};
use crate::protocol::{
    is_valid_text, ClientMsg, ErrorCode, RoomInfoRef, ServerMsgRef, LOBBY, MAX_ROOMS_PER_CLIENT,
    PROTOCOL_VERSION, SERVER_MAX_FRAME,
};

/// Held messages of one client past which the node refuses its input
/// ([`Engine::accepts_input`]): the server stops reading it until the
/// node has handled some. Messages are held while the client's `Hello`
/// or `Nick` waits for Redis, while it has [`MAX_STEPS`] requests
/// pending, or while Redis is away.
pub const HOLD_LIMIT: usize = 256;

/// Held messages of one client past which it is closed with
/// `ShuttingDown`: only a server that keeps feeding a client whose input
/// the node refused gets there (a server may overshoot [`HOLD_LIMIT`] by
/// the frames of one read).
pub const MAX_HELD: usize = 16 * 1024;

/// Requests of one client whose answers may be pending at once (waiting
/// for Redis, or ready behind one that waits); later ones are held. So a
/// client that pipelines faster than Redis answers has at most this many
/// of the connection's commands in flight, cannot crowd the others out,
/// and its pending answers take bounded memory.
pub const MAX_STEPS: usize = 64;

/// The longest wait between two reconnection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// The first wait before reconnecting.
pub const MIN_BACKOFF: Duration = Duration::from_millis(50);

/// How a node is set up.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The settings a hub takes (`Welcome`'s server name, `--max-conns`).
    pub hub: Config,
    /// This node's id in Redis: 1 to 64 of `[A-Za-z0-9._-]`, unique in the
    /// cluster ([`NodeConfig::default_id`]).
    pub id: String,
    /// Heartbeat period; the heartbeat's TTL is three of them.
    pub heartbeat: Duration,
    /// How long clients are kept while Redis is away.
    pub grace: Duration,
}

impl NodeConfig {
    /// A config with the default timings: heartbeat 1 s, grace 10 s.
    pub fn new(hub: Config, id: String) -> NodeConfig {
        NodeConfig {
            hub,
            id,
            heartbeat: Duration::from_secs(1),
            grace: Duration::from_secs(10),
        }
    }

    /// An id unique enough for one cluster: the process id and the start
    /// time in milliseconds.
    pub fn default_id() -> String {
        format!("n{}-{:x}", std::process::id(), crate::clock::unix_ms())
    }

    /// Whether `id` is a valid node id.
    pub fn is_valid_id(id: &str) -> bool {
        (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    }
}

/// A client as the node sees it.
#[derive(Debug)]
struct Client {
    phase: Phase,
    /// The nick as stored (empty before `Hello` is sent).
    nick: String,
    /// The rooms the client is in once every command sent is answered.
    rooms: Vec<Arc<str>>,
    /// Rooms whose `Leave` is sent and not answered: the client is still
    /// a local member of them until the answer.
    leaving: Vec<Arc<str>>,
    /// Its output, in the order of its requests (see the module docs).
    steps: VecDeque<Step>,
    /// Messages waiting for a `Hello` or `Nick` answer, or for Redis.
    held: VecDeque<ClientMsg>,
    /// A `Hello` or `Nick` waits for Redis: later messages are held.
    blocked: bool,
    /// `Bye` or a fatal error came: nothing more is read, and the client
    /// is closed once the replies it is owed have gone.
    closing: bool,
    /// Reached [`HOLD_LIMIT`]: listed in `resumed` once below it.
    paused: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Connected, no `Hello` sent to Redis.
    Connected,
    /// `Hello` sent to Redis (the nick is claimed there, or refused).
    Claiming,
    /// Welcomed.
    Welcomed,
}

#[derive(Debug)]
enum Step {
    /// Waits for a reply.
    Waiting,
    /// Frames to send once every step before is done.
    Ready(Vec<Frame>),
    /// The end: the error to send, if any, then the close.
    Close(Option<ErrorCode>),
}

/// A room with local members: this node is subscribed to its channel.
#[derive(Debug)]
struct LocalRoom {
    /// The room's key and channel names.
    keys: room::RoomKeys,
    /// Local clients that receive the room's frames.
    members: Vec<ConnId>,
    /// Joins sent and not answered.
    joining: usize,
    /// The seq of the last `Message` seen (from a join reply or a push).
    last_seq: u64,
    /// The last [`HISTORY_LEN`] `Message` frames seen.
    history: VecDeque<Frame>,
    /// Pushes (frame and trailer) held back while a catch-up read is in
    /// flight.
    catching_up: Option<Vec<Vec<u8>>>,
}

/// What a command in flight was sent for.
#[derive(Debug)]
enum Purpose {
    Script,
    Start,
    Ignore,
    Hello { conn: ConnId, room: Arc<str> },
    Join { conn: ConnId, room: Arc<str> },
    Leave { conn: ConnId, room: Arc<str> },
    Say { conn: ConnId },
    Whisper { conn: ConnId },
    Rename { conn: ConnId, nick: String },
    ListRooms { conn: ConnId },
    ListUsers { conn: ConnId, room: Arc<str> },
    Beat,
    Reassert { conn: ConnId },
    CatchUp { room: Arc<str> },
}

impl Purpose {
    /// The client whose step this command's reply completes.
    fn client(&self) -> Option<ConnId> {
        match *self {
            Purpose::Hello { conn, .. }
            | Purpose::Join { conn, .. }
            | Purpose::Leave { conn, .. }
            | Purpose::Say { conn }
            | Purpose::Whisper { conn }
            | Purpose::Rename { conn, .. }
            | Purpose::ListRooms { conn }
            | Purpose::ListUsers { conn, .. } => Some(conn),
            _ => None,
        }
    }
}

/// The state of the link to Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Connected since `since`; the handshake, the library and (on the
    /// first connection) the claim of the node's id are in flight.
    Loading { since: Instant },
    /// Connected, library loaded.
    Up,
    /// No connection; the next attempt at `retry`.
    Down { retry: Instant },
}

/// Since when Redis has been out of reach, and the wait before the next
/// attempt: kept across failed attempts (a refused connection, a
/// handshake that fails), cleared once the link is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outage {
    since: Instant,
    backoff: Duration,
}

/// What the node's Redis link needs from the shell that owns the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkWant {
    /// Keep the connection: write [`Node::redis_output`], feed what is read.
    Connected,
    /// No connection: open one now and call [`Node::redis_connected`], or
    /// [`Node::redis_connect_failed`].
    Connect,
    /// No connection; wait for the next attempt ([`Node::poll_timeout`]).
    Wait,
}

/// The cluster state machine for one node; see the [module docs](self).
#[derive(Debug)]
pub struct Node {
    config: NodeConfig,
    redis: Connection,
    link: Link,
    outage: Option<Outage>,
    /// The node has claimed its id in Redis (its first link came up).
    started: bool,
    /// The node gave up on the current connection by itself (Redis did
    /// not answer in time, or refused a command): the shell closes it.
    broken: bool,
    /// When the oldest unanswered heartbeat was sent.
    beat_sent: Option<Instant>,
    /// The reap mark the last heartbeat answered (0: not reaped).
    reap_mark: i64,
    /// Why each command in flight was sent, oldest first, in step with
    /// the connection's command ids.
    in_flight: VecDeque<Purpose>,
    clients: HashMap<ConnId, Client>,
    /// The nick (as stored) of each welcomed client: which local client a
    /// room frame is about.
    nicks: HashMap<Vec<u8>, ConnId>,
    rooms: HashMap<Arc<str>, LocalRoom>,
    errors: Vec<Frame>,
    scratch: Vec<u8>,
    /// The token of the rename whose pushes are arriving, and the clients
    /// that already got its `Renamed`.
    rename_seen: VecDeque<(Vec<u8>, Vec<ConnId>)>,
    next_token: u64,
    /// Paused clients whose held messages fell below [`HOLD_LIMIT`].
    resumed: Vec<ConnId>,
    next_beat: Instant,
    /// Past the grace with Redis away, or stopping: connections are refused.
    refusing: bool,
    shutting_down: bool,
}

/// How long Redis may take to answer a heartbeat, or the handshake of a
/// new connection, before the node gives up on the connection: this many
/// heartbeat periods.
pub const STALL_PERIODS: u32 = 3;

fn limits() -> ConnLimits {
    // A listing reply holds every member of a room or every room: room for
    // a few million of them (a frame cuts the answer to 1 MiB anyway).
    let resp = resp::Limits {
        max_elements: 1 << 22,
        max_total: 256 << 20,
        ..resp::Limits::default()
    };
    ConnLimits {
        max_in_flight: 1 << 20,
        max_outbound: 64 << 20,
        max_inbound: resp.max_total + (1 << 20),
        resp,
    }
}

impl Node {
    /// A node whose connection to Redis has just been opened: its
    /// [`redis_output`](Node::redis_output) holds `HELLO 3`, `FUNCTION LOAD`
    /// and the subscription to its own channel. It serves once
    /// [`is_up`](Node::is_up).
    pub fn new(config: NodeConfig, now: Instant) -> Node {
        let mut node = Node {
            redis: Connection::new(limits()),
            link: Link::Loading { since: now },
            outage: None,
            started: false,
            broken: false,
            beat_sent: None,
            reap_mark: 0,
            in_flight: VecDeque::new(),
            clients: HashMap::new(),
            nicks: HashMap::new(),
            rooms: HashMap::new(),
            errors: Frame::errors(),
            scratch: Vec::with_capacity(256),
            rename_seen: VecDeque::new(),
            next_token: 0,
            resumed: Vec::new(),
            next_beat: now,
            refusing: false,
            shutting_down: false,
            config,
        };
        node.start_link(now);
        node
    }

    /// This node's id.
    pub fn id(&self) -> &str {
        &self.config.id
    }

    /// Whether the link to Redis is up and the library loaded.
    pub fn is_up(&self) -> bool {
        self.link == Link::Up
    }

    /// Whether the node gave up on its Redis connection by itself (Redis
    /// did not answer a heartbeat or a handshake in time, or refused a
    /// command for its bounds); clears the flag. The shell then closes the
    /// socket, as for a connection Redis closed (the node already counts
    /// the link as lost).
    pub fn take_broken(&mut self) -> bool {
        std::mem::take(&mut self.broken)
    }

    /// Clients the node knows, welcomed or not.
    pub fn connection_count(&self) -> usize {
        self.clients.len()
    }

    // ----- the Redis link ----------------------------------------------

    /// Bytes to write to Redis.
    pub fn redis_output(&self) -> &[u8] {
        self.redis.pending_output()
    }

    /// `n` bytes of [`redis_output`](Node::redis_output) were written.
    pub fn consume_redis_output(&mut self, n: usize) {
        self.redis.consume_output(n);
    }

    /// The most bytes [`handle_redis_input`](Node::handle_redis_input)
    /// takes now.
    pub fn redis_read_capacity(&self) -> usize {
        self.redis.read_capacity()
    }

    /// What the shell should do about the Redis socket.
    pub fn link_want(&self, now: Instant) -> LinkWant {
        match self.link {
            Link::Loading { .. } | Link::Up => LinkWant::Connected,
            Link::Down { retry } if now >= retry => LinkWant::Connect,
            Link::Down { .. } => LinkWant::Wait,
        }
    }

    /// Bytes read from Redis. An error means the link is broken: the shell
    /// closes the socket and calls [`redis_lost`](Node::redis_lost).
    pub fn handle_redis_input(
        &mut self,
        bytes: &[u8],
        now: Instant,
        out: &mut Outbox,
    ) -> Result<(), ConnError> {
        self.redis.handle_input(bytes)?;
        while let Some(event) = self.redis.poll_event()? {
            match event {
                Event::Push(items) => self.on_push(&items, out),
                Event::Reply { value, .. } => {
                    let purpose = self.in_flight.pop_front().unwrap_or(Purpose::Ignore);
                    self.on_reply(purpose, value, now, out)?;
                }
            }
        }
        Ok(())
    }

    /// The Redis connection broke (EOF, reset, a protocol error).
    ///
    /// Every client with a request in flight is closed with
    /// `ShuttingDown`; the others wait, their requests held, while the
    /// node reconnects (see the module docs).
    pub fn redis_lost(&mut self, now: Instant, out: &mut Outbox) {
        let retry = match (self.link, self.outage) {
            (Link::Down { .. }, _) => return,
            // A link that was up: try again at once.
            (Link::Up, _) => {
                self.outage = Some(Outage {
                    since: now,
                    backoff: MIN_BACKOFF,
                });
                now
            }
            // A handshake that failed: back off, as for a refused connect.
            (Link::Loading { .. }, outage) => {
                let outage = outage.unwrap_or(Outage {
                    since: now,
                    backoff: MIN_BACKOFF,
                });
                let backoff = (outage.backoff * 2).min(MAX_BACKOFF);
                self.outage = Some(Outage { backoff, ..outage });
                now + backoff
            }
        };
        let unknown: Vec<ConnId> = self.in_flight.iter().filter_map(Purpose::client).collect();
        self.in_flight.clear();
        self.redis = Connection::new(limits());
        self.link = Link::Down { retry };
        self.beat_sent = None;
        for conn in unknown {
            self.fatal_now(conn, ErrorCode::ShuttingDown, out);
        }
        self.rooms.retain(|_, room| {
            room.joining = 0;
            room.catching_up = None;
            !room.members.is_empty()
        });
    }

    /// A new connection to Redis is open: the handshake, the library and
    /// the re-assertion of this node's state are queued.
    pub fn redis_connected(&mut self, now: Instant) {
        self.redis = Connection::new(limits());
        self.in_flight.clear();
        self.start_link(now);
    }

    /// An attempt to connect failed: the next one waits twice as long, up
    /// to [`MAX_BACKOFF`].
    pub fn redis_connect_failed(&mut self, now: Instant) {
        if let (Link::Down { .. }, Some(outage)) = (self.link, self.outage) {
            let backoff = (outage.backoff * 2).min(MAX_BACKOFF);
            self.outage = Some(Outage { backoff, ..outage });
            self.link = Link::Down {
                retry: now + backoff,
            };
        }
    }

    /// The next instant [`handle_timeout`](Node::handle_timeout) has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let stall = self.config.heartbeat * STALL_PERIODS;
        let link = match self.link {
            Link::Up => match self.beat_sent {
                Some(sent) => self.next_beat.min(sent + stall),
                None => self.next_beat,
            },
            Link::Loading { since } => since + stall,
            Link::Down { retry } => retry,
        };
        let grace = match self.outage {
            Some(outage) if !self.refusing => Some(outage.since + self.config.grace),
            _ => None,
        };
        Some(grace.map_or(link, |g| g.min(link)))
    }

    /// Time passed: heartbeat and reap when up, and the link's deadlines
    /// (a heartbeat or a handshake Redis leaves unanswered for
    /// [`STALL_PERIODS`] heartbeats is a lost link); the grace while
    /// Redis is away.
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Outbox) {
        let stall = self.config.heartbeat * STALL_PERIODS;
        match self.link {
            Link::Up if self.beat_sent.is_some_and(|sent| now >= sent + stall) => {
                self.give_up(now, out);
            }
            Link::Loading { since } if now >= since + stall => self.give_up(now, out),
            Link::Up if now >= self.next_beat => {
                self.next_beat = now + self.config.heartbeat;
                let ttl = (self.config.heartbeat * 3).as_millis().to_string();
                let id = self.config.id.clone();
                if self.script(&["beat", &id, &ttl], Purpose::Beat) {
                    self.beat_sent.get_or_insert(now);
                }
                self.script(&["reap", &id], Purpose::Ignore);
            }
            _ => {}
        }
        let expired = self
            .outage
            .is_some_and(|o| !self.refusing && now >= o.since + self.config.grace);
        if expired && self.link != Link::Up {
            self.refusing = true;
            let conns = self.clients.keys().copied().collect();
            out.send_and_close_all(conns, &self.error_frame(ErrorCode::ShuttingDown));
            self.clients.clear();
            self.nicks.clear();
            self.rooms.clear();
        }
    }

    /// The node stops waiting for the current connection: it counts as
    /// lost, and the shell closes it ([`take_broken`](Node::take_broken)).
    fn give_up(&mut self, now: Instant, out: &mut Outbox) {
        self.broken = true;
        self.redis_lost(now, out);
    }

    fn start_link(&mut self, now: Instant) {
        self.link = Link::Loading { since: now };
        self.send(&room::load_command(), Purpose::Script);
        let channel = format!("chat:node:{{{}}}", self.config.id);
        self.send(&["SSUBSCRIBE", channel.as_str()], Purpose::Ignore);
    }

    /// The library is loaded (and the node's id claimed): subscribe to
    /// every local room again, remove the users that left meanwhile,
    /// re-assert the others, catch up, and handle what was held.
    fn link_up(&mut self, now: Instant, out: &mut Outbox) {
        self.link = Link::Up;
        self.outage = None;
        self.refusing = false;
        self.restore_rooms(true);
        self.reassert_all();
        self.next_beat = now;
        self.handle_timeout(now, out);
        let mut conns: Vec<ConnId> = self.clients.keys().copied().collect();
        conns.sort_unstable();
        for conn in conns {
            self.resume(conn, 0, out);
        }
    }

    /// Puts back each local room's `seq` and history from the node's copy
    /// where Redis has older ones (it restarted, or a reap deleted the
    /// room); after a reconnection (`resubscribe`) also subscribes again
    /// and reads what the members missed.
    fn restore_rooms(&mut self, resubscribe: bool) {
        let names: Vec<Arc<str>> = self.rooms.keys().cloned().collect();
        for name in names {
            if resubscribe {
                self.send(&["SSUBSCRIBE", &room::channel(&name)], Purpose::Ignore);
            }
            let Some(room) = self.rooms.get_mut(&name) else {
                continue;
            };
            if resubscribe {
                room.catching_up = Some(Vec::new());
            }
            let mut args: Vec<Vec<u8>> = vec![
                b"restore_room".to_vec(),
                name.as_bytes().to_vec(),
                room.last_seq.to_string().into_bytes(),
            ];
            args.extend(room.history.iter().map(|f| f.to_vec()));
            self.script(&args, Purpose::Ignore);
            if resubscribe {
                let history = room::history_command(&name);
                self.send(&history, Purpose::CatchUp { room: name });
            }
        }
    }

    /// Writes every welcomed user's nick and memberships again, after
    /// the departure of every user of the node's record that is gone.
    fn reassert_all(&mut self) {
        let mut live: Vec<String> = vec!["sync".into(), self.config.id.clone()];
        live.extend(
            self.clients
                .iter()
                .filter(|(_, c)| c.phase != Phase::Connected)
                .map(|(id, _)| id.0.to_string()),
        );
        self.script(&live, Purpose::Ignore);
        let mut users: Vec<(ConnId, String, Vec<Arc<str>>)> = self
            .clients
            .iter()
            .filter(|(_, c)| c.phase == Phase::Welcomed)
            .map(|(&id, c)| (id, c.nick.clone(), c.rooms.clone()))
            .collect();
        users.sort_unstable_by_key(|u| u.0);
        for (conn, nick, rooms) in users {
            let id = self.config.id.clone();
            let c = conn.0.to_string();
            let mut args: Vec<&str> = vec!["reassert", &id, &c, &nick];
            args.extend(rooms.iter().map(|r| &**r));
            self.script(&args, Purpose::Reassert { conn });
        }
        // The reassert ops above read the reap mark (to announce the users
        // again); it goes after them, unless another reap moved it on.
        if self.reap_mark > 0 {
            let id = self.config.id.clone();
            let mark = self.reap_mark.to_string();
            self.script(&["unreaped", &id, &mark], Purpose::Ignore);
            self.reap_mark = 0;
        }
    }

    /// Sends one command; a command the connection refuses (Redis is
    /// not keeping up) is a lost link.
    fn send<A: AsRef<[u8]>>(&mut self, args: &[A], purpose: Purpose) -> bool {
        if self.redis.send(args).is_err() {
            // Redis is not keeping up (or the connection failed): give the
            // connection up, so that nothing is silently left undone; the
            // reconnection's `sync` redoes what was refused.
            self.broken = true;
            return false;
        }
        self.in_flight.push_back(purpose);
        true
    }

    /// Runs an op of [`SCRIPT`]: `args` is the op's name, then its
    /// arguments; it becomes `FCALL chat_<op> 0 args...` (these ops name
    /// no keys: they touch several slots, see the module docs of
    /// [`crate::cluster`]).
    fn script<A: AsRef<[u8]>>(&mut self, args: &[A], purpose: Purpose) -> bool {
        let Some((op, rest)) = args.split_first() else {
            return false;
        };
        let mut function = b"chat_".to_vec();
        function.extend_from_slice(op.as_ref());
        let mut all: Vec<&[u8]> = Vec::with_capacity(3 + rest.len());
        all.extend([&b"FCALL"[..], &function, b"0"]);
        all.extend(rest.iter().map(AsRef::as_ref));
        self.send(&all, purpose)
    }

    // ----- Redis's answers ---------------------------------------------

    fn on_reply(
        &mut self,
        purpose: Purpose,
        value: Value,
        now: Instant,
        out: &mut Outbox,
    ) -> Result<(), ConnError> {
        if let Some(conn) = purpose.client() {
            if value.as_error().is_some() {
                // A refused op: its effect is unknown to the client.
                // What is ready before it goes; nothing held is sent on.
                if let Purpose::Hello { room, .. } | Purpose::Join { room, .. } = &purpose {
                    self.joined_elsewhere(room);
                }
                self.fatal_now(conn, ErrorCode::ShuttingDown, out);
                return Ok(());
            }
        }
        match purpose {
            Purpose::Script => match value.as_bytes() {
                Some(_library) if self.started => self.link_up(now, out),
                Some(_library) => {
                    // The first connection: claim the node's id (and clear
                    // what a crashed process with the same id left).
                    let id = self.config.id.clone();
                    let ttl = (self.config.heartbeat * 3).as_millis().to_string();
                    self.script(&["start", &id, &ttl], Purpose::Start);
                }
                None => {
                    let why = value
                        .as_error()
                        .map(|e| String::from_utf8_lossy(e).into_owned())
                        .unwrap_or_default();
                    return Err(ConnError::Handshake(format!("FUNCTION LOAD: {why}")));
                }
            },
            Purpose::Ignore => {}
            Purpose::Start => {
                if value.as_int() != Some(1) {
                    let id = &self.config.id;
                    return Err(ConnError::Refused(format!(
                        "node id {id} is in use by a live node (its heartbeat is fresh)"
                    )));
                }
                self.started = true;
                self.link_up(now, out);
            }
            Purpose::Beat => {
                self.beat_sent = None;
                if let Some(mark) = value.as_int().filter(|&n| n > 0) {
                    self.reap_mark = mark;
                    // Another node reaped this one while it was slow.
                    self.restore_rooms(false);
                    self.reassert_all();
                }
            }
            Purpose::Reassert { conn } => {
                if value.as_int() == Some(0) {
                    self.fatal_now(conn, ErrorCode::ShuttingDown, out);
                }
            }
            Purpose::Hello { conn, room } => self.on_hello(conn, room, value, out),
            Purpose::Join { conn, room } => self.on_join(conn, room, value, out, Vec::new()),
            Purpose::Leave { conn, room } => {
                // The leaver's own Left comes with the reply (the push is
                // for the other members), then it is no longer a member.
                if let Some(local) = self.rooms.get_mut(&room) {
                    local.members.retain(|&m| m != conn);
                }
                if let Some(client) = self.clients.get_mut(&conn) {
                    client.leaving.retain(|r| *r != room);
                }
                let left = value.as_bytes().map(Frame::from_frame_bytes);
                self.finish_step(conn, left.into_iter().collect(), out);
                self.maybe_unsubscribe(&room);
            }
            Purpose::Say { conn } => {
                // `[seq, frame]`: the sender's own Message comes with the
                // reply, in the order of its requests.
                let list = value.as_list().unwrap_or_default();
                let message = list.get(1).and_then(Value::as_bytes);
                let frames = message.map(Frame::from_frame_bytes).into_iter().collect();
                self.finish_step(conn, frames, out);
            }
            Purpose::Whisper { conn } => {
                let frames = match value.as_bytes() {
                    Some(bytes) => vec![Frame::from_frame_bytes(bytes)],
                    None => vec![self.error_frame(ErrorCode::NoSuchUser)],
                };
                self.finish_step(conn, frames, out);
            }
            Purpose::Rename { conn, nick } => {
                // The renamer's own Renamed comes with the reply; the
                // pushes skip it (their token names it).
                let frames = match value.as_bytes() {
                    Some(bytes) => {
                        if let Some(client) = self.clients.get_mut(&conn) {
                            let old = std::mem::replace(&mut client.nick, nick);
                            if self.nicks.get(old.as_bytes()) == Some(&conn) {
                                self.nicks.remove(old.as_bytes());
                            }
                            self.nicks.insert(client.nick.as_bytes().to_vec(), conn);
                        }
                        vec![Frame::from_frame_bytes(bytes)]
                    }
                    None => vec![self.error_frame(ErrorCode::NickTaken)],
                };
                self.finish_step(conn, frames, out);
                self.resume(conn, 0, out);
            }
            Purpose::ListRooms { conn } => {
                let frame = self.rooms_frame(&value);
                self.finish_step(conn, vec![frame], out);
            }
            Purpose::ListUsers { conn, room } => {
                let frame = self.users_frame(&room, &value);
                self.finish_step(conn, vec![frame], out);
            }
            Purpose::CatchUp { room } => self.on_catch_up(&room, &value, out),
        }
        Ok(())
    }

    fn on_hello(&mut self, conn: ConnId, room: Arc<str>, value: Value, out: &mut Outbox) {
        let list = value.as_list().unwrap_or_default();
        let claimed = list.first().and_then(Value::as_int) == Some(1);
        let Some(client) = self.clients.get_mut(&conn) else {
            // Gone meanwhile: its `depart` (sent after) undoes the claim.
            self.joined_elsewhere(&room);
            return;
        };
        if !claimed {
            client.phase = Phase::Connected;
            client.nick.clear();
            client.rooms.clear();
            let refusal = self.error_frame(ErrorCode::NickTaken);
            self.joined_elsewhere(&room);
            self.finish_step(conn, vec![refusal], out);
            return self.resume(conn, 0, out);
        }
        client.phase = Phase::Welcomed;
        self.nicks.insert(client.nick.as_bytes().to_vec(), conn);
        let welcome = ServerMsgRef::Welcome {
            version: PROTOCOL_VERSION,
            nick: &client.nick,
            server: &self.config.hub.server,
        };
        let welcome = Frame::encode_into(&mut self.scratch, &welcome);
        let join = list.get(1).cloned().unwrap_or(Value::Null);
        self.on_join(conn, room, join, out, vec![welcome]);
        self.resume(conn, 0, out);
    }

    /// A join answered: `[seq, [history...], joined]`.
    fn on_join(
        &mut self,
        conn: ConnId,
        room: Arc<str>,
        value: Value,
        out: &mut Outbox,
        mut frames: Vec<Frame>,
    ) {
        let list = value.as_list().unwrap_or_default();
        let seq = list.first().and_then(Value::as_int).unwrap_or(0) as u64;
        let history = list.get(1).and_then(Value::as_list).unwrap_or_default();
        let joined = list.get(2).and_then(Value::as_bytes);
        let present = self.clients.contains_key(&conn);
        let Some(local) = self.rooms.get_mut(&room) else {
            return;
        };
        local.joining = local.joining.saturating_sub(1);
        // The node's copy of the room's history: the reply's, sharing the
        // frames already held when they are the same ones.
        if local.last_seq != seq || local.history.len() != history.len() {
            local.history = history
                .iter()
                .filter_map(Value::as_bytes)
                .map(Frame::from_frame_bytes)
                .collect();
            local.last_seq = seq;
        }
        if !present {
            return self.maybe_unsubscribe(&room);
        }
        frames.extend(local.history.iter().cloned());
        if let Some(joined) = joined {
            frames.push(Frame::from_frame_bytes(joined));
        }
        local.members.push(conn);
        self.finish_step(conn, frames, out);
    }

    /// A hello for `room` will not make a member after all.
    fn joined_elsewhere(&mut self, room: &Arc<str>) {
        if let Some(local) = self.rooms.get_mut(room) {
            local.joining = local.joining.saturating_sub(1);
        }
        self.maybe_unsubscribe(room);
    }

    /// The history read after a reconnection: the `Message`s the local
    /// members missed (by `seq`), then the pushes held meanwhile, each
    /// once.
    fn on_catch_up(&mut self, name: &Arc<str>, value: &Value, out: &mut Outbox) {
        let Some(local) = self.rooms.get_mut(name) else {
            return;
        };
        let list = value.as_list().unwrap_or_default();
        let history = list.get(1).and_then(Value::as_list).unwrap_or_default();
        let held = local.catching_up.take().unwrap_or_default();
        for bytes in history.iter().filter_map(Value::as_bytes) {
            let frame = Frame::from_frame_bytes(bytes);
            let Some(local) = self.rooms.get_mut(name) else {
                return;
            };
            match message_seq(&frame) {
                // Missed: as if pushed now (a local sender still connected
                // has it from its reply, and is skipped).
                Some(seq) if seq > local.last_seq => {
                    local.last_seq = seq - 1;
                    self.deliver_room_frame(name, frame, b"", out);
                }
                _ => {}
            }
        }
        for payload in held {
            let Some(len) = frame_len(&payload) else {
                continue;
            };
            let last_seq = self.rooms.get(name).map_or(0, |r| r.last_seq);
            let frame = Frame::from_frame_bytes(&payload[..len]);
            if message_seq(&frame).is_some_and(|seq| seq <= last_seq) {
                continue; // in the history just delivered
            }
            self.deliver_room_frame(name, frame, &payload[len..], out);
        }
    }

    fn on_push(&mut self, items: &[Value], out: &mut Outbox) {
        let [kind, channel, payload] = items else {
            return;
        };
        if kind.as_bytes() != Some(b"smessage") {
            return;
        }
        let (Some(channel), Some(payload)) = (channel.as_bytes(), payload.as_bytes()) else {
            return;
        };
        if let Some(name) = room::room_of_channel(channel) {
            self.on_room_push(name, payload, out);
        } else {
            self.on_whisper_push(payload, out);
        }
    }

    fn on_room_push(&mut self, name: &str, payload: &[u8], out: &mut Outbox) {
        let Some(local) = self.rooms.get_mut(name) else {
            return;
        };
        let Some(len) = frame_len(payload) else {
            return;
        };
        if let Some(held) = &mut local.catching_up {
            held.push(payload.to_vec());
            return;
        }
        let frame = Frame::from_frame_bytes(&payload[..len]);
        self.deliver_room_frame(name, frame, &payload[len..], out);
    }

    /// Hands a room frame to the local members, in stream order, except
    /// the one it is about, who gets it with the reply to its own request:
    /// the sender of a `Message`, the joiner in `Joined`, the leaver in
    /// `Left`, the renamer in `Renamed` (named by the `trailer` token). So
    /// a client's own events arrive in the order of its requests whether
    /// Redis writes a script's publications to the script's own connection
    /// before its reply (Redis 7.0) or after it (7.2 and later). A
    /// `Renamed` published in several shared rooms reaches each member
    /// once.
    fn deliver_room_frame(&mut self, name: &str, frame: Frame, trailer: &[u8], out: &mut Outbox) {
        let Some(local) = self.rooms.get_mut(name) else {
            return;
        };
        let payload = frame.payload();
        let about = match payload.first() {
            Some(&MESSAGE_TAG) => {
                local.last_seq += 1;
                keep(&mut local.history, frame.clone());
                second_str(payload).and_then(|nick| self.nicks.get(nick).copied())
            }
            Some(&JOINED_TAG | &LEFT_TAG) => {
                second_str(payload).and_then(|nick| self.nicks.get(nick).copied())
            }
            Some(&RENAMED_TAG) => {
                let at = match self.rename_seen.iter().position(|(t, _)| t == trailer) {
                    Some(at) => at,
                    None => {
                        if self.rename_seen.len() == RENAMES_REMEMBERED {
                            self.rename_seen.pop_front();
                        }
                        self.rename_seen.push_back((trailer.to_vec(), Vec::new()));
                        self.rename_seen.len() - 1
                    }
                };
                let seen = &mut self.rename_seen[at].1;
                let renamer = renamer_of(trailer, &self.config.id);
                for &member in &local.members {
                    if Some(member) != renamer && !seen.contains(&member) {
                        seen.push(member);
                        out.send(member, frame.clone());
                    }
                }
                return;
            }
            _ => None,
        };
        match about {
            None => out.broadcast(&local.members, &frame),
            Some(own) => {
                for &member in &local.members {
                    if member != own {
                        out.send(member, frame.clone());
                    }
                }
            }
        }
    }

    /// `conn frame` from this node's channel: a `Whispered` for `conn`.
    fn on_whisper_push(&mut self, payload: &[u8], out: &mut Outbox) {
        let Some(space) = payload.iter().position(|&b| b == b' ') else {
            return;
        };
        let conn = std::str::from_utf8(&payload[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .map(ConnId);
        let bytes = &payload[space + 1..];
        if let (Some(conn), Some(_)) = (conn, frame_len(bytes)) {
            if self
                .clients
                .get(&conn)
                .is_some_and(|c| c.phase == Phase::Welcomed)
            {
                out.send(conn, Frame::from_frame_bytes(bytes));
            }
        }
    }

    // ----- a client's output, in order -----------------------------------

    /// Output for `conn` that needs nothing from Redis: now, unless steps
    /// before it wait.
    fn emit(&mut self, conn: ConnId, frame: Frame, out: &mut Outbox) {
        match self.clients.get_mut(&conn) {
            Some(client) if !client.steps.is_empty() => {
                client.steps.push_back(Step::Ready(vec![frame]))
            }
            _ => out.send(conn, frame),
        }
    }

    /// A request of `conn` now waits for the command just sent.
    fn wait(&mut self, conn: ConnId) {
        if let Some(client) = self.clients.get_mut(&conn) {
            client.steps.push_back(Step::Waiting);
        }
    }

    /// The oldest waiting step of `conn` is answered with `frames`; every
    /// ready step at the front leaves.
    fn finish_step(&mut self, conn: ConnId, frames: Vec<Frame>, out: &mut Outbox) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if let Some(step) = client.steps.iter_mut().find(|s| matches!(s, Step::Waiting)) {
            *step = Step::Ready(frames);
        }
        loop {
            match client.steps.front() {
                Some(Step::Ready(_)) => {
                    if let Some(Step::Ready(frames)) = client.steps.pop_front() {
                        for frame in frames {
                            out.send(conn, frame);
                        }
                    }
                }
                Some(Step::Close(code)) => {
                    if let Some(code) = *code {
                        out.send(conn, self.errors[code as usize].clone());
                    }
                    out.close(conn);
                    // Its `depart` went to Redis when the close was decided.
                    return self.forget(conn, false);
                }
                Some(Step::Waiting) => break,
                None => break,
            }
        }
        if !client.blocked && !client.held.is_empty() {
            self.drain_held(conn, 0, out);
        }
    }

    /// The `Hello` or `Nick` that blocked `conn` is answered: handles what
    /// it had held, until it blocks again.
    fn resume(&mut self, conn: ConnId, now_ms: u64, out: &mut Outbox) {
        if let Some(client) = self.clients.get_mut(&conn) {
            client.blocked = false;
        }
        self.drain_held(conn, now_ms, out);
    }

    /// Handles the held messages of `conn` while nothing holds them.
    fn drain_held(&mut self, conn: ConnId, now_ms: u64, out: &mut Outbox) {
        loop {
            let Some(client) = self.clients.get_mut(&conn) else {
                return;
            };
            if client.paused && client.held.len() < HOLD_LIMIT {
                client.paused = false;
                self.resumed.push(conn);
            }
            if client.blocked || self.link != Link::Up || client.steps.len() >= MAX_STEPS {
                return;
            }
            let Some(msg) = client.held.pop_front() else {
                return;
            };
            let now_ms = if now_ms == 0 {
                crate::clock::unix_ms()
            } else {
                now_ms
            };
            self.request(conn, msg, now_ms, out);
        }
    }

    // ----- requests ----------------------------------------------------

    fn request(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox) {
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        if client.phase == Phase::Claiming {
            return; // unreachable: a claiming client's messages are held
        }
        let welcomed = client.phase == Phase::Welcomed;
        dispatch(self, welcomed, conn, msg, now_ms, out);
    }

    fn refuse(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        let frame = self.error_frame(code);
        self.emit(conn, frame, out);
    }

    /// The local room `name` (lowercase), subscribed first if new, with
    /// one more join in flight.
    fn enter_room(&mut self, name: &str) -> Arc<str> {
        if let Some(local) = self.rooms.get_mut(name) {
            local.joining += 1;
        }
        if let Some((key, _)) = self.rooms.get_key_value(name) {
            return key.clone();
        }
        let key: Arc<str> = Arc::from(name);
        self.send(&["SSUBSCRIBE", &room::channel(name)], Purpose::Ignore);
        self.rooms.insert(
            key.clone(),
            LocalRoom {
                keys: room::RoomKeys::new(name),
                members: Vec::new(),
                joining: 1,
                last_seq: 0,
                history: VecDeque::new(),
                catching_up: None,
            },
        );
        key
    }

    /// Leaves the channel of `name` once no local client is in it or
    /// joining it.
    fn maybe_unsubscribe(&mut self, name: &str) {
        let idle = self
            .rooms
            .get(name)
            .is_some_and(|r| r.members.is_empty() && r.joining == 0);
        if idle {
            self.rooms.remove(name);
            self.send(&["SUNSUBSCRIBE", &room::channel(name)], Purpose::Ignore);
        }
    }

    fn rooms_frame(&mut self, value: &Value) -> Frame {
        let pairs: Vec<(&[u8], &Value)> = match value {
            Value::Map(pairs) => pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_bytes()?, v)))
                .collect(),
            other => other
                .as_list()
                .unwrap_or_default()
                .chunks_exact(2)
                .filter_map(|kv| Some((kv[0].as_bytes()?, &kv[1])))
                .collect(),
        };
        let mut rooms: Vec<RoomInfoRef<'_>> = pairs
            .iter()
            .filter_map(|&(name, count)| {
                let name = std::str::from_utf8(name).ok()?;
                let count = match count {
                    Value::Integer(n) => *n,
                    other => std::str::from_utf8(other.as_bytes()?).ok()?.parse().ok()?,
                };
                let members = u32::try_from(count).ok().filter(|&n| n > 0)?;
                Some(RoomInfoRef { name, members })
            })
            .collect();
        rooms.sort_unstable_by(|a, b| a.name.cmp(b.name));
        let sizes = rooms
            .iter()
            .map(|room| listing::room_entry_len(room.name, room.members));
        let fit = listing::fitting(ROOMS_FIXED, sizes, SERVER_MAX_FRAME as usize);
        let reply = ServerMsgRef::Rooms {
            rooms: Cow::Borrowed(&rooms[..fit]),
        };
        Frame::encode_into(&mut self.scratch, &reply)
    }

    fn users_frame(&mut self, room: &str, value: &Value) -> Frame {
        let mut nicks: Vec<&str> = value
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| std::str::from_utf8(v.as_bytes()?).ok())
            .collect();
        if nicks.is_empty() {
            return self.error_frame(ErrorCode::NoSuchRoom);
        }
        nicks.sort_unstable_by(|a, b| cmp_folded(a, b));
        let sizes = nicks.iter().map(|nick| listing::str_len(nick));
        let limit = SERVER_MAX_FRAME as usize;
        let fit = listing::fitting(listing::users_fixed(room), sizes, limit);
        let reply = ServerMsgRef::Users {
            room,
            nicks: Cow::Borrowed(&nicks[..fit]),
        };
        Frame::encode_into(&mut self.scratch, &reply)
    }

    // ----- leaving -------------------------------------------------------

    /// A fatal error: sent after the replies owed for earlier requests,
    /// then the close (PROTOCOL.md section 4).
    fn fatal(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        self.close_client(conn, Some(code), out);
    }

    /// Closes `conn` once every step before is done: its replies to
    /// earlier requests still arrive, its later messages are ignored.
    /// Redis learns at once (its `depart` runs after the commands the
    /// steps wait for).
    fn close_client(&mut self, conn: ConnId, code: Option<ErrorCode>, out: &mut Outbox) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if client.closing {
            return;
        }
        client.closing = true;
        client.held.clear();
        if client.steps.is_empty() {
            if let Some(code) = code {
                out.send(conn, self.errors[code as usize].clone());
            }
            out.close(conn);
            return self.forget(conn, true);
        }
        client.steps.push_back(Step::Close(code));
        self.send_depart(conn);
    }

    /// A fatal error now: what waits for Redis is lost (its fate is
    /// unknown, which the error tells), what is ready before it goes.
    fn fatal_now(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let already_departed = client.closing;
        let said_bye = matches!(client.steps.back(), Some(Step::Close(None)));
        while let Some(Step::Ready(frames)) = client.steps.pop_front() {
            for frame in frames {
                out.send(conn, frame);
            }
        }
        if !said_bye {
            // Nothing is sent after Bye (PROTOCOL.md 5.6).
            out.send(conn, self.errors[code as usize].clone());
        }
        out.close(conn);
        self.forget(conn, !already_departed);
    }

    /// The connection is gone (or dropped as a slow consumer): it
    /// receives nothing more.
    fn depart(&mut self, conn: ConnId) {
        let departed = self.clients.get(&conn).is_some_and(|c| c.closing);
        self.forget(conn, !departed);
    }

    /// Removes `conn` from this node; `tell_redis` sends its `depart` (its
    /// `Left` frames, its nick freed).
    fn forget(&mut self, conn: ConnId, tell_redis: bool) {
        if tell_redis {
            self.send_depart(conn);
        }
        let Some(client) = self.clients.remove(&conn) else {
            return;
        };
        if self.nicks.get(client.nick.as_bytes()) == Some(&conn) {
            self.nicks.remove(client.nick.as_bytes());
        }
        let rooms = client.rooms.iter().chain(&client.leaving);
        for name in rooms.clone() {
            if let Some(local) = self.rooms.get_mut(name) {
                local.members.retain(|&m| m != conn);
            }
        }
        for name in rooms {
            self.maybe_unsubscribe(name);
        }
    }

    /// Tells Redis that `conn` left.
    fn send_depart(&mut self, conn: ConnId) {
        if self
            .clients
            .get(&conn)
            .is_none_or(|c| c.phase == Phase::Connected)
        {
            return;
        }
        // While Redis is away the `sync` op that follows the reconnection
        // does it.
        if self.link == Link::Up {
            let id = self.config.id.clone();
            let c = conn.0.to_string();
            self.script(&["depart", &id, &c], Purpose::Ignore);
        }
    }
}

/// The requests, each checked by the node as far as it can alone, then
/// sent to Redis; [`dispatch`] routes them by session state, as for the
/// hub.
impl Requests for Node {
    fn bye(&mut self, conn: ConnId, out: &mut Outbox) {
        self.close_client(conn, None, out);
    }

    fn unexpected(&mut self, conn: ConnId, out: &mut Outbox) {
        self.fatal(conn, ErrorCode::Unexpected, out);
    }

    fn hello(&mut self, conn: ConnId, version: u32, nick: String, out: &mut Outbox) {
        if version != PROTOCOL_VERSION {
            return self.fatal(conn, ErrorCode::VersionUnsupported, out);
        }
        if Folded::new(&nick).is_none() {
            return self.refuse(conn, ErrorCode::BadNick, out);
        }
        let lobby: Arc<str> = self.enter_room(LOBBY);
        let id = self.config.id.clone();
        let c = conn.0.to_string();
        let purpose = Purpose::Hello {
            conn,
            room: lobby.clone(),
        };
        if !self.script(&["hello", &id, &c, &nick, LOBBY], purpose) {
            self.joined_elsewhere(&lobby);
            return self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
        if let Some(client) = self.clients.get_mut(&conn) {
            client.phase = Phase::Claiming;
            client.nick = nick;
            client.rooms = vec![lobby];
            client.blocked = true;
            client.steps.push_back(Step::Waiting);
        }
    }
    fn say(&mut self, conn: ConnId, room: &str, text: &str, now_ms: u64, out: &mut Outbox) {
        let Some(key) = Folded::new(room) else {
            return self.refuse(conn, ErrorCode::BadRoom, out);
        };
        if !is_valid_text(text) {
            return self.refuse(conn, ErrorCode::BadText, out);
        }
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let Some(name) = client.rooms.iter().find(|r| ***r == *key.as_str()) else {
            return self.refuse(conn, ErrorCode::NotInRoom, out);
        };
        let Some(local) = self.rooms.get(name) else {
            return; // invariant: a client's rooms are local rooms
        };
        let Ok(at) = room::message_parts_into(&mut self.scratch, name, &client.nick, text, now_ms)
        else {
            return;
        };
        let (head, tail) = self.scratch.split_at(at);
        let command = local.keys.message_command(head, tail);
        if self.redis.send(&command).is_ok() {
            self.in_flight.push_back(Purpose::Say { conn });
            self.wait(conn);
        } else {
            self.broken = true;
            self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
    }
    fn join(&mut self, conn: ConnId, room: &str, out: &mut Outbox) {
        let Some(key) = Folded::new(room) else {
            return self.refuse(conn, ErrorCode::BadRoom, out);
        };
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let refusal = if client.rooms.iter().any(|r| **r == *key.as_str()) {
            Some(ErrorCode::AlreadyInRoom)
        } else if client.rooms.len() >= MAX_ROOMS_PER_CLIENT {
            Some(ErrorCode::TooManyRooms)
        } else {
            None
        };
        if let Some(code) = refusal {
            return self.refuse(conn, code, out);
        }
        let name = self.enter_room(key.as_str());
        let id = self.config.id.clone();
        let c = conn.0.to_string();
        let purpose = Purpose::Join {
            conn,
            room: name.clone(),
        };
        if !self.script(&["join", &id, &c, &name], purpose) {
            self.joined_elsewhere(&name);
            return self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
        if let Some(client) = self.clients.get_mut(&conn) {
            client.rooms.push(name);
        }
        self.wait(conn);
    }
    fn leave(&mut self, conn: ConnId, room: &str, out: &mut Outbox) {
        let Some(key) = Folded::new(room) else {
            return self.refuse(conn, ErrorCode::BadRoom, out);
        };
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let Some(at) = client.rooms.iter().position(|r| **r == *key.as_str()) else {
            return self.refuse(conn, ErrorCode::NotInRoom, out);
        };
        let name = client.rooms.remove(at);
        client.leaving.push(name.clone());
        let id = self.config.id.clone();
        let c = conn.0.to_string();
        let purpose = Purpose::Leave {
            conn,
            room: name.clone(),
        };
        if self.script(&["leave", &id, &c, &name], purpose) {
            self.wait(conn);
        } else {
            self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
    }
    fn whisper(&mut self, conn: ConnId, to: &str, text: &str, now_ms: u64, out: &mut Outbox) {
        if !is_valid_text(text) {
            return self.refuse(conn, ErrorCode::BadText, out);
        }
        if Folded::new(to).is_none() {
            return self.refuse(conn, ErrorCode::NoSuchUser, out);
        }
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let from = client.nick.clone();
        let id = self.config.id.clone();
        let c = conn.0.to_string();
        let time = now_ms.to_string();
        let args = ["whisper", &id, &c, &from, to, text, &time];
        if self.script(&args, Purpose::Whisper { conn }) {
            self.wait(conn);
        } else {
            self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
    }
    fn rename(&mut self, conn: ConnId, nick: String, out: &mut Outbox) {
        if Folded::new(&nick).is_none() {
            return self.refuse(conn, ErrorCode::BadNick, out);
        }
        self.next_token += 1;
        let token = format!(" {}:{}:{}", self.config.id, conn.0, self.next_token).into_bytes();
        let id = self.config.id.clone();
        let c = conn.0.to_string();
        let args: [&[u8]; 5] = [
            b"rename",
            id.as_bytes(),
            c.as_bytes(),
            nick.as_bytes(),
            &token,
        ];
        let purpose = Purpose::Rename {
            conn,
            nick: nick.clone(),
        };
        if !self.script(&args, purpose) {
            return self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
        if let Some(client) = self.clients.get_mut(&conn) {
            client.blocked = true;
            client.steps.push_back(Step::Waiting);
        }
    }
    fn list_users(&mut self, conn: ConnId, room: &str, out: &mut Outbox) {
        let Some(key) = Folded::new(room) else {
            return self.refuse(conn, ErrorCode::BadRoom, out);
        };
        let name: Arc<str> = Arc::from(key.as_str());
        let members = room::members_key(&name);
        if self.send(
            &["HVALS", &members],
            Purpose::ListUsers { conn, room: name },
        ) {
            self.wait(conn);
        } else {
            self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
    }

    fn list_rooms(&mut self, conn: ConnId, out: &mut Outbox) {
        if self.send(&["HGETALL", "chat:rooms"], Purpose::ListRooms { conn }) {
            self.wait(conn);
        } else {
            self.fatal(conn, ErrorCode::ShuttingDown, out);
        }
    }

    fn ping(&mut self, conn: ConnId, nonce: u64, out: &mut Outbox) {
        let pong = Frame::encode_into(&mut self.scratch, &ServerMsgRef::Pong { nonce });
        self.emit(conn, pong, out);
    }
}

/// Renames whose pushes the node remembers, to deliver each once per
/// member: a rename's pushes arrive together, except during a catch-up,
/// which releases each room's held pushes in turn.
const RENAMES_REMEMBERED: usize = 64;

/// Variant indexes of the room frames, the first byte of their payloads.
const MESSAGE_TAG: u8 = 1;
const JOINED_TAG: u8 = 3;
const LEFT_TAG: u8 = 4;
const RENAMED_TAG: u8 = 5;

/// The second string field of a room frame's payload: `from` of a
/// `Message`, `nick` of a `Joined` or `Left` (the first is the room).
fn second_str(payload: &[u8]) -> Option<&[u8]> {
    let mut rest = payload.get(1..)?;
    let mut field = || -> Option<&[u8]> {
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let (&b, tail) = rest.split_first()?;
            rest = tail;
            len |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
            if shift > 28 {
                return None;
            }
        }
        let value = rest.get(..len)?;
        rest = &rest[len..];
        Some(value)
    };
    field()?;
    field()
}

/// The local renamer named by a `Renamed` push's token ` node:conn:n`, if
/// the node is `me`.
fn renamer_of(token: &[u8], me: &str) -> Option<ConnId> {
    let token = std::str::from_utf8(token.strip_prefix(b" ")?).ok()?;
    let mut parts = token.rsplitn(3, ':');
    let (_n, conn, node) = (parts.next()?, parts.next()?, parts.next()?);
    if node != me {
        return None;
    }
    conn.parse().ok().map(ConnId)
}

/// The length of the frame at the start of `bytes`, if it is whole.
fn frame_len(bytes: &[u8]) -> Option<usize> {
    let header: [u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
    let len = HEADER_LEN + u32::from_be_bytes(header) as usize;
    (len > HEADER_LEN && len <= bytes.len()).then_some(len)
}

/// The `seq` of a `Message` frame.
fn message_seq(frame: &Frame) -> Option<u64> {
    match crate::fmt::binary::from_bytes::<ServerMsgRef<'_>>(frame.payload()) {
        Ok(ServerMsgRef::Message { seq, .. }) => Some(seq),
        _ => None,
    }
}

/// Appends to a room's copy of its history, keeping the last
/// [`HISTORY_LEN`].
fn keep(history: &mut VecDeque<Frame>, frame: Frame) {
    if history.len() == HISTORY_LEN {
        history.pop_front();
    }
    history.push_back(frame);
}

impl Engine for Node {
    fn handle_connect(&mut self, conn: ConnId, out: &mut Outbox) -> bool {
        let refusal = if self.shutting_down || self.refusing {
            ErrorCode::ShuttingDown
        } else if self.clients.contains_key(&conn) {
            return true;
        } else if self.clients.len() >= self.config.hub.max_conns {
            ErrorCode::ServerFull
        } else {
            self.clients.insert(
                conn,
                Client {
                    phase: Phase::Connected,
                    nick: String::new(),
                    rooms: Vec::new(),
                    leaving: Vec::new(),
                    steps: VecDeque::new(),
                    held: VecDeque::new(),
                    blocked: false,
                    closing: false,
                    paused: false,
                },
            );
            return true;
        };
        out.send(conn, self.error_frame(refusal));
        out.close(conn);
        false
    }

    fn handle_message(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox) {
        let up = self.link == Link::Up;
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if client.closing {
            return;
        }
        if client.blocked || !up || !client.held.is_empty() || client.steps.len() >= MAX_STEPS {
            if client.held.len() >= MAX_HELD {
                return self.fatal(conn, ErrorCode::ShuttingDown, out);
            }
            client.held.push_back(msg);
            client.paused |= client.held.len() >= HOLD_LIMIT;
            return;
        }
        self.request(conn, msg, now_ms, out);
    }

    fn handle_decode_error(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        self.fatal(conn, code, out);
    }

    fn handle_hello_timeout(&mut self, conn: ConnId, out: &mut Outbox) {
        if self
            .clients
            .get(&conn)
            .is_some_and(|c| c.phase != Phase::Welcomed)
        {
            self.fatal_now(conn, ErrorCode::HelloTimeout, out);
        }
    }

    fn handle_slow_consumer(&mut self, conn: ConnId, out: &mut Outbox) {
        if self.clients.contains_key(&conn) {
            out.close(conn);
            self.depart(conn);
        }
    }

    fn handle_disconnect(&mut self, conn: ConnId, _out: &mut Outbox) {
        self.depart(conn);
    }

    /// Every client gets `ShuttingDown`; the node's users leave the
    /// cluster (the other nodes' members get their `Left`).
    fn handle_shutdown(&mut self, out: &mut Outbox) {
        self.shutting_down = true;
        let conns = self.clients.keys().copied().collect();
        out.send_and_close_all(conns, &self.error_frame(ErrorCode::ShuttingDown));
        self.clients.clear();
        self.nicks.clear();
        self.rooms.clear();
        if self.link == Link::Up {
            let id = self.config.id.clone();
            self.script(&["leave_cluster", &id], Purpose::Ignore);
        }
    }

    fn state(&self, conn: ConnId) -> Option<SessionState> {
        self.clients.get(&conn).map(|c| match c.phase {
            Phase::Welcomed => SessionState::Welcomed,
            _ => SessionState::Connected,
        })
    }

    fn error_frame(&self, code: ErrorCode) -> Frame {
        self.errors[code as usize].clone()
    }

    fn accepts_input(&self, conn: ConnId) -> bool {
        self.clients
            .get(&conn)
            .is_none_or(|c| c.held.len() < HOLD_LIMIT)
    }

    fn take_resumed(&mut self, into: &mut Vec<ConnId>) {
        into.append(&mut self.resumed);
    }
}

#[cfg(test)]
mod tests {
    //! The node against a scripted Redis: each test reads the commands the
    //! node wrote and answers them in order, as Redis would, with pushes
    //! where Redis would push. What the scripts do inside Redis is tested
    //! against a real server in `tests/redis_backplane.rs` and the cluster
    //! conformance tests; here it is the node's own rules: the order of a
    //! client's output, holding, and what a lost link costs.

    use super::*;
    use crate::cluster::resp::{Decoder, Limits};
    use crate::fmt::binary;
    use crate::protocol::ServerMsg;

    struct Harness {
        node: Node,
        out: Outbox,
        /// Commands the node wrote and the test has not answered.
        sent: VecDeque<Vec<Vec<u8>>>,
        now: Instant,
    }

    fn frame(msg: &ServerMsg) -> Vec<u8> {
        let mut out = Vec::new();
        crate::fmt::framed::encode_frame(msg, &mut out).unwrap();
        out
    }

    fn bulk(b: &[u8]) -> Value {
        Value::Bulk(b.to_vec())
    }

    /// What `chat_message` answers: `[seq, frame]`.
    fn said(seq: i64, message: &ServerMsg) -> Value {
        Value::Array(vec![Value::Integer(seq), Value::Bulk(frame(message))])
    }

    impl Harness {
        /// A node that has said HELLO, loaded the library and beaten once.
        fn up() -> Harness {
            let now = Instant::now();
            let config = NodeConfig::new(Config::new("test"), "n1".into());
            let mut h = Harness {
                node: Node::new(config, now),
                out: Outbox::new(),
                sent: VecDeque::new(),
                now,
            };
            h.collect();
            assert_eq!(h.sent[0][0], b"HELLO");
            h.answer(Value::Map(vec![(bulk(b"proto"), Value::Integer(3))]));
            assert_eq!(h.sent[0][..2], [b"FUNCTION".to_vec(), b"LOAD".to_vec()]);
            h.answer(bulk(b"chat"));
            h.confirm(b"ssubscribe", b"chat:node:{n1}");
            assert_eq!(h.op(0), "start", "the first link claims the id");
            h.answer(Value::Integer(1));
            assert!(h.node.is_up());
            for op in ["sync", "beat", "reap"] {
                assert_eq!(h.op(0), op);
                h.answer(Value::Integer(0));
            }
            h
        }

        /// Moves what the node wrote into `sent`, one command each.
        fn collect(&mut self) {
            let mut dec = Decoder::new(Limits::default());
            dec.push(self.node.redis_output());
            let n = self.node.redis_output().len();
            self.node.consume_redis_output(n);
            while let Some(Value::Array(items)) = dec.next_value().unwrap() {
                let args = items.iter().map(|v| v.as_bytes().unwrap().to_vec());
                self.sent.push_back(args.collect());
            }
        }

        /// The op of the `i`th command waiting (an `FCALL chat_<op>`).
        fn op(&mut self, i: usize) -> String {
            self.collect();
            let cmd = &self.sent[i];
            assert_eq!(cmd[0], b"FCALL", "{cmd:?}");
            let name = std::str::from_utf8(&cmd[1]).unwrap();
            name.strip_prefix("chat_").unwrap().to_owned()
        }

        fn feed(&mut self, value: Value) {
            let mut bytes = Vec::new();
            value.encode(&mut bytes);
            self.node
                .handle_redis_input(&bytes, self.now, &mut self.out)
                .unwrap();
        }

        /// Answers the oldest command waiting.
        fn answer(&mut self, value: Value) {
            self.collect();
            self.sent.pop_front().expect("a command to answer");
            self.feed(value);
        }

        /// Answers a subscription command with its confirmation push.
        fn confirm(&mut self, kind: &[u8], channel: &[u8]) {
            self.collect();
            let cmd = self.sent.pop_front().expect("a subscription");
            assert_eq!(cmd[1], channel);
            self.feed(Value::Push(vec![
                bulk(kind),
                bulk(channel),
                Value::Integer(1),
            ]));
        }

        /// A push from a room's channel.
        fn publish(&mut self, room: &str, frame: Vec<u8>) {
            let channel = room::channel(room);
            let push = vec![
                bulk(b"smessage"),
                bulk(channel.as_bytes()),
                Value::Bulk(frame),
            ];
            self.feed(Value::Push(push));
        }

        fn send(&mut self, conn: ConnId, msg: ClientMsg) {
            self.node.handle_message(conn, msg, 1000, &mut self.out);
        }

        /// What the node delivered since the last call, decoded, and the
        /// connections it closed.
        fn take(&mut self) -> (Vec<(ConnId, ServerMsg)>, Vec<ConnId>) {
            let got = self
                .out
                .drain_deliveries()
                .map(|d| (d.to, binary::from_bytes(d.frame.payload()).unwrap()))
                .collect();
            let closed = self.out.drain_closes().collect();
            (got, closed)
        }

        /// Connects `conn` as `nick` in `lobby`, alone there.
        fn login(&mut self, conn: ConnId, nick: &str) {
            assert!(self.node.handle_connect(conn, &mut self.out));
            self.send(conn, ClientMsg::hello(nick));
            self.collect();
            if self.sent[0][0] == b"SSUBSCRIBE" {
                self.confirm(b"ssubscribe", b"chat:{lobby}");
            }
            assert_eq!(self.op(0), "hello");
            let joined = frame(&ServerMsg::joined("lobby", nick));
            let join = Value::Array(vec![
                Value::Integer(0),
                Value::Array(Vec::new()),
                Value::Bulk(joined),
            ]);
            self.answer(Value::Array(vec![Value::Integer(1), join]));
            let (got, _) = self.take();
            assert_eq!(got.len(), 2, "{got:?}");
        }
    }

    #[test]
    fn requests_behind_a_hello_wait_for_its_answer() {
        let mut h = Harness::up();
        let a = ConnId(1);
        assert!(h.node.handle_connect(a, &mut h.out));
        h.send(a, ClientMsg::hello("ann"));
        h.send(a, ClientMsg::Ping { nonce: 7 });
        // Held: not even an Unexpected for a Ping before Welcome.
        assert_eq!(h.take(), (vec![], vec![]));
        h.confirm(b"ssubscribe", b"chat:{lobby}");
        assert_eq!(h.op(0), "hello");
        let joined = frame(&ServerMsg::joined("lobby", "ann"));
        // Redis pushes the script's own Joined before its reply: not the
        // joiner's (it is not a member yet), and no other member is here.
        h.publish("lobby", joined.clone());
        let join = Value::Array(vec![
            Value::Integer(0),
            Value::Array(vec![]),
            Value::Bulk(joined),
        ]);
        h.answer(Value::Array(vec![Value::Integer(1), join]));
        let (got, _) = h.take();
        let welcome = ServerMsg::Welcome {
            version: PROTOCOL_VERSION,
            nick: "ann".into(),
            server: "test".into(),
        };
        assert_eq!(
            got,
            [
                (a, welcome),
                (a, ServerMsg::joined("lobby", "ann")),
                (a, ServerMsg::Pong { nonce: 7 }),
            ]
        );
    }

    #[test]
    fn a_pong_waits_for_the_message_of_an_earlier_say() {
        let mut h = Harness::up();
        let (a, b) = (ConnId(1), ConnId(2));
        h.login(a, "ann");
        h.login(b, "bob");
        h.send(a, ClientMsg::say("lobby", "hi"));
        h.send(a, ClientMsg::Ping { nonce: 1 });
        assert_eq!(h.take(), (vec![], vec![]));
        assert_eq!(h.op(0), "message");
        let message = ServerMsg::message("lobby", "ann", "hi", 1, 1000);
        // Redis 7.0: the script's own push, then its reply. The sender's
        // copy comes with the reply, before the Pong.
        h.publish("lobby", frame(&message));
        h.answer(said(1, &message));
        let (got, _) = h.take();
        assert_eq!(
            got,
            [
                (b, message.clone()),
                (a, message),
                (a, ServerMsg::Pong { nonce: 1 }),
            ]
        );
    }

    #[test]
    fn the_order_holds_when_redis_answers_before_its_own_push() {
        // Redis 7.2 and later: the reply, then the script's own pushes.
        let mut h = Harness::up();
        let (a, b) = (ConnId(1), ConnId(2));
        h.login(a, "ann");
        h.login(b, "bob");
        h.send(a, ClientMsg::say("lobby", "hi"));
        h.send(a, ClientMsg::Ping { nonce: 1 });
        h.send(
            a,
            ClientMsg::Leave {
                room: "lobby".into(),
            },
        );
        let message = ServerMsg::message("lobby", "ann", "hi", 1, 1000);
        assert_eq!(h.op(0), "message");
        h.answer(said(1, &message));
        h.publish("lobby", frame(&message));
        let left = ServerMsg::left("lobby", "ann");
        assert_eq!(h.op(0), "leave");
        h.answer(Value::Bulk(frame(&left)));
        h.publish("lobby", frame(&left));
        let (got, _) = h.take();
        assert_eq!(
            got,
            [
                (a, message.clone()),
                (a, ServerMsg::Pong { nonce: 1 }),
                (b, message),
                (a, left.clone()),
                (b, left),
            ]
        );
        // A join: the joiner's Joined once, from the reply.
        h.send(b, ClientMsg::Join { room: "x".into() });
        h.confirm(b"ssubscribe", b"chat:{x}");
        assert_eq!(h.op(0), "join");
        let joined = frame(&ServerMsg::joined("x", "bob"));
        let reply = vec![
            Value::Integer(0),
            Value::Array(vec![]),
            Value::Bulk(joined.clone()),
        ];
        h.answer(Value::Array(reply));
        h.publish("x", joined);
        let (got, _) = h.take();
        assert_eq!(got, [(b, ServerMsg::joined("x", "bob"))]);
    }

    #[test]
    fn bye_and_fatal_errors_come_after_the_replies_owed() {
        let mut h = Harness::up();
        let a = ConnId(1);
        h.login(a, "ann");
        h.send(a, ClientMsg::say("lobby", "last"));
        h.send(a, ClientMsg::Bye);
        h.send(a, ClientMsg::Ping { nonce: 1 }); // after Bye: ignored
        assert_eq!(h.op(0), "message");
        assert_eq!(h.op(1), "depart", "Redis learns at once");
        assert_eq!(h.take(), (vec![], vec![]));
        let message = ServerMsg::message("lobby", "ann", "last", 1, 1000);
        h.publish("lobby", frame(&message));
        h.answer(said(1, &message));
        assert_eq!(h.take(), (vec![(a, message)], vec![a]));
        assert_eq!(h.node.connection_count(), 0);
    }

    #[test]
    fn a_lost_link_closes_the_clients_whose_requests_it_carried() {
        let mut h = Harness::up();
        let (a, b) = (ConnId(1), ConnId(2));
        h.login(a, "ann");
        h.login(b, "bob");
        h.send(a, ClientMsg::say("lobby", "lost?"));
        h.node.redis_lost(h.now, &mut h.out);
        let shutting = ServerMsg::Error {
            code: ErrorCode::ShuttingDown,
            detail: ErrorCode::ShuttingDown.describe().into(),
        };
        assert_eq!(h.take(), (vec![(a, shutting.clone())], vec![a]));
        // bob had nothing in flight: kept, his requests held.
        h.send(b, ClientMsg::Ping { nonce: 3 });
        assert_eq!(h.take(), (vec![], vec![]));
        assert_eq!(h.node.link_want(h.now), LinkWant::Connect);
        // Past the grace without Redis: everyone goes, new clients too.
        let later = h.now + h.node.config.grace;
        h.node.handle_timeout(later, &mut h.out);
        assert_eq!(h.take(), (vec![(b, shutting)], vec![b]));
        assert!(!h.node.handle_connect(ConnId(3), &mut h.out));
    }

    #[test]
    fn a_rename_reaches_each_local_sharer_once() {
        let mut h = Harness::up();
        let (a, b) = (ConnId(1), ConnId(2));
        h.login(a, "ann");
        h.login(b, "bob");
        h.send(
            a,
            ClientMsg::Nick {
                nick: "anna".into(),
            },
        );
        assert_eq!(h.op(0), "rename");
        let token = h.sent[0].last().unwrap().clone();
        let renamed = frame(&ServerMsg::renamed("ann", "anna"));
        // One push per room the renamer is in (two here), then the reply.
        for _ in 0..2 {
            let mut payload = renamed.clone();
            payload.extend_from_slice(&token);
            h.publish("lobby", payload);
        }
        h.answer(Value::Bulk(renamed));
        let (got, _) = h.take();
        let want = ServerMsg::renamed("ann", "anna");
        // bob from the first push; ann, named by the token, from her reply.
        assert_eq!(got, [(b, want.clone()), (a, want)]);
    }

    #[test]
    fn a_pipelining_client_has_at_most_max_steps_pending() {
        let mut h = Harness::up();
        let a = ConnId(1);
        h.login(a, "ann");
        for n in 0..MAX_STEPS + 10 {
            h.send(a, ClientMsg::say("lobby", &format!("m{n}")));
        }
        h.collect();
        assert_eq!(h.sent.len(), MAX_STEPS, "the rest are held");
        // Each answer lets one more go, in order.
        h.answer(Value::Integer(1));
        h.collect();
        assert_eq!(h.sent.len(), MAX_STEPS);
        let last = h.sent.back().unwrap();
        let text = format!("m{MAX_STEPS}");
        assert!(
            last[7].ends_with(text.as_bytes()),
            "the head ends with the text"
        );
        while !h.sent.is_empty() {
            h.answer(Value::Integer(1));
        }
        h.collect();
        assert!(h.sent.is_empty());
        assert_eq!(h.node.connection_count(), 1);
    }

    #[test]
    fn a_client_far_ahead_of_redis_is_paused_then_resumed() {
        let mut h = Harness::up();
        let a = ConnId(1);
        h.login(a, "ann");
        for n in 0..MAX_STEPS + HOLD_LIMIT {
            assert!(h.node.accepts_input(a), "message {n}");
            h.send(a, ClientMsg::say("lobby", "x"));
        }
        assert!(!h.node.accepts_input(a), "the server should stop reading");
        let mut resumed = Vec::new();
        h.node.take_resumed(&mut resumed);
        assert!(resumed.is_empty());
        h.answer(Value::Integer(1));
        assert!(h.node.accepts_input(a));
        h.node.take_resumed(&mut resumed);
        assert_eq!(resumed, [a], "listed once, to be read again");
        h.answer(Value::Integer(2));
        h.node.take_resumed(&mut resumed);
        assert_eq!(resumed, [a]);
    }

    #[test]
    fn a_reaped_node_reasserts_its_users_then_clears_the_mark() {
        let mut h = Harness::up();
        h.login(ConnId(1), "ann");
        let later = h.now + h.node.config.heartbeat;
        h.node.handle_timeout(later, &mut h.out);
        assert_eq!(h.op(0), "beat");
        h.answer(Value::Integer(1)); // marked reaped
        assert_eq!(h.op(0), "reap");
        h.answer(Value::Integer(0));
        let ops: Vec<String> = (0..4).map(|i| h.op(i)).collect();
        assert_eq!(ops, ["restore_room", "sync", "reassert", "unreaped"]);
        let reassert = &h.sent[2];
        assert_eq!(
            reassert[3..],
            [
                b"n1".to_vec(),
                b"1".to_vec(),
                b"ann".to_vec(),
                b"lobby".to_vec()
            ]
        );
    }

    #[test]
    fn a_node_id_in_use_is_refused_at_start() {
        let now = Instant::now();
        let config = NodeConfig::new(Config::new("test"), "n1".into());
        let mut node = Node::new(config, now);
        let mut out = Outbox::new();
        let mut input = Vec::new();
        for value in [
            Value::Map(vec![(bulk(b"proto"), Value::Integer(3))]),
            bulk(b"chat"),
            Value::Push(vec![
                bulk(b"ssubscribe"),
                bulk(b"chat:node:{n1}"),
                Value::Integer(1),
            ]),
            Value::Integer(0), // chat_start: another live node has the id
        ] {
            value.encode(&mut input);
        }
        let err = node.handle_redis_input(&input, now, &mut out).unwrap_err();
        assert!(err.to_string().contains("node id n1 is in use"), "{err}");
        assert!(!node.is_up());
    }

    #[test]
    fn an_unanswered_heartbeat_gives_the_connection_up_and_backs_off() {
        let mut h = Harness::up();
        let a = ConnId(1);
        h.login(a, "ann");
        let beat = h.now + h.node.config.heartbeat;
        h.node.handle_timeout(beat, &mut h.out);
        assert_eq!(h.op(0), "beat");
        // Redis answers nothing: after STALL_PERIODS heartbeats the node
        // gives up and asks for a new connection at once.
        let stalled = beat + h.node.config.heartbeat * STALL_PERIODS;
        assert!(h.node.poll_timeout().unwrap() <= stalled);
        h.node.handle_timeout(stalled, &mut h.out);
        assert!(h.node.take_broken());
        assert_eq!(h.node.link_want(stalled), LinkWant::Connect);
        // A new connection whose handshake also goes unanswered: the next
        // attempt waits (no reconnection storm).
        h.node.redis_connected(stalled);
        let again = stalled + h.node.config.heartbeat * STALL_PERIODS;
        h.node.handle_timeout(again, &mut h.out);
        assert!(h.node.take_broken());
        assert_eq!(h.node.link_want(again), LinkWant::Wait);
        // ann had nothing in flight: still here, until the grace is over.
        assert_eq!(h.node.connection_count(), 1);
        h.node
            .handle_timeout(stalled + h.node.config.grace, &mut h.out);
        assert_eq!(h.node.connection_count(), 0);
    }

    #[test]
    fn renames_held_through_a_catch_up_reach_each_member_once() {
        let mut h = Harness::up();
        let b = ConnId(2);
        h.login(b, "bob");
        h.send(b, ClientMsg::Join { room: "r2".into() });
        h.confirm(b"ssubscribe", b"chat:{r2}");
        assert_eq!(h.op(0), "join");
        let joined = frame(&ServerMsg::joined("r2", "bob"));
        let reply = vec![Value::Integer(0), Value::Array(vec![]), Value::Bulk(joined)];
        h.answer(Value::Array(reply));
        h.take();
        h.node.redis_lost(h.now, &mut h.out);
        h.sent.clear();
        h.node.redis_connected(h.now);
        h.answer(Value::Map(vec![(bulk(b"proto"), Value::Integer(3))]));
        h.answer(bulk(b"chat"));
        h.confirm(b"ssubscribe", b"chat:node:{n1}");
        assert!(h.node.is_up());
        // Two renames on another node, each published in lobby and r2,
        // arrive while both rooms catch up; the rooms are released in turn.
        for (old, new, token) in [("xa", "xb", " n2:9:1"), ("xb", "xc", " n2:9:2")] {
            for room in ["lobby", "r2"] {
                let mut payload = frame(&ServerMsg::renamed(old, new));
                payload.extend_from_slice(token.as_bytes());
                h.publish(room, payload);
            }
        }
        h.collect();
        while let Some(cmd) = h.sent.front().cloned() {
            if cmd[0] == b"SSUBSCRIBE" {
                h.confirm(b"ssubscribe", &cmd[1]);
            } else if cmd[1] == b"chat_history" {
                h.answer(Value::Array(vec![Value::Integer(0), Value::Array(vec![])]));
            } else {
                h.answer(Value::Integer(1));
            }
            h.collect();
        }
        let (got, _) = h.take();
        let want = [
            (b, ServerMsg::renamed("xa", "xb")),
            (b, ServerMsg::renamed("xb", "xc")),
        ];
        assert_eq!(got, want);
    }
}
