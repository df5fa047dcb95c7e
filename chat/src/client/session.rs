//! The client's state, without sockets: what the user typed and what the
//! server said go in, frames to send and lines to print come out.
//!
//! Like the hub on the server side, a [`Session`] never touches a
//! file descriptor or reads the clock. The I/O loop calls the `handle_*`
//! methods with input (a line, end of input, a decoded [`ServerMsg`], the
//! socket closing, and `now` where time matters), then drains the outputs
//! with [`Session::poll_transmit`] and [`Session::poll_output`].
//!
//! ```text
//!            handle_line / handle_eof            poll_transmit
//!  stdin ──────────────────────────┐      ┌────────────────────▶ socket
//!                                  ▼      │
//!                               ┌───────────┐
//!                               │  Session  │
//!                               └───────────┘
//!                                  ▲      │
//!  socket ─────────────────────────┘      └────────────────────▶ stdout
//!            handle_msg / handle_closed          poll_output
//! ```
//!
//! # Phases
//!
//! ```text
//!   new ──▶ Greeting ──Welcome──▶ Chatting ──/quit, EOF──▶ Quitting
//!            │    ▲                                           ▲
//!   BadNick, │    │ /nick NAME                                │
//!  NickTaken ▼    │ (another Hello)                           │
//!            Refused ─────────────────/quit, EOF──────────────┘
//! ```
//!
//! Input that needs a session (anything sent to the server but `Hello` and
//! `Bye`) waits in a queue, in order, until `Welcome` arrives: with
//! `printf 'hello\n/quit\n' | client` both lines are read long before the
//! server answers, and `hello` must be said before the `Bye`. Right after
//! `Welcome` the server has already joined the client to `lobby`
//! (PROTOCOL.md 5.2), so queued text can go to `lobby` at once.
//!
//! The same queue holds input while a `/join` or `/leave` waits for its
//! answer, so that in `printf '/join rust\nhi\n' | client` the `hi` goes to
//! `#rust`, as it would for someone typing at human speed. A person at a
//! screen must be able to leave even when that answer never comes: there
//! [`Session::handle_typed`] runs `/quit` and `/help` at once.
//!
//! # Reconnection (screen only)
//!
//! After a drop the session keeps its rooms and held input; once welcomed
//! again it rejoins every room (a refused rejoin drops the room), makes
//! again a `/join` that was in flight (a `/leave` in flight counts as
//! done), asks for the nick the user chose (not a `nick_` fallback), and
//! shows each replayed message only if its `(room, seq, fingerprint)` was
//! not shown before. A `BadNick` or `VersionUnsupported` answering a
//! `Hello` ends reconnection; a `BadNick` answering `/nick` does not.
//!
//! ```
//! use std::time::Instant;
//! use chat::client::render::{Renderer, Style};
//! use chat::client::session::Session;
//! use chat::protocol::{ClientMsg, ServerMsg};
//!
//! let now = Instant::now();
//! let mut s = Session::new("bot", Renderer::new(Style::plain()));
//! assert_eq!(s.poll_transmit(), Some(ClientMsg::Hello { version: 1, nick: "bot".into() }));
//!
//! s.handle_line("hello", now); // typed before Welcome: queued
//! s.handle_eof(now);
//! assert_eq!(s.poll_transmit(), None);
//!
//! s.handle_msg(ServerMsg::Welcome { version: 1, nick: "bot".into(), server: "t".into() }, now);
//! assert_eq!(s.poll_output().as_deref(), Some("-- connected to t as bot"));
//! assert_eq!(
//!     s.poll_transmit(),
//!     Some(ClientMsg::Say { room: "lobby".into(), text: "hello".into() }),
//! );
//! assert_eq!(s.poll_transmit(), Some(ClientMsg::Bye));
//! assert!(s.is_quitting());
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::command::{self, Command};
use super::reconnect::Backoff;
use super::render::{Renderer, Style};
use crate::protocol::{
    fold_name, is_valid_text, ClientMsg, ErrorCode, ServerMsg, LOBBY, MAX_NAME, PROTOCOL_VERSION,
};

/// How many `(seq, fingerprint)` pairs are remembered per room for
/// [`Session::for_screen`]'s de-duplication: well over the 32 messages of
/// history a `Join` replays.
const SEEN_PER_ROOM: usize = 256;

/// The state of the connection, for a status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Connected, `Hello` sent, no `Welcome` yet.
    Connecting,
    /// `Welcome` received.
    Online,
    /// The connection dropped; the next attempt is due at this instant.
    Waiting {
        /// When to try again.
        at: Instant,
        /// Attempts since the connection was last up (1 for the first).
        attempt: u32,
    },
    /// The connection is over and will not be tried again.
    Closed,
}

/// One thing to show, in [`Session::for_screen`]'s structured output.
///
/// Fields that come from the network are raw (a screen sanitises them as
/// it lays them out); notice lines are already rendered plain and
/// sanitised, `-- ` prefix included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// A room message (shown once: replays of a message already shown are
    /// dropped).
    Message {
        /// Room (lowercase).
        room: String,
        /// Sender nick.
        from: String,
        /// The text.
        text: String,
        /// UNIX time in milliseconds.
        time_ms: u64,
    },
    /// A whisper, sent or received.
    Whisper {
        /// Sender nick.
        from: String,
        /// Recipient nick.
        to: String,
        /// The text.
        text: String,
        /// UNIX time in milliseconds.
        time_ms: u64,
    },
    /// A notice line about `room`, or about nothing in particular (`None`:
    /// shown where the user is looking).
    Notice {
        /// The room it concerns.
        room: Option<String>,
        /// The rendered line, `-- ...`.
        line: String,
    },
}

/// Where the session stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `Hello` sent, no answer yet.
    Greeting,
    /// `Hello` refused with `BadNick` or `NickTaken`: waiting for `/nick`.
    Refused,
    /// `Welcome` received: chatting.
    Chatting,
    /// `Bye` sent: waiting for the server to close.
    Quitting,
}

/// How the connection ended, as [`Session::handle_closed`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The server closed after our `Bye`: exit status 0.
    Goodbye,
    /// The server closed on its own (an error, a shutdown, a crash): status 1.
    Lost,
}

impl Ending {
    /// The process exit status for this ending.
    pub fn exit_code(self) -> i32 {
        match self {
            Ending::Goodbye => 0,
            Ending::Lost => 1,
        }
    }
}

/// A request whose answer decides where later input goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Awaiting {
    /// `Join` of this room (lowercase): `Joined` or a Join error answers.
    Join(String),
    /// `Leave` of this room (lowercase): `Left` or a Leave error answers.
    Leave(String),
}

/// One queued piece of input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    Line(String),
    Eof,
}

