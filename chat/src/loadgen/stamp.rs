//! [`Stamp`]: who sent a message, its number, and when, carried in its text.
//!
//! Every `Say` the load generator sends has a text of the form
//!
//! ```text
//!   17.42.1234567890.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
//!   ^  ^  ^          ^
//!   |  |  |          └ padding up to the requested size
//!   |  |  └ send time: nanoseconds since the load generator started
//!   |  └ the sender's counter (0, 1, 2, ... per sender)
//!   └ the sender's index
//! ```
//!
//! so every receiver can check the per-sender order and measure the
//! delivery latency without any state shared with the sender: the send
//! time comes back in the text, and "now" is read on the same monotonic
//! clock. A text that does not parse is someone else's message.
//!
//! ```
//! use chat::loadgen::stamp::Stamp;
//!
//! let mut text = String::new();
//! Stamp { sender: 17, counter: 42, sent_ns: 1_000 }.write(&mut text, 24);
//! assert_eq!(text, "17.42.1000.xxxxxxxxxxxxx");
//! assert_eq!(Stamp::parse(&text), Some(Stamp { sender: 17, counter: 42, sent_ns: 1_000 }));
//! assert_eq!(Stamp::parse("hello"), None);
//! ```

use std::fmt::Write;

/// What a load generator message carries in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Index of the sending client.
    pub sender: u32,
    /// The sender's message counter, from 0.
    pub counter: u32,
    /// Send time, nanoseconds on the load generator's clock.
    pub sent_ns: u64,
}

impl Stamp {
    /// Replaces `text` with this stamp, padded with `x` to `size` bytes
    /// (longer when the stamp itself does not fit).
    pub fn write(&self, text: &mut String, size: usize) {
        text.clear();
        // Writing to a String cannot fail.
        let _ = write!(text, "{}.{}.{}.", self.sender, self.counter, self.sent_ns);
        while text.len() < size {
            text.push('x');
        }
    }

    /// Reads a stamp back; `None` for any other text.
    pub fn parse(text: &str) -> Option<Stamp> {
        Stamp::parse_bytes(text.as_bytes())
    }

    /// [`parse`](Self::parse) on bytes (the text need not be UTF-8 past
    /// the stamp): one pass, three numbers, each ended by a `.`.
    #[inline]
    pub fn parse_bytes(text: &[u8]) -> Option<Stamp> {
        let mut at = 0;
        let sender = u32::try_from(decimal(text, &mut at)?).ok()?;
        let counter = u32::try_from(decimal(text, &mut at)?).ok()?;
        let sent_ns = decimal(text, &mut at)?;
        Some(Stamp {
            sender,
            counter,
            sent_ns,
        })
    }
}

/// A run of 1 to 19 ASCII digits from `text[*at..]` ended by a `.`, as a
/// `u64` (19 digits cannot overflow); moves `at` past the dot.
#[inline]
fn decimal(text: &[u8], at: &mut usize) -> Option<u64> {
    let start = *at;
    let mut n = 0u64;
    loop {
        let &b = text.get(*at)?;
        *at += 1;
        match b {
            b'0'..=b'9' if *at - start <= 19 => n = n * 10 + u64::from(b - b'0'),
            b'.' if *at - start > 1 => return Some(n),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_pads() {
        let mut text = String::new();
        let stamp = Stamp {
            sender: u32::MAX,
            counter: 0,
            sent_ns: u64::MAX / 10,
        };
        stamp.write(&mut text, 8);
        assert!(text.len() > 8, "a stamp longer than the size is kept whole");
        assert_eq!(Stamp::parse(&text), Some(stamp));
        stamp.write(&mut text, 100);
        assert_eq!(text.len(), 100);
        assert_eq!(Stamp::parse(&text), Some(stamp));
    }

    #[test]
    fn refuses_foreign_texts() {
        for text in [
            "",
            "1.2.3",
            "1..3.",
            "a.2.3.",
            "1.2.3x.",
            "99999999999.1.1.",
            "1.2.99999999999999999999.",
        ] {
            assert_eq!(Stamp::parse(text), None, "{text:?}");
        }
    }
}
