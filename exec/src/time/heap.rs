#![doc = include_str!("../guide/timer_heap.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/timer_heap.md, shown by `cargo doc` as `exec::guide::timer_heap`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct HeapEntry {
    deadline: Instant,
    /// Insertion order: equal deadlines fire first-in first-out.
    seq: u64,
    slot: usize,
}

impl HeapEntry {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.seq)
    }
}

#[derive(Debug)]
enum Slot {
    Free,
    Waiting {
        pos: usize,
        waker: Waker,
    },
    Fired,
    /// Taken out of the heap by runtime shutdown: it will never fire.
    Abandoned,
}

/// The heap and the slots of the timers in it.
#[derive(Debug, Default)]
pub(crate) struct TimerHeap {
    heap: Vec<HeapEntry>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    seq: u64,
}

impl TimerHeap {
    /// Adds a timer; returns its slot id.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> usize {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot::Free);
                self.slots.len() - 1
            }
        };
        self.seq += 1;
        let pos = self.heap.len();
        self.heap.push(HeapEntry {
            deadline,
            seq: self.seq,
            slot,
        });
        self.slots[slot] = Slot::Waiting { pos, waker };
        self.sift_up(pos);
        slot
    }

    /// Checks a timer: true if it fired (its slot is then freed); otherwise
    /// refreshes the waker (an abandoned timer stays pending for good).
    pub(crate) fn poll(&mut self, slot: usize, waker: &Waker) -> bool {
        match &mut self.slots[slot] {
            Slot::Fired => {
                self.slots[slot] = Slot::Free;
                self.free.push(slot);
                true
            }
            Slot::Waiting { waker: stored, .. } => {
                if !stored.will_wake(waker) {
                    *stored = waker.clone();
                }
                false
            }
            Slot::Abandoned => false,
            Slot::Free => unreachable!("timer slot {slot} polled after release"),
        }
    }

    /// Removes a timer (fired or not) and frees its slot.
    pub(crate) fn cancel(&mut self, slot: usize) {
        if let Slot::Waiting { pos, .. } = self.slots[slot] {
            self.remove_at(pos);
        }
        self.slots[slot] = Slot::Free;
        self.free.push(slot);
    }

    /// The nearest deadline.
    pub(crate) fn peek(&self) -> Option<Instant> {
        self.heap.first().map(|e| e.deadline)
    }

    /// Timers waiting.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Pops every timer due at `now`, collecting its waker.
    pub(crate) fn fire(&mut self, now: Instant, wakers: &mut Vec<Waker>) {
        while let Some(first) = self.heap.first() {
            if first.deadline > now {
                break;
            }
            let slot = first.slot;
            self.remove_at(0);
            if let Slot::Waiting { waker, .. } =
                std::mem::replace(&mut self.slots[slot], Slot::Fired)
            {
                wakers.push(waker);
            }
        }
    }

    /// Drops every timer's waker (shutdown); sleeps then never complete
    /// (they must not report a deadline that has not passed).
    pub(crate) fn clear(&mut self, wakers: &mut Vec<Waker>) {
        for entry in self.heap.drain(..) {
            if let Slot::Waiting { waker, .. } =
                std::mem::replace(&mut self.slots[entry.slot], Slot::Abandoned)
            {
                wakers.push(waker);
            }
        }
    }

    fn remove_at(&mut self, pos: usize) {
        let last = self.heap.len() - 1;
        self.heap.swap(pos, last);
        self.heap.pop();
        if pos < self.heap.len() {
            self.set_pos(pos);
            self.sift_down(pos);
            self.sift_up(pos);
        }
    }

    fn set_pos(&mut self, pos: usize) {
        let slot = self.heap[pos].slot;
        if let Slot::Waiting { pos: p, .. } = &mut self.slots[slot] {
            *p = pos;
        }
    }

    fn sift_up(&mut self, mut pos: usize) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if self.heap[parent].key() <= self.heap[pos].key() {
                break;
            }
            self.heap.swap(parent, pos);
            self.set_pos(pos);
            pos = parent;
        }
        self.set_pos(pos);
    }

    fn sift_down(&mut self, mut pos: usize) {
        loop {
            let left = 2 * pos + 1;
            let right = left + 1;
            let mut smallest = pos;
            if left < self.heap.len() && self.heap[left].key() < self.heap[smallest].key() {
                smallest = left;
            }
            if right < self.heap.len() && self.heap[right].key() < self.heap[smallest].key() {
                smallest = right;
            }
            if smallest == pos {
                break;
            }
            self.heap.swap(pos, smallest);
            self.set_pos(pos);
            pos = smallest;
        }
        self.set_pos(pos);
    }
}

