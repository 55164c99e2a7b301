//! futex against Linux: the guest twin `programs/futex/probe.mir` must print exactly what the
//! native probe `shims/probes/futex.c` printed on Linux (`shims/probes/futex.txt`), line for line
//! — every errno rule, the wake order, requeue counts, bitsets, private and shared queues.

use spindle::{Config, Program, StopKind};

#[test]
fn the_guest_probe_prints_what_linux_answered() {
    let root = env!("CARGO_MANIFEST_DIR");
    let program = Program::from_path(format!("{root}/programs/futex/probe.mir")).expect("the probe loads");
    let outcome = program.run(Config::new());
    assert_eq!(outcome.kind(), StopKind::Exit(0), "{}", outcome.stderr_text());
    let linux = std::fs::read_to_string(format!("{root}/shims/probes/futex.txt")).expect("the recorded probe output");
    let spindle = outcome.stdout_text();
    for (i, (s, l)) in spindle.lines().zip(linux.lines()).enumerate() {
        assert_eq!(s, l, "line {} of the probe differs from Linux", i + 1);
    }
    assert_eq!(spindle.lines().count(), linux.lines().count(), "the probe printed another number of lines than Linux");
}
