//! Bringing N clients into the chat: connect, `Hello`, `lobby`.
//!
//! Every scenario but `churn` starts the same way: N connections that have
//! said `Hello` and sit in `lobby` (or left it again, for `idle
//! --lobby leave`). [`join`] opens them with at most [`IN_FLIGHT`]
//! handshakes pending at a time, so the server's accept backlog never
//! overflows (a dropped SYN costs a one-second retransmission), and returns
//! once the server has confirmed each one: its own `Joined` (or `Left`).
//! Client `i` is connection `i` of the [`Swarm`].

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::swarm::{Handler, Next, Swarm};
use super::wire::encode;
use crate::protocol::{ClientMsgRef, ServerMsgRef, LOBBY, PROTOCOL_VERSION};

/// Connections allowed between `connect` and their `Joined`.
pub const IN_FLIGHT: usize = 128;

/// A nick prefix unique to this process and moment, so that runs against
/// the same server never collide (`NickTaken`) with stragglers of an
/// earlier run: a letter, then 5 base-36 digits.
pub fn run_tag(letter: char) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut x = u64::from(nanos) ^ (u64::from(std::process::id()) << 20);
    let mut tag = String::from(letter);
    for _ in 0..5 {
        tag.push(char::from_digit((x % 36) as u32, 36).unwrap_or('0'));
        x /= 36;
    }
    tag
}

/// Writes a `Hello` for `nick`.
pub fn hello(out: &mut Vec<u8>, nick: &str) {
    encode(
        &ClientMsgRef::Hello {
            version: PROTOCOL_VERSION,
            nick,
        },
        out,
    );
}

/// A server `Error` frame as an `io::Error` that names the client.
pub fn refused(client: usize, code: impl std::fmt::Debug, detail: &str) -> io::Error {
    io::Error::other(format!(
        "client {client}: the server sent Error {code:?} ({detail})"
    ))
}

/// A connection the server ended (`error` is `None` for EOF) as an
/// `io::Error` naming the client and what it was doing (`doing`, e.g.
/// `"while joining"`).
pub fn lost(client: usize, error: Option<io::Error>, doing: &str) -> io::Error {
    io::Error::other(match error {
        Some(e) => format!("client {client}: connection failed {doing}: {e}"),
        None => format!("client {client}: the server closed the connection {doing}"),
    })
}

/// Whether the clients stay in `lobby` after `Hello`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lobby {
    /// Stay (the default: everyone hears everyone).
    Stay,
    /// Send `Leave` right after `Hello`: connected, welcomed, in no room.
    Leave,
}

/// The handler of the join phase.
struct Joining<'a> {
    prefix: &'a str,
    lobby: Lobby,
    present: Vec<bool>,
    count: usize,
    nick: String,
}

impl Joining<'_> {
    fn nick(&mut self, client: usize) -> &str {
        self.nick.clear();
        self.nick.push_str(self.prefix);
        self.nick.push_str(&client.to_string());
        &self.nick
    }
}

impl Handler for Joining<'_> {
    fn on_connected(&mut self, conn: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let lobby = self.lobby;
        hello(out, self.nick(conn));
        if lobby == Lobby::Leave {
            encode(&ClientMsgRef::Leave { room: LOBBY }, out);
        }
        Ok(())
    }

    fn on_frame(
        &mut self,
        conn: usize,
        msg: ServerMsgRef<'_>,
        _: u64,
        _: &mut Vec<u8>,
    ) -> io::Result<Next> {
        let mine = match (msg, self.lobby) {
            (ServerMsgRef::Joined { room, nick }, Lobby::Stay) => {
                room == LOBBY && nick == self.nick(conn)
            }
            (ServerMsgRef::Left { room, nick }, Lobby::Leave) => {
                room == LOBBY && nick == self.nick(conn)
            }
            (ServerMsgRef::Error { code, detail }, _) => return Err(refused(conn, code, detail)),
            _ => false,
        };
        if mine && !self.present[conn] {
            self.present[conn] = true;
            self.count += 1;
        }
        Ok(Next::Keep)
    }

    fn on_closed(&mut self, conn: usize, error: Option<io::Error>) -> io::Result<()> {
        Err(lost(conn, error, "while joining"))
    }
}

/// Connects `n` clients named `{prefix}{i}` on a fresh `swarm`, client `i`
/// to `addrs[i % addrs.len()]` (round-robin over the nodes of a cluster),
/// and waits until the server has put each one in `lobby` (or taken it
/// out again). Fails if that takes longer than `limit`.
pub fn join(
    swarm: &mut Swarm,
    addrs: &[SocketAddr],
    n: usize,
    prefix: &str,
    lobby: Lobby,
    limit: Duration,
) -> io::Result<()> {
    assert_eq!(
        swarm.live(),
        0,
        "join needs a fresh swarm (client i = connection i)"
    );
    assert!(!addrs.is_empty(), "join needs an address");
    let deadline = Instant::now() + limit;
    let mut joining = Joining {
        prefix,
        lobby,
        present: vec![false; n],
        count: 0,
        nick: String::new(),
    };
    let mut opened = 0;
    while joining.count < n {
        while opened < n && opened - joining.count < IN_FLIGHT {
            let addr = addrs[opened % addrs.len()];
            let conn = swarm
                .connect(addr)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot connect to {addr}: {e}")))?;
            debug_assert_eq!(conn, opened);
            opened += 1;
        }
        swarm.turn(Some(Duration::from_millis(100)), &mut joining)?;
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "only {} of {n} clients joined within {limit:?}",
                    joining.count
                ),
            ));
        }
    }
    Ok(())
}

/// [`check_reachable`] for every address.
pub fn check_all_reachable(addrs: &[SocketAddr]) -> io::Result<()> {
    addrs.iter().try_for_each(|a| check_reachable(*a))
}

/// Fails with a clear message unless something accepts connections at
/// `addr` (a blocking connect with a short timeout).
pub fn check_reachable(addr: SocketAddr) -> io::Result<()> {
    sys::net::TcpStream::connect_timeout(addr, Duration::from_secs(2))
        .map(drop)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("the server at {addr} is unreachable: {e}"),
            )
        })
}
