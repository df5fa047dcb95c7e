//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sys::net::{TcpListener, TcpStream};
use sys::{Event, Events, Interest, Poll, Token, Trigger};

/// How long a test waits for an event that must come before declaring
/// failure. Generous: it only bounds a failing test, a passing one returns
/// as soon as the event arrives.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How long a test watches for an event that must *not* come.
pub const QUIET: Duration = Duration::from_millis(100);

/// `127.0.0.1:0`: loopback, any free port.
pub fn any_local_address() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An address where nothing listens, for as long as the returned guard
/// lives: the client end of a live loopback connection. A connect to it is
/// refused (RST), and unlike the port of a closed listener it cannot be
/// taken by another process in the meantime, because the connection holds
/// it.
pub fn refusing_address() -> (SocketAddr, impl Sized) {
    let listener = std::net::TcpListener::bind(any_local_address()).unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client.local_addr().unwrap(), (client, server))
}

/// A connected pair: our non-blocking stream and the peer, a blocking
/// std stream the test drives directly.
pub fn tcp_pair() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind(any_local_address()).unwrap();
    let ours = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
    ours.set_nonblocking(true).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (ours, peer)
}

/// The setup most readiness tests share: a [`Poll`], an [`Events`] buffer,
/// and a [`tcp_pair`] whose non-blocking end is registered under `token`
/// for `interest` with `trigger`.
pub fn registered_pair(
    token: Token,
    interest: Interest,
    trigger: Trigger,
) -> (Poll, Events, TcpStream, std::net::TcpStream) {
    let poll = Poll::new().unwrap();
    let events = Events::with_capacity(8);
    let (mut ours, peer) = tcp_pair();
    poll.registry()
        .register_with(&mut ours, token, interest, trigger)
        .unwrap();
    (poll, events, ours, peer)
}

/// A listener and an accepted connection on it: our non-blocking accepted
/// stream and the connecting peer.
pub fn accepted_pair() -> (TcpListener, TcpStream, std::net::TcpStream) {
    let listener = TcpListener::bind(any_local_address()).unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    listener.set_nonblocking(false).unwrap();
    let (ours, _) = listener.accept().unwrap();
    listener.set_nonblocking(true).unwrap();
    (listener, ours, peer)
}

/// Polls until an event for `token` satisfying `check` arrives and returns
/// a description of it; panics (listing what did arrive) after
/// [`PATIENCE`].
pub fn expect_event(
    poll: &mut Poll,
    events: &mut Events,
    token: Token,
    check: impl Fn(&Event) -> bool,
) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            panic!("no matching event for {token:?} within {PATIENCE:?}; saw {seen:#?}");
        }
        poll.poll(events, Some(left)).unwrap();
        for event in events.iter() {
            if event.token() == token && check(event) {
                return format!("{event:?}");
            }
            seen.push(format!("{event:?}"));
        }
    }
}

/// Polls for [`QUIET`] and panics if any event for `token` arrives.
pub fn expect_no_event(poll: &mut Poll, events: &mut Events, token: Token) {
    let deadline = Instant::now() + QUIET;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        poll.poll(events, Some(left)).unwrap();
        if let Some(event) = events.iter().find(|e| e.token() == token) {
            panic!("unexpected event {event:#?}");
        }
    }
}

/// Counts the events for `token` in the next polls until [`QUIET`] passes
/// with no event at all.
pub fn count_events(poll: &mut Poll, events: &mut Events, token: Token) -> usize {
    let mut count = 0;
    loop {
        poll.poll(events, Some(QUIET)).unwrap();
        if events.is_empty() {
            return count;
        }
        count += events.iter().filter(|e| e.token() == token).count();
    }
}

/// One case of a test binary that owns its `main`: its name and body.
pub type Case<T> = (&'static str, fn(&mut T));

/// Runs the cases of a test binary that owns its `main` (`harness = false`,
/// for signals, which must be blocked before any thread exists), one after
/// the other on `state`, printing libtest's lines so the run reads the
/// same: `test NAME ... ok`, then `N passed, 0 failed`. A failing case
/// panics, which fails the binary.
pub fn run_cases<T>(state: &mut T, cases: &[Case<T>]) {
    for (name, case) in cases {
        case(state);
        println!("test {name} ... ok");
    }
    println!("{} passed, 0 failed", cases.len());
}
