//! RESP3 decoder throughput on what a cluster node reads most: `smessage`
//! pushes carrying chat frames, and `EVALSHA` integer replies.
//!
//! `cargo bench -p chat --bench resp` prints, per case, the median of
//! several runs as MB/s of input and values/s, timed by this thread's
//! on-CPU time from `/proc/thread-self/schedstat` where the kernel reports
//! it (the machine may be shared), else by wall time. Each run decodes one
//! buffer of many values, fed in 64 KiB reads as a socket would deliver
//! them.

use std::hint::black_box;
use std::time::Instant;

use chat::cluster::resp::{Decoder, Limits, Value};
use chat::fmt::framed;
use chat::protocol::ServerMsg;

const RUNS: usize = 9;
const READ: usize = 64 * 1024;

fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds `f` took: on-CPU if known, else wall.
fn timed(f: impl FnOnce()) -> u64 {
    let (cpu, wall) = (cpu_ns(), Instant::now());
    f();
    match (cpu, cpu_ns()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall.elapsed().as_nanos() as u64,
    }
}

fn bench(filter: Option<&str>, name: &str, wire: &[u8], count: usize) {
    if filter.is_some_and(|f| !name.contains(f)) {
        return;
    }
    let decode = || {
        let mut dec = Decoder::new(Limits::default());
        let mut n = 0;
        for chunk in wire.chunks(READ) {
            dec.push(chunk);
            while let Some(v) = dec.next_value().unwrap() {
                black_box(&v);
                n += 1;
            }
        }
        assert_eq!(n, count);
    };
    decode(); // warm-up
    let mut ns: Vec<u64> = (0..RUNS).map(|_| timed(decode)).collect();
    ns.sort_unstable();
    let median = ns[RUNS / 2].max(1) as f64;
    println!(
        "{name:<34} {:>8.1} MB/s  {:>6.2} M values/s  ({} bytes per value)",
        wire.len() as f64 / median * 1e3,
        count as f64 / median * 1e3,
        wire.len() / count
    );
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let filter = filter.as_deref();
    let mut frame = Vec::new();
    framed::encode_frame(
        &ServerMsg::Message {
            room: "lobby".into(),
            from: "alice".into(),
            text: "The quick brown fox jumps over the lazy dog, then naps. 01234567".into(),
            seq: 123_456,
            time_ms: 1_700_000_000_000,
        },
        &mut frame,
    )
    .unwrap();
    let count = 100_000;

    let mut wire = Vec::new();
    for _ in 0..count {
        Value::Push(vec![
            Value::Bulk(b"smessage".to_vec()),
            Value::Bulk(b"chat:{lobby}".to_vec()),
            Value::Bulk(frame.clone()),
        ])
        .encode(&mut wire);
    }
    let name = format!("smessage push, {}-byte frame", frame.len());
    bench(filter, &name, &wire, count);

    wire.clear();
    for i in 0..count {
        Value::Integer(i as i64).encode(&mut wire);
    }
    bench(filter, "integer reply", &wire, count);

    wire.clear();
    let history = Value::Array(vec![
        Value::Integer(123_456),
        Value::Array(vec![Value::Bulk(frame.clone()); 32]),
    ]);
    for _ in 0..count / 100 {
        history.encode(&mut wire);
    }
    bench(filter, "join reply, 32 frames", &wire, count / 100);
}
