//! Turning what the server says into lines a person reads.
//!
//! Every line the client prints is built here, by a [`Renderer`], so that
//! two rules hold everywhere:
//!
//! 1. **Anything received is sanitised.** A peer chooses the bytes of its
//!    text, its nick and the room names; a terminal obeys control characters.
//!    So every string that reaches a line goes through [`sanitize`] first,
//!    which turns C0 controls (`U+0000..=U+001F`, ESC and newline included),
//!    DEL (`U+007F`) and C1 controls (`U+0080..=U+009F`, where `U+009B` is a
//!    one-character CSI) into visible escapes. One user cannot clear another
//!    user's screen, move its cursor, or forge a line that looks like it came
//!    from someone else (PROTOCOL.md section 7).
//! 2. **Colour is optional and added last.** With [`Style::plain`] a line is
//!    exactly its text; with [`Style::color`] the renderer wraps parts of
//!    the already-sanitised text in ANSI SGR sequences: the timestamp and
//!    notices dim, each nick in a colour of its own ([`nick_color`]).
//!
//! # Line formats
//!
//! | what | line |
//! | --- | --- |
//! | room message | `[12:03] #lobby <alice> hi` |
//! | whisper | `[12:03] *alice* -> bob: psst` |
//! | notice | `-- alice joined #lobby` |
//! | error | `-- error: that nick is already in use (nick already in use)` |
//!
//! Times are `HH:MM` in UTC, taken from the message's `time_ms`: working out
//! local time needs the time-zone database, which the standard library does
//! not read.
//!
//! ```
//! use chat::client::render::{Renderer, Style};
//!
//! let plain = Renderer::new(Style::plain());
//! // 45_240_000 ms after the epoch is 12:34 UTC.
//! assert_eq!(
//!     plain.message("lobby", "alice", "hi \x1b[2J", 45_240_000),
//!     "[12:34] #lobby <alice> hi \\x1b[2J",
//! );
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

use crate::protocol::{ErrorCode, RoomInfo};

/// SGR "reset all attributes".
const RESET: &str = "\x1b[0m";
/// SGR "faint" (dim).
const DIM: &str = "\x1b[2m";

/// Foreground colours a nick may get (SGR codes): the six basic colours
/// but white and black, plus bright yellow and bright magenta. Eight
/// entries, readable on dark and light backgrounds alike.
pub const PALETTE: [u8; 8] = [31, 32, 33, 34, 35, 36, 93, 95];

/// Whether lines carry ANSI colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// No escape sequences at all: for pipes, files and `NO_COLOR`.
    pub fn plain() -> Style {
        Style { color: false }
    }

    /// Dim notices and a colour per nick: for terminals.
    pub fn color() -> Style {
        Style { color: true }
    }

    /// Colour only when standard output is a terminal and `NO_COLOR` is
    /// unset or empty (the convention of <https://no-color.org>).
    ///
    /// ```
    /// use chat::client::render::Style;
    ///
    /// assert_eq!(Style::choose(true, None), Style::color());
    /// assert_eq!(Style::choose(true, Some("1")), Style::plain());
    /// assert_eq!(Style::choose(true, Some("")), Style::color());
    /// assert_eq!(Style::choose(false, None), Style::plain());
    /// ```
    pub fn choose(stdout_is_terminal: bool, no_color: Option<&str>) -> Style {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        Style {
            color: stdout_is_terminal && !no_color,
        }
    }

    /// [`Style::choose`] applied to this process: standard output checked
    /// with [`std::io::IsTerminal`], and the `NO_COLOR` variable.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR");
        let no_color = no_color.as_ref().map(|v| v.to_string_lossy());
        Style::choose(std::io::stdout().is_terminal(), no_color.as_deref())
    }

    /// Whether this style emits ANSI colour.
    pub fn is_color(self) -> bool {
        self.color
    }
}

