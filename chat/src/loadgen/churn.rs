//! `churn`: clients that come and go.
//!
//! Each cycle is one short session:
//!
//! ```text
//!   connect ─► Hello ─► Welcome (+ Joined lobby) ─┬─► Say, Bye ─► server closes (EOF)   normal
//!                                                 ├─► close with RST (SO_LINGER 0)       abrupt
//!                                                 └─► half a frame, then FIN             abrupt
//! ```
//!
//! `--concurrency` cycles run at once; every `--abrupt-every`-th cycle ends
//! abruptly, alternating the two ways. The figure is cycles per second. At
//! the end a fresh client must still get `Pong` for its `Ping`: the server
//! survived the resets and the half frames and serves on.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serdy::{Deserialize, Serialize};

use super::report::round2;
use super::session::{self, refused};
use super::swarm::{Handler, Next, Swarm};
use super::wire::encode;
use crate::protocol::{ClientMsgRef, ServerMsgRef, LOBBY};

/// The settings of a churn run.
#[derive(Debug, Clone)]
pub struct ChurnOpts {
    /// Server address.
    pub addr: SocketAddr,
    /// K: cycles.
    pub conns: usize,
    /// Cycles in progress at once.
    pub concurrency: usize,
    /// Every this many cycles, one ends abruptly (0: never).
    pub abrupt_every: usize,
}

impl ChurnOpts {
    /// Defaults: K=2 000, 32 at once, one in 8 abrupt.
    pub fn new(addr: SocketAddr) -> ChurnOpts {
        ChurnOpts {
            addr,
            conns: 2000,
            concurrency: 32,
            abrupt_every: 8,
        }
    }
}

/// The result line of `churn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnReport {
    /// Always `"churn"`.
    pub scenario: String,
    /// K.
    pub conns: usize,
    /// Cycles that completed.
    pub completed: usize,
    /// Of which ended abruptly.
    pub abrupt: usize,
    /// Wall time of all cycles.
    pub seconds: f64,
    /// `completed / seconds`.
    pub cycles_per_sec: f64,
    /// Whether the server answered the final `Ping`.
    pub ping_ok: bool,
    /// The first problem, if any.
    pub error: Option<String>,
}

/// How a cycle ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Say, Bye, wait for the server's EOF.
    Normal,
    /// RST right after Welcome.
    Reset,
    /// Half a frame, then FIN.
    HalfFrame,
}

struct Churn<'a> {
    tag: &'a str,
    abrupt_every: usize,
    /// The cycle running on each connection slot.
    cycle: Vec<usize>,
    /// Whether that cycle has sent its Bye.
    said_bye: Vec<bool>,
    completed: usize,
    abrupt: usize,
    nick: String,
}

impl Churn<'_> {
    fn ending(&self, cycle: usize) -> Ending {
        if self.abrupt_every == 0 || cycle % self.abrupt_every != self.abrupt_every - 1 {
            Ending::Normal
        } else if (cycle / self.abrupt_every).is_multiple_of(2) {
            Ending::Reset
        } else {
            Ending::HalfFrame
        }
    }

    fn start(&mut self, slot: usize, cycle: usize) {
        if self.cycle.len() <= slot {
            self.cycle.resize(slot + 1, 0);
            self.said_bye.resize(slot + 1, false);
        }
        self.cycle[slot] = cycle;
        self.said_bye[slot] = false;
    }
}

