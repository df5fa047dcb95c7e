//! Scalars: `bool`, integers and floats.
//!
//! Integer visitors accept any integer that fits: a JSON number arrives as
//! `visit_u64` even when a `u8` was asked for, so `u8` takes `visit_u64(200)`
//! and refuses `visit_u64(300)` with "invalid value: integer `300`, expected
//! u8".

use std::fmt;

use crate::de::{Deserialize, Deserializer, Error, Unexpected, Visitor};

impl<'de> Deserialize<'de> for bool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        struct BoolVisitor;
        impl Visitor<'_> for BoolVisitor {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            #[inline]
            fn visit_bool<E: Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
        }
        deserializer.deserialize_bool(BoolVisitor)
    }
}

/// What an out-of-range 128-bit integer looks like in an error message.
fn unexpected_i128(v: i128) -> Unexpected<'static> {
    match i64::try_from(v) {
        Ok(v) => Unexpected::Signed(v),
        Err(_) => Unexpected::Other("128-bit integer"),
    }
}

/// What an out-of-range unsigned 128-bit integer looks like in an error.
fn unexpected_u128(v: u128) -> Unexpected<'static> {
    match u64::try_from(v) {
        Ok(v) => Unexpected::Unsigned(v),
        Err(_) => Unexpected::Other("128-bit integer"),
    }
}

macro_rules! integer {
    ($($ty:ident => $deserialize:ident;)*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            #[allow(clippy::unnecessary_fallible_conversions, clippy::useless_conversion)]
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                struct IntVisitor;
                impl Visitor<'_> for IntVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(stringify!($ty))
                    }
                    #[inline]
                    fn visit_i64<E: Error>(self, v: i64) -> Result<$ty, E> {
                        $ty::try_from(v)
                            .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
                    }
                    #[inline]
                    fn visit_u64<E: Error>(self, v: u64) -> Result<$ty, E> {
                        $ty::try_from(v)
                            .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
                    }
                    #[inline]
                    fn visit_i128<E: Error>(self, v: i128) -> Result<$ty, E> {
                        $ty::try_from(v).map_err(|_| E::invalid_value(unexpected_i128(v), &self))
                    }
                    #[inline]
                    fn visit_u128<E: Error>(self, v: u128) -> Result<$ty, E> {
                        $ty::try_from(v).map_err(|_| E::invalid_value(unexpected_u128(v), &self))
                    }
                }
                deserializer.$deserialize(IntVisitor)
            }
        }
    )*};
}

integer! {
    i8 => deserialize_i8;
    i16 => deserialize_i16;
    i32 => deserialize_i32;
    i64 => deserialize_i64;
    i128 => deserialize_i128;
    isize => deserialize_i64;
    u8 => deserialize_u8;
    u16 => deserialize_u16;
    u32 => deserialize_u32;
    u64 => deserialize_u64;
    u128 => deserialize_u128;
    usize => deserialize_u64;
}

macro_rules! float {
    ($($ty:ident => $deserialize:ident;)*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                struct FloatVisitor;
                impl Visitor<'_> for FloatVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(stringify!($ty))
                    }
                    // Taken as is: going through f64 could quieten a
                    // signalling NaN and change its bits.
                    #[inline]
                    fn visit_f32<E: Error>(self, v: f32) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    #[inline]
                    fn visit_f64<E: Error>(self, v: f64) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    #[inline]
                    fn visit_i64<E: Error>(self, v: i64) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    #[inline]
                    fn visit_u64<E: Error>(self, v: u64) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    #[inline]
                    fn visit_i128<E: Error>(self, v: i128) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    #[inline]
                    fn visit_u128<E: Error>(self, v: u128) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                }
                deserializer.$deserialize(FloatVisitor)
            }
        }
    )*};
}

float! {
    f32 => deserialize_f32;
    f64 => deserialize_f64;
}
