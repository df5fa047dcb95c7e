//! The connection lifecycle every server drives: the states a connection
//! goes through, its deadlines, the close rules, the slow-consumer drop,
//! the table of connections, and the policy constants. Sans-I/O, like the
//! hub: nothing here reads a socket or a clock; the servers feed it events
//! and the time, and do the system calls it asks for.
//!
//! # States
//!
//! ```text
//!            hub closes it (fatal Error queued, Bye, slow consumer, ServerFull)
//!   accept ──► Open ────────────────────────────────────────► Closing ──► Gone
//!               │  hello deadline                               │  ▲
//!               │  (hub: HelloTimeout, then closes it)          │  └─ output flushed (FIN sent) and
//!               │                                               │     the peer closed, or it said Bye,
//!               │                                               │     or the server is shutting down
//!               └──── peer gone (EOF, reset, write error) ──────┴───► Gone: give up at LINGER,
//!                                                                      or past LINGER_DISCARD_LIMIT
//! ```
//!
//! - **Open**: frames are read and handed to the hub; the hub's frames are
//!   queued. Until the hub welcomes the connection, its hello deadline
//!   runs ([`Lifecycle::poll_timeout`]).
//! - **Closing**: the hub let the connection go. It receives nothing more:
//!   the frames the hub queued before letting it go (usually a fatal
//!   `Error`, PROTOCOL.md 5.6) are its last. The server writes them and
//!   then sends FIN, and reads and discards whatever the peer still sends,
//!   so that closing a socket with unread input does not make the kernel
//!   answer with RST, which can destroy the `Error` before the peer reads
//!   it. This is the *lingering close*.
//! - **Gone**: the socket can be closed and its slot reused.
//!
//! # The close rules
//!
//! A closing connection is done when its output is flushed and
//! - the peer closed its side (EOF), or
//! - the connection said `Bye` (PROTOCOL.md 4: the client sends nothing
//!   after it, so there is no input to turn the close into a reset, and
//!   the descriptor is released at once), or
//! - the server is shutting down (it exits right after).
//!
//! It is given up, whatever it still has queued, [`LINGER`] after the hub
//! let it go (a peer that never reads cannot keep its descriptor and its
//! queue), or as soon as it has sent more than [`LINGER_DISCARD_LIMIT`]
//! bytes after the hub let it go (a peer that floods cannot keep it
//! either).
//!
//! # The slow-consumer drop
//!
//! [`apply_outbox`] applies the hub's [`Outbox`] to the servers' queues
//! (PROTOCOL.md 5.5): a frame that would take a non-empty queue past
//! `--max-outbound` makes the connection a slow consumer. From that push
//! on, its queue refuses every frame; its unstarted frames are discarded,
//! `Error{SlowConsumer}` is queued, and the hub does the disconnect
//! clean-up, whose `Left` frames may overflow other queues in turn, until
//! none does. Because the overflowing push already closed the queue, the
//! `Left` of another slow consumer dropped in the same pass never lands
//! after a connection's `SlowConsumer`: a fatal error is always the last
//! frame a client gets.
//!
//! # Deadlines, quinn-style
//!
//! A [`Lifecycle`] has at most one deadline at a time: the hello deadline
//! while it waits for `Hello`, the linger deadline while it closes. The
//! server asks [`Lifecycle::poll_timeout`] when it goes to sleep (a poll
//! timeout, a socket read timeout, or a timer future) and calls
//! [`Lifecycle::handle_timeout`] when that time has come; a stale timer
//! (the connection said `Hello` meanwhile) does nothing.

use std::io;
use std::time::{Duration, Instant};

pub use super::outbound::Overflow;
use crate::hub::{ConnId, Engine, Frame, Outbox};
use crate::protocol::ErrorCode;

/// How long a connection the hub let go may take to flush its last frames
/// and see the peer close, before it is given up.
pub const LINGER: Duration = Duration::from_secs(2);
/// Bytes a closing connection may still send (read and discarded) before
/// it is given up.
pub const LINGER_DISCARD_LIMIT: usize = 256 * 1024;
/// How long the shutdown waits for queues to flush (PROTOCOL.md 5.6).
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1000);
/// How long a server stops accepting when `accept` fails for lack of
/// descriptors: waiting clients stay in the kernel's backlog meanwhile.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Why the hub let a connection go, as far as the close rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// A fatal error, a slow-consumer drop or a refusal: linger for the
    /// peer's EOF after the flush.
    Error,
    /// The client said `Bye`: close once flushed.
    Bye,
    /// The server is shutting down: close once flushed.
    Shutdown,
}

