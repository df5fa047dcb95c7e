//! `latency`: N clients in `lobby`, a fixed aggregate rate of `Say`s, the
//! latency of every delivery.
//!
//! Unlike [`fanout`](super::fanout), which pushes as fast as the window
//! allows and so measures throughput (its latency is mostly queueing: W·N
//! messages in the air), this scenario offers a steady load well below
//! saturation and asks how long a delivery takes at that load:
//!
//! ```text
//!   time ──►  |  1 ms  |  1 ms  |  1 ms  |   R = 20 000/s: 20 Says per ms,
//!   senders:   0..19    20..39   40..59      round-robin over the N clients
//!   each Say reaches all N members: N·R deliveries per second
//! ```
//!
//! Sends are spread evenly: at each wake-up every `Say` that is due is
//! written (the send time in its [`Stamp`] is the moment it is written).
//! The poll's timeout counts whole milliseconds, which would bunch 20
//! `Say`s into one burst per millisecond at 20 000/s; when the next send is
//! due sooner than that, the loop polls without waiting and naps for at
//! most 50 µs in between, so sends go out one by one on time and a
//! delivery waits at most one nap before it is read. After T seconds the run stops sending, waits for
//! the last deliveries, and verifies the order like `fanout`.
//!
//! Like `fanout`, it takes `--addr A,B,...` (clients round-robin over a
//! cluster's nodes) and `--pid P,Q,...` (CPU per delivery, added up over
//! the processes named and given one by one).

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

/// The longest nap between two looks at the sockets while sends are due
/// sooner than the poll's millisecond timeout can wait.
const SLICE: Duration = Duration::from_micros(50);

/// The settings of a latency run.
#[derive(Debug, Clone)]
pub struct LatencyOpts {
    /// Server addresses: client `i` connects to `addrs[i % addrs.len()]`.
    pub addrs: Vec<SocketAddr>,
    /// N: clients.
    pub clients: usize,
    /// R: `Say`s per second, all clients together.
    pub rate: u32,
    /// T: how long to send.
    pub seconds: f64,
    /// S: text size.
    pub size: usize,
    /// The server's process ids (a cluster's nodes and Redis), for their
    /// CPU time.
    pub pids: Vec<u32>,
}

impl LatencyOpts {
    /// Defaults: N=100, R=20 000, T=5 s, S=64.
    pub fn new(addr: SocketAddr) -> LatencyOpts {
        LatencyOpts {
            addrs: vec![addr],
            clients: 100,
            rate: 20_000,
            seconds: 5.0,
            size: 64,
            pids: Vec::new(),
        }
    }
}

/// The result line of `latency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyReport {
    /// Always `"latency"`.
    pub scenario: String,
    /// N.
    pub clients: usize,
    /// R asked for.
    pub rate: u32,
    /// `Say`s sent.
    pub sent: u64,
    /// `Say`s per second achieved.
    pub sent_per_sec: f64,
    /// Deliveries received.
    pub deliveries: u64,
    /// Latency of every delivery.
    pub latency: Latency,
    /// Whether the order and counts verified.
    pub verified: bool,
    /// The first problem, when not verified.
    pub error: Option<String>,
    /// Server CPU ticks (1/100 s) from the first `Say` to the last
    /// delivery, with `--pid` (all the processes named, added up).
    pub server_cpu_ticks: Option<u64>,
    /// Server CPU nanoseconds per delivery, with `--pid` (added up).
    pub server_cpu_ns_per_delivery: Option<f64>,
    /// [`server_cpu_ticks`](Self::server_cpu_ticks) of each process, in
    /// `--pid` order.
    pub server_cpu_ticks_each: Option<Vec<u64>>,
}

struct Receiving {
    check: OrderCheck,
    latency: Histogram,
    deliveries: u64,
}

impl Receiving {
    fn delivered(&mut self, c: usize, text: &[u8], seq: u64, now_ns: u64) {
        match Stamp::parse_bytes(text) {
            Some(stamp) => {
                self.check
                    .record(c, seq, stamp.sender as usize, stamp.counter);
                self.latency.record(now_ns.saturating_sub(stamp.sent_ns));
                self.deliveries += 1;
            }
            None => self.check.record_foreign(c, seq),
        }
    }
}

impl Handler for Receiving {
    fn on_connected(&mut self, conn: usize, _: &mut Vec<u8>) -> io::Result<()> {
        Err(io::Error::other(format!(
            "unexpected new connection {conn}"
        )))
    }

