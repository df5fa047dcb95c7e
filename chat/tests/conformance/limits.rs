//! PROTOCOL.md section 5.5: the outbound limit (`SlowConsumer`), the
//! connection limit (`ServerFull`) and the hello timeout (`HelloTimeout`),
//! each with a small limit passed on the command line.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat::protocol::{ClientMsg, ErrorCode, ServerMsg, SERVER_MAX_FRAME};

use crate::util::{long_name, Closed, Conn, Server, IO_TIMEOUT};

/// Longest flood before the test gives up on the slow consumer being dropped.
const MAX_FLOOD_BYTES: usize = 48 << 20;

pub fn slow_consumer_is_dropped_others_miss_nothing(bin: &Path) {
    let server = Server::start(bin, &["--max-outbound", "65536"]);
    let mut conns = server.login_all(&["flooder", "reader", "slow"]);
    crate::util::join_all(&mut conns, &["flooder", "reader", "slow"], "flood");
    let mut slow = conns.pop().unwrap();
    let mut reader = conns.pop().unwrap();
    let mut flooder = conns.pop().unwrap();

    // The reader reads everything on its own thread until the final "done",
    // reporting each seq so that the flooder never gets far ahead of it (a
    // reader that falls behind by more than the limit is a slow consumer too).
    let (progress, reader_at) = std::sync::mpsc::channel();
    let reading = std::thread::spawn(move || {
        let mut seen = Vec::new();
        loop {
            let m = reader.recv();
            let done = matches!(&m, ServerMsg::Message { text, .. } if text == "done");
            if let ServerMsg::Message { seq, .. } = &m {
                let _ = progress.send(*seq);
            }
            seen.push(m);
            if done {
                return (reader, seen);
            }
        }
    });

    // The flooder posts 4 KiB texts in batches of 8 and reads its echoes,
    // until it sees the slow client leave.
    let text = "f".repeat(4000);
    let batch: Vec<ClientMsg> = (0..8).map(|_| ClientMsg::say("flood", &text)).collect();
    let mut sent = 0usize;
    let mut flooder_seen = Vec::new();
    let mut slow_gone = false;
    while !slow_gone {
        assert!(
            sent * text.len() < MAX_FLOOD_BYTES,
            "a client that never reads was not dropped after {sent} messages{}",
            server.stderr_note()
        );
        flooder.send_all(&batch);
        sent += batch.len();
        let mut echoes = 0;
        while echoes < batch.len() {
            let m = flooder.recv();
            match &m {
                ServerMsg::Message { .. } => echoes += 1,
                ServerMsg::Left { room, nick } if room == "flood" && nick == "slow" => {
                    slow_gone = true
                }
                _ => {}
            }
            flooder_seen.push(m);
        }
        loop {
            match reader_at.recv_timeout(crate::util::IO_TIMEOUT) {
                Ok(seq) if seq >= sent as u64 => break,
                Ok(_) => {}
                Err(e) => panic!("the reader stopped reading: {e}"),
            }
        }
    }
    eprintln!(
        "slow consumer dropped after {sent} messages of {} bytes",
        text.len()
    );
    flooder.send(&ClientMsg::say("flood", "done"));
    loop {
        let m = flooder.recv();
        let done = matches!(&m, ServerMsg::Message { text, .. } if text == "done");
        flooder_seen.push(m);
        if done {
            break;
        }
    }
    let (mut reader, mut reader_seen) = reading.join().expect("reader thread");
    // In one process the slow client leaves both rooms at once, before
    // "done"; in a cluster its Left from the lobby (another room, so
    // another order) may come after "done": wait for what is owed, and
    // let nothing else in.
    for (who, c, seen) in [
        ("flooder", &mut flooder, &mut flooder_seen),
        ("reader", &mut reader, &mut reader_seen),
    ] {
        let late = c.sync();
        assert!(
            late.iter()
                .all(|m| matches!(m, ServerMsg::Left { nick, .. } if nick == "slow")),
            "the {who} got more than the slow client's Left after \"done\": {late:?}"
        );
        seen.extend(late);
    }

    for (who, seen) in [("flooder", &flooder_seen), ("reader", &reader_seen)] {
        let seqs: Vec<u64> = seen
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Message { room, seq, .. } if room == "flood" => Some(*seq),
                _ => None,
            })
            .collect();
        let all: Vec<u64> = (1..=sent as u64 + 1).collect();
        assert_eq!(seqs, all, "the {who} missed messages");
        let lefts: Vec<&ServerMsg> = seen
            .iter()
            .filter(|m| matches!(m, ServerMsg::Left { .. }))
            .collect();
        assert_eq!(
            lefts.len(),
            2,
            "the {who} sees the slow client leave flood and lobby once: {lefts:?}"
        );
        assert!(
            lefts.contains(&&ServerMsg::left("flood", "slow"))
                && lefts.contains(&&ServerMsg::left("lobby", "slow"))
        );
    }
    reader.expect_quiet();
    flooder.expect_quiet();

    // Whatever reached the slow client is well formed: Messages, then at
    // most an Error SlowConsumer, then the end of the stream.
    slow.set_read_timeout(Duration::from_secs(10));
    let mut last = None;
    loop {
        match slow.try_recv_payload() {
            Ok(p) => {
                let m = crate::util::decode(&p);
                assert!(
                    !matches!(last, Some(ServerMsg::Error { .. })),
                    "the slow client got {m:?} after its Error"
                );
                match &m {
                    ServerMsg::Message { .. } => {}
                    ServerMsg::Error {
                        code: ErrorCode::SlowConsumer,
                        ..
                    } => {}
                    other => panic!("the slow client got {other:?}"),
                }
                last = Some(m);
            }
            Err(Closed::Eof) | Err(Closed::Cut) => break,
            Err(Closed::Io(e)) => panic!("the slow client's connection was not closed: {e}"),
        }
    }
    // Its nick is free again.
    let _again = server.login("slow");
}

