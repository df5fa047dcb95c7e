//! A group chat: one protocol, one sans-I/O core, three I/O strategies.
//!
//! This crate is the application at the top of the stack. Everything below
//! it is written in this workspace: the readiness syscalls (`sys`), the
//! async runtime (`exec`), the serialization framework (`serdy`). It holds
//! the wire protocol, the rules of the chat, the formats, the servers and
//! the terminal client.
//!
//! # Architecture
//!
//! ```text
//!                      ┌──────────────────────────────────────────┐
//!                      │  hub: every rule of PROTOCOL.md §5        │
//!                      │  (ConnId, ClientMsg, now) ─► Outbox       │
//!                      │  no sockets, no clock, no threads         │
//!                      └───────▲──────────────▲──────────────▲─────┘
//!                              │              │              │
//!         ┌────────────────────┴─┐  ┌─────────┴──────────┐  ┌┴─────────────────────┐
//!         │ event_server         │  │ thread_server      │  │ async_server         │
//!         │ one thread, one      │  │ a thread per       │  │ tasks on the `exec`  │
//!         │ sys::Poll, a state   │  │ connection, hub    │  │ work-stealing        │
//!         │ machine per conn     │  │ behind a Mutex     │  │ runtime              │
//!         └──────────┬───────────┘  └─────────┬──────────┘  └──────────┬───────────┘
//!                    └───── fmt::framed + fmt::binary (bytes ⇄ messages) ┘
//!                                             │
//!                                       TCP, loopback
//!                                             │
//!                                   client (one sys::Poll:
//!                                   terminal, socket, signals)
//! ```
//!
//! The three servers differ only in how bytes move. Two sans-I/O cores
//! decide everything else: the [`hub`] what the messages mean (who may use
//! which nick, who is in which room, the next `seq` of a room, which error
//! a request earns), and [`server::lifecycle`] what happens to a connection
//! (its deadlines, how it closes, when it is dropped as a slow consumer).
//! A server reads a frame,
//! decodes it with [`fmt::binary`], hands the message to the hub with the
//! current time, and queues the frames the hub returns on the recipients'
//! connections. Because the hub never touches a socket or a clock, all of
//! the protocol is unit-tested without either, and the servers cannot
//! disagree about a rule. One black-box conformance suite (`chat/tests/`)
//! runs against every server binary.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`cli`] | the flag reader and usage-error policy of every binary |
//! | [`clock`] | the wall clock the servers stamp `time_ms` with |
//! | [`protocol`] | the messages of PROTOCOL.md §4 (variant order *is* the wire format), error codes, naming rules |
//! | [`fmt`] | the binary format (postcard-compatible), JSON for tracing, and framing |
//! | [`hub`] | the sans-I/O state machine: events in, deliveries out |
//! | [`server`] | the three servers, and what they share: the connection lifecycle, the outbound queue, the shared hub |
//! | [`client`] | the terminal client: the sans-I/O session, the full-screen [`client::tui`] (key decoder, line editor, screen model, diffing renderer), line mode for pipes, the event loop |
//! | [`cluster`] | the Redis backplane for several processes as one chat: RESP3, a sans-I/O Redis connection, the room scripts (not yet wired into the servers) |
//! | [`loadgen`] | the load generator behind `bench/run.sh`: many connections on one `sys::Poll` |
//! | [`guide`] | chapters across the layers: [the life of one message](guide::life_of_a_message), typed in one client, shown in another, with its real system calls |
//!
//! # One frame, byte by byte
//!
//! A frame is a 4-byte big-endian length, then a payload in the binary
//! format: no field names, no types, just values in declaration order with
//! integers as LEB128 varints. Here is the server telling a room that
//! `alice` said `hi`:
//!
//! ```text
//!  00 00 00 13                    length: 19 bytes of payload follow
//!  01                             ServerMsg variant 1: Message
//!  05 6c 6f 62 62 79              room: len 5, "lobby"
//!  05 61 6c 69 63 65              from: len 5, "alice"
//!  02 68 69                       text: len 2, "hi"
//!  07                             seq: 7 (a one-byte varint)
//!  e8 07                          time_ms: 1000 = 0x68 | 0x80 (more), then 0x07 (×128)
//! ```
//!
//! ```
//! use chat::fmt::{binary, framed};
//! use chat::protocol::ServerMsg;
//!
//! let msg = ServerMsg::Message {
//!     room: "lobby".into(),
//!     from: "alice".into(),
//!     text: "hi".into(),
//!     seq: 7,
//!     time_ms: 1000,
//! };
//! let mut frame = Vec::new();
//! framed::encode_frame(&msg, &mut frame).unwrap();
//! assert_eq!(
//!     frame,
//!     [
//!         0x00, 0x00, 0x00, 0x13, // length
//!         0x01, // Message
//!         0x05, b'l', b'o', b'b', b'b', b'y', // room
//!         0x05, b'a', b'l', b'i', b'c', b'e', // from
//!         0x02, b'h', b'i', // text
//!         0x07, // seq
//!         0xe8, 0x07, // time_ms
//!     ]
//! );
//! // And back: the payload decodes to the same message.
//! assert_eq!(binary::from_bytes::<ServerMsg>(&frame[4..]).unwrap(), msg);
//! ```
//!
//! # Watch it live
//!
//! Two terminals. The server prints every readiness system call on
//! standard error, decoded; the client prints every frame as JSON (`>>`
//! sent, `<<` received). Lines from a real run on Linux, the client typing
//! `hi`:
//!
//! ```text
//! $ SYS_TRACE=1 cargo run -p chat --bin event_server
//! sys: signalfd(-1, [SIGINT, SIGTERM], SFD_NONBLOCK|SFD_CLOEXEC) = 3
//! sys: socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC) = 4
//! sys: bind(fd=4, 127.0.0.1:7878) = 0
//! sys: listen(fd=4, 1024) = 0
//! listening on 127.0.0.1:7878
//! sys: epoll_create1(EPOLL_CLOEXEC) = 5
//! sys: epoll_ctl(ADD, fd=4, EPOLLIN|EPOLLRDHUP|EPOLLET, token=18446744073709551615) = 0
//! sys: epoll_ctl(ADD, fd=3, EPOLLIN|EPOLLRDHUP|EPOLLET, token=18446744073709551614) = 0
//! sys: epoll_wait(epfd=5, max=1024, timeout=forever) = 1
//! sys:   -> token=18446744073709551615 EPOLLIN
//! sys: accept4(fd=4, SOCK_NONBLOCK|SOCK_CLOEXEC) = 6
//! sys:   -> fd=6 peer=127.0.0.1:44518
//! sys: epoll_ctl(ADD, fd=6, EPOLLIN|EPOLLRDHUP|EPOLLET, token=0) = 0
//! sys: accept4(fd=4, SOCK_NONBLOCK|SOCK_CLOEXEC) = -1 (Resource temporarily unavailable (os error 11))
//! sys: epoll_wait(epfd=5, max=1024, timeout=forever) = 1
//! sys:   -> token=0 EPOLLIN
//!
//! $ cargo run -p chat --bin client -- --nick alice --trace
//! >> {"Hello":{"version":1,"nick":"alice"}}
//! << {"Welcome":{"version":1,"nick":"alice","server":"event_server 0.1.0"}}
//! << {"Joined":{"room":"lobby","nick":"alice"}}
//! >> {"Say":{"room":"lobby","text":"hi"}}
//! << {"Message":{"room":"lobby","from":"alice","text":"hi","seq":1,"time_ms":1796647579295}}
//! ```
//!
//! (The listener's and the signal source's tokens are `usize::MAX` and
//! `usize::MAX - 1`, out of the way of the connection slots.)
//!
//! `SYS_TRACE=1` works for any binary of the workspace (it is read by the
//! `sys` crate), so the same trick shows the `exec` runtime parking its
//! workers in `epoll_wait` under `async_server`.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

pub mod cli;
pub mod client;
pub mod clock;
pub mod cluster;
pub mod fmt;
pub mod guide;
pub mod hub;
pub mod loadgen;
pub mod protocol;
pub mod server;
