//! The messages of PROTOCOL.md section 4 and the naming rules of section 5.1.
//!
//! The protocol itself is [`spec`]: `docs/PROTOCOL.md` of the repository,
//! rendered here. Every "PROTOCOL.md section N" in these docs points at a
//! section of it. This module is its vocabulary in Rust: [`ClientMsg`],
//! [`ServerMsg`], [`ErrorCode`] and [`RoomInfo`], the limits as constants,
//! and the naming rule as [`is_valid_name`].
//!
//! The order of the variants below *is* the wire format: the binary encoding
//! writes an enum as the index of its variant (declaration order, from 0), so
//! reordering a variant is a protocol change. Golden tests in
//! `chat/tests/` pin the exact bytes of every variant.
//!
//! [`ClientMsgRef`] and [`ServerMsgRef`] are the same messages with
//! borrowed strings, for code that encodes or decodes many of them (the
//! hub, the load generator): same variants, same bytes.

use serdy::{Deserialize, Serialize};

mod borrowed;

pub use borrowed::{ClientMsgRef, RoomInfoRef, ServerMsgRef};

#[doc = include_str!("../../docs/PROTOCOL.md")]
pub mod spec {}

/// The protocol version this crate speaks (`Hello.version`, `Welcome.version`).
pub const PROTOCOL_VERSION: u32 = 1;
/// Longest accepted `text` of a `Say` or `Whisper`, in bytes (section 4, `BadText`).
pub const MAX_TEXT: usize = 4096;
/// Longest nick or room name, in bytes (section 5.1).
pub const MAX_NAME: usize = 32;
/// How many `Message`s a room keeps as history for joiners (section 5.3).
pub const HISTORY_LEN: usize = 32;
/// How many rooms one client may be in, `lobby` included (`TooManyRooms`).
pub const MAX_ROOMS_PER_CLIENT: usize = 32;
/// The room every client joins after `Welcome` (section 5.2).
pub const LOBBY: &str = "lobby";
/// Default `MAX_FRAME` for client-to-server frames (section 2, `--max-frame`).
pub const DEFAULT_MAX_FRAME: u32 = 65_536;
/// Largest server-to-client frame payload, whatever `--max-frame` says (section 2).
pub const SERVER_MAX_FRAME: u32 = 1_048_576;
/// Default per-client queued-output limit in bytes (section 5.5, `--max-outbound`).
pub const DEFAULT_MAX_OUTBOUND: usize = 1_048_576;
/// Default connection limit (section 5.5, `--max-conns`).
pub const DEFAULT_MAX_CONNS: usize = 10_000;
/// Default `HelloTimeout` deadline in milliseconds (section 4, `--hello-timeout-ms`).
pub const DEFAULT_HELLO_TIMEOUT_MS: u64 = 10_000;
/// Default listen address (section 1).
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// A message from a client to the server (PROTOCOL.md section 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// 0: first message; `version` is [`PROTOCOL_VERSION`].
    Hello {
        /// Protocol version the client speaks.
        version: u32,
        /// Requested nick.
        nick: String,
    },
    /// 1: post `text` to a room the client is in.
    Say {
        /// Target room.
        room: String,
        /// Message text (1..=[`MAX_TEXT`] bytes).
        text: String,
    },
    /// 2: join (and create, if needed) a room.
    Join {
        /// Room to join.
        room: String,
    },
    /// 3: leave a room.
    Leave {
        /// Room to leave.
        room: String,
    },
    /// 4: private message to one nick.
    Whisper {
        /// Recipient nick (matched ignoring ASCII case).
        to: String,
        /// Message text.
        text: String,
    },
    /// 5: change nick.
    Nick {
        /// The new nick.
        nick: String,
    },
    /// 6: ask for [`ServerMsg::Rooms`].
    ListRooms,
    /// 7: ask for [`ServerMsg::Users`] of a room.
    ListUsers {
        /// Room to list.
        room: String,
    },
    /// 8: ask for [`ServerMsg::Pong`] with the same nonce.
    Ping {
        /// Echoed back unchanged.
        nonce: u64,
    },
    /// 9: orderly goodbye; the server then closes.
    Bye,
}

