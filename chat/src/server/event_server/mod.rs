//! `event_server`: one thread, one [`sys::Poll`], a state machine per
//! connection.
//!
//! # The model
//!
//! Every socket is non-blocking and registered with one `Poll`. The thread
//! sleeps in `epoll_wait` (or `kevent`) until something is ready, handles
//! every ready connection a little, and goes back to sleep. Nothing ever
//! blocks, so one slow client cannot hold up the others, and there is no
//! lock anywhere: the [`Hub`](crate::hub::Hub) (or the cluster node) is a plain field.
//!
//! ```text
//!                      ┌──────────────────── one thread ─────────────────────┐
//!  listener ─accept──► │ Conn { decoder, outbound }  ...  Conn  ...  Conn    │
//!  sockets ──read────► │   FrameDecoder ─► ClientMsg ─► Hub ─► Outbox        │
//!  signalfd ─────────► │                                  │  (frames, who)  │
//!  hello deadlines ──► │   Outbound queues ◄──────────────┘                  │
//!                      │        │ sendmsg, a few connections per turn         │
//!                      └────────┼────────────────────────────────────────────┘
//!                               ▼ sockets
//! ```
//!
//! One turn of the loop:
//!
//! 1. `poll` with the nearest deadline (hello timeouts, lingering closes) as
//!    its timeout, without waiting while connections wait for their flush
//!    (step 4), or with none at all when nothing is pending: an idle server
//!    makes no system call until a client does something.
//! 2. For each event: accept until `WouldBlock` (listener), start the
//!    shutdown (signals), or read until `WouldBlock` (a connection), feeding
//!    every complete frame to the hub and gathering its deliveries in the
//!    turn's **batch**. A connection that was read
//!    [`READS_PER_TURN`] times in one turn is put aside and continued next
//!    turn, so a flooding client cannot starve the others.
//! 3. Queue the batch on the recipients' [`Outbound`] queues: frames that
//!    went to the same recipients one after the other (the messages of a
//!    busy room) are joined into one [`Frame::concat`], queued once per
//!    recipient.
//! 4. Flush the next [`FLUSHES_PER_TURN`] connections of the **write
//!    rotation** (or an eighth of it, [`TURNS_PER_PASS`], when that is
//!    more), each with **one** `sendmsg` of its whole queue (up to
//!    1 024 queued pieces). A connection joins the back of the rotation when its
//!    queue gets its first frame (or the socket turns writable); the others
//!    keep their place and wait for the next turns. A broadcast to 100
//!    members therefore costs one encode and, per member, a share of one
//!    queue entry and of one system call, however many
//!    messages arrived while the member waited for its flush. A write the
//!    socket takes only in part means its buffer is full: the connection
//!    waits for writability instead of trying again at once
//!    ([`Outbound::flush_nonblocking`]).
//!
//! Why a batch: the kernel's cost of a `sendmsg` grows with its iovecs as
//! well as its bytes (it copies from each in turn), and each queued frame
//! costs a queue entry and two reference-count updates here. When many
//! messages arrive in one turn for one room, a member's flush would carry
//! one iovec per message; with the batch it carries one per turn that
//! had messages for it, and the bytes are contiguous. Order holds because
//! only *consecutive* runs with the very same recipients are joined, and
//! anything that must see the queues as they stand (closing a connection,
//! dropping a slow consumer) queues the batch first. The slow-consumer
//! limit decides as before: a group never exceeds `--max-outbound`, and a
//! queue overflows with the group exactly when it would have with one of
//! its frames; a partly written group keeps only the frame in progress
//! ([`Outbound::discard_unstarted`]).
//!
//! Why a rotation rather than flushing every waiting connection at the end
//! of each turn: under steady load every turn writes to every member, and
//! a `sendmsg` on loopback is expensive (the kernel runs the receiver's
//! side of TCP inside it), so a pass over a hundred members takes long
//! enough to matter. With whole passes, a message that arrives just after
//! a turn's reads waits for that pass to end, is read, then waits for its
//! own recipients' places in the next pass: up to two passes. With the
//! rotation the server looks at its sockets every few flushes, and a new
//! message joins the queues of the members still waiting, so it leaves
//! with each recipient's next flush: at most one pass. The batches per
//! `sendmsg` stay as large, since each connection is still flushed once
//! per pass, so throughput and CPU per delivery do not pay for it.
//!
//! # Where the time goes
//!
//! Under a broadcast storm most of the server's CPU time is in the kernel:
//! copying the bytes into socket buffers, and TCP and loopback processing
//! per `sendmsg` and per segment; the hub and the queues are a small
//! share. So the levers are in the system calls (how many frames each
//! `sendmsg` carries), not in the user-space code. `bench/README.md` has
//! the profile and the figures.
//!
//! The sends stay on the one thread. Under a steady load a pass over the
//! rotation costs one `sendmsg` per member (on loopback each also runs
//! the receiver's side of TCP), and a delivery waits for its recipient's
//! place in the pass, so only sends made on another core at the same time
//! would shorten it. That pays only where a core is free for it: with the
//! clients on the same two cores (as in the benchmarks), both ways of
//! sending from a second thread (a split of each turn's flushes, and
//! writer threads that own the connections) raised the tail latency at
//! a load one thread can carry;
//! `floor`'s `--writers` and `--shards` measure them.
//!
//! Registration is edge-triggered ([`sys::Trigger::Edge`]): each readiness
//! is reported once, so reads drain until `WouldBlock` (or the connection is
//! put on the pending list), and a connection is registered for
//! writability only while its queue has bytes the socket refused.
//!
//! # Connection states
//!
//! Each connection carries a [`Lifecycle`], the sans-I/O state machine
//! every server drives ([`super::lifecycle`]): open, closing (the hub let
//! it go: its last frames are flushed, then FIN, and its input is read and
//! discarded until the peer closes), gone. Its deadline (hello, or linger)
//! sits in one of two FIFO queues ([`deadlines`]), each holding deadlines
//! of one length, so each stays sorted by construction; an expired entry
//! is handed to [`Lifecycle::handle_timeout`], which ignores a stale one.
//!
//! # Limits (PROTOCOL.md 5.5)
//!
//! - `--max-outbound`: a frame that would take a non-empty queue past the
//!   limit makes the connection a slow consumer ([`apply_outbox`]): its
//!   queue is discarded (except a partly written frame), `SlowConsumer` is
//!   queued last, and it is closed.
//! - `--max-conns`: the hub refuses the connection with `ServerFull`.
//! - Out of file descriptors or kernel memory (`EMFILE`, `ENFILE`,
//!   `ENOBUFS`, `ENOMEM` on accept, [`sys::net::is_resource_exhaustion`]):
//!   the listener rests for [`ACCEPT_PAUSE`] (its events are ignored, and no system call
//!   is made for it), then the server accepts again. Waiting clients stay in
//!   the kernel's backlog until descriptors are free; existing clients never
//!   notice. Accepting is also done last in a turn, after the reads that may
//!   have freed descriptors (a client's EOF) in the same batch of events.
//!
//! # Shutdown
//!
//! SIGINT and SIGTERM arrive through a `signalfd` registered on the same
//! `Poll`. The hub sends `ShuttingDown` to every connection; the server stops
//! accepting, flushes for at most [`SHUTDOWN_GRACE`], and returns.
//!
//! # When to choose it
//!
//! When connections are many and mostly idle, and the work per message is
//! small: memory per connection is a few hundred bytes, there are no context
//! switches, and the cost of a broadcast is dominated by `sendmsg`. It uses
//! one core; a server that needs more runs several such loops (or uses
//! `exec`).

