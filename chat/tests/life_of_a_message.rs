//! Keeps the chapter "The life of one message"
//! (`chat/src/guide/life_of_a_message.md`) true to the code.
//!
//! The chapter shows the system calls and frames of one message, `hi bob`
//! typed by alice and shown on bob's screen. This test runs that scene for
//! real, for `event_server` and for `async_server`, with `SYS_TRACE=2` on
//! the server and on both clients (`client --trace`, standard input a
//! pipe), cuts the excerpt that belongs to the message out of each trace,
//! normalises what changes from run to run (descriptor numbers, ports,
//! times, the reactor's turn count) and compares it with the fenced blocks
//! of the chapter that follow a `<!-- life: NAME -->` marker.
//!
//! When the code changes what the trace shows, the test fails with both
//! versions of the block; `LIFE_BLESS=1 cargo test -p chat --test
//! life_of_a_message` rewrites the blocks from the run (then read the diff
//! and the chapter's prose around it).
//!
//! Why the excerpt is stable: the test waits, at every step, for what the
//! clients print (each has joined, each has shown the message) before it
//! types the next line, so the phases of the scene never overlap. The
//! excerpt of a process starts at the `epoll_wait` that reported the
//! message's bytes (found by the frame's length on alice's connection,
//! or by the frame's `--trace` line) and ends before its next
//! `epoll_wait`, which only the next phase (the `/quit`s) can end.
//! `async_server` runs with one worker thread, so its scheduler lines come
//! in one order.
//!
//! Linux only: the chapter shows `epoll`'s lines; the kqueue systems print
//! `kevent`'s.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use chat::fmt::framed::encode_frame;
use chat::protocol::ClientMsg;

/// The chapter, relative to the crate.
const CHAPTER: &str = "src/guide/life_of_a_message.md";
/// What alice types.
const TEXT: &str = "hi bob";
/// How long to wait for a line a client or the server must print, before
/// the test gives up instead of hanging (a guard, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(60);

/// Kills the child when dropped, so no process outlives a failed test.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The lines of one output stream of a child, as they come.
struct Lines {
    rx: Receiver<String>,
    /// Lines seen so far.
    seen: Vec<String>,
    what: &'static str,
}

impl Lines {
    fn new(stream: impl Read + Send + 'static, what: &'static str) -> Lines {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
            what,
        }
    }

    /// Waits for a line at index `from` or later that satisfies `pred`;
    /// returns its index.
    fn wait_from(&mut self, from: usize, desc: &str, pred: impl Fn(&str) -> bool) -> usize {
        if let Some(i) = self.seen.iter().skip(from).position(|l| pred(l)) {
            return from + i;
        }
        loop {
            match self.rx.recv_timeout(PATIENCE) {
                Ok(line) => {
                    self.seen.push(line);
                    let i = self.seen.len() - 1;
                    if i >= from && pred(&self.seen[i]) {
                        return i;
                    }
                }
                Err(_) => panic!("no line {desc} on {}; so far: {:#?}", self.what, self.seen),
            }
        }
    }

    /// Everything, once the stream is closed.
    fn rest(mut self) -> String {
        while let Ok(line) = self.rx.recv() {
            self.seen.push(line);
        }
        self.seen.join("\n") + "\n"
    }
}

/// A running process: its standard output and error, line by line.
struct Proc {
    child: Reaper,
    stdin: Option<ChildStdin>,
    stdout: Lines,
    stderr: Lines,
}

impl Proc {
    fn spawn(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Proc {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_remove("SYS_TRACE")
            .env_remove("EXEC_TRACE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {bin}: {e}"));
        let stdin = child.stdin.take();
        let stdout = Lines::new(child.stdout.take().expect("piped"), "standard output");
        let stderr = Lines::new(child.stderr.take().expect("piped"), "standard error");
        Proc {
            child: Reaper(child),
            stdin,
            stdout,
            stderr,
        }
    }

    /// Waits for a line of standard output containing `needle`; returns it.
    fn expect(&mut self, needle: &str) -> String {
        let desc = format!("containing {needle:?}");
        let i = self.stdout.wait_from(0, &desc, |l| l.contains(needle));
        self.stdout.seen[i].clone()
    }

