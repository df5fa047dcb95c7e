//! [`Mailbox`]: one connection's output, shared between the hub steps that
//! fill it and the writer (a thread or a task) that empties it.
//!
//! `event_server` owns every [`Outbound`] queue on its one thread. The
//! threaded and async servers cannot: any reader's hub step may queue a
//! frame for any connection, while that connection's own writer is busy in
//! a blocking (or awaited) `sendmsg`. So the queue sits behind a `Mutex`, and
//! the writer does not write *from* it: it swaps the whole queue out into
//! its own [`Outbound`] (the *batch*) and writes that without the lock, so a
//! hub step never waits for a socket.
//!
//! ```text
//!   hub steps (any reader)          Mailbox (Mutex)               writer
//!   ──push(frame, limit)──►  out: [f5 f6 f7]  unwritten: 3 KiB  ◄─next_batch─┐
//!                              │                    ▲                         │
//!                              │                    └── after each sendmsg ──┐ │
//!                              └──────── swapped out as one batch ──► sendmsg [f2 f3 f4]
//!   limit check: out.queued() + unwritten   (bytes not yet written to the socket)
//! ```
//!
//! The limit of PROTOCOL.md 5.5 counts the batch too: its bytes are inside
//! the server until a `sendmsg` takes them. So the batch publishes what is
//! left of it after every write (an atomic shared with the mailbox, read
//! under the lock by the pushers): a writer that has written most of a
//! large batch does not count it whole until the last byte is out, which
//! would drop a client that is keeping up as a slow consumer. A writer
//! that takes the whole queue at once also writes it in one vectored call:
//! however many frames arrived while it was busy, it wakes once and makes
//! one system call for them.
//!
//! # Waiting without losing a wake-up
//!
//! The writer waits with a [`Waker`]: when [`Mailbox::next_batch`] finds
//! nothing to do it stores the writer's waker, and whoever changes the
//! mailbox next takes it ([`Mailbox::take_writer`]) and wakes it **after**
//! releasing its locks. For a task the waker reschedules it; for a thread
//! it is a [`Thread::unpark`](std::thread::Thread::unpark) (see
//! `thread_server`). The waker is stored under the same lock that the pusher
//! takes, so a push either sees it or happened before the writer looked:
//! no wake-up is lost, and a writer that is busy costs its pushers nothing.
//! The reader, when it waits for the writer to finish the connection's last
//! frames, registers the same way ([`Mailbox::poll_flushed`]).
//!
//! # Cutting a batch short
//!
//! A slow-consumer drop and the shutdown discard the queue so that the
//! final `Error` goes out next (PROTOCOL.md 5.5, 5.6). The frames the writer
//! already took are part of that queue, but they are in its [`Batch`], out
//! of the lock's reach. So the mailbox counts its discards in an atomic
//! shared with the batch, and the batch remembers the count it was taken
//! at. Before each `sendmsg` the writer calls [`Batch::cut_if_discarded`]:
//! one relaxed atomic load; if a discard happened since, the batch keeps
//! only its partly written frame (the peer must see whole frames), and once
//! that is written the writer takes the mailbox again, which now holds the
//! `Error`.
//!
//! ```text
//!   drop_slow / discard_unstarted / kill          writer, before each sendmsg
//!   (under the mailbox lock)                      (no lock)
//!   discards += 1  ───────── Arc<AtomicU64> ─────► discards != taken_at ?
//!                                                   └─ yes: batch = [partly written frame]
//! ```
//!
//! The count is only a signal: the frames themselves change hands under the
//! lock ([`Mailbox::next_batch`]), so a relaxed load is enough; a writer
//! that misses a discard by a hair writes one more `sendmsg`'s worth, as if
//! the discard had come just after it.
//!
//! # Lock order
//!
//! The hub's lock ([`SharedHub`](super::shared_hub::SharedHub)) before a
//! mailbox's lock, never the other way round, and never two mailboxes at
//! once. The writer and the reader take only their own mailbox's lock, for
//! a few memory operations, and never hold it across a system call, a
//! wake-up or an `.await`.
//!
//! # Phases
//!
//! ```text
//!   Open ──(hub closes it)─────────────────────────► Closing ──(queue written, FIN)──► Flushed
//!     │                                                 ▲
//!     ├──(it overflows)──► Overflowed ──(drop_slow)─────┘
//!     │                        │                        │
//!     └──────(peer gone: EOF, reset, write error, give up)──────────────► Gone
//! ```
//!
//! An overflow and the drop that queues `SlowConsumer` are two calls
//! ([`apply_outbox`](super::lifecycle::apply_outbox) pushes the rest of
//! the step's frames, and closes, in between), and the writer runs
//! meanwhile, on another thread. So an overflowed mailbox is not yet
//! closing: its writer may write what is queued but does not finish (no
//! FIN) until [`Mailbox::drop_slow`] has queued the error, which must be
//! the last frame (PROTOCOL.md 5.5).

