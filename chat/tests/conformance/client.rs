//! The `client` binary in a pipe, against a server: what it sends, what it
//! prints (`[HH:MM] #room <nick> text`, no colour when stdout is not a
//! terminal, control characters made visible; PROTOCOL.md section 7), and
//! that two clients on one server talk to each other.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chat::protocol::{ClientMsg, RoomInfo, ServerMsg, SERVER_MAX_FRAME};

use crate::util::{message_parts, Server, IO_TIMEOUT};

/// A running `client`; killed and reaped on drop.
struct ClientProc {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Everything it printed on stdout so far.
    stdout: Arc<Mutex<Vec<u8>>>,
    /// A ping for every chunk read from stdout.
    more: mpsc::Receiver<()>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The threads copying stdout and stderr; joined once the client exits,
    /// so everything it printed is in the buffers.
    readers: Vec<std::thread::JoinHandle<()>>,
    exited: Option<ExitStatus>,
}

/// Copy a pipe into a shared buffer on a thread; ping `tx` after each chunk.
fn collect(
    mut pipe: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<u8>>>,
    tx: Option<mpsc::Sender<()>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
            if let Some(tx) = &tx {
                let _ = tx.send(());
            }
        }
    })
}

impl ClientProc {
    /// Start `client --addr ADDR --nick NICK` with piped stdio, as if
    /// colour were welcome (`TERM` set, `NO_COLOR` unset): only the pipe
    /// should turn colour off.
    fn start(bin: &Path, addr: &str, nick: &str) -> ClientProc {
        ClientProc::start_with(bin, &["--addr", addr, "--nick", nick], &[])
    }

    /// Start `client ARGS...` with the environment changed by `env`
    /// (`(name, Some(value))` sets, `(name, None)` removes), otherwise as
    /// [`ClientProc::start`].
    fn start_with(bin: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> ClientProc {
        let mut cmd = Command::new(bin);
        cmd.args(args);
        for (name, value) in env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        let mut child = cmd
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, more) = mpsc::channel();
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone(), Some(tx)),
            collect(child.stderr.take().unwrap(), stderr.clone(), None),
        ];
        let stdin = child.stdin.take();
        ClientProc {
            child,
            stdin,
            stdout,
            more,
            stderr,
            readers,
            exited: None,
        }
    }

    fn write_stdin(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin
            .write_all(text.as_bytes())
            .expect("writing to the client's stdin");
        stdin.flush().unwrap();
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    fn note(&self) -> String {
        format!(
            "\n--- client stdout ---\n{}\n--- client stderr ---\n{}",
            self.stdout_text(),
            String::from_utf8_lossy(&self.stderr.lock().unwrap())
        )
    }

    /// Wait until a line of stdout contains `needle`; returns that line.
    fn wait_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(line) = self.stdout_text().lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.more.recv_timeout(left) {
                Ok(()) => {}
                // Timed out, or stdout is closed: the line will not come.
                Err(_) => {
                    if let Some(line) = self.stdout_text().lines().find(|l| l.contains(needle)) {
                        return line.to_string();
                    }
                    panic!("the client never printed {needle:?}{}", self.note());
                }
            }
        }
    }

    /// Wait (bounded) for the client to exit.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(status);
                // The pipes close with the process: the reader threads end
                // once they have copied the last bytes.
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the client did not exit{}",
                self.note()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ClientProc {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `[HH:MM] ` at the start of a line.
fn has_time_prefix(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 8
        && b[0] == b'['
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3] == b':'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b']'
        && b[7] == b' '
}

/// No terminal control in `out`: no C0 byte but newline, no DEL, no C1
/// character (U+0080..U+009F), so no escape sequence at all.
fn assert_no_control(out: &str) {
    for (i, ch) in out.char_indices() {
        let bad = (ch.is_control() && ch != '\n') || ch == '\u{7f}';
        assert!(
            !bad,
            "the client printed the control character {ch:?} at byte {i}:\n{out}"
        );
    }
}

pub fn pipe_says_hello_and_quits(server_bin: &Path, client_bin: &Path) {
    let server = Server::start(server_bin, &[]);
    let mut alice = server.login("alice");
    // In the lobby history for the client: colour codes, a bell, DEL, C1 CSI.
    let nasty = "\u{1b}[31mred\u{7}bell\u{7f}del\u{9b}2Jcsi";
    alice.say("lobby", nasty);

    let mut bot = ClientProc::start(client_bin, &server.addr.to_string(), "bot");
    bot.write_stdin("hello\n/quit\n");
    bot.close_stdin();
    alice.expect(ServerMsg::joined("lobby", "bot"));
    assert_eq!(message_parts(&alice.recv()), ("lobby", "bot", "hello", 2));
    alice.expect(ServerMsg::left("lobby", "bot"));
    let status = bot.wait_exit();
    assert_eq!(status.code(), Some(0), "exit status{}", bot.note());

    let out = bot.stdout_text();
    assert_no_control(&out);
    let own = bot.wait_line("#lobby <bot> hello");
    assert!(
        has_time_prefix(&own),
        "expected `[HH:MM] #lobby <bot> hello`, got {own:?}"
    );
    let theirs = bot.wait_line("#lobby <alice> ");
    assert!(has_time_prefix(&theirs), "{theirs:?}");
    for visible in ["[31mred", "bell", "del", "2Jcsi"] {
        assert!(
            theirs.contains(visible),
            "{visible:?} missing from {theirs:?}"
        );
    }
    alice.expect_quiet();
}

