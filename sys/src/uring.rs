//! `io_uring`, the completion API of Linux, by hand: one ring, a handful
//! of socket operations, and a safe interface that owns every buffer the
//! kernel may be writing into.
//!
//! The rest of this crate is about **readiness**: the kernel says "this
//! socket would not block now" and the program performs the `read` itself.
//! `io_uring` is a **completion** API: the program hands the kernel a
//! request ("receive into this buffer") and later reaps the result
//! ("done, 512 bytes"). The example `uring_echo` serves the same echo
//! protocol as `echo` on it; both count the system calls they make per
//! echoed message with `--self-test`.
//!
//! # The rings
//!
//! `io_uring_setup(2)` creates the instance and returns a descriptor; three
//! areas are then `mmap`ed from it:
//!
//! ```text
//!   submission queue (SQ ring)          completion queue (CQ ring)
//!   head ──▶ kernel consumes            head ◀── we consume
//!   tail ◀── we produce                 tail ──▶ kernel produces
//!   array[i] = index into SQE array     cqes[i] = { user_data, res, flags }
//!
//!   SQE array: 64-byte requests { opcode, fd, addr, len, user_data, .. }
//! ```
//!
//! Each ring has one producer and one consumer, so plain loads and stores
//! suffice, with the right ordering:
//!
//! * we fill an SQE, then store the SQ **tail with `Release`**, so the
//!   kernel, which loads the tail with acquire semantics, sees a complete
//!   request;
//! * we load the CQ **tail with `Acquire`** before reading the CQEs it
//!   covers, so we see what the kernel wrote, and store the CQ **head with
//!   `Release`** after reading them, so the kernel does not overwrite an
//!   entry we are still reading; the SQ head is loaded with `Acquire` for
//!   the same reason in the other direction.
//!
//! `io_uring_enter(2)` then submits what the tail covers and, with
//! `IORING_ENTER_GETEVENTS`, waits for completions: one system call for
//! any number of operations.
//!
//! # A receive, end to end
//!
//! ```
//! use std::io::Write;
//! use std::net::{TcpListener, TcpStream};
//! use std::os::fd::OwnedFd;
//! use std::rc::Rc;
//!
//! use sys::uring::{is_unavailable, Uring};
//!
//! let mut ring = match Uring::new(8) {
//!     Ok(ring) => ring,
//!     Err(e) if is_unavailable(&e) => return Ok(()), // no io_uring here
//!     Err(e) => panic!("{e}"),
//! };
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let mut client = TcpStream::connect(listener.local_addr()?)?;
//! let (server, _) = listener.accept()?;
//! // The ring keeps a share of the socket until the completion.
//! let server = Rc::new(OwnedFd::from(server));
//!
//! // The buffer moves into the ring...
//! ring.recv(&server, vec![0; 64], 1)?;
//! client.write_all(b"hi")?;
//! // ...one system call submits the receive and waits for it...
//! ring.submit_and_wait(1)?;
//! // ...and the completion hands the buffer back, cut to what arrived.
//! let done = ring.completion().expect("one completion");
//! assert_eq!(done.user_data, 1);
//! assert_eq!(done.result?, 2);
//! assert_eq!(done.buf.as_deref(), Some(&b"hi"[..]));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Buffer ownership
//!
//! While a `recv` is in flight the kernel may write into its buffer at any
//! moment, long after the call that submitted it returned. A Rust API that
//! borrowed the buffer (`&mut [u8]`) would be unsound: the borrow ends when
//! the submitting call returns, or when the future holding it is dropped,
//! but the kernel does not stop. So [`Uring::recv`] and [`Uring::send`]
//! take the buffer **by value**; the ring keeps it until the completion
//! arrives and hands it back in [`Completion::buf`]. Dropping the ring with
//! operations in flight cancels them and waits for their completions before
//! freeing any buffer; if even that fails, the buffers are leaked rather
//! than freed under the kernel's feet. (An operation that a cancel cannot
//! stop, answered `EALREADY`, keeps the drop waiting until it completes by
//! itself.)
//!
//! The same holds for the descriptor: the kernel looks its number up when
//! it submits the operation, not when we queue it, and a number closed and
//! reused in between would have the operation run on another file. So the
//! operations take a shared descriptor, `&Rc<OwnedFd>`, and the ring keeps
//! its own share until the completion.
//!
//! # Cancellation
//!
//! There is no "stop waiting" as with readiness, where you just stop
//! polling. An operation ends only with a completion: [`Uring::cancel`]
//! submits `IORING_OP_ASYNC_CANCEL` for a `user_data`; the cancelled
//! operation then completes with `ECANCELED` (or with its real result, if
//! it finished first), and the cancel request completes on its own with `0`,
//! `ENOENT` (nothing to cancel) or `EALREADY` (already running).
//!
//! # Readiness on completions, and the reverse
//!
//! `IORING_OP_POLL_ADD` ([`Uring::poll_add`]) is readiness expressed as a
//! completion: it completes once, with the `poll(2)` bits, when the socket
//! becomes ready. An event loop like `sys::Poll` can be built on it by
//! re-arming after each completion (that is one-shot triggering). The
//! reverse is what every readiness runtime does: emulate "receive into this
//! buffer, tell me when done" by waiting for readability and then calling
//! `recv` itself, which is how `exec`'s `TcpStream::read` works, and how
//! the kernel itself runs an `IORING_OP_RECV` on a socket that has no data
//! yet (it arms an internal poll and retries on wake-up).
//!
//! # Availability
//!
//! `io_uring` may be missing (`ENOSYS`, kernels before 5.1), forbidden
//! (`EPERM` under a container's seccomp filter or the
//! `kernel.io_uring_disabled` sysctl) or too old for the socket operations
//! used here (they need 5.7's `IORING_FEAT_FAST_POLL`). [`Uring::new`]
//! reports all three as errors that [`is_unavailable`] recognises.
//!
//! The module exists on Linux only. macOS and the BSDs have no
//! `io_uring`: kqueue is a readiness API, and their nearest completion
//! mechanism is POSIX AIO (`aio_read(2)`), whose completions kqueue can
//! report (`EVFILT_AIO` on FreeBSD). The `uring_echo` example says so and
//! exits on those systems.
//!
//! Man pages: [io_uring(7)](https://man7.org/linux/man-pages/man7/io_uring.7.html),
//! [io_uring_setup(2)](https://man7.org/linux/man-pages/man2/io_uring_setup.2.html),
//! [io_uring_enter(2)](https://man7.org/linux/man-pages/man2/io_uring_enter.2.html).

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::Interest;

