//! The observable record of a run, common to both backends, and how a mismatch is shown.

use crate::scenario::{o_flags, Fcntl, Op, Scenario};
use std::fmt;

/// A value that may be an fd number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Val {
    Int(i64),
    /// `base + k`: fd numbers are recorded relative to the first number a scenario gets (3 in
    /// both backends).
    Fd(i64),
}

/// What one operation returned, as both backends report it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rec {
    pub ret: Val,
    /// The errno name when the call failed.
    pub errno: Option<String>,
    /// The bytes a read or recv returned (when it returned more than 0).
    pub data: Option<Vec<u8>>,
    /// The two numbers `pipe`/`socketpair` left in their array (initialised to -7), whether
    /// the call succeeded or not.
    pub pair: Option<[Val; 2]>,
    /// The `(events, data)` list `epoll_wait` returned, in order (for the epoll operations to
    /// come).
    pub events: Option<Vec<(u32, u64)>>,
    /// Other values the call wrote: `poll`'s `revents`, `select`'s sets, `fstat`'s mode and
    /// size, a socket option, `FIONREAD`'s count, a signal mask … ([`Op::outs`]).
    pub out: Option<Vec<i64>>,
    /// The description was blocking, so the data operation ran with `O_NONBLOCK` set around it
    /// (an `EAGAIN` or short write here means the blocking call would have blocked).
    pub wrapped: bool,
}

/// A run's records, one per operation, and how the run ended if not normally.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    pub recs: Vec<Rec>,
    /// `None` when every operation ran; otherwise why the run stopped (Spindle stopped the
    /// program: unsupported operation, undefined behaviour, a panic …).
    pub end: Option<String>,
}

/// What a backend observed for one operation, before normalisation.
#[derive(Clone, Debug, Default)]
pub struct RawRec {
    pub ret: i64,
    pub errno: i64,
    pub wrapped: bool,
    pub data: Option<Vec<u8>>,
    pub pair: Option<[i64; 2]>,
    pub events: Option<Vec<(u32, u64)>>,
    pub out: Option<Vec<i64>>,
}

/// The errno's name (`EAGAIN`), or its number.
pub fn errno_name(e: i64) -> String {
    spindle_shims::consts::errno_name(e).map_or_else(|| format!("errno {e}"), str::to_string)
}

impl RawRec {
    /// The record both backends compare: fd numbers relative to `base`, errno named.
    pub fn normalize(self, op: &Op, base: i64) -> Rec {
        let fd = |v: i64| if v >= base { Val::Fd(v - base) } else { Val::Int(v) };
        let ret = if self.ret >= 0 && op.returns_fd() { fd(self.ret) } else { Val::Int(self.ret) };
        Rec {
            ret,
            errno: (self.ret < 0).then(|| errno_name(self.errno)),
            data: if op.reads_data() && self.ret > 0 { self.data } else { None },
            pair: if op.returns_pair() { self.pair.map(|[a, b]| [fd(a), fd(b)]) } else { None },
            events: if matches!(op, Op::EpollWait { .. }) && self.ret > 0 { self.events } else { None },
            out: if op.outs(self.ret, None) > 0 { self.out } else { None },
            wrapped: self.wrapped && op.guarded(),
        }
    }
}

impl RawRec {
    /// The record of an `Unpark`: the parked call's result, and the data, events or `revents`
    /// it returned.
    pub fn normalize_unpark(self, op: &Op, base: i64) -> Rec {
        let (data, events, out) = (self.data.clone(), self.events.clone(), self.out.clone());
        let mut rec = self.normalize(op, base);
        (rec.data, rec.events, rec.out) = (data, events, out);
        rec
    }
}