pub fn large_reply_into_empty_queue_is_delivered(bin: &Path) {
    // A frame is always accepted into an empty queue: a listing larger than
    // --max-outbound reaches a client that reads.
    let server = Server::start(bin, &["--max-outbound", "512"]);
    let mut c = server.login("lister");
    let mut names = vec!["lobby".to_string()];
    for i in 0..31 {
        let name = format!("{}{i:02}", long_name(30)).to_ascii_lowercase();
        c.join(&name, "lister");
        names.push(name);
    }
    names.sort();
    c.send(&ClientMsg::ListRooms);
    let payload = c.recv_payload();
    assert!(payload.len() > 512, "the listing should exceed the limit");
    match crate::util::decode(&payload) {
        ServerMsg::Rooms { rooms } => {
            let got: Vec<&str> = rooms.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(got, names);
            assert!(rooms.iter().all(|r| r.members == 1));
        }
        other => panic!("expected Rooms, got {other:?}"),
    }
    c.expect_quiet();
}

pub fn rooms_listing_is_cut_to_one_frame(bin: &Path) {
    // A `Rooms` reply that would pass 1 MiB lists only the first rooms, in
    // name order, that fit (section 5.3). Each room's entry is at most
    // 1 + 32 + 1 bytes (one member), so it takes 30 841 rooms: 964 clients
    // in 32 rooms each, out of the lobby. (A `Users` reply that big needs
    // about 31 800 connections in one room, which a test cannot afford;
    // the hub's unit tests cover that cut.)
    const CLIENTS: usize = 965;
    const NAME: usize = 32;
    let _ = sys::rlimit::raise_nofile_limit();
    let server = Server::start(bin, &[]);
    let room = |client: usize, k: usize| format!("{:0>width$}", client * 32 + k, width = NAME);
    let mut conns: Vec<Conn> = (0..CLIENTS).map(|_| server.connect()).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        let mut msgs = vec![
            ClientMsg::hello(&format!("c{i}")),
            ClientMsg::Leave {
                room: "lobby".into(),
            },
        ];
        msgs.extend((0..32).map(|k| ClientMsg::Join { room: room(i, k) }));
        c.send_all(&msgs);
    }
    // Every Join is done once each client's Pong is back.
    for c in &mut conns {
        c.sync();
    }
    let mut names: Vec<String> = (0..CLIENTS * 32).map(|n| room(n / 32, n % 32)).collect();
    names.sort();
    let entry = 1 + NAME + 1;
    // Variant, a 3-byte count, then the entries.
    let fit = (SERVER_MAX_FRAME as usize - 1 - 3) / entry;
    assert!(fit < names.len(), "the test needs more rooms than fit");
    conns[0].send(&ClientMsg::ListRooms);
    let payload = conns[0].recv_payload();
    assert!(payload.len() <= SERVER_MAX_FRAME as usize);
    match crate::util::decode(&payload) {
        ServerMsg::Rooms { rooms } => {
            let got: Vec<&str> = rooms.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(got.len(), fit, "as many rooms as fit in 1 MiB");
            assert!(
                got.iter().zip(&names).all(|(g, n)| g == n),
                "the first rooms in name order"
            );
            assert!(rooms.iter().all(|r| r.members == 1));
        }
        other => panic!("expected Rooms, got {other:?}"),
    }
    conns[0].expect_quiet();
}

