//! The conformance corpus: every guest program under `programs/` is run and its exit code,
//! stdout, stderr and syscall trace are pinned by an insta snapshot — through
//! `spindle::snapshot_programs!`, the harness users get (`src/harness.rs`). The other tests here
//! run the real `spindle` binary: exit codes, determinism, `spindle check`, and that the library
//! gives exactly what the command line prints.
//!
//! A program may carry a header comment among its first comment lines,
//!
//! ```text
//! // spindle-flags: --sched random --seed 7
//! ```
//!
//! whose flags are passed to `spindle run` before the file, and maybe a line
//! `// spindle-variants: ET: --const MODE=EPOLLET; LT: --const MODE=0` (each variant is run, and
//! snapshotted, on its own; `src/harness.rs`). Every program also states its
//! expected outcome in a line `// expect: exit N, …`; `expected_exit_codes` checks the code.
//!
//! Nothing is normalised: the output is deterministic by design.

mod common;

use std::path::{Path, PathBuf};

use std::time::Duration;

use spindle::harness::{snapshot_text, Harness, Header};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_spindle");

/// No program in the corpus may take longer than this (a hang is a bug).
const TIMEOUT: Duration = Duration::from_secs(60);

/// The result of one run of the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    /// `None` when the process was killed by a signal (a host crash).
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Outcome {
    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    fn render(&self) -> String {
        let code = match self.code {
            Some(c) => c.to_string(),
            None => "killed by a signal".to_string(),
        };
        format!(
            "exit: {}\n--- stdout\n{}\n--- stderr\n{}",
            code,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }

    /// A host-side failure: a Rust panic in the VM, a stack overflow or a signal.
    fn host_failure(&self) -> Option<String> {
        let err = self.stderr_text();
        if self.code.is_none() {
            return Some("the process was killed by a signal".into());
        }
        for needle in ["panicked at", "overflowed its stack", "RUST_BACKTRACE"] {
            if err.contains(needle) {
                return Some(format!("stderr contains {needle:?}"));
            }
        }
        None
    }
}

/// Runs `spindle <args>` in the workspace root, killing it after `TIMEOUT`.
fn spindle(args: &[String]) -> Outcome {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let e = common::run_binary(BIN, Some(Path::new(ROOT)), &args, TIMEOUT);
    Outcome { code: e.code, stdout: e.stdout, stderr: e.stderr }
}

/// The suite: every `.mir` file under `programs/`. Programs that do not load have the trace
/// section the suite has always had (the binary's missing `--trace-file`).
fn suite() -> Harness {
    Harness::new("programs/**/*.mir").not_run_trace("(no trace: No such file or directory (os error 2))")
}

/// Every `.mir` file under `programs/` (recursively), as paths relative to the workspace root,
/// sorted.
fn all_programs() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let files = suite().files(root).unwrap_or_else(|e| panic!("{e}"));
    files.into_iter().map(|(p, _)| p.strip_prefix(root).unwrap().to_path_buf()).collect()
}

fn source(rel: &Path) -> String {
    let bytes = std::fs::read(Path::new(ROOT).join(rel)).unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The flags of a `// spindle-flags: …` header line, if any.
fn flags(src: &str) -> Vec<String> {
    Header::parse(src).flags
}

/// Every run of every program: (file, variant, its flags), one per variant of a program that
/// has `// spindle-variants:`.
fn all_runs() -> Vec<(PathBuf, Option<String>, Vec<String>)> {
    let mut out = Vec::new();
    for rel in all_programs() {
        for (variant, flags) in Header::parse(&source(&rel)).runs() {
            out.push((rel.clone(), variant, flags));
        }
    }
    out
}

/// `file` or `file (variant ET)`, for messages.
fn shown(rel: &Path, variant: &Option<String>) -> String {
    match variant {
        Some(v) => format!("{} (variant {v})", rel.display()),
        None => rel.display().to_string(),
    }
}

/// The exit code a program states in its `// expect: exit N` line.
fn expected_exit(src: &str) -> Option<i32> {
    Header::parse(src).expect_exit
}

fn run_args(rel: &Path, flags: &[String]) -> Vec<String> {
    let mut args = vec!["run".to_string()];
    args.extend(flags.iter().cloned());
    args.push(rel.to_str().unwrap().to_string());
    args
}

/// Runs `f` over `items` on a few worker threads and returns the results in order.
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

/// Runs a program with `--trace-file`, returning the outcome and the trace.
fn run_traced(rel: &Path, flags: &[String]) -> (Outcome, String) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("spindle-trace-{}-{n}.txt", std::process::id()));
    let mut traced = flags.to_vec();
    traced.push("--trace-file".into());
    traced.push(file.to_str().unwrap().into());
    let outcome = spindle(&run_args(rel, &traced));
    let trace = std::fs::read_to_string(&file).unwrap_or_else(|e| format!("(no trace: {e})"));
    let _ = std::fs::remove_file(&file);
    (outcome, trace)
}

