//! A FIFO timer queue for timeouts that all have the same length:
//! `event_server` keeps two, one for hello deadlines (`--hello-timeout-ms`
//! from accept) and one for linger deadlines
//! ([`LINGER`](crate::server::lifecycle::LINGER) from the close).
//!
//! Every entry of one queue has the same length from the moment it is
//! pushed, so entries are pushed in the order they expire. That makes a
//! plain queue a correct timer structure: the front is always the nearest
//! deadline, `push` and `pop` are O(1), and nothing needs sorting (a heap
//! would cost O(log n) per operation; a timer wheel pays off only for mixed
//! durations).
//!
//! ```text
//!   push(now + T) ─►  [ t1 | t2 | t3 | ... ]  ─► front = next to expire
//!                      t1 <= t2 <= t3            poll timeout = front - now
//! ```
//!
//! Cancellation is lazy: when a connection says `Hello`, or finishes its
//! close, or goes away, its entry stays in the queue; the server drops such
//! stale entries from the front before it computes its poll timeout, and
//! hands an expired one to the connection's
//! [`Lifecycle::handle_timeout`](crate::server::lifecycle::Lifecycle::handle_timeout),
//! which ignores it. So an idle server has nothing left at the front of
//! either queue and sleeps without a timeout: no periodic wake-ups. Nor does
//! a queue need sweeping: every entry leaves when its deadline passes, so it
//! never holds more than the connections accepted (or closed) within one
//! timeout.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A queue of `(deadline, key)` pairs pushed in deadline order.
#[derive(Debug)]
pub struct Deadlines<K> {
    queue: VecDeque<(Instant, K)>,
}

impl<K> Default for Deadlines<K> {
    fn default() -> Self {
        Deadlines {
            queue: VecDeque::new(),
        }
    }
}

impl<K> Deadlines<K> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a deadline. Deadlines must be pushed in non-decreasing order
    /// (true when they are `now + constant` on a monotonic clock); an earlier
    /// one is moved back to the last deadline so the queue stays ordered: it
    /// may fire late, never early.
    pub fn push(&mut self, deadline: Instant, key: K) {
        let deadline = match self.queue.back() {
            Some(&(last, _)) if deadline < last => last,
            _ => deadline,
        };
        self.queue.push_back((deadline, key));
    }

    /// Removes and returns the next key whose deadline is at or before `now`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<K> {
        match self.queue.front() {
            Some(&(deadline, _)) if deadline <= now => self.queue.pop_front().map(|(_, k)| k),
            _ => None,
        }
    }

    /// The key of the nearest deadline, expired or not.
    pub fn peek(&self) -> Option<&K> {
        self.queue.front().map(|(_, k)| k)
    }

    /// Removes the nearest deadline whether it expired or not (a cancelled
    /// entry the caller recognised with [`peek`](Self::peek)).
    pub fn pop(&mut self) -> Option<K> {
        self.queue.pop_front().map(|(_, k)| k)
    }

    /// How long until the next deadline, for a poll timeout: `None` when the
    /// queue is empty (sleep until I/O), zero when one has already passed.
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        self.queue
            .front()
            .map(|&(deadline, _)| deadline.saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_order_and_never_early() {
        let t0 = Instant::now();
        let mut d = Deadlines::new();
        assert_eq!(d.timeout(t0), None);
        d.push(t0 + Duration::from_millis(10), 1);
        d.push(t0 + Duration::from_millis(20), 2);
        assert_eq!(d.timeout(t0), Some(Duration::from_millis(10)));
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(9)), None);
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(10)), Some(1));
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(10)), None);
        assert_eq!(
            d.timeout(t0 + Duration::from_millis(30)),
            Some(Duration::ZERO)
        );
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(30)), Some(2));
        assert!(d.peek().is_none());
    }

    #[test]
    fn an_out_of_order_push_keeps_the_queue_sorted() {
        let t0 = Instant::now();
        let mut d = Deadlines::new();
        d.push(t0 + Duration::from_millis(20), "late");
        d.push(t0 + Duration::from_millis(5), "early");
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(19)), None);
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(20)), Some("late"));
        assert_eq!(d.pop_expired(t0 + Duration::from_millis(20)), Some("early"));
    }
}
