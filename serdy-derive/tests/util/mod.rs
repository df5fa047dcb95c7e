//! A tiny self-describing format for testing the derives: values become a
//! [`Value`] tree and come back from it.
//!
//! [`Mode`] chooses how structs and enum variants are written, so both paths
//! of a derived `Deserialize` get exercised:
//!
//! ```text
//!   Mode::Named       struct -> Map [("field", value), ...]   variant id -> Str(name)
//!   Mode::Positional  struct -> Seq [value, ...]              variant id -> U64(index)
//! ```
//!
//! The deserializer reads a `&'de Value` and hands out strings and bytes with
//! `visit_borrowed_*`, so borrowed fields point into the tree.

#![allow(dead_code)] // each test binary uses a different part

use std::fmt;

use serdy::de::value::Error;
use serdy::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serdy::ser::{self, Serialize, Serializer};

/// A serialized value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Bytes(Vec<u8>),
    Unit,
    None,
    Some(Box<Value>),
    Seq(Vec<Value>),
    Map(Vec<(Value, Value)>),
    /// An enum variant; `content` is `Unit`, the newtype's value, a `Seq`
    /// (tuple) or, for a struct variant, whatever the mode makes of structs.
    Variant {
        index: u32,
        name: &'static str,
        content: Box<Value>,
    },
}

/// How structs and variant identifiers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Field names and variant names, like JSON.
    Named,
    /// Field order and variant indices, like the binary format.
    Positional,
}

/// Shorthand for a `Str` value.
pub fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

/// Shorthand for a map with string keys.
pub fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(entries.iter().map(|(k, v)| (s(k), v.clone())).collect())
}

/// Serializes `value` in `mode`.
pub fn to_value<T: Serialize + ?Sized>(value: &T, mode: Mode) -> Value {
    value
        .serialize(ValueSerializer { mode })
        .expect("serializing to a Value cannot fail")
}

/// Deserializes a `T` from `value`, naming variants as `mode` says.
pub fn from_value<'de, T: de::Deserialize<'de>>(value: &'de Value, mode: Mode) -> Result<T, Error> {
    T::deserialize(ValueDeserializer { value, mode })
}

/// Serializes in both modes and checks both come back equal to `value`;
/// returns the two trees for further checks.
pub fn round_trip<T>(value: &T) -> (Value, Value)
where
    T: Serialize + for<'de> de::Deserialize<'de> + PartialEq + fmt::Debug,
{
    let named = to_value(value, Mode::Named);
    let positional = to_value(value, Mode::Positional);
    assert_eq!(
        &from_value::<T>(&named, Mode::Named).unwrap(),
        value,
        "named: {named:?}"
    );
    assert_eq!(
        &from_value::<T>(&positional, Mode::Positional).unwrap(),
        value,
        "positional: {positional:?}"
    );
    (named, positional)
}

// ---------------------------------------------------------------- serializer

struct ValueSerializer {
    mode: Mode,
}

