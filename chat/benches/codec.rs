//! Codec benchmarks: encode and decode the hot messages of a chat server.
//!
//! `cargo bench -p chat --bench codec` prints, for each case, the median and
//! the minimum of several timed runs in nanoseconds per operation, next to
//! the serde 1.0 + postcard 1.2 reference (measured on the same kind of
//! machine). Encoding goes into a reused, pre-sized `Vec`; decoding produces
//! owned values (and drops them). A filter argument runs only the cases
//! whose name contains it: `cargo bench -p chat --bench codec -- Rooms`.
//!
//! The machine is shared, so wall-clock time also counts the time this
//! thread spent waiting for a CPU. On Linux the bench therefore times each
//! run by the thread's on-CPU time from `/proc/thread-self/schedstat`
//! (nanoseconds, kept by the scheduler), and falls back to `Instant`
//! elsewhere; the header line says which clock was used.

use std::hint::black_box;
use std::time::Instant;

use chat::fmt::{binary, framed};
use chat::protocol::{ClientMsg, RoomInfo, ServerMsg};

/// Timed runs per case; the median is reported.
const RUNS: usize = 9;

/// Shortest timed run, in nanoseconds.
const MIN_RUN_NS: u64 = 200_000_000;

struct Case<'a> {
    name: &'a str,
    iters: u64,
    reference_ns: Option<f64>,
}

/// Runs `op` `iters` times per run, `RUNS` runs after one warm-up run, and
/// prints the median and minimum ns per operation.
fn bench(filter: Option<&str>, case: Case<'_>, mut op: impl FnMut()) {
    if filter.is_some_and(|f| !case.name.contains(f)) {
        return;
    }
    // The warm-up run also calibrates: CPU time advances in scheduler ticks
    // (a few ms), so each timed run is made to last at least MIN_RUN.
    let start = Instant::now();
    for _ in 0..case.iters {
        op();
    }
    let warm = start.elapsed().as_nanos().max(1) as u64;
    let iters = case.iters.max(case.iters * MIN_RUN_NS / warm);
    let mut per_op = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let start = Clock::now();
        for _ in 0..iters {
            op();
        }
        let ns = start.elapsed_ns() as f64 / iters as f64;
        if run > 0 {
            per_op.push(ns);
        }
    }
    per_op.sort_by(f64::total_cmp);
    let median = per_op[RUNS / 2];
    let min = per_op[0];
    let reference = match case.reference_ns {
        Some(r) => format!("reference {r:>6.0} ns  ({:.2}x)", median / r),
        None => String::new(),
    };
    println!(
        "{:<28} median {median:>8.1} ns/op   min {min:>8.1}   {reference}",
        case.name
    );
}

/// On-CPU time of this thread when the kernel reports it, else wall time.
enum Clock {
    Cpu(u64),
    Wall(Instant),
}

impl Clock {
    /// The first field of `/proc/thread-self/schedstat`: nanoseconds this
    /// thread has spent running (see the kernel's `Documentation/scheduler/sched-stats.rst`).
    fn cpu_ns() -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }

    fn now() -> Clock {
        match Clock::cpu_ns() {
            Some(ns) => Clock::Cpu(ns),
            None => Clock::Wall(Instant::now()),
        }
    }

    fn elapsed_ns(&self) -> u64 {
        match self {
            Clock::Cpu(start) => Clock::cpu_ns().unwrap_or(*start) - start,
            Clock::Wall(start) => start.elapsed().as_nanos() as u64,
        }
    }
}

fn message() -> ServerMsg {
    ServerMsg::Message {
        room: "lobby".into(),
        from: "alice".into(),
        text: "The quick brown fox jumps over the lazy dog, then naps. 01234567".into(),
        seq: 123_456,
        time_ms: 1_700_000_000_000,
    }
}

fn rooms() -> ServerMsg {
    ServerMsg::Rooms {
        rooms: (0..100)
            .map(|i| RoomInfo {
                name: format!("room-{i:03}"),
                members: 1000 + i,
            })
            .collect(),
    }
}

/// xorshift64*, for the garbage inputs.
fn garbage(count: usize) -> Vec<Vec<u8>> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    (0..count)
        .map(|_| {
            let len = 1 + (next() % 64) as usize;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; anything else is a name filter.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let filter = filter.as_deref();

    let msg = message();
    let msg_bytes = binary::to_vec(&msg).unwrap();
    let rooms = rooms();
    let rooms_bytes = binary::to_vec(&rooms).unwrap();
    println!(
        "Message: {} bytes, Rooms: {} bytes; {RUNS} runs per case, timed by {}",
        msg_bytes.len(),
        rooms_bytes.len(),
        match Clock::now() {
            Clock::Cpu(_) => "on-CPU time (/proc/thread-self/schedstat)",
            Clock::Wall(_) => "wall-clock time",
        }
    );
    assert_eq!(msg_bytes.len(), 87);

    let mut buf = Vec::with_capacity(4096);
    bench(
        filter,
        Case {
            name: "encode Message",
            iters: 1_000_000,
            reference_ns: Some(18.0),
        },
        || {
            buf.clear();
            binary::serialize_into(black_box(&msg), &mut buf).unwrap();
            black_box(&buf);
        },
    );
    bench(
        filter,
        Case {
            name: "decode Message",
            iters: 1_000_000,
            reference_ns: Some(56.0),
        },
        || {
            black_box(binary::from_bytes::<ServerMsg>(black_box(&msg_bytes)).unwrap());
        },
    );
    bench(
        filter,
        Case {
            name: "encode Rooms (100)",
            iters: 100_000,
            reference_ns: Some(640.0),
        },
        || {
            buf.clear();
            binary::serialize_into(black_box(&rooms), &mut buf).unwrap();
            black_box(&buf);
        },
    );
    bench(
        filter,
        Case {
            name: "decode Rooms (100)",
            iters: 100_000,
            reference_ns: Some(1900.0),
        },
        || {
            black_box(binary::from_bytes::<ServerMsg>(black_box(&rooms_bytes)).unwrap());
        },
    );

    let inputs = garbage(1024);
    let mut i = 0;
    bench(
        filter,
        Case {
            name: "reject garbage ClientMsg",
            iters: 1_000_000,
            reference_ns: Some(8.0),
        },
        || {
            i = (i + 1) & 1023;
            black_box(binary::from_bytes::<ClientMsg>(black_box(&inputs[i])).is_err());
        },
    );

    // Not in the reference, but the server's actual path: header + payload.
    bench(
        filter,
        Case {
            name: "encode_frame Message",
            iters: 1_000_000,
            reference_ns: None,
        },
        || {
            buf.clear();
            framed::encode_frame(black_box(&msg), &mut buf).unwrap();
            black_box(&buf);
        },
    );
    let mut wire = Vec::new();
    for _ in 0..64 {
        framed::encode_frame(&msg, &mut wire).unwrap();
    }
    let mut dec = framed::FrameDecoder::new(chat::protocol::SERVER_MAX_FRAME);
    bench(
        filter,
        Case {
            name: "deframe+decode 64 Messages",
            iters: 20_000,
            reference_ns: None,
        },
        || {
            dec.push(black_box(&wire));
            while let Some(payload) = dec.next_frame().unwrap() {
                black_box(binary::from_bytes::<ServerMsg>(payload).unwrap());
            }
        },
    );
}
