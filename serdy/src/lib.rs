//! # serdy: serde's data model, small enough to read
//!
//! `serdy` reimplements the core of [serde](https://serde.rs): the traits
//! that let any Rust data structure be written to, and read from, any data
//! format. The chat uses it to turn its protocol messages into the compact
//! binary payloads of `PROTOCOL.md` and into JSON for tracing. The API is
//! serde 1.0's, name for name, so code written against serde works with
//! `serde` replaced by `serdy`, and what you learn here carries over.
//!
//! This page is a guide, in order:
//!
//! 1. [Two sides that never meet](#1-two-sides-that-never-meet)
//! 2. [The data model: 29 types](#2-the-data-model-29-types)
//! 3. [Serializing: a value describes itself](#3-serializing-a-value-describes-itself)
//! 4. [Deserializing: the format drives a visitor](#4-deserializing-the-format-drives-a-visitor)
//! 5. [Zero-copy: borrowing from the input with `'de`](#5-zero-copy-borrowing-from-the-input-with-de)
//! 6. [What `#[derive]` writes: a struct](#6-what-derive-writes-a-struct)
//! 7. [What `#[derive]` writes: an enum](#7-what-derive-writes-an-enum)
//! 8. [Hostile input](#8-hostile-input)
//! 9. [Writing a data format](#9-writing-a-data-format)
//! 10. [Map of the crate](#10-map-of-the-crate)
//!
//! ## 1. Two sides that never meet
//!
//! There are two kinds of code in serialization, and serdy keeps them apart:
//!
//! - **data structures** — `RoomInfo`, `Vec<T>`, `Duration` — implement
//!   [`Serialize`] and [`Deserialize`];
//! - **data formats** — the binary wire format, JSON, the
//!   [`test_tokens`] format — implement [`Serializer`] and
//!   [`Deserializer`].
//!
//! Neither side names the other. They meet only in the *data model*, a
//! fixed vocabulary of 29 kinds of value (section 2). `RoomInfo` says "I am a
//! struct named `RoomInfo` with the fields `name` (a string) and `members`
//! (a `u32`)"; the binary format turns "struct" into "the fields back to
//! back", JSON into `{"name":..,"members":..}`.
//!
//! ```text
//!    data structures              data model                data formats
//!    (impl Serialize)        (29 kinds, as calls)        (impl Serializer)
//!
//!    RoomInfo   ──┐                                    ┌──► binary  (PROTOCOL.md §3)
//!    ClientMsg  ──┤        serialize_struct(..)        ├──► json
//!    Vec<T>     ──┼──────► serialize_str(..)     ──────┼──► test_tokens
//!    Duration   ──┤        serialize_u32(..) ...       └──► (any format you write)
//!    String ... ──┘
//! ```
//!
//! With *M* data structures and *N* formats this needs *M + N* impls rather
//! than *M × N*: a new message type works with every format at once, and a
//! new format reads every existing type. That is the whole reason for the
//! trait split, and why the names matter: `Serialize` is *a value that can
//! be serialized*, `Serializer` is *the thing that serializes*.
//!
//! ## 2. The data model: 29 types
//!
//! Every `Serialize` impl is made of calls to these `Serializer` methods;
//! every `Deserialize` impl asks for one of these with a `deserialize_*`
//! *hint* and receives it through a [`Visitor`](de::Visitor) callback.
//! (Option is one type with two methods, `serialize_none` and
//! `serialize_some`, so `Serializer` has 30 of them.) The last column is
//! how the chat's binary format (PROTOCOL.md §3, postcard compatible)
//! writes each one.
//!
//! | # | data-model type | Rust example | `Serializer` | `Deserializer` hint → `Visitor` | binary encoding |
//! |---|---|---|---|---|---|
//! | 1–14 | 14 primitives | `bool`, `i8`–`i128`, `u8`–`u128`, `f32`, `f64`, `char` | `serialize_bool`, `serialize_u32`, ... | `deserialize_u32` → `visit_u32` | byte / varint / zigzag varint / LE float / char as string |
//! | 15 | string | `String`, `&str` | `serialize_str` | `deserialize_str`/`_string` → `visit_str`, `visit_borrowed_str`, `visit_string` | varint length + UTF-8 |
//! | 16 | byte array | a `&[u8]` handed to `serialize_bytes` (a plain `Vec<u8>` is a seq of `u8`, as in serde) | `serialize_bytes` | `deserialize_bytes`/`_byte_buf` → `visit_bytes`, ... | varint length + bytes |
//! | 17 | option | `Option<T>` | `serialize_none`, `serialize_some` | `deserialize_option` → `visit_none`, `visit_some` | `00` or `01` + value |
//! | 18 | unit | `()` | `serialize_unit` | `deserialize_unit` → `visit_unit` | nothing |
//! | 19 | unit struct | `struct Marker;` | `serialize_unit_struct` | `deserialize_unit_struct` → `visit_unit` | nothing |
//! | 20 | unit variant | `E::A` in `enum E { A, B }` | `serialize_unit_variant` | `deserialize_enum` → `visit_enum` → `unit_variant` | varint index |
//! | 21 | newtype struct | `struct Millis(u64)` | `serialize_newtype_struct` | `deserialize_newtype_struct` → `visit_newtype_struct` | the inner value |
//! | 22 | newtype variant | `E::N(u8)` | `serialize_newtype_variant` | ... → `newtype_variant` | index + value |
//! | 23 | seq | `Vec<T>`, `HashSet<T>` | `serialize_seq(len)` | `deserialize_seq` → `visit_seq` | varint count + elements |
//! | 24 | tuple | `(A, B)`, `[T; N]` | `serialize_tuple(len)` | `deserialize_tuple(len)` → `visit_seq` | elements, no count |
//! | 25 | tuple struct | `struct Rgb(u8, u8, u8)` | `serialize_tuple_struct` | `deserialize_tuple_struct` → `visit_seq` | elements |
//! | 26 | tuple variant | `E::T(u8, u8)` | `serialize_tuple_variant` | ... → `tuple_variant` → `visit_seq` | index + elements |
//! | 27 | map | `HashMap<K, V>`, `BTreeMap<K, V>` | `serialize_map(len)` | `deserialize_map` → `visit_map` | varint count + key, value, ... |
//! | 28 | struct | `struct RoomInfo { name, members }` | `serialize_struct` | `deserialize_struct` → `visit_seq` *or* `visit_map` | fields in order, no names |
//! | 29 | struct variant | `E::S { x: u8 }` | `serialize_struct_variant` | ... → `struct_variant` → `visit_seq`/`visit_map` | index + fields |
//!
//! The model keeps information that some formats throw away. Names of
//! structs and variants and the variant *index* are all passed; the binary
//! format writes only the index and the field values, JSON writes the names.
//! A tuple and a seq differ only in whether the length is part of the type
//! (so compact formats can skip writing it).
//!
//! ## 3. Serializing: a value describes itself
//!
//! [`Serialize::serialize`] takes the serializer *by value* and calls
//! exactly one data-model method on it. Compound types get back a second
//! object (here a [`SerializeStruct`](ser::SerializeStruct)) that takes the
//! fields one by one and is closed with `end`. The [`test_tokens`] format
//! writes the calls down as [`Token`](test_tokens::Token)s, which makes the
//! conversation visible:
//!
//! ```
//! use serdy::ser::{Serialize, SerializeStruct, Serializer};
//! use serdy::test_tokens::{assert_ser_tokens, Token};
//!
//! struct Point {
//!     x: i32,
//!     y: i32,
//! }
//!
//! impl Serialize for Point {
//!     fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
//!         let mut state = serializer.serialize_struct("Point", 2)?; // "a struct of 2 fields"
//!         state.serialize_field("x", &self.x)?; // each field: its name and a
//!         state.serialize_field("y", &self.y)?; // value that serializes itself
//!         state.end()
//!     }
//! }
//!
//! assert_ser_tokens(
//!     &Point { x: 1, y: -2 },
//!     &[
//!         Token::Struct { name: "Point", len: 2 },
//!         Token::Str("x"),
//!         Token::I32(1),
//!         Token::Str("y"),
//!         Token::I32(-2),
//!         Token::StructEnd,
//!     ],
//! );
//! ```
//!
//! `serialize_field("x", &self.x)` recurses: the field's own `Serialize`
//! impl (`i32`'s, here) is called with the same format, and calls
//! `serialize_i32`. Nothing is buffered or converted to an intermediate
//! tree; each call goes straight to the format, which writes bytes.
//!
//! ## 4. Deserializing: the format drives a visitor
//!
//! Deserializing is the harder half, because the *format* knows what the
//! input holds but only the *type* knows what it wants. serde's answer, and
//! serdy's, is a double dispatch:
//!
//! 1. The type calls one `deserialize_*` method on the [`Deserializer`]: a
//!    **hint** of what it expects, together with a [`Visitor`](de::Visitor).
//! 2. The format reads its input and calls the visitor method for what it
//!    found: `visit_u32`, `visit_str`, `visit_seq`, ...
//! 3. For compound values the visitor gets an **access** object and *pulls*
//!    the parts, choosing each part's type: [`SeqAccess`](de::SeqAccess),
//!    [`MapAccess`](de::MapAccess), [`EnumAccess`](de::EnumAccess).
//!
//! Why a callback rather than a return value? The format could hand back
//! "what it read" only as some general `enum Value { Str(..), Int(..),
//! Seq(..), .. }`: a tree built, allocated and then matched on for every
//! value. With a visitor, the type's own code runs at the moment the
//! format has read the value, with the value in its precise Rust type
//! (`visit_u32(3)`, `visit_borrowed_str(&input[4..9])`), so nothing in
//! between is built. The visitor's `Value` is the type being built, and
//! [`expecting`](de::Visitor::expecting) lets the format say, in an error,
//! what the type wanted.
//!
//! ```text
//!  RoomInfo::deserialize(de)
//!    │
//!    │ de.deserialize_struct("RoomInfo", ["name", "members"], RoomInfoVisitor)
//!    ▼                                                         (the hint)
//!  the format looks at its input
//!    ├── binary: fields are back to back ──► visitor.visit_seq(seq)
//!    │      seq.next_element::<String>() ──► String::deserialize(&mut de)
//!    │            └─► de.deserialize_string(StringVisitor) ─► visit_str("lobby")
//!    │      seq.next_element::<u32>()    ──► u32::deserialize(&mut de) ─► visit_u32(3)
//!    │
//!    └── json: {"members":3,"name":"lobby"} ──► visitor.visit_map(map)
//!           map.next_key::<Field>()      ──► Field::Members   (by name, any order)
//!           map.next_value::<u32>()      ──► 3
//!           map.next_key::<Field>()      ──► Field::Name
//!           map.next_value::<String>()   ──► "lobby"
//!    ▼
//!  Ok(RoomInfo { name: "lobby", members: 3 })
//! ```
//!
//! A **self-describing** format such as JSON can ignore the hint: it knows
//! from the input whether a string or a number comes next
//! ([`Deserializer::deserialize_any`]). A **compact** format cannot: the
//! byte `03` is a `u32`, a `bool` or a length depending on the hint alone. So
//! `Deserialize` impls always give the most precise hint they can, and
//! visitors accept every reasonable form (a struct as a seq *or* a map; an
//! integer of any width that fits).
//!
//! A visitor implements only the methods for what it accepts; the others
//! default to an "invalid type" error built from
//! [`expecting`](de::Visitor::expecting):
//!
//! ```
//! use std::fmt;
//! use serdy::de::{self, Deserialize, Deserializer, Visitor};
//! use serdy::test_tokens::{assert_de_tokens, assert_de_tokens_error, Token};
//!
//! /// A port number: any integer from 1 to 65535.
//! #[derive(Debug, PartialEq)]
//! struct Port(u16);
//!
//! struct PortVisitor;
//!
//! impl<'de> Visitor<'de> for PortVisitor {
//!     type Value = Port;
//!     fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!         f.write_str("a port number")
//!     }
//!     // visit_u8, visit_u16 and visit_u32 forward here by default.
//!     fn visit_u64<E: de::Error>(self, v: u64) -> Result<Port, E> {
//!         match u16::try_from(v) {
//!             Ok(port) if port != 0 => Ok(Port(port)),
//!             _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
//!         }
//!     }
//! }
//!
//! impl<'de> Deserialize<'de> for Port {
//!     fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Port, D::Error> {
//!         deserializer.deserialize_u16(PortVisitor)
//!     }
//! }
//!
//! assert_de_tokens(&Port(7878), &[Token::U16(7878)]);
//! assert_de_tokens(&Port(80), &[Token::U64(80)]);
//! assert_de_tokens_error::<Port>(
//!     &[Token::U32(70_000)],
//!     "invalid value: integer `70000`, expected a port number",
//! );
//! assert_de_tokens_error::<Port>(
//!     &[Token::Str("80")],
//!     "invalid type: string \"80\", expected a port number",
//! );
//! ```
//!
//! ## 5. Zero-copy: borrowing from the input with `'de`
//!
//! The lifetime in [`Deserialize<'de>`](de::Deserialize) and
//! [`Deserializer<'de>`](de::Deserializer) is the lifetime of the *input*.
//! A format that holds the whole input in memory (the binary format reads a
//! complete frame) can lend slices of it: it calls
//! [`visit_borrowed_str`](de::Visitor::visit_borrowed_str) with a
//! `&'de str` instead of `visit_str` with a string that lives only for the
//! call. A type with a `&'de str` field then points into the frame instead
//! of allocating a `String`:
//!
//! ```text
//!   frame buffer ('de):  [ 05 l o b b y 05 a l i c e ... ]
//!                              ▲             ▲
//!   Say<'de> { room: &'de str ─┘  from: ─────┘ }   no allocation, no copy
//! ```
//!
//! The borrow checker enforces the rest: the value cannot outlive the
//! buffer. Types that own everything implement `Deserialize<'de>` for every
//! `'de`, which the bound [`DeserializeOwned`](de::DeserializeOwned) names.
//!
//! ```
//! use serdy::{Deserialize, Serialize};
//! use serdy::test_tokens::{Token, TokenDeserializer};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Say<'a> {
//!     room: &'a str,
//!     text: &'a str,
//! }
//!
//! let input = [
//!     Token::Struct { name: "Say", len: 2 },
//!     Token::Str("room"),
//!     Token::BorrowedStr("lobby"), // lent by the input: visit_borrowed_str
//!     Token::Str("text"),
//!     Token::BorrowedStr("hi"),
//!     Token::StructEnd,
//! ];
//! let say = Say::deserialize(&mut TokenDeserializer::new(&input)).unwrap();
//! assert_eq!(say, Say { room: "lobby", text: "hi" });
//! let Token::BorrowedStr(lent) = input[2] else { unreachable!() };
//! assert_eq!(say.room.as_ptr(), lent.as_ptr()); // the very same bytes
//!
//! // A string that is not lent (JSON text with an escape in it, say)
//! // cannot become a `&str`: use `String` for such formats.
//! let transient = [
//!     Token::Struct { name: "Say", len: 2 },
//!     Token::Str("room"),
//!     Token::Str("lobby"), // visit_str: only for the duration of the call
//!     Token::Str("text"),
//!     Token::Str("hi"),
//!     Token::StructEnd,
//! ];
//! let err = Say::deserialize(&mut TokenDeserializer::new(&transient)).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "invalid type: string \"lobby\", expected a borrowed string"
//! );
//! ```
//!
//! ## 6. What `#[derive]` writes: a struct
//!
//! `#[derive(Serialize, Deserialize)]` (re-exported here from
//! `serdy-derive`, so `use serdy::{Serialize, Deserialize}` brings trait and
//! derive together) writes impls like the ones below, by hand. The real
//! output differs only in spelling: fully qualified paths (`::serdy::...`),
//! `__`-prefixed names that cannot clash with yours, and a helper for
//! missing fields that lets an absent `Option` field mean `None`.
//!
//! ```
//! use std::fmt;
//! use serdy::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
//! use serdy::ser::{Serialize, SerializeStruct, Serializer};
//!
//! /// One line of a `Rooms` reply (PROTOCOL.md §4).
//! #[derive(Debug, PartialEq)]
//! pub struct RoomInfo {
//!     pub name: String,
//!     pub members: u32,
//! }
//!
//! impl Serialize for RoomInfo {
//!     fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
//!         let mut state = serializer.serialize_struct("RoomInfo", 2)?;
//!         state.serialize_field("name", &self.name)?;
//!         state.serialize_field("members", &self.members)?;
//!         state.end()
//!     }
//! }
//!
//! impl<'de> Deserialize<'de> for RoomInfo {
//!     fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
//!         const FIELDS: &[&str] = &["name", "members"];
//!
//!         // (a) The field identifier: which field a map key names. Formats
//!         // give it as a position, a name, or the name's bytes. Unknown
//!         // names are kept as `Ignore` so their values can be skipped.
//!         enum Field {
//!             Name,
//!             Members,
//!             Ignore,
//!         }
//!
//!         struct FieldVisitor;
//!
//!         impl<'de> Visitor<'de> for FieldVisitor {
//!             type Value = Field;
//!             fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                 f.write_str("field identifier")
//!             }
//!             fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
//!                 Ok(match v {
//!                     0 => Field::Name,
//!                     1 => Field::Members,
//!                     _ => Field::Ignore,
//!                 })
//!             }
//!             fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
//!                 Ok(match v {
//!                     "name" => Field::Name,
//!                     "members" => Field::Members,
//!                     _ => Field::Ignore,
//!                 })
//!             }
//!             fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Field, E> {
//!                 Ok(match v {
//!                     b"name" => Field::Name,
//!                     b"members" => Field::Members,
//!                     _ => Field::Ignore,
//!                 })
//!             }
//!         }
//!
//!         impl<'de> Deserialize<'de> for Field {
//!             fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
//!                 deserializer.deserialize_identifier(FieldVisitor)
//!             }
//!         }
//!
//!         // (b) The visitor that builds a RoomInfo, from either shape.
//!         struct RoomInfoVisitor;
//!
//!         impl<'de> Visitor<'de> for RoomInfoVisitor {
//!             type Value = RoomInfo;
//!
//!             fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                 f.write_str("struct RoomInfo")
//!             }
//!
//!             // Compact formats: the fields in declaration order.
//!             fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RoomInfo, A::Error> {
//!                 let expected = &"struct RoomInfo with 2 elements";
//!                 let name: String = match seq.next_element()? {
//!                     Some(value) => value,
//!                     None => return Err(de::Error::invalid_length(0, expected)),
//!                 };
//!                 let members: u32 = match seq.next_element()? {
//!                     Some(value) => value,
//!                     None => return Err(de::Error::invalid_length(1, expected)),
//!                 };
//!                 Ok(RoomInfo { name, members })
//!             }
//!
//!             // Self-describing formats: named fields in any order.
//!             fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RoomInfo, A::Error> {
//!                 let mut name: Option<String> = None;
//!                 let mut members: Option<u32> = None;
//!                 while let Some(key) = map.next_key::<Field>()? {
//!                     match key {
//!                         Field::Name => {
//!                             if name.is_some() {
//!                                 return Err(de::Error::duplicate_field("name"));
//!                             }
//!                             name = Some(map.next_value()?);
//!                         }
//!                         Field::Members => {
//!                             if members.is_some() {
//!                                 return Err(de::Error::duplicate_field("members"));
//!                             }
//!                             members = Some(map.next_value()?);
//!                         }
//!                         Field::Ignore => {
//!                             map.next_value::<IgnoredAny>()?;
//!                         }
//!                     }
//!                 }
//!                 let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
//!                 let members = members.ok_or_else(|| de::Error::missing_field("members"))?;
//!                 Ok(RoomInfo { name, members })
//!             }
//!         }
//!
//!         // (c) The hint: "a struct with these fields comes next".
//!         deserializer.deserialize_struct("RoomInfo", FIELDS, RoomInfoVisitor)
//!     }
//! }
//!
//! // What it does, call by call:
//! use serdy::test_tokens::{assert_de_tokens, assert_de_tokens_error, assert_tokens, Token};
//!
//! let lobby = RoomInfo { name: "lobby".to_string(), members: 3 };
//! let as_map = [
//!     Token::Struct { name: "RoomInfo", len: 2 },
//!     Token::Str("name"),
//!     Token::Str("lobby"),
//!     Token::Str("members"),
//!     Token::U32(3),
//!     Token::StructEnd,
//! ];
//! assert_tokens(&lobby, &as_map);
//!
//! // The shape a compact format gives: fields in order, no names.
//! let as_seq = [Token::Tuple { len: 2 }, Token::Str("lobby"), Token::U32(3), Token::TupleEnd];
//! assert_de_tokens(&lobby, &as_seq);
//!
//! // Unknown fields are skipped; missing and repeated ones are refused.
//! assert_de_tokens(
//!     &lobby,
//!     &[
//!         Token::Struct { name: "RoomInfo", len: 3 },
//!         Token::Str("topic"),
//!         Token::Str("ignored"),
//!         Token::Str("members"),
//!         Token::U32(3),
//!         Token::Str("name"),
//!         Token::Str("lobby"),
//!         Token::StructEnd,
//!     ],
//! );
//! assert_de_tokens_error::<RoomInfo>(
//!     &[Token::Struct { name: "RoomInfo", len: 1 }, Token::Str("name"), Token::Str("x"), Token::StructEnd],
//!     "missing field `members`",
//! );
//! assert_de_tokens_error::<RoomInfo>(
//!     &[
//!         Token::Struct { name: "RoomInfo", len: 2 },
//!         Token::Str("name"),
//!         Token::Str("x"),
//!         Token::Str("name"),
//!     ],
//!     "duplicate field `name`",
//! );
//! assert_de_tokens_error::<RoomInfo>(
//!     &[Token::Tuple { len: 1 }, Token::Str("x"), Token::TupleEnd],
//!     "invalid length 1, expected struct RoomInfo with 2 elements",
//! );
//!
//! // The derive writes the same thing: its output behaves identically.
//! mod derived {
//!     #[derive(serdy::Serialize, serdy::Deserialize, Debug, PartialEq)]
//!     pub struct RoomInfo {
//!         pub name: String,
//!         pub members: u32,
//!     }
//! }
//! let lobby = derived::RoomInfo { name: "lobby".to_string(), members: 3 };
//! assert_tokens(&lobby, &as_map);
//! assert_de_tokens(&lobby, &as_seq);
//! assert_de_tokens_error::<derived::RoomInfo>(
//!     &[Token::Tuple { len: 1 }, Token::Str("x"), Token::TupleEnd],
//!     "invalid length 1, expected struct RoomInfo with 2 elements",
//! );
//! ```
//!
//! ## 7. What `#[derive]` writes: an enum
//!
//! An enum serializes as one of the four variant kinds, with the enum's
//! name, the variant's **index** (its position: what compact formats write)
//! and its **name** (what JSON writes). Deserializing goes through
//! [`deserialize_enum`](Deserializer::deserialize_enum) and
//! [`visit_enum`](de::Visitor::visit_enum): the format first yields the
//! variant identifier, then the visitor asks for that variant's content in
//! the matching shape through [`VariantAccess`](de::VariantAccess).
//!
//! ```text
//!   de.deserialize_enum("Event", VARIANTS, EventVisitor)
//!     └─► visitor.visit_enum(data)
//!           data.variant::<Variant>()  ──► (Variant::Moved, access)   index 2 or "Moved"
//!           access.tuple_variant(2, MovedVisitor)
//!                 └─► MovedVisitor.visit_seq(seq) ──► Event::Moved(a, b)
//! ```
//!
//! ```
//! use std::fmt;
//! use serdy::de::{
//!     self, Deserialize, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
//!     VariantAccess, Visitor,
//! };
//! use serdy::ser::{Serialize, SerializeStructVariant, SerializeTupleVariant, Serializer};
//!
//! /// One variant of each kind.
//! #[derive(Debug, PartialEq)]
//! pub enum Event {
//!     Ping,                 // unit variant     (index 0)
//!     Join(String),         // newtype variant  (index 1)
//!     Moved(u32, u32),      // tuple variant    (index 2)
//!     Say { text: String }, // struct variant   (index 3)
//! }
//!
//! impl Serialize for Event {
//!     fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
//!         match self {
//!             Event::Ping => serializer.serialize_unit_variant("Event", 0, "Ping"),
//!             Event::Join(room) => serializer.serialize_newtype_variant("Event", 1, "Join", room),
//!             Event::Moved(from, to) => {
//!                 let mut state = serializer.serialize_tuple_variant("Event", 2, "Moved", 2)?;
//!                 state.serialize_field(from)?;
//!                 state.serialize_field(to)?;
//!                 state.end()
//!             }
//!             Event::Say { text } => {
//!                 let mut state = serializer.serialize_struct_variant("Event", 3, "Say", 1)?;
//!                 state.serialize_field("text", text)?;
//!                 state.end()
//!             }
//!         }
//!     }
//! }
//!
//! impl<'de> Deserialize<'de> for Event {
//!     fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
//!         const VARIANTS: &[&str] = &["Ping", "Join", "Moved", "Say"];
//!
//!         // (a) The variant identifier. Unlike a field, an unknown variant
//!         // is an error: there is no way to skip it.
//!         enum Variant {
//!             Ping,
//!             Join,
//!             Moved,
//!             Say,
//!         }
//!
//!         struct VariantVisitor;
//!
//!         impl<'de> Visitor<'de> for VariantVisitor {
//!             type Value = Variant;
//!             fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                 f.write_str("variant identifier")
//!             }
//!             fn visit_u64<E: de::Error>(self, v: u64) -> Result<Variant, E> {
//!                 match v {
//!                     0 => Ok(Variant::Ping),
//!                     1 => Ok(Variant::Join),
//!                     2 => Ok(Variant::Moved),
//!                     3 => Ok(Variant::Say),
//!                     _ => Err(E::invalid_value(
//!                         de::Unexpected::Unsigned(v),
//!                         &"variant index 0 <= i < 4",
//!                     )),
//!                 }
//!             }
//!             fn visit_str<E: de::Error>(self, v: &str) -> Result<Variant, E> {
//!                 match v {
//!                     "Ping" => Ok(Variant::Ping),
//!                     "Join" => Ok(Variant::Join),
//!                     "Moved" => Ok(Variant::Moved),
//!                     "Say" => Ok(Variant::Say),
//!                     _ => Err(E::unknown_variant(v, VARIANTS)),
//!                 }
//!             }
//!             fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Variant, E> {
//!                 match std::str::from_utf8(v) {
//!                     Ok(name) => self.visit_str(name),
//!                     Err(_) => Err(E::unknown_variant(&String::from_utf8_lossy(v), VARIANTS)),
//!                 }
//!             }
//!         }
//!
//!         impl<'de> Deserialize<'de> for Variant {
//!             fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Variant, D::Error> {
//!                 deserializer.deserialize_identifier(VariantVisitor)
//!             }
//!         }
//!
//!         // (b) One visitor per variant with several fields.
//!         struct MovedVisitor;
//!
//!         impl<'de> Visitor<'de> for MovedVisitor {
//!             type Value = Event;
//!             fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                 f.write_str("tuple variant Event::Moved")
//!             }
//!             fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Event, A::Error> {
//!                 let expected = &"tuple variant Event::Moved with 2 elements";
//!                 let from = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, expected))?;
//!                 let to = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, expected))?;
//!                 Ok(Event::Moved(from, to))
//!             }
//!         }
//!
//!         const SAY_FIELDS: &[&str] = &["text"];
//!
//!         enum SayField {
//!             Text,
//!             Ignore,
//!         }
//!
//!         impl<'de> Deserialize<'de> for SayField {
//!             fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SayField, D::Error> {
//!                 struct SayFieldVisitor;
//!                 impl<'de> Visitor<'de> for SayFieldVisitor {
//!                     type Value = SayField;
//!                     fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                         f.write_str("field identifier")
//!                     }
//!                     fn visit_u64<E: de::Error>(self, v: u64) -> Result<SayField, E> {
//!                         Ok(if v == 0 { SayField::Text } else { SayField::Ignore })
//!                     }
//!                     fn visit_str<E: de::Error>(self, v: &str) -> Result<SayField, E> {
//!                         Ok(if v == "text" { SayField::Text } else { SayField::Ignore })
//!                     }
//!                     fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<SayField, E> {
//!                         Ok(if v == b"text" { SayField::Text } else { SayField::Ignore })
//!                     }
//!                 }
//!                 deserializer.deserialize_identifier(SayFieldVisitor)
//!             }
//!         }
//!
//!         struct SayVisitor;
//!
//!         impl<'de> Visitor<'de> for SayVisitor {
//!             type Value = Event;
//!             fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                 f.write_str("struct variant Event::Say")
//!             }
//!             fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Event, A::Error> {
//!                 let expected = &"struct variant Event::Say with 1 element";
//!                 let text = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, expected))?;
//!                 Ok(Event::Say { text })
//!             }
//!             fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
//!                 let mut text: Option<String> = None;
//!                 while let Some(key) = map.next_key::<SayField>()? {
//!                     match key {
//!                         SayField::Text if text.is_some() => {
//!                             return Err(de::Error::duplicate_field("text"))
//!                         }
//!                         SayField::Text => text = Some(map.next_value()?),
//!                         SayField::Ignore => {
//!                             map.next_value::<IgnoredAny>()?;
//!                         }
//!                     }
//!                 }
//!                 let text = text.ok_or_else(|| de::Error::missing_field("text"))?;
//!                 Ok(Event::Say { text })
//!             }
//!         }
//!
//!         // (c) The enum visitor: which variant, then its content.
//!         struct EventVisitor;
//!
//!         impl<'de> Visitor<'de> for EventVisitor {
//!             type Value = Event;
//!             fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!                 f.write_str("enum Event")
//!             }
//!             fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Event, A::Error> {
//!                 match data.variant()? {
//!                     (Variant::Ping, access) => {
//!                         access.unit_variant()?;
//!                         Ok(Event::Ping)
//!                     }
//!                     (Variant::Join, access) => access.newtype_variant().map(Event::Join),
//!                     (Variant::Moved, access) => access.tuple_variant(2, MovedVisitor),
//!                     (Variant::Say, access) => access.struct_variant(SAY_FIELDS, SayVisitor),
//!                 }
//!             }
//!         }
//!
//!         deserializer.deserialize_enum("Event", VARIANTS, EventVisitor)
//!     }
//! }
//!
//! use serdy::test_tokens::{assert_de_tokens_error, assert_tokens, Token, TokenDeserializer};
//!
//! let cases: [(Event, &[Token]); 4] = [
//!     (Event::Ping, &[Token::UnitVariant { name: "Event", index: 0, variant: "Ping" }]),
//!     (
//!         Event::Join("lobby".into()),
//!         &[Token::NewtypeVariant { name: "Event", index: 1, variant: "Join" }, Token::Str("lobby")],
//!     ),
//!     (
//!         Event::Moved(1, 2),
//!         &[
//!             Token::TupleVariant { name: "Event", index: 2, variant: "Moved", len: 2 },
//!             Token::U32(1),
//!             Token::U32(2),
//!             Token::TupleVariantEnd,
//!         ],
//!     ),
//!     (
//!         Event::Say { text: "hi".into() },
//!         &[
//!             Token::StructVariant { name: "Event", index: 3, variant: "Say", len: 1 },
//!             Token::Str("text"),
//!             Token::Str("hi"),
//!             Token::StructVariantEnd,
//!         ],
//!     ),
//! ];
//! for (event, tokens) in &cases {
//!     assert_tokens(event, tokens);
//!     // A compact format names the variant by index only.
//!     let mut compact = TokenDeserializer::new(tokens).human_readable(false);
//!     assert_eq!(&Event::deserialize(&mut compact).unwrap(), event);
//! }
//! assert_de_tokens_error::<Event>(
//!     &[Token::UnitVariant { name: "Event", index: 9, variant: "Shout" }],
//!     "unknown variant `Shout`, expected one of `Ping`, `Join`, `Moved`, `Say`",
//! );
//!
//! // The derived impls make the same calls.
//! mod derived {
//!     #[derive(serdy::Serialize, serdy::Deserialize, Debug, PartialEq)]
//!     pub enum Event {
//!         Ping,
//!         Join(String),
//!         Moved(u32, u32),
//!         Say { text: String },
//!     }
//! }
//! let derived_cases = [
//!     derived::Event::Ping,
//!     derived::Event::Join("lobby".into()),
//!     derived::Event::Moved(1, 2),
//!     derived::Event::Say { text: "hi".into() },
//! ];
//! for (event, (_, tokens)) in derived_cases.iter().zip(&cases) {
//!     assert_tokens(event, tokens);
//! }
//! ```
//!
//! ## 8. Hostile input
//!
//! A deserializer reads bytes from the network, so every impl here treats
//! the input as hostile:
//!
//! - Errors, never panics: a wrong type, an out-of-range integer, a short
//!   sequence, an unknown variant or a `Duration` whose nanoseconds overflow
//!   its seconds all become a [`de::Error`].
//! - A length hint ([`SeqAccess::size_hint`](de::SeqAccess::size_hint)) is a
//!   claim, not a fact. Collections preallocate from it at most 1 MiB
//!   (hash tables count their spare slots in that budget) and grow only as
//!   elements actually arrive. The binary format also caps the hint by the
//!   bytes left in the frame, since an element takes at least one byte
//!   there, so a 5-byte frame that claims four billion elements
//!   preallocates room for at most five.
//! - Nesting costs stack: each nested value is one more `deserialize` call
//!   down. A self-describing format can nest without end whatever the type
//!   (`[[[[...` read as `IgnoredAny`), so the JSON format refuses to go
//!   deeper than a fixed limit. A compact format nests only as deep as the
//!   type does, which is bounded unless the type is recursive (`Box<Self>`);
//!   the chat's messages are not.
//!
//! ## 9. Writing a data format
//!
//! The other side, from scratch: [`writing_a_format`] builds a small
//! self-describing text format in five steps (the error type, the
//! serializer, the deserializer, derived types, and how the chat's binary
//! format differs), every block of it compiled and tested. Read it before
//! `chat::fmt::binary`.
//!
//! ## 10. Map of the crate
//!
//! - [`ser`]: [`Serialize`], [`Serializer`], the compound traits
//!   ([`SerializeSeq`](ser::SerializeSeq), [`SerializeStruct`](ser::SerializeStruct),
//!   ...), [`ser::Error`], [`Impossible`](ser::Impossible).
//! - [`de`]: [`Deserialize`], [`Deserializer`], [`Visitor`](de::Visitor),
//!   the access traits, [`de::Error`] with its named constructors,
//!   [`IgnoredAny`](de::IgnoredAny), [`IntoDeserializer`](de::IntoDeserializer)
//!   and the one-value deserializers of [`de::value`].
//! - [`forward_to_deserialize_any!`]: the hint methods of a self-describing
//!   format in one line.
//! - [`test_tokens`]: the token test format used throughout this page.
//! - The formats themselves live in the `chat` crate (`chat::fmt::binary`,
//!   `chat::fmt::json`); `serdy` ships none, exactly like serde.

#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

// Lets derive output that names `::serdy::...` compile inside this crate's
// own tests and doctests.
extern crate self as serdy;

#[macro_use]
mod macros;

pub mod de;
pub mod ser;
pub mod test_tokens;
pub mod writing_a_format;

#[doc(hidden)]
pub mod __private;

pub use de::{Deserialize, Deserializer};
pub use ser::{Serialize, Serializer};

// The derive macros share the traits' names (they live in the macro
// namespace), so `use serdy::{Serialize, Deserialize}` brings both.
pub use serdy_derive::{Deserialize, Serialize};
