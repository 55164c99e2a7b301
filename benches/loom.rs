//! Exhaustive exploration, loom against `spindle explore --sched dfs:inf`, timed in the same
//! run (issues 8 and 18). `cargo bench --bench loom`. Two parts: the lost-update program in
//! three loom models (below), then loom's own examples — its README's `fetch_add` counter with
//! 2 and 3 threads (and 3 threads × 2 `fetch_add`s), a `Mutex` counter, an `Arc` dropped by two
//! threads — next to Spindle twins of each, as a table of executions (loom) and classes
//! (Spindle's schedules: one per class of equivalent interleavings) and wall times.
//!
//! **The program.** Two threads each increment a shared counter with a load followed by a store
//! of the loaded value + 1 (programs/bugs/lost_update.mir); main spawns both, joins both and
//! loads the counter. In loom: an `AtomicUsize`, `loom::thread::spawn` and `join`. In Spindle:
//! the guest program below, `lost_update.mir` but for its assertion.
//!
//! **No assertion.** Both tools stop at the first failing schedule, so the program that loses
//! an update must not fail, or neither would explore exhaustively. The final assertion is
//! replaced by a count: loom's model counts its executions, and those that ended with
//! count = 1 (a lost update), in two process-wide (std) counters; the guest prints
//! `count = N`, and Spindle's summary groups the schedules by that output. Both counts show that
//! each tool reached the lost update, and in how many of its schedules.
//!
//! **The same interleavings.** Spindle runs interleavings of whole steps and models no
//! weak-memory reorderings (docs/language.md: every load reads the latest store), so its relaxed
//! accesses behave as sequentially consistent ones. loom also explores what the C++ memory model
//! allows beyond interleavings: a plain load may read an older store (even a `SeqCst` one: loom
//! treats `SeqCst` accesses as `AcqRel`, see its README). Three loom models are timed:
//!
//! - **`std Arc, rmw`** — the like-for-like one: the load is `fetch_add(0)` and the store
//!   `swap(v + 1)`, read-modify-writes, which always read the latest value, so its executions
//!   are exactly the interleavings Spindle explores; and the counter is shared through a std
//!   `Arc`, which loom does not see (the guest's counter is a static: no reference counting).
//!   This model gives loom the fewest scheduling points: it is the comparison that counts.
//! - **`std Arc, load/store`** — the literal translation (`load`, `store`, `Relaxed`): loom adds
//!   executions in which a load reads the older value.
//! - **`loom Arc, load/store`** — the model as loom's README writes it, with `loom::sync::Arc`,
//!   whose reference-count operations are scheduling points too.
//!
//! **What a schedule is.** The two tools do not cut the program at the same points, and both
//! prune: loom is a DPOR checker (it tries another thread only where the threads' next
//! operations depend on each other), Spindle's `dfs:inf` uses optimal DPOR (docs/explore.md,
//! "Partial-order reduction") over its scheduling points (foreign calls — `spawn`, `join` —,
//! atomic statements, thread ends), running one schedule per class of equivalent interleavings.
//! So the two count different numbers of schedules for the same program; both are printed,
//! with the time of the whole exhaustive exploration (what a user waits for) and the time per
//! schedule. Spindle without reduction (`--no-reduction`) is printed for comparison.
//!
//! Each figure is the best of 3 samples; a sample repeats the whole exploration until it has
//! taken at least 0.2 s, and the time of one exploration is the sample's time divided by the
//! repetitions. Spindle runs on one job (loom is single-threaded) and, for information, on every
//! core. The fixed cost of one `explore` call (parsing and checking the program; with more
//! than one job, starting the worker pool) is measured on a program with a single schedule.

use spindle::explore::{self, Options, Strategy, Summary, UNBOUNDED};
use std::sync::atomic::{AtomicUsize as StdAtomic, Ordering as StdOrdering};
use std::time::{Duration, Instant};

/// programs/bugs/lost_update.mir with its assertion replaced by printing the count.
const GUEST: &str = "
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
        println \"count = {}\", c;
        return 0;
    }
}

fn inc() {
    let v: u64;
    bb0: {
        v = atomic_load.relaxed.u64 &COUNT;
        atomic_store.relaxed.u64 &COUNT, v + 1;
        return;
    }
}";

