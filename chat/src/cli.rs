//! The command line of every binary: one flag reader, one error type, one
//! exit policy (PROTOCOL.md section 6).
//!
//! The three servers, the client and the load generator all read flags the
//! same way:
//!
//! - `--flag VALUE` and `--flag=VALUE` are the same thing;
//! - a boolean flag (`--trace`) takes no value, so `--trace=yes` is an
//!   unknown argument;
//! - `--help` (or `-h`) stops parsing with [`CliError::Help`]: the binary
//!   prints its usage on standard output and exits 0;
//! - anything else that is wrong (an unknown flag, a stray word, a missing
//!   or bad value) is [`CliError::Bad`] with a one-line message: the binary
//!   prints `program: message` and its usage on standard error and exits 2.
//!
//! [`Flags`] is a pull parser: the caller asks for the next flag, matches
//! its name, and takes its value with the getter that fits. Only the caller
//! knows which flags exist and which take values, so that knowledge stays in
//! one `match` per binary.
//!
//! ```
//! use chat::cli::{CliError, Flags};
//!
//! fn parse(args: &[&str]) -> Result<(bool, u64), CliError> {
//!     let (mut verbose, mut count) = (false, 1);
//!     let mut flags = Flags::new(args.iter().copied());
//!     while let Some(flag) = flags.next_flag()? {
//!         match flag.as_str() {
//!             "--verbose" => verbose = flags.switch()?,
//!             "--count" => count = flags.number(1, 10)?,
//!             _ => return Err(flags.unknown()),
//!         }
//!     }
//!     Ok((verbose, count))
//! }
//!
//! assert_eq!(parse(&["--count", "3", "--verbose"]), Ok((true, 3)));
//! assert_eq!(parse(&["--count=4"]), Ok((false, 4)));
//! assert_eq!(parse(&["--count", "3", "-h"]), Err(CliError::Help));
//! assert_eq!(parse(&["--count"]), Err(CliError::Bad("--count needs a value".into())));
//! assert_eq!(
//!     parse(&["--count", "11"]),
//!     Err(CliError::Bad("--count: '11' is not a number from 1 to 10".into()))
//! );
//! assert_eq!(
//!     parse(&["--verbose=yes"]),
//!     Err(CliError::Bad("unknown argument '--verbose=yes'".into()))
//! );
//! assert_eq!(parse(&["stray"]), Err(CliError::Bad("unknown argument 'stray'".into())));
//! ```

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::str::FromStr;

/// Why a command line produced no options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `--help` or `-h`: print the usage on standard output, exit 0.
    Help,
    /// A bad command line, with a one-line message: print it and the usage
    /// on standard error, exit 2.
    Bad(String),
}

