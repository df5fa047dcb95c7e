//! The windows of the full-screen client: one buffer per room, one per
//! whisper partner, and a status buffer for what belongs to no room.
//!
//! A buffer keeps its styled lines (the last [`MAX_LINES`]), how far the
//! user scrolled up, and what they have not read yet:
//!
//! ```text
//!   status  #lobby  #rust(3)  #go(1!)  bob
//!   ──────  ──────  ────────  ───────  ───
//!   shown   seen    3 unread  unread,  read
//!                             mentions you
//! ```
//!
//! A line arriving in a buffer that is not the current one counts as
//! unread (notices such as joins do not) and may mark a mention. When the
//! user comes back, the counts clear and the buffer remembers where the
//! unread lines began, so the screen can draw a separator there until the
//! user leaves again.
//!
//! ```
//! use chat::client::tui::buffers::{Buffers, Kind, Line};
//!
//! let mut b = Buffers::new();
//! let rust = b.ensure(Kind::Room("rust".into()));
//! b.push(rust, Line::plain("hi"), true);
//! assert_eq!(b.get(rust).unread(), 1);
//! b.select(rust);
//! assert_eq!(b.get(rust).unread(), 0);
//! assert_eq!(b.get(rust).marker(), Some(0)); // unread lines began at line 0
//! ```

use std::collections::VecDeque;

use super::grid::CellStyle;
use crate::protocol::fold_name;

/// Lines kept per buffer; older ones are dropped.
pub const MAX_LINES: usize = 5000;

/// What a buffer shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Notices that belong to no room (connection, errors, `/help`).
    Status,
    /// A room (lowercase name).
    Room(String),
    /// Whispers with one nick (as first seen; matched ignoring case).
    Whisper(String),
}

impl Kind {
    fn same(&self, other: &Kind) -> bool {
        match (self, other) {
            (Kind::Whisper(a), Kind::Whisper(b)) => fold_name(a) == fold_name(b),
            _ => self == other,
        }
    }

    /// The name in the status line: `status`, `#room` or the nick.
    pub fn label(&self) -> String {
        match self {
            Kind::Status => "status".to_string(),
            Kind::Room(room) => format!("#{room}"),
            Kind::Whisper(nick) => nick.clone(),
        }
    }
}

/// One line of a buffer: styled pieces of already sanitised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The pieces, in order.
    pub spans: Vec<(String, CellStyle)>,
    /// Whether it mentions the user (or is a whisper to them).
    pub mention: bool,
}

impl Line {
    /// A line of one unstyled piece.
    pub fn plain(text: &str) -> Line {
        Line {
            spans: vec![(text.to_string(), CellStyle::default())],
            mention: false,
        }
    }

    /// The text without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|(s, _)| s.as_str()).collect()
    }
}

/// One buffer. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Buffer {
    kind: Kind,
    lines: VecDeque<Line>,
    /// Lines dropped from the front, so indexes stay absolute.
    dropped: usize,
    unread: usize,
    mention: bool,
    /// Absolute index of the first line that arrived unread.
    first_unread: Option<usize>,
    /// Where the separator goes while the user looks (absolute index).
    marker: Option<usize>,
    /// Screen rows scrolled up from the bottom.
    scroll: usize,
}

impl Buffer {
    fn new(kind: Kind) -> Buffer {
        Buffer {
            kind,
            lines: VecDeque::new(),
            dropped: 0,
            unread: 0,
            mention: false,
            first_unread: None,
            marker: None,
            scroll: 0,
        }
    }

    /// What it shows.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Lines that arrived while it was not current.
    pub fn unread(&self) -> usize {
        self.unread
    }

    /// Whether one of those lines mentions the user.
    pub fn mentioned(&self) -> bool {
        self.mention
    }

    /// The kept lines, oldest first, with the index of the separator line
    /// among them (the first unread line), if it is still kept.
    pub fn lines(&self) -> (&VecDeque<Line>, Option<usize>) {
        let marker = self
            .marker
            .and_then(|m| m.checked_sub(self.dropped))
            .filter(|&m| m < self.lines.len());
        (&self.lines, marker)
    }

    /// The absolute index where unread lines began, while shown.
    pub fn marker(&self) -> Option<usize> {
        self.marker
    }

    /// Rows scrolled up from the bottom.
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// Sets the scroll (the screen clamps it to what exists).
    pub fn set_scroll(&mut self, rows: usize) {
        self.scroll = rows;
    }

    /// Forgets every line (`/clear`).
    pub fn clear(&mut self) {
        self.dropped += self.lines.len();
        self.lines.clear();
        self.marker = None;
        self.scroll = 0;
    }
}

/// The buffers and which one is current. Index 0 is always the status
/// buffer.
#[derive(Debug, Clone)]
pub struct Buffers {
    list: Vec<Buffer>,
    current: usize,
}

impl Default for Buffers {
    fn default() -> Self {
        Buffers::new()
    }
}

impl Buffers {
    /// Just the status buffer, current.
    pub fn new() -> Buffers {
        Buffers {
            list: vec![Buffer::new(Kind::Status)],
            current: 0,
        }
    }

    /// How many buffers there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Always false: the status buffer exists.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// All buffers in status-line order.
    pub fn iter(&self) -> impl Iterator<Item = &Buffer> {
        self.list.iter()
    }

    /// Buffer number `index` (panics outside `0..len()`).
    pub fn get(&self, index: usize) -> &Buffer {
        &self.list[index]
    }

