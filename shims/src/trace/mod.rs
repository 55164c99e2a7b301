//! The syscall trace, recorded at the shim boundary: every foreign call with its decoded
//! arguments and result, in strace's conventions, as text or JSON lines.
//!
//! A call that blocks is shown the way `strace -f` shows it: if another thread's line comes
//! before it finishes, it is split into `read(3, <unfinished ...>` and
//! `<... read resumed> "abc", 16) = 3`; if nothing comes in between, it is one line.
//! Tracing only reads: it never changes what the guest sees or the schedule.

pub mod decode;
pub mod filter;
pub mod summary;
pub mod timeline;

use decode::{error_text, render_arg, Arg, RetKind};
use spindle_vm::clock::{VClock, VectorIdx};
use spindle_vm::{Machine, ThreadId};
use std::collections::BTreeMap;
use std::io::Write;

/// An argument as a call shows it: its display kind and which guest argument it reads.
#[derive(Clone, Copy, Debug)]
pub struct Shown(pub Arg, pub usize);

/// How strace shows a call: its syscall name (which may differ from the libc name the guest
/// calls: `eventfd` is `eventfd2`), its arguments and its result.
#[derive(Clone, Copy, Debug)]
pub struct Sig {
    pub name: &'static str,
    pub args: &'static [Shown],
    pub ret: RetKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// strace's text.
    Text,
    /// One JSON object per line (docs/trace.md).
    Json,
}

/// Trace settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceConfig {
    pub format: Format,
    /// Prefix text lines with the virtual time.
    pub time: bool,
    /// Record what the timeline needs (scheduling and happens-before edges).
    pub timeline: bool,
}

/// One finished (or ended) foreign call, for the structured outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallEvent {
    pub seq: u64,
    pub tid: ThreadId,
    pub thread: String,
    pub call: String,
    pub args: Vec<String>,
    pub raw: Vec<u64>,
    /// `None` for a call that never returns (`exit`) or never finished.
    pub result: Option<i64>,
    pub errno: Option<String>,
    pub start_ns: u64,
    pub end_ns: u64,
    pub start_step: u64,
    pub end_step: u64,
    pub blocked: bool,
    /// The thread's own clock time before and after the call, when it moved (the call released).
    pub own_time: Option<(u32, u32)>,
    /// Happens-before edges the call created: (thread, that thread's time) for every thread
    /// whose time the call's clock gained.
    pub acquired: Vec<(ThreadId, u32)>,
}

/// A call that blocked and has not finished.
struct Pending {
    sig: Sig,
    raw: [u64; 8],
    nraw: usize,
    /// The inputs read from guest memory (a buffer to write, a struct), decoded when the call
    /// blocked, before other threads could change them: (argument position, text). Every other
    /// argument is shown from `raw` when its line is written.
    saved: Vec<(usize, String)>,
    start_ns: u64,
    start_step: u64,
    unfinished_shown: bool,
    clock_before: Option<VClock>,
}

impl Pending {
    fn raw(&self) -> &[u64] {
        &self.raw[..self.nraw]
    }
}

pub struct Tracer {
    config: TraceConfig,
    /// Where lines go (`None`: only events are recorded, for the timeline).
    out: Option<Box<dyn Write>>,
    /// (virtual ns, thread) at every switch of the scheduler, for the timeline.
    pub scheduled: Vec<(u64, ThreadId)>,
    pending: BTreeMap<ThreadId, Pending>,
    /// How many pending calls have not had their `<unfinished ...>` line yet: most calls
    /// check only this.
    unshown: usize,
    /// Threads whose `<unfinished ...>` lines are being written, reused.
    unshown_ids: Vec<ThreadId>,
    seq: u64,
    /// Every finished call, for the timeline and for tests.
    pub events: Vec<CallEvent>,
    /// Written bytes, to bound the trace (`max_bytes`).
    written: u64,
    pub max_bytes: u64,
    truncated: bool,
    /// Estimated host bytes of `events` and `scheduled`: they stop growing at `max_bytes` too,
    /// so that a long run with a timeline cannot take the host's memory.
    recorded: u64,
    /// Events were left out because of `max_bytes`.
    pub events_truncated: bool,
    /// Lines not written out yet, the one being built last (see [`Tracer::commit`]).
    line: String,
    /// strace's `-e trace=…`: the calls shown (`None`: all).
    pub filter: Option<filter::CallFilter>,
    /// strace's `-s`: at most this many bytes of a string are shown.
    pub string_limit: usize,
    /// strace's `-c`: count calls into this table instead of writing lines; the table is
    /// written when the run ends.
    pub summary: Option<summary::Summary>,
    /// The signal that ended the process, if one did: the last line says so, as strace's
    /// `+++ killed by SIGTERM +++`.
    pub(crate) killed_by: Option<String>,
}

