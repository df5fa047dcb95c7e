//! # Writing a data format: a tiny one, step by step
//!
//! The guide on the [crate page](crate) shows the two halves of serdy from
//! the side of a data structure. This chapter takes the other side and
//! writes a whole format, about the smallest one that still reads and
//! writes derived structs: a text format called *tiny*. Read it before the
//! chat's binary format (`chat::fmt::binary`), which makes the same moves
//! with varints, no names and no type tags.
//!
//! The code below is not a copy: these blocks are the files
//! `serdy/tests/tiny_format/{error,ser,de}.rs`, included into this page,
//! and `serdy/tests/tiny_format.rs` compiles the same files and tests them
//! (worked examples, round trips, every error below). Each block is also a
//! doctest.
//!
//! ## Step 1: the format on paper
//!
//! Every value starts with one byte that says what it is, so a reader
//! never needs to know the type in advance (the format is
//! *self-describing*, like JSON and unlike the chat's binary format):
//!
//! | data-model type | tiny text | example value | encoding |
//! | --- | --- | --- | --- |
//! | bool | `T` or `F` | `true` | `T` |
//! | signed integers | `i`, decimal, `;` | `-7i32` | `i-7;` |
//! | unsigned integers | `u`, decimal, `;` | `300u16` | `u300;` |
//! | string, char | `s`, byte length, `:`, UTF-8 | `"héllo"` | `s6:héllo` |
//! | option | `n`, or `y` then the value | `Some(1u8)` | `yu1;` |
//! | unit, unit struct | `-` | `()` | `-` |
//! | newtype struct | the inner value | `Millis(5)` | `u5;` |
//! | seq | `[`, elements, `]` | `vec![1u8, 2]` | `[u1;u2;]` |
//! | map | `{`, key, value, ..., `}` | `{"a": true}` | `{s1:aT}` |
//! | struct | a map keyed by field name | `P { x: 1 }` | `{s1:xu1;}` |
//! | floats, bytes, tuples, enums | refused when writing | `1.5` | error |
//!
//! Strings carry their length rather than an end quote, so they need no
//! escaping and the reader can borrow them straight from the input.
//!
//! ## Step 2: one error type for both directions
//!
//! A format has one error type and implements both error traits on it:
//! that is how a derived impl's own complaints ("missing field `name`")
//! and the format's ("unexpected end of input at byte 9") reach the caller
//! as the same type.
//!
//! ```
#![doc = include_str!("../tests/tiny_format/error.rs")]
//! # fn main() {
//! #     use serdy::de::Error as _;
//! #     assert_eq!(Error::missing_field("name").to_string(), "missing field `name`");
//! # }
//! ```
//!
//! ## Step 3: the serializer
//!
//! The [`Serializer`](crate::Serializer) is `&mut TinySerializer`, not the
//! struct itself: each method consumes `self`, and a mutable reference is
//! a cheap `self` that still leaves the output string in one place for
//! nested values. Integers of every width funnel into `serialize_i64` and
//! `serialize_u64`. Compound types return the serializer again as their
//! `SerializeSeq` / `SerializeMap` / `SerializeStruct` state: the brackets
//! need no other state. The kinds the format lacks name
//! [`Impossible`](crate::ser::Impossible) as their state type and return
//! an error before one could exist.
//!
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiny_format/error.rs"));
#![doc = include_str!("../tests/tiny_format/ser.rs")]
//! # fn main() {
//! #     assert_eq!(to_string(&vec![Some(1u8), None]).unwrap(), "[yu1;n]");
//! #     assert_eq!(to_string(&1.5f32).unwrap_err().0, "the tiny format has no floats");
//! # }
//! ```
//!
//! ## Step 4: the deserializer
//!
//! A self-describing format answers every type hint the same way: read the
//! tag byte and call the visitor method it names. So only
//! `deserialize_any` is written out, and
//! [`forward_to_deserialize_any!`](crate::forward_to_deserialize_any)
//! sends every other `deserialize_*` there. A visitor that receives a type
//! it did not ask for (a `u64` where a `String` was hinted) refuses it with
//! an `invalid type` error: the format need not check types at all.
//!
//! Sequences and maps hand the visitor an access object
//! ([`SeqAccess`](crate::de::SeqAccess), [`MapAccess`](crate::de::MapAccess))
//! that reads one element at a time and says `None` at the closing
//! bracket. Strings are passed with `visit_borrowed_str`, so a
//! `&'de str` field points into the input.
//!
//! The input is hostile (see [Hostile input](crate#8-hostile-input)):
//! every error names its byte offset, a length prefix is checked against
//! the input before it is used, and nesting stops at 64 levels instead of
//! overflowing the stack on `[[[[...`.
//!
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiny_format/error.rs"));
#![doc = include_str!("../tests/tiny_format/de.rs")]
//! # fn main() {
//! #     let v: Vec<Option<u8>> = from_str("[yu1;n]").unwrap();
//! #     assert_eq!(v, [Some(1), None]);
//! #     assert_eq!(from_str::<u8>("u1").unwrap_err().0, "unterminated number at byte 1");
//! # }
//! ```
//!
//! ## Step 5: use it with derived types
//!
//! Nothing in the format knows about `Room`, and nothing in `Room` knows
//! about the format; derive fills the gap through the data model.
//!
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiny_format/error.rs"));
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiny_format/ser.rs"));
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiny_format/de.rs"));
//! # fn main() {
//! #[derive(serdy::Serialize, serdy::Deserialize, Debug, PartialEq)]
//! struct Room<'a> {
//!     name: &'a str,
//!     members: Vec<String>,
//!     topic: Option<String>,
//! }
//!
//! let room = Room { name: "rust", members: vec!["ann".into()], topic: None };
//! let text = to_string(&room).unwrap();
//! assert_eq!(text, "{s4:names4:rusts7:members[s3:ann]s5:topicn}");
//! assert_eq!(from_str::<Room<'_>>(&text).unwrap(), room);
//!
//! // Bad input costs an error, never a panic.
//! let err = from_str::<Room<'_>>("{s4:names9:rust}").unwrap_err();
//! assert_eq!(err.0, "string past the end of input at byte 11");
//! let err = from_str::<Room<'_>>("{s4:nameu1;}").unwrap_err();
//! assert!(err.0.contains("invalid type"));
//! # }
//! ```
//!
//! ## Step 6: from tiny to binary
//!
//! The chat's binary format (`chat::fmt::binary`, PROTOCOL.md §3) keeps
//! the same structure and drops everything a reader could infer from the
//! type: no tag bytes, no field names (fields go in declaration order), and
//! varints instead of decimal text. The price is that it is *not*
//! self-describing: its deserializer cannot implement `deserialize_any`,
//! so each `deserialize_*` hint is implemented on its own and must be
//! believed (a struct is read as a tuple of its fields), and enums are a
//! variant index followed by the variant's content.