use std::mem;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;

use super::outbound::{Outbound, Overflow};
use crate::hub::Frame;

/// Where a connection's output is in its life (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Frames are queued and written.
    Open,
    /// The queue overflowed (PROTOCOL.md 5.5): no more frames are
    /// accepted, and the hub is about to drop the connection
    /// ([`Mailbox::drop_slow`]). The writer writes what is queued but does
    /// not finish before then, so that the connection's last frame is
    /// its `SlowConsumer`.
    Overflowed,
    /// No more frames are accepted; the writer writes what is queued, then
    /// shuts the socket down for writing.
    Closing,
    /// The writer wrote everything and sent FIN.
    Flushed,
    /// The connection is dead: the writer stops without writing.
    Gone,
}

/// What the writer should do next (from [`Mailbox::next_batch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Write the batch it was handed, then ask again.
    Write,
    /// Everything is written and the connection is closing: shut down
    /// writing, then call [`Mailbox::flushed`].
    Finish,
    /// Nothing to write yet: wait until the stored waker is woken.
    Wait,
    /// The connection is gone: stop.
    Stop,
}

/// One connection's queued output and the writer's parking place.
#[derive(Debug)]
pub struct Mailbox {
    out: Outbound,
    /// What the writer's [`Batch`] and the mailbox share.
    tally: Arc<Tally>,
    phase: Phase,
    /// The writer, while it waits for frames.
    writer: Option<Waker>,
    /// The reader, while it waits for the writer to finish.
    closer: Option<Waker>,
    /// The reader, while it reads: told when *another* connection's step
    /// closes this one (a slow-consumer drop), since its own read would
    /// not notice.
    reader: Option<Waker>,
}

impl Default for Mailbox {
    fn default() -> Self {
        Mailbox::new()
    }
}