/// Collects the parts of any compound value.
struct Compound {
    mode: Mode,
    /// `Some` for a struct in named mode or a map: entries.
    entries: Option<Vec<(Value, Value)>>,
    items: Vec<Value>,
    pending_key: Option<Value>,
    variant: Option<(u32, &'static str)>,
}

impl Compound {
    fn new(mode: Mode, named: bool, variant: Option<(u32, &'static str)>) -> Self {
        Compound {
            mode,
            entries: named.then(Vec::new),
            items: Vec::new(),
            pending_key: None,
            variant,
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        let value = to_value(value, self.mode);
        match &mut self.entries {
            Some(entries) => entries.push((s(key), value)),
            None => self.items.push(value),
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) {
        self.items.push(to_value(value, self.mode));
    }

    fn finish(self) -> Value {
        let content = match self.entries {
            Some(entries) => Value::Map(entries),
            None => Value::Seq(self.items),
        };
        match self.variant {
            Some((index, name)) => Value::Variant {
                index,
                name,
                content: Box::new(content),
            },
            None => content,
        }
    }
}

impl Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = Compound;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        Ok(Value::I64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        Ok(Value::I64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        Ok(Value::I64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        Ok(Value::I64(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        Ok(Value::U64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        Ok(Value::U64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        Ok(Value::U64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(Value::U64(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        Ok(Value::F64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        Ok(Value::F64(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(s(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        Ok(Value::Some(Box::new(to_value(value, self.mode))))
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Unit)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Error> {
        Ok(Value::Unit)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(Value::Variant {
            index,
            name: variant,
            content: Box::new(Value::Unit),
        })
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        Ok(to_value(value, self.mode))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let content = Box::new(to_value(value, self.mode));
        Ok(Value::Variant {
            index,
            name: variant,
            content,
        })
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound, Error> {
        Ok(Compound::new(self.mode, false, None))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound, Error> {
        Ok(Compound::new(self.mode, false, None))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Compound, Error> {
        Ok(Compound::new(self.mode, false, None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound, Error> {
        Ok(Compound::new(self.mode, false, Some((index, variant))))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound, Error> {
        Ok(Compound::new(self.mode, true, None))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound, Error> {
        Ok(Compound::new(self.mode, self.mode == Mode::Named, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound, Error> {
        Ok(Compound::new(
            self.mode,
            self.mode == Mode::Named,
            Some((index, variant)),
        ))
    }
}

/// The compound traits whose parts are positional: one element after another.
macro_rules! element_compound {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Compound {
            type Ok = Value;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value);
                Ok(())
            }
            fn end(self) -> Result<Value, Error> {
                Ok(self.finish())
            }
        }
    )*};
}

element_compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.pending_key = Some(to_value(key, self.mode));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| Error::custom("value before key"))?;
        let value = to_value(value, self.mode);
        self.entries
            .as_mut()
            .expect("a map collects entries")
            .push((key, value));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

/// The compound traits whose parts are named fields.
macro_rules! field_compound {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound {
            type Ok = Value;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value);
                Ok(())
            }
            fn end(self) -> Result<Value, Error> {
                Ok(self.finish())
            }
        }
    )*};
}

field_compound!(SerializeStruct, SerializeStructVariant);

// -------------------------------------------------------------- deserializer

struct ValueDeserializer<'de> {
    value: &'de Value,
    mode: Mode,
}

impl<'de> ValueDeserializer<'de> {
    fn child(&self, value: &'de Value) -> Self {
        ValueDeserializer {
            value,
            mode: self.mode,
        }
    }
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(v) => visitor.visit_bool(*v),
            Value::U64(v) => visitor.visit_u64(*v),
            Value::I64(v) => visitor.visit_i64(*v),
            Value::F64(v) => visitor.visit_f64(*v),
            Value::Str(v) => visitor.visit_borrowed_str(v),
            Value::Bytes(v) => visitor.visit_borrowed_bytes(v),
            Value::Unit => visitor.visit_unit(),
            Value::None => visitor.visit_none(),
            Value::Some(inner) => visitor.visit_some(self.child(inner)),
            Value::Seq(items) => {
                let mut access = Items {
                    items: items.iter(),
                    mode: self.mode,
                };
                let value = visitor.visit_seq(&mut access)?;
                match access.items.len() {
                    0 => Ok(value),
                    left => Err(Error::custom(format!("{left} elements left over"))),
                }
            }
            Value::Map(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
                mode: self.mode,
            }),
            Value::Variant { .. } => visitor.visit_enum(self),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::None => visitor.visit_none(),
            Value::Some(inner) => visitor.visit_some(self.child(inner)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Seq(_) => self.deserialize_any(visitor),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Variant { .. } => visitor.visit_enum(self),
            other => Err(Error::custom(format!("expected an enum, found {other:?}"))),
        }
    }

    serdy::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct Items<'de> {
    items: std::slice::Iter<'de, Value>,
    mode: Mode,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(value) => seed
                .deserialize(ValueDeserializer {
                    value,
                    mode: self.mode,
                })
                .map(Some),
            None => Ok(None),
        }
    }
}

struct Entries<'de> {
    entries: std::slice::Iter<'de, (Value, Value)>,
    value: Option<&'de Value>,
    mode: Mode,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(ValueDeserializer {
                    value: key,
                    mode: self.mode,
                })
                .map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| Error::custom("value before key"))?;
        seed.deserialize(ValueDeserializer {
            value,
            mode: self.mode,
        })
    }
}

impl<'de> EnumAccess<'de> for ValueDeserializer<'de> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let Value::Variant {
            index,
            name,
            content,
        } = self.value
        else {
            return Err(Error::custom("not a variant"));
        };
        let id = match self.mode {
            Mode::Named => Identifier::Name(name),
            Mode::Positional => Identifier::Index(u64::from(*index)),
        };
        Ok((seed.deserialize(id)?, self.child(content)))
    }
}

impl<'de> VariantAccess<'de> for ValueDeserializer<'de> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Value::Unit => Ok(()),
            other => Err(Error::custom(format!(
                "expected a unit variant, found {other:?}"
            ))),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
}

/// A variant's identity as the mode writes it.
pub enum Identifier {
    Index(u64),
    Name(&'static str),
    Bytes(&'static [u8]),
}

impl<'de> Deserializer<'de> for Identifier {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Identifier::Index(index) => visitor.visit_u64(index),
            Identifier::Name(name) => visitor.visit_str(name),
            Identifier::Bytes(bytes) => visitor.visit_bytes(bytes),
        }
    }
    serdy::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
