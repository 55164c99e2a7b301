//! `spindle run --against-kernel` (src/against_kernel.rs): a program's system calls carried out
//! by the host kernel as well, in lockstep, and compared.
//!
//! The corpus: every program under `programs/` that loads is checked against the kernel, threads,
//! blocking calls, timed waits and armed timers included. Each must agree with Linux call by
//! call — except the programs listed in [`DOCUMENTED`], which pin a difference that
//! `docs/divergences.md` lists and must be reported as exactly that divergence. A divergence
//! anywhere else is a Spindle bug. Programs that cannot be checked (a file on the guest's file
//! system) must say so cleanly, for one of the reasons in [`CANNOT_CHECK`]; a check that agrees
//! must leave the run as it is without the check.
//!
//! And the command line: exit codes, the summary, the divergence report, refusals, bad input.
#![cfg(target_os = "linux")]

mod common;

use spindle::against_kernel::{KernelCheck, Oracle, OracleError, EXIT_DIVERGED};
use spindle::harness::{Header, HARNESS_MAX_STEPS};
use spindle::{Config, LoadOptions, Program};
use std::path::{Path, PathBuf};

use std::time::Duration;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_spindle");

/// The programs that diverge from Linux: the program, the call, what the report says, and the
/// row of `docs/divergences.md` that explains it (each row names the program).
const DOCUMENTED: &[(&str, &str, &str, &str)] = &[
    (
        "programs/against_kernel/null_write_full_pipe.mir",
        "write",
        "`write` returned in Spindle, but blocked on Linux",
        "A blocking write of an unreadable buffer to a full pipe",
    ),
    ("programs/against_kernel/partial_buffer.mir", "write", "`write` returned 4 in Spindle but -1 EFAULT on Linux", "Partly valid buffers"),
    ("programs/fds/eventfd_efault.mir", "read", "`read` left different bytes in argument 2", "An eventfd read into a short valid buffer"),
    ("programs/fds/fd_efault.mir", "write", "`write` returned 4 in Spindle but -1 EFAULT on Linux", "Partly valid buffers"),
    ("programs/fds/fd_stdio.mir", "write", "`write` returned -1 EFAULT in Spindle but 5 on Linux", "`write(1, NULL, n)` on stdout"),
    (
        "programs/against_kernel/signalfd_other_thread.mir",
        "poll",
        "`poll` returned 1 in Spindle but 0 on Linux",
        "Signals a signalfd reads and reports ready",
    ),
];

/// Why a program may not be checkable to its end: (what the refusal says, the category).
const CANNOT_CHECK: &[(&str, &str)] = &[
    ("while a timer is armed", "a virtual jump of more than 2 s while a timer is armed (the kernel's clock would have to catch up)"),
    ("was freed while it blocked", "a blocked call's buffer freed under it (the oracle's copy cannot follow)"),
    ("looks at the guest's file system", "a call on the guest's in-memory file system, whose names, inodes and times are not the host's"),
    (
        "with an option Spindle does not model",
        "a socket option Spindle does not model (not sent to the helper, which has the host's privileges)",
    ),
    ("processes are not compared", "fork and wait4: one oracle process serves one guest process"),
    (
        "while the call it interrupted is restarted",
        "a signal handler's call while the call it interrupted is restarted (the oracle's thread for it is back in that call)",
    ),
    ("names the same fd set twice", "one fd set passed twice to select (the oracle rebuilds each buffer on its own)"),
    ("would signal every process of the user", "kill(-1, …): the oracle would signal every process of the host's user"),
];

fn oracle() -> Oracle {
    Oracle::new(BIN)
}

/// Every `.mir` file under `programs/`, relative to the workspace root, sorted.
fn all_programs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "mir") {
                out.push(p.strip_prefix(ROOT).unwrap().to_path_buf());
            }
        }
    }
    let mut v = Vec::new();
    walk(&Path::new(ROOT).join("programs"), &mut v);
    v.sort();
    v
}

/// Runs `f` over `items` on two worker threads and returns the results in order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..2 {
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

struct Checked {
    path: String,
    check: Result<KernelCheck, OracleError>,
    /// The run without the check: exit code and stdout.
    plain: (i32, Vec<u8>),
}

