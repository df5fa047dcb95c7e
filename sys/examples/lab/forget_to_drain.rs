//! The core of `examples/forget_to_drain.rs`, shared with `tests/lab.rs`.
//!
//! Two edge-triggered readers get the same bytes: one message, then later
//! a second. The naive reader does one `read` per event; the draining
//! reader reads until `WouldBlock`. Each logs what every poll brought.

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::time::Duration;

use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Poll, Token};

/// How long a poll waits before it counts as "nothing".
pub const QUIET: Duration = Duration::from_millis(100);

/// The reader's buffer: smaller than a message, as a real buffer is
/// smaller than a burst.
pub const BUF: usize = 4;

/// What the peer sends: a first message, then, after the readers have
/// polled twice, a second one.
pub const FIRST: &[u8] = b"hello world\n";
/// The second message.
pub const SECOND: &[u8] = b"bye\n";

/// One reader's run.
#[derive(Debug)]
pub struct Lane {
    /// `true`: read until `WouldBlock`; `false`: one read per event.
    pub drains: bool,
    /// One line per poll: what it reported and what the reader then read.
    pub log: Vec<String>,
    /// Everything the reader received.
    pub received: Vec<u8>,
    /// Bytes sent but never read when the run ended.
    pub left: usize,
}

/// Both readers.
#[derive(Debug)]
pub struct Report {
    /// One read per event.
    pub naive: Lane,
    /// Read until `WouldBlock`.
    pub draining: Lane,
}

/// Runs both readers.
pub fn run() -> io::Result<Report> {
    Ok(Report {
        naive: lane(false)?,
        draining: lane(true)?,
    })
}

const TOKEN: Token = Token(1);

fn lane(drains: bool) -> io::Result<Lane> {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    let mut peer = TcpStream::connect_blocking(listener.local_addr()?)?;
    listener.set_nonblocking(false)?;
    let (mut ours, _) = listener.accept()?;
    ours.set_nonblocking(true)?;
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(4);
    // `register` is edge-triggered.
    poll.registry()
        .register(&mut ours, TOKEN, Interest::READABLE)?;

    let mut log = Vec::new();
    let mut received = Vec::new();
    let sends: [(usize, &[u8]); 2] = [(0, FIRST), (2, SECOND)];
    for round in 0..4 {
        for &(at, bytes) in &sends {
            if at == round {
                peer.write_all(bytes)?;
                log.push(format!("peer sends {}", Shown(bytes)));
            }
        }
        poll.poll(&mut events, Some(QUIET))?;
        if !events.iter().any(|e| e.token() == TOKEN) {
            let sent = FIRST.len() + if round >= 2 { SECOND.len() } else { 0 };
            let unread = sent - received.len();
            let verdict = if unread == 0 { "idle" } else { "stalled" };
            log.push(format!(
                "  poll -> nothing         {unread} bytes unread: {verdict}"
            ));
            continue;
        }
        let mut reads = Vec::new();
        loop {
            let mut buf = [0; BUF];
            match ours.read(&mut buf) {
                Ok(0) => return Err(io::Error::other("the peer closed")),
                Ok(n) => {
                    received.extend_from_slice(&buf[..n]);
                    reads.push(format!("read {}", Shown(&buf[..n])));
                    if !drains {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    reads.push("WouldBlock".to_string());
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        log.push(format!("  poll -> READABLE        {}", reads.join(", ")));
    }
    let left = FIRST.len() + SECOND.len() - received.len();
    Ok(Lane {
        drains,
        log,
        received,
        left,
    })
}

/// Bytes as a quoted string with `\n` escaped.
struct Shown<'a>(&'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.0))
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.drains {
            writeln!(f, "draining: read until WouldBlock after every event")?;
        } else {
            writeln!(f, "naive: one {BUF}-byte read per event")?;
        }
        for line in &self.log {
            writeln!(f, "{line}")?;
        }
        writeln!(
            f,
            "  received {} of {} bytes, {} never read",
            self.received.len(),
            FIRST.len() + SECOND.len(),
            self.left
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.naive)?;
        write!(f, "{}", self.draining)
    }
}
