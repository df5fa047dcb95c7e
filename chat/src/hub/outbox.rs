//! [`Outbox`]: what one step of the hub asks the server to do.

use std::vec::Drain;

use super::{ConnId, Frame};

/// One frame for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The connection to send it to.
    pub to: ConnId,
    /// The encoded frame (shared with the other recipients of a broadcast).
    pub frame: Frame,
}

/// The output of the hub: frames to send and connections to close.
///
/// The caller owns one `Outbox` and passes it to every `handle_*` call; the
/// hub only **appends**, so the vectors keep their capacity and a steady
/// state step allocates nothing for its output. Empty it after each step
/// (or after a batch of steps) with [`drain_deliveries`](Outbox::drain_deliveries)
/// and [`drain_closes`](Outbox::drain_closes), or [`clear`](Outbox::clear).
///
/// How a server applies it:
///
/// 1. Queue every [`Delivery`] on its connection, **in order**. The order of
///    the deliveries is the protocol's order: all members of a room see its
///    events in the same order only if each connection's frames are queued
///    in the order they appear here, and steps are applied in the order
///    they were taken (a threaded server applies the outbox before it
///    releases the hub's lock).
/// 2. Then, for each connection in [`closes`](Outbox::closes): flush what is
///    queued for it as far as the socket takes it without blocking, and
///    close it. The hub has already forgotten these connections; it ignores
///    any further event about them.
///
/// A delivery to a connection the server no longer has (it closed in the
/// meantime) is simply dropped.
#[derive(Debug, Default)]
pub struct Outbox {
    deliveries: Vec<Delivery>,
    closes: Vec<ConnId>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Outbox {
        Outbox::default()
    }

    /// The frames to send, in order.
    pub fn deliveries(&self) -> &[Delivery] {
        &self.deliveries
    }

    /// The connections to close once their queued frames are flushed.
    pub fn closes(&self) -> &[ConnId] {
        &self.closes
    }

    /// Whether there is nothing to send and nothing to close.
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.closes.is_empty()
    }

    /// Takes the deliveries out in order, keeping the vector's capacity.
    pub fn drain_deliveries(&mut self) -> Drain<'_, Delivery> {
        self.deliveries.drain(..)
    }

    /// Takes the connections to close out, keeping the vector's capacity.
    pub fn drain_closes(&mut self) -> Drain<'_, ConnId> {
        self.closes.drain(..)
    }

    /// Forgets everything, keeping the capacity.
    pub fn clear(&mut self) {
        self.deliveries.clear();
        self.closes.clear();
    }

    /// Appends one delivery.
    pub(crate) fn send(&mut self, to: ConnId, frame: Frame) {
        self.deliveries.push(Delivery { to, frame });
    }

    /// Appends the same frame for each connection of `to`, in order.
    pub(crate) fn broadcast(&mut self, to: &[ConnId], frame: &Frame) {
        self.deliveries.reserve(to.len());
        self.deliveries.extend(to.iter().map(|&to| Delivery {
            to,
            frame: frame.clone(),
        }));
    }

    /// Sends `frame` to each of `conns` and lists each to close, in id
    /// order: how a server that stops lets everyone go.
    pub(crate) fn send_and_close_all(&mut self, mut conns: Vec<ConnId>, frame: &Frame) {
        conns.sort_unstable();
        for conn in conns {
            self.send(conn, frame.clone());
            self.close(conn);
        }
    }

    /// Appends a connection to close.
    pub(crate) fn close(&mut self, conn: ConnId) {
        self.closes.push(conn);
    }
}
