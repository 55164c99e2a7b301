//! `spindle run --against-kernel`: a guest program's system calls, each one also carried out by
//! the host kernel, in lockstep, and compared — return value, errno, and the bytes every buffer
//! the call writes. The first difference stops the run and is reported with both answers side by
//! side (exit code [`EXIT_DIVERGED`]); a program that agrees to the end exits with its own code
//! and a one-line summary.
//!
//! ```no_run
//! use spindle::against_kernel::Oracle;
//! use spindle::{Config, Program};
//!
//! let program = Program::from_path("guests/pipes.mir")?;
//! // In an integration test of the spindle crate: `env!("CARGO_BIN_EXE_spindle")`.
//! let oracle = Oracle::new("/path/to/spindle");
//! let check = program.against_kernel(Config::new(), &oracle)?;
//! assert!(check.agreed(), "{}", check.render(&program, false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **How.** The kernel side is a child process, the *oracle*: an executable run as
//! `EXE __kernel-oracle` that calls [`serve`] (the `spindle` binary does; [`Oracle::new`] names
//! it). Its fd table is laid out like a fresh guest's — fds 0, 1 and 2 on `/dev/null` (opened
//! `O_RDONLY`, `O_WRONLY`, `O_WRONLY`: three descriptions), nothing else open — and its soft
//! `RLIMIT_NOFILE` is the guest's `--max-fds`. So the kernel hands out exactly the fd numbers
//! Spindle should (lowest free, `dup2` targets, `EMFILE`, `EBADF` at the limit) and they are
//! compared as they are. The two processes talk through a window of shared memory (a memfd the
//! oracle maps and closes) and two futexes, so that the oracle keeps no fd of its own. (If the
//! oracle's hard limit is below `--max-fds` and cannot be raised, fd numbers from the hard limit
//! on are not checked.)
//!
//! An observer in the shims ([`spindle_shims::CallObserver`]) sees every call before and after
//! it runs. Before, it captures the call's arguments and the guest bytes of every buffer the
//! call may read or write; after, it sends the call to the oracle, which rebuilds each buffer in
//! its own memory — the bytes the guest's allocation holds, ending exactly where the allocation's
//! valid bytes end, with an inaccessible page after them and read-only where the guest's memory is
//! (a string literal) — makes the system call, and answers with the result, errno and the bytes
//! of every buffer the call may have written. A NULL pointer stays NULL; a pointer into no live
//! guest allocation becomes one to an inaccessible page (or stays as it is when it is not a user
//! address at all), so that the kernel answers `EFAULT` where it would for the guest.
//!
//! **What is compared.** Every Linux system call Spindle implements: `read`, `write`, `close`,
//! `dup`, `dup2`, `dup3`, `fcntl`, `eventfd`, `pipe`, `pipe2`, `socketpair`, `send`, `recv`,
//! `shutdown`, the six epoll calls and `timerfd_create`/`settime`/`gettime`. Not compared: the VM's
//! own services (`malloc`, `free`, `errno`, `exit`, `abort`, `join`, `sched_yield`), the clock
//! calls (`nanosleep`, `usleep`, `clock_gettime`: the virtual clock is not the kernel's, see
//! `docs/divergences.md`) and host-added functions. An `epoll_wait` asks the kernel with a timeout
//! of 0: a single-threaded program without timers cannot receive an event while it waits, so a
//! timed wait that Spindle ends by its timeout must find nothing on Linux either.
//!
//! **What cannot be checked** (the run stops with exit code 3 and says why): a second thread
//! (`spawn`), a call that blocks (except a timed epoll wait), a timerfd that is armed (its
//! expirations follow the virtual clock), and an fd number the oracle cannot have (see above). If
//! the kernel blocks where Spindle returned, the oracle is killed after [`Oracle::timeout`] and
//! that is the divergence.

use crate::{Config, FdLimits, Outcome, Program, Report, RunConfig, SharedBuf, Trace, TraceConfig, Tracer};
use spindle_shims::trace::decode::{self, Arg, RetKind};
use spindle_shims::trace::{Shown, Sig};
use spindle_shims::{CallObserver, Shims, SHIMS};
use spindle_vm::diag::{render, Diagnostic};
use spindle_vm::machine::{Console, Machine};
use spindle_vm::source::Span;
use spindle_vm::{Ret, Stop, StopKind, VmResult};
use std::cell::RefCell;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// `spindle run --against-kernel`'s exit code when Spindle and the kernel disagree.
pub const EXIT_DIVERGED: i32 = 5;

/// The argument that makes an executable serve as the oracle (`spindle __kernel-oracle`).
pub const ORACLE_SUBCOMMAND: &str = "__kernel-oracle";

/// How long the kernel may take to answer one call before it is taken to block.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// x86-64's `TASK_SIZE_MAX`: user addresses lie below it.
const TASK_SIZE_MAX: u64 = 0x7fff_ffff_f000;

// ---- the public face ------------------------------------------------------------------------

/// The executable that performs the kernel's side of a check: `program __kernel-oracle`, which
/// must call [`serve`] (the `spindle` binary does).
#[derive(Clone, Debug)]
pub struct Oracle {
    program: PathBuf,
    timeout: Duration,
}

impl Oracle {
    /// The oracle `program` (a `spindle` binary, e.g. `env!("CARGO_BIN_EXE_spindle")` in an
    /// integration test of this crate).
    pub fn new(program: impl Into<PathBuf>) -> Oracle {
        Oracle { program: program.into(), timeout: DEFAULT_TIMEOUT }
    }

    /// The running executable as the oracle (what `spindle run --against-kernel` uses).
    pub fn current_exe() -> Result<Oracle, OracleError> {
        std::env::current_exe().map(Oracle::new).map_err(|e| OracleError(format!("cannot find the running executable: {e}")))
    }

    /// How long the kernel may take to answer one call (default 2 s); after that it is taken to
    /// block where Spindle returned, which is reported as the divergence.
    pub fn timeout(mut self, timeout: Duration) -> Oracle {
        self.timeout = timeout;
        self
    }
}

/// The check could not be carried out: the oracle did not start, died or broke the protocol.
/// (What the program does — a divergence, a second thread — is in [`KernelCheck`].)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleError(pub String);

impl std::fmt::Display for OracleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OracleError {}

/// A run checked against the kernel.
#[derive(Debug)]
pub struct KernelCheck {
    /// The run. On a divergence the run stopped at the diverging call: `exit_code` is
    /// [`EXIT_DIVERGED`], `report` is the divergence report and `stop` carries it (as
    /// [`StopKind::Unsupported`]). When the run's console was the caller's
    /// ([`Program::against_kernel_with_console`]) `stdout` and `stderr` are empty.
    pub outcome: Outcome,
    /// The first call on which Spindle and the kernel disagreed.
    pub divergence: Option<Box<Divergence>>,
    /// Why the check stopped before the program's end (a second thread, a call that blocks, an
    /// armed timer): the run stopped there with exit code 3.
    pub unchecked: Option<String>,
    /// System calls compared with the kernel (and found equal, but for a divergence's).
    pub compared: u64,
    /// Calls not compared: the VM's own services, the clock calls and host-added functions.
    pub not_compared: u64,
    /// The kernel that answered: `Linux 6.18.44`.
    pub kernel: String,
}

/// The first call whose result differs.
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The call as the guest names it (`read`).
    pub call: String,
    /// Where the guest made it.
    pub span: Span,
    /// Which compared call it was (1 for the first).
    pub index: u64,
    /// The call with Spindle's answer, as the trace shows it: `read(3, "abc", 8) = 3`.
    pub spindle: String,
    /// The call with the kernel's answer (`None` if the kernel did not answer: it blocked).
    pub linux: Option<String>,
    /// Every difference, one sentence each.
    pub differences: Vec<String>,
    /// The report: rustc-style, pointing at the call.
    pub diagnostic: Diagnostic,
}

