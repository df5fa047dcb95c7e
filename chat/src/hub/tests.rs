//! The rules of PROTOCOL.md section 5, played by simulated clients against a
//! hub with a fake clock. Every delivered frame is decoded back into a
//! `ServerMsg` and compared exactly, in order.

use std::borrow::Cow;

use testkit::Rng;

use super::listing::{self, fitting, varint_len};
use super::names::{cmp_folded, Folded};
use super::*;
use crate::fmt::binary::from_bytes;
use crate::fmt::framed::{encode_frame, split_frame, HEADER_LEN};
use crate::protocol::{
    ClientMsg, ErrorCode, RoomInfo, ServerMsg, ServerMsgRef, HISTORY_LEN, MAX_ROOMS_PER_CLIENT,
    MAX_TEXT, SERVER_MAX_FRAME,
};

// ----- simulated peers ------------------------------------------------------

const T0: u64 = 1_700_000_000_000;
const SERVER: &str = "test_server 0.0.1";

/// A hub, one reused outbox and a fake clock.
struct Sim {
    hub: Hub,
    out: Outbox,
    now: u64,
}

/// What one step produced.
#[derive(Debug)]
struct Step {
    frames: Vec<(ConnId, Frame)>,
    closes: Vec<ConnId>,
}

impl Step {
    /// Every delivery decoded, in order.
    fn msgs(&self) -> Vec<(ConnId, ServerMsg)> {
        self.frames.iter().map(|(to, f)| (*to, decode(f))).collect()
    }

    /// What `conn` received, in order.
    fn to(&self, conn: ConnId) -> Vec<ServerMsg> {
        self.frames
            .iter()
            .filter(|(to, _)| *to == conn)
            .map(|(_, f)| decode(f))
            .collect()
    }

    /// The only delivery, which must go to `conn`.
    fn only(&self, conn: ConnId) -> ServerMsg {
        let msgs = self.msgs();
        assert_eq!(msgs.len(), 1, "expected one delivery, got {msgs:?}");
        assert_eq!(msgs[0].0, conn);
        msgs[0].1.clone()
    }
}

fn decode(frame: &Frame) -> ServerMsg {
    let payload = split_frame(frame, SERVER_MAX_FRAME)
        .expect("every hub frame header is within 1..=SERVER_MAX_FRAME")
        .expect("every hub frame is whole");
    assert_eq!(
        HEADER_LEN + payload.len(),
        frame.len(),
        "header must give the payload length"
    );
    from_bytes::<ServerMsg>(payload).expect("every hub frame decodes as ServerMsg")
}

impl Sim {
    fn new() -> Sim {
        Sim::with(Config::new(SERVER))
    }

    fn with(config: Config) -> Sim {
        Sim {
            hub: Hub::new(config),
            out: Outbox::new(),
            now: T0,
        }
    }

    fn take(&mut self) -> Step {
        let frames = self
            .out
            .drain_deliveries()
            .map(|d| (d.to, d.frame))
            .collect();
        let closes = self.out.drain_closes().collect();
        Step { frames, closes }
    }

    fn connect(&mut self, id: u64) -> Step {
        let accepted = self.hub.handle_connect(ConnId(id), &mut self.out);
        let step = self.take();
        assert_eq!(accepted, step.closes.is_empty());
        step
    }

    /// Sends `msg` from `id` one millisecond after the previous step.
    fn send(&mut self, id: u64, msg: ClientMsg) -> Step {
        self.now += 1;
        self.hub
            .handle_message(ConnId(id), msg, self.now, &mut self.out);
        self.take()
    }

    /// Connects and welcomes `id` as `nick`, discarding the output.
    fn login(&mut self, id: u64, nick: &str) -> ConnId {
        assert!(self.connect(id).frames.is_empty());
        let step = self.send(id, ClientMsg::hello(nick));
        assert!(step.closes.is_empty());
        assert_eq!(self.hub.state(ConnId(id)), Some(SessionState::Welcomed));
        ConnId(id)
    }
}

// ----- message builders ---------------------------------------------------

fn join(room: &str) -> ClientMsg {
    ClientMsg::Join { room: room.into() }
}
fn leave(room: &str) -> ClientMsg {
    ClientMsg::Leave { room: room.into() }
}
fn whisper(to: &str, text: &str) -> ClientMsg {
    ClientMsg::Whisper {
        to: to.into(),
        text: text.into(),
    }
}
fn nick(nick: &str) -> ClientMsg {
    ClientMsg::Nick { nick: nick.into() }
}
fn list_users(room: &str) -> ClientMsg {
    ClientMsg::ListUsers { room: room.into() }
}

fn welcome(nick: &str) -> ServerMsg {
    ServerMsg::Welcome {
        version: 1,
        nick: nick.into(),
        server: SERVER.into(),
    }
}
fn err(code: ErrorCode) -> ServerMsg {
    ServerMsg::Error {
        code,
        detail: code.describe().into(),
    }
}

const A: ConnId = ConnId(1);
const B: ConnId = ConnId(2);
const C: ConnId = ConnId(3);
const D: ConnId = ConnId(4);

// ----- 5.2 session start ------------------------------------------------------

#[test]
fn hello_gets_welcome_then_lobby_join() {
    let mut sim = Sim::new();
    assert!(sim.connect(1).frames.is_empty());
    assert_eq!(sim.hub.state(A), Some(SessionState::Connected));
    let step = sim.send(1, ClientMsg::hello("Alice"));
    assert_eq!(
        step.msgs(),
        [
            (A, welcome("Alice")),
            (A, ServerMsg::joined("lobby", "Alice"))
        ]
    );
    assert!(step.closes.is_empty());
    assert_eq!(sim.hub.nick(A), Some("Alice"));
    assert_eq!(sim.hub.room_count(), 1);
}

