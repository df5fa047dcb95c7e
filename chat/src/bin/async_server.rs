//! `async_server`: the chat with a reader and a writer task per connection
//! on the `exec` runtime.
//!
//! See [`chat::server::async_server`] for how it works. Usage:
//! `async_server [--addr HOST:PORT] [--max-conns N] [--max-outbound BYTES]
//! [--max-frame BYTES] [--hello-timeout-ms MS] [--threads N]`.

use chat::server::config::{Config, Extras};

fn main() {
    let config = Config::from_env_or_exit(
        "async_server",
        Extras {
            threads: true,
            cluster: true,
        },
    );
    if let Err(e) = chat::server::async_server::run(config) {
        eprintln!("async_server: {e}");
        std::process::exit(1);
    }
}
