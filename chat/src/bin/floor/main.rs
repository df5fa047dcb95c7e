//! `floor`: the least a server can do for `loadgen fanout`, to measure
//! what the bytes themselves cost.
//!
//! A chat server's CPU per delivery has two parts: what the kernel charges
//! to put a frame into a recipient's socket (the system call, the copy,
//! loopback TCP, which on loopback includes the receiver's side), and what
//! the server adds (the hub, queues, order, limits, fairness). This program
//! keeps only the first part and the least protocol `loadgen` needs, so the
//! ratio of a real server to it says how much of the server's cost is its
//! own:
//!
//! - `Hello` is answered with `Welcome` and the client's own `Joined` for
//!   `lobby` (nothing to the others); `Leave` with the client's own `Left`
//!   (it then reads nothing); `Ping` with `Pong`; `Bye` closes.
//!   Nothing is checked: not the nick, not the room, not the sizes.
//! - every `Say` becomes one `Message` in `lobby`, numbered by one counter
//!   and encoded once, at the end of one shared **log**;
//! - each client has a **cursor** into the log: what it has been sent.
//!   Writing to a client is one system call for everything between its
//!   cursor and the end of the log, the same bytes every client gets, so
//!   every client gets every message in one order (all that `loadgen`
//!   verifies) with no queue and no copy per client. The log drops what
//!   every cursor has passed.
//!
//! ```text
//!   log:   [ Message 41 | Message 42 | Message 43 | Message 44 ]
//!                 ▲ client 7          ▲ client 2               ▲ end
//!   flush(client 7) = one send of Messages 41..=44
//! ```
//!
//! When to write is the other lever. Clients with unsent bytes wait in a
//! FIFO **rotation**; each turn (one `poll` and the reads it reported)
//! flushes the next `--per-turn` of them (default: 4, or an eighth of the
//! rotation when that is more, as `event_server` does), so a client
//! collects several turns' messages per system call. `--per-turn all`
//! flushes every client every turn.
//!
//! How a flush hands the bytes to the kernel is the third:
//!
//! | `--shape` | one flush of one client |
//! | --- | --- |
//! | `contiguous` (default) | one `send` of its whole range of the log (one iovec) |
//! | `iovec` | one `sendmsg` with an iovec per frame, up to 1 024 |
//! | `perframe` | one `send` per frame |
//! | `cork` | one `send` per frame between `TCP_CORK` on and off |
//! | `uring` | its range copied to a buffer of its own and sent with `IORING_OP_SEND`; the turn's flushes go in one `io_uring_enter` |
//!
//! A client whose socket takes only part of its range waits for
//! writability and rejoins the rotation then. Nothing bounds how far a
//! client may fall behind, and nothing else is kept per client.
//!
//! Which threads send is the last: one (the default), or the sends of a
//! pass spread over several cores, `--writers K` (each turn's flushes
//! split between the main thread and K-1 helpers) or `--shards K` (K
//! writer threads that own the members; the main thread only reads). See
//! [`threads`]. With `--shards` the writers own each member's socket
//! from its `Welcome` on, and it serves `fanout` and `latency`, which
//! need nothing more: `Leave` does not stop the log, a reply after
//! `Hello` (`Pong`, `Left`) is written by the main thread and can land
//! inside a frame of the log, `--per-turn` does not apply, and a writer
//! whose members' sockets are all full looks again every 100 µs instead
//! of waiting for writability.
//!
//! Usage: `floor [--addr HOST:PORT] [--shape SHAPE] [--per-turn K|all]
//! [--writers K | --shards K]`; it prints `listening on HOST:PORT` and
//! serves until killed.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, IoSlice, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::rc::Rc;
use std::sync::Arc;

use chat::clock::unix_ms;
use chat::fmt::binary::from_bytes;
use chat::fmt::framed::{encode_frame, FrameDecoder};
use chat::protocol::{ClientMsgRef, ServerMsgRef, DEFAULT_MAX_FRAME, LOBBY, PROTOCOL_VERSION};
use sys::net::{TcpListener, TcpStream};
#[cfg(target_os = "linux")]
use sys::uring::Uring;
use sys::{Events, Interest, Poll, Token};

use self::threads::{Shards, Split};

mod threads;

