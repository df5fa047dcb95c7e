//! The command line every server binary shares (PROTOCOL.md section 6).
//!
//! ```text
//! --addr HOST:PORT        127.0.0.1:7878   address to listen on (port 0 picks one)
//! --max-conns N           10000            connection limit (5.5)
//! --max-outbound BYTES    1048576          per-client queued-output limit (5.5)
//! --max-frame BYTES       65536            MAX_FRAME for client frames (2)
//! --hello-timeout-ms MS   10000            HelloTimeout deadline (4)
//! --threads N             number of CPUs   worker threads (async_server only)
//! --redis HOST:PORT       (none)           join a cluster through Redis (event_server, async_server)
//! --node-id ID            generated        this node's id in the cluster (with --redis)
//! --redis-grace-ms MS     10000            how long clients wait for a lost Redis (with --redis)
//! ```
//!
//! Flags are read by [`crate::cli`], so they follow its rules: `--flag VALUE`
//! or `--flag=VALUE`, `--help` prints [`Config::usage`] and exits 0, and a
//! bad flag is [`CliError::Bad`] with a one-line message, printed with the
//! usage on standard error, exit status 2 ([`Config::from_env_or_exit`]
//! does exactly that).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;

use sys::net::TcpListener;

use crate::cli::{socket_addr, CliError, Flags};
use crate::cluster::node::NodeConfig;
use crate::hub;
use crate::protocol::{
    DEFAULT_ADDR, DEFAULT_HELLO_TIMEOUT_MS, DEFAULT_MAX_CONNS, DEFAULT_MAX_FRAME,
    DEFAULT_MAX_OUTBOUND, SERVER_MAX_FRAME,
};

/// The settings of one server process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Connection limit, counting connections that have not said `Hello`.
    pub max_conns: usize,
    /// Per-client limit of queued, unsent output in bytes.
    pub max_outbound: usize,
    /// `MAX_FRAME`: the largest client frame payload accepted.
    pub max_frame: u32,
    /// How long a connection may take to get a `Hello` accepted.
    pub hello_timeout: Duration,
    /// Worker threads (`async_server` only; `None` means one per CPU).
    pub threads: Option<usize>,
    /// `--redis` and its companions: cluster mode.
    pub cluster: Option<ClusterConfig>,
}

/// The flags of cluster mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// `--redis HOST:PORT`: the Redis server the nodes share.
    pub redis: SocketAddr,
    /// `--node-id ID`: this node's id; generated when absent.
    pub node_id: Option<String>,
    /// `--redis-grace-ms MS`: how long clients are kept while Redis is away.
    pub grace: Duration,
}

/// Which flags beyond PROTOCOL.md section 6 a binary takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extras {
    /// `--threads N` (`async_server`).
    pub threads: bool,
    /// `--redis`, `--node-id`, `--redis-grace-ms` (`event_server`,
    /// `async_server`).
    pub cluster: bool,
}

impl Extras {
    /// Only the flags of PROTOCOL.md section 6.
    pub const NONE: Extras = Extras {
        threads: false,
        cluster: false,
    };
    /// Plus `--threads`.
    pub const THREADS: Extras = Extras {
        threads: true,
        cluster: false,
    };
    /// Plus the cluster flags.
    pub const CLUSTER: Extras = Extras {
        threads: false,
        cluster: true,
    };
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            max_conns: DEFAULT_MAX_CONNS,
            max_outbound: DEFAULT_MAX_OUTBOUND,
            max_frame: DEFAULT_MAX_FRAME,
            hello_timeout: Duration::from_millis(DEFAULT_HELLO_TIMEOUT_MS),
            threads: None,
            cluster: None,
        }
    }
}

impl Config {
    /// The hub's settings for server `name`: `--max-conns`, and `name` with
    /// this crate's version as the server string of `Welcome`.
    pub fn hub_config(&self, name: &str) -> hub::Config {
        hub::Config {
            max_conns: self.max_conns,
            ..hub::Config::new(format!("{name} {}", env!("CARGO_PKG_VERSION")))
        }
    }

