//! Cluster mode under faults: `--redis` nodes sharing a private
//! `redis-server`, with a node killed, Redis restarted, Redis gone for
//! good, Redis unreachable at start, and a `Say` whose reply is lost; for
//! `event_server` and for `async_server` ([`fault_tests!`]).
//!
//! Every process is started on a free loopback port and found from its
//! `listening on` line (Redis from its log), and killed by pid when its
//! guard drops. Nothing is timed: every wait is for a condition, with a
//! generous guard ([`GUARD`]) so that a broken node fails the test
//! instead of hanging it.

#[allow(dead_code)]
#[path = "conformance/cluster.rs"]
mod cluster;
#[path = "redis/mod.rs"]
mod redis;
#[allow(dead_code)]
#[path = "conformance/util.rs"]
mod util;

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chat::protocol::{ClientMsg, ErrorCode, ServerMsg, LOBBY};
use redis::Redis;
use util::{join_all, leave_skipping, Conn, Server};

/// The bound on any wait for the cluster to do something: far above the
/// few seconds a node needs (a dead node is reaped within about 5 s), so
/// that only a node that never does it fails.
const GUARD: Duration = Duration::from_secs(20);

/// Instantiates every fault test as module `$name`, for the server
/// binary `$bin`.
macro_rules! fault_tests {
    ($name:ident, $bin:expr) => {
        mod $name {
            fault_tests!(@tests $bin,
                a_node_killed_with_sigkill_is_reaped_by_the_others,
                a_node_stalled_past_its_ttl_is_reaped_then_announces_its_users_again,
                redis_restarted_under_traffic_keeps_every_order,
                redis_that_never_comes_back_shuts_clients_down_after_the_grace,
                redis_unreachable_at_start_is_one_line_and_status_1,
                a_say_whose_reply_is_lost_closes_its_sender_only,
            );
        }
    };
    (@tests $bin:expr, $($test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                crate::$test(std::path::Path::new($bin));
            }
        )*
    };
}

fault_tests!(event_server, env!("CARGO_BIN_EXE_event_server"));
fault_tests!(async_server, env!("CARGO_BIN_EXE_async_server"));

/// A node of `bin` with id `id` on Redis at `redis`, plus `extra` flags.
fn node(bin: &Path, redis: SocketAddr, id: &str, extra: &[&str]) -> Server {
    let redis = redis.to_string();
    let mut args = vec!["--addr", "127.0.0.1:0", "--redis", &redis, "--node-id", id];
    args.extend_from_slice(extra);
    Server::start_raw(bin, &args)
}

/// Logs in each `(node, nick)` in turn; the earlier clients see each later
/// `Joined` in the lobby (however far it travels), so every stream is quiet.
fn login_all_at(who: &[(&Server, &str)]) -> Vec<Conn> {
    let mut conns: Vec<Conn> = Vec::new();
    for (server, nick) in who {
        let mut c = Conn::connect(server.addr);
        c.login(nick);
        for earlier in &mut conns {
            earlier.expect(ServerMsg::joined(LOBBY, nick));
        }
        conns.push(c);
    }
    conns
}

/// The next frame for `c`, waiting at most until `deadline`.
#[track_caller]
fn recv_by(c: &mut Conn, deadline: Instant, what: &str) -> ServerMsg {
    recv_by_or(c, deadline, what, String::new)
}

/// [`recv_by`], with `note()` (what the cluster looks like) in the
/// failure message.
#[track_caller]
fn recv_by_or(
    c: &mut Conn,
    deadline: Instant,
    what: &str,
    note: impl FnOnce() -> String,
) -> ServerMsg {
    let left = deadline.saturating_duration_since(Instant::now());
    c.set_read_timeout(left.max(Duration::from_millis(1)));
    match c.try_recv_payload() {
        Ok(p) => util::decode(&p),
        Err(why) => panic!("waiting for {what}: {why:?}{}", note()),
    }
}

/// Redis's view of nodes `ids` and the stderr of each, for a failure
/// message (`nodes[i]` is node `ids[i]`).
fn cluster_note(redis: &Redis, ids: &[&str], nodes: &[&Server]) -> String {
    let mut note = cluster_state(redis, ids);
    for (id, node) in ids.iter().zip(nodes) {
        note.push_str(&format!("\n--- node {id} ---{}", node.stderr_note()));
    }
    note
}

