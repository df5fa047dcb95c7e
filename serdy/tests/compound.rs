//! Compound std types through the token format: collections, arrays,
//! tuples, `Option`, `Result`, smart pointers, `Duration`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use serdy::de::Deserialize;
use serdy::test_tokens::{
    assert_de_tokens, assert_de_tokens_error, assert_ser_tokens, assert_tokens, Token,
    TokenDeserializer,
};

#[test]
fn vec_and_vecdeque_are_sequences() {
    let tokens = [
        Token::Seq { len: Some(3) },
        Token::U16(1),
        Token::U16(2),
        Token::U16(3),
        Token::SeqEnd,
    ];
    assert_tokens(&vec![1u16, 2, 3], &tokens);
    assert_tokens(&VecDeque::from(vec![1u16, 2, 3]), &tokens);
    assert_ser_tokens(&[1u16, 2, 3][..], &tokens);
    assert_tokens(
        &Vec::<u8>::new(),
        &[Token::Seq { len: Some(0) }, Token::SeqEnd],
    );
    // A sequence of unknown length deserializes too.
    assert_de_tokens(
        &vec![true],
        &[Token::Seq { len: None }, Token::Bool(true), Token::SeqEnd],
    );
}

#[test]
fn sets_are_sequences() {
    let tokens = [
        Token::Seq { len: Some(2) },
        Token::Str("a"),
        Token::Str("b"),
        Token::SeqEnd,
    ];
    let set: BTreeSet<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
    assert_tokens(&set, &tokens);
    let one: HashSet<u8> = [9].into_iter().collect();
    assert_tokens(
        &one,
        &[Token::Seq { len: Some(1) }, Token::U8(9), Token::SeqEnd],
    );
    let hashed: HashSet<String> = set.iter().cloned().collect();
    assert_de_tokens(&hashed, &tokens);
}

#[test]
fn maps_are_maps() {
    let mut map = BTreeMap::new();
    map.insert("x".to_string(), 1i32);
    map.insert("y".to_string(), -1);
    let tokens = [
        Token::Map { len: Some(2) },
        Token::Str("x"),
        Token::I32(1),
        Token::Str("y"),
        Token::I32(-1),
        Token::MapEnd,
    ];
    assert_tokens(&map, &tokens);
    let hashed: HashMap<String, i32> = map.clone().into_iter().collect();
    assert_de_tokens(&hashed, &tokens);
    let one: HashMap<u8, bool> = [(1, true)].into_iter().collect();
    assert_tokens(
        &one,
        &[
            Token::Map { len: Some(1) },
            Token::U8(1),
            Token::Bool(true),
            Token::MapEnd,
        ],
    );
}

#[test]
fn arrays_and_tuples_are_tuples() {
    assert_tokens(
        &[7u8, 8],
        &[
            Token::Tuple { len: 2 },
            Token::U8(7),
            Token::U8(8),
            Token::TupleEnd,
        ],
    );
    assert_tokens(&[0u8; 0], &[Token::Tuple { len: 0 }, Token::TupleEnd]);
    assert_tokens(
        &(1u8, "two".to_string(), 3.0f64),
        &[
            Token::Tuple { len: 3 },
            Token::U8(1),
            Token::Str("two"),
            Token::F64(3.0),
            Token::TupleEnd,
        ],
    );
    let twelve = (0u8, 1u8, 2u8, 3u8, 4u8, 5u8, 6u8, 7u8, 8u8, 9u8, 10u8, 11u8);
    let mut tokens = vec![Token::Tuple { len: 12 }];
    tokens.extend((0..12).map(Token::U8));
    tokens.push(Token::TupleEnd);
    assert_tokens(&twelve, &tokens);
}

#[test]
fn short_tuples_and_arrays_are_refused() {
    assert_de_tokens_error::<[u8; 3]>(
        &[
            Token::Tuple { len: 2 },
            Token::U8(1),
            Token::U8(2),
            Token::TupleEnd,
        ],
        "invalid length 2, expected an array of length 3",
    );
    assert_de_tokens_error::<(u8, u8)>(
        &[Token::Tuple { len: 1 }, Token::U8(1), Token::TupleEnd],
        "invalid length 1, expected a tuple of size 2",
    );
}

#[test]
fn option_is_none_or_some() {
    assert_tokens(&None::<u8>, &[Token::None]);
    assert_tokens(&Some(5u8), &[Token::Some, Token::U8(5)]);
    assert_tokens(&Some(None::<u8>), &[Token::Some, Token::None]);
    // A unit (JSON `null`) is None as well.
    assert_de_tokens(&None::<u8>, &[Token::Unit]);
}

