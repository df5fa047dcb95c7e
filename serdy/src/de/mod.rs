//! Deserialization: building a value from a format.
//!
//! The mirror image of [`ser`](crate::ser), with one more actor:
//!
//! - [`Deserialize`] is implemented by **data structures**. It asks the
//!   format for what it expects (`deserialize_struct`, `deserialize_u32`)
//!   and passes a [`Visitor`].
//! - [`Deserializer`] is implemented by **data formats**. It reads the input
//!   and calls the visitor's `visit_*` method for what it found.
//! - For compound values the visitor receives an access object
//!   ([`SeqAccess`], [`MapAccess`], [`EnumAccess`]) and pulls the parts one
//!   at a time, choosing the type of each.

mod access;
mod deserialize;
mod deserializer;
mod error;
mod ignored_any;
mod impls;
mod into_deserializer;
mod size_hint;
pub mod value;
mod visitor;

pub use access::{EnumAccess, MapAccess, SeqAccess, VariantAccess};
pub use deserialize::{Deserialize, DeserializeOwned, DeserializeSeed};
pub use deserializer::Deserializer;
pub use error::{Error, Expected, Unexpected};
pub use ignored_any::IgnoredAny;
pub use into_deserializer::IntoDeserializer;
/// The standard error trait, under the name serde gives it, so that a
/// format's error bounds read as they do with serde.
pub use std::error::Error as StdError;
pub use visitor::Visitor;
