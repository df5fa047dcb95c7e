//! Generic containers get exactly the bounds they need; lifetimes let
//! fields borrow from the input without copying.

mod util;

use std::borrow::Cow;
use std::marker::PhantomData;

use serdy::de::DeserializeOwned;
use serdy::{Deserialize, Serialize};
use util::{from_value, map, round_trip, s, to_value, Mode, Value};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Wrapper<T> {
    inner: T,
    list: Vec<T>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum Either<L, R> {
    Left(L),
    Right { value: R },
}

#[test]
fn generic_struct_and_enum() {
    round_trip(&Wrapper {
        inner: 1u8,
        list: vec![2, 3],
    });
    round_trip(&Wrapper {
        inner: "x".to_string(),
        list: vec![],
    });
    round_trip(&Either::<u8, String>::Left(1));
    round_trip(&Either::<u8, String>::Right { value: "r".into() });
}

/// Not `Serialize`, not `Deserialize`, not `Default`: only usable where no
/// bound asks for any of those.
#[derive(PartialEq, Debug)]
struct Opaque;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Tagged<T, U> {
    id: u32,
    marker: PhantomData<T>,
    #[serdy(skip)]
    local: Option<U>,
}

fn assert_serialize<T: Serialize>() {}
fn assert_deserialize_owned<T: DeserializeOwned>() {}

#[test]
fn phantom_and_skipped_parameters_are_not_bounded() {
    // `T` only appears in `PhantomData`, `U` only in a skipped field whose
    // type (`Option<U>`) is `Default` whatever `U` is.
    assert_serialize::<Tagged<Opaque, Opaque>>();
    assert_deserialize_owned::<Tagged<Opaque, Opaque>>();
    round_trip(&Tagged::<Opaque, Opaque> {
        id: 3,
        marker: PhantomData,
        local: None,
    });
}

/// `T` appears only inside a `PhantomData` nested in another type.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Markers<T> {
    markers: Vec<PhantomData<T>>,
}

/// Fields of an associated type and of the parameter itself: the impl
/// needs `I::Item: Serialize` and `I: Serialize` (it compiles only if the
/// associated type is bounded on its own).
#[derive(Serialize, Deserialize)]
#[allow(dead_code)]
struct Peeked<I: Iterator> {
    item: I::Item,
    rest: Option<I>,
    #[serdy(skip)]
    skipped: Option<I::Item>,
}

/// An iterator that is neither `Serialize` nor `Deserialize`.
struct Numbers;

impl Iterator for Numbers {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        None
    }
}

#[test]
fn nested_phantom_data_and_associated_types_are_bounded_precisely() {
    assert_serialize::<Markers<Opaque>>();
    assert_deserialize_owned::<Markers<Opaque>>();
    assert_serialize::<Only<Numbers>>();
    assert_deserialize_owned::<Only<Numbers>>();
    let value = to_value(&Only::<Numbers> { item: 7 }, Mode::Named);
    let back: Only<Numbers> = from_value(&value, Mode::Named).unwrap();
    assert_eq!(back.item, 7);
}

