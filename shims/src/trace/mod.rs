//! The syscall trace, recorded at the shim boundary: every foreign call with its decoded
//! arguments and result, in strace's conventions, as text or JSON lines.
//!
//! A call that blocks is shown the way `strace -f` shows it: if another thread's line comes
//! before it finishes, it is split into `read(3, <unfinished ...>` and
//! `<... read resumed> "abc", 16) = 3`; if nothing comes in between, it is one line.
//! Tracing only reads: it never changes what the guest sees or the schedule.

pub mod decode;
pub mod filter;
pub mod glibc;
pub mod sockopt_names;
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

/// What the fds of a call name (`readlink("/proc/self/fd/N")`), for strace's `-y`: those its
/// arguments name when it begins, and those it returns when it finishes. An fd that is not
/// open is not listed, and is shown as a bare number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdLinks {
    pub before: Vec<(i32, Vec<u8>)>,
    pub after: Vec<(i32, Vec<u8>)>,
}

/// `AT_FDCWD`, which `-y` annotates with the working directory (`AT_FDCWD</>`).
pub const AT_FDCWD: i32 = -100;

fn link_of(list: &[(i32, Vec<u8>)], fd: i32) -> Option<&[u8]> {
    list.iter().find(|(f, _)| *f == fd).map(|(_, l)| l.as_slice())
}

/// The fds whose links `-y` shows among a call's arguments when it begins: its fd arguments,
/// `AT_FDCWD`, and the fds of `poll`'s array (as many as are shown).
pub fn fds_in(sig: &Sig, raw: &[u64], mem: &spindle_vm::memory::Memory) -> Vec<i32> {
    use crate::abi::{Layout, Pollfd};
    let mut fds = Vec::new();
    for &Shown(kind, i) in sig.args {
        let v = raw.get(i).copied().unwrap_or(0);
        match kind {
            Arg::Fd | Arg::AtFd => fds.push(v as i32),
            Arg::Lit("AT_FDCWD") => fds.push(AT_FDCWD),
            Arg::PollfdsIn if v != 0 => {
                let n = raw.get(i + 1).map_or(0, |n| *n as u32 as u64).min(decode::string_limit() as u64);
                fds.extend((0..n).map_while(|k| Pollfd::peek(mem, v.wrapping_add(Pollfd::SIZE * k))).map(|p| p.fd).filter(|fd| *fd >= 0));
            }
            // The three sets at once, at the first.
            Arg::FdSet if i == 1 => fds.extend(decode::fd_set_fds(mem, raw)),
            _ => {}
        }
    }
    fds
}

/// The fds a call returned, whose links `-y` shows: its result if it is a new fd (`dup`,
/// `fcntl(F_DUPFD)`), and the pair `pipe2` and `socketpair` write.
pub fn fds_out(sig: &Sig, raw: &[u64], ret: i64, mem: &spindle_vm::memory::Memory) -> Vec<i32> {
    use crate::abi::{FdPair, Layout};
    let mut fds = Vec::new();
    if ret >= 0 && returns_fd(sig, raw) {
        fds.push(ret as i32);
    }
    for &Shown(kind, i) in sig.args {
        if let (Arg::IntPairOut, 0) = (kind, ret) {
            if let Some(p) = FdPair::peek(mem, raw.get(i).copied().unwrap_or(0)) {
                fds.extend([p.first, p.second]);
            }
        }
    }
    fds
}

/// Whether the call's result is a new fd: `RetKind::Fd`, or `fcntl`'s `F_DUPFD` and
/// `F_DUPFD_CLOEXEC`.
fn returns_fd(sig: &Sig, raw: &[u64]) -> bool {
    sig.ret == RetKind::Fd || (sig.ret == RetKind::Fcntl && matches!(raw.get(1).map(|c| *c as i32), Some(0 | 1030)))
}

