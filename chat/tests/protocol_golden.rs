//! Golden frames for every message of PROTOCOL.md section 4.
//!
//! Each expected frame is written out by hand: 4-byte big-endian length,
//! variant index, then the fields (strings as length + UTF-8, integers as
//! varints). Each test checks both directions: the encoder produces exactly
//! these bytes, and the frame decoder plus `from_bytes` give the value back.

use chat::fmt::{binary, framed};
use chat::protocol::{ClientMsg, ErrorCode, RoomInfo, ServerMsg, DEFAULT_MAX_FRAME};
use serdy::{Deserialize, Serialize};

#[track_caller]
fn golden<T>(value: T, frame: &[u8])
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let mut out = Vec::new();
    framed::encode_frame(&value, &mut out).unwrap();
    assert_eq!(out, frame, "encoding {value:?}");

    let mut dec = framed::FrameDecoder::new(DEFAULT_MAX_FRAME);
    dec.push(frame);
    let payload = dec.next_frame().unwrap().expect("a whole frame");
    assert_eq!(binary::from_bytes::<T>(payload).unwrap(), value);
    assert!(dec.is_empty());
}

#[test]
fn client_hello() {
    golden(
        ClientMsg::Hello {
            version: 1,
            nick: "ann".into(),
        },
        &[0, 0, 0, 6, 0x00, 0x01, 0x03, b'a', b'n', b'n'],
    );
}

#[test]
fn client_say() {
    golden(
        ClientMsg::Say {
            room: "lobby".into(),
            text: "hi".into(),
        },
        &[
            0x00, 0x00, 0x00, 0x0a, 0x01, 0x05, 0x6c, 0x6f, 0x62, 0x62, 0x79, 0x02, 0x68, 0x69,
        ],
    );
}

#[test]
fn client_join_and_leave() {
    golden(
        ClientMsg::Join {
            room: "rust".into(),
        },
        &[0, 0, 0, 6, 0x02, 0x04, b'r', b'u', b's', b't'],
    );
    golden(
        ClientMsg::Leave {
            room: "rust".into(),
        },
        &[0, 0, 0, 6, 0x03, 0x04, b'r', b'u', b's', b't'],
    );
}

#[test]
fn client_whisper() {
    golden(
        ClientMsg::Whisper {
            to: "bob".into(),
            text: "yo".into(),
        },
        &[0, 0, 0, 8, 0x04, 0x03, b'b', b'o', b'b', 0x02, b'y', b'o'],
    );
}

#[test]
fn client_nick_multibyte() {
    // "zoë": ë is c3 ab, so 4 bytes.
    golden(
        ClientMsg::Nick {
            nick: "zoë".into()
        },
        &[0, 0, 0, 6, 0x05, 0x04, b'z', b'o', 0xc3, 0xab],
    );
}

#[test]
fn client_list_rooms_and_users() {
    golden(ClientMsg::ListRooms, &[0, 0, 0, 1, 0x06]);
    golden(
        ClientMsg::ListUsers {
            room: "lobby".into(),
        },
        &[0, 0, 0, 7, 0x07, 0x05, b'l', b'o', b'b', b'b', b'y'],
    );
}

#[test]
fn client_ping_and_bye() {
    golden(
        ClientMsg::Ping { nonce: 300 },
        &[0, 0, 0, 3, 0x08, 0xac, 0x02],
    );
    golden(
        ClientMsg::Ping { nonce: u64::MAX },
        &[
            0, 0, 0, 11, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ],
    );
    golden(ClientMsg::Bye, &[0, 0, 0, 1, 0x09]);
}

#[test]
fn server_welcome() {
    golden(
        ServerMsg::Welcome {
            version: 1,
            nick: "ann".into(),
            server: "ts/0.1".into(),
        },
        &[
            0, 0, 0, 13, 0x00, 0x01, 0x03, b'a', b'n', b'n', 0x06, b't', b's', b'/', b'0', b'.',
            b'1',
        ],
    );
}

