//! Schedule exploration: run one program under many schedules, in parallel, and report the
//! distinct outcomes and the first failure — with a replay string, a minimised schedule and a
//! table of the steps that lead to it. `docs/explore.md` is the user's guide.
//!
//! Every result is deterministic whatever `--jobs` is (only `--time` makes a result depend on
//! the machine): runs are ordered — by index for `random` and `pct`, in depth-first order of the
//! schedule tree for `dfs` — and the report covers exactly the runs up to the first failure in
//! that order, however the work was split between workers.

use crate::{ending, Program, RunConfig, SharedBuf};
use spindle_shims::Shims;
use spindle_vm::machine::{Console, Machine};
use spindle_vm::por::Footprint;
use spindle_vm::sched::{default_awake, default_choice, Point, Reduced, Replay, Sleeper, Switch};
use spindle_vm::source::Span;
use spindle_vm::{Policy, Schedule, Stop, StopKind};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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
}

impl Options {
    /// Whether this exploration uses partial-order reduction.
    pub fn reduced(&self) -> bool {
        self.reduction && self.strategy == Strategy::Dfs { bound: UNBOUNDED }
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
        }
    }
}

/// [`Summary::stopped`] of an exploration stopped by [`Options::interrupt`].
pub const STOPPED_BY_INTERRUPT: &str = "interrupt (Ctrl-C)";

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

// ---- one run ---------------------------------------------------------------------------------

/// What one run produced.
pub struct Single {
    pub exit_code: i32,
    pub stop: Box<Stop>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub decisions: Schedule,
    /// Recorded points (when asked for).
    pub points: Vec<Point>,
    pub point_runnable: Vec<Vec<u32>>,
    pub thread_names: Vec<String>,
    pub trace: Vec<u8>,
    /// A replayed prefix did not fit: a Spindle bug when exploring.
    pub schedule_error: Option<String>,
    pub picks: u64,
    /// A reduced run stopped because every runnable thread was asleep (not a schedule).
    pub redundant: bool,
    /// Reduced runs, per recorded point: the threads asleep there and the footprint of the
    /// segment that followed it.
    pub point_asleep: Vec<Vec<u32>>,
    pub point_fp: Vec<Option<Arc<Footprint>>>,
}

impl Single {
    pub fn failed(&self) -> bool {
        self.exit_code != 0
    }

    /// Exit code and a digest of the output and the failure's title.
    pub fn outcome_key(&self) -> (i32, u64) {
        let mut h = Fnv::new();
        h.write(&self.stdout);
        h.write(&[0xff]);
        h.write(&self.stderr);
        h.write(&[0xff]);
        if !self.stop.is_exit() {
            if let Some(d) = self.stop.diags.first() {
                h.write(d.title.as_bytes());
            }
        }
        (self.exit_code, h.0)
    }

    /// A one-line description of the outcome.
    pub fn preview(&self) -> String {
        let first = self.stdout.split(|&b| b == b'\n').find(|l| !l.is_empty()).unwrap_or(&[]);
        let mut text = String::from_utf8_lossy(first).into_owned();
        if text.chars().count() > 40 {
            text = format!("{}…", text.chars().take(40).collect::<String>());
        }
        let mut p = format!("{text:?}");
        if !self.stop.is_exit() {
            if let Some(d) = self.stop.diags.first() {
                p.push_str(" — ");
                p.push_str(&d.title);
            }
        }
        p
    }
}

/// The class of a failure, which minimisation must preserve: its kind and the title of its
/// report (for races, without which accesses and threads race).
pub fn failure_class(stop: &Stop) -> String {
    let title = stop.diags.first().map_or("", |d| d.title.as_str());
    let title = title.split(" between (1)").next().unwrap_or(title);
    format!("{:?}: {title}", stop.kind)
}

/// 64-bit FNV-1a.
struct Fnv(u64);
impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Runs `program` once under `policy`.
pub fn run_one(program: &Program, config: &RunConfig, policy: Policy, log_points: bool, trace: bool) -> Single {
    let out = SharedBuf::default();
    let err = SharedBuf::default();
    let tbuf = SharedBuf::default();
    let console = Console { out: Box::new(out.clone()), err: Box::new(err.clone()) };
    let mut shims = Shims::new();
    if trace {
        let tc = crate::TraceConfig { format: crate::TraceFormat::Text, time: true, timeline: false };
        shims.trace = Some(crate::Tracer::new(tc, Some(Box::new(tbuf.clone()))));
    }
    let config = RunConfig { policy, ..config.clone() };
    let mut single = match Machine::new(program.ir.clone(), config, console) {
        Ok(mut m) => {
            m.scheduler_mut().set_log_points(log_points);
            let stop = m.run(&mut shims);
            let _ = m.console.out.flush();
            if let Some(t) = &mut shims.trace {
                t.ended(&m, &ending(&stop));
            }
            let s = m.scheduler();
            let schedule_error = s.error().map(str::to_string).or_else(|| s.leftover_error());
            let point_runnable = if log_points { s.points().iter().map(|p| s.point_runnable(p).to_vec()).collect() } else { Vec::new() };
            let (point_asleep, point_fp) = if log_points && s.reduces() {
                (0..s.points().len()).map(|i| s.point_sleep(i)).map(|(a, f)| (a.to_vec(), f.cloned())).unzip()
            } else {
                (Vec::new(), Vec::new())
            };
            let redundant = s.sleep_blocked();
            Single {
                exit_code: stop.exit_code(),
                stop,
                stdout: Vec::new(),
                stderr: Vec::new(),
                decisions: s.decisions().clone(),
                points: s.points().to_vec(),
                point_runnable,
                thread_names: (0..m.thread_count()).map(|t| m.thread_name(t).to_string()).collect(),
                trace: Vec::new(),
                schedule_error: if redundant { None } else { schedule_error },
                picks: s.picks(),
                redundant,
                point_asleep,
                point_fp,
            }
        }
        Err(stop) => Single {
            exit_code: stop.exit_code(),
            stop,
            stdout: Vec::new(),
            stderr: Vec::new(),
            decisions: Schedule::new(),
            points: Vec::new(),
            point_runnable: Vec::new(),
            thread_names: Vec::new(),
            trace: Vec::new(),
            schedule_error: None,
            picks: 0,
            redundant: false,
            point_asleep: Vec::new(),
            point_fp: Vec::new(),
        },
    };
    drop(shims);
    single.stdout = out.0.borrow().clone();
    single.stderr = err.0.borrow().clone();
    single.trace = tbuf.0.borrow().clone();
    single
}

/// Runs a schedule twice and compares everything observable; `Err` describes the first
/// difference (a Spindle bug).
fn run_checked(program: &Program, config: &RunConfig, policy: Policy, log_points: bool) -> (Single, Option<String>) {
    let a = run_one(program, config, policy.clone(), log_points, true);
    let b = run_one(program, config, policy, log_points, true);
    let diff = if a.exit_code != b.exit_code {
        Some(format!("exit code {} vs {}", a.exit_code, b.exit_code))
    } else if a.decisions != b.decisions {
        Some("the scheduling decisions differ".to_string())
    } else if a.stdout != b.stdout {
        Some("stdout differs".to_string())
    } else if a.stderr != b.stderr {
        Some("stderr differs".to_string())
    } else if a.trace != b.trace {
        let (ta, tb) = (String::from_utf8_lossy(&a.trace), String::from_utf8_lossy(&b.trace));
        let (n, (la, lb)) = ta.lines().zip(tb.lines()).enumerate().find(|(_, (x, y))| x != y).unwrap_or((0, ("(shorter)", "(shorter)")));
        Some(format!("the traces differ at line {}: `{la}` vs `{lb}`", n + 1))
    } else if format!("{:?}", a.stop) != format!("{:?}", b.stop) {
        Some("the failure reports differ".to_string())
    } else {
        None
    };
    (a, diff)
}

