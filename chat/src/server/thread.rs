//! `thread_server`: a thread per connection reading, a thread per connection
//! writing, blocking I/O, one hub behind a lock.
//!
//! # The model
//!
//! The oldest way to write a server: every socket is in blocking mode, and
//! every connection gets threads that simply wait in `read` or `writev`
//! until the kernel has something. The kernel's scheduler does what
//! `event_server`'s `Poll` loop does by hand: it runs whichever thread's
//! socket became ready.
//!
//! ```text
//!  accept thread ──accept()──► hub.connect, then per connection two threads
//!                              (from the ThreadCache: new, or reused):
//!
//!   reader thread                                            writer thread
//!   read() ─► FrameDecoder ─► ClientMsg ─┐                   (parked until woken)
//!                                        ▼                        │
//!                  ┌───── SharedHub: Mutex { Hub, Outbox } ─────┐ │ takes the whole
//!    other readers ─►  one step + apply its outbox, then unlock  │ │ Mailbox at once
//!                  └──────┬──────────────┬──────────────┬────────┘ ▼
//!                   Mailbox a      Mailbox b      Mailbox c ──► writev ──► socket
//!                   (Mutex)        (Mutex)        (Mutex)
//!
//!  signal thread: Signals::wait() ─► hub.shutdown() ─► wait for writers (grace) ─► exit
//! ```
//!
//! - The **reader** reads into a [`FrameDecoder`], decodes every complete
//!   frame *outside* the lock, then takes the [`SharedHub`] lock once for
//!   all of them: each hub step is applied to the recipients' mailboxes
//!   before the lock is released, so every member of a room gets that
//!   room's frames in `seq` order whichever threads produced them.
//! - The **writer** sleeps ([`thread::park`]) until its mailbox has frames,
//!   takes all of them in one swap, and writes them with blocking
//!   `writev`s without holding any lock. A client that does not read
//!   blocks only its own writer; its mailbox fills up to `--max-outbound`
//!   and the next push drops it with `SlowConsumer`, as in every server.
//! - The **batch is cut** when the mailbox is discarded (that drop, or the
//!   shutdown): before each `writev` the writer checks the mailbox's
//!   discard count ([`Batch::cut_if_discarded`], one atomic load) and, if
//!   it moved, keeps only a partly written frame, so that the `Error` comes
//!   next instead of after the rest of the batch. A `writev` blocked on a
//!   full socket would not get to check, so the socket has a send timeout
//!   ([`WRITE_CHECK`]): a blocked `writev` returns that often with what it
//!   wrote so far, and the writer checks and carries on.
//! - Waking a writer uses a [`Waker`] whose `wake` is
//!   [`Thread::unpark`]: the [`Mailbox`] does not care whether it wakes a
//!   thread or a task, which is why `async_server` shares all of this.
//! - Threads come from a [`ThreadCache`]: a thread whose connection ended
//!   waits a few seconds for the next one before it exits, so a server
//!   with many short connections does not spend its time creating and
//!   unmapping stacks (that doubled the connect/`Hello`/`Bye` rate).
//!
//! # Hello timeout, closing, limits
//!
//! - **Hello timeout**: until its `Hello` is accepted, the reader checks the
//!   deadline and sets the socket's read timeout (`SO_RCVTIMEO`) to what is
//!   left of it before each `read`, so a client that sends nothing, or half
//!   a frame, or dribbles, or sends refused `Hello`s without pause (its
//!   reads never time out), is cut at the deadline. After `Welcome` the
//!   timeout is removed: welcomed readers block without a timer.
//! - **Lingering close**: when the hub closes a connection (a fatal error,
//!   `Bye`, `SlowConsumer`), the writer writes what is queued and sends FIN
//!   (`shutdown(Write)`); the reader meanwhile reads and discards input until
//!   the peer closes, or [`LINGER`] of silence after the flush, or
//!   [`CLOSE_WAIT`] in all. Closing a socket with unread input makes the
//!   kernel send RST, which can destroy the `Error` frame before the peer
//!   reads it. A writer still blocked at that point (a peer that stopped
//!   reading) is cut off with `shutdown(Both)`.
//! - **Closed by someone else**: a connection dropped as a slow consumer in
//!   *another* reader's step has its own reader blocked in `read`, which
//!   would never notice a peer that stopped reading and sending. Its
//!   mailbox holds a waker for that case ([`Mailbox::watch`]); for a thread
//!   blocked in `read(2)` the only wake-up is to shut the socket's read
//!   side down (a `ShutdownRead` waker), after which the reader closes as above,
//!   so the connection is gone within [`CLOSE_WAIT`].
//! - **`--max-conns`**: the hub refuses the connection (`ServerFull`).
//! - **Out of descriptors** (`EMFILE`/`ENFILE`): the accept thread sleeps
//!   [`ACCEPT_PAUSE`] and tries again; the other threads never notice.
//!   **Out of threads**: a connection whose threads cannot be created gets
//!   `ServerFull`, written directly, and is closed.
//! - **Shutdown**: the signals are blocked before any thread starts (every
//!   thread inherits the mask), and a dedicated thread (here: `main`) waits
//!   in [`Signals::wait`]. Then the hub sends `ShuttingDown` to everyone, and
//!   `run` waits up to [`SHUTDOWN_GRACE`] for the writers to finish.
//!
//! # Costs
//!
//! - **Two kernel threads and two stacks per connection.** Stacks are
//!   [`STACK_SIZE`] (64 KiB of address space each, of which only the pages
//!   touched become memory), plus a small signal stack std gives every
//!   thread, plus the kernel's own per-thread structures. Measured here:
//!   **30 to 46 KB of resident memory per idle connection** (the reference
//!   tokio server: 13 to 19 KB; `async_server`: 2 to 5 KB).
//! - **The ceiling is address-space bookkeeping, not memory.** Each thread
//!   costs four memory mappings (its stack and its signal stack, each with
//!   a guard page), so eight per connection, and Linux caps a process at
//!   `vm.max_map_count` mappings (65 530 by default). Hitting that cap is
//!   fatal: when std cannot map a new thread's signal stack it aborts the
//!   process. So the server budgets its threads from `vm.max_map_count`
//!   (keeping 2 048 mappings spare) and refuses connections past the budget
//!   with `ServerFull`. Measured on this machine (2 cores, 24 GiB, default
//!   limits) with an ad-hoc loopback client opening connections that say
//!   `Hello` and then idle: **7 935 connections** (15 870 threads, 322 MB
//!   resident); the next one got `ServerFull`, and the others kept being
//!   served. (Without the budget, 8 183 connections, then sometimes an
//!   abort.) Raising `vm.max_map_count` moves the wall to `kernel.pid_max`
//!   (32 768 threads for the whole machine, so about 16 000 connections),
//!   then to the descriptor limit. For comparison, `event_server` and
//!   `async_server` held 10 000 such connections in 7.4 MB and 23 MB.
//! - **Context switches per message.** A `Say` to a room of `n` members
//!   wakes the sender's reader, then up to `n` writer threads, each a
//!   futex wake-up and a switch; under load a writer takes many frames per
//!   wake-up, so the cost per frame falls as the rate rises.
//! - **One lock for every hub step.** Readers on different cores queue up
//!   on it; the work under it is short (no system call), but it makes the
//!   hub a serial section, as in the other servers.
//!
//! # When to choose it
//!
//! When connections are few (hundreds, a few thousand) and code clarity
//! matters more than memory: every connection reads like a sequential
//! program, blocking calls and all, and a debugger or `strace -f` shows
//! each client's life on its own thread. It uses every core without an
//! event loop. Past a few thousand connections, the threads' memory and
//! scheduling cost is what `event_server` and `async_server` avoid.

