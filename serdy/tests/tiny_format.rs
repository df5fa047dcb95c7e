//! The tiny data format of `serdy::writing_a_format`: the code that page
//! shows, compiled from the same files, with its worked examples and its
//! answers to bad input.

#![allow(dead_code)] // not every helper of the format is used by every test

include!("tiny_format/error.rs");
include!("tiny_format/ser.rs");
include!("tiny_format/de.rs");

use std::collections::BTreeMap;

#[derive(serdy::Serialize, serdy::Deserialize, Debug, PartialEq)]
struct Room<'a> {
    name: &'a str,
    members: Vec<String>,
    topic: Option<String>,
    seq: u64,
}

#[test]
fn worked_examples_encode_as_documented() {
    assert_eq!(to_string(&true).unwrap(), "T");
    assert_eq!(to_string(&-7i32).unwrap(), "i-7;");
    assert_eq!(to_string(&300u16).unwrap(), "u300;");
    assert_eq!(to_string("héllo").unwrap(), "s6:héllo");
    assert_eq!(to_string(&None::<u8>).unwrap(), "n");
    assert_eq!(to_string(&Some(1u8)).unwrap(), "yu1;");
    assert_eq!(to_string(&()).unwrap(), "-");
    assert_eq!(to_string(&vec![1u8, 2]).unwrap(), "[u1;u2;]");
    let map: BTreeMap<&str, bool> = [("a", true), ("b", false)].into();
    assert_eq!(to_string(&map).unwrap(), "{s1:aTs1:bF}");
}

#[test]
fn a_derived_struct_round_trips() {
    let room = Room {
        name: "rust",
        members: vec!["ann".into(), "bo".into()],
        topic: None,
        seq: 42,
    };
    let text = to_string(&room).unwrap();
    assert_eq!(
        text,
        "{s4:names4:rusts7:members[s3:anns2:bo]s5:topicns3:sequ42;}"
    );
    let back: Room<'_> = from_str(&text).unwrap();
    assert_eq!(back, room);
    // `name` is borrowed from the input, not copied.
    assert!(std::ptr::eq(back.name.as_ptr(), text[11..].as_ptr()));
}

#[test]
fn bad_input_gets_an_error_naming_the_byte() {
    let err = |input: &str| from_str::<Room<'_>>(input).unwrap_err().0;
    assert_eq!(err(""), "unexpected end of input at byte 0");
    assert_eq!(
        err("{s4:names99:rust}"),
        "string past the end of input at byte 12"
    );
    assert_eq!(err("{s3:sequ4x;}"), "invalid number at byte 8");
    assert_eq!(err("{s3:sequ42"), "unterminated number at byte 8");
    assert_eq!(err("?"), "unexpected character at byte 1");
    assert!(
        err("{s4:nameu1;}").contains("invalid type"),
        "{}",
        err("{s4:nameu1;}")
    );
    assert!(err("{}").contains("missing field"), "{}", err("{}"));
    let ok = to_string(&Room {
        name: "",
        members: vec![],
        topic: None,
        seq: 0,
    })
    .unwrap();
    assert_eq!(
        err(&format!("{ok}-")),
        format!("trailing characters at byte {}", ok.len())
    );
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let input = "[".repeat(100_000);
    let err = from_str::<serdy::de::IgnoredAny>(&input).unwrap_err();
    assert_eq!(err.0, "nested too deep at byte 65");
    let somes = "y".repeat(100_000);
    assert!(from_str::<serdy::de::IgnoredAny>(&somes).is_err());
}

#[test]
fn types_outside_the_format_are_refused_when_writing() {
    assert_eq!(
        to_string(&1.5f64).unwrap_err().0,
        "the tiny format has no floats"
    );
    assert_eq!(
        to_string(&(1u8, 2u8)).unwrap_err().0,
        "the tiny format has no tuples"
    );
    assert_eq!(
        to_string(&[1u8, 2]).unwrap_err().0,
        "the tiny format has no tuples"
    );
}