impl KernelCheck {
    /// Whether every call agreed and the program ran to its end.
    pub fn agreed(&self) -> bool {
        self.divergence.is_none() && self.unchecked.is_none()
    }

    /// The exit status, as `spindle run --against-kernel` exits: [`EXIT_DIVERGED`] on a
    /// divergence, 3 when the program cannot be checked, else the run's own.
    pub fn exit_code(&self) -> i32 {
        self.outcome.exit_code
    }

    /// The one-line summary `spindle run --against-kernel` ends with.
    pub fn summary(&self) -> String {
        let skipped = match self.not_compared {
            0 => String::new(),
            1 => " (1 call to a VM service or clock not compared)".to_string(),
            n => format!(" ({n} calls to VM services or clocks not compared)"),
        };
        let ran_to_end = self.unchecked.is_none() && self.outcome.stop.is_exit();
        match (&self.divergence, self.compared) {
            (Some(d), _) => {
                format!("against-kernel: `{}` diverged from {} after {} that agreed{skipped}", d.call, self.kernel, calls(d.index - 1))
            }
            (None, 0) => format!("against-kernel: no system call to compare with {}{skipped}", self.kernel),
            (None, n) if ran_to_end => format!("against-kernel: all {} agreed with {}{skipped}", calls(n), self.kernel),
            (None, n) => format!("against-kernel: the {} before the stop agreed with {}{skipped}", calls(n), self.kernel),
        }
    }

    /// What `spindle run --against-kernel` prints on stderr after the run: the divergence
    /// report or the run's own failure report, then the summary.
    pub fn render(&self, program: &Program, color: bool) -> String {
        let mut out = match &self.divergence {
            Some(d) => render(std::slice::from_ref(&d.diagnostic), Some(&program.sources), color),
            None => program.render_stop(&self.outcome.stop, color),
        };
        out.push_str(&self.summary());
        out.push('\n');
        out
    }
}

impl Program {
    /// Runs the program with every system call also carried out by the host kernel through
    /// `oracle`, and compares each answer (module [`against_kernel`](crate::against_kernel)). The
    /// guest's output is captured, as by [`Program::run`]. `Err` only when the oracle could not
    /// be used; what the program did is in the [`KernelCheck`].
    pub fn against_kernel(&self, config: impl Into<Config>, oracle: &Oracle) -> Result<KernelCheck, OracleError> {
        let config: Config = config.into();
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let console = Console { out: Box::new(out.clone()), err: Box::new(err.clone()) };
        let tbuf = SharedBuf::default();
        let tracer = config.trace.map(|t| {
            let mut tracer =
                Tracer::new(TraceConfig { format: t.format, time: t.timestamps, timeline: false }, Some(Box::new(tbuf.clone())));
            tracer.max_bytes = t.max_bytes;
            tracer
        });
        let limits = config.fd_limits.unwrap_or(self.fd_limits);
        let (mut check, tracer) = self.check(&config.run_config(), limits, console, tracer, oracle)?;
        check.outcome.stdout = out.0.borrow().clone();
        check.outcome.stderr = err.0.borrow().clone();
        check.outcome.trace = tracer.map(|mut t| {
            let events = std::mem::take(&mut t.events);
            drop(t); // writes out what it still holds
            Trace { text: String::from_utf8_lossy(&tbuf.0.borrow()).into_owned(), events, timeline: None }
        });
        Ok(check)
    }

    /// [`Program::against_kernel`] with the guest's output going to `console` and its calls
    /// recorded by `tracer` if given (what `spindle run --against-kernel` does); the program's
    /// own fd limits ([`Program::set_fd_limits`]) apply.
    pub fn against_kernel_with_console(
        &self,
        config: &RunConfig,
        console: Console,
        tracer: Option<Tracer>,
        oracle: &Oracle,
    ) -> Result<KernelCheck, OracleError> {
        self.check(config, self.fd_limits, console, tracer, oracle).map(|(c, _)| c)
    }

    fn check(
        &self,
        config: &RunConfig,
        limits: FdLimits,
        console: Console,
        tracer: Option<Tracer>,
        oracle: &Oracle,
    ) -> Result<(KernelCheck, Option<Tracer>), OracleError> {
        if !spindle_shims::HOOKS {
            return Err(OracleError("this spindle is built without the call hooks (feature `trace`), which --against-kernel needs".into()));
        }
        // Room for a call's buffers: they lie in guest memory.
        let capacity = config.max_memory.saturating_mul(3).saturating_add(16 << 20).min(1 << 40) as usize;
        let link = Link::start(oracle, limits.max_fds as u64, capacity)?;
        let kernel = link.kernel.clone();
        let checker = Rc::new(RefCell::new(Checker::new(link, limits.max_fds as i64, oracle.timeout)));
        let mut shims = if self.foreign.is_empty() { Shims::new() } else { Shims::with_foreign(self.foreign.clone()) };
        shims.set_limits(limits);
        shims.trace = tracer;
        shims.observer = Some(Box::new(Hook(checker.clone())));
        let (stop, steps, time_ns, max_clock_len) = match Machine::new(self.ir.clone(), config.clone(), console) {
            Ok(mut m) => {
                let stop = m.run(&mut shims);
                let _ = m.console.out.flush();
                let _ = m.console.err.flush();
                if let Some(t) = &mut shims.trace {
                    let diverged = checker.borrow().divergence.is_some();
                    t.ended(&m, &if diverged { "stopped: diverged from Linux".to_string() } else { crate::ending(&stop) });
                }
                (stop, m.steps(), m.now(), m.max_clock_len())
            }
            Err(stop) => (stop, 0, 0, 0),
        };
        shims.observer = None;
        let mut c = checker.borrow_mut();
        c.link.quit();
        if let Some(e) = c.fatal.take() {
            return Err(e);
        }
        let divergence = c.divergence.take();
        let unchecked = c.unchecked.take();
        let report = match &divergence {
            Some(d) => Some(Report {
                kind: StopKind::Unsupported,
                title: d.diagnostic.title.clone(),
                rendered: render(std::slice::from_ref(&d.diagnostic), Some(&self.sources), false),
            }),
            None => (!stop.diags.is_empty()).then(|| Report {
                kind: stop.kind,
                title: stop.diags[0].title.clone(),
                rendered: self.render_stop(&stop, false),
            }),
        };
        let exit_code = if divergence.is_some() { EXIT_DIVERGED } else { stop.exit_code() };
        let outcome = Outcome {
            exit_code,
            stop,
            stdout: Vec::new(),
            stderr: Vec::new(),
            report,
            trace: None,
            steps,
            time_ns,
            max_clock_len,
            schedule: None,
            schedule_error: None,
        };
        let check = KernelCheck { outcome, divergence, unchecked, compared: c.compared, not_compared: c.not_compared, kernel };
        Ok((check, shims.trace.take()))
    }
}

// ---- the channel: a window of shared memory and two futexes -----------------------------------
//
// The oracle must leave every fd number to the guest, so the two processes talk through shared
// memory: a memfd that the oracle gets as its stdin, maps, and closes. The first page holds two
// sequence numbers (futex words) and the length of the message in the window after it: the
// parent writes a request there and bumps `REQUEST_SEQ`; the oracle reads it, writes its answer
// in the same place and sets `REPLY_SEQ` to the same number. Messages are little-endian.

const REQ_SETUP: u8 = 1;
const REQ_CALL: u8 = 2;
const REQ_QUIT: u8 = 3;
const REP_SETUP: u8 = 1;
const REP_CALL: u8 = 2;
const REP_ERROR: u8 = 9;

/// The header page: the futex words and the message length.
const HEADER: usize = 4096;
const REQUEST_SEQ: usize = 0;
const REPLY_SEQ: usize = 4;
const LENGTH: usize = 8;

/// A shared mapping of the channel's memfd.
struct Window {
    base: *mut u8,
    len: usize,
}

