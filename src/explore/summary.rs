//! The results of an exploration: what the report and the JSON summary show.

use std::time::Duration;

/// One distinct outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeCount {
    pub exit_code: i32,
    pub digest: u64,
    pub count: u64,
    pub preview: String,
    /// The first run in exploration order that produced it (absent in summaries written before
    /// examples were kept).
    pub example: Option<Example>,
}

/// The first run (in exploration order) that produced an outcome: its schedule, and the start
/// of its output for showing where two outcomes differ.
#[derive(Clone, Debug)]
pub struct Example {
    /// Where the run came in the exploration: the place of the piece of the exploration order
    /// it was found in, and its index there. Comparable between the shards of one split (so a
    /// merge keeps the earliest), but it depends on how the work was split, so it is not part of
    /// the result: two examples are equal when their schedules and outputs are.
    pub order: (Vec<u64>, u64),
    /// The schedule string (`spindle run --replay`).
    pub replay: String,
    /// The first [`MAX_KEPT`] bytes of stdout and stderr (lossy UTF-8).
    pub stdout: String,
    pub stderr: String,
}

impl PartialEq for Example {
    fn eq(&self, o: &Self) -> bool {
        (&self.replay, &self.stdout, &self.stderr) == (&o.replay, &o.stdout, &o.stderr)
    }
}
impl Eq for Example {}

/// How much of each output stream an [`Example`] keeps: differences further in are reported as
/// "no difference in the first 64 KiB".
pub const MAX_KEPT: usize = 64 * 1024;

/// The first `MAX_KEPT` bytes of `b`, as text.
pub(super) fn kept(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(MAX_KEPT)]).into_owned()
}

/// The first failure found.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Its place in the exploration order (run index; or the DFS path).
    pub order: Vec<u64>,
    /// "run 17 (seed 17)", "schedule 4 in depth-first order" …
    pub which: String,
    pub exit_code: i32,
    pub class: String,
    /// The full report, rendered without color.
    pub report: String,
    pub replay: String,
    pub preemptions: u64,
    pub minimal: Option<Minimal>,
    /// A Spindle bug found by `--check-determinism`.
    pub nondeterminism: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Minimal {
    pub replay: String,
    pub switches_before: usize,
    pub switches_after: usize,
    pub preemptions: u64,
    pub table: String,
    pub runs: u64,
}

/// What an exploration found: everything the report and the JSON summary show.
#[derive(Clone, Debug)]
pub struct Summary {
    pub program: String,
    pub fingerprint: u32,
    pub sched: String,
    pub shards: Vec<(u32, u32)>,
    pub runs: u64,
    /// DFS only: every schedule within the bound was explored (and none failed, unless
    /// exploring with `keep_going`).
    pub exhaustive: bool,
    /// DFS with partial-order reduction: the schedules run are representatives of every class
    /// of equivalent interleavings.
    pub reduced: bool,
    /// Reduced DFS: runs stopped early as redundant (every runnable thread asleep), not counted
    /// in `runs`.
    pub redundant: u64,
    /// Why the exploration stopped early, if it did.
    pub stopped: Option<String>,
    pub outcomes: Vec<OutcomeCount>,
    pub failure: Option<Failure>,
    pub elapsed: Duration,
    pub jobs: usize,
}
