//! Golden bytes for every row of PROTOCOL.md section 3, and every rejection.
//!
//! The expected bytes are written out by hand from the spec (and agree with
//! postcard 1.x), never produced by the encoder under test.

use std::collections::BTreeMap;
use std::fmt::Debug;

use chat::fmt::binary::{self, Error};
use chat::protocol::{ClientMsg, ErrorCode};
use serdy::ser::SerializeSeq;
use serdy::{Deserialize, Serialize, Serializer};

/// `value` encodes to exactly `hex`, and `hex` decodes to exactly `value`.
#[track_caller]
fn row<T>(value: T, hex: &[u8])
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + Debug,
{
    assert_eq!(binary::to_vec(&value).unwrap(), hex, "encoding {value:?}");
    assert_eq!(
        binary::from_bytes::<T>(hex).unwrap(),
        value,
        "decoding {hex:02x?}"
    );
}

/// `hex` is refused as a `T` with `err`.
#[track_caller]
fn rejects<'a, T: Deserialize<'a> + Debug>(hex: &'a [u8], err: Error) {
    assert_eq!(
        binary::from_bytes::<T>(hex).unwrap_err(),
        err,
        "decoding {hex:02x?}"
    );
}

#[test]
fn bool_and_bytes() {
    row(false, &[0x00]);
    row(true, &[0x01]);
    row(0u8, &[0x00]);
    row(255u8, &[0xff]);
    row(-1i8, &[0xff]);
    row(i8::MIN, &[0x80]);
    row(i8::MAX, &[0x7f]);
}

#[test]
fn unsigned_varints() {
    row(0u32, &[0x00]);
    row(127u32, &[0x7f]);
    row(128u32, &[0x80, 0x01]);
    row(300u32, &[0xac, 0x02]);
    row(16383u32, &[0xff, 0x7f]);
    row(16384u32, &[0x80, 0x80, 0x01]);
    row(u32::MAX, &[0xff, 0xff, 0xff, 0xff, 0x0f]);
    row(u16::MAX, &[0xff, 0xff, 0x03]);
    row(0u64, &[0x00]);
    row(127u64, &[0x7f]);
    row(128u64, &[0x80, 0x01]);
    row(16383u64, &[0xff, 0x7f]);
    row(16384u64, &[0x80, 0x80, 0x01]);
    row(u64::from(u32::MAX), &[0xff, 0xff, 0xff, 0xff, 0x0f]);
    row(
        u64::MAX,
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    );
    let mut max128 = vec![0xff; 18];
    max128.push(0x03);
    row(u128::MAX, &max128);
    row(0u128, &[0x00]);
    // usize is encoded as u64.
    row(300usize, &[0xac, 0x02]);
}

#[test]
fn signed_zigzag_varints() {
    row(0i64, &[0x00]);
    row(-1i64, &[0x01]);
    row(1i64, &[0x02]);
    row(-2i64, &[0x03]);
    row(63i64, &[0x7e]);
    row(-64i64, &[0x7f]);
    row(64i64, &[0x80, 0x01]);
    row(
        i64::MAX,
        &[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    );
    row(
        i64::MIN,
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    );
    row(-1i16, &[0x01]);
    row(i16::MIN, &[0xff, 0xff, 0x03]);
    row(i16::MAX, &[0xfe, 0xff, 0x03]);
    row(-1i32, &[0x01]);
    row(i32::MIN, &[0xff, 0xff, 0xff, 0xff, 0x0f]);
    row(-1i128, &[0x01]);
    let mut min128 = vec![0xff; 18];
    min128.push(0x03);
    row(i128::MIN, &min128);
    row(-2isize, &[0x03]);
}

#[test]
fn floats_little_endian() {
    row(1.5f32, &[0x00, 0x00, 0xc0, 0x3f]);
    row(-0.0f32, &[0x00, 0x00, 0x00, 0x80]);
    row(1.5f64, &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f]);
    row(-0.0f64, &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80]);
    row(
        f64::INFINITY,
        &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f],
    );
    // A NaN keeps its payload bits.
    let nan = f64::from_bits(0x7ff8_0000_dead_beef);
    let bytes = binary::to_vec(&nan).unwrap();
    assert_eq!(bytes, [0xef, 0xbe, 0xad, 0xde, 0x00, 0x00, 0xf8, 0x7f]);
    assert_eq!(
        binary::from_bytes::<f64>(&bytes).unwrap().to_bits(),
        nan.to_bits()
    );
}

