//! The terminal signals arrive as readiness, and `stop_self` stops a job
//! until SIGCONT (and does not stop what no shell could continue). A test
//! binary of its own, without the libtest harness (`harness = false` in
//! Cargo.toml): on Linux the signals must be blocked in every thread, so
//! `Signals` is created first thing in `main`, before any other thread
//! exists. (Raw mode and the window size are
//! unit-tested on a pseudo-terminal in `src/term.rs`.)

mod util;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use sys::signal::{send, stop_self, Signal, Signals};
use sys::{Events, Interest, Poll, Token};

const SIGNALS: Token = Token(1);
const CHILD_ENV: &str = "SYS_TERM_TEST_CHILD";

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return stopping_child();
    }
    // Before any thread: every later thread inherits the blocked mask.
    let mut signals = Signals::new(&[Signal::WindowChange, Signal::TerminalStop, Signal::Continue])
        .expect("create the Signals source");

    let tests: [util::Case<Signals>; 2] = [
        (
            "sigwinch_sigtstp_sigcont_arrive_as_events",
            terminal_signals_arrive_as_events,
        ),
        (
            "stop_self_stops_a_job_until_sigcont_and_not_a_process_no_shell_can_resume",
            stop_self_stops_until_sigcont,
        ),
    ];
    util::run_cases(&mut signals, &tests);
}

fn terminal_signals_arrive_as_events(signals: &mut Signals) {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    poll.registry()
        .register(signals, SIGNALS, Interest::READABLE)
        .unwrap();
    for signal in [Signal::WindowChange, Signal::TerminalStop, Signal::Continue] {
        assert_eq!(Signal::from_raw(signal.as_raw()), Some(signal));
        // Blocked (Linux) or ignored (kqueue): SIGTSTP does not stop us.
        send(std::process::id(), signal).unwrap();
        loop {
            // The timeout only keeps a broken build from hanging forever.
            poll.poll(&mut events, Some(Duration::from_secs(60)))
                .unwrap();
            assert!(
                !events.is_empty(),
                "no event for {signal:?} within a minute"
            );
            if events
                .iter()
                .any(|e| e.token() == SIGNALS && e.is_readable())
            {
                break;
            }
        }
        assert_eq!(signals.receive().unwrap(), Some(signal));
        assert_eq!(signals.receive().unwrap(), None);
    }
    poll.registry().deregister(signals).unwrap();
}

/// The child: says it is about to stop, stops (or not), says how it
/// went.
fn stopping_child() {
    println!("stopping");
    if stop_self().expect("stop_self") {
        println!("continued");
    } else {
        println!("not stopped");
    }
}

fn stop_self_stops_until_sigcont(_: &mut Signals) {
    let exe = std::env::current_exe().unwrap();
    // A process group of its own, whose parent (this process) is in
    // another group of the same session: a job, as a shell makes one.
    let mut child = Command::new(&exe)
        .env(CHILD_ENV, "1")
        .process_group(0)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "stopping");

    // Wait until the child is stopped (waitpid(2) with WUNTRACED reports
    // a stop as well as an exit).
    let mut status: libc::c_int = 0;
    // SAFETY: `status` is ours to write; the pid is our child's
    // (waitpid(2)).
    let res = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WUNTRACED) };
    assert_eq!(res, pid as libc::pid_t, "waitpid failed");
    assert!(libc::WIFSTOPPED(status), "child not stopped: {status:#x}");
    // SIGTSTP, which the kernel would discard in an orphaned group, not
    // the SIGSTOP it would deliver there.
    assert_eq!(libc::WSTOPSIG(status), libc::SIGTSTP);

    send(pid, Signal::Continue).unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "continued");
    assert!(child.wait().unwrap().success());

    // In this process's own group no job-control shell can continue the
    // child (its parent is in the same group): it does not stop.
    let mut child = Command::new(&exe)
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "stopping");
    assert_eq!(lines.next().unwrap().unwrap(), "not stopped");
    assert!(child.wait().unwrap().success());
}
