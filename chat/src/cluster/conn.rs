//! A sans-I/O Redis connection: commands in, bytes out; bytes in, replies
//! and pushes out.
//!
//! [`Connection`] never touches a socket. The shell that owns the socket
//! writes [`pending_output`](Connection::pending_output) and reports how
//! much went with [`consume_output`](Connection::consume_output), feeds
//! what it read to [`handle_input`](Connection::handle_input), and takes
//! [`Event`]s from [`poll_event`](Connection::poll_event):
//!
//! ```text
//!   send(args) ──► CommandId        handle_input(bytes)
//!        │                                 │
//!        ▼                                 ▼
//!   ┌──────────┐   pending_output   ┌────────────┐  poll_event
//!   │ outbound ├──────────────────► │  Redis     │ ──────────► Reply { id, value }
//!   │ (bounded)│   consume_output   │  (RESP3)   │             Push(items)
//!   └──────────┘                    └────────────┘
//! ```
//!
//! # Replies and pushes
//!
//! Redis answers the commands of one connection in the order they were
//! sent, so a reply belongs to the oldest command without one: each
//! [`send`](Connection::send) gets the next [`CommandId`], and each reply
//! comes back with it. On a RESP3 connection pub/sub traffic travels on the
//! same stream as `>` push frames, in the order Redis produced it relative
//! to the replies, and never counts as a reply: [`Event::Push`] hands it
//! over in place.
//!
//! One exception: the subscription commands (`SUBSCRIBE`, `SSUBSCRIBE`,
//! `PSUBSCRIBE` and their `UN` forms) have no reply of their own in RESP3.
//! Redis confirms each channel with a push whose first element is the
//! command's name in lower case (`>3 ssubscribe chat:{lobby} 1`). The
//! connection counts those confirmations for the command at the head of the
//! queue and, after the last one, reports it as that command's
//! [`Event::Reply`], carrying the last confirmation. An error reply (a
//! `CROSSSLOT`, say) ends such a command too. An unsubscribe without
//! channel names is refused by [`send`](Connection::send): the number of
//! its confirmations is not known in advance.
//!
//! # Handshake
//!
//! [`Connection::new`] queues `HELLO 3` as the first command; commands sent
//! after it are pipelined behind it. Its reply, a map (`server`, `version`,
//! `proto`, `id`, `mode`, `role`, `modules`), is kept as [`Hello`] and not
//! reported as an event; an error reply (a server without RESP3) ends the
//! connection with [`ConnError::Handshake`].
//!
//! # Bounds
//!
//! [`ConnLimits`] bounds the bytes waiting to be written, the bytes read
//! and not yet decoded, and the commands waiting for a reply. A command
//! that does not fit is refused with an error and nothing is queued: the
//! caller decides whether to hold it, drop it or give up on the server. A
//! value is decoded under [`resp::Limits`]. Every error from
//! [`poll_event`](Connection::poll_event) is fatal: the stream can no
//! longer be matched to commands.
//!
//! ```
//! use chat::cluster::conn::{ConnLimits, Connection, Event};
//! use chat::cluster::resp::Value;
//!
//! let mut conn = Connection::new(ConnLimits::default());
//! let id = conn.send(&["GET", "k"]).unwrap();
//! assert!(conn.pending_output().starts_with(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"));
//! conn.consume_output(conn.pending_output().len());
//!
//! // The server answers HELLO, pushes a message, then answers GET.
//! conn.handle_input(b"%1\r\n$5\r\nproto\r\n:3\r\n").unwrap();
//! conn.handle_input(b">3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\nm\r\n$1\r\nv\r\n").unwrap();
//! assert!(matches!(conn.poll_event().unwrap(), Some(Event::Push(items)) if items.len() == 3));
//! assert_eq!(
//!     conn.poll_event().unwrap(),
//!     Some(Event::Reply { id, value: Value::Bulk(b"v".to_vec()) })
//! );
//! assert_eq!(conn.hello().unwrap().proto, 3);
//! ```

use std::collections::VecDeque;
use std::fmt;

use super::resp::{self, command_len, encode_command, Decoder, Value};

/// Names a command sent on one [`Connection`]; its reply carries the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(pub u64);

/// What [`Connection::poll_event`] hands over.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The reply to the command `id`: a value, or an error value (`-`, `!`)
    /// which ends only that command, not the connection.
    Reply {
        /// The command this answers.
        id: CommandId,
        /// The reply; for a subscription command, its last confirmation.
        value: Value,
    },
    /// Out-of-band data, in stream order: `smessage`/`message` deliveries,
    /// unsolicited `sunsubscribe` after a slot moved, invalidations.
    Push(Vec<Value>),
}