    fn on_frame(
        &mut self,
        c: usize,
        msg: ServerMsgRef<'_>,
        now_ns: u64,
        _: &mut Vec<u8>,
    ) -> io::Result<Next> {
        match msg {
            ServerMsgRef::Message { text, seq, .. } => {
                self.delivered(c, text.as_bytes(), seq, now_ns)
            }
            ServerMsgRef::Error { code, detail } => return Err(refused(c, code, detail)),
            _ => {}
        }
        Ok(Next::Keep)
    }

    fn on_message(
        &mut self,
        c: usize,
        msg: MessageView<'_>,
        now_ns: u64,
        _: &mut Vec<u8>,
    ) -> io::Result<Next> {
        self.delivered(c, msg.text, msg.seq, now_ns);
        Ok(Next::Keep)
    }

    fn on_closed(&mut self, conn: usize, error: Option<io::Error>) -> io::Result<()> {
        Err(session::lost(conn, error, "during the latency run"))
    }
}

/// Runs the latency scenario.
pub fn run(opts: &LatencyOpts) -> io::Result<LatencyReport> {
    let n = opts.clients;
    session::check_all_reachable(&opts.addrs)?;
    let mut swarm = Swarm::new()?;
    let tag = session::run_tag('l');
    let limit = Duration::from_secs(30) + Duration::from_millis(20 * n as u64);
    session::join(&mut swarm, &opts.addrs, n, &tag, Lobby::Stay, limit)?;

    let mut rx = Receiving {
        check: OrderCheck::new(n, n),
        latency: Histogram::new(),
        deliveries: 0,
    };
    let mut sent = vec![0u32; n];
    let mut total: u64 = 0;
    let mut text = String::new();
    let mut touched = Vec::new();
    let ticks_before = procfs::cpu_ticks_each(&opts.pids)?;
    let start = Instant::now();
    let send_for = Duration::from_secs_f64(opts.seconds.max(0.0));
    let per_send = 1.0 / f64::from(opts.rate.max(1));
    loop {
        let elapsed = start.elapsed();
        if elapsed >= send_for {
            break;
        }
        let due = (elapsed.as_secs_f64() * f64::from(opts.rate)) as u64;
        if total < due {
            let sent_ns = swarm.now_ns();
            while total < due {
                let c = (total % n as u64) as usize;
                let stamp = Stamp {
                    sender: c as u32,
                    counter: sent[c],
                    sent_ns,
                };
                stamp.write(&mut text, opts.size);
                encode(
                    &ClientMsgRef::Say {
                        room: LOBBY,
                        text: &text,
                    },
                    swarm.out(c),
                );
                sent[c] += 1;
                total += 1;
                touched.push(c);
            }
            for c in touched.drain(..) {
                swarm.flush(c)?;
            }
        }
        let next_due = Duration::from_secs_f64((total + 1) as f64 * per_send);
        let wait = next_due.saturating_sub(start.elapsed());
        if wait >= Duration::from_millis(1) {
            swarm.turn(Some(wait), &mut rx)?;
        } else if swarm.turn(Some(Duration::ZERO), &mut rx)? == 0 {
            // The poll's timeout counts whole milliseconds: a finer pace
            // sleeps (nanosleep) for a short slice, then looks again.
            std::thread::sleep(wait.min(SLICE));
        }
    }
    let sending = start.elapsed();
    // Drain: every member must get every message.
    let expected = total * n as u64;
    let mut error = None;
    let mut last = (Instant::now(), rx.deliveries);
    while rx.deliveries < expected {
        swarm.turn(Some(Duration::from_millis(200)), &mut rx)?;
        if rx.deliveries != last.1 {
            last = (Instant::now(), rx.deliveries);
        } else if last.0.elapsed() > Duration::from_secs(10) {
            error = Some(format!(
                "stalled: {} of {expected} deliveries",
                rx.deliveries
            ));
            break;
        }
    }
    let ticks_after = procfs::cpu_ticks_each(&opts.pids)?;
    swarm.close_all();
    if error.is_none() {
        error = rx.check.finish(&sent).err();
    }
    let each = procfs::ticks_used(&ticks_before, &ticks_after);
    let cpu = each.as_ref().map(|e| e.iter().sum::<u64>());
    Ok(LatencyReport {
        scenario: "latency".into(),
        clients: n,
        rate: opts.rate,
        sent: total,
        sent_per_sec: round2(total as f64 / sending.as_secs_f64().max(1e-9)),
        deliveries: rx.deliveries,
        latency: Latency::of(&rx.latency),
        verified: error.is_none(),
        error,
        server_cpu_ticks: cpu,
        server_cpu_ns_per_delivery: cpu
            .map(|t| round2((t * procfs::TICK_NS) as f64 / rx.deliveries.max(1) as f64)),
        server_cpu_ticks_each: each,
    })
}
