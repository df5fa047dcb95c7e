//! `thread_server`: the chat with a thread per connection, blocking I/O
//! (and a writer thread for a client that falls behind).
//!
//! See [`chat::server::thread_server`] for how it works. Usage:
//! `thread_server [--addr HOST:PORT] [--max-conns N] [--max-outbound BYTES]
//! [--max-frame BYTES] [--hello-timeout-ms MS]`.

use chat::server::config::{Config, Extras};

fn main() {
    let config = Config::from_env_or_exit("thread_server", Extras::NONE);
    if let Err(e) = chat::server::thread_server::run(config) {
        eprintln!("thread_server: {e}");
        std::process::exit(1);
    }
}
