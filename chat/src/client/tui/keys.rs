//! Terminal input bytes to [`Key`]s: an incremental decoder, like the frame
//! decoder, for UTF-8, escape sequences and bracketed paste.
//!
//! A terminal in raw mode sends what the user typed as bytes: printable
//! characters as UTF-8, control keys as single control bytes, and the
//! other keys (arrows, Home, Delete...) as *escape sequences* starting with
//! `ESC` (0x1b). A `read` returns whatever has arrived, so a sequence or a
//! multi-byte character may be cut between two reads. [`KeyDecoder`] keeps
//! the unfinished tail and decodes it once the rest is fed: **the keys it
//! returns do not depend on how the bytes were split** (the fuzz test at
//! the end checks this over random splits).
//!
//! ```text
//!   bytes ──feed──▶ [ pending bytes ] ──next_key──▶ Key, Key, ...
//!                         │
//!                         └─ "ESC" alone at the end: wait (pending_escape);
//!                            the caller's short timeout then calls
//!                            flush_escape, which yields Key::Esc
//! ```
//!
//! # What is recognised
//!
//! | bytes | key |
//! | --- | --- |
//! | printable UTF-8 | [`Key::Char`] (never a control character) |
//! | invalid UTF-8 | [`Key::Char`]`('\u{FFFD}')`, one per maximal invalid subpart |
//! | `CR` (0x0d), `LF` (0x0a) | [`Key::Enter`] |
//! | `HT` (0x09) | [`Key::Tab`]; `ESC [ Z` is [`Key::BackTab`] |
//! | `DEL` (0x7f), `BS` (0x08) | [`Key::Backspace`] |
//! | other bytes 0x00-0x1f | [`Key::Ctrl`]: 0x01-0x1a as `'a'..='z'`, 0x00 as `' '`, 0x1c-0x1f as `'\\' ']' '^' '_'` |
//! | `ESC [ A`/`B`/`C`/`D`, `ESC O A`... | [`Key::Up`], [`Key::Down`], [`Key::Right`], [`Key::Left`] |
//! | `ESC [ H`, `ESC O H`, `ESC [ 1 ~`, `ESC [ 7 ~` | [`Key::Home`] |
//! | `ESC [ F`, `ESC O F`, `ESC [ 4 ~`, `ESC [ 8 ~` | [`Key::End`] |
//! | `ESC [ 3 ~` | [`Key::Delete`] |
//! | `ESC [ 5 ~`, `ESC [ 6 ~` | [`Key::PageUp`], [`Key::PageDown`] |
//! | `ESC [ 200 ~` text `ESC [ 201 ~` | [`Key::Paste`] (see below) |
//! | `ESC` + printable char | [`Key::Alt`] of that char (`ESC b` is Alt-b) |
//! | `ESC` then nothing (after a timeout) | [`Key::Esc`] via [`KeyDecoder::flush_escape`] |
//!
//! **Modifiers.** xterm reports a modified key as `ESC [ 1 ; m X` (or
//! `ESC [ n ; m ~`), where `m - 1` is a bit set: 1 Shift, 2 Alt, 4 Ctrl.
//! Ctrl or Alt with Left/Right (`ESC [ 1 ; 5 D`, Ctrl-Left) means "by word"
//! in most programs, so it decodes as `Alt('b')` / `Alt('f')`, the readline
//! word moves. Any other modified key decodes as the key itself (Shift-Up
//! is Up).
//!
//! **Ignored sequences.** Well-formed sequences for keys the client has no
//! use for (F1-F12, Insert, focus reports...) produce no key. A CSI
//! sequence longer than [`MAX_CSI_LEN`] bytes is skipped up to its final
//! byte, so garbage costs only itself. A sequence broken by a byte that
//! cannot belong to it is dropped, and decoding resumes at that byte.
//!
//! # Bracketed paste
//!
//! With bracketed paste on (`ESC [ ? 2004 h`, sent by the screen), the
//! terminal wraps pasted text in `ESC [ 200 ~` and `ESC [ 201 ~`. The text
//! between the markers becomes one [`Key::Paste`], however many reads it
//! takes, so a pasted newline is text, not Enter. In the text, `CR LF` and
//! lone `CR` become `\n`, and control characters other than `\n` and `\t`
//! are removed (pasted text cannot smuggle escape sequences to the
//! screen). A paste keeps at most [`MAX_PASTE_BYTES`] bytes; the rest, up
//! to the end marker, is read and dropped, so a huge or endless paste costs
//! bounded memory.
//!
//! # Examples
//!
//! ```
//! use chat::client::tui::keys::{Key, KeyDecoder};
//!
//! let mut keys = KeyDecoder::new();
//! keys.feed(b"h\x1b[");          // an arrow key cut in the middle
//! assert_eq!(keys.next_key(), Some(Key::Char('h')));
//! assert_eq!(keys.next_key(), None); // waits for the rest
//! keys.feed(b"D\xc3");            // ...and half of "é"
//! assert_eq!(keys.next_key(), Some(Key::Left));
//! assert_eq!(keys.next_key(), None);
//! keys.feed(b"\xa9");
//! assert_eq!(keys.next_key(), Some(Key::Char('é')));
//!
//! keys.feed(b"\x1b");             // Esc, or the start of a sequence?
//! assert_eq!(keys.next_key(), None);
//! assert!(keys.pending_escape());
//! // No more bytes within the caller's timeout: it was the Esc key.
//! assert_eq!(keys.flush_escape(), Some(Key::Esc));
//! ```

