//! The three servers, and what they share besides the hub.
//!
//! Each server is the same program, [`lifecycle`] driving the [`Hub`]
//! for every connection, in a different I/O model; the binaries in
//! `src/bin/` are thin `main`s that call their `run`, so the servers are
//! documented here, in `cargo doc`.
//!
//! | module | what it is |
//! | --- | --- |
//! | [`event_server`] | one thread, one `sys::Poll`, every socket non-blocking |
//! | [`thread_server`] | a thread per connection, blocking I/O, the hub behind a lock |
//! | [`async_server`] | a reader and a writer task per connection on the `exec` runtime |
//! | [`lifecycle`] | what every server shares: a connection's states and deadlines, the close rules, the slow-consumer drop, the connection table, the policy constants |
//! | [`config`] | the command line of PROTOCOL.md section 6, and binding the listener |
//! | [`core`] | what a server drives: the hub, or (`--redis`) a cluster node |
//! | [`outbound`] | a connection's queue of frames, bounded by `--max-outbound`, written with one vectored `sendmsg` |
//! | [`shared_hub`] | the hub behind one lock, for the servers with many threads or tasks |
//! | [`mailbox`] | an [`outbound::Outbound`] behind a lock, for a writer thread or task to take whole |
//!
//! Read [`lifecycle`] first: it is the part of the protocol that is about
//! connections rather than messages. Then [`event_server`], the whole loop
//! in one place; then [`thread_server`] and [`async_server`] side by side.
//!
//! [`Hub`]: crate::hub::Hub

pub mod async_server;
pub mod config;
pub mod core;
pub mod event_server;
pub mod lifecycle;
pub mod mailbox;
pub mod outbound;
pub mod shared_hub;
pub mod thread_server;
