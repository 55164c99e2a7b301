//! Schedule sweeps: a program is run under many schedules, and a failing one fails the test
//! with its report and the minimal schedule string that replays it.

use spindle::harness::Sweep;
use spindle::{Config, Program, StopKind};

#[test]
fn the_ticket_counter_survives_every_schedule() {
    Sweep::new("sweeps/counter.mir").seeds(200).check();
    let dfs = Sweep::new("sweeps/counter.mir").dfs(2).check();
    assert!(dfs.exhaustive, "every schedule with at most 2 preemptions was explored");
}

#[test]
fn the_racy_counter_is_caught() {
    let failure = Sweep::new("sweeps/racy_counter.mir").dfs(2).find_failure();
    assert!(failure.report.contains("an increment was lost"), "{failure}");
    // The schedule string replays the failure exactly.
    let program = Program::from_path("sweeps/racy_counter.mir").unwrap();
    let replayed = program.run(Config::new().replay(&failure.schedule));
    assert_eq!(replayed.kind(), StopKind::Panic);
    assert_eq!(replayed.stdout_text(), "count = 1\n");
}
