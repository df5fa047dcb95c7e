//! A test format made of tokens, for checking `Serialize` and
//! `Deserialize` impls without any real format (serde_test, in small).
//!
//! A [`Token`] is one data-model call written as a value. The
//! [`TokenSerializer`] checks that a value makes exactly the expected calls;
//! the [`TokenDeserializer`] plays tokens back to a `Deserialize` impl. The
//! `assert_*` helpers wrap both and panic with the first difference, so
//! tests read as "this value *is* these tokens":
//!
//! ```
//! use std::time::Duration;
//! use serdy::test_tokens::{assert_tokens, Token};
//!
//! assert_tokens(
//!     &Duration::new(3, 5),
//!     &[
//!         Token::Struct { name: "Duration", len: 2 },
//!         Token::Str("secs"),
//!         Token::U64(3),
//!         Token::Str("nanos"),
//!         Token::U32(5),
//!         Token::StructEnd,
//!     ],
//! );
//! ```
//!
//! The token format is self-describing, like JSON: every
//! `deserialize_*` hint is answered with what the next token holds.

mod de;
mod ser;
mod token;

use std::fmt::Debug;

pub use de::TokenDeserializer;
pub use ser::TokenSerializer;
pub use token::Token;

use crate::{Deserialize, Serialize};

/// The error of both token serializer and deserializer: a message.
pub type Error = crate::de::value::Error;

/// Asserts that `value` serializes to exactly `tokens`.
///
/// # Panics
/// With the first token that differs, or if tokens are left over.
#[track_caller]
pub fn assert_ser_tokens<T: ?Sized + Serialize>(value: &T, tokens: &[Token]) {
    let mut ser = TokenSerializer::new(tokens);
    if let Err(err) = value.serialize(&mut ser) {
        panic!("serialization differs: {}", err);
    }
    let left = ser.remaining();
    assert!(
        left.is_empty(),
        "tokens left over after serializing: {:?}",
        left
    );
}

/// Asserts that serializing `value` fails with the message `error`, after
/// making exactly the calls in `tokens`.
///
/// # Panics
/// If serialization succeeds or fails differently.
#[track_caller]
pub fn assert_ser_tokens_error<T: ?Sized + Serialize>(value: &T, tokens: &[Token], error: &str) {
    let mut ser = TokenSerializer::new(tokens);
    match value.serialize(&mut ser) {
        Ok(()) => panic!("serialization succeeded, expected the error {:?}", error),
        Err(err) => assert_eq!(err.message(), error, "wrong serialization error"),
    }
    let left = ser.remaining();
    assert!(
        left.is_empty(),
        "tokens left over before the error: {:?}",
        left
    );
}

/// Asserts that `tokens` deserialize to `value`, consuming all of them.
///
/// # Panics
/// If deserialization fails, gives another value, or leaves tokens.
#[track_caller]
pub fn assert_de_tokens<'de, T>(value: &T, tokens: &'de [Token])
where
    T: Deserialize<'de> + PartialEq + Debug,
{
    let mut de = TokenDeserializer::new(tokens);
    match T::deserialize(&mut de) {
        Ok(decoded) => assert_eq!(&decoded, value, "tokens deserialize to another value"),
        Err(err) => panic!("deserialization failed: {}", err),
    }
    let left = de.remaining();
    assert!(
        left.is_empty(),
        "tokens left over after deserializing: {:?}",
        left
    );
}

/// Asserts that deserializing a `T` from `tokens` fails with the message
/// `error`.
///
/// # Panics
/// If deserialization succeeds or fails differently.
#[track_caller]
pub fn assert_de_tokens_error<'de, T>(tokens: &'de [Token], error: &str)
where
    T: Deserialize<'de> + Debug,
{
    let mut de = TokenDeserializer::new(tokens);
    match T::deserialize(&mut de) {
        Ok(decoded) => panic!("deserialized {:?}, expected the error {:?}", decoded, error),
        Err(err) => assert_eq!(err.message(), error, "wrong deserialization error"),
    }
}

/// Asserts both directions: `value` serializes to `tokens`, and `tokens`
/// deserialize to `value`.
///
/// # Panics
/// As [`assert_ser_tokens`] and [`assert_de_tokens`].
#[track_caller]
pub fn assert_tokens<'de, T>(value: &T, tokens: &'de [Token])
where
    T: Serialize + Deserialize<'de> + PartialEq + Debug,
{
    assert_ser_tokens(value, tokens);
    assert_de_tokens(value, tokens);
}