fn is_output(a: Arg) -> bool {
    matches!(
        a,
        Arg::OutStr
            | Arg::IntPairOut
            | Arg::TimespecOut
            | Arg::EpollEventsOut
            | Arg::PtrOut
            | Arg::ItimerspecOut
            | Arg::StatOut
            | Arg::IntRef
            | Arg::SigsetOut
    )
}

/// The position of a call's first output argument (its length if it has none).
fn first_output(sig: &Sig) -> usize {
    sig.args.iter().position(|s| is_output(s.0)).unwrap_or(sig.args.len())
}

/// Whether argument `j` is a struct the call reads that strace shows only as its address: it
/// comes after the first output, so strace decodes it when the call returns, and the call
/// failed (`epoll_pwait2(3, 0x…, 8, 0x…, NULL, 8) = -1 EBADF`: strace's `umove_or_printaddr`).
fn address_only(sig: &Sig, j: usize, ret: Option<i64>) -> bool {
    ret == Some(-1) && sig.ret == RetKind::Int && sig.args[j].0.reads_input_memory() && j > first_output(sig)
}

/// Appends argument `j` of `sig`: its saved text if it was decoded when the call blocked.
fn arg_into(line: &mut String, m: &Machine<crate::Shims>, sig: &Sig, j: usize, raw: &[u64], ret: Option<i64>, saved: &[(usize, String)]) {
    if address_only(sig, j, ret) {
        line.push_str(&decode::ptr(raw.get(sig.args[j].1).copied().unwrap_or(0)));
        return;
    }
    if let Some((_, text)) = saved.iter().find(|(k, _)| *k == j) {
        line.push_str(text);
        return;
    }
    let Shown(kind, i) = sig.args[j];
    let program = m.program();
    let fn_name = |v: u64| program.fn_index(v).map(|f| program.functions[f as usize].name.clone());
    decode::render_arg_into(line, kind, i, raw, ret, &m.memory, &fn_name);
}

/// Appends the arguments at positions `range`, separated by `, `; an argument that shows
/// nothing (fcntl's absent third) is left out with its separator.
fn args_into(
    line: &mut String,
    m: &Machine<crate::Shims>,
    sig: &Sig,
    range: std::ops::Range<usize>,
    raw: &[u64],
    ret: Option<i64>,
    saved: &[(usize, String)],
) {
    let mut first = true;
    for j in range {
        let mark = line.len();
        if !first {
            line.push_str(", ");
        }
        let before = line.len();
        arg_into(line, m, sig, j, raw, ret, saved);
        if line.len() == before {
            line.truncate(mark);
        } else {
            first = false;
        }
    }
}

/// The trace's own output buffer is written out when it holds this many bytes.
const OUT_CHUNK: usize = 1 << 16;

/// strace pads the call to this column before ` = `.
const RESULT_COLUMN: usize = 39;

/// `call = result`, with the result in strace's column.
pub fn with_result(call: &str, result: &str) -> String {
    format!("{call}{} = {result}", &PADDING[..RESULT_COLUMN.saturating_sub(call.len())])
}

/// Spaces to pad with, at most [`RESULT_COLUMN`] of them.
const PADDING: &str = "                                       ";
const _: () = assert!(PADDING.len() == RESULT_COLUMN);

impl Tracer {
    pub fn new(config: TraceConfig, out: Option<Box<dyn Write>>) -> Self {
        Tracer {
            config,
            out,
            scheduled: Vec::new(),
            pending: BTreeMap::new(),
            unshown: 0,
            unshown_ids: Vec::new(),
            seq: 0,
            events: Vec::new(),
            written: 0,
            max_bytes: u64::MAX,
            truncated: false,
            recorded: 0,
            events_truncated: false,
            line: String::new(),
            filter: None,
            string_limit: decode::STRING_LIMIT,
            summary: None,
            killed_by: None,
        }
    }