/// One thread, no scheduling decision: exactly one schedule.
const ONE_SCHEDULE: &str = "
static COUNT: [u64; 1];
fn main() -> i64 {
    let v: u64;
    bb0: { v = atomic_load.relaxed.u64 &COUNT; atomic_store.relaxed.u64 &COUNT, v + 1; return 0; }
}";

/// Counters of the loom models: executions, and executions that lost an update.
static EXECUTIONS: StdAtomic = StdAtomic::new(0);
static LOST: StdAtomic = StdAtomic::new(0);

/// The loom models (see the module documentation).
#[derive(Clone, Copy)]
enum Model {
    StdArcRmw,
    StdArcPlain,
    LoomArcPlain,
}

/// What a run measured: how many schedules (executions), and how many of them lost an update.
type Counts = (u64, u64);

/// The two increments of one thread.
fn increment(count: &loom::sync::atomic::AtomicUsize, rmw: bool) {
    use loom::sync::atomic::Ordering::Relaxed;
    if rmw {
        let v = count.fetch_add(0, Relaxed);
        count.swap(v + 1, Relaxed);
    } else {
        let v = count.load(Relaxed);
        count.store(v + 1, Relaxed);
    }
}

/// Called at the end of each loom execution with the final count.
fn record(count: usize) {
    EXECUTIONS.fetch_add(1, StdOrdering::Relaxed);
    if count == 1 {
        LOST.fetch_add(1, StdOrdering::Relaxed);
    }
}

/// One exhaustive loom exploration of a model.
fn loom_explore(model: Model) -> Counts {
    use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    EXECUTIONS.store(0, StdOrdering::Relaxed);
    LOST.store(0, StdOrdering::Relaxed);
    let mut builder = loom::model::Builder::new();
    // No preemption bound (whatever LOOM_MAX_PREEMPTIONS says), no other limit: exhaustive.
    builder.preemption_bound = None;
    builder.max_permutations = None;
    builder.max_duration = None;
    match model {
        Model::StdArcRmw | Model::StdArcPlain => {
            let rmw = matches!(model, Model::StdArcRmw);
            builder.check(move || {
                let count = std::sync::Arc::new(AtomicUsize::new(0));
                let threads: Vec<_> = (0..2)
                    .map(|_| {
                        let count = count.clone();
                        loom::thread::spawn(move || increment(&count, rmw))
                    })
                    .collect();
                for t in threads {
                    t.join().unwrap();
                }
                record(count.load(SeqCst));
            });
        }
        Model::LoomArcPlain => builder.check(|| {
            let count = loom::sync::Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let count = count.clone();
                    loom::thread::spawn(move || increment(&count, false))
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            record(count.load(SeqCst));
        }),
    }
    (EXECUTIONS.load(StdOrdering::Relaxed) as u64, LOST.load(StdOrdering::Relaxed) as u64)
}

/// One exhaustive Spindle DFS of a guest program (`dfs:inf`: no preemption bound), with or
/// without partial-order reduction.
fn spindle_explore(program: &str, jobs: usize, reduction: bool) -> Counts {
    let opts = Options { strategy: Strategy::Dfs { bound: UNBOUNDED }, runs: None, jobs, minimize: false, reduction, ..Options::default() };
    let s: Summary = explore::explore("lost_update_count.mir", program, &opts).unwrap();
    assert!(s.exhaustive && s.failure.is_none(), "not exhaustive: {:?}", s.stopped);
    let lost = s.outcomes.iter().filter(|o| o.preview.contains("count = 1")).map(|o| o.count).sum();
    (s.runs, lost)
}

/// The CPU time (user + system) of the whole process so far, all its threads included, from
/// /proc/self/stat (Linux; in clock ticks of 10 ms). `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// A measurement: the wall time and the CPU time of one exploration, and what it counted.
#[derive(Clone, Copy)]
struct Measured {
    wall: Duration,
    cpu: Option<Duration>,
    counts: Counts,
}

