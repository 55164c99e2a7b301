//! Scheduling policies. The scheduler is consulted only at scheduling points (foreign calls and
//! thread ends), so plain computation never changes the schedule.

use crate::por::Footprint;
use crate::schedule::{Cursor, Schedule};
use crate::source::Span;
use crate::thread::ThreadId;
use std::sync::Arc;

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same schedule on
/// every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
    }
}

/// Points a scheduler that logs them has room for from the start ([`Scheduler::set_log_points`]).
const POINTS_RESERVED: usize = 64;

/// How the scheduler decides. Every policy but `Fixed` returns to the scheduler at every
/// scheduling point and records its decisions (see [`crate::schedule`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    /// Keep the running thread until it blocks, yields or ends; then round robin.
    Fixed,
    /// At every scheduling point, switch with probability `preemption` to a thread chosen
    /// uniformly among the runnable ones.
    Random { seed: u64, preemption: f64 },
    /// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): every thread gets a
    /// random priority when it first becomes runnable, the highest-priority runnable thread runs,
    /// and at `depth - 1` scheduling points chosen uniformly in `1..=horizon` the running thread's
    /// priority drops below every initial priority. A thread that yields drops below all others.
    Pct { seed: u64, depth: u32, horizon: u64 },
    /// Follow a recorded schedule.
    Replay(Arc<Replay>),
    /// The default (non-preemptive) schedule, except at the listed switches.
    Directed(Arc<Vec<Switch>>),
    /// Depth-first exploration with sleep sets (partial-order reduction): follow a prefix of
    /// decisions, then make the default choice among the runnable threads that are not asleep.
    /// The VM records each segment's [`Footprint`] and keeps the sleep set up to date; a run in
    /// which every runnable thread is asleep is redundant and stops ([`Scheduler::sleep_blocked`]).
    Reduced(Arc<Reduced>),
}

/// A sleep-set entry: a thread, and the footprint of its next segment.
pub type Sleeper = (u32, Arc<Footprint>);

/// The prefix of a reduced DFS run.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduced {
    /// Decisions to follow (a decision naming a thread that is not runnable or asleep there is
    /// an error).
    pub prefix: Schedule,
    /// For each decision of the prefix, the threads to put to sleep there before choosing: the
    /// options of that node explored before (with their segment's footprint).
    pub sleep: Vec<Vec<Sleeper>>,
    /// `true`: `prefix` and `sleep` have an entry for every scheduling point, not only for the
    /// decisions (optimal DPOR names the thread of every event; at a point where one thread
    /// can run, an entry naming another is an error).
    pub every_point: bool,
    /// With `every_point`: (event, choice), sorted by event (the segment after point `i`): the
    /// choice made at the `futex` wait or the atomic load that ends the event —
    /// [`SPURIOUS_CHOICE`] for a wait that returns spuriously, `k` (below it) for a load that
    /// reads the `k`-th newest of its candidate stores (the latest if it has fewer). The two
    /// kinds are apart because a reordered event may end in the other kind of step: a load's
    /// choice never makes a wait return spuriously, nor the other way round. Every other wait
    /// with a choice sleeps and every other load reads the latest store. (Without `every_point`, the prefix's third and fourth
    /// streams give the choices in order.)
    pub choices: Vec<(u32, u32)>,
}

/// In [`Reduced::choices`]: the wait that ends the event returns spuriously.
pub const SPURIOUS_CHOICE: u32 = 1 << 10;

/// The sleep-set state of a reduced run.
#[derive(Debug, Default)]
struct PorState {
    sleep: Vec<Sleeper>,
    /// The segment about to run started while time was in play: it is opaque.
    opaque_next: bool,
    /// Every runnable thread was asleep at the last point: the run is redundant.
    blocked: bool,
    /// Per logged point: the sleeping threads (a range into `asleep`) and the footprint of
    /// the segment that followed it.
    asleep: Vec<u32>,
    asleep_ranges: Vec<(u32, u32)>,
    fps: Vec<Arc<Footprint>>,
}

/// A schedule to follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    pub schedule: Schedule,
    /// `true`: a decision that names a thread that is not runnable, running out of decisions, or
    /// decisions left over at the end are errors (`--replay`). `false`: past the end of the
    /// schedule (or where it does not fit) the default choice is made (exploration prefixes).
    pub strict: bool,
}

/// "When thread `thread` reaches its `step`-th scheduling point, switch to `to`."
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Switch {
    pub thread: u32,
    pub step: u64,
    pub to: u32,
}

