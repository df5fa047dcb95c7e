//! The binary `Serializer`: appends a value's encoding to a `Vec<u8>`.

use serdy::ser::{self, Serialize};

use super::varint::{self, MAX_LEN_U128, MAX_LEN_U64};
use super::Error;

/// A binary-format serializer appending to a borrowed `Vec<u8>`.
///
/// Use [`to_vec`](super::to_vec) or [`serialize_into`](super::serialize_into)
/// unless you need the serializer itself (to write several values back to
/// back, for instance). The serializer only ever appends; it never reads or
/// rewrites what the vector already holds.
///
/// ```
/// use chat::fmt::binary::Serializer;
/// use serdy::Serialize;
///
/// let mut out = vec![0xaa];
/// 300u32.serialize(&mut Serializer::new(&mut out)).unwrap();
/// "hi".serialize(&mut Serializer::new(&mut out)).unwrap();
/// assert_eq!(out, [0xaa, 0xac, 0x02, 0x02, b'h', b'i']);
/// ```
#[derive(Debug)]
pub struct Serializer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Serializer<'a> {
    /// A serializer that appends to `out`.
    #[inline]
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Serializer { out }
    }

    #[inline(always)]
    fn put_varint(&mut self, v: u64) {
        if v < 0x80 {
            self.out.push(v as u8);
        } else {
            let (bytes, n) = varint::encode_u64_packed(v);
            self.put_prefix(&bytes, n);
        }
    }

    #[inline]
    fn put_varint_u128(&mut self, v: u128) {
        let mut buf = [0; MAX_LEN_U128];
        let n = varint::encode_u128(v, &mut buf);
        self.put_prefix(&buf, n);
    }

    /// Appends `buf[..n]`. Copying the whole fixed-size array and then
    /// truncating compiles to a couple of register moves, where copying a
    /// variable-length `buf[..n]` would be a call to `memcpy`.
    #[inline]
    fn put_prefix<const N: usize>(&mut self, buf: &[u8; N], n: usize) {
        let len = self.out.len();
        self.out.extend_from_slice(buf);
        self.out.truncate(len + n);
    }

    /// A length prefix, then the bytes: one reservation for both.
    #[inline]
    fn put_len_bytes(&mut self, bytes: &[u8]) {
        self.out.reserve(bytes.len() + MAX_LEN_U64);
        self.put_varint(bytes.len() as u64);
        self.out.extend_from_slice(bytes);
    }
}

impl ser::Serializer for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push(u8::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.out.push(v as u8);
        Ok(())
    }

    #[inline]
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        // Zigzag in the type's own width, then as the unsigned type.
        self.put_varint(u64::from(((v << 1) ^ (v >> 15)) as u16));
        Ok(())
    }

    #[inline]
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.put_varint(u64::from(((v << 1) ^ (v >> 31)) as u32));
        Ok(())
    }

    #[inline]
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.put_varint(varint::zigzag_i64(v));
        Ok(())
    }

    #[inline]
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.put_varint_u128(varint::zigzag_i128(v));
        Ok(())
    }

    #[inline]
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.out.push(v);
        Ok(())
    }

    #[inline]
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.put_varint(u64::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.put_varint(u64::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.put_varint(v);
        Ok(())
    }

    #[inline]
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.put_varint_u128(v);
        Ok(())
    }

    #[inline]
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_char(self, v: char) -> Result<(), Error> {
        let mut buf = [0; 4];
        self.put_len_bytes(v.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.put_len_bytes(v.as_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.put_len_bytes(v);
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<(), Error> {
        self.out.push(0);
        Ok(())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        self.out.push(1);
        value.serialize(self)
    }

    #[inline]
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }

    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Ok(())
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
    ) -> Result<(), Error> {
        self.put_varint(u64::from(variant_index));
        Ok(())
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.put_varint(u64::from(variant_index));
        value.serialize(self)
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Error> {
        let len = len.ok_or(Error::SeqLengthUnknown)?;
        self.put_varint(len as u64);
        Ok(self)
    }

    #[inline]
    fn serialize_tuple(self, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }

    #[inline]
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }

    #[inline]
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.put_varint(u64::from(variant_index));
        Ok(self)
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Error> {
        let len = len.ok_or(Error::SeqLengthUnknown)?;
        self.put_varint(len as u64);
        Ok(self)
    }

    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }

    #[inline]
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.put_varint(u64::from(variant_index));
        Ok(self)
    }

    #[inline]
    fn is_human_readable(&self) -> bool {
        false
    }
}

// Every compound is "the elements, one after the other": the counts and
// variant indexes were written when the compound was opened.

macro_rules! elements_in_order {
    ($($compound:ident :: $method:ident $(($key:ident))?;)*) => {$(
        impl ser::$compound for &mut Serializer<'_> {
            type Ok = ();
            type Error = Error;

            #[inline]
            fn $method<T: ?Sized + Serialize>(
                &mut self,
                $($key: &'static str,)?
                value: &T,
            ) -> Result<(), Error> {
                value.serialize(&mut **self)
            }

            #[inline]
            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        }
    )*};
}

elements_in_order! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
    SerializeStruct::serialize_field(_key);
    SerializeStructVariant::serialize_field(_key);
}

impl ser::SerializeMap for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(&mut **self)
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}