/// The client's state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Session {
    renderer: Renderer,
    phase: Phase,
    /// The nick asked for, then the nick as the server stores it.
    nick: String,
    /// The room plain lines go to.
    current: Option<String>,
    /// Rooms this client is in (lowercase, as the server reports them).
    rooms: BTreeSet<String>,
    /// The answer to a `/join` or `/leave` that queued input waits for.
    awaiting: Option<Awaiting>,
    /// When each unanswered `Ping` was sent, by nonce.
    pings: HashMap<u64, Instant>,
    next_nonce: u64,
    /// Input that waits for `Welcome`, oldest first.
    queue: VecDeque<Input>,
    transmit: VecDeque<ClientMsg>,
    output: VecDeque<String>,
    /// Structured output instead of lines ([`Session::for_screen`]).
    screen: bool,
    shown: VecDeque<Shown>,
    /// Reconnection pacing; `None`: a lost connection ends the session.
    backoff: Option<Backoff>,
    connection: Connection,
    /// A `VersionUnsupported` or `BadNick` not yet followed by a
    /// `Welcome`: trying again cannot help.
    fatal: bool,
    /// The nick to restore after a reconnection.
    wanted_nick: String,
    /// `Hello`s refused with `NickTaken` during this reconnection.
    nick_tries: u32,
    /// This greeting follows a reconnection: rejoin the rooms on `Welcome`.
    rejoin: bool,
    /// A `/join` that was in flight when the connection dropped: sent
    /// again after the rejoins, and input typed after it still waits for
    /// its answer.
    join_again: Option<String>,
    /// Typing while not connected was pointed out since the last `Welcome`.
    told_offline: bool,
    /// Rooms whose rejoin `Join` is unanswered, in the order sent
    /// (replies come in order): a refusal drops the room.
    rejoining: VecDeque<String>,
    /// The server's name, from `Welcome`.
    server: String,
    /// Per room: the messages shown, by seq (screen only).
    seen: HashMap<String, Seen>,
    /// Per room: the members, folded nick to nick as stored (screen only).
    roster: HashMap<String, BTreeMap<String, String>>,
    /// Rooms whose `Users` answer fills the roster silently.
    roster_pending: BTreeSet<String>,
}

impl Session {
    /// A session that asks for `nick`; its first frame to send is `Hello`.
    pub fn new(nick: &str, renderer: Renderer) -> Session {
        let mut session = Session {
            renderer,
            phase: Phase::Greeting,
            nick: nick.to_string(),
            current: None,
            rooms: BTreeSet::new(),
            awaiting: None,
            pings: HashMap::new(),
            next_nonce: 1,
            queue: VecDeque::new(),
            transmit: VecDeque::new(),
            output: VecDeque::new(),
            screen: false,
            shown: VecDeque::new(),
            backoff: None,
            connection: Connection::Connecting,
            fatal: false,
            wanted_nick: nick.to_string(),
            nick_tries: 0,
            rejoin: false,
            join_again: None,
            told_offline: false,
            rejoining: VecDeque::new(),
            server: String::new(),
            seen: HashMap::new(),
            roster: HashMap::new(),
            roster_pending: BTreeSet::new(),
        };
        session.send(ClientMsg::hello(nick));
        session
    }

    /// A session for a full-screen client: output comes as [`Shown`]
    /// items from [`Session::poll_shown`] (none from `poll_output`),
    /// messages already shown are not shown again, each joined room's
    /// members are tracked ([`Session::members`]), and a lost connection
    /// is retried ([`Session::handle_lost`]) with jitter drawn from `seed`.
    pub fn for_screen(nick: &str, seed: u64) -> Session {
        let mut session = Session::new(nick, Renderer::new(Style::plain()));
        session.screen = true;
        session.backoff = Some(Backoff::new(seed));
        session
    }

    /// The next structured item to show ([`Session::for_screen`] only).
    pub fn poll_shown(&mut self) -> Option<Shown> {
        self.shown.pop_front()
    }

    /// The state of the connection.
    pub fn connection(&self) -> Connection {
        self.connection
    }

    /// The server's name and version, once welcomed.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The members of `room` as last known, sorted by folded nick
    /// ([`Session::for_screen`] only; empty otherwise).
    pub fn members(&self, room: &str) -> Vec<String> {
        self.roster
            .get(room)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Makes `room` (lowercase, already joined) the room plain lines go
    /// to, without a notice: the screen's buffer keys do this. Returns
    /// whether the session is in that room.
    pub fn set_current(&mut self, room: &str) -> bool {
        if self.rooms.contains(room) {
            self.current = Some(room.to_string());
            true
        } else {
            false
        }
    }

    /// The connection dropped. With reconnection enabled and nothing
    /// making it pointless (`/quit`, a fatal error), the session forgets
    /// the dead connection's state, keeps its rooms and typed input, and
    /// returns when to try again; otherwise `None` and the caller ends
    /// with [`Session::handle_closed`].
    pub fn handle_lost(&mut self, now: Instant) -> Option<Instant> {
        if self.phase == Phase::Quitting || self.fatal || self.backoff.is_none() {
            self.connection = Connection::Closed;
            return None;
        }
        let backoff = self.backoff.as_mut()?;
        let at = backoff.next_attempt(now);
        let attempt = backoff.attempts();
        self.reset_connection();
        self.connection = Connection::Waiting { at, attempt };
        self.notice(&format!(
            "connection lost; reconnecting in {}",
            seconds(at - now)
        ));
        Some(at)
    }

    /// An attempt to reconnect failed (`error` says why); returns when to
    /// try again. Only meaningful after [`Session::handle_lost`].
    pub fn handle_connect_failed(&mut self, error: &str, now: Instant) -> Instant {
        let backoff = self.backoff.get_or_insert_with(|| Backoff::new(1));
        let at = backoff.next_attempt(now);
        let attempt = backoff.attempts();
        self.connection = Connection::Waiting { at, attempt };
        self.notice(&format!(
            "cannot reconnect ({error}); next try in {}",
            seconds(at - now)
        ));
        at
    }

    /// A reconnection attempt is under way (a connect not yet answered):
    /// [`Session::connection`] says [`Connection::Connecting`] until
    /// [`Session::handle_connected`] or [`Session::handle_connect_failed`].
    pub fn handle_connecting(&mut self) {
        self.connection = Connection::Connecting;
    }

    /// A new connection is up: say `Hello` with the nick held before,
    /// and rejoin every room once welcomed.
    pub fn handle_connected(&mut self) {
        self.reset_connection();
        self.connection = Connection::Connecting;
        self.rejoin = true;
        self.nick_tries = 0;
        self.nick = self.wanted_nick.clone();
        self.send(ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            nick: self.nick.clone(),
        });
    }

