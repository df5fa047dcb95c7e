//! The screen model: key presses and the session's output in, a grid of
//! cells out. No terminal, no clock, no socket.
//!
//! ```text
//!  ┌────────────────────────────────────────────────────────────┐
//!  │ event_server 0.1.0 │ alice │ #rust (3 members)             │ title
//!  │                                                            │
//!  │ 12:01 <bob> has anyone tried the new borrow checker?       │
//!  │ ───────────────────────── unread ───────────────────────── │ scrollback
//!  │ 12:03 <carol> alice: yes, it's great                       │
//!  │ -- more below (PgDn) --                                    │ (scrolled up)
//!  │ 12:04 [online] 1:status 2:#lobby 3:#rust 4:#go(2!) 5:bob   │ status
//!  │ #rust> hello every_                                        │ input
//!  └────────────────────────────────────────────────────────────┘
//! ```
//!
//! * [`Screen::absorb`] moves what the [`Session`] has to show into
//!   [`Buffers`]: room messages to their room,
//!   whispers to a buffer per partner, notices to their room or to the
//!   buffer in view. It also follows the session when it changes rooms
//!   (`/join`, `/switch`).
//! * [`Screen::handle_key`] edits the input line (helper
//!   [`LineEditor`]), completes with Tab, switches buffers (Alt-1..9,
//!   Ctrl-N/Ctrl-P, Alt-A), scrolls (PgUp/PgDn), asks before sending a
//!   multi-line paste, and sends lines to the session. What needs the
//!   terminal (Ctrl-L, Ctrl-Z) comes back as an [`Action`].
//! * [`Screen::draw`] lays the frame out at the current size. The input
//!   line is drawn from the editor on every frame, so incoming messages
//!   never disturb it.
//!
//! Everything received is sanitised ([`sanitize`]) before it reaches a
//! cell: control characters as in line mode, and on top the invisible
//! format characters (general category Cf) that could reorder or hide
//! what is shown, such as U+202E RIGHT-TO-LEFT OVERRIDE or the isolates
//! U+2066..U+2069, are shown escaped (`\u{202e}`). [`Grid::put_str`]
//! refuses control characters again.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Instant;

use super::buffers::{Buffers, Kind, Line};
use super::clock::LocalZone;
use super::complete::{Completer, CompletionContext};
use super::editor::{EditResult, LineEditor};
use super::grid::{CellStyle, Grid};
use super::keys::Key;
use super::width::{char_width, str_width};
use crate::client::render::nick_color;
use crate::client::session::{Connection, Session, Shown};
use crate::protocol::fold_name;

/// The commands Tab completes (the session's, plus the screen's `/clear`).
pub const COMMANDS: &[&str] = &[
    "/clear", "/help", "/join", "/leave", "/msg", "/nick", "/ping", "/quit", "/rooms", "/switch",
    "/who",
];

/// Help lines for what only the full screen offers.
const SCREEN_HELP: &[&str] = &[
    "keys: Alt-1..9 or Ctrl-N/Ctrl-P switch buffers, Alt-A goes to the next unread one,",
    "  PgUp/PgDn scroll, Tab completes, Up/Down recall, Ctrl-L redraws, Ctrl-Z suspends,",
    "  Ctrl-C twice quits; /clear empties this buffer; in a whisper buffer, lines go to that nick",
];

/// What a key asks of the terminal side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Draw the next frame as usual (only changes are sent).
    Redraw,
    /// Clear the terminal and paint the whole frame (Ctrl-L).
    Repaint,
    /// Restore the terminal and stop the process (Ctrl-Z).
    Suspend,
}

/// The full-screen model. See the [module docs](self).
#[derive(Debug)]
pub struct Screen {
    cols: usize,
    rows: usize,
    buffers: Buffers,
    editor: LineEditor,
    /// Tab's state: a second Tab cycles to the next match.
    completer: Completer,
    zone: LocalZone,
    /// A multi-line paste waiting for Enter or Esc.
    paste: Option<String>,
    /// Ctrl-C was pressed once; a second one quits.
    quit_armed: bool,
    /// The session's current room when last looked at.
    last_room: Option<String>,
    /// The last notice shown, to repeat on the way out.
    last_notice: Option<String>,
}

impl Screen {
    /// A screen of `cols` by `rows` showing times in `zone`.
    pub fn new(cols: usize, rows: usize, zone: LocalZone) -> Screen {
        Screen {
            cols,
            rows,
            buffers: Buffers::new(),
            editor: LineEditor::new(),
            completer: Completer::new(),
            zone,
            paste: None,
            quit_armed: false,
            last_room: None,
            last_notice: None,
        }
    }

    /// The buffers.
    pub fn buffers(&self) -> &Buffers {
        &self.buffers
    }

    /// The last notice shown (`-- ...`), if any: what a terminal that is
    /// about to be handed back can still say.
    pub fn last_notice(&self) -> Option<&str> {
        self.last_notice.as_deref()
    }

    /// The text being typed.
    pub fn input(&self) -> &str {
        self.editor.text()
    }

