//! The messages as the load generator sends and reads them: borrowed, so a
//! delivery costs no allocation.
//!
//! [`Request`] mirrors [`ClientMsg`](crate::protocol::ClientMsg) and
//! [`Incoming`] mirrors [`ServerMsg`](crate::protocol::ServerMsg): same
//! variants in the same order (the order *is* the wire format), with `&str`
//! where the protocol types own a `String`. A `Message` frame read into the
//! shared buffer is decoded in place; its `text` points into that buffer.
//! The tests check that both mirrors encode and decode exactly like the
//! protocol types.
//!
//! `Message` frames, nearly every frame of a run, take a faster path still:
//! [`MessageView::peek`] reads the fields by hand and leaves the strings as
//! bytes, skipping the UTF-8 validation of three strings per delivery (a
//! third of the load generator's time before; the text is parsed as bytes
//! by [`Stamp`](super::stamp::Stamp) anyway). Any other frame, or a
//! `Message` that does not parse that way, goes through the full decoder.

use serdy::{Deserialize, Serialize};

use crate::fmt::binary::{self, from_bytes, varint};
use crate::fmt::framed::encode_frame;
use crate::protocol::{ErrorCode, RoomInfo};

/// A client-to-server message with borrowed strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Request<'a> {
    /// 0: `Hello`.
    Hello {
        /// Always [`PROTOCOL_VERSION`](crate::protocol::PROTOCOL_VERSION).
        version: u32,
        /// Requested nick.
        nick: &'a str,
    },
    /// 1: `Say`.
    Say {
        /// Target room.
        room: &'a str,
        /// The text.
        text: &'a str,
    },
    /// 2: `Join`.
    Join {
        /// Room to join.
        room: &'a str,
    },
    /// 3: `Leave`.
    Leave {
        /// Room to leave.
        room: &'a str,
    },
    /// 4: `Whisper`.
    Whisper {
        /// Recipient.
        to: &'a str,
        /// The text.
        text: &'a str,
    },
    /// 5: `Nick`.
    Nick {
        /// New nick.
        nick: &'a str,
    },
    /// 6: `ListRooms`.
    ListRooms,
    /// 7: `ListUsers`.
    ListUsers {
        /// Room to list.
        room: &'a str,
    },
    /// 8: `Ping`.
    Ping {
        /// Echoed in `Pong`.
        nonce: u64,
    },
    /// 9: `Bye`.
    Bye,
}

impl Request<'_> {
    /// Appends this request as one frame to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        // Invariant: every request the load generator builds is far below
        // the frame limit and encoding into a Vec cannot fail otherwise.
        if let Err(e) = encode_frame(self, out) {
            unreachable!("encoding a load generator request failed: {e}");
        }
    }
}

/// A server-to-client message decoded in place.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum Incoming<'a> {
    /// 0: `Welcome`.
    Welcome {
        /// Protocol version.
        version: u32,
        /// The nick as stored.
        nick: &'a str,
        /// Server name and version.
        server: &'a str,
    },
    /// 1: `Message`.
    Message {
        /// Room.
        room: &'a str,
        /// Sender's nick.
        from: &'a str,
        /// The text.
        text: &'a str,
        /// Room sequence number.
        seq: u64,
        /// Server time, UNIX ms.
        time_ms: u64,
    },
    /// 2: `Whispered`.
    Whispered {
        /// Sender.
        from: &'a str,
        /// Recipient.
        to: &'a str,
        /// The text.
        text: &'a str,
        /// Server time, UNIX ms.
        time_ms: u64,
    },
    /// 3: `Joined`.
    Joined {
        /// Room.
        room: &'a str,
        /// Who joined.
        nick: &'a str,
    },
    /// 4: `Left`.
    Left {
        /// Room.
        room: &'a str,
        /// Who left.
        nick: &'a str,
    },
    /// 5: `Renamed`.
    Renamed {
        /// Old nick.
        old: &'a str,
        /// New nick.
        new: &'a str,
    },
    /// 6: `Rooms`.
    Rooms {
        /// The rooms.
        rooms: Vec<RoomInfo>,
    },
    /// 7: `Users`.
    Users {
        /// Room.
        room: &'a str,
        /// Members.
        nicks: Vec<&'a str>,
    },
    /// 8: `Pong`.
    Pong {
        /// The nonce of the `Ping`.
        nonce: u64,
    },
    /// 9: `Error`.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// For humans.
        detail: &'a str,
    },
}