#[test]
fn every_program_agrees_with_linux_but_the_documented_divergences() {
    // Every variant of a program with `// spindle-variants:` is checked on its own: `path [ET]`.
    let mut items: Vec<(String, String, Config, Vec<(String, String)>)> = Vec::new();
    for rel in all_programs() {
        let Ok(src) = std::fs::read_to_string(Path::new(ROOT).join(&rel)) else { continue };
        let path = rel.to_string_lossy().replace('\\', "/");
        for (variant, flags) in Header::parse(&src).runs() {
            let (consts, flags) = spindle::harness::split_consts(&flags).expect("the header's flags are valid");
            let options = LoadOptions { consts, ..Default::default() };
            // Programs that do not load (programs/errors/) have nothing to check.
            if Program::load(Path::new(ROOT).join(&rel), &options).is_err() {
                continue;
            }
            let config = Config::new().max_steps(HARNESS_MAX_STEPS).with_flags(flags).expect("the header's flags are valid");
            let label = variant.map_or_else(|| path.clone(), |v| format!("{path} [{v}]"));
            items.push((label, path.clone(), config, options.consts));
        }
    }
    // `Program` is not `Send`: each worker loads its own.
    let results = par_map(&items, |(label, path, config, consts)| {
        let options = LoadOptions { consts: consts.clone(), ..Default::default() };
        let program = Program::load(Path::new(ROOT).join(path), &options).unwrap();
        let plain = program.run(config.clone());
        Checked { path: label.clone(), check: program.against_kernel(config.clone(), &oracle()), plain: (plain.exit_code, plain.stdout) }
    });

    let docs = std::fs::read_to_string(Path::new(ROOT).join("docs/divergences.md")).unwrap();
    let mut failures = Vec::new();
    let (mut agreed, mut agreed_with_calls, mut calls) = (0, 0, 0);
    let mut diverged = Vec::new();
    let mut unchecked = Vec::new();
    for Checked { path, check, plain } in &results {
        let check = match check {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{path}: the oracle failed: {e}"));
                continue;
            }
        };
        calls += check.compared;
        if let Some(d) = &check.divergence {
            assert_eq!(check.exit_code(), EXIT_DIVERGED, "{path}");
            diverged.push(path.clone());
            match DOCUMENTED.iter().find(|(p, ..)| p == path) {
                None => failures.push(format!(
                    "{path}: diverges from Linux, and docs/divergences.md lists no such difference — a Spindle bug?\n{}\nspindle: {}\nlinux:   {}\n{}",
                    d.diagnostic.title,
                    d.spindle,
                    d.linux.as_deref().unwrap_or("(no answer)"),
                    d.differences.join("\n")
                )),
                Some((_, call, what, row)) => {
                    if d.call != *call || !d.differences[0].contains(what) {
                        failures.push(format!("{path}: expected `{call}`: {what}; got `{}`: {}", d.call, d.differences[0]));
                    }
                    if !docs.contains(row) || !docs.contains(path.trim_start_matches("programs/")) {
                        failures.push(format!("{path}: docs/divergences.md must list \"{row}\" and name {path}"));
                    }
                }
            }
            continue;
        }
        if let Some(why) = &check.unchecked {
            if let Some((_, category)) = CANNOT_CHECK.iter().find(|(c, _)| why.contains(c)) {
                unchecked.push(format!("{path}: {category}: {why}"));
            } else {
                failures.push(format!("{path}: cannot be checked: {why}"));
            }
            assert_eq!(check.exit_code(), 3, "{path}: a program that cannot be checked exits with 3");
            continue;
        }
        agreed += 1;
        if check.compared > 0 {
            agreed_with_calls += 1;
        }
        // The check only observes.
        if (check.exit_code(), &check.outcome.stdout) != (plain.0, &plain.1) {
            failures.push(format!(
                "{path}: the run under --against-kernel exits {} and prints {:?}; without, {} and {:?}",
                check.exit_code(),
                String::from_utf8_lossy(&check.outcome.stdout),
                plain.0,
                String::from_utf8_lossy(&plain.1)
            ));
        }
    }
    for (p, ..) in DOCUMENTED {
        if !diverged.iter().any(|d| d == p) {
            failures.push(format!("{p}: pins a documented divergence, but --against-kernel found none"));
        }
    }
    eprintln!(
        "against-kernel: {} programs run; {} checked to the end: {agreed} agree ({agreed_with_calls} of them after at least one system call; {calls} calls compared in all), {} diverge as documented ({}); {} cannot be checked to the end:\n  {}",
        results.len(),
        agreed + diverged.len(),
        diverged.len(),
        diverged.join(", "),
        unchecked.len(),
        unchecked.join("\n  ")
    );
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n\n"));
    assert!(agreed_with_calls >= 100, "only {agreed_with_calls} programs agreed after making system calls");
    assert!(calls >= 20_000, "only {calls} system calls compared");
    // 444 of 462 on the reference machine, the signal programs included.
    assert!(agreed + diverged.len() >= 440, "only {} programs were checked to the end", agreed + diverged.len());
    // Every signal program is checked to its end (handlers, masks, EINTR, signalfd, SIGPIPE,
    // a signal's default action).
    let signals: Vec<&String> = unchecked.iter().filter(|u| u.starts_with("programs/signals/")).collect();
    assert!(signals.is_empty(), "signal programs that cannot be checked: {signals:#?}");
    // Programs that fork are never compared (one oracle process serves one guest process); of
    // the others, at most 12 may stop before their end, two of them strace twins that open files
    // and set unmodelled options by design (programs/strace/fd_links.mir, futex_sockopt_ioctl.mir).
    let single_process: Vec<&String> = unchecked.iter().filter(|u| !u.contains("processes are not compared")).collect();
    assert!(single_process.len() <= 12, "too many programs cannot be checked: {single_process:#?}");
}

/// The library reports a divergence with both answers, and captures the run.
#[test]
fn a_divergence_comes_back_with_both_answers() {
    let program = Program::from_path(Path::new(ROOT).join("programs/against_kernel/partial_buffer.mir")).unwrap();
    let check = program.against_kernel(Config::new().trace_text(), &oracle()).unwrap();
    assert!(!check.agreed());
    assert_eq!(check.exit_code(), EXIT_DIVERGED);
    let d = check.divergence.as_ref().unwrap();
    assert_eq!((d.call.as_str(), d.index), ("write", 2));
    assert!(d.spindle.starts_with("write(4, ") && d.spindle.ends_with(", 10) = 4"), "{}", d.spindle);
    assert!(d.linux.as_deref().unwrap().ends_with(", 10) = -1 EFAULT (Bad address)"), "{:?}", d.linux);
    // The run stopped at the diverging call: nothing after it ran.
    assert_eq!(check.outcome.stdout, b"");
    let trace = check.outcome.trace.as_ref().unwrap();
    assert!(trace.text.starts_with("[main] pipe2([3, 4], 0)"), "{}", trace.text);
    let report = check.outcome.report.as_ref().unwrap();
    assert!(report.rendered.contains("/programs/against_kernel/partial_buffer.mir:17:9\n"), "{}", report.rendered);
    assert!(check.render(&program, false).ends_with(&format!("{}\n", check.summary())));
}

