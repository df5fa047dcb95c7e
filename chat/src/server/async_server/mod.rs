//! `async_server`: a task per connection reading, a task per connection
//! writing, on the `exec` runtime; one hub behind a lock.
//!
//! # The model
//!
//! The same program as `thread_server`, with tasks instead of threads. A
//! task is a future on the heap: where a thread would block in `read` or
//! `sendmsg`, the task returns `Pending`, its worker thread moves on to
//! another task, and the `exec` reactor (one `sys::Poll`, as in
//! `event_server`) wakes the task when its socket is ready. So the code
//! reads like blocking code, `.await` marking each place it would block,
//! while a few worker threads (`--threads`, default one per CPU) carry any
//! number of connections.
//!
//! ```text
//!  accept task ──accept().await──► spawns, per connection:
//!
//!   reader task                                              writer task
//!   read().await ─► FrameDecoder ─► ClientMsg ─┐             (Pending until woken)
//!                                              ▼                  │
//!                  ┌───── SharedHub: Mutex { Hub, Outbox } ─────┐ │ takes the whole
//!    other readers ─►  one step + apply its outbox, then unlock  │ │ Mailbox at once
//!                  └──────┬──────────────┬──────────────┬────────┘ ▼
//!                   Mailbox a      Mailbox b      Mailbox c ──► sendmsg().await ──► socket
//!                   (Mutex)        (Mutex)        (Mutex)
//!
//!  main: shutdown_signal().await ─► hub.shutdown() ─► wait for writers (grace) ─► exit
//!
//!  all of it runs on `--threads` exec workers; idle tasks cost no thread
//! ```
//!
//! Read it beside `thread_server`; what async changes:
//!
//! - **Waiting.** A blocking call becomes an `.await`. The writer waits for
//!   frames by leaving its task's [`Waker`] in the [`Mailbox`] and returning
//!   `Pending` (the thread server leaves a waker that writes through or
//!   unparks its writer thread: the mailbox code is the same).
//! - **Reading into the decoder.** [`FrameDecoder::read_from`] wants a
//!   [`Read`]; `PollRead` turns the socket's `poll_read`
//!   into one whose `Pending` is `WouldBlock`.
//! - **Timeouts** are futures ([`exec::time::timeout`]) instead of the
//!   socket's `SO_RCVTIMEO`, so nothing is set on the socket.
//! - **Cutting a batch** (a slow-consumer drop or the shutdown discarded
//!   the mailbox; see [`Batch::cut_if_discarded`]) needs no send timeout:
//!   the writer checks at every poll, and a poll is what resumes a write
//!   that waited for the socket.
//! - **Cutting off a writer** stuck on a peer that stopped reading is
//!   [`JoinHandle::abort`] instead of `shutdown(Both)`; the socket is split
//!   into an owned read half and write half, one per task.
//! - **Signals** come from the runtime ([`exec::signal::shutdown_signal`]),
//!   which blocks them before starting its workers.
//! - **No stacks.** A connection costs its two tasks (each one allocation
//!   holding its future's state, a few hundred bytes) and the buffers in
//!   use, instead of a stack and a kernel thread; and a wake-up is a push
//!   on a run queue, not a context switch.
//!
//! Three things `thread_server` does because a thread is expensive to
//! wake and to keep, a task does not need, and this server does not do:
//!
//! - **Writing through** (the thread that queues frames writes them with a
//!   non-blocking `sendmsg`): waking a writer task costs a queue push, and
//!   a writer task that runs a little later gathers more frames into one
//!   `sendmsg`.
//! - **A writer only when a socket fills**: a writer task costs a small
//!   allocation, a writer thread a stack.
//! - **Readers accepting their next connection**: spawning a task is an
//!   allocation, not a hand-off from one sleeping thread to another.
//!
//! The hub, the mailboxes and the connection lifecycle (hello deadline,
//! lingering close, the after-`Bye` rule, the slow-consumer drop) are
//! shared with `thread_server` through [`SharedHub`], [`Mailbox`] and
//! [`super::lifecycle`].
//!
//! # Performance notes
//!
//! - A writer that was busy when frames arrived is not woken at all: it
//!   finds them when it asks for its next batch. A writer that was waiting
//!   is woken once per hub step, however many frames the step gave it, and
//!   writes them all with one `sendmsg`.
//! - The hub's lock is a `std::sync::Mutex` held only for memory work (no
//!   `.await` inside, no system call), so a worker never parks a task while
//!   holding it; wakers are woken after it is released.
//! - Frames are decoded before the lock is taken; a delivery finds its
//!   mailbox by slot, not by hash.
//! - Nothing that lives across an `.await` is bigger than it must be: the
//!   writer's 1 KiB iovec array exists only inside one poll.
//!
//! `bench/README.md` has the figures, beside the reference tokio server.
//!
//! # When to choose it
//!
//! When connections are many, and the per-connection logic is easier to
//! write as a sequential program than as `event_server`'s state machine:
//! async keeps `thread_server`'s shape at `event_server`'s cost per idle
//! connection, and spreads the work over every core. The price is the
//! runtime underneath (`exec`), and the care async code needs: never block
//! a worker (a blocking call, or a lock held across `.await`).

