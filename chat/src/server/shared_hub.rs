//! [`SharedHub`]: the hub behind one lock, for servers with many threads or
//! tasks (`thread_server`, `async_server`).
//!
//! Every reader drives the one [`Hub`](crate::hub::Hub) (or cluster node). The lock is held for **one step plus
//! applying its outbox**: the frames a step produced are pushed onto the
//! recipients' [`Mailbox`]es before the next step can start. That is what
//! keeps PROTOCOL.md 5.3's order across threads: a room's `Message` with
//! `seq = n` is in every member's mailbox before any reader can make
//! `seq = n + 1`, so every member's writer sends them in that order.
//!
//! ```text
//!   reader A ─┐                       ┌─► Mailbox a ─► writer a
//!   reader B ─┼─► lock { Hub step ─► Outbox ─┼─► Mailbox b ─► writer b
//!   reader C ─┘         (one at a time)      └─► Mailbox c ─► writer c
//!                   └── wakers collected; woken after unlock
//! ```
//!
//! What happens under the lock is memory work only (the hub's rules,
//! reference-count bumps, `VecDeque` pushes): no system call, no waiting
//! for a socket. Writers that were idle are woken after the lock is
//! released, each once per step however many frames it got.
//!
//! The outbox is applied with [`apply_outbox`], as in `event_server`: the
//! same slow-consumer rule (5.5), the same order of deliveries, closes and
//! drops. A connection closed this way in another connection's step has
//! its reader woken ([`Mailbox::watch`]), since that reader may be waiting
//! on a peer that will never send again.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::core::Core;
use super::lifecycle::{apply_outbox, CloseKind, ConnTable, Overflow, Queues};
use super::mailbox::Mailbox;
use crate::cluster::node::{LinkWant, Node};
use crate::fmt::binary::from_bytes;
use crate::fmt::framed::FrameDecoder;
use crate::hub::{ConnId, Engine, Frame, Outbox, SessionState};
use crate::protocol::{ClientMsg, ErrorCode};

/// One connection's mailbox, shared by its reader, its writer and the hub.
pub type SharedMailbox = Arc<Mutex<Mailbox>>;

/// Locks `mutex`, ignoring poisoning: the state behind our locks is updated
/// in single steps that leave it consistent, and one panicking thread must
/// not take every other connection down with it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Wakers to wake once the hub's lock is released; owned by the caller and
/// reused across steps so a step allocates nothing.
#[derive(Debug, Default)]
pub struct Wakeups(Vec<Waker>);

impl Wakeups {
    /// An empty list.
    pub fn new() -> Wakeups {
        Wakeups::default()
    }

    /// Wakes (and forgets) everything collected.
    pub fn wake_all(&mut self) {
        for waker in self.0.drain(..) {
            waker.wake();
        }
    }
}

/// Whose readers to wake when a step closes their connection (see
/// [`Mailbox::watch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tell {
    /// Everyone's but this connection's: the one whose reader took the
    /// step notices by itself.
    Others(ConnId),
    /// Every reader.
    All,
    /// No reader (shutdown: the process is about to exit, and a woken
    /// reader would cut its writer off before the last frame).
    Nobody,
}

/// The hub, its outbox and every connection's mailbox, behind one `Mutex`;
/// and, beside them, whether the server is shutting down and how many
/// connections' output is not finished (for the shutdown's flush).
pub struct SharedHub {
    core: Mutex<Locked>,
    max_outbound: usize,
    /// Drives a cluster node (whose input may pause), not the hub.
    cluster: bool,
    stopping: AtomicBool,
    unfinished: Arc<Unfinished>,
}

impl fmt::Debug for SharedHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedHub")
            .field("max_outbound", &self.max_outbound)
            .finish_non_exhaustive()
    }
}

/// What the lock protects.
struct Locked {
    hub: Core,
    /// In cluster mode: the task that writes to Redis waits for output.
    redis_writer: Option<Waker>,
    /// Counts the node's Redis connections: a writer task of an older one
    /// stops.
    redis_generation: u64,
    outbox: Outbox,
    /// The mailboxes, as the [`Queues`] the outbox is applied to.
    queues: Mailboxes,
    /// Scratch for [`apply_outbox`].
    slow: Vec<ConnId>,
}

