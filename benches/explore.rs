//! Schedules per second of `spindle explore` on a small two-thread program (the lost-update
//! twin with a few more steps), with the random scheduler and with exhaustive DFS (bounded,
//! unbounded, and unbounded with partial-order reduction), on one job and on every core; and
//! the fixed cost of starting one run (machine, memory, shims, the run's record), measured as
//! random exploration of a program whose `main` only returns; and random exploration of two
//! small programs of `programs/bugs/` (the fixed twins, so that every run goes to its end):
//! `lost_update_fixed` (relaxed read-modify-writes) and `mp_no_release_fixed` (a release store
//! and an acquire load, which with weak memory on — the default — may read either store: a
//! store choice in some runs). `cargo bench --bench explore`.

use spindle::explore::{self, Options, Strategy, UNBOUNDED};
use std::time::Instant;

/// A program that does nothing: each of its runs costs only what starting and ending a run costs.
const EMPTY: &str = "fn main() -> i64 { bb0: { return 0; } }";

/// Two threads, each three relaxed increments; main joins both.
const PROGRAM: &str = "
static COUNT: [u64; 1];
fn main() -> i64 {
    let a: i64;
    let b: i64;
    let c: u64;
    bb0: { a = call spawn(inc, 0) -> bb1; }
    bb1: { b = call spawn(inc, 0) -> bb2; }
    bb2: { call join(a) -> bb3; }
    bb3: { call join(b) -> bb4; }
    bb4: {
        c = atomic_load.seq_cst.u64 &COUNT;
        assert c == 6;
        return 0;
    }
}
fn inc() {
    let v: u64;
    bb0: {
        v = atomic_rmw.add.relaxed.u64 &COUNT, 1;
        v = atomic_rmw.add.relaxed.u64 &COUNT, 1;
        v = atomic_rmw.add.relaxed.u64 &COUNT, 1;
        return;
    }
}";

/// Small programs of `programs/bugs/`, explored as they are (weak memory and race detection on).
const BUG_PROGRAMS: [(&str, &str); 2] = [
    ("lost_update_fixed", include_str!("../programs/bugs/lost_update_fixed.mir")),
    ("mp_no_release_fixed", include_str!("../programs/bugs/mp_no_release_fixed.mir")),
];

fn measure(name: &str, strategy: Strategy, runs: Option<u64>, jobs: usize) {
    measure_program(name, PROGRAM, strategy, runs, jobs);
}

fn measure_program(name: &str, program: &str, strategy: Strategy, runs: Option<u64>, jobs: usize) {
    let opts = Options { strategy, runs, jobs, minimize: false, ..Options::default() };
    // Warm up once, then take the best of three.
    let _ = explore::explore("bench.mir", program, &opts).unwrap();
    let mut best = f64::MAX;
    let mut n = 0;
    let mut exhaustive = false;
    for _ in 0..3 {
        let t = Instant::now();
        let s = explore::explore("bench.mir", program, &opts).unwrap();
        let e = t.elapsed().as_secs_f64();
        assert!(s.failure.is_none());
        n = s.runs;
        exhaustive = s.exhaustive;
        best = best.min(e);
    }
    let what = match (exhaustive, strategy) {
        (false, _) => "",
        (true, Strategy::Dfs { bound: UNBOUNDED }) => " (every schedule up to equivalence)",
        (true, _) => " (every schedule within the bound)",
    };
    println!("{name:<28} jobs={jobs}: {n:>7} schedules in {:>7.3} s = {:>9.0} schedules/s{what}", best, n as f64 / best);
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut jobs = vec![1];
    if cores > 1 {
        jobs.push(cores);
    }
    for &j in &jobs {
        measure_program("random, empty program", EMPTY, Strategy::Random, Some(50_000), j);
    }
    for &j in &jobs {
        measure("random", Strategy::Random, Some(50_000), j);
    }
    for (name, text) in BUG_PROGRAMS {
        for &j in &jobs {
            measure_program(&format!("random, {name}"), text, Strategy::Random, Some(50_000), j);
        }
    }
    for &j in &jobs {
        measure("pct:3", Strategy::Pct { depth: 3 }, Some(50_000), j);
    }
    for &j in &jobs {
        measure("dfs:3", Strategy::Dfs { bound: 3 }, None, j);
    }
    for &j in &jobs {
        measure("dfs (unbounded: all)", Strategy::Dfs { bound: 1000 }, None, j);
    }
    // dfs:inf: no bound, with partial-order reduction (one schedule per class of equivalent
    // interleavings; here every step is an rmw of COUNT, so few interleavings are equivalent).
    for &j in &jobs {
        measure("dfs:inf (reduced)", Strategy::Dfs { bound: UNBOUNDED }, None, j);
    }
}
