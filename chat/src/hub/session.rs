//! One connection as the hub sees it: the state machine of the module docs.

use std::sync::Arc;

/// Where a connection is in its life (see the diagram in the [module docs](super)).
///
/// The third state, *Gone*, is the absence of a session:
/// [`Hub::state`](super::Hub::state) returns `None` for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Accepted, no `Hello` accepted yet: only `Hello` and `Bye` are allowed,
    /// and the hello timeout applies.
    Connected,
    /// `Welcome` sent: the connection has a nick and is in rooms.
    Welcomed,
}

/// The hub's record of one connection.
#[derive(Debug)]
pub(super) enum Session {
    /// See [`SessionState::Connected`].
    Connected,
    /// See [`SessionState::Welcomed`].
    Welcomed(Member),
}

impl Session {
    /// The public name of this state.
    pub(super) fn state(&self) -> SessionState {
        match self {
            Session::Connected => SessionState::Connected,
            Session::Welcomed(_) => SessionState::Welcomed,
        }
    }
}

/// A welcomed connection: its nick and its rooms.
#[derive(Debug)]
pub(super) struct Member {
    /// The nick exactly as the client gave it (the case is kept).
    pub(super) nick: String,
    /// The rooms it is in, in join order, sharing the room's name
    /// allocation. At most [`MAX_ROOMS_PER_CLIENT`](crate::protocol::MAX_ROOMS_PER_CLIENT)
    /// entries, so a linear search is the fast way to ask "am I in it?".
    pub(super) rooms: Vec<Arc<str>>,
}

impl Member {
    /// A member with `nick` and no rooms yet.
    pub(super) fn new(nick: String) -> Member {
        Member {
            nick,
            rooms: Vec::new(),
        }
    }

    /// Whether it is in the room named `room` (lowercase).
    pub(super) fn is_in(&self, room: &str) -> bool {
        self.rooms.iter().any(|r| **r == *room)
    }

    /// Forgets the room named `room` (lowercase), keeping join order.
    pub(super) fn forget_room(&mut self, room: &str) {
        if let Some(i) = self.rooms.iter().position(|r| **r == *room) {
            self.rooms.remove(i);
        }
    }
}
