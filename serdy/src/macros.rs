//! [`forward_to_deserialize_any!`](crate::forward_to_deserialize_any): write
//! the hint methods of a self-describing deserializer in one line.

/// Implements the listed `deserialize_*` methods of a
/// [`Deserializer`](crate::Deserializer) by forwarding them to its
/// `deserialize_any`, as serde's macro of the same name does.
///
/// A self-describing format knows what the input holds without the hint, so
/// most hint methods are just `self.deserialize_any(visitor)`. List the
/// methods by their name without the `deserialize_` prefix. The impl must
/// name its lifetime `'de`.
///
/// ```
/// use serdy::de::{self, Deserialize, Deserializer, Visitor};
/// use serdy::forward_to_deserialize_any;
///
/// /// A deserializer that always holds the number 42.
/// struct FortyTwo;
///
/// impl<'de> Deserializer<'de> for FortyTwo {
///     type Error = de::value::Error;
///     fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
///         v.visit_u8(42)
///     }
///     forward_to_deserialize_any! {
///         bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
///         bytes byte_buf option unit unit_struct newtype_struct seq tuple
///         tuple_struct map struct enum identifier ignored_any
///     }
/// }
///
/// assert_eq!(u32::deserialize(FortyTwo), Ok(42));
/// assert!(String::deserialize(FortyTwo).is_err());
/// ```
#[macro_export]
macro_rules! forward_to_deserialize_any {
    ($($method:tt)*) => {
        $($crate::__forward_to_deserialize_any_method! { $method })*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __forward_to_deserialize_any_method {
    (bool) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_bool() }
    };
    (i8) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_i8() }
    };
    (i16) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_i16() }
    };
    (i32) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_i32() }
    };
    (i64) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_i64() }
    };
    (i128) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_i128() }
    };
    (u8) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_u8() }
    };
    (u16) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_u16() }
    };
    (u32) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_u32() }
    };
    (u64) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_u64() }
    };
    (u128) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_u128() }
    };
    (f32) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_f32() }
    };
    (f64) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_f64() }
    };
    (char) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_char() }
    };
    (str) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_str() }
    };
    (string) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_string() }
    };
    (bytes) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_bytes() }
    };
    (byte_buf) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_byte_buf() }
    };
    (option) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_option() }
    };
    (unit) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_unit() }
    };
    (unit_struct) => {
        $crate::__forward_to_deserialize_any_helper! {
            deserialize_unit_struct(name: &'static str)
        }
    };
    (newtype_struct) => {
        $crate::__forward_to_deserialize_any_helper! {
            deserialize_newtype_struct(name: &'static str)
        }
    };
    (seq) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_seq() }
    };
    (tuple) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_tuple(len: usize) }
    };
    (tuple_struct) => {
        $crate::__forward_to_deserialize_any_helper! {
            deserialize_tuple_struct(name: &'static str, len: usize)
        }
    };
    (map) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_map() }
    };
    (struct) => {
        $crate::__forward_to_deserialize_any_helper! {
            deserialize_struct(name: &'static str, fields: &'static [&'static str])
        }
    };
    (enum) => {
        $crate::__forward_to_deserialize_any_helper! {
            deserialize_enum(name: &'static str, variants: &'static [&'static str])
        }
    };
    (identifier) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_identifier() }
    };
    (ignored_any) => {
        $crate::__forward_to_deserialize_any_helper! { deserialize_ignored_any() }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __forward_to_deserialize_any_helper {
    ($func:ident($($arg:ident : $ty:ty),*)) => {
        #[inline]
        fn $func<__V>(
            self,
            $($arg: $ty,)*
            visitor: __V,
        ) -> ::std::result::Result<__V::Value, Self::Error>
        where
            __V: $crate::de::Visitor<'de>,
        {
            $(let _ = $arg;)*
            self.deserialize_any(visitor)
        }
    };
}
