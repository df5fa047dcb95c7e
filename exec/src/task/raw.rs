#![doc = include_str!("../guide/task_allocation.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/task_allocation.md, shown by `cargo doc` as `exec::guide::task_allocation`.

use std::any::Any;
use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::AtomicUsize;
use std::task::{Context, Poll, Waker};

use super::state::{State, ToIdle, ToRunning};
use super::waker::waker_ref;
use super::{JoinError, Notified, Schedule, Task};

/// The type-erased part of every task; first field of every [`Cell`].
#[repr(C)]
pub(crate) struct Header {
    /// Flags and reference count (see `state.rs`).
    pub(crate) state: State,
    /// Functions that know the concrete future and scheduler types.
    pub(crate) vtable: &'static Vtable,
    /// The waker of the task awaiting the `JoinHandle`; see `JOIN_WAKER`.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    /// Where the owned-task list keeps this task (only it reads or writes
    /// this, under its shard lock).
    pub(crate) owned_slot: AtomicUsize,
}

/// The whole task allocation.
#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
}

/// What the cell holds: the future, then its output, then nothing.
enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// Type-erased operations, one static table per `(F, S)`.
pub(crate) struct Vtable {
    /// Polls the task; the caller gives up one (notified) reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands a notified reference to the scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Moves the output into `*dst` (a `Poll<Result<T, JoinError>>`) if ready.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The `JoinHandle` is dropped; gives up its reference.
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Runtime shutdown: cancel; gives up the caller's reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

/// Allocates a new task; the pointer carries the three initial references.
pub(crate) fn allocate<F, S>(future: F, scheduler: S) -> NonNull<Header>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(),
            vtable: vtable::<F, S>(),
            join_waker: UnsafeCell::new(None),
            owned_slot: AtomicUsize::new(usize::MAX),
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
    });
    // `Box::into_raw` never returns null; the header is the first field of a
    // `repr(C)` struct, so the cast keeps the address.
    NonNull::from(Box::leak(cell)).cast::<Header>()
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // A promoted constant: one static table per instantiation.
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// Casts a header pointer back to its cell.
///
/// # Safety
/// `ptr` must come from [`allocate`] with these same `F` and `S`, and the
/// task must still be allocated (the caller holds a reference).
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: per the contract, `ptr` points to a live `Cell<F, S>` whose
    // first field is the header (repr(C)); only shared access is created.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

impl<F: Future, S> Cell<F, S> {
    /// Exclusive access to the stage.
    ///
    /// # Safety
    /// The caller owns the stage per the rules in the module docs (RUNNING
    /// set by it, or COMPLETE with the output handed to it).
    #[allow(clippy::mut_from_ref)]
    unsafe fn stage(&self) -> &mut Stage<F> {
        // SAFETY: exclusive ownership of the stage is the caller's contract.
        unsafe { &mut *self.stage.get() }
    }
}

/// Vtable `schedule`: queues the task.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` and the caller hands over one reference that the
/// NOTIFIED bit stands for.
unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller hands over a notified reference to this task.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the reference the caller gives up becomes the Notified.
    let notified = unsafe { Notified::from_raw(ptr) };
    cell.scheduler.schedule(notified, false);
}

/// Vtable `dealloc`: frees the cell.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` whose reference count just reached zero.
unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the caller dropped the last reference, so nobody else can reach
    // the cell; it was created by `Box` in `allocate` with these types.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

/// Drops the future in place, catching a panic from its destructor.
fn drop_future_catching<F: Future>(stage: &mut Stage<F>) -> Result<(), Box<dyn Any + Send>> {
    catch_unwind(AssertUnwindSafe(|| *stage = Stage::Consumed))
}

/// Vtable `poll`: runs the task once.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` and the caller gives up the notified reference it
/// took from a run queue.
unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller (a worker) gives up the notified reference it popped
    // from a run queue, so the task is alive for the whole call.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Skip => {
            // Already completed by shutdown: only drop our reference.
            if cell.header.state.ref_dec(1) {
                // SAFETY: that was the last reference.
                unsafe { dealloc::<F, S>(ptr) };
            }
            return;
        }
        ToRunning::Cancel => {
            // SAFETY: we set RUNNING, so the stage is ours.
            unsafe { cancel_and_complete::<F, S>(ptr) };
            return;
        }
        ToRunning::Poll => {}
    }

    // SAFETY: we hold a reference for the duration of the poll, which is
    // what `waker_ref` requires.
    let waker = unsafe { waker_ref(ptr) };
    let mut cx = Context::from_waker(&waker);
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: RUNNING is ours, so the stage is too.
        let stage = unsafe { cell.stage() };
        let Stage::Running(future) = stage else {
            unreachable!("task polled after completion");
        };
        // SAFETY: the future lives inside a heap cell that is never moved
        // until it is freed, and it is dropped in place: the pin guarantee.
        let future = unsafe { Pin::new_unchecked(future) };
        future.poll(&mut cx)
    }));

    // SAFETY (for the stage accesses below): RUNNING is still ours.
    match result {
        Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
            ToIdle::Idle => {}
            ToIdle::IdleDealloc => {
                // SAFETY: our reference was the last one.
                unsafe { dealloc::<F, S>(ptr) }
            }
            ToIdle::Requeue => {
                // SAFETY: our reference now belongs to the run queue.
                let notified = unsafe { Notified::from_raw(ptr) };
                cell.scheduler.schedule(notified, true);
            }
            // SAFETY: RUNNING is still ours.
            ToIdle::Cancel => unsafe { cancel_and_complete::<F, S>(ptr) },
        },
        Ok(Poll::Ready(output)) => {
            // SAFETY: RUNNING is ours.
            let stage = unsafe { cell.stage() };
            let outcome = match drop_future_catching(stage) {
                Ok(()) => Ok(output),
                Err(panic) => Err(JoinError::panic(panic)),
            };
            *stage = Stage::Finished(outcome);
            // SAFETY: RUNNING is ours and the caller's reference goes along.
            unsafe { complete::<F, S>(ptr) };
        }
        Err(panic) => {
            // SAFETY: RUNNING is ours.
            let stage = unsafe { cell.stage() };
            // A destructor panicking after a poll panicked: keep the first.
            let _ = drop_future_catching(stage);
            *stage = Stage::Finished(Err(JoinError::panic(panic)));
            // SAFETY: as above.
            unsafe { complete::<F, S>(ptr) };
        }
    }
}

