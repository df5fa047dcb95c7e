//! Stepping stone 3 of 3: the `run_queue` executor plus a reactor, a
//! `sys::Poll` that turns readiness and timers into wake-ups.
//!
//! When the run queue is empty, every live task is waiting for something
//! outside: a socket to become ready, or a deadline. The reactor records
//! *who* waits for *what* (a waker per socket and direction, a waker per
//! timer), and the executor's loop becomes:
//!
//! ```text
//!   loop {
//!       run the queue until it is empty            (run_queue.rs)
//!       no live task left?  done
//!       timeout = nearest timer deadline - now     (none: wait for I/O only)
//!       Poll::poll(events, timeout)                (the thread sleeps in the kernel)
//!       for each event: wake the reader and/or the writer of its token
//!       for each timer due: wake its task          (wakers push tasks: the queue fills)
//!   }
//! ```
//!
//! An I/O future tries the system call first and waits only on
//! `WouldBlock`: it stores its waker under the socket's token and returns
//! `Pending`. Sockets are registered once, edge-triggered, for both
//! directions. An edge that arrives while nobody waits is dropped without
//! harm, because a task always tries the call again before it waits.
//! That holds here because one thread both runs the tasks and turns the
//! reactor; with several workers it needs the readiness tick of the
//! `readiness` chapter of `exec::guide`.
//!
//! A server task and a client task exchange one message over loopback,
//! then the client sleeps on the timer heap:
//!
//! ```text
//! $ cargo run -p exec --example reactor
//! server: echoed "ping"
//! client: got "ping" back
//! client: slept 10 ms on the timer heap
//! all tasks done
//! ```
//!
//! In the real runtime (`exec::guide`): `reactor_turn` is this loop's
//! second half, run by whichever idle worker holds the reactor (`parking`);
//! `readiness` replaces the waker slots with per-direction readiness and
//! waiter lists safe across threads; `timer_heap` is the `BinaryHeap`
//! below with cancellation on drop.

#[allow(dead_code)] // `run_queue`'s own `main` and demo
#[path = "run_queue.rs"]
pub mod run_queue;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::{poll_fn, Future};
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use run_queue::{Executor, Log};
use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Registry, Token};

/// Who waits for what: shared by the reactor and every future.
#[derive(Default)]
struct Waiters {
    /// Per token: the task waiting to read, the task waiting to write.
    io: HashMap<Token, [Option<Waker>; 2]>,
    /// Deadlines, earliest first, each with its timer id.
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    /// The waker of each pending timer.
    timers: HashMap<u64, Waker>,
    next_token: usize,
    next_timer: u64,
}

/// A cloneable handle on the reactor, for the futures.
#[derive(Clone)]
pub struct Handle {
    registry: Arc<Registry>,
    waiters: Arc<Mutex<Waiters>>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

const READ: usize = 0;
const WRITE: usize = 1;

impl Handle {
    /// Registers `source` (edge-triggered, both directions) under a new
    /// token.
    fn register(&self, source: &mut impl sys::Source) -> io::Result<Token> {
        let token = {
            let mut waiters = self.waiters.lock().unwrap();
            waiters.next_token += 1;
            Token(waiters.next_token)
        };
        self.registry
            .register(source, token, Interest::READABLE | Interest::WRITABLE)?;
        Ok(token)
    }

    /// Runs `op` until it does not say `WouldBlock`; on `WouldBlock`,
    /// stores the task's waker for `dir` of `token` and returns `Pending`.
    fn poll_io<T>(
        &self,
        cx: &mut Context<'_>,
        token: Token,
        dir: usize,
        mut op: impl FnMut() -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        loop {
            match op() {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    let mut waiters = self.waiters.lock().unwrap();
                    waiters.io.entry(token).or_default()[dir] = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => return Poll::Ready(other),
            }
        }
    }

    /// A future that completes at `deadline`.
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep {
            handle: self.clone(),
            deadline,
            id: None,
        }
    }
}

