//! Scalars through the token format: every primitive, its range checks, and
//! the zero-copy string and byte impls.

use serdy::de::value::Error;
use serdy::de::Deserialize;
use serdy::test_tokens::{
    assert_de_tokens, assert_de_tokens_error, assert_ser_tokens, assert_tokens, Token,
    TokenDeserializer,
};

#[test]
fn integers_round_trip_at_their_edges() {
    assert_tokens(&i8::MIN, &[Token::I8(i8::MIN)]);
    assert_tokens(&i16::MAX, &[Token::I16(i16::MAX)]);
    assert_tokens(&i32::MIN, &[Token::I32(i32::MIN)]);
    assert_tokens(&i64::MIN, &[Token::I64(i64::MIN)]);
    assert_tokens(&i128::MIN, &[Token::I128(i128::MIN)]);
    assert_tokens(&u8::MAX, &[Token::U8(u8::MAX)]);
    assert_tokens(&u16::MAX, &[Token::U16(u16::MAX)]);
    assert_tokens(&u32::MAX, &[Token::U32(u32::MAX)]);
    assert_tokens(&u64::MAX, &[Token::U64(u64::MAX)]);
    assert_tokens(&u128::MAX, &[Token::U128(u128::MAX)]);
}

#[test]
fn pointer_sized_integers_are_64_bit() {
    assert_tokens(&7usize, &[Token::U64(7)]);
    assert_tokens(&-7isize, &[Token::I64(-7)]);
}

#[test]
fn integers_accept_any_integer_that_fits() {
    assert_de_tokens(&200u8, &[Token::U64(200)]);
    assert_de_tokens(&5u8, &[Token::I32(5)]);
    assert_de_tokens(&-1i64, &[Token::I8(-1)]);
    assert_de_tokens(&u64::MAX, &[Token::U128(u128::from(u64::MAX))]);
    assert_de_tokens(&-3i128, &[Token::I16(-3)]);
}

#[test]
fn integers_refuse_values_out_of_range() {
    assert_de_tokens_error::<u8>(
        &[Token::U64(300)],
        "invalid value: integer `300`, expected u8",
    );
    assert_de_tokens_error::<u32>(
        &[Token::I8(-1)],
        "invalid value: integer `-1`, expected u32",
    );
    assert_de_tokens_error::<i8>(
        &[Token::U8(128)],
        "invalid value: integer `128`, expected i8",
    );
    assert_de_tokens_error::<u64>(
        &[Token::U128(u128::MAX)],
        "invalid value: 128-bit integer, expected u64",
    );
    assert_de_tokens_error::<u16>(
        &[Token::Str("7")],
        "invalid type: string \"7\", expected u16",
    );
}

#[test]
fn floats_keep_their_bits() {
    assert_tokens(&1.5f32, &[Token::F32(1.5)]);
    assert_tokens(&-0.0f64, &[Token::F64(-0.0)]);
    assert_tokens(&f64::INFINITY, &[Token::F64(f64::INFINITY)]);
    // A signalling NaN must come back bit for bit.
    let snan32 = f32::from_bits(0x7f80_0001);
    let tokens = [Token::F32(snan32)];
    let mut de = TokenDeserializer::new(&tokens);
    assert_eq!(f32::deserialize(&mut de).unwrap().to_bits(), 0x7f80_0001);
    let nan64 = f64::from_bits(0x7ff8_dead_beef_0001);
    let tokens = [Token::F64(nan64)];
    assert_ser_tokens(&nan64, &tokens);
    let mut de = TokenDeserializer::new(&tokens);
    assert_eq!(
        f64::deserialize(&mut de).unwrap().to_bits(),
        nan64.to_bits()
    );
}

#[test]
fn floats_accept_integers() {
    assert_de_tokens(&3.0f64, &[Token::U8(3)]);
    assert_de_tokens(&-2.0f32, &[Token::I64(-2)]);
    assert_de_tokens(&0.5f64, &[Token::F32(0.5)]);
}

#[test]
fn bool_and_unit() {
    assert_tokens(&true, &[Token::Bool(true)]);
    assert_tokens(&(), &[Token::Unit]);
    assert_de_tokens_error::<bool>(
        &[Token::U8(1)],
        "invalid type: integer `1`, expected a boolean",
    );
}

#[test]
fn char_is_a_char_or_a_one_char_string() {
    assert_tokens(&'é', &[Token::Char('é')]);
    assert_de_tokens(&'x', &[Token::Str("x")]);
    assert_de_tokens_error::<char>(
        &[Token::Str("xy")],
        "invalid value: string \"xy\", expected a character",
    );
}

#[test]
fn strings_come_from_any_string_token() {
    let s = "grüße 👋".to_string();
    assert_tokens(&s, &[Token::Str("grüße 👋")]);
    assert_de_tokens(&s, &[Token::String("grüße 👋")]);
    assert_de_tokens(&s, &[Token::BorrowedStr("grüße 👋")]);
    assert_de_tokens(&s, &[Token::Bytes("grüße 👋".as_bytes())]);
    assert_de_tokens_error::<String>(
        &[Token::Bytes(&[0xff, 0xfe])],
        "invalid value: byte array, expected a string",
    );
    assert_de_tokens(&"ab".to_string().into_boxed_str(), &[Token::Str("ab")]);
}

#[test]
fn borrowed_str_needs_borrowed_input() {
    let tokens = [Token::BorrowedStr("lobby")];
    let mut de = TokenDeserializer::new(&tokens);
    let room: &str = Deserialize::deserialize(&mut de).unwrap();
    assert_eq!(room, "lobby");
    // It points into the token itself: no copy was made.
    let Token::BorrowedStr(source) = tokens[0] else {
        unreachable!()
    };
    assert_eq!(room.as_ptr(), source.as_ptr());

    let mut de = TokenDeserializer::new(&[Token::Str("lobby")]);
    let err = <&str>::deserialize(&mut de).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid type: string \"lobby\", expected a borrowed string"
    );
}

#[test]
fn borrowed_bytes() {
    let tokens = [Token::BorrowedBytes(b"\x00\x01")];
    let mut de = TokenDeserializer::new(&tokens);
    let bytes: &[u8] = Deserialize::deserialize(&mut de).unwrap();
    assert_eq!(bytes, b"\x00\x01");
    let tokens = [Token::BorrowedStr("ok")];
    let mut de = TokenDeserializer::new(&tokens);
    assert_eq!(<&[u8]>::deserialize(&mut de), Ok(&b"ok"[..]));
    let mut de = TokenDeserializer::new(&[Token::ByteBuf(b"no")]);
    let err: Error = <&[u8]>::deserialize(&mut de).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid type: byte array, expected a borrowed byte array"
    );
}

#[test]
fn visitors_refuse_128_bit_integers_unless_they_opt_in() {
    // char's visitor has no visit_u128: the default reports it, as serde's.
    assert_de_tokens_error::<char>(
        &[Token::U128(5)],
        "invalid type: integer `5` as u128, expected a character",
    );
    assert_de_tokens_error::<String>(
        &[Token::I128(-5)],
        "invalid type: integer `-5` as i128, expected a string",
    );
}
