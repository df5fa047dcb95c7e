//! Frames: the layer of PROTOCOL.md section 2 that cuts a TCP byte stream
//! into messages.
//!
//! TCP delivers bytes, not messages: one `read` may return half a message,
//! or three and a bit. Each message therefore travels in a frame, a 4-byte
//! big-endian length followed by that many bytes of payload:
//!
//! ```text
//!  0        4                      4+len
//!  +--------+-----------------------+--------+------ ...
//!  |  len   | payload (len bytes)   |  len   | payload
//!  +--------+-----------------------+--------+------ ...
//!  u32 big-endian, 1 <= len <= MAX_FRAME
//! ```
//!
//! - [`FrameDecoder`] is the receiving side for non-blocking sockets: feed it
//!   whatever arrived, take out whole payloads. It refuses a bad header
//!   before buffering a byte of its payload.
//! - [`encode_frame`] / [`encode_frame_limited`] append header and payload
//!   to an output buffer in one pass.
//! - [`read_frame`] / [`write_frame`] do one whole frame over blocking
//!   `io::Read` / `io::Write`.
//! - [`header_len`] is the one header check all of them use, and
//!   [`split_frame`] cuts a whole frame off a buffer with it, for a reader
//!   that keeps its own buffer.
//!
//! A full round trip, through a stream cut into 1-byte reads:
//!
//! ```
//! use chat::fmt::{binary, framed};
//! use chat::protocol::ClientMsg;
//!
//! let mut wire = Vec::new();
//! framed::encode_frame(&ClientMsg::Join { room: "rust".into() }, &mut wire).unwrap();
//! framed::encode_frame(&ClientMsg::Bye, &mut wire).unwrap();
//!
//! let mut dec = framed::FrameDecoder::new(chat::protocol::DEFAULT_MAX_FRAME);
//! let mut got = Vec::new();
//! for byte in &wire {
//!     dec.push(std::slice::from_ref(byte));
//!     while let Some(payload) = dec.next_frame().unwrap() {
//!         got.push(binary::from_bytes::<ClientMsg>(payload).unwrap());
//!     }
//! }
//! assert_eq!(got, [ClientMsg::Join { room: "rust".into() }, ClientMsg::Bye]);
//! ```

mod blocking;
mod decoder;
mod encode;
mod error;
mod header;

pub use blocking::{read_frame, write_frame};
pub use decoder::{FrameDecoder, READ_CHUNK};
pub use encode::{encode_frame, encode_frame_limited};
pub use error::{FrameError, ReadFrameError};
pub use header::{header_len, split_frame};

/// Size of the length header in front of every payload.
pub const HEADER_LEN: usize = 4;