/// `mmap` offsets of the three areas (`IORING_OFF_*`, io_uring_setup(2)).
const OFF_SQ_RING: libc::off_t = 0;
const OFF_CQ_RING: libc::off_t = 0x800_0000;
const OFF_SQES: libc::off_t = 0x1000_0000;

/// `IORING_ENTER_GETEVENTS`: wait for `min_complete` completions.
const ENTER_GETEVENTS: u32 = 1;

/// `IORING_FEAT_FAST_POLL` (5.7): sockets without data are polled
/// internally rather than handed to a worker thread. Its presence also
/// guarantees `IORING_OP_SEND`, `RECV` and `ACCEPT` (5.5 and 5.6).
const FEAT_FAST_POLL: u32 = 1 << 5;

/// Opcodes (`enum io_uring_op` in `<linux/io_uring.h>`).
const OP_POLL_ADD: u8 = 6;
const OP_ACCEPT: u8 = 13;
const OP_ASYNC_CANCEL: u8 = 14;
const OP_SEND: u8 = 26;
const OP_RECV: u8 = 27;

/// The `user_data` of the cancellations sent by `Drop`; refused from users.
const INTERNAL: u64 = u64::MAX;

/// `struct io_sqring_offsets`.
#[repr(C)]
#[derive(Default)]
struct SqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    flags: u32,
    dropped: u32,
    array: u32,
    resv1: u32,
    user_addr: u64,
}

/// `struct io_cqring_offsets`.
#[repr(C)]
#[derive(Default)]
struct CqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    overflow: u32,
    cqes: u32,
    flags: u32,
    resv1: u32,
    user_addr: u64,
}

