#![doc = include_str!("../guide/reactor_turn.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/reactor_turn.md, shown by `cargo doc` as `exec::guide::reactor_turn`.

use std::io;
use std::task::Waker;
use std::time::{Duration, Instant};

use super::scheduled_io::{ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};
use super::{TOKEN_SIGNAL, TOKEN_WAKEUP};
use crate::scheduler::Shared;
use crate::trace::trace;

/// The exclusive side of the reactor: the `Poll` and its event buffer.
#[derive(Debug)]
pub(crate) struct Driver {
    poll: sys::Poll,
    events: sys::Events,
    signals: Option<sys::signal::Signals>,
    wakers: Vec<Waker>,
    tick: u16,
}

impl Driver {
    /// Wraps a `Poll`; `signals`, if any, must already be registered under
    /// [`TOKEN_SIGNAL`].
    pub(crate) fn new(poll: sys::Poll, signals: Option<sys::signal::Signals>) -> Driver {
        Driver {
            poll,
            events: sys::Events::with_capacity(1024),
            signals,
            wakers: Vec::new(),
            tick: 0,
        }
    }

    /// Polls once: blocks until an event, a wake-up or the nearest timer if
    /// `timeout` is `None`, or for `timeout` exactly. Then wakes every task
    /// that became ready.
    pub(crate) fn turn(&mut self, shared: &Shared, timeout: Option<Duration>) {
        let io = &shared.io;
        let blocking = timeout.is_none();
        let timeout = match timeout {
            Some(t) => Some(t),
            None => io.timers.arm(Instant::now()),
        };
        if blocking {
            trace!("reactor: poll(timeout = {timeout:?})");
        }
        let result = self.poll.poll(&mut self.events, timeout);
        if blocking {
            io.timers.disarm();
        }
        if let Err(e) = result {
            report_poll_error(&e);
        }
        self.tick = self.tick.wrapping_add(1);
        let mut signalled = false;
        if !self.events.is_empty() {
            let sources = io.sources();
            for event in self.events.iter() {
                match event.token() {
                    TOKEN_WAKEUP => {}
                    TOKEN_SIGNAL => signalled = true,
                    token => {
                        if let Some(sio) = sources.get(token) {
                            sio.set_readiness(readiness(event), self.tick, &mut self.wakers);
                        }
                    }
                }
            }
        }
        if signalled {
            self.drain_signals(shared);
        }
        io.timers.fire(Instant::now(), &mut self.wakers);
        let turns = io.turns.load(std::sync::atomic::Ordering::Relaxed) + 1;
        io.turns.store(turns, std::sync::atomic::Ordering::Relaxed);
        if blocking || !self.wakers.is_empty() {
            trace!(
                "reactor: turn {turns}: {} events, waking {} tasks",
                self.events.len(),
                self.wakers.len()
            );
        }
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }

    fn drain_signals(&mut self, shared: &Shared) {
        let Some(signals) = self.signals.as_mut() else {
            return;
        };
        loop {
            match signals.receive() {
                Ok(Some(signal)) => {
                    trace!("reactor: signal {signal:?}");
                    shared.io.signals.deliver(signal, &mut self.wakers);
                }
                Ok(None) => return,
                Err(e) => {
                    report_poll_error(&e);
                    return;
                }
            }
        }
    }
}

fn readiness(event: &sys::Event) -> usize {
    let mut ready = 0;
    if event.is_readable() {
        ready |= READABLE;
    }
    if event.is_writable() {
        ready |= WRITABLE;
    }
    if event.is_read_closed() {
        ready |= READ_CLOSED;
    }
    if event.is_write_closed() {
        ready |= WRITE_CLOSED;
    }
    if event.is_error() {
        ready |= ERROR;
    }
    ready
}

fn report_poll_error(e: &io::Error) {
    // Poll failures other than EINTR (which sys already absorbs) mean a
    // broken invariant (a bad fd); report and avoid a hot loop.
    crate::trace::report(format_args!("reactor poll failed: {e}"));
    std::thread::sleep(Duration::from_millis(10));
}
