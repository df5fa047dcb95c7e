//! Hostile input: decoding random and mutated bytes never panics and never
//! allocates more than a small multiple of the input.
//!
//! The allocation is measured with a counting global allocator
//! (`alloc_count`), which is why this is a test binary of its own.
//!
//! `CHAT_FUZZ_CASES` sets the number of binary inputs (default 1 000 000),
//! `CHAT_PROP_SEED` the seed.

mod alloc_count;
mod fmt_util;

use alloc_count::requested_by;
use chat::fmt::framed::FrameDecoder;
use chat::fmt::{binary, json};
use chat::protocol::{ClientMsg, ServerMsg};
use fmt_util::{seed, Floats, Inputs, Rich, Rng};
use testkit::env_u64;

#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

/// The worst allocation seen for one type.
#[derive(Default)]
struct Worst {
    bytes: usize,
    ratio: f64,
}

/// Decodes `input` as a `T` and checks that it requested at most
/// `allowance(input.len())` bytes.
fn check<T: for<'de> serdy::Deserialize<'de>>(
    input: &[u8],
    allowance: fn(usize) -> usize,
    worst: &mut Worst,
    seed: u64,
) {
    let (result, bytes) = requested_by(|| binary::from_bytes::<T>(input).map(drop));
    assert!(
        bytes <= allowance(input.len()),
        "seed {seed}: {bytes} bytes requested decoding {} bytes as {}: {input:02x?} ({result:?})",
        input.len(),
        std::any::type_name::<T>(),
    );
    worst.bytes = worst.bytes.max(bytes);
    worst.ratio = worst.ratio.max(bytes as f64 / input.len().max(1) as f64);
}

/// `ClientMsg` holds only strings, each allocated at its exact length: never
/// more than the input.
fn client_allowance(len: usize) -> usize {
    len
}

/// `ServerMsg` adds vectors whose capacity comes from a count checked
/// against the bytes left: at most one 32-byte `RoomInfo` (or 24-byte
/// `String`) per input byte, plus the strings.
fn server_allowance(len: usize) -> usize {
    33 * len
}

/// The rich type: up to ~56 bytes of memory per input byte (a boxed enum),
/// plus a fixed amount for the first node of each `BTreeMap`.
fn rich_allowance(len: usize) -> usize {
    64 * len + 4096
}

/// Valid encodings to mutate, so that inputs get past the first bytes.
fn corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..200 {
        out.push(binary::to_vec(&rng.rich(Floats::AnyBits)).unwrap());
    }
    let samples = [
        binary::to_vec(&ClientMsg::Hello {
            version: 1,
            nick: "ann".into(),
        }),
        binary::to_vec(&ClientMsg::Say {
            room: "lobby".into(),
            text: "héllo".into(),
        }),
        binary::to_vec(&ClientMsg::Ping { nonce: u64::MAX }),
        binary::to_vec(&ServerMsg::Users {
            room: "r".into(),
            nicks: vec!["a".into(), "b".into()],
        }),
        binary::to_vec(&ServerMsg::Rooms {
            rooms: vec![chat::protocol::RoomInfo {
                name: "x".into(),
                members: 3,
            }],
        }),
        binary::to_vec(&ServerMsg::Message {
            room: "r".into(),
            from: "f".into(),
            text: "t".into(),
            seq: 1,
            time_ms: 2,
        }),
    ];
    out.extend(samples.into_iter().map(Result::unwrap));
    out
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len() as u64) as usize;
                v[i] = rng.next_u64() as u8;
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len() as u64) as usize;
                v[i] = [0x00, 0x01, 0x7f, 0x80, 0xff][rng.below(5) as usize];
            }
            2 => {
                let cut = rng.below(v.len() as u64 + 1) as usize;
                v.truncate(cut);
            }
            3 => {
                let i = rng.below(v.len() as u64 + 1) as usize;
                let n = 1 + rng.below(10) as usize;
                let extra = rng.bytes(n);
                v.splice(i..i, extra);
            }
            4 if !v.is_empty() => {
                // A huge length or count where a small one was.
                let i = rng.below(v.len() as u64) as usize;
                v.splice(i..=i, [0xff, 0xff, 0xff, 0xff, 0x0f]);
            }
            _ => v.push(rng.next_u64() as u8),
        }
    }
    v
}