/// Bytes of pasted text kept in one [`Key::Paste`]; more is dropped.
pub const MAX_PASTE_BYTES: usize = 64 * 1024;

/// Longest CSI sequence (from `ESC [` to the final byte) that is decoded;
/// a longer one is skipped.
pub const MAX_CSI_LEN: usize = 32;

const ESC: u8 = 0x1b;
const PASTE_END: &[u8] = b"\x1b[201~";

/// One key press (or one paste) decoded from terminal input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A printable character, already decoded from UTF-8.
    Char(char),
    /// Enter (`CR` or `LF`).
    Enter,
    /// Tab.
    Tab,
    /// Shift-Tab (`ESC [ Z`).
    BackTab,
    /// Backspace (`DEL` or `BS`).
    Backspace,
    /// Delete (`ESC [ 3 ~`).
    Delete,
    /// Escape pressed alone.
    Esc,
    /// Left arrow.
    Left,
    /// Right arrow.
    Right,
    /// Up arrow.
    Up,
    /// Down arrow.
    Down,
    /// Home.
    Home,
    /// End.
    End,
    /// Page Up.
    PageUp,
    /// Page Down.
    PageDown,
    /// A control key: Ctrl-A..Ctrl-Z as `'a'..='z'` (Ctrl-H, Ctrl-I, Ctrl-J
    /// and Ctrl-M arrive as Backspace, Tab and Enter, which is what they
    /// send); 0x00 as `' '` and 0x1c-0x1f as `'\\'`, `']'`, `'^'`, `'_'`.
    Ctrl(char),
    /// A character typed with Alt (sent as `ESC` then the character).
    Alt(char),
    /// One bracketed paste, as text (see the module docs).
    Paste(String),
}

/// The incremental decoder: [`feed`](KeyDecoder::feed) bytes as they are
/// read, then take keys with [`next_key`](KeyDecoder::next_key) until it
/// returns `None`.
#[derive(Debug, Default)]
pub struct KeyDecoder {
    /// Bytes fed and not yet decoded, from `pos` on.
    buf: Vec<u8>,
    pos: usize,
    /// Inside a bracketed paste: the text so far.
    paste: Option<Vec<u8>>,
    /// How many bytes of [`PASTE_END`] the latest paste bytes matched.
    paste_end_matched: usize,
    /// Skipping an over-long CSI sequence up to its final byte.
    skipping_csi: bool,
}

