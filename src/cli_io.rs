//! The command line's outputs: every write is checked, none panics, and the guest's console is
//! streamed.
//!
//! `print!` panics when stdout is a closed pipe or a full disk, and the exit status would then
//! be 101, the code of a guest panic. Here every output the user asked for — the guest's stdout
//! and stderr, the explore summary, `--trace-file`, `--timeline`, `--save-schedule` — goes
//! through a [`Watched`] writer that records its first failure; [`finish`] then reports each
//! failed output by name and turns a successful exit into [`EXIT_OUTPUT`]. Spindle's own
//! diagnostics on stderr ([`diag`]) ignore a failed write: there is nowhere left to report it,
//! and the exit status already says what happened.

use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Exit status when an output the user asked for could not be written (stdout or stderr closed
/// or full, a trace, timeline or schedule file that cannot be written). It replaces 0 and the
/// guest's own exit status; Spindle's verdicts (1–5, 101, 134) are kept.
pub const EXIT_OUTPUT: i32 = 6;

/// The outputs that failed, in the order they failed, each with its first error.
static FAILED: Mutex<Vec<(String, io::Error)>> = Mutex::new(Vec::new());

fn record(name: &str, e: io::Error) {
    let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
    if !failed.iter().any(|(n, _)| n == name) {
        failed.push((name.to_string(), e));
    }
}

/// Records that output `name` could not be written (a file that could not be created).
pub fn failed(name: &str, e: io::Error) {
    record(name, e);
}

/// A writer that records its first failure under `name` and then discards what it is given
/// (a closed pipe stays closed: no write is retried).
pub struct Watched<W> {
    inner: W,
    name: String,
    failed: bool,
    /// The failure was a closed pipe: nobody reads what follows.
    pub broken_pipe: bool,
}

impl<W: Write> Watched<W> {
    pub fn new(inner: W, name: impl Into<String>) -> Self {
        Watched { inner, name: name.into(), failed: false, broken_pipe: false }
    }

    fn check<T: Default>(&mut self, r: io::Result<T>) -> io::Result<T> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => {
                self.failed = true;
                self.broken_pipe = e.kind() == io::ErrorKind::BrokenPipe;
                record(&self.name, e);
                Ok(T::default())
            }
        }
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        let r = self.inner.write_all(buf);
        self.check(r).map(|()| buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.check(r)
    }
}

/// Writes `text` to stdout, as an output the user asked for (a summary, a listing).
pub fn out(text: &str) {
    let mut w = Watched::new(io::stdout().lock(), "stdout");
    let _ = w.write_all(text.as_bytes());
    let _ = w.flush();
}

/// Writes a diagnostic to stderr; a failure is ignored (see the module comment).
pub fn diag(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `error: MSG` on stderr.
pub fn error(msg: impl std::fmt::Display) {
    diag(&format!("error: {msg}\n"));
}

/// Whether the guest's exit status yields to a failed output ([`EXIT_OUTPUT`]).
pub enum Verdict {
    /// 0, or the guest's own status: a failed output replaces it.
    Yields(i32),
    /// One of Spindle's own verdicts: kept.
    Keeps(i32),
}

/// The exit status of the process: reports every output that could not be written.
pub fn finish(v: Verdict) -> i32 {
    let failed = std::mem::take(&mut *FAILED.lock().unwrap_or_else(|p| p.into_inner()));
    for (name, e) in &failed {
        error(format_args!("cannot write {name}: {e}"));
    }
    match v {
        Verdict::Yields(_) if !failed.is_empty() => EXIT_OUTPUT,
        Verdict::Yields(c) | Verdict::Keeps(c) => c,
    }
}

// ---- the guest's console --------------------------------------------------------------------

/// Most bytes of guest stdout held before they are written out.
const CONSOLE_BUFFER: usize = 64 << 10;

struct ConsoleState {
    buf: Vec<u8>,
    out: Watched<io::Stdout>,
    err: Watched<io::Stderr>,
    /// Set when the guest's stdout is a closed pipe: the run stops, as a process that writes
    /// to a closed pipe does (SIGPIPE), instead of computing output nobody reads.
    stop: Arc<AtomicBool>,
}

impl ConsoleState {
    fn flush_out(&mut self) {
        if !self.buf.is_empty() {
            let _ = self.out.write_all(&self.buf);
            let _ = self.out.flush();
            self.buf.clear();
            if self.out.broken_pipe {
                self.stop.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// The `spindle run` end of the guest's console.
#[derive(Clone)]
pub struct ConsoleHandle(Rc<RefCell<ConsoleState>>);

impl ConsoleHandle {
    /// Writes out the guest's buffered stdout.
    pub fn flush(&self) {
        self.0.borrow_mut().flush_out();
    }

    /// Whether the run was stopped because its stdout is a closed pipe.
    pub fn stdout_closed(&self) -> bool {
        self.0.borrow().out.broken_pipe
    }
}

/// The guest's stdout: line by line on a terminal, else in blocks of up to CONSOLE_BUFFER
/// bytes. The interpreter also flushes it every `spindle_vm::machine::INTERRUPT_CHECK` steps,
/// so a line printed before a hang (an endless loop: a run that ends flushes) shows up within
/// a fraction of a millisecond of the guest's time.
struct GuestOut {
    state: ConsoleHandle,
    line: bool,
}

impl Write for GuestOut {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.write_all(b).map(|()| b.len())
    }

    // The guest's writes arrive here (`Console` callers use `write_all`): one call per write.
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        let mut s = self.state.0.borrow_mut();
        if s.buf.len() + b.len() > CONSOLE_BUFFER {
            s.flush_out();
        }
        s.buf.extend_from_slice(b);
        if s.buf.len() >= CONSOLE_BUFFER || (self.line && b.contains(&b'\n')) {
            s.flush_out();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.state.flush();
        Ok(())
    }
}

/// The guest's stderr: unbuffered, after what the guest wrote to stdout before it (so that
/// `2>&1` keeps the guest's order).
struct GuestErr {
    state: ConsoleHandle,
}

impl Write for GuestErr {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let mut s = self.state.0.borrow_mut();
        s.flush_out();
        let _ = s.err.write_all(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The guest's console for `spindle run`; `stop` is set if stdout turns out to be a closed pipe.
pub fn console(stop: Arc<AtomicBool>) -> (spindle_vm::machine::Console, ConsoleHandle) {
    let state = ConsoleHandle(Rc::new(RefCell::new(ConsoleState {
        buf: Vec::with_capacity(CONSOLE_BUFFER),
        out: Watched::new(io::stdout(), "the guest's stdout"),
        err: Watched::new(io::stderr(), "the guest's stderr"),
        stop,
    })));
    let console = spindle_vm::machine::Console {
        out: Box::new(GuestOut { state: state.clone(), line: io::stdout().is_terminal() }),
        err: Box::new(GuestErr { state: state.clone() }),
    };
    (console, state)
}

/// A flag that Ctrl-C (SIGINT) sets, for a run or an exploration to stop and report what it
/// has; a second Ctrl-C ends the process at once (exit 130, as a shell reports SIGINT).
pub fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // Without a handler (another one is installed) Ctrl-C keeps its default: the process ends.
    let _ = ctrlc::set_handler(move || {
        if f.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
    flag
}
