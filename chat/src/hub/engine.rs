//! [`Engine`]: what a server drives, whether the chat lives in this
//! process or is shared through a cluster.

use super::{ConnId, Frame, Hub, Outbox, SessionState};
use crate::protocol::{ClientMsg, ErrorCode};

/// The inputs a server hands to the chat's state machine and the few
/// questions it asks it: [`Hub`]'s own inputs, as a trait, so that a
/// server can drive either the single-process hub or a cluster node
/// ([`crate::cluster::node::Node`]) with the same code.
///
/// Each method has the contract of the [`Hub`] method of the same name.
/// An engine may answer some requests later than the call (a cluster node
/// waits for Redis); it still answers each connection's requests in the
/// order they came.
pub trait Engine {
    /// See [`Hub::handle_connect`].
    fn handle_connect(&mut self, conn: ConnId, out: &mut Outbox) -> bool;
    /// See [`Hub::handle_message`].
    fn handle_message(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox);
    /// See [`Hub::handle_decode_error`].
    fn handle_decode_error(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox);
    /// See [`Hub::handle_hello_timeout`].
    fn handle_hello_timeout(&mut self, conn: ConnId, out: &mut Outbox);
    /// See [`Hub::handle_slow_consumer`].
    fn handle_slow_consumer(&mut self, conn: ConnId, out: &mut Outbox);
    /// See [`Hub::handle_disconnect`].
    fn handle_disconnect(&mut self, conn: ConnId, out: &mut Outbox);
    /// See [`Hub::handle_shutdown`].
    fn handle_shutdown(&mut self, out: &mut Outbox);
    /// See [`Hub::state`].
    fn state(&self, conn: ConnId) -> Option<SessionState>;
    /// See [`Hub::error_frame`].
    fn error_frame(&self, code: ErrorCode) -> Frame;

    /// Whether the engine takes more messages from `conn` now. A server
    /// that hears `false` stops reading that connection (its bytes wait in
    /// the socket, and TCP slows the client down) until the engine lists
    /// it in [`take_resumed`](Engine::take_resumed). The hub answers every
    /// message at once, so it always says `true`; a cluster node says
    /// `false` while it holds many of a client's messages for Redis.
    fn accepts_input(&self, conn: ConnId) -> bool {
        let _ = conn;
        true
    }

    /// Moves into `into` the connections that were refused input and take
    /// it again.
    fn take_resumed(&mut self, into: &mut Vec<ConnId>) {
        let _ = into;
    }
}

impl Engine for Hub {
    fn handle_connect(&mut self, conn: ConnId, out: &mut Outbox) -> bool {
        Hub::handle_connect(self, conn, out)
    }
    fn handle_message(&mut self, conn: ConnId, msg: ClientMsg, now_ms: u64, out: &mut Outbox) {
        Hub::handle_message(self, conn, msg, now_ms, out)
    }
    fn handle_decode_error(&mut self, conn: ConnId, code: ErrorCode, out: &mut Outbox) {
        Hub::handle_decode_error(self, conn, code, out)
    }
    fn handle_hello_timeout(&mut self, conn: ConnId, out: &mut Outbox) {
        Hub::handle_hello_timeout(self, conn, out)
    }
    fn handle_slow_consumer(&mut self, conn: ConnId, out: &mut Outbox) {
        Hub::handle_slow_consumer(self, conn, out)
    }
    fn handle_disconnect(&mut self, conn: ConnId, out: &mut Outbox) {
        Hub::handle_disconnect(self, conn, out)
    }
    fn handle_shutdown(&mut self, out: &mut Outbox) {
        Hub::handle_shutdown(self, out)
    }
    fn state(&self, conn: ConnId) -> Option<SessionState> {
        Hub::state(self, conn)
    }
    fn error_frame(&self, code: ErrorCode) -> Frame {
        Hub::error_frame(self, code)
    }
}