/// One call of the scheduler, as recorded for exploration and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// The thread that ran before this point (or was about to, at the first point).
    pub current: u32,
    /// The thread chosen.
    pub chosen: u32,
    /// Whether `current` could have gone on running.
    pub current_runnable: bool,
    /// Whether `current` asked to yield.
    pub yielded: bool,
    /// How many scheduling points `current` had reached, this one included.
    pub step: u64,
    /// Where `current` stopped: the atomic or call (None: the thread ended, or the start).
    pub span: Option<Span>,
    /// Range into [`Scheduler::point_runnable`].
    pub runnable: (u32, u32),
}

impl Point {
    /// Whether this point was a decision (two or more runnable threads).
    pub fn is_decision(&self) -> bool {
        self.runnable.1 >= 2
    }
}

/// A store choice (weak memory), as recorded for exploration and reports: an atomic load that
/// could read `candidates` stores read the `chosen`-th newest (0: the latest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPoint {
    /// How many points were recorded before it: it belongs to the segment that ends at point
    /// `at` (the load is the last step of its segment).
    pub at: u32,
    pub thread: u32,
    pub candidates: u32,
    pub chosen: u32,
    /// Bit `k` (k < 64): the thread has not read candidate `k` before. Exploration branches
    /// only on stale stores the thread has not read yet, which keeps spin loops finite.
    pub fresh: u64,
    /// The location loaded (for the table): `X+0x0`.
    pub location: String,
    /// Where the chosen store is in the source (None: the location's initial value).
    pub store_span: Option<Span>,
    /// Not a store choice but a spurious-wakeup choice ([`Scheduler::pick_wake`]): at a `futex`
    /// wait that would sleep, `chosen` 0 sleeps and 1 returns at once (`candidates` is 2;
    /// `fresh` is `0b10` while the run's budget of spurious wakeups allows one, else 0).
    pub wake: bool,
    /// With `wake`: not a spurious-wakeup choice but a delivery choice ([`Scheduler::pick_delay`]):
    /// `chosen` 0 enters the interrupt frames queued on `thread` (a signal's handler) now, 1
    /// postpones them past the next step; the value is how many times this delivery was
    /// postponed before, and `store_span` is the step it is made before.
    pub delay: Option<u32>,
}

/// What the VM tells the scheduler about a load with several candidate stores.
pub struct StoreChoice<'a> {
    pub candidates: usize,
    pub fresh: u64,
    /// The location and, per candidate, where its store is: asked only when points are logged.
    pub describe: &'a dyn Fn(usize) -> (String, Option<Span>),
}

/// The choice the non-preemptive scheduler makes: keep the current thread unless it blocked,
/// ended or yielded; then the next runnable thread after it, in id order, wrapping around.
pub fn default_choice(current: ThreadId, current_runnable: bool, yielded: bool, runnable: &[ThreadId]) -> ThreadId {
    if current_runnable && !yielded {
        return current;
    }
    runnable.iter().copied().find(|&t| t > current).unwrap_or(runnable[0])
}

/// [`default_choice`] among the runnable threads that are not asleep; `None` if all are.
pub fn default_awake(
    current: ThreadId,
    current_runnable: bool,
    yielded: bool,
    runnable: &[ThreadId],
    asleep: impl Fn(ThreadId) -> bool,
) -> Option<ThreadId> {
    if current_runnable && !yielded && !asleep(current) {
        return Some(current);
    }
    let mut awake = runnable.iter().copied().filter(|&t| !asleep(t));
    let first = awake.next()?;
    Some(std::iter::once(first).chain(awake).find(|&t| t > current).unwrap_or(first))
}

/// State of the PCT policy.
#[derive(Debug, Default)]
struct PctState {
    prio: Vec<i64>,
    /// (step, new priority), sorted by step.
    changes: Vec<(u64, i64)>,
    next_change: usize,
    step: u64,
    low: i64,
}

const UNASSIGNED: i64 = i64::MIN;

