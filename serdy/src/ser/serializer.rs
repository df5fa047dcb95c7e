//! [`Serializer`]: the data-format side of serialization.

use std::fmt::Display;

use super::{
    Error, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant,
};

/// A data format that can receive any value of the serdy data model.
///
/// There is one method per data-model type (see the crate guide's table of
/// the 29 types; `Option` has two, `serialize_none` and `serialize_some`).
/// Scalars are written in one call; compound types (`seq`, `tuple`, `map`,
/// `struct`, and the variant kinds) return a second object — one of the
/// associated `Serialize*` types — that receives the elements one at a time
/// and is finished with `end`.
///
/// Every method takes `self` by value. Formats usually implement `Serializer`
/// for `&mut MyFormat`, so each call borrows the output buffer for as long as
/// the value (and its compound helper) is being written.
pub trait Serializer: Sized {
    /// What a successful serialization returns: often `()` for formats that
    /// write into a buffer, or a value for formats that build one.
    type Ok;
    /// The error type of the format.
    type Error: Error;
    /// Returned by [`serialize_seq`](Serializer::serialize_seq).
    type SerializeSeq: SerializeSeq<Ok = Self::Ok, Error = Self::Error>;
    /// Returned by [`serialize_tuple`](Serializer::serialize_tuple).
    type SerializeTuple: SerializeTuple<Ok = Self::Ok, Error = Self::Error>;
    /// Returned by [`serialize_tuple_struct`](Serializer::serialize_tuple_struct).
    type SerializeTupleStruct: SerializeTupleStruct<Ok = Self::Ok, Error = Self::Error>;
    /// Returned by [`serialize_tuple_variant`](Serializer::serialize_tuple_variant).
    type SerializeTupleVariant: SerializeTupleVariant<Ok = Self::Ok, Error = Self::Error>;
    /// Returned by [`serialize_map`](Serializer::serialize_map).
    type SerializeMap: SerializeMap<Ok = Self::Ok, Error = Self::Error>;
    /// Returned by [`serialize_struct`](Serializer::serialize_struct).
    type SerializeStruct: SerializeStruct<Ok = Self::Ok, Error = Self::Error>;
    /// Returned by [`serialize_struct_variant`](Serializer::serialize_struct_variant).
    type SerializeStructVariant: SerializeStructVariant<Ok = Self::Ok, Error = Self::Error>;

