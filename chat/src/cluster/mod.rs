//! Cluster mode: several server processes that are one chat, through
//! Redis.
//!
//! One process holds every connection, room and nick in its [`hub`]. When
//! the users outgrow one machine, or a process must restart without taking
//! the chat with it, the state that makes the processes one chat has to
//! live outside all of them. `event_server --redis HOST:PORT` makes the
//! server a *node* of a cluster: its clients, sockets and queues stay its
//! own, and every rule that involves the other nodes' clients goes
//! through one Redis server. `async_server --redis` does the same, and
//! the two kinds of node mix in one cluster. Without the flag nothing
//! changes: the single process is the default, with its figures.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`resp`] | RESP3: a command encoder, an incremental decoder bounded before allocating |
//! | [`conn`] | a sans-I/O Redis connection: `HELLO 3`, replies matched to commands, pushes apart, bounded buffers |
//! | [`room`] | a room's keys and channel, and the one Lua library of Redis functions ([`room::SCRIPT`]) |
//! | [`node`] | the cluster state machine: the chat's rules for the node's clients, with Redis's answers |
//!
//! The node is sans-I/O like the hub, and a server drives it with client
//! messages, Redis bytes and time (`server::core`): in `event_server` its
//! Redis connection is one more source on the same `Poll`
//! (`server::event_server::backplane`); in `async_server` it sits behind
//! the hub's lock and three tasks move its bytes
//! (`server::async_server::backplane`). `thread_server` stays a single
//! process: its adapter would be the async one again with threads, and
//! it is the server chosen for few connections.
//!
//! # Why Redis
//!
//! Redis is the backplane that chat servers, Socket.IO, Phoenix and Django
//! Channels already use for this job: one single-threaded server that runs
//! a Lua script atomically, keeps small lists and hashes, expires keys, and
//! fans messages out with pub/sub. Each of those is a piece of the chat's
//! contract (one order per room, the history, liveness, delivery to every
//! node), so a node needs no consensus of its own: it needs a correct
//! client. That client is written here on `std` alone (RESP3 is a short
//! text-framed protocol), so `libc` stays the only crate below the
//! workspace.
//!
//! ```text
//!   clients ─► node A ──┐                          ┌── node B ◄─ clients
//!   (its own clients,   │  one RESP3 connection    │
//!    sockets, queues)   ├─────────►  Redis  ◄──────┤
//!                       │  function calls in,      │
//!   clients ─► node C ──┘  room frames pushed out  └── ...
//! ```
//!
//! # What lives in Redis
//!
//! | key or channel | type | holds |
//! | --- | --- | --- |
//! | `chat:{room}:seq` | string | the `seq` of the room's last `Message` |
//! | `chat:{room}:history` | list | the last 32 `Message` frames, oldest first, byte for byte |
//! | `chat:{room}:members` | hash | folded nick → nick: the room's members on every node (`ListUsers`) |
//! | `chat:{room}` | shard channel | every frame for the room's members, in order |
//! | `chat:rooms` | hash | room → member count (`ListRooms`) |
//! | `chat:nicks` | hash | folded nick → `node conn nick`: the cluster-wide nick registry |
//! | `chat:nodes` | set | the ids of the nodes with a record |
//! | `chat:node:{id}:alive` | string, TTL 3 s | the node's heartbeat |
//! | `chat:node:{id}:users` | hash | connection → `nick room room ...`: what to undo if the node dies |
//! | `chat:node:{id}:reaped` | string | set when another node reaped this one |
//! | `chat:node:{id}` | shard channel | whispers for the node's clients (`conn frame`) |
//!
//! Every write is one call (`FCALL`) of a function of one Lua library
//! ([`room::SCRIPT`]: `chat_message`, `chat_hello`, `chat_join`,
//! `chat_leave`, `chat_depart`, `chat_rename`, `chat_whisper`,
//! `chat_beat`, `chat_reap`, `chat_sync`, `chat_reassert`,
//! `chat_restore_room`, ...), which each node loads with `FUNCTION LOAD
//! REPLACE` when it connects: a call runs only its function, where an
//! `EVAL` of one big script would run the script's whole body each time.
//! Below, "the `message` op" is a call of `chat_message`, and so on. A
//! function is a Lua script that Redis runs atomically, like `EVAL`.
//! Frames are built inside the functions in the wire encoding, so what Redis publishes and
//! keeps is byte for byte what clients receive. A room name is 1 to 32 of
//! `[a-z0-9_-]`, so it never holds a brace: the `{room}` hash tag decides
//! the slot alone, and a room's keys and channel share one slot, as do a
//! node's.
//!
//! # The order argument
//!
//! Everything published for a room goes through the library: a `Say` runs
//! the `message` op, which increments `seq`, splices it into the frame,
//! appends the frame to the capped history and `SPUBLISH`es it; a join, a
//! leave, a departure and a reap publish `Joined`, `Left` and `Renamed` the
//! same way. Redis runs a script to its end before it runs any other
//! command, so a room's events have one total order, the order in which
//! their scripts ran; `seq` counts the `Message`s in it, so it rises by
//! exactly 1; and the history is always the last 32 `Message`s of that
//! order. Redis writes pushes to each subscriber's connection in the order
//! it publishes them, so every node subscribed to `chat:{room}` receives
//! the room's events in that order and hands them to its local members in
//! stream order: every member on every node sees one order.
//!
//! A joiner must see the history and then every later event, nothing twice
//! and nothing missed. On its one RESP3 connection the node sends
//! `SSUBSCRIBE chat:{room}` (if it is not subscribed yet) and then the
//! `join` op, which reads `seq` and the history, adds the member and
//! publishes `Joined`, in one step. Checked against `redis-server` 7.0
//! (`tests/redis_backplane.rs`):
//!
//! - Every event whose script ran after the join's arrives as a push
//!   *after* the join reply, so subscribing first leaves no gap.
//! - Events whose scripts ran between the subscription and the join arrive
//!   as pushes *before* the join reply, and they are in the history (a
//!   `Joined` or `Left` there precedes the join). So pushes that arrive
//!   before the join reply are not the joiner's: the node makes the joiner
//!   a local member of the room when the reply comes, not before.
//! - A push that a script publishes to a channel its *own* connection is
//!   subscribed to arrives right next to that script's reply: before it on
//!   Redis 7.0 and 7.1, after it from 7.2 on (Redis defers a client's own
//!   pushes until its command has answered). The node depends on neither:
//!   a client's own event (its `Message`, its `Joined` and `Left`, its
//!   `Renamed`) comes with the reply to its request, in the order of its
//!   requests, and the node skips that client when the push comes; the
//!   other members get the push, in its place in the room's order.
//! - Redis 7 allows `SPUBLISH` inside a script. A subscription is confirmed
//!   by one push per channel (`ssubscribe chat:{room} <count>`) and has no
//!   other reply.
//!
//! A client's own requests are answered in the order it sent them, though
//! some wait for Redis and some do not: see [`node`] ("One order per
//! client").
//!
//! # Failures and their bounds
//!
//! - **A node dies** (`kill -9`, a lost machine). Each node runs the `beat`
//!   op every second (its heartbeat key gets a TTL of 3 s) and then the
//!   `reap` op, which, for every other node whose heartbeat has expired,
//!   publishes `Left` for each of its users in each of their rooms, frees
//!   their nicks and deletes the node's record, in one script: two nodes
//!   reaping at once publish each `Left` once. The bound: a dead node's
//!   users are gone from the cluster at most 4 s after its last beat (the
//!   TTL plus one period), 3 to 4 s after the kill in practice.
//! - **Redis unreachable at start**: `event_server: redis HOST:PORT: ...`
//!   on standard error and exit status 1, before the `listening on` line.
//!   The same when another live node has the id given with `--node-id`;
//!   a node that starts with the id of a dead one first removes what the
//!   dead one left (`start`).
//! - **Redis lost while running**: a closed or reset connection, or one on
//!   which Redis leaves a heartbeat (or a new connection's handshake)
//!   unanswered for 3 s. The node keeps its clients and reconnects with
//!   exponential backoff (at once, then 50 ms doubling to 1 s). A client
//!   whose request was in flight is closed with `ShuttingDown`, since the
//!   request's fate is unknown (a `Say` may or may not have been
//!   published): no acknowledged message is lost or reordered silently.
//!   The others' requests are held for at most `--redis-grace-ms` (10 s by
//!   default); past 256 held messages a client is no longer read, so TCP
//!   holds the rest in its socket. Back in touch, the node loads the
//!   library again (a restarted Redis has forgotten it), subscribes again,
//!   removes the users that left meanwhile (`sync`), re-asserts its users'
//!   nicks and memberships (`reassert`), puts back each room's `seq` and
//!   history from its own copy if Redis lost them (`restore_room`), and
//!   catches its members up on the `Message`s they missed, by `seq`. So a
//!   room's `seq` keeps rising by 1 across a Redis restart. If the node was
//!   reaped meanwhile (its heartbeat lapsed), its users are announced with
//!   `Joined` again. What is not recovered: `Joined` and `Left` frames
//!   published while a node was cut off (they are in no history), and
//!   `Message`s beyond the last 32 (the catch-up reads the history, so a
//!   member cut off for more than 32 messages sees `seq` jump); and a room
//!   that emptied and was created again while a reaped node was away
//!   restarts its `seq` there and is overwritten by the node's copy.
//! - **Redis does not come back** within the grace: every client gets
//!   `ShuttingDown`, so that it reconnects to another node, and new
//!   connections are refused with `ShuttingDown` until Redis is back.
//! - **A node stops** (SIGTERM): its clients get `ShuttingDown`, and its
//!   users leave the cluster at once (`leave_cluster`): the other nodes'
//!   members get their `Left`.
//!
//! # Run a three-node cluster by hand
//!
//! In four terminals (Redis 7, Debian's `redis-server`):
//!
//! ```text
//! redis-server --port 6379 --save '' --appendonly no
//! cargo run --release -p chat --bin event_server -- --addr 127.0.0.1:7001 --redis 127.0.0.1:6379
//! cargo run --release -p chat --bin event_server -- --addr 127.0.0.1:7002 --redis 127.0.0.1:6379
//! cargo run --release -p chat --bin event_server -- --addr 127.0.0.1:7003 --redis 127.0.0.1:6379
//! ```
//!
//! then connect clients to any of them (`cargo run -p chat --bin client --
//! --addr 127.0.0.1:7002 --nick bob`): they share the rooms, the nicks and
//! the history. Kill one node with `kill -9` and its users leave the
//! others' rooms within 4 s.
//!
//! # Limits
//!
//! - **Listings.** `ListUsers` and `ListRooms` read a whole hash; a reply
//!   of more than 4 Mi entries (or 256 MiB) is more than the node's
//!   connection decodes, and costs it the link.
//! - **Redis is the ceiling.** Every `Say` is one function run on Redis's one
//!   thread and one push to every subscribed node; a node's deliveries to
//!   its own members cost what they cost a single process. So the cluster
//!   spreads the fan-out (the expensive part: one `sendmsg` per member)
//!   over the nodes, and keeps the ordering work in one place. The figures
//!   are in `bench/README.md`.
//! - **Redis Cluster.** The hot path, the `message` op, names its keys and
//!   touches one slot, and every room channel is sharded, so room traffic
//!   moves to Redis Cluster as configuration. The membership ops (`hello`,
//!   `join`, `rename`, `reap`, ...) also write `chat:nicks`, `chat:rooms`
//!   and the node's record, which live in other slots; on Redis Cluster
//!   those would have to become one op per slot, ordered by the node.
//!
//! [`hub`]: crate::hub

pub mod conn;
pub mod node;
pub mod resp;
pub mod room;