#[test]
fn chars_and_strings() {
    row('a', &[0x01, 0x61]);
    row('é', &[0x02, 0xc3, 0xa9]);
    row('€', &[0x03, 0xe2, 0x82, 0xac]);
    row('😀', &[0x04, 0xf0, 0x9f, 0x98, 0x80]);
    row(String::new(), &[0x00]);
    row(String::from("hi"), &[0x02, 0x68, 0x69]);
    row(
        String::from("héllo"),
        &[0x06, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f],
    );
    // 200 bytes: a two-byte length.
    let long = "x".repeat(200);
    let mut hex = vec![0xc8, 0x01];
    hex.extend_from_slice(long.as_bytes());
    row(long, &hex);
}

#[test]
fn strings_and_bytes_borrow_from_the_input() {
    let input = [0x03, b'a', b'b', b'c'];
    let s: &str = binary::from_bytes(&input).unwrap();
    assert_eq!(s, "abc");
    assert!(std::ptr::eq(s.as_ptr(), input[1..].as_ptr()), "no copy");
    let b: &[u8] = binary::from_bytes(&input).unwrap();
    assert_eq!(b, b"abc");
    assert!(std::ptr::eq(b.as_ptr(), input[1..].as_ptr()), "no copy");
}

/// Bytes through `serialize_bytes` (a `Vec<u8>` goes through `serialize_seq`
/// instead, with the same bytes on the wire).
struct Raw<'a>(&'a [u8]);

impl Serialize for Raw<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[test]
fn bytes() {
    assert_eq!(binary::to_vec(&Raw(&[1, 2, 3])).unwrap(), [0x03, 1, 2, 3]);
    assert_eq!(binary::to_vec(&Raw(&[])).unwrap(), [0x00]);
    assert_eq!(binary::from_bytes::<&[u8]>(&[0x02, 9, 8]).unwrap(), [9, 8]);
}

#[test]
fn options_and_unit() {
    row(None::<u8>, &[0x00]);
    row(Some(7u8), &[0x01, 0x07]);
    row(Some(None::<u8>), &[0x01, 0x00]);
    row(Some(Some(300u16)), &[0x01, 0x01, 0xac, 0x02]);
    row((), &[]);
    row(UnitStruct, &[]);
}