impl Mailbox {
    /// An open, empty mailbox.
    pub fn new() -> Mailbox {
        Mailbox {
            out: Outbound::new(),
            tally: Arc::default(),
            phase: Phase::Open,
            writer: None,
            closer: None,
            reader: None,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Bytes inside the server and not yet written: queued plus in flight.
    pub fn held(&self) -> usize {
        self.out.queued() + self.tally.unwritten.load(Ordering::Relaxed)
    }

    // ----- the hub's side ----------------------------------------------

    /// Queues `frame` unless that would take a non-empty queue past `limit`
    /// (PROTOCOL.md 5.5), counting the writer's batch. On overflow the
    /// mailbox is [`Phase::Overflowed`] and refuses everything after; the
    /// caller must then call [`drop_slow`](Self::drop_slow) in the same
    /// hold of the hub's lock (as [`apply_outbox`](super::lifecycle::apply_outbox)
    /// does), without which the writer never finishes. Frames for a mailbox
    /// that is not open are dropped silently.
    ///
    /// "Empty" means nothing waits that the writer has not taken: a frame
    /// into an empty queue is accepted whatever the batch holds. The batch's
    /// bytes are known to be written only when its `sendmsg` returns, but
    /// the kernel may hand them to the peer before that, and the peer may
    /// answer; a listing asked for right after a reply must not be refused
    /// because the writer thread has not been scheduled since.
    pub fn push(&mut self, frame: Frame, limit: usize) -> Result<(), Overflow> {
        if self.phase != Phase::Open {
            return Ok(());
        }
        if !self.out.is_empty() && self.held() + frame.len() > limit {
            self.phase = Phase::Overflowed;
            return Err(Overflow);
        }
        self.out.push_unbounded(frame);
        Ok(())
    }

    /// The slow-consumer drop: discards every queued frame, the writer's
    /// batch included (its partly written frame, if any, is finished; see
    /// [`Batch::cut_if_discarded`]), queues `error` and closes, also after
    /// an overflow ([`Phase::Overflowed`]), so that `error` is the last
    /// frame the writer sends.
    pub fn drop_slow(&mut self, error: Frame) {
        self.discard_unstarted();
        self.out.push_unbounded(error);
        if matches!(self.phase, Phase::Open | Phase::Overflowed) {
            self.phase = Phase::Closing;
        }
    }

    /// The shutdown path: drops queued frames that have not started, the
    /// writer's batch included, so the final `ShuttingDown` goes out
    /// promptly.
    pub fn discard_unstarted(&mut self) {
        self.out.discard_unstarted();
        self.discarded();
    }

    /// Tells the writer's batch that it is to be cut.
    fn discarded(&mut self) {
        self.tally.discards.fetch_add(1, Ordering::Relaxed);
    }

    /// The hub is done with the connection: write what is queued, then
    /// close. An overflowed mailbox stays so until its
    /// [`drop_slow`](Self::drop_slow) (a fatal error that overflowed its
    /// own queue is closed before it is dropped).
    pub fn close(&mut self) {
        if self.phase == Phase::Open {
            self.phase = Phase::Closing;
        }
    }

    /// The connection is dead: drop everything; the writer stops. Returns
    /// the writer's waker if it waits (wake it after releasing the lock).
    pub fn kill(&mut self) -> Option<Waker> {
        self.out.clear();
        self.discarded();
        self.reader = None;
        if self.phase != Phase::Flushed {
            self.phase = Phase::Gone;
        }
        self.writer.take()
    }

    /// Takes the waiting writer's waker, if any: wake it (after releasing
    /// the lock) because this mailbox changed.
    pub fn take_writer(&mut self) -> Option<Waker> {
        self.writer.take()
    }

    /// Takes the reader's waker, if any: wake it (after releasing the lock)
    /// because the connection was closed by someone else's step.
    pub fn take_reader(&mut self) -> Option<Waker> {
        self.reader.take()
    }

    // ----- the writer's side -------------------------------------------

    /// An empty batch for this mailbox's writer (it shares the discard
    /// count; see the module docs).
    pub fn batch(&self) -> Batch {
        Batch {
            frames: Outbound::new(),
            taken_at: self.tally.discards.load(Ordering::Relaxed),
            tally: self.tally.clone(),
        }
    }

    /// The writer's turn. `batch` comes from [`batch`](Self::batch) and
    /// must be empty (the previous batch fully written); on [`Next::Write`]
    /// it holds every frame that was queued. On [`Next::Wait`], `waker` was
    /// stored and will be woken when something changes.
    pub fn next_batch(&mut self, batch: &mut Batch, waker: &Waker) -> Next {
        debug_assert!(batch.is_empty(), "the previous batch was not written");
        debug_assert!(Arc::ptr_eq(&batch.tally, &self.tally));
        match self.phase {
            Phase::Gone | Phase::Flushed => Next::Stop,
            _ if !self.out.is_empty() => {
                mem::swap(&mut self.out, &mut batch.frames);
                // Exact: the count changes only under this lock.
                batch.taken_at = self.tally.discards.load(Ordering::Relaxed);
                batch.publish();
                Next::Write
            }
            Phase::Closing => Next::Finish,
            // Overflowed: the `SlowConsumer` is still to come.
            Phase::Open | Phase::Overflowed => {
                match &mut self.writer {
                    Some(w) if w.will_wake(waker) => {}
                    slot => *slot = Some(waker.clone()),
                }
                Next::Wait
            }
        }
    }

    /// The writer finished a closing connection (FIN sent). Returns the
    /// reader's waker, if it waits for this.
    pub fn flushed(&mut self) -> Option<Waker> {
        if self.phase == Phase::Closing {
            self.phase = Phase::Flushed;
        }
        self.closer.take()
    }

    /// The writer stopped on a write error. Returns the reader's wakers,
    /// whether it reads (it must stop and tell the hub: a failed write
    /// need not make the socket readable) or waits for the flush.
    /// (An array, so that the caller can drop the lock before waking.)
    pub fn broken(&mut self) -> [Option<Waker>; 2] {
        let reading = self.reader.take();
        // The writer itself calls this: it has no waker to be woken.
        let _ = self.kill();
        [reading, self.closer.take()]
    }

    // ----- the reader's side -------------------------------------------

    /// While the connection is open, leaves `waker` to be woken if another
    /// step closes it, and returns `true`; returns `false` once it is
    /// overflowed or closing (the reader should stop reading frames and
    /// close), or gone.
    pub fn watch(&mut self, waker: &Waker) -> bool {
        if self.phase != Phase::Open {
            return false;
        }
        match &mut self.reader {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        true
    }

    /// Whether the hub let the connection go (it overflowed, or was closed),
    /// as opposed to its peer going away: for a reader that
    /// [`watch`](Self::watch) stopped, whether to close (and let the writer
    /// finish) rather than report a disconnect.
    pub fn let_go(&self) -> bool {
        matches!(
            self.phase,
            Phase::Overflowed | Phase::Closing | Phase::Flushed
        )
    }

    /// Where the writer is, for [`Lifecycle::poll_close`](super::lifecycle::Lifecycle::poll_close).
    pub fn writer(&self) -> super::lifecycle::Writer {
        match self.phase {
            Phase::Open | Phase::Overflowed | Phase::Closing => super::lifecycle::Writer::Writing,
            Phase::Flushed => super::lifecycle::Writer::Flushed,
            Phase::Gone => super::lifecycle::Writer::Failed,
        }
    }

    /// Whether the writer is done: flushed, or gone.
    pub fn writer_done(&self) -> bool {
        matches!(self.phase, Phase::Flushed | Phase::Gone)
    }

    /// Whether the writer is done (flushed, or gone); if not, `waker` is
    /// stored and woken when it is.
    pub fn poll_flushed(&mut self, waker: &Waker) -> bool {
        if self.writer_done() {
            return true;
        }
        self.closer = Some(waker.clone());
        false
    }
}

/// The frames a writer took from its [`Mailbox`] and writes without the
/// lock (see the module docs).
#[derive(Debug)]
pub struct Batch {
    frames: Outbound,
    /// The mailbox's discard count when `frames` were taken.
    taken_at: u64,
    /// Shared with the mailbox.
    tally: Arc<Tally>,
}

/// What a [`Mailbox`] and its writer's [`Batch`] share without the lock.
#[derive(Debug, Default)]
struct Tally {
    /// How many times the queue was discarded; written only under the
    /// mailbox's lock.
    discards: AtomicU64,
    /// Bytes of the batch not yet written; written only by the batch's
    /// holder, read by pushers for the limit. Relaxed: a pusher that reads
    /// it a write late counts a few more bytes than are left, as if it had
    /// pushed just before that write.
    unwritten: AtomicUsize,
}

impl Batch {
    /// If the mailbox discarded its queue since this batch was taken (a
    /// slow-consumer drop, the shutdown, the connection's death), drops
    /// every frame not yet started, keeping a partly written one. Call it
    /// before each write: it costs one relaxed atomic load.
    pub fn cut_if_discarded(&mut self) {
        let discards = self.tally.discards.load(Ordering::Relaxed);
        if discards != self.taken_at {
            self.taken_at = discards;
            self.frames.discard_unstarted();
            self.publish();
        }
    }

    /// The frames left to write.
    pub fn frames(&self) -> &Outbound {
        &self.frames
    }

    /// Whether everything was written (or cut).
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Marks `written` bytes from the front as sent
    /// ([`Outbound::advance`]).
    pub fn advance(&mut self, written: usize) {
        self.frames.advance(written);
        self.publish();
    }

    /// Drops everything (the connection is gone).
    pub fn clear(&mut self) {
        self.frames.clear();
        self.publish();
    }

    /// Tells the mailbox how much of the batch is left to write (see the
    /// module docs).
    fn publish(&self) {
        self.tally
            .unwritten
            .store(self.frames.queued(), Ordering::Relaxed);
    }
}

/// What the writers' tests of `thread_server` and `async_server` share.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::fmt::binary::from_bytes;
    use crate::fmt::framed::read_frame;
    use crate::protocol::{ErrorCode, ServerMsg};
    use std::io::Read;
    use std::sync::Mutex;

    /// Messages in [`flooded`]'s batch: 16 MiB, far more than the socket
    /// buffers hold, so a writer waits for the peer to read.
    pub const COUNT: usize = 4096;

    /// One of the flood's messages: 4 KB of text.
    pub fn big_message() -> Frame {
        Frame::encode(&ServerMsg::Message {
            room: "r".into(),
            from: "f".into(),
            text: "x".repeat(4000),
            seq: 1,
            time_ms: 0,
        })
        .unwrap()
    }

    /// Queues [`COUNT`] [`big_message`]s in `mailbox`.
    pub fn flood(mailbox: &Mutex<Mailbox>) {
        let msg = big_message();
        let mut mb = mailbox.lock().unwrap();
        for _ in 0..COUNT {
            mb.push(msg.clone(), usize::MAX).unwrap();
        }
    }

    /// A mailbox whose writer has taken a batch of [`COUNT`] messages.
    pub fn flooded(mailbox: &Mutex<Mailbox>) -> Batch {
        flood(mailbox);
        let mut mb = mailbox.lock().unwrap();
        let mut batch = mb.batch();
        assert_eq!(mb.next_batch(&mut batch, Waker::noop()), Next::Write);
        batch
    }

    /// Reads the peer's side until EOF, and checks that a few of the
    /// batch's messages (not all) came before a `SlowConsumer`, the last
    /// frame.
    pub fn assert_cut_before_the_error(peer: &mut impl Read) {
        let (mut messages, mut last) = (0, None);
        let mut buf = Vec::new();
        while let Some(payload) = read_frame(peer, u32::MAX, &mut buf).unwrap() {
            let msg = from_bytes::<ServerMsg>(payload).unwrap();
            assert!(last.is_none(), "{msg:?} after the Error");
            match msg {
                ServerMsg::Message { .. } => messages += 1,
                other => last = Some(other),
            }
        }
        assert!(
            messages < COUNT,
            "the whole batch was written before the Error"
        );
        assert!(
            matches!(
                last,
                Some(ServerMsg::Error {
                    code: ErrorCode::SlowConsumer,
                    ..
                })
            ),
            "{last:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ErrorCode, ServerMsg};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    fn pong(nonce: u64) -> Frame {
        Frame::encode(&ServerMsg::Pong { nonce }).unwrap()
    }

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_limit_counts_the_batch_in_flight() {
        let f = pong(1);
        let mut mb = Mailbox::new();
        let mut batch = mb.batch();
        let waker = Waker::noop().clone();
        mb.push(f.clone(), 2 * f.len()).unwrap();
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        assert_eq!(mb.held(), f.len(), "the batch still counts");
        batch.advance(1);
        assert_eq!(mb.held(), f.len() - 1, "what is written no longer counts");
        // An empty queue takes a frame whatever the batch holds...
        mb.push(f.clone(), 1).unwrap();
        // ...but the batch counts towards the limit of a non-empty one.
        assert_eq!(mb.push(f.clone(), 2 * f.len()), Err(Overflow));
        assert_eq!(mb.phase(), Phase::Overflowed);
        // Refused after the overflow, without a second report.
        assert_eq!(mb.push(f.clone(), usize::MAX), Ok(()));
        mb.drop_slow(Frame::error(ErrorCode::SlowConsumer));
        batch.clear();
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        assert_eq!(
            batch.frames().queued(),
            Frame::error(ErrorCode::SlowConsumer).len()
        );
        batch.clear();
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Finish);
        mb.flushed();
        assert_eq!(mb.phase(), Phase::Flushed);
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Stop);
    }

    #[test]
    fn an_overflowed_mailbox_is_not_finished_before_its_slow_consumer_error() {
        let f = pong(1);
        let error = Frame::error(ErrorCode::SlowConsumer);
        let mut mb = Mailbox::new();
        let mut batch = mb.batch();
        let waker = Waker::noop().clone();
        mb.push(f.clone(), f.len()).unwrap();
        assert_eq!(mb.push(f.clone(), f.len()), Err(Overflow));
        assert!(mb.let_go(), "the reader stops reading and closes");
        // The hub has not dropped it yet; its writer writes what is queued...
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        batch.clear();
        // ...but does not finish, not even once the hub closes it (a fatal
        // error that overflowed its own queue), until the drop.
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Wait);
        mb.close();
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Wait);
        mb.drop_slow(error.clone());
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        assert_eq!(batch.frames().queued(), error.len());
        batch.clear();
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Finish);
    }

    #[test]
    fn a_slow_consumer_drop_cuts_the_batch_to_its_partly_written_frame() {
        let mut mb = Mailbox::new();
        let mut batch = mb.batch();
        let waker = Waker::noop().clone();
        for n in 0..5 {
            mb.push(pong(n), usize::MAX).unwrap();
        }
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        // The writer wrote 2 bytes of the first frame, then the hub drops
        // the connection (in another thread, under the mailbox's lock).
        batch.advance(2);
        let error = Frame::error(ErrorCode::SlowConsumer);
        mb.drop_slow(error.clone());
        // Before its next write the writer notices: only the rest of the
        // started frame is left, then the Error.
        batch.cut_if_discarded();
        assert_eq!(batch.frames().queued(), pong(0).len() - 2);
        batch.cut_if_discarded();
        assert_eq!(batch.frames().queued(), pong(0).len() - 2, "cut once");
        batch.advance(pong(0).len() - 2);
        assert!(batch.is_empty());
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        assert_eq!(batch.frames().queued(), error.len());
    }

    #[test]
    fn the_shutdown_cuts_the_batch_at_a_frame_boundary() {
        let mut mb = Mailbox::new();
        let mut batch = mb.batch();
        let waker = Waker::noop().clone();
        for n in 0..3 {
            mb.push(pong(n), usize::MAX).unwrap();
        }
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        batch.advance(pong(0).len());
        mb.discard_unstarted();
        batch.cut_if_discarded();
        assert!(batch.is_empty(), "nothing was started: nothing is left");
    }

    #[test]
    fn a_batch_taken_after_a_discard_is_not_cut() {
        let mut mb = Mailbox::new();
        let mut batch = mb.batch();
        let waker = Waker::noop().clone();
        mb.push(pong(1), usize::MAX).unwrap();
        mb.drop_slow(Frame::error(ErrorCode::SlowConsumer));
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
        batch.cut_if_discarded();
        assert_eq!(
            batch.frames().queued(),
            Frame::error(ErrorCode::SlowConsumer).len(),
            "the Error itself is written"
        );
    }

    #[test]
    fn an_empty_mailbox_takes_any_frame() {
        let mut mb = Mailbox::new();
        assert_eq!(mb.push(pong(1), 1), Ok(()));
    }

    #[test]
    fn a_waiting_writer_is_handed_to_the_pusher() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut mb = Mailbox::new();
        let mut batch = mb.batch();
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Wait);
        mb.push(pong(1), usize::MAX).unwrap();
        mb.take_writer().expect("the writer waits").wake();
        assert!(mb.take_writer().is_none(), "woken once");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(mb.next_batch(&mut batch, &waker), Next::Write);
    }

    #[test]
    fn a_reading_reader_is_told_of_a_close() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut mb = Mailbox::new();
        assert!(mb.watch(&waker));
        mb.close();
        mb.take_reader().expect("the reader watches").wake();
        assert!(!mb.watch(&waker), "closed: stop reading");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_broken_writer_wakes_the_reader() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut mb = Mailbox::new();
        assert!(mb.watch(&waker));
        mb.broken().into_iter().flatten().for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(!mb.watch(&waker), "gone: stop reading");
        assert!(mb.writer_done());
    }

    #[test]
    fn the_frame_header_counts_towards_the_limit() {
        // A Pong of nonce 1 is 2 payload bytes plus the 4-byte header.
        let f = pong(1);
        assert_eq!(f.len(), 6);
        let mut mb = Mailbox::new();
        mb.push(f.clone(), 11).unwrap();
        // Payloads alone (4 bytes) would fit in 11; whole frames (12) do not.
        assert_eq!(mb.push(f, 11), Err(Overflow));
    }

    #[test]
    fn the_reader_waits_for_the_flush() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut mb = Mailbox::new();
        mb.close();
        assert!(!mb.poll_flushed(&waker));
        mb.flushed().expect("the reader waits").wake();
        assert!(mb.poll_flushed(&waker));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }
}
