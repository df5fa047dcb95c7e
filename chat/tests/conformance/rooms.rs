//! PROTOCOL.md section 5.3 (rooms, messages, whispers, renames, listings)
//! and the error precedence of section 4.

use std::path::Path;

use chat::protocol::{ClientMsg, ErrorCode, RoomInfo, ServerMsg, MAX_TEXT};

use crate::util::{join_all, leave_skipping, message_parts, Conn, Server};

pub fn join_sends_history_then_joined_to_everyone(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["a", "b", "c"]);
    conns[0].join("r", "a");
    let sent: Vec<Vec<u8>> = (1..=3)
        .map(|i| {
            conns[0].send(&ClientMsg::say("r", &format!("m{i}")));
            conns[0].recv_payload()
        })
        .collect();
    conns[1].join("r2", "b");
    // b joins: the three Messages byte for byte, then Joined; a sees Joined.
    conns[1].send(&ClientMsg::Join { room: "r".into() });
    for payload in &sent {
        assert_eq!(
            &conns[1].recv_payload(),
            payload,
            "history is sent byte for byte"
        );
    }
    conns[1].expect(ServerMsg::joined("r", "b"));
    conns[0].expect(ServerMsg::joined("r", "b"));
    // c too; a and b both see it.
    conns[2].send(&ClientMsg::Join { room: "r".into() });
    for payload in &sent {
        assert_eq!(&conns[2].recv_payload(), payload);
    }
    conns[2].expect(ServerMsg::joined("r", "c"));
    conns[0].expect(ServerMsg::joined("r", "c"));
    conns[1].expect(ServerMsg::joined("r", "c"));
    for c in &mut conns {
        c.expect_quiet();
    }
    // Joining again is refused.
    conns[2].send(&ClientMsg::Join { room: "R".into() });
    conns[2].expect_error(ErrorCode::AlreadyInRoom);
}

pub fn history_is_the_last_32_messages_byte_for_byte(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["talker", "late"]);
    conns[0].join("hist", "talker");
    let mut sent = Vec::new();
    for i in 1..=40u64 {
        conns[0].send(&ClientMsg::say("hist", &format!("message {i}")));
        let payload = conns[0].recv_payload();
        assert_eq!(
            message_parts(&crate::util::decode(&payload)).3,
            i,
            "seq of message {i}"
        );
        sent.push(payload);
        // A rename midway: history keeps the original `from`.
        if i == 20 {
            conns[0].send(&ClientMsg::Nick {
                nick: "renamed".into(),
            });
            conns[0].expect(ServerMsg::renamed("talker", "renamed"));
            conns[1].expect(ServerMsg::renamed("talker", "renamed"));
        }
    }
    conns[1].send(&ClientMsg::Join {
        room: "hist".into(),
    });
    for (i, payload) in sent[8..].iter().enumerate() {
        let got = conns[1].recv_payload();
        assert_eq!(
            &got,
            payload,
            "history entry {i}: the original frame of seq {}",
            i + 9
        );
    }
    let got = conns[1].recv();
    assert_eq!(
        got,
        ServerMsg::joined("hist", "late"),
        "history holds exactly the last 32 messages"
    );
    conns[0].expect(ServerMsg::joined("hist", "late"));
    // The lobby history works the same way: a newcomer gets it on Hello.
    let m = conns[0].say("lobby", "for newcomers");
    conns[1].expect(m.clone());
    let mut newcomer = server.connect();
    newcomer.send(&ClientMsg::hello("newcomer"));
    newcomer.expect_welcome("newcomer");
    assert_eq!(newcomer.recv(), m);
    newcomer.expect(ServerMsg::joined("lobby", "newcomer"));
}

