//! The error trait every [`Serializer`](super::Serializer) error implements.

use std::fmt::Display;

/// An error a [`Serializer`](super::Serializer) can report.
///
/// Data structures only ever need one way to fail while serializing: with a
/// message ("this `Mutex` is poisoned", "a map key must be a string").
/// [`custom`](Error::custom) builds such an error from anything printable, so
/// a `Serialize` impl can fail without knowing which format it talks to.
///
/// ```
/// use serdy::ser::Error;
/// use serdy::de::value::Error as SimpleError;
///
/// let err = SimpleError::custom(format_args!("key {} is not a string", 3));
/// assert_eq!(err.to_string(), "key 3 is not a string");
/// ```
pub trait Error: Sized + std::error::Error {
    /// Builds an error from a message; formats usually store it as a string.
    fn custom<T>(msg: T) -> Self
    where
        T: Display;
}