pub fn connection_limit_counts_connections_before_hello(bin: &Path) {
    let server = Server::start(bin, &["--max-conns", "2"]);
    // One connection that never says Hello, one welcomed client.
    let mut silent = server.connect();
    let mut two = server.login("two");
    // The third and fourth get ServerFull and are closed.
    for _ in 0..2 {
        let mut extra = server.connect();
        extra.expect_fatal(ErrorCode::ServerFull);
    }
    // A refused connection's Hello is never processed.
    let mut refused = server.connect();
    refused.send_raw_lossy(&crate::util::encode_framed(&ClientMsg::hello("ghost")));
    refused.expect_fatal(ErrorCode::ServerFull);
    two.expect_quiet();
    // The silent one leaves: its slot becomes free (the server may take a
    // moment to notice, so retry a bounded number of times).
    silent.send(&ClientMsg::Bye);
    silent.expect_eof();
    let mut attempts = 0;
    let mut three = loop {
        let mut c = server.connect();
        c.send_raw_lossy(&crate::util::encode_framed(&ClientMsg::hello("three")));
        match c.recv() {
            ServerMsg::Welcome { .. } => break c,
            ServerMsg::Error {
                code: ErrorCode::ServerFull,
                ..
            } if attempts < 200 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => panic!("expected Welcome once a slot is free, got {other:?}"),
        }
    };
    three.expect(ServerMsg::joined("lobby", "three"));
    two.expect(ServerMsg::joined("lobby", "three"));
    // Full again.
    let mut extra = server.connect();
    extra.expect_fatal(ErrorCode::ServerFull);
    three.expect_quiet();
}

pub fn hello_timeout(bin: &Path) {
    let server = Server::start(bin, &["--hello-timeout-ms", "200"]);
    let mut welcomed = server.login("early");
    // Silent: HelloTimeout, then the close.
    let mut silent = server.connect();
    // A refused Hello does not stop the clock.
    let mut refused = server.connect();
    refused.send(&ClientMsg::hello("bad nick"));
    refused.expect_error(ErrorCode::BadNick);
    // Nor does half a frame.
    let mut partial = server.connect();
    let bytes = crate::util::encode_framed(&ClientMsg::hello("partial"));
    partial.send_raw(&bytes[..bytes.len() - 2]);
    for c in [&mut silent, &mut refused, &mut partial] {
        c.expect_fatal(ErrorCode::HelloTimeout);
    }
    // The welcomed client, connected for longer than the timeout, stays.
    welcomed.expect_quiet();
    welcomed.send(&ClientMsg::ListUsers {
        room: "lobby".into(),
    });
    welcomed.expect(ServerMsg::Users {
        room: "lobby".into(),
        nicks: vec!["early".into()],
    });
}