    /// Buffer number `index`, mutably.
    pub fn get_mut(&mut self, index: usize) -> &mut Buffer {
        &mut self.list[index]
    }

    /// The current buffer's index.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The index of the buffer showing `kind`, if any.
    pub fn find(&self, kind: &Kind) -> Option<usize> {
        self.list.iter().position(|b| b.kind.same(kind))
    }

    /// The index of the buffer showing `kind`, created at the end if new.
    pub fn ensure(&mut self, kind: Kind) -> usize {
        match self.find(&kind) {
            Some(index) => index,
            None => {
                self.list.push(Buffer::new(kind));
                self.list.len() - 1
            }
        }
    }

    /// Adds a line to buffer `index`. When that buffer is not current,
    /// `counts` says whether the line is unread news (a message) rather
    /// than a notice.
    pub fn push(&mut self, index: usize, line: Line, counts: bool) {
        let current = index == self.current;
        let buffer = &mut self.list[index];
        if !current && counts {
            buffer.unread += 1;
            buffer.mention |= line.mention;
            buffer
                .first_unread
                .get_or_insert(buffer.dropped + buffer.lines.len());
        }
        buffer.lines.push_back(line);
        if buffer.lines.len() > MAX_LINES {
            buffer.lines.pop_front();
            buffer.dropped += 1;
        }
    }

    /// Makes buffer `index` current: the one left forgets its separator,
    /// the one entered clears its counts and shows where they began.
    pub fn select(&mut self, index: usize) {
        if index >= self.list.len() || index == self.current {
            return;
        }
        self.list[self.current].marker = None;
        self.current = index;
        let buffer = &mut self.list[index];
        buffer.marker = buffer.first_unread.take();
        buffer.unread = 0;
        buffer.mention = false;
    }

    /// Selects the next buffer, wrapping around.
    pub fn next(&mut self) {
        self.select((self.current + 1) % self.list.len());
    }

    /// Selects the previous buffer, wrapping around.
    pub fn prev(&mut self) {
        self.select((self.current + self.list.len() - 1) % self.list.len());
    }

    /// Selects the next buffer (after the current one, wrapping) that
    /// mentions the user, else the next with unread lines; returns
    /// whether there was one.
    pub fn next_unread(&mut self) -> bool {
        let n = self.list.len();
        let order: Vec<usize> = (1..n).map(|i| (self.current + i) % n).collect();
        let pick = order
            .iter()
            .find(|&&i| self.list[i].mention)
            .or_else(|| order.iter().find(|&&i| self.list[i].unread > 0));
        match pick {
            Some(&index) => {
                self.select(index);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(text: &str) -> Line {
        Line {
            mention: true,
            ..Line::plain(text)
        }
    }

    #[test]
    fn unread_counts_marks_and_the_separator() {
        let mut b = Buffers::new();
        let lobby = b.ensure(Kind::Room("lobby".into()));
        let rust = b.ensure(Kind::Room("rust".into()));
        assert_eq!(b.ensure(Kind::Room("rust".into())), rust);
        b.select(lobby);
        b.push(lobby, Line::plain("seen"), true);
        assert_eq!(b.get(lobby).unread(), 0);
        b.push(rust, Line::plain("joined"), false);
        b.push(rust, Line::plain("a"), true);
        b.push(rust, mention("hey you"), true);
        assert_eq!(b.get(rust).unread(), 2);
        assert!(b.get(rust).mentioned());
        b.select(rust);
        assert_eq!(b.get(rust).unread(), 0);
        assert!(!b.get(rust).mentioned());
        let (lines, marker) = b.get(rust).lines();
        assert_eq!(lines.len(), 3);
        assert_eq!(marker, Some(1));
        // Leaving drops the separator; nothing new, nothing shown again.
        b.select(lobby);
        b.select(rust);
        assert_eq!(b.get(rust).lines().1, None);
    }

    #[test]
    fn whisper_buffers_match_nicks_ignoring_case() {
        let mut b = Buffers::new();
        let bob = b.ensure(Kind::Whisper("Bob".into()));
        assert_eq!(b.ensure(Kind::Whisper("bob".into())), bob);
        assert_eq!(b.get(bob).kind().label(), "Bob");
        assert_eq!(Kind::Room("x".into()).label(), "#x");
        assert_eq!(Kind::Status.label(), "status");
    }

    #[test]
    fn cycling_and_next_unread_prefers_mentions() {
        let mut b = Buffers::new();
        let a = b.ensure(Kind::Room("a".into()));
        let c = b.ensure(Kind::Room("c".into()));
        let d = b.ensure(Kind::Room("d".into()));
        b.next();
        assert_eq!(b.current(), a);
        b.prev();
        b.prev();
        assert_eq!(b.current(), d);
        b.push(a, Line::plain("x"), true);
        b.push(c, mention("y"), true);
        assert!(b.next_unread());
        assert_eq!(b.current(), c);
        assert!(b.next_unread());
        assert_eq!(b.current(), a);
        assert!(!b.next_unread());
    }

    #[test]
    fn lines_are_bounded_and_the_marker_follows() {
        let mut b = Buffers::new();
        let r = b.ensure(Kind::Room("r".into()));
        for i in 0..MAX_LINES + 10 {
            b.push(r, Line::plain(&i.to_string()), true);
        }
        b.select(r);
        let (lines, marker) = b.get(r).lines();
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines[0].text(), "10");
        // The first unread line was dropped: no separator to draw.
        assert_eq!(marker, None);
        b.get_mut(r).clear();
        assert!(b.get(r).lines().0.is_empty());
    }
}
