//! Spindle: a deterministic virtual machine for concurrent guest programs, with a Linux syscall
//! shim layer. This facade ties the crates together: load a [`Program`], describe a run with one
//! [`Config`], [`run`](Program::run) it, and read the [`Outcome`] — exit status, output, the
//! failure report if any, the syscall trace, virtual time and step counts. The same program
//! with the same `Config` gives the same `Outcome` every time.
//!
//! ```
//! use spindle::{Config, Program, StopKind};
//!
//! let src = r#"
//! fn main() -> i64 {
//!     let n: i64;
//!     bb0: { n = call write(1, "hi\n", 3) -> bb1; }
//!     bb1: { return 3; }
//! }
//! "#;
//! let program = Program::from_source("inline.mir", src).unwrap();
//! let outcome = program.run(Config::new().seed(7).trace_text());
//! assert_eq!(outcome.exit_code, 3);
//! assert_eq!(outcome.kind(), StopKind::Exit(3));
//! assert_eq!(outcome.stdout, b"hi\n");
//! let trace = outcome.trace.unwrap();
//! assert_eq!(trace.events[0].call, "write");
//! assert!(trace.text.starts_with("[main] write(1, \"hi\\n\", 3)"));
//! assert!(trace.text.ends_with("+++ exited with 3 +++\n"));
//! ```
//!
//! A failure comes back as a [`Report`]: its kind, its title and the rustc-style text that
//! `spindle run` prints.
//!
//! ```
//! # use spindle::{Config, Program, StopKind};
//! let src = r#"
//! fn main() -> i64 {
//!     bb0: { assert 1 == 2, "arithmetic is broken"; return 0; }
//! }
//! "#;
//! let outcome = Program::from_source("panics.mir", src).unwrap().run(Config::new());
//! assert_eq!(outcome.exit_code, 101);
//! let report = outcome.report.unwrap();
//! assert_eq!(report.kind, StopKind::Panic);
//! assert!(report.rendered.contains("--> panics.mir:3:12"), "{}", report.rendered);
//! ```
//!
//! For tests there is more: [`snapshot_test!`] turns a directory of guest programs into
//! snapshot tests, and [`harness::Sweep`] runs a program under many schedules and fails with the
//! minimal failing one (module [`harness`]). A host can add foreign functions of its own with a
//! [`ForeignTable`] (see [`Program::from_source_with`]).

use spindle_shims::{LinuxResolver, Shims};
use spindle_vm::diag::{render, Diagnostic, Level};
use spindle_vm::machine::Machine;
use spindle_vm::source::{SourceFile, SourceMap};
use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

#[cfg(target_os = "linux")]
pub use against_kernel::{KernelCheck, Oracle, OracleError, EXIT_DIVERGED};
pub use spindle_shims::trace::filter::CallFilter;
pub use spindle_shims::trace::summary::Summary as TraceSummary;
pub use spindle_shims::trace::{CallEvent, Format as TraceFormat, TraceConfig, Tracer};

/// Parses strace's `-e trace=…` expression against the built-in calls (strace's names and the
/// guest's), for [`Tracer::filter`].
pub fn trace_filter(expr: &str) -> Result<CallFilter, String> {
    CallFilter::parse_builtin(expr)
}
pub use spindle_shims::{FdLimits, ForeignArg, ForeignCall, ForeignTable};
pub use spindle_vm::error::EXIT_BAD_PROGRAM;
pub use spindle_vm::machine::Console;
pub use spindle_vm::{Config as RunConfig, Policy, Schedule, Stop, StopKind, DEFAULT_PREEMPTION};

/// The kernel oracle makes Linux system calls (memfd, futex): Linux only.
#[cfg(target_os = "linux")]
pub mod against_kernel;
pub mod explore;
/// The flags that describe a run, shared by `spindle run` and `// spindle-flags:` headers.
#[cfg(feature = "flags")]
pub mod flags;
pub mod fs_seed;
#[cfg(feature = "harness")]
pub mod harness;

/// insta, for [`snapshot_programs!`]'s expansion in the caller's crate.
#[cfg(feature = "harness")]
#[doc(hidden)]
pub use insta as __insta;

// ---- configuration ---------------------------------------------------------------------------

/// How the scheduler chooses the next thread at a scheduling point (a foreign call, an atomic
/// statement or fence, a thread ending). `docs/explore.md` describes the policies.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Scheduler {
    /// Keep the running thread until it blocks, yields or ends; then round robin. The default,
    /// and what `spindle run` does without `--sched`.
    Fixed,
    /// At every scheduling point, switch with probability `preemption` to a thread chosen
    /// uniformly among the runnable ones (`--sched random --seed N`).
    Random { seed: u64, preemption: f64 },
    /// Probabilistic concurrency testing with this seed and bug depth (as `spindle explore
    /// --sched pct:DEPTH` runs it; the number of scheduling points it spreads its priority
    /// changes over is measured by a first run under the default schedule).
    Pct { seed: u64, depth: u32 },
    /// Follow a recorded schedule string (`s1:…`, as printed in failure reports and by
    /// [`harness::Sweep`]). A string that does not parse, was recorded for another program or
    /// does not fit the run ends the run with exit code 2 and [`Outcome::schedule_error`].
    Replay(String),
    /// A scheduling policy exactly as the VM takes it.
    Policy(Policy),
}