// ---- results ---------------------------------------------------------------------------------

/// One distinct outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeCount {
    pub exit_code: i32,
    pub digest: u64,
    pub count: u64,
    pub preview: String,
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

/// Per-run record kept while exploring.
#[derive(Clone, Copy)]
struct RunRec {
    key: (i32, u64),
}

/// The results of a contiguous piece of the exploration order.
struct Piece {
    order: Vec<u64>,
    recs: Vec<RunRec>,
    /// Failure found in this piece (its last record, unless `keep_going`), and its index.
    failure: Option<FoundFailure>,
    fail_at: usize,
    /// Redundant runs (reduced DFS).
    redundant: u64,
    /// Stopped before its natural end (time, cap, cut).
    cut: bool,
    /// A description of each outcome first seen in this piece.
    previews: BTreeMap<(i32, u64), String>,
}

impl Piece {
    fn new(order: Vec<u64>) -> Self {
        Piece { order, recs: Vec::new(), failure: None, fail_at: 0, redundant: 0, cut: false, previews: BTreeMap::new() }
    }
    fn note(&mut self, shared: &Shared, s: &Single) {
        let key = s.outcome_key();
        shared.done.fetch_add(1, Ordering::Relaxed);
        self.previews.entry(key).or_insert_with(|| s.preview());
        self.recs.push(RunRec { key });
    }
    /// Records a failure found by the last run noted; `true` if the piece must stop there
    /// (unless `keep_going`, the first failure ends the exploration).
    fn failed(&mut self, shared: &Shared, opts: &Options, f: impl FnOnce() -> FoundFailure) -> bool {
        if self.failure.is_none() {
            let f = f();
            if !opts.keep_going {
                shared.offer(&f.order);
            }
            self.failure = Some(f);
            self.fail_at = self.recs.len() - 1;
        }
        !opts.keep_going
    }
}

struct FoundFailure {
    order: Vec<u64>,
    which: String,
    decisions: Schedule,
    single_report: String,
    class: String,
    exit_code: i32,
    nondeterminism: Option<String>,
}

struct Shared {
    best: Mutex<Option<Vec<u64>>>,
    have_best: AtomicBool,
    done: AtomicU64,
    deadline: Option<Instant>,
    timed_out: AtomicBool,
    interrupt: Option<Arc<AtomicBool>>,
    interrupted: AtomicBool,
    bug: Mutex<Option<String>>,
    /// DFS with a run limit: leaves explored so far per unit (by the unit's key), so that a
    /// worker can tell when everything it would still explore comes after the first N.
    unit_leaves: Mutex<BTreeMap<Vec<u64>, u64>>,
}

impl Shared {
    fn new(deadline: Option<Instant>, interrupt: Option<Arc<AtomicBool>>) -> Self {
        Shared {
            best: Mutex::new(None),
            have_best: AtomicBool::new(false),
            done: AtomicU64::new(0),
            deadline,
            timed_out: AtomicBool::new(false),
            interrupt,
            interrupted: AtomicBool::new(false),
            bug: Mutex::new(None),
            unit_leaves: Mutex::new(BTreeMap::new()),
        }
    }
    /// Whether work at `order` is after the best failure found so far.
    fn beyond(&self, order: &[u64]) -> bool {
        if !self.have_best.load(Ordering::Acquire) {
            return false;
        }
        matches!(&*self.best.lock().unwrap(), Some(b) if order > b.as_slice())
    }
    fn offer(&self, order: &[u64]) {
        let mut b = self.best.lock().unwrap();
        if b.as_ref().is_none_or(|b| order < b.as_slice()) {
            *b = Some(order.to_vec());
        }
        self.have_best.store(true, Ordering::Release);
    }
    /// Records that a unit has explored `leaves`, and says whether at least `cap` leaves come
    /// before its next one in DFS order (so that it may stop).
    fn past_cap(&self, key: &[u64], leaves: u64, cap: u64) -> bool {
        let mut m = self.unit_leaves.lock().unwrap();
        m.insert(key.to_vec(), leaves);
        let before: u64 = m.range::<[u64], _>((std::ops::Bound::Unbounded, std::ops::Bound::Excluded(key))).map(|(_, n)| n).sum();
        before + leaves >= cap
    }
    fn out_of_time(&self) -> bool {
        if self.interrupt.as_ref().is_some_and(|i| i.load(Ordering::Relaxed)) {
            self.interrupted.store(true, Ordering::Relaxed);
            return true;
        }
        if let Some(d) = self.deadline {
            if Instant::now() >= d {
                self.timed_out.store(true, Ordering::Relaxed);
                return true;
            }
        }
        false
    }
}

/// Runs a policy (twice, if checking determinism) and returns the run and a found failure.
fn run_policy(program: &Program, opts: &Options, policy: Policy, log_points: bool) -> (Single, Option<String>) {
    if opts.check_determinism {
        run_checked(program, &opts.config, policy, log_points)
    } else {
        (run_one(program, &opts.config, policy, log_points, false), None)
    }
}

fn found(program: &Program, s: &Single, order: Vec<u64>, which: String, nondet: Option<String>) -> FoundFailure {
    FoundFailure {
        order,
        which,
        decisions: s.decisions.clone(),
        single_report: program.render_stop(&s.stop, false),
        class: if nondet.is_some() { "Spindle bug: nondeterminism".to_string() } else { failure_class(&s.stop) },
        exit_code: s.exit_code,
        nondeterminism: nondet,
    }
}

// ---- the exploration ----------------------------------------------------------------------

