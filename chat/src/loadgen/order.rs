//! [`OrderCheck`]: did every client see the room in one order, and every
//! message exactly once?
//!
//! PROTOCOL.md 5.3 promises that all members of a room receive its
//! `Message`s in one order, with `seq` increasing by 1 from one to the
//! next, and that a member that stays and reads misses none. Each receiver
//! checks what it can on its own, as frames arrive:
//!
//! ```text
//!  receiver r:  Message seq=41 from s=3 counter=7   ─► seq == last_seq[r] + 1 ?
//!                                                    ─► counter == next[r][3] ?
//!                                                       next[r][3] = 8, count[r] += 1
//! ```
//!
//! and at the end [`finish`](OrderCheck::finish) checks the counts: every
//! receiver got exactly what every sender sent. Together with the
//! per-receiver `seq` chain this proves one order: if two receivers
//! disagreed on the position of a message, one of them would see a `seq`
//! gap or a repeated counter.
//!
//! ```
//! use chat::loadgen::order::OrderCheck;
//!
//! let mut check = OrderCheck::new(2, 2); // 2 receivers, 2 senders
//! for r in 0..2 {
//!     check.record(r, 10, 1, 0);
//!     check.record(r, 11, 0, 0);
//! }
//! assert!(check.finish(&[1, 1]).is_ok());
//!
//! let mut bad = OrderCheck::new(1, 1);
//! bad.record(0, 5, 0, 0);
//! bad.record(0, 7, 0, 1); // seq 6 is missing
//! assert_eq!(bad.finish(&[2]).unwrap_err(), "receiver 0: seq 7 after 5 (expected 6)");
//! ```

/// Running order and count checks for `receivers` clients reading the
/// messages of `senders` clients in one room.
#[derive(Debug, Clone)]
pub struct OrderCheck {
    senders: usize,
    /// The last `seq` each receiver saw.
    last_seq: Vec<Option<u64>>,
    /// `next[r * senders + s]`: the counter receiver `r` expects from `s`.
    next: Vec<u32>,
    /// Messages each receiver got.
    counts: Vec<u64>,
    /// The first violation, in words.
    first_error: Option<String>,
    /// How many violations in all.
    errors: u64,
}

impl OrderCheck {
    /// A check for `receivers` x `senders`.
    pub fn new(receivers: usize, senders: usize) -> OrderCheck {
        OrderCheck {
            senders,
            last_seq: vec![None; receivers],
            next: vec![0; receivers * senders],
            counts: vec![0; receivers],
            first_error: None,
            errors: 0,
        }
    }

    /// Messages `receiver` has got so far.
    #[inline]
    pub fn count(&self, receiver: usize) -> u64 {
        self.counts[receiver]
    }

    /// Violations seen so far.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// A `seq` that belongs to the room but not to this run (a message from
    /// a stranger): it still takes part in the `seq` chain.
    pub fn record_foreign(&mut self, receiver: usize, seq: u64) {
        self.check_seq(receiver, seq);
    }

    /// `receiver` got message `counter` of `sender`, numbered `seq` by the
    /// room.
    #[inline]
    pub fn record(&mut self, receiver: usize, seq: u64, sender: usize, counter: u32) {
        self.check_seq(receiver, seq);
        self.counts[receiver] += 1;
        if sender >= self.senders {
            self.fail(format!("receiver {receiver}: unknown sender {sender}"));
            return;
        }
        let at = receiver * self.senders + sender;
        let expected = self.next[at];
        self.next[at] = counter.wrapping_add(1);
        if counter != expected {
            self.fail(format!(
                "receiver {receiver}: counter {counter} from sender {sender} (expected {expected})"
            ));
        }
    }

    #[inline]
    fn check_seq(&mut self, receiver: usize, seq: u64) {
        if let Some(last) = self.last_seq[receiver] {
            if seq != last.wrapping_add(1) {
                self.fail(format!(
                    "receiver {receiver}: seq {seq} after {last} (expected {})",
                    last.wrapping_add(1)
                ));
            }
        }
        self.last_seq[receiver] = Some(seq);
    }

    fn fail(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    /// The verdict once every message is in: no violation along the way,
    /// and every receiver got exactly `sent[s]` messages from each sender
    /// `s`. The error names the first problem.
    pub fn finish(&self, sent: &[u32]) -> Result<(), String> {
        if let Some(e) = &self.first_error {
            return Err(e.clone());
        }
        let total: u64 = sent.iter().map(|&n| u64::from(n)).sum();
        for (r, &count) in self.counts.iter().enumerate() {
            if count != total {
                return Err(format!("receiver {r}: {count} messages (expected {total})"));
            }
            let row = &self.next[r * self.senders..(r + 1) * self.senders];
            if let Some(s) = (0..self.senders).find(|&s| row[s] != sent[s]) {
                return Err(format!(
                    "receiver {r}: {} messages from sender {s} (expected {})",
                    row[s], sent[s]
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_senders_in_one_order_verify() {
        let mut check = OrderCheck::new(3, 3);
        let order = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (2, 1)];
        for r in 0..3 {
            for (i, &(s, c)) in order.iter().enumerate() {
                check.record(r, 100 + i as u64, s, c);
            }
        }
        assert_eq!(check.finish(&[2, 2, 2]), Ok(()));
        assert_eq!(check.count(2), 6);
    }

    #[test]
    fn catches_reordered_counters_duplicates_and_missing() {
        let mut swapped = OrderCheck::new(1, 1);
        swapped.record(0, 1, 0, 1);
        swapped.record(0, 2, 0, 0);
        assert!(swapped
            .finish(&[2])
            .unwrap_err()
            .contains("counter 1 from sender 0 (expected 0)"));

        let mut dup = OrderCheck::new(1, 1);
        dup.record(0, 1, 0, 0);
        dup.record(0, 1, 0, 0);
        assert!(dup.finish(&[1]).is_err());
        assert_eq!(dup.errors(), 2);

        let mut short = OrderCheck::new(2, 1);
        short.record(0, 1, 0, 0);
        assert_eq!(
            short.finish(&[1]).unwrap_err(),
            "receiver 1: 0 messages (expected 1)"
        );

        let mut stranger = OrderCheck::new(1, 1);
        stranger.record(0, 1, 0, 0);
        stranger.record_foreign(0, 2);
        stranger.record(0, 4, 0, 1);
        assert!(stranger.finish(&[2]).unwrap_err().contains("seq 4 after 2"));

        let mut unknown = OrderCheck::new(1, 1);
        unknown.record(0, 1, 5, 0);
        assert!(unknown
            .finish(&[0])
            .unwrap_err()
            .contains("unknown sender 5"));
    }
}
