//! Test support shared by the workspace's tests: one small seeded PRNG and
//! the environment knobs that make a random test replayable.
//!
//! Property and stress tests across the workspace draw their inputs from
//! [`Rng`]. A test starts from a fixed seed, so a run is deterministic;
//! [`seed`] lets an environment variable pick another one and prints the
//! seed in use, so a failing run (whose output the test harness shows) can
//! be replayed exactly:
//!
//! ```
//! use testkit::{seed, Rng};
//!
//! let mut rng = Rng::new(seed("TESTKIT_DOC_SEED", 42));
//! let roll = rng.below(6);
//! assert!(roll < 6);
//! // The same seed gives the same sequence.
//! let mut again = Rng::new(seed("TESTKIT_DOC_SEED", 42));
//! assert_eq!(again.below(6), roll);
//! ```
//!
//! The crate has no dependencies and is never published: it is a
//! `dev-dependency` of the crates whose tests use it. It holds nothing that
//! names a type of those crates, so a crate's own unit tests can use it
//! without meeting a second copy of their crate's types.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod rng;

pub use rng::Rng;

/// `var` from the environment as a `u64`, else `default` (also when it does
/// not parse). For case counts and other knobs of a test.
///
/// ```
/// assert_eq!(testkit::env_u64("TESTKIT_SURELY_UNSET", 7), 7);
/// ```
pub fn env_u64(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed of a random test: `var` from the environment, else `default`.
/// Printed to stderr as `seed N (replay with VAR=N)`, so that a failing
/// run can be replayed.
pub fn seed(var: &str, default: u64) -> u64 {
    let seed = env_u64(var, default);
    eprintln!("seed {seed} (replay with {var}={seed})");
    seed
}
