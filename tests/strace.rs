//! Spindle's trace against the real thing: each program in `programs/strace/` has a C twin in
//! `tests/strace/`, compiled here (static, so the dynamic loader's own calls stay out), run under
//! `strace -f`, and compared line by line with `spindle run --trace` of the guest version.
//!
//! Normalisation removes only what cannot be the same: thread prefixes (`[pid N]` vs
//! `[name#tid]`), the padding before ` = `, addresses (`0x7ffd…` vs `0x1000…`; a signal
//! handler's and restorer's however short: `sa_handler=0x401615` is a guest function's value
//! `0x8000000000000003` in Spindle), calls that exist only on one side (Spindle's
//! `spawn`/`join`, which are not system calls; strace's `exit`, which ends a pthread; the
//! `getpid` and `gettid` glibc's `raise` makes before its `tgkill`, which Spindle shows as the
//! `tgkill` alone; the handler glibc's `pthread_create` installs for its own `SIGRT_1`), the
//! process's ids (its pid, which is also its main thread's tid, and the user's id:
//! `tgkill(PID, PID, SIGUSR1)`, `si_pid=PID, si_uid=UID`; Spindle's pid is 1000 and its main
//! thread's tid 0), and the `+++` lines of threads other than the first. A call split into
//! `<unfinished ...>` and `<... resumed>` is joined back into one line at the place it started,
//! on both sides: where real threads split a call depends on real-time interleaving (the kernel
//! may wake the reader while the writer is still inside `write`), while Spindle's split points
//! are pinned by the snapshots. A `select`'s or `ppoll`'s time left other than zero is compared
//! by its fields alone (`left {tv_sec=S, tv_nsec=NS}`): the host's depends on how long the call
//! took, Spindle's (its virtual clock's) is pinned by the snapshot.
//!
//! Files and processes (`files_calls`, `process_calls`): each twin runs in a fresh, empty
//! working directory of its own (tests run in parallel; it is removed afterwards) with umask
//! 022, as a guest runs in its in-memory root, so the twins use the same relative paths. Where
//! the host shows that directory's path (`readlink` of `/proc/self/fd/N`, `-y`'s `3</tmp/…/f.txt>`
//! and `AT_FDCWD</tmp/…>`) it is made the guest's `/` ([`unscratch`]), and `readlink`'s count
//! shrinks by as many bytes. A directory's `st_size` is its file system's (ext4 4096, tmpfs a
//! count of its entries; Spindle's 4096): `st_size=SIZE`. A static glibc's start-up `readlink("/proc/self/exe", …)` is the C
//! runtime's own. Child processes' pids are the kernel's on one side and 1001, 1002, … on the
//! other: in the lines of `clone`, `wait4`, `getpid`, `getppid`, `kill` and of signals they are
//! made `CHILD1`, `CHILD2`, … in the order the `clone` lines made them, and the process's own
//! `PID` ([`child_ids`]); each child's `+++ exited with N +++` stays. `child_tidptr=` is an
//! address (glibc's thread descriptor; Spindle shows one no guest memory has). `getpid` lines
//! are left out only in a trace with `tgkill` lines (the `getpid` glibc's `raise` makes); a twin
//! that forks does not send signals with `tgkill`. Where Spindle's order of processes is pinned
//! (the child runs to its end before the parent goes on) the C twin waits for that in calls the
//! trace leaves out (`waitid(…, WNOWAIT)`, a poll of `/proc/PPID/stat`), so that the host's
//! real-time order is the same. Spindle shows no `exit_group` for a `main` that returns (glibc's
//! `exit` makes one): a twin that traces `exit_group` ends with `_exit`.
//!
//! Everything else — names, argument decoding, strings, results, errno texts — must match.
//!
//! Needs `gcc` (with a static glibc) and `strace`, which `.ci/run` installs. Without them the
//! comparison is skipped with a notice, unless `SPINDLE_REQUIRE_HOST_TOOLS=1` (set by `.ci/run`)
//! makes a missing tool a failure.

