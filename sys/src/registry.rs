//! [`Registry`]: add, change and remove interest in sources.

use std::io;

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
