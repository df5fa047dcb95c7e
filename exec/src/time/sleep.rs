//! The [`Sleep`] future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::Handle;

/// Waits until `duration` has passed.
///
/// # Panics
/// Outside a runtime (a task, or `Runtime::block_on`).
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    sleep_until(deadline)
}

/// Waits until `deadline`.
///
/// # Panics
/// Outside a runtime (a task, or `Runtime::block_on`).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        handle: Handle::current(),
        slot: None,
        done: false,
    }
}

pub(crate) fn far_future() -> Instant {
    // About 30 years: far enough, and representable on every platform.
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// A future that completes at a deadline; see [`sleep`].
///
/// Registers its timer on the first poll that finds the deadline in the
/// future, and removes it when dropped, so abandoned sleeps cost nothing.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    handle: Handle,
    slot: Option<usize>,
    done: bool,
}

impl Sleep {
    /// The instant this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the sleep has completed.
    pub fn is_elapsed(&self) -> bool {
        self.done || Instant::now() >= self.deadline
    }

    /// Moves the deadline (re-arming a completed sleep).
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel();
        self.deadline = deadline;
        self.done = false;
    }

    fn cancel(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.handle.shared().io.timers.lock().cancel(slot);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let timers = &self.handle.shared().io.timers;
        match self.slot {
            Some(slot) => {
                if timers.lock().poll(slot, cx.waker()) {
                    self.slot = None;
                    self.done = true;
                    return Poll::Ready(());
                }
                Poll::Pending
            }
            None => {
                if Instant::now() >= self.deadline {
                    self.done = true;
                    return Poll::Ready(());
                }
                let (slot, wake_reactor) = timers.insert(self.deadline, cx.waker().clone());
                if wake_reactor {
                    self.handle.shared().io.wake_reactor();
                }
                self.slot = Some(slot);
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}