    /// Whether the trace shows the call `strace_name` (`-e trace=…`); also makes the tracer's
    /// string limit the one this thread decodes with.
    #[inline]
    pub fn selects(&self, strace_name: &str) -> bool {
        decode::set_string_limit(self.string_limit);
        self.filter.as_ref().is_none_or(|f| f.selects(strace_name))
    }

    fn prefix(&self, m: &Machine<crate::Shims>, t: ThreadId) -> String {
        let mut p = String::new();
        self.write_prefix(&mut p, m, t);
        p
    }

    fn write_prefix(&self, p: &mut String, m: &Machine<crate::Shims>, t: ThreadId) {
        use std::fmt::Write as _;
        if self.config.time {
            let ns = m.observed_now();
            let _ = write!(p, "{}.{:09} ", ns / 1_000_000_000, ns % 1_000_000_000);
        }
        p.push('[');
        p.push_str(m.thread_name(t));
        p.push_str("] ");
    }

    fn emit_line(&mut self, line: &str) {
        let start = self.line.len();
        self.line.push_str(line);
        self.line.push('\n');
        self.commit(start);
    }

    /// The line from `start` to the end of the output buffer is complete: it stays (within
    /// `max_bytes`), and a full buffer is written out. (Lines are built in the buffer itself: no
    /// copy and no call through the writer per line.)
    fn commit(&mut self, start: usize) {
        if self.out.is_none() || self.truncated {
            self.line.truncate(start);
            return;
        }
        let size = (self.line.len() - start) as u64;
        if self.written + size > self.max_bytes {
            self.truncated = true;
            self.line.truncate(start);
            self.line.push_str(&format!("... trace truncated: more than {} bytes (--max-trace-bytes)\n", self.max_bytes));
            self.flush_out();
            return;
        }
        self.written += size;
        if self.line.len() >= OUT_CHUNK {
            self.flush_out();
        }
    }

    /// Writes the buffered lines out.
    fn flush_out(&mut self) {
        if let Some(out) = &mut self.out {
            let _ = out.write_all(self.line.as_bytes());
        }
        self.line.clear();
    }

    /// Before any other line: split calls still blocked into their `<unfinished ...>` part.
    fn show_unfinished(&mut self, m: &Machine<crate::Shims>, except: Option<ThreadId>) {
        if self.unshown == 0 || self.config.format != Format::Text {
            return;
        }
        let mut ids = std::mem::take(&mut self.unshown_ids);
        ids.clear();
        ids.extend(self.pending.iter().filter(|(t, p)| Some(**t) != except && !p.unfinished_shown).map(|(t, _)| *t));
        for &t in &ids {
            let mut line = std::mem::take(&mut self.line);
            let start = line.len();
            self.write_prefix(&mut line, m, t);
            let p = &self.pending[&t];
            // strace has printed `read(3, ` when the call blocks and then adds
            // ` <unfinished ...>`: two spaces when outputs follow (`read(3,  <unfinished ...>`),
            // one after the last argument (`write(4, "x", 1 <unfinished ...>`).
            let first_out = first_output(&p.sig);
            line.push_str(p.sig.name);
            line.push('(');
            let shown = line.len();
            args_into(&mut line, m, &p.sig, 0..first_out, p.raw(), None, &p.saved);
            if first_out < p.sig.args.len() && line.len() > shown {
                line.push_str(", ");
            }
            line.push_str(" <unfinished ...>\n");
            self.line = line;
            self.commit(start);
            if let Some(p) = self.pending.get_mut(&t) {
                p.unfinished_shown = true;
            }
            self.unshown -= 1;
        }
        self.unshown_ids = ids;
    }

    /// Decodes the output arguments (after the call) into the slots the inputs left empty.
    fn fill_outputs(
        &self,
        m: &Machine<crate::Shims>,
        sig: &Sig,
        raw: &[u64],
        ret: Option<i64>,
        inputs: Vec<Option<String>>,
    ) -> Vec<String> {
        let program = m.program();
        let fn_name = |v: u64| program.fn_index(v).map(|f| program.functions[f as usize].name.clone());
        inputs
            .into_iter()
            .zip(sig.args)
            .enumerate()
            .map(|(j, (i, &Shown(kind, k)))| {
                if address_only(sig, j, ret) {
                    return decode::ptr(raw.get(k).copied().unwrap_or(0));
                }
                i.unwrap_or_else(|| render_arg(kind, k, raw, ret, &m.memory, &fn_name))
            })
            .collect()
    }

