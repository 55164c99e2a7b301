//! Schedules as data: the sequence of scheduling decisions of a run, and its compact text form.
//!
//! A *decision* is made at every scheduling point where two or more threads are runnable: it
//! names the thread that runs next. Points with one runnable thread are not decisions (there is
//! nothing to choose), so a schedule only holds real choices.
//!
//! The text form is `s1:FINGERPRINT:RUNS`:
//! - `s1` is the format version;
//! - `FINGERPRINT` is 8 hex digits identifying the program the schedule was recorded for (the
//!   host computes it from the source text), or `*` to replay on any program;
//! - `RUNS` is the run-length-encoded sequence of decisions. A run is a thread id written in
//!   base 26 with letters — the last digit lowercase (`a` = 0 … `z` = 25), the digits before it
//!   uppercase (`Ba` = 26, `Bb` = 27, `Za` = 650, `BAa` = 676 …) — followed by how many
//!   consecutive decisions chose that thread, in decimal, left out when it is 1.
//!
//! - a group `(RUNS)N` stands for RUNS written N times (groups do not nest); the writer uses it
//!   for repeated patterns such as two threads taking turns in a spin loop.
//!
//! `s1:0badcafe:a3ba2` is: thread 0 for three decisions, then thread 1, then thread 0 twice;
//! `s1:0badcafe:a(bc2)3` is `abc2bc2bc2`.
//!
//! A second kind of decision is the *store choice* of weak memory: at an atomic load that may
//! read one of several stores, which one it reads — `a` (0) the latest in modification order,
//! `b` (1) the one before it, and so on among the stores the load may read. Store choices are a
//! separate stream, written after a fourth `:` in the same run-length form:
//! `s1:0badcafe:a3ba2:a4b` is the schedule above whose fifth store choice read the store before
//! the latest. Loads past the end of the stream read the latest store, so trailing `a`s are
//! left out, and a schedule without stale reads has no fourth part (older strings replay as
//! before).
//!
//! A third kind is the *spurious wakeup* (`spindle explore --spurious-wakeups`): at a `futex`
//! wait that would sleep, whether it sleeps (`a`) or returns at once as if woken (`b`). These
//! choices are a third stream after a fifth `:`, in the same form; waits past its end sleep, so
//! trailing `a`s are left out and a schedule with no spurious wakeup has no fifth part.
//! `s1:0badcafe:a3ba2::ab` is the schedule above (no stale read: the fourth part is empty)
//! whose second such wait returned spuriously.
//!
//! A schedule recorded with *lock waits* (`dfs:inf`'s reduction of locks, docs/explore.md,
//! "Lock waits": a thread whose `cas.lock` would fail waits for the lock instead of taking its
//! slow path) is only replayed the same way: its version is written `s1l` instead of `s1`, and
//! a replay of it waits likewise.

use std::fmt::Write;

/// The decisions of a run, run-length encoded: `(thread, count)` pairs, consecutive runs of
/// different threads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    runs: Vec<(u32, u32)>,
    len: u64,
    /// Store choices (weak memory), run-length encoded like `runs`.
    reads: Vec<(u32, u32)>,
    reads_len: u64,
    /// Spurious-wakeup choices (0: the wait sleeps, 1: it returns at once), run-length encoded,
    /// and, in the same stream, signal-delivery choices (0: the handler starts now, 1: later;
    /// [`crate::sched::Scheduler::pick_delay`]).
    wakes: Vec<(u32, u32)>,
    wakes_len: u64,
    /// Recorded with lock waits (written `s1l`).
    pub lock_waits: bool,
}

/// How a schedule string failed to parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed schedule string: the fingerprint (`None` for `*`) and the decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleText {
    pub fingerprint: Option<u32>,
    pub schedule: Schedule,
}

pub const VERSION: &str = "s1";
/// The version of a schedule recorded with lock waits ([`Schedule::lock_waits`]).
pub const VERSION_LOCK_WAITS: &str = "s1l";

/// The most runs a parsed schedule may expand to (groups can describe more than memory holds).
pub const MAX_RUNS: usize = 20_000_000;

impl Schedule {
    pub fn new() -> Self {
        Schedule::default()
    }

    /// A schedule from a list of decisions.
    pub fn from_decisions(ds: impl IntoIterator<Item = u32>) -> Self {
        let mut s = Schedule::new();
        for d in ds {
            s.push(d);
        }
        s
    }

    /// Appends one decision.
    pub fn push(&mut self, t: u32) {
        self.push_run(t, 1);
    }

