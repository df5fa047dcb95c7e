//! What the hub sends, borrowed: [`ServerMsg`](crate::protocol::ServerMsg)
//! without the allocations.
//!
//! Encoding a `ServerMsg::Message` would first need owned copies of the
//! room, the sender's nick and the text, only to throw them away once the
//! bytes exist. [`Outgoing`] has the same variants in the same order, with
//! `&str` and slices where `ServerMsg` has `String` and `Vec`, and its
//! `Serialize` impl is written out by hand to make the wire mapping
//! explicit: every variant is a *struct variant* of the enum `ServerMsg`,
//! its index is its position in PROTOCOL.md section 4, and its fields come in
//! declaration order. The binary format writes exactly what it would write
//! for the owned `ServerMsg` (a unit test checks every variant), so clients
//! decode these frames as `ServerMsg`.

use serdy::ser::{SerializeSeq, SerializeStruct, SerializeStructVariant};
use serdy::{Serialize, Serializer};

use crate::protocol::{ErrorCode, PROTOCOL_VERSION};

/// A server-to-client message that borrows its strings.
#[derive(Debug, Clone, Copy)]
pub(super) enum Outgoing<'a> {
    /// 0: `Welcome`; `version` is always [`PROTOCOL_VERSION`].
    Welcome { nick: &'a str, server: &'a str },
    /// 1: `Message`.
    Message {
        room: &'a str,
        from: &'a str,
        text: &'a str,
        seq: u64,
        time_ms: u64,
    },
    /// 2: `Whispered`.
    Whispered {
        from: &'a str,
        to: &'a str,
        text: &'a str,
        time_ms: u64,
    },
    /// 3: `Joined`.
    Joined { room: &'a str, nick: &'a str },
    /// 4: `Left`.
    Left { room: &'a str, nick: &'a str },
    /// 5: `Renamed`.
    Renamed { old: &'a str, new: &'a str },
    /// 6: `Rooms`: `(name, members)` pairs, already sorted and cut to fit.
    Rooms { rooms: &'a [(&'a str, u32)] },
    /// 7: `Users`: nicks already sorted and cut to fit.
    Users { room: &'a str, nicks: &'a [&'a str] },
    /// 8: `Pong`.
    Pong { nonce: u64 },
    /// 9: `Error`.
    Error { code: ErrorCode, detail: &'a str },
}

const NAME: &str = "ServerMsg";

impl Serialize for Outgoing<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Outgoing::Welcome { nick, server } => {
                let mut v = serializer.serialize_struct_variant(NAME, 0, "Welcome", 3)?;
                v.serialize_field("version", &PROTOCOL_VERSION)?;
                v.serialize_field("nick", nick)?;
                v.serialize_field("server", server)?;
                v.end()
            }
            Outgoing::Message {
                room,
                from,
                text,
                seq,
                time_ms,
            } => {
                let mut v = serializer.serialize_struct_variant(NAME, 1, "Message", 5)?;
                v.serialize_field("room", room)?;
                v.serialize_field("from", from)?;
                v.serialize_field("text", text)?;
                v.serialize_field("seq", &seq)?;
                v.serialize_field("time_ms", &time_ms)?;
                v.end()
            }
            Outgoing::Whispered {
                from,
                to,
                text,
                time_ms,
            } => {
                let mut v = serializer.serialize_struct_variant(NAME, 2, "Whispered", 4)?;
                v.serialize_field("from", from)?;
                v.serialize_field("to", to)?;
                v.serialize_field("text", text)?;
                v.serialize_field("time_ms", &time_ms)?;
                v.end()
            }
            Outgoing::Joined { room, nick } => {
                let mut v = serializer.serialize_struct_variant(NAME, 3, "Joined", 2)?;
                v.serialize_field("room", room)?;
                v.serialize_field("nick", nick)?;
                v.end()
            }
            Outgoing::Left { room, nick } => {
                let mut v = serializer.serialize_struct_variant(NAME, 4, "Left", 2)?;
                v.serialize_field("room", room)?;
                v.serialize_field("nick", nick)?;
                v.end()
            }
            Outgoing::Renamed { old, new } => {
                let mut v = serializer.serialize_struct_variant(NAME, 5, "Renamed", 2)?;
                v.serialize_field("old", old)?;
                v.serialize_field("new", new)?;
                v.end()
            }
            Outgoing::Rooms { rooms } => {
                let mut v = serializer.serialize_struct_variant(NAME, 6, "Rooms", 1)?;
                v.serialize_field("rooms", &RoomList(rooms))?;
                v.end()
            }
            Outgoing::Users { room, nicks } => {
                let mut v = serializer.serialize_struct_variant(NAME, 7, "Users", 2)?;
                v.serialize_field("room", room)?;
                v.serialize_field("nicks", &NickList(nicks))?;
                v.end()
            }
            Outgoing::Pong { nonce } => {
                let mut v = serializer.serialize_struct_variant(NAME, 8, "Pong", 1)?;
                v.serialize_field("nonce", &nonce)?;
                v.end()
            }
            Outgoing::Error { code, detail } => {
                let mut v = serializer.serialize_struct_variant(NAME, 9, "Error", 2)?;
                v.serialize_field("code", &code)?;
                v.serialize_field("detail", detail)?;
                v.end()
            }
        }
    }
}

/// `Vec<RoomInfo>` on the wire: a counted sequence of `{ name, members }`.
struct RoomList<'a>(&'a [(&'a str, u32)]);

impl Serialize for RoomList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for &(name, members) in self.0 {
            seq.serialize_element(&RoomEntry { name, members })?;
        }
        seq.end()
    }
}

/// One `RoomInfo`, borrowed.
struct RoomEntry<'a> {
    name: &'a str,
    members: u32,
}

impl Serialize for RoomEntry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("RoomInfo", 2)?;
        s.serialize_field("name", self.name)?;
        s.serialize_field("members", &self.members)?;
        s.end()
    }
}

/// `Vec<String>` on the wire: a counted sequence of strings.
struct NickList<'a>(&'a [&'a str]);

impl Serialize for NickList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for &nick in self.0 {
            seq.serialize_element(nick)?;
        }
        seq.end()
    }
}