/// Explores `path` (already read as `text`). `Err` is a usage error.
pub fn explore(path: &str, text: &str, opts: &Options) -> Result<Summary, String> {
    if opts.jobs == 0 {
        return Err("`--jobs 0`: at least one job is needed".into());
    }
    if opts.runs == Some(0) {
        return Err("`--runs 0`: at least one run is needed".into());
    }
    let start = Instant::now();
    let program = Program::from_source(path, text).map_err(|e| e.render(false))?;
    let shared = Arc::new(Shared::new(opts.time.map(|t| start + t), opts.interrupt.clone()));
    let pieces: Mutex<Vec<Piece>> = Mutex::new(Vec::new());
    // One job runs on this thread, with the program compiled once: no pool.
    let pool = match opts.jobs {
        1 => None,
        j => Some(rayon::ThreadPoolBuilder::new().num_threads(j).build().map_err(|e| format!("cannot start {j} jobs: {e}"))?),
    };
    let stop_progress = AtomicBool::new(false);
    let mut exhaustive_possible = false;
    std::thread::scope(|scope| {
        if opts.progress {
            let shared = &shared;
            let stop_progress = &stop_progress;
            scope.spawn(move || progress(shared, stop_progress, start));
        }
        match opts.strategy {
            Strategy::Random | Strategy::Pct { .. } => {
                let horizon = match opts.strategy {
                    Strategy::Pct { .. } => {
                        let probe = run_one(&program, &opts.config, Policy::Directed(Arc::new(Vec::new())), false, false);
                        probe.picks.max(1)
                    }
                    _ => 0,
                };
                indexed(pool.as_ref(), &program, path, text, opts, horizon, &shared, &pieces);
            }
            Strategy::Dfs { bound } => {
                exhaustive_possible = true;
                dfs(pool.as_ref(), &program, path, text, opts, bound, &shared, &pieces);
            }
        }
        stop_progress.store(true, Ordering::Relaxed);
    });
    if opts.progress {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    if let Some(bug) = shared.bug.lock().unwrap().take() {
        return Err(bug);
    }

    // Aggregate the pieces in order, up to the first failure and the run limit.
    let mut pieces = pieces.into_inner().unwrap();
    pieces.sort_by(|a, b| a.order.cmp(&b.order));
    let cap = opts.runs.map(|r| match opts.strategy {
        Strategy::Dfs { .. } => r,
        _ => shard_count(r, opts.shard),
    });
    let mut counts: BTreeMap<(i32, u64), u64> = BTreeMap::new();
    let mut runs = 0u64;
    let mut failure = None;
    let mut failure_run = 0u64;
    let mut cut = false;
    let mut capped = false;
    let mut redundant = 0u64;
    'outer: for p in &pieces {
        cut |= p.cut;
        redundant += p.redundant;
        for (i, r) in p.recs.iter().enumerate() {
            if cap.is_some_and(|c| runs >= c) {
                capped = true;
                break 'outer;
            }
            runs += 1;
            *counts.entry(r.key).or_default() += 1;
            if let (Some(f), true, None) = (&p.failure, i == p.fail_at, failure) {
                failure = Some(f);
                failure_run = runs;
                if !opts.keep_going {
                    break 'outer;
                }
            }
        }
    }
    let mut previews = BTreeMap::new();
    for p in &pieces {
        for (k, v) in &p.previews {
            previews.entry(*k).or_insert_with(|| v.clone());
        }
    }
    let mut outcomes: Vec<OutcomeCount> = counts
        .into_iter()
        .map(|(k, count)| OutcomeCount { exit_code: k.0, digest: k.1, count, preview: previews.get(&k).cloned().unwrap_or_default() })
        .collect();
    outcomes.sort_by(|a, b| b.count.cmp(&a.count).then(a.exit_code.cmp(&b.exit_code)).then(a.digest.cmp(&b.digest)));
    let timed_out = shared.timed_out.load(Ordering::Relaxed);
    let stopped = if failure.is_some() && !opts.keep_going {
        Some("first failure".to_string())
    } else if shared.interrupted.load(Ordering::Relaxed) {
        Some(STOPPED_BY_INTERRUPT.to_string())
    } else if timed_out {
        Some("time limit".to_string())
    } else if capped || (cut && cap.is_some()) {
        Some("run limit".to_string())
    } else {
        None
    };
    let elapsed = start.elapsed();
    let mut failure = failure.map(|f| finish_failure(&program, opts, f));
    if let (Strategy::Dfs { .. }, Some(f)) = (opts.strategy, &mut failure) {
        f.which = format!("schedule {failure_run} in depth-first order ({})", f.which);
    }
    Ok(Summary {
        program: path.to_string(),
        fingerprint: program.fingerprint(),
        sched: sched_name(opts),
        shards: vec![opts.shard],
        runs,
        exhaustive: exhaustive_possible && stopped.is_none() && !cut,
        reduced: opts.reduced(),
        redundant,
        stopped,
        outcomes,
        failure,
        elapsed,
        jobs: opts.jobs,
    })
}

/// The scheduler as the report names it.
fn sched_name(opts: &Options) -> String {
    match opts.strategy {
        Strategy::Dfs { bound: UNBOUNDED } if !opts.reduction => "dfs:inf (no reduction)".to_string(),
        s => s.to_string(),
    }
}

fn progress(shared: &Shared, stop: &AtomicBool, start: Instant) {
    let mut last = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(20));
        if last.elapsed() >= Duration::from_millis(200) {
            last = Instant::now();
            let n = shared.done.load(Ordering::Relaxed);
            let secs = start.elapsed().as_secs_f64().max(1e-9);
            let f = if shared.have_best.load(Ordering::Relaxed) { " · failure found, finishing earlier schedules" } else { "" };
            let _ = write!(std::io::stderr(), "\r\x1b[Kexploring: {n} schedules · {:.0}/s · {:.1}s{f}", n as f64 / secs, secs);
            let _ = std::io::stderr().flush();
        }
    }
}

/// How many of `runs` run indices belong to a shard.
fn shard_count(runs: u64, (k, n): (u32, u32)) -> u64 {
    let (k, n) = (k as u64 - 1, n as u64);
    if runs > k {
        (runs - k).div_ceil(n)
    } else {
        0
    }
}

/// Random and PCT: run indices `k-1, k-1+n, …` (shard k of n), in chunks, on the pool.
#[allow(clippy::too_many_arguments)]
fn indexed(
    pool: Option<&rayon::ThreadPool>,
    program: &Program,
    path: &str,
    text: &str,
    opts: &Options,
    horizon: u64,
    shared: &Arc<Shared>,
    pieces: &Mutex<Vec<Piece>>,
) {
    let runs = opts.runs.unwrap_or(DEFAULT_RUNS);
    let local = shard_count(runs, opts.shard);
    let (k, n) = (opts.shard.0 as u64 - 1, opts.shard.1 as u64);
    let chunk = (local / (opts.jobs as u64 * 16)).clamp(1, 64);
    let next = AtomicU64::new(0);
    let work = |program: &Program| loop {
        let c = next.fetch_add(1, Ordering::Relaxed);
        let first = c * chunk;
        if first >= local || shared.beyond(&[first]) || shared.out_of_time() {
            return;
        }
        let mut piece = Piece::new(vec![first]);
        for j in first..(first + chunk).min(local) {
            if shared.beyond(&[j]) || shared.out_of_time() {
                piece.cut = true;
                break;
            }
            let i = j * n + k;
            let policy = match opts.strategy {
                Strategy::Pct { depth } => Policy::Pct { seed: i, depth, horizon },
                _ => Policy::Random { seed: i, preemption: crate::DEFAULT_PREEMPTION },
            };
            let (s, nondet) = run_policy(program, opts, policy, false);
            piece.note(shared, &s);
            if s.failed() || nondet.is_some() {
                let which = match opts.strategy {
                    Strategy::Pct { depth } => format!("run {i} (pct:{depth}, seed {i})"),
                    _ => format!("run {i} (`--sched random --seed {i}`)"),
                };
                if piece.failed(shared, opts, || found(program, &s, vec![j], which, nondet)) {
                    break;
                }
            }
        }
        pieces.lock().unwrap().push(piece);
    };
    match pool {
        None => work(program),
        Some(pool) => {
            pool.broadcast(|_| {
                if let Ok(program) = Program::from_source(path, text) {
                    work(&program)
                }
            });
        }
    }
}

