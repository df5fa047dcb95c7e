//! The one error type of the JSON format.

use std::fmt;

/// Everything that can go wrong writing or reading JSON.
///
/// Positions are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The input ended in the middle of a value.
    UnexpectedEnd,
    /// The input is not JSON at `at`; `expected` says what would have been.
    Syntax {
        /// Byte offset of the offending character.
        at: usize,
        /// What the parser was looking for.
        expected: &'static str,
    },
    /// Arrays and objects nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    TooDeep {
        /// Byte offset of the bracket that went one level too far.
        at: usize,
    },
    /// Something other than whitespace follows the value.
    TrailingCharacters {
        /// Byte offset of the first such character.
        at: usize,
    },
    /// A map key that JSON cannot write as an object key (only strings,
    /// chars, integers and bools can be keys).
    KeyMustBeString,
    /// A message from a `Serialize` or `Deserialize` impl (a wrong type, a
    /// missing field, an unknown variant, ...).
    Custom(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnexpectedEnd => f.write_str("the JSON input ended in the middle of a value"),
            Error::Syntax { at, expected } => write!(f, "expected {expected} at byte {at}"),
            Error::TooDeep { at } => write!(
                f,
                "arrays and objects nested deeper than {} at byte {at}",
                super::MAX_DEPTH
            ),
            Error::TrailingCharacters { at } => {
                write!(f, "characters after the JSON value at byte {at}")
            }
            Error::KeyMustBeString => {
                f.write_str("a JSON object key must be a string, a char, an integer or a bool")
            }
            Error::Custom(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

impl serdy::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}

// JSON is for people and tests, so the named constructors keep serdy's
// default messages ("invalid type: string \"x\", expected u32", ...).
impl serdy::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}
