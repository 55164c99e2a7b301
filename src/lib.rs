//! Spindle: a deterministic virtual machine for concurrent guest programs, with a Linux syscall
//! shim layer. This facade ties the crates together: load a program, run it, get an outcome.
//!
//! ```
//! let src = "fn main() -> i64 { bb0: { println \"hi\"; return 3; } }";
//! let program = spindle::Program::from_source("inline.mir", src).unwrap();
//! let outcome = program.run(&spindle::RunConfig::default());
//! assert_eq!(outcome.exit_code, 3);
//! assert_eq!(outcome.stdout, b"hi\n");
//! ```

use spindle_shims::{LinuxResolver, Shims};
use spindle_vm::diag::{render, Diagnostic, Level};
use spindle_vm::machine::{Console, Machine};
use spindle_vm::source::SourceFile;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

pub use spindle_shims::trace::{Format as TraceFormat, TraceConfig, Tracer};
pub use spindle_vm::error::EXIT_BAD_PROGRAM;
pub use spindle_vm::{Config as RunConfig, Policy, Schedule, Stop, StopKind, DEFAULT_PREEMPTION};

pub mod explore;

/// A checked program, ready to run any number of times.
pub struct Program {
    pub file: Rc<SourceFile>,
    pub ir: Rc<spindle_vm::ir::Program>,
    /// Warnings from checking.
    pub warnings: Vec<Diagnostic>,
}

/// A program that failed to load: every diagnostic, rendered on demand.
#[derive(Debug)]
pub struct LoadError {
    pub file: Option<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    pub fn render(&self, color: bool) -> String {
        render(&self.diagnostics, self.file.as_ref(), color)
    }
}

/// How a run ended, with what it printed.
pub struct Outcome {
    pub exit_code: i32,
    pub stop: Box<Stop>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub steps: u64,
    /// Virtual nanoseconds at the end.
    pub time_ns: u64,
    /// The longest vector clock any thread had (0 if race detection never started): stays
    /// small when joined threads' clock indices are reused.
    pub max_clock_len: usize,
    /// The run's schedule as a `--replay` string (every policy but `fixed`).
    pub schedule: Option<String>,
    /// Why a replayed schedule did not fit the program (the exit code is then 2).
    pub schedule_error: Option<String>,
}

impl Program {
    /// Reads and checks a program file.
    pub fn from_path(path: &str) -> Result<Program, LoadError> {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError { file: None, diagnostics: vec![Diagnostic::error(format!("cannot read `{path}`: {e}"))] })?;
        let text = spindle_vm::front::decode_source(bytes)
            .map_err(|d| LoadError { file: None, diagnostics: vec![d.note(format!("in `{path}`"))] })?;
        Self::from_source(path, text)
    }

    /// Checks a program given as text; `path` is only used in diagnostics.
    pub fn from_source(path: &str, text: impl Into<String>) -> Result<Program, LoadError> {
        let file = SourceFile::new(path, text);
        let compiled = spindle_vm::front::compile(&file, &LinuxResolver);
        match compiled.program {
            Some(ir) => Ok(Program { file: Rc::new(file), ir: Rc::new(ir), warnings: compiled.diagnostics }),
            None => Err(LoadError { file: Some(file), diagnostics: compiled.diagnostics }),
        }
    }

    /// Identifies the program text in schedule strings (`s1:FINGERPRINT:…`).
    pub fn fingerprint(&self) -> u32 {
        spindle_vm::schedule::fingerprint(self.file.text.as_bytes())
    }

    /// Runs the program with its output captured.
    pub fn run(&self, config: &RunConfig) -> Outcome {
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let console = Console { out: Box::new(out.clone()), err: Box::new(err.clone()) };
        let r = self.run_with_console(config, console);
        let stdout = out.0.borrow().clone();
        let stderr = err.0.borrow().clone();
        Outcome {
            exit_code: if r.schedule_error.is_some() { EXIT_BAD_PROGRAM } else { r.stop.exit_code() },
            schedule: r.schedule,
            schedule_error: r.schedule_error,
            stop: r.stop,
            stdout,
            stderr,
            steps: r.steps,
            time_ns: r.time_ns,
            max_clock_len: r.max_clock_len,
        }
    }

    /// Runs the program with its output going to `console`.
    pub fn run_with_console(&self, config: &RunConfig, console: Console) -> RunStats {
        self.run_traced(config, console, None).0
    }

    /// Runs the program with its output going to `console`, recording its foreign calls with
    /// `tracer` if given; returns the tracer with its events.
    pub fn run_traced(&self, config: &RunConfig, console: Console, tracer: Option<Tracer>) -> (RunStats, Option<Tracer>) {
        let mut shims = Shims::new();
        shims.trace = tracer;
        match Machine::new(self.ir.clone(), config.clone(), console) {
            Ok(mut m) => {
                let mut stop = m.run(&mut shims);
                let _ = m.console.out.flush();
                let _ = m.console.err.flush();
                let mut timeline = None;
                if let Some(t) = &mut shims.trace {
                    t.ended(&m, &ending(&stop));
                    timeline = t.wants_timeline().then(|| t.timeline(&m));
                }
                let sched = m.scheduler();
                let schedule_error = sched.error().map(str::to_string).or_else(|| sched.leftover_error());
                let schedule = (config.policy != Policy::Fixed).then(|| sched.decisions().to_text(Some(self.fingerprint())));
                if let (Policy::Random { .. }, Some(text), false) = (&config.policy, &schedule, stop.is_exit()) {
                    stop = with_replay_note(stop, text);
                }
                let stats = RunStats {
                    stop,
                    steps: m.steps(),
                    time_ns: m.now(),
                    max_clock_len: m.max_clock_len(),
                    timeline,
                    schedule,
                    schedule_error,
                };
                (stats, shims.trace)
            }
            Err(stop) => (
                RunStats { stop, steps: 0, time_ns: 0, max_clock_len: 0, timeline: None, schedule: None, schedule_error: None },
                shims.trace,
            ),
        }
    }

    /// Renders a run's failure report (nothing for a normal exit).
    pub fn render_stop(&self, stop: &Stop, color: bool) -> String {
        render(&stop.diags, Some(&self.file), color)
    }

    /// Renders the checker's warnings.
    pub fn render_warnings(&self, color: bool) -> String {
        let w: Vec<Diagnostic> = self.warnings.iter().filter(|d| d.level == Level::Warning).cloned().collect();
        render(&w, Some(&self.file), color)
    }
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
