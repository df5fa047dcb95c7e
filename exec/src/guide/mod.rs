//! How the runtime works inside: one chapter per mechanism, with the
//! diagrams and invariants that the private modules implement (each
//! chapter is also the documentation of the module it describes; the
//! source file names it).
//!
//! Reading order, from the contract to a task's whole life. The examples
//! in `exec/examples/` are stepping stones: `block_on` leads into chapter
//! 1, `run_queue` into chapters 2 to 5, `reactor` into chapters 10 to 12.
//!
//! 1. [`futures_contract`]: what every future and the runtime promise each
//!    other: `Pin`, wakers and spurious polls, cancellation, no blocking;
//! 2. [`task_allocation`]: one heap allocation per task and its vtable;
//! 3. [`task_state`]: the atomic state word, bit by bit;
//! 4. [`task_waker`]: `RawWaker`s that point at the allocation;
//! 5. [`run_loop`]: what a worker runs next, the LIFO slot, fairness;
//! 6. [`local_queue`]: the lock-free ring and steal-half;
//! 7. [`injector`]: the shared queue for outside spawns and overflow;
//! 8. [`idle_workers`]: searching and parked workers, no thundering herd;
//! 9. [`parking`]: sleeping in the reactor or on a condvar;
//! 10. [`reactor_turn`]: from `epoll_wait` to woken tasks;
//! 11. [`readiness`]: per-socket readiness and waiter slots;
//! 12. [`timer_heap`]: timers, and why a heap.

pub mod futures_contract {
    #![doc = include_str!("futures_contract.md")]
}
pub mod task_allocation {
    #![doc = include_str!("task_allocation.md")]
}
pub mod task_state {
    #![doc = include_str!("task_state.md")]
}
pub mod task_waker {
    #![doc = include_str!("task_waker.md")]
}
pub mod run_loop {
    #![doc = include_str!("run_loop.md")]
}
pub mod local_queue {
    #![doc = include_str!("local_queue.md")]
}
pub mod injector {
    #![doc = include_str!("injector.md")]
}
pub mod idle_workers {
    #![doc = include_str!("idle_workers.md")]
}
pub mod parking {
    #![doc = include_str!("parking.md")]
}
pub mod reactor_turn {
    #![doc = include_str!("reactor_turn.md")]
}
pub mod readiness {
    #![doc = include_str!("readiness.md")]
}
pub mod timer_heap {
    #![doc = include_str!("timer_heap.md")]
}
