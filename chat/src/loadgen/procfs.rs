//! What the load generator reads about the server process from `/proc`
//! (Linux): resident memory, CPU time, context switches.
//!
//! | figure | file | field |
//! | --- | --- | --- |
//! | resident memory | `/proc/PID/status` | `VmRSS:` (kB) |
//! | CPU time | `/proc/PID/stat` | `utime` + `stime` (fields 14 and 15), in clock ticks |
//! | context switches | `/proc/PID/task/*/status` | `voluntary_ctxt_switches` + `nonvoluntary_ctxt_switches`, every thread |
//!
//! Clock ticks are `USER_HZ`, which the `/proc` ABI fixes at 100 per
//! second on Linux whatever the kernel's own `HZ` (`getconf CLK_TCK` prints
//! it); [`TICK_NS`] assumes it. Context switches are summed over
//! `/proc/PID/task/*` because a multi-threaded server's `status` counts only
//! its main thread. See proc(5).

use std::fs;
use std::io;

/// Nanoseconds per clock tick (`USER_HZ` = 100).
pub const TICK_NS: u64 = 10_000_000;

/// User plus system CPU time of `pid`, in clock ticks (all threads).
pub fn cpu_ticks(pid: u32) -> io::Result<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_stat_ticks(&stat).ok_or_else(|| bad(pid, "stat"))
}

/// [`cpu_ticks`] of each of `pids`, in order.
pub fn cpu_ticks_each(pids: &[u32]) -> io::Result<Vec<u64>> {
    pids.iter().map(|p| cpu_ticks(*p)).collect()
}

/// The ticks each process used between two [`cpu_ticks_each`] readings;
/// `None` when no process was named.
pub fn ticks_used(before: &[u64], after: &[u64]) -> Option<Vec<u64>> {
    (!before.is_empty()).then(|| {
        before
            .iter()
            .zip(after)
            .map(|(b, a)| a.saturating_sub(*b))
            .collect()
    })
}

/// Resident memory of `pid` in KiB.
pub fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    status_field(&status, "VmRSS").ok_or_else(|| bad(pid, "status"))
}

/// Voluntary plus involuntary context switches of every thread of `pid`.
pub fn ctxt_switches(pid: u32) -> io::Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = entry?.path().join("status");
        // A thread may end between the listing and the read.
        let Ok(status) = fs::read_to_string(&path) else {
            continue;
        };
        total += status_field(&status, "voluntary_ctxt_switches").unwrap_or(0);
        total += status_field(&status, "nonvoluntary_ctxt_switches").unwrap_or(0);
    }
    Ok(total)
}

fn bad(pid: u32, file: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("cannot parse /proc/{pid}/{file}"),
    )
}

/// `utime + stime` from the text of `/proc/PID/stat`. The command name
/// (field 2) is in parentheses and may hold spaces and `)`, so fields are
/// counted from the **last** `)`.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 is index 0
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The number after `name:` in a `/proc/PID/status` text (the unit, if
/// any, is dropped).
pub fn status_field(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let stat =
            "1234 (a b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 37 5 0 0 20 0 1 0 99 1000 50";
        assert_eq!(parse_stat_ticks(stat), Some(42));
        assert_eq!(parse_stat_ticks("1 (x) S 1"), None);
    }

    #[test]
    fn status_fields_by_name() {
        let status = "Name:\tevent_server\nVmRSS:\t    2048 kB\nvoluntary_ctxt_switches:\t7\nnonvoluntary_ctxt_switches:\t3\n";
        assert_eq!(status_field(status, "VmRSS"), Some(2048));
        assert_eq!(status_field(status, "voluntary_ctxt_switches"), Some(7));
        assert_eq!(status_field(status, "nonvoluntary_ctxt_switches"), Some(3));
        assert_eq!(status_field(status, "VmHWM"), None);
    }

    #[test]
    fn ticks_used_per_process() {
        assert_eq!(ticks_used(&[], &[]), None);
        assert_eq!(ticks_used(&[10, 5], &[12, 5]), Some(vec![2, 0]));
        let me = std::process::id();
        let each = cpu_ticks_each(&[me, me]).unwrap();
        assert_eq!(each.len(), 2);
        assert!(cpu_ticks_each(&[]).unwrap().is_empty());
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(rss_kib(me).unwrap() > 0);
        assert!(ctxt_switches(me).is_ok());
        assert!(cpu_ticks(me).is_ok());
    }
}
