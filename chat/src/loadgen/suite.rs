//! `suite`: every scenario against every server, round by round, one table
//! of medians.
//!
//! The machine is shared and noisy, so one run says little. The suite
//! starts a **fresh** server process for each run (`--addr 127.0.0.1:0`,
//! reading its `listening on` line), and alternates the servers run by run
//! so that a burst of background load hits all of them alike:
//!
//! ```text
//!   round 1: fanout A B C D, latency A B C D (20 000 and 40 000 msgs/s),
//!            idle A B C D, churn A B C D
//!   round 2: fanout A B C D, ...
//!   round 3: ...
//!   table:   median per server and figure; ratio to the reference =
//!            median over rounds of (server / reference in that round)
//! ```
//!
//! A server whose binary does not exist is listed as *pending*. A run that
//! fails or does not verify is reported on standard error and left out of
//! the medians (the table shows how many runs counted).

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::churn::{self, ChurnOpts};
use super::fanout::{self, FanoutOpts};
use super::idle::{self, IdleOpts};
use super::latency::{self, LatencyOpts};
use super::report::to_json;
use super::session::Lobby;

/// One server under test.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// Its name in the table.
    pub name: String,
    /// Its binary.
    pub path: PathBuf,
}

/// The suite's settings.
#[derive(Debug, Clone)]
pub struct SuiteOpts {
    /// The servers, in run order.
    pub servers: Vec<ServerSpec>,
    /// The name of the reference server (ratios are taken against it).
    pub reference: Option<String>,
    /// Rounds.
    pub rounds: usize,
    /// Smaller runs (for a quick look, not for publishing).
    pub quick: bool,
    /// Also run the scale checks once per server: 10 000 idle clients,
    /// fanout with 1 000 clients.
    pub scale: bool,
}

/// The figures of the table, in column order.
const FIGURES: [&str; 8] = [
    "fanout deliveries/s",
    "fanout p99 ms",
    "server CPU ns/delivery",
    "latency p99 ms",
    "latency 40k p99 ms",
    "idle RSS B/conn",
    "idle CPU ticks",
    "churn cycles/s",
];

/// A started server process.
#[derive(Debug)]
struct Running {
    child: Child,
    addr: SocketAddr,
}

