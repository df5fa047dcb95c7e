//! PROTOCOL.md section 5.2 (session start) and the state rules of section 4:
//! `Unexpected`, `VersionUnsupported`, non-fatal `BadNick`/`NickTaken`, `Bye`.

use std::path::Path;

use chat::protocol::{ClientMsg, ErrorCode, ServerMsg};

use crate::util::{message_parts, Server};

pub fn welcome_then_lobby_history_then_joined(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut first = server.connect();
    first.send(&ClientMsg::hello("first"));
    first.expect_welcome("first");
    first.expect(ServerMsg::joined("lobby", "first"));
    let m1 = first.say("lobby", "one");
    let m2 = first.say("lobby", "two");
    // The second client: Welcome, the lobby's history, then Joined, exactly
    // as a Join { lobby } would; the first sees Joined only.
    let mut second = server.connect();
    second.send(&ClientMsg::hello("second"));
    second.expect_welcome("second");
    assert_eq!(second.recv(), m1);
    assert_eq!(second.recv(), m2);
    second.expect(ServerMsg::joined("lobby", "second"));
    second.expect_quiet();
    first.expect(ServerMsg::joined("lobby", "second"));
    first.expect_quiet();
    // So two clients that only connect and talk reach each other.
    second.send(&ClientMsg::say("lobby", "hi first"));
    for c in [&mut first, &mut second] {
        assert_eq!(message_parts(&c.recv()), ("lobby", "second", "hi first", 3));
    }
}

pub fn requests_before_welcome_are_unexpected(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut watcher = server.login("watcher");
    let requests = [
        ClientMsg::say("lobby", "hi"),
        ClientMsg::Join { room: "r".into() },
        ClientMsg::Leave {
            room: "lobby".into(),
        },
        ClientMsg::Whisper {
            to: "watcher".into(),
            text: "psst".into(),
        },
        ClientMsg::Nick {
            nick: "sneaky".into(),
        },
        ClientMsg::ListRooms,
        ClientMsg::ListUsers {
            room: "lobby".into(),
        },
        ClientMsg::Ping { nonce: 1 },
    ];
    for msg in &requests {
        let mut c = server.connect();
        c.send(msg);
        match c.recv() {
            ServerMsg::Error {
                code: ErrorCode::Unexpected,
                ..
            } => {}
            other => panic!("{msg:?} before Hello: expected Unexpected, got {other:?}"),
        }
        c.expect_eof();
        // Also after a refused Hello: still no Welcome.
        let mut c = server.connect();
        c.send(&ClientMsg::hello("bad nick"));
        c.expect_error(ErrorCode::BadNick);
        c.send(msg);
        match c.recv() {
            ServerMsg::Error {
                code: ErrorCode::Unexpected,
                ..
            } => {}
            other => panic!("{msg:?} after BadNick: expected Unexpected, got {other:?}"),
        }
        c.expect_eof();
    }
    // Nothing reached the welcomed client.
    watcher.expect_quiet();
}

pub fn hello_after_welcome_is_unexpected(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["watcher", "twice"]);
    conns[1].send(&ClientMsg::hello("again"));
    conns[1].expect_fatal(ErrorCode::Unexpected);
    conns[0].expect(ServerMsg::left("lobby", "twice"));
    // The same nick again is no better.
    let mut c = server.login("thrice");
    conns[0].expect(ServerMsg::joined("lobby", "thrice"));
    c.send(&ClientMsg::hello("thrice"));
    c.expect_fatal(ErrorCode::Unexpected);
    conns[0].expect(ServerMsg::left("lobby", "thrice"));
    // A reading (section 4 could be read both ways): the state decides
    // before any field is looked at, so a second Hello with another
    // version is Unexpected, not VersionUnsupported (see hub/machine.rs).
    let mut c = server.login("fourth");
    conns[0].expect(ServerMsg::joined("lobby", "fourth"));
    c.send(&ClientMsg::Hello {
        version: 2,
        nick: "fourth".into(),
    });
    c.expect_fatal(ErrorCode::Unexpected);
    conns[0].expect(ServerMsg::left("lobby", "fourth"));
    conns[0].expect_quiet();
}

pub fn version_other_than_one_is_unsupported(bin: &Path) {
    let server = Server::start(bin, &[]);
    for version in [0u32, 2, 0x7fff_ffff, u32::MAX] {
        let mut c = server.connect();
        c.send(&ClientMsg::Hello {
            version,
            nick: "bob".into(),
        });
        c.expect_fatal(ErrorCode::VersionUnsupported);
    }
    // The version is checked before the nick (section 4 precedence)...
    let mut c = server.connect();
    c.send(&ClientMsg::Hello {
        version: 2,
        nick: "bad nick".into(),
    });
    c.expect_fatal(ErrorCode::VersionUnsupported);
    // ...also before the nick's uniqueness...
    let _bob = server.login("bob");
    let mut c = server.connect();
    c.send(&ClientMsg::Hello {
        version: 2,
        nick: "bob".into(),
    });
    c.expect_fatal(ErrorCode::VersionUnsupported);
    // ...and after a refused Hello, a wrong version is still fatal.
    let mut c = server.connect();
    c.send(&ClientMsg::hello("bob"));
    c.expect_error(ErrorCode::NickTaken);
    c.send(&ClientMsg::Hello {
        version: 3,
        nick: "carol".into(),
    });
    c.expect_fatal(ErrorCode::VersionUnsupported);
}