/// Drops the future, stores `Cancelled`, completes.
///
/// # Safety
/// The caller set RUNNING and gives up one reference.
unsafe fn cancel_and_complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: RUNNING is the caller's.
    let stage = unsafe { cell.stage() };
    let outcome = match drop_future_catching(stage) {
        Ok(()) => JoinError::cancelled(),
        Err(panic) => JoinError::panic(panic),
    };
    *stage = Stage::Finished(Err(outcome));
    // SAFETY: RUNNING is the caller's, and so is the reference.
    unsafe { complete::<F, S>(ptr) };
}

/// The output is stored: leave the owned-task list, publish COMPLETE, notify
/// the `JoinHandle` and drop the caller's reference.
///
/// # Safety
/// The caller set RUNNING, stored `Stage::Finished`, and gives up one reference.
unsafe fn complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // Leave the owned-task list first, before anyone can see COMPLETE: a
    // program that has awaited every JoinHandle then reads `tasks_alive`
    // as 0, not "0 unless a worker is a few instructions late". The list
    // hands back its reference, if it still had us (shutdown may have
    // emptied it already; RUNNING is ours, so shutdown left the future to
    // us).
    // SAFETY: we hold a reference, so a borrowed `Task` view is valid; it is
    // never dropped (ManuallyDrop), so it does not give up that reference.
    let me = ManuallyDrop::new(unsafe { Task::from_raw(ptr) });
    let released = cell.scheduler.release(&me);
    let count = match released {
        Some(task) => {
            // Count the list's reference together with ours below.
            std::mem::forget(task);
            2
        }
        None => 1,
    };
    let prev = cell.header.state.transition_to_complete();
    if !prev.has_join_interest() {
        // Nobody will read the output: it is ours to drop. A panicking
        // destructor must not unwind into the worker.
        // SAFETY: COMPLETE without JOIN_INTEREST leaves the stage to us.
        let stage = unsafe { cell.stage() };
        let _ = catch_unwind(AssertUnwindSafe(|| *stage = Stage::Consumed));
    } else if prev.has_join_waker() {
        // SAFETY: JOIN_WAKER is set and COMPLETE now stops the JoinHandle from
        // clearing it, so the slot is published and only read from now on.
        let waker = unsafe { &*cell.header.join_waker.get() };
        if let Some(waker) = waker {
            waker.wake_by_ref();
        }
    }
    if cell.header.state.ref_dec(count) {
        // SAFETY: those were the last references.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// Vtable `try_read_output`.
///
/// # Safety
/// Called only by the task's `JoinHandle` (holding its reference), with
/// `dst` pointing to a `Poll<Result<F::Output, JoinError>>`.
unsafe fn try_read_output<F: Future, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
    // SAFETY: the JoinHandle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: only the JoinHandle calls this, with its reference.
    if unsafe { super::join::can_read_output(&cell.header, waker) } {
        // SAFETY: COMPLETE was observed with JOIN_INTEREST held by the
        // caller, so the stage belongs to the JoinHandle.
        let stage = unsafe { cell.stage() };
        let output = match std::mem::replace(stage, Stage::Consumed) {
            Stage::Finished(output) => output,
            _ => panic!("JoinHandle polled after it returned the output"),
        };
        // SAFETY: the JoinHandle passes a `*mut Poll<Result<F::Output,
        // JoinError>>` (JoinHandle<T> is only created for T = F::Output).
        unsafe { *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(output) };
    }
}

/// Vtable `drop_join_handle`.
///
/// # Safety
/// Called once, by the task's `JoinHandle`, which gives up its reference.
unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the JoinHandle gives up its reference here, so it is alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.unset_join_interest().is_err() {
        // Already complete with JOIN_INTEREST set: the output is ours.
        // SAFETY: COMPLETE with our interest: the stage belongs to us.
        let stage = unsafe { cell.stage() };
        let _ = catch_unwind(AssertUnwindSafe(|| *stage = Stage::Consumed));
    }
    if cell.header.state.ref_dec(1) {
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// Vtable `shutdown`: cancels the task unless someone is polling it.
///
/// # Safety
/// `ptr` is a `Cell<F, S>` and the caller gives up one reference.
unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller gives up a reference (the owned list's).
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_shutdown() {
        // SAFETY: we just set RUNNING; the reference goes along.
        unsafe { cancel_and_complete::<F, S>(ptr) };
    } else if cell.header.state.ref_dec(1) {
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F, S>(ptr) };
    }
}
