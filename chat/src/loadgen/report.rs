//! The JSON line each subcommand ends with, and the latency summary they
//! share.

use serdy::{Deserialize, Serialize};

use super::histogram::Histogram;

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50_us: f64,
    /// 90th percentile (missing in lines written before it was added).
    #[serdy(default)]
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Largest sample (exact).
    pub max_us: f64,
    /// Mean.
    pub mean_us: f64,
}

impl Latency {
    /// The summary of a histogram of nanoseconds.
    pub fn of(h: &Histogram) -> Latency {
        let us = |ns: u64| round2(ns as f64 / 1000.0);
        Latency {
            p50_us: us(h.percentile(0.50)),
            p90_us: us(h.percentile(0.90)),
            p99_us: us(h.percentile(0.99)),
            p999_us: us(h.percentile(0.999)),
            max_us: us(h.max()),
            mean_us: round2(h.mean() / 1000.0),
        }
    }
}

/// `x` rounded to two decimals (for readable JSON).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The report as one line of compact JSON.
pub fn to_json<T: Serialize>(report: &T) -> String {
    match crate::fmt::json::to_string(report) {
        Ok(line) => line,
        // Invariant: reports hold numbers, strings and options only.
        Err(e) => unreachable!("a load generator report failed to serialize: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_json_names_its_units() {
        let mut h = Histogram::new();
        for ns in [1_000, 2_000, 3_000, 1_500_000] {
            h.record(ns);
        }
        let line = to_json(&Latency::of(&h));
        assert_eq!(
            line,
            // 2 000 ns falls in the bucket 2 000..=2 015.
            r#"{"p50_us":2.02,"p90_us":1500.0,"p99_us":1500.0,"p999_us":1500.0,"max_us":1500.0,"mean_us":376.5}"#
        );
        let back: Latency = crate::fmt::json::from_str(&line).unwrap();
        assert_eq!(back, Latency::of(&h));
    }
}
