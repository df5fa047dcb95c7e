//! `#[serdy(...)]`: rename, rename_all, skip, default, deny_unknown_fields,
//! and what happens to unknown, missing and duplicate fields.

mod util;

use serdy::{Deserialize, Serialize};
use util::{from_value, map, round_trip, s, to_value, Mode, Value};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serdy(rename = "Person")]
struct Renamed {
    #[serdy(rename = "userName")]
    name: String,
    age: u8,
}

#[test]
fn rename_field() {
    let value = Renamed {
        name: "ann".into(),
        age: 30,
    };
    let (named, _) = round_trip(&value);
    assert_eq!(
        named,
        map(&[("userName", s("ann")), ("age", Value::U64(30))])
    );
    // The Rust name is unknown on the wire, hence ignored, hence `userName`
    // is missing.
    let input = map(&[("name", s("ann")), ("age", Value::U64(30))]);
    let err = from_value::<Renamed>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "missing field `userName`");
}

macro_rules! rename_all_struct {
    ($ty:ident, $rule:literal) => {
        #[derive(Serialize, Deserialize, PartialEq, Debug, Default)]
        #[serdy(rename_all = $rule)]
        struct $ty {
            user_id: u8,
            x: u8,
        }
    };
}

rename_all_struct!(Lower, "lowercase");
rename_all_struct!(Upper, "UPPERCASE");
rename_all_struct!(Pascal, "PascalCase");
rename_all_struct!(Camel, "camelCase");
rename_all_struct!(Snake, "snake_case");
rename_all_struct!(ScreamingSnake, "SCREAMING_SNAKE_CASE");
rename_all_struct!(Kebab, "kebab-case");
rename_all_struct!(ScreamingKebab, "SCREAMING-KEBAB-CASE");

fn keys(value: &Value) -> Vec<String> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .map(|(key, _)| match key {
                Value::Str(key) => key.clone(),
                other => panic!("non-string key {other:?}"),
            })
            .collect(),
        other => panic!("not a map: {other:?}"),
    }
}

