//! `thread_server`: a thread per connection, blocking I/O, one hub behind a
//! lock.
//!
//! # The model
//!
//! The oldest way to write a server: every socket is in blocking mode, and
//! every connection gets a thread that waits in `read` until the kernel has
//! something. The kernel's scheduler does what `event_server`'s `Poll`
//! loop does by hand: it runs whichever thread's socket became ready.
//!
//! ```text
//!  accept thread ──accept()──► SharedHub::connect, then a reader thread
//!                              (from the ThreadCache: new, or reused)
//!
//!   reader thread: read() ─► FrameDecoder ─► ClientMsg ─┐
//!                                                       ▼
//!                  ┌───── SharedHub: Mutex { Hub, Outbox } ─────┐
//!    other readers ─►  one step + apply its outbox, then unlock  │
//!                  └──────┬──────────────┬──────────────┬────────┘
//!                   Mailbox a      Mailbox b      Mailbox c      (a Mutex each)
//!                         │ woken after the unlock
//!                         ▼
//!                   Writer a (see `writer`) ──sendmsg──► socket a
//!
//!  main thread: Signals::wait() ─► SharedHub::shutdown ─► wait for the flush ─► exit
//! ```
//!
//! Read it top to bottom: [`run`] starts the accept thread and waits for a
//! signal; `accept_loop` and `admit` hand each connection to the hub and
//! to a reader thread; `read_loop` is the whole life of a connection in
//! one sequential function: read, decode *outside* the lock, one
//! [`SharedHub::step`] for everything decoded, and, when the hub lets the
//! connection go, `close`, which drives the shared
//! [`Lifecycle`] with blocking reads. The
//! rules (hello deadline, lingering close, the after-`Bye` rule, the
//! slow-consumer drop) are the ones every server follows, in
//! [`super::lifecycle`].
//!
//! - **Order**: each hub step is applied to the recipients' mailboxes
//!   before the lock is released, so every member of a room gets that
//!   room's frames in `seq` order whichever threads produced them.
//! - **Writing** is the `writer` module's job: the thread that queued the
//!   frames writes them without blocking, and a writer thread is started
//!   only for a connection whose socket is full (a peer that reads
//!   slowly). It is the one optimisation kept beside the simple model, in
//!   a file of its own, with what it buys.
//! - **Hello timeout**: until `Welcome`, the reader sets the socket's read
//!   timeout (`SO_RCVTIMEO`) to what is left of the deadline before each
//!   `read`; a welcomed reader blocks without a timer.
//! - **Closed by someone else**: a connection dropped as a slow consumer in
//!   *another* reader's step has its own reader blocked in `read`. Its
//!   mailbox holds a waker for that case ([`Mailbox::watch`]); for a thread
//!   blocked in `read(2)` the only wake-up is to shut the socket's read
//!   side down (`ShutdownRead`), after which the reader closes as usual,
//!   but cannot linger: with the read side shut, Linux answers any byte
//!   the peer sends after the server's FIN with a reset, which can destroy
//!   the `SlowConsumer` error before the peer reads it. So a client dropped
//!   this way that keeps *sending* without reading may see its connection
//!   end without the error; `event_server` and `async_server`, which can
//!   wake a reader without touching the socket, deliver it.
//! - **Limits**: `--max-conns` is the hub's (`ServerFull`). Out of
//!   descriptors, the accept thread rests for
//!   [`ACCEPT_PAUSE`]. Out of threads, a
//!   connection with no reader thread gets `ServerFull` written directly.
//! - **Threads are reused**: a [`ThreadCache`] keeps a finished thread a
//!   few seconds for the next connection, and a reader whose connection
//!   ended waits in `accept` itself (while fewer than [`MAX_ACCEPTORS`]
//!   do), so a new client costs no thread creation and no hand-off.
//! - **Shutdown**: the signals are blocked before any thread starts (every
//!   thread inherits the mask) and `main` waits in [`Signals::wait`]; the
//!   hub sends `ShuttingDown` to everyone, and `run` waits up to
//!   [`SHUTDOWN_GRACE`] for the writers.
//!
//! # Costs
//!
//! - **A kernel thread and a stack per connection** (two while its peer
//!   lags): [`STACK_SIZE`] of address space, of which only touched pages
//!   become memory, plus std's signal stack and the kernel's per-thread
//!   structures. Tens of kilobytes per idle connection, against a few
//!   hundred bytes for `event_server` (`bench/README.md` has the figures).
//! - **The ceiling is address-space bookkeeping, not memory.** Each thread
//!   costs four memory mappings, and Linux caps a process at
//!   `vm.max_map_count` mappings. Hitting that cap is fatal (std aborts
//!   when it cannot map a new thread's signal stack), so the server
//!   budgets its threads from `vm.max_map_count` and refuses connections
//!   past the budget with `ServerFull`.
//! - **A wake-up per read.** Every `read` that blocks puts a thread to
//!   sleep and every arrival wakes one: a context switch per message
//!   received, which `event_server` does not pay.
//! - **One lock for every hub step.** Readers on different cores queue up
//!   on it; the work under it is short (no system call), but it makes the
//!   hub a serial section, as in the other servers.
//!
//! # When to choose it
//!
//! When connections are few (hundreds, a few thousand) and code clarity
//! matters more than memory: every connection reads like a sequential
//! program, blocking calls and all, and a debugger or `strace -f` shows
//! each client's life on its own thread.