/// The mailboxes of the connections the hub knows (and of those being
/// refused, until their outbox is applied), and who to wake once the lock
/// is released.
struct Mailboxes {
    table: ConnTable<SharedMailbox>,
    /// Closed in the current pass: they leave the table when the pass is
    /// over, since a slow-consumer drop later in the same pass may still
    /// need them (a fatal error that overflowed its own queue).
    closed: Vec<ConnId>,
    limit: usize,
    /// Whose readers a close wakes, in the current step.
    tell: Tell,
    /// Writers (and readers) to wake after the lock is released.
    wake: Vec<Waker>,
}

impl SharedHub {
    /// A hub (or cluster node) behind the lock, and `max_outbound` as the
    /// mailboxes' limit.
    pub fn new(hub: Core, max_outbound: usize) -> SharedHub {
        SharedHub {
            cluster: matches!(hub, Core::Cluster(_)),
            core: Mutex::new(Locked {
                hub,
                redis_writer: None,
                redis_generation: 0,
                outbox: Outbox::new(),
                queues: Mailboxes {
                    table: ConnTable::new(),
                    closed: Vec::new(),
                    limit: max_outbound,
                    tell: Tell::All,
                    wake: Vec::new(),
                },
                slow: Vec::new(),
            }),
            max_outbound,
            stopping: AtomicBool::new(false),
            unfinished: Arc::default(),
        }
    }

    /// Runs `input` on the hub and applies the outbox, under the lock; then
    /// wakes the writers that got something.
    fn with<R>(&self, tell: Tell, wake: &mut Wakeups, input: impl FnOnce(&mut Locked) -> R) -> R {
        let mut core = lock(&self.core);
        core.queues.tell = tell;
        let result = input(&mut core);
        core.apply_outbox();
        core.give_up_broken_link();
        core.wake_redis_writer();
        core.wake_resumed_readers();
        std::mem::swap(&mut core.queues.wake, &mut wake.0);
        drop(core);
        wake.wake_all();
        result
    }

    /// A connection was accepted: gives it an id, and its frames go to
    /// `mailbox` ([`Hub::handle_connect`](crate::hub::Hub::handle_connect)). Returns the id and whether it
    /// waits for `Hello` (start its hello timer); if not, it was refused and
    /// its mailbox is closing.
    pub fn connect(&self, mailbox: SharedMailbox, wake: &mut Wakeups) -> (ConnId, bool) {
        self.with(Tell::All, wake, |core| {
            let id = core.queues.table.insert(mailbox);
            (id, core.hub.handle_connect(id, &mut core.outbox))
        })
    }

    /// Feeds what a reader decoded, in order: messages
    /// ([`Hub::handle_message`](crate::hub::Hub::handle_message)) and at most one decode error
    /// ([`Hub::handle_decode_error`](crate::hub::Hub::handle_decode_error)), all in one hold of the lock. Stops
    /// early if the hub closes the connection. Returns the connection's
    /// state afterwards (`None`: closed, stop reading).
    pub fn step(
        &self,
        id: ConnId,
        inputs: &mut Vec<Result<ClientMsg, ErrorCode>>,
        now_ms: u64,
        wake: &mut Wakeups,
    ) -> Option<SessionState> {
        self.with(Tell::Others(id), wake, |core| {
            for input in inputs.drain(..) {
                if core.hub.state(id).is_none() {
                    break;
                }
                match input {
                    Ok(msg) => core.hub.handle_message(id, msg, now_ms, &mut core.outbox),
                    Err(code) => core.hub.handle_decode_error(id, code, &mut core.outbox),
                }
                // Apply after each message, as event_server does: a slow
                // consumer is dropped at the frame that overflowed it.
                core.apply_outbox();
            }
            core.hub.state(id)
        })
    }

    /// The hello timer of `id` fired ([`Hub::handle_hello_timeout`](crate::hub::Hub::handle_hello_timeout)).
    /// Returns the state afterwards (`None`: it was closed).
    pub fn hello_timeout(&self, id: ConnId, wake: &mut Wakeups) -> Option<SessionState> {
        self.with(Tell::Others(id), wake, |core| {
            core.hub.handle_hello_timeout(id, &mut core.outbox);
            core.hub.state(id)
        })
    }

    /// `id` is gone (EOF, reset, write error): [`Hub::handle_disconnect`](crate::hub::Hub::handle_disconnect),
    /// and its mailbox is killed.
    pub fn disconnect(&self, id: ConnId, wake: &mut Wakeups) {
        self.with(Tell::All, wake, |core| {
            if let Some(mailbox) = core.queues.table.remove(id) {
                core.queues.wake.extend(lock(&mailbox).kill());
            }
            core.hub.handle_disconnect(id, &mut core.outbox);
        })
    }

