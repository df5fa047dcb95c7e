//! How the runtime works inside: one chapter per mechanism, with the
//! diagrams and invariants that the private modules implement (each
//! chapter is also the documentation of the module it describes; the
//! source file names it).
//!
//! Reading order, following a task through its life:
//!
//! 1. [`task_allocation`]: one heap allocation per task and its vtable;
//! 2. [`task_state`]: the atomic state word, bit by bit;
//! 3. [`task_waker`]: `RawWaker`s that point at the allocation;
//! 4. [`run_loop`]: what a worker runs next, the LIFO slot, fairness;
//! 5. [`local_queue`]: the lock-free ring and steal-half;
//! 6. [`injector`]: the shared queue for outside spawns and overflow;
//! 7. [`idle_workers`]: searching and parked workers, no thundering herd;
//! 8. [`parking`]: sleeping in the reactor or on a condvar;
//! 9. [`reactor_turn`]: from `epoll_wait` to woken tasks;
//! 10. [`readiness`]: per-socket readiness and waiter slots;
//! 11. [`timer_heap`]: timers, and why a heap.

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
