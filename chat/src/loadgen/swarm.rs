//! [`Swarm`]: many client connections on one thread and one [`sys::Poll`].
//!
//! The load generator must not be the bottleneck on a machine whose other
//! core runs the server, so it works like a server: every socket is
//! non-blocking and registered with one `Poll`, and one thread handles
//! whichever is ready. Reading uses one **shared** buffer for all
//! connections: a read lands in it, every complete frame is decoded in
//! place (its strings point into the buffer) and handed to the scenario's
//! [`Handler`], and only the tail of a frame cut by the read is copied aside
//! into that connection's `carry`, to be put back in front of its next read:
//!
//! ```text
//!   scratch: [ carry of conn 7 | bytes read now .................. ]
//!              └─ frame ─┘└─ frame ─┘└─ frame ─┘└─ frame ─┘└ part ┘
//!                  on_frame(7, ServerMsgRef::Message, now) ...   └─► carry of conn 7
//! ```
//!
//! Registrations are level-triggered: a connection is read once per event,
//! so one busy connection cannot starve the others, and whatever it left in
//! the socket is reported again at the next poll. Writability is asked for
//! only while a connection has output the socket refused.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sys::net::TcpStream;
use sys::{Events, Interest, Poll, Token, Trigger};

use super::wire::MessageView;
use crate::fmt::binary::from_bytes;
use crate::fmt::framed::{split_frame, HEADER_LEN};
use crate::protocol::{ServerMsgRef, SERVER_MAX_FRAME};

/// Size of the shared read buffer.
const SCRATCH: usize = 256 * 1024;

/// What to do with a connection after one of its frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Keep it.
    Keep,
    /// Write what is queued (without waiting), then close it with FIN.
    Close,
    /// Close it with RST (`SO_LINGER` 0), dropping anything queued.
    Reset,
}

/// A scenario: what to do when a connection is up, sends a frame, or ends.
///
/// Each callback gets the connection's output buffer; whatever it appends
/// is written right after the callback returns. An `Err` stops the run.
pub trait Handler {
    /// The connection `conn` finished its handshake.
    fn on_connected(&mut self, conn: usize, out: &mut Vec<u8>) -> io::Result<()>;
    /// `conn` received `msg`; `now_ns` is when the read returned, on the
    /// clock of [`Swarm::now_ns`].
    fn on_frame(
        &mut self,
        conn: usize,
        msg: ServerMsgRef<'_>,
        now_ns: u64,
        out: &mut Vec<u8>,
    ) -> io::Result<Next>;
    /// `conn` received a `Message`, read by the fast path (strings not
    /// checked for UTF-8). By default it is checked and passed to
    /// [`on_frame`](Self::on_frame); scenarios that read only the text as
    /// bytes override this.
    fn on_message(
        &mut self,
        conn: usize,
        msg: MessageView<'_>,
        now_ns: u64,
        out: &mut Vec<u8>,
    ) -> io::Result<Next> {
        let msg = msg.to_msg().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a Message that is not UTF-8: {e}"),
            )
        })?;
        self.on_frame(conn, msg, now_ns, out)
    }
    /// The server closed `conn` (`None`: EOF) or it failed (`Some`). The
    /// slot is free again when this is called.
    fn on_closed(&mut self, conn: usize, error: Option<io::Error>) -> io::Result<()>;
}

/// One client connection.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    connected: bool,
    out: Vec<u8>,
    /// Bytes of `out` already written.
    out_pos: usize,
    /// The start of a frame cut by the last read.
    carry: Vec<u8>,
    /// Registered for writability too.
    want_write: bool,
}

/// Many connections, one poll, one read buffer.
#[derive(Debug)]
pub struct Swarm {
    poll: Poll,
    events: Events,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    scratch: Vec<u8>,
    epoch: Instant,
    /// Reused list of `(slot, readable, writable)` of one poll.
    ready: Vec<(usize, bool, bool)>,
}

