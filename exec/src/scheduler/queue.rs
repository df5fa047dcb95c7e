#![doc = include_str!("../guide/local_queue.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/local_queue.md, shown by `cargo doc` as `exec::guide::local_queue`.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use super::inject::Inject;
use crate::task::{Header, Notified};

/// Slots per worker queue (a power of two).
pub(crate) const CAPACITY: usize = 256;
const MASK: u32 = CAPACITY as u32 - 1;

struct Inner {
    /// `(steal << 32) | real`.
    head: AtomicU64,
    /// Next free slot; written by the owner only.
    tail: AtomicU32,
    buffer: Box<[AtomicPtr<Header>]>,
}

/// The owner's end: push and pop. Not `Sync`: one thread uses it.
pub(crate) struct Local {
    inner: Arc<Inner>,
    _not_sync: PhantomData<Cell<()>>,
}

/// A thief's end: may be shared by every other worker.
pub(crate) struct Steal(Arc<Inner>);

fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << 32) | real as u64
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

/// A new empty queue: the owner's end and a thief's end.
pub(crate) fn new() -> (Local, Steal) {
    let buffer = (0..CAPACITY)
        .map(|_| AtomicPtr::new(ptr::null_mut()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (
        Local {
            inner: inner.clone(),
            _not_sync: PhantomData,
        },
        Steal(inner),
    )
}

impl Inner {
    fn slot(&self, pos: u32) -> &AtomicPtr<Header> {
        &self.buffer[(pos & MASK) as usize]
    }

    /// Takes the task out of a slot this thread just claimed.
    fn take(&self, pos: u32) -> Notified {
        let ptr = self.slot(pos).load(Ordering::Relaxed);
        // SAFETY: a claimed slot (between the old and new `real`, claimed by
        // our compare-exchange) holds a pointer stored by `push_back` from
        // `Notified::into_raw`, whose reference now moves back into a handle.
        // No other thread can claim the same position.
        unsafe { Notified::from_raw(NonNull::new_unchecked(ptr)) }
    }

    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Ordering::Acquire));
        let tail = self.tail.load(Ordering::Acquire);
        tail.wrapping_sub(real) as usize
    }
}

impl Local {
    /// Tasks waiting in this queue.
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// True if there is nothing to pop.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pushes at the back; on overflow moves half the queue to `inject`.
    pub(crate) fn push_back(&self, mut task: Notified, inject: &Inject) {
        let inner = &*self.inner;
        loop {
            let (steal, real) = unpack(inner.head.load(Ordering::Acquire));
            // Only this thread writes `tail`.
            let tail = inner.tail.load(Ordering::Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                // Room: `steal` bounds the slots still in use (even those a
                // thief is copying), so slot `tail` is free.
                inner
                    .slot(tail)
                    .store(task.into_raw().as_ptr(), Ordering::Relaxed);
                // Release: a thief that reads this tail also sees the slot.
                inner.tail.store(tail.wrapping_add(1), Ordering::Release);
                return;
            }
            if steal != real {
                // Full, and a thief is mid-copy: it will free slots soon, but
                // we cannot move half the queue now. Use the injector.
                inject.push(task);
                return;
            }
            match self.push_overflow(task, real, inject) {
                Ok(()) => return,
                // A thief took some tasks meanwhile: there is room now.
                Err(back) => task = back,
            }
        }
    }

    /// Moves `CAPACITY / 2` tasks from the front, plus `task`, to `inject`.
    fn push_overflow(&self, task: Notified, real: u32, inject: &Inject) -> Result<(), Notified> {
        let inner = &*self.inner;
        let n = (CAPACITY / 2) as u32;
        let prev = pack(real, real);
        let next = pack(real.wrapping_add(n), real.wrapping_add(n));
        // CAS: claim the first half for ourselves; fails if a thief (or
        // nobody else: only we pop) moved `head` since we looked.
        if inner
            .head
            .compare_exchange(prev, next, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(task);
        }
        let mut batch = Vec::with_capacity(n as usize + 1);
        for i in 0..n {
            batch.push(inner.take(real.wrapping_add(i)));
        }
        batch.push(task);
        inject.push_batch(batch);
        Ok(())
    }

