//! The backend, chosen in this one place.
//!
//! Each backend file provides the same items, in the same order, under the
//! same names, so that `epoll.rs` and `kqueue.rs` read side by side:
//!
//! | item | role |
//! | --- | --- |
//! | `RawEvent` | the kernel's event record (`epoll_event` / `kevent`) |
//! | `EVENT_FLAGS` | names of its flag bits, for `Debug` and `SYS_TRACE` |
//! | `Selector::new` | create the instance, close-on-exec |
//! | `Selector::try_clone` | `dup` it (same registrations) |
//! | `Selector::register` / `reregister` / `deregister` | change interest in an fd |
//! | `Selector::register_exclusive` | add with `EPOLLEXCLUSIVE` (kqueue: `Unsupported`) |
//! | `Selector::select` | wait for events, honouring the timeout |
//! | `event::{token, is_readable, is_writable, is_error, is_read_closed, is_write_closed, is_priority, debug_details}` | decode one `RawEvent` |
//! | `Waker::{new, wake}` | wake a blocked `select` from any thread |
//! | `Signals::{new, receive, wait, fd}` | signals as a readable descriptor |
//!
//! The rest of the crate uses only these names and never looks at `cfg`.

#[cfg(any(target_os = "linux", target_os = "android"))]
#[path = "epoll.rs"]
mod backend;

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
))]
#[path = "kqueue.rs"]
mod backend;

pub(crate) use backend::{event, RawEvent, Selector, Signals, Waker};

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
)))]
compile_error!(
    "sys supports epoll (Linux, Android) and kqueue (macOS, iOS, FreeBSD, NetBSD, OpenBSD, \
     DragonFly) only; this target has neither, so there is no readiness backend to build on"
);
