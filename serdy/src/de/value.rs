//! Deserializers that hold a single plain value, and a simple error type.
//!
//! [`IntoDeserializer`] turns a `u32`, a `&str`, ... into one of these. A
//! format can use them to hand an enum's variant index or name to the
//! derived variant identifier; tests use them to drive a `Deserialize` impl
//! without a format.
//!
//! ```
//! use serdy::de::{Deserialize, IntoDeserializer};
//! use serdy::de::value::{Error, StrDeserializer};
//!
//! let d: StrDeserializer<'_, Error> = "hello".into_deserializer();
//! assert_eq!(String::deserialize(d), Ok("hello".to_string()));
//! let d: StrDeserializer<'_, Error> = "hello".into_deserializer();
//! assert_eq!(
//!     u8::deserialize(d).unwrap_err().to_string(),
//!     "invalid type: string \"hello\", expected u8",
//! );
//! ```

use std::fmt;
use std::marker::PhantomData;

use super::{
    DeserializeSeed, Deserializer, EnumAccess, Error as DeError, IntoDeserializer, Unexpected,
    VariantAccess, Visitor,
};

/// A simple error: just a message. Implements both [`de::Error`](DeError)
/// and [`ser::Error`](crate::ser::Error), so it serves any code that needs
/// "some error type".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: Box<str>,
}

impl Error {
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl DeError for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string().into_boxed_str(),
        }
    }
}

impl crate::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        <Error as DeError>::custom(msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Declares a deserializer holding one value of a primitive type, which it
/// hands to one `visit_*` method whatever the hint.
macro_rules! primitive_deserializer {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $visit:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<E> {
            value: $ty,
            marker: PhantomData<E>,
        }

        impl<E> $name<E> {
            /// Wraps `value`.
            pub fn new(value: $ty) -> Self {
                $name { value, marker: PhantomData }
            }
        }

        impl<'de, E: DeError> IntoDeserializer<'de, E> for $ty {
            type Deserializer = $name<E>;
            fn into_deserializer(self) -> $name<E> {
                $name::new(self)
            }
        }

        impl<'de, E: DeError> IntoDeserializer<'de, E> for $name<E> {
            type Deserializer = Self;
            fn into_deserializer(self) -> Self {
                self
            }
        }

        impl<'de, E: DeError> Deserializer<'de> for $name<E> {
            type Error = E;
            fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
                visitor.$visit(self.value)
            }
            forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map struct enum identifier ignored_any
            }
        }
    };
}

primitive_deserializer!(
    /// Holds a `bool`.
    BoolDeserializer, bool, visit_bool);
primitive_deserializer!(
    /// Holds an `i8`.
    I8Deserializer, i8, visit_i8);
primitive_deserializer!(
    /// Holds an `i16`.
    I16Deserializer, i16, visit_i16);
primitive_deserializer!(
    /// Holds an `i32`.
    I32Deserializer, i32, visit_i32);
primitive_deserializer!(
    /// Holds an `i64`.
    I64Deserializer, i64, visit_i64);
primitive_deserializer!(
    /// Holds an `i128`.
    I128Deserializer, i128, visit_i128);
primitive_deserializer!(
    /// Holds a `u8`.
    U8Deserializer, u8, visit_u8);
primitive_deserializer!(
    /// Holds a `u16`.
    U16Deserializer, u16, visit_u16);
primitive_deserializer!(
    /// Holds a `u64`.
    U64Deserializer, u64, visit_u64);
primitive_deserializer!(
    /// Holds a `u128`.
    U128Deserializer, u128, visit_u128);
primitive_deserializer!(
    /// Holds an `f32`.
    F32Deserializer, f32, visit_f32);
primitive_deserializer!(
    /// Holds an `f64`.
    F64Deserializer, f64, visit_f64);
primitive_deserializer!(
    /// Holds a `char`.
    CharDeserializer, char, visit_char);

impl<'de, E: DeError> IntoDeserializer<'de, E> for u32 {
    type Deserializer = U32Deserializer<E>;
    fn into_deserializer(self) -> U32Deserializer<E> {
        U32Deserializer::new(self)
    }
}

/// Holds `()`.
#[derive(Clone, Copy, Debug)]
pub struct UnitDeserializer<E> {
    marker: PhantomData<E>,
}

impl<E> UnitDeserializer<E> {
    /// Makes one.
    pub fn new() -> Self {
        UnitDeserializer {
            marker: PhantomData,
        }
    }
}

