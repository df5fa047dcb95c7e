//! The full-screen client end to end, in a real terminal: `tmux`.
//!
//! Each test starts `event_server` on `127.0.0.1:0`, runs clients in tmux
//! sessions of a fixed size on a private tmux socket, types with
//! `send-keys`, and reads the screen with `capture-pane -p`. Every wait
//! polls the screen until a condition holds or a generous deadline passes
//! (no fixed sleeps, no timed assertions). A [`Harness`] guard kills the
//! server, the clients and the tmux server by pid when the test ends,
//! passing or failing.
//!
//! tmux is required: when it is missing and the tests run as root with
//! `apt-get` available, it is installed once; otherwise the tests fail
//! and name the package.

use std::io::{BufRead, BufReader};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// How long any one screen condition may take to appear.
const DEADLINE: Duration = Duration::from_secs(30);

static TMUX: Once = Once::new();

/// Makes sure `tmux` runs, installing it once when possible.
fn ensure_tmux() {
    TMUX.call_once(|| {
        if tmux_works() {
            return;
        }
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if root {
            let _ = Command::new("apt-get")
                .args(["update", "-qq"])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status();
            let _ = Command::new("apt-get")
                .args(["install", "-y", "-qq", "tmux"])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status();
        }
    });
    assert!(
        tmux_works(),
        "these tests need tmux (Debian package `tmux`: apt-get install -y tmux)"
    );
}

fn tmux_works() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `event_server` on a port, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(addr: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_event_server"))
            .args(["--addr", addr])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start event_server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, addr }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The tmux target for the session named `name`: `name:` names the
/// session's current window (a bare `name` may match a window's name).
fn session(name: &str) -> String {
    format!("{name}:")
}

/// A private tmux server, its panes' processes, and a scratch directory;
/// all killed or removed on drop.
struct Harness {
    socket: String,
    dir: PathBuf,
    pane_pids: Vec<u32>,
}

impl Harness {
    fn new(name: &str) -> Harness {
        ensure_tmux();
        let unique = format!(
            "chat-tui-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let dir = std::env::temp_dir().join(&unique);
        std::fs::create_dir_all(&dir).unwrap();
        Harness {
            socket: unique,
            dir,
            pane_pids: Vec::new(),
        }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `client --addr ADDR --nick NICK` in a new session named
    /// `nick`, `cols` by `rows`, between two `stty -a` snapshots; the pane
    /// then prints the exit status and stays for inspection.
    fn client(&mut self, nick: &str, addr: &str, cols: u16, rows: u16) {
        self.client_with_env(nick, addr, cols, rows, "");
    }

    /// [`Harness::client`] with `env` (`NAME=value `) before the command.
    fn client_with_env(&mut self, nick: &str, addr: &str, cols: u16, rows: u16, env: &str) {
        let client = env!("CARGO_BIN_EXE_client");
        let dir = self.dir.display();
        let script = format!(
            "stty -a > {dir}/{nick}.before; \
             {env}{client} --addr {addr} --nick {nick}; \
             echo \"exit status $?\"; \
             stty -a > {dir}/{nick}.after; \
             exec sleep 3600"
        );
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            nick,
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            "sh",
            "-c",
            &script,
        ]);
        let pid = self.tmux(&["display-message", "-p", "-t", &session(nick), "#{pane_pid}"]);
        self.pane_pids.push(pid.trim().parse().expect("pane pid"));
    }