use std::collections::VecDeque;
use std::io;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use sys::net::{TcpListener, TcpStream};
use sys::signal::{Signal, Signals};
use sys::{Event, Events, Interest, Poll, Token};

use self::backplane::{Backplane, REDIS};
use self::deadlines::Deadlines;
use super::config::{listen, Config};
use super::core::Core;
use super::lifecycle::{
    apply_outbox, CloseKind, ConnTable, Expired, Lifecycle, Overflow, Queues, ACCEPT_PAUSE, LINGER,
    SHUTDOWN_GRACE,
};
use super::outbound::{Flush, Outbound};
use crate::clock::unix_ms;
use crate::fmt::binary::from_bytes;
use crate::fmt::framed::{split_frame, FrameDecoder, HEADER_LEN};
use crate::hub::{ConnId, Engine, Frame, Outbox, SessionState};
use crate::protocol::{ClientMsg, ErrorCode};

pub mod backplane;
pub mod deadlines;

/// The listener's token.
const LISTENER: Token = Token(usize::MAX);
/// The signal source's token.
const SIGNALS: Token = Token(usize::MAX - 1);

/// Reads of one connection per turn before it yields to the others.
pub const READS_PER_TURN: usize = 16;
/// Connections flushed per turn before the server looks for input again
/// (see the module docs: the write rotation), at the least.
pub const FLUSHES_PER_TURN: usize = 4;
/// A long rotation is flushed in this many turns per pass, at the most.
pub const TURNS_PER_PASS: usize = 8;
/// The most bytes of frames a group of the batch gathers before it is queued
/// (and at most `--max-outbound`).
pub const GROUP_LEN: usize = 64 * 1024;
/// Size of the read buffer all connections share.
pub const SCRATCH_LEN: usize = 16 * 1024;

