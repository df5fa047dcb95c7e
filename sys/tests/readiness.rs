//! What each readiness event means for TCP sockets: readable, writable,
//! read-closed, errors.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::Duration;

use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Poll, Token, Trigger};
use util::{any_local_address, expect_event, refusing_address, registered_pair};

const T: Token = Token(7);

#[test]
fn a_listener_is_readable_when_a_connection_waits() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut listener = TcpListener::bind(any_local_address()).unwrap();
    poll.registry()
        .register(&mut listener, T, Interest::READABLE)
        .unwrap();

    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    let (stream, peer) = listener.accept().unwrap();
    assert_eq!(stream.peer_addr().unwrap(), peer);
    assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn a_new_connection_is_writable_and_becomes_readable_when_data_arrives() {
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(T, Interest::READABLE | Interest::WRITABLE, Trigger::Edge);

    expect_event(&mut poll, &mut events, T, |e| {
        e.is_writable() && !e.is_readable()
    });

    peer.write_all(b"hello").unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    let mut buf = [0; 16];
    assert_eq!(ours.read(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(
        ours.read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn peer_shutdown_reports_read_closed() {
    let (mut poll, mut events, mut ours, peer) =
        registered_pair(T, Interest::READABLE, Trigger::Edge);

    peer.shutdown(Shutdown::Write).unwrap();
    let event = expect_event(&mut poll, &mut events, T, |e| e.is_read_closed());
    assert!(!event.contains("error: true"), "{event}");
    assert_eq!(ours.read(&mut [0; 8]).unwrap(), 0, "end of stream");
}

#[test]
fn peer_close_reports_read_closed() {
    let (mut poll, mut events, mut ours, peer) =
        registered_pair(T, Interest::READABLE, Trigger::Edge);

    drop(peer);
    expect_event(&mut poll, &mut events, T, |e| {
        e.is_readable() && e.is_read_closed()
    });
    assert_eq!(ours.read(&mut [0; 8]).unwrap(), 0, "end of stream");
}

#[test]
fn peer_reset_reports_an_error() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    // Both ends are ours: the resetter needs `set_linger`, which std lacks.
    let listener = TcpListener::bind(any_local_address()).unwrap();
    let resetter = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
    listener.set_nonblocking(false).unwrap();
    let (mut watched, _) = listener.accept().unwrap();
    poll.registry()
        .register(&mut watched, T, Interest::READABLE | Interest::WRITABLE)
        .unwrap();

    resetter.set_linger(Some(Duration::ZERO)).unwrap();
    drop(resetter); // RST instead of FIN
    expect_event(&mut poll, &mut events, T, |e| e.is_error());
    let err = watched.read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
}

#[test]
fn nonblocking_connect_completes_as_writable() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let listener = std::net::TcpListener::bind(any_local_address()).unwrap();
    let mut stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poll.registry()
        .register(&mut stream, T, Interest::WRITABLE)
        .unwrap();

    expect_event(&mut poll, &mut events, T, |e| e.is_writable());
    assert!(stream.take_error().unwrap().is_none());
    assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
}

#[test]
fn nonblocking_connect_to_a_closed_port_reports_the_error() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (addr, _guard) = refusing_address();
    let mut stream = match TcpStream::connect(addr) {
        Ok(stream) => stream,
        // Some kernels refuse a loopback connect on the spot.
        Err(e) => return assert_eq!(e.kind(), ErrorKind::ConnectionRefused),
    };
    poll.registry()
        .register(&mut stream, T, Interest::WRITABLE)
        .unwrap();

    expect_event(&mut poll, &mut events, T, |e| {
        e.is_error() || e.is_write_closed()
    });
    let err = stream.take_error().unwrap().expect("a pending error");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn event_debug_names_the_raw_flags() {
    let (mut poll, mut events, _ours, mut peer) =
        registered_pair(T, Interest::READABLE, Trigger::Edge);
    peer.write_all(b"x").unwrap();

    let debug = expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    assert!(debug.contains("token: Token(7)"), "{debug}");
    let raw_name = if cfg!(any(target_os = "linux", target_os = "android")) {
        "EPOLLIN"
    } else {
        "EVFILT_READ"
    };
    assert!(debug.contains(raw_name), "{debug}");
}
