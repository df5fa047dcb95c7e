//! [`dispatch`]: which request a message is in which session state, for
//! the hub and for the cluster node alike.

use super::{ConnId, Outbox};
use crate::protocol::ClientMsg;

/// The requests of PROTOCOL.md section 4 as an engine handles them, one
/// method each. What a request may do in which state is [`dispatch`]'s,
/// written once.
pub(crate) trait Requests {
    /// `Bye`, in any state.
    fn bye(&mut self, conn: ConnId, out: &mut Outbox);
    /// A message not allowed in the state: anything but `Hello` and `Bye`
    /// before `Welcome`, or a `Hello` after it (`Unexpected`, fatal).
    fn unexpected(&mut self, conn: ConnId, out: &mut Outbox);
    /// `Hello`, before `Welcome`.
    fn hello(&mut self, conn: ConnId, version: u32, nick: String, out: &mut Outbox);
    /// `Say`.
    fn say(&mut self, conn: ConnId, room: &str, text: &str, now_ms: u64, out: &mut Outbox);
    /// `Join`.
    fn join(&mut self, conn: ConnId, room: &str, out: &mut Outbox);
    /// `Leave`.
    fn leave(&mut self, conn: ConnId, room: &str, out: &mut Outbox);
    /// `Whisper`.
    fn whisper(&mut self, conn: ConnId, to: &str, text: &str, now_ms: u64, out: &mut Outbox);
    /// `Nick`.
    fn rename(&mut self, conn: ConnId, nick: String, out: &mut Outbox);
    /// `ListRooms`.
    fn list_rooms(&mut self, conn: ConnId, out: &mut Outbox);
    /// `ListUsers`.
    fn list_users(&mut self, conn: ConnId, room: &str, out: &mut Outbox);
    /// `Ping`.
    fn ping(&mut self, conn: ConnId, nonce: u64, out: &mut Outbox);
}

/// Routes `msg` from `conn` to its request: before `Welcome` only `Hello`
/// and `Bye` are allowed; after it, everything but `Hello`.
pub(crate) fn dispatch<R: Requests>(
    engine: &mut R,
    welcomed: bool,
    conn: ConnId,
    msg: ClientMsg,
    now_ms: u64,
    out: &mut Outbox,
) {
    match (welcomed, msg) {
        (_, ClientMsg::Bye) => engine.bye(conn, out),
        (false, ClientMsg::Hello { version, nick }) => engine.hello(conn, version, nick, out),
        // Reading: `Unexpected` gates the message before any of its fields
        // are looked at, so a second Hello with a bad version is
        // `Unexpected`, not `VersionUnsupported`.
        (false, _) | (true, ClientMsg::Hello { .. }) => engine.unexpected(conn, out),
        (true, ClientMsg::Say { room, text }) => engine.say(conn, &room, &text, now_ms, out),
        (true, ClientMsg::Join { room }) => engine.join(conn, &room, out),
        (true, ClientMsg::Leave { room }) => engine.leave(conn, &room, out),
        (true, ClientMsg::Whisper { to, text }) => engine.whisper(conn, &to, &text, now_ms, out),
        (true, ClientMsg::Nick { nick }) => engine.rename(conn, nick, out),
        (true, ClientMsg::ListRooms) => engine.list_rooms(conn, out),
        (true, ClientMsg::ListUsers { room }) => engine.list_users(conn, &room, out),
        (true, ClientMsg::Ping { nonce }) => engine.ping(conn, nonce, out),
    }
}