    /// Appends the result: plain integers without going through `format!`.
    fn push_result(line: &mut String, ret: RetKind, value: Option<i64>, errno: Option<i64>, raw: &[u64]) {
        match (value, ret, errno) {
            (Some(v), RetKind::Int, None) if v >= 0 => decode::push_uint(line, v as u64),
            _ => line.push_str(&Self::result_text(ret, value, errno, raw)),
        }
    }

    fn result_text(ret: RetKind, value: Option<i64>, errno: Option<i64>, raw: &[u64]) -> String {
        match (value, ret) {
            (None, _) | (_, RetKind::None) => "?".to_string(),
            (Some(-1), _) if errno.is_some() => error_text(errno.unwrap_or(0)),
            (Some(v), RetKind::Ptr) => decode::ptr(v as u64),
            (Some(v), RetKind::Fcntl) => match raw.get(1).map(|c| *c as i32) {
                Some(3) => format!("{v:#x} (flags {})", decode::open_flags(v as u64)),
                Some(1) if v != 0 => format!("{v:#x} (flags {})", decode::flags(v as u64, decode::FD_FLAGS, "0")),
                _ => v.to_string(),
            },
            (Some(v), RetKind::Int) => v.to_string(),
        }
    }

    /// A call is about to run. Nothing is decoded yet: no call changes its own input buffers,
    /// so a call that does not block is decoded when it finishes, in one pass; one that blocks
    /// has its inputs decoded when it blocks, before other threads can change them.
    pub fn before_call(&mut self, m: &Machine<crate::Shims>, sig: Sig, raw: &[u64]) -> PendingCall {
        // As strace: a call entering closes another thread's open blocked line.
        self.show_unfinished(m, Some(m.active_thread()));
        let clock_before = self.config.timeline.then(|| m.current_clock());
        let mut args = [0u64; 8];
        let n = raw.len().min(8);
        args[..n].copy_from_slice(&raw[..n]);
        PendingCall { sig, raw: args, nraw: n, start_ns: m.observed_now(), start_step: m.steps(), clock_before }
    }

    /// Decodes the arguments known when the call began (all but its outputs).
    fn decode_inputs(m: &Machine<crate::Shims>, sig: &Sig, raw: &[u64]) -> Vec<Option<String>> {
        let program = m.program();
        let fn_name = |v: u64| program.fn_index(v).map(|f| program.functions[f as usize].name.clone());
        sig.args.iter().map(|&Shown(kind, i)| (!is_output(kind)).then(|| render_arg(kind, i, raw, None, &m.memory, &fn_name))).collect()
    }

    /// The call returned `value` (with `errno` for -1) without blocking.
    pub fn finished(&mut self, m: &Machine<crate::Shims>, call: PendingCall, value: Option<i64>, errno: Option<i64>) {
        if let Some(summary) = &mut self.summary {
            summary.record(call.sig.name, errno.is_some(), m.observed_now().saturating_sub(call.start_ns));
            return;
        }
        let t = m.active_thread();
        self.show_unfinished(m, Some(t));
        if self.config.format == Format::Text && !self.config.timeline {
            self.call_line(m, t, &call.sig, &call.raw[..call.nraw], value, errno, None, &[]);
            return;
        }
        let raw = call.raw[..call.nraw].to_vec();
        let inputs = Self::decode_inputs(m, &call.sig, &raw);
        let args = self.fill_outputs(m, &call.sig, &raw, value, inputs);
        self.complete(m, t, call.sig, raw, args, value, errno, (call.start_ns, call.start_step, call.clock_before), false, None);
    }

    /// The text line of a finished call, written straight into one reused buffer:
    /// `read(3, "abc", 16) = 3`, or `<... read resumed>"abc", 16) = 3` when its
    /// `<unfinished ...>` part was shown (`resumed_from`: the first argument still to show).
    #[allow(clippy::too_many_arguments)]
    fn call_line(
        &mut self,
        m: &Machine<crate::Shims>,
        t: ThreadId,
        sig: &Sig,
        raw: &[u64],
        value: Option<i64>,
        errno: Option<i64>,
        resumed_from: Option<usize>,
        saved: &[(usize, String)],
    ) {
        let mut line = std::mem::take(&mut self.line);
        let start = line.len();
        self.write_prefix(&mut line, m, t);
        let body = line.len();
        let from = match resumed_from {
            Some(k) => {
                line.push_str("<... ");
                line.push_str(sig.name);
                line.push_str(" resumed>");
                k
            }
            None => {
                line.push_str(sig.name);
                line.push('(');
                0
            }
        };
        args_into(&mut line, m, sig, from..sig.args.len(), raw, value, saved);
        line.push(')');
        let width = line.len() - body;
        line.push_str(&PADDING[..RESULT_COLUMN.saturating_sub(width)]);
        line.push_str(" = ");
        let errno = if value == Some(-1) { errno } else { None };
        Self::push_result(&mut line, sig.ret, value, errno, raw);
        line.push('\n');
        self.line = line;
        self.commit(start);
        self.seq += 1;
    }