/// A timer: `Pending` until its deadline, with its waker in the heap.
#[derive(Debug)]
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    id: Option<u64>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let handle = self.handle.clone();
        let mut waiters = handle.waiters.lock().unwrap();
        let id = match self.id {
            Some(id) => id,
            None => {
                let id = waiters.next_timer;
                waiters.next_timer += 1;
                waiters.deadlines.push(Reverse((self.deadline, id)));
                self.id = Some(id);
                id
            }
        };
        // The latest waker: a spurious poll may come with a new one.
        waiters.timers.insert(id, cx.waker().clone());
        Poll::Pending
    }
}

/// The reactor proper: the `Poll` and its events buffer, owned by the
/// executor's thread.
pub struct Reactor {
    poll: sys::Poll,
    events: Events,
    handle: Handle,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor").field("poll", &self.poll).finish()
    }
}

impl Reactor {
    /// A new `Poll` and an empty set of waiters.
    pub fn new() -> io::Result<Reactor> {
        let poll = sys::Poll::new()?;
        let handle = Handle {
            registry: Arc::new(poll.registry().try_clone()?),
            waiters: Arc::default(),
        };
        Ok(Reactor {
            poll,
            events: Events::with_capacity(64),
            handle,
        })
    }

    /// The handle the futures use.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// One turn: sleep until an event or the nearest deadline, then wake
    /// whoever waits for what happened.
    pub fn turn(&mut self) -> io::Result<()> {
        let timeout = {
            let waiters = self.handle.waiters.lock().unwrap();
            waiters
                .deadlines
                .peek()
                .map(|Reverse((at, _))| at.saturating_duration_since(Instant::now()))
        };
        self.poll.poll(&mut self.events, timeout)?;
        let mut woken = Vec::new();
        let mut waiters = self.handle.waiters.lock().unwrap();
        for event in self.events.iter() {
            let Some(slots) = waiters.io.get_mut(&event.token()) else {
                continue;
            };
            // Closed and failed sockets wake both sides: their next call
            // reports it.
            let failed = event.is_error() || event.is_read_closed();
            if event.is_readable() || failed {
                woken.extend(slots[READ].take());
            }
            if event.is_writable() || failed {
                woken.extend(slots[WRITE].take());
            }
        }
        let now = Instant::now();
        while let Some(Reverse((at, id))) = waiters.deadlines.peek().copied() {
            if at > now {
                break;
            }
            waiters.deadlines.pop();
            woken.extend(waiters.timers.remove(&id));
        }
        drop(waiters);
        // Waking pushes tasks onto the run queue; outside the lock, since
        // a waker may run arbitrary code.
        woken.into_iter().for_each(Waker::wake);
        Ok(())
    }
}

/// Runs the executor and the reactor until every task has finished.
pub fn run(executor: &Executor, reactor: &mut Reactor) -> io::Result<()> {
    loop {
        executor.run();
        if executor.live() == 0 {
            return Ok(());
        }
        reactor.turn()?;
    }
}

/// A non-blocking TCP stream whose reads and writes wait in the reactor.
#[derive(Debug)]
pub struct AsyncStream {
    stream: TcpStream,
    token: Token,
    handle: Handle,
}

impl AsyncStream {
    /// Connects to `addr`: waits for writability, then asks `SO_ERROR`.
    pub async fn connect(handle: &Handle, addr: SocketAddr) -> io::Result<AsyncStream> {
        let mut stream = TcpStream::connect(addr)?;
        let token = handle.register(&mut stream)?;
        let connected = AsyncStream {
            stream,
            token,
            handle: handle.clone(),
        };
        poll_fn(|cx| {
            handle.poll_io(cx, token, WRITE, || match connected.stream.peer_addr() {
                Ok(_) => Ok(()),
                // Not connected yet: wait for writability.
                Err(e) if e.kind() == ErrorKind::NotConnected => {
                    match connected.stream.take_error()? {
                        Some(e) => Err(e),
                        None => Err(ErrorKind::WouldBlock.into()),
                    }
                }
                Err(e) => Err(e),
            })
        })
        .await?;
        Ok(connected)
    }

