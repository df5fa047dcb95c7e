//! LEB128 varints and zigzag: the integer encoding of PROTOCOL.md section 3.
//!
//! An unsigned value is cut into 7-bit groups, least significant first; every
//! byte but the last has its high bit set:
//!
//! ```text
//!   300 = 0b10_0101100  ->  [1_0101100] [0_0000010]  =  ac 02
//!            ^^ ^^^^^^^       ^ more      ^ last
//! ```
//!
//! A type of `BITS` bits needs at most `ceil(BITS / 7)` bytes (3 for `u16`,
//! 5 for `u32`, 10 for `u64`, 19 for `u128`), and in the longest form the last
//! byte may only use the bits that are left (`u32`: 4 bits, so at most `0x0f`).
//! Longer or larger encodings are [`Error::BadVarint`]. Non-canonical forms
//! that fit (`80 00` for 0) are accepted, as postcard accepts them.
//!
//! Signed values are zigzagged first so that small magnitudes stay short:
//! `0, -1, 1, -2, 2, ...` map to `0, 1, 2, 3, 4, ...`.

use super::Error;

/// Longest varint of a `u16`.
pub const MAX_LEN_U16: usize = 3;
/// Longest varint of a `u32` (and of an enum variant index).
pub const MAX_LEN_U32: usize = 5;
/// Longest varint of a `u64` (and of a `usize` length).
pub const MAX_LEN_U64: usize = 10;
/// Longest varint of a `u128`.
pub const MAX_LEN_U128: usize = 19;

/// The varint of `v` as the first `n` bytes of a 16-byte array: `(bytes, n)`.
///
/// The groups are assembled in a register rather than stored byte by byte,
/// so that the serializer can append them with one fixed-size copy (and a
/// `truncate` to `n`): no loop over memory, no call to `memcpy`.
#[inline]
pub fn encode_u64_packed(v: u64) -> ([u8; 16], usize) {
    let mut rest = v;
    let mut packed: u128 = 0;
    let mut i = 0;
    loop {
        let group = (rest & 0x7f) as u128;
        rest >>= 7;
        if rest == 0 {
            packed |= group << (8 * i);
            return (packed.to_le_bytes(), i + 1);
        }
        packed |= (group | 0x80) << (8 * i);
        i += 1;
    }
}

/// Writes the varint of `v` at the start of `buf`, returns its length.
#[inline]
pub fn encode_u64(mut v: u64, buf: &mut [u8; MAX_LEN_U64]) -> usize {
    let mut i = 0;
    while v >= 0x80 {
        buf[i] = (v as u8) | 0x80;
        v >>= 7;
        i += 1;
    }
    buf[i] = v as u8;
    i + 1
}

/// Writes the varint of `v` at the start of `buf`, returns its length.
#[inline]
pub fn encode_u128(mut v: u128, buf: &mut [u8; MAX_LEN_U128]) -> usize {
    let mut i = 0;
    while v >= 0x80 {
        buf[i] = (v as u8) | 0x80;
        v >>= 7;
        i += 1;
    }
    buf[i] = v as u8;
    i + 1
}