pub struct Scheduler {
    pub policy: Policy,
    rng: Rng,
    /// Decisions made (points with two or more runnable threads), unless the policy is `Fixed`.
    decisions: Schedule,
    cursor: Cursor,
    /// Per-thread count of scheduling points reached.
    steps: Vec<u64>,
    picks: u64,
    pct: PctState,
    /// Every point, when recording them.
    log_points: bool,
    points: Vec<Point>,
    /// Without partial-order reduction, when asked for: the footprint of the segment after each
    /// logged point.
    segments: Option<Vec<Arc<Footprint>>>,
    point_runnable: Vec<u32>,
    /// Why the replayed schedule did not fit.
    error: Option<String>,
    /// Sleep sets, under [`Policy::Reduced`].
    por: Option<Box<PorState>>,
    /// Store choices: a separate generator (so that thread choices of a seed are the same with
    /// and without weak memory), the choices to follow (from a replayed or prefix schedule, or
    /// [`Scheduler::set_store_choices`]) and whether one that does not fit is an error.
    store_rng: Rng,
    store_prefix: Option<Schedule>,
    store_cursor: Cursor,
    store_strict: bool,
    reads_log: Vec<ReadPoint>,
    /// Spurious wakeups: at most `wake_budget` per run drawn or explored (0: none), how many
    /// this run took, their generator, and the choices to follow (as for store choices).
    wake_budget: u32,
    wakes_taken: u32,
    wake_rng: Rng,
    wake_prefix: Option<Schedule>,
    wake_cursor: Cursor,
    wake_strict: bool,
    /// Postponed signal deliveries ([`Self::pick_delay`]): how many this run took, and their
    /// generator.
    delays_taken: u32,
    delay_rng: Rng,
}

/// At most this many postponements of a signal's delivery per run are drawn or explored: a
/// delivery is postponed one step at a time, so this bounds how far past its first chance a
/// handler can start (and keeps DFS finite when the interrupted thread spins).
pub const DELAY_BUDGET: u32 = 64;

impl Scheduler {
    pub fn new(policy: Policy) -> Self {
        let seed = match policy {
            Policy::Random { seed, .. } | Policy::Pct { seed, .. } => seed,
            _ => 0,
        };
        let mut rng = Rng::new(seed);
        let mut pct = PctState::default();
        if let Policy::Pct { depth, horizon, .. } = policy {
            let horizon = horizon.max(1);
            for j in 1..depth.max(1) {
                pct.changes.push((1 + rng.below(horizon as usize) as u64, j as i64));
            }
            pct.changes.sort();
        }
        let por = matches!(policy, Policy::Reduced(_)).then(Box::default);
        let (store_prefix, store_strict) = match &policy {
            Policy::Replay(r) => (Some(r.schedule.reads_schedule()), r.strict),
            Policy::Reduced(r) => (Some(r.prefix.reads_schedule()), true),
            _ => (None, false),
        };
        let wake_prefix = match &policy {
            Policy::Replay(r) => Some(r.schedule.wakes_schedule()),
            Policy::Reduced(r) if !r.every_point => Some(r.prefix.wakes_schedule()),
            _ => None,
        };
        Scheduler {
            delays_taken: 0,
            delay_rng: Rng::new(seed ^ 0x64_656c_6179),
            wake_budget: 0,
            wakes_taken: 0,
            wake_rng: Rng::new(seed ^ 0x77_616b_6575),
            wake_prefix,
            wake_cursor: Cursor::default(),
            wake_strict: store_strict,
            store_rng: Rng::new(seed ^ 0x73_746f_7265),
            store_prefix,
            store_cursor: Cursor::default(),
            store_strict,
            reads_log: Vec::new(),
            policy,
            rng,
            decisions: Schedule::new(),
            cursor: Cursor::default(),
            steps: Vec::new(),
            picks: 0,
            pct,
            log_points: false,
            points: Vec::new(),
            segments: None,
            point_runnable: Vec::new(),
            error: None,
            por,
        }
    }

    /// Follow these store choices (then read the latest), whatever the policy: minimisation
    /// replays a failing run's store choices under directed schedules.
    pub fn set_store_choices(&mut self, reads: Schedule) {
        self.store_prefix = Some(reads);
        self.store_cursor = Cursor::default();
        self.store_strict = false;
    }

    /// Allow up to `n` spurious wakeups per run (`spindle explore --spurious-wakeups`; 0, the
    /// default, allows none). Replayed choices are followed whatever it is.
    pub fn set_spurious_wakeups(&mut self, n: u32) {
        self.wake_budget = n;
    }

    /// Follow these spurious-wakeup choices, whatever the policy (minimisation, as
    /// [`Self::set_store_choices`]).
    pub fn set_wake_choices(&mut self, wakes: Schedule) {
        self.wake_prefix = Some(wakes);
        self.wake_cursor = Cursor::default();
        self.wake_strict = false;
    }

