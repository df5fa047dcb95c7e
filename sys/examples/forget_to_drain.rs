//! The edge-triggered stall: a reader that does one `read` per event falls
//! behind and stops hearing about its socket; the same reader draining
//! until `WouldBlock` does not.
//!
//! ```text
//! cargo run -p sys --example forget_to_drain
//! SYS_TRACE=2 cargo run -p sys --example forget_to_drain   # every read, and its EAGAIN
//! ```
//!
//! Output (the same on every run; `tests/lab.rs` checks it):
//!
//! ```text
//! naive: one 4-byte read per event
//! peer sends "hello world\n"
//!   poll -> READABLE        read "hell"
//!   poll -> nothing         8 bytes unread: stalled
//! peer sends "bye\n"
//!   poll -> READABLE        read "o wo"
//!   poll -> nothing         8 bytes unread: stalled
//!   received 8 of 16 bytes, 8 never read
//!
//! draining: read until WouldBlock after every event
//! peer sends "hello world\n"
//!   poll -> READABLE        read "hell", read "o wo", read "rld\n", WouldBlock
//!   poll -> nothing         0 bytes unread: idle
//! peer sends "bye\n"
//!   poll -> READABLE        read "bye\n", WouldBlock
//!   poll -> nothing         0 bytes unread: idle
//!   received 16 of 16 bytes, 0 never read
//! ```
//!
//! The naive reader's second event comes from the *new* bytes, but it reads
//! old ones: it stays 8 bytes behind for as long as the connection lives,
//! and a request sitting in those 8 bytes is never answered. The fix is the
//! rule of `sys::Trigger::Edge`: after an edge event, read until
//! `WouldBlock` (or remember that the socket is still ready, as a server
//! with a per-turn budget does: see the `starvation` example).

#[path = "lab/forget_to_drain.rs"]
mod lab;

fn main() -> std::io::Result<()> {
    print!("{}", lab::run()?);
    Ok(())
}