/// Settings of the syscall trace (see `docs/trace.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// strace's text (the default) or JSON lines.
    pub format: TraceFormat,
    /// Prefix each text line with the virtual time (`--trace-time`).
    pub timestamps: bool,
    /// Also build the Chrome trace-event timeline (`--timeline`), in [`Trace::timeline`].
    pub timeline: bool,
    /// Stop writing the text after this many bytes; a last line says it was cut
    /// (`--max-trace-bytes`).
    pub max_bytes: u64,
    /// strace's `-e trace=…`: the calls shown (`None`: all; [`trace_filter`] makes one).
    pub filter: Option<CallFilter>,
    /// strace's `-s`: at most this many bytes of each string are shown (default 32).
    pub string_limit: usize,
    /// strace's `-y`: every fd argument and fd result followed by what it names
    /// (`3<pipe:[12]>`).
    pub show_fds: bool,
    /// strace's `-c`: instead of the lines, a table of calls, errors and virtual time per call.
    pub summary: bool,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            format: TraceFormat::Text,
            timestamps: false,
            timeline: false,
            max_bytes: DEFAULT_MAX_TRACE_BYTES,
            filter: None,
            string_limit: spindle_shims::trace::decode::STRING_LIMIT,
            show_fds: false,
            summary: false,
        }
    }
}

impl TraceOptions {
    /// Gives `tracer` these options' size bound, filter, string size, fd links and summary.
    pub fn shape(&self, tracer: &mut Tracer) {
        tracer.max_bytes = self.max_bytes;
        tracer.filter = self.filter.clone();
        tracer.string_limit = self.string_limit;
        tracer.show_fds = self.show_fds;
        tracer.summary = self.summary.then(TraceSummary::default);
    }
}

/// `--max-trace-bytes`'s default.
pub const DEFAULT_MAX_TRACE_BYTES: u64 = 1 << 30;

/// Everything that decides how a program runs: the scheduler and its seed, resource limits,
/// race checking and tracing. Build one with [`Config::new`] and the builder methods; the
/// defaults are `spindle run`'s.
///
/// ```
/// use spindle::{Config, Scheduler};
///
/// let config = Config::new()
///     .scheduler(Scheduler::Pct { seed: 3, depth: 2 })
///     .max_steps(100_000)
///     .race_check(false)
///     .trace_text();
/// assert_eq!(config.max_steps, Some(100_000));
/// assert!(config.trace.is_some());
///
/// // The flags of `spindle run`, as a program's `// spindle-flags:` header gives them:
/// let same = Config::new().with_flags(["--sched", "random", "--seed", "7"]).unwrap();
/// assert_eq!(same, Config::new().seed(7));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub scheduler: Scheduler,
    /// Stop after this many executed statements and terminators (exit 4). `None`: no limit.
    pub max_steps: Option<u64>,
    /// Deepest call stack per thread (exit 4 beyond it).
    pub max_stack_depth: usize,
    /// Most bytes the guest may have allocated at once (exit 4 beyond it).
    pub max_memory: u64,
    /// Most threads alive at once (exit 4 beyond it).
    pub max_threads: usize,
    /// Most threads a run may create in all, finished ones included (exit 4 beyond it).
    pub max_spawns: u64,
    /// Most allocations a run may make in all, freed ones included (exit 4 beyond it).
    pub max_allocations: u64,
    /// Most processes alive at once (`fork` beyond it: exit 4).
    pub max_processes: usize,
    /// Check every memory access for data races (once a second thread exists).
    pub race_check: bool,
    /// Weak memory: atomic loads may read older stores, as C++20 allows (on by default; off:
    /// `--sc`, every load reads the latest store). Needs `race_check`.
    pub weak_memory: bool,
    /// Record the syscall trace (`None`: no trace).
    pub trace: Option<TraceOptions>,
    /// Open-fd and fd-buffer limits (`--max-fds`, `--max-fd-buffers`). `None`: the program's
    /// own ([`Program::set_fd_limits`]; `FdLimits::default()` unless set).
    pub fd_limits: Option<FdLimits>,
}

impl Default for Config {
    fn default() -> Self {
        Config::from(RunConfig::default())
    }
}

impl From<RunConfig> for Config {
    fn from(c: RunConfig) -> Self {
        let scheduler = match c.policy {
            Policy::Fixed => Scheduler::Fixed,
            Policy::Random { seed, preemption } => Scheduler::Random { seed, preemption },
            p => Scheduler::Policy(p),
        };
        Config {
            scheduler,
            max_steps: c.max_steps,
            max_stack_depth: c.max_stack_depth,
            max_memory: c.max_memory,
            max_threads: c.max_threads,
            max_spawns: c.max_spawns,
            max_allocations: c.max_allocations,
            max_processes: c.max_spaces,
            race_check: c.race_check,
            weak_memory: c.weak_memory,
            trace: None,
            fd_limits: None,
        }
    }
}