pub fn empty_room_is_deleted_with_its_history(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["owner", "asker"]);
    let c = &mut conns[0];
    c.join("tmp", "owner");
    c.say("tmp", "one");
    c.say("tmp", "two");
    c.send(&ClientMsg::Leave { room: "tmp".into() });
    c.expect(ServerMsg::left("tmp", "owner"));
    // Gone from the listings.
    let asker = &mut conns[1];
    asker.send(&ClientMsg::ListRooms);
    asker.expect(ServerMsg::Rooms {
        rooms: vec![RoomInfo {
            name: "lobby".into(),
            members: 2,
        }],
    });
    asker.send(&ClientMsg::ListUsers { room: "tmp".into() });
    asker.expect_error(ErrorCode::NoSuchRoom);
    // Re-created empty: no history, seq starts at 1 again.
    let c = &mut conns[0];
    c.join("tmp", "owner");
    assert_eq!(message_parts(&c.say("tmp", "fresh")).3, 1);
    // Deletion by disconnect too.
    let mut d = server.login("dropper");
    for c in &mut conns {
        c.expect(ServerMsg::joined("lobby", "dropper"));
    }
    d.join("gone", "dropper");
    d.say("gone", "x");
    drop(d);
    for c in &mut conns {
        c.expect(ServerMsg::left("lobby", "dropper"));
    }
    let asker = &mut conns[1];
    asker.send(&ClientMsg::ListUsers {
        room: "gone".into(),
    });
    asker.expect_error(ErrorCode::NoSuchRoom);
    asker.join("gone", "asker");
    assert_eq!(message_parts(&asker.say("gone", "new")).3, 1);
}

pub fn leave_tells_everyone_including_the_leaver(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["a", "b"]);
    join_all(&mut conns, &["a", "b"], "r");
    conns[1].send(&ClientMsg::Leave { room: "r".into() });
    conns[1].expect(ServerMsg::left("r", "b"));
    conns[0].expect(ServerMsg::left("r", "b"));
    // The leaver no longer receives the room, and may not post to it.
    conns[0].say("r", "after");
    conns[1].expect_quiet();
    conns[1].send(&ClientMsg::say("r", "let me in"));
    conns[1].expect_error(ErrorCode::NotInRoom);
    conns[1].send(&ClientMsg::Leave { room: "r".into() });
    conns[1].expect_error(ErrorCode::NotInRoom);
    // A room that does not exist at all: NotInRoom too.
    conns[1].send(&ClientMsg::Leave {
        room: "never".into(),
    });
    conns[1].expect_error(ErrorCode::NotInRoom);
    // The lobby may be left like any room (and joined again).
    conns[1].send(&ClientMsg::Leave {
        room: "lobby".into(),
    });
    conns[1].expect(ServerMsg::left("lobby", "b"));
    conns[0].expect(ServerMsg::left("lobby", "b"));
    conns[0].say("lobby", "b is gone");
    conns[1].expect_quiet();
    conns[1].send(&ClientMsg::Join {
        room: "lobby".into(),
    });
    conns[1].expect_history_then_joined("lobby", "b");
    conns[0].expect(ServerMsg::joined("lobby", "b"));
    // A listing is answered to non-members.
    conns[1].send(&ClientMsg::ListUsers { room: "r".into() });
    conns[1].expect(ServerMsg::Users {
        room: "r".into(),
        nicks: vec!["a".into()],
    });
}

pub fn say_reaches_every_member_including_the_sender(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["a", "b", "outsider"]);
    join_all(&mut conns, &["a", "b"], "r");
    for i in 1..=5u64 {
        let sender = (i % 2) as usize;
        let from = ["a", "b"][sender];
        conns[sender].send(&ClientMsg::say("r", &format!("n{i}")));
        let mut payloads = Vec::new();
        for c in conns.iter_mut().take(2) {
            let payload = c.recv_payload();
            assert_eq!(
                message_parts(&crate::util::decode(&payload)),
                ("r", from, format!("n{i}").as_str(), i)
            );
            payloads.push(payload);
        }
        assert_eq!(payloads[0], payloads[1], "every member gets the same frame");
    }
    conns[2].expect_quiet();
    conns[2].send(&ClientMsg::say("r", "not a member"));
    conns[2].expect_error(ErrorCode::NotInRoom);
    // Each room has its own seq.
    assert_eq!(message_parts(&conns[0].say("lobby", "lobby seq")).3, 1);
}

