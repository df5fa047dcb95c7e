//! [`Args`]: the flags of a subcommand, collected first, read by name.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;

use crate::cli::{parse_value, socket_addr, CliError, Flags};

/// The flags of one subcommand. Every flag takes a value, as `--flag value`
/// or `--flag=value` (read by [`crate::cli::Flags`], so `--help` and bad
/// input behave as in every other binary). Each getter removes what it
/// reads, and [`finish`](Args::finish) refuses leftovers (unknown flags):
/// which flags exist depends on the subcommand, known only after parsing.
///
/// ```
/// use chat::cli::CliError;
/// use chat::loadgen::args::Args;
///
/// let mut args = Args::parse(["--clients", "10", "--addr=127.0.0.1:9"]).unwrap();
/// assert_eq!(args.get("clients", 100usize).unwrap(), 10);
/// assert_eq!(args.get("msgs", 200u32).unwrap(), 200);
/// assert!(args.get_opt::<u32>("pid").unwrap().is_none());
/// assert_eq!(
///     args.finish().unwrap_err(),
///     CliError::Bad("unknown argument '--addr'".into())
/// );
/// ```
#[derive(Debug, Default)]
pub struct Args {
    /// Values by flag name, without the leading `--`.
    flags: HashMap<String, String>,
}

impl Args {
    /// Reads `--name value` pairs; a flag given twice is refused.
    pub fn parse<I, S>(args: I) -> Result<Args, CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut flags = HashMap::new();
        let mut reader = Flags::new(args);
        while let Some(flag) = reader.next_flag()? {
            let value = reader.value()?;
            let name = flag.trim_start_matches('-').to_string();
            if flags.insert(name, value).is_some() {
                return Err(CliError::Bad(format!("{flag} given twice")));
            }
        }
        Ok(Args { flags })
    }

    /// The value of `--name`, or `default`.
    pub fn get<T: FromStr>(&mut self, name: &str, default: T) -> Result<T, CliError> {
        Ok(self.get_opt(name)?.unwrap_or(default))
    }

    /// The value of `--name`, if given.
    pub fn get_opt<T: FromStr>(&mut self, name: &str) -> Result<Option<T>, CliError> {
        match self.flags.remove(name) {
            None => Ok(None),
            Some(v) => parse_value(&format!("--{name}"), &v).map(Some),
        }
    }

    /// `--addr`, default `127.0.0.1:7878`; loopback addresses only (load
    /// is never sent over a real network).
    pub fn addr(&mut self) -> Result<SocketAddr, CliError> {
        let text: String = self.get("addr", crate::protocol::DEFAULT_ADDR.to_string())?;
        loopback(socket_addr("--addr", &text)?)
    }

    /// `--addr A,B,...`: one address or several, comma-separated (the
    /// nodes of a cluster), default `127.0.0.1:7878`; loopback only.
    ///
    /// ```
    /// use chat::loadgen::args::Args;
    ///
    /// let mut args = Args::parse(["--addr", "127.0.0.1:7001,127.0.0.1:7002"]).unwrap();
    /// let addrs = args.addrs().unwrap();
    /// assert_eq!(addrs.len(), 2);
    /// assert_eq!(addrs[1].port(), 7002);
    /// ```
    pub fn addrs(&mut self) -> Result<Vec<SocketAddr>, CliError> {
        let text: String = self.get("addr", crate::protocol::DEFAULT_ADDR.to_string())?;
        text.split(',')
            .map(|item| loopback(socket_addr("--addr", item)?))
            .collect()
    }

    /// `--pid P,Q,...`: the process ids whose CPU time a run adds up (a
    /// server, or every node of a cluster and its Redis); empty if absent.
    pub fn pids(&mut self) -> Result<Vec<u32>, CliError> {
        let Some(text) = self.get_opt::<String>("pid")? else {
            return Ok(Vec::new());
        };
        text.split(',')
            .map(|item| parse_value::<u32>("--pid", item))
            .collect()
    }

    /// Fails on any flag no getter asked for.
    pub fn finish(self) -> Result<(), CliError> {
        let mut left: Vec<_> = self.flags.into_keys().collect();
        left.sort();
        match left.first() {
            None => Ok(()),
            Some(name) => Err(CliError::Bad(format!("unknown argument '--{name}'"))),
        }
    }
}

