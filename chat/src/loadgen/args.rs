//! [`Args`]: `--flag value` pairs of a subcommand, read by name.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;

/// The flags of one subcommand. Every flag takes a value; each getter
/// removes what it reads, and [`finish`](Args::finish) refuses leftovers
/// (unknown flags).
///
/// ```
/// use chat::loadgen::args::Args;
///
/// let mut args = Args::parse(["--clients", "10", "--addr", "127.0.0.1:9"]).unwrap();
/// assert_eq!(args.get("clients", 100usize).unwrap(), 10);
/// assert_eq!(args.get("msgs", 200u32).unwrap(), 200);
/// assert!(args.get_opt::<u32>("pid").unwrap().is_none());
/// assert_eq!(args.finish().unwrap_err(), "unknown flag --addr");
/// ```
#[derive(Debug, Default)]
pub struct Args {
    flags: HashMap<String, String>,
}

impl Args {
    /// Reads `--name value` pairs.
    pub fn parse<I, S>(args: I) -> Result<Args, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut flags = HashMap::new();
        let mut it = args.into_iter().map(Into::into);
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else {
                return Err(format!("unexpected argument {flag:?}"));
            };
            let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            if flags.insert(name.to_string(), value).is_some() {
                return Err(format!("--{name} given twice"));
            }
        }
        Ok(Args { flags })
    }

    /// The value of `--name`, or `default`.
    pub fn get<T: FromStr>(&mut self, name: &str, default: T) -> Result<T, String> {
        Ok(self.get_opt(name)?.unwrap_or(default))
    }

    /// The value of `--name`, if given.
    pub fn get_opt<T: FromStr>(&mut self, name: &str) -> Result<Option<T>, String> {
        match self.flags.remove(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("bad value for --{name}: {v:?}")),
        }
    }

    /// `--addr`, default `127.0.0.1:7878`; loopback addresses only (load
    /// is never sent over a real network).
    pub fn addr(&mut self) -> Result<SocketAddr, String> {
        let text: String = self.get("addr", crate::protocol::DEFAULT_ADDR.to_string())?;
        let addr =
            crate::server::config::parse_addr(&text).map_err(|e| format!("bad --addr: {e}"))?;
        if !addr.ip().is_loopback() {
            return Err(format!(
                "--addr {addr}: the load generator only targets loopback addresses"
            ));
        }
        Ok(addr)
    }

    /// Fails on any flag no getter asked for.
    pub fn finish(self) -> Result<(), String> {
        let mut left: Vec<_> = self.flags.into_keys().collect();
        left.sort();
        match left.first() {
            None => Ok(()),
            Some(name) => Err(format!("unknown flag --{name}")),
        }
    }
}
