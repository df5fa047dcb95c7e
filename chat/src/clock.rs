//! The wall clock, read in one place.
//!
//! The [`hub`](crate::hub) never reads a clock: the servers pass the time in
//! with every message, as UNIX milliseconds, and the hub stamps it on
//! `Message` and `Whispered` (`time_ms`, PROTOCOL.md section 4). This module
//! is where the servers (and the tests that check `time_ms`) get that
//! number.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current UNIX time in milliseconds.
///
/// A clock set before 1970 reads as `0` rather than failing: `time_ms` is
/// informational and a server must not stop over it.
///
/// ```
/// // 2020-01-01 in UNIX ms; any working clock is past it.
/// assert!(chat::clock::unix_ms() > 1_577_836_800_000);
/// ```
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
