//! The machine: memory, threads, the scheduler and virtual time, and the API the host (the shim
//! layer) uses to implement foreign calls — blocking, waking, spawning, joining, errno.

use crate::clock::VClock;
use crate::diag::{Backtrace, Diagnostic};
use crate::error::{Stop, StopKind, VmResult};
use crate::ir::Program;
use crate::memory::{describe_kind, heap_block, AllocKind, MemError, Memory};
use crate::por::{thread_end_loc, thread_join_loc, Footprint, Loc, LOC_ALLOC, LOC_SPAWN};
use crate::race::{Detector, Race, Site, ALLOC_SITE};
use crate::sched::{Policy, Scheduler};
use crate::source::Span;
use crate::thread::{BlockReason, Callback, Frame, SpaceId, Thread, ThreadId, ThreadState, Unblock};
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What a foreign call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// It returned this value (already the C return value; errno set separately).
    Value(u64),
    /// It blocked the calling thread; the unblock callback will provide the value.
    Blocked,
}

/// The host: implements foreign calls. The VM calls it at every foreign call with the host's own
/// function id (from [`crate::front::Resolver::foreign`]) and the evaluated arguments.
pub trait Host: Sized + 'static {
    fn call(&mut self, m: &mut Machine<Self>, id: u32, args: &[u64]) -> VmResult<Ret>;

    /// A call that blocked the active thread has finished with `value` (its unblock callback
    /// set it); the thread is about to continue. For observers such as a trace.
    fn call_resumed(&mut self, _m: &mut Machine<Self>, _value: u64) {}

    /// Thread `t`'s function returned `value` (not called for `main`: the run ends then).
    fn thread_exited(&mut self, _m: &mut Machine<Self>, _t: ThreadId, _value: u64) {}

    /// Thread `t` has ended (its function returned `value`; it is terminated and its joiner
    /// woken): the host may end its address space ([`Machine::end_space`]), if it was the
    /// last thread or its root. Not called for thread 0.
    fn thread_ended(&mut self, _m: &mut Machine<Self>, _t: ThreadId, _value: u64) -> VmResult<()> {
        Ok(())
    }

    /// The scheduler gave the processor to thread `t` (a different thread than before).
    fn scheduled(&mut self, _m: &mut Machine<Self>, _t: ThreadId) {}

    /// Timer `id` (armed with [`Machine::set_timer`]) is due. Runs at a scheduling decision,
    /// before a thread is chosen; it may unblock threads and re-arm the timer.
    fn timer_fired(&mut self, _m: &mut Machine<Self>, _id: u64) -> VmResult<()> {
        Ok(())
    }

    /// What blocked thread `t` waits for, when its host knows more than its [`HostWait`] says
    /// (a lock word's holder): the sentence for the deadlock report, and the thread it waits
    /// for, from which the report builds a wait-for cycle (an ABBA deadlock). Called only to
    /// report a deadlock.
    fn wait_for(&self, _m: &Machine<Self>, _t: ThreadId) -> Option<(String, Option<ThreadId>)> {
        None
    }

    /// The active thread enters the interrupt frame the host queued with `token`
    /// ([`Machine::push_interrupt_frame`]); its function is about to run.
    fn interrupt_entered(&mut self, _m: &mut Machine<Self>, _token: u64) -> VmResult<()> {
        Ok(())
    }

    /// The active thread's interrupt frame `token` returned; the code it interrupted is about to
    /// continue (unless the host queues another frame now).
    fn interrupt_returned(&mut self, _m: &mut Machine<Self>, _token: u64) -> VmResult<()> {
        Ok(())
    }
}

/// Run-time settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub policy: Policy,
    pub max_steps: Option<u64>,
    pub max_stack_depth: usize,
    pub max_memory: u64,
    pub max_threads: usize,
    /// Most threads a run may create in all (ids are never reused: each costs host memory).
    pub max_spawns: u64,
    /// Most allocations a run may make in all — heap blocks, array locals, statics (ids are
    /// never reused: each keeps its bookkeeping, for use-after-free reports, after it is freed).
    pub max_allocations: u64,
    /// Most address spaces (processes) alive at once (`Machine::fork` beyond it stops the run,
    /// exit 4).
    pub max_spaces: usize,
    /// Check every memory access for data races (once a second thread exists).
    pub race_check: bool,
    /// Weak memory (needs `race_check`, whose clocks it uses): atomic loads may read older
    /// stores, as C++20 allows (docs/language.md, *The memory model*). Off: every load reads
    /// the latest store in the interleaving (`--sc`).
    pub weak_memory: bool,
    /// At most this many spurious wakeups per run ([`Machine::spurious_wakeup`]; 0: none, the
    /// default). Only exploring schedulers inject them; a replayed schedule's are followed.
    pub spurious_wakeups: u32,
    /// Lock waits (docs/explore.md, "Lock waits"): a `cas.lock` that would fail does not run;
    /// its thread waits, touching nothing, until the word holds the expected value, then makes
    /// it. Optimal DPOR (`dfs:inf`) turns it on; a schedule recorded with it replays with it.
    pub lock_waits: bool,
    /// Set from outside (Ctrl-C) to stop the run with a report of where each thread is
    /// ([`StopKind::Interrupted`]); looked at every [`INTERRUPT_CHECK`] steps and at every
    /// scheduling point.
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            policy: Policy::Fixed,
            max_steps: None,
            max_stack_depth: 10_000,
            max_memory: 1 << 30,
            max_threads: 10_000,
            max_spawns: DEFAULT_MAX_SPAWNS,
            max_allocations: DEFAULT_MAX_ALLOCATIONS,
            max_spaces: DEFAULT_MAX_SPACES,
            race_check: true,
            weak_memory: true,
            spurious_wakeups: 0,
            lock_waits: false,
            interrupt: None,
        }
    }
}

/// How many steps may run between two looks at [`Config::interrupt`]; the console's stdout is
/// flushed at the same points (a guest that never stops still shows what it printed).
pub const INTERRUPT_CHECK: u64 = 1 << 16;

/// Host bytes of a thread's race-detector record (its clocks' headers, in a vector that
/// doubles, and its entries in the per-thread tables), besides the clocks' contents.
const THREAD_CLOCKS_BYTES: u64 = 2 * 120 + 2 * 8;

/// `--max-spawns`' default. Each thread's record counts against `--max-memory` too, which
/// binds first at the default limits (a million records are over 500 MiB).
pub const DEFAULT_MAX_SPAWNS: u64 = 1 << 20;
/// `--max-allocations`' default: every id there is (ids are 32 bits and never reused). A freed
/// allocation's record does not stay for ever ([`crate::id_table`]), so a run that frees what
/// it allocates may go on until the ids run out.
pub const DEFAULT_MAX_ALLOCATIONS: u64 = u32::MAX as u64;

/// `--max-processes`' default: address spaces alive at once (each holds a copy of memory).
pub const DEFAULT_MAX_SPACES: usize = 256;

/// Where the guest's stdout and stderr go.
pub struct Console {
    pub out: Box<dyn Write>,
    pub err: Box<dyn Write>,
}

impl Console {
    /// Output that is thrown away.
    pub fn sink() -> Self {
        Console { out: Box::new(std::io::sink()), err: Box::new(std::io::sink()) }
    }
}

pub struct Machine<H> {
    pub(crate) program: Rc<Program>,
    pub memory: Memory,
    pub(crate) threads: Vec<Thread<H>>,
    pub(crate) active: ThreadId,
    pub(crate) sched: Scheduler,
    /// Executed statements and terminators, all threads together.
    pub(crate) steps: u64,
    /// Virtual time is `steps + time_offset`: sleeps move the offset.
    time_offset: u64,
    pub(crate) yield_requested: bool,
    /// The span of the foreign call being executed.
    pub(crate) cur_span: Span,
    pub(crate) config: Config,
    pub console: Console,
    pub(crate) runnable: Vec<ThreadId>,
    /// Threads not yet terminated, in id order: what scheduling looks at, so that its cost
    /// does not grow with every thread that ever ran.
    pub(crate) live: Vec<ThreadId>,
    /// The data-race detector, from the first `spawn` on (unless disabled).
    pub(crate) race: Option<Detector>,
    /// Where happens-before came from, for race reports (recorded while detecting races).
    pub(crate) edges: crate::edges::Edges,
    /// Calling contexts, which race-report sites name.
    pub(crate) contexts: crate::context::Contexts,
    /// Where the current foreign call is (`context << 32 | pc`), for race reports of shim accesses.
    pub(crate) cur_site: Site,
    /// Host timers: (deadline, id) in firing order, and each id's deadline.
    timers: std::collections::BTreeSet<(u64, u64)>,
    timer_deadline: std::collections::BTreeMap<u64, u64>,
    /// The thread the scheduler last picked.
    last_scheduled: ThreadId,
    /// Where the thread that ran last stopped (for the scheduler's point log).
    point_span: Option<Span>,
    /// The footprint of the running segment, recorded under [`Policy::Reduced`] only.
    pub(crate) fp: Option<Box<Footprint>>,
    /// The running segment read the virtual clock (recorded with `fp`).
    clock_read: std::cell::Cell<bool>,
    /// The foreign call being executed said what it touched ([`Self::touch`]); otherwise it
    /// is "global" (dependent with every other call).
    pub(crate) call_touched: bool,
    /// The step count at which the interpreter next looks at [`Config::interrupt`] and flushes
    /// the console.
    pub(crate) next_interrupt_check: u64,
    /// Every address space by id (ARCHITECTURE.md, *processes are address spaces*): the one in
    /// `memory` is `Current`. Empty while there is only space 0 (no fork yet): a run that
    /// never forks does not allocate it.
    spaces: Vec<SpaceSlot>,
    /// The space whose memory is in `memory`.
    cur_space: SpaceId,
    /// The thread a [`Machine::fork`] made, until the interpreter gives it the caller's stack.
    pub(crate) fork_pending: Option<ThreadId>,
    /// The active thread runs with interrupt frames queued whose entry the scheduler
    /// postponed ([`Scheduler::pick_delay`]): the interpreter offers the choice again before
    /// each of its memory accesses and atomics (`interrupt.rs`), `postponed` times so far.
    pub(crate) delaying: bool,
    pub(crate) postponed: u32,
    /// While the host hears of an interrupt frame entered: where (the site it runs before) and
    /// its function, for the edge of what it acquires.
    pub(crate) entering: Option<(Site, u32)>,
}