    /// Waits until the trace on standard error shows the end of the turn
    /// that received a frame: the `<<` line that starts with `frame` and
    /// contains `with`, then the read that found the socket empty. Bytes
    /// that come later are read in a later turn.
    fn expect_turn_over(&mut self, frame: &str, with: &str) {
        let desc = format!("<< {frame}.. with {with}");
        let at = self.stderr.wait_from(0, &desc, |l| {
            l.strip_prefix("<< ")
                .is_some_and(|rest| rest.starts_with(frame) && rest.contains(with))
        });
        self.stderr
            .wait_from(at, "ending in EAGAIN", |l| l.ends_with("EAGAIN"));
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to client");
        stdin.flush().expect("flush client stdin");
    }

    /// Closes standard input, waits for the exit, returns standard error.
    fn finish(mut self) -> String {
        self.stdin = None;
        let _ = self.child.0.wait();
        self.stderr.rest()
    }

    /// Kills the process (the server), returns standard error.
    fn kill(self) -> String {
        let mut child = self.child;
        let _ = child.0.kill();
        let _ = child.0.wait();
        self.stderr.rest()
    }
}

/// The traces of one run of the scene, raw.
struct Run {
    server: String,
    alice: String,
    bob: String,
    bob_screen: String,
}

/// Runs the scene against `server` (a binary name) with `args`.
fn run_scene(server: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let bin = match server {
        "event_server" => env!("CARGO_BIN_EXE_event_server"),
        "async_server" => env!("CARGO_BIN_EXE_async_server"),
        other => panic!("unknown server {other}"),
    };
    let client = env!("CARGO_BIN_EXE_client");
    let mut server_env = vec![("SYS_TRACE", "2")];
    server_env.extend_from_slice(env);
    let mut all_args = vec!["--addr", "127.0.0.1:0"];
    all_args.extend_from_slice(args);
    let mut srv = Proc::spawn(bin, &all_args, &server_env);
    let listening = srv.expect("listening on ");
    let addr = listening
        .trim()
        .rsplit(' ')
        .next()
        .expect("an address")
        .to_string();
    let trace = [("SYS_TRACE", "2")];
    let client_args =
        |nick: &'static str| ["--addr", &addr, "--nick", nick, "--trace"].map(String::from);

    let bob_args = client_args("bob");
    let bob_args: Vec<&str> = bob_args.iter().map(String::as_str).collect();
    let mut bob = Proc::spawn(client, &bob_args, &trace);
    // At each step, wait until every client that got a frame is back in
    // `epoll_wait`, so that the next step's bytes start a turn of their
    // own in every trace.
    let joined = "{\"Joined\"";
    bob.expect_turn_over(joined, "\"nick\":\"bob\"");

    let alice_args = client_args("alice");
    let alice_args: Vec<&str> = alice_args.iter().map(String::as_str).collect();
    let mut alice = Proc::spawn(client, &alice_args, &trace);
    alice.expect_turn_over(joined, "\"nick\":\"alice\"");
    bob.expect_turn_over(joined, "\"nick\":\"alice\"");

    alice.type_line(TEXT);
    let shown = format!("<alice> {TEXT}");
    let bob_screen = bob.expect(&shown);
    let message = "{\"Message\"";
    bob.expect_turn_over(message, TEXT);
    alice.expect_turn_over(message, TEXT);

    alice.type_line("/quit");
    let alice_trace = alice.finish();
    bob.type_line("/quit");
    let bob_trace = bob.finish();
    let server_trace = srv.kill();
    Run {
        server: server_trace,
        alice: alice_trace,
        bob: bob_trace,
        bob_screen,
    }
}

// ----- excerpts ---------------------------------------------------------

fn is_epoll_wait(line: &str) -> bool {
    line.starts_with("sys: epoll_wait(") || line.starts_with("sys: kevent(")
}

fn is_reactor_poll(line: &str) -> bool {
    line.starts_with("exec ") && line.contains("reactor: poll(")
}

/// The turn that contains line `at`, as a range of lines: from the
/// `epoll_wait` before it (and the runtime's `reactor: poll` line just
/// before that) to the line before the next `epoll_wait` (without the
/// `reactor: poll` line that announces it).
fn turn_around(lines: &[&str], at: usize, what: &str) -> std::ops::Range<usize> {
    let start = lines[..at]
        .iter()
        .rposition(|l| is_epoll_wait(l))
        .unwrap_or_else(|| panic!("no epoll_wait before {what}"));
    let start = if start > 0 && is_reactor_poll(lines[start - 1]) {
        start - 1
    } else {
        start
    };
    let mut end = lines[at..]
        .iter()
        .position(|l| is_epoll_wait(l))
        .map_or(lines.len(), |i| at + i);
    if end > at && is_reactor_poll(lines[end - 1]) {
        end -= 1;
    }
    start..end
}