/// Only an associated type is used: the bound belongs on `I::Item`, and
/// `Numbers`, neither `Serialize` nor `Deserialize`, needs none.
#[derive(Serialize, Deserialize)]
struct Only<I: Iterator> {
    item: I::Item,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct WithDefault<T> {
    #[serdy(default)]
    value: T,
}

#[test]
fn default_field_parameters_are_bounded_by_default() {
    let value: WithDefault<Vec<u8>> = from_value(&map(&[]), Mode::Named).unwrap();
    assert_eq!(value, WithDefault { value: vec![] });
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Bounded<T: Clone>
where
    T: PartialEq,
{
    value: T,
}

#[test]
fn user_bounds_and_where_clauses_are_kept() {
    round_trip(&Bounded { value: 5u8 });
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Sized<const N: usize> {
    bytes: [u8; N],
}

#[test]
fn const_generics() {
    round_trip(&Sized::<3> { bytes: [1, 2, 3] });
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Node {
    value: u8,
    next: Option<Box<Self>>,
}

#[test]
fn self_in_field_types() {
    round_trip(&Node {
        value: 1,
        next: Some(Box::new(Node {
            value: 2,
            next: None,
        })),
    });
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Borrowed<'a> {
    room: &'a str,
    owned: String,
}

/// `&[u8]` serializes as a sequence (as in serde), so this one is only
/// deserialized, from bytes.
#[derive(Deserialize, PartialEq, Debug)]
struct RawBytes<'a> {
    raw: &'a [u8],
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum BorrowedMsg<'a, T> {
    Say {
        room: &'a str,
        text: &'a str,
        extra: T,
    },
    Quote(&'a str),
}

fn assert_points_into(part: &str, whole: &Value) {
    let Value::Str(text) = whole else {
        panic!("not a string: {whole:?}")
    };
    assert_eq!(part.as_ptr(), text.as_ptr(), "`{part}` was copied");
}

#[test]
fn borrowed_str_fields_point_into_the_input() {
    let input = Value::Map(vec![(s("room"), s("lobby")), (s("owned"), s("copy"))]);
    let value: Borrowed<'_> = from_value(&input, Mode::Named).unwrap();
    assert_eq!(
        value,
        Borrowed {
            room: "lobby",
            owned: "copy".into()
        }
    );
    let Value::Map(entries) = &input else {
        unreachable!()
    };
    assert_points_into(value.room, &entries[0].1);

    // The positional path borrows too.
    let positional = to_value(&value, Mode::Positional);
    let again: Borrowed<'_> = from_value(&positional, Mode::Positional).unwrap();
    let Value::Seq(items) = &positional else {
        unreachable!()
    };
    assert_points_into(again.room, &items[0]);

    let input = Value::Map(vec![(s("raw"), Value::Bytes(b"\x00\x01".to_vec()))]);
    let value: RawBytes<'_> = from_value(&input, Mode::Named).unwrap();
    let Value::Map(entries) = &input else {
        unreachable!()
    };
    let Value::Bytes(raw) = &entries[0].1 else {
        unreachable!()
    };
    assert_eq!(
        (value.raw, value.raw.as_ptr()),
        (&b"\x00\x01"[..], raw.as_ptr())
    );
}

#[test]
fn borrowed_fields_in_generic_enum_variants() {
    let value = BorrowedMsg::Say {
        room: "lobby",
        text: "hi",
        extra: 7u32,
    };
    let named = to_value(&value, Mode::Named);
    let back: BorrowedMsg<'_, u32> = from_value(&named, Mode::Named).unwrap();
    assert_eq!(back, value);
    let Value::Variant { content, .. } = &named else {
        unreachable!()
    };
    let Value::Map(entries) = &**content else {
        unreachable!()
    };
    let BorrowedMsg::Say { text, .. } = back else {
        unreachable!()
    };
    assert_points_into(text, &entries[1].1);

    let quote = BorrowedMsg::<u32>::Quote("q");
    let positional = to_value(&quote, Mode::Positional);
    let back: BorrowedMsg<'_, u32> = from_value(&positional, Mode::Positional).unwrap();
    let (BorrowedMsg::Quote(q), Value::Variant { content, .. }) = (back, &positional) else {
        unreachable!()
    };
    assert_points_into(q, content);
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Nested<'a> {
    inner: Borrowed<'a>,
    names: Vec<&'a str>,
    maybe: Option<&'a str>,
}

#[test]
fn lifetimes_inside_other_types_are_bounded_too() {
    let value = Nested {
        inner: Borrowed {
            room: "r",
            owned: String::new(),
        },
        names: vec!["a", "b"],
        maybe: Some("m"),
    };
    let named = to_value(&value, Mode::Named);
    let back: Nested<'_> = from_value(&named, Mode::Named).unwrap();
    assert_eq!(back, value);
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct CowText<'a> {
    text: Cow<'a, str>,
}

#[test]
fn cow_fields() {
    let input = map(&[("text", s("hello"))]);
    let value: CowText<'_> = from_value(&input, Mode::Named).unwrap();
    assert_eq!(value.text, "hello");
}
