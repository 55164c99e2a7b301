//! Schedule exploration: schedules as data (`--replay`), the schedulers, `spindle explore`,
//! minimisation, determinism checks, sharding, and the bug corpus in `programs/bugs/`.

use spindle::explore::{self, Options, Strategy, Summary, UNBOUNDED};
use spindle::{Policy, Program, RunConfig, Schedule};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_spindle");

fn path(rel: &str) -> String {
    Path::new(ROOT).join(rel).to_str().unwrap().to_string()
}

fn load(rel: &str) -> (Program, String) {
    let text = std::fs::read_to_string(path(rel)).unwrap();
    (Program::from_source(rel, text.clone()).unwrap_or_else(|e| panic!("{}", e.render(false))), text)
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn spindle(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).current_dir(ROOT).output().unwrap();
    let code = out.status.code().expect("spindle was killed by a signal");
    (code, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn replay_policy(text: &str) -> Policy {
    let parsed = Schedule::parse(text).unwrap();
    Policy::Replay(Arc::new(spindle_vm::sched::Replay { schedule: parsed.schedule, strict: true }))
}

fn traced(p: &Program, policy: Policy) -> (i32, Vec<u8>, String, Option<String>) {
    let single = explore::run_one(p, &RunConfig::default(), policy, false, true);
    let report = p.render_stop(&single.stop, false);
    (single.exit_code, single.stdout, String::from_utf8_lossy(&single.trace).into_owned() + &report, single.schedule_error)
}

// ---- schedules as data -------------------------------------------------------------------

#[test]
fn replaying_a_random_runs_schedule_reproduces_output_trace_and_exit_code() {
    for rel in [
        "programs/bugs/lost_update.mir",
        "programs/bugs/missed_wakeup.mir",
        "programs/threads/atomic_counter.mir",
        "programs/races/spinlock_ok.mir",
    ] {
        let (p, _) = load(rel);
        for seed in 0..20 {
            let cfg = RunConfig { policy: Policy::Random { seed, preemption: spindle::DEFAULT_PREEMPTION }, ..RunConfig::default() };
            let out = p.run(&cfg);
            let text = out.schedule.clone().expect("a random run records its schedule");
            let a = traced(&p, cfg.policy.clone());
            let b = traced(&p, replay_policy(&text));
            assert_eq!(b.3, None, "{rel} seed {seed}: the schedule fits");
            assert_eq!((a.0, &a.1), (b.0, &b.1), "{rel} seed {seed}: exit code and stdout");
            // The random run's report has the reproduction notes; the rest is identical.
            let strip = |s: &str| {
                s.lines().filter(|l| !l.contains("reproduce with") && !l.contains("replay this schedule")).collect::<Vec<_>>().join("\n")
            };
            assert_eq!(strip(&a.2), strip(&b.2), "{rel} seed {seed}: trace and report");
        }
    }
}

/// A two-thread program whose threads take turns over 200 000 scheduling points.
const LONG: &str = "
static C: [u64; 1];
fn main() -> i64 {
    let t: i64;
    bb0: { t = call spawn(work, 0) -> bb1; }
    bb1: { call work() -> bb2; }
    bb2: { call join(t) -> bb3; }
    bb3: { return 0; }
}
fn work() {
    let i: i64;
    let old: u64;
    bb0: { goto head; }
    head: { switch i < 100000 { true => body, false => done } }
    body: { old = atomic_rmw.add.relaxed.u64 &C, 1; i = i + 1; goto head; }
    done: { return; }
}";

#[test]
fn a_schedule_with_100k_switches_round_trips() {
    let p = Program::from_source("long.mir", LONG).unwrap();
    let cfg = RunConfig { policy: Policy::Random { seed: 1, preemption: 1.0 }, ..RunConfig::default() };
    let single = explore::run_one(&p, &cfg, cfg.policy.clone(), false, false);
    assert_eq!(single.exit_code, 0);
    let switches = single.decisions.switches();
    assert!(switches >= 100_000, "only {switches} switches");
    let text = single.decisions.to_text(Some(p.fingerprint()));
    let parsed = Schedule::parse(&text).unwrap();
    assert_eq!(parsed.schedule, single.decisions);
    assert_eq!(parsed.fingerprint, Some(p.fingerprint()));
    let again = explore::run_one(&p, &RunConfig::default(), replay_policy(&text), false, false);
    assert_eq!(again.schedule_error, None);
    assert_eq!(again.decisions, single.decisions, "the replay made the same decisions");
    assert_eq!(again.exit_code, 0);

    // Through the command line, from a file (the string is longer than one argument may be).
    let dir = std::env::temp_dir().join(format!("spindle-explore-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prog = dir.join("long.mir");
    std::fs::write(&prog, LONG).unwrap();
    let sched = dir.join("long.sched");
    let prog_s = prog.to_str().unwrap();
    let (code, _, err) =
        spindle(&["run", "--sched", "random", "--seed", "1", "--preemption-rate", "1", "--save-schedule", sched.to_str().unwrap(), prog_s]);
    assert_eq!(code, 0, "{err}");
    let saved = std::fs::read_to_string(&sched).unwrap();
    assert!(Schedule::parse(&saved).unwrap().schedule.switches() >= 100_000);
    let arg = format!("@{}", sched.display());
    let (code, _, err) = spindle(&["run", "--replay", &arg, prog_s]);
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_strings_that_do_not_fit_are_clear_errors_with_exit_code_2() {
    let prog = "programs/bugs/lost_update.mir";
    let (p, _) = load(prog);
    let fp = format!("{:08x}", p.fingerprint());
    let other = format!("{:08x}", p.fingerprint() ^ 1);
    let cases: Vec<(String, &str)> = vec![
        ("garbage".into(), "bad `--replay` schedule"),
        ("s2:00000000:a".into(), "unknown schedule format"),
        (format!("s1:{fp}:a2b!"), "malformed decisions"),
        (format!("s1:{fp}:(a2b"), "`(` without `)`"),
        (format!("s1:{other}:a2bc3"), "recorded for another program"),
        (format!("s1:{fp}:a2bd3"), "not runnable"),
        (format!("s1:{fp}:a2"), "the schedule ends after 2 decisions"),
        (format!("s1:{fp}:a2bc3a5"), "but the schedule has 11"),
        ("@/nonexistent/schedule/file".into(), "cannot read the schedule file"),
    ];
    for (arg, want) in cases {
        let (code, out, err) = spindle(&["run", "--replay", &arg, prog]);
        assert_eq!(code, 2, "{arg}: {err}");
        assert!(err.contains("error:") && err.contains(want), "{arg}: expected `{want}` in:\n{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(out, "", "{arg}: nothing runs before the error");
    }
    // `*` replays on any program; `--replay` and `--sched` do not mix.
    let (code, _, _) = spindle(&["run", "--replay", "s1:*:a2bc3", prog]);
    assert_eq!(code, 101);
    let (code, _, err) = spindle(&["run", "--replay", "s1:*:a2bc3", "--sched", "random", prog]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = spindle(&["run", "--save-schedule", "/tmp/x", prog]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_stale_read_is_a_decision_of_the_schedule_string_and_of_the_table() {
    let prog = "programs/bugs/stale_data.mir";
    let (code, out, _) = spindle(&["explore", "--sched", "dfs", prog]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("load of DATA read its initial value (stale)"), "{out}");
    // The replay string has a fourth part (the store choices) and reproduces the failure.
    let start = out.rfind("--replay '").expect("a replay string") + 10;
    let sched = out[start..].split('\'').next().unwrap();
    assert_eq!(sched.split(':').count(), 4, "{sched}");
    let (code, out2, err) = spindle(&["run", "--replay", sched, prog]);
    assert_eq!(code, 101, "{err}");
    assert_eq!(out2, "data = 0\n");
    // Without the store choices the same thread decisions read the latest store.
    let threads_only = sched.rsplit_once(':').unwrap().0;
    let (code, out3, err) = spindle(&["run", "--replay", threads_only, prog]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out3, "data = 42\n");
    // A store choice the load cannot make does not fit.
    let (code, _, err) = spindle(&["run", "--replay", &format!("{threads_only}:ad"), prog]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("store choice"), "{err}");
    // Under --sc, no schedule fails; random finds it too.
    let (code, out, _) = spindle(&["explore", "--sched", "dfs", "--sc", prog]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = spindle(&["explore", "--sched", "random", "--runs", "200", prog]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn random_failure_reports_carry_a_replay_string_that_reproduces_them() {
    let prog = "programs/bugs/lost_update.mir";
    let (code, _, err) = spindle(&["run", "--sched", "random", "--seed", "4", prog]);
    assert_eq!(code, 101, "{err}");
    assert!(err.contains("reproduce with `--sched random --seed 4`"), "{err}");
    let start = err.find("--replay ").expect("a replay note") + 9;
    let sched = err[start..].split('`').next().unwrap();
    let (code2, out2, err2) = spindle(&["run", "--replay", sched, prog]);
    assert_eq!(code2, 101, "{err2}");
    assert_eq!(out2, "count = 1\n");
    // The fixed scheduler's reports are unchanged: no replay note.
    let (_, _, err) = spindle(&["run", "programs/races/mp_relaxed_race.mir"]);
    assert!(!err.contains("--replay"), "{err}");
}

// ---- the bug corpus ------------------------------------------------------------------------

/// Each bug, the failure class `explore` must find, and the twin DFS must prove clean.
const BUGS: &[(&str, &str, &str)] = &[
    ("lost_update", "Panic: the program panicked: assertion failed: an increment was lost", "lost_update_fixed"),
    ("mp_no_release", "Ub: Undefined Behavior: Data race detected", "mp_no_release_fixed"),
    ("double_checked_init", "Panic: the program panicked: assertion failed: saw the lazily initialised value", "double_checked_init_fixed"),
    ("abba_deadlock", "Panic: the program panicked: assertion failed: spun 1000 times", "abba_deadlock_fixed"),
    ("missed_wakeup", "Deadlock: the evaluated program deadlocked", "missed_wakeup_fixed"),
    // Either the read of freed memory, or (if the free comes second) the free racing with the
    // read that the reference count no longer orders: both are this bug.
    ("use_after_free", "Ub: Undefined Behavior: ", "use_after_free_fixed"),
    // Two workers, each with its own epoll instance watching one eventfd with EPOLLEXCLUSIVE,
    // both get EPOLLIN for one job (Linux: shims/probes/epoll/exclusive_herd.c); found after
    // 60 (random), 67 (pct:3) and 71 (dfs:2) schedules.
    (
        "epoll_exclusive",
        "Panic: the program panicked: assertion failed: EPOLLEXCLUSIVE woke only me, so the job is mine",
        "epoll_exclusive_fixed",
    ),
    // std::sync's locks over futex (shims/std/sync.mir).
    ("mutex_abba", "Deadlock: the evaluated program deadlocked", "mutex_abba_fixed"),
    ("condvar_lost_wakeup", "Deadlock: the evaluated program deadlocked", "condvar_lost_wakeup_fixed"),
    (
        "mutex_wrong_unlock",
        "Panic: the program panicked: assertion failed: mutex_unlock by a thread that does not hold the mutex",
        "mutex_wrong_unlock_fixed",
    ),
    // Needs weak memory: in every interleaving the data is stored before the flag.
    ("stale_data", "Panic: the program panicked: assertion failed: the flag was up, so the data is there", "stale_data_fixed"),
    // A read lock "upgraded" by unlocking and write-locking: found after 5 (random), 3 (pct:3),
    // 40 (dfs:2) and 8 (dfs:inf) schedules; its twin is clean in 2 171 schedules of dfs:3 and
    // 2 234 classes of dfs:inf (weak memory and a spurious wakeup per run on).
    ("rwlock_upgrade", "Panic: the program panicked: assertion failed: an increment was lost", "rwlock_upgrade_fixed"),
    // A SIGUSR1 handler that reads a pair main is half-way through storing: needs the delivery
    // postponed past a plain store (a delivery point), not only a thread decision.
    (
        "signal_torn_pair",
        "Panic: the program panicked: assertion failed: the handler saw a position whose halves agree",
        "signal_torn_pair_fixed",
    ),
];

/// Budgets: `explore` must find every bug within this many schedules.
const RANDOM_BUDGET: u64 = 100;
const PCT_BUDGET: u64 = 100;
const DFS_BUDGET: u64 = 200;
/// The preemption bound within which DFS proves the twins clean.
const TWIN_BOUND: u32 = 3;

fn opts(strategy: Strategy, runs: Option<u64>) -> Options {
    Options { strategy, runs, jobs: 2, minimize: false, ..Options::default() }
}

/// Explores `rel`, which may end in `--const NAME=VALUE` (a variant of a program).
fn explore_file(rel: &str, o: &Options) -> Summary {
    let (rel, consts) = match rel.split_once(" --const ") {
        Some((f, c)) => (f, vec![spindle::LoadOptions::parse_const(c).unwrap()]),
        None => (rel, Vec::new()),
    };
    let text = std::fs::read_to_string(path(rel)).unwrap();
    explore::explore(rel, &text, &Options { consts, ..o.clone() }).unwrap()
}

#[test]
fn explore_finds_every_bug_with_every_scheduler_within_its_budget() {
    for &(bug, class, _) in BUGS {
        let rel = format!("programs/bugs/{bug}.mir");
        for (strategy, budget) in
            [(Strategy::Random, RANDOM_BUDGET), (Strategy::Pct { depth: 3 }, PCT_BUDGET), (Strategy::Dfs { bound: 2 }, DFS_BUDGET)]
        {
            let s = explore_file(&rel, &opts(strategy, Some(budget)));
            let f = s.failure.as_ref().unwrap_or_else(|| panic!("{bug} with {strategy}: no failure in {} runs", s.runs));
            assert!(f.class.starts_with(class), "{bug} with {strategy}: found `{}`", f.class);
            assert!(s.runs <= budget, "{bug} with {strategy}: {} runs", s.runs);
            // The replay string reproduces it.
            let (p, _) = load(&rel);
            let again = explore::run_one(&p, &RunConfig::default(), replay_policy(&f.replay), false, false);
            assert_eq!(explore::failure_class(&again.stop), f.class, "{bug} with {strategy}: replay");
        }
    }
}

#[test]
fn dfs_proves_each_correct_twin_clean_within_its_bound() {
    for &(_, _, twin) in BUGS {
        let rel = format!("programs/bugs/{twin}.mir");
        let s = explore_file(&rel, &opts(Strategy::Dfs { bound: TWIN_BOUND }, None));
        assert!(s.failure.is_none(), "{twin}: {:?}", s.failure.map(|f| f.report));
        assert!(s.exhaustive, "{twin}: not exhaustive ({:?})", s.stopped);
        assert!(s.runs > 1, "{twin}: only {} schedules", s.runs);
        assert!(s.outcomes.iter().all(|o| o.exit_code == 0));
    }
}

#[test]
fn the_lock_twins_are_clean_under_dfs_inf_and_the_abba_report_names_mutexes_and_holders() {
    // With a spurious wakeup injected (dfs's default): the library's locks wait in loops.
    for twin in ["mutex_abba_fixed", "condvar_lost_wakeup_fixed", "mutex_wrong_unlock_fixed", "condvar_if_wait_fixed"] {
        let rel = format!("programs/bugs/{twin}.mir");
        let s = explore_file(&rel, &opts(Strategy::Dfs { bound: u32::MAX }, None));
        assert!(s.failure.is_none(), "{twin}: {:?}", s.failure.map(|f| f.report));
        assert!(s.exhaustive, "{twin}: not exhaustive ({:?})", s.stopped);
        assert!(s.runs > 1, "{twin}: only {} schedules", s.runs);
    }
    let s = explore_file("programs/bugs/mutex_abba.mir", &opts(Strategy::Dfs { bound: 2 }, Some(DFS_BUDGET)));
    let report = s.failure.expect("the ABBA deadlock").report;
    for needle in [
        "a wait cycle: `one#1`",
        "waits in `futex` for the mutex at B+0x0, held by thread `two#2`",
        "waits in `futex` for the mutex at A+0x0, held by thread `one#1`",
    ] {
        assert!(report.contains(needle), "{needle:?} not in\n{report}");
    }
}

/// The `if`-instead-of-`while` condvar bug: no interleaving shows it, only a spurious wakeup.
#[test]
fn the_condvar_if_bug_is_found_only_through_a_spurious_wakeup() {
    let bug = "programs/bugs/condvar_if_wait.mir";
    let class = "Panic: the program panicked: assertion failed: the wait returned, so the data is there";
    let off = |strategy, runs| Options { spurious_wakeups: Some(0), ..opts(strategy, runs) };
    // Without spurious wakeups: every interleaving, up to equivalence, is clean.
    let s = explore_file(bug, &off(Strategy::Dfs { bound: UNBOUNDED }, None));
    assert!(s.failure.is_none() && s.exhaustive, "{:?}", s.failure.map(|f| f.report));
    // With them (the default for dfs and pct, at most one per run): found by each, and the
    // replay string, which records the wakeup, reproduces it under `spindle run`'s defaults.
    let (p, _) = load(bug);
    for (strategy, budget) in [
        (Strategy::Dfs { bound: UNBOUNDED }, DFS_BUDGET),
        (Strategy::Dfs { bound: 2 }, DFS_BUDGET),
        (Strategy::Pct { depth: 3 }, PCT_BUDGET),
    ] {
        let s = explore_file(bug, &opts(strategy, Some(budget)));
        let f = s.failure.as_ref().unwrap_or_else(|| panic!("{strategy}: not found in {} runs", s.runs));
        assert_eq!(f.class, class, "{strategy}");
        let schedule = Schedule::parse(&f.replay).unwrap().schedule;
        assert_eq!(schedule.spurious_wakes(), 1, "{strategy}: {}", f.replay);
        let again = explore::run_one(&p, &RunConfig::default(), replay_policy(&f.replay), false, false);
        assert_eq!((again.schedule_error, explore::failure_class(&again.stop)), (None, f.class.clone()), "{strategy}: replay");
    }
    // Random injects none unless asked (its run i is `spindle run --sched random --seed i`).
    let s = explore_file(bug, &opts(Strategy::Random, Some(RANDOM_BUDGET)));
    assert!(s.failure.is_none(), "{:?}", s.failure.map(|f| f.report));
    let s = explore_file(bug, &Options { spurious_wakeups: Some(1), ..opts(Strategy::Random, Some(RANDOM_BUDGET)) });
    assert_eq!(s.failure.expect("random with spurious wakeups on").class, class);
    // The table says which wait woke spuriously.
    let (code, out, err) = spindle(&["explore", "--sched", "dfs", bug]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("call futex(c, FUTEX_WAIT_PRIVATE, seq) · futex wait woke spuriously"), "{out}");
    let (code, out, _) = spindle(&["explore", "--sched", "dfs", "--spurious-wakeups", "off", bug]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = spindle(&["explore", "--spurious-wakeups", "sometimes", bug]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("write `on`, `off` or a number N"), "{err}");
    // The twin, which waits in a loop, is clean with them.
    let s = explore_file("programs/bugs/condvar_if_wait_fixed.mir", &opts(Strategy::Dfs { bound: UNBOUNDED }, None));
    assert!(s.failure.is_none() && s.exhaustive, "{:?}", s.failure.map(|f| f.report));
}

#[test]
fn spurious_wakeups_are_bounded_per_run_and_optimal_dpor_keeps_every_outcome() {
    // `dfs:inf` with at most K spurious wakeups per run finds exactly the outcomes of every
    // interleaving with at most K (no reduction), and never a run with more than K.
    let rel = "programs/bugs/mutex_wrong_unlock.mir";
    let mut last = 0;
    for k in 0..=2 {
        // The mutex's slow path (its `futex` waits) is where spurious wakeups happen: no lock
        // waits, which skip it.
        let o = |reduction| Options {
            spurious_wakeups: Some(k),
            keep_going: true,
            reduction,
            lock_waits: false,
            ..opts(Strategy::Dfs { bound: UNBOUNDED }, None)
        };
        let red = explore_file(rel, &o(true));
        let all = explore_file(rel, &o(false));
        assert!(red.exhaustive && red.reduced && all.exhaustive, "K = {k}");
        assert_eq!(outcome_set(&red), outcome_set(&all), "K = {k}");
        assert_eq!(red.redundant, 0, "K = {k}");
        assert!(red.runs > last, "K = {k}: {} schedules, {last} with one fewer", red.runs);
        last = red.runs;
        for oc in red.outcomes.iter().chain(&all.outcomes) {
            let e = oc.example.as_ref().unwrap();
            assert!(Schedule::parse(&e.replay).unwrap().schedule.spurious_wakes() <= k as u64, "K = {k}: {}", e.replay);
        }
    }
}

/// A lock bug whose schedules are too many for bounded DFS within its budget: random and PCT
/// find it within budget, and random sweeps of the twin find nothing. `channel_stranded_sender`
/// needs `stop`'s value to be the first received, a choice at the start of a schedule, while
/// depth-first order varies the end of a schedule first: `dfs:2` does not reach it in 3 000
/// schedules. `dfs:inf` with lock waits finds it and exhausts its twin
/// (`dfs_inf_with_lock_waits_finds_the_stranded_sender_and_exhausts_its_twin`).
const LARGER_LOCK_BUGS: &[(&str, &str, &str)] =
    &[("channel_stranded_sender", "Deadlock: the evaluated program deadlocked", "channel_stranded_sender_fixed")];

#[test]
fn random_and_pct_find_the_rwlock_and_channel_bugs_and_not_in_their_twins() {
    for &(bug, class, twin) in LARGER_LOCK_BUGS {
        for (strategy, budget) in [(Strategy::Random, RANDOM_BUDGET), (Strategy::Pct { depth: 3 }, PCT_BUDGET)] {
            let s = explore_file(&format!("programs/bugs/{bug}.mir"), &opts(strategy, Some(budget)));
            let f = s.failure.as_ref().unwrap_or_else(|| panic!("{bug} with {strategy}: no failure in {} runs", s.runs));
            assert!(f.class.starts_with(class), "{bug} with {strategy}: found `{}`", f.class);
            let s = explore_file(&format!("programs/bugs/{twin}.mir"), &opts(strategy, Some(budget)));
            assert!(s.failure.is_none(), "{twin} with {strategy}: {:?}", s.failure.map(|f| f.report));
        }
    }
}

/// The twin's four threads take the channel's mutex up to seven times (three sends, up to three
/// receives, the close). Without lock waits every contended acquisition's failed
/// compare-and-swap, mark and `futex` wait fall before or after the others' unlocks, and
/// `dfs:inf` ran 3 124 624 classes in 240 s of a release build without finishing (with a mutex
/// that did not mark its word, `--sc --spurious-wakeups off`); with them a thread that finds the
/// mutex held waits for it, and the classes are the orders of the critical sections and what
/// the channel's records add (docs/explore.md, "Lock waits").
#[test]
fn dfs_inf_with_lock_waits_finds_the_stranded_sender_and_exhausts_its_twin() {
    let o = opts(Strategy::Dfs { bound: UNBOUNDED }, None);
    let rel = "programs/bugs/channel_stranded_sender.mir";
    let s = explore_file(rel, &o);
    let f = s.failure.as_ref().unwrap_or_else(|| panic!("no failure in {} schedules", s.runs));
    assert!(f.class.starts_with("Deadlock: the evaluated program deadlocked"), "found `{}`", f.class);
    assert!(s.runs <= 200, "{} schedules to the bug", s.runs);
    // The replay string records the lock waits, and reproduces the deadlock with them.
    let (p, _) = load(rel);
    assert!(f.replay.starts_with("s1l:"), "{}", f.replay);
    let again = explore::run_one(&p, &RunConfig::default(), replay_policy(&f.replay), false, false);
    assert_eq!(again.schedule_error, None, "{}", f.replay);
    assert_eq!(explore::failure_class(&again.stop), f.class, "replay {}", f.replay);
    let s = explore_file("programs/bugs/channel_stranded_sender_fixed.mir", &Options { keep_going: true, ..o });
    assert!(s.failure.is_none() && s.exhaustive && s.reduced, "{:?} {:?}", s.stopped, s.failure.map(|f| f.report));
    assert_eq!((s.runs, s.redundant), (1_543, 0));
    // Every sum the receiver can get: 13 (all three values), 11 (the 1 and the 10) and 10
    // (the 10 first: the receiver stops and closes, and `many`'s sends are refused).
    let mut sums: Vec<String> = s.outcomes.iter().map(|o| o.example.as_ref().unwrap().stdout.trim_end().to_string()).collect();
    sums.sort();
    assert_eq!(sums, ["receiver got 10", "receiver got 11", "receiver got 13"]);
}

/// Lock waits change which schedules run, not what they can do: a thread that finds the mutex
/// held waits for it instead of taking the slow path, and each acquisition is reversed with the
/// one before it (docs/explore.md, "Lock waits"). `lock_order`'s log names the order of every
/// critical section, so its outcomes are exactly the orders: two threads' two sections each (6
/// orders), with the trylock's section in any of 5 places or missing (36 logs). In
/// `lock_shared_word` a condvar shares the mutex's 8-byte word: an acquisition is reversed with
/// the one that took the same 32-bit word from the same value, not with the condvar's writes
/// beside it (reversing with those named threads that could not run there). Both find the
/// outcomes of the slow path's exploration, in far fewer schedules.
#[test]
fn lock_waits_keep_every_outcome() {
    let o = |lock_waits| Options {
        keep_going: true,
        lock_waits,
        spurious_wakeups: Some(0),
        config: RunConfig { weak_memory: false, ..opts(Strategy::Dfs { bound: UNBOUNDED }, None).config },
        ..opts(Strategy::Dfs { bound: UNBOUNDED }, None)
    };
    // Every order of "11" and "22" (as sequences of sections), with "3" inserted anywhere or not.
    let mut logs = std::collections::BTreeSet::new();
    for order in ["1122", "1212", "1221", "2112", "2121", "2211"] {
        logs.insert(format!("log {order}"));
        for at in 0..=4 {
            logs.insert(format!("log {}3{}", &order[..at], &order[at..]));
        }
    }
    let s = explore_file("programs/sync/lock_order.mir", &o(true));
    assert!(s.failure.is_none() && s.exhaustive && s.reduced, "{:?}", s.stopped);
    let got: std::collections::BTreeSet<String> =
        s.outcomes.iter().map(|o| o.example.as_ref().unwrap().stdout.trim_end().to_string()).collect();
    assert_eq!(got, logs);
    assert_eq!(s.runs, 54, "lock_order: schedules with lock waits (78 566 without)");
    let on = explore_file("programs/sync/lock_shared_word.mir", &o(true));
    let off = explore_file("programs/sync/lock_shared_word.mir", &o(false));
    assert!(on.failure.is_none() && on.exhaustive && off.failure.is_none() && off.exhaustive, "{:?} {:?}", on.stopped, off.stopped);
    assert_eq!(outcome_set(&on), outcome_set(&off));
    assert_eq!(on.outcomes.len(), 5);
    assert_eq!((on.runs, off.runs), (39, 3_088));
}

#[test]
fn dfs_with_one_preemption_finds_the_rwlock_upgrade_bug_within_its_budget() {
    let (bug, class, _) = BUGS.iter().copied().find(|b| b.0 == "rwlock_upgrade").unwrap();
    let s = explore_file(&format!("programs/bugs/{bug}.mir"), &opts(Strategy::Dfs { bound: 1 }, Some(DFS_BUDGET)));
    let f = s.failure.unwrap_or_else(|| panic!("{bug} with dfs:1: no failure in {} runs", s.runs));
    assert!(f.class.starts_with(class), "found `{}`", f.class);
    assert_eq!(f.preemptions, 1, "{}", f.replay);
}

#[test]
fn the_epoll_exclusive_twin_is_clean_in_every_interleaving() {
    // Bound 1000, i.e. none: every interleaving of the scheduling points (2 639 schedules), in
    // about a third of which a worker's wakeup finds its job taken and it waits again.
    let rel = "programs/bugs/epoll_exclusive_fixed.mir";
    let s = explore_file(rel, &opts(Strategy::Dfs { bound: 1000 }, None));
    assert!(s.failure.is_none(), "{:?}", s.failure.map(|f| f.report));
    assert!(s.exhaustive, "not exhaustive ({:?})", s.stopped);
    assert!(s.runs > 1000, "only {} schedules", s.runs);
    // The same without the retry fails: the bug needs two preemptions.
    let bug = explore_file("programs/bugs/epoll_exclusive.mir", &opts(Strategy::Dfs { bound: 1 }, None));
    assert!(bug.failure.is_none() && bug.exhaustive, "one preemption is not enough");
    let bug = explore_file("programs/bugs/epoll_exclusive.mir", &opts(Strategy::Dfs { bound: 2 }, None));
    let f = bug.failure.expect("two preemptions are");
    assert_eq!(f.preemptions, 2, "{}", f.replay);
}

#[test]
fn every_bug_programs_default_run_passes_and_its_twin_too() {
    // The snapshot corpus pins these; here the point is that the bugs hide from the default
    // scheduler, so that finding them needs exploration.
    for &(bug, _, twin) in BUGS {
        for name in [bug, twin] {
            let (p, _) = load(&format!("programs/bugs/{name}.mir"));
            assert_eq!(p.run(RunConfig::default()).exit_code, 0, "{name}");
        }
    }
}

// ---- DFS -----------------------------------------------------------------------------------

#[test]
fn dfs_counts_grow_with_the_preemption_bound_and_are_exhaustive() {
    let mut last = 0;
    for bound in 0..=3 {
        let s = explore_file("programs/bugs/lost_update_fixed.mir", &opts(Strategy::Dfs { bound }, None));
        assert!(s.exhaustive && s.failure.is_none());
        assert!(s.runs >= last, "bound {bound}: {} < {last}", s.runs);
        last = s.runs;
    }
    assert!(last > 10);
}

#[test]
fn dfs_respects_the_run_limit_and_says_it_is_not_exhaustive() {
    let s = explore_file("programs/bugs/double_checked_init_fixed.mir", &opts(Strategy::Dfs { bound: 3 }, Some(10)));
    assert_eq!(s.runs, 10);
    assert!(!s.exhaustive);
    assert_eq!(s.stopped.as_deref(), Some("run limit"));
}

// ---- determinism of the report ---------------------------------------------------------

fn stable(s: &Summary) -> String {
    s.render().lines().filter(|l| !l.starts_with("runs:") && !l.starts_with("explored every")).collect::<Vec<_>>().join("\n")
        + &format!("\nruns {} exhaustive {}", s.runs, s.exhaustive)
}

#[test]
fn explore_reports_the_same_whatever_the_number_of_jobs() {
    for (rel, strategy) in [
        ("programs/bugs/lost_update.mir", Strategy::Dfs { bound: 2 }),
        ("programs/bugs/missed_wakeup.mir", Strategy::Random),
        ("programs/bugs/double_checked_init.mir", Strategy::Pct { depth: 3 }),
        ("programs/bugs/abba_deadlock_fixed.mir", Strategy::Dfs { bound: 2 }),
        // A big tree cut by the run limit: the first 300 in depth-first order, whoever runs them.
        ("programs/races/spinlock_ok.mir", Strategy::Dfs { bound: 2 }),
    ] {
        let mut reports = Vec::new();
        for jobs in [1, 2, 4] {
            let o = Options { strategy, runs: Some(300), jobs, minimize: true, ..Options::default() };
            reports.push(stable(&explore_file(rel, &o)));
        }
        assert_eq!(reports[0], reports[1], "{rel}");
        assert_eq!(reports[0], reports[2], "{rel}");
    }
}

// ---- minimisation --------------------------------------------------------------------------

#[test]
fn minimisation_shrinks_the_schedule_and_keeps_the_failure() {
    let rel = "programs/bugs/abba_deadlock.mir";
    let o = Options { strategy: Strategy::Random, runs: Some(100), jobs: 2, ..Options::default() };
    let s = explore_file(rel, &o);
    let f = s.failure.expect("found");
    let m = f.minimal.as_ref().expect("minimised");
    assert!(m.switches_after <= m.switches_before);
    assert!(m.preemptions <= f.preemptions, "{} > {}", m.preemptions, f.preemptions);
    assert!(m.preemptions <= 2, "an ABBA deadlock needs at most two preemptions, got {}", m.preemptions);
    let (p, _) = load(rel);
    let again = explore::run_one(&p, &RunConfig::default(), replay_policy(&m.replay), false, false);
    assert_eq!(explore::failure_class(&again.stop), f.class);
    // The table has a column per thread and marks the failing step.
    let header = m.table.lines().next().unwrap();
    assert!(header.contains("one#1") && header.contains("two#2"), "{}", m.table);
    assert!(m.table.contains("✗ panics"), "{}", m.table);
}

#[test]
fn the_table_marks_both_accesses_of_a_race_and_every_deadlocked_thread() {
    let o = Options { strategy: Strategy::Dfs { bound: 2 }, jobs: 1, ..Options::default() };
    let race = explore_file("programs/bugs/mp_no_release.mir", &o).failure.unwrap().minimal.unwrap().table;
    assert!(race.contains("✗ (1)") && race.contains("✗ (2)"), "{race}");
    // (1), the writer's plain store, is listed where it happened: before the writer's relaxed
    // store of the flag and its return, as the trace orders them, not after them.
    let row = |needle: &str| race.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {race}"));
    assert!(row("✗ (1)") < row("atomic_store.relaxed"), "{race}");
    assert!(row("✗ (1)") < row("(returns)"), "{race}");
    let dl = explore_file("programs/bugs/missed_wakeup.mir", &o).failure.unwrap().minimal.unwrap().table;
    assert_eq!(dl.matches("✗ blocked").count(), 2, "{dl}");
}

// ---- --check-determinism -----------------------------------------------------------------

#[test]
fn check_determinism_finds_no_difference_in_the_corpus() {
    for &(bug, _, twin) in BUGS {
        for name in [bug, twin] {
            let rel = format!("programs/bugs/{name}.mir");
            let o = Options {
                strategy: Strategy::Random,
                runs: Some(20),
                check_determinism: true,
                minimize: false,
                jobs: 2,
                ..Options::default()
            };
            let s = explore_file(&rel, &o);
            if let Some(f) = &s.failure {
                assert_eq!(f.nondeterminism, None, "{name}");
            }
        }
    }
    let (code, out, err) =
        spindle(&["explore", "--check-determinism", "--runs", "30", "--sched", "dfs", "programs/bugs/use_after_free_fixed.mir"]);
    assert_eq!(code, 0, "{out}{err}");
}

// ---- sharding ------------------------------------------------------------------------------

#[test]
fn shards_cover_the_space_and_merge_to_the_whole() {
    let rel = "programs/bugs/double_checked_init_fixed.mir";
    let whole = explore_file(rel, &opts(Strategy::Dfs { bound: 2 }, None));
    let parts: Vec<Summary> =
        (1..=3).map(|k| explore_file(rel, &Options { shard: (k, 3), ..opts(Strategy::Dfs { bound: 2 }, None) })).collect();
    // Each part goes through JSON, as between CI jobs.
    let parts: Vec<Summary> = parts.iter().map(|p| Summary::from_json(&p.to_json()).unwrap()).collect();
    let merged = explore::merge(parts.clone()).unwrap();
    assert_eq!(merged.runs, whole.runs);
    assert!(merged.exhaustive);
    assert_eq!(merged.outcomes, whole.outcomes);
    // A missing shard means not exhaustive.
    let partial = explore::merge(parts[..2].to_vec()).unwrap();
    assert!(!partial.exhaustive);

    // Random: the run indices are split, so the shards add up to the whole.
    let r: Vec<Summary> = (1..=2).map(|k| explore_file(rel, &Options { shard: (k, 2), ..opts(Strategy::Random, Some(101)) })).collect();
    assert_eq!(r[0].runs + r[1].runs, 101);
    assert_eq!(explore::merge(r).unwrap().runs, 101);
}

#[test]
fn merge_through_the_command_line() {
    let dir = std::env::temp_dir().join(format!("spindle-explore-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let (code, out, err) = spindle(&["explore", "--sched", "dfs:2", "--shard", &shard, "--json", "programs/bugs/lost_update.mir"]);
        assert!(code == 0 || code == 1, "{err}");
        let f = dir.join(format!("s{k}.json"));
        std::fs::write(&f, out).unwrap();
        files.push(f.to_str().unwrap().to_string());
    }
    let mut args = vec!["explore", "--merge"];
    args.extend(files.iter().map(|s| s.as_str()));
    let (code, out, err) = spindle(&args);
    assert_eq!(code, 1, "the merged summary has the failure: {out}{err}");
    assert!(out.contains("2 shards merged") && out.contains("first failure"), "{out}");
    // Merging a summary with itself, or garbage, is an error.
    let (code, _, err) = spindle(&["explore", "--merge", &files[0], &files[0]]);
    assert_eq!(code, 2, "{err}");
    std::fs::write(dir.join("bad.json"), "{\"x\": 1}").unwrap();
    let (code, _, err) = spindle(&["explore", "--merge", dir.join("bad.json").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the command line ----------------------------------------------------------------------

#[test]
fn bad_explore_arguments_are_clear_errors() {
    let prog = "programs/bugs/lost_update.mir";
    for (args, want) in [
        (vec!["--runs", "0"], "--runs 0"),
        (vec!["--jobs", "0"], "--jobs 0"),
        (vec!["--sched", "fifo"], "is not a scheduler"),
        (vec!["--sched", "pct:0"], "the depth"),
        (vec!["--sched", "dfs:x"], "the preemption bound"),
        (vec!["--sched", "dfs:infinity"], "or `inf`"),
        (vec!["--sched", "dfs:-1"], "or `inf`"),
        (vec!["--sched", "dfs:inf:2"], "or `inf`"),
        (vec!["--sched", "random:3"], "is not a scheduler"),
        (vec!["--shard", "3/2"], "is not a shard"),
        (vec!["--shard", "0/2"], "is not a shard"),
        (vec!["--time", "soon"], "is not a time limit"),
    ] {
        let mut a = vec!["explore"];
        a.extend(args.iter().copied());
        a.push(prog);
        let (code, _, err) = spindle(&a);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: expected `{want}` in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = spindle(&["explore", "programs/errors/missing_main.mir"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = spindle(&["explore", "/nonexistent.mir"]);
    assert_eq!(code, 2);
}

#[test]
fn explore_prints_no_progress_when_piped_and_exits_0_when_clean() {
    let (code, out, err) = spindle(&["explore", "--runs", "50", "programs/bugs/lost_update_fixed.mir"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "no progress output when stderr is not a terminal");
    assert!(out.contains("runs: 50") && out.contains("no failure found"), "{out}");
    let (code, out, _) = spindle(&["explore", "--sched", "dfs", "programs/bugs/lost_update_fixed.mir"]);
    assert_eq!(code, 0);
    assert!(out.contains("explored every schedule within the bound"), "{out}");
}

// ---- partial-order reduction (`dfs:inf`) -------------------------------------------------------

/// Unbounded DFS that does not stop at failures, with or without the reduction.
fn everything(reduction: bool) -> Options {
    Options { reduction, keep_going: true, ..opts(Strategy::Dfs { bound: UNBOUNDED }, None) }
}

/// The distinct outcomes (exit code, digest of the output and failure title) and failure kinds.
fn outcome_set(s: &Summary) -> Vec<(i32, u64)> {
    let mut v: Vec<(i32, u64)> = s.outcomes.iter().map(|o| (o.exit_code, o.digest)).collect();
    v.sort();
    v
}

#[test]
fn reduced_dfs_finds_the_same_outcomes_as_every_interleaving() {
    // Every bug program but the ABBA deadlock (its spin loops make the unbounded tree too big
    // for a test) and double_checked_init (480 000 interleavings; reduced: 1 415), and a
    // selection of multi-threaded programs: memory, races, time, fds, epoll.
    let mut fewer = Vec::new();
    for rel in [
        "programs/bugs/lost_update.mir",
        "programs/bugs/lost_update_fixed.mir",
        "programs/bugs/mp_no_release.mir",
        "programs/bugs/mp_no_release_fixed.mir",
        "programs/bugs/missed_wakeup.mir",
        "programs/bugs/missed_wakeup_fixed.mir",
        "programs/bugs/use_after_free.mir",
        "programs/bugs/use_after_free_fixed.mir",
        "programs/bugs/abba_deadlock_fixed.mir",
        "programs/bugs/epoll_exclusive.mir",
        "programs/threads/atomic_message_passing.mir",
        "programs/threads/deadlock_join_cycle.mir",
        "programs/threads/exit_from_thread.mir",
        "programs/threads/main_returns_early.mir",
        "programs/threads/nested_spawn.mir",
        "programs/threads/sleep_order.mir",
        "programs/threads/thread_panic.mir",
        "programs/races/atomic_and_plain_reads_ok.mir",
        "programs/races/fences_ok.mir",
        "programs/races/free_after_join_ok.mir",
        "programs/races/join_wrong_thread_race.mir",
        "programs/races/local_array_scope_race.mir",
        "programs/races/mixed_size_atomics_race.mir",
        "programs/races/mp_seq_cst_ok.mir",
        "programs/races/seqlock_wrong_race.mir",
        "programs/races/shared_readers_then_write_race.mir",
        "programs/races/two_writers_race.mir",
        "programs/races/nanosleep_reads_timespec_race.mir",
        "programs/fds/socketpair_blocking_write.mir",
        "programs/epoll/unblocked_after_socketpair_close.mir --const MODE=0",
        "programs/epoll/notification_after_timeout.mir --const MODE=0",
        "programs/epoll/data_race_lt.mir",
    ] {
        let all = explore_file(rel, &everything(false));
        let red = explore_file(rel, &everything(true));
        assert!(all.exhaustive && red.exhaustive, "{rel}: not exhaustive ({:?} / {:?})", all.stopped, red.stopped);
        assert!(red.reduced && !all.reduced);
        assert_eq!(outcome_set(&red), outcome_set(&all), "{rel}: {:?} vs {:?}", red.outcomes, all.outcomes);
        assert_eq!(red.failure.is_some(), all.failure.is_some(), "{rel}");
        assert!(red.runs <= all.runs, "{rel}: {} > {}", red.runs, all.runs);
        if red.runs < all.runs {
            fewer.push(rel);
        }
    }
    assert!(fewer.contains(&"programs/bugs/lost_update.mir"), "{fewer:?}");
    assert!(fewer.len() >= 10, "{fewer:?}");
    // Interleavings only (`--sc`): with weak memory, the second load may also read the initial
    // value after the first store, which adds store choices to the tree.
    let mut sc = everything(true);
    sc.config.weak_memory = false;
    let lost = explore_file("programs/bugs/lost_update.mir", &sc);
    assert!(lost.runs <= 40, "lost_update: {} schedules up to equivalence (379 interleavings)", lost.runs);
}

#[test]
fn reduced_dfs_finds_every_bug_and_proves_every_twin_clean() {
    let o = opts(Strategy::Dfs { bound: UNBOUNDED }, None);
    for &(bug, class, twin) in BUGS {
        let rel = format!("programs/bugs/{bug}.mir");
        let s = explore_file(&rel, &o);
        let f = s.failure.as_ref().unwrap_or_else(|| panic!("{bug}: no failure in {} schedules", s.runs));
        assert!(f.class.starts_with(class), "{bug}: found `{}`", f.class);
        // Its replay string (and the minimised one) reproduce it without the reduction.
        let (p, _) = load(&rel);
        for replay in [Some(&f.replay), f.minimal.as_ref().map(|m| &m.replay)].into_iter().flatten() {
            let again = explore::run_one(&p, &RunConfig::default(), replay_policy(replay), false, false);
            assert_eq!(again.schedule_error, None, "{bug}: {replay}");
            assert_eq!(explore::failure_class(&again.stop), f.class, "{bug}: replay {replay}");
        }
        let rel = format!("programs/bugs/{twin}.mir");
        let s = explore_file(&rel, &o);
        assert!(s.failure.is_none(), "{twin}: {:?}", s.failure.map(|f| f.report));
        assert!(s.exhaustive && s.reduced, "{twin}: not exhaustive ({:?})", s.stopped);
        assert!(s.render().contains("explored every schedule up to equivalence"), "{}", s.render());
    }
}

/// With the defaults (weak memory, a spurious wakeup per run), the lock twins are small under
/// `dfs:inf`: the futex footprint names the word's wait queue apart from its memory (a wake
/// commutes with the lock's atomics), a failed compare-and-swap only reads, and the rwlock's
/// fast paths are one compare-and-swap. Before those, `rwlock_upgrade_fixed` took 147 904
/// schedules and `condvar_if_wait_fixed` 1 743. (`rwlock_upgrade_fixed` reads older stores:
/// optimal DPOR branches on them, with no redundant run; the sleep-set fallback it had before
/// ran the same 2 234 schedules and cut 13 081 runs short.) With lock waits (the default) the
/// mutex twins are the orders of their critical sections and condvar waits: 6, 6, 2 and 2
/// schedules, against 234, 234, 14 and 14 down the mutex's slow path (`--lock-waits off`).
#[test]
fn the_lock_twins_are_small_under_dfs_inf_with_weak_memory_and_spurious_wakeups() {
    for (twin, at_most) in [
        ("rwlock_upgrade_fixed", 2_300),
        ("condvar_if_wait_fixed", 8),
        ("condvar_lost_wakeup_fixed", 8),
        ("mutex_abba_fixed", 4),
        ("mutex_wrong_unlock_fixed", 4),
    ] {
        let s = explore_file(&format!("programs/bugs/{twin}.mir"), &opts(Strategy::Dfs { bound: UNBOUNDED }, None));
        assert!(s.failure.is_none() && s.exhaustive && s.reduced, "{twin}: {:?} {:?}", s.stopped, s.failure.map(|f| f.report));
        assert!(s.runs > 1 && s.runs <= at_most, "{twin}: {} schedules up to equivalence", s.runs);
    }
    // The bug that only weak memory shows is found by `dfs:inf` through a stale read, which
    // its replay string records.
    let s = explore_file("programs/bugs/stale_data.mir", &opts(Strategy::Dfs { bound: UNBOUNDED }, None));
    let f = s.failure.expect("stale_data under dfs:inf");
    assert!(s.reduced && Schedule::parse(&f.replay).unwrap().schedule.stale_reads() >= 1, "{}", f.replay);
}

/// The standard library's locks are clean in every schedule up to equivalence, with weak memory
/// and a spurious wakeup per run (the defaults): `programs/sync/*` in variants small enough to
/// exhaust (`--const`; at full size the classes are far too many: three threads taking a mutex
/// 20 times each take it in 60!/(20!)³ orders alone). The counts are exact (optimal DPOR is
/// sequential, so they do not move with `--jobs`): a change in the reduction shows here. Each is
/// explored with lock waits (the default) and, where it finishes, without them, down the
/// mutex's slow path (which the lock waits skip, so it is checked here). Without lock waits the
/// channel with one producer of one value went from over 39 000 classes unfinished to 3 886 by
/// handing values to waiting threads and by waits that read their word once; two producers did
/// not finish (docs/explore.md, "What a lock costs"). The rwlock and the barrier take no mutex.
#[test]
fn the_sync_programs_are_clean_in_every_schedule_of_dfs_inf() {
    for (rel, with, without) in [
        ("programs/sync/mutex_counter.mir --const ROUNDS=1", 6, Some(5_862)),
        ("programs/sync/rwlock.mir --const WRITES=2 --const READS=1 --const READS2=0", 233, Some(233)),
        ("programs/sync/barrier_once.mir --const PARTIES=2", 3_200, Some(3_200)),
        // One producer of one value, its consumer and main's close, through room for one.
        ("programs/sync/channel.mir --const PRODUCERS=1 --const VALUES=1 --const CAP=1", 73, Some(3_886)),
        ("programs/sync/channel.mir --const PRODUCERS=2 --const VALUES=1 --const CAP=1", 1_106, None),
    ] {
        let (file, consts) = rel.split_once(" --const ").unwrap();
        let text = std::fs::read_to_string(path(file)).unwrap();
        for (lock_waits, classes) in [(true, Some(with)), (false, without)] {
            let Some(classes) = classes else { continue };
            let o = Options {
                consts: consts.split(" --const ").map(|c| spindle::LoadOptions::parse_const(c).unwrap()).collect(),
                lock_waits,
                ..opts(Strategy::Dfs { bound: UNBOUNDED }, None)
            };
            let s = explore::explore(file, &text, &o).unwrap();
            assert!(s.failure.is_none(), "{rel} (lock waits {lock_waits}): {:?}", s.failure.map(|f| f.report));
            assert!(s.exhaustive && s.reduced, "{rel} (lock waits {lock_waits}): not exhaustive ({:?})", s.stopped);
            assert_eq!((s.runs, s.redundant), (classes, 0), "{rel} (lock waits {lock_waits}): schedules up to equivalence, redundant runs");
            assert!(s.outcomes.iter().all(|o| o.exit_code == 0), "{rel}");
        }
    }
}

#[test]
fn reduced_dfs_is_the_same_whatever_the_jobs_and_shards() {
    let rel = "programs/bugs/double_checked_init_fixed.mir";
    let one = explore_file(rel, &Options { jobs: 1, ..everything(true) });
    let two = explore_file(rel, &Options { jobs: 2, ..everything(true) });
    assert_eq!((one.runs, one.redundant, &one.outcomes), (two.runs, two.redundant, &two.outcomes));
    let parts: Vec<Summary> = (1..=3)
        .map(|k| explore_file(rel, &Options { shard: (k, 3), ..everything(true) }))
        .map(|p| Summary::from_json(&p.to_json()).unwrap())
        .collect();
    let merged = explore::merge(parts).unwrap();
    assert!(merged.exhaustive && merged.reduced);
    // Shards split the tree and reduce with sleep sets, which run more schedules than optimal
    // DPOR (one per class): the same outcomes, never fewer schedules.
    assert_eq!(outcome_set(&merged), outcome_set(&one));
    assert!(merged.runs >= one.runs, "{} < {}", merged.runs, one.runs);
    let two_shards: Vec<Summary> = (1..=3).map(|k| explore_file(rel, &Options { shard: (k, 3), jobs: 1, ..everything(true) })).collect();
    assert_eq!(explore::merge(two_shards).unwrap().runs, merged.runs, "sleep-set shards are the same whatever the jobs");
    // A failure found with the reduction and more jobs is the same one.
    let bug = "programs/bugs/missed_wakeup.mir";
    let a = explore_file(bug, &Options { jobs: 1, ..opts(Strategy::Dfs { bound: UNBOUNDED }, None) });
    let b = explore_file(bug, &Options { jobs: 2, ..opts(Strategy::Dfs { bound: UNBOUNDED }, None) });
    assert_eq!(stable(&a), stable(&b));
}

#[test]
fn dfs_inf_on_the_command_line() {
    let prog = "programs/bugs/lost_update_fixed.mir";
    let (code, out, err) = spindle(&["explore", "--sched", "dfs:inf", prog]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("with dfs:inf\n") && out.contains("explored every schedule up to equivalence: 2 schedules"), "{out}");
    let (code, out, err) = spindle(&["explore", "--sched", "dfs:unbounded", "--no-reduction", prog]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dfs:inf (no reduction)") && out.contains("explored every schedule: 71 schedules"), "{out}");
    // Bounded DFS never reduces.
    let (_, out, _) = spindle(&["explore", "--sched", "dfs:1000", "--jobs", "1", prog]);
    assert!(out.contains("within the bound: 71 schedules"), "{out}");
    // --keep-going counts every outcome; the exit status still says a failure was found.
    // (Interleavings only: `--sc`. With weak memory the loads also choose among stores.)
    let (code, out, _) =
        spindle(&["explore", "--sched", "dfs:inf", "--keep-going", "--no-minimize", "--sc", "programs/bugs/lost_update.mir"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("up to equivalence: 4 schedules") && out.contains("first failure"), "{out}");
}

// ---- optimal DPOR: one schedule per class ------------------------------------------------------

/// Explores a generated program exhaustively with `dfs:inf` (reduced or not).
fn explore_text(name: &str, text: &str, reduction: bool) -> Summary {
    let o = Options { jobs: 1, ..everything(reduction) };
    let s = explore::explore(name, text, &o).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    assert!(s.exhaustive, "{name}: not exhaustive ({:?})", s.stopped);
    s
}

/// `n` threads, each doing `k` relaxed `fetch_add`s; on one counter (`shared`) or each on its
/// own. main spawns them all, then joins them all.
fn rmw_program(n: usize, k: usize, shared: bool) -> String {
    let mut p = format!("static C: [u64; {n}];\nfn main() -> i64 {{\n");
    for i in 0..n {
        p += &format!("    let t{i}: i64;\n");
    }
    for i in 0..n {
        p += &format!("    bb{i}: {{ t{i} = call spawn(w, {}) -> bb{}; }}\n", if shared { 0 } else { 8 * i }, i + 1);
    }
    for i in 0..n {
        p += &format!("    bb{}: {{ call join(t{i}) -> bb{}; }}\n", n + i, n + i + 1);
    }
    p += &format!("    bb{}: {{ return 0; }}\n}}\n", 2 * n);
    p += "fn w(off: i64) {\n    let v: u64;\n    bb0: {\n";
    for _ in 0..k {
        p += "        v = atomic_rmw.add.relaxed.u64 &C + off, 1;\n";
    }
    p += "        return;\n    }\n}\n";
    p
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

#[test]
fn independent_threads_are_one_class() {
    for n in 1..=4 {
        for k in 1..=3 {
            let s = explore_text(&format!("independent_{n}x{k}.mir"), &rmw_program(n, k, false), true);
            assert_eq!((s.runs, s.redundant), (1, 0), "{n} threads x {k} RMWs on their own counters");
        }
    }
}

#[test]
fn rmws_on_one_counter_run_the_multinomial_number_of_classes() {
    // (n·k)! / (k!)^n orders of the n·k dependent RMWs, each thread's in program order.
    for (n, k) in [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (2, 4)] {
        let classes = factorial((n * k) as u64) / factorial(k as u64).pow(n as u32);
        let s = explore_text(&format!("shared_{n}x{k}.mir"), &rmw_program(n, k, true), true);
        assert_eq!((s.runs, s.redundant), (classes, 0), "{n} threads x {k} RMWs on one counter");
    }
    // Without the reduction, every interleaving of the scheduling points runs.
    let all = explore_text("shared_2x2.mir", &rmw_program(2, 2, true), false);
    assert!(all.runs > 6, "{}", all.runs);
}

/// A writer and `n` readers of one pipe: each reader reads one byte, which main prints; the writer
/// writes `n` bytes in one call. Or, with `own_pipes`, `n` writers each writing to a pipe of
/// its own.
fn pipe_program(n: usize, own_pipes: bool) -> String {
    let mut p = format!("static P: [i32; {}];\nstatic GOT: [u64; {n}];\n", 2 * n);
    p += "fn main() -> i64 {\n    let r: i64;\n    let v: u8;\n";
    for i in 0..=n {
        p += &format!("    let t{i}: i64;\n");
    }
    let mut b = 0;
    let pipes = if own_pipes { n } else { 1 };
    for i in 0..pipes {
        p += &format!("    bb{b}: {{ r = call pipe(&P + {}) -> bb{}; }}\n", 8 * i, b + 1);
        b += 1;
    }
    for i in 0..n {
        let f = if own_pipes { "writer" } else { "reader" };
        p += &format!("    bb{b}: {{ t{i} = call spawn({f}, {i}) -> bb{}; }}\n", b + 1);
        b += 1;
    }
    let joined = if own_pipes {
        n
    } else {
        p += &format!("    bb{b}: {{ t{n} = call spawn(writer, {n}) -> bb{}; }}\n", b + 1);
        b += 1;
        n + 1
    };
    for i in 0..joined {
        p += &format!("    bb{b}: {{ call join(t{i}) -> bb{}; }}\n", b + 1);
        b += 1;
    }
    p += &format!("    bb{b}: {{\n");
    for i in 0..n {
        p += &format!("        v = load.u8 &GOT + {};\n        println \"reader {i} got {{}}\", v;\n", 8 * i);
    }
    p += "        return 0;\n    }\n}\n";
    p += "fn reader(i: i64) {\n    let fd: i32;\n    let r: i64;\n";
    p += "    bb0: { fd = load.i32 &P; r = call read(fd, &GOT + 8 * i, 1) -> bb1; }\n";
    p += "    bb1: { return; }\n}\n";
    let (fd_of, count) = if own_pipes { ("&P + 8 * i + 4", 1) } else { ("&P + 4", n) };
    p += &format!(
        "fn writer(i: i64) {{\n    let fd: i32;\n    let r: i64;\n    bb0: {{ fd = load.i32 {fd_of}; r = call write(fd, \"abcdefgh\", {count}) -> bb1; }}\n    bb1: {{ return; }}\n}}\n"
    );
    p
}

#[test]
fn a_writer_and_readers_of_one_pipe_run_every_order_of_their_calls() {
    // The writer's call and the n readers' calls all touch the pipe: (n + 1)! orders. A reader
    // that blocks before the write and one that reads after it are two classes (docs/explore.md:
    // a blocked call is a step).
    for n in 1..=3 {
        let text = pipe_program(n, false);
        let s = explore_text(&format!("pipe_{n}_readers.mir"), &text, true);
        assert_eq!((s.runs, s.redundant), (factorial(n as u64 + 1), 0), "a writer and {n} readers\n{text}");
        // Who got which byte: every assignment of the n bytes to the n readers.
        assert_eq!(s.outcomes.len() as u64, factorial(n as u64), "{:?}", s.outcomes);
        if n <= 2 {
            assert_eq!(outcome_set(&s), outcome_set(&explore_text("pipe.mir", &text, false)));
        }
    }
    // Writes to different pipes are independent.
    for n in 1..=4 {
        let s = explore_text(&format!("pipe_{n}_writers.mir"), &pipe_program(n, true), true);
        assert_eq!((s.runs, s.redundant), (1, 0), "{n} writers to their own pipes");
    }
}

/// Every multi-threaded program in `programs/` whose interleavings can be enumerated: at most
/// `LIMIT` schedules without reduction, and at most `MAX_POINTS` scheduling points in its
/// default schedule (a longer one is not enumerable either, and too slow to find out).
fn enumerable_programs() -> Vec<(String, Summary)> {
    const LIMIT: u64 = 100;
    const MAX_POINTS: u64 = 300;
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(ROOT).join("programs")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "mir") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        // (The corpus has a non-UTF-8 program, for the bad-input tests.)
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        if !text.contains("spawn(") {
            continue;
        }
        let rel = f.strip_prefix(ROOT).unwrap().to_str().unwrap().to_string();
        let Ok(p) = Program::from_source(&rel, text.clone()) else { continue };
        let probe = explore::run_one(&p, &RunConfig::default(), Policy::Directed(Arc::new(Vec::new())), false, false);
        if probe.picks > MAX_POINTS {
            continue;
        }
        let o = Options { runs: Some(LIMIT), ..everything(false) };
        let Ok(all) = explore::explore(&rel, &text, &o) else { continue };
        if all.exhaustive {
            out.push((rel, all));
        }
    }
    out
}

#[test]
fn optimal_dpor_finds_the_same_outcomes_as_every_interleaving_in_every_enumerable_program() {
    let progs = enumerable_programs();
    assert!(progs.len() >= 100, "only {} enumerable programs", progs.len());
    let (mut runs_all, mut runs_red) = (0, 0);
    for (rel, all) in &progs {
        let red = explore_file(rel, &everything(true));
        assert!(red.exhaustive && red.reduced, "{rel}: not exhaustive ({:?})", red.stopped);
        assert_eq!(outcome_set(&red), outcome_set(all), "{rel}: {:?} vs {:?}", red.outcomes, all.outcomes);
        assert!(red.runs <= all.runs, "{rel}: {} > {}", red.runs, all.runs);
        runs_all += all.runs;
        runs_red += red.runs;
    }
    eprintln!("{} enumerable programs: {runs_red} schedules with optimal DPOR, {runs_all} without reduction", progs.len());
    assert!(runs_red < runs_all, "{runs_red} reduced schedules vs {runs_all}");
}

// ---- every outcome's example -----------------------------------------------------------------

#[test]
fn every_outcome_has_a_replay_string_that_reproduces_it() {
    for (rel, strategy) in [
        ("programs/bugs/lost_update.mir", Strategy::Random),
        ("programs/bugs/double_checked_init.mir", Strategy::Pct { depth: 3 }),
        ("programs/bugs/lost_update.mir", Strategy::Dfs { bound: 2 }),
        ("programs/litmus/sb_relaxed.mir", Strategy::Dfs { bound: UNBOUNDED }),
        ("programs/litmus/sb_relaxed.mir", Strategy::Random),
    ] {
        let o = Options { keep_going: true, ..opts(strategy, Some(200)) };
        let s = explore_file(rel, &o);
        assert!(s.outcomes.len() >= 2, "{rel} {strategy}: {:?}", s.outcomes);
        let (p, _) = load(rel);
        for oc in &s.outcomes {
            let e = oc.example.as_ref().unwrap_or_else(|| panic!("{rel} {strategy}: no example for {oc:?}"));
            let single = explore::run_one(&p, &o.config, replay_policy(&e.replay), false, false);
            assert_eq!(single.schedule_error, None, "{rel} {strategy}: {}", e.replay);
            assert_eq!(single.outcome_key(), (oc.exit_code, oc.digest), "{rel} {strategy}: {} replays another outcome", e.replay);
            assert_eq!(e.stdout, String::from_utf8_lossy(&single.stdout), "{rel} {strategy}");
        }
    }
}

#[test]
fn examples_are_the_first_runs_whatever_the_split() {
    // Random shards number their runs over the whole exploration, so the merge keeps the same
    // examples as one exploration of every run.
    let rel = "programs/litmus/sb_relaxed.mir";
    let o = |shard| Options { shard, keep_going: true, ..opts(Strategy::Random, Some(101)) };
    let whole = explore_file(rel, &o((1, 1)));
    let parts: Vec<Summary> = (1..=3).map(|k| explore_file(rel, &o((k, 3)))).map(|p| Summary::from_json(&p.to_json()).unwrap()).collect();
    let merged = explore::merge(parts).unwrap();
    assert_eq!(merged.outcomes, whole.outcomes);
    assert!(whole.outcomes.iter().all(|o| o.example.is_some()));
}

#[test]
fn the_report_gives_every_outcome_a_replay_command_and_where_it_differs() {
    let rel = "programs/litmus/sb_relaxed.mir";
    let (code, out, err) = spindle(&["explore", "--sched", "dfs:inf", "--keep-going", rel]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    let outcomes: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(" × exit ")).collect();
    assert_eq!(outcomes.len(), 4, "{out}");
    for (n, &i) in outcomes.iter().enumerate() {
        // The most common outcome has no difference line; every other one says where its
        // output differs from it, marked `≠`.
        let replay_line = if n == 0 { lines[i + 1] } else { lines[i + 2] };
        if n > 0 {
            assert!(lines[i + 1].trim_start().starts_with("stdout line 1, column "), "{out}");
            assert!(lines[i + 1].contains(" ≠ ") && lines[i + 1].ends_with("in the most common outcome"), "{out}");
        }
        // The printed command reproduces the outcome's output.
        let cmd = replay_line.trim_start().strip_prefix("replay: spindle run --replay '").unwrap_or_else(|| panic!("{out}"));
        let (schedule, file) = cmd.split_once("' ").unwrap();
        assert_eq!(file, rel);
        let (rc, rout, rerr) = spindle(&["run", "--replay", schedule, rel]);
        assert_eq!(rc, 0, "{rerr}");
        let first = rout.lines().next().unwrap();
        assert!(lines[i].ends_with(&format!("{first:?}")), "{schedule} printed {first:?}; the outcome is {}", lines[i]);
    }
}

#[test]
fn a_handler_between_two_plain_statements_is_found_only_through_a_delivery_point() {
    let rel = "programs/bugs/signal_torn_pair.mir";
    let s = explore_file(rel, &Options { minimize: true, ..opts(Strategy::Dfs { bound: 2 }, Some(DFS_BUDGET)) });
    let f = s.failure.expect("the torn read");
    // The failing schedule postpones the delivery (a `b` in the fifth part) ...
    let (_, wakes) = f.replay.rsplit_once("::").unwrap_or_else(|| panic!("no delivery choice in {}", f.replay));
    assert!(wakes.starts_with('b'), "{}", f.replay);
    // ... which the table shows where the handler started: before `Y = 1`, after `X = 1`.
    let table = &f.minimal.as_ref().expect("minimised").table;
    assert!(table.contains("47: store.u64 &Y, 1 · signal handler starts here (delivery postponed 2 times)"), "{table}");
    // The same thread decisions with the signal delivered at its first chance pass: the bug
    // needs the delivery point.
    let (p, _) = load(rel);
    let threads_only = f.replay.split("::").next().unwrap().to_string();
    let again = explore::run_one(&p, &RunConfig::default(), replay_policy(&threads_only), false, false);
    assert_eq!((again.exit_code, again.schedule_error), (0, None), "{threads_only}");
    // Every delivery point of the twin is explored (the thread decisions unbounded): clean.
    let twin = explore_file("programs/bugs/signal_torn_pair_fixed.mir", &opts(Strategy::Dfs { bound: u32::MAX }, None));
    assert!(twin.failure.is_none() && twin.exhaustive, "{:?}", twin.failure.map(|f| f.report));
}

#[test]
fn eight_byte_stores_of_a_register_are_delivery_points_too() {
    // The same torn pair, stored from a register: the interpreter's own 8-byte store (and load)
    // instructions were not delivery points, and this program was reported clean.
    let rel = "programs/bugs/signal_torn_pair_registers.mir";
    let s = explore_file(rel, &Options { minimize: true, ..opts(Strategy::Dfs { bound: 2 }, Some(DFS_BUDGET)) });
    let f = s.failure.expect("the torn read");
    assert!(f.report.contains("the handler saw a position whose halves agree"), "{}", f.report);
    let table = &f.minimal.as_ref().expect("minimised").table;
    assert!(table.contains("43: store.u64 &Y, x · signal handler starts here"), "{table}");
}

#[test]
fn where_a_handler_sent_by_another_thread_lands_is_explored() {
    // The handler records the X main has stored when it runs: before the first store, between
    // the two, or after both (interrupting the join): every one is a schedule of its own.
    let s = explore_file("programs/signals/landing.mir", &opts(Strategy::Dfs { bound: u32::MAX }, None));
    assert!(s.failure.is_none(), "{:?}", s.failure.map(|f| f.report));
    assert!(s.exhaustive, "not exhaustive ({:?})", s.stopped);
    // Previews are quoted, as the report shows them.
    let mut seen: Vec<&str> = s.outcomes.iter().map(|o| o.preview.as_str()).collect();
    seen.sort();
    assert_eq!(seen, ["\"the handler saw X = 0\"", "\"the handler saw X = 1\"", "\"the handler saw X = 2\""]);
}

/// A `futex` wait that finds its word changed (`EAGAIN`) neither joins the wait queue nor looks
/// at it: it commutes with every wake and with other threads' waits on the word (it still reads
/// the word, so it is ordered with the stores to it). Two waiters and a thread that changes the
/// word and wakes up to one of them; each prints what its call returned (the wake, how many it
/// woke), so every order that matters shows in the output: a waiter asleep when the wake comes,
/// one that found the word changed, one left asleep for ever (a deadlock). The reduced
/// exploration finds exactly the outcomes of every interleaving, with no redundant run and fewer
/// schedules, with and without a spurious wakeup per run.
#[test]
fn a_futex_wait_that_finds_the_word_changed_commutes_with_wakes_and_waits() {
    let text = "use std::linux;
static W: [u32; 1];
fn main() -> i64 {
    let a: i64;
    let b: i64;
    let c: i64;
    bb0: { a = call spawn(waiter, 1) -> bb1; }
    bb1: { b = call spawn(waiter, 2) -> bb2; }
    bb2: { c = call spawn(waker, 0) -> bb3; }
    bb3: { call join(a) -> bb4; }
    bb4: { call join(b) -> bb5; }
    bb5: { call join(c) -> bb6; }
    bb6: { return 0; }
}
fn waiter(n: i64) {
    let r: i64;
    bb0: { r = call futex(&W, FUTEX_WAIT_PRIVATE, 0) -> bb1; }
    bb1: { println \"waiter {}: {}\", n, r; return; }
}
fn waker(x: i64) {
    let r: i64;
    bb0: { atomic_store.release.u32 &W, 1; r = call futex(&W, FUTEX_WAKE_PRIVATE, 1) -> bb1; }
    bb1: { println \"woke {}\", r; return; }
}
";
    for spurious in [0, 1] {
        let o = |reduction| Options { jobs: 1, spurious_wakeups: Some(spurious), ..everything(reduction) };
        let red = explore::explore("eagain.mir", text, &o(true)).unwrap();
        let all = explore::explore("eagain.mir", text, &o(false)).unwrap();
        assert!(red.exhaustive && red.reduced && all.exhaustive, "spurious {spurious}");
        assert_eq!(outcome_set(&red), outcome_set(&all), "spurious {spurious}");
        assert_eq!(red.redundant, 0, "spurious {spurious}");
        assert!(red.runs < all.runs, "spurious {spurious}: {} reduced, {} not", red.runs, all.runs);
        // One class per outcome without spurious wakeups (3 726 interleavings); when the
        // `EAGAIN` wait read the queue, 34 and 70.
        assert_eq!(red.runs, [22, 58][spurious as usize], "spurious {spurious}");
        // Asleep and woken, the word changed, and left asleep (the deadlock) all happen.
        assert!(red.outcomes.iter().any(|o| o.exit_code == 1), "spurious {spurious}: no deadlock");
        assert!(red.outcomes.len() >= 3, "spurious {spurious}: {} outcomes", red.outcomes.len());
    }
}
