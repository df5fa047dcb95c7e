//! [`Visitor`]: what a type tells the format to do with each kind of value.

use std::fmt;

use super::{Deserializer, EnumAccess, Error, MapAccess, SeqAccess, Unexpected};

/// The callbacks a [`Deserializer`] calls once it knows what the input holds.
///
/// A `Deserialize` impl builds a visitor and hands it to one
/// `deserialize_*` method; the format then calls exactly one `visit_*`
/// method. A visitor overrides the methods for the input it accepts; every
/// other method falls back to an [`Error::invalid_type`] that quotes
/// [`expecting`](Visitor::expecting).
///
/// The defaults forward narrow types to wide ones, as serde's do: `visit_i8`,
/// `visit_i16` and `visit_i32` call `visit_i64`; the unsigned ones call
/// `visit_u64`; `visit_f32` calls `visit_f64`; `visit_char` calls
/// `visit_str`; `visit_borrowed_str` and `visit_string` call `visit_str`;
/// `visit_borrowed_bytes` and `visit_byte_buf` call `visit_bytes`. So a
/// visitor for integers usually writes only `visit_i64` and `visit_u64`.
pub trait Visitor<'de>: Sized {
    /// The value this visitor produces.
    type Value;

    /// Completes "expected ..." in error messages, e.g. `"a string"` or
    /// `"struct Point"`.
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// The input holds a `bool`.
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Bool(v), &self))
    }
    /// The input holds an `i8`; forwards to `visit_i64`.
    fn visit_i8<E>(self, v: i8) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_i64(i64::from(v))
    }
    /// The input holds an `i16`; forwards to `visit_i64`.
    fn visit_i16<E>(self, v: i16) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_i64(i64::from(v))
    }
    /// The input holds an `i32`; forwards to `visit_i64`.
    fn visit_i32<E>(self, v: i32) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_i64(i64::from(v))
    }
    /// The input holds an `i64`.
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Signed(v), &self))
    }
    /// The input holds an `i128`. The default reports an invalid type, as
    /// serde's does: a visitor opts in to 128-bit integers explicitly.
    fn visit_i128<E>(self, v: i128) -> Result<Self::Value, E>
    where
        E: Error,
    {
        let what = format!("integer `{}` as i128", v);
        Err(Error::invalid_type(Unexpected::Other(&what), &self))
    }
    /// The input holds a `u8`; forwards to `visit_u64`.
    fn visit_u8<E>(self, v: u8) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_u64(u64::from(v))
    }
    /// The input holds a `u16`; forwards to `visit_u64`.
    fn visit_u16<E>(self, v: u16) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_u64(u64::from(v))
    }
    /// The input holds a `u32`; forwards to `visit_u64`.
    fn visit_u32<E>(self, v: u32) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_u64(u64::from(v))
    }
    /// The input holds a `u64`.
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Unsigned(v), &self))
    }
    /// The input holds a `u128`. The default reports an invalid type, as
    /// serde's does.
    fn visit_u128<E>(self, v: u128) -> Result<Self::Value, E>
    where
        E: Error,
    {
        let what = format!("integer `{}` as u128", v);
        Err(Error::invalid_type(Unexpected::Other(&what), &self))
    }
    /// The input holds an `f32`; forwards to `visit_f64`.
    fn visit_f32<E>(self, v: f32) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_f64(f64::from(v))
    }
    /// The input holds an `f64`.
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Float(v), &self))
    }
    /// The input holds a `char`; forwards to `visit_str`.
    fn visit_char<E>(self, v: char) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_str(v.encode_utf8(&mut [0u8; 4]))
    }
    /// The input holds a string that lives only for this call (it must be
    /// copied to be kept).
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Str(v), &self))
    }
    /// The input holds a string that lives as long as the input (`'de`), so
    /// the value may borrow it: this is how `&'de str` fields avoid a copy.
    /// Forwards to `visit_str`.
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_str(v)
    }
    /// The input holds an owned `String` the visitor may take; forwards to
    /// `visit_str`.
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_str(&v)
    }
    /// The input holds bytes that live only for this call.
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Bytes(v), &self))
    }
    /// The input holds bytes that live as long as the input; forwards to
    /// `visit_bytes`.
    fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_bytes(v)
    }
    /// The input holds an owned byte buffer; forwards to `visit_bytes`.
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Self::Value, E>
    where
        E: Error,
    {
        self.visit_bytes(&v)
    }
    /// The input holds `None`.
    fn visit_none<E>(self) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Option, &self))
    }
    /// The input holds `Some`; the inner value is read from `deserializer`.
    fn visit_some<D>(self, deserializer: D) -> Result<Self::Value, D::Error>
    where
        D: Deserializer<'de>,
    {
        let _ = deserializer;
        Err(Error::invalid_type(Unexpected::Option, &self))
    }
    /// The input holds `()`.
    fn visit_unit<E>(self) -> Result<Self::Value, E>
    where
        E: Error,
    {
        Err(Error::invalid_type(Unexpected::Unit, &self))
    }
    /// The input holds a newtype struct; its content is read from
    /// `deserializer`.
    fn visit_newtype_struct<D>(self, deserializer: D) -> Result<Self::Value, D::Error>
    where
        D: Deserializer<'de>,
    {
        let _ = deserializer;
        Err(Error::invalid_type(Unexpected::NewtypeStruct, &self))
    }
    /// The input holds a sequence; its elements are pulled from `seq`.
    fn visit_seq<A>(self, seq: A) -> Result<Self::Value, A::Error>
    where
        A: SeqAccess<'de>,
    {
        let _ = seq;
        Err(Error::invalid_type(Unexpected::Seq, &self))
    }
    /// The input holds a map; its entries are pulled from `map`.
    fn visit_map<A>(self, map: A) -> Result<Self::Value, A::Error>
    where
        A: MapAccess<'de>,
    {
        let _ = map;
        Err(Error::invalid_type(Unexpected::Map, &self))
    }
    /// The input holds an enum; `data` yields the variant, then its content.
    fn visit_enum<A>(self, data: A) -> Result<Self::Value, A::Error>
    where
        A: EnumAccess<'de>,
    {
        let _ = data;
        Err(Error::invalid_type(Unexpected::Enum, &self))
    }
}
