//! [`TokenSerializer`]: checks serializer calls against expected tokens.

use std::fmt::Display;

use super::{Error, Token};
use crate::ser::{
    self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

/// A [`Serializer`] that compares each call it receives with the next
/// expected [`Token`] and fails at the first difference.
///
/// ```
/// use serdy::Serialize;
/// use serdy::test_tokens::{Token, TokenSerializer};
///
/// let tokens = [Token::Seq { len: Some(2) }, Token::U8(1), Token::U8(2), Token::SeqEnd];
/// let mut ser = TokenSerializer::new(&tokens);
/// vec![1u8, 2].serialize(&mut ser).unwrap();
/// assert!(ser.remaining().is_empty());
///
/// let mut ser = TokenSerializer::new(&tokens);
/// let err = vec![1u8, 3].serialize(&mut ser).unwrap_err();
/// assert_eq!(err.to_string(), "token 2: expected U8(2), serialized U8(3)");
/// ```
#[derive(Debug)]
pub struct TokenSerializer<'a> {
    tokens: &'a [Token],
    position: usize,
    human_readable: bool,
}

impl<'a> TokenSerializer<'a> {
    /// Expects exactly `tokens`; reports itself as human-readable.
    pub fn new(tokens: &'a [Token]) -> Self {
        TokenSerializer {
            tokens,
            position: 0,
            human_readable: true,
        }
    }

    /// Sets what [`Serializer::is_human_readable`] answers.
    pub fn human_readable(mut self, yes: bool) -> Self {
        self.human_readable = yes;
        self
    }

    /// The expected tokens not matched yet.
    pub fn remaining(&self) -> &'a [Token] {
        &self.tokens[self.position..]
    }

    /// Takes the next expected token, or explains that there is none.
    fn next(&mut self, actual: &dyn Display) -> Result<&'a Token, Error> {
        match self.tokens.get(self.position) {
            Some(token) => {
                self.position += 1;
                Ok(token)
            }
            None => Err(ser::Error::custom(format_args!(
                "token {}: expected the end, serialized {}",
                self.position, actual
            ))),
        }
    }

    /// Checks that the next expected token matches `actual`.
    fn expect(&mut self, actual: Token) -> Result<(), Error> {
        let expected = self.next(&actual)?;
        if expected.matches(&actual) {
            Ok(())
        } else {
            Err(self.mismatch(expected, &actual))
        }
    }

    /// The error for a call that differs from the expected token.
    fn mismatch(&self, expected: &Token, actual: &dyn Display) -> Error {
        ser::Error::custom(format_args!(
            "token {}: expected {}, serialized {}",
            self.position - 1,
            expected,
            actual
        ))
    }
}

impl Serializer for &mut TokenSerializer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.expect(Token::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.expect(Token::I8(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.expect(Token::I16(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.expect(Token::I32(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.expect(Token::I64(v))
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.expect(Token::I128(v))
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.expect(Token::U8(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.expect(Token::U16(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.expect(Token::U32(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.expect(Token::U64(v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.expect(Token::U128(v))
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.expect(Token::F32(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.expect(Token::F64(v))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.expect(Token::Char(v))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        let actual = format!("Str({:?})", v);
        let expected = self.next(&actual)?;
        match expected.as_str() {
            Some(s) if s == v => Ok(()),
            _ => Err(self.mismatch(expected, &actual)),
        }
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let actual = format!("Bytes({:?})", v);
        let expected = self.next(&actual)?;
        match expected.as_bytes() {
            Some(b) if b == v => Ok(()),
            _ => Err(self.mismatch(expected, &actual)),
        }
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.expect(Token::None)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        self.expect(Token::Some)?;
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.expect(Token::Unit)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Error> {
        self.expect(Token::UnitStruct { name })
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.expect(Token::UnitVariant {
            name,
            index,
            variant,
        })
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.expect(Token::NewtypeStruct { name })?;
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.expect(Token::NewtypeVariant {
            name,
            index,
            variant,
        })?;
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Error> {
        self.expect(Token::Seq { len })?;
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Error> {
        self.expect(Token::Tuple { len })?;
        Ok(self)
    }
    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Self, Error> {
        self.expect(Token::TupleStruct { name, len })?;
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Error> {
        self.expect(Token::TupleVariant {
            name,
            index,
            variant,
            len,
        })?;
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Error> {
        self.expect(Token::Map { len })?;
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self, Error> {
        self.expect(Token::Struct { name, len })?;
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Error> {
        self.expect(Token::StructVariant {
            name,
            index,
            variant,
            len,
        })?;
        Ok(self)
    }
    fn is_human_readable(&self) -> bool {
        self.human_readable
    }
}

/// Implements a compound trait whose elements are written as they are and
/// whose end is one token.
macro_rules! elements {
    ($trait:ident, $method:ident, $end:ident) => {
        impl $trait for &mut TokenSerializer<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Error> {
                self.expect(Token::$end)
            }
        }
    };
}

elements!(SerializeSeq, serialize_element, SeqEnd);
elements!(SerializeTuple, serialize_element, TupleEnd);
elements!(SerializeTupleStruct, serialize_field, TupleStructEnd);
elements!(SerializeTupleVariant, serialize_field, TupleVariantEnd);

impl SerializeMap for &mut TokenSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        self.expect(Token::MapEnd)
    }
}

/// Implements a compound trait whose fields are written as a `Str` key and
/// the value.
macro_rules! fields {
    ($trait:ident, $end:ident) => {
        impl $trait for &mut TokenSerializer<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.expect(Token::Str(key))?;
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Error> {
                self.expect(Token::$end)
            }
        }
    };
}

fields!(SerializeStruct, StructEnd);
fields!(SerializeStructVariant, StructVariantEnd);
