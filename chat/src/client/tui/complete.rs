//! Tab completion: nicks, commands, and room names after the commands
//! that take one.
//!
//! The word before the cursor (from the last space) is completed from one
//! list, chosen by where it is:
//!
//! | where | completed from | inserted after the match |
//! | --- | --- | --- |
//! | first word, starting with `/` | [`CompletionContext::commands`] | `" "` |
//! | second word after `/join`, `/switch`, `/leave`, `/who` | [`CompletionContext::rooms`] | `" "` |
//! | first word of the line | [`CompletionContext::nicks`] | `": "` (addressing someone) |
//! | any other word | [`CompletionContext::nicks`] | `" "` |
//!
//! Matching is by prefix, ignoring ASCII case (nicks and room names are
//! case-insensitive, PROTOCOL.md §3); the match is inserted as the list
//! spells it. A room typed as `#ro` matches `rooms` too, and completes to
//! the bare name the commands expect. An empty word completes only
//! commands (after `/`) and rooms (after `/join `), where listing all is
//! useful; an empty word elsewhere completes nothing.
//!
//! # Repeated Tab cycles
//!
//! [`complete`] returns the first match, in case-insensitive alphabetical
//! order. [`Completer`] remembers what its last Tab produced: pressed again
//! on exactly that line and cursor, it replaces the match with the next
//! one, wrapping around to the first, as irssi and WeeChat do. Any edit in
//! between changes the line, so the next Tab starts afresh; there is no
//! state for the caller to reset.
//!
//! ```
//! use chat::client::tui::complete::{complete, Completer, CompletionContext};
//!
//! let nicks = vec!["alice".to_string(), "Albert".to_string(), "bob".to_string()];
//! let rooms = vec!["lobby".to_string(), "rust".to_string()];
//! let ctx = CompletionContext { nicks: &nicks, rooms: &rooms, commands: &["join", "quit"] };
//!
//! let c = complete("al", 2, &ctx).unwrap();
//! assert_eq!((c.line.as_str(), c.cursor), ("Albert: ", 8));
//! let c = complete("/j", 2, &ctx).unwrap();
//! assert_eq!(c.line, "/join ");
//! let c = complete("/join ru", 8, &ctx).unwrap();
//! assert_eq!(c.line, "/join rust ");
//!
//! let mut tab = Completer::new();
//! let first = tab.tab("hi al", 5, &ctx).unwrap();
//! assert_eq!(first.line, "hi Albert ");
//! let second = tab.tab(&first.line, first.cursor, &ctx).unwrap();
//! assert_eq!(second.line, "hi alice ");
//! ```

/// What can be completed, supplied by the caller at each Tab.
#[derive(Debug, Clone, Copy)]
pub struct CompletionContext<'a> {
    /// Nicks of the current room (or the whisper partner).
    pub nicks: &'a [String],
    /// Room names (without `#`): the rooms joined, and any others known.
    pub rooms: &'a [String],
    /// Command names, with or without the leading `/` (`"join"`).
    pub commands: &'a [&'a str],
}

/// A completed line and where the cursor goes (a byte offset, just after
/// the inserted text and its suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The whole input line after completion.
    pub line: String,
    /// The cursor, as a byte offset into `line`.
    pub cursor: usize,
}

/// Commands whose first argument is a room name.
const ROOM_COMMANDS: &[&str] = &["join", "switch", "leave", "who"];

/// Completes the word before `cursor` with its first match; `None` when
/// nothing matches (or `cursor` is not a character boundary of `line`).
/// See the module docs for the rules.
pub fn complete(line: &str, cursor: usize, ctx: &CompletionContext) -> Option<Completion> {
    let site = Site::find(line, cursor, ctx)?;
    site.candidates.first().map(|c| site.build(line, cursor, c))
}

/// Tab completion that cycles through the matches on repeated Tabs.
#[derive(Debug, Default)]
pub struct Completer {
    last: Option<Cycle>,
}

/// The state of a cycle: the line before the first Tab, its matches, the
/// one shown, and what was produced (to recognise the next Tab).
#[derive(Debug)]
struct Cycle {
    line: String,
    cursor: usize,
    candidates: Vec<String>,
    suffix: &'static str,
    word_start: usize,
    index: usize,
    produced: Completion,
}

impl Completer {
    /// A completer with no cycle in progress.
    pub fn new() -> Self {
        Completer::default()
    }

