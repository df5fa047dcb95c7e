//! PROTOCOL.md sections 3 and 4, byte for byte: server frames as received
//! from the socket, compared with bytes computed by hand from the tables
//! (variant index, varints, length-prefixed strings, fields in order).

use std::path::Path;

use chat::clock::unix_ms;
use chat::protocol::{ClientMsg, ServerMsg};

use crate::util::{decode, Bytes, Server};

/// `time_ms` must be the current UNIX time in milliseconds (within a
/// generous margin: this is a unit check, not a timing check).
fn assert_plausible_time(time_ms: u64) {
    let now = unix_ms();
    let margin = 10 * 60 * 1000;
    assert!(
        time_ms + margin > now && time_ms < now + margin,
        "time_ms {time_ms} is not the UNIX time in milliseconds (now {now})"
    );
}

pub fn server_frames_match_hand_computed_bytes(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.connect();
    c.send(&ClientMsg::hello("bob"));

    // Welcome: 0, version 1, nick, server (whatever it is, as a string).
    let welcome = c.recv_payload();
    let server_name = match decode(&welcome) {
        ServerMsg::Welcome { server, .. } => server,
        other => panic!("expected Welcome, got {other:?}"),
    };
    assert_eq!(
        welcome,
        Bytes::new()
            .var(0)
            .var(1)
            .str("bob")
            .str(&server_name)
            .done()
    );

    // Joined { lobby, bob }: 03 05 'lobby' 03 'bob'.
    assert_eq!(c.recv_payload(), b"\x03\x05lobby\x03bob");

    // Pong: 08 then the nonce as a varint.
    c.send(&ClientMsg::Ping { nonce: 300 });
    assert_eq!(c.recv_payload(), [0x08, 0xac, 0x02]);
    c.send(&ClientMsg::Ping { nonce: u64::MAX });
    let mut max = vec![0x08];
    max.extend_from_slice(&[0xff; 9]);
    max.push(0x01);
    assert_eq!(c.recv_payload(), max);

    // Rooms, sorted by name: 06, count, then { name, members } each.
    c.send(&ClientMsg::Join {
        room: "B-Room".into(),
    });
    assert_eq!(c.recv_payload(), b"\x03\x06b-room\x03bob");
    c.send(&ClientMsg::ListRooms);
    assert_eq!(c.recv_payload(), b"\x06\x02\x06b-room\x01\x05lobby\x01");

    // Users: 07, room, count, nicks.
    c.send(&ClientMsg::ListUsers {
        room: "LOBBY".into(),
    });
    assert_eq!(c.recv_payload(), b"\x07\x05lobby\x01\x03bob");

    // Error { NoSuchRoom }: 09, code 10, then the detail as a string.
    c.send(&ClientMsg::ListUsers {
        room: "nowhere".into(),
    });
    let error = c.recv_payload();
    assert_eq!(error[..2], [0x09, 10]);
    match decode(&error) {
        ServerMsg::Error { detail, .. } => {
            assert_eq!(error[2..], Bytes::new().str(&detail).done()[..])
        }
        other => panic!("expected Error, got {other:?}"),
    }

    // Renamed { bob, Bobby }: 05, old, new.
    c.send(&ClientMsg::Nick {
        nick: "Bobby".into(),
    });
    assert_eq!(c.recv_payload(), b"\x05\x03bob\x05Bobby");

    // Left { b-room, Bobby }: 04, room, nick.
    c.send(&ClientMsg::Leave {
        room: "b-room".into(),
    });
    assert_eq!(c.recv_payload(), b"\x04\x06b-room\x05Bobby");
}

pub fn message_and_whisper_bytes(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["ann", "Ben"]);

    // Message: 01, room, from, text, seq, time_ms.
    conns[0].send(&ClientMsg::say("lobby", "hi \u{e9}"));
    for c in conns.iter_mut() {
        let payload = c.recv_payload();
        let time_ms = match decode(&payload) {
            ServerMsg::Message { time_ms, .. } => time_ms,
            other => panic!("expected Message, got {other:?}"),
        };
        assert_plausible_time(time_ms);
        let want = Bytes::new()
            .var(1)
            .str("lobby")
            .str("ann")
            .str("hi \u{e9}")
            .var(1)
            .var(time_ms)
            .done();
        assert_eq!(payload, want);
    }

    // Whispered: 02, from, to (as stored), text, time_ms.
    conns[0].send(&ClientMsg::Whisper {
        to: "ben".into(),
        text: "psst".into(),
    });
    let mut seen = Vec::new();
    for c in conns.iter_mut() {
        let payload = c.recv_payload();
        let time_ms = match decode(&payload) {
            ServerMsg::Whispered { time_ms, .. } => time_ms,
            other => panic!("expected Whispered, got {other:?}"),
        };
        assert_plausible_time(time_ms);
        let want = Bytes::new()
            .var(2)
            .str("ann")
            .str("Ben")
            .str("psst")
            .var(time_ms)
            .done();
        assert_eq!(payload, want);
        seen.push(payload);
    }
    assert_eq!(seen[0], seen[1], "both ends get the same Whispered");
}