/// Zigzag: `(n << 1) ^ (n >> 63)`, so that `-1` becomes `1` and `1` becomes `2`.
#[inline]
pub fn zigzag_i64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// The inverse of [`zigzag_i64`].
#[inline]
pub fn unzigzag_i64(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Zigzag for `i128`.
#[inline]
pub fn zigzag_i128(n: i128) -> u128 {
    ((n << 1) ^ (n >> 127)) as u128
}

/// The inverse of [`zigzag_i128`].
#[inline]
pub fn unzigzag_i128(u: u128) -> i128 {
    ((u >> 1) as i128) ^ -((u & 1) as i128)
}

/// Reads a varint of at most `MAX` bytes for a type of `BITS` bits (16, 32
/// or 64) from the front of `input`, and advances `input` past it.
#[inline]
pub fn decode<const MAX: usize, const BITS: u32>(input: &mut &[u8]) -> Result<u64, Error> {
    let bytes = *input;
    let Some(&first) = bytes.first() else {
        return Err(Error::UnexpectedEnd);
    };
    if first < 0x80 {
        *input = &bytes[1..];
        return Ok(u64::from(first));
    }
    // Two bytes (128..16 384: counts, lengths, small numbers) inline too;
    // 14 bits fit every type this is called for (16 bits and more).
    if let Some(&second) = bytes.get(1) {
        if second < 0x80 && BITS >= 14 {
            *input = &bytes[2..];
            return Ok(u64::from(first & 0x7f) | u64::from(second) << 7);
        }
    }
    decode_long::<MAX, BITS>(input)
}

/// The multi-byte tail of [`decode`], kept out of line so the common one-byte
/// case inlines into every caller.
#[inline(never)]
fn decode_long<const MAX: usize, const BITS: u32>(input: &mut &[u8]) -> Result<u64, Error> {
    // In the longest form the last byte carries only the bits that are left.
    let last_max: u8 = ((1u32 << (BITS - 7 * (MAX as u32 - 1))) - 1) as u8;
    let bytes = *input;
    let mut out = 0u64;
    for i in 0..MAX {
        let Some(&b) = bytes.get(i) else {
            return Err(Error::UnexpectedEnd);
        };
        out |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            if i == MAX - 1 && b > last_max {
                return Err(Error::BadVarint);
            }
            *input = &bytes[i + 1..];
            return Ok(out);
        }
    }
    Err(Error::BadVarint)
}

/// Reads a `u128` varint (at most 19 bytes) from the front of `input`.
pub fn decode_u128(input: &mut &[u8]) -> Result<u128, Error> {
    const LAST_MAX: u8 = (1 << (128 - 7 * (MAX_LEN_U128 - 1))) - 1;
    let bytes = *input;
    let mut out = 0u128;
    for i in 0..MAX_LEN_U128 {
        let Some(&b) = bytes.get(i) else {
            return Err(Error::UnexpectedEnd);
        };
        out |= u128::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            if i == MAX_LEN_U128 - 1 && b > LAST_MAX {
                return Err(Error::BadVarint);
            }
            *input = &bytes[i + 1..];
            return Ok(out);
        }
    }
    Err(Error::BadVarint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: u64) -> Vec<u8> {
        let mut buf = [0; MAX_LEN_U64];
        let n = encode_u64(v, &mut buf);
        buf[..n].to_vec()
    }

    #[test]
    fn packed_matches_bytewise() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            16383,
            16384,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let (packed, n) = encode_u64_packed(v);
            assert_eq!(&packed[..n], &enc(v)[..], "{v}");
        }
    }

    #[test]
    fn encodes_edges() {
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(300), [0xac, 0x02]);
        assert_eq!(enc(u64::MAX).len(), 10);
    }

    #[test]
    fn last_byte_limits() {
        let mut ok: &[u8] = &[0xff, 0xff, 0x03];
        assert_eq!(decode::<MAX_LEN_U16, 16>(&mut ok), Ok(u64::from(u16::MAX)));
        let mut big: &[u8] = &[0xff, 0xff, 0x04];
        assert_eq!(decode::<MAX_LEN_U16, 16>(&mut big), Err(Error::BadVarint));
        let mut long: &[u8] = &[0x80, 0x80, 0x80, 0x00];
        assert_eq!(decode::<MAX_LEN_U16, 16>(&mut long), Err(Error::BadVarint));
        let mut short: &[u8] = &[0x80];
        assert_eq!(
            decode::<MAX_LEN_U16, 16>(&mut short),
            Err(Error::UnexpectedEnd)
        );
    }

    #[test]
    fn zigzag_edges() {
        assert_eq!(zigzag_i64(0), 0);
        assert_eq!(zigzag_i64(-1), 1);
        assert_eq!(zigzag_i64(1), 2);
        assert_eq!(zigzag_i64(i64::MIN), u64::MAX);
        assert_eq!(zigzag_i64(i64::MAX), u64::MAX - 1);
        for n in [0, 1, -1, i64::MIN, i64::MAX, 12345, -12345] {
            assert_eq!(unzigzag_i64(zigzag_i64(n)), n);
        }
        for n in [0, 1, -1, i128::MIN, i128::MAX] {
            assert_eq!(unzigzag_i128(zigzag_i128(n)), n);
        }
    }
}
