//! `loadgen` end to end: a small fanout against `event_server` verifies,
//! and an unreachable server is a clear error.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use chat::fmt::json;
use chat::loadgen::fanout::FanoutReport;

/// `event_server` on a free port, killed on drop.
struct Server(Child, String);

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_event_server"))
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start event_server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server(child, addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn fanout_against_event_server_verifies() {
    let server = Server::start();
    let pid = server.0.id().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args([
            "fanout",
            "--addr",
            &server.1,
            "--clients",
            "8",
            "--msgs",
            "25",
        ])
        .args(["--size", "40", "--window", "4", "--pid", &pid])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "loadgen failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().expect("a JSON line");
    let report: FanoutReport = json::from_str(line).unwrap();
    assert!(report.verified, "{line}");
    assert_eq!(report.deliveries, 8 * 8 * 25);
    assert_eq!(report.error, None);
    assert!(report.server_cpu_ticks.is_some());
}

#[test]
fn unreachable_server_is_a_clear_error() {
    // Bind a port, then free it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args([
            "churn",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--conns",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_command_lines_exit_2() {
    for args in [
        &["fanout", "--bogus", "1"][..],
        &["nope"],
        &["fanout", "--addr", "10.1.2.3:7"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
