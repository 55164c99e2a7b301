//! The settings of an exploration: the scheduler, limits, sharding, and their parsing.

use crate::RunConfig;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// How schedules are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Run `i` uses `--sched random --seed i`.
    Random,
    /// Run `i` uses PCT with seed `i` and this depth.
    Pct { depth: u32 },
    /// Depth-first search of the schedule tree, at most this many preemptions per schedule
    /// ([`UNBOUNDED`]: no bound, and partial-order reduction unless it is turned off).
    Dfs { bound: u32 },
}

/// The preemption bound of `dfs:inf`: none.
pub const UNBOUNDED: u32 = u32::MAX;

pub const DEFAULT_PCT_DEPTH: u32 = 3;
pub const DEFAULT_DFS_BOUND: u32 = 2;
pub const DEFAULT_RUNS: u64 = 1000;
/// Per-run step limit unless `--max-steps` is given: a spin loop that never yields would
/// otherwise run forever under a non-preemptive schedule.
pub const DEFAULT_MAX_STEPS: u64 = 1_000_000;

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let num = |what: &str, min: u32| -> Result<Option<u32>, String> {
            match arg {
                None => Ok(None),
                Some(a) => match a.parse::<u32>() {
                    Ok(v) if v >= min => Ok(Some(v)),
                    _ => Err(format!("`{s}`: {what} must be a whole number of at least {min}")),
                },
            }
        };
        match name {
            "random" if arg.is_none() => Ok(Strategy::Random),
            "pct" => Ok(Strategy::Pct { depth: num("the depth", 1)?.unwrap_or(DEFAULT_PCT_DEPTH) }),
            "dfs" if matches!(arg, Some("inf" | "unbounded")) => Ok(Strategy::Dfs { bound: UNBOUNDED }),
            "dfs" => Ok(Strategy::Dfs {
                bound: num("the preemption bound", 0)
                    .map_err(|_| format!("`{s}`: the preemption bound must be a whole number (at least 0) or `inf`"))?
                    .unwrap_or(DEFAULT_DFS_BOUND),
            }),
            _ => Err(format!("`{s}` is not a scheduler: use `random`, `pct`, `pct:DEPTH`, `dfs`, `dfs:PREEMPTIONS` or `dfs:inf`")),
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Strategy::Random => write!(f, "random"),
            Strategy::Pct { depth } => write!(f, "pct:{depth}"),
            Strategy::Dfs { bound: UNBOUNDED } => write!(f, "dfs:inf"),
            Strategy::Dfs { bound } => write!(f, "dfs:{bound}"),
        }
    }
}

/// Settings of one exploration.
#[derive(Clone, Debug)]
pub struct Options {
    pub strategy: Strategy,
    /// At most this many schedules (per the whole space; a shard runs its share).
    /// `None`: DEFAULT_RUNS for random and pct, no limit for dfs.
    pub runs: Option<u64>,
    pub time: Option<Duration>,
    pub jobs: usize,
    pub check_determinism: bool,
    /// (K, N): this is shard K of N (1-based).
    pub shard: (u32, u32),
    pub minimize: bool,
    /// Show progress on stderr.
    pub progress: bool,
    /// Limits and race checking for every run (its policy is ignored).
    pub config: RunConfig,
    /// Partial-order reduction for unbounded DFS (`dfs:inf`): schedules that differ only in
    /// the order of independent steps are run once (`--no-reduction` turns it off).
    pub reduction: bool,
    /// Do not stop at the first failure: explore the whole space (every outcome is counted;
    /// the report shows the first failure in exploration order).
    pub keep_going: bool,
    /// Set from outside (Ctrl-C): stop starting schedules and summarise those that ran.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// `--const NAME=VALUE` overrides of the program's `const` items.
    pub consts: Vec<(String, String)>,
    /// `--spurious-wakeups`: at most this many injected spurious wakeups per run (0: none).
    /// `None`: the scheduler's default ([`Options::spurious_wakeups`]).
    pub spurious_wakeups: Option<u32>,
    /// `--lock-waits`: with optimal DPOR, lock waits ([`RunConfig::lock_waits`]).
    pub lock_waits: bool,
}

/// The spurious wakeups per run that `pct` and `dfs` inject unless told otherwise.
pub const DEFAULT_SPURIOUS_WAKEUPS: u32 = 1;

impl Options {
    /// At most how many spurious wakeups a run gets: `--spurious-wakeups`, or by default
    /// [`DEFAULT_SPURIOUS_WAKEUPS`] for `pct` and `dfs` and none for `random` (whose run *i* is
    /// `spindle run --sched random --seed i`, which injects none).
    pub fn spurious_wakeups(&self) -> u32 {
        self.spurious_wakeups.unwrap_or(match self.strategy {
            Strategy::Random => 0,
            Strategy::Pct { .. } | Strategy::Dfs { .. } => DEFAULT_SPURIOUS_WAKEUPS,
        })
    }

    /// Whether this exploration uses partial-order reduction.
    pub fn reduced(&self) -> bool {
        self.reduction && self.strategy == Strategy::Dfs { bound: UNBOUNDED }
    }

    /// Whether this exploration uses optimal DPOR (one schedule per class): reduced and not
    /// split into shards (a sharded exploration uses sleep sets, which split into subtrees).
    pub fn optimal(&self) -> bool {
        self.reduced() && self.shard == (1, 1)
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strategy: Strategy::Random,
            runs: None,
            time: None,
            jobs: 1,
            check_determinism: false,
            shard: (1, 1),
            minimize: true,
            progress: false,
            config: RunConfig { max_steps: Some(DEFAULT_MAX_STEPS), ..RunConfig::default() },
            reduction: true,
            keep_going: false,
            interrupt: None,
            consts: Vec::new(),
            spurious_wakeups: None,
            lock_waits: true,
        }
    }
}

/// [`super::Summary::stopped`] of an exploration stopped by [`Options::interrupt`].
pub const STOPPED_BY_INTERRUPT: &str = "interrupt (Ctrl-C)";

/// Parses an `on`/`off` flag value.
pub fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("`{s}` is not `on` or `off`")),
    }
}

/// Parses `--spurious-wakeups`: `on` (at most [`DEFAULT_SPURIOUS_WAKEUPS`] per run), `off`
/// (none), or a number N (at most N per run; 0 is `off`).
pub fn parse_spurious_wakeups(s: &str) -> Result<u32, String> {
    match s {
        "on" => Ok(DEFAULT_SPURIOUS_WAKEUPS),
        "off" => Ok(0),
        n => n
            .parse::<u32>()
            .map_err(|_| format!("`{s}` is not a spurious-wakeup setting: write `on`, `off` or a number N (at most N per run)")),
    }
}

/// Parses `K/N`.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not a shard: write K/N with 1 <= K <= N, e.g. `--shard 2/4`");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n) = (k.parse::<u32>().map_err(|_| bad())?, n.parse::<u32>().map_err(|_| bad())?);
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// Parses a duration: `30s`, `500ms`, `2m`, `1h`, or a number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a time limit: write e.g. `30s`, `500ms`, `2m` or `1h`");
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let v: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        _ => return Err(bad()),
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 1e9 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Compiles the program as every run of an exploration does (with `opts.consts`).
pub(crate) fn load(path: &str, text: &str, opts: &Options) -> Result<crate::Program, crate::LoadError> {
    crate::Program::load_source(path, text, &crate::LoadOptions { consts: opts.consts.clone(), ..Default::default() })
}