pub fn text_length_limits(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["a", "b"]);
    let max = "x".repeat(MAX_TEXT);
    conns[0].say("lobby", &max);
    assert_eq!(message_parts(&conns[1].recv()).2, max);
    // 4 096 bytes of multi-byte characters (1 365 x 3 bytes + 1).
    let wide = format!("{}x", "\u{20ac}".repeat(1365));
    assert_eq!(wide.len(), MAX_TEXT);
    conns[0].say("lobby", &wide);
    assert_eq!(message_parts(&conns[1].recv()).2, wide);
    for bad in [
        String::new(),
        "x".repeat(MAX_TEXT + 1),
        format!("{}xx", "\u{20ac}".repeat(1365)),
    ] {
        conns[0].send(&ClientMsg::say("lobby", &bad));
        conns[0].expect_error(ErrorCode::BadText);
        conns[0].send(&ClientMsg::Whisper {
            to: "b".into(),
            text: bad,
        });
        conns[0].expect_error(ErrorCode::BadText);
    }
    conns[0].expect_quiet();
    conns[1].expect_quiet();
}

pub fn whisper_reaches_both_ends_once(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["Sender", "Target", "third"]);
    // Whispers need no shared room.
    conns[1].send(&ClientMsg::Leave {
        room: "lobby".into(),
    });
    conns[1].expect(ServerMsg::left("lobby", "Target"));
    conns[0].expect(ServerMsg::left("lobby", "Target"));
    conns[2].expect(ServerMsg::left("lobby", "Target"));
    conns[0].send(&ClientMsg::Whisper {
        to: "TARGET".into(),
        text: "secret".into(),
    });
    let mut payloads = Vec::new();
    for c in conns.iter_mut().take(2) {
        let payload = c.recv_payload();
        match crate::util::decode(&payload) {
            ServerMsg::Whispered { from, to, text, .. } => {
                assert_eq!(
                    (from.as_str(), to.as_str(), text.as_str()),
                    ("Sender", "Target", "secret")
                );
            }
            other => panic!("expected Whispered, got {other:?}"),
        }
        payloads.push(payload);
    }
    for c in &mut conns {
        c.expect_quiet();
    }
    // To oneself: once.
    conns[2].send(&ClientMsg::Whisper {
        to: "Third".into(),
        text: "note to self".into(),
    });
    match conns[2].recv() {
        ServerMsg::Whispered { from, to, text, .. } => {
            assert_eq!(
                (from.as_str(), to.as_str(), text.as_str()),
                ("third", "third", "note to self")
            );
        }
        other => panic!("expected Whispered, got {other:?}"),
    }
    conns[2].expect_quiet();
    // Nobody by that name; an invalid nick is never connected.
    for to in ["nobody", "bad nick", "", &crate::util::long_name(33)] {
        conns[0].send(&ClientMsg::Whisper {
            to: to.into(),
            text: "hello?".into(),
        });
        conns[0].expect_error(ErrorCode::NoSuchUser);
    }
    // A nick that left is no longer there.
    let mut gone = conns.remove(2);
    gone.send(&ClientMsg::Bye);
    gone.expect_eof();
    conns[0].expect(ServerMsg::left("lobby", "third"));
    conns[0].send(&ClientMsg::Whisper {
        to: "third".into(),
        text: "hello?".into(),
    });
    conns[0].expect_error(ErrorCode::NoSuchUser);
}

/// Every message before the `Pong` of a [`Conn::sync`], counted by kind.
fn count(msgs: &[ServerMsg], want: &ServerMsg) -> usize {
    msgs.iter().filter(|m| *m == want).count()
}

