//! [`TokenDeserializer`]: plays a list of tokens to a `Deserialize` impl.

use super::{Error, Token};
use crate::de::value::{BorrowedStrDeserializer, U32Deserializer};
use crate::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};

/// A self-describing [`Deserializer`] whose input is a list of [`Token`]s.
///
/// Each token becomes the matching visitor call (`Token::U8(1)` is
/// `visit_u8(1)`), whatever the hint, so it also checks that a visitor
/// accepts what a self-describing format may send. Compound tokens become
/// `visit_seq` / `visit_map` / `visit_enum` up to their `*End` token, which
/// must come right after the last element the visitor asked for.
///
/// Enum variants are identified by name when human-readable (the default)
/// and by index otherwise, as a compact format does.
///
/// ```
/// use serdy::Deserialize;
/// use serdy::test_tokens::{Token, TokenDeserializer};
///
/// let tokens = [Token::Seq { len: Some(2) }, Token::U8(1), Token::U8(2), Token::SeqEnd];
/// let mut de = TokenDeserializer::new(&tokens);
/// assert_eq!(Vec::<u32>::deserialize(&mut de), Ok(vec![1, 2]));
/// assert!(de.remaining().is_empty());
///
/// let mut de = TokenDeserializer::new(&tokens);
/// assert_eq!(
///     <(u32,)>::deserialize(&mut de).unwrap_err().to_string(),
///     "token 2: expected SeqEnd, found U8(2)",
/// );
/// ```
#[derive(Debug)]
pub struct TokenDeserializer<'de> {
    tokens: &'de [Token],
    position: usize,
    human_readable: bool,
}

impl<'de> TokenDeserializer<'de> {
    /// Plays `tokens`; reports itself as human-readable.
    pub fn new(tokens: &'de [Token]) -> Self {
        TokenDeserializer {
            tokens,
            position: 0,
            human_readable: true,
        }
    }

    /// Sets what [`Deserializer::is_human_readable`] answers, and with it
    /// whether enum variants are identified by name or by index.
    pub fn human_readable(mut self, yes: bool) -> Self {
        self.human_readable = yes;
        self
    }

    /// The tokens not consumed yet.
    pub fn remaining(&self) -> &'de [Token] {
        &self.tokens[self.position..]
    }

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.position).copied()
    }

    fn next(&mut self) -> Result<Token, Error> {
        match self.peek() {
            Some(token) => {
                self.position += 1;
                Ok(token)
            }
            None => Err(de::Error::custom("unexpected end of tokens")),
        }
    }

    /// Consumes `end`, which must come next.
    fn expect_end(&mut self, end: Token) -> Result<(), Error> {
        match self.peek() {
            Some(token) if token == end => {
                self.position += 1;
                Ok(())
            }
            Some(token) => Err(de::Error::custom(format_args!(
                "token {}: expected {}, found {}",
                self.position, end, token
            ))),
            None => Err(de::Error::custom(format_args!(
                "expected {}, found the end of tokens",
                end
            ))),
        }
    }

    /// Plays the elements of a sequence up to `end`.
    fn visit_seq_until<V: Visitor<'de>>(
        &mut self,
        len: Option<usize>,
        end: Token,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let value = visitor.visit_seq(Elements { de: self, len, end })?;
        self.expect_end(end)?;
        Ok(value)
    }

    /// Plays the entries of a map up to `end`.
    fn visit_map_until<V: Visitor<'de>>(
        &mut self,
        len: Option<usize>,
        end: Token,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let value = visitor.visit_map(Elements { de: self, len, end })?;
        self.expect_end(end)?;
        Ok(value)
    }

    /// Plays the enum whose variant token was just consumed.
    fn visit_variant<V: Visitor<'de>>(
        &mut self,
        token: Token,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(Variant { de: self, token })
    }
}

/// Whether a token opens an enum variant.
fn is_variant(token: Option<Token>) -> bool {
    matches!(
        token,
        Some(
            Token::UnitVariant { .. }
                | Token::NewtypeVariant { .. }
                | Token::TupleVariant { .. }
                | Token::StructVariant { .. }
        )
    )
}