    /// Tab pressed with this `line` and `cursor`: the first match, or the
    /// next one if the line is what the previous Tab produced.
    pub fn tab(
        &mut self,
        line: &str,
        cursor: usize,
        ctx: &CompletionContext,
    ) -> Option<Completion> {
        if let Some(cycle) = self.last.as_mut() {
            if cycle.produced.line == line && cycle.produced.cursor == cursor {
                cycle.index = (cycle.index + 1) % cycle.candidates.len();
                let site = Site {
                    word_start: cycle.word_start,
                    candidates: Vec::new(),
                    suffix: cycle.suffix,
                };
                let next = site.build(&cycle.line, cycle.cursor, &cycle.candidates[cycle.index]);
                cycle.produced = next.clone();
                return Some(next);
            }
        }
        self.last = None;
        let site = Site::find(line, cursor, ctx)?;
        let first = site.build(line, cursor, site.candidates.first()?);
        self.last = Some(Cycle {
            line: line.to_string(),
            cursor,
            suffix: site.suffix,
            word_start: site.word_start,
            candidates: site.candidates,
            index: 0,
            produced: first.clone(),
        });
        Some(first)
    }
}

/// Where a completion happens: the word's start, its matches, the suffix.
struct Site {
    word_start: usize,
    candidates: Vec<String>,
    suffix: &'static str,
}

impl Site {
    fn find(line: &str, cursor: usize, ctx: &CompletionContext) -> Option<Site> {
        if cursor > line.len() || !line.is_char_boundary(cursor) {
            return None;
        }
        let head = &line[..cursor];
        let word_start = head.rfind(' ').map_or(0, |i| i + 1);
        let word = &head[word_start..];
        let before = head[..word_start].trim_start();
        let mut earlier = before.split_whitespace();
        let (first, second) = (earlier.next(), earlier.next());

        let (word, list, prefix, suffix): Choice = if word_start == 0 && word.starts_with('/') {
            let names = ctx.commands.iter().map(|c| c.trim_start_matches('/'));
            (&word[1..], names.collect(), "/", " ")
        } else if let (Some(cmd), None) = (first, second) {
            let cmd = cmd.strip_prefix('/').unwrap_or("");
            if ROOM_COMMANDS.iter().any(|c| c.eq_ignore_ascii_case(cmd)) {
                let bare = word.strip_prefix('#').unwrap_or(word);
                (
                    bare,
                    ctx.rooms.iter().map(String::as_str).collect(),
                    "",
                    " ",
                )
            } else {
                nick_site(word, ctx, " ")?
            }
        } else if word_start == 0 {
            nick_site(word, ctx, ": ")?
        } else {
            nick_site(word, ctx, " ")?
        };
        let mut candidates: Vec<String> = list
            .into_iter()
            .filter(|c| !c.is_empty() && starts_with_ignore_case(c, word))
            .map(|c| format!("{prefix}{c}"))
            .collect();
        candidates.sort_by_key(|c| c.to_ascii_lowercase());
        candidates.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        if candidates.is_empty() {
            return None;
        }
        Some(Site {
            word_start,
            candidates,
            suffix,
        })
    }

    /// The line with the word replaced by `candidate` and the suffix.
    fn build(&self, line: &str, cursor: usize, candidate: &str) -> Completion {
        let mut out = String::with_capacity(line.len() + candidate.len() + 2);
        out.push_str(&line[..self.word_start]);
        out.push_str(candidate);
        let rest = &line[cursor..];
        // A space already after the cursor is not doubled; the cursor
        // goes after it.
        let suffix = if rest.starts_with(' ') {
            self.suffix.trim_end_matches(' ')
        } else {
            self.suffix
        };
        out.push_str(suffix);
        let at = out.len() + usize::from(rest.starts_with(' '));
        out.push_str(rest);
        Completion {
            line: out,
            cursor: at,
        }
    }
}

/// A word, the names it may complete to, the prefix put before the match
/// and the suffix after it.
type Choice<'a> = (&'a str, Vec<&'a str>, &'static str, &'static str);

