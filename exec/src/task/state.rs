#![doc = include_str!("../guide/task_state.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/task_state.md, shown by `cargo doc` as `exec::guide::task_state`.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The future is being polled (or dropped) by the thread that set this bit.
const RUNNING: usize = 1 << 0;
/// The task has been woken: it is queued, or will be re-queued after its poll.
const NOTIFIED: usize = 1 << 1;
/// The future has finished; the stage holds the output (or it was consumed).
const COMPLETE: usize = 1 << 2;
/// The task must be dropped instead of polled.
const CANCELLED: usize = 1 << 3;
/// The `JoinHandle` still exists.
const JOIN_INTEREST: usize = 1 << 4;
/// The join waker slot holds a waker that the task side may read.
const JOIN_WAKER: usize = 1 << 5;
/// Number of flag bits below the reference count.
const REF_SHIFT: usize = 6;
/// One reference.
const REF_ONE: usize = 1 << REF_SHIFT;

/// A new task: three references (run queue, `JoinHandle`, owned-task list),
/// notified because it is about to be pushed onto a queue.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

/// The atomic state word of one task.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word, with named accessors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn has_join_interest(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn has_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (RUNNING, "RUNNING"),
            (NOTIFIED, "NOTIFIED"),
            (COMPLETE, "COMPLETE"),
            (CANCELLED, "CANCELLED"),
            (JOIN_INTEREST, "JOIN_INTEREST"),
            (JOIN_WAKER, "JOIN_WAKER"),
        ];
        let mut first = true;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("IDLE")?;
        }
        write!(f, " refs={}", self.ref_count())
    }
}

/// What a worker should do with the task it popped from a queue.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// The task was aborted: drop the future and complete it.
    Cancel,
    /// Already complete (cancelled by shutdown): just drop the reference.
    Skip,
}

/// What a worker does after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing: the task waits for a wake; our reference was dropped.
    Idle,
    /// Our reference was the last one: free the task.
    IdleDealloc,
    /// A wake arrived during the poll: re-queue (our reference goes along).
    Requeue,
    /// Aborted during the poll: drop the future and complete it.
    Cancel,
}

/// What a waker must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Nothing to do (already queued, running, or complete).
    Nothing,
    /// The task was idle: push a new `Notified` reference onto a run queue.
    Submit,
    /// (by-value wakes only) The reference consumed was the last: free the task.
    Dealloc,
}

impl State {
    /// The state of a freshly spawned task.
    pub(crate) fn new() -> State {
        State(AtomicUsize::new(INITIAL))
    }

