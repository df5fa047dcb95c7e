//! The socket calls of `sys::net`, in blocking and non-blocking mode.

mod util;

use std::io::{ErrorKind, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use sys::net::{TcpListener, TcpStream};
use util::{accepted_pair, refusing_address, tcp_pair};

#[test]
fn vectored_writes_send_every_buffer_in_order() {
    let (mut ours, mut peer) = tcp_pair();
    let bufs = [
        IoSlice::new(b"head"),
        IoSlice::new(b""),
        IoSlice::new(b"-body"),
    ];
    let n = ours.write_vectored(&bufs).unwrap();
    assert_eq!(n, 9);
    let mut got = [0; 9];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"head-body");
}

#[test]
fn writing_to_a_closed_peer_fails_with_broken_pipe_not_sigpipe() {
    let (_listener, ours, peer) = accepted_pair();
    ours.set_nonblocking(false).unwrap();
    drop(peer);
    // The first writes may be accepted before the peer's RST comes back;
    // keep writing until the kernel reports the closed connection.
    let err = loop {
        match (&ours).write_all(&[0; 1024]) {
            Ok(_) => std::thread::yield_now(),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            err.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
}

#[test]
fn shutdown_write_gives_the_peer_end_of_stream() {
    let (ours, mut peer) = tcp_pair();
    (&ours).write_all(b"last words").unwrap();
    ours.shutdown(Shutdown::Write).unwrap();
    let mut got = String::new();
    peer.read_to_string(&mut got).unwrap();
    assert_eq!(got, "last words");
}

#[test]
fn blocking_mode_and_read_timeout() {
    let (ours, _peer) = tcp_pair();
    ours.set_nonblocking(false).unwrap();
    assert_eq!(ours.read_timeout().unwrap(), None);
    ours.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let timeout = ours.read_timeout().unwrap().unwrap();
    assert!(timeout >= Duration::from_millis(20), "{timeout:?}");
    // Nothing arrives: the blocking read gives up with WouldBlock/TimedOut.
    let err = (&ours).read(&mut [0; 4]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    assert_eq!(
        ours.set_read_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    ours.set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    assert!(ours.write_timeout().unwrap().is_some());
}

#[test]
fn nodelay_round_trips() {
    let (ours, _peer) = tcp_pair();
    ours.set_nodelay(true).unwrap();
    assert!(ours.nodelay().unwrap());
    ours.set_nodelay(false).unwrap();
    assert!(!ours.nodelay().unwrap());
}

#[test]
fn addresses_and_clones() {
    let (listener, ours, peer) = accepted_pair();
    assert_eq!(ours.local_addr().unwrap(), listener.local_addr().unwrap());
    assert_eq!(ours.peer_addr().unwrap(), peer.local_addr().unwrap());

    let clone = ours.try_clone().unwrap();
    (&clone).write_all(b"via clone").unwrap();
    let mut got = [0; 9];
    (&peer).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"via clone");

    let listener2 = listener.try_clone().unwrap();
    assert_eq!(
        listener2.local_addr().unwrap(),
        listener.local_addr().unwrap()
    );
    assert!(listener.take_error().unwrap().is_none());
}

#[test]
fn connect_blocking_to_a_closed_port_is_refused() {
    let (addr, _guard) = refusing_address();
    let err = TcpStream::connect_blocking(addr).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    let err = TcpStream::connect_timeout(addr, Duration::from_secs(5)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn ipv6_loopback_works_when_available() {
    let addr: SocketAddr = "[::1]:0".parse().unwrap();
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        // A machine without IPv6 cannot run this test.
        Err(e) => return eprintln!("skipping: no IPv6 loopback ({e})"),
    };
    let local = listener.local_addr().unwrap();
    assert!(local.is_ipv6() && local.port() != 0);
    let client = TcpStream::connect_blocking(local).unwrap();
    listener.set_nonblocking(false).unwrap();
    let (server, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    (&client).write_all(b"v6").unwrap();
    server.set_nonblocking(false).unwrap();
    let mut got = [0; 2];
    (&server).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"v6");
}

#[test]
fn accepted_streams_are_nonblocking() {
    let (_listener, ours, _peer) = accepted_pair();
    let err = (&ours).read(&mut [0; 4]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
}