impl Swarm {
    /// An empty swarm; its clock starts now.
    pub fn new() -> io::Result<Swarm> {
        Ok(Swarm {
            poll: Poll::new()?,
            events: Events::with_capacity(1024),
            conns: Vec::new(),
            free: Vec::new(),
            scratch: vec![0; SCRATCH],
            epoch: Instant::now(),
            ready: Vec::new(),
        })
    }

    /// Nanoseconds since the swarm was made (monotonic).
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// The instant [`now_ns`](Self::now_ns) counts from.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Connections open (connected or still connecting).
    pub fn live(&self) -> usize {
        self.conns.len() - self.free.len()
    }

    /// Starts connecting to `addr`; returns the connection's index (a slot
    /// reused once a connection closes). [`Handler::on_connected`] follows.
    pub fn connect(&mut self, addr: SocketAddr) -> io::Result<usize> {
        let mut stream = TcpStream::connect(addr)?;
        // Each Say goes out at once, as an interactive client's would
        // (Nagle would hold it until the previous one is acknowledged).
        stream.set_nodelay(true)?;
        let slot = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        if let Err(e) = self.poll.registry().register_with(
            &mut stream,
            Token(slot),
            Interest::READABLE | Interest::WRITABLE,
            Trigger::Level,
        ) {
            self.free.push(slot);
            return Err(e);
        }
        self.conns[slot] = Some(Conn {
            stream,
            connected: false,
            out: Vec::new(),
            out_pos: 0,
            carry: Vec::new(),
            want_write: true,
        });
        Ok(slot)
    }

    /// The output buffer of `conn` (append frames, then [`flush`](Self::flush)).
    ///
    /// # Panics
    ///
    /// If `conn` is not open (a bug in the scenario).
    pub fn out(&mut self, conn: usize) -> &mut Vec<u8> {
        &mut self.conn_mut(conn).out
    }

    /// Whether `conn` is open.
    pub fn is_open(&self, conn: usize) -> bool {
        self.conns.get(conn).is_some_and(Option::is_some)
    }

    fn conn_mut(&mut self, conn: usize) -> &mut Conn {
        match self.conns.get_mut(conn).and_then(Option::as_mut) {
            Some(c) => c,
            None => panic!("loadgen: connection {conn} is not open"),
        }
    }

    /// Writes what `conn` has queued, as far as the socket takes it now.
    pub fn flush(&mut self, conn: usize) -> io::Result<()> {
        let Some(c) = self.conns.get_mut(conn).and_then(Option::as_mut) else {
            return Ok(());
        };
        flush_conn(&self.poll, conn, c)
    }

    /// Closes `conn` (FIN), without telling the handler.
    pub fn close(&mut self, conn: usize, reset: bool) {
        if let Some(mut c) = self.conns.get_mut(conn).and_then(Option::take) {
            let _ = self.poll.registry().deregister(&mut c.stream);
            if reset {
                let _ = c.stream.set_linger(Some(Duration::ZERO));
            } else {
                let _ = flush_conn(&self.poll, conn, &mut c);
            }
            self.free.push(conn);
        }
    }

    /// Closes every connection.
    pub fn close_all(&mut self) {
        for conn in 0..self.conns.len() {
            self.close(conn, false);
        }
    }

