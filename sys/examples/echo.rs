//! An edge-triggered echo server on `sys::Poll`: every byte a client sends
//! comes back to it.
//!
//! ```text
//! cargo run -p sys --example echo -- --addr 127.0.0.1:7000
//! SYS_TRACE=1 cargo run -p sys --example echo     # watch every syscall
//! cargo run -p sys --example echo -- --self-test    # count them
//! ```
//!
//! The pattern, end to end:
//!
//! * one `Poll`, the listener under token 0, each connection under its own
//!   token, all **edge-triggered**;
//! * on a listener event, `accept` until `WouldBlock`;
//! * on a connection event, alternate "write what is pending" and "read
//!   more" until `read` says `WouldBlock` (drained) or the unsent buffer is
//!   full and the socket will not take more (back-pressure: stop reading
//!   until it drains);
//! * ask for `WRITABLE` only while unsent data is waiting, so an idle
//!   connection produces no events at all.
//!
//! ## System calls per echoed message
//!
//! `--self-test` connects a client to the server in the same thread and
//! the same `Poll`, sends 1,000 short messages one at a time, waits for
//! each echo, and prints the system calls of that loop, counted by the
//! example itself around each call (both sides, client and server):
//!
//! ```text
//! echo self-test: 1000 messages echoed
//! call          count  per message
//! epoll_wait     2001         2.00
//! read           4000         4.00
//! sendto         2000         2.00
//! accept4           2         0.00
//! epoll_ctl         3         0.00
//! total          8006         8.01
//! ```
//!
//! Eight calls for one message: the client's `sendto`, a wait that
//! reports the server side readable, the server's `read` of the message
//! and its `read` to `WouldBlock` (edge-triggered: drain before waiting),
//! its `sendto` of the echo, a wait that reports the client readable,
//! and the client's two `read`s. Most of these calls move no data: they
//! ask or confirm. (`strace -c -f` on the example's binary counts the same
//! calls, plus the few dozen of process start-up.) The `uring_echo` example does the same work with
//! `io_uring_enter` alone; compare its table. (On kqueue systems the wait
//! and the registrations are both `kevent`.)

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Poll, Registry, Token};

/// The listener's token; connections count up from 1.
const LISTENER: Token = Token(0);

/// A token the server treats as "stop": give a [`sys::Waker`] this token
/// to end [`serve`] from another thread (the tests do).
pub const STOP: Token = Token(usize::MAX);

/// Stop reading from a client once this much of its echo is unsent.
const MAX_PENDING: usize = 256 * 1024;

/// The token of the self-test's client socket.
const CLIENT: Token = Token(usize::MAX - 1);

/// The calls counted, in the order of the self-test's table (Linux names).
#[derive(Clone, Copy)]
enum Call {
    Wait,
    Read,
    Write,
    Accept,
    Ctl,
}

/// The names of [`Call`]s, indexed by discriminant.
const CALL_NAMES: [&str; 5] = ["epoll_wait", "read", "sendto", "accept4", "epoll_ctl"];

/// One counter per [`Call`]: the example counts its own system calls.
static COUNTS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

/// Counts one call of `call` and passes its result through.
fn count<T>(call: Call, result: T) -> T {
    COUNTS[call as usize].fetch_add(1, Ordering::Relaxed);
    result
}

const USAGE: &str = "usage: echo [--addr HOST:PORT] [--self-test]   (default 127.0.0.1:0)";

