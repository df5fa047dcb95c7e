//! `signal::ctrl_c` and `signal::shutdown_signal` on real signals.
//!
//! A `harness = false` test: the signals must be blocked before any other
//! thread exists (see `Builder::signals`), and the libtest harness starts
//! its own threads first. So `main` builds the runtime, then signals itself.

use std::time::Duration;

use sys::signal::{send, Signal};

fn main() {
    let rt = exec::Runtime::builder()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let pid = std::process::id();
    rt.block_on(async {
        let ctrl_c = exec::signal::ctrl_c();
        send(pid, Signal::Interrupt).expect("kill SIGINT");
        let got = exec::time::timeout(Duration::from_secs(20), ctrl_c)
            .await
            .expect("SIGINT reached ctrl_c() in time")
            .expect("signal handling on");
        assert_eq!(got, Signal::Interrupt);

        // Several tasks waiting; SIGTERM wakes every shutdown_signal().
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let f = exec::signal::shutdown_signal();
                exec::spawn(f)
            })
            .collect();
        send(pid, Signal::Terminate).expect("kill SIGTERM");
        for w in waiters {
            let got = exec::time::timeout(Duration::from_secs(20), w)
                .await
                .expect("SIGTERM delivered in time")
                .unwrap()
                .unwrap();
            assert_eq!(got, Signal::Terminate);
        }
    });
    println!("test signal::ctrl_c_and_shutdown_signal ... ok");
}