/// An oracle that cannot start is an error, not a divergence.
#[test]
fn a_missing_oracle_is_an_error() {
    let program = Program::from_path(Path::new(ROOT).join("programs/against_kernel/agrees.mir")).unwrap();
    let e = program.against_kernel(Config::new(), &Oracle::new("/nonexistent/spindle")).unwrap_err();
    assert!(e.0.contains("cannot start the kernel oracle `/nonexistent/spindle __kernel-oracle`"), "{e}");
    // An executable that is not an oracle (it exits at once).
    let e = program.against_kernel(Config::new(), &Oracle::new("/bin/true")).unwrap_err();
    assert!(e.0.contains("failed"), "{e}");
}

/// The fd limit is the guest's: EMFILE at the same number, on both sides.
#[test]
fn the_oracle_takes_the_guests_fd_limit() {
    let src = r#"
fn main() -> i64 {
    let r: i64;
    bb0: { r = call dup(0) -> bb1; }
    bb1: { r = call dup(0) -> bb2; }
    bb2: { r = call dup(0) -> bb3; }
    bb3: { r = call dup2(0, 5) -> bb4; }
    bb4: { r = call fcntl(0, F_DUPFD, 5) -> bb5; }
    bb5: { return r; }
}
"#;
    let program = Program::from_source("limit.mir", src).unwrap();
    let check = program.against_kernel(Config::new().max_fds(5), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&program, false));
    assert_eq!((check.compared, check.exit_code()), (5, 255), "fcntl(F_DUPFD, 5) is EINVAL with 5 fds");
}

/// The oracle's fd table is a fresh process's (64 fds) whatever the process that starts it
/// holds: `select` looks at no fd at or above the table's size, so a parent with a high fd open
/// (a test harness, a shell) used to make a closed fd 64 `EBADF` on the kernel's side only.
#[test]
fn the_oracles_fd_table_is_a_fresh_processs_whatever_its_parent_holds() {
    let src = r#"
static R: [u64; 16];
static TV: [i64; 2];

fn main() -> i64 {
    let p: [i32; 2];
    let r: i64;
    bb0: { r = call pipe(&p) -> bb1; }
    bb1: { store.u64 &R, 8; store.u64 &R + 8, 1; r = call select(1024, &R, 0 as ptr, 0 as ptr, &TV) -> bb2; }
    bb2: { r = call dup2(3, 70) -> bb3; }
    bb3: { store.u64 &R, 8; store.u64 &R + 8, 0; store.u64 &R + 16, 1; r = call select(1024, &R, 0 as ptr, 0 as ptr, &TV) -> bb4; }
    bb4: { store.u64 &R + 16, 0; store.u64 &R + 8, 1; r = call select(1024, &R, 0 as ptr, 0 as ptr, &TV) -> bb5; }
    bb5: { return r; }
}
"#;
    // SAFETY: duplicates stdin onto a free fd at or above 900 (closed below): the starting
    // process's fd table grows to 1024 fds, and the oracle is started from it.
    let high = unsafe { libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 900) };
    assert!(high >= 900, "F_DUPFD_CLOEXEC: {}", std::io::Error::last_os_error());
    let program = Program::from_source("fd_table.mir", src).unwrap();
    let check = program.against_kernel(Config::new(), &oracle());
    // SAFETY: `high` is this test's own fd.
    unsafe { libc::close(high) };
    let check = check.unwrap();
    assert!(check.agreed(), "{}", check.render(&program, false));
    // select of fd 64 with a 64-fd table: 0; of fd 128 with 128: 0; of fd 64 with 128: EBADF.
    assert_eq!((check.compared, check.exit_code()), (5, 255), "{}", check.render(&program, false));
}

/// A divergence while other threads block: the report says, for each, where its call is in
/// Spindle and on Linux. (The divergence is the documented "blocking write of an unreadable
/// buffer to a full pipe", made while a reader blocks on another pipe.)
#[test]
fn a_divergence_shows_every_blocked_thread_on_both_sides() {
    let src = r#"
static FDS: [i32; 2];
static OTHER: [i32; 2];
static PAGE: [u8; 4096];
static BUF: [u8; 8];

fn reader() -> i64 {
    let rd: i32;
    let r: i64;
    bb0: { rd = load.i32 &OTHER; r = call read(rd, &BUF, 8) -> bb1; }
    bb1: { return r; }
}

fn main() -> i64 {
    let r: i64;
    let t: i64;
    let wr: i32;
    let i: i64;
    bb0: { r = call pipe(&FDS) -> bb1; }
    bb1: { r = call pipe(&OTHER) -> bb2; }
    bb2: { t = call spawn(reader, 0) -> bb3; }
    bb3: { call sched_yield() -> bb4; }
    bb4: { wr = load.i32 &FDS + 4; r = call fcntl(wr, F_SETFL, O_NONBLOCK) -> bb5; }
    bb5: { i = 0; goto fill; }
    fill: { switch i < 16 { true => put, false => full } }
    put: { r = call write(wr, &PAGE, 4096) -> next; }
    next: { i = i + 1; goto fill; }
    full: { r = call fcntl(wr, F_SETFL, 0) -> null_write; }
    null_write: { r = call write(wr, null, 1) -> done; }
    done: { return 0; }
}
"#;
    let program = Program::from_source("blocked.mir", src).unwrap();
    let check = program.against_kernel(Config::new(), &Oracle::new(BIN).timeout(Duration::from_millis(300))).unwrap();
    let d = check.divergence.as_ref().expect("the NULL write diverges");
    assert_eq!(check.exit_code(), EXIT_DIVERGED);
    assert_eq!(d.call, "write");
    assert!(d.differences[0].starts_with("`write` returned in Spindle, but blocked on Linux"), "{:?}", d.differences);
    assert_eq!(d.spindle, "write(4, NULL, 1) = -1 EFAULT (Bad address)");
    assert_eq!(d.linux.as_deref(), Some("write(4, NULL, 1) = ? (it blocks)"));
    assert!(d.differences.contains(&"the call is thread `main`'s".to_string()), "{:?}", d.differences);
    assert!(d.differences.contains(&"thread `reader#1`: `read` blocks in Spindle and blocks on Linux".to_string()), "{:?}", d.differences);
}

