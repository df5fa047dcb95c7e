//! The messages of section 4 again, borrowing their strings: what the hub
//! encodes and what the load generator encodes and decodes, without an
//! allocation per string.
//!
//! Encoding a `ServerMsg::Message` from owned types would first copy the
//! room, the sender's nick and the text into `String`s, only to drop them
//! once the bytes exist; decoding one into owned types copies them out of
//! the read buffer. [`ClientMsgRef`] and [`ServerMsgRef`] have the same
//! variants, in the same order and with the same fields, as
//! [`ClientMsg`](super::ClientMsg) and [`ServerMsg`](super::ServerMsg), with
//! `&str` where those own a `String`; the lists of `Rooms` and `Users` are
//! [`Cow`]s, borrowed when the hub encodes them, owned vectors of borrowed
//! strings when they are decoded. The wire format names only variant
//! indexes and field order, so both spellings write the same bytes and
//! read each other's (the tests below check every variant both ways):
//!
//! ```
//! use chat::fmt::binary::{from_bytes, to_vec};
//! use chat::protocol::{ServerMsg, ServerMsgRef};
//!
//! let owned = ServerMsg::joined("lobby", "ann");
//! let borrowed = ServerMsgRef::Joined { room: "lobby", nick: "ann" };
//! let bytes = to_vec(&owned).unwrap();
//! assert_eq!(to_vec(&borrowed).unwrap(), bytes);
//! assert_eq!(from_bytes::<ServerMsgRef>(&bytes).unwrap(), borrowed);
//! ```

use std::borrow::Cow;

use serdy::{Deserialize, Serialize};

use super::ErrorCode;

/// [`ClientMsg`](super::ClientMsg) with borrowed strings; same variants,
/// same order, same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serdy(rename = "ClientMsg")]
pub enum ClientMsgRef<'a> {
    /// 0: `Hello`.
    Hello {
        /// Protocol version the client speaks.
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

/// [`ServerMsg`](super::ServerMsg) with borrowed strings; same variants,
/// same order, same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serdy(rename = "ServerMsg")]
pub enum ServerMsgRef<'a> {
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
        rooms: Cow<'a, [RoomInfoRef<'a>]>,
    },
    /// 7: `Users`.
    Users {
        /// Room.
        room: &'a str,
        /// Members.
        nicks: Cow<'a, [&'a str]>,
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