/// The best of 3 samples of `f`, each repeating it for at least 0.3 s.
fn best_of_3(mut f: impl FnMut() -> Counts) -> Measured {
    let counts = f(); // a warm-up, and the counts
    let (mut wall, mut cpu) = (Duration::MAX, None::<Duration>);
    for _ in 0..3 {
        let (start, cpu_start) = (Instant::now(), cpu_time());
        let mut reps = 0u32;
        while reps == 0 || start.elapsed() < Duration::from_millis(300) {
            assert_eq!(f(), counts, "an exhaustive exploration always counts the same");
            reps += 1;
        }
        wall = wall.min(start.elapsed() / reps);
        if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
            let c = (b - a) / reps;
            cpu = Some(cpu.map_or(c, |m| m.min(c)));
        }
    }
    Measured { wall, cpu, counts }
}

fn show(name: &str, m: Measured) {
    let (n, lost) = m.counts;
    let t = m.wall.as_secs_f64();
    let cpu = m.cpu.map_or("n/a".to_string(), |c| format!("{:.3} ms", c.as_secs_f64() * 1e3));
    println!(
        "{name:<28} {n:>4} schedules ({lost:>3} lose an update): {:>6.3} ms (cpu {cpu}) = {:>6.0} schedules/s, {:>5.1} µs each",
        t * 1e3,
        n as f64 / t,
        t / n as f64 * 1e6
    );
}

/// (loom's time / Spindle's time) for the whole exploration and per schedule, from wall times
/// and from CPU times.
fn ratios(loom: Measured, spindle: Measured) -> String {
    let per = spindle.counts.0 as f64 / loom.counts.0 as f64;
    let wall = loom.wall.as_secs_f64() / spindle.wall.as_secs_f64();
    let mut s = format!("whole exploration {wall:.2}x, per schedule {:.2}x", wall * per);
    if let (Some(l), Some(sp)) = (loom.cpu, spindle.cpu) {
        let cpu = l.as_secs_f64() / sp.as_secs_f64();
        s += &format!(" (cpu: {cpu:.2}x, {:.2}x)", cpu * per);
    }
    s
}

fn lost_update_comparison() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let loom = [
        ("loom, std Arc, rmw", best_of_3(|| loom_explore(Model::StdArcRmw))),
        ("loom, std Arc, load/store", best_of_3(|| loom_explore(Model::StdArcPlain))),
        ("loom, loom Arc, load/store", best_of_3(|| loom_explore(Model::LoomArcPlain))),
    ];
    let spindle_1 = best_of_3(|| spindle_explore(GUEST, 1, true));
    let spindle_n = (cores > 1).then(|| best_of_3(|| spindle_explore(GUEST, cores, true)));
    let unreduced = best_of_3(|| spindle_explore(GUEST, 1, false));
    let fixed = best_of_3(|| spindle_explore(ONE_SCHEDULE, 1, true));

    println!("exhaustive exploration of the lost-update program, best of 3 (wall time, and cpu time of all threads):");
    for (name, m) in loom {
        show(name, m);
    }
    show("spindle dfs:inf, 1 job", spindle_1);
    if let Some(s) = spindle_n {
        show(&format!("spindle dfs:inf, {cores} jobs"), s);
    }
    show("spindle, no reduction, 1 job", unreduced);
    let fixed_cpu = fixed.cpu.map_or("n/a".to_string(), |c| format!("{:.3} ms", c.as_secs_f64() * 1e3));
    println!(
        "  of which the fixed cost of one explore call (a program with one schedule, 1 job): {:.3} ms (cpu {fixed_cpu})",
        fixed.wall.as_secs_f64() * 1e3
    );
    println!("loom / spindle (above 1: spindle is faster):");
    for (name, m) in loom {
        println!("  {name:<28} / spindle, 1 job: {}", ratios(m, spindle_1));
    }
    if let Some(s) = spindle_n {
        println!("  {:<28} / spindle, {cores} jobs: {}", loom[0].0, ratios(loom[0].1, s));
    }
    println!("  {:<28} / spindle, no reduction, 1 job: {}", loom[0].0, ratios(loom[0].1, unreduced));
}

// ---- loom's examples, side by side ----------------------------------------------------------