    /// The usage text of `program`, with the flags `extras` adds.
    pub fn usage(program: &str, extras: Extras) -> String {
        let mut s = format!(
            "usage: {program} [--addr HOST:PORT] [--max-conns N] [--max-outbound BYTES]\n\
             \x20      [--max-frame BYTES] [--hello-timeout-ms MS]{}{}\n\
             \n\
             \x20 --addr HOST:PORT        address to listen on (default {DEFAULT_ADDR}; port 0 picks a free port)\n\
             \x20 --max-conns N           connection limit (default {DEFAULT_MAX_CONNS})\n\
             \x20 --max-outbound BYTES    per-client queued-output limit (default {DEFAULT_MAX_OUTBOUND})\n\
             \x20 --max-frame BYTES       largest client frame payload (default {DEFAULT_MAX_FRAME})\n\
             \x20 --hello-timeout-ms MS   deadline for an accepted Hello (default {DEFAULT_HELLO_TIMEOUT_MS})\n",
            if extras.threads { " [--threads N]" } else { "" },
            if extras.cluster {
                "\n       [--redis HOST:PORT [--node-id ID] [--redis-grace-ms MS]]"
            } else {
                ""
            }
        );
        if extras.threads {
            s.push_str("  --threads N             worker threads (default: the number of CPUs)\n");
        }
        if extras.cluster {
            s.push_str(&format!(
                "  --redis HOST:PORT       join a cluster of nodes sharing one chat through this Redis\n\
                 \x20 --node-id ID            this node's id, 1-64 of [A-Za-z0-9._-] (default: generated)\n\
                 \x20 --redis-grace-ms MS     how long clients wait for a lost Redis (default {})\n",
                DEFAULT_REDIS_GRACE.as_millis()
            ));
        }
        s.push_str("  --help                  print this help and exit\n");
        s
    }

    /// Parses flags (without the program name), accepting those `extras`
    /// adds. Flags may be given as `--flag value` or `--flag=value`.
    pub fn parse<I, S>(args: I, extras: Extras) -> Result<Config, CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cfg = Config::default();
        let mut flags = Flags::new(args);
        let (mut redis, mut node_id, mut grace) = (None, None, None);
        while let Some(flag) = flags.next_flag()? {
            match flag.as_str() {
                "--addr" => cfg.addr = socket_addr(&flag, &flags.value()?)?,
                "--max-conns" => cfg.max_conns = flags.number(1, u32::MAX as u64)? as usize,
                "--max-outbound" => cfg.max_outbound = flags.number(1, u32::MAX as u64)? as usize,
                "--max-frame" => cfg.max_frame = flags.number(1, SERVER_MAX_FRAME as u64)? as u32,
                "--hello-timeout-ms" => {
                    cfg.hello_timeout = Duration::from_millis(flags.number(1, 86_400_000)?)
                }
                "--threads" if extras.threads => {
                    cfg.threads = Some(flags.number(1, 1024)? as usize)
                }
                "--redis" if extras.cluster => redis = Some(socket_addr(&flag, &flags.value()?)?),
                "--node-id" if extras.cluster => {
                    let id = flags.value()?;
                    if !NodeConfig::is_valid_id(&id) {
                        return Err(CliError::Bad(format!(
                            "--node-id: '{id}' is not 1 to 64 of [A-Za-z0-9._-]"
                        )));
                    }
                    node_id = Some(id);
                }
                "--redis-grace-ms" if extras.cluster => {
                    grace = Some(Duration::from_millis(flags.number(1, 86_400_000)?))
                }
                _ => return Err(flags.unknown()),
            }
        }
        cfg.cluster = match redis {
            Some(redis) => Some(ClusterConfig {
                redis,
                node_id,
                grace: grace.unwrap_or(DEFAULT_REDIS_GRACE),
            }),
            None if node_id.is_some() || grace.is_some() => {
                return Err(CliError::Bad(
                    "--node-id and --redis-grace-ms need --redis".into(),
                ))
            }
            None => None,
        };
        Ok(cfg)
    }

    /// Parses `std::env::args()`; on `--help` prints usage and exits 0, on a
    /// bad flag prints the message and usage to standard error and exits 2
    /// ([`CliError::report`]).
    pub fn from_env_or_exit(program: &str, extras: Extras) -> Config {
        Config::parse(std::env::args().skip(1), extras).unwrap_or_else(|e| {
            std::process::exit(e.report(program, &Config::usage(program, extras)))
        })
    }
}

/// The default of `--redis-grace-ms`.
pub const DEFAULT_REDIS_GRACE: Duration = Duration::from_secs(10);

/// How every server starts (section 6): raises the open-file limit (a
/// warning on standard error if it cannot), listens on `config.addr`, and
/// prints the `listening on` line with the real port, flushed, so that
/// whoever started the server (a test binding port 0) can connect.
/// `name` is the server's, for the warning.
pub fn listen(name: &str, config: &Config) -> io::Result<TcpListener> {
    if let Err(e) = sys::rlimit::raise_nofile_limit() {
        eprintln!("{name}: cannot raise the open-file limit: {e}");
    }
    let listener = TcpListener::bind(config.addr)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.addr)))?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", listening_line(listener.local_addr()?))?;
    stdout.flush()?;
    Ok(listener)
}