/// `struct io_uring_params`, filled in by `io_uring_setup`.
#[repr(C)]
#[derive(Default)]
struct Params {
    sq_entries: u32,
    cq_entries: u32,
    flags: u32,
    sq_thread_cpu: u32,
    sq_thread_idle: u32,
    features: u32,
    wq_fd: u32,
    resv: [u32; 3],
    sq_off: SqOffsets,
    cq_off: CqOffsets,
}

/// `struct io_uring_sqe`, 64 bytes, with the unions reduced to the one
/// member each of our operations uses.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct Sqe {
    opcode: u8,
    flags: u8,
    ioprio: u16,
    fd: i32,
    /// `off` / `addr2`: the accept address length pointer (unused).
    off: u64,
    /// `addr`: the buffer, or the `user_data` to cancel.
    addr: u64,
    len: u32,
    /// `msg_flags`, `poll32_events`, `accept_flags`, `cancel_flags`.
    op_flags: u32,
    user_data: u64,
    buf_index: u16,
    personality: u16,
    file_index: u32,
    addr3: u64,
    pad: u64,
}

/// `struct io_uring_cqe`, 16 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

const _: () = assert!(std::mem::size_of::<Sqe>() == 64);
const _: () = assert!(std::mem::size_of::<Cqe>() == 16);
const _: () = assert!(std::mem::size_of::<Params>() == 120);

/// True when `err` says `io_uring` cannot be used here at all: not built
/// into the kernel (`ENOSYS`), refused by policy (`EPERM`, `EACCES`) or too
/// old for [`Uring`] ([`io::ErrorKind::Unsupported`]).
pub fn is_unavailable(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::ENOSYS) | Some(libc::EPERM) | Some(libc::EACCES)
    ) || err.kind() == io::ErrorKind::Unsupported
}

/// One `mmap`ed area, unmapped on drop.
struct Mmap {
    ptr: *mut libc::c_void,
    len: usize,
}

impl Mmap {
    fn new(fd: BorrowedFd<'_>, len: usize, offset: libc::off_t) -> io::Result<Mmap> {
        // SAFETY: a fresh shared mapping chosen by the kernel (addr null)
        // overlaps nothing of ours; `fd` is an io_uring descriptor and
        // `offset` one of the IORING_OFF_* areas, whose sizes the kernel
        // gave us (io_uring_setup(2)). Failure is MAP_FAILED, checked below.
        let ptr = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd.as_raw_fd(),
                offset,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mmap { ptr, len })
    }

    /// The `u32` at byte `offset`, as an atomic shared with the kernel.
    fn atomic(&self, offset: u32) -> *const AtomicU32 {
        assert!(
            offset as usize + 4 <= self.len,
            "ring offset out of the mapping"
        );
        self.ptr.cast::<u8>().wrapping_add(offset as usize).cast()
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly one mapping made in `new`, and no
        // reference into it outlives the `Uring` that owns this value
        // (munmap(2)).
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}

/// What an operation in flight owns until its completion.
enum Owned {
    /// Nothing (poll, cancel).
    Nothing,
    /// The buffer a `recv` fills.
    Recv(Vec<u8>),
    /// The buffer a `send` reads.
    Send(Vec<u8>),
    /// An `accept`: the result is a new descriptor.
    Accept,
}

/// The result of one operation, reaped by [`Uring::completion`].
#[derive(Debug)]
pub struct Completion {
    /// The tag given when the operation was submitted.
    pub user_data: u64,
    /// The kernel's result: bytes moved (`recv`, `send`), the `poll(2)`
    /// bits (`poll_add`), `0` (`accept`, `cancel`), or the error.
    pub result: io::Result<u32>,
    /// The buffer handed to [`Uring::recv`] or [`Uring::send`], back in the
    /// caller's hands. After a `recv` its length is the bytes received.
    pub buf: Option<Vec<u8>>,
    /// The new connection of a successful [`Uring::accept`].
    pub accepted: Option<OwnedFd>,
}

