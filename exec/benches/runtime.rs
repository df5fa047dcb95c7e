//! The runtime's workloads (spawn, `yield_now`, channels, timers, TCP
//! echo), timed with `Instant` on a 2-worker runtime.
//!
//! `cargo bench -p exec --bench runtime [filter]`: each workload runs
//! `RUNS` times after one warm-up; the median and the minimum are printed.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exec::net::{TcpListener, TcpStream};
use exec::sync::{mpsc, oneshot};

const RUNS: usize = 11;

fn runtime() -> exec::Runtime {
    exec::Runtime::builder()
        .worker_threads(2)
        .signals(false)
        .build()
        .unwrap()
}

/// Runs `f` RUNS+1 times (first is warm-up); `f` returns a per-unit figure.
fn measure(name: &str, unit: &str, mut f: impl FnMut() -> f64) {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|w| name.contains(w.as_str())) {
        return;
    }
    f();
    let mut samples: Vec<f64> = (0..RUNS).map(|_| f()).collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // For throughputs the best run is the largest.
    let (label, best) = if unit.ends_with("/s") {
        ("max", samples[RUNS - 1])
    } else {
        ("min", samples[0])
    };
    println!(
        "{name:<44} median {:>10.1} {unit}   {label} {best:>10.1} {unit}",
        samples[RUNS / 2]
    );
}

fn per(elapsed: Duration, n: u64) -> f64 {
    elapsed.as_nanos() as f64 / n as f64
}

fn block<F: Future>(rt: &exec::Runtime, f: F) -> F::Output {
    rt.block_on(f)
}

fn main() {
    let rt = runtime();

    measure("spawn 100 000 from inside, await all", "ns/task", || {
        block(&rt, async {
            exec::spawn(async {
                let start = Instant::now();
                let handles: Vec<_> = (0..100_000).map(|_| exec::spawn(async {})).collect();
                for h in handles {
                    h.await.unwrap();
                }
                per(start.elapsed(), 100_000)
            })
            .await
            .unwrap()
        })
    });

    measure("spawn 100 000 from a non-runtime thread", "ns/task", || {
        let start = Instant::now();
        let handles: Vec<_> = (0..100_000).map(|_| rt.spawn(async {})).collect();
        block(&rt, async {
            for h in handles {
                h.await.unwrap();
            }
        });
        per(start.elapsed(), 100_000)
    });

    measure("1 000 tasks x 1 000 yield_now", "ns/yield", || {
        block(&rt, async {
            exec::spawn(async {
                let start = Instant::now();
                let handles: Vec<_> = (0..1_000)
                    .map(|_| {
                        exec::spawn(async {
                            for _ in 0..1_000 {
                                exec::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
                per(start.elapsed(), 1_000_000)
            })
            .await
            .unwrap()
        })
    });

    measure(
        "ping-pong over two bounded(1) channels",
        "ns/round trip",
        || {
            block(&rt, async {
                exec::spawn(async {
                    const N: u64 = 100_000;
                    let (tx1, mut rx1) = mpsc::channel::<u64>(1);
                    let (tx2, mut rx2) = mpsc::channel::<u64>(1);
                    let start = Instant::now();
                    let pong = exec::spawn(async move {
                        while let Some(v) = rx1.recv().await {
                            tx2.send(v).await.unwrap();
                        }
                    });
                    for i in 0..N {
                        tx1.send(i).await.unwrap();
                        assert_eq!(rx2.recv().await, Some(i));
                    }
                    drop(tx1);
                    pong.await.unwrap();
                    per(start.elapsed(), N)
                })
                .await
                .unwrap()
            })
        },
    );

    measure("chain of 1 000 tasks passing a oneshot", "ns/hop", || {
        block(&rt, async {
            exec::spawn(async {
                const N: u64 = 1_000;
                let start = Instant::now();
                let (first, mut rx) = oneshot::channel::<u64>();
                for _ in 0..N {
                    let (tx, next) = oneshot::channel::<u64>();
                    exec::spawn(async move {
                        tx.send(rx.await.unwrap() + 1).unwrap();
                    });
                    rx = next;
                }
                first.send(0).unwrap();
                assert_eq!(rx.await.unwrap(), N);
                per(start.elapsed(), N)
            })
            .await
            .unwrap()
        })
    });

    measure(
        "8 producers x 250 000 into one unbounded",
        "ns/message",
        || {
            block(&rt, async {
                exec::spawn(async {
                    const PER: u64 = 250_000;
                    let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
                    let start = Instant::now();
                    for p in 0..8 {
                        let tx = tx.clone();
                        exec::spawn(async move {
                            for i in 0..PER {
                                tx.send(p * PER + i).unwrap();
                            }
                        });
                    }
                    drop(tx);
                    let mut n = 0;
                    while rx.recv().await.is_some() {
                        n += 1;
                    }
                    assert_eq!(n, 8 * PER);
                    per(start.elapsed(), 8 * PER)
                })
                .await
                .unwrap()
            })
        },
    );

    let lateness = Arc::new(std::sync::Mutex::new(Vec::new()));
    let late = lateness.clone();
    measure("10 000 sleeps of 1-10 ms: wall", "ms", || {
        block(&rt, async {
            let start = Instant::now();
            let mut seed = 0x2545_F491_4F6C_DD1Du64;
            let handles: Vec<_> = (0..10_000)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let d = Duration::from_micros(1_000 + seed % 9_001);
                    exec::spawn(async move {
                        let deadline = Instant::now() + d;
                        exec::time::sleep_until(deadline).await;
                        Instant::now() - deadline
                    })
                })
                .collect();
            let mut total = Duration::ZERO;
            for h in handles {
                total += h.await.unwrap();
            }
            late.lock()
                .unwrap()
                .push(total.as_secs_f64() * 1e3 / 10_000.0);
            start.elapsed().as_secs_f64() * 1e3
        })
    });
    let mut l = lateness.lock().unwrap().clone();
    if !l.is_empty() {
        l.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{:<44} median {:>10.2} ms   min {:>10.2} ms",
            "10 000 sleeps of 1-10 ms: mean lateness",
            l[l.len() / 2],
            l[0]
        );
    }

    for conns in [1usize, 50] {
        let name = format!("TCP echo 64 B, 10 000 round trips, {conns} conn");
        measure(&name, "rt/s", || {
            block(&rt, async move {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                let server = exec::spawn(async move {
                    loop {
                        let (mut c, _) = listener.accept().await.unwrap();
                        c.set_nodelay(true).unwrap();
                        exec::spawn(async move {
                            let mut buf = [0u8; 64];
                            while c.read_exact(&mut buf).await.is_ok() {
                                if c.write_all(&buf).await.is_err() {
                                    return;
                                }
                            }
                        });
                    }
                });
                let mut streams = Vec::new();
                for _ in 0..conns {
                    let s = TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    streams.push(s);
                }
                let per_conn = 10_000 / conns;
                let start = Instant::now();
                let clients: Vec<_> = streams
                    .into_iter()
                    .map(|mut s| {
                        exec::spawn(async move {
                            let msg = [7u8; 64];
                            let mut buf = [0u8; 64];
                            for _ in 0..per_conn {
                                s.write_all(&msg).await.unwrap();
                                s.read_exact(&mut buf).await.unwrap();
                            }
                        })
                    })
                    .collect();
                for c in clients {
                    c.await.unwrap();
                }
                let elapsed = start.elapsed();
                server.abort();
                (per_conn * conns) as f64 / elapsed.as_secs_f64()
            })
        });
    }
}
