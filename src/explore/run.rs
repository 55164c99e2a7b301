//! One run of the program under a policy, and what it produced.

use crate::{ending, Program, RunConfig, SharedBuf};
use spindle_shims::Shims;
use spindle_vm::machine::{Console, Machine};
use spindle_vm::por::Footprint;
use spindle_vm::sched::{Point, ReadPoint};
use spindle_vm::{Policy, Schedule, Stop};
use std::io::Write;
use std::sync::Arc;

/// What one run produced.
pub struct Single {
    pub exit_code: i32,
    pub stop: Box<Stop>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub decisions: Schedule,
    /// Recorded points (when asked for).
    pub points: Vec<Point>,
    /// Per recorded point, the runnable threads.
    pub point_runnable: Rows,
    pub thread_names: Vec<String>,
    pub trace: Vec<u8>,
    /// A replayed prefix did not fit: a Spindle bug when exploring.
    pub schedule_error: Option<String>,
    pub picks: u64,
    /// A reduced run stopped because every runnable thread was asleep (not a schedule).
    pub redundant: bool,
    /// Reduced runs, per recorded point: the threads asleep there and the footprint of the
    /// segment that followed it.
    pub point_asleep: Rows,
    pub point_fp: Vec<Option<Arc<Footprint>>>,
    /// Store choices of weak memory (when points are recorded).
    pub reads: Vec<ReadPoint>,
    /// Runs for a table ([`run_for_table`]): the footprint of the segment after each point.
    pub segments: Vec<Option<Arc<Footprint>>>,
}

/// A list of threads per recorded point, all in one vector: a run has a point per scheduling
/// decision, and a vector per point was a heap allocation each (reduced exploration records
/// points at every run).
#[derive(Clone, Debug, Default)]
pub struct Rows {
    flat: Vec<u32>,
    /// Where each row ends in `flat`.
    ends: Vec<u32>,
}

impl Rows {
    /// Empty, with room for `rows` rows of `total` threads in all.
    pub fn with_capacity(rows: usize, total: usize) -> Rows {
        Rows { flat: Vec::with_capacity(total), ends: Vec::with_capacity(rows) }
    }

    /// How many threads the rows hold in all.
    pub fn total(&self) -> usize {
        self.flat.len()
    }

    /// Appends a row.
    pub fn push(&mut self, row: &[u32]) {
        self.flat.extend_from_slice(row);
        self.ends.push(self.flat.len() as u32);
    }

    /// Row `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&[u32]> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.flat[start..end])
    }

    /// The rows, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.ends.len()).map(|i| self.get(i).unwrap_or_default())
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl std::ops::Index<usize> for Rows {
    type Output = [u32];
    fn index(&self, i: usize) -> &[u32] {
        match self.get(i) {
            Some(r) => r,
            None => panic!("row {i} of {}", self.len()),
        }
    }
}

impl Single {
    pub fn failed(&self) -> bool {
        self.exit_code != 0
    }

    /// Exit code and a digest of the output and the failure's title.
    pub fn outcome_key(&self) -> (i32, u64) {
        let mut h = Fnv::new();
        h.write(&self.stdout);
        h.write(&[0xff]);
        h.write(&self.stderr);
        h.write(&[0xff]);
        if !self.stop.is_exit() {
            if let Some(d) = self.stop.diags.first() {
                h.write(d.title.as_bytes());
            }
        }
        (self.exit_code, h.0)
    }

    /// A one-line description of the outcome.
    pub fn preview(&self) -> String {
        let first = self.stdout.split(|&b| b == b'\n').find(|l| !l.is_empty()).unwrap_or(&[]);
        let mut text = String::from_utf8_lossy(first).into_owned();
        if text.chars().count() > 40 {
            text = format!("{}…", text.chars().take(40).collect::<String>());
        }
        let mut p = format!("{text:?}");
        if !self.stop.is_exit() {
            if let Some(d) = self.stop.diags.first() {
                p.push_str(" — ");
                p.push_str(&d.title);
            }
        }
        p
    }
}

/// The class of a failure, which minimisation must preserve: its kind and the title of its
/// report (for races, without which accesses and threads race).
pub fn failure_class(stop: &Stop) -> String {
    let title = stop.diags.first().map_or("", |d| d.title.as_str());
    let title = title.split(" between (1)").next().unwrap_or(title);
    format!("{:?}: {title}", stop.kind)
}

/// 64-bit FNV-1a.
struct Fnv(u64);
impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Runs `program` once under `policy`.
pub fn run_one(program: &Program, config: &RunConfig, policy: Policy, log_points: bool, trace: bool) -> Single {
    run_inner(program, config, policy, None, log_points, trace, false)
}

/// Runs `program` once under `policy`, following the store choices and spurious wakeups of
/// `reads` if given (then reading the latest stores) whatever the policy.
pub fn run_one_reads(
    program: &Program,
    config: &RunConfig,
    policy: Policy,
    reads: Option<&Schedule>,
    log_points: bool,
    trace: bool,
) -> Single {
    run_inner(program, config, policy, reads, log_points, trace, false)
}

/// Runs the program to show its steps: points logged, with the footprint of every segment, so
/// that the table can put each access of a race where it happened; store choices as in
/// [`run_one_reads`].
pub fn run_for_table(program: &Program, config: &RunConfig, policy: Policy, reads: Option<&Schedule>) -> Single {
    run_inner(program, config, policy, reads, true, false, true)
}