impl<'a> Incoming<'a> {
    /// Decodes one frame payload.
    pub fn decode(payload: &'a [u8]) -> Result<Incoming<'a>, binary::Error> {
        from_bytes(payload)
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

    /// The same message as an [`Incoming::Message`], if its strings are
    /// UTF-8.
    pub fn to_incoming(self) -> Result<Incoming<'a>, std::str::Utf8Error> {
        Ok(Incoming::Message {
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
    use crate::fmt::binary::to_vec;
    use crate::protocol::{ClientMsg, ServerMsg};

    #[test]
    fn requests_encode_like_client_msgs() {
        let pairs = [
            (
                Request::Hello {
                    version: 1,
                    nick: "ann",
                },
                ClientMsg::Hello {
                    version: 1,
                    nick: "ann".into(),
                },
            ),
            (
                Request::Say {
                    room: "lobby",
                    text: "hi",
                },
                ClientMsg::Say {
                    room: "lobby".into(),
                    text: "hi".into(),
                },
            ),
            (
                Request::Join { room: "r" },
                ClientMsg::Join { room: "r".into() },
            ),
            (
                Request::Leave { room: "r" },
                ClientMsg::Leave { room: "r".into() },
            ),
            (
                Request::Whisper {
                    to: "bo",
                    text: "x",
                },
                ClientMsg::Whisper {
                    to: "bo".into(),
                    text: "x".into(),
                },
            ),
            (
                Request::Nick { nick: "z" },
                ClientMsg::Nick { nick: "z".into() },
            ),
            (Request::ListRooms, ClientMsg::ListRooms),
            (
                Request::ListUsers { room: "r" },
                ClientMsg::ListUsers { room: "r".into() },
            ),
            (Request::Ping { nonce: 300 }, ClientMsg::Ping { nonce: 300 }),
            (Request::Bye, ClientMsg::Bye),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(to_vec(&ours).unwrap(), to_vec(&theirs).unwrap(), "{ours:?}");
        }
    }

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
            view.to_incoming().unwrap(),
            Incoming::decode(&bytes).unwrap()
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

    #[test]
    fn incoming_decodes_server_msgs_in_place() {
        let msgs = [
            ServerMsg::Welcome {
                version: 1,
                nick: "a".into(),
                server: "s".into(),
            },
            ServerMsg::Message {
                room: "lobby".into(),
                from: "a".into(),
                text: "t".into(),
                seq: 300,
                time_ms: 1_700_000_000_000,
            },
            ServerMsg::Whispered {
                from: "a".into(),
                to: "b".into(),
                text: "w".into(),
                time_ms: 1,
            },
            ServerMsg::Joined {
                room: "r".into(),
                nick: "n".into(),
            },
            ServerMsg::Left {
                room: "r".into(),
                nick: "n".into(),
            },
            ServerMsg::Renamed {
                old: "o".into(),
                new: "n".into(),
            },
            ServerMsg::Rooms {
                rooms: vec![RoomInfo {
                    name: "r".into(),
                    members: 2,
                }],
            },
            ServerMsg::Users {
                room: "r".into(),
                nicks: vec!["a".into(), "b".into()],
            },
            ServerMsg::Pong { nonce: 7 },
            ServerMsg::Error {
                code: ErrorCode::SlowConsumer,
                detail: "d".into(),
            },
        ];
        for msg in msgs {
            let bytes = to_vec(&msg).unwrap();
            let ours = Incoming::decode(&bytes).unwrap();
            // Re-encode our view through the owned type and compare.
            let back = match ours {
                Incoming::Welcome {
                    version,
                    nick,
                    server,
                } => ServerMsg::Welcome {
                    version,
                    nick: nick.into(),
                    server: server.into(),
                },
                Incoming::Message {
                    room,
                    from,
                    text,
                    seq,
                    time_ms,
                } => ServerMsg::Message {
                    room: room.into(),
                    from: from.into(),
                    text: text.into(),
                    seq,
                    time_ms,
                },
                Incoming::Whispered {
                    from,
                    to,
                    text,
                    time_ms,
                } => ServerMsg::Whispered {
                    from: from.into(),
                    to: to.into(),
                    text: text.into(),
                    time_ms,
                },
                Incoming::Joined { room, nick } => ServerMsg::Joined {
                    room: room.into(),
                    nick: nick.into(),
                },
                Incoming::Left { room, nick } => ServerMsg::Left {
                    room: room.into(),
                    nick: nick.into(),
                },
                Incoming::Renamed { old, new } => ServerMsg::Renamed {
                    old: old.into(),
                    new: new.into(),
                },
                Incoming::Rooms { rooms } => ServerMsg::Rooms { rooms },
                Incoming::Users { room, nicks } => ServerMsg::Users {
                    room: room.into(),
                    nicks: nicks.into_iter().map(String::from).collect(),
                },
                Incoming::Pong { nonce } => ServerMsg::Pong { nonce },
                Incoming::Error { code, detail } => ServerMsg::Error {
                    code,
                    detail: detail.into(),
                },
            };
            assert_eq!(back, msg);
        }
    }
}
