//! The core of `examples/triggers.rs`, shared with `tests/lab.rs`.
//!
//! One scenario, three registrations: a connected socket registered for
//! [`Interest::READABLE`] with each [`Trigger`], the same bytes sent to
//! each, the same partial reads, and one `poll` after every step. The
//! table records which polls reported the socket.

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::time::Duration;

use sys::net::{TcpListener, TcpStream};
use sys::{Events, Interest, Poll, Token, Trigger};

/// How long a poll waits before it counts as "not reported". Only a poll
/// that reports nothing waits this long; loopback data is in the receive
/// buffer before the sender's `write` returns.
pub const QUIET: Duration = Duration::from_millis(100);

/// The modes, in the order of the table's columns.
pub const MODES: [Trigger; 3] = [Trigger::Edge, Trigger::Level, Trigger::OneShot];

/// What happens before each poll.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The peer sends this many bytes.
    Arrive(usize),
    /// The caller reads this many bytes.
    Read(usize),
    /// Nothing: poll again.
    Wait,
    /// The caller reads until `WouldBlock`.
    ReadAll,
}

/// The scenario of `Trigger`'s documentation.
pub const STEPS: [Step; 5] = [
    Step::Arrive(4),
    Step::Read(2),
    Step::Wait,
    Step::Arrive(3),
    Step::ReadAll,
];

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Arrive(n) => write!(f, "{n} bytes arrive"),
            Step::Read(n) => write!(f, "caller reads {n}"),
            Step::Wait => f.write_str("time passes"),
            Step::ReadAll => f.write_str("caller reads all"),
        }
    }
}

/// One row of the table: a step, the bytes waiting after it, and whether
/// the poll after it reported the socket under each mode.
#[derive(Debug)]
pub struct Row {
    /// What happened before the poll.
    pub step: Step,
    /// Bytes in the receive buffer after the step (the same in every mode).
    pub waiting: usize,
    /// Reported by the poll, per mode of [`MODES`].
    pub reported: [bool; 3],
}

/// The whole table.
#[derive(Debug)]
pub struct Report {
    /// One row per step of [`STEPS`].
    pub rows: Vec<Row>,
}

/// Runs the scenario under the three modes side by side.
pub fn run() -> io::Result<Report> {
    let mut lanes = Vec::new();
    for mode in MODES {
        lanes.push(Lane::new(mode)?);
    }
    let mut rows = Vec::new();
    let mut waiting = 0;
    for step in STEPS {
        let mut reported = [false; 3];
        let mut after = [0; 3];
        for (i, lane) in lanes.iter_mut().enumerate() {
            after[i] = lane.apply(step, waiting)?;
            reported[i] = lane.poll_reports()?;
        }
        if after.iter().any(|&n| n != after[0]) {
            return Err(io::Error::other("the lanes disagree on the bytes waiting"));
        }
        waiting = after[0];
        rows.push(Row {
            step,
            waiting,
            reported,
        });
    }
    Ok(Report { rows })
}

/// One mode: its own poll, socket and peer.
struct Lane {
    poll: Poll,
    events: Events,
    ours: TcpStream,
    peer: TcpStream,
}

const TOKEN: Token = Token(1);

impl Lane {
    fn new(mode: Trigger) -> io::Result<Lane> {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
        let peer = TcpStream::connect_blocking(listener.local_addr()?)?;
        listener.set_nonblocking(false)?;
        let (mut ours, _) = listener.accept()?;
        ours.set_nonblocking(true)?;
        let poll = Poll::new()?;
        poll.registry()
            .register_with(&mut ours, TOKEN, Interest::READABLE, mode)?;
        Ok(Lane {
            poll,
            events: Events::with_capacity(4),
            ours,
            peer,
        })
    }

    /// Performs `step` and returns the bytes waiting afterwards.
    fn apply(&mut self, step: Step, waiting: usize) -> io::Result<usize> {
        match step {
            Step::Arrive(n) => {
                self.peer.write_all(&b"abcdefgh"[..n])?;
                Ok(waiting + n)
            }
            Step::Read(n) => {
                let mut buf = vec![0; n];
                self.ours.read_exact(&mut buf)?;
                Ok(waiting - n)
            }
            Step::Wait => Ok(waiting),
            Step::ReadAll => {
                let mut buf = [0; 64];
                let mut left = waiting;
                loop {
                    match self.ours.read(&mut buf) {
                        Ok(0) => return Err(io::Error::other("the peer closed")),
                        Ok(n) => left = left.saturating_sub(n),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(left),
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    /// One poll: did it report the socket?
    fn poll_reports(&mut self) -> io::Result<bool> {
        self.poll.poll(&mut self.events, Some(QUIET))?;
        Ok(self
            .events
            .iter()
            .any(|e| e.token() == TOKEN && e.is_readable()))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "one socket registered READABLE per mode; a poll after each step"
        )?;
        writeln!(f)?;
        let mut header = format!("{:<18}{:>8}", "step", "waiting");
        for mode in MODES {
            header += &format!("  {:<9}", format!("{mode:?}"));
        }
        writeln!(f, "{}", header.trim_end())?;
        for row in &self.rows {
            let mut line = format!("{:<18}{:>8}", row.step.to_string(), row.waiting);
            for reported in row.reported {
                line += &format!("  {:<9}", if reported { "READABLE" } else { "-" });
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}