pub fn pipe_eof_says_bye(server_bin: &Path, client_bin: &Path) {
    let server = Server::start(server_bin, &[]);
    let mut alice = server.login("alice");
    let mut bot = ClientProc::start(client_bin, &server.addr.to_string(), "eofbot");
    bot.write_stdin("first line\nsecond line\n");
    bot.close_stdin();
    alice.expect(ServerMsg::joined("lobby", "eofbot"));
    assert_eq!(
        message_parts(&alice.recv()),
        ("lobby", "eofbot", "first line", 1)
    );
    assert_eq!(
        message_parts(&alice.recv()),
        ("lobby", "eofbot", "second line", 2)
    );
    alice.expect(ServerMsg::left("lobby", "eofbot"));
    assert_eq!(bot.wait_exit().code(), Some(0), "exit status{}", bot.note());
    assert_no_control(&bot.stdout_text());
}

pub fn two_clients_talk(server_bin: &Path, client_bin: &Path) {
    let server = Server::start(server_bin, &[]);
    let addr = server.addr.to_string();
    // A raw observer tells us when each client is in.
    let mut observer = server.login("observer");
    let mut one = ClientProc::start(client_bin, &addr, "one");
    observer.expect(ServerMsg::joined("lobby", "one"));
    let mut two = ClientProc::start(client_bin, &addr, "two");
    observer.expect(ServerMsg::joined("lobby", "two"));
    two.write_stdin("hi from two\n");
    assert_eq!(
        message_parts(&observer.recv()),
        ("lobby", "two", "hi from two", 1)
    );
    let line = one.wait_line("<two> hi from two");
    assert!(
        has_time_prefix(&line) && line.contains("#lobby"),
        "{line:?}"
    );
    one.write_stdin("hi from one\n");
    assert_eq!(
        message_parts(&observer.recv()),
        ("lobby", "one", "hi from one", 2)
    );
    two.wait_line("<one> hi from one");
    // A private message, typed as a command.
    one.write_stdin("/msg two psst\n");
    two.wait_line("psst");
    observer.expect_quiet();
    for (c, nick) in [(&mut one, "one"), (&mut two, "two")] {
        c.write_stdin("/quit\n");
        c.close_stdin();
        observer.expect(ServerMsg::left("lobby", nick));
        assert_eq!(c.wait_exit().code(), Some(0), "exit status{}", c.note());
        assert_no_control(&c.stdout_text());
    }
    observer.send(&ClientMsg::ListUsers {
        room: "lobby".into(),
    });
    observer.expect(ServerMsg::Users {
        room: "lobby".into(),
        nicks: vec!["observer".into()],
    });
}

pub fn unreachable_server_exits_one(_server_bin: &Path, client_bin: &Path) {
    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = ClientProc::start(client_bin, &format!("127.0.0.1:{port}"), "lonely");
    c.close_stdin();
    assert_eq!(c.wait_exit().code(), Some(1), "exit status{}", c.note());
    assert!(
        !c.stderr.lock().unwrap().is_empty(),
        "a message on stderr{}",
        c.note()
    );
}

pub fn default_nick_is_user_or_guest(server_bin: &Path, client_bin: &Path) {
    // Section 6: without --nick, `$USER` when it is a valid nick, else
    // `guest` plus digits.
    let server = Server::start(server_bin, &[]);
    let addr = server.addr.to_string();
    let mut observer = server.login("observer");
    for (user, want) in [
        (Some("Valid_User-1"), Some("Valid_User-1")),
        (Some("not valid!"), None),
        (None, None),
    ] {
        let mut c = ClientProc::start_with(client_bin, &["--addr", &addr], &[("USER", user)]);
        let nick = match observer.recv() {
            ServerMsg::Joined { room, nick } if room == "lobby" => nick,
            other => panic!("expected the client to join, got {other:?}"),
        };
        match want {
            Some(want) => assert_eq!(nick, want, "USER={user:?}"),
            None => assert!(
                nick.strip_prefix("guest")
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
                "USER={user:?}: expected guest<digits>, got {nick:?}"
            ),
        }
        c.close_stdin();
        observer.expect(ServerMsg::left("lobby", &nick));
        assert_eq!(c.wait_exit().code(), Some(0), "exit status{}", c.note());
    }
}

/// A ServerMsg as one frame.
fn server_frame(msg: &ServerMsg) -> Vec<u8> {
    crate::util::frame(&chat::fmt::binary::to_vec(msg).expect("encoding a ServerMsg"))
}