/// One connection: its socket, its input and output, its lifecycle.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    decoder: FrameDecoder,
    out: Outbound,
    life: Lifecycle,
    /// Registered for writability (only while the socket refused bytes).
    want_write: bool,
    /// In the write rotation (has frames to flush).
    dirty: bool,
    /// Listed in `pending_reads` (was cut off by [`READS_PER_TURN`]).
    read_pending: bool,
}

/// Runs `event_server` until SIGINT or SIGTERM: binds, prints the
/// `listening on` line, serves, shuts down.
pub fn run(config: Config) -> io::Result<()> {
    // Block the signals before anything else (signalfd needs them blocked).
    let signals = Signals::new(&[Signal::Interrupt, Signal::Terminate])?;
    let (core, redis) = Core::start(&config, "event_server")?;
    let backplane = match (&config.cluster, redis) {
        (Some(cluster), Some(stream)) => Some(Backplane::new(cluster.redis, stream)),
        _ => None,
    };
    let listener = listen("event_server", &config)?;
    EventServer::new(config, core, backplane, listener, signals)?.serve()
}

/// The server's whole state; see the module docs.
#[derive(Debug)]
struct EventServer {
    config: Config,
    poll: Poll,
    listener: TcpListener,
    listener_paused: Option<Instant>,
    signals: Signals,
    /// The hub, or in cluster mode the node.
    core: Core,
    /// In cluster mode, the node's Redis connection.
    backplane: Option<Backplane>,
    outbox: Outbox,
    /// Everything [`Queues`] needs, apart from the hub: the connections,
    /// the write rotation and the linger deadlines.
    io: Io,
    /// Hello deadlines, all of the same length, so pushed in order.
    hello: Deadlines<ConnId>,
    /// Connections to keep reading next turn.
    pending_reads: Vec<usize>,
    /// Scratch for [`apply_outbox`].
    slow: Vec<ConnId>,
    /// The listener reported readiness this turn: accept at its end.
    accept_pending: bool,
    /// UNIX milliseconds, read once per turn.
    now_ms: u64,
    /// The read buffer every connection shares (see [`EventServer::read_conn`]).
    scratch: Vec<u8>,
}

/// The connections and what the hub's output changes about them: the
/// server's [`Queues`].
#[derive(Debug)]
struct Io {
    conns: ConnTable<Conn>,
    /// Slots of connections with frames to flush, in the order they got
    /// them (the write rotation; see the module docs).
    rotation: VecDeque<usize>,
    /// Linger deadlines, all [`LINGER`] long, so pushed in order.
    linger: Deadlines<ConnId>,
    max_outbound: usize,
    /// The connection whose `Bye` the hub is handling: its close is a
    /// [`CloseKind::Bye`].
    saying_bye: Option<ConnId>,
    /// Set once SIGINT/SIGTERM arrived: the deadline for the last flush.
    stopping: Option<Instant>,
    /// Deliveries held back until the end of the turn ([`Batch`]).
    batch: Batch,
    /// Connections whose queue overflowed when a batch was queued, for
    /// [`EventServer::settle`].
    overflowed: Vec<ConnId>,
}

/// The turn's deliveries on their way to the queues, gathered so that
/// frames for the same connections go as one (see the module docs: the
/// batch).
///
/// The hub's outbox lists a broadcast as the same frame once per
/// recipient: a **run**. Runs to the same recipients, in the same order,
/// one after the other, form a **group**, queued at the end of the turn
/// as one [`Frame::concat`] per recipient. Anything that must see the
/// queues as they stand (a close, a slow consumer, a flush) queues the
/// group first, so every connection's frames keep their order.
#[derive(Debug, Default)]
struct Batch {
    /// The frame of the current run, and its recipients so far.
    run: Option<Frame>,
    run_to: Vec<ConnId>,
    /// The frames of the current group, and its recipients.
    group: Vec<Frame>,
    group_to: Vec<ConnId>,
    group_len: usize,
}

impl Io {
    /// Puts `conn` at the back of the rotation unless it is in it.
    fn mark_dirty(rotation: &mut VecDeque<usize>, id: ConnId, conn: &mut Conn) {
        if !conn.dirty {
            conn.dirty = true;
            rotation.push_back(id.slot());
        }
    }

    /// Starts closing `id`: no more frames, flush, linger.
    fn close_conn(&mut self, id: ConnId, kind: CloseKind) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        if !conn.life.is_open() {
            return;
        }
        let now = Instant::now();
        conn.life.close(now, kind);
        self.linger.push(now + LINGER, id);
        // Even with nothing queued: the flush is what sends FIN.
        Io::mark_dirty(&mut self.rotation, id, conn);
    }
}

