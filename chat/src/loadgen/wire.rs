//! The load generator's side of the wire: encoding a request into the
//! output buffer, and the fast path for `Message` frames.
//!
//! Requests and replies use the borrowed messages of the protocol,
//! [`ClientMsgRef`] and [`ServerMsgRef`], so a delivery costs no
//! allocation: a frame read into the shared buffer is decoded in place,
//! its strings pointing into that buffer.
//!
//! `Message` frames, nearly every frame of a run, take a faster path still:
//! [`MessageView::peek`] reads the fields by hand and leaves the strings as
//! bytes, skipping the UTF-8 validation of three strings per delivery (the
//! text is parsed as bytes by [`Stamp`](super::stamp::Stamp) anyway). Any
//! other frame, or a `Message` that does not parse that way, goes through
//! the full decoder.

use crate::fmt::binary::varint;
use crate::fmt::framed::encode_frame;
use crate::protocol::{ClientMsgRef, ServerMsgRef};

/// Appends `msg` as one frame to `out`.
///
/// ```
/// use chat::loadgen::wire::encode;
/// use chat::protocol::ClientMsgRef;
///
/// let mut out = Vec::new();
/// encode(&ClientMsgRef::Ping { nonce: 300 }, &mut out);
/// assert_eq!(out, [0, 0, 0, 3, 0x08, 0xac, 0x02]);
/// ```
pub fn encode(msg: &ClientMsgRef<'_>, out: &mut Vec<u8>) {
    // Invariant: every request the load generator builds is far below
    // the frame limit and encoding into a Vec cannot fail otherwise.
    if let Err(e) = encode_frame(msg, out) {
        unreachable!("encoding a load generator request failed: {e}");
    }
}

/// The fields of a `Message` frame, strings left as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageView<'a> {
    /// Room.
    pub room: &'a [u8],
    /// Sender's nick.
    pub from: &'a [u8],
    /// The text.
    pub text: &'a [u8],
    /// Room sequence number.
    pub seq: u64,
    /// Server time, UNIX ms.
    pub time_ms: u64,
}

impl<'a> MessageView<'a> {
    /// Reads `payload` as a `Message` (variant 1), without UTF-8 checks;
    /// `None` for anything else, including a malformed `Message`.
    #[inline]
    pub fn peek(payload: &'a [u8]) -> Option<MessageView<'a>> {
        let (&1, mut rest) = payload.split_first()? else {
            return None;
        };
        let room = take_bytes(&mut rest)?;
        let from = take_bytes(&mut rest)?;
        let text = take_bytes(&mut rest)?;
        let seq = varint::decode::<{ varint::MAX_LEN_U64 }, 64>(&mut rest).ok()?;
        let time_ms = varint::decode::<{ varint::MAX_LEN_U64 }, 64>(&mut rest).ok()?;
        rest.is_empty().then_some(MessageView {
            room,
            from,
            text,
            seq,
            time_ms,
        })
    }

    /// The same message as a [`ServerMsgRef::Message`], if its strings
    /// are UTF-8.
    pub fn to_msg(self) -> Result<ServerMsgRef<'a>, std::str::Utf8Error> {
        Ok(ServerMsgRef::Message {
            room: std::str::from_utf8(self.room)?,
            from: std::str::from_utf8(self.from)?,
            text: std::str::from_utf8(self.text)?,
            seq: self.seq,
            time_ms: self.time_ms,
        })
    }
}

/// A varint length, then that many bytes.
#[inline]
fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = varint::decode::<{ varint::MAX_LEN_U64 }, 64>(input).ok()?;
    let len = usize::try_from(len).ok()?;
    if len > input.len() {
        return None;
    }
    let (bytes, rest) = input.split_at(len);
    *input = rest;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fmt::binary::{from_bytes, to_vec};
    use crate::protocol::ServerMsg;

    #[test]
    fn message_view_reads_what_the_decoder_reads() {
        let msg = ServerMsg::Message {
            room: "lobby".into(),
            from: "ann".into(),
            text: "1.2.3.xx".into(),
            seq: 1 << 40,
            time_ms: 1_700_000_000_000,
        };
        let bytes = to_vec(&msg).unwrap();
        let view = MessageView::peek(&bytes).unwrap();
        assert_eq!(view.text, b"1.2.3.xx");
        assert_eq!(view.seq, 1 << 40);
        assert_eq!(
            view.to_msg().unwrap(),
            from_bytes::<ServerMsgRef>(&bytes).unwrap()
        );
        // Anything else, cut or padded frames included, is not a view.
        assert_eq!(MessageView::peek(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(MessageView::peek(&longer), None);
        let pong = to_vec(&ServerMsg::Pong { nonce: 1 }).unwrap();
        assert_eq!(MessageView::peek(&pong), None);
        assert_eq!(MessageView::peek(&[]), None);
        assert_eq!(MessageView::peek(&[1, 0x80]), None);
    }
}