impl<E> Default for UnitDeserializer<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, E: DeError> IntoDeserializer<'de, E> for () {
    type Deserializer = UnitDeserializer<E>;
    fn into_deserializer(self) -> UnitDeserializer<E> {
        UnitDeserializer::new()
    }
}

impl<'de, E: DeError> Deserializer<'de> for UnitDeserializer<E> {
    type Error = E;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Declares a deserializer holding a variant identifier (an index or a
/// name): asked for an enum, it is that enum's unit variant.
macro_rules! variant_deserializer {
    (
        $(#[$doc:meta])* $name:ident<$($gen:tt),*>
        impl<$($impl_gen:tt),*>, $ty:ty, $visit:ident
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name<$($gen),*> {
            value: $ty,
            marker: PhantomData<E>,
        }

        impl<$($gen),*> $name<$($gen),*> {
            /// Wraps `value`.
            pub fn new(value: $ty) -> Self {
                $name { value, marker: PhantomData }
            }
        }

        impl<$($impl_gen),*: DeError> IntoDeserializer<'de, E> for $name<$($gen),*> {
            type Deserializer = Self;
            fn into_deserializer(self) -> Self {
                self
            }
        }

        impl<$($impl_gen),*: DeError> Deserializer<'de> for $name<$($gen),*> {
            type Error = E;
            fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
                visitor.$visit(self.value)
            }
            fn deserialize_enum<V: Visitor<'de>>(
                self,
                _name: &'static str,
                _variants: &'static [&'static str],
                visitor: V,
            ) -> Result<V::Value, E> {
                visitor.visit_enum(self)
            }
            forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map struct identifier ignored_any
            }
        }

        impl<$($impl_gen),*: DeError> EnumAccess<'de> for $name<$($gen),*> {
            type Error = E;
            type Variant = UnitOnly<E>;
            fn variant_seed<T: DeserializeSeed<'de>>(
                self,
                seed: T,
            ) -> Result<(T::Value, UnitOnly<E>), E> {
                seed.deserialize(self).map(|v| (v, UnitOnly::new()))
            }
        }
    };
}

variant_deserializer!(
    /// Holds a `u32`. As a deserializer for an enum it is the variant index of
    /// a unit variant, which is how compact formats identify variants.
    U32Deserializer<E> impl<'de, E>, u32, visit_u32);
variant_deserializer!(
    /// Holds a `&str` that lives only as long as `'a` (`visit_str`).
    StrDeserializer<'a, E> impl<'de, 'a, E>, &'a str, visit_str);
variant_deserializer!(
    /// Holds a `&'de str` borrowed from the input (`visit_borrowed_str`), so
    /// a `&'de str` can be deserialized from it.
    BorrowedStrDeserializer<'de, E> impl<'de, E>, &'de str, visit_borrowed_str);
variant_deserializer!(
    /// Holds a `String` (`visit_string`).
    StringDeserializer<E> impl<'de, E>, String, visit_string);

impl<'de, 'a, E: DeError> IntoDeserializer<'de, E> for &'a str {
    type Deserializer = StrDeserializer<'a, E>;
    fn into_deserializer(self) -> StrDeserializer<'a, E> {
        StrDeserializer::new(self)
    }
}

impl<'de, E: DeError> IntoDeserializer<'de, E> for String {
    type Deserializer = StringDeserializer<E>;
    fn into_deserializer(self) -> StringDeserializer<E> {
        StringDeserializer::new(self)
    }
}

/// The [`VariantAccess`] of the deserializers above: the variant they name
/// has no content, so only [`unit_variant`](VariantAccess::unit_variant)
/// succeeds.
#[derive(Clone, Copy, Debug)]
pub struct UnitOnly<E> {
    marker: PhantomData<E>,
}

impl<E> UnitOnly<E> {
    fn new() -> Self {
        UnitOnly {
            marker: PhantomData,
        }
    }
}

impl<'de, E: DeError> VariantAccess<'de> for UnitOnly<E> {
    type Error = E;
    fn unit_variant(self) -> Result<(), E> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, E> {
        Err(E::invalid_type(Unexpected::UnitVariant, &"newtype variant"))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, E> {
        Err(E::invalid_type(Unexpected::UnitVariant, &"tuple variant"))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, E> {
        Err(E::invalid_type(Unexpected::UnitVariant, &"struct variant"))
    }
}