    /// Reads some bytes, waiting for readability if none are there.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (handle, token, stream) = (&self.handle, self.token, &mut self.stream);
        poll_fn(|cx| handle.poll_io(cx, token, READ, || stream.read(buf))).await
    }

    /// Writes all of `buf`, waiting for writability when the socket is full.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        let (handle, token, stream) = (&self.handle, self.token, &mut self.stream);
        while !buf.is_empty() {
            let n = poll_fn(|cx| handle.poll_io(cx, token, WRITE, || stream.write(buf))).await?;
            buf = &buf[n..];
        }
        Ok(())
    }
}

/// A listener whose `accept` waits in the reactor.
#[derive(Debug)]
pub struct AsyncListener {
    listener: TcpListener,
    token: Token,
    handle: Handle,
}

impl AsyncListener {
    /// Binds and registers a listener.
    pub fn bind(handle: &Handle, addr: SocketAddr) -> io::Result<AsyncListener> {
        let mut listener = TcpListener::bind(addr)?;
        let token = handle.register(&mut listener)?;
        Ok(AsyncListener {
            listener,
            token,
            handle: handle.clone(),
        })
    }

    /// Accepts one connection, waiting for readability if none is queued.
    pub async fn accept(&self) -> io::Result<AsyncStream> {
        let (mut stream, _) = poll_fn(|cx| {
            self.handle
                .poll_io(cx, self.token, READ, || self.listener.accept())
        })
        .await?;
        let token = self.handle.register(&mut stream)?;
        Ok(AsyncStream {
            stream,
            token,
            handle: self.handle.clone(),
        })
    }
}

/// The example's run: the lines it prints.
pub fn demo() -> io::Result<Vec<String>> {
    let executor = Executor::default();
    let mut reactor = Reactor::new()?;
    let handle = reactor.handle();
    let log = Log::default();

    let listener = AsyncListener::bind(&handle, "127.0.0.1:0".parse().unwrap())?;
    let addr = listener.listener.local_addr()?;
    let server_log = log.clone();
    executor.spawn(async move {
        let result: io::Result<()> = async {
            let mut conn = listener.accept().await?;
            let mut buf = [0; 64];
            let n = conn.read(&mut buf).await?;
            conn.write_all(&buf[..n]).await?;
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            server_log.push(format!("server: echoed {text:?}"));
            Ok(())
        }
        .await;
        if let Err(e) = result {
            server_log.push(format!("server: {e}"));
        }
    });

    let client_log = log.clone();
    let client_handle = handle.clone();
    executor.spawn(async move {
        let result: io::Result<()> = async {
            let mut conn = AsyncStream::connect(&client_handle, addr).await?;
            conn.write_all(b"ping").await?;
            let mut buf = [0; 64];
            let mut got = Vec::new();
            while got.len() < 4 {
                let n = conn.read(&mut buf).await?;
                if n == 0 {
                    return Err(ErrorKind::UnexpectedEof.into());
                }
                got.extend_from_slice(&buf[..n]);
            }
            let text = String::from_utf8_lossy(&got).into_owned();
            client_log.push(format!("client: got {text:?} back"));
            let start = Instant::now();
            let period = Duration::from_millis(10);
            client_handle.sleep_until(start + period).await;
            // A timer never fires early (it may fire late).
            if start.elapsed() >= period {
                client_log.push("client: slept 10 ms on the timer heap");
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            client_log.push(format!("client: {e}"));
        }
    });

    run(&executor, &mut reactor)?;
    log.push("all tasks done");
    Ok(log.lines())
}

fn main() {
    match demo() {
        Ok(lines) => lines.iter().for_each(|line| println!("{line}")),
        Err(e) => {
            eprintln!("reactor: {e}");
            std::process::exit(1);
        }
    }
}
