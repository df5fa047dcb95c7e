//! The exact data-model calls the derives make, checked with serdy's token
//! format: names, lengths and variant indices as the serializer sees them.

use serdy::test_tokens::{assert_de_tokens_error, assert_tokens, Token};
use serdy::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serdy(rename = "Person", rename_all = "camelCase")]
struct User {
    user_name: String,
    #[serdy(skip)]
    session: u64,
    #[serdy(rename = "AGE")]
    age: u8,
}

#[test]
fn struct_calls_name_the_renamed_container_and_count_only_written_fields() {
    assert_tokens(
        &User {
            user_name: "ann".into(),
            session: 0,
            age: 30,
        },
        &[
            Token::Struct {
                name: "Person",
                len: 2,
            },
            Token::Str("userName"),
            Token::Str("ann"),
            Token::Str("AGE"),
            Token::U8(30),
            Token::StructEnd,
        ],
    );
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Pair(u8, #[serdy(skip)] u8, u16);

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Meters(f64);

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Marker;

#[test]
fn tuple_newtype_and_unit_struct_calls() {
    assert_tokens(
        &Pair(1, 0, 2),
        &[
            Token::TupleStruct {
                name: "Pair",
                len: 2,
            },
            Token::U8(1),
            Token::U16(2),
            Token::TupleStructEnd,
        ],
    );
    assert_tokens(
        &Meters(1.5),
        &[Token::NewtypeStruct { name: "Meters" }, Token::F64(1.5)],
    );
    assert_tokens(&Marker, &[Token::UnitStruct { name: "Marker" }]);
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serdy(rename_all = "snake_case")]
enum Msg {
    Ping,
    Say(String),
    Move(i8, i8),
    Join { room: String, quiet: bool },
}

#[test]
fn variant_calls_carry_the_declaration_index() {
    assert_tokens(
        &Msg::Ping,
        &[Token::UnitVariant {
            name: "Msg",
            index: 0,
            variant: "ping",
        }],
    );
    assert_tokens(
        &Msg::Say("hi".into()),
        &[
            Token::NewtypeVariant {
                name: "Msg",
                index: 1,
                variant: "say",
            },
            Token::Str("hi"),
        ],
    );
    assert_tokens(
        &Msg::Move(-1, 1),
        &[
            Token::TupleVariant {
                name: "Msg",
                index: 2,
                variant: "move",
                len: 2,
            },
            Token::I8(-1),
            Token::I8(1),
            Token::TupleVariantEnd,
        ],
    );
    assert_tokens(
        &Msg::Join {
            room: "lobby".into(),
            quiet: true,
        },
        &[
            Token::StructVariant {
                name: "Msg",
                index: 3,
                variant: "join",
                len: 2,
            },
            Token::Str("room"),
            Token::Str("lobby"),
            Token::Str("quiet"),
            Token::Bool(true),
            Token::StructVariantEnd,
        ],
    );
}

#[test]
fn unknown_variant_names_the_candidates() {
    assert_de_tokens_error::<Msg>(
        &[Token::UnitVariant {
            name: "Msg",
            index: 0,
            variant: "pong",
        }],
        "unknown variant `pong`, expected one of `ping`, `say`, `move`, `join`",
    );
}