use std::io::Write;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_spindle");
/// The system calls the scenarios make: everything else (the C runtime's own calls) is left out.
const SYSCALLS: &str = "read,write,close,dup,dup2,dup3,fcntl,eventfd2,pipe2,socketpair,sendto,recvfrom,shutdown,clock_nanosleep,epoll_create,epoll_create1,epoll_ctl,epoll_wait,epoll_pwait,epoll_pwait2,timerfd_create,timerfd_settime,timerfd_gettime,sched_yield,openat,poll,ioctl,lseek,pread64,pwrite64,newfstatat,mkdir,unlink,wait4";
/// Spindle's process id (`getpid`) and the user id it gives a signal's sender.
const SPINDLE_PID: &str = "1000";

/// Splits `[thread] rest` (Spindle) into its parts.
fn split_thread(line: &str) -> (&str, &str) {
    if line.starts_with('[') {
        if let Some(end) = line.find("] ") {
            return (&line[1..end], &line[end + 2..]);
        }
    }
    ("", line)
}

/// Joins every `X <unfinished ...>` with the same thread's later `<... X resumed>REST` into one
/// line, at the position of the first part.
fn join_split_calls(lines: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<Option<(String, String)>> = Vec::new();
    let mut open: std::collections::BTreeMap<String, usize> = Default::default();
    for (thread, text) in lines {
        if let Some(head) = text.strip_suffix(" <unfinished ...>") {
            open.insert(thread.clone(), out.len());
            out.push(Some((thread, head.to_string())));
        } else if text.starts_with("<... ") && text.contains(" resumed>") {
            let rest = &text[text.find(" resumed>").unwrap() + " resumed>".len()..];
            match open.remove(&thread).and_then(|k| out[k].as_mut()) {
                Some(first) => first.1.push_str(rest),
                None => out.push(Some((thread, text))),
            }
        } else {
            out.push(Some((thread, text)));
        }
    }
    out.into_iter().flatten().collect()
}

fn normalise(line: &str) -> Option<String> {
    let (_, l) = split_thread(line.trim_end());
    let l = l.to_string();
    for only_here in [
        "spawn(",
        "join(",
        "exit(",
        "errno(",
        "malloc(",
        "free(",
        "clock_gettime(",
        "gettid(",
        "rt_sigaction(SIGRT_1, {",
        // The C runtime's own: a static glibc's start-up reads its own path.
        "readlink(\"/proc/self/exe\", ",
    ] {
        if l.starts_with(only_here) {
            return None;
        }
    }
    if l.starts_with("<... join resumed>") {
        return None;
    }
    // Addresses.
    let mut out = String::new();
    let b = l.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0' && b.get(i + 1) == Some(&b'x') {
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_hexdigit() {
                j += 1;
            }
            let code = out.ends_with("sa_handler=") || out.ends_with("sa_restorer=") || out.ends_with("child_tidptr=");
            if j - i - 2 >= 8 || code && j > i + 2 {
                out.push_str("ADDR");
                i = j;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    // A time left other than zero: the host's depends on how long the call took.
    if let Some(k) = out.find("left {tv_sec=") {
        if let Some(end) = out[k..].find('}') {
            if &out[k..=k + end] != "left {tv_sec=0, tv_nsec=0}" {
                out.replace_range(k..=k + end, "left {tv_sec=S, tv_nsec=NS}");
            }
        }
    }
    // A directory's size: its file system's (ext4's 4096, tmpfs's a count of its entries).
    if let Some(k) = out.find("st_mode=S_IFDIR|") {
        if let Some(at) = out[k..].find(", st_size=").map(|e| k + e + ", st_size=".len()) {
            let end = out[at..].find(|c: char| !c.is_ascii_digit()).map_or(out.len(), |e| at + e);
            out.replace_range(at..end, "SIZE");
        }
    }
    // Padding before the result.
    while out.contains("  = ") {
        out = out.replace("  = ", " = ");
    }
    Some(out)
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Set (by `.ci/run`) to make a missing host tool a failure instead of a skipped comparison.
const REQUIRE_TOOLS: &str = "SPINDLE_REQUIRE_HOST_TOOLS";

/// The host tools this test needs that are missing: `strace`, `gcc`, a static glibc.
fn missing_tools(dir: &Path) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !tool("strace") {
        missing.push("strace");
    }
    if !tool("gcc") {
        missing.push("gcc");
    } else {
        let c = dir.join("probe.c");
        std::fs::write(&c, "int main(void) { return 0; }\n").unwrap();
        let out = Command::new("gcc").args(["-static", "-o"]).arg(dir.join("probe")).arg(&c).output();
        if !out.is_ok_and(|o| o.status.success()) {
            missing.push("a static glibc (libc6-dev)");
        }
    }
    missing
}

/// Whether the comparison can run: with a tool missing it is skipped with a notice on the
/// terminal (not captured by the test harness), or fails if `SPINDLE_REQUIRE_HOST_TOOLS` is set.
fn host_tools_present(dir: &Path) -> bool {
    let missing = missing_tools(dir);
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    if std::env::var_os(REQUIRE_TOOLS).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("this test needs {what} ({REQUIRE_TOOLS} is set): apt-get install strace gcc libc6-dev");
    }
    let _ = writeln!(
        std::io::stderr(),
        "\nNOTICE: tests/strace.rs skipped the comparison with strace: {what} not installed (apt-get install strace gcc libc6-dev; set {REQUIRE_TOOLS}=1 to make this a failure)\n"
    );
    false
}