/// `c` must get `Error { code }` and then the end of the stream, within
/// [`GUARD`].
#[track_caller]
fn expect_fatal_within_guard(c: &mut Conn, code: ErrorCode, who: &str) {
    let deadline = Instant::now() + GUARD;
    loop {
        match recv_by(c, deadline, &format!("{who}'s Error {code:?}")) {
            ServerMsg::Error { code: got, .. } if got == code => break,
            // Room traffic that was on its way may come first.
            m @ (ServerMsg::Message { .. } | ServerMsg::Joined { .. } | ServerMsg::Left { .. }) => {
                let _ = m;
            }
            other => panic!("{who}: expected Error {code:?}, got {other:?}"),
        }
    }
    c.set_read_timeout(GUARD);
    c.expect_eof();
}

/// What Redis holds about the nodes `ids` and its clients, for a failure
/// message.
fn cluster_state(redis: &Redis, ids: &[&str]) -> String {
    let mut c = redis.client();
    let mut text = String::from("\n--- redis ---");
    let mut show = |args: &[&str]| {
        let v = c.call(args);
        let shown = match v.as_bytes() {
            Some(b) => String::from_utf8_lossy(b).into_owned(),
            None => format!("{v:?}"),
        };
        text.push_str(&format!("\n{}: {}", args.join(" "), shown.trim_end()));
    };
    show(&["CLIENT", "LIST"]);
    show(&["SMEMBERS", "chat:nodes"]);
    for id in ids {
        show(&["PTTL", &format!("chat:node:{{{id}}}:alive")]);
        show(&["EXISTS", &format!("chat:node:{{{id}}}:reaped")]);
        show(&["HLEN", &format!("chat:node:{{{id}}}:users")]);
    }
    text
}

fn a_node_killed_with_sigkill_is_reaped_by_the_others(bin: &Path) {
    let redis = Redis::start();
    let a = node(bin, redis.addr(), "a", &[]);
    let b = node(bin, redis.addr(), "b", &[]);
    let mut c = node(bin, redis.addr(), "c", &[]);
    let nicks = ["ann", "bob", "cat", "Cy"];
    let mut conns = login_all_at(&[(&a, "ann"), (&b, "bob"), (&c, "cat"), (&c, "Cy")]);
    join_all(&mut conns, &nicks, "r");
    let mut survivors: Vec<Conn> = conns.drain(..2).collect();

    c.signal("KILL");
    c.wait_exit(GUARD);
    // Each survivor gets the dead users' Left from both rooms, once each,
    // and nothing else (the killed node's clients are the only change).
    let deadline = Instant::now() + GUARD;
    for (i, s) in survivors.iter_mut().enumerate() {
        let mut owed: BTreeSet<(String, String)> = ["cat", "Cy"]
            .iter()
            .flat_map(|n| {
                [
                    (LOBBY.to_string(), n.to_string()),
                    ("r".into(), n.to_string()),
                ]
            })
            .collect();
        while !owed.is_empty() {
            match recv_by(
                s,
                deadline,
                &format!("the Left of the killed node's users ({owed:?})"),
            ) {
                ServerMsg::Left { room, nick } if owed.remove(&(room.clone(), nick.clone())) => {}
                other => panic!(
                    "survivor {} got {other:?} (still owed {owed:?}){}",
                    nicks[i],
                    cluster_state(&redis, &["a", "b", "c"])
                ),
            }
        }
        s.set_read_timeout(util::IO_TIMEOUT);
    }
    // Their nicks are free, in any case, on either surviving node: the
    // next frame each survivor gets is the newcomer's Joined (no second
    // Left from a second reaper).
    let mut newcomers = Vec::new();
    for (server, nick) in [(&a, "CAT"), (&b, "cy")] {
        let mut n = Conn::connect(server.addr);
        n.login(nick);
        for s in &mut survivors {
            s.expect(ServerMsg::joined(LOBBY, nick));
        }
        newcomers.push(n);
    }
    // The rooms hold the survivors only, seen from either node.
    for s in &mut survivors {
        s.send(&ClientMsg::ListUsers { room: "r".into() });
        s.expect(ServerMsg::Users {
            room: "r".into(),
            nicks: vec!["ann".into(), "bob".into()],
        });
    }
    // And the room still has one order across the surviving nodes.
    let m = survivors[1].say("r", "still here");
    survivors[0].expect(m);
    let mut a = a;
    let mut b = b;
    a.assert_alive();
    b.assert_alive();
}

