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
//! `EXE __kernel-oracle` that calls [`serve`](crate::against_kernel::serve) (the `spindle` binary does; [`Oracle::new`] names
//! it). Its fd table is laid out like a fresh guest's — a new table of the kernel's first size
//! (64 fds, so that `select` looks at the same fds), fds 0, 1 and 2 on `/dev/null` (opened
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
//! `shutdown`, the six epoll calls, `poll`, `ppoll`, `select`, `pselect`,
//! `timerfd_create`/`settime`/`gettime` and the signal calls (below). Not compared: the VM's
//! own services (`malloc`, `free`, `errno`, `exit`, `abort`, `join`, `sched_yield`), the clock
//! calls (`nanosleep`, `usleep`, `clock_gettime`: the virtual clock is not the kernel's, see
//! `docs/divergences.md`) and host-added functions. An `epoll_wait` (or a poll) that returns at
//! once in Spindle asks the kernel with a timeout of 0; one that blocks is described below.
//!
//! **Signals** (module `signals`). The oracle installs one recording handler for every guest
//! handler; each lane's thread always has its guest thread's mask and keeps its handler frames,
//! and the oracle's main thread is the guest main thread's lane: the kernel's deliveries are
//! matched with the handlers Spindle runs, and masks, `EINTR` and `SA_RESTART` come from the
//! kernel. Guest pids and tids map to the oracle's; nothing is ever sent to another process.
//!
//! **Threads and calls that block.** Each guest thread's calls are made by an oracle thread of
//! its own (a *lane*), in Spindle's order. A call that blocks in Spindle is started on its lane
//! and left blocked in the kernel; after every call the blocked calls are settled (each has
//! returned, or sleeps in the kernel) and compared: one Spindle completed must return on Linux
//! within [`Oracle::grace`] with the same answer, one still blocked must still block. Equivalent
//! waiters (the same call) are matched as a group, since Linux may wake any of them; an epoll
//! wait blocks on Linux without a timeout, and is interrupted when Spindle's times out
//! (`docs/divergences.md`, *Threads and calls that block*).
//!
//! **Timers.** While a timerfd is armed, every call reaches the kernel no earlier than its virtual
//! time plus an offset fixed when the timer was armed: the check sleeps through the virtual
//! clock's jumps, and answers that depend on a timer are compared within the window of time the
//! kernel may have run ahead (module `timers`, `docs/divergences.md`, *Timers*).
//!
//! **What cannot be checked** (the run stops with exit code 3 and says why): a virtual jump of
//! more than 2 s while a timer is armed (the kernel's clock would have to catch up), a periodic
//! timer set to an absolute time before the kernel's clock began, a blocked call's buffer freed
//! while it blocks, more than 8 184 live threads that make system calls (the lanes the shared window has
//! room for; an ended thread's lane is reused), more than 128 calls blocked at once (each is
//! looked at after every call), an fd number the oracle cannot have (see above), a process-directed
//! signal with a handler that the main thread blocks and several others could take, `kill(-1, …)`, signal 64 (the oracle's
//! own interrupt), and a handler's system call while the call it interrupted is restarted. If the kernel blocks where Spindle
//! returned (no answer within [`Oracle::timeout`]), that is the divergence.

use crate::{Config, FdLimits, Outcome, Program, Report, RunConfig, SharedBuf, Trace, TraceConfig, Tracer};
use spindle_shims::trace::decode::{self, Arg, RetKind};
use spindle_shims::trace::{Shown, Sig};
use spindle_shims::{CallObserver, Shims};
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

mod channel;
mod observer;
mod oracle;
mod signals;
mod timers;

use channel::*;
use observer::*;
pub use oracle::serve;
use oracle::*;
use signals::{SigCheck, SigPlan};
use timers::*;

/// `spindle run --against-kernel`'s exit code when Spindle and the kernel disagree.
pub const EXIT_DIVERGED: i32 = 5;

/// The argument that makes an executable serve as the oracle (`spindle __kernel-oracle`).
pub const ORACLE_SUBCOMMAND: &str = "__kernel-oracle";

/// How long the kernel may take to answer one call before it is taken to block.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a kernel call that blocks may take, once Spindle has said what it does, to return
/// (Spindle completed it) or to fall asleep in the kernel (Spindle still blocks). Only a
/// divergence waits this long: a call that agrees settles in microseconds.
pub const DEFAULT_GRACE: Duration = Duration::from_millis(500);

/// x86-64's `TASK_SIZE_MAX`: user addresses lie below it.
const TASK_SIZE_MAX: u64 = 0x7fff_ffff_f000;

// ---- the public face ------------------------------------------------------------------------

/// The executable that performs the kernel's side of a check: `program __kernel-oracle`, which
/// must call [`serve`] (the `spindle` binary does).
#[derive(Clone, Debug)]
pub struct Oracle {
    program: PathBuf,
    timeout: Duration,
    grace: Duration,
}

impl Oracle {
    /// The oracle `program` (a `spindle` binary, e.g. `env!("CARGO_BIN_EXE_spindle")` in an
    /// integration test of this crate).
    pub fn new(program: impl Into<PathBuf>) -> Oracle {
        Oracle { program: program.into(), timeout: DEFAULT_TIMEOUT, grace: DEFAULT_GRACE }
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

    /// How long a kernel call that blocks may take to return once Spindle completed it, or to
    /// fall asleep while Spindle's still blocks (default [`DEFAULT_GRACE`]).
    pub fn grace(mut self, grace: Duration) -> Oracle {
        self.grace = grace;
        self
    }
}

/// The check could not be carried out: the oracle did not start, died or broke the protocol.
/// (What the program does — a divergence, a second thread — is in [`KernelCheck`].)
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OracleError(pub String);

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
        let tracer = config.trace.as_ref().map(|t| {
            let mut tracer =
                Tracer::new(TraceConfig { format: t.format, time: t.timestamps, timeline: false }, Some(Box::new(tbuf.clone())));
            t.shape(&mut tracer);
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
        let checker = Rc::new(RefCell::new(Checker::new(link, limits.max_fds as i64, oracle.timeout, oracle.grace)));
        let mut shims = if self.foreign.is_empty() { Shims::new() } else { Shims::with_foreign(self.foreign.clone()) };
        shims.set_limits(limits);
        shims.trace = tracer;
        shims.observer = Some(Box::new(Hook(checker.clone())));
        let (stop, steps, time_ns, max_clock_len) = match Machine::new(self.ir.clone(), config.clone(), console) {
            Ok(mut m) => {
                let stop = m.run(&mut shims);
                checker.borrow_mut().finish(&m);
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
        if let Some(e) = c.fatal.take().or_else(|| c.broken.take()) {
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
