//! Cutting standard input into lines, whatever chunks `read` returns.
//!
//! A terminal hands over one line per `read`, a pipe any number of bytes:
//! half a line, or many lines at once. [`LineSplitter`] keeps the partial
//! line between reads and yields each complete one. Lines are bounded: a
//! line longer than the limit is dropped whole (with one [`Line::TooLong`]
//! to report), so a runaway input cannot grow memory or produce a frame
//! the server would refuse. Bytes that are not UTF-8 are replaced by
//! `U+FFFD`, since the protocol carries text as UTF-8.
//!
//! ```
//! use chat::client::lines::{Line, LineSplitter};
//!
//! let mut lines = LineSplitter::new(16);
//! assert_eq!(lines.push(b"hel"), vec![]);
//! assert_eq!(
//!     lines.push(b"lo\r\nworld\nhalf"),
//!     vec![Line::Text("hello".into()), Line::Text("world".into())],
//! );
//! assert_eq!(lines.finish(), Some(Line::Text("half".into())));
//! ```

/// One result of splitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A complete line, without its `\n` or `\r\n`.
    Text(String),
    /// A line longer than the limit was dropped.
    TooLong,
}

/// Splits a byte stream into bounded lines. See the [module docs](self).
#[derive(Debug)]
pub struct LineSplitter {
    max: usize,
    partial: Vec<u8>,
    /// Inside an over-long line: drop bytes up to the next newline.
    discarding: bool,
}

impl LineSplitter {
    /// A splitter that drops lines longer than `max` bytes (not counting
    /// the line ending).
    pub fn new(max: usize) -> LineSplitter {
        LineSplitter {
            max,
            partial: Vec::new(),
            discarding: false,
        }
    }

    /// Feeds bytes; returns the lines they complete, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        for part in bytes.split_inclusive(|&b| b == b'\n') {
            let (body, complete) = match part.strip_suffix(b"\n") {
                Some(body) => (body, true),
                None => (part, false),
            };
            if !self.discarding {
                self.partial.extend_from_slice(body);
                // One byte of slack: a `\r` before the `\n` may be pending.
                if self.partial.len() > self.max + 1 {
                    self.partial = Vec::new();
                    self.discarding = true;
                    out.push(Line::TooLong);
                }
            }
            if complete {
                if !self.discarding {
                    if let Some(line) = self.take() {
                        out.push(line);
                    }
                }
                self.partial.clear();
                self.discarding = false;
            }
        }
        out
    }

    /// End of input: the last line if it had no newline.
    pub fn finish(&mut self) -> Option<Line> {
        let last = if self.discarding || self.partial.is_empty() {
            None
        } else {
            self.take()
        };
        self.partial = Vec::new();
        self.discarding = false;
        last
    }

    /// The partial line as a complete one (`\r` trimmed, length checked).
    fn take(&mut self) -> Option<Line> {
        let body = self.partial.strip_suffix(b"\r").unwrap_or(&self.partial);
        let line = if body.len() > self.max {
            Line::TooLong
        } else {
            Line::Text(String::from_utf8_lossy(body).into_owned())
        };
        self.partial.clear();
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Line {
        Line::Text(s.into())
    }

    #[test]
    fn byte_at_a_time_equals_all_at_once() {
        let input = b"one\ntwo\r\n\nthree";
        let mut a = LineSplitter::new(100);
        let mut all = a.push(input);
        all.extend(a.finish());
        let mut b = LineSplitter::new(100);
        let mut dribbled: Vec<Line> = input.iter().flat_map(|&byte| b.push(&[byte])).collect();
        dribbled.extend(b.finish());
        assert_eq!(all, vec![text("one"), text("two"), text(""), text("three")]);
        assert_eq!(dribbled, all);
    }

    #[test]
    fn long_lines_are_dropped_whole() {
        let mut s = LineSplitter::new(4);
        assert_eq!(
            s.push(b"1234\n12345\nok\n"),
            vec![text("1234"), Line::TooLong, text("ok")]
        );
        // Over-long across reads: reported once, the rest skipped.
        assert_eq!(s.push(b"abc"), vec![]);
        assert_eq!(s.push(b"defgh"), vec![Line::TooLong]);
        assert_eq!(s.push(b"ijk\nnext\n"), vec![text("next")]);
        // `\r\n` does not count towards the limit.
        assert_eq!(s.push(b"1234\r\n"), vec![text("1234")]);
        assert_eq!(s.push(b"123456"), vec![Line::TooLong]);
        assert_eq!(s.finish(), None);
        assert_eq!(s.push(b"12345"), vec![]);
        assert_eq!(s.finish(), Some(Line::TooLong));
        s.push(b"1234\r");
        assert_eq!(s.finish(), Some(text("1234")));
    }

    #[test]
    fn invalid_utf8_is_replaced_and_multibyte_kept() {
        let mut s = LineSplitter::new(100);
        assert_eq!(s.push(b"caf\xc3"), vec![]);
        assert_eq!(s.push(b"\xa9 \xff\n"), vec![text("café \u{fffd}")]);
        assert_eq!(s.finish(), None);
    }
}
