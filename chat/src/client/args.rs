//! The client's command line (PROTOCOL.md section 6).
//!
//! ```text
//! client [--addr HOST:PORT] [--nick NAME] [--trace] [--help]
//! ```
//!
//! Flags are read by [`crate::cli`]: they take their value as the next
//! argument or after `=` (`--nick=bob`), and a bad one is a
//! [`CliError::Bad`] (exit status 2). The nick is not checked here: the server judges it, and
//! a refused nick can be replaced with `/nick` once connected.
//!
//! ```
//! use chat::cli::CliError;
//! use chat::client::args::Options;
//!
//! let opts = Options::parse(["--nick", "bob", "--trace"], Some("alice"), 42).unwrap();
//! assert_eq!(opts.addr, "127.0.0.1:7878");
//! assert_eq!(opts.nick, "bob");
//! assert!(opts.trace);
//!
//! assert_eq!(Options::parse(["--help"], None, 42), Err(CliError::Help));
//! ```

use crate::cli::{CliError, Flags};
use crate::protocol::{is_valid_name, DEFAULT_ADDR};

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Server address, `HOST:PORT` (resolved when connecting).
    pub addr: String,
    /// Nick to say `Hello` with.
    pub nick: String,
    /// Print every frame sent and received on standard error.
    pub trace: bool,
}

/// The usage text of the client.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [--addr HOST:PORT] [--nick NAME] [--trace] [--help]\n\
         \n\
         \x20 --addr HOST:PORT   server to connect to (default {DEFAULT_ADDR})\n\
         \x20 --nick NAME        nick (default: $USER when it is a valid nick, else guest<digits>)\n\
         \x20 --trace            print every frame sent (>>) and received (<<) on stderr\n\
         \x20 --help             print this help and exit\n\
         \n\
         Type /help once connected for the commands. End of input quits.\n"
    )
}

/// The default nick: `user` (normally `$USER`) when it is a valid nick,
/// else `guest` followed by `digits` (normally the process id).
///
/// ```
/// use chat::client::args::default_nick;
///
/// assert_eq!(default_nick(Some("alice"), 7), "alice");
/// assert_eq!(default_nick(Some("jean paul"), 7), "guest7");
/// assert_eq!(default_nick(None, 1234), "guest1234");
/// ```
pub fn default_nick(user: Option<&str>, digits: u32) -> String {
    match user {
        Some(user) if is_valid_name(user) => user.to_string(),
        _ => format!("guest{digits}"),
    }
}

impl Options {
    /// Parses the flags (without the program name). `user` and `digits`
    /// feed [`default_nick`] when `--nick` is absent.
    pub fn parse<I, S>(args: I, user: Option<&str>, digits: u32) -> Result<Options, CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut addr = DEFAULT_ADDR.to_string();
        let mut nick = None;
        let mut trace = false;
        let mut flags = Flags::new(args);
        while let Some(flag) = flags.next_flag()? {
            match flag.as_str() {
                "--addr" => addr = check_addr(flags.value()?)?,
                "--nick" => nick = Some(flags.value()?),
                "--trace" => trace = flags.switch()?,
                _ => return Err(flags.unknown()),
            }
        }
        let nick = nick.unwrap_or_else(|| default_nick(user, digits));
        Ok(Options { addr, nick, trace })
    }
}

/// `HOST:PORT` with a non-empty host and a port number; the host is only
/// resolved when connecting.
fn check_addr(value: String) -> Result<String, CliError> {
    match value.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(value),
        _ => Err(CliError::Bad(format!("--addr: '{value}' is not HOST:PORT"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, CliError> {
        Options::parse(args.iter().copied(), Some("alice"), 99)
    }

    #[test]
    fn defaults() {
        let opts = parse(&[]).unwrap();
        assert_eq!(
            opts,
            Options {
                addr: "127.0.0.1:7878".into(),
                nick: "alice".into(),
                trace: false
            }
        );
    }

    #[test]
    fn flags_with_separate_and_inline_values() {
        let opts = parse(&["--addr", "127.0.0.1:9", "--nick", "bob", "--trace"]).unwrap();
        assert_eq!(
            opts,
            Options {
                addr: "127.0.0.1:9".into(),
                nick: "bob".into(),
                trace: true
            }
        );
        let opts = parse(&["--addr=[::1]:7878", "--nick=carol"]).unwrap();
        assert_eq!(opts.addr, "[::1]:7878");
        assert_eq!(opts.nick, "carol");
        assert_eq!(
            parse(&["--addr", "localhost:1"]).unwrap().addr,
            "localhost:1"
        );
    }

    #[test]
    fn help() {
        assert_eq!(parse(&["--help"]), Err(CliError::Help));
        assert_eq!(parse(&["--nick", "x", "-h"]), Err(CliError::Help));
        assert!(usage("client").starts_with("usage: client [--addr HOST:PORT]"));
    }

    #[test]
    fn bad_flags() {
        let bad = |args: &[&str], msg: &str| {
            assert_eq!(parse(args), Err(CliError::Bad(msg.into())), "{args:?}");
        };
        bad(&["--bogus"], "unknown argument '--bogus'");
        bad(&["bob"], "unknown argument 'bob'");
        bad(&["--nick"], "--nick needs a value");
        bad(&["--addr"], "--addr needs a value");
        bad(&["--addr", "nowhere"], "--addr: 'nowhere' is not HOST:PORT");
        bad(&["--addr", ":7878"], "--addr: ':7878' is not HOST:PORT");
        bad(&["--addr", "h:99999"], "--addr: 'h:99999' is not HOST:PORT");
        bad(&["--trace=yes"], "unknown argument '--trace=yes'");
    }

    #[test]
    fn nick_defaults_to_a_valid_user_else_guest() {
        assert_eq!(default_nick(Some("alice_2"), 5), "alice_2");
        assert_eq!(default_nick(Some(""), 5), "guest5");
        assert_eq!(default_nick(Some("root@host"), 5), "guest5");
        assert_eq!(default_nick(Some(&"a".repeat(33)), 5), "guest5");
        assert_eq!(default_nick(None, 4_194_304), "guest4194304");
        assert!(is_valid_name(&default_nick(None, u32::MAX)));
        assert_eq!(
            Options::parse(Vec::<String>::new(), None, 12).unwrap().nick,
            "guest12"
        );
    }
}