impl Window {
    fn map(fd: i32, len: usize) -> Result<Window, String> {
        // SAFETY: a shared mapping of the whole memfd, which is `len` bytes long.
        let base = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd, 0) };
        if base == libc::MAP_FAILED {
            return Err(format!("mmap of the oracle's window ({len} bytes): {}", last_error()));
        }
        Ok(Window { base: base.cast(), len })
    }

    fn word(&self, at: usize) -> &AtomicU32 {
        // SAFETY: the header page is mapped as long as `self`, and the words are aligned; both
        // processes touch them only atomically.
        unsafe { &*(self.base.add(at) as *const AtomicU32) }
    }

    fn message_len(&self) -> usize {
        // SAFETY: the length field lies in the header page; it is written before the sequence
        // number that publishes it (release) and read after it (acquire).
        (unsafe { std::ptr::read_volatile(self.base.add(LENGTH) as *const u64) }) as usize
    }

    fn set_message_len(&mut self, n: usize) {
        // SAFETY: as above.
        unsafe { std::ptr::write_volatile(self.base.add(LENGTH) as *mut u64, n as u64) }
    }

    /// The message area. Only one side touches it at a time: the one whose turn it is.
    fn body(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is `len` bytes long; the other process writes this area only
        // between the two sequence numbers, while this one waits.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(HEADER), self.len - HEADER) }
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        // SAFETY: unmapping what `map` mapped.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// Sleeps while `word` holds `value`, at most `timeout`.
fn futex_wait(word: &AtomicU32, value: u32, timeout: Duration) {
    let ts = libc::timespec { tv_sec: timeout.as_secs() as libc::time_t, tv_nsec: timeout.subsec_nanos() as libc::c_long };
    // SAFETY: FUTEX_WAIT on a word of a shared mapping, with a relative timeout.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, value, &ts as *const libc::timespec, 0, 0) };
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: FUTEX_WAKE on a word of a shared mapping.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX, 0, 0, 0) };
}

/// Writes a message into the window; `overflow` once it does not fit.
struct Out<'a> {
    buf: &'a mut [u8],
    pos: usize,
    overflow: bool,
}

impl<'a> Out<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Out { buf, pos: 0, overflow: false }
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        match self.buf.get_mut(self.pos..self.pos + b.len()) {
            Some(dst) if !self.overflow => {
                dst.copy_from_slice(b);
                self.pos += b.len();
            }
            _ => self.overflow = true,
        }
        self
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.raw(&[v])
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.u64(b.len() as u64).raw(b)
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.0.len() < n {
            return Err("a truncated message".to_string());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| "a truncated message")?))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let n = self.u64()?;
        if n > self.0.len() as u64 {
            return Err("a truncated message".to_string());
        }
        Ok(self.take(n as usize)?.to_vec())
    }
}

/// One buffer of a call, as the oracle rebuilds it.
#[derive(Clone, Debug)]
struct Buf {
    /// Which argument points at it.
    arg: usize,
    /// Its bytes: as many as the call may touch and the guest's allocation holds.
    bytes: Vec<u8>,
    /// Whether the kernel may write it (the guest's memory is not read-only).
    writable: bool,
    /// Whether its bytes come back after the call, to be compared.
    back: bool,
    /// Where it is in guest memory (0: it is not the guest's, e.g. a timeout the oracle uses).
    guest: u64,
    /// How many bytes the call names (more than `bytes` when the guest's memory ends first).
    len: u64,
    /// Not rebuilt: the address itself, a user address whose range reaches past the end of
    /// user space (the oracle makes sure nothing of its own lies between it and that end).
    raw: u64,
}

/// A system call for the oracle.
#[derive(Clone, Debug)]
struct CallReq {
    nr: i64,
    args: [u64; 6],
    bufs: Vec<Buf>,
}

impl CallReq {
    fn encode(&self, out: &mut Out<'_>) {
        out.u8(REQ_CALL).u64(self.nr as u64);
        for a in self.args {
            out.u64(a);
        }
        out.u64(self.bufs.len() as u64);
        for b in &self.bufs {
            out.u8(b.arg as u8).u8(b.writable as u8).u8(b.back as u8).u64(b.raw).bytes(&b.bytes);
        }
    }
}

/// The kernel's answer to a call.
struct CallReply {
    ret: i64,
    errno: i64,
    /// The bytes of each buffer marked `back`, in order.
    outs: Vec<Vec<u8>>,
}

// ---- the parent's end: the oracle process -----------------------------------------------------

/// Why a request got no answer.
enum NoAnswer {
    /// Nothing within the timeout: the kernel blocks.
    Timeout,
    /// The oracle is gone or said something wrong.
    Failed(String),
}

/// The running oracle.
struct Link {
    child: Child,
    window: Window,
    /// The window's memfd, to give its pages back after a large message.
    memfd: OwnedFd,
    stderr: Receiver<Vec<u8>>,
    timeout: Duration,
    program: String,
    /// The lowest fd number the oracle cannot give out (normally `--max-fds`).
    ceiling: i64,
    kernel: String,
    /// The last request's sequence number.
    seq: u32,
    /// The oracle was killed or quit.
    gone: bool,
}

/// Messages above this size give their pages back afterwards.
const LARGE_MESSAGE: usize = 16 << 20;