    /// A blocking wait (`futex`) of `thread` is about to sleep: whether it returns at once
    /// instead, as if woken (a spurious wakeup). It is a choice — recorded in the schedule's
    /// third stream, replayed, branched on by DFS — at every such wait while replayed choices
    /// remain or the run's budget allows one (not under `Fixed`); `Random` and `Pct` wake with
    /// probability 1/2 from their own generator; everything else sleeps by default. An error
    /// means a strict replay does not fit.
    pub fn pick_wake(&mut self, thread: ThreadId) -> Result<bool, String> {
        if matches!(self.policy, Policy::Fixed) {
            return Ok(false);
        }
        let allowed = self.wakes_taken < self.wake_budget;
        // Optimal DPOR names the events that wake spuriously (the segment after point
        // `picks - 1` is running).
        let listed = self.listed_choice().map(|k| k == SPURIOUS_CHOICE);
        let replayed = if listed.is_some() { None } else { self.wake_prefix.as_ref().and_then(|p| self.wake_cursor.peek(p)) };
        let k = match replayed {
            None if listed == Some(true) => 1,
            Some(k) => self.replayed_binary(k, "spurious-wakeup")?,
            None if !allowed => return Ok(false),
            None => match self.policy {
                Policy::Random { .. } | Policy::Pct { .. } => self.wake_rng.below(2) as u32,
                _ => 0,
            },
        };
        self.record_binary(thread, k, allowed, None, None);
        self.wakes_taken += k;
        Ok(k == 1)
    }

    /// Interrupt frames another thread queued on `thread` (a signal's handler) wait for it to
    /// run user code: whether their entry is postponed past the step at `span` (`postponed`:
    /// how many times it was already). A choice of the thread's step, in the same stream as
    /// spurious wakeups (`a` enter now, `b` postpone; docs/explore.md, *Where a signal lands*):
    /// replayed, branched on by DFS, drawn with probability 1/2 by `Random` and `Pct` (from a
    /// generator of their own), at most [`DELAY_BUDGET`] postponements per run; never under
    /// `Fixed`, which enters them at once.
    pub fn pick_delay(&mut self, thread: ThreadId, postponed: u32, span: Option<Span>) -> Result<bool, String> {
        if matches!(self.policy, Policy::Fixed) {
            return Ok(false);
        }
        let allowed = self.delays_taken < DELAY_BUDGET;
        let replayed = match &self.policy {
            Policy::Reduced(r) if r.every_point => None,
            _ => self.wake_prefix.as_ref().and_then(|p| self.wake_cursor.peek(p)),
        };
        let k = match replayed {
            Some(k) => self.replayed_binary(k, "signal-delivery")?,
            None if !allowed => return Ok(false),
            None => match self.policy {
                Policy::Random { .. } | Policy::Pct { .. } => self.delay_rng.below(2) as u32,
                _ => 0,
            },
        };
        self.record_binary(thread, k, allowed, span, Some(postponed));
        self.delays_taken += k;
        Ok(k == 1)
    }

    /// A two-way choice `k` peeked from the third stream (spurious wakeups and signal
    /// deliveries, `what`): consumed, and 0 or 1; anything else is an error under a strict
    /// replay and 0 otherwise.
    fn replayed_binary(&mut self, k: u32, what: &str) -> Result<u32, String> {
        let p = self.wake_prefix.as_ref().expect("peeked");
        self.wake_cursor.advance(p);
        if k <= 1 {
            Ok(k)
        } else if self.wake_strict {
            let e = format!("{what} choice {} is not `a` or `b`", self.wake_cursor.consumed);
            self.error = Some(e.clone());
            Err(e)
        } else {
            Ok(0)
        }
    }

    /// Records the two-way choice `k` of `thread` in the third stream and, when points are
    /// logged, as a [`ReadPoint`] (`delay`: a signal delivery postponed that many times).
    fn record_binary(&mut self, thread: ThreadId, k: u32, allowed: bool, span: Option<Span>, delay: Option<u32>) {
        self.decisions.push_wake(k);
        if self.log_points {
            self.reads_log.push(ReadPoint {
                at: self.points.len() as u32,
                thread: thread as u32,
                candidates: 2,
                chosen: k,
                fresh: if allowed { 0b10 } else { 0 },
                location: String::new(),
                store_span: span,
                wake: true,
                delay,
            });
        }
    }

