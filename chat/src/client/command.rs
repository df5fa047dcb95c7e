//! What a typed line means: text for the current room, or a `/command`.
//!
//! | line | [`Command`] |
//! | --- | --- |
//! | `hello there` | `Say("hello there")` |
//! | `//not a command` | `Say("/not a command")` (a doubled slash escapes) |
//! | `/join ROOM` | `Join(ROOM)`, then talk there |
//! | `/leave [ROOM]` | `Leave(None)` means the current room |
//! | `/switch ROOM` | `Switch(ROOM)`: talk in a room already joined |
//! | `/msg NICK TEXT` | `Msg { to, text }`: a whisper |
//! | `/nick NAME` | `Nick(NAME)` |
//! | `/rooms` | `Rooms` |
//! | `/who [ROOM]` | `Who(None)` means the current room |
//! | `/ping` | `Ping` |
//! | `/quit [MESSAGE]` | `Quit(None)`; a message is said in the current room first |
//! | `/help` | `Help` |
//!
//! Command names ignore ASCII case. A blank line is no command at all.
//! Parsing checks only the shape of a line (how many words); whether a room
//! or nick is well formed is the server's call, and its answer is shown.
//!
//! ```
//! use chat::client::command::{parse, Command};
//!
//! assert_eq!(parse("hi"), Ok(Some(Command::Say("hi".into()))));
//! assert_eq!(
//!     parse("/msg bob  see  you"),
//!     Ok(Some(Command::Msg { to: "bob".into(), text: "see  you".into() })),
//! );
//! assert_eq!(parse("   "), Ok(None));
//! assert!(parse("/frobnicate").is_err());
//! ```

use std::fmt;

/// One thing the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Post the text to the current room.
    Say(String),
    /// Join a room (creating it if needed) and make it the current room.
    Join(String),
    /// Leave a room; `None` means the current room.
    Leave(Option<String>),
    /// Make an already joined room the current room.
    Switch(String),
    /// Whisper to one nick.
    Msg {
        /// Recipient nick.
        to: String,
        /// The text, with its inner spacing kept.
        text: String,
    },
    /// Change nick (or, while no `Hello` was accepted, try another `Hello`).
    Nick(String),
    /// List the rooms.
    Rooms,
    /// List the members of a room; `None` means the current room.
    Who(Option<String>),
    /// Measure the round trip to the server.
    Ping,
    /// Say `Bye` and exit once the server has closed; a parting message,
    /// when given, is said in the current room first.
    Quit(Option<String>),
    /// Show the list of commands.
    Help,
}

/// Why a line is not a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// `/name` is not a command; holds the name without the slash.
    Unknown(String),
    /// A known command with the wrong arguments; holds its usage.
    Usage(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Unknown(name) => write!(f, "unknown command /{name} (try /help)"),
            ParseError::Usage(usage) => write!(f, "usage: {usage}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// The lines `/help` prints, one per command.
pub const HELP: &[&str] = &[
    "commands:",
    "  /join ROOM       join ROOM (creating it) and talk there",
    "  /leave [ROOM]    leave ROOM (default: the current room)",
    "  /switch ROOM     talk in ROOM, a room you have joined",
    "  /msg NICK TEXT   whisper TEXT to NICK",
    "  /nick NAME       change your nick",
    "  /rooms           list the rooms",
    "  /who [ROOM]      list who is in ROOM (default: the current room)",
    "  /ping            measure the round trip to the server",
    "  /quit [MESSAGE]  say goodbye (and MESSAGE first) and exit; end of input does the same",
    "  /help            this list",
    "  other lines go to the current room; start one with // to send a leading /",
];

/// Parses one input line (a trailing `\n` or `\r\n` is ignored).
/// `Ok(None)` for a blank line.
pub fn parse(line: &str) -> Result<Option<Command>, ParseError> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.trim().is_empty() {
        return Ok(None);
    }
    if let Some(escaped) = line.strip_prefix("//") {
        return Ok(Some(Command::Say(format!("/{escaped}"))));
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Ok(Some(Command::Say(line.to_string())));
    };
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (rest, ""),
    };
    let words: Vec<&str> = args.split_whitespace().collect();
    let name_lower = name.to_ascii_lowercase();
    let command = match name_lower.as_str() {
        "join" => Command::Join(one(&words, "/join ROOM")?),
        "leave" => Command::Leave(optional(&words, "/leave [ROOM]")?),
        "switch" => Command::Switch(one(&words, "/switch ROOM")?),
        "msg" => {
            const USAGE: &str = "/msg NICK TEXT";
            let Some((to, text)) = args.split_once(char::is_whitespace) else {
                return Err(ParseError::Usage(USAGE));
            };
            let text = text.trim_start();
            if text.is_empty() {
                return Err(ParseError::Usage(USAGE));
            }
            Command::Msg {
                to: to.to_string(),
                text: text.to_string(),
            }
        }
        "nick" => Command::Nick(one(&words, "/nick NAME")?),
        "rooms" => none(&words, "/rooms", Command::Rooms)?,
        "who" => Command::Who(optional(&words, "/who [ROOM]")?),
        "ping" => none(&words, "/ping", Command::Ping)?,
        "quit" => Command::Quit((!args.is_empty()).then(|| args.to_string())),
        "help" => none(&words, "/help", Command::Help)?,
        _ => return Err(ParseError::Unknown(name.to_string())),
    };
    Ok(Some(command))
}

