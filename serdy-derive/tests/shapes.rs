//! Every struct and variant shape, through both the named (map) and the
//! positional (seq) path of the derived impls.

mod util;

use serdy::{Deserialize, Serialize};
use util::{from_value, map, round_trip, s, Mode, Value};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Named {
    id: u32,
    nick: String,
    away: bool,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Tuple(u8, String, i64);

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Newtype(u64);

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Unit;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct EmptyBraces {}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct EmptyParens();

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum Shape {
    Point,
    Circle(u32),
    Line(i32, i32),
    Rect { w: u32, h: u32 },
    Empty {},
    Nothing(),
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum Never {}

#[test]
fn named_struct_is_a_map_or_a_seq() {
    let value = Named {
        id: 7,
        nick: "alice".into(),
        away: false,
    };
    let (named, positional) = round_trip(&value);
    assert_eq!(
        named,
        map(&[
            ("id", Value::U64(7)),
            ("nick", s("alice")),
            ("away", Value::Bool(false))
        ])
    );
    assert_eq!(
        positional,
        Value::Seq(vec![Value::U64(7), s("alice"), Value::Bool(false)])
    );
}

#[test]
fn named_struct_accepts_fields_in_any_order() {
    let input = map(&[
        ("away", Value::Bool(true)),
        ("nick", s("bob")),
        ("id", Value::U64(1)),
    ]);
    let value: Named = from_value(&input, Mode::Named).unwrap();
    assert_eq!(
        value,
        Named {
            id: 1,
            nick: "bob".into(),
            away: true
        }
    );
}

#[test]
fn named_struct_short_seq_is_invalid_length() {
    let input = Value::Seq(vec![Value::U64(7), s("alice")]);
    let err = from_value::<Named>(&input, Mode::Positional).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid length 2, expected struct Named with 3 elements"
    );
}

#[test]
fn tuple_newtype_unit_structs() {
    let (named, _) = round_trip(&Tuple(1, "x".into(), -3));
    assert_eq!(
        named,
        Value::Seq(vec![Value::U64(1), s("x"), Value::I64(-3)])
    );
    let (named, _) = round_trip(&Newtype(99));
    assert_eq!(named, Value::U64(99));
    let (named, _) = round_trip(&Unit);
    assert_eq!(named, Value::Unit);
    let (named, positional) = round_trip(&EmptyBraces {});
    assert_eq!(
        (named, positional),
        (Value::Map(vec![]), Value::Seq(vec![]))
    );
    let (named, _) = round_trip(&EmptyParens());
    assert_eq!(named, Value::Seq(vec![]));
}

#[test]
fn newtype_struct_also_reads_a_one_element_seq() {
    let input = Value::Seq(vec![Value::U64(5)]);
    assert_eq!(
        from_value::<Newtype>(&input, Mode::Positional),
        Ok(Newtype(5))
    );
    let err = from_value::<Newtype>(&Value::Seq(vec![]), Mode::Positional).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid length 0, expected tuple struct Newtype with 1 element"
    );
}

#[test]
fn tuple_struct_short_seq_is_invalid_length() {
    let input = Value::Seq(vec![Value::U64(1)]);
    let err = from_value::<Tuple>(&input, Mode::Positional).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid length 1, expected tuple struct Tuple with 3 elements"
    );
}