/// How a connection ended, once [`Lifecycle::is_gone`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Its output was written and the close rules were met.
    Clean,
    /// It was cut short: the peer went away, or a deadline or the discard
    /// limit passed. Whatever is still queued or being written is dropped.
    GaveUp,
}

/// A deadline that has come ([`Lifecycle::handle_timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// No `Hello` accepted in time: the server calls
    /// [`Hub::handle_hello_timeout`](crate::hub::Hub::handle_hello_timeout), which closes the connection.
    Hello,
    /// The close took too long: the connection is now gone; free it.
    Linger,
}

/// What a closing connection waits for next ([`Lifecycle::poll_close`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseWait {
    /// Nothing: it is gone. Close the socket; on [`Ending::GaveUp`], stop
    /// its writer.
    Gone(Ending),
    /// Its writer to finish, until the deadline.
    Flush(Instant),
    /// Its peer, until the deadline: read, and report EOF
    /// ([`Lifecycle::peer_closed`]) or the bytes discarded
    /// ([`Lifecycle::input`]).
    Peer(Instant),
}

/// Where a closing connection's writer is, for [`Lifecycle::poll_close`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// Still writing (or waiting for the socket).
    Writing,
    /// Everything written, FIN sent.
    Flushed,
    /// Stopped on a write error, or cut off: the connection is broken.
    Failed,
}

/// One connection's place in its life (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Open {
        hello_deadline: Option<Instant>,
    },
    Closing {
        deadline: Instant,
        kind: CloseKind,
        flushed: bool,
        peer_closed: bool,
        discarded: usize,
    },
    Gone(Ending),
}

impl Lifecycle {
    /// A connection just accepted, waiting for `Hello` until
    /// `now + hello_timeout`.
    pub fn accepted(now: Instant, hello_timeout: Duration) -> Lifecycle {
        Lifecycle {
            state: State::Open {
                hello_deadline: Some(now + hello_timeout),
            },
        }
    }

    /// A connection the hub was just told of at `now`: waiting for `Hello`
    /// if the hub took it (`taken`, what [`Hub::handle_connect`](crate::hub::Hub::handle_connect) returns),
    /// else already closing, with the hub's refusal (`ServerFull`,
    /// `ShuttingDown`) as its last frame.
    pub fn admitted(now: Instant, hello_timeout: Duration, taken: bool) -> Lifecycle {
        let mut life = Lifecycle::accepted(now, hello_timeout);
        if !taken {
            life.close(now, CloseKind::Error);
        }
        life
    }

    /// Whether frames are read and handed to the hub, and frames queued.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// Whether the hub let the connection go and it is not gone yet.
    pub fn is_closing(&self) -> bool {
        matches!(self.state, State::Closing { .. })
    }

    /// Whether the connection is over (and how), so its socket can be
    /// closed and its slot reused.
    pub fn is_gone(&self) -> Option<Ending> {
        match self.state {
            State::Gone(ending) => Some(ending),
            _ => None,
        }
    }

    /// Whether the output is flushed and the close waits only for the peer
    /// (or the deadline).
    pub fn is_flushed(&self) -> bool {
        matches!(self.state, State::Closing { flushed: true, .. })
    }

    /// Whether a closing connection waits for its peer's EOF (reading and
    /// discarding until then): after an error, not after `Bye` or at
    /// shutdown, and not once the peer closed.
    pub fn waits_for_peer(&self) -> bool {
        matches!(
            self.state,
            State::Closing {
                kind: CloseKind::Error,
                peer_closed: false,
                ..
            }
        )
    }

    /// The hub welcomed the connection: its hello deadline is off.
    pub fn welcomed(&mut self) {
        if let State::Open { hello_deadline } = &mut self.state {
            *hello_deadline = None;
        }
    }

