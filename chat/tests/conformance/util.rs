//! The harness: start a server binary, talk to it over real sockets, and
//! build hostile bytes by hand.
//!
//! Every read has a timeout ([`IO_TIMEOUT`]) so that a server that stays
//! silent makes a test fail with a message instead of hanging, and every
//! child process is killed and reaped when its [`Server`] guard is dropped.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chat::fmt::binary::{from_bytes, to_vec};
use chat::fmt::framed::encode_frame;
use chat::protocol::{ClientMsg, ErrorCode, ServerMsg, LOBBY, PROTOCOL_VERSION, SERVER_MAX_FRAME};

/// How long any single read or write may take before the test fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The environment variable naming a server binary to test.
pub const SERVER_ENV: &str = "CHAT_SERVER_BIN";

/// The binary named by [`SERVER_ENV`], if any.
pub fn env_server() -> Option<PathBuf> {
    std::env::var_os(SERVER_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The environment variable naming a `client` binary to test.
pub const CLIENT_ENV: &str = "CHAT_CLIENT_BIN";

/// The binary named by [`CLIENT_ENV`], if any.
pub fn env_client() -> Option<PathBuf> {
    std::env::var_os(CLIENT_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Run one client test against a server and a client binary, or print why
/// it is skipped.
pub fn run_client_with(bins: Option<(PathBuf, PathBuf)>, name: &str, test: fn(&Path, &Path)) {
    match bins {
        Some((server, client)) => test(&server, &client),
        None => {
            eprintln!("skipped {name}: set {SERVER_ENV} and {CLIENT_ENV} to run the client tests")
        }
    }
}

/// Run one suite test against `bin`, or print why it is skipped.
pub fn run_with(bin: Option<PathBuf>, name: &str, test: fn(&Path)) {
    match bin {
        Some(bin) => test(&bin),
        None => eprintln!("skipped {name}: set {SERVER_ENV}=/path/to/server to run the suite"),
    }
}

/// Run one suite test against a cluster, one node per binary of `nodes`,
/// sharing one private Redis: every [`Server::start`] in the test starts
/// such a cluster (see [`crate::cluster`]).
pub fn run_cluster_with(nodes: &[PathBuf], test: fn(&Path)) {
    let _mode = crate::cluster::Mode::set(nodes);
    test(&nodes[0]);
}

// ---------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------

/// A running server binary; killed and reaped on drop.
///
/// In cluster mode ([`run_cluster_with`]) it is the first node of a
/// cluster: the other nodes and their Redis are in `cluster`, and
/// [`connect`](Server::connect) spreads connections over every node.
pub struct Server {
    child: Child,
    /// The address from its `listening on` line (the first node's, in a
    /// cluster).
    pub addr: SocketAddr,
    /// The first line of its standard output, verbatim.
    pub first_line: String,
    stderr: Arc<Mutex<Vec<u8>>>,
    exited: Option<ExitStatus>,
    /// The rest of the cluster, when this is its first node.
    cluster: Option<Box<crate::cluster::Cluster>>,
}

impl Server {
    /// Start `bin --addr 127.0.0.1:0 ARGS...` and wait for its `listening on` line.
    ///
    /// In cluster mode, start a cluster instead: a private Redis and one
    /// node per binary of the mode, `BIN --addr 127.0.0.1:0 --redis ADDR
    /// ARGS...` (`bin` is then the first of them).
    pub fn start(bin: &Path, args: &[&str]) -> Server {
        if let Some(nodes) = crate::cluster::Mode::nodes() {
            return crate::cluster::Cluster::start(&nodes, args);
        }
        let mut full = vec!["--addr", "127.0.0.1:0"];
        full.extend_from_slice(args);
        Server::start_raw(bin, &full)
    }

    /// This server, made the first node of `cluster`.
    pub(crate) fn with_cluster(mut self, cluster: crate::cluster::Cluster) -> Server {
        self.cluster = Some(Box::new(cluster));
        self
    }

    /// Like [`Server::start`], with `RLIMIT_NOFILE` (soft and hard) set to
    /// `limit` by the shell that execs the server.
    pub fn start_with_fd_limit(bin: &Path, limit: u32, args: &[&str]) -> Server {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
            .arg(bin)
            .args(["--addr", "127.0.0.1:0"])
            .args(args);
        Server::spawn(cmd)
    }

    /// Start `bin ARGS...` (no implicit `--addr`) and wait for its `listening on` line.
    pub fn start_raw(bin: &Path, args: &[&str]) -> Server {
        let mut cmd = Command::new(bin);
        cmd.args(args);
        Server::spawn(cmd)
    }

    fn spawn(mut cmd: Command) -> Server {
        let program = cmd.get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        // The first line goes through a channel so that waiting for it has a
        // deadline; later lines are drained so the server never blocks on a
        // full pipe.
        let out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(out);
            let mut line = String::new();
            let first = out.read_line(&mut line).map(|_| line);
            let _ = tx.send(first);
            let mut rest = Vec::new();
            let _ = out.read_to_end(&mut rest);
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            first_line: String::new(),
            stderr,
            exited: None,
            cluster: None,
        };
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => panic!("reading the server's stdout: {e}{}", server.stderr_note()),
            Err(_) => panic!(
                "no `listening on` line within {START_TIMEOUT:?}{}",
                server.stderr_note()
            ),
        };
        match parse_listening_line(&line) {
            Some(addr) => server.addr = addr,
            None => panic!(
                "first stdout line is {line:?}, not `listening on HOST:PORT`{}",
                server.stderr_note()
            ),
        }
        server.first_line = line;
        server
    }

    /// What the server printed on standard error so far, for failure
    /// messages (every node's, in a cluster).
    pub fn stderr_note(&self) -> String {
        let mut note = self.own_stderr_note();
        if let Some(cluster) = &self.cluster {
            note.push_str(&cluster.stderr_note());
        }
        note
    }

    /// What this process printed on standard error so far.
    pub(crate) fn own_stderr_note(&self) -> String {
        let err = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        if err.is_empty() {
            String::new()
        } else {
            format!("\n--- server stderr ---\n{}", String::from_utf8_lossy(&err))
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send a signal (`"TERM"`, `"INT"`) to the server with kill(1).
    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -{sig} failed");
    }

    /// Wait (bounded) for the server to exit and return its status.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(status);
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server still running {limit:?} after it was asked to stop{}",
                self.stderr_note()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// CPU time (user + system) the server has used so far, where the OS
    /// tells (Linux `/proc`); `None` elsewhere.
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // Fields after the command name (which may hold spaces) start at 3.
        let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // /proc reports in USER_HZ, which is 100 on Linux.
        Some(Duration::from_millis(ticks * 10))
    }

    /// Panic if the server process (or, in a cluster, any node) has exited.
    pub fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            self.exited = Some(status);
            panic!("the server exited ({status}){}", self.stderr_note());
        }
        if let Some(cluster) = &mut self.cluster {
            cluster.assert_alive();
        }
    }

    /// A fresh connection with timeouts set. In a cluster, connections go
    /// to the nodes in turn (round-robin), so that the clients of every
    /// multi-client test are spread over several nodes.
    pub fn connect(&self) -> Conn {
        match &self.cluster {
            Some(cluster) => cluster.connect(),
            None => Conn::connect(self.addr),
        }
    }

    /// A fresh connection that said `Hello` and was welcomed into `lobby`.
    pub fn login(&self, nick: &str) -> Conn {
        let mut c = self.connect();
        c.login(nick);
        c
    }

    /// Log in each nick in turn; earlier clients see each later `Joined` in
    /// `lobby`, which is consumed here so every returned stream is quiet.
    pub fn login_all(&self, nicks: &[&str]) -> Vec<Conn> {
        let mut conns: Vec<Conn> = Vec::new();
        for nick in nicks {
            let c = self.login(nick);
            for earlier in &mut conns {
                earlier.expect(ServerMsg::joined(LOBBY, nick));
            }
            conns.push(c);
        }
        conns
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `bin args...` with stdin closed until it exits, at most `limit`
/// (killed and a test failure past it); its status and whole output.
pub fn run_to_exit(bin: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the server");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`{} {}` did not exit within {limit:?}",
                bin.display(),
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    Output {
        status,
        stdout,
        stderr,
    }
}

/// `listening on HOST:PORT` (with or without the newline) to its address.
pub fn parse_listening_line(line: &str) -> Option<SocketAddr> {
    let rest = line.strip_suffix('\n').unwrap_or(line);
    let rest = rest.strip_suffix('\r').unwrap_or(rest);
    let addr: SocketAddr = rest.strip_prefix("listening on ")?.parse().ok()?;
    (addr.port() != 0).then_some(addr)
}

// ---------------------------------------------------------------------------
// A client connection
// ---------------------------------------------------------------------------

static NONCE: AtomicU64 = AtomicU64::new(0x5eed_0000);

/// A nonce no other barrier in this test process uses.
pub fn fresh_nonce() -> u64 {
    NONCE.fetch_add(1, Ordering::Relaxed)
}

/// How a read of one frame ended when it did not yield a frame.
#[derive(Debug)]
pub enum Closed {
    /// Orderly end of stream at a frame boundary (or a reset, which a
    /// server closing with unread input may cause).
    Eof,
    /// The stream ended inside a frame.
    Cut,
    /// Read timeout or another error.
    Io(io::Error),
}

/// One client connection to the server under test.
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// In a cluster: how to wait until the cluster has settled for this
    /// connection's node (see [`crate::cluster::Settle`]).
    settle: Option<crate::cluster::Settle>,
}

impl Conn {
    /// Connect to `addr` with [`IO_TIMEOUT`] on reads and writes, Nagle off.
    pub fn connect(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn::from_stream(stream)
    }

    /// A connection over a stream set up by the caller.
    pub fn from_stream(stream: TcpStream) -> Conn {
        Conn {
            stream,
            settle: None,
        }
    }

    /// This connection, to a node of a cluster that `settle` waits for.
    pub(crate) fn settled_by(mut self, settle: crate::cluster::Settle) -> Conn {
        self.settle = Some(settle);
        self
    }

    /// Write raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("writing to the server");
    }

    /// Write raw bytes, tolerating a server that already closed.
    pub fn send_raw_lossy(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// Write one frame around `payload`.
    pub fn send_payload(&mut self, payload: &[u8]) {
        self.send_raw(&frame(payload));
    }

    /// Encode and send one message.
    ///
    /// In a cluster, a request whose answer depends on the state of the
    /// whole chat waits first until the cluster has settled for this
    /// connection's node ([`crate::cluster::Settle::needed_before`]).
    pub fn send(&mut self, msg: &ClientMsg) {
        if let Some(settle) = &self.settle {
            if crate::cluster::Settle::needed_before(msg) {
                settle.wait();
            }
        }
        self.send_raw(&encode_framed(msg));
    }

    /// Encode and send several messages in one write.
    pub fn send_all(&mut self, msgs: &[ClientMsg]) {
        let mut out = Vec::new();
        for m in msgs {
            out.extend_from_slice(&encode_framed(m));
        }
        self.send_raw(&out);
    }

    /// Read one frame's payload; `Err` when the stream ends or times out.
    pub fn try_recv_payload(&mut self) -> Result<Vec<u8>, Closed> {
        let mut header = [0u8; 4];
        match read_full(&mut self.stream, &mut header) {
            Ok(4) => {}
            Ok(0) => return Err(Closed::Eof),
            Ok(_) => return Err(Closed::Cut),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Err(Closed::Eof),
            Err(e) => return Err(Closed::Io(e)),
        }
        // Checked here, not with the crate's own header check: the suite
        // judges the servers independently of the code under test.
        let len = u32::from_be_bytes(header);
        assert!(
            (1..=SERVER_MAX_FRAME).contains(&len),
            "server frame header {header:02x?}: length {len} outside 1..={SERVER_MAX_FRAME} (section 2)"
        );
        let mut payload = vec![0u8; len as usize];
        match read_full(&mut self.stream, &mut payload) {
            Ok(n) if n == payload.len() => Ok(payload),
            Ok(_) => Err(Closed::Cut),
            Err(e) => Err(Closed::Io(e)),
        }
    }

    /// Read one frame's payload, panicking if there is none.
    pub fn recv_payload(&mut self) -> Vec<u8> {
        match self.try_recv_payload() {
            Ok(p) => p,
            Err(why) => panic!("expected a frame from the server, got {why:?}"),
        }
    }

    /// Read and decode one message, panicking if there is none.
    pub fn recv(&mut self) -> ServerMsg {
        decode(&self.recv_payload())
    }

    /// The next message must be `want`.
    #[track_caller]
    pub fn expect(&mut self, want: ServerMsg) {
        let got = self.recv();
        assert_eq!(got, want);
    }

    /// The next message must be an `Error` with `code`; returns its detail.
    #[track_caller]
    pub fn expect_error(&mut self, code: ErrorCode) -> String {
        match self.recv() {
            ServerMsg::Error { code: got, detail } if got == code => detail,
            other => panic!("expected Error {{ code: {code:?}, .. }}, got {other:?}"),
        }
    }

    /// The server must close the stream now: no frame, then EOF (or a reset).
    #[track_caller]
    pub fn expect_eof(&mut self) {
        match self.try_recv_payload() {
            Err(Closed::Eof) => {}
            Ok(p) => panic!(
                "expected the server to close, got a frame {:?}",
                try_decode(&p)
            ),
            Err(why) => panic!("expected the server to close, got {why:?}"),
        }
    }

    /// A fatal `Error` with `code`, then the close.
    #[track_caller]
    pub fn expect_fatal(&mut self, code: ErrorCode) {
        self.expect_error(code);
        self.expect_eof();
    }

    /// Round trip a `Ping` and return every other message that arrived
    /// before its `Pong`. Everything the server did for this client before
    /// reading the `Ping` is then known to have arrived.
    ///
    /// In a cluster, a `Pong` from this client's node does not prove that
    /// the node has received what another node published a moment ago:
    /// the `Ping` waits until the cluster has settled for the node, so
    /// that everything published before `sync` was called has arrived too.
    pub fn sync(&mut self) -> Vec<ServerMsg> {
        if let Some(settle) = &self.settle {
            settle.wait();
        }
        let nonce = fresh_nonce();
        self.send(&ClientMsg::Ping { nonce });
        let mut others = Vec::new();
        loop {
            match self.recv() {
                ServerMsg::Pong { nonce: n } if n == nonce => return others,
                m => others.push(m),
            }
        }
    }

    /// Nothing may be pending for this client (checked with a [`Conn::sync`]).
    #[track_caller]
    pub fn expect_quiet(&mut self) {
        let extra = self.sync();
        assert!(
            extra.is_empty(),
            "expected nothing before the Pong, got {extra:?}"
        );
    }

    /// Send `Hello` and expect `Welcome` (nick as given), the lobby history
    /// and `Joined`. Returns the history.
    #[track_caller]
    pub fn login(&mut self, nick: &str) -> Vec<ServerMsg> {
        self.send(&ClientMsg::hello(nick));
        self.expect_welcome(nick);
        self.expect_history_then_joined(LOBBY, nick)
    }

    /// Expect `Welcome { version: 1, nick, server }` with a non-empty `server`.
    #[track_caller]
    pub fn expect_welcome(&mut self, nick: &str) {
        match self.recv() {
            ServerMsg::Welcome {
                version,
                nick: n,
                server,
            } => {
                assert_eq!(version, PROTOCOL_VERSION, "Welcome.version");
                assert_eq!(n, nick, "Welcome.nick is the nick as stored");
                assert!(!server.is_empty(), "Welcome.server names the server");
            }
            other => panic!("expected Welcome for {nick:?}, got {other:?}"),
        }
    }

    /// Collect `Message`s of `room` until `Joined { room, nick }`.
    #[track_caller]
    pub fn expect_history_then_joined(&mut self, room: &str, nick: &str) -> Vec<ServerMsg> {
        let mut history = Vec::new();
        loop {
            match self.recv() {
                m @ ServerMsg::Message { .. } => {
                    assert!(
                        matches!(&m, ServerMsg::Message { room: r, .. } if r == room),
                        "{m:?}"
                    );
                    history.push(m);
                }
                ServerMsg::Joined { room: r, nick: n } if r == room && n == nick => return history,
                other => panic!("expected history then Joined {{ {room}, {nick} }}, got {other:?}"),
            }
        }
    }

    /// Join `room` (valid, new to this client, no history) and expect `Joined`.
    #[track_caller]
    pub fn join(&mut self, room: &str, nick: &str) {
        self.send(&ClientMsg::Join { room: room.into() });
        let history = self.expect_history_then_joined(&room.to_ascii_lowercase(), nick);
        assert!(
            history.is_empty(),
            "unexpected history in {room}: {history:?}"
        );
    }

    /// Post to `room` and expect the echo; returns the `Message` received.
    #[track_caller]
    pub fn say(&mut self, room: &str, text: &str) -> ServerMsg {
        self.send(&ClientMsg::say(room, text));
        let m = self.recv();
        match &m {
            ServerMsg::Message {
                room: r, text: t, ..
            } if *r == room.to_ascii_lowercase() && t == text => {}
            other => panic!("expected the echo of {text:?} in {room}, got {other:?}"),
        }
        m
    }

    /// Close with a reset (RST) instead of FIN: `SO_LINGER` with a zero
    /// timeout (through `sys::net`, as std has no stable setter), then close.
    pub fn reset(self) {
        let fd: std::os::fd::OwnedFd = self.stream.into();
        let stream = sys::net::TcpStream::from(fd);
        stream
            .set_linger(Some(Duration::ZERO))
            .expect("SO_LINGER 0");
        drop(stream);
    }

    /// Half-close: the server reads EOF.
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Change the read timeout.
    pub fn set_read_timeout(&mut self, t: Duration) {
        self.stream.set_read_timeout(Some(t)).unwrap();
    }
}

/// Read until `buf` is full or EOF; the count read.
fn read_full(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if filled > 0 && e.kind() == io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Each client joins `room` in turn (`nicks[i]` is the nick of `conns[i]`;
/// the room is new to each); earlier members see each later `Joined`.
#[track_caller]
pub fn join_all(conns: &mut [Conn], nicks: &[&str], room: &str) {
    for (i, nick) in nicks.iter().enumerate() {
        conns[i].join(room, nick);
        for earlier in conns.iter_mut().take(i) {
            earlier.expect(ServerMsg::joined(room, nick));
        }
    }
}

/// `conn` (nick `nick`) leaves `room`; what others did before its own
/// `Left` arrives (their `Left` from that room, say) is skipped.
#[track_caller]
pub fn leave_skipping(conn: &mut Conn, room: &str, nick: &str) {
    let me = ServerMsg::left(room, nick);
    conn.send(&ClientMsg::Leave { room: room.into() });
    while conn.recv() != me {}
}

// ---------------------------------------------------------------------------
// Messages, with the project's encoding
// ---------------------------------------------------------------------------

/// The payload of `msg` in the binary format.
pub fn encode(msg: &ClientMsg) -> Vec<u8> {
    to_vec(msg).expect("encoding a ClientMsg")
}

/// `msg` as one frame (header + payload).
pub fn encode_framed(msg: &ClientMsg) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(msg, &mut out).expect("framing a ClientMsg");
    out
}

/// Decode a server payload, or `Err` with a description.
pub fn try_decode(payload: &[u8]) -> Result<ServerMsg, String> {
    from_bytes::<ServerMsg>(payload).map_err(|e| format!("{e:?}"))
}

/// Decode a server payload; an undecodable one fails the test.
#[track_caller]
pub fn decode(payload: &[u8]) -> ServerMsg {
    try_decode(payload)
        .unwrap_or_else(|e| panic!("server sent an undecodable payload {payload:02x?}: {e}"))
}

/// The `(room, from, text, seq)` of a `Message`, panicking on anything else.
#[track_caller]
pub fn message_parts(m: &ServerMsg) -> (&str, &str, &str, u64) {
    match m {
        ServerMsg::Message {
            room,
            from,
            text,
            seq,
            ..
        } => (room, from, text, *seq),
        other => panic!("expected a Message, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Hand-built bytes
// ---------------------------------------------------------------------------

/// A frame: big-endian `u32` length, then `payload`.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

/// A payload built byte by byte, for golden and hostile bytes.
#[derive(Default, Debug, Clone)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// An empty payload.
    pub fn new() -> Bytes {
        Bytes(Vec::new())
    }

    /// Append `v` as a shortest-form LEB128 varint.
    pub fn var(mut self, mut v: u64) -> Bytes {
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(low);
                return self;
            }
            self.0.push(low | 0x80);
        }
    }

    /// Append a string: varint byte length, then the bytes.
    pub fn str(self, s: &str) -> Bytes {
        self.var(s.len() as u64).raw(s.as_bytes())
    }

    /// Append a byte string as if it were a string (for invalid UTF-8).
    pub fn str_bytes(self, s: &[u8]) -> Bytes {
        self.var(s.len() as u64).raw(s)
    }

    /// Append raw bytes.
    pub fn raw(mut self, bytes: &[u8]) -> Bytes {
        self.0.extend_from_slice(bytes);
        self
    }

    /// The payload.
    pub fn done(self) -> Vec<u8> {
        self.0
    }
}

/// A name of `n` bytes made of every allowed character class.
pub fn long_name(n: usize) -> String {
    const ALPHABET: &[u8] = b"aZ09-_bY18";
    (0..n)
        .map(|i| ALPHABET[i % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_shortest_form_leb128() {
        assert_eq!(Bytes::new().var(0).done(), [0x00]);
        assert_eq!(Bytes::new().var(127).done(), [0x7f]);
        assert_eq!(Bytes::new().var(128).done(), [0x80, 0x01]);
        assert_eq!(Bytes::new().var(300).done(), [0xac, 0x02]);
        assert_eq!(Bytes::new().var(16_384).done(), [0x80, 0x80, 0x01]);
        let max = Bytes::new().var(u64::MAX).done();
        assert_eq!(max.len(), 10);
        assert_eq!(max[9], 0x01);
    }

    #[test]
    fn frames_carry_a_big_endian_length() {
        assert_eq!(frame(&[9]), [0, 0, 0, 1, 9]);
        assert_eq!(frame(&[0; 258])[..4], [0, 0, 1, 2]);
    }

    #[test]
    fn the_project_encoding_matches_hand_built_bytes() {
        let cases: Vec<(ClientMsg, Vec<u8>)> = vec![
            (
                ClientMsg::hello("bob"),
                Bytes::new().var(0).var(1).str("bob").done(),
            ),
            (
                ClientMsg::say("lobby", "hi"),
                Bytes::new().var(1).str("lobby").str("hi").done(),
            ),
            (ClientMsg::Join { room: "r".into() }, vec![2, 1, b'r']),
            (ClientMsg::Leave { room: "r".into() }, vec![3, 1, b'r']),
            (
                ClientMsg::Whisper {
                    to: "a".into(),
                    text: "x".into(),
                },
                vec![4, 1, b'a', 1, b'x'],
            ),
            (ClientMsg::Nick { nick: "n".into() }, vec![5, 1, b'n']),
            (ClientMsg::ListRooms, vec![6]),
            (ClientMsg::ListUsers { room: "r".into() }, vec![7, 1, b'r']),
            (ClientMsg::Ping { nonce: 300 }, vec![8, 0xac, 0x02]),
            (ClientMsg::Bye, vec![9]),
        ];
        for (msg, bytes) in cases {
            assert_eq!(encode(&msg), bytes, "{msg:?}");
            assert_eq!(encode_framed(&msg), frame(&bytes), "{msg:?}");
        }
    }

    #[test]
    fn server_messages_decode_from_hand_built_bytes() {
        let pong = Bytes::new().var(8).var(u64::MAX).done();
        assert_eq!(decode(&pong), ServerMsg::Pong { nonce: u64::MAX });
        let err = Bytes::new().var(9).var(16).str("bye").done();
        assert_eq!(
            decode(&err),
            ServerMsg::Error {
                code: ErrorCode::ShuttingDown,
                detail: "bye".into()
            }
        );
        let users = Bytes::new()
            .var(7)
            .str("r")
            .var(2)
            .str("_a")
            .str("B")
            .done();
        assert_eq!(
            decode(&users),
            ServerMsg::Users {
                room: "r".into(),
                nicks: vec!["_a".into(), "B".into()]
            }
        );
        assert!(try_decode(&[10]).is_err(), "unknown variant");
        assert!(try_decode(&[8, 1, 0]).is_err(), "trailing byte");
    }

    #[test]
    fn listening_lines_parse() {
        assert_eq!(
            parse_listening_line("listening on 127.0.0.1:4000\n"),
            Some(SocketAddr::from(([127, 0, 0, 1], 4000)))
        );
        assert_eq!(
            parse_listening_line("listening on [::1]:7878").map(|a| a.port()),
            Some(7878)
        );
        assert_eq!(
            parse_listening_line("listening on 127.0.0.1:0\n"),
            None,
            "the real port, never 0"
        );
        assert_eq!(parse_listening_line("Listening on 127.0.0.1:4000\n"), None);
        assert_eq!(parse_listening_line("listening on localhost:4000\n"), None);
    }

    #[test]
    fn long_names_have_the_asked_length_and_are_valid() {
        for n in [1, 32, 33] {
            let name = long_name(n);
            assert_eq!(name.len(), n);
            assert_eq!(chat::protocol::is_valid_name(&name), n <= 32);
        }
    }
}