/// Nick completion of `word`; an empty word completes nothing.
fn nick_site<'a>(
    word: &'a str,
    ctx: &'a CompletionContext,
    suffix: &'static str,
) -> Option<Choice<'a>> {
    if word.is_empty() {
        return None;
    }
    Some((
        word,
        ctx.nicks.iter().map(String::as_str).collect(),
        "",
        suffix,
    ))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_lists() -> (Vec<String>, Vec<String>) {
        let nicks = ["bob", "alice", "Albert", "carol", "al"]
            .map(String::from)
            .to_vec();
        let rooms = ["lobby", "rust", "Rustaceans", "random"]
            .map(String::from)
            .to_vec();
        (nicks, rooms)
    }

    const COMMANDS: &[&str] = &["join", "leave", "switch", "who", "msg", "quit", "/help"];

    fn at_end(line: &str) -> Option<(String, usize)> {
        let (nicks, rooms) = ctx_lists();
        let ctx = CompletionContext {
            nicks: &nicks,
            rooms: &rooms,
            commands: COMMANDS,
        };
        complete(line, line.len(), &ctx).map(|c| (c.line, c.cursor))
    }

    fn line(s: &str) -> Option<String> {
        at_end(s).map(|(l, _)| l)
    }

    #[test]
    fn nicks_at_the_start_get_a_colon() {
        assert_eq!(at_end("bo"), Some(("bob: ".into(), 5)));
        assert_eq!(line("CAR"), Some("carol: ".into()));
        assert_eq!(line("al"), Some("al: ".into()));
        assert_eq!(line("ali"), Some("alice: ".into()));
        assert_eq!(line("zed"), None);
        assert_eq!(line(""), None);
    }

    #[test]
    fn nicks_elsewhere_get_a_space() {
        assert_eq!(line("hi bo"), Some("hi bob ".into()));
        assert_eq!(line("hi "), None);
        assert_eq!(line("/msg car"), Some("/msg carol ".into()));
        assert_eq!(line("/msg carol hey al"), Some("/msg carol hey al ".into()));
    }

    #[test]
    fn commands() {
        assert_eq!(line("/j"), Some("/join ".into()));
        assert_eq!(line("/QU"), Some("/quit ".into()));
        assert_eq!(line("/he"), Some("/help ".into()));
        assert_eq!(line("/"), Some("/help ".into()), "all commands, sorted");
        assert_eq!(line("/x"), None);
    }

    #[test]
    fn rooms_after_room_commands() {
        assert_eq!(line("/join lo"), Some("/join lobby ".into()));
        assert_eq!(line("/switch #ru"), Some("/switch rust ".into()));
        assert_eq!(line("/leave RA"), Some("/leave random ".into()));
        assert_eq!(line("/who r"), Some("/who random ".into()));
        assert_eq!(line("/join "), Some("/join lobby ".into()));
        // Only the first argument is a room.
        assert_eq!(line("/join lobby ru"), None);
        assert_eq!(line("/nick lo"), None);
    }

    #[test]
    fn mid_line_keeps_the_rest() {
        let (nicks, rooms) = ctx_lists();
        let ctx = CompletionContext {
            nicks: &nicks,
            rooms: &rooms,
            commands: COMMANDS,
        };
        let c = complete("bo how are you", 2, &ctx).unwrap();
        assert_eq!((c.line.as_str(), c.cursor), ("bob: how are you", 5));
        let c = complete("ask ca now", 6, &ctx).unwrap();
        assert_eq!((c.line.as_str(), c.cursor), ("ask carol now", 10));
        // A cursor inside a character, or past the end: no completion.
        assert_eq!(complete("é", 1, &ctx), None);
        assert_eq!(complete("bo", 3, &ctx), None);
    }

    #[test]
    fn repeated_tab_cycles_and_wraps() {
        let (nicks, rooms) = ctx_lists();
        let ctx = CompletionContext {
            nicks: &nicks,
            rooms: &rooms,
            commands: COMMANDS,
        };
        let mut tab = Completer::new();
        let mut shown = Vec::new();
        let (mut l, mut c) = ("hey al".to_string(), 6);
        for _ in 0..4 {
            let next = tab.tab(&l, c, &ctx).unwrap();
            shown.push(next.line.clone());
            (l, c) = (next.line, next.cursor);
        }
        assert_eq!(shown, ["hey al ", "hey Albert ", "hey alice ", "hey al "]);
        // An edit in between starts afresh.
        let next = tab.tab("/join r", 7, &ctx).unwrap();
        assert_eq!(next.line, "/join random ");
        let next = tab.tab(&next.line, next.cursor, &ctx).unwrap();
        assert_eq!(next.line, "/join rust ");
        let next = tab.tab(&next.line, next.cursor, &ctx).unwrap();
        assert_eq!(next.line, "/join Rustaceans ");
        assert_eq!(tab.tab("zz", 2, &ctx), None);
        // No match: the cycle is gone, so a Tab on the old output restarts.
        let again = tab.tab("/join Rustaceans ", 17, &ctx);
        assert_eq!(again, None, "no word before the cursor after the space");
    }
}
