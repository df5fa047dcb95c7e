//! The core of `examples/starvation.rs`, shared with `tests/lab.rs`.
//!
//! One thread, one edge-triggered [`Poll`], four connections: one busy
//! (its peer writes without pause) and three quiet ones (one short message
//! each). Two read policies serve them:
//!
//! * **read all**: after an event, read the connection until `WouldBlock`;
//! * **budget**: at most [`READS_PER_TURN`] reads per connection per turn;
//!   a connection that used its budget is still ready (edge-triggered: no
//!   new event will say so), so it goes on a carry list and is served again
//!   next turn, before the poll's new events, and the poll does not sleep
//!   while the list is not empty. This is `event_server`'s policy
//!   (`chat::server::event_server::READS_PER_TURN`).
//!
//! For each quiet connection the report gives the busy connection's bytes
//! read before the quiet message was read.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Poll, Token};

/// Bytes per `read`.
pub const READ_SIZE: usize = 1024;
/// The budget policy's reads per connection per turn (`event_server` uses
/// the same number).
pub const READS_PER_TURN: usize = 16;
/// The busy connection's bytes after which a run gives up on the quiet
/// ones: "never served".
pub const GIVE_UP: usize = 4 * 1024 * 1024;
/// Quiet connections.
pub const QUIET: usize = 3;
/// A quiet peer's one message.
pub const MESSAGE: &[u8] = b"quiet!\n";

/// A read policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Read until `WouldBlock`.
    ReadAll,
    /// At most [`READS_PER_TURN`] reads per turn, then carry over.
    Budget,
}

/// One policy's run.
#[derive(Debug)]
pub struct Lane {
    /// The policy.
    pub policy: Policy,
    /// Bytes prefilled into the busy connection before the server started.
    pub prefilled: usize,
    /// Per quiet connection: busy bytes read before its message was read,
    /// or `None` if it was still waiting after [`GIVE_UP`] bytes.
    pub served_after: [Option<usize>; QUIET],
    /// Busy bytes read in all.
    pub busy_read: usize,
    /// Loop turns (polls).
    pub turns: usize,
}

/// Both policies.
#[derive(Debug)]
pub struct Report {
    /// Read until `WouldBlock`.
    pub read_all: Lane,
    /// A budget per turn.
    pub budget: Lane,
}

/// Runs both policies.
pub fn run() -> io::Result<Report> {
    Ok(Report {
        read_all: lane(Policy::ReadAll)?,
        budget: lane(Policy::Budget)?,
    })
}

const BUSY: Token = Token(0);

fn pair(listener: &TcpListener) -> io::Result<(TcpStream, TcpStream)> {
    let peer = TcpStream::connect_blocking(listener.local_addr()?)?;
    let (ours, _) = listener.accept()?;
    ours.set_nonblocking(true)?;
    Ok((ours, peer))
}

fn lane(policy: Policy) -> io::Result<Lane> {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    listener.set_nonblocking(false)?;
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(16);

    // The busy connection: fill every buffer between the peer and us, then
    // keep writing from a thread until told to stop.
    let (mut busy, busy_peer) = pair(&listener)?;
    poll.registry()
        .register(&mut busy, BUSY, Interest::READABLE)?;
    busy_peer.set_nonblocking(true)?;
    let chunk = vec![b'x'; 64 * 1024];
    let mut prefilled = 0;
    loop {
        match (&busy_peer).write(&chunk) {
            Ok(n) => prefilled += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    busy_peer.set_nonblocking(false)?;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peer = busy_peer;
            // Ends when told to, or when the server side is closed.
            while !stop.load(Ordering::Relaxed) && peer.write_all(&chunk).is_ok() {}
        })
    };

    // The quiet connections, each with its message already sent.
    let mut quiet = Vec::new();
    for i in 0..QUIET {
        let (mut ours, mut peer) = pair(&listener)?;
        poll.registry()
            .register(&mut ours, Token(1 + i), Interest::READABLE)?;
        peer.write_all(MESSAGE)?;
        quiet.push((ours, peer, 0usize));
    }

    let mut served_after = [None; QUIET];
    let mut busy_read = 0;
    let mut turns = 0;
    let mut carry: VecDeque<Token> = VecDeque::new();
    let mut buf = vec![0; READ_SIZE];
    'run: while served_after.iter().any(Option::is_none) && busy_read < GIVE_UP {
        turns += 1;
        let timeout = if carry.is_empty() {
            Duration::from_secs(10)
        } else {
            Duration::ZERO
        };
        poll.poll(&mut events, Some(timeout))?;
        if events.is_empty() && carry.is_empty() {
            return Err(io::Error::other("no event for 10 s"));
        }
        let mut ready: Vec<Token> = carry.drain(..).collect();
        for event in events.iter() {
            if !ready.contains(&event.token()) {
                ready.push(event.token());
            }
        }
        for token in ready {
            let mut reads = 0;
            loop {
                if policy == Policy::Budget && reads == READS_PER_TURN {
                    carry.push_back(token);
                    break;
                }
                let res = if token == BUSY {
                    busy.read(&mut buf)
                } else {
                    quiet[token.0 - 1].0.read(&mut buf)
                };
                reads += 1;
                match res {
                    Ok(0) => return Err(io::Error::other("a peer closed")),
                    Ok(n) if token == BUSY => {
                        busy_read += n;
                        if busy_read >= GIVE_UP {
                            break 'run;
                        }
                    }
                    Ok(n) => {
                        let got = &mut quiet[token.0 - 1].2;
                        *got += n;
                        if *got == MESSAGE.len() {
                            served_after[token.0 - 1] = Some(busy_read);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    // Closing our side ends the writer's blocked write.
    drop(busy);
    writer
        .join()
        .map_err(|_| io::Error::other("the writer panicked"))?;
    Ok(Lane {
        policy,
        prefilled,
        served_after,
        busy_read,
        turns,
    })
}

/// A byte count in KiB.
fn kib(n: usize) -> String {
    format!("{} KiB", n / 1024)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "1 busy connection (its peer never pauses), {QUIET} quiet ones (one {}-byte \
             message each), {READ_SIZE}-byte reads",
            MESSAGE.len()
        )?;
        writeln!(
            f,
            "the busy connection's buffers held {} before the first poll",
            kib(self.read_all.prefilled)
        )?;
        writeln!(
            f,
            "cell: bytes of the busy connection read before the quiet message was read"
        )?;
        writeln!(f)?;
        let mut header = format!("{:<24}", "policy");
        for i in 1..=QUIET {
            header += &format!("{:<12}", format!("quiet {i}"));
        }
        header += "turns";
        writeln!(f, "{header}")?;
        for lane in [&self.read_all, &self.budget] {
            let name = match lane.policy {
                Policy::ReadAll => "read until WouldBlock".to_string(),
                Policy::Budget => format!("{READS_PER_TURN} reads per turn"),
            };
            let mut line = format!("{name:<24}");
            for cell in lane.served_after {
                let cell = cell.map_or("never".to_string(), kib);
                line += &format!("{cell:<12}");
            }
            line += &lane.turns.to_string();
            writeln!(f, "{line}")?;
        }
        if self.read_all.served_after.iter().any(Option::is_none) {
            writeln!(
                f,
                "(read until WouldBlock: gave up after {} of the busy connection; \
                 its peer writes faster than 1 KiB reads drain it)",
                kib(self.read_all.busy_read)
            )?;
        }
        Ok(())
    }
}
