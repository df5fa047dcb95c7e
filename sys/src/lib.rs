//! # sys: readiness, by hand
//!
//! (The full guide is being written; see the items below.)
#![deny(missing_docs, missing_debug_implementations)]
#![warn(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![doc(test(attr(deny(warnings))))]

#[macro_use]
mod syscall;
#[macro_use]
mod trace;
#[macro_use]
mod source;

mod event;
mod events;
mod fd;
mod interest;
mod poll;
mod registry;
mod selector;
mod token;
mod trigger;
mod waker;

pub mod net;
pub mod rlimit;
pub mod signal;

pub use event::Event;
pub use events::{Events, Iter};
pub use interest::Interest;
pub use poll::Poll;
pub use registry::Registry;
pub use source::{Source, SourceFd};
pub use token::Token;
pub use trigger::Trigger;
pub use waker::Waker;
