//! The full-screen client: the pieces that turn a terminal into a chat
//! window, each free of I/O and tested without a terminal.
//!
//! * [`keys`]: terminal input bytes to key presses (escape sequences,
//!   UTF-8, bracketed paste), decoded incrementally.

pub mod keys;