    /// Counts a connection whose output is not finished until the guard is
    /// dropped (see [`SharedHub::unfinished`]).
    pub fn start_writing(&self) -> Writing {
        self.unfinished.start()
    }

    /// The connections whose output is not finished, for the shutdown to
    /// wait on.
    pub fn unfinished(&self) -> &Unfinished {
        &self.unfinished
    }

    /// How a connection the hub let go closes: as `kind` says, or without
    /// waiting for its peer once the server is shutting down.
    pub fn close_kind(&self, kind: CloseKind) -> CloseKind {
        if self.stopping.load(Ordering::SeqCst) {
            CloseKind::Shutdown
        } else {
            kind
        }
    }

    /// SIGINT/SIGTERM: queued frames that have not started are dropped, so
    /// that every connection gets `ShuttingDown` promptly, then
    /// [`Hub::handle_shutdown`](crate::hub::Hub::handle_shutdown).
    pub fn shutdown(&self, wake: &mut Wakeups) {
        self.stopping.store(true, Ordering::SeqCst);
        self.with(Tell::Nobody, wake, |core| {
            for (_, mailbox) in core.queues.table.iter() {
                lock(mailbox).discard_unstarted();
            }
            core.hub.handle_shutdown(&mut core.outbox);
        })
    }

    /// Whether the engine takes input from `id` now
    /// ([`Engine::accepts_input`]); if not, `waker` is woken when it does
    /// (or when the connection is closed).
    pub fn poll_accepts_input(&self, id: ConnId, mailbox: &SharedMailbox, waker: &Waker) -> bool {
        if !self.cluster {
            return true; // the hub takes everything: no lock on the read path
        }
        let core = lock(&self.core);
        if core.hub.accepts_input(id) {
            return true;
        }
        // Under the hub's lock: a resume cannot slip in between.
        !lock(mailbox).watch(waker)
    }

    // ----- cluster mode: what the Redis tasks call -------------------------

    /// Runs `f` on the node (cluster mode only), applies its output, and
    /// wakes who it concerns.
    fn with_node<R>(
        &self,
        wake: &mut Wakeups,
        f: impl FnOnce(&mut Node, &mut Outbox) -> R,
    ) -> Option<R> {
        self.with(Tell::All, wake, |core| {
            let Locked { hub, outbox, .. } = core;
            hub.node().map(|node| f(node, outbox))
        })
    }

    /// Bytes read from Redis on connection `generation`. `false` means
    /// the reader should stop: the link is broken (see
    /// [`Node::handle_redis_input`]), or the node has given this
    /// connection up (its bytes are no longer the node's).
    pub fn redis_input(&self, bytes: &[u8], generation: u64, wake: &mut Wakeups) -> bool {
        let now = Instant::now();
        self.with(Tell::All, wake, |core| {
            if core.redis_generation != generation {
                return false;
            }
            let Locked { hub, outbox, .. } = core;
            hub.node()
                .is_some_and(|node| node.handle_redis_input(bytes, now, outbox).is_ok())
        })
    }

    /// The most bytes [`redis_input`](SharedHub::redis_input) takes now.
    pub fn redis_read_capacity(&self) -> usize {
        let mut core = lock(&self.core);
        core.hub.node().map_or(0, |node| node.redis_read_capacity())
    }

    /// The Redis connection broke ([`Node::redis_lost`]); its writer task
    /// stops.
    pub fn redis_lost(&self, wake: &mut Wakeups) {
        self.with_node(wake, |node, out| node.redis_lost(Instant::now(), out));
        let mut core = lock(&self.core);
        core.redis_generation += 1;
        if let Some(waker) = core.redis_writer.take() {
            drop(core);
            waker.wake();
        }
    }

    /// A new Redis connection is open ([`Node::redis_connected`]); returns
    /// its generation, for its writer task.
    pub fn redis_connected(&self) -> u64 {
        let mut core = lock(&self.core);
        if let Some(node) = core.hub.node() {
            node.redis_connected(Instant::now());
        }
        core.redis_generation += 1;
        core.redis_generation
    }

    /// The generation of the current Redis connection.
    pub fn redis_generation(&self) -> u64 {
        lock(&self.core).redis_generation
    }

    /// An attempt to reconnect failed ([`Node::redis_connect_failed`]).
    pub fn redis_connect_failed(&self) {
        if let Some(node) = lock(&self.core).hub.node() {
            node.redis_connect_failed(Instant::now());
        }
    }

