//! The full-screen I/O loop: terminal, socket and signals on one
//! `sys::Poll`, and one `write` per frame.
//!
//! ```text
//!  poll(timeout) ─▶ SOCKET:  read ─▶ decode ─▶ Session::handle_msg
//!       ▲           STDIN:   one read ─▶ KeyDecoder ─▶ Screen::handle_key
//!       │           SIGNALS: WINCH ─▶ resize; TSTP ─▶ suspend; CONT ─▶ repaint;
//!       │                    INT, TERM, HUP ─▶ restore the terminal and leave
//!       │           timeout: a lone ESC becomes Esc; a reconnection is due;
//!       │                    the status line's clock ticks
//!       │
//!       └── Session::poll_transmit ─▶ socket;  Screen::absorb;
//!           Screen::draw ─▶ Painter::draw ─▶ one write(2) to the terminal
//! ```
//!
//! The terminal is put in raw mode, on the alternate screen, with
//! bracketed paste on and auto-wrap off, by a [`TerminalGuard`] whose
//! `Drop` undoes all of it: on a normal exit, on an error, and while a
//! panic unwinds. A panic hook leaves the alternate screen before the
//! default hook prints; the screen is left at most once per entry (a
//! second `\x1b[?1049l` would restore the saved cursor over the message),
//! so the panic message stays on the main screen below the shell's last
//! line. Ctrl-Z leaves the same way, stops the process, and on `fg`
//! enters again and repaints everything, but only where a job-control
//! shell can send that `fg` ([`sys::signal::resumable`]): in an orphaned
//! process group (`xterm -e client`, `exec client`) a stop would last for
//! good, so the client says so and stays.
//!
//! When the connection drops, the [`Session`] decides whether to try
//! again and when; the loop only waits until then and connects. The
//! server's addresses are resolved once, at start; each reconnection is a
//! non-blocking `connect` registered for WRITABLE on the same `Poll` (its
//! outcome read with `take_error`), given up after a few seconds for the
//! next address: keys, resizes and signals are served throughout, also
//! against a black-holed address.

use std::fs::File;
use std::io::{self, Read, StdinLock, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sys::net::TcpStream;
use sys::signal::{Signal, Signals};
use sys::term::{RawMode, Restorer};
use sys::{Events, Interest, Poll, SourceFd, Token, Trigger};

use super::clock::LocalZone;
use super::grid::Painter;
use super::keys::KeyDecoder;
use super::screen::{Action, Screen};
use crate::client::args::Options;
use crate::client::event_loop::{connect, ClientError};
use crate::client::session::{Ending, Session};
use crate::fmt::binary::from_bytes;
use crate::fmt::framed::{encode_frame, FrameDecoder};
use crate::protocol::{ServerMsg, SERVER_MAX_FRAME};

const STDIN: Token = Token(0);
const SOCKET: Token = Token(1);
const SIGNALS: Token = Token(2);
/// A reconnection's socket until its handshake ends.
const CONNECTING: Token = Token(3);
/// How long a lone ESC waits for the rest of a sequence.
const ESC_WAIT: Duration = Duration::from_millis(50);
/// How long to wait for the server to close after `Bye`.
const BYE_GRACE: Duration = Duration::from_secs(5);
/// How long one reconnection attempt (one address) may take.
const CONNECT_WAIT: Duration = Duration::from_secs(5);
/// Socket reads per wake-up at most: a server that floods cannot starve
/// the keyboard; what is left is read on the next turn, after the keys.
const SOCKET_READS_PER_TURN: usize = 64;
/// Bytes asked for by one read of the terminal.
const STDIN_CHUNK: usize = 16 * 1024;

/// Enter: alternate screen, bracketed paste on, auto-wrap off (a cell
/// the terminal thinks wider than we do then cannot push the cursor onto
/// the next row and scroll the whole screen).
const ENTER: &[u8] = b"\x1b[?1049h\x1b[?2004h\x1b[?7l";
/// Leave: default style, cursor shown, auto-wrap and bracketed paste as
/// the shell expects them, main screen.
const LEAVE: &[u8] = b"\x1b[0m\x1b[?25h\x1b[?7h\x1b[?2004l\x1b[?1049l";

/// Whether the alternate screen is on. `\x1b[?1049l` also restores the
/// cursor saved on entry, even when sent on the main screen: a second
/// LEAVE (the guard's drop after the panic hook's) would move the cursor
/// back over the panic message. Every path that leaves checks and clears
/// this first, so LEAVE is written once per ENTER.
static ON_ALTERNATE: AltScreen = AltScreen::new();

/// A flag that hands out LEAVE once per ENTER, from any thread (the panic
/// hook may run on any).
#[derive(Debug)]
struct AltScreen(AtomicBool);

impl AltScreen {
    const fn new() -> AltScreen {
        AltScreen(AtomicBool::new(false))
    }

    /// The bytes that enter, marking the screen as entered.
    fn enter(&self) -> &'static [u8] {
        self.0.store(true, Ordering::SeqCst);
        ENTER
    }

    /// The bytes that leave, once: nothing if already left.
    fn leave(&self) -> &'static [u8] {
        if self.0.swap(false, Ordering::SeqCst) {
            LEAVE
        } else {
            b""
        }
    }
}