    /// The hub let the connection go at `now`: it receives nothing more
    /// and has until `now + LINGER` to finish. Does nothing if it is
    /// already closing or gone.
    pub fn close(&mut self, now: Instant, kind: CloseKind) {
        if self.is_open() {
            self.state = State::Closing {
                deadline: now + LINGER,
                kind,
                flushed: false,
                peer_closed: false,
                discarded: 0,
            };
        }
    }

    /// The server is shutting down: a closing connection no longer waits
    /// for its peer's EOF once flushed.
    pub fn shutting_down(&mut self) {
        if let State::Closing { kind, .. } = &mut self.state {
            *kind = CloseKind::Shutdown;
        }
        self.settle();
    }

    /// Everything queued was written and FIN sent.
    pub fn flushed(&mut self) {
        if let State::Closing { flushed, .. } = &mut self.state {
            *flushed = true;
        }
        self.settle();
    }

    /// `n` bytes arrived. Returns whether they are for the hub (the
    /// connection is open); if not they are discarded, and too many give
    /// the connection up.
    pub fn input(&mut self, n: usize) -> bool {
        match &mut self.state {
            State::Open { .. } => true,
            State::Closing { discarded, .. } => {
                *discarded = discarded.saturating_add(n);
                if *discarded > LINGER_DISCARD_LIMIT {
                    self.state = State::Gone(Ending::GaveUp);
                }
                false
            }
            State::Gone(_) => false,
        }
    }

    /// The peer closed its side (EOF). An open connection is gone (the
    /// server tells the hub); a closing one waits only for its flush.
    pub fn peer_closed(&mut self) {
        match &mut self.state {
            State::Open { .. } => self.state = State::Gone(Ending::GaveUp),
            State::Closing { peer_closed, .. } => {
                *peer_closed = true;
                self.settle();
            }
            State::Gone(_) => {}
        }
    }

    /// What one read of a closing connection's socket returned, its bytes
    /// discarded: `Ok(0)` is the peer's EOF, `Ok(n)` counts towards the
    /// discard limit, a timeout, `WouldBlock` or an interruption changes
    /// nothing, and any other error means the socket is broken.
    ///
    /// Returns whether reading again may find more: only after bytes (or
    /// an interruption), while the connection is not gone. After EOF every
    /// read returns 0 at once, so a loop that reads "until `WouldBlock`"
    /// must stop there, or it spins while the last frames wait for their
    /// flush.
    pub fn discarded(&mut self, read: io::Result<usize>) -> bool {
        let again = match read {
            Ok(0) => {
                self.peer_closed();
                false
            }
            Ok(n) => {
                self.input(n);
                true
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => true,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                false
            }
            Err(_) => {
                self.broken();
                false
            }
        };
        again && self.is_gone().is_none()
    }

    /// The socket failed (reset, write error), or the server gave the
    /// connection up: it is gone.
    pub fn broken(&mut self) {
        if !matches!(self.state, State::Gone(_)) {
            self.state = State::Gone(Ending::GaveUp);
        }
    }

    /// The next deadline, if any: the hello deadline while waiting for
    /// `Hello`, the linger deadline while closing.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Open { hello_deadline } => hello_deadline,
            State::Closing { deadline, .. } => Some(deadline),
            State::Gone(_) => None,
        }
    }

    /// Handles the deadline if it has come by `now`; `None` if nothing was
    /// due (a stale timer).
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Expired> {
        match &mut self.state {
            State::Open { hello_deadline } => match *hello_deadline {
                Some(deadline) if deadline <= now => {
                    *hello_deadline = None;
                    Some(Expired::Hello)
                }
                _ => None,
            },
            State::Closing { deadline, .. } if *deadline <= now => {
                self.state = State::Gone(Ending::GaveUp);
                Some(Expired::Linger)
            }
            _ => None,
        }
    }

    /// For a server whose reader drives the close while a writer flushes
    /// (`thread_server`, `async_server`): what to wait for next, at `now`,
    /// given where the writer is. Handles the deadline; the caller waits,
    /// reports what happened, and asks again.
    pub fn poll_close(&mut self, now: Instant, writer: Writer) -> CloseWait {
        match writer {
            Writer::Writing => {}
            Writer::Flushed if self.is_closing() && !self.is_flushed() => self.flushed(),
            Writer::Flushed => {}
            Writer::Failed => self.broken(),
        }
        self.handle_timeout(now);
        match self.state {
            State::Gone(ending) => CloseWait::Gone(ending),
            State::Closing { deadline, .. } if self.waits_for_peer() => CloseWait::Peer(deadline),
            State::Closing { deadline, .. } => CloseWait::Flush(deadline),
            // Not closing: nothing to wait for.
            State::Open { .. } => CloseWait::Gone(Ending::GaveUp),
        }
    }

    /// Closing → gone once the close rules are met.
    fn settle(&mut self) {
        if let State::Closing {
            kind,
            flushed: true,
            peer_closed,
            ..
        } = self.state
        {
            if peer_closed || kind != CloseKind::Error {
                self.state = State::Gone(Ending::Clean);
            }
        }
    }
}