    fn capture(&self, target: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &session(target)])
    }

    /// The screen with its colours and attributes as SGR sequences.
    fn capture_styled(&self, target: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", &session(target)])
    }

    /// Polls the screen of `target` until `ok` holds; fails with the last
    /// screen otherwise.
    fn wait(&self, target: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture(target);
            if ok(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{target}: waited for {what}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, target: &str, text: &str) -> String {
        self.wait(target, text, |screen| screen.contains(text))
    }

    /// Types `text` literally.
    fn type_text(&self, target: &str, text: &str) {
        self.tmux(&["send-keys", "-t", &session(target), "-l", text]);
    }

    /// Presses named keys (`Enter`, `C-c`, `M-1`, ...).
    fn press(&self, target: &str, keys: &[&str]) {
        let target = session(target);
        let mut args = vec!["send-keys", "-t", &target];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types a line and presses Enter.
    fn say(&self, target: &str, line: &str) {
        self.type_text(target, line);
        self.press(target, &["Enter"]);
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // The tmux server's pid, then every pane's process group by pid.
        let server_pid = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "#{pid}"])
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<u32>()
                    .ok()
            });
        for pid in &self.pane_pids {
            // The pane's shell and the client it runs share its group.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
        if let Some(pid) = server_pid {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The last line of a screen: the input line.
fn input_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

/// The status line: the one above the input line.
fn status_line(screen: &str) -> &str {
    let lines: Vec<&str> = screen.lines().collect();
    lines.len().checked_sub(2).map_or("", |i| lines[i])
}

/// Prints a screen for the record (`cargo test -- --nocapture`).
fn show(what: &str, screen: &str) {
    eprintln!("---- {what} ----\n{screen}---- end ----");
}

#[test]
fn two_clients_type_switch_resize_reconnect_and_restore_the_terminal() {
    let mut server = Server::start("127.0.0.1:0");
    let addr = server.addr.clone();
    let mut h = Harness::new("main");
    h.client("alice", &addr, 80, 24);
    h.client("bob", &addr, 80, 24);
    h.wait_for("alice", "[online]");
    h.wait_for("bob", "[online]");

    // Both in three rooms; alice ends up looking at #go.
    for nick in ["alice", "bob"] {
        h.say(nick, "/join rust");
        h.wait_for(nick, "\n#rust>");
        h.say(nick, "/join go");
        h.wait_for(nick, "\n#go>");
    }

    // Half a line typed while messages arrive stays intact.
    h.type_text("alice", "half a line from alice");
    for i in 1..=5 {
        h.say("bob", &format!("go message {i}"));
    }
    let screen = h.wait_for("alice", "<bob> go message 5");
    assert_eq!(
        input_line(&screen).trim_end(),
        "#go> half a line from alice"
    );
    show("typing while messages arrive", &screen);

    // alice looks at the status buffer; news arrives in three rooms and
    // a whisper: unread counts, mention marks.
    h.press("alice", &["M-1"]);
    h.wait("alice", "the status buffer", |s| {
        s.lines()
            .next()
            .unwrap_or("")
            .trim_end()
            .ends_with("│ status")
    });
    h.say("bob", "go news");
    h.say("bob", "/switch lobby");
    h.wait_for("bob", "\n#lobby>");
    h.say("bob", "lobby news");
    h.say("bob", "/switch rust");
    h.wait_for("bob", "\n#rust>");
    h.say("bob", "rust news");
    h.say("bob", "alice: are you there?");
    h.say("bob", "/msg alice psst");
    let screen = h.wait("alice", "unread marks", |s| {
        let status = status_line(s);
        status.contains("#lobby(1)")
            && status.contains("#rust(2!)")
            && status.contains("#go(1)")
            && status.contains("bob(1!)")
    });
    assert_eq!(
        input_line(&screen).trim_end(),
        "#go> half a line from alice"
    );
    show("three rooms with unread marks", &screen);

    // Alt-A goes to the buffers that mention alice (#rust, then the
    // whisper); the separator marks where unread lines began.
    h.press("alice", &["M-a"]);
    let screen = h.wait_for("alice", "#rust> half a line from alice");
    assert!(screen.contains("unread"), "{screen}");
    assert!(screen.contains("<bob> alice: are you there?"), "{screen}");
    h.press("alice", &["M-a"]);
    let screen = h.wait_for("alice", "bob> half a line from alice");
    assert!(screen.contains("*bob* -> alice: psst"), "{screen}");
    h.press("alice", &["M-3"]);
    h.wait_for("alice", "#rust> half a line from alice");

    // Resize: the layout follows, the input survives.
    h.tmux(&["resize-window", "-t", "alice:", "-x", "50", "-y", "12"]);
    let screen = h.wait("alice", "a redraw at 12 rows", |s| {
        s.lines().count() == 12
            && s.lines()
                .next()
                .unwrap_or("")
                .contains("│ #rust (2 members)")
            && status_line(s).contains("[online]")
    });
    assert!(screen.lines().all(|l| l.chars().count() <= 50), "{screen}");
    assert_eq!(
        input_line(&screen).trim_end(),
        "#rust> half a line from alice"
    );
    show("after resizing to 50x12", &screen);

    // Restart the server on the same port: both reconnect, rejoin their
    // rooms, and nothing is shown twice.
    server.stop();
    h.wait_for("alice", "reconnecting in");
    let screen = h.capture("alice");
    show("server down", &screen);
    let mut server = Server::start(&addr);
    assert_eq!(server.addr, addr);
    let screen = h.wait("alice", "back online", |s| {
        status_line(s).contains("[online]")
    });
    show("reconnected after a server restart", &screen);
    h.wait("bob", "bob back online", |s| {
        status_line(s).contains("[online]")
    });
    // Back in the rooms: a message in #rust reaches alice's #rust buffer.
    h.say("bob", "after the restart");
    let screen = h.wait_for("alice", "<bob> after the restart");
    assert_eq!(
        screen.matches("<bob> alice: are you there?").count(),
        1,
        "{screen}"
    );
    assert_eq!(screen.matches("<bob> rust news").count(), 1, "{screen}");
    assert_eq!(
        input_line(&screen).trim_end(),
        "#rust> half a line from alice"
    );
    h.press("alice", &["M-4"]);
    h.wait_for("alice", "#go> half a line from alice");

    // Back to the first size (so that `stty -a` can match in full), where
    // the whole of #go fits: each message said before the restart is
    // there exactly once.
    h.tmux(&["resize-window", "-t", "alice:", "-x", "80", "-y", "24"]);
    let go = h.wait("alice", "a redraw at 24 rows", |s| {
        s.lines().count() == 24 && input_line(s).trim_end() == "#go> half a line from alice"
    });
    for i in 1..=5 {
        assert_eq!(go.matches(&format!("go message {i}")).count(), 1, "{go}");
    }
    assert_eq!(go.matches("<bob> go news").count(), 1, "{go}");

    // The restarted server numbers #rust from 1 again. Leaving and
    // joining #rust replays its history (what was said since the
    // restart, under seqs the old messages had): nothing before or after
    // the restart is shown twice.
    h.press("alice", &["C-u"]);
    h.say("alice", "/leave rust");
    h.wait("alice", "#rust left", |s| input_line(s).starts_with("#go>"));
    h.say("alice", "/join rust");
    h.wait("alice", "#rust joined", |s| {
        input_line(s).starts_with("#rust>")
    });
    // The server answers in order: once this shows, the replay has.
    h.say("bob", "said after the rejoin");
    let rust = h.wait_for("alice", "<bob> said after the rejoin");
    show("#rust left and joined again", &rust);
    for line in [
        "<bob> rust news",
        "<bob> alice: are you there?",
        "<bob> after the restart",
    ] {
        assert_eq!(rust.matches(line).count(), 1, "{line}: {rust}");
    }
    h.press("alice", &["M-4"]);
    h.wait("alice", "#go", |s| input_line(s).starts_with("#go>"));

    // Leave: /quit for alice, Ctrl-C twice for bob; the terminal is as
    // it was before.
    h.press("alice", &["C-u"]);
    h.say("alice", "/quit");
    h.wait_for("alice", "exit status 0");
    h.press("bob", &["C-c"]);
    h.wait_for("bob", "Ctrl-C again");
    h.press("bob", &["C-c"]);
    h.wait_for("bob", "exit status 0");
    for nick in ["alice", "bob"] {
        let start = Instant::now();
        while h.file(&format!("{nick}.after")).is_empty() {
            assert!(
                start.elapsed() < DEADLINE,
                "no stty snapshot in {:?}",
                h.dir()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let before = h.file(&format!("{nick}.before"));
        assert!(before.contains("icanon"), "{before}");
        assert_eq!(
            before,
            h.file(&format!("{nick}.after")),
            "{nick}'s terminal"
        );
    }
    server.stop();
}

#[test]
fn paste_asks_first_and_plain_keeps_line_mode() {
    let server = Server::start("127.0.0.1:0");
    let mut h = Harness::new("paste");
    h.client("carol", &server.addr, 60, 16);
    h.wait_for("carol", "[online]");
    // A bracketed paste of three lines waits for consent.
    h.tmux(&["set-buffer", "-b", "p", "one\ntwo\nthree"]);
    h.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "carol:"]);
    let screen = h.wait_for("carol", "paste 3 lines? Enter to send, Esc to cancel");
    assert!(!screen.contains("<carol> one"), "{screen}");
    h.press("carol", &["Enter"]);
    h.wait_for("carol", "<carol> three");
    // Esc cancels.
    h.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "carol:"]);
    h.wait_for("carol", "paste 3 lines?");
    h.press("carol", &["Escape"]);
    let screen = h.wait("carol", "the question gone", |s| {
        !s.contains("paste 3 lines?")
    });
    assert_eq!(screen.matches("<carol> two").count(), 1, "{screen}");

    // --plain on a terminal: the line mode, as with pipes.
    let client = env!("CARGO_BIN_EXE_client");
    h.tmux(&[
        "new-session",
        "-d",
        "-s",
        "plain",
        "-x",
        "60",
        "-y",
        "10",
        client,
        "--plain",
        "--addr",
        &server.addr,
        "--nick",
        "dave",
    ]);
    let pid = h.tmux(&["display-message", "-p", "-t", "plain:", "#{pane_pid}"]);
    h.pane_pids.push(pid.trim().parse().unwrap());
    let screen = h.wait_for("plain", "-- connected to");
    assert!(!screen.contains("[online]"), "{screen}");
}