#[test]
fn lobby_auto_join_is_exactly_a_join() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    let said = sim.send(1, ClientMsg::say("lobby", "before bob"));
    sim.connect(2);
    let step = sim.send(2, ClientMsg::hello("bob"));
    // Welcome, then the lobby history, then Joined to every member in join order.
    assert_eq!(
        step.msgs(),
        [
            (B, welcome("bob")),
            (
                B,
                ServerMsg::message("lobby", "alice", "before bob", 1, T0 + 2)
            ),
            (A, ServerMsg::joined("lobby", "bob")),
            (B, ServerMsg::joined("lobby", "bob")),
        ]
    );
    assert!(Frame::ptr_eq(&step.frames[1].1, &said.frames[0].1));
}

#[test]
fn hello_version_is_checked_first_and_fatal() {
    let mut sim = Sim::new();
    sim.connect(1);
    let step = sim.send(
        1,
        ClientMsg::Hello {
            version: 2,
            nick: "not a nick!".into(),
        },
    );
    assert_eq!(step.only(A), err(ErrorCode::VersionUnsupported));
    assert_eq!(step.closes, [A]);
    assert_eq!(sim.hub.state(A), None);
}

#[test]
fn hello_bad_nick_is_not_fatal_and_may_be_retried() {
    let mut sim = Sim::new();
    sim.connect(1);
    let too_long = "x".repeat(33);
    for bad in ["", "has space", "é", "dot.", too_long.as_str()] {
        let step = sim.send(1, ClientMsg::hello(bad));
        assert_eq!(step.only(A), err(ErrorCode::BadNick), "{bad:?}");
        assert!(step.closes.is_empty());
        assert_eq!(sim.hub.state(A), Some(SessionState::Connected));
    }
    let longest = "y".repeat(32);
    let step = sim.send(1, ClientMsg::hello(&longest));
    assert_eq!(step.to(A)[0], welcome(&longest));
}

#[test]
fn hello_nick_taken_ignores_case_and_bad_nick_comes_first() {
    let mut sim = Sim::new();
    sim.login(1, "Alice");
    sim.connect(2);
    let step = sim.send(2, ClientMsg::hello("aLICE"));
    assert_eq!(step.only(B), err(ErrorCode::NickTaken));
    assert!(step.closes.is_empty());
    // Bye after a refusal: closed, nothing sent, nothing announced.
    let step = sim.send(2, ClientMsg::Bye);
    assert!(step.frames.is_empty());
    assert_eq!(step.closes, [B]);
    assert_eq!(sim.hub.state(B), None);
}

#[test]
fn only_hello_and_bye_before_welcome() {
    let others = [
        ClientMsg::say("lobby", "hi"),
        join("lobby"),
        leave("lobby"),
        whisper("x", "hi"),
        nick("x"),
        ClientMsg::ListRooms,
        list_users("lobby"),
        ClientMsg::Ping { nonce: 1 },
    ];
    for (i, msg) in others.into_iter().enumerate() {
        let mut sim = Sim::new();
        sim.connect(1);
        let step = sim.send(1, msg.clone());
        assert_eq!(step.only(A), err(ErrorCode::Unexpected), "{msg:?}");
        assert_eq!(step.closes, [A], "case {i}");
        assert_eq!(sim.hub.state(A), None);
    }
}

#[test]
fn hello_after_welcome_is_unexpected_and_departs() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    // Even with a wrong version: Unexpected gates the message first.
    let step = sim.send(
        2,
        ClientMsg::Hello {
            version: 9,
            nick: "bob".into(),
        },
    );
    assert_eq!(
        step.msgs(),
        [
            (B, err(ErrorCode::Unexpected)),
            (A, ServerMsg::left("lobby", "bob"))
        ]
    );
    assert_eq!(step.closes, [B]);
    // The nick is free again.
    sim.connect(3);
    assert_eq!(
        sim.send(3, ClientMsg::hello("BOB")).to(C)[0],
        welcome("BOB")
    );
}

// ----- 5.3 rooms --------------------------------------------------------------

#[test]
fn join_sends_history_then_joined_to_every_member() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    sim.send(1, join("r"));
    let first = sim.send(1, ClientMsg::say("r", "one"));
    let second = sim.send(1, ClientMsg::say("r", "two"));
    let step = sim.send(2, join("r"));
    assert_eq!(
        step.msgs(),
        [
            (B, ServerMsg::message("r", "alice", "one", 1, T0 + 4)),
            (B, ServerMsg::message("r", "alice", "two", 2, T0 + 5)),
            (A, ServerMsg::joined("r", "bob")),
            (B, ServerMsg::joined("r", "bob")),
        ]
    );
    // Byte for byte: the very frames first sent.
    assert!(Frame::ptr_eq(&step.frames[0].1, &first.frames[0].1));
    assert!(Frame::ptr_eq(&step.frames[1].1, &second.frames[0].1));
}

#[test]
fn history_keeps_the_last_32_messages() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    let mut sent = Vec::new();
    for i in 1..=40u64 {
        let step = sim.send(1, ClientMsg::say("lobby", &format!("m{i}")));
        assert_eq!(
            step.msgs(),
            [(
                A,
                ServerMsg::message("lobby", "alice", &format!("m{i}"), i, sim.now)
            )]
        );
        sent.push(step.frames[0].1.clone());
    }
    sim.connect(2);
    let step = sim.send(2, ClientMsg::hello("bob"));
    let replay: Vec<&Frame> = step.frames[1..1 + HISTORY_LEN]
        .iter()
        .map(|(_, f)| f)
        .collect();
    assert!(step.frames[..1 + HISTORY_LEN]
        .iter()
        .all(|(to, _)| *to == B));
    for (got, want) in replay.iter().zip(&sent[40 - HISTORY_LEN..]) {
        assert!(Frame::ptr_eq(got, want));
    }
    assert_eq!(step.frames.len(), 1 + HISTORY_LEN + 2);
    match decode(replay[0]) {
        ServerMsg::Message { seq, .. } => assert_eq!(seq, 9),
        other => panic!("{other:?}"),
    }
}