/// Raw mode plus the alternate screen, undone on drop.
#[derive(Debug)]
pub struct TerminalGuard {
    raw: RawMode,
}

impl TerminalGuard {
    /// Raw mode on standard input, then the alternate screen and bracketed
    /// paste on standard output.
    pub fn enter() -> io::Result<TerminalGuard> {
        let raw = RawMode::enable(0)?;
        let mut out = io::stdout().lock();
        out.write_all(ON_ALTERNATE.enter())?;
        out.flush()?;
        Ok(TerminalGuard { raw })
    }

    /// Leaves the screen and restores the saved terminal settings (for
    /// Ctrl-Z); [`TerminalGuard::resume`] undoes it.
    pub fn suspend(&mut self) -> io::Result<()> {
        leave_screen();
        self.raw.suspend()
    }

    /// Raw mode and the alternate screen again.
    pub fn resume(&mut self) -> io::Result<()> {
        self.raw.resume()?;
        self.enter_screen()
    }

    /// Raw mode and the alternate screen again, even if the guard believes
    /// they are on: after a stop the guard did not see (`SIGSTOP` from
    /// elsewhere), the shell may have reset the terminal meanwhile.
    pub fn reassert(&mut self) -> io::Result<()> {
        self.raw.suspend()?;
        self.raw.resume()?;
        self.enter_screen()
    }

    fn enter_screen(&mut self) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(ON_ALTERNATE.enter())?;
        out.flush()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        leave_screen();
        // RawMode's own Drop restores the settings right after.
    }
}

/// Leaves the alternate screen if it is on (once: see [`ON_ALTERNATE`]).
fn leave_screen() {
    let bytes = ON_ALTERNATE.leave();
    if bytes.is_empty() {
        return;
    }
    let mut out = io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// Runs the full-screen client until the user quits or the connection
/// ends for good. The first connection is made before the screen is
/// taken, so an unreachable server is reported in the shell.
pub fn run(options: &Options, color: bool) -> Result<Ending, ClientError> {
    // Connect while Ctrl-C still interrupts a connect that hangs.
    let socket = connect(&options.addr, None)?;
    // Resolved once: a reconnection must not block the loop in the
    // resolver (a name whose addresses change needs a restart).
    let addrs: Vec<SocketAddr> = options
        .addr
        .to_socket_addrs()
        .map_err(|error| ClientError::Connect {
            addr: options.addr.clone(),
            error,
        })?
        .collect();
    // The client starts no thread, so the signals are blocked for all.
    let signals = Signals::new(&[
        Signal::Interrupt,
        Signal::Terminate,
        Signal::Hangup,
        Signal::WindowChange,
        Signal::TerminalStop,
        Signal::Continue,
    ])?;
    let (zone, warning) = LocalZone::load();
    let (cols, rows) = terminal_size()?;
    let mut screen = Screen::new(cols, rows, zone);
    if let Some(warning) = warning {
        screen.notice(&warning);
    }
    let seed = seed();
    let session = Session::for_screen(&options.nick, seed);
    // One write per frame: a File on a duplicate of fd 1 writes straight
    // through, with no line buffering to split a frame.
    let terminal = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    let guard = TerminalGuard::enter()?;
    install_panic_hook(guard.raw.restorer());
    let mut app = App {
        poll: Poll::new()?,
        events: Events::with_capacity(16),
        socket: Some(socket),
        decoder: FrameDecoder::new(SERVER_MAX_FRAME),
        outbound: Vec::new(),
        want_writable: false,
        stdin: io::stdin().lock(),
        keys: KeyDecoder::new(),
        signals,
        session,
        screen,
        painter: Painter::new(color),
        terminal,
        guard,
        addrs,
        connecting: None,
        socket_more: false,
        retry_at: None,
        bye_deadline: None,
        escape_deadline: None,
        stopped_by_signal: false,
        just_stopped: false,
    };
    app.register()?;
    let result = app.run_loop();
    let farewell = app.screen.last_notice().map(str::to_string);
    let stopped = app.stopped_by_signal;
    drop(app);
    // The screen is gone: repeat why the connection ended.
    if let (Ok(Ending::Lost), Some(line), false) = (&result, farewell, stopped) {
        eprintln!("client: {}", line.trim_start_matches("-- "));
    }
    result
}

/// Jitter seed: the clock's nanoseconds mixed with the process id.
fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// The size of the terminal on standard output; 80 by 24 when it reports
/// none (a terminal that does not know its size says 0 by 0).
fn terminal_size() -> io::Result<(usize, usize)> {
    let (cols, rows) = sys::term::window_size(1)?;
    if cols == 0 || rows == 0 {
        Ok((80, 24))
    } else {
        Ok((cols.into(), rows.into()))
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Leaves the alternate screen and restores the terminal settings before
/// the default hook prints, so a panic message is readable (and the
/// terminal sane even if the panic does not unwind).
fn install_panic_hook(restorer: Restorer) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_screen();
        let _ = restorer.restore();
        default(info);
    }));
}

