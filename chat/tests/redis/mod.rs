//! Shared by the tests that need a real Redis: a private `redis-server` per
//! test, and a small blocking driver over `chat::cluster::conn`.
//!
//! [`Redis::start`] finds `redis-server` (installing Debian's package once
//! when it is missing and the tests run as root), starts it on a free
//! loopback port with persistence off, waits until its log says it accepts
//! connections and it answers `PING`, and stops it by pid on drop (SIGTERM,
//! then SIGKILL). A test that cannot start Redis fails; it never skips.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use chat::cluster::conn::{CommandId, ConnLimits, Connection, Event};
use chat::cluster::resp::Value;

/// The Debian package that provides `redis-server`.
pub const PACKAGE: &str = "redis-server";

/// Lock file that serialises installs across test processes.
const INSTALL_LOCK: &str = "/tmp/chat-tests-redis-install.lock";

/// Bound on start-up (an install excluded) and on any one blocking read:
/// a hang guard, never a timing assertion.
const DEADLINE: Duration = Duration::from_secs(30);

fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/sbin", "/usr/local/bin"].map(PathBuf::from))
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn apt_get(args: &[&str]) -> bool {
    Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The path of `redis-server`, installed at most once per test run.
fn redis_binary() -> &'static Path {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = BINARY.get_or_init(|| {
        if let Some(p) = find_binary() {
            return Ok(p);
        }
        let missing = format!(
            "redis-server not found: these tests need Debian's `{PACKAGE}` package \
             (apt-get install -y {PACKAGE})"
        );
        if !is_root() {
            return Err(missing);
        }
        // Other test binaries may run at the same time: one apt at a time,
        // and whoever gets the lock second finds the binary installed.
        let lock = File::create(INSTALL_LOCK).map_err(|e| format!("{INSTALL_LOCK}: {e}"))?;
        lock.lock()
            .map_err(|e| format!("locking {INSTALL_LOCK}: {e}"))?;
        if let Some(p) = find_binary() {
            return Ok(p);
        }
        eprintln!("installing {PACKAGE} with apt-get");
        let installed = apt_get(&["install", "-y", "-qq", PACKAGE])
            || (apt_get(&["update", "-qq"]) && apt_get(&["install", "-y", "-qq", PACKAGE]));
        drop(lock);
        match find_binary() {
            Some(p) if installed => Ok(p),
            _ => Err(format!("{missing}; apt-get install failed")),
        }
    });
    match found {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// A loopback port that was free a moment ago, outside the kernel's
/// ephemeral range when it can be.
///
/// A port from `bind(127.0.0.1:0)` is in the ephemeral range, where the
/// kernel hands ports to every other socket that binds port 0 or connects
/// (other tests' servers and clients). A test that stops Redis and starts
/// it again on the same port would then find the port taken meanwhile, or
/// worse, its nodes would reach a stranger's Redis. A random port below
/// the ephemeral range is only ever taken by another pick like this one.
fn free_port() -> u16 {
    let (low, _) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut it = text.split_whitespace().map(|w| w.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((0, 0));
    const FLOOR: u16 = 10_000;
    if low > FLOOR + 1000 {
        for _ in 0..100 {
            let port = FLOOR + (random() % u64::from(low - FLOOR)) as u16;
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding 127.0.0.1:0")
        .port()
}

/// A random number (std's randomly keyed hasher, fresh each call).
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// A private `redis-server`, stopped on drop.
#[derive(Debug)]
pub struct Redis {
    child: Child,
    port: u16,
    /// A file Redis wrote that goes when it stops (a cluster node's config).
    scratch: Option<PathBuf>,
}

impl Redis {
    /// Starts a server with no persistence on a free loopback port.
    pub fn start() -> Redis {
        Redis::start_with(&[])
    }

    /// As [`start`](Self::start), with extra `--name value` arguments.
    pub fn start_with(extra: &[&str]) -> Redis {
        let mut last_log = Vec::new();
        // The port may be taken between our probe and Redis's bind: retry.
        for _ in 0..5 {
            match Redis::try_start(free_port(), extra) {
                Ok(redis) => return redis,
                Err((log, in_use)) => {
                    last_log = log;
                    if !in_use {
                        break;
                    }
                }
            }
        }
        panic!(
            "redis-server did not start; its log:\n{}",
            last_log.join("\n")
        );
    }

    /// Starts Redis on `port`; `Err` holds its log and whether the port
    /// was in use.
    fn try_start(port: u16, extra: &[&str]) -> Result<Redis, (Vec<String>, bool)> {
        let bin = redis_binary();
        let mut child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--logfile", "", "--loglevel", "notice"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Reads the log to its end, so that Redis never blocks on a
        // full pipe; the test reads it only until "Ready".
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let start = Instant::now();
        let mut log = Vec::new();
        let ready = loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let ready = line.contains("Ready to accept connections");
                    log.push(line);
                    if ready {
                        break true;
                    }
                }
                Err(_) => break false, // exited, or the deadline passed
            }
        };
        let mut redis = Redis {
            child,
            port,
            scratch: None,
        };
        if ready {
            let mut client = redis.client();
            assert_eq!(
                client.call(&["PING"]),
                Value::Simple(b"PONG".to_vec()),
                "redis on port {port} answers PING"
            );
            return Ok(redis);
        }
        let in_use = log.iter().any(|l| l.contains("Address already in use"));
        redis.stop();
        Err((log, in_use))
    }

    /// Stops this server (SIGTERM, then SIGKILL) and starts a new one,
    /// empty, on the same port (a restart without persistence). Retries
    /// for a bounded time while the port is still held.
    pub fn restart(&mut self) {
        self.stop();
        let start = Instant::now();
        loop {
            match Redis::try_start(self.port, &[]) {
                Ok(mut fresh) => {
                    std::mem::swap(self, &mut fresh);
                    return; // `fresh` holds the stopped child now
                }
                Err((log, in_use)) => assert!(
                    in_use && start.elapsed() < DEADLINE,
                    "redis-server did not restart on port {}; its log:\n{}",
                    self.port,
                    log.join("\n")
                ),
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server at once (SIGKILL) and reaps it: its clients see
    /// their connections end. [`restart`](Self::restart) brings it back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A one-node Redis Cluster holding every slot, so that the slot rules
    /// (`CROSSSLOT`) apply as on a real cluster.
    pub fn start_cluster_node() -> Redis {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let conf = std::env::temp_dir().join(format!(
            "chat-tests-redis-nodes-{}-{n}.conf",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&conf);
        let conf_arg = conf.to_str().expect("a UTF-8 temp dir").to_owned();
        let mut redis = Redis::start_with(&[
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            &conf_arg,
        ]);
        redis.scratch = Some(conf);
        let mut c = redis.client();
        assert_eq!(
            c.call(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]),
            Value::Simple(b"OK".to_vec())
        );
        // The node takes the slots on its next cluster tick: poll, bounded.
        let start = Instant::now();
        loop {
            let info = c.call(&["CLUSTER", "INFO"]);
            let text = info.as_bytes().expect("CLUSTER INFO text");
            if text.windows(16).any(|w| w == b"cluster_state:ok") {
                return redis;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "cluster node never reached cluster_state:ok"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's loopback address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// A new RESP3 connection, handshake done.
    pub fn client(&self) -> Client {
        Client::connect(self.addr())
    }

    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        if let Some(path) = self.scratch.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A blocking RESP3 client: a `TcpStream` driving a sans-I/O
/// [`Connection`]. Events are kept in stream order.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    conn: Connection,
    events: VecDeque<Event>,
}

impl Client {
    /// Connects and completes `HELLO 3`.
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connecting to redis");
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut client = Client {
            stream,
            conn: Connection::new(ConnLimits::default()),
            events: VecDeque::new(),
        };
        client.flush();
        while client.conn.hello().is_none() {
            client.read_some();
        }
        client
    }

    /// The sans-I/O connection underneath.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Queues a command without writing it (to pipeline several in one write).
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) -> CommandId {
        self.conn.send(args).expect("queueing a command")
    }

    /// Writes everything queued.
    pub fn flush(&mut self) {
        let out = self.conn.pending_output();
        let n = out.len();
        self.stream.write_all(out).expect("writing to redis");
        self.conn.consume_output(n);
    }

    /// Queues and writes one command.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> CommandId {
        let id = self.queue(args);
        self.flush();
        id
    }

    /// Reads once and decodes every whole event.
    fn read_some(&mut self) {
        let mut buf = vec![0; self.conn.read_capacity().clamp(1, 64 * 1024)];
        let n = self.stream.read(&mut buf).expect("reading from redis");
        assert!(n > 0, "redis closed the connection");
        self.conn.handle_input(&buf[..n]).unwrap();
        while let Some(event) = self.conn.poll_event().unwrap() {
            self.events.push_back(event);
        }
    }

    /// The next event in stream order.
    pub fn next_event(&mut self) -> Event {
        loop {
            if let Some(e) = self.events.pop_front() {
                return e;
            }
            self.read_some();
        }
    }

    /// The reply to `id`, keeping every other event in order.
    pub fn wait(&mut self, id: CommandId) -> Value {
        let mut i = 0;
        loop {
            while i < self.events.len() {
                if matches!(&self.events[i], Event::Reply { id: got, .. } if *got == id) {
                    let Some(Event::Reply { value, .. }) = self.events.remove(i) else {
                        unreachable!("matched a reply at {i}")
                    };
                    return value;
                }
                i += 1;
            }
            self.read_some();
        }
    }

    /// Sends one command and waits for its reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        let id = self.send(args);
        self.wait(id)
    }

    /// The next push, skipping nothing: a reply first is a test failure.
    pub fn next_push(&mut self) -> Vec<Value> {
        match self.next_event() {
            Event::Push(items) => items,
            other => panic!("expected a push, got {other:?}"),
        }
    }
}
