//! The command line as people use it (issue 24): outputs that cannot be written — a full disk
//! (`/dev/full`), a closed pipe (`| head`), a file in a missing directory — never panic (exit
//! 101 is the code of a guest panic) and never pass silently: the run fails with exit status 6
//! and names the output, or keeps Spindle's own verdict when it had one.

mod common;

use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_spindle");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TIMEOUT: Duration = Duration::from_secs(60);
/// `cli_io::EXIT_OUTPUT`.
const EXIT_OUTPUT: i32 = 6;

/// Where a stream of the child goes.
enum To {
    Piped,
    Full,
    ClosedPipe,
}

fn stdio(to: &To) -> Stdio {
    match to {
        To::Piped => Stdio::piped(),
        To::Full => File::options().write(true).open("/dev/full").expect("open /dev/full").into(),
        To::ClosedPipe => {
            let mut fds = [0; 2];
            // SAFETY: `fds` has room for the two descriptors pipe2 writes.
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            // SAFETY: both descriptors were just created and are owned here only.
            let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            drop(read); // the reader is gone before the child writes anything
            write.into()
        }
    }
}

fn spindle(args: &[&str], stdout: To, stderr: To) -> common::Exit {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(ROOT).stdin(Stdio::null()).stdout(stdio(&stdout)).stderr(stdio(&stderr));
    common::run_command(cmd, TIMEOUT)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn explore_summary_to_a_full_disk_fails_with_exit_6() {
    let e = spindle(&["explore", "programs/bugs/lost_update_fixed.mir", "--sched", "dfs"], To::Full, To::Piped);
    assert_eq!(e.code, Some(EXIT_OUTPUT), "{}", text(&e.stderr));
    assert!(text(&e.stderr).contains("error: cannot write stdout: No space left on device"), "{}", text(&e.stderr));
}

#[test]
fn explore_summary_to_a_closed_pipe_fails_with_exit_6() {
    let e = spindle(&["explore", "programs/bugs/lost_update_fixed.mir", "--sched", "dfs"], To::ClosedPipe, To::Piped);
    assert_eq!(e.code, Some(EXIT_OUTPUT), "{}", text(&e.stderr));
    assert!(text(&e.stderr).contains("error: cannot write stdout: Broken pipe"), "{}", text(&e.stderr));
}

#[test]
fn a_failure_found_by_explore_keeps_exit_1_when_stdout_is_full() {
    let e = spindle(&["explore", "programs/bugs/lost_update.mir", "--sched", "dfs"], To::Full, To::Piped);
    assert_eq!(e.code, Some(1), "{}", text(&e.stderr));
    assert!(text(&e.stderr).contains("cannot write stdout"), "{}", text(&e.stderr));
}

#[test]
fn a_race_report_to_a_full_stderr_still_exits_1() {
    let e = spindle(&["run", "programs/races/atomic_then_plain_write_race.mir"], To::Piped, To::Full);
    assert_eq!(e.code, Some(1));
}

#[test]
fn a_malformed_program_with_a_full_stderr_still_exits_2() {
    let dir = std::env::temp_dir().join(format!("spindle-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.mir");
    std::fs::write(&empty, "").unwrap();
    let e = spindle(&["check", empty.to_str().unwrap()], To::Piped, To::Full);
    assert_eq!(e.code, Some(2));
    let e = spindle(&["run", empty.to_str().unwrap()], To::Piped, To::Full);
    assert_eq!(e.code, Some(2));
}

#[test]
fn guest_stdout_to_a_full_disk_fails_with_exit_6() {
    let e = spindle(&["run", "programs/basics/hello.mir"], To::Full, To::Piped);
    assert_eq!(e.code, Some(EXIT_OUTPUT), "{}", text(&e.stderr));
    assert!(text(&e.stderr).contains("error: cannot write the guest's stdout: No space left on device"), "{}", text(&e.stderr));
}

#[test]
fn guest_stdout_to_a_closed_pipe_fails_with_exit_6() {
    let e = spindle(&["run", "programs/basics/hello.mir"], To::ClosedPipe, To::Piped);
    assert_eq!(e.code, Some(EXIT_OUTPUT), "{}", text(&e.stderr));
    assert!(text(&e.stderr).contains("error: cannot write the guest's stdout: Broken pipe"), "{}", text(&e.stderr));
}

#[test]
fn output_files_that_cannot_be_written_fail_with_exit_6_and_their_name() {
    let hello = "programs/basics/hello.mir";
    for (args, name) in [
        (vec!["run", "--trace-file", "/dev/full", hello], "the trace file `/dev/full`: No space left on device"),
        (vec!["run", "--timeline", "/dev/full", hello], "the timeline `/dev/full`: No space left on device"),
        (vec!["run", "--trace-file", "/nonexistent/t", hello], "the trace file `/nonexistent/t`: No such file"),
        (vec!["run", "--sched", "random", "--save-schedule", "/nonexistent/x", hello], "the schedule file `/nonexistent/x`: No such file"),
        (vec!["run", "--sched", "random", "--save-schedule", "/dev/full", hello], "the schedule file `/dev/full`: No space left"),
    ] {
        let e = spindle(&args, To::Piped, To::Piped);
        assert_eq!(e.code, Some(EXIT_OUTPUT), "{args:?}: {}", text(&e.stderr));
        assert!(text(&e.stderr).contains(&format!("error: cannot write {name}")), "{args:?}: {}", text(&e.stderr));
    }
}

#[test]
fn listings_and_help_to_unwritable_stdout_fail_with_exit_6() {
    for args in [&["constants"][..], &["--help"], &["run", "--help"], &["--version"]] {
        for to in [To::Full, To::ClosedPipe] {
            let e = spindle(args, to, To::Piped);
            assert_eq!(e.code, Some(EXIT_OUTPUT), "{args:?}: {}", text(&e.stderr));
            assert!(text(&e.stderr).contains("error: cannot write stdout"), "{args:?}: {}", text(&e.stderr));
        }
    }
}

// ---- guest output streamed, Ctrl-C -----------------------------------------------------------

/// Starts `spindle ARGS` with stdout and stderr piped; returns the child and a channel of its
/// stdout lines as they arrive.
fn start(args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn spindle");
    let (tx, rx) = std::sync::mpsc::channel();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

/// Sends SIGINT (Ctrl-C) to the child and collects its exit code and stderr.
fn interrupt(mut child: std::process::Child) -> (Option<i32>, String) {
    use std::io::Read;
    // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let code = child.wait().unwrap().code();
    (code, err)
}

#[test]
fn a_line_printed_before_a_hang_is_visible_and_ctrl_c_shows_every_thread() {
    let (mut child, lines) = start(&["run", "tests/cli/hang.mir"]);
    let mut seen = Vec::new();
    while !seen.iter().any(|l| l == "main: spinning") {
        match lines.recv_timeout(TIMEOUT) {
            Ok(l) => seen.push(l),
            Err(_) => {
                let _ = child.kill();
                panic!("the guest's line did not arrive while it runs; got {seen:?}");
            }
        }
    }
    assert_eq!(seen, ["reader: reading", "main: spinning"]);
    assert!(child.try_wait().unwrap().is_none(), "the guest never ends: it must still be running");
    let (code, err) = interrupt(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.starts_with("error: interrupted after "), "{err}");
    // Main spins in its loop; the reader is blocked in read(2).
    assert!(err.contains("goto spin; }\n   |                         ^^^^^^^^^^ running here"), "{err}");
    assert!(err.contains("= note: this is on thread `main`"), "{err}");
    assert!(err.contains("blocked here"), "{err}");
    assert!(err.contains("= note: this is on thread `reader#1`"), "{err}");
    assert!(err.contains("blocked in `read` on fd 3 (an eventfd)"), "{err}");
}

#[test]
fn ctrl_c_on_explore_prints_the_summary_so_far() {
    let (child, lines) = start(&["explore", "programs/bugs/lost_update_fixed.mir", "--runs", "1000000000", "--jobs", "1"]);
    // Let it run some schedules (the handler is set before the first one).
    std::thread::sleep(Duration::from_millis(1500));
    let (code, err) = interrupt(child);
    let out: Vec<String> = lines.iter().collect();
    assert_eq!(code, Some(130), "{out:?} {err}");
    assert_eq!(out[0], "explored programs/bugs/lost_update_fixed.mir with random");
    assert!(out[1].starts_with("runs: ") && out[1].contains("(stopped at the interrupt (Ctrl-C))"), "{out:?}");
    assert!(out.iter().any(|l| l == "no failure found"), "{out:?}");
}

#[test]
fn a_guest_printing_forever_into_a_closed_pipe_stops() {
    // As `yes | head -1`: the run ends once nobody reads, instead of running forever.
    let e = spindle(&["run", "tests/cli/yes.mir"], To::ClosedPipe, To::Piped);
    assert_eq!(e.code, Some(EXIT_OUTPUT), "{}", text(&e.stderr));
    assert_eq!(text(&e.stderr), "error: cannot write the guest's stdout: Broken pipe (os error 32)\n");
}

// ---- bounded inputs, bounded jobs, short flags ---------------------------------------------

#[test]
fn an_endless_program_or_schedule_file_is_refused_at_the_input_limit() {
    for args in [
        &["run", "/dev/zero"][..],
        &["check", "/dev/zero"],
        &["explore", "/dev/zero"],
        &["run", "--replay", "@/dev/zero", "programs/basics/hello.mir"],
        &["explore", "--merge", "/dev/zero"],
    ] {
        let start = std::time::Instant::now();
        let e = spindle(args, To::Piped, To::Piped);
        assert_eq!(e.code, Some(2), "{args:?}: {}", text(&e.stderr));
        assert!(
            text(&e.stderr).contains("`/dev/zero` is longer than 8388608 bytes; raise the limit with --max-input-bytes BYTES"),
            "{args:?}: {}",
            text(&e.stderr)
        );
        assert!(start.elapsed() < Duration::from_secs(20), "{args:?} took {:?}", start.elapsed());
    }
    // The flag moves the limit both ways.
    let e = spindle(&["check", "--max-input-bytes", "100", "programs/basics/hello.mir"], To::Piped, To::Piped);
    assert_eq!(e.code, Some(2));
    assert!(text(&e.stderr).contains("`programs/basics/hello.mir` is longer than 100 bytes"), "{}", text(&e.stderr));
    let e = spindle(&["run", "--max-input-bytes", "100000", "programs/basics/hello.mir"], To::Piped, To::Piped);
    assert_eq!(e.code, Some(0), "{}", text(&e.stderr));
}

#[test]
fn ten_thousand_jobs_are_capped_with_a_warning() {
    let start = std::time::Instant::now();
    let e = spindle(&["explore", "-j", "10000", "--runs", "20", "programs/bugs/lost_update_fixed.mir"], To::Piped, To::Piped);
    assert_eq!(e.code, Some(0), "{}", text(&e.stderr));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(text(&e.stderr), format!("warning: `--jobs 10000` capped at {} (4 per core, {cores} cores)\n", 4 * cores));
    assert!(text(&e.stdout).contains(&format!("on {} jobs", 4 * cores)), "{}", text(&e.stdout));
    assert!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
}

#[test]
fn short_flags_o_and_q_work_as_their_long_forms() {
    let dir = std::env::temp_dir().join(format!("spindle-cli-o-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("trace.txt");
    // A program with a warning: -q drops it, the run is unchanged.
    let warned = dir.join("warned.mir");
    std::fs::write(&warned, "fn main() -> i64 {\n    bb0: { return 0; }\n    orphan: { return 1; }\n}\n").unwrap();
    let loud = spindle(&["run", warned.to_str().unwrap()], To::Piped, To::Piped);
    assert!(text(&loud.stderr).contains("warning"), "the test program should warn: {}", text(&loud.stderr));
    let quiet = spindle(&["run", "-q", "-o", trace.to_str().unwrap(), warned.to_str().unwrap()], To::Piped, To::Piped);
    assert_eq!((quiet.code, text(&quiet.stderr)), (Some(0), String::new()));
    assert_eq!(std::fs::read_to_string(&trace).unwrap(), "+++ exited with 0 +++\n");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- colour ----------------------------------------------------------------------------------

/// `spindle ARGS` with stderr on a pseudo-terminal and `env` set (NO_COLOR and CLICOLOR_FORCE
/// cleared first); returns what it wrote to stderr.
fn stderr_on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    use std::io::Read;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes the two descriptors; the other arguments may be null.
    let r = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(r, 0, "openpty");
    // SAFETY: both descriptors were just created and are owned here only.
    let (mut master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(ROOT).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR").env("TERM", "xterm");
    cmd.envs(env.iter().copied()).stdin(Stdio::null()).stdout(Stdio::null()).stderr(slave);
    let mut child = cmd.spawn().expect("spawn spindle");
    drop(cmd); // our copy of the terminal's slave side: reading ends when the child's does
    let mut out = Vec::new();
    let _ = master.read_to_end(&mut out); // ends with EIO once the child has exited
    child.wait().unwrap();
    text(&out)
}

#[test]
fn colour_follows_the_terminal_no_color_and_clicolor_force() {
    let race = ["run", "programs/races/atomic_then_plain_write_race.mir"];
    let coloured = |s: &str| s.contains("\x1b[");
    assert!(coloured(&stderr_on_a_terminal(&race, &[])), "a terminal gets colour");
    assert!(!coloured(&stderr_on_a_terminal(&race, &[("NO_COLOR", "1")])), "NO_COLOR on a terminal");
    let args = ["--color", "always", "run", "programs/races/atomic_then_plain_write_race.mir"];
    assert!(coloured(&stderr_on_a_terminal(&args, &[("NO_COLOR", "1")])), "--color always beats NO_COLOR");
    // Into a pipe: no colour unless CLICOLOR_FORCE; NO_COLOR wins over it.
    let piped = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(extra).args(race).current_dir(ROOT).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        cmd.envs(env.iter().copied()).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        text(&common::run_command(cmd, TIMEOUT).stderr)
    };
    assert!(!coloured(&piped(&[], &[])));
    assert!(coloured(&piped(&[("CLICOLOR_FORCE", "1")], &[])));
    assert!(!coloured(&piped(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[])));
    assert!(!coloured(&piped(&[("CLICOLOR_FORCE", "1")], &["--color", "never"])));
}

// ---- packaging ---------------------------------------------------------------------------------

/// Flags of `spindle run --help` that do not describe the run itself (they name files it writes,
/// or how it talks to the user), and so have no place in a `// spindle-flags:` header;
/// `--const`, which changes the program: the harness takes it from the header itself; and
/// `--fs`, which names a host directory read before the run (`Program::set_fs_seed`). strace's
/// `-e`, `-s`, `-c` and `-y` shape the trace and are header flags like `--trace-format`.
const NOT_RUN_FLAGS: &[&str] = &[
    "--trace-file",
    "--timeline",
    "--save-schedule",
    "--against-kernel",
    "--quiet",
    "--max-input-bytes",
    "--color",
    "--help",
    "--const",
    "--fs",
];

#[test]
fn spindle_flags_headers_accept_every_flag_that_describes_a_run() {
    let help = text(&spindle(&["run", "--help"], To::Piped, To::Piped).stdout);
    let mut checked = 0;
    for line in help.lines() {
        let line = line.trim_start();
        // `-o, --trace-file <FILE>` or `--max-steps <N>`.
        let Some(flag) = line.split([' ', ',']).find(|w| w.starts_with("--")) else { continue };
        if !line.starts_with('-') || NOT_RUN_FLAGS.contains(&flag) {
            continue;
        }
        let value = match line.split_once('<').map(|(_, v)| v.split('>').next().unwrap_or("")) {
            None => None,
            Some("P") => Some("0.5"),
            Some("SCHEDULE") => Some("s1:*:0"),
            Some("SCHED") => Some("random"),
            Some("TRACE_FORMAT") => Some("json"),
            Some("EXPR") => Some("trace=read,%network"),
            Some(_) => Some("7"),
        };
        let mut args = vec![flag];
        args.extend(value);
        if let Err(e) = spindle::Config::new().with_flags(&args) {
            panic!("`// spindle-flags: {}` is refused: {e}", args.join(" "));
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} flags found in:\n{help}");
    let c = spindle::Config::new().with_flags(["--max-spawns", "5", "--max-allocations", "9"]).unwrap();
    assert_eq!((c.max_spawns, c.max_allocations), (5, 9));
    assert_eq!((c.run_config().max_spawns, c.run_config().max_allocations), (5, 9));
    // strace's options shape the header's trace as they shape the command line's.
    let c = spindle::Config::new().with_flags(["-e", "trace=read", "-s", "4", "-y"]).unwrap();
    let t = c.trace.expect("`-e` turns the trace on");
    assert_eq!((t.string_limit, t.show_fds, t.summary), (4, true, false));
    assert_eq!(t.filter, Some(spindle::trace_filter("trace=read").unwrap()));
    assert!(spindle::Config::new().with_flags(["-c"]).unwrap().trace.is_some_and(|t| t.summary));
    let bad = spindle::Config::new().with_flags(["-e", "trace=no_such_call"]).unwrap_err();
    assert!(bad.0.contains("no_such_call"), "{bad}");
    let bad = spindle::Config::new().with_flags(["-c", "--trace-format", "json"]).unwrap_err();
    assert!(bad.0.contains("--trace-summary"), "{bad}");
}

#[test]
fn completions_and_man_pages_come_from_the_flag_definitions() {
    let bash = spindle(&["completions", "bash"], To::Piped, To::Piped);
    assert_eq!(bash.code, Some(0));
    let bash = text(&bash.stdout);
    assert!(bash.contains("_spindle()") && bash.contains("--max-input-bytes") && bash.contains("--trace-file"), "{bash}");
    assert!(!bash.contains("__kernel-oracle") && !bash.contains(" completions "), "hidden subcommands stay out of completions");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let e = spindle(&["completions", shell], To::Piped, To::Piped);
        assert_eq!(e.code, Some(0), "{shell}");
        assert!(text(&e.stdout).contains("max-input-bytes"), "{shell}");
    }
    let page = text(&spindle(&["man"], To::Piped, To::Piped).stdout);
    assert!(page.contains(".TH spindle 1") && page.contains(".SH NAME") && page.contains("spindle\\-explore(1)"), "{page}");
    let run = text(&spindle(&["man", "run"], To::Piped, To::Piped).stdout);
    assert!(run.contains(".TH spindle-run 1  \"spindle-run 0.1.0\"") && run.contains("\\-\\-max\\-steps"), "{run}");
    let e = spindle(&["man", "nope"], To::Piped, To::Piped);
    assert_eq!(e.code, Some(2));
}

#[test]
fn a_shard_index_from_the_environment_is_zero_based() {
    let explore = |shard: &str, env: Option<&str>| {
        let mut cmd = Command::new(BIN);
        cmd.args(["explore", "--sched", "dfs", "--json", "--shard", shard, "programs/bugs/lost_update_fixed.mir"]);
        cmd.current_dir(ROOT).env_remove("JOB_COMPLETION_INDEX").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(i) = env {
            cmd.env("JOB_COMPLETION_INDEX", i);
        }
        let e = common::run_command(cmd, TIMEOUT);
        let json: serde_json::Value = serde_json::from_slice(&e.stdout).unwrap_or(serde_json::Value::Null);
        (e.code, json["shards"].clone(), json["runs"].clone(), text(&e.stderr))
    };
    let from_env = explore("env:JOB_COMPLETION_INDEX/4", Some("1"));
    let explicit = explore("2/4", None);
    assert_eq!(from_env.0, Some(0), "{}", from_env.3);
    assert_eq!((&from_env.1, &from_env.2), (&explicit.1, &explicit.2));
    assert_eq!(from_env.1, serde_json::json!(["2/4"]));
    let unset = explore("env:JOB_COMPLETION_INDEX/4", None);
    assert_eq!(unset.0, Some(2));
    assert!(unset.3.contains("the environment variable `JOB_COMPLETION_INDEX` is not set"), "{}", unset.3);
    assert_eq!(explore("env:JOB_COMPLETION_INDEX/4", Some("4")).0, Some(2), "index 4 is shard 5 of 4");
}
