//! The parallel driver: runs the exploration on a pool of workers, collects the pieces of
//! the exploration order they produce, and aggregates them (up to the first failure and the
//! run limit) into a [`Summary`].

use super::dfs::dfs;
use super::dpor::dpor;
use super::minimize::finish_failure;
use super::run::{failure_class, run_checked, run_one, Single};
use super::summary::kept;
use super::{Example, Options, OutcomeCount, Strategy, Summary, DEFAULT_RUNS, UNBOUNDED};
use crate::{Program, RunConfig};
use spindle_vm::{Policy, Schedule};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Per-run record kept while exploring.
#[derive(Clone, Copy)]
pub(super) struct RunRec {
    key: (i32, u64),
}

/// The results of a contiguous piece of the exploration order.
pub(super) struct Piece {
    pub(super) order: Vec<u64>,
    pub(super) recs: Vec<RunRec>,
    /// Failure found in this piece (its last record, unless `keep_going`), and its index.
    pub(super) failure: Option<FoundFailure>,
    pub(super) fail_at: usize,
    /// Redundant runs (reduced DFS).
    pub(super) redundant: u64,
    /// Stopped before its natural end (time, cap, cut).
    pub(super) cut: bool,
    /// Each outcome seen in this piece, described by its first run there.
    pub(super) previews: BTreeMap<(i32, u64), Seen>,
}