const USAGE: &str = "usage: floor [--addr HOST:PORT] \
[--shape contiguous|iovec|perframe|cork|uring] [--per-turn K|all] \
[--writers K | --shards K]";

/// Where the kernel has no `io_uring`, `--shape uring` is refused.
#[cfg(not(target_os = "linux"))]
#[derive(Debug)]
enum Uring {}

#[cfg(not(target_os = "linux"))]
impl Uring {
    fn new(_entries: u32) -> io::Result<Uring> {
        Err(io::Error::new(
            ErrorKind::Unsupported,
            "--shape uring needs Linux (io_uring)",
        ))
    }
}

/// The listener's token.
const LISTENER: Token = Token(usize::MAX);

/// The log length at which the cursors are looked at, at the least.
const TRIM_AT: usize = 64 * 1024;

/// The most iovecs in one `sendmsg` (`IOV_MAX`).
const IOV_MAX: usize = 1024;

/// How a flush hands a client's bytes to the kernel; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Contiguous,
    Iovec,
    PerFrame,
    Cork,
    Uring,
}

impl Shape {
    fn parse(name: &str) -> Option<Shape> {
        Some(match name {
            "contiguous" => Shape::Contiguous,
            "iovec" => Shape::Iovec,
            "perframe" => Shape::PerFrame,
            "cork" => Shape::Cork,
            "uring" => Shape::Uring,
            _ => return None,
        })
    }
}

/// How many clients of the rotation a turn flushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PerTurn {
    /// This many, or an eighth of the rotation when that is more.
    AtLeast(usize),
    /// All of them.
    All,
}

impl PerTurn {
    fn parse(value: &str) -> Option<PerTurn> {
        match value {
            "all" => Some(PerTurn::All),
            n => n.parse().ok().filter(|&n| n > 0).map(PerTurn::AtLeast),
        }
    }

    fn count(self, waiting: usize) -> usize {
        match self {
            PerTurn::AtLeast(n) => n.max(waiting / 8),
            PerTurn::All => waiting,
        }
    }
}

/// Which threads make the sends (see [`threads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threads {
    /// The main thread, alone.
    One,
    /// `--writers K`: the main thread and K-1 helpers share each turn.
    Split(usize),
    /// `--shards K`: K writer threads own the members; the main thread reads.
    Shards(usize),
}

/// The command line.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Args {
    addr: SocketAddr,
    shape: Shape,
    per_turn: PerTurn,
    threads: Threads,
}

/// One client.
#[derive(Debug)]
struct Client {
    stream: TcpStream,
    /// A second descriptor of the socket for the ring (`uring` only).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    ring_fd: Option<Rc<OwnedFd>>,
    /// A second descriptor of the socket for other threads (`--writers`
    /// and `--shards` only).
    shared: Option<Arc<TcpStream>>,
    decoder: FrameDecoder,
    nick: String,
    /// Said `Hello`: reads the log.
    member: bool,
    /// The log offset (counted from the start of the run) sent so far.
    cursor: u64,
    /// `--shards`: handed to a writer thread, which owns the log's bytes
    /// to it from then on (a later `Hello` is ignored).
    handed: bool,
    /// In the rotation.
    waiting: bool,
    /// Its socket refused bytes: wait for writability.
    blocked: bool,
    /// Replies of its own (`Welcome`, `Joined`, `Pong`) not yet written.
    own: Vec<u8>,
    /// A buffer for the ring's sends, handed back by each completion.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    spare: Option<Vec<u8>>,
}

/// The `Message`s not yet sent to every member, back to back.
#[derive(Debug, Default)]
struct Log {
    bytes: Vec<u8>,
    /// The offset of `bytes[0]`, counted from the start of the run.
    base: u64,
    /// Where each frame in `bytes` starts, as offsets from the start of
    /// the run (the `iovec` shape cuts at them).
    starts: VecDeque<u64>,
}

impl Log {
    fn end(&self) -> u64 {
        self.base + self.bytes.len() as u64
    }

    /// The bytes from offset `from` to the end.
    fn from(&self, from: u64) -> &[u8] {
        &self.bytes[(from - self.base) as usize..]
    }

    /// Forgets the bytes before offset `to`.
    fn trim(&mut self, to: u64) {
        let cut = (to - self.base) as usize;
        self.bytes.drain(..cut);
        self.base = to;
        while self.starts.front().is_some_and(|&s| s < to) {
            self.starts.pop_front();
        }
    }
}