#[test]
fn sequences_maps_tuples_arrays() {
    row(Vec::<u8>::new(), &[0x00]);
    row(vec![1u8, 2, 3], &[0x03, 0x01, 0x02, 0x03]);
    row(vec![300u16, 1], &[0x02, 0xac, 0x02, 0x01]);
    row(
        vec![String::from("a"), String::from("bc")],
        &[0x02, 0x01, 0x61, 0x02, 0x62, 0x63],
    );
    row(BTreeMap::<u8, u8>::new(), &[0x00]);
    row(BTreeMap::from([(1u8, 2u8)]), &[0x01, 0x01, 0x02]);
    row(
        BTreeMap::from([(String::from("a"), 1u8), (String::from("b"), 2u8)]),
        &[0x02, 0x01, 0x61, 0x01, 0x01, 0x62, 0x02],
    );
    row((1u8, 300u16), &[0x01, 0xac, 0x02]);
    row((1u8, String::from("x"), true), &[0x01, 0x01, 0x78, 0x01]);
    row([1u8, 2, 3], &[0x01, 0x02, 0x03]);
    row([1u16, 300], &[0x01, 0xac, 0x02]);
    row(TupleStruct(-1, 128), &[0x01, 0x80, 0x01]);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct UnitStruct;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(u32);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TupleStruct(i32, u64);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Inner {
    a: u8,
    b: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Outer {
    inner: Inner,
    list: Vec<Inner>,
    tag: Option<u16>,
    meters: Meters,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Kind {
    Unit,
    Newtype(u8),
    Tuple(u8, i8),
    Struct { x: u16, y: bool },
    Nested(Box<Kind>),
}

#[test]
fn newtype_and_nested_structs() {
    row(Meters(300), &[0xac, 0x02]);
    row(
        Outer {
            inner: Inner {
                a: 1,
                b: "x".into(),
            },
            list: vec![Inner {
                a: 2,
                b: String::new(),
            }],
            tag: Some(300),
            meters: Meters(5),
        },
        &[
            0x01, 0x01, 0x78, // inner: a, b
            0x01, 0x02, 0x00, // list: count, [a, b]
            0x01, 0xac, 0x02, // tag: Some(300)
            0x05, // meters
        ],
    );
}

#[test]
fn enums_of_every_variant_kind() {
    row(Kind::Unit, &[0x00]);
    row(Kind::Newtype(5), &[0x01, 0x05]);
    row(Kind::Tuple(1, -1), &[0x02, 0x01, 0xff]);
    row(Kind::Struct { x: 128, y: true }, &[0x03, 0x80, 0x01, 0x01]);
    row(
        Kind::Nested(Box::new(Kind::Nested(Box::new(Kind::Unit)))),
        &[0x04, 0x04, 0x00],
    );
    row(ClientMsg::Bye, &[0x09]);
    row(ClientMsg::Ping { nonce: 300 }, &[0x08, 0xac, 0x02]);
    row(ErrorCode::ShuttingDown, &[0x10]);
}

#[test]
fn non_canonical_varints_within_the_limit_are_accepted() {
    assert_eq!(binary::from_bytes::<u32>(&[0x80, 0x00]), Ok(0));
    assert_eq!(
        binary::from_bytes::<u32>(&[0x80, 0x80, 0x80, 0x80, 0x00]),
        Ok(0)
    );
    assert_eq!(binary::from_bytes::<u16>(&[0xff, 0xff, 0x03]), Ok(u16::MAX));
    assert_eq!(binary::from_bytes::<u64>(&[0x81, 0x80, 0x00]), Ok(1));
    // An enum index too.
    assert_eq!(
        binary::from_bytes::<ClientMsg>(&[0x89, 0x00]),
        Ok(ClientMsg::Bye)
    );
}

#[test]
fn rejects_overflowing_varints() {
    // u16: 3 bytes at most, and the third carries 2 bits.
    rejects::<u16>(&[0xff, 0xff, 0x04], Error::BadVarint);
    rejects::<u16>(&[0x80, 0x80, 0x80, 0x00], Error::BadVarint);
    // u32: 5 bytes, the fifth carries 4 bits.
    rejects::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x10], Error::BadVarint);
    rejects::<u32>(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], Error::BadVarint);
    rejects::<i32>(&[0xff, 0xff, 0xff, 0xff, 0x1f], Error::BadVarint);
    // u64: 10 bytes, the tenth carries 1 bit.
    rejects::<u64>(
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        Error::BadVarint,
    );
    rejects::<u64>(&[0x80; 11], Error::BadVarint);
    rejects::<i64>(&[0x80; 10], Error::BadVarint);
    // u128: 19 bytes, the 19th carries 2 bits.
    let mut too_big = vec![0xff; 18];
    too_big.push(0x04);
    rejects::<u128>(&too_big, Error::BadVarint);
    rejects::<i128>(&[0x80; 20], Error::BadVarint);
    // An enum index is a u32.
    rejects::<ClientMsg>(&[0xff, 0xff, 0xff, 0xff, 0x10], Error::BadVarint);
    // A length is a u64.
    rejects::<String>(&[0x80; 11], Error::BadVarint);
}

#[test]
fn rejects_truncated_input() {
    rejects::<u32>(&[], Error::UnexpectedEnd);
    rejects::<u32>(&[0x80], Error::UnexpectedEnd);
    rejects::<u8>(&[], Error::UnexpectedEnd);
    rejects::<f64>(&[0, 0, 0], Error::UnexpectedEnd);
    rejects::<f32>(&[0, 0, 0], Error::UnexpectedEnd);
    rejects::<(u8, u8)>(&[1], Error::UnexpectedEnd);
    rejects::<ClientMsg>(&[], Error::UnexpectedEnd);
    rejects::<ClientMsg>(&[0x08], Error::UnexpectedEnd);
}