impl Link {
    /// Starts the oracle with a window for messages of up to `capacity` bytes (it is sparse:
    /// only what messages use takes memory).
    fn start(oracle: &Oracle, max_fds: u64, capacity: usize) -> Result<Link, OracleError> {
        let program = oracle.program.display().to_string();
        let fail = |what: String| OracleError(format!("cannot start the kernel oracle: {what}"));
        // SAFETY: memfd_create and ftruncate on the new fd, which `OwnedFd` then owns.
        let memfd = unsafe {
            let fd = libc::memfd_create(c"spindle-oracle".as_ptr(), libc::MFD_CLOEXEC);
            if fd < 0 {
                return Err(fail(format!("memfd_create: {}", last_error())));
            }
            let fd = OwnedFd::from_raw_fd(fd);
            if libc::ftruncate(fd.as_raw_fd(), (HEADER + capacity) as libc::off_t) != 0 {
                return Err(fail(format!("ftruncate: {}", last_error())));
            }
            fd
        };
        let window = Window::map(memfd.as_raw_fd(), HEADER + capacity).map_err(fail)?;
        let stdin = memfd.try_clone().map_err(|e| fail(e.to_string()))?;
        let mut child = Command::new(&oracle.program)
            .arg(ORACLE_SUBCOMMAND)
            .stdin(Stdio::from(stdin))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| OracleError(format!("cannot start the kernel oracle `{program} {ORACLE_SUBCOMMAND}`: {e}")))?;
        let (etx, stderr) = mpsc::channel();
        if let Some(mut err) = child.stderr.take() {
            std::thread::spawn(move || {
                let mut text = Vec::new();
                let _ = (&mut err).take(64 << 10).read_to_end(&mut text);
                let _ = etx.send(text);
            });
        }
        let mut link =
            Link { child, window, memfd, stderr, timeout: oracle.timeout, program, ceiling: 0, kernel: String::new(), seq: 0, gone: false };
        // Starting a process may take longer than a call.
        let setup_timeout = link.timeout.max(Duration::from_secs(30));
        let reply = link
            .exchange(setup_timeout, &|out| {
                out.u8(REQ_SETUP).u64(max_fds);
            })
            .map_err(|e| match e {
                NoAnswer::Timeout => OracleError(format!("the kernel oracle `{} {ORACLE_SUBCOMMAND}` did not answer", link.program)),
                NoAnswer::Failed(e) => OracleError(e),
            })?;
        let mut r = Reader(&reply);
        let parsed = (|| -> Result<(), String> {
            match r.u8()? {
                REP_SETUP => {
                    link.ceiling = r.u64()? as i64;
                    link.kernel = String::from_utf8_lossy(&r.bytes()?).into_owned();
                    Ok(())
                }
                REP_ERROR => Err(format!("the kernel oracle cannot start: {}", String::from_utf8_lossy(&r.bytes()?))),
                t => Err(format!("the kernel oracle answered the setup with message {t}")),
            }
        })();
        parsed.map_err(OracleError)?;
        Ok(link)
    }

    /// Writes a request with `write` and waits up to `timeout` for the answer.
    fn exchange(&mut self, timeout: Duration, write: &dyn Fn(&mut Out<'_>)) -> Result<Vec<u8>, NoAnswer> {
        if self.gone {
            return Err(NoAnswer::Failed("the kernel oracle is gone".into()));
        }
        let mut out = Out::new(self.window.body());
        write(&mut out);
        if out.overflow {
            return Err(NoAnswer::Failed(format!("a call's buffers do not fit the oracle's window of {} bytes", self.window.len - HEADER)));
        }
        let len = out.pos;
        self.window.set_message_len(len);
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.window.word(REQUEST_SEQ).store(seq, Ordering::Release);
        futex_wake(self.window.word(REQUEST_SEQ));
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.window.word(REPLY_SEQ).load(Ordering::Acquire);
            if seen == seq {
                break;
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(NoAnswer::Failed(self.death("it exited")));
            }
            let now = Instant::now();
            if now >= deadline {
                self.kill();
                return Err(NoAnswer::Timeout);
            }
            futex_wait(self.window.word(REPLY_SEQ), seen, (deadline - now).min(Duration::from_millis(50)));
        }
        let n = self.window.message_len().min(self.window.len - HEADER);
        let reply = self.window.body()[..n].to_vec();
        if len.max(n) > LARGE_MESSAGE {
            // SAFETY: punching a hole in our own memfd frees the pages both mappings used.
            unsafe {
                libc::fallocate(
                    self.memfd.as_raw_fd(),
                    libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                    HEADER as libc::off_t,
                    (self.window.len - HEADER) as libc::off_t,
                )
            };
        }
        Ok(reply)
    }

    /// Performs a call on the kernel.
    fn call(&mut self, req: &CallReq) -> Result<CallReply, NoAnswer> {
        let reply = self.exchange(self.timeout, &|out| req.encode(out))?;
        let mut r = Reader(&reply);
        let parsed = (|| -> Result<CallReply, String> {
            match r.u8()? {
                REP_CALL => {
                    let ret = r.u64()? as i64;
                    let errno = r.u64()? as i64;
                    let n = r.u64()?;
                    let outs = (0..n).map(|_| r.bytes()).collect::<Result<Vec<_>, _>>()?;
                    Ok(CallReply { ret, errno, outs })
                }
                REP_ERROR => Err(format!("the kernel oracle failed: {}", String::from_utf8_lossy(&r.bytes()?))),
                t => Err(format!("the kernel oracle answered with message {t}")),
            }
        })();
        parsed.map_err(NoAnswer::Failed)
    }

    /// What went wrong, with the oracle's exit status and what it said on stderr.
    fn death(&mut self, what: &str) -> String {
        let status = match self.child.wait() {
            Ok(s) => format!(" ({s})"),
            Err(_) => String::new(),
        };
        self.gone = true;
        let said = self.stderr.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
        let said = String::from_utf8_lossy(&said);
        let said = said.trim();
        let said = if said.is_empty() { String::new() } else { format!("; it said: {said}") };
        format!("the kernel oracle `{} {ORACLE_SUBCOMMAND}` failed{status}: {what}{said}", self.program)
    }

    fn kill(&mut self) {
        if !self.gone {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.gone = true;
        }
    }

    /// Ends the oracle.
    fn quit(&mut self) {
        if self.gone {
            return;
        }
        if self
            .exchange(self.timeout, &|out| {
                out.u8(REQ_QUIT);
            })
            .is_ok()
        {
            let _ = self.child.wait();
            self.gone = true;
        }
        self.kill();
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---- the observer: what each call is for the kernel, and the comparison ----------------------

/// What a guest call is for the check.
enum Plan {
    /// A system call to compare.
    Sys(CallReq),
    /// Not a system call (or its answer depends on the virtual clock): not compared.
    Skip,
    /// The program cannot be checked from here on.
    Refuse(String),
}

/// The call being made.
struct Pending {
    name: &'static str,
    sig: Sig,
    raw: Vec<u64>,
    span: Span,
    req: CallReq,
    /// A timed epoll wait: it may block, and its timeout ends it.
    timed_wait: bool,
    /// Refuse the call if it returns at all (an `fcntl` command with a pointer argument, which
    /// Spindle reports as unsupported anyway).
    refuse_if_done: Option<String>,
}

struct Checker {
    link: Link,
    max_fds: i64,
    timeout: Duration,
    compared: u64,
    not_compared: u64,
    pending: Option<Pending>,
    /// A timed epoll wait that blocked in Spindle, compared when it resumes.
    blocked: Option<Pending>,
    /// A stop to give at the next call (found when a blocked call resumed).
    stop_next: Option<Box<Stop>>,
    divergence: Option<Box<Divergence>>,
    unchecked: Option<String>,
    fatal: Option<OracleError>,
}

/// The observer the shims hold; the run's driver keeps the other handle.
struct Hook(Rc<RefCell<Checker>>);

impl CallObserver for Hook {
    fn before(&mut self, m: &Machine<Shims>, id: u32, sig: &Sig, args: &[u64]) -> VmResult<()> {
        self.0.borrow_mut().before(m, id, sig, args)
    }
    fn after(&mut self, m: &Machine<Shims>, result: &VmResult<Ret>) -> VmResult<()> {
        self.0.borrow_mut().after(m, result)
    }
    fn resumed(&mut self, m: &Machine<Shims>, value: u64) {
        self.0.borrow_mut().resumed(m, value)
    }
}

/// The low 32 bits of an argument, as the kernel reads an `int`.
fn int(v: u64) -> i64 {
    v as u32 as i32 as i64
}

/// `fcntl` commands whose argument is a pointer.
const FCNTL_POINTER_CMDS: &[i64] = &[5, 6, 7, 15, 16, 17, 36, 37, 38, 1035, 1036];
const F_DUPFD: i64 = 0;
const F_DUPFD_CLOEXEC: i64 = 1030;

/// The arguments of a call that are fd numbers.
fn fd_args(name: &str, args: &[u64]) -> Vec<usize> {
    match name {
        "read" | "write" | "close" | "dup" | "send" | "recv" | "shutdown" | "epoll_wait" | "epoll_pwait" | "epoll_pwait2"
        | "timerfd_settime" | "timerfd_gettime" => vec![0],
        "fcntl" if matches!(int(args[1]), F_DUPFD | F_DUPFD_CLOEXEC) => vec![0, 2],
        "fcntl" => vec![0],
        "dup2" | "dup3" => vec![0, 1],
        "epoll_ctl" => vec![0, 2],
        _ => vec![],
    }
}

impl Checker {
    fn new(link: Link, max_fds: i64, timeout: Duration) -> Checker {
        Checker {
            link,
            max_fds,
            timeout,
            compared: 0,
            not_compared: 0,
            pending: None,
            blocked: None,
            stop_next: None,
            divergence: None,
            unchecked: None,
            fatal: None,
        }
    }

    /// A pointer argument: the buffer the oracle builds for it, or the value to pass as it is.
    fn buffer(m: &Machine<Shims>, args: &mut [u64; 6], arg: usize, len: u64, out: bool) -> Result<Option<Buf>, String> {
        let p = args[arg];
        args[arg] = 0;
        if p == 0 {
            return Ok(None);
        }
        let (alloc, _) = spindle_vm::memory::split(p);
        if m.memory.get(alloc).is_some() {
            // A guest allocation (live, freed, or an offset past its end): its valid bytes.
            let n = len.min(m.memory.readable_extent(p));
            let bytes = m.memory.read_bytes(p, n).unwrap_or_default();
            let writable = m.memory.writable_extent(p) > 0;
            return Ok(Some(Buf { arg, bytes, writable, back: out && writable, guest: p, len, raw: 0 }));
        }
        if p >= TASK_SIZE_MAX {
            // Not a user address: invalid in the oracle as well.
            args[arg] = p;
            return Ok(None);
        }
        if p.checked_add(len).is_none_or(|end| end > TASK_SIZE_MAX) {
            // A range the kernel's `access_ok` rejects: the same address in the oracle.
            return Ok(Some(Buf { arg, bytes: Vec::new(), writable: false, back: false, guest: p, len, raw: p }));
        }
        // An address in user space with no guest memory: an inaccessible page in the oracle.
        Ok(Some(Buf { arg, bytes: Vec::new(), writable: false, back: false, guest: p, len, raw: 0 }))
    }

    /// What call `name` with `a` is for the kernel.
    fn plan(m: &Machine<Shims>, name: &str, a: &[u64]) -> Result<Plan, String> {
        let arg = |i: usize| a.get(i).copied().unwrap_or(0);
        let mut args = [arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)];
        let mut bufs = Vec::new();
        let ptr = |bufs: &mut Vec<Buf>, args: &mut [u64; 6], i: usize, len: u64, out: bool| -> Result<(), String> {
            if let Some(b) = Self::buffer(m, args, i, len, out)? {
                bufs.push(b);
            }
            Ok(())
        };
        let epoll_len = |max: u64| match int(max) {
            n @ 1..=178_956_970 => n as u64 * 12,
            _ => 0,
        };
        let nr = match name {
            "read" => {
                ptr(&mut bufs, &mut args, 1, arg(2), true)?;
                libc::SYS_read
            }
            "write" => {
                ptr(&mut bufs, &mut args, 1, arg(2), false)?;
                libc::SYS_write
            }
            "close" => libc::SYS_close,
            "dup" => libc::SYS_dup,
            "dup2" => libc::SYS_dup2,
            "dup3" => libc::SYS_dup3,
            "fcntl" => libc::SYS_fcntl,
            "eventfd" => libc::SYS_eventfd2,
            "pipe" => {
                ptr(&mut bufs, &mut args, 0, 8, true)?;
                libc::SYS_pipe
            }
            "pipe2" => {
                ptr(&mut bufs, &mut args, 0, 8, true)?;
                libc::SYS_pipe2
            }
            "socketpair" => {
                ptr(&mut bufs, &mut args, 3, 8, true)?;
                libc::SYS_socketpair
            }
            "send" => {
                ptr(&mut bufs, &mut args, 1, arg(2), false)?;
                args[4] = 0;
                args[5] = 0;
                libc::SYS_sendto
            }
            "recv" => {
                ptr(&mut bufs, &mut args, 1, arg(2), true)?;
                args[4] = 0;
                args[5] = 0;
                libc::SYS_recvfrom
            }
            "shutdown" => libc::SYS_shutdown,
            "epoll_create" => libc::SYS_epoll_create,
            "epoll_create1" => libc::SYS_epoll_create1,
            "epoll_ctl" => {
                ptr(&mut bufs, &mut args, 3, 12, false)?;
                libc::SYS_epoll_ctl
            }
            "epoll_wait" => {
                ptr(&mut bufs, &mut args, 1, epoll_len(arg(2)), true)?;
                args[3] = 0;
                libc::SYS_epoll_wait
            }
            "epoll_pwait" => {
                ptr(&mut bufs, &mut args, 1, epoll_len(arg(2)), true)?;
                args[3] = 0;
                ptr(&mut bufs, &mut args, 4, 8, false)?;
                args[5] = 8;
                libc::SYS_epoll_pwait
            }
            "epoll_pwait2" => {
                ptr(&mut bufs, &mut args, 1, epoll_len(arg(2)), true)?;
                // A valid timeout (or none) becomes {0, 0}: the oracle must not wait.
                let ts = arg(3);
                let valid = ts == 0
                    || m.memory.read_bytes(ts, 16).is_ok_and(|b| {
                        let sec = i64::from_le_bytes(b[..8].try_into().unwrap_or_default());
                        let nsec = i64::from_le_bytes(b[8..].try_into().unwrap_or_default());
                        sec >= 0 && (0..1_000_000_000).contains(&nsec)
                    });
                if valid {
                    args[3] = 0;
                    bufs.push(Buf { arg: 3, bytes: vec![0; 16], writable: false, back: false, guest: 0, len: 16, raw: 0 });
                } else {
                    ptr(&mut bufs, &mut args, 3, 16, false)?;
                }
                ptr(&mut bufs, &mut args, 4, 8, false)?;
                args[5] = 8;
                libc::SYS_epoll_pwait2
            }
            "timerfd_create" => libc::SYS_timerfd_create,
            "timerfd_settime" => {
                ptr(&mut bufs, &mut args, 2, 32, false)?;
                ptr(&mut bufs, &mut args, 3, 32, true)?;
                libc::SYS_timerfd_settime
            }
            "timerfd_gettime" => {
                ptr(&mut bufs, &mut args, 1, 32, true)?;
                libc::SYS_timerfd_gettime
            }
            "spawn" => {
                return Ok(Plan::Refuse(
                    "`spawn` starts a second thread: --against-kernel checks single-threaded programs that never block".into(),
                ))
            }
            // The VM's own services, and calls whose answers follow the virtual clock.
            _ => return Ok(Plan::Skip),
        };
        Ok(Plan::Sys(CallReq { nr: nr as i64, args, bufs }))
    }

    fn before(&mut self, m: &Machine<Shims>, id: u32, sig: &Sig, args: &[u64]) -> VmResult<()> {
        if let Some(stop) = self.stop_next.take() {
            return Err(stop);
        }
        self.pending = None;
        let Some(def) = SHIMS.get(id as usize) else {
            self.not_compared += 1;
            return Ok(());
        };
        let span = m.call_span();
        let name = def.name;
        let plan = match Self::plan(m, name, args) {
            Ok(p) => p,
            Err(why) => Plan::Refuse(format!("`{name}`: {why}")),
        };
        let req = match plan {
            Plan::Skip => {
                self.not_compared += 1;
                return Ok(());
            }
            Plan::Refuse(why) => return Err(self.refuse(why, span)),
            Plan::Sys(req) => req,
        };
        // Numbers the oracle cannot have (above its hard limit) cannot be checked.
        for i in fd_args(name, args) {
            let fd = int(args[i]);
            if (self.link.ceiling..self.max_fds).contains(&fd) {
                return Err(self.refuse(format!("`{name}` names fd {fd}: {}", self.ceiling_text()), span));
            }
        }
        let timed_wait = match name {
            "epoll_wait" | "epoll_pwait" => int(args[3]) > 0,
            "epoll_pwait2" => args[3] != 0,
            _ => false,
        };
        let refuse_if_done = (name == "fcntl" && FCNTL_POINTER_CMDS.contains(&int(args[1])))
            .then(|| format!("`fcntl` command {} takes a pointer that the oracle does not rebuild", int(args[1])));
        self.pending = Some(Pending { name, sig: *sig, raw: args.to_vec(), span, req, timed_wait, refuse_if_done });
        Ok(())
    }

    fn ceiling_text(&self) -> String {
        format!(
            "the kernel oracle cannot have fd numbers from {} on (its RLIMIT_NOFILE hard limit is below --max-fds {})",
            self.link.ceiling, self.max_fds
        )
    }

    fn after(&mut self, m: &Machine<Shims>, result: &VmResult<Ret>) -> VmResult<()> {
        let Some(p) = self.pending.take() else { return Ok(()) };
        match result {
            // The run ends in the call (exit, undefined behaviour, an unsupported operation).
            Err(_) => Ok(()),
            Ok(Ret::Blocked) if p.timed_wait => {
                self.blocked = Some(p);
                Ok(())
            }
            Ok(Ret::Blocked) => {
                Err(self.refuse(format!("`{}` blocked: --against-kernel checks single-threaded programs that never block", p.name), p.span))
            }
            Ok(Ret::Value(v)) => self.compare(m, p, *v as i64),
        }
    }

    fn resumed(&mut self, m: &Machine<Shims>, value: u64) {
        if let Some(p) = self.blocked.take() {
            if let Err(stop) = self.compare(m, p, value as i64) {
                self.stop_next = Some(stop);
            }
        }
    }

    /// The program cannot be checked further: the run stops here (exit code 3).
    fn refuse(&mut self, why: String, span: Span) -> Box<Stop> {
        let d = Diagnostic::error(format!("--against-kernel cannot check this program: {why}"))
            .at(span, "the check stops here")
            .note(agreed_before(self.compared, &self.link.kernel))
            .help("run it without --against-kernel; docs/divergences.md says what --against-kernel checks");
        self.unchecked = Some(why);
        Box::new(Stop { kind: StopKind::Unsupported, diags: vec![d], race: None })
    }

    /// The fds the guest got from a call that creates them.
    fn new_fds(m: &Machine<Shims>, p: &Pending, v: i64) -> Vec<i64> {
        let pair = |ptr: u64| -> Vec<i64> {
            match m.memory.read_bytes(ptr, 8) {
                Ok(b) if v == 0 => vec![
                    i32::from_le_bytes(b[..4].try_into().unwrap_or_default()) as i64,
                    i32::from_le_bytes(b[4..].try_into().unwrap_or_default()) as i64,
                ],
                _ => vec![],
            }
        };
        match p.name {
            "pipe" | "pipe2" => pair(p.raw[0]),
            "socketpair" => pair(p.raw[3]),
            "dup" | "dup2" | "dup3" | "eventfd" | "epoll_create" | "epoll_create1" | "timerfd_create" if v >= 0 => vec![v],
            "fcntl" if v >= 0 && matches!(int(p.raw[1]), F_DUPFD | F_DUPFD_CLOEXEC) => vec![v],
            _ => vec![],
        }
    }

    /// Sends the call to the kernel and compares the answers.
    fn compare(&mut self, m: &Machine<Shims>, p: Pending, v: i64) -> VmResult<()> {
        if let Some(why) = &p.refuse_if_done {
            return Err(self.refuse(why.clone(), p.span));
        }
        let errno = m.errno();
        if let Some(fd) = Self::new_fds(m, &p, v).into_iter().find(|&fd| fd >= self.link.ceiling) {
            return Err(self.refuse(format!("`{}` gave fd {fd}: {}", p.name, self.ceiling_text()), p.span));
        }
        let reply = match self.link.call(&p.req) {
            Ok(r) => r,
            Err(NoAnswer::Timeout) => {
                self.compared += 1;
                let spindle = render_call(m, &p, v, errno, None);
                let diff = format!("`{}` returned in Spindle, but blocked on Linux (no answer within {:?})", p.name, self.timeout);
                return Err(self.diverged(m, &p, spindle, None, vec![diff]));
            }
            Err(NoAnswer::Failed(e)) => {
                self.fatal = Some(OracleError(format!("{e} (at `{}`)", p.name)));
                return Err(Box::new(Stop {
                    kind: StopKind::Unsupported,
                    diags: vec![Diagnostic::error(e).at(p.span, "here")],
                    race: None,
                }));
            }
        };
        self.compared += 1;
        let mut diffs = Vec::new();
        if v != reply.ret {
            diffs.push(format!(
                "`{}` returned {} in Spindle but {} on Linux",
                p.name,
                short_result(v, errno),
                short_result(reply.ret, reply.errno)
            ));
        } else if v == -1 && errno != reply.errno {
            diffs.push(format!("`{}` failed with {} in Spindle but with {} on Linux", p.name, errno_text(errno), errno_text(reply.errno)));
        }
        let back: Vec<&Buf> = p.req.bufs.iter().filter(|b| b.back).collect();
        for (b, kernel) in back.iter().zip(&reply.outs) {
            let ours = m.memory.read_bytes(b.guest, kernel.len() as u64).unwrap_or_default();
            if let Some(at) = ours.iter().zip(kernel.iter()).position(|(x, y)| x != y) {
                diffs.push(format!(
                    "`{}` left different bytes in argument {} ({} bytes at {}): from byte {at} on, Spindle has {} and Linux {}",
                    p.name,
                    b.arg + 1,
                    kernel.len(),
                    m.describe_addr(b.guest),
                    decode::quoted(&ours[at..]),
                    decode::quoted(&kernel[at..])
                ));
            }
        }
        if !diffs.is_empty() {
            let spindle = render_call(m, &p, v, errno, None);
            let outs: Vec<(usize, &[u8])> = back.iter().zip(&reply.outs).map(|(b, k)| (b.arg, k.as_slice())).collect();
            let linux = render_call(m, &p, reply.ret, reply.errno, Some(&outs));
            return Err(self.diverged(m, &p, spindle, Some(linux), diffs));
        }
        // A timer on the virtual clock expires when Linux's does not (and the other way round).
        if p.name == "timerfd_settime"
            && v == 0
            && m.memory.read_bytes(p.raw[2].wrapping_add(16), 16).is_ok_and(|b| b.iter().any(|&x| x != 0))
        {
            return Err(self.refuse(
                "`timerfd_settime` armed a timer: its expirations follow Spindle's virtual clock, not the kernel's".into(),
                p.span,
            ));
        }
        Ok(())
    }

    fn diverged(&mut self, m: &Machine<Shims>, p: &Pending, spindle: String, linux: Option<String>, differences: Vec<String>) -> Box<Stop> {
        let width = spindle.find(" = ").max(linux.as_deref().and_then(|l| l.find(" = "))).unwrap_or(0);
        let align = |s: &str| match s.find(" = ") {
            Some(i) => format!("{}{:pad$}{}", &s[..i], "", &s[i..], pad = width - i),
            None => s.to_string(),
        };
        let mut d = Diagnostic::error(format!("Spindle diverges from Linux: {}", differences[0]))
            .at(p.span, "Spindle and the kernel disagree here")
            .note(format!("spindle: {}", align(&spindle)));
        d = match &linux {
            Some(l) => d.note(format!("linux:   {}", align(l))),
            None => d.note(format!(
                "linux:   {}",
                spindle[..spindle.rfind(" = ").unwrap_or(spindle.len())].to_string() + " = ? (no answer: it blocks)"
            )),
        };
        for more in &differences[1..] {
            d = d.note(more.clone());
        }
        // Buffers the guest's memory does not wholly hold are what most differences are about.
        for b in p.req.bufs.iter().filter(|b| b.guest != 0 && (b.bytes.len() as u64) < b.len) {
            let valid = match b.bytes.len() {
                0 => "none of them valid memory".to_string(),
                n => format!("only the first {n} valid"),
            };
            let at = if b.raw != 0 || m.memory.get(spindle_vm::memory::split(b.guest).0).is_none() {
                format!("{:#x}", b.guest)
            } else {
                m.describe_addr(b.guest)
            };
            d = d.note(format!("argument {} names {} bytes at {at}, {valid}", b.arg + 1, b.len));
        }
        d = d
            .note(agreed_before(self.compared - 1, &self.link.kernel))
            .help("a deliberate difference is listed in docs/divergences.md; any other is a Spindle bug");
        self.divergence = Some(Box::new(Divergence {
            call: p.name.to_string(),
            span: p.span,
            index: self.compared,
            spindle,
            linux,
            differences,
            diagnostic: d.clone(),
        }));
        Box::new(Stop { kind: StopKind::Unsupported, diags: vec![d], race: None })
    }
}

