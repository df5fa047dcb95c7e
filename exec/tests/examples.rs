//! The stepping-stone examples (`block_on`, `run_queue`, `reactor`) run,
//! and print exactly the output their docs show.
//!
//! Each example is compiled into this test with `#[path]`, so the test
//! calls its `demo` function directly: no `cargo run` from a test, no
//! dependence on a built example binary.

#[allow(dead_code)] // the example's `main`
#[path = "../examples/block_on.rs"]
mod block_on;
#[allow(dead_code)]
#[path = "../examples/reactor.rs"]
mod reactor;
// `reactor` builds on `run_queue` and compiles it as its own module.
use reactor::run_queue;

/// The output block of an example's docs: the lines after
/// `//! $ cargo run -p exec --example NAME`, up to the closing fence.
fn documented_output(source: &str, name: &str) -> Vec<String> {
    let command = format!("//! $ cargo run -p exec --example {name}");
    let mut lines = source.lines().skip_while(|line| *line != command);
    assert!(lines.next().is_some(), "{name}.rs documents no output");
    lines
        .take_while(|line| *line != "//! ```")
        .map(|line| line.trim_start_matches("//!").trim_start().to_string())
        .collect()
}

#[test]
fn block_on_prints_its_documented_output() {
    let expected = documented_output(include_str!("../examples/block_on.rs"), "block_on");
    assert_eq!(block_on::demo(), expected);
}

#[test]
fn run_queue_prints_its_documented_output() {
    let expected = documented_output(include_str!("../examples/run_queue.rs"), "run_queue");
    assert_eq!(run_queue::demo(), expected);
}

#[test]
fn reactor_prints_its_documented_output() {
    let expected = documented_output(include_str!("../examples/reactor.rs"), "reactor");
    assert_eq!(reactor::demo().unwrap(), expected);
}