    /// Reads the word (acquire, so that a `COMPLETE` seen here also shows the
    /// output written before it).
    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Runs `f` in a compare-exchange loop; `f` returns the next word and a
    /// result, or `None` to stop without writing.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, R)) -> R {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let (next, result) = f(Snapshot(current));
            let Some(next) = next else { return result };
            // One compare-exchange per attempt: it succeeds only if nobody
            // changed the word since `current` was read; on failure we retry
            // with the value that won.
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return result,
                Err(actual) => current = actual,
            }
        }
    }

    /// A worker holding a `Notified` reference wants to poll the task:
    /// NOTIFIED -> RUNNING. The reference stays with the worker.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            if s.is_complete() || s.is_running() {
                // Completed by shutdown while queued (RUNNING cannot be seen
                // here: only the holder of a NOTIFIED task takes it, and there
                // is one such holder).
                debug_assert!(!s.is_running(), "two pollers for one task: {s:?}");
                return (None, ToRunning::Skip);
            }
            debug_assert!(s.is_notified(), "polled without a notification: {s:?}");
            let next = (s.0 & !NOTIFIED) | RUNNING;
            let action = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (Some(next), action)
        })
    }

    /// The poll returned `Pending`: RUNNING -> idle, or re-queue if a wake
    /// arrived meanwhile.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                // Keep RUNNING: we still own the future and now drop it.
                return (None, ToIdle::Cancel);
            }
            if s.is_notified() {
                // Woken while running: stay NOTIFIED and hand our reference
                // to the run queue.
                return (Some(s.0 & !RUNNING), ToIdle::Requeue);
            }
            // Drop the reference the run queue gave us.
            debug_assert!(s.ref_count() >= 1);
            let next = (s.0 & !RUNNING) - REF_ONE;
            let action = if Snapshot(next).ref_count() == 0 {
                ToIdle::IdleDealloc
            } else {
                ToIdle::Idle
            };
            (Some(next), action)
        })
    }

    /// The output (or error) is stored: RUNNING -> COMPLETE, returning the
    /// word as it was just before.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        // One atomic flip of both bits: RUNNING was set and COMPLETE was not.
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// `wake_by_ref`: marks the task notified; on `Submit` the caller has been
    /// given a new reference (already counted) to push onto a run queue.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                (None, ToNotified::Nothing)
            } else if s.is_running() {
                // The poller re-queues it when its poll ends.
                (Some(s.0 | NOTIFIED), ToNotified::Nothing)
            } else {
                (Some((s.0 | NOTIFIED) + REF_ONE), ToNotified::Submit)
            }
        })
    }

    /// `wake` by value: like `by_ref`, but the waker's own reference is either
    /// handed to the run queue (`Submit`) or dropped.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.update(|s| {
            debug_assert!(s.ref_count() >= 1);
            if s.is_running() {
                // The poller holds a reference, so this cannot be the last.
                (Some((s.0 | NOTIFIED) - REF_ONE), ToNotified::Nothing)
            } else if s.is_complete() || s.is_notified() {
                let next = s.0 - REF_ONE;
                if Snapshot(next).ref_count() == 0 {
                    (Some(next), ToNotified::Dealloc)
                } else {
                    (Some(next), ToNotified::Nothing)
                }
            } else {
                // Idle: our reference becomes the run queue's.
                (Some(s.0 | NOTIFIED), ToNotified::Submit)
            }
        })
    }

    /// `JoinHandle::abort`: sets CANCELLED and makes sure somebody will look
    /// at the task. `Submit` means a new reference must be queued.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> ToNotified {
        self.update(|s| {
            if s.is_complete() || s.is_cancelled() {
                (None, ToNotified::Nothing)
            } else if s.is_running() || s.is_notified() {
                // The poller or the queued entry will see CANCELLED.
                (Some(s.0 | CANCELLED | NOTIFIED), ToNotified::Nothing)
            } else {
                (
                    Some((s.0 | CANCELLED | NOTIFIED) + REF_ONE),
                    ToNotified::Submit,
                )
            }
        })
    }

    /// Runtime shutdown: sets CANCELLED, and returns true if the caller now
    /// owns the future (RUNNING set) and must drop it and complete the task.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            if s.is_complete() {
                (None, false)
            } else if s.is_running() {
                (Some(s.0 | CANCELLED), false)
            } else {
                (Some(s.0 | CANCELLED | RUNNING), true)
            }
        })
    }

    /// The `JoinHandle` is dropped. Clears JOIN_INTEREST unless the task is
    /// already complete, in which case returns `Err` and the handle must drop
    /// the output itself.
    pub(crate) fn unset_join_interest(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest());
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 & !JOIN_INTEREST), Ok(()))
            }
        })
    }

    /// The `JoinHandle` wrote its waker into the (unpublished) slot: publish
    /// it. Fails if the task completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest() && !s.has_join_waker());
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 | JOIN_WAKER), Ok(()))
            }
        })
    }

    /// The `JoinHandle` wants to replace its published waker: take the slot
    /// back. Fails if the task completed meanwhile (the slot stays published).
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest() && s.has_join_waker());
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 & !JOIN_WAKER), Ok(()))
            }
        })
    }

    /// One more reference (a waker clone).
    pub(crate) fn ref_inc(&self) {
        // Relaxed is enough: the caller already holds a reference, so the
        // count cannot reach zero concurrently (the same argument as Arc).
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        if prev > isize::MAX as usize {
            // Billions of leaked wakers: refuse to wrap the count.
            std::process::abort();
        }
    }

    /// Drops `n` references; true if they were the last and the caller must
    /// free the task.
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        // AcqRel: our earlier writes to the task happen-before the free, and
        // the freeing thread sees everyone else's.
        let prev = Snapshot(self.0.fetch_sub(n * REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= n, "reference count underflow: {prev:?}");
        prev.ref_count() == n
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn life_of_a_task() {
        let s = State::new();
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        // A wake while running only flags it.
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
        assert_eq!(s.transition_to_idle(), ToIdle::Requeue);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        let prev = s.transition_to_complete();
        assert!(prev.has_join_interest());
        assert!(s.load().is_complete());
        assert_eq!(s.flags_for_test() & RUNNING, 0);
    }

    #[test]
    fn abort_idle_task_submits_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.transition_to_notified_and_cancel(), ToNotified::Submit);
        assert_eq!(s.transition_to_notified_and_cancel(), ToNotified::Nothing);
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);
    }

    #[test]
    fn wake_by_val_on_complete_frees_last() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        s.transition_to_complete();
        assert!(!s.ref_dec(2));
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::Dealloc);
    }

    impl State {
        fn flags_for_test(&self) -> usize {
            self.0.load(Ordering::Relaxed)
        }
    }
}
