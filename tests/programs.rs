//! The conformance corpus: every guest program under `programs/` is run through the real
//! `spindle` binary and its exit code, stdout and stderr are pinned by an insta snapshot.
//!
//! A program may carry a header comment among its first comment lines,
//!
//! ```text
//! // spindle-flags: --sched random --seed 7
//! ```
//!
//! whose flags are passed to `spindle run` before the file. Every program also states its
//! expected outcome in a line `// expect: exit N, …`; `expected_exit_codes` checks the code.
//!
//! Nothing is normalised: the output is deterministic by design.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the spindle binary");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        err.read_to_end(&mut buf).unwrap();
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`spindle {}` did not finish within {:?}", args.join(" "), TIMEOUT);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Outcome { code: status.code(), stdout: out_reader.join().unwrap(), stderr: err_reader.join().unwrap() }
}

/// Every `.mir` file under `programs/` (recursively), as paths relative to the workspace root,
/// sorted.
fn all_programs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "mir") {
                out.push(path);
            }
        }
    }
    let root = Path::new(ROOT);
    let mut out = Vec::new();
    walk(&root.join("programs"), &mut out);
    let mut rel: Vec<PathBuf> = out.into_iter().map(|p| p.strip_prefix(root).unwrap().to_path_buf()).collect();
    rel.sort();
    assert!(!rel.is_empty(), "no programs found under programs/");
    rel
}

/// `programs/<…>` for a path that insta's glob gives (absolute, possibly canonicalised).
fn relative(path: &Path) -> PathBuf {
    let comps: Vec<_> = path.components().collect();
    let at = comps.iter().rposition(|c| c.as_os_str() == "programs").expect("a program lives under programs/");
    comps[at..].iter().collect()
}

fn source(rel: &Path) -> String {
    let bytes = std::fs::read(Path::new(ROOT).join(rel)).unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The leading `//` comment lines of a program.
fn header(src: &str) -> impl Iterator<Item = &str> {
    src.lines().map(str::trim).take_while(|l| l.starts_with("//"))
}

/// The flags of a `// spindle-flags: …` header line, if any.
fn flags(src: &str) -> Vec<String> {
    header(src)
        .filter_map(|l| l.trim_start_matches('/').trim().strip_prefix("spindle-flags:"))
        .flat_map(|rest| rest.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// The exit code a program states in its `// expect: exit N` line.
fn expected_exit(src: &str) -> Option<i32> {
    header(src).find_map(|l| {
        let rest = l.trim_start_matches('/').trim().strip_prefix("expect:")?;
        let rest = rest.trim().strip_prefix("exit")?;
        let digits: String = rest.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok()
    })
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
    insta::glob!("../programs", "**/*.mir", |path| {
        let rel = relative(path);
        let src = source(&rel);
        let (outcome, trace) = run_traced(&rel, &flags(&src));
        insta::assert_snapshot!(format!("{}\n--- trace\n{}", outcome.render(), trace));
    });
}

/// Every program states `// expect: exit N`, and the run ends with exactly that code.
#[test]
fn expected_exit_codes() {
    let programs = all_programs();
    let results = par_map(&programs, |rel| {
        let src = source(rel);
        let expected = expected_exit(&src);
        let outcome = spindle(&run_args(rel, &flags(&src)));
        (rel.clone(), expected, outcome)
    });
    let mut failures = Vec::new();
    for (rel, expected, outcome) in results {
        match expected {
            None => failures.push(format!("{}: no `// expect: exit N` line", rel.display())),
            Some(code) if outcome.code != Some(code) => {
                failures.push(format!("{}: expected exit {code}, got {:?}\n{}", rel.display(), outcome.code, outcome.stderr_text()))
            }
            Some(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} program(s) ended unexpectedly:\n{}", failures.len(), failures.join("\n"));
}

/// Same program, same flags ⇒ byte-identical exit code, stdout and stderr; and no program
/// crashes the host.
#[test]
fn runs_are_deterministic() {
    let programs = all_programs();
    let results = par_map(&programs, |rel| {
        let args = run_args(rel, &flags(&source(rel)));
        (rel.clone(), spindle(&args), spindle(&args))
    });
    let mut failures = Vec::new();
    for (rel, a, b) in results {
        if a != b {
            failures.push(format!("{}: two runs differ\n--- first\n{}\n--- second\n{}", rel.display(), a.render(), b.render()));
        }
        // Tracing only observes: the same run with a trace prints and exits the same.
        let (traced, _) = run_traced(&rel, &flags(&source(&rel)));
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
    let programs = all_programs();
    let results = par_map(&programs, |rel| {
        let src = source(rel);
        let rejected = rel.starts_with("programs/errors") && expected_exit(&src) == Some(2);
        let outcome = spindle(&["check".to_string(), rel.to_str().unwrap().to_string()]);
        (rel.clone(), rejected, outcome)
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
}