#[test]
fn server_message() {
    golden(
        ServerMsg::Message {
            room: "lobby".into(),
            from: "ann".into(),
            text: "hi".into(),
            seq: 1,
            time_ms: 300,
        },
        &[
            0, 0, 0, 17, 0x01, 0x05, b'l', b'o', b'b', b'b', b'y', 0x03, b'a', b'n', b'n', 0x02,
            b'h', b'i', 0x01, 0xac, 0x02,
        ],
    );
    // The benchmark's message: 87 bytes, a realistic timestamp.
    let mut frame = vec![0, 0, 0, 87, 0x01, 0x05];
    frame.extend_from_slice(b"lobby");
    frame.push(0x05);
    frame.extend_from_slice(b"alice");
    frame.push(64);
    frame.extend_from_slice(&[b'x'; 64]);
    frame.extend_from_slice(&[0xc0, 0xc4, 0x07]); // 123456
    frame.extend_from_slice(&[0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31]); // 1_700_000_000_000
    golden(
        ServerMsg::Message {
            room: "lobby".into(),
            from: "alice".into(),
            text: "x".repeat(64),
            seq: 123_456,
            time_ms: 1_700_000_000_000,
        },
        &frame,
    );
}

#[test]
fn server_whispered() {
    golden(
        ServerMsg::Whispered {
            from: "ann".into(),
            to: "bob".into(),
            text: "yo".into(),
            time_ms: 128,
        },
        &[
            0, 0, 0, 14, 0x02, 0x03, b'a', b'n', b'n', 0x03, b'b', b'o', b'b', 0x02, b'y', b'o',
            0x80, 0x01,
        ],
    );
}

#[test]
fn server_joined_left_renamed() {
    golden(
        ServerMsg::Joined {
            room: "rust".into(),
            nick: "ann".into(),
        },
        &[
            0, 0, 0, 10, 0x03, 0x04, b'r', b'u', b's', b't', 0x03, b'a', b'n', b'n',
        ],
    );
    golden(
        ServerMsg::Left {
            room: "rust".into(),
            nick: "ann".into(),
        },
        &[
            0, 0, 0, 10, 0x04, 0x04, b'r', b'u', b's', b't', 0x03, b'a', b'n', b'n',
        ],
    );
    golden(
        ServerMsg::Renamed {
            old: "ann".into(),
            new: "Ann".into(),
        },
        &[
            0, 0, 0, 9, 0x05, 0x03, b'a', b'n', b'n', 0x03, b'A', b'n', b'n',
        ],
    );
}

#[test]
fn server_rooms() {
    golden(
        ServerMsg::Rooms { rooms: vec![] },
        &[0, 0, 0, 2, 0x06, 0x00],
    );
    golden(
        ServerMsg::Rooms {
            rooms: vec![
                RoomInfo {
                    name: "lobby".into(),
                    members: 2,
                },
                RoomInfo {
                    name: "rust".into(),
                    members: 300,
                },
            ],
        },
        &[
            0, 0, 0, 16, 0x06, 0x02, // variant, two entries
            0x05, b'l', b'o', b'b', b'b', b'y', 0x02, // lobby, 2
            0x04, b'r', b'u', b's', b't', 0xac, 0x02, // rust, 300
        ],
    );
}

#[test]
fn server_users() {
    golden(
        ServerMsg::Users {
            room: "rust".into(),
            nicks: vec!["ann".into(), "bob".into()],
        },
        &[
            0, 0, 0, 15, 0x07, 0x04, b'r', b'u', b's', b't', 0x02, 0x03, b'a', b'n', b'n', 0x03,
            b'b', b'o', b'b',
        ],
    );
}