use std::io::{self, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use sys::net::{TcpListener, TcpStream};
use sys::signal::{Signal, Signals};

use self::thread_cache::ThreadCache;
use self::writer::Writer;
use super::config::{listen, Config};
use super::core::Core;
use super::lifecycle::{
    CloseKind, CloseWait, Ending, Expired, Lifecycle, ACCEPT_PAUSE, SHUTDOWN_GRACE,
};
use super::mailbox::{Batch, Mailbox};
use super::shared_hub::{
    close_kind, decode_frames, lock, SharedHub, SharedMailbox, Wakeups, Writing,
};
use crate::clock::unix_ms;
use crate::fmt::framed::FrameDecoder;
use crate::hub::{ConnId, Frame, Hub, SessionState};
use crate::protocol::ErrorCode;

pub mod thread_cache;
mod writer;

/// Stack size of every connection thread.
pub const STACK_SIZE: usize = 64 * 1024;
/// The socket's send timeout: how often a writer blocked in `sendmsg` looks
/// whether its batch was cut (see the module docs). Only a writer on a full
/// socket ever wakes for it.
pub const WRITE_CHECK: Duration = Duration::from_millis(50);
/// The most reader threads waiting in `accept` for their next connection
/// (see the module docs); a thread finishing its connection when this many
/// already wait goes back to the [`ThreadCache`] instead.
pub const MAX_ACCEPTORS: usize = 32;

/// Memory mappings each thread costs: its stack and the signal stack std
/// gives it, each with a guard page.
const MAPPINGS_PER_THREAD: usize = 4;
/// Mappings left for everything else (heap arenas, libraries).
const MAPPINGS_RESERVED: usize = 2048;

/// How many connection threads this process may have: on Linux, what
/// `vm.max_map_count` leaves room for (see the module docs). The server
/// must stop short of that limit rather than hit it: when the limit is
/// reached *inside* a new thread, as std maps its signal stack, std aborts
/// the whole process.
fn thread_budget() -> usize {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .map_or(usize::MAX, |max| {
            max.saturating_sub(MAPPINGS_RESERVED) / MAPPINGS_PER_THREAD
        })
}

/// What every thread shares.
#[derive(Debug)]
struct Shared {
    config: Config,
    hub: SharedHub,
    /// Where connection threads come from (and return to).
    threads: ThreadCache,
    /// The listening socket (blocking), shared by the accept thread and the
    /// reader threads waiting for their next connection.
    listener: TcpListener,
    /// Reader threads waiting in `accept` right now.
    acceptors: AtomicUsize,
}

/// One connection, shared by its reader thread, its [`Writer`] and, if it
/// has one, its writer thread.
#[derive(Debug)]
struct Conn {
    id: ConnId,
    stream: TcpStream,
    mailbox: SharedMailbox,
    /// The frames taken from the mailbox and not yet written, and with
    /// them the right to write to the socket: whoever holds this lock (the
    /// writer thread, or a thread writing through, see [`Writer`]) is the
    /// only one writing, so frames never interleave.
    batch: Mutex<Batch>,
    /// Counts the connection until its output is finished (for the
    /// shutdown's flush): taken by [`Conn::writing_ended`].
    writing: Mutex<Option<Writing>>,
}

impl Conn {
    fn new(id: ConnId, stream: TcpStream, mailbox: SharedMailbox, count: Option<Writing>) -> Conn {
        let batch = Mutex::new(lock(&mailbox).batch());
        Conn {
            id,
            stream,
            mailbox,
            batch,
            writing: Mutex::new(count),
        }
    }

    /// Nothing more will be written to this connection.
    fn writing_ended(&self) {
        drop(lock(&self.writing).take());
    }
}

/// Runs `thread_server` until SIGINT or SIGTERM: binds, prints the
/// `listening on` line, serves, shuts down.
pub fn run(config: Config) -> io::Result<()> {
    // Block the signals before any thread exists: threads inherit the mask,
    // so the signals reach only `Signals::wait` below.
    let mut signals = Signals::new(&[Signal::Interrupt, Signal::Terminate])?;
    let listener = listen("thread_server", &config)?;
    listener.set_nonblocking(false)?;
    let hub = SharedHub::new(
        Core::Solo(Hub::new(config.hub_config("thread_server"))),
        config.max_outbound,
    );
    let shared = Arc::new(Shared {
        config,
        hub,
        threads: ThreadCache::new(STACK_SIZE, thread_budget()),
        listener,
        acceptors: AtomicUsize::new(0),
    });
    {
        let shared = shared.clone();
        thread::Builder::new()
            .name("accept".into())
            .stack_size(STACK_SIZE)
            .spawn(move || accept_loop(&shared))?;
    }
    signals.wait()?;
    shutdown(&shared);
    Ok(())
}

/// The signal arrived: `ShuttingDown` to everyone, then wait (at most
/// [`SHUTDOWN_GRACE`]) for the writers to flush it.
fn shutdown(shared: &Shared) {
    shared.hub.shutdown(&mut Wakeups::new());
    shared.hub.unfinished().wait(SHUTDOWN_GRACE);
}

// ----- accepting --------------------------------------------------------

/// The accept thread: accepts forever, and hands each connection to a
/// reader thread of its own. (Most connections do not come this way: see
/// [`serve`].)
fn accept_loop(shared: &Arc<Shared>) {
    loop {
        match shared.listener.accept() {
            Ok((stream, _peer)) => {
                let Some((conn, life)) = admit(shared, stream) else {
                    continue;
                };
                let reader = {
                    let (shared2, conn) = (shared.clone(), conn.clone());
                    shared.threads.spawn(move || serve(&shared2, conn, life))
                };
                if reader.is_err() {
                    // Out of threads (or memory for a stack): forget it,
                    // stop the writer, and refuse it ourselves.
                    shared.hub.disconnect(conn.id, &mut Wakeups::new());
                    let writer = lock(&conn.mailbox).kill();
                    writer.into_iter().for_each(Waker::wake);
                    refuse(&conn);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            // EMFILE/ENFILE (out of descriptors), ENOBUFS, ENOMEM: the
            // connection waits in the backlog; rest instead of spinning.
            Err(_) => thread::sleep(ACCEPT_PAUSE),
        }
    }
}

/// Hands a new connection to the hub, and sets up its [`Writer`]. Returns
/// the connection and its [`Lifecycle`] (closing if the hub refused it).
fn admit(shared: &Arc<Shared>, stream: TcpStream) -> Option<(Arc<Conn>, Lifecycle)> {
    stream.set_nonblocking(false).ok()?;
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_CHECK));
    let mailbox = Arc::new(Mutex::new(Mailbox::new()));
    let (id, welcome) = shared.hub.connect(mailbox.clone(), &mut Wakeups::new());
    let life = Lifecycle::admitted(Instant::now(), shared.config.hello_timeout, welcome);
    let count = shared.hub.start_writing();
    let conn = Arc::new(Conn::new(id, stream, mailbox, Some(count)));
    // The writer's first turn: it leaves its waker in the mailbox (having
    // written what `connect` queued: a refusal).
    Writer::new(&conn, shared.threads.clone()).wake_by_ref();
    Some((conn, life))
}

/// A reader thread's life: it reads its connection until it ends, then, if
/// fewer than [`MAX_ACCEPTORS`] threads wait in `accept`, waits there
/// itself and serves the connection it gets, and so on.
///
/// Handing a connection from the accept thread to another thread costs a
/// `futex` wake-up and a context switch on the way of every new client; a
/// thread that accepts the connection itself goes straight to reading it.
/// Several threads may block in `accept` on one socket: the kernel wakes
/// one of them per connection. The accept thread stays as the one that
/// never gives up, pauses when descriptors run out, and answers
/// `ServerFull` when no thread can be had.
fn serve(shared: &Arc<Shared>, mut conn: Arc<Conn>, mut life: Lifecycle) {
    loop {
        read_loop(shared, &conn, life);
        drop(conn);
        if shared.acceptors.fetch_add(1, Ordering::Relaxed) >= MAX_ACCEPTORS {
            shared.acceptors.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let accepted = shared.listener.accept();
        shared.acceptors.fetch_sub(1, Ordering::Relaxed);
        // Any error (out of descriptors, ...) is the accept thread's to
        // handle; this one leaves.
        let Ok((stream, _peer)) = accepted else {
            return;
        };
        match admit(shared, stream) {
            Some((next, next_life)) => (conn, life) = (next, next_life),
            None => return,
        }
    }
}

/// No thread for this connection: `ServerFull`, written directly (a new
/// socket's buffer takes these few bytes at once), then close.
fn refuse(conn: &Conn) {
    let _ = (&conn.stream).write(&Frame::error(ErrorCode::ServerFull));
    let _ = conn.stream.shutdown(Shutdown::Write);
}

// ----- reading ----------------------------------------------------------

/// A connection's reader: frames in, hub steps, until the connection ends.
fn read_loop(shared: &Shared, conn: &Arc<Conn>, mut life: Lifecycle) {
    let mut wake = Wakeups::new();
    let id = conn.id;
    if !life.is_open() {
        // Refused (ServerFull, ShuttingDown): the writer sends it; close.
        return close(shared, conn, life, CloseKind::Error);
    }
    // If another reader's step closes this connection (it overflowed), the
    // read below must end: see `ShutdownRead`.
    let watcher = Waker::from(Arc::new(ShutdownRead(Arc::downgrade(conn))));
    if !lock(&conn.mailbox).watch(&watcher) {
        return close(shared, conn, life, CloseKind::Error);
    }
    let mut decoder = FrameDecoder::new(shared.config.max_frame);
    let mut inputs = Vec::new();
    // Whether the socket has a read timeout (only while a deadline runs).
    let mut timed = false;
    loop {
        if let Some(deadline) = life.poll_timeout() {
            // Until welcomed, the deadline is checked before every read (a
            // client sending refused Hellos without pause never lets a read
            // time out), and no read may outlast it.
            let now = Instant::now();
            if life.handle_timeout(now) == Some(Expired::Hello)
                && shared.hub.hello_timeout(id, &mut wake).is_none()
            {
                return close(shared, conn, life, CloseKind::Error);
            }
            let left = deadline.saturating_duration_since(now);
            let _ = conn
                .stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))));
            timed = true;
        } else if std::mem::take(&mut timed) {
            // Welcomed: a welcomed reader blocks without a timer.
            let _ = conn.stream.set_read_timeout(None);
        }
        match decoder.read_from(&mut &conn.stream) {
            Ok(0) if closed_elsewhere(conn) => return close(shared, conn, life, CloseKind::Error),
            Ok(0) => return disconnect(shared, conn),
            Ok(_) => {}
            // The deadline, checked above.
            Err(e) if is_timeout(&e) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The decoder refused a header; decode_frames reports it.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
            Err(_) => return disconnect(shared, conn),
        }
        decode_frames(&mut decoder, &mut inputs);
        if inputs.is_empty() {
            continue;
        }
        let kind = close_kind(&inputs);
        match shared.hub.step(id, &mut inputs, unix_ms(), &mut wake) {
            None => return close(shared, conn, life, kind),
            Some(SessionState::Welcomed) => life.welcomed(),
            Some(SessionState::Connected) => {}
        }
    }
}