/// Each program's exit code, stdout, stderr and syscall trace, pinned by a snapshot.
#[test]
fn programs() {
    spindle::snapshot_programs!(suite());
}

/// Every program states `// expect: exit N`, and the run ends with exactly that code.
#[test]
fn expected_exit_codes() {
    let runs = all_runs();
    let results = par_map(&runs, |(rel, variant, flags)| {
        let src = source(rel);
        let expected = expected_exit(&src);
        let outcome = spindle(&run_args(rel, flags));
        (shown(rel, variant), expected, outcome)
    });
    let mut failures = Vec::new();
    for (rel, expected, outcome) in results {
        match expected {
            None => failures.push(format!("{rel}: no `// expect: exit N` line")),
            Some(code) if outcome.code != Some(code) => {
                failures.push(format!("{rel}: expected exit {code}, got {:?}\n{}", outcome.code, outcome.stderr_text()))
            }
            Some(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} program(s) ended unexpectedly:\n{}", failures.len(), failures.join("\n"));
}

/// Same program, same flags ⇒ byte-identical exit code, stdout and stderr; no program
/// crashes the host; and the library (what the snapshots are taken with) gives exactly what
/// `spindle run --trace-file` prints.
#[test]
fn runs_are_deterministic() {
    let runs = all_runs();
    let harness = suite();
    let results = par_map(&runs, |(rel, variant, flags)| {
        let args = run_args(rel, flags);
        let (traced, trace) = run_traced(rel, flags);
        let suffix = rel.strip_prefix("programs").unwrap().to_str().unwrap().replace('\\', "/");
        let suffix = variant.as_deref().map_or(suffix.clone(), |v| spindle::harness::variant_suffix(&suffix, v));
        let library = harness.run_variant(Path::new(ROOT), &Path::new(ROOT).join(rel), &suffix, variant.as_deref());
        (PathBuf::from(shown(rel, variant)), spindle(&args), spindle(&args), traced, trace, library)
    });
    let mut failures = Vec::new();
    for (rel, a, b, traced, trace, library) in results {
        if a != b {
            failures.push(format!("{}: two runs differ\n--- first\n{}\n--- second\n{}", rel.display(), a.render(), b.render()));
        }
        // Tracing only observes: the same run with a trace prints and exits the same.
        if traced != a {
            failures.push(format!(
                "{}: tracing changed the run\n--- without\n{}\n--- with --trace\n{}",
                rel.display(),
                a.render(),
                traced.render()
            ));
        }
        if let Some(why) = a.host_failure() {
            failures.push(format!("{}: host failure: {why}\n{}", rel.display(), a.render()));
        }
        let binary = snapshot_text(traced.code.unwrap_or(-1), &traced.stdout, &traced.stderr, &trace);
        if library.snapshot.as_deref() != Some(binary.as_str()) {
            failures.push(format!(
                "{}: the library and the binary differ\n--- spindle run\n{binary}\n--- library\n{}\n{}",
                rel.display(),
                library.snapshot.as_deref().unwrap_or("(none)"),
                library.problems.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every thread program (all of programs/threads/, and any other program that spawns) under
/// 20 random schedules: whatever the schedule, the VM itself never panics or crashes (guest
/// panics, UB, races and deadlocks are fine).
#[test]
fn thread_programs_survive_random_schedules() {
    let programs: Vec<PathBuf> =
        all_programs().into_iter().filter(|p| p.starts_with("programs/threads") || source(p).contains("call spawn(")).collect();
    assert!(programs.iter().any(|p| p.starts_with("programs/threads")), "no programs under programs/threads/");
    let mut jobs = Vec::new();
    for rel in &programs {
        // The program's own scheduler flags are replaced; others (limits) are kept.
        let mut own = Vec::new();
        let mut it = flags(&source(rel)).into_iter();
        while let Some(flag) = it.next() {
            if flag == "--sched" || flag == "--seed" {
                it.next();
            } else if !flag.starts_with("--sched=") && !flag.starts_with("--seed=") {
                own.push(flag);
            }
        }
        for seed in 0..20u32 {
            let mut f = vec!["--sched".to_string(), "random".to_string(), "--seed".to_string(), seed.to_string()];
            f.extend(own.iter().cloned());
            jobs.push((rel.clone(), seed, run_args(rel, &f)));
        }
    }
    let results = par_map(&jobs, |(rel, seed, args)| (rel.clone(), *seed, spindle(args)));
    let mut failures = Vec::new();
    for (rel, seed, outcome) in results {
        if let Some(why) = outcome.host_failure() {
            failures.push(format!("{} --seed {seed}: {why}\n{}", rel.display(), outcome.render()));
        } else if !matches!(outcome.code, Some(0..=255)) {
            failures.push(format!("{} --seed {seed}: odd exit {:?}", rel.display(), outcome.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `spindle check` accepts every program that is meant to run (exit 0), and rejects every
/// program under programs/errors/ that is meant to be rejected (exit 2, with an error on
/// stderr). A program in errors/ whose expectation is not `exit 2` (unreachable blocks: only a
/// warning) must pass the check.
#[test]
fn check_accepts_and_rejects() {
    let runs = all_runs();
    let results = par_map(&runs, |(rel, variant, flags)| {
        let src = source(rel);
        let rejected = rel.starts_with("programs/errors") && expected_exit(&src) == Some(2);
        // `check` takes the variant's `--const` overrides (and no run flags).
        let (consts, _) = spindle::harness::split_consts(flags).unwrap();
        let mut args = vec!["check".to_string()];
        for (n, v) in consts {
            args.push("--const".into());
            args.push(format!("{n}={v}"));
        }
        args.push(rel.to_str().unwrap().to_string());
        let outcome = spindle(&args);
        (PathBuf::from(shown(rel, variant)), rejected, outcome)
    });
    let mut failures = Vec::new();
    for (rel, rejected, outcome) in results {
        let want = if rejected { 2 } else { 0 };
        if outcome.code != Some(want) {
            failures.push(format!(
                "{}: `spindle check` exited {:?}, expected {want}\n{}",
                rel.display(),
                outcome.code,
                outcome.stderr_text()
            ));
        } else if rejected && !outcome.stderr_text().contains("error") {
            failures.push(format!("{}: rejected without an `error` on stderr", rel.display()));
        }
        if let Some(why) = outcome.host_failure() {
            failures.push(format!("{}: `spindle check` host failure: {why}", rel.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The header parsing used above.
#[test]
fn header_parsing() {
    let src = "// spindle-flags: --sched random --seed 7\n// expect: exit 101, panic\nfn main() {}\n// expect: exit 3\n";
    assert_eq!(flags(src), ["--sched", "random", "--seed", "7"]);
    assert_eq!(expected_exit(src), Some(101));
    assert_eq!(flags("fn main() {}\n// spindle-flags: --x\n"), Vec::<String>::new());
    // Every header's flags are ones the library understands.
    for (rel, variant, f) in all_runs() {
        let (_, f) = spindle::harness::split_consts(&f).unwrap_or_else(|e| panic!("{}: {e}", shown(&rel, &variant)));
        if let Err(e) = spindle::Config::new().with_flags(&f) {
            panic!("{}: {e}", shown(&rel, &variant));
        }
    }
    let h = Header::parse("// spindle-variants: ET: --const MODE=EPOLLET; LT: --const MODE=0 --seed 2\nfn main() {}\n");
    assert_eq!(h.variants.len(), 2);
    assert_eq!(h.runs()[1], (Some("LT".to_string()), vec!["--const".to_string(), "MODE=0".into(), "--seed".into(), "2".into()]));
    assert_eq!(spindle::harness::variant_suffix("epoll/wait.mir", "ET"), "epoll/wait_et.mir");
}
