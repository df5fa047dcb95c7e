//! The thundering herd: how many threads wake for one new connection, by
//! trigger mode, with and without `EPOLLEXCLUSIVE`.
//!
//! ```text
//! cargo run -p sys --example herd
//! ```
//!
//! Output of one run on Linux (counts vary; see below):
//!
//! ```text
//! 4 threads wait on one listening socket; 50 connections, one at a time
//! returns: polls that returned the listener; empty: the first accept after one found nothing
//! sleeps: times a thread slept and was woken (voluntary context switches), including wake-ups the kernel took back
//!
//! one Poll per thread               returns  per conn  empty   sleeps  per conn
//!   Level                                50      1.00      0      149      2.98
//!   Edge                                 50      1.00      0       90      1.80
//!   OneShot                              50      1.00      0      140      2.80
//!   Level + EXCLUSIVE                    49      0.98      0       50      1.00
//!   Edge + EXCLUSIVE                     50      1.00      0       50      1.00
//!
//! one Poll shared by all threads    returns  per conn  empty   sleeps  per conn
//!   Level                                56      1.12      6      106      2.12
//!   Edge                                 50      1.00      0       50      1.00
//!   OneShot                              50      1.00      0       50      1.00
//! ```
//!
//! Reading the table:
//!
//! * The `returns` columns hide the herd: a thread the kernel wakes checks
//!   the listener again before `epoll_wait` returns, and if another thread
//!   has already accepted, it goes back to sleep without returning. The
//!   `sleeps` columns count those wake-ups too (each thread's voluntary
//!   context switches, Linux only).
//! * **One `Poll` per thread**: the listener is registered in four kernel
//!   instances, and a new connection makes it ready in each. Without the
//!   flag, every instance with a thread asleep in it wakes that thread,
//!   whatever the trigger mode (the mode decides how often one instance
//!   reports a source, not how many instances hear of it): up to four
//!   wake-ups per connection, fewer when a thread was still awake from the
//!   previous one. `EPOLLEXCLUSIVE` (`Registry::register_exclusive`) tells
//!   the kernel to wake one of the instances registered that way
//!   (epoll_ctl(2) promises "one or more"): one wake-up per connection.
//! * **One shared `Poll`**: epoll wakes one waiter per event. Edge and
//!   one-shot hand each connection to one thread. Level keeps the listener
//!   on the ready list after the first waiter collects it, so while that
//!   thread is on its way to `accept`, others wake for the same connection.
//!
//! Counts vary from run to run (they depend on which threads the scheduler
//! runs when); `tests/lab.rs` checks the table's shape, that every
//! connection was accepted, and, where `sleeps` can be counted, that level
//! triggering without the flag wakes more threads than with it (about 3-4
//! against 1.00 per connection in every run so far).
//!
//! kqueue (macOS, the BSDs) has no exclusive wake-up: the two exclusive
//! rows print `unsupported` there. A knote belongs to one kqueue, so a
//! listener registered in N kqueues is N knotes, all activated by one
//! connection. What kqueue offers instead is the shared-instance rows: one
//! kqueue, with `EV_DISPATCH` (one-shot) or `EV_CLEAR` (edge), so that each
//! connection's event is collected by one thread (kqueue wakes every thread
//! asleep in the shared `kevent`, and the others go back to sleep, so its
//! `sleeps` column may read higher than epoll's).

#[path = "lab/herd.rs"]
mod lab;

fn main() -> std::io::Result<()> {
    print!("{}", lab::run()?);
    Ok(())
}