#[test]
fn rename_all_on_struct_fields() {
    let cases = [
        (keys(&round_trip(&Lower::default()).0), ["user_id", "x"]),
        (keys(&round_trip(&Upper::default()).0), ["USER_ID", "X"]),
        (keys(&round_trip(&Pascal::default()).0), ["UserId", "X"]),
        (keys(&round_trip(&Camel::default()).0), ["userId", "x"]),
        (keys(&round_trip(&Snake::default()).0), ["user_id", "x"]),
        (
            keys(&round_trip(&ScreamingSnake::default()).0),
            ["USER_ID", "X"],
        ),
        (keys(&round_trip(&Kebab::default()).0), ["user-id", "x"]),
        (
            keys(&round_trip(&ScreamingKebab::default()).0),
            ["USER-ID", "X"],
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

macro_rules! rename_all_enum {
    ($ty:ident, $rule:literal) => {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        #[serdy(rename_all = $rule)]
        enum $ty {
            UserJoined,
            #[serdy(rename = "custom")]
            Left,
        }
    };
}

rename_all_enum!(ELower, "lowercase");
rename_all_enum!(EUpper, "UPPERCASE");
rename_all_enum!(EPascal, "PascalCase");
rename_all_enum!(ECamel, "camelCase");
rename_all_enum!(ESnake, "snake_case");
rename_all_enum!(EScreamingSnake, "SCREAMING_SNAKE_CASE");
rename_all_enum!(EKebab, "kebab-case");
rename_all_enum!(EScreamingKebab, "SCREAMING-KEBAB-CASE");

fn variant_name(value: &Value) -> &'static str {
    match value {
        Value::Variant { name, .. } => name,
        other => panic!("not a variant: {other:?}"),
    }
}

#[test]
fn rename_all_on_enum_variants() {
    let cases = [
        (
            variant_name(&round_trip(&ELower::UserJoined).0),
            "userjoined",
        ),
        (
            variant_name(&round_trip(&EUpper::UserJoined).0),
            "USERJOINED",
        ),
        (
            variant_name(&round_trip(&EPascal::UserJoined).0),
            "UserJoined",
        ),
        (
            variant_name(&round_trip(&ECamel::UserJoined).0),
            "userJoined",
        ),
        (
            variant_name(&round_trip(&ESnake::UserJoined).0),
            "user_joined",
        ),
        (
            variant_name(&round_trip(&EScreamingSnake::UserJoined).0),
            "USER_JOINED",
        ),
        (
            variant_name(&round_trip(&EKebab::UserJoined).0),
            "user-joined",
        ),
        (
            variant_name(&round_trip(&EScreamingKebab::UserJoined).0),
            "USER-JOINED",
        ),
        // An explicit rename wins over the rule.
        (variant_name(&round_trip(&ECamel::Left).0), "custom"),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum Event {
    #[serdy(rename_all = "camelCase")]
    Moved { from_room: String, to_room: String },
}

#[test]
fn rename_all_on_a_struct_variant_renames_its_fields() {
    let value = Event::Moved {
        from_room: "a".into(),
        to_room: "b".into(),
    };
    let (named, _) = round_trip(&value);
    let Value::Variant { content, .. } = named else {
        panic!("not a variant")
    };
    assert_eq!(*content, map(&[("fromRoom", s("a")), ("toRoom", s("b"))]));
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Skipping {
    a: u8,
    #[serdy(skip)]
    cache: Vec<u8>,
    b: u8,
}

#[test]
fn skip_is_not_written_and_reads_as_default() {
    let value = Skipping {
        a: 1,
        cache: vec![9, 9],
        b: 2,
    };
    let named = to_value(&value, Mode::Named);
    assert_eq!(named, map(&[("a", Value::U64(1)), ("b", Value::U64(2))]));
    let positional = to_value(&value, Mode::Positional);
    assert_eq!(positional, Value::Seq(vec![Value::U64(1), Value::U64(2)]));
    let expected = Skipping {
        a: 1,
        cache: vec![],
        b: 2,
    };
    assert_eq!(from_value::<Skipping>(&named, Mode::Named), Ok(expected));
    let expected = Skipping {
        a: 1,
        cache: vec![],
        b: 2,
    };
    assert_eq!(
        from_value::<Skipping>(&positional, Mode::Positional),
        Ok(expected)
    );
    // A skipped field's name in the input is just an unknown field.
    let input = map(&[
        ("a", Value::U64(1)),
        ("cache", Value::Unit),
        ("b", Value::U64(2)),
    ]);
    assert_eq!(
        from_value::<Skipping>(&input, Mode::Named).map(|v| v.b),
        Ok(2)
    );
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct SkipTuple(u8, #[serdy(skip)] String, u8);

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum SkipInVariants {
    Tuple(u8, #[serdy(skip)] String, u8),
    Struct {
        #[serdy(skip)]
        hidden: u32,
        shown: u32,
    },
}

#[test]
fn skip_in_tuples_and_variants() {
    let (named, _) = round_trip(&SkipTuple(1, String::new(), 2));
    assert_eq!(named, Value::Seq(vec![Value::U64(1), Value::U64(2)]));
    let value = SkipTuple(1, "gone".into(), 2);
    let back: SkipTuple = from_value(&to_value(&value, Mode::Named), Mode::Named).unwrap();
    assert_eq!(back, SkipTuple(1, String::new(), 2));

    round_trip(&SkipInVariants::Tuple(1, String::new(), 2));
    let (named, positional) = round_trip(&SkipInVariants::Struct {
        hidden: 0,
        shown: 5,
    });
    let Value::Variant { content, .. } = named else {
        panic!("not a variant")
    };
    assert_eq!(*content, map(&[("shown", Value::U64(5))]));
    let Value::Variant { content, .. } = positional else {
        panic!("not a variant")
    };
    assert_eq!(*content, Value::Seq(vec![Value::U64(5)]));
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Defaults {
    required: u8,
    #[serdy(default)]
    tags: Vec<String>,
    #[serdy(default)]
    level: u32,
}

#[test]
fn default_fills_missing_fields() {
    let input = map(&[("required", Value::U64(1))]);
    let value: Defaults = from_value(&input, Mode::Named).unwrap();
    assert_eq!(
        value,
        Defaults {
            required: 1,
            tags: vec![],
            level: 0
        }
    );
    // Present fields are read as usual, and `default` fields are still written.
    let (named, _) = round_trip(&Defaults {
        required: 1,
        tags: vec!["x".into()],
        level: 3,
    });
    assert_eq!(keys(&named), ["required", "tags", "level"]);
    // In a seq, a `default` field may be cut off at the end.
    let input = Value::Seq(vec![Value::U64(1)]);
    let value: Defaults = from_value(&input, Mode::Positional).unwrap();
    assert_eq!(
        value,
        Defaults {
            required: 1,
            tags: vec![],
            level: 0
        }
    );
}

#[test]
fn missing_field_is_an_error() {
    let input = map(&[("tags", Value::Seq(vec![]))]);
    let err = from_value::<Defaults>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "missing field `required`");
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Optional {
    nick: Option<String>,
}

#[test]
fn missing_option_field_is_none_as_in_serde() {
    let value: Optional = from_value(&map(&[]), Mode::Named).unwrap();
    assert_eq!(value, Optional { nick: None });
}

#[test]
fn duplicate_field_is_an_error() {
    let input = map(&[("required", Value::U64(1)), ("required", Value::U64(2))]);
    let err = from_value::<Defaults>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "duplicate field `required`");
}

#[test]
fn unknown_fields_are_ignored_by_default() {
    let input = map(&[
        ("extra", map(&[("deep", Value::Seq(vec![Value::Unit]))])),
        ("required", Value::U64(4)),
        ("more", s("x")),
    ]);
    let value: Defaults = from_value(&input, Mode::Named).unwrap();
    assert_eq!(value.required, 4);
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serdy(deny_unknown_fields)]
struct Strict {
    a: u8,
    #[serdy(rename = "B")]
    b: u8,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serdy(deny_unknown_fields)]
enum StrictEnum {
    V { a: u8 },
}

#[test]
fn deny_unknown_fields_rejects_them() {
    round_trip(&Strict { a: 1, b: 2 });
    let input = map(&[
        ("a", Value::U64(1)),
        ("c", Value::U64(3)),
        ("B", Value::U64(2)),
    ]);
    let err = from_value::<Strict>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "unknown field `c`, expected `a` or `B`");
    let input = Value::Map(vec![(Value::Bytes(b"zz".to_vec()), Value::U64(1))]);
    let err = from_value::<Strict>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "unknown field `zz`, expected `a` or `B`");
    let input = Value::Map(vec![(Value::U64(2), Value::U64(1))]);
    let err = from_value::<Strict>(&input, Mode::Named).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid value: integer `2`, expected field index 0 <= i < 2"
    );

    round_trip(&StrictEnum::V { a: 1 });
    let content = map(&[("a", Value::U64(1)), ("b", Value::U64(2))]);
    let input = Value::Variant {
        index: 0,
        name: "V",
        content: Box::new(content),
    };
    let err = from_value::<StrictEnum>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "unknown field `b`, expected `a`");
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serdy(deny_unknown_fields)]
struct StrictEmpty {}

#[test]
fn deny_unknown_fields_on_an_empty_struct() {
    round_trip(&StrictEmpty {});
    let input = map(&[("a", Value::U64(1))]);
    let err = from_value::<StrictEmpty>(&input, Mode::Named).unwrap_err();
    assert_eq!(err.message(), "unknown field `a`, there are no fields");
}