/// Appends argument `kind` the way `-y` shows it, if it names fds (with `links`); false if the
/// argument names none and is shown as without `-y`.
fn linked_arg_into(
    out: &mut String,
    kind: Arg,
    i: usize,
    raw: &[u64],
    ret: Option<i64>,
    mem: &spindle_vm::memory::Memory,
    links: &FdLinks,
) -> bool {
    use crate::abi::{FdPair, Layout};
    let v = raw.get(i).copied().unwrap_or(0);
    let fd_into = |out: &mut String, fd: i32, list: &[(i32, Vec<u8>)]| {
        decode::push_int(out, fd as i64);
        if let Some(l) = link_of(list, fd) {
            decode::push_fd_link(out, l);
        }
    };
    match kind {
        Arg::Fd => fd_into(out, v as i32, &links.before),
        Arg::AtFd | Arg::Lit("AT_FDCWD") => {
            let fd = if matches!(kind, Arg::Lit(_)) { AT_FDCWD } else { v as i32 };
            if fd == AT_FDCWD {
                out.push_str("AT_FDCWD");
                if let Some(l) = link_of(&links.before, fd) {
                    decode::push_fd_link(out, l);
                }
            } else {
                fd_into(out, fd, &links.before);
            }
        }
        Arg::IntPairOut => match (ret, FdPair::peek(mem, v)) {
            (Some(0), Some(p)) => {
                out.push('[');
                fd_into(out, p.first, &links.after);
                out.push_str(", ");
                fd_into(out, p.second, &links.after);
                out.push(']');
            }
            _ => return false,
        },
        Arg::PollfdsIn if v != 0 => {
            let n = raw.get(i + 1).map_or(0, |n| *n as u32 as u64);
            out.push_str(&decode::pollfds_linked(mem, v, n, &|fd| link_of(&links.before, fd).map(<[u8]>::to_vec)));
        }
        Arg::FdSet => {
            let nfds = raw.first().map_or(0, |n| *n as i32);
            out.push_str(&decode::fd_set_linked(mem, v, nfds, &|fd| link_of(&links.before, fd).map(<[u8]>::to_vec)));
        }
        _ => return false,
    }
    true
}

/// A call that blocked and has not finished.
struct Pending {
    sig: Sig,
    raw: [u64; 8],
    nraw: usize,
    /// `-y`'s links (`None` without `-y`).
    links: Option<Box<FdLinks>>,
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
    /// The line of a call that ends without returning (interrupted, restarted, killed), up to
    /// its result: `read(3, …)` whole, or `<... read resumed>…)` when its first part was shown.
    fn ended_head(&self, m: &Machine<crate::Shims>) -> String {
        let mut head = String::new();
        let from = if self.unfinished_shown {
            head.push_str("<... ");
            head.push_str(self.sig.name);
            head.push_str(" resumed>");
            first_output(&self.sig)
        } else {
            head.push_str(self.sig.name);
            head.push('(');
            0
        };
        args_into(&mut head, m, &self.sig, from..self.sig.args.len(), self.raw(), None, &self.saved, self.links.as_deref());
        head.push(')');
        head
    }

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
    /// strace's `-y`: every fd argument and fd result is followed by what it names
    /// (`3<pipe:[12]>`); the shims give the links ([`PendingCall::set_fd_links`]).
    pub show_fds: bool,
    /// The signal that ended the process, if one did: the last line says so, as strace's
    /// `+++ killed by SIGTERM +++`.
    pub(crate) killed_by: Option<String>,
    /// The action `signal` replaced, which its line shows as `rt_sigaction`'s old action: the
    /// shim gives it ([`Tracer::note_old_action`]) before the call's line is written.
    old_action: Option<String>,
    /// Per thread: the `siginfo_t` the kernel wrote for its `sigtimedwait`/`sigwaitinfo`, when
    /// glibc's wrapper changed it before the guest could read it (`SI_TKILL` shown as
    /// `SI_USER`): strace shows the kernel's ([`Tracer::note_siginfo`]).
    noted_siginfo: BTreeMap<ThreadId, String>,
    /// Per thread (by id): how its last traced call ended, and, for each handler running on
    /// it, how the call it interrupted ended — what `rt_sigreturn` returns (strace shows it).
    ends: Vec<ThreadEnds>,
    /// The active call makes no system call of its own: no line ([`Tracer::no_system_call`]).
    hidden: bool,
    /// The active call's first argument of this kind shows this text ([`Tracer::note_arg`]).
    noted_arg: Option<(Arg, String)>,
    /// Per thread, the `--- SIG… ---` lines of signals it ignores that strace would show
    /// ([`Tracer::ignored_signal`]), until it next returns to its own code.
    ignored: BTreeMap<ThreadId, Vec<String>>,
    /// Lines that come after the active thread's call: those of a process a signal it sent
    /// killed ([`Tracer::killed`]).
    deferred: Vec<(ThreadId, String)>,
}