impl From<&RunConfig> for Config {
    fn from(c: &RunConfig) -> Self {
        Config::from(c.clone())
    }
}

impl From<&Config> for Config {
    fn from(c: &Config) -> Self {
        c.clone()
    }
}

/// A `spindle run` flag that [`Config::with_flags`] cannot apply: the message says which and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FlagError(pub String);

impl Config {
    /// `spindle run`'s defaults: the fixed scheduler, race checking on, no step limit, no trace.
    pub fn new() -> Self {
        Config::default()
    }

    /// Sets the scheduler.
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = scheduler;
        self
    }

    /// The seeded random scheduler with the default preemption rate (`--seed N`).
    pub fn seed(self, seed: u64) -> Self {
        self.scheduler(Scheduler::Random { seed, preemption: DEFAULT_PREEMPTION })
    }

    /// Follow a recorded schedule string (`--replay`); see [`Scheduler::Replay`].
    pub fn replay(self, schedule: impl Into<String>) -> Self {
        self.scheduler(Scheduler::Replay(schedule.into()))
    }

    /// Stop after `n` executed statements and terminators (exit 4).
    pub fn max_steps(mut self, n: u64) -> Self {
        self.max_steps = Some(n);
        self
    }

    /// Deepest call stack per thread.
    pub fn max_stack_depth(mut self, n: usize) -> Self {
        self.max_stack_depth = n;
        self
    }

    /// Most bytes the guest may have allocated at once.
    pub fn max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = bytes;
        self
    }

    /// Most threads a run may create.
    pub fn max_threads(mut self, n: usize) -> Self {
        self.max_threads = n;
        self
    }

    /// Most threads a run may create in all (`--max-spawns N`).
    pub fn max_spawns(mut self, n: u64) -> Self {
        self.max_spawns = n;
        self
    }

    /// Most allocations a run may make in all (`--max-allocations N`).
    pub fn max_allocations(mut self, n: u64) -> Self {
        self.max_allocations = n;
        self
    }

    /// Fd numbers must be below `n` (`EMFILE` beyond).
    pub fn max_fds(mut self, n: usize) -> Self {
        self.fd_limits = Some(FdLimits { max_fds: n, ..self.fd_limits.unwrap_or_default() });
        self
    }

    /// Most bytes all pipe and socket buffers may hold together (exit 4 beyond).
    pub fn max_fd_buffers(mut self, bytes: u64) -> Self {
        self.fd_limits = Some(FdLimits { max_fd_buffers: bytes, ..self.fd_limits.unwrap_or_default() });
        self
    }

    /// Whether to check memory accesses for data races (on by default).
    pub fn race_check(mut self, on: bool) -> Self {
        self.race_check = on;
        self
    }

    /// Whether atomic loads may read older stores (weak memory, on by default; `--sc` off).
    pub fn weak_memory(mut self, on: bool) -> Self {
        self.weak_memory = on;
        self
    }

    /// Records the syscall trace with these options.
    pub fn trace(mut self, options: TraceOptions) -> Self {
        self.trace = Some(options);
        self
    }

    /// Records the syscall trace as strace-style text (`--trace`), keeping other trace options.
    pub fn trace_text(self) -> Self {
        let t = self.trace.clone().unwrap_or_default();
        self.trace(TraceOptions { format: TraceFormat::Text, ..t })
    }

    /// Records the syscall trace as JSON lines (`--trace-format json`).
    pub fn trace_json(self) -> Self {
        let t = self.trace.clone().unwrap_or_default();
        self.trace(TraceOptions { format: TraceFormat::Json, ..t })
    }

    /// No trace.
    pub fn no_trace(mut self) -> Self {
        self.trace = None;
        self
    }

    /// The settings the VM takes (its policy is what [`Config::scheduler`] says, except that
    /// [`Scheduler::Pct`] and [`Scheduler::Replay`] need the program and are resolved by
    /// [`Program::run`]; here they are the fixed policy).
    pub fn run_config(&self) -> RunConfig {
        let policy = match &self.scheduler {
            Scheduler::Fixed | Scheduler::Pct { .. } | Scheduler::Replay(_) => Policy::Fixed,
            Scheduler::Random { seed, preemption } => Policy::Random { seed: *seed, preemption: *preemption },
            Scheduler::Policy(p) => p.clone(),
        };
        RunConfig {
            policy,
            max_steps: self.max_steps,
            max_stack_depth: self.max_stack_depth,
            max_memory: self.max_memory,
            max_threads: self.max_threads,
            max_spawns: self.max_spawns,
            max_allocations: self.max_allocations,
            max_spaces: self.max_processes,
            race_check: self.race_check,
            weak_memory: self.weak_memory,
            // `spindle run` never injects spurious wakeups; a replayed schedule's are followed.
            spurious_wakeups: 0,
            // A replayed schedule recorded with lock waits turns them on (`Machine::new`).
            lock_waits: false,
            interrupt: None,
        }
    }

    /// Applies `spindle run` flags (those that describe the run, not the files it writes):
    /// `--sched fixed|random`, `--seed N`, `--preemption-rate P`, `--replay SCHEDULE`, the
    /// limits (`--max-steps N`, `--max-memory BYTES`, …), `--no-race-check`, `--sc`, `--trace`,
    /// `--trace-format text|json`, `--trace-time` and `--max-trace-bytes BYTES` — every flag of
    /// [`flags::RunFlags`], parsed by clap from the same definitions as `spindle run`'s
    /// (`--flag=value` works too). Only the flags given change `self`. `Err` says which flag is
    /// wrong and why. Needs the `flags` feature (on with `cli` or `harness`).
    #[cfg(feature = "flags")]
    pub fn with_flags<I, S>(self, flags: I) -> Result<Config, FlagError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        flags::parse_header(self, flags)
    }
}

