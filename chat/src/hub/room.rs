//! One room: members in join order, the per-room `seq`, the history.

use std::collections::VecDeque;
use std::sync::Arc;

use super::{ConnId, Frame};
use crate::protocol::HISTORY_LEN;

/// A room exists while it has members (PROTOCOL.md section 5.3).
#[derive(Debug)]
pub(super) struct Room {
    /// The lowercase name, shared with each member's list of rooms.
    pub(super) name: Arc<str>,
    /// Members in join order: a broadcast walks this vector.
    pub(super) members: Vec<ConnId>,
    /// The last [`HISTORY_LEN`] `Message` frames, oldest first, exactly as sent.
    history: VecDeque<Frame>,
    /// `seq` of the last `Message`; 0 before the first.
    last_seq: u64,
}

impl Room {
    /// An empty room named `name` (already lowercase).
    pub(super) fn new(name: &str) -> Room {
        Room {
            name: Arc::from(name),
            members: Vec::new(),
            history: VecDeque::new(),
            last_seq: 0,
        }
    }

    /// Takes the next `seq`: 1 for the first message of the room.
    pub(super) fn next_seq(&mut self) -> u64 {
        self.last_seq += 1;
        self.last_seq
    }

    /// Remembers a `Message` frame, dropping the oldest beyond [`HISTORY_LEN`].
    pub(super) fn record(&mut self, frame: Frame) {
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back(frame);
    }

    /// The history, oldest first.
    pub(super) fn history(&self) -> impl Iterator<Item = &Frame> {
        self.history.iter()
    }

    /// Removes `conn` from the members, keeping join order.
    pub(super) fn remove_member(&mut self, conn: ConnId) {
        if let Some(i) = self.members.iter().position(|&m| m == conn) {
            self.members.remove(i);
        }
    }

    /// Number of members, as `RoomInfo.members` carries it.
    pub(super) fn member_count(&self) -> u32 {
        u32::try_from(self.members.len()).unwrap_or(u32::MAX)
    }
}
