//! [`Interval`]: ticks at a fixed period.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::sleep::{sleep_until, Sleep};

/// Ticks every `period`, the first tick completing immediately.
///
/// # Panics
/// If `period` is zero; when polled outside a runtime.
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first at `start`.
///
/// # Panics
/// If `period` is zero; when polled outside a runtime.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    Interval {
        period,
        sleep: sleep_until(start),
    }
}

/// A stream of ticks; see [`interval`].
///
/// Missed ticks: if the consumer falls more than a period behind, the
/// schedule restarts from now (no burst of catch-up ticks). Each tick
/// returns the instant it was scheduled for.
///
/// ```
/// use std::time::Duration;
/// let rt = exec::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut ticks = exec::time::interval(Duration::from_millis(5));
///     let first = ticks.tick().await;
///     let second = ticks.tick().await;
///     // One period apart (more only if this thread stalled for over a
///     // period, which restarts the schedule), and never early.
///     assert!(second - first >= Duration::from_millis(5));
///     assert!(std::time::Instant::now() >= second);
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        match Pin::new(&mut self.sleep).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                let scheduled = self.sleep.deadline();
                let now = Instant::now();
                let mut next = scheduled + self.period;
                if next + self.period <= now {
                    // More than a period behind: skip, restart from now.
                    next = now + self.period;
                }
                self.sleep.reset(next);
                Poll::Ready(scheduled)
            }
        }
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

use std::future::Future;