use std::io::{self, IoSlice, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::task::{Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use sys::net::{TcpListener, TcpStream};
use sys::signal::{Signal, Signals};

use super::config::{listening_line, Config};
use super::event::unix_ms;
use super::mailbox::{Batch, Mailbox, Next, Phase};
use super::outbound::{Outbound, FLUSH_IOVECS, MAX_IOVECS};
use super::shared_hub::{decode_frames, lock, SharedHub, SharedMailbox, Wakeups};
use super::thread_cache::ThreadCache;
use crate::fmt::framed::FrameDecoder;
use crate::hub::{self, ConnId, Frame, SessionState};
use crate::protocol::ErrorCode;

/// Stack size of every connection thread.
pub const STACK_SIZE: usize = 64 * 1024;
/// How long a closing connection waits for the peer after its last frame.
pub const LINGER: Duration = Duration::from_secs(2);
/// The most a closing connection waits for its writer (a peer that stopped
/// reading) before it is cut off.
pub const CLOSE_WAIT: Duration = Duration::from_secs(10);
/// How long the shutdown waits for queues to flush.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1000);
/// How long the accept thread rests when `accept` fails (out of descriptors).
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// The socket's send timeout: how often a writer blocked in `writev` looks
/// whether its batch was cut (see the module docs). Only a writer on a full
/// socket ever wakes for it.
pub const WRITE_CHECK: Duration = Duration::from_millis(50);
/// Bytes a lingering connection may send before it is cut off.
const LINGER_DISCARD_LIMIT: usize = 256 * 1024;

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
    /// Set once SIGINT/SIGTERM arrived.
    stopping: AtomicBool,
    /// Live writer threads, for the shutdown's flush.
    writers: Mutex<usize>,
    writers_done: Condvar,
    /// Where connection threads come from (and return to).
    threads: ThreadCache,
}

/// One connection, shared by its reader and writer threads.
#[derive(Debug)]
struct Conn {
    id: ConnId,
    stream: TcpStream,
    mailbox: SharedMailbox,
}

/// Runs `thread_server` until SIGINT or SIGTERM: binds, prints the
/// `listening on` line, serves, shuts down.
pub fn run(config: Config) -> io::Result<()> {
    // Block the signals before any thread exists: threads inherit the mask,
    // so the signals reach only `Signals::wait` below.
    let mut signals = Signals::new(&[Signal::Interrupt, Signal::Terminate])?;
    if let Err(e) = sys::rlimit::raise_nofile_limit() {
        eprintln!("thread_server: cannot raise the open-file limit: {e}");
    }
    let listener = TcpListener::bind(config.addr)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.addr)))?;
    listener.set_nonblocking(false)?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", listening_line(listener.local_addr()?))?;
    stdout.flush()?;
    drop(stdout);

    let hub = SharedHub::new(
        hub::Config {
            max_conns: config.max_conns,
            ..hub::Config::new(concat!("thread_server ", env!("CARGO_PKG_VERSION")))
        },
        config.max_outbound,
    );
    let shared = Arc::new(Shared {
        config,
        hub,
        stopping: AtomicBool::new(false),
        writers: Mutex::new(0),
        writers_done: Condvar::new(),
        threads: ThreadCache::new(STACK_SIZE, thread_budget()),
    });
    {
        let shared = shared.clone();
        thread::Builder::new()
            .name("accept".into())
            .stack_size(STACK_SIZE)
            .spawn(move || accept_loop(&shared, listener))?;
    }
    signals.wait()?;
    shutdown(&shared);
    Ok(())
}

