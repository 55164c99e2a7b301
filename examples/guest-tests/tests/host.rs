//! Guest programs that call this project's own foreign functions (`host_functions`).

use spindle::harness::Harness;
use spindle::{Config, Program};

#[test]
fn host_guests() {
    spindle::snapshot_programs!(Harness::new("guests/host/*.mir").foreign(spindle_example_guest_tests::host_functions()));
}

#[test]
fn checksum_from_rust() {
    let src = r#"
        fn main() -> i64 {
            let s: i64;
            bb0: { s = call checksum("abc", 3) -> bb1; }
            bb1: { return s - 294; }
        }
    "#;
    let program = Program::from_source_with("inline.mir", src, &spindle_example_guest_tests::host_functions()).unwrap();
    let outcome = program.run(Config::new());
    assert_eq!(outcome.exit_code, 0, "{:?}", outcome.report);
}