/// What a report says of the `n` calls before the one it is about.
fn agreed_before(n: u64, kernel: &str) -> String {
    match n {
        0 => format!("it is the program's first system call (the kernel is {kernel})"),
        n => format!("the {} before it agreed with {kernel}", calls(n)),
    }
}

/// `1 system call`, `3 system calls`.
fn calls(n: u64) -> String {
    if n == 1 {
        "1 system call".to_string()
    } else {
        format!("{n} system calls")
    }
}

fn errno_text(e: i64) -> String {
    spindle_shims::consts::errno_name(e).map_or_else(|| format!("errno {e}"), str::to_string)
}

fn short_result(v: i64, errno: i64) -> String {
    if v == -1 {
        format!("-1 {}", errno_text(errno))
    } else {
        v.to_string()
    }
}

/// The call as the trace shows it, with the result `v`; `kernel` gives the bytes the kernel left
/// in the call's output buffers (by argument), to show the kernel's side.
fn render_call(m: &Machine<Shims>, p: &Pending, v: i64, errno: i64, kernel: Option<&[(usize, &[u8])]>) -> String {
    let no_fn = |_: u64| None;
    let mut args = Vec::new();
    for &Shown(kind, i) in p.sig.args {
        let from_kernel = kernel.and_then(|k| k.iter().find(|(a, _)| *a == i)).map(|(_, b)| *b);
        let text = match from_kernel {
            Some(bytes) => render_out(kind, p.raw.get(i).copied().unwrap_or(0), v, bytes)
                .unwrap_or_else(|| decode::render_arg(kind, i, &p.raw, Some(v), &m.memory, &no_fn)),
            None => decode::render_arg(kind, i, &p.raw, Some(v), &m.memory, &no_fn),
        };
        if !text.is_empty() {
            args.push(text);
        }
    }
    let result = match p.sig.ret {
        _ if v == -1 => decode::error_text(errno),
        RetKind::Fcntl => match p.raw.get(1).map(|c| *c as i32) {
            Some(3) => format!("{v:#x} (flags {})", decode::open_flags(v as u64)),
            Some(1) => format!("{v:#x} (flags {})", decode::flags(v as u64, decode::FD_FLAGS, "0")),
            _ => v.to_string(),
        },
        RetKind::Ptr => decode::ptr(v as u64),
        _ => v.to_string(),
    };
    format!("{}({}) = {result}", p.sig.name, args.join(", "))
}