    /// Moves what the node queued for Redis into `buf`: `Ready(true)` when
    /// there were bytes, `Ready(false)` when connection `generation` is no
    /// longer the node's, else `Pending` (`waker` is woken when there are).
    pub fn poll_redis_output(
        &self,
        buf: &mut Vec<u8>,
        generation: u64,
        waker: &Waker,
    ) -> std::task::Poll<bool> {
        let mut core = lock(&self.core);
        if core.redis_generation != generation {
            return std::task::Poll::Ready(false);
        }
        let Some(node) = core.hub.node() else {
            return std::task::Poll::Ready(false);
        };
        let pending = node.redis_output();
        if pending.is_empty() {
            core.redis_writer = Some(waker.clone());
            return std::task::Poll::Pending;
        }
        buf.clear();
        buf.extend_from_slice(pending);
        let n = pending.len();
        node.consume_redis_output(n);
        std::task::Poll::Ready(true)
    }

    /// Whether the node has nothing left to write to Redis.
    pub fn redis_flushed(&self) -> bool {
        let mut core = lock(&self.core);
        core.hub
            .node()
            .is_none_or(|node| node.redis_output().is_empty())
    }

    /// The node's timers ([`Node::handle_timeout`]): returns what the link
    /// needs and when to call again.
    pub fn node_timeout(&self, wake: &mut Wakeups) -> Option<(LinkWant, Option<Instant>)> {
        let now = Instant::now();
        self.with_node(wake, |node, out| {
            node.handle_timeout(now, out);
            (node.link_want(now), node.poll_timeout())
        })
    }
}

impl Locked {
    /// In cluster mode, wakes the readers of the connections the node
    /// takes input from again.
    fn wake_resumed_readers(&mut self) {
        let mut resumed = Vec::new();
        self.hub.take_resumed(&mut resumed);
        for id in resumed {
            if let Some(mailbox) = self.queues.table.get(id) {
                self.queues.wake.extend(lock(mailbox).take_reader());
            }
        }
    }

    /// In cluster mode, when the node gave up on its Redis connection
    /// ([`Node::take_broken`]): the connection's tasks stop (its writer is
    /// woken to see it, its reader sees it within a second), and the link
    /// task opens a new one.
    fn give_up_broken_link(&mut self) {
        if self.hub.node().is_some_and(|node| node.take_broken()) {
            self.redis_generation += 1;
            if let Some(waker) = self.redis_writer.take() {
                self.queues.wake.push(waker);
            }
        }
    }

    /// In cluster mode, wakes the Redis writer when the node has output.
    fn wake_redis_writer(&mut self) {
        let has_output = self
            .hub
            .node()
            .is_some_and(|node| !node.redis_output().is_empty());
        if has_output {
            if let Some(waker) = self.redis_writer.take() {
                self.queues.wake.push(waker);
            }
        }
    }

    /// Pushes the outbox's frames onto their mailboxes and closes the ones
    /// the hub let go, looping while mailboxes overflow (see
    /// [`apply_outbox`]).
    fn apply_outbox(&mut self) {
        apply_outbox(
            &mut self.hub,
            &mut self.outbox,
            &mut self.queues,
            &mut self.slow,
        );
        for id in self.queues.closed.drain(..) {
            self.queues.table.remove(id);
        }
    }
}

impl Mailboxes {
    /// Whether a close of `id` wakes its reader in this step.
    fn tells(&self, id: ConnId) -> bool {
        match self.tell {
            Tell::Others(own) => id != own,
            Tell::All => true,
            Tell::Nobody => false,
        }
    }
}

impl Queues for Mailboxes {
    fn push(&mut self, to: ConnId, frame: Frame) -> Result<(), Overflow> {
        let Some(mailbox) = self.table.get(to) else {
            return Ok(());
        };
        let mut mb = lock(mailbox);
        let pushed = mb.push(frame, self.limit);
        self.wake.extend(mb.take_writer());
        pushed
    }

    fn close(&mut self, id: ConnId) {
        if let Some(mailbox) = self.table.get(id) {
            let mut mb = lock(mailbox);
            mb.close();
            self.wake.extend(mb.take_writer());
            if self.tells(id) {
                self.wake.extend(mb.take_reader());
            }
            self.closed.push(id);
        }
    }