    /// Pops from the front (the oldest task).
    pub(crate) fn pop(&self) -> Option<Notified> {
        let inner = &*self.inner;
        let mut head = inner.head.load(Ordering::Acquire);
        loop {
            let (steal, real) = unpack(head);
            let tail = inner.tail.load(Ordering::Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // No thief active: move both positions. Otherwise leave `steal`
            // to the thief, who will catch it up when done copying.
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            // CAS: claim slot `real`; fails if a thief advanced `real` first,
            // in which case we retry from the value it wrote.
            match inner
                .head
                .compare_exchange(head, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(inner.take(real)),
                Err(actual) => head = actual,
            }
        }
    }
}

impl Steal {
    /// True if a thief would find something.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Tasks waiting (racy snapshot, for metrics).
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Steals half of this queue into `dst` (the caller's own queue) and
    /// returns one of the stolen tasks to run now.
    pub(crate) fn steal_into(&self, dst: &Local) -> Option<Notified> {
        let dst_inner = &*dst.inner;
        let dst_tail = dst_inner.tail.load(Ordering::Relaxed);
        let (dst_steal, _) = unpack(dst_inner.head.load(Ordering::Acquire));
        if dst_tail.wrapping_sub(dst_steal) > CAPACITY as u32 / 2 {
            // Our own queue is half full: we have work, no need to steal.
            return None;
        }
        let n = self.steal_into2(dst_inner, dst_tail);
        if n == 0 {
            return None;
        }
        // Run the last stolen task now; publish the others.
        let last = n - 1;
        let task = dst_inner.take(dst_tail.wrapping_add(last));
        if last > 0 {
            // Release: our own thieves see the copied slots with the tail.
            dst_inner
                .tail
                .store(dst_tail.wrapping_add(last), Ordering::Release);
        }
        Some(task)
    }

    /// Copies half of the tasks into `dst` starting at `dst_tail`; returns
    /// how many.
    fn steal_into2(&self, dst: &Inner, dst_tail: u32) -> u32 {
        let src = &*self.0;
        let mut prev = src.head.load(Ordering::Acquire);
        let (first, n, claimed) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Another thief is copying from this queue: let it be.
                return 0;
            }
            // Acquire: the slots up to this tail were written before it.
            let tail = src.tail.load(Ordering::Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            // CAS: claim `[real, real + n)` by moving `real` only; `steal`
            // stays behind so the owner does not reuse those slots while we
            // copy. Fails if the owner popped or another thief claimed.
            match src
                .head
                .compare_exchange(prev, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break (real, n, next),
                Err(actual) => prev = actual,
            }
        };
        for i in 0..n {
            let ptr = src.slot(first.wrapping_add(i)).load(Ordering::Relaxed);
            dst.slot(dst_tail.wrapping_add(i))
                .store(ptr, Ordering::Relaxed);
        }
        // Tell the owner we are done: `steal` catches up with `real`.
        let mut prev = claimed;
        loop {
            let (_, real) = unpack(prev);
            let next = pack(real, real);
            // CAS: the owner may have popped meanwhile (moving `real`); in
            // that case retry with its value. Only we move `steal` now.
            match src
                .head
                .compare_exchange(prev, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return n,
                Err(actual) => prev = actual,
            }
        }
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        // The runtime drains queues at shutdown; anything left would leak a
        // reference, so drop it here too.
        while let Some(task) = self.pop() {
            drop(task);
        }
    }
}

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local").field("len", &self.len()).finish()
    }
}

impl std::fmt::Debug for Steal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Steal").field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::{new_task, Schedule, Task};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Tasks here are only run (polled once to completion), never woken.
    struct NoSchedule;
    impl Schedule for Arc<NoSchedule> {
        fn schedule(&self, _task: Notified, _is_yield: bool) {
            unreachable!("test tasks never wake")
        }
        fn release(&self, _task: &Task) -> Option<Task> {
            None
        }
    }

    fn counting_task(ran: &Arc<AtomicUsize>) -> Notified {
        let ran = ran.clone();
        let (task, notified, join) = new_task(
            async move {
                ran.fetch_add(1, Ordering::SeqCst);
            },
            Arc::new(NoSchedule),
        );
        drop(task);
        drop(join);
        notified
    }

    #[test]
    fn push_pop_in_order_and_overflow_to_injector() {
        let ran = Arc::new(AtomicUsize::new(0));
        let inject = Inject::default();
        let (local, _steal) = new();
        for _ in 0..CAPACITY + 10 {
            local.push_back(counting_task(&ran), &inject);
        }
        // Half the ring plus the task that did not fit moved out.
        assert_eq!(inject.len(), CAPACITY / 2 + 1);
        assert_eq!(local.len(), CAPACITY + 10 - inject.len());
        while let Some(t) = local.pop() {
            t.run();
        }
        while let Some(t) = inject.pop() {
            t.run();
        }
        assert_eq!(ran.load(Ordering::SeqCst), CAPACITY + 10);
    }

    #[test]
    fn stampede_of_thieves_takes_each_task_once() {
        // Miri interprets every step and explores interleavings at each
        // atomic access: a few hundred tasks exercise the same races.
        const N: usize = if cfg!(miri) {
            300
        } else if cfg!(debug_assertions) {
            20_000
        } else {
            200_000
        };
        let ran = Arc::new(AtomicUsize::new(0));
        let inject = Arc::new(Inject::default());
        let (local, steal) = new();
        let steal = Arc::new(steal);
        let done = Arc::new(AtomicBool::new(false));
        let thieves: Vec<_> = (0..3)
            .map(|_| {
                let steal = steal.clone();
                let done = done.clone();
                std::thread::spawn(move || {
                    let (mine, _) = new();
                    let mut taken = 0;
                    loop {
                        let finished = done.load(Ordering::SeqCst);
                        if let Some(t) = steal.steal_into(&mine) {
                            t.run();
                            taken += 1;
                        }
                        while let Some(t) = mine.pop() {
                            t.run();
                            taken += 1;
                        }
                        if finished && steal.is_empty() {
                            return taken;
                        }
                    }
                })
            })
            .collect();
        let mut owner = 0;
        for i in 0..N {
            local.push_back(counting_task(&ran), &inject);
            if i % 3 == 0 {
                if let Some(t) = local.pop() {
                    t.run();
                    owner += 1;
                }
            }
        }
        while let Some(t) = local.pop() {
            t.run();
            owner += 1;
        }
        done.store(true, Ordering::SeqCst);
        let stolen: usize = thieves.into_iter().map(|t| t.join().unwrap()).sum();
        let mut injected = 0;
        while let Some(t) = inject.pop() {
            t.run();
            injected += 1;
        }
        assert_eq!(owner + stolen + injected, N);
        assert_eq!(ran.load(Ordering::SeqCst), N);
    }
}