    /// Drops what belonged to the dead connection. A `/join` in flight is
    /// made again once welcomed; a `/leave` in flight is done (the dead
    /// connection took us out of every room): the room is not rejoined.
    fn reset_connection(&mut self) {
        self.phase = Phase::Greeting;
        match self.awaiting.take() {
            Some(Awaiting::Join(room)) => self.join_again = Some(room),
            Some(Awaiting::Leave(room)) => self.forget_room(&room),
            None => {}
        }
        self.rejoining.clear();
        self.pings.clear();
        self.transmit.clear();
        self.roster_pending.clear();
        self.roster.clear();
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether `Bye` has been sent (stdin need not be read any more).
    pub fn is_quitting(&self) -> bool {
        self.phase == Phase::Quitting
    }

    /// The nick: the one asked for until `Welcome`, then the one stored.
    pub fn nick(&self) -> &str {
        &self.nick
    }

    /// The room plain lines go to, if any.
    pub fn current_room(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The rooms this client is in, sorted.
    pub fn rooms(&self) -> impl Iterator<Item = &str> {
        self.rooms.iter().map(String::as_str)
    }

    /// The next frame to send, oldest first.
    pub fn poll_transmit(&mut self) -> Option<ClientMsg> {
        self.transmit.pop_front()
    }

    /// The next line to print (without its newline), oldest first.
    pub fn poll_output(&mut self) -> Option<String> {
        self.output.pop_front()
    }

    /// A line the user typed (a trailing newline is ignored).
    pub fn handle_line(&mut self, line: &str, now: Instant) {
        if self.phase == Phase::Quitting {
            return;
        }
        self.queue.push_back(Input::Line(line.to_string()));
        self.drain(now);
    }

    /// A line a person typed on a screen: `/quit [message]` and `/help`
    /// take effect at once, ahead of input held for a `Welcome` or for the
    /// answer to a `/join` or `/leave` (on a black-holed connection that
    /// answer never comes, and the user must still be able to leave);
    /// `/quit` drops the held input with a notice. Every other line is
    /// [`Session::handle_line`]'s. Pipe input keeps `handle_line`'s strict
    /// order instead, so that `printf '/join rust\nhi\n/quit\n'` says `hi`.
    pub fn handle_typed(&mut self, line: &str, now: Instant) {
        if self.phase == Phase::Quitting {
            return;
        }
        match command::parse(line) {
            Ok(Some(Command::Quit(mut message))) => {
                let held = self.queue.len();
                self.queue.clear();
                if held > 0 {
                    self.notice(&format!("{held} held line(s) not sent"));
                }
                if self.phase != Phase::Chatting {
                    if let Some(text) = message.take() {
                        self.notice(&format!("not said (not connected): {text}"));
                    }
                }
                self.execute(Command::Quit(message), now);
            }
            Ok(Some(Command::Help)) => self.execute(Command::Help, now),
            _ => {
                if self.phase == Phase::Greeting && !self.told_offline {
                    self.told_offline = true;
                    self.notice("not connected: what you type is sent once connected");
                }
                self.handle_line(line, now)
            }
        }
    }

    /// The end of standard input: behaves like `/quit` once the lines before
    /// it are handled.
    pub fn handle_eof(&mut self, now: Instant) {
        if self.phase == Phase::Quitting {
            return;
        }
        self.queue.push_back(Input::Eof);
        self.drain(now);
    }

    /// A line to show that does not come from the server (e.g. an I/O
    /// problem the loop wants to report in the same style).
    pub fn notice(&mut self, text: &str) {
        let line = self.renderer.notice(text);
        self.print(line);
    }

    /// A frame from the server.
    pub fn handle_msg(&mut self, msg: ServerMsg, now: Instant) {
        match msg {
            ServerMsg::Welcome { nick, server, .. } => {
                let line = self.renderer.welcome(&nick, &server);
                self.print(line);
                if self.phase == Phase::Greeting {
                    self.nick = nick.clone();
                    // After a fallback (`alice_` because the old connection
                    // still held `alice`), the nick to restore next time
                    // stays the one the user chose.
                    if self.nick_tries == 0 {
                        self.wanted_nick = nick;
                    }
                    self.server = server;
                    self.phase = Phase::Chatting;
                    self.connection = Connection::Online;
                    self.told_offline = false;
                    self.fatal = false;
                    if let Some(backoff) = &mut self.backoff {
                        backoff.reset();
                    }
                    // The server joined us to the lobby before reading our
                    // next frame (PROTOCOL.md 5.2): queued text may go there.
                    self.rooms.insert(LOBBY.to_string());
                    if std::mem::take(&mut self.rejoin) {
                        let again: Vec<String> =
                            self.rooms.iter().filter(|r| *r != LOBBY).cloned().collect();
                        for room in again {
                            self.rejoining.push_back(room.clone());
                            self.send(ClientMsg::Join { room });
                        }
                        if self.current.is_none() {
                            self.current = Some(LOBBY.to_string());
                        }
                        if let Some(room) = self.join_again.take() {
                            self.awaiting = Some(Awaiting::Join(room.clone()));
                            self.send(ClientMsg::Join { room });
                        }
                    } else {
                        self.current = Some(LOBBY.to_string());
                    }
                    self.drain(now);
                }
            }
            ServerMsg::Message {
                room,
                from,
                text,
                time_ms,
                seq,
            } => {
                if !self.screen {
                    let line = self.renderer.message(&room, &from, &text, time_ms);
                    self.print(line);
                } else if !self.seen_before(&room, &from, &text, seq, time_ms) {
                    self.shown.push_back(Shown::Message {
                        room,
                        from,
                        text,
                        time_ms,
                    });
                }
            }
            ServerMsg::Whispered {
                from,
                to,
                text,
                time_ms,
            } => {
                if self.screen {
                    self.shown.push_back(Shown::Whisper {
                        from,
                        to,
                        text,
                        time_ms,
                    });
                } else {
                    let line = self.renderer.whisper(&from, &to, &text, time_ms);
                    self.print(line);
                }
            }
            ServerMsg::Joined { room, nick } => {
                let line = self.renderer.joined(&room, &nick);
                self.print_in(Some(&room), line);
                if self.screen {
                    self.roster
                        .entry(room.clone())
                        .or_default()
                        .insert(fold_name(&nick), nick.clone());
                }
                if self.is_me(&nick) {
                    if self.rejoining.front() == Some(&room) {
                        self.rejoining.pop_front();
                    }
                    if self.screen && self.roster_pending.insert(room.clone()) {
                        self.send(ClientMsg::ListUsers { room: room.clone() });
                    }
                    self.rooms.insert(room.clone());
                    if self.awaiting == Some(Awaiting::Join(room.clone())) {
                        self.awaiting = None;
                        self.switch_to(room);
                        self.drain(now);
                    } else if self.current.is_none() {
                        self.current = Some(room);
                    }
                }
            }
            ServerMsg::Left { room, nick } => {
                let line = self.renderer.left(&room, &nick);
                self.print_in(Some(&room), line);
                if let Some(members) = self.roster.get_mut(&room) {
                    members.remove(&fold_name(&nick));
                }
                if self.is_me(&nick) {
                    self.roster.remove(&room);
                    self.rooms.remove(&room);
                    if self.current.as_deref() == Some(room.as_str()) {
                        match self.rooms.iter().next().cloned() {
                            Some(next) => self.switch_to(next),
                            None => {
                                self.current = None;
                                self.notice("you are in no room now: /join one");
                            }
                        }
                    }
                    if self.awaiting == Some(Awaiting::Leave(room)) {
                        self.awaiting = None;
                        self.drain(now);
                    }
                }
            }
            ServerMsg::Renamed { old, new } => {
                let line = self.renderer.renamed(&old, &new);
                self.print(line);
                for members in self.roster.values_mut() {
                    if members.remove(&fold_name(&old)).is_some() {
                        members.insert(fold_name(&new), new.clone());
                    }
                }
                if self.is_me(&old) {
                    self.wanted_nick = new.clone();
                    self.nick = new;
                }
            }
            ServerMsg::Rooms { rooms } => {
                let line = self.renderer.rooms(&rooms);
                self.print(line);
            }
            ServerMsg::Users { room, nicks } => {
                let silent = self.roster_pending.remove(&room);
                if self.screen && self.rooms.contains(&room) {
                    let members = nicks.iter().map(|n| (fold_name(n), n.clone())).collect();
                    self.roster.insert(room.clone(), members);
                }
                if !silent {
                    let line = self.renderer.users(&room, &nicks);
                    self.print(line);
                }
            }
            ServerMsg::Pong { nonce } => {
                let rtt = self
                    .pings
                    .remove(&nonce)
                    .map(|sent| now.saturating_duration_since(sent));
                let line = self.renderer.pong(nonce, rtt);
                self.print(line);
            }
            ServerMsg::Error { code, detail } => self.handle_error(code, &detail, now),
        }
    }

    /// The server closed the connection (end of stream or a reset).
    pub fn handle_closed(&mut self) -> Ending {
        self.connection = Connection::Closed;
        if self.phase == Phase::Quitting {
            Ending::Goodbye
        } else {
            self.notice("the server closed the connection");
            Ending::Lost
        }
    }

    fn handle_error(&mut self, code: ErrorCode, detail: &str, now: Instant) {
        let line = self.renderer.error(code, detail);
        self.print(line);
        // Reconnecting cannot fix these: the same Hello would be refused
        // again. A BadNick counts only as the answer to a Hello (a `/nick`
        // typo while chatting leaves the stored nick as it was), and stops
        // counting once a /nick is welcomed.
        let refuses_hello = code == ErrorCode::BadNick && self.phase == Phase::Greeting;
        if code == ErrorCode::VersionUnsupported || refuses_hello {
            self.fatal = true;
        }
        match code {
            // Reconnecting: the old connection may still hold the nick on
            // the server, or someone took it meanwhile. Try variants.
            ErrorCode::NickTaken if self.phase == Phase::Greeting && self.rejoin => {
                self.nick_tries += 1;
                self.nick = nick_variant(&self.wanted_nick, self.nick_tries);
                let note = format!("trying the nick {}", self.nick);
                self.notice(&note);
                self.send(ClientMsg::Hello {
                    version: PROTOCOL_VERSION,
                    nick: self.nick.clone(),
                });
            }
            ErrorCode::BadNick | ErrorCode::NickTaken if self.phase == Phase::Greeting => {
                self.phase = Phase::Refused;
                self.notice("choose another nick with /nick NAME (or /quit)");
                self.drain(now);
            }
            _ => {}
        }
        // Replies come in order: the rejoins were sent first, so a Join
        // error answers the oldest unanswered one. Refused (the room limit
        // changed, the name is no longer accepted), the room is dropped.
        if matches!(
            code,
            ErrorCode::BadRoom | ErrorCode::AlreadyInRoom | ErrorCode::TooManyRooms
        ) {
            if let Some(room) = self.rejoining.pop_front() {
                if code != ErrorCode::AlreadyInRoom {
                    self.notice(&format!("could not rejoin #{room}"));
                    self.forget_room(&room);
                }
                return;
            }
        }
        // Replies come in order, so while a Join or Leave is awaited, an
        // error that request can get is its answer.
        let answered = matches!(
            (&self.awaiting, code),
            (
                Some(Awaiting::Join(_)),
                ErrorCode::BadRoom | ErrorCode::AlreadyInRoom | ErrorCode::TooManyRooms
            ) | (
                Some(Awaiting::Leave(_)),
                ErrorCode::BadRoom | ErrorCode::NotInRoom
            )
        );
        if answered {
            self.awaiting = None;
            self.drain(now);
        }
    }

    /// Handles queued input from the front for as long as the phase allows.
    fn drain(&mut self, now: Instant) {
        while let Some(input) = self.queue.front() {
            if self.phase == Phase::Quitting {
                self.queue.clear();
                return;
            }
            let command = match input {
                Input::Eof => Ok(Some(Command::Quit(None))),
                Input::Line(line) => command::parse(line),
            };
            let waits = matches!(&command, Ok(Some(c)) if needs_session(c));
            match self.phase {
                Phase::Greeting if waits => return,
                // Lines after `/join rust` are meant for #rust: hold them
                // until the server has answered the Join.
                Phase::Chatting if self.awaiting.is_some() => return,
                // Only /nick (another Hello) moves a refused session on; the
                // rest cannot be sent and would block /quit behind it.
                Phase::Refused if waits && !matches!(command, Ok(Some(Command::Nick(_)))) => {
                    self.queue.pop_front();
                    self.notice("not sent: choose a nick first with /nick NAME");
                    continue;
                }
                _ => {}
            }
            self.queue.pop_front();
            match command {
                Ok(Some(command)) => self.execute(command, now),
                Ok(None) => {}
                Err(err) => self.notice(&err.to_string()),
            }
        }
    }

    fn execute(&mut self, command: Command, now: Instant) {
        match command {
            Command::Say(text) => {
                let Some(room) = self.current.clone() else {
                    return self.notice("you are in no room: /join one first");
                };
                if self.text_ok(&text) {
                    self.send(ClientMsg::Say { room, text });
                }
            }
            Command::Join(room) => {
                let key = fold_name(&room);
                if self.rooms.contains(&key) {
                    self.switch_to(key);
                } else {
                    self.awaiting = Some(Awaiting::Join(key));
                    self.send(ClientMsg::Join { room });
                }
            }
            Command::Leave(room) => match room.or_else(|| self.current.clone()) {
                Some(room) => {
                    self.awaiting = Some(Awaiting::Leave(fold_name(&room)));
                    self.send(ClientMsg::Leave { room });
                }
                None => self.notice("you are in no room"),
            },
            Command::Switch(room) => {
                let key = fold_name(&room);
                if self.rooms.contains(&key) {
                    self.switch_to(key);
                } else {
                    self.notice(&format!("you are not in #{key} (use /join {key})"));
                }
            }
            Command::Msg { to, text } => {
                if self.text_ok(&text) {
                    self.send(ClientMsg::Whisper { to, text });
                }
            }
            Command::Nick(nick) => {
                if self.phase == Phase::Refused {
                    self.phase = Phase::Greeting;
                    self.nick = nick.clone();
                    self.send(ClientMsg::Hello {
                        version: PROTOCOL_VERSION,
                        nick,
                    });
                } else {
                    self.send(ClientMsg::Nick { nick });
                }
            }
            Command::Rooms => self.send(ClientMsg::ListRooms),
            Command::Who(room) => match room.or_else(|| self.current.clone()) {
                Some(room) => self.send(ClientMsg::ListUsers { room }),
                None => self.notice("you are in no room: say /who ROOM"),
            },
            Command::Ping => {
                let nonce = self.next_nonce;
                self.next_nonce = self.next_nonce.wrapping_add(1);
                self.pings.insert(nonce, now);
                self.send(ClientMsg::Ping { nonce });
            }
            Command::Quit(message) => {
                if let Some(text) = message {
                    self.execute(Command::Say(text), now);
                }
                self.phase = Phase::Quitting;
                self.queue.clear();
                self.send(ClientMsg::Bye);
            }
            Command::Help => {
                for line in command::HELP {
                    self.notice(line);
                }
            }
        }
    }

    /// Checks text before sending it: an over-long text would make a frame
    /// the server may reject as fatal, so it is refused here instead.
    fn text_ok(&mut self, text: &str) -> bool {
        if is_valid_text(text) {
            return true;
        }
        let note = format!(
            "not sent ({} bytes): {}",
            text.len(),
            ErrorCode::BadText.describe()
        );
        self.notice(&note);
        false
    }

    /// Drops `room` from the rooms (left, or not rejoined after a drop),
    /// moving the current room elsewhere if it was that one.
    fn forget_room(&mut self, room: &str) {
        self.roster.remove(room);
        self.rooms.remove(room);
        if self.current.as_deref() == Some(room) {
            match self.rooms.iter().next().cloned() {
                Some(next) => self.switch_to(next),
                None => self.current = None,
            }
        }
    }

    fn switch_to(&mut self, room: String) {
        if !self.screen {
            // A screen shows the room in its title line instead.
            self.notice(&format!("now talking in #{room}"));
        }
        self.current = Some(room);
    }

    fn is_me(&self, nick: &str) -> bool {
        fold_name(nick) == fold_name(&self.nick)
    }

    fn send(&mut self, msg: ClientMsg) {
        self.transmit.push_back(msg);
    }

    fn print(&mut self, line: String) {
        self.print_in(None, line);
    }

    /// A rendered line; in screen mode a [`Shown::Notice`] about `room`.
    fn print_in(&mut self, room: Option<&str>, line: String) {
        if self.screen {
            self.shown.push_back(Shown::Notice {
                room: room.map(str::to_string),
                line,
            });
        } else {
            self.output.push_back(line);
        }
    }

    /// Whether a message was shown before (a replay after a rejoin), and
    /// remembers it if not. Keyed by room and `seq`; the fingerprint of
    /// time, sender and text tells a replay from a message that reuses a
    /// seq after the server restarted and began its rooms again.
    fn seen_before(&mut self, room: &str, from: &str, text: &str, seq: u64, time_ms: u64) -> bool {
        let print = fingerprint(from, text, time_ms);
        self.seen
            .entry(room.to_string())
            .or_default()
            .seen_before(seq, print)
    }
}

/// The last [`SEEN_PER_ROOM`] messages shown in one room: seq to
/// fingerprint, and the seqs in the order they were stored.
///
/// Eviction follows arrival, not seq order: a restarted server (or a room
/// emptied and made again) numbers its messages from 1, below every seq
/// remembered, and evicting the smallest seq would forget each new message
/// the moment it is stored, so the next rejoin would show it again.
#[derive(Debug, Default)]
struct Seen {
    prints: HashMap<u64, u64>,
    order: VecDeque<u64>,
}

impl Seen {
    /// Whether `(seq, print)` is remembered; remembers it if not.
    fn seen_before(&mut self, seq: u64, print: u64) -> bool {
        match self.prints.insert(seq, print) {
            Some(old) if old == print => return true,
            // The seq is reused by another message: it is now the newest.
            Some(_) => self.order.retain(|&s| s != seq),
            None => {}
        }
        self.order.push_back(seq);
        if self.order.len() > SEEN_PER_ROOM {
            if let Some(oldest) = self.order.pop_front() {
                self.prints.remove(&oldest);
            }
        }
        false
    }
}

/// Whether a command needs `Welcome` first: everything the server handles
/// but `Hello` and `Bye`. Local commands (`/help`, `/quit`) never wait.
fn needs_session(command: &Command) -> bool {
    !matches!(command, Command::Quit(None) | Command::Help)
}

/// `Nn` seconds, rounded up, for notices.
fn seconds(delay: Duration) -> String {
    let secs = delay.as_millis().div_ceil(1000);
    format!("{secs} s")
}

/// The `tries`-th replacement for a taken `nick`: `nick_`, `nick__`, then
/// `nick_3`, `nick_4`, ..., cut so that it stays a valid name.
///
/// ```text
/// alice  →  alice_, alice__, alice_3, alice_4, ...
/// ```
pub fn nick_variant(nick: &str, tries: u32) -> String {
    let suffix = match tries {
        0 => String::new(),
        1 => "_".to_string(),
        2 => "__".to_string(),
        n => format!("_{n}"),
    };
    let keep = MAX_NAME.saturating_sub(suffix.len()).min(nick.len());
    // Valid nicks are ASCII, so any byte index is a char boundary; a nick
    // that is not ASCII is cut at the nearest boundary below.
    let mut cut = keep;
    while !nick.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &nick[..cut])
}

/// FNV-1a over the time, sender and text of a message.
fn fingerprint(from: &str, text: &str, time_ms: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&time_ms.to_le_bytes());
    eat(from.as_bytes());
    eat(&[0]);
    eat(text.as_bytes());
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::render::Style;
    use crate::protocol::RoomInfo;
    use std::time::Duration;