/// Makes control characters visible: C0 and DEL become `\xNN`, C1 becomes
/// `\u{NN}` (lowercase hex); everything else, multi-byte UTF-8 included,
/// is left as it is. Borrows when there is nothing to change.
///
/// ```
/// use chat::client::render::sanitize;
///
/// assert_eq!(sanitize("\x1b[31mred"), "\\x1b[31mred");
/// assert_eq!(sanitize("a\nb\x7f"), "a\\x0ab\\x7f");
/// assert_eq!(sanitize("\u{9b}2J"), "\\u{9b}2J");
/// assert_eq!(sanitize("héllo ✓"), "héllo ✓");
/// ```
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else if is_control(c) {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 (`U+0000..=U+001F`), DEL (`U+007F`) and C1 (`U+0080..=U+009F`).
fn is_control(c: char) -> bool {
    c <= '\u{1f}' || ('\u{7f}'..='\u{9f}').contains(&c)
}

/// The SGR colour code of `nick`: FNV-1a over the ASCII-lowercased bytes,
/// reduced modulo the [`PALETTE`]. Nicks are unique ignoring case, so
/// `Alice` and `alice` (the same person after a rename) keep one colour.
///
/// ```
/// use chat::client::render::{nick_color, PALETTE};
///
/// assert_eq!(nick_color("Alice"), nick_color("alice"));
/// assert!(PALETTE.contains(&nick_color("bob")));
/// ```
pub fn nick_color(nick: &str) -> u8 {
    // FNV-1a, 32 bits: offset basis 2166136261, prime 16777619.
    let mut hash: u32 = 0x811c_9dc5;
    for b in nick.bytes() {
        hash ^= u32::from(b.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0193);
    }
    PALETTE[(hash % PALETTE.len() as u32) as usize]
}

/// `HH:MM` in UTC of a UNIX time in milliseconds.
///
/// ```
/// use chat::client::render::clock;
///
/// assert_eq!(clock(0), "00:00");
/// assert_eq!(clock(((23 * 60 + 59) * 60 + 59) * 1000), "23:59");
/// assert_eq!(clock(86_400_000 + 61_000), "00:01");
/// ```
pub fn clock(time_ms: u64) -> String {
    let minutes_of_day = (time_ms / 60_000) % (24 * 60);
    format!("{:02}:{:02}", minutes_of_day / 60, minutes_of_day % 60)
}

/// Builds the client's output lines (without the trailing newline) in one
/// [`Style`]. Every `&str` argument is [`sanitize`]d.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renderer {
    style: Style,
}

impl Renderer {
    /// A renderer for `style`.
    pub fn new(style: Style) -> Renderer {
        Renderer { style }
    }

    /// The style lines are rendered in.
    pub fn style(&self) -> Style {
        self.style
    }

    /// A room message: `[HH:MM] #room <from> text`.
    pub fn message(&self, room: &str, from: &str, text: &str, time_ms: u64) -> String {
        format!(
            "{} #{} {} {}",
            self.time(time_ms),
            sanitize(room),
            self.painted(from, &format!("<{}>", sanitize(from))),
            sanitize(text)
        )
    }

    /// A whisper: `[HH:MM] *from* -> to: text`.
    pub fn whisper(&self, from: &str, to: &str, text: &str, time_ms: u64) -> String {
        format!(
            "{} {} -> {}: {}",
            self.time(time_ms),
            self.painted(from, &format!("*{}*", sanitize(from))),
            self.painted(to, &sanitize(to)),
            sanitize(text)
        )
    }

    /// A notice: `-- text`, dim in colour.
    pub fn notice(&self, text: &str) -> String {
        self.dim(&format!("-- {}", sanitize(text)))
    }

    /// Our `Hello` was accepted: `-- connected to SERVER as NICK`.
    pub fn welcome(&self, nick: &str, server: &str) -> String {
        self.notice(&format!("connected to {server} as {nick}"))
    }

    /// `-- NICK joined #ROOM`.
    pub fn joined(&self, room: &str, nick: &str) -> String {
        self.notice(&format!("{nick} joined #{room}"))
    }

    /// `-- NICK left #ROOM`.
    pub fn left(&self, room: &str, nick: &str) -> String {
        self.notice(&format!("{nick} left #{room}"))
    }

    /// `-- OLD is now known as NEW`.
    pub fn renamed(&self, old: &str, new: &str) -> String {
        self.notice(&format!("{old} is now known as {new}"))
    }

