//! [`Histogram`]: latencies counted in log-linear buckets, percentiles read
//! back with a bounded relative error.
//!
//! Millions of deliveries are measured per run, so keeping every sample and
//! sorting is out. Instead each value falls into a bucket: values below 128
//! get a bucket each, and every power-of-two range above is cut into 64
//! equal buckets (the layout of HdrHistogram with two significant decimal
//! digits, roughly):
//!
//! ```text
//!   [0] [1] ... [127] | [128..129] ... [254..255] | [256..259] ... [508..511] | ...
//!    exact values       64 buckets of width 2       64 buckets of width 4
//! ```
//!
//! A bucket is at most 1/64 of its values wide, so a percentile read back as
//! the bucket's upper bound is at most 1.6 % above the true sample. Counting
//! is one shift, one add and one increment; the whole table is 3 776
//! counters.
//!
//! ```
//! use chat::loadgen::histogram::Histogram;
//!
//! let mut h = Histogram::new();
//! for v in 1..=1000u64 {
//!     h.record(v * 1000); // 1 µs .. 1 ms, in ns
//! }
//! let p50 = h.percentile(0.5);
//! assert!((500_000..=508_000).contains(&p50), "{p50}");
//! assert_eq!(h.percentile(1.0), 1_000_000); // the maximum is exact
//! assert_eq!(h.count(), 1000);
//! ```

/// Buckets per power of two (above the exact range).
const SUB: u64 = 64;
/// Values below this have a bucket each.
const EXACT: u64 = 2 * SUB;
/// Bucket count: the exact range, then 64 per power of two from 2^7 to 2^63.
const BUCKETS: usize = (EXACT + (63 - 6) * SUB) as usize;

/// A latency histogram (values are nanoseconds by convention).
#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    max: u64,
    sum: u128,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            count: 0,
            max: 0,
            sum: 0,
        }
    }

    /// Counts one value.
    #[inline]
    pub fn record(&mut self, value: u64) {
        self.counts[index(value)] += 1;
        self.count += 1;
        self.max = self.max.max(value);
        self.sum += u128::from(value);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The largest value recorded (exact), 0 when empty.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The mean, 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The value below or at which a fraction `q` (0..=1) of the samples
    /// lie: the upper bound of the bucket holding the sample of rank
    /// `ceil(q * count)`, never above the maximum. 0 when empty.
    pub fn percentile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper_bound(i).min(self.max);
            }
        }
        self.max
    }
}

/// The bucket of `value`.
#[inline]
fn index(value: u64) -> usize {
    if value < EXACT {
        return value as usize;
    }
    let log2 = 63 - u64::from(value.leading_zeros()); // >= 7
    let shift = log2 - 6;
    let top = value >> shift; // in 64..128
    (EXACT + (log2 - 7) * SUB + (top - SUB)) as usize
}

/// The largest value that falls in bucket `i`.
fn upper_bound(i: usize) -> u64 {
    let i = i as u64;
    if i < EXACT {
        return i;
    }
    let log2 = (i - EXACT) / SUB + 7;
    let top = (i - EXACT) % SUB + SUB;
    let shift = log2 - 6;
    // The last bucket ends at u64::MAX; compute in u128 to avoid overflow.
    (((u128::from(top) + 1) << shift) - 1).min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order() {
        let mut prev = 0;
        for v in (0..100_000u64).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let i = index(v);
            assert!(i < BUCKETS);
            assert!(i >= prev, "bucket order breaks at {v}");
            assert!(upper_bound(i) >= v, "{v} above its bucket's bound");
            if i > 0 {
                assert!(upper_bound(i - 1) < v, "{v} belongs to an earlier bucket");
            }
            prev = i;
        }
    }

    #[test]
    fn relative_error_is_bounded() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = x >> (x % 50);
            let ub = upper_bound(index(v));
            assert!((ub - v) as f64 <= v as f64 / 64.0, "{v} -> {ub}");
        }
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut h = Histogram::new();
        assert_eq!(h.percentile(0.99), 0);
        for v in 0..100u64 {
            h.record(v);
        }
        // Exact range: the sample of rank ceil(q * 100).
        assert_eq!(h.percentile(0.5), 49);
        assert_eq!(h.percentile(0.99), 98);
        assert_eq!(h.percentile(0.999), 99);
        assert_eq!(h.percentile(0.0), 0);
        assert_eq!(h.max(), 99);
        assert!((h.mean() - 49.5).abs() < 1e-9);
        let mut other = Histogram::new();
        other.record(1_000_000);
        h.merge(&other);
        assert_eq!(h.count(), 101);
        assert_eq!(h.percentile(1.0), 1_000_000);
        assert_eq!(h.percentile(0.5), 50);
    }
}
