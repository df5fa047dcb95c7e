//! Hostile input for the RESP3 decoder: random and mutated byte streams, cut
//! into random chunks, never panic and never make it allocate more than a
//! small multiple of the input; valid streams cut anywhere decode to what
//! was encoded.
//!
//! The allocation is measured with a counting global allocator
//! (`alloc_count`, shared with `decode_fuzz_alloc.rs`), which is why this is
//! a test binary of its own.
//!
//! `CHAT_FUZZ_CASES` sets the number of inputs (default 300 000),
//! `CHAT_PROP_SEED` the seed.

mod alloc_count;
mod fmt_util;

use alloc_count::requested_by;
use chat::cluster::conn::{ConnLimits, Connection};
use chat::cluster::resp::{Decoder, Error, Limits, Value};
use fmt_util::{seed, Inputs, Rng};
use testkit::env_u64;

#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

/// The budget for decoding `len` bytes: every element takes at least three
/// bytes on the wire and one `Value` in memory (a map pair: six bytes, two
/// values), strings are copied once at their exact length, and the input
/// buffer grows by doubling (each reallocation counted whole, so at most
/// four times the input), plus a fixed amount for the scan stack.
fn allowance(len: usize) -> usize {
    (std::mem::size_of::<Value>() / 3 + 1 + 1 + 4) * len + 1024
}

/// Small limits, so that every bound is reached often.
fn small_limits(rng: &mut Rng) -> Limits {
    Limits {
        max_bulk: 1 + rng.below(64) as usize,
        max_elements: rng.below(16) as usize,
        max_depth: rng.below(6) as usize,
        max_total: 8 + rng.below(512) as usize,
    }
}

/// Feeds `input` in random chunks; returns the values decoded and how the
/// stream ended (`None`: cleanly, all consumed or waiting for more).
fn decode_chunked(
    rng: &mut Rng,
    input: &[u8],
    limits: Limits,
) -> (Vec<Value>, Option<Error>, usize) {
    let mut dec = Decoder::new(limits);
    let mut values = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = (1 + rng.below(rest.len() as u64) as usize).min(rest.len());
        let n = if rng.chance(3) { rest.len() } else { n };
        dec.push(&rest[..n]);
        rest = &rest[n..];
        loop {
            match dec.next_value() {
                Ok(Some(v)) => values.push(v),
                Ok(None) => break,
                Err(e) => return (values, Some(e), dec.buffered()),
            }
        }
    }
    let left = dec.buffered();
    (values, None, left)
}

fn bytes_without_crlf(rng: &mut Rng, max: u64) -> Vec<u8> {
    let n = rng.below(max + 1) as usize;
    rng.bytes(n)
        .into_iter()
        .map(|b| if b == b'\r' || b == b'\n' { b'.' } else { b })
        .collect()
}

/// A random value of every kind, nested at most `depth` deep.
fn value(rng: &mut Rng, depth: u32) -> Value {
    let kinds = if depth == 0 { 10 } else { 15 };
    let items = |rng: &mut Rng| -> Vec<Value> {
        (0..rng.below(5)).map(|_| value(rng, depth - 1)).collect()
    };
    match rng.below(kinds) {
        0 => Value::Simple(bytes_without_crlf(rng, 12)),
        1 => Value::Error(bytes_without_crlf(rng, 12)),
        2 => Value::Integer(rng.edgy_u64() as i64),
        3 => {
            let n = rng.below(20) as usize;
            Value::Bulk(rng.bytes(n))
        }
        4 => Value::Null,
        5 => Value::Double(match rng.below(4) {
            0 => f64::from_bits(rng.next_u64()),
            1 => [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -0.0][rng.below(4) as usize],
            _ => rng.below(100_000) as f64 / 64.0,
        }),
        6 => Value::Boolean(rng.chance(2)),
        7 => {
            let n = rng.below(20) as usize;
            Value::BlobError(rng.bytes(n))
        }
        8 => {
            let n = rng.below(20) as usize;
            Value::Verbatim {
                format: *b"txt",
                text: rng.bytes(n),
            }
        }
        9 => {
            let n = 1 + rng.below(40) as usize;
            let mut digits: Vec<u8> = (0..n).map(|_| b'0' + rng.below(10) as u8).collect();
            if rng.chance(2) {
                digits.insert(0, b'-');
            }
            Value::BigNumber(digits)
        }
        10 => Value::Array(items(rng)),
        11 => Value::Set(items(rng)),
        12 => Value::Push(items(rng)),
        13 => {
            let n = rng.below(4);
            Value::Map(
                (0..n)
                    .map(|_| (value(rng, depth - 1), value(rng, depth - 1)))
                    .collect(),
            )
        }
        _ => {
            let n = rng.below(3);
            Value::Attribute {
                attrs: (0..n)
                    .map(|_| (value(rng, depth - 1), value(rng, depth - 1)))
                    .collect(),
                value: Box::new(value(rng, depth - 1)),
            }
        }
    }
}

