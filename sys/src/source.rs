//! [`Source`]: anything that can be registered, and [`SourceFd`] for raw
//! descriptors.

use std::io;
use std::os::fd::RawFd;

use crate::{Interest, Registry, Token, Trigger};

/// Something that can be registered with a [`Registry`]: the sockets of
/// [`net`](crate::net), [`Signals`](crate::signal::Signals), any descriptor
/// through [`SourceFd`], or a type of yours that wraps one of these.
///
/// The methods are called by [`Registry::register`] and friends; call those
/// rather than these. An implementation for a wrapper forwards to the inner
/// source:
///
/// ```
/// use std::io;
/// use sys::{net::TcpStream, Interest, Registry, Source, Token, Trigger};
///
/// struct Connection {
///     stream: TcpStream,
///     // buffers, state...
/// }
///
/// impl Source for Connection {
///     fn register(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
///         self.stream.register(r, t, i, m)
///     }
///     fn reregister(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
///         self.stream.reregister(r, t, i, m)
///     }
///     fn deregister(&mut self, r: &Registry) -> io::Result<()> {
///         self.stream.deregister(r)
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let poll = sys::Poll::new()?;
/// # let listener = sys::net::TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let mut conn = Connection { stream: TcpStream::connect(listener.local_addr()?)? };
/// poll.registry().register(&mut conn, Token(3), Interest::READABLE | Interest::WRITABLE)?;
/// # Ok(())
/// # }
/// ```
pub trait Source {
    /// Starts reporting `interest` readiness of this source under `token`.
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()>;

    /// Replaces the token, interest and trigger of an existing registration
    /// (and re-arms a one-shot one).
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: Interest,
        trigger: Trigger,
    ) -> io::Result<()>;

    /// Stops reporting this source.
    fn deregister(&mut self, registry: &Registry) -> io::Result<()>;
}

impl<T: Source + ?Sized> Source for &mut T {
    fn register(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
        (**self).register(r, t, i, m)
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
        (**self).reregister(r, t, i, m)
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        (**self).deregister(r)
    }
}

impl<T: Source + ?Sized> Source for Box<T> {
    fn register(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
        (**self).register(r, t, i, m)
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
        (**self).reregister(r, t, i, m)
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        (**self).deregister(r)
    }
}

/// Registers any raw file descriptor: a pipe, a terminal, standard input.
///
/// The descriptor must stay open while it is registered, and must be
/// deregistered (or closed) by the caller; `SourceFd` owns nothing.
///
/// Two things to know for standard input. epoll refuses regular files
/// (`EPERM`: a file is always "ready"), so `program < file` cannot be
/// polled; fall back to a reading thread then. And `O_NONBLOCK` on a
/// terminal is shared with the shell and every other process using it, so
/// rather than making stdin non-blocking, register it with
/// [`Trigger::Level`](crate::Trigger::Level) and do one blocking `read`
/// per event: a readable terminal never blocks the first read.
///
/// ```
/// use std::os::fd::AsRawFd;
/// use sys::{Interest, Poll, SourceFd, Token};
///
/// # fn main() -> std::io::Result<()> {
/// let poll = Poll::new()?;
/// let (reader, _writer) = std::io::pipe()?;
/// let fd = reader.as_raw_fd();
/// poll.registry().register(&mut SourceFd(&fd), Token(0), Interest::READABLE)?;
/// poll.registry().deregister(&mut SourceFd(&fd))?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SourceFd<'a>(pub &'a RawFd);

impl Source for SourceFd<'_> {
    fn register(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
        r.selector().register(*self.0, t, i, m)
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest, m: Trigger) -> io::Result<()> {
        r.selector().reregister(*self.0, t, i, m)
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        r.selector().deregister(*self.0)
    }
}

/// Implements [`Source`] for a type that owns a descriptor, by registering
/// the descriptor `$fd` computes from `$this` (a `&Self`).
macro_rules! fd_source {
    ($ty:ty, |$this:ident| $fd:expr) => {
        impl $crate::Source for $ty {
            fn register(
                &mut self,
                registry: &$crate::Registry,
                token: $crate::Token,
                interest: $crate::Interest,
                trigger: $crate::Trigger,
            ) -> ::std::io::Result<()> {
                let $this = &*self;
                registry.selector().register($fd, token, interest, trigger)
            }

            fn reregister(
                &mut self,
                registry: &$crate::Registry,
                token: $crate::Token,
                interest: $crate::Interest,
                trigger: $crate::Trigger,
            ) -> ::std::io::Result<()> {
                let $this = &*self;
                registry
                    .selector()
                    .reregister($fd, token, interest, trigger)
            }

            fn deregister(&mut self, registry: &$crate::Registry) -> ::std::io::Result<()> {
                let $this = &*self;
                registry.selector().deregister($fd)
            }
        }
    };
}
