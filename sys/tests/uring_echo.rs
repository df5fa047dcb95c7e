//! The `uring_echo` example's self-test echoes 1,000 messages through
//! `io_uring` and prints its system calls per message; where `io_uring` is
//! unavailable the test says why and skips, and only then.

#[allow(dead_code)] // the example's `main`
#[path = "../examples/uring_echo.rs"]
mod uring_echo;

mod self_test_table;

#[test]
fn self_test_echoes_1000_messages_through_io_uring() {
    match uring_echo::self_test(1000).unwrap() {
        uring_echo::Outcome::Done(table) => {
            println!("{table}");
            let total = self_test_table::check(&table, "uring_echo", &["io_uring_enter"], 1000);
            // One submission per message at least: the client's send.
            assert!(total >= 1000, "{table}");
        }
        uring_echo::Outcome::Unavailable(why) => {
            println!("skipped: io_uring is unavailable: {why}");
            assert!(!cfg!(target_os = "linux") || !why.is_empty());
        }
    }
}
