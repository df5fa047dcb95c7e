//! [`Config`]: the hub's settings.

use crate::protocol::DEFAULT_MAX_CONNS;

/// Settings of a [`Hub`](super::Hub), fixed at creation.
///
/// ```
/// use chat::hub::Config;
///
/// let config = Config { max_conns: 2, ..Config::new("event_server 0.1.0") };
/// assert_eq!(config.server, "event_server 0.1.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Most connections at once, counting those that have not said `Hello`
    /// yet (`--max-conns`, PROTOCOL.md section 5.5). One more gets
    /// `ServerFull` and is closed.
    pub max_conns: usize,
    /// What `Welcome.server` says: the server binary and its version, e.g.
    /// `"event_server 0.1.0"`.
    pub server: String,
}

impl Config {
    /// The defaults of PROTOCOL.md section 6, with `server` as the name sent
    /// in `Welcome`.
    pub fn new(server: impl Into<String>) -> Config {
        Config {
            max_conns: DEFAULT_MAX_CONNS,
            server: server.into(),
        }
    }
}

impl Default for Config {
    /// The defaults, naming the server `chat` plus this crate's version.
    fn default() -> Config {
        Config::new(concat!("chat ", env!("CARGO_PKG_VERSION")))
    }
}
