#![doc = include_str!("../guide/task_waker.md")]
// The design notes for this file (diagrams, invariants) are in
// src/guide/task_waker.md, shown by `cargo doc` as `exec::guide::task_waker`.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::Header;
use super::state::ToNotified;

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

/// A `Waker` borrowed from a reference the caller already holds; dropping it
/// does not touch the count.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a Header>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// Builds a waker for the task without taking a reference.
///
/// # Safety
/// The caller holds a reference to the task for as long as the `WakerRef`
/// (and anything borrowing it) lives; clones take their own reference.
pub(crate) unsafe fn waker_ref<'a>(ptr: NonNull<Header>) -> WakerRef<'a> {
    let raw = RawWaker::new(ptr.as_ptr() as *const (), &WAKER_VTABLE);
    WakerRef {
        // SAFETY: the vtable functions below uphold the RawWaker contract for
        // a header pointer; ManuallyDrop keeps the borrowed reference intact.
        waker: ManuallyDrop::new(unsafe { Waker::from_raw(raw) }),
        _task: PhantomData,
    }
}

/// # Safety
/// `data` is a header pointer carrying at least one live reference.
unsafe fn header<'a>(data: *const ()) -> (NonNull<Header>, &'a Header) {
    // SAFETY: wakers are only built from non-null header pointers.
    let ptr = unsafe { NonNull::new_unchecked(data as *mut Header) };
    // SAFETY: the waker holds a reference, so the header is alive.
    (ptr, unsafe { ptr.as_ref() })
}

/// # Safety
/// `data` comes from a live waker of this vtable (it holds a reference).
unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: called on a live waker, which holds a reference.
    let (_, header) = unsafe { header(data) };
    header.state.ref_inc();
    RawWaker::new(data, &WAKER_VTABLE)
}

/// # Safety
/// `data` comes from a waker being consumed; its reference is given up.
unsafe fn wake_by_val(data: *const ()) {
    // SAFETY: the waker being consumed holds a reference.
    let (ptr, header) = unsafe { header(data) };
    match header.state.transition_to_notified_by_val() {
        // SAFETY: the waker's reference is handed over as the notified one.
        ToNotified::Submit => unsafe { (header.vtable.schedule)(ptr) },
        // SAFETY: the waker's reference was the last one.
        ToNotified::Dealloc => unsafe { (header.vtable.dealloc)(ptr) },
        ToNotified::Nothing => {}
    }
}

/// # Safety
/// `data` comes from a live waker of this vtable.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the borrowed waker holds a reference.
    let (ptr, header) = unsafe { header(data) };
    if header.state.transition_to_notified_by_ref() == ToNotified::Submit {
        // SAFETY: the transition added the reference we hand over.
        unsafe { (header.vtable.schedule)(ptr) };
    }
}

/// # Safety
/// `data` comes from a waker being dropped; its reference is given up.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker being dropped holds a reference.
    let (ptr, header) = unsafe { header(data) };
    if header.state.ref_dec(1) {
        // SAFETY: that was the last reference.
        unsafe { (header.vtable.dealloc)(ptr) };
    }
}