/// The index of the first line satisfying `pred`, at or after `from`.
fn find(lines: &[&str], from: usize, what: &str, pred: impl Fn(&str) -> bool) -> usize {
    lines[from..]
        .iter()
        .position(|l| pred(l))
        .map(|i| from + i)
        .unwrap_or_else(|| panic!("no line {what} in the trace:\n{}", lines.join("\n")))
}

/// The number after `key` in `line` (`fd=`, `epfd=`).
fn number_after(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The server's excerpt: the turn that read alice's `Say`, and the names
/// of its descriptors.
fn server_excerpt(trace: &str) -> Vec<String> {
    let lines: Vec<&str> = trace.lines().collect();
    // Connections in the order they were accepted: bob, then alice.
    let peers: Vec<u64> = lines
        .iter()
        .filter(|l| l.contains("-> fd=") && l.contains(" peer="))
        .filter_map(|l| number_after(l, "-> fd="))
        .collect();
    assert!(
        peers.len() >= 2,
        "the server accepted fewer than two connections:\n{trace}"
    );
    let (bob, alice) = (peers[0], peers[1]);
    let mut say = Vec::new();
    encode_frame(
        &ClientMsg::Say {
            room: "lobby".into(),
            text: TEXT.into(),
        },
        &mut say,
    )
    .expect("encode");
    let read_say = format!(") = {}", say.len());
    let at = find(&lines, 0, "reading alice's Say", |l| {
        (l.starts_with("sys: read(") || l.starts_with("sys: readv("))
            && number_after(l, "fd=") == Some(alice)
            && l.ends_with(&read_say)
    });
    let excerpt = &lines[turn_around(&lines, at, "alice's Say")];
    let epfd = excerpt
        .iter()
        .find_map(|l| number_after(l, "epfd="))
        .expect("an epoll_wait in the excerpt");
    let names = [(alice, "<alice>"), (bob, "<bob>"), (epfd, "<epoll>")];
    excerpt.iter().map(|l| normalise(l, &names)).collect()
}

/// A client's excerpt: from the turn that shows `first` (a `>>`/`<<`
/// line) to the end of the turn that shows `last`.
fn client_excerpt(trace: &str, first: &str, last: &str) -> Vec<String> {
    let lines: Vec<&str> = trace.lines().collect();
    let socket = lines
        .iter()
        .find(|l| l.starts_with("sys: connect("))
        .and_then(|l| number_after(l, "fd="))
        .expect("a connect line");
    let epfd = lines
        .iter()
        .find_map(|l| number_after(l, "epfd="))
        .expect("an epoll_wait");
    let a = find(&lines, 0, first, |l| l.starts_with(first));
    let b = find(&lines, a, last, |l| l.starts_with(last));
    // Both turns, in order, and what lies between them.
    let range = turn_around(&lines, a, first).start..turn_around(&lines, b, last).end;
    let names = [(socket, "<socket>"), (epfd, "<epoll>")];
    lines[range].iter().map(|l| normalise(l, &names)).collect()
}

// ----- normalising ------------------------------------------------------

/// Replaces the descriptor numbers of `names` after `fd=`/`epfd=`, and
/// what changes from run to run: times, ports, turn counts, durations.
fn normalise(line: &str, names: &[(u64, &str)]) -> String {
    let mut line = line.to_string();
    for key in ["epfd=", "fd="] {
        line = replace_numbers(&line, key, |n| {
            names
                .iter()
                .find(|(fd, _)| *fd == n)
                .map(|(_, name)| name.to_string())
        });
    }
    line = replace_numbers(&line, "\"time_ms\":", |_| Some("<time>".into()));
    line = replace_numbers(&line, "127.0.0.1:", |_| Some("<port>".into()));
    line = replace_numbers(&line, "reactor: turn ", |_| Some("<n>".into()));
    replace_between(&line, "timeout = Some(", ")", "<duration>")
}

/// Replaces the number after each `key` with what `f` says (if anything).
/// A `key` preceded by a letter (`epfd=` when looking for `fd=`) is not
/// the key.
fn replace_numbers(line: &str, key: &str, f: impl Fn(u64) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(key) {
        let after = &rest[i + key.len()..];
        let len = after.chars().take_while(char::is_ascii_digit).count();
        let glued = rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic());
        out.push_str(&rest[..i + key.len()]);
        match after[..len].parse().ok().filter(|_| !glued).and_then(&f) {
            Some(name) => out.push_str(&name),
            None => out.push_str(&after[..len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Replaces what lies between `open` and the next `close`.
fn replace_between(line: &str, open: &str, close: &str, with: &str) -> String {
    let Some(i) = line.find(open) else {
        return line.to_string();
    };
    let from = i + open.len();
    let Some(j) = line[from..].find(close) else {
        return line.to_string();
    };
    format!("{}{with}{}", &line[..from], &line[from + j..])
}

/// The clock of a rendered line, `[12:03]`, as `[hh:mm]`.
fn normalise_screen(line: &str) -> String {
    match (line.find('['), line.find(']')) {
        (Some(0), Some(6)) => format!("[hh:mm]{}", &line[7..]),
        _ => line.to_string(),
    }
}

// ----- the chapter ------------------------------------------------------

/// The marked blocks of the chapter: `<!-- life: NAME -->`, then a fenced
/// block whose lines are the transcript.
fn blocks(chapter: &str) -> BTreeMap<String, (usize, usize)> {
    let mut found = BTreeMap::new();
    let mut pos = 0;
    while let Some(i) = chapter[pos..].find("<!-- life: ") {
        let at = pos + i;
        let name_start = at + "<!-- life: ".len();
        let name_end = name_start + chapter[name_start..].find(" -->").expect("marker ends");
        let name = chapter[name_start..name_end].to_string();
        let fence = name_end + chapter[name_end..].find("```").expect("a fence follows");
        let body = fence + chapter[fence..].find('\n').expect("fence line") + 1;
        let end = body + chapter[body..].find("```").expect("the fence closes");
        found.insert(name, (body, end));
        pos = end + 3;
    }
    found
}

/// The code spans of the prose (outside fenced blocks) that quote a
/// trace line: a system call on a descriptor (`fd=`, `epfd=`), or an
/// event.
fn quoted_trace(chapter: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut fenced = false;
    for line in chapter.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            prose.push_str(line);
            prose.push(' ');
        }
    }
    prose
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.contains("fd=") || span.starts_with("-> token="))
        .map(str::to_string)
        .collect()
}

/// All the transcripts of one pair of runs, by block name.
fn transcripts() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let say = ">> {\"Say\"";
    let message = "<< {\"Message\"";

    let event = run_scene("event_server", &[], &[]);
    let alice = client_excerpt(&event.alice, say, message);
    let bob = client_excerpt(&event.bob, message, message);
    out.insert("event_server".into(), server_excerpt(&event.server));
    out.insert("alice".into(), alice.clone());
    out.insert("bob".into(), bob.clone());
    out.insert(
        "bob screen".into(),
        vec![normalise_screen(&event.bob_screen)],
    );

    let exec = run_scene("async_server", &["--threads", "1"], &[("EXEC_TRACE", "1")]);
    out.insert("async_server".into(), server_excerpt(&exec.server));
    // The clients cannot tell the servers apart in this excerpt: their
    // lines must be the same, which the chapter says rather than repeats.
    let alice_async = client_excerpt(&exec.alice, say, message);
    let bob_async = client_excerpt(&exec.bob, message, message);
    assert_eq!(
        alice_async, alice,
        "alice's trace differs between event_server and async_server"
    );
    assert_eq!(
        bob_async, bob,
        "bob's trace differs between event_server and async_server"
    );
    out.into_iter()
        .map(|(k, v)| (k, v.join("\n") + "\n"))
        .collect()
}

/// A line diff (longest common subsequence): `-` only in the chapter,
/// `+` only in the run, two spaces in both.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    // common[i][j]: length of the longest common subsequence of w[i..], g[j..].
    let mut common = vec![vec![0usize; g.len() + 1]; w.len() + 1];
    for i in (0..w.len()).rev() {
        for j in (0..g.len()).rev() {
            common[i][j] = if w[i] == g[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < w.len() || j < g.len() {
        if i < w.len() && j < g.len() && w[i] == g[j] {
            out.push_str(&format!("  {}\n", w[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < g.len() && (i == w.len() || common[i][j + 1] > common[i + 1][j]) {
            out.push_str(&format!("+ {}\n", g[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", w[i]));
            i += 1;
        }
    }
    out
}

#[test]
fn the_chapter_shows_what_a_real_run_does() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CHAPTER);
    let chapter = std::fs::read_to_string(&path).expect("read the chapter");
    let marked = blocks(&chapter);
    let runs = transcripts();
    let names: Vec<&String> = marked.keys().collect();
    let expected: Vec<&String> = runs.keys().collect();
    assert_eq!(
        names, expected,
        "the chapter's `<!-- life: NAME -->` blocks are not the ones the test makes"
    );

    if std::env::var_os("LIFE_BLESS").is_some_and(|v| v == "1") {
        let mut text = chapter.clone();
        // From the end, so earlier offsets stay valid.
        let mut spans: Vec<_> = marked.iter().collect();
        spans.sort_by_key(|(_, (body, _))| std::cmp::Reverse(*body));
        for (name, &(body, end)) in spans {
            text.replace_range(body..end, &runs[name]);
        }
        std::fs::write(&path, text).expect("rewrite the chapter");
        eprintln!("rewrote the transcripts of {}", path.display());
        return;
    }

    let mut failures = String::new();
    // Trace lines quoted in the prose must be lines (or parts of lines)
    // of this run too.
    let all: String = runs.values().map(String::as_str).collect();
    for quote in quoted_trace(&chapter) {
        if !all.contains(&quote) {
            failures.push_str(&format!(
                "\nthe prose quotes `{quote}`, which no transcript of this run contains\n"
            ));
        }
    }
    for (name, &(body, end)) in &marked {
        let want = &chapter[body..end];
        let got = &runs[name];
        if want != got {
            failures.push_str(&format!(
                "\nblock `{name}` (- chapter, + this run):\n{}",
                diff(want, got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{CHAPTER} no longer matches what the code does.{failures}\n\
         Regenerate with `LIFE_BLESS=1 cargo test -p chat --test life_of_a_message`, \
         then check that the prose around each block still describes it."
    );
}

#[test]
fn normalising_names_descriptors_and_hides_times() {
    let names = [(7, "<alice>"), (5, "<epoll>")];
    assert_eq!(
        normalise(
            "sys: epoll_wait(epfd=5, max=1024, timeout=forever) = 1",
            &names
        ),
        "sys: epoll_wait(epfd=<epoll>, max=1024, timeout=forever) = 1"
    );
    assert_eq!(
        normalise("sys: read(fd=7, buf=16384) = 18", &names),
        "sys: read(fd=<alice>, buf=16384) = 18"
    );
    // An fd that has no name keeps its number.
    assert_eq!(normalise("sys: close(fd=9)", &names), "sys: close(fd=9)");
    assert_eq!(
        normalise(
            r#"<< {"Message":{"seq":1,"time_ms":1796649019449}}"#,
            &names
        ),
        r#"<< {"Message":{"seq":1,"time_ms":<time>}}"#
    );
    assert_eq!(
        normalise("exec [w-0] reactor: poll(timeout = Some(9.99s))", &names),
        "exec [w-0] reactor: poll(timeout = Some(<duration>))"
    );
    assert_eq!(
        normalise("exec [w-0] reactor: turn 8: 1 events", &names),
        "exec [w-0] reactor: turn <n>: 1 events"
    );
    assert_eq!(
        quoted_trace(
            "a `read(fd=<a>) = 1` b `x`\n```text\n`send(fd=1)`\n```\n`-> token=1 EPOLLIN`"
        ),
        ["read(fd=<a>) = 1", "-> token=1 EPOLLIN"]
    );
    assert_eq!(
        normalise_screen("[13:10] #lobby <alice> hi"),
        "[hh:mm] #lobby <alice> hi"
    );
}

#[test]
fn the_diff_shows_an_inserted_line_alone() {
    assert_eq!(diff("a\nb\nc\n", "a\nx\nb\nc\n"), "  a\n+ x\n  b\n  c\n");
    assert_eq!(diff("a\nb\n", "a\nc\n"), "  a\n- b\n+ c\n");
}