    /// Under optimal DPOR (`Reduced` with `every_point`): the choice its prefix names for the
    /// running event (the segment after point `picks - 1`), 0 if it names none.
    fn listed_choice(&self) -> Option<u32> {
        match &self.policy {
            Policy::Reduced(r) if r.every_point => {
                let e = self.picks.saturating_sub(1) as u32;
                Some(r.choices.binary_search_by_key(&e, |c| c.0).map_or(0, |i| r.choices[i].1))
            }
            _ => None,
        }
    }

    /// Which of `c.candidates` (≥ 2) stores an atomic load reads: 0 is the latest in
    /// modification order. `Fixed` always reads the latest; `Random` and `Pct` draw uniformly
    /// from their own generator; a replayed or prefix schedule is followed, and past its end the
    /// latest store is read. An error means a strict replay does not fit.
    pub fn pick_store(&mut self, thread: ThreadId, c: &StoreChoice) -> Result<usize, String> {
        let n = c.candidates;
        let k = if let Some(k) = self.listed_choice() {
            // Optimal DPOR names the choice of every event that has one.
            if k < SPURIOUS_CHOICE && (k as usize) < n {
                k as usize
            } else {
                0
            }
        } else if let Some(prefix) = &self.store_prefix {
            match self.store_cursor.peek(prefix) {
                Some(k) => {
                    self.store_cursor.advance(prefix);
                    if (k as usize) < n {
                        k as usize
                    } else if self.store_strict {
                        let e = format!(
                            "store choice {} reads the store {k} back, but the load there can read only {n} store{}",
                            self.store_cursor.consumed,
                            if n == 1 { "" } else { "s" }
                        );
                        self.error = Some(e.clone());
                        return Err(e);
                    } else {
                        0
                    }
                }
                None => 0,
            }
        } else {
            match self.policy {
                Policy::Random { .. } | Policy::Pct { .. } => self.store_rng.below(n),
                _ => 0,
            }
        };
        if !matches!(self.policy, Policy::Fixed) {
            self.decisions.push_read(k as u32);
        }
        if self.log_points {
            let (location, store_span) = (c.describe)(k);
            self.reads_log.push(ReadPoint {
                at: self.points.len() as u32,
                thread: thread as u32,
                candidates: n as u32,
                chosen: k as u32,
                fresh: c.fresh,
                location,
                store_span,
                wake: false,
                delay: None,
            });
        }
        Ok(k)
    }

    /// The recorded store choices (empty unless [`Self::set_log_points`]).
    pub fn read_points(&self) -> &[ReadPoint] {
        &self.reads_log
    }

    /// Whether the policy reduces (the VM must then record footprints and report segments).
    pub fn reduces(&self) -> bool {
        self.por.is_some()
    }

    /// A segment has ended (at a scheduling point or the end of the run): sleeping threads
    /// whose next segment depends on it wake up. `time_in_play`: a deadline or timer is
    /// pending, so the sleep set is cleared and the next segment is opaque.
    pub fn segment_done(&mut self, mut fp: Footprint, time_in_play: bool) {
        let logging = self.log_points;
        let points = self.points.len();
        let Some(p) = self.por.as_deref_mut() else {
            if let Some(segs) = &mut self.segments {
                if logging && points > segs.len() {
                    fp.finish();
                    segs.push(Arc::new(fp));
                }
            }
            return;
        };
        fp.opaque |= std::mem::replace(&mut p.opaque_next, time_in_play);
        fp.finish();
        if fp.opaque || time_in_play {
            p.sleep.clear();
        } else {
            p.sleep.retain(|(_, s)| !s.depends(&fp));
        }
        if logging && points > p.fps.len() {
            p.fps.push(Arc::new(fp));
        }
    }

    /// Under [`Policy::Reduced`]: the run stopped because every runnable thread was asleep.
    pub fn sleep_blocked(&self) -> bool {
        self.por.as_ref().is_some_and(|p| p.blocked)
    }

    /// Under [`Policy::Reduced`], for the `i`-th logged point: the threads asleep there, and the
    /// footprint of the segment that followed it (`None` for a segment cut short).
    pub fn point_sleep(&self, i: usize) -> (&[u32], Option<&Arc<Footprint>>) {
        match self.por.as_deref() {
            Some(p) => {
                let r = p.asleep_ranges.get(i).copied().unwrap_or((0, 0));
                (&p.asleep[r.0 as usize..(r.0 + r.1) as usize], p.fps.get(i))
            }
            None => (&[], None),
        }
    }

