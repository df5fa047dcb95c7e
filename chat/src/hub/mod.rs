//! The sans-I/O hub: every rule of the chat, no sockets, no clock.
//!
//! # Messages and `now` in, deliveries out
//!
//! A chat server does two different jobs. One is moving bytes: accepting
//! connections, reading frames, writing them back without blocking on a slow
//! reader, firing timers. The other is deciding: who may use which nick,
//! who is in which room, which `seq` comes next, which error a request
//! earns. The hub does only the second job. It never touches a socket and
//! never reads a clock; the server hands it *events* and *the time*, and it
//! answers with what to send to whom:
//!
//! ```text
//!              ┌──────────────────────── server (I/O) ────────────────────────┐
//!   socket ──► │ read, decode frame ──► ConnId + ClientMsg ─┐                 │
//!   timers ──► │ hello timer fired  ──► ConnId ─────────────┤                 │
//!   clock  ──► │ now_ms ────────────────────────────────────┤                 │
//!              │                                            ▼                 │
//!              │                                    Hub::handle_*(.., out)    │
//!              │                                            │                 │
//!              │            Outbox { deliveries: [(ConnId, Frame)], closes }  │
//!   socket ◄── │ queue each frame on its connection ◄──────┘, then close      │
//!              └──────────────────────────────────────────────────────────────┘
//! ```
//!
//! This split (the "sans-I/O" style of Rust's `quinn-proto` or Python's
//! `h11`: a protocol state machine that never touches a socket) is what
//! lets this crate have three servers that differ only in how bytes move:
//! `event_server` drives the hub from one `sys::Poll` loop, `thread_server`
//! keeps it behind a `Mutex` held for one step, and `async_server` drives
//! it from tasks. None of them re-implements a rule, so they cannot
//! disagree. And because time is an argument (`now_ms`, UNIX milliseconds,
//! stamped on `Message` and `Whispered`), the rules are tested here without
//! a socket, a thread or a sleep: the tests play simulated clients against
//! a hub with a fake clock and decode every frame it emits.
//!
//! # A connection's life
//!
//! ```text
//!                    handle_connect
//!                          │ at max_conns or shutting down:
//!                          │   Error(ServerFull | ShuttingDown), close ──► (never known)
//!                          ▼
//!              ┌──── Connected ◄──────┐  Hello refused, non-fatal:
//!              │           │  └───────┘    Error(BadNick | NickTaken)
//!              │           │
//!              │           │ Hello accepted: Welcome, then Join lobby
//!              │           ▼
//!              │       Welcomed ◄─────┐  Say Join Leave Whisper Nick
//!              │           │  └───────┘  ListRooms ListUsers Ping
//!              │           │             (refusals here are non-fatal)
//!              ▼           ▼
//!             Gone  ◄── Bye · fatal error · disconnect · slow consumer · shutdown
//! ```
//!
//! Legend: `Connected` and `Welcomed` are the [`SessionState`]s; *Gone* is
//! `None` from [`Hub::state`] (the hub has forgotten the connection). An
//! arrow is an input, labelled with what triggers it and what the hub
//! sends; a loop (`◄──┐ └──┘`) stays in its state. From *Connected*, anything but `Hello` or `Bye`
//! ([`ErrorCode::Unexpected`](crate::protocol::ErrorCode::Unexpected)), a
//! `Hello` with the wrong version, a decode error or the hello timeout is
//! fatal; from *Welcomed*, a second `Hello` or a decode error is. A fatal
//! error sends the `Error`, lists the connection in [`Outbox::closes`], and
//! then does what every way into *Gone* does for a welcomed client: the
//! other members of each of its rooms get `Left`, and its nick is free
//! again. `Bye` sends nothing more to the client; shutdown sends
//! `ShuttingDown` to everyone and no `Left`.
//!
//! # Which input for which event
//!
//! | the server sees | it calls |
//! | --- | --- |
//! | a new connection | [`Hub::handle_connect`] (then arms the hello timer if it returned `true`) |
//! | a decoded frame | [`Hub::handle_message`] with `now_ms` |
//! | a frame it cannot decode / too large | [`Hub::handle_decode_error`] with `Malformed` / `FrameTooLarge` |
//! | the hello timer | [`Hub::handle_hello_timeout`] |
//! | a queue past `--max-outbound` | writes [`Hub::error_frame`]`(SlowConsumer)` itself, then [`Hub::handle_slow_consumer`] |
//! | EOF or a reset | [`Hub::handle_disconnect`] |
//! | SIGINT / SIGTERM | [`Hub::handle_shutdown`] |
//!
//! # Cost of a step
//!
//! The hub is the hot path of the servers. A `Say` into a room of `n`
//! members costs two hash lookups, one encode into a reused buffer, one
//! `Arc<[u8]>` allocation for the [`Frame`], and `n` reference-count bumps
//! pushed into the caller's reused [`Outbox`]. Names are case-folded into a
//! stack buffer, never a `String`; refusals are pre-encoded frames.
//!
//! # Files
//!
//! | file | concept |
//! | --- | --- |
//! | `machine.rs` | [`Hub`]: the state, the connection-level inputs, clean-up |
//! | `requests.rs` | one method per `ClientMsg`, checks in precedence order |
//! | `session.rs` | [`SessionState`] and a member's nick and rooms |
//! | `room.rs` | members in join order, `seq`, the 32-frame history |
//! | `frame.rs` | [`Frame`], encoded from a borrowed [`ServerMsgRef`](crate::protocol::ServerMsgRef) |
//! | `outbox.rs` | [`Outbox`] and [`Delivery`]: the output of a step |
//! | `listing.rs` | cutting `Rooms` / `Users` to one frame by arithmetic |
//! | `names.rs` | case folding on the stack |
//! | `conn.rs`, `config.rs` | [`ConnId`] and its cheap hash map; [`Config`] |
//!
//! # Example: two clients
//!
//! ```
//! use chat::fmt::binary::from_bytes;
//! use chat::hub::{Config, ConnId, Hub, Outbox};
//! use chat::protocol::{ClientMsg, ServerMsg};
//!
//! let mut hub = Hub::new(Config::new("doc 1.0"));
//! let mut out = Outbox::new();
//! // Decode what one step delivered: (recipient, message), in order.
//! let take = |out: &mut Outbox| -> Vec<(ConnId, ServerMsg)> {
//!     out.drain_deliveries()
//!         .map(|d| (d.to, from_bytes(d.frame.payload()).unwrap()))
//!         .collect()
//! };
//! let joined = |nick: &str| ServerMsg::Joined { room: "lobby".into(), nick: nick.into() };
//! let (alice, bob) = (ConnId(1), ConnId(2));
//!
//! // Alice connects and says Hello: Welcome, then she joins the lobby.
//! assert!(hub.handle_connect(alice, &mut out));
//! hub.handle_message(alice, ClientMsg::Hello { version: 1, nick: "Alice".into() }, 0, &mut out);
//! let welcome = ServerMsg::Welcome { version: 1, nick: "Alice".into(), server: "doc 1.0".into() };
//! assert_eq!(take(&mut out), [(alice, welcome), (alice, joined("Alice"))]);
//!
//! // Bob too; both lobby members see him join.
//! assert!(hub.handle_connect(bob, &mut out));
//! hub.handle_message(bob, ClientMsg::Hello { version: 1, nick: "bob".into() }, 0, &mut out);
//! let msgs = take(&mut out);
//! assert_eq!(msgs[1..], [(alice, joined("bob")), (bob, joined("bob"))]);
//!
//! // Bob talks: one frame, sent to every member, the sender included.
//! let say = ClientMsg::Say { room: "Lobby".into(), text: "hi".into() };
//! hub.handle_message(bob, say, 1_700_000_000_000, &mut out);
//! assert!(chat::hub::Frame::ptr_eq(&out.deliveries()[0].frame, &out.deliveries()[1].frame));
//! let message = ServerMsg::Message {
//!     room: "lobby".into(),
//!     from: "bob".into(),
//!     text: "hi".into(),
//!     seq: 1,
//!     time_ms: 1_700_000_000_000,
//! };
//! assert_eq!(take(&mut out), [(alice, message.clone()), (bob, message)]);
//!
//! // Bob says Bye: Alice sees him leave, and the server must close him.
//! hub.handle_message(bob, ClientMsg::Bye, 2, &mut out);
//! assert_eq!(out.closes(), [bob]);
//! let left = ServerMsg::Left { room: "lobby".into(), nick: "bob".into() };
//! assert_eq!(take(&mut out), [(alice, left)]);
//! ```

mod config;
mod conn;
pub(crate) mod dispatch;
mod engine;
mod frame;
pub(crate) mod listing;
mod machine;
pub(crate) mod names;
mod outbox;
mod requests;
mod room;
mod session;

#[cfg(test)]
mod tests;

pub use config::Config;
pub use conn::ConnId;
pub use engine::Engine;
pub use frame::Frame;
pub use machine::Hub;
pub use outbox::{Delivery, Outbox};
pub use session::SessionState;
