//! Which runtime the current thread belongs to (set on worker threads and
//! inside `block_on`), so `spawn`, `sleep` and sockets find it implicitly.

use std::cell::RefCell;

use crate::runtime::Handle;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Restores the previous runtime context when dropped.
#[derive(Debug)]
pub(crate) struct EnterGuard {
    prev: Option<Handle>,
}

/// Makes `handle` the current runtime until the guard drops.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    let prev = CURRENT.with(|c| c.borrow_mut().replace(handle));
    EnterGuard { prev }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

/// Runs `f` with the current runtime's handle, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(f))
        .ok()
        .flatten()
}