/// What a writer thread of [`redis_restarted_under_traffic`] did.
struct Written {
    nick: String,
    /// The texts of its `Say`s that came back (acknowledged), in order.
    acked: Vec<String>,
    /// The connection, unless the node closed it with `ShuttingDown`.
    conn: Option<Conn>,
}

/// A node that stops (SIGSTOP) for longer than its heartbeat's TTL is
/// reaped by the other: its user's `Left` reaches the others. When it
/// runs again it finds the reap mark and re-asserts its user, announced
/// with `Joined`; the user itself sees neither, and the chat goes on.
fn a_node_stalled_past_its_ttl_is_reaped_then_announces_its_users_again(bin: &Path) {
    let redis = Redis::start();
    let a = node(bin, redis.addr(), "a", &[]);
    let b = node(bin, redis.addr(), "b", &[]);
    let mut conns = login_all_at(&[(&a, "ann"), (&b, "bob")]);
    b.signal("STOP");
    let deadline = Instant::now() + GUARD;
    let note = || cluster_note(&redis, &["a", "b"], &[&a, &b]);
    let what = "bob's Left after his node stalled";
    match recv_by_or(&mut conns[0], deadline, what, note) {
        ServerMsg::Left { room, nick } if room == LOBBY && nick == "bob" => {}
        other => panic!("ann got {other:?}{}", note()),
    }
    b.signal("CONT");
    let what = "bob's Joined once his node runs again";
    match recv_by_or(&mut conns[0], deadline, what, note) {
        ServerMsg::Joined { room, nick } if room == LOBBY && nick == "bob" => {}
        other => panic!("ann got {other:?}{}", note()),
    }
    conns[0].set_read_timeout(util::IO_TIMEOUT);
    // bob heard nothing about himself: his next frame is ann's message,
    // and both see the same one.
    let said = conns[0].say(LOBBY, "still here?");
    conns[1].set_read_timeout(GUARD);
    assert_eq!(conns[1].recv(), said);
    conns[1].set_read_timeout(util::IO_TIMEOUT);
    expect_members(&mut conns[1], LOBBY, &["ann".into(), "bob".into()]);
    expect_members(&mut conns[0], LOBBY, &["ann".into(), "bob".into()]);
}

/// Says `{nick}:{k}` in `room` for k = 0, 1, ... one at a time (each after
/// the echo of the last) until `stop`; a `ShuttingDown` (a `Say` in flight
/// when Redis went away) ends it.
fn writer(mut c: Conn, nick: &str, room: &str, stop: &AtomicBool, acks: &AtomicU64) -> Written {
    c.set_read_timeout(GUARD);
    let mut acked = Vec::new();
    for k in 0u64.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let text = format!("{nick}:{k}");
        c.send(&ClientMsg::say(room, &text));
        loop {
            match c.recv() {
                ServerMsg::Message { from, text: t, .. } if from == nick && t == text => break,
                ServerMsg::Error {
                    code: ErrorCode::ShuttingDown,
                    ..
                } => {
                    c.expect_eof();
                    return Written {
                        nick: nick.into(),
                        acked,
                        conn: None,
                    };
                }
                ServerMsg::Message { .. } | ServerMsg::Joined { .. } | ServerMsg::Left { .. } => {}
                other => panic!("writer {nick} got {other:?}"),
            }
        }
        acked.push(text);
        acks.fetch_add(1, Ordering::SeqCst);
    }
    Written {
        nick: nick.into(),
        acked,
        conn: Some(c),
    }
}

/// A `Message`'s `(seq, from, text)`.
type Seen = (u64, String, String);