/// `addr` itself if it is a loopback address.
fn loopback(addr: SocketAddr) -> Result<SocketAddr, CliError> {
    if !addr.ip().is_loopback() {
        return Err(CliError::Bad(format!(
            "--addr {addr}: the load generator only targets loopback addresses"
        )));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(args: &[&str]) -> String {
        match Args::parse(args.iter().copied()) {
            Err(CliError::Bad(message)) => message,
            other => panic!("{args:?} gave {other:?}"),
        }
    }

    #[test]
    fn bad_command_lines_say_why() {
        assert_eq!(bad(&["--size", "1", "--size=2"]), "--size given twice");
        assert_eq!(bad(&["--size"]), "--size needs a value");
        assert_eq!(bad(&["size", "1"]), "unknown argument 'size'");
        assert_eq!(
            Args::parse(["--size", "1", "--help"]).unwrap_err(),
            CliError::Help
        );
        let mut args = Args::parse(["--size", "big", "--addr", "10.0.0.1:7"]).unwrap();
        assert_eq!(
            args.get("size", 1u32),
            Err(CliError::Bad("--size: 'big' is not a valid value".into()))
        );
        assert!(matches!(args.addr(), Err(CliError::Bad(m)) if m.contains("loopback")));
    }

    #[test]
    fn addr_lists_and_pid_lists() {
        let mut args = Args::parse(["--addr", "127.0.0.1:7001,[::1]:7002,127.0.0.1:7003"]).unwrap();
        let addrs = args.addrs().unwrap();
        let ports: Vec<u16> = addrs.iter().map(|a| a.port()).collect();
        assert_eq!(ports, [7001, 7002, 7003]);
        assert!(addrs[1].is_ipv6());
        // One address is a list of one; no flag is the default.
        let mut args = Args::parse(["--addr", "127.0.0.1:9"]).unwrap();
        assert_eq!(args.addrs().unwrap(), ["127.0.0.1:9".parse().unwrap()]);
        let mut args = Args::parse(Vec::<String>::new()).unwrap();
        assert_eq!(
            args.addrs().unwrap(),
            [crate::protocol::DEFAULT_ADDR.parse().unwrap()]
        );
        // Every item must be a loopback HOST:PORT.
        for bad in [
            "127.0.0.1:1,10.0.0.1:2",
            "127.0.0.1:1,",
            ",127.0.0.1:1",
            "127.0.0.1:1;127.0.0.1:2",
        ] {
            let mut args = Args::parse(["--addr", bad]).unwrap();
            assert!(args.addrs().is_err(), "{bad}");
        }
        // The single-address getter refuses a list.
        let mut args = Args::parse(["--addr", "127.0.0.1:1,127.0.0.1:2"]).unwrap();
        assert!(args.addr().is_err());

        let mut args = Args::parse(["--pid", "12,345,6789"]).unwrap();
        assert_eq!(args.pids().unwrap(), [12, 345, 6789]);
        let mut args = Args::parse(["--pid", "42"]).unwrap();
        assert_eq!(args.pids().unwrap(), [42]);
        let mut args = Args::parse(Vec::<String>::new()).unwrap();
        assert!(args.pids().unwrap().is_empty());
        for bad in ["1,,2", "1,x", "-1", "1,"] {
            let mut args = Args::parse(["--pid", bad]).unwrap();
            assert_eq!(
                args.pids(),
                Err(CliError::Bad(format!(
                    "--pid: '{}' is not a valid value",
                    bad.split(',').find(|i| i.parse::<u32>().is_err()).unwrap()
                ))),
                "{bad}"
            );
        }
    }
}
