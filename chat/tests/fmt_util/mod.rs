//! Shared helpers of the format tests: what they draw from the seeded PRNG
//! and a rich test type.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::BTreeMap;

use serdy::{Deserialize, Serialize};

pub use testkit::Rng;

/// The inputs a format test draws from the workspace's [`Rng`]: edge-heavy
/// integers, any `char`, any float bit pattern, and whole [`Rich`] values.
pub trait Inputs {
    /// An integer that is often an edge value (0, 1, MAX, a power of two
    /// and its neighbours), so varint boundaries get hit.
    fn edgy_u64(&mut self) -> u64;
    /// A `u128` that is often an edge value.
    fn edgy_u128(&mut self) -> u128;
    /// Any Unicode scalar value, weighted towards 1-, 2-, 3- and 4-byte
    /// UTF-8 equally, and towards control characters.
    fn char(&mut self) -> char;
    /// Up to `max_chars` of [`Inputs::char`].
    fn string(&mut self, max_chars: u64) -> String;
    /// Any f64 bit pattern (NaNs with payloads, infinities, subnormals, -0.0).
    fn f64_bits(&mut self) -> f64;
    /// Any f32 bit pattern.
    fn f32_bits(&mut self) -> f32;
    /// An f64, finite if `floats` says so.
    fn float(&mut self, floats: Floats) -> f64;
    /// An f32, finite if `floats` says so.
    fn float32(&mut self, floats: Floats) -> f32;
    /// A random [`Shape`], nested at most `depth` deep.
    fn shape(&mut self, floats: Floats, depth: u32) -> Shape;
    /// A random [`Rich`].
    fn rich(&mut self, floats: Floats) -> Rich;
}

impl Inputs for Rng {
    fn edgy_u64(&mut self) -> u64 {
        match self.below(6) {
            0 => [0, 1, 127, 128, 16383, 16384, u64::MAX][self.below(7) as usize],
            1 => {
                let p = 1u64 << self.below(64);
                p.wrapping_add(self.below(3)).wrapping_sub(1)
            }
            2 => self.below(300),
            _ => self.next_u64() >> self.below(64),
        }
    }

    fn edgy_u128(&mut self) -> u128 {
        match self.below(4) {
            0 => [0, 1, u128::MAX, u128::from(u64::MAX) + 1][self.below(4) as usize],
            _ => {
                (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())) >> self.below(128)
            }
        }
    }

    fn char(&mut self) -> char {
        let code = match self.below(6) {
            0 => self.below(0x80) as u32,
            1 => 0x80 + self.below(0x800 - 0x80) as u32,
            2 => 0x800 + self.below(0x1_0000 - 0x800) as u32,
            3 => 0x1_0000 + self.below(0x11_0000 - 0x1_0000) as u32,
            4 => [0, 0x1b, 0x7f, 0x85, 0x9f, '"' as u32, '\\' as u32][self.below(7) as usize],
            _ => u32::from(b'a') + self.below(26) as u32,
        };
        char::from_u32(code).unwrap_or('\u{fffd}') // surrogates
    }

    fn string(&mut self, max_chars: u64) -> String {
        let n = self.below(max_chars + 1);
        (0..n).map(|_| self.char()).collect()
    }

    fn f64_bits(&mut self) -> f64 {
        match self.below(4) {
            0 => [
                0.0,
                -0.0,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MIN_POSITIVE,
                f64::MAX,
                0.1,
            ][self.below(7) as usize],
            _ => f64::from_bits(self.next_u64()),
        }
    }

    fn f32_bits(&mut self) -> f32 {
        f32::from_bits(self.next_u64() as u32)
    }

    fn float(&mut self, floats: Floats) -> f64 {
        let v = self.f64_bits();
        if floats == Floats::Finite && !v.is_finite() {
            return 1.0 / 3.0;
        }
        v
    }

    fn float32(&mut self, floats: Floats) -> f32 {
        let v = self.f32_bits();
        if floats == Floats::Finite && !v.is_finite() {
            return -2.5e-20;
        }
        v
    }

    fn shape(&mut self, floats: Floats, depth: u32) -> Shape {
        match self.below(if depth == 0 { 4 } else { 5 }) {
            0 => Shape::Empty,
            1 => Shape::Circle(self.float(floats)),
            2 => Shape::Rect(self.edgy_u64() as u32, self.next_u64() as u32),
            3 => Shape::Poly {
                points: (0..self.below(4))
                    .map(|_| (self.next_u64() as i32, self.edgy_u64() as i32))
                    .collect(),
                label: self.chance(2).then(|| self.string(6)),
            },
            _ => Shape::Nested(Box::new(self.shape(floats, depth - 1))),
        }
    }

    fn rich(&mut self, floats: Floats) -> Rich {
        Rich {
            byte: self.next_u64() as u8,
            small: self.next_u64() as i8,
            short: self.edgy_u64() as u16,
            signed_short: self.edgy_u64() as i16,
            word: self.edgy_u64() as u32,
            signed_word: self.edgy_u64() as i32,
            id: self.edgy_u64(),
            delta: self.edgy_u64() as i64,
            wide: self.edgy_u128(),
            signed_wide: self.edgy_u128() as i128,
            size: self.edgy_u64() as usize,
            signed_size: self.edgy_u64() as isize,
            flag: self.chance(2),
            letter: self.char(),
            name: self.string(12),
            ratio: self.float(floats),
            ratio32: self.float32(floats),
            maybe: self.chance(2).then(|| self.shape(floats, 3)),
            tags: (0..self.below(4)).map(|_| self.string(5)).collect(),
            scores: (0..self.below(4))
                .map(|_| (self.string(4), self.edgy_u64() as i32))
                .collect(),
            by_id: (0..self.below(3))
                .map(|_| (self.edgy_u64() as u32, self.shape(floats, 2)))
                .collect(),
            shapes: (0..self.below(4)).map(|_| self.shape(floats, 3)).collect(),
            pair: (
                self.next_u64() as u8,
                self.string(3),
                self.chance(2).then(|| self.edgy_u64() as i64),
            ),
            grid: [
                self.edgy_u64() as i16,
                self.edgy_u64() as i16,
                self.edgy_u64() as i16,
            ],
            blob: {
                let n = self.below(8) as usize;
                self.bytes(n)
            },
            unit: (),
            wrapper: Wrapper(self.edgy_u64() as i64),
            marker: Marker,
        }
    }
}

