//! Text and bytes: `char`, `String`, `Box<str>`, and the zero-copy
//! `&'de str` and `&'de [u8]`.

use std::fmt;

use crate::de::{Deserialize, Deserializer, Error, Unexpected, Visitor};

impl<'de> Deserialize<'de> for char {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<char, D::Error> {
        struct CharVisitor;
        impl Visitor<'_> for CharVisitor {
            type Value = char;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a character")
            }
            #[inline]
            fn visit_char<E: Error>(self, v: char) -> Result<char, E> {
                Ok(v)
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<char, E> {
                let mut chars = v.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(c),
                    _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_char(CharVisitor)
    }
}

/// Builds an owned `String` from whatever string or bytes the format has,
/// taking ownership when the format offers a `String`.
struct StringVisitor;

impl Visitor<'_> for StringVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    #[inline]
    fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    #[inline]
    fn visit_string<E: Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<String, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(E::invalid_value(Unexpected::Bytes(v), &self)),
        }
    }
    fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<String, E> {
        String::from_utf8(v)
            .map_err(|e| E::invalid_value(Unexpected::Bytes(e.as_bytes()), &StringVisitor))
    }
}

impl<'de> Deserialize<'de> for String {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(StringVisitor)
    }
}

impl<'de> Deserialize<'de> for Box<str> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Box<str>, D::Error> {
        String::deserialize(deserializer).map(String::into_boxed_str)
    }
}

/// A `&'de str` borrows from the input, so it accepts only
/// `visit_borrowed_str` (or borrowed UTF-8 bytes). A format that must
/// unescape or copy the text (JSON with `\n` in a string) cannot lend it,
/// and this impl then reports an invalid type: use `String` or `Cow<str>`.
impl<'de: 'a, 'a> Deserialize<'de> for &'a str {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<&'a str, D::Error> {
        struct BorrowedStrVisitor;
        impl<'de> Visitor<'de> for BorrowedStrVisitor {
            type Value = &'de str;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a borrowed string")
            }
            #[inline]
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<&'de str, E> {
                Ok(v)
            }
            fn visit_borrowed_bytes<E: Error>(self, v: &'de [u8]) -> Result<&'de str, E> {
                std::str::from_utf8(v).map_err(|_| E::invalid_value(Unexpected::Bytes(v), &self))
            }
        }
        deserializer.deserialize_str(BorrowedStrVisitor)
    }
}

/// A `&'de [u8]` borrows bytes (or a string's bytes) from the input.
impl<'de: 'a, 'a> Deserialize<'de> for &'a [u8] {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<&'a [u8], D::Error> {
        struct BorrowedBytesVisitor;
        impl<'de> Visitor<'de> for BorrowedBytesVisitor {
            type Value = &'de [u8];
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a borrowed byte array")
            }
            #[inline]
            fn visit_borrowed_bytes<E: Error>(self, v: &'de [u8]) -> Result<&'de [u8], E> {
                Ok(v)
            }
            #[inline]
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<&'de [u8], E> {
                Ok(v.as_bytes())
            }
        }
        deserializer.deserialize_bytes(BorrowedBytesVisitor)
    }
}
