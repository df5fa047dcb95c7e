//! [`Token`]: one step of the data model, as a value.

use std::fmt;

/// One call of the data model, written down.
///
/// A value serializes to a list of tokens: scalars are one token each,
/// compound types open with a header token (`Seq`, `Struct`, ...), then
/// their elements, then the matching `*End` token. Struct fields appear as
/// a `Str` key followed by the value, as in a map.
///
/// ```text
/// Point { x: 1, y: -2 }  =>  Struct { name: "Point", len: 2 },
///                            Str("x"), I32(1),
///                            Str("y"), I32(-2),
///                            StructEnd
/// ```
///
/// Unlike serde_test's tokens, the variant tokens carry the variant
/// `index` too, because compact formats (PROTOCOL.md's binary format)
/// write only the index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Token {
    /// `serialize_bool` / `visit_bool`.
    Bool(bool),
    /// `serialize_i8` / `visit_i8`.
    I8(i8),
    /// `serialize_i16` / `visit_i16`.
    I16(i16),
    /// `serialize_i32` / `visit_i32`.
    I32(i32),
    /// `serialize_i64` / `visit_i64`.
    I64(i64),
    /// `serialize_i128` / `visit_i128`.
    I128(i128),
    /// `serialize_u8` / `visit_u8`.
    U8(u8),
    /// `serialize_u16` / `visit_u16`.
    U16(u16),
    /// `serialize_u32` / `visit_u32`.
    U32(u32),
    /// `serialize_u64` / `visit_u64`.
    U64(u64),
    /// `serialize_u128` / `visit_u128`.
    U128(u128),
    /// `serialize_f32` / `visit_f32`. Compared bit for bit, so NaNs match.
    F32(f32),
    /// `serialize_f64` / `visit_f64`. Compared bit for bit, so NaNs match.
    F64(f64),
    /// `serialize_char` / `visit_char`.
    Char(char),
    /// `serialize_str`; deserializes with `visit_str` (a transient string).
    Str(&'static str),
    /// Matches `serialize_str`; deserializes with `visit_borrowed_str`, as a
    /// zero-copy format does.
    BorrowedStr(&'static str),
    /// Matches `serialize_str`; deserializes with `visit_string`.
    String(&'static str),
    /// `serialize_bytes`; deserializes with `visit_bytes`.
    Bytes(&'static [u8]),
    /// Matches `serialize_bytes`; deserializes with `visit_borrowed_bytes`.
    BorrowedBytes(&'static [u8]),
    /// Matches `serialize_bytes`; deserializes with `visit_byte_buf`.
    ByteBuf(&'static [u8]),
    /// `serialize_none` / `visit_none`.
    None,
    /// `serialize_some`, followed by the inner value / `visit_some`.
    Some,
    /// `serialize_unit` / `visit_unit`.
    Unit,
    /// `serialize_unit_struct` / `visit_unit`.
    UnitStruct {
        /// The struct's name.
        name: &'static str,
    },
    /// `serialize_unit_variant` / `visit_enum` then `unit_variant`.
    UnitVariant {
        /// The enum's name.
        name: &'static str,
        /// The variant's position.
        index: u32,
        /// The variant's name.
        variant: &'static str,
    },
    /// `serialize_newtype_struct`, followed by the inner value /
    /// `visit_newtype_struct`.
    NewtypeStruct {
        /// The struct's name.
        name: &'static str,
    },
    /// `serialize_newtype_variant`, followed by the value / `visit_enum`
    /// then `newtype_variant`.
    NewtypeVariant {
        /// The enum's name.
        name: &'static str,
        /// The variant's position.
        index: u32,
        /// The variant's name.
        variant: &'static str,
    },
    /// `serialize_seq`; elements follow up to [`Token::SeqEnd`].
    Seq {
        /// The length given, if any.
        len: Option<usize>,
    },
    /// Ends a `Seq`.
    SeqEnd,
    /// `serialize_tuple`; elements follow up to [`Token::TupleEnd`].
    Tuple {
        /// The length.
        len: usize,
    },
    /// Ends a `Tuple`.
    TupleEnd,
    /// `serialize_tuple_struct`; fields follow up to
    /// [`Token::TupleStructEnd`].
    TupleStruct {
        /// The struct's name.
        name: &'static str,
        /// The number of fields.
        len: usize,
    },
    /// Ends a `TupleStruct`.
    TupleStructEnd,
    /// `serialize_tuple_variant`; fields follow up to
    /// [`Token::TupleVariantEnd`].
    TupleVariant {
        /// The enum's name.
        name: &'static str,
        /// The variant's position.
        index: u32,
        /// The variant's name.
        variant: &'static str,
        /// The number of fields.
        len: usize,
    },
    /// Ends a `TupleVariant`.
    TupleVariantEnd,
    /// `serialize_map`; keys and values alternate up to [`Token::MapEnd`].
    Map {
        /// The length given, if any.
        len: Option<usize>,
    },
    /// Ends a `Map`.
    MapEnd,
    /// `serialize_struct`; `Str` keys and values alternate up to
    /// [`Token::StructEnd`].
    Struct {
        /// The struct's name.
        name: &'static str,
        /// The number of serialized fields.
        len: usize,
    },
    /// Ends a `Struct`.
    StructEnd,
    /// `serialize_struct_variant`; `Str` keys and values alternate up to
    /// [`Token::StructVariantEnd`].
    StructVariant {
        /// The enum's name.
        name: &'static str,
        /// The variant's position.
        index: u32,
        /// The variant's name.
        variant: &'static str,
        /// The number of serialized fields.
        len: usize,
    },
    /// Ends a `StructVariant`.
    StructVariantEnd,
}

impl Token {
    /// Equality that treats floats bit for bit (so a NaN matches the same
    /// NaN) and the three string and three byte tokens as the same call.
    pub(crate) fn matches(&self, other: &Token) -> bool {
        match (self, other) {
            (Token::F32(a), Token::F32(b)) => a.to_bits() == b.to_bits(),
            (Token::F64(a), Token::F64(b)) => a.to_bits() == b.to_bits(),
            _ => match (self.as_str(), other.as_str()) {
                (Some(a), Some(b)) => a == b,
                (None, None) => match (self.as_bytes(), other.as_bytes()) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => self == other,
                    _ => false,
                },
                _ => false,
            },
        }
    }

    /// The text of a `Str`, `BorrowedStr` or `String` token.
    pub(crate) fn as_str(&self) -> Option<&'static str> {
        match *self {
            Token::Str(s) | Token::BorrowedStr(s) | Token::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `Bytes`, `BorrowedBytes` or `ByteBuf` token.
    pub(crate) fn as_bytes(&self) -> Option<&'static [u8]> {
        match *self {
            Token::Bytes(b) | Token::BorrowedBytes(b) | Token::ByteBuf(b) => Some(b),
            _ => None,
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
