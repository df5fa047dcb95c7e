//! What tracing costs a data call: `TcpStream::read` on an empty
//! non-blocking socket (`EAGAIN`), timed with `SYS_TRACE` set to `0`, `1`
//! and `2`, next to `std::net::TcpStream::read`, which has no trace check
//! (and makes a `recv` call rather than a `read`).
//!
//! ```text
//! cargo bench -p sys --bench trace
//! ```
//!
//! `SYS_TRACE` is read once per process, so the bench runs itself again as
//! a child per setting (standard error to `/dev/null`), several times over
//! in turn, and prints the best round of each setting. (`0` rather than
//! unset for "off": the same environment size for every child, since the
//! size of the environment moves the stack and can change timings.)
//!
//! Off and at level 1 (which does not trace data calls) the instructions
//! executed are the same: the check is one relaxed atomic load and a
//! branch, well under a nanosecond, so the two rows differ only by the
//! scheduling noise around a system call of a few hundred nanoseconds.
//! Level 2 adds the formatting and the `write(2)` of each trace line. The
//! figures of a run are in `bench/README.md`.

use std::hint::black_box;
use std::io::{ErrorKind, Read};
use std::process::{Command, Stdio};
use std::time::Instant;

const CHILD: &str = "SYS_TRACE_BENCH_CHILD";
const CALLS: u32 = 50_000;
const ROUNDS: usize = 5;
/// Passes over the four settings, interleaved so that a busy moment of the
/// machine does not land on one setting only.
const PASSES: usize = 9;

fn main() {
    if let Some(which) = std::env::var_os(CHILD) {
        let ns = match which.to_str() {
            Some("std") => best(std_read),
            _ => best(sys_read),
        };
        println!("{ns:.1}");
        return;
    }
    println!(
        "read() of an empty non-blocking socket (EAGAIN): ns per call, the best of \
         {PASSES} processes x {ROUNDS} rounds x {CALLS} calls"
    );
    println!();
    let settings = [
        ("std::net::TcpStream (recv, no check)", "std", Some("0")),
        ("sys, SYS_TRACE=0 (off)", "sys", Some("0")),
        ("sys, SYS_TRACE=1 (data untraced)", "sys", Some("1")),
        ("sys, SYS_TRACE=2 (to /dev/null)", "sys", Some("2")),
    ];
    let mut best_ns = [f64::INFINITY; 4];
    for _ in 0..PASSES {
        for (i, (_, which, level)) in settings.iter().enumerate() {
            let mut cmd = Command::new(std::env::current_exe().unwrap());
            cmd.env(CHILD, which)
                .env_remove("SYS_TRACE")
                .stderr(Stdio::null());
            if let Some(level) = level {
                cmd.env("SYS_TRACE", level);
            }
            let out = cmd.output().expect("run the bench child");
            assert!(out.status.success(), "child failed: {out:?}");
            let ns: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            best_ns[i] = best_ns[i].min(ns);
        }
    }
    println!("{:<38}{:>10}", "setting", "ns/call");
    for ((name, _, _), ns) in settings.iter().zip(best_ns) {
        println!("{name:<38}{ns:>10.1}");
    }
}

/// The fastest round's nanoseconds per call.
fn best(f: fn(u32)) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            f(CALLS);
            start.elapsed().as_nanos() as f64 / f64::from(CALLS)
        })
        .fold(f64::INFINITY, f64::min)
}

fn sys_read(calls: u32) {
    let listener = sys::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let _peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    listener.set_nonblocking(false).unwrap();
    let (mut ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    let mut buf = [0; 64];
    for _ in 0..calls {
        let err = black_box(&mut ours).read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
    }
}

fn std_read(calls: u32) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    let mut buf = [0; 64];
    for _ in 0..calls {
        let err = black_box(&mut ours).read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
    }
}