pub mod backplane;

use std::future::{poll_fn, Future};
use std::io::{self, IoSlice, Read};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use exec::net::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
use exec::time::{sleep, timeout};
use exec::JoinHandle;

use super::config::{listen, Config};
use super::core::Core;
use super::lifecycle::{
    CloseKind, CloseWait, Ending, Expired, Lifecycle, ACCEPT_PAUSE, SHUTDOWN_GRACE,
};
use super::mailbox::{Batch, Mailbox, Next};
use super::outbound::{Outbound, FLUSH_IOVECS, MAX_IOVECS};
use super::shared_hub::{
    close_kind, decode_frames, lock, SharedHub, SharedMailbox, Wakeups, Writing,
};
use crate::clock::unix_ms;
use crate::fmt::framed::FrameDecoder;
use crate::hub::{ConnId, SessionState};

/// What every task shares.
#[derive(Debug)]
struct Shared {
    config: Config,
    /// Shared with the Redis tasks in cluster mode.
    hub: Arc<SharedHub>,
}

/// One connection, shared by its reader and writer tasks (each owns its
/// half of the socket).
#[derive(Debug)]
struct Conn {
    id: ConnId,
    mailbox: SharedMailbox,
}

/// Runs `async_server` until SIGINT or SIGTERM: starts the runtime, binds,
/// prints the `listening on` line, serves, shuts down.
pub fn run(config: Config) -> io::Result<()> {
    // Build the runtime before any thread exists: it blocks the signals,
    // its workers inherit the mask, and its reactor receives them.
    let mut builder = exec::Runtime::builder();
    if let Some(threads) = config.threads {
        builder.worker_threads(threads);
    }
    let runtime = builder.thread_name("async_server").build()?;
    runtime.block_on(serve(config))
}

/// The body of [`run`], on the runtime.
async fn serve(config: Config) -> io::Result<()> {
    // Ask for the signals first: until then they would end the process.
    let signal = exec::signal::shutdown_signal();
    let (core, redis) = Core::start(&config, "async_server")?;
    let listener = TcpListener::from_sys(listen("async_server", &config)?)?;
    let hub = Arc::new(SharedHub::new(core, config.max_outbound));
    if let (Some(cluster), Some(stream)) = (&config.cluster, redis) {
        backplane::start(hub.clone(), cluster.redis, stream);
    }
    let shared = Arc::new(Shared { config, hub });
    {
        let shared = shared.clone();
        exec::spawn(async move { accept_loop(&shared, listener).await });
    }
    signal.await?;
    shutdown(&shared).await;
    Ok(())
}

/// The signal arrived: `ShuttingDown` to everyone, then wait (at most
/// [`SHUTDOWN_GRACE`]) for the writers to flush it.
async fn shutdown(shared: &Shared) {
    shared.hub.shutdown(&mut Wakeups::new());
    let all_done = poll_fn(|cx| match shared.hub.unfinished().poll_done(cx.waker()) {
        true => Poll::Ready(()),
        false => Poll::Pending,
    });
    let _ = timeout(SHUTDOWN_GRACE, all_done).await;
    // In cluster mode the node's farewell to Redis goes out too.
    let deadline = Instant::now() + SHUTDOWN_GRACE;
    while !shared.hub.redis_flushed() && Instant::now() < deadline {
        sleep(std::time::Duration::from_millis(5)).await;
    }
}

// ----- accepting --------------------------------------------------------

/// Accepts forever; each connection gets a writer and a reader task.
async fn accept_loop(shared: &Arc<Shared>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => admit(shared, stream),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            // EMFILE/ENFILE (out of descriptors), ENOBUFS, ENOMEM: the
            // connection waits in the backlog; rest instead of spinning.
            Err(_) => sleep(ACCEPT_PAUSE).await,
        }
    }
}