/// How a call ended, for the `rt_sigreturn` after a handler.
#[derive(Clone, Copy, Debug)]
enum CallEnd {
    /// Returned a value (with its errno when -1).
    Value(i64, Option<i64>),
    /// Interrupted and made again (`SA_RESTART`): `rt_sigreturn` returns its system call's
    /// number, which the kernel put back to make it again.
    Restarted(&'static str),
}

#[derive(Clone, Debug, Default)]
struct ThreadEnds {
    last: Option<CallEnd>,
    handlers: Vec<Option<CallEnd>>,
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
            | Arg::IntOut
            | Arg::IoctlArg(_)
            | Arg::WaitStatusOut
            | Arg::SigsetOut
            | Arg::SigactionOut(_)
            | Arg::SignalOldAction
            | Arg::SiginfoOut
            | Arg::GlibcSiginfo
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
    ret == Some(-1)
        && matches!(sig.ret, RetKind::Int | RetKind::Fd | RetKind::Poll | RetKind::Select)
        && sig.args[j].0.reads_input_memory()
        && j > first_output(sig)
}

/// Appends argument `j` of `sig`: its saved text if it was decoded when the call blocked.
#[allow(clippy::too_many_arguments)]
fn arg_into(
    line: &mut String,
    m: &Machine<crate::Shims>,
    sig: &Sig,
    j: usize,
    raw: &[u64],
    ret: Option<i64>,
    saved: &[(usize, String)],
    links: Option<&FdLinks>,
) {
    if address_only(sig, j, ret) {
        line.push_str(&decode::ptr(raw.get(sig.args[j].1).copied().unwrap_or(0)));
        return;
    }
    if let Some((_, text)) = saved.iter().find(|(k, _)| *k == j) {
        line.push_str(text);
        return;
    }
    let Shown(kind, i) = sig.args[j];
    if let Some(links) = links {
        if linked_arg_into(line, kind, i, raw, ret, &m.memory, links) {
            return;
        }
    }
    let program = m.program();
    let fn_name = |v: u64| program.fn_index(v).map(|f| program.functions[f as usize].name.clone());
    decode::render_arg_into(line, kind, i, raw, ret, &m.memory, &fn_name);
}

/// Appends the arguments at positions `range`, separated by `, `; an argument that shows
/// nothing (fcntl's absent third) is left out with its separator.
#[allow(clippy::too_many_arguments)]
fn args_into(
    line: &mut String,
    m: &Machine<crate::Shims>,
    sig: &Sig,
    range: std::ops::Range<usize>,
    raw: &[u64],
    ret: Option<i64>,
    saved: &[(usize, String)],
    links: Option<&FdLinks>,
) {
    let mut first = true;
    for j in range {
        let mark = line.len();
        if !first {
            line.push_str(", ");
        }
        let before = line.len();
        arg_into(line, m, sig, j, raw, ret, saved, links);
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

/// The texts of the arguments a call overwrites, from the bytes they held when it began
/// ([`PendingCall::snapshot`]), with `-y`'s links.
fn snapshot_texts(sig: &Sig, raw: &[u64], snapshot: Option<&Snapshot>, links: Option<&FdLinks>) -> Vec<(usize, String)> {
    let Some(snapshot) = snapshot else { return Vec::new() };
    let nfds = raw.first().map_or(0, |n| *n as i32);
    snapshot
        .iter()
        .map(|(j, bytes)| {
            let v = raw.get(sig.args[*j].1).copied().unwrap_or(0);
            let link = |fd: i32| links.and_then(|l| link_of(&l.before, fd)).map(<[u8]>::to_vec);
            (*j, decode::fd_set_from(bytes.as_deref(), v, nfds, &link))
        })
        .collect()
}

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
            show_fds: false,
            killed_by: None,
            old_action: None,
            noted_siginfo: BTreeMap::new(),
            ends: Vec::new(),
            hidden: false,
            noted_arg: None,
            ignored: BTreeMap::new(),
            deferred: Vec::new(),
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
            args_into(&mut line, m, &p.sig, 0..first_out, p.raw(), None, &p.saved, p.links.as_deref());
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
        links: Option<&FdLinks>,
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
                i.unwrap_or_else(|| {
                    let mut s = String::new();
                    if links.is_some_and(|l| linked_arg_into(&mut s, kind, k, raw, ret, &m.memory, l)) {
                        return s;
                    }
                    render_arg(kind, k, raw, ret, &m.memory, &fn_name)
                })
            })
            .collect()
    }

    /// Appends the result: plain integers without going through `format!`.
    #[allow(clippy::too_many_arguments)]
    fn push_result(
        line: &mut String,
        sig: &Sig,
        value: Option<i64>,
        errno: Option<i64>,
        raw: &[u64],
        links: Option<&FdLinks>,
        mem: &spindle_vm::memory::Memory,
        elapsed_ns: u64,
    ) {
        match (value, sig.ret, errno) {
            (Some(v), RetKind::Int | RetKind::Fd | RetKind::Poll | RetKind::Select, None) if v >= 0 => decode::push_uint(line, v as u64),
            _ => line.push_str(&Self::result_text(sig, value, errno, raw)),
        }
        Self::result_link(line, sig, value, errno, raw, links);
        Self::result_suffix(line, sig, value, errno, raw, mem, elapsed_ns);
    }

    /// What strace adds after a poll's count: the entries with `revents`
    /// (`2 ([{fd=3, revents=POLLIN}, {fd=4, revents=POLLOUT}])`), ppoll's time left
    /// (`, left {tv_sec=0, tv_nsec=5000}`: its timeout less the virtual time the call took), or
    /// ` (Timeout)` for 0.
    fn result_suffix(
        line: &mut String,
        sig: &Sig,
        value: Option<i64>,
        errno: Option<i64>,
        raw: &[u64],
        mem: &spindle_vm::memory::Memory,
        elapsed_ns: u64,
    ) {
        use crate::abi::{Layout, Timespec};
        if let (RetKind::Select, Some(v), None) = (sig.ret, value, errno) {
            return Self::select_suffix(line, sig, v, raw, mem, elapsed_ns);
        }
        let (RetKind::Poll, Some(v), None) = (sig.ret, value, errno) else { return };
        match v {
            0 => line.push_str(" (Timeout)"),
            v if v > 0 => {
                let arg = |k: usize| raw.get(k).copied().unwrap_or(0);
                line.push_str(" (");
                line.push_str(&decode::pollfds_revents(mem, arg(0), arg(1) as u32 as u64));
                // ppoll's timeout is its third argument (poll's is an `int` of milliseconds).
                if sig.args.get(2).is_some_and(|s| matches!(s.0, Arg::TimespecIn)) && arg(2) != 0 {
                    if let Some(ts) = Timespec::peek(mem, arg(2)) {
                        let total = (ts.sec as i128 * 1_000_000_000 + ts.nsec as i128 - elapsed_ns as i128).max(0);
                        line.push_str(&format!(", left {{tv_sec={}, tv_nsec={}}}", total / 1_000_000_000, total % 1_000_000_000));
                    }
                }
                line.push(')');
            }
            _ => {}
        }
    }

    /// What strace adds after `select`'s and `pselect6`'s count: ` (Timeout)` for 0, else the
    /// fds of the result sets and the time left (`1 (in [3], left {tv_sec=0, tv_nsec=5000})`):
    /// the timeout less the virtual time the call took, to the nanosecond, as the kernel writes
    /// it to the timespec glibc passes (`select` writes back only microseconds).
    fn select_suffix(line: &mut String, sig: &Sig, v: i64, raw: &[u64], mem: &spindle_vm::memory::Memory, elapsed_ns: u64) {
        use crate::abi::{Layout, Timespec, Timeval};
        if v == 0 {
            line.push_str(" (Timeout)");
            return;
        }
        if v < 0 {
            return;
        }
        line.push_str(" (");
        let sets = decode::fd_sets_result(mem, raw, v);
        line.push_str(&sets);
        let t = raw.get(4).copied().unwrap_or(0);
        let left = match sig.args.get(4).map(|s| s.0) {
            Some(Arg::TimespecIn) if t != 0 => {
                Timespec::peek(mem, t).map(|ts| (ts.sec as i128 * 1_000_000_000 + ts.nsec as i128 - elapsed_ns as i128).max(0))
            }
            // The kernel's time left is the timespec glibc passed less the time the call took,
            // which glibc then cut to the microsecond it writes back: the timeout (a whole
            // number of microseconds) is the one multiple of 1000 ns within 999 ns above what
            // was written back plus the time taken.
            Some(Arg::TimevalAsTimespec) if t != 0 => Timeval::peek(mem, t).map(|tv| {
                let written = tv.sec as i128 * 1_000_000_000 + tv.usec as i128 * 1000;
                let timeout = (written + elapsed_ns as i128 + 999) / 1000 * 1000;
                (timeout - elapsed_ns as i128).max(0)
            }),
            _ => None,
        };
        if let Some(left) = left {
            if !sets.is_empty() {
                line.push_str(", ");
            }
            line.push_str(&format!("left {{tv_sec={}, tv_nsec={}}}", left / 1_000_000_000, left % 1_000_000_000));
        }
        line.push(')');
    }

    /// With `-y`, what a returned fd names: `= 3<pipe:[12]>`.
    fn result_link(line: &mut String, sig: &Sig, value: Option<i64>, errno: Option<i64>, raw: &[u64], links: Option<&FdLinks>) {
        if let (Some(links), Some(v), None) = (links, value, errno) {
            if v >= 0 && returns_fd(sig, raw) {
                if let Some(l) = link_of(&links.after, v as i32) {
                    decode::push_fd_link(line, l);
                }
            }
        }
    }

    fn result_text(sig: &Sig, value: Option<i64>, errno: Option<i64>, raw: &[u64]) -> String {
        match (value, sig.ret) {
            (None, _) | (_, RetKind::None) => "?".to_string(),
            // A handler interrupted it: strace shows the kernel's restart code.
            (Some(-1), _) if errno == Some(crate::consts::errno::EINTR) => match decode::interrupted_text(sig.name, raw) {
                Some(text) => text.to_string(),
                None => error_text(crate::consts::errno::EINTR),
            },
            (Some(-1), _) if errno.is_some() => error_text(errno.unwrap_or(0)),
            (Some(_), RetKind::Status) => "0".to_string(),
            (Some(v), RetKind::Signal) if v > 0 => format!("{v} ({})", decode::signal_name(v)),
            (Some(v), RetKind::Signal) => v.to_string(),
            (Some(v), RetKind::Ptr) => decode::ptr(v as u64),
            (Some(v), RetKind::Fcntl) => match raw.get(1).map(|c| *c as i32) {
                Some(3) => format!("{v:#x} (flags {})", decode::open_flags(v as u64)),
                Some(1) if v != 0 => format!("{v:#x} (flags {})", decode::flags(v as u64, decode::FD_FLAGS, "0")),
                _ => v.to_string(),
            },
            (Some(v), RetKind::Int | RetKind::Fd | RetKind::Poll | RetKind::Select | RetKind::Errno) => v.to_string(),
            (Some(v), RetKind::SigwaitSignal) => v.to_string(),
        }
    }

    /// A call is about to run. Nothing is decoded yet: no call changes its own input buffers,
    /// so a call that does not block is decoded when it finishes, in one pass; one that blocks
    /// has its inputs decoded when it blocks, before other threads can change them.
    pub fn before_call(&mut self, m: &Machine<crate::Shims>, sig: Sig, raw: &[u64], caller_pid: i64) -> PendingCall {
        if !self.ignored.is_empty() || !self.deferred.is_empty() {
            self.flush_ignored(m, m.active_thread());
        }
        // A call entering closes another thread's open blocked line, as in strace: when it
        // finishes or blocks (a call glibc refuses makes no system call and shows nothing).
        self.hidden = false;
        self.noted_arg = None;
        let clock_before = self.config.timeline.then(|| m.current_clock());
        let mut args = [0u64; 8];
        let n = raw.len().min(8);
        args[..n].copy_from_slice(&raw[..n]);
        decode::set_caller(m.active_thread() as u64, caller_pid);
        // `select`'s sets are inputs the call overwrites with its result: kept as they are now.
        let snapshot = (sig.ret == RetKind::Select).then(|| {
            let nfds = raw.first().map_or(0, |n| *n as i32);
            let words = (nfds.max(0) as u64).div_ceil(64);
            Box::new(
                sig.args
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.0.overwritten_by_call())
                    .map(|(j, &Shown(_, i))| {
                        let v = raw.get(i).copied().unwrap_or(0);
                        (j, m.memory.slice(v, words * 8).ok().filter(|_| v != 0).map(<[u8]>::to_vec))
                    })
                    .collect(),
            )
        });
        PendingCall { sig, raw: args, nraw: n, start_ns: m.observed_now(), start_step: m.steps(), clock_before, links: None, snapshot }
    }

    /// With `-y`, the fds whose links a blocked call of thread `t` that returned `ret` shows
    /// ([`fds_out`]).
    pub fn pending_fds_out(&self, t: ThreadId, ret: i64, mem: &spindle_vm::memory::Memory) -> Vec<i32> {
        match self.pending.get(&t) {
            Some(p) if self.show_fds => fds_out(&p.sig, p.raw(), ret, mem),
            _ => Vec::new(),
        }
    }

    /// With `-y`, the links of the fds a blocked call of thread `t` returned.
    pub fn set_pending_links_after(&mut self, t: ThreadId, after: Vec<(i32, Vec<u8>)>) {
        if let Some(p) = self.pending.get_mut(&t) {
            p.links.get_or_insert_with(Default::default).after = after;
        }
    }

    /// Decodes the arguments known when the call began (all but its outputs).
    fn decode_inputs(m: &Machine<crate::Shims>, sig: &Sig, raw: &[u64], links: Option<&FdLinks>) -> Vec<Option<String>> {
        let program = m.program();
        let fn_name = |v: u64| program.fn_index(v).map(|f| program.functions[f as usize].name.clone());
        sig.args
            .iter()
            .map(|&Shown(kind, i)| {
                (!is_output(kind)).then(|| {
                    let mut s = String::new();
                    if links.is_some_and(|l| linked_arg_into(&mut s, kind, i, raw, None, &m.memory, l)) {
                        return s;
                    }
                    render_arg(kind, i, raw, None, &m.memory, &fn_name)
                })
            })
            .collect()
    }

    /// The call returned `value` (with `errno` for -1) without blocking.
    pub fn finished(&mut self, m: &Machine<crate::Shims>, mut call: PendingCall, value: Option<i64>, errno: Option<i64>) {
        let t = m.active_thread();
        let noted = self.noted_siginfo.remove(&t);
        if std::mem::take(&mut self.hidden) {
            return;
        }
        let (value, errno, ret) = call.sig.ret.as_system_call(value, errno, call.raw(), &m.memory);
        call.sig.ret = ret;
        if let Some(v) = value {
            self.record_end(t, CallEnd::Value(v, errno));
        }
        if let Some(summary) = &mut self.summary {
            summary.record(call.sig.name, errno.is_some(), m.observed_now().saturating_sub(call.start_ns));
            return;
        }
        self.show_unfinished(m, Some(t));
        let links = call.links.as_deref();
        let mut saved = snapshot_texts(&call.sig, call.raw(), call.snapshot.as_deref(), links);
        saved.extend(noted_siginfo_arg(&call.sig, noted));
        if let Some((kind, text)) = self.noted_arg.take() {
            if let Some(j) = call.sig.args.iter().position(|a| std::mem::discriminant(&a.0) == std::mem::discriminant(&kind)) {
                saved.push((j, text));
            }
        }
        let old_action =
            if call.sig.ret == RetKind::Status { call.sig.args.iter().position(|s| matches!(s.0, Arg::SignalOldAction)) } else { None };
        if let Some(j) = old_action {
            if let (Some(text), Some(v)) = (self.old_action.take(), value) {
                // `signal` returns the old handler, or `SIG_ERR` (-1) if it failed.
                if v != -1 {
                    saved.push((j, text));
                }
            }
        }
        if self.config.format == Format::Text && !self.config.timeline {
            let elapsed = m.observed_now().saturating_sub(call.start_ns);
            self.call_line(m, t, &call.sig, &call.raw[..call.nraw], value, errno, None, &saved, links, elapsed);
            return;
        }
        let raw = call.raw[..call.nraw].to_vec();
        let mut inputs = Self::decode_inputs(m, &call.sig, &raw, links);
        for (j, text) in &saved {
            if !is_output(call.sig.args[*j].0) {
                inputs[*j] = Some(text.clone());
            }
        }
        let mut args = self.fill_outputs(m, &call.sig, &raw, value, inputs, links);
        for (j, text) in saved {
            args[j] = text;
        }
        let start = (call.start_ns, call.start_step, call.clock_before);
        self.complete(m, t, call.sig, raw, args, value, errno, start, false, None, links);
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
        links: Option<&FdLinks>,
        elapsed_ns: u64,
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
        args_into(&mut line, m, sig, from..sig.args.len(), raw, value, saved, links);
        line.push(')');
        let width = line.len() - body;
        line.push_str(&PADDING[..RESULT_COLUMN.saturating_sub(width)]);
        line.push_str(" = ");
        let errno = if value == Some(-1) { errno } else { None };
        Self::push_result(&mut line, sig, value, errno, raw, links, &m.memory, elapsed_ns);
        line.push('\n');
        self.line = line;
        self.commit(start);
        self.seq += 1;
    }

    /// The call blocked the active thread.
    pub fn blocked(&mut self, m: &Machine<crate::Shims>, call: PendingCall) {
        let t = m.active_thread();
        self.hidden = false;
        self.show_unfinished(m, Some(t));
        let raw = &call.raw[..call.nraw];
        if self.summary.is_some() {
            // Only its name and start are needed; no line is ever shown.
            let p = Pending {
                sig: call.sig,
                raw: call.raw,
                nraw: call.nraw,
                links: None,
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
        let mut saved = snapshot_texts(&call.sig, raw, call.snapshot.as_deref(), call.links.as_deref());
        for (j, &Shown(kind, i)) in call.sig.args.iter().enumerate() {
            if !kind.reads_input_memory() || saved.iter().any(|(k, _)| *k == j) {
                continue;
            }
            let mut text = String::new();
            if !call.links.as_deref().is_some_and(|l| linked_arg_into(&mut text, kind, i, raw, None, &m.memory, l)) {
                text = render_arg(kind, i, raw, None, &m.memory, &|_| None);
            }
            saved.push((j, text));
        }
        let p = Pending {
            sig: call.sig,
            raw: call.raw,
            nraw: call.nraw,
            links: call.links,
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
        let noted = self.noted_siginfo.remove(&t);
        let Some(mut p) = self.pending.remove(&t) else { return };
        let (value, errno) = {
            let (value, errno, ret) = p.sig.ret.as_system_call(Some(value), errno, p.raw(), &m.memory);
            p.sig.ret = ret;
            (value.unwrap_or_default(), errno)
        };
        let noted = noted_siginfo_arg(&p.sig, noted);
        p.saved.extend(noted.clone());
        self.unshown -= usize::from(!p.unfinished_shown);
        self.record_end(t, CallEnd::Value(value, errno));
        if let Some(summary) = &mut self.summary {
            summary.record(p.sig.name, errno.is_some(), m.observed_now().saturating_sub(p.start_ns));
            return;
        }
        self.show_unfinished(m, Some(t));
        let resumed_from = p.unfinished_shown.then(|| first_output(&p.sig));
        let links = p.links.as_deref();
        if self.config.format == Format::Text && !self.config.timeline {
            let elapsed = m.observed_now().saturating_sub(p.start_ns);
            self.call_line(m, t, &p.sig, p.raw(), Some(value), errno, resumed_from, &p.saved, links, elapsed);
            return;
        }
        let inputs = (0..p.sig.args.len())
            .map(|j| {
                (!is_output(p.sig.args[j].0)).then(|| {
                    let mut s = String::new();
                    arg_into(&mut s, m, &p.sig, j, p.raw(), None, &p.saved, links);
                    s
                })
            })
            .collect();
        let mut args = self.fill_outputs(m, &p.sig, p.raw(), Some(value), inputs, links);
        if let Some((j, text)) = noted {
            args[j] = text;
        }
        let raw = p.raw().to_vec();
        let start = (p.start_ns, p.start_step, p.clock_before);
        self.complete(m, t, p.sig, raw, args, Some(value), errno, start, true, resumed_from, links);
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
        links: Option<&FdLinks>,
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
        let mut result = Self::result_text(&sig, value, errno, &raw);
        Self::result_link(&mut result, &sig, value, errno, &raw, links);
        Self::result_suffix(&mut result, &sig, value, errno, &raw, &m.memory, m.observed_now().saturating_sub(start_ns));
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
        self.flush_ignored(m, t);
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

    /// A signal thread `t` ignores (`--- SIGCHLD {…} ---`, `text`) was sent to it. The kernel
    /// discards it, but not for a traced process: strace sees it delivered, then ignored, when
    /// the thread next returns to its own code. The line is shown then: after the call the
    /// thread is in (one it is blocked in, or the one that sent it), else before its next call
    /// ([`Tracer::flush_ignored`]).
    pub fn ignored_signal(&mut self, t: ThreadId, text: String) {
        self.ignored.entry(t).or_default().push(text);
    }

    /// A signal's default action kills a process: its thread `t` took it (`delivery`, the
    /// `--- SIGTERM {…} ---` line), its first thread `leader` shows its end (`end`). As strace
    /// shows it, after the line of the call that sent it: the call `t` was blocked in ends with
    /// the code the kernel returns for a signal (`= ? ERESTARTSYS (…)`, `= -1 EINTR (…)`), then
    /// the delivery, then the end. Shown when the active thread's call has its line
    /// ([`Tracer::flush_ignored`]).
    ///
    /// `SIGKILL` (`delivery` `None`) is not delivered where strace sees it: the blocked call
    /// ends unfinished, `<... read resumed> <unfinished ...>) = ?`, with no `---` line.
    pub fn killed(&mut self, m: &Machine<crate::Shims>, t: ThreadId, leader: ThreadId, delivery: Option<String>, end: String) {
        if self.summary.is_some() {
            return;
        }
        // Signals it ignored and has not returned to see are not seen now.
        self.ignored.remove(&t);
        self.ignored.remove(&leader);
        // The sender's line comes first: a call still blocked shows its first part now.
        self.show_unfinished(m, Some(m.active_thread()));
        if let Some(p) = self.pending.remove(&t) {
            self.unshown -= usize::from(!p.unfinished_shown);
            if delivery.is_none() {
                let head = format!("<... {} resumed> <unfinished ...>)", p.sig.name);
                self.deferred.push((t, with_result(&head, "?")));
                self.deferred.push((leader, end));
                return;
            }
            let head = p.ended_head(m);
            let result = match decode::interrupted_text(p.sig.name, p.raw()) {
                Some(code) => code.to_string(),
                None => error_text(crate::consts::errno::EINTR),
            };
            self.deferred.push((t, with_result(&head, &result)));
        }
        self.deferred.extend(delivery.map(|d| (t, d)));
        self.deferred.push((leader, end));
    }

    /// Shows the lines that wait for the active call's ([`Tracer::killed`]).
    fn flush_deferred(&mut self, m: &Machine<crate::Shims>) {
        for (t, line) in std::mem::take(&mut self.deferred) {
            self.event_line(m, t, &line);
        }
    }

    /// Shows the lines of the signals thread `t` ignored ([`Tracer::ignored_signal`]), after
    /// any that wait for the active call ([`Tracer::killed`]).
    pub fn flush_ignored(&mut self, m: &Machine<crate::Shims>, t: ThreadId) {
        if !self.deferred.is_empty() {
            self.flush_deferred(m);
        }
        if let Some(lines) = self.ignored.remove(&t) {
            for line in lines {
                self.event_line(m, t, &line);
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

    /// Thread `t`'s last traced call ended so.
    fn record_end(&mut self, t: ThreadId, end: CallEnd) {
        let t = t as usize;
        if self.ends.len() <= t {
            self.ends.resize(t + 1, ThreadEnds::default());
        }
        self.ends[t].last = Some(end);
    }

    /// Thread `t`'s call wrote a `siginfo_t` the kernel would have written as `text` (glibc's
    /// wrapper changes it afterwards): its line shows `text`.
    pub fn note_siginfo(&mut self, t: ThreadId, text: String) {
        self.noted_siginfo.insert(t, text);
    }

    /// `signal` replaced action `old`: its line shows it as `rt_sigaction`'s old action.
    pub fn note_old_action(&mut self, old: decode::Sigaction) {
        self.old_action = Some(decode::sigaction_text(old));
    }

    /// A handler starts on thread `t` for the signal `--- SIGUSR1 {…} ---` (`text`) says.
    pub fn signal_delivered(&mut self, m: &Machine<crate::Shims>, t: ThreadId, text: &str) {
        let k = t as usize;
        if self.ends.len() <= k {
            self.ends.resize(k + 1, ThreadEnds::default());
        }
        let interrupted = self.ends[k].last;
        self.ends[k].handlers.push(interrupted);
        self.event_line(m, t, text);
    }

    /// The handler running on thread `t` returned, restoring `mask`: `rt_sigreturn({mask=[]})`
    /// with what the kernel returns, the interrupted code's result register — the result of the
    /// call the signal came in (`= -1 EINTR (Interrupted system call)`, `= 0` after `tgkill`),
    /// or the number of the call `SA_RESTART` makes again (`= 0` for `read`).
    pub fn signal_returned(&mut self, m: &Machine<crate::Shims>, t: ThreadId, mask: u64) {
        let end = self.ends.get_mut(t as usize).and_then(|e| e.handlers.pop()).flatten();
        let result = match end {
            Some(CallEnd::Value(-1, Some(e))) => error_text(e),
            Some(CallEnd::Value(v, _)) => v.to_string(),
            Some(CallEnd::Restarted(name)) => decode::syscall_number(name).unwrap_or(0).to_string(),
            None => "0".to_string(),
        };
        // The handler's own calls are not what the interrupted code sees next.
        if let Some(e) = self.ends.get_mut(t as usize) {
            e.last = end;
        }
        // A system call like the others for `-e trace=` (the `--- SIG… ---` lines are not).
        if !self.selects("rt_sigreturn") {
            return;
        }
        if let Some(summary) = &mut self.summary {
            summary.record("rt_sigreturn", matches!(end, Some(CallEnd::Value(-1, Some(_)))), 0);
            return;
        }
        let call = format!("rt_sigreturn({{mask={}}})", decode::sigset(mask));
        self.event_line(m, t, &with_result(&call, &result));
    }

    /// The active thread's blocked call was interrupted and will be made again (strace's
    /// `= ? ERESTARTSYS (To be restarted if SA_RESTART is set)`).
    pub fn restarted(&mut self, m: &Machine<crate::Shims>) {
        let t = m.active_thread();
        let Some(p) = self.pending.remove(&t) else { return };
        self.unshown -= usize::from(!p.unfinished_shown);
        // A call the kernel ends with EINTR itself (`rt_sigtimedwait`) is made again by glibc's
        // loop (`sigwait`): strace shows the EINTR, then the call again.
        let eintr = decode::never_restarted(p.sig.name);
        let code = crate::consts::errno::EINTR;
        self.record_end(t, if eintr { CallEnd::Value(-1, Some(code)) } else { CallEnd::Restarted(p.sig.name) });
        if let Some(summary) = &mut self.summary {
            if eintr {
                summary.record(p.sig.name, true, m.observed_now().saturating_sub(p.start_ns));
            }
            return;
        }
        self.show_unfinished(m, Some(t));
        let head = p.ended_head(m);
        let result = if eintr { error_text(code) } else { "? ERESTARTSYS (To be restarted if SA_RESTART is set)".to_string() };
        self.event_line(m, t, &with_result(&head, &result));
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
        // Signals the initial process's threads ignored but did not return to see.
        self.flush_deferred(m);
        let waiting: Vec<ThreadId> = self.ignored.keys().copied().collect();
        for t in waiting {
            self.flush_ignored(m, t);
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
    /// `-y`'s links (`None` without `-y`).
    links: Option<Box<FdLinks>>,
    /// The bytes of the arguments the call overwrites (`select`'s sets), as they were when it
    /// began: (argument position, bytes, or `None` if they could not be read).
    snapshot: Option<Box<Snapshot>>,
}

type Snapshot = Vec<(usize, Option<Vec<u8>>)>;

impl PendingCall {
    /// The call's signature.
    pub fn sig(&self) -> &Sig {
        &self.sig
    }

    /// The call's arguments.
    pub fn raw(&self) -> &[u64] {
        &self.raw[..self.nraw]
    }

    /// With `-y`: the links of the fds its arguments name ([`fds_in`]), when it begins.
    pub fn set_fd_links(&mut self, before: Vec<(i32, Vec<u8>)>) {
        self.links.get_or_insert_with(Default::default).before = before;
    }

    /// With `-y`: the links of the fds it returned ([`fds_out`]), when it finishes.
    pub fn set_fd_links_after(&mut self, after: Vec<(i32, Vec<u8>)>) {
        self.links.get_or_insert_with(Default::default).after = after;
    }
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

/// The argument a noted `siginfo_t` ([`Tracer::note_siginfo`]) replaces, with its text.
fn noted_siginfo_arg(sig: &Sig, noted: Option<String>) -> Option<(usize, String)> {
    let text = noted?;
    sig.args.iter().position(|a| matches!(a.0, Arg::SiginfoOut | Arg::GlibcSiginfo)).map(|j| (j, text))
}