#[test]
fn rejects_bad_bool_option_utf8_char() {
    rejects::<bool>(&[0x02], Error::BadBool);
    rejects::<bool>(&[0xff], Error::BadBool);
    rejects::<Option<u8>>(&[0x02, 0x00], Error::BadOption);
    rejects::<String>(&[0x02, 0xc3, 0x28], Error::BadUtf8);
    rejects::<String>(&[0x01, 0x80], Error::BadUtf8);
    rejects::<&str>(&[0x03, 0xed, 0xa0, 0x80], Error::BadUtf8); // a surrogate
    rejects::<char>(&[0x00], Error::BadChar);
    rejects::<char>(&[0x02, 0x61, 0x62], Error::BadChar); // two chars
    rejects::<char>(&[0x01, 0xff], Error::BadChar);
    rejects::<char>(&[0x03, 0xed, 0xa0, 0x80], Error::BadChar);
    rejects::<char>(&[0x05, 0x61, 0x61, 0x61, 0x61, 0x61], Error::BadChar);
}

#[test]
fn rejects_unknown_variants() {
    rejects::<ClientMsg>(&[0x0a], Error::UnknownVariant);
    rejects::<ClientMsg>(&[0x7f], Error::UnknownVariant);
    rejects::<ErrorCode>(&[0x11], Error::UnknownVariant);
    rejects::<Kind>(&[0x05], Error::UnknownVariant);
}

#[test]
fn rejects_lengths_beyond_the_input() {
    rejects::<String>(&[0x05, 0x61, 0x62], Error::LengthBeyondInput);
    rejects::<&[u8]>(&[0x02, 0x00], Error::LengthBeyondInput);
    rejects::<Vec<u8>>(&[0x05, 0x01], Error::LengthBeyondInput);
    rejects::<Vec<u64>>(
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        Error::LengthBeyondInput,
    );
    rejects::<BTreeMap<u8, u8>>(&[0x03, 0x01, 0x02], Error::LengthBeyondInput);
    // A count of zero-byte elements larger than the input: refused too
    // (stricter than postcard, which would loop over it).
    rejects::<Vec<()>>(&[0x05], Error::LengthBeyondInput);
    // A Message whose `text` claims 2^32 bytes.
    rejects::<ClientMsg>(
        &[0x01, 0x01, 0x61, 0x80, 0x80, 0x80, 0x80, 0x10],
        Error::LengthBeyondInput,
    );
}

#[test]
fn rejects_trailing_bytes() {
    rejects::<u8>(&[0x01, 0x02], Error::TrailingBytes);
    rejects::<ClientMsg>(&[0x09, 0x00], Error::TrailingBytes);
    rejects::<()>(&[0x00], Error::TrailingBytes);
    // take_from_bytes hands the rest back instead.
    assert_eq!(
        binary::take_from_bytes::<ClientMsg>(&[0x09, 0x00]),
        Ok((ClientMsg::Bye, &[0x00][..]))
    );
}

#[test]
fn deserialize_any_is_unsupported() {
    rejects::<serdy::de::IgnoredAny>(&[0x00], Error::AnyUnsupported);
}

/// A sequence that does not say its length up front.
struct Unsized;

impl Serialize for Unsized {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        seq.serialize_element(&1u8)?;
        seq.end()
    }
}

#[test]
fn sequences_need_a_known_length() {
    assert_eq!(binary::to_vec(&Unsized), Err(Error::SeqLengthUnknown));
}

#[test]
fn serialize_into_appends() {
    let mut out = vec![0xaa];
    binary::serialize_into(&ClientMsg::Bye, &mut out).unwrap();
    binary::serialize_into(&300u32, &mut out).unwrap();
    assert_eq!(out, [0xaa, 0x09, 0xac, 0x02]);
    let mut w = Vec::new();
    binary::to_writer(&"hi", &mut w).unwrap();
    assert_eq!(w, [0x02, b'h', b'i']);
}

#[test]
fn errors_display_a_sentence() {
    for e in [
        Error::UnexpectedEnd,
        Error::BadVarint,
        Error::LengthBeyondInput,
        Error::FrameTooLarge,
        Error::MissingField,
    ] {
        let text = e.to_string();
        assert!(text.len() > 10, "{text}");
    }
}
