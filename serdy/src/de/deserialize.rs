//! [`Deserialize`], [`DeserializeOwned`] and [`DeserializeSeed`]: the
//! data-structure side of deserialization.

use std::marker::PhantomData;

use super::Deserializer;

/// A data structure that can build itself from any format.
///
/// The lifetime `'de` is the lifetime of the input. A type that borrows from
/// the input (`&'de str`, a struct with such a field) implements
/// `Deserialize<'de>` only for that `'de`; a type that owns everything
/// implements it for every `'de` (see [`DeserializeOwned`]).
///
/// An implementation calls one `deserialize_*` method of the deserializer,
/// passing a [`Visitor`](super::Visitor) that builds the value from what
/// the format finds. `#[derive(Deserialize)]` writes this impl; the crate
/// guide shows the expansion.
pub trait Deserialize<'de>: Sized {
    /// Builds a value from `deserializer`.
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>;
}

/// A type that can be deserialized from input of any lifetime, so it borrows
/// nothing from it: `String` but not `&str`.
///
/// Use it as a bound when the input is dropped before the value, as in a
/// `from_reader` that reads into a temporary buffer.
pub trait DeserializeOwned: for<'de> Deserialize<'de> {}

impl<T> DeserializeOwned for T where T: for<'de> Deserialize<'de> {}

/// A stateful [`Deserialize`]: the seed is a value that carries context into
/// deserialization (an arena to allocate in, a buffer to append to, a type
/// chosen at run time).
///
/// Every `Deserialize` type `T` has the stateless seed `PhantomData<T>`;
/// the `*_seed` methods of the access traits take seeds, and their plain
/// versions (e.g. [`SeqAccess::next_element`](super::SeqAccess::next_element))
/// pass a `PhantomData`.
pub trait DeserializeSeed<'de>: Sized {
    /// The type produced.
    type Value;
    /// Builds a value from `deserializer`, consuming the seed.
    fn deserialize<D>(self, deserializer: D) -> Result<Self::Value, D::Error>
    where
        D: Deserializer<'de>;
}

impl<'de, T> DeserializeSeed<'de> for PhantomData<T>
where
    T: Deserialize<'de>,
{
    type Value = T;
    #[inline]
    fn deserialize<D>(self, deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
    {
        T::deserialize(deserializer)
    }
}
