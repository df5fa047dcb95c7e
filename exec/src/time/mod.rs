//! Time: [`sleep`], [`sleep_until`], [`timeout`], [`interval`].
//!
//! Timers live in one heap per runtime (`heap.rs` explains the choice and
//! its cost). They are driven by the reactor's poll timeout: the worker that
//! blocks in `sys::Poll::poll` passes the nearest deadline as the timeout,
//! and after each turn the due timers wake their tasks. A timer registered
//! with an earlier deadline than the one the reactor sleeps until wakes the
//! reactor through the `sys::Waker` so it can shorten its sleep.
//!
//! Precision: epoll takes milliseconds and `sys` rounds up, so a timer fires
//! at its deadline or up to about a millisecond later; never earlier.
//!
//! ```
//! use std::time::{Duration, Instant};
//! let rt = exec::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let start = Instant::now();
//!     exec::time::sleep(Duration::from_millis(20)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(20));
//!
//!     let slow = exec::time::sleep(Duration::from_secs(10));
//!     let r = exec::time::timeout(Duration::from_millis(10), slow).await;
//!     assert!(r.is_err());
//! });
//! ```

mod heap;
mod interval;
mod sleep;
mod timeout;

pub(crate) use heap::Timers;
pub use interval::{interval, interval_at, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, Elapsed};
