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
//! * [`buffers`]: one buffer per room and whisper partner, with unread
//!   counts, mention marks and where the unread lines began.
//! * [`grid`]: a frame as cells, and the painter that sends only the cells
//!   that changed, in one write.
//! * [`screen`]: the model: keys and the session's output in, a grid out
//!   (title, scrollback, status line, input line).
//! * [`app`]: the I/O loop, the only part that touches the terminal.
//!
//! ```text
//!  terminal bytes ─▶ KeyDecoder ─▶ Key ─▶ Screen::handle_key ─▶ LineEditor, Session
//!  server frames  ─▶ Session::handle_msg ─▶ Shown ─▶ Screen::absorb ─▶ Buffers
//!  Screen::draw ─▶ Grid ─▶ Painter::draw (the difference) ─▶ one write(2)
//! ```

pub mod app;
pub mod buffers;
pub mod clock;
pub mod complete;
pub mod editor;
pub mod grid;
pub mod keys;
pub mod screen;
pub mod width;