/// What decoding at the current position found.
enum Step {
    /// A key, and how many bytes it used.
    Key(Key, usize),
    /// Bytes that decode to no key (an ignored sequence).
    Skip(usize),
    /// The bracketed-paste start marker, this many bytes.
    PasteStart(usize),
    /// The bytes so far are an unfinished prefix: wait for more.
    NeedMore,
}

/// The result of decoding one UTF-8 character at the start of a slice.
enum Utf8 {
    Char(char, usize),
    /// Invalid: the maximal invalid subpart is this many bytes.
    Invalid(usize),
    NeedMore,
}

impl KeyDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        KeyDecoder::default()
    }

    /// Appends bytes read from the terminal. They may end anywhere: in the
    /// middle of a character, a sequence or a paste.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 4096 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next decoded key, or `None` when the bytes fed so far hold no
    /// complete key (the rest may come with the next [`feed`](Self::feed)).
    pub fn next_key(&mut self) -> Option<Key> {
        loop {
            if self.paste.is_some() {
                match self.step_paste() {
                    Some(key) => return Some(key),
                    None if self.pos == self.buf.len() => return None,
                    None => continue,
                }
            }
            if self.skipping_csi {
                self.step_skip_csi();
                if self.skipping_csi {
                    return None;
                }
                continue;
            }
            let rest = &self.buf[self.pos..];
            if rest.is_empty() {
                return None;
            }
            match decode(rest) {
                Step::Key(key, used) => {
                    self.pos += used;
                    return Some(key);
                }
                Step::Skip(used) => self.pos += used,
                Step::PasteStart(used) => {
                    self.pos += used;
                    self.paste = Some(Vec::new());
                    self.paste_end_matched = 0;
                }
                Step::NeedMore => {
                    if rest.len() > MAX_CSI_LEN && rest.starts_with(b"\x1b[") {
                        // An over-long CSI sequence: skip it to its end.
                        self.pos += 2;
                        self.skipping_csi = true;
                        continue;
                    }
                    return None;
                }
            }
        }
    }

    /// True when the pending bytes are an unfinished escape sequence (most
    /// often a lone `ESC`): the caller should wait a short time (about
    /// 25-50 ms) for more bytes, then call [`flush_escape`](Self::flush_escape).
    /// False while [`next_key`](Self::next_key) still has keys to give.
    pub fn pending_escape(&self) -> bool {
        let rest = &self.buf[self.pos..];
        self.paste.is_none()
            && !self.skipping_csi
            && rest.first() == Some(&ESC)
            && matches!(decode(rest), Step::NeedMore)
    }

    /// The caller's timeout passed with no more bytes: the unfinished
    /// escape is taken as typed. A lone `ESC` is [`Key::Esc`]; `ESC [` and
    /// `ESC O` are Alt-`[` and Alt-`O`; a longer unfinished sequence is
    /// dropped. Returns `None` when nothing was pending.
    pub fn flush_escape(&mut self) -> Option<Key> {
        if !self.pending_escape() {
            return None;
        }
        let rest = &self.buf[self.pos..];
        let key = match rest {
            [ESC] => Some(Key::Esc),
            [ESC, b] if *b == b'[' || *b == b'O' => Some(Key::Alt(*b as char)),
            _ => None,
        };
        self.pos = self.buf.len();
        key
    }

    /// Consumes paste bytes; returns the paste once its end marker is seen.
    fn step_paste(&mut self) -> Option<Key> {
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            self.pos += 1;
            if b == PASTE_END[self.paste_end_matched] {
                self.paste_end_matched += 1;
                if self.paste_end_matched == PASTE_END.len() {
                    self.paste_end_matched = 0;
                    let bytes = self.paste.take().unwrap_or_default();
                    return Some(Key::Paste(paste_text(&bytes)));
                }
                continue;
            }
            // Not the marker after all: the matched part was text. ESC only
            // occurs at the marker's start, so the match restarts at 0 or 1.
            let matched = self.paste_end_matched;
            self.paste_end_matched = 0;
            if let Some(paste) = self.paste.as_mut() {
                push_bounded(paste, &PASTE_END[..matched]);
                if b == ESC {
                    self.paste_end_matched = 1;
                } else {
                    push_bounded(paste, &[b]);
                }
            }
        }
        None
    }

    /// Skips parameter and intermediate bytes up to a CSI final byte.
    fn step_skip_csi(&mut self) {
        while let Some(&b) = self.buf.get(self.pos) {
            match b {
                0x20..=0x3f => self.pos += 1,
                0x40..=0x7e => {
                    self.pos += 1;
                    self.skipping_csi = false;
                    return;
                }
                // A byte no sequence holds ends the skip; it is decoded.
                _ => {
                    self.skipping_csi = false;
                    return;
                }
            }
        }
    }
}

