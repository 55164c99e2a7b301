//! Resource limits and isolation (docs/security.md, issue 9). Guests that take forever — memory,
//! allocations, threads, fds, stack, pipe buffers, steps, trace — end cleanly with exit code 4
//! and an error naming the limit and its flag (EMFILE for fds, as Linux), and the host's memory
//! stays bounded: every run of the binary here has its address space capped with `ulimit -v`,
//! so a guest that took the host's memory would crash it instead of finishing. Guests that try
//! to reach outside the VM (host files, environment, host time, processes, stdin) find nothing.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_spindle");

/// The address-space cap for every run (KiB): the limits used below keep a run far under it.
const ADDRESS_SPACE_KIB: u64 = 3 << 20;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn write_program(name: &str, src: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spindle-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.mir"));
    std::fs::write(&path, src).unwrap();
    path
}

/// `spindle run FLAGS FILE` with the address space capped, stdin holding a secret.
fn run_capped(name: &str, src: &str, flags: &[&str]) -> Run {
    let path = write_program(name, src);
    let mut cmd = format!("ulimit -v {ADDRESS_SPACE_KIB}; exec \"$0\" run");
    for f in flags {
        cmd.push_str(&format!(" '{f}'"));
    }
    cmd.push_str(&format!(" '{}'", path.display()));
    let start = Instant::now();
    let mut child = Command::new("bash")
        .args(["-c", &cmd, BIN])
        .env("SPINDLE_TEST_SECRET", "hunter2")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The host's stdin must never reach the guest.
    let _ = child.stdin.take().unwrap().write_all(b"SECRET FROM THE HOST STDIN\n");
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

/// Ends with exit code 4 and an error that names the limit's flag, well within a minute.
fn assert_limit(name: &str, r: &Run, flag: &str) {
    assert_eq!(r.code, Some(4), "{name}: exit code {:?}\nstderr:\n{}", r.code, r.stderr);
    assert!(r.stderr.contains("resource limit exceeded"), "{name}: {}", r.stderr);
    assert!(r.stderr.contains(flag), "{name}: the error names {flag}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked") && !r.stderr.contains("memory allocation of"), "{name}: {}", r.stderr);
    assert!(r.took < Duration::from_secs(60), "{name} took {:?}", r.took);
}

#[test]
fn a_guest_that_allocates_forever() {
    let src = "fn main() -> i64 { let p: ptr; bb0: { p = call malloc(1048576) -> bb0; } }";
    let r = run_capped("alloc_forever", src, &["--max-memory", "268435456"]);
    assert_limit("malloc forever", &r, "--max-memory");
}

#[test]
fn a_guest_that_allocates_and_frees_forever() {
    // Guest memory stays at 0, and so does the bookkeeping (freed records go by chunks); ids
    // are never reused, so the count is bounded, and `--max-allocations` bounds it sooner.
    let src = "fn main() -> i64 { let p: ptr; bb0: { p = call malloc(0) -> bb1; } bb1: { call free(p) -> bb0; } }";
    let r = run_capped("alloc_free_forever", src, &["--max-allocations", "1000000"]);
    assert_limit("malloc and free forever", &r, "--max-allocations");
    // Array locals are allocations too.
    let src = "fn main() -> i64 { bb0: { call f() -> bb0; } }\nfn f() { let a: [u8; 16]; bb0: { return; } }";
    let r = run_capped("array_local_forever", src, &["--max-allocations", "1000000"]);
    assert_limit("array locals forever", &r, "--max-allocations");
}

#[test]
fn a_guest_that_spawns_forever() {
    // Threads that never end: the live-thread limit.
    let src = "fn main() -> i64 { let t: i64; bb0: { t = call spawn(w, 0) -> bb0; } }\n\
               fn w() { bb0: { call usleep(1000000000) -> bb0; } }";
    let r = run_capped("spawn_forever", src, &["--max-threads", "2000"]);
    assert_limit("spawn forever", &r, "--max-threads");
    // Threads that end and are joined: the limit on threads created in all.
    let src = "fn main() -> i64 { let t: i64; bb0: { t = call spawn(w, 0) -> bb1; } bb1: { call join(t) -> bb0; } }\n\
               fn w() { bb0: { return; } }";
    let r = run_capped("spawn_join_forever", src, &["--max-spawns", "200000"]);
    assert_limit("spawn and join forever", &r, "--max-spawns");
}