/// The signal arrived: `ShuttingDown` to everyone, then wait (at most
/// [`SHUTDOWN_GRACE`]) for the writers to flush it.
fn shutdown(shared: &Shared) {
    shared.stopping.store(true, Ordering::SeqCst);
    shared.hub.shutdown(&mut Wakeups::new());
    let writers = lock(&shared.writers);
    let _ = shared
        .writers_done
        .wait_timeout_while(writers, SHUTDOWN_GRACE, |n| *n > 0);
}

// ----- accepting --------------------------------------------------------

/// Accepts forever; each connection gets a writer and a reader thread.
fn accept_loop(shared: &Arc<Shared>, listener: TcpListener) {
    loop {
        match listener.accept() {
            Ok((stream, _peer)) => admit(shared, stream),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            // EMFILE/ENFILE (out of descriptors), ENOBUFS, ENOMEM: the
            // connection waits in the backlog; rest instead of spinning.
            Err(_) => thread::sleep(ACCEPT_PAUSE),
        }
    }
}

/// Hands a new connection to the hub (here, so that connections are
/// counted in the order they were accepted), then starts its two threads.
fn admit(shared: &Arc<Shared>, stream: TcpStream) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_CHECK));
    let mailbox = Arc::new(Mutex::new(Mailbox::new()));
    let (id, welcome) = shared.hub.connect(mailbox.clone(), &mut Wakeups::new());
    let hello_deadline = welcome.then(|| Instant::now() + shared.config.hello_timeout);
    let conn = Arc::new(Conn {
        id,
        stream,
        mailbox,
    });
    let count = WriterCount::new(shared.clone());
    let writer = {
        let conn = conn.clone();
        shared.threads.spawn(move || write_loop(&conn, count))
    };
    let reader = writer.and_then(|()| {
        let (shared2, conn) = (shared.clone(), conn.clone());
        shared
            .threads
            .spawn(move || read_loop(&shared2, &conn, hello_deadline))
    });
    if reader.is_err() {
        // Out of threads (or memory for their stacks): forget it, stop the
        // writer if it started, and refuse it ourselves.
        shared.hub.disconnect(conn.id, &mut Wakeups::new());
        let writer = lock(&conn.mailbox).kill();
        writer.into_iter().for_each(Waker::wake);
        refuse(&conn);
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
/// `hello_deadline` is `None` if the hub refused the connection.
fn read_loop(shared: &Shared, conn: &Arc<Conn>, mut hello_deadline: Option<Instant>) {
    let mut wake = Wakeups::new();
    let id = conn.id;
    if hello_deadline.is_none() {
        // Refused (ServerFull, ShuttingDown): the writer sends it; close.
        return close(shared, conn);
    }
    // If another reader's step closes this connection (it overflowed), the
    // read below must end: see `ShutdownRead`.
    let watcher = Waker::from(Arc::new(ShutdownRead(Arc::downgrade(conn))));
    if !lock(&conn.mailbox).watch(&watcher) {
        return close(shared, conn);
    }
    let mut decoder = FrameDecoder::new(shared.config.max_frame);
    let mut inputs = Vec::new();
    loop {
        if let Some(deadline) = hello_deadline {
            // Until welcomed, the deadline is checked before every read (a
            // client sending refused Hellos without pause never lets a read
            // time out), and no read may outlast it.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() && shared.hub.hello_timeout(id, &mut wake).is_none() {
                return close(shared, conn);
            }
            let _ = conn
                .stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))));
        }
        match decoder.read_from(&mut &conn.stream) {
            Ok(0) if closed_elsewhere(conn) => return close(shared, conn),
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
        match shared.hub.step(id, &mut inputs, unix_ms(), &mut wake) {
            None => return close(shared, conn),
            Some(SessionState::Welcomed) => {
                if hello_deadline.take().is_some() {
                    let _ = conn.stream.set_read_timeout(None);
                }
            }
            Some(SessionState::Connected) => {}
        }
    }
}

