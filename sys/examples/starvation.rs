//! Starvation: one busy connection holds a read-everything server, and a
//! budget per turn fixes it.
//!
//! ```text
//! cargo run -p sys --example starvation
//! ```
//!
//! Output of one run (the read-until-`WouldBlock` row varies with how
//! fast the busy peer's thread runs; `tests/lab.rs` checks the shape and
//! that the budget row serves every quiet connection within one budget):
//!
//! ```text
//! 1 busy connection (its peer never pauses), 3 quiet ones (one 7-byte message each), 1024-byte reads
//! the busy connection's buffers held 3819 KiB before the first poll
//! cell: bytes of the busy connection read before the quiet message was read
//!
//! policy                  quiet 1     quiet 2     quiet 3     turns
//! read until WouldBlock   1585 KiB    1585 KiB    1585 KiB    1
//! 16 reads per turn       16 KiB      16 KiB      16 KiB      1
//! ```
//!
//! Under "read until `WouldBlock`" the quiet clients' messages sit in
//! their sockets until the busy connection's buffer runs empty: here after
//! 1.5 MiB of reads; in other runs never, because the busy peer refilled
//! it faster than 1 KiB reads empty it (the row then says `never`: the
//! example gives up after 4 MiB). With a budget, the busy
//! connection gets its reads, then waits on a carry list (it is still
//! ready, and edge-triggered readiness will not be reported again) while
//! the others are served; the poll does not sleep while the list has
//! entries. `chat`'s `event_server` does the same with its
//! `READS_PER_TURN`.

#[path = "lab/starvation.rs"]
mod lab;

fn main() -> std::io::Result<()> {
    print!("{}", lab::run()?);
    Ok(())
}