    /// Whether the interpreter must return to the scheduler after a scheduling point at which the
    /// current thread stayed runnable.
    pub fn wants_decision(&self) -> bool {
        !matches!(self.policy, Policy::Fixed)
    }

    /// Keep the footprint of every segment (see [`Self::segment_footprint`]); the machine must
    /// record them ([`crate::Machine::record_segments`]).
    pub fn keep_segments(&mut self) {
        self.segments.get_or_insert_with(Vec::new);
    }

    /// The footprint of the segment after the `i`-th logged point (reduced runs, or runs that
    /// keep segments).
    pub fn segment_footprint(&self, i: usize) -> Option<&Arc<Footprint>> {
        match (&self.segments, self.por.as_deref()) {
            (Some(s), _) => s.get(i),
            (None, Some(p)) => p.fps.get(i),
            (None, None) => None,
        }
    }

    /// Record every point (with runnable sets and spans) from now on.
    pub fn set_log_points(&mut self, on: bool) {
        self.log_points = on;
        if on {
            // Room for a small run's points at once (the vectors grew by doubling from empty,
            // a reallocation and a copy each time, in every run of an exploration).
            self.points.reserve(POINTS_RESERVED);
            self.point_runnable.reserve(2 * POINTS_RESERVED);
        }
    }

    /// The run's record, moved out (for a run that is over): its decisions, its points (empty
    /// unless [`Self::set_log_points`]) and its store and wakeup choices. What is left of them
    /// here is empty.
    pub fn take_record(&mut self) -> (Schedule, Vec<Point>, Vec<ReadPoint>) {
        (std::mem::take(&mut self.decisions), std::mem::take(&mut self.points), std::mem::take(&mut self.reads_log))
    }

    pub fn logs_points(&self) -> bool {
        self.log_points
    }

    /// Marks the decisions as made with lock waits ([`crate::Schedule::lock_waits`]).
    pub fn set_lock_waits(&mut self) {
        self.decisions.lock_waits = true;
    }

    /// The decisions made so far (empty under `Fixed`).
    pub fn decisions(&self) -> &Schedule {
        &self.decisions
    }

    /// The recorded points (empty unless [`Self::set_log_points`]).
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The runnable threads of a recorded point.
    pub fn point_runnable(&self, p: &Point) -> &[u32] {
        &self.point_runnable[p.runnable.0 as usize..(p.runnable.0 + p.runnable.1) as usize]
    }

    /// How many times the scheduler was called.
    pub fn picks(&self) -> u64 {
        self.picks
    }

    /// Why a replayed schedule did not fit the program, if it did not.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// For a strict replay that ended: an error if decisions are left over.
    pub fn leftover_error(&self) -> Option<String> {
        if let (Policy::Replay(r), Some(p)) = (&self.policy, &self.wake_prefix) {
            if r.strict && self.error.is_none() && self.wake_cursor.consumed < p.len() {
                return Some(format!(
                    "the run ended after {} spurious-wakeup or signal-delivery choice{}, but the schedule has {}",
                    self.wake_cursor.consumed,
                    if self.wake_cursor.consumed == 1 { "" } else { "s" },
                    p.len()
                ));
            }
        }
        if let (Policy::Replay(r), Some(p)) = (&self.policy, &self.store_prefix) {
            if r.strict && self.error.is_none() && self.store_cursor.consumed < p.len() {
                return Some(format!(
                    "the run ended after {} store choice{}, but the schedule has {}",
                    self.store_cursor.consumed,
                    if self.store_cursor.consumed == 1 { "" } else { "s" },
                    p.len()
                ));
            }
        }
        match &self.policy {
            Policy::Replay(r) if r.strict && self.error.is_none() && self.cursor.consumed < r.schedule.len() => Some(format!(
                "the run ended after {} decision{}, but the schedule has {}",
                self.cursor.consumed,
                if self.cursor.consumed == 1 { "" } else { "s" },
                r.schedule.len()
            )),
            _ => None,
        }
    }