    /// `-- rooms: #a (2), #b (1)`, or `-- rooms: none`.
    pub fn rooms(&self, rooms: &[RoomInfo]) -> String {
        let mut text = String::from("rooms:");
        if rooms.is_empty() {
            text.push_str(" none");
        }
        for (i, room) in rooms.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            let _ = write!(text, "{sep}#{} ({})", room.name, room.members);
        }
        self.notice(&text)
    }

    /// `-- users in #ROOM (2): alice, bob`.
    pub fn users(&self, room: &str, nicks: &[String]) -> String {
        self.notice(&format!(
            "users in #{room} ({}): {}",
            nicks.len(),
            nicks.join(", ")
        ))
    }

    /// `-- pong in 0.250 ms` for a ping this client sent (`rtt` known), or
    /// `-- pong (nonce N)` for one it does not remember.
    pub fn pong(&self, nonce: u64, rtt: Option<Duration>) -> String {
        match rtt {
            Some(rtt) => self.notice(&format!("pong in {:.3} ms", rtt.as_secs_f64() * 1000.0)),
            None => self.notice(&format!("pong (nonce {nonce})")),
        }
    }

    /// A refused request, as a sentence rather than a code:
    /// `-- error: DESCRIPTION (DETAIL)`; the detail is left out when empty
    /// or when it only repeats the description.
    pub fn error(&self, code: ErrorCode, detail: &str) -> String {
        if detail.is_empty() || detail == code.describe() {
            self.notice(&format!("error: {}", code.describe()))
        } else {
            self.notice(&format!("error: {} ({detail})", code.describe()))
        }
    }

    /// `[HH:MM]`, dim in colour.
    fn time(&self, time_ms: u64) -> String {
        self.dim(&format!("[{}]", clock(time_ms)))
    }

    /// `text` (already sanitised) in the colour of `nick`.
    fn painted(&self, nick: &str, text: &str) -> String {
        if self.style.color {
            format!("\x1b[{}m{text}{RESET}", nick_color(nick))
        } else {
            text.to_string()
        }
    }

    /// `text` (already sanitised) dimmed.
    fn dim(&self, text: &str) -> String {
        if self.style.color {
            format!("{DIM}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Renderer = Renderer {
        style: Style { color: false },
    };
    const COLOR: Renderer = Renderer {
        style: Style { color: true },
    };

    /// 12:03 UTC on 2024-01-01.
    const T: u64 = 1_704_110_580_000;

    #[test]
    fn sanitize_escapes_c0_del_and_c1() {
        assert_eq!(
            sanitize("\x00\x01\t\n\r\x1b\x1f"),
            "\\x00\\x01\\x09\\x0a\\x0d\\x1b\\x1f"
        );
        assert_eq!(sanitize("a\x7fb"), "a\\x7fb");
        assert_eq!(sanitize("\u{80}\u{9b}\u{9f}"), "\\u{80}\\u{9b}\\u{9f}");
    }

    #[test]
    fn sanitize_leaves_printable_text_alone() {
        for s in [
            "",
            "hello",
            "naïve café",
            "日本語",
            "emoji 🎉",
            "\u{a0}nbsp",
            "back\\slash",
        ] {
            assert!(matches!(sanitize(s), Cow::Borrowed(_)), "{s:?}");
            assert_eq!(sanitize(s), s);
        }
        // Neighbours of the C1 range are not controls.
        assert_eq!(sanitize("~\u{a0}\u{ff}"), "~\u{a0}\u{ff}");
        // Multi-byte characters around an escape stay intact.
        assert_eq!(sanitize("é\x1bé"), "é\\x1bé");
    }

    #[test]
    fn sanitized_output_has_no_control_characters() {
        let every: String = (0u32..0x200).filter_map(char::from_u32).collect();
        let out = sanitize(&every);
        assert!(!out.chars().any(is_control), "{out:?}");
    }

    #[test]
    fn clock_is_utc_hours_and_minutes() {
        assert_eq!(clock(T), "12:03");
        assert_eq!(clock(T + 59_999), "12:03");
        assert_eq!(clock(T + 60_000), "12:04");
        assert_eq!(clock(u64::MAX), clock(u64::MAX - 1));
    }

    #[test]
    fn plain_message_and_whisper() {
        assert_eq!(
            PLAIN.message("lobby", "alice", "hi", T),
            "[12:03] #lobby <alice> hi"
        );
        assert_eq!(
            PLAIN.whisper("alice", "bob", "psst", T),
            "[12:03] *alice* -> bob: psst"
        );
    }

    #[test]
    fn colored_message_and_whisper() {
        let a = nick_color("alice");
        let b = nick_color("bob");
        assert_eq!(
            COLOR.message("lobby", "alice", "hi", T),
            format!("\x1b[2m[12:03]\x1b[0m #lobby \x1b[{a}m<alice>\x1b[0m hi")
        );
        assert_eq!(
            COLOR.whisper("alice", "bob", "psst", T),
            format!("\x1b[2m[12:03]\x1b[0m \x1b[{a}m*alice*\x1b[0m -> \x1b[{b}mbob\x1b[0m: psst")
        );
    }

    #[test]
    fn every_received_field_is_sanitized() {
        assert_eq!(
            PLAIN.message("r\x1b", "n\x07", "t\u{9b}", T),
            "[12:03] #r\\x1b <n\\x07> t\\u{9b}"
        );
        assert_eq!(
            PLAIN.whisper("a\n", "b\r", "\x7f", T),
            "[12:03] *a\\x0a* -> b\\x0d: \\x7f"
        );
        assert_eq!(PLAIN.joined("r\x1b", "n\x1b"), "-- n\\x1b joined #r\\x1b");
        assert_eq!(PLAIN.left("r\x1b", "n\x1b"), "-- n\\x1b left #r\\x1b");
        assert_eq!(
            PLAIN.renamed("a\x1b", "b\x1b"),
            "-- a\\x1b is now known as b\\x1b"
        );
        assert_eq!(
            PLAIN.welcome("n\x1b", "s\x1b"),
            "-- connected to s\\x1b as n\\x1b"
        );
        assert_eq!(
            PLAIN.users("r\x1b", &["a\x1b".to_string()]),
            "-- users in #r\\x1b (1): a\\x1b"
        );
        let rooms = [RoomInfo {
            name: "x\x1b".into(),
            members: 1,
        }];
        assert_eq!(PLAIN.rooms(&rooms), "-- rooms: #x\\x1b (1)");
        assert_eq!(
            PLAIN.error(ErrorCode::NoSuchUser, "d\x1b"),
            "-- error: no such user (d\\x1b)"
        );
        // In colour, the only escape sequences are the renderer's own.
        let line = COLOR.message("r\x1b", "n\x1b", "t\x1b[2J", T);
        assert_eq!(line.matches('\x1b').count(), 4, "{line:?}");
    }

    #[test]
    fn notices_plain_and_dim() {
        assert_eq!(PLAIN.notice("hello"), "-- hello");
        assert_eq!(COLOR.notice("hello"), "\x1b[2m-- hello\x1b[0m");
        assert_eq!(
            COLOR.joined("lobby", "bob"),
            "\x1b[2m-- bob joined #lobby\x1b[0m"
        );
        assert_eq!(PLAIN.joined("lobby", "bob"), "-- bob joined #lobby");
        assert_eq!(PLAIN.left("lobby", "bob"), "-- bob left #lobby");
        assert_eq!(PLAIN.renamed("bob", "rob"), "-- bob is now known as rob");
        assert_eq!(
            PLAIN.welcome("bob", "event_server 0.1.0"),
            "-- connected to event_server 0.1.0 as bob"
        );
    }

    #[test]
    fn listings() {
        assert_eq!(PLAIN.rooms(&[]), "-- rooms: none");
        let rooms = [
            RoomInfo {
                name: "lobby".into(),
                members: 2,
            },
            RoomInfo {
                name: "rust".into(),
                members: 1,
            },
        ];
        assert_eq!(PLAIN.rooms(&rooms), "-- rooms: #lobby (2), #rust (1)");
        let nicks = ["alice".to_string(), "Bob".to_string()];
        assert_eq!(
            PLAIN.users("lobby", &nicks),
            "-- users in #lobby (2): alice, Bob"
        );
    }

    #[test]
    fn pong_and_errors() {
        assert_eq!(
            PLAIN.pong(7, Some(Duration::from_micros(1500))),
            "-- pong in 1.500 ms"
        );
        assert_eq!(PLAIN.pong(7, None), "-- pong (nonce 7)");
        assert_eq!(
            PLAIN.error(ErrorCode::NickTaken, "nick already in use"),
            "-- error: that nick is already in use (nick already in use)"
        );
        assert_eq!(
            PLAIN.error(ErrorCode::NoSuchRoom, ""),
            "-- error: no such room"
        );
        assert_eq!(
            PLAIN.error(ErrorCode::ShuttingDown, "the server is shutting down"),
            "-- error: the server is shutting down"
        );
    }

    #[test]
    fn nick_colors_are_stable_and_spread() {
        assert_eq!(nick_color("ALICE"), nick_color("alice"));
        let names = [
            "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
        ];
        let mut seen: Vec<u8> = names.iter().map(|n| nick_color(n)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert!(seen.len() >= 4, "nine nicks got only {seen:?}");
    }

    #[test]
    fn style_choice() {
        assert!(Style::choose(true, None).is_color());
        assert!(!Style::choose(true, Some("yes")).is_color());
        assert!(!Style::choose(false, None).is_color());
        assert!(!Style::choose(false, Some("")).is_color());
    }
}