/// The server: the clients, the log and the counter.
#[derive(Debug)]
struct Floor {
    shape: Shape,
    per_turn: PerTurn,
    poll: Poll,
    listener: TcpListener,
    clients: Vec<Option<Client>>,
    free: Vec<usize>,
    log: Log,
    rotation: VecDeque<usize>,
    seq: u64,
    now_ms: u64,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    ring: Option<Uring>,
    /// The ids flushed this turn (`uring`: the sends in flight).
    flushing: Vec<usize>,
    /// The log length at which [`Floor::trim_log`] looks at every cursor
    /// while clients wait.
    trim_at: usize,
    /// `--writers`: the helpers that share each turn's sends.
    split: Option<Split>,
    /// `--shards`: the writer threads that make every send of the log.
    shards: Option<Shards>,
    /// `--shards`: the sockets of members that said `Hello` this turn, and
    /// their cursors, to hand over.
    joined: Vec<(Arc<TcpStream>, u64)>,
}

fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("floor: {msg}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(args) {
        eprintln!("floor: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut shape = Shape::Contiguous;
    let mut per_turn = PerTurn::AtLeast(4);
    let mut threads = Threads::One;
    let mut threads_flag: Option<String> = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--addr" => {
                let v = value("--addr")?;
                addr = v.parse().map_err(|e| format!("bad --addr {v:?}: {e}"))?;
            }
            "--shape" => {
                let v = value("--shape")?;
                shape = Shape::parse(&v).ok_or(format!("unknown --shape {v:?}"))?;
            }
            "--per-turn" => {
                let v = value("--per-turn")?;
                per_turn = PerTurn::parse(&v).ok_or(format!("bad --per-turn {v:?}"))?;
            }
            "--writers" | "--shards" => {
                if let Some(earlier) = threads_flag.replace(arg.clone()) {
                    return Err(match earlier == arg {
                        true => format!("{arg} is given twice"),
                        false => "--writers and --shards exclude each other".into(),
                    });
                }
                let v = value(&arg)?;
                let k = v
                    .parse::<usize>()
                    .ok()
                    .filter(|&k| (1..=64).contains(&k))
                    .ok_or(format!("bad {arg} {v:?}: 1 to 64"))?;
                threads = match (arg.as_str(), k) {
                    ("--writers", 1) => Threads::One,
                    ("--writers", k) => Threads::Split(k),
                    (_, k) => Threads::Shards(k),
                };
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if threads != Threads::One && shape != Shape::Contiguous {
        return Err("--writers and --shards send with the contiguous shape only".into());
    }
    Ok(Args {
        addr,
        shape,
        per_turn,
        threads,
    })
}

fn run(args: Args) -> io::Result<()> {
    let Args {
        addr,
        shape,
        per_turn,
        threads,
    } = args;
    sys::rlimit::raise_nofile_limit()?;
    let mut listener = TcpListener::bind(addr)?;
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let ring = match shape {
        Shape::Uring => Some(Uring::new(4096)?),
        _ => None,
    };
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let mut floor = Floor {
        shape,
        per_turn,
        poll,
        listener,
        clients: Vec::new(),
        free: Vec::new(),
        log: Log::default(),
        rotation: VecDeque::new(),
        seq: 0,
        now_ms: 0,
        ring,
        flushing: Vec::new(),
        trim_at: TRIM_AT,
        split: match threads {
            Threads::Split(k) => Some(Split::start(k - 1)),
            _ => None,
        },
        shards: match threads {
            Threads::Shards(k) => Some(Shards::start(k)),
            _ => None,
        },
        joined: Vec::new(),
    };
    floor.serve()
}

impl Floor {
    fn serve(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        loop {
            if self.shards.is_some() {
                self.sharded_turn(&mut events)?;
                continue;
            }
            let timeout = if self.rotation.is_empty() {
                None
            } else {
                Some(std::time::Duration::ZERO)
            };
            self.poll.poll(&mut events, timeout)?;
            self.now_ms = unix_ms();
            let end = self.log.end();
            for event in events.iter() {
                if event.token() == LISTENER {
                    self.accept()?;
                    continue;
                }
                let id = event.token().0;
                if event.is_writable() {
                    self.unblock(id);
                }
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    self.read(id);
                }
            }
            if self.log.end() != end {
                self.everyone_waits();
            }
            self.flush_turn()?;
            self.trim_log();
        }
    }

    /// A turn with `--shards`: read, publish the log's new bytes, hand
    /// the new members over. The writers do the rest, so the thread sleeps
    /// until a socket has input.
    fn sharded_turn(&mut self, events: &mut Events) -> io::Result<()> {
        self.poll.poll(events, None)?;
        self.now_ms = unix_ms();
        for event in events.iter() {
            if event.token() == LISTENER {
                self.accept()?;
            } else if event.is_readable() || event.is_read_closed() || event.is_error() {
                self.read(event.token().0);
            }
        }
        let shards = self.shards.as_mut().expect("a sharded turn");
        let end = self.log.end();
        shards.publish(self.log.from(self.log.base), end);
        self.log.trim(end);
        for (stream, cursor) in self.joined.drain(..) {
            shards.hand_over(stream, cursor);
        }
        Ok(())
    }

    fn accept(&mut self) -> io::Result<()> {
        loop {
            let (mut stream, _) = match self.listener.accept() {
                Ok(pair) => pair,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                // A client that reset before its turn: the next one.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::ConnectionAborted => continue,
                // Out of descriptors or memory: the rest wait for the next
                // connection's readiness.
                Err(_) => return Ok(()),
            };
            // A client gone already fails these: it is simply not kept.
            let _ = stream.set_nodelay(true);
            let id = self.free.pop().unwrap_or(self.clients.len());
            // With `--shards` the writers never wait for writability.
            let interest = match self.shards {
                Some(_) => Interest::READABLE,
                None => Interest::READABLE | Interest::WRITABLE,
            };
            if self
                .poll
                .registry()
                .register(&mut stream, Token(id), interest)
                .is_err()
            {
                self.free.push(id);
                continue;
            }
            let ring_fd = match self.shape {
                Shape::Uring => Some(Rc::new(stream.as_fd().try_clone_to_owned()?)),
                _ => None,
            };
            let shared = match (&self.split, &self.shards) {
                (None, None) => None,
                _ => Some(Arc::new(stream.try_clone()?)),
            };
            let client = Client {
                stream,
                ring_fd,
                shared,
                decoder: FrameDecoder::new(DEFAULT_MAX_FRAME),
                nick: String::new(),
                member: false,
                cursor: 0,
                handed: false,
                waiting: false,
                blocked: false,
                own: Vec::new(),
                spare: None,
            };
            if id == self.clients.len() {
                self.clients.push(Some(client));
            } else {
                self.clients[id] = Some(client);
            }
        }
    }

    /// Reads client `id` until `WouldBlock`, answering or logging each frame.
    fn read(&mut self, id: usize) {
        let Some(Some(client)) = self.clients.get_mut(id) else {
            return;
        };
        let mut open = true;
        loop {
            match client.decoder.read_from(&mut client.stream) {
                Ok(0) => open = false,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => open = false,
            }
            while let Ok(Some(payload)) = client.decoder.next_frame() {
                let Ok(msg) = from_bytes::<ClientMsgRef<'_>>(payload) else {
                    open = false;
                    break;
                };
                match msg {
                    ClientMsgRef::Hello { .. } if client.member || client.handed => {}
                    ClientMsgRef::Hello { nick, .. } => {
                        client.nick = nick.to_string();
                        client.member = true;
                        client.cursor = self.log.end();
                        let welcome = ServerMsgRef::Welcome {
                            version: PROTOCOL_VERSION,
                            nick,
                            server: "floor",
                        };
                        push(&welcome, &mut client.own);
                        push(&ServerMsgRef::Joined { room: LOBBY, nick }, &mut client.own);
                        if let (Some(_), Some(stream)) = (&self.shards, &client.shared) {
                            client.handed = true;
                            self.joined.push((stream.clone(), client.cursor));
                        }
                    }
                    ClientMsgRef::Say { text, .. } => {
                        self.seq += 1;
                        self.log.starts.push_back(self.log.end());
                        let message = ServerMsgRef::Message {
                            room: LOBBY,
                            from: &client.nick,
                            text,
                            seq: self.seq,
                            time_ms: self.now_ms,
                        };
                        push(&message, &mut self.log.bytes);
                    }
                    ClientMsgRef::Leave { room } => {
                        client.member = false;
                        let nick = client.nick.as_str();
                        push(&ServerMsgRef::Left { room, nick }, &mut client.own);
                    }
                    ClientMsgRef::Ping { nonce } => {
                        push(&ServerMsgRef::Pong { nonce }, &mut client.own)
                    }
                    ClientMsgRef::Bye => open = false,
                    _ => {}
                }
            }
            if !open {
                break;
            }
        }
        if !open {
            self.close(id);
            return;
        }
        if !client.own.is_empty() && !client.blocked {
            // Replies of its own go at once, before any of the log: a
            // client that said Hello this turn has a cursor at the end.
            let sent = send_all(&client.stream, &client.own);
            client.own.drain(..sent);
            client.blocked = !client.own.is_empty();
        }
        if client.blocked && self.shards.is_some() {
            // A writer thread owns what the socket gets next, so a reply
            // of its own that the socket refused cannot wait for room: the
            // member is closed. (A fresh socket always takes its `Welcome`
            // and `Joined`; a `Pong` to a member a writer has filled may
            // not fit.)
            self.close(id);
        }
    }

    fn close(&mut self, id: usize) {
        if let Some(mut client) = self.clients[id].take() {
            let _ = self.poll.registry().deregister(&mut client.stream);
            if client.shared.is_some() {
                // Another thread holds a second descriptor: the socket
                // itself must end, and that thread's next send fails.
                let _ = client.stream.shutdown(Shutdown::Both);
            }
            self.free.push(id);
        }
    }

    /// Client `id`'s socket has room again.
    fn unblock(&mut self, id: usize) {
        let Some(Some(client)) = self.clients.get_mut(id) else {
            return;
        };
        if !client.blocked {
            return;
        }
        client.blocked = false;
        if !client.waiting {
            client.waiting = true;
            self.rotation.push_back(id);
        }
    }

    /// The log grew: every member not yet waiting joins the rotation.
    fn everyone_waits(&mut self) {
        for (id, slot) in self.clients.iter_mut().enumerate() {
            if let Some(client) = slot {
                if client.member && !client.waiting && !client.blocked {
                    client.waiting = true;
                    self.rotation.push_back(id);
                }
            }
        }
    }

    /// Flushes the next clients of the rotation.
    fn flush_turn(&mut self) -> io::Result<()> {
        let count = self.per_turn.count(self.rotation.len());
        self.flushing.clear();
        for _ in 0..count {
            let Some(id) = self.rotation.pop_front() else {
                break;
            };
            self.flushing.push(id);
        }
        if self.shape == Shape::Uring {
            return self.flush_uring();
        }
        if let Some(split) = &mut self.split {
            // Every share but the first goes to a helper, with one copy of
            // the log's tail from the oldest of their cursors.
            let shares = split.shares();
            let mut sends = vec![Vec::new(); shares - 1];
            let mut base = self.log.end();
            let mut kept = Vec::with_capacity(self.flushing.len());
            for (i, &id) in self.flushing.iter().enumerate() {
                let Some(Some(client)) = self.clients.get_mut(id) else {
                    continue;
                };
                let share = i % shares;
                if share == 0 || !client.waiting || !client.member || !client.own.is_empty() {
                    kept.push(id);
                    continue;
                }
                client.waiting = false;
                base = base.min(client.cursor);
                let stream = client.shared.clone().expect("--writers shares sockets");
                sends[share - 1].push((id, stream, client.cursor));
            }
            split.hand_out(self.log.from(base), base, sends);
            self.flushing = kept;
        }
        for &id in &self.flushing {
            let Some(client) = flushed(&mut self.clients, id) else {
                continue;
            };
            if !client.own.is_empty() {
                // Its own replies first; the log waits for the next flush.
                let sent = send_all(&client.stream, &client.own);
                client.own.drain(..sent);
                client.blocked = !client.own.is_empty();
                if !client.blocked && client.member {
                    client.waiting = true;
                    self.rotation.push_back(id);
                }
                continue;
            }
            if !client.member {
                continue;
            }
            let bytes = self.log.from(client.cursor);
            let sent = match self.shape {
                Shape::Contiguous | Shape::Uring => send_all(&client.stream, bytes),
                Shape::Iovec => send_iovecs(&client.stream, &self.log, client.cursor),
                Shape::PerFrame => send_frames(&client.stream, &self.log, client.cursor),
                Shape::Cork => {
                    let _ = client.stream.set_cork(true);
                    let sent = send_frames(&client.stream, &self.log, client.cursor);
                    let _ = client.stream.set_cork(false);
                    sent
                }
            };
            client.cursor += sent as u64;
            client.blocked = sent < bytes.len();
        }
        if let Some(split) = &mut self.split {
            let end = self.log.end();
            let clients = &mut self.clients;
            split.join(|id, sent| {
                if let Some(Some(client)) = clients.get_mut(id) {
                    client.cursor += sent as u64;
                    client.blocked = client.cursor < end;
                }
            });
        }
        Ok(())
    }

    /// Without a ring there is nothing to flush this way.
    #[cfg(not(target_os = "linux"))]
    fn flush_uring(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// The turn's flushes as ring sends, one `io_uring_enter` for all,
    /// then their completions.
    #[cfg(target_os = "linux")]
    fn flush_uring(&mut self) -> io::Result<()> {
        let Some(ring) = self.ring.as_mut() else {
            return Ok(());
        };
        let mut queued = 0u32;
        for &id in &self.flushing {
            let Some(client) = flushed(&mut self.clients, id) else {
                continue;
            };
            let Some(fd) = &client.ring_fd else { continue };
            let mut buf = client.spare.take().unwrap_or_default();
            buf.clear();
            buf.append(&mut client.own);
            if client.member {
                buf.extend_from_slice(self.log.from(client.cursor));
                client.cursor = self.log.end();
            }
            ring.send(fd, buf, id as u64)?;
            queued += 1;
        }
        if queued == 0 {
            return Ok(());
        }
        ring.submit_and_wait(queued)?;
        let mut reaped = 0;
        while reaped < queued {
            let Some(done) = ring.completion() else {
                ring.submit_and_wait(1)?;
                continue;
            };
            reaped += 1;
            let Some(Some(client)) = self.clients.get_mut(done.user_data as usize) else {
                continue;
            };
            let Some(buf) = done.buf else { continue };
            let sent = match done.result {
                Ok(n) => n as usize,
                Err(e) if e.kind() == ErrorKind::WouldBlock => 0,
                Err(_) => buf.len(),
            };
            if sent < buf.len() {
                // The rest goes first next time, as a reply of its own.
                client.own.extend_from_slice(&buf[sent..]);
                client.blocked = true;
            }
            client.spare = Some(buf);
        }
        Ok(())
    }

    /// Drops the part of the log every member has been sent, when nobody
    /// waits or the log has doubled since the last look at every cursor.
    fn trim_log(&mut self) {
        if self.log.bytes.len() < self.trim_at && !self.rotation.is_empty() {
            return;
        }
        let end = self.log.end();
        let oldest = self
            .clients
            .iter()
            .flatten()
            .filter(|c| c.member)
            .map(|c| c.cursor)
            .min()
            .unwrap_or(end);
        if oldest > self.log.base {
            self.log.trim(oldest);
        }
        self.trim_at = TRIM_AT.max(2 * self.log.bytes.len());
    }
}