    fn push_run(&mut self, t: u32, n: u32) {
        self.len += n as u64;
        push_rle(&mut self.runs, t, n);
    }

    /// Appends one store choice (0: the latest store).
    pub fn push_read(&mut self, k: u32) {
        self.reads_len += 1;
        push_rle(&mut self.reads, k, 1);
    }

    /// The store choices one by one.
    pub fn reads(&self) -> impl Iterator<Item = u32> + '_ {
        self.reads.iter().flat_map(|&(t, n)| std::iter::repeat_n(t, n as usize))
    }

    /// The number of store choices.
    pub fn reads_len(&self) -> u64 {
        self.reads_len
    }

    /// The store choices as their own schedule (for a cursor).
    pub fn reads_schedule(&self) -> Schedule {
        Schedule { runs: self.reads.clone(), len: self.reads_len, ..Schedule::default() }
    }

    /// Appends one spurious-wakeup choice (0: the wait sleeps, 1: it returns at once).
    pub fn push_wake(&mut self, k: u32) {
        self.wakes_len += 1;
        push_rle(&mut self.wakes, k, 1);
    }

    /// The spurious-wakeup choices one by one.
    pub fn wakes(&self) -> impl Iterator<Item = u32> + '_ {
        self.wakes.iter().flat_map(|&(t, n)| std::iter::repeat_n(t, n as usize))
    }

    /// The spurious-wakeup choices as their own schedule (for a cursor).
    pub fn wakes_schedule(&self) -> Schedule {
        Schedule { runs: self.wakes.clone(), len: self.wakes_len, ..Schedule::default() }
    }

    /// The number of spurious wakeups (choices other than sleeping).
    pub fn spurious_wakes(&self) -> u64 {
        self.wakes.iter().filter(|r| r.0 != 0).map(|r| r.1 as u64).sum()
    }

    /// The same decisions and store choices with these spurious-wakeup choices.
    pub fn with_wakes(mut self, ks: impl IntoIterator<Item = u32>) -> Self {
        self.wakes.clear();
        self.wakes_len = 0;
        for k in ks {
            self.push_wake(k);
        }
        self
    }

    /// The number of stale reads (store choices other than the latest).
    pub fn stale_reads(&self) -> u64 {
        self.reads.iter().filter(|r| r.0 != 0).map(|r| r.1 as u64).sum()
    }

    /// The same thread decisions with these store choices.
    pub fn with_reads(mut self, ks: impl IntoIterator<Item = u32>) -> Self {
        self.reads.clear();
        self.reads_len = 0;
        for k in ks {
            self.push_read(k);
        }
        self
    }

    /// The number of decisions.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of times the chosen thread changes from one decision to the next.
    pub fn switches(&self) -> u64 {
        self.runs.len().saturating_sub(1) as u64
    }

    pub fn runs(&self) -> &[(u32, u32)] {
        &self.runs
    }

    /// The decisions one by one.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.runs.iter().flat_map(|&(t, n)| std::iter::repeat_n(t, n as usize))
    }

    /// The text form, with the fingerprint of the program (`None` writes `*`).
    pub fn to_text(&self, fingerprint: Option<u32>) -> String {
        let mut s = String::with_capacity(12 + self.runs.len() * 3);
        s.push_str(if self.lock_waits { VERSION_LOCK_WAITS } else { VERSION });
        s.push(':');
        match fingerprint {
            Some(f) => {
                let _ = write!(s, "{f:08x}");
            }
            None => s.push('*'),
        }
        s.push(':');
        write_runs(&mut s, &self.runs);
        // Trailing "latest" choices are the default: left out.
        let mut reads = self.reads.clone();
        if reads.last().is_some_and(|r| r.0 == 0) {
            reads.pop();
        }
        let mut wakes = self.wakes.clone();
        if wakes.last().is_some_and(|r| r.0 == 0) {
            wakes.pop();
        }
        if !reads.is_empty() || !wakes.is_empty() {
            s.push(':');
            write_runs(&mut s, &reads);
        }
        if !wakes.is_empty() {
            s.push(':');
            write_runs(&mut s, &wakes);
        }
        s
    }

    /// Parses the text form. Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<ScheduleText, ParseError> {
        let err = |m: String| Err(ParseError(m));
        let text = text.trim();
        let mut parts = text.splitn(5, ':');
        let version = parts.next().unwrap_or("");
        let (Some(fp), Some(body), reads, wakes) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return err("a schedule string looks like `s1:FINGERPRINT:RUNS` (for example `s1:0badcafe:a3ba2`)".into());
        };
        if version != VERSION && version != VERSION_LOCK_WAITS {
            return err(format!("unknown schedule format `{}` (this Spindle reads `{VERSION}` and `{VERSION_LOCK_WAITS}`)", clip(version)));
        }
        let fingerprint = if fp == "*" {
            None
        } else if fp.len() == 8 && fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(u32::from_str_radix(fp, 16).expect("8 hex digits"))
        } else {
            return err(format!("the fingerprint `{}` is not 8 hex digits or `*`", clip(fp)));
        };
        let mut schedule = parse_runs(body)?;
        schedule.lock_waits = version == VERSION_LOCK_WAITS;
        if let Some(reads) = reads {
            let r = parse_runs(reads).map_err(|e| ParseError(e.0.replace("of the decisions", "of the store choices")))?;
            schedule.reads = r.runs;
            schedule.reads_len = r.len;
        }
        if let Some(wakes) = wakes {
            let w = parse_runs(wakes).map_err(|e| ParseError(e.0.replace("of the decisions", "of the spurious wakeups")))?;
            if w.runs.iter().any(|r| r.0 > 1) {
                return err(
                    "a choice of the fifth part is `a` or `b` (a futex wait sleeps or returns at once; a signal's handler starts now or later)"
                        .into(),
                );
            }
            schedule.wakes = w.runs;
            schedule.wakes_len = w.len;
        }
        Ok(ScheduleText { fingerprint, schedule })
    }
}