/// What the server said about itself in its `HELLO` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hello {
    /// `server`: `redis`.
    pub server: String,
    /// `version`, such as `7.0.15`.
    pub version: String,
    /// `proto`: 3.
    pub proto: i64,
    /// `id`: this connection's client id (as `CLIENT ID` gives it).
    pub id: i64,
    /// `mode`: `standalone`, `sentinel` or `cluster`.
    pub mode: String,
    /// `role`: `master` or `replica`.
    pub role: String,
}

impl Hello {
    fn from_value(v: &Value) -> Hello {
        let text = |k: &[u8]| {
            v.map_get(k)
                .and_then(Value::as_bytes)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        let int = |k: &[u8]| v.map_get(k).and_then(Value::as_int).unwrap_or(0);
        Hello {
            server: text(b"server"),
            version: text(b"version"),
            proto: int(b"proto"),
            id: int(b"id"),
            mode: text(b"mode"),
            role: text(b"role"),
        }
    }
}

/// The bounds of one [`Connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Most bytes queued for the server and not yet written.
    pub max_outbound: usize,
    /// Most bytes read and not yet decoded (at least
    /// `resp.max_total`, or a largest value could never arrive whole).
    pub max_inbound: usize,
    /// Most commands waiting for their reply.
    pub max_in_flight: usize,
    /// The bounds of one decoded value.
    pub resp: resp::Limits,
}

impl Default for ConnLimits {
    /// 4 MiB out, inbound one largest value plus 1 MiB, 4096 commands in
    /// flight.
    fn default() -> Self {
        let resp = resp::Limits::default();
        ConnLimits {
            max_outbound: 4 << 20,
            max_inbound: resp.max_total + (1 << 20),
            max_in_flight: 4096,
            resp,
        }
    }
}

/// Why a [`Connection`] refused a command or gave up on the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnError {
    /// The outbound buffer has no room for this command; nothing was queued.
    OutboundFull,
    /// Too many commands wait for a reply; nothing was queued.
    TooManyInFlight,
    /// More bytes were fed than [`Connection::read_capacity`] allowed;
    /// nothing was buffered.
    InboundFull,
    /// The command is refused as written (an unsubscribe with no channel).
    BadCommand(&'static str),
    /// The server does not speak RESP3: its reply to `HELLO 3`.
    Handshake(String),
    /// The server sent a reply while no command waited for one.
    UnexpectedReply(Value),
    /// The server's bytes are not RESP3 within the limits.
    Resp(resp::Error),
    /// An earlier fatal error ended this connection.
    Closed,
    /// The server refused what the caller needs of it, as the message
    /// says.
    Refused(String),
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::OutboundFull => f.write_str("redis: outbound buffer full"),
            ConnError::TooManyInFlight => f.write_str("redis: too many commands in flight"),
            ConnError::InboundFull => f.write_str("redis: inbound buffer full"),
            ConnError::BadCommand(why) => write!(f, "redis: command refused: {why}"),
            ConnError::Handshake(e) => write!(f, "redis: HELLO 3 refused: {e}"),
            ConnError::UnexpectedReply(v) => write!(f, "redis: reply with no command: {v:?}"),
            ConnError::Resp(e) => write!(f, "redis: {e}"),
            ConnError::Closed => f.write_str("redis: connection failed earlier"),
            ConnError::Refused(why) => write!(f, "redis: {why}"),
        }
    }
}

impl std::error::Error for ConnError {}

/// How a command in flight is answered.
#[derive(Debug)]
enum Expect {
    /// The `HELLO 3` of the handshake.
    Hello,
    /// One reply.
    Reply,
    /// This many pushes named `kind` (or one error reply).
    Confirmations { kind: &'static [u8], left: usize },
}

const SUBSCRIPTIONS: [&[u8]; 6] = [
    b"subscribe",
    b"ssubscribe",
    b"psubscribe",
    b"unsubscribe",
    b"sunsubscribe",
    b"punsubscribe",
];

/// One RESP3 conversation with a Redis server, without the socket.
///
/// See the [module docs](self) for the contract.
#[derive(Debug)]
pub struct Connection {
    out: Vec<u8>,
    /// Bytes of `out` already written.
    written: usize,
    decoder: Decoder,
    in_flight: VecDeque<(CommandId, Expect)>,
    next_id: u64,
    hello: Option<Hello>,
    limits: ConnLimits,
    failed: bool,
}

impl Connection {
    /// A connection whose first command is `HELLO 3`.
    pub fn new(limits: ConnLimits) -> Connection {
        let mut conn = Connection {
            out: Vec::new(),
            written: 0,
            decoder: Decoder::new(limits.resp),
            in_flight: VecDeque::new(),
            next_id: 0,
            hello: None,
            limits,
            failed: false,
        };
        encode_command(&["HELLO", "3"], &mut conn.out);
        conn.in_flight
            .push_back((CommandId(u64::MAX), Expect::Hello));
        conn
    }

