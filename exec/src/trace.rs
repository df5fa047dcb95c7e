//! `EXEC_TRACE=1`: one line on stderr per park, unpark, steal and reactor
//! turn, so a learner can watch the scheduler work.
//!
//! The variable follows the rule of `sys`'s `SYS_TRACE`: set to anything
//! but `0` or the empty string, it turns tracing on. It is read once;
//! afterwards a disabled trace costs one relaxed load per trace point.

use std::ffi::OsStr;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// True if `EXEC_TRACE` turned tracing on when first asked.
pub(crate) fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => {
            let on = turns_on(std::env::var_os("EXEC_TRACE").as_deref());
            // Threads racing here all compute the same answer.
            STATE.store(if on { ON } else { OFF }, Ordering::Relaxed);
            on
        }
    }
}

/// The value rule of `SYS_TRACE`'s first level: set, not empty, and not a
/// number equal to zero (`0`, `00`, ` 0` are off; `1`, `2`, `yes` are on).
fn turns_on(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| {
        let v = v.to_string_lossy();
        !v.is_empty() && v.trim().parse::<u64>() != Ok(0)
    })
}

/// Writes one trace line, prefixed with the thread name.
///
/// A failed write (standard error closed, or a pipe whose reader is gone)
/// is ignored: tracing must never turn into a panic, which `eprintln!`
/// would be.
#[cold]
pub(crate) fn emit(args: fmt::Arguments<'_>) {
    use std::io::Write;
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("-");
    let _ = writeln!(std::io::stderr().lock(), "exec [{name}] {args}");
}

/// Writes one unconditional diagnostic line (`exec: ...`): a broken
/// invariant the runtime survives, or the reason it exits. Like [`emit`],
/// it ignores a failed write rather than panic on a closed stderr.
#[cold]
pub(crate) fn report(args: fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "exec: {args}");
}

/// `trace!("worker {} parks", i)`: prints when `EXEC_TRACE` is on.
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::trace::enabled() {
            $crate::trace::emit(format_args!($($arg)*));
        }
    };
}
pub(crate) use trace;

#[cfg(test)]
mod tests {
    use super::turns_on;
    use std::ffi::OsStr;

    #[test]
    fn the_value_rule_is_the_one_of_sys_trace() {
        for on in ["1", "yes", "true", "2", "on"] {
            assert!(turns_on(Some(OsStr::new(on))), "{on:?}");
        }
        assert!(!turns_on(Some(OsStr::new("0"))));
        assert!(!turns_on(Some(OsStr::new("00"))), "as SYS_TRACE reads it");
        assert!(!turns_on(Some(OsStr::new(""))));
        assert!(!turns_on(None));
    }
}