impl<'de> Deserializer<'de> for &mut TokenDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let token = self.next()?;
        match token {
            Token::Bool(v) => visitor.visit_bool(v),
            Token::I8(v) => visitor.visit_i8(v),
            Token::I16(v) => visitor.visit_i16(v),
            Token::I32(v) => visitor.visit_i32(v),
            Token::I64(v) => visitor.visit_i64(v),
            Token::I128(v) => visitor.visit_i128(v),
            Token::U8(v) => visitor.visit_u8(v),
            Token::U16(v) => visitor.visit_u16(v),
            Token::U32(v) => visitor.visit_u32(v),
            Token::U64(v) => visitor.visit_u64(v),
            Token::U128(v) => visitor.visit_u128(v),
            Token::F32(v) => visitor.visit_f32(v),
            Token::F64(v) => visitor.visit_f64(v),
            Token::Char(v) => visitor.visit_char(v),
            Token::Str(v) => visitor.visit_str(v),
            Token::BorrowedStr(v) => visitor.visit_borrowed_str(v),
            Token::String(v) => visitor.visit_string(v.to_owned()),
            Token::Bytes(v) => visitor.visit_bytes(v),
            Token::BorrowedBytes(v) => visitor.visit_borrowed_bytes(v),
            Token::ByteBuf(v) => visitor.visit_byte_buf(v.to_vec()),
            Token::None => visitor.visit_none(),
            Token::Some => visitor.visit_some(self),
            Token::Unit | Token::UnitStruct { .. } => visitor.visit_unit(),
            Token::NewtypeStruct { .. } => visitor.visit_newtype_struct(self),
            Token::Seq { len } => self.visit_seq_until(len, Token::SeqEnd, visitor),
            Token::Tuple { len } => self.visit_seq_until(Some(len), Token::TupleEnd, visitor),
            Token::TupleStruct { len, .. } => {
                self.visit_seq_until(Some(len), Token::TupleStructEnd, visitor)
            }
            Token::Map { len } => self.visit_map_until(len, Token::MapEnd, visitor),
            Token::Struct { len, .. } => self.visit_map_until(Some(len), Token::StructEnd, visitor),
            Token::UnitVariant { .. }
            | Token::NewtypeVariant { .. }
            | Token::TupleVariant { .. }
            | Token::StructVariant { .. } => self.visit_variant(token, visitor),
            Token::SeqEnd
            | Token::TupleEnd
            | Token::TupleStructEnd
            | Token::TupleVariantEnd
            | Token::MapEnd
            | Token::StructEnd
            | Token::StructVariantEnd => Err(de::Error::custom(format_args!(
                "token {}: unexpected {}",
                self.position - 1,
                token
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(Token::None) => {
                self.position += 1;
                visitor.visit_none()
            }
            Some(Token::Some) => {
                self.position += 1;
                visitor.visit_some(self)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek() {
            Some(Token::NewtypeStruct { .. }) => {
                self.position += 1;
                visitor.visit_newtype_struct(self)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if is_variant(self.peek()) {
            let token = self.next()?;
            self.visit_variant(token, visitor)
        } else {
            self.deserialize_any(visitor)
        }
    }

    /// Skips the next value whatever it is, then calls `visit_unit`, as
    /// serde_json does. Variants are skipped here by their token: through
    /// `visit_enum`, `IgnoredAny` can only ask for a newtype variant's
    /// content, which a unit, tuple or struct variant token does not have.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(Token::UnitVariant { .. }) => self.position += 1,
            Some(Token::NewtypeVariant { .. }) => {
                self.position += 1;
                IgnoredAny::deserialize(&mut *self)?;
            }
            Some(Token::TupleVariant { len, .. }) => {
                self.position += 1;
                self.visit_seq_until(Some(len), Token::TupleVariantEnd, IgnoredAny)?;
            }
            Some(Token::StructVariant { len, .. }) => {
                self.position += 1;
                self.visit_map_until(Some(len), Token::StructVariantEnd, IgnoredAny)?;
            }
            _ => {
                self.deserialize_any(IgnoredAny)?;
            }
        }
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        self.human_readable
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier
    }
}

/// The [`SeqAccess`] and [`MapAccess`] of a compound token: elements up to
/// the `end` token.
struct Elements<'a, 'de> {
    de: &'a mut TokenDeserializer<'de>,
    len: Option<usize>,
    end: Token,
}

impl<'de> Elements<'_, 'de> {
    fn at_end(&self) -> bool {
        self.de.peek() == Some(self.end)
    }

    fn count_one(&mut self) {
        self.len = self.len.map(|n| n.saturating_sub(1));
    }
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.at_end() {
            return Ok(None);
        }
        self.count_one();
        seed.deserialize(&mut *self.de).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        self.len
    }
}

impl<'de> MapAccess<'de> for Elements<'_, 'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.at_end() {
            return Ok(None);
        }
        self.count_one();
        seed.deserialize(&mut *self.de).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
    fn size_hint(&self) -> Option<usize> {
        self.len
    }
}

/// The [`EnumAccess`] and [`VariantAccess`] of a variant token.
struct Variant<'a, 'de> {
    de: &'a mut TokenDeserializer<'de>,
    token: Token,
}

impl<'de> Variant<'_, 'de> {
    /// The error for a variant read as the wrong kind.
    fn wrong_kind(&self, expected: &'static str) -> Error {
        let unexpected = match self.token {
            Token::UnitVariant { .. } => Unexpected::UnitVariant,
            Token::NewtypeVariant { .. } => Unexpected::NewtypeVariant,
            Token::TupleVariant { .. } => Unexpected::TupleVariant,
            _ => Unexpected::StructVariant,
        };
        de::Error::invalid_type(unexpected, &expected)
    }
}

impl<'a, 'de> EnumAccess<'de> for Variant<'a, 'de> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let (index, variant) = match self.token {
            Token::UnitVariant { index, variant, .. }
            | Token::NewtypeVariant { index, variant, .. }
            | Token::TupleVariant { index, variant, .. }
            | Token::StructVariant { index, variant, .. } => (index, variant),
            _ => return Err(de::Error::custom("not a variant token")),
        };
        let value = if self.de.human_readable {
            seed.deserialize(BorrowedStrDeserializer::<Error>::new(variant))?
        } else {
            seed.deserialize(U32Deserializer::<Error>::new(index))?
        };
        Ok((value, self))
    }
}

impl<'a, 'de> VariantAccess<'de> for Variant<'a, 'de> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.token {
            Token::UnitVariant { .. } => Ok(()),
            _ => Err(self.wrong_kind("unit variant")),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.token {
            Token::NewtypeVariant { .. } => seed.deserialize(self.de),
            _ => Err(self.wrong_kind("newtype variant")),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.token {
            Token::TupleVariant { len, .. } => {
                self.de
                    .visit_seq_until(Some(len), Token::TupleVariantEnd, visitor)
            }
            _ => Err(self.wrong_kind("tuple variant")),
        }
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.token {
            Token::StructVariant { len, .. } => {
                self.de
                    .visit_map_until(Some(len), Token::StructVariantEnd, visitor)
            }
            _ => Err(self.wrong_kind("struct variant")),
        }
    }
}