    /// Waits up to `timeout` for readiness and handles it: finished
    /// connects, one read per readable connection (every complete frame
    /// to `handler`), pending writes. Returns how many events there were.
    pub fn turn<H: Handler>(
        &mut self,
        timeout: Option<Duration>,
        handler: &mut H,
    ) -> io::Result<usize> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        let mut ready = std::mem::take(&mut self.ready);
        ready.clear();
        ready.extend(self.events.iter().map(|e| {
            let readable = e.is_readable() || e.is_read_closed() || e.is_error();
            (e.token().0, readable, e.is_writable() || e.is_error())
        }));
        let result = self.handle_ready(&ready, handler);
        let count = ready.len();
        self.ready = ready;
        result.map(|()| count)
    }

    fn handle_ready<H: Handler>(
        &mut self,
        ready: &[(usize, bool, bool)],
        handler: &mut H,
    ) -> io::Result<()> {
        for &(slot, readable, writable) in ready {
            let Some(conn) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            if !conn.connected {
                if let Some(e) = conn.stream.take_error()? {
                    return Err(io::Error::new(e.kind(), format!("cannot connect: {e}")));
                }
                if !writable {
                    continue;
                }
                conn.connected = true;
                handler.on_connected(slot, &mut conn.out)?;
                self.flush_or_close(slot, handler)?;
            }
            if readable {
                self.read(slot, handler)?;
            }
            if writable {
                self.flush_or_close(slot, handler)?;
            }
        }
        Ok(())
    }

    /// Flushes `slot`; a write error closes it and tells the handler.
    fn flush_or_close<H: Handler>(&mut self, slot: usize, handler: &mut H) -> io::Result<()> {
        if let Err(e) = self.flush(slot) {
            self.close(slot, true);
            handler.on_closed(slot, Some(e))?;
        }
        Ok(())
    }

    /// One read from `slot` into the shared buffer, frames to `handler`.
    fn read<H: Handler>(&mut self, slot: usize, handler: &mut H) -> io::Result<()> {
        let Swarm {
            conns,
            scratch,
            epoch,
            ..
        } = self;
        let Some(conn) = conns.get_mut(slot).and_then(Option::as_mut) else {
            return Ok(());
        };
        let held = conn.carry.len();
        if scratch.len() < held + SCRATCH / 2 {
            scratch.resize(held + SCRATCH / 2, 0);
        }
        scratch[..held].copy_from_slice(&conn.carry);
        let got = loop {
            match (&conn.stream).read(&mut scratch[held..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                other => break other,
            }
        };
        let n = match got {
            Ok(0) => {
                self.close(slot, false);
                return handler.on_closed(slot, None);
            }
            Ok(n) => n,
            Err(e) => {
                self.close(slot, true);
                return handler.on_closed(slot, Some(e));
            }
        };
        let now_ns = epoch.elapsed().as_nanos() as u64;
        let end = held + n;
        let mut pos = 0;
        let mut next = Next::Keep;
        while next == Next::Keep {
            let payload = match split_frame(&scratch[pos..end], SERVER_MAX_FRAME) {
                Ok(Some(payload)) => payload,
                Ok(None) => break,
                Err(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("the server sent a refused frame header: {e}"),
                    ))
                }
            };
            let total = HEADER_LEN + payload.len();
            next = match MessageView::peek(payload) {
                Some(view) => handler.on_message(slot, view, now_ns, &mut conn.out)?,
                None => {
                    let msg = from_bytes::<ServerMsgRef>(payload).map_err(|e| {
                        io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("undecodable frame from the server: {e}"),
                        )
                    })?;
                    handler.on_frame(slot, msg, now_ns, &mut conn.out)?
                }
            };
            pos += total;
        }
        match next {
            Next::Keep => {
                conn.carry.clear();
                conn.carry.extend_from_slice(&scratch[pos..end]);
                self.flush_or_close(slot, handler)
            }
            Next::Close => {
                self.close(slot, false);
                Ok(())
            }
            Next::Reset => {
                self.close(slot, true);
                Ok(())
            }
        }
    }
}

/// Writes `conn`'s queued output until done or `WouldBlock`; asks for
/// writability while bytes remain, drops the request once they are gone.
fn flush_conn(poll: &Poll, slot: usize, conn: &mut Conn) -> io::Result<()> {
    if !conn.connected {
        return Ok(());
    }
    while conn.out_pos < conn.out.len() {
        match (&conn.stream).write(&conn.out[conn.out_pos..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => conn.out_pos += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    let pending = conn.out_pos < conn.out.len();
    if !pending {
        conn.out.clear();
        conn.out_pos = 0;
    }
    if pending != conn.want_write {
        conn.want_write = pending;
        let interest = if pending {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        poll.registry()
            .reregister_with(&mut conn.stream, Token(slot), interest, Trigger::Level)?;
    }
    Ok(())
}
