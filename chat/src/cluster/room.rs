//! A room in Redis: its key and channel names, and the commands that run
//! the room's ops of [`SCRIPT`], the only writer of its order.
//!
//! | name | type | holds |
//! | --- | --- | --- |
//! | `chat:{room}:seq` | string | the `seq` of the room's last `Message` |
//! | `chat:{room}:history` | list | the last [`HISTORY_LEN`] `Message` frames, oldest first |
//! | `chat:{room}:members` | hash | folded nick → nick, the room's members on every node |
//! | `chat:{room}` | shard channel | every frame for the room's members, in order |
//!
//! The braces are Redis's hash tag: only `room` decides the slot, so a
//! room's keys and its channel always live together, one script may touch
//! them all, and sharded pub/sub (`SSUBSCRIBE`/`SPUBLISH`) keeps the same
//! names on Redis Cluster.
//!
//! The library's `chat_message` function ([`room_event_command`]) gives a `Message`
//! the next `seq` inside the script, splices it into the frame, appends the
//! frame to the history and publishes it; `chat_event` publishes a whole
//! payload as it is; `chat_history` ([`history_command`]) reads the last
//! `seq` and the history in one step. Because Redis runs a function without
//! interleaving any other command, the order of the channel is the order
//! of the calls, and the history is a suffix of that order's `Message`s.
//!
//! ```
//! use chat::cluster::room;
//! use chat::fmt::binary;
//! use chat::protocol::ServerMsg;
//!
//! assert_eq!(room::seq_key("lobby"), "chat:{lobby}:seq");
//! assert_eq!(room::channel("lobby"), "chat:{lobby}");
//! assert_eq!(room::room_of_channel(b"chat:{lobby}"), Some("lobby"));
//!
//! // The script splices the varint of the seq Redis assigns between the
//! // two parts: the result is the frame the hub would have sent.
//! let (head, tail) = room::message_parts("lobby", "alice", "hi", 1000).unwrap();
//! let mut payload = head.clone();
//! payload.push(7); // seq 7, a one-byte varint
//! payload.extend_from_slice(&tail);
//! let msg = ServerMsg::Message {
//!     room: "lobby".into(),
//!     from: "alice".into(),
//!     text: "hi".into(),
//!     seq: 7,
//!     time_ms: 1000,
//! };
//! assert_eq!(payload, binary::to_vec(&msg).unwrap());
//! ```

use crate::fmt::binary;
use crate::protocol::ServerMsgRef;

pub use crate::protocol::HISTORY_LEN;

/// The cluster's Lua library (`chat`): every write to the shared state is
/// one call of one of its functions (`FCALL chat_<op> numkeys KEYS...
/// ARGV...`). Load it with [`load_command`].
pub const SCRIPT: &str = include_str!("scripts/node.lua");

/// `FUNCTION LOAD REPLACE <library>`: loads (or reloads) [`SCRIPT`];
/// Redis answers the library's name, `chat`.
pub fn load_command() -> [&'static [u8]; 4] {
    [b"FUNCTION", b"LOAD", b"REPLACE", SCRIPT.as_bytes()]
}

/// The key of the room's last `Message` seq.
pub fn seq_key(room: &str) -> String {
    format!("chat:{{{room}}}:seq")
}

/// The key of the room's history list.
pub fn history_key(room: &str) -> String {
    format!("chat:{{{room}}}:history")
}

/// The key of the room's members hash.
pub fn members_key(room: &str) -> String {
    format!("chat:{{{room}}}:members")
}

/// The room's shard channel.
pub fn channel(room: &str) -> String {
    format!("chat:{{{room}}}")
}

/// The room whose channel is `channel`, if it is a room's channel.
pub fn room_of_channel(channel: &[u8]) -> Option<&str> {
    let inner = channel.strip_prefix(b"chat:{")?.strip_suffix(b"}")?;
    let room = std::str::from_utf8(inner).ok()?;
    crate::protocol::is_valid_name(room).then_some(room)
}

/// One event for [`room_event_command`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomEvent<'a> {
    /// A `Message` payload cut where its `seq` goes (see [`message_parts`]).
    Message {
        /// The payload before `seq`.
        head: &'a [u8],
        /// The payload after `seq`.
        tail: &'a [u8],
    },
    /// A whole payload without a `seq`: `Joined`, `Left`.
    Event {
        /// The payload.
        payload: &'a [u8],
    },
}

/// The arguments that run [`SCRIPT`]'s `chat_message` function (for a
/// [`RoomEvent::Message`]: `FCALL chat_message 3 seq history members
/// channel head tail`, answered by `[seq, frame]`, or an error when the
/// room has no members) or `chat_event` (`FCALL chat_event 1 seq channel
/// payload`, answered by the seq of the room's last `Message`) for `room`.
pub fn room_event_command(room: &str, event: RoomEvent<'_>) -> Vec<Vec<u8>> {
    let mut args = vec![b"FCALL".to_vec()];
    match event {
        RoomEvent::Message { head, tail } => args.extend([
            b"chat_message".to_vec(),
            b"3".to_vec(),
            seq_key(room).into_bytes(),
            history_key(room).into_bytes(),
            members_key(room).into_bytes(),
            channel(room).into_bytes(),
            head.to_vec(),
            tail.to_vec(),
        ]),
        RoomEvent::Event { payload } => args.extend([
            b"chat_event".to_vec(),
            b"1".to_vec(),
            seq_key(room).into_bytes(),
            channel(room).into_bytes(),
            payload.to_vec(),
        ]),
    }
    args
}