pub fn refused_hellos_do_not_delay_the_hello_timeout(bin: &Path) {
    // The deadline runs from connecting, however busy the connection is: a
    // client that keeps sending refused Hellos (non-fatal) without pause
    // still gets HelloTimeout. A server that checks the deadline only when
    // a read waits in vain never does.
    const TIMEOUT_MS: u64 = 100;
    // (A large --max-outbound: the replies must not make it a slow consumer.)
    let server = Server::start(
        bin,
        &[
            "--hello-timeout-ms",
            &TIMEOUT_MS.to_string(),
            "--max-outbound",
            "67108864",
        ],
    );
    let mut c = server.connect();
    let ended = Arc::new(AtomicBool::new(false));
    let mut replies = Conn::from_stream(c.stream.try_clone().expect("cloning the socket"));
    let reading = {
        let ended = ended.clone();
        std::thread::spawn(move || {
            let mut refused = 0u64;
            // BadNick for each Hello read before the deadline, then
            // HelloTimeout and the close. The close comes with unread
            // input (the flood), so the kernel may reset the connection
            // and lose the last frames: a best-effort Error (section 4).
            let ending = loop {
                match replies.try_recv_payload() {
                    Ok(p) => match crate::util::decode(&p) {
                        ServerMsg::Error {
                            code: ErrorCode::BadNick,
                            ..
                        } => refused += 1,
                        ServerMsg::Error {
                            code: ErrorCode::HelloTimeout,
                            ..
                        } => {}
                        other => panic!("expected BadNick or HelloTimeout, got {other:?}"),
                    },
                    Err(Closed::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        panic!("the server neither answered nor closed within {IO_TIMEOUT:?}")
                    }
                    Err(closed) => break closed,
                }
            };
            ended.store(true, Ordering::SeqCst);
            (refused, ending)
        })
    };
    // Refused Hellos, 8 to a write, without pause: the server always has
    // the next ones waiting when it reads.
    let mut batch = Vec::new();
    for _ in 0..8 {
        batch.extend_from_slice(&crate::util::encode_framed(&ClientMsg::hello("bad nick")));
    }
    let limit = Duration::from_millis(TIMEOUT_MS * 50);
    let start = Instant::now();
    while !ended.load(Ordering::SeqCst) && start.elapsed() < limit {
        c.send_raw_lossy(&batch);
    }
    let flooded_for = start.elapsed();
    let closed_in_time = ended.load(Ordering::SeqCst);
    let (refused, ending) = reading.join().expect("reader thread");
    assert!(
        closed_in_time,
        "still open after {flooded_for:?} of refused Hellos ({refused} of them) \
         with --hello-timeout-ms {TIMEOUT_MS} (then {ending:?}){}",
        server.stderr_note()
    );
}

pub fn descriptor_exhaustion_does_not_stop_service(bin: &Path) {
    // With 64 descriptors, 80 connections exhaust the server (EMFILE on
    // accept); the rest wait in the listen backlog.
    let mut server = Server::start_with_fd_limit(bin, 64, &[]);
    let mut early = server.login("early");
    let crowd: Vec<crate::util::Conn> = (0..80).map(|_| server.connect()).collect();
    // The connections it has are served as usual...
    early.expect_quiet();
    early.send(&ClientMsg::Join {
        room: "still".into(),
    });
    early.expect(ServerMsg::joined("still", "early"));
    // ...and it does not spin on the failing accept: over half a second it
    // uses far less than half a second of CPU (a spinning loop would use
    // all of it, less what a busy machine takes away).
    if let Some(before) = server.cpu_time() {
        std::thread::sleep(Duration::from_millis(500));
        let used = server.cpu_time().unwrap() - before;
        assert!(
            used < Duration::from_millis(250),
            "the server used {used:?} of CPU while out of descriptors"
        );
    }
    early.expect_quiet();
    server.assert_alive();
    // Once descriptors are free again, new clients get in.
    drop(crowd);
    let mut late = server.login("late");
    early.expect(ServerMsg::joined("lobby", "late"));
    late.expect_quiet();
}