impl Running {
    fn start(path: &PathBuf) -> io::Result<Running> {
        let mut child = Command::new(path)
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot start {}: {e}", path.display()))
            })?;
        let mut line = String::new();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout"))?;
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok());
        match addr {
            Some(addr) => Ok(Running { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other(format!(
                    "{} printed {line:?}, not `listening on HOST:PORT`",
                    path.display()
                )))
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then SIGKILL if it has not exited within 3 s.
    fn stop(mut self) {
        let _ = sys::signal::send(self.child.id(), sys::signal::Signal::Terminate);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one scenario against a fresh `server`; returns the figures it
/// yields as `(column, value)` pairs.
fn run_one(server: &ServerSpec, scenario: &str, quick: bool) -> io::Result<Vec<(usize, f64)>> {
    let running = Running::start(&server.path)?;
    let addr = running.addr;
    let pid = running.pid();
    let result = (|| -> io::Result<(String, Vec<(usize, f64)>)> {
        match scenario {
            "fanout" => {
                let mut o = FanoutOpts::new(addr);
                o.msgs = if quick { 200 } else { 2000 };
                o.pids = vec![pid];
                let r = fanout::run(&o)?;
                let line = to_json(&r);
                if !r.verified {
                    return Err(io::Error::other(format!("not verified: {line}")));
                }
                let mut figs = vec![(0, r.deliveries_per_sec), (1, r.latency.p99_us / 1000.0)];
                if let Some(cpu) = r.server_cpu_ns_per_delivery {
                    figs.push((2, cpu));
                }
                Ok((line, figs))
            }
            "latency" | "latency40k" => {
                let mut o = LatencyOpts::new(addr);
                o.seconds = if quick { 1.0 } else { 5.0 };
                let column = if scenario == "latency" { 3 } else { 4 };
                if column == 4 {
                    o.rate *= 2;
                }
                let r = latency::run(&o)?;
                let line = to_json(&r);
                if !r.verified {
                    return Err(io::Error::other(format!("not verified: {line}")));
                }
                Ok((line, vec![(column, r.latency.p99_us / 1000.0)]))
            }
            "idle" => {
                let o = IdleOpts {
                    addr,
                    clients: 1000,
                    seconds: if quick { 1.0 } else { 5.0 },
                    pid,
                    lobby: Lobby::Stay,
                };
                let r = idle::run(&o)?;
                let figs = vec![(5, r.rss_per_conn_bytes), (6, r.idle_cpu_ticks as f64)];
                Ok((to_json(&r), figs))
            }
            "churn" => {
                let mut o = ChurnOpts::new(addr);
                if quick {
                    o.conns = 500;
                }
                let r = churn::run(&o)?;
                let line = to_json(&r);
                if r.error.is_some() || !r.ping_ok {
                    return Err(io::Error::other(format!("failed: {line}")));
                }
                Ok((line, vec![(7, r.cycles_per_sec)]))
            }
            other => Err(io::Error::other(format!("unknown scenario {other}"))),
        }
    })();
    running.stop();
    let (line, figs) = result?;
    eprintln!("  {} {scenario}: {line}", server.name);
    Ok(figs)
}

/// The scale checks: 10 000 idle clients out of `lobby`, fanout with
/// 1 000 clients. Prints one JSON line each to standard error and returns
/// a summary line per server.
fn run_scale(server: &ServerSpec) -> String {
    let idle = Running::start(&server.path).and_then(|running| {
        let o = IdleOpts {
            addr: running.addr,
            clients: 10_000,
            seconds: 2.0,
            pid: running.pid(),
            lobby: Lobby::Leave,
        };
        let r = idle::run(&o);
        running.stop();
        r
    });
    let fan = Running::start(&server.path).and_then(|running| {
        let mut o = FanoutOpts::new(running.addr);
        o.clients = 1000;
        o.msgs = 20;
        o.window = 4;
        o.pids = vec![running.pid()];
        let r = fanout::run(&o);
        running.stop();
        r
    });
    let idle_text = match idle {
        Ok(r) => {
            eprintln!("  {} scale idle: {}", server.name, to_json(&r));
            format!("{:.0} B/conn for 10 000 clients", r.rss_per_conn_bytes)
        }
        Err(e) => format!("10 000 clients failed: {e}"),
    };
    let fan_text = match fan {
        Ok(r) => {
            eprintln!("  {} scale fanout: {}", server.name, to_json(&r));
            format!(
                "fanout N=1000 M=20 W=4: {} ({:.0} deliveries/s)",
                if r.verified {
                    "verified"
                } else {
                    "NOT verified"
                },
                r.deliveries_per_sec
            )
        }
        Err(e) => format!("fanout N=1000 failed: {e}"),
    };
    format!("| {} | {idle_text} | {fan_text} |", server.name)
}

/// The median of the values (NaN when there are none).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// A figure as the table shows it.
fn show(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x >= 100_000.0 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// The first two lines of a table with a column per figure.
fn push_header(table: &mut String) {
    table.push_str("| server |");
    for name in FIGURES {
        table.push_str(&format!(" {name} |"));
    }
    table.push_str("\n| --- |");
    table.push_str(&" ---: |".repeat(FIGURES.len()));
    table.push('\n');
}

/// Runs the suite and returns the table (Markdown).
pub fn run(opts: &SuiteOpts) -> io::Result<String> {
    let present: Vec<&ServerSpec> = opts.servers.iter().filter(|s| s.path.exists()).collect();
    if present.is_empty() {
        return Err(io::Error::other("none of the server binaries exists"));
    }
    // samples[round][server][figure]
    let mut samples: Vec<Vec<[f64; FIGURES.len()]>> = Vec::new();
    let started = Instant::now();
    for round in 0..opts.rounds {
        let mut row = vec![[f64::NAN; FIGURES.len()]; present.len()];
        for scenario in ["fanout", "latency", "latency40k", "idle", "churn"] {
            for (i, server) in present.iter().enumerate() {
                eprintln!(
                    "[{:>4.0}s] round {}/{}: {scenario} on {}",
                    started.elapsed().as_secs_f64(),
                    round + 1,
                    opts.rounds,
                    server.name
                );
                match run_one(server, scenario, opts.quick) {
                    Ok(figs) => {
                        for (col, value) in figs {
                            row[i][col] = value;
                        }
                    }
                    Err(e) => eprintln!("  {} {scenario} FAILED: {e}", server.name),
                }
            }
        }
        samples.push(row);
    }
    let over_rounds = |f: &dyn Fn(&[[f64; FIGURES.len()]]) -> f64| -> f64 {
        median(&samples.iter().map(|row| f(row)).collect::<Vec<_>>())
    };
    let mut table = String::new();
    push_header(&mut table);
    for (i, server) in present.iter().enumerate() {
        table.push_str(&format!("| {} |", server.name));
        for (col, _) in FIGURES.iter().enumerate() {
            table.push_str(&format!(" {} |", show(over_rounds(&|row| row[i][col]))));
        }
        table.push('\n');
    }
    for spec in opts.servers.iter().filter(|s| !s.path.exists()) {
        table.push_str(&format!(
            "| {} |{}\n",
            spec.name,
            " pending |".repeat(FIGURES.len())
        ));
    }
    let reference = opts
        .reference
        .as_ref()
        .and_then(|name| present.iter().position(|s| &s.name == name));
    if let Some(r) = reference {
        table.push_str(&format!(
            "\nRatio to {} (median over rounds of the per-round ratio; higher is better for deliveries/s and churn, lower for the rest):\n\n",
            present[r].name
        ));
        push_header(&mut table);
        for (i, server) in present.iter().enumerate() {
            if i == r {
                continue;
            }
            table.push_str(&format!("| {} |", server.name));
            for (col, _) in FIGURES.iter().enumerate() {
                let m = over_rounds(&|row| row[i][col] / row[r][col]);
                if m.is_finite() {
                    table.push_str(&format!(" {m:.2}x |"));
                } else {
                    table.push_str(" – |");
                }
            }
            table.push('\n');
        }
    }
    if opts.scale {
        table.push_str("\nScale (once per server):\n\n| server | idle, out of lobby | fanout N=1 000 |\n| --- | --- | --- |\n");
        for server in &present {
            eprintln!("scale checks on {}", server.name);
            table.push_str(&run_scale(server));
            table.push('\n');
        }
    }
    table.push_str(&format!(
        "\n{} rounds, {:.0} s in all.\n",
        opts.rounds,
        started.elapsed().as_secs_f64()
    ));
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_skip_missing_runs() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, f64::NAN, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
        assert!(median(&[f64::NAN]).is_nan());
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(show(6_543_210.0), "6.54 M");
        assert_eq!(show(1822.7), "1823");
        assert_eq!(show(0.456), "0.46");
        assert_eq!(show(f64::NAN), "–");
    }
}
