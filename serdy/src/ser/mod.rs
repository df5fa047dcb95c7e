//! Serialization: turning a value into a format.
//!
//! Two traits meet here and never learn about each other's concrete types:
//!
//! - [`Serialize`] is implemented by **data structures**. It says which
//!   data-model type a value is ("a struct named `Point` with two fields")
//!   by calling methods of a serializer.
//! - [`Serializer`] is implemented by **data formats**. It receives those
//!   calls and writes bytes (or text, or tokens).
//!
//! Compound types go through a second object, one of the compound traits
//! ([`SerializeSeq`], [`SerializeStruct`], ...), that takes their elements
//! one at a time.

mod compound;
mod error;
mod impls;
mod impossible;
mod serialize;
mod serializer;

pub use compound::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
pub use error::Error;
pub use impossible::Impossible;
pub use serialize::Serialize;
pub use serializer::Serializer;
/// The standard error trait, under the name serde gives it, so that a
/// format's error bounds read as they do with serde.
pub use std::error::Error as StdError;