#[test]
fn seq_counts_per_room_from_one() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.send(1, join("a"));
    sim.send(1, join("b"));
    let seqs: Vec<(String, u64)> = ["a", "b", "a", "lobby", "a", "b"]
        .iter()
        .map(
            |room| match sim.send(1, ClientMsg::say(room, "x")).only(A) {
                ServerMsg::Message { room, seq, .. } => (room, seq),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    let want = [
        ("a", 1),
        ("b", 1),
        ("a", 2),
        ("lobby", 1),
        ("a", 3),
        ("b", 2),
    ];
    assert_eq!(seqs, want.map(|(r, s)| (r.to_string(), s)));
}

#[test]
fn say_goes_to_every_member_sender_included_sharing_one_frame() {
    let mut sim = Sim::new();
    for i in 1..=5 {
        sim.login(i, &format!("u{i}"));
    }
    let step = sim.send(3, ClientMsg::say("lobby", "hello all"));
    let to: Vec<ConnId> = step.frames.iter().map(|(to, _)| *to).collect();
    assert_eq!(to, [1, 2, 3, 4, 5].map(ConnId), "members in join order");
    assert!(step
        .frames
        .iter()
        .all(|(_, f)| Frame::ptr_eq(f, &step.frames[0].1)));
    assert_eq!(
        decode(&step.frames[0].1),
        ServerMsg::message("lobby", "u3", "hello all", 1, sim.now)
    );
}

#[test]
fn room_names_ignore_case_and_are_stored_lowercase() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    assert_eq!(
        sim.send(1, join("GeNeRaL")).only(A),
        ServerMsg::joined("general", "alice")
    );
    assert_eq!(
        sim.send(1, join("general")).only(A),
        err(ErrorCode::AlreadyInRoom)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("GENERAL", "hi")).only(A),
        ServerMsg::message("general", "alice", "hi", 1, sim.now)
    );
    match sim.send(1, ClientMsg::ListRooms).only(A) {
        ServerMsg::Rooms { rooms } => assert_eq!(rooms[0].name, "general"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sim.send(1, leave("General")).only(A),
        ServerMsg::left("general", "alice")
    );
}

#[test]
fn join_refusals_in_precedence_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    assert_eq!(
        sim.send(1, join("bad room")).only(A),
        err(ErrorCode::BadRoom)
    );
    assert_eq!(sim.send(1, join("")).only(A), err(ErrorCode::BadRoom));
    assert_eq!(
        sim.send(1, join(&"r".repeat(33))).only(A),
        err(ErrorCode::BadRoom)
    );
    assert_eq!(
        sim.send(1, join("LOBBY")).only(A),
        err(ErrorCode::AlreadyInRoom)
    );
    // The lobby counts: 31 more rooms reach the limit of 32.
    for i in 1..MAX_ROOMS_PER_CLIENT {
        assert_eq!(
            sim.send(1, join(&format!("r{i}"))).only(A),
            ServerMsg::joined(&format!("r{i}"), "alice")
        );
    }
    assert_eq!(
        sim.send(1, join("one-more")).only(A),
        err(ErrorCode::TooManyRooms)
    );
    // At the limit, a room already joined is AlreadyInRoom (checked first).
    assert_eq!(
        sim.send(1, join("r1")).only(A),
        err(ErrorCode::AlreadyInRoom)
    );
    assert_eq!(sim.send(1, join("bad!")).only(A), err(ErrorCode::BadRoom));
    // Leaving one makes room again.
    sim.send(1, leave("r7"));
    assert_eq!(
        sim.send(1, join("one-more")).only(A),
        ServerMsg::joined("one-more", "alice")
    );
}

#[test]
fn leave_tells_every_member_then_removes() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    let step = sim.send(1, leave("lobby"));
    assert_eq!(
        step.msgs(),
        [
            (A, ServerMsg::left("lobby", "alice")),
            (B, ServerMsg::left("lobby", "alice"))
        ]
    );
    assert_eq!(
        sim.send(1, leave("lobby")).only(A),
        err(ErrorCode::NotInRoom)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("lobby", "hi")).only(A),
        err(ErrorCode::NotInRoom)
    );
    // Bob talks alone now.
    assert_eq!(
        sim.send(2, ClientMsg::say("lobby", "anyone?")).msgs().len(),
        1
    );
}

#[test]
fn leave_refusals_in_precedence_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    assert_eq!(
        sim.send(1, leave("no way")).only(A),
        err(ErrorCode::BadRoom)
    );
    assert_eq!(
        sim.send(1, leave("elsewhere")).only(A),
        err(ErrorCode::NotInRoom)
    );
}

#[test]
fn empty_room_is_deleted_with_its_history() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.send(1, join("tmp"));
    sim.send(1, ClientMsg::say("tmp", "old"));
    assert_eq!(sim.hub.room_count(), 2);
    sim.send(1, leave("tmp"));
    assert_eq!(sim.hub.room_count(), 1);
    assert_eq!(
        sim.send(1, list_users("tmp")).only(A),
        err(ErrorCode::NoSuchRoom)
    );
    // Re-created: no history, seq from 1 again.
    assert_eq!(
        sim.send(1, join("tmp")).only(A),
        ServerMsg::joined("tmp", "alice")
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("tmp", "new")).only(A),
        ServerMsg::message("tmp", "alice", "new", 1, sim.now)
    );
}

