//! PROTOCOL.md section 5.1: the naming rule, case-insensitive uniqueness of
//! nicks (stored as given), and lowercase room names.

use std::path::Path;

use chat::protocol::{ClientMsg, ErrorCode, RoomInfo, ServerMsg};

use crate::util::{long_name, message_parts, Server};

/// Names that break the rule: empty, too long, or outside `[A-Za-z0-9_-]`.
fn invalid_names() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "a b",
        "a.b",
        "a@b",
        "caf\u{e9}",
        "tab\t",
        "nul\0",
        "slash/",
        "+plus",
        "x:y",
        "\u{1f600}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(long_name(33));
    v.push("a".repeat(100));
    v
}

pub fn nick_length_and_alphabet(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.connect();
    // Every invalid nick is refused (non-fatal) on the same connection...
    for bad in invalid_names() {
        c.send(&ClientMsg::hello(&bad));
        let detail = c.expect_error(ErrorCode::BadNick);
        let _ = detail;
    }
    // ...which may then say a valid Hello: 32 bytes of every class.
    let nick32 = long_name(32);
    c.login(&nick32);
    // Single characters of each class are fine too.
    let mut others = Vec::new();
    for nick in ["a", "Z", "7", "-", "_"] {
        others.push(server.login(nick));
        c.expect(ServerMsg::joined("lobby", nick));
    }
    // Nick changes follow the same rule.
    for bad in invalid_names() {
        c.send(&ClientMsg::Nick { nick: bad });
        c.expect_error(ErrorCode::BadNick);
    }
    c.expect_quiet();
}

pub fn nicks_are_unique_ignoring_case(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut alice = server.login("Alice");
    let mut c = server.connect();
    for taken in ["Alice", "alice", "ALICE", "aLiCe"] {
        c.send(&ClientMsg::hello(taken));
        c.expect_error(ErrorCode::NickTaken);
    }
    c.login("bob");
    alice.expect(ServerMsg::joined("lobby", "bob"));
    // A rename onto a taken nick, in any case, is refused.
    c.send(&ClientMsg::Nick {
        nick: "ALICE".into(),
    });
    c.expect_error(ErrorCode::NickTaken);
    // Whisper.to is matched ignoring case too.
    c.send(&ClientMsg::Whisper {
        to: "aLICE".into(),
        text: "hey".into(),
    });
    for conn in [&mut alice, &mut c] {
        match conn.recv() {
            ServerMsg::Whispered { from, to, text, .. } => {
                assert_eq!(
                    (from.as_str(), to.as_str(), text.as_str()),
                    ("bob", "Alice", "hey")
                );
            }
            other => panic!("expected Whispered, got {other:?}"),
        }
    }
    // Once Alice is gone, the nick is free in any case.
    alice.send(&ClientMsg::Bye);
    alice.expect_eof();
    c.expect(ServerMsg::left("lobby", "Alice"));
    let mut again = server.connect();
    again.login("aLICE");
    c.expect(ServerMsg::joined("lobby", "aLICE"));
    // And a rename frees the old nick.
    c.send(&ClientMsg::Nick {
        nick: "robert".into(),
    });
    c.expect(ServerMsg::renamed("bob", "robert"));
    again.expect(ServerMsg::renamed("bob", "robert"));
    let mut third = server.connect();
    third.login("BOB");
}

pub fn nicks_keep_their_case(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut mixed = server.login("MiXeD_Case");
    let mut other = server.login("other");
    mixed.expect(ServerMsg::joined("lobby", "other"));
    // Every frame carries the nick as stored.
    mixed.send(&ClientMsg::say("lobby", "hello"));
    for c in [&mut mixed, &mut other] {
        assert_eq!(
            message_parts(&c.recv()),
            ("lobby", "MiXeD_Case", "hello", 1)
        );
    }
    other.send(&ClientMsg::ListUsers {
        room: "lobby".into(),
    });
    other.expect(ServerMsg::Users {
        room: "lobby".into(),
        nicks: vec!["MiXeD_Case".into(), "other".into()],
    });
    mixed.send(&ClientMsg::Join { room: "r".into() });
    mixed.expect(ServerMsg::joined("r", "MiXeD_Case"));
    mixed.send(&ClientMsg::Leave { room: "r".into() });
    mixed.expect(ServerMsg::left("r", "MiXeD_Case"));
    mixed.send(&ClientMsg::Bye);
    mixed.expect_eof();
    other.expect(ServerMsg::left("lobby", "MiXeD_Case"));
}

pub fn room_names_are_stored_lowercase(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut a = server.login("a");
    let mut b = server.login("b");
    a.expect(ServerMsg::joined("lobby", "b"));
    a.send(&ClientMsg::Join {
        room: "Rust_Dev-1".into(),
    });
    a.expect(ServerMsg::joined("rust_dev-1", "a"));
    // Another case of the same name is the same room.
    b.send(&ClientMsg::Join {
        room: "RUST_DEV-1".into(),
    });
    b.expect(ServerMsg::joined("rust_dev-1", "b"));
    a.expect(ServerMsg::joined("rust_dev-1", "b"));
    b.send(&ClientMsg::Join {
        room: "rust_dev-1".into(),
    });
    b.expect_error(ErrorCode::AlreadyInRoom);
    // Say, ListUsers and Leave take any case; replies carry lowercase.
    a.send(&ClientMsg::say("rUsT_dEv-1", "hi"));
    for c in [&mut a, &mut b] {
        assert_eq!(message_parts(&c.recv()), ("rust_dev-1", "a", "hi", 1));
    }
    b.send(&ClientMsg::ListUsers {
        room: "Rust_Dev-1".into(),
    });
    b.expect(ServerMsg::Users {
        room: "rust_dev-1".into(),
        nicks: vec!["a".into(), "b".into()],
    });
    b.send(&ClientMsg::ListRooms);
    b.expect(ServerMsg::Rooms {
        rooms: vec![
            RoomInfo {
                name: "lobby".into(),
                members: 2,
            },
            RoomInfo {
                name: "rust_dev-1".into(),
                members: 2,
            },
        ],
    });
    b.send(&ClientMsg::Leave {
        room: "RUST_dev-1".into(),
    });
    b.expect(ServerMsg::left("rust_dev-1", "b"));
    a.expect(ServerMsg::left("rust_dev-1", "b"));
    // The lobby too.
    a.send(&ClientMsg::Join {
        room: "LOBBY".into(),
    });
    a.expect_error(ErrorCode::AlreadyInRoom);
}

pub fn room_name_length_and_alphabet(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.login("roomy");
    for bad in invalid_names() {
        for msg in [
            ClientMsg::Join { room: bad.clone() },
            ClientMsg::Leave { room: bad.clone() },
            ClientMsg::ListUsers { room: bad.clone() },
            ClientMsg::say(&bad, "text"),
        ] {
            c.send(&msg);
            c.expect_error(ErrorCode::BadRoom);
        }
    }
    let room32 = long_name(32);
    c.send(&ClientMsg::Join {
        room: room32.clone(),
    });
    c.expect(ServerMsg::joined(&room32.to_ascii_lowercase(), "roomy"));
    for room in ["x", "0", "-", "_"] {
        c.join(room, "roomy");
    }
    c.expect_quiet();
}
