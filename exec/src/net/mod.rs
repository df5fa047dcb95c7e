//! Async TCP on the reactor: [`TcpListener`], [`TcpStream`] and its owned
//! halves [`OwnedReadHalf`] / [`OwnedWriteHalf`].
//!
//! Every socket is a non-blocking `sys` socket registered once, edge-
//! triggered, for both directions. An operation tries the syscall first;
//! only on `WouldBlock` does the task wait for the next readiness event:
//!
//! ```text
//!   read(buf) ─> readiness known? ─no─> park waker in the reader slot ─> Pending
//!                    │ yes                       ▲ reactor: EPOLLIN ─> wake
//!                    ▼                           │
//!                 recv(2) ──WouldBlock──> clear readiness, loop
//!                    │ n bytes / EOF / error
//!                    ▼
//!                 Ready(result)
//! ```
//!
//! Each socket has one reader slot and one writer slot: one task may read
//! while another writes (split the stream for that), but two tasks reading
//! the same socket at once would take turns evicting each other's waker.

mod split;
mod tcp_listener;
mod tcp_stream;

pub use split::{OwnedReadHalf, OwnedWriteHalf};
pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;
