//! The cluster foundation against a real `redis-server`: the RESP3
//! handshake, every type Redis sends, sharded pub/sub, the room scripts, and
//! the order a joiner sees when it subscribes before reading the history.
//!
//! `CHAT_REDIS_ITERATIONS` sets the number of joins in the ordering test
//! (default 200), `CHAT_PROP_SEED` its seed.

mod fmt_util;
mod redis;

use std::sync::mpsc;
use std::thread;

use chat::cluster::conn::Event;
use chat::cluster::resp::Value;
use chat::cluster::room::{self, RoomEvent, HISTORY_LEN};
use chat::fmt::{binary, framed};
use chat::protocol::ServerMsg;
use fmt_util::{seed, Rng};
use redis::{Client, Redis};
use testkit::env_u64;

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

/// Loads the cluster's function library (`chat`).
fn load_scripts(c: &mut Client) {
    let v = c.call(&room::load_command());
    assert_eq!(v.as_bytes(), Some(&b"chat"[..]), "{v:?}");
}

fn frame_of(msg: &ServerMsg) -> Vec<u8> {
    let mut out = Vec::new();
    framed::encode_frame(msg, &mut out).unwrap();
    out
}

/// The message a publisher sends as its `n`th item.
fn nth_message(room: &str, n: u64) -> (String, u64) {
    (format!("{room} text {n}"), 1_700_000_000_000 + n)
}

/// Runs the room event script for a Message; returns the command id.
fn queue_message(c: &mut Client, room: &str, text: &str, time_ms: u64) -> u64 {
    let (head, tail) = room::message_parts(room, "pub", text, time_ms).unwrap();
    let args = room::room_event_command(
        room,
        RoomEvent::Message {
            head: &head,
            tail: &tail,
        },
    );
    c.queue(&args).0
}

/// Gives `room` a member, as a join would: `chat_message` refuses a room
/// without members.
fn make_room(c: &mut Client, room: &str) {
    c.call(&["HSET", room::members_key(room).as_str(), "pub", "pub"]);
}

/// The seq a room op answers: `chat_message` answers `[seq, frame]`,
/// `chat_event` the seq alone.
fn seq_of(v: &Value) -> i64 {
    match v.as_list() {
        Some([seq, _frame]) => seq.as_int().unwrap(),
        _ => v.as_int().unwrap_or_else(|| panic!("a seq: {v:?}")),
    }
}

fn queue_joined(c: &mut Client, room: &str, nick: &str) -> u64 {
    let payload = binary::to_vec(&ServerMsg::Joined {
        room: room.into(),
        nick: nick.into(),
    })
    .unwrap();
    let args = room::room_event_command(room, RoomEvent::Event { payload: &payload });
    c.queue(&args).0
}

#[test]
fn hello_3_answers_a_resp3_map() {
    let redis = Redis::start();
    let c = redis.client();
    let hello = c.conn().hello().unwrap();
    assert_eq!(hello.server, "redis");
    assert_eq!(hello.proto, 3);
    assert!(hello.version.starts_with("7."), "{}", hello.version);
    assert_eq!(hello.mode, "standalone");
    assert_eq!(hello.role, "master");
    assert!(hello.id > 0);
}