// ---- depth-first search ---------------------------------------------------------------------
//
// With `dfs:inf` (no preemption bound), DFS uses sleep sets (Godefroid 1996) for partial-order
// reduction. Each node carries a sleep set: threads whose next segment need not be tried there,
// with that segment's footprint. Choosing thread t at a node, the child's sleep set is the
// node's, plus the options of the node explored before t, minus every entry that depends on
// the segment t executed. The VM keeps the sleep set during a run (Policy::Reduced): it adds
// the siblings at each decision of the prefix (`Unit::adds`, `Entry::done`), removes sleepers
// as segments execute, makes its default choices among the threads that are awake, and stops
// a run in which every runnable thread is asleep (redundant: every schedule through it is
// equivalent to one explored earlier). The options of a node are the threads awake there.
// With a preemption bound, sleep sets are unsound (Coons et al., OOPSLA 2013): bounded DFS
// never reduces.

/// A decision of a DFS run.
struct Node {
    current: u32,
    current_runnable: bool,
    yielded: bool,
    chosen: u32,
    runnable: Vec<u32>,
    /// Threads asleep at this node (reduced DFS).
    asleep: Vec<u32>,
    /// The footprint of the segment the chosen thread executed (reduced DFS).
    fp: Option<Arc<Footprint>>,
}

impl Node {
    fn cost(&self, t: u32) -> u32 {
        (self.current_runnable && !self.yielded && t != self.current) as u32
    }
    /// The choices in DFS order (the default first), within the bound, among the threads
    /// that are awake.
    fn options(&self, used: u32, bound: u32) -> Vec<u32> {
        let rs: Vec<usize> = self.runnable.iter().map(|&t| t as usize).collect();
        let asleep = |t: usize| self.asleep.contains(&(t as u32));
        let d = default_awake(self.current as usize, self.current_runnable, self.yielded, &rs, asleep).unwrap_or(rs[0]) as u32;
        let mut v = vec![d];
        for &t in &self.runnable {
            if t != d && !asleep(t as usize) && !(self.yielded && t == self.current) && used.saturating_add(self.cost(t)) <= bound {
                v.push(t);
            }
        }
        v
    }
}

fn nodes_of(s: &Single) -> Vec<Node> {
    s.points
        .iter()
        .zip(&s.point_runnable)
        .enumerate()
        .filter(|(_, (p, _))| p.is_decision())
        .map(|(i, (p, r))| Node {
            current: p.current,
            current_runnable: p.current_runnable,
            yielded: p.yielded,
            chosen: p.chosen,
            runnable: r.clone(),
            asleep: s.point_asleep.get(i).cloned().unwrap_or_default(),
            fp: s.point_fp.get(i).cloned().flatten(),
        })
        .collect()
}

/// The footprint of an option whose segment was not recorded: dependent with everything.
fn opaque() -> Arc<Footprint> {
    Arc::new(Footprint { opaque: true, ..Footprint::default() })
}

/// A subtree of the schedule tree: every schedule that starts with `prefix` — and, with
/// `first`, continues with one of the options `first.start..` of the node there.
#[derive(Clone)]
struct Unit {
    prefix: Vec<u32>,
    /// Reduced DFS: the sleepers to add at each decision of `prefix`.
    adds: Vec<Vec<Sleeper>>,
    /// Option indices along `prefix`: the unit's place in DFS order.
    key: Vec<u64>,
    first: Option<First>,
}

/// The node at the end of a unit's prefix, when the unit covers only its later options.
#[derive(Clone)]
struct First {
    opts: Vec<u32>,
    start: usize,
    /// Reduced DFS: the options before `start`, with their footprints.
    done: Vec<Sleeper>,
    /// Preemptions spent before the node.
    used: u32,
}

impl Unit {
    /// Where the unit starts in DFS order.
    fn order(&self) -> Vec<u64> {
        let mut k = self.key.clone();
        if let Some(f) = &self.first {
            k.push(f.start as u64);
        }
        k
    }
}

struct Entry {
    opts: Vec<u32>,
    idx: usize,
    end: usize,
    used: u32,
    /// Reduced DFS: the options explored before `idx`, with their footprints: sleepers added
    /// at this node for option `idx`.
    done: Vec<Sleeper>,
    /// The footprint of option `idx`'s segment, once a run has taken it.
    cur: Option<Arc<Footprint>>,
}

struct Queue {
    units: Vec<Unit>,
    idle: usize,
    workers: usize,
}

fn prefix_policy(prefix: &[u32], adds: &[Vec<Sleeper>], reduced: bool) -> Policy {
    let schedule = Schedule::from_decisions(prefix.iter().copied());
    if reduced {
        Policy::Reduced(Arc::new(Reduced { prefix: schedule, sleep: adds.to_vec() }))
    } else {
        Policy::Replay(Arc::new(Replay { schedule, strict: false }))
    }
}

/// Checks that a run followed its prefix (a Spindle bug otherwise) and returns its nodes and
/// the preemptions spent within the prefix.
fn follow(s: &Single, prefix: &[u32]) -> Result<(Vec<Node>, u32), String> {
    let nodes = nodes_of(s);
    let mut used = 0u32;
    for (i, &t) in prefix.iter().enumerate() {
        match nodes.get(i) {
            Some(n) if n.chosen == t => used = used.saturating_add(n.cost(t)),
            _ => {
                return Err(format!(
                    "Spindle bug: a run did not follow its schedule prefix at decision {} (the VM is not deterministic)",
                    i + 1
                ))
            }
        }
    }
    Ok((nodes, used))
}