    fn drop_slow(&mut self, id: ConnId, error: Frame) {
        if let Some(mailbox) = self.table.get(id) {
            let mut mb = lock(mailbox);
            mb.drop_slow(error);
            self.wake.extend(mb.take_writer());
            if self.tells(id) {
                self.wake.extend(mb.take_reader());
            }
        }
    }
}

/// The connections whose output is not finished, which the shutdown waits
/// for: each holds a [`Writing`] until its writer is done. A thread waits
/// with [`Unfinished::wait`], a task polls [`Unfinished::poll_done`].
#[derive(Debug, Default)]
pub struct Unfinished {
    /// The count, and a task waiting for it to reach zero.
    state: Mutex<(usize, Option<Waker>)>,
    done: Condvar,
}

/// Counts one connection in [`Unfinished`] until dropped.
#[derive(Debug)]
pub struct Writing(Arc<Unfinished>);

impl Unfinished {
    /// Counts one more connection until the returned guard is dropped.
    pub fn start(self: &Arc<Self>) -> Writing {
        lock(&self.state).0 += 1;
        Writing(self.clone())
    }

    /// Blocks until every connection is finished, or `limit` passed;
    /// returns whether they are.
    pub fn wait(&self, limit: Duration) -> bool {
        let state = lock(&self.state);
        let (state, _) = self
            .done
            .wait_timeout_while(state, limit, |(n, _)| *n > 0)
            .unwrap_or_else(PoisonError::into_inner);
        state.0 == 0
    }

    /// Whether every connection is finished; if not, `waker` is woken when
    /// they are.
    pub fn poll_done(&self, waker: &Waker) -> bool {
        let mut state = lock(&self.state);
        if state.0 == 0 {
            return true;
        }
        state.1 = Some(waker.clone());
        false
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.0 -= 1;
        if state.0 == 0 {
            self.0.done.notify_all();
            if let Some(waker) = state.1.take() {
                drop(state);
                waker.wake();
            }
        }
    }
}

/// Decodes every complete frame buffered in `decoder` into `inputs` for
/// [`SharedHub::step`], stopping after the first that cannot be decoded (the
/// hub closes the connection on it). Readers call it *before* taking the
/// lock, so decoding never holds up the other connections.
pub fn decode_frames(decoder: &mut FrameDecoder, inputs: &mut Vec<Result<ClientMsg, ErrorCode>>) {
    loop {
        match decoder.next_frame() {
            Ok(None) => return,
            Ok(Some(payload)) => match from_bytes::<ClientMsg>(payload) {
                Ok(msg) => inputs.push(Ok(msg)),
                Err(_) => return inputs.push(Err(ErrorCode::Malformed)),
            },
            Err(e) => return inputs.push(Err(e.error_code())),
        }
    }
}

