//! The wording of `de::Error`'s named constructors and of `Unexpected`,
//! which every format shares.

use serdy::de::value::Error;
use serdy::de::{Error as _, Expected, Unexpected};

fn message(err: Error) -> String {
    err.to_string()
}

#[test]
fn named_constructors_say_what_went_wrong() {
    assert_eq!(
        message(Error::invalid_type(Unexpected::Bool(true), &"a string")),
        "invalid type: boolean `true`, expected a string"
    );
    assert_eq!(
        message(Error::invalid_value(
            Unexpected::Signed(-4),
            &"a positive number"
        )),
        "invalid value: integer `-4`, expected a positive number"
    );
    assert_eq!(
        message(Error::invalid_length(3, &"a pair")),
        "invalid length 3, expected a pair"
    );
    assert_eq!(
        message(Error::missing_field("nick")),
        "missing field `nick`"
    );
    assert_eq!(
        message(Error::duplicate_field("nick")),
        "duplicate field `nick`"
    );
}

#[test]
fn unknown_names_list_the_known_ones() {
    assert_eq!(
        message(Error::unknown_variant("X", &[])),
        "unknown variant `X`, there are no variants"
    );
    assert_eq!(
        message(Error::unknown_variant("X", &["A"])),
        "unknown variant `X`, expected `A`"
    );
    assert_eq!(
        message(Error::unknown_field("x", &["a", "b", "c"])),
        "unknown field `x`, expected one of `a`, `b`, `c`"
    );
    assert_eq!(
        message(Error::unknown_field("x", &[])),
        "unknown field `x`, there are no fields"
    );
}

#[test]
fn unexpected_describes_each_kind() {
    let cases: [(Unexpected<'_>, &str); 18] = [
        (Unexpected::Bool(false), "boolean `false`"),
        (Unexpected::Unsigned(7), "integer `7`"),
        (Unexpected::Signed(-7), "integer `-7`"),
        (Unexpected::Float(2.0), "floating point `2.0`"),
        (Unexpected::Float(2.5), "floating point `2.5`"),
        (Unexpected::Char('c'), "character `c`"),
        (Unexpected::Str("s\"q"), "string \"s\\\"q\""),
        (Unexpected::Bytes(b"b"), "byte array"),
        (Unexpected::Unit, "unit value"),
        (Unexpected::Option, "Option value"),
        (Unexpected::NewtypeStruct, "newtype struct"),
        (Unexpected::Seq, "sequence"),
        (Unexpected::Map, "map"),
        (Unexpected::Enum, "enum"),
        (Unexpected::UnitVariant, "unit variant"),
        (Unexpected::NewtypeVariant, "newtype variant"),
        (Unexpected::StructVariant, "struct variant"),
        (Unexpected::Other("a cat"), "a cat"),
    ];
    for (unexpected, text) in cases {
        assert_eq!(unexpected.to_string(), text);
    }
}

#[test]
fn expected_prints_through_dyn() {
    let exp: &dyn Expected = &"a nick";
    assert_eq!(exp.to_string(), "a nick");
}

#[test]
fn simple_error_is_both_a_ser_and_a_de_error() {
    let ser: Error = serdy::ser::Error::custom("from ser");
    assert_eq!(ser.message(), "from ser");
    let boxed: Box<dyn std::error::Error> = Box::new(ser);
    assert_eq!(boxed.to_string(), "from ser");
}