pub fn rename_is_announced_once_to_each_sharer(bin: &Path) {
    let server = Server::start(bin, &[]);
    // renamer shares lobby and two rooms with `both`, lobby only with
    // `lobby-only`, room r1 only with `r1-only` (who left the lobby), and
    // nothing with `stranger` (who left the lobby too).
    let mut conns = server.login_all(&["renamer", "both", "lobby-only", "r1-only", "stranger"]);
    for (i, nick) in [(3, "r1-only"), (4, "stranger")] {
        leave_skipping(&mut conns[i], "lobby", nick);
    }
    for c in conns.iter_mut() {
        c.sync();
    }
    for room in ["r1", "r2"] {
        join_all(&mut conns, &["renamer", "both"], room);
    }
    conns[3].join("r1", "r1-only");
    conns[0].expect(ServerMsg::joined("r1", "r1-only"));
    conns[1].expect(ServerMsg::joined("r1", "r1-only"));
    for c in conns.iter_mut() {
        c.sync();
    }

    conns[0].send(&ClientMsg::Nick {
        nick: "NewName".into(),
    });
    conns[0].expect(ServerMsg::renamed("renamer", "NewName"));
    // Once the renamer's Pong is back, the rename has been sent to everyone.
    conns[0].expect_quiet();
    let want = ServerMsg::renamed("renamer", "NewName");
    for (i, expected) in [(1, 1), (2, 1), (3, 1), (4, 0)] {
        let got = conns[i].sync();
        assert_eq!(count(&got, &want), expected, "client {i} got {got:?}");
        assert_eq!(got.len(), expected, "client {i} got {got:?}");
    }
    // The new nick is used from now on, in listings and messages.
    conns[1].send(&ClientMsg::ListUsers { room: "r2".into() });
    conns[1].expect(ServerMsg::Users {
        room: "r2".into(),
        nicks: vec!["both".into(), "NewName".into()],
    });
    let m = conns[0].say("r2", "as new");
    assert_eq!(message_parts(&m).1, "NewName");
    conns[1].expect(m);
    conns[0].send(&ClientMsg::Leave { room: "r2".into() });
    conns[0].expect(ServerMsg::left("r2", "NewName"));
    conns[1].expect(ServerMsg::left("r2", "NewName"));
    // The old nick is free.
    let _reuse = server.login("renamer");
}

pub fn rename_to_own_nick_or_case_is_accepted(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["same", "peer"]);
    conns[0].send(&ClientMsg::Nick {
        nick: "same".into(),
    });
    conns[0].expect(ServerMsg::renamed("same", "same"));
    conns[1].expect(ServerMsg::renamed("same", "same"));
    conns[0].send(&ClientMsg::Nick {
        nick: "SAME".into(),
    });
    conns[0].expect(ServerMsg::renamed("same", "SAME"));
    conns[1].expect(ServerMsg::renamed("same", "SAME"));
    conns[1].send(&ClientMsg::ListUsers {
        room: "lobby".into(),
    });
    conns[1].expect(ServerMsg::Users {
        room: "lobby".into(),
        nicks: vec!["peer".into(), "SAME".into()],
    });
    // Not onto someone else's nick, in any case.
    conns[0].send(&ClientMsg::Nick {
        nick: "Peer".into(),
    });
    conns[0].expect_error(ErrorCode::NickTaken);
    conns[1].expect_quiet();
}

pub fn list_rooms_sorted_with_member_counts(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["a", "b", "c"]);
    for room in ["zeta", "alpha", "_under", "mid-1", "mid_2", "9nine"] {
        conns[0].join(room, "a");
    }
    conns[1].join("alpha", "b");
    conns[0].expect(ServerMsg::joined("alpha", "b"));
    conns[2].join("zeta", "c");
    conns[0].expect(ServerMsg::joined("zeta", "c"));
    // c leaves the lobby and asks anyway: the asker need not be a member.
    conns[2].send(&ClientMsg::Leave {
        room: "lobby".into(),
    });
    conns[2].expect(ServerMsg::left("lobby", "c"));
    conns[2].send(&ClientMsg::ListRooms);
    let rooms = |list: &[(&str, u32)]| ServerMsg::Rooms {
        rooms: list
            .iter()
            .map(|(n, m)| RoomInfo {
                name: n.to_string(),
                members: *m,
            })
            .collect(),
    };
    conns[2].expect(rooms(&[
        ("9nine", 1),
        ("_under", 1),
        ("alpha", 2),
        ("lobby", 2),
        ("mid-1", 1),
        ("mid_2", 1),
        ("zeta", 2),
    ]));
    // Only the asker gets it.
    conns[0].expect(ServerMsg::left("lobby", "c"));
    conns[0].expect_quiet();
    conns[1].expect(ServerMsg::left("lobby", "c"));
    conns[1].expect_quiet();
}