impl Io {
    /// Ends the current run: it joins the group if it has the group's
    /// recipients (and the group stays within [`GROUP_LEN`] and the
    /// outbound limit), else the group is queued and the run starts the
    /// next one.
    fn end_run(&mut self) {
        let Some(frame) = self.batch.run.take() else {
            return;
        };
        let b = &mut self.batch;
        let fits = b.group_len + frame.len() <= GROUP_LEN.min(self.max_outbound);
        if !(fits && b.group_to == b.run_to) {
            self.queue_group();
            std::mem::swap(&mut self.batch.group_to, &mut self.batch.run_to);
        }
        let b = &mut self.batch;
        b.group_len += frame.len();
        b.group.push(frame);
        b.run_to.clear();
    }

    /// Queues the group on each of its recipients' queues.
    fn queue_group(&mut self) {
        let frame = match self.batch.group.len() {
            0 => return,
            1 => self.batch.group.pop(),
            _ => Some(Frame::concat(&self.batch.group)),
        };
        self.batch.group.clear();
        self.batch.group_len = 0;
        let to = std::mem::take(&mut self.batch.group_to);
        if let Some(frame) = frame {
            for &id in &to {
                self.queue(id, &frame);
            }
        }
        self.batch.group_to = to;
        self.batch.group_to.clear();
    }

    /// Whether deliveries are held back, waiting for
    /// [`queue_batch`](Io::queue_batch).
    fn has_batch(&self) -> bool {
        self.batch.run.is_some() || !self.batch.group.is_empty()
    }

    /// Queues everything held back.
    fn queue_batch(&mut self) {
        self.end_run();
        self.queue_group();
    }

    /// Queues `frame` for `to`; an overflow closes it and lists it in
    /// `overflowed`.
    fn queue(&mut self, to: ConnId, frame: &Frame) {
        let Some(conn) = self.conns.get_mut(to) else {
            return;
        };
        if !conn.life.is_open() {
            return;
        }
        if conn.out.push(frame.clone(), self.max_outbound).is_err() {
            self.close_conn(to, CloseKind::Error);
            self.overflowed.push(to);
            return;
        }
        Io::mark_dirty(&mut self.rotation, to, conn);
    }
}

/// The deliveries are held back in the [`Batch`] and queued by
/// [`Io::queue_batch`], so `push` never reports an overflow itself:
/// [`EventServer::settle`] handles the connections it lists.
impl Queues for Io {
    fn push(&mut self, to: ConnId, frame: Frame) -> Result<(), Overflow> {
        match &self.batch.run {
            Some(run) if Frame::ptr_eq(run, &frame) => {}
            _ => {
                self.end_run();
                self.batch.run = Some(frame);
            }
        }
        self.batch.run_to.push(to);
        Ok(())
    }

    fn close(&mut self, id: ConnId) {
        self.queue_batch();
        let kind = if self.stopping.is_some() {
            CloseKind::Shutdown
        } else if self.saying_bye == Some(id) {
            CloseKind::Bye
        } else {
            CloseKind::Error
        };
        self.close_conn(id, kind);
    }

    fn drop_slow(&mut self, id: ConnId, error: Frame) {
        self.queue_batch();
        self.close_conn(id, CloseKind::Error);
        if let Some(conn) = self.conns.get_mut(id) {
            conn.out.discard_unstarted();
            conn.out.push_unbounded(error);
        }
    }
}

impl EventServer {
    fn new(
        config: Config,
        core: Core,
        mut backplane: Option<Backplane>,
        mut listener: TcpListener,
        mut signals: Signals,
    ) -> io::Result<Self> {
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        if let Some(backplane) = &mut backplane {
            backplane.register(poll.registry())?;
        }
        let max_outbound = config.max_outbound;
        Ok(EventServer {
            config,
            poll,
            listener,
            listener_paused: None,
            signals,
            core,
            backplane,
            outbox: Outbox::new(),
            io: Io {
                conns: ConnTable::new(),
                rotation: VecDeque::new(),
                linger: Deadlines::new(),
                max_outbound,
                saying_bye: None,
                stopping: None,
                batch: Batch::default(),
                overflowed: Vec::new(),
            },
            hello: Deadlines::new(),
            pending_reads: Vec::new(),
            slow: Vec::new(),
            accept_pending: false,
            now_ms: 0,
            scratch: vec![0; SCRATCH_LEN],
        })
    }