    /// Picks the next thread. `runnable` is sorted; `current` may or may not be in it.
    /// `yielded` says the current thread asked to let others run. `span` is where the current
    /// thread stopped (for the point log). An error means a replayed schedule does not fit.
    pub fn pick(
        &mut self,
        current: ThreadId,
        current_runnable: bool,
        yielded: bool,
        runnable: &[ThreadId],
        span: Option<Span>,
    ) -> Result<ThreadId, String> {
        debug_assert!(!runnable.is_empty());
        self.picks += 1;
        if self.steps.len() <= current {
            self.steps.resize(current + 1, 0);
        }
        self.steps[current] += 1;
        let step = self.steps[current];
        let t = match &self.policy {
            Policy::Fixed => default_choice(current, current_runnable, yielded, runnable),
            &Policy::Random { preemption, .. } => {
                if current_runnable && !yielded && !self.rng.chance(preemption) {
                    current
                } else if yielded && runnable.len() > 1 {
                    let others: Vec<ThreadId> = runnable.iter().copied().filter(|&t| t != current).collect();
                    others[self.rng.below(others.len())]
                } else {
                    runnable[self.rng.below(runnable.len())]
                }
            }
            Policy::Pct { .. } => self.pick_pct(current, yielded, runnable),
            Policy::Replay(r) => {
                if runnable.len() < 2 {
                    runnable[0]
                } else {
                    let r = r.clone();
                    match self.cursor.peek(&r.schedule) {
                        Some(d) if runnable.binary_search(&(d as usize)).is_ok() => {
                            self.cursor.advance(&r.schedule);
                            d as usize
                        }
                        _ if !r.strict => default_choice(current, current_runnable, yielded, runnable),
                        Some(d) => {
                            let e = format!(
                                "decision {} names thread {} (`{}`), which is not runnable there; the runnable threads are {}",
                                self.cursor.consumed + 1,
                                d,
                                crate::schedule::thread_letters(d),
                                list_threads(runnable)
                            );
                            self.error = Some(e.clone());
                            return Err(e);
                        }
                        None => {
                            let e = format!(
                                "the schedule ends after {} decision{}, but the run needs more (threads {} are runnable)",
                                r.schedule.len(),
                                if r.schedule.len() == 1 { "" } else { "s" },
                                list_threads(runnable)
                            );
                            self.error = Some(e.clone());
                            return Err(e);
                        }
                    }
                }
            }
            Policy::Reduced(r) => {
                let r = r.clone();
                let p = self.por.as_deref_mut().expect("a reduced run has sleep sets");
                let decision = runnable.len() >= 2 || r.every_point;
                let at = if r.every_point { self.picks - 1 } else { self.decisions.len() };
                if decision {
                    if let Some(add) = r.sleep.get(at as usize) {
                        for (t, f) in add {
                            if !p.sleep.iter().any(|s| s.0 == *t) {
                                p.sleep.push((*t, f.clone()));
                            }
                        }
                    }
                }
                let sleep = &p.sleep;
                let asleep = |t: ThreadId| sleep.iter().any(|s| s.0 as usize == t);
                let t = match self.cursor.peek(&r.prefix) {
                    Some(d) if decision => {
                        self.cursor.advance(&r.prefix);
                        let d = d as usize;
                        if runnable.binary_search(&d).is_err() || asleep(d) {
                            let what = if r.every_point { "point" } else { "decision" };
                            let e = format!("{what} {} names thread {d}, which is not runnable or asleep there", self.cursor.consumed);
                            self.error = Some(e.clone());
                            return Err(e);
                        }
                        d
                    }
                    _ => match default_awake(current, current_runnable, yielded, runnable, asleep) {
                        Some(t) => t,
                        None => {
                            p.blocked = true;
                            return Err("every runnable thread is asleep: the run is redundant".to_string());
                        }
                    },
                };
                if self.log_points {
                    let start = p.asleep.len() as u32;
                    p.asleep.extend(p.sleep.iter().map(|s| s.0).filter(|&u| runnable.binary_search(&(u as usize)).is_ok()));
                    p.asleep_ranges.push((start, p.asleep.len() as u32 - start));
                }
                t
            }
            Policy::Directed(sw) => {
                let d = default_choice(current, current_runnable, yielded, runnable);
                if runnable.len() < 2 {
                    d
                } else {
                    let key = (current as u32, step);
                    match sw.binary_search_by(|s| (s.thread, s.step).cmp(&key)) {
                        Ok(i) if runnable.binary_search(&(sw[i].to as usize)).is_ok() => sw[i].to as usize,
                        _ => d,
                    }
                }
            }
        };
        if runnable.len() >= 2 && !matches!(self.policy, Policy::Fixed) {
            self.decisions.push(t as u32);
        }
        if self.log_points {
            let start = self.point_runnable.len() as u32;
            self.point_runnable.extend(runnable.iter().map(|&t| t as u32));
            self.points.push(Point {
                current: current as u32,
                chosen: t as u32,
                current_runnable,
                yielded,
                step,
                span,
                runnable: (start, runnable.len() as u32),
            });
        }
        Ok(t)
    }