/// The client a rotation entry names, now taken out of the rotation;
/// `None` when it is no longer waiting (the slot may have changed hands
/// since the entry was made).
fn flushed(clients: &mut [Option<Client>], id: usize) -> Option<&mut Client> {
    let client = clients.get_mut(id)?.as_mut()?;
    if !client.waiting {
        return None;
    }
    client.waiting = false;
    Some(client)
}

/// Encodes `msg` as a frame at the end of `out`.
fn push(msg: &ServerMsgRef<'_>, out: &mut Vec<u8>) {
    if let Err(e) = encode_frame(msg, out) {
        // Invariant: the frames built here are small and a Vec takes them.
        unreachable!("encoding a frame failed: {e}");
    }
}

/// `send` until all is written or the socket is full; returns the bytes
/// written (an error counts as all written: the client is gone and its
/// read side will say so).
fn send_all(mut stream: &TcpStream, bytes: &[u8]) -> usize {
    let mut sent = 0;
    while sent < bytes.len() {
        match stream.write(&bytes[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => return bytes.len(),
        }
    }
    sent
}

/// The log from `cursor` cut at frame starts: the first piece may be the
/// rest of a frame sent in part.
fn pieces(log: &Log, cursor: u64) -> Vec<&[u8]> {
    let first = log.starts.partition_point(|&s| s <= cursor);
    let mut cuts: Vec<u64> = Vec::with_capacity(log.starts.len() - first + 2);
    cuts.push(cursor);
    cuts.extend(log.starts.range(first..).copied());
    cuts.push(log.end());
    cuts.windows(2)
        .map(|w| &log.bytes[(w[0] - log.base) as usize..(w[1] - log.base) as usize])
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// One `sendmsg` per [`IOV_MAX`] frames, an iovec each; returns the bytes
/// written.
fn send_iovecs(mut stream: &TcpStream, log: &Log, cursor: u64) -> usize {
    let pieces = pieces(log, cursor);
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    let mut slices: Vec<IoSlice<'_>> = pieces.iter().map(|p| IoSlice::new(p)).collect();
    let mut rest = &mut slices[..];
    let mut sent = 0;
    while !rest.is_empty() {
        let n = rest.len().min(IOV_MAX);
        match stream.write_vectored(&rest[..n]) {
            Ok(written) => {
                sent += written;
                IoSlice::advance_slices(&mut rest, written);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => return total,
        }
    }
    sent
}

/// One `send` per frame; returns the bytes written.
fn send_frames(stream: &TcpStream, log: &Log, cursor: u64) -> usize {
    let mut sent = 0;
    for piece in pieces(log, cursor) {
        let n = send_all(stream, piece);
        sent += n;
        if n < piece.len() {
            break;
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_counts_parse() {
        for (name, shape) in [
            ("contiguous", Shape::Contiguous),
            ("iovec", Shape::Iovec),
            ("perframe", Shape::PerFrame),
            ("cork", Shape::Cork),
            ("uring", Shape::Uring),
        ] {
            assert_eq!(Shape::parse(name), Some(shape));
        }
        assert_eq!(Shape::parse("carrier-pigeon"), None);
        assert_eq!(PerTurn::parse("all"), Some(PerTurn::All));
        assert_eq!(PerTurn::parse("0"), None);
        assert_eq!(PerTurn::parse("4").map(|p| p.count(100)), Some(12));
        assert_eq!(PerTurn::parse("4").map(|p| p.count(10)), Some(4));
    }

    #[test]
    fn thread_flags_parse() {
        let parse = |line: &str| parse_args(line.split_whitespace().map(String::from));
        assert_eq!(parse("").map(|a| a.threads), Ok(Threads::One));
        assert_eq!(parse("--writers 1").map(|a| a.threads), Ok(Threads::One));
        assert_eq!(
            parse("--writers 2").map(|a| a.threads),
            Ok(Threads::Split(2))
        );
        assert_eq!(
            parse("--shards 1").map(|a| a.threads),
            Ok(Threads::Shards(1))
        );
        assert!(parse("--shards 0").is_err());
        assert!(parse("--writers 2 --shape iovec").is_err());
        assert!(parse("--writers 2 --shards 2").is_err());
        assert!(parse("--writers 1 --shards 2").is_err());
        assert!(parse("--shards 2 --shards 3").is_err_and(|e| e.contains("twice")));
    }

    #[test]
    fn the_log_is_cut_at_frame_starts_and_trimmed_to_the_oldest_cursor() {
        let mut log = Log::default();
        for frame in [&b"aaa"[..], b"bb", b"cccc"] {
            log.starts.push_back(log.end());
            log.bytes.extend_from_slice(frame);
        }
        assert_eq!(pieces(&log, 0), [&b"aaa"[..], b"bb", b"cccc"]);
        // A cursor inside a frame: its rest, then the whole frames.
        assert_eq!(pieces(&log, 4), [&b"b"[..], b"cccc"]);
        assert!(pieces(&log, 9).is_empty());
        log.trim(5);
        assert_eq!((log.base, log.from(5)), (5, &b"cccc"[..]));
        assert_eq!(pieces(&log, 6), [&b"ccc"[..]]);
        assert_eq!(log.starts, [5]);
    }
}
