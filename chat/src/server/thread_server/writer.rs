//! The thread server's writer: whatever writes a connection's frames, and
//! when.
//!
//! This is the one optimisation `thread_server` keeps beside its simple
//! model. The simple model is a writer thread per connection, parked on
//! its mailbox: every frame queued for a connection then costs a `futex`
//! wake-up and two context switches, and every connection a second stack.
//! Instead:
//!
//! - **Writing through**: the connection's [`Waker`] in its mailbox is a
//!   [`Writer`], woken by whoever queued frames, after the hub's lock is
//!   released. It writes the frames right there with a `sendmsg` that
//!   cannot block (`MSG_DONTWAIT`, `TcpStream::try_write_vectored`). A
//!   client that reads keeps its socket buffer nearly empty, so this is
//!   the common case, and it costs one system call.
//! - **A writer thread only for a full socket**: when the peer reads
//!   slowly, the connection gets a writer thread, started then and kept
//!   until the connection closes. It writes what is left with blocking
//!   `sendmsg`s and parks when the mailbox is empty; a client that does
//!   not read blocks only its own writer thread, and its mailbox fills up
//!   to `--max-outbound`, which drops it as a slow consumer.
//! - **One writer at a time**: the frames being written (the [`Batch`])
//!   sit behind a mutex of their own, and only its holder writes to the
//!   socket. Writing through only *tries* that lock, so a reader never
//!   waits for another connection's socket. The mailbox hands its waker
//!   to one thread at a time (the first push takes it; the holder puts it
//!   back when the queue is empty), and whoever holds the batch looks at
//!   the mailbox again before letting go, so a frame is never stranded. A
//!   thread writing through stops after [`THROUGH_BATCHES`] batches, so a
//!   busy connection cannot keep a reader from its own client.
//! - **Cutting a batch**: a blocked `sendmsg` would not notice that the
//!   mailbox was discarded (a slow-consumer drop, the shutdown), so the
//!   socket has a send timeout ([`WRITE_CHECK`](super::WRITE_CHECK)): the
//!   writer checks [`Batch::cut_if_discarded`] that often.
//!
//! What it buys, in context switches, `futex` calls and cycles per second
//! of the connect/`Hello`/`Say`/`Bye` churn, is in `bench/README.md`; its
//! cost is that each hub step's frames leave at once instead of being
//! gathered by a writer that wakes later, which raises the latency of a
//! steady load.

use std::fmt;
use std::io::{self, IoSlice, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Wake, Waker};
use std::thread::{self, Thread};

use sys::net::TcpStream;

use super::thread_cache::ThreadCache;
use super::{is_timeout, Conn};
use crate::server::mailbox::{Batch, Next};
use crate::server::outbound::{Outbound, FLUSH_IOVECS, MAX_IOVECS};
use crate::server::shared_hub::lock;

/// A connection's writer: whatever writes its frames, and when.
///
/// It is the connection's [`Waker`] in its mailbox, woken by whoever queued
/// frames for it, after the hub's lock is released: by the connection's
/// own reader (replies), by other readers (room traffic), by the signal
/// thread (`ShuttingDown`). It first writes the frames **from the waking
/// thread**, without blocking ([`write_through`]); a writer thread is
/// started (or unparked) only if that was not enough: the socket is full,
/// and someone must wait for the peer to read.
///
/// Waking a parked thread costs a `futex` system call and two context
/// switches; a non-blocking `sendmsg` of a few frames into a socket buffer
/// with room costs less, and it is the common case: a client that reads
/// keeps its socket buffer nearly empty. So most connections never get a
/// writer thread, and those that do keep it until they close.
pub(super) struct Writer {
    /// Weak: the mailbox, which the connection owns, stores this waker.
    conn: Weak<Conn>,
    threads: ThreadCache,
    /// Whether the writer thread was started (it runs, or is about to).
    started: AtomicBool,
    /// The writer thread, once it runs.
    thread: OnceLock<Thread>,
}

impl Writer {
    pub(super) fn new(conn: &Arc<Conn>, threads: ThreadCache) -> Arc<Writer> {
        Arc::new(Writer {
            conn: Arc::downgrade(conn),
            threads,
            started: AtomicBool::new(false),
            thread: OnceLock::new(),
        })
    }

    /// Unparks the writer thread, if it runs.
    fn unpark(&self) {
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }

    /// The socket is full: a thread must wait on it. Unparks the writer
    /// thread, or starts it.
    fn run_thread(self: &Arc<Self>, conn: &Arc<Conn>, waker: Waker) {
        if self.started.swap(true, Ordering::AcqRel) {
            // If it is not running yet, it is about to, and it will look
            // at the mailbox before it parks: nothing to wake.
            return self.unpark();
        }
        let (writer, conn2) = (self.clone(), conn.clone());
        let spawned = self.threads.spawn(move || {
            let _ = writer.thread.set(thread::current());
            write_loop(&conn2, &waker);
        });
        if spawned.is_err() {
            // Out of threads: this connection cannot wait for its peer.
            cut_off(conn);
        }
    }
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl Wake for Writer {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let Some(conn) = self.conn.upgrade() else {
            return;
        };
        let waker = Waker::from(self.clone());
        let through = loop {
            match write_through(&conn, &waker) {
                // Held, and no writer thread runs: the holder is a thread
                // writing through, which may have put this waker back an
                // instant before it was taken here and be about to let go,
                // without looking at the mailbox again. Its turn never
                // waits on the socket: wait for it, rather than start a
                // writer thread that the socket does not need (or, out of
                // threads, cut a healthy connection off).
                Through::Busy if !self.started.load(Ordering::Acquire) => thread::yield_now(),
                through => break through,
            }
        };
        match through {
            Through::Done => {}
            // A writer thread, if there is one, must see it and exit.
            Through::Ended => self.unpark(),
            // Frames left for the writer thread, or it holds the batch:
            // it looks at the mailbox before it parks.
            Through::Busy | Through::Blocked => self.run_thread(&conn, waker),
        }
    }
}

/// The most batches a thread writes through for one connection at one
/// wake-up. Frames may keep arriving for a busy connection while it is
/// written to; a reader writing through would keep at it, and its own
/// client (and the other connections its step woke) would wait. After
/// this many, the writer thread takes over. Two gave the lowest fan-out
/// p99 and the most deliveries per second of the values tried
/// (`bench/README.md`).
pub const THROUGH_BATCHES: usize = 2;

/// How [`write_through`] left the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Through {
    /// Everything is written, and the writer's waker is back in the
    /// mailbox.
    Done,
    /// The output is finished (FIN sent) or abandoned.
    Ended,
    /// Frames are left for a writer thread: the socket is full, or this
    /// thread wrote [`THROUGH_BATCHES`] batches.
    Blocked,
    /// Another thread holds the batch: nothing was done.
    Busy,
}

/// Writes the connection's queued frames from the calling thread, never
/// blocking, unless another thread holds the batch; finishes the connection's
/// output if it is closing. Leaves the rest to the writer thread after
/// [`THROUGH_BATCHES`] batches.
fn write_through(conn: &Conn, waker: &Waker) -> Through {
    let Ok(mut batch) = conn.batch.try_lock() else {
        return Through::Busy;
    };
    let mut batches = 0;
    loop {
        if batch.is_empty() {
            let next = lock(&conn.mailbox).next_batch(&mut batch, waker);
            match next {
                // Enough for a helper: the writer thread takes over.
                Next::Write if batches == THROUGH_BATCHES => return Through::Blocked,
                Next::Write => batches += 1,
                Next::Wait => return Through::Done,
                Next::Finish => {
                    drop(batch);
                    finish(conn);
                    return Through::Ended;
                }
                Next::Stop => {
                    conn.writing_ended();
                    return Through::Ended;
                }
            }
        }
        batch.cut_if_discarded();
        if batch.is_empty() {
            continue;
        }
        match send(batch.frames(), |slices| {
            conn.stream.try_write_vectored(slices)
        }) {
            Ok(written) if written > 0 => batch.advance(written),
            Err(e) if !is_timeout(&e) && e.kind() != io::ErrorKind::Interrupted => {
                batch.clear();
                drop(batch);
                cut_off(conn);
                return Through::Ended;
            }
            // Full (`EAGAIN`, which `is_timeout` also covers).
            _ => return Through::Blocked,
        }
    }
}