/// Whether a styled capture holds a foreground colour (SGR 30-37, 90-97).
fn has_colour(styled: &str) -> bool {
    styled.split("\x1b[").skip(1).any(|seq| {
        let params = seq.split('m').next().unwrap_or("");
        params
            .split(';')
            .any(|p| matches!(p.parse::<u8>(), Ok(30..=37) | Ok(90..=97)))
    })
}

#[test]
fn nick_colours_unless_no_color() {
    let server = Server::start("127.0.0.1:0");
    let mut h = Harness::new("colour");
    h.client("erin", &server.addr, 60, 10);
    h.client_with_env("fred", &server.addr, 60, 10, "NO_COLOR=1 ");
    h.wait_for("erin", "[online]");
    h.wait_for("fred", "[online]");
    h.say("erin", "hi from erin");
    h.say("fred", "hi from fred");
    h.wait_for("erin", "<fred> hi from fred");
    h.wait_for("fred", "<fred> hi from fred");
    let coloured = h.capture_styled("erin");
    assert!(has_colour(&coloured), "{coloured:?}");
    let plain = h.capture_styled("fred");
    assert!(plain.contains("<erin> hi from erin"), "{plain:?}");
    assert!(!has_colour(&plain), "{plain:?}");
    // Reverse video still marks the bars without colour.
    assert!(plain.contains("\x1b[7m"), "{plain:?}");
}