/// An output argument shown from the bytes the kernel wrote (`None`: not an output).
fn render_out(kind: Arg, ptr: u64, ret: i64, b: &[u8]) -> Option<String> {
    let i64_at = |o: usize| b.get(o..o + 8).map(|s| i64::from_le_bytes(s.try_into().unwrap_or_default()));
    let timespec = |o: usize| match (i64_at(o), i64_at(o + 8)) {
        (Some(s), Some(ns)) => Some(format!("{{tv_sec={s}, tv_nsec={ns}}}")),
        _ => None,
    };
    Some(match kind {
        Arg::OutStr if ret >= 0 => decode::quoted(&b[..(ret as usize).min(b.len())]),
        Arg::IntPairOut if ret == 0 && b.len() >= 8 => {
            let x = i32::from_le_bytes(b[..4].try_into().unwrap_or_default());
            let y = i32::from_le_bytes(b[4..8].try_into().unwrap_or_default());
            format!("[{x}, {y}]")
        }
        Arg::EpollEventsOut if ret >= 0 => {
            let events: Vec<String> = (0..ret as usize)
                .map(|k| match b.get(12 * k..12 * k + 12) {
                    Some(e) => {
                        let events = u32::from_le_bytes(e[..4].try_into().unwrap_or_default()) as u64;
                        let data = u64::from_le_bytes(e[4..].try_into().unwrap_or_default());
                        format!("{{events={}, data={{u32={}, u64={data}}}}}", decode::flags(events, decode::EPOLL_EVENTS, "0"), data as u32)
                    }
                    None => "...".to_string(),
                })
                .collect();
            format!("[{}]", events.join(", "))
        }
        Arg::ItimerspecOut if ret == 0 => match (timespec(0), timespec(16)) {
            (Some(i), Some(v)) => format!("{{it_interval={i}, it_value={v}}}"),
            _ => decode::ptr(ptr),
        },
        Arg::TimespecOut if ret == 0 => timespec(0).unwrap_or_else(|| decode::ptr(ptr)),
        Arg::OutStr | Arg::IntPairOut | Arg::EpollEventsOut | Arg::ItimerspecOut | Arg::TimespecOut | Arg::PtrOut => decode::ptr(ptr),
        _ => return None,
    })
}

