//! # serdy: serde's data model, small enough to read
//!
//! (The guide is being written; see the modules [`ser`] and [`de`].)

#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

// Lets derive output that names `::serdy::...` compile inside this crate's
// own tests and doctests.
extern crate self as serdy;

#[macro_use]
mod macros;

pub mod de;
pub mod ser;
pub mod test_tokens;

#[doc(hidden)]
pub mod __private;

pub use de::{Deserialize, Deserializer};
pub use ser::{Serialize, Serializer};

// The derive macros share the traits' names (they live in the macro
// namespace), so `use serdy::{Serialize, Deserialize}` brings both.
pub use serdy_derive::{Deserialize, Serialize};