impl CliError {
    /// Tells the user, following the policy above, and returns the exit
    /// status: 0 for [`Help`](CliError::Help) (usage on standard output),
    /// 2 for [`Bad`](CliError::Bad) (`program: message`, then the usage, on
    /// standard error).
    ///
    /// ```
    /// use chat::cli::CliError;
    ///
    /// let usage = "usage: client [--nick NAME]\n";
    /// assert_eq!(CliError::Bad("--nick needs a value".into()).report("client", usage), 2);
    /// assert_eq!(CliError::Help.report("client", usage), 0);
    /// ```
    pub fn report(&self, program: &str, usage: &str) -> i32 {
        match self {
            CliError::Help => {
                print!("{usage}");
                0
            }
            CliError::Bad(message) => {
                eprintln!("{program}: {message}");
                eprint!("{usage}");
                2
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Help => f.write_str("help requested"),
            CliError::Bad(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CliError {}

/// Reads flags one at a time; see the [module docs](self) for the rules and
/// an example.
///
/// After [`next_flag`](Flags::next_flag) returns a flag, the caller takes
/// its value with exactly one of [`value`](Flags::value),
/// [`parse`](Flags::parse), [`number`](Flags::number) or
/// [`switch`](Flags::switch), or refuses it with
/// [`unknown`](Flags::unknown).
#[derive(Debug)]
pub struct Flags<I> {
    args: I,
    /// The current argument as given (`--addr=x`), for messages.
    arg: String,
    /// Its flag part (`--addr`).
    flag: String,
    /// Its value after `=`, if any.
    inline: Option<String>,
}

impl<I, S> Flags<I>
where
    I: Iterator<Item = S>,
    S: Into<String>,
{
    /// A reader over `args` (without the program name).
    pub fn new<A>(args: A) -> Self
    where
        A: IntoIterator<IntoIter = I>,
    {
        Flags {
            args: args.into_iter(),
            arg: String::new(),
            flag: String::new(),
            inline: None,
        }
    }

    /// The next flag's name (`--addr`, also for `--addr=x`), or `None` at
    /// the end. `--help` and `-h` are [`CliError::Help`]; a word that is
    /// not a flag is `unknown argument 'word'`.
    pub fn next_flag(&mut self) -> Result<Option<String>, CliError> {
        let Some(arg) = self.args.next().map(Into::into) else {
            return Ok(None);
        };
        if arg == "--help" || arg == "-h" {
            return Err(CliError::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        self.arg = arg;
        if !self.flag_like(&flag) {
            return Err(self.unknown());
        }
        self.flag = flag;
        self.inline = inline;
        Ok(Some(self.flag.clone()))
    }

    /// The current flag's value: after `=`, else the next argument;
    /// `--flag needs a value` when there is none.
    pub fn value(&mut self) -> Result<String, CliError> {
        match self.inline.take() {
            Some(value) => Ok(value),
            None => self
                .args
                .next()
                .map(Into::into)
                .ok_or_else(|| CliError::Bad(format!("{} needs a value", self.flag))),
        }
    }

    /// The current flag's value parsed as a `T`; `--flag: 'text' is not a
    /// valid value` when it does not parse.
    pub fn parse<T: FromStr>(&mut self) -> Result<T, CliError> {
        let value = self.value()?;
        parse_value(&self.flag, &value)
    }

    /// The current flag's value as a whole number in `min..=max`;
    /// `--flag: 'text' is not a number from MIN to MAX` otherwise.
    pub fn number(&mut self, min: u64, max: u64) -> Result<u64, CliError> {
        let value = self.value()?;
        match value.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(CliError::Bad(format!(
                "{}: '{value}' is not a number from {min} to {max}",
                self.flag
            ))),
        }
    }

    /// The current flag as a boolean switch: `Ok(true)`, or, if it was given
    /// a value (`--trace=yes`), `unknown argument '--trace=yes'`.
    pub fn switch(&mut self) -> Result<bool, CliError> {
        match self.inline {
            None => Ok(true),
            Some(_) => Err(self.unknown()),
        }
    }

    /// The error for the current argument: `unknown argument 'ARG'`, quoting
    /// it as given.
    pub fn unknown(&self) -> CliError {
        CliError::Bad(format!("unknown argument '{}'", self.arg))
    }

    /// Whether `flag` is spelled like one: `--` and a name.
    fn flag_like(&self, flag: &str) -> bool {
        flag.len() > 2 && flag.starts_with("--")
    }
}

/// `value` of `flag` parsed as a `T`; `FLAG: 'text' is not a valid value`
/// when it does not parse. [`Flags::parse`] uses it; so does a parser that
/// collects values first and converts them later.
///
/// ```
/// use chat::cli::{parse_value, CliError};
///
/// assert_eq!(parse_value::<u8>("--size", "64"), Ok(64));
/// assert_eq!(
///     parse_value::<u8>("--size", "big"),
///     Err(CliError::Bad("--size: 'big' is not a valid value".into()))
/// );
/// ```
pub fn parse_value<T: FromStr>(flag: &str, value: &str) -> Result<T, CliError> {
    value
        .parse()
        .map_err(|_| CliError::Bad(format!("{flag}: '{value}' is not a valid value")))
}

/// Resolves `HOST:PORT` (an IP literal, `[v6]:port`, or a name such as
/// `localhost:7878`) to its first address; `FLAG: 'text' is not HOST:PORT`
/// otherwise.
///
/// ```
/// use chat::cli::socket_addr;
///
/// assert_eq!(socket_addr("--addr", "[::1]:80").unwrap(), "[::1]:80".parse().unwrap());
/// assert!(socket_addr("--addr", "nowhere").is_err());
/// ```
pub fn socket_addr(flag: &str, value: &str) -> Result<SocketAddr, CliError> {
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bad = || CliError::Bad(format!("{flag}: '{value}' is not HOST:PORT"));
    value
        .to_socket_addrs()
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flag of `args`, with its value when it takes one (`--v` is
    /// the only switch here).
    fn all(args: &[&str]) -> Result<Vec<(String, String)>, CliError> {
        let mut flags = Flags::new(args.iter().copied());
        let mut out = Vec::new();
        while let Some(flag) = flags.next_flag()? {
            let value = match flag.as_str() {
                "--v" => flags.switch()?.to_string(),
                "--n" => flags.number(0, 9)?.to_string(),
                "--f" => flags.parse::<f64>()?.to_string(),
                "--s" => flags.value()?,
                _ => return Err(flags.unknown()),
            };
            out.push((flag, value));
        }
        Ok(out)
    }

    fn bad(args: &[&str]) -> String {
        match all(args) {
            Err(CliError::Bad(message)) => message,
            other => panic!("{args:?} gave {other:?}"),
        }
    }

    #[test]
    fn values_separate_or_inline() {
        let got = all(&["--s", "a b", "--s=x=y", "--n=7", "--v", "--f", "0.5"]).unwrap();
        let want = [
            ("--s", "a b"),
            ("--s", "x=y"),
            ("--n", "7"),
            ("--v", "true"),
            ("--f", "0.5"),
        ];
        assert_eq!(got.len(), want.len());
        for ((flag, value), (f, v)) in got.iter().zip(want) {
            assert_eq!((flag.as_str(), value.as_str()), (f, v));
        }
        // An empty inline value is a value.
        assert_eq!(all(&["--s="]).unwrap()[0].1, "");
        // A value may look like a flag: it is taken as given.
        assert_eq!(all(&["--s", "--v"]).unwrap()[0].1, "--v");
    }

    #[test]
    fn help_wins_wherever_it_stands() {
        assert_eq!(all(&["--help"]), Err(CliError::Help));
        assert_eq!(all(&["--v", "-h"]), Err(CliError::Help));
        assert_eq!(bad(&["--help=1"]), "unknown argument '--help=1'");
    }

    #[test]
    fn every_mistake_has_a_message() {
        assert_eq!(bad(&["--bogus"]), "unknown argument '--bogus'");
        assert_eq!(bad(&["--bogus=1"]), "unknown argument '--bogus=1'");
        assert_eq!(bad(&["stray"]), "unknown argument 'stray'");
        assert_eq!(bad(&["-x"]), "unknown argument '-x'");
        assert_eq!(bad(&["--"]), "unknown argument '--'");
        assert_eq!(bad(&["--v=yes"]), "unknown argument '--v=yes'");
        assert_eq!(bad(&["--s"]), "--s needs a value");
        assert_eq!(bad(&["--n", "10"]), "--n: '10' is not a number from 0 to 9");
        assert_eq!(bad(&["--n", "-1"]), "--n: '-1' is not a number from 0 to 9");
        assert_eq!(bad(&["--f", "x"]), "--f: 'x' is not a valid value");
    }

    #[test]
    fn addresses() {
        assert_eq!(
            socket_addr("--addr", "127.0.0.1:9").unwrap(),
            "127.0.0.1:9".parse().unwrap()
        );
        assert_eq!(
            socket_addr("--to", ":80"),
            Err(CliError::Bad("--to: ':80' is not HOST:PORT".into()))
        );
    }
}
