//! The input line: a single-line editor with the readline keys people's
//! fingers already know, a kill buffer, history, and horizontal scrolling.
//!
//! [`LineEditor::handle`] takes one [`Key`] and says what happened; the
//! screen draws [`LineEditor::view`]. There is no I/O and no terminal
//! here, so every key is unit-tested.
//!
//! # Keys
//!
//! | key | action |
//! | --- | --- |
//! | Left, Ctrl-B / Right, Ctrl-F | one character (a base character with its combining marks) |
//! | Alt-B / Alt-F (and Ctrl-Left/Right) | to the start of this or the previous word / the end of this or the next word |
//! | Home, Ctrl-A / End, Ctrl-E | start / end of the line |
//! | Backspace / Delete, Ctrl-D | delete the character before / under the cursor |
//! | Ctrl-K | cut to the end of the line |
//! | Ctrl-U | cut to the start of the line |
//! | Ctrl-W | cut the whitespace-separated word before the cursor |
//! | Alt-D | cut to the end of the word |
//! | Ctrl-Y | paste (yank) what was cut last |
//! | Up / Down | previous / next line of the history |
//! | Enter | [`EditResult::Submit`] the line, clear it, remember it |
//! | Tab | [`EditResult::Complete`]: the caller completes the word at the cursor |
//! | a character, a paste | inserted at the cursor |
//!
//! Cuts that follow each other add up, as in readline: Ctrl-W three times
//! then Ctrl-Y gives back all three words.
//!
//! **History.** Up from a half-typed line saves it; Down past the newest
//! entry gives it back, so looking something up does not lose what was
//! being typed. A recalled line can be edited; the history entry stays as
//! it was sent. At most [`HISTORY_LEN`] lines are kept, and a line equal
//! to the previous entry is not stored twice.
//!
//! **Pasted lines.** A bracketed paste is inserted as one edit. Its line
//! breaks stay in the text (shown as `↵` by [`view`](LineEditor::view)), so
//! several pasted lines are sent only when the user presses Enter: the
//! submitted string then holds `\n`s, and the caller sends it line by
//! line. Tabs become spaces; other control characters are dropped.
//!
//! ```
//! use chat::client::tui::editor::{EditResult, LineEditor};
//! use chat::client::tui::keys::Key;
//!
//! let mut ed = LineEditor::new();
//! for c in "hello world".chars() {
//!     ed.handle(&Key::Char(c));
//! }
//! ed.handle(&Key::Ctrl('w')); // cut "world"
//! assert_eq!(ed.text(), "hello ");
//! ed.handle(&Key::Ctrl('a'));
//! ed.handle(&Key::Ctrl('y')); // paste it at the start
//! assert_eq!(ed.text(), "worldhello ");
//! assert_eq!(ed.handle(&Key::Enter), EditResult::Submit("worldhello ".into()));
//! assert_eq!(ed.text(), "");
//! ed.handle(&Key::Up);
//! assert_eq!(ed.text(), "worldhello ");
//! ```

use super::keys::Key;
use super::width::{char_width, is_combining};

/// The number of submitted lines the history keeps.
pub const HISTORY_LEN: usize = 1000;

/// The longest line the editor holds, in bytes; input past it is dropped.
/// (A chat message is limited far below this by the protocol.)
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// What [`LineEditor::handle`] did with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditResult {
    /// The key is not an editing key, or it changed nothing (Left at the
    /// start of the line).
    Nothing,
    /// The text or the cursor moved: redraw the input line.
    Changed,
    /// Enter: this line was submitted; the editor is now empty. It may be
    /// empty, and holds `\n` when lines were pasted.
    Submit(String),
    /// Tab: the caller completes the word at the cursor.
    Complete,
}

/// Whether the last edit was a cut, so that the next cut adds to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastCut {
    None,
    /// Text cut after the cursor (Ctrl-K, Alt-D): the next is appended.
    Forward,
    /// Text cut before the cursor (Ctrl-U, Ctrl-W): the next is prepended.
    Backward,
}

/// The input line being edited. See the module docs for the keys.
#[derive(Debug)]
pub struct LineEditor {
    text: String,
    /// Byte offset into `text`, always at a character boundary.
    cursor: usize,
    /// What Ctrl-Y pastes.
    kill: String,
    last_cut: LastCut,
    /// Oldest first.
    history: Vec<String>,
    /// The history entry shown, or `None` for the line being typed.
    history_pos: Option<usize>,
    /// The half-typed line saved when Up left it.
    draft: String,
}

