//! What the three server binaries share besides the hub: the command line,
//! the outbound queue with its limit, the hello deadlines, and the servers'
//! event loops themselves (the binaries in `src/bin/` are thin `main`s that
//! call them, so the loops are documented here, in `cargo doc`).

pub mod config;
pub mod deadlines;
pub mod event;
pub mod mailbox;
pub mod outbound;
pub mod shared_hub;
pub mod task;
pub mod thread;
pub mod thread_cache;
