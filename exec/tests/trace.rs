//! `EXEC_TRACE` never turns into a panic: with the trace on and standard
//! error a pipe whose reader is gone (every write fails with `EPIPE`), a
//! runtime still runs its tasks to completion.
//!
//! The variable is read once per process, so the test runs itself again as
//! a child process with the variable set.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD: &str = "EXEC_TRACE_TEST_CHILD";

#[test]
fn trace_on_a_broken_stderr_is_ignored() {
    if std::env::var_os(CHILD).is_some() {
        return child_work();
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "trace_on_a_broken_stderr_is_ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        // Any value but "0" or "" turns it on, as for SYS_TRACE.
        .env("EXEC_TRACE", "yes")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the child writes a single trace line.
    drop(child.stderr.take());
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "child failed: {status:?}\n{stdout}");
    assert!(
        stdout.contains("child: 2 workers ran 100 tasks"),
        "{stdout}"
    );
}

fn child_work() {
    let rt = exec::Runtime::builder().worker_threads(2).build().unwrap();
    let sum = rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..100u64 {
            handles.push(exec::spawn(async move {
                exec::time::sleep(Duration::from_millis(1)).await;
                i
            }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..100).sum::<u64>());
    rt.shutdown();
    println!("child: 2 workers ran 100 tasks");
}