pub fn list_users_sorted_ignoring_case(bin: &Path) {
    let server = Server::start(bin, &[]);
    let nicks = ["bob", "_z", "Alice", "carol", "Zed", "a-b", "A9", "__"];
    let mut conns = server.login_all(&nicks);
    let mut asker = server.login("asker");
    for c in &mut conns {
        c.expect(ServerMsg::joined("lobby", "asker"));
    }
    asker.send(&ClientMsg::Leave {
        room: "lobby".into(),
    });
    asker.expect(ServerMsg::left("lobby", "asker"));
    asker.send(&ClientMsg::ListUsers {
        room: "Lobby".into(),
    });
    // Sorted by ASCII-lowercased nick: '-' < digits < '_' < letters.
    let want: Vec<String> = ["__", "_z", "a-b", "A9", "Alice", "bob", "carol", "Zed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    asker.expect(ServerMsg::Users {
        room: "lobby".into(),
        nicks: want,
    });
    asker.send(&ClientMsg::ListUsers {
        room: "nowhere".into(),
    });
    asker.expect_error(ErrorCode::NoSuchRoom);
    asker.expect_quiet();
}

pub fn room_limit_counts_the_lobby(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut c = server.login("collector");
    // lobby + 31 = 32 rooms.
    for i in 1..=31 {
        c.join(&format!("room{i}"), "collector");
    }
    c.send(&ClientMsg::Join {
        room: "room32".into(),
    });
    c.expect_error(ErrorCode::TooManyRooms);
    // Precedence at the limit: BadRoom, then AlreadyInRoom, before TooManyRooms.
    c.send(&ClientMsg::Join {
        room: "bad room".into(),
    });
    c.expect_error(ErrorCode::BadRoom);
    c.send(&ClientMsg::Join {
        room: "ROOM7".into(),
    });
    c.expect_error(ErrorCode::AlreadyInRoom);
    // The refused room was not created.
    c.send(&ClientMsg::ListUsers {
        room: "room32".into(),
    });
    c.expect_error(ErrorCode::NoSuchRoom);
    // Leaving one makes room for another.
    c.send(&ClientMsg::Leave {
        room: "lobby".into(),
    });
    c.expect(ServerMsg::left("lobby", "collector"));
    c.join("room32", "collector");
    c.send(&ClientMsg::Join {
        room: "lobby".into(),
    });
    c.expect_error(ErrorCode::TooManyRooms);
}

pub fn error_precedence(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["p", "other"]);
    let c = &mut conns[0];
    let cases: Vec<(ClientMsg, ErrorCode)> = vec![
        // Name rule before text, text before state.
        (ClientMsg::say("bad room", ""), ErrorCode::BadRoom),
        (ClientMsg::say("notjoined", ""), ErrorCode::BadText),
        (
            ClientMsg::say("notjoined", &"x".repeat(MAX_TEXT + 1)),
            ErrorCode::BadText,
        ),
        (ClientMsg::say("notjoined", "ok"), ErrorCode::NotInRoom),
        // Whisper.to is not held to the naming rule: text first, then NoSuchUser.
        (
            ClientMsg::Whisper {
                to: "bad nick".into(),
                text: String::new(),
            },
            ErrorCode::BadText,
        ),
        (
            ClientMsg::Whisper {
                to: "nobody".into(),
                text: String::new(),
            },
            ErrorCode::BadText,
        ),
        (
            ClientMsg::Whisper {
                to: "bad nick".into(),
                text: "t".into(),
            },
            ErrorCode::NoSuchUser,
        ),
        // Nick: rule before uniqueness.
        (
            ClientMsg::Nick {
                nick: "bad nick".into(),
            },
            ErrorCode::BadNick,
        ),
        (
            ClientMsg::Nick {
                nick: "OTHER".into(),
            },
            ErrorCode::NickTaken,
        ),
        // Leave / ListUsers: rule before state.
        (ClientMsg::Leave { room: "".into() }, ErrorCode::BadRoom),
        (
            ClientMsg::Leave {
                room: "notjoined".into(),
            },
            ErrorCode::NotInRoom,
        ),
        (
            ClientMsg::ListUsers {
                room: "no/such".into(),
            },
            ErrorCode::BadRoom,
        ),
        (
            ClientMsg::ListUsers {
                room: "nosuch".into(),
            },
            ErrorCode::NoSuchRoom,
        ),
        // Join: rule before AlreadyInRoom.
        (
            ClientMsg::Join {
                room: "lobby!".into(),
            },
            ErrorCode::BadRoom,
        ),
        (
            ClientMsg::Join {
                room: "Lobby".into(),
            },
            ErrorCode::AlreadyInRoom,
        ),
    ];
    for (msg, code) in cases {
        c.send(&msg);
        match c.recv() {
            ServerMsg::Error { code: got, .. } if got == code => {}
            other => panic!("{msg:?}: expected {code:?}, got {other:?}"),
        }
    }
    // None of those were fatal, nor visible to others.
    c.expect_quiet();
    conns[1].expect_quiet();
}

