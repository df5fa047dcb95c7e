//! # serdy-derive: `#[derive(Serialize, Deserialize)]` for serdy
//!
//! Writing `serdy::Serialize` and `serdy::Deserialize` by hand means describing a type
//! to the data model field by field, and writing a visitor that rebuilds it
//! from whatever a format offers. This crate writes both from the type's
//! definition. Use it through `serdy`, which re-exports the macros next to
//! the traits of the same name:
//!
//! ```
//! use serdy::test_tokens::{assert_tokens, Token};
//! use serdy::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct RoomInfo {
//!     name: String,
//!     members: u32,
//! }
//!
//! // The derived impl makes exactly these data-model calls.
//! assert_tokens(
//!     &RoomInfo { name: "lobby".into(), members: 3 },
//!     &[
//!         Token::Struct { name: "RoomInfo", len: 2 },
//!         Token::Str("name"),
//!         Token::Str("lobby"),
//!         Token::Str("members"),
//!         Token::U32(3),
//!         Token::StructEnd,
//!     ],
//! );
//! ```
//!
//! This page covers, in order:
//!
//! 1. [How a derive macro works](#1-how-a-derive-macro-works)
//! 2. [What the derive writes](#2-what-the-derive-writes)
//! 3. [Attributes](#3-attributes)
//! 4. [Generics and borrowed fields](#4-generics-and-borrowed-fields)
//! 5. [Mistakes and their messages](#5-mistakes-and-their-messages)
//! 6. [Differences from serde's derive](#6-differences-from-serdes-derive)
//!
//! ## 1. How a derive macro works
//!
//! A derive macro is a function the compiler calls with the tokens of a
//! type definition; the tokens it returns are compiled as if they followed
//! the type. This crate is compiled for the host as a `proc-macro` library
//! and runs inside rustc:
//!
//! ```text
//!  type's tokens ──parse──► syn::DeriveInput ──check──► ast::Container ──quote!──► impl tokens
//!
//!  #[derive(Serialize)]     the syntax tree    attr.rs   wire names final,  ser.rs   impl Serialize
//!  struct RoomInfo {..}                        case.rs   shape per struct   de.rs    for RoomInfo {..}
//!                                              ctxt.rs   and variant        bound.rs
//! ```
//!
//! [`syn`](https://docs.rs/syn) parses the tokens into a syntax tree; `ast`
//! checks it and applies every `#[serdy(...)]` attribute (`attr`, `case`)
//! so that code generation sees final wire names; `ser` and `de` build the
//! impls with [`quote`](https://docs.rs/quote); `bound` works out the
//! generic bounds. Mistakes are collected by `ctxt` and reported together
//! (section 5).
//!
//! The generated code is *hygienic*: it names everything by absolute path
//! (`::serdy::ser::Serializer`, `::core::result::Result`), so it works
//! whatever the user imported or shadowed, and its own locals and helper
//! types start with `__` (`__serializer`, `__Visitor`) so they cannot
//! collide with the user's names. Helper types live inside the function body
//! and are invisible outside it. Impls carry `#[automatically_derived]`,
//! which tells lints such as clippy's that the code is generated.
//!
//! ## 2. What the derive writes
//!
//! For `Serialize`, one data-model call per shape, fields in declaration
//! order, and for enums the variant's index (its position in the
//! declaration) next to its name:
//!
//! ```text
//!   struct S;              serialize_unit_struct("S")
//!   struct S(A);           serialize_newtype_struct("S", &self.0)
//!   struct S(A, B);        serialize_tuple_struct("S", 2), serialize_field(&self.0), .., end()
//!   struct S { a, b }      serialize_struct("S", 2), serialize_field("a", &self.a), .., end()
//!   E::V                   serialize_unit_variant("E", 0, "V")
//!   E::V(x)                serialize_newtype_variant("E", 1, "V", x)
//!   E::V(x, y)             serialize_tuple_variant("E", 2, "V", 2), serialize_field(x), .., end()
//!   E::V { a, b }          serialize_struct_variant("E", 3, "V", 2), serialize_field("a", a), .., end()
//! ```
//!
//! A positional format (the chat's binary one) keeps only the order and the
//! index, so **reordering fields or variants changes the wire format**.
//!
//! For `Deserialize`, the impl asks for its shape (`deserialize_struct`
//! with the list of field names, `deserialize_enum` with the variant names)
//! and passes a visitor, declared inside the function:
//!
//! ```text
//!   fn deserialize(d) {
//!       const FIELDS = ["a", "b"];
//!       enum __Field { __field0, __field1, __ignore }  // which field is this key?
//!       impl Visitor for __FieldVisitor {              // accepts visit_u64 (index),
//!           ..                                         // visit_str and visit_bytes (name)
//!       }
//!       impl Visitor for __Visitor {
//!           fn visit_seq(..)  // fields in order, into locals: the binary format
//!           fn visit_map(..)  // keys in any order, one Option per field: JSON
//!       }
//!       d.deserialize_struct("S", FIELDS, __Visitor)
//!   }
//! ```
//!
//! `visit_seq` allocates nothing: each field is read straight into a local
//! with `next_element`. `visit_map` keeps one `Option` per field to notice
//! duplicates, then reports missing fields (or fills them in, see
//! `default`). Enums work the same way: an identifier enum for the variant
//! (matched on the index first, a jump table), then per variant
//! `unit_variant`, `newtype_variant`, `tuple_variant` or `struct_variant`,
//! the last two with their own visitor. The `serdy` crate's guide shows the
//! complete expansion of one struct and one enum, as compiled doctests.
//!
//! ## 3. Attributes
//!
//! All options go in `#[serdy(...)]`, comma-separated or in several
//! attributes.
//!
//! | attribute | on | effect |
//! |---|---|---|
//! | `rename = "name"` | container, variant, field | the name given to the format |
//! | `rename_all = "rule"` | struct, enum, struct variant | renames every field (struct, variant) or variant (enum) |
//! | `deny_unknown_fields` | struct, enum | an unknown field name is an error instead of being skipped |
//! | `skip` | field | not serialized; deserialized as `Default::default()` |
//! | `default` | field | when missing from the input, `Default::default()` |
//!
//! ### `rename` and `rename_all`
//!
//! The rules of `rename_all` are `"lowercase"`, `"UPPERCASE"`,
//! `"PascalCase"`, `"camelCase"`, `"snake_case"`, `"SCREAMING_SNAKE_CASE"`,
//! `"kebab-case"` and `"SCREAMING-KEBAB-CASE"`. Fields are taken to be
//! written in `snake_case` and variants in `PascalCase`, as Rust style has
//! it. An explicit `rename` wins over the rule.
//!
//! ```
//! use serdy::test_tokens::{assert_tokens, Token};
//! use serdy::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! #[serdy(rename_all = "SCREAMING_SNAKE_CASE")]
//! enum ErrorCode {
//!     NickTaken,
//!     #[serdy(rename = "BAD")]
//!     BadName,
//! }
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! #[serdy(rename = "Joined", rename_all = "camelCase")]
//! struct JoinedRoom {
//!     room_name: String,
//!     #[serdy(rename = "who")]
//!     nick: String,
//! }
//!
//! assert_tokens(
//!     &ErrorCode::NickTaken,
//!     &[Token::UnitVariant { name: "ErrorCode", index: 0, variant: "NICK_TAKEN" }],
//! );
//! assert_tokens(
//!     &ErrorCode::BadName,
//!     &[Token::UnitVariant { name: "ErrorCode", index: 1, variant: "BAD" }],
//! );
//! assert_tokens(
//!     &JoinedRoom { room_name: "lobby".into(), nick: "ann".into() },
//!     &[
//!         Token::Struct { name: "Joined", len: 2 },
//!         Token::Str("roomName"),
//!         Token::Str("lobby"),
//!         Token::Str("who"),
//!         Token::Str("ann"),
//!         Token::StructEnd,
//!     ],
//! );
//! ```
//!
//! Renaming changes names only: the binary format, which writes no names,
//! is unaffected.
//!
//! ### `skip` and `default`
//!
//! ```
//! use serdy::test_tokens::{assert_de_tokens, assert_ser_tokens, Token};
//! use serdy::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct Client {
//!     nick: String,
//!     #[serdy(default)]
//!     rooms: Vec<String>,
//!     #[serdy(skip)]
//!     bytes_sent: u64,
//! }
//!
//! let client = Client { nick: "ann".into(), rooms: vec![], bytes_sent: 512 };
//! // `bytes_sent` is never written, and not counted in `len`.
//! assert_ser_tokens(
//!     &client,
//!     &[
//!         Token::Struct { name: "Client", len: 2 },
//!         Token::Str("nick"),
//!         Token::Str("ann"),
//!         Token::Str("rooms"),
//!         Token::Seq { len: Some(0) },
//!         Token::SeqEnd,
//!         Token::StructEnd,
//!     ],
//! );
//! // `rooms` may be missing; `bytes_sent` always comes back as 0.
//! assert_de_tokens(
//!     &Client { nick: "ann".into(), rooms: vec![], bytes_sent: 0 },
//!     &[
//!         Token::Struct { name: "Client", len: 1 },
//!         Token::Str("nick"),
//!         Token::Str("ann"),
//!         Token::StructEnd,
//!     ],
//! );
//! ```
//!
//! A field that is neither `default` nor an `Option` must be present:
//! its absence is `Error::missing_field`. A missing `Option` field is
//! `None`, as in serde. A field given twice is `Error::duplicate_field`.
//! In a positional input, `default` fields may be cut off at the end.
//!
//! ### `deny_unknown_fields`
//!
//! By default a field name the type does not know is skipped (its value is
//! read as `serdy::de::IgnoredAny`, which skips any value),
//! so that newer peers may add fields. With `deny_unknown_fields` it is an
//! error naming the expected fields; on an enum it applies to the fields of
//! every struct variant.
//!
//! ```
//! use serdy::test_tokens::{assert_de_tokens_error, Token, TokenDeserializer};
//! use serdy::Deserialize;
//!
//! #[derive(Deserialize, Debug)]
//! #[serdy(deny_unknown_fields)]
//! struct Hello {
//!     version: u32,
//! }
//!
//! let hello: Hello = Hello::deserialize(&mut TokenDeserializer::new(&[
//!     Token::Struct { name: "Hello", len: 1 },
//!     Token::Str("version"),
//!     Token::U32(1),
//!     Token::StructEnd,
//! ]))
//! .unwrap();
//! assert_eq!(hello.version, 1);
//! assert_de_tokens_error::<Hello>(
//!     &[
//!         Token::Struct { name: "Hello", len: 2 },
//!         Token::Str("version"),
//!         Token::U32(1),
//!         Token::Str("color"),
//!     ],
//!     "unknown field `color`, expected `version`",
//! );
//! ```
//!
//! ## 4. Generics and borrowed fields
//!
//! A type parameter gets the bound the impl needs, `T: Serialize` or
//! `T: Deserialize<'de>`, when a serialized field mentions it; a parameter
//! used only inside `PhantomData`, or only in skipped fields, gets none. A
//! field of an associated type bounds that type (`I::Item: Serialize`),
//! not the parameter. A skipped or `default` field whose type mentions a
//! parameter bounds its type by `Default` (`Option<T>: Default`, true for
//! every `T`).
//!
//! `Deserialize<'de>` has a lifetime `'de`: how long the input lives. A
//! field of type `&'a str` or `&'a [u8]` can point straight into the input,
//! without copying, if the input outlives it, so the impl requires `'de: 'a`
//! for every lifetime that a deserialized field mentions:
//!
//! ```
//! use serdy::test_tokens::{assert_de_tokens, Token};
//! use serdy::Deserialize;
//!
//! // Expands to `impl<'de, 'a, T> Deserialize<'de> for Say<'a, T>
//! //             where 'de: 'a, T: Deserialize<'de>`.
//! #[derive(Deserialize, PartialEq, Debug)]
//! struct Say<'a, T> {
//!     room: &'a str,
//!     extra: T,
//! }
//!
//! assert_de_tokens(
//!     &Say { room: "lobby", extra: 7u8 },
//!     &[
//!         Token::Struct { name: "Say", len: 2 },
//!         Token::Str("room"),
//!         Token::BorrowedStr("lobby"),
//!         Token::Str("extra"),
//!         Token::U8(7),
//!         Token::StructEnd,
//!     ],
//! );
//! ```
//!
//! A format that cannot lend (it decodes into a temporary buffer) fails on
//! a `&str` field with an "invalid type" error; use `String` or
//! `Cow<'a, str>` where that matters.
//!
//! ## 5. Mistakes and their messages
//!
//! Every mistake is reported at the token that caused it, and all mistakes
//! of a type are reported at once. Besides the errors, the derive still
//! emits an impl (with an `unimplemented!()` body), so that code using the
//! type does not add "`Serialize` is not implemented" errors on top.
//!
//! These types compile; each example below is one of them with one mistake
//! added (the examples show only the type they change):
//!
//! ```
//! # #![allow(dead_code)]
//! use serdy::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! #[serdy(rename_all = "camelCase")]
//! enum Event<'a> {
//!     Join { room: &'a str },
//!     Leave(String),
//! }
//!
//! #[derive(Serialize, Deserialize)]
//! struct Msg {
//!     #[serdy(rename = "text")]
//!     body: String,
//! }
//!
//! #[derive(Serialize, Deserialize)]
//! struct Bits {
//!     int: u32,
//!     float: f32,
//! }
//! ```
//!
//! A union: `error: serdy cannot derive for a union: which field is live is
//! not known at runtime; use a struct or an enum`, at `union`.
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! union Bits {
//!     int: u32,
//!     float: f32,
//! }
//! ```
//!
//! An unknown attribute: ``error: unknown serdy container attribute
//! `rename_al`, expected one of `rename`, `rename_all`,
//! `deny_unknown_fields` ``, at `rename_al`.
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! #[serdy(rename_al = "camelCase")]
//! enum Event<'a> {
//!     Join { room: &'a str },
//!     Leave(String),
//! }
//! ```
//!
//! A rule `rename_all` does not know: `error: unknown rename_all rule
//! "camel", expected one of "lowercase", "UPPERCASE", ...`, at the string.
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! #[serdy(rename_all = "camel")]
//! enum Event<'a> {
//!     Join { room: &'a str },
//!     Leave(String),
//! }
//! ```
//!
//! `rename` without a string: `error: expected a string: #[serdy(rename =
//! "...")]`, at the value (or at `rename` when there is none).
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! struct Msg {
//!     #[serdy(rename = text)]
//!     body: String,
//! }
//! ```
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! struct Msg {
//!     #[serdy(rename)]
//!     body: String,
//! }
//! ```
//!
//! `skip` on a variant, which cannot be left out since every variant has a
//! wire index: `error: #[serdy(skip)] is not supported on enum variants`.
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! #[serdy(rename_all = "camelCase")]
//! enum Event<'a> {
//!     Join { room: &'a str },
//!     #[serdy(skip)]
//!     Leave(String),
//! }
//! ```
//!
//! An unknown field attribute, and a flag given a value (``error: `default`
//! takes no value``):
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! struct Msg {
//!     #[serdy(rename = "text", skip_serializing)]
//!     body: String,
//! }
//! ```
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! struct Msg {
//!     #[serdy(rename = "text", default = "empty")]
//!     body: String,
//! }
//! ```
//!
//! Two fields with the same name on the wire, which no deserializer could
//! tell apart: `error: two fields are named "text" on the wire (after
//! renaming)`, at the second one.
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! struct Msg {
//!     #[serdy(rename = "text")]
//!     body: String,
//!     text: String,
//! }
//! ```
//!
//! A lifetime called `'de`, the name the `Deserialize` impl needs for its
//! own: ``error: serdy's Deserialize impl adds a lifetime `'de` for the
//! input; rename this one``.
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! #[serdy(rename_all = "camelCase")]
//! enum Event<'de> {
//!     Join { room: &'de str },
//!     Leave(String),
//! }
//! ```
//!
//! Several mistakes are all reported in one compile, each at its own token
//! (here the unknown attribute, the non-string `rename`, and `skip` given a
//! value), and nothing else:
//!
//! ```compile_fail
//! # #![allow(dead_code)]
//! # use serdy::{Deserialize, Serialize};
//! #[derive(Serialize, Deserialize)]
//! #[serdy(renam = "Message")]
//! struct Msg {
//!     #[serdy(rename = 1, skip = true)]
//!     body: String,
//! }
//! ```
//!
//! ## 6. Differences from serde's derive
//!
//! - Only the attributes above exist; serde's `with`, `flatten`,
//!   `tag`/`untagged`, `skip_serializing_if`, `bound`, `borrow`, ... do
//!   not.
//! - serde borrows implicitly only for `&str` and `&[u8]` fields and asks
//!   for `#[serde(borrow)]` elsewhere; serdy requires `'de: 'a` for every
//!   lifetime a deserialized field mentions, so `Vec<&'a str>` or a nested
//!   borrowing struct work without an attribute (the price: a `Cow<'a, str>`
//!   field can no longer outlive its input).
//! - A defaulted field bounds its own type by `Default` rather than each
//!   type parameter it mentions.
//! - `skip` is not allowed on variants, nor on the only field of a newtype;
//!   two fields or variants with the same wire name are an error.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod ast;
mod attr;
mod bound;
mod case;
mod ctxt;
mod de;
mod fallback;
mod identifier;
mod ser;

use proc_macro::TokenStream;
use syn::DeriveInput;

use crate::ast::Container;
use crate::ctxt::Ctxt;

/// Derives `serdy::Serialize`: see the [crate documentation](crate) for
/// what it writes and the attributes it reads.
#[proc_macro_derive(Serialize, attributes(serdy))]
pub fn derive_serialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::new();
    let cont = Container::from_input(&mut cx, &input);
    match (cont, cx.check()) {
        (Some(cont), Ok(())) => ser::expand(&cont),
        (_, Err(errors)) => report(errors, fallback::serialize(&input)),
        (None, Ok(())) => unreachable!("a rejected input always records why"),
    }
    .into()
}

/// Derives `serdy::Deserialize<'de>`: see the [crate documentation](crate)
/// for what it writes and the attributes it reads.
#[proc_macro_derive(Deserialize, attributes(serdy))]
pub fn derive_deserialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::new();
    let cont = Container::from_input(&mut cx, &input);
    if let Some(lifetime) = bound::conflicting_de_lifetime(&input.generics) {
        cx.error_spanned_by(
            lifetime,
            "serdy's Deserialize impl adds a lifetime `'de` for the input; rename this one",
        );
    }
    match (cont, cx.check()) {
        (Some(cont), Ok(())) => de::expand(&cont),
        (_, Err(errors)) => report(errors, fallback::deserialize(&input)),
        (None, Ok(())) => unreachable!("a rejected input always records why"),
    }
    .into()
}

/// All errors as `compile_error!`s, followed by the stub impl.
fn report(errors: syn::Error, stub: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut out = errors.to_compile_error();
    out.extend(stub);
    out
}