impl Piece {
    pub(super) fn new(order: Vec<u64>) -> Self {
        Piece { order, recs: Vec::new(), failure: None, fail_at: 0, redundant: 0, cut: false, previews: BTreeMap::new() }
    }
    pub(super) fn note(&mut self, shared: &Shared, s: &Single) {
        let key = s.outcome_key();
        shared.done.fetch_add(1, Ordering::Relaxed);
        let at = self.recs.len() as u64;
        self.previews.entry(key).or_insert_with(|| Seen {
            at,
            preview: s.preview(),
            decisions: s.decisions.clone(),
            stdout: kept(&s.stdout),
            stderr: kept(&s.stderr),
        });
        self.recs.push(RunRec { key });
    }
    /// Records a failure found by the last run noted; `true` if the piece must stop there
    /// (unless `keep_going`, the first failure ends the exploration).
    pub(super) fn failed(&mut self, shared: &Shared, opts: &Options, f: impl FnOnce() -> FoundFailure) -> bool {
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

/// The first run of an outcome in a piece: its index there, and what its [`Example`] keeps.
pub(super) struct Seen {
    at: u64,
    preview: String,
    decisions: Schedule,
    stdout: String,
    stderr: String,
}

pub(super) struct FoundFailure {
    pub(super) order: Vec<u64>,
    pub(super) which: String,
    pub(super) decisions: Schedule,
    pub(super) single_report: String,
    pub(super) class: String,
    pub(super) exit_code: i32,
    pub(super) nondeterminism: Option<String>,
}

pub(super) struct Shared {
    pub(super) best: Mutex<Option<Vec<u64>>>,
    pub(super) have_best: AtomicBool,
    pub(super) done: AtomicU64,
    pub(super) deadline: Option<Instant>,
    pub(super) timed_out: AtomicBool,
    pub(super) interrupt: Option<Arc<AtomicBool>>,
    pub(super) interrupted: AtomicBool,
    pub(super) bug: Mutex<Option<String>>,
    /// DFS with a run limit: leaves explored so far per unit (by the unit's key), so that a
    /// worker can tell when everything it would still explore comes after the first N.
    pub(super) unit_leaves: Mutex<BTreeMap<Vec<u64>, u64>>,
}

impl Shared {
    pub(super) fn new(deadline: Option<Instant>, interrupt: Option<Arc<AtomicBool>>) -> Self {
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
    pub(super) fn beyond(&self, order: &[u64]) -> bool {
        if !self.have_best.load(Ordering::Acquire) {
            return false;
        }
        matches!(&*self.best.lock().unwrap(), Some(b) if order > b.as_slice())
    }
    pub(super) fn offer(&self, order: &[u64]) {
        let mut b = self.best.lock().unwrap();
        if b.as_ref().is_none_or(|b| order < b.as_slice()) {
            *b = Some(order.to_vec());
        }
        self.have_best.store(true, Ordering::Release);
    }
    /// Records that a unit has explored `leaves`, and says whether at least `cap` leaves come
    /// before its next one in DFS order (so that it may stop).
    pub(super) fn past_cap(&self, key: &[u64], leaves: u64, cap: u64) -> bool {
        let mut m = self.unit_leaves.lock().unwrap();
        m.insert(key.to_vec(), leaves);
        let before: u64 = m.range::<[u64], _>((std::ops::Bound::Unbounded, std::ops::Bound::Excluded(key))).map(|(_, n)| n).sum();
        before + leaves >= cap
    }
    pub(super) fn out_of_time(&self) -> bool {
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
pub(super) fn run_policy(program: &Program, opts: &Options, policy: Policy, log_points: bool) -> (Single, Option<String>) {
    if opts.check_determinism {
        run_checked(program, &opts.config, policy, log_points)
    } else {
        (run_one(program, &opts.config, policy, log_points, false), None)
    }
}

pub(super) fn found(program: &Program, s: &Single, order: Vec<u64>, which: String, nondet: Option<String>) -> FoundFailure {
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
    // Every run of this exploration may get the spurious wakeups its scheduler allows.
    // Optimal DPOR waits for locks unless told not to (docs/explore.md, "Lock waits").
    let config =
        RunConfig { spurious_wakeups: opts.spurious_wakeups(), lock_waits: opts.optimal() && opts.lock_waits, ..opts.config.clone() };
    let opts = &Options { config, ..opts.clone() };
    let start = Instant::now();
    let program = super::options::load(path, text, opts).map_err(|e| e.render(false))?;
    let shared = Arc::new(Shared::new(opts.time.map(|t| start + t), opts.interrupt.clone()));
    let pieces: Mutex<Vec<Piece>> = Mutex::new(Vec::new());
    // One job runs on this thread, with the program compiled once: no pool.
    let pool = match opts.jobs {
        // Optimal DPOR is sequential.
        _ if opts.optimal() => None,
        1 => None,
        j => Some(rayon::ThreadPoolBuilder::new().num_threads(j).build().map_err(|e| format!("cannot start {j} jobs: {e}"))?),
    };
    let stop_progress = AtomicBool::new(false);
    let mut exhaustive_possible = false;
    std::thread::scope(|scope| {
        if opts.progress {
            let shared = &shared;
            let stop_progress = &stop_progress;
            // The bounds the line can measure against: the schedules this shard runs, the time.
            let total = match opts.strategy {
                Strategy::Dfs { .. } => opts.runs,
                _ => Some(shard_count(opts.runs.unwrap_or(DEFAULT_RUNS), opts.shard)),
            };
            let time = opts.time;
            scope.spawn(move || progress(shared, stop_progress, start, total, time));
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
                if !opts.optimal() {
                    dfs(pool.as_ref(), &program, path, text, opts, bound, &shared, &pieces);
                } else if !dpor(&program, opts, &shared, &pieces) {
                    // A signal-delivery choice: sleep sets with choice branching, on this
                    // thread (no pool was started for DPOR, so one worker).
                    // Sleep sets do not know lock waits (the lock rule of `dpor::races`).
                    let one = Options { jobs: 1, config: RunConfig { lock_waits: false, ..opts.config.clone() }, ..opts.clone() };
                    dfs(None, &program, path, text, &one, bound, &shared, &pieces);
                }
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
    // Each outcome's example is its first run in exploration order: the pieces are in order.
    let mut examples: BTreeMap<(i32, u64), (String, Example)> = BTreeMap::new();
    for p in &pieces {
        for (k, v) in &p.previews {
            examples.entry(*k).or_insert_with(|| {
                // Random and PCT: the run's index (over every shard); DFS: its piece's path.
                let order = match opts.strategy {
                    Strategy::Dfs { .. } => (p.order.clone(), v.at),
                    _ => (vec![(p.order[0] + v.at) * opts.shard.1 as u64 + opts.shard.0 as u64 - 1], 0),
                };
                let replay = v.decisions.to_text(Some(program.fingerprint()));
                (v.preview.clone(), Example { order, replay, stdout: v.stdout.clone(), stderr: v.stderr.clone() })
            });
        }
    }
    let mut outcomes: Vec<OutcomeCount> = counts
        .into_iter()
        .map(|(k, count)| {
            let (preview, example) = examples.remove(&k).map_or((String::new(), None), |(p, e)| (p, Some(e)));
            OutcomeCount { exit_code: k.0, digest: k.1, count, preview, example }
        })
        .collect();
    outcomes.sort_by(|a, b| b.count.cmp(&a.count).then(a.exit_code.cmp(&b.exit_code)).then(a.digest.cmp(&b.digest)));
    let timed_out = shared.timed_out.load(Ordering::Relaxed);
    let stopped = if failure.is_some() && !opts.keep_going {
        Some("first failure".to_string())
    } else if shared.interrupted.load(Ordering::Relaxed) {
        Some(super::STOPPED_BY_INTERRUPT.to_string())
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

/// The progress line on stderr (a terminal only: `Options::progress`), redrawn every 200 ms.
fn progress(shared: &Shared, stop: &AtomicBool, start: Instant, total: Option<u64>, time: Option<Duration>) {
    let mut last = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(20));
        if last.elapsed() >= Duration::from_millis(200) {
            last = Instant::now();
            let n = shared.done.load(Ordering::Relaxed);
            let line = progress_line(n, total, start.elapsed(), time, shared.have_best.load(Ordering::Relaxed));
            let _ = write!(std::io::stderr(), "\r\x1b[K{line}");
            let _ = std::io::stderr().flush();
        }
    }
}

/// `exploring: 1200/10000 schedules (12%) · 600/s · 2.0s · ETA 15s`: the total, percentage and
/// ETA when `--runs` (`total`) or `--time` bounds the exploration, the nearer bound first.
fn progress_line(n: u64, total: Option<u64>, elapsed: Duration, time: Option<Duration>, failure: bool) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let rate = n as f64 / secs;
    let mut line = match total {
        Some(t) => format!("exploring: {n}/{t} schedules ({}%)", (n.min(t) * 100).checked_div(t).unwrap_or(100)),
        None => format!("exploring: {n} schedules"),
    };
    line.push_str(&format!(" · {rate:.0}/s · {secs:.1}s"));
    let by_runs = total.filter(|_| rate > 0.0).map(|t| t.saturating_sub(n) as f64 / rate);
    let by_time = time.map(|t| (t.as_secs_f64() - secs).max(0.0));
    let eta = match (by_runs, by_time) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(eta) = eta {
        line.push_str(&format!(" · ETA {eta:.0}s"));
    }
    if failure {
        line.push_str(" · failure found, finishing earlier schedules");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::progress_line;
    use std::time::Duration;

    #[test]
    fn the_progress_line_shows_total_percentage_and_eta_when_bounded() {
        let s = Duration::from_secs;
        assert_eq!(progress_line(1200, None, s(2), None, false), "exploring: 1200 schedules · 600/s · 2.0s");
        assert_eq!(progress_line(1200, Some(10_000), s(2), None, false), "exploring: 1200/10000 schedules (12%) · 600/s · 2.0s · ETA 15s");
        assert_eq!(progress_line(1200, None, s(2), Some(s(30)), false), "exploring: 1200 schedules · 600/s · 2.0s · ETA 28s");
        // The nearer bound decides the ETA.
        assert_eq!(
            progress_line(1200, Some(2400), s(2), Some(s(30)), true),
            "exploring: 1200/2400 schedules (50%) · 600/s · 2.0s · ETA 2s · failure found, finishing earlier schedules"
        );
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
                    // `spindle run --sched random` injects no spurious wakeup: the seed alone is
                    // the reproduction only without them.
                    _ if opts.config.spurious_wakeups > 0 => format!("run {i} (random, seed {i}, with spurious wakeups)"),
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
                if let Ok(program) = super::options::load(path, text, opts) {
                    work(&program)
                }
            });
        }
    }
}
