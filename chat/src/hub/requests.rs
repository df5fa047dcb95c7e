//! The requests of a client (PROTOCOL.md sections 4 and 5.2 to 5.4), one
//! method each, checks in the precedence order of section 4:
//!
//! ```text
//!   VersionUnsupported (Hello)
//!   -> a name breaking the naming rule: BadNick, BadRoom
//!   -> BadText
//!   -> state checks: NickTaken, AlreadyInRoom, TooManyRooms,
//!                    NotInRoom, NoSuchRoom, NoSuchUser
//! ```
//!
//! Readings of the text, where a choice had to be made:
//!
//! - `Whisper.to` is not checked against the naming rule: section 4 says an
//!   invalid nick "is never connected", so it gets `NoSuchUser`, a state
//!   check, after `BadText`. `Whisper { to: "no such!", text: "" }` is
//!   therefore `BadText`.
//! - `Say` to a room that does not exist is `NotInRoom` (`NoSuchRoom` is
//!   for `ListUsers` only).
//! - A `Nick` equal to the current nick, or a case variant of it, is not
//!   `NickTaken`: the nick belongs to the renamer (section 5.1).

use std::borrow::Cow;

use super::dispatch::Requests;
use super::listing::{self, ROOMS_FIXED};
use super::names::{cmp_folded, Folded};
use super::room::Room;
use super::session::{Member, Session};
use super::{ConnId, Frame, Hub, Outbox};
use crate::protocol::{
    is_valid_text, ErrorCode, RoomInfoRef, ServerMsgRef, LOBBY, MAX_ROOMS_PER_CLIENT,
    PROTOCOL_VERSION,
};

impl Requests for Hub {
    /// Nothing more is sent to a client that said `Bye`.
    fn bye(&mut self, conn: ConnId, out: &mut Outbox) {
        out.close(conn);
        self.depart(conn, out);
    }

    fn unexpected(&mut self, conn: ConnId, out: &mut Outbox) {
        self.fatal(conn, ErrorCode::Unexpected, out)
    }

    /// `Hello` from a connection not yet welcomed (section 5.2).
    fn hello(&mut self, conn: ConnId, version: u32, nick: String, out: &mut Outbox) {
        if version != PROTOCOL_VERSION {
            return self.fatal(conn, ErrorCode::VersionUnsupported, out);
        }
        let Some(key) = Folded::new(&nick) else {
            return self.refuse(conn, ErrorCode::BadNick, out);
        };
        if self.nicks.contains_key(key.as_str()) {
            return self.refuse(conn, ErrorCode::NickTaken, out);
        }
        self.nicks.insert(key.as_str().to_owned(), conn);
        let welcome = ServerMsgRef::Welcome {
            version: PROTOCOL_VERSION,
            nick: &nick,
            server: &self.config.server,
        };
        out.send(conn, Frame::encode_into(&mut self.scratch, &welcome));
        self.sessions
            .insert(conn, Session::Welcomed(Member::new(nick)));
        // "exactly as if it had sent Join { room: "lobby" }"
        self.join(conn, LOBBY, out);
    }

    /// `Say`: the hot path. One lookup of the session, one of the room, one
    /// encode, then one reference-count bump per member.
    fn say(&mut self, conn: ConnId, room: &str, text: &str, now_ms: u64, out: &mut Outbox) {
        let Some(Session::Welcomed(member)) = self.sessions.get(&conn) else {
            return;
        };
        let Some(key) = Folded::new(room) else {
            return self.refuse(conn, ErrorCode::BadRoom, out);
        };
        if !is_valid_text(text) {
            return self.refuse(conn, ErrorCode::BadText, out);
        }
        if !member.is_in(key.as_str()) {
            return self.refuse(conn, ErrorCode::NotInRoom, out);
        }
        let Some(room) = self.rooms.get_mut(key.as_str()) else {
            return; // invariant: a member's rooms exist
        };
        let seq = room.next_seq();
        let message = ServerMsgRef::Message {
            room: &room.name,
            from: &member.nick,
            text,
            seq,
            time_ms: now_ms,
        };
        let frame = Frame::encode_into(&mut self.scratch, &message);
        out.broadcast(&room.members, &frame);
        room.record(frame);
    }

