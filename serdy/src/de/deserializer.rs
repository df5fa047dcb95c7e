//! [`Deserializer`]: the data-format side of deserialization.

use super::{Error, Visitor};

/// A data format that can produce values of the serdy data model.
///
/// The type being deserialized calls one `deserialize_*` method, which acts
/// as a *hint*: "I expect a struct here", "I expect a string here". The
/// format reads its input and calls back the matching `visit_*` method of
/// the [`Visitor`] it was given.
///
/// - A **self-describing** format (JSON) knows from the input what comes
///   next, so it may ignore the hint and forward every method to
///   [`deserialize_any`](Deserializer::deserialize_any) (the
///   [`forward_to_deserialize_any!`](crate::forward_to_deserialize_any) macro
///   writes those forwarding methods).
/// - A **non-self-describing** format (the compact binary one) relies on
///   the hint: a `u32` and a string look alike as bytes, only the hint says
///   which to read. Such formats usually refuse `deserialize_any`.
///
/// The visitor may be called with a different type than hinted (a JSON
/// number for `deserialize_u8` arrives as `visit_u64`); visitors accept the
/// compatible ones and report an [`Error::invalid_type`] for the rest.
pub trait Deserializer<'de>: Sized {
    /// The error type of the format.
    type Error: Error;

    /// Reads whatever the input holds next and calls the matching visitor
    /// method. Only self-describing formats can do this.
    fn deserialize_any<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a `bool` comes next.
    fn deserialize_bool<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `i8` comes next.
    fn deserialize_i8<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `i16` comes next.
    fn deserialize_i16<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `i32` comes next.
    fn deserialize_i32<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `i64` comes next.
    fn deserialize_i64<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `i128` comes next. The default reports that the format lacks
    /// 128-bit integers, as serde's does.
    fn deserialize_i128<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>,
    {
        let _ = visitor;
        Err(Error::custom("i128 is not supported"))
    }
    /// Hint: a `u8` comes next.
    fn deserialize_u8<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a `u16` comes next.
    fn deserialize_u16<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a `u32` comes next.
    fn deserialize_u32<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a `u64` comes next.
    fn deserialize_u64<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a `u128` comes next. The default reports that the format lacks
    /// 128-bit integers, as serde's does.
    fn deserialize_u128<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>,
    {
        let _ = visitor;
        Err(Error::custom("u128 is not supported"))
    }
    /// Hint: an `f32` comes next.
    fn deserialize_f32<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `f64` comes next.
    fn deserialize_f64<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a `char` comes next.
    fn deserialize_char<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a string comes next and the type would like to borrow it
    /// (`visit_borrowed_str`) if the input allows.
    fn deserialize_str<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a string comes next and the type will own it (`visit_string`
    /// saves a copy when the format already has a `String`).
    fn deserialize_string<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a byte string comes next, to borrow if possible.
    fn deserialize_bytes<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a byte string comes next, to own.
    fn deserialize_byte_buf<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: an `Option` comes next; the format calls `visit_none` or
    /// `visit_some`.
    fn deserialize_option<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: `()` comes next.
    fn deserialize_unit<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the unit struct `name` comes next.
    fn deserialize_unit_struct<V>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the newtype struct `name` comes next; the format usually calls
    /// `visit_newtype_struct(self)`.
    fn deserialize_newtype_struct<V>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a variable-length sequence comes next (`visit_seq`).
    fn deserialize_seq<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a sequence of exactly `len` elements comes next, whose length is
    /// not in the input (tuples, arrays).
    fn deserialize_tuple<V>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the tuple struct `name` with `len` fields comes next.
    fn deserialize_tuple_struct<V>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: a map comes next (`visit_map`).
    fn deserialize_map<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the struct `name` with these `fields` comes next. Compact
    /// formats call `visit_seq` (fields in order, no names); self-describing
    /// ones call `visit_map` (names as keys).
    fn deserialize_struct<V>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the enum `name` with these `variants` comes next; the format
    /// calls `visit_enum` with an [`EnumAccess`](super::EnumAccess).
    fn deserialize_enum<V>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the name (or index) of a struct field or enum variant comes
    /// next. Formats call `visit_str`, `visit_u64`, ... as they store it.
    fn deserialize_identifier<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
    /// Hint: the type will discard the next value (an unknown field), so the
    /// format may skip it as cheaply as it can.
    fn deserialize_ignored_any<V>(self, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;

    /// Whether the format is meant for people; see
    /// [`Serializer::is_human_readable`](crate::ser::Serializer::is_human_readable).
    /// Defaults to `true`, as in serde.
    fn is_human_readable(&self) -> bool {
        true
    }
}
