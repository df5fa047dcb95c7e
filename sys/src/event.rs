//! [`Event`]: one readiness report.

use std::fmt;

use crate::selector::{event, RawEvent};
use crate::Token;

/// One readiness report from [`Poll::poll`](crate::Poll::poll): which
/// registration ([`token`](Event::token)) and what it may be ready for.
///
/// An event is a hint, not a promise: the operation it suggests may still
/// answer `WouldBlock` (another thread got there first, the data was a
/// checksum failure the kernel dropped, ...), so callers always try the I/O
/// and handle `WouldBlock`. Several flags can be set at once: a reset
/// connection is typically readable, writable, read-closed, write-closed
/// and in error in one event.
///
/// `Debug` prints the decoded answers *and* the raw kernel record with
/// every flag named (`epoll_event { events: EPOLLIN|EPOLLRDHUP, .. }` or
/// `kevent { filter: EVFILT_READ, flags: EV_ADD|EV_CLEAR|EV_EOF, .. }`), so
/// `println!("{event:#?}")` shows exactly what the kernel said.
#[repr(transparent)]
pub struct Event {
    raw: RawEvent,
}

impl Event {
    /// Views a kernel record as an `Event`.
    pub(crate) fn from_raw(raw: &RawEvent) -> &Event {
        // SAFETY: `Event` is `repr(transparent)` over `RawEvent`, so the two
        // have the same layout and alignment, and the lifetime is kept.
        unsafe { &*(raw as *const RawEvent).cast::<Event>() }
    }

    /// The token given when the source was registered.
    pub fn token(&self) -> Token {
        event::token(&self.raw)
    }

    /// The source may be readable: data, a connection to accept, an end of
    /// stream, or an error to collect with a read. Waker events are
    /// readable.
    pub fn is_readable(&self) -> bool {
        event::is_readable(&self.raw)
    }

    /// The source may be writable: room in the send buffer, or a finished
    /// non-blocking `connect` (check it with `take_error`).
    pub fn is_writable(&self) -> bool {
        event::is_writable(&self.raw)
    }

    /// The source has an error pending (`EPOLLERR`; on kqueue `EV_ERROR`,
    /// or `EV_EOF` with an error number in `fflags`). A read, a write or
    /// `take_error` returns it.
    pub fn is_error(&self) -> bool {
        event::is_error(&self.raw)
    }

    /// The peer will send nothing more: it shut down its writing side or
    /// closed the connection (`EPOLLRDHUP`/`EPOLLHUP`; `EV_EOF` on
    /// `EVFILT_READ`). Data received before may still wait to be read.
    pub fn is_read_closed(&self) -> bool {
        event::is_read_closed(&self.raw)
    }

    /// Writing can no longer succeed: the connection was reset or closed in
    /// both directions, or a connect failed (`EPOLLHUP`, `EPOLLERR`; `EV_EOF`
    /// on `EVFILT_WRITE`).
    pub fn is_write_closed(&self) -> bool {
        event::is_write_closed(&self.raw)
    }

    /// Out-of-band or priority data is available (`EPOLLPRI`; always `false`
    /// on kqueue, which has no such report for sockets).
    pub fn is_priority(&self) -> bool {
        event::is_priority(&self.raw)
    }
}

// SAFETY: see `Events`: the only pointer-typed field (kqueue's `udata`)
// carries an integer token and is never dereferenced.
unsafe impl Send for Event {}
// SAFETY: as for `Send`.
unsafe impl Sync for Event {}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Raw<'a>(&'a RawEvent);
        impl fmt::Debug for Raw<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                event::debug_details(f, self.0)
            }
        }
        f.debug_struct("Event")
            .field("token", &self.token())
            .field("readable", &self.is_readable())
            .field("writable", &self.is_writable())
            .field("error", &self.is_error())
            .field("read_closed", &self.is_read_closed())
            .field("write_closed", &self.is_write_closed())
            .field("priority", &self.is_priority())
            .field("raw", &Raw(&self.raw))
            .finish()
    }
}