#[test]
fn say_refusals_in_precedence_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    let long = "x".repeat(MAX_TEXT + 1);
    // BadRoom before BadText before NotInRoom.
    assert_eq!(
        sim.send(1, ClientMsg::say("bad room", "")).only(A),
        err(ErrorCode::BadRoom)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("elsewhere", "")).only(A),
        err(ErrorCode::BadText)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("elsewhere", &long)).only(A),
        err(ErrorCode::BadText)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("elsewhere", "x")).only(A),
        err(ErrorCode::NotInRoom)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("lobby", "")).only(A),
        err(ErrorCode::BadText)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("lobby", &long)).only(A),
        err(ErrorCode::BadText)
    );
    // Exactly MAX_TEXT bytes, and any UTF-8, is fine.
    let max = "é".repeat(MAX_TEXT / 2);
    assert_eq!(
        sim.send(1, ClientMsg::say("lobby", &max)).only(A),
        ServerMsg::message("lobby", "alice", &max, 1, sim.now)
    );
    assert_eq!(
        sim.send(1, ClientMsg::say("lobby", "\u{1b}[2J")).only(A),
        ServerMsg::message("lobby", "alice", "\u{1b}[2J", 2, sim.now)
    );
}

// ----- whispers -------------------------------------------------------------

fn whispered(from: &str, to: &str, text: &str, time_ms: u64) -> ServerMsg {
    ServerMsg::Whispered {
        from: from.into(),
        to: to.into(),
        text: text.into(),
        time_ms,
    }
}

#[test]
fn whisper_reaches_recipient_and_sender() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "Bob");
    sim.login(3, "carol");
    let step = sim.send(1, whisper("bOB", "psst"));
    let w = whispered("alice", "Bob", "psst", sim.now);
    assert_eq!(step.msgs(), [(B, w.clone()), (A, w)]);
    // No room needed in common.
    sim.send(2, leave("lobby"));
    assert_eq!(sim.send(3, whisper("bob", "hi")).to(B).len(), 1);
}

#[test]
fn whisper_to_self_arrives_once() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    let step = sim.send(1, whisper("ALICE", "note to self"));
    assert_eq!(
        step.only(A),
        whispered("alice", "alice", "note to self", sim.now)
    );
}

#[test]
fn whisper_refusals_in_precedence_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    // `to` is not checked against the naming rule: an invalid nick is never
    // connected, so it is NoSuchUser, which comes after BadText.
    assert_eq!(
        sim.send(1, whisper("not a nick!", "")).only(A),
        err(ErrorCode::BadText)
    );
    assert_eq!(
        sim.send(1, whisper("nobody", &"x".repeat(MAX_TEXT + 1)))
            .only(A),
        err(ErrorCode::BadText)
    );
    assert_eq!(
        sim.send(1, whisper("not a nick!", "hi")).only(A),
        err(ErrorCode::NoSuchUser)
    );
    assert_eq!(
        sim.send(1, whisper(&"n".repeat(10_000), "hi")).only(A),
        err(ErrorCode::NoSuchUser)
    );
    assert_eq!(
        sim.send(1, whisper("nobody", "hi")).only(A),
        err(ErrorCode::NoSuchUser)
    );
    // Someone who has not said Hello has no nick.
    sim.connect(2);
    sim.send(2, ClientMsg::hello("bad nick"));
    assert_eq!(
        sim.send(1, whisper("bad nick", "hi")).only(A),
        err(ErrorCode::NoSuchUser)
    );
}

// ----- nicks ----------------------------------------------------------------

#[test]
fn rename_goes_once_to_everyone_sharing_a_room_and_the_renamer() {
    let mut sim = Sim::new();
    sim.login(1, "alice"); // lobby, r1, r2
    sim.login(2, "bob"); // lobby, r1
    sim.login(3, "carol"); // r1, r2 (left lobby)
    sim.login(4, "dave"); // nothing shared
    for (id, room) in [(1, "r1"), (1, "r2"), (2, "r1"), (3, "r1"), (3, "r2")] {
        sim.send(id, join(room));
    }
    sim.send(3, leave("lobby"));
    sim.send(4, leave("lobby"));
    let step = sim.send(1, nick("Alicia"));
    let mut to: Vec<ConnId> = step.frames.iter().map(|(to, _)| *to).collect();
    to.sort();
    assert_eq!(to, [A, B, C]);
    assert!(step
        .msgs()
        .iter()
        .all(|(_, m)| *m == ServerMsg::renamed("alice", "Alicia")));
    assert_eq!(sim.hub.nick(A), Some("Alicia"));
    // A renamer alone in no room still hears it.
    let step = sim.send(4, nick("david"));
    assert_eq!(step.only(D), ServerMsg::renamed("dave", "david"));
    // The new nick is used from now on; the old one is free.
    assert_eq!(
        sim.send(1, ClientMsg::say("r2", "hi")).to(C),
        [ServerMsg::message("r2", "Alicia", "hi", 1, sim.now)]
    );
    sim.connect(5);
    assert_eq!(
        sim.send(5, ClientMsg::hello("ALICE")).to(ConnId(5))[0],
        welcome("ALICE")
    );
    assert_eq!(sim.send(2, whisper("alicia", "x")).to(A).len(), 1);
}

#[test]
fn rename_to_own_nick_or_case_variant_is_announced() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    let step = sim.send(1, nick("alice"));
    assert_eq!(
        step.msgs(),
        [
            (A, ServerMsg::renamed("alice", "alice")),
            (B, ServerMsg::renamed("alice", "alice"))
        ]
    );
    let step = sim.send(1, nick("ALICE"));
    assert_eq!(step.to(B), [ServerMsg::renamed("alice", "ALICE")]);
    assert_eq!(sim.hub.nick(A), Some("ALICE"));
    // Still owned: nobody else may take any case of it.
    assert_eq!(
        sim.send(2, nick("Alice")).only(B),
        err(ErrorCode::NickTaken)
    );
    sim.connect(3);
    assert_eq!(
        sim.send(3, ClientMsg::hello("alice")).only(C),
        err(ErrorCode::NickTaken)
    );
}

#[test]
fn rename_refusals_in_precedence_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    assert_eq!(sim.send(1, nick("b o b")).only(A), err(ErrorCode::BadNick));
    assert_eq!(sim.send(1, nick("")).only(A), err(ErrorCode::BadNick));
    assert_eq!(sim.send(1, nick("BOB")).only(A), err(ErrorCode::NickTaken));
    assert_eq!(sim.hub.nick(A), Some("alice"));
}