#[test]
fn a_guest_that_opens_fds_forever() {
    // Linux's answer: EMFILE once the table is full; the guest sees it and goes on.
    let src = "fn main() -> i64 {\n let r: i64; let n: i64; let e: i64;\n\
               bb0: { r = call eventfd(0, 0) -> bb1; }\n\
               bb1: { switch r { -1 => full, _ => more } }\n\
               more: { n = n + 1; goto bb0; }\n\
               full: { e = call errno() -> done; }\n\
               done: { println \"opened {} more, then errno {}\", n, e; return 0; } }";
    let r = run_capped("fds_forever", src, &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "opened 19997 more, then errno 24\n");
    let r = run_capped("fds_forever_flag", src, &["--max-fds", "100"]);
    assert_eq!(r.stdout, "opened 97 more, then errno 24\n", "{}", r.stderr);
    // Pipes and sockets too, each filled with data nobody reads: the buffers' total is bounded.
    let src = "static SV: [i32; 2];\nstatic BUF: [u8; 65536];\nfn main() -> i64 {\n let r: i64; let s: i32;\n\
               bb0: { r = call socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, &SV) -> bb1; }\n\
               bb1: { switch r { 0 => fill, _ => done } }\n\
               fill: { s = load.i32 &SV; r = call write(s, &BUF, 65536) -> fill2; }\n\
               fill2: { switch r { -1 => bb0, _ => fill } }\n\
               done: { return 0; } }";
    let r = run_capped("sockets_full", src, &[]);
    assert_limit("full socket pairs forever", &r, "--max-fd-buffers");
    let r = run_capped("sockets_full_flag", src, &["--max-fd-buffers", "1000000"]);
    assert_limit("full socket pairs forever", &r, "--max-fd-buffers");
}

#[test]
fn a_guest_that_recurses_forever() {
    let src = "fn main() -> i64 { let r: i64; bb0: { r = call f(0) -> bb1; } bb1: { return r; } }\n\
               fn f(d: i64) -> i64 { let r: i64; bb0: { r = call f(d + 1) -> bb1; } bb1: { return r; } }";
    let r = run_capped("recurse_forever", src, &[]);
    assert_limit("recursion", &r, "--max-stack-depth");
    // Big frames: the register stack is guest memory.
    let locals: String = (0..5000).map(|i| format!("let l{i}: i64;\n")).collect();
    let src = format!(
        "fn main() -> i64 {{ let r: i64; bb0: {{ r = call f(0) -> bb1; }} bb1: {{ return r; }} }}\n\
         fn f(d: i64) -> i64 {{ {locals} let r: i64; bb0: {{ r = call f(d + 1) -> bb1; }} bb1: {{ return r; }} }}"
    );
    let r = run_capped("big_frames_forever", &src, &["--max-memory", "100000000"]);
    assert_limit("recursion through big frames", &r, "--max-memory");
}

#[test]
fn a_guest_that_writes_to_a_pipe_nobody_reads() {
    // Blocking: the pipe fills, the writer blocks, nobody can wake it: a deadlock report.
    let src = "static P: [i32; 2];\nstatic BUF: [u8; 4096];\nfn main() -> i64 {\n let w: i32;\n\
               bb0: { call pipe(&P) -> bb1; }\n\
               bb1: { w = load.i32 (&P + 4); goto bb2; }\n\
               bb2: { call write(w, &BUF, 4096) -> bb2; } }";
    let r = run_capped("pipe_blocking", src, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("deadlock"), "{}", r.stderr);
    // Non-blocking: EAGAIN forever, until the step limit.
    let src = "static P: [i32; 2];\nstatic BUF: [u8; 4096];\nfn main() -> i64 {\n let w: i32;\n\
               bb0: { call pipe2(&P, O_NONBLOCK) -> bb1; }\n\
               bb1: { w = load.i32 (&P + 4); goto bb2; }\n\
               bb2: { call write(w, &BUF, 4096) -> bb2; } }";
    let r = run_capped("pipe_nonblocking", src, &["--max-steps", "1000000"]);
    assert_limit("pipe nobody reads", &r, "--max-steps");
}

#[test]
fn a_guest_that_loops_forever_with_a_trace() {
    let src = "static B: [u8; 8];\nfn main() -> i64 { bb0: { call write(1, &B, 0) -> bb0; } }";
    let r = run_capped("loop_traced", src, &["--max-steps", "200000", "--trace", "--max-trace-bytes", "100000"]);
    assert_limit("traced loop", &r, "--max-steps");
    assert!(r.stderr.len() < 110_000, "the trace is cut: {} bytes", r.stderr.len());
    assert!(r.stderr.contains("trace truncated"), "the trace says it was cut");
}

// ---- isolation -------------------------------------------------------------------------------

