//! [`IntoDeserializer`]: turn a plain value into a [`Deserializer`] of it.

use super::{value, Deserializer, Error};

/// Converts a value into a [`Deserializer`] that yields just that value.
///
/// A format can use it for enums: having read the variant index as a
/// `u32`, it lets the derived variant identifier deserialize itself from
/// `index.into_deserializer()`; a text format can do the same with the
/// variant name as a `&str`. (The chat's formats hand over the index or
/// name through small deserializers of their own, tuned for speed.)
///
/// ```
/// use serdy::de::{Deserialize, IntoDeserializer};
/// use serdy::de::value::Error;
///
/// let d = IntoDeserializer::<Error>::into_deserializer(7u32);
/// assert_eq!(u64::deserialize(d), Ok(7));
/// ```
pub trait IntoDeserializer<'de, E: Error = value::Error> {
    /// The deserializer this value becomes.
    type Deserializer: Deserializer<'de, Error = E>;
    /// Wraps `self` in that deserializer.
    fn into_deserializer(self) -> Self::Deserializer;
}