/// Appends to a paste, keeping at most [`MAX_PASTE_BYTES`].
fn push_bounded(paste: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_PASTE_BYTES.saturating_sub(paste.len());
    paste.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// Pasted bytes as text: lossy UTF-8 (a cut at the size bound drops the
/// partial character), line ends as `\n`, no other control characters.
fn paste_text(bytes: &[u8]) -> String {
    let mut end = bytes.len();
    if end == MAX_PASTE_BYTES {
        // Drop a character cut by the bound rather than show U+FFFD.
        let mut back = 0;
        while back < 3 && end > back && (bytes[end - 1 - back] & 0xc0) == 0x80 {
            back += 1;
        }
        if end > back && bytes[end - 1 - back] >= 0xc0 {
            let lead = bytes[end - 1 - back];
            let need = utf8_len(lead).unwrap_or(1);
            if need > back + 1 {
                end -= back + 1;
            }
        }
    }
    let text = String::from_utf8_lossy(&bytes[..end]);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The length of a UTF-8 sequence from its lead byte; `None` for a byte
/// that cannot start one.
fn utf8_len(lead: u8) -> Option<usize> {
    match lead {
        0x00..=0x7f => Some(1),
        0xc2..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf4 => Some(4),
        _ => None,
    }
}

/// Decodes one UTF-8 character at the start of `bytes` (not empty), by the
/// rules of the Unicode Standard §3.9 (table 3-7): overlong forms,
/// surrogates and values past U+10FFFF are invalid.
fn decode_utf8(bytes: &[u8]) -> Utf8 {
    let lead = bytes[0];
    let Some(len) = utf8_len(lead) else {
        return Utf8::Invalid(1);
    };
    for i in 1..len {
        let Some(&b) = bytes.get(i) else {
            return Utf8::NeedMore;
        };
        let ok = match (i, lead) {
            (1, 0xe0) => (0xa0..=0xbf).contains(&b),
            (1, 0xed) => (0x80..=0x9f).contains(&b),
            (1, 0xf0) => (0x90..=0xbf).contains(&b),
            (1, 0xf4) => (0x80..=0x8f).contains(&b),
            _ => (0x80..=0xbf).contains(&b),
        };
        if !ok {
            return Utf8::Invalid(i);
        }
    }
    match std::str::from_utf8(&bytes[..len]) {
        Ok(s) => match s.chars().next() {
            Some(c) => Utf8::Char(c, len),
            None => Utf8::Invalid(1),
        },
        Err(_) => Utf8::Invalid(1),
    }
}

/// Decodes the key at the start of `bytes` (not empty, not in a paste).
fn decode(bytes: &[u8]) -> Step {
    match bytes[0] {
        ESC => decode_escape(bytes),
        b'\r' | b'\n' => Step::Key(Key::Enter, 1),
        b'\t' => Step::Key(Key::Tab, 1),
        0x7f | 0x08 => Step::Key(Key::Backspace, 1),
        b @ 0x01..=0x1a => Step::Key(Key::Ctrl((b'a' + b - 1) as char), 1),
        0x00 => Step::Key(Key::Ctrl(' '), 1),
        b @ 0x1c..=0x1f => Step::Key(Key::Ctrl((b'\\' + b - 0x1c) as char), 1),
        _ => match decode_utf8(bytes) {
            // C1 controls (U+0080-U+009F) are not keys.
            Utf8::Char(c, used) if c.is_control() => Step::Skip(used),
            Utf8::Char(c, used) => Step::Key(Key::Char(c), used),
            Utf8::Invalid(used) => Step::Key(Key::Char(char::REPLACEMENT_CHARACTER), used),
            Utf8::NeedMore => Step::NeedMore,
        },
    }
}

/// Decodes at an `ESC`.
fn decode_escape(bytes: &[u8]) -> Step {
    let Some(&next) = bytes.get(1) else {
        return Step::NeedMore;
    };
    match next {
        b'[' => decode_csi(bytes),
        b'O' => match bytes.get(2) {
            None => Step::NeedMore,
            Some(&b) if (0x40..=0x7e).contains(&b) => match ss3_key(b) {
                Some(key) => Step::Key(key, 3),
                None => Step::Skip(3),
            },
            // Not SS3: it was Alt-O, and the byte after is decoded anew.
            Some(_) => Step::Key(Key::Alt('O'), 2),
        },
        // ESC before a control byte or another ESC: the Esc key, then that.
        0x00..=0x1f | 0x7f => Step::Key(Key::Esc, 1),
        0x20..=0x7e => Step::Key(Key::Alt(next as char), 2),
        _ => match decode_utf8(&bytes[1..]) {
            Utf8::Char(c, used) if !c.is_control() => Step::Key(Key::Alt(c), 1 + used),
            Utf8::Char(..) | Utf8::Invalid(_) => Step::Key(Key::Esc, 1),
            Utf8::NeedMore => Step::NeedMore,
        },
    }
}

/// The key of `ESC O x`.
fn ss3_key(b: u8) -> Option<Key> {
    Some(match b {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'M' => Key::Enter,
        _ => return None,
    })
}

/// Decodes `ESC [ params intermediates final` (ECMA-48 §5.4: parameter
/// bytes 0x30-0x3f, intermediate bytes 0x20-0x2f, final byte 0x40-0x7e).
fn decode_csi(bytes: &[u8]) -> Step {
    let mut i = 2;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Step::NeedMore;
        };
        match b {
            0x20..=0x3f => i += 1,
            0x40..=0x7e => {
                let params = &bytes[2..i];
                let used = i + 1;
                if used > MAX_CSI_LEN {
                    return Step::Skip(used);
                }
                if params == b"200" && b == b'~' {
                    return Step::PasteStart(used);
                }
                return match csi_key(params, b) {
                    Some(key) => Step::Key(key, used),
                    None => Step::Skip(used),
                };
            }
            // A byte that cannot be in a sequence: drop what came before.
            _ => return Step::Skip(i),
        }
    }
}