/// Whether the hub let this connection go in another connection's step
/// (the reader was woken by [`ShutdownRead`]).
fn closed_elsewhere(conn: &Conn) -> bool {
    lock(&conn.mailbox).let_go()
}

/// Wakes a reader thread blocked in `read(2)`, for [`Mailbox::watch`]: the
/// only way to interrupt that read is to shut the socket's read side down,
/// which makes it return 0. (Holds the connection weakly: the mailbox that
/// stores this waker belongs to the connection.)
struct ShutdownRead(Weak<Conn>);

impl Wake for ShutdownRead {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(conn) = self.0.upgrade() {
            let _ = conn.stream.shutdown(Shutdown::Read);
        }
    }
}

/// `SO_RCVTIMEO` or `SO_SNDTIMEO` expired (`EAGAIN`, which std calls
/// `WouldBlock`).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Wakes a parked thread: the thread server's [`Waker`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

// ----- closing ----------------------------------------------------------

/// The peer went away (EOF, reset, read error): tell the hub, stop the
/// writer.
fn disconnect(shared: &Shared, conn: &Conn) {
    shared.hub.disconnect(conn.id, &mut Wakeups::new());
    // A writer blocked in `sendmsg` on a peer that no longer reads.
    let _ = conn.stream.shutdown(Shutdown::Both);
}