pub fn refused_hello_may_be_retried(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut taken = server.login("taken");
    let mut c = server.connect();
    c.send(&ClientMsg::hello("no spaces"));
    c.expect_error(ErrorCode::BadNick);
    c.send(&ClientMsg::hello("TAKEN"));
    c.expect_error(ErrorCode::NickTaken);
    c.send(&ClientMsg::hello(""));
    c.expect_error(ErrorCode::BadNick);
    c.login("retried");
    taken.expect(ServerMsg::joined("lobby", "retried"));
    // Bye after a refused Hello closes quietly.
    let mut d = server.connect();
    d.send(&ClientMsg::hello("taken"));
    d.expect_error(ErrorCode::NickTaken);
    d.send(&ClientMsg::Bye);
    d.expect_eof();
    taken.expect_quiet();
}

pub fn bye_before_hello_closes_silently(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut watcher = server.login("watcher");
    let mut c = server.connect();
    c.send(&ClientMsg::Bye);
    c.expect_eof();
    watcher.expect_quiet();
}

pub fn bye_after_welcome_closes_silently(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["stay", "leaver"]);
    crate::util::join_all(&mut conns, &["stay", "leaver"], "side");
    // Requests pipelined after Bye are never answered.
    conns[1].send_all(&[ClientMsg::Bye, ClientMsg::Ping { nonce: 1 }]);
    conns[1].expect_eof();
    let mut got = vec![conns[0].recv(), conns[0].recv()];
    got.sort_by_key(|m| format!("{m:?}"));
    assert_eq!(
        got,
        vec![
            ServerMsg::left("lobby", "leaver"),
            ServerMsg::left("side", "leaver")
        ]
    );
    conns[0].expect_quiet();
    // The nick is free again.
    let _again = server.login("leaver");
    conns[0].expect(ServerMsg::joined("lobby", "leaver"));
}

pub fn replies_before_bye_or_a_fatal_error_still_arrive(bin: &Path) {
    // Only what comes *after* Bye goes unanswered (section 5.6), and a
    // fatal error is sent after the replies it follows (section 4): the
    // replies to requests pipelined before either are not discarded.
    let server = Server::start(bin, &[]);
    let mut watcher = server.login("watcher");
    let mut c = server.login("piper");
    watcher.expect(ServerMsg::joined("lobby", "piper"));
    c.send_all(&[
        ClientMsg::Ping { nonce: 1 },
        ClientMsg::say("lobby", "last words"),
        ClientMsg::Bye,
    ]);
    c.expect(ServerMsg::Pong { nonce: 1 });
    assert_eq!(
        message_parts(&c.recv()),
        ("lobby", "piper", "last words", 1)
    );
    c.expect_eof();
    assert_eq!(
        message_parts(&watcher.recv()),
        ("lobby", "piper", "last words", 1)
    );
    watcher.expect(ServerMsg::left("lobby", "piper"));

    let mut c = server.login("broken");
    watcher.expect(ServerMsg::joined("lobby", "broken"));
    let mut bytes = crate::util::encode_framed(&ClientMsg::Ping { nonce: 2 });
    bytes.extend_from_slice(&crate::util::encode_framed(&ClientMsg::Join {
        room: "r".into(),
    }));
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    c.send_raw(&bytes);
    c.expect(ServerMsg::Pong { nonce: 2 });
    c.expect(ServerMsg::joined("r", "broken"));
    c.expect_fatal(ErrorCode::Malformed);
    watcher.expect(ServerMsg::left("lobby", "broken"));
    watcher.expect_quiet();
}

/// How long the test watches for the server's reset. The servers linger
/// for 2 s after a fatal error; after `Bye` they close at once, so the
/// reset comes within a round trip. Half the linger keeps the two apart
/// on the busiest machine.
const RESET_WATCH: std::time::Duration = std::time::Duration::from_millis(1000);

/// Writes a byte every few milliseconds for up to `RESET_WATCH`; returns
/// whether a write failed (the server's socket is closed, so its kernel
/// answered the first byte with a reset).
fn writes_are_reset(conn: &mut crate::util::Conn) -> bool {
    use std::io::Write;
    let start = std::time::Instant::now();
    while start.elapsed() < RESET_WATCH {
        if conn.stream.write_all(b"x").is_err() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    false
}

/// The after-`Bye` rule, the same on this package's three servers (a
/// policy of `chat::server::lifecycle`, which PROTOCOL.md leaves to the
/// server; see `close_policy` in `main.rs`): the client sends
/// nothing after `Bye`, so once the frames queued before it are written
/// the server closes the socket outright, with no lingering close; bytes
/// the client sends anyway meet a closed socket (a reset). After a fatal
/// error, by contrast, the server lingers: it reads and discards what the
/// peer still sends, so that a reset cannot destroy the `Error` frame.
pub fn bye_closes_at_once_a_fatal_error_lingers(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut leaver = server.login("leaver");
    leaver.send(&ClientMsg::Bye);
    leaver.expect_eof();
    assert!(
        writes_are_reset(&mut leaver),
        "the server kept the connection open after Bye (a lingering close){}",
        server.stderr_note()
    );

    let mut rude = server.login("rude");
    rude.send(&ClientMsg::hello("again"));
    rude.expect_fatal(ErrorCode::Unexpected);
    assert!(
        !writes_are_reset(&mut rude),
        "the server closed outright after a fatal error instead of lingering"
    );
}
