//! The table that `echo --self-test` and `uring_echo --self-test` print.

/// Checks the shape of a self-test table: a title naming the message
/// count, a header, one row per call, and a total row that adds them up.
/// Returns the total.
pub fn check(table: &str, title: &str, calls: &[&str], messages: u64) -> u64 {
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        format!("{title} self-test: {messages} messages echoed"),
        "{table}"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["call", "count", "per", "message"]
    );
    assert_eq!(lines.len(), calls.len() + 3, "{table}");
    let mut sum = 0;
    for (line, call) in lines[2..].iter().zip(calls.iter().chain(["total"].iter())) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.len(), 3, "{line}");
        assert_eq!(cells[0], *call, "{table}");
        let count: u64 = cells[1].parse().unwrap();
        let per: f64 = cells[2].parse().unwrap();
        let expected = count as f64 / messages as f64;
        assert!((per - expected).abs() < 0.006, "{line}: per message");
        if *call == "total" {
            assert_eq!(count, sum, "{table}");
        } else {
            sum += count;
        }
    }
    sum
}
