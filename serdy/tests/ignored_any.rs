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

#[test]
fn ignores_enum_variants_of_every_kind() {
    ignore(&[Token::UnitVariant {
        name: "E",
        index: 1,
        variant: "B",
    }]);
    ignore(&[
        Token::TupleVariant {
            name: "E",
            index: 2,
            variant: "C",
            len: 2,
        },
        Token::U8(1),
        Token::Str("x"),
        Token::TupleVariantEnd,
    ]);
    ignore(&[
        Token::StructVariant {
            name: "E",
            index: 3,
            variant: "D",
            len: 1,
        },
        Token::Str("f"),
        Token::UnitVariant {
            name: "E",
            index: 1,
            variant: "B",
        },
        Token::StructVariantEnd,
    ]);
}

#[test]
fn an_unknown_field_holding_a_variant_is_skipped() {
    #[derive(serdy::Deserialize, Debug, PartialEq)]
    struct Hello {
        version: u32,
    }
    let tokens = [
        Token::Struct {
            name: "Hello",
            len: 2,
        },
        Token::Str("mood"),
        Token::UnitVariant {
            name: "Mood",
            index: 0,
            variant: "Calm",
        },
        Token::Str("version"),
        Token::U32(1),
        Token::StructEnd,
    ];
    let mut de = TokenDeserializer::new(&tokens);
    assert_eq!(Hello::deserialize(&mut de), Ok(Hello { version: 1 }));
    assert!(de.remaining().is_empty());
}

#[test]
fn a_stray_end_token_is_still_an_error() {
    let mut de = TokenDeserializer::new(&[Token::SeqEnd]);
    assert!(IgnoredAny::deserialize(&mut de).is_err());
}
