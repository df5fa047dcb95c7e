//! PROTOCOL.md section 5.6: disconnects (mid-frame, reset) and shutdown on
//! SIGTERM / SIGINT.

use std::path::Path;
use std::time::Duration;

use chat::protocol::{ClientMsg, ErrorCode, ServerMsg};

use crate::util::{encode_framed, Server};

pub fn close_mid_frame_is_a_plain_disconnect(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut conns = server.login_all(&["stay", "cut"]);
    // Half a Say, then close: no Error is owed, others see Left.
    let bytes = encode_framed(&ClientMsg::say("lobby", "never finished"));
    conns[1].send_raw(&bytes[..bytes.len() / 2]);
    conns[1].shutdown_write();
    conns[1].expect_eof();
    conns[0].expect(ServerMsg::left("lobby", "cut"));
    conns[0].expect_quiet();
    // Half a header.
    let mut c = server.login("cut");
    conns[0].expect(ServerMsg::joined("lobby", "cut"));
    c.send_raw(&[0, 0]);
    drop(c);
    conns[0].expect(ServerMsg::left("lobby", "cut"));
    // Before Hello: nothing to tell anyone.
    let mut c = server.connect();
    c.send_raw(&encode_framed(&ClientMsg::hello("pre"))[..5]);
    drop(c);
    conns[0].expect_quiet();
    let _again = server.login("cut");
    conns[0].expect(ServerMsg::joined("lobby", "cut"));
}

pub fn reset_is_a_disconnect(bin: &Path) {
    let server = Server::start(bin, &[]);
    let mut stay = server.login("stay");
    stay.join("side", "stay");
    for (round, how) in ["SO_LINGER 0", "unread input", "mid-frame"]
        .iter()
        .enumerate()
    {
        let nick = format!("reset{round}");
        let mut c = server.login(&nick);
        stay.expect(ServerMsg::joined("lobby", &nick));
        c.join("side", &nick);
        stay.expect(ServerMsg::joined("side", &nick));
        match round {
            // SO_LINGER with a zero timeout: close sends RST.
            0 => c.reset(),
            // Closing a socket with unread input also makes the kernel send
            // RST instead of FIN: leave a Pong unread, then close.
            1 => {
                c.send(&ClientMsg::Ping { nonce: 1 });
                let mut probe = [0u8; 1];
                c.stream.peek(&mut probe).expect("the Pong arrives");
                drop(c);
            }
            // A reset in the middle of a frame.
            _ => {
                c.send_raw(&encode_framed(&ClientMsg::say("side", "cut short"))[..7]);
                c.reset();
            }
        }
        let mut got = vec![stay.recv(), stay.recv()];
        got.sort_by_key(|m| format!("{m:?}"));
        assert_eq!(
            got,
            vec![
                ServerMsg::left("lobby", &nick),
                ServerMsg::left("side", &nick)
            ],
            "after a reset by {how}"
        );
        stay.expect_quiet();
        // The server carries on, and the nick is free.
        let again = server.login(&nick);
        stay.expect(ServerMsg::joined("lobby", &nick));
        drop(again);
        stay.expect(ServerMsg::left("lobby", &nick));
    }
}

fn shutdown_on(bin: &Path, signal: &str) {
    let mut server = Server::start(bin, &[]);
    let mut welcomed = server.login_all(&["a", "b"]);
    welcomed[1].join("side", "b");
    // One connection refused a Hello, one that only connected. Logging in
    // `c` afterwards shows that the server has accepted both (accept order
    // is connection order).
    let mut refused = server.connect();
    refused.send(&ClientMsg::hello("bad nick"));
    refused.expect_error(ErrorCode::BadNick);
    let silent = server.connect();
    let c = server.login("c");
    welcomed[0].expect(ServerMsg::joined("lobby", "c"));
    welcomed[1].expect(ServerMsg::joined("lobby", "c"));
    welcomed.push(c);
    // A frame cut in half must not delay anything.
    welcomed[2].send_raw(&encode_framed(&ClientMsg::say("lobby", "unfinished"))[..6]);

    server.signal(signal);
    let mut everyone = welcomed;
    everyone.push(refused);
    everyone.push(silent);
    for (i, conn) in everyone.iter_mut().enumerate() {
        match conn.recv() {
            ServerMsg::Error {
                code: ErrorCode::ShuttingDown,
                ..
            } => {}
            other => {
                panic!("connection {i}: expected Error ShuttingDown (and no Left), got {other:?}")
            }
        }
        conn.expect_eof();
    }
    let status = server.wait_exit(Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIG{signal}{}",
        server.stderr_note()
    );
}

pub fn sigterm_shuts_down_every_connection(bin: &Path) {
    shutdown_on(bin, "TERM");
}

pub fn sigint_shuts_down_too(bin: &Path) {
    shutdown_on(bin, "INT");
}

pub fn shutdown_is_not_held_up_by_a_client_that_never_reads(bin: &Path) {
    // A writer blocked on a client that stopped reading must not stop the
    // others from getting ShuttingDown, nor the server from exiting.
    // (--max-outbound is large so that the stuck client is not dropped.)
    let mut server = Server::start(bin, &["--max-outbound", "268435456"]);
    let mut calm = server.login("calm");
    let mut conns = server.login_all(&["flood", "stuck"]);
    for c in &mut conns {
        c.sync();
    }
    calm.sync();
    crate::util::join_all(&mut conns, &["flood", "stuck"], "deep");
    // 10 MB for `stuck`: more than the kernel's socket buffers hold for a
    // peer that does not read (its receive buffer does not grow).
    let text = "s".repeat(4000);
    let flood: Vec<ClientMsg> = (0..2500).map(|_| ClientMsg::say("deep", &text)).collect();
    conns[0].send_all(&flood);
    let echoes = conns[0].sync();
    assert_eq!(echoes.len(), flood.len());
    calm.sync();

    server.signal("TERM");
    for (who, conn) in [("calm", &mut calm), ("flood", &mut conns[0])] {
        match conn.recv() {
            ServerMsg::Error {
                code: ErrorCode::ShuttingDown,
                ..
            } => {}
            other => panic!("{who}: expected Error ShuttingDown, got {other:?}"),
        }
        conn.expect_eof();
    }
    let status = server.wait_exit(Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status{}",
        server.stderr_note()
    );
}