    /// The event loop; returns after a signal once the queues are flushed.
    fn serve(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = self.next_timeout();
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            self.now_ms = unix_ms();
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept_pending = true,
                    SIGNALS => self.on_signal()?,
                    REDIS => self.on_redis_event(event),
                    Token(slot) => self.on_conn_event(slot, event),
                }
            }
            self.continue_pending_reads();
            if std::mem::take(&mut self.accept_pending) {
                self.accept_all();
            }
            let now = Instant::now();
            self.expire_deadlines(now);
            self.flush_redis();
            self.settle();
            self.flush_rotation();
            if let Some(deadline) = self.io.stopping {
                let redis_flushed = match (&self.backplane, self.core.node()) {
                    (Some(b), Some(node)) => b.is_flushed(node),
                    _ => true,
                };
                if (self.io.conns.is_empty() && redis_flushed) || now >= deadline {
                    return Ok(());
                }
            }
        }
    }

    /// The poll timeout: zero when reads or flushes are pending, else the
    /// nearest deadline, else none.
    fn next_timeout(&mut self) -> Option<Duration> {
        self.resume_reads();
        // Frames batched after this turn's settle (a flush that dropped a
        // connection, say) are queued in the next turn, without waiting.
        if self.io.has_batch() {
            return Some(Duration::ZERO);
        }
        if !self.pending_reads.is_empty() || !self.io.rotation.is_empty() {
            return Some(Duration::ZERO);
        }
        let now = Instant::now();
        // Drop stale hello deadlines from the front so they do not cause
        // useless wake-ups: only a connection still waiting for Hello counts.
        while let Some(&id) = self.hello.peek() {
            let waiting = self
                .io
                .conns
                .get(id)
                .is_some_and(|c| c.life.is_open() && c.life.poll_timeout().is_some());
            if waiting {
                break;
            }
            self.hello.pop();
        }
        // Likewise linger deadlines of connections already gone.
        while let Some(&id) = self.io.linger.peek() {
            if self.io.conns.get(id).is_some_and(|c| c.life.is_closing()) {
                break;
            }
            self.io.linger.pop();
        }
        let candidates = [
            self.hello.timeout(now),
            self.io.linger.timeout(now),
            self.listener_paused
                .map(|t| t.saturating_duration_since(now)),
            self.io.stopping.map(|t| t.saturating_duration_since(now)),
            match (&self.backplane, self.core.node()) {
                (Some(b), Some(node)) => b.poll_timeout(node),
                _ => None,
            }
            .map(|t| t.saturating_duration_since(now)),
        ];
        candidates.into_iter().flatten().min()
    }

    /// Applies the hub's output (see [`apply_outbox`]).
    fn apply(&mut self) {
        apply_outbox(
            &mut self.core,
            &mut self.outbox,
            &mut self.io,
            &mut self.slow,
        );
    }

    /// Queues the turn's batch and drops the connections it overflowed as
    /// slow consumers, as [`apply_outbox`] does for an overflow it sees
    /// (their clean-up may batch more frames, queued in turn).
    fn settle(&mut self) {
        loop {
            self.io.queue_batch();
            if self.io.overflowed.is_empty() {
                return;
            }
            let overflowed = std::mem::take(&mut self.io.overflowed);
            for &id in &overflowed {
                let error = self.core.error_frame(ErrorCode::SlowConsumer);
                self.io.drop_slow(id, error);
                self.core.handle_slow_consumer(id, &mut self.outbox);
            }
            self.apply();
        }
    }

    /// One hub step for what connection `id` sent.
    fn step(&mut self, id: ConnId, input: Result<ClientMsg, ErrorCode>) {
        match input {
            Ok(ClientMsg::Bye) => {
                self.io.saying_bye = Some(id);
                self.core
                    .handle_message(id, ClientMsg::Bye, self.now_ms, &mut self.outbox);
            }
            Ok(msg) => self
                .core
                .handle_message(id, msg, self.now_ms, &mut self.outbox),
            Err(code) => self.core.handle_decode_error(id, code, &mut self.outbox),
        }
        self.apply();
        self.io.saying_bye = None;
        if let Some(conn) = self.io.conns.get_mut(id) {
            // Only while a hello deadline runs: one lookup in the hub.
            if conn.life.is_open()
                && conn.life.poll_timeout().is_some()
                && self.core.state(id) == Some(SessionState::Welcomed)
            {
                conn.life.welcomed();
            }
        }
    }

    // ----- accepting ----------------------------------------------------

    fn accept_all(&mut self) {
        if self.listener_paused.is_some() || self.io.stopping.is_some() {
            return;
        }
        loop {
            match self.listener.accept() {
                Ok((stream, _peer)) => self.admit(stream),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if sys::net::is_resource_exhaustion(&e) => {
                    // Rest instead of retrying: the backlog keeps the waiting
                    // clients, and nothing wakes us until the pause is over.
                    self.listener_paused = Some(Instant::now() + ACCEPT_PAUSE);
                    return;
                }
                // ECONNABORTED and friends: that connection is gone, the
                // listener is fine.
                Err(_) => continue,
            }
        }
    }

    fn resume_listener(&mut self) {
        self.listener_paused = None;
        // Connections queued while we rested were reported (edge-triggered)
        // and ignored: look for them now.
        self.accept_all();
    }

    fn admit(&mut self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let now = Instant::now();
        let hello_timeout = self.config.hello_timeout;
        let max_frame = self.config.max_frame;
        let id = self.io.conns.insert_with(|_| Conn {
            stream,
            decoder: FrameDecoder::new(max_frame),
            out: Outbound::new(),
            life: Lifecycle::accepted(now, hello_timeout),
            want_write: false,
            dirty: false,
            read_pending: false,
        });
        let conn = self.io.conns.get_mut(id).expect("just inserted");
        if self
            .poll
            .registry()
            .register(&mut conn.stream, Token(id.slot()), Interest::READABLE)
            .is_err()
        {
            self.io.conns.remove(id);
            return;
        }
        if self.core.handle_connect(id, &mut self.outbox) {
            self.hello.push(now + hello_timeout, id);
        }
        self.apply();
        // Data may already be waiting (the client wrote before we accepted).
        self.read_conn(id.slot(), true);
    }

    // ----- signals ------------------------------------------------------

    fn on_signal(&mut self) -> io::Result<()> {
        let mut got = false;
        while self.signals.receive()?.is_some() {
            got = true;
        }
        if !got || self.io.stopping.is_some() {
            return Ok(());
        }
        self.settle();
        self.io.stopping = Some(Instant::now() + SHUTDOWN_GRACE);
        let _ = self.poll.registry().deregister(&mut self.listener);
        for id in self.io.conns.ids() {
            let conn = self.io.conns.get_mut(id).expect("listed");
            // Lingering connections have had their last word; the open
            // ones' queued frames that have not started are dropped, so that
            // each gets ShuttingDown promptly instead of after its backlog.
            // A closing connection keeps its queue: its last frame is the
            // fatal error the hub let it go with, and it gets no
            // ShuttingDown.
            conn.life.shutting_down();
            if conn.life.is_open() {
                conn.out.discard_unstarted();
            }
            if conn.life.is_gone().is_some() {
                self.free_conn(id);
            }
        }
        self.core.handle_shutdown(&mut self.outbox);
        self.apply();
        Ok(())
    }

    // ----- reading ------------------------------------------------------

    fn on_conn_event(&mut self, slot: usize, event: &Event) {
        if event.is_writable() || event.is_error() {
            if let Some((id, conn)) = self.io.conns.by_slot(slot) {
                Io::mark_dirty(&mut self.io.rotation, id, conn);
            }
        }
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            // After EOF or an error has been reported, read until the
            // kernel says so: no further event will announce it.
            let must_drain = event.is_read_closed() || event.is_error();
            self.read_conn(slot, must_drain);
        }
    }

    fn continue_pending_reads(&mut self) {
        let pending = std::mem::take(&mut self.pending_reads);
        for &slot in &pending {
            if let Some((id, conn)) = self.io.conns.by_slot(slot) {
                conn.read_pending = false;
                // Frames a paused connection had buffered go first.
                if self.decode_frames(id) {
                    self.read_conn(slot, true);
                }
            }
        }
        // Reuse the allocation unless reading refilled the list.
        if self.pending_reads.is_empty() {
            self.pending_reads = pending;
            self.pending_reads.clear();
        }
    }

    /// Connections the engine takes input from again (see
    /// [`Engine::accepts_input`]) are read next turn.
    fn resume_reads(&mut self) {
        let mut resumed = Vec::new();
        self.core.take_resumed(&mut resumed);
        for id in resumed {
            if let Some(conn) = self.io.conns.get_mut(id) {
                if !conn.read_pending {
                    conn.read_pending = true;
                    self.pending_reads.push(id.slot());
                }
            }
        }
    }

    /// Reads from `slot` until it is drained, EOF, or [`READS_PER_TURN`].
    ///
    /// At a frame boundary (the connection's decoder is empty, the usual
    /// case) the read lands in the buffer all connections share, whole
    /// frames are handed to the hub straight from it, and only a cut frame
    /// is copied into the connection's [`FrameDecoder`] (with
    /// [`push`](FrameDecoder::push)), which finishes it with its own reads.
    /// So a connection allocates nothing to read whole frames, and idle
    /// ones hold no buffer.
    ///
    /// A read that fills less than the shared buffer has emptied the
    /// socket: the next bytes will raise a new edge, so the connection is
    /// not read again just to hear `WouldBlock` (one system call saved per
    /// readiness), unless `must_drain`: after an event that reported EOF or
    /// an error, which no later event repeats.
    fn read_conn(&mut self, slot: usize, must_drain: bool) {
        for _ in 0..READS_PER_TURN {
            let Some((id, conn)) = self.io.conns.by_slot(slot) else {
                return;
            };
            if !conn.life.is_open() {
                return self.discard_input(id);
            }
            if !self.core.accepts_input(id) {
                // Paused: the engine lists it when it takes input again.
                return;
            }
            if conn.decoder.is_empty() && !self.scratch.is_empty() {
                let got = io::Read::read(&mut &conn.stream, &mut self.scratch);
                match got {
                    Ok(0) => return self.drop_conn(id),
                    Ok(n) => {
                        if !self.decode_scratch(id, n) {
                            return;
                        }
                        if n < SCRATCH_LEN && !must_drain {
                            return;
                        }
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => return self.drop_conn(id),
                }
            }
            match conn.decoder.read_from(&mut &conn.stream) {
                Ok(0) => return self.drop_conn(id),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // The decoder refused a header; decode_frames reports it.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
                Err(_) => return self.drop_conn(id),
            }
            if !self.decode_frames(id) {
                return;
            }
        }
        // Still readable, most likely: continue next turn.
        if let Some((_, conn)) = self.io.conns.by_slot(slot) {
            if !conn.read_pending && conn.life.is_open() {
                conn.read_pending = true;
                self.pending_reads.push(slot);
            }
        }
    }

    /// Feeds the whole frames among the first `n` bytes of the shared
    /// buffer to the hub, and leaves the rest (a cut frame, or a header the
    /// decoder will refuse) to the connection's decoder. Returns whether
    /// the connection is still open for reading.
    fn decode_scratch(&mut self, id: ConnId, n: usize) -> bool {
        // Taken out for the loop so the hub can be called; an empty scratch
        // makes read_conn use the decoder, should anything call it meanwhile.
        let scratch = std::mem::take(&mut self.scratch);
        let mut pos = 0;
        // A refused header stops the loop: the decoder reports it below.
        while let Ok(Some(payload)) = split_frame(&scratch[pos..n], self.config.max_frame) {
            if !self.is_open(id) || !self.core.accepts_input(id) {
                break;
            }
            pos += HEADER_LEN + payload.len();
            let input = from_bytes::<ClientMsg>(payload).map_err(|_| ErrorCode::Malformed);
            self.step(id, input);
        }
        let open = match self.io.conns.get_mut(id) {
            Some(conn) if conn.life.is_open() => {
                if pos < n {
                    conn.decoder.push(&scratch[pos..n]);
                }
                true
            }
            _ => false,
        };
        self.scratch = scratch;
        // The decoder reports a refused header, or finds nothing to do.
        open && self.decode_frames(id)
    }

    /// Whether `id` is still here and open for reading.
    fn is_open(&self, id: ConnId) -> bool {
        self.io.conns.get(id).is_some_and(|c| c.life.is_open())
    }

    /// Feeds every complete frame of `id` to the hub. Returns whether the
    /// connection is still open for reading.
    fn decode_frames(&mut self, id: ConnId) -> bool {
        loop {
            let Some(conn) = self.io.conns.get_mut(id) else {
                return false;
            };
            if !conn.life.is_open() {
                return false;
            }
            if !self.core.accepts_input(id) {
                return true;
            }
            let input = match conn.decoder.next_frame() {
                Ok(None) => return true,
                Ok(Some(payload)) => {
                    from_bytes::<ClientMsg>(payload).map_err(|_| ErrorCode::Malformed)
                }
                Err(e) => {
                    // The stream has lost its framing: nothing after this
                    // is read, whether the engine closes the connection
                    // now or once the replies it owes have gone.
                    let code = e.error_code();
                    self.step(id, Err(code));
                    return false;
                }
            };
            self.step(id, input);
        }
    }

    /// Reads and throws away the input of a closing connection, until
    /// `WouldBlock`, EOF, or the close rules give it up.
    fn discard_input(&mut self, id: ConnId) {
        let Some(conn) = self.io.conns.get_mut(id) else {
            return;
        };
        let mut scratch = [0u8; 4096];
        loop {
            let again = conn
                .life
                .discarded(io::Read::read(&mut &conn.stream, &mut scratch));
            if conn.life.is_gone().is_some() {
                return self.free_conn(id);
            }
            if !again {
                return;
            }
        }
    }

    // ----- writing ------------------------------------------------------

    /// Flushes the first [`FLUSHES_PER_TURN`] connections of the rotation,
    /// or a [`TURNS_PER_PASS`]th of it when that is more.
    ///
    /// The others keep their place and are flushed in the next turns, after
    /// a look at the sockets (a `poll` without waiting): frames that arrive
    /// meanwhile join their queues, so they leave with the next flush of
    /// each recipient instead of waiting for a whole pass over all of them
    /// to end first. A connection flushed and given frames again goes to
    /// the back. While the server keeps up, the rotation is empty after a
    /// turn or a few; an idle server has nothing in it. A long rotation is
    /// flushed in at most [`TURNS_PER_PASS`] turns, so that looking for
    /// input every few flushes does not cost a system call per few
    /// deliveries when thousands of connections wait.
    fn flush_rotation(&mut self) {
        let count = FLUSHES_PER_TURN.max(self.io.rotation.len() / TURNS_PER_PASS);
        for _ in 0..count {
            // Flushing can fail and disconnect someone, which can queue
            // `Left` frames at the back: they take their turn like others.
            let Some(slot) = self.io.rotation.pop_front() else {
                return;
            };
            self.flush_conn(slot);
        }
    }

    fn flush_conn(&mut self, slot: usize) {
        let Some((id, conn)) = self.io.conns.by_slot(slot) else {
            return;
        };
        conn.dirty = false;
        match conn.out.flush_nonblocking(&mut &conn.stream) {
            Ok(Flush::Done) => {
                if conn.want_write {
                    conn.want_write = false;
                    let _ = self.poll.registry().reregister(
                        &mut conn.stream,
                        Token(slot),
                        Interest::READABLE,
                    );
                }
                if conn.life.is_closing() && !conn.life.is_flushed() {
                    // The last frame is out: FIN, then linger (or close).
                    let _ = conn.stream.shutdown(Shutdown::Write);
                    conn.life.flushed();
                    if conn.life.is_gone().is_some() {
                        self.free_conn(id);
                    } else {
                        self.discard_input(id);
                    }
                }
            }
            Ok(Flush::Blocked) => {
                if !conn.want_write {
                    conn.want_write = true;
                    let _ = self.poll.registry().reregister(
                        &mut conn.stream,
                        Token(slot),
                        Interest::READABLE | Interest::WRITABLE,
                    );
                }
            }
            Err(_) if conn.life.is_open() => self.drop_conn(id),
            Err(_) => {
                conn.life.broken();
                self.free_conn(id);
            }
        }
    }

    // ----- timers -------------------------------------------------------

    fn expire_deadlines(&mut self, now: Instant) {
        while let Some(id) = self.hello.pop_expired(now) {
            self.handle_timeout(id, now);
        }
        while let Some(id) = self.io.linger.pop_expired(now) {
            self.handle_timeout(id, now);
        }
        if self.listener_paused.is_some_and(|t| now >= t) {
            self.resume_listener();
        }
        if let (Some(backplane), Some(node)) = (&mut self.backplane, self.core.node()) {
            backplane.handle_timeout(node, self.poll.registry(), now, &mut self.outbox);
            self.apply();
        }
    }

    // ----- cluster mode -------------------------------------------------

    /// Redis's socket is ready (see [`backplane`]).
    fn on_redis_event(&mut self, event: &Event) {
        if let (Some(backplane), Some(node)) = (&mut self.backplane, self.core.node()) {
            backplane.on_event(node, event, self.poll.registry(), &mut self.outbox);
            self.apply();
        }
    }

    /// Writes what the node queued for Redis this turn.
    fn flush_redis(&mut self) {
        if let (Some(backplane), Some(node)) = (&mut self.backplane, self.core.node()) {
            backplane.flush(node, self.poll.registry(), &mut self.outbox);
            self.apply();
        }
    }

    fn handle_timeout(&mut self, id: ConnId, now: Instant) {
        let Some(conn) = self.io.conns.get_mut(id) else {
            return;
        };
        match conn.life.handle_timeout(now) {
            Some(Expired::Hello) => {
                self.core.handle_hello_timeout(id, &mut self.outbox);
                self.apply();
            }
            Some(Expired::Linger) => self.free_conn(id),
            None => {}
        }
    }

    // ----- closing ------------------------------------------------------

    /// The peer went away while open (EOF, reset, write error): tell the
    /// hub, free.
    fn drop_conn(&mut self, id: ConnId) {
        let Some(conn) = self.io.conns.get_mut(id) else {
            return;
        };
        conn.life.broken();
        self.free_conn(id);
        self.core.handle_disconnect(id, &mut self.outbox);
        self.apply();
    }

    /// Deregisters and closes the socket, frees the slot.
    fn free_conn(&mut self, id: ConnId) {
        if let Some(mut conn) = self.io.conns.remove(id) {
            debug_assert!(conn.life.is_gone().is_some() || self.io.stopping.is_some());
            let _ = self.poll.registry().deregister(&mut conn.stream);
        }
    }
}