/// A server's outbound queues as [`apply_outbox`] sees them: one per
/// connection, found by [`ConnId`].
pub trait Queues {
    /// Queues `frame` for `to`, unless that would take a non-empty queue
    /// past the `--max-outbound` limit: then returns `Err(Overflow)`, and
    /// the queue refuses (drops) every frame after, and does not end the
    /// connection before its [`drop_slow`](Queues::drop_slow) (whose
    /// `Error` is the last frame), even if a writer on another thread
    /// empties it meanwhile. A frame for a connection that is gone or
    /// closing is dropped, with `Ok`.
    fn push(&mut self, to: ConnId, frame: Frame) -> Result<(), Overflow>;
    /// The hub let `id` go ([`Outbox::closes`]): it takes no more frames;
    /// what is queued is written, then it closes. The connection must stay
    /// reachable for [`drop_slow`](Queues::drop_slow) until
    /// [`apply_outbox`] returns: a fatal error that overflowed its own
    /// queue is closed first and dropped as a slow consumer after.
    fn close(&mut self, id: ConnId);
    /// `id` is a slow consumer: drop what was queued and has not started,
    /// queue `error` (whatever the limit), close.
    fn drop_slow(&mut self, id: ConnId, error: Frame);
}

/// Applies the hub's `outbox` to `queues`, looping while queues overflow:
/// the deliveries in order, then the closes, then the slow-consumer drops,
/// whose clean-up ([`Hub::handle_slow_consumer`](crate::hub::Hub::handle_slow_consumer)) fills the outbox again
/// (see the module docs). `slow` is scratch space, kept by the caller so
/// that a step allocates nothing.
pub fn apply_outbox(
    hub: &mut impl Engine,
    outbox: &mut Outbox,
    queues: &mut impl Queues,
    slow: &mut Vec<ConnId>,
) {
    loop {
        for delivery in outbox.drain_deliveries() {
            if queues.push(delivery.to, delivery.frame).is_err() {
                slow.push(delivery.to);
            }
        }
        for id in outbox.drain_closes() {
            queues.close(id);
        }
        if slow.is_empty() {
            return;
        }
        for id in slow.drain(..) {
            queues.drop_slow(id, hub.error_frame(ErrorCode::SlowConsumer));
            hub.handle_slow_consumer(id, outbox);
        }
    }
}

/// The connections of a server, by [`ConnId`]: a slab whose ids carry the
/// slot ([`ConnId::slot`]), so finding a connection is an index (no
/// hashing, on the path every delivery takes), and a serial that tells a
/// reused slot from the connection that had it before.
#[derive(Debug)]
pub struct ConnTable<T> {
    slots: Vec<Option<(ConnId, T)>>,
    free: Vec<usize>,
    serial: u32,
}

impl<T> Default for ConnTable<T> {
    fn default() -> Self {
        ConnTable {
            slots: Vec::new(),
            free: Vec::new(),
            serial: 0,
        }
    }
}