/// Parses run-length encoded decisions (the body of a schedule string).
fn parse_runs(body: &str) -> Result<Schedule, ParseError> {
    let err = |m: String| Err(ParseError(m));
    let bytes = body.as_bytes();
    let mut schedule = Schedule::new();
    let mut i = 0;
    // Inside a group: where its runs start in `group`.
    let mut group: Option<Vec<(u32, u32)>> = None;
    let mut group_start = 0;
    while i < bytes.len() {
        if bytes[i] == b'(' {
            if group.is_some() {
                return err(format!("malformed decisions at offset {i}: groups do not nest"));
            }
            group = Some(Vec::new());
            group_start = i;
            i += 1;
            continue;
        }
        if bytes[i] == b')' {
            let Some(g) = group.take() else {
                return err(format!("malformed decisions at offset {i}: `)` without `(`"));
            };
            i += 1;
            let (k, next) = number(bytes, i)?;
            i = next;
            let k = k.unwrap_or(1);
            if g.is_empty() {
                return err(format!("malformed decisions at offset {group_start}: an empty group"));
            }
            if schedule.runs.len() as u64 + g.len() as u64 * k > MAX_RUNS as u64 {
                return err(format!("the schedule is too long (more than {MAX_RUNS} runs)"));
            }
            for _ in 0..k {
                for &(t, n) in &g {
                    schedule.push_run(t, n);
                }
            }
            continue;
        }
        // A thread id: uppercase digits, then one lowercase digit.
        let start = i;
        let mut t: u64 = 0;
        while i < bytes.len() && bytes[i].is_ascii_uppercase() {
            t = t * 26 + (bytes[i] - b'A') as u64;
            i += 1;
            if t > u32::MAX as u64 {
                return err(format!("thread id too large at offset {start} of the decisions"));
            }
        }
        if i >= bytes.len() || !bytes[i].is_ascii_lowercase() {
            let what = match bytes.get(i) {
                Some(&b) if b.is_ascii_graphic() => format!("`{}`", b as char),
                Some(&b) => format!("byte {b:#04x}"),
                None => "the end".to_string(),
            };
            return err(format!("malformed decisions at offset {i}: expected a thread (letters, the last one lowercase), found {what}"));
        }
        t = t * 26 + (bytes[i] - b'a') as u64;
        i += 1;
        if t > u32::MAX as u64 {
            return err(format!("thread id too large at offset {start} of the decisions"));
        }
        let (n, next) = number(bytes, i)?;
        i = next;
        let n = n.unwrap_or(1);
        if n > u32::MAX as u64 {
            return err(format!("repeat count too large at offset {start} of the decisions"));
        }
        match &mut group {
            Some(g) => g.push((t as u32, n as u32)),
            None => {
                if schedule.runs.len() >= MAX_RUNS {
                    return err(format!("the schedule is too long (more than {MAX_RUNS} runs)"));
                }
                schedule.push_run(t as u32, n as u32)
            }
        }
    }
    if group.is_some() {
        return err(format!("malformed decisions at offset {group_start}: `(` without `)`"));
    }
    Ok(schedule)
}

