//! [`Hub`]: the state and its inputs (`handle_*`) that are not requests.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::conn::ConnMap;
use super::dispatch::dispatch;
use super::names::Folded;
use super::room::Room;
use super::session::{Session, SessionState};
use super::{Config, ConnId, Frame, Outbox};
use crate::protocol::{ClientMsg, ErrorCode, SERVER_MAX_FRAME};

/// The sans-I/O chat server: every rule of PROTOCOL.md section 5, no sockets,
/// no clock.
///
/// Methods, sorted the way `quinn-proto` sorts its `Connection`:
///
/// - **inputs**, each taking an [`Outbox`] to append to:
///   [`handle_connect`](Hub::handle_connect),
///   [`handle_message`](Hub::handle_message),
///   [`handle_decode_error`](Hub::handle_decode_error),
///   [`handle_hello_timeout`](Hub::handle_hello_timeout),
///   [`handle_slow_consumer`](Hub::handle_slow_consumer),
///   [`handle_disconnect`](Hub::handle_disconnect),
///   [`handle_shutdown`](Hub::handle_shutdown);
/// - **getters**: [`state`](Hub::state), [`nick`](Hub::nick),
///   [`connection_count`](Hub::connection_count),
///   [`room_count`](Hub::room_count), [`config`](Hub::config),
///   [`is_shutting_down`](Hub::is_shutting_down),
///   [`error_frame`](Hub::error_frame).
///
/// Events about a connection the hub does not know (never connected, or
/// already closed: it was listed in [`Outbox::closes`] or disconnected) are
/// ignored, so a server may keep decoding what a closing connection had
/// already sent without special cases.
///
/// The hub is `Send`, so a threaded server can keep it behind a `Mutex`.
pub struct Hub {
    pub(super) config: Config,
    /// Every connection the hub knows, in either live state.
    pub(super) sessions: ConnMap<Session>,
    /// Folded nick -> its connection (nicks are unique ignoring ASCII case).
    pub(super) nicks: HashMap<String, ConnId>,
    /// Lowercase room name -> room. A room exists while it has members.
    pub(super) rooms: HashMap<Arc<str>, Room>,
    /// One pre-encoded `Error` frame per code, indexed by wire index: every
    /// refusal is a reference-count bump, never an encode.
    pub(super) errors: Vec<Frame>,
    /// Reused encoding buffer.
    pub(super) scratch: Vec<u8>,
    /// Reused list of recipients (for `Renamed`).
    pub(super) peers: Vec<ConnId>,
    /// Largest payload of a listing; [`SERVER_MAX_FRAME`] except in tests.
    pub(super) frame_limit: usize,
    /// Set by [`Hub::handle_shutdown`]: later connections are refused.
    pub(super) shutting_down: bool,
}

// The threaded server shares one hub between threads.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Hub>();
};

impl Hub {
    /// A hub with no connections and no rooms.
    pub fn new(config: Config) -> Hub {
        Hub {
            config,
            sessions: ConnMap::default(),
            nicks: HashMap::new(),
            rooms: HashMap::new(),
            errors: Frame::errors(),
            scratch: Vec::with_capacity(256),
            peers: Vec::new(),
            frame_limit: SERVER_MAX_FRAME as usize,
            shutting_down: false,
        }
    }

    // ----- inputs -------------------------------------------------------

    /// A connection was accepted. Returns whether the hub took it.
    ///
    /// At the connection limit ([`Config::max_conns`], counting connections
    /// that have not said `Hello`), or after [`handle_shutdown`](Hub::handle_shutdown),
    /// it is refused: `ServerFull` (or `ShuttingDown`) goes to it and it is
    /// listed to close; the hub does not remember it. Otherwise it is
    /// [`SessionState::Connected`] and the server should start its hello
    /// timer.
    pub fn handle_connect(&mut self, conn: ConnId, out: &mut Outbox) -> bool {
        let refusal = if self.shutting_down {
            ErrorCode::ShuttingDown
        } else if self.sessions.contains_key(&conn) {
            // A reused id is a server bug; keep the live session untouched.
            return true;
        } else if self.sessions.len() >= self.config.max_conns {
            ErrorCode::ServerFull
        } else {
            self.sessions.insert(conn, Session::Connected);
            return true;
        };
        out.send(conn, self.error_frame(refusal));
        out.close(conn);
        false
    }

    /// A decoded message arrived from `conn`. `now_ms` is the current UNIX
    /// time in milliseconds, stamped on `Message` and `Whispered`.
    ///
    /// Before `Welcome` only `Hello` and `Bye` are allowed; anything else,
    /// or a `Hello` after `Welcome`, is `Unexpected` (fatal).
    pub fn handle_message(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox) {
        let Some(state) = self.state(conn) else {
            return;
        };
        dispatch(
            self,
            state == SessionState::Welcomed,
            conn,
            msg,
            now_ms,
            out,
        );
    }