/// Reads `room`'s frames until the `Message` whose text is `end`; returns
/// the `Message`s. `Joined` and `Left` (re-asserted members, closed
/// writers) are let through; anything else fails.
fn reader(mut c: Conn, who: &str, room: &str, end: &str) -> (Conn, Vec<Seen>) {
    c.set_read_timeout(GUARD);
    let mut seen = Vec::new();
    loop {
        match c.recv() {
            ServerMsg::Message {
                room: r,
                from,
                text,
                seq,
                ..
            } if r == room => {
                let done = text == end;
                seen.push((seq, from, text));
                if done {
                    return (c, seen);
                }
            }
            ServerMsg::Joined { room: r, .. } | ServerMsg::Left { room: r, .. } if r == room => {}
            other => panic!("reader {who} got {other:?}"),
        }
    }
}

/// Polls `cond` until it holds, failing after [`GUARD`].
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + GUARD;
    while !cond() {
        assert!(Instant::now() < deadline, "still waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn redis_restarted_under_traffic_keeps_every_order(bin: &Path) {
    let mut redis = Redis::start();
    let a = node(bin, redis.addr(), "a", &[]);
    let b = node(bin, redis.addr(), "b", &[]);
    // Readers and writers on both nodes, alone in room `t` (each leaves
    // the lobby before the next arrives, so none sees another there).
    let cast = [(&a, "ra"), (&b, "rb"), (&a, "wa"), (&b, "wb")];
    let nicks: Vec<&str> = cast.iter().map(|(_, n)| *n).collect();
    let mut conns: Vec<Conn> = cast
        .iter()
        .map(|(server, nick)| {
            let mut c = Conn::connect(server.addr);
            c.login(nick);
            leave_skipping(&mut c, LOBBY, nick);
            c
        })
        .collect();
    join_all(&mut conns, &nicks, "t");

    let stop = Arc::new(AtomicBool::new(false));
    let spawn_writer = |c: Conn, nick: &'static str| {
        let stop = stop.clone();
        let acks = Arc::new(AtomicU64::new(0));
        let counter = acks.clone();
        let h = thread::spawn(move || writer(c, nick, "t", &stop, &counter));
        (h, acks)
    };
    let mut writers: Vec<_> = conns
        .drain(2..)
        .zip(["wa", "wb"])
        .map(|(c, nick)| spawn_writer(c, nick))
        .collect();
    let readers: Vec<_> = conns
        .drain(..)
        .zip(["ra", "rb"])
        .map(|(c, who)| thread::spawn(move || reader(c, who, "t", "end")))
        .collect();
    let acks = |writers: &[(thread::JoinHandle<Written>, Arc<AtomicU64>)], w: usize| {
        writers[w].1.load(Ordering::SeqCst)
    };

    wait_until("traffic before the restart", || {
        acks(&writers, 0) >= 20 && acks(&writers, 1) >= 20
    });
    redis.restart();
    // A writer whose Say was in flight when Redis went away was closed
    // (its Say's fate unknown); one that was not may go on. Two more
    // writers join after the restart, one per node: traffic flows again
    // across the nodes.
    for (server, nick) in [(&a, "wa2"), (&b, "wb2")] {
        let mut c = Conn::connect(server.addr);
        c.set_read_timeout(GUARD);
        c.login(nick);
        leave_skipping(&mut c, LOBBY, nick);
        c.send(&ClientMsg::Join { room: "t".into() });
        c.expect_history_then_joined("t", nick);
        writers.push(spawn_writer(c, nick));
    }
    wait_until("traffic after the restart", || {
        acks(&writers, 2) >= 20 && acks(&writers, 3) >= 20
    });
    stop.store(true, Ordering::SeqCst);
    let written: Vec<Written> = writers
        .into_iter()
        .map(|(h, _)| h.join().expect("writer thread"))
        .collect();
    for w in &written[2..] {
        assert!(
            w.conn.is_some(),
            "{}, which joined after the restart, was closed",
            w.nick
        );
    }

    // A newcomer: its Hello and Join work after the restart, and it says
    // the last word.
    let mut late = Conn::connect(b.addr);
    late.set_read_timeout(GUARD);
    late.login("late");
    leave_skipping(&mut late, LOBBY, "late");
    late.send(&ClientMsg::Join { room: "t".into() });
    let history = late.expect_history_then_joined("t", "late");
    late.send(&ClientMsg::say("t", "end"));
    let (views, mut reader_conns): (Vec<Vec<Seen>>, Vec<Conn>) = {
        let mut views = Vec::new();
        let mut rc = Vec::new();
        for h in readers {
            let (c, seen) = h.join().expect("reader thread");
            views.push(seen);
            rc.push(c);
        }
        (views, rc)
    };

    for (who, view) in ["ra", "rb"].iter().zip(&views) {
        let seqs: Vec<u64> = view.iter().map(|m| m.0).collect();
        assert!(
            seqs.windows(2).all(|w| w[1] > w[0]),
            "reader {who}: seq not strictly increasing across the restart: {seqs:?}"
        );
        for w in &written {
            let mine: Vec<u64> = view
                .iter()
                .filter(|m| m.1 == w.nick)
                .map(|m| m.2.rsplit(':').next().unwrap().parse().unwrap())
                .collect();
            assert!(
                mine.windows(2).all(|p| p[1] > p[0]),
                "reader {who}: {}'s messages out of order: {mine:?}",
                w.nick
            );
            let texts: BTreeSet<&str> = view.iter().map(|m| m.2.as_str()).collect();
            let lost: Vec<&String> = w
                .acked
                .iter()
                .filter(|t| !texts.contains(t.as_str()))
                .collect();
            assert!(
                lost.is_empty(),
                "reader {who} never got {} acknowledged messages of {}: {lost:?}",
                lost.len(),
                w.nick
            );
        }
    }
    assert_eq!(
        views[0], views[1],
        "the readers on the two nodes saw different orders"
    );
    // The newcomer's history is the last messages before its Joined, byte
    // for byte as the readers got them (the readers' copies decode equal).
    let end_at = views[0].len() - 1;
    let mut before: Vec<Seen> = views[0][..end_at].to_vec();
    let history: Vec<Seen> = history
        .iter()
        .map(|m| {
            let (_, from, text, seq) = util::message_parts(m);
            (seq, from.to_string(), text.to_string())
        })
        .collect();
    // Messages after the late Joined (none: the writers had stopped) would
    // not be in the history.
    let keep = history.len();
    before.drain(..before.len().saturating_sub(keep));
    assert_eq!(
        history, before,
        "the newcomer's history is not the room's last messages"
    );
    assert!(
        keep == 32 || keep == views[0].len() - 1,
        "history of {keep} messages, while the room had {} before the newcomer",
        views[0].len() - 1
    );

    // The nodes converge: both list the same members of `t`.
    let mut members: Vec<String> = vec!["late".into(), "ra".into(), "rb".into()];
    members.extend(
        written
            .iter()
            .filter(|w| w.conn.is_some())
            .map(|w| w.nick.clone()),
    );
    members.sort();
    for asker in &mut reader_conns {
        expect_members(asker, "t", &members);
    }
}

