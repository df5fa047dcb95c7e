//! The one error type of the binary format: encoding, decoding and framing.

use std::fmt;

/// Everything that can go wrong encoding or decoding the binary format.
///
/// One flat enum of one byte, without data, as postcard's: rejecting garbage
/// never allocates or formats, and `Result<(), Error>`, which every
/// `serialize_*` call returns, fits in a register. The price is that the
/// message of a custom error (`ser::Error::custom`, `de::Error::custom`) is
/// dropped: it becomes [`Error::Custom`]. The derived impls of this crate's
/// messages never raise one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The input ended before the value did.
    UnexpectedEnd,
    /// A varint is longer than its type allows, or its value does not fit the type.
    BadVarint,
    /// A `bool` byte other than `0x00` or `0x01`.
    BadBool,
    /// A `char` that is not exactly one Unicode scalar value.
    BadChar,
    /// A string that is not valid UTF-8.
    BadUtf8,
    /// An `Option` tag byte other than `0x00` or `0x01`.
    BadOption,
    /// A length or element count larger than the bytes left in the input.
    LengthBeyondInput,
    /// Bytes were left over after the value was decoded.
    TrailingBytes,
    /// An enum variant index the type does not have.
    UnknownVariant,
    /// `deserialize_any`: the format is not self-describing, the type must say what it wants.
    AnyUnsupported,
    /// A sequence or map whose length is not known before its elements (the count comes first).
    SeqLengthUnknown,
    /// The data had a different type than the `Deserialize` impl asked for.
    InvalidType,
    /// The data had the right type but a value the `Deserialize` impl refused.
    InvalidValue,
    /// A sequence or tuple had the wrong number of elements.
    InvalidLength,
    /// A struct field name the type does not have (only for self-describing input).
    UnknownField,
    /// A struct field was missing (only for self-describing input).
    MissingField,
    /// A struct field appeared twice (only for self-describing input).
    DuplicateField,
    /// An empty frame payload: section 2 forbids `length == 0`.
    EmptyFrame,
    /// An encoded frame payload is longer than the limit it must respect
    /// ([`encode_frame_limited`](crate::fmt::framed::encode_frame_limited)).
    FrameTooLarge,
    /// A `Serialize` or `Deserialize` impl reported an error of its own
    /// (`ser::Error::custom`, `de::Error::custom`; the message is not kept).
    Custom,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnexpectedEnd => f.write_str("the input ended in the middle of a value"),
            Error::BadVarint => f.write_str("a varint is too long or too large for its type"),
            Error::BadBool => f.write_str("a bool byte was neither 0 nor 1"),
            Error::BadChar => f.write_str("a char is not exactly one Unicode scalar value"),
            Error::BadUtf8 => f.write_str("a string is not valid UTF-8"),
            Error::BadOption => f.write_str("an option tag byte was neither 0 nor 1"),
            Error::LengthBeyondInput => {
                f.write_str("a length prefix is larger than the bytes left in the input")
            }
            Error::TrailingBytes => f.write_str("bytes were left over after the value"),
            Error::UnknownVariant => f.write_str("unknown enum variant index"),
            Error::AnyUnsupported => {
                f.write_str("the binary format is not self-describing (deserialize_any)")
            }
            Error::SeqLengthUnknown => {
                f.write_str("the length of a sequence or map must be known before it is written")
            }
            Error::InvalidType => f.write_str("the value has an unexpected type"),
            Error::InvalidValue => f.write_str("the value is not one the type accepts"),
            Error::InvalidLength => f.write_str("a sequence has the wrong number of elements"),
            Error::UnknownField => f.write_str("unknown struct field"),
            Error::MissingField => f.write_str("a struct field is missing"),
            Error::DuplicateField => f.write_str("a struct field appears twice"),
            Error::EmptyFrame => f.write_str("a frame payload must not be empty"),
            Error::FrameTooLarge => f.write_str("a frame payload is over the size limit"),
            Error::Custom => f.write_str("a Serialize or Deserialize impl reported an error"),
        }
    }
}

impl std::error::Error for Error {}

impl serdy::ser::Error for Error {
    #[cold]
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Error::Custom
    }
}

// The named constructors are overridden so that every error a derived impl
// raises on bad input is a plain variant: no formatting, no allocation. That
// keeps rejecting garbage as cheap as reading it.
impl serdy::de::Error for Error {
    #[cold]
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Error::Custom
    }

    #[inline]
    fn invalid_type(_unexp: serdy::de::Unexpected<'_>, _exp: &dyn serdy::de::Expected) -> Self {
        Error::InvalidType
    }

    #[inline]
    fn invalid_value(_unexp: serdy::de::Unexpected<'_>, _exp: &dyn serdy::de::Expected) -> Self {
        Error::InvalidValue
    }

    #[inline]
    fn invalid_length(_len: usize, _exp: &dyn serdy::de::Expected) -> Self {
        Error::InvalidLength
    }

    #[inline]
    fn unknown_variant(_variant: &str, _expected: &'static [&'static str]) -> Self {
        Error::UnknownVariant
    }

    #[inline]
    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Self {
        Error::UnknownField
    }

    #[inline]
    fn missing_field(_field: &'static str) -> Self {
        Error::MissingField
    }

    #[inline]
    fn duplicate_field(_field: &'static str) -> Self {
        Error::DuplicateField
    }
}