fn native_trace(c_file: &Path, dir: &Path) -> String {
    native_trace_with(c_file, dir, &format!("trace={}", syscalls_of(c_file)), &[])
}

/// [`SYSCALLS`] and the calls a twin adds in a `/* strace -e trace also: a,b */` line (calls
/// such as `futex`, which the C runtime also makes in the threaded twins).
fn syscalls_of(c_file: &Path) -> String {
    let text = std::fs::read_to_string(c_file).unwrap();
    let also = text.lines().find_map(|l| l.strip_prefix("/* strace -e trace also: ")).map(|l| l.trim_end_matches(" */"));
    match also {
        Some(also) => format!("{SYSCALLS},{also}"),
        None => SYSCALLS.to_string(),
    }
}

/// strace of the compiled twin with `-e EXPR` and more options (`-s 4`).
fn native_trace_with(c_file: &Path, dir: &Path, expr: &str, options: &[&str]) -> String {
    let exe = dir.join(c_file.file_stem().unwrap());
    let out = Command::new("gcc").args(["-static", "-O0", "-pthread", "-o"]).arg(&exe).arg(c_file).output().expect("run gcc");
    assert!(out.status.success(), "gcc failed on {}:\n{}", c_file.display(), String::from_utf8_lossy(&out.stderr));
    let log = dir.join(format!("{}.strace", c_file.file_stem().unwrap().to_string_lossy()));
    // The standard streams are /dev/null, as a guest's are (`-y` shows `1</dev/null>`), and
    // no other fd is inherited (a guest starts with none: `dup2(3, 10)` must not find 10 open).
    let mut strace = Command::new("strace");
    // The umask is 022, as a guest's is (`mkdir("d", 0777)` makes `0755`).
    // SAFETY: between fork and exec only `close` and `umask`, which are async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut strace, || {
            for fd in 3..1024 {
                libc::close(fd);
            }
            libc::umask(0o022);
            Ok(())
        });
    }
    // The working directory is a fresh, empty one of this run's own (the twin's files go
    // there), shown as the guest's `/` ([`unscratch`]).
    let cwd = scratch_dir(dir);
    let cwd_text = cwd.to_str().expect("a UTF-8 temporary directory").to_string();
    let out = strace
        .current_dir(&cwd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .args(["-f", "-q"])
        .args(options)
        .arg("-e")
        .arg(expr)
        .arg("-o")
        .arg(&log)
        .arg(&exe)
        .output()
        .expect("run strace");
    let _ = std::fs::remove_dir_all(&cwd);
    assert!(out.status.success(), "strace {options:?} -e {expr} of {} failed ({})", exe.display(), out.status);
    // `-o` with `-f` writes `PID  call…`: make it `[PID] call…` like Spindle's lines.
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let pid: String = l.chars().take_while(char::is_ascii_digit).collect();
            unscratch(&format!("[{pid}] {}", l[pid.len()..].trim_start()), &cwd_text)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fresh, empty working directory for a twin run by the test whose own directory is `dir`
/// (named after it: tests run in parallel), which the caller removes. Its path is short:
/// strace cuts strings at 32 bytes, and `readlink` of an fd gives it back in full
/// (`"/tmp/sp1a2b3c4d/f.txt (deleted)"`), which [`unscratch`] can make the guest's only whole.
fn scratch_dir(dir: &Path) -> std::path::PathBuf {
    let tmp = std::env::temp_dir().canonicalize().unwrap_or_else(|_| "/tmp".into());
    let root = if tmp.as_os_str().len() <= 8 { tmp } else { std::path::PathBuf::from("/tmp") };
    // FNV-1a of the test's directory name, which holds the test's name and the process id.
    let name = dir.file_name().unwrap().to_string_lossy();
    let hash = name.bytes().fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x01000193));
    let cwd = root.join(format!("sp{hash:08x}"));
    let _ = std::fs::remove_dir_all(&cwd);
    std::fs::create_dir_all(&cwd).unwrap();
    cwd
}