// ---- programs --------------------------------------------------------------------------------

/// A checked program, ready to run any number of times.
pub struct Program {
    /// The program's own file.
    pub file: Rc<SourceFile>,
    /// Every file of the program: its own, then the modules its `use` items loaded.
    pub sources: Rc<SourceMap>,
    /// The `--const NAME=VALUE` overrides it was compiled with.
    pub consts: Vec<(String, String)>,
    pub ir: Rc<spindle_vm::ir::Program>,
    /// Warnings from checking.
    pub warnings: Vec<Diagnostic>,
    /// The host-added foreign functions it was compiled against.
    foreign: ForeignTable,
    /// Open-fd and fd-buffer limits of its runs (`--max-fds`, `--max-fd-buffers`).
    fd_limits: FdLimits,
    /// What its runs' file systems start with (`--fs DIR`; empty unless set).
    fs_seed: spindle_shims::fs::FsSeed,
}

/// How to load a program: the host's own foreign functions and `--const NAME=VALUE` overrides
/// of its `const` items.
#[derive(Clone, Default)]
pub struct LoadOptions {
    pub foreign: ForeignTable,
    pub consts: Vec<(String, String)>,
    /// The directory a relative program path is relative to, if not the current one (the
    /// harness shows paths relative to the crate root, wherever the test runs).
    pub base_dir: Option<std::path::PathBuf>,
    /// Modules held in memory, by path (as `use` items resolve it: `dir/../x.mir` is `x.mir`),
    /// instead of the file system: a `use` of any other path is an error. For tests and fuzzing.
    pub files: Option<Arc<std::collections::BTreeMap<String, String>>>,
}

impl LoadOptions {
    /// Parses `NAME=VALUE` (the argument of `--const`).
    pub fn parse_const(arg: &str) -> Result<(String, String), String> {
        match arg.split_once('=') {
            Some((n, v)) if !n.trim().is_empty() && !v.trim().is_empty() => Ok((n.trim().to_string(), v.trim().to_string())),
            _ => Err(format!("`--const {arg}`: expected NAME=VALUE, e.g. `--const MODE=EPOLLET`")),
        }
    }
}

/// Reads the files of `use "path";` items from the file system: relative to the directory of
/// the importing file, identified by their canonical path (so a file used twice loads once).
struct FsLoader {
    /// What relative paths are relative to (`None`: the current directory).
    base: Option<std::path::PathBuf>,
    /// In-memory files instead of the file system ([`LoadOptions::files`]).
    files: Option<Arc<std::collections::BTreeMap<String, String>>>,
}

impl FsLoader {
    fn real(&self, p: &Path) -> std::path::PathBuf {
        match &self.base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p.to_path_buf(),
        }
    }
}

impl spindle_vm::front::Loader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<spindle_vm::front::LoadedFile, String> {
        let joined = Path::new(from).parent().unwrap_or(Path::new("")).join(path);
        let shown = lexically_normal(&joined);
        // The resolved path, when it is not the one written.
        let at = if shown == path { String::new() } else { format!("`{shown}`: ") };
        if let Some(files) = &self.files {
            return match files.get(&shown) {
                Some(text) => Ok(spindle_vm::front::LoadedFile { key: shown.clone(), path: shown, text: text.clone() }),
                None => Err(format!("{at}no such file among the program's in-memory files")),
            };
        }
        let real = self.real(&joined);
        let meta = std::fs::metadata(&real).map_err(|e| format!("{at}{e}"))?;
        if meta.is_dir() {
            return Err(format!("{at}a directory, not a file"));
        }
        if !meta.is_file() {
            return Err(format!("{at}not a regular file (a device, a FIFO or a socket)"));
        }
        if meta.len() > spindle_vm::source::MAX_TOTAL_SOURCE {
            return Err(format!("{at}too large ({} bytes; a program's files hold at most 4 GiB together)", meta.len()));
        }
        let bytes = std::fs::read(&real).map_err(|e| format!("{at}{e}"))?;
        if let Some(n) = bytes.iter().position(|&b| b == 0) {
            return Err(format!("{at}a binary file, not a program (a NUL byte at offset {n})"));
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| format!("{at}not UTF-8 text (an invalid byte at offset {})", e.utf8_error().valid_up_to()))?;
        let key = std::fs::canonicalize(&real).map_or_else(|_| shown.clone(), |p| p.to_string_lossy().into_owned());
        Ok(spindle_vm::front::LoadedFile { key, path: shown, text })
    }

    fn key_of(&self, path: &str) -> String {
        if self.files.is_some() {
            return lexically_normal(Path::new(path));
        }
        std::fs::canonicalize(self.real(Path::new(path))).map_or_else(|_| path.to_string(), |p| p.to_string_lossy().into_owned())
    }
}