/// `FCALL chat_history 2 seq history`: the arguments that read `room`'s
/// last `seq` and history, answered by `[seq, [frame...]]`.
pub fn history_command(room: &str) -> Vec<Vec<u8>> {
    vec![
        b"FCALL".to_vec(),
        b"chat_history".to_vec(),
        b"2".to_vec(),
        seq_key(room).into_bytes(),
        history_key(room).into_bytes(),
    ]
}

/// The payload of a `Message` cut where its `seq` goes: `seq` is the
/// second-to-last field and `time_ms` the last, so the tail is the varint
/// of `time_ms`.
pub fn message_parts(
    room: &str,
    from: &str,
    text: &str,
    time_ms: u64,
) -> Result<(Vec<u8>, Vec<u8>), binary::Error> {
    let mut head = Vec::new();
    let at = message_parts_into(&mut head, room, from, text, time_ms)?;
    let tail = head.split_off(at);
    Ok((head, tail))
}

/// [`message_parts`] into a reused buffer: clears `buf`, writes the head
/// then the tail, and returns where the tail starts.
pub fn message_parts_into(
    buf: &mut Vec<u8>,
    room: &str,
    from: &str,
    text: &str,
    time_ms: u64,
) -> Result<usize, binary::Error> {
    buf.clear();
    let msg = ServerMsgRef::Message {
        room,
        from,
        text,
        seq: 0,
        time_ms,
    };
    binary::serialize_into(&msg, buf)?;
    let time_len = (64 - time_ms.leading_zeros() as usize).div_ceil(7).max(1);
    let at = buf.len() - time_len;
    buf.remove(at - 1); // seq 0: one byte
    Ok(at - 1)
}

/// A room's key and channel names, made once per room a node serves, so
/// that a `Say` formats nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomKeys {
    /// [`seq_key`].
    pub seq: String,
    /// [`history_key`].
    pub history: String,
    /// [`members_key`].
    pub members: String,
    /// [`channel`].
    pub channel: String,
}

impl RoomKeys {
    /// The names of `room`.
    pub fn new(room: &str) -> RoomKeys {
        RoomKeys {
            seq: seq_key(room),
            history: history_key(room),
            members: members_key(room),
            channel: channel(room),
        }
    }

    /// `FCALL chat_message 3 seq history members channel head tail`,
    /// borrowed: the arguments [`room_event_command`] makes for a
    /// [`RoomEvent::Message`], without allocating.
    pub fn message_command<'a>(&'a self, head: &'a [u8], tail: &'a [u8]) -> [&'a [u8]; 9] {
        [
            b"FCALL",
            b"chat_message",
            b"3",
            self.seq.as_bytes(),
            self.history.as_bytes(),
            self.members.as_bytes(),
            self.channel.as_bytes(),
            head,
            tail,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ServerMsg;

    #[test]
    fn message_command_is_room_event_command() {
        let keys = RoomKeys::new("lobby");
        let (head, tail) = message_parts("lobby", "ann", "hi", 5).unwrap();
        let owned = room_event_command(
            "lobby",
            RoomEvent::Message {
                head: &head,
                tail: &tail,
            },
        );
        assert_eq!(keys.message_command(&head, &tail).to_vec(), owned);
    }

    #[test]
    fn message_parts_surround_the_seq_for_any_time() {
        for time_ms in [0, 1, 127, 128, 1 << 40, u64::MAX] {
            for seq in [1u64, 127, 128, 300, 1 << 35] {
                let (mut head, tail) = message_parts("r", "f", "t", time_ms).unwrap();
                let mut n = seq;
                while n >= 128 {
                    head.push((n % 128) as u8 | 0x80);
                    n /= 128;
                }
                head.push(n as u8);
                head.extend_from_slice(&tail);
                let msg = ServerMsg::Message {
                    room: "r".into(),
                    from: "f".into(),
                    text: "t".into(),
                    seq,
                    time_ms,
                };
                assert_eq!(head, binary::to_vec(&msg).unwrap(), "{time_ms} {seq}");
            }
        }
    }

    #[test]
    fn commands_name_the_rooms_keys() {
        let cmd = room_event_command("lobby", RoomEvent::Event { payload: b"\x03x" });
        let text: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
        assert_eq!(
            text,
            [
                &b"FCALL"[..],
                b"chat_event",
                b"1",
                b"chat:{lobby}:seq",
                b"chat:{lobby}",
                b"\x03x",
            ]
        );
        assert_eq!(history_command("lobby")[3], b"chat:{lobby}:seq");
        assert_eq!(room_of_channel(b"chat:{lobby}"), Some("lobby"));
        assert_eq!(room_of_channel(b"chat:node:{a}"), None);
        assert_eq!(room_of_channel(b"chat:{Lobby}x"), None);
    }

    #[test]
    fn the_script_keeps_the_protocols_history_length() {
        assert!(SCRIPT.contains(&format!("local HISTORY_LEN = {HISTORY_LEN}\n")));
    }
}