impl Default for LineEditor {
    fn default() -> Self {
        LineEditor::new()
    }
}

impl LineEditor {
    /// An empty line with an empty history.
    pub fn new() -> Self {
        LineEditor {
            text: String::new(),
            cursor: 0,
            kill: String::new(),
            last_cut: LastCut::None,
            history: Vec::new(),
            history_pos: None,
            draft: String::new(),
        }
    }

    /// Applies one key. Keys the editor has no use for (PageUp, Ctrl-N,
    /// Alt-1...) return [`EditResult::Nothing`] and change nothing.
    pub fn handle(&mut self, key: &Key) -> EditResult {
        let before = (self.cursor, self.text.len());
        let was_cut = self.last_cut;
        self.last_cut = LastCut::None;
        let changed = match key {
            // Inserting changed something if the length changed (below).
            Key::Char(c) => {
                self.insert_str(c.encode_utf8(&mut [0; 4]));
                false
            }
            Key::Paste(s) => {
                self.insert_str(s);
                false
            }
            Key::Enter => return self.submit(),
            Key::Tab => return EditResult::Complete,
            Key::Left | Key::Ctrl('b') => self.move_to(self.prev_boundary(self.cursor)),
            Key::Right | Key::Ctrl('f') => self.move_to(self.next_boundary(self.cursor)),
            Key::Home | Key::Ctrl('a') => self.move_to(0),
            Key::End | Key::Ctrl('e') => self.move_to(self.text.len()),
            Key::Alt('b') => self.move_to(self.word_start_before(self.cursor)),
            Key::Alt('f') => self.move_to(self.word_end_after(self.cursor)),
            Key::Backspace => {
                let start = self.prev_boundary(self.cursor);
                self.delete(start, self.cursor)
            }
            Key::Delete | Key::Ctrl('d') => {
                let end = self.next_boundary(self.cursor);
                self.delete(self.cursor, end)
            }
            Key::Ctrl('k') => self.cut(self.cursor, self.text.len(), was_cut, LastCut::Forward),
            Key::Ctrl('u') => self.cut(0, self.cursor, was_cut, LastCut::Backward),
            Key::Ctrl('w') => {
                let start = self.space_word_start_before(self.cursor);
                self.cut(start, self.cursor, was_cut, LastCut::Backward)
            }
            Key::Alt('d') => {
                let end = self.word_end_after(self.cursor);
                self.cut(self.cursor, end, was_cut, LastCut::Forward)
            }
            Key::Ctrl('y') => {
                let kill = self.kill.clone();
                self.insert_str(&kill);
                false
            }
            Key::Up => self.history_up(),
            Key::Down => self.history_down(),
            _ => false,
        };
        if changed || before != (self.cursor, self.text.len()) {
            EditResult::Changed
        } else {
            EditResult::Nothing
        }
    }

    /// The text being edited.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Replaces the text (control characters filtered as for a paste) and
    /// puts the cursor at its end.
    pub fn set_text(&mut self, s: &str) {
        self.text.clear();
        self.cursor = 0;
        self.insert_str(s);
    }

