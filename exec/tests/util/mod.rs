//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// A runtime with `n` workers (signals off: tests share one process).
/// `EXEC_TEST_WORKERS=k` overrides `n`, to shake the scheduler with more
/// (or fewer) threads than cores.
pub fn rt(n: usize) -> exec::Runtime {
    let n = std::env::var("EXEC_TEST_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    exec::Runtime::builder()
        .worker_threads(n)
        .signals(false)
        .build()
        .expect("runtime")
}

/// Runs `f` on a helper thread; fails the test (instead of hanging it) if
/// it takes longer than `secs` — a lost wake-up shows up as this failure.
pub fn watchdog<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => {
            thread.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: re-raise its panic.
            match thread.join() {
                Err(p) => std::panic::resume_unwind(p),
                Ok(()) => unreachable!(),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test did not finish within {secs} s (lost wake-up or deadlock?)")
        }
    }
}

/// Counts how many times values of this type are dropped.
#[derive(Debug)]
pub struct CountDrop(pub Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// CPU time (user + system) consumed by this process, from /proc/self/stat.
#[cfg(target_os = "linux")]
pub fn process_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    // The command name (field 2) may contain spaces; fields after the
    // closing parenthesis are space-separated: state is field 3, utime 14,
    // stime 15 (proc(5)).
    let after = &stat[stat.rfind(')').expect("comm field") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields[11].parse().expect("utime");
    let stime: u64 = fields[12].parse().expect("stime");
    // Clock ticks: 100 per second on every Linux configuration we run on
    // (USER_HZ); sysconf is not reachable without libc.
    Duration::from_millis((utime + stime) * 10)
}

/// Spins (yielding the CPU) until `cond` holds; panics naming `what` if it
/// does not within 30 s. For waiting on runtime state without a fixed sleep.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        std::thread::yield_now();
    }
}
