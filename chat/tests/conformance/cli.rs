//! PROTOCOL.md section 6: flags, usage errors, `--help`, and the
//! `listening on HOST:PORT` line.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::util::{run_to_exit, Server};

/// Run `bin args...` to completion (bounded), with stdin closed.
fn run(bin: &Path, args: &[&str]) -> Output {
    run_to_exit(bin, args, Duration::from_secs(10))
}

pub fn listening_line_names_the_real_port(bin: &Path) {
    let server = Server::start(bin, &[]);
    assert!(
        server.first_line.ends_with('\n'),
        "the line ends with a newline"
    );
    assert_eq!(server.first_line, format!("listening on {}\n", server.addr));
    assert!(server.addr.ip().is_loopback() && server.addr.port() != 0);
    let mut c = server.login("port");
    c.expect_quiet();
}

pub fn listening_line_brackets_ipv6(bin: &Path) {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    let server = Server::start_raw(bin, &["--addr", "[::1]:0"]);
    assert!(
        server.first_line.starts_with("listening on [::1]:"),
        "{:?}",
        server.first_line
    );
    let mut c = server.login("six");
    c.expect_quiet();
}

pub fn help_exits_zero(bin: &Path) {
    let out = run(bin, &["--help"]);
    assert_eq!(out.status.code(), Some(0), "--help exits 0");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for flag in [
        "--addr",
        "--max-conns",
        "--max-outbound",
        "--max-frame",
        "--hello-timeout-ms",
    ] {
        assert!(
            text.contains(flag),
            "--help does not mention {flag}: {text}"
        );
    }
    assert!(
        !text.contains("listening on"),
        "--help must not start the server"
    );
}

pub fn bad_flags_exit_two(bin: &Path) {
    let cases: [&[&str]; 8] = [
        &["--bogus"],
        &["stray"],
        &["--max-conns"],
        &["--max-conns", "ten"],
        &["--max-frame", "-1"],
        &["--max-outbound", "1.5"],
        &["--hello-timeout-ms", ""],
        &["--addr", "not an address"],
    ];
    for args in cases {
        let out = run(bin, args);
        assert_eq!(out.status.code(), Some(2), "{args:?} must exit 2");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.trim().is_empty(), "{args:?}: a message on stderr");
        assert!(
            err.contains("--addr"),
            "{args:?}: usage on stderr, got {err}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("listening on"),
            "{args:?} started a server"
        );
    }
}

pub fn every_flag_is_accepted(bin: &Path) {
    let server = Server::start(
        bin,
        &[
            "--max-conns",
            "50",
            "--max-outbound",
            "100000",
            "--max-frame",
            "1000",
            "--hello-timeout-ms",
            "5000",
        ],
    );
    let mut c = server.login("flags");
    c.expect_quiet();
}

/// `async_server` only (section 6): `--threads N` picks the number of worker
/// threads; a bad value is a usage error like any other.
pub fn threads_flag(bin: &Path) {
    for n in ["1", "3"] {
        let server = Server::start(bin, &["--threads", n]);
        let mut conns = server.login_all(&["t1", "t2"]);
        let m = conns[0].say("lobby", "threads");
        conns[1].expect(m);
    }
    let help = run(bin, &["--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("--threads")
            || String::from_utf8_lossy(&help.stderr).contains("--threads"),
        "--help mentions --threads"
    );
    let cases: [&[&str]; 3] = [&["--threads"], &["--threads", "0"], &["--threads", "many"]];
    for args in cases {
        let out = run(bin, args);
        assert_eq!(out.status.code(), Some(2), "{args:?} must exit 2");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--threads"),
            "{args:?}: usage on stderr"
        );
    }
}