/// Asks `room`'s members until the answer is `want` (the nodes may still
/// be re-asserting memberships), failing after [`GUARD`].
fn expect_members(asker: &mut Conn, room: &str, want: &[String]) {
    let deadline = Instant::now() + GUARD;
    loop {
        asker.send(&ClientMsg::ListUsers { room: room.into() });
        let got = loop {
            match recv_by(asker, deadline, "a Users listing") {
                ServerMsg::Users { nicks, .. } => break nicks,
                ServerMsg::Joined { .. } | ServerMsg::Left { .. } => {}
                other => panic!("asking for {room}'s members, got {other:?}"),
            }
        };
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{room}'s members are still {got:?}, not {want:?}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn redis_that_never_comes_back_shuts_clients_down_after_the_grace(bin: &Path) {
    let mut redis = Redis::start();
    let mut a = node(bin, redis.addr(), "a", &["--redis-grace-ms", "1000"]);
    let mut b = node(bin, redis.addr(), "b", &["--redis-grace-ms", "1000"]);
    let mut conns = login_all_at(&[(&a, "x1"), (&b, "y1"), (&a, "x2"), (&b, "y2")]);
    join_all(&mut conns, &["x1", "y1", "x2", "y2"], "gone");
    redis.kill();
    // Past the grace every client gets ShuttingDown and is closed.
    for (c, who) in conns.iter_mut().zip(["x1", "y1", "x2", "y2"]) {
        expect_fatal_within_guard(c, ErrorCode::ShuttingDown, who);
    }
    // While Redis is away, new connections are refused with it.
    for server in [&a, &b] {
        let mut c = Conn::connect(server.addr);
        c.send_raw_lossy(&util::encode_framed(&ClientMsg::hello("newcomer")));
        expect_fatal_within_guard(&mut c, ErrorCode::ShuttingDown, "a newcomer");
    }
    a.assert_alive();
    b.assert_alive();
    // Once Redis is back, clients are welcome again on both nodes.
    redis.restart();
    for (server, nick) in [(&a, "back-a"), (&b, "back-b")] {
        let deadline = Instant::now() + GUARD;
        loop {
            let mut c = Conn::connect(server.addr);
            c.send_raw_lossy(&util::encode_framed(&ClientMsg::hello(nick)));
            match recv_by(&mut c, deadline, "a Welcome once Redis is back") {
                ServerMsg::Welcome { .. } => break,
                ServerMsg::Error {
                    code: ErrorCode::ShuttingDown,
                    ..
                } => thread::sleep(Duration::from_millis(50)),
                other => panic!("{nick}: expected Welcome or ShuttingDown, got {other:?}"),
            }
        }
    }
}

fn redis_unreachable_at_start_is_one_line_and_status_1(bin: &Path) {
    let name = bin.file_name().unwrap().to_string_lossy();
    // A port nobody listens on: bound, then freed.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding 127.0.0.1:0")
        .port();
    let redis = format!("127.0.0.1:{port}");
    let out = util::run_to_exit(bin, &["--addr", "127.0.0.1:0", "--redis", &redis], GUARD);
    let (status, stdout) = (out.status, String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(1), "exit status; stderr: {stderr:?}");
    assert!(
        !stdout.contains("listening on"),
        "it must not listen without Redis: {stdout:?}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line on stderr, got {stderr:?}"
    );
    assert!(
        stderr.starts_with(&format!("{name}: ")) && stderr.ends_with('\n'),
        "{stderr:?}"
    );
}

/// A loopback TCP proxy in front of Redis that can cut its connections the
/// moment a node sends a command holding a given text: the command goes
/// to Redis, its reply never comes back.
struct Proxy {
    addr: SocketAddr,
    shared: Arc<ProxyShared>,
}

#[derive(Default)]
struct ProxyShared {
    /// The text that triggers the cut (once), if armed.
    needle: Mutex<Option<Vec<u8>>>,
    /// Both ends of every connection, to cut them.
    pairs: Mutex<Vec<(TcpStream, TcpStream)>>,
    cuts: AtomicU64,
    closing: AtomicBool,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(ProxyShared::default());
        let s = shared.clone();
        thread::spawn(move || {
            for down in listener.incoming() {
                if s.closing.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(down) = down else { continue };
                let Ok(up) = TcpStream::connect(upstream) else {
                    continue; // Redis away: the node sees its connection end
                };
                let _ = down.set_nodelay(true);
                let _ = up.set_nodelay(true);
                s.pairs
                    .lock()
                    .unwrap()
                    .push((down.try_clone().unwrap(), up.try_clone().unwrap()));
                let (d2, u2) = (down.try_clone().unwrap(), up.try_clone().unwrap());
                let s2 = s.clone();
                let cut = Arc::new(AtomicBool::new(false));
                let cut2 = cut.clone();
                thread::spawn(move || pump_up(down, up, &s2, &cut));
                thread::spawn(move || pump_down(u2, d2, &cut2));
            }
        });
        Proxy { addr, shared }
    }

    /// The next command holding `text` is the last thing the connection
    /// carries.
    fn cut_after(&self, text: &str) {
        *self.shared.needle.lock().unwrap() = Some(text.as_bytes().to_vec());
    }

    fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.closing.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        for (d, u) in self.shared.pairs.lock().unwrap().drain(..) {
            let _ = d.shutdown(Shutdown::Both);
            let _ = u.shutdown(Shutdown::Both);
        }
    }
}