/// Forty threads blocked in the same read of one pipe: twenty one-byte writes complete twenty of
/// them (Linux may pick other readers than Spindle: equivalent waiters are matched as a group),
/// and closing the write end completes the rest with 0. With a thread limit below what the
/// program spawns, the run stops at the limit (exit 4) while the oracle's threads block, and the
/// check ends at once.
#[test]
fn many_blocked_threads_agree_and_a_thread_limit_ends_the_check_cleanly() {
    let src = r#"
static P: [i32; 2];
static BUFS: [u8; 128];
static GOT: [i64; 1];

fn reader(i: i64) -> i64 {
    let rd: i32;
    let r: i64;
    bb0: { rd = load.i32 &P; r = call read(rd, &BUFS + i, 1) -> bb1; }
    bb1: { r = atomic_rmw.add.seq_cst.u64 &GOT, r; return 0; }
}

fn main() -> i64 {
    let r: i64;
    let t: i64;
    let wr: i32;
    let i: i64;
    let got: i64;
    bb0: { r = call pipe(&P) -> bb1; }
    bb1: { i = 0; goto spawn; }
    spawn: { switch i < 40 { true => one, false => spawned } }
    one: { t = call spawn(reader, i) -> yield; }
    yield: { call sched_yield() -> next; }
    next: { i = i + 1; goto spawn; }
    spawned: { wr = load.i32 &P + 4; i = 0; goto write; }
    write: { switch i < 20 { true => put, false => close } }
    put: { r = call write(wr, "x", 1) -> put_next; }
    put_next: { i = i + 1; goto write; }
    close: { r = call close(wr) -> joins; }
    joins: { i = 1; goto join; }
    join: { switch i <= 40 { true => j, false => done } }
    j: { r = call join(i) -> j_next; }
    j_next: { i = i + 1; goto join; }
    done: { got = atomic_load.seq_cst.u64 &GOT; println "bytes read: {}", got; return 0; }
}
"#;
    let program = match Program::from_source("readers.mir", src) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render(false)),
    };
    let started = std::time::Instant::now();
    let check = program.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&program, false));
    assert_eq!(check.exit_code(), 0);
    assert_eq!(String::from_utf8_lossy(&check.outcome.stdout), "bytes read: 20\n");
    // pipe, 40 reads, 20 writes, close.
    assert_eq!(check.compared, 62, "{check:?}");
    let limited = program.against_kernel(Config::new().max_threads(20), &oracle()).unwrap();
    assert_eq!(limited.exit_code(), 4, "{}", limited.render(&program, false));
    assert!(limited.divergence.is_none() && limited.unchecked.is_none(), "{}", limited.render(&program, false));
    assert!(started.elapsed() < Duration::from_secs(30), "the checks took {:?}", started.elapsed());
}

/// Armed timers (docs/divergences.md, *Timers*): the virtual clock's jumps become real waits of
/// the check, so that the kernel's timers expire as Spindle's do — the corpus's timer programs
/// agree, and a check with sleeps takes at least as long as they sleep (without the waits the
/// kernel's reads would find nothing where Spindle's count 2).
#[test]
fn armed_timers_are_checked_on_the_kernels_clock() {
    for (path, slept_ms) in [
        ("programs/epoll/timerfd_periodic.mir", 120),
        ("programs/epoll/timerfd_oneshot.mir", 50),
        ("programs/epoll/timerfd_epoll.mir", 100),
        ("programs/epoll/timerfd_clock_epoch.mir", 0),
    ] {
        let program = Program::from_path(Path::new(ROOT).join(path)).unwrap();
        let started = std::time::Instant::now();
        let check = program.against_kernel(Config::new(), &oracle()).unwrap();
        let took = started.elapsed();
        assert!(check.agreed(), "{path}: {}", check.render(&program, false));
        assert_eq!(check.outcome.stdout, program.run(Config::new()).stdout, "{path}");
        assert!(took >= Duration::from_millis(slept_ms), "{path}: the check took {took:?}, less than the {slept_ms} ms the program sleeps");
        assert!(took < Duration::from_secs(20), "{path}: the check took {took:?}");
    }
}

/// A periodic timer read by a thread that blocks in the read while main waits in epoll on the
/// same timer and sleeps: every blocked read completes on the kernel's clock too.
#[test]
fn a_timer_read_by_a_blocked_thread_agrees() {
    let src = r#"
static T: [i64; 1];
static ITS: [i64; 4];
static BUF: [u8; 8];
static EV: [u8; 24];

fn reader() -> i64 {
    let t: i64;
    let r: i64;
    bb0: { t = load.i64 &T; r = call read(t, &BUF, 8) -> bb1; }
    bb1: { r = call read(t, &BUF, 8) -> bb2; }
    bb2: { r = call read(t, &BUF, 8) -> bb3; }
    bb3: { return r; }
}

fn main() -> i64 {
    let t: i64;
    let ep: i64;
    let r: i64;
    let th: i64;
    bb0: { t = call timerfd_create(CLOCK_MONOTONIC, 0) -> bb1; }
    bb1: { store.i64 &T, t; ep = call epoll_create1(0) -> bb2; }
    bb2: { store.u32 &EV, EPOLLIN; store.u64 &EV + 4, 7; r = call epoll_ctl(ep, EPOLL_CTL_ADD, t, &EV) -> bb3; }
    bb3: {
        store.i64 &ITS, 0; store.i64 &ITS + 8, 15000000;
        store.i64 &ITS + 16, 0; store.i64 &ITS + 24, 15000000;
        r = call timerfd_settime(t, 0, &ITS, null) -> bb4;
    }
    bb4: { th = call spawn(reader, 0) -> bb5; }
    bb5: { r = call usleep(5000) -> bb6; }
    bb6: { r = call epoll_wait(ep, &EV, 1, 0) -> bb7; }
    bb7: { r = call join(th) -> bb8; }
    bb8: { r = call epoll_wait(ep, &EV, 1, 0) -> bb9; }
    bb9: { r = call close(t) -> bb10; }
    bb10: { return 0; }
}
"#;
    let program = match Program::from_source("timer_threads.mir", src) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render(false)),
    };
    let started = std::time::Instant::now();
    let check = program.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&program, false));
    // timerfd_create, epoll_create1, epoll_ctl, timerfd_settime, 3 reads, 2 epoll_waits, close.
    assert_eq!(check.compared, 10, "{check:?}");
    // Three expirations, 15 ms apart.
    assert!(started.elapsed() >= Duration::from_millis(45), "{:?}", started.elapsed());
}