/// Writes run-length encoded decisions, grouping repeated patterns.
fn write_runs(s: &mut String, runs: &[(u32, u32)]) {
    let mut i = 0;
    while i < runs.len() {
        // The period (2 to 8 runs) that repeats most often from here, if it pays.
        let mut best: Option<(usize, usize)> = None;
        for p in 2..=8usize {
            if i + 2 * p > runs.len() {
                break;
            }
            let mut k = 1;
            while i + (k + 1) * p <= runs.len() && runs[i + k * p..i + (k + 1) * p] == runs[i..i + p] {
                k += 1;
            }
            if k >= 3 && best.is_none_or(|(bp, bk)| k * p > bk * bp) {
                best = Some((p, k));
            }
        }
        match best {
            Some((p, k)) => {
                s.push('(');
                for &(t, n) in &runs[i..i + p] {
                    push_run_text(s, t, n);
                }
                let _ = write!(s, "){k}");
                i += p * k;
            }
            None => {
                push_run_text(s, runs[i].0, runs[i].1);
                i += 1;
            }
        }
    }
}

fn push_rle(runs: &mut Vec<(u32, u32)>, t: u32, n: u32) {
    match runs.last_mut() {
        Some((last, c)) if *last == t && c.checked_add(n).is_some() => *c += n,
        _ => runs.push((t, n)),
    }
}

/// A decimal count at `i` (None if there is none): at least 1, at most 2^32 - 1.
fn number(bytes: &[u8], mut i: usize) -> Result<(Option<u64>, usize), ParseError> {
    let start = i;
    let mut n: u64 = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        n = n * 10 + (bytes[i] - b'0') as u64;
        i += 1;
        if n > u32::MAX as u64 {
            return Err(ParseError(format!("repeat count too large at offset {start} of the decisions")));
        }
    }
    if i == start {
        return Ok((None, i));
    }
    if n == 0 {
        return Err(ParseError(format!("repeat count 0 at offset {start} of the decisions")));
    }
    Ok((Some(n), i))
}

fn clip(s: &str) -> String {
    if s.chars().count() > 20 {
        format!("{}…", s.chars().take(20).collect::<String>())
    } else {
        s.to_string()
    }
}

fn push_run_text(s: &mut String, t: u32, n: u32) {
    push_thread(s, t);
    if n != 1 {
        let _ = write!(s, "{n}");
    }
}

/// Writes a thread id in the letter form.
fn push_thread(s: &mut String, t: u32) {
    let mut digits = [0u8; 8];
    let mut n = 0;
    let mut v = t;
    loop {
        digits[n] = (v % 26) as u8;
        n += 1;
        v /= 26;
        if v == 0 {
            break;
        }
    }
    for i in (1..n).rev() {
        s.push((b'A' + digits[i]) as char);
    }
    s.push((b'a' + digits[0]) as char);
}

/// The letter form of a thread id (`a` for 0, `Ba` for 26).
pub fn thread_letters(t: u32) -> String {
    let mut s = String::new();
    push_thread(&mut s, t);
    s
}

/// A cursor over a schedule's decisions.
#[derive(Clone, Debug, Default)]
pub struct Cursor {
    run: usize,
    used: u32,
    pub consumed: u64,
}

impl Cursor {
    /// The next decision, if any, without consuming it.
    pub fn peek(&self, s: &Schedule) -> Option<u32> {
        s.runs.get(self.run).map(|r| r.0)
    }
    pub fn advance(&mut self, s: &Schedule) {
        if let Some(&(_, n)) = s.runs.get(self.run) {
            self.used += 1;
            self.consumed += 1;
            if self.used >= n {
                self.run += 1;
                self.used = 0;
            }
        }
    }
}

