//! The binary `Deserializer`: reads a value from a borrowed byte slice.

use serdy::de::{self, Deserialize, DeserializeSeed, Visitor};

use super::varint::{self, MAX_LEN_U16, MAX_LEN_U32, MAX_LEN_U64};
use super::Error;

/// A binary-format deserializer over a borrowed `&'de [u8]`.
///
/// Strings and byte slices are handed to the visitor as borrows of the input
/// (`visit_borrowed_str`), so `&'de str` fields decode without copying and
/// `String` fields copy exactly once. Use [`from_bytes`](super::from_bytes)
/// unless you need the deserializer itself, for instance to decode several
/// values back to back and look at what is left:
///
/// ```
/// use chat::fmt::binary::Deserializer;
/// use serdy::Deserialize;
///
/// let mut de = Deserializer::from_bytes(&[0xac, 0x02, 0x02, b'h', b'i', 0xff]);
/// assert_eq!(u32::deserialize(&mut de).unwrap(), 300);
/// assert_eq!(<&str>::deserialize(&mut de).unwrap(), "hi");
/// assert_eq!(de.remaining(), [0xff]);
/// ```
#[derive(Debug)]
pub struct Deserializer<'de> {
    input: &'de [u8],
}

impl<'de> Deserializer<'de> {
    /// A deserializer reading from the start of `input`.
    #[inline]
    pub fn from_bytes(input: &'de [u8]) -> Self {
        Deserializer { input }
    }

    /// The bytes not consumed yet.
    #[inline]
    pub fn remaining(&self) -> &'de [u8] {
        self.input
    }

    /// Succeeds only if every byte was consumed ([`Error::TrailingBytes`] otherwise).
    #[inline]
    pub fn end(&self) -> Result<(), Error> {
        if self.input.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes)
        }
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, Error> {
        let (&b, rest) = self.input.split_first().ok_or(Error::UnexpectedEnd)?;
        self.input = rest;
        Ok(b)
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'de [u8], Error> {
        if n > self.input.len() {
            return Err(Error::UnexpectedEnd);
        }
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        Ok(head)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let bytes = self.take(N)?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    #[inline]
    fn varint_u16(&mut self) -> Result<u16, Error> {
        varint::decode::<MAX_LEN_U16, 16>(&mut self.input).map(|v| v as u16)
    }

    #[inline]
    fn varint_u32(&mut self) -> Result<u32, Error> {
        varint::decode::<MAX_LEN_U32, 32>(&mut self.input).map(|v| v as u32)
    }

    #[inline]
    fn varint_u64(&mut self) -> Result<u64, Error> {
        varint::decode::<MAX_LEN_U64, 64>(&mut self.input)
    }

    /// A length or count prefix (a `usize`, encoded as `u64`). Every element
    /// of a string, byte string, sequence or map takes at least one byte
    /// here, so a prefix larger than the remaining input is refused before
    /// anything is allocated or looped over.
    #[inline]
    fn len(&mut self) -> Result<usize, Error> {
        let len = self.varint_u64()?;
        if len > self.input.len() as u64 {
            return Err(Error::LengthBeyondInput);
        }
        Ok(len as usize)
    }

    #[inline]
    fn len_prefixed(&mut self) -> Result<&'de [u8], Error> {
        let len = self.len()?;
        // `len()` checked the length, so this cannot fail.
        self.take(len)
    }

    #[inline]
    fn str(&mut self) -> Result<&'de str, Error> {
        let bytes = self.len_prefixed()?;
        std::str::from_utf8(bytes).map_err(|_| Error::BadUtf8)
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    #[cold]
    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::AnyUnsupported)
    }

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.byte()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            _ => Err(Error::BadBool),
        }
    }

    #[inline]
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i8(self.byte()? as i8)
    }

    #[inline]
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let u = self.varint_u16()?;
        visitor.visit_i16(((u >> 1) as i16) ^ -((u & 1) as i16))
    }

    #[inline]
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let u = self.varint_u32()?;
        visitor.visit_i32(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    #[inline]
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i64(varint::unzigzag_i64(self.varint_u64()?))
    }

    #[inline]
    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i128(varint::unzigzag_i128(varint::decode_u128(&mut self.input)?))
    }

    #[inline]
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u8(self.byte()?)
    }

    #[inline]
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u16(self.varint_u16()?)
    }

    #[inline]
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u32(self.varint_u32()?)
    }

    #[inline]
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(self.varint_u64()?)
    }

    #[inline]
    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u128(varint::decode_u128(&mut self.input)?)
    }

    #[inline]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f32(f32::from_le_bytes(self.array()?))
    }

    #[inline]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(f64::from_le_bytes(self.array()?))
    }

    #[inline]
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let bytes = self.len_prefixed()?;
        if bytes.is_empty() || bytes.len() > 4 {
            return Err(Error::BadChar);
        }
        let s = std::str::from_utf8(bytes).map_err(|_| Error::BadChar)?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(Error::BadChar),
        }
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.str()?)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.str()?)
    }

    #[inline]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_bytes(self.len_prefixed()?)
    }

    #[inline]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_bytes(self.len_prefixed()?)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.byte()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            _ => Err(Error::BadOption),
        }
    }

    #[inline]
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let left = self.len()?;
        visitor.visit_seq(Counted { de: self, left })
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(Counted {
            de: self,
            left: len,
        })
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_seq(Counted {
            de: self,
            left: len,
        })
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let left = self.len()?;
        visitor.visit_map(Counted { de: self, left })
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_seq(Counted {
            de: self,
            left: fields.len(),
        })
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // The list of variant names tells us how many there are, so an
        // index out of range is refused here, without the derived visitor
        // having to format an error message.
        let index = self.varint_u32()?;
        if index as usize >= variants.len() {
            return Err(Error::UnknownVariant);
        }
        visitor.visit_enum(Enum { de: self, index })
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u32(self.varint_u32()?)
    }

    #[cold]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::AnyUnsupported)
    }

    #[inline]
    fn is_human_readable(&self) -> bool {
        false
    }
}

/// `SeqAccess` and `MapAccess` over a known number of elements or entries.
struct Counted<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Counted<'_, 'de> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    // What derived code calls for each field. Overridden only to force
    // inlining: left to the provided method, the compiler kept one
    // out-of-line copy per field type, a call per field.
    #[inline(always)]
    fn next_element<T: Deserialize<'de>>(&mut self) -> Result<Option<T>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        T::deserialize(&mut *self.de).map(Some)
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        // Never more than the input could hold, whatever the prefix said.
        Some(self.left.min(self.de.input.len()))
    }
}

impl<'de> de::MapAccess<'de> for Counted<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        Some(self.left.min(self.de.input.len()))
    }
}

/// `EnumAccess` once the variant index has been read and checked.
struct Enum<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    index: u32,
}

impl<'a, 'de> de::EnumAccess<'de> for Enum<'a, 'de> {
    type Error = Error;
    type Variant = &'a mut Deserializer<'de>;

    #[inline]
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Error> {
        let value = seed.deserialize(VariantIndex(self.index))?;
        Ok((value, self.de))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Deserializer<'de> {
    type Error = Error;

    #[inline]
    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    #[inline]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(Counted {
            de: self,
            left: len,
        })
    }

    #[inline]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_seq(Counted {
            de: self,
            left: fields.len(),
        })
    }
}

/// Hands an already-read variant index to the derived variant visitor,
/// whatever it asks for (a derived enum asks for an identifier).
struct VariantIndex(u32);

impl<'de> de::Deserializer<'de> for VariantIndex {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u32(self.0)
    }

    serdy::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
