//! What the three server binaries share besides the hub: the command line,
//! the outbound queue with its limit, the hello deadlines, and the servers'
//! event loops themselves (the binaries in `src/bin/` are thin `main`s that
//! call them, so the loops are documented here, in `cargo doc`).
//!
//! | module | what it is |
//! | --- | --- |
//! | [`event`] | `event_server`: one thread, one `sys::Poll`, a state machine per connection |
//! | [`thread`] | `thread_server`: a thread per connection (two while its client lags), blocking I/O |
//! | [`task`] | `async_server`: the same shape as `thread`, on `exec` tasks (diff the two files) |
//! | [`config`] | the command line of PROTOCOL.md section 6, shared by all three |
//! | [`outbound`] | a connection's queue of frames, with the `--max-outbound` rule, flushed by `writev` |
//! | [`mailbox`] | an [`outbound::Outbound`] behind a lock, for a writer thread or task to take whole |
//! | [`shared_hub`] | the hub behind one lock, held for a step plus applying its output |
//! | [`thread_cache`] | reuses finished threads, so churn does not pay for new stacks |
//! | [`deadlines`] | a FIFO timer queue for timeouts of one fixed length (hello, linger) |
//!
//! Read `event` first: it is the whole protocol loop in one place. Then
//! `thread` and `task` side by side.

pub mod config;
pub mod deadlines;
pub mod event;
pub mod mailbox;
pub mod outbound;
pub mod shared_hub;
pub mod task;
pub mod thread;
pub mod thread_cache;
