//! [`Registry`]: add, change and remove interest in sources.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

use crate::selector::Selector;
use crate::{Interest, Source, Token, Trigger};

/// Adds, changes and removes the sources a [`Poll`](crate::Poll) reports.
///
/// A `Registry` is `Send + Sync` and every method takes `&self`: a
/// multi-threaded runtime registers and re-arms sources from its worker
/// threads while another thread sits in [`Poll::poll`](crate::Poll::poll);
/// the kernel serializes the changes and the blocked poll sees them.
/// [`try_clone`](Registry::try_clone) gives an owned handle (a `dup` of the
/// epoll/kqueue descriptor) for moving to another thread.
///
/// ```
/// use sys::{Interest, Poll, Token, Trigger};
/// use sys::net::TcpListener;
///
/// # fn main() -> std::io::Result<()> {
/// let poll = Poll::new()?;
/// let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let registry = poll.registry();
/// registry.register(&mut listener, Token(1), Interest::READABLE)?;
/// registry.reregister_with(&mut listener, Token(2), Interest::READABLE, Trigger::Level)?;
/// registry.deregister(&mut listener)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Registry {
    selector: Selector,
}

impl Registry {
    pub(crate) fn from_selector(selector: Selector) -> Registry {
        Registry { selector }
    }

    pub(crate) fn selector(&self) -> &Selector {
        &self.selector
    }

    /// Registers `source` under `token` for `interest`, edge-triggered
    /// ([`Trigger::Edge`]): drain it until `WouldBlock` after each event.
    ///
    /// Register a source once, then change it with
    /// [`reregister`](Registry::reregister). (epoll refuses a second
    /// `register` with `AlreadyExists`; kqueue quietly updates the
    /// registration. Portable code does neither.)
    pub fn register<S: Source + ?Sized>(
        &self,
        source: &mut S,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        source.register(self, token, interest, Trigger::Edge)
    }

    /// Registers `source` with an explicit [`Trigger`] mode.
    pub fn register_with<S: Source + ?Sized>(
        &self,
        source: &mut S,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        source.register(self, token, interest, trigger)
    }

    /// Registers a descriptor for an **exclusive wake-up** (Linux's
    /// `EPOLLEXCLUSIVE`): when several [`Poll`](crate::Poll) instances have
    /// registered the same descriptor this way, a readiness change wakes
    /// one of them (sometimes a few), not all.
    ///
    /// This is the cure for the thundering herd of threads that each own a
    /// `Poll` and all watch one listening socket: without it, every new
    /// connection wakes every thread and all but one find nothing to
    /// accept. (Threads sharing *one* `Poll` do not need it: there
    /// [`Trigger::Edge`] or [`Trigger::OneShot`] already hand each event to
    /// one waiter.) `examples/herd.rs` counts the wake-ups with and
    /// without it.
    ///
    /// The rules come from [epoll_ctl(2)]:
    ///
    /// * `trigger` is [`Trigger::Edge`] or [`Trigger::Level`]; one-shot is
    ///   refused with [`InvalidInput`](io::ErrorKind::InvalidInput).
    /// * Readable interest does not include `EPOLLRDHUP` (not allowed with
    ///   the flag): a peer's shutdown shows as readability and a `read` of
    ///   0 bytes, not as [`Event::is_read_closed`](crate::Event::is_read_closed)
    ///   (unless the connection is fully closed, `EPOLLHUP`).
    /// * The registration cannot be changed: [`reregister`](Registry::reregister)
    ///   fails with `EINVAL`. [`deregister`](Registry::deregister) and
    ///   register again instead.
    /// * Kernels before 4.5 ignore the flag: the registration then behaves
    ///   as a plain one.
    ///
    /// On kqueue (macOS, the BSDs) there is no equivalent, and this returns
    /// [`Unsupported`](io::ErrorKind::Unsupported): a descriptor registered
    /// in N kqueues is N separate knotes, all activated together. There,
    /// threads share one `Poll` ([`Poll::try_clone`](crate::Poll::try_clone))
    /// with [`Trigger::OneShot`] or [`Trigger::Edge`], so that each event
    /// is collected by one thread.
    ///
    /// It takes the descriptor (any [`AsFd`]) rather than a [`Source`],
    /// since only a plain descriptor can be registered this way.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use sys::net::TcpListener;
    /// use sys::{Interest, Poll, Token, Trigger};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let (a, b) = (Poll::new()?, Poll::new()?);
    /// let res = a.registry().register_exclusive(&listener, Token(0), Interest::READABLE, Trigger::Level);
    /// if cfg!(any(target_os = "linux", target_os = "android")) {
    ///     res?;
    ///     b.registry().register_exclusive(&listener, Token(0), Interest::READABLE, Trigger::Edge)?;
    ///     // One-shot is not allowed with the flag.
    ///     let one_shot = Poll::new()?;
    ///     let err = one_shot
    ///         .registry()
    ///         .register_exclusive(&listener, Token(0), Interest::READABLE, Trigger::OneShot)
    ///         .unwrap_err();
    ///     assert_eq!(err.kind(), ErrorKind::InvalidInput);
    /// } else {
    ///     assert_eq!(res.unwrap_err().kind(), ErrorKind::Unsupported);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// [epoll_ctl(2)]: https://man7.org/linux/man-pages/man2/epoll_ctl.2.html
    pub fn register_exclusive<S: AsFd + ?Sized>(
        &self,
        source: &S,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        self.selector
            .register_exclusive(source.as_fd().as_raw_fd(), token, interest, trigger)
    }

    /// Replaces the token and interest of a registered source, making it
    /// edge-triggered. A source that is ready now is reported by the next
    /// poll (the kernel re-checks readiness on every change).
    ///
    /// For a source that was never registered, epoll answers `NotFound`
    /// while kqueue registers it; portable code registers first.
    pub fn reregister<S: Source + ?Sized>(
        &self,
        source: &mut S,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        source.reregister(self, token, interest, Trigger::Edge)
    }

    /// Replaces token, interest and trigger of a registered source. This is
    /// how a [`Trigger::OneShot`] registration is re-armed.
    pub fn reregister_with<S: Source + ?Sized>(
        &self,
        source: &mut S,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()> {
        source.reregister(self, token, interest, trigger)
    }

    /// Removes `source`: no more events for it, including ones the kernel
    /// had already queued but no poll had returned yet. Events already
    /// copied into an [`Events`](crate::Events) buffer stay there.
    ///
    /// Closing a descriptor also removes it (epoll: once every `dup` of it
    /// is closed), but deregistering first is the clear way.
    pub fn deregister<S: Source + ?Sized>(&self, source: &mut S) -> io::Result<()> {
        source.deregister(self)
    }

    /// A second, owned handle to the same registrations (`dup` of the
    /// epoll/kqueue descriptor, close-on-exec).
    pub fn try_clone(&self) -> io::Result<Registry> {
        Ok(Registry {
            selector: self.selector.try_clone()?,
        })
    }
}

/// Compile-time proof that the handles can cross threads.
#[allow(dead_code)]
fn assert_kinds() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Registry>();
    send_sync::<crate::Poll>();
    send_sync::<crate::Waker>();
    send_sync::<crate::Events>();
    send_sync::<crate::Event>();
    send_sync::<crate::net::TcpListener>();
    send_sync::<crate::net::TcpStream>();
    send_sync::<crate::signal::Signals>();
}