/// [`RoomInfo`](super::RoomInfo) with a borrowed name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serdy(rename = "RoomInfo")]
pub struct RoomInfoRef<'a> {
    /// Room name (lowercase).
    pub name: &'a str,
    /// Number of members.
    pub members: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fmt::binary::{from_bytes, to_vec};
    use crate::protocol::{ClientMsg, RoomInfo, ServerMsg};

    #[test]
    fn client_messages_match_client_msg() {
        let pairs = [
            (
                ClientMsgRef::Hello {
                    version: 1,
                    nick: "ann",
                },
                ClientMsg::hello("ann"),
            ),
            (
                ClientMsgRef::Say {
                    room: "lobby",
                    text: "hi",
                },
                ClientMsg::say("lobby", "hi"),
            ),
            (
                ClientMsgRef::Join { room: "r" },
                ClientMsg::Join { room: "r".into() },
            ),
            (
                ClientMsgRef::Leave { room: "r" },
                ClientMsg::Leave { room: "r".into() },
            ),
            (
                ClientMsgRef::Whisper {
                    to: "bo",
                    text: "x",
                },
                ClientMsg::Whisper {
                    to: "bo".into(),
                    text: "x".into(),
                },
            ),
            (
                ClientMsgRef::Nick { nick: "z" },
                ClientMsg::Nick { nick: "z".into() },
            ),
            (ClientMsgRef::ListRooms, ClientMsg::ListRooms),
            (
                ClientMsgRef::ListUsers { room: "r" },
                ClientMsg::ListUsers { room: "r".into() },
            ),
            (
                ClientMsgRef::Ping { nonce: 300 },
                ClientMsg::Ping { nonce: 300 },
            ),
            (ClientMsgRef::Bye, ClientMsg::Bye),
        ];
        for (borrowed, owned) in pairs {
            let bytes = to_vec(&owned).unwrap();
            assert_eq!(to_vec(&borrowed).unwrap(), bytes, "{owned:?}");
            assert_eq!(from_bytes::<ClientMsgRef>(&bytes).unwrap(), borrowed);
        }
    }

    #[test]
    fn server_messages_match_server_msg() {
        let rooms = [
            RoomInfoRef {
                name: "a",
                members: 1,
            },
            RoomInfoRef {
                name: "bb",
                members: 300,
            },
        ];
        let nicks = ["x", "Yy"];
        let pairs = [
            (
                ServerMsgRef::Welcome {
                    version: 1,
                    nick: "n",
                    server: "s 1",
                },
                ServerMsg::Welcome {
                    version: 1,
                    nick: "n".into(),
                    server: "s 1".into(),
                },
            ),
            (
                ServerMsgRef::Message {
                    room: "r",
                    from: "f",
                    text: "t",
                    seq: 300,
                    time_ms: 1_700_000_000_000,
                },
                ServerMsg::Message {
                    room: "r".into(),
                    from: "f".into(),
                    text: "t".into(),
                    seq: 300,
                    time_ms: 1_700_000_000_000,
                },
            ),
            (
                ServerMsgRef::Whispered {
                    from: "f",
                    to: "t",
                    text: "x",
                    time_ms: 1,
                },
                ServerMsg::Whispered {
                    from: "f".into(),
                    to: "t".into(),
                    text: "x".into(),
                    time_ms: 1,
                },
            ),
            (
                ServerMsgRef::Joined {
                    room: "r",
                    nick: "n",
                },
                ServerMsg::joined("r", "n"),
            ),
            (
                ServerMsgRef::Left {
                    room: "r",
                    nick: "n",
                },
                ServerMsg::left("r", "n"),
            ),
            (
                ServerMsgRef::Renamed { old: "o", new: "n" },
                ServerMsg::renamed("o", "n"),
            ),
            (
                ServerMsgRef::Rooms {
                    rooms: Cow::Borrowed(&rooms),
                },
                ServerMsg::Rooms {
                    rooms: vec![
                        RoomInfo {
                            name: "a".into(),
                            members: 1,
                        },
                        RoomInfo {
                            name: "bb".into(),
                            members: 300,
                        },
                    ],
                },
            ),
            (
                ServerMsgRef::Rooms {
                    rooms: Cow::Borrowed(&[]),
                },
                ServerMsg::Rooms { rooms: Vec::new() },
            ),
            (
                ServerMsgRef::Users {
                    room: "r",
                    nicks: Cow::Borrowed(&nicks),
                },
                ServerMsg::Users {
                    room: "r".into(),
                    nicks: vec!["x".into(), "Yy".into()],
                },
            ),
            (
                ServerMsgRef::Pong { nonce: u64::MAX },
                ServerMsg::Pong { nonce: u64::MAX },
            ),
            (
                ServerMsgRef::Error {
                    code: ErrorCode::SlowConsumer,
                    detail: "d",
                },
                ServerMsg::Error {
                    code: ErrorCode::SlowConsumer,
                    detail: "d".into(),
                },
            ),
        ];
        for (borrowed, owned) in &pairs {
            let bytes = to_vec(owned).unwrap();
            assert_eq!(to_vec(borrowed).unwrap(), bytes, "{owned:?}");
            // `ServerMsgRef` is invariant in its lifetime (through `Cow`),
            // so compare the decoded value by its `Debug` text.
            let decoded = from_bytes::<ServerMsgRef>(&bytes).unwrap();
            assert_eq!(format!("{decoded:?}"), format!("{borrowed:?}"));
        }
    }

    #[test]
    fn decoding_borrows_from_the_buffer() {
        let bytes = to_vec(&ServerMsg::Message {
            room: "lobby".into(),
            from: "ann".into(),
            text: "hello".into(),
            seq: 1,
            time_ms: 2,
        })
        .unwrap();
        let ServerMsgRef::Message { text, .. } = from_bytes::<ServerMsgRef>(&bytes).unwrap() else {
            panic!("a Message decodes as a Message");
        };
        let range = bytes.as_ptr_range();
        assert!(range.contains(&text.as_ptr()), "text points into the frame");
    }
}
