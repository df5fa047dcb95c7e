//! The JSON format: field names, renames, escaping, numbers, errors.

use std::collections::BTreeMap;

use chat::fmt::json::{self, Error};
use chat::protocol::{ClientMsg, ErrorCode, RoomInfo, ServerMsg};
use serdy::{Deserialize, Serialize};

#[track_caller]
fn both<T>(value: T, text: &str)
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    assert_eq!(json::to_string(&value).unwrap(), text);
    assert_eq!(json::from_str::<T>(text).unwrap(), value);
}

#[test]
fn protocol_messages_use_their_field_names() {
    both(
        ClientMsg::Hello {
            version: 1,
            nick: "ann".into(),
        },
        r#"{"Hello":{"version":1,"nick":"ann"}}"#,
    );
    both(ClientMsg::ListRooms, r#""ListRooms""#);
    both(
        ClientMsg::Ping { nonce: u64::MAX },
        r#"{"Ping":{"nonce":18446744073709551615}}"#,
    );
    both(
        ServerMsg::Rooms {
            rooms: vec![RoomInfo {
                name: "lobby".into(),
                members: 2,
            }],
        },
        r#"{"Rooms":{"rooms":[{"name":"lobby","members":2}]}}"#,
    );
    both(
        ServerMsg::Error {
            code: ErrorCode::SlowConsumer,
            detail: String::new(),
        },
        r#"{"Error":{"code":"SlowConsumer","detail":""}}"#,
    );
    // Fields in any order, whitespace anywhere, unknown fields ignored.
    let msg: ServerMsg = json::from_str(
        " { \"Joined\" : { \"nick\" : \"ann\" , \"extra\": [1, {\"a\": null}], \"room\":\"r\" } } ",
    )
    .unwrap();
    assert_eq!(
        msg,
        ServerMsg::Joined {
            room: "r".into(),
            nick: "ann".into()
        }
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serdy(rename_all = "camelCase")]
struct Renamed {
    user_name: String,
    #[serdy(rename = "n")]
    count: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serdy(rename_all = "snake_case")]
enum Event {
    UserJoined,
    #[serdy(rename = "msg")]
    MessagePosted {
        room_name: String,
    },
}

#[test]
fn renames_show_in_the_text() {
    both(
        Renamed {
            user_name: "ann".into(),
            count: 3,
        },
        r#"{"userName":"ann","n":3}"#,
    );
    both(Event::UserJoined, r#""user_joined""#);
    both(
        Event::MessagePosted {
            room_name: "r".into(),
        },
        r#"{"msg":{"room_name":"r"}}"#,
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Kind {
    Unit,
    Newtype(u8),
    Tuple(u8, i8),
    Struct { x: u16, y: bool },
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum Color {
    Red,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(u32);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Point(i32, i32);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Nothing;

#[test]
fn data_model_shapes() {
    both(Kind::Unit, r#""Unit""#);
    both(Kind::Newtype(5), r#"{"Newtype":5}"#);
    both(Kind::Tuple(1, -1), r#"{"Tuple":[1,-1]}"#);
    both(
        Kind::Struct { x: 7, y: true },
        r#"{"Struct":{"x":7,"y":true}}"#,
    );
    assert_eq!(
        json::from_str::<Kind>(r#"{"Unit":null}"#).unwrap(),
        Kind::Unit
    );
    both(Meters(3), "3");
    both(Point(1, -2), "[1,-2]");
    both(Nothing, "null");
    both((), "null");
    both(None::<u8>, "null");
    both(Some(1u8), "1");
    both(vec![1u8, 2], "[1,2]");
    both(Vec::<u8>::new(), "[]");
    both((1u8, "a".to_string(), false), r#"[1,"a",false]"#);
    both([1u8, 2, 3], "[1,2,3]");
    both(
        BTreeMap::from([("a".to_string(), 1u8), ("b".to_string(), 2)]),
        r#"{"a":1,"b":2}"#,
    );
    both(BTreeMap::<String, u8>::new(), "{}");
    // Non-string keys are written as strings and parsed back.
    both(
        BTreeMap::from([(1u32, true), (20, false)]),
        r#"{"1":true,"20":false}"#,
    );
    both(BTreeMap::from([(-5i64, 'x')]), r#"{"-5":"x"}"#);
    both(BTreeMap::from([(Color::Red, 1u8)]), r#"{"Red":1}"#);
    assert_eq!(
        json::to_string(&BTreeMap::from([((1u8, 2u8), 3u8)])),
        Err(Error::KeyMustBeString)
    );
    assert!(json::from_str::<BTreeMap<u32, u8>>(r#"{"x":1}"#).is_err());
}

#[test]
fn integers_are_exact() {
    both(u64::MAX, "18446744073709551615");
    both(i64::MIN, "-9223372036854775808");
    both(u128::MAX, "340282366920938463463374607431768211455");
    both(i128::MIN, "-170141183460469231731687303715884105728");
    both(0u8, "0");
    both(-1i8, "-1");
    assert!(json::from_str::<u8>("256").is_err());
    assert!(json::from_str::<u32>("-1").is_err());
    assert!(json::from_str::<u64>("1.5").is_err());
}

#[test]
fn floats_use_the_shortest_text_that_reads_back() {
    both(0.1f64, "0.1");
    both(1.0f64, "1.0");
    both(-0.0f64, "-0.0");
    both(1e300f64, "1e300");
    both(f64::MIN_POSITIVE, "2.2250738585072014e-308");
    both(0.1f32, "0.1");
    both(f32::MAX, "3.4028235e38");
    assert_eq!(json::to_string(&f64::NAN).unwrap(), "null");
    assert_eq!(json::to_string(&f32::NEG_INFINITY).unwrap(), "null");
    // Integers in the text are fine for floats.
    assert_eq!(json::from_str::<f64>("3").unwrap(), 3.0);
    assert_eq!(json::from_str::<f64>("-2E-2").unwrap(), -0.02);
    for bad in ["01", "1.", ".5", "-", "1e", "+1", "0x10", "NaN"] {
        assert!(json::from_str::<f64>(bad).is_err(), "{bad}");
    }
}

#[test]
fn strings_are_escaped_for_terminals() {
    both("plain".to_string(), r#""plain""#);
    both("q\"b\\s/".to_string(), r#""q\"b\\s/""#);
    both("\n\r\t\u{8}\u{c}".to_string(), r#""\n\r\t\b\f""#);
    both("\u{0}\u{1b}[31m".to_string(), r#""\u0000\u001b[31m""#);
    both(
        "del\u{7f} c1\u{85}\u{9b}".to_string(),
        r#""del\u007f c1\u0085\u009b""#,
    );
    both(
        "héllo wörld 😀 \u{a0}".to_string(),
        "\"héllo wörld 😀 \u{a0}\"",
    );
    both('\u{1b}', r#""\u001b""#);
    both('é', "\"é\"");
}

#[test]
fn escapes_are_decoded() {
    let s: String = json::from_str(r#""a\u00e9\ud83d\ude00\/\"""#).unwrap();
    assert_eq!(s, "aé😀/\"");
    assert!(
        json::from_str::<String>(r#""\ud83d""#).is_err(),
        "lone high surrogate"
    );
    assert!(
        json::from_str::<String>(r#""\ude00""#).is_err(),
        "lone low surrogate"
    );
    assert!(json::from_str::<String>(r#""\ud83d\u0041""#).is_err());
    assert!(json::from_str::<String>(r#""\x""#).is_err());
    assert!(json::from_str::<String>(r#""\u12""#).is_err());
    assert!(json::from_str::<String>("\"raw\ncontrol\"").is_err());
    assert_eq!(
        json::from_str::<String>("\"unterminated"),
        Err(Error::UnexpectedEnd)
    );
}

#[test]
fn strings_without_escapes_are_borrowed() {
    let text = r#"["abc","d\"e"]"#;
    let (a, b): (&str, String) = json::from_str(text).unwrap();
    assert_eq!((a, b.as_str()), ("abc", "d\"e"));
    assert!(std::ptr::eq(a.as_ptr(), text[2..].as_ptr()), "no copy");
    // A &str cannot hold a string that had to be unescaped.
    assert!(json::from_str::<&str>(r#""d\"e""#).is_err());
}

#[test]
fn bytes_are_arrays_of_numbers() {
    struct Raw<'a>(&'a [u8]);
    impl Serialize for Raw<'_> {
        fn serialize<S: serdy::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    assert_eq!(json::to_string(&Raw(&[0, 255, 7])).unwrap(), "[0,255,7]");
    assert_eq!(json::to_string(&Raw(&[])).unwrap(), "[]");
}

#[test]
fn syntax_errors_say_where() {
    assert_eq!(json::from_str::<u8>(""), Err(Error::UnexpectedEnd));
    assert_eq!(json::from_str::<u8>("  "), Err(Error::UnexpectedEnd));
    assert_eq!(
        json::from_str::<Vec<u8>>("[1 2]"),
        Err(Error::Syntax {
            at: 3,
            expected: "`,` or `]`"
        })
    );
    assert_eq!(json::from_str::<Vec<u8>>("[1,"), Err(Error::UnexpectedEnd));
    assert!(json::from_str::<Vec<u8>>("[1,]").is_err());
    assert!(json::from_str::<BTreeMap<String, u8>>(r#"{"a" 1}"#).is_err());
    assert!(json::from_str::<BTreeMap<String, u8>>(r#"{"a":1,}"#).is_err());
    assert!(json::from_str::<BTreeMap<String, u8>>(r#"{1:1}"#).is_err());
    assert!(json::from_str::<bool>("tru").is_err());
    assert_eq!(
        json::from_str::<bool>("true false"),
        Err(Error::TrailingCharacters { at: 5 })
    );
    let e = json::from_str::<ClientMsg>(r#""Hello""#).unwrap_err();
    assert!(e.to_string().contains("Hello"), "{e}");
    let e = json::from_str::<ClientMsg>(r#"{"Nope":null}"#).unwrap_err();
    assert!(e.to_string().contains("Nope"), "{e}");
    let e = json::from_str::<RoomInfo>(r#"{"name":"x"}"#).unwrap_err();
    assert!(e.to_string().contains("members"), "{e}");
}

#[test]
fn nesting_is_limited() {
    let ok = format!(
        "{}{}",
        "[".repeat(json::MAX_DEPTH),
        "]".repeat(json::MAX_DEPTH)
    );
    assert!(json::from_str::<serdy::de::IgnoredAny>(&ok).is_ok());
    let deep = format!(
        "{}{}",
        "[".repeat(json::MAX_DEPTH + 1),
        "]".repeat(json::MAX_DEPTH + 1)
    );
    assert_eq!(
        json::from_str::<serdy::de::IgnoredAny>(&deep),
        Err(Error::TooDeep {
            at: json::MAX_DEPTH
        })
    );
    let hostile = "[".repeat(100_000);
    assert!(json::from_str::<serdy::de::IgnoredAny>(&hostile).is_err());
}