#[test]
fn result_is_an_enum_ok_or_err() {
    let ok: Result<u8, String> = Ok(1);
    assert_tokens(
        &ok,
        &[
            Token::NewtypeVariant {
                name: "Result",
                index: 0,
                variant: "Ok",
            },
            Token::U8(1),
        ],
    );
    let err: Result<u8, String> = Err("no".into());
    let tokens = [
        Token::NewtypeVariant {
            name: "Result",
            index: 1,
            variant: "Err",
        },
        Token::Str("no"),
    ];
    assert_tokens(&err, &tokens);
    // Compact formats identify the variant by index.
    let mut de = TokenDeserializer::new(&tokens).human_readable(false);
    assert_eq!(Result::<u8, String>::deserialize(&mut de), Ok(err));
    assert_de_tokens_error::<Result<u8, u8>>(
        &[
            Token::NewtypeVariant {
                name: "Result",
                index: 2,
                variant: "Maybe",
            },
            Token::U8(1),
        ],
        "unknown variant `Maybe`, expected `Ok` or `Err`",
    );
    let bad_index = [Token::NewtypeVariant {
        name: "Result",
        index: 2,
        variant: "Maybe",
    }];
    let mut de = TokenDeserializer::new(&bad_index).human_readable(false);
    assert_eq!(
        Result::<u8, u8>::deserialize(&mut de)
            .unwrap_err()
            .to_string(),
        "invalid value: integer `2`, expected variant index 0 <= i < 2"
    );
}

#[test]
fn pointers_are_transparent() {
    assert_tokens(&Box::new(3u8), &[Token::U8(3)]);
    assert_ser_tokens(&Rc::new(3u8), &[Token::U8(3)]);
    assert_ser_tokens(&Arc::new("a"), &[Token::Str("a")]);
    assert_ser_tokens(&&mut 3u8, &[Token::U8(3)]);
    let cow: Cow<'_, str> = Cow::Borrowed("c");
    assert_tokens(&cow, &[Token::Str("c")]);
    let boxed: Box<[u8]> = vec![1].into_boxed_slice();
    assert_tokens(
        &boxed,
        &[Token::Seq { len: Some(1) }, Token::U8(1), Token::SeqEnd],
    );
}

#[test]
fn phantom_data_is_a_unit_struct() {
    assert_tokens(
        &PhantomData::<String>,
        &[Token::UnitStruct {
            name: "PhantomData",
        }],
    );
}

#[test]
fn duration_is_a_struct_of_secs_and_nanos() {
    let d = Duration::new(1_700_000_000, 999_999_999);
    assert_tokens(
        &d,
        &[
            Token::Struct {
                name: "Duration",
                len: 2,
            },
            Token::Str("secs"),
            Token::U64(1_700_000_000),
            Token::Str("nanos"),
            Token::U32(999_999_999),
            Token::StructEnd,
        ],
    );
    // Compact formats send the fields as a sequence.
    assert_de_tokens(
        &d,
        &[
            Token::Tuple { len: 2 },
            Token::U64(1_700_000_000),
            Token::U32(999_999_999),
            Token::TupleEnd,
        ],
    );
}

#[test]
fn duration_refuses_bad_input() {
    assert_de_tokens_error::<Duration>(
        &[
            Token::Struct {
                name: "Duration",
                len: 1,
            },
            Token::Str("secs"),
            Token::U64(1),
            Token::StructEnd,
        ],
        "missing field `nanos`",
    );
    assert_de_tokens_error::<Duration>(
        &[
            Token::Struct {
                name: "Duration",
                len: 2,
            },
            Token::Str("secs"),
            Token::U64(1),
            Token::Str("secs"),
            Token::U64(1),
            Token::StructEnd,
        ],
        "duplicate field `secs`",
    );
    assert_de_tokens_error::<Duration>(
        &[
            Token::Struct {
                name: "Duration",
                len: 1,
            },
            Token::Str("mins"),
            Token::U64(1),
            Token::StructEnd,
        ],
        "unknown field `mins`, expected `secs` or `nanos`",
    );
    // nanos carrying into a full secs must not panic.
    assert_de_tokens_error::<Duration>(
        &[
            Token::Tuple { len: 2 },
            Token::U64(u64::MAX),
            Token::U32(1_000_000_000),
            Token::TupleEnd,
        ],
        "overflow deserializing Duration",
    );
}

#[test]
fn nested_values_round_trip() {
    let value: Vec<Option<(String, [i8; 2])>> = vec![None, Some(("é".into(), [-1, 1]))];
    assert_tokens(
        &value,
        &[
            Token::Seq { len: Some(2) },
            Token::None,
            Token::Some,
            Token::Tuple { len: 2 },
            Token::Str("é"),
            Token::Tuple { len: 2 },
            Token::I8(-1),
            Token::I8(1),
            Token::TupleEnd,
            Token::TupleEnd,
            Token::SeqEnd,
        ],
    );
}
