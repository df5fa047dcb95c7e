//! `fanout`: N clients in one room, each sending M messages, everyone
//! reading everything.
//!
//! ```text
//!   client 0 ──Say×M──►┐                  ┌──► client 0 reads N·M Messages
//!   client 1 ──Say×M──►├──► server ──────►├──► client 1 reads N·M Messages
//!     ...              │    (lobby)       │      ...
//!   client N-1 ───────►┘                  └──► client N-1
//!
//!   each sender keeps at most W of its own messages "in the air":
//!   it sends again when its own message comes back (the window).
//! ```
//!
//! Deliveries: N·N·M frames. The run measures deliveries per second (from
//! the first `Say` to the last delivery), the latency of every delivery
//! (its text carries the send time, see [`Stamp`]), and with `--pid` the
//! server's CPU time per delivery. It verifies the room's order for every
//! receiver ([`OrderCheck`]): `seq` +1, each sender's counters in order,
//! exactly N·M messages.
//!
//! Against a cluster, `--addr A,B,...` spreads the clients round-robin
//! over the nodes (client `i` on node `i mod k`), so that every node's
//! clients hear every other node's, and `--pid P,Q,...` adds up the CPU
//! time of every process named (the nodes and Redis), also reported one
//! by one.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serdy::{Deserialize, Serialize};

use super::histogram::Histogram;
use super::order::OrderCheck;
use super::procfs;
use super::report::{round2, Latency};
use super::session::{self, refused, Lobby};
use super::stamp::Stamp;
use super::swarm::{Handler, Next, Swarm};
use super::wire::{encode, MessageView};
use crate::protocol::{ClientMsgRef, ServerMsgRef, LOBBY};

/// The settings of a fanout run.
#[derive(Debug, Clone)]
pub struct FanoutOpts {
    /// Server addresses: client `i` connects to `addrs[i % addrs.len()]`.
    pub addrs: Vec<SocketAddr>,
    /// N: clients.
    pub clients: usize,
    /// M: messages per client.
    pub msgs: u32,
    /// S: text size in bytes.
    pub size: usize,
    /// W: a client's own messages sent and not yet echoed, at most.
    pub window: u32,
    /// The server's process ids (a cluster's nodes and Redis), for their
    /// CPU time.
    pub pids: Vec<u32>,
    /// Give up when no delivery arrived for this long.
    pub stall: Duration,
}

impl FanoutOpts {
    /// The issue's defaults: N=100, M=200, S=64, W=16.
    pub fn new(addr: SocketAddr) -> FanoutOpts {
        FanoutOpts {
            addrs: vec![addr],
            clients: 100,
            msgs: 200,
            size: 64,
            window: 16,
            pids: Vec::new(),
            stall: Duration::from_secs(10),
        }
    }
}

/// The result line of `fanout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanoutReport {
    /// Always `"fanout"`.
    pub scenario: String,
    /// N.
    pub clients: usize,
    /// M.
    pub msgs: u32,
    /// S.
    pub size: usize,
    /// W.
    pub window: u32,
    /// Messages delivered (N·N·M when complete).
    pub deliveries: u64,
    /// From the first `Say` to the last delivery.
    pub seconds: f64,
    /// `deliveries / seconds`.
    pub deliveries_per_sec: f64,
    /// Latency of every delivery.
    pub latency: Latency,
    /// Whether every order and count check passed.
    pub verified: bool,
    /// The first problem, when not verified.
    pub error: Option<String>,
    /// Server CPU ticks (1/100 s) during the sending phase, with `--pid`
    /// (all the processes named, added up).
    pub server_cpu_ticks: Option<u64>,
    /// Server CPU nanoseconds per delivery, with `--pid` (added up).
    pub server_cpu_ns_per_delivery: Option<f64>,
    /// [`server_cpu_ticks`](Self::server_cpu_ticks) of each process, in
    /// `--pid` order.
    pub server_cpu_ticks_each: Option<Vec<u64>>,
}

/// The fanout scenario's handler.
struct Fanout {
    epoch: Instant,
    msgs: u32,
    size: usize,
    window: u32,
    expected: u64,
    sent: Vec<u32>,
    in_air: Vec<u32>,
    check: OrderCheck,
    latency: Histogram,
    complete: usize,
    deliveries: u64,
    text: String,
}

impl Fanout {
    /// Sends client `c`'s next messages while its window allows.
    fn top_up(&mut self, c: usize, out: &mut Vec<u8>) {
        if self.in_air[c] >= self.window || self.sent[c] >= self.msgs {
            return;
        }
        let sent_ns = self.epoch.elapsed().as_nanos() as u64;
        while self.in_air[c] < self.window && self.sent[c] < self.msgs {
            let stamp = Stamp {
                sender: c as u32,
                counter: self.sent[c],
                sent_ns,
            };
            stamp.write(&mut self.text, self.size);
            encode(
                &ClientMsgRef::Say {
                    room: LOBBY,
                    text: &self.text,
                },
                out,
            );
            self.sent[c] += 1;
            self.in_air[c] += 1;
        }
    }
}

