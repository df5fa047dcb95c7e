//! The core of `examples/herd.rs`, shared with `tests/lab.rs`.
//!
//! [`THREADS`] threads wait for connections on one listening socket, in
//! two set-ups:
//!
//! * **one `Poll` per thread**, each registering the listener: a new
//!   connection makes the listener readable in every instance;
//! * **one shared `Poll`**, all threads in `poll` on the same instance.
//!
//! The main thread connects [`CONNECTIONS`] clients one after the other,
//! each only once the previous one was accepted and every thread is asleep
//! in `poll` again (on Linux, where `/proc` shows it), so that each
//! connection meets the whole herd however busy the machine is. A *wake-up* is a `poll`
//! call that returned with the listener's event; it is *empty* when the
//! thread's first `accept` then said `WouldBlock` (another thread got the
//! connection first). Every thread accepts until `WouldBlock`, and
//! re-arms the listener afterwards under one-shot.

use std::fmt;
use std::io::{self, ErrorKind};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use sys::net::TcpListener;
use sys::{Events, Interest, Poll, SourceFd, Token, Trigger};

/// Threads waiting on the listener.
pub const THREADS: usize = 4;
/// Connections made, one at a time.
pub const CONNECTIONS: usize = 50;
/// How often a waiting thread looks at the stop flag.
const TICK: Duration = Duration::from_millis(200);
const LISTENER: Token = Token(0);

/// Where the threads wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// Each thread has its own `Poll` with the listener registered.
    PollPerThread,
    /// One `Poll`, all threads waiting in it.
    SharedPoll,
}

/// How the listener is registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    /// Where the threads wait.
    pub setup: Setup,
    /// The trigger mode.
    pub trigger: Trigger,
    /// Registered with [`sys::Registry::register_exclusive`]
    /// (`EPOLLEXCLUSIVE`).
    pub exclusive: bool,
}

/// The rows of the table, in order.
pub const MODES: [Mode; 8] = [
    Mode::per_thread(Trigger::Level, false),
    Mode::per_thread(Trigger::Edge, false),
    Mode::per_thread(Trigger::OneShot, false),
    Mode::per_thread(Trigger::Level, true),
    Mode::per_thread(Trigger::Edge, true),
    Mode::shared(Trigger::Level),
    Mode::shared(Trigger::Edge),
    Mode::shared(Trigger::OneShot),
];

impl Mode {
    const fn per_thread(trigger: Trigger, exclusive: bool) -> Mode {
        Mode {
            setup: Setup::PollPerThread,
            trigger,
            exclusive,
        }
    }

    const fn shared(trigger: Trigger) -> Mode {
        Mode {
            setup: Setup::SharedPoll,
            trigger,
            exclusive: false,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.trigger)?;
        if self.exclusive {
            f.write_str(" + EXCLUSIVE")?;
        }
        Ok(())
    }
}

/// The counts of one mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// `poll` calls that returned the listener's event.
    pub wakeups: usize,
    /// Wake-ups whose first `accept` found nothing.
    pub empty: usize,
    /// Connections accepted (always [`CONNECTIONS`]).
    pub accepted: usize,
    /// Times the threads were put to sleep and woken (their voluntary
    /// context switches, from `/proc/thread-self/status`), or `None` where
    /// that file does not exist. Unlike `wakeups`, this also counts the
    /// threads the kernel woke, which looked at the listener, found the
    /// connection taken and went back to sleep without returning.
    pub kernel_wakeups: Option<usize>,
}

/// One row: a mode and its counts, or why it could not run.
#[derive(Debug)]
pub struct Row {
    /// The mode.
    pub mode: Mode,
    /// The counts, or the error of the registration (exclusive on kqueue:
    /// `Unsupported`).
    pub counts: Result<Counts, io::Error>,
}

/// The whole table.
#[derive(Debug)]
pub struct Report {
    /// One row per mode of [`MODES`].
    pub rows: Vec<Row>,
}