    /// The call blocked the active thread.
    pub fn blocked(&mut self, m: &Machine<crate::Shims>, call: PendingCall) {
        let t = m.active_thread();
        let raw = &call.raw[..call.nraw];
        if self.summary.is_some() {
            // Only its name and start are needed; no line is ever shown.
            let p = Pending {
                sig: call.sig,
                raw: call.raw,
                nraw: call.nraw,
                saved: Vec::new(),
                start_ns: call.start_ns,
                start_step: call.start_step,
                unfinished_shown: true,
                clock_before: None,
            };
            if let Some(old) = self.pending.insert(t, p) {
                self.unshown -= usize::from(!old.unfinished_shown);
            }
            return;
        }
        let saved = call
            .sig
            .args
            .iter()
            .enumerate()
            .filter(|(_, s)| s.0.reads_input_memory())
            .map(|(j, &Shown(kind, i))| (j, render_arg(kind, i, raw, None, &m.memory, &|_| None)))
            .collect();
        let p = Pending {
            sig: call.sig,
            raw: call.raw,
            nraw: call.nraw,
            saved,
            start_ns: call.start_ns,
            start_step: call.start_step,
            unfinished_shown: false,
            clock_before: call.clock_before,
        };
        if let Some(old) = self.pending.insert(t, p) {
            self.unshown -= usize::from(!old.unfinished_shown);
        }
        self.unshown += 1;
    }

    /// A blocked call of the active thread finished with `value`.
    pub fn resumed(&mut self, m: &Machine<crate::Shims>, value: i64, errno: Option<i64>) {
        let t = m.active_thread();
        let Some(p) = self.pending.remove(&t) else { return };
        self.unshown -= usize::from(!p.unfinished_shown);
        if let Some(summary) = &mut self.summary {
            summary.record(p.sig.name, errno.is_some(), m.observed_now().saturating_sub(p.start_ns));
            return;
        }
        self.show_unfinished(m, Some(t));
        let resumed_from = p.unfinished_shown.then(|| first_output(&p.sig));
        if self.config.format == Format::Text && !self.config.timeline {
            self.call_line(m, t, &p.sig, p.raw(), Some(value), errno, resumed_from, &p.saved);
            return;
        }
        let inputs = (0..p.sig.args.len())
            .map(|j| {
                (!is_output(p.sig.args[j].0)).then(|| {
                    let mut s = String::new();
                    arg_into(&mut s, m, &p.sig, j, p.raw(), None, &p.saved);
                    s
                })
            })
            .collect();
        let args = self.fill_outputs(m, &p.sig, p.raw(), Some(value), inputs);
        let raw = p.raw().to_vec();
        self.complete(m, t, p.sig, raw, args, Some(value), errno, (p.start_ns, p.start_step, p.clock_before), true, resumed_from);
    }

