//! The probes' recorded outputs (`shims/probes/epoll/output/*.txt`): every test compares the
//! core's answer with the line the kernel printed.

fn output(probe: &str) -> &'static str {
    match probe {
        "scenarios" => include_str!("../../../probes/epoll/output/scenarios.txt"),
        "ready_list" => include_str!("../../../probes/epoll/output/ready_list.txt"),
        "edges" => include_str!("../../../probes/epoll/output/edges.txt"),
        "oneshot" => include_str!("../../../probes/epoll/output/oneshot.txt"),
        "waiters" => include_str!("../../../probes/epoll/output/waiters.txt"),
        "exclusive" => include_str!("../../../probes/epoll/output/exclusive.txt"),
        "nested" => include_str!("../../../probes/epoll/output/nested.txt"),
        "errors" => include_str!("../../../probes/epoll/output/errors.txt"),
        "lifetime" => include_str!("../../../probes/epoll/output/lifetime.txt"),
        _ => panic!("no probe {probe}"),
    }
}

/// The value the probe printed for `fact` (the text after `fact: ` on the one line starting
/// with it).
pub fn recorded(probe: &str, fact: &str) -> &'static str {
    let prefix = format!("{fact}: ");
    let mut hits = output(probe).lines().filter_map(|l| l.strip_prefix(prefix.as_str()));
    let v = hits.next().unwrap_or_else(|| panic!("probe {probe} recorded no fact {fact:?}"));
    assert!(hits.next().is_none(), "probe {probe} recorded {fact:?} twice");
    v
}

/// Asserts `actual` is what probe `probe` recorded for `fact`.
#[track_caller]
pub fn check(probe: &str, fact: &str, actual: impl AsRef<str>) {
    assert_eq!(actual.as_ref(), recorded(probe, fact), "probe {probe}: {fact}");
}
