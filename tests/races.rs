//! The data-race detector against the programs in `programs/races/`.
//!
//! File names say what a program must do:
//! - `*_ok.mir`: correctly synchronised. Run under `--sched random --seed N` for every N in
//!   `0..OK_SEEDS`, it must exit 0 every time without a race report.
//! - `*_race.mir`: racy in every interleaving. Under `--sched fixed` and under `RACE_SEEDS`
//!   random seeds it must stop with a data-race report (exit 1).
//! - anything else is listed in `OTHER` with its own test below.
//!
//! (`tests/programs.rs` pins each program's exact output under its own header flags.)

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_spindle");
const DIR: &str = "programs/races";

/// Seeds every `_ok` program runs under.
const OK_SEEDS: u64 = 50;
/// Random seeds every `_race` program runs under (besides `--sched fixed`).
const RACE_SEEDS: u64 = 12;
/// Programs in `programs/races/` that are neither `_ok` nor `_race`.
const OTHER: &[&str] = &["no_race_check_two_writers.mir"];
/// A run that takes longer is a hang, hence a failure.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Guards against spin loops that never end (exit 4 instead of a hang).
const MAX_STEPS: &str = "5000000";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn render(&self) -> String {
        format!("exit: {:?}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }

    fn reports_race(&self) -> bool {
        self.stderr.contains("Data race detected") || self.stderr.contains("Race condition detected")
    }

    /// A Rust panic or crash of the VM itself.
    fn host_failure(&self) -> bool {
        self.code.is_none() || self.stderr.contains("panicked at") || self.stderr.contains("RUST_BACKTRACE")
    }
}

/// `spindle run <flags> <program>` in the workspace root.
fn spindle_run(program: &Path, flags: &[&str]) -> Run {
    let mut args = vec!["run", "--max-steps", MAX_STEPS];
    args.extend_from_slice(flags);
    args.push(program.to_str().unwrap());
    let e = common::run_binary(BIN, Some(Path::new(ROOT)), &args, TIMEOUT);
    Run { code: e.code, stdout: String::from_utf8_lossy(&e.stdout).into_owned(), stderr: String::from_utf8_lossy(&e.stderr).into_owned() }
}

/// The `.mir` files of `programs/races/`, relative to the workspace root, sorted.
fn programs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join(DIR))
        .expect("programs/races exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mir"))
        .map(|p| Path::new(DIR).join(p.file_name().unwrap()))
        .collect();
    out.sort();
    out
}

fn name(p: &Path) -> &str {
    p.file_name().unwrap().to_str().unwrap()
}

fn ok_programs() -> Vec<PathBuf> {
    programs().into_iter().filter(|p| name(p).ends_with("_ok.mir")).collect()
}

fn race_programs() -> Vec<PathBuf> {
    programs().into_iter().filter(|p| name(p).ends_with("_race.mir")).collect()
}

/// Runs `f` over `items` on a few worker threads; results in order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results.into_iter().map(|m| m.into_inner().unwrap().unwrap()).collect()
}

/// Scheduler flags: `None` is `--sched fixed`, `Some(n)` is `--sched random --seed n`.
fn sched_flags(seed: Option<u64>) -> Vec<String> {
    match seed {
        None => vec!["--sched".into(), "fixed".into()],
        Some(n) => vec!["--sched".into(), "random".into(), "--seed".into(), n.to_string()],
    }
}

fn describe(seed: Option<u64>) -> String {
    match seed {
        None => "--sched fixed".to_string(),
        Some(n) => format!("--sched random --seed {n}"),
    }
}

/// A failure message: how many runs failed, per program, and the first failing run of each.
fn summarize(failures: &[(PathBuf, String)], total: usize, what: &str) -> String {
    let mut msg = format!("{} of {total} runs of {what}:\n", failures.len());
    let mut firsts = Vec::new();
    for (p, detail) in failures {
        if !firsts.iter().any(|(q, _): &(&PathBuf, &String)| *q == p) {
            firsts.push((p, detail));
        }
    }
    for (p, _) in &firsts {
        let n = failures.iter().filter(|(q, _)| q == *p).count();
        msg.push_str(&format!("  {}: {n} run(s)\n", p.display()));
    }
    msg.push_str("\nThe first failing run of each:\n\n");
    msg.push_str(&firsts.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>().join("\n\n"));
    msg
}