#[test]
fn random_bytes_never_panic_nor_overallocate() {
    let seed = seed(0xf022_0001);
    let mut rng = Rng::new(seed);
    let corpus = corpus(&mut rng);
    let cases = env_u64("CHAT_FUZZ_CASES", 1_000_000);
    let mut worst: [Worst; 3] = Default::default();
    for _ in 0..cases {
        let input = if rng.chance(2) {
            let len = rng.below(65) as usize;
            let mut v = rng.bytes(len);
            if len > 0 && rng.chance(2) {
                v[0] = rng.below(10) as u8; // a valid variant index
            }
            v
        } else {
            let base = &corpus[rng.below(corpus.len() as u64) as usize];
            mutate(&mut rng, base)
        };
        check::<ClientMsg>(&input, client_allowance, &mut worst[0], seed);
        check::<ServerMsg>(&input, server_allowance, &mut worst[1], seed);
        check::<Rich>(&input, rich_allowance, &mut worst[2], seed);
    }
    for (name, w) in ["ClientMsg", "ServerMsg", "Rich"].iter().zip(&worst) {
        eprintln!(
            "{name}: at most {} bytes requested, at most {:.1}x the input",
            w.bytes, w.ratio
        );
    }
}

#[test]
fn random_json_never_panics() {
    let seed = seed(0xf022_0002);
    let mut rng = Rng::new(seed);
    let mut texts: Vec<String> = (0..50)
        .map(|_| json::to_string(&rng.rich(Floats::Finite)).unwrap())
        .collect();
    texts.push(r#"{"Say":{"room":"lobby","text":"h\u00e9\"llo"}}"#.into());
    texts.push(r#"{"Rooms":{"rooms":[{"name":"a","members":1}]}}"#.into());
    const ALPHABET: &[u8] = b"{}[]\":,\\ntfu0123456789-.eE ";
    for _ in 0..env_u64("CHAT_FUZZ_CASES", 1_000_000) / 10 {
        let base = &texts[rng.below(texts.len() as u64) as usize];
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(bytes.len() as u64) as usize;
            match rng.below(3) {
                0 => bytes[i] = ALPHABET[rng.below(ALPHABET.len() as u64) as usize],
                1 => bytes.truncate(i),
                _ => bytes.insert(i, ALPHABET[rng.below(ALPHABET.len() as u64) as usize]),
            }
            if bytes.is_empty() {
                break;
            }
        }
        // Mutations may split a multi-byte char: only valid UTF-8 is a &str.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = json::from_str::<Rich>(text);
            let _ = json::from_str::<ClientMsg>(text);
            let _ = json::from_str::<ServerMsg>(text);
            let _ = json::from_str::<serdy::de::IgnoredAny>(text);
        }
    }
}

#[test]
fn random_chunks_never_panic_the_frame_decoder() {
    let seed = seed(0xf022_0003);
    let mut rng = Rng::new(seed);
    for _ in 0..env_u64("CHAT_FUZZ_CASES", 1_000_000) / 100 {
        let mut dec = FrameDecoder::new(1 + rng.below(64) as u32);
        for _ in 0..1 + rng.below(8) {
            let n = rng.below(40) as usize;
            let mut chunk = rng.bytes(n);
            // Small headers, so that frames actually complete.
            if chunk.len() >= 4 && rng.chance(2) {
                chunk[..3].fill(0);
            }
            dec.push(&chunk);
            let buffered = dec.buffered();
            while let Ok(Some(payload)) = dec.next_frame() {
                assert!(!payload.is_empty() && payload.len() <= buffered);
                let _ = binary::from_bytes::<ClientMsg>(payload);
            }
        }
    }
}