/// `a/b/../c.mir` as `a/c.mir` (for showing a path; `..` at the start stays).
fn lexically_normal(p: &Path) -> String {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    let joined: std::path::PathBuf = out.iter().collect();
    joined.to_string_lossy().into_owned()
}

/// A program that failed to load: every diagnostic, rendered on demand.
#[derive(Debug)]
pub struct LoadError {
    /// Every file read before the error (`None` if not even the program's own could be).
    pub sources: Option<SourceMap>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// The diagnostics as `spindle check` prints them (`color`: with ANSI styling).
    pub fn render(&self, color: bool) -> String {
        render(&self.diagnostics, self.sources.as_ref(), color)
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for LoadError {}

/// How a run ended, with what it printed and what it recorded.
#[derive(Debug)]
pub struct Outcome {
    /// The process's exit status, as `spindle run` exits: the guest's own code; 1 undefined
    /// behaviour or deadlock; 2 a replayed schedule that does not fit; 3 unsupported operation;
    /// 4 resource limit; 101 panic; 134 `abort()`.
    pub exit_code: i32,
    /// How the run ended, with its diagnostics.
    pub stop: Box<Stop>,
    /// What the guest wrote to its stdout.
    pub stdout: Vec<u8>,
    /// What the guest wrote to its stderr (the failure report is in [`Outcome::report`]).
    pub stderr: Vec<u8>,
    /// The failure report, when the run did not end by the guest's own exit.
    pub report: Option<Report>,
    /// The syscall trace, when [`Config::trace`] asked for one.
    pub trace: Option<Trace>,
    /// Statements and terminators executed.
    pub steps: u64,
    /// Virtual nanoseconds at the end.
    pub time_ns: u64,
    /// The longest vector clock any thread had (0 if race detection never started): stays
    /// small when joined threads' clock indices are reused.
    pub max_clock_len: usize,
    /// The run's schedule as a replay string (every scheduler but [`Scheduler::Fixed`]).
    pub schedule: Option<String>,
    /// Why a replayed schedule did not fit the program (the exit code is then 2).
    pub schedule_error: Option<String>,
}

/// A failure report: what `spindle run` prints on stderr when a run fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub kind: StopKind,
    /// The first diagnostic's title, e.g. `the program panicked: assertion failed: …`.
    pub title: String,
    /// Every diagnostic, rendered rustc-style without color.
    pub rendered: String,
}

/// A run's syscall trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// As `spindle run --trace` prints it (or JSON lines, per [`TraceOptions::format`]).
    pub text: String,
    /// Every finished foreign call, in completion order.
    pub events: Vec<CallEvent>,
    /// The Chrome trace-event timeline, when [`TraceOptions::timeline`] asked for it.
    pub timeline: Option<String>,
}

impl Outcome {
    /// How the run ended.
    pub fn kind(&self) -> StopKind {
        self.stop.kind
    }

    /// Whether the guest exited with 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0 && self.schedule_error.is_none() && self.stop.kind == StopKind::Exit(0)
    }

    /// The guest's stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The guest's stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The trace's text, or `""` without a trace.
    pub fn trace_text(&self) -> &str {
        self.trace.as_ref().map_or("", |t| t.text.as_str())
    }
}

/// How a run ended, without its output.
pub struct RunStats {
    pub stop: Box<Stop>,
    pub steps: u64,
    pub time_ns: u64,
    pub max_clock_len: usize,
    /// The Chrome trace-event timeline, when the tracer recorded one.
    pub timeline: Option<String>,
    /// The run's schedule as a `--replay` string (every policy but `fixed`).
    pub schedule: Option<String>,
    /// Why a replayed schedule did not fit the program.
    pub schedule_error: Option<String>,
}

