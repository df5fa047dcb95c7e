//! PROTOCOL.md section 7 (no input may crash the server or disturb other
//! clients) and the framing of section 2 under unusual segmentation:
//! seeded random garbage, byte-at-a-time dribbling, deep pipelining.

use std::path::Path;
use std::time::Duration;

use chat::protocol::{ClientMsg, ErrorCode, ServerMsg};
use testkit::Rng;

use crate::util::{encode_framed, message_parts, Closed, Conn, Server};

/// Read everything the server sends `c` until it closes: every frame must be
/// well formed, and a fatal `Error`, if any, must be the last one.
fn drain_checked(c: &mut Conn, context: &str) {
    let mut fatal: Option<ServerMsg> = None;
    loop {
        match c.try_recv_payload() {
            Ok(p) => {
                let m = crate::util::try_decode(&p).unwrap_or_else(|e| {
                    panic!("{context}: undecodable server frame {p:02x?}: {e}")
                });
                assert!(
                    fatal.is_none(),
                    "{context}: {m:?} after the fatal {fatal:?}"
                );
                if let ServerMsg::Error { code, .. } = &m {
                    if code.is_fatal() {
                        fatal = Some(m);
                    }
                }
            }
            Err(Closed::Eof) => return,
            Err(why) => panic!("{context}: {why:?} (the server must answer or close)"),
        }
    }
}

/// Two welcomed clients in a room of their own, to show that others are
/// unaffected: each says something and both must see exactly that.
fn bystanders(server: &Server) -> (Conn, Conn) {
    let mut a = server.login("calm-a");
    let mut b = server.login("calm-b");
    a.expect(ServerMsg::joined("lobby", "calm-b"));
    a.join("calm", "calm-a");
    b.join("calm", "calm-b");
    a.expect(ServerMsg::joined("calm", "calm-b"));
    (a, b)
}

/// The bystanders still talk; lobby noise from the garbage (a random frame
/// can be a valid Hello) is skipped, anything in room `calm` must be theirs.
fn bystanders_still_talk(a: &mut Conn, b: &mut Conn, round: u64) {
    let text = format!("still here {round}");
    a.send(&ClientMsg::say("calm", &text));
    for c in [a, b] {
        loop {
            match c.recv() {
                ServerMsg::Message {
                    room,
                    from,
                    text: t,
                    ..
                } if room == "calm" => {
                    assert_eq!((from.as_str(), t.as_str()), ("calm-a", text.as_str()));
                    break;
                }
                ServerMsg::Joined { room, .. } | ServerMsg::Left { room, .. }
                    if room == "lobby" => {}
                ServerMsg::Message { room, .. } if room == "lobby" => {}
                ServerMsg::Renamed { .. } => {}
                other => panic!("a bystander got {other:?}"),
            }
        }
    }
}

pub fn random_garbage_frames_do_not_disturb_others(bin: &Path) {
    let mut server = Server::start(bin, &["--max-frame", "256"]);
    let (mut a, mut b) = bystanders(&server);
    let mut rng = Rng::new(0xC0FF_EE00_1234_5678);
    for round in 0..120u64 {
        let mut c = server.connect();
        let welcomed = round % 2 == 1;
        let mut out = Vec::new();
        if welcomed {
            out.extend_from_slice(&encode_framed(&ClientMsg::hello(&format!("junk{round}"))));
        }
        for _ in 0..1 + rng.below(3) {
            let len = 1 + rng.below(40) as usize;
            let mut payload = rng.bytes(len);
            // Bias towards real variant indexes so that decoding goes deep.
            if rng.below(2) == 0 {
                payload[0] = rng.below(10) as u8;
            }
            out.extend_from_slice(&crate::util::frame(&payload));
        }
        c.send_raw_lossy(&out);
        c.shutdown_write();
        drain_checked(&mut c, &format!("garbage round {round}"));
        if round % 20 == 19 {
            bystanders_still_talk(&mut a, &mut b, round);
        }
    }
    bystanders_still_talk(&mut a, &mut b, 1000);
    server.assert_alive();
}

