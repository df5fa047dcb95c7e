//! `loadgen`: load generator for the chat servers.
//!
//! See [`chat::loadgen`] for the subcommands and how it works. Usage:
//! `loadgen fanout|latency|idle|churn|suite [--flag value ...]`.

fn main() {
    let args = std::env::args().skip(1).collect();
    std::process::exit(chat::loadgen::main_with_args(args));
}