/// The twin's working directory `cwd` in `line` made the guest's, `/` (the guest's files are
/// at its root): `"{cwd}/f.txt"` is `"/f.txt"`, `AT_FDCWD<{cwd}>` (`-y`) is `AT_FDCWD</>`, and a
/// `readlink` that returned a path under it returns as many bytes fewer.
fn unscratch(line: &str, cwd: &str) -> String {
    if !line.contains(cwd) {
        return line.to_string();
    }
    let out = line.replace(&format!("{cwd}/"), "/").replace(&format!("\"{cwd}\""), "\"/\"").replace(&format!("<{cwd}>"), "</>");
    let (_, call) = split_thread(line);
    match (call.starts_with("readlink("), out.rsplit_once(" = ")) {
        (true, Some((head, n))) if line.contains(&format!("\"{cwd}")) => match n.parse::<usize>() {
            Ok(n) => format!("{head} = {}", n - cwd.len()),
            Err(_) => out,
        },
        _ => out,
    }
}

/// The inode numbers in `-y`'s `pipe:[N]` and `socket:[N]`, renumbered in order of first
/// appearance (`pipe:[#1]`): the kernel's numbers are its own, while which fds share an inode
/// must be the same on both sides.
fn renumber_inodes(lines: Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    lines
        .into_iter()
        .map(|l| {
            let mut out = String::new();
            let mut rest = l.as_str();
            while let Some(k) = rest.find(":[") {
                out.push_str(&rest[..k + 2]);
                rest = &rest[k + 2..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if !digits.is_empty() && rest[digits.len()..].starts_with(']') {
                    let n = seen.iter().position(|d| *d == digits).unwrap_or_else(|| {
                        seen.push(digits.clone());
                        seen.len() - 1
                    });
                    out.push_str(&format!("#{}", n + 1));
                    rest = &rest[digits.len()..];
                }
            }
            out.push_str(rest);
            out
        })
        .collect()
}

fn spindle_trace_with(mir: &Path, options: &[&str]) -> String {
    let out = Command::new(BIN).args(["run", "--trace"]).args(options).arg(mir).current_dir(ROOT).output().expect("run spindle");
    assert!(out.status.success(), "spindle failed on {}:\n{}", mir.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stderr).unwrap()
}

/// The process's ids in `line` made `PID` and `UID`: `pid` where a pid or the main thread's tid
/// goes (`kill`'s and `tgkill`'s first two arguments, `si_pid`), and in Spindle's trace
/// (`spindle`) the main thread's tid 0 too; `si_uid` whatever it is.
fn ids(line: &str, pid: &str, spindle: bool) -> String {
    let id = |v: &str, tid: bool| if v == pid || (tid && spindle && v == "0") { "PID".to_string() } else { v.to_string() };
    let mut out = line.to_string();
    for (call, n) in [("tgkill(", 2), ("kill(", 1)] {
        if let Some(rest) = out.strip_prefix(call) {
            let parts: Vec<&str> = rest.splitn(n + 1, ", ").collect();
            if parts.len() == n + 1 {
                let named: Vec<String> = parts[..n].iter().enumerate().map(|(k, v)| id(v, k == 1)).collect();
                out = format!("{call}{}, {}", named.join(", "), parts[n]);
            }
            break;
        }
    }
    for (field, value) in [("si_pid=", None), ("si_uid=", Some("UID"))] {
        if let Some(k) = out.find(field) {
            let start = k + field.len();
            let end = out[start..].find(|c: char| !c.is_ascii_digit()).map_or(out.len(), |e| start + e);
            let named = value.map_or_else(|| id(&out[start..end], false), str::to_string);
            out.replace_range(start..end, &named);
        }
    }
    out
}

/// Thread-tagged, joined and normalised lines: the `+++` lines of threads other than the first
/// thread of a process (each process's own end stays), the `getpid` and `gettid` glibc's
/// `raise` makes (in a trace that has `tgkill` lines), and the process's ids made `PID` and
/// `UID` ([`ids`]), its children's `CHILD1`, `CHILD2`, … in the order they were made
/// ([`child_ids`]).
fn comparable(trace: &str) -> Vec<String> {
    let tagged: Vec<(String, String)> = trace
        .lines()
        .map(|l| {
            let (t, rest) = split_thread(l.trim_end());
            (t.to_string(), rest.to_string())
        })
        .collect();
    let first = tagged.first().map(|t| t.0.clone()).unwrap_or_default();
    // strace's lines start with the pid (the first is the process's), Spindle's with a name.
    let spindle = !first.chars().all(|c| c.is_ascii_digit());
    let pid = if spindle { SPINDLE_PID.to_string() } else { first.clone() };
    let joined = join_split_calls(tagged);
    let children = child_pids(&joined);
    // The thread that is a child process's first: strace tags it with its pid, Spindle with
    // `name#K`, where the pid is 1000 + K.
    let child_thread = |t: &str| match spindle {
        false => children.iter().any(|c| c == t),
        true => t.rsplit_once('#').and_then(|(_, k)| k.parse::<i64>().ok()).is_some_and(|k| children.contains(&(1000 + k).to_string())),
    };
    let raises = joined.iter().any(|(_, text)| text.starts_with("tgkill("));
    joined
        .into_iter()
        .filter(|(t, text)| !(text.starts_with("+++") && !t.is_empty() && *t != first && !child_thread(t)))
        .filter(|(_, text)| !(raises && text.starts_with("getpid(")))
        .filter_map(|(_, text)| normalise(&text))
        .map(|l| child_ids(&ids(&l, &pid, spindle), &pid, &children))
        .collect()
}

/// The pids of the child processes a trace made, in order: the results of its `clone` lines
/// without `CLONE_THREAD` (glibc's `fork`).
fn child_pids(lines: &[(String, String)]) -> Vec<String> {
    lines
        .iter()
        .filter(|(_, text)| text.starts_with("clone(") && !text.contains("CLONE_THREAD"))
        .filter_map(|(_, text)| text.rsplit_once(" = ").map(|(_, r)| r.trim().to_string()))
        .filter(|r| r.chars().all(|c| c.is_ascii_digit()) && !r.is_empty())
        .collect()
}

/// The process ids in the lines of the process calls (`clone`, `wait4`, `getpid`, `getppid`,
/// `kill`) and of signals (`si_pid`): the process's own `PID`, its children's `CHILD1`, … —
/// the kernel's pids are its own, Spindle's are 1000, 1001, …
fn child_ids(line: &str, pid: &str, children: &[String]) -> String {
    if !["clone(", "wait4(", "getpid(", "getppid(", "kill(", "--- "].iter().any(|c| line.starts_with(c)) {
        return line.to_string();
    }
    let mut out = String::new();
    let mut rest = line;
    while let Some(k) = rest.find(|c: char| c.is_ascii_digit()) {
        let end = rest[k..].find(|c: char| !c.is_ascii_digit()).map_or(rest.len(), |e| k + e);
        let word_start = k == 0 || !rest[..k].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let number = &rest[k..end];
        out.push_str(&rest[..k]);
        match children.iter().position(|c| c == number) {
            Some(n) if word_start => out.push_str(&format!("CHILD{}", n + 1)),
            None if word_start && number == pid => out.push_str("PID"),
            _ => out.push_str(number),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn traces_match_strace_of_the_native_twins() {
    let dir = std::env::temp_dir().join(format!("spindle-strace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if !host_tools_present(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let mut scenarios: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("tests/strace"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 5, "expected the strace scenarios in tests/strace/");
    let mut failures = Vec::new();
    for c in &scenarios {
        let stem = c.file_stem().unwrap().to_string_lossy().to_string();
        let mir = Path::new("programs/strace").join(format!("{stem}.mir"));
        assert!(Path::new(ROOT).join(&mir).exists(), "{} has no guest twin {}", c.display(), mir.display());
        let native = comparable(&native_trace(c, &dir));
        // Spindle's trace with the same filter: the calls a twin leaves out of the comparison
        // (rt_sigprocmask, which pthread_create makes too) are left out of both.
        let ours = comparable(&spindle_trace_with(&mir, &["-e", &format!("trace={}", syscalls_of(c))]));
        if native != ours {
            let width = native.iter().map(String::len).max().unwrap_or(0).min(70);
            let mut table = String::new();
            for k in 0..native.len().max(ours.len()) {
                let a = native.get(k).map_or("", String::as_str);
                let b = ours.get(k).map_or("", String::as_str);
                table.push_str(&format!("{} {a:<width$} | {b}\n", if a == b { ' ' } else { '!' }));
            }
            failures.push(format!("{stem}: strace (left) and Spindle (right) differ:\n{table}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// strace's `-y` on every twin: every fd argument and fd result followed by what it names
/// (`3<pipe:[…]>`, `5<anon_inode:[eventpoll]>`, `1</dev/null>`), with inode numbers renumbered
/// in order of appearance on both sides ([`renumber_inodes`]).
#[test]
fn fd_annotations_match_strace_y() {
    let dir = std::env::temp_dir().join(format!("spindle-strace-y-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if !host_tools_present(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let mut scenarios: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("tests/strace"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    scenarios.sort();
    let mut failures = Vec::new();
    let mut annotated = 0;
    for c in &scenarios {
        let stem = c.file_stem().unwrap().to_string_lossy().to_string();
        let mir = Path::new("programs/strace").join(format!("{stem}.mir"));
        let native = renumber_inodes(comparable(&native_trace_with(c, &dir, &format!("trace={}", syscalls_of(c)), &["-y"])));
        let ours = renumber_inodes(comparable(&spindle_trace_with(&mir, &["-y", "-e", &format!("trace={}", syscalls_of(c))])));
        annotated += ours.iter().filter(|l| l.contains(">, ") || l.contains(">)")).count();
        if native != ours {
            let diff: Vec<String> =
                native.iter().zip(&ours).filter(|(a, b)| a != b).take(8).map(|(a, b)| format!("  strace:  {a}\n  spindle: {b}")).collect();
            failures.push(format!("{stem} -y: {} lines vs {}\n{}", native.len(), ours.len(), diff.join("\n")));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(annotated > 100, "the twins' fds are annotated ({annotated} lines)");
}

/// strace's filters and string size, given to both: `-e trace=NAMES`, `-e trace=%CLASS`, `-s N`.
#[test]
fn filters_and_string_size_match_strace() {
    let dir = std::env::temp_dir().join(format!("spindle-strace-filters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if !host_tools_present(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let mut failures = Vec::new();
    for (twin, expr, size) in [
        ("every_call", "trace=%network", "32"),
        ("every_call", "trace=%desc", "4"),
        ("every_call", "trace=epoll_wait,read,sendto", "0"),
        ("every_call", "trace=write", "40"),
        // The signal lines stay whatever the filter; rt_sigreturn is a call like the others.
        ("signal_calls", "trace=%signal", "32"),
        ("signal_interrupts", "trace=read,tgkill", "32"),
        // fstat's newfstatat is in %desc (and %file); strings cut at 8 bytes.
        ("files_calls", "trace=%desc", "8"),
    ] {
        let c = Path::new(ROOT).join(format!("tests/strace/{twin}.c"));
        let mir = Path::new("programs/strace").join(format!("{twin}.mir"));
        let native = comparable(&native_trace_with(&c, &dir, expr, &["-s", size]));
        let ours = comparable(&spindle_trace_with(&mir, &["-e", expr, "-s", size]));
        assert!(native.len() > 3, "strace -e {expr} shows the calls ({} lines)", native.len());
        if native != ours {
            let diff: Vec<String> =
                native.iter().zip(&ours).filter(|(a, b)| a != b).take(5).map(|(a, b)| format!("  strace:  {a}\n  spindle: {b}")).collect();
            failures.push(format!("{twin} -e {expr} -s {size}: {} lines vs {}\n{}", native.len(), ours.len(), diff.join("\n")));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(call, calls, errors)` of each row of a `-c` table, sorted by call (the times, and so the
/// order of the rows, are the host's in strace and virtual in Spindle).
fn summary_rows(table: &str) -> Vec<(String, u64, u64)> {
    let mut rows: Vec<(String, u64, u64)> = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| (5..=6).contains(&w.len()) && w[0].contains('.') && w[w.len() - 1] != "total")
        .map(|w| {
            let errors = if w.len() == 6 { w[4].parse().unwrap() } else { 0 };
            (w[w.len() - 1].to_string(), w[3].parse().unwrap(), errors)
        })
        .collect();
    rows.sort();
    rows
}

/// strace's `-c`: the same calls, counts and errors as `strace -c` of the C twin, in strace's
/// columns.
#[test]
fn summary_counts_match_strace() {
    let dir = std::env::temp_dir().join(format!("spindle-strace-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if !host_tools_present(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let c = Path::new(ROOT).join("tests/strace/every_call.c");
    let exe = dir.join("every_call");
    let out = Command::new("gcc").args(["-static", "-O0", "-o"]).arg(&exe).arg(&c).output().expect("run gcc");
    assert!(out.status.success(), "gcc: {}", String::from_utf8_lossy(&out.stderr));
    let log = dir.join("summary.txt");
    let out = Command::new("strace").args(["-c", "-e"]).arg(format!("trace={SYSCALLS}")).arg("-o").arg(&log).arg(&exe).output().unwrap();
    assert!(out.status.success(), "strace -c failed");
    let native_text = std::fs::read_to_string(&log).unwrap();
    let ours_text = spindle_trace_with(Path::new("programs/strace/every_call.mir"), &["-c"]);
    let _ = std::fs::remove_dir_all(&dir);
    let header = |t: &str| t.lines().take(2).map(String::from).collect::<Vec<_>>();
    assert_eq!(header(&ours_text), header(&native_text), "the header and the rule");
    let (native, ours) = (summary_rows(&native_text), summary_rows(&ours_text));
    assert!(native.len() > 10, "strace -c lists the calls:\n{native_text}");
    assert_eq!(ours, native, "Spindle's table:\n{ours_text}\nstrace's:\n{native_text}");
}

/// strace's `-c` of the signal calls: `rt_sigreturn` counted as a call (with an error when it
/// returns the interrupted call's `EINTR`), `raise` as `tgkill`, `sigaction` as `rt_sigaction`.
#[test]
fn summary_counts_signal_calls_as_strace() {
    let dir = std::env::temp_dir().join(format!("spindle-strace-summary-signals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if !host_tools_present(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let c = Path::new(ROOT).join("tests/strace/signal_calls.c");
    let exe = dir.join("signal_calls");
    let out = Command::new("gcc").args(["-static", "-O0", "-o"]).arg(&exe).arg(&c).output().expect("run gcc");
    assert!(out.status.success(), "gcc: {}", String::from_utf8_lossy(&out.stderr));
    let log = dir.join("summary.txt");
    let expr = "trace=rt_sigaction,rt_sigprocmask,rt_sigpending,rt_sigsuspend,rt_sigreturn,kill,tgkill,signalfd4,close";
    let out = Command::new("strace").args(["-c", "-e", expr, "-o"]).arg(&log).arg(&exe).output().unwrap();
    assert!(out.status.success(), "strace -c failed");
    let native_text = std::fs::read_to_string(&log).unwrap();
    let ours_text = spindle_trace_with(Path::new("programs/strace/signal_calls.mir"), &["-c", "-e", expr]);
    let _ = std::fs::remove_dir_all(&dir);
    let (native, ours) = (summary_rows(&native_text), summary_rows(&ours_text));
    assert!(native.iter().any(|(call, n, e)| call == "rt_sigreturn" && *n > 1 && *e > 0), "strace -c counts rt_sigreturn:\n{native_text}");
    assert_eq!(ours, native, "Spindle's table:\n{ours_text}\nstrace's:\n{native_text}");
}

#[test]
fn normalisation_removes_only_prefixes_padding_and_addresses() {
    assert_eq!(
        normalise("[pid 123] read(3, 0x7ffd1234abcd, 8)     = -1 EAGAIN (Resource temporarily unavailable)").unwrap(),
        "read(3, ADDR, 8) = -1 EAGAIN (Resource temporarily unavailable)"
    );
    assert_eq!(
        normalise("[writer#1] fcntl(3, F_GETFL)  = 0x800 (flags O_RDONLY|O_NONBLOCK)").unwrap(),
        "fcntl(3, F_GETFL) = 0x800 (flags O_RDONLY|O_NONBLOCK)"
    );
    assert_eq!(normalise("[main] spawn(writer, 4)  = 1"), None);
    assert_eq!(
        normalise("[9] pselect6(5, [3], NULL, NULL, {tv_sec=1, tv_nsec=0}, NULL) = 1 (in [3], left {tv_sec=0, tv_nsec=999998838})")
            .unwrap(),
        "pselect6(5, [3], NULL, NULL, {tv_sec=1, tv_nsec=0}, NULL) = 1 (in [3], left {tv_sec=S, tv_nsec=NS})"
    );
    assert_eq!(
        normalise("[9] pselect6(5, [3], NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = 1 (in [3], left {tv_sec=0, tv_nsec=0})").unwrap(),
        "pselect6(5, [3], NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = 1 (in [3], left {tv_sec=0, tv_nsec=0})"
    );
    assert_eq!(normalise("[pid 7] gettid()  = 7"), None);
    assert_eq!(
        normalise("[7] rt_sigaction(SIGUSR1, {sa_handler=0x401615, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x408b20}, NULL, 8) = 0")
            .unwrap(),
        "rt_sigaction(SIGUSR1, {sa_handler=ADDR, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=ADDR}, NULL, 8) = 0"
    );
    assert_eq!(ids("tgkill(31580, 31580, SIGUSR1) = 0", "31580", false), "tgkill(PID, PID, SIGUSR1) = 0");
    assert_eq!(ids("tgkill(1000, 0, SIGUSR1) = 0", "1000", true), "tgkill(PID, PID, SIGUSR1) = 0");
    assert_eq!(ids("tgkill(1000, 3, SIGUSR1) = 0", "1000", true), "tgkill(PID, 3, SIGUSR1) = 0");
    assert_eq!(ids("kill(1000, 0) = 0", "1000", true), "kill(PID, 0) = 0");
    assert_eq!(
        ids("--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=42, si_uid=0} ---", "42", false),
        "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=PID, si_uid=UID} ---"
    );
    // The twin's scratch directory is the guest's root, and readlink's count follows.
    assert_eq!(
        unscratch("[9] readlink(\"/proc/self/fd/3\", \"/tmp/sp1/f.txt (deleted)\", 64) = 24", "/tmp/sp1"),
        "[9] readlink(\"/proc/self/fd/3\", \"/f.txt (deleted)\", 64) = 16"
    );
    assert_eq!(
        unscratch("[9] openat(AT_FDCWD</tmp/sp1>, \"d\", O_RDONLY) = 3</tmp/sp1/d>", "/tmp/sp1"),
        "[9] openat(AT_FDCWD</>, \"d\", O_RDONLY) = 3</d>"
    );
    assert_eq!(unscratch("[9] read(3, \"/tmp/sp10\", 9) = 9", "/tmp/sp1"), "[9] read(3, \"/tmp/sp10\", 9) = 9");
    // Child pids by the order of the clones that made them; other numbers stay.
    let children = vec!["4711".to_string()];
    assert_eq!(
        child_ids("wait4(4711, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 4711", "42", &children),
        "wait4(CHILD1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = CHILD1"
    );
    assert_eq!(child_ids("getppid() = 42", "42", &children), "getppid() = PID");
    assert_eq!(child_ids("write(3, \"4711\", 4) = 4", "42", &children), "write(3, \"4711\", 4) = 4");
    assert_eq!(
        child_pids(&[(
            "1".into(),
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x1) = 4711".into()
        )]),
        children
    );
    assert_eq!(
        normalise("[1] clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x4c6650) = 2").unwrap(),
        "clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=ADDR) = 2"
    );
    assert_eq!(normalise("[1] readlink(\"/proc/self/exe\", \"/tmp/x\", 4096) = 6"), None);
    assert_eq!(
        normalise("[1] newfstatat(5, \"\", {st_mode=S_IFDIR|0755, st_size=60, ...}, AT_EMPTY_PATH) = 0").unwrap(),
        "newfstatat(5, \"\", {st_mode=S_IFDIR|0755, st_size=SIZE, ...}, AT_EMPTY_PATH) = 0"
    );
    let joined = join_split_calls(vec![
        ("1".into(), "read(3,  <unfinished ...>".into()),
        ("2".into(), "write(4, \"x\", 1) = 1".into()),
        ("1".into(), "<... read resumed>\"x\", 8) = 1".into()),
    ]);
    assert_eq!(
        joined,
        vec![("1".to_string(), "read(3, \"x\", 8) = 1".to_string()), ("2".to_string(), "write(4, \"x\", 1) = 1".to_string())]
    );
}