pub fn hostile_server_is_neutralised(client_bin: &Path) {
    // Section 7 from the client's side, against a server that puts control
    // characters in every string it can: none reaches stdout, nor the
    // --trace output on stderr. Section 2: a frame of exactly 1 MiB is
    // accepted.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a fake server");
    let addr = listener.local_addr().unwrap().to_string();
    let mut client = ClientProc::start_with(
        client_bin,
        &["--addr", &addr, "--nick", "bot", "--trace"],
        &[],
    );
    client.write_stdin("/quit\n");
    client.close_stdin();
    let (stream, _) = listener.accept().expect("the client connects");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut conn = crate::util::Conn::from_stream(stream);
    let first = conn.recv_payload();
    assert_eq!(
        chat::fmt::binary::from_bytes::<ClientMsg>(&first).expect("a ClientMsg"),
        ClientMsg::hello("bot")
    );

    let esc = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{0}\r\n\u{85}";
    let evil = |what: &str| format!("{what}{esc}");
    // Rooms: a payload of exactly 1 MiB, the largest a server may send.
    // 1 + 3 (count) + 34 per entry, plus the escapes, then the last name
    // padded to the exact size (its length byte stays one byte).
    let rooms: Vec<RoomInfo> = (0..30_800)
        .map(|i| RoomInfo {
            name: format!("{i:0>32}{}", if i % 1000 == 0 { esc } else { "" }),
            members: 1,
        })
        .collect();
    let size = |rooms: &[RoomInfo]| {
        chat::fmt::binary::to_vec(&ServerMsg::Rooms {
            rooms: rooms.to_vec(),
        })
        .unwrap()
        .len()
    };
    let mut rooms = rooms;
    // Whole plain entries while they fit, then the padding.
    let more = (SERVER_MAX_FRAME as usize - size(&rooms)) / 34;
    let next = rooms.len();
    rooms.extend((next..next + more).map(|i| RoomInfo {
        name: format!("{i:0>32}"),
        members: 1,
    }));
    let short = SERVER_MAX_FRAME as usize - size(&rooms);
    assert!(short < 90, "{short} bytes short");
    rooms.last_mut().unwrap().name.push_str(&"z".repeat(short));
    let last_name = rooms.last().unwrap().name.clone();
    let big = server_frame(&ServerMsg::Rooms { rooms });
    assert_eq!(big.len(), 4 + SERVER_MAX_FRAME as usize);

    let mut out = Vec::new();
    for msg in [
        ServerMsg::Welcome {
            version: 1,
            nick: "bot".into(),
            server: evil("evil 1.0"),
        },
        ServerMsg::Joined {
            room: "lobby".into(),
            nick: "bot".into(),
        },
        ServerMsg::Message {
            room: evil("room"),
            from: evil("from"),
            text: evil("text"),
            seq: 1,
            time_ms: 0,
        },
        ServerMsg::Whispered {
            from: evil("wfrom"),
            to: evil("wto"),
            text: evil("wtext"),
            time_ms: 0,
        },
        ServerMsg::Joined {
            room: evil("jroom"),
            nick: evil("jnick"),
        },
        ServerMsg::Left {
            room: evil("lroom"),
            nick: evil("lnick"),
        },
        ServerMsg::Renamed {
            old: evil("old"),
            new: evil("new"),
        },
        ServerMsg::Users {
            room: evil("uroom"),
            nicks: vec![evil("u1"), evil("u2")],
        },
        ServerMsg::Pong { nonce: 77 },
        ServerMsg::Error {
            code: chat::protocol::ErrorCode::BadRoom,
            detail: evil("detail"),
        },
    ] {
        out.extend_from_slice(&server_frame(&msg));
    }
    out.extend_from_slice(&big);
    conn.send_raw(&out);
    // The queued /quit goes out after Welcome; then close, as a server does.
    loop {
        let payload = conn.recv_payload();
        match chat::fmt::binary::from_bytes::<ClientMsg>(&payload) {
            Ok(ClientMsg::Bye) => break,
            Ok(_) => {}
            Err(e) => panic!("the client sent an undecodable frame: {e:?}"),
        }
    }
    drop(conn);
    assert_eq!(
        client.wait_exit().code(),
        Some(0),
        "exit status{}",
        client.note()
    );

    let stdout = client.stdout_text();
    assert_no_control(&stdout);
    let stderr = String::from_utf8_lossy(&client.stderr.lock().unwrap()).into_owned();
    assert_no_control(&stderr);
    for what in [
        "evil 1.0", "room", "from", "text", "wfrom", "wto", "wtext", "jroom", "jnick", "lroom",
        "lnick", "old", "new", "uroom", "u1", "u2", "detail",
    ] {
        assert!(
            stdout.contains(&format!("{what}\\x1b]0;pwned\\x07\\x1b[2J")),
            "{what:?} is not shown with visible escapes{}",
            client.note()
        );
    }
    assert!(stdout.contains("\\u{9b}31m\\x7f\\x00\\x0d\\x0a\\u{85}"));
    // The whole 1 MiB listing was read and shown.
    assert!(
        stdout.contains(&format!("#{last_name} (1)")),
        "the last room of the 1 MiB listing is missing"
    );
    assert!(stderr.contains("<< "), "--trace shows received frames");
    assert!(stderr.contains(">> "), "--trace shows sent frames");
}