/// The hub let the connection go: the writer sends the last frames and
/// FIN, while this thread reads and discards what the peer still sends,
/// until the close rules of [`Lifecycle`] say the connection is done. If
/// they give it up, the writer is cut off.
fn close(shared: &Shared, conn: &Conn, mut life: Lifecycle, kind: CloseKind) {
    life.close(Instant::now(), shared.hub.close_kind(kind));
    linger(conn, &mut life);
    if life.is_gone() == Some(Ending::GaveUp) {
        let _ = conn.stream.shutdown(Shutdown::Both);
        let writer = lock(&conn.mailbox).kill();
        writer.into_iter().for_each(Waker::wake);
    }
}

/// Drives a closing connection's [`Lifecycle`] until it is gone: the
/// lifecycle decides ([`Lifecycle::poll_close`]), this thread blocks on
/// what it names, the peer's bytes (read and discarded) or the writer's
/// flush, never past the deadline.
fn linger(conn: &Conn, life: &mut Lifecycle) {
    let mut scratch = Vec::new();
    loop {
        let writer = lock(&conn.mailbox).writer();
        match life.poll_close(Instant::now(), writer) {
            CloseWait::Gone(_) => return,
            CloseWait::Flush(deadline) => {
                wait_flushed(conn, deadline);
            }
            CloseWait::Peer(deadline) => {
                // Bounded by the deadline, not only by a silence: a peer
                // that keeps sending a byte now and then must not hold the
                // connection (and this thread) past it.
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = conn
                    .stream
                    .set_read_timeout(Some(left.max(Duration::from_millis(1))));
                scratch.resize(4096, 0);
                life.discarded(io::Read::read(&mut &conn.stream, &mut scratch));
            }
        }
    }
}