/// Names a C program would use to reach the host. None is a foreign function here: the
/// checker warns, and calling one is an unsupported operation (exit 3) that touches nothing.
/// (`open`, `openat`, `unlink`, `mkdir` and `stat` are foreign functions, on the guest's own
/// in-memory file system: `host_files_are_out_of_reach` tries them; `fork` and `getpid` make
/// and name the guest's own virtual processes, docs/syscalls.md *Processes*.)
const ESCAPES: &[(&str, &str)] = &[
    ("fopen", "b\"/etc/passwd\", b\"r\""),
    ("creat", "b\"/tmp/spindle-escape\", 420"),
    ("getenv", "b\"SPINDLE_TEST_SECRET\""),
    ("time", "null"),
    ("gettimeofday", "&BUF, null"),
    ("clock", ""),
    ("execve", "b\"/bin/sh\", null, null"),
    ("system", "b\"touch /tmp/spindle-escape\""),
    ("socket", "2, 1, 0"),
    ("connect", "3, &BUF, 16"),
    ("mmap", "null, 4096, 3, 34, -1, 0"),
    ("syscall", "2, b\"/etc/passwd\", 0"),
    ("ptrace", "0, 0, null, null"),
];

#[test]
fn no_call_reaches_host_files_processes_or_the_network() {
    let _ = std::fs::remove_file("/tmp/spindle-escape");
    for (name, args) in ESCAPES {
        let src = format!(
            "static BUF: [u8; 64];\nfn main() -> i64 {{ let r: i64; bb0: {{ r = call {name}({args}) -> bb1; }} bb1: {{ println \"escaped: {{}}\", r; return 0; }} }}"
        );
        let r = run_capped(&format!("escape_{name}"), &src, &[]);
        assert_eq!(r.code, Some(3), "`{name}`: {}", r.stderr);
        assert!(r.stderr.contains("unsupported operation"), "`{name}`: {}", r.stderr);
        assert!(r.stdout.is_empty(), "`{name}`: {}", r.stdout);
        assert!(!r.stderr.contains("root:") && !r.stderr.contains("hunter2"), "`{name}` leaked: {}", r.stderr);
    }
    assert!(!std::path::Path::new("/tmp/spindle-escape").exists(), "a guest created a host file");
}

/// `getpid` and `kill` are the guest's own (docs/syscalls.md, *Signals*): the guest is process
/// 1000, and a signal to any other pid — the host's init, 1, included — finds nobody.
#[test]
fn kill_reaches_no_host_process() {
    let src = "fn main() -> i64 { let r: i64; let e: i64; let p: i64; \
               bb0: { p = call getpid() -> bb1; } \
               bb1: { r = call kill(1, 9) -> bb2; } \
               bb2: { e = call errno() -> bb3; } \
               bb3: { println \"pid {} kill(1, SIGKILL) {} errno {}\", p, r, e; return 0; } }";
    let r = run_capped("kill_host", src, &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "pid 1000 kill(1, SIGKILL) -1 errno 3\n");
}

#[test]
fn host_files_are_out_of_reach() {
    // The guest's file system is its own, in memory: the host's files are not there, `..` stops
    // at the guest's root, and what the guest creates or deletes is never a host file — with or
    // without --fs, whose directory is copied in before the run and never written back.
    let _ = std::fs::remove_file("/tmp/spindle-escape");
    let seed = std::env::temp_dir().join(format!("spindle-hardening-seed-{}", std::process::id()));
    std::fs::create_dir_all(seed.join("sub")).unwrap();
    std::fs::write(seed.join("sub/data"), "seeded\n").unwrap();
    let src = "static B: [u8; 64];\nfn main() -> i64 {\n let r: i64; let fd: i64;\n\
               bb0: { r = call open(\"/etc/passwd\", 0) -> bb1; }\n\
               bb1: { println \"/etc/passwd: {}\", r; r = call open(\"../../../../../../etc/passwd\", 0) -> bb2; }\n\
               bb2: { println \"../etc/passwd: {}\", r; r = call openat(-100, \"/proc/1/root/etc/passwd\", 0) -> bb3; }\n\
               bb3: { println \"/proc/1/root: {}\", r; fd = call open(\"/tmp/spindle-escape\", 65, 420) -> bb4; }\n\
               bb4: { println \"create in /tmp: {}\", fd; r = call mkdir(\"/tmp\", 493) -> bb5; }\n\
               bb5: { fd = call open(\"/tmp/spindle-escape\", 65, 420) -> bb6; }\n\
               bb6: { println \"create after mkdir /tmp: {}\", fd >= 3; r = call open(\"/sub/data\", 2) -> bb7; }\n\
               bb7: { fd = r; switch r < 0 { true => done, false => seeded } }\n\
               seeded: { r = call read(fd, &B, 64) -> bb8; }\n\
               bb8: { println \"read /sub/data: {}\", r; r = call write(fd, \"overwritten\", 11) -> bb9; }\n\
               bb9: { r = call unlink(\"/sub/data\") -> done; }\n\
               done: { println \"unlink: {}\", r; return 0; } }";
    let r = run_capped("host_files", src, &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "/etc/passwd: -1\n../etc/passwd: -1\n/proc/1/root: -1\ncreate in /tmp: -1\ncreate after mkdir /tmp: true\nunlink: -1\n"
    );
    let fs = format!("--fs={}", seed.display());
    let r = run_capped("host_files_seeded", src, &[&fs]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.ends_with("read /sub/data: 7\nunlink: 0\n"), "{}", r.stdout);
    assert_eq!(std::fs::read_to_string(seed.join("sub/data")).unwrap(), "seeded\n", "the seed directory was written");
    assert!(!std::path::Path::new("/tmp/spindle-escape").exists(), "a guest created a host file");
    let _ = std::fs::remove_dir_all(&seed);
}