    /// Writes a `bool`.
    fn serialize_bool(self, v: bool) -> Result<Self::Ok, Self::Error>;
    /// Writes an `i8`.
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, Self::Error>;
    /// Writes an `i16`.
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, Self::Error>;
    /// Writes an `i32`.
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, Self::Error>;
    /// Writes an `i64`.
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, Self::Error>;
    /// Writes an `i128`. The default reports that the format lacks 128-bit
    /// integers, as serde's does.
    fn serialize_i128(self, v: i128) -> Result<Self::Ok, Self::Error> {
        let _ = v;
        Err(Error::custom("i128 is not supported"))
    }
    /// Writes a `u8`.
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, Self::Error>;
    /// Writes a `u16`.
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, Self::Error>;
    /// Writes a `u32`.
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, Self::Error>;
    /// Writes a `u64`.
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, Self::Error>;
    /// Writes a `u128`. The default reports that the format lacks 128-bit
    /// integers, as serde's does.
    fn serialize_u128(self, v: u128) -> Result<Self::Ok, Self::Error> {
        let _ = v;
        Err(Error::custom("u128 is not supported"))
    }
    /// Writes an `f32`.
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, Self::Error>;
    /// Writes an `f64`.
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, Self::Error>;
    /// Writes a `char`.
    fn serialize_char(self, v: char) -> Result<Self::Ok, Self::Error>;
    /// Writes a string.
    fn serialize_str(self, v: &str) -> Result<Self::Ok, Self::Error>;
    /// Writes a byte string (not a sequence of `u8`: formats may store it
    /// compactly).
    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok, Self::Error>;
    /// Writes `Option::None`.
    fn serialize_none(self) -> Result<Self::Ok, Self::Error>;
    /// Writes `Option::Some(value)`.
    fn serialize_some<T>(self, value: &T) -> Result<Self::Ok, Self::Error>
    where
        T: ?Sized + Serialize;
    /// Writes `()`.
    fn serialize_unit(self) -> Result<Self::Ok, Self::Error>;
    /// Writes a unit struct such as `struct Marker;`.
    fn serialize_unit_struct(self, name: &'static str) -> Result<Self::Ok, Self::Error>;
    /// Writes a unit variant such as `E::A` in `enum E { A, B }`.
    ///
    /// `variant_index` is the position of the variant in declaration order
    /// (what compact formats write); `variant` is its name (what
    /// self-describing formats write).
    fn serialize_unit_variant(
        self,
        name: &'static str,
        variant_index: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Self::Error>;
    /// Writes a newtype struct such as `struct Millis(u64)`. Formats are
    /// encouraged to write just the inner value.
    fn serialize_newtype_struct<T>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Self::Error>
    where
        T: ?Sized + Serialize;
    /// Writes a newtype variant such as `E::N(5)`.
    fn serialize_newtype_variant<T>(
        self,
        name: &'static str,
        variant_index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Self::Error>
    where
        T: ?Sized + Serialize;
    /// Begins a variable-length sequence (`Vec<T>`, sets). `len` is known
    /// for most collections; some formats (length-prefixed ones) need it.
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, Self::Error>;
    /// Begins a fixed-length sequence whose length both sides know:
    /// tuples and arrays `[T; N]`.
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Self::Error>;
    /// Begins a tuple struct such as `struct Rgb(u8, u8, u8)`.
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error>;
    /// Begins a tuple variant such as `E::T(1, 2)`.
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        variant_index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error>;
    /// Begins a map of key-value pairs.
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Self::Error>;
    /// Begins a struct with named fields. `len` counts the fields that will be
    /// serialized (skipped fields excluded).
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error>;
    /// Begins a struct variant such as `E::S { r: 0 }`.
    fn serialize_struct_variant(
        self,
        name: &'static str,
        variant_index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error>;

    /// Serializes every item of an iterator as a sequence. The length is given
    /// when the iterator's size hint is exact.
    fn collect_seq<I>(self, iter: I) -> Result<Self::Ok, Self::Error>
    where
        I: IntoIterator,
        <I as IntoIterator>::Item: Serialize,
    {
        let iter = iter.into_iter();
        let mut seq = self.serialize_seq(exact_len(&iter))?;
        for item in iter {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }

    /// Serializes every `(key, value)` item of an iterator as a map. The
    /// length is given when the iterator's size hint is exact.
    fn collect_map<K, V, I>(self, iter: I) -> Result<Self::Ok, Self::Error>
    where
        K: Serialize,
        V: Serialize,
        I: IntoIterator<Item = (K, V)>,
    {
        let iter = iter.into_iter();
        let mut map = self.serialize_map(exact_len(&iter))?;
        for (key, value) in iter {
            map.serialize_entry(&key, &value)?;
        }
        map.end()
    }

    /// Serializes anything printable as a string (through its `Display`).
    fn collect_str<T>(self, value: &T) -> Result<Self::Ok, Self::Error>
    where
        T: ?Sized + Display,
    {
        self.serialize_str(&value.to_string())
    }

    /// Whether the format is meant for people (JSON) rather than machines
    /// (compact binary). Types may choose a different representation in each,
    /// e.g. an IP address as `"127.0.0.1"` versus four bytes. Defaults to
    /// `true`, as in serde.
    fn is_human_readable(&self) -> bool {
        true
    }
}

/// The length of an iterator if its size hint pins it down.
fn exact_len<I: Iterator>(iter: &I) -> Option<usize> {
    match iter.size_hint() {
        (lo, Some(hi)) if lo == hi => Some(lo),
        _ => None,
    }
}
