//! Tasks: one heap allocation per spawned future, driven by a state word.
//!
//! - `state.rs`: the atomic word and its transitions (the invariants);
//! - `raw.rs`: the allocation and the vtable that polls, completes, frees;
//! - `waker.rs`: `RawWaker`s pointing at the allocation;
//! - `join.rs`: [`JoinHandle`] and [`JoinError`].
//!
//! The runtime holds tasks through two reference-owning handles defined here:
//! [`Notified`] (an entry in a run queue; running it consumes it) and [`Task`]
//! (the owned-task list's entry, used to cancel everything at shutdown).

mod join;
mod raw;
mod state;
mod waker;

use std::future::Future;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

pub use join::{JoinError, JoinHandle};
pub(crate) use raw::Header;

/// What a task needs from the runtime that spawned it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Push a woken task onto a run queue. `is_yield` is true when the task
    /// woke itself during its own poll (it then goes to the back).
    fn schedule(&self, task: Notified, is_yield: bool);
    /// The task completed: remove it from the owned-task list, returning the
    /// list's reference if it was still there.
    fn release(&self, task: &Task) -> Option<Task>;
}

/// Allocates a task; returns its three references: the owned-list entry, the
/// first run-queue entry and the spawner's `JoinHandle`.
pub(crate) fn new_task<F, S>(future: F, scheduler: S) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let ptr = raw::allocate(future, scheduler);
    // SAFETY: `allocate` returned three references (state INITIAL) with
    // output type F::Output; each handle below takes one.
    unsafe {
        (
            Task::from_raw(ptr),
            Notified::from_raw(ptr),
            JoinHandle::from_raw(ptr),
        )
    }
}

/// One reference to a task, held by the owned-task list.
pub(crate) struct Task {
    ptr: NonNull<Header>,
}

// SAFETY: tasks are only created from `Send` futures with `Send` outputs, and
// a `Task` handle only uses the atomic state and the vtable.
unsafe impl Send for Task {}
// SAFETY: as above; `&Task` exposes nothing but the header address.
unsafe impl Sync for Task {}

impl Task {
    /// # Safety
    /// `ptr` carries one reference that the new handle will own.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Task {
        Task { ptr }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference.
        unsafe { self.ptr.as_ref() }
    }

    /// The address, used as the task's identity.
    pub(crate) fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// Slot in the owned-task list (only the list reads or writes it).
    pub(crate) fn owned_slot(&self) -> usize {
        self.header().owned_slot.load(Ordering::Relaxed)
    }

    /// Records the slot in the owned-task list.
    pub(crate) fn set_owned_slot(&self, slot: usize) {
        self.header().owned_slot.store(slot, Ordering::Relaxed)
    }

    /// Cancels the task if no one is polling it (runtime shutdown): its
    /// future is dropped here, and this reference is given up.
    pub(crate) fn shutdown(self) {
        let ptr = self.ptr;
        std::mem::forget(self);
        // SAFETY: we hand over the reference this handle owned.
        unsafe { (ptr.as_ref().vtable.shutdown)(ptr) };
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.ptr) };
        }
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Task({:p}, {:?})", self.ptr, self.header().state)
    }
}

/// A task that has been woken and waits in a run queue; owns one reference.
pub(crate) struct Notified {
    task: Task,
}

