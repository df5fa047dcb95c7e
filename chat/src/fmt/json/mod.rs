//! A human-readable JSON format, for tracing frames (`client --trace`) and
//! for tests that check field names and renames.
//!
//! Unlike [`binary`](super::binary), JSON is *self-describing*: the text
//! says whether a value is a number, a string, an array or an object, and
//! objects carry field names. So the deserializer can answer
//! `deserialize_any`, and a struct's fields may come in any order.
//!
//! | data model | JSON |
//! | --- | --- |
//! | `bool`, integers | `true`, `-12`, `340282366920938463463374607431768211455` (exact, also `i128`/`u128`) |
//! | `f32`, `f64` | shortest text that reads back to the same bits (`0.1`, `1e300`); NaN and infinities are `null` |
//! | `char`, `str` | `"..."`, with `"`, `\` and control characters escaped |
//! | bytes | array of numbers |
//! | `None`, unit, unit struct | `null` |
//! | `Some(v)`, newtype struct | `v` |
//! | seq, tuple, tuple struct | `[..]` |
//! | map | `{..}`, keys written as strings (`{"1": ..}` for an integer key) |
//! | struct | `{"field": .., ..}` |
//! | unit variant | `"Name"` |
//! | newtype / tuple / struct variant | `{"Name": v}`, `{"Name": [..]}`, `{"Name": {..}}` |
//!
//! ```
//! use chat::fmt::json;
//! use chat::protocol::{ErrorCode, ServerMsg};
//!
//! let msg = ServerMsg::Error { code: ErrorCode::BadNick, detail: "tab\there".into() };
//! let text = json::to_string(&msg).unwrap();
//! assert_eq!(text, r#"{"Error":{"code":"BadNick","detail":"tab\there"}}"#);
//! assert_eq!(json::from_str::<ServerMsg>(&text).unwrap(), msg);
//! ```

mod de;
mod error;
mod key;
mod ser;

pub use de::Deserializer;
pub use error::Error;
pub use ser::{Compound, Serializer};

use serdy::{Deserialize, Serialize};

/// How deeply arrays and objects may nest when reading, so that hostile
/// input such as `[[[[...` cannot overflow the stack.
pub const MAX_DEPTH: usize = 128;

/// Writes `value` as compact JSON (no whitespace).
///
/// ```
/// use chat::fmt::json;
///
/// assert_eq!(json::to_string(&(1.5f64, "\u{1b}[2J", f64::NAN)).unwrap(), r#"[1.5,"\u001b[2J",null]"#);
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::new();
    value.serialize(&mut Serializer::new(&mut out))?;
    Ok(out)
}

/// Reads a `T` from JSON text that holds exactly one value (surrounding
/// whitespace allowed). Strings without escapes may be borrowed from `text`.
///
/// ```
/// use chat::fmt::json::{self, Error};
///
/// assert_eq!(json::from_str::<Vec<u8>>(" [1, 2] ").unwrap(), [1, 2]);
/// assert_eq!(json::from_str::<u8>("1 2"), Err(Error::TrailingCharacters { at: 2 }));
///
/// #[derive(Debug, PartialEq, serdy::Deserialize)]
/// enum Tree {
///     Leaf,
///     Node(Vec<Tree>),
/// }
/// let tree = json::from_str::<Tree>(r#"{"Node": ["Leaf"]}"#).unwrap();
/// assert_eq!(tree, Tree::Node(vec![Tree::Leaf]));
/// let deep = r#"{"Node":["#.repeat(1000);
/// assert!(matches!(json::from_str::<Tree>(&deep), Err(Error::TooDeep { .. })));
/// ```
pub fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, Error> {
    let mut de = Deserializer::new(text);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}
