//! `EXEC_TRACE=1`: one line on stderr per park, unpark, steal and reactor
//! turn, so a learner can watch the scheduler work.
//!
//! The environment variable is read once; afterwards a disabled trace costs
//! one relaxed load per trace point.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// True if `EXEC_TRACE=1` was set when first asked.
pub(crate) fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => {
            let on = std::env::var_os("EXEC_TRACE").is_some_and(|v| v == "1");
            STATE.store(if on { ON } else { OFF }, Ordering::Relaxed);
            on
        }
    }
}

/// Writes one trace line, prefixed with the thread name.
pub(crate) fn emit(args: fmt::Arguments<'_>) {
    let thread = std::thread::current();
    eprintln!("exec [{}] {}", thread.name().unwrap_or("-"), args);
}

/// `trace!("worker {} parks", i)`: prints when `EXEC_TRACE=1`.
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::trace::enabled() {
            $crate::trace::emit(format_args!($($arg)*));
        }
    };
}
pub(crate) use trace;