/// Clients that never read, dropped in one pass: each one's
/// `Error{SlowConsumer}` is the last frame it gets, although the others'
/// departures (`Left`) are broadcast in the same pass (PROTOCOL.md 5.5,
/// 5.6: a fatal error is the last frame; a closing connection receives
/// nothing more).
fn non_readers_get_their_error_last(bin: &Path, non_readers: usize) {
    let server = Server::start(bin, &["--max-outbound", "65536"]);
    let nicks: Vec<String> = (0..non_readers).map(|i| format!("mute{i}")).collect();
    let mut all: Vec<&str> = vec!["talker"];
    all.extend(nicks.iter().map(String::as_str));
    let mut conns = server.login_all(&all);
    crate::util::join_all(&mut conns, &all, "flood");
    let mut mutes: Vec<Option<Conn>> = conns.split_off(1).into_iter().map(Some).collect();
    let mut talker = conns.pop().unwrap();

    // The talker floods the room, reading everything it gets, until it has
    // seen every non-reader leave it. Each non-reader starts to drain its
    // socket as soon as the talker sees it leave: the server flushes a
    // dropped client's last frames only while it lingers (a couple of
    // seconds), and in a cluster the non-readers on different nodes are
    // dropped at different times.
    let text = "f".repeat(4000);
    let batch: Vec<ClientMsg> = (0..8).map(|_| ClientMsg::say("flood", &text)).collect();
    let streams = std::thread::scope(|scope| {
        let mut readers: Vec<Option<std::thread::ScopedJoinHandle<'_, Vec<ServerMsg>>>> =
            (0..non_readers).map(|_| None).collect();
        let mut gone = 0;
        let mut sent = 0usize;
        while gone < non_readers {
            assert!(
                sent * text.len() < MAX_FLOOD_BYTES,
                "clients that never read were not dropped after {sent} messages{}",
                server.stderr_note()
            );
            talker.send_all(&batch);
            sent += batch.len();
            let mut echoes = 0;
            while echoes < batch.len() {
                match talker.recv() {
                    ServerMsg::Message { .. } => echoes += 1,
                    ServerMsg::Left { room, nick } if room == "flood" => {
                        gone += 1;
                        let Some(i) = nicks.iter().position(|n| *n == nick) else {
                            continue;
                        };
                        if let Some(mute) = mutes[i].take() {
                            let nick = nicks[i].clone();
                            readers[i] = Some(scope.spawn(move || drain(mute, &nick)));
                        }
                    }
                    _ => {}
                }
            }
        }
        let streams: Vec<Vec<ServerMsg>> = readers
            .into_iter()
            .zip(&nicks)
            .map(|(reader, nick)| {
                let reader = reader.unwrap_or_else(|| panic!("{nick} never left"));
                reader.join().unwrap()
            })
            .collect();
        streams
    });
    for (nick, frames) in nicks.iter().zip(&streams) {
        let tail = &frames[frames.len().saturating_sub(3)..];
        assert!(
            matches!(
                frames.last(),
                Some(ServerMsg::Error {
                    code: ErrorCode::SlowConsumer,
                    ..
                })
            ),
            "{nick}, one of {non_readers} dropped together, did not get SlowConsumer last: \
             the last frames were {tail:?}"
        );
    }
}

/// Reads `conn` until the server closes it.
fn drain(mut conn: Conn, nick: &str) -> Vec<ServerMsg> {
    conn.set_read_timeout(Duration::from_secs(10));
    let mut frames = Vec::new();
    loop {
        match conn.try_recv_payload() {
            Ok(p) => frames.push(crate::util::decode(&p)),
            Err(Closed::Eof) | Err(Closed::Cut) => return frames,
            Err(Closed::Io(e)) => panic!("{nick}'s connection was not closed: {e}"),
        }
    }
}

pub fn two_non_readers_get_their_error_last(bin: &Path) {
    non_readers_get_their_error_last(bin, 2);
}

pub fn ten_non_readers_get_their_error_last(bin: &Path) {
    non_readers_get_their_error_last(bin, 10);
}

/// A refused client that sends its `Hello` and half-closes at once (as
/// `printf ... | nc -N` does): it gets `ServerFull`, and the server goes on
/// serving the others (its EOF, read before its refusal is flushed, must
/// not make the server read that socket forever).
pub fn a_refused_client_that_half_closes_does_not_stop_the_server(bin: &Path) {
    let server = Server::start(bin, &["--max-conns", "1"]);
    let mut first = server.login("first");
    for _ in 0..5 {
        let mut refused = server.connect();
        refused.send_raw_lossy(&crate::util::encode_framed(&ClientMsg::hello("ghost")));
        let _ = refused.stream.shutdown(std::net::Shutdown::Write);
        refused.expect_fatal(ErrorCode::ServerFull);
    }
    first.expect_quiet();
}
