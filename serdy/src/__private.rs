//! Support code for the output of `serdy-derive`. Not a public API: its
//! contents may change with the derive macro at any time.
//!
//! Everything here exists so that the generated code stays short: a helper
//! called from every derived impl is compiled once here instead of being
//! pasted into each impl.

use std::fmt;
use std::marker::PhantomData;

use crate::de::{Deserialize, Deserializer, Error, Visitor};

/// The value of a field that a map-shaped input (JSON) left out.
///
/// Like serde, a missing field is not an error when its type can stand for
/// "nothing": it is deserialized from a deserializer that answers `None` to
/// `deserialize_option`, so an `Option<T>` field becomes `None`. Any other
/// type asks for something else and gets [`Error::missing_field`].
///
/// ```
/// use serdy::de::value::Error;
/// use serdy::__private::missing_field;
///
/// let absent: Result<Option<u32>, Error> = missing_field("nick");
/// assert_eq!(absent, Ok(None));
/// let required: Result<u32, Error> = missing_field("nick");
/// assert_eq!(required.unwrap_err().to_string(), "missing field `nick`");
/// ```
pub fn missing_field<'de, V, E>(field: &'static str) -> Result<V, E>
where
    V: Deserialize<'de>,
    E: Error,
{
    V::deserialize(MissingField {
        field,
        error: PhantomData,
    })
}

/// The deserializer behind [`missing_field`]: it holds no value at all.
struct MissingField<E> {
    field: &'static str,
    error: PhantomData<E>,
}

impl<E> fmt::Debug for MissingField<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MissingField")
            .field("field", &self.field)
            .finish()
    }
}

impl<'de, E: Error> Deserializer<'de> for MissingField<E> {
    type Error = E;

    fn deserialize_any<V>(self, _visitor: V) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        Err(E::missing_field(self.field))
    }

    fn deserialize_option<V>(self, visitor: V) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        visitor.visit_none()
    }

    crate::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