/// A virtual jump the kernel cannot follow in bounded time (a 5 s sleep while a periodic timer is
/// armed) ends the check at once with the reason, rather than waiting. A one-shot timer that has
/// expired does not hold the check back: the same sleep after it is checked.
#[test]
fn a_long_virtual_sleep_with_a_timer_armed_is_refused_at_once() {
    let src = r#"
static ITS: [i64; 4];
static BUF: [u8; 8];
fn main() -> i64 {
    let t: i64;
    let r: i64;
    bb0: { t = call timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK) -> bb1; }
    bb1: { store.i64 &ITS + 8, INTERVAL; store.i64 &ITS + 24, 10; r = call timerfd_settime(t, 0, &ITS, null) -> bb2; }
    bb2: { r = call usleep(5000000) -> bb3; }
    bb3: { r = call read(t, &BUF, 8) -> bb4; }
    bb4: { return 0; }
}
"#;
    let one_shot = Program::from_source("one_shot.mir", &src.replace("INTERVAL", "0")).unwrap();
    let started = std::time::Instant::now();
    let check = one_shot.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&one_shot, false));
    assert_eq!(check.compared, 3);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let src = src.replace("INTERVAL", "10000000");
    let program = Program::from_source("long_sleep.mir", src.as_str()).unwrap();
    let started = std::time::Instant::now();
    let check = program.against_kernel(Config::new(), &oracle()).unwrap();
    assert_eq!(check.exit_code(), 3, "{}", check.render(&program, false));
    let why = check.unchecked.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("the virtual clock ran 49") && why.ends_with("the check waits at most 2000 ms for the kernel to catch up"),
        "{why}"
    );
    assert_eq!(check.compared, 2);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

/// Signals within one process (docs/divergences.md, *Signals*): every program of
/// programs/signals/ agrees call by call — handlers (the kernel's deliveries matched with
/// Spindle's), masks inside and after them, EINTR and SA_RESTART, signalfd, SIGPIPE, and a
/// default action that ends the process (the kernel's process must die of the same signal in
/// the same call).
#[test]
fn signal_programs_agree_with_linux_call_by_call() {
    for (path, code, at_least) in [
        ("programs/signals/handler.mir", 0, 25),
        ("programs/signals/masks.mir", 0, 30),
        ("programs/signals/eintr.mir", 0, 20),
        ("programs/signals/signalfd.mir", 0, 30),
        ("programs/signals/errors.mir", 0, 30),
        ("programs/signals/sigpipe.mir", 141, 10),
        ("programs/signals/killed.mir", 143, 1),
        ("programs/signals/landing.mir", 0, 2),
        ("programs/signals/sigwait.mir", 0, 45),
        ("programs/signals/saflags.mir", 0, 34),
    ] {
        let program = Program::from_path(Path::new(ROOT).join(path)).unwrap();
        let check = program.against_kernel(Config::new(), &oracle()).unwrap();
        assert!(check.agreed(), "{path}: {}", check.render(&program, false));
        assert_eq!(check.exit_code(), code, "{path}");
        assert_eq!(check.outcome.stdout, program.run(Config::new()).stdout, "{path}");
        assert!(check.compared >= at_least, "{path}: only {} calls compared", check.compared);
    }
}

/// The check never signals another process, and keeps the signal it uses for itself: a pid that
/// is not the guest's names nobody on Linux either (ESRCH on both sides), `kill(-1, …)` and a
/// handler for signal 64 end the check (exit 3), and signal 64's action reads as the default.
/// A process-directed signal goes to the main thread on both sides when it does not block it;
/// one that two other threads could take ends the check: Linux may pick either.
#[test]
fn signals_never_leave_the_oracle_and_an_open_choice_is_refused() {
    let src = r#"
static K: [u64; 4];
fn main() -> i64 {
    let r: i64;
    bb0: { r = call kill(4194303, 0) -> bb1; }
    bb1: { r = call kill(-4194303, SIGUSR1) -> bb2; }
    bb2: { r = call tgkill(1000, 4194303, SIGUSR1) -> bb3; }
    bb3: { r = call rt_sigaction(64, 0 as ptr, &K, 8) -> bb4; }
    bb4: { r = call STEP -> bb5; }
    bb5: { return 0; }
}
"#;
    let agrees = Program::from_source("pids.mir", src.replace("STEP", "kill(1000, 0)")).unwrap();
    let check = agrees.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&agrees, false));
    assert_eq!(check.compared, 5);
    for (step, why) in [
        ("kill(-1, SIGUSR1)", "`kill(-1, …)` would signal every process of the user"),
        ("rt_sigaction(64, &K, 0 as ptr, 8)", "names signal 64, which the kernel oracle keeps for itself"),
        ("raise(64)", "names signal 64"),
    ] {
        let program = Program::from_source("refused.mir", src.replace("STEP", step)).unwrap();
        let check = program.against_kernel(Config::new(), &oracle()).unwrap();
        assert_eq!(check.exit_code(), 3, "{step}: {}", check.render(&program, false));
        assert!(check.unchecked.as_deref().unwrap_or_default().contains(why), "{step}: {:?}", check.unchecked);
        assert_eq!(check.compared, 4, "{step}");
    }
    // A process-directed signal with a handler goes to the main thread when it does not block
    // it (the kernel tries the main thread first, as Spindle does), whoever sends it; when the
    // main thread blocks it and two others do not, Linux may pick either: the check stops.
    let two = r#"