/// An `io_uring` instance: a submission ring, a completion ring, and the
/// buffers of the operations in flight. See the [module docs](self).
pub struct Uring {
    // Field order is drop order: the maps go before the descriptor. The
    // two ring maps are only held for their `Drop`; the pointers below
    // point into them.
    #[allow(dead_code)]
    sq_ring: Mmap,
    #[allow(dead_code)]
    cq_ring: Mmap,
    sqes: Mmap,
    fd: OwnedFd,
    sq_head: *const AtomicU32,
    sq_tail: *const AtomicU32,
    sq_mask: u32,
    sq_entries: u32,
    sq_array: *mut u32,
    cq_head: *const AtomicU32,
    cq_tail: *const AtomicU32,
    cq_mask: u32,
    cq_entries: u32,
    cqes: *const Cqe,
    /// SQEs written since the last `io_uring_enter`.
    unsubmitted: u32,
    /// Operations submitted or queued whose completion has not been reaped,
    /// by `user_data`: what the kernel may still use, the buffer and a
    /// share of the descriptor.
    in_flight: HashMap<u64, (Owned, Option<Rc<OwnedFd>>)>,
    /// Internal cancellations in flight (`Drop`).
    internal: usize,
    /// `io_uring_enter` calls made, for the examples' system call counts.
    enters: u64,
}

impl std::fmt::Debug for Uring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uring")
            .field("fd", &self.fd)
            .field("sq_entries", &self.sq_entries)
            .field("cq_entries", &self.cq_entries)
            .field("in_flight", &self.in_flight.len())
            .field("enters", &self.enters)
            .finish()
    }
}

