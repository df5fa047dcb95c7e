//! Random token streams never make a `Deserialize` impl panic, neither the
//! std ones nor derived ones of every shape and attribute: every malformed
//! input is an error. Seeded, so a failure can be replayed
//! (`SERDY_SEED=<n>` picks the seed, `SERDY_CASES=<n>` the count).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use std::time::Duration;

use serdy::de::IgnoredAny;
use serdy::test_tokens::{Token, TokenDeserializer};
use serdy::Deserialize;
use testkit::{env_u64, Rng};

/// The tokens random streams are drawn from: a mix of scalars, headers
/// with honest and lying lengths, and stray end tokens.
const PALETTE: &[Token] = &[
    Token::Bool(true),
    Token::I8(-1),
    Token::I64(i64::MIN),
    Token::I128(i128::MAX),
    Token::U8(0),
    Token::U8(1),
    Token::U32(2),
    Token::U64(u64::MAX),
    Token::U128(u128::MAX),
    Token::F32(f32::NAN),
    Token::F64(1e300),
    Token::Char('é'),
    Token::Str("secs"),
    Token::Str("nanos"),
    Token::Str("Ok"),
    Token::BorrowedStr("x"),
    Token::String("Err"),
    Token::Bytes(b"\xff"),
    Token::BorrowedBytes(b"ok"),
    Token::None,
    Token::Some,
    Token::Unit,
    Token::UnitStruct {
        name: "PhantomData",
    },
    Token::NewtypeStruct { name: "N" },
    Token::UnitVariant {
        name: "Result",
        index: 0,
        variant: "Ok",
    },
    Token::NewtypeVariant {
        name: "Result",
        index: 1,
        variant: "Err",
    },
    Token::TupleVariant {
        name: "Result",
        index: 7,
        variant: "Ok",
        len: 1,
    },
    Token::StructVariant {
        name: "Result",
        index: 0,
        variant: "Err",
        len: 1,
    },
    Token::Seq {
        len: Some(usize::MAX),
    },
    Token::Seq { len: None },
    Token::SeqEnd,
    Token::Tuple { len: 2 },
    Token::TupleEnd,
    Token::TupleStruct { name: "T", len: 1 },
    Token::TupleStructEnd,
    Token::TupleVariantEnd,
    Token::Map { len: Some(3) },
    Token::MapEnd,
    Token::Struct {
        name: "Duration",
        len: 2,
    },
    Token::StructEnd,
    Token::StructVariantEnd,
];

/// Deserializes a `T` from `tokens`, which must not panic; the result
/// itself does not matter.
fn try_decode<'de, T: Deserialize<'de> + Debug>(tokens: &'de [Token]) {
    let mut de = TokenDeserializer::new(tokens);
    let _ = T::deserialize(&mut de);
    let mut de = TokenDeserializer::new(tokens).human_readable(false);
    let _ = T::deserialize(&mut de);
}

type Rich = (
    Vec<Option<String>>,
    Result<Duration, [u8; 2]>,
    BTreeMap<String, VecDeque<i64>>,
    HashMap<u8, (char, f32)>,
    HashSet<bool>,
    Box<Option<u128>>,
);

/// Runs `decode` on `SERDY_CASES` token streams that `fill` draws from a
/// PRNG seeded with `SERDY_SEED` (or `default_seed`); a panic fails the
/// test with the seed, the case and its tokens.
fn run_cases(
    default_seed: u64,
    mut fill: impl FnMut(&mut Rng, u64, &mut Vec<Token>),
    decode: fn(&[Token]),
) {
    let seed = env_u64("SERDY_SEED", default_seed);
    let cases = env_u64("SERDY_CASES", 20_000);
    let mut rng = Rng::new(seed);
    let mut tokens = Vec::new();
    for case in 0..cases {
        tokens.clear();
        fill(&mut rng, case, &mut tokens);
        let outcome = std::panic::catch_unwind(|| decode(&tokens));
        assert!(
            outcome.is_ok(),
            "panic at case {} of seed {:#x}: {:?}",
            case,
            seed,
            tokens
        );
    }
}

fn decode_std(tokens: &[Token]) {
    try_decode::<Rich>(tokens);
    try_decode::<Duration>(tokens);
    try_decode::<Result<String, Vec<u8>>>(tokens);
    try_decode::<(u8, i16, Option<&str>)>(tokens);
    try_decode::<&[u8]>(tokens);
    try_decode::<[String; 3]>(tokens);
    try_decode::<IgnoredAny>(tokens);
}

#[test]
fn random_tokens_never_panic() {
    run_cases(
        0x5e7d_1e5e,
        |rng, _, tokens| {
            let len = 1 + rng.index(24);
            tokens.extend((0..len).map(|_| PALETTE[rng.index(PALETTE.len())]));
        },
        decode_std,
    );
}

// Derived impls: one type per shape, with every attribute.

