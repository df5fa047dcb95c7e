//! [`Trigger`]: when a ready source is reported, and how often.

/// When the kernel reports a registration that is ready: on every change
/// (edge), for as long as it stays ready (level), or once until re-armed
/// (one-shot).
///
/// The caller picks one per registration with
/// [`Registry::register_with`](crate::Registry::register_with);
/// [`Registry::register`](crate::Registry::register) uses the default,
/// [`Trigger::Edge`], as mio does.
///
/// A socket registered for [`Interest::READABLE`](crate::Interest::READABLE)
/// whose reader takes only part of the data at first:
///
/// ```text
///  step:            4 bytes    caller     time       3 more     caller
///                   arrive     reads 2    passes     arrive     reads all
///  bytes waiting:   4          2          2          5          0
///
///  the poll() after each step reports:
///    Edge           READABLE   -          -          READABLE   -
///    Level          READABLE   READABLE   READABLE   READABLE   -
///    OneShot        READABLE   -          -          -          -
///                   └─ then disabled: silent until Registry::reregister_with
///                      re-arms it, which reports at once if bytes still wait
/// ```
///
/// `cargo run -p sys --example triggers` prints this table from real
/// sockets (its output is in [`guide::lab`](crate::guide::lab));
/// `tests/lab.rs` checks that it matches, and `tests/trigger.rs` pins
/// each mode's behaviour. `examples/forget_to_drain.rs` shows what the
/// edge rule below costs when it is broken.
///
/// | trigger | epoll | kqueue |
/// | --- | --- | --- |
/// | `Edge` | `EPOLLET` | `EV_CLEAR` |
/// | `Level` | (no flag) | (no flag) |
/// | `OneShot` | `EPOLLONESHOT` | `EV_DISPATCH` |
///
/// The two backends differ when several threads wait on one instance.
/// epoll registers a descriptor: `EPOLLONESHOT` disables the whole
/// registration, both directions, after one event, and an edge on an
/// `EPOLLET` descriptor wakes one of the threads blocked in `epoll_wait`
/// (epoll(7)). kqueue registers one filter per direction: `EV_DISPATCH`
/// disables only the filter that fired, and a ready event wakes every
/// thread sleeping in `kevent` (each edge is still collected once, by
/// one of them).
///
/// The events themselves carry no promise beyond "this may be ready now":
/// every mode can report a source that then answers `WouldBlock` (a
/// spurious event), so I/O on a non-blocking source is always attempted and
/// `WouldBlock` always handled.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// Report a source when it *becomes* ready (new data arrived, buffer
    /// space was freed), not again while it merely stays ready.
    ///
    /// Consequence: after an event, the caller must read (or write) **until
    /// the call returns `WouldBlock`**. Stopping earlier leaves bytes in the
    /// buffer that no further event will mention, and the connection stalls
    /// until the peer happens to send more. In exchange, one event per burst:
    /// the cheapest mode, and the one a reactor serving many sockets uses.
    ///
    /// When several threads serve the events of one epoll/kqueue instance
    /// (threads each waiting on it, or one poller handing events to
    /// workers), each edge is reported to one of them. On epoll only that
    /// one is woken (epoll(7) wakes a single waiter for an edge-triggered
    /// descriptor); on kqueue every thread sleeping in `kevent` wakes and
    /// one of them collects the event. Either way a *second* edge, more
    /// data arriving while the first thread is still reading, can reach
    /// another thread: two threads then read the same socket and split its
    /// bytes in an order neither knows. [`Trigger::OneShot`] rules this out
    /// for one direction (for both on epoll; see there).
    #[default]
    Edge,

    /// Report a source at every poll for as long as it is ready, like
    /// `poll(2)` and `select(2)`.
    ///
    /// Consequence: the caller may read only part of the data and still hear
    /// about the rest, which makes simple loops correct. But a source that
    /// stays ready (a full receive buffer the caller is not reading yet, a
    /// writable socket with nothing to send) is reported at *every* poll: a
    /// busy loop unless the caller removes the interest. With several
    /// threads waiting on one epoll/kqueue instance, every one of them is
    /// woken for the same ready source (the thundering herd), and all but
    /// one find nothing to do.
    Level,

    /// Report a source once, then disable the registration until the caller
    /// re-arms it with [`Registry::reregister_with`](crate::Registry::reregister_with).
    ///
    /// Consequence: exactly one thread receives each event, which is how a
    /// multi-threaded reactor hands a connection to a single worker without
    /// two workers reading the same socket. The price is one extra system
    /// call per event, and a forgotten re-arm silences the source for good.
    ///
    /// What is disabled differs between the backends. On epoll
    /// (`EPOLLONESHOT`) it is the whole descriptor: after a readable event
    /// no writable event is reported either until the re-arm. On kqueue
    /// (`EV_DISPATCH`) it is the one filter that fired: a source registered
    /// for [`Interest::READABLE`](crate::Interest::READABLE) and
    /// [`Interest::WRITABLE`](crate::Interest::WRITABLE) can deliver its
    /// read event to one thread and its write event to another before
    /// either re-arms. A reactor that needs one owner per source on both
    /// backends registers one direction at a time, or hands both kinds of
    /// event for a token to the same worker. Re-arming a source that is still ready reports it
    /// again immediately (readiness is checked when the registration is
    /// enabled), so a worker may stop reading early and re-arm.
    OneShot,
}