/// Waits until the writer is done, or `give_up`; returns whether it is.
fn wait_flushed(conn: &Conn, give_up: Instant) -> bool {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    loop {
        if lock(&conn.mailbox).poll_flushed(&waker) {
            return true;
        }
        let now = Instant::now();
        if now >= give_up {
            return false;
        }
        thread::park_timeout(give_up - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn a_peer_that_keeps_dribbling_is_let_go_at_the_deadline() {
        let (conn, mut peer) = pair();
        // A byte every 10 ms for up to 10 s: never a silence.
        let lingering = Arc::new(AtomicBool::new(true));
        let dribbler = {
            let lingering = lingering.clone();
            thread::spawn(move || {
                let start = Instant::now();
                while lingering.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(10)
                {
                    if peer.write_all(b"x").is_err() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                // Whether the linger ended while the peer was still sending.
                !lingering.load(Ordering::SeqCst)
            })
        };
        let mut life = Lifecycle::accepted(Instant::now(), Duration::from_secs(10));
        life.close(Instant::now(), CloseKind::Error);
        linger(&conn, &mut life);
        lingering.store(false, Ordering::SeqCst);
        assert_eq!(life.is_gone(), Some(Ending::GaveUp));
        assert!(
            dribbler.join().unwrap(),
            "linger outlasted its deadline by seconds"
        );
    }

    /// A connected pair: our blocking side (as `admit` sets it up) and
    /// the peer.
    pub(super) fn pair() -> (Arc<Conn>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let peer = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        stream.set_nonblocking(false).unwrap();
        stream.set_write_timeout(Some(WRITE_CHECK)).unwrap();
        let mailbox = Arc::new(Mutex::new(Mailbox::new()));
        (Arc::new(Conn::new(ConnId(1), stream, mailbox, None)), peer)
    }
}
