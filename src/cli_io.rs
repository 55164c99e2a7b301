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

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

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
}

impl<W: Write> Watched<W> {
    pub fn new(inner: W, name: impl Into<String>) -> Self {
        Watched { inner, name: name.into(), failed: false }
    }

    fn check<T: Default>(&mut self, r: io::Result<T>) -> io::Result<T> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => {
                self.failed = true;
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
    flush_console();
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
/// Longest that guest output waits in the buffer: a line printed before a hang shows up.
const CONSOLE_LATENCY: Duration = Duration::from_millis(50);

struct ConsoleState {
    buf: Vec<u8>,
    out: Watched<io::Stdout>,
    err: Watched<io::Stderr>,
}

impl ConsoleState {
    fn flush_out(&mut self) {
        if !self.buf.is_empty() {
            let _ = self.out.write_all(&self.buf);
            let _ = self.out.flush();
            self.buf.clear();
        }
    }
}

static CONSOLE: OnceLock<Arc<Mutex<ConsoleState>>> = OnceLock::new();

fn console_state() -> &'static Arc<Mutex<ConsoleState>> {
    CONSOLE.get_or_init(|| {
        let state = Arc::new(Mutex::new(ConsoleState {
            buf: Vec::with_capacity(CONSOLE_BUFFER),
            out: Watched::new(io::stdout(), "the guest's stdout"),
            err: Watched::new(io::stderr(), "the guest's stderr"),
        }));
        // Writes out what the guest printed at most CONSOLE_LATENCY ago, whatever the guest
        // does next (a hang, a long computation, a kill).
        let flusher = Arc::downgrade(&state);
        let _ = std::thread::Builder::new().name("console-flush".into()).spawn(move || loop {
            std::thread::sleep(CONSOLE_LATENCY);
            match flusher.upgrade() {
                Some(s) => s.lock().unwrap_or_else(|p| p.into_inner()).flush_out(),
                None => return,
            }
        });
        state
    })
}

/// Writes out the guest's buffered stdout.
pub fn flush_console() {
    if let Some(s) = CONSOLE.get() {
        s.lock().unwrap_or_else(|p| p.into_inner()).flush_out();
    }
}

/// The guest's stdout: buffered (line by line on a terminal, else up to CONSOLE_BUFFER bytes),
/// written out within CONSOLE_LATENCY.
struct GuestOut {
    state: &'static Arc<Mutex<ConsoleState>>,
    line: bool,
}

impl Write for GuestOut {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.buf.extend_from_slice(b);
        if s.buf.len() >= CONSOLE_BUFFER || (self.line && b.contains(&b'\n')) {
            s.flush_out();
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).flush_out();
        Ok(())
    }
}

/// The guest's stderr: unbuffered, after what the guest wrote to stdout before it (so that
/// `2>&1` keeps the guest's order).
struct GuestErr {
    state: &'static Arc<Mutex<ConsoleState>>,
}

impl Write for GuestErr {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.flush_out();
        let _ = s.err.write_all(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The guest's console for `spindle run`.
pub fn console() -> spindle_vm::machine::Console {
    let state = console_state();
    spindle_vm::machine::Console { out: Box::new(GuestOut { state, line: io::stdout().is_terminal() }), err: Box::new(GuestErr { state }) }
}