/// An address space: in `Machine::memory`, parked, or ended (its memory dropped).
enum SpaceSlot {
    Current,
    Parked(Box<Parked>),
    Ended,
}

/// An address space that is not the current one.
struct Parked {
    memory: Memory,
    shadows: crate::race::Shadows,
}

/// What the interpreter loop returns to the scheduler.
pub(crate) enum Event {
    /// A scheduling point: decide who runs next.
    Switch,
    /// The running thread's root function returned this value.
    Finished(u64),
}

impl<H: Host> Machine<H> {
    /// Prepares a run: statics allocated, `main` ready on thread 0.
    pub fn new(program: Rc<Program>, config: Config, console: Console) -> VmResult<Self> {
        let mut memory = Memory::new(config.max_memory);
        memory.max_allocs = config.max_allocations;
        for s in &program.statics {
            let kind = if s.read_only { AllocKind::Literal } else { AllocKind::Static(s.name.clone()) };
            memory.allocate(s.bytes.len() as u64, &s.bytes, kind, s.span).map_err(|e| mem_stop(&memory, e, "allocation of a static"))?;
        }
        // The scheduler is made in place (not moved in: the machine is large).
        let mut m = Machine {
            program,
            memory,
            threads: Vec::with_capacity(crate::spare::thread_count()),
            active: 0,
            sched: Scheduler::new(config.policy.clone()),
            steps: 0,
            time_offset: 0,
            yield_requested: false,
            cur_span: Span::default(),
            config,
            console,
            runnable: crate::spare::ids(),
            live: crate::spare::ids(),
            race: None,
            cur_site: 0,
            contexts: Default::default(),
            edges: Default::default(),
            timers: Default::default(),
            timer_deadline: Default::default(),
            last_scheduled: usize::MAX,
            point_span: None,
            fp: None,
            clock_read: std::cell::Cell::new(false),
            call_touched: false,
            next_interrupt_check: INTERRUPT_CHECK,
            // Empty until the first fork: then it holds space 0 (`Current`) too.
            spaces: Vec::new(),
            cur_space: 0,
            fork_pending: None,
            delaying: false,
            postponed: 0,
            entering: None,
        };
        m.sched.set_spurious_wakeups(m.config.spurious_wakeups);
        if let Policy::Replay(r) = &m.config.policy {
            m.config.lock_waits |= r.schedule.lock_waits;
        }
        if m.config.lock_waits {
            m.sched.set_lock_waits();
        }
        m.fp = m.sched.reduces().then(Box::default);
        let main = m.program.main;
        let mut name = crate::spare::name(4);
        name.push_str("main");
        m.new_thread(name, main, None)?;
        Ok(m)
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Runs until the program ends; returns how.
    pub fn run(&mut self, host: &mut H) -> Box<Stop> {
        let stop = self.run_loop(host);
        if self.fp.is_some() {
            // The last segment (cut short by a failure, or main's end). It ends the program,
            // so no other thread runs after it: it depends on every other step.
            self.mark(true, true);
            self.end_segment(false);
        }
        stop
    }

    /// Hands the footprint of the segment that just ended to the scheduler (reduced runs).
    fn end_segment(&mut self, time_in_play: bool) {
        if let Some(rec) = self.fp.as_deref_mut() {
            let mut f = std::mem::take(rec);
            f.opaque |= self.clock_read.replace(false);
            self.sched.segment_done(f, time_in_play);
        }
    }

    /// Marks the running segment (when footprints are recorded).
    #[inline]
    pub(crate) fn mark(&mut self, global: bool, opaque: bool) {
        if let Some(f) = self.fp.as_deref_mut() {
            f.global |= global;
            f.opaque |= opaque;
        }
    }

    /// Whether this run records what each segment touches (exploration with partial-order
    /// reduction): a host need not work out a call's footprint otherwise.
    #[inline]
    pub fn records_footprints(&self) -> bool {
        self.fp.is_some()
    }

    /// Says that the foreign call being executed touches `loc` (reading it, or writing it too),
    /// for exploration's dependence relation (docs/explore.md). A call whose host calls this
    /// at least once is dependent only with what touches the same locations (and the guest
    /// memory it accesses); a call whose host never does is "global": dependent with every
    /// other such call. Pseudo-locations: [`crate::por::thread_loc`], [`crate::por::resource_loc`].
    #[inline]
    pub fn touch(&mut self, loc: Loc, write: bool) {
        self.call_touched = true;
        if let Some(f) = self.fp.as_deref_mut() {
            f.loc(loc, write);
        }
    }

    fn run_loop(&mut self, host: &mut H) -> Box<Stop> {
        loop {
            if self.interrupted() {
                return self.interrupt_stop(None);
            }
            let t = match self.schedule(host) {
                Ok(t) => t,
                Err(s) => return s,
            };
            if t != self.last_scheduled {
                self.last_scheduled = t;
                self.set_active(t);
                host.scheduled(self, t);
            }
            self.set_active(t);
            match self.run_active(host) {
                Ok(Event::Switch) => {
                    if self.sched.logs_points() {
                        self.point_span = self.stop_span(t);
                    }
                    self.threads[t].trim_stack();
                }
                Ok(Event::Finished(v)) if t == 0 => {
                    // main's end ends the program: `run` marks it.
                    return Stop::exit(v as u8);
                }
                Ok(Event::Finished(v)) => {
                    // A thread's end: its joiner waits for it.
                    self.touch(thread_end_loc(t as u32), true);
                    if let Err(s) = self.finish_thread(host, t, v) {
                        return self.annotate(s);
                    }
                }
                Err(s) => return self.annotate(s),
            }
        }
    }

    /// Adds the thread and the reproduction flags to a failure report.
    fn annotate(&self, mut s: Box<Stop>) -> Box<Stop> {
        if s.is_exit() {
            return s;
        }
        let has_thread = s.diags.first().is_some_and(|d| d.notes.iter().any(|n| n.starts_with("this is on thread")));
        if s.kind != StopKind::Deadlock && !has_thread {
            s = s.with_note(format!("this is on thread `{}`", self.threads[self.active].name));
        }
        s = self.with_backtrace(s, self.active);
        // With spurious wakeups injected, the seed alone does not reproduce the run (`spindle run
        // --sched random` injects none): the schedule string does.
        if let (Policy::Random { seed, preemption }, 0) = (&self.config.policy, self.config.spurious_wakeups) {
            let (seed, preemption) = (*seed, *preemption);
            let p = if preemption == crate::DEFAULT_PREEMPTION { String::new() } else { format!(" --preemption-rate {preemption}") };
            s = s.with_note(format!("reproduce with `--sched random --seed {seed}{p}`"));
        }
        s
    }

    /// The scheduler: its policy, recorded decisions and (if enabled) points.
    pub fn scheduler(&self) -> &Scheduler {
        &self.sched
    }

    pub fn scheduler_mut(&mut self) -> &mut Scheduler {
        &mut self.sched
    }

    /// Where thread `t` stopped at a scheduling point: the atomic just executed, or the foreign
    /// call.
    fn stop_span(&self, t: ThreadId) -> Option<Span> {
        use crate::ir::Inst;
        let f = self.threads[t].frames.last()?;
        let func = self.program.functions.get(f.func as usize)?;
        let pc = f.pc as usize;
        match pc.checked_sub(1).and_then(|i| func.code.get(i)) {
            Some(
                Inst::AtomicLoad { .. }
                | Inst::AtomicStore { .. }
                | Inst::AtomicRmw { .. }
                | Inst::Cas(_)
                | Inst::CasLock(_)
                | Inst::Fence { .. },
            ) => func.spans.get(pc - 1).copied(),
            _ => Some(self.cur_span),
        }
    }

    /// Makes `t` the running thread (for the interpreter, callbacks and the race detector).
    pub(crate) fn set_active(&mut self, t: ThreadId) {
        self.active = t;
        if self.threads[t].space != self.cur_space {
            self.switch_space(self.threads[t].space);
        }
        if let Some(rd) = &mut self.race {
            rd.set_active(t);
        }
    }

    // ---- time -------------------------------------------------------------------------------

    /// The virtual monotonic clock, in nanoseconds.
    pub fn now(&self) -> u64 {
        if self.fp.is_some() {
            self.clock_read.set(true);
        }
        self.observed_now()
    }

    /// The virtual clock for observers (a trace): unlike [`Self::now`], reading it is not the
    /// guest reading the clock (which makes a segment depend on every other, for exploration's
    /// partial-order reduction).
    pub fn observed_now(&self) -> u64 {
        // A sleep may jump to a saturated deadline (u64::MAX): time then stays there.
        self.steps.saturating_add(self.time_offset)
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    // ---- threads: the host-facing API -------------------------------------------------------

    /// The thread executing the current foreign call (or callback).
    pub fn active_thread(&self) -> ThreadId {
        self.active
    }

    pub fn thread_name(&self, t: ThreadId) -> &str {
        &self.threads[t].name
    }

    pub fn thread_count(&self) -> usize {
        self.threads.len()
    }

    pub fn errno(&self) -> i64 {
        self.threads[self.active].errno
    }

    /// Thread `t`'s errno (an observer looking at a thread other than the active one).
    pub fn thread_errno(&self, t: ThreadId) -> i64 {
        self.threads.get(t).map_or(0, |th| th.errno)
    }

    /// Whether thread `t` is blocked (in a foreign call, a join, a sleep).
    pub fn is_blocked(&self, t: ThreadId) -> bool {
        self.threads.get(t).is_some_and(|th| matches!(th.state, ThreadState::Blocked { .. }))
    }

    /// Whether thread `t` has ended (for observers: an oracle thread of its own can be reused).
    pub fn is_terminated(&self, t: ThreadId) -> bool {
        self.threads.get(t).is_some_and(|th| matches!(th.state, ThreadState::Terminated))
    }

    /// The result of thread `t`'s foreign call that blocked and has since finished, while `t`
    /// has not resumed yet: `None` while it is still blocked or when it is in no such call. For
    /// observers (`spindle run --against-kernel` compares it when the call finishes, before the
    /// thread runs again).
    pub fn finished_call(&self, t: ThreadId) -> Option<u64> {
        let th = self.threads.get(t)?;
        (th.in_call && matches!(th.state, ThreadState::Enabled)).then_some(th.pending_val)
    }

    pub fn set_errno(&mut self, e: i64) {
        self.threads[self.active].errno = e;
    }

    /// Sets the result of the blocked call of the active thread (from an unblock callback).
    pub fn set_return(&mut self, v: u64) {
        self.threads[self.active].pending_val = v;
    }

    /// The span of the foreign call being executed.
    pub fn call_span(&self) -> Span {
        self.cur_span
    }

    /// Blocks the active thread. The foreign call must then return [`Ret::Blocked`]; `callback`
    /// runs (as this thread) when it is unblocked or its `deadline` (virtual ns) passes.
    pub fn block_thread(&mut self, reason: BlockReason, deadline: Option<u64>, callback: Callback<H>) {
        if deadline.is_some() {
            self.mark(true, true);
        }
        let (span, site) = (self.cur_span, self.cur_site);
        let t = &mut self.threads[self.active];
        debug_assert!(t.is_enabled(), "blocking a thread that is not running");
        t.blocked_at = span;
        t.blocked_site = site;
        t.state = ThreadState::Blocked { reason, deadline, callback: Some(callback) };
    }

    /// Whether `t` is blocked for `reason`.
    pub fn is_blocked_on(&self, t: ThreadId, reason: &BlockReason) -> bool {
        matches!(&self.threads[t].state, ThreadState::Blocked { reason: r, .. } if r == reason)
    }

    /// Threads blocked for `reason`, in id order.
    pub fn blocked_on(&self, reason: &BlockReason) -> Vec<ThreadId> {
        self.live.iter().copied().filter(|&t| self.is_blocked_on(t, reason)).collect()
    }

    /// Makes a blocked thread runnable and runs its callback with [`Unblock::Ready`], as that
    /// thread. Does nothing if `t` is not blocked.
    pub fn unblock_thread(&mut self, host: &mut H, t: ThreadId) -> VmResult<()> {
        self.wake(host, t, Unblock::Ready)
    }

    pub(crate) fn wake(&mut self, host: &mut H, t: ThreadId, kind: Unblock) -> VmResult<()> {
        let state = std::mem::replace(&mut self.threads[t].state, ThreadState::Enabled);
        let ThreadState::Blocked { callback, .. } = state else {
            self.threads[t].state = state;
            return Ok(());
        };
        // The callback runs as the woken thread, at its blocked call: accesses it makes and a
        // block it re-enters are attributed there, not to the waker's call.
        let prev = (self.active, self.cur_span, self.cur_site);
        self.set_active(t);
        self.cur_span = self.threads[t].blocked_at;
        self.cur_site = self.threads[t].blocked_site;
        let r = match callback {
            Some(cb) => cb(host, self, kind),
            None => Ok(()),
        };
        // A failure in the callback (a race on the woken thread's buffer) is the woken thread's,
        // at its blocked call.
        let r = r.map_err(|s| {
            let s = s.locate(self.cur_span).with_note(format!("this is on thread `{}`", self.threads[t].name));
            self.with_backtrace(s, t)
        });
        self.set_active(prev.0);
        self.cur_span = prev.1;
        self.cur_site = prev.2;
        r
    }

    /// Arms (or re-arms) host timer `id` to fire at virtual time `deadline`: the host's
    /// [`Host::timer_fired`] runs then, even if every thread is blocked without a deadline.
    pub fn set_timer(&mut self, id: u64, deadline: u64) {
        self.mark(true, true);
        self.cancel_timer(id);
        self.timers.insert((deadline, id));
        self.timer_deadline.insert(id, deadline);
    }

    /// Disarms host timer `id` (nothing if it is not armed).
    pub fn cancel_timer(&mut self, id: u64) {
        self.mark(true, true);
        if let Some(d) = self.timer_deadline.remove(&id) {
            self.timers.remove(&(d, id));
        }
    }

    /// Lets other threads run at this scheduling point.
    pub fn yield_now(&mut self) {
        self.mark(true, true);
        self.yield_requested = true;
    }

    /// Starts a thread running the function that `func` (a `fn` value) names, with `arg` as its
    /// parameter if it takes one.
    pub fn spawn(&mut self, func: u64, arg: u64) -> VmResult<ThreadId> {
        let Some(f) = self.program.fn_index(func) else {
            return Err(Stop::ub("spawn of something that is not a function", format!("`{func:#x}` is not a function value")));
        };
        let fun = &self.program.functions[f as usize];
        if fun.params.len() > 1 {
            return Err(Stop::ub(
                format!("spawn of function `{}`, which takes {} parameters", fun.name, fun.params.len()),
                "a thread function takes zero or one parameter",
            ));
        }
        if self.threads.len() as u64 > self.config.max_spawns {
            return Err(Stop::limit(
                format!("more than {} threads created in all (thread ids are never reused)", self.config.max_spawns),
                "raise it with --max-spawns N",
            ));
        }
        if self.live.len() >= self.config.max_threads {
            return Err(Stop::limit(format!("more than {} live threads", self.config.max_threads), "raise it with --max-threads N"));
        }
        let arg = fun.params.first().map(|t| t.normalize(arg));
        // `name#id`, built without the formatting machinery (a spawn is part of every run's
        // fixed cost when exploring).
        let mut name = crate::spare::name(fun.name.len() + 8);
        name.push_str(&fun.name);
        name.push('#');
        push_decimal(&mut name, self.threads.len() as u64);
        // Thread ids are handed out in order: spawns depend on each other.
        self.touch(LOC_SPAWN, true);
        let child = self.new_thread(name, f, arg)?;
        self.start_clock(child);
        Ok(child)
    }

    /// Gives a new thread `child` of the active thread its clock: it starts from the parent's.
    fn start_clock(&mut self, child: ThreadId) {
        if self.config.race_check {
            // Detection starts with the second thread: before it, nothing can race.
            let weak = self.config.weak_memory;
            let budget = &self.memory.budget;
            let rd = self.race.get_or_insert_with(|| {
                let mut d = Detector::new();
                d.set_weak_memory(weak);
                d.set_budget(budget.clone());
                d
            });
            let (me, site) = (self.active, self.cur_site);
            let my_time = rd.clock().get(rd.idx_of(me));
            rd.spawn(child, &self.live);
            // The child's clocks (its own, and the final one its joiner gets) and their record.
            self.memory.budget.take(THREAD_CLOCKS_BYTES + 2 * crate::race::clock_bytes(rd.clock_of(child)));
            self.edges.released(me, my_time, site);
            let child_idx = rd.idx_of(child);
            self.edges.learned(child, child_idx, &VClock::new(), rd.clock_of(child), crate::edges::Edge::Spawned { site });
        }
    }

    // ---- address spaces (processes, to the host) --------------------------------------------

    /// `fork`, for the active thread's foreign call: a new address space, a copy of the current
    /// one, and a new thread in it that resumes after this call as a copy of the caller, the
    /// call returning 0 to it. Only the calling thread is copied (other threads' stacks stay
    /// allocated in the copy, unused). The call becomes a scheduling point; the new thread
    /// runs when the scheduler picks it. Returns its id.
    pub fn fork(&mut self) -> VmResult<ThreadId> {
        if self.threads.len() as u64 > self.config.max_spawns {
            return Err(Stop::limit(
                format!("more than {} threads created in all (thread ids are never reused)", self.config.max_spawns),
                "raise it with --max-spawns N",
            ));
        }
        if self.live.len() >= self.config.max_threads {
            return Err(Stop::limit(format!("more than {} live threads", self.config.max_threads), "raise it with --max-threads N"));
        }
        if self.spaces.is_empty() {
            // Space 0, which `spaces` leaves out until there is another one.
            self.spaces.push(SpaceSlot::Current);
        }
        let live = self.spaces.iter().filter(|s| !matches!(s, SpaceSlot::Ended)).count();
        if live >= self.config.max_spaces {
            return Err(Stop::limit(format!("more than {} processes at once", self.config.max_spaces), "raise it with --max-processes N"));
        }
        let memory = self.memory.fork().map_err(|e| mem_stop(&self.memory, e, "the forked process's copy of memory"))?;
        let parent = self.active;
        let base = self.threads[parent].name.split('#').next().unwrap_or("main");
        let mut name = String::with_capacity(base.len() + 8);
        name.push_str(base);
        name.push('#');
        push_decimal(&mut name, self.threads.len() as u64);
        if !self.memory.budget.try_take(2 * std::mem::size_of::<Thread<H>>() as u64 + heap_block(name.len() as u64) + 2 * 8) {
            memory.release();
            let limit = self.memory.budget.max();
            return Err(mem_stop(&self.memory, MemError::Limit { limit }, "the new thread's record"));
        }
        let space = self.spaces.len() as SpaceId;
        self.spaces.push(SpaceSlot::Parked(Box::new(Parked { memory, shadows: Default::default() })));
        let mut t = Thread::new(name);
        t.space = space;
        self.threads.push(t);
        let child = self.threads.len() - 1;
        // Thread ids are handed out in order: forks depend on spawns and on each other.
        self.touch(LOC_SPAWN, true);
        self.mark(true, true);
        self.start_clock(child);
        self.fork_pending = Some(child);
        self.yield_requested = true;
        Ok(child)
    }

    /// Completes a [`Machine::fork`]: the new thread gets the caller's stack, just past the
    /// call (`frames`' top pc), the call's destination `dst` holding 0.
    #[cold]
    pub(crate) fn complete_fork(&mut self, frames: &[Frame], regs: &[u64], dst: crate::ir::Slot, ty: crate::ir::Ty) {
        let Some(c) = self.fork_pending.take() else { return };
        // The copied stack counts against the memory limit (taken: the fork succeeded).
        self.memory.budget.take(regs.len() as u64 * crate::memory::SLOT_BYTES + frames.len() as u64 * crate::memory::FRAME_BYTES);
        let th = &mut self.threads[c];
        th.frames = frames.to_vec();
        th.regs = regs.to_vec();
        if dst != crate::ir::NO_SLOT {
            let base = frames.last().map_or(0, |f| f.base) as usize;
            if let Some(r) = th.regs.get_mut(base + dst as usize) {
                *r = ty.normalize(0);
            }
        }
        // The largest id: `live` stays in id order.
        self.live.push(c);
    }

    /// The address space thread `t` runs in (0, the initial one, for an unknown thread).
    pub fn thread_space(&self, t: ThreadId) -> SpaceId {
        self.threads.get(t).map_or(0, |th| th.space)
    }

    /// The live threads of address space `space`, in id order.
    pub fn space_threads(&self, space: SpaceId) -> Vec<ThreadId> {
        self.live.iter().copied().filter(|&t| self.threads[t].space == space).collect()
    }

    /// Ends address space `space` (not the initial one: the run ends with it): every live
    /// thread in it ends where it is, blocked or not (its callback dropped, its joiner not
    /// woken), and its memory goes (once no thread runs in it). Returns the threads it ended,
    /// for the host to forget their waits.
    pub fn end_space(&mut self, space: SpaceId) -> Vec<ThreadId> {
        if space == 0 || !matches!(self.spaces.get(space as usize), Some(SpaceSlot::Current | SpaceSlot::Parked(_))) {
            return Vec::new();
        }
        self.mark(true, true);
        let ended = self.space_threads(space);
        for &t in &ended {
            if let Some(rd) = &mut self.race {
                rd.set_active(t);
                self.threads[t].final_clock = rd.terminate();
            }
            let th = &mut self.threads[t];
            th.state = ThreadState::Terminated;
            th.in_call = false;
            th.pending_dst = None;
            let slots = th.regs.len();
            let frames = th.frames.len();
            crate::spare::give_stack(std::mem::take(&mut th.regs), std::mem::take(&mut th.frames));
            if frames > 0 {
                let _ = self.memory.resize_stack(slots, 0);
            }
        }
        if let Some(rd) = &mut self.race {
            rd.set_active(self.active);
        }
        self.live.retain(|&t| self.threads[t].space != space);
        match std::mem::replace(&mut self.spaces[space as usize], SpaceSlot::Ended) {
            SpaceSlot::Parked(p) => {
                p.memory.release();
                self.memory.budget.give(p.shadows.charged());
            }
            // The current space's memory stays until another space is switched in.
            SpaceSlot::Current => self.spaces[space as usize] = SpaceSlot::Ended,
            SpaceSlot::Ended => {}
        }
        ended
    }

    /// Puts address space `to` in `memory` (and its shadow in the race detector), parking the
    /// current one, or dropping it if it ended.
    fn switch_space(&mut self, to: SpaceId) {
        let Some(SpaceSlot::Parked(_)) = self.spaces.get(to as usize) else { return };
        let SpaceSlot::Parked(mut p) = std::mem::replace(&mut self.spaces[to as usize], SpaceSlot::Current) else { return };
        std::mem::swap(&mut self.memory, &mut p.memory);
        if let Some(rd) = &mut self.race {
            rd.swap_shadows(&mut p.shadows);
        }
        let from = self.cur_space as usize;
        if matches!(self.spaces[from], SpaceSlot::Ended) {
            p.memory.release();
            self.memory.budget.give(p.shadows.charged());
        } else {
            self.spaces[from] = SpaceSlot::Parked(p);
        }
        self.cur_space = to;
    }

    fn new_thread(&mut self, name: String, func: u32, arg: Option<u64>) -> VmResult<ThreadId> {
        let f = &self.program.functions[func as usize];
        // A thread's record stays after it ends (ids are never reused).
        if !self.memory.budget.try_take(2 * std::mem::size_of::<Thread<H>>() as u64 + heap_block(name.len() as u64) + 2 * 8) {
            let limit = self.memory.budget.max();
            return Err(mem_stop(&self.memory, MemError::Limit { limit }, "the new thread's record"));
        }
        let mut t = Thread::new(name);
        // A spawned thread runs in its spawner's address space.
        t.space = self.threads.get(self.active).map_or(0, |th| th.space);
        let slots = f.frame_size as usize;
        self.memory.resize_stack(0, slots).map_err(|e| mem_stop(&self.memory, e, "the new thread's stack"))?;
        t.regs = crate::spare::regs(slots);
        t.frames = crate::spare::frames();
        if let Some(a) = arg {
            t.regs[0] = a;
        }
        let ctx = self.contexts.root(func);
        t.frames.push(Frame { func, pc: 0, base: 0, ret_dst: crate::ir::NO_SLOT, ret_next: crate::ir::NO_PC, ctx });
        self.threads.push(t);
        self.live.push(self.threads.len() - 1);
        Ok(self.threads.len() - 1)
    }

    /// `join`: the target's return value, or `None` after blocking the active thread until the
    /// target ends (the callback then sets the return value).
    pub fn join(&mut self, target: u64) -> VmResult<Option<u64>> {
        let me = self.active;
        // Whether the thread exists depends on the spawns before.
        self.touch(LOC_SPAWN, false);
        let Some(t) = usize::try_from(target).ok().filter(|&t| t < self.threads.len()) else {
            return Err(Stop::ub(format!("join of thread id {}, which does not exist", target as i64), "no such thread"));
        };
        if t == me {
            return Err(Stop::ub(format!("thread `{}` tried to join itself", self.threads[me].name), "joining itself"));
        }
        if self.threads[t].space != self.threads[me].space {
            return Err(Stop::ub(
                format!("join of thread `{}`, which runs in another process (address space)", self.threads[t].name),
                "a forked process has only the thread that called fork",
            ));
        }
        // A join that blocks touches only the joiner (the end wakes it: exploration orders
        // what follows after the end); one that finds the thread ended awaits its end.
        self.touch(thread_join_loc(t as u32), true);
        if let Some(by) = self.threads[t].joined_by {
            let (name, by) = (&self.threads[t].name, &self.threads[by].name);
            return Err(if self.threads[t].is_terminated() {
                Stop::ub(format!("thread `{name}` was already joined (by `{by}`)"), "joining it again")
            } else {
                Stop::ub(format!("thread `{name}` is already being joined by `{by}`"), "a thread can be joined only once")
            });
        }
        self.threads[t].joined_by = Some(me);
        if self.threads[t].is_terminated() {
            let end = thread_end_loc(t as u32);
            self.touch(end, false);
            if let Some(f) = self.fp.as_deref_mut() {
                f.awaits = Some(end);
            }
            self.acquire_final_clock(t);
            return Ok(Some(self.threads[t].ret));
        }
        self.block_thread(
            BlockReason::Join(t),
            None,
            Box::new(move |_host, m: &mut Machine<H>, kind| {
                if kind == Unblock::Interrupted {
                    // A join is never interrupted: it is made again after the interrupt frames.
                    m.threads[t].joined_by = None;
                    m.restart_call();
                    return Ok(());
                }
                m.acquire_final_clock(t);
                let v = m.threads[t].ret;
                m.set_return(v);
                Ok(())
            }),
        );
        Ok(None)
    }

    /// The joiner synchronises with everything the finished thread `t` did.
    fn acquire_final_clock(&mut self, t: ThreadId) {
        let me = self.active;
        self.edges.joined(me, t);
        if let Some(rd) = &mut self.race {
            let fin = std::mem::take(&mut self.threads[t].final_clock);
            let before = rd.clock().clone();
            rd.acquire(&fin);
            rd.retire(t, &fin);
            let edge = crate::edges::Edge::Joined { thread: t, site: self.cur_site };
            self.edges.learned(me, rd.idx_of(me), &before, rd.clock(), edge);
        }
    }

    fn finish_thread(&mut self, host: &mut H, t: ThreadId, v: u64) -> VmResult<()> {
        host.thread_exited(self, t, v);
        if let Some(rd) = &mut self.race {
            rd.set_active(t);
            self.threads[t].final_clock = rd.terminate();
        }
        if let Ok(i) = self.live.binary_search(&t) {
            self.live.remove(i);
        }
        let th = &mut self.threads[t];
        th.state = ThreadState::Terminated;
        th.ret = v;
        let slots = th.regs.len();
        // Its stack goes to the next thread started on this host thread (`spare.rs`).
        crate::spare::give_stack(std::mem::take(&mut th.regs), std::mem::take(&mut th.frames));
        let _ = self.memory.resize_stack(slots, 0);
        // Only the thread that joins `t` (at most one: `join` sees to it) can wait for its end.
        if let Some(j) = self.threads[t].joined_by.filter(|&j| self.is_blocked_on(j, &BlockReason::Join(t))) {
            self.unblock_thread(host, j)?;
        }
        host.thread_ended(self, t, v)
    }

    // ---- memory for the host ----------------------------------------------------------------

    /// `malloc`: a zeroed heap allocation.
    pub fn malloc(&mut self, size: u64) -> VmResult<u64> {
        let span = self.cur_span;
        self.touch(LOC_ALLOC, true);
        let p = self.memory.allocate(size, &[], AllocKind::Heap, span).map_err(|e| mem_stop(&self.memory, e, "malloc"))?;
        if let Some(rd) = &mut self.race {
            rd.on_alloc(crate::memory::split(p).0, size);
        }
        Ok(p)
    }

    /// `free`.
    pub fn free(&mut self, p: u64) -> VmResult<()> {
        // What it touches is the allocation (recorded by `dealloc`).
        self.call_touched = true;
        if p == 0 {
            return Ok(());
        }
        let span = self.cur_span;
        let site = self.cur_site;
        self.dealloc(p, true, span, site).map_err(|e| e.unwrap_or_else(|e| mem_stop(&self.memory, e, "free")))
    }

    /// Frees an allocation, checking the deallocation for races first. The outer error is a
    /// race report, the inner a memory error.
    pub(crate) fn dealloc(&mut self, p: u64, heap_only: bool, span: Span, site: Site) -> Result<(), Result<Box<Stop>, MemError>> {
        let (id, off) = crate::memory::split(p);
        if let Some(f) = self.fp.as_deref_mut() {
            f.free(id);
        }
        if let (Some(rd), Some(a)) = (&mut self.race, self.memory.get(id)) {
            if off == 0 && a.live && (!heap_only || a.kind == AllocKind::Heap) {
                let size = a.size;
                if let Err(r) = rd.on_dealloc(id, size, site) {
                    return Err(Ok(self.race_stop(&r)));
                }
            }
        }
        self.memory.deallocate(p, heap_only, span).map_err(Err)
    }

    // ---- happens-before for the host -----------------------------------------------------

    /// Release: the active thread's clock for a synchronisation object to keep, or `None` while
    /// race detection is off. The thread's own time advances afterwards, so nothing it does later
    /// is covered.
    pub fn release_clock(&mut self) -> Option<VClock> {
        let (me, site) = (self.active, self.cur_site);
        let rd = self.race.as_mut()?;
        self.edges.released(me, rd.clock().get(rd.idx_of(me)), site);
        Some(rd.release())
    }

    /// Whether happens-before is tracked now (the race detector runs; it starts at the first
    /// spawn): until then releases and acquires do nothing.
    pub fn tracks_clocks(&self) -> bool {
        self.race.is_some()
    }

    /// [`Self::release_clock`] joined straight into `into`, a synchronisation object's clock
    /// (made empty first if there is none): the same release, without a copy of the clock.
    /// While race detection is off nothing happens, and `into` stays as it is.
    pub fn release_clock_into(&mut self, into: &mut Option<VClock>) {
        let (me, site) = (self.active, self.cur_site);
        if let Some(rd) = self.race.as_mut() {
            self.edges.released(me, rd.clock().get(rd.idx_of(me)), site);
            rd.release_into(into.get_or_insert_with(VClock::new));
        }
    }

    /// The active thread's current clock (empty while race detection is off), for an operation
    /// that releases only if it succeeds: pass it to the operation, then [`Self::advance_clock`]
    /// on success. Together they are [`Self::release_clock`].
    pub fn current_clock(&self) -> VClock {
        self.race.as_ref().map(|rd| rd.clock().clone()).unwrap_or_default()
    }

    /// Completes a release begun with [`Self::current_clock`]: the thread's own time advances.
    pub fn advance_clock(&mut self) {
        if let Some(rd) = &mut self.race {
            self.edges.released(self.active, rd.clock().get(rd.idx_of(self.active)), self.cur_site);
            rd.advance();
        }
    }

    /// Acquire: everything that happened before `clock` was released happens before what the
    /// active thread does next.
    pub fn acquire_clock(&mut self, clock: &VClock) {
        if let Some(rd) = &mut self.race {
            let before = rd.clock().clone();
            rd.acquire(clock);
            let edge = match self.entering {
                Some((site, func)) => crate::edges::Edge::Interrupt { site, func },
                None => crate::edges::Edge::Call { site: self.cur_site },
            };
            self.edges.learned(self.active, rd.idx_of(self.active), &before, rd.clock(), edge);
        }
    }

    /// An atomic access checked for races, with the happens-before it creates recorded for
    /// reports (an acquire learns other threads' times, a release is logged). Only called while
    /// detecting races.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(crate) fn race_atomic(
        &mut self,
        id: crate::memory::AllocId,
        off: u64,
        size: u64,
        site: Site,
        kind: crate::race::AccessKind,
        ord: crate::race::Ordering,
        load: bool,
        store: bool,
        choice: Option<usize>,
        old: u64,
        new: u64,
    ) -> Result<u64, Box<Race>> {
        let Some(rd) = &mut self.race else { return Ok(old) };
        if ord == crate::race::Ordering::Relaxed {
            // A relaxed access creates no edge (a relaxed load may still acquire through an
            // earlier acquire fence: that fence records it).
            return rd.atomic(id, off, size, site, kind, ord, load, store, choice, old, new);
        }
        if !(load && ord.acquires()) {
            // A release only: no other thread's time is learnt, the own one may advance.
            let own = rd.idx_of(self.active);
            let t = rd.clock().get(own);
            let r = rd.atomic(id, off, size, site, kind, ord, load, store, choice, old, new);
            if rd.clock().get(own) > t {
                self.edges.released(self.active, t, site);
            }
            return r;
        }
        let before = rd.clock().clone();
        let r = rd.atomic(id, off, size, site, kind, ord, load, store, choice, old, new);
        self.note_sync(before, site);
        r
    }

    /// A fence, with the happens-before it creates recorded for reports.
    #[inline(never)]
    pub(crate) fn race_fence(&mut self, ord: crate::race::Ordering, site: Site) {
        let Some(rd) = &mut self.race else { return };
        let before = rd.clock().clone();
        rd.fence(ord);
        self.note_sync(before, site);
    }

    /// Records what the active thread's clock change since `before` (at `site`) means: times of
    /// other threads it acquired, and a release if its own time advanced.
    fn note_sync(&mut self, before: VClock, site: Site) {
        let Some(rd) = &self.race else { return };
        let (me, own) = (self.active, rd.idx_of(self.active));
        let after = rd.clock();
        self.edges.learned(me, own, &before, after, crate::edges::Edge::Atomic { site });
        if after.get(own) > before.get(own) {
            self.edges.released(me, before.get(own), site);
        }
    }

    /// The thread that currently owns vector-clock index `idx` (for tools that turn clock
    /// changes into happens-before edges).
    pub fn thread_of_clock_index(&self, idx: usize) -> Option<ThreadId> {
        self.race.as_ref().map(|rd| rd.thread_of(crate::clock::VectorIdx(idx as u32)))
    }

    /// The clock index of thread `t`, while race detection runs.
    pub fn clock_index_of(&self, t: ThreadId) -> Option<usize> {
        self.race.as_ref().map(|rd| rd.idx_of(t).0 as usize)
    }

    /// The longest vector clock a thread has had (0 without race detection).
    pub fn max_clock_len(&self) -> usize {
        self.race.as_ref().map_or(0, |rd| rd.max_clock_len)
    }

    /// Reads guest memory for a foreign call: `Ok(None)` if the range is not valid memory (the
    /// shim answers EFAULT); a data race is a failure.
    pub fn read_guest(&mut self, addr: u64, len: u64) -> VmResult<Option<Vec<u8>>> {
        if let (Some(f), true) = (self.fp.as_deref_mut(), len > 0) {
            f.access(addr, len, false);
        }
        let Ok(bytes) = self.memory.read_bytes(addr, len) else { return Ok(None) };
        if let (Some(rd), true) = (&mut self.race, len > 0) {
            let (id, off) = crate::memory::split(addr);
            if let Err(r) = rd.read(id, off, len, 0, self.cur_site) {
                return Err(self.race_stop(&r));
            }
        }
        Ok(Some(bytes))
    }

    /// [`Self::read_guest`] of `out.len()` bytes into `out`, checked the same way; `Ok(false)` if
    /// the range is not readable memory (then `out` is left as it was). A small read this way
    /// allocates nothing.
    pub fn read_guest_into(&mut self, addr: u64, out: &mut [u8]) -> VmResult<bool> {
        let len = out.len() as u64;
        if let (Some(f), true) = (self.fp.as_deref_mut(), len > 0) {
            f.access(addr, len, false);
        }
        let Ok(bytes) = self.memory.slice(addr, len) else { return Ok(false) };
        out.copy_from_slice(bytes);
        if let (Some(rd), true) = (&mut self.race, len > 0) {
            let (id, off) = crate::memory::split(addr);
            if let Err(r) = rd.read(id, off, len, 0, self.cur_site) {
                return Err(self.race_stop(&r));
            }
        }
        Ok(true)
    }

    /// Writes guest memory for a foreign call: `Ok(false)` if the range is not writable memory.
    pub fn write_guest(&mut self, addr: u64, data: &[u8]) -> VmResult<bool> {
        if let (Some(f), false) = (self.fp.as_deref_mut(), data.is_empty()) {
            f.access(addr, data.len() as u64, true);
        }
        if self.memory.slice_mut(addr, data.len() as u64).is_err() {
            return Ok(false);
        }
        if let (Some(rd), false) = (&mut self.race, data.is_empty()) {
            let (id, off) = crate::memory::split(addr);
            if let Err(r) = rd.write(id, off, data.len() as u64, 0, self.cur_site) {
                return Err(self.race_stop(&r));
            }
        }
        Ok(self.memory.write_bytes(addr, data).is_ok())
    }

    /// An atomic read of the `size`-byte word at `addr` for a foreign call (the kernel reading a
    /// futex word): checked for races as an `acquire` atomic load of the latest store, so that it
    /// synchronises with the release store it reads, as Miri's futex does. The caller checks
    /// alignment. `Ok(None)`: the word is not valid guest memory.
    pub fn atomic_read_guest(&mut self, addr: u64, size: u32) -> VmResult<Option<u64>> {
        if let Some(f) = self.fp.as_deref_mut() {
            f.access(addr, size as u64, false);
        }
        let Ok(v) = self.memory.read_uint(addr, size) else { return Ok(None) };
        if self.race.is_none() {
            return Ok(Some(v));
        }
        let (id, off) = crate::memory::split(addr);
        let (kind, ord) = (crate::race::AccessKind::AtomicLoad, crate::race::Ordering::Acquire);
        match self.race_atomic(id, off, size as u64, self.cur_site, kind, ord, true, false, None, v, 0) {
            Ok(v) => Ok(Some(v)),
            Err(r) => Err(self.race_stop(&r)),
        }
    }

    /// The span of an access site.
    pub(crate) fn site_span(&self, site: Site) -> Option<Span> {
        let f = self.program.functions.get(self.contexts.func((site >> 32) as u32)? as usize)?;
        f.spans.get((site & 0xffff_ffff) as usize).copied()
    }

    /// "the `read`" for a site at a call, "the operation" otherwise.
    fn site_what(&self, site: Site) -> String {
        use crate::ir::Inst;
        let f = self.contexts.func((site >> 32) as u32).and_then(|f| self.program.functions.get(f as usize));
        let call = f.and_then(|f| match f.code.get(site as u32 as usize) {
            Some(Inst::Call { call, .. } | Inst::CallForeign { call, .. }) => f.calls.get(*call as usize),
            _ => None,
        });
        if let Some(name) = call.and_then(|c| self.program.strings.get(c.name as usize)) {
            return format!("the `{name}`");
        }
        match f.and_then(|f| f.code.get(site as u32 as usize)) {
            Some(Inst::AtomicLoad { .. }) => "the atomic load",
            Some(Inst::AtomicStore { .. }) => "the atomic store",
            Some(Inst::AtomicRmw { .. }) => "the atomic read-modify-write",
            Some(Inst::Cas(_) | Inst::CasLock(_)) => "the compare-and-swap",
            Some(Inst::Fence { .. }) => "the fence",
            _ => "the operation",
        }
        .to_string()
    }

    /// The stack of an access site, as recorded when the access happened.
    pub(crate) fn site_backtrace(&self, site: Site, title: String) -> Option<Backtrace> {
        let (stack, unrecorded) = self.contexts.stack((site >> 32) as u32, site as u32);
        let mut frames = Vec::with_capacity(stack.len());
        for (func, pc) in stack {
            let f = self.program.functions.get(func as usize)?;
            frames.push((f.name.clone(), f.spans.get(pc as usize).copied()?));
        }
        (!frames.is_empty()).then_some(Backtrace { title, frames, unrecorded })
    }

    /// Thread `t`'s stack now, innermost first, its innermost frame at `top`.
    pub(crate) fn backtrace(&self, t: ThreadId, top: Span, title: String) -> Backtrace {
        let frames = &self.threads[t].frames;
        let mut out = Vec::with_capacity(frames.len());
        for (i, f) in frames.iter().enumerate().rev() {
            let func = &self.program.functions[f.func as usize];
            // A caller's pc is just past its call.
            let span =
                if i + 1 == frames.len() { top } else { func.spans.get((f.pc as usize).wrapping_sub(1)).copied().unwrap_or(func.span) };
            out.push((func.name.clone(), span));
        }
        Backtrace { title, frames: out, unrecorded: false }
    }

    /// Adds thread `t`'s stack to a failure report that has none, its innermost frame where the
    /// report points.
    pub(crate) fn with_backtrace(&self, mut s: Box<Stop>, t: ThreadId) -> Box<Stop> {
        if s.is_exit() || s.kind == StopKind::Deadlock || self.threads.get(t).is_none_or(|th| th.frames.is_empty()) {
            return s;
        }
        let cur = self.cur_span;
        if let Some(d) = s.diags.first_mut() {
            // A race report carries the stack of its earlier access (1) already: the current
            // one, (2), goes first.
            let earlier = d.backtraces.iter().any(|b| b.title.starts_with("(1)"));
            if d.backtraces.len() == earlier as usize {
                let top = d.primary.as_ref().map(|p| p.span).filter(|&sp| sp != crate::error::HERE).unwrap_or(cur);
                let title = if earlier { format!("(2), on thread `{}`", self.threads[t].name) } else { String::new() };
                d.backtraces.insert(0, self.backtrace(t, top, title));
            }
        }
        s
    }

    /// `DATA+0x4`, `heap alloc #3 (malloc at line 12)+0x0`, …
    pub fn describe_addr(&self, addr: u64) -> String {
        let (id, off) = crate::memory::split(addr);
        match self.memory.get(id) {
            Some(a) if a.kind == AllocKind::Heap => {
                format!("heap alloc #{id} (malloc at line {}){}", self.program.line_of(a.site), crate::memory::fmt_offset(off))
            }
            _ => self.memory.describe(addr),
        }
    }

    /// The active thread is about to sleep in a wait that may end spuriously (`futex`): whether
    /// it returns at once instead, as if woken — a scheduling decision
    /// ([`Scheduler::pick_wake`]). The host then completes the call as a wake-up would.
    pub fn spurious_wakeup(&mut self) -> VmResult<bool> {
        self.sched.pick_wake(self.active).map_err(|e| {
            Box::new(Stop {
                kind: StopKind::Unsupported,
                diags: vec![Diagnostic::error(format!("the replayed schedule does not fit this program: {e}"))],
                race: None,
            })
        })
    }

    /// Weak memory: which store an atomic load of `size` bytes at `addr` by the active thread
    /// reads, when it may read several — a scheduling decision ([`Scheduler::pick_store`]).
    /// `None`: only the latest store can be read.
    pub(crate) fn choose_store(&mut self, addr: u64, size: u64, ord: crate::race::Ordering) -> Result<Option<usize>, Box<Stop>> {
        let (id, off) = crate::memory::split(addr);
        let Some(rd) = self.race.as_mut() else { return Ok(None) };
        let (candidates, fresh) = rd.load_candidates(id, off, size, ord);
        if candidates < 2 {
            return Ok(None);
        }
        // What the point log shows: computed only when it is kept.
        let shown: Vec<(String, Option<Span>)> = if self.sched.logs_points() {
            let rd = self.race.as_ref().expect("detecting");
            let location = self.describe_addr(addr);
            (0..candidates).map(|k| (location.clone(), rd.candidate_site(id, off, k).and_then(|s| self.site_span(s)))).collect()
        } else {
            Vec::new()
        };
        let describe = |k: usize| shown.get(k).cloned().unwrap_or_default();
        let choice = crate::sched::StoreChoice { candidates, fresh, describe: &describe };
        match self.sched.pick_store(self.active, &choice) {
            Ok(k) => Ok(Some(k)),
            Err(e) => Err(Box::new(Stop {
                kind: StopKind::Unsupported,
                diags: vec![Diagnostic::error(format!("the replayed schedule does not fit this program: {e}"))],
                race: None,
            })),
        }
    }

    /// The report for a data race between an earlier access and the current one.
    pub(crate) fn race_stop(&self, r: &Race) -> Box<Stop> {
        if r.over_budget {
            let limit = self.memory.budget.max();
            return mem_stop(&self.memory, MemError::Limit { limit }, "the race detector's record of this access");
        }
        let rd = self.race.as_ref().expect("races are only found while detecting");
        let (a, b) = (rd.thread_of(r.first.idx), self.active);
        let name = |t: ThreadId| self.threads.get(t).map_or("?", |t| t.name.as_str()).to_string();
        let (t1, t2) = (name(a), name(b));
        let what = |x: &crate::race::Access| match x.kind {
            crate::race::AccessKind::Alloc => x.kind.describe().to_string(),
            crate::race::AccessKind::Dealloc => format!("deallocation of a {}-byte block", x.size),
            k => format!("{}-byte {}", x.size, k.describe()),
        };
        let at = self.describe_addr(crate::memory::addr(r.alloc, r.offset));
        let mut s = Stop::ub(
            format!(
                "Data race detected between (1) {} on thread `{t1}` and (2) {} on thread `{t2}` at {at}",
                what(&r.first),
                what(&r.second)
            ),
            "(2) just happened here",
        );
        let first_span = if r.first.site == ALLOC_SITE { self.memory.get(r.alloc).map(|a| a.site) } else { self.site_span(r.first.site) };
        let mut d = s.diags[0].clone();
        if let Some(sp) = first_span {
            d = d.also(sp, "(1) occurred earlier here");
        }
        d.notes.insert(0, self.missing_edge(r, a, b, first_span));
        if r.mixed_size {
            d.notes.push("atomic accesses of different sizes to overlapping bytes must be ordered by happens-before".to_string());
        }
        if self.config.policy == Policy::Fixed {
            // (Under `--sched random` the seed is added with every failure report.)
            d.notes.push("reproduce with `--sched fixed` (the default scheduler): every run of it takes the same schedule".to_string());
        }
        if r.first.site != ALLOC_SITE {
            let title = format!("(1), on thread `{t1}`, as recorded when it happened");
            d.backtraces.extend(self.site_backtrace(r.first.site, title));
        }
        s.diags[0] = d;
        let write = matches!(
            r.first.kind,
            crate::race::AccessKind::Write
                | crate::race::AccessKind::AtomicStore
                | crate::race::AccessKind::AtomicRmw
                | crate::race::AccessKind::Dealloc
                | crate::race::AccessKind::Alloc
        );
        s.race =
            Some(crate::error::RaceAccess { thread: a, addr: crate::memory::addr(r.alloc, r.offset), size: r.first.size.max(1), write });
        s
    }

    /// Names the happens-before edge that came closest to ordering (1), on thread `a`, before
    /// (2), on thread `b`: what `b` last learnt of `a`, and why that was not enough.
    fn missing_edge(&self, r: &Race, a: ThreadId, b: ThreadId, first_span: Option<Span>) -> String {
        use crate::edges::Edge;
        let name = |t: ThreadId| self.threads.get(t).map_or("?", |t| t.name.as_str()).to_string();
        let (t1, t2) = (name(a), name(b));
        let line = |site: Site| self.site_span(site).map_or("?".to_string(), |sp| self.program.place(sp));
        let first = first_span.map_or(String::new(), |sp| format!(", at {},", self.program.place(sp)));
        let rd_idx = |t: ThreadId| self.race.as_ref().map_or(crate::clock::VectorIdx(0), |rd| rd.idx_of(t));
        let times = format!("`{t2}` knows `{t1}`'s time {}, (1) happened at its time {}", r.seen, r.first.time);
        if r.seen == 0 {
            let joined: Vec<String> = self.edges.joins(b).iter().filter(|&&j| j != a).map(|&j| format!("`{}`", name(j))).collect();
            if let Some((Edge::Spawned { site }, _)) = self.edges.how(a, rd_idx(b)) {
                return format!(
                    "`{t2}` spawned `{t1}` at {}, which orders the spawn before everything `{t1}` does, but nothing orders (1) back before (2): no join, release/acquire or fd operation ({times})",
                    line(site)
                );
            }
            return match joined.last() {
                Some(j) => format!(
                    "`{t2}` joined {j}, but never `{t1}`: no join, spawn, release/acquire or fd operation orders (1) before (2) ({times})"
                ),
                None => format!(
                    "`{t2}` never synchronised with `{t1}`: no join, spawn, release/acquire or fd operation orders (1) before (2) ({times})"
                ),
            };
        }
        let released = |time| {
            self.edges.release_site(a, time).map_or(String::new(), |s| format!(", released by {} at {},", self.site_what(s), line(s)))
        };
        match self.edges.how(b, r.first.idx) {
            Some((Edge::Spawned { site }, v)) if v == r.seen => format!(
                "`{t2}` was spawned by `{t1}` at {}, which orders what `{t1}` did before the spawn, but (1){first} came after it ({times})",
                line(site)
            ),
            Some((Edge::Joined { thread, site }, v)) if v == r.seen => format!(
                "the join of `{}` at {} taught `{t2}` `{t1}`'s clock as of its time {v}{} but (1){first} came after it ({times})",
                name(thread),
                line(site),
                released(v)
            ),
            Some((Edge::Call { site }, v)) if v == r.seen => format!(
                "{} at {} acquired `{t1}`'s clock as of its time {v}{} but (1){first} came after it ({times})",
                self.site_what(site),
                line(site),
                released(v)
            ),
            Some((Edge::Interrupt { site, func }, v)) if v == r.seen => format!(
                "the asynchronous call of `{}` that started before {} acquired `{t1}`'s clock as of its time {v}{} but (1){first} came after it ({times})",
                self.program.functions.get(func as usize).map_or("?", |f| f.name.as_str()),
                line(site),
                released(v)
            ),
            Some((Edge::Atomic { site }, v)) if v == r.seen => format!(
                "{} at {} acquired `{t1}`'s clock as of its time {v}{} but (1){first} came after it ({times})",
                self.site_what(site),
                line(site),
                released(v)
            ),
            _ => format!(
                "thread `{t2}` has synchronised with `{t1}` only up to `{t1}`'s time {}, but (1) happened at its time {}: no later release/acquire, join or fd operation orders (1) before (2)",
                r.seen, r.first.time
            ),
        }
    }

    /// Turns a memory error of a host access into an Undefined Behavior report.
    pub fn mem_error(&self, e: MemError, access: &str) -> Box<Stop> {
        mem_stop(&self.memory, e, access)
    }

    // ---- scheduling -------------------------------------------------------------------------

    fn schedule(&mut self, host: &mut H) -> VmResult<ThreadId> {
        self.check_clock()?;
        if self.fp.is_some() {
            let threads = &self.threads;
            let deadline = self.live.iter().any(|&t| matches!(threads[t].state, ThreadState::Blocked { deadline: Some(_), .. }));
            self.end_segment(deadline || !self.timers.is_empty());
        }
        let mut idle_timer_fired = false;
        loop {
            self.fire_timeouts(host)?;
            if self.config.lock_waits {
                self.refresh_lock_waits();
            }
            self.runnable.clear();
            let threads = &self.threads;
            self.runnable.extend(self.live.iter().copied().filter(|&t| threads[t].is_enabled()));
            if !self.runnable.is_empty() {
                let cur_ok = self.threads[self.active].is_enabled();
                let span = self.point_span.take();
                let t = self.sched.pick(self.active, cur_ok, self.yield_requested, &self.runnable, span);
                self.yield_requested = false;
                return t.map_err(|e| {
                    Box::new(Stop {
                        kind: StopKind::Unsupported,
                        diags: vec![Diagnostic::error(format!("the replayed schedule does not fit this program: {e}"))],
                        race: None,
                    })
                });
            }
            let next_deadline = self
                .live
                .iter()
                .filter_map(|&t| match &self.threads[t].state {
                    ThreadState::Blocked { deadline: Some(d), .. } => Some(*d),
                    _ => None,
                })
                .min();
            let next_timer = self.timers.iter().next().map(|&(d, _)| d);
            match (next_deadline, next_timer) {
                (None, None) if self.release_lock_waits() => {}
                (None, None) => return Err(self.deadlock(host)),
                // Only timers are left: if one already fired while nothing could run and still
                // nothing can, a periodic timer would spin virtual time forever: a deadlock.
                (None, Some(_)) if idle_timer_fired && self.release_lock_waits() => {}
                (None, Some(_)) if idle_timer_fired => return Err(self.deadlock(host)),
                (d, t) => {
                    idle_timer_fired = d.is_none();
                    let next = d.into_iter().chain(t).min().unwrap_or(0);
                    let now = self.observed_now();
                    if next > now {
                        self.time_offset += next - now;
                    }
                }
            }
        }
    }

    /// Lock waits ([`Config::lock_waits`]): a thread waiting for a lock can run when the word
    /// holds what its `cas.lock` expects, and cannot again once another thread took the lock
    /// first. A thread with an interrupt to enter runs (its handler does not wait for the lock).
    fn refresh_lock_waits(&mut self) {
        if !self.spaces.is_empty() {
            // A fork: memory is per process from here on; lock waits end (`release_lock_waits`).
            self.release_lock_waits();
            return;
        }
        for i in 0..self.live.len() {
            let t = self.live[i];
            let th = &self.threads[t];
            let Some(w) = th.lock_wait else { continue };
            // A word that cannot be read lets the thread run: its compare-and-swap reports it.
            let free =
                !th.interrupts.is_empty() || self.memory.read_uint(w.addr, w.ty.size()).map_or(true, |v| w.ty.normalize(v) == w.expected);
            let th = &mut self.threads[t];
            match (free, &th.state) {
                (true, ThreadState::Blocked { reason: BlockReason::Lock(_), .. }) => th.state = ThreadState::Enabled,
                (false, ThreadState::Enabled) => {
                    th.state = ThreadState::Blocked { reason: BlockReason::Lock(w.addr), deadline: None, callback: None }
                }
                _ => {}
            }
        }
    }

    /// When nothing else can run: every thread in a lock wait makes its `cas.lock` as a plain
    /// compare-and-swap, fails and goes on along its lock's slow path — to the `futex` wait
    /// that the deadlock report describes (the mutex, its holder, the cycle). Whether any was.
    fn release_lock_waits(&mut self) -> bool {
        let mut any = false;
        for i in 0..self.live.len() {
            let th = &mut self.threads[self.live[i]];
            if th.lock_wait.take().is_some() {
                th.lock_fallback = true;
                th.state = ThreadState::Enabled;
                any = true;
            }
        }
        any
    }

    /// Stops the run when the active thread's vector-clock time can count no further (2³² − 1
    /// releases by one thread): checked at every scheduling decision and every
    /// [`INTERRUPT_CHECK`] steps, so at most that many steps run with the time held at its
    /// maximum (which can only hide a race, never invent one).
    pub(crate) fn check_clock(&self) -> VmResult<()> {
        if self.race.as_ref().is_some_and(|r| r.clock_saturated()) {
            return Err(Stop::limit(
                format!("thread `{}` made 2^32 - 1 releases: the race detector's clocks count no further", self.threads[self.active].name),
                "run it with --no-race-check, or with fewer release operations per thread",
            ));
        }
        Ok(())
    }

    /// Whether the run has one address space (no fork yet): lock waits read the word of the
    /// current one.
    pub(crate) fn spaces_empty(&self) -> bool {
        self.spaces.is_empty()
    }

    /// The deadlock report's sentence for a thread in a lock wait.
    fn lock_wait_text(&self, addr: u64) -> String {
        format!("it waits to take the lock at {}", self.memory.describe(addr))
    }

    fn fire_timeouts(&mut self, host: &mut H) -> VmResult<()> {
        let now = self.observed_now();
        // Host timers first, in deadline order (ties by id): they may wake threads.
        while let Some(&(d, id)) = self.timers.iter().next() {
            if d > now {
                break;
            }
            self.timers.remove(&(d, id));
            self.timer_deadline.remove(&id);
            host.timer_fired(self, id)?;
        }
        for i in 0..self.live.len() {
            let Some(&t) = self.live.get(i) else { break };
            if matches!(self.threads[t].state, ThreadState::Blocked { deadline: Some(d), .. } if d <= now) {
                self.wake(host, t, Unblock::TimedOut)?;
            }
        }
        Ok(())
    }

    /// Whether [`Config::interrupt`] asks the run to stop.
    pub(crate) fn interrupted(&self) -> bool {
        self.config.interrupt.as_ref().is_some_and(|i| i.load(Ordering::Relaxed))
    }

    /// The report of an interrupted run: where each live thread is. `running` is the span of
    /// the thread that was executing (its frames are out of `threads` while it runs).
    pub(crate) fn interrupt_stop(&self, running: Option<Span>) -> Box<Stop> {
        let mut diags = Vec::new();
        for &t in &self.live {
            let th = &self.threads[t];
            let (span, what, why) = match &th.state {
                ThreadState::Blocked { reason, .. } => {
                    let why = match reason {
                        BlockReason::Join(j) => format!("it waits for thread `{}` to finish", self.threads[*j].name),
                        BlockReason::Sleep => "it sleeps".to_string(),
                        BlockReason::Host(w) => w.text(),
                        BlockReason::Lock(a) => self.lock_wait_text(*a),
                    };
                    (th.blocked_at, "blocked here", Some(why))
                }
                _ if t == self.active && running.is_some() => (running.unwrap_or_default(), "running here", None),
                _ => {
                    let at = th.frames.last().and_then(|f| {
                        let code = &self.program.functions.get(f.func as usize)?.spans;
                        code.get(f.pc as usize).or_else(|| code.last()).copied()
                    });
                    (at.unwrap_or_default(), "runnable: it continues here", None)
                }
            };
            let title = if diags.is_empty() { format!("interrupted after {} steps", self.steps) } else { "interrupted".to_string() };
            let mut d = Diagnostic::error(title).at(span, what).note(format!("this is on thread `{}`", th.name));
            if let Some(why) = why {
                d = d.note(why);
            }
            diags.push(d);
        }
        if diags.is_empty() {
            diags.push(Diagnostic::error(format!("interrupted after {} steps", self.steps)));
        }
        Box::new(Stop { kind: StopKind::Interrupted, diags, race: None })
    }

    fn deadlock(&self, host: &H) -> Box<Stop> {
        let mut diags = Vec::new();
        if let Some(cycle) = self.deadlock_cycle(host) {
            diags.push(Diagnostic::error("the evaluated program deadlocked").note(cycle));
        }
        for (i, t) in self.threads.iter().enumerate() {
            if let ThreadState::Blocked { reason, .. } = &t.state {
                let why = match reason {
                    BlockReason::Join(j) => format!("it waits for thread `{}` to finish", self.threads[*j].name),
                    BlockReason::Sleep => "it sleeps".to_string(),
                    BlockReason::Host(w) => host.wait_for(self, i).map_or_else(|| w.text(), |(why, _)| why),
                    BlockReason::Lock(a) => self.lock_wait_text(*a),
                };
                let mut d = Diagnostic::error("the evaluated program deadlocked")
                    .at(t.blocked_at, "thread got stuck here")
                    .note(format!("this is on thread `{}`", t.name))
                    .note(why);
                d.backtraces.push(self.backtrace(i, t.blocked_at, String::new()));
                diags.push(d);
            }
        }
        let mut s = Box::new(Stop { kind: StopKind::Deadlock, diags, race: None });
        if let (Policy::Random { seed, .. }, 0) = (&self.config.policy, self.config.spurious_wakeups) {
            if let Some(d) = s.diags.last_mut() {
                d.notes.push(format!("reproduce with `--sched random --seed {seed}`"));
            }
        }
        s
    }

    /// One line for a deadlock in which threads wait for each other: a cycle of joins and of
    /// waits for a thread the host names (a lock's holder: an ABBA deadlock), or several threads
    /// blocked in foreign calls (an fd that only another blocked thread would write: ABBA over
    /// pipes), reached through joins. `None` when only one thread is stuck.
    fn deadlock_cycle(&self, host: &H) -> Option<String> {
        let name = |t: ThreadId| format!("`{}`", self.threads[t].name);
        // The thread `t` waits for, and (for a host's wait) why.
        let waits_for = |t: ThreadId| match &self.threads[t].state {
            ThreadState::Blocked { reason: BlockReason::Join(j), .. } => Some((*j, None)),
            ThreadState::Blocked { reason: BlockReason::Host(_), .. } => {
                host.wait_for(self, t).and_then(|(why, holder)| holder.map(|h| (h, Some(why))))
            }
            _ => None,
        };
        // A cycle: follow the waits from each blocked thread.
        for start in self.live.iter().copied() {
            let mut path = vec![start];
            let mut whys = Vec::new();
            let mut t = start;
            while let Some((j, why)) = waits_for(t) {
                whys.push(why);
                if let Some(k) = path.iter().position(|&p| p == j) {
                    let cycle = &path[k..];
                    let whys = &whys[k..];
                    if whys.iter().all(Option::is_none) {
                        let mut line = format!("a join cycle: {}", name(cycle[0]));
                        for &c in &cycle[1..] {
                            line.push_str(&format!(" waits for {}, which", name(c)));
                        }
                        line.push_str(&format!(" waits for {}", name(cycle[0])));
                        return Some(line);
                    }
                    let why = |i: usize| match &whys[i] {
                        Some(w) => format!(" ({})", w.trim_start_matches("it ")),
                        None => " (to finish)".to_string(),
                    };
                    let mut line = format!("a wait cycle: {}", name(cycle[0]));
                    for (i, &c) in cycle[1..].iter().enumerate() {
                        line.push_str(&format!("{} waits for {}, which", why(i), name(c)));
                    }
                    line.push_str(&format!("{} waits for {}", why(cycle.len() - 1), name(cycle[0])));
                    return Some(line);
                }
                path.push(j);
                t = j;
            }
        }
        // Threads blocked in foreign calls, each waiting for what only another one would do.
        let host: Vec<String> = self
            .live
            .iter()
            .filter_map(|&t| match &self.threads[t].state {
                ThreadState::Blocked { reason: BlockReason::Host(w), .. } => {
                    let why = host.wait_for(self, t).map_or_else(|| w.text(), |(why, _)| why);
                    Some(format!("{} {}", name(t), why.trim_start_matches("it ")))
                }
                _ => None,
            })
            .collect();
        if host.len() < 2 {
            return None;
        }
        Some(format!("{} threads wait for each other, and none can run to wake another: {}", host.len(), host.join("; ")))
    }

    /// Records the footprint of every segment from now on (for a run whose steps are shown:
    /// where each memory access happened), kept by the scheduler with its logged points.
    pub fn record_segments(&mut self) {
        self.fp.get_or_insert_with(Box::default);
        self.sched.keep_segments();
    }

    /// Runs the active thread until its next scheduling point.
    fn run_active(&mut self, host: &mut H) -> VmResult<Event> {
        let t = self.active;
        let from_call = std::mem::take(&mut self.threads[t].in_call);
        if from_call {
            let v = self.threads[t].pending_val;
            host.call_resumed(self, v);
        }
        self.delaying = false;
        let th = &mut self.threads[t];
        let mut frames = std::mem::take(&mut th.frames);
        let mut regs = std::mem::take(&mut th.regs);
        if let Some((slot, ty)) = th.pending_dst.take().filter(|_| !th.restart) {
            let base = frames.last().map_or(0, |f| f.base) as usize;
            regs[base + slot as usize] = ty.normalize(th.pending_val);
        }
        if th.restart || !th.interrupts.is_empty() {
            let r = match self.postpone_at_resume(from_call, &frames) {
                Ok(true) => Ok(()),
                Ok(false) => self.resume_interrupted(host, &mut frames, &mut regs),
                Err(s) => Err(s),
            };
            if let Err(s) = r {
                let th = &mut self.threads[t];
                th.frames = frames;
                th.regs = regs;
                return Err(s);
            }
        }
        let r = self.exec(host, &mut frames, &mut regs);
        let th = &mut self.threads[t];
        if th.is_terminated() {
            // Its process ended during its call ([`Machine::end_space`]): its stack goes.
            let _ = self.memory.resize_stack(regs.len(), 0);
            return r;
        }
        th.frames = frames;
        th.regs = regs;
        r
    }
}

/// Turns a memory error into a report: UB for the program's mistakes, a limit for exhaustion.
pub(crate) fn mem_stop(mem: &Memory, e: MemError, access: &str) -> Box<Stop> {
    let alloc_note = |id| mem.get(id).map(|a| (describe_kind(id, a), a.site, a.freed_at, a.size));
    match e {
        MemError::Null => Stop::ub(format!("{access} through a null pointer"), format!("{access} through null")),
        MemError::Invalid { addr } => Stop::ub(format!("{access} through an invalid pointer {addr:#x}"), "no allocation has this address"),
        MemError::OutOfBounds { id, offset, size, alloc_size } => {
            let (name, site, _, _) = alloc_note(id).unwrap_or_default();
            let mut s = Stop::ub(
                format!("{access} out of bounds"),
                format!(
                    "{access} of {size} byte{} at {name}{}, but {name} is {alloc_size} byte{} long",
                    if size == 1 { "" } else { "s" },
                    crate::memory::fmt_offset(offset),
                    if alloc_size == 1 { "" } else { "s" }
                ),
            );
            s.diags[0] = s.diags[0].clone().also(site, "allocated here");
            s
        }
        MemError::Dangling { id } => {
            let Some((name, site, freed, _)) = alloc_note(id) else {
                return forgotten(Stop::ub(format!("{access} of a dangling pointer"), format!("alloc #{id} has been freed")));
            };
            let mut s = Stop::ub(format!("{access} of a dangling pointer"), format!("{name} has been freed"));
            let mut d = s.diags[0].clone().also(site, "allocated here");
            if let Some(f) = freed {
                d = d.also(f, "freed here");
            }
            s.diags[0] = d;
            s
        }
        MemError::ReadOnly { id } => {
            let (name, site, _, _) = alloc_note(id).unwrap_or_default();
            let mut s = Stop::ub(format!("{access} to read-only memory"), format!("{name} is read-only"));
            s.diags[0] = s.diags[0].clone().also(site, "the string literal");
            s
        }
        MemError::BadFree { addr } => {
            Stop::ub("free of a pointer that is not the start of a live heap allocation", format!("freeing {}", mem.describe(addr)))
        }
        MemError::DoubleFree { id } => {
            let Some((name, site, freed, _)) = alloc_note(id) else {
                return forgotten(Stop::ub("double free", format!("alloc #{id} was already freed")));
            };
            let mut s = Stop::ub("double free", format!("{name} was already freed"));
            let mut d = s.diags[0].clone().also(site, "allocated here");
            if let Some(f) = freed {
                d = d.also(f, "first freed here");
            }
            s.diags[0] = d;
            s
        }
        MemError::TooLarge { size } => Stop::limit(
            format!("{access} of {size} bytes: the largest allocation is {} bytes", u32::MAX),
            "allocations are limited to 4 GiB - 1",
        ),
        MemError::Exhausted => Stop::limit("more than 2^32 - 1 allocations", "allocation ids are 32 bits"),
        MemError::TooMany { limit } => {
            Stop::limit(format!("{access}: more than {limit} allocations made in all"), "raise it with --max-allocations N")
        }
        MemError::Limit { limit } => Stop::limit(
            format!("memory: {access} would take more than {limit} bytes (the guest's memory and Spindle's bookkeeping of it)"),
            "raise it with --max-memory BYTES",
        ),
    }
}

/// A report about an allocation freed so long ago that its record is gone: it says so.
fn forgotten(mut s: Box<Stop>) -> Box<Stop> {
    s.diags[0] = s.diags[0].clone().note(
        "where it was made and freed is no longer known: Spindle keeps the record of a freed allocation only for a while (docs/language.md, \"Limits\")",
    );
    s
}

/// Appends `n` in decimal.
fn push_decimal(s: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[i..].iter().map(|&d| d as char));
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_decimal_writes_every_digit() {
        for n in [0u64, 7, 10, 12345, u64::MAX] {
            let mut s = String::from("t#");
            super::push_decimal(&mut s, n);
            assert_eq!(s, format!("t#{n}"));
        }
    }
}