    #[allow(clippy::too_many_arguments)]
    fn complete(
        &mut self,
        m: &Machine<crate::Shims>,
        t: ThreadId,
        sig: Sig,
        raw: Vec<u64>,
        args: Vec<String>,
        value: Option<i64>,
        errno: Option<i64>,
        start: (u64, u64, Option<VClock>),
        blocked: bool,
        resumed_from: Option<usize>,
    ) {
        let (start_ns, start_step, clock_before) = start;
        let errno = if value == Some(-1) { errno } else { None };
        let (own_time, acquired) = match (clock_before, m.clock_index_of(t)) {
            (Some(before), Some(me)) => {
                let after = m.current_clock();
                let me_idx = VectorIdx(me as u32);
                let own = (before.get(me_idx) != after.get(me_idx)).then(|| (before.get(me_idx), after.get(me_idx)));
                let gained = after
                    .as_slice()
                    .iter()
                    .enumerate()
                    .filter(|&(i, &time)| i != me && time > before.get(VectorIdx(i as u32)))
                    .filter_map(|(i, &time)| m.thread_of_clock_index(i).map(|th| (th, time)))
                    .collect();
                (own, gained)
            }
            _ => (None, Vec::new()),
        };
        let result = Self::result_text(sig.ret, value, errno, &raw);
        self.seq += 1;
        let ev = CallEvent {
            seq: self.seq,
            tid: t,
            thread: m.thread_name(t).to_string(),
            call: sig.name.to_string(),
            args,
            raw,
            result: value,
            errno: errno.and_then(crate::consts::errno_name).map(str::to_string),
            start_ns,
            end_ns: m.observed_now(),
            start_step,
            end_step: m.steps(),
            blocked,
            own_time,
            acquired,
        };
        match self.config.format {
            Format::Text => {
                let prefix = self.prefix(m, t);
                // Arguments that show nothing (fcntl's absent third) are left out.
                let join = |a: &[String]| a.iter().filter(|x| !x.is_empty()).cloned().collect::<Vec<_>>().join(", ");
                let body = match resumed_from {
                    Some(k) => format!("<... {} resumed>{})", sig.name, join(&ev.args[k..])),
                    None => format!("{}({})", sig.name, join(&ev.args)),
                };
                let pad = RESULT_COLUMN.saturating_sub(body.len());
                let line = format!("{prefix}{body}{:pad$} = {result}", "");
                self.emit_line(&line);
            }
            Format::Json => {
                let line = json_call(&ev);
                self.emit_line(&line);
            }
        }
        // Events are kept for the timeline only: a long traced run must not grow without bound.
        if self.config.timeline {
            let size = std::mem::size_of::<CallEvent>()
                + ev.call.len()
                + ev.thread.len()
                + ev.args.iter().map(|a| a.len() + 24).sum::<usize>()
                + ev.raw.len() * 8;
            if self.record(size) {
                self.events.push(ev);
            }
        }
    }

    /// Counts `size` bytes of recorded events against `max_bytes`; false once they are spent.
    fn record(&mut self, size: usize) -> bool {
        if self.recorded.saturating_add(size as u64) > self.max_bytes {
            self.events_truncated = true;
            return false;
        }
        self.recorded += size as u64;
        true
    }

    /// Whether this tracer records a timeline.
    pub fn wants_timeline(&self) -> bool {
        self.config.timeline
    }

    /// The scheduler switched to thread `t`.
    pub fn scheduled(&mut self, m: &Machine<crate::Shims>, t: ThreadId) {
        if self.config.timeline && self.record(16) {
            self.scheduled.push((m.observed_now(), t));
        }
    }

    /// The timeline of the run so far (Chrome trace-event JSON).
    pub fn timeline(&self, m: &Machine<crate::Shims>) -> String {
        let thread_names = (0..m.thread_count()).map(|t| m.thread_name(t).to_string()).collect();
        timeline::render(&timeline::TimelineInput {
            calls: &self.events,
            scheduled: &self.scheduled,
            thread_names,
            end_ns: m.observed_now(),
        })
    }

    /// A thread's function returned.
    pub fn thread_exited(&mut self, m: &Machine<crate::Shims>, t: ThreadId, value: u64) {
        if self.summary.is_some() {
            return;
        }
        self.show_unfinished(m, None);
        match self.config.format {
            Format::Text => {
                let line = format!("{}+++ exited with {} +++", self.prefix(m, t), value as i64);
                self.emit_line(&line);
            }
            Format::Json => {
                let line = format!(
                    "{{\"event\":\"thread_exit\",\"tid\":{t},\"thread\":{},\"value\":{},\"time_ns\":{},\"step\":{}}}",
                    json_str(m.thread_name(t)),
                    value as i64,
                    m.observed_now(),
                    m.steps()
                );
                self.emit_line(&line);
            }
        }
    }