#[allow(clippy::too_many_arguments)]
fn dfs(
    pool: Option<&rayon::ThreadPool>,
    program: &Program,
    path: &str,
    text: &str,
    opts: &Options,
    bound: u32,
    shared: &Arc<Shared>,
    pieces: &Mutex<Vec<Piece>>,
) {
    let reduced = opts.reduced();
    // The initial units: split the tree breadth-first until there are enough to share
    // between shards and jobs. Deterministic, so every shard computes the same split.
    let (k, n) = opts.shard;
    let target = if n > 1 { 8 * n as usize } else { 1 };
    let mut units = vec![Unit { prefix: Vec::new(), adds: Vec::new(), key: Vec::new(), first: None }];
    let mut budget = 64 * n as usize;
    while units.len() < target && budget > 0 {
        let mut next = Vec::new();
        let mut split = false;
        for u in units {
            if budget == 0 {
                next.push(u);
                continue;
            }
            budget -= 1;
            let s = run_one(program, &opts.config, prefix_policy(&u.prefix, &u.adds, reduced), true, false);
            let Ok((nodes, used)) = follow(&s, &u.prefix) else {
                next.push(u);
                continue;
            };
            match nodes.get(u.prefix.len()) {
                Some(node) => {
                    split = true;
                    let options = node.options(used, bound);
                    let mut done: Vec<Sleeper> = Vec::new();
                    for (i, &t) in options.iter().enumerate() {
                        let mut c = u.clone();
                        c.prefix.push(t);
                        c.key.push(i as u64);
                        if reduced {
                            c.adds.push(done.clone());
                            if i + 1 < options.len() {
                                // The next options sleep on this one: its segment's footprint
                                // (from this run for the default choice, else from a probe).
                                let fp = if i == 0 {
                                    node.fp.clone()
                                } else {
                                    let p = run_one(program, &opts.config, prefix_policy(&c.prefix, &c.adds, true), true, false);
                                    nodes_of(&p).get(u.prefix.len()).filter(|n| n.chosen == t).and_then(|n| n.fp.clone())
                                };
                                done.push((t, fp.unwrap_or_else(opaque)));
                            }
                        }
                        next.push(c);
                    }
                }
                None => next.push(u),
            }
        }
        units = next;
        if !split {
            break;
        }
    }
    let mine: Vec<Unit> = units.into_iter().enumerate().filter(|(i, _)| i % n as usize == k as usize - 1).map(|(_, u)| u).collect();
    let cap = opts.runs;
    let queue = Mutex::new(Queue { units: mine.into_iter().rev().collect(), idle: 0, workers: opts.jobs });
    let cv = Condvar::new();
    let hungry = AtomicUsize::new(0);
    let work = |program: &Program| loop {
        let unit = {
            let mut q = queue.lock().unwrap();
            loop {
                if let Some(u) = q.units.pop() {
                    break Some(u);
                }
                q.idle += 1;
                if q.idle == q.workers {
                    cv.notify_all();
                    break None;
                }
                hungry.fetch_add(1, Ordering::Relaxed);
                q = cv.wait(q).unwrap();
                hungry.fetch_sub(1, Ordering::Relaxed);
                if q.idle == q.workers && q.units.is_empty() {
                    break None;
                }
                q.idle -= 1;
            }
        };
        let Some(unit) = unit else { return };
        let piece = dfs_unit(
            program,
            opts,
            bound,
            unit,
            cap,
            shared,
            &|donated: Unit| {
                let mut q = queue.lock().unwrap();
                q.units.push(donated);
                cv.notify_all();
            },
            &hungry,
        );
        pieces.lock().unwrap().push(piece);
    };
    match pool {
        None => work(program),
        Some(pool) => {
            pool.broadcast(|_| match Program::from_source(path, text) {
                Ok(p) => work(&p),
                Err(_) => {
                    let mut q = queue.lock().unwrap();
                    q.workers -= 1;
                    cv.notify_all();
                }
            });
        }
    }
}

/// Explores one unit depth-first, donating its later parts when other workers are idle.
#[allow(clippy::too_many_arguments)]
fn dfs_unit(
    program: &Program,
    opts: &Options,
    bound: u32,
    unit: Unit,
    cap: Option<u64>,
    shared: &Shared,
    donate: &dyn Fn(Unit),
    hungry: &AtomicUsize,
) -> Piece {
    let reduced = opts.reduced();
    let start = unit.order();
    let mut piece = Piece::new(start.clone());
    let base = unit.prefix.len();
    let mut stack: Vec<Entry> = Vec::new();
    if let Some(f) = &unit.first {
        stack.push(Entry { opts: f.opts.clone(), idx: f.start, end: f.opts.len(), used: f.used, done: f.done.clone(), cur: None });
    }
    let mut base_used: Option<u32> = None;
    loop {
        let mut order = unit.key.clone();
        order.extend(stack.iter().map(|e| e.idx as u64));
        let n = piece.recs.len() as u64;
        let capped = cap.is_some_and(|c| n >= c || (n % 16 == 0 && shared.past_cap(&start, n, c)));
        if shared.beyond(&order) || shared.out_of_time() || capped {
            piece.cut = true;
            return piece;
        }
        let mut prefix = unit.prefix.clone();
        prefix.extend(stack.iter().map(|e| e.opts[e.idx]));
        let mut adds = Vec::new();
        if reduced {
            adds.extend(unit.adds.iter().cloned());
            adds.extend(stack.iter().map(|e| e.done.clone()));
        }
        let (s, nondet) = run_policy(program, opts, prefix_policy(&prefix, &adds, reduced), true);
        let (nodes, used) = match follow(&s, &prefix) {
            Ok(x) => x,
            Err(e) => {
                *shared.bug.lock().unwrap() = Some(e);
                shared.offer(&[]);
                piece.cut = true;
                return piece;
            }
        };
        let base_used = *base_used.get_or_insert(used);
        for (i, e) in stack.iter_mut().enumerate() {
            if e.cur.is_none() {
                e.cur = nodes[base + i].fp.clone();
            }
        }
        // Extend the stack with the new nodes (all default choices).
        let mut u = match stack.last() {
            None => base_used,
            Some(e) => e.used.saturating_add(nodes[base + stack.len() - 1].cost(e.opts[e.idx])),
        };
        for node in &nodes[(base + stack.len()).min(nodes.len())..] {
            let o = node.options(u, bound);
            debug_assert_eq!(o[0], node.chosen);
            stack.push(Entry { end: o.len(), used: u, opts: o, idx: 0, done: Vec::new(), cur: node.fp.clone() });
            u = u.saturating_add(node.cost(node.chosen));
        }
        if s.redundant {
            piece.redundant += 1;
        } else {
            piece.note(shared, &s);
            if s.failed() || nondet.is_some() {
                let stop = piece.failed(shared, opts, || {
                    let which = format!("depth-first path {}", path_text(&order));
                    found(program, &s, order.clone(), which, nondet)
                });
                if stop {
                    return piece;
                }
            }
        }
        // Give the later options of the shallowest node that has some to an idle worker.
        if hungry.load(Ordering::Relaxed) > 0 {
            if let Some(j) = stack.iter().position(|e| e.idx + 1 < e.end) {
                let mut d = Unit { prefix: unit.prefix.clone(), adds: Vec::new(), key: unit.key.clone(), first: None };
                d.prefix.extend(stack[..j].iter().map(|e| e.opts[e.idx]));
                d.key.extend(stack[..j].iter().map(|e| e.idx as u64));
                if reduced {
                    d.adds.extend(unit.adds.iter().cloned());
                    d.adds.extend(stack[..j].iter().map(|e| e.done.clone()));
                }
                let e = &mut stack[j];
                let mut done = e.done.clone();
                if reduced {
                    done.push((e.opts[e.idx], e.cur.clone().unwrap_or_else(opaque)));
                }
                d.first = Some(First { opts: e.opts.clone(), start: e.idx + 1, done, used: e.used });
                e.end = e.idx + 1;
                donate(d);
            }
        }
        // Backtrack.
        loop {
            match stack.last_mut() {
                None => return piece,
                Some(e) if e.idx + 1 < e.end => {
                    let fp = e.cur.take();
                    if reduced {
                        e.done.push((e.opts[e.idx], fp.unwrap_or_else(opaque)));
                    }
                    e.idx += 1;
                    break;
                }
                Some(_) => {
                    stack.pop();
                }
            }
        }
    }
}

