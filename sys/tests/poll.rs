//! `Poll::poll` timeouts.

use std::time::{Duration, Instant};

use sys::{Events, Poll};

#[test]
fn a_timeout_with_nothing_registered_returns_no_events_after_the_timeout() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    for timeout in [Duration::from_millis(30), Duration::from_micros(2500)] {
        let start = Instant::now();
        poll.poll(&mut events, Some(timeout)).unwrap();
        // A lower bound only: a busy machine may be late, never early.
        assert!(
            start.elapsed() >= timeout,
            "{:?} < {timeout:?}",
            start.elapsed()
        );
        assert!(events.is_empty());
        assert_eq!(events.len(), 0);
        assert_eq!(events.iter().count(), 0);
    }
}

#[test]
fn a_zero_timeout_only_checks() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert!(events.is_empty());
}

#[test]
fn events_keep_their_capacity() {
    let mut events = Events::with_capacity(3);
    assert_eq!(events.capacity(), 3);
    events.clear();
    assert_eq!(events.capacity(), 3);
    assert!(Events::with_capacity(0).capacity() >= 1);
}