    fn pick_pct(&mut self, current: ThreadId, yielded: bool, runnable: &[ThreadId]) -> ThreadId {
        let p = &mut self.pct;
        p.step += 1;
        let need = runnable.last().copied().unwrap_or(0).max(current) + 1;
        if p.prio.len() < need {
            p.prio.resize(need, UNASSIGNED);
        }
        for &t in runnable {
            if p.prio[t] == UNASSIGNED {
                // Initial priorities are above every change-point priority (1 ..= depth - 1).
                p.prio[t] = 1 << 32 | (self.rng.next_u64() >> 33) as i64;
            }
        }
        while p.next_change < p.changes.len() && p.changes[p.next_change].0 <= p.step {
            if p.changes[p.next_change].0 == p.step {
                p.prio[current] = p.changes[p.next_change].1;
            }
            p.next_change += 1;
        }
        if yielded {
            p.prio[current] = p.low;
            p.low -= 1;
        }
        let exclude_current = yielded && runnable.len() > 1;
        let mut best: Option<ThreadId> = None;
        for &t in runnable {
            if exclude_current && t == current {
                continue;
            }
            match best {
                Some(b) if p.prio[t] <= p.prio[b] => {}
                _ => best = Some(t),
            }
        }
        best.unwrap_or(runnable[0])
    }
}

fn list_threads(ts: &[ThreadId]) -> String {
    ts.iter().map(|&t| format!("{t} (`{}`)", crate::schedule::thread_letters(t as u32))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
    }

    #[test]
    fn spurious_wakeups_are_choices_within_the_budget() {
        // The fixed scheduler never wakes a wait spuriously, whatever the budget.
        let mut s = Scheduler::new(Policy::Fixed);
        s.set_spurious_wakeups(5);
        assert_eq!(s.pick_wake(0), Ok(false));
        // Random draws at most its budget, and records every choice up to the last it could make.
        let mut s = Scheduler::new(Policy::Random { seed: 1, preemption: 0.5 });
        s.set_spurious_wakeups(1);
        let woke: Vec<bool> = (0..40).map(|_| s.pick_wake(0).unwrap()).collect();
        assert_eq!(woke.iter().filter(|&&w| w).count(), 1);
        let first = woke.iter().position(|&w| w).unwrap();
        assert_eq!(s.decisions().wakes().count(), first + 1);
        assert_eq!(s.decisions().spurious_wakes(), 1);
        // No budget: no choice, nothing recorded.
        let mut s = Scheduler::new(Policy::Random { seed: 1, preemption: 0.5 });
        assert!((0..40).all(|_| s.pick_wake(0) == Ok(false)));
        assert_eq!(s.decisions().wakes().count(), 0);
        // A strict replay follows its choices whatever the budget, then sleeps.
        let schedule = Schedule::new().with_wakes([0, 1]);
        let mut s = Scheduler::new(Policy::Replay(Arc::new(Replay { schedule, strict: true })));
        assert_eq!([s.pick_wake(0), s.pick_wake(0), s.pick_wake(0)], [Ok(false), Ok(true), Ok(false)]);
        assert_eq!(s.leftover_error(), None);
        assert_eq!(s.decisions().wakes().collect::<Vec<_>>(), vec![0, 1]);
        // Choices left over are an error.
        let schedule = Schedule::new().with_wakes([1, 1]);
        let mut s = Scheduler::new(Policy::Replay(Arc::new(Replay { schedule, strict: true })));
        assert_eq!(s.pick_wake(0), Ok(true));
        assert!(s.leftover_error().is_some_and(|e| e.contains("1 spurious-wakeup or signal-delivery choice, but the schedule has 2")));
    }

    #[test]
    fn fixed_policy_is_round_robin_after_a_yield() {
        let mut s = Scheduler::new(Policy::Fixed);
        assert_eq!(s.pick(1, true, false, &[0, 1, 2], None), Ok(1));
        assert_eq!(s.pick(1, true, true, &[0, 1, 2], None), Ok(2));
        assert_eq!(s.pick(2, false, false, &[0, 1], None), Ok(0));
    }
}