#[test]
fn every_type_redis_sends_decodes() {
    let redis = Redis::start_with(&["--enable-debug-command", "local"]);
    let mut c = redis.client();
    let int = Value::Integer;
    let cases = [
        ("string", bulk("Hello World")),
        ("integer", int(12345)),
        // The literal Redis sends, not an approximation of pi.
        ("double", Value::Double("3.141".parse().unwrap())),
        (
            "bignum",
            Value::BigNumber(b"1234567999999999999999999999999999999".to_vec()),
        ),
        ("null", Value::Null),
        ("array", Value::Array(vec![int(0), int(1), int(2)])),
        ("set", Value::Set(vec![int(0), int(1), int(2)])),
        (
            "map",
            Value::Map(vec![
                (int(0), Value::Boolean(false)),
                (int(1), Value::Boolean(true)),
                (int(2), Value::Boolean(false)),
            ]),
        ),
        (
            "attrib",
            Value::Attribute {
                attrs: vec![(
                    bulk("key-popularity"),
                    Value::Array(vec![bulk("key:123"), int(90)]),
                )],
                value: Box::new(bulk("Some real reply following the attribute")),
            },
        ),
        (
            "verbatim",
            Value::Verbatim {
                format: *b"txt",
                text: b"This is a verbatim\nstring".to_vec(),
            },
        ),
        ("true", Value::Boolean(true)),
        ("false", Value::Boolean(false)),
    ];
    for (kind, want) in cases {
        assert_eq!(c.call(&["DEBUG", "PROTOCOL", kind]), want, "{kind}");
    }
    // A push comes apart from the reply that follows it.
    let id = c.send(&["DEBUG", "PROTOCOL", "push"]);
    assert_eq!(
        c.next_event(),
        Event::Push(vec![bulk("server-cpu-usage"), int(42)])
    );
    assert_eq!(c.wait(id), bulk("Some real reply following the push reply"));
    // An error ends only its command.
    let err = c.call(&["NO-SUCH-COMMAND"]);
    assert!(err.as_error().unwrap().starts_with(b"ERR unknown command"));
    assert_eq!(c.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
}

#[test]
fn sharded_subscriptions_confirm_with_pushes() {
    let redis = Redis::start();
    let mut sub = redis.client();
    let mut publisher = redis.client();
    let id = sub.send(&["SSUBSCRIBE", "chat:{a}", "chat:{a}:x"]);
    // One reply per command, after the last confirmation: the second
    // channel's, which counts two shard subscriptions.
    assert_eq!(
        sub.wait(id),
        Value::Push(vec![
            bulk("ssubscribe"),
            bulk("chat:{a}:x"),
            Value::Integer(2)
        ])
    );
    assert_eq!(
        publisher.call(&["SPUBLISH", "chat:{a}", "hi"]),
        Value::Integer(1)
    );
    assert_eq!(
        sub.next_push(),
        [bulk("smessage"), bulk("chat:{a}"), bulk("hi")]
    );
    // A subscribed RESP3 connection still runs ordinary commands.
    assert_eq!(sub.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
    let id = sub.send(&["SUNSUBSCRIBE", "chat:{a}"]);
    assert_eq!(
        sub.wait(id),
        Value::Push(vec![
            bulk("sunsubscribe"),
            bulk("chat:{a}"),
            Value::Integer(1)
        ])
    );
}

#[test]
fn room_event_script_numbers_keeps_and_publishes() {
    let redis = Redis::start();
    let mut c = redis.client();
    let mut sub = redis.client();
    load_scripts(&mut c);
    let r = "lobby";
    make_room(&mut c, r);
    sub.call(&["SSUBSCRIBE", room::channel(r).as_str()]);

    // 40 messages (more than the history keeps) and a Joined in between.
    let mut sent = Vec::new();
    for n in 1..=40u64 {
        let (text, time) = nth_message(r, n);
        let id = queue_message(&mut c, r, &text, time);
        sent.push((id, frame_of(&ServerMsg::message(r, "pub", &text, n, time))));
        if n == 20 {
            let id = queue_joined(&mut c, r, "ann");
            let joined = ServerMsg::Joined {
                room: r.into(),
                nick: "ann".into(),
            };
            sent.push((id, frame_of(&joined)));
        }
    }
    c.flush();
    // Each op answers the room's last seq: a Joined repeats it.
    let seqs: Vec<i64> = sent
        .iter()
        .map(|(id, _)| seq_of(&c.wait(chat::cluster::conn::CommandId(*id))))
        .collect();
    let mut want: Vec<i64> = (1..=40).collect();
    want.insert(20, 20);
    assert_eq!(seqs, want);
    // The channel carries every frame, in order, byte for byte.
    for (_, frame) in &sent {
        assert_eq!(
            sub.next_push(),
            [
                bulk("smessage"),
                bulk(&room::channel(r)),
                Value::Bulk(frame.clone())
            ]
        );
    }
    // The history keeps the last 32 Messages, byte for byte.
    let joined = c.call(&room::history_command(r));
    let [seq, history] = joined.as_list().unwrap() else {
        panic!("join answers [seq, history]: {joined:?}")
    };
    assert_eq!(seq, &Value::Integer(40));
    let want: Vec<Value> = (9..=40u64)
        .map(|n| {
            let (text, time) = nth_message(r, n);
            Value::Bulk(frame_of(&ServerMsg::message(r, "pub", &text, n, time)))
        })
        .collect();
    assert_eq!(want.len(), HISTORY_LEN);
    assert_eq!(history.as_list().unwrap(), want);

    // Past one varint byte, and past 2^32: the script's varint and length
    // header are still the frame encoder's.
    c.call(&["SET", room::seq_key(r).as_str(), "1099511627775"]);
    let id = queue_message(&mut c, r, "big", 5);
    c.flush();
    let big = frame_of(&ServerMsg::message(r, "pub", "big", 1 << 40, 5));
    assert_eq!(
        c.wait(chat::cluster::conn::CommandId(id)),
        Value::Array(vec![Value::Integer(1 << 40), Value::Bulk(big.clone())])
    );
    assert_eq!(sub.next_push()[2], Value::Bulk(big));

    // A function the library does not have is an error reply.
    let bad = c.call(&["FCALL", "chat_bogus", "0"]);
    assert!(bad.as_error().is_some(), "{bad:?}");
}

#[test]
fn dropping_the_harness_stops_redis() {
    let redis = Redis::start();
    let (pid, addr) = (redis.pid().to_string(), redis.addr());
    drop(redis);
    // kill -0 probes for the process without signalling it.
    let alive = std::process::Command::new("kill")
        .args(["-0", &pid])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(!alive, "redis-server {pid} still runs");
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// On a Redis Cluster node the slot rules apply: a room's keys and its
/// channel share the `{room}` slot, so both scripts run and their
/// publication reaches the room's shard subscribers, while one
/// `SSUBSCRIBE` across two rooms is refused with `CROSSSLOT`, an error
/// reply that ends only that command.
#[test]
fn room_scripts_run_on_a_cluster_node() {
    let redis = Redis::start_cluster_node();
    let mut c = redis.client();
    assert_eq!(c.conn().hello().unwrap().mode, "cluster");
    load_scripts(&mut c);
    let mut sub = redis.client();
    let both = sub.call(&["SSUBSCRIBE", "chat:{a}", "chat:{b}"]);
    assert!(
        both.as_error().unwrap().starts_with(b"CROSSSLOT"),
        "{both:?}"
    );
    sub.call(&["SSUBSCRIBE", room::channel("a").as_str()]);
    make_room(&mut c, "a");
    let (text, time) = nth_message("a", 1);
    let id = queue_message(&mut c, "a", &text, time);
    c.flush();
    let frame = frame_of(&ServerMsg::message("a", "pub", &text, 1, time));
    assert_eq!(seq_of(&c.wait(chat::cluster::conn::CommandId(id))), 1);
    assert_eq!(sub.next_push()[2], Value::Bulk(frame.clone()));
    let joined = c.call(&room::history_command("a"));
    assert_eq!(
        joined,
        Value::Array(vec![
            Value::Integer(1),
            Value::Array(vec![Value::Bulk(frame)])
        ])
    );
}

/// A push that a script publishes to a channel its own connection is
/// subscribed to reaches that connection before the script's reply on
/// Redis 7.0 and 7.1, and after it from 7.2 on (Redis defers a client's
/// own pushes until its command has answered). The node depends on
/// neither: a client's own events come with its replies, and the node
/// skips them in the pushes. This pins which order this Redis has.
#[test]
fn a_scripts_own_publish_comes_next_to_its_reply() {
    let redis = Redis::start();
    let mut c = redis.client();
    c.call(&["SSUBSCRIBE", "chat:{r}"]);
    let id = c.send(&[
        "EVAL",
        "redis.call('SPUBLISH', KEYS[1], 'self'); return 'reply'",
        "1",
        "chat:{r}",
    ]);
    let push = Event::Push(vec![bulk("smessage"), bulk("chat:{r}"), bulk("self")]);
    let reply = Event::Reply {
        id,
        value: bulk("reply"),
    };
    let version = c.conn().hello().expect("HELLO answered").version.clone();
    let (major, minor) = match version.split('.').collect::<Vec<_>>()[..] {
        [a, b, ..] => (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap()),
        _ => panic!("version {version}"),
    };
    let got = [c.next_event(), c.next_event()];
    if (major, minor) < (7, 2) {
        assert_eq!(got, [push, reply], "Redis {version}");
    } else {
        assert_eq!(got, [reply, push], "Redis {version}");
    }
}

/// What one item of the publisher's stream was.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Message(u64),
    Joined(u64),
}

fn item_of(frame: &[u8]) -> Item {
    match binary::from_bytes::<ServerMsg>(&frame[framed::HEADER_LEN..]).unwrap() {
        ServerMsg::Message { seq, .. } => Item::Message(seq),
        ServerMsg::Joined { nick, .. } => Item::Joined(nick[1..].parse().unwrap()),
        other => panic!("unexpected frame {other:?}"),
    }
}

fn smessage_frame(push: &[Value]) -> Vec<u8> {
    assert_eq!(push[0], bulk("smessage"), "{push:?}");
    push[2].as_bytes().unwrap().to_vec()
}

/// The ordering claim: on one RESP3 connection, `SSUBSCRIBE chat:{room}`
/// then the join script gives the joiner the history in the reply and
/// every later event as pushes after it, while another connection publishes
/// all along.
///
/// Pushes that arrive *between* the subscription's confirmation and the
/// join reply are events that ran before the join script: they are already
/// in its history (or, for a Joined, precede the join). A joiner must drop
/// them; this test checks that they are exactly such events, and counts how
/// often the window is not empty. With both commands written in one
/// segment Redis runs them back to back and the window is empty; sending
/// the join only after the confirmation opens it.
#[test]
fn subscribe_then_join_gives_history_then_every_later_event() {
    let redis = Redis::start();
    let mut joiner = redis.client();
    let mut setup = redis.client();
    load_scripts(&mut setup);
    let seed = seed(0xc1_0001);
    let mut rng = Rng::new(seed);
    let iterations = env_u64("CHAT_REDIS_ITERATIONS", 200);
    // Non-empty windows and their events, [after waiting for the
    // confirmation, pipelined].
    let (mut windows, mut dropped) = ([0; 2], [0; 2]);
    for i in 0..iterations {
        let r = format!("room{i}");
        let total = 20 + rng.below(80);
        let join_after = rng.below(total + 1);
        let pipelined = rng.chance(2);
        let addr = redis.addr();
        let (tx, rx) = mpsc::channel();
        let publisher = {
            let r = r.clone();
            let burst = 1 + rng.below(4);
            thread::spawn(move || {
                let mut c = Client::connect(addr);
                make_room(&mut c, &r);
                let mut order = Vec::new();
                let mut n = 0u64;
                let mut messages = 0;
                while n < total {
                    let mut ids = Vec::new();
                    for _ in 0..burst.min(total - n) {
                        n += 1;
                        if n.is_multiple_of(5) {
                            ids.push(queue_joined(&mut c, &r, &format!("n{n}")));
                            order.push(Item::Joined(n));
                        } else {
                            messages += 1;
                            let (text, time) = nth_message(&r, messages);
                            ids.push(queue_message(&mut c, &r, &text, time));
                            order.push(Item::Message(messages));
                        }
                        if n == join_after {
                            let _ = tx.send(());
                        }
                    }
                    c.flush();
                    for id in ids {
                        c.wait(chat::cluster::conn::CommandId(id));
                    }
                }
                if join_after == 0 {
                    let _ = tx.send(());
                }
                order
            })
        };
        // Join while the publisher is somewhere in its stream.
        let _ = rx.recv();
        let channel = room::channel(&r);
        let sub = joiner.queue(&["SSUBSCRIBE", channel.as_str()]);
        if !pipelined {
            joiner.flush();
            joiner.wait(sub);
        }
        let join = joiner.send(&room::history_command(&r));
        // Stream order: [confirmation,] pushes in the window, the reply.
        let mut window = Vec::new();
        let reply = loop {
            match joiner.next_event() {
                Event::Reply { id, .. } if id == sub => {}
                Event::Reply { id, value } if id == join => break value,
                Event::Push(p) => window.push(item_of(&smessage_frame(&p))),
                other => panic!("unexpected {other:?}"),
            }
        };
        let order = publisher.join().unwrap();
        let [seq, history] = reply.as_list().unwrap() else {
            panic!("join reply {reply:?}")
        };
        let s = seq.as_int().unwrap() as u64;
        // The history: the last 32 Messages up to s, byte for byte.
        let history: Vec<Vec<u8>> = history
            .as_list()
            .unwrap()
            .iter()
            .map(|v| v.as_bytes().unwrap().to_vec())
            .collect();
        let first = s.saturating_sub(HISTORY_LEN as u64) + 1;
        let want: Vec<Vec<u8>> = (first..=s)
            .map(|m| {
                let (text, time) = nth_message(&r, m);
                frame_of(&ServerMsg::message(&r, "pub", &text, m, time))
            })
            .collect();
        assert_eq!(history, want, "seed {seed} iteration {i}");
        // A marker after everything the publisher sent: the joiner reads
        // pushes up to it.
        let marker = queue_joined(&mut setup, &r, "n999999");
        setup.flush();
        setup.wait(chat::cluster::conn::CommandId(marker));
        let mut later = Vec::new();
        loop {
            match item_of(&smessage_frame(&joiner.next_push())) {
                Item::Joined(999_999) => break,
                item => later.push(item),
            }
        }
        // The join script ran between order[..j] and order[j..]: the later
        // pushes are exactly order[j..], in order...
        assert!(
            later.len() <= order.len() && order.ends_with(&later),
            "seed {seed} iteration {i}: later pushes {later:?} are not a suffix of {order:?}"
        );
        let j = order.len() - later.len();
        // ...the history holds exactly the Messages of order[..j]...
        let before = order[..j]
            .iter()
            .filter(|it| matches!(it, Item::Message(_)))
            .count() as u64;
        assert_eq!(
            before, s,
            "seed {seed} iteration {i}: history seq vs pushes"
        );
        // ...and the window is what ran just before the join, so dropping
        // it loses nothing and keeps nothing twice.
        assert!(
            order[..j].ends_with(&window),
            "seed {seed} iteration {i}: window {window:?} does not end at {j} of {order:?}"
        );
        if !window.is_empty() {
            windows[usize::from(pipelined)] += 1;
            dropped[usize::from(pipelined)] += window.len();
        }
        joiner.call(&["SUNSUBSCRIBE", channel.as_str()]);
    }
    eprintln!(
        "{iterations} joins: events between the subscription and the join reply \
         (all covered by the history) in {} joins ({} events) that waited for the \
         confirmation, in {} pipelined joins ({} events)",
        windows[0], dropped[0], windows[1], dropped[1]
    );
}