/// Every program in the directory is classified, and says what it tests and why.
#[test]
fn every_program_is_classified_and_documented() {
    let all = programs();
    assert!(all.len() >= 20, "expected the race corpus in {DIR}, found {} programs", all.len());
    assert!(ok_programs().len() >= 10, "too few _ok programs");
    assert!(race_programs().len() >= 10, "too few _race programs");
    for other in OTHER {
        assert!(all.iter().any(|p| name(p) == *other), "{other} is listed in OTHER but missing");
    }
    let mut failures = Vec::new();
    for p in &all {
        let n = name(p);
        if !n.ends_with("_ok.mir") && !n.ends_with("_race.mir") && !OTHER.contains(&n) {
            failures.push(format!("{n}: name it *_ok.mir or *_race.mir (or list it in OTHER)"));
        }
        let src = std::fs::read_to_string(Path::new(ROOT).join(p)).unwrap();
        let header: Vec<&str> = src.lines().take_while(|l| l.starts_with("//")).collect();
        let stem = n.trim_end_matches(".mir");
        if !header.iter().any(|l| l.contains(&format!("// {stem}:"))) {
            failures.push(format!("{n}: the header comment should start with `// {stem}: …`"));
        }
        for key in ["// expect:", "// why:"] {
            if !header.iter().any(|l| l.starts_with(key)) {
                failures.push(format!("{n}: the header comment lacks a `{key}` line"));
            }
        }
        let says_race = header.iter().any(|l| l.starts_with("// why: race"));
        let says_ok = header.iter().any(|l| l.starts_with("// why: no race"));
        if n.ends_with("_race.mir") && !says_race {
            failures.push(format!("{n}: a _race program's `// why:` should start with `race`"));
        }
        if n.ends_with("_ok.mir") && !says_ok {
            failures.push(format!("{n}: an _ok program's `// why:` should start with `no race`"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (a) Every correctly synchronised program, under `OK_SEEDS` random schedules: exit 0, no race.
#[test]
fn ok_programs_never_race_under_random_schedules() {
    let jobs: Vec<(PathBuf, u64)> = ok_programs().into_iter().flat_map(|p| (0..OK_SEEDS).map(move |s| (p.clone(), s))).collect();
    let results = par_map(&jobs, |(p, seed)| {
        let flags = sched_flags(Some(*seed));
        spindle_run(p, &flags.iter().map(String::as_str).collect::<Vec<_>>())
    });
    let failures: Vec<(PathBuf, String)> = jobs
        .iter()
        .zip(&results)
        .filter(|(_, run)| run.code != Some(0) || run.reports_race() || run.host_failure())
        .map(|((p, seed), run)| (p.clone(), format!("{} --sched random --seed {seed}:\n{}", p.display(), run.render())))
        .collect();
    assert!(failures.is_empty(), "{}", summarize(&failures, jobs.len(), "_ok programs failed"));
}

/// (b) Every racy program is reported as a race under `--sched fixed` and `RACE_SEEDS` random
/// schedules.
#[test]
fn race_programs_are_reported_under_every_schedule() {
    let scheds: Vec<Option<u64>> = std::iter::once(None).chain((0..RACE_SEEDS).map(Some)).collect();
    let jobs: Vec<(PathBuf, Option<u64>)> =
        race_programs().into_iter().flat_map(|p| scheds.iter().map(move |s| (p.clone(), *s)).collect::<Vec<_>>()).collect();
    let results = par_map(&jobs, |(p, seed)| {
        let flags = sched_flags(*seed);
        spindle_run(p, &flags.iter().map(String::as_str).collect::<Vec<_>>())
    });
    let failures: Vec<(PathBuf, String)> = jobs
        .iter()
        .zip(&results)
        .filter(|(_, run)| !(run.code == Some(1) && run.reports_race() && run.stderr.contains("Undefined Behavior") && !run.host_failure()))
        .map(|((p, seed), run)| (p.clone(), format!("{} {}: expected a data-race report\n{}", p.display(), describe(*seed), run.render())))
        .collect();
    assert!(failures.is_empty(), "{}", summarize(&failures, jobs.len(), "_race programs were not reported as races"));
}

/// A race report names both accesses, with their threads and source lines, and under a random
/// schedule tells how to reproduce it.
#[test]
fn race_report_names_both_accesses() {
    let p = Path::new(DIR).join("mp_relaxed_race.mir");
    let run = spindle_run(&p, &["--sched", "random", "--seed", "3"]);
    assert_eq!(run.code, Some(1), "{}", run.render());
    let err = &run.stderr;
    for needle in [
        "Undefined Behavior: Data race detected between (1) 8-byte non-atomic write on thread `producer#1` and (2) 8-byte non-atomic read on thread `main` at DATA+0x0",
        "(1) occurred earlier here",
        "(2) just happened here",
        "store.u64 &DATA, 42;",
        "v = load.u64 &DATA;",
        "--seed 3",
    ] {
        assert!(err.contains(needle), "the report lacks {needle:?}:\n{err}");
    }
}

/// Each access in a report is described with its own size: a 1-byte read racing with an
/// 8-byte write is "(1) 1-byte non-atomic read", and a read racing with a deallocation keeps
/// the read's size, not the size of the freed block.
#[test]
fn race_report_gives_each_access_its_own_size() {
    let cases = [
        (
            "narrow_read_wide_write_race.mir",
            "between (1) 1-byte non-atomic read on thread `reader#1` and (2) 8-byte non-atomic write on thread `main`",
        ),
        (
            "free_while_reading_race.mir",
            "between (1) 8-byte non-atomic read on thread `reader#1` and (2) deallocation of a 16-byte block on thread `main`",
        ),
        (
            "local_array_scope_race.mir",
            "between (1) 8-byte non-atomic read on thread `helper#1` and (2) deallocation of a 16-byte block on thread `main`",
        ),
    ];
    let mut failures = Vec::new();
    for (file, needle) in cases {
        let run = spindle_run(&Path::new(DIR).join(file), &["--sched", "fixed"]);
        if run.code != Some(1) || !run.stderr.contains(needle) {
            failures.push(format!("{file}: expected {needle:?} in\n{}", run.stderr.lines().next().unwrap_or("")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `--no-race-check` turns the detector off: the racy two-writer program runs to completion
/// under every schedule, and is reported without the flag.
#[test]
fn no_race_check_turns_detection_off() {
    let p = Path::new(DIR).join("no_race_check_two_writers.mir");
    let src = std::fs::read_to_string(Path::new(ROOT).join(&p)).unwrap();
    assert!(src.starts_with("// spindle-flags: --no-race-check\n"), "the program carries the flag in its header");
    let scheds: Vec<Option<u64>> = std::iter::once(None).chain((0..10).map(Some)).collect();
    let results = par_map(&scheds, |seed| {
        let sched = sched_flags(*seed);
        let mut off: Vec<&str> = vec!["--no-race-check"];
        off.extend(sched.iter().map(String::as_str));
        let on: Vec<&str> = sched.iter().map(String::as_str).collect();
        (spindle_run(&p, &off), spindle_run(&p, &on))
    });
    for (seed, (off, on)) in scheds.iter().zip(&results) {
        let s = describe(*seed);
        assert_eq!(off.code, Some(0), "{s} --no-race-check:\n{}", off.render());
        assert!(!off.reports_race(), "{s} --no-race-check:\n{}", off.render());
        assert!(off.stdout == "X = 1\n" || off.stdout == "X = 2\n", "{s} --no-race-check:\n{}", off.render());
        assert_eq!(on.code, Some(1), "{s} (detector on):\n{}", on.render());
        assert!(on.reports_race(), "{s} (detector on):\n{}", on.render());
    }
}

/// (c) Through the library: 100 threads spawned and joined in batches of ten, each incrementing
/// a counter under a cas lock, run race-free under several schedules.
///
/// The point of the batches is that joined threads' vector-clock indices get reused, so that
/// clocks stay short (at most 11 entries: main plus one batch). `spindle::Outcome` does not
/// expose the longest clock yet (`Machine::max_clock_len` exists, but the facade drops the
/// machine); `Outcome::max_clock_len` now carries it.
#[test]
fn hundred_threads_in_batches_through_the_library() {
    let path = format!("{ROOT}/{DIR}/hundred_threads_lock_ok.mir");
    let program = spindle::Program::from_path(&path).unwrap_or_else(|e| panic!("{}", e.render(false)));
    let mut configs = vec![spindle::RunConfig::default()];
    for seed in 0..5 {
        configs.push(spindle::RunConfig {
            policy: spindle::Policy::Random { seed, preemption: spindle::DEFAULT_PREEMPTION },
            ..spindle::RunConfig::default()
        });
    }
    for config in &configs {
        let outcome = program.run(config);
        let report = program.render_stop(&outcome.stop, false);
        assert_eq!(outcome.exit_code, 0, "{:?}: {report}", config.policy);
        assert_eq!(String::from_utf8_lossy(&outcome.stdout), "counter = 100\n", "{:?}", config.policy);
        assert!(!report.contains("Data race"), "{:?}: {report}", config.policy);
        // 10 threads alive at a time plus main: joined threads' indices are reused.
        assert!(outcome.max_clock_len <= 11, "{:?}: clocks grew to {} entries", config.policy, outcome.max_clock_len);
    }
}
