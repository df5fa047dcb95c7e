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

use serdy::{Deserialize, Serialize};

use crate::fmt::binary::{self, from_bytes};
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