/// Hands a new connection to the hub (here, so that connections are
/// counted in the order they were accepted), then starts its two tasks.
fn admit(shared: &Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let (reader, writer) = stream.into_split();
    let mailbox = Arc::new(Mutex::new(Mailbox::new()));
    let (id, welcome) = shared.hub.connect(mailbox.clone(), &mut Wakeups::new());
    let life = Lifecycle::admitted(Instant::now(), shared.config.hello_timeout, welcome);
    let conn = Arc::new(Conn { id, mailbox });
    let count = shared.hub.start_writing();
    let writer = {
        let conn = conn.clone();
        exec::spawn(async move { write_loop(&conn, writer, count).await })
    };
    let shared = shared.clone();
    exec::spawn(async move { read_loop(&shared, &conn, life, reader, writer).await });
}

// ----- reading ----------------------------------------------------------

/// A connection's reader: frames in, hub steps, until the connection ends.
async fn read_loop(
    shared: &Shared,
    conn: &Conn,
    mut life: Lifecycle,
    mut reader: OwnedReadHalf,
    writer: JoinHandle<()>,
) {
    let mut wake = Wakeups::new();
    let id = conn.id;
    if !life.is_open() {
        // Refused (ServerFull, ShuttingDown): the writer sends it; close.
        return close(shared, conn, life, CloseKind::Error, &mut reader, &writer).await;
    }
    let mut decoder = FrameDecoder::new(shared.config.max_frame);
    let mut inputs = Vec::new();
    loop {
        // A cluster node that holds many of this client's messages pauses
        // its input: wait until it takes more (or the connection closes).
        poll_fn(
            |cx| match shared.hub.poll_accepts_input(id, &conn.mailbox, cx.waker()) {
                true => Poll::Ready(()),
                false => Poll::Pending,
            },
        )
        .await;
        let read = poll_fn(|cx| poll_read_into(&mut decoder, &reader, conn, cx));
        let result = match life.poll_timeout() {
            // Until welcomed, the deadline is checked before every read (a
            // client sending refused Hellos without pause never lets a read
            // time out), and no read may outlast it.
            Some(deadline) => {
                let now = Instant::now();
                if life.handle_timeout(now) == Some(Expired::Hello)
                    && shared.hub.hello_timeout(id, &mut wake).is_none()
                {
                    return close(shared, conn, life, CloseKind::Error, &mut reader, &writer).await;
                }
                let left = deadline.saturating_duration_since(now);
                timeout(left, read).await.unwrap_or_else(|e| Err(e.into()))
            }
            None => read.await,
        };
        match result {
            Ok(0) if closed_elsewhere(conn) => {
                return close(shared, conn, life, CloseKind::Error, &mut reader, &writer).await
            }
            Ok(0) => return disconnect(shared, conn, &writer),
            Ok(_) => {}
            // The deadline, checked above.
            Err(e) if is_timeout(&e) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The decoder refused a header; decode_frames reports it.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
            Err(_) => return disconnect(shared, conn, &writer),
        }
        decode_frames(&mut decoder, &mut inputs);
        if inputs.is_empty() {
            continue;
        }
        let kind = close_kind(&inputs);
        let unreadable = inputs.iter().any(Result::is_err);
        match shared.hub.step(id, &mut inputs, unix_ms(), &mut wake) {
            None => return close(shared, conn, life, kind, &mut reader, &writer).await,
            Some(_) if unreadable => {
                // A fatal input that a cluster node answers once the replies
                // owed before it have gone: read nothing more (the stream
                // may have lost its framing), wait for that close.
                poll_fn(|cx| match lock(&conn.mailbox).watch(cx.waker()) {
                    true => Poll::Pending,
                    false => Poll::Ready(()),
                })
                .await;
                return close(shared, conn, life, kind, &mut reader, &writer).await;
            }
            Some(SessionState::Welcomed) => life.welcomed(),
            Some(SessionState::Connected) => {}
        }
    }
}

/// One `read` into the decoder's buffer, as a poll: `Pending` (the waker is
/// registered with the reactor) until the socket has bytes. The waker is
/// also left in the mailbox ([`Mailbox::watch`]): if another connection's
/// step closes this one, the task is woken and the read ends as if at EOF.
fn poll_read_into(
    decoder: &mut FrameDecoder,
    reader: &OwnedReadHalf,
    conn: &Conn,
    cx: &mut Context<'_>,
) -> Poll<io::Result<usize>> {
    if !lock(&conn.mailbox).watch(cx.waker()) {
        return Poll::Ready(Ok(0));
    }
    match decoder.read_from(&mut PollRead { reader, cx }) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        result => Poll::Ready(result),
    }
}