impl Uring {
    /// Creates a ring with room for `entries` submissions (rounded up to a
    /// power of two by the kernel) and twice as many completions.
    ///
    /// Fails with an error that [`is_unavailable`] recognises when the
    /// kernel has no usable `io_uring`.
    pub fn new(entries: u32) -> io::Result<Uring> {
        let mut params = Params::default();
        // SAFETY: io_uring_setup(2) takes the entry count and a pointer to
        // a writable `struct io_uring_params` (ours is `repr(C)`, 120 bytes,
        // zeroed as the man page requires); it returns a new descriptor
        // owned by nobody else, which `OwnedFd` takes at once.
        let fd = unsafe {
            let raw = syscall!(syscall(
                libc::SYS_io_uring_setup,
                entries as libc::c_long,
                &mut params as *mut Params
            ))?;
            OwnedFd::from_raw_fd(raw as RawFd)
        };
        if params.features & FEAT_FAST_POLL == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring without IORING_FEAT_FAST_POLL (kernel older than 5.7)",
            ));
        }
        let sq_len = params.sq_off.array as usize + params.sq_entries as usize * 4;
        let cq_len =
            params.cq_off.cqes as usize + params.cq_entries as usize * std::mem::size_of::<Cqe>();
        let sqes_len = params.sq_entries as usize * std::mem::size_of::<Sqe>();
        let sq_ring = Mmap::new(fd.as_fd(), sq_len, OFF_SQ_RING)?;
        let cq_ring = Mmap::new(fd.as_fd(), cq_len, OFF_CQ_RING)?;
        let sqes = Mmap::new(fd.as_fd(), sqes_len, OFF_SQES)?;
        // SAFETY: the kernel wrote these offsets inside the mappings it
        // sized (io_uring_setup(2)); `atomic` asserts the bound, and the
        // mask and entry fields are plain u32s the kernel never changes.
        let (sq_mask, sq_entries, cq_mask, cq_entries) = unsafe {
            (
                (*sq_ring.atomic(params.sq_off.ring_mask)).load(Ordering::Relaxed),
                (*sq_ring.atomic(params.sq_off.ring_entries)).load(Ordering::Relaxed),
                (*cq_ring.atomic(params.cq_off.ring_mask)).load(Ordering::Relaxed),
                (*cq_ring.atomic(params.cq_off.ring_entries)).load(Ordering::Relaxed),
            )
        };
        Ok(Uring {
            sq_head: sq_ring.atomic(params.sq_off.head),
            sq_tail: sq_ring.atomic(params.sq_off.tail),
            sq_array: sq_ring.atomic(params.sq_off.array).cast_mut().cast(),
            cq_head: cq_ring.atomic(params.cq_off.head),
            cq_tail: cq_ring.atomic(params.cq_off.tail),
            cqes: cq_ring.atomic(params.cq_off.cqes).cast(),
            sq_mask,
            sq_entries,
            cq_mask,
            cq_entries,
            sq_ring,
            cq_ring,
            sqes,
            fd,
            unsubmitted: 0,
            in_flight: HashMap::new(),
            internal: 0,
            enters: 0,
        })
    }

    /// Queues an `accept` on `listener` (a blocking-mode socket; the kernel
    /// waits for a connection without a thread). The completion carries
    /// the new socket, `CLOEXEC`, in [`Completion::accepted`].
    ///
    /// Like a buffer, the descriptor is shared with the ring until the
    /// completion (see [Buffer ownership](self#buffer-ownership)): the
    /// kernel looks the number up when it submits the operation, so a
    /// descriptor closed and reused in between would have the operation
    /// run on another file.
    pub fn accept(&mut self, listener: &Rc<OwnedFd>, user_data: u64) -> io::Result<()> {
        let sqe = Sqe {
            opcode: OP_ACCEPT,
            fd: listener.as_raw_fd(),
            op_flags: libc::SOCK_CLOEXEC as u32,
            user_data,
            ..Sqe::default()
        };
        self.push(sqe, Owned::Accept, Some(listener.clone()))
    }

    /// Queues a `recv` of up to `buf.len()` bytes from `socket` into `buf`.
    /// The ring owns `buf` until the completion hands it back, truncated to
    /// the bytes received (`0`: end of stream).
    /// The ring keeps a share of `socket` until the completion, as for
    /// [`accept`](Uring::accept).
    pub fn recv(&mut self, socket: &Rc<OwnedFd>, buf: Vec<u8>, user_data: u64) -> io::Result<()> {
        let sqe = Sqe {
            opcode: OP_RECV,
            fd: socket.as_raw_fd(),
            addr: buf.as_ptr() as u64,
            len: u32::try_from(buf.len()).unwrap_or(u32::MAX),
            user_data,
            ..Sqe::default()
        };
        self.push(sqe, Owned::Recv(buf), Some(socket.clone()))
    }

    /// Queues a `send` of `buf` on `socket` (`MSG_NOSIGNAL`: a closed peer
    /// is `EPIPE`, not a signal). The completion says how many bytes went;
    /// a short send leaves the rest to the caller.
    /// The ring keeps a share of `socket` until the completion, as for
    /// [`accept`](Uring::accept).
    pub fn send(&mut self, socket: &Rc<OwnedFd>, buf: Vec<u8>, user_data: u64) -> io::Result<()> {
        let sqe = Sqe {
            opcode: OP_SEND,
            fd: socket.as_raw_fd(),
            addr: buf.as_ptr() as u64,
            len: u32::try_from(buf.len()).unwrap_or(u32::MAX),
            op_flags: libc::MSG_NOSIGNAL as u32,
            user_data,
            ..Sqe::default()
        };
        self.push(sqe, Owned::Send(buf), Some(socket.clone()))
    }

    /// Queues `IORING_OP_POLL_ADD`: readiness as a completion. It completes
    /// once, when `fd` is ready for `interest`, with the `poll(2)` bits
    /// (`POLLIN`, `POLLOUT`, `POLLHUP`, ...) as its result.
    ///
    /// The ring keeps a share of `fd` until the completion, as for
    /// [`accept`](Uring::accept).
    pub fn poll_add(
        &mut self,
        fd: &Rc<OwnedFd>,
        interest: Interest,
        user_data: u64,
    ) -> io::Result<()> {
        let mut events = 0;
        if interest.is_readable() {
            events |= libc::POLLIN as u32;
        }
        if interest.is_writable() {
            events |= libc::POLLOUT as u32;
        }
        // The kernel reads the 32-bit mask with its halves swapped on
        // big-endian machines (liburing's `__io_uring_prep_poll_mask`).
        #[cfg(target_endian = "big")]
        let events = events.rotate_left(16);
        let sqe = Sqe {
            opcode: OP_POLL_ADD,
            fd: fd.as_raw_fd(),
            op_flags: events,
            user_data,
            ..Sqe::default()
        };
        self.push(sqe, Owned::Nothing, Some(fd.clone()))
    }

    /// Queues `IORING_OP_ASYNC_CANCEL` for the operation tagged `target`.
    /// See [Cancellation](self#cancellation) for the two completions that
    /// follow.
    pub fn cancel(&mut self, target: u64, user_data: u64) -> io::Result<()> {
        let sqe = Sqe {
            opcode: OP_ASYNC_CANCEL,
            fd: -1,
            addr: target,
            user_data,
            ..Sqe::default()
        };
        self.push(sqe, Owned::Nothing, None)
    }

    /// Submits every queued operation and waits for `min_complete`
    /// completions (`0`: do not wait). One `io_uring_enter` call; `EINTR`
    /// retries it. The wait may end early (a signal, after the entries were
    /// submitted), so reap with [`completion`](Uring::completion) until it
    /// returns `None` and call again if more are needed.
    pub fn submit_and_wait(&mut self, min_complete: u32) -> io::Result<()> {
        let flags = if min_complete > 0 { ENTER_GETEVENTS } else { 0 };
        loop {
            self.enters += 1;
            // SAFETY: `fd` is our io_uring descriptor; every SQE the tail
            // covers was fully written before the tail's release store, and
            // each buffer it points to is owned by `in_flight` until its
            // completion; a null sigset with size 0 is allowed
            // (io_uring_enter(2)).
            let res = unsafe {
                syscall!(syscall(
                    libc::SYS_io_uring_enter,
                    self.fd.as_raw_fd() as libc::c_long,
                    self.unsubmitted as libc::c_long,
                    min_complete as libc::c_long,
                    flags as libc::c_long,
                    ptr::null::<libc::sigset_t>(),
                    0 as libc::c_long
                ))
            };
            match res {
                Ok(submitted) => {
                    self.unsubmitted -= (submitted as u32).min(self.unsubmitted);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reaps one completion, if the kernel has posted one. Never blocks.
    pub fn completion(&mut self) -> Option<Completion> {
        loop {
            let cqe = self.pop_cqe()?;
            if cqe.user_data == INTERNAL {
                self.internal -= 1;
                continue;
            }
            let owned = self.in_flight.remove(&cqe.user_data);
            let result = if cqe.res < 0 {
                Err(io::Error::from_raw_os_error(-cqe.res))
            } else {
                Ok(cqe.res as u32)
            };
            let mut completion = Completion {
                user_data: cqe.user_data,
                result,
                buf: None,
                accepted: None,
            };
            // The ring's share of the descriptor, if any, goes here.
            match owned.map(|(owned, _fd)| owned) {
                Some(Owned::Recv(mut buf)) => {
                    // The kernel wrote `n` bytes at the front; an error
                    // received nothing.
                    let n = *completion.result.as_ref().unwrap_or(&0);
                    buf.truncate(n as usize);
                    completion.buf = Some(buf);
                }
                Some(Owned::Send(buf)) => completion.buf = Some(buf),
                Some(Owned::Accept) => {
                    if let Ok(fd) = completion.result {
                        // SAFETY: a successful IORING_OP_ACCEPT returns a
                        // new descriptor that nobody else owns, exactly as
                        // accept4(2) does.
                        completion.accepted = Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) });
                        completion.result = Ok(0);
                    }
                }
                Some(Owned::Nothing) | None => {}
            }
            return Some(completion);
        }
    }

    /// Operations submitted (or queued) whose completion is not yet reaped.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The `io_uring_enter` calls this ring has made.
    pub fn enters(&self) -> u64 {
        self.enters
    }

    /// Writes `sqe` into the next free slot and publishes it.
    fn push(&mut self, sqe: Sqe, owned: Owned, fd: Option<Rc<OwnedFd>>) -> io::Result<()> {
        if sqe.user_data == INTERNAL || self.in_flight.contains_key(&sqe.user_data) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "user_data is in use by an operation in flight (or is u64::MAX)",
            ));
        }
        if self.in_flight.len() + self.internal >= self.cq_entries as usize {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "as many operations in flight as the completion ring holds",
            ));
        }
        self.push_raw(sqe)?;
        self.in_flight.insert(sqe.user_data, (owned, fd));
        Ok(())
    }

    fn push_raw(&mut self, sqe: Sqe) -> io::Result<()> {
        // SAFETY: `sq_tail` points into our SQ mapping (checked in `new`);
        // only we write it, so a relaxed load reads our own last store.
        let tail = unsafe { (*self.sq_tail).load(Ordering::Relaxed) };
        // SAFETY: as above for `sq_head`; the kernel advances it, and the
        // acquire pairs with its release so the slots it freed are free.
        let head = unsafe { (*self.sq_head).load(Ordering::Acquire) };
        if tail.wrapping_sub(head) >= self.sq_entries {
            // Full: hand the queued entries to the kernel first, then look
            // again rather than assume it took one.
            self.submit_and_wait(0)?;
            // SAFETY: as above.
            let head = unsafe { (*self.sq_head).load(Ordering::Acquire) };
            if tail.wrapping_sub(head) >= self.sq_entries {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "the submission ring is full",
                ));
            }
        }
        let index = tail & self.sq_mask;
        // SAFETY: `index` < sq_entries, the length of the SQE array and of
        // the index array (io_uring_setup(2)); the slot lies between head
        // and tail + 1, so the kernel is not reading it.
        unsafe {
            self.sqes.ptr.cast::<Sqe>().add(index as usize).write(sqe);
            self.sq_array.add(index as usize).write(index);
        }
        // SAFETY: `sq_tail` is in our mapping; the release store publishes
        // the SQE written above to the kernel's acquire load of the tail.
        unsafe { (*self.sq_tail).store(tail.wrapping_add(1), Ordering::Release) };
        self.unsubmitted += 1;
        Ok(())
    }

    fn pop_cqe(&mut self) -> Option<Cqe> {
        // SAFETY: `cq_head` is in our CQ mapping and only we write it.
        let head = unsafe { (*self.cq_head).load(Ordering::Relaxed) };
        // SAFETY: `cq_tail` is in our CQ mapping; acquire pairs with the
        // kernel's release so the CQEs below the tail are fully written.
        let tail = unsafe { (*self.cq_tail).load(Ordering::Acquire) };
        if head == tail {
            return None;
        }
        // SAFETY: `head & cq_mask` < cq_entries, the CQE array's length;
        // the entry is below the tail, so the kernel has written it and
        // will not reuse it until we advance the head.
        let cqe = unsafe { self.cqes.add((head & self.cq_mask) as usize).read() };
        // SAFETY: `cq_head` is in our mapping; release orders our read of
        // the entry before the kernel may overwrite it.
        unsafe { (*self.cq_head).store(head.wrapping_add(1), Ordering::Release) };
        Some(cqe)
    }
}