/// Runs every mode.
pub fn run() -> io::Result<Report> {
    let mut rows = Vec::new();
    for mode in MODES {
        let counts = match herd(mode) {
            Err(e) if e.kind() == ErrorKind::Unsupported => Err(e),
            other => Ok(other?),
        };
        rows.push(Row { mode, counts });
    }
    Ok(Report { rows })
}

/// Registers the listener in `poll` as `mode` says.
fn register(poll: &Poll, listener: &TcpListener, mode: Mode) -> io::Result<()> {
    if mode.exclusive {
        poll.registry()
            .register_exclusive(listener, LISTENER, Interest::READABLE, mode.trigger)
    } else {
        let fd = listener.as_raw_fd();
        poll.registry().register_with(
            &mut SourceFd(&fd),
            LISTENER,
            Interest::READABLE,
            mode.trigger,
        )
    }
}

fn herd(mode: Mode) -> io::Result<Counts> {
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0".parse().unwrap())?);
    let addr = listener.local_addr()?;
    // Every `Poll` is registered before any thread starts, so a failure
    // (exclusive on kqueue) is reported before anything runs.
    let shared = Poll::new()?;
    let mut polls = Vec::new();
    match mode.setup {
        Setup::SharedPoll => register(&shared, &listener, mode)?,
        Setup::PollPerThread => {
            for _ in 0..THREADS {
                let poll = Poll::new()?;
                register(&poll, &listener, mode)?;
                polls.push(Some(poll));
            }
        }
    }

    let stop = Arc::new(AtomicBool::new(false));
    let wakeups = Arc::new(AtomicUsize::new(0));
    let empty = Arc::new(AtomicUsize::new(0));
    let switches = Arc::new(AtomicUsize::new(0));
    let mut switches_known = true;
    let (accepted_tx, accepted_rx) = mpsc::channel();
    let tids = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for i in 0..THREADS {
        // Each thread waits on its own `Poll`, or on its own handle to the
        // shared instance.
        let mut poll = match polls.get_mut(i).and_then(Option::take) {
            Some(own) => own,
            None => shared.try_clone()?,
        };
        let listener = listener.clone();
        let (stop, wakeups, empty) = (stop.clone(), wakeups.clone(), empty.clone());
        let switches = switches.clone();
        let accepted_tx = accepted_tx.clone();
        let tids = tids.clone();
        threads.push(std::thread::spawn(move || -> io::Result<bool> {
            let mut events = Events::with_capacity(4);
            lock(&tids).push(thread_id());
            let before = voluntary_switches();
            // Sleeps that a timeout ended, not a connection.
            let mut timeouts = 0;
            while !stop.load(Ordering::Relaxed) {
                poll.poll(&mut events, Some(TICK))?;
                if events.is_empty() {
                    timeouts += 1;
                    continue;
                }
                if !events.iter().any(|e| e.token() == LISTENER) {
                    continue;
                }
                wakeups.fetch_add(1, Ordering::Relaxed);
                let mut first = true;
                loop {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let _ = accepted_tx.send(stream);
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            if first {
                                empty.fetch_add(1, Ordering::Relaxed);
                            }
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                    first = false;
                }
                if mode.trigger == Trigger::OneShot {
                    let fd = listener.as_raw_fd();
                    poll.registry().reregister_with(
                        &mut SourceFd(&fd),
                        LISTENER,
                        Interest::READABLE,
                        Trigger::OneShot,
                    )?;
                }
            }
            // Sleeps that timeouts ended (the last one, which let the
            // thread see the stop flag, among them) are not a connection's.
            let after = voluntary_switches();
            Ok(match (before, after) {
                (Some(b), Some(a)) => {
                    switches.fetch_add((a - b).saturating_sub(timeouts), Ordering::Relaxed);
                    true
                }
                _ => false,
            })
        }));
    }
    drop(accepted_tx);

    let mut result = Ok(());
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        // Every thread asleep in `poll` first, so that each connection
        // meets the whole herd, however busy the machine is.
        wait_until_asleep(&tids);
        clients.push(std::net::TcpStream::connect(addr)?);
        if accepted_rx.recv_timeout(Duration::from_secs(10)).is_err() {
            result = Err(io::Error::other(
                "a connection was not accepted within 10 s",
            ));
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        switches_known &= thread
            .join()
            .map_err(|_| io::Error::other("a herd thread panicked"))??;
    }
    result?;
    Ok(Counts {
        wakeups: wakeups.load(Ordering::Relaxed),
        empty: empty.load(Ordering::Relaxed),
        accepted: clients.len(),
        kernel_wakeups: switches_known.then(|| switches.load(Ordering::Relaxed)),
    })
}

