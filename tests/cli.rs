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