// ----- listings ---------------------------------------------------------------

#[test]
fn users_sorted_by_lowercased_nick_for_any_asker() {
    let mut sim = Sim::new();
    let nicks = ["bob", "Zed", "_x", "Alice", "carol", "a-b", "A9"];
    for (i, n) in nicks.iter().enumerate() {
        sim.login(i as u64 + 1, n);
    }
    let step = sim.send(2, list_users("LOBBY"));
    // '_' (0x5f) sorts before every lowercased letter (0x61..), and
    // '-' (0x2d) before '9' (0x39) before 'l'.
    let want = ["_x", "a-b", "A9", "Alice", "bob", "carol", "Zed"];
    let mut sorted = nicks.map(String::from).to_vec();
    sorted.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(sorted, want);
    assert_eq!(
        step.only(B),
        ServerMsg::Users {
            room: "lobby".into(),
            nicks: want.map(String::from).to_vec()
        }
    );
    // Not a member: still answered.
    sim.send(1, leave("lobby"));
    match sim.send(1, list_users("lobby")).only(A) {
        ServerMsg::Users { nicks, .. } => assert_eq!(nicks.len(), 6),
        other => panic!("{other:?}"),
    }
}

#[test]
fn users_refusals_in_precedence_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    assert_eq!(
        sim.send(1, list_users("no such!")).only(A),
        err(ErrorCode::BadRoom)
    );
    assert_eq!(
        sim.send(1, list_users("nowhere")).only(A),
        err(ErrorCode::NoSuchRoom)
    );
}

#[test]
fn rooms_sorted_by_name_with_member_counts() {
    let mut sim = Sim::new();
    assert!(matches!(sim.connect(9).frames.as_slice(), []));
    sim.login(1, "alice");
    sim.login(2, "bob");
    for (id, room) in [
        (1, "zeta"),
        (2, "Zeta"),
        (1, "_under"),
        (2, "alpha"),
        (2, "a-b"),
    ] {
        sim.send(id, join(room));
    }
    let info = |name: &str, members| RoomInfo {
        name: name.into(),
        members,
    };
    assert_eq!(
        sim.send(2, ClientMsg::ListRooms).only(B),
        ServerMsg::Rooms {
            rooms: vec![
                info("_under", 1),
                info("a-b", 1),
                info("alpha", 1),
                info("lobby", 2),
                info("zeta", 2),
            ]
        }
    );
}

#[test]
fn rooms_listing_is_cut_to_one_mebibyte() {
    // Room names of 32 bytes: 34 bytes per entry, so about 30 840 fit.
    let mut sim = Sim::new();
    let rooms_needed = SERVER_MAX_FRAME as usize / 34 + 100;
    let clients = rooms_needed.div_ceil(MAX_ROOMS_PER_CLIENT - 1) as u64;
    let mut made = 0usize;
    for c in 1..=clients {
        sim.login(c, &format!("user{c}"));
        sim.send(c, leave("lobby"));
        for _ in 1..MAX_ROOMS_PER_CLIENT {
            sim.hub
                .handle_message(ConnId(c), join(&format!("{made:0>32}")), 0, &mut sim.out);
            made += 1;
        }
        sim.out.clear();
    }
    assert!(sim.hub.room_count() >= rooms_needed);
    let step = sim.send(1, ClientMsg::ListRooms);
    let frame = &step.frames[0].1;
    let ServerMsg::Rooms { rooms } = decode(frame) else {
        panic!("expected Rooms")
    };
    let payload = frame.len() - 4;
    assert!(payload <= SERVER_MAX_FRAME as usize);
    // The cut is the longest prefix that fits: one more entry would not.
    assert!(
        payload + 34 > SERVER_MAX_FRAME as usize,
        "payload {payload}"
    );
    assert!(rooms.len() < sim.hub.room_count());
    // The first entries in sort order.
    for (i, room) in rooms.iter().enumerate() {
        assert_eq!(room.name, format!("{i:0>32}"));
        assert_eq!(room.members, 1);
    }
}

#[test]
fn users_listing_is_cut_to_the_frame_limit() {
    let mut sim = Sim::new();
    // 33 bytes per 32-byte nick; a small limit keeps the test quick, the
    // arithmetic is the same as at 1 MiB (see `fitting_at_one_mebibyte`).
    sim.hub.frame_limit = 1 + 6 + 1 + 33 * 10 + 5;
    for i in (1..=20u64).rev() {
        sim.login(i, &format!("{i:0>32}"));
    }
    let step = sim.send(1, list_users("lobby"));
    let frame = &step.frames[0].1;
    let ServerMsg::Users { room, nicks } = decode(frame) else {
        panic!("expected Users")
    };
    assert_eq!(room, "lobby");
    let want: Vec<String> = (1..=10u64).map(|i| format!("{i:0>32}")).collect();
    assert_eq!(nicks, want);
    assert!(frame.len() - 4 <= sim.hub.frame_limit);
}

#[test]
fn users_listing_is_cut_to_one_mebibyte() {
    // 32 000 members with 32-byte nicks (33 bytes each on the wire) pass
    // 1 MiB. Joining them one by one would broadcast O(n^2) Joined frames,
    // so the room is filled from inside, then listed through the hub.
    let mut sim = Sim::new();
    let asker = sim.login(1, "asker");
    let mut room = super::room::Room::new("big");
    for i in 0..32_000u64 {
        let id = ConnId(1_000 + i);
        let nick = format!("{:0>32}", 31_999 - i); // joined in reverse order
        let mut member = super::session::Member::new(nick.clone());
        member.rooms.push(room.name.clone());
        sim.hub.nicks.insert(nick, id);
        sim.hub
            .sessions
            .insert(id, super::session::Session::Welcomed(member));
        room.members.push(id);
    }
    sim.hub.rooms.insert(room.name.clone(), room);
    let step = sim.send(1, list_users("BIG"));
    let frame = &step.frames[0].1;
    let ServerMsg::Users { room, nicks } = decode(frame) else {
        panic!("expected Users")
    };
    assert_eq!(step.frames[0].0, asker);
    assert_eq!(room, "big");
    let payload = frame.len() - 4;
    assert!(payload <= SERVER_MAX_FRAME as usize);
    assert!(
        payload + 33 > SERVER_MAX_FRAME as usize,
        "payload {payload}"
    );
    assert!(nicks.len() < 32_000);
    for (i, nick) in nicks.iter().enumerate() {
        assert_eq!(
            *nick,
            format!("{i:0>32}"),
            "the first entries in sort order"
        );
    }
}