/// Redis to node: copies until Redis closes, except what comes after a
/// cut (the lost reply); then closes the node's side.
fn pump_down(mut from: TcpStream, mut to: TcpStream, cut: &AtomicBool) {
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || cut.load(Ordering::SeqCst) {
            if n == 0 {
                break;
            }
            continue; // the reply the node never gets
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

/// Node to Redis: copies; once the needle has gone by, the rest of the
/// connection is cut: Redis gets the command and the end of the stream
/// (it runs the command, then closes), and nothing it answers reaches
/// the node, which sees its connection end once Redis has closed it.
fn pump_up(mut down: TcpStream, mut up: TcpStream, shared: &ProxyShared, cut: &AtomicBool) {
    let mut buf = [0u8; 16 * 1024];
    let mut seen: Vec<u8> = Vec::new();
    while let Ok(n) = down.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        let hit = {
            let mut needle = shared.needle.lock().unwrap();
            let hit = needle
                .as_ref()
                .is_some_and(|x| seen.windows(x.len()).any(|w| w == x.as_slice()));
            if hit {
                *needle = None;
            }
            hit
        };
        if hit {
            shared.cuts.fetch_add(1, Ordering::SeqCst);
            cut.store(true, Ordering::SeqCst);
            let _ = up.write_all(&buf[..n]);
            let _ = up.shutdown(Shutdown::Write);
            return;
        }
        if up.write_all(&buf[..n]).is_err() {
            break;
        }
        // Keep what a needle split across reads needs.
        let keep = 4096;
        if seen.len() > keep {
            seen.drain(..seen.len() - keep);
        }
    }
    let _ = up.shutdown(Shutdown::Write);
}

fn a_say_whose_reply_is_lost_closes_its_sender_only(bin: &Path) {
    let redis = Redis::start();
    let proxy = Proxy::start(redis.addr());
    let a = node(bin, proxy.addr, "a", &[]);
    let b = node(bin, redis.addr(), "b", &[]);
    let mut conns = login_all_at(&[(&a, "sender"), (&a, "bystander"), (&b, "peer")]);
    let mut peer = conns.pop().unwrap();
    let mut bystander = conns.pop().unwrap();
    let mut sender = conns.pop().unwrap();

    proxy.cut_after("fate unknown");
    sender.send(&ClientMsg::say(LOBBY, "fate unknown"));
    // Its fate is unknown to the node: it tells the sender and closes it.
    expect_fatal_within_guard(&mut sender, ErrorCode::ShuttingDown, "the sender");
    assert_eq!(proxy.cuts(), 1);

    // The others stay, and once node a is back in touch, the lobby has one
    // order again for its members on both nodes: the Say whose reply was
    // lost (Redis ran it before it closed the connection) is in both
    // views, then "after"; each sees the sender leave once.
    peer.send(&ClientMsg::say(LOBBY, "after"));
    let deadline = Instant::now() + GUARD;
    let mut views: HashMap<&str, Vec<Seen>> = HashMap::new();
    for (who, c) in [("bystander", &mut bystander), ("peer", &mut peer)] {
        let mut msgs = Vec::new();
        let mut lefts = 0;
        while lefts == 0 || !msgs.iter().any(|m: &Seen| m.2 == "after") {
            match recv_by(
                c,
                deadline,
                &format!("{who}: \"after\" and the sender's Left (so far {msgs:?}, {lefts} Left)"),
            ) {
                ServerMsg::Message {
                    from, text, seq, ..
                } => msgs.push((seq, from, text)),
                ServerMsg::Left { room, nick } if room == LOBBY && nick == "sender" => lefts += 1,
                // Re-asserted memberships may be announced again.
                ServerMsg::Joined { room, .. } if room == LOBBY => {}
                other => panic!("{who} got {other:?}"),
            }
        }
        assert_eq!(lefts, 1, "{who} saw the sender leave {lefts} times");
        let seqs: Vec<u64> = msgs.iter().map(|m| m.0).collect();
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "{who}: seq {seqs:?}"
        );
        views.insert(who, msgs);
        c.set_read_timeout(util::IO_TIMEOUT);
    }
    assert_eq!(
        views["bystander"], views["peer"],
        "the two nodes' members saw different orders"
    );
    let texts: Vec<&str> = views["peer"].iter().map(|m| m.2.as_str()).collect();
    assert_eq!(texts, ["fate unknown", "after"], "{views:?}");
    // The bystander's node works: it talks to the peer's.
    let m = bystander.say(LOBBY, "and on");
    peer.expect(m);
    // The sender's nick is free.
    let mut again = Conn::connect(b.addr);
    again.login("sender");
}