/// The writer thread: started when a socket filled up, it writes with
/// blocking `sendmsg`s and parks when the mailbox is empty, until the
/// connection closes.
fn write_loop(conn: &Conn, waker: &Waker) {
    loop {
        let mut batch = lock(&conn.batch);
        if batch.is_empty() {
            // (The guards must be gone before parking: bind the result.)
            let next = lock(&conn.mailbox).next_batch(&mut batch, waker);
            match next {
                Next::Write => {}
                Next::Wait => {
                    drop(batch);
                    thread::park();
                    continue;
                }
                Next::Finish => {
                    drop(batch);
                    return finish(conn);
                }
                Next::Stop => return conn.writing_ended(),
            }
        }
        if write_batch(&conn.stream, &mut batch).is_err() {
            batch.clear();
            drop(batch);
            return cut_off(conn);
        }
    }
}

/// Everything is written and the connection is closing: FIN, and tell the
/// reader, which may be waiting for it.
fn finish(conn: &Conn) {
    let _ = conn.stream.shutdown(Shutdown::Write);
    let reader = lock(&conn.mailbox).flushed();
    reader.into_iter().for_each(Waker::wake);
    conn.writing_ended();
}

/// A write failed (the peer is gone), or no thread could wait for a full
/// socket: the connection is dead. Wakes the reader out of its read, so
/// that it tells the hub.
fn cut_off(conn: &Conn) {
    let _ = conn.stream.shutdown(Shutdown::Both);
    let reader = lock(&conn.mailbox).broken();
    reader.into_iter().flatten().for_each(Waker::wake);
    conn.writing_ended();
}

/// Writes the whole batch, or what is left of it once cut: blocking
/// `sendmsg`s, as many as the socket needs.
fn write_batch(stream: &TcpStream, batch: &mut Batch) -> io::Result<()> {
    while !batch.is_empty() {
        write_once(stream, batch)?;
    }
    Ok(())
}

/// Cuts the batch if the mailbox was discarded since it was taken, then
/// makes one blocking `sendmsg` of its first frames (if any are left).
fn write_once(stream: &TcpStream, batch: &mut Batch) -> io::Result<()> {
    batch.cut_if_discarded();
    if batch.is_empty() {
        return Ok(());
    }
    match send(batch.frames(), |slices| (&*stream).write_vectored(slices)) {
        Ok(0) => Err(io::ErrorKind::WriteZero.into()),
        Ok(written) => {
            batch.advance(written);
            Ok(())
        }
        // WRITE_CHECK passed with nothing written: check again, write on.
        Err(e) if is_timeout(&e) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
        Err(e) => Err(e),
    }
}