    fn session(nick: &str) -> Session {
        let mut s = Session::new(nick, Renderer::new(Style::plain()));
        assert_eq!(s.poll_transmit(), Some(ClientMsg::hello(nick)));
        s
    }

    fn welcome(nick: &str) -> ServerMsg {
        ServerMsg::Welcome {
            version: 1,
            nick: nick.into(),
            server: "test 1".into(),
        }
    }

    /// A session that got `Welcome` and the lobby `Joined`, outputs drained.
    fn welcomed(nick: &str) -> Session {
        let mut s = session(nick);
        let now = Instant::now();
        s.handle_msg(welcome(nick), now);
        s.handle_msg(ServerMsg::joined("lobby", nick), now);
        drain_output(&mut s);
        s
    }

    fn sent(s: &mut Session) -> Vec<ClientMsg> {
        std::iter::from_fn(|| s.poll_transmit()).collect()
    }

    fn drain_output(s: &mut Session) -> Vec<String> {
        std::iter::from_fn(|| s.poll_output()).collect()
    }

    #[test]
    fn lines_before_welcome_wait_in_order() {
        let now = Instant::now();
        let mut s = session("bot");
        s.handle_line("hello", now);
        s.handle_line("/join rust", now);
        s.handle_line("/quit", now);
        s.handle_line("after quit", now);
        assert_eq!(sent(&mut s), vec![]);
        s.handle_msg(welcome("Bot"), now);
        assert_eq!(s.nick(), "Bot");
        assert_eq!(
            sent(&mut s),
            vec![
                ClientMsg::say("lobby", "hello"),
                ClientMsg::Join {
                    room: "rust".into()
                },
            ]
        );
        // `/quit` waits for the Join's answer, like every line after it.
        s.handle_msg(ServerMsg::joined("rust", "bot"), now);
        assert_eq!(sent(&mut s), vec![ClientMsg::Bye]);
        assert!(s.is_quitting());
        s.handle_line("ignored", now);
        s.handle_eof(now);
        assert_eq!(sent(&mut s), vec![]);
        assert_eq!(s.handle_closed(), Ending::Goodbye);
        assert_eq!(Ending::Goodbye.exit_code(), 0);
    }