    /// A line that is not a call, on thread `t` (`--- SIGUSR1 {...} ---`, `rt_sigreturn(...)`).
    pub fn event_line(&mut self, m: &Machine<crate::Shims>, t: ThreadId, text: &str) {
        if self.summary.is_some() {
            return;
        }
        self.show_unfinished(m, None);
        match self.config.format {
            Format::Text => {
                let line = format!("{}{text}", self.prefix(m, t));
                self.emit_line(&line);
            }
            Format::Json => {
                let line = format!(
                    "{{\"event\":\"signal\",\"tid\":{t},\"thread\":{},\"text\":{},\"time_ns\":{},\"step\":{}}}",
                    json_str(m.thread_name(t)),
                    json_str(text),
                    m.observed_now(),
                    m.steps()
                );
                self.emit_line(&line);
            }
        }
    }

    /// The active thread's blocked call was interrupted and will be made again (strace's
    /// `= ? ERESTARTSYS (To be restarted if SA_RESTART is set)`).
    pub fn restarted(&mut self, m: &Machine<crate::Shims>) {
        let t = m.active_thread();
        let Some(p) = self.pending.remove(&t) else { return };
        self.unshown -= usize::from(!p.unfinished_shown);
        if self.summary.is_some() {
            return;
        }
        self.show_unfinished(m, Some(t));
        let mut head = String::new();
        let from = if p.unfinished_shown {
            head.push_str("<... ");
            head.push_str(p.sig.name);
            head.push_str(" resumed>");
            first_output(&p.sig)
        } else {
            head.push_str(p.sig.name);
            head.push('(');
            0
        };
        args_into(&mut head, m, &p.sig, from..p.sig.args.len(), p.raw(), None, &p.saved);
        head.push(')');
        self.event_line(m, t, &with_result(&head, "? ERESTARTSYS (To be restarted if SA_RESTART is set)"));
    }

    /// The run ended: blocked calls stay unfinished; the last line says how it ended.
    pub fn ended(&mut self, m: &Machine<crate::Shims>, how: &str) {
        let killed = self.killed_by.take().map(|sig| format!("killed by {sig}"));
        let how = killed.as_deref().unwrap_or(how);
        if let Some(summary) = &self.summary {
            // strace -c: the table alone (calls still blocked are not counted, as in strace).
            let table = summary.table();
            for line in table.lines() {
                self.emit_line(line);
            }
            self.flush_out();
            if let Some(out) = &mut self.out {
                let _ = out.flush();
            }
            return;
        }
        self.show_unfinished(m, None);
        match self.config.format {
            Format::Text => {
                // The process's end, like strace's last line: no thread prefix.
                let time = if self.config.time {
                    format!("{}.{:09} ", m.observed_now() / 1_000_000_000, m.observed_now() % 1_000_000_000)
                } else {
                    String::new()
                };
                let line = format!("{time}+++ {how} +++");
                self.emit_line(&line);
            }
            Format::Json => {
                let line =
                    format!("{{\"event\":\"end\",\"how\":{},\"time_ns\":{},\"step\":{}}}", json_str(how), m.observed_now(), m.steps());
                self.emit_line(&line);
            }
        }
        self.flush_out();
        if let Some(out) = &mut self.out {
            let _ = out.flush();
        }
    }
}

/// Lines not written when the tracer goes (a run that ended without `ended`) are written then.
impl Drop for Tracer {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            self.flush_out();
            if let Some(out) = &mut self.out {
                let _ = out.flush();
            }
        }
    }
}

/// A call's inputs, decoded before it ran.
pub struct PendingCall {
    sig: Sig,
    /// The arguments, without allocating (no call takes more than 8).
    raw: [u64; 8],
    nraw: usize,
    start_ns: u64,
    start_step: u64,
    clock_before: Option<VClock>,
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_call(ev: &CallEvent) -> String {
    let args: Vec<String> = ev.args.iter().map(|a| json_str(a)).collect();
    let raw: Vec<String> = ev.raw.iter().map(|r| r.to_string()).collect();
    format!(
        "{{\"event\":\"call\",\"seq\":{},\"tid\":{},\"thread\":{},\"call\":{},\"args\":[{}],\"raw\":[{}],\"result\":{},\"errno\":{},\"start_ns\":{},\"time_ns\":{},\"start_step\":{},\"step\":{},\"blocked\":{}}}",
        ev.seq,
        ev.tid,
        json_str(&ev.thread),
        json_str(&ev.call),
        args.join(","),
        raw.join(","),
        ev.result.map_or("null".to_string(), |r| r.to_string()),
        ev.errno.as_deref().map_or("null".to_string(), json_str),
        ev.start_ns,
        ev.end_ns,
        ev.start_step,
        ev.end_step,
        ev.blocked
    )
}
