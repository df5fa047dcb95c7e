//! `JoinHandle`: the spawner's side of a task, and `JoinError`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use super::raw::Header;
use super::state::ToNotified;

/// An owned permission to await a spawned task's output, or abort it.
///
/// Awaiting gives `Ok(output)`, or a [`JoinError`] if the task panicked or was
/// aborted (or the runtime shut down first). Dropping the handle detaches the
/// task: it keeps running and its output is dropped when it finishes.
///
/// By the time the handle reports the task finished (awaiting it, or
/// [`is_finished`](JoinHandle::is_finished)), the task's future has been
/// dropped, so whatever it owned (sockets, guards, channel ends) is
/// released, and the task no longer counts in
/// [`RuntimeMetrics::tasks_alive`](crate::RuntimeMetrics::tasks_alive).
///
/// ```
/// let rt = exec::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let handle = exec::spawn(async { 6 * 7 });
///     handle.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct JoinHandle<T> {
    ptr: NonNull<Header>,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output (a `T: Send`) across threads and
// touches the task through its atomic state; the join waker slot is guarded
// by JOIN_WAKER (see `state.rs`).
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: every `&self` method (`abort`, `is_finished`) only uses the atomic
// state word; reading the output needs `&mut self`.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// `ptr` carries the JoinHandle reference of a task whose output is `T`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> JoinHandle<T> {
        JoinHandle {
            ptr,
            _output: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference, so the header is alive.
        unsafe { self.ptr.as_ref() }
    }

    /// Asks the task to stop: it is dropped the next time a worker looks at
    /// it (at once if idle), and awaiting the handle gives a cancelled
    /// [`JoinError`]. A task that already finished keeps its output.
    pub fn abort(&self) {
        let header = self.header();
        if header.state.transition_to_notified_and_cancel() == ToNotified::Submit {
            // SAFETY: the transition added the reference handed over here.
            unsafe { (header.vtable.schedule)(self.ptr) };
        }
    }

    /// True once the task has finished (output ready, panicked or cancelled).
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        let header = self.header();
        // SAFETY: `out` has exactly the type the vtable writes for this task
        // (the handle was created with T = the future's output), and we hold
        // the JoinHandle reference.
        unsafe {
            (header.vtable.try_read_output)(self.ptr, &mut out as *mut _ as *mut (), cx.waker())
        };
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: gives up the handle's reference exactly once.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) };
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.ptr)
            .field("state", &self.header().state)
            .finish()
    }
}

/// Decides whether the output can be read; otherwise leaves `waker` in the
/// header to be woken at completion.
///
/// # Safety
/// Called only by the JoinHandle (which holds JOIN_INTEREST and a reference).
pub(crate) unsafe fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let published = if snapshot.has_join_waker() {
        // SAFETY: JOIN_WAKER is set: the slot is published and may be read.
        let stored = unsafe { &*header.join_waker.get() };
        if stored.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return false;
        }
        // Take the slot back before writing a different waker.
        header
            .state
            .unset_join_waker()
            // SAFETY: JOIN_WAKER is clear again and we are the JoinHandle.
            .and_then(|()| unsafe { set_join_waker(header, waker) })
    } else {
        // SAFETY: JOIN_WAKER is clear and we are the JoinHandle.
        unsafe { set_join_waker(header, waker) }
    };
    match published {
        Ok(()) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

/// # Safety
/// JOIN_WAKER is clear and the caller is the JoinHandle, so the slot is ours.
unsafe fn set_join_waker(header: &Header, waker: &Waker) -> Result<(), super::state::Snapshot> {
    // SAFETY: the slot is ours until JOIN_WAKER is set below.
    unsafe { *header.join_waker.get() = Some(waker.clone()) };
    let result = header.state.set_join_waker();
    if result.is_err() {
        // Completed meanwhile: the slot stayed ours; empty it again.
        // SAFETY: JOIN_WAKER was not set, so the slot is still ours.
        unsafe { *header.join_waker.get() = None };
    }
    result
}

/// Why a task produced no output.
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// The task was aborted, or the runtime shut down before it finished.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload (pass it to `std::panic::resume_unwind` to
    /// re-raise). Returns `Err(self)` for a cancelled task.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic message, when the payload was a string (as with `panic!`).
    pub fn panic_message(&self) -> Option<String> {
        let Repr::Panic(payload) = &self.repr else {
            return None;
        };
        let payload = payload.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = payload.downcast_ref::<&'static str>() {
            Some((*s).to_owned())
        } else {
            payload.downcast_ref::<String>().cloned()
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic(_) => match self.panic_message() {
                Some(msg) => write!(f, "task panicked: {msg}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panic(_) => write!(f, "JoinError::Panic({:?})", self.panic_message()),
        }
    }
}

impl std::error::Error for JoinError {}