#[test]
fn fds_name_only_the_guests_own_files() {
    // Every fd a guest can name: 0 reads as /dev/null (never the host's stdin), 1 and 2 are its
    // own output, the rest are closed until it opens them. Nothing inherited from the host.
    let src = "static BUF: [u8; 256];\nfn main() -> i64 {\n let fd: i64; let r: i64; let e: i64;\n\
               bb0: { r = call read(fd, &BUF, 256) -> bb1; }\n\
               bb1: { e = call errno() -> bb2; }\n\
               bb2: { switch fd { 0 => zero, _ => other } }\n\
               zero: { println \"fd 0 read {}\", r; goto next; }\n\
               other: { switch r { -1 => closed, _ => open } }\n\
               closed: { assert e == EBADF; goto next; }\n\
               open: { switch fd { 1 => next, 2 => next, _ => leak } }\n\
               leak: { println \"fd {} is open: {}\", fd, r; goto next; }\n\
               next: { fd = fd + 1; switch fd { 1100 => done, _ => bb0 } }\n\
               done: { println \"checked\"; return 0; } }";
    let r = run_capped("fds_isolated", src, &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "fd 0 read 0\nchecked\n");
}

#[test]
fn clocks_are_virtual() {
    // Both clocks start at fixed values (CLOCK_REALTIME at 2024-01-01 00:00:00 UTC,
    // CLOCK_MONOTONIC at 10000 s) and move with executed steps and sleeps, never with the host's
    // time: a ten-minute sleep takes no time, and every run prints the same.
    let src = "static TS: [i64; 2];\nstatic TEN_MIN: [i64; 2] = [600, 0];\nfn main() -> i64 {\n let s: i64; let ns: i64; let r: i64;\n\
               bb0: { r = call clock_gettime(CLOCK_REALTIME, &TS) -> bb1; }\n\
               bb1: { s = load.i64 &TS; ns = load.i64 (&TS + 8); println \"realtime {}.{}\", s, ns; goto bb2; }\n\
               bb2: { call nanosleep(&TEN_MIN, null) -> bb3; }\n\
               bb3: { r = call clock_gettime(CLOCK_MONOTONIC, &TS) -> bb4; }\n\
               bb4: { s = load.i64 &TS; println \"monotonic {}\", s; r = call clock_gettime(7, &TS) -> bb5; }\n\
               bb5: { println \"CLOCK_BOOTTIME: {}\", r; return 0; } }";
    let a = run_capped("clocks", src, &[]);
    let b = run_capped("clocks", src, &[]);
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert!(a.stdout.starts_with("realtime 1704067200."), "{}", a.stdout);
    assert!(a.stdout.contains("monotonic 10600\n"), "{}", a.stdout);
    assert!(a.stdout.contains("CLOCK_BOOTTIME: -1\n"), "{}", a.stdout);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.took < Duration::from_secs(30), "a virtual ten-minute sleep took {:?}", a.took);
}

#[test]
fn the_environment_does_not_change_a_run() {
    let src = "fn main() -> i64 { bb0: { println \"same\"; return 0; } }";
    let path = write_program("env", src);
    let run = |envs: &[(&str, &str)]| {
        let mut c = Command::new(BIN);
        c.args(["run", path.to_str().unwrap()]);
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let a = run(&[]);
    let b = run(&[("SPINDLE_TEST_SECRET", "hunter2"), ("TZ", "Pacific/Kiritimati"), ("LANG", "C")]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.status.code(), b.status.code());
}
