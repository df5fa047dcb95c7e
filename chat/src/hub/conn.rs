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