/// A non-blocking connect in progress.
struct Attempt {
    socket: TcpStream,
    /// Which of the resolved addresses it tries.
    index: usize,
    /// When it is given up.
    deadline: Instant,
}

struct App {
    poll: Poll,
    events: Events,
    /// `None` while waiting to reconnect.
    socket: Option<TcpStream>,
    decoder: FrameDecoder,
    outbound: Vec<u8>,
    want_writable: bool,
    stdin: StdinLock<'static>,
    keys: KeyDecoder,
    signals: Signals,
    session: Session,
    screen: Screen,
    painter: Painter,
    terminal: File,
    guard: TerminalGuard,
    /// The server's addresses, resolved at start.
    addrs: Vec<SocketAddr>,
    /// A reconnection under way: its socket waits for WRITABLE.
    connecting: Option<Attempt>,
    /// The last read round stopped at its cap before `WouldBlock`: the
    /// socket (edge-triggered) is read again next turn without an event.
    socket_more: bool,
    retry_at: Option<Instant>,
    bye_deadline: Option<Instant>,
    escape_deadline: Option<Instant>,
    /// SIGINT, SIGTERM or SIGHUP ended the loop.
    stopped_by_signal: bool,
    /// Back from our own stop: the SIGTSTP and SIGCONT the signal source
    /// recorded for it are neither a new stop request nor a stop from
    /// outside (whose SIGCONT would flush the terminal's input again).
    just_stopped: bool,
}

impl App {
    fn register(&mut self) -> io::Result<()> {
        let fd = self.stdin.as_raw_fd();
        self.poll.registry().register_with(
            &mut SourceFd(&fd),
            STDIN,
            Interest::READABLE,
            Trigger::Level,
        )?;
        self.poll
            .registry()
            .register(&mut self.signals, SIGNALS, Interest::READABLE)?;
        if let Some(socket) = &mut self.socket {
            self.poll
                .registry()
                .register(socket, SOCKET, Interest::READABLE)?;
        }
        Ok(())
    }

