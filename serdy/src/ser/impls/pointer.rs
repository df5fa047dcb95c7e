//! Wrappers that serialize as what they hold: references, `Box`, `Rc`,
//! `Arc`, `Cow`; and the two std enums, `Option` and `Result`.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use crate::ser::{Serialize, Serializer};

macro_rules! transparent {
    ($($(#[$doc:meta])* <$t:ident> $ty:ty,)*) => {$(
        $(#[$doc])*
        impl<$t: ?Sized + Serialize> Serialize for $ty {
            #[inline]
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                (**self).serialize(serializer)
            }
        }
    )*};
}

transparent! {
    <T> &T,
    <T> &mut T,
    <T> Box<T>,
    /// Serializes the shared value; deserializing an `Rc` is not provided
    /// (it would silently duplicate what was shared).
    <T> Rc<T>,
    /// Serializes the shared value; deserializing an `Arc` is not provided.
    <T> Arc<T>,
}

impl<T> Serialize for Cow<'_, T>
where
    T: ?Sized + Serialize + ToOwned,
{
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<T: Serialize> Serialize for Option<T> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(value),
            None => serializer.serialize_none(),
        }
    }
}

/// `Result` is the enum `Result { Ok(T), Err(E) }`: variant 0 or 1.
impl<T: Serialize, E: Serialize> Serialize for Result<T, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Ok(value) => serializer.serialize_newtype_variant("Result", 0, "Ok", value),
            Err(value) => serializer.serialize_newtype_variant("Result", 1, "Err", value),
        }
    }
}