pub fn random_garbage_streams_do_not_disturb_others(bin: &Path) {
    let mut server = Server::start(bin, &[]);
    let (mut a, mut b) = bystanders(&server);
    let mut rng = Rng::new(0x5EED_0000_0000_0007);
    for round in 0..60u64 {
        let mut c = server.connect();
        // Unframed random bytes: random headers, mostly too large.
        let len = 1 + rng.below(300) as usize;
        c.send_raw_lossy(&rng.bytes(len));
        c.shutdown_write();
        drain_checked(&mut c, &format!("stream round {round}"));
        if round % 20 == 19 {
            bystanders_still_talk(&mut a, &mut b, round);
        }
    }
    bystanders_still_talk(&mut a, &mut b, 1000);
    server.assert_alive();
}

pub fn byte_at_a_time_hello_and_say(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut watcher = server.login("watcher");
    let mut c = server.connect();
    let mut bytes = encode_framed(&ClientMsg::hello("dribble"));
    bytes.extend_from_slice(&encode_framed(&ClientMsg::say(
        "lobby",
        "one byte at a time \u{e9}",
    )));
    bytes.extend_from_slice(&encode_framed(&ClientMsg::Ping { nonce: 77 }));
    for b in &bytes {
        c.send_raw(&[*b]);
        // Give the server a chance to read each byte on its own.
        std::thread::sleep(Duration::from_millis(1));
    }
    c.expect_welcome("dribble");
    c.expect(ServerMsg::joined("lobby", "dribble"));
    assert_eq!(
        message_parts(&c.recv()),
        ("lobby", "dribble", "one byte at a time \u{e9}", 1)
    );
    c.expect(ServerMsg::Pong { nonce: 77 });
    watcher.expect(ServerMsg::joined("lobby", "dribble"));
    assert_eq!(
        message_parts(&watcher.recv()),
        ("lobby", "dribble", "one byte at a time \u{e9}", 1)
    );
    watcher.expect_quiet();
}

pub fn thousand_pipelined_pings_in_order(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.login("pinger");
    let pings: Vec<ClientMsg> = (0..1000u64)
        .map(|i| ClientMsg::Ping { nonce: i * 7919 })
        .collect();
    c.send_all(&pings);
    for i in 0..1000u64 {
        c.expect(ServerMsg::Pong { nonce: i * 7919 });
    }
    c.expect_quiet();
}

pub fn pongs_keep_order_with_other_replies(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.login("mixer");
    c.send_all(&[
        ClientMsg::Ping { nonce: 1 },
        ClientMsg::Join {
            room: "bad room".into(),
        },
        ClientMsg::Ping { nonce: 2 },
        ClientMsg::ListRooms,
        ClientMsg::Ping { nonce: 3 },
        ClientMsg::say("lobby", "x"),
        ClientMsg::Ping { nonce: 4 },
        ClientMsg::ListUsers {
            room: "nowhere".into(),
        },
        ClientMsg::Ping { nonce: 5 },
    ]);
    c.expect(ServerMsg::Pong { nonce: 1 });
    c.expect_error(ErrorCode::BadRoom);
    c.expect(ServerMsg::Pong { nonce: 2 });
    c.expect(ServerMsg::Rooms {
        rooms: vec![chat::protocol::RoomInfo {
            name: "lobby".into(),
            members: 1,
        }],
    });
    c.expect(ServerMsg::Pong { nonce: 3 });
    assert_eq!(message_parts(&c.recv()), ("lobby", "mixer", "x", 1));
    c.expect(ServerMsg::Pong { nonce: 4 });
    c.expect_error(ErrorCode::NoSuchRoom);
    c.expect(ServerMsg::Pong { nonce: 5 });
}