    /// `Join` (section 5.3): history to the joiner, then `Joined` to every
    /// member, the joiner included.
    fn join(&mut self, conn: ConnId, room: &str, out: &mut Outbox) {
        let Some(Session::Welcomed(member)) = self.sessions.get_mut(&conn) else {
            return;
        };
        let Some(key) = Folded::new(room) else {
            return out.send(conn, self.errors[ErrorCode::BadRoom as usize].clone());
        };
        let refusal = if member.is_in(key.as_str()) {
            Some(ErrorCode::AlreadyInRoom)
        } else if member.rooms.len() >= MAX_ROOMS_PER_CLIENT {
            Some(ErrorCode::TooManyRooms)
        } else {
            None
        };
        if let Some(code) = refusal {
            return out.send(conn, self.errors[code as usize].clone());
        }
        if !self.rooms.contains_key(key.as_str()) {
            let new = Room::new(key.as_str());
            self.rooms.insert(new.name.clone(), new);
        }
        let Some(room) = self.rooms.get_mut(key.as_str()) else {
            return; // just inserted
        };
        room.members.push(conn);
        member.rooms.push(room.name.clone());
        for frame in room.history() {
            out.send(conn, frame.clone());
        }
        let joined = ServerMsgRef::Joined {
            room: &room.name,
            nick: &member.nick,
        };
        let frame = Frame::encode_into(&mut self.scratch, &joined);
        out.broadcast(&room.members, &frame);
    }

    /// `Leave` (section 5.3): `Left` to every member, the leaver included,
    /// then the leaver is removed; an empty room is deleted with its history.
    fn leave(&mut self, conn: ConnId, room: &str, out: &mut Outbox) {
        let Some(Session::Welcomed(member)) = self.sessions.get_mut(&conn) else {
            return;
        };
        let Some(key) = Folded::new(room) else {
            return out.send(conn, self.errors[ErrorCode::BadRoom as usize].clone());
        };
        if !member.is_in(key.as_str()) {
            return out.send(conn, self.errors[ErrorCode::NotInRoom as usize].clone());
        }
        let Some(room) = self.rooms.get_mut(key.as_str()) else {
            return; // invariant: a member's rooms exist
        };
        let left = ServerMsgRef::Left {
            room: &room.name,
            nick: &member.nick,
        };
        let frame = Frame::encode_into(&mut self.scratch, &left);
        out.broadcast(&room.members, &frame);
        room.remove_member(conn);
        member.forget_room(key.as_str());
        if room.members.is_empty() {
            self.rooms.remove(key.as_str());
        }
    }

    /// `Whisper` (section 5.3): `Whispered` to the recipient, then to the
    /// sender unless it whispered to itself.
    fn whisper(&mut self, conn: ConnId, to: &str, text: &str, now_ms: u64, out: &mut Outbox) {
        let Some(Session::Welcomed(sender)) = self.sessions.get(&conn) else {
            return;
        };
        if !is_valid_text(text) {
            return self.refuse(conn, ErrorCode::BadText, out);
        }
        let target = Folded::new(to).and_then(|key| self.nicks.get(key.as_str()).copied());
        let recipient = target.and_then(|id| match self.sessions.get(&id) {
            Some(Session::Welcomed(m)) => Some((id, m)),
            _ => None,
        });
        let Some((to_conn, recipient)) = recipient else {
            return self.refuse(conn, ErrorCode::NoSuchUser, out);
        };
        let whispered = ServerMsgRef::Whispered {
            from: &sender.nick,
            to: &recipient.nick,
            text,
            time_ms: now_ms,
        };
        let frame = Frame::encode_into(&mut self.scratch, &whispered);
        if to_conn != conn {
            out.send(to_conn, frame.clone());
        }
        out.send(conn, frame);
    }

