//! xorshift64*: a tiny, fast, deterministic PRNG for picking test inputs.

/// A seeded pseudo-random generator: xorshift64* (Marsaglia, "Xorshift
/// RNGs", 2003, with the multiplying output step of Vigna, "An experimental
/// exploration of Marsaglia's xorshift generators, scrambled", 2016).
///
/// Good enough to pick test inputs and interleavings; not for anything that
/// needs unpredictability. The state is never zero (zero is a fixed point of
/// xorshift, which would then return 0 forever): [`Rng::new`] replaces a
/// zero seed.
///
/// ```
/// use testkit::Rng;
///
/// let mut a = Rng::new(7);
/// let mut b = Rng::new(7);
/// let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
/// let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
/// assert_eq!(xs, ys);
/// assert!(xs.iter().all(|&x| x != 0));
/// // A zero seed still moves.
/// let mut z = Rng::new(0);
/// assert_ne!(z.next_u64(), z.next_u64());
/// ```
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`; a zero seed is replaced by a fixed odd
    /// constant.
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`, near enough to uniform for tests (the modulo
    /// bias is below 2^-32 for any `n` under 2^32). Panics if `n == 0`.
    ///
    /// ```
    /// let mut rng = testkit::Rng::new(1);
    /// assert!((0..100).all(|_| rng.below(3) < 3));
    /// ```
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0): the range 0..0 is empty");
        self.next_u64() % n
    }

    /// An index into a collection of `len` elements, in `0..len`. Panics if
    /// `len == 0`.
    ///
    /// ```
    /// let mut rng = testkit::Rng::new(1);
    /// let colours = ["red", "green", "blue"];
    /// let pick = colours[rng.index(colours.len())];
    /// assert!(colours.contains(&pick));
    /// ```
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// `true` with probability `1 / one_in`.
    ///
    /// ```
    /// let mut rng = testkit::Rng::new(1);
    /// assert!(rng.chance(1));
    /// ```
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    /// `len` random bytes.
    ///
    /// ```
    /// let mut rng = testkit::Rng::new(1);
    /// assert_eq!(rng.bytes(5).len(), 5);
    /// ```
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}