/// One vectored write (`write`, blocking or not) of the first frames of
/// `frames`: a small iovec array for a short queue (filling 1 024 empty
/// entries would cost more than a few frames), as many as one call takes
/// for a writer that fell behind.
fn send(
    frames: &Outbound,
    write: impl Fn(&[IoSlice<'_>]) -> io::Result<usize>,
) -> io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let n = frames.io_slices(&mut slices);
    if n < MAX_IOVECS {
        return write(&slices[..n]);
    }
    let mut slices = [IoSlice::new(&[]); FLUSH_IOVECS];
    let n = frames.io_slices(&mut slices);
    write(&slices[..n])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::Frame;
    use crate::protocol::ErrorCode;
    use crate::server::mailbox::Phase;
    use crate::server::thread_server::tests::pair;
    use crate::server::thread_server::STACK_SIZE;
    use std::time::Duration;

    #[test]
    fn a_blocked_writer_cuts_its_batch_when_the_mailbox_is_discarded() {
        use crate::server::mailbox::testing::{assert_cut_before_the_error, flooded};

        let (conn, mut peer) = pair();
        *lock(&conn.batch) = flooded(&conn.mailbox);
        let writer = {
            let conn = conn.clone();
            thread::spawn(move || {
                let mut batch = lock(&conn.batch);
                write_batch(&conn.stream, &mut batch).unwrap();
                let next = lock(&conn.mailbox).next_batch(&mut batch, Waker::noop());
                assert_eq!(next, Next::Write);
                write_batch(&conn.stream, &mut batch).unwrap();
                conn.stream.shutdown(Shutdown::Write).unwrap();
            })
        };
        // The writer holds the whole batch, blocked in `sendmsg` (or about
        // to be); the hub drops the connection.
        lock(&conn.mailbox).drop_slow(Frame::error(ErrorCode::SlowConsumer));
        assert_cut_before_the_error(&mut peer);
        writer.join().unwrap();
    }

    #[test]
    fn the_waking_thread_writes_through_and_the_writer_sleeps_on() {
        use crate::fmt::framed::read_frame;

        let (conn, mut peer) = pair();
        let waker = Waker::noop();
        // The writer waits: its waker is stored.
        let mut batch = lock(&conn.batch);
        assert_eq!(
            lock(&conn.mailbox).next_batch(&mut batch, waker),
            Next::Wait
        );
        drop(batch);
        let pong = Frame::encode(&crate::protocol::ServerMsg::Pong { nonce: 7 }).unwrap();
        for _ in 0..3 {
            let mut mailbox = lock(&conn.mailbox);
            mailbox.push(pong.clone(), usize::MAX).unwrap();
            assert!(mailbox.take_writer().is_some(), "the writer was waiting");
            drop(mailbox);
            assert_eq!(write_through(&conn, waker), Through::Done);
            assert!(lock(&conn.batch).is_empty());
            let mut buf = Vec::new();
            let got = read_frame(&mut peer, u32::MAX, &mut buf).unwrap();
            assert_eq!(got, Some(pong.payload()));
        }
        // Written through, the writer's waker is back in place.
        assert!(lock(&conn.mailbox).take_writer().is_some());
    }

    #[test]
    fn a_full_socket_is_left_to_the_writer_thread() {
        use crate::server::mailbox::testing::{big_message, flood, COUNT};

        let (conn, _peer) = pair();
        flood(&conn.mailbox);
        // 16 MiB cannot fit the socket: what did not fit stays in the batch,
        // for the writer thread to wait on. (And no blocking on the way.)
        assert_eq!(write_through(&conn, Waker::noop()), Through::Blocked);
        let batch = lock(&conn.batch);
        assert!(!batch.is_empty());
        assert!(batch.frames().queued() < COUNT * big_message().len());
        drop(batch);
        // While someone else holds the batch, no one writes through.
        let _held = lock(&conn.batch);
        let (tx, rx) = std::sync::mpsc::channel();
        let other = conn.clone();
        thread::spawn(move || tx.send(write_through(&other, Waker::noop())).unwrap());
        assert_eq!(rx.recv().unwrap(), Through::Busy);
    }

    #[test]
    fn a_full_socket_without_a_thread_to_wait_costs_only_its_connection() {
        use crate::server::mailbox::testing::flood;
        use std::io::Read;

        let (conn, mut peer) = pair();
        // A cache that may not start a single thread: out of threads.
        let writer = Writer::new(&conn, ThreadCache::new(STACK_SIZE, 0));
        flood(&conn.mailbox);
        writer.wake_by_ref();
        // The socket filled up and no writer thread could wait on it: the
        // connection is cut off, and its output is over.
        assert_eq!(lock(&conn.mailbox).phase(), Phase::Gone);
        // The peer reads what was written, then the end.
        let mut sink = Vec::new();
        let _ = peer.read_to_end(&mut sink);
        assert!(!sink.is_empty());
        assert!(sink.len() < 16 << 20, "only what fit before the cut");
    }

    #[test]
    fn a_batch_held_by_a_thread_writing_through_needs_no_writer_thread() {
        use crate::fmt::framed::read_frame;
        use std::sync::mpsc;

        let (conn, mut peer) = pair();
        // No writer thread can be had: were one asked for, the connection
        // would be cut off.
        let writer = Writer::new(&conn, ThreadCache::new(STACK_SIZE, 0));
        writer.wake_by_ref();
        // Another thread writing through has just put the waker back and
        // still holds the batch (it lets go in a moment)...
        let (held_tx, held_rx) = mpsc::channel();
        let holder = {
            let conn = conn.clone();
            thread::spawn(move || {
                let _batch = lock(&conn.batch);
                held_tx.send(()).unwrap();
                thread::sleep(Duration::from_millis(50));
            })
        };
        held_rx.recv().unwrap();
        // ...when a pusher takes that waker and wakes it.
        let pong = Frame::encode(&crate::protocol::ServerMsg::Pong { nonce: 9 }).unwrap();
        let waker = {
            let mut mailbox = lock(&conn.mailbox);
            mailbox.push(pong.clone(), usize::MAX).unwrap();
            mailbox.take_writer().expect("the writer waits")
        };
        waker.wake();
        holder.join().unwrap();
        // The socket had room: the frame goes out, the connection lives on.
        assert_eq!(lock(&conn.mailbox).phase(), Phase::Open);
        let mut buf = Vec::new();
        let got = read_frame(&mut peer, u32::MAX, &mut buf).unwrap();
        assert_eq!(got, Some(pong.payload()));
        assert!(!writer.started.load(Ordering::SeqCst), "no writer thread");
    }
}