pub fn every_member_sees_one_order(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["o1", "o2", "o3"]);
    // Out of the lobby, so that only room `order` talks to them.
    let nicks = ["o1", "o2", "o3"];
    for (c, nick) in conns.iter_mut().zip(nicks) {
        leave_skipping(c, "lobby", nick);
    }
    // Everyone joins before anyone talks.
    join_all(&mut conns, &nicks, "order");
    // Three writers, 60 messages each, pipelined; a leave mixed in.
    let batch = |who: usize| -> Vec<ClientMsg> {
        (0..60)
            .map(|k| ClientMsg::say("order", &format!("{who}:{k}")))
            .collect()
    };
    let mut handles = Vec::new();
    for (i, mut c) in conns.into_iter().enumerate() {
        let msgs = batch(i);
        handles.push(std::thread::spawn(move || {
            c.send_all(&msgs);
            if i == 2 {
                c.send(&ClientMsg::Leave {
                    room: "order".into(),
                });
            }
            let mut seen = Vec::new();
            // Read until our own 60 messages and everyone's Joined arrived;
            // the leaver stops at its own Left.
            let mut own = 0;
            loop {
                let m = c.recv();
                let done = match &m {
                    ServerMsg::Message { from, .. } if *from == format!("o{}", i + 1) => {
                        own += 1;
                        own == 60 && i != 2
                    }
                    ServerMsg::Left { nick, .. } => i == 2 && nick == "o3",
                    _ => false,
                };
                seen.push(m);
                if done {
                    break;
                }
            }
            (c, seen)
        }));
    }
    let mut results: Vec<(Conn, Vec<ServerMsg>)> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    // The stayers read on until both have every event of the room: all 180
    // messages and o3's Left.
    for (c, seen) in results.iter_mut().take(2) {
        while seen
            .iter()
            .filter(|m| matches!(m, ServerMsg::Message { .. }))
            .count()
            < 180
            || !seen.contains(&ServerMsg::left("order", "o3"))
        {
            seen.push(c.recv());
        }
    }
    let (first, second) = (&results[0].1, &results[1].1);
    assert_eq!(first, second, "two members saw different orders");
    // seq strictly increasing by 1 for everyone, the leaver included.
    for (_, seen) in &results {
        let seqs: Vec<u64> = seen
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Message { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "seq gaps: {seqs:?}"
        );
    }
    // The leaver's view is a prefix of the others', up to its own Left.
    let third = &results[2].1;
    assert!(
        third.len() <= first.len(),
        "the leaver saw more than the stayers"
    );
    assert_eq!(
        &first[..third.len()],
        &third[..],
        "the leaver saw another order"
    );
}

