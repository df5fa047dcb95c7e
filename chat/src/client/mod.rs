//! The terminal client: `cargo run -p chat --bin client -- --nick alice`.
//!
//! # Two modes
//!
//! When standard input and output are both terminals (and `TERM` is not
//! `dumb`), the client is full-screen: see [`tui`], whose I/O loop is
//! [`tui::app`]. Otherwise, or with `--plain`, it is the line mode this
//! page describes: one line in, lines out, which is what pipes and scripts
//! want. Both modes share the [`session::Session`]; the full screen asks
//! it for structured output, reconnection and de-duplication
//! ([`session::Session::for_screen`]).
//!
//! Both modes take the same commands. One of them matters to scripts:
//! `/quit MESSAGE` says MESSAGE in the current room before leaving, so
//! `/quit now` is a goodbye that says "now", not a usage error; `/help`'s
//! `/quit` line says so. Everything else a pipe sends or receives is as
//! the line protocol of this page describes.
//!
//! # One `Poll` for the keyboard and the network
//!
//! A chat client waits for two things at once: a line from the user and a
//! frame from the server. Blocking on either one would freeze the other
//! (while `read(stdin)` waits for a key, messages from others would pile
//! up unseen). Threads would work, but the layer below already offers the
//! answer a server uses: readiness. The client registers **both** file
//! descriptors on one `sys::Poll` and sleeps until either is readable:
//!
//! ```text
//!   fd 0 (stdin) ──┐   STDIN                      ┌──▶ Session::handle_line
//!                  ├──────────▶ Poll::poll() ─────┤
//!   TCP socket  ───┘   SOCKET                     └──▶ FrameDecoder ──▶ Session::handle_msg
//!
//!   Session::poll_transmit ──▶ encode_frame ──▶ outbound bytes ──write──▶ socket
//!   Session::poll_output   ──▶ stdout (buffered, flushed once per wake-up)
//! ```
//!
//! * **The socket is non-blocking.** When it is readable the loop reads until
//!   `WouldBlock`, feeding every byte to an incremental frame decoder, so a
//!   frame split across reads (or several frames in one read) is handled.
//!   Writes go to an outbound buffer; whatever the kernel does not take at
//!   once stays there, and the socket is registered for writability only
//!   while the buffer is not empty.
//! * **Standard input stays blocking and level-triggered.** Setting
//!   `O_NONBLOCK` on fd 0 would change the file description shared with the
//!   shell, which would then find its own terminal non-blocking after we
//!   exit. Instead the loop reads stdin exactly once per readiness event:
//!   readiness promises that this one `read` returns without waiting, and
//!   level-triggered interest reports the rest on the next `poll`.
//! * **Stdin that epoll refuses.** A regular file or `/dev/null` cannot be
//!   registered with epoll (`EPERM`): such input never blocks anyway. The
//!   loop then treats stdin as always readable: it polls the socket with a
//!   zero timeout and reads stdin (blocking, which for a file means briefly)
//!   on every turn until end of file.
//! * **Output is buffered.** Lines are written to a buffered standard output
//!   and flushed once per wake-up, so a burst of history costs one `write`,
//!   while every line still appears as soon as the loop goes back to sleep.
//!
//! The decisions (what a line means, what to send, what to print) live in a
//! [`session::Session`], which has no I/O and is unit-tested line by line;
//! [`command`] parses input lines and [`render`] formats what is printed,
//! neutralising control characters from the network.
//!
//! # Output
//!
//! ```text
//! -- connected to event_server 0.1.0 as bob
//! -- bob joined #lobby
//! [12:03] #lobby <alice> hi bob
//! [12:04] *alice* -> bob: psst
//! -- alice is now known as al
//! -- error: that nick is already in use (nick already in use)
//! -- pong in 0.213 ms
//! ```
//!
//! On a terminal (`--plain`, without `NO_COLOR`), notices and timestamps
//! are dim and each nick has a colour of its own. Line mode shows times in
//! UTC (see [`render`]), so that scripted output does not depend on where
//! it runs; the full screen shows local time ([`tui::clock`]).
//!
//! # Exit status
//!
//! `0` after `/quit` or end of input once the server has closed the
//! connection; `1` when the server cannot be reached, closes on its own, or
//! sends a frame that cannot be decoded; `2` for a bad command line.
//! Full-screen, a dropped connection is retried instead, so `1` means it
//! ended for good (a fatal error such as `VersionUnsupported`) or the
//! client was told to stop by `SIGINT`, `SIGTERM` or `SIGHUP`.
//!
//! # Tracing
//!
//! `--trace` prints each frame on standard error in the human-readable
//! format, `>>` for sent and `<<` for received:
//!
//! ```text
//! >> {"Hello":{"version":1,"nick":"bob"}}
//! << {"Welcome":{"version":1,"nick":"bob","server":"event_server 0.1.0"}}
//! ```

pub mod args;
pub mod command;
pub mod event_loop;
pub mod lines;
pub mod reconnect;
pub mod render;
pub mod session;
pub mod tui;

pub use event_loop::{run, run_from_env, ClientError};