    /// `Nick` (section 5.3): `Renamed` once to the renamer and to every
    /// client sharing a room with it.
    fn rename(&mut self, conn: ConnId, nick: String, out: &mut Outbox) {
        let Some(Session::Welcomed(member)) = self.sessions.get(&conn) else {
            return;
        };
        let Some(new_key) = Folded::new(&nick) else {
            return self.refuse(conn, ErrorCode::BadNick, out);
        };
        if matches!(self.nicks.get(new_key.as_str()), Some(&owner) if owner != conn) {
            return self.refuse(conn, ErrorCode::NickTaken, out);
        }
        // Everyone who shares a room, once each, and the renamer.
        self.peers.clear();
        self.peers.push(conn);
        for name in &member.rooms {
            if let Some(room) = self.rooms.get(&**name) {
                self.peers.extend_from_slice(&room.members);
            }
        }
        self.peers.sort_unstable();
        self.peers.dedup();
        let renamed = ServerMsgRef::Renamed {
            old: &member.nick,
            new: &nick,
        };
        let frame = Frame::encode_into(&mut self.scratch, &renamed);
        out.broadcast(&self.peers, &frame);
        // Re-key the nick unless only its case changed (then the folded key,
        // and so the map, stay as they are).
        let old_key = Folded::new(&member.nick);
        if old_key.as_ref().map(Folded::as_str) != Some(new_key.as_str()) {
            if let Some(old_key) = old_key {
                self.nicks.remove(old_key.as_str());
            }
            self.nicks.insert(new_key.as_str().to_owned(), conn);
        }
        if let Some(Session::Welcomed(member)) = self.sessions.get_mut(&conn) {
            member.nick = nick;
        }
    }

    /// `ListRooms`: every room with its member count, sorted by name, cut
    /// to fit one frame.
    fn list_rooms(&mut self, conn: ConnId, out: &mut Outbox) {
        let mut rooms: Vec<RoomInfoRef<'_>> = self
            .rooms
            .values()
            .map(|room| RoomInfoRef {
                name: &room.name,
                members: room.member_count(),
            })
            .collect();
        rooms.sort_unstable_by(|a, b| a.name.cmp(b.name));
        let sizes = rooms
            .iter()
            .map(|room| listing::room_entry_len(room.name, room.members));
        let fit = listing::fitting(ROOMS_FIXED, sizes, self.frame_limit);
        let reply = ServerMsgRef::Rooms {
            rooms: Cow::Borrowed(&rooms[..fit]),
        };
        out.send(conn, Frame::encode_into(&mut self.scratch, &reply));
    }

    /// `ListUsers`: the nicks of a room sorted by ASCII-lowercased nick, cut
    /// to fit one frame. The asker need not be a member.
    fn list_users(&mut self, conn: ConnId, room: &str, out: &mut Outbox) {
        let Some(key) = Folded::new(room) else {
            return self.refuse(conn, ErrorCode::BadRoom, out);
        };
        let Some(room) = self.rooms.get(key.as_str()) else {
            return self.refuse(conn, ErrorCode::NoSuchRoom, out);
        };
        let mut nicks: Vec<&str> = room
            .members
            .iter()
            .filter_map(|id| match self.sessions.get(id) {
                Some(Session::Welcomed(m)) => Some(m.nick.as_str()),
                _ => None,
            })
            .collect();
        nicks.sort_unstable_by(|a, b| cmp_folded(a, b));
        let sizes = nicks.iter().map(|nick| listing::str_len(nick));
        let fit = listing::fitting(listing::users_fixed(&room.name), sizes, self.frame_limit);
        let reply = ServerMsgRef::Users {
            room: &room.name,
            nicks: Cow::Borrowed(&nicks[..fit]),
        };
        out.send(conn, Frame::encode_into(&mut self.scratch, &reply));
    }

    /// `Ping`: `Pong` with the same nonce, in order with the other replies.
    fn ping(&mut self, conn: ConnId, nonce: u64, out: &mut Outbox) {
        out.send(
            conn,
            Frame::encode_into(&mut self.scratch, &ServerMsgRef::Pong { nonce }),
        );
    }
}