/// The runtime's timers plus what the blocked reactor is waiting for.
#[derive(Debug)]
pub(crate) struct Timers {
    heap: Mutex<TimerHeap>,
    /// Deadline (ns after `base`) the reactor is blocked until; 0 when no
    /// worker is blocked in the reactor, `u64::MAX` for "no timeout".
    armed: AtomicU64,
    base: Instant,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            heap: Mutex::default(),
            armed: AtomicU64::new(0),
            base: Instant::now(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, TimerHeap> {
        self.heap.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn nanos(&self, t: Instant) -> u64 {
        // +1 keeps 0 free for "not armed".
        t.saturating_duration_since(self.base).as_nanos() as u64 + 1
    }

    /// Called by the reactor before blocking: the timeout to use, recorded
    /// so that an earlier timer registered meanwhile wakes the reactor.
    pub(crate) fn arm(&self, now: Instant) -> Option<Duration> {
        let heap = self.lock();
        let next = heap.peek();
        let armed = next.map_or(u64::MAX, |d| self.nanos(d));
        self.armed.store(armed, Ordering::SeqCst);
        next.map(|d| d.saturating_duration_since(now))
    }

    /// The reactor stopped blocking.
    pub(crate) fn disarm(&self) {
        self.armed.store(0, Ordering::SeqCst);
    }

    /// Adds a timer; returns its slot and whether the blocked reactor must
    /// be woken to shorten its timeout.
    pub(crate) fn insert(&self, deadline: Instant, waker: Waker) -> (usize, bool) {
        let mut heap = self.lock();
        let slot = heap.insert(deadline, waker);
        let wake = self.nanos(deadline) < self.armed.load(Ordering::SeqCst);
        (slot, wake)
    }

    pub(crate) fn fire(&self, now: Instant, wakers: &mut Vec<Waker>) {
        let mut heap = self.lock();
        if heap.peek().is_some_and(|d| d <= now) {
            heap.fire(now, wakers);
        }
    }

    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.lock().clear(wakers);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn fires_in_deadline_order_and_cancels() {
        let waker = Waker::from(Arc::new(Noop));
        let base = Instant::now();
        let mut heap = TimerHeap::default();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut slots = Vec::new();
        for _ in 0..500 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = base + Duration::from_micros(seed % 10_000);
            slots.push((heap.insert(at, waker.clone()), at));
        }
        // Cancel every third one.
        let mut kept = Vec::new();
        for (i, (slot, at)) in slots.into_iter().enumerate() {
            if i % 3 == 0 {
                heap.cancel(slot);
            } else {
                kept.push((slot, at));
            }
        }
        assert_eq!(heap.len(), kept.len());
        let mut last = base;
        while let Some(next) = heap.peek() {
            assert!(next >= last);
            last = next;
            let mut w = Vec::new();
            heap.fire(next, &mut w);
            assert!(!w.is_empty());
        }
        for (slot, _) in kept {
            assert!(heap.poll(slot, &waker));
        }
    }

    #[test]
    fn shutdown_never_completes_a_pending_timer() {
        let waker = Waker::from(Arc::new(Noop));
        let mut heap = TimerHeap::default();
        let slot = heap.insert(Instant::now() + Duration::from_secs(3600), waker.clone());
        let mut woken = Vec::new();
        heap.clear(&mut woken);
        assert_eq!(woken.len(), 1);
        // Woken so the task can be dropped, but the hour has not passed.
        assert!(!heap.poll(slot, &waker));
        heap.cancel(slot);
        assert_eq!(heap.len(), 0);
    }
}
