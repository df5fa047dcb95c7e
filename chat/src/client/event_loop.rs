//! The I/O loop: standard input and the server socket on one `sys::Poll`.
//!
//! Everything this file does is moving bytes; every decision is the
//! [`Session`]'s. One turn of the loop:
//!
//! ```text
//!  poll(timeout) ─▶ SOCKET readable: read until WouldBlock ─▶ decode ─▶ handle_msg
//!       ▲           SOCKET writable: write the outbound bytes
//!       │           STDIN readable:  one read ─▶ split lines ─▶ handle_line / handle_eof
//!       │
//!       └── flush: poll_transmit ─▶ encode ─▶ write; poll_output ─▶ stdout; flush stdout
//! ```
//!
//! See the [module docs](super) for why the socket is non-blocking and
//! edge-triggered while standard input stays blocking and level-triggered.

use std::fmt;
use std::io::{self, BufWriter, Read, StdinLock, StdoutLock, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use sys::net::TcpStream;
use sys::{Events, Interest, Poll, SourceFd, Token, Trigger};

use super::args::{usage, Options};
use super::lines::{Line, LineSplitter};
use super::render::{sanitize, Renderer, Style};
use super::session::{Ending, Session};
use crate::fmt::binary::from_bytes;
use crate::fmt::framed::{encode_frame, FrameDecoder};
use crate::fmt::json;
use crate::protocol::{ServerMsg, SERVER_MAX_FRAME};

/// Token of standard input.
const STDIN: Token = Token(0);
/// Token of the server socket.
const SOCKET: Token = Token(1);
/// Bytes asked for by one read of standard input. At least the 8 KiB of
/// std's internal stdin buffer, so std reads straight from fd 0 and never
/// holds bytes back from the poll's view.
const STDIN_CHUNK: usize = 64 * 1024;
/// Longest input line kept; longer ones are dropped with a notice. Well
/// under the server's 64 KiB frame limit, so no typed line can earn a
/// fatal `FrameTooLarge`.
pub const MAX_LINE: usize = 16 * 1024;
/// How long to wait for the server to close after `Bye`.
const BYE_GRACE: Duration = Duration::from_secs(5);

/// Why the client stopped other than by the server closing the connection.
#[derive(Debug)]
pub enum ClientError {
    /// The address did not resolve, or no address accepted the connection.
    Connect {
        /// The `--addr` given.
        addr: String,
        /// The last error seen.
        error: io::Error,
    },
    /// The server sent bytes that are not a frame of a `ServerMsg`.
    Decode(String),
    /// A system call failed (poll, socket, standard output).
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect { addr, error } => {
                write!(f, "cannot connect to {addr}: {error}")
            }
            ClientError::Decode(what) => {
                write!(
                    f,
                    "the server sent something that is not the chat protocol: {what}"
                )
            }
            ClientError::Io(error) => write!(f, "I/O error: {error}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(error: io::Error) -> Self {
        ClientError::Io(error)
    }
}

/// The `client` binary: reads the flags and the environment (`USER`,
/// `NO_COLOR`), runs, and returns the process exit status
/// (0 after a goodbye, 1 on failure, 2 for a bad command line).
pub fn run_from_env() -> i32 {
    const PROGRAM: &str = "client";
    let user = std::env::var("USER").ok();
    let options = match Options::parse(
        std::env::args().skip(1),
        user.as_deref(),
        std::process::id(),
    ) {
        Ok(options) => options,
        Err(e) => return e.report(PROGRAM, &usage(PROGRAM)),
    };
    match run(&options, Style::detect()) {
        Ok(ending) => ending.exit_code(),
        Err(error) => {
            eprintln!("{PROGRAM}: {error}");
            1
        }
    }
}

/// Connects to `options.addr` and runs the client until the connection
/// ends, printing lines in `style` on standard output.
pub fn run(options: &Options, style: Style) -> Result<Ending, ClientError> {
    let socket = connect(&options.addr)?;
    let session = Session::new(&options.nick, Renderer::new(style));
    Client::new(socket, session, options.trace)?.run()
}

/// Resolves `addr` and connects to the first address that accepts.
fn connect(addr: &str) -> Result<TcpStream, ClientError> {
    let fail = |error| ClientError::Connect {
        addr: addr.to_string(),
        error,
    };
    let candidates: Vec<SocketAddr> = addr.to_socket_addrs().map_err(fail)?.collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    for candidate in candidates {
        match TcpStream::connect_blocking(candidate) {
            Ok(stream) => {
                stream.set_nonblocking(true)?;
                // Lines are small and typed by people: send them now.
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(error) => last = error,
        }
    }
    Err(fail(last))
}

/// How standard input is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StdinMode {
    /// Registered on the poll, level-triggered.
    Polled,
    /// epoll refused it (a regular file, `/dev/null`): read on every turn.
    AlwaysReady,
    /// End of input reached (or no longer wanted).
    Closed,
}

/// The loop's state: the poll, both ends, and the buffers between them.
struct Client {
    poll: Poll,
    events: Events,
    socket: TcpStream,
    decoder: FrameDecoder,
    /// Encoded frames not yet taken by the kernel.
    outbound: Vec<u8>,
    /// Whether the socket is registered for writability too.
    want_writable: bool,
    stdin: StdinLock<'static>,
    stdin_mode: StdinMode,
    /// Reused buffer for reads of standard input.
    stdin_buf: Vec<u8>,
    /// The line being typed.
    lines: LineSplitter,
    stdout: BufWriter<StdoutLock<'static>>,
    session: Session,
    trace: bool,
    /// Set once the socket reached end of stream or failed.
    closed: bool,
    /// When to stop waiting for the server to close after `Bye`.
    bye_deadline: Option<Instant>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("socket", &self.socket)
            .field("stdin_mode", &self.stdin_mode)
            .field("outbound", &self.outbound.len())
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Client {
    fn new(mut socket: TcpStream, session: Session, trace: bool) -> io::Result<Client> {
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut socket, SOCKET, Interest::READABLE)?;
        let stdin = io::stdin().lock();
        let fd = stdin.as_raw_fd();
        // Level-triggered: we read once per event, never draining (stdin
        // stays blocking), so the poll must keep reporting leftover input.
        let stdin_mode = match poll.registry().register_with(
            &mut SourceFd(&fd),
            STDIN,
            Interest::READABLE,
            Trigger::Level,
        ) {
            Ok(()) => StdinMode::Polled,
            // EPERM: a regular file or /dev/null, which epoll does not
            // support because reading them never blocks. Other failures
            // (a closed fd 0) show up as errors or EOF on the first read.
            Err(_) => StdinMode::AlwaysReady,
        };
        Ok(Client {
            poll,
            events: Events::with_capacity(16),
            socket,
            decoder: FrameDecoder::new(SERVER_MAX_FRAME),
            outbound: Vec::new(),
            want_writable: false,
            stdin,
            stdin_mode,
            stdin_buf: Vec::new(),
            lines: LineSplitter::new(MAX_LINE),
            stdout: BufWriter::new(io::stdout().lock()),
            session,
            trace,
            closed: false,
            bye_deadline: None,
        })
    }

    fn run(mut self) -> Result<Ending, ClientError> {
        let result = self.run_loop();
        if result.is_err() {
            // Show what arrived before the failure, then the error.
            let _ = self.print_output();
            let _ = self.stdout.flush();
        }
        result
    }

    fn run_loop(&mut self) -> Result<Ending, ClientError> {
        // The Hello the session starts with.
        self.flush()?;
        loop {
            let timeout = match (self.stdin_mode, self.bye_deadline) {
                (StdinMode::AlwaysReady, _) => Some(Duration::ZERO),
                (_, Some(deadline)) => Some(deadline.saturating_duration_since(Instant::now())),
                (_, None) => None,
            };
            self.poll.poll(&mut self.events, timeout)?;
            let (mut socket_ready, mut stdin_ready) = (false, false);
            for event in self.events.iter() {
                match event.token() {
                    SOCKET => socket_ready = true,
                    STDIN => stdin_ready = true,
                    _ => {}
                }
            }
            if socket_ready {
                // Readable, writable, hang-up or error: attempting both is
                // cheap and each answers WouldBlock when there is nothing.
                self.read_socket()?;
                self.write_socket()?;
            }
            if stdin_ready || self.stdin_mode == StdinMode::AlwaysReady {
                self.read_stdin();
            }
            self.flush()?;
            if self.closed {
                let ending = self.session.handle_closed();
                self.print_output()?;
                self.stdout.flush()?;
                return Ok(ending);
            }
            if self
                .bye_deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
            {
                self.session
                    .notice("the server did not close the connection; leaving anyway");
                self.print_output()?;
                self.stdout.flush()?;
                return Ok(Ending::Goodbye);
            }
        }
    }

    /// Reads the socket until `WouldBlock`, handing each frame to the session.
    fn read_socket(&mut self) -> Result<(), ClientError> {
        while !self.closed {
            match self.decoder.read_from(&mut &self.socket) {
                Ok(0) => self.closed = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A refused header: next_frame below reports it.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
                // A reset or another failure: the connection is over.
                Err(_) => self.closed = true,
            }
            self.decode_frames()?;
        }
        Ok(())
    }

    /// Hands every complete frame in the decoder to the session.
    fn decode_frames(&mut self) -> Result<(), ClientError> {
        loop {
            let msg = match self.decoder.next_frame() {
                Ok(Some(payload)) => from_bytes::<ServerMsg>(payload)
                    .map_err(|e| ClientError::Decode(e.to_string()))?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(ClientError::Decode(e.to_string())),
            };
            if self.trace {
                self.trace_msg("<<", &msg);
            }
            self.session.handle_msg(msg, Instant::now());
            if self.trace {
                // Keep each frame next to the lines it caused, although
                // they go to two different streams.
                self.print_output()?;
                self.stdout.flush()?;
            }
        }
    }

    /// Does one read of standard input (it is blocking: readiness, or a
    /// file, promises this read returns at once) and hands complete lines
    /// to the session.
    fn read_stdin(&mut self) {
        if self.stdin_mode == StdinMode::Closed {
            return;
        }
        let mut chunk = std::mem::take(&mut self.stdin_buf);
        chunk.resize(STDIN_CHUNK, 0);
        let n = match self.stdin.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => {
                self.session
                    .notice(&format!("cannot read input ({e}); quitting"));
                0
            }
        };
        let now = Instant::now();
        let lines = if n == 0 {
            self.lines.finish().into_iter().collect()
        } else {
            self.lines.push(&chunk[..n])
        };
        for line in lines {
            match line {
                Line::Text(text) => self.session.handle_line(&text, now),
                Line::TooLong => self
                    .session
                    .notice(&format!("line longer than {MAX_LINE} bytes ignored")),
            }
        }
        if n == 0 {
            self.session.handle_eof(now);
            self.close_stdin();
            return;
        }
        self.stdin_buf = chunk;
    }

    /// Stops watching standard input.
    fn close_stdin(&mut self) {
        if self.stdin_mode == StdinMode::Polled {
            let fd = self.stdin.as_raw_fd();
            // Failure only means it was not registered any more.
            let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
        }
        self.stdin_mode = StdinMode::Closed;
    }

    /// Moves the session's outputs out: frames to the socket, lines to
    /// stdout (flushed), and notes the start of the goodbye.
    fn flush(&mut self) -> Result<(), ClientError> {
        while let Some(msg) = self.session.poll_transmit() {
            if self.trace {
                self.trace_msg(">>", &msg);
            }
            // Encoding a ClientMsg into a Vec cannot fail.
            encode_frame(&msg, &mut self.outbound).map_err(io::Error::other)?;
        }
        self.write_socket()?;
        self.print_output()?;
        self.stdout.flush()?;
        if self.session.is_quitting() && self.bye_deadline.is_none() {
            self.bye_deadline = Some(Instant::now() + BYE_GRACE);
            self.close_stdin();
        }
        Ok(())
    }

    /// Writes what the kernel takes, and asks for writability while
    /// something is left.
    fn write_socket(&mut self) -> Result<(), ClientError> {
        let mut written = 0;
        while written < self.outbound.len() && !self.closed {
            match (&self.socket).write(&self.outbound[written..]) {
                Ok(0) => self.closed = true,
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    // The server is gone; what it sent before (an Error
                    // saying why, perhaps) is still worth reading.
                    self.read_socket()?;
                    self.closed = true;
                }
            }
        }
        self.outbound.drain(..written);
        if self.closed {
            self.outbound.clear();
        }
        let want = !self.outbound.is_empty();
        if want != self.want_writable {
            let interest = if want {
                Interest::READABLE.add(Interest::WRITABLE)
            } else {
                Interest::READABLE
            };
            self.poll
                .registry()
                .reregister(&mut self.socket, SOCKET, interest)?;
            self.want_writable = want;
        }
        Ok(())
    }

    fn print_output(&mut self) -> io::Result<()> {
        while let Some(line) = self.session.poll_output() {
            writeln!(self.stdout, "{line}")?;
        }
        Ok(())
    }

    /// `--trace`: one frame on stderr as `>> {json}` or `<< {json}`,
    /// sanitised like everything else that reaches a terminal.
    fn trace_msg<T: serdy::Serialize>(&self, arrow: &str, msg: &T) {
        let text = json::to_string(msg).unwrap_or_else(|e| format!("(cannot show: {e})"));
        let mut stderr = io::stderr().lock();
        let _ = writeln!(stderr, "{arrow} {}", sanitize(&text));
    }
}