#[test]
fn fitting_at_one_mebibyte() {
    let limit = SERVER_MAX_FRAME as usize;
    let nick = "n".repeat(32);
    let nicks: Vec<&str> = vec![nick.as_str(); 40_000];
    let fixed = listing::users_fixed("lobby");
    let n = fitting(fixed, nicks.iter().map(|s| listing::str_len(s)), limit);
    let encode = |k: usize| {
        let mut buf = Vec::new();
        let users = ServerMsgRef::Users {
            room: "lobby",
            nicks: Cow::Borrowed(&nicks[..k]),
        };
        encode_frame(&users, &mut buf).unwrap();
        buf.len() - 4
    };
    assert!(encode(n) <= limit);
    assert!(encode(n + 1) > limit);
    assert_eq!(n, (limit - fixed - 3) / 33);
    // Everything fits when it fits.
    assert_eq!(
        fitting(
            fixed,
            nicks[..10].iter().map(|s| listing::str_len(s)),
            limit
        ),
        10
    );
    assert_eq!(fitting(ROOMS_FIXED_FOR_TEST, std::iter::empty(), 2), 0);
}

const ROOMS_FIXED_FOR_TEST: usize = listing::ROOMS_FIXED;

#[test]
fn varint_len_matches_the_encoding() {
    for n in [0u64, 1, 127, 128, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
        let mut buf = Vec::new();
        crate::fmt::binary::serialize_into(&n, &mut buf).unwrap();
        assert_eq!(varint_len(n), buf.len(), "{n}");
    }
}

// ----- 5.4 keep-alive ----------------------------------------------------------

#[test]
fn pings_are_answered_in_order() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    for nonce in [0, 1, u64::MAX, 42] {
        sim.hub
            .handle_message(A, ClientMsg::Ping { nonce }, 0, &mut sim.out);
    }
    sim.hub
        .handle_message(A, ClientMsg::say("nowhere", "x"), 0, &mut sim.out);
    sim.hub
        .handle_message(A, ClientMsg::Ping { nonce: 7 }, 0, &mut sim.out);
    let pong = |nonce| ServerMsg::Pong { nonce };
    assert_eq!(
        sim.take().to(A),
        [
            pong(0),
            pong(1),
            pong(u64::MAX),
            pong(42),
            err(ErrorCode::NotInRoom),
            pong(7)
        ]
    );
}

// ----- 5.5 limits -------------------------------------------------------------

#[test]
fn max_conns_counts_connections_without_hello() {
    let mut sim = Sim::with(Config {
        max_conns: 2,
        ..Config::new(SERVER)
    });
    sim.login(1, "alice");
    assert!(sim.connect(2).frames.is_empty()); // no Hello yet, still counted
    let step = sim.connect(3);
    assert_eq!(step.only(C), err(ErrorCode::ServerFull));
    assert_eq!(step.closes, [C]);
    assert_eq!(sim.hub.state(C), None);
    assert_eq!(sim.hub.connection_count(), 2);
    // Nobody else heard anything, and a freed slot is usable again.
    sim.hub.handle_disconnect(ConnId(2), &mut sim.out);
    assert!(sim.take().frames.is_empty());
    assert!(sim.connect(4).closes.is_empty());
}

#[test]
fn slow_consumer_departs_and_is_closed_without_a_frame_from_the_hub() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    sim.hub.handle_slow_consumer(B, &mut sim.out);
    let step = sim.take();
    assert_eq!(step.msgs(), [(A, ServerMsg::left("lobby", "bob"))]);
    assert_eq!(step.closes, [B]);
    // What the server writes itself:
    assert_eq!(
        decode(&sim.hub.error_frame(ErrorCode::SlowConsumer)),
        err(ErrorCode::SlowConsumer)
    );
    assert_eq!(
        Frame::error(ErrorCode::SlowConsumer),
        sim.hub.error_frame(ErrorCode::SlowConsumer)
    );
}

// ----- 5.6 disconnects and shutdown ----------------------------------------------

#[test]
fn bye_tells_the_others_and_nothing_to_the_leaver() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.login(2, "bob");
    sim.send(1, join("r"));
    sim.send(2, join("r"));
    sim.send(1, join("solo"));
    let step = sim.send(1, ClientMsg::Bye);
    assert_eq!(
        step.msgs(),
        [
            (B, ServerMsg::left("lobby", "alice")),
            (B, ServerMsg::left("r", "alice"))
        ]
    );
    assert_eq!(step.closes, [A]);
    assert_eq!(sim.hub.room_count(), 2, "solo is gone");
    // Anything after Bye is ignored.
    assert!(sim
        .send(1, ClientMsg::say("lobby", "ghost"))
        .frames
        .is_empty());
    sim.connect(3);
    assert_eq!(
        sim.send(3, ClientMsg::hello("alice")).to(C)[0],
        welcome("alice")
    );
}

#[test]
fn disconnect_in_any_state_cleans_up() {
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.connect(2);
    sim.hub.handle_disconnect(B, &mut sim.out);
    assert!(sim.out.is_empty());
    assert_eq!(sim.hub.connection_count(), 1);
    sim.login(3, "carol");
    sim.hub.handle_disconnect(C, &mut sim.out);
    let step = sim.take();
    assert_eq!(step.msgs(), [(A, ServerMsg::left("lobby", "carol"))]);
    assert!(step.closes.is_empty(), "the socket is already closed");
    // Disconnecting twice, or an id never seen, does nothing.
    sim.hub.handle_disconnect(C, &mut sim.out);
    sim.hub.handle_disconnect(ConnId(99), &mut sim.out);
    assert!(sim.out.is_empty());
    sim.hub.handle_disconnect(A, &mut sim.out);
    assert!(sim.out.is_empty());
    assert_eq!(sim.hub.room_count(), 0);
}