/// Locks, ignoring poisoning (a panicking herd thread fails the run anyway).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The calling thread's id (Linux's `/proc/thread-self/stat`), or `None`.
fn thread_id() -> Option<u32> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Waits, for a second at most, until all [`THREADS`] threads are asleep
/// (state `S` in `/proc/self/task/TID/stat`). Where `/proc` is missing it
/// returns at once: the counts are then only as good as the timing.
fn wait_until_asleep(tids: &Mutex<Vec<Option<u32>>>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    while std::time::Instant::now() < deadline {
        let tids = lock(tids).clone();
        if tids.iter().any(Option::is_none) {
            return;
        }
        let asleep = tids.len() == THREADS
            && tids.iter().flatten().all(|tid| {
                std::fs::read_to_string(format!("/proc/self/task/{tid}/stat"))
                    .ok()
                    .and_then(|stat| {
                        // The state follows the command name, which is in
                        // parentheses and may contain spaces.
                        let rest = &stat[stat.rfind(')')? + 1..];
                        rest.split_whitespace().next().map(|state| state == "S")
                    })
                    .unwrap_or(false)
            });
        if asleep {
            return;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The calling thread's voluntary context switches so far (Linux's
/// `/proc/thread-self/status`), or `None` without that file.
fn voluntary_switches() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with("voluntary_ctxt_switches:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{THREADS} threads wait on one listening socket; {CONNECTIONS} connections, \
             one at a time"
        )?;
        writeln!(
            f,
            "returns: polls that returned the listener; empty: the first accept after one \
             found nothing"
        )?;
        writeln!(
            f,
            "sleeps: times a thread slept and was woken (voluntary context switches), \
             including wake-ups the kernel took back"
        )?;
        let mut setup = None;
        for row in &self.rows {
            if setup != Some(row.mode.setup) {
                setup = Some(row.mode.setup);
                writeln!(f)?;
                let title = match row.mode.setup {
                    Setup::PollPerThread => "one Poll per thread",
                    Setup::SharedPoll => "one Poll shared by all threads",
                };
                writeln!(
                    f,
                    "{title:<32}{:>9}{:>10}{:>7}{:>9}{:>10}",
                    "returns", "per conn", "empty", "sleeps", "per conn"
                )?;
            }
            match &row.counts {
                Ok(c) => {
                    let per = |n: usize| n as f64 / c.accepted as f64;
                    let mut line = format!(
                        "  {:<30}{:>9}{:>10.2}{:>7}",
                        row.mode.to_string(),
                        c.wakeups,
                        per(c.wakeups),
                        c.empty
                    );
                    match c.kernel_wakeups {
                        Some(k) => line += &format!("{k:>9}{:>10.2}", per(k)),
                        None => line += &format!("{:>9}{:>10}", "-", "-"),
                    }
                    writeln!(f, "{line}")?;
                }
                Err(e) => writeln!(
                    f,
                    "  {:<30}unsupported ({:?})",
                    row.mode.to_string(),
                    e.kind()
                )?,
            }
        }
        Ok(())
    }
}