/// The key of a complete CSI sequence, or `None` to ignore it.
fn csi_key(params: &[u8], fin: u8) -> Option<Key> {
    let text = std::str::from_utf8(params).ok()?;
    let mut fields = text.split(';');
    let first: Option<u32> = fields.next().and_then(|f| f.parse().ok());
    // The modifier parameter: 1 + (1 Shift | 2 Alt | 4 Ctrl).
    let modifier: u32 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(1);
    let by_word = modifier.saturating_sub(1) & 0b110 != 0;
    let key = match fin {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' if by_word => Key::Alt('f'),
        b'D' if by_word => Key::Alt('b'),
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'Z' => Key::BackTab,
        b'~' => match first? {
            1 | 7 => Key::Home,
            3 => Key::Delete,
            4 | 8 => Key::End,
            5 => Key::PageUp,
            6 => Key::PageDown,
            _ => return None,
        },
        _ => return None,
    };
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes all of `bytes` fed in one piece.
    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut d = KeyDecoder::new();
        d.feed(bytes);
        drain(&mut d)
    }

    fn drain(d: &mut KeyDecoder) -> Vec<Key> {
        let mut out = Vec::new();
        while let Some(k) = d.next_key() {
            out.push(k);
        }
        out
    }

    #[test]
    fn plain_text_and_control_bytes() {
        use Key::*;
        assert_eq!(keys(b"hi\r\n\t"), [Char('h'), Char('i'), Enter, Enter, Tab]);
        assert_eq!(keys(b"\x7f\x08"), [Backspace, Backspace]);
        assert_eq!(
            keys(b"\x01\x05\x17\x19\x00\x1f"),
            [
                Ctrl('a'),
                Ctrl('e'),
                Ctrl('w'),
                Ctrl('y'),
                Ctrl(' '),
                Ctrl('_')
            ]
        );
    }

    #[test]
    fn csi_and_ss3_forms() {
        use Key::*;
        let cases: &[(&[u8], Key)] = &[
            (b"\x1b[A", Up),
            (b"\x1b[B", Down),
            (b"\x1b[C", Right),
            (b"\x1b[D", Left),
            (b"\x1bOA", Up),
            (b"\x1bOD", Left),
            (b"\x1b[H", Home),
            (b"\x1b[F", End),
            (b"\x1bOH", Home),
            (b"\x1bOF", End),
            (b"\x1b[1~", Home),
            (b"\x1b[7~", Home),
            (b"\x1b[4~", End),
            (b"\x1b[8~", End),
            (b"\x1b[3~", Delete),
            (b"\x1b[5~", PageUp),
            (b"\x1b[6~", PageDown),
            (b"\x1b[Z", BackTab),
            (b"\x1b[1;5C", Alt('f')),
            (b"\x1b[1;5D", Alt('b')),
            (b"\x1b[1;3D", Alt('b')),
            (b"\x1b[1;2C", Right),
            (b"\x1b[1;5A", Up),
            (b"\x1b[5;5~", PageUp),
            (b"\x1b[3;2~", Delete),
        ];
        for (bytes, key) in cases {
            assert_eq!(keys(bytes), std::slice::from_ref(key), "{bytes:?}");
        }
    }

    #[test]
    fn ignored_and_broken_sequences() {
        use Key::*;
        // F1 (SS3 P), F5 (15~), Insert (2~), focus in (ESC [ I): no key.
        assert_eq!(keys(b"\x1bOP\x1b[15~\x1b[2~\x1b[Ia"), [Char('a')]);
        // A sequence broken by a control byte: dropped, the byte decoded.
        assert_eq!(keys(b"\x1b[12\rx"), [Enter, Char('x')]);
        // ESC O then a non-final byte: Alt-O, then the byte.
        assert_eq!(keys(b"\x1bO\x01"), [Alt('O'), Ctrl('a')]);
        // An over-long CSI is skipped up to its final byte.
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 500));
        long.extend_from_slice(b"~z");
        assert_eq!(keys(&long), [Char('z')]);
    }

    #[test]
    fn alt_and_lone_escape() {
        use Key::*;
        assert_eq!(
            keys(b"\x1bb\x1bf\x1b1\x1bA"),
            [Alt('b'), Alt('f'), Alt('1'), Alt('A')]
        );
        assert_eq!(keys("\x1bé".as_bytes()), [Alt('é')]);
        // ESC ESC [ A: the Esc key, then Up.
        assert_eq!(keys(b"\x1b\x1b[A"), [Esc, Up]);
        // ESC then Enter: Esc, Enter.
        assert_eq!(keys(b"\x1b\r"), [Esc, Enter]);

        let mut d = KeyDecoder::new();
        assert!(!d.pending_escape());
        assert_eq!(d.flush_escape(), None);
        d.feed(b"\x1b");
        assert_eq!(d.next_key(), None);
        assert!(d.pending_escape());
        assert_eq!(d.flush_escape(), Some(Esc));
        assert!(!d.pending_escape());
        d.feed(b"\x1b[");
        assert_eq!(d.next_key(), None);
        assert!(d.pending_escape());
        assert_eq!(d.flush_escape(), Some(Alt('[')));
        d.feed(b"\x1b[1;");
        assert_eq!(d.next_key(), None);
        assert_eq!(d.flush_escape(), None);
        assert!(!d.pending_escape());
        d.feed(b"x");
        assert_eq!(d.next_key(), Some(Char('x')));
        // Keys not yet taken are not an unfinished escape: flushing early
        // loses nothing.
        d.feed(b"\x1b[A");
        assert!(!d.pending_escape());
        assert_eq!(d.flush_escape(), None);
        assert_eq!(d.next_key(), Some(Up));
    }

    #[test]
    fn long_input_is_compacted() {
        let mut d = KeyDecoder::new();
        d.feed(b"\x1b");
        let mut n = 0;
        for _ in 0..10_000 {
            // Each feed ends with a partial sequence: the buffer never empties.
            d.feed(b"[Cab\x1b");
            while let Some(k) = d.next_key() {
                n += 1;
                assert!(matches!(k, Key::Char(_) | Key::Right), "{k:?}");
            }
            assert!(d.pending_escape());
            assert!(d.buf.len() < 8192, "buffer grew to {}", d.buf.len());
        }
        assert_eq!(n, 30_000);
    }

    #[test]
    fn utf8_split_and_invalid() {
        use Key::*;
        let text = "é中😀";
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            let mut d = KeyDecoder::new();
            d.feed(&bytes[..cut]);
            let mut got = drain(&mut d);
            d.feed(&bytes[cut..]);
            got.extend(drain(&mut d));
            assert_eq!(got, [Char('é'), Char('中'), Char('😀')], "cut at {cut}");
        }
        let r = Char(char::REPLACEMENT_CHARACTER);
        // A stray continuation byte, an invalid lead, a truncated sequence.
        assert_eq!(
            keys(b"\x80a\xffb\xe4\xb8c"),
            [
                r.clone(),
                Char('a'),
                r.clone(),
                Char('b'),
                r.clone(),
                Char('c')
            ]
        );
        // Overlong "/" and a UTF-16 surrogate: invalid.
        assert_eq!(keys(b"\xc0\xaf"), [r.clone(), r.clone()]);
        assert_eq!(keys(b"\xed\xa0\x80"), [r.clone(), r.clone(), r.clone()]);
        // C1 controls are not keys.
        assert_eq!(keys("\u{85}x".as_bytes()), [Char('x')]);
    }

    #[test]
    fn bracketed_paste() {
        use Key::*;
        assert_eq!(
            keys(b"a\x1b[200~line 1\r\nline 2\rthree\x1b[31m\x07\x1b[201~b"),
            [
                Char('a'),
                Paste("line 1\nline 2\nthree[31m".into()),
                Char('b')
            ]
        );
        // An ESC in the text that does not start the end marker: the
        // bytes after it stay, the ESC itself is removed.
        assert_eq!(
            keys(b"\x1b[200~x\x1b[20y\x1b[201~"),
            [Paste("x[20y".into())]
        );
        // Split across feeds at every position.
        let input = "\x1b[200~héllo\nwörld\x1b[201~!".as_bytes();
        for cut in 0..=input.len() {
            let mut d = KeyDecoder::new();
            d.feed(&input[..cut]);
            let mut got = drain(&mut d);
            d.feed(&input[cut..]);
            got.extend(drain(&mut d));
            assert_eq!(
                got,
                [Paste("héllo\nwörld".into()), Char('!')],
                "cut at {cut}"
            );
        }
        // A stray end marker is ignored.
        assert_eq!(keys(b"\x1b[201~z"), [Char('z')]);
    }

    #[test]
    fn paste_is_bounded() {
        let mut d = KeyDecoder::new();
        d.feed(b"\x1b[200~");
        let chunk = "é".repeat(1000);
        for _ in 0..100 {
            d.feed(chunk.as_bytes());
            assert_eq!(d.next_key(), None);
        }
        d.feed(b"\x1b[201~x");
        let Some(Key::Paste(text)) = d.next_key() else {
            panic!("expected a paste");
        };
        assert!(text.len() <= MAX_PASTE_BYTES);
        assert!(text.len() > MAX_PASTE_BYTES - 4);
        assert!(
            text.chars().all(|c| c == 'é'),
            "no partial character at the cut"
        );
        assert_eq!(d.next_key(), Some(Key::Char('x')));
        assert_eq!(d.next_key(), None);
    }

    /// xorshift64* (Vigna, "An experimental exploration of Marsaglia's
    /// xorshift generators, scrambled", 2016); the seed must not be zero.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Random input biased towards the interesting bytes.
    fn random_input(rng: &mut Rng) -> Vec<u8> {
        const PIECES: &[&[u8]] = &[
            b"\x1b",
            b"[",
            b"O",
            b"1",
            b";",
            b"5",
            b"~",
            b"200~",
            b"201~",
            b"\x1b[200~",
            b"\x1b[201~",
            b"A",
            b"\xc3",
            b"\xa9",
            b"\xe4\xb8",
            b"\xad",
            b"\xf0\x9f",
            b"\x98\x80",
            b"\r",
            b"\x7f",
            b"\x01",
            b"a",
            b"\xff",
        ];
        let n = rng.below(60);
        let mut out = Vec::new();
        for _ in 0..n {
            if rng.below(4) == 0 {
                out.push(rng.next() as u8);
            } else {
                out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        out
    }

    #[test]
    fn fuzz_random_calls_never_panic() {
        let mut rng = Rng(0x0dd_ba11);
        let mut d = KeyDecoder::new();
        for _ in 0..20_000 {
            match rng.below(4) {
                0 | 1 => d.feed(&random_input(&mut rng)),
                2 => {
                    if d.pending_escape() {
                        d.flush_escape();
                        assert!(!d.pending_escape());
                    }
                }
                _ => {
                    while let Some(key) = d.next_key() {
                        if let Key::Char(c) | Key::Alt(c) = key {
                            assert!(!c.is_control());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fuzz_same_keys_whatever_the_split() {
        let seed: u64 = std::env::var("KEYS_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x5eed_cafe_f00d);
        let cases: usize = std::env::var("KEYS_FUZZ_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000);
        let mut rng = Rng(seed | 1);
        for case in 0..cases {
            let input = random_input(&mut rng);
            let mut whole = KeyDecoder::new();
            whole.feed(&input);
            let mut expected = drain(&mut whole);
            expected.extend(whole.flush_escape());
            expected.extend(drain(&mut whole));

            let mut split = KeyDecoder::new();
            let mut got = Vec::new();
            let mut at = 0;
            while at < input.len() {
                let len = 1 + rng.below(5.min(input.len() - at));
                split.feed(&input[at..at + len]);
                got.extend(drain(&mut split));
                at += len;
            }
            got.extend(split.flush_escape());
            got.extend(drain(&mut split));
            assert_eq!(
                got, expected,
                "seed {seed:#x}, case {case}, input {input:?}"
            );
            for key in &got {
                if let Key::Char(c) | Key::Alt(c) = key {
                    assert!(!c.is_control(), "control char {c:?} from {input:?}");
                }
            }
        }
    }
}