impl Notified {
    /// # Safety
    /// `ptr` carries one reference, and the task's NOTIFIED bit stands for it.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        Notified {
            // SAFETY: the caller's reference moves into the handle.
            task: unsafe { Task::from_raw(ptr) },
        }
    }

    /// Gives up the handle, keeping its reference in the returned pointer
    /// (for the lock-free queues, which store raw pointers).
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        let ptr = self.task.ptr;
        std::mem::forget(self);
        ptr
    }

    /// Polls the task once (or drops it if it was aborted).
    pub(crate) fn run(self) {
        let ptr = self.into_raw();
        // SAFETY: the notified reference is given to `poll`, which consumes it.
        unsafe { (ptr.as_ref().vtable.poll)(ptr) };
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Notified({:?})", self.task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Wake, Waker};

    /// A scheduler that just collects woken tasks.
    #[derive(Clone, Default)]
    struct Collect(Arc<Mutex<Vec<Notified>>>);

    impl Schedule for Collect {
        fn schedule(&self, task: Notified, _is_yield: bool) {
            self.0.lock().unwrap().push(task);
        }
        fn release(&self, _task: &Task) -> Option<Task> {
            None
        }
    }

    impl Collect {
        fn run_all(&self) -> usize {
            let mut n = 0;
            loop {
                let batch = std::mem::take(&mut *self.0.lock().unwrap());
                if batch.is_empty() {
                    return n;
                }
                for t in batch {
                    n += 1;
                    t.run();
                }
            }
        }
    }

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    struct CountDrop(Arc<AtomicUsize>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A task whose future never completes and counts its drops: its
    /// scheduler, the drop count, and the task's three handles.
    fn idle_task() -> (Collect, Arc<AtomicUsize>, (Task, Notified, JoinHandle<()>)) {
        let sched = Collect::default();
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = CountDrop(drops.clone());
        let handles = new_task(
            async move {
                let _g = guard;
                std::future::pending::<()>().await;
            },
            sched.clone(),
        );
        (sched, drops, handles)
    }

    #[test]
    fn run_to_completion_and_join() {
        let sched = Collect::default();
        let (task, notified, mut join) = new_task(async { 5 }, sched.clone());
        drop(task);
        notified.run();
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(
            std::pin::Pin::new(&mut join).poll(&mut cx),
            Poll::Ready(Ok(5))
        ));
    }

    #[test]
    fn self_wake_requeues_and_waker_outlives_task() {
        let sched = Collect::default();
        let saved: Arc<Mutex<Option<Waker>>> = Arc::default();
        let saved2 = saved.clone();
        let mut polls = 0;
        let fut = std::future::poll_fn(move |cx| {
            polls += 1;
            *saved2.lock().unwrap() = Some(cx.waker().clone());
            if polls < 3 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(polls)
            }
        });
        let (task, notified, join) = new_task(fut, sched.clone());
        drop(task);
        drop(join);
        sched.0.lock().unwrap().push(notified);
        assert_eq!(sched.run_all(), 3);
        // The task is complete; this waker is the last reference.
        let w = saved.lock().unwrap().take().unwrap();
        w.wake_by_ref();
        assert_eq!(sched.run_all(), 0);
        drop(w);
    }

    #[test]
    fn panic_is_reported_and_future_dropped_once() {
        let sched = Collect::default();
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = CountDrop(drops.clone());
        let (task, notified, mut join) = new_task(
            async move {
                let _g = guard;
                panic!("boom");
            },
            sched.clone(),
        );
        drop(task);
        notified.run();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        match std::pin::Pin::new(&mut join).poll(&mut cx) {
            Poll::Ready(Err(e)) => assert_eq!(e.panic_message().as_deref(), Some("boom")),
            other => panic!("unexpected {:?}", other.map(|r| r.is_ok())),
        }
    }

    #[test]
    fn shutdown_drops_idle_future_once() {
        let (_sched, drops, (task, notified, join)) = idle_task();
        notified.run();
        task.shutdown();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(join.is_finished());
    }

    /// Wakers on other threads race with the polls: no wake is lost (the
    /// task completes), the future is dropped once, and the last reference
    /// frees the task (Miri reports a leak or a double free otherwise).
    #[test]
    fn wakes_from_other_threads_race_with_polls() {
        const THREADS: usize = 3;
        // Miri explores interleavings at every atomic access: a few wakes
        // per thread cover the races; natively, more rounds find more.
        const WAKES: usize = if cfg!(miri) { 10 } else { 1_000 };
        let sched = Collect::default();
        let done = Arc::new(AtomicUsize::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let saved: Arc<Mutex<Option<Waker>>> = Arc::default();
        let (done2, saved2, guard) = (done.clone(), saved.clone(), CountDrop(drops.clone()));
        let fut = std::future::poll_fn(move |cx| {
            let _g = &guard;
            saved2
                .lock()
                .unwrap()
                .get_or_insert_with(|| cx.waker().clone());
            if done2.load(Ordering::SeqCst) == THREADS {
                Poll::Ready(7)
            } else {
                Poll::Pending
            }
        });
        let (task, notified, mut join) = new_task(fut, sched.clone());
        drop(task);
        notified.run();
        let waker = saved.lock().unwrap().take().unwrap();
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let (w, done) = (waker.clone(), done.clone());
                std::thread::spawn(move || {
                    // Count first: the wakes after it find the count final.
                    done.fetch_add(1, Ordering::SeqCst);
                    for _ in 0..WAKES {
                        w.wake_by_ref();
                    }
                })
            })
            .collect();
        drop(waker);
        while !join.is_finished() {
            sched.run_all();
            std::thread::yield_now();
        }
        threads.into_iter().for_each(|t| t.join().unwrap());
        sched.run_all();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let noop = Waker::from(Arc::new(Noop));
        let poll = std::pin::Pin::new(&mut join).poll(&mut Context::from_waker(&noop));
        assert!(matches!(poll, Poll::Ready(Ok(7))));
    }

    /// `abort` from another thread while the task is idle: the task is
    /// scheduled once more, its future dropped once, the join sees a
    /// cancellation.
    #[test]
    fn abort_from_another_thread_cancels_once() {
        let (sched, drops, (task, notified, join)) = idle_task();
        drop(task);
        notified.run();
        let mut join = std::thread::spawn(move || {
            join.abort();
            join.abort(); // a second abort changes nothing
            join
        })
        .join()
        .unwrap();
        assert_eq!(sched.run_all(), 1, "aborting schedules the task once");
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let noop = Waker::from(Arc::new(Noop));
        match std::pin::Pin::new(&mut join).poll(&mut Context::from_waker(&noop)) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("unexpected {:?}", other.map(|r| r.is_ok())),
        }
    }
}