// ---- the oracle's side ------------------------------------------------------------------------

/// The oracle: serves the calls of one check, then returns the process's exit status. Its stdin
/// must be the channel's memfd (as [`Program::against_kernel`] starts it). An executable serves as
/// the oracle when it calls this on the argument [`ORACLE_SUBCOMMAND`] (the `spindle` binary's
/// hidden subcommand), before it opens any file.
pub fn serve() -> i32 {
    // SAFETY: setting signal dispositions and the parent-death signal of this process. A write
    // that gets EPIPE must not kill the oracle (Spindle has no signals; docs/divergences.md);
    // the oracle must not outlive the check.
    let parent = unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
        libc::getppid()
    };
    let mut window = match map_stdin() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("spindle {ORACLE_SUBCOMMAND}: {e} (this is the kernel side of `spindle run --against-kernel`, which starts it)");
            return 2;
        }
    };
    let mut seen = 0u32;
    let mut set_up = false;
    loop {
        let seq = window.word(REQUEST_SEQ).load(Ordering::Acquire);
        if seq == seen {
            // SAFETY: getppid has no preconditions.
            if unsafe { libc::getppid() } != parent {
                return 0;
            }
            futex_wait(window.word(REQUEST_SEQ), seq, Duration::from_secs(1));
            continue;
        }
        seen = seq;
        let n = window.message_len().min(window.len - HEADER);
        let body = window.body();
        let kind = body.first().copied();
        let mut quit = false;
        let len = match kind {
            Some(REQ_SETUP) if !set_up => {
                set_up = true;
                let max_fds = Reader(&body[1..n]).u64().unwrap_or(0);
                match arrange_fds(max_fds) {
                    Ok(ceiling) => {
                        let mut out = Out::new(body);
                        out.u8(REP_SETUP).u64(ceiling as u64).bytes(kernel_name().as_bytes());
                        out.pos
                    }
                    Err(e) => error_reply(body, &e),
                }
            }
            Some(REQ_CALL) if set_up => perform(body, n),
            Some(REQ_QUIT) => {
                quit = true;
                Out::new(body).u8(REQ_QUIT).pos
            }
            _ => error_reply(body, "an unexpected request"),
        };
        window.set_message_len(len);
        window.word(REPLY_SEQ).store(seq, Ordering::Release);
        futex_wake(window.word(REPLY_SEQ));
        if quit {
            return 0;
        }
    }
}

/// Maps the memfd on stdin: the channel's window.
fn map_stdin() -> Result<Window, String> {
    // SAFETY: fstat fills the struct it is given.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(0, &mut st) } != 0 {
        return Err(format!("fstat of stdin: {}", last_error()));
    }
    let len = st.st_size as usize;
    if len <= HEADER || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err("stdin is not the channel's memory".to_string());
    }
    Window::map(0, len)
}

fn error_reply(body: &mut [u8], e: &str) -> usize {
    let mut out = Out::new(body);
    out.u8(REP_ERROR).bytes(e.as_bytes());
    out.pos
}

/// `Linux 6.18.44-…`.
fn kernel_name() -> String {
    // SAFETY: `uname` fills the struct it is given.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return "Linux".to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!("{} {}", field(&u.sysname), field(&u.release))
}

fn last_error() -> String {
    std::io::Error::last_os_error().to_string()
}

