//! The compact binary format of PROTOCOL.md section 3, wire-compatible with
//! postcard 1.x.
//!
//! The format is *not self-describing*: the bytes carry no type names, no
//! field names and no tags, only the values in the order the data model
//! visits them. The reader must know the type it expects, which the
//! `Deserialize` impl tells it through the typed `deserialize_*` calls; that
//! is why `deserialize_any` is refused ([`Error::AnyUnsupported`]).
//!
//! | data model | encoding |
//! | --- | --- |
//! | `bool` | `00` or `01` |
//! | `u8`, `i8` | one raw byte |
//! | `u16`..`u128`, `usize` | LEB128 varint ([`varint`]) |
//! | `i16`..`i128`, `isize` | zigzag, then varint |
//! | `f32`, `f64` | IEEE 754, little-endian |
//! | `char`, `str` | varint byte length, UTF-8 |
//! | bytes | varint length, bytes |
//! | `Option` | `00`, or `01` then the value |
//! | unit, unit struct | nothing |
//! | seq, map | varint count, then elements (map: key, value, ...) |
//! | tuple, tuple struct, array, struct | the elements in order |
//! | newtype struct | the inner value |
//! | enum | varint variant index, then the variant's content |
//!
//! The [module above](super) has the worked byte table. A reader new to
//! writing a format meets the same `Serializer`/`Deserializer` shape first
//! in a small text format built step by step in
//! [`serdy::writing_a_format`].
//!
//! # Hostile input
//!
//! Decoding never panics and never allocates more than the input can justify:
//! every length or element count is checked against the bytes left before
//! anything is reserved ([`Error::LengthBeyondInput`]). This is one place
//! where the decoder is stricter than postcard: a sequence of elements that
//! encode to zero bytes (`Vec<()>`) longer than the rest of the input is
//! refused, where postcard would loop over it.
//!
//! ```
//! use chat::fmt::binary::{self, Error};
//!
//! // A string claiming 2^63 bytes, in an 11-byte input.
//! let evil = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, b'x'];
//! assert_eq!(binary::from_bytes::<String>(&evil), Err(Error::LengthBeyondInput));
//! ```

mod de;
mod error;
mod ser;
pub mod varint;

pub use de::Deserializer;
pub use error::Error;
pub use ser::Serializer;

use serdy::{Deserialize, Serialize};

/// Encodes `value` into a new vector.
///
/// ```
/// use chat::fmt::binary;
///
/// assert_eq!(binary::to_vec(&(1u8, "é", -1i32)).unwrap(), [0x01, 0x02, 0xc3, 0xa9, 0x01]);
/// ```
#[inline]
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    serialize_into(value, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `value` to `out`: the path for a reused buffer.
///
/// On error, `out` may hold part of the encoding after its old end; callers
/// that keep the buffer truncate it back (as [`encode_frame`] does).
///
/// [`encode_frame`]: super::framed::encode_frame
///
/// ```
/// use chat::fmt::binary;
///
/// let mut out = Vec::with_capacity(64);
/// binary::serialize_into(&Some(128u16), &mut out).unwrap();
/// binary::serialize_into(&None::<u16>, &mut out).unwrap();
/// assert_eq!(out, [0x01, 0x80, 0x01, 0x00]);
/// ```
#[inline]
pub fn serialize_into<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    value.serialize(&mut Serializer::new(out))
}

/// Encodes `value` and writes it to `writer` (one `write_all`).
pub fn to_writer<T: Serialize + ?Sized, W: std::io::Write>(
    value: &T,
    writer: &mut W,
) -> std::io::Result<()> {
    let bytes =
        to_vec(value).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    writer.write_all(&bytes)
}

/// Decodes a `T` that must take up all of `bytes` ([`Error::TrailingBytes`]
/// otherwise). Strings and byte slices in `T` may borrow from `bytes`.
///
/// ```
/// use chat::fmt::binary::{self, Error};
///
/// let text: &str = binary::from_bytes(&[0x02, b'h', b'i']).unwrap();
/// assert_eq!(text, "hi");
/// assert_eq!(binary::from_bytes::<&str>(&[0x02, b'h', b'i', 0x00]), Err(Error::TrailingBytes));
/// ```
#[inline]
pub fn from_bytes<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, Error> {
    let mut de = Deserializer::from_bytes(bytes);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Decodes a `T` from the front of `bytes` and returns it with the bytes that follow.
///
/// ```
/// use chat::fmt::binary;
///
/// let (n, rest): (u64, _) = binary::take_from_bytes(&[0x7f, 0x01, 0x02]).unwrap();
/// assert_eq!((n, rest), (127, &[0x01, 0x02][..]));
/// ```
#[inline]
pub fn take_from_bytes<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<(T, &'a [u8]), Error> {
    let mut de = Deserializer::from_bytes(bytes);
    let value = T::deserialize(&mut de)?;
    Ok((value, de.remaining()))
}