impl Program {
    /// Reads and checks a program file. The path is shown in diagnostics as given.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Program, LoadError> {
        Self::from_path_with(path, &ForeignTable::new())
    }

    /// Checks a program given as text; `path` is only used in diagnostics.
    pub fn from_source(path: &str, text: impl Into<String>) -> Result<Program, LoadError> {
        Self::from_source_with(path, text, &ForeignTable::new())
    }

    /// [`Program::from_path`], with the host-added foreign functions of `foreign`.
    pub fn from_path_with(path: impl AsRef<Path>, foreign: &ForeignTable) -> Result<Program, LoadError> {
        Self::load(path, &LoadOptions { foreign: foreign.clone(), ..Default::default() })
    }

    /// Reads and checks a program file with `options`: host-added foreign functions and
    /// `--const NAME=VALUE` overrides. A file longer than [`DEFAULT_MAX_INPUT_BYTES`] is refused.
    pub fn load(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Program, LoadError> {
        Self::load_limited(path, options, DEFAULT_MAX_INPUT_BYTES)
    }

    /// [`Program::load`], refusing a file longer than `max_bytes` (`--max-input-bytes`) before
    /// reading more of it: `/dev/zero` is an error, not the host's memory.
    pub fn load_limited(path: impl AsRef<Path>, options: &LoadOptions, max_bytes: u64) -> Result<Program, LoadError> {
        let path = path.as_ref().to_string_lossy();
        let bytes = read_limited(path.as_ref(), max_bytes, "the program")
            .map_err(|e| LoadError { sources: None, diagnostics: vec![Diagnostic::error(e)] })?;
        let text = spindle_vm::front::decode_source(bytes)
            .map_err(|d| LoadError { sources: None, diagnostics: vec![d.note(format!("in `{path}`"))] })?;
        Self::load_source(&path, text, options)
    }

    /// [`Program::from_source`], with the host-added foreign functions of `foreign`: the
    /// program may call them, and every run serves them.
    ///
    /// ```
    /// use spindle::{Config, ForeignTable, Program};
    ///
    /// let foreign = ForeignTable::new().with("my_add", 2, |call| Ok(call.arg(0) + call.arg(1)));
    /// let src = r#"
    /// fn main() -> i64 {
    ///     let x: i64;
    ///     bb0: { x = call my_add(2, 3) -> bb1; }
    ///     bb1: { println "{}", x; return 0; }
    /// }
    /// "#;
    /// let program = Program::from_source_with("add.mir", src, &foreign).unwrap();
    /// let outcome = program.run(Config::new().trace_text());
    /// assert_eq!(outcome.stdout_text(), "5\n");
    /// assert!(outcome.trace_text().starts_with("[main] my_add(2, 3)"));
    /// ```
    pub fn from_source_with(path: &str, text: impl Into<String>, foreign: &ForeignTable) -> Result<Program, LoadError> {
        Self::load_source(path, text, &LoadOptions { foreign: foreign.clone(), ..Default::default() })
    }

    /// [`Program::load`] of a program given as text; `path` is shown in diagnostics, and
    /// `use "file.mir";` items are read relative to its directory.
    pub fn load_source(path: &str, text: impl Into<String>, options: &LoadOptions) -> Result<Program, LoadError> {
        let file = SourceFile::new(path, text);
        let loader = FsLoader { base: options.base_dir.clone(), files: options.files.clone() };
        let front = spindle_vm::front::Options { loader: Some(&loader), consts: &options.consts };
        let compiled = if options.foreign.is_empty() {
            spindle_vm::front::compile_with(&file, &LinuxResolver, front)
        } else {
            spindle_vm::front::compile_with(&file, &options.foreign, front)
        };
        match compiled.program {
            Some(ir) => Ok(Program {
                file: Rc::new(file),
                sources: Rc::new(compiled.sources),
                consts: options.consts.clone(),
                ir: Rc::new(ir),
                warnings: compiled.diagnostics,
                foreign: options.foreign.clone(),
                fd_limits: Default::default(),
                fs_seed: Default::default(),
            }),
            None => Err(LoadError { sources: Some(compiled.sources), diagnostics: compiled.diagnostics }),
        }
    }

    /// The host-added foreign functions the program was compiled against.
    pub fn foreign(&self) -> &ForeignTable {
        &self.foreign
    }

    /// Sets the open-fd and fd-buffer limits of its runs (`--max-fds`, `--max-fd-buffers`;
    /// `FdLimits::default()` is theirs).
    pub fn set_fd_limits(&mut self, limits: FdLimits) {
        self.fd_limits = limits;
    }

    /// Seeds the file system of its runs (`--fs DIR`: [`fs_seed::load`] reads the directory).
    pub fn set_fs_seed(&mut self, seed: spindle_shims::fs::FsSeed) {
        self.fs_seed = seed;
    }

    /// Identifies the program text in schedule strings (`s1:FINGERPRINT:…`).
    pub fn fingerprint(&self) -> u32 {
        let files = self.sources.files();
        if files.len() == 1 && self.consts.is_empty() {
            return spindle_vm::schedule::fingerprint(self.file.text.as_bytes());
        }
        // Every file's text and the overrides: a change to a module is a change to the program.
        let mut all = Vec::new();
        for f in files {
            all.extend_from_slice(f.path.as_bytes());
            all.push(0);
            all.extend_from_slice(f.text.as_bytes());
            all.push(0);
        }
        for (n, v) in &self.consts {
            all.extend_from_slice(format!("--const {n}={v}").as_bytes());
            all.push(0);
        }
        spindle_vm::schedule::fingerprint(&all)
    }

    /// Runs the program with its output captured. `config` is a [`Config`] (or a
    /// [`RunConfig`]), by value or by reference.
    pub fn run(&self, config: impl Into<Config>) -> Outcome {
        let config: Config = config.into();
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let console = Console { out: Box::new(out.clone()), err: Box::new(err.clone()) };
        let tbuf = SharedBuf::default();
        let tracer = config.trace.as_ref().map(|t| {
            // Events are recorded in the timeline's mode; the text is the same either way.
            let tc = TraceConfig { format: t.format, time: t.timestamps, timeline: true };
            let mut tracer = Tracer::new(tc, Some(Box::new(tbuf.clone())));
            t.shape(&mut tracer);
            tracer
        });
        let (r, tracer) = match self.policy_for(&config) {
            Ok(policy) => {
                let vm = RunConfig { policy, ..config.run_config() };
                let wants_timeline = config.trace.as_ref().is_some_and(|t| t.timeline);
                self.execute(&vm, config.fd_limits.unwrap_or(self.fd_limits), console, tracer, wants_timeline)
            }
            Err(e) => (
                Executed {
                    stop: Box::new(Stop { kind: StopKind::Exit(EXIT_BAD_PROGRAM as u8), diags: Vec::new(), race: None }),
                    steps: 0,
                    time_ns: 0,
                    max_clock_len: 0,
                    timeline: None,
                    schedule: None,
                    schedule_error: Some(e),
                    picks: 0,
                },
                None,
            ),
        };
        let report = (r.schedule_error.is_none() && !r.stop.diags.is_empty()).then(|| Report {
            kind: r.stop.kind,
            title: r.stop.diags[0].title.clone(),
            rendered: self.render_stop(&r.stop, false),
        });
        let trace = tracer.map(|mut t| {
            let events = std::mem::take(&mut t.events);
            drop(t); // writes out what it still holds
            Trace { text: String::from_utf8_lossy(&tbuf.0.borrow()).into_owned(), events, timeline: r.timeline.clone() }
        });
        let stdout = out.0.borrow().clone();
        let stderr = err.0.borrow().clone();
        Outcome {
            exit_code: if r.schedule_error.is_some() { EXIT_BAD_PROGRAM } else { r.stop.exit_code() },
            schedule: r.schedule,
            schedule_error: r.schedule_error,
            stop: r.stop,
            stdout,
            stderr,
            report,
            trace,
            steps: r.steps,
            time_ns: r.time_ns,
            max_clock_len: r.max_clock_len,
        }
    }

    /// The VM policy for a [`Config`]'s scheduler; `Err` for a replay string that cannot be used.
    fn policy_for(&self, config: &Config) -> Result<Policy, String> {
        match &config.scheduler {
            Scheduler::Pct { seed, depth } => {
                // As `spindle explore` does: the horizon is the number of scheduling points of
                // a run under the default schedule.
                let probe = RunConfig { policy: Policy::Directed(Arc::new(Vec::new())), ..config.run_config() };
                let picks = self.execute(&probe, config.fd_limits.unwrap_or(self.fd_limits), Console::sink(), None, false).0.picks;
                Ok(Policy::Pct { seed: *seed, depth: (*depth).max(1), horizon: picks.max(1) })
            }
            Scheduler::Replay(text) => {
                let parsed = Schedule::parse(text.trim()).map_err(|e| format!("bad replay schedule: {e}"))?;
                if let Some(fp) = parsed.fingerprint {
                    if fp != self.fingerprint() {
                        return Err(format!(
                            "this schedule was recorded for another program (fingerprint {fp:08x}; `{}` has {:08x}). If you changed the program on purpose, write `*` for the fingerprint: `s1:*:…`",
                            self.file.path,
                            self.fingerprint()
                        ));
                    }
                }
                Ok(Policy::Replay(Arc::new(spindle_vm::Replay { schedule: parsed.schedule, strict: true })))
            }
            _ => Ok(config.run_config().policy),
        }
    }

    /// Runs the program with its output going to `console`.
    pub fn run_with_console(&self, config: &RunConfig, console: Console) -> RunStats {
        self.run_traced(config, console, None).0
    }

    /// Runs the program with its output going to `console`, recording its foreign calls with
    /// `tracer` if given; returns the tracer with its events.
    pub fn run_traced(&self, config: &RunConfig, console: Console, tracer: Option<Tracer>) -> (RunStats, Option<Tracer>) {
        let wants_timeline = tracer.as_ref().is_some_and(Tracer::wants_timeline);
        let (r, tracer) = self.execute(config, self.fd_limits, console, tracer, wants_timeline);
        let stats = RunStats {
            stop: r.stop,
            steps: r.steps,
            time_ns: r.time_ns,
            max_clock_len: r.max_clock_len,
            timeline: r.timeline,
            schedule: r.schedule,
            schedule_error: r.schedule_error,
        };
        (stats, tracer)
    }

    /// One run: the machine, the shims (with the program's host-added functions) and the trace.
    fn execute(
        &self,
        config: &RunConfig,
        fd_limits: FdLimits,
        console: Console,
        tracer: Option<Tracer>,
        wants_timeline: bool,
    ) -> (Executed, Option<Tracer>) {
        let mut shims = if self.foreign.is_empty() { Shims::new() } else { Shims::with_foreign(self.foreign.clone()) };
        shims.set_limits(fd_limits);
        shims.set_fs_seed(&self.fs_seed);
        shims.trace = tracer;
        match Machine::new(self.ir.clone(), config.clone(), console) {
            Ok(mut m) => {
                let mut stop = m.run(&mut shims);
                let _ = m.console.out.flush();
                let _ = m.console.err.flush();
                let mut timeline = None;
                if let Some(t) = &mut shims.trace {
                    t.ended(&m, &ending(&stop));
                    timeline = wants_timeline.then(|| t.timeline(&m));
                }
                let sched = m.scheduler();
                let schedule_error = sched.error().map(str::to_string).or_else(|| sched.leftover_error());
                let schedule = (config.policy != Policy::Fixed).then(|| sched.decisions().to_text(Some(self.fingerprint())));
                if let (Policy::Random { .. }, Some(text), false) = (&config.policy, &schedule, stop.is_exit()) {
                    stop = with_replay_note(stop, text);
                }
                let r = Executed {
                    stop,
                    steps: m.steps(),
                    time_ns: m.now(),
                    max_clock_len: m.max_clock_len(),
                    timeline,
                    schedule,
                    schedule_error,
                    picks: sched.picks(),
                };
                (r, shims.trace)
            }
            Err(stop) => (
                Executed { stop, steps: 0, time_ns: 0, max_clock_len: 0, timeline: None, schedule: None, schedule_error: None, picks: 0 },
                shims.trace,
            ),
        }
    }

    /// Renders a run's failure report (nothing for a normal exit).
    pub fn render_stop(&self, stop: &Stop, color: bool) -> String {
        render(&stop.diags, Some(&self.sources), color)
    }

    /// Renders the checker's warnings.
    pub fn render_warnings(&self, color: bool) -> String {
        let w: Vec<Diagnostic> = self.warnings.iter().filter(|d| d.level == Level::Warning).cloned().collect();
        render(&w, Some(&self.sources), color)
    }
}

