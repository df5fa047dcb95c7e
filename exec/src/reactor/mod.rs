//! The reactor: one `sys::Poll` shared by all workers, and the bookkeeping
//! that turns its events into task wake-ups.
//!
//! - `driver.rs`: the [`Driver`] (owns the `Poll`; whoever locks it may block
//!   in it) and one *turn*: poll, dispatch, fire timers, wake;
//! - `scheduled_io.rs`: per-source readiness and its reader/writer wakers;
//! - `registration.rs`: an I/O object registered with the reactor.

mod driver;
pub(crate) mod registration;
pub(crate) mod scheduled_io;

pub(crate) use driver::Driver;

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use scheduled_io::ScheduledIo;

use crate::signal::SignalState;
use crate::time::Timers;

/// Token of the `sys::Waker` that interrupts a blocked poll.
pub(crate) const TOKEN_WAKEUP: sys::Token = sys::Token(usize::MAX);
/// Token of the signal source.
pub(crate) const TOKEN_SIGNAL: sys::Token = sys::Token(usize::MAX - 1);

/// Token layout: slab index in the low 32 bits, a generation above it, so an
/// event for a source deregistered in the same turn cannot reach the new
/// source that reused its slot.
const INDEX_BITS: u32 = 32;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Generations stay below this, keeping clear of the reserved tokens.
const GENERATION_LIMIT: usize = 1 << 24;

#[derive(Debug)]
struct Entry {
    generation: usize,
    io: Option<Arc<ScheduledIo>>,
}

/// Registered sources by token.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    entries: Vec<Entry>,
    free: Vec<usize>,
    live: usize,
}

impl Sources {
    fn insert(&mut self, io: Arc<ScheduledIo>) -> sys::Token {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.entries.push(Entry {
                    generation: 0,
                    io: None,
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        entry.io = Some(io);
        self.live += 1;
        sys::Token(entry.generation << INDEX_BITS | index)
    }

    fn remove(&mut self, token: sys::Token) {
        let index = token.0 & INDEX_MASK;
        if let Some(entry) = self.entries.get_mut(index) {
            if entry.generation == token.0 >> INDEX_BITS && entry.io.take().is_some() {
                entry.generation = (entry.generation + 1) % GENERATION_LIMIT;
                self.free.push(index);
                self.live -= 1;
            }
        }
    }

    pub(crate) fn get(&self, token: sys::Token) -> Option<&Arc<ScheduledIo>> {
        let entry = self.entries.get(token.0 & INDEX_MASK)?;
        if entry.generation != token.0 >> INDEX_BITS {
            return None;
        }
        entry.io.as_ref()
    }
}

/// The reactor's shared side, usable from any thread.
#[derive(Debug)]
pub(crate) struct IoHandle {
    pub(crate) registry: sys::Registry,
    waker: sys::Waker,
    sources: Mutex<Sources>,
    pub(crate) timers: Timers,
    pub(crate) signals: SignalState,
    pub(crate) turns: AtomicU64,
    is_shutdown: AtomicBool,
}

impl IoHandle {
    pub(crate) fn new(registry: sys::Registry, signals: SignalState) -> io::Result<IoHandle> {
        let waker = sys::Waker::new(&registry, TOKEN_WAKEUP)?;
        Ok(IoHandle {
            registry,
            waker,
            sources: Mutex::default(),
            timers: Timers::new(),
            signals,
            turns: AtomicU64::new(0),
            is_shutdown: AtomicBool::new(false),
        })
    }

    pub(crate) fn sources(&self) -> MutexGuard<'_, Sources> {
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Interrupts the worker blocked in the reactor (if any; otherwise the
    /// next poll returns at once).
    pub(crate) fn wake_reactor(&self) {
        if let Err(e) = self.waker.wake() {
            // Cannot happen short of fd exhaustion bugs; say so loudly.
            eprintln!("exec: waking the reactor failed: {e}");
        }
    }

    /// Registers `source` for read and write readiness.
    pub(crate) fn add_source(
        &self,
        source: &mut impl sys::Source,
    ) -> io::Result<(sys::Token, Arc<ScheduledIo>)> {
        if self.is_shutdown.load(Ordering::Acquire) {
            return Err(io::Error::other("the exec runtime has shut down"));
        }
        let io = Arc::new(ScheduledIo::default());
        let token = self.sources().insert(io.clone());
        let interest = sys::Interest::READABLE | sys::Interest::WRITABLE;
        if let Err(e) = self.registry.register(source, token, interest) {
            self.sources().remove(token);
            return Err(e);
        }
        Ok((token, io))
    }

    /// Deregisters `source` and forgets its token.
    pub(crate) fn remove_source(&self, source: &mut impl sys::Source, token: sys::Token) {
        // The fd is about to be closed, which deregisters it anyway; an
        // error here changes nothing.
        let _ = self.registry.deregister(source);
        self.sources().remove(token);
    }

    /// Live registrations (metrics).
    pub(crate) fn source_count(&self) -> usize {
        self.sources().live
    }

    /// Runtime shutdown: fail pending and future I/O, drop stored wakers
    /// and timers (they hold task references).
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::Release);
        let mut wakers = Vec::new();
        {
            let sources = self.sources();
            for entry in &sources.entries {
                if let Some(io) = &entry.io {
                    io.shutdown(&mut wakers);
                }
            }
        }
        self.timers.shutdown(&mut wakers);
        self.signals.shutdown(&mut wakers);
        // Wake them: the tasks are complete by now, so this only drops the
        // references (and wakes foreign threads such as `block_on`).
        for waker in wakers {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A slot freed and reused within one turn gets a new token: an event
    /// for the old source, still in the turn's batch, finds nothing
    /// (`sys::guide::pitfalls`, token reuse after close).
    #[test]
    fn a_reused_slot_does_not_answer_to_the_old_token() {
        let mut sources = Sources::default();
        let old = sources.insert(Arc::default());
        sources.remove(old);
        let new = sources.insert(Arc::default());
        assert_eq!(old.0 & INDEX_MASK, new.0 & INDEX_MASK, "the slot is reused");
        assert_ne!(old, new);
        assert!(sources.get(old).is_none());
        assert!(sources.get(new).is_some());
        // Removing by the stale token leaves the new source alone.
        sources.remove(old);
        assert!(sources.get(new).is_some());
    }
}