    /// The terminal's new size.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        self.cols = cols;
        self.rows = rows;
    }

    /// A notice from the terminal side (e.g. the time zone warning), in
    /// the status buffer.
    pub fn notice(&mut self, text: &str) {
        let line = notice_line(&format!("-- {}", sanitize(text)));
        self.buffers.push(0, line, false);
    }

    /// Takes everything the session has to show, and follows it into the
    /// room it now talks in.
    pub fn absorb(&mut self, session: &mut Session) {
        let me = session.nick().to_string();
        while let Some(item) = session.poll_shown() {
            let (index, line, counts) = match item {
                Shown::Message {
                    room,
                    from,
                    text,
                    time_ms,
                } => {
                    let index = self.buffer_for(Kind::Room(room), session);
                    (index, self.message_line(&me, &from, &text, time_ms), true)
                }
                Shown::Whisper {
                    from,
                    to,
                    text,
                    time_ms,
                } => {
                    let partner = if same_nick(&from, &me) { &to } else { &from };
                    let index = self.buffer_for(Kind::Whisper(partner.clone()), session);
                    (
                        index,
                        self.whisper_line(&me, &from, &to, &text, time_ms),
                        true,
                    )
                }
                Shown::Notice { room, line } => {
                    self.last_notice = Some(line.clone());
                    let index = match room {
                        Some(room) => self.buffer_for(Kind::Room(room), session),
                        None => self.buffers.current(),
                    };
                    (index, notice_line(&sanitize(&line)), false)
                }
            };
            self.push(index, line, counts);
        }
        for room in session.rooms() {
            self.buffers.ensure(Kind::Room(room.to_string()));
        }
        let room = session.current_room().map(str::to_string);
        if room != self.last_room {
            if let Some(room) = &room {
                let index = self.buffers.ensure(Kind::Room(room.clone()));
                self.buffers.select(index);
            }
            self.last_room = room;
        }
    }

    /// Adds a line, keeping a scrolled-up view where it is.
    fn push(&mut self, index: usize, line: Line, counts: bool) {
        if index == self.buffers.current() {
            let buffer = self.buffers.get_mut(index);
            if buffer.scroll() > 0 {
                let rows = wrap(&line.spans, self.cols.max(1)).len();
                buffer.set_scroll(buffer.scroll() + rows);
            }
        }
        self.buffers.push(index, line, counts);
    }

    /// The buffer for `kind`, made if the server cannot be flooding us
    /// with it: a room buffer only for a room the session is in, and at
    /// most [`MAX_WHISPER_BUFFERS`] whisper buffers. Anything else goes to
    /// the status buffer.
    fn buffer_for(&mut self, kind: Kind, session: &Session) -> usize {
        if let Some(index) = self.buffers.find(&kind) {
            return index;
        }
        let allowed = match &kind {
            Kind::Room(room) => session.rooms().any(|r| r == room),
            Kind::Whisper(_) => {
                let whispers = self
                    .buffers
                    .iter()
                    .filter(|b| matches!(b.kind(), Kind::Whisper(_)))
                    .count();
                whispers < MAX_WHISPER_BUFFERS
            }
            _ => true,
        };
        if allowed {
            self.buffers.ensure(kind)
        } else {
            0
        }
    }

    /// Handles one key press; the session gets what the user sends.
    pub fn handle_key(&mut self, key: Key, session: &mut Session, now: Instant) -> Action {
        if let Some(paste) = self.paste.take() {
            match key {
                Key::Enter => {
                    // The paste goes where the cursor is. Its lines are
                    // text, never commands (`//` says a leading `/`): a
                    // pasted `/nick zed` is not a rename. Only a command
                    // typed before the paste, on its first line, runs.
                    let typed = self.editor.cursor() > 0;
                    self.editor.insert_str(&paste);
                    let text = self.editor.text().to_string();
                    self.editor.set_text("");
                    for (i, line) in text.split('\n').enumerate() {
                        if (i > 0 || !typed) && line.starts_with('/') {
                            self.submit(&format!("/{line}"), session, now);
                        } else {
                            self.submit(line, session, now);
                        }
                    }
                }
                Key::Ctrl('z') => {
                    self.paste = Some(paste);
                    return Action::Suspend;
                }
                Key::Esc | Key::Ctrl('c') => {}
                _ => self.paste = Some(paste),
            }
            return Action::Redraw;
        }
        if key != Key::Ctrl('c') {
            self.quit_armed = false;
        }
        match key {
            Key::Ctrl('c') => {
                if self.quit_armed {
                    self.submit("/quit", session, now);
                } else {
                    self.quit_armed = true;
                }
            }
            Key::Ctrl('l') => return Action::Repaint,
            Key::Ctrl('z') => return Action::Suspend,
            Key::Ctrl('n') => {
                self.select(session, (self.buffers.current() + 1) % self.buffers.len())
            }
            Key::Ctrl('p') => {
                let n = self.buffers.len();
                self.select(session, (self.buffers.current() + n - 1) % n);
            }
            Key::Alt(digit @ '1'..='9') => {
                let index = digit as usize - '1' as usize;
                if index < self.buffers.len() {
                    self.select(session, index);
                }
            }
            Key::Alt('a') | Key::Alt('A') => {
                if self.buffers.next_unread() {
                    self.follow_selection(session);
                }
            }
            Key::PageUp => self.scroll_by(true),
            Key::PageDown => self.scroll_by(false),
            Key::Paste(text) => {
                let text = text.replace("\r\n", "\n").replace('\r', "\n");
                let text = text.trim_end_matches('\n');
                if text.contains('\n') {
                    self.paste = Some(text.to_string());
                } else {
                    self.editor.insert_str(text);
                }
            }
            key => match self.editor.handle(&key) {
                EditResult::Submit(line) => self.submit(&line, session, now),
                EditResult::Complete => self.complete(session),
                EditResult::Changed | EditResult::Nothing => {}
            },
        }
        Action::Redraw
    }

    /// Makes buffer `index` current and points the session at its room.
    fn select(&mut self, session: &mut Session, index: usize) {
        self.buffers.select(index);
        self.follow_selection(session);
    }

    fn follow_selection(&mut self, session: &mut Session) {
        if let Kind::Room(room) = self.buffers.get(self.buffers.current()).kind() {
            if session.set_current(room) {
                self.last_room = Some(room.clone());
            }
        }
    }

    /// Sends a line: `/clear` is the screen's, in a whisper buffer plain
    /// text goes to that nick, the rest is the session's.
    fn submit(&mut self, line: &str, session: &mut Session, now: Instant) {
        let trimmed = line.trim();
        if trimmed.eq_ignore_ascii_case("/clear") {
            self.buffers.get_mut(self.buffers.current()).clear();
            return;
        }
        if trimmed.eq_ignore_ascii_case("/help") {
            for help in SCREEN_HELP {
                self.push(
                    self.buffers.current(),
                    notice_line(&format!("-- {help}")),
                    false,
                );
            }
        }
        let kind = self.buffers.get(self.buffers.current()).kind().clone();
        match kind {
            Kind::Whisper(nick) if !line.starts_with('/') || line.starts_with("//") => {
                let text = line.strip_prefix('/').unwrap_or(line);
                if !text.trim().is_empty() {
                    session.handle_line(&format!("/msg {nick} {text}"), now);
                }
            }
            _ => session.handle_typed(line, now),
        }
        self.absorb(session);
    }

    /// Tab: completes nicks of the buffer in view, commands and rooms.
    fn complete(&mut self, session: &Session) {
        let nicks: Vec<String> = match self.buffers.get(self.buffers.current()).kind() {
            Kind::Room(room) => session.members(room),
            Kind::Whisper(nick) => vec![nick.clone()],
            Kind::Status => Vec::new(),
        };
        let rooms: Vec<String> = session.rooms().map(str::to_string).collect();
        let ctx = CompletionContext {
            nicks: &nicks,
            rooms: &rooms,
            commands: COMMANDS,
        };
        let (line, cursor) = (self.editor.text().to_string(), self.editor.cursor());
        if let Some(done) = self.completer.tab(&line, cursor, &ctx) {
            self.editor.set_text(&done.line);
            self.editor.set_cursor(done.cursor);
        }
    }

    /// PgUp / PgDn: a page less one row, within what the buffer holds.
    fn scroll_by(&mut self, up: bool) {
        let height = self.scrollback_height();
        let page = height.saturating_sub(1).max(1);
        let total = self.wrapped_rows(self.buffers.current()).len();
        let max = total.saturating_sub(height);
        let buffer = self.buffers.get_mut(self.buffers.current());
        let scroll = buffer.scroll().min(max);
        let scroll = if up {
            (scroll + page).min(max)
        } else {
            scroll.saturating_sub(page)
        };
        buffer.set_scroll(scroll);
    }

    /// Rows between the title and the status line.
    fn scrollback_height(&self) -> usize {
        self.rows.saturating_sub(3)
    }

    /// Every screen row of buffer `index`, newest first, with the
    /// separator before the first unread line.
    fn wrapped_rows(&self, index: usize) -> Vec<Vec<(String, CellStyle)>> {
        self.rows_from_bottom(index, usize::MAX)
    }

    /// Up to `need` screen rows of buffer `index`, newest first.
    fn rows_from_bottom(&self, index: usize, need: usize) -> Vec<Vec<(String, CellStyle)>> {
        let cols = self.cols.max(1);
        let (lines, marker) = self.buffers.get(index).lines();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate().rev() {
            out.extend(wrap(&line.spans, cols).into_iter().rev());
            if marker == Some(i) {
                let label = format!("{:-^cols$}", " unread ");
                out.push(vec![(label, CellStyle::DIM.with_fg(33))]);
            }
            if out.len() >= need {
                break;
            }
        }
        out
    }

    /// The frame: a grid of the screen's size and where the cursor goes.
    /// `now` times the reconnection countdown, `unix_ms` the clock.
    pub fn draw(
        &self,
        session: &Session,
        now: Instant,
        unix_ms: u64,
    ) -> (Grid, Option<(usize, usize)>) {
        let (cols, rows) = (self.cols, self.rows);
        let mut grid = Grid::new(cols, rows);
        if cols == 0 || rows == 0 {
            return (grid, None);
        }
        let current = self.buffers.get(self.buffers.current());
        if rows >= 3 {
            self.draw_title(&mut grid, session, current.kind());
        }
        if rows >= 4 {
            let height = self.scrollback_height();
            let scroll = current.scroll();
            let built = self.rows_from_bottom(self.buffers.current(), height + scroll);
            let scroll = scroll.min(built.len().saturating_sub(height));
            for (k, row) in built.iter().skip(scroll).take(height).enumerate() {
                let y = height - k;
                let mut x = 0;
                for (text, style) in row {
                    x = grid.put_str(y, x, text, *style, cols);
                }
            }
            if scroll > 0 {
                grid.fill(height, 0, cols, CellStyle::REVERSE);
                grid.put_str(
                    height,
                    0,
                    " -- more below (PgDn) -- ",
                    CellStyle::REVERSE,
                    cols,
                );
            }
        }
        if rows >= 2 {
            self.draw_status(&mut grid, rows - 2, session, now, unix_ms);
        }
        let cursor = self.draw_input(&mut grid, rows - 1, session);
        (grid, cursor)
    }

    fn draw_title(&self, grid: &mut Grid, session: &Session, kind: &Kind) {
        let cols = grid.cols();
        grid.fill(0, 0, cols, CellStyle::REVERSE);
        let server = if session.server().is_empty() {
            "(not connected)".to_string()
        } else {
            sanitize(session.server()).into_owned()
        };
        let what = match kind {
            Kind::Status => "status".to_string(),
            Kind::Room(room) => {
                let members = session.members(room).len();
                if session.rooms().any(|r| r == room) {
                    let plural = if members == 1 { "" } else { "s" };
                    format!("#{} ({members} member{plural})", sanitize(room))
                } else {
                    format!("#{} (not joined)", sanitize(room))
                }
            }
            Kind::Whisper(nick) => format!("whispers with {}", sanitize(nick)),
        };
        let title = format!(" {server} │ {} │ {what}", sanitize(session.nick()));
        grid.put_str(0, 0, &title, CellStyle::REVERSE, cols);
    }

    fn draw_status(
        &self,
        grid: &mut Grid,
        row: usize,
        session: &Session,
        now: Instant,
        unix_ms: u64,
    ) {
        let cols = grid.cols();
        grid.fill(row, 0, cols, CellStyle::REVERSE);
        let state = match session.connection() {
            Connection::Online => "online".to_string(),
            Connection::Connecting => "connecting".to_string(),
            Connection::Waiting { at, attempt } => {
                let secs = at.saturating_duration_since(now).as_millis().div_ceil(1000);
                format!("reconnecting in {secs} s, try {attempt}")
            }
            Connection::Closed => "offline".to_string(),
        };
        let head = format!(" {} [{state}] ", self.zone.hh_mm(unix_ms));
        let mut x = grid.put_str(row, 0, &head, CellStyle::REVERSE, cols);
        for (i, buffer) in self.buffers.iter().enumerate() {
            let mut label = format!("{}:{}", i + 1, sanitize(&buffer.kind().label()));
            if buffer.unread() > 0 || buffer.mentioned() {
                label.push_str(&format!(
                    "({}{})",
                    buffer.unread(),
                    if buffer.mentioned() { "!" } else { "" }
                ));
            }
            let style = if i == self.buffers.current() {
                CellStyle::BOLD
            } else if buffer.mentioned() {
                CellStyle {
                    bold: true,
                    ..CellStyle::REVERSE.with_fg(33)
                }
            } else {
                CellStyle::REVERSE
            };
            x = grid.put_str(row, x, &label, style, cols);
            x = grid.put_str(row, x, " ", CellStyle::REVERSE, cols);
        }
    }

    /// The input line; returns the cursor position.
    fn draw_input(&self, grid: &mut Grid, row: usize, session: &Session) -> Option<(usize, usize)> {
        let cols = grid.cols();
        if let Some(paste) = &self.paste {
            let lines = paste.split('\n').count();
            let ask = format!("paste {lines} lines? Enter to send, Esc to cancel");
            let end = grid.put_str(row, 0, &ask, CellStyle::REVERSE, cols);
            return Some((end.min(cols - 1), row));
        }
        let prompt = if self.quit_armed {
            "(Ctrl-C again to quit) ".to_string()
        } else {
            let target = match self.buffers.get(self.buffers.current()).kind() {
                Kind::Whisper(nick) => sanitize(nick).into_owned(),
                _ => match session.current_room() {
                    Some(room) => format!("#{}", sanitize(room)),
                    None => String::new(),
                },
            };
            format!("{target}> ")
        };
        // Keep at least a third of the line for the text.
        let prompt_width = str_width(&prompt).min(cols * 2 / 3);
        let x = grid.put_str(row, 0, &prompt, CellStyle::BOLD, prompt_width);
        let (text, cursor) = self.editor.view(cols - x);
        grid.put_str(row, x, &text, CellStyle::default(), cols);
        Some(((x + cursor).min(cols - 1), row))
    }

    fn message_line(&self, me: &str, from: &str, text: &str, time_ms: u64) -> Line {
        let mine = same_nick(from, me);
        let mention = !mine && mentions(text, me);
        let nick_style = if mine {
            CellStyle::BOLD
        } else {
            CellStyle::default().with_fg(nick_color(from))
        };
        let text_style = if mention {
            CellStyle::BOLD.with_fg(33)
        } else {
            CellStyle::default()
        };
        Line {
            spans: vec![
                (format!("{} ", self.zone.hh_mm(time_ms)), CellStyle::DIM),
                (format!("<{}>", sanitize(from)), nick_style),
                (" ".to_string(), CellStyle::default()),
                (sanitize(text).into_owned(), text_style),
            ],
            mention,
        }
    }

    fn whisper_line(&self, me: &str, from: &str, to: &str, text: &str, time_ms: u64) -> Line {
        let mine = same_nick(from, me);
        let paint = |nick: &str| {
            if same_nick(nick, me) {
                CellStyle::BOLD
            } else {
                CellStyle::default().with_fg(nick_color(nick))
            }
        };
        Line {
            spans: vec![
                (format!("{} ", self.zone.hh_mm(time_ms)), CellStyle::DIM),
                (format!("*{}*", sanitize(from)), paint(from)),
                (" -> ".to_string(), CellStyle::default()),
                (sanitize(to).into_owned(), paint(to)),
                (": ".to_string(), CellStyle::default()),
                (sanitize(text).into_owned(), CellStyle::default()),
            ],
            mention: !mine,
        }
    }
}