/// A TCP relay on `127.0.0.1:0` to `upstream` whose connections the test
/// can cut, so that a client loses its connection while the server (and
/// the history of its rooms) lives on.
struct Relay {
    addr: String,
    open: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Relay {
    fn start(upstream: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (upstream, conns, halt) = (upstream.to_string(), open.clone(), stop.clone());
        std::thread::spawn(move || {
            for down in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(down) = down else { continue };
                let Ok(up) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut list = conns.lock().unwrap();
                list.push(down.try_clone().unwrap());
                list.push(up.try_clone().unwrap());
                for (mut from, mut to) in [
                    (down.try_clone().unwrap(), up.try_clone().unwrap()),
                    (up, down),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Relay { addr, open, stop }
    }

    /// Closes every relayed connection, both ways.
    fn cut(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut();
        // Wake the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(&self.addr);
    }
}

#[test]
fn a_dropped_connection_resumes_with_the_gap_filled_and_no_repeats() {
    let server = Server::start("127.0.0.1:0");
    let relay = Relay::start(&server.addr);
    let mut h = Harness::new("drop");
    // alice goes through the relay, bob straight to the server.
    h.client("alice", &relay.addr, 70, 20);
    h.client("bob", &server.addr, 70, 20);
    h.wait_for("alice", "[online]");
    h.wait_for("bob", "[online]");
    for nick in ["alice", "bob"] {
        h.say(nick, "/join rust");
        h.wait_for(nick, "\n#rust>");
    }
    for i in 1..=3 {
        h.say("bob", &format!("before the drop {i}"));
    }
    h.wait_for("alice", "<bob> before the drop 3");
    h.type_text("alice", "a draft");

    relay.cut();
    h.wait_for("alice", "reconnecting in");
    h.say("bob", "said while alice was away");
    let screen = h.wait("alice", "back online with the gap filled", |s| {
        status_line(s).contains("[online]") && s.contains("<bob> said while alice was away")
    });
    show("a dropped connection resumed", &screen);
    for i in 1..=3 {
        let line = format!("<bob> before the drop {i}");
        assert_eq!(screen.matches(&line).count(), 1, "{line}:\n{screen}");
    }
    assert_eq!(
        screen.matches("said while alice was away").count(),
        1,
        "{screen}"
    );
    assert_eq!(input_line(&screen).trim_end(), "#rust> a draft");
    // Still in #rust: a new message arrives there.
    h.say("bob", "welcome back");
    let screen = h.wait_for("alice", "<bob> welcome back");
    assert!(
        screen.lines().next().unwrap_or("").contains("#rust"),
        "{screen}"
    );
}

/// The client process in a pane (the only child of the pane's shell).
fn client_pid(h: &Harness, target: &str) -> String {
    let shell = h.tmux(&[
        "display-message",
        "-p",
        "-t",
        &session(target),
        "#{pane_pid}",
    ]);
    let start = Instant::now();
    loop {
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("run pgrep");
        let pids = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !pids.is_empty() && !pids.contains('\n') {
            return pids;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no single child of {shell}: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `stty -a` of a pane's terminal, read from outside.
fn stty_of(h: &Harness, target: &str) -> String {
    let tty = h.tmux(&[
        "display-message",
        "-p",
        "-t",
        &session(target),
        "#{pane_tty}",
    ]);
    let out = Command::new("stty")
        .args(["-a", "-F", tty.trim()])
        .output()
        .expect("run stty");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn suspend_resume_and_signals_restore_the_terminal() {
    let server = Server::start("127.0.0.1:0");
    let mut h = Harness::new("signals");
    h.client("gina", &server.addr, 60, 12);
    h.wait_for("gina", "[online]");
    h.type_text("gina", "kept across a stop");
    h.wait_for("gina", "#lobby> kept across a stop");
    let pid = client_pid(&h, "gina");
    let before = h.file("gina.before");
    assert!(before.contains(" icanon"), "{before}");
    assert!(stty_of(&h, "gina").contains("-icanon"), "raw while running");

    // Ctrl-Z where no job-control shell could continue the client (the
    // pane's `sh -c` runs it in an orphaned process group, as `xterm -e`
    // or `exec` would): it does not stop, says why, and keeps the
    // terminal. (A job is stopped until SIGCONT: sys's own tests.)
    h.press("gina", &["C-z"]);
    let screen = h.wait_for("gina", "no job-control shell to resume it");
    show("Ctrl-Z without job control", &screen);
    assert_eq!(input_line(&screen).trim_end(), "#lobby> kept across a stop");
    let state = Command::new("ps")
        .args(["-o", "stat=", "-p", &pid])
        .output()
        .unwrap();
    let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
    assert!(!state.is_empty() && !state.starts_with('T'), "{state}");
    assert!(stty_of(&h, "gina").contains("-icanon"), "still raw");

    // Stopped from elsewhere, with the settings reset meanwhile (as a
    // shell does): SIGCONT puts raw mode back anyway.
    let kill = |sig: &str| {
        let status = Command::new("kill").args([sig, &pid]).status().unwrap();
        assert!(status.success(), "kill {sig} {pid}");
    };
    kill("-STOP");
    let tty = h.tmux(&["display-message", "-p", "-t", "gina:", "#{pane_tty}"]);
    let status = Command::new("stty")
        .args(["-F", tty.trim(), "sane"])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(stty_of(&h, "gina").contains(" icanon"));
    kill("-CONT");
    let start = Instant::now();
    while !stty_of(&h, "gina").contains("-icanon") {
        assert!(start.elapsed() < DEADLINE, "not raw again after SIGCONT");
        std::thread::sleep(Duration::from_millis(50));
    }
    h.wait("gina", "the screen after SIGCONT", |s| {
        input_line(s).trim_end() == "#lobby> kept across a stop"
    });

    // SIGTERM: the terminal is restored and the status is 1.
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    h.wait_for("gina", "exit status 1");
    let start = Instant::now();
    while h.file("gina.after").is_empty() {
        assert!(start.elapsed() < DEADLINE, "no stty snapshot after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(h.file("gina.after"), before);

    // SIGHUP does the same.
    h.client("hal", &server.addr, 60, 12);
    h.wait_for("hal", "[online]");
    let pid = client_pid(&h, "hal");
    let status = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    assert!(status.success());
    h.wait_for("hal", "exit status 1");
    let start = Instant::now();
    while h.file("hal.after").is_empty() {
        assert!(start.elapsed() < DEADLINE, "no stty snapshot after SIGHUP");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(h.file("hal.after"), h.file("hal.before"));
}
