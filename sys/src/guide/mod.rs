//! How the readiness layer works inside, and what goes wrong around it:
//! chapters that render the backends' own documentation (private modules
//! otherwise absent from `cargo doc`), the lab examples with their real
//! output, and a field guide to the pitfalls.
//!
//! Reading order:
//!
//! 1. [`backends`]: the one interface both backends provide, and epoll and
//!    kqueue side by side;
//! 2. [`epoll`]: the Linux backend, `selector/epoll.rs`;
//! 3. [`kqueue`]: the macOS and BSD backend, `selector/kqueue.rs`, its
//!    per-OS differences, and what was verified only by review;
//! 4. [`lab`]: `triggers`, `forget_to_drain`, `herd` and `starvation`, with
//!    the output of real runs;
//! 5. [`pitfalls`]: the edge-triggered stall, starvation, token reuse,
//!    `dup` and `close`, one-shot re-arms, signal masks, RST on close, lost
//!    wake-ups and slow consumers: symptom, guard, test.

pub mod backends {
    #![doc = include_str!("backends.md")]
}
pub mod epoll {
    #![doc = include_str!("epoll.md")]
}
pub mod kqueue {
    #![doc = include_str!("kqueue.md")]
}
pub mod lab {
    #![doc = include_str!("lab.md")]
}
pub mod pitfalls {
    #![doc = include_str!("pitfalls.md")]
}
