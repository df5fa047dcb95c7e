//! `register`, `reregister`, `deregister` and `try_clone` semantics.

mod util;

use std::io::Write;
use std::sync::Arc;
use std::thread;

use sys::net::TcpListener;
use sys::{Events, Interest, Poll, Token, Trigger};
use util::{any_local_address, expect_event, expect_no_event, registered_pair};

#[test]
fn reregister_changes_token_and_interest() {
    let (mut poll, mut events, mut ours, _peer) =
        registered_pair(Token(1), Interest::READABLE, Trigger::Edge);
    // Nothing to read: no event.
    expect_no_event(&mut poll, &mut events, Token(1));

    // Now ask for writability under another token.
    poll.registry()
        .reregister(&mut ours, Token(2), Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, Token(2), |e| e.is_writable());
    expect_no_event(&mut poll, &mut events, Token(1));
}

#[test]
fn a_deregistered_source_gives_no_events() {
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(Token(1), Interest::READABLE, Trigger::Edge);
    poll.registry().deregister(&mut ours).unwrap();

    peer.write_all(b"data").unwrap();
    expect_no_event(&mut poll, &mut events, Token(1));

    // It can be registered again afterwards.
    poll.registry()
        .register(&mut ours, Token(1), Interest::READABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, Token(1), |e| e.is_readable());
}

#[test]
fn deregister_drops_events_already_queued() {
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(Token(1), Interest::READABLE, Trigger::Edge);
    peer.write_all(b"data").unwrap();
    // Wait until the kernel surely queued the readiness, without consuming it:
    // a second poll instance watching the same socket tells us.
    let mut probe = Poll::new().unwrap();
    let mut probe_events = Events::with_capacity(8);
    probe
        .registry()
        .register(&mut ours, Token(9), Interest::READABLE)
        .unwrap();
    expect_event(&mut probe, &mut probe_events, Token(9), |e| e.is_readable());

    poll.registry().deregister(&mut ours).unwrap();
    expect_no_event(&mut poll, &mut events, Token(1));
}

/// epoll refuses a second `register` (EEXIST) and a `reregister` of an
/// unknown fd (ENOENT); kqueue accepts both (they update or add knotes).
#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn epoll_refuses_double_registration_and_unknown_reregistration() {
    let poll = Poll::new().unwrap();
    let (mut ours, _peer) = util::tcp_pair();
    let err = poll
        .registry()
        .reregister(&mut ours, Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    poll.registry()
        .register(&mut ours, Token(1), Interest::READABLE)
        .unwrap();
    let err = poll
        .registry()
        .register(&mut ours, Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
}

#[test]
fn a_registry_clone_registers_from_another_thread_while_poll_blocks() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let registry = Arc::new(poll.registry().try_clone().unwrap());

    let mut listener = TcpListener::bind(any_local_address()).unwrap();
    let addr = listener.local_addr().unwrap();
    let _client = std::net::TcpStream::connect(addr).unwrap();

    // The listener is already readable; registering it from another thread
    // must wake the poll that is blocked (with no timeout) in this one.
    let r = Arc::clone(&registry);
    let handle = thread::spawn(move || {
        r.register(&mut listener, Token(5), Interest::READABLE)
            .unwrap();
        listener
    });
    loop {
        poll.poll(&mut events, None).unwrap();
        if events.iter().any(|e| e.token() == Token(5)) {
            break;
        }
    }
    let listener = handle.join().unwrap();
    listener.accept().unwrap();
}