/// Shorthands for the messages a client sends most, so that a client and
/// a test read `ClientMsg::say("lobby", "hi")` rather than a struct literal.
///
/// ```
/// use chat::protocol::{ClientMsg, PROTOCOL_VERSION};
///
/// assert_eq!(
///     ClientMsg::hello("ann"),
///     ClientMsg::Hello { version: PROTOCOL_VERSION, nick: "ann".into() }
/// );
/// assert_eq!(
///     ClientMsg::say("lobby", "hi"),
///     ClientMsg::Say { room: "lobby".into(), text: "hi".into() }
/// );
/// ```
impl ClientMsg {
    /// `Hello` for `nick`, speaking [`PROTOCOL_VERSION`].
    pub fn hello(nick: &str) -> ClientMsg {
        ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            nick: nick.into(),
        }
    }

    /// `Say` of `text` to `room`.
    pub fn say(room: &str, text: &str) -> ClientMsg {
        ClientMsg::Say {
            room: room.into(),
            text: text.into(),
        }
    }
}

/// A message from the server to a client (PROTOCOL.md section 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerMsg {
    /// 0: `Hello` accepted.
    Welcome {
        /// Protocol version.
        version: u32,
        /// The nick as stored.
        nick: String,
        /// Server binary name and version.
        server: String,
    },
    /// 1: a message posted to a room.
    Message {
        /// Room (lowercase).
        room: String,
        /// Sender nick as stored.
        from: String,
        /// The text.
        text: String,
        /// Per-room sequence number, 1 for a room's first message.
        seq: u64,
        /// UNIX time in milliseconds when the server accepted it.
        time_ms: u64,
    },
    /// 2: a private message.
    Whispered {
        /// Sender nick as stored.
        from: String,
        /// Recipient nick as stored.
        to: String,
        /// The text.
        text: String,
        /// UNIX time in milliseconds.
        time_ms: u64,
    },
    /// 3: `nick` joined `room`.
    Joined {
        /// Room (lowercase).
        room: String,
        /// Nick as stored.
        nick: String,
    },
    /// 4: `nick` left `room` (or disconnected).
    Left {
        /// Room (lowercase).
        room: String,
        /// Nick as stored.
        nick: String,
    },
    /// 5: a nick changed.
    Renamed {
        /// Previous nick.
        old: String,
        /// New nick.
        new: String,
    },
    /// 6: answer to `ListRooms`, sorted by name.
    Rooms {
        /// The rooms.
        rooms: Vec<RoomInfo>,
    },
    /// 7: answer to `ListUsers`, sorted by ASCII-lowercased nick.
    Users {
        /// Room (lowercase).
        room: String,
        /// Nicks as stored.
        nicks: Vec<String>,
    },
    /// 8: answer to `Ping`.
    Pong {
        /// The nonce of the `Ping`.
        nonce: u64,
    },
    /// 9: a refused request; fatal codes are followed by a close.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// For humans.
        detail: String,
    },
}

/// Shorthands for the room notices, which tests and examples build often.
///
/// ```
/// use chat::protocol::ServerMsg;
///
/// assert_eq!(
///     ServerMsg::joined("lobby", "ann"),
///     ServerMsg::Joined { room: "lobby".into(), nick: "ann".into() }
/// );
/// assert!(matches!(
///     ServerMsg::message("lobby", "ann", "hi", 1, 0),
///     ServerMsg::Message { seq: 1, .. }
/// ));
/// assert_eq!(
///     ServerMsg::renamed("ann", "anna"),
///     ServerMsg::Renamed { old: "ann".into(), new: "anna".into() }
/// );
/// ```
impl ServerMsg {
    /// `Message`: `from` said `text` in `room`, the room's `seq`th
    /// message, stamped `time_ms` (UNIX milliseconds).
    pub fn message(room: &str, from: &str, text: &str, seq: u64, time_ms: u64) -> ServerMsg {
        ServerMsg::Message {
            room: room.into(),
            from: from.into(),
            text: text.into(),
            seq,
            time_ms,
        }
    }

    /// `Joined`: `nick` entered `room`.
    pub fn joined(room: &str, nick: &str) -> ServerMsg {
        ServerMsg::Joined {
            room: room.into(),
            nick: nick.into(),
        }
    }

    /// `Left`: `nick` left `room`.
    pub fn left(room: &str, nick: &str) -> ServerMsg {
        ServerMsg::Left {
            room: room.into(),
            nick: nick.into(),
        }
    }

    /// `Renamed`: `old` is now called `new`.
    pub fn renamed(old: &str, new: &str) -> ServerMsg {
        ServerMsg::Renamed {
            old: old.into(),
            new: new.into(),
        }
    }
}

/// One entry of [`ServerMsg::Rooms`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    /// Room name (lowercase).
    pub name: String,
    /// Number of members.
    pub members: u32,
}

