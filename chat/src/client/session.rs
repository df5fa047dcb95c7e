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
//! `#rust`, as it would for someone typing at human speed.
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

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

use super::command::{self, Command};
use super::render::Renderer;
use crate::protocol::{
    fold_name, is_valid_text, ClientMsg, ErrorCode, ServerMsg, LOBBY, PROTOCOL_VERSION,
};

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
        };
        session.send(ClientMsg::hello(nick));
        session
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
                    self.nick = nick;
                    self.phase = Phase::Chatting;
                    // The server joined us to the lobby before reading our
                    // next frame (PROTOCOL.md 5.2): queued text may go there.
                    self.rooms.insert(LOBBY.to_string());
                    self.current = Some(LOBBY.to_string());
                    self.drain(now);
                }
            }
            ServerMsg::Message {
                room,
                from,
                text,
                time_ms,
                ..
            } => {
                let line = self.renderer.message(&room, &from, &text, time_ms);
                self.print(line);
            }
            ServerMsg::Whispered {
                from,
                to,
                text,
                time_ms,
            } => {
                let line = self.renderer.whisper(&from, &to, &text, time_ms);
                self.print(line);
            }
            ServerMsg::Joined { room, nick } => {
                let line = self.renderer.joined(&room, &nick);
                self.print(line);
                if self.is_me(&nick) {
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
                self.print(line);
                if self.is_me(&nick) {
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
                if self.is_me(&old) {
                    self.nick = new;
                }
            }
            ServerMsg::Rooms { rooms } => {
                let line = self.renderer.rooms(&rooms);
                self.print(line);
            }
            ServerMsg::Users { room, nicks } => {
                let line = self.renderer.users(&room, &nicks);
                self.print(line);
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
        match code {
            ErrorCode::BadNick | ErrorCode::NickTaken if self.phase == Phase::Greeting => {
                self.phase = Phase::Refused;
                self.notice("choose another nick with /nick NAME (or /quit)");
                self.drain(now);
            }
            _ => {}
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
                Input::Eof => Ok(Some(Command::Quit)),
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
            Command::Quit => {
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

    fn switch_to(&mut self, room: String) {
        self.notice(&format!("now talking in #{room}"));
        self.current = Some(room);
    }

    fn is_me(&self, nick: &str) -> bool {
        fold_name(nick) == fold_name(&self.nick)
    }

    fn send(&mut self, msg: ClientMsg) {
        self.transmit.push_back(msg);
    }

    fn print(&mut self, line: String) {
        self.output.push_back(line);
    }
}

/// Whether a command needs `Welcome` first: everything the server handles
/// but `Hello` and `Bye`. Local commands (`/help`, `/quit`) never wait.
fn needs_session(command: &Command) -> bool {
    !matches!(command, Command::Quit | Command::Help)
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
}
