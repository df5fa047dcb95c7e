//! An I/O object registered with the reactor: the sys socket plus its
//! readiness, deregistered on drop.

use std::io;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::scheduled_io::{Direction, ScheduledIo};
use crate::runtime::Handle;

/// A `sys` source registered with the current runtime's reactor.
#[derive(Debug)]
pub(crate) struct PollEvented<S: sys::Source> {
    source: Option<S>,
    token: sys::Token,
    io: Arc<ScheduledIo>,
    handle: Handle,
}

impl<S: sys::Source> PollEvented<S> {
    /// Registers `source` (read and write interest, edge-triggered).
    pub(crate) fn new(mut source: S) -> io::Result<PollEvented<S>> {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        let (token, io) = handle.shared().io.add_source(&mut source)?;
        Ok(PollEvented {
            source: Some(source),
            token,
            io,
            handle,
        })
    }

    /// The registered source.
    pub(crate) fn get_ref(&self) -> &S {
        self.source.as_ref().expect("source present until drop")
    }

    /// Runs `op` until it stops saying `WouldBlock`, waiting for `dir`
    /// readiness in between.
    pub(crate) fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_drained(dir, cx, op, |_| false)
    }

    /// Like [`poll_io`](Self::poll_io), but also forgets the readiness when
    /// `drained(&result)` says the operation emptied the socket (a short
    /// read or write): the next operation then waits for a new event instead
    /// of spending a syscall to learn `WouldBlock`. Safe with edge-triggered
    /// registration: data arriving later produces a new event, and a newer
    /// event is never cleared (the tick check).
    pub(crate) fn poll_io_drained<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = ready!(self.io.poll_ready(dir, cx))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_readiness(event);
                }
                Ok(r) => {
                    if drained(&r) {
                        self.io.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(r));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Waits for `dir` readiness without doing anything.
    pub(crate) fn poll_ready(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(dir, cx).map_ok(|_| ())
    }
}

impl<S: sys::Source> Drop for PollEvented<S> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            self.handle
                .shared()
                .io
                .remove_source(&mut source, self.token);
        }
    }
}
