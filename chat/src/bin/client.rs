//! `client`: the terminal chat client.
//!
//! ```text
//! client [--addr HOST:PORT] [--nick NAME] [--trace] [--help]
//! ```
//!
//! Everything lives in the library, [`chat::client`], where it is tested and
//! documented; this file only turns its result into the exit status.

fn main() {
    std::process::exit(chat::client::run_from_env());
}
