//! Running out of descriptors: `accept` fails with `EMFILE`, the helpers
//! in `sys::net` recognise it, and the connection waits in the backlog
//! until a descriptor is free. A test binary of its own, without the
//! libtest harness (`harness = false` in Cargo.toml): lowering
//! `RLIMIT_NOFILE` affects the whole process, so no other test may run
//! beside it.

use std::fs::File;
use std::io;

use sys::net::{is_fd_exhaustion, is_resource_exhaustion, TcpListener, TcpStream};

fn get_nofile() -> libc::rlimit {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for getrlimit to fill (getrlimit(2)).
    let res = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(res, 0, "getrlimit: {}", io::Error::last_os_error());
    lim
}

fn set_nofile(lim: &libc::rlimit) {
    // SAFETY: `lim` is a valid rlimit; the kernel checks the values
    // (setrlimit(2)).
    let res = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, lim) };
    assert_eq!(res, 0, "setrlimit: {}", io::Error::last_os_error());
}

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    // The handshake completes into the backlog before anyone accepts.
    let _client = TcpStream::connect_blocking(addr).unwrap();

    let saved = get_nofile();
    let low: libc::rlim_t = 64;
    assert!(
        saved.rlim_cur >= low,
        "soft limit {} below {low}",
        saved.rlim_cur
    );
    set_nofile(&libc::rlimit {
        rlim_cur: low,
        rlim_max: saved.rlim_max,
    });

    // Fill the table.
    let mut files = Vec::new();
    let full = loop {
        match File::open("/dev/null") {
            Ok(f) => files.push(f),
            Err(e) => break e,
        }
        assert!(
            files.len() <= low as usize,
            "the lowered limit is not enforced"
        );
    };
    assert!(is_fd_exhaustion(&full), "open: {full:?}");
    assert!(is_resource_exhaustion(&full), "open: {full:?}");

    let err = listener.accept().unwrap_err();
    assert!(is_fd_exhaustion(&err), "accept: {err:?}");
    assert!(is_resource_exhaustion(&err), "accept: {err:?}");

    // One descriptor free: the waiting connection is still there.
    files.pop();
    let (_server_side, peer) = listener.accept().expect("accept after a close");
    assert!(peer.ip().is_loopback(), "{peer}");

    drop(files);
    set_nofile(&saved);
    println!("fd_exhaustion: accept fails with EMFILE and recovers: ok");
}