/// The seed: `CHAT_PROP_SEED` from the environment, else `default`;
/// printed, so that a failing run can be replayed.
pub fn seed(default: u64) -> u64 {
    testkit::seed("CHAT_PROP_SEED", default)
}

/// A type that walks most of the data model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rich {
    pub byte: u8,
    pub small: i8,
    pub short: u16,
    pub signed_short: i16,
    pub word: u32,
    pub signed_word: i32,
    pub id: u64,
    pub delta: i64,
    pub wide: u128,
    pub signed_wide: i128,
    pub size: usize,
    pub signed_size: isize,
    pub flag: bool,
    pub letter: char,
    pub name: String,
    pub ratio: f64,
    pub ratio32: f32,
    pub maybe: Option<Shape>,
    pub tags: Vec<String>,
    pub scores: BTreeMap<String, i32>,
    pub by_id: BTreeMap<u32, Shape>,
    pub shapes: Vec<Shape>,
    pub pair: (u8, String, Option<i64>),
    pub grid: [i16; 3],
    pub blob: Vec<u8>,
    pub unit: (),
    pub wrapper: Wrapper,
    pub marker: Marker,
}

/// An enum with every kind of variant, recursive through `Nested`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Shape {
    Empty,
    Circle(f64),
    Rect(u32, u32),
    Poly {
        points: Vec<(i32, i32)>,
        label: Option<String>,
    },
    Nested(Box<Shape>),
}

/// A newtype struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wrapper(pub i64);

/// A unit struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker;

/// Which floats the generator may produce: JSON cannot carry NaN or infinity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Floats {
    AnyBits,
    Finite,
}

/// Equality with floats compared by their bits, so NaN == NaN (same payload)
/// and 0.0 != -0.0: a round trip must give back the very same value.
pub trait SameBits {
    fn same_bits(&self, other: &Self) -> bool;
}

impl SameBits for Shape {
    fn same_bits(&self, other: &Self) -> bool {
        match (self, other) {
            (Shape::Empty, Shape::Empty) => true,
            (Shape::Circle(a), Shape::Circle(b)) => a.to_bits() == b.to_bits(),
            (Shape::Rect(a, b), Shape::Rect(c, d)) => (a, b) == (c, d),
            (
                Shape::Poly { points, label },
                Shape::Poly {
                    points: p2,
                    label: l2,
                },
            ) => points == p2 && label == l2,
            (Shape::Nested(a), Shape::Nested(b)) => a.same_bits(b),
            _ => false,
        }
    }
}

impl<T: SameBits> SameBits for Option<T> {
    fn same_bits(&self, other: &Self) -> bool {
        match (self, other) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same_bits(b),
            _ => false,
        }
    }
}

impl<T: SameBits> SameBits for [T] {
    fn same_bits(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same_bits(b))
    }
}

impl SameBits for Rich {
    fn same_bits(&self, o: &Self) -> bool {
        self.byte == o.byte
            && self.small == o.small
            && self.short == o.short
            && self.signed_short == o.signed_short
            && self.word == o.word
            && self.signed_word == o.signed_word
            && self.id == o.id
            && self.delta == o.delta
            && self.wide == o.wide
            && self.signed_wide == o.signed_wide
            && self.size == o.size
            && self.signed_size == o.signed_size
            && self.flag == o.flag
            && self.letter == o.letter
            && self.name == o.name
            && self.ratio.to_bits() == o.ratio.to_bits()
            && self.ratio32.to_bits() == o.ratio32.to_bits()
            && self.maybe.same_bits(&o.maybe)
            && self.tags == o.tags
            && self.scores == o.scores
            && self.by_id.len() == o.by_id.len()
            && self
                .by_id
                .iter()
                .zip(&o.by_id)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.same_bits(v2))
            && self.shapes.same_bits(&o.shapes)
            && self.pair == o.pair
            && self.grid == o.grid
            && self.blob == o.blob
            && self.wrapper == o.wrapper
            && self.marker == o.marker
    }
}
