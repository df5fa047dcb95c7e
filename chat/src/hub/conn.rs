//! Connection ids, and the cheap hash used to index sessions by them.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// Names one connection for the lifetime of a server process.
///
/// The server picks the ids (a counter is enough) and must never reuse one:
/// the hub ignores events for ids it has forgotten, so a reused id could
/// otherwise receive a stale connection's events.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl ConnId {
    /// The id a server's connection table gives the `serial`th connection
    /// it stores in `slot`: `serial << 32 | slot`. The slot finds the
    /// connection by indexing; the serial tells a reused slot from the
    /// connection that had it before.
    ///
    /// ```
    /// use chat::hub::ConnId;
    ///
    /// let id = ConnId::new(7, 3);
    /// assert_eq!(id.slot(), 3);
    /// assert_ne!(id, ConnId::new(8, 3));
    /// ```
    pub fn new(serial: u32, slot: usize) -> ConnId {
        debug_assert!(slot <= u32::MAX as usize, "slot {slot} out of range");
        ConnId((u64::from(serial) << 32) | (slot as u64 & 0xFFFF_FFFF))
    }

    /// The slot of an id made by [`ConnId::new`].
    pub fn slot(self) -> usize {
        (self.0 & 0xFFFF_FFFF) as usize
    }
}

impl fmt::Debug for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnId({})", self.0)
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A map keyed by [`ConnId`] with a multiplicative hash instead of SipHash.
///
/// SipHash defends against attacker-chosen keys; connection ids are chosen
/// by the server, so a single multiply (Fibonacci hashing: the 64-bit
/// golden ratio spreads consecutive ids over the high bits the table uses)
/// is enough and keeps the per-message session lookup cheap.
pub(super) type ConnMap<V> = HashMap<ConnId, V, BuildHasherDefault<ConnHasher>>;

/// The [`Hasher`] behind [`ConnMap`]; only ever fed one `u64`.
#[derive(Default)]
pub(super) struct ConnHasher(u64);

impl Hasher for ConnHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by `ConnId` (it hashes through `write_u64`), but correct
        // for any input: fold the bytes in one at a time.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
