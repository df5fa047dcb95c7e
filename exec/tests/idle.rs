//! An idle runtime uses no CPU.

#[cfg(target_os = "linux")]
mod util;

#[cfg(target_os = "linux")]
#[test]
fn idle_runtime_with_a_listener_uses_no_cpu() {
    use std::time::Duration;
    let rt = util::rt(2);
    // A registered listener nobody connects to, and a task waiting on it.
    let listener = rt.block_on(async { exec::net::TcpListener::bind("127.0.0.1:0").unwrap() });
    let acceptor = rt.spawn(async move {
        let _ = listener.accept().await;
    });
    // Wait (no fixed delay) until every worker sleeps, one in the reactor.
    util::wait_until("every worker to park", || {
        let m = rt.metrics();
        m.parked_workers == m.workers && m.worker_in_reactor
    });
    let before = util::process_cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = util::process_cpu_time() - before;
    let m = rt.metrics();
    assert!(
        used < Duration::from_millis(20),
        "idle runtime used {used:?} of CPU in 2 s; metrics:\n{m}"
    );
    assert_eq!(m.parked_workers, m.workers, "{m}");
    acceptor.abort();
}
