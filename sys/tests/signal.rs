//! Signals arrive as readiness. A test binary of its own, without the
//! libtest harness (`harness = false` in Cargo.toml): on Linux the signals
//! must be blocked in every thread, so `Signals` is created first thing in
//! `main`, before any other thread exists.

mod util;

use std::time::{Duration, Instant};

use sys::signal::{send, Signal, Signals};
use sys::{Events, Interest, Poll, Token};

const SIGNALS: Token = Token(1);

fn main() {
    // Before any thread: every later thread inherits the blocked mask.
    let mut signals = Signals::new(&[Signal::Terminate, Signal::Interrupt, Signal::Hangup])
        .expect("create the Signals source");

    let tests: [util::Case<Signals>; 3] = [
        (
            "sigterm_sent_to_the_process_arrives_as_an_event",
            sigterm_arrives_as_an_event,
        ),
        (
            "nothing_pending_receives_none",
            nothing_pending_receives_none,
        ),
        (
            "wait_blocks_until_a_signal_from_another_thread",
            wait_returns_the_signal,
        ),
    ];
    util::run_cases(&mut signals, &tests);
}

fn sigterm_arrives_as_an_event(signals: &mut Signals) {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    poll.registry()
        .register(signals, SIGNALS, Interest::READABLE)
        .unwrap();

    send(std::process::id(), Signal::Terminate).unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no event for SIGTERM");
        poll.poll(&mut events, Some(Duration::from_secs(1)))
            .unwrap();
        if events
            .iter()
            .any(|e| e.token() == SIGNALS && e.is_readable())
        {
            break;
        }
    }
    assert_eq!(signals.receive().unwrap(), Some(Signal::Terminate));
    assert_eq!(signals.receive().unwrap(), None);
    poll.registry().deregister(signals).unwrap();
}

fn nothing_pending_receives_none(signals: &mut Signals) {
    assert_eq!(signals.receive().unwrap(), None);
}

fn wait_returns_the_signal(signals: &mut Signals) {
    // This thread inherits the blocked mask from main.
    let sender = std::thread::spawn(|| send(std::process::id(), Signal::Hangup).unwrap());
    assert_eq!(signals.wait().unwrap(), Signal::Hangup);
    sender.join().unwrap();
    assert_eq!(
        Signal::from_raw(Signal::Interrupt.as_raw()),
        Some(Signal::Interrupt)
    );
}