impl<T> ConnTable<T> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the value `make` builds for a new id, and returns the id.
    pub fn insert_with(&mut self, make: impl FnOnce(ConnId) -> T) -> ConnId {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        self.serial = self.serial.wrapping_add(1);
        let id = ConnId::new(self.serial, slot);
        self.slots[slot] = Some((id, make(id)));
        id
    }

    /// Stores `value` under a new id.
    pub fn insert(&mut self, value: T) -> ConnId {
        self.insert_with(|_| value)
    }

    /// The connection `id`, if it is still here.
    pub fn get(&self, id: ConnId) -> Option<&T> {
        match self.slots.get(id.slot()) {
            Some(Some((owner, value))) if *owner == id => Some(value),
            _ => None,
        }
    }

    /// The connection `id`, if it is still here.
    pub fn get_mut(&mut self, id: ConnId) -> Option<&mut T> {
        match self.slots.get_mut(id.slot()) {
            Some(Some((owner, value))) if *owner == id => Some(value),
            _ => None,
        }
    }

    /// Whatever connection holds `slot` now (for readiness events, which
    /// carry the slot as their token).
    pub fn by_slot(&mut self, slot: usize) -> Option<(ConnId, &mut T)> {
        match self.slots.get_mut(slot) {
            Some(Some((id, value))) => Some((*id, value)),
            _ => None,
        }
    }

    /// Removes the connection `id`, freeing its slot.
    pub fn remove(&mut self, id: ConnId) -> Option<T> {
        match self.slots.get(id.slot()) {
            Some(Some((owner, _))) if *owner == id => {}
            _ => return None,
        }
        self.free.push(id.slot());
        self.slots[id.slot()].take().map(|(_, value)| value)
    }

    /// How many connections are here.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every connection, with its id.
    pub fn iter(&self) -> impl Iterator<Item = (ConnId, &T)> {
        self.slots.iter().flatten().map(|(id, value)| (*id, value))
    }

    /// Every connection, with its id.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (ConnId, &mut T)> {
        self.slots
            .iter_mut()
            .flatten()
            .map(|(id, value)| (*id, &mut *value))
    }

    /// The ids of every connection (a copy, so the table can be changed
    /// while going through them).
    pub fn ids(&self) -> Vec<ConnId> {
        self.iter().map(|(id, _)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Instant {
        Instant::now()
    }

    #[test]
    fn the_hello_deadline_fires_once_and_not_after_welcome() {
        let now = t0();
        let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
        assert_eq!(life.poll_timeout(), Some(now + Duration::from_secs(10)));
        assert_eq!(life.handle_timeout(now + Duration::from_secs(9)), None);
        assert_eq!(
            life.handle_timeout(now + Duration::from_secs(10)),
            Some(Expired::Hello)
        );
        assert_eq!(life.handle_timeout(now + Duration::from_secs(11)), None);

        let mut welcomed = Lifecycle::accepted(now, Duration::from_secs(10));
        welcomed.welcomed();
        assert_eq!(welcomed.poll_timeout(), None);
        assert_eq!(welcomed.handle_timeout(now + Duration::from_secs(60)), None);
        assert!(welcomed.is_open());
    }

    #[test]
    fn an_error_close_waits_for_the_flush_and_the_peer() {
        let now = t0();
        let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
        life.close(now, CloseKind::Error);
        assert!(life.is_closing());
        assert_eq!(life.poll_timeout(), Some(now + LINGER));
        assert!(!life.input(100), "input after the close goes nowhere");
        assert!(life.waits_for_peer());
        life.peer_closed();
        assert_eq!(life.is_gone(), None, "the last frames are not out yet");
        life.flushed();
        assert_eq!(life.is_gone(), Some(Ending::Clean));

        let mut flushed_first = Lifecycle::accepted(now, Duration::from_secs(10));
        flushed_first.close(now, CloseKind::Error);
        flushed_first.flushed();
        assert!(flushed_first.is_flushed());
        assert_eq!(flushed_first.is_gone(), None, "lingers for the peer's EOF");
        flushed_first.peer_closed();
        assert_eq!(flushed_first.is_gone(), Some(Ending::Clean));
    }

    #[test]
    fn bye_and_shutdown_close_as_soon_as_flushed() {
        let now = t0();
        for kind in [CloseKind::Bye, CloseKind::Shutdown] {
            let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
            life.close(now, kind);
            assert!(!life.waits_for_peer());
            assert_eq!(life.is_gone(), None);
            life.flushed();
            assert_eq!(life.is_gone(), Some(Ending::Clean), "{kind:?}");
        }
        let mut lingering = Lifecycle::accepted(now, Duration::from_secs(10));
        lingering.close(now, CloseKind::Error);
        lingering.flushed();
        lingering.shutting_down();
        assert_eq!(lingering.is_gone(), Some(Ending::Clean));
    }

    #[test]
    fn a_close_is_given_up_at_the_deadline_or_the_discard_limit() {
        let now = t0();
        let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
        life.close(now, CloseKind::Error);
        assert_eq!(life.handle_timeout(now + LINGER / 2), None);
        assert_eq!(life.handle_timeout(now + LINGER), Some(Expired::Linger));
        assert_eq!(life.is_gone(), Some(Ending::GaveUp));
        assert_eq!(life.poll_timeout(), None);

        let mut flood = Lifecycle::accepted(now, Duration::from_secs(10));
        flood.close(now, CloseKind::Error);
        assert!(!flood.input(LINGER_DISCARD_LIMIT));
        assert_eq!(flood.is_gone(), None);
        assert!(!flood.input(1));
        assert_eq!(flood.is_gone(), Some(Ending::GaveUp));
    }

    #[test]
    fn poll_close_walks_a_threaded_close() {
        let now = t0();
        let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
        life.close(now, CloseKind::Error);
        assert_eq!(
            life.poll_close(now, Writer::Writing),
            CloseWait::Peer(now + LINGER)
        );
        life.peer_closed();
        assert_eq!(
            life.poll_close(now, Writer::Writing),
            CloseWait::Flush(now + LINGER)
        );
        assert_eq!(
            life.poll_close(now, Writer::Flushed),
            CloseWait::Gone(Ending::Clean)
        );

        let mut bye = Lifecycle::accepted(now, Duration::from_secs(10));
        bye.close(now, CloseKind::Bye);
        assert_eq!(
            bye.poll_close(now, Writer::Writing),
            CloseWait::Flush(now + LINGER)
        );
        assert_eq!(
            bye.poll_close(now + LINGER, Writer::Writing),
            CloseWait::Gone(Ending::GaveUp),
            "a writer that cannot finish is given up at the deadline"
        );

        let mut failed = Lifecycle::accepted(now, Duration::from_secs(10));
        failed.close(now, CloseKind::Bye);
        assert_eq!(
            failed.poll_close(now, Writer::Failed),
            CloseWait::Gone(Ending::GaveUp),
            "a writer that failed does not make a clean close"
        );
    }

    #[test]
    fn reads_of_a_closing_connection_are_counted_and_end_it() {
        let now = t0();
        let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
        life.close(now, CloseKind::Error);
        life.flushed();
        for (kind, again) in [
            (io::ErrorKind::WouldBlock, false),
            (io::ErrorKind::TimedOut, false),
            (io::ErrorKind::Interrupted, true),
        ] {
            assert_eq!(life.discarded(Err(kind.into())), again, "{kind:?}");
            assert_eq!(life.is_gone(), None, "{kind:?} changes nothing");
        }
        assert!(life.discarded(Ok(LINGER_DISCARD_LIMIT)));
        assert_eq!(life.is_gone(), None);
        assert!(!life.discarded(Ok(0)));
        assert_eq!(life.is_gone(), Some(Ending::Clean));

        // EOF before the last frames are out: the connection waits for its
        // flush, and the reader must not read again (every read is 0 now).
        let mut early = Lifecycle::accepted(now, Duration::from_secs(10));
        early.close(now, CloseKind::Error);
        assert!(!early.discarded(Ok(0)), "no read after EOF");
        assert_eq!(early.is_gone(), None);
        early.flushed();
        assert_eq!(early.is_gone(), Some(Ending::Clean));

        let mut reset = Lifecycle::accepted(now, Duration::from_secs(10));
        reset.close(now, CloseKind::Error);
        reset.discarded(Err(io::ErrorKind::ConnectionReset.into()));
        assert_eq!(reset.is_gone(), Some(Ending::GaveUp));
    }

    #[test]
    fn eof_or_a_reset_while_open_is_gone() {
        let now = t0();
        let mut life = Lifecycle::accepted(now, Duration::from_secs(10));
        assert!(life.input(10));
        life.peer_closed();
        assert_eq!(life.is_gone(), Some(Ending::GaveUp));
        life.close(now, CloseKind::Error);
        assert_eq!(life.is_gone(), Some(Ending::GaveUp), "gone stays gone");

        let mut reset = Lifecycle::accepted(now, Duration::from_secs(10));
        reset.close(now, CloseKind::Bye);
        reset.broken();
        assert_eq!(reset.is_gone(), Some(Ending::GaveUp));
    }

    #[test]
    fn the_table_tells_a_reused_slot_from_its_last_owner() {
        let mut table = ConnTable::new();
        let a = table.insert("a");
        let b = table.insert("b");
        assert_eq!((a.slot(), b.slot()), (0, 1));
        assert_eq!(table.remove(a), Some("a"));
        let c = table.insert("c");
        assert_eq!(c.slot(), a.slot(), "the slot is reused");
        assert_ne!(c, a, "under a new id");
        assert_eq!(table.get(a), None);
        assert_eq!(table.get(c), Some(&"c"));
        assert_eq!(table.remove(a), None);
        assert_eq!(table.len(), 2);
        assert_eq!(table.by_slot(0).map(|(id, v)| (id, *v)), Some((c, "c")));
    }

    /// Queues that hold at most `limit` frames, recording what each
    /// connection was sent.
    #[derive(Default)]
    struct Recorder {
        limit: usize,
        sent: ConnTable<(Vec<Frame>, bool)>,
    }

    impl Queues for Recorder {
        fn push(&mut self, to: ConnId, frame: Frame) -> Result<(), Overflow> {
            let limit = self.limit;
            match self.sent.get_mut(to) {
                Some((_, true)) | None => Ok(()),
                Some((frames, closed)) if frames.len() >= limit => {
                    *closed = true;
                    Err(Overflow)
                }
                Some((frames, _)) => {
                    frames.push(frame);
                    Ok(())
                }
            }
        }

        fn close(&mut self, id: ConnId) {
            if let Some((_, closed)) = self.sent.get_mut(id) {
                *closed = true;
            }
        }

        fn drop_slow(&mut self, id: ConnId, error: Frame) {
            if let Some((frames, closed)) = self.sent.get_mut(id) {
                frames.clear();
                frames.push(error);
                *closed = true;
            }
        }
    }

    #[test]
    fn a_slow_consumer_gets_its_error_last_even_when_others_overflow_with_it() {
        use crate::fmt::binary::from_bytes;
        use crate::protocol::{ClientMsg, ServerMsg};

        for non_readers in [2, 10] {
            let mut hub = crate::hub::Hub::new(crate::hub::Config::default());
            let mut outbox = Outbox::new();
            let mut queues = Recorder {
                limit: 8,
                ..Recorder::default()
            };
            let mut slow = Vec::new();
            let ids: Vec<ConnId> = (0..=non_readers)
                .map(|_| queues.sent.insert((Vec::new(), false)))
                .collect();
            for (i, &id) in ids.iter().enumerate() {
                hub.handle_connect(id, &mut outbox);
                let hello = ClientMsg::Hello {
                    version: 1,
                    nick: format!("n{i}"),
                };
                hub.handle_message(id, hello, 0, &mut outbox);
                outbox.clear();
            }
            for (_, (frames, _)) in queues.sent.iter_mut() {
                frames.clear();
            }
            // The first connection talks; everyone else never reads.
            let talker = ids[0];
            for n in 0..20 {
                let say = ClientMsg::Say {
                    room: "lobby".into(),
                    text: format!("message {n}"),
                };
                hub.handle_message(talker, say, 0, &mut outbox);
                apply_outbox(&mut hub, &mut outbox, &mut queues, &mut slow);
                // The talker reads everything.
                queues.sent.get_mut(talker).unwrap().0.clear();
            }
            for &id in &ids[1..] {
                let (frames, closed) = queues.sent.get(id).unwrap();
                assert!(closed, "{id} was dropped");
                let last = from_bytes::<ServerMsg>(frames.last().unwrap().payload()).unwrap();
                assert!(
                    matches!(
                        last,
                        ServerMsg::Error {
                            code: ErrorCode::SlowConsumer,
                            ..
                        }
                    ),
                    "{non_readers} non-readers: the last frame of {id} is {last:?}"
                );
            }
        }
    }
}
