//! Spindle as a library: the facade (`Config`, `Program::run`, `Outcome`), host-added foreign
//! functions, and the test harness's failure modes (a glob that matches nothing, a program that
//! does not load, a missing snapshot) and schedule sweeps.

use spindle::harness::{Harness, Sweep, SweepError};
use spindle::{Config, ForeignTable, Program, Scheduler, StopKind, TraceOptions};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn program(path: &str) -> Program {
    Program::from_path(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh directory under the system's temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spindle-library-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ADD: &str = r#"
fn main() -> i64 {
    let x: i64;
    let y: i64;
    let e: i64;
    bb0: { x = call my_add(2, 3) -> bb1; }
    bb1: { y = call my_add(x, -7) -> bb2; }
    bb2: { println "{} {}", x, y; x = call my_checked_div(1, 0) -> bb3; }
    bb3: { e = call errno() -> bb4; }
    bb4: { println "{} {}", x, e; return 0; }
}
"#;

fn my_table() -> ForeignTable {
    ForeignTable::new().with("my_add", 2, |call| Ok(call.arg(0).wrapping_add(call.arg(1)))).with("my_checked_div", 2, |call| {
        match call.arg(1) {
            0 => Ok(call.fail(22)), // EINVAL
            d => Ok(call.arg(0) / d),
        }
    })
}

#[test]
fn a_host_adds_foreign_functions() {
    let p = Program::from_source_with("add.mir", ADD, &my_table()).unwrap_or_else(|e| panic!("{e}"));
    let out = p.run(Config::new().trace_text());
    assert_eq!(out.exit_code, 0, "{:?}", out.report);
    assert_eq!(out.stdout_text(), "5 -2\n-1 22\n");
    let trace = out.trace.as_ref().unwrap();
    let calls: Vec<(&str, Option<i64>)> = trace.events.iter().map(|e| (e.call.as_str(), e.result)).collect();
    assert_eq!(calls, [("my_add", Some(5)), ("my_add", Some(-2)), ("my_checked_div", Some(-1)), ("errno", Some(22))]);
    assert_eq!(trace.events[1].args, ["5", "-7"]);
    let lines: Vec<&str> = trace.text.lines().collect();
    assert_eq!(lines[0], format!("[main] {:39} = 5", "my_add(2, 3)"));
    assert_eq!(lines[1], format!("[main] {:39} = -2", "my_add(5, -7)"));
    assert_eq!(lines[2], format!("[main] {:39} = -1 EINVAL (Invalid argument)", "my_checked_div(1, 0)"));
}

#[test]
fn host_functions_read_and_write_guest_memory() {
    // `fill(buf, n, byte)` writes n bytes; `sum(buf, n)` adds them up; a bad pointer is EFAULT.
    let table = ForeignTable::new()
        .with("fill", 3, |call| {
            let bytes = vec![call.arg(2) as u8; call.arg(1) as usize];
            Ok(if call.write_guest(call.args()[0], &bytes)? { 0 } else { call.fail(14) })
        })
        .with("sum", 2, |call| match call.read_guest(call.args()[0], call.args()[1])? {
            Some(b) => Ok(b.iter().map(|&x| x as i64).sum()),
            None => Ok(call.fail(14)),
        });
    let src = r#"
        static BUF: [u8; 16];
        fn main() -> i64 {
            let r: i64;
            let s: i64;
            let bad: i64;
            bb0: { r = call fill(&BUF, 16, 3) -> bb1; }
            bb1: { s = call sum(&BUF, 16) -> bb2; }
            bb2: { bad = call sum(0, 4) -> bb3; }
            bb3: { println "{} {} {}", r, s, bad; return 0; }
        }
    "#;
    let out = Program::from_source_with("mem.mir", src, &table).unwrap_or_else(|e| panic!("{e}")).run(Config::new());
    assert_eq!(out.stdout_text(), "0 48 -1\n", "{:?}", out.report);
}

#[test]
fn host_functions_are_unknown_without_the_table() {
    // Without the table the call is an unknown function: `my_add` is no Linux function either,
    // so the program does not check.
    let e = Program::from_source("add.mir", ADD).err().expect("an unknown function is an error");
    assert!(e.render(false).contains("unknown function `my_add`"), "{}", e.render(false));
    // With it, the arity is checked like a built-in's.
    let bad = "fn main() -> i64 { let x: i64; bb0: { x = call my_add(1) -> bb1; } bb1: { return 0; } }";
    let e = Program::from_source_with("bad.mir", bad, &my_table()).err().expect("wrong arity is an error");
    assert!(e.render(false).contains("`my_add` takes 2 arguments but 1 was given"), "{}", e.render(false));
}

#[test]
#[should_panic(expected = "`write` is a built-in foreign function")]
fn a_host_function_cannot_shadow_a_built_in() {
    ForeignTable::new().with("write", 3, |_| Ok(0));
}

#[test]
#[should_panic(expected = "is already in this table")]
fn a_host_function_is_added_once() {
    ForeignTable::new().with("f", 0, |_| Ok(0)).with("f", 1, |_| Ok(0));
}

#[test]
fn the_outcome_has_everything() {
    let p = program("programs/threads/spawn_join.mir");
    let out = p.run(Config::new().seed(3).trace_text().trace(TraceOptions { timestamps: true, timeline: true, ..TraceOptions::default() }));
    assert_eq!(out.exit_code, 0);
    assert!(out.success());
    assert!(out.stdout_text().ends_with("9 + 16 + 25 = 50\n"));
    assert!(out.report.is_none());
    assert!(out.steps > 0 && out.time_ns > 0);
    let sched = out.schedule.clone().expect("a random run records its schedule");
    assert!(sched.starts_with(&format!("s1:{:08x}:", p.fingerprint())));
    let trace = out.trace.unwrap();
    assert!(trace.text.lines().all(|l| l.as_bytes()[0].is_ascii_digit()), "timestamps on every line:\n{}", trace.text);
    assert!(trace.events.iter().any(|e| e.call == "spawn"));
    assert!(trace.timeline.unwrap().contains("\"traceEvents\""));

    // The same config, the same outcome; replaying its schedule, the same output.
    let again = p.run(Config::new().seed(3));
    assert_eq!(again.stdout, out.stdout);
    let replayed = p.run(Config::new().replay(sched));
    assert_eq!(replayed.stdout, out.stdout);
    assert_eq!(replayed.schedule_error, None);
}

#[test]
fn failures_come_with_a_report() {
    let p = program("programs/bugs/lost_update.mir");
    // Found by a sweep below; replayed here from its schedule string.
    let failure = Sweep::new(Path::new(ROOT).join("programs/bugs/lost_update.mir")).seeds(100).find_failure();
    let out = p.run(Config::new().replay(&failure.schedule));
    assert_eq!(out.exit_code, 101);
    let report = out.report.unwrap();
    assert_eq!(report.kind, StopKind::Panic);
    assert_eq!(report.title, "the program panicked: assertion failed: an increment was lost");
    assert!(report.rendered.contains("lost_update.mir:"), "{}", report.rendered);
}

#[test]
fn a_schedule_for_another_program_is_refused() {
    let a = program("programs/bugs/lost_update.mir");
    let b = program("programs/threads/spawn_join.mir");
    let sched = a.run(Config::new().seed(1)).schedule.unwrap();
    let out = b.run(Config::new().replay(sched));
    assert_eq!(out.exit_code, 2);
    assert!(out.schedule_error.unwrap().contains("recorded for another program"));
    let out = b.run(Config::new().replay("nonsense"));
    assert_eq!(out.exit_code, 2);
    assert!(out.schedule_error.unwrap().contains("bad replay schedule"));
}

#[test]
fn pct_and_limits() {
    let p = program("programs/threads/spawn_join.mir");
    for seed in 0..5 {
        let out = p.run(Config::new().scheduler(Scheduler::Pct { seed, depth: 3 }));
        assert_eq!(out.exit_code, 0, "pct seed {seed}: {:?}", out.report);
    }
    let out = p.run(Config::new().max_steps(10));
    assert_eq!(out.kind(), StopKind::Limit);
    assert_eq!(out.exit_code, 4);
}

#[test]
fn config_from_flags() {
    let c = Config::new().with_flags(["--max-steps=500", "--no-race-check", "--trace-format", "json", "--max-trace-bytes", "100"]).unwrap();
    assert_eq!(c.max_steps, Some(500));
    assert!(!c.race_check);
    // Weak memory is on unless `--sc` (a `// spindle-flags:` header may say it too).
    assert!(c.weak_memory);
    let sc = Config::new().with_flags(["--sc"]).unwrap();
    assert!(!sc.weak_memory && !sc.run_config().weak_memory);
    assert_eq!(sc, Config::new().weak_memory(false));
    assert_eq!(c.trace, Some(TraceOptions { format: spindle::TraceFormat::Json, max_bytes: 100, ..TraceOptions::default() }));
    // Parsed by clap from `spindle run`'s own definitions: its messages, on one line.
    for (flags, err) in [
        (&["--seed", "x"][..], "invalid value 'x' for '--seed <SEED>'"),
        (&["--sched", "fixed", "--seed", "1"], "only applies to `--sched random`"),
        (&["--bogus"], "unexpected argument '--bogus' found: not a flag that describes a run"),
        (&["--max-steps"], "a value is required for '--max-steps <N>'"),
        (&["--replay", "s1:*:a", "--seed", "1"], "give only one"),
        (&["--sched", "sometimes"], "invalid value 'sometimes' for '--sched <SCHED>'"),
        (&["--preemption-rate", "2"], "is not a probability between 0 and 1"),
        (&["--trace-file", "x"], "unexpected argument '--trace-file' found"),
    ] {
        let e = Config::new().with_flags(flags).unwrap_err();
        assert!(e.to_string().contains(err), "{flags:?}: {e}");
    }
    // A header changes only what it gives: the rest of the base configuration stays.
    let base = Config::new().max_memory(7 << 20).max_steps(9).trace_json();
    let c = base.clone().with_flags(["--seed", "3", "--max-threads", "4"]).unwrap();
    assert_eq!(c, base.clone().seed(3).max_threads(4));
    let c = base.clone().with_flags(["--max-trace-bytes", "64", "--trace-time"]).unwrap();
    assert_eq!(
        c.trace,
        Some(TraceOptions { format: spindle::TraceFormat::Json, timestamps: true, max_bytes: 64, ..TraceOptions::default() })
    );
    assert_eq!(c.max_memory, 7 << 20);
    let c = Config::new().with_flags(["--max-fds", "5", "--max-fd-buffers=4096"]).unwrap();
    assert_eq!(c.fd_limits, Some(spindle::FdLimits { max_fds: 5, max_fd_buffers: 4096 }));
    let src = r#"
        fn main() -> i64 {
            let a: i64;
            let b: i64;
            let c: i64;
            bb0: { a = call eventfd(0, 0) -> bb1; }
            bb1: { b = call eventfd(0, 0) -> bb2; }
            bb2: { c = call eventfd(0, 0) -> bb3; }
            bb3: { println "{} {} {}", a, b, c; return 0; }
        }
    "#;
    let fds = Program::from_source("fds.mir", src).unwrap();
    assert_eq!(fds.run(Config::new().max_fds(5)).stdout_text(), "3 4 -1\n");
    assert_eq!(fds.run(Config::new()).stdout_text(), "3 4 5\n");
    // A RunConfig still works wherever a Config does.
    let p = program("programs/basics/hello.mir");
    assert_eq!(p.run(spindle::RunConfig::default()).exit_code, 0);
}

// ---- the harness's failure modes --------------------------------------------------------------

#[test]
fn a_glob_that_matches_nothing_says_so() {
    let root = Path::new(ROOT);
    let e = Harness::new("programs/**/*.nothing").files(root).unwrap_err();
    assert!(e.contains("matched no files"), "{e}");
    let e = Harness::new("no_such_dir/*.mir").files(root).unwrap_err();
    assert!(e.contains("the directory") && e.contains("does not exist") && e.contains("relative to the crate root"), "{e}");
    let e = Harness::new("programs/[*.mir").files(root).unwrap_err();
    assert!(e.contains("not a valid glob"), "{e}");
}

#[test]
#[should_panic(expected = "`no_such_dir/*.mir` matched no files")]
fn the_macro_fails_clearly_on_an_empty_glob() {
    spindle::snapshot_programs!("no_such_dir/*.mir");
}

#[test]
fn a_program_that_does_not_load_is_a_problem_unless_expected() {
    let dir = temp_dir("noload");
    std::fs::write(dir.join("broken.mir"), "fn main( {").unwrap();
    std::fs::write(dir.join("rejected.mir"), "// expect: exit 2\nfn main( {").unwrap();
    std::fs::write(dir.join("wrong_exit.mir"), "// expect: exit 0\nfn main() -> i64 { bb0: { return 7; } }").unwrap();
    std::fs::write(dir.join("bad_flags.mir"), "// spindle-flags: --frobnicate\nfn main() -> i64 { bb0: { return 0; } }").unwrap();
    let cases = Harness::new(format!("{}/*.mir", dir.display())).run_all(Path::new(ROOT)).unwrap();
    let by_name = |n: &str| cases.iter().find(|c| c.suffix == n).unwrap();

    let broken = by_name("broken.mir");
    assert!(broken.snapshot.is_none());
    assert!(broken.problems[0].contains("does not load") && broken.problems[0].contains("`// expect: exit 2`"), "{:?}", broken.problems);

    let rejected = by_name("rejected.mir");
    assert!(rejected.problems.is_empty(), "{:?}", rejected.problems);
    let snap = rejected.snapshot.as_deref().unwrap();
    assert!(snap.starts_with("exit: 2\n--- stdout\n\n--- stderr\nerror:"), "{snap}");
    assert!(snap.ends_with("--- trace\n(no trace: the program was not run)"), "{snap}");

    let wrong = by_name("wrong_exit.mir");
    assert!(wrong.problems[0].contains("says `expect: exit 0`, but it exited with 7"), "{:?}", wrong.problems);
    assert!(wrong.snapshot.as_deref().unwrap().starts_with("exit: 7\n"));

    let flags = by_name("bad_flags.mir");
    assert!(flags.problems[0].contains("`// spindle-flags:` header is wrong") && flags.problems[0].contains("--frobnicate"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_snapshot_fails_and_says_what_to_do() {
    if std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always" || v == "force") || std::env::var("INSTA_FORCE_PASS").is_ok() {
        return; // insta is told to accept everything: nothing can fail
    }
    let dir = temp_dir("missing");
    std::fs::write(dir.join("hello.mir"), "fn main() -> i64 { bb0: { println \"hi\"; return 0; } }").unwrap();
    let snapshots = dir.join("snapshots");
    let glob = format!("{}/*.mir", dir.display());
    let mut settings = spindle::__insta::Settings::clone_current();
    settings.set_snapshot_path(&snapshots);
    let panic = settings.bind(|| std::panic::catch_unwind(|| spindle::snapshot_programs!(glob.as_str()))).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("1 of 1 programs failed"), "{msg}");
    assert!(msg.contains("hello.mir: no snapshot yet"), "{msg}");
    assert!(msg.contains("library__a_missing_snapshot_fails_and_says_what_to_do@hello.mir.snap"), "{msg}");
    assert!(msg.contains("cargo insta review"), "{msg}");

    // Once the snapshot is there, the same call passes; when the output changes, it fails again.
    let pending = snapshots.join("library__a_missing_snapshot_fails_and_says_what_to_do@hello.mir.snap.new");
    let accepted = pending.with_extension("");
    if pending.exists() {
        std::fs::rename(&pending, &accepted).unwrap();
    } else {
        // Under CI (or INSTA_UPDATE=no) insta writes nothing: write the snapshot by hand.
        std::fs::create_dir_all(&snapshots).unwrap();
        std::fs::write(
            &accepted,
            "---\nsource: tests/library.rs\n---\nexit: 0\n--- stdout\nhi\n\n--- stderr\n\n--- trace\n+++ exited with 0 +++\n",
        )
        .unwrap();
    }
    settings.bind(|| spindle::snapshot_programs!(glob.as_str()));
    std::fs::write(dir.join("hello.mir"), "fn main() -> i64 { bb0: { println \"ho\"; return 0; } }").unwrap();
    let panic = settings.bind(|| std::panic::catch_unwind(|| spindle::snapshot_programs!(glob.as_str()))).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("hello.mir: the output differs from its snapshot"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn test_names_are_found_as_insta_finds_them() {
    use spindle::harness::test_name;
    assert_eq!(test_name("programs::programs::__spindle_here"), "programs");
    assert_eq!(test_name("my_tests::inner::test_guests::{{closure}}::{{closure}}::__spindle_here"), "guests");
}

// ---- sweeps ---------------------------------------------------------------------------------

#[test]
fn a_sweep_finds_a_bug_with_its_minimal_schedule() {
    let path = Path::new(ROOT).join("programs/bugs/lost_update.mir");
    for sweep in [Sweep::new(&path).seeds(100), Sweep::new(&path).pct(3, 100), Sweep::new(&path).dfs(2).runs(200)] {
        let f = sweep.find_failure();
        assert_eq!(f.exit_code, 101);
        // A preemption between a thread's load and its store, or (weak memory) a load that
        // reads the initial value after the other thread's store: a stale read, which the
        // schedule string's fourth part records.
        assert!(f.preemptions >= 1 || f.schedule.split(':').count() == 4, "{f}");
        assert!(f.table.is_some());
        let text = f.to_string();
        assert!(text.contains("minimal failing schedule (") && text.contains("): s1:"), "{text}");
        assert!(text.contains("assertion failed: an increment was lost"), "{text}");
        assert!(text.contains("Config::new().replay("), "{text}");
        // `check` fails the test with the same text.
        let panic = std::panic::catch_unwind(|| sweep.check()).unwrap_err();
        let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.starts_with("schedule sweep failed: ") && msg.contains(&f.schedule), "{msg}");
    }
}

#[test]
fn a_sweep_of_a_correct_program_passes() {
    let path = Path::new(ROOT).join("programs/bugs/lost_update_fixed.mir");
    assert_eq!(Sweep::new(&path).seeds(50).check().runs, 50);
    let r = Sweep::new(&path).dfs(3).check();
    assert!(r.exhaustive);
}

/// A sweep of one variant of a two-variant program (`const MODE`, `--const MODE=0`), and of a
/// constant the program does not have.
#[test]
fn a_sweep_of_a_variant() {
    let path = Path::new(ROOT).join("programs/epoll/notification_after_timeout.mir");
    let lt = Sweep::new(&path).constant("MODE", "0").dfs(2).check();
    assert!(lt.exhaustive && lt.runs >= 1);
    match Sweep::new(&path).constant("NOPE", "1").seeds(1).run() {
        Err(SweepError::BadInput(e)) => assert!(e.contains("the program has no `const NOPE`"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_sweep_of_bad_input_says_why() {
    match Sweep::new("no/such/file.mir").run() {
        Err(SweepError::BadInput(e)) => assert!(e.contains("cannot read `no/such/file.mir`"), "{e}"),
        other => panic!("{other:?}"),
    }
    match Sweep::source("broken.mir", "fn main( {").run() {
        Err(SweepError::BadInput(e)) => assert!(e.contains("broken.mir does not load"), "{e}"),
        other => panic!("{other:?}"),
    }
    let panic =
        std::panic::catch_unwind(|| Sweep::new(Path::new(ROOT).join("programs/bugs/lost_update_fixed.mir")).seeds(5).find_failure())
            .unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("no failure in 5 schedules"), "{msg}");
}