    /// The cursor, as a byte offset into [`text`](Self::text).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Moves the cursor to byte offset `at`, clamped to the text and moved
    /// back to a character boundary (what a completion returns).
    pub fn set_cursor(&mut self, at: usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        self.cursor = at;
    }

    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Inserts `s` at the cursor and moves the cursor after it. Tabs become
    /// spaces, `\r\n` and `\r` become `\n`, other control characters are
    /// dropped, and the line stops growing at [`MAX_LINE_BYTES`].
    pub fn insert_str(&mut self, s: &str) {
        let mut clean = String::with_capacity(s.len());
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\t' => clean.push(' '),
                '\n' => clean.push('\n'),
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    clean.push('\n');
                }
                c if c.is_control() => {}
                c => {
                    if self.text.len() + clean.len() + c.len_utf8() > MAX_LINE_BYTES {
                        break;
                    }
                    clean.push(c);
                }
            }
        }
        let room = MAX_LINE_BYTES.saturating_sub(self.text.len());
        let mut take = clean.len().min(room);
        while !clean.is_char_boundary(take) {
            take -= 1;
        }
        self.text.insert_str(self.cursor, &clean[..take]);
        self.cursor += take;
    }

    /// The part of the line to show in `width` cells, and the cursor's
    /// column in it.
    ///
    /// A line wider than `width` scrolls by half a width at a time (fewer
    /// redraws than scrolling a cell per key, and some context stays on
    /// either side of the cursor). A wide character is never cut: one
    /// straddling the left edge shows as a space, one not fitting at the
    /// right edge is left out. Line breaks from a paste show as `↵`.
    /// `width` 0 gives an empty view.
    pub fn view(&self, width: usize) -> (String, usize) {
        if width == 0 {
            return (String::new(), 0);
        }
        let cursor_col = cells(&self.text[..self.cursor]);
        let step = (width / 2).max(1);
        let start = if cursor_col < width {
            0
        } else {
            ((cursor_col - width) / step + 1) * step
        };
        let mut out = String::new();
        let mut col = 0; // cell of the next character, from the line start
        let mut shown_base = false; // is the last base character visible?
        for c in self.text.chars() {
            let w = cell_width(c);
            if w == 0 {
                if shown_base && c != '\n' {
                    out.push(c);
                }
                continue;
            }
            let end = col + w;
            if end <= start {
                shown_base = false;
            } else if col < start {
                // A wide character cut by the left edge.
                out.extend(std::iter::repeat_n(' ', end - start));
                shown_base = false;
            } else if end - start <= width {
                out.push(if c == '\n' { '↵' } else { c });
                shown_base = true;
            } else {
                break;
            }
            col = end;
        }
        (out, cursor_col - start)
    }

    /// Enter: hands the line out and remembers it.
    fn submit(&mut self) -> EditResult {
        let line = std::mem::take(&mut self.text);
        self.cursor = 0;
        self.history_pos = None;
        self.draft.clear();
        if !line.trim().is_empty() && self.history.last() != Some(&line) {
            if self.history.len() == HISTORY_LEN {
                self.history.remove(0);
            }
            self.history.push(line.clone());
        }
        EditResult::Submit(line)
    }

    fn history_up(&mut self) -> bool {
        let pos = match self.history_pos {
            None if self.history.is_empty() => return false,
            None => {
                self.draft = std::mem::take(&mut self.text);
                self.history.len() - 1
            }
            Some(0) => return false,
            Some(pos) => pos - 1,
        };
        self.history_pos = Some(pos);
        self.text = self.history[pos].clone();
        self.cursor = self.text.len();
        true
    }

    fn history_down(&mut self) -> bool {
        let Some(pos) = self.history_pos else {
            return false;
        };
        if pos + 1 < self.history.len() {
            self.history_pos = Some(pos + 1);
            self.text = self.history[pos + 1].clone();
        } else {
            self.history_pos = None;
            self.text = std::mem::take(&mut self.draft);
        }
        self.cursor = self.text.len();
        true
    }

    fn move_to(&mut self, at: usize) -> bool {
        let moved = at != self.cursor;
        self.cursor = at;
        moved
    }

    /// Removes `start..end`; the cursor goes to `start`.
    fn delete(&mut self, start: usize, end: usize) -> bool {
        if start == end {
            return false;
        }
        self.text.replace_range(start..end, "");
        self.cursor = start;
        true
    }

    /// Removes `start..end` into the kill buffer, adding to it if the
    /// previous key was a cut too.
    fn cut(&mut self, start: usize, end: usize, previous: LastCut, this: LastCut) -> bool {
        self.last_cut = this;
        if start == end {
            // An empty cut keeps the chain going but changes nothing.
            self.last_cut = if previous == LastCut::None {
                LastCut::None
            } else {
                this
            };
            return false;
        }
        let piece = &self.text[start..end];
        match (previous, this) {
            (LastCut::None, _) => self.kill = piece.to_string(),
            (_, LastCut::Backward) => self.kill.insert_str(0, piece),
            (_, _) => self.kill.push_str(piece),
        }
        self.delete(start, end)
    }

    /// The byte offsets where a user-visible character starts: a base
    /// character with the combining marks after it, and a character after
    /// a ZWJ joined to the one before.
    fn boundaries(&self) -> impl Iterator<Item = usize> + '_ {
        let mut prev_zwj = false;
        self.text.char_indices().filter_map(move |(i, c)| {
            let joins = i > 0 && (prev_zwj || is_combining(c));
            prev_zwj = c == '\u{200d}';
            (!joins).then_some(i)
        })
    }

    fn prev_boundary(&self, at: usize) -> usize {
        self.boundaries()
            .take_while(|&b| b < at)
            .last()
            .unwrap_or(0)
    }

    fn next_boundary(&self, at: usize) -> usize {
        self.boundaries()
            .find(|&b| b > at)
            .unwrap_or(self.text.len())
    }

    /// Alt-B: back over non-word characters, then to the start of the word.
    fn word_start_before(&self, at: usize) -> usize {
        let mut i = at;
        let mut in_word = false;
        for (j, c) in self.text[..at].char_indices().rev() {
            let word = is_word(c);
            if in_word && !word {
                break;
            }
            in_word |= word;
            i = j;
        }
        if in_word {
            i
        } else {
            0
        }
    }

    /// Alt-F: forward over non-word characters, then to the end of the word.
    fn word_end_after(&self, at: usize) -> usize {
        let mut in_word = false;
        for (j, c) in self.text[at..].char_indices() {
            let word = is_word(c);
            if in_word && !word {
                return at + j;
            }
            in_word |= word;
        }
        self.text.len()
    }

    /// Ctrl-W: back over spaces, then to the previous space.
    fn space_word_start_before(&self, at: usize) -> usize {
        let head = &self.text[..at];
        let trimmed = head.trim_end_matches(char::is_whitespace);
        trimmed
            .rfind(char::is_whitespace)
            .map(|i| i + trimmed[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0)
    }
}