/// Whether the hub closed this connection in another connection's step
/// (the reader was woken by [`ShutdownRead`]).
fn closed_elsewhere(conn: &Conn) -> bool {
    matches!(lock(&conn.mailbox).phase(), Phase::Closing | Phase::Flushed)
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

// ----- writing ----------------------------------------------------------

/// A connection's writer: sleeps until its mailbox has frames, writes them
/// all in one go, until the connection closes.
fn write_loop(conn: &Conn, _count: WriterCount) {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut batch = lock(&conn.mailbox).batch();
    loop {
        match next_batch(conn, &mut batch, &waker) {
            Next::Write => {
                if write_batch(&conn.stream, &mut batch).is_err() {
                    // The peer is gone. Wake the reader out of its read so
                    // it tells the hub.
                    batch.clear();
                    let _ = conn.stream.shutdown(Shutdown::Both);
                    let reader = lock(&conn.mailbox).broken();
                    return reader.into_iter().flatten().for_each(Waker::wake);
                }
            }
            Next::Finish => {
                let _ = conn.stream.shutdown(Shutdown::Write);
                let reader = lock(&conn.mailbox).flushed();
                return reader.into_iter().for_each(Waker::wake);
            }
            Next::Wait | Next::Stop => return,
        }
    }
}

/// Waits until the mailbox has something for the writer: parks the thread
/// until a pusher wakes it.
fn next_batch(conn: &Conn, batch: &mut Batch, waker: &Waker) -> Next {
    loop {
        // (The guard must be gone before parking: bind the result first.)
        let next = lock(&conn.mailbox).next_batch(batch, waker);
        match next {
            Next::Wait => thread::park(),
            next => return next,
        }
    }
}

/// Writes the whole batch, or what is left of it once cut: blocking
/// `writev`s, as many as the socket needs.
fn write_batch(stream: &TcpStream, batch: &mut Batch) -> io::Result<()> {
    while !batch.is_empty() {
        write_once(stream, batch)?;
    }
    Ok(())
}

/// Cuts the batch if the mailbox was discarded since it was taken, then
/// makes one blocking `writev` of its first frames (if any are left).
fn write_once(stream: &TcpStream, batch: &mut Batch) -> io::Result<()> {
    batch.cut_if_discarded();
    if batch.is_empty() {
        return Ok(());
    }
    match writev(stream, batch.frames()) {
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

/// One `writev` of the first frames of `frames`: a small iovec array for a
/// short queue (filling 1 024 empty entries would cost more than a few
/// frames), as many as one call takes for a writer that fell behind.
fn writev(stream: &TcpStream, frames: &Outbound) -> io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let n = frames.io_slices(&mut slices);
    if n < MAX_IOVECS {
        return (&*stream).write_vectored(&slices[..n]);
    }
    let mut slices = [IoSlice::new(&[]); FLUSH_IOVECS];
    let n = frames.io_slices(&mut slices);
    (&*stream).write_vectored(&slices[..n])
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

/// Counts a live writer thread (for the shutdown's flush) until dropped.
struct WriterCount(Arc<Shared>);

impl WriterCount {
    fn new(shared: Arc<Shared>) -> WriterCount {
        *lock(&shared.writers) += 1;
        WriterCount(shared)
    }
}

impl Drop for WriterCount {
    fn drop(&mut self) {
        let mut n = lock(&self.0.writers);
        *n -= 1;
        if *n == 0 {
            self.0.writers_done.notify_all();
        }
    }
}

// ----- closing ----------------------------------------------------------

/// The peer went away (EOF, reset, read error): tell the hub, stop the
/// writer.
fn disconnect(shared: &Shared, conn: &Conn) {
    shared.hub.disconnect(conn.id, &mut Wakeups::new());
    // A writer blocked in `writev` on a peer that no longer reads.
    let _ = conn.stream.shutdown(Shutdown::Both);
}

/// The hub closed the connection: while the writer sends the last frames,
/// read and discard until the peer closes (see the module docs), then make
/// sure the writer is done.
fn close(shared: &Shared, conn: &Conn) {
    let give_up = Instant::now() + CLOSE_WAIT;
    if !shared.stopping.load(Ordering::SeqCst) {
        linger(conn, give_up);
    }
    // The peer closed or went quiet: give the writer what is left of
    // CLOSE_WAIT to finish, then cut it off.
    if !wait_flushed(conn, give_up) {
        let _ = conn.stream.shutdown(Shutdown::Both);
        let writer = lock(&conn.mailbox).kill();
        writer.into_iter().for_each(Waker::wake);
    }
}

/// Reads and throws away input until EOF, [`LINGER`] of silence once the
/// writer is done, [`LINGER_DISCARD_LIMIT`] bytes, or `give_up`.
fn linger(conn: &Conn, give_up: Instant) {
    let mut scratch = vec![0u8; 4096];
    let mut discarded = 0;
    loop {
        // Checked before every read, not only after a silence: a peer that
        // keeps sending a byte now and then must not hold the connection
        // (and this thread) past `give_up`.
        let left = give_up.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        let wait = left.min(LINGER).max(Duration::from_millis(1));
        let _ = conn.stream.set_read_timeout(Some(wait));
        match io::Read::read(&mut &conn.stream, &mut scratch) {
            Ok(0) => return,
            Ok(n) => {
                discarded += n;
                if discarded > LINGER_DISCARD_LIMIT {
                    return;
                }
            }
            // Silence: done if the writer is, else keep waiting for it (a
            // peer reading slowly), up to `give_up`.
            Err(e) if is_timeout(&e) => {
                if lock(&conn.mailbox).writer_done() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
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
    fn a_blocked_writer_cuts_its_batch_when_the_mailbox_is_discarded() {
        use crate::server::mailbox::testing::{assert_cut_before_the_error, flooded};

        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let mut peer = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        stream.set_nonblocking(false).unwrap();
        stream.set_write_timeout(Some(WRITE_CHECK)).unwrap();
        let conn = Arc::new(Conn {
            id: ConnId(1),
            stream,
            mailbox: Arc::new(Mutex::new(Mailbox::new())),
        });
        let mut batch = flooded(&conn.mailbox);
        let writer = {
            let conn = conn.clone();
            thread::spawn(move || {
                let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
                write_batch(&conn.stream, &mut batch).unwrap();
                assert_eq!(next_batch(&conn, &mut batch, &waker), Next::Write);
                write_batch(&conn.stream, &mut batch).unwrap();
                conn.stream.shutdown(Shutdown::Write).unwrap();
            })
        };
        // The writer holds the whole batch, blocked in `writev` (or about
        // to be); the hub drops the connection.
        lock(&conn.mailbox).drop_slow(Frame::error(ErrorCode::SlowConsumer));
        assert_cut_before_the_error(&mut peer);
        writer.join().unwrap();
    }

    #[test]
    fn a_peer_that_keeps_dribbling_is_let_go_at_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let mut peer = TcpStream::connect_blocking(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        stream.set_nonblocking(false).unwrap();
        let conn = Conn {
            id: ConnId(1),
            stream,
            mailbox: Arc::new(Mutex::new(Mailbox::new())),
        };
        // A byte every 10 ms for up to 10 s: never a silence of LINGER.
        let lingering = Arc::new(AtomicBool::new(true));
        let dribbler = {
            let lingering = lingering.clone();
            thread::spawn(move || {
                let start = Instant::now();
                while lingering.load(Ordering::SeqCst) && start.elapsed() < CLOSE_WAIT {
                    if peer.write_all(b"x").is_err() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                // Whether the linger ended while the peer was still sending.
                !lingering.load(Ordering::SeqCst)
            })
        };
        linger(&conn, Instant::now() + Duration::from_millis(200));
        lingering.store(false, Ordering::SeqCst);
        assert!(
            dribbler.join().unwrap(),
            "linger outlasted its deadline by seconds"
        );
    }
}
