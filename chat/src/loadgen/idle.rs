//! `idle`: what N connected, silent clients cost the server.
//!
//! ```text
//!   RSS before ── connect N, Hello (stay in lobby, or leave it) ── quiet ──┐
//!                                                                        RSS, CPU ticks, ctxt switches
//!   ... T seconds: nobody sends a byte ...                                 │
//!   RSS after, CPU ticks, ctxt switches ◄────────────────────────────────┘
//! ```
//!
//! A server that keeps per-connection buffers only while bytes are in
//! flight, and that sleeps in `epoll_wait` with no timeout when no deadline
//! is pending, shows a small RSS per connection and **zero** ticks and
//! context switches while the clients sit still. With `--lobby stay` (the
//! default) every join is announced to everyone already there, N·(N+1)/2
//! `Joined` frames in all; the scenario waits until the server has been
//! quiet for [`QUIET`] before it measures. `--lobby leave` keeps the
//! clients connected and welcomed but in no room (no join storm; what
//! 10 000 clients cost without a 50-million-frame broadcast).

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serdy::{Deserialize, Serialize};

use super::procfs;
use super::session::{self, refused, Lobby};
use super::swarm::{Handler, Next, Swarm};
use crate::protocol::ServerMsgRef;

/// How long the server must send nothing before the idle period starts.
pub const QUIET: Duration = Duration::from_millis(500);

/// The settings of an idle run.
#[derive(Debug, Clone)]
pub struct IdleOpts {
    /// Server address.
    pub addr: SocketAddr,
    /// N: clients.
    pub clients: usize,
    /// T: how long they sit still.
    pub seconds: f64,
    /// The server's process id (required).
    pub pid: u32,
    /// Stay in `lobby` or leave it.
    pub lobby: Lobby,
}

/// The result line of `idle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdleReport {
    /// Always `"idle"`.
    pub scenario: String,
    /// N.
    pub clients: usize,
    /// T.
    pub seconds: f64,
    /// `"stay"` or `"leave"`.
    pub lobby: String,
    /// Server RSS before the clients connected, KiB.
    pub rss_before_kib: u64,
    /// Server RSS after the idle period, KiB.
    pub rss_after_kib: u64,
    /// `(after - before) / N`, bytes.
    pub rss_per_conn_bytes: f64,
    /// Server CPU ticks (1/100 s) during the idle period.
    pub idle_cpu_ticks: u64,
    /// Server context switches (all threads) during the idle period.
    pub idle_ctxt_switches: u64,
    /// Seconds it took to connect and welcome everyone.
    pub setup_seconds: f64,
}

/// Counts frames and refuses errors and closes.
struct Quiet {
    frames: u64,
}

impl Handler for Quiet {
    fn on_connected(&mut self, _: usize, _: &mut Vec<u8>) -> io::Result<()> {
        Ok(())
    }

    fn on_frame(
        &mut self,
        c: usize,
        msg: ServerMsgRef<'_>,
        _: u64,
        _: &mut Vec<u8>,
    ) -> io::Result<Next> {
        if let ServerMsgRef::Error { code, detail } = msg {
            return Err(refused(c, code, detail));
        }
        self.frames += 1;
        Ok(Next::Keep)
    }

    fn on_closed(&mut self, conn: usize, error: Option<io::Error>) -> io::Result<()> {
        Err(session::lost(conn, error, "while idle"))
    }
}

/// Runs the idle scenario.
pub fn run(opts: &IdleOpts) -> io::Result<IdleReport> {
    let pid = opts.pid;
    let n = opts.clients;
    let rss_before = procfs::rss_kib(pid)?;
    session::check_reachable(opts.addr)?;
    let setup = Instant::now();
    let mut swarm = Swarm::new()?;
    let tag = session::run_tag('i');
    let limit = Duration::from_secs(60) + Duration::from_millis(10 * n as u64);
    session::join(&mut swarm, &[opts.addr], n, &tag, opts.lobby, limit)?;
    // Let the join announcements finish.
    let mut quiet = Quiet { frames: 0 };
    let mut calm_since = Instant::now();
    while calm_since.elapsed() < QUIET {
        if swarm.turn(Some(QUIET), &mut quiet)? > 0 {
            calm_since = Instant::now();
        }
    }
    let setup_seconds = setup.elapsed().as_secs_f64() - QUIET.as_secs_f64();
    let ticks_before = procfs::cpu_ticks(pid)?;
    let switches_before = procfs::ctxt_switches(pid)?;
    std::thread::sleep(Duration::from_secs_f64(opts.seconds.max(0.0)));
    let ticks_after = procfs::cpu_ticks(pid)?;
    let switches_after = procfs::ctxt_switches(pid)?;
    let rss_after = procfs::rss_kib(pid)?;
    // Anything the server said meanwhile is read now: it must not have
    // closed anyone.
    swarm.turn(Some(Duration::ZERO), &mut quiet)?;
    swarm.close_all();
    Ok(IdleReport {
        scenario: "idle".into(),
        clients: n,
        seconds: opts.seconds,
        lobby: match opts.lobby {
            Lobby::Stay => "stay".into(),
            Lobby::Leave => "leave".into(),
        },
        rss_before_kib: rss_before,
        rss_after_kib: rss_after,
        rss_per_conn_bytes: (rss_after.saturating_sub(rss_before) * 1024) as f64 / n.max(1) as f64,
        idle_cpu_ticks: ticks_after.saturating_sub(ticks_before),
        idle_ctxt_switches: switches_after.saturating_sub(switches_before),
        setup_seconds: super::report::round2(setup_seconds),
    })
}
