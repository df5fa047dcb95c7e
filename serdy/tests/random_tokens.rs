//! Random token streams never make a std `Deserialize` impl panic: every
//! malformed input is an error. Seeded, so a failure can be replayed
//! (`SERDY_SEED=<n>` picks the seed, `SERDY_CASES=<n>` the count).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use std::time::Duration;

use serdy::de::{Deserialize, IgnoredAny};
use serdy::test_tokens::{Token, TokenDeserializer};

/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's
/// xorshift generators, scrambled", 2016); a zero seed is replaced.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

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

#[test]
fn random_tokens_never_panic() {
    let seed = env_or("SERDY_SEED", 0x5e7d_1e5e);
    let cases = env_or("SERDY_CASES", 20_000);
    let mut rng = Rng::new(seed);
    let mut tokens = Vec::new();
    for case in 0..cases {
        tokens.clear();
        let len = 1 + rng.below(24);
        tokens.extend((0..len).map(|_| PALETTE[rng.below(PALETTE.len())]));
        let outcome = std::panic::catch_unwind(|| {
            try_decode::<Rich>(&tokens);
            try_decode::<Duration>(&tokens);
            try_decode::<Result<String, Vec<u8>>>(&tokens);
            try_decode::<(u8, i16, Option<&str>)>(&tokens);
            try_decode::<&[u8]>(&tokens);
            try_decode::<[String; 3]>(&tokens);
            try_decode::<IgnoredAny>(&tokens);
        });
        assert!(
            outcome.is_ok(),
            "panic at case {} of seed {:#x}: {:?}",
            case,
            seed,
            tokens
        );
    }
}