/// Letters, digits and combining marks make words for Alt-B/F.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_combining(c)
}

/// Display width in the view, where a pasted `\n` shows as `↵`.
fn cell_width(c: char) -> usize {
    if c == '\n' {
        1
    } else {
        char_width(c)
    }
}

fn cells(s: &str) -> usize {
    s.chars().map(cell_width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::tui::width::str_width;

    fn typed(s: &str) -> LineEditor {
        let mut ed = LineEditor::new();
        for c in s.chars() {
            ed.handle(&Key::Char(c));
        }
        ed
    }

    fn press(ed: &mut LineEditor, keys: &[Key]) {
        for k in keys {
            ed.handle(k);
        }
    }

    /// The text with `|` at the cursor.
    fn shown(ed: &LineEditor) -> String {
        let mut s = ed.text().to_string();
        s.insert(ed.cursor(), '|');
        s
    }

    #[test]
    fn moving_and_deleting() {
        use Key::*;
        let mut ed = typed("abc");
        assert_eq!(shown(&ed), "abc|");
        assert_eq!(ed.handle(&Right), EditResult::Nothing);
        assert_eq!(ed.handle(&Left), EditResult::Changed);
        press(&mut ed, &[Ctrl('b')]);
        assert_eq!(shown(&ed), "a|bc");
        press(&mut ed, &[Ctrl('f')]);
        assert_eq!(shown(&ed), "ab|c");
        press(&mut ed, &[Home]);
        assert_eq!(shown(&ed), "|abc");
        assert_eq!(ed.handle(&Backspace), EditResult::Nothing);
        press(&mut ed, &[End, Ctrl('a'), Delete]);
        assert_eq!(shown(&ed), "|bc");
        press(&mut ed, &[Ctrl('e'), Backspace]);
        assert_eq!(shown(&ed), "b|");
        press(&mut ed, &[Char('é'), Left, Char('中')]);
        assert_eq!(shown(&ed), "b中|é");
        press(&mut ed, &[Ctrl('d')]);
        assert_eq!(shown(&ed), "b中|");
        assert_eq!(ed.handle(&PageUp), EditResult::Nothing);
        assert_eq!(ed.handle(&Ctrl('n')), EditResult::Nothing);
        assert_eq!(ed.handle(&Tab), EditResult::Complete);
    }

    #[test]
    fn combining_marks_move_with_their_base() {
        use Key::*;
        // "e" + combining acute, "a", "👩‍💻" (woman, ZWJ, laptop).
        let mut ed = typed("e\u{301}a\u{1f469}\u{200d}\u{1f4bb}");
        press(&mut ed, &[Left]);
        assert_eq!(shown(&ed), "e\u{301}a|\u{1f469}\u{200d}\u{1f4bb}");
        press(&mut ed, &[Left, Left]);
        assert_eq!(ed.cursor(), 0);
        press(&mut ed, &[Right]);
        assert_eq!(shown(&ed), "e\u{301}|a\u{1f469}\u{200d}\u{1f4bb}");
        press(&mut ed, &[Delete]);
        assert_eq!(ed.text(), "e\u{301}\u{1f469}\u{200d}\u{1f4bb}");
        press(&mut ed, &[Backspace]);
        assert_eq!(shown(&ed), "|\u{1f469}\u{200d}\u{1f4bb}");
        press(&mut ed, &[Delete]);
        assert_eq!(ed.text(), "");
    }

    #[test]
    fn words() {
        use Key::*;
        let mut ed = typed("say hello, world");
        press(&mut ed, &[Alt('b')]);
        assert_eq!(shown(&ed), "say hello, |world");
        press(&mut ed, &[Alt('b')]);
        assert_eq!(shown(&ed), "say |hello, world");
        press(&mut ed, &[Alt('b'), Alt('b')]);
        assert_eq!(shown(&ed), "|say hello, world");
        press(&mut ed, &[Alt('f')]);
        assert_eq!(shown(&ed), "say| hello, world");
        press(&mut ed, &[Alt('f')]);
        assert_eq!(shown(&ed), "say hello|, world");
        press(&mut ed, &[Alt('f'), Alt('f')]);
        assert_eq!(shown(&ed), "say hello, world|");
        press(&mut ed, &[Home, Alt('d')]);
        assert_eq!(shown(&ed), "| hello, world");
        press(&mut ed, &[Ctrl('y')]);
        assert_eq!(shown(&ed), "say| hello, world");
    }

    #[test]
    fn kill_and_yank() {
        use Key::*;
        let mut ed = typed("one two  three");
        press(&mut ed, &[Ctrl('w')]);
        assert_eq!(shown(&ed), "one two  |");
        press(&mut ed, &[Ctrl('w')]);
        assert_eq!(shown(&ed), "one |");
        // Two cuts in a row add up.
        press(&mut ed, &[Ctrl('y')]);
        assert_eq!(shown(&ed), "one two  three|");
        press(&mut ed, &[Home, Alt('f'), Ctrl('k')]);
        assert_eq!(shown(&ed), "one|");
        press(&mut ed, &[Home, Ctrl('y')]);
        assert_eq!(shown(&ed), " two  three|one");
        press(&mut ed, &[Ctrl('u')]);
        assert_eq!(shown(&ed), "|one");
        press(&mut ed, &[End, Ctrl('y')]);
        assert_eq!(shown(&ed), "one two  three|");
        // A motion between cuts starts a new kill.
        press(&mut ed, &[Ctrl('w'), Left, Ctrl('w'), Ctrl('y')]);
        assert_eq!(shown(&ed), "one two | ");
        let mut empty = LineEditor::new();
        assert_eq!(empty.handle(&Ctrl('y')), EditResult::Nothing);
        assert_eq!(empty.handle(&Ctrl('k')), EditResult::Nothing);
    }

    #[test]
    fn history_keeps_the_draft() {
        use Key::*;
        let mut ed = LineEditor::new();
        assert_eq!(ed.handle(&Up), EditResult::Nothing);
        for line in ["first", "second", "second", "   "] {
            ed.set_text(line);
            assert_eq!(ed.handle(&Enter), EditResult::Submit(line.into()));
        }
        assert_eq!(ed.handle(&Enter), EditResult::Submit(String::new()));
        ed.set_text("half-typ");
        press(&mut ed, &[Up]);
        assert_eq!(shown(&ed), "second|");
        press(&mut ed, &[Up]);
        assert_eq!(shown(&ed), "first|");
        assert_eq!(ed.handle(&Up), EditResult::Nothing);
        press(&mut ed, &[Backspace, Down]);
        assert_eq!(shown(&ed), "second|");
        press(&mut ed, &[Down]);
        assert_eq!(shown(&ed), "half-typ|");
        assert_eq!(ed.handle(&Down), EditResult::Nothing);
        // The edited recall did not change the history.
        press(&mut ed, &[Up, Up]);
        assert_eq!(ed.text(), "first");
        assert_eq!(ed.handle(&Enter), EditResult::Submit("first".into()));
        press(&mut ed, &[Up]);
        assert_eq!(ed.text(), "first");
        press(&mut ed, &[Up]);
        assert_eq!(ed.text(), "second");
    }

    #[test]
    fn history_is_bounded() {
        let mut ed = LineEditor::new();
        for i in 0..HISTORY_LEN + 10 {
            ed.set_text(&i.to_string());
            ed.handle(&Key::Enter);
        }
        for _ in 0..HISTORY_LEN + 10 {
            ed.handle(&Key::Up);
        }
        assert_eq!(ed.text(), "10");
    }

    #[test]
    fn paste_and_filtering() {
        let mut ed = LineEditor::new();
        ed.handle(&Key::Paste("a\tb\r\nc\rd\x1b[1m\x07".into()));
        assert_eq!(ed.text(), "a b\nc\nd[1m");
        assert_eq!(ed.view(80), ("a b↵c↵d[1m".to_string(), 10));
        assert_eq!(
            ed.handle(&Key::Enter),
            EditResult::Submit("a b\nc\nd[1m".into())
        );
        ed.insert_str(&"x".repeat(MAX_LINE_BYTES + 5));
        assert_eq!(ed.text().len(), MAX_LINE_BYTES);
        assert_eq!(ed.handle(&Key::Char('y')), EditResult::Nothing);
        assert_eq!(ed.text().len(), MAX_LINE_BYTES);
        let mut ed = LineEditor::new();
        assert_eq!(ed.handle(&Key::Paste(String::new())), EditResult::Nothing);
        assert_eq!(ed.handle(&Key::Char('\u{7}')), EditResult::Nothing);
    }

    #[test]
    fn set_cursor_clamps_to_a_boundary() {
        let mut ed = typed("aé");
        ed.set_cursor(2); // inside "é"
        assert_eq!(ed.cursor(), 1);
        ed.set_cursor(100);
        assert_eq!(ed.cursor(), 3);
    }

    #[test]
    fn view_scrolls_by_half_widths() {
        let mut ed = typed("abcdefghij");
        assert_eq!(ed.view(20), ("abcdefghij".to_string(), 10));
        // 10 columns of text plus the cursor cell do not fit in 10.
        assert_eq!(ed.view(10), ("fghij".to_string(), 5));
        assert_eq!(ed.view(11), ("abcdefghij".to_string(), 10));
        ed.handle(&Key::Home);
        assert_eq!(ed.view(4), ("abcd".to_string(), 0));
        for _ in 0..5 {
            ed.handle(&Key::Right);
        }
        assert_eq!(ed.view(4), ("cdef".to_string(), 3));
        assert_eq!(ed.view(0), (String::new(), 0));
        assert_eq!(ed.view(1), ("f".to_string(), 0));
    }

    #[test]
    fn view_never_cuts_a_wide_character() {
        let ed = typed("中文字符");
        // Cursor at column 8: start is 4 + 2 = 6 cells at width 4.
        let (s, col) = ed.view(4);
        assert_eq!((s.as_str(), col), ("符", 2));
        let mut ed = typed("a中文字符");
        ed.handle(&Key::Home);
        ed.handle(&Key::Right);
        ed.handle(&Key::Right);
        // Cursor at column 3 in width 4: start 0; "a中" fits, "文" does not.
        assert_eq!(ed.view(4), ("a中".to_string(), 3));
        ed.handle(&Key::Right);
        // Cursor at column 5: start 2, inside "中": a space stands for it.
        assert_eq!(ed.view(4), (" 文".to_string(), 3));
        // The combining mark stays with its base; its base off-screen
        // takes it along.
        let ed = typed("xe\u{301}yz");
        assert_eq!(ed.view(10), ("xe\u{301}yz".to_string(), 4));
        let mut ed = typed("e\u{301}bcdefg");
        ed.handle(&Key::End);
        let (s, col) = ed.view(4);
        assert_eq!((s.as_str(), col), ("efg", 3));
    }

    #[test]
    fn view_fits_its_width_everywhere() {
        let text = "a中b\u{301}😀c文d e\u{200d}f字";
        let mut ed = LineEditor::new();
        ed.set_text(text);
        for width in 1..12 {
            ed.handle(&Key::Home);
            loop {
                let (s, col) = ed.view(width);
                assert!(str_width(&s) <= width, "{s:?} in {width}");
                assert!(col < width, "cursor {col} in {width}");
                if ed.handle(&Key::Right) == EditResult::Nothing {
                    break;
                }
            }
        }
    }
}
