//! PROTOCOL.md sections 3 and 4: a frame whose payload cannot be decoded is
//! `Malformed` and fatal, whatever the connection's state, also as the
//! first frame before `Hello`.
//!
//! `ClientMsg` has no `bool` or `Option` field, so out-of-range tags of those
//! types cannot reach a server; varints, strings, variant indexes and frame
//! boundaries can, and are covered here.

use std::path::Path;

use chat::protocol::{ErrorCode, ServerMsg};

use crate::util::{Bytes, Conn, Server};

/// Send `payload` as the first frame of a fresh connection, and as a frame
/// of a welcomed client watched by `watcher` (in `lobby`): both get
/// `Malformed` and EOF, and the watcher sees the welcomed one leave.
fn assert_malformed(server: &Server, watcher: &mut Conn, payload: &[u8], what: &str) {
    assert_malformed_first_frame(server, payload, what);
    let sender = format!("sender{}", crate::util::fresh_nonce());
    let mut c = server.login(&sender);
    watcher.expect(ServerMsg::joined("lobby", &sender));
    c.send_payload(payload);
    match c.recv() {
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        } => {}
        other => panic!("{what} after Welcome ({payload:02x?}): expected Malformed, got {other:?}"),
    }
    c.expect_eof();
    watcher.expect(ServerMsg::left("lobby", &sender));
}

/// Only the before-Hello half of [`assert_malformed`] (for payloads whose
/// meaning depends on the state, like a broken `Hello`).
fn assert_malformed_first_frame(server: &Server, payload: &[u8], what: &str) {
    let mut c = server.connect();
    c.send_payload(payload);
    match c.recv() {
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        } => {}
        other => panic!("{what} ({payload:02x?}): expected Malformed, got {other:?}"),
    }
    c.expect_eof();
}

pub fn truncated_payload_is_malformed(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    // A Hello whose nick is cut short inside the (complete) frame.
    let cut = Bytes::new().var(0).var(1).var(5).raw(b"bo").done();
    assert_malformed_first_frame(&server, &cut, "nick cut short");
    // A Hello without its nick, without its version.
    assert_malformed_first_frame(&server, &[0, 1], "Hello without nick");
    assert_malformed_first_frame(&server, &[0], "Hello without version");
    // A Say whose text length says 3 but holds 2 bytes.
    let cut = Bytes::new().var(1).str("lobby").var(3).raw(b"hi").done();
    assert_malformed(&server, &mut w, &cut, "Say text cut short");
    // A Say without its text; a Ping without its nonce; a varint cut inside.
    assert_malformed(
        &server,
        &mut w,
        &Bytes::new().var(1).str("lobby").done(),
        "Say without text",
    );
    assert_malformed(&server, &mut w, &[8], "Ping without nonce");
    assert_malformed(
        &server,
        &mut w,
        &[8, 0x80],
        "Ping nonce cut inside its varint",
    );
}

pub fn unknown_variant_is_malformed(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    for variant in [10u64, 11, 127, 128, 300, u32::MAX as u64] {
        let payload = Bytes::new().var(variant).done();
        assert_malformed(&server, &mut w, &payload, &format!("variant {variant}"));
    }
}

pub fn overlong_varint_is_malformed(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    // A u32 variant index takes at most 5 bytes; 6 is an error even if the value is 8 (Ping).
    let six = [0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01];
    assert_malformed(&server, &mut w, &six, "6-byte variant index");
    // A u64 nonce takes at most 10 bytes.
    let mut eleven = vec![8];
    eleven.extend_from_slice(&[0x80; 10]);
    eleven.push(0x00);
    assert_malformed(&server, &mut w, &eleven, "11-byte u64");
    // A u32 version of 6 bytes.
    let mut hello = vec![0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00];
    hello.extend_from_slice(&Bytes::new().str("bob").done());
    assert_malformed_first_frame(&server, &hello, "6-byte version");
    // A string length of 11 bytes.
    let mut join = vec![2];
    join.extend_from_slice(&[
        0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
    ]);
    join.push(b'r');
    assert_malformed(&server, &mut w, &join, "11-byte string length");
}

pub fn overflowing_varint_is_malformed(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    // u32::MAX + 1 .. in 5 bytes: the last byte may hold 4 bits only.
    let hello = Bytes::new()
        .var(0)
        .raw(&[0xff, 0xff, 0xff, 0xff, 0x1f])
        .str("bob")
        .done();
    assert_malformed_first_frame(&server, &hello, "version above u32::MAX");
    let variant = [0x88, 0x80, 0x80, 0x80, 0x10];
    assert_malformed(&server, &mut w, &variant, "variant index above u32::MAX");
    // u64: the tenth byte may hold 1 bit only.
    let mut ping = vec![8];
    ping.extend_from_slice(&[0xff; 9]);
    ping.push(0x02);
    assert_malformed(&server, &mut w, &ping, "nonce above u64::MAX");
}

