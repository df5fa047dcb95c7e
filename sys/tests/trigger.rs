//! Edge, level and one-shot behave as `Trigger`'s documentation says.

mod util;

use std::io::{Read, Write};

use sys::{Events, Interest, Poll, Token, Trigger};
use util::{count_events, expect_event, expect_no_event, registered_pair, tcp_pair};

const T: Token = Token(3);

#[test]
fn level_reports_unread_data_again() {
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(T, Interest::READABLE, Trigger::Level);

    peer.write_all(b"abcd").unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    // Read only part of it: the rest is reported again, poll after poll.
    let mut two = [0; 2];
    ours.read_exact(&mut two).unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());

    ours.read_exact(&mut two).unwrap();
    expect_no_event(&mut poll, &mut events, T);
}

#[test]
fn edge_does_not_report_unread_data_again() {
    let (mut poll, mut events, mut ours, mut peer) =
        registered_pair(T, Interest::READABLE, Trigger::Edge);

    peer.write_all(b"abcd").unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    let mut two = [0; 2];
    ours.read_exact(&mut two).unwrap();
    // Two bytes are still buffered, but no new edge happened.
    expect_no_event(&mut poll, &mut events, T);

    // New data is a new edge.
    peer.write_all(b"ef").unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    let mut rest = [0; 4];
    ours.read_exact(&mut rest).unwrap();
    assert_eq!(&rest, b"cdef");
}

#[test]
fn register_defaults_to_edge() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut ours, mut peer) = tcp_pair();
    poll.registry()
        .register(&mut ours, T, Interest::READABLE)
        .unwrap();
    assert_eq!(Trigger::default(), Trigger::Edge);

    peer.write_all(b"abcd").unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    expect_no_event(&mut poll, &mut events, T);
}

#[test]
fn one_shot_reports_once_until_rearmed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut ours, mut peer) = tcp_pair();
    let registry = poll.registry().try_clone().unwrap();
    registry
        .register_with(&mut ours, T, Interest::READABLE, Trigger::OneShot)
        .unwrap();

    peer.write_all(b"ab").unwrap();
    expect_event(&mut poll, &mut events, T, |e| e.is_readable());
    // Disabled now: neither unread data nor new data is reported.
    expect_no_event(&mut poll, &mut events, T);
    peer.write_all(b"cd").unwrap();
    expect_no_event(&mut poll, &mut events, T);

    // Re-arming a source that is still ready reports it at once, once.
    registry
        .reregister_with(&mut ours, T, Interest::READABLE, Trigger::OneShot)
        .unwrap();
    assert_eq!(count_events(&mut poll, &mut events, T), 1);

    let mut all = [0; 4];
    ours.read_exact(&mut all).unwrap();
    assert_eq!(&all, b"abcd");
}

#[test]
fn level_writable_is_reported_at_every_poll() {
    let (mut poll, mut events, mut ours, _peer) =
        registered_pair(T, Interest::WRITABLE, Trigger::Level);
    for _ in 0..3 {
        expect_event(&mut poll, &mut events, T, |e| e.is_writable());
    }
    // The same source edge-triggered: reported once.
    poll.registry()
        .reregister(&mut ours, T, Interest::WRITABLE)
        .unwrap();
    assert_eq!(count_events(&mut poll, &mut events, T), 1);
}
