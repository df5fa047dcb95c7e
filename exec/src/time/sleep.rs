//! The [`Sleep`] future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::Handle;

/// Waits until `duration` has passed.
///
/// # Panics
/// When polled outside a runtime (a task, or `Runtime::block_on`). It may
/// be created outside one, as in `rt.block_on(sleep(d))`.
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    sleep_until(deadline)
}

/// Waits until `deadline`.
///
/// # Panics
/// When polled outside a runtime (a task, or `Runtime::block_on`).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        handle: Handle::try_current().ok(),
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
    /// The runtime whose timers hold our slot (found at creation, or at the
    /// first poll if created outside a runtime).
    handle: Option<Handle>,
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
        if let (Some(slot), Some(handle)) = (self.slot.take(), &self.handle) {
            handle.shared().io.timers.lock().cancel(slot);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let this = &mut *self;
        let handle = this.handle.get_or_insert_with(Handle::current);
        let timers = &handle.shared().io.timers;
        match this.slot {
            Some(slot) => {
                if timers.lock().poll(slot, cx.waker()) {
                    this.slot = None;
                    this.done = true;
                    return Poll::Ready(());
                }
                Poll::Pending
            }
            None => {
                if Instant::now() >= this.deadline {
                    this.done = true;
                    return Poll::Ready(());
                }
                let (slot, wake_reactor) = timers.insert(this.deadline, cx.waker().clone());
                if wake_reactor {
                    handle.shared().io.wake_reactor();
                }
                this.slot = Some(slot);
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
