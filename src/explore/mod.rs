//! Schedule exploration: run one program under many schedules, in parallel, and report the
//! distinct outcomes and the first failure — with a replay string, a minimised schedule and a
//! table of the steps that lead to it. `docs/explore.md` is the user's guide.
//!
//! Every result is deterministic whatever `--jobs` is (only `--time` makes a result depend on
//! the machine): runs are ordered — by index for `random` and `pct`, in depth-first order of the
//! schedule tree for `dfs` — and the report covers exactly the runs up to the first failure in
//! that order, however the work was split between workers.
//!
//! The module's parts: `options` (the settings), `run` (one run), `driver` (the parallel
//! driver and aggregation), `dfs` (depth-first search, bounded or with sleep sets), `dpor` (optimal dynamic
//! partial-order reduction for `dfs:inf`),
//! `minimize` (shrinking a failing schedule), `table` (the steps of a failing run),
//! `summary`, `report` and `json` (the results and their two renderings) and `merge`
//! (combining shards).

mod dfs;
mod dpor;
mod driver;
mod json;
mod merge;
mod minimize;
mod options;
mod report;
mod run;
mod summary;
mod table;

pub use driver::explore;
pub use merge::merge;
pub use options::{
    parse_duration, parse_on_off, parse_shard, parse_spurious_wakeups, Options, Strategy, DEFAULT_DFS_BOUND, DEFAULT_MAX_STEPS,
    DEFAULT_PCT_DEPTH, DEFAULT_RUNS, DEFAULT_SPURIOUS_WAKEUPS, STOPPED_BY_INTERRUPT, UNBOUNDED,
};
pub use report::MAX_SHOWN;
pub use run::{failure_class, run_one, run_one_reads, Single};
pub use summary::{Example, Failure, Minimal, OutcomeCount, Summary, MAX_KEPT};
pub use table::table;