/// What one run gave, before it is shaped into an [`Outcome`] or [`RunStats`].
struct Executed {
    stop: Box<Stop>,
    steps: u64,
    time_ns: u64,
    max_clock_len: usize,
    timeline: Option<String>,
    schedule: Option<String>,
    schedule_error: Option<String>,
    /// Scheduling points reached (the PCT horizon of a default-schedule run).
    picks: u64,
}

/// Longest schedule string printed in a failure report; longer ones are described instead.
pub const MAX_INLINE_SCHEDULE: usize = 400;

/// Adds the replay note to a failure report under `--sched random`, next to the seed note.
fn with_replay_note(mut stop: Box<Stop>, schedule: &str) -> Box<Stop> {
    let note = if schedule.len() <= MAX_INLINE_SCHEDULE {
        format!("or replay this schedule with `--replay {schedule}`")
    } else {
        format!("its schedule string is {} bytes long: `--save-schedule FILE` writes it, `--replay @FILE` replays it", schedule.len())
    };
    let i = stop.diags.iter().rposition(|d| d.notes.iter().any(|n| n.starts_with("reproduce with `--sched random"))).unwrap_or(0);
    if let Some(d) = stop.diags.get_mut(i) {
        let at = d.notes.iter().position(|n| n.starts_with("reproduce with `--sched random")).map_or(d.notes.len(), |p| p + 1);
        d.notes.insert(at, note);
    }
    stop
}

