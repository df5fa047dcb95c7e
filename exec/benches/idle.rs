//! Idle cost: a 2-worker runtime with a registered listener, idle for 5 s.
//! Reports CPU time (from /proc/self/stat) and context switches (summed over
//! /proc/self/task/*/status) used during the idle period.

#[cfg(target_os = "linux")]
fn main() {
    use std::time::Duration;

    fn cpu() -> Duration {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 10)
    }

    fn switches() -> u64 {
        let mut total = 0;
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let path = task.unwrap().path().join("status");
            let Ok(status) = std::fs::read_to_string(path) else {
                continue;
            };
            for line in status.lines() {
                if line.starts_with("voluntary_ctxt_switches")
                    || line.starts_with("nonvoluntary_ctxt_switches")
                {
                    total += line
                        .split_whitespace()
                        .nth(1)
                        .unwrap()
                        .parse::<u64>()
                        .unwrap();
                }
            }
        }
        total
    }

    let rt = exec::Runtime::builder()
        .worker_threads(2)
        .signals(false)
        .build()
        .unwrap();
    let listener = rt.block_on(async { exec::net::TcpListener::bind("127.0.0.1:0").unwrap() });
    let _acceptor = rt.spawn(async move {
        let _ = listener.accept().await;
    });
    std::thread::sleep(Duration::from_millis(200));
    let (c0, s0) = (cpu(), switches());
    std::thread::sleep(Duration::from_secs(5));
    let (c1, s1) = (cpu(), switches());
    // The main thread's own sleep accounts for one switch.
    println!(
        "idle 5 s: {:?} CPU (10 ms resolution), {} context switches (incl. this thread's sleep)",
        c1 - c0,
        s1 - s0
    );
    println!("{}", rt.metrics());
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("idle bench: Linux only (/proc)");
}
