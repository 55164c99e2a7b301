//! How a run ends. One root type, [`Stop`], for every ending: a normal exit and every kind of
//! failure, each with its documented exit code (docs/language.md, "Exit codes").

use crate::diag::Diagnostic;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// The guest exited (`exit`, or `main` returned) with this code.
    Exit(u8),
    /// `abort()`.
    Abort,
    /// Undefined behaviour: the program is wrong.
    Ub,
    /// Every live thread is blocked and nothing can wake one: the program is wrong.
    Deadlock,
    /// A failed `assert`, checked-arithmetic overflow, division by zero.
    Panic,
    /// The program did something Spindle does not model.
    Unsupported,
    /// A resource limit was exceeded.
    Limit,
    /// Stopped from outside ([`crate::Config::interrupt`]: Ctrl-C).
    Interrupted,
}

impl StopKind {
    pub fn exit_code(self) -> i32 {
        match self {
            StopKind::Exit(c) => c as i32,
            StopKind::Abort => 134,
            StopKind::Ub | StopKind::Deadlock => 1,
            StopKind::Panic => 101,
            StopKind::Unsupported => 3,
            StopKind::Limit => 4,
            // As a shell reports a process ended by SIGINT.
            StopKind::Interrupted => 130,
        }
    }
}

/// Exit code for a malformed program or a bad command line.
pub const EXIT_BAD_PROGRAM: i32 = 2;

#[derive(Clone, Debug)]
pub struct Stop {
    pub kind: StopKind,
    pub diags: Vec<Diagnostic>,
    /// For a data race: the earlier access (1), so that a tool can place it in a run's steps.
    pub race: Option<RaceAccess>,
}

/// The earlier access of a data race: its thread, address, size and whether it wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaceAccess {
    pub thread: usize,
    pub addr: u64,
    pub size: u64,
    pub write: bool,
}

pub type VmResult<T> = Result<T, Box<Stop>>;

/// Placeholder span for a failure raised below the interpreter loop; the loop replaces it with
/// the span of the instruction that was executing.
pub const HERE: Span = Span { start: u32::MAX, end: u32::MAX };

impl Stop {
    pub fn exit(code: u8) -> Box<Stop> {
        Box::new(Stop { kind: StopKind::Exit(code), diags: Vec::new(), race: None })
    }
    fn new(kind: StopKind, d: Diagnostic) -> Box<Stop> {
        Box::new(Stop { kind, diags: vec![d], race: None })
    }
    /// Undefined behaviour at the current instruction.
    pub fn ub(what: impl Into<String>, label: impl Into<String>) -> Box<Stop> {
        Self::new(
            StopKind::Ub,
            Diagnostic::error(format!("Undefined Behavior: {}", what.into()))
                .at(HERE, label)
                .help("this indicates a bug in the program: it performed an invalid operation, and caused Undefined Behavior"),
        )
    }
    pub fn panic(msg: impl Into<String>) -> Box<Stop> {
        let msg = msg.into();
        Self::new(StopKind::Panic, Diagnostic::error(format!("the program panicked: {msg}")).at(HERE, msg))
    }
    pub fn unsupported(msg: impl Into<String>) -> Box<Stop> {
        Self::new(
            StopKind::Unsupported,
            Diagnostic::error(format!("unsupported operation: {}", msg.into()))
                .at(HERE, "unsupported operation occurred here")
                .help("this is likely not a bug in the program; it indicates that the program performed an operation that Spindle does not support"),
        )
    }
    pub fn limit(msg: impl Into<String>, help: impl Into<String>) -> Box<Stop> {
        Self::new(
            StopKind::Limit,
            Diagnostic::error(format!("resource limit exceeded: {}", msg.into())).at(HERE, "limit reached here").help(help),
        )
    }
    pub fn abort() -> Box<Stop> {
        Self::new(StopKind::Abort, Diagnostic::error("the program called `abort()`").at(HERE, "aborted here"))
    }
    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }
    /// Whether the run ended by the guest's own choice (exit, or `main` returning).
    pub fn is_exit(&self) -> bool {
        matches!(self.kind, StopKind::Exit(_))
    }
    /// Adds a note to the main diagnostic.
    pub fn with_note(mut self: Box<Self>, note: impl Into<String>) -> Box<Self> {
        if let Some(d) = self.diags.first_mut() {
            d.notes.push(note.into());
        }
        self
    }
    /// Replaces placeholder spans with `span`.
    pub fn locate(mut self: Box<Self>, span: Span) -> Box<Self> {
        for d in &mut self.diags {
            if let Some(p) = &mut d.primary {
                if p.span == HERE {
                    p.span = span;
                }
            }
        }
        self
    }
}