fn main() {
    let (addr, self_test_mode) = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("echo: {msg}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let result = if self_test_mode {
        self_test(1000).map(|table| print!("{table}"))
    } else {
        run(addr)
    };
    if let Err(e) = result {
        eprintln!("echo: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(SocketAddr, bool), String> {
    let mut addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut self_test = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                let value = args.next().ok_or("--addr needs a value")?;
                addr = value
                    .parse()
                    .map_err(|e| format!("bad --addr {value:?}: {e}"))?;
            }
            "--self-test" => self_test = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((addr, self_test))
}

/// Echoes `messages` messages from a client to the server in this thread,
/// one at a time, and returns the table of system calls the loop made.
pub fn self_test(messages: usize) -> io::Result<String> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    let mut client = TcpStream::connect_blocking(listener.local_addr()?)?;
    client.set_nonblocking(true)?;
    for counter in &COUNTS {
        counter.store(0, Ordering::Relaxed);
    }
    let registry = poll.registry();
    count(
        Call::Ctl,
        registry.register(&mut listener, LISTENER, Interest::READABLE),
    )?;
    count(
        Call::Ctl,
        registry.register(&mut client, CLIENT, Interest::READABLE),
    )?;
    let mut server = Server::new();
    let mut events = Events::with_capacity(16);
    let mut buf = vec![0; 64 * 1024];
    for i in 0..messages {
        let message = format!("message {i:04} of the self-test\n").into_bytes();
        // One short write into an empty socket buffer is taken whole.
        let sent = count(Call::Write, client.write(&message))?;
        if sent != message.len() {
            return Err(io::Error::other("short write of a 30-byte message"));
        }
        let mut echoed = Vec::new();
        while echoed.len() < message.len() {
            count(Call::Wait, poll.poll(&mut events, None))?;
            for event in events.iter() {
                if event.token() != CLIENT {
                    server.on_event(&poll, &mut listener, event.token(), &mut buf)?;
                    continue;
                }
                // Edge-triggered: read the client side until WouldBlock.
                loop {
                    match count(Call::Read, client.read(&mut buf)) {
                        Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                        Ok(n) => echoed.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        if echoed != message {
            return Err(io::Error::other(format!("message {i}: echo differs")));
        }
    }
    let mut table = format!("echo self-test: {messages} messages echoed\n");
    table += &format!("{:<12} {:>6}  {:>11}\n", "call", "count", "per message");
    let mut total = 0;
    for (name, counter) in CALL_NAMES.iter().zip(&COUNTS) {
        let n = counter.load(Ordering::Relaxed);
        total += n;
        table += &format!("{name:<12} {n:>6}  {:>11.2}\n", n as f64 / messages as f64);
    }
    table += &format!(
        "{:<12} {total:>6}  {:>11.2}\n",
        "total",
        total as f64 / messages as f64
    );
    Ok(table)
}

fn run(addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    serve(Poll::new()?, listener)
}

/// Serves echo clients on `listener` until an event with [`STOP`] arrives.
pub fn serve(mut poll: Poll, mut listener: TcpListener) -> io::Result<()> {
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut server = Server::new();
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0; 64 * 1024];

    loop {
        count(Call::Wait, poll.poll(&mut events, None))?;
        for event in events.iter() {
            if event.token() == STOP {
                return Ok(());
            }
            server.on_event(&poll, &mut listener, event.token(), &mut buf)?;
        }
    }
}

/// The server side: the connections, by token.
struct Server {
    connections: HashMap<Token, Connection>,
    next_token: usize,
}

impl Server {
    fn new() -> Server {
        Server {
            connections: HashMap::new(),
            next_token: 1,
        }
    }

    /// Handles one event for the listener or a connection.
    fn on_event(
        &mut self,
        poll: &Poll,
        listener: &mut TcpListener,
        token: Token,
        buf: &mut [u8],
    ) -> io::Result<()> {
        if token == LISTENER {
            loop {
                // Edge-triggered: accept until the queue is empty.
                let (stream, _peer) = match count(Call::Accept, listener.accept()) {
                    Ok(pair) => pair,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    // Out of descriptors, or an aborted handshake: skip
                    // it; the next connection gets a new event.
                    Err(e) => {
                        eprintln!("echo: accept: {e}");
                        break;
                    }
                };
                let token = Token(self.next_token);
                self.next_token += 1;
                let mut conn = Connection::new(stream);
                count(
                    Call::Ctl,
                    poll.registry()
                        .register(&mut conn.stream, token, conn.interest),
                )?;
                self.connections.insert(token, conn);
            }
            return Ok(());
        }
        let Some(conn) = self.connections.get_mut(&token) else {
            return Ok(());
        };
        match conn.on_ready(poll.registry(), token, buf) {
            Ok(true) => {}
            // Finished or failed: deregister and close.
            Ok(false) | Err(_) => {
                if let Some(mut conn) = self.connections.remove(&token) {
                    let _ = count(Call::Ctl, poll.registry().deregister(&mut conn.stream));
                }
            }
        }
        Ok(())
    }
}

/// One client: its socket, the bytes read but not yet echoed, and what we
/// are registered for.
struct Connection {
    stream: TcpStream,
    pending: Vec<u8>,
    interest: Interest,
    read_closed: bool,
}

impl Connection {
    fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            pending: Vec::new(),
            interest: Interest::READABLE,
            read_closed: false,
        }
    }

    /// Moves bytes until the socket would block. `Ok(false)` when the
    /// client is done (end of stream and everything echoed).
    fn on_ready(&mut self, registry: &Registry, token: Token, buf: &mut [u8]) -> io::Result<bool> {
        loop {
            // 1. Echo what is waiting.
            while !self.pending.is_empty() {
                match count(Call::Write, self.stream.write(&self.pending)) {
                    Ok(n) => {
                        self.pending.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            // 2. Read more, unless the client is finished or too far ahead
            //    of us (then the writable event brings us back here).
            if self.read_closed || self.pending.len() >= MAX_PENDING {
                break;
            }
            match count(Call::Read, self.stream.read(buf)) {
                Ok(0) => self.read_closed = true,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                // Drained: edge-triggered, so only now may we wait again.
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.read_closed && self.pending.is_empty() {
            return Ok(false);
        }
        // 3. WRITABLE only while something is unsent.
        let wanted = if self.pending.is_empty() {
            Interest::READABLE
        } else {
            Interest::READABLE | Interest::WRITABLE
        };
        if wanted != self.interest {
            count(
                Call::Ctl,
                registry.reregister(&mut self.stream, token, wanted),
            )?;
            self.interest = wanted;
        }
        Ok(true)
    }
}