/// FNV-1a, 64 bits, folded to 32: the fingerprint of a program text.
pub fn fingerprint(bytes: &[u8]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_letters_round_trip() {
        for t in [0u32, 1, 25, 26, 27, 650, 675, 676, 10_000, u32::MAX] {
            let s = Schedule::from_decisions([t, t, 3]);
            let text = s.to_text(Some(0xdead_beef));
            let back = Schedule::parse(&text).unwrap();
            assert_eq!(back.schedule, s, "{text}");
            assert_eq!(back.fingerprint, Some(0xdead_beef));
        }
        assert_eq!(thread_letters(0), "a");
        assert_eq!(thread_letters(26), "Ba");
        assert_eq!(thread_letters(676), "BAa");
    }

    #[test]
    fn repeated_patterns_are_grouped_and_round_trip() {
        let mut ds = vec![0u32, 0, 0];
        for _ in 0..1000 {
            ds.extend([1, 1, 2, 2]);
        }
        ds.push(0);
        let s = Schedule::from_decisions(ds.iter().copied());
        let text = s.to_text(None);
        assert_eq!(text, "s1:*:a3(b2c2)1000a");
        assert_eq!(Schedule::parse(&text).unwrap().schedule, s);
    }

    #[test]
    fn the_example_parses() {
        let p = Schedule::parse("s1:0badcafe:a3ba2").unwrap();
        assert_eq!(p.schedule.iter().collect::<Vec<_>>(), vec![0, 0, 0, 1, 0, 0]);
        assert_eq!(p.schedule.switches(), 2);
        let g = Schedule::parse("s1:0badcafe:a(bc2)3").unwrap();
        assert_eq!(g.schedule, Schedule::parse("s1:0badcafe:abc2bc2bc2").unwrap().schedule);
        let any = Schedule::parse(" s1:*: \n").unwrap();
        assert_eq!(any.fingerprint, None);
        assert!(any.schedule.is_empty());
    }

    #[test]
    fn store_choices_round_trip_and_old_strings_still_parse() {
        let s = Schedule::from_decisions([0, 0, 1]).with_reads([0, 0, 1, 0, 2, 0, 0]);
        let text = s.to_text(Some(0x0bad_cafe));
        // Trailing latest choices are left out.
        assert_eq!(text, "s1:0badcafe:a2b:a2bac");
        let back = Schedule::parse(&text).unwrap().schedule;
        assert_eq!(back.iter().collect::<Vec<_>>(), vec![0, 0, 1]);
        assert_eq!(back.reads().collect::<Vec<_>>(), vec![0, 0, 1, 0, 2]);
        assert_eq!(back.stale_reads(), 2);
        // No stale read: no fourth part, the text of a schedule without weak memory.
        let plain = Schedule::from_decisions([1, 2]).with_reads([0, 0]);
        assert_eq!(plain.to_text(None), "s1:*:bc");
        assert_eq!(Schedule::parse("s1:*:bc").unwrap().schedule.reads_len(), 0);
        assert!(Schedule::parse("s1:*:bc:3").is_err());
        assert!(Schedule::parse("s1:*:bc:a:b:c").is_err());
    }

    #[test]
    fn spurious_wakeups_round_trip_as_a_fifth_part() {
        let s = Schedule::from_decisions([0, 1]).with_wakes([0, 1, 0, 0]);
        // No stale read: an empty fourth part; trailing sleeps are left out.
        let text = s.to_text(None);
        assert_eq!(text, "s1:*:ab::ab");
        let back = Schedule::parse(&text).unwrap().schedule;
        assert_eq!(back.wakes().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(back.spurious_wakes(), 1);
        assert_eq!(back.reads_len(), 0);
        let both = Schedule::from_decisions([0]).with_reads([1]).with_wakes([1]);
        assert_eq!(both.to_text(None), "s1:*:a:b:b");
        assert_eq!(Schedule::parse("s1:*:a:b:b").unwrap().schedule, both);
        // Only sleeps: no fifth part, the text of a run without spurious wakeups.
        assert_eq!(Schedule::from_decisions([0]).with_wakes([0, 0]).to_text(None), "s1:*:a");
        assert!(Schedule::parse("s1:*:a::c").is_err());
        assert!(Schedule::parse("s1:*:a::(").is_err());
    }

    #[test]
    fn malformed_strings_are_errors() {
        for bad in [
            "",
            "s1",
            "s1:0badcafe",
            "s2:0badcafe:a",
            "s1:xyz:a",
            "s1:0badcafe:A",
            "s1:0badcafe:3a",
            "s1:0badcafe:a0",
            "s1:0badcafe:a-b",
            "s1:0badcafe:a99999999999",
            "s1:0badcafe:ZZZZZZZZa",
            "s1:0badcafe:(a",
            "s1:0badcafe:a)",
            "s1:0badcafe:()3",
            "s1:0badcafe:((a)2)2",
            "s1:0badcafe:(ab)0",
            "s1:0badcafe:(ab)4000000000",
            "s1:0badcafe:(ab)40000000",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad:?}");
        }
    }
}
