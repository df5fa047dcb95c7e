//! Regression tests for the pitfalls of `sys::guide::pitfalls` that no
//! other test pins: each shows the kernel behaviour the guard in our code
//! exists for, and the guard's remedy working.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;

use sys::{Interest, Token, Trigger};
use util::{accepted_pair, count_events, expect_event, expect_no_event, registered_pair};

const T: Token = Token(5);

/// epoll registers the open file description, not the descriptor number:
/// closing the registered fd while a `dup` of it lives does not end the
/// registration, and its events keep coming under the old token (a token
/// the program may by now have given to someone else). kqueue removes a
/// descriptor's knotes when it is closed (kqueue(2)), so there the events
/// stop. Deregistering before closing is right on both.
#[test]
fn closing_a_registered_fd_with_a_live_dup_keeps_its_events_on_epoll() {
    let (mut poll, mut events, ours, mut peer) =
        registered_pair(T, Interest::READABLE, Trigger::Level);
    let dup = ours.try_clone().unwrap();
    drop(ours);
    peer.write_all(b"x").unwrap();
    if cfg!(any(target_os = "linux", target_os = "android")) {
        expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    } else {
        expect_no_event(&mut poll, &mut events, T);
    }

    // The remedy: deregister, then close.
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(T, Interest::READABLE, Trigger::Level);
    let _dup2 = ours.try_clone().unwrap();
    poll.registry().deregister(&mut ours).unwrap();
    drop(ours);
    peer.write_all(b"x").unwrap();
    expect_no_event(&mut poll, &mut events, T);
    drop(dup);
}

/// Deregistering a source removes its future events, but an event already
/// copied into the `Events` of this turn stays there: a program that frees
/// a token and hands it to a new source in the middle of a batch delivers
/// the old source's event to the new one. (The guards: `exec`'s reactor
/// puts a generation in every token; `event_server` accepts new
/// connections only after the turn's events.)
#[test]
fn an_event_collected_before_deregistering_stays_in_the_batch() {
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(T, Interest::READABLE, Trigger::Level);
    peer.write_all(b"x").unwrap();
    poll.poll(&mut events, Some(util::PATIENCE)).unwrap();
    poll.registry().deregister(&mut ours).unwrap();
    drop(ours);
    // The batch still holds the event of the closed source.
    assert_eq!(events.iter().filter(|e| e.token() == T).count(), 1);
    // The next poll does not.
    assert_eq!(count_events(&mut poll, &mut events, T), 0);
}

/// Closing a socket whose receive buffer still holds unread input makes the
/// kernel send RST instead of FIN (RFC 1122, 4.2.2.13): the peer sees
/// `ECONNRESET` rather than an end of stream, and data it had not yet read
/// can be discarded with it. `event_server`'s lingering close (shut down the
/// writing side, read and discard until the peer closes, then close) gives
/// the peer every byte and a clean end of stream.
#[test]
fn closing_with_unread_input_resets_and_lingering_does_not() {
    // The pitfall: unread input, then close.
    let (_listener, mut server, mut client) = accepted_pair();
    client
        .write_all(b"a request the server never reads")
        .unwrap();
    // Wait until the request is in the server's receive buffer.
    let mut poll = sys::Poll::new().unwrap();
    let mut events = sys::Events::with_capacity(4);
    poll.registry()
        .register(&mut server, T, Interest::READABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    server.write_all(b"error\n").unwrap();
    drop(server);
    let ending = read_to_end_or_error(&mut client);
    if cfg!(any(target_os = "linux", target_os = "android")) {
        assert_eq!(ending, Err(ErrorKind::ConnectionReset), "{ending:?}");
    }

    // The remedy: FIN first, drain the peer's input until its end of
    // stream, then close.
    let (_listener, mut server, mut client) = accepted_pair();
    server.set_nonblocking(false).unwrap();
    client
        .write_all(b"a request the server never reads")
        .unwrap();
    server.write_all(b"error\n").unwrap();
    server.shutdown(Shutdown::Write).unwrap();
    let got = read_to_end_or_error(&mut client);
    assert_eq!(got, Ok(b"error\n".to_vec()));
    client.shutdown(Shutdown::Write).unwrap();
    let mut discard = Vec::new();
    server.read_to_end(&mut discard).unwrap();
    drop(server);
}

/// Reads until end of stream (`Ok` with everything read) or an error (its
/// kind).
fn read_to_end_or_error(stream: &mut std::net::TcpStream) -> Result<Vec<u8>, ErrorKind> {
    let mut all = Vec::new();
    let mut buf = [0; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(all),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) => return Err(e.kind()),
        }
    }
}