impl Rec {
    /// The record as bytes ([`Rec::decode`] reads them back): how the kernel backend's forked
    /// runs hand their records over.
    pub fn encode(&self) -> Vec<u8> {
        fn val(v: Val) -> String {
            match v {
                Val::Int(v) => format!("i{v}"),
                Val::Fd(v) => format!("f{v}"),
            }
        }
        fn opt<T>(o: &Option<T>, f: impl Fn(&T) -> String) -> String {
            o.as_ref().map_or("-".to_string(), |v| format!("+{}", f(v)))
        }
        let fields = [
            val(self.ret),
            opt(&self.errno, |e| e.replace(' ', "~")),
            opt(&self.data, |d| d.iter().map(|b| format!("{b:02x}")).collect()),
            opt(&self.pair, |[a, b]| format!("{},{}", val(*a), val(*b))),
            opt(&self.events, |e| e.iter().map(|(a, b)| format!("{a}:{b}")).collect::<Vec<_>>().join(",")),
            opt(&self.out, |o| o.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")),
            (self.wrapped as u8).to_string(),
        ];
        fields.join(" ").into_bytes()
    }

    /// Reads back what [`Rec::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Option<Rec> {
        fn val(s: &str) -> Option<Val> {
            match s.split_at_checked(1)? {
                ("i", v) => Some(Val::Int(v.parse().ok()?)),
                ("f", v) => Some(Val::Fd(v.parse().ok()?)),
                _ => None,
            }
        }
        fn opt<T>(s: &str, f: impl Fn(&str) -> Option<T>) -> Option<Option<T>> {
            match s.strip_prefix('+') {
                Some(v) => f(v).map(Some),
                None if s == "-" => Some(None),
                None => None,
            }
        }
        fn list<T>(s: &str, f: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
            if s.is_empty() {
                return Some(Vec::new());
            }
            s.split(',').map(f).collect()
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let f: Vec<&str> = text.split(' ').collect();
        let [ret, errno, data, pair, events, out, wrapped] = f[..] else { return None };
        Some(Rec {
            ret: val(ret)?,
            errno: opt(errno, |e| Some(e.replace('~', " ")))?,
            data: opt(data, |d| (0..d.len() / 2).map(|i| u8::from_str_radix(d.get(2 * i..2 * i + 2)?, 16).ok()).collect())?,
            pair: opt(pair, |p| {
                let (a, b) = p.split_once(',')?;
                Some([val(a)?, val(b)?])
            })?,
            events: opt(events, |e| list(e, |x| x.split_once(':').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))))?,
            out: opt(out, |o| list(o, |v| v.parse().ok()))?,
            wrapped: wrapped == "1",
        })
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Int(v) => write!(f, "{v}"),
            Val::Fd(k) => write!(f, "base+{k}"),
        }
    }
}

/// FNV-1a, to tell long byte strings apart in one glance.
fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ b as u32).wrapping_mul(0x0100_0193))
}

fn show_bytes(bytes: &[u8]) -> String {
    const SHOWN: usize = 24;
    let head: String = bytes[..bytes.len().min(SHOWN)].iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect();
    if bytes.len() <= SHOWN {
        format!("\"{head}\"")
    } else {
        format!("\"{head}\"… ({} bytes, fnv {:08x})", bytes.len(), fnv(bytes))
    }
}

