//! `loadgen` end to end: a small fanout against `event_server` verifies,
//! also across the two nodes of a cluster, and an unreachable server is a
//! clear error.

mod redis;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use chat::fmt::json;
use chat::loadgen::fanout::FanoutReport;
use chat::loadgen::latency::LatencyReport;

/// `event_server` on a free port, killed on drop.
struct Server(Child, String);

impl Server {
    fn start() -> Server {
        Server::start_with(&[])
    }

    /// `event_server --addr 127.0.0.1:0 ARGS...`.
    fn start_with(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_event_server"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
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

/// Runs `loadgen ARGS...`; its JSON line, which must say it verified.
fn loadgen_verified(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "loadgen {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().last().expect("a JSON line").to_string()
}

#[test]
fn fanout_and_latency_across_two_cluster_nodes_verify() {
    let redis = redis::Redis::start();
    let redis_addr = redis.addr().to_string();
    let nodes = [
        Server::start_with(&["--redis", &redis_addr]),
        Server::start_with(&["--redis", &redis_addr]),
    ];
    let addrs = format!("{},{}", nodes[0].1, nodes[1].1);
    let pids = format!("{},{},{}", nodes[0].0.id(), nodes[1].0.id(), redis.pid());
    // Clients alternate between the nodes: each hears the other node's.
    let line = loadgen_verified(&[
        "fanout",
        "--addr",
        &addrs,
        "--clients",
        "6",
        "--msgs",
        "20",
        "--size",
        "40",
        "--window",
        "4",
        "--pid",
        &pids,
    ]);
    let report: FanoutReport = json::from_str(&line).unwrap();
    assert!(report.verified, "{line}");
    assert_eq!(report.deliveries, 6 * 6 * 20);
    let each = report.server_cpu_ticks_each.expect("ticks per process");
    assert_eq!(each.len(), 3, "{line}");
    assert_eq!(Some(each.iter().sum::<u64>()), report.server_cpu_ticks);

    let line = loadgen_verified(&[
        "latency",
        "--addr",
        &addrs,
        "--clients",
        "4",
        "--rate",
        "200",
        "--seconds",
        "0.5",
        "--pid",
        &pids,
    ]);
    let report: LatencyReport = json::from_str(&line).unwrap();
    assert!(report.verified, "{line}");
    assert_eq!(report.deliveries, report.sent * 4);
    assert_eq!(report.server_cpu_ticks_each.map(|e| e.len()), Some(3));
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
        &["fanout", "--addr", "127.0.0.1:7,10.1.2.3:7"],
        &["latency", "--addr", "127.0.0.1:7,"],
        &["latency", "--pid", "1,x"],
        &["idle", "--addr", "127.0.0.1:7,127.0.0.1:8", "--pid", "1"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
