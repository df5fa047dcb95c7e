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
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = ready!(self.io.poll_ready(dir, cx))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_readiness(event);
                }
                result => return Poll::Ready(result),
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