/// A DFS path: the option taken at each decision (0 is the default choice), runs of defaults
/// written `0×N` and the trailing ones left out.
fn path_text(order: &[u64]) -> String {
    let end = order.iter().rposition(|&o| o != 0).map_or(0, |i| i + 1);
    if end == 0 {
        return "all default choices".to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < end {
        let mut j = i;
        while j < end && order[j] == order[i] && order[i] == 0 {
            j += 1;
        }
        if j - i > 2 {
            parts.push(format!("0×{}", j - i));
            i = j;
        } else {
            parts.push(order[i].to_string());
            i += 1;
        }
    }
    format!("{}, then default choices", parts.join("."))
}

// ---- minimisation and the table --------------------------------------------------------------

/// The switches of a recorded run where it did not make the default choice.
fn switches_of(s: &Single) -> Vec<Switch> {
    s.points
        .iter()
        .zip(&s.point_runnable)
        .filter(|(p, _)| p.is_decision())
        .filter_map(|(p, r)| {
            let rs: Vec<usize> = r.iter().map(|&t| t as usize).collect();
            let d = default_choice(p.current as usize, p.current_runnable, p.yielded, &rs) as u32;
            (p.chosen != d).then_some(Switch { thread: p.current, step: p.step, to: p.chosen })
        })
        .collect()
}

fn preemptions_of(s: &Single) -> u64 {
    s.points.iter().filter(|p| p.is_decision() && p.current_runnable && !p.yielded && p.chosen != p.current).count() as u64
}

fn directed(sw: &[Switch]) -> Policy {
    let mut v = sw.to_vec();
    v.sort();
    Policy::Directed(Arc::new(v))
}

/// Shrinks a failing schedule: drops switches (ddmin-style), then moves each remaining one as
/// early as it can go, while the failure's class stays the same.
fn minimize(program: &Program, opts: &Options, decisions: &Schedule, class: &str) -> Option<(Single, usize, u64)> {
    let strict = Policy::Replay(Arc::new(Replay { schedule: decisions.clone(), strict: true }));
    let orig = run_one(program, &opts.config, strict, true, false);
    let mut cur = switches_of(&orig);
    let before = cur.len();
    let start = Instant::now();
    let mut runs = 0u64;
    let budget = |runs: u64| runs < 4000 && start.elapsed() < Duration::from_secs(20);
    // A candidate is kept if it fails the same way with no more preemptions than the best so
    // far (dropping a switch at a blocking point can change which later points preempt).
    let fails = |sw: &[Switch], runs: &mut u64, limit: u64| -> bool {
        *runs += 1;
        let s = run_one(program, &opts.config, directed(sw), true, false);
        s.failed() && failure_class(&s.stop) == class && preemptions_of(&s) <= limit
    };
    let mut best_pre = preemptions_of(&orig);
    if !fails(&cur, &mut runs, u64::MAX) {
        return None;
    }
    // Drop.
    let mut chunk = (cur.len() / 2).max(1);
    while !cur.is_empty() && budget(runs) {
        let mut i = 0;
        let mut changed = false;
        while i < cur.len() && budget(runs) {
            let mut cand = cur.clone();
            cand.drain(i..(i + chunk).min(cur.len()));
            if fails(&cand, &mut runs, best_pre) {
                cur = cand;
                best_pre = preemptions_of(&run_one(program, &opts.config, directed(&cur), true, false));
                changed = true;
            } else {
                i += chunk;
            }
        }
        if chunk > 1 {
            chunk = (chunk / 2).max(1);
        } else if !changed {
            break;
        }
    }
    // Move each switch earlier while the failure persists.
    for i in 0..cur.len() {
        let mut tries = 0;
        while cur[i].step > 1 && tries < 64 && budget(runs) {
            let mut cand = cur.clone();
            cand[i].step -= 1;
            if cand.iter().enumerate().any(|(j, s)| j != i && s.thread == cand[i].thread && s.step == cand[i].step)
                || !fails(&cand, &mut runs, best_pre)
            {
                break;
            }
            cur = cand;
            tries += 1;
        }
    }
    let fin = run_one(program, &opts.config, directed(&cur), true, false);
    if !fin.failed() || failure_class(&fin.stop) != class {
        return None;
    }
    let _ = before;
    Some((fin, before, runs))
}

fn finish_failure(program: &Program, opts: &Options, f: &FoundFailure) -> Failure {
    let fp = Some(program.fingerprint());
    let replay = f.decisions.to_text(fp);
    let strict = Policy::Replay(Arc::new(Replay { schedule: f.decisions.clone(), strict: true }));
    let again = run_one(program, &opts.config, strict, true, false);
    let preemptions = preemptions_of(&again);
    let mut minimal = None;
    if opts.minimize && f.nondeterminism.is_none() {
        if let Some((fin, before, runs)) = minimize(program, opts, &f.decisions, &f.class) {
            minimal = Some(Minimal {
                replay: fin.decisions.to_text(fp),
                switches_before: before,
                switches_after: switches_of(&fin).len(),
                preemptions: preemptions_of(&fin),
                table: table(program, &fin),
                runs,
            });
        }
    }
    Failure {
        order: f.order.clone(),
        which: f.which.clone(),
        exit_code: f.exit_code,
        class: f.class.clone(),
        report: f.single_report.clone(),
        replay,
        preemptions,
        minimal,
        nondeterminism: f.nondeterminism.clone(),
    }
}

/// The steps of a failing run, one column per thread (Lincheck's style): each row is a
/// scheduling point a thread reached — the atomic or call it stopped at — in execution order,
/// then the failing step(s), marked.
pub fn table(program: &Program, s: &Single) -> String {
    let file = &program.file;
    let snippet = |sp: Span| -> String {
        let (line, _) = file.line_col(sp.start);
        let text = file.text.get(sp.start as usize..sp.end as usize).unwrap_or("");
        let mut text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // `x = call f(a) -> bb1;` reads better as `x = call f(a)`.
        if let Some(i) = text.rfind(" -> ") {
            if text[i + 4..].trim_end_matches(';').chars().all(|c| c.is_alphanumeric() || c == '_') {
                text.truncate(i);
            }
        }
        let text = text.trim_end_matches(';').to_string();
        let text = if text.chars().count() > 44 { format!("{}…", text.chars().take(43).collect::<String>()) } else { text };
        format!("{line}: {text}")
    };
    let thread_of = |name: &str| s.thread_names.iter().position(|n| n == name);
    let mut rows: Vec<(usize, String)> = Vec::new();
    for (i, p) in s.points.iter().enumerate() {
        match p.span {
            Some(sp) => rows.push((p.current as usize, snippet(sp))),
            None if i > 0 => rows.push((p.current as usize, "(returns)".to_string())),
            None => {}
        }
    }
    // Collapse repeats of the same step by the same thread into one row.
    let mut collapsed: Vec<(usize, String, usize)> = Vec::new();
    for (t, c) in rows {
        match collapsed.last_mut() {
            Some((lt, lc, n)) if *lt == t && *lc == c => *n += 1,
            _ => collapsed.push((t, c, 1)),
        }
    }
    let mut rows: Vec<(usize, String)> =
        collapsed.into_iter().map(|(t, c, n)| (t, if n > 1 { format!("{c} (×{n})") } else { c })).collect();
    // The failing steps.
    let thread_note = |d: &spindle_vm::diag::Diagnostic| {
        d.notes.iter().find_map(|n| n.strip_prefix("this is on thread `").and_then(|r| r.strip_suffix('`')).map(str::to_string))
    };
    let stop = &s.stop;
    if stop.kind == StopKind::Deadlock {
        for d in &stop.diags {
            if let (Some(name), Some(p)) = (thread_note(d), &d.primary) {
                if let Some(t) = thread_of(&name) {
                    rows.push((t, format!("{} ✗ blocked", snippet(p.span))));
                }
            }
        }
    } else if let Some(d) = stop.diags.first() {
        let title = &d.title;
        if let (Some(a), Some(b)) = (title.find("on thread `"), title.rfind("on thread `")) {
            if a != b {
                // A race: (1) on the first thread named, (2) on the second.
                let name = |i: usize| title[i + 11..].split('`').next().unwrap_or("").to_string();
                if let (Some(t1), Some(t2), Some(p)) = (thread_of(&name(a)), thread_of(&name(b)), &d.primary) {
                    if let Some(sec) = d.secondary.iter().find(|l| l.text.starts_with("(1)")) {
                        rows.push((t1, format!("{} ✗ (1)", snippet(sec.span))));
                    }
                    rows.push((t2, format!("{} ✗ (2)", snippet(p.span))));
                }
            }
        }
        if !title.contains("between (1)") {
            if let (Some(name), Some(p)) = (thread_note(d), &d.primary) {
                if let Some(t) = thread_of(&name) {
                    let what = match stop.kind {
                        StopKind::Panic => "panics",
                        StopKind::Ub => "UB",
                        _ => "fails",
                    };
                    rows.push((t, format!("{} ✗ {what}", snippet(p.span))));
                }
            }
        }
    }
    const MAX_ROWS: usize = 40;
    let skipped = rows.len().saturating_sub(MAX_ROWS);
    let rows = &rows[skipped..];
    let mut cols: Vec<usize> = rows.iter().map(|r| r.0).collect();
    cols.sort();
    cols.dedup();
    let width = |c: usize| -> usize {
        let name = s.thread_names.get(c).map_or(1, |n| n.chars().count());
        rows.iter().filter(|r| r.0 == c).map(|r| r.1.chars().count()).max().unwrap_or(0).max(name)
    };
    let widths: Vec<usize> = cols.iter().map(|&c| width(c)).collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let mut l = String::from("|");
        for (c, w) in cells.iter().zip(&widths) {
            l.push_str(&format!(" {c:<w$} |"));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    let header: Vec<String> = cols.iter().map(|&c| s.thread_names.get(c).cloned().unwrap_or_default()).collect();
    line(&mut out, &header);
    let sep: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    line(&mut out, &sep);
    if skipped > 0 {
        out.push_str(&format!("| … {skipped} earlier steps\n"));
    }
    for (t, c) in rows {
        let cells: Vec<String> = cols.iter().map(|&col| if col == *t { c.clone() } else { String::new() }).collect();
        line(&mut out, &cells);
    }
    out
}

// ---- reports -----------------------------------------------------------------------------

impl Summary {
    /// The text report.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let shard = match self.shards.as_slice() {
            [(1, 1)] => String::new(),
            [(k, n)] => format!(", shard {k}/{n}"),
            s => format!(", {} shards merged", s.len()),
        };
        o.push_str(&format!("explored {} with {}{shard}\n", self.program, self.sched));
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { format!(" ({:.0} schedules/s on {} jobs)", self.runs as f64 / secs, self.jobs) } else { String::new() };
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        match (&self.stopped, self.exhaustive) {
            (_, true) if self.reduced => {
                o.push_str(&format!("explored every schedule up to equivalence: {} schedule{}{rate}\n", self.runs, plural(self.runs)));
                o.push_str(&format!(
                    "  (partial-order reduction: one schedule per class of interleavings that differ only in the order of independent steps; {} redundant run{} cut short)\n",
                    self.redundant,
                    plural(self.redundant)
                ));
            }
            (_, true) if self.sched.starts_with("dfs:inf") => {
                o.push_str(&format!("explored every schedule: {} schedule{}{rate}\n", self.runs, plural(self.runs)));
            }
            (_, true) => {
                o.push_str(&format!("explored every schedule within the bound: {} schedule{}{rate}\n", self.runs, plural(self.runs)));
            }
            (Some(why), _) => o.push_str(&format!("runs: {} (stopped at the {why}){rate}\n", self.runs)),
            (None, _) => o.push_str(&format!("runs: {}{rate}\n", self.runs)),
        }
        o.push_str(&format!("outcomes: {} distinct\n", self.outcomes.len()));
        for oc in &self.outcomes {
            o.push_str(&format!("  {:>8} × exit {:<3} output {:016x} {}\n", oc.count, oc.exit_code, oc.digest, oc.preview));
        }
        match &self.failure {
            None => o.push_str("no failure found\n"),
            Some(f) => {
                o.push_str(&format!("\nfirst failure: {}\n", f.which));
                if let Some(nd) = &f.nondeterminism {
                    o.push_str(&format!("error: Spindle bug: two runs of the same schedule differed: {nd}\n"));
                }
                o.push_str(&f.report);
                o.push_str(&format!(
                    "replay it ({} preemption{}): spindle run --replay {} {}\n",
                    f.preemptions,
                    plural(f.preemptions),
                    shown(&f.replay, f.minimal.is_none()),
                    self.program
                ));
                if let Some(m) = &f.minimal {
                    o.push_str(&format!(
                        "\nminimised in {} runs: {} → {} context switch{} away from the default schedule, {} preemption{}\n",
                        m.runs,
                        m.switches_before,
                        m.switches_after,
                        if m.switches_after == 1 { "" } else { "es" },
                        m.preemptions,
                        plural(m.preemptions)
                    ));
                    o.push_str(&format!("replay it: spindle run --replay {} {}\n\n", shown(&m.replay, true), self.program));
                    o.push_str(&m.table);
                }
            }
        }
        o
    }

    /// The JSON summary (for `--merge`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        json!({
            "spindle_explore": 1,
            "program": self.program,
            "fingerprint": format!("{:08x}", self.fingerprint),
            "sched": self.sched,
            "shards": self.shards.iter().map(|&(k, n)| format!("{k}/{n}")).collect::<Vec<_>>(),
            "runs": self.runs,
            "exhaustive": self.exhaustive,
            "reduced": self.reduced,
            "redundant": self.redundant,
            "stopped": self.stopped,
            "elapsed_ms": self.elapsed.as_millis() as u64,
            "jobs": self.jobs,
            "outcomes": self.outcomes.iter().map(|o| json!({
                "exit": o.exit_code, "digest": format!("{:016x}", o.digest), "count": o.count, "preview": o.preview,
            })).collect::<Vec<_>>(),
            "failure": self.failure.as_ref().map(|f| json!({
                "order": f.order,
                "which": f.which,
                "exit": f.exit_code,
                "class": f.class,
                "report": f.report,
                "replay": f.replay,
                "preemptions": f.preemptions,
                "nondeterminism": f.nondeterminism,
                "minimal": f.minimal.as_ref().map(|m| json!({
                    "replay": m.replay, "switches_before": m.switches_before, "switches_after": m.switches_after,
                    "preemptions": m.preemptions, "table": m.table, "runs": m.runs,
                })),
            })),
        })
    }

    /// Reads a JSON summary back.
    pub fn from_json(v: &serde_json::Value) -> Result<Summary, String> {
        let bad = |what: &str| format!("not a `spindle explore --json` summary: {what}");
        if v.get("spindle_explore").and_then(|x| x.as_u64()) != Some(1) {
            return Err(bad("no `spindle_explore: 1` field"));
        }
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string).ok_or_else(|| bad(&format!("`{k}` missing")));
        let u = |k: &str| v.get(k).and_then(|x| x.as_u64()).ok_or_else(|| bad(&format!("`{k}` missing")));
        let fingerprint = u32::from_str_radix(&s("fingerprint")?, 16).map_err(|_| bad("bad fingerprint"))?;
        let shards = v
            .get("shards")
            .and_then(|x| x.as_array())
            .ok_or_else(|| bad("`shards` missing"))?
            .iter()
            .map(|x| x.as_str().ok_or_else(|| bad("bad shard")).and_then(parse_shard))
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = v
            .get("outcomes")
            .and_then(|x| x.as_array())
            .ok_or_else(|| bad("`outcomes` missing"))?
            .iter()
            .map(|o| {
                Some(OutcomeCount {
                    exit_code: o.get("exit")?.as_i64()? as i32,
                    digest: u64::from_str_radix(o.get("digest")?.as_str()?, 16).ok()?,
                    count: o.get("count")?.as_u64()?,
                    preview: o.get("preview")?.as_str()?.to_string(),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("bad outcome"))?;
        let failure = match v.get("failure") {
            None | Some(serde_json::Value::Null) => None,
            Some(f) => {
                let fs =
                    |k: &str| f.get(k).and_then(|x| x.as_str()).map(str::to_string).ok_or_else(|| bad(&format!("failure `{k}` missing")));
                let minimal = match f.get("minimal") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(m) => Some(Minimal {
                        replay: m.get("replay").and_then(|x| x.as_str()).ok_or_else(|| bad("minimal replay"))?.to_string(),
                        switches_before: m.get("switches_before").and_then(|x| x.as_u64()).unwrap_or(0) as usize,
                        switches_after: m.get("switches_after").and_then(|x| x.as_u64()).unwrap_or(0) as usize,
                        preemptions: m.get("preemptions").and_then(|x| x.as_u64()).unwrap_or(0),
                        table: m.get("table").and_then(|x| x.as_str()).unwrap_or("").to_string(),
                        runs: m.get("runs").and_then(|x| x.as_u64()).unwrap_or(0),
                    }),
                };
                Some(Failure {
                    order: f
                        .get("order")
                        .and_then(|x| x.as_array())
                        .and_then(|a| a.iter().map(|x| x.as_u64()).collect::<Option<Vec<_>>>())
                        .ok_or_else(|| bad("failure `order` missing"))?,
                    which: fs("which")?,
                    exit_code: f.get("exit").and_then(|x| x.as_i64()).unwrap_or(1) as i32,
                    class: fs("class")?,
                    report: fs("report")?,
                    replay: fs("replay")?,
                    preemptions: f.get("preemptions").and_then(|x| x.as_u64()).unwrap_or(0),
                    minimal,
                    nondeterminism: f.get("nondeterminism").and_then(|x| x.as_str()).map(str::to_string),
                })
            }
        };
        Ok(Summary {
            program: s("program")?,
            fingerprint,
            sched: s("sched")?,
            shards,
            runs: u("runs")?,
            exhaustive: v.get("exhaustive").and_then(|x| x.as_bool()).unwrap_or(false),
            reduced: v.get("reduced").and_then(|x| x.as_bool()).unwrap_or(false),
            redundant: v.get("redundant").and_then(|x| x.as_u64()).unwrap_or(0),
            stopped: v.get("stopped").and_then(|x| x.as_str()).map(str::to_string),
            outcomes,
            failure,
            elapsed: Duration::from_millis(u("elapsed_ms")?),
            jobs: u("jobs")? as usize,
        })
    }
}

