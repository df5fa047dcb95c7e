//! Formats: how a message becomes bytes, and bytes become frames.
//!
//! The [`protocol`](crate::protocol) types say *what* is sent; they derive
//! `Serialize` and `Deserialize` and never mention bytes. The formats here
//! say *how*, and know nothing about chat messages: each is a `serdy`
//! `Serializer` and `Deserializer` that works for any type.
//!
//! - [`binary`]: the compact wire format of PROTOCOL.md section 3,
//!   byte-for-byte compatible with postcard 1.x. Every frame payload uses it.
//! - [`framed`]: section 2, a 4-byte big-endian length in front of each
//!   payload, with an incremental decoder for non-blocking sockets.
//! - [`json`]: human-readable text, for tracing and for tests.
//!
//! ```text
//!   ClientMsg::Say { room, text }
//!        │  Serialize (derived): serialize_struct_variant("Say", 1, ..)
//!        ▼
//!   binary::Serializer ──► 01 05 6c 6f 62 62 79 02 68 69     payload
//!        │
//!   framed::encode_frame ──► 00 00 00 0a | payload           frame on the wire
//! ```
//!
//! # The binary format, worked
//!
//! The encoding carries no types and no names: a struct is its fields in
//! order, an enum its variant index then its content. Integers wider than a
//! byte are LEB128 varints (7 bits a byte, low group first, high bit =
//! "more follows"); signed ones are zigzagged first (`0, -1, 1, -2` →
//! `0, 1, 2, 3`) so that small negative numbers stay short.
//!
//! | value | Rust type | bytes (hex) | why |
//! | --- | --- | --- | --- |
//! | `true` | `bool` | `01` | one byte, 0 or 1 |
//! | `-1` | `i8` | `ff` | bytes are raw, two's complement |
//! | `0` | `u32` | `00` | varint |
//! | `127` | `u32` | `7f` | largest one-byte varint |
//! | `128` | `u32` | `80 01` | `0000000` with "more", then `1` (×128) |
//! | `16383` | `u32` | `ff 7f` | largest two-byte varint |
//! | `16384` | `u32` | `80 80 01` | 2¹⁴ |
//! | `u32::MAX` | `u32` | `ff ff ff ff 0f` | 5 bytes; the last holds 4 bits |
//! | `u64::MAX` | `u64` | `ff` ×9 `01` | 10 bytes; the last holds 1 bit |
//! | `0` | `i64` | `00` | zigzag 0 |
//! | `-1` | `i64` | `01` | zigzag 1 |
//! | `1` | `i64` | `02` | zigzag 2 |
//! | `i64::MAX` | `i64` | `fe` `ff` ×8 `01` | zigzag `u64::MAX - 1` |
//! | `i64::MIN` | `i64` | `ff` ×9 `01` | zigzag `u64::MAX` |
//! | `1.5` | `f32` | `00 00 c0 3f` | IEEE 754, little-endian |
//! | `1.5` | `f64` | `00 00 00 00 00 00 f8 3f` | IEEE 754, little-endian |
//! | `'é'` | `char` | `02 c3 a9` | as a one-char string |
//! | `"hi"` | `&str` | `02 68 69` | byte length, UTF-8 |
//! | `None` | `Option<u8>` | `00` | tag |
//! | `Some(7)` | `Option<u8>` | `01 07` | tag, value |
//! | `()` | `()` | (nothing) | no information to carry |
//! | `vec![1, 2, 3]` | `Vec<u8>` | `03 01 02 03` | count, elements |
//! | `[1, 2, 3]` | `[u8; 3]` | `01 02 03` | fixed length: no count |
//! | `(1, 300)` | `(u8, u16)` | `01 ac 02` | elements in order |
//! | `{1: 2}` | `BTreeMap<u8, u8>` | `01 01 02` | count, key, value |
//! | `ClientMsg::Bye` | `ClientMsg` | `09` | variant index 9, no content |
//! | `ClientMsg::Ping { nonce: 300 }` | `ClientMsg` | `08 ac 02` | index 8, then the field |
//!
//! Every row is checked here:
//!
//! ```
//! use chat::fmt::binary;
//! use chat::protocol::ClientMsg;
//! use std::collections::BTreeMap;
//! use std::fmt::Debug;
//!
//! fn row<T>(value: T, hex: &[u8])
//! where
//!     T: serdy::Serialize + for<'de> serdy::Deserialize<'de> + PartialEq + Debug,
//! {
//!     assert_eq!(binary::to_vec(&value).unwrap(), hex, "encoding {value:?}");
//!     assert_eq!(binary::from_bytes::<T>(hex).unwrap(), value, "decoding {hex:02x?}");
//! }
//!
//! row(true, &[0x01]);
//! row(-1i8, &[0xff]);
//! row(0u32, &[0x00]);
//! row(127u32, &[0x7f]);
//! row(128u32, &[0x80, 0x01]);
//! row(16383u32, &[0xff, 0x7f]);
//! row(16384u32, &[0x80, 0x80, 0x01]);
//! row(u32::MAX, &[0xff, 0xff, 0xff, 0xff, 0x0f]);
//! row(u64::MAX, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
//! row(0i64, &[0x00]);
//! row(-1i64, &[0x01]);
//! row(1i64, &[0x02]);
//! row(i64::MAX, &[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
//! row(i64::MIN, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
//! row(1.5f32, &[0x00, 0x00, 0xc0, 0x3f]);
//! row(1.5f64, &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f]);
//! row('é', &[0x02, 0xc3, 0xa9]);
//! row(String::from("hi"), &[0x02, 0x68, 0x69]);
//! row(None::<u8>, &[0x00]);
//! row(Some(7u8), &[0x01, 0x07]);
//! row((), &[]);
//! row(vec![1u8, 2, 3], &[0x03, 0x01, 0x02, 0x03]);
//! row([1u8, 2, 3], &[0x01, 0x02, 0x03]);
//! row((1u8, 300u16), &[0x01, 0xac, 0x02]);
//! row(BTreeMap::from([(1u8, 2u8)]), &[0x01, 0x01, 0x02]);
//! row(ClientMsg::Bye, &[0x09]);
//! row(ClientMsg::Ping { nonce: 300 }, &[0x08, 0xac, 0x02]);
//! ```
//!
//! # One frame, worked
//!
//! `ClientMsg::Say { room: "lobby", text: "hi" }` is variant 1 of
//! `ClientMsg`, a struct variant with two string fields:
//!
//! ```text
//!  00 00 00 0a   length: 10 payload bytes follow (big-endian u32)
//!  01            variant index 1: Say
//!  05            room: 5 bytes
//!  6c 6f 62 62 79      "lobby"
//!  02            text: 2 bytes
//!  68 69               "hi"
//! ```
//!
//! ```
//! use chat::fmt::{binary, framed};
//! use chat::protocol::ClientMsg;
//!
//! let msg = ClientMsg::Say { room: "lobby".into(), text: "hi".into() };
//! let mut wire = Vec::new();
//! framed::encode_frame(&msg, &mut wire).unwrap();
//! assert_eq!(
//!     wire,
//!     [0x00, 0x00, 0x00, 0x0a, 0x01, 0x05, 0x6c, 0x6f, 0x62, 0x62, 0x79, 0x02, 0x68, 0x69]
//! );
//!
//! let mut dec = framed::FrameDecoder::new(chat::protocol::DEFAULT_MAX_FRAME);
//! dec.push(&wire);
//! let payload = dec.next_frame().unwrap().unwrap();
//! assert_eq!(binary::from_bytes::<ClientMsg>(payload).unwrap(), msg);
//! ```

pub mod binary;
pub mod framed;
pub mod json;
