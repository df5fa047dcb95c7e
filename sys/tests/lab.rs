//! The lab examples (`examples/{triggers,forget_to_drain,herd,starvation}.rs`)
//! run here and their output is checked.
//!
//! Each example is a thin `main` around a module in `examples/lab/`, and
//! this file includes the same modules: the test runs exactly the code
//! `cargo run --example` runs, without building or spawning the example
//! binaries (their build order relative to tests is not guaranteed by
//! `cargo test`, and spawning `cargo` from a test would rebuild under the
//! test's lock). The `Display` output is checked too, since that is what
//! the examples' documentation shows.

#[path = "../examples/lab/forget_to_drain.rs"]
mod forget_to_drain;
#[path = "../examples/lab/herd.rs"]
mod herd;
#[path = "../examples/lab/starvation.rs"]
mod starvation;
#[path = "../examples/lab/triggers.rs"]
mod triggers;

use sys::Trigger;

#[test]
fn triggers_table_matches_the_documented_timeline() {
    let report = triggers::run().unwrap();
    let table = report.to_string();
    let expected = "\
one socket registered READABLE per mode; a poll after each step

step               waiting  Edge       Level      OneShot
4 bytes arrive           4  READABLE   READABLE   READABLE
caller reads 2           2  -          READABLE   -
time passes              2  -          READABLE   -
3 bytes arrive           5  READABLE   READABLE   -
caller reads all         0  -          -          -
";
    assert_eq!(table, expected);
    // The same timeline is drawn in `Trigger`'s documentation.
    assert_eq!(
        triggers::MODES,
        [Trigger::Edge, Trigger::Level, Trigger::OneShot]
    );
}

#[test]
fn forget_to_drain_stalls_and_draining_does_not() {
    let report = forget_to_drain::run().unwrap();
    let total = forget_to_drain::FIRST.len() + forget_to_drain::SECOND.len();

    // One 4-byte read per event: two events, 8 bytes, then silence with 8
    // bytes still waiting.
    let naive = &report.naive;
    assert!(!naive.drains);
    assert_eq!(naive.received, b"hello wo");
    assert_eq!(naive.left, total - 8);
    assert_eq!(
        naive.log.iter().filter(|l| l.ends_with("stalled")).count(),
        2,
        "{naive}"
    );

    // Draining: everything, in order, and every poll after a drain is idle.
    let draining = &report.draining;
    assert!(draining.drains);
    assert_eq!(draining.received, b"hello world\nbye\n");
    assert_eq!(draining.left, 0);
    assert!(
        draining.log.iter().all(|l| !l.ends_with("stalled")),
        "{draining}"
    );
    assert_eq!(
        draining
            .log
            .iter()
            .filter(|l| l.ends_with("WouldBlock"))
            .count(),
        2
    );

    let text = report.to_string();
    assert!(
        text.starts_with("naive: one 4-byte read per event\n"),
        "{text}"
    );
    assert!(text.contains("\ndraining: read until WouldBlock"), "{text}");
    assert!(
        text.contains("received 8 of 16 bytes, 8 never read"),
        "{text}"
    );
    assert!(
        text.contains("received 16 of 16 bytes, 0 never read"),
        "{text}"
    );
}

#[test]
fn starvation_budget_serves_every_quiet_connection_within_one_budget() {
    let report = starvation::run().unwrap();
    let budget_bytes = starvation::READS_PER_TURN * starvation::READ_SIZE;

    // With a budget, the busy connection gets at most one budget of reads
    // before each quiet message is read, in the first turn.
    let budget = &report.budget;
    assert_eq!(budget.policy, starvation::Policy::Budget);
    for served in budget.served_after {
        let served = served.expect("a quiet connection was never served under the budget");
        assert!(served <= budget_bytes, "{report}");
    }
    assert_eq!(budget.turns, 1, "{report}");

    // Reading until WouldBlock first empties the busy connection's receive
    // buffer, which held far more than a budget at the first poll, before
    // any quiet message is read; or it never gets to them at all.
    let read_all = &report.read_all;
    assert!(read_all.prefilled > budget_bytes, "{report}");
    for served in read_all.served_after {
        if let Some(served) = served {
            assert!(served > budget_bytes, "{report}");
        } else {
            assert!(read_all.busy_read >= starvation::GIVE_UP, "{report}");
        }
    }

    let text = report.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[4].starts_with("policy "), "{text}");
    assert!(lines[5].starts_with("read until WouldBlock "), "{text}");
    assert!(lines[6].starts_with("16 reads per turn "), "{text}");
    assert!(
        lines[6].contains("16 KiB") || lines[6].contains(" 0 KiB"),
        "{text}"
    );
}

#[test]
fn herd_accepts_everything_and_exclusive_wakes_fewer_threads() {
    let report = herd::run().unwrap();
    assert_eq!(report.rows.len(), herd::MODES.len());
    let linux = cfg!(any(target_os = "linux", target_os = "android"));
    for row in &report.rows {
        match &row.counts {
            Ok(counts) => {
                assert_eq!(counts.accepted, herd::CONNECTIONS, "{report}");
                // Every connection was accepted by a thread that woke for
                // it, or picked up while draining after an earlier one.
                assert!(counts.wakeups >= 1, "{report}");
                assert!(counts.empty <= counts.wakeups, "{report}");
            }
            Err(e) => {
                // Only the exclusive rows may fail, and only on kqueue.
                assert!(row.mode.exclusive && !linux, "{:?}: {e}", row.mode);
                assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
            }
        }
    }

    // The invariant, where the kernel's wake-ups can be counted: level
    // triggering in one epoll instance per thread wakes every waiting
    // thread for each connection; EPOLLEXCLUSIVE wakes about one.
    let sleeps = |trigger: Trigger, exclusive: bool| {
        report
            .rows
            .iter()
            .find(|r| {
                r.mode.setup == herd::Setup::PollPerThread
                    && r.mode.trigger == trigger
                    && r.mode.exclusive == exclusive
            })
            .and_then(|r| r.counts.as_ref().ok())
            .and_then(|c| c.kernel_wakeups)
    };
    if let (Some(level), Some(exclusive)) =
        (sleeps(Trigger::Level, false), sleeps(Trigger::Level, true))
    {
        assert!(level > exclusive, "{report}");
    }

    let text = report.to_string();
    assert!(text.contains("\none Poll per thread "), "{text}");
    assert!(text.contains("\none Poll shared by all threads "), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("  ")).count(),
        8,
        "{text}"
    );
}