impl Drop for Uring {
    fn drop(&mut self) {
        // The kernel may still write into buffers we own: cancel every
        // operation and wait for all completions before they are freed.
        // Completions already posted go first: they free room in the
        // completion ring, which the cancels must not overflow (kernels
        // before 5.19 refuse to submit while completions overflowed,
        // EBUSY).
        while self.completion().is_some() {}
        let targets: Vec<u64> = self.in_flight.keys().copied().collect();
        let mut ok = true;
        for target in targets {
            // Each cancel brings one completion of its own: while the ring
            // would be full, let the cancels already queued finish first.
            while ok
                && self.internal > 0
                && self.in_flight.len() + self.internal >= self.cq_entries as usize
            {
                ok = self.submit_and_wait(1).is_ok();
                while self.completion().is_some() {}
            }
            if !ok {
                break;
            }
            if !self.in_flight.contains_key(&target) {
                continue; // completed meanwhile
            }
            let sqe = Sqe {
                opcode: OP_ASYNC_CANCEL,
                fd: -1,
                addr: target,
                user_data: INTERNAL,
                ..Sqe::default()
            };
            if self.push_raw(sqe).is_err() {
                ok = false;
                break;
            }
            self.internal += 1;
        }
        while ok && (!self.in_flight.is_empty() || self.internal > 0) {
            if self.submit_and_wait(1).is_err() {
                ok = false;
                break;
            }
            while self.completion().is_some() {}
        }
        if !ok {
            // Cannot prove the kernel is done with them: leak, never free.
            std::mem::forget(std::mem::take(&mut self.in_flight));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    /// A ring, or `None` (with the reason printed) where io_uring is
    /// unavailable.
    fn ring() -> Option<Uring> {
        match Uring::new(8) {
            Ok(ring) => Some(ring),
            Err(e) if is_unavailable(&e) => {
                println!("skipped: io_uring is unavailable: {e}");
                None
            }
            Err(e) => panic!("io_uring_setup: {e}"),
        }
    }

    fn pair() -> (TcpStream, Rc<OwnedFd>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        (a, Rc::new(OwnedFd::from(b)))
    }

    fn wait_for(ring: &mut Uring, user_data: u64) -> Completion {
        loop {
            ring.submit_and_wait(1).unwrap();
            while let Some(done) = ring.completion() {
                if done.user_data == user_data {
                    return done;
                }
            }
        }
    }

    #[test]
    fn recv_hands_the_buffer_back_with_the_bytes() {
        let Some(mut ring) = ring() else { return };
        let (mut a, b) = pair();
        a.write_all(b"hello").unwrap();
        ring.recv(&b, vec![0; 64], 1).unwrap();
        let done = wait_for(&mut ring, 1);
        assert_eq!(done.result.unwrap(), 5);
        assert_eq!(done.buf.unwrap(), b"hello");
        assert_eq!(ring.in_flight(), 0);
    }

    #[test]
    fn cancel_ends_a_recv_with_ecanceled_and_returns_its_buffer() {
        let Some(mut ring) = ring() else { return };
        let (_a, b) = pair();
        ring.recv(&b, vec![0; 64], 1).unwrap();
        ring.submit_and_wait(0).unwrap();
        ring.cancel(1, 2).unwrap();
        let mut seen = Vec::new();
        while seen.len() < 2 {
            ring.submit_and_wait(1).unwrap();
            while let Some(done) = ring.completion() {
                seen.push(done);
            }
        }
        seen.sort_by_key(|done| done.user_data);
        let err = seen[0].result.as_ref().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ECANCELED));
        assert_eq!(seen[0].buf.as_deref(), Some(&[][..]));
        assert_eq!(seen[1].result.as_ref().unwrap(), &0);
    }