static SA: [u8; 152];
static GO: u64;
static RAN_ON: i64;
static USR1: u64;
fn on_usr1(sig: i32) {
    let t: i64;
    bb0: { t = call gettid() -> bb1; }
    bb1: { store.i64 &RAN_ON, t; return; }
}
fn other(send: i64) -> i64 {
    let g: u64;
    let r: i64;
    bb0: { r = call sigprocmask(SIG_UNBLOCK, &USR1, 0 as ptr) -> bb1; }
    bb1: { switch send == 1 { true => bb2, false => bb3 } }
    bb2: { r = call kill(1000, SIGUSR1) -> bb3; }
    bb3: { g = atomic_load.seq_cst.u64 &GO; switch g == 0 { true => bb4, false => bb5 } }
    bb4: { call sched_yield() -> bb3; }
    bb5: { return 0; }
}
fn main() -> i64 {
    let r: i64;
    let t: i64;
    let u: i64;
    bb0: { store.u64 &SA, on_usr1 as u64; store.i64 &RAN_ON, -1; r = call sigaction(SIGUSR1, &SA, 0 as ptr) -> bb1; }
    bb1: { store.u64 &USR1, 1 << 9; r = call sigprocmask(MAIN_HOW, &USR1, 0 as ptr) -> bb2; }
    bb2: { t = call spawn(other, 0) -> bb3; }
    bb3: { u = call spawn(other, 1) -> bb4; }
    bb4: { call sched_yield() -> bb5; }
    bb5: { call sched_yield() -> bb6; }
    bb6: { r = call sigprocmask(SIG_BLOCK, 0 as ptr, 0 as ptr) -> bb7; }
    bb7: { r = load.i64 &RAN_ON; println "the handler ran on thread {}", r; atomic_store.seq_cst.u64 &GO, 1; call join(t) -> bb8; }
    bb8: { call join(u) -> bb9; }
    bb9: { return 0; }
}
"#;
    let program = Program::from_source("to_main.mir", two.replace("MAIN_HOW", "SIG_UNBLOCK")).unwrap();
    let check = program.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&program, false));
    assert_eq!(String::from_utf8_lossy(&check.outcome.stdout), "the handler ran on thread 0\n");
    let program = Program::from_source("two_takers.mir", two.replace("MAIN_HOW", "SIG_BLOCK")).unwrap();
    let check = program.against_kernel(Config::new(), &oracle()).unwrap();
    assert_eq!(check.exit_code(), 3, "{}", check.render(&program, false));
    let why = check.unchecked.as_deref().unwrap_or_default();
    assert!(
        why.contains("`kill` sends the process SIGUSR1, which has a handler, while the main thread blocks it and 2 other threads do not"),
        "{why}"
    );
}

/// A handler that makes a system call while the read it interrupted is restarted (SA_RESTART):
/// the oracle's thread for the reader is back in the kernel's restarted read, so the check stops
/// there (exit 3) with the reason; the same handler without SA_RESTART (the read returns EINTR)
/// is checked to the end, its write included.
#[test]
fn a_handler_calling_while_its_call_is_restarted_is_refused() {
    let src = r#"
static SA: [u8; 152];
static P: [i32; 2];
fn on_usr1(sig: i32) {
    let r: i64;
    bb0: { r = call write(2, "h", 1) -> bb1; }
    bb1: { return; }
}
fn reader(x: i64) -> i64 {
    let b: [u8; 8];
    let rd: i32;
    let r: i64;
    bb0: { rd = load.i32 &P; r = call read(rd, &b, 1) -> bb1; }
    bb1: { return r; }
}
fn main() -> i64 {
    let r: i64;
    let t: i64;
    let wr: i32;
    bb0: { store.u64 &SA, on_usr1 as u64; store.i32 &SA + 136, FLAGS; r = call sigaction(SIGUSR1, &SA, 0 as ptr) -> bb1; }
    bb1: { r = call pipe(&P) -> bb2; }
    bb2: { t = call spawn(reader, 0) -> bb3; }
    bb3: { r = call usleep(10000) -> bb4; }
    bb4: { r = call pthread_kill(t, SIGUSR1) -> bb5; }
    bb5: { r = call usleep(10000) -> bb6; }
    bb6: { wr = load.i32 &P + 4; r = call write(wr, "x", 1) -> bb7; }
    bb7: { call join(t) -> bb8; }
    bb8: { return 0; }
}
"#;
    let restarted = Program::from_source("restarted.mir", src.replace("FLAGS", "SA_RESTART as i32")).unwrap();
    let check = restarted.against_kernel(Config::new(), &oracle()).unwrap();
    assert_eq!(check.exit_code(), 3, "{}", check.render(&restarted, false));
    let why = check.unchecked.as_deref().unwrap_or_default();
    assert!(why.contains("a signal handler makes a system call while the call it interrupted is restarted"), "{why}");
    let interrupted = Program::from_source("interrupted.mir", src.replace("FLAGS", "0")).unwrap();
    let check = interrupted.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.agreed(), "{}", check.render(&interrupted, false));
    // sigaction, pipe, the read (EINTR), pthread_kill, the handler's write, the write.
    assert_eq!(check.compared, 6, "{check:?}");
}