fn encode_all(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        v.encode(&mut out);
    }
    out
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len() as u64) as usize;
                v[i] = rng.next_u64() as u8;
            }
            1 if !v.is_empty() => {
                // A structural byte where another was.
                let i = rng.below(v.len() as u64) as usize;
                v[i] = b"\r\n*%|>$!=:-+_,#(~0123456789?"[rng.below(28) as usize];
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
                let huge: &[u8] = [
                    &b"9223372036854775807"[..],
                    b"18446744073709551616",
                    b"2147483648",
                    b"-2",
                    b"65537",
                ][rng.below(5) as usize];
                v.splice(i..=i, huge.iter().copied());
            }
            5 => {
                // A deeply nested prefix.
                let n = 1 + rng.below(40) as usize;
                let prefix = b"*1\r\n".repeat(n);
                v.splice(0..0, prefix);
            }
            _ => v.push(rng.next_u64() as u8),
        }
    }
    v
}

fn same_encoding(a: &[Value], b: &[Value]) -> bool {
    encode_all(a) == encode_all(b)
}

#[test]
fn valid_streams_cut_anywhere_decode_to_what_was_encoded() {
    let seed = seed(0x2e59_0001);
    let mut rng = Rng::new(seed);
    for case in 0..env_u64("CHAT_FUZZ_CASES", 300_000) / 30 {
        let values: Vec<Value> = (0..1 + rng.below(4)).map(|_| value(&mut rng, 3)).collect();
        let wire = encode_all(&values);
        let (got, err, left) = decode_chunked(&mut rng, &wire, Limits::default());
        assert_eq!(err, None, "seed {seed} case {case}: {wire:02x?}");
        assert_eq!(left, 0, "seed {seed} case {case}");
        assert!(
            same_encoding(&got, &values),
            "seed {seed} case {case}: {got:?} != {values:?}"
        );
    }
}

#[test]
fn hostile_bytes_never_panic_nor_overallocate() {
    let seed = seed(0x2e59_0002);
    let mut rng = Rng::new(seed);
    let corpus: Vec<Vec<u8>> = (0..300)
        .map(|_| {
            let values: Vec<Value> = (0..1 + rng.below(3)).map(|_| value(&mut rng, 4)).collect();
            encode_all(&values)
        })
        .collect();
    let (mut worst_bytes, mut worst_ratio) = (0usize, 0f64);
    let mut errors = 0u64;
    let cases = env_u64("CHAT_FUZZ_CASES", 300_000);
    for case in 0..cases {
        let input = match rng.below(3) {
            0 => {
                let len = rng.below(65) as usize;
                let mut v = rng.bytes(len);
                if len > 0 && rng.chance(2) {
                    v[0] = b"*%|>$!=:-+_,#(~"[rng.below(15) as usize];
                }
                v
            }
            _ => {
                let base = &corpus[rng.below(corpus.len() as u64) as usize];
                mutate(&mut rng, base)
            }
        };
        let limits = if rng.chance(2) {
            Limits::default()
        } else {
            small_limits(&mut rng)
        };
        let ((values, err, left), bytes) =
            requested_by(|| decode_chunked(&mut rng, &input, limits));
        assert!(
            bytes <= allowance(input.len()),
            "seed {seed} case {case}: {bytes} bytes requested decoding {} bytes: \
             {input:02x?} ({err:?})",
            input.len()
        );
        // Whatever was accepted encodes to bytes that decode back to it.
        if !values.is_empty() {
            let wire = encode_all(&values);
            let (again, err, _) = decode_chunked(&mut rng, &wire, Limits::default());
            assert_eq!(err, None, "seed {seed} case {case}: {values:?}");
            assert!(same_encoding(&again, &values), "seed {seed} case {case}");
        }
        if err.is_none() {
            assert!(left <= limits.max_total, "seed {seed} case {case}");
        } else {
            errors += 1;
        }
        worst_bytes = worst_bytes.max(bytes);
        worst_ratio = worst_ratio.max(bytes as f64 / input.len().max(1) as f64);
    }
    eprintln!(
        "{cases} inputs, {errors} refused: at most {worst_bytes} bytes requested, \
         at most {worst_ratio:.1}x the input (size_of::<Value>() = {})",
        std::mem::size_of::<Value>()
    );
}

#[test]
fn hostile_bytes_never_panic_the_connection() {
    let seed = seed(0x2e59_0003);
    let mut rng = Rng::new(seed);
    for _ in 0..env_u64("CHAT_FUZZ_CASES", 300_000) / 100 {
        let mut conn = Connection::new(ConnLimits {
            max_inbound: 64 + rng.below(512) as usize,
            max_in_flight: 1 + rng.below(8) as usize,
            resp: small_limits(&mut rng),
            ..ConnLimits::default()
        });
        let cmds = [
            &["PING"][..],
            &["SSUBSCRIBE", "a", "b"],
            &["GET", "k"],
            &["SUBSCRIBE", "c"],
        ];
        for _ in 0..1 + rng.below(8) {
            let _ = conn.send(cmds[rng.below(4) as usize]);
            let n = conn.pending_output().len();
            conn.consume_output(rng.below(n as u64 + 1) as usize);
            let len = rng.below(48) as usize;
            let mut chunk = rng.bytes(len);
            if !chunk.is_empty() && rng.chance(2) {
                chunk[0] = b">*+-:_"[rng.below(6) as usize];
            }
            if conn.handle_input(&chunk).is_err() {
                break;
            }
            let mut failed = false;
            loop {
                match conn.poll_event() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
            }
            if failed {
                break;
            }
        }
    }
}