    #[test]
    fn poll_add_completes_with_pollin_once_data_arrives() {
        let Some(mut ring) = ring() else { return };
        let (mut a, b) = pair();
        ring.poll_add(&b, Interest::READABLE, 7).unwrap();
        ring.submit_and_wait(0).unwrap();
        assert!(ring.completion().is_none(), "ready before any data");
        a.write_all(b"x").unwrap();
        let done = wait_for(&mut ring, 7);
        assert_ne!(done.result.unwrap() & libc::POLLIN as u32, 0);
    }

    #[test]
    fn a_descriptor_dropped_while_queued_stays_with_the_ring() {
        let Some(mut ring) = ring() else { return };
        let (mut a, b) = pair();
        let raw = b.as_raw_fd();
        ring.recv(&b, vec![0; 64], 1).unwrap();
        // Our share goes; the number must not be reused while the recv
        // waits in the queue.
        drop(b);
        let (_c, d) = pair();
        assert_ne!(d.as_raw_fd(), raw, "the ring's share keeps the number");
        a.write_all(b"mine").unwrap();
        let done = wait_for(&mut ring, 1);
        assert_eq!(done.buf.unwrap(), b"mine");
    }

    #[test]
    fn a_user_data_in_flight_is_refused() {
        let Some(mut ring) = ring() else { return };
        let (_a, b) = pair();
        ring.recv(&b, vec![0; 8], 1).unwrap();
        let err = ring.recv(&b, vec![0; 8], 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let err = ring.poll_add(&b, Interest::READABLE, INTERNAL).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // Dropping the ring cancels the recv still in flight and waits.
        drop(ring);
    }
}
