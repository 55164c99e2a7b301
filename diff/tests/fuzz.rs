//! The fuzzer: random scenarios over every supported operation and flag, run against the kernel
//! and Spindle, each mismatch shrunk to a minimal scenario.
//!
//! Quick profile (`cargo test`): a few thousand cases with a fixed seed; it prints one summary
//! line. Long profile: `SPINDLE_DIFF_CASES=1000000 cargo test --release -p spindle-diff --test
//! fuzz` (add `SPINDLE_DIFF_SECS=600` to stop after ten minutes, `SPINDLE_DIFF_SEED=n` for
//! other cases, `SPINDLE_DIFF_OPS=n` for longer scenarios); it prints progress every 30 s and,
//! at the end, the cases run and every distinct mismatch, each shrunk, with how many cases hit
//! it and whether it is known (`spindle_diff::known`). Unknown mismatches fail the test.

use spindle_diff::fuzz::{self, Options};
use std::io::Write;

/// Cases in the quick profile.
const QUICK_CASES: u64 = 3000;
/// Operations per scenario, at most.
const MAX_OPS: usize = 40;

#[test]
fn random_scenarios_agree() {
    let opts = Options::from_env(QUICK_CASES, MAX_OPS);
    let report = fuzz::run(&opts, spindle_diff::known::classify);
    // Straight to stderr, past the test harness's capture: the summary always, the whole
    // report in a long run.
    let text = if opts.cases > QUICK_CASES || opts.time_limit.is_some() { report.to_string() } else { report.summary() + "\n" };
    let _ = std::io::stderr().write_all(text.as_bytes());
    let unknown = report.unknown().count();
    assert_eq!(unknown, 0, "the fuzzer found {unknown} unknown mismatches:\n{report}");
}