/// Whether the hub let this connection go in another connection's step
/// (the reader was woken through [`Mailbox::watch`]).
fn closed_elsewhere(conn: &Conn) -> bool {
    lock(&conn.mailbox).let_go()
}

/// A [`Read`] over a socket's `poll_read`: `Pending` becomes `WouldBlock`,
/// as on a non-blocking socket, so a sync reader (the [`FrameDecoder`]) can
/// read straight into its buffer from async code.
#[derive(Debug)]
struct PollRead<'a, 'b> {
    reader: &'a OwnedReadHalf,
    cx: &'a mut Context<'b>,
}

impl Read for PollRead<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.reader.poll_read(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// A hello deadline passed (`exec::time::timeout`'s `Elapsed`).
fn is_timeout(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::TimedOut
}

// ----- writing ----------------------------------------------------------

/// A connection's writer: waits until its mailbox has frames, writes them
/// all in one go, until the connection closes.
async fn write_loop(conn: &Conn, mut writer: OwnedWriteHalf, _count: Writing) {
    let mut batch = lock(&conn.mailbox).batch();
    loop {
        match next_batch(conn, &mut batch).await {
            Next::Write => {
                if write_batch(&mut writer, &mut batch).await.is_err() {
                    // The peer is gone. Wake the reader (it may wait for
                    // bytes that never come) so it tells the hub.
                    batch.clear();
                    let reader = lock(&conn.mailbox).broken();
                    return reader.into_iter().flatten().for_each(Waker::wake);
                }
            }
            Next::Finish => {
                let _ = writer.shutdown();
                let reader = lock(&conn.mailbox).flushed();
                return reader.into_iter().for_each(Waker::wake);
            }
            Next::Wait | Next::Stop => return,
        }
    }
}

/// Waits until the mailbox has something for the writer: `Pending`, with
/// the task's waker left in the mailbox for a pusher to wake.
async fn next_batch(conn: &Conn, batch: &mut Batch) -> Next {
    poll_fn(|cx| {
        // (As in thread_server: bind the result, so the guard goes first.)
        let next = lock(&conn.mailbox).next_batch(batch, cx.waker());
        match next {
            Next::Wait => Poll::Pending,
            next => Poll::Ready(next),
        }
    })
    .await
}

/// Writes the whole batch, or what is left of it once cut: `sendmsg`s,
/// awaiting writability between them.
async fn write_batch(writer: &mut OwnedWriteHalf, batch: &mut Batch) -> io::Result<()> {
    while !batch.is_empty() {
        poll_fn(|cx| poll_write_once(writer, batch, cx)).await?;
    }
    Ok(())
}

/// Cuts the batch if the mailbox was discarded since it was taken, then
/// makes one `sendmsg` of its first frames (if any are left), as a poll:
/// the check runs again at every poll, so a write that waited for the
/// socket sees a discard that came meanwhile.
///
/// The iovec array (1 KiB) lives only during this call. Were it a local of
/// `write_batch` it would live across the `.await`, so it would be part of
/// every writer task's state, idle or not. The write half offers
/// `write_vectored` only as an `async fn`; its future is a stateless
/// `poll_fn`, so creating it, polling it once and dropping it is the poll
/// it wraps.
fn poll_write_once(
    writer: &mut OwnedWriteHalf,
    batch: &mut Batch,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    batch.cut_if_discarded();
    if batch.is_empty() {
        return Poll::Ready(Ok(()));
    }
    let result = poll_writev(writer, batch.frames(), cx);
    Poll::Ready(match result {
        Poll::Pending => return Poll::Pending,
        Poll::Ready(Ok(0)) => Err(io::ErrorKind::WriteZero.into()),
        Poll::Ready(Ok(written)) => {
            batch.advance(written);
            Ok(())
        }
        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
        Poll::Ready(Err(e)) => Err(e),
    })
}

/// One `sendmsg` of the first frames of `frames`: a small iovec array for a
/// short queue (filling 1 024 empty entries would cost more than a few
/// frames), as many as one call takes for a writer that fell behind.
fn poll_writev(
    writer: &mut OwnedWriteHalf,
    frames: &Outbound,
    cx: &mut Context<'_>,
) -> Poll<io::Result<usize>> {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let n = frames.io_slices(&mut slices);
    if n < MAX_IOVECS {
        // (A `let`, so the future is dropped before `slices`.)
        #[allow(clippy::let_and_return)]
        let result = pin!(writer.write_vectored(&slices[..n])).poll(cx);
        return result;
    }
    let mut slices = [IoSlice::new(&[]); FLUSH_IOVECS];
    let n = frames.io_slices(&mut slices);
    #[allow(clippy::let_and_return)]
    let result = pin!(writer.write_vectored(&slices[..n])).poll(cx);
    result
}

// ----- closing ----------------------------------------------------------

/// The peer went away (EOF, reset, read error): tell the hub, stop the
/// writer.
fn disconnect(shared: &Shared, conn: &Conn, writer: &JoinHandle<()>) {
    shared.hub.disconnect(conn.id, &mut Wakeups::new());
    // A writer waiting for writability on a peer that no longer reads.
    writer.abort();
}

/// The hub let the connection go: the writer sends the last frames and
/// FIN, while this task reads and discards what the peer still sends,
/// until the close rules of [`Lifecycle`] say the connection is done. If
/// they give it up, the writer is cut off.
async fn close(
    shared: &Shared,
    conn: &Conn,
    mut life: Lifecycle,
    kind: CloseKind,
    reader: &mut OwnedReadHalf,
    writer: &JoinHandle<()>,
) {
    life.close(Instant::now(), shared.hub.close_kind(kind));
    linger(conn, &mut life, reader).await;
    if life.is_gone() == Some(Ending::GaveUp) {
        writer.abort();
        let _ = lock(&conn.mailbox).kill();
    }
}

/// `thread_server`'s `linger` with an `.await` where it blocks: the
/// [`Lifecycle`] decides ([`Lifecycle::poll_close`]), this task waits for
/// what it names, the peer's bytes or the writer's flush, never past the
/// deadline.
async fn linger(conn: &Conn, life: &mut Lifecycle, reader: &mut OwnedReadHalf) {
    let mut scratch = Vec::new();
    loop {
        let writer = lock(&conn.mailbox).writer();
        match life.poll_close(Instant::now(), writer) {
            CloseWait::Gone(_) => return,
            CloseWait::Flush(deadline) => {
                wait_flushed(conn, deadline).await;
            }
            CloseWait::Peer(deadline) => {
                // Bounded by the deadline, not only by a silence: a peer
                // that keeps sending a byte now and then must not hold the
                // connection (and this task) past it.
                let left = deadline.saturating_duration_since(Instant::now());
                scratch.resize(4096, 0);
                let read = timeout(left, reader.read(&mut scratch)).await;
                // At the deadline (`Elapsed`, a timeout): poll_close gives
                // the connection up.
                life.discarded(read.unwrap_or_else(|elapsed| Err(elapsed.into())));
            }
        }
    }
}

/// Waits until the writer is done, or `give_up`; returns whether it is.
async fn wait_flushed(conn: &Conn, give_up: Instant) -> bool {
    let flushed = poll_fn(|cx| match lock(&conn.mailbox).poll_flushed(cx.waker()) {
        true => Poll::Ready(()),
        false => Poll::Pending,
    });
    let left = give_up.saturating_duration_since(Instant::now());
    timeout(left, flushed).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::Frame;
    use crate::protocol::ErrorCode;
    use crate::server::mailbox::testing::{assert_cut_before_the_error, flooded};

    #[test]
    fn a_waiting_writer_cuts_its_batch_when_the_mailbox_is_discarded() {
        let listener = sys::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let mut peer =
            sys::net::TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        let conn = Arc::new(Conn {
            id: ConnId(1),
            mailbox: Arc::new(Mutex::new(Mailbox::new())),
        });
        let mut batch = flooded(&conn.mailbox);
        let runtime = exec::Runtime::builder().worker_threads(1).build().unwrap();
        let writer = {
            let conn = conn.clone();
            runtime.spawn(async move {
                let (_reader, mut writer) = TcpStream::from_sys(stream).unwrap().into_split();
                write_batch(&mut writer, &mut batch).await.unwrap();
                assert_eq!(next_batch(&conn, &mut batch).await, Next::Write);
                write_batch(&mut writer, &mut batch).await.unwrap();
                writer.shutdown().unwrap();
            })
        };
        // The writer holds the whole batch, waiting for writability (or
        // about to); the hub drops the connection.
        lock(&conn.mailbox).drop_slow(Frame::error(ErrorCode::SlowConsumer));
        assert_cut_before_the_error(&mut peer);
        runtime.block_on(writer).unwrap();
    }
}