// ---- the command line -------------------------------------------------------------------------

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn spindle(args: &[&str]) -> Run {
    let e = common::run_binary(BIN, Some(Path::new(ROOT)), args, Duration::from_secs(60));
    let run = Run {
        code: e.code,
        stdout: String::from_utf8_lossy(&e.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&e.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "`spindle {}` panicked:\n{}", args.join(" "), run.stderr);
    run
}

/// The kernel's name varies between machines.
fn normalized(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.lines() {
        let line = match line.find("Linux ") {
            Some(i) => {
                let end = line[i + 6..].find([' ', ')']).map_or(line.len(), |j| i + 6 + j);
                format!("{}Linux <release>{}", &line[..i], &line[end..])
            }
            None => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn cli_a_program_that_agrees_exits_with_its_own_code() {
    let run = spindle(&["run", "--against-kernel", "programs/against_kernel/agrees.mir"]);
    let plain = spindle(&["run", "programs/against_kernel/agrees.mir"]);
    assert_eq!(run.code, Some(7), "{}", run.stderr);
    assert_eq!(run.stdout, plain.stdout);
    assert_eq!(
        normalized(&run.stderr),
        "against-kernel: all 22 system calls agreed with Linux <release> (1 call to a VM service or clock not compared)\n"
    );
    // With the trace: the calls, then the summary.
    let traced = spindle(&["run", "--against-kernel", "--trace", "programs/against_kernel/agrees.mir"]);
    assert_eq!(traced.code, Some(7));
    assert!(traced.stderr.contains("[main] epoll_wait(9, [], 4, 5)"), "{}", traced.stderr);
    assert!(traced.stderr.ends_with(&run.stderr), "{}", traced.stderr);
}

#[test]
fn cli_a_divergence_is_reported_side_by_side() {
    let run = spindle(&["run", "--against-kernel", "programs/against_kernel/partial_buffer.mir"]);
    assert_eq!(run.code, Some(5));
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!("divergence_report", normalized(&run.stderr));
    let run = spindle(&["run", "--against-kernel", "programs/fds/fd_stdio.mir"]);
    assert_eq!(run.code, Some(5));
    assert!(run.stderr.contains("= note: spindle: write(1, NULL, 5) = -1 EFAULT (Bad address)\n"), "{}", run.stderr);
    assert!(run.stderr.contains("= note: linux:   write(1, NULL, 5) = 5\n"), "{}", run.stderr);
}

/// Threads and calls that block: the eventfd read blocks in Spindle and on the oracle's thread
/// for the reader, and the writer's call completes both.
#[test]
fn cli_a_multi_threaded_program_with_blocking_calls_is_checked() {
    let run = spindle(&["run", "--against-kernel", "programs/trace/eventfd_handoff.mir"]);
    let plain = spindle(&["run", "programs/trace/eventfd_handoff.mir"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, plain.stdout);
    assert_eq!(
        normalized(&run.stderr),
        "against-kernel: all 3 system calls agreed with Linux <release> (3 calls to VM services or clocks not compared)\n"
    );
}

/// A guest that deadlocks with its threads blocked in the kernel too, and one that ends while
/// its other threads still block: the check ends at once (no wait hangs: the oracle's blocked
/// threads end with its process), with the run's own verdict.
#[test]
fn cli_blocked_threads_at_the_end_do_not_hang_the_check() {
    let started = std::time::Instant::now();
    let run = spindle(&["run", "--against-kernel", "programs/threads/deadlock_abba_pipes.mir"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: the evaluated program deadlocked\n"), "{}", run.stderr);
    assert!(normalized(&run.stderr).ends_with("against-kernel: the 2 system calls before the stop agreed with Linux <release> (3 calls to VM services or clocks not compared)\n"), "{}", run.stderr);
    let run = spindle(&["run", "--against-kernel", "programs/threads/main_returns_early.mir"]);
    let plain = spindle(&["run", "programs/threads/main_returns_early.mir"]);
    assert_eq!(run.code, plain.code, "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(20), "the checks took {:?}", started.elapsed());
}

/// The oracles `spindle` processes started with the environment variable `SPINDLE_TEST_MARK`
/// set to `mark` left running (the oracle inherits the environment): their pids.
fn processes_marked(mark: &str) -> Vec<String> {
    let needle = format!("SPINDLE_TEST_MARK={mark}\0");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.chars().all(|c| c.is_ascii_digit()) {
            let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
            if env.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(name);
            }
        }
    }
    found
}

/// `spindle run --against-kernel` on `src` (written to a file), marked so that what it leaves
/// running can be found: its run, how long it took, and the processes it left (none, please).
fn check_marked(test: &str, src: &str) -> (Run, Duration, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("spindle-ak-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{test}.mir"));
    std::fs::write(&path, src).unwrap();
    let mark = format!("{}-{test}", std::process::id());
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["run", "--against-kernel"]).arg(&path).env("SPINDLE_TEST_MARK", &mark);
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let started = std::time::Instant::now();
    let e = common::run_command(cmd, Duration::from_secs(120));
    let took = started.elapsed();
    // The oracle dies with its parent (SIGKILL on the parent's death): give the kernel a moment.
    let mut left = processes_marked(&mark);
    for _ in 0..20 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        left = processes_marked(&mark);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let run = Run {
        code: e.code,
        stdout: String::from_utf8_lossy(&e.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&e.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{test} panicked:\n{}", run.stderr);
    (run, took, left)
}

/// The issue's bad input: a guest that blocks forever (a deadlock of one thread), one that exits
/// while its other threads block in the kernel, and one that spawns as many threads as it may,
/// each blocking: every check ends in bounded time with the run's own verdict or a clear refusal,
/// and leaves no oracle process behind.
#[test]
fn cli_bad_input_ends_in_bounded_time_and_leaves_nothing_running() {
    let forever = r#"
static P: [i32; 2];
static BUF: [u8; 8];
fn main() -> i64 {
    let r: i64;
    let rd: i32;
    bb0: { r = call pipe(&P) -> bb1; }
    bb1: { rd = load.i32 &P; r = call read(rd, &BUF, 1) -> bb2; }
    bb2: { return r; }
}
"#;
    let (run, took, left) = check_marked("forever", forever);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: the evaluated program deadlocked\n"), "{}", run.stderr);
    assert!(run.stderr.contains("against-kernel: the 1 system call before the stop agreed with"), "{}", run.stderr);
    assert!(left.is_empty() && took < Duration::from_secs(30), "{left:?} left running; took {took:?}");

    // main returns while three readers block in the kernel (their oracle threads end with it).
    let early = r#"
static P: [i32; 2];
static BUF: [u8; 8];
fn reader() -> i64 {
    let rd: i32;
    let r: i64;
    bb0: { rd = load.i32 &P; r = call read(rd, &BUF, 1) -> bb1; }
    bb1: { return r; }
}
fn main() -> i64 {
    let r: i64;
    let t: i64;
    bb0: { r = call pipe(&P) -> bb1; }
    bb1: { t = call spawn(reader, 0) -> bb2; }
    bb2: { t = call spawn(reader, 0) -> bb3; }
    bb3: { t = call spawn(reader, 0) -> bb4; }
    bb4: { call sched_yield() -> bb6; }
    bb6: { call sched_yield() -> bb7; }
    bb7: { call sched_yield() -> bb5; }
    bb5: { return 4; }
}
"#;
    let (run, took, left) = check_marked("early", early);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    // The three reads still block at the end, in Spindle and in the kernel: not compared.
    assert!(run.stderr.contains("against-kernel: all 1 system call agreed with"), "{}", run.stderr);
    assert!(left.is_empty() && took < Duration::from_secs(30), "{left:?} left running; took {took:?}");

    // 9000 threads (the default limit is 10 000), each blocked in a read: the check stops at the
    // 129th blocked call, with the reason.
    let many = r#"
static P: [i32; 2];
static BUF: [u8; 8];
fn reader() -> i64 {
    let rd: i32;
    let r: i64;
    bb0: { rd = load.i32 &P; r = call read(rd, &BUF, 1) -> bb1; }
    bb1: { return r; }
}
fn main() -> i64 {
    let r: i64;
    let t: i64;
    let i: i64;
    bb0: { r = call pipe(&P) -> bb1; }
    bb1: { i = 0; goto spawn; }
    spawn: { switch i < 9000 { true => one, false => done } }
    one: { t = call spawn(reader, 0) -> yield; }
    yield: { call sched_yield() -> next; }
    next: { i = i + 1; goto spawn; }
    done: { return 0; }
}
"#;
    let (run, took, left) = check_marked("many", many);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: --against-kernel cannot check this program: more than 128 calls block at once"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("this is on thread `reader#129`"), "{}", run.stderr);
    assert!(left.is_empty() && took < Duration::from_secs(60), "{left:?} left running; took {took:?}");
}

#[test]
fn cli_bad_input_never_panics() {
    let run = spindle(&["run", "--against-kernel", "programs/against_kernel/no_such_file.mir"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("cannot read `programs/against_kernel/no_such_file.mir`"), "{}", run.stderr);
    let run = spindle(&["run", "--against-kernel", "programs/errors/missing_main.mir"]);
    assert_eq!(run.code, Some(2));
    let run = spindle(&["run", "--against-kernel", "--replay", "s1:*:", "programs/against_kernel/agrees.mir"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    // The oracle's own subcommand, started by hand: it says what it is for and ends.
    let run = spindle(&["__kernel-oracle"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("the kernel side of `spindle run --against-kernel`"), "{}", run.stderr);
}

/// A signal's default action ends both processes: Spindle's run with 128 + the signal, the
/// kernel's process by the signal itself, in the same call.
#[test]
fn cli_a_signal_that_ends_the_process_ends_the_kernels_too() {
    let run = spindle(&["run", "--against-kernel", "programs/signals/killed.mir"]);
    assert_eq!(run.code, Some(143), "{}", run.stderr);
    assert!(
        normalized(&run.stderr)
            .ends_with("against-kernel: all 1 system call agreed with Linux <release> (2 calls to VM services or clocks not compared)\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn cli_help_lists_the_exit_code() {
    let run = spindle(&["run", "--help"]);
    assert!(run.stdout.contains("--against-kernel"), "{}", run.stdout);
    assert!(run.stdout.contains("5 Spindle and the kernel disagree (`--against-kernel`)"), "{}", run.stdout);
}

/// The first Spindle bug `--against-kernel` found, now fixed: Linux checks a `read` or `write`
/// buffer against the caller's whole count (`access_ok(buf, count)` in `vfs_read` and
/// `vfs_write`) before it clamps the count to `MAX_RW_COUNT`, so a count that runs past the end
/// of user space is `EFAULT` at once; Spindle used to clamp first and read 8 bytes. (The program
/// programs/fds/rw_count_past_user_space.mir pins the other cases.)
#[test]
fn a_count_past_the_end_of_user_space_is_efault_as_on_linux() {
    let src = r#"
static BUF: [u8; 16];
fn main() -> i64 {
    let e: i64;
    let r: i64;
    bb0: { e = call eventfd(3, 0) -> bb1; }
    bb1: { r = call read(e, &BUF, 1099511627776) -> bb2; }
    bb2: { store.u64 &BUF, 3; r = call write(e, &BUF, 8) -> bb3; }
    bb3: { r = call read(e, &BUF, -1) -> bb4; }
    bb4: { return 0; }
}
"#;
    let program = Program::from_source("count.mir", src).unwrap();
    let check = program.against_kernel(Config::new(), &oracle()).unwrap();
    assert!(check.divergence.is_none(), "{:?}", check.divergence);
    assert_eq!(check.compared, 4, "every call was compared: {check:?}");
}
