//! An edge-triggered echo server on `sys::Poll`: every byte a client sends
//! comes back to it.
//!
//! ```text
//! cargo run -p sys --example echo -- --addr 127.0.0.1:7000
//! SYS_TRACE=1 cargo run -p sys --example echo     # watch every syscall
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

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;

use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Poll, Registry, Token};

/// The listener's token; connections count up from 1.
const LISTENER: Token = Token(0);

/// A token the server treats as "stop": give a [`sys::Waker`] this token
/// to end [`serve`] from another thread (the tests do).
pub const STOP: Token = Token(usize::MAX);

/// Stop reading from a client once this much of its echo is unsent.
const MAX_PENDING: usize = 256 * 1024;

fn main() {
    let addr = match parse_args(std::env::args().skip(1)) {
        Ok(addr) => addr,
        Err(msg) => {
            eprintln!("echo: {msg}\nusage: echo [--addr HOST:PORT]   (default 127.0.0.1:0)");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(addr) {
        eprintln!("echo: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<SocketAddr, String> {
    let mut addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                let value = args.next().ok_or("--addr needs a value")?;
                addr = value
                    .parse()
                    .map_err(|e| format!("bad --addr {value:?}: {e}"))?;
            }
            "--help" | "-h" => {
                println!("usage: echo [--addr HOST:PORT]   (default 127.0.0.1:0)");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(addr)
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
    let mut connections: HashMap<Token, Connection> = HashMap::new();
    let mut next_token = 1;
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0; 64 * 1024];

    loop {
        poll.poll(&mut events, None)?;
        for event in events.iter() {
            match event.token() {
                STOP => return Ok(()),
                LISTENER => loop {
                    // Edge-triggered: accept until the queue is empty.
                    let (stream, _peer) = match listener.accept() {
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
                    let token = Token(next_token);
                    next_token += 1;
                    let mut conn = Connection::new(stream);
                    poll.registry()
                        .register(&mut conn.stream, token, conn.interest)?;
                    connections.insert(token, conn);
                },
                token => {
                    let Some(conn) = connections.get_mut(&token) else {
                        continue;
                    };
                    match conn.on_ready(poll.registry(), token, &mut buf) {
                        Ok(true) => {}
                        // Finished or failed: deregister and close.
                        Ok(false) | Err(_) => {
                            if let Some(mut conn) = connections.remove(&token) {
                                let _ = poll.registry().deregister(&mut conn.stream);
                            }
                        }
                    }
                }
            }
        }
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
                match self.stream.write(&self.pending) {
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
            match self.stream.read(buf) {
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
            registry.reregister(&mut self.stream, token, wanted)?;
            self.interest = wanted;
        }
        Ok(true)
    }
}