/// A Spindle twin of loom's README counter: `n` threads each doing `k` relaxed `fetch_add`s
/// on one counter; main joins them and prints the count.
fn counter_guest(n: usize, k: usize) -> String {
    let mut p = String::from("static C: [u64; 1];\nfn main() -> i64 {\n    let c: u64;\n");
    for i in 0..n {
        p += &format!("    let t{i}: i64;\n");
    }
    for i in 0..n {
        p += &format!("    bb{i}: {{ t{i} = call spawn(w, 0) -> bb{}; }}\n", i + 1);
    }
    for i in 0..n {
        p += &format!("    bb{}: {{ call join(t{i}) -> bb{}; }}\n", n + i, n + i + 1);
    }
    p += &format!("    bb{}: {{ c = atomic_load.relaxed.u64 &C; println \"count = {{}}\", c; return 0; }}\n}}\n", 2 * n);
    p += "fn w() {\n    let v: u64;\n    bb0: {\n";
    for _ in 0..k {
        p += "        v = atomic_rmw.add.relaxed.u64 &C, 1;\n";
    }
    p += "        return;\n    }\n}\n";
    p
}

/// The twin of loom's Mutex counter: two threads increment a plain counter under a lock — an
/// eventfd semaphore holding one token (`read` takes it, blocking while it is taken; `write`
/// gives it back), which orders the increments for the race detector as a mutex does.
const MUTEX_GUEST: &str = "
static EFD: [i32; 1];
static COUNT: [u64; 1];
fn main() -> i64 {
    let e: i64;
    let a: i64;
    let b: i64;
    let c: u64;
    bb0: { e = call eventfd(1, EFD_SEMAPHORE) -> bb1; }
    bb1: { store.i32 &EFD, e as i32; a = call spawn(inc, 0) -> bb2; }
    bb2: { b = call spawn(inc, 0) -> bb3; }
    bb3: { call join(a) -> bb4; }
    bb4: { call join(b) -> bb5; }
    bb5: { c = load.u64 &COUNT; println \"count = {}\", c; return 0; }
}
fn inc() {
    let e: i32;
    let r: i64;
    let v: u64;
    let buf: [u64; 1];
    bb0: { e = load.i32 &EFD; r = call read(e, &buf, 8) -> bb1; }
    bb1: {
        v = load.u64 &COUNT;
        store.u64 &COUNT, v + 1;
        store.u64 &buf, 1;
        r = call write(e, &buf, 8) -> bb2;
    }
    bb2: { return; }
}";

/// The twin of loom's Arc drop race: a heap object shared by two references counted in an
/// atomic; main and a thread each drop one (`fetch_sub` acq_rel), and whoever drops the last
/// frees it (programs/bugs/use_after_free_fixed.mir).
const ARC_GUEST: &str = "
static REFS: [u64; 1] = [2];
fn main() -> i64 {
    let p: ptr;
    let t: i64;
    let v: u64;
    let old: u64;
    bb0: { p = call malloc(8) -> bb1; }
    bb1: { store.u64 p, 42; t = call spawn(worker, p) -> bb2; }
    bb2: {
        v = load.u64 p;
        old = atomic_rmw.sub.acq_rel.u64 &REFS, 1;
        switch old { 1 => last, _ => wait }
    }
    last: { call free(p) -> wait; }
    wait: { call join(t) -> bb3; }
    bb3: { println \"done\"; return 0; }
}
fn worker(p: ptr) {
    let v: u64;
    let old: u64;
    bb0: {
        v = load.u64 p;
        assert v == 42, \"the object changed\";
        old = atomic_rmw.sub.acq_rel.u64 &REFS, 1;
        switch old { 1 => last, _ => done }
    }
    last: { call free(p) -> done; }
    done: { return; }
}";

/// loom's examples (its README's counter, a Mutex counter, an Arc dropped by two threads),
/// each checked exhaustively; returns the number of executions.
fn loom_example(example: &Example) -> u64 {
    use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use loom::sync::{Arc, Mutex};
    EXECUTIONS.store(0, StdOrdering::Relaxed);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = None;
    builder.max_permutations = None;
    builder.max_duration = None;
    match *example {
        Example::Counter { threads, adds } => builder.check(move || {
            let num = Arc::new(AtomicUsize::new(0));
            let ths: Vec<_> = (0..threads)
                .map(|_| {
                    let num = num.clone();
                    loom::thread::spawn(move || {
                        for _ in 0..adds {
                            num.fetch_add(1, Relaxed);
                        }
                    })
                })
                .collect();
            for th in ths {
                th.join().unwrap();
            }
            assert_eq!(threads * adds, num.load(Relaxed));
            EXECUTIONS.fetch_add(1, StdOrdering::Relaxed);
        }),
        Example::Mutex => builder.check(|| {
            let m = Arc::new(Mutex::new(0usize));
            let ths: Vec<_> = (0..2)
                .map(|_| {
                    let m = m.clone();
                    loom::thread::spawn(move || *m.lock().unwrap() += 1)
                })
                .collect();
            for th in ths {
                th.join().unwrap();
            }
            assert_eq!(2, *m.lock().unwrap());
            EXECUTIONS.fetch_add(1, StdOrdering::Relaxed);
        }),
        Example::ArcDrop => builder.check(|| {
            let a = Arc::new(AtomicUsize::new(42));
            let b = a.clone();
            let th = loom::thread::spawn(move || {
                assert_eq!(42, b.load(Relaxed));
                drop(b);
            });
            assert_eq!(42, a.load(Relaxed));
            drop(a);
            th.join().unwrap();
            EXECUTIONS.fetch_add(1, StdOrdering::Relaxed);
        }),
    }
    EXECUTIONS.load(StdOrdering::Relaxed) as u64
}

enum Example {
    Counter { threads: usize, adds: usize },
    Mutex,
    ArcDrop,
}

/// One exhaustive `dfs:inf` exploration: (schedules, redundant runs).
fn spindle_example(name: &str, program: &str) -> (u64, u64) {
    let opts = Options { strategy: Strategy::Dfs { bound: UNBOUNDED }, runs: None, jobs: 1, minimize: false, ..Options::default() };
    let s: Summary = explore::explore(name, program, &opts).unwrap();
    assert!(s.exhaustive && s.failure.is_none(), "{name}: not exhaustive or failed: {:?}", s.stopped);
    (s.runs, s.redundant)
}

/// The wall time of one run of `f`: the best of 3 samples, each repeating `f` for at least
/// 0.3 s — or a single run when one takes longer than a second.
fn timed<T: PartialEq + std::fmt::Debug>(mut f: impl FnMut() -> T) -> (T, Duration) {
    let start = Instant::now();
    let first = f();
    let once = start.elapsed();
    if once > Duration::from_secs(1) {
        return (first, once);
    }
    let mut best = once;
    for _ in 0..3 {
        let start = Instant::now();
        let mut reps = 0u32;
        while reps == 0 || start.elapsed() < Duration::from_millis(300) {
            assert_eq!(f(), first, "an exhaustive exploration always counts the same");
            reps += 1;
        }
        best = best.min(start.elapsed() / reps);
    }
    (first, best)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn examples_side_by_side() {
    let cases: Vec<(&str, Example, String)> = vec![
        ("counter, 2 threads x 1 fetch_add", Example::Counter { threads: 2, adds: 1 }, counter_guest(2, 1)),
        ("counter, 3 threads x 1 fetch_add", Example::Counter { threads: 3, adds: 1 }, counter_guest(3, 1)),
        ("counter, 3 threads x 2 fetch_add", Example::Counter { threads: 3, adds: 2 }, counter_guest(3, 2)),
        ("Mutex counter, 2 threads", Example::Mutex, MUTEX_GUEST.to_string()),
        ("Arc dropped by 2 threads", Example::ArcDrop, ARC_GUEST.to_string()),
    ];
    println!();
    println!("loom's examples and their Spindle twins, explored exhaustively (loom: no preemption bound; spindle: dfs:inf, optimal DPOR, 1 job); wall time of one whole exploration:");
    println!("| example | loom executions | loom time | spindle classes (schedules) | spindle time | loom / spindle time |");
    println!("|---|---|---|---|---|---|");
    for (name, example, guest) in cases {
        let (execs, loom_t) = timed(|| loom_example(&example));
        let ((runs, redundant), sp_t) = timed(|| spindle_example("twin.mir", &guest));
        let red = if redundant > 0 { format!(" (+{redundant} redundant)") } else { String::new() };
        println!("| {name} | {execs} | {} | {runs}{red} | {} | {:.0}x |", ms(loom_t), ms(sp_t), loom_t.as_secs_f64() / sp_t.as_secs_f64());
    }
}

fn main() {
    lost_update_comparison();
    examples_side_by_side();
}