/// Renders one record, with what the operation tells about its value.
pub fn render_rec(op: &Op, r: &Rec) -> String {
    let mut s = match (&r.errno, r.ret) {
        (Some(e), v) => format!("{v} {e}"),
        (None, Val::Int(v)) if matches!(op, Op::Fcntl { cmd: Fcntl::GetFl, .. }) => format!("{v:#x} {}", o_flags(v)),
        (None, v) => v.to_string(),
    };
    if let Some(d) = &r.data {
        s += &format!(" {}", show_bytes(d));
    }
    if let Some([a, b]) = r.pair {
        s += &format!(" [{a}, {b}]");
    }
    if let Some(ev) = &r.events {
        let list: Vec<String> = ev.iter().map(|(e, d)| format!("{}:{d}", crate::scenario::epoll_events(*e))).collect();
        s += &format!(" {{{}}}", list.join(" "));
    }
    if let Some(out) = &r.out {
        let list: Vec<String> = match op {
            Op::Poll { .. } | Op::Unpark => out.iter().map(|&v| crate::scenario::poll_events(v as u16)).collect(),
            Op::Select { .. } => out.iter().map(|&v| format!("base<<{v:#x}")).collect(),
            Op::Fstat { .. } => vec![format!("st_mode={:#o}", out[0]), format!("st_size={}", out[1])],
            Op::SigMask { .. } => out.iter().map(|&v| spindle_shims::trace::decode::sigset(v as u64)).collect(),
            Op::SigState => vec![format!("log={:#x}", out[0]), spindle_shims::trace::decode::sigset(out[1] as u64)],
            _ => out.iter().map(|v| v.to_string()).collect(),
        };
        s += &format!(" out[{}]", list.join(" "));
    }
    if r.wrapped {
        s += " (blocking fd)";
    }
    s
}

/// The two records of one scenario differ.
#[derive(Clone, Debug)]
pub struct Mismatch {
    pub scenario: Scenario,
    pub kernel: Record,
    pub spindle: Record,
}

impl Mismatch {
    /// The index of the first operation whose records differ (`ops.len()` if only the way the
    /// runs ended differs).
    pub fn first_diff(&self) -> usize {
        let n = self.scenario.ops.len();
        (0..n).find(|&i| self.kernel.recs.get(i) != self.spindle.recs.get(i)).unwrap_or(n)
    }

    /// The first differing operation and both records of it (`None` for a backend that
    /// stopped before it).
    pub fn at_diff(&self) -> Option<(&Op, Option<&Rec>, Option<&Rec>)> {
        let i = self.first_diff();
        let op = self.scenario.ops.get(i)?;
        Some((op, self.kernel.recs.get(i), self.spindle.recs.get(i)))
    }

    /// What the mismatch is about, independent of the operations before it: the operation's
    /// name and both records. Mismatches with the same key are counted as one.
    pub fn key(&self) -> String {
        let i = self.first_diff();
        match self.scenario.ops.get(i) {
            Some(op) => format!("{}: kernel {} / spindle {}", op.name(), self.side(&self.kernel, i), self.side(&self.spindle, i)),
            None => format!("end: kernel {:?} / spindle {:?}", self.kernel.end, self.spindle.end),
        }
    }

    fn side(&self, r: &Record, i: usize) -> String {
        match r.recs.get(i) {
            Some(rec) => render_rec(&self.scenario.ops[i], rec),
            None => format!("(stopped: {})", r.end.as_deref().unwrap_or("no record")),
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ops = self.scenario.rendered_ops();
        let diff = self.first_diff();
        let rows: Vec<(String, String, String, bool)> = ops
            .iter()
            .enumerate()
            .map(|(i, op)| {
                let k = self.kernel.recs.get(i);
                let s = self.spindle.recs.get(i);
                let show = |r: Option<&Rec>| r.map_or("-".to_string(), |r| render_rec(&self.scenario.ops[i], r));
                (format!("{i:3}  {op}"), show(k), show(s), k != s)
            })
            .collect();
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(9);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(6);
        writeln!(f, "scenario `{}`: kernel and Spindle differ at operation {diff}", self.scenario.name)?;
        writeln!(f, "     {:w0$}  {:w1$}  spindle", "operation", "kernel")?;
        for (op, k, s, differs) in &rows {
            let mark = if *differs { "!!" } else { "  " };
            writeln!(f, "  {mark} {op:w0$}  {k:w1$}  {s}")?;
        }
        if self.kernel.end.is_some() || self.spindle.end.is_some() {
            writeln!(f, "  run ended: kernel {:?}", self.kernel.end)?;
            writeln!(f, "             spindle {:?}", self.spindle.end)?;
        }
        Ok(())
    }
}