fn run_inner(
    program: &Program,
    config: &RunConfig,
    policy: Policy,
    reads: Option<&Schedule>,
    log_points: bool,
    trace: bool,
    segments: bool,
) -> Single {
    let out = SharedBuf::default();
    let err = SharedBuf::default();
    let console = Console { out: Box::new(out.clone()), err: Box::new(err.clone()) };
    let mut shims = Shims::new();
    // The trace buffer exists only when a trace is asked for (a run's fixed cost, paid per schedule).
    let tbuf = trace.then(SharedBuf::default);
    if let Some(tbuf) = &tbuf {
        let tc = crate::TraceConfig { format: crate::TraceFormat::Text, time: true, timeline: false };
        shims.trace = Some(crate::Tracer::new(tc, Some(Box::new(tbuf.clone()))));
    }
    let config = RunConfig { policy, ..config.clone() };
    let mut single = match Machine::new(program.ir.clone(), config, console) {
        Ok(mut m) => {
            m.scheduler_mut().set_log_points(log_points);
            if let Some(r) = reads {
                m.scheduler_mut().set_store_choices(r.reads_schedule());
                m.scheduler_mut().set_wake_choices(r.wakes_schedule());
            }
            if segments {
                m.record_segments();
            }
            let stop = m.run(&mut shims);
            let _ = m.console.out.flush();
            if let Some(t) = &mut shims.trace {
                t.ended(&m, &ending(&stop));
            }
            let s = m.scheduler();
            let schedule_error = s.error().map(str::to_string).or_else(|| s.leftover_error());
            let mut point_runnable = Rows::default();
            if log_points {
                point_runnable = Rows::with_capacity(s.points().len(), s.points().iter().map(|p| s.point_runnable(p).len()).sum());
                for p in s.points() {
                    point_runnable.push(s.point_runnable(p));
                }
            }
            let (mut point_asleep, mut point_fp) = (Rows::default(), Vec::new());
            if log_points && s.reduces() {
                let n = s.points().len();
                point_asleep = Rows::with_capacity(n, (0..n).map(|i| s.point_sleep(i).0.len()).sum());
                point_fp.reserve_exact(n);
                for i in 0..n {
                    let (asleep, fp) = s.point_sleep(i);
                    point_asleep.push(asleep);
                    point_fp.push(fp.cloned());
                }
            }
            let segments = if segments { (0..s.points().len()).map(|i| s.segment_footprint(i).cloned()).collect() } else { Vec::new() };
            let redundant = s.sleep_blocked();
            let picks = s.picks();
            let thread_names = if log_points { (0..m.thread_count()).map(|t| m.thread_name(t).to_string()).collect() } else { Vec::new() };
            // The machine is dropped after this: its record is moved out, not copied.
            let (decisions, points, reads) = m.scheduler_mut().take_record();
            Single {
                exit_code: stop.exit_code(),
                stop,
                stdout: Vec::new(),
                stderr: Vec::new(),
                decisions,
                points,
                point_runnable,
                // Only tables (runs with points logged) name the threads.
                thread_names,
                trace: Vec::new(),
                schedule_error: if redundant { None } else { schedule_error },
                picks,
                redundant,
                point_asleep,
                point_fp,
                reads,
                segments,
            }
        }
        Err(stop) => Single {
            exit_code: stop.exit_code(),
            stop,
            stdout: Vec::new(),
            stderr: Vec::new(),
            decisions: Schedule::new(),
            points: Vec::new(),
            point_runnable: Rows::default(),
            thread_names: Vec::new(),
            trace: Vec::new(),
            schedule_error: None,
            picks: 0,
            redundant: false,
            point_asleep: Rows::default(),
            point_fp: Vec::new(),
            reads: Vec::new(),
            segments: Vec::new(),
        },
    };
    drop(shims);
    // The machine and the shims are gone: the buffers are this run's alone, taken, not copied.
    single.stdout = std::mem::take(&mut *out.0.borrow_mut());
    single.stderr = std::mem::take(&mut *err.0.borrow_mut());
    single.trace = tbuf.map(|t| std::mem::take(&mut *t.0.borrow_mut())).unwrap_or_default();
    single
}

/// Runs a schedule twice and compares everything observable; `Err` describes the first
/// difference (a Spindle bug).
pub(super) fn run_checked(program: &Program, config: &RunConfig, policy: Policy, log_points: bool) -> (Single, Option<String>) {
    let a = run_one(program, config, policy.clone(), log_points, true);
    let b = run_one(program, config, policy, log_points, true);
    let diff = if a.exit_code != b.exit_code {
        Some(format!("exit code {} vs {}", a.exit_code, b.exit_code))
    } else if a.decisions != b.decisions {
        Some("the scheduling decisions differ".to_string())
    } else if a.stdout != b.stdout {
        Some("stdout differs".to_string())
    } else if a.stderr != b.stderr {
        Some("stderr differs".to_string())
    } else if a.trace != b.trace {
        let (ta, tb) = (String::from_utf8_lossy(&a.trace), String::from_utf8_lossy(&b.trace));
        let (n, (la, lb)) = ta.lines().zip(tb.lines()).enumerate().find(|(_, (x, y))| x != y).unwrap_or((0, ("(shorter)", "(shorter)")));
        Some(format!("the traces differ at line {}: `{la}` vs `{lb}`", n + 1))
    } else if format!("{:?}", a.stop) != format!("{:?}", b.stop) {
        Some("the failure reports differ".to_string())
    } else {
        None
    };
    (a, diff)
}