/// A schedule for the report: inline if short, else where `--save-schedule` puts it.
fn shown(replay: &str, saved: bool) -> String {
    if replay.len() <= MAX_SHOWN {
        format!("'{replay}'")
    } else if saved {
        format!("@FILE  (the schedule is {} characters: `--save-schedule FILE` writes it)", replay.len())
    } else {
        format!("@FILE  (the schedule is {} characters; `--json` shows it)", replay.len())
    }
}

/// Longest schedule string shown inline in the report.
pub const MAX_SHOWN: usize = 600;

/// Combines the summaries of the shards of one exploration: runs and outcomes add up, the
/// first failure is the earliest in exploration order, and DFS is exhaustive when every shard
/// of the split is present and exhaustive.
pub fn merge(parts: Vec<Summary>) -> Result<Summary, String> {
    let Some(first) = parts.first() else { return Err("`--merge` needs at least one summary file".into()) };
    let (program, fingerprint, sched) = (first.program.clone(), first.fingerprint, first.sched.clone());
    let n = first.shards.first().map_or(1, |s| s.1);
    let mut shards = Vec::new();
    for p in &parts {
        if p.fingerprint != fingerprint {
            return Err(format!(
                "the summaries are of different programs (`{}` {:08x} vs `{}` {:08x})",
                program, fingerprint, p.program, p.fingerprint
            ));
        }
        if p.sched != sched {
            return Err(format!("the summaries used different schedulers (`{sched}` vs `{}`)", p.sched));
        }
        for &s in &p.shards {
            if s.1 != n {
                return Err(format!("the summaries split the space differently ({}/{} vs {}/{n})", s.0, s.1, s.0));
            }
            if shards.contains(&s) {
                return Err(format!("shard {}/{} appears twice", s.0, s.1));
            }
            shards.push(s);
        }
    }
    shards.sort();
    let all = shards.len() as u32 == n;
    let mut counts: BTreeMap<(i32, u64), (u64, String)> = BTreeMap::new();
    for p in &parts {
        for o in &p.outcomes {
            let e = counts.entry((o.exit_code, o.digest)).or_insert((0, o.preview.clone()));
            e.0 += o.count;
        }
    }
    let mut outcomes: Vec<OutcomeCount> =
        counts.into_iter().map(|((exit_code, digest), (count, preview))| OutcomeCount { exit_code, digest, count, preview }).collect();
    outcomes.sort_by(|a, b| b.count.cmp(&a.count).then(a.exit_code.cmp(&b.exit_code)).then(a.digest.cmp(&b.digest)));
    let failure = parts.iter().filter_map(|p| p.failure.clone()).min_by(|a, b| a.order.cmp(&b.order));
    let stopped = if failure.is_some() {
        Some("first failure".to_string())
    } else if !all {
        Some(format!("missing shards: {} of {n} present", shards.len()))
    } else {
        parts.iter().find_map(|p| p.stopped.clone())
    };
    Ok(Summary {
        program,
        fingerprint,
        sched,
        runs: parts.iter().map(|p| p.runs).sum(),
        exhaustive: all && parts.iter().all(|p| p.exhaustive) && failure.is_none(),
        reduced: parts.iter().all(|p| p.reduced),
        redundant: parts.iter().map(|p| p.redundant).sum(),
        stopped,
        outcomes,
        failure,
        elapsed: parts.iter().map(|p| p.elapsed).max().unwrap_or_default(),
        jobs: parts.iter().map(|p| p.jobs).sum(),
        shards,
    })
}