/// Why a request was refused (PROTOCOL.md section 4). Encoded as its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// 0: a frame or payload that cannot be decoded. Fatal.
    Malformed,
    /// 1: header `length > MAX_FRAME`. Fatal.
    FrameTooLarge,
    /// 2: a message other than `Hello`/`Bye` before `Welcome`, or `Hello` after. Fatal.
    Unexpected,
    /// 3: `Hello.version != 1`. Fatal.
    VersionUnsupported,
    /// 4: no accepted `Hello` in time. Fatal.
    HelloTimeout,
    /// 5: nick breaks the naming rule.
    BadNick,
    /// 6: nick already in use.
    NickTaken,
    /// 7: room name breaks the naming rule.
    BadRoom,
    /// 8: `Join` of a room the client is in.
    AlreadyInRoom,
    /// 9: `Say` or `Leave` for a room the client is not in.
    NotInRoom,
    /// 10: `ListUsers` for a room that does not exist.
    NoSuchRoom,
    /// 11: `Whisper` to a nick that is not connected.
    NoSuchUser,
    /// 12: empty text, or longer than [`MAX_TEXT`].
    BadText,
    /// 13: `Join` beyond [`MAX_ROOMS_PER_CLIENT`] rooms.
    TooManyRooms,
    /// 14: the client's unsent output passed the server's limit. Fatal.
    SlowConsumer,
    /// 15: the server is at its connection limit. Fatal.
    ServerFull,
    /// 16: the server is stopping. Fatal.
    ShuttingDown,
}

impl ErrorCode {
    /// Every code, in wire order.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::Malformed,
        ErrorCode::FrameTooLarge,
        ErrorCode::Unexpected,
        ErrorCode::VersionUnsupported,
        ErrorCode::HelloTimeout,
        ErrorCode::BadNick,
        ErrorCode::NickTaken,
        ErrorCode::BadRoom,
        ErrorCode::AlreadyInRoom,
        ErrorCode::NotInRoom,
        ErrorCode::NoSuchRoom,
        ErrorCode::NoSuchUser,
        ErrorCode::BadText,
        ErrorCode::TooManyRooms,
        ErrorCode::SlowConsumer,
        ErrorCode::ServerFull,
        ErrorCode::ShuttingDown,
    ];

    /// Whether the server closes the connection after sending this error.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            ErrorCode::Malformed
                | ErrorCode::FrameTooLarge
                | ErrorCode::Unexpected
                | ErrorCode::VersionUnsupported
                | ErrorCode::HelloTimeout
                | ErrorCode::SlowConsumer
                | ErrorCode::ServerFull
                | ErrorCode::ShuttingDown
        )
    }

    /// A sentence for people (the client shows this rather than the code).
    pub fn describe(self) -> &'static str {
        match self {
            ErrorCode::Malformed => "the server could not decode a frame",
            ErrorCode::FrameTooLarge => "a frame was larger than the server accepts",
            ErrorCode::Unexpected => "that message was not expected at this point",
            ErrorCode::VersionUnsupported => "the server does not speak this protocol version",
            ErrorCode::HelloTimeout => "no Hello arrived in time",
            ErrorCode::BadNick => "a nick is 1 to 32 ASCII letters, digits, '-' or '_'",
            ErrorCode::NickTaken => "that nick is already in use",
            ErrorCode::BadRoom => "a room name is 1 to 32 ASCII letters, digits, '-' or '_'",
            ErrorCode::AlreadyInRoom => "you are already in that room",
            ErrorCode::NotInRoom => "you are not in that room",
            ErrorCode::NoSuchRoom => "no such room",
            ErrorCode::NoSuchUser => "no such user",
            ErrorCode::BadText => "a message must be 1 to 4096 bytes",
            ErrorCode::TooManyRooms => "you are in too many rooms (32 at most)",
            ErrorCode::SlowConsumer => "you did not read fast enough and were dropped",
            ErrorCode::ServerFull => "the server is full",
            ErrorCode::ShuttingDown => "the server is shutting down",
        }
    }
}

/// The naming rule of section 5.1: 1 to 32 bytes of ASCII letters, digits,
/// `-` and `_`. Shared by nicks and room names.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `text` is an acceptable `Say`/`Whisper` text (1..=[`MAX_TEXT`] bytes).
pub fn is_valid_text(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_TEXT
}

/// The case-folded key a name is compared by: nicks are unique ignoring
/// ASCII case, and room names are stored lowercase (section 5.1).
/// Only meaningful for names that pass [`is_valid_name`].
pub fn fold_name(name: &str) -> String {
    name.to_ascii_lowercase()
}