/// The variant index is the declaration position: that is the wire format.
#[test]
fn every_variant_shape_with_its_index() {
    let variant = |index, name, content| Value::Variant {
        index,
        name,
        content: Box::new(content),
    };
    let cases = [
        (Shape::Point, variant(0, "Point", Value::Unit)),
        (Shape::Circle(3), variant(1, "Circle", Value::U64(3))),
        (
            Shape::Line(-1, 2),
            variant(2, "Line", Value::Seq(vec![Value::I64(-1), Value::I64(2)])),
        ),
        (
            Shape::Rect { w: 4, h: 5 },
            variant(
                3,
                "Rect",
                map(&[("w", Value::U64(4)), ("h", Value::U64(5))]),
            ),
        ),
        (Shape::Empty {}, variant(4, "Empty", Value::Map(vec![]))),
        (Shape::Nothing(), variant(5, "Nothing", Value::Seq(vec![]))),
    ];
    for (shape, expected) in cases {
        let (named, positional) = round_trip(&shape);
        assert_eq!(named, expected);
        if let (Value::Variant { index: a, .. }, Value::Variant { index: b, .. }) =
            (&named, &positional)
        {
            assert_eq!(a, b);
        }
    }
    let (_, positional) = round_trip(&Shape::Rect { w: 4, h: 5 });
    assert_eq!(
        positional,
        variant(3, "Rect", Value::Seq(vec![Value::U64(4), Value::U64(5)]))
    );
}

#[test]
fn struct_variant_short_seq_is_invalid_length() {
    let input = Value::Variant {
        index: 3,
        name: "Rect",
        content: Box::new(Value::Seq(vec![])),
    };
    let err = from_value::<Shape>(&input, Mode::Positional).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid length 0, expected struct variant Shape::Rect with 2 elements"
    );
}

#[test]
fn unknown_variant_by_name_or_index() {
    let input = Value::Variant {
        index: 9,
        name: "Square",
        content: Box::new(Value::Unit),
    };
    let err = from_value::<Shape>(&input, Mode::Named).unwrap_err();
    assert_eq!(
        err.message(),
        "unknown variant `Square`, expected one of `Point`, `Circle`, `Line`, `Rect`, `Empty`, `Nothing`"
    );
    let err = from_value::<Shape>(&input, Mode::Positional).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid value: integer `9`, expected variant index 0 <= i < 6"
    );
}

#[test]
fn field_identifier_from_bytes() {
    let input = Value::Map(vec![
        (Value::Bytes(b"nick".to_vec()), s("carol")),
        (Value::Bytes(b"id".to_vec()), Value::U64(3)),
        (Value::Bytes(b"away".to_vec()), Value::Bool(true)),
        (Value::Bytes(b"extra".to_vec()), Value::Unit),
    ]);
    let value: Named = from_value(&input, Mode::Named).unwrap();
    assert_eq!(
        value,
        Named {
            id: 3,
            nick: "carol".into(),
            away: true
        }
    );
}

#[test]
fn field_identifier_from_index() {
    let input = Value::Map(vec![
        (Value::U64(2), Value::Bool(true)),
        (Value::U64(0), Value::U64(3)),
        (Value::U64(1), s("dave")),
        (Value::U64(3), s("ignored")),
    ]);
    let value: Named = from_value(&input, Mode::Named).unwrap();
    assert_eq!(
        value,
        Named {
            id: 3,
            nick: "dave".into(),
            away: true
        }
    );
}

#[test]
fn empty_enum_cannot_be_deserialized() {
    let input = Value::Variant {
        index: 0,
        name: "Any",
        content: Box::new(Value::Unit),
    };
    let err = from_value::<Never>(&input, Mode::Positional).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid value: integer `0`, expected variant index 0 <= i < 0"
    );
    let err = from_value::<Never>(&input, Mode::Named).unwrap_err();
    assert_eq!(
        err.message(),
        "unknown variant `Any`, there are no variants"
    );
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct r#Raw {
    r#type: u8,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum r#Keywords {
    r#Match,
}

#[test]
fn raw_identifiers_lose_their_prefix_on_the_wire() {
    let (named, _) = round_trip(&Raw { r#type: 1 });
    assert_eq!(named, map(&[("type", Value::U64(1))]));
    let (named, _) = round_trip(&Keywords::r#Match);
    assert_eq!(
        named,
        Value::Variant {
            index: 0,
            name: "Match",
            content: Box::new(Value::Unit)
        }
    );
}
