//! When to try the server again after the connection dropped.
//!
//! A client that reconnects at a fixed pace turns a server restart into a
//! stampede: every client retries at the same instants. [`Backoff`] spaces
//! the attempts out exponentially and spreads them with jitter:
//!
//! ```text
//!  attempt     1      2      3      4       5       6       7 ...
//!  ceiling     1 s    2 s    4 s    8 s     16 s    32 s    60 s (capped)
//!  delay       uniformly in [ceiling / 2, ceiling]
//! ```
//!
//! Half of each ceiling is kept so that the wait still grows, and the other
//! half is random so that clients dropped together drift apart. A
//! successful `Welcome` [resets](Backoff::reset) the sequence.
//!
//! The randomness is a xorshift64 generator seeded by the caller (the I/O
//! loop mixes the clock and the process id), so tests are deterministic.
//! Nothing here reads the clock: the caller passes `now` and gets back the
//! instant of the next attempt.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use chat::client::reconnect::Backoff;
//!
//! let now = Instant::now();
//! let mut backoff = Backoff::new(42);
//! let first = backoff.next_attempt(now) - now;
//! assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
//! for _ in 0..20 {
//!     backoff.next_attempt(now);
//! }
//! let late = backoff.next_attempt(now) - now;
//! assert!(late >= Duration::from_secs(30) && late <= Duration::from_secs(60));
//! ```

use std::time::{Duration, Instant};

/// The first ceiling.
pub const FIRST: Duration = Duration::from_secs(1);
/// The largest ceiling.
pub const MAX: Duration = Duration::from_secs(60);

/// Exponential backoff with jitter. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Attempts scheduled since the last reset.
    attempts: u32,
    /// xorshift64 state, never zero.
    rng: u64,
}

impl Backoff {
    /// A backoff whose jitter comes from `seed` (any value; zero is
    /// replaced, since xorshift cannot leave zero).
    pub fn new(seed: u64) -> Backoff {
        Backoff {
            attempts: 0,
            rng: if seed == 0 {
                0x9e37_79b9_7f4a_7c15
            } else {
                seed
            },
        }
    }

    /// How many attempts were scheduled since the last success.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The ceiling of attempt number `attempt` (1-based): 1 s doubling,
    /// capped at [`MAX`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use chat::client::reconnect::Backoff;
    ///
    /// assert_eq!(Backoff::ceiling(1), Duration::from_secs(1));
    /// assert_eq!(Backoff::ceiling(4), Duration::from_secs(8));
    /// assert_eq!(Backoff::ceiling(7), Duration::from_secs(60));
    /// assert_eq!(Backoff::ceiling(1000), Duration::from_secs(60));
    /// ```
    pub fn ceiling(attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        (FIRST * (1u32 << doublings)).min(MAX)
    }

    /// Schedules the next attempt: `now` plus a delay drawn uniformly from
    /// `[ceiling / 2, ceiling]`.
    pub fn next_attempt(&mut self, now: Instant) -> Instant {
        self.attempts = self.attempts.saturating_add(1);
        let ceiling = Self::ceiling(self.attempts).as_millis() as u64;
        let half = ceiling / 2;
        let jitter = self.next_random() % (ceiling - half + 1);
        now + Duration::from_millis(half + jitter)
    }

    /// The connection is up again: the next drop starts from 1 s.
    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// xorshift64 (Marsaglia, "Xorshift RNGs", 2003), shifts 13, 7, 17.
    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_their_jitter_band_and_cap() {
        let now = Instant::now();
        for seed in [0, 1, 7, u64::MAX] {
            let mut b = Backoff::new(seed);
            for attempt in 1..=12u32 {
                let delay = b.next_attempt(now) - now;
                let ceiling = Backoff::ceiling(attempt);
                assert!(delay <= ceiling, "seed {seed} attempt {attempt}: {delay:?}");
                assert!(
                    delay >= ceiling / 2,
                    "seed {seed} attempt {attempt}: {delay:?}"
                );
                assert_eq!(b.attempts(), attempt);
            }
        }
    }

    #[test]
    fn jitter_spreads_clients() {
        let now = Instant::now();
        let delays: Vec<Duration> = (1..=20u64)
            .map(|seed| {
                let mut b = Backoff::new(seed * 0x1234_5678_9abc);
                b.next_attempt(now);
                b.next_attempt(now);
                b.next_attempt(now) - now
            })
            .collect();
        let mut distinct = delays.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 10, "{delays:?}");
    }

    #[test]
    fn reset_starts_over() {
        let now = Instant::now();
        let mut b = Backoff::new(3);
        for _ in 0..5 {
            b.next_attempt(now);
        }
        b.reset();
        assert_eq!(b.attempts(), 0);
        assert!(b.next_attempt(now) - now <= FIRST);
    }
}