impl Fanout {
    /// Receiver `c` got the message `text`, numbered `seq`.
    #[inline]
    fn delivered(&mut self, c: usize, text: &[u8], seq: u64, now_ns: u64, out: &mut Vec<u8>) {
        let Some(stamp) = Stamp::parse_bytes(text) else {
            self.check.record_foreign(c, seq);
            return;
        };
        self.check
            .record(c, seq, stamp.sender as usize, stamp.counter);
        self.latency.record(now_ns.saturating_sub(stamp.sent_ns));
        self.deliveries += 1;
        if self.check.count(c) == self.expected {
            self.complete += 1;
        }
        if stamp.sender as usize == c {
            self.in_air[c] = self.in_air[c].saturating_sub(1);
            self.top_up(c, out);
        }
    }
}

impl Handler for Fanout {
    fn on_connected(&mut self, conn: usize, _: &mut Vec<u8>) -> io::Result<()> {
        Err(io::Error::other(format!(
            "unexpected new connection {conn}"
        )))
    }

    #[inline]
    fn on_frame(
        &mut self,
        c: usize,
        msg: ServerMsgRef<'_>,
        now_ns: u64,
        out: &mut Vec<u8>,
    ) -> io::Result<Next> {
        match msg {
            ServerMsgRef::Message { text, seq, .. } => {
                self.delivered(c, text.as_bytes(), seq, now_ns, out)
            }
            ServerMsgRef::Error { code, detail } => return Err(refused(c, code, detail)),
            _ => {}
        }
        Ok(Next::Keep)
    }

    #[inline]
    fn on_message(
        &mut self,
        c: usize,
        msg: MessageView<'_>,
        now_ns: u64,
        out: &mut Vec<u8>,
    ) -> io::Result<Next> {
        self.delivered(c, msg.text, msg.seq, now_ns, out);
        Ok(Next::Keep)
    }

    fn on_closed(&mut self, conn: usize, error: Option<io::Error>) -> io::Result<()> {
        Err(session::lost(conn, error, "during fanout"))
    }
}

/// Runs the fanout scenario. `Err` means the run could not be carried out
/// (unreachable server, refused client); a run that completes but breaks
/// the order is a report with `verified: false`.
pub fn run(opts: &FanoutOpts) -> io::Result<FanoutReport> {
    let n = opts.clients;
    session::check_all_reachable(&opts.addrs)?;
    let mut swarm = Swarm::new()?;
    let join_limit = Duration::from_secs(30) + Duration::from_millis(20 * n as u64);
    let tag = session::run_tag('f');
    session::join(&mut swarm, &opts.addrs, n, &tag, Lobby::Stay, join_limit)?;

    let mut fanout = Fanout {
        epoch: swarm.epoch(),
        msgs: opts.msgs,
        size: opts.size,
        window: opts.window.max(1),
        expected: n as u64 * u64::from(opts.msgs),
        sent: vec![0; n],
        in_air: vec![0; n],
        check: OrderCheck::new(n, n),
        latency: Histogram::new(),
        complete: 0,
        deliveries: 0,
        text: String::new(),
    };
    let ticks_before = procfs::cpu_ticks_each(&opts.pids)?;
    let start = Instant::now();
    for c in 0..n {
        let mut out = std::mem::take(swarm.out(c));
        fanout.top_up(c, &mut out);
        *swarm.out(c) = out;
        swarm.flush(c)?;
    }
    let mut error = None;
    let mut last_progress = (Instant::now(), 0);
    let mut finished = start;
    while fanout.complete < n {
        swarm.turn(Some(Duration::from_millis(200)), &mut fanout)?;
        let now = Instant::now();
        if fanout.deliveries != last_progress.1 {
            last_progress = (now, fanout.deliveries);
            finished = now;
        } else if now - last_progress.0 > opts.stall {
            error = Some(format!(
                "stalled: {} of {} deliveries after {:?} without progress",
                fanout.deliveries,
                fanout.expected * n as u64,
                opts.stall
            ));
            break;
        }
    }
    let ticks_after = procfs::cpu_ticks_each(&opts.pids)?;
    swarm.close_all();

    if error.is_none() {
        error = fanout.check.finish(&fanout.sent).err();
    }
    let seconds = (finished - start).as_secs_f64().max(1e-9);
    let deliveries = fanout.deliveries;
    let each = procfs::ticks_used(&ticks_before, &ticks_after);
    let cpu = each.as_ref().map(|e| e.iter().sum::<u64>());
    Ok(FanoutReport {
        scenario: "fanout".into(),
        clients: n,
        msgs: opts.msgs,
        size: opts.size,
        window: opts.window,
        deliveries,
        seconds: round2(seconds * 1000.0) / 1000.0,
        deliveries_per_sec: (deliveries as f64 / seconds).round(),
        latency: Latency::of(&fanout.latency),
        verified: error.is_none(),
        error,
        server_cpu_ticks: cpu,
        server_cpu_ns_per_delivery: cpu
            .map(|t| round2((t * procfs::TICK_NS) as f64 / deliveries.max(1) as f64)),
        server_cpu_ticks_each: each,
    })
}
