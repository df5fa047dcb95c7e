//! Chapters that follow the code across modules and crates.
//!
//! - [`life_of_a_message`]: one line typed in the client, followed through
//!   every layer to another user's screen, with the real system calls.

#[doc = include_str!("life_of_a_message.md")]
pub mod life_of_a_message {}
