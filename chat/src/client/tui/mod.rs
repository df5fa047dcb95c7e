//! The full-screen client: the pieces that turn a terminal into a chat
//! window, each free of I/O and tested without a terminal.
//!
//! * [`keys`]: terminal input bytes to key presses (escape sequences,
//!   UTF-8, bracketed paste), decoded incrementally.
//! * [`width`]: how many cells a character takes (wide CJK and emoji,
//!   zero-width combining marks).
//! * [`editor`]: the input line: readline keys, kill buffer, history,
//!   horizontal scrolling by display width.
//! * [`complete`]: Tab completion of nicks, commands and room names.
//! * [`clock`]: local time from the TZif zone files, without crates.

pub mod buffers;
pub mod clock;
pub mod complete;
pub mod editor;
pub mod grid;
pub mod keys;
pub mod width;
