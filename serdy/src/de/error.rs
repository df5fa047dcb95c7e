//! The error trait of deserializers and its vocabulary: [`Error`],
//! [`Expected`] and [`Unexpected`].

use std::fmt::{self, Display};

/// An error a [`Deserializer`](super::Deserializer) can report.
///
/// Only [`custom`](Error::custom) must be written; the named constructors
/// build the usual messages from it, with the same wording as serde, so that
/// every format reports a wrong type or a missing field the same way:
///
/// ```
/// use serdy::de::{Error, Unexpected};
/// use serdy::de::value::Error as SimpleError;
///
/// let e = SimpleError::invalid_type(Unexpected::Str("x"), &"a boolean");
/// assert_eq!(e.to_string(), "invalid type: string \"x\", expected a boolean");
/// let e = SimpleError::unknown_variant("Purple", &["Red", "Green"]);
/// assert_eq!(e.to_string(), "unknown variant `Purple`, expected `Red` or `Green`");
/// let e = SimpleError::missing_field("nick");
/// assert_eq!(e.to_string(), "missing field `nick`");
/// ```
pub trait Error: Sized + std::error::Error {
    /// Builds an error from a message.
    fn custom<T>(msg: T) -> Self
    where
        T: Display;

    /// The input held a value of the wrong type (a string where a number was
    /// expected): `invalid type: {unexp}, expected {exp}`.
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Error::custom(format_args!("invalid type: {}, expected {}", unexp, exp))
    }

    /// The input held the right type but a wrong value (a `u64` too large for
    /// a `u8`): `invalid value: {unexp}, expected {exp}`.
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Error::custom(format_args!("invalid value: {}, expected {}", unexp, exp))
    }

    /// A sequence or map had the wrong number of elements:
    /// `invalid length {len}, expected {exp}`.
    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        Error::custom(format_args!("invalid length {}, expected {}", len, exp))
    }

    /// An enum variant name or index that the type does not have.
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        if expected.is_empty() {
            Error::custom(format_args!(
                "unknown variant `{}`, there are no variants",
                variant
            ))
        } else {
            Error::custom(format_args!(
                "unknown variant `{}`, expected {}",
                variant,
                OneOf { names: expected }
            ))
        }
    }

    /// A struct field name the type does not have (only reported with
    /// `deny_unknown_fields`).
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        if expected.is_empty() {
            Error::custom(format_args!(
                "unknown field `{}`, there are no fields",
                field
            ))
        } else {
            Error::custom(format_args!(
                "unknown field `{}`, expected {}",
                field,
                OneOf { names: expected }
            ))
        }
    }

    /// A required struct field was absent: `missing field `{field}``.
    fn missing_field(field: &'static str) -> Self {
        Error::custom(format_args!("missing field `{}`", field))
    }

    /// A struct field appeared twice: `duplicate field `{field}``.
    fn duplicate_field(field: &'static str) -> Self {
        Error::custom(format_args!("duplicate field `{}`", field))
    }
}

/// Formats a list of names as `` `a` ``, `` `a` or `b` `` or
/// `` one of `a`, `b`, `c` ``.
struct OneOf {
    names: &'static [&'static str],
}

impl Display for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.names {
            [] => f.write_str("nothing"),
            [one] => write!(f, "`{}`", one),
            [a, b] => write!(f, "`{}` or `{}`", a, b),
            names => {
                f.write_str("one of ")?;
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{}`", name)?;
                }
                Ok(())
            }
        }
    }
}

/// What the input actually held, for the first half of an
/// "invalid type: ..., expected ..." message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unexpected<'a> {
    /// A boolean.
    Bool(bool),
    /// An unsigned integer (any width, widened).
    Unsigned(u64),
    /// A signed integer (any width, widened).
    Signed(i64),
    /// A floating-point number.
    Float(f64),
    /// A character.
    Char(char),
    /// A string.
    Str(&'a str),
    /// A byte string.
    Bytes(&'a [u8]),
    /// `()`.
    Unit,
    /// An `Option`.
    Option,
    /// A newtype struct.
    NewtypeStruct,
    /// A sequence.
    Seq,
    /// A map.
    Map,
    /// An enum.
    Enum,
    /// A unit variant.
    UnitVariant,
    /// A newtype variant.
    NewtypeVariant,
    /// A tuple variant.
    TupleVariant,
    /// A struct variant.
    StructVariant,
    /// Anything else, described in words.
    Other(&'a str),
}

impl Display for Unexpected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Unexpected::Bool(b) => write!(f, "boolean `{}`", b),
            Unexpected::Unsigned(n) => write!(f, "integer `{}`", n),
            Unexpected::Signed(n) => write!(f, "integer `{}`", n),
            Unexpected::Float(x) => {
                if x.is_finite() && x == x.trunc() && x.abs() < 1e16 {
                    write!(f, "floating point `{:.1}`", x)
                } else {
                    write!(f, "floating point `{}`", x)
                }
            }
            Unexpected::Char(c) => write!(f, "character `{}`", c),
            Unexpected::Str(s) => write!(f, "string {:?}", s),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("unit value"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

/// What the deserializing type wanted, for the second half of an
/// "invalid type: ..., expected ..." message.
///
/// Every [`Visitor`](super::Visitor) is an `Expected` (through its
/// [`expecting`](super::Visitor::expecting) method), and so is any `&str`.
pub trait Expected {
    /// Writes what was expected, e.g. "a string" or "struct Point".
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<'de, T> Expected for T
where
    T: super::Visitor<'de>,
{
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expecting(formatter)
    }
}

impl Expected for &str {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self)
    }
}

impl Display for dyn Expected + '_ {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        Expected::fmt(self, formatter)
    }
}