    fn run_loop(&mut self) -> Result<Ending, ClientError> {
        self.flush()?;
        self.draw()?;
        loop {
            let now = Instant::now();
            let timeout = self.timeout(now);
            self.poll.poll(&mut self.events, Some(timeout))?;
            let (mut socket_ready, mut stdin_ready, mut signal_ready) = (false, false, false);
            let mut connect_ready = false;
            for event in self.events.iter() {
                match event.token() {
                    SOCKET => socket_ready = true,
                    CONNECTING => connect_ready = true,
                    STDIN => stdin_ready = true,
                    SIGNALS => signal_ready = true,
                    _ => {}
                }
            }
            if signal_ready {
                if let Some(ending) = self.handle_signals()? {
                    return Ok(ending);
                }
            }
            if socket_ready || self.socket_more {
                self.read_socket()?;
                self.write_socket()?;
            }
            if stdin_ready {
                if let Some(ending) = self.read_terminal()? {
                    return Ok(ending);
                }
            }
            let now = Instant::now();
            if self.escape_deadline.is_some_and(|d| now >= d) {
                self.escape_deadline = None;
                if let Some(key) = self.keys.flush_escape() {
                    if let Some(ending) = self.handle_key(key)? {
                        return Ok(ending);
                    }
                }
            }
            if self.retry_at.is_some_and(|at| now >= at) {
                self.retry_at = None;
                self.attempt(0, now)?;
            }
            let expired = self.connecting.as_ref().is_some_and(|a| now >= a.deadline);
            if connect_ready || expired {
                self.connect_progress(now)?;
            }
            self.flush()?;
            if let Some(ending) = self.check_end()? {
                return Ok(ending);
            }
            self.draw()?;
        }
    }

    /// Until the next thing that happens without input: a lone ESC
    /// expiring, a reconnection, the end of the goodbye, the status line's
    /// clock changing.
    fn timeout(&self, now: Instant) -> Duration {
        // The status line shows minutes, and whole seconds while counting
        // down to a reconnection: wake up when one of those changes.
        let tick = if self.retry_at.is_some() {
            1000
        } else {
            60_000
        };
        if self.socket_more {
            return Duration::ZERO;
        }
        let mut timeout = Duration::from_millis(tick - unix_ms() % tick);
        let connect_deadline = self.connecting.as_ref().map(|a| a.deadline);
        for deadline in [
            self.escape_deadline,
            self.retry_at,
            self.bye_deadline,
            connect_deadline,
        ]
        .into_iter()
        .flatten()
        {
            timeout = timeout.min(deadline.saturating_duration_since(now));
        }
        timeout
    }

    /// Whether the session is over: after `Bye` once the server closed
    /// (or the grace period passed, or there is no connection to close).
    fn check_end(&mut self) -> Result<Option<Ending>, ClientError> {
        if self.socket.is_none() && self.retry_at.is_none() && self.connecting.is_none() {
            return Ok(Some(self.session.handle_closed()));
        }
        if self.session.is_quitting() {
            if self.socket.is_none() {
                return Ok(Some(Ending::Goodbye));
            }
            let deadline = *self
                .bye_deadline
                .get_or_insert_with(|| Instant::now() + BYE_GRACE);
            if Instant::now() >= deadline {
                return Ok(Some(Ending::Goodbye));
            }
        }
        Ok(None)
    }

    fn handle_signals(&mut self) -> Result<Option<Ending>, ClientError> {
        while let Some(signal) = self.signals.receive()? {
            match signal {
                Signal::WindowChange => self.resize()?,
                Signal::TerminalStop | Signal::Continue if self.just_stopped => {}
                Signal::TerminalStop => self.suspend()?,
                Signal::Continue => {
                    // Stopped from outside (SIGSTOP): the shell may have
                    // changed the settings meanwhile.
                    self.guard.reassert()?;
                    self.painter.invalidate();
                }
                Signal::Interrupt | Signal::Terminate | Signal::Hangup => {
                    self.stopped_by_signal = true;
                    return Ok(Some(Ending::Lost));
                }
            }
        }
        self.just_stopped = false;
        Ok(None)
    }

    fn resize(&mut self) -> Result<(), ClientError> {
        let (cols, rows) = terminal_size()?;
        self.screen.resize(cols, rows);
        self.painter.invalidate();
        Ok(())
    }

    /// Ctrl-Z: hand the terminal back, stop, and take it again on `fg`;
    /// but only when a job-control shell can send that `fg`: in an
    /// orphaned process group (`xterm -e client`, `exec client`) a stop
    /// would last for good, so the client says so and stays.
    fn suspend(&mut self) -> Result<(), ClientError> {
        if !sys::signal::resumable() {
            self.session
                .notice("not stopped: no job-control shell to resume it");
            self.screen.absorb(&mut self.session);
            return Ok(());
        }
        self.guard.suspend()?;
        let stopped = sys::signal::stop_self()?;
        // Here again after SIGCONT (or at once if the kernel discarded
        // the stop because the group became orphaned meanwhile).
        self.guard.resume()?;
        self.resize()?;
        self.just_stopped = stopped;
        Ok(())
    }

