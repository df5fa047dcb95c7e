//! `SYS_TRACE=1` prints the readiness system calls with decoded flags.
//!
//! The variable is read once per process, so the test runs itself again as
//! a child process with the variable set, and reads the child's stderr.

use std::io::Write;
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
