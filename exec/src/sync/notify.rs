//! [`Notify`]: wake a waiting task without sending data.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use super::lock;

#[derive(Debug, Default)]
struct State {
    /// A `notify_one` with nobody waiting, kept for the next waiter.
    permit: bool,
    waiters: VecDeque<Waiter>,
    next_id: u64,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    waker: Option<Waker>,
    notified: Option<Kind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    One,
    All,
}

/// Notifies tasks: [`notify_one`](Notify::notify_one) wakes one waiter (or
/// leaves a single permit if none waits), [`notify_waiters`](Notify::notify_waiters)
/// wakes every task currently waiting.
///
/// ```
/// use std::sync::Arc;
/// let rt = exec::Runtime::new().unwrap();
/// rt.block_on(async {
///     let notify = Arc::new(exec::sync::Notify::new());
///     let n2 = notify.clone();
///     let waiter = exec::spawn(async move { n2.notified().await; "woken" });
///     notify.notify_one();
///     assert_eq!(waiter.await.unwrap(), "woken");
/// });
/// ```
#[derive(Default)]
pub struct Notify {
    state: Mutex<State>,
}

impl Notify {
    /// A `Notify` with no permit.
    pub fn new() -> Notify {
        Notify::default()
    }

    /// A future completing when this `Notify` is notified. It joins the
    /// line of waiters when first polled.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            id: None,
            done: false,
        }
    }

    /// Wakes the oldest waiter, or stores one permit if nobody waits.
    pub fn notify_one(&self) {
        let mut state = lock(&self.state);
        let waker = match state.waiters.iter_mut().find(|w| w.notified.is_none()) {
            Some(w) => {
                w.notified = Some(Kind::One);
                w.waker.take()
            }
            None => {
                state.permit = true;
                None
            }
        };
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Wakes every task waiting now; stores no permit.
    ///
    /// A [`Notified`] future joins the waiters when it is first polled, so
    /// one that was created but not yet polled misses this call (unlike
    /// tokio's, which counts from its creation): poll it once, or use
    /// [`notify_one`](Notify::notify_one), whose permit is kept.
    pub fn notify_waiters(&self) {
        let mut state = lock(&self.state);
        let wakers: Vec<Waker> = state
            .waiters
            .iter_mut()
            .filter(|w| w.notified.is_none())
            .filter_map(|w| {
                w.notified = Some(Kind::All);
                w.waker.take()
            })
            .collect();
        drop(state);
        for w in wakers {
            w.wake();
        }
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// The future of [`Notify::notified`].
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    id: Option<u64>,
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let mut state = lock(&self.notify.state);
        match self.id {
            None => {
                if std::mem::take(&mut state.permit) {
                    drop(state);
                    self.done = true;
                    return Poll::Ready(());
                }
                state.next_id += 1;
                let id = state.next_id;
                state.waiters.push_back(Waiter {
                    id,
                    waker: Some(cx.waker().clone()),
                    notified: None,
                });
                drop(state);
                self.id = Some(id);
                Poll::Pending
            }
            Some(id) => {
                let pos = state
                    .waiters
                    .iter()
                    .position(|w| w.id == id)
                    .expect("waiter stays listed until done");
                if state.waiters[pos].notified.is_some() {
                    state.waiters.remove(pos);
                    drop(state);
                    self.id = None;
                    self.done = true;
                    return Poll::Ready(());
                }
                state.waiters[pos].waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let mut state = lock(&self.notify.state);
        let Some(pos) = state.waiters.iter().position(|w| w.id == id) else {
            return;
        };
        let waiter = state.waiters.remove(pos);
        drop(state);
        if waiter.and_then(|w| w.notified) == Some(Kind::One) {
            // We were chosen by notify_one but never saw it: pass it on.
            self.notify.notify_one();
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("waiting", &self.id.is_some())
            .finish()
    }
}