/// Exactly one argument.
fn one(words: &[&str], usage: &'static str) -> Result<String, ParseError> {
    match words {
        [word] => Ok(word.to_string()),
        _ => Err(ParseError::Usage(usage)),
    }
}

/// Zero or one argument.
fn optional(words: &[&str], usage: &'static str) -> Result<Option<String>, ParseError> {
    match words {
        [] => Ok(None),
        [word] => Ok(Some(word.to_string())),
        _ => Err(ParseError::Usage(usage)),
    }
}

/// No argument.
fn none(words: &[&str], usage: &'static str, command: Command) -> Result<Command, ParseError> {
    if words.is_empty() {
        Ok(command)
    } else {
        Err(ParseError::Usage(usage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Command {
        parse(line)
            .unwrap_or_else(|e| panic!("{line:?}: {e}"))
            .expect("a command")
    }

    #[test]
    fn plain_lines_are_said_verbatim() {
        assert_eq!(ok("hello"), Command::Say("hello".into()));
        assert_eq!(
            ok("  indented  text "),
            Command::Say("  indented  text ".into())
        );
        assert_eq!(ok("hello\n"), Command::Say("hello".into()));
        assert_eq!(ok("hello\r\n"), Command::Say("hello".into()));
        assert_eq!(ok("héllo \x1b"), Command::Say("héllo \x1b".into()));
        assert_eq!(ok("a/b"), Command::Say("a/b".into()));
    }

    #[test]
    fn blank_lines_are_nothing() {
        for line in ["", "\n", "\r\n", "   ", "\t \n"] {
            assert_eq!(parse(line), Ok(None), "{line:?}");
        }
    }

    #[test]
    fn double_slash_escapes() {
        assert_eq!(ok("//join x"), Command::Say("/join x".into()));
        assert_eq!(ok("//"), Command::Say("/".into()));
    }

    #[test]
    fn every_command() {
        assert_eq!(ok("/join rust"), Command::Join("rust".into()));
        assert_eq!(ok("/JOIN Rust"), Command::Join("Rust".into()));
        assert_eq!(ok("/join   rust  "), Command::Join("rust".into()));
        assert_eq!(ok("/leave"), Command::Leave(None));
        assert_eq!(ok("/leave rust"), Command::Leave(Some("rust".into())));
        assert_eq!(ok("/switch rust"), Command::Switch("rust".into()));
        assert_eq!(
            ok("/msg bob hi"),
            Command::Msg {
                to: "bob".into(),
                text: "hi".into()
            }
        );
        assert_eq!(
            ok("/msg bob   two  spaces "),
            Command::Msg {
                to: "bob".into(),
                text: "two  spaces".into()
            }
        );
        assert_eq!(ok("/nick carol"), Command::Nick("carol".into()));
        assert_eq!(ok("/rooms"), Command::Rooms);
        assert_eq!(ok("/who"), Command::Who(None));
        assert_eq!(ok("/who rust"), Command::Who(Some("rust".into())));
        assert_eq!(ok("/ping"), Command::Ping);
        assert_eq!(ok("/quit"), Command::Quit(None));
        assert_eq!(ok("/quit\r\n"), Command::Quit(None));
        assert_eq!(ok("/quit see  you"), Command::Quit(Some("see  you".into())));
        assert_eq!(ok("/help"), Command::Help);
    }

    #[test]
    fn wrong_arguments_give_usage() {
        let cases = [
            ("/join", "/join ROOM"),
            ("/join a b", "/join ROOM"),
            ("/leave a b", "/leave [ROOM]"),
            ("/switch", "/switch ROOM"),
            ("/msg", "/msg NICK TEXT"),
            ("/msg bob", "/msg NICK TEXT"),
            ("/msg bob   ", "/msg NICK TEXT"),
            ("/nick", "/nick NAME"),
            ("/nick a b", "/nick NAME"),
            ("/rooms x", "/rooms"),
            ("/who a b", "/who [ROOM]"),
            ("/ping 1", "/ping"),
            ("/help me", "/help"),
        ];
        for (line, usage) in cases {
            assert_eq!(parse(line), Err(ParseError::Usage(usage)), "{line:?}");
        }
        assert_eq!(
            ParseError::Usage("/join ROOM").to_string(),
            "usage: /join ROOM"
        );
    }

    #[test]
    fn unknown_commands() {
        assert_eq!(parse("/frob x"), Err(ParseError::Unknown("frob".into())));
        assert_eq!(parse("/"), Err(ParseError::Unknown(String::new())));
        assert_eq!(
            ParseError::Unknown("frob".into()).to_string(),
            "unknown command /frob (try /help)"
        );
    }
}
