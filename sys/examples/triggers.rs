//! Edge, level and one-shot on the same scenario: which polls report the
//! socket.
//!
//! ```text
//! cargo run -p sys --example triggers
//! ```
//!
//! Output (the same on every run; `tests/lab.rs` checks it):
//!
//! ```text
//! one socket registered READABLE per mode; a poll after each step
//!
//! step               waiting  Edge       Level      OneShot
//! 4 bytes arrive           4  READABLE   READABLE   READABLE
//! caller reads 2           2  -          READABLE   -
//! time passes              2  -          READABLE   -
//! 3 bytes arrive           5  READABLE   READABLE   -
//! caller reads all         0  -          -          -
//! ```
//!
//! Edge reports changes, level reports state, one-shot reports once and
//! then waits to be re-armed (`Registry::reregister_with`). See
//! `sys::Trigger` for what each mode asks of the caller.

#[path = "lab/triggers.rs"]
mod lab;

fn main() -> std::io::Result<()> {
    print!("{}", lab::run()?);
    Ok(())
}