#[derive(Deserialize, Debug)]
#[serdy(rename_all = "camelCase")]
#[allow(dead_code)]
struct Message<'a> {
    room_name: &'a str,
    #[serdy(default)]
    tags: Vec<String>,
    #[serdy(skip)]
    local: u8,
    #[serdy(rename = "n")]
    seq: Option<u64>,
    body: Body,
}

#[derive(Deserialize, Debug)]
#[serdy(deny_unknown_fields)]
#[allow(dead_code)]
enum Body {
    Ping,
    Text(String),
    Move(i8, i8),
    Join {
        room: String,
        #[serdy(default)]
        key: Option<u32>,
    },
    Empty {},
    Nothing(),
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Pair(u8, Box<Body>);

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Bodies(Vec<Body>);

#[derive(Deserialize, Debug)]
struct Marker;

#[derive(Deserialize, Debug)]
enum Never {}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Generic<T> {
    value: T,
    rest: Vec<T>,
}

/// Tokens the derived types above look for, so random streams reach past
/// the first header: their field and variant names and indices.
const NAMES: &[Token] = &[
    Token::Str("roomName"),
    Token::BorrowedStr("lobby"),
    Token::Str("tags"),
    Token::Str("local"),
    Token::Str("n"),
    Token::Str("body"),
    Token::Str("room"),
    Token::Str("key"),
    Token::Str("value"),
    Token::Str("rest"),
    Token::Bytes(b"room"),
    Token::U64(3),
    Token::U32(1),
    Token::Struct {
        name: "Message",
        len: 4,
    },
    Token::UnitVariant {
        name: "Body",
        index: 0,
        variant: "Ping",
    },
    Token::NewtypeVariant {
        name: "Body",
        index: 1,
        variant: "Text",
    },
    Token::TupleVariant {
        name: "Body",
        index: 2,
        variant: "Move",
        len: 2,
    },
    Token::StructVariant {
        name: "Body",
        index: 3,
        variant: "Join",
        len: 1,
    },
    Token::StructVariant {
        name: "Body",
        index: 4,
        variant: "Empty",
        len: 0,
    },
    Token::TupleVariant {
        name: "Body",
        index: 5,
        variant: "Nothing",
        len: 0,
    },
    Token::UnitVariant {
        name: "Body",
        index: 9,
        variant: "Shout",
    },
    Token::TupleStruct {
        name: "Pair",
        len: 2,
    },
    Token::NewtypeStruct { name: "Bodies" },
    Token::UnitStruct { name: "Marker" },
];

/// A well-formed `Message`: random edits of it reach deep into the
/// derived visitors.
const MESSAGE: &[Token] = &[
    Token::Struct {
        name: "Message",
        len: 4,
    },
    Token::Str("roomName"),
    Token::BorrowedStr("lobby"),
    Token::Str("tags"),
    Token::Seq { len: Some(1) },
    Token::Str("a"),
    Token::SeqEnd,
    Token::Str("n"),
    Token::Some,
    Token::U64(7),
    Token::Str("body"),
    Token::StructVariant {
        name: "Body",
        index: 3,
        variant: "Join",
        len: 2,
    },
    Token::Str("room"),
    Token::Str("r"),
    Token::Str("key"),
    Token::None,
    Token::StructVariantEnd,
    Token::StructEnd,
];

fn decode_derived(tokens: &[Token]) {
    try_decode::<Message<'_>>(tokens);
    try_decode::<Body>(tokens);
    try_decode::<Pair>(tokens);
    try_decode::<Bodies>(tokens);
    try_decode::<Marker>(tokens);
    try_decode::<Never>(tokens);
    try_decode::<Generic<Body>>(tokens);
}

/// A random token, from either palette.
fn any_token(rng: &mut Rng) -> Token {
    let all = PALETTE.len() + NAMES.len();
    match rng.index(all) {
        i if i < PALETTE.len() => PALETTE[i],
        i => NAMES[i - PALETTE.len()],
    }
}

#[test]
fn derived_impls_never_panic() {
    run_cases(
        0xde71_7ed5,
        |rng, case, tokens| {
            if case % 2 == 0 {
                // Random streams.
                let len = 1 + rng.index(24);
                tokens.extend((0..len).map(|_| any_token(rng)));
                return;
            }
            // A valid message with one to three tokens replaced, inserted
            // or removed.
            tokens.extend_from_slice(MESSAGE);
            for _ in 0..1 + rng.index(3) {
                let at = rng.index(tokens.len());
                match rng.index(3) {
                    0 => tokens[at] = any_token(rng),
                    1 => tokens.insert(at, any_token(rng)),
                    _ => {
                        tokens.remove(at);
                    }
                }
                if tokens.is_empty() {
                    tokens.push(any_token(rng));
                }
            }
        },
        decode_derived,
    );
}

#[test]
fn the_valid_message_decodes() {
    let mut de = TokenDeserializer::new(MESSAGE);
    let message = Message::deserialize(&mut de).unwrap();
    assert_eq!(message.room_name, "lobby");
    assert_eq!(message.seq, Some(7));
    assert!(matches!(message.body, Body::Join { key: None, .. }));
    assert!(de.remaining().is_empty());
}