    /// The server's `HELLO` reply, once it arrived.
    pub fn hello(&self) -> Option<&Hello> {
        self.hello.as_ref()
    }

    /// Commands sent and not yet answered (the handshake included).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Queues one command (its name and arguments) and returns the id its
    /// reply will carry.
    ///
    /// Refused, with nothing queued, when a bound would be passed or the
    /// connection has failed.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<CommandId, ConnError> {
        if self.failed {
            return Err(ConnError::Closed);
        }
        let Some(name) = args.first() else {
            return Err(ConnError::BadCommand("empty command"));
        };
        let name = name.as_ref();
        let expect = match SUBSCRIPTIONS.iter().find(|k| k.eq_ignore_ascii_case(name)) {
            Some(_) if args.len() < 2 => {
                return Err(ConnError::BadCommand(
                    "a subscription command must name its channels",
                ))
            }
            Some(kind) => Expect::Confirmations {
                kind,
                left: args.len() - 1,
            },
            None => Expect::Reply,
        };
        if self.in_flight.len() >= self.limits.max_in_flight {
            return Err(ConnError::TooManyInFlight);
        }
        if self.out.len() - self.written + command_len(args) > self.limits.max_outbound {
            return Err(ConnError::OutboundFull);
        }
        if self.written > 0 && self.written >= self.out.len() / 2 {
            self.out.drain(..self.written);
            self.written = 0;
        }
        encode_command(args, &mut self.out);
        let id = CommandId(self.next_id);
        self.next_id += 1;
        self.in_flight.push_back((id, expect));
        Ok(id)
    }

