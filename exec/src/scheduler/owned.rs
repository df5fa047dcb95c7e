//! The list of every live task, so that shutdown can drop each future
//! exactly once even when no queue and no waker refers to it any more.
//!
//! Sharded by task address to keep the two lock operations per task (insert
//! at spawn, remove at completion) uncontended; each shard is a slab whose
//! slot number is remembered in the task header.

use std::sync::{Mutex, MutexGuard};

use crate::task::Task;

#[derive(Debug, Default)]
struct Shard {
    slots: Vec<Option<Task>>,
    free: Vec<usize>,
    live: usize,
    spawned: u64,
    closed: bool,
}

/// Every task spawned on a runtime and not yet complete.
#[derive(Debug)]
pub(crate) struct OwnedTasks {
    shards: Box<[Mutex<Shard>]>,
    shift: u32,
}

impl OwnedTasks {
    /// A list with `shards` (rounded up to a power of two) locks.
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        let n = shards.next_power_of_two().max(2);
        OwnedTasks {
            shards: (0..n).map(|_| Mutex::default()).collect(),
            shift: 64 - n.trailing_zeros(),
        }
    }

    fn shard(&self, task: &Task) -> MutexGuard<'_, Shard> {
        // Fibonacci hashing of the address picks a shard.
        let h = (task.addr() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift;
        self.shards[h as usize]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a new task; gives it back if the runtime is shutting down.
    pub(crate) fn bind(&self, task: Task) -> Result<(), Task> {
        let mut shard = self.shard(&task);
        if shard.closed {
            return Err(task);
        }
        let slot = match shard.free.pop() {
            Some(slot) => slot,
            None => {
                shard.slots.push(None);
                shard.slots.len() - 1
            }
        };
        task.set_owned_slot(slot);
        shard.slots[slot] = Some(task);
        shard.live += 1;
        shard.spawned += 1;
        Ok(())
    }

    /// Removes a completed task, returning the list's reference.
    pub(crate) fn remove(&self, task: &Task) -> Option<Task> {
        let mut shard = self.shard(task);
        let slot = task.owned_slot();
        let entry = shard.slots.get_mut(slot)?;
        if entry.as_ref().map(Task::addr) != Some(task.addr()) {
            // Already taken by shutdown.
            return None;
        }
        let found = entry.take();
        shard.free.push(slot);
        shard.live -= 1;
        found
    }

    /// Refuses new tasks and hands back every remaining one.
    pub(crate) fn close_and_take_all(&self) -> Vec<Task> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            shard.closed = true;
            shard.live = 0;
            shard.free.clear();
            all.extend(std::mem::take(&mut shard.slots).into_iter().flatten());
        }
        all
    }

    /// Tasks alive now.
    pub(crate) fn live(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).live)
            .sum()
    }

    /// Tasks spawned since the runtime started.
    pub(crate) fn spawned(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).spawned)
            .sum()
    }
}
