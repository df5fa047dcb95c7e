//! [`Poll`]: wait for readiness.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use crate::selector::Selector;
use crate::{Events, Registry};

/// The readiness queue: one epoll instance on Linux, one kqueue elsewhere.
///
/// Sources are added through its [`Registry`]; [`Poll::poll`] then blocks
/// until at least one of them is ready, the timeout passes, or a
/// [`Waker`](crate::Waker) fires.
///
/// ```
/// use std::time::Duration;
/// use sys::net::{TcpListener, TcpStream};
/// use sys::{Events, Interest, Poll, Token};
///
/// # fn main() -> std::io::Result<()> {
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
///
/// let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
///
/// let _client = TcpStream::connect(listener.local_addr()?)?;
/// // Block until the listener has a connection to accept.
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(10)))?;
///     if events.iter().any(|e| e.token() == Token(0) && e.is_readable()) {
///         break;
///     }
/// }
/// let (_server_side, _peer) = listener.accept()?;
/// # Ok(())
/// # }
/// ```
///
/// # Portability
///
/// * Events may be spurious: always attempt the I/O and handle
///   `WouldBlock`.
/// * With the default [`Trigger::Edge`](crate::Trigger::Edge), drain a
///   source until `WouldBlock` before waiting again.
/// * On kqueue, readable and writable readiness of one source come as two
///   events with the same token.
/// * Registrations belong to the kernel object, not to this value: they
///   are shared with [`Registry::try_clone`] handles and end when the
///   registered descriptor is closed (epoll drops a descriptor once every
///   copy of it is closed, so deregister before handing a `dup` elsewhere).
///
/// # Implementation notes
///
/// | OS | create | register | wait |
/// | --- | --- | --- | --- |
/// | Linux | `epoll_create1(EPOLL_CLOEXEC)` | `epoll_ctl` | `epoll_wait`, timeout in ms rounded up |
/// | macOS, BSDs | `kqueue()` + `FD_CLOEXEC` | `kevent` changelist with `EV_RECEIPT` | `kevent` eventlist, `timespec` timeout |
#[derive(Debug)]
pub struct Poll {
    registry: Registry,
}

impl Poll {
    /// Creates a new epoll/kqueue instance (close-on-exec).
    pub fn new() -> io::Result<Poll> {
        Ok(Poll {
            registry: Registry::from_selector(Selector::new()?),
        })
    }

    /// A second `Poll` on the **same** kernel instance (a `dup` of its
    /// descriptor, close-on-exec): same registrations, same ready list.
    ///
    /// [`poll`](Poll::poll) takes `&mut self`, so threads that want to wait
    /// in one instance together each take a clone. Who then receives a
    /// ready source depends on its [`Trigger`](crate::Trigger): an edge or
    /// a one-shot event goes to one waiter; a level-triggered source stays
    /// on the ready list after a waiter collects it, so the next waiter is
    /// woken for it too, and so on while it stays ready (the thundering
    /// herd that `examples/herd.rs` counts).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sys::{Events, Poll, Token, Waker};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let poll = Poll::new()?;
    /// let waker = Waker::new(poll.registry(), Token(9))?;
    /// let mut other = poll.try_clone()?;
    /// let waiter = std::thread::spawn(move || -> std::io::Result<Events> {
    ///     let mut events = Events::with_capacity(4);
    ///     while events.is_empty() {
    ///         other.poll(&mut events, Some(Duration::from_secs(10)))?;
    ///     }
    ///     Ok(events)
    /// });
    /// waker.wake()?;
    /// let events = waiter.join().unwrap()?;
    /// assert_eq!(events.iter().next().unwrap().token(), Token(9));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_clone(&self) -> io::Result<Poll> {
        Ok(Poll {
            registry: self.registry.try_clone()?,
        })
    }

    /// The handle for adding, changing and removing sources.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Waits until at least one registered source is ready, the `timeout`
    /// passes, or a [`Waker`](crate::Waker) fires, and fills `events` with
    /// what is ready (previous contents are cleared first).
    ///
    /// * `timeout: None` waits forever; `Some(Duration::ZERO)` only checks.
    /// * On epoll the timeout is rounded **up** to the next whole
    ///   millisecond, so the call never returns early because of rounding.
    ///   Timeouts beyond about 24 days are capped.
    /// * **Interrupted by a signal (`EINTR`): returns `Ok(())` with
    ///   `events` empty**, without retrying. An empty `events` therefore
    ///   means "timeout or interruption"; a caller that needs the full
    ///   timeout checks the clock and polls again. This differs from mio,
    ///   whose `Poll::poll` returns the `ErrorKind::Interrupted` error and
    ///   leaves the retry to the caller: here an event loop written as
    ///   `poll.poll(&mut events, timeout)?` is not ended by a stray signal,
    ///   at the price of not telling an interruption from a timeout.
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        self.registry.selector().select(events.raw_mut(), timeout)
    }
}

impl AsRawFd for Poll {
    /// The epoll or kqueue descriptor (itself pollable: it is readable
    /// while events are pending).
    fn as_raw_fd(&self) -> RawFd {
        self.registry.selector().as_raw_fd()
    }
}