    /// The bytes to write to the server next.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.written..]
    }

    /// Marks the first `n` bytes of [`pending_output`](Self::pending_output)
    /// as written.
    pub fn consume_output(&mut self, n: usize) {
        self.written = (self.written + n).min(self.out.len());
        if self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
        }
    }

    /// How many bytes [`handle_input`](Self::handle_input) accepts now.
    /// A shell reads at most this much; at zero it takes events first.
    pub fn read_capacity(&self) -> usize {
        self.limits
            .max_inbound
            .saturating_sub(self.decoder.buffered())
    }

    /// Buffers bytes read from the server; decode them with
    /// [`poll_event`](Self::poll_event).
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        if self.failed {
            return Err(ConnError::Closed);
        }
        if bytes.len() > self.read_capacity() {
            return Err(ConnError::InboundFull);
        }
        self.decoder.push(bytes);
        Ok(())
    }

    /// The next reply or push, `Ok(None)` until more bytes arrive.
    pub fn poll_event(&mut self) -> Result<Option<Event>, ConnError> {
        if self.failed {
            return Err(ConnError::Closed);
        }
        let result = self.next_event();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn next_event(&mut self) -> Result<Option<Event>, ConnError> {
        loop {
            let Some(value) = self.decoder.next_value().map_err(ConnError::Resp)? else {
                return Ok(None);
            };
            if let Value::Push(items) = value {
                match self.in_flight.front_mut() {
                    Some((id, Expect::Confirmations { kind, left }))
                        if items
                            .first()
                            .and_then(Value::as_bytes)
                            .is_some_and(|k| k.eq_ignore_ascii_case(kind)) =>
                    {
                        let id = *id;
                        *left -= 1;
                        if *left == 0 {
                            self.in_flight.pop_front();
                            return Ok(Some(Event::Reply {
                                id,
                                value: Value::Push(items),
                            }));
                        }
                        continue;
                    }
                    _ => return Ok(Some(Event::Push(items))),
                }
            }
            let Some((id, expect)) = self.in_flight.pop_front() else {
                return Err(ConnError::UnexpectedReply(value));
            };
            match expect {
                Expect::Hello => match value.as_error() {
                    Some(e) => {
                        return Err(ConnError::Handshake(
                            String::from_utf8_lossy(e).into_owned(),
                        ))
                    }
                    None => self.hello = Some(Hello::from_value(&value)),
                },
                Expect::Confirmations { .. } if value.as_error().is_none() => {
                    // Anything but a confirmation or an error here means
                    // the replies no longer line up with the commands.
                    return Err(ConnError::UnexpectedReply(value));
                }
                Expect::Reply | Expect::Confirmations { .. } => {
                    return Ok(Some(Event::Reply { id, value }))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO_REPLY: &[u8] =
        b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n\
$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:6\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n\
$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";

    fn ready() -> Connection {
        let mut c = Connection::new(ConnLimits::default());
        c.consume_output(c.pending_output().len());
        c.handle_input(HELLO_REPLY).unwrap();
        assert_eq!(c.poll_event().unwrap(), None);
        c
    }

    fn push(items: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        Value::Push(
            items
                .iter()
                .map(|s| Value::Bulk(s.as_bytes().to_vec()))
                .collect(),
        )
        .encode(&mut out);
        out
    }

    fn events(c: &mut Connection) -> Vec<Event> {
        std::iter::from_fn(|| c.poll_event().unwrap()).collect()
    }

    #[test]
    fn handshake_reads_the_hello_map() {
        let c = ready();
        let h = c.hello().unwrap();
        assert_eq!(
            (h.server.as_str(), h.version.as_str(), h.proto, h.id),
            ("redis", "7.0.15", 3, 6)
        );
        assert_eq!((h.mode.as_str(), h.role.as_str()), ("standalone", "master"));
        assert_eq!(c.in_flight(), 0);
    }

    #[test]
    fn a_refused_hello_ends_the_connection() {
        let mut c = Connection::new(ConnLimits::default());
        let id = c.send(&["PING"]).unwrap();
        c.handle_input(b"-NOPROTO unsupported protocol version\r\n+PONG\r\n")
            .unwrap();
        assert_eq!(
            c.poll_event(),
            Err(ConnError::Handshake(
                "NOPROTO unsupported protocol version".into()
            ))
        );
        assert_eq!(c.poll_event(), Err(ConnError::Closed));
        assert_eq!(c.send(&["PING"]), Err(ConnError::Closed));
        let _ = id;
    }

    #[test]
    fn replies_match_commands_in_order_and_pushes_stay_apart() {
        let mut c = ready();
        let a = c.send(&["GET", "a"]).unwrap();
        let b = c.send(&["INCR", "n"]).unwrap();
        let e = c.send(&["BOGUS"]).unwrap();
        assert_eq!(
            c.pending_output(),
            b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$5\r\nBOGUS\r\n"
        );
        let mut wire = b"_\r\n".to_vec();
        wire.extend(push(&["smessage", "chat:{r}", "x"]));
        wire.extend_from_slice(b":1\r\n-ERR unknown command\r\n");
        // Any split gives the same events.
        for cut in 0..=wire.len() {
            let mut c2 = ready();
            for args in [&["GET", "a"][..], &["INCR", "n"], &["BOGUS"]] {
                c2.send(args).unwrap();
            }
            c2.handle_input(&wire[..cut]).unwrap();
            let mut got = events(&mut c2);
            c2.handle_input(&wire[cut..]).unwrap();
            got.extend(events(&mut c2));
            assert_eq!(
                got,
                [
                    Event::Reply {
                        id: a,
                        value: Value::Null
                    },
                    Event::Push(vec![
                        Value::Bulk(b"smessage".to_vec()),
                        Value::Bulk(b"chat:{r}".to_vec()),
                        Value::Bulk(b"x".to_vec()),
                    ]),
                    Event::Reply {
                        id: b,
                        value: Value::Integer(1)
                    },
                    Event::Reply {
                        id: e,
                        value: Value::Error(b"ERR unknown command".to_vec())
                    },
                ],
                "cut at {cut}"
            );
            assert_eq!(c2.in_flight(), 0);
        }
        let _ = c;
    }

    #[test]
    fn subscription_confirmations_are_the_commands_reply() {
        let mut c = ready();
        let sub = c.send(&["SSUBSCRIBE", "chat:{a}", "chat:{a}:x"]).unwrap();
        let get = c.send(&["GET", "k"]).unwrap();
        let mut wire = push(&["ssubscribe", "chat:{a}", "1"]);
        // A message between the confirmations is still a push.
        wire.extend(push(&["smessage", "chat:{a}", "m"]));
        wire.extend(push(&["ssubscribe", "chat:{a}:x", "2"]));
        wire.extend_from_slice(b"$1\r\nv\r\n");
        c.handle_input(&wire).unwrap();
        let got = events(&mut c);
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[0], Event::Push(p) if p[2] == Value::Bulk(b"m".to_vec())));
        assert!(
            matches!(&got[1], Event::Reply { id, value: Value::Push(p) } if *id == sub && p[1] == Value::Bulk(b"chat:{a}:x".to_vec()))
        );
        assert_eq!(
            got[2],
            Event::Reply {
                id: get,
                value: Value::Bulk(b"v".to_vec())
            }
        );
    }

    #[test]
    fn an_error_ends_a_subscription_command() {
        let mut c = ready();
        let sub = c.send(&["SSUBSCRIBE", "a", "b"]).unwrap();
        c.handle_input(b"-CROSSSLOT Keys in request don't hash to the same slot\r\n")
            .unwrap();
        assert!(matches!(
            c.poll_event().unwrap(),
            Some(Event::Reply { id, value: Value::Error(_) }) if id == sub
        ));
        assert_eq!(c.in_flight(), 0);
    }

    #[test]
    fn a_reply_with_no_command_is_fatal() {
        let mut c = ready();
        c.handle_input(b"+OK\r\n").unwrap();
        assert_eq!(
            c.poll_event(),
            Err(ConnError::UnexpectedReply(Value::Simple(b"OK".to_vec())))
        );
        let mut c = ready();
        c.send(&["SUBSCRIBE", "x"]).unwrap();
        c.handle_input(b":1\r\n").unwrap();
        assert!(matches!(c.poll_event(), Err(ConnError::UnexpectedReply(_))));
    }

    #[test]
    fn commands_that_cannot_be_matched_are_refused() {
        let mut c = ready();
        assert_eq!(
            c.send(&["SUNSUBSCRIBE"]),
            Err(ConnError::BadCommand(
                "a subscription command must name its channels"
            ))
        );
        assert_eq!(
            c.send::<&str>(&[]),
            Err(ConnError::BadCommand("empty command"))
        );
        assert_eq!(c.in_flight(), 0);
        assert!(c.pending_output().is_empty());
    }

    #[test]
    fn outbound_and_in_flight_are_bounded() {
        let limits = ConnLimits {
            max_outbound: 91,
            max_in_flight: 3,
            ..ConnLimits::default()
        };
        let mut c = Connection::new(limits); // HELLO 3: 22 bytes, 1 in flight
        let big = [&b"SET"[..], b"k", &[b'v'; 50]]; // 77 bytes
        assert_eq!(c.send(&big), Err(ConnError::OutboundFull));
        assert_eq!(c.pending_output().len(), 22);
        c.consume_output(22);
        c.send(&big).unwrap();
        c.send(&["PING"]).unwrap();
        assert_eq!(c.send(&["PING"]), Err(ConnError::TooManyInFlight));
        // Partial writes keep the rest.
        let total = c.pending_output().len();
        c.consume_output(10);
        assert_eq!(c.pending_output().len(), total - 10);
    }

    #[test]
    fn inbound_is_bounded() {
        let limits = ConnLimits {
            max_inbound: 20,
            ..ConnLimits::default()
        };
        let mut c = Connection::new(limits);
        assert_eq!(c.read_capacity(), 20);
        c.handle_input(b"%1\r\n$5\r\npro").unwrap();
        assert_eq!(c.poll_event().unwrap(), None);
        assert_eq!(c.read_capacity(), 9);
        assert_eq!(
            c.handle_input(b"to\r\n:3\r\n+x"),
            Err(ConnError::InboundFull)
        );
        c.handle_input(b"to\r\n:3\r\n").unwrap();
        assert_eq!(c.poll_event().unwrap(), None);
        assert_eq!(c.hello().unwrap().proto, 3);
        assert_eq!(c.read_capacity(), 20);
    }

    #[test]
    fn bad_bytes_are_fatal() {
        let mut c = ready();
        c.send(&["PING"]).unwrap();
        c.handle_input(b"?\r\n").unwrap();
        assert_eq!(
            c.poll_event(),
            Err(ConnError::Resp(resp::Error::UnknownType(b'?')))
        );
        assert_eq!(c.handle_input(b"+PONG\r\n"), Err(ConnError::Closed));
    }
}
