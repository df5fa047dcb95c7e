//! Raising `RLIMIT_NOFILE`.

#[test]
fn raise_nofile_limit_reaches_a_fixed_point() {
    let first = sys::rlimit::raise_nofile_limit().unwrap();
    let second = sys::rlimit::raise_nofile_limit().unwrap();
    assert!(first >= 16, "{first}");
    assert_eq!(
        first, second,
        "the second call finds the limit already raised"
    );
}