/// How the connection that sent `inputs` closes if their step closes it
/// (see [`CloseKind`]): after a `Bye` the client sends nothing more, so
/// the connection needs no lingering close.
pub fn close_kind(inputs: &[Result<ClientMsg, ErrorCode>]) -> CloseKind {
    if inputs
        .iter()
        .any(|input| matches!(input, Ok(ClientMsg::Bye)))
    {
        CloseKind::Bye
    } else {
        CloseKind::Error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{self, Hub};
    use crate::protocol::{ServerMsg, LOBBY};
    use crate::server::mailbox::{Batch, Next, Phase};
    use crate::server::outbound::Outbound;

    /// The frames a mailbox holds, decoded.
    fn queued(mailbox: &SharedMailbox) -> Vec<ServerMsg> {
        let mut batch = lock(mailbox).batch();
        let _ = lock(mailbox).next_batch(&mut batch, Waker::noop());
        decoded(batch.frames())
    }

    /// The frames of `frames` (up to 1 024), decoded.
    fn decoded(frames: &Outbound) -> Vec<ServerMsg> {
        let mut slices = vec![std::io::IoSlice::new(&[]); 1024];
        let n = frames.io_slices(&mut slices);
        let bytes: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
        let mut frames = Vec::new();
        let mut rest = &bytes[..];
        while let Ok(Some(payload)) = crate::fmt::framed::split_frame(rest, u32::MAX) {
            frames.push(from_bytes::<ServerMsg>(payload).unwrap());
            rest = &rest[crate::fmt::framed::HEADER_LEN + payload.len()..];
        }
        frames
    }

    /// What a writer gets from `mailbox` until it has to wait: the frames
    /// (decoded) and whether it finished the connection (FIN).
    fn write_out(mailbox: &SharedMailbox, batch: &mut Batch) -> (Vec<ServerMsg>, bool) {
        let mut frames = Vec::new();
        loop {
            let next = lock(mailbox).next_batch(batch, Waker::noop());
            match next {
                Next::Write => {
                    frames.extend(decoded(batch.frames()));
                    batch.clear(); // as if written
                }
                Next::Finish => {
                    lock(mailbox).flushed();
                    return (frames, true);
                }
                Next::Wait | Next::Stop => return (frames, false),
            }
        }
    }

    #[test]
    fn a_writer_that_drains_its_overflowed_queue_waits_for_the_slow_consumer_error() {
        // The members of the lobby in join order: `mute` (never read until
        // the end), `held` (whose lock the test holds to pause the step
        // after the overflow), `talker`. Each Message takes 600 bytes of
        // text, so `mute`'s second one overflows a 1000-byte limit.
        let shared = SharedHub::new(Core::Solo(Hub::new(hub::Config::default())), 1000);
        let login = |nick: &str| {
            let mailbox: SharedMailbox = Arc::default();
            let (id, _) = shared.connect(mailbox.clone(), &mut Wakeups::new());
            shared.step(
                id,
                &mut vec![Ok(ClientMsg::hello(nick))],
                0,
                &mut Wakeups::new(),
            );
            (id, mailbox)
        };
        let (_, mute) = login("mute");
        let (_, held) = login("held");
        let (talker, talker_box) = login("talker");
        let say = || vec![Ok(ClientMsg::say(LOBBY, &"x".repeat(600)))];
        shared.step(talker, &mut say(), 0, &mut Wakeups::new());
        assert_eq!(lock(&mute).phase(), Phase::Open, "one Message fits");
        queued(&held);
        queued(&talker_box);

        let mut batch = lock(&mute).batch();
        let (mut frames, finished) = std::thread::scope(|scope| {
            let paused = lock(&held);
            // The second Message overflows `mute`'s queue; the step then
            // waits for `held`'s lock, before it drops `mute`.
            let step = scope.spawn(|| shared.step(talker, &mut say(), 0, &mut Wakeups::new()));
            let deadline = Instant::now() + Duration::from_secs(10);
            while lock(&mute).phase() == Phase::Open {
                assert!(Instant::now() < deadline, "the step never overflowed mute");
                std::thread::sleep(Duration::from_millis(1));
            }
            // Meanwhile `mute`'s writer (on another worker) writes what was
            // queued before the overflow, and asks for more.
            let during = write_out(&mute, &mut batch);
            drop(paused);
            step.join().unwrap();
            during
        });
        if !finished {
            frames.extend(write_out(&mute, &mut batch).0);
        }
        assert!(
            matches!(
                frames.last(),
                Some(ServerMsg::Error {
                    code: ErrorCode::SlowConsumer,
                    ..
                })
            ),
            "the last frame is SlowConsumer, not {:?} (FIN sent before the drop: {finished})",
            frames.last()
        );
    }

    #[test]
    fn a_fatal_error_that_overflows_its_own_queue_still_ends_with_an_error() {
        // The limit: exactly what a welcome queues, so the next frame overflows.
        let probe = SharedHub::new(Core::Solo(Hub::new(hub::Config::default())), usize::MAX);
        let mailbox: SharedMailbox = Arc::default();
        let (id, _) = probe.connect(mailbox.clone(), &mut Wakeups::new());
        probe.step(
            id,
            &mut vec![Ok(ClientMsg::hello("x"))],
            0,
            &mut Wakeups::new(),
        );
        let limit = lock(&mailbox).held();

        let shared = SharedHub::new(Core::Solo(Hub::new(hub::Config::default())), limit);
        let mailbox: SharedMailbox = Arc::default();
        let (id, _) = shared.connect(mailbox.clone(), &mut Wakeups::new());
        shared.step(
            id,
            &mut vec![Ok(ClientMsg::hello("x"))],
            0,
            &mut Wakeups::new(),
        );
        // A second Hello: a fatal `Unexpected`, whose frame overflows.
        let state = shared.step(
            id,
            &mut vec![Ok(ClientMsg::hello("y"))],
            0,
            &mut Wakeups::new(),
        );
        assert_eq!(state, None, "the hub let the connection go");
        let frames = queued(&mailbox);
        assert!(
            matches!(frames.last(), Some(ServerMsg::Error { .. })),
            "the last frame is a fatal error: {frames:?}"
        );
    }
}
