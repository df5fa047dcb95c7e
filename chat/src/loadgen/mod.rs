//! `loadgen`: the load generator that measures the servers.
//!
//! A chat server is judged by how many messages it moves, how fast, with
//! how little memory and CPU, and how its cost grows with its clients.
//! `loadgen` drives any server of PROTOCOL.md over loopback and prints one
//! line of JSON per run:
//!
//! | subcommand | what it does | what it reports |
//! | --- | --- | --- |
//! | `fanout` | N clients in `lobby`, each sends M `Say`s of S bytes with at most W unechoed; everyone reads all N·M | deliveries/s, latency percentiles, order verified, server CPU per delivery (`--pid`) |
//! | `latency` | N clients, a fixed aggregate rate of R `Say`s/s for T seconds | latency percentiles, order verified |
//! | `idle` | N clients connect, say `Hello`, then sit still for T seconds | server RSS per connection, CPU ticks and context switches while idle (`--pid`) |
//! | `churn` | K connect / `Hello` / `Say` / `Bye` cycles, some cut off abruptly | cycles per second; the server must still answer a `Ping` |
//! | `suite` | starts each server, runs the scenarios round by round | one table of medians, ratios to the reference |
//! | `chart` | reads run lines (`NAME {json}`) from a file | SVG charts of them ([`chart`]) |
//!
//! # How it stays out of the way
//!
//! The load generator shares a 2-core machine with the server it measures,
//! so it must cost much less per delivery than the server does. It works
//! like `event_server` turned around ([`swarm`]): one thread, one
//! [`sys::Poll`], every connection non-blocking; one shared 256 KiB read
//! buffer, frames decoded *in place* into borrowed messages ([`wire`]) with
//! no allocation per delivery; the clock read once per `read`, not once
//! per frame. What a receiver must check costs a few array updates
//! ([`order`], [`histogram`]).
//!
//! ```text
//!        ┌────────────── loadgen: one thread ───────────────┐
//!        │ Swarm: Poll + N non-blocking sockets              │
//!        │   read ─► shared buffer ─► ServerMsgRef ─► Handler (fanout, ...)
//!        │                                    │ Stamp in the text: sender,
//!        │                                    │ counter, send time
//!        │   Handler ─► OrderCheck, Histogram, next Say ─► write
//!        └───────────────────────────────────────────────────┘
//!                         ▲   loopback TCP   │
//!                         └──── server ◄─────┘
//! ```
//!
//! # Running it
//!
//! ```text
//! $ cargo build --release -p chat
//! $ target/release/event_server --addr 127.0.0.1:7000 &
//! $ target/release/loadgen fanout --addr 127.0.0.1:7000 --clients 100 --msgs 2000 --pid $!
//! {"scenario":"fanout","clients":100,"msgs":2000,...,"deliveries_per_sec":...,"verified":true,...}
//! $ bench/run.sh          # the whole suite against every server, 3 rounds
//! ```
//!
//! Progress and errors go to standard error; standard output holds only
//! the JSON line. The exit status is 0 when the run completed and verified,
//! 1 otherwise, 2 for a bad command line.

pub mod args;
pub mod chart;
pub mod churn;
pub mod fanout;
pub mod histogram;
pub mod idle;
pub mod latency;
pub mod order;
pub mod procfs;
pub mod report;
pub mod session;
pub mod stamp;
pub mod suite;
pub mod swarm;
pub mod wire;

use std::io;

use args::Args;

use crate::cli::CliError;

/// The usage text.
pub const USAGE: &str = "\
usage: loadgen SUBCOMMAND [--flag value ...]
  fanout  --addr A[,B...] --clients N --msgs M --size S --window W [--pid PID[,PID...]]
          (defaults: 127.0.0.1:7878, 100, 200, 64, 16)
  latency --addr A[,B...] --clients N --rate R --seconds T --size S [--pid PID[,PID...]]
          (defaults: 127.0.0.1:7878, 100, 20000, 5, 64)
          (several addresses: a cluster's nodes, clients round-robin over
          them; several pids: CPU added up, and given one by one)
  idle    --addr A --clients N --seconds T --pid PID [--lobby stay|leave]
          (defaults: 127.0.0.1:7878, 1000, 5, -, stay)
  churn   --addr A --conns K --concurrency C --abrupt-every E
          (defaults: 127.0.0.1:7878, 2000, 32, 8)
  suite   --servers NAME=PATH,NAME=PATH,... [--reference NAME] [--rounds 3]
          [--quick true] [--scale true]
          (starts each server, runs every scenario, prints a table of medians)
  chart   --input FILE --out DIR
          (SVG charts of the run lines `NAME {json}` in FILE, e.g. the
          suite's standard error; prints the files written)
";

/// Runs `loadgen` with the arguments after the program name; returns the
/// exit status.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return 2;
    };
    if command == "--help" || command == "-h" {
        print!("{USAGE}");
        return 0;
    }
    let outcome = Args::parse(rest.iter().cloned()).and_then(|mut args| {
        let job = command_for(command, &mut args)?;
        args.finish()?;
        Ok(job)
    });
    let job = match outcome {
        Ok(job) => job,
        Err(e) => return e.report("loadgen", USAGE),
    };
    if let Err(e) = sys::rlimit::raise_nofile_limit() {
        eprintln!("loadgen: cannot raise the open-file limit: {e}");
    }
    match job() {
        Ok((line, ok)) => {
            println!("{line}");
            i32::from(!ok)
        }
        Err(e) => {
            eprintln!("loadgen {command}: {e}");
            1
        }
    }
}