    #[test]
    fn eof_is_quit_after_queued_lines() {
        let now = Instant::now();
        let mut s = session("bot");
        s.handle_line("hello", now);
        s.handle_eof(now);
        assert_eq!(sent(&mut s), vec![]);
        s.handle_msg(welcome("bot"), now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::say("lobby", "hello"), ClientMsg::Bye]
        );
        assert_eq!(drain_output(&mut s), vec!["-- connected to test 1 as bot"]);
    }

    #[test]
    fn quit_and_help_do_not_wait_for_welcome() {
        let now = Instant::now();
        let mut s = session("bot");
        s.handle_line("/help", now);
        assert_eq!(drain_output(&mut s).len(), command::HELP.len());
        s.handle_line("/bogus", now);
        assert_eq!(
            drain_output(&mut s),
            vec!["-- unknown command /bogus (try /help)"]
        );
        s.handle_eof(now);
        assert_eq!(sent(&mut s), vec![ClientMsg::Bye]);
    }

    #[test]
    fn refused_nick_then_another_hello() {
        let now = Instant::now();
        let mut s = session("alice");
        s.handle_line("hi", now);
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::NickTaken,
                detail: "nick already in use".into(),
            },
            now,
        );
        assert_eq!(s.phase(), Phase::Refused);
        assert_eq!(
            drain_output(&mut s),
            vec![
                "-- error: that nick is already in use (nick already in use)",
                "-- choose another nick with /nick NAME (or /quit)",
                "-- not sent: choose a nick first with /nick NAME",
            ]
        );
        s.handle_line("still nothing", now);
        assert_eq!(sent(&mut s), vec![]);
        drain_output(&mut s);
        s.handle_line("/nick alice2", now);
        assert_eq!(sent(&mut s), vec![ClientMsg::hello("alice2")]);
        assert_eq!(s.phase(), Phase::Greeting);
        s.handle_line("hello again", now);
        s.handle_msg(welcome("alice2"), now);
        assert_eq!(sent(&mut s), vec![ClientMsg::say("lobby", "hello again")]);
        // After Welcome, /nick is a rename.
        s.handle_line("/nick al", now);
        assert_eq!(sent(&mut s), vec![ClientMsg::Nick { nick: "al".into() }]);
    }

    #[test]
    fn refused_then_eof_quits() {
        let now = Instant::now();
        let mut s = session("bad nick");
        s.handle_line("hello", now);
        s.handle_eof(now);
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::BadNick,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(sent(&mut s), vec![ClientMsg::Bye]);
        assert_eq!(s.handle_closed(), Ending::Goodbye);
    }

    #[test]
    fn join_switches_when_joined_arrives() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        assert_eq!(s.current_room(), Some("lobby"));
        s.handle_line("/join Rust", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Join {
                room: "Rust".into()
            }]
        );
        s.handle_line("held until joined", now);
        assert_eq!(sent(&mut s), vec![]);
        s.handle_msg(ServerMsg::joined("rust", "bot"), now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::say("rust", "held until joined")]
        );
        assert_eq!(
            drain_output(&mut s),
            vec!["-- bot joined #rust", "-- now talking in #rust"]
        );
        assert_eq!(s.current_room(), Some("rust"));
        s.handle_line("in rust", now);
        assert_eq!(sent(&mut s), vec![ClientMsg::say("rust", "in rust")]);
        // Someone else joining does not move us.
        s.handle_msg(ServerMsg::joined("lobby", "alice"), now);
        assert_eq!(s.current_room(), Some("rust"));
        // Joining a room we are in just switches, locally.
        s.handle_line("/join LOBBY", now);
        assert_eq!(sent(&mut s), vec![]);
        assert_eq!(s.current_room(), Some("lobby"));
        assert_eq!(s.rooms().collect::<Vec<_>>(), vec!["lobby", "rust"]);
    }

    #[test]
    fn refused_join_does_not_switch_later() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        s.handle_line("/join bad!", now);
        s.handle_line("after", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Join {
                room: "bad!".into()
            }]
        );
        // An error a Join cannot get does not release the queue...
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::NoSuchUser,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(sent(&mut s), vec![]);
        // ...the Join's refusal does.
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::BadRoom,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(sent(&mut s), vec![ClientMsg::say("lobby", "after")]);
        s.handle_msg(ServerMsg::joined("bad", "bot"), now);
        assert_eq!(s.current_room(), Some("lobby"));
    }

    #[test]
    fn switch_and_leave() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        s.handle_line("/switch rust", now);
        assert_eq!(
            drain_output(&mut s),
            vec!["-- you are not in #rust (use /join rust)"]
        );
        s.handle_line("/join rust", now);
        s.handle_msg(ServerMsg::joined("rust", "bot"), now);
        s.handle_line("/switch LOBBY", now);
        assert_eq!(s.current_room(), Some("lobby"));
        sent(&mut s);
        s.handle_line("/leave", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Leave {
                room: "lobby".into()
            }]
        );
        drain_output(&mut s);
        s.handle_msg(
            ServerMsg::Left {
                room: "lobby".into(),
                nick: "bot".into(),
            },
            now,
        );
        assert_eq!(
            drain_output(&mut s),
            vec!["-- bot left #lobby", "-- now talking in #rust"]
        );
        s.handle_line("/leave rust", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Leave {
                room: "rust".into()
            }]
        );
        s.handle_msg(
            ServerMsg::Left {
                room: "rust".into(),
                nick: "bot".into(),
            },
            now,
        );
        assert_eq!(s.current_room(), None);
        drain_output(&mut s);
        s.handle_line("into the void", now);
        s.handle_line("/leave", now);
        s.handle_line("/who", now);
        assert_eq!(sent(&mut s), vec![]);
        assert_eq!(
            drain_output(&mut s),
            vec![
                "-- you are in no room: /join one first",
                "-- you are in no room",
                "-- you are in no room: say /who ROOM",
            ]
        );
    }

    #[test]
    fn lines_after_leave_wait_for_its_answer() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        s.handle_line("/join rust", now);
        s.handle_msg(ServerMsg::joined("rust", "bot"), now);
        sent(&mut s);
        s.handle_line("/leave", now);
        s.handle_line("where am I", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Leave {
                room: "rust".into()
            }]
        );
        s.handle_msg(
            ServerMsg::Left {
                room: "rust".into(),
                nick: "bot".into(),
            },
            now,
        );
        assert_eq!(sent(&mut s), vec![ClientMsg::say("lobby", "where am I")]);
        // A refused Leave releases the queue too.
        s.handle_line("/leave nowhere", now);
        s.handle_line("/rooms", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Leave {
                room: "nowhere".into()
            }]
        );
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::NotInRoom,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(sent(&mut s), vec![ClientMsg::ListRooms]);
    }

    #[test]
    fn commands_map_to_messages() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        for line in [
            "/msg alice hi there",
            "/rooms",
            "/who",
            "/who rust",
            "/nick robot",
            "//x",
        ] {
            s.handle_line(line, now);
        }
        assert_eq!(
            sent(&mut s),
            vec![
                ClientMsg::Whisper {
                    to: "alice".into(),
                    text: "hi there".into()
                },
                ClientMsg::ListRooms,
                ClientMsg::ListUsers {
                    room: "lobby".into()
                },
                ClientMsg::ListUsers {
                    room: "rust".into()
                },
                ClientMsg::Nick {
                    nick: "robot".into()
                },
                ClientMsg::say("lobby", "/x"),
            ]
        );
    }

    #[test]
    fn over_long_text_is_refused_locally() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        s.handle_line(&"x".repeat(4097), now);
        s.handle_line(&format!("/msg bob {}", "y".repeat(4097)), now);
        s.handle_line(&"z".repeat(4096), now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::say("lobby", &"z".repeat(4096))]
        );
        assert_eq!(
            drain_output(&mut s),
            vec![
                "-- not sent (4097 bytes): a message must be 1 to 4096 bytes",
                "-- not sent (4097 bytes): a message must be 1 to 4096 bytes",
            ]
        );
    }

    #[test]
    fn ping_measures_the_round_trip() {
        let start = Instant::now();
        let mut s = welcomed("bot");
        s.handle_line("/ping", start);
        s.handle_line("/ping", start);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Ping { nonce: 1 }, ClientMsg::Ping { nonce: 2 }]
        );
        s.handle_msg(
            ServerMsg::Pong { nonce: 2 },
            start + Duration::from_micros(2500),
        );
        s.handle_msg(ServerMsg::Pong { nonce: 2 }, start);
        assert_eq!(
            drain_output(&mut s),
            vec!["-- pong in 2.500 ms", "-- pong (nonce 2)"]
        );
    }

    #[test]
    fn renames_follow_our_nick() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        s.handle_msg(
            ServerMsg::Renamed {
                old: "alice".into(),
                new: "al".into(),
            },
            now,
        );
        assert_eq!(s.nick(), "bot");
        s.handle_msg(
            ServerMsg::Renamed {
                old: "bot".into(),
                new: "Robot".into(),
            },
            now,
        );
        assert_eq!(s.nick(), "Robot");
        // Our own Joined is recognised by the new nick, ignoring case.
        s.handle_line("/join x", now);
        s.handle_msg(ServerMsg::joined("x", "robot"), now);
        assert_eq!(s.current_room(), Some("x"));
    }

    #[test]
    fn server_messages_are_rendered() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        let msgs = vec![
            ServerMsg::Message {
                room: "lobby".into(),
                from: "alice".into(),
                text: "hi \x1b[2J".into(),
                seq: 1,
                time_ms: 60_000,
            },
            ServerMsg::Whispered {
                from: "alice".into(),
                to: "bot".into(),
                text: "psst".into(),
                time_ms: 120_000,
            },
            ServerMsg::Rooms {
                rooms: vec![RoomInfo {
                    name: "lobby".into(),
                    members: 2,
                }],
            },
            ServerMsg::Users {
                room: "lobby".into(),
                nicks: vec!["alice".into(), "bot".into()],
            },
            ServerMsg::Error {
                code: ErrorCode::NoSuchUser,
                detail: "no such user".into(),
            },
        ];
        for msg in msgs {
            s.handle_msg(msg, now);
        }
        assert_eq!(
            drain_output(&mut s),
            vec![
                "[00:01] #lobby <alice> hi \\x1b[2J",
                "[00:02] *alice* -> bot: psst",
                "-- rooms: #lobby (2)",
                "-- users in #lobby (2): alice, bot",
                "-- error: no such user",
            ]
        );
    }

    #[test]
    fn closing_without_bye_is_lost() {
        let now = Instant::now();
        let mut s = welcomed("bot");
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::ShuttingDown,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(s.handle_closed(), Ending::Lost);
        assert_eq!(
            drain_output(&mut s),
            vec![
                "-- error: the server is shutting down",
                "-- the server closed the connection"
            ]
        );
        assert_eq!(Ending::Lost.exit_code(), 1);
    }

    fn shown(s: &mut Session) -> Vec<Shown> {
        std::iter::from_fn(|| s.poll_shown()).collect()
    }

    fn shown_texts(s: &mut Session) -> Vec<String> {
        shown(s)
            .into_iter()
            .filter_map(|item| match item {
                Shown::Message { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    /// A screen session welcomed as `nick`, in lobby and `rooms`.
    fn screen_in(nick: &str, rooms: &[&str]) -> Session {
        let now = Instant::now();
        let mut s = Session::for_screen(nick, 9);
        assert_eq!(s.poll_transmit(), Some(ClientMsg::hello(nick)));
        s.handle_msg(welcome(nick), now);
        s.handle_msg(ServerMsg::joined("lobby", nick), now);
        for room in rooms {
            s.handle_line(&format!("/join {room}"), now);
            s.handle_msg(ServerMsg::joined(room, nick), now);
        }
        sent(&mut s);
        shown(&mut s);
        s
    }

    #[test]
    fn screen_output_is_structured_and_pipe_output_untouched() {
        let now = Instant::now();
        let mut s = Session::for_screen("bot", 1);
        sent(&mut s);
        s.handle_msg(welcome("bot"), now);
        s.handle_msg(ServerMsg::joined("lobby", "bot"), now);
        s.handle_msg(ServerMsg::message("lobby", "al", "hi", 1, 60_000), now);
        assert_eq!(s.poll_output(), None);
        assert_eq!(
            shown(&mut s),
            vec![
                Shown::Notice {
                    room: None,
                    line: "-- connected to test 1 as bot".into()
                },
                Shown::Notice {
                    room: Some("lobby".into()),
                    line: "-- bot joined #lobby".into()
                },
                Shown::Message {
                    room: "lobby".into(),
                    from: "al".into(),
                    text: "hi".into(),
                    time_ms: 60_000
                },
            ]
        );
        assert_eq!(s.connection(), Connection::Online);
        assert_eq!(s.server(), "test 1");
        // Our own Joined asks for the roster, whose answer is not printed.
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::ListUsers {
                room: "lobby".into()
            }]
        );
        s.handle_msg(
            ServerMsg::Users {
                room: "lobby".into(),
                nicks: vec!["al".into(), "bot".into()],
            },
            now,
        );
        assert_eq!(shown(&mut s), vec![]);
        assert_eq!(s.members("lobby"), vec!["al", "bot"]);
        s.handle_msg(ServerMsg::joined("lobby", "Cy"), now);
        s.handle_msg(
            ServerMsg::Renamed {
                old: "al".into(),
                new: "Alan".into(),
            },
            now,
        );
        assert_eq!(s.members("lobby"), vec!["Alan", "bot", "Cy"]);
        s.handle_msg(
            ServerMsg::Left {
                room: "lobby".into(),
                nick: "cy".into(),
            },
            now,
        );
        assert_eq!(s.members("lobby"), vec!["Alan", "bot"]);
        // A /who the user asked for is printed.
        s.handle_line("/who", now);
        s.handle_msg(
            ServerMsg::Users {
                room: "lobby".into(),
                nicks: vec!["Alan".into(), "bot".into()],
            },
            now,
        );
        assert_eq!(shown(&mut s).len(), 4);
    }

    #[test]
    fn replayed_history_is_not_shown_twice() {
        let now = Instant::now();
        let mut s = screen_in("bot", &["rust"]);
        s.handle_msg(ServerMsg::message("rust", "al", "one", 1, 1_000), now);
        s.handle_msg(ServerMsg::message("rust", "al", "two", 2, 2_000), now);
        assert_eq!(shown_texts(&mut s), vec!["one", "two"]);
        // The connection drops; the rejoin replays the history with what
        // was said meanwhile.
        let at = s.handle_lost(now).expect("reconnects");
        assert!(at > now && at <= now + Duration::from_secs(1));
        s.handle_connected();
        s.handle_msg(welcome("bot"), now);
        s.handle_msg(ServerMsg::message("rust", "al", "one", 1, 1_000), now);
        s.handle_msg(ServerMsg::message("rust", "al", "two", 2, 2_000), now);
        s.handle_msg(ServerMsg::message("rust", "al", "three", 3, 3_000), now);
        assert_eq!(shown_texts(&mut s), vec!["three"]);
        // A restarted server numbers its rooms from 1 again: new messages
        // with old seqs are still shown.
        s.handle_msg(ServerMsg::message("rust", "al", "fresh", 1, 9_000), now);
        assert_eq!(shown_texts(&mut s), vec!["fresh"]);
        // The pipe mode does no such thing (it never reconnects).
        let mut p = welcomed("bot");
        p.handle_msg(ServerMsg::message("lobby", "al", "x", 1, 0), now);
        p.handle_msg(ServerMsg::message("lobby", "al", "x", 1, 0), now);
        assert_eq!(drain_output(&mut p).len(), 2);
    }

    #[test]
    fn replays_after_a_restart_are_not_shown_twice_once_memory_is_full() {
        let now = Instant::now();
        let mut s = screen_in("bot", &[]);
        for seq in 1..=300 {
            s.handle_msg(
                ServerMsg::message("lobby", "al", "old", seq, seq * 1_000),
                now,
            );
        }
        assert_eq!(shown_texts(&mut s).len(), 300);
        // The server restarts: seqs begin at 1 again.
        s.handle_lost(now).unwrap();
        s.handle_connected();
        s.handle_msg(welcome("bot"), now);
        s.handle_msg(ServerMsg::message("lobby", "al", "new 1", 1, 900_000), now);
        s.handle_msg(ServerMsg::message("lobby", "al", "new 2", 2, 901_000), now);
        assert_eq!(shown_texts(&mut s), vec!["new 1", "new 2"]);
        // A blip: the rejoin replays both; neither is shown again.
        s.handle_lost(now).unwrap();
        s.handle_connected();
        s.handle_msg(welcome("bot"), now);
        s.handle_msg(ServerMsg::message("lobby", "al", "new 1", 1, 900_000), now);
        s.handle_msg(ServerMsg::message("lobby", "al", "new 2", 2, 901_000), now);
        s.handle_msg(ServerMsg::message("lobby", "al", "new 3", 3, 902_000), now);
        assert_eq!(shown_texts(&mut s), vec!["new 3"]);
    }

    #[test]
    fn reconnect_restores_nick_and_rooms() {
        let now = Instant::now();
        let mut s = screen_in("bot", &["rust", "go"]);
        s.handle_line("/switch rust", now);
        s.handle_line("/ping", now);
        sent(&mut s);
        let at = s.handle_lost(now).unwrap();
        assert!(matches!(
            s.connection(),
            Connection::Waiting { attempt: 1, .. }
        ));
        assert_eq!(s.phase(), Phase::Greeting);
        // Typed while offline: waits for the new session.
        s.handle_line("still here", now);
        assert_eq!(sent(&mut s), vec![]);
        // The first attempt fails; the next one is further away.
        let again = s.handle_connect_failed("connection refused", at);
        assert!(again - at >= Duration::from_secs(1));
        assert!(matches!(
            s.connection(),
            Connection::Waiting { attempt: 2, .. }
        ));
        s.handle_connecting();
        assert_eq!(s.connection(), Connection::Connecting);
        assert_eq!(sent(&mut s), vec![]);
        s.handle_connected();
        assert_eq!(s.connection(), Connection::Connecting);
        assert_eq!(sent(&mut s), vec![ClientMsg::hello("bot")]);
        // The old connection still holds the nick: variants are tried.
        let taken = ServerMsg::Error {
            code: ErrorCode::NickTaken,
            detail: String::new(),
        };
        s.handle_msg(taken.clone(), now);
        assert_eq!(sent(&mut s), vec![ClientMsg::hello("bot_")]);
        s.handle_msg(taken, now);
        assert_eq!(sent(&mut s), vec![ClientMsg::hello("bot__")]);
        s.handle_msg(welcome("bot__"), now);
        assert_eq!(s.nick(), "bot__");
        assert_eq!(
            sent(&mut s),
            vec![
                ClientMsg::Join { room: "go".into() },
                ClientMsg::Join {
                    room: "rust".into()
                },
                ClientMsg::say("rust", "still here"),
            ]
        );
        assert_eq!(s.current_room(), Some("rust"));
        assert_eq!(s.connection(), Connection::Online);
        // Back online, the next drop starts from 1 s again.
        let at = s.handle_lost(now).unwrap();
        assert!(at - now <= Duration::from_secs(1));
        // The fallback is not the nick to restore: `bot` is asked for.
        s.handle_connected();
        assert_eq!(sent(&mut s), vec![ClientMsg::hello("bot")]);
    }

    #[test]
    fn requests_in_flight_survive_a_drop_and_refused_rejoins_drop_rooms() {
        let now = Instant::now();
        let mut s = screen_in("bot", &["rust", "go"]);
        // A /leave in flight at the drop: done, #go is not rejoined.
        s.handle_line("/leave go", now);
        sent(&mut s);
        s.handle_lost(now).unwrap();
        assert_eq!(s.rooms().collect::<Vec<_>>(), vec!["lobby", "rust"]);
        s.handle_connected();
        sent(&mut s);
        s.handle_msg(welcome("bot"), now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Join {
                room: "rust".into()
            }]
        );
        s.handle_msg(ServerMsg::joined("rust", "bot"), now);
        sent(&mut s);
        // A /join in flight at the drop: made again after the rejoins, and
        // what was typed after it still goes to that room.
        s.handle_line("/join zig", now);
        s.handle_line("hi zig", now);
        assert_eq!(sent(&mut s), vec![ClientMsg::Join { room: "zig".into() }]);
        s.handle_lost(now).unwrap();
        s.handle_connected();
        sent(&mut s);
        s.handle_msg(welcome("bot"), now);
        assert_eq!(
            sent(&mut s),
            vec![
                ClientMsg::Join {
                    room: "rust".into()
                },
                ClientMsg::Join { room: "zig".into() },
            ]
        );
        // The rejoin of #rust is refused: no phantom room; the queue still
        // waits for the answer about #zig.
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::TooManyRooms,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(s.rooms().collect::<Vec<_>>(), vec!["lobby"]);
        assert_eq!(sent(&mut s), vec![]);
        s.handle_msg(ServerMsg::joined("zig", "bot"), now);
        assert_eq!(sent(&mut s).last(), Some(&ClientMsg::say("zig", "hi zig")));
        assert_eq!(s.current_room(), Some("zig"));
    }

    #[test]
    fn no_reconnect_after_quit_or_fatal_errors_or_in_pipe_mode() {
        let now = Instant::now();
        let mut s = screen_in("bot", &[]);
        s.handle_line("/quit bye all", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::say("lobby", "bye all"), ClientMsg::Bye]
        );
        assert_eq!(s.handle_lost(now), None);
        assert_eq!(s.connection(), Connection::Closed);
        assert_eq!(s.handle_closed(), Ending::Goodbye);

        let mut s = screen_in("bot", &[]);
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::VersionUnsupported,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(s.handle_lost(now), None);
        assert_eq!(s.handle_closed(), Ending::Lost);

        let mut s = screen_in("bot", &[]);
        s.handle_lost(now).unwrap();
        s.handle_connected();
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::BadNick,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(s.handle_lost(now), None);

        // A nick the server refuses as malformed: no reconnecting with it,
        // until a /nick is welcomed.
        let bad_nick = ServerMsg::Error {
            code: ErrorCode::BadNick,
            detail: String::new(),
        };
        let mut s = Session::for_screen("bad nick", 1);
        s.handle_msg(bad_nick.clone(), now);
        assert_eq!(s.handle_lost(now), None);
        let mut s = Session::for_screen("bad nick", 1);
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::BadNick,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(s.phase(), Phase::Refused);
        s.handle_line("/nick good", now);
        s.handle_msg(welcome("good"), now);
        assert!(s.handle_lost(now).is_some());

        let mut p = welcomed("bot");
        assert_eq!(p.handle_lost(now), None);
        assert_eq!(p.handle_closed(), Ending::Lost);
    }

    #[test]
    fn a_refused_rename_does_not_stop_reconnecting() {
        let now = Instant::now();
        let mut s = screen_in("bot", &[]);
        s.handle_line("/nick b!d", now);
        assert_eq!(sent(&mut s), vec![ClientMsg::Nick { nick: "b!d".into() }]);
        s.handle_msg(
            ServerMsg::Error {
                code: ErrorCode::BadNick,
                detail: String::new(),
            },
            now,
        );
        assert_eq!(s.phase(), Phase::Chatting);
        assert!(s.handle_lost(now).is_some());
        s.handle_connected();
        assert_eq!(sent(&mut s), vec![ClientMsg::hello("bot")]);
    }

    #[test]
    fn typed_quit_and_help_do_not_wait_for_an_unanswered_join() {
        let now = Instant::now();
        let mut s = screen_in("bot", &[]);
        s.handle_typed("/join void", now);
        s.handle_typed("held", now);
        assert_eq!(
            sent(&mut s),
            vec![ClientMsg::Join {
                room: "void".into()
            }]
        );
        shown(&mut s);
        s.handle_typed("/help", now);
        assert_eq!(shown(&mut s).len(), command::HELP.len());
        s.handle_typed("/quit", now);
        assert_eq!(sent(&mut s), vec![ClientMsg::Bye]);
        assert!(s.is_quitting());
        assert_eq!(
            shown(&mut s),
            vec![Shown::Notice {
                room: None,
                line: "-- 1 held line(s) not sent".into()
            }]
        );
        // Offline, too; what cannot be sent is said so.
        let mut s = screen_in("bot", &[]);
        s.handle_lost(now).unwrap();
        shown(&mut s);
        s.handle_typed("later", now);
        s.handle_typed("and later", now);
        s.handle_typed("/quit see you", now);
        assert!(s.is_quitting());
        assert_eq!(sent(&mut s), vec![ClientMsg::Bye]);
        let notices: Vec<String> = shown(&mut s)
            .into_iter()
            .filter_map(|item| match item {
                Shown::Notice { line, .. } => Some(line),
                _ => None,
            })
            .collect();
        assert_eq!(
            notices,
            vec![
                "-- not connected: what you type is sent once connected",
                "-- 2 held line(s) not sent",
                "-- not said (not connected): see you",
            ]
        );
    }

    #[test]
    fn nick_variants_stay_valid() {
        assert_eq!(nick_variant("alice", 1), "alice_");
        assert_eq!(nick_variant("alice", 2), "alice__");
        assert_eq!(nick_variant("alice", 3), "alice_3");
        assert_eq!(nick_variant("alice", 12), "alice_12");
        let long = "a".repeat(MAX_NAME);
        for tries in 1..20 {
            let v = nick_variant(&long, tries);
            assert!(crate::protocol::is_valid_name(&v), "{v}");
        }
    }
}
