//! # sys: readiness I/O, by hand
//!
//! This crate is the floor of the project: the only place that talks to the
//! kernel. It turns the readiness APIs of Linux (`epoll`) and of macOS and
//! the BSDs (`kqueue`) into a small, mio-like Rust API: [`Poll`],
//! [`Registry`], [`Token`], [`Interest`], [`Trigger`], [`Events`],
//! [`Waker`], non-blocking sockets in [`net`], [`signal`]s as events, and
//! [`rlimit`]. Everything above it (the `exec` runtime, the chat servers)
//! is built from these pieces. The guide below starts from zero.
//!
//! ## 1. Blocking and non-blocking I/O
//!
//! A socket is a file descriptor. By default its calls **block**: `read`
//! waits until bytes arrive, `accept` until a client connects, `write`
//! until the send buffer has room. One thread then serves one connection:
//!
//! ```text
//!  thread 1: read(client A) ....zzz.... data -> handle -> read(A) ..zzz..
//!  thread 2: read(client B) ..zzz............ data -> handle -> ...
//!  10 000 clients = 10 000 threads, each with its own stack, mostly asleep
//! ```
//!
//! Set `O_NONBLOCK` on the descriptor and the same calls never wait: when
//! they cannot make progress they fail at once with `EAGAIN`, which Rust
//! reports as [`std::io::ErrorKind::WouldBlock`]. One thread can now juggle
//! many sockets, but it needs a way to sleep until *some* socket can make
//! progress, instead of trying each one in a loop. That way is a
//! **readiness API**: hand the kernel a set of descriptors once, then ask
//! "which of them are ready?" and sleep until the answer is not empty.
//!
//! ```text
//!  one thread:  poll([A, B, C, ...]) ..zzz.. -> "A readable, C writable"
//!               read(A) until WouldBlock, write(C) until WouldBlock, poll again
//! ```
//!
//! ## 2. Readiness versus completion
//!
//! Readiness APIs (`select`, `poll`, `epoll`, `kqueue`) tell you when an
//! operation **would not block**; you then perform it yourself, with your
//! own buffer, and it may still say `WouldBlock` (readiness is a hint). The
//! alternative is a **completion** API: Windows' IOCP and Linux's
//! `io_uring` let you *submit* the operation (read into this buffer) and
//! later reap a completion ("done, 512 bytes"). Completion saves a system
//! call per operation and suits files as well as sockets, but the kernel
//! owns your buffer until the operation ends, which makes cancellation and
//! buffer lifetimes the hard part of any Rust API over it. This crate
//! teaches readiness: it is what mio and tokio are built on, it is the same
//! model on every Unix, and each step is visible. On Linux, the `uring`
//! module and the `uring_echo` example put completion beside it: the same
//! echo server, with the system calls per message of each counted.
//!
//! ## 3. epoll and kqueue side by side
//!
//! Both keep the interest set **inside the kernel** (unlike `poll(2)`,
//! which copies the whole set in on every call), so a wait costs time in
//! proportion to the ready descriptors, not the registered ones.
//!
//! | step | epoll (Linux) | kqueue (macOS, *BSD) | this crate |
//! | --- | --- | --- | --- |
//! | create | `epoll_create1(EPOLL_CLOEXEC)` | `kqueue()` + `FD_CLOEXEC` | [`Poll::new`] |
//! | add | `epoll_ctl(EPOLL_CTL_ADD, fd, &ev)` | `kevent(EV_ADD)` on `EVFILT_READ` / `EVFILT_WRITE` | [`Registry::register`] |
//! | change | `epoll_ctl(EPOLL_CTL_MOD, ..)` | `EV_DELETE` + `EV_ADD` in one `kevent` | [`Registry::reregister`] |
//! | remove | `epoll_ctl(EPOLL_CTL_DEL, ..)` | `kevent(EV_DELETE)` | [`Registry::deregister`] |
//! | wait | `epoll_wait(ep, events, max, ms)` | `kevent(kq, NULL, 0, events, max, &timespec)` | [`Poll::poll`] |
//! | your tag | `epoll_event.data.u64` | `kevent.udata` | [`Token`] |
//! | readable | `EPOLLIN` (+ `EPOLLRDHUP` for peer shutdown) | filter `EVFILT_READ` | [`Interest::READABLE`] |
//! | writable | `EPOLLOUT` | filter `EVFILT_WRITE` | [`Interest::WRITABLE`] |
//! | edge | `EPOLLET` | `EV_CLEAR` | [`Trigger::Edge`] |
//! | level | (default) | (default) | [`Trigger::Level`] |
//! | one-shot | `EPOLLONESHOT` | `EV_DISPATCH` | [`Trigger::OneShot`] |
//! | closed | `EPOLLHUP`, `EPOLLRDHUP` | `EV_EOF` | [`Event::is_read_closed`] |
//! | error | `EPOLLERR` | `EV_ERROR`, `EV_EOF` + `fflags` | [`Event::is_error`] |
//! | wake | `eventfd` registered `EPOLLIN` | `EVFILT_USER` + `NOTE_TRIGGER` | [`Waker`] |
//! | signals | `signalfd` | `EVFILT_SIGNAL` | [`signal::Signals`] |
//!
//! The main difference in shape: epoll registers a *descriptor* with a set
//! of flags, kqueue registers *(descriptor, filter)* pairs. So on kqueue a
//! socket registered for both directions is two kernel objects and can come
//! back as two events with the same token. Code that handles each event by
//! asking [`Event::is_readable`] and [`Event::is_writable`] works on both.
//!
//! ## 4. Edge, level and one-shot
//!
//! A [`Trigger`] says *when* a ready registration is reported. Take a
//! socket registered for [`Interest::READABLE`] whose reader takes only
//! part of the data at first, and a `poll` after each step:
//!
//! ```text
//!  step:            4 bytes    caller     time       3 more     caller
//!                   arrive     reads 2    passes     arrive     reads all
//!  bytes waiting:   4          2          2          5          0
//!
//!  the poll() after each step reports:
//!    Edge           READABLE   -          -          READABLE   -
//!    Level          READABLE   READABLE   READABLE   READABLE   -
//!    OneShot        READABLE   -          -          -          -
//!                   └─ then disabled: silent until Registry::reregister_with
//!                      re-arms it, which reports at once if bytes still wait
//! ```
//!
//! * **Edge** (the default of [`Registry::register`]): an event when the
//!   state *changes*, that is when new bytes arrive. The 2 bytes left after
//!   "caller reads 2" are not announced again; had the peer sent nothing
//!   more, they would wait forever. So after an edge event, read (or
//!   write) until `WouldBlock`, and only then poll again.
//! * **Level**: an event at every poll while the condition holds. Partial
//!   reads are safe, but a ready source you are not serving yet (a writable
//!   socket with nothing to write) wakes you at every poll, and with
//!   several threads waiting on one instance all of them wake for it (the
//!   thundering herd).
//! * **One-shot**: one event, then the registration is disabled until
//!   [`Registry::reregister_with`] re-arms it. Whoever took the event owns
//!   the source until then, which is how several threads share the events
//!   of one instance without two of them reading the same socket, at the
//!   price of one extra system call per event.
//!
//! With several threads waiting on one instance the backends differ (the
//! descriptor-versus-filter difference of section 3 again). epoll's
//! `EPOLLONESHOT` disables the whole descriptor, both directions, and an
//! edge wakes a single thread blocked in `epoll_wait` (epoll(7)). kqueue's
//! `EV_DISPATCH` disables only the filter that fired, so one source's read
//! and write events can go to two threads before either re-arms, and a
//! ready event wakes every thread sleeping in `kevent`. [`Trigger`] gives
//! the details.
//!
//! The table is printed from real sockets by `cargo run -p sys --example
//! triggers`; [`guide::lab`] shows it with the other lab examples.
//!
//! ## 5. How a reactor is built from these
//!
//! A *reactor* is the loop that owns the [`Poll`] and turns events into
//! work. Each source gets a token; a table maps tokens to state:
//!
//! ```text
//!                 register(fd, Token(n), interest)
//!   connections ───────────────────────────────────> kernel interest list
//!   table[n]                                              │
//!      ▲                                                  │ ready
//!      │  event.token() == n                              ▼
//!   dispatch <──────── Events <──────── Poll::poll() (sleeps here)
//!      │                                                  ▲
//!      └─ read/write until WouldBlock                     │ Waker::wake()
//!         reregister if the interest changed         other threads
//! ```
//!
//! 1. Put every socket in non-blocking mode (the [`net`] types are, from
//!    birth) and register it with a fresh [`Token`].
//! 2. Loop: [`Poll::poll`] into an [`Events`] buffer; for each event find
//!    the state by token and do the I/O until `WouldBlock`.
//! 3. Ask for [`Interest::WRITABLE`] only while there is unsent data;
//!    otherwise a writable socket reports constantly (level) or uselessly
//!    (edge).
//! 4. Other threads that need the reactor's attention (a new task, a
//!    shutdown request) push to a queue and call [`Waker::wake`]; the poll
//!    returns with the waker's token and the reactor checks its queue. The
//!    [`Registry`] is `Send + Sync`, so those threads can also register
//!    sources directly while the reactor sleeps.
//! 5. Timers are not sources: the reactor passes the time until the
//!    earliest deadline as the poll timeout.
//! 6. When a connection ends (end of stream, an error), deregister it and
//!    drop it. Do not hand its token to a new connection within the same
//!    batch: later events in the same [`Events`] may still carry the old
//!    token. Fresh tokens from a counter, or a lookup that skips unknown
//!    tokens, avoid the mix-up.
//!
//! `examples/echo.rs` is this loop in full: an edge-triggered echo server
//! with per-connection buffers.
//!
//! ## 6. A runnable example
//!
//! A server and a client on one [`Poll`]: the client connects without
//! blocking, sends a line once connected, the server echoes it, the client
//! reads it back. Every step waits for readiness; nothing sleeps.
//!
//! ```
//! use std::io::{ErrorKind, Read, Write};
//! use std::time::Duration;
//! use sys::net::{TcpListener, TcpStream};
//! use sys::{Events, Interest, Poll, Token};
//!
//! const SERVER: Token = Token(0);
//! const CLIENT: Token = Token(1);
//! const ACCEPTED: Token = Token(2);
//!
//! # fn main() -> std::io::Result<()> {
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(16);
//!
//! let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! poll.registry().register(&mut listener, SERVER, Interest::READABLE)?;
//!
//! // A non-blocking connect: done when the socket becomes writable.
//! let mut client = TcpStream::connect(listener.local_addr()?)?;
//! poll.registry().register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)?;
//!
//! let mut accepted: Option<TcpStream> = None;
//! let mut sent = false;
//! let mut reply = Vec::new();
//! while reply != b"hello\n" {
//!     poll.poll(&mut events, Some(Duration::from_secs(10)))?;
//!     assert!(!events.is_empty(), "nothing happened for 10 s");
//!     for event in events.iter() {
//!         match event.token() {
//!             SERVER => {
//!                 // Edge-triggered: accept until WouldBlock.
//!                 loop {
//!                     match listener.accept() {
//!                         Ok((mut stream, _)) => {
//!                             poll.registry().register(&mut stream, ACCEPTED, Interest::READABLE)?;
//!                             accepted = Some(stream);
//!                         }
//!                         Err(e) if e.kind() == ErrorKind::WouldBlock => break,
//!                         Err(e) => return Err(e),
//!                     }
//!                 }
//!             }
//!             ACCEPTED => {
//!                 // Echo everything until WouldBlock.
//!                 let stream = accepted.as_mut().unwrap();
//!                 let mut buf = [0; 64];
//!                 loop {
//!                     match stream.read(&mut buf) {
//!                         Ok(0) => break,
//!                         Ok(n) => stream.write_all(&buf[..n])?,
//!                         Err(e) if e.kind() == ErrorKind::WouldBlock => break,
//!                         Err(e) => return Err(e),
//!                     }
//!                 }
//!             }
//!             CLIENT => {
//!                 if event.is_writable() && !sent {
//!                     // The connect finished; did it succeed?
//!                     assert!(client.take_error()?.is_none());
//!                     client.write_all(b"hello\n")?;
//!                     sent = true;
//!                 }
//!                 if event.is_readable() {
//!                     let mut buf = [0; 64];
//!                     loop {
//!                         match client.read(&mut buf) {
//!                             Ok(0) => break,
//!                             Ok(n) => reply.extend_from_slice(&buf[..n]),
//!                             Err(e) if e.kind() == ErrorKind::WouldBlock => break,
//!                             Err(e) => return Err(e),
//!                         }
//!                     }
//!                 }
//!             }
//!             _ => unreachable!(),
//!         }
//!     }
//! }
//! assert_eq!(reply, b"hello\n");
//! # Ok(())
//! # }
//! ```
//!
//! (Writing with `write_all` on a non-blocking socket is fine here because
//! six bytes always fit in an empty send buffer; a real server buffers what
//! `write` did not take, as `examples/echo.rs` does.)
//!
//! ## 7. Watching the kernel: `SYS_TRACE=1` and `SYS_TRACE=2`
//!
//! Run any binary built on this crate with `SYS_TRACE=1` and every
//! readiness system call is printed to standard error with its flags
//! decoded, the same names `{:#?}` of an [`Event`] shows:
//!
//! ```text
//! sys: epoll_create1(EPOLL_CLOEXEC) = 3
//! sys: socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC) = 4
//! sys: epoll_ctl(ADD, fd=4, EPOLLIN|EPOLLRDHUP|EPOLLET, token=0) = 0
//! sys: epoll_wait(epfd=3, max=256, timeout=forever) = 1
//! sys:   -> token=0 EPOLLIN
//! sys: accept4(fd=4, SOCK_NONBLOCK|SOCK_CLOEXEC) = 5
//! ```
//!
//! `SYS_TRACE=2` adds the data calls of [`net::TcpStream`] (`read`,
//! `readv`, `send`, `sendmsg`) with their byte counts and errors by name,
//! and every `close`: "read until `WouldBlock`" becomes visible. The
//! draining reader of `examples/forget_to_drain.rs`, one event:
//!
//! ```text
//! sys: send(fd=4, 12 bytes) = 12
//! sys: epoll_wait(epfd=6, max=4, timeout=100ms) = 1
//! sys:   -> token=1 EPOLLIN
//! sys: read(fd=5, buf=4) = 4
//! sys: read(fd=5, buf=4) = 4
//! sys: read(fd=5, buf=4) = 4
//! sys: read(fd=5, buf=4) = -1 EAGAIN
//! sys: epoll_wait(epfd=6, max=4, timeout=100ms) = 0
//! ```
//!
//! With the variable unset (or `0`), each traced call costs one relaxed
//! atomic load and a branch, whatever its level; `benches/trace.rs` times
//! a `read` with tracing off, at level 1 and at level 2.
//!
//! ## 8. Errors and interruptions
//!
//! Every failure is an [`std::io::Error`] carrying the OS error number;
//! nothing in this crate panics on an OS error. `WouldBlock` means "wait
//! for readiness", not failure. `EINTR` (a signal arrived during a call) is
//! retried where that is safe (`accept`, `read`, `write`, waits inside
//! [`signal::Signals::wait`] and [`net::TcpStream::connect_timeout`]);
//! [`Poll::poll`] instead returns `Ok` early with no events, so that a
//! signal cannot end an event loop that propagates errors with `?`. (mio
//! makes the other choice: its `Poll::poll` returns the `Interrupted`
//! error.)
//!
//! ## 9. Map of the crate
//!
//! | item | file | concept |
//! | --- | --- | --- |
//! | [`Poll`] | `poll.rs` | the epoll/kqueue instance and the wait |
//! | [`Registry`] | `registry.rs` | adding, changing, removing interest |
//! | [`Token`], [`Interest`], [`Trigger`] | `token.rs`, `interest.rs`, `trigger.rs` | what a registration says |
//! | [`Events`], [`Event`] | `events.rs`, `event.rs` | what a poll returns |
//! | [`Source`], [`SourceFd`] | `source.rs` | what can be registered |
//! | [`Waker`] | `waker.rs` | cross-thread wake-up |
//! | [`net`] | `net/` | non-blocking TCP |
//! | [`signal`] | `signal.rs` | signals as events |
//! | [`rlimit`] | `rlimit.rs` | raising the descriptor limit |
//! | [`guide`] | `guide/` | the backends inside, the lab examples, the pitfalls |
//! | (internal) | `selector/epoll.rs`, `selector/kqueue.rs` | the two backends, same functions in the same order ([`guide::epoll`], [`guide::kqueue`]) |
//! | (internal) | `syscall.rs`, `fd.rs`, `trace.rs` | the door to the kernel, fd helpers, tracing |
//!
//! Supported: Linux and Android (epoll); macOS, iOS, FreeBSD, NetBSD,
//! OpenBSD and DragonFly (kqueue). Any other target fails to compile with a
//! message saying so. [`Waker`] on kqueue needs the `EVFILT_USER` filter,
//! which OpenBSD has from 7.8 and NetBSD from 10: on older releases of
//! those two, [`Waker::new`] fails with `EINVAL` (everything else works). The kqueue backend is type-checked for FreeBSD,
//! macOS, NetBSD and OpenBSD by `.ci/check-bsd` but runs only on those
//! systems; [`guide::kqueue`] lists what was verified only by review.
//!
//! ## 10. Further: the guide
//!
//! [`guide`] goes inside: [`guide::backends`] puts epoll and kqueue side
//! by side, [`guide::epoll`] and [`guide::kqueue`] describe each backend,
//! [`guide::lab`] runs the `triggers`, `forget_to_drain`, `herd` and
//! `starvation` examples and shows their output, and [`guide::pitfalls`]
//! lists what goes wrong in readiness code, with the guard and the test
//! for each.
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

#[macro_use]
mod syscall;
#[macro_use]
mod trace;
#[macro_use]
mod source;

mod event;
mod events;
mod fd;
mod interest;
mod poll;
mod registry;
mod selector;
mod token;
mod trigger;
mod waker;

pub mod guide;
pub mod net;
pub mod rlimit;
pub mod signal;
#[cfg(target_os = "linux")]
pub mod uring;

pub use event::Event;
pub use events::{Events, Iter};
pub use interest::Interest;
pub use poll::Poll;
pub use registry::Registry;
pub use source::{Source, SourceFd};
pub use token::Token;
pub use trigger::Trigger;
pub use waker::Waker;