/// A notice line (already rendered and sanitised), dim.
fn notice_line(line: &str) -> Line {
    Line {
        spans: vec![(line.to_string(), CellStyle::DIM)],
        mention: false,
    }
}

fn same_nick(a: &str, b: &str) -> bool {
    fold_name(a) == fold_name(b)
}

/// Whether `text` names `nick` as a word, ignoring ASCII case.
///
/// ```text
/// "alice: hi" mentions alice; "malice" and "alice_2" do not
/// ```
pub fn mentions(text: &str, nick: &str) -> bool {
    if nick.is_empty() {
        return false;
    }
    let hay = text.to_ascii_lowercase();
    let needle = nick.to_ascii_lowercase();
    let is_name =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    hay.match_indices(&needle).any(|(at, _)| {
        !is_name(hay[..at].chars().next_back()) && !is_name(hay[at + needle.len()..].chars().next())
    })
}

/// Cuts styled pieces into rows of at most `cols` cells (at least one
/// row, empty for an empty line). Zero-width characters stay with the
/// character before them.
pub fn wrap(spans: &[(String, CellStyle)], cols: usize) -> Vec<Vec<(String, CellStyle)>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for (text, style) in spans {
        let mut piece = String::new();
        for c in text.chars() {
            let w = char_width(c);
            if w > 0 && used + w > cols && used > 0 {
                let row: &mut Vec<(String, CellStyle)> = rows.last_mut().expect("one row at least");
                if !piece.is_empty() {
                    row.push((std::mem::take(&mut piece), *style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            rows.last_mut()
                .expect("one row at least")
                .push((piece, *style));
        }
    }
    rows
}

/// Whisper buffers made at most; whispers from further nicks are shown
/// in the status buffer (a hostile server cannot make buffers without end).
pub const MAX_WHISPER_BUFFERS: usize = 32;

/// The line mode's [`render::sanitize`](crate::client::render::sanitize)
/// (control characters escaped), then the invisible format characters
/// escaped the same way: the bidirectional embeddings, overrides, isolates
/// and marks, the zero-width space and joiners but ZWNJ/ZWJ (which emoji
/// and scripts need, and which move nothing), the invisible operators, the
/// BOM, the tags. The soft hyphen stays: terminals draw it as a hyphen.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    let s = crate::client::render::sanitize(s);
    if !s.chars().any(hidden_format) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if hidden_format(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Format characters (general category Cf) but the soft hyphen, ZWNJ and
/// ZWJ.
fn hidden_format(c: char) -> bool {
    matches!(
        c as u32,
        0x0600..=0x0605
            | 0x061c
            | 0x06dd
            | 0x070f
            | 0x0890..=0x0891
            | 0x08e2
            | 0x180e
            | 0x200b
            | 0x200e..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientMsg, ServerMsg};

    /// 12:03 UTC.
    const T: u64 = 1_704_110_580_000;

    fn msg(room: &str, from: &str, text: &str, seq: u64) -> ServerMsg {
        ServerMsg::message(room, from, text, seq, T)
    }

    /// alice, welcomed, in lobby, rust and go (current: go), on a screen.
    fn setup(cols: usize, rows: usize) -> (Screen, Session, Instant) {
        let now = Instant::now();
        let mut s = Session::for_screen("alice", 5);
        s.handle_msg(
            ServerMsg::Welcome {
                version: 1,
                nick: "alice".into(),
                server: "event_server 0.1.0".into(),
            },
            now,
        );
        s.handle_msg(ServerMsg::joined("lobby", "alice"), now);
        let mut screen = Screen::new(cols, rows, LocalZone::utc());
        for room in ["rust", "go"] {
            s.handle_line(&format!("/join {room}"), now);
            s.handle_msg(ServerMsg::joined(room, "alice"), now);
        }
        s.handle_msg(
            ServerMsg::Users {
                room: "go".into(),
                nicks: vec!["alice".into(), "bob".into()],
            },
            now,
        );
        while s.poll_transmit().is_some() {}
        screen.absorb(&mut s);
        (screen, s, now)
    }

    fn rows_of(screen: &Screen, session: &Session, now: Instant) -> Vec<String> {
        let (grid, _) = screen.draw(session, now, T);
        (0..grid.rows()).map(|r| grid.row_text(r)).collect()
    }

    fn typed(screen: &mut Screen, session: &mut Session, now: Instant, text: &str) {
        for c in text.chars() {
            screen.handle_key(Key::Char(c), session, now);
        }
    }

    #[test]
    fn format_characters_from_the_network_are_shown_escaped() {
        let (mut screen, mut s, now) = setup(60, 8);
        s.handle_msg(
            msg("go", "bob", "a\u{202e}b\u{2066}c\u{200d}d\u{ad}e", 1),
            now,
        );
        s.handle_msg(ServerMsg::joined("go", "x\u{202e}y"), now);
        screen.absorb(&mut s);
        let rows = rows_of(&screen, &s, now);
        assert!(
            rows.iter()
                .any(|r| r.contains("<bob> a\\u{202e}b\\u{2066}c\u{200d}d\u{ad}e")),
            "{rows:#?}"
        );
        assert!(
            rows.iter().any(|r| r.contains("x\\u{202e}y joined #go")),
            "{rows:#?}"
        );
        assert_eq!(sanitize("plain ✓"), Cow::Borrowed("plain ✓"));
    }

    #[test]
    fn a_server_cannot_make_buffers_without_end() {
        let (mut screen, mut s, now) = setup(60, 8);
        let before = screen.buffers.len();
        s.handle_msg(msg("nowhere", "bob", "not joined", 1), now);
        for i in 0..40 {
            s.handle_msg(
                ServerMsg::Whispered {
                    from: format!("n{i}"),
                    to: "alice".into(),
                    text: "hi".into(),
                    time_ms: T,
                },
                now,
            );
        }
        screen.absorb(&mut s);
        assert_eq!(screen.buffers.len(), before + MAX_WHISPER_BUFFERS);
        assert!(screen.buffers.find(&Kind::Room("nowhere".into())).is_none());
    }

    #[test]
    fn layout_at_80x24() {
        let (mut screen, mut s, now) = setup(80, 24);
        s.handle_msg(msg("go", "bob", "hello alice", 1), now);
        screen.absorb(&mut s);
        typed(&mut screen, &mut s, now, "hi b");
        let rows = rows_of(&screen, &s, now);
        assert_eq!(rows.len(), 24);
        assert!(rows.iter().all(|r| r.chars().count() == 80));
        assert_eq!(
            rows[0].trim_end(),
            " event_server 0.1.0 │ alice │ #go (2 members)"
        );
        assert_eq!(rows[21].trim_end(), "12:03 <bob> hello alice");
        assert_eq!(
            rows[22].trim_end(),
            " 12:03 [online] 1:status 2:#lobby 3:#rust 4:#go"
        );
        assert_eq!(rows[23].trim_end(), "#go> hi b");
        let (_, cursor) = screen.draw(&s, now, T);
        assert_eq!(cursor, Some((9, 23)));
    }

    #[test]
    fn layout_at_small_sizes() {
        for (cols, rows) in [(20, 4), (12, 3), (10, 2), (8, 1), (1, 1)] {
            let (screen, s, now) = setup(cols, rows);
            let (grid, cursor) = screen.draw(&s, now, T);
            assert_eq!((grid.cols(), grid.rows()), (cols, rows));
            let (x, y) = cursor.expect("a cursor");
            assert!(x < cols && y == rows - 1, "{cols}x{rows}: {cursor:?}");
        }
        let (screen, s, now) = setup(20, 4);
        let rows = rows_of(&screen, &s, now);
        assert!(rows[0].starts_with(" event_server 0.1.0"));
        assert!(rows[2].starts_with(" 12:03 [online]"));
        assert_eq!(rows[3].trim_end(), "#go>");
        assert_eq!(Screen::new(0, 0, LocalZone::utc()).draw(&s, now, T).1, None);
    }

    #[test]
    fn long_lines_wrap_and_resize_relayouts() {
        let (mut screen, mut s, now) = setup(30, 8);
        s.handle_msg(msg("go", "bob", &"x".repeat(40), 1), now);
        screen.absorb(&mut s);
        let rows = rows_of(&screen, &s, now);
        assert_eq!(
            rows[4].trim_end(),
            format!("12:03 <bob> {}", "x".repeat(18))
        );
        assert_eq!(rows[5].trim_end(), "x".repeat(22));
        screen.resize(60, 5);
        let rows = rows_of(&screen, &s, now);
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[2].trim_end(),
            format!("12:03 <bob> {}", "x".repeat(40))
        );
    }

    #[test]
    fn incoming_messages_leave_the_input_alone() {
        let (mut screen, mut s, now) = setup(40, 10);
        typed(&mut screen, &mut s, now, "half typed");
        for seq in 1..=20 {
            s.handle_msg(msg("go", "bob", &format!("line {seq}"), seq), now);
            screen.absorb(&mut s);
            assert_eq!(rows_of(&screen, &s, now)[9].trim_end(), "#go> half typed");
        }
        assert_eq!(screen.input(), "half typed");
        screen.handle_key(Key::Enter, &mut s, now);
        assert_eq!(
            s.poll_transmit(),
            Some(ClientMsg::Say {
                room: "go".into(),
                text: "half typed".into()
            })
        );
    }

    #[test]
    fn unread_counts_mentions_and_switching() {
        let (mut screen, mut s, now) = setup(80, 12);
        s.handle_msg(msg("lobby", "bob", "news", 1), now);
        s.handle_msg(msg("rust", "bob", "more", 1), now);
        s.handle_msg(msg("rust", "bob", "Alice: look", 2), now);
        s.handle_msg(
            ServerMsg::Whispered {
                from: "bob".into(),
                to: "alice".into(),
                text: "psst".into(),
                time_ms: T,
            },
            now,
        );
        screen.absorb(&mut s);
        let rows = rows_of(&screen, &s, now);
        assert_eq!(
            rows[10].trim_end(),
            " 12:03 [online] 1:status 2:#lobby(1) 3:#rust(2!) 4:#go 5:bob(1!)"
        );
        // Alt-A: the next mention after #go (wrapping) is bob, then #rust.
        screen.handle_key(Key::Alt('a'), &mut s, now);
        assert_eq!(rows_of(&screen, &s, now)[11].trim_end(), "bob>");
        // Plain text in a whisper buffer is a whisper.
        typed(&mut screen, &mut s, now, "hi");
        screen.handle_key(Key::Enter, &mut s, now);
        assert_eq!(
            s.poll_transmit(),
            Some(ClientMsg::Whisper {
                to: "bob".into(),
                text: "hi".into()
            })
        );
        screen.handle_key(Key::Alt('a'), &mut s, now);
        assert_eq!(s.current_room(), Some("rust"));
        let rows = rows_of(&screen, &s, now);
        assert!(rows[7].contains("--- unread ---"), "{rows:#?}");
        assert_eq!(rows[8].trim_end(), "12:03 <bob> more");
        assert_eq!(
            rows[10].trim_end(),
            " 12:03 [online] 1:status 2:#lobby(1) 3:#rust 4:#go 5:bob"
        );
        // Alt-2, Ctrl-N, Ctrl-P.
        screen.handle_key(Key::Alt('2'), &mut s, now);
        assert_eq!(s.current_room(), Some("lobby"));
        screen.handle_key(Key::Ctrl('n'), &mut s, now);
        assert_eq!(s.current_room(), Some("rust"));
        screen.handle_key(Key::Ctrl('p'), &mut s, now);
        screen.handle_key(Key::Ctrl('p'), &mut s, now);
        assert_eq!(screen.buffers().current(), 0);
        // /switch by the session moves the screen along.
        screen.handle_key(Key::Alt('4'), &mut s, now);
        typed(&mut screen, &mut s, now, "/switch rust");
        screen.handle_key(Key::Enter, &mut s, now);
        assert_eq!(
            screen.buffers().get(screen.buffers().current()).kind(),
            &Kind::Room("rust".into())
        );
    }

    #[test]
    fn scrolling_shows_a_more_below_bar() {
        let (mut screen, mut s, now) = setup(40, 10);
        for seq in 1..=30 {
            s.handle_msg(msg("go", "bob", &format!("line {seq}"), seq), now);
        }
        screen.absorb(&mut s);
        assert!(rows_of(&screen, &s, now)[7].contains("line 30"));
        screen.handle_key(Key::PageUp, &mut s, now);
        let rows = rows_of(&screen, &s, now);
        assert!(rows[7].starts_with(" -- more below (PgDn) --"), "{rows:#?}");
        assert!(rows[6].contains("line 23"), "{rows:#?}");
        // New lines do not move a scrolled view.
        s.handle_msg(msg("go", "bob", "line 31", 31), now);
        screen.absorb(&mut s);
        assert!(rows_of(&screen, &s, now)[6].contains("line 23"));
        for _ in 0..20 {
            screen.handle_key(Key::PageUp, &mut s, now);
        }
        let rows = rows_of(&screen, &s, now);
        assert!(rows[1].contains("alice joined #go"), "{rows:#?}");
        assert!(rows[2].contains("line 1"), "{rows:#?}");
        for _ in 0..20 {
            screen.handle_key(Key::PageDown, &mut s, now);
        }
        let rows = rows_of(&screen, &s, now);
        assert!(rows[7].contains("line 31"), "{rows:#?}");
    }

    #[test]
    fn paste_asks_before_sending_several_lines() {
        let (mut screen, mut s, now) = setup(60, 8);
        screen.handle_key(Key::Paste("one\r\ntwo\nthree\n".into()), &mut s, now);
        assert_eq!(
            rows_of(&screen, &s, now)[7].trim_end(),
            "paste 3 lines? Enter to send, Esc to cancel"
        );
        assert_eq!(s.poll_transmit(), None);
        screen.handle_key(Key::Enter, &mut s, now);
        let sent: Vec<ClientMsg> = std::iter::from_fn(|| s.poll_transmit()).collect();
        assert_eq!(sent.len(), 3);
        // Pasted lines are text, not commands; the paste goes in at the
        // cursor; Ctrl-Z still reaches the terminal while asking.
        typed(&mut screen, &mut s, now, "ab");
        screen.handle_key(Key::Left, &mut s, now);
        screen.handle_key(Key::Paste("1\n/nick zed\n2".into()), &mut s, now);
        assert_eq!(
            screen.handle_key(Key::Ctrl('z'), &mut s, now),
            Action::Suspend
        );
        screen.handle_key(Key::Enter, &mut s, now);
        let sent: Vec<ClientMsg> = std::iter::from_fn(|| s.poll_transmit()).collect();
        assert_eq!(
            sent,
            vec![
                ClientMsg::say("go", "a1"),
                ClientMsg::say("go", "/nick zed"),
                ClientMsg::say("go", "2b"),
            ]
        );
        screen.handle_key(Key::Paste("a\nb".into()), &mut s, now);
        screen.handle_key(Key::Esc, &mut s, now);
        assert_eq!(s.poll_transmit(), None);
        // A one-line paste is just typed.
        screen.handle_key(Key::Paste("word".into()), &mut s, now);
        assert_eq!(screen.input(), "word");
    }

    #[test]
    fn ctrl_c_twice_quits_and_keys_for_the_terminal() {
        let (mut screen, mut s, now) = setup(60, 8);
        screen.handle_key(Key::Ctrl('c'), &mut s, now);
        assert!(rows_of(&screen, &s, now)[7].starts_with("(Ctrl-C again to quit)"));
        screen.handle_key(Key::Char('x'), &mut s, now);
        screen.handle_key(Key::Ctrl('c'), &mut s, now);
        assert!(!s.is_quitting());
        // Not even behind a /join the server never answers.
        screen.handle_key(Key::Char('x'), &mut s, now);
        screen.handle_key(Key::Ctrl('u'), &mut s, now);
        for c in "/join void".chars() {
            screen.handle_key(Key::Char(c), &mut s, now);
        }
        screen.handle_key(Key::Enter, &mut s, now);
        assert_eq!(
            s.poll_transmit(),
            Some(ClientMsg::Join {
                room: "void".into()
            })
        );
        screen.handle_key(Key::Ctrl('c'), &mut s, now);
        screen.handle_key(Key::Ctrl('c'), &mut s, now);
        assert!(s.is_quitting());
        assert_eq!(s.poll_transmit(), Some(ClientMsg::Bye));
        assert_eq!(
            screen.handle_key(Key::Ctrl('l'), &mut s, now),
            Action::Repaint
        );
        assert_eq!(
            screen.handle_key(Key::Ctrl('z'), &mut s, now),
            Action::Suspend
        );
    }

    #[test]
    fn clear_help_and_hostile_text() {
        let (mut screen, mut s, now) = setup(60, 12);
        s.handle_msg(msg("go", "b\x1bob", "\x1b[2Jgotcha\u{9b}", 1), now);
        screen.absorb(&mut s);
        let rows = rows_of(&screen, &s, now);
        assert_eq!(rows[9].trim_end(), "12:03 <b\\x1bob> \\x1b[2Jgotcha\\u{9b}");
        typed(&mut screen, &mut s, now, "/clear");
        screen.handle_key(Key::Enter, &mut s, now);
        assert!(rows_of(&screen, &s, now)[1..10]
            .iter()
            .all(|r| r.trim().is_empty()));
        typed(&mut screen, &mut s, now, "/help");
        screen.handle_key(Key::Enter, &mut s, now);
        let rows = rows_of(&screen, &s, now);
        assert!(rows.iter().any(|r| r.contains("/help ")), "{rows:#?}");
    }

    #[test]
    fn tab_completes_nicks_of_the_room() {
        let (mut screen, mut s, now) = setup(60, 8);
        typed(&mut screen, &mut s, now, "bo");
        screen.handle_key(Key::Tab, &mut s, now);
        assert_eq!(screen.input(), "bob: ");
        screen.handle_key(Key::Ctrl('u'), &mut s, now);
        // Repeated Tab cycles through the rooms after /join.
        typed(&mut screen, &mut s, now, "/join ");
        screen.handle_key(Key::Tab, &mut s, now);
        assert_eq!(screen.input(), "/join go ");
        screen.handle_key(Key::Tab, &mut s, now);
        assert_eq!(screen.input(), "/join lobby ");
    }

    #[test]
    fn reconnect_state_in_the_status_line() {
        let (mut screen, mut s, now) = setup(80, 8);
        let at = s.handle_lost(now).unwrap();
        screen.absorb(&mut s);
        let status = rows_of(&screen, &s, now)[6].clone();
        let secs = (at - now).as_millis().div_ceil(1000);
        assert!(
            status.contains(&format!("[reconnecting in {secs} s, try 1]")),
            "{status}"
        );
        assert!(rows_of(&screen, &s, now)[5].contains("connection lost"));
        s.handle_connected();
        assert!(rows_of(&screen, &s, now)[6].contains("[connecting]"));
    }

    #[test]
    fn mentions_are_whole_words() {
        assert!(mentions("alice: hi", "alice"));
        assert!(mentions("hi ALICE!", "alice"));
        assert!(!mentions("malice", "alice"));
        assert!(!mentions("alice_2 hi", "alice"));
        assert!(mentions("malice and alice", "alice"));
        assert!(!mentions("anything", ""));
    }

    #[test]
    fn wrap_counts_cells() {
        let spans = vec![("ab日本".to_string(), CellStyle::default())];
        let rows = wrap(&spans, 3);
        let texts: Vec<String> = rows
            .iter()
            .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
            .collect();
        assert_eq!(texts, vec!["ab", "日", "本"]);
        assert_eq!(wrap(&[], 5).len(), 1);
    }
}