#[test]
fn decode_errors_are_fatal_in_any_state() {
    for code in [ErrorCode::Malformed, ErrorCode::FrameTooLarge] {
        let mut sim = Sim::new();
        sim.connect(1);
        sim.hub.handle_decode_error(A, code, &mut sim.out);
        let step = sim.take();
        assert_eq!(step.only(A), err(code));
        assert_eq!(step.closes, [A]);

        sim.login(2, "bob");
        sim.login(3, "carol");
        sim.hub.handle_decode_error(C, code, &mut sim.out);
        let step = sim.take();
        assert_eq!(
            step.msgs(),
            [(C, err(code)), (B, ServerMsg::left("lobby", "carol"))]
        );
        assert_eq!(step.closes, [C]);
        sim.hub.handle_decode_error(C, code, &mut sim.out);
        assert!(sim.out.is_empty(), "gone: ignored");
    }
}

#[test]
fn hello_timeout_only_for_connections_not_welcomed() {
    let mut sim = Sim::new();
    sim.connect(1);
    sim.send(1, ClientMsg::hello("bad nick")); // refused: still waiting
    sim.login(2, "bob");
    sim.hub.handle_hello_timeout(B, &mut sim.out);
    assert!(sim.out.is_empty());
    sim.hub.handle_hello_timeout(A, &mut sim.out);
    let step = sim.take();
    assert_eq!(step.only(A), err(ErrorCode::HelloTimeout));
    assert_eq!(step.closes, [A]);
    sim.hub.handle_hello_timeout(A, &mut sim.out);
    assert!(sim.out.is_empty());
}

#[test]
fn shutdown_tells_everyone_without_left() {
    let mut sim = Sim::new();
    sim.login(2, "bob");
    sim.connect(1);
    sim.login(3, "carol");
    sim.hub.handle_shutdown(&mut sim.out);
    let step = sim.take();
    let bye = err(ErrorCode::ShuttingDown);
    assert_eq!(
        step.msgs(),
        [(A, bye.clone()), (B, bye.clone()), (C, bye.clone())]
    );
    assert_eq!(step.closes, [A, B, C]);
    assert_eq!(sim.hub.connection_count(), 0);
    assert_eq!(sim.hub.room_count(), 0);
    assert!(sim.hub.is_shutting_down());
    let step = sim.connect(4);
    assert_eq!(step.only(D), bye);
    assert_eq!(step.closes, [D]);
}

// ----- every code ---------------------------------------------------------------

#[test]
fn every_error_code_is_emitted_and_closes_exactly_when_fatal() {
    // (code, a way to provoke it)
    let mut seen = Vec::new();
    let mut check = |code: ErrorCode, step: Step, conn: ConnId| {
        assert_eq!(step.to(conn)[0], err(code));
        assert_eq!(step.closes.contains(&conn), code.is_fatal(), "{code:?}");
        seen.push(code);
    };
    let mut sim = Sim::new();
    sim.login(1, "alice");
    sim.connect(2);
    sim.hub
        .handle_decode_error(B, ErrorCode::Malformed, &mut sim.out);
    check(ErrorCode::Malformed, sim.take(), B);
    sim.connect(3);
    sim.hub
        .handle_decode_error(C, ErrorCode::FrameTooLarge, &mut sim.out);
    check(ErrorCode::FrameTooLarge, sim.take(), C);
    sim.connect(4);
    check(ErrorCode::Unexpected, sim.send(4, ClientMsg::ListRooms), D);
    sim.connect(5);
    let v0 = ClientMsg::Hello {
        version: 0,
        nick: "x".into(),
    };
    check(ErrorCode::VersionUnsupported, sim.send(5, v0), ConnId(5));
    sim.connect(6);
    sim.hub.handle_hello_timeout(ConnId(6), &mut sim.out);
    check(ErrorCode::HelloTimeout, sim.take(), ConnId(6));
    check(ErrorCode::BadNick, sim.send(1, nick("-?")), A);
    sim.login(7, "bob");
    check(ErrorCode::NickTaken, sim.send(1, nick("Bob")), A);
    check(ErrorCode::BadRoom, sim.send(1, join("#x")), A);
    check(ErrorCode::AlreadyInRoom, sim.send(1, join("lobby")), A);
    check(ErrorCode::NotInRoom, sim.send(1, leave("x")), A);
    check(ErrorCode::NoSuchRoom, sim.send(1, list_users("x")), A);
    check(ErrorCode::NoSuchUser, sim.send(1, whisper("x", "y")), A);
    check(ErrorCode::BadText, sim.send(1, whisper("x", "")), A);
    for i in 1..MAX_ROOMS_PER_CLIENT {
        sim.send(1, join(&format!("r{i}")));
    }
    check(ErrorCode::TooManyRooms, sim.send(1, join("more")), A);
    let mut full = Sim::with(Config {
        max_conns: 0,
        ..Config::new(SERVER)
    });
    check(ErrorCode::ServerFull, full.connect(1), A);
    sim.hub.handle_shutdown(&mut sim.out);
    check(ErrorCode::ShuttingDown, sim.take(), A);
    // SlowConsumer is written by the server (see the slow consumer test).
    seen.push(ErrorCode::SlowConsumer);
    seen.sort_by_key(|&c| c as usize);
    assert_eq!(seen, ErrorCode::ALL);
}

// ----- names -----------------------------------------------------