/// Lays the fd table out as a fresh guest's — /dev/null on 0, 1 and 2 (three descriptions),
/// nothing else — and sets the soft RLIMIT_NOFILE to `max_fds`. Returns the lowest fd number the
/// kernel cannot give out (`max_fds`, unless the hard limit is below it and cannot be raised).
fn arrange_fds(max_fds: u64) -> Result<i64, String> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: get/setrlimit read and write the struct given; open, dup2, close and close_range
    // act on this process's own fd table, which holds nothing the oracle still needs (the
    // window stays mapped when stdin is closed).
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(format!("getrlimit(RLIMIT_NOFILE): {}", last_error()));
        }
        if lim.rlim_max < max_fds {
            // Root may raise the hard limit.
            let raised = libc::rlimit { rlim_cur: max_fds, rlim_max: max_fds };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
        for (fd, flags) in [(0, libc::O_RDONLY), (1, libc::O_WRONLY), (2, libc::O_WRONLY)] {
            // Three opens: three descriptions, as the guest has.
            let t = libc::open(c"/dev/null".as_ptr(), flags);
            if t < 0 {
                return Err(format!("open /dev/null: {}", last_error()));
            }
            if t != fd {
                if libc::dup2(t, fd) < 0 {
                    return Err(format!("dup2: {}", last_error()));
                }
                libc::close(t);
            }
        }
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
            for fd in 3..lim.rlim_cur.min(1 << 20) as i32 {
                libc::close(fd);
            }
        }
        let soft = max_fds.min(lim.rlim_max);
        if libc::setrlimit(libc::RLIMIT_NOFILE, &libc::rlimit { rlim_cur: soft, rlim_max: lim.rlim_max }) != 0 {
            return Err(format!("setrlimit(RLIMIT_NOFILE): {}", last_error()));
        }
        Ok(soft.min(i64::MAX as u64) as i64)
    }
}

/// The system calls the oracle makes: those Spindle implements, and nothing else.
const ALLOWED: &[libc::c_long] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_close,
    libc::SYS_dup,
    libc::SYS_dup2,
    libc::SYS_dup3,
    libc::SYS_fcntl,
    libc::SYS_eventfd2,
    libc::SYS_pipe,
    libc::SYS_pipe2,
    libc::SYS_socketpair,
    libc::SYS_sendto,
    libc::SYS_recvfrom,
    libc::SYS_shutdown,
    libc::SYS_epoll_create,
    libc::SYS_epoll_create1,
    libc::SYS_epoll_ctl,
    libc::SYS_epoll_wait,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
    libc::SYS_timerfd_create,
    libc::SYS_timerfd_settime,
    libc::SYS_timerfd_gettime,
];

/// Where the oracle puts the buffers of a call: low in the address space, like the guest's
/// addresses, so that a range check (`access_ok`) of a long buffer answers as it would there.
const ARENA: usize = 0x10_0000_0000;

/// One rebuilt buffer: its mapping, and where the buffer lies in it.
struct Mapped {
    base: *mut libc::c_void,
    total: usize,
    addr: usize,
    len: usize,
    back: bool,
}

/// Performs the call request in `body[..n]`: rebuilds its buffers, makes the call, and writes
/// the answer — the result, errno and the bytes of every buffer to send back — over it. Returns
/// the answer's length.
fn perform(body: &mut [u8], n: usize) -> usize {
    type Bufs = Vec<(usize, bool, bool, u64, std::ops::Range<usize>)>;
    let parsed = (|| -> Result<(i64, [u64; 6], Bufs), String> {
        let mut r = Reader(&body[1..n]);
        let nr = r.u64()? as i64;
        let mut args = [0u64; 6];
        for a in &mut args {
            *a = r.u64()?;
        }
        let count = r.u64()?;
        let mut bufs = Vec::new();
        for _ in 0..count {
            let arg = r.u8()? as usize;
            let writable = r.u8()? != 0;
            let back = r.u8()? != 0;
            let raw = r.u64()?;
            let len = r.u64()? as usize;
            let start = n - r.0.len();
            r.take(len)?;
            if arg >= 6 {
                return Err(format!("a buffer for argument {arg}"));
            }
            bufs.push((arg, writable, back, raw, start..start + len));
        }
        Ok((nr, args, bufs))
    })();
    let (nr, mut args, bufs) = match parsed {
        Ok(p) => p,
        Err(e) => return error_reply(body, &e),
    };
    if !ALLOWED.contains(&(nr as libc::c_long)) {
        return error_reply(body, &format!("system call {nr} is not one the oracle makes"));
    }
    // SAFETY: sysconf has no preconditions.
    let page = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).max(4096) as usize;
    let mut maps: Vec<Mapped> = Vec::new();
    let mut hint = ARENA;
    let mut failed = None;
    for (arg, writable, back, raw, range) in bufs {
        if raw != 0 {
            // A range past the end of user space. The kernel checks a range it copies before it
            // copies (`access_ok`) — the whole buffer up front for read, write, send, recv and
            // epoll_wait — but only the start of a small fixed-size one (a pair of fds, an
            // event, a timespec): then it copies up to the end of user space before it faults.
            // That stretch must be nothing of ours: reserve it, inaccessible.
            let start = raw as usize & !(page - 1);
            let end = TASK_SIZE_MAX as usize;
            if end - start <= 1 << 20 {
                // SAFETY: a new inaccessible mapping where nothing is mapped (NOREPLACE).
                let base = unsafe {
                    libc::mmap(
                        start as *mut libc::c_void,
                        end - start,
                        libc::PROT_NONE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE,
                        -1,
                        0,
                    )
                };
                if base != start as *mut libc::c_void {
                    if base != libc::MAP_FAILED {
                        // SAFETY: an old kernel took the address as a hint: undo it.
                        unsafe { libc::munmap(base, end - start) };
                    }
                    failed = Some(format!("the oracle has memory at {raw:#x}, which the call names"));
                    break;
                }
                maps.push(Mapped { base, total: end - start, addr: raw as usize, len: 0, back: false });
            }
            args[arg] = raw;
            continue;
        }
        let len = range.len();
        let pages = len.div_ceil(page);
        let total = (pages + 1) * page;
        // SAFETY: a fresh private anonymous mapping, inaccessible at first; the bytes are copied
        // into the end of its first `pages` pages, which are made accessible for that. The page
        // after them stays inaccessible: the kernel faults exactly where the guest's valid bytes
        // end.
        unsafe {
            let base = libc::mmap(
                hint as *mut libc::c_void,
                total,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            );
            if base == libc::MAP_FAILED {
                failed = Some(format!("mmap of {total} bytes: {}", last_error()));
                break;
            }
            let addr = base as usize + pages * page - len;
            maps.push(Mapped { base, total, addr, len, back });
            if pages > 0 {
                if libc::mprotect(base, pages * page, libc::PROT_READ | libc::PROT_WRITE) != 0 {
                    failed = Some(format!("mprotect: {}", last_error()));
                    break;
                }
                std::ptr::copy_nonoverlapping(body[range].as_ptr(), addr as *mut u8, len);
                if !writable {
                    libc::mprotect(base, pages * page, libc::PROT_READ);
                }
            }
            hint = base as usize + total + page;
            args[arg] = addr as u64;
        }
    }
    let len = match failed {
        Some(e) => error_reply(body, &e),
        None => {
            // SAFETY: one of the allowed system calls. Every pointer argument is NULL, not a
            // user address (it faults), or one of the buffers above, each followed by an
            // inaccessible page, so the kernel writes nowhere else.
            let r = unsafe {
                libc::syscall(
                    nr as libc::c_long,
                    args[0] as i64,
                    args[1] as i64,
                    args[2] as i64,
                    args[3] as i64,
                    args[4] as i64,
                    args[5] as i64,
                )
            };
            let errno = if r == -1 { std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64 } else { 0 };
            let mut out = Out::new(body);
            out.u8(REP_CALL).u64(r as u64).u64(errno as u64);
            let back: Vec<&Mapped> = maps.iter().filter(|m| m.back).collect();
            out.u64(back.len() as u64);
            for m in back {
                // SAFETY: the buffer's own bytes, mapped readable and writable above.
                out.bytes(unsafe { std::slice::from_raw_parts(m.addr as *const u8, m.len) });
            }
            if out.overflow {
                error_reply(body, "the answer does not fit the window")
            } else {
                out.pos
            }
        }
    };
    for m in maps {
        // SAFETY: unmapping what was mapped above.
        unsafe { libc::munmap(m.base, m.total) };
    }
    len
}