    /// The server could not read a frame from `conn`: `code` is
    /// [`ErrorCode::Malformed`] (bad length, undecodable payload) or
    /// [`ErrorCode::FrameTooLarge`] (header above `--max-frame`), in any
    /// state. The error is sent, the connection listed to close, and it
    /// departs (its rooms get `Left`). Any other fatal code is handled the
    /// same way.
    pub fn handle_decode_error(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        if self.sessions.contains_key(&conn) {
            self.fatal(conn, code, out);
        }
    }

    /// The hello timer of `conn` fired. If it still has not been welcomed it
    /// gets `HelloTimeout` (fatal); otherwise nothing happens, so the
    /// server may leave timers of welcomed connections armed.
    pub fn handle_hello_timeout(&mut self, conn: ConnId, out: &mut Outbox) {
        if self.state(conn) == Some(SessionState::Connected) {
            self.fatal(conn, ErrorCode::HelloTimeout, out);
        }
    }

    /// The server found `conn` over its outbound limit (PROTOCOL.md
    /// section 5.5). The server itself discards the queue and appends the
    /// `SlowConsumer` frame ([`Hub::error_frame`] or [`Frame::error`]);
    /// the hub lists `conn` to close and does the disconnect clean-up
    /// (`Left` to the other members of its rooms).
    ///
    /// Call it after applying the outbox that overflowed, with an empty (or
    /// another) outbox: the `Left` frames may in turn overflow someone else.
    pub fn handle_slow_consumer(&mut self, conn: ConnId, out: &mut Outbox) {
        if self.sessions.contains_key(&conn) {
            out.close(conn);
            self.depart(conn, out);
        }
    }

    /// `conn` closed or was reset. Clean-up only: its nick is free again and
    /// the other members of its rooms get `Left`. It is not listed to
    /// close (it already is).
    pub fn handle_disconnect(&mut self, conn: ConnId, out: &mut Outbox) {
        self.depart(conn, out);
    }

    /// The server is stopping: every connection, welcomed or not, gets
    /// `ShuttingDown` and is listed to close (in id order); no `Left` is
    /// sent. The hub is left empty and refuses later connections with
    /// `ShuttingDown`.
    pub fn handle_shutdown(&mut self, out: &mut Outbox) {
        self.shutting_down = true;
        let conns = self.sessions.keys().copied().collect();
        out.send_and_close_all(conns, &self.error_frame(ErrorCode::ShuttingDown));
        self.sessions.clear();
        self.nicks.clear();
        self.rooms.clear();
    }

    // ----- getters ------------------------------------------------------

    /// Where `conn` is in its life; `None` once it is gone (or was never
    /// accepted).
    pub fn state(&self, conn: ConnId) -> Option<SessionState> {
        self.sessions.get(&conn).map(Session::state)
    }

    /// The nick of a welcomed connection, as stored.
    pub fn nick(&self, conn: ConnId) -> Option<&str> {
        match self.sessions.get(&conn) {
            Some(Session::Welcomed(member)) => Some(&member.nick),
            _ => None,
        }
    }

    /// Connections the hub knows, welcomed or not (what `max_conns` limits).
    pub fn connection_count(&self) -> usize {
        self.sessions.len()
    }

    /// Rooms that exist (have members).
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// The settings the hub was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether [`handle_shutdown`](Hub::handle_shutdown) was called.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// The pre-encoded `Error` frame for `code`, with the code's standard
    /// detail: a cheap clone of a frame the hub keeps.
    pub fn error_frame(&self, code: ErrorCode) -> Frame {
        self.errors[code as usize].clone()
    }

    // ----- shared steps -------------------------------------------------

    /// Refuses a request with a non-fatal error.
    pub(super) fn refuse(&self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        out.send(conn, self.error_frame(code));
    }

    /// A fatal error: send it, list the connection to close, clean up.
    pub(super) fn fatal(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        out.send(conn, self.error_frame(code));
        out.close(conn);
        self.depart(conn, out);
    }

    /// Forgets `conn` (section 5.6): each room it was in sends `Left` to the
    /// members that remain (or is deleted when none remain), and its nick
    /// is free again. Nothing is sent to `conn` itself.
    pub(super) fn depart(&mut self, conn: ConnId, out: &mut Outbox) {
        let Some(Session::Welcomed(member)) = self.sessions.remove(&conn) else {
            return;
        };
        for name in &member.rooms {
            let Some(room) = self.rooms.get_mut(&**name) else {
                continue;
            };
            room.remove_member(conn);
            if room.members.is_empty() {
                self.rooms.remove(&**name);
            } else {
                let left = crate::protocol::ServerMsgRef::Left {
                    room: name,
                    nick: &member.nick,
                };
                let frame = Frame::encode_into(&mut self.scratch, &left);
                out.broadcast(&room.members, &frame);
            }
        }
        if let Some(key) = Folded::new(&member.nick) {
            self.nicks.remove(key.as_str());
        }
    }
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("server", &self.config.server)
            .field("max_conns", &self.config.max_conns)
            .field("connections", &self.sessions.len())
            .field("welcomed", &self.nicks.len())
            .field("rooms", &self.rooms.len())
            .field("shutting_down", &self.shutting_down)
            .finish()
    }
}
