//! `IgnoredAny` swallows any value, however nested.

use serdy::de::{Deserialize, IgnoredAny};
use serdy::test_tokens::{Token, TokenDeserializer};

fn ignore(tokens: &[Token]) {
    let mut de = TokenDeserializer::new(tokens);
    assert_eq!(IgnoredAny::deserialize(&mut de), Ok(IgnoredAny));
    assert!(de.remaining().is_empty(), "left: {:?}", de.remaining());
}

#[test]
fn ignores_scalars() {
    ignore(&[Token::Bool(true)]);
    ignore(&[Token::I128(-1)]);
    ignore(&[Token::U128(1)]);
    ignore(&[Token::F32(1.0)]);
    ignore(&[Token::Str("x")]);
    ignore(&[Token::ByteBuf(b"x")]);
    ignore(&[Token::None]);
    ignore(&[Token::Unit]);
}

#[test]
fn ignores_nested_compounds() {
    ignore(&[
        Token::Map { len: None },
        Token::Str("k"),
        Token::Seq { len: Some(2) },
        Token::Some,
        Token::NewtypeStruct { name: "N" },
        Token::U8(1),
        Token::Struct { name: "S", len: 1 },
        Token::Str("f"),
        Token::Tuple { len: 1 },
        Token::Char('c'),
        Token::TupleEnd,
        Token::StructEnd,
        Token::SeqEnd,
        Token::MapEnd,
    ]);
}

#[test]
fn ignores_enum_variants_with_content() {
    ignore(&[
        Token::NewtypeVariant {
            name: "E",
            index: 0,
            variant: "A",
        },
        Token::U8(1),
    ]);
}
