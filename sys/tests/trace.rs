//! `SYS_TRACE=1` prints the readiness system calls with decoded flags;
//! `SYS_TRACE=2` adds the data calls.
//!
//! The variable is read once per process, so the test runs itself again as
//! a child process with the variable set, and reads the child's stderr.

use std::io::{ErrorKind, IoSlice, Read, Write};
use std::process::Command;
use std::time::Duration;

use sys::net::{TcpListener, TcpStream};
use sys::signal::{Signal, Signals};
use sys::{Events, Interest, Poll, Token, Waker};

const CHILD: &str = "SYS_TRACE_TEST_CHILD";

#[test]
fn trace_prints_each_call_with_flags_by_name() {
    if std::env::var_os(CHILD).is_some() {
        return child_work();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "trace_prints_each_call_with_flags_by_name",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("SYS_TRACE", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected: &[&str] = if cfg!(any(target_os = "linux", target_os = "android")) {
        &[
            "sys: epoll_create1(EPOLL_CLOEXEC) = ",
            "epoll_ctl(ADD, fd=",
            "EPOLLIN|EPOLLRDHUP|EPOLLET, token=42",
            "epoll_wait(epfd=",
            "-> token=42 EPOLLIN",
            "eventfd write(fd=",
            "accept4(fd=",
            "epoll_ctl(DEL, fd=",
            "POLLOUT, timeout=forever) = 1 (revents POLLOUT)",
            "signalfd(-1, [SIGHUP], SFD_NONBLOCK|SFD_CLOEXEC) = ",
            "signalfd read(fd=",
        ]
    } else {
        &[
            "sys: kqueue() = ",
            "EVFILT_READ EV_ADD|EV_ENABLE|EV_CLEAR|EV_RECEIPT",
            "udata=42",
            "fflags=NOTE_TRIGGER",
            "POLLOUT, timeout=forever) = 1 (revents POLLOUT)",
            "ident=1 EVFILT_SIGNAL EV_ADD|EV_RECEIPT",
            "kevent(signal kq=",
        ]
    };
    for needle in expected {
        assert!(stderr.contains(needle), "missing {needle:?} in:\n{stderr}");
    }
}

/// Runs in the child: a little of everything.
fn child_work() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), Token(7)).unwrap();
    waker.wake().unwrap();

    let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    poll.registry()
        .register(&mut listener, Token(42), Interest::READABLE)
        .unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut accepted = false;
    while !accepted {
        poll.poll(&mut events, Some(Duration::from_secs(10)))
            .unwrap();
        accepted = events.iter().any(|e| e.token() == Token(42));
    }
    listener.accept().unwrap();
    client.flush().unwrap();
    poll.registry().deregister(&mut listener).unwrap();

    // A blocking connect waits in poll(2).
    let _blocking = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();

    // Creating a signal source and finding nothing pending. (SIGHUP is
    // blocked in this thread only on Linux; nobody sends it.)
    let mut signals = Signals::new(&[Signal::Hangup]).unwrap();
    assert_eq!(signals.receive().unwrap(), None);
}

/// Runs `test` again in a child process with `SYS_TRACE=level` and returns
/// its standard error.
fn traced_child(test: &str, level: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture"])
        .env(CHILD, "1")
        .env("SYS_TRACE", level)
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn trace_level_two_adds_data_calls_with_byte_counts() {
    if std::env::var_os(CHILD).is_some() {
        return data_work();
    }
    let test = "trace_level_two_adds_data_calls_with_byte_counts";
    let two = traced_child(test, "2");
    for needle in [
        "sys: read(fd=",
        ", buf=64) = 5\n",
        ", buf=64) = -1 EAGAIN\n",
        "sys: readv(fd=",
        ", iov=2, buf=8) = ",
        "sys: send(fd=",
        ", 5 bytes) = 5\n",
        "sys: sendmsg(fd=",
        ", iov=2, 4 bytes) = 4\n",
        "sys: close(fd=",
    ] {
        assert!(two.contains(needle), "missing {needle:?} in:\n{two}");
    }
    // Level 2 keeps every call of level 1 (ports and fds differ between
    // the runs, so the call names are compared).
    let one = traced_child(test, "1");
    for line in one.lines() {
        let call = line.split(['(', '=']).next().unwrap();
        assert!(two.contains(call), "{line:?} missing at level 2");
    }
    // Level 1 is unchanged: readiness only.
    for absent in [
        "read(fd=",
        "readv(fd=",
        "send(fd=",
        "sendmsg(fd=",
        "close(fd=",
    ] {
        assert!(!one.contains(absent), "{absent:?} at level 1:\n{one}");
    }
    assert!(
        one.contains("accept4(fd=") || one.contains("accept(fd="),
        "{one}"
    );
}

/// Runs in the child: each data call once, including a read that would
/// block.
fn data_work() {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut client = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
    listener.set_nonblocking(false).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    server.set_nonblocking(true).unwrap();
    client.set_nonblocking(true).unwrap();

    let mut buf = [0; 64];
    assert_eq!(
        server.read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    client.set_nonblocking(false).unwrap();
    assert_eq!(client.write(b"hello").unwrap(), 5);
    server.set_nonblocking(false).unwrap();
    assert_eq!(server.read(&mut buf).unwrap(), 5);
    assert_eq!(
        client
            .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
            .unwrap(),
        4
    );
    let (mut a, mut b) = ([0; 1], [0; 7]);
    let mut read = 0;
    while read < 4 {
        read += server
            .read_vectored(&mut [
                std::io::IoSliceMut::new(&mut a),
                std::io::IoSliceMut::new(&mut b),
            ])
            .unwrap();
    }
    drop(server);
}