impl Handler for Churn<'_> {
    fn on_connected(&mut self, slot: usize, out: &mut Vec<u8>) -> io::Result<()> {
        self.nick.clear();
        self.nick.push_str(self.tag);
        self.nick.push_str(&self.cycle[slot].to_string());
        session::hello(out, &self.nick);
        Ok(())
    }

    fn on_frame(
        &mut self,
        slot: usize,
        msg: ServerMsgRef<'_>,
        _: u64,
        out: &mut Vec<u8>,
    ) -> io::Result<Next> {
        match msg {
            ServerMsgRef::Welcome { .. } => match self.ending(self.cycle[slot]) {
                Ending::Normal => {
                    encode(
                        &ClientMsgRef::Say {
                            room: LOBBY,
                            text: "churn",
                        },
                        out,
                    );
                    encode(&ClientMsgRef::Bye, out);
                    self.said_bye[slot] = true;
                }
                Ending::Reset => {
                    self.completed += 1;
                    self.abrupt += 1;
                    return Ok(Next::Reset);
                }
                Ending::HalfFrame => {
                    // A header announcing 40 bytes, then 3 of them.
                    out.extend_from_slice(&[0, 0, 0, 40, 1, 5, b'l']);
                    self.completed += 1;
                    self.abrupt += 1;
                    return Ok(Next::Close);
                }
            },
            ServerMsgRef::Error { code, detail } => {
                return Err(refused(self.cycle[slot], code, detail))
            }
            _ => {}
        }
        Ok(Next::Keep)
    }

    fn on_closed(&mut self, slot: usize, error: Option<io::Error>) -> io::Result<()> {
        if self.said_bye[slot] {
            // The server closes after Bye; a reset instead of FIN is fine too.
            self.completed += 1;
            return Ok(());
        }
        Err(session::lost(self.cycle[slot], error, "before Bye"))
    }
}

/// Runs the churn scenario.
pub fn run(opts: &ChurnOpts) -> io::Result<ChurnReport> {
    session::check_reachable(opts.addr)?;
    let mut swarm = Swarm::new()?;
    let tag = session::run_tag('c');
    let mut churn = Churn {
        tag: &tag,
        abrupt_every: opts.abrupt_every,
        cycle: Vec::new(),
        said_bye: Vec::new(),
        completed: 0,
        abrupt: 0,
        nick: String::new(),
    };
    let start = Instant::now();
    let mut started = 0;
    let mut error = None;
    let mut last = (Instant::now(), 0);
    while churn.completed < opts.conns {
        while started < opts.conns && started - churn.completed < opts.concurrency.max(1) {
            let slot = swarm.connect(opts.addr)?;
            churn.start(slot, started);
            started += 1;
        }
        swarm.turn(Some(Duration::from_millis(100)), &mut churn)?;
        if churn.completed != last.1 {
            last = (Instant::now(), churn.completed);
        } else if last.0.elapsed() > Duration::from_secs(10) {
            error = Some(format!(
                "stalled: {} of {} cycles completed",
                churn.completed, opts.conns
            ));
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    swarm.close_all();
    let ping_ok = match ping(opts.addr) {
        Ok(()) => true,
        Err(e) => {
            error.get_or_insert(format!("final ping: {e}"));
            false
        }
    };
    Ok(ChurnReport {
        scenario: "churn".into(),
        conns: opts.conns,
        completed: churn.completed,
        abrupt: churn.abrupt,
        seconds: round2(seconds * 1000.0) / 1000.0,
        cycles_per_sec: round2(churn.completed as f64 / seconds.max(1e-9)),
        ping_ok,
        error,
    })
}

/// The nonce of the final ping.
const NONCE: u64 = 0x5eed_cafe;

struct Ping {
    nick: String,
    ponged: bool,
}

impl Handler for Ping {
    fn on_connected(&mut self, _: usize, out: &mut Vec<u8>) -> io::Result<()> {
        session::hello(out, &self.nick);
        encode(&ClientMsgRef::Ping { nonce: NONCE }, out);
        Ok(())
    }

    fn on_frame(
        &mut self,
        c: usize,
        msg: ServerMsgRef<'_>,
        _: u64,
        _: &mut Vec<u8>,
    ) -> io::Result<Next> {
        match msg {
            ServerMsgRef::Pong { nonce: NONCE } => self.ponged = true,
            ServerMsgRef::Error { code, detail } => return Err(refused(c, code, detail)),
            _ => {}
        }
        Ok(Next::Keep)
    }

    fn on_closed(&mut self, conn: usize, error: Option<io::Error>) -> io::Result<()> {
        Err(session::lost(conn, error, "before its Pong"))
    }
}

/// Connects, says `Hello` and `Ping`, and waits (5 s at most) for the `Pong`.
pub fn ping(addr: SocketAddr) -> io::Result<()> {
    let mut swarm = Swarm::new()?;
    let mut handler = Ping {
        nick: session::run_tag('p'),
        ponged: false,
    };
    swarm.connect(addr)?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !handler.ponged {
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no Pong within 5 s",
            ));
        }
        swarm.turn(Some(Duration::from_millis(100)), &mut handler)?;
    }
    swarm.close_all();
    Ok(())
}