pub fn long_varint_forms_within_the_limit_are_accepted(bin: &Path) {
    let server = Server::start(bin, &[]);
    // Version 1 written in 5 bytes, variant 0 in 2, nick length 3 in 3.
    let mut c = server.connect();
    let hello = Bytes::new()
        .raw(&[0x80, 0x00])
        .raw(&[0x81, 0x80, 0x80, 0x80, 0x00])
        .raw(&[0x83, 0x80, 0x00])
        .raw(b"bob")
        .done();
    c.send_payload(&hello);
    c.expect_welcome("bob");
    c.expect(ServerMsg::joined("lobby", "bob"));
    // u32::MAX fits a u32 (and is not version 1).
    let mut d = server.connect();
    d.send_payload(
        &Bytes::new()
            .var(0)
            .raw(&[0xff, 0xff, 0xff, 0xff, 0x0f])
            .str("eve")
            .done(),
    );
    d.expect_fatal(ErrorCode::VersionUnsupported);
    // u64::MAX in 10 bytes, and 7 in 10 bytes.
    let mut ping = vec![8];
    ping.extend_from_slice(&[0xff; 9]);
    ping.push(0x01);
    c.send_payload(&ping);
    c.expect(ServerMsg::Pong { nonce: u64::MAX });
    let mut ping = vec![8, 0x87];
    ping.extend_from_slice(&[0x80; 8]);
    ping.push(0x00);
    c.send_payload(&ping);
    c.expect(ServerMsg::Pong { nonce: 7 });
}

pub fn bad_utf8_is_malformed(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    let bad: [&[u8]; 5] = [
        b"\xff",
        b"bo\xc3",           // cut inside a 2-byte sequence
        b"\xc0\xaf",         // overlong '/'
        b"\xed\xa0\x80",     // a UTF-16 surrogate
        b"\xf4\x90\x80\x80", // above U+10FFFF
    ];
    for s in bad {
        // In a nick: Malformed, not BadNick (decoding comes first).
        let hello = Bytes::new().var(0).var(1).str_bytes(s).done();
        assert_malformed_first_frame(&server, &hello, "nick with bad UTF-8");
        // In a text and in a room name.
        let text = Bytes::new().var(1).str("lobby").str_bytes(s).done();
        assert_malformed(&server, &mut w, &text, "Say text with bad UTF-8");
        let room = Bytes::new().var(2).str_bytes(s).done();
        assert_malformed(&server, &mut w, &room, "Join room with bad UTF-8");
    }
    // Valid multi-byte UTF-8 is fine in a text.
    let mut c = server.login("utf");
    let m = c.say("lobby", "h\u{e9}llo \u{1f600} \u{10ffff}");
    assert_eq!(
        crate::util::message_parts(&m).2,
        "h\u{e9}llo \u{1f600} \u{10ffff}"
    );
}

pub fn trailing_bytes_are_malformed(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    let mut hello = Bytes::new().var(0).var(1).str("bob").done();
    hello.push(0);
    assert_malformed_first_frame(&server, &hello, "Hello + 1 byte");
    assert_malformed(&server, &mut w, &[8, 1, 0], "Ping + 1 byte");
    assert_malformed(&server, &mut w, &[6, 6], "ListRooms + 1 byte");
    // A Bye with a byte after it is not a Bye.
    assert_malformed(&server, &mut w, &[9, 0], "Bye + 1 byte");
    // Two whole messages in one frame.
    assert_malformed(&server, &mut w, &[8, 1, 8, 2], "two Pings in one frame");
}

pub fn length_prefix_beyond_the_frame_is_malformed(bin: &Path) {
    // A string length far larger than the frame must not be an allocation.
    let server = Server::start(bin, &[]);
    let mut w = server.login("watcher");
    let hello = Bytes::new().var(0).var(1).var(1 << 40).raw(b"bob").done();
    assert_malformed_first_frame(&server, &hello, "nick length 2^40");
    let say = Bytes::new()
        .var(1)
        .str("lobby")
        .var(u64::MAX)
        .raw(b"x")
        .done();
    assert_malformed(&server, &mut w, &say, "text length u64::MAX");
    let join = Bytes::new().var(2).var(1_000_000).raw(b"r").done();
    assert_malformed(&server, &mut w, &join, "room length 10^6");
}

pub fn malformed_frame_of_a_member_makes_it_leave(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["stay", "go"]);
    crate::util::join_all(&mut conns, &["stay", "go"], "shared");
    conns[1].send_payload(&[0x7f]);
    conns[1].expect_fatal(ErrorCode::Malformed);
    // Left from both rooms, in either order (they are different rooms).
    let mut got = vec![conns[0].recv(), conns[0].recv()];
    got.sort_by_key(|m| format!("{m:?}"));
    assert_eq!(
        got,
        vec![
            ServerMsg::left("lobby", "go"),
            ServerMsg::left("shared", "go")
        ]
    );
    conns[0].expect_quiet();
    // The nick is free again.
    let mut again = server.login("go");
    again.expect_quiet();
}
