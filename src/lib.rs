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
pub use spindle_vm::{Config as RunConfig, Policy, Stop, StopKind, DEFAULT_PREEMPTION};

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

    /// Runs the program with its output captured.
    pub fn run(&self, config: &RunConfig) -> Outcome {
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let console = Console { out: Box::new(out.clone()), err: Box::new(err.clone()) };
        let r = self.run_with_console(config, console);
        let stdout = out.0.borrow().clone();
        let stderr = err.0.borrow().clone();
        Outcome {
            exit_code: r.stop.exit_code(),
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
                let stop = m.run(&mut shims);
                let _ = m.console.out.flush();
                let _ = m.console.err.flush();
                let mut timeline = None;
                if let Some(t) = &mut shims.trace {
                    t.ended(&m, &ending(&stop));
                    timeline = t.wants_timeline().then(|| t.timeline(&m));
                }
                (RunStats { stop, steps: m.steps(), time_ns: m.now(), max_clock_len: m.max_clock_len(), timeline }, shims.trace)
            }
            Err(stop) => (RunStats { stop, steps: 0, time_ns: 0, max_clock_len: 0, timeline: None }, shims.trace),
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