#[test]
fn server_pong() {
    golden(ServerMsg::Pong { nonce: 0 }, &[0, 0, 0, 2, 0x08, 0x00]);
    golden(
        ServerMsg::Pong { nonce: 16384 },
        &[0, 0, 0, 4, 0x08, 0x80, 0x80, 0x01],
    );
}

#[test]
fn server_error_with_every_code() {
    golden(
        ServerMsg::Error {
            code: ErrorCode::BadNick,
            detail: String::new(),
        },
        &[0, 0, 0, 3, 0x09, 0x05, 0x00],
    );
    // Index of each code as written in the PROTOCOL.md table.
    let table: [(ErrorCode, u8); 17] = [
        (ErrorCode::Malformed, 0),
        (ErrorCode::FrameTooLarge, 1),
        (ErrorCode::Unexpected, 2),
        (ErrorCode::VersionUnsupported, 3),
        (ErrorCode::HelloTimeout, 4),
        (ErrorCode::BadNick, 5),
        (ErrorCode::NickTaken, 6),
        (ErrorCode::BadRoom, 7),
        (ErrorCode::AlreadyInRoom, 8),
        (ErrorCode::NotInRoom, 9),
        (ErrorCode::NoSuchRoom, 10),
        (ErrorCode::NoSuchUser, 11),
        (ErrorCode::BadText, 12),
        (ErrorCode::TooManyRooms, 13),
        (ErrorCode::SlowConsumer, 14),
        (ErrorCode::ServerFull, 15),
        (ErrorCode::ShuttingDown, 16),
    ];
    assert_eq!(table.map(|(c, _)| c), ErrorCode::ALL);
    for (code, index) in table {
        golden(
            ServerMsg::Error {
                code,
                detail: "x".into(),
            },
            &[0, 0, 0, 4, 0x09, index, 0x01, b'x'],
        );
        assert_eq!(binary::to_vec(&code).unwrap(), [index]);
        assert_eq!(binary::from_bytes::<ErrorCode>(&[index]).unwrap(), code);
    }
}

#[test]
fn every_variant_index_is_its_table_position() {
    // The first payload byte of each variant, in PROTOCOL.md order.
    let client = [
        ClientMsg::Hello {
            version: 1,
            nick: String::new(),
        },
        ClientMsg::Say {
            room: String::new(),
            text: String::new(),
        },
        ClientMsg::Join {
            room: String::new(),
        },
        ClientMsg::Leave {
            room: String::new(),
        },
        ClientMsg::Whisper {
            to: String::new(),
            text: String::new(),
        },
        ClientMsg::Nick {
            nick: String::new(),
        },
        ClientMsg::ListRooms,
        ClientMsg::ListUsers {
            room: String::new(),
        },
        ClientMsg::Ping { nonce: 0 },
        ClientMsg::Bye,
    ];
    for (i, msg) in client.iter().enumerate() {
        assert_eq!(binary::to_vec(msg).unwrap()[0], i as u8, "{msg:?}");
    }
    let s = String::new;
    let server = [
        ServerMsg::Welcome {
            version: 1,
            nick: s(),
            server: s(),
        },
        ServerMsg::Message {
            room: s(),
            from: s(),
            text: s(),
            seq: 0,
            time_ms: 0,
        },
        ServerMsg::Whispered {
            from: s(),
            to: s(),
            text: s(),
            time_ms: 0,
        },
        ServerMsg::Joined {
            room: s(),
            nick: s(),
        },
        ServerMsg::Left {
            room: s(),
            nick: s(),
        },
        ServerMsg::Renamed { old: s(), new: s() },
        ServerMsg::Rooms { rooms: vec![] },
        ServerMsg::Users {
            room: s(),
            nicks: vec![],
        },
        ServerMsg::Pong { nonce: 0 },
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            detail: s(),
        },
    ];
    for (i, msg) in server.iter().enumerate() {
        assert_eq!(binary::to_vec(msg).unwrap()[0], i as u8, "{msg:?}");
    }
}