    /// One read of the terminal; every complete key goes to the screen.
    fn read_terminal(&mut self) -> Result<Option<Ending>, ClientError> {
        let mut chunk = [0u8; STDIN_CHUNK];
        let n = match self.stdin.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            // The terminal is gone (hang-up): nobody to show anything to.
            return Ok(Some(Ending::Lost));
        }
        self.keys.feed(&chunk[..n]);
        while let Some(key) = self.keys.next_key() {
            if let Some(ending) = self.handle_key(key)? {
                return Ok(Some(ending));
            }
        }
        self.escape_deadline = self
            .keys
            .pending_escape()
            .then(|| Instant::now() + ESC_WAIT);
        Ok(None)
    }

    fn handle_key(&mut self, key: super::keys::Key) -> Result<Option<Ending>, ClientError> {
        match self
            .screen
            .handle_key(key, &mut self.session, Instant::now())
        {
            Action::Redraw => {}
            Action::Repaint => self.painter.invalidate(),
            Action::Suspend => self.suspend()?,
        }
        Ok(None)
    }

    /// Reads the socket until `WouldBlock` (or [`SOCKET_READS_PER_TURN`]
    /// reads), handing each frame to the session; a closed, failed or
    /// garbled connection is lost.
    fn read_socket(&mut self) -> Result<(), ClientError> {
        self.socket_more = false;
        for _ in 0..SOCKET_READS_PER_TURN {
            let Some(socket) = &self.socket else {
                return Ok(());
            };
            let mut reader: &TcpStream = socket;
            let (mut closed, mut drained) = (false, false);
            match self.decoder.read_from(&mut reader) {
                Ok(0) => closed = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => drained = true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A refused header: next_frame reports it.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
                Err(_) => closed = true,
            }
            if !self.decode_frames() {
                closed = true;
            }
            if closed {
                return self.lost();
            }
            if drained {
                return Ok(());
            }
        }
        self.socket_more = self.socket.is_some();
        Ok(())
    }

    /// Hands every complete frame to the session; false when the bytes
    /// are not the chat protocol.
    fn decode_frames(&mut self) -> bool {
        loop {
            let error = match self.decoder.next_frame() {
                Ok(Some(payload)) => match from_bytes::<ServerMsg>(payload) {
                    Ok(msg) => {
                        self.session.handle_msg(msg, Instant::now());
                        continue;
                    }
                    Err(e) => e.to_string(),
                },
                Ok(None) => return true,
                Err(e) => e.to_string(),
            };
            self.session.notice(&format!(
                "the server sent something that is not the chat protocol: {error}"
            ));
            return false;
        }
    }

    /// The connection is over: drop it and ask the session what next.
    fn lost(&mut self) -> Result<(), ClientError> {
        if let Some(mut socket) = self.socket.take() {
            let _ = self.poll.registry().deregister(&mut socket);
        }
        if !self.outbound.is_empty() {
            self.session
                .notice("the connection dropped before everything typed was sent");
        }
        self.outbound.clear();
        self.want_writable = false;
        self.decoder = FrameDecoder::new(SERVER_MAX_FRAME);
        self.retry_at = self.session.handle_lost(Instant::now());
        Ok(())
    }

    /// Starts a non-blocking connect to the address at `index` and
    /// onwards (the first that does not fail at once), registered for
    /// WRITABLE; when none is left, the session hears of the failure and
    /// picks the next try. The loop keeps serving keys and signals
    /// meanwhile.
    fn attempt(&mut self, mut index: usize, now: Instant) -> Result<(), ClientError> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
        while let Some(&addr) = self.addrs.get(index) {
            match TcpStream::connect(addr) {
                Ok(mut socket) => {
                    self.poll
                        .registry()
                        .register(&mut socket, CONNECTING, Interest::WRITABLE)?;
                    self.connecting = Some(Attempt {
                        socket,
                        index,
                        deadline: now + CONNECT_WAIT,
                    });
                    self.session.handle_connecting();
                    return Ok(());
                }
                Err(error) => last = error,
            }
            index += 1;
        }
        self.retry_at = Some(self.session.handle_connect_failed(&last.to_string(), now));
        Ok(())
    }

    /// The connecting socket is writable (the handshake ended) or its
    /// time is up: keep it as the connection, or go on to the next
    /// address.
    fn connect_progress(&mut self, now: Instant) -> Result<(), ClientError> {
        let Some(Attempt {
            mut socket,
            index,
            deadline,
        }) = self.connecting.take()
        else {
            return Ok(());
        };
        let outcome = match socket.take_error() {
            Ok(None) => match socket.peer_addr() {
                Ok(_) => Ok(()),
                // Writable only because the time is up, or not yet done.
                Err(_) if now < deadline => {
                    self.connecting = Some(Attempt {
                        socket,
                        index,
                        deadline,
                    });
                    return Ok(());
                }
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "timed out")),
            },
            Ok(Some(error)) | Err(error) => Err(error),
        };
        self.poll.registry().deregister(&mut socket)?;
        match outcome {
            Ok(()) => {
                socket.set_nodelay(true)?;
                self.poll
                    .registry()
                    .register(&mut socket, SOCKET, Interest::READABLE)?;
                self.socket = Some(socket);
                self.want_writable = false;
                self.session.handle_connected();
                Ok(())
            }
            Err(_) if self.addrs.get(index + 1).is_some() => self.attempt(index + 1, now),
            Err(error) => {
                self.retry_at = Some(self.session.handle_connect_failed(&error.to_string(), now));
                Ok(())
            }
        }
    }

    /// Frames out to the socket, session output into the screen.
    fn flush(&mut self) -> Result<(), ClientError> {
        while let Some(msg) = self.session.poll_transmit() {
            if self.socket.is_some() {
                encode_frame(&msg, &mut self.outbound).map_err(io::Error::other)?;
            }
        }
        self.write_socket()?;
        self.screen.absorb(&mut self.session);
        Ok(())
    }

    fn write_socket(&mut self) -> Result<(), ClientError> {
        let Some(socket) = &self.socket else {
            return Ok(());
        };
        let mut written = 0;
        let mut failed = false;
        while written < self.outbound.len() {
            match (&*socket).write(&self.outbound[written..]) {
                Ok(0) => {
                    failed = true;
                    break;
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        self.outbound.drain(..written);
        if failed {
            // Read what the server said before going (an Error, perhaps).
            self.read_socket()?;
            if self.socket.is_some() {
                self.lost()?;
            }
            return Ok(());
        }
        let want = !self.outbound.is_empty();
        if want != self.want_writable {
            let interest = if want {
                Interest::READABLE.add(Interest::WRITABLE)
            } else {
                Interest::READABLE
            };
            if let Some(socket) = &mut self.socket {
                self.poll.registry().reregister(socket, SOCKET, interest)?;
            }
            self.want_writable = want;
        }
        Ok(())
    }

    /// Draws the frame and writes the difference in one `write`.
    fn draw(&mut self) -> Result<(), ClientError> {
        let (grid, cursor) = self.screen.draw(&self.session, Instant::now(), unix_ms());
        let bytes = self.painter.draw(&grid, cursor);
        if !bytes.is_empty() {
            self.terminal.write_all(&bytes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alternate_screen_is_left_once_per_entry() {
        // The panic hook and the guard's drop both leave; only the first
        // may write LEAVE, whose `?1049l` would otherwise move the cursor
        // back over the panic message.
        let alt = AltScreen::new();
        assert_eq!(alt.leave(), b"");
        assert_eq!(alt.enter(), ENTER);
        assert_eq!(alt.leave(), LEAVE);
        assert_eq!(alt.leave(), b"");
        // Ctrl-Z leaves, `fg` enters again: the next leave counts.
        alt.enter();
        assert_eq!(alt.leave(), LEAVE);
    }

    #[test]
    fn auto_wrap_is_off_on_the_alternate_screen_only() {
        let has = |bytes: &[u8], seq: &[u8]| bytes.windows(seq.len()).any(|w| w == seq);
        assert!(has(ENTER, b"\x1b[?7l") && !has(ENTER, b"\x1b[?7h"));
        assert!(has(LEAVE, b"\x1b[?7h") && !has(LEAVE, b"\x1b[?7l"));
        // Wrap comes back before the main screen does.
        assert!(LEAVE.ends_with(b"\x1b[?1049l"));
    }
}
