//! PROTOCOL.md section 2: frames, their lengths, and `--max-frame`.
//!
//! A bad length must be refused *before* the payload is read: these tests
//! send only the 4-byte header and then wait for the `Error`, so a server
//! that waits for the payload fails by read timeout.

use std::path::Path;

use chat::protocol::{ClientMsg, ErrorCode, ServerMsg, DEFAULT_MAX_FRAME};

use crate::util::{Bytes, Server};

/// A `Say` to `lobby` whose payload is exactly `len` bytes (`len >= 10`).
fn say_of_payload_len(len: usize) -> (Vec<u8>, String) {
    // 1 (variant) + 1 + 5 ("lobby") + varint(text len) + text.
    for text_len in (0..len).rev() {
        let text = "t".repeat(text_len);
        let payload = Bytes::new().var(1).str("lobby").str(&text).done();
        if payload.len() == len {
            return (payload, text);
        }
    }
    unreachable!("no Say payload of {len} bytes");
}

pub fn zero_length_is_malformed_before_hello(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.connect();
    c.send_raw(&[0, 0, 0, 0]);
    c.expect_fatal(ErrorCode::Malformed);
}

pub fn zero_length_is_malformed_after_welcome(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["watcher", "zero"]);
    conns[1].send_raw(&[0, 0, 0, 0]);
    conns[1].expect_fatal(ErrorCode::Malformed);
    conns[0].expect(ServerMsg::left("lobby", "zero"));
}

pub fn oversized_length_is_refused_without_its_payload(bin: &Path) {
    let server = Server::start(bin, &[]);
    // Before Hello: only the header of a frame one byte over the limit.
    let mut c = server.connect();
    c.send_raw(&(DEFAULT_MAX_FRAME + 1).to_be_bytes());
    c.expect_fatal(ErrorCode::FrameTooLarge);
    // After Welcome, with others watching.
    let mut conns = server.login_all(&["watcher", "big"]);
    conns[1].send_raw(&(DEFAULT_MAX_FRAME + 1).to_be_bytes());
    conns[1].expect_fatal(ErrorCode::FrameTooLarge);
    conns[0].expect(ServerMsg::left("lobby", "big"));
    conns[0].expect_quiet();
}

pub fn all_ones_length_is_refused(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.connect();
    c.send_raw(&[0xff; 4]);
    c.expect_fatal(ErrorCode::FrameTooLarge);
    let mut c = server.login("ones");
    c.send_raw(&[0xff; 4]);
    c.expect_fatal(ErrorCode::FrameTooLarge);
    let mut other = server.login("survivor");
    other.expect_quiet();
}

pub fn frame_of_exactly_max_frame_is_accepted(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.login("maxi");
    // A frame of exactly MAX_FRAME bytes is a frame: its text is too long
    // for a Say, which is a non-fatal BadText.
    let (payload, _) = say_of_payload_len(DEFAULT_MAX_FRAME as usize);
    c.send_payload(&payload);
    c.expect_error(ErrorCode::BadText);
    c.expect_quiet();
    // Header and payload in separate writes, split inside the header too.
    let framed = crate::util::frame(&payload);
    c.send_raw(&framed[..2]);
    c.send_raw(&framed[2..4]);
    c.send_raw(&framed[4..]);
    c.expect_error(ErrorCode::BadText);
    c.expect_quiet();
}

pub fn max_frame_flag_is_honoured(bin: &Path) {
    let server = Server::start(bin, &["--max-frame", "64"]);
    let mut c = server.login("small");
    let (payload, text) = say_of_payload_len(64);
    c.send_payload(&payload);
    match c.recv() {
        ServerMsg::Message {
            room,
            from,
            text: t,
            seq: 1,
            ..
        } => {
            assert_eq!((room.as_str(), from.as_str(), t), ("lobby", "small", text));
        }
        other => panic!("a 64-byte frame with --max-frame 64 must be accepted, got {other:?}"),
    }
    c.send_raw(&65u32.to_be_bytes());
    c.expect_fatal(ErrorCode::FrameTooLarge);
    // The default limit no longer applies: 65 bytes is too large before Hello too.
    let mut c = server.connect();
    c.send_raw(&65u32.to_be_bytes());
    c.expect_fatal(ErrorCode::FrameTooLarge);
}

pub fn server_frames_ignore_max_frame(bin: &Path) {
    // Server frames may be up to 1 MiB whatever --max-frame says: a Users
    // listing longer than 64 bytes still arrives.
    let server = Server::start(bin, &["--max-frame", "64"]);
    let nicks: Vec<String> = (0..6)
        .map(|i| format!("{}{i}", crate::util::long_name(30)))
        .collect();
    let refs: Vec<&str> = nicks.iter().map(String::as_str).collect();
    let mut conns = server.login_all(&refs);
    conns[0].send(&ClientMsg::ListUsers {
        room: "lobby".into(),
    });
    match conns[0].recv() {
        ServerMsg::Users { room, nicks: got } => {
            assert_eq!(room, "lobby");
            assert_eq!(got, nicks);
        }
        other => panic!("expected Users, got {other:?}"),
    }
}

pub fn several_frames_in_one_write(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.connect();
    c.send_all(&[
        ClientMsg::hello("batch"),
        ClientMsg::Join { room: "r".into() },
        ClientMsg::say("r", "one"),
        ClientMsg::Ping { nonce: 5 },
    ]);
    c.expect_welcome("batch");
    c.expect(ServerMsg::joined("lobby", "batch"));
    c.expect(ServerMsg::joined("r", "batch"));
    assert_eq!(
        crate::util::message_parts(&c.recv()),
        ("r", "batch", "one", 1)
    );
    c.expect(ServerMsg::Pong { nonce: 5 });
}
