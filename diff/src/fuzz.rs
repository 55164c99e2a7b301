//! The fuzzer: random scenarios against both backends, every mismatch shrunk to a minimal
//! scenario and grouped with the others of its kind.
//!
//! Unlike `proptest!`, which stops at the first failure, this loop keeps going, so that a long
//! run reports every distinct mismatch it met and how often.

use crate::record::Mismatch;
use crate::scenario::Scenario;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// How a fuzzing run is set up.
#[derive(Clone, Debug)]
pub struct Options {
    /// Cases to run at most.
    pub cases: u64,
    /// Stop after this long even if cases remain.
    pub time_limit: Option<Duration>,
    /// Operations per scenario, at most.
    pub max_ops: usize,
    pub seed: u64,
    /// Shrinking steps per mismatch, at most.
    pub max_shrink: u32,
    /// Print progress to stderr this often.
    pub progress: Option<Duration>,
}

impl Options {
    /// From the environment: `SPINDLE_DIFF_CASES` (default `cases`), `SPINDLE_DIFF_SECS` (a time
    /// limit), `SPINDLE_DIFF_SEED` (default a fixed seed, so CI is reproducible),
    /// `SPINDLE_DIFF_OPS` (default `max_ops`).
    pub fn from_env(cases: u64, max_ops: usize) -> Options {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
        let cases = var("SPINDLE_DIFF_CASES").unwrap_or(cases);
        Options {
            cases,
            time_limit: var("SPINDLE_DIFF_SECS").map(Duration::from_secs),
            max_ops: var("SPINDLE_DIFF_OPS").map_or(max_ops, |v| v as usize),
            seed: var("SPINDLE_DIFF_SEED").unwrap_or(0x5eed_d1ff),
            max_shrink: 4000,
            progress: (cases > 20_000 || var("SPINDLE_DIFF_SECS").is_some()).then(|| Duration::from_secs(30)),
        }
    }
}

/// One kind of mismatch.
#[derive(Debug)]
pub struct Found {
    /// [`Mismatch::key`] of the minimal scenario.
    pub key: String,
    /// The shrunk scenario and both records.
    pub minimal: Mismatch,
    /// Random cases that ran into it.
    pub hits: u64,
    /// The name of the known mismatch it is (deliberate divergence or reported bug), if any.
    pub known: Option<&'static str>,
}

/// What a fuzzing run did.
#[derive(Debug)]
pub struct Report {
    pub cases: u64,
    pub ops: u64,
    pub elapsed: Duration,
    pub seed: u64,
    pub found: Vec<Found>,
}

impl Report {
    /// The first line of the report: cases run and mismatches found.
    pub fn summary(&self) -> String {
        self.to_string().lines().next().unwrap_or_default().to_string()
    }

    /// Mismatches that are not known.
    pub fn unknown(&self) -> impl Iterator<Item = &Found> {
        self.found.iter().filter(|f| f.known.is_none())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hits: u64 = self.found.iter().map(|x| x.hits).sum();
        writeln!(
            f,
            "spindle-diff fuzz: {} cases ({} operations) in {:.1?}, seed {:#x}: {} mismatching cases, {} distinct mismatches ({} unknown)",
            self.cases,
            self.ops,
            self.elapsed,
            self.seed,
            hits,
            self.found.len(),
            self.unknown().count()
        )?;
        for (i, x) in self.found.iter().enumerate() {
            let what = x.known.map_or("UNKNOWN".to_string(), |k| format!("known: {k}"));
            writeln!(f, "\n#{} ({what}; {} cases) {}", i + 1, x.hits, x.key)?;
            write!(f, "{}", x.minimal)?;
        }
        Ok(())
    }
}