#[test]
fn folding_checks_the_naming_rule() {
    assert_eq!(Folded::new("MiXed-_09").unwrap().as_str(), "mixed-_09");
    assert_eq!(
        Folded::new(&"A".repeat(32)).unwrap().as_str(),
        "a".repeat(32)
    );
    for bad in ["", " ", "a b", "é", "a.b", "#room"] {
        assert!(Folded::new(bad).is_none(), "{bad:?}");
    }
    assert!(Folded::new(&"a".repeat(33)).is_none());
    assert_eq!(cmp_folded("_a", "A"), std::cmp::Ordering::Less);
    assert_eq!(cmp_folded("Zz", "_"), std::cmp::Ordering::Greater);
    assert_eq!(cmp_folded("ABC", "abc"), std::cmp::Ordering::Equal);
}

// ----- seeded random sessions ---------------------------------------------------

/// Random clients doing random things: the hub never panics, every frame
/// decodes, and every member sees each room's `seq` go up by exactly 1.
/// `HUB_SEED=n` replays another seed.
#[test]
fn random_sessions_keep_room_order() {
    let seed = testkit::seed("HUB_SEED", 0x5EED);
    let mut rng = Rng::new(seed | 1);
    let mut sim = Sim::with(Config {
        max_conns: 10,
        ..Config::new(SERVER)
    });
    let rooms = ["a", "B", "c", "lobby", "Lobby", "x y", ""];
    let nicks = [
        "ann", "Bob", "bob", "CAT", "dan", "eve", "x y", "Fay", "gus", "hal",
    ];
    // Twelve client slots for ten connections: ServerFull happens too.
    let mut slots: [Option<ConnId>; 12] = [None; 12];
    // Per (connection, room): last seq seen; a join or leave of its own resets it.
    let mut last: std::collections::HashMap<(ConnId, String), u64> = Default::default();
    let mut next_id = 0u64;
    let mut checked = 0usize;
    for _ in 0..6_000 {
        sim.now += rng.below(3);
        let slot = rng.below(slots.len() as u64) as usize;
        let pick =
            |rng: &mut Rng, from: &[&'static str]| from[rng.below(from.len() as u64) as usize];
        match slots[slot] {
            None => {
                next_id += 1;
                let id = ConnId(next_id);
                if sim.hub.handle_connect(id, &mut sim.out) {
                    slots[slot] = Some(id);
                }
            }
            Some(id) if sim.hub.state(id).is_none() => slots[slot] = None,
            Some(id) if sim.hub.state(id) == Some(SessionState::Connected) => {
                let msg = match rng.below(20) {
                    0 => ClientMsg::Bye,
                    1 => ClientMsg::Ping { nonce: 0 },
                    _ => ClientMsg::hello(pick(&mut rng, &nicks)),
                };
                sim.hub.handle_message(id, msg, sim.now, &mut sim.out);
            }
            Some(id) => {
                let msg = match rng.below(40) {
                    0 => {
                        sim.hub.handle_disconnect(id, &mut sim.out);
                        None
                    }
                    1 => {
                        sim.hub
                            .handle_decode_error(id, ErrorCode::Malformed, &mut sim.out);
                        None
                    }
                    2 => {
                        sim.hub.handle_slow_consumer(id, &mut sim.out);
                        None
                    }
                    3 => Some(ClientMsg::Bye),
                    4 => Some(ClientMsg::hello("again")),
                    5..=7 => Some(join(pick(&mut rng, &rooms))),
                    8..=9 => Some(leave(pick(&mut rng, &rooms))),
                    10..=11 => Some(whisper(pick(&mut rng, &nicks), "psst")),
                    12..=13 => Some(nick(pick(&mut rng, &nicks))),
                    14 => Some(ClientMsg::ListRooms),
                    15 => Some(list_users(pick(&mut rng, &rooms))),
                    16 => Some(ClientMsg::Ping {
                        nonce: rng.next_u64(),
                    }),
                    _ => Some(ClientMsg::say(pick(&mut rng, &rooms), "hi")),
                };
                if let Some(msg) = msg {
                    sim.hub.handle_message(id, msg, sim.now, &mut sim.out);
                }
            }
        }
        for (to, msg) in sim.take().msgs() {
            match msg {
                ServerMsg::Joined { room, nick } | ServerMsg::Left { room, nick }
                    if sim.hub.nick(to) == Some(&nick) =>
                {
                    last.remove(&(to, room));
                }
                ServerMsg::Message { room, seq, .. } => {
                    checked += 1;
                    let prev = last.insert((to, room.clone()), seq);
                    if let Some(prev) = prev {
                        assert_eq!(seq, prev + 1, "seed {seed}: {to:?} in {room}");
                    }
                }
                _ => {}
            }
        }
        assert!(sim.hub.connection_count() <= 10);
        check_books(&sim.hub);
    }
    assert!(checked > 1_000, "seed {seed}: only {checked} messages seen");
}

/// The hub's indexes agree with each other: nick map <-> welcomed sessions,
/// room members <-> each member's room list, no empty room.
fn check_books(hub: &Hub) {
    use super::session::Session;
    let mut welcomed = 0;
    for (&id, session) in &hub.sessions {
        let Session::Welcomed(member) = session else {
            continue;
        };
        welcomed += 1;
        let key = Folded::new(&member.nick).expect("stored nicks are valid");
        assert_eq!(hub.nicks.get(key.as_str()), Some(&id));
        assert!(member.rooms.len() <= MAX_ROOMS_PER_CLIENT);
        for name in &member.rooms {
            assert!(hub.rooms[name].members.contains(&id));
        }
    }
    assert_eq!(hub.nicks.len(), welcomed);
    for (name, room) in &hub.rooms {
        assert!(!room.members.is_empty(), "empty room {name} kept");
        assert_eq!(**name, name.to_ascii_lowercase());
        for id in &room.members {
            match hub.sessions.get(id) {
                Some(Session::Welcomed(m)) => assert!(m.is_in(name)),
                other => panic!("member {id:?} of {name} is {other:?}"),
            }
        }
    }
}