/// The longest program or schedule file read by default (`--max-input-bytes`): 8 MiB, far
/// beyond any hand-written program, and a host cost of a few hundred MiB to compile.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 8 << 20;

/// Reads the file at `path` (`what` it is, for the error), refusing one longer than `max_bytes`
/// after reading at most one byte more.
pub fn read_limited(path: &str, max_bytes: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes)).map_err(|e| {
        if what == "the program" {
            format!("cannot read `{path}`: {e}")
        } else {
            format!("cannot read {what} `{path}`: {e}")
        }
    })?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!("{what} `{path}` is longer than {max_bytes} bytes; raise the limit with --max-input-bytes BYTES"));
    }
    Ok(bytes)
}

/// The last line of a trace: how the run ended, as strace words it where it can.
fn ending(stop: &Stop) -> String {
    match stop.kind {
        StopKind::Exit(c) => format!("exited with {c}"),
        StopKind::Abort => "killed by SIGABRT".to_string(),
        StopKind::Ub => "stopped: undefined behaviour".to_string(),
        StopKind::Deadlock => "stopped: deadlock".to_string(),
        StopKind::Panic => "stopped: panic".to_string(),
        StopKind::Unsupported => "stopped: unsupported operation".to_string(),
        StopKind::Limit => "stopped: resource limit".to_string(),
        StopKind::Interrupted => "stopped: interrupted".to_string(),
    }
}

/// An in-memory output stream shared with the machine.
#[derive(Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