/// A parsed subcommand, ready to run: the JSON line and whether it passed.
type Job = Box<dyn FnOnce() -> io::Result<(String, bool)>>;

fn command_for(command: &str, args: &mut Args) -> Result<Job, CliError> {
    let bad = |message: String| CliError::Bad(message);
    match command {
        "fanout" => {
            let addrs = args.addrs()?;
            let mut opts = fanout::FanoutOpts::new(addrs[0]);
            opts.addrs = addrs;
            opts.clients = args.get("clients", opts.clients)?;
            opts.msgs = args.get("msgs", opts.msgs)?;
            opts.size = args.get("size", opts.size)?;
            opts.window = args.get("window", opts.window)?;
            opts.pids = args.pids()?;
            if opts.clients == 0 || opts.size == 0 || opts.size > crate::protocol::MAX_TEXT {
                return Err(bad("--clients must be positive and --size 1..=4096".into()));
            }
            Ok(Box::new(move || {
                let r = fanout::run(&opts)?;
                Ok((report::to_json(&r), r.verified))
            }))
        }
        "latency" => {
            let addrs = args.addrs()?;
            let mut opts = latency::LatencyOpts::new(addrs[0]);
            opts.addrs = addrs;
            opts.clients = args.get("clients", opts.clients)?;
            opts.rate = args.get("rate", opts.rate)?;
            opts.seconds = args.get("seconds", opts.seconds)?;
            opts.size = args.get("size", opts.size)?;
            opts.pids = args.pids()?;
            if opts.clients == 0 || opts.size == 0 || opts.size > crate::protocol::MAX_TEXT {
                return Err(bad("--clients must be positive and --size 1..=4096".into()));
            }
            Ok(Box::new(move || {
                let r = latency::run(&opts)?;
                Ok((report::to_json(&r), r.verified))
            }))
        }
        "idle" => {
            let addr = args.addr()?;
            let clients = args.get("clients", 1000)?;
            let seconds = args.get("seconds", 5.0)?;
            let pid = args
                .get_opt("pid")?
                .ok_or_else(|| bad("idle needs --pid PID (the server's process id)".into()))?;
            let lobby = match args.get("lobby", "stay".to_string())?.as_str() {
                "stay" => session::Lobby::Stay,
                "leave" => session::Lobby::Leave,
                other => return Err(bad(format!("--lobby is stay or leave, not {other:?}"))),
            };
            let opts = idle::IdleOpts {
                addr,
                clients,
                seconds,
                pid,
                lobby,
            };
            Ok(Box::new(move || {
                let r = idle::run(&opts)?;
                Ok((report::to_json(&r), true))
            }))
        }
        "churn" => {
            let mut opts = churn::ChurnOpts::new(args.addr()?);
            opts.conns = args.get("conns", opts.conns)?;
            opts.concurrency = args.get("concurrency", opts.concurrency)?;
            opts.abrupt_every = args.get("abrupt-every", opts.abrupt_every)?;
            Ok(Box::new(move || {
                let r = churn::run(&opts)?;
                let ok = r.error.is_none() && r.ping_ok;
                Ok((report::to_json(&r), ok))
            }))
        }
        "suite" => {
            let list: String = args
                .get_opt("servers")?
                .ok_or_else(|| bad("suite needs --servers NAME=PATH,...".into()))?;
            let mut servers = Vec::new();
            for item in list.split(',').filter(|s| !s.is_empty()) {
                let (name, path) = item
                    .split_once('=')
                    .ok_or_else(|| bad(format!("--servers: {item:?} is not NAME=PATH")))?;
                servers.push(suite::ServerSpec {
                    name: name.into(),
                    path: path.into(),
                });
            }
            let opts = suite::SuiteOpts {
                servers,
                reference: args.get_opt("reference")?,
                rounds: args.get("rounds", 3)?,
                quick: args.get("quick", false)?,
                scale: args.get("scale", false)?,
            };
            Ok(Box::new(move || Ok((suite::run(&opts)?, true))))
        }
        "chart" => {
            let input: String = args
                .get_opt("input")?
                .ok_or_else(|| bad("chart needs --input FILE".into()))?;
            let out: String = args.get("out", ".".to_string())?;
            Ok(Box::new(move || {
                let runs = chart::parse_runs(&std::fs::read_to_string(&input)?);
                let written = chart::write_all(&runs, std::path::Path::new(&out))?;
                let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
                Ok((names.join("\n"), !written.is_empty()))
            }))
        }
        other => Err(bad(format!("unknown subcommand {other:?}"))),
    }
}