/// A coarse description of a mismatch, used to avoid shrinking the same kind again and again.
fn coarse(m: &Mismatch) -> String {
    let i = m.first_diff();
    let kind = |r: &crate::Record| match r.recs.get(i) {
        Some(rec) => rec.errno.clone().unwrap_or_else(|| "ok".into()),
        None => "stopped".into(),
    };
    let name = m.scenario.ops.get(i).map_or("end", |o| o.name());
    format!("{name} {} {}", kind(&m.kernel), kind(&m.spindle))
}

/// Runs random scenarios; `classify` names known mismatches.
pub fn run(opts: &Options, classify: impl Fn(&Mismatch) -> Option<&'static str>) -> Report {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&opts.seed.to_le_bytes());
    let config = Config { failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let strategy = crate::gen::scenario(opts.max_ops);
    let start = Instant::now();
    let mut last_progress = start;
    let mut found: Vec<Found> = Vec::new();
    let mut by_coarse: BTreeMap<String, u32> = BTreeMap::new();
    let (mut cases, mut ops) = (0u64, 0u64);
    while cases < opts.cases && opts.time_limit.is_none_or(|t| start.elapsed() < t) {
        let mut tree = strategy.new_tree(&mut runner).expect("scenario generation never rejects");
        let scenario = tree.current();
        cases += 1;
        ops += scenario.ops.len() as u64;
        if let Err(m) = crate::check(&scenario) {
            let class = coarse(&m);
            let seen = by_coarse.entry(class.clone()).or_insert(0);
            *seen += 1;
            let key = m.key();
            // The same mismatch as one already found, or a kind already shrunk three times:
            // counted without shrinking again.
            let known = found.iter().position(|f| f.key == key || (*seen > 3 && coarse(&f.minimal) == class));
            match known {
                Some(i) => found[i].hits += 1,
                None => {
                    let minimal = minimize(shrink(&mut tree, *m, opts.max_shrink));
                    let key = minimal.key();
                    match found.iter_mut().find(|f| f.key == key) {
                        Some(f) => f.hits += 1,
                        None => {
                            let known = classify(&minimal);
                            found.push(Found { key, minimal, hits: 1, known });
                        }
                    }
                }
            }
        }
        if let Some(every) = opts.progress {
            if last_progress.elapsed() >= every {
                last_progress = Instant::now();
                // Straight to stderr, past the test harness's capture.
                let line = format!(
                    "spindle-diff fuzz: {cases} cases, {:.0?}, {} distinct mismatches ({} unknown)\n",
                    start.elapsed(),
                    found.len(),
                    found.iter().filter(|f| f.known.is_none()).count()
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            }
        }
    }
    Report { cases, ops, elapsed: start.elapsed(), seed: opts.seed, found }
}

/// proptest's shrinking loop: simplify while the scenario still mismatches in the same way
/// (same operation, same errno names), complicate back when it does not.
fn shrink(tree: &mut impl ValueTree<Value = Scenario>, first: Mismatch, max: u32) -> Mismatch {
    let class = coarse(&first);
    let mut best = first;
    if !tree.simplify() {
        return best;
    }
    for _ in 0..max {
        match crate::check(&tree.current()) {
            Err(m) if coarse(&m) == class => {
                best = *m;
                if !tree.simplify() {
                    break;
                }
            }
            _ => {
                if !tree.complicate() {
                    break;
                }
            }
        }
    }
    best
}

/// Removes operations one at a time, last first, while the same mismatch (same
/// [`Mismatch::key`]) remains: proptest's shrinking cannot remove an operation that binds slots
/// without changing what later `Fd::Pick`s name, this can.
pub fn minimize(m: Mismatch) -> Mismatch {
    let key = m.key();
    let mut best = m;
    loop {
        let mut progress = false;
        let mut i = best.scenario.ops.len();
        while i > 0 {
            i -= 1;
            if i >= best.scenario.ops.len() {
                continue;
            }
            let candidate = best.scenario.without(i);
            if let Err(m) = crate::check(&candidate) {
                if m.key() == key {
                    best = *m;
                    progress = true;
                }
            }
        }
        if !progress {
            return best;
        }
    }
}