pub fn a_joiner_mid_traffic_gets_history_then_the_same_order(bin: &Path) {
    // Section 5.3: the history a joiner gets and its `Joined` are one step
    // in the room's order. Two members post while a third joins: what the
    // joiner gets after its `Joined` is exactly what the members get after
    // it, and its history is exactly the (last 32) messages before it.
    let server = Server::start(bin, &[]);
    let nicks = ["w1", "w2", "late"];
    let mut conns = server.login_all(&nicks);
    for (c, nick) in conns.iter_mut().zip(nicks) {
        leave_skipping(c, "lobby", nick);
    }
    join_all(&mut conns[..2], &nicks[..2], "mid");
    let mut late = conns.pop().unwrap();
    // Each writer posts 10 batches of 10 and reads its own echoes after
    // each batch; the first asks for the join halfway.
    let (halfway, join_now) = std::sync::mpsc::channel();
    let mut writers = Vec::new();
    for (i, mut c) in conns.into_iter().enumerate() {
        let halfway = halfway.clone();
        writers.push(std::thread::spawn(move || {
            let me = nicks[i];
            let mut seen = Vec::new();
            for batch in 0..10 {
                let msgs: Vec<ClientMsg> = (0..10)
                    .map(|k| ClientMsg::say("mid", &format!("{me}:{batch}:{k}")))
                    .collect();
                c.send_all(&msgs);
                let mut echoes = 0;
                while echoes < 10 {
                    let m = c.recv();
                    if matches!(&m, ServerMsg::Message { from, .. } if from == me) {
                        echoes += 1;
                    }
                    seen.push(m);
                }
                if i == 0 && batch == 4 {
                    let _ = halfway.send(());
                }
            }
            (c, seen)
        }));
    }
    join_now.recv().expect("the first writer got halfway");
    late.send(&ClientMsg::Join { room: "mid".into() });
    let me = ServerMsg::joined("mid", "late");
    let mut mine = Vec::new();
    while mine.last() != Some(&me) {
        mine.push(late.recv());
    }
    let mut results: Vec<(Conn, Vec<ServerMsg>)> =
        writers.into_iter().map(|h| h.join().unwrap()).collect();
    // Every message and the Join are done: a last message marks the end.
    results[0].0.send(&ClientMsg::say("mid", "end"));
    let is_end = |m: &ServerMsg| matches!(m, ServerMsg::Message { text, .. } if text == "end");
    for (c, seen) in results.iter_mut() {
        while !seen.last().is_some_and(is_end) {
            seen.push(c.recv());
        }
    }
    while !mine.last().is_some_and(is_end) {
        mine.push(late.recv());
    }
    let (first, second) = (&results[0].1, &results[1].1);
    assert_eq!(first, second, "the two members saw different orders");
    let at = first
        .iter()
        .position(|m| *m == me)
        .expect("the members saw the joiner's Joined");
    let my_at = mine.iter().position(|m| *m == me).unwrap();
    assert_eq!(
        &mine[my_at..],
        &first[at..],
        "after its Joined the joiner saw another order"
    );
    let before: Vec<&ServerMsg> = first[..at]
        .iter()
        .filter(|m| matches!(m, ServerMsg::Message { .. }))
        .collect();
    let history: Vec<&ServerMsg> = mine[..my_at].iter().collect();
    assert_eq!(
        history,
        before[before.len().saturating_sub(32)..],
        "the history is the last 32 messages before the Joined"
    );
}

/// Messages for different sets of recipients, sent in one write (so a
/// server handles them in one go): every recipient gets its share in the
/// order sent, whatever the server batches.
pub fn one_write_of_says_and_whispers_arrives_in_its_order(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["a", "b", "c"]);
    conns[0].send_all(&[
        ClientMsg::say("lobby", "m1"),
        ClientMsg::Whisper {
            to: "b".into(),
            text: "w1".into(),
        },
        ClientMsg::say("lobby", "m2"),
        ClientMsg::say("lobby", "m3"),
        ClientMsg::Whisper {
            to: "c".into(),
            text: "w2".into(),
        },
        ClientMsg::say("lobby", "m4"),
    ]);
    let expected: [&[&str]; 3] = [
        &["m1", "w1", "m2", "m3", "w2", "m4"],
        &["m1", "w1", "m2", "m3", "m4"],
        &["m1", "m2", "m3", "w2", "m4"],
    ];
    for (conn, want) in conns.iter_mut().zip(expected) {
        let got: Vec<String> = want
            .iter()
            .map(|_| match conn.recv() {
                ServerMsg::Message { text, .. } | ServerMsg::Whispered { text, .. } => text,
                other => panic!("expected a Message or Whispered, got {other:?}"),
            })
            .collect();
        assert_eq!(got, want);
        conn.expect_quiet();
    }
}
