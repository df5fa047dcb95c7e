//! `event_server`: the chat on one thread and one `sys::Poll`.
//!
//! See [`chat::server::event_server`] for how it works. Usage:
//! `event_server [--addr HOST:PORT] [--max-conns N] [--max-outbound BYTES]
//! [--max-frame BYTES] [--hello-timeout-ms MS]`.

use chat::server::config::{Config, Extras};

fn main() {
    let config = Config::from_env_or_exit("event_server", Extras::CLUSTER);
    if let Err(e) = chat::server::event_server::run(config) {
        eprintln!("event_server: {e}");
        std::process::exit(1);
    }
}