/// Formats the line a server prints once it is listening (section 6):
/// `listening on 127.0.0.1:7878`, IPv6 hosts in brackets.
pub fn listening_line(addr: SocketAddr) -> String {
    // SocketAddr's Display already brackets IPv6 hosts: `[::1]:7878`.
    format!("listening on {addr}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, CliError> {
        Config::parse(args.iter().copied(), Extras::NONE)
    }

    #[test]
    fn defaults_match_protocol_section_6() {
        let cfg = parse(&[]).unwrap();
        assert_eq!(cfg.addr, "127.0.0.1:7878".parse().unwrap());
        assert_eq!(cfg.max_conns, 10_000);
        assert_eq!(cfg.max_outbound, 1_048_576);
        assert_eq!(cfg.max_frame, 65_536);
        assert_eq!(cfg.hello_timeout, Duration::from_secs(10));
        assert_eq!(cfg.threads, None);
    }

    #[test]
    fn every_flag_in_both_spellings() {
        let cfg = parse(&[
            "--addr",
            "[::1]:0",
            "--max-conns=5",
            "--max-outbound",
            "100",
            "--max-frame=10",
            "--hello-timeout-ms",
            "250",
        ])
        .unwrap();
        assert_eq!(cfg.addr, "[::1]:0".parse().unwrap());
        assert_eq!(cfg.max_conns, 5);
        assert_eq!(cfg.max_outbound, 100);
        assert_eq!(cfg.max_frame, 10);
        assert_eq!(cfg.hello_timeout, Duration::from_millis(250));
    }

    #[test]
    fn threads_only_where_allowed() {
        assert!(matches!(parse(&["--threads", "2"]), Err(CliError::Bad(_))));
        let cfg = Config::parse(["--threads", "3"], Extras::THREADS).unwrap();
        assert_eq!(cfg.threads, Some(3));
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        for args in [
            &["--nope"][..],
            &["--addr"],
            &["--addr", "nowhere"],
            &["--max-conns", "0"],
            &["--max-conns", "-1"],
            &["--max-frame", "2000000"],
            &["extra"],
        ] {
            match parse(args) {
                Err(CliError::Bad(msg)) => assert!(!msg.is_empty()),
                other => panic!("{args:?} gave {other:?}"),
            }
        }
        assert_eq!(parse(&["--help"]), Err(CliError::Help));
    }

    #[test]
    fn listening_line_brackets_ipv6() {
        assert_eq!(
            listening_line("127.0.0.1:80".parse().unwrap()),
            "listening on 127.0.0.1:80"
        );
        assert_eq!(
            listening_line("[::1]:7878".parse().unwrap()),
            "listening on [::1]:7878"
        );
    }

    #[test]
    fn cluster_flags_only_for_event_server_and_only_with_redis() {
        let args = [
            "--redis",
            "127.0.0.1:6379",
            "--node-id=a.b-c_1",
            "--redis-grace-ms",
            "500",
        ];
        let cfg = Config::parse(args, Extras::CLUSTER).unwrap();
        assert_eq!(
            cfg.cluster,
            Some(ClusterConfig {
                redis: "127.0.0.1:6379".parse().unwrap(),
                node_id: Some("a.b-c_1".into()),
                grace: Duration::from_millis(500),
            })
        );
        let plain = Config::parse(["--redis", "127.0.0.1:1"], Extras::CLUSTER).unwrap();
        assert_eq!(plain.cluster.unwrap().grace, DEFAULT_REDIS_GRACE);
        assert_eq!(
            Config::parse(args, Extras::NONE),
            Err(CliError::Bad("unknown argument '--redis'".into()))
        );
        for bad in [
            &["--node-id", "a"][..],
            &["--redis", "127.0.0.1:1", "--node-id", "a b"],
            &["--redis", "127.0.0.1:1", "--node-id", ""],
            &["--redis", "nowhere"],
        ] {
            match Config::parse(bad.iter().copied(), Extras::CLUSTER) {
                Err(CliError::Bad(msg)) => assert!(!msg.is_empty()),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert!(Config::usage("event_server", Extras::CLUSTER).contains("--redis HOST:PORT"));
        assert!(!Config::usage("thread_server", Extras::NONE).contains("--redis"));
    }
}
