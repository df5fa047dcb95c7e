//! [`Serialize`]: the data-structure side of serialization.

use super::Serializer;

/// A data structure that can describe itself in terms of the serdy data model.
///
/// An implementation calls exactly one `serialize_*` method of the
/// [`Serializer`] it is given (plus, for compound types, the methods of the
/// compound serializer that call returns). It never learns which format it is
/// talking to: the same impl produces binary bytes, JSON text or test tokens.
///
/// `#[derive(Serialize)]` writes this impl for structs and enums; the crate
/// guide shows the expansion.
pub trait Serialize {
    /// Describes `self` to `serializer`, returning whatever the format returns.
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer;
}
