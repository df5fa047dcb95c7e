//! The waker: wakes a blocked poll from another thread; wakes coalesce.

mod util;

use std::sync::{Arc, Barrier};
use std::thread;

use sys::{Events, Poll, Token, Waker};
use util::{count_events, expect_event};

const WAKE: Token = Token(99);

#[test]
fn a_wake_from_another_thread_ends_a_blocked_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Arc::new(Waker::new(poll.registry(), WAKE).unwrap());

    let barrier = Arc::new(Barrier::new(2));
    let (w, b) = (Arc::clone(&waker), Arc::clone(&barrier));
    let handle = thread::spawn(move || {
        b.wait();
        w.wake().unwrap();
    });
    barrier.wait();
    // Blocks without a timeout: only the wake can end it (a missing wake
    // would hang the test, which the harness reports).
    loop {
        poll.poll(&mut events, None).unwrap();
        if let Some(event) = events.iter().find(|e| e.token() == WAKE) {
            assert!(event.is_readable());
            break;
        }
    }
    handle.join().unwrap();
}

#[test]
fn many_wakes_before_a_poll_coalesce_into_one_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), WAKE).unwrap();

    for _ in 0..1000 {
        waker.wake().unwrap();
    }
    assert_eq!(count_events(&mut poll, &mut events, WAKE), 1);

    // The waker re-armed itself: a later wake is a new event.
    waker.wake().unwrap();
    waker.wake().unwrap();
    assert_eq!(count_events(&mut poll, &mut events, WAKE), 1);
}

#[test]
fn wakes_from_many_threads_are_all_seen() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Arc::new(Waker::new(poll.registry(), WAKE).unwrap());

    let handles: Vec<_> = (0..4)
        .map(|_| {
            let w = Arc::clone(&waker);
            thread::spawn(move || {
                for _ in 0..100 {
                    w.wake().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    expect_event(&mut poll, &mut events, WAKE, |e| e.is_readable());
}

#[test]
fn two_wakers_on_one_poll_keep_their_tokens() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let a = Waker::new(poll.registry(), Token(1)).unwrap();
    let b = Waker::new(poll.registry(), Token(2)).unwrap();
    b.wake().unwrap();
    expect_event(&mut poll, &mut events, Token(2), |_| true);
    assert_eq!(count_events(&mut poll, &mut events, Token(1)), 0);
    a.wake().unwrap();
    expect_event(&mut poll, &mut events, Token(1), |_| true);
}
