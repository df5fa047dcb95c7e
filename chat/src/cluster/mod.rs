//! Cluster mode's foundation: several server processes that are one chat,
//! through Redis.
//!
//! One process holds every connection, room and nick in its [`hub`]. When
//! the users outgrow one machine, or the process must restart without
//! dropping the chat, the state that makes the processes one chat has to
//! live outside all of them. This module is the part of that which needs no
//! server: the Redis wire protocol, a sans-I/O Redis connection, and the
//! Lua scripts that give each room its one order. Wiring it into the
//! servers is not done yet (see "What is built" below); until then every
//! server is the single process it always was.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`resp`] | RESP3: a command encoder, an incremental decoder bounded before allocating |
//! | [`conn`] | a sans-I/O connection: `HELLO 3`, replies matched to commands, pushes apart, bounded buffers |
//! | [`room`] | a room's keys and channel, and the two scripts that order it |
//!
//! # Why Redis
//!
//! Redis is the backplane that chat servers, Socket.IO, Phoenix and Django
//! Channels already use for this job: one single-threaded server that runs
//! a Lua script atomically, keeps small lists and sets, expires keys, and
//! fans messages out with pub/sub. Each of those is a piece of the chat's
//! contract (one order per room, the history, liveness, delivery to every
//! node), so a node needs no consensus of its own: it needs a correct
//! client. That client is written here on `std` alone (RESP3 is a short
//! text-framed protocol), so `libc` stays the only crate below the
//! workspace.
//!
//! ```text
//!   clients ─► node A ──┐                          ┌── node B ◄─ clients
//!   (hub for its own    │  one RESP3 connection    │
//!    connections +      ├─────────►  Redis  ◄──────┤
//!    the backplane)     │  scripts in, pushes out  │
//!   clients ─► node C ──┘                          └── ...
//! ```
//!
//! # What lives in Redis
//!
//! | key or channel | type | holds | status |
//! | --- | --- | --- | --- |
//! | `chat:{room}:seq` | string | the `seq` of the room's last `Message` | built ([`room`]) |
//! | `chat:{room}:history` | list | the last 32 `Message` frames, oldest first, byte for byte | built ([`room`]) |
//! | `chat:{room}` | shard channel | every frame for the room's members, in order | built ([`room`]) |
//! | `chat:{room}:members` | hash | member nick → node id | planned |
//! | `chat:nicks` | hash | lowercased nick → node id, the cluster-wide nick registry | planned |
//! | `chat:node:{id}` | string with a TTL | the node's heartbeat | planned |
//! | `chat:node:{id}:rooms` | set | the rooms where the node has members, for the reap | planned |
//!
//! A room name is 1 to 32 of `[a-z0-9_-]`, so it never holds a brace: the
//! `{room}` hash tag decides the slot alone, and a room's keys and channel
//! share one slot. That is what lets one script touch all of them, and it
//! keeps the names valid on Redis Cluster, where sharded pub/sub
//! (`SSUBSCRIBE`/`SPUBLISH`, Redis 7) routes a channel to its slot's shard.
//!
//! # The order argument
//!
//! Everything published for a room goes through one script,
//! [`room::ROOM_EVENT_LUA`]: it increments `seq` (for a `Message`), splices
//! it into the frame, appends the frame to the capped history and
//! `SPUBLISH`es it. Redis runs a script to its end before it runs any other
//! command, so the room's events have one total order, the order in which
//! their scripts ran; `seq` counts the `Message`s in it, so it rises by
//! exactly 1; and the history is always the last 32 `Message`s of that
//! order. Redis writes pushes to each subscriber's connection in the order
//! it publishes them, so every node that subscribes to `chat:{room}`
//! receives the room's events in that order, and hands them to its local
//! members in stream order: every member on every node sees one order.
//!
//! A joiner must see the history and then every later event, nothing twice
//! and nothing missed. On one RESP3 connection the node sends `SSUBSCRIBE
//! chat:{room}` and then runs [`room::JOIN_LUA`], which reads `seq` and the
//! history in one step. Checked against `redis-server` 7.0
//! (`tests/redis_backplane.rs`):
//!
//! - Every event whose script ran after the join script arrives as a push
//!   *after* the join reply, so subscribing first leaves no gap.
//! - Events whose scripts ran between the subscription and the join script
//!   arrive as pushes *between* the subscription's confirmation and the
//!   join reply, and they are already in the history (a `Joined` or `Left`
//!   there precedes the join). The rule is therefore: pushes that arrive
//!   before the join reply are not the joiner's. When both commands leave
//!   in one write, Redis ran them back to back in every trial (that window
//!   was empty); when the join waits for the confirmation, about half of
//!   the joins under concurrent publishing saw events in it. The rule
//!   holds either way.
//! - A push that a script publishes to a channel its *own* connection is
//!   subscribed to arrives *before* that script's reply. So the join script
//!   does not publish the joiner's `Joined`: the node runs the room event
//!   script for it after the join reply, as for any other event, and the
//!   joiner receives it like every other member.
//! - Redis 7 allows `SPUBLISH` inside a script. `HELLO 3` answers a map:
//!   `server`, `version`, `proto` (3), `id`, `mode`, `role`, `modules`. A
//!   subscription is confirmed by one push per channel
//!   (`ssubscribe chat:{room} <count>`) and has no other reply.
//! - On a Redis Cluster node (checked on one node holding every slot) both
//!   scripts run unchanged, since a room's keys and channel share a slot;
//!   an `SSUBSCRIBE` naming two rooms is refused with `CROSSSLOT` there
//!   (a standalone server accepts it), so a node subscribes one room per
//!   command.
//!
//! # Failures and their bounds (planned)
//!
//! - **A node dies** (`kill -9`, a lost machine). Each node refreshes
//!   `chat:node:{id}` with a TTL of a few heartbeat periods (heartbeat 1 s,
//!   TTL 3 s). Every live node checks the others' heartbeats once per
//!   period; the first to see one missing claims the dead node's record in
//!   one atomic step (a script that renames or deletes `chat:node:{id}:rooms`
//!   only if the heartbeat is absent), then, room by room, runs a `Left`
//!   script that removes each of the dead node's members from
//!   `chat:{room}:members` and publishes `Left` only if it removed one, and
//!   frees the nicks. Removal and publication are one script per room, so
//!   two reapers racing publish each `Left` once. The bound: TTL plus one
//!   check period, about 4 s.
//! - **Redis unreachable at start**: a one-line error and exit status 1.
//! - **Redis lost while running**: the node keeps its clients, reconnects
//!   with capped exponential backoff, and queues room events in a bounded
//!   queue for a bounded time. Back in touch, it re-asserts its heartbeat,
//!   nicks and memberships (and, if it was reaped meanwhile, finds its
//!   members gone and re-joins or closes them). Past the bound it closes
//!   its clients with `ShuttingDown` so that they reconnect elsewhere. A
//!   `Say` whose script's fate is unknown (sent, no reply before the
//!   connection broke) closes its sender's connection rather than being
//!   retried or dropped silently.
//! - **Redis restarts** without persistence: scripts are gone (`NOSCRIPT`),
//!   so the node `SCRIPT LOAD`s them again on every new connection; room
//!   state is gone too, and the re-assertion above rebuilds memberships.
//!
//! # What is built, and what remains
//!
//! Built and tested: the RESP3 codec (every type, split anywhere, fuzzed
//! under an allocation budget), the sans-I/O connection, the room event
//! and join scripts, and the ordering claims above against a real Redis.
//!
//! Remaining: a cluster state machine beside the hub (nicks, memberships,
//! heartbeats, the reap, the reconnect queue) driven with bytes and time
//! like the hub; `event_server --redis HOST:PORT` with the Redis connection
//! as one more source on its `Poll`; the conformance suite against two
//! nodes; the fault tests; the figures.
//!
//! [`hub`]: crate::hub

pub mod conn;
pub mod node;
pub mod resp;
pub mod room;
