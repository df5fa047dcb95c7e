//! The compound serializers: what a [`Serializer`](super::Serializer) returns
//! for a sequence, tuple, map, struct or variant, to receive its parts one by
//! one.
//!
//! ```text
//! serializer.serialize_struct("Point", 2)  ──► SerializeStruct
//!     .serialize_field("x", &1)                 (one call per field)
//!     .serialize_field("y", &2)
//!     .end()                               ──► S::Ok
//! ```

use super::{Error, Serialize};

/// Returned from [`Serializer::serialize_seq`](super::Serializer::serialize_seq).
pub trait SerializeSeq {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes one element.
    fn serialize_element<T>(&mut self, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Finishes the sequence.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}

/// Returned from [`Serializer::serialize_tuple`](super::Serializer::serialize_tuple).
pub trait SerializeTuple {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes one element.
    fn serialize_element<T>(&mut self, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Finishes the tuple.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}

/// Returned from
/// [`Serializer::serialize_tuple_struct`](super::Serializer::serialize_tuple_struct).
pub trait SerializeTupleStruct {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes one field.
    fn serialize_field<T>(&mut self, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Finishes the tuple struct.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}

/// Returned from
/// [`Serializer::serialize_tuple_variant`](super::Serializer::serialize_tuple_variant).
pub trait SerializeTupleVariant {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes one field.
    fn serialize_field<T>(&mut self, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Finishes the tuple variant.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}

/// Returned from [`Serializer::serialize_map`](super::Serializer::serialize_map).
///
/// Keys and values alternate: `serialize_key`, `serialize_value`,
/// `serialize_key`, ... or use [`serialize_entry`](SerializeMap::serialize_entry)
/// for both at once.
pub trait SerializeMap {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes a key.
    fn serialize_key<T>(&mut self, key: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Writes the value of the key written just before.
    fn serialize_value<T>(&mut self, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Writes a key and its value.
    fn serialize_entry<K, V>(&mut self, key: &K, value: &V) -> Result<(), Self::Error>
    where
        K: ?Sized + Serialize,
        V: ?Sized + Serialize,
    {
        self.serialize_key(key)?;
        self.serialize_value(value)
    }
    /// Finishes the map.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}

/// Returned from [`Serializer::serialize_struct`](super::Serializer::serialize_struct).
pub trait SerializeStruct {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes one named field.
    fn serialize_field<T>(&mut self, key: &'static str, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Tells the format that this value leaves out the field `key`, for
    /// formats that keep a slot per field. Does nothing by default.
    ///
    /// Only hand-written impls call it: serde's derive does for fields
    /// skipped conditionally (`skip_serializing_if`), which serdy lacks, and
    /// a `#[serdy(skip)]` field is left out of the struct altogether (not
    /// counted in `len`, never mentioned).
    fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
        let _ = key;
        Ok(())
    }
    /// Finishes the struct.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}

/// Returned from
/// [`Serializer::serialize_struct_variant`](super::Serializer::serialize_struct_variant).
pub trait SerializeStructVariant {
    /// Must match the parent serializer's `Ok`.
    type Ok;
    /// Must match the parent serializer's `Error`.
    type Error: Error;
    /// Writes one named field.
    fn serialize_field<T>(&mut self, key: &'static str, value: &T) -> Result<(), Self::Error>
    where
        T: ?Sized + Serialize;
    /// Tells the format that this value leaves out the field `key`; see
    /// [`SerializeStruct::skip_field`]. Does nothing by default.
    fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
        let _ = key;
        Ok(())
    }
    /// Finishes the struct variant.
    fn end(self) -> Result<Self::Ok, Self::Error>;
}
