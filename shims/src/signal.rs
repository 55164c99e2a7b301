//! Signals: `sigaction`/`rt_sigaction`/`signal`, the masks (`sigprocmask`, `rt_sigprocmask`,
//! `pthread_sigmask`), sending (`kill`, `tgkill`, `raise`, `pthread_kill`), `sigpending`,
//! `sigsuspend`, `getpid`, `signalfd`/`signalfd4`, and `sigwait`/`sigwaitinfo`/`sigtimedwait`/
//! `rt_sigtimedwait`.
//!
//! Man pages: <https://man7.org/linux/man-pages/man7/signal.7.html>,
//! <https://man7.org/linux/man-pages/man2/rt_sigaction.2.html>,
//! <https://man7.org/linux/man-pages/man2/signalfd.2.html>. Ground truth: the native twins of
//! `programs/signals/` in `shims/probes/signal_scenarios/`.
//!
//! The VM knows nothing of signals: a handler runs as an *interrupt frame*
//! ([`Machine::push_interrupt_frame`]) on the target thread, which first leaves a blocking call
//! through [`Machine::interrupt_thread`] (`EINTR`, or a restart with `SA_RESTART` where Linux
//! restarts). Everything Linux-specific is here:
//!
//! - **Pending sets**: one per thread (`tgkill`, `pthread_kill`, `raise`) and one for the
//!   process (`kill`). A standard signal (1–31) already pending is not queued again; a real-time
//!   one (32–64) queues every instance.
//! - **Which thread** takes a process-directed signal (the kernel's `complete_signal`): the main
//!   thread if it does not block it, otherwise the first live thread, in id order, that does
//!   not; if every thread blocks it, it stays pending for the process (for `sigpending`,
//!   `signalfd`, or the first thread that unblocks it).
//! - **Delivery**: a signal is delivered when it is pending and not blocked by its thread: at
//!   once if it is the calling thread's (before the call returns to the guest), otherwise when
//!   the target next runs user code — the VM's interrupt frame, whose entry the scheduler may
//!   postpone step by step up to the target's next foreign call (docs/explore.md, *Where a
//!   signal lands*). Sending releases the sender's clock into the pending signal ([`Pending`]'s
//!   `clock`); the handler's entry, `sigtimedwait`'s return and a signalfd read acquire it
//!   (docs/language.md, *Signals and happens-before*). A handler runs with the thread's mask
//!   plus `sa_mask` plus the signal (unless `SA_NODEFER`); its return (`rt_sigreturn`)
//!   restores the mask it interrupted — the mask from before `sigsuspend`, `ppoll`, `pselect6`
//!   or `epoll_pwait` when it interrupted one of those.
//! - **Default actions**: ignored for `SIGCHLD`, `SIGURG`, `SIGWINCH` (and any signal set to
//!   `SIG_IGN`: a pending one is discarded, as POSIX says); `SIGSTOP`, `SIGTSTP`, `SIGTTIN`,
//!   `SIGTTOU` and `SIGCONT` stop the run as unsupported; every other signal ends the process
//!   with exit status 128 + the signal's number (what a shell shows for a process a signal
//!   killed: 141 for `SIGPIPE`, 143 for `SIGTERM`).
//! - **Layout**: `rt_sigaction` takes the kernel's `struct sigaction` (handler, flags, restorer,
//!   an 8-byte mask: 32 bytes), which is what the system call reads and what strace decodes;
//!   `sigaction` takes glibc's (handler, a 128-byte `sigset_t` of which the kernel uses the
//!   first 8 bytes, `int` flags, restorer: 152 bytes), as a C program passes it.
//! - **Processes**: each process (`fork.rs`) has its own dispositions and process-directed
//!   pending set; its threads their masks and pending sets. A forked child inherits the
//!   dispositions and the calling thread's mask, with nothing pending. A default action that
//!   terminates ends the process that took the signal (the run, for the initial process); its
//!   parent gets `SIGCHLD` (`CLD_EXITED`, `CLD_KILLED`) when a child ends, and `wait4` reports a
//!   child a signal killed as `WIFSIGNALED`.

use crate::abi::{In, Timespec};
use crate::consts::errno::{EAGAIN, EFAULT, EINTR, EINVAL, ESRCH};
use crate::consts::linux;
use crate::table::args;
use crate::wake::{Cause, Wakeups};
use crate::{errno_of, fail, Shims};
use spindle_fds::FdId;
use spindle_vm::clock::VClock;
use spindle_vm::{BlockReason, HostWait, Machine, Ret, SpaceId, Stop, ThreadId, Unblock, VmResult};
use std::collections::BTreeMap;

/// The user id a signal's sender has (`si_uid`).
pub(crate) const GUEST_UID: u32 = 1000;

/// The highest signal number (`_NSIG - 1`).
const SIGMAX: i64 = linux::_NSIG - 1;
const SIGKILL: i64 = linux::SIGKILL;
const SIGSTOP: i64 = linux::SIGSTOP;
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;
const SA_SIGINFO: u64 = linux::SA_SIGINFO as u64;
const SA_RESTART: u64 = linux::SA_RESTART as u64;
const SA_NODEFER: u64 = linux::SA_NODEFER as u64;
const SA_RESETHAND: u64 = linux::SA_RESETHAND as u64;
const SA_RESTORER: u64 = linux::SA_RESTORER as u64;
/// `SA_EXPOSE_TAGBITS` (not among the built-in constants: no guest needs it).
const SA_EXPOSE_TAGBITS: u64 = 0x800;
/// The flags an action keeps (the kernel's `UAPI_SA_FLAGS` on x86-64): since Linux 5.11
/// `do_sigaction` clears every other bit, so that reading the action back tells a program
/// which flags the kernel knows (`programs/signals/saflags.mir`).
const UAPI_SA_FLAGS: u64 = linux::SA_NOCLDSTOP as u64
    | linux::SA_NOCLDWAIT as u64
    | SA_SIGINFO
    | linux::SA_ONSTACK as u64
    | SA_RESTART
    | SA_NODEFER
    | SA_RESETHAND
    | SA_EXPOSE_TAGBITS
    | SA_RESTORER;
/// The restorer glibc's `sigaction` and `signal` install (its `__restore_rt`, which Spindle
/// has no code for): the value the trace shows and an old action gives back.
const GLIBC_RESTORER: u64 = crate::trace::decode::GLIBC_RESTORER;
const SI_USER: i32 = linux::SI_USER as i32;
const SI_TKILL: i32 = linux::SI_TKILL as i32;
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
/// `sizeof(struct signalfd_siginfo)`.
const SIGNALFD_SIGINFO_SIZE: u64 = 128;
/// `sizeof(siginfo_t)`.
const SIGINFO_SIZE: u64 = 128;
/// `sizeof(sigset_t)` as the kernel counts it.
const SIGSET_SIZE: u64 = 8;

/// The bit of signal `sig` in a mask.
const fn bit(sig: i64) -> u64 {
    1 << (sig - 1)
}

/// Signals no mask can block.
const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// What a signal does when its action is `SIG_DFL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Default {
    Terminate,
    Ignore,
    Stop,
}

fn default_action(sig: i64) -> Default {
    match sig {
        s if s == linux::SIGCHLD || s == linux::SIGURG || s == linux::SIGWINCH => Default::Ignore,
        s if s == linux::SIGSTOP || s == linux::SIGTSTP || s == linux::SIGTTIN || s == linux::SIGTTOU || s == linux::SIGCONT => {
            Default::Stop
        }
        _ => Default::Terminate,
    }
}

/// One signal's disposition (the kernel's `struct k_sigaction`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Action {
    handler: u64,
    flags: u64,
    restorer: u64,
    mask: u64,
}

/// One pending instance: what `siginfo` and `signalfd_siginfo` say of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    sig: i64,
    code: i32,
    /// The sending thread (`si_pid`, `si_uid` are the process's).
    sender: ThreadId,
    /// `si_pid`: the sender's process, or the child that ended (`SIGCHLD`).
    pid: i64,
    /// `si_status` of a `SIGCHLD`: the child's exit code or the signal that killed it.
    status: i32,
    /// The sender's clock, released by the send and acquired by the delivery (0: none; an index
    /// into [`Signals::clocks`]).
    clock: u32,
}

/// A handler running on a thread.
#[derive(Clone, Copy, Debug)]
struct Running {
    sig: i64,
    /// The mask its return restores.
    restore: u64,
    /// Its `siginfo_t` in guest memory (for `SA_SIGINFO`), freed when it returns.
    info: u64,
    pending: Pending,
}

#[derive(Default, Clone)]
struct PerThread {
    mask: u64,
    pending: Vec<Pending>,
    /// The mask a call (`sigsuspend`, `ppoll`, …) replaced for its wait, to restore after it.
    swapped: Option<u64>,
    /// Handlers running, innermost last.
    running: Vec<Running>,
    /// While the thread waits in `rt_sigtimedwait` (`sigwait`, …).
    waiting: Option<SigWait>,
}

/// What a process has of its own: its dispositions and its process-directed pending set.
#[derive(Default)]
struct ProcSignals {
    actions: BTreeMap<i64, Action>,
    pending: Vec<Pending>,
}

/// The signal state of the guest's processes and threads.
#[derive(Default)]
pub(crate) struct Signals {
    /// By process (address space).
    procs: BTreeMap<SpaceId, ProcSignals>,
    threads: BTreeMap<ThreadId, PerThread>,
    /// While an interrupted call's callback runs: whether the handler about to run has
    /// `SA_RESTART`.
    restart: bool,
    /// Live signalfds and their masks.
    signalfds: BTreeMap<FdId, u64>,
    /// The clocks pending signals carry ([`Pending::clock`] `i` is `clocks[i - 1]`), and the
    /// free slots: happens-before from a send to the delivery (docs/language.md, *Signals and
    /// happens-before*). Empty while races are not detected.
    clocks: Vec<Option<VClock>>,
    free_clocks: Vec<u32>,
}

fn pending_mask(p: &[Pending]) -> u64 {
    p.iter().fold(0, |m, p| m | bit(p.sig))
}

/// Keeps a sender's released clock for a pending signal: its [`Pending::clock`].
fn keep_clock(clocks: &mut Vec<Option<VClock>>, free: &mut Vec<u32>, c: Option<VClock>) -> u32 {
    let Some(c) = c else { return 0 };
    match free.pop() {
        Some(i) => {
            clocks[i as usize - 1] = Some(c);
            i
        }
        None => {
            clocks.push(Some(c));
            clocks.len() as u32
        }
    }
}

/// Queues `p`: a standard signal already pending is not queued again.
fn enqueue(list: &mut Vec<Pending>, p: Pending) {
    if p.sig < 32 && list.iter().any(|q| q.sig == p.sig) {
        return;
    }
    list.push(p);
}

impl Signals {
    /// The clock a pending signal carried, as it is delivered (or discarded).
    fn take_clock(&mut self, i: u32) -> Option<VClock> {
        let c = self.clocks.get_mut((i as usize).checked_sub(1)?)?.take()?;
        self.free_clocks.push(i);
        Some(c)
    }

    fn thread(&mut self, t: ThreadId) -> &mut PerThread {
        self.threads.entry(t).or_default()
    }

    fn mask(&self, t: ThreadId) -> u64 {
        self.threads.get(&t).map_or(0, |p| p.mask)
    }

    fn action(&self, space: SpaceId, sig: i64) -> Action {
        self.procs.get(&space).and_then(|p| p.actions.get(&sig)).copied().unwrap_or_default()
    }

    fn proc(&mut self, space: SpaceId) -> &mut ProcSignals {
        self.procs.entry(space).or_default()
    }

    /// The process-directed signals pending for `space`.
    fn process_pending(&self, space: SpaceId) -> u64 {
        self.procs.get(&space).map_or(0, |p| pending_mask(&p.pending))
    }

    /// Whether a signal with this action is discarded when generated (and not blocked).
    fn ignored(&self, space: SpaceId, sig: i64) -> bool {
        let a = self.action(space, sig);
        a.handler == SIG_IGN || a.handler == SIG_DFL && default_action(sig) == Default::Ignore
    }
}

impl Shims {
    /// A new thread starts with its creator's mask and nothing pending.
    pub(crate) fn signal_thread_spawned(&mut self, parent: ThreadId, child: ThreadId) {
        let mask = self.signals.mask(parent);
        if mask != 0 {
            self.signals.thread(child).mask = mask;
        }
    }

    /// Generates `sig` for thread `target` (`Some`) or the process (`None`: the caller's), then
    /// delivers what can be delivered.
    fn send_signal(&mut self, m: &mut Machine<Shims>, target: Option<ThreadId>, sig: i64, code: i32) -> VmResult<()> {
        let space = m.thread_space(m.active_thread());
        let dest = match target {
            Some(t) => Dest::Thread(t),
            None => Dest::Process(space),
        };
        let p = Pending { sig, code, sender: m.active_thread(), pid: self.pid_of_thread(m, m.active_thread()), status: 0, clock: 0 };
        self.generate(m, dest, p)
    }

    /// Makes `p` pending for `dest` (unless it is discarded), then delivers what can be.
    fn generate(&mut self, m: &mut Machine<Shims>, dest: Dest, p: Pending) -> VmResult<()> {
        let sig = p.sig;
        // Where the signal lands in the target's steps is a scheduling decision: the send
        // depends on every step of every thread (docs/explore.md, *Where a signal lands*).
        m.depends_on_everything();
        // A signal that is ignored is discarded unless blocked (the handler may change before it
        // is unblocked): `sig_ignored`, against the target (the process's first thread for
        // `kill`).
        let (space, blocked_by) = match dest {
            Dest::Thread(t) => (m.thread_space(t), t),
            Dest::Process(space) => (space, self.leader(space)),
        };
        if self.signals.ignored(space, sig) && self.signals.blocked_for_ignore(blocked_by) & bit(sig) == 0 {
            // strace shows it all the same: a traced process's ignored signals are not
            // discarded but stop it at delivery (the kernel's `sig_ignored` is false for a
            // ptraced task), and are ignored after. Only a `SIGCHLD` set to `SIG_IGN` is never
            // sent (`do_notify_parent`).
            if crate::HOOKS && !(sig == linux::SIGCHLD && self.signals.action(space, sig).handler == SIG_IGN) {
                if let Some(tr) = &mut self.trace {
                    tr.ignored_signal(blocked_by, format!("--- {} {} ---", signal_name(sig), siginfo_text(&p)));
                }
            }
            return Ok(());
        }
        // Sending releases the sender's clock into the pending signal; its delivery acquires
        // it. A standard signal already pending is not queued again: its clock learns this
        // send too (the kernel orders both sends before the one delivery).
        let mut p = p;
        let clock = m.release_clock();
        let sigs = &mut self.signals;
        let list = match dest {
            Dest::Thread(t) => &mut sigs.threads.entry(t).or_default().pending,
            Dest::Process(space) => &mut sigs.procs.entry(space).or_default().pending,
        };
        match list.iter().position(|q| q.sig < 32 && q.sig == p.sig) {
            Some(at) => match (list[at].clock, clock) {
                (_, None) => {}
                (0, c) => list[at].clock = keep_clock(&mut sigs.clocks, &mut sigs.free_clocks, c),
                (i, Some(c)) => {
                    if let Some(Some(kept)) = sigs.clocks.get_mut(i as usize - 1) {
                        kept.join(&c);
                    }
                }
            },
            None => {
                p.clock = keep_clock(&mut sigs.clocks, &mut sigs.free_clocks, clock);
                enqueue(list, p);
            }
        }
        self.signalfds_changed(m)?;
        self.deliver_signals(m)
    }

    /// A write or send that fails with `EPIPE` (and no `MSG_NOSIGNAL`): SIGPIPE to the calling
    /// thread (`send_sig`: `SI_USER`), before the call returns `EPIPE`. With the default action
    /// the run ends with 141.
    pub(crate) fn raise_sigpipe(&mut self, m: &mut Machine<Shims>) -> VmResult<()> {
        let me = m.active_thread();
        self.send_signal(m, Some(me), linux::SIGPIPE, SI_USER)
    }

    /// Delivers every pending signal that a thread does not block: a process-directed one to
    /// the main thread if it does not block it, else to the first live thread that does not.
    pub(crate) fn deliver_signals(&mut self, m: &mut Machine<Shims>) -> VmResult<()> {
        if self.signals.threads.values().all(|p| p.pending.is_empty()) && self.signals.procs.values().all(|p| p.pending.is_empty()) {
            return Ok(());
        }
        loop {
            let mut next = None;
            // Thread-directed first (the kernel dequeues a thread's own signals first).
            for (&t, p) in &self.signals.threads {
                if m.is_terminated(t) {
                    continue;
                }
                if let Some(i) = lowest_unblocked(&p.pending, p.mask) {
                    next = Some((t, None, i));
                    break;
                }
            }
            // Then each process's, to its first thread that does not block it (`main` first).
            for (&space, ps) in self.signals.procs.iter().filter(|(_, ps)| !ps.pending.is_empty()) {
                if next.is_some() {
                    break;
                }
                let live = m.space_threads(space);
                for (i, p) in ps.pending.iter().enumerate() {
                    if let Some(&t) = live.iter().find(|&&t| self.signals.mask(t) & bit(p.sig) == 0) {
                        next = Some((t, Some(space), i));
                        break;
                    }
                }
            }
            let Some((t, shared, i)) = next else { break };
            let p = match shared {
                Some(space) => self.signals.proc(space).pending.remove(i),
                None => self.signals.thread(t).pending.remove(i),
            };
            self.deliver(m, t, p)?;
        }
        self.signalfds_changed(m)
    }

    /// Delivers `p` to thread `t`, which does not block it.
    fn deliver(&mut self, m: &mut Machine<Shims>, t: ThreadId, p: Pending) -> VmResult<()> {
        // A thread in `sigwait` for it takes it instead: no handler, no default action.
        let Some(p) = self.sigwait_takes(m, t, p)? else { return Ok(()) };
        let sig = p.sig;
        let space = m.thread_space(t);
        let action = self.signals.action(space, sig);
        if action.handler == SIG_IGN || action.handler == SIG_DFL {
            // No handler runs: nothing acquires the sender's clock.
            self.signals.take_clock(p.clock);
        }
        match action.handler {
            SIG_IGN => return Ok(()),
            SIG_DFL => {
                return match default_action(sig) {
                    Default::Ignore => Ok(()),
                    Default::Stop => Err(Stop::unsupported(format!(
                        "{} (stopping or continuing a process): Spindle runs one process that is never stopped",
                        signal_name(sig)
                    ))),
                    // A forked process ends; its parent sees it killed by `sig`.
                    Default::Terminate if space != 0 => self.killed_by_signal(m, space, t, &p),
                    Default::Terminate => {
                        if crate::HOOKS {
                            if let Some(tr) = &mut self.trace {
                                tr.killed_by = Some(signal_name(sig));
                            }
                        }
                        Err(killed(sig))
                    }
                };
            }
            _ => {}
        }
        if m.program().fn_index(action.handler).is_none() {
            return Err(Stop::ub(
                format!("the handler of {} is not a function", signal_name(sig)),
                format!("`{:#x}` was installed with sigaction and the signal was delivered", action.handler),
            ));
        }
        // Out of a blocking call first: its callback ends it with EINTR, or restarts it.
        self.signals.restart = action.flags & SA_RESTART != 0;
        m.interrupt_thread(self, t)?;
        self.signals.restart = false;
        let th = self.signals.thread(t);
        let restore = th.swapped.take().unwrap_or(th.mask);
        let mut mask = th.mask | action.mask;
        if action.flags & SA_NODEFER == 0 {
            mask |= bit(sig);
        }
        th.mask = mask & !UNBLOCKABLE;
        if action.flags & SA_RESETHAND != 0 {
            // Only the handler is reset: the kernel's `get_signal` keeps the flags, SA_RESETHAND
            // included, as `sigaction` then reports them (found by --against-kernel).
            self.signals.proc(space).actions.insert(sig, Action { handler: SIG_DFL, ..action });
        }
        let info = if action.flags & SA_SIGINFO != 0 {
            // In `t`'s process, which may not be the sender's.
            m.as_thread(t, |m| {
                let a = m.malloc(SIGINFO_SIZE)?;
                m.write_guest(a, &siginfo(&p))?;
                Ok(a)
            })?
        } else {
            0
        };
        self.signals.thread(t).running.push(Running { sig, restore, info, pending: p });
        m.push_interrupt_frame(t, action.handler, &[sig as u64, info, 0], sig as u64)
    }

    /// A handler is entered: it acquires the sender's clock, and the trace shows the signal as
    /// strace does.
    pub(crate) fn signal_entered(&mut self, m: &mut Machine<Shims>) {
        let t = m.active_thread();
        let Some(r) = self.signals.threads.get(&t).and_then(|p| p.running.last().copied()) else { return };
        if let Some(c) = self.signals.take_clock(r.pending.clock) {
            m.acquire_clock(&c);
        }
        if !crate::HOOKS {
            return;
        }
        if let Some(tr) = &mut self.trace {
            let line = format!("--- {} {} ---", signal_name(r.sig), siginfo_text(&r.pending));
            tr.signal_delivered(m, t, &line);
        }
    }

    /// A handler returned (`rt_sigreturn`): the mask it interrupted comes back, its `siginfo`
    /// goes, and what the restored mask unblocks is delivered.
    pub(crate) fn signal_returned(&mut self, m: &mut Machine<Shims>) -> VmResult<()> {
        let t = m.active_thread();
        let Some(r) = self.signals.thread(t).running.pop() else { return Ok(()) };
        self.signals.thread(t).mask = r.restore;
        if r.info != 0 {
            m.free(r.info)?;
        }
        if crate::HOOKS {
            if let Some(tr) = &mut self.trace {
                tr.signal_returned(m, t, r.restore);
            }
        }
        self.deliver_signals(m)
    }

    /// In the callback of a blocked call woken with [`Unblock::Interrupted`]: the call ends as
    /// Linux ends it for a handler — restarted when `restartable` (`-ERESTARTSYS`) and the
    /// handler has `SA_RESTART`, else -1 `EINTR`.
    pub(crate) fn interrupted_call(&mut self, m: &mut Machine<Shims>, restartable: bool) {
        if restartable && self.signals.restart {
            m.restart_call();
        } else {
            m.set_errno(EINTR);
            m.set_return(-1i64 as u64);
        }
    }

    /// Replaces the calling thread's mask for a wait (`sigsuspend`, `ppoll`, `pselect6`,
    /// `epoll_pwait`); [`Self::unswap_mask`] puts it back when the call ends, unless a handler
    /// interrupted it (its return restores it).
    pub(crate) fn swap_mask(&mut self, m: &Machine<Shims>, mask: u64) {
        let th = self.signals.thread(m.active_thread());
        th.swapped = Some(th.mask);
        th.mask = mask & !UNBLOCKABLE;
    }

    pub(crate) fn unswap_mask(&mut self, m: &Machine<Shims>) {
        let th = self.signals.thread(m.active_thread());
        if let Some(old) = th.swapped.take() {
            th.mask = old;
        }
    }

    /// Whether the calling thread has a signal pending that it does not block (a wait that
    /// would block returns EINTR at once instead).
    pub(crate) fn signal_deliverable(&self, m: &Machine<Shims>) -> bool {
        // Every blocking wait asks: a run that never touched a signal has nothing to look up.
        if self.signals.procs.is_empty() && self.signals.threads.is_empty() {
            return false;
        }
        let t = m.active_thread();
        let (mask, own) = self.signals.threads.get(&t).map_or((0, 0), |p| (p.mask, pending_mask(&p.pending)));
        (own | self.signals.process_pending(m.thread_space(t))) & !mask != 0
    }

    // ---- signalfd ---------------------------------------------------------------------------

    pub(crate) fn is_signalfd(&self, id: FdId) -> bool {
        !self.signals.signalfds.is_empty() && self.signals.signalfds.contains_key(&id)
    }

    /// The signals a signalfd could read now: pending for any process or any thread (see
    /// docs/divergences.md: Linux looks at the reading thread's own set and its process's).
    fn signalfd_pending(&self, id: FdId) -> u64 {
        let mask = self.signals.signalfds.get(&id).copied().unwrap_or(0);
        let procs = self.signals.procs.values().fold(0, |a, p| a | pending_mask(&p.pending));
        let all = self.signals.threads.values().fold(procs, |a, p| a | pending_mask(&p.pending));
        all & mask
    }

    pub(crate) fn signalfd_readable(&self, id: FdId) -> bool {
        self.signalfd_pending(id) != 0
    }

    /// Pending sets changed: signalfds whose readiness changed wake their readers and watchers.
    fn signalfds_changed(&mut self, m: &mut Machine<Shims>) -> VmResult<()> {
        if self.signals.signalfds.is_empty() {
            return Ok(());
        }
        let ids: Vec<FdId> = self.signals.signalfds.keys().copied().collect();
        for id in ids {
            if self.signalfd_readable(id) {
                let w = Wakeups::touched(id, None).wake(Some(id), crate::epoll::Wake::All, 1);
                self.notify(m, w, Cause::Thread)?;
            } else {
                self.notify(m, Wakeups::touched(id, None).changed(Some(id)), Cause::Thread)?;
            }
        }
        Ok(())
    }

    /// A signalfd was destroyed.
    pub(crate) fn signalfd_destroyed(&mut self, id: FdId) {
        self.signals.signalfds.remove(&id);
    }

    /// A read of a signalfd: as many `struct signalfd_siginfo` as fit and are pending (the
    /// reading thread's own signals first, then the process's); `None` when it would block.
    pub(crate) fn signalfd_read(&mut self, m: &mut Machine<Shims>, id: FdId, buf: u64, count: u64) -> VmResult<Option<Ret>> {
        if count < SIGNALFD_SIGINFO_SIZE {
            return fail(m, EINVAL).map(Some);
        }
        let mask = self.signals.signalfds.get(&id).copied().unwrap_or(0);
        let t = m.active_thread();
        let space = m.thread_space(t);
        let mut out = Vec::new();
        let max = (count / SIGNALFD_SIGINFO_SIZE) as usize;
        while out.len() < max {
            let th = self.signals.thread(t);
            let p = match th.pending.iter().position(|p| bit(p.sig) & mask != 0) {
                Some(i) => th.pending.remove(i),
                None => {
                    let own = &mut self.signals.proc(space).pending;
                    match own.iter().position(|p| bit(p.sig) & mask != 0) {
                        Some(i) => own.remove(i),
                        None => break,
                    }
                }
            };
            // The read takes the signal: it acquires the sender's clock.
            if let Some(c) = self.signals.take_clock(p.clock) {
                m.acquire_clock(&c);
            }
            out.push(p);
        }
        if out.is_empty() {
            return Ok(None);
        }
        let bytes: Vec<u8> = out.iter().flat_map(signalfd_siginfo).collect();
        self.signalfds_changed(m)?;
        if !m.write_guest(buf, &bytes)? {
            return fail(m, EFAULT).map(Some);
        }
        Ok(Some(Ret::Value(bytes.len() as u64)))
    }
}

/// The index of the lowest-numbered pending signal not in `mask`.
fn lowest_unblocked(pending: &[Pending], mask: u64) -> Option<usize> {
    pending.iter().enumerate().filter(|(_, p)| bit(p.sig) & mask == 0).min_by_key(|(i, p)| (p.sig, *i)).map(|(i, _)| i)
}

/// The process ends, killed by `sig`: exit status 128 + `sig`, as a shell reports it.
fn killed(sig: i64) -> Box<Stop> {
    Stop::exit((128 + sig) as u8)
}

/// strace's name of a signal (`SIGUSR1`, `SIGRT_2` for 34).
pub(crate) fn signal_name(sig: i64) -> String {
    crate::trace::decode::signal_name(sig)
}

/// `siginfo_t` of a delivered signal: `si_signo`, `si_errno`, `si_code`, then `si_pid`, `si_uid`.
fn siginfo(p: &Pending) -> Vec<u8> {
    let mut b = vec![0u8; SIGINFO_SIZE as usize];
    b[0..4].copy_from_slice(&(p.sig as i32).to_le_bytes());
    b[8..12].copy_from_slice(&p.code.to_le_bytes());
    b[16..20].copy_from_slice(&(p.pid as i32).to_le_bytes());
    b[20..24].copy_from_slice(&GUEST_UID.to_le_bytes());
    if p.sig == linux::SIGCHLD {
        // `si_status`; `si_utime` and `si_stime` stay 0 (no CPU time in virtual time).
        b[24..28].copy_from_slice(&p.status.to_le_bytes());
    }
    b
}

/// `struct signalfd_siginfo`: `ssi_signo`, `ssi_errno`, `ssi_code`, `ssi_pid`, `ssi_uid`, …
fn signalfd_siginfo(p: &Pending) -> Vec<u8> {
    let mut b = vec![0u8; SIGNALFD_SIGINFO_SIZE as usize];
    b[0..4].copy_from_slice(&(p.sig as u32).to_le_bytes());
    b[8..12].copy_from_slice(&p.code.to_le_bytes());
    b[12..16].copy_from_slice(&(p.pid as u32).to_le_bytes());
    b[16..20].copy_from_slice(&GUEST_UID.to_le_bytes());
    // `ssi_status`.
    b[40..44].copy_from_slice(&p.status.to_le_bytes());
    b
}

/// How strace shows a delivered signal's `siginfo`.
fn siginfo_text(p: &Pending) -> String {
    crate::trace::decode::siginfo_text(&crate::trace::decode::Siginfo {
        signo: p.sig,
        code: p.code,
        pid: p.pid,
        uid: GUEST_UID,
        status: p.status,
        utime: 0,
        stime: 0,
    })
}

/// A signal number the kernel accepts for sending (0 only checks the target).
fn valid_signal(sig: i64) -> bool {
    (0..=SIGMAX).contains(&sig)
}

// ---- the calls ----------------------------------------------------------------------------------

/// The kernel's side of `rt_sigaction`: `sig` checked (1–64; `SIGKILL` and `SIGSTOP` cannot
/// be changed), the old action returned, the new one installed. Setting `SIG_IGN` (or
/// `SIG_DFL` for a signal ignored by default) discards that signal's pending instances.
fn do_sigaction(s: &mut Shims, m: &mut Machine<Shims>, sig: i64, new: Option<Action>) -> VmResult<Result<Action, i64>> {
    if !(1..=SIGMAX).contains(&sig) || new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
        return Ok(Err(EINVAL));
    }
    let space = m.thread_space(m.active_thread());
    let old = s.signals.action(space, sig);
    if let Some(mut a) = new {
        a.mask &= !UNBLOCKABLE;
        a.flags &= UAPI_SA_FLAGS;
        s.signals.proc(space).actions.insert(sig, a);
        if s.signals.ignored(space, sig) {
            s.signals.proc(space).pending.retain(|p| p.sig != sig);
            for (_, th) in s.signals.threads.iter_mut().filter(|(&t, _)| m.thread_space(t) == space) {
                th.pending.retain(|p| p.sig != sig);
            }
            s.signalfds_changed(m)?;
        }
    }
    Ok(Ok(old))
}

/// The kernel's `struct sigaction` (x86-64): handler, flags, restorer, mask — 32 bytes.
fn read_kernel_sigaction(m: &mut Machine<Shims>, addr: u64) -> VmResult<Option<Action>> {
    Ok(m.read_guest(addr, 32)?.map(|b| {
        let w = |i: usize| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or_default());
        Action { handler: w(0), flags: w(1), restorer: w(2), mask: w(3) }
    }))
}

fn kernel_sigaction_bytes(a: &Action) -> Vec<u8> {
    [a.handler, a.flags, a.restorer, a.mask].iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// glibc's `struct sigaction`: handler (8), `sigset_t` (128, the kernel's 8 first), `int`
/// flags and padding (8), restorer (8) — 152 bytes.
const LIBC_SIGACTION_SIZE: u64 = 152;

fn read_libc_sigaction(m: &mut Machine<Shims>, addr: u64) -> VmResult<Option<Action>> {
    Ok(m.read_guest(addr, LIBC_SIGACTION_SIZE)?.map(|b| {
        let w = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
        // glibc's sigaction adds its restorer (`__restore_rt`), which Spindle has no code for.
        Action { handler: w(0), mask: w(8), flags: (w(136) & 0xffff_ffff) | SA_RESTORER, restorer: GLIBC_RESTORER }
    }))
}

fn libc_sigaction_bytes(a: &Action) -> Vec<u8> {
    let mut b = vec![0u8; LIBC_SIGACTION_SIZE as usize];
    b[0..8].copy_from_slice(&a.handler.to_le_bytes());
    b[8..16].copy_from_slice(&a.mask.to_le_bytes());
    b[136..140].copy_from_slice(&(a.flags as u32).to_le_bytes());
    b[144..152].copy_from_slice(&a.restorer.to_le_bytes());
    b
}

/// `rt_sigaction(sig, act, oact, sigsetsize)`: the system call, with the kernel's struct.
/// `sigsetsize` other than 8 is EINVAL, then `act` is read (EFAULT), `sig` checked (EINVAL),
/// `oact` written (EFAULT).
pub fn rt_sigaction(s: &mut Shims, m: &mut Machine<Shims>, a: args::RtSigaction) -> VmResult<Ret> {
    if a.sigsetsize.0 as u64 != SIGSET_SIZE {
        return fail(m, EINVAL);
    }
    let new = if a.act.0 == 0 {
        None
    } else {
        match read_kernel_sigaction(m, a.act.0)? {
            Some(act) => Some(act),
            None => return fail(m, EFAULT),
        }
    };
    let old = match do_sigaction(s, m, a.sig.0 as i32 as i64, new)? {
        Ok(old) => old,
        Err(e) => return fail(m, e),
    };
    if a.oact.0 != 0 && !m.write_guest(a.oact.0, &kernel_sigaction_bytes(&old))? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// A signal glibc's `sigaction`, `signal`, `raise` and `pthread_kill` refuse without a system
/// call: its own (32, 33) or one outside 1–64.
fn glibc_refuses(sig: i64) -> bool {
    !(1..=SIGMAX).contains(&sig) || sig == 32 || sig == 33
}

/// Signals glibc keeps for itself (`SIGCANCEL` 32, `SIGSETXID` 33): its `sigaction` refuses
/// them, and its `sigprocmask` never blocks them.
const GLIBC_INTERNAL: u64 = bit(32) | bit(33);

/// `sigaction(sig, act, oact)`: glibc's wrapper, with glibc's struct. glibc refuses 32, 33 and
/// numbers outside 1–64 itself, without a system call (no trace line).
pub fn sigaction(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigaction) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    if glibc_refuses(sig) {
        s.trace_no_system_call();
        return fail(m, EINVAL);
    }
    let new = if a.act.0 == 0 {
        None
    } else {
        match read_libc_sigaction(m, a.act.0)? {
            Some(act) => Some(act),
            None => return fail(m, EFAULT),
        }
    };
    let old = match do_sigaction(s, m, sig, new)? {
        Ok(old) => old,
        Err(e) => return fail(m, e),
    };
    if a.oact.0 != 0 && !m.write_guest(a.oact.0, &libc_sigaction_bytes(&old))? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// `signal(sig, handler)`: glibc's BSD semantics — `sigaction` with `SA_RESTART` and the
/// signal itself in `sa_mask`; returns the old handler, or `SIG_ERR` (-1) with EINVAL (glibc's
/// own for 32, 33, a number outside 1–64 or the handler `SIG_ERR`: no system call, no line).
pub fn signal(s: &mut Shims, m: &mut Machine<Shims>, a: args::Signal) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    if glibc_refuses(sig) || a.handler.0 == u64::MAX {
        s.trace_no_system_call();
        return fail(m, EINVAL);
    }
    let act = Action { handler: a.handler.0, flags: SA_RESTART | SA_RESTORER, restorer: GLIBC_RESTORER, mask: bit(sig) };
    match do_sigaction(s, m, sig, Some(act))? {
        Ok(old) => {
            if crate::HOOKS {
                if let Some(tr) = &mut s.trace {
                    let (handler, flags, restorer, mask) = (old.handler, old.flags, old.restorer, old.mask);
                    tr.note_old_action(crate::trace::decode::Sigaction { handler, flags, restorer, mask });
                }
            }
            Ok(Ret::Value(old.handler))
        }
        Err(e) => fail(m, e),
    }
}

/// The kernel's `sigprocmask`: the calling thread's mask changed by `how`; `SIGKILL` and
/// `SIGSTOP` are never blocked. A newly unblocked pending signal is delivered before the call
/// returns.
fn do_sigprocmask(s: &mut Shims, m: &mut Machine<Shims>, how: i64, set: u64, oldset: u64, strip: u64) -> VmResult<Result<(), i64>> {
    let t = m.active_thread();
    let old = s.signals.mask(t);
    if set != 0 {
        let Some(b) = m.read_guest(set, 8)? else { return Ok(Err(EFAULT)) };
        let new = u64::from_le_bytes(b[..8].try_into().unwrap_or_default()) & !UNBLOCKABLE & !strip;
        let mask = match how {
            h if h == linux::SIG_BLOCK => old | new,
            h if h == linux::SIG_UNBLOCK => old & !new,
            h if h == linux::SIG_SETMASK => new,
            _ => return Ok(Err(EINVAL)),
        };
        s.signals.thread(t).mask = mask;
    }
    if oldset != 0 && !m.write_guest(oldset, &old.to_le_bytes())? {
        return Ok(Err(EFAULT));
    }
    s.deliver_signals(m)?;
    Ok(Ok(()))
}

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`: the system call; `sigsetsize` other than 8
/// is EINVAL, a bad `how` is EINVAL only with a `set`.
pub fn rt_sigprocmask(s: &mut Shims, m: &mut Machine<Shims>, a: args::RtSigprocmask) -> VmResult<Ret> {
    if a.sigsetsize.0 as u64 != SIGSET_SIZE {
        return fail(m, EINVAL);
    }
    match do_sigprocmask(s, m, a.how.0 as i32 as i64, a.set.0, a.oldset.0, 0)? {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => fail(m, e),
    }
}

/// `sigprocmask(how, set, oldset)`: glibc's wrapper (it never blocks its signals 32 and 33).
pub fn sigprocmask(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigprocmask) -> VmResult<Ret> {
    s.trace_mask_without_internal(m, a.set.0);
    match do_sigprocmask(s, m, a.how.0 as i32 as i64, a.set.0, a.oldset.0, GLIBC_INTERNAL)? {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => fail(m, e),
    }
}

/// `pthread_sigmask(how, set, oldset)`: as `sigprocmask`, but the error is returned, not set
/// in `errno`.
pub fn pthread_sigmask(s: &mut Shims, m: &mut Machine<Shims>, a: args::PthreadSigmask) -> VmResult<Ret> {
    s.trace_mask_without_internal(m, a.set.0);
    match do_sigprocmask(s, m, a.how.0 as i32 as i64, a.set.0, a.oldset.0, GLIBC_INTERNAL)? {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => Ok(Ret::Value(e as u64)),
    }
}

/// `sigpending(set)`: the signals pending for the calling thread or the process that it blocks.
pub fn sigpending(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigpending) -> VmResult<Ret> {
    let t = m.active_thread();
    let own = s.signals.threads.get(&t).map_or(0, |p| pending_mask(&p.pending));
    let set = (own | s.signals.process_pending(m.thread_space(t))) & s.signals.mask(t);
    if !m.write_guest(a.set.0, &set.to_le_bytes())? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// `sigsuspend(mask)`: waits with `mask` as the thread's mask until a handler runs; always
/// -1 EINTR. The handler's return restores the mask from before the call.
pub fn sigsuspend(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigsuspend) -> VmResult<Ret> {
    let Some(b) = m.read_guest(a.mask.0, 8)? else { return fail(m, EFAULT) };
    let mask = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
    s.swap_mask(m, mask);
    if s.signal_deliverable(m) {
        m.set_errno(EINTR);
        s.deliver_signals(m)?;
        return Ok(Ret::Value(-1i64 as u64));
    }
    let reason =
        HostWait { words: ["sigsuspend", ""], number: 0, describe: |_| "it is blocked in `sigsuspend`, waiting for a signal".to_string() };
    m.block_thread(
        BlockReason::Host(reason),
        None,
        Box::new(|s: &mut Shims, m: &mut Machine<Shims>, kind| {
            if kind == Unblock::Interrupted {
                s.interrupted_call(m, false);
            } else {
                // Nothing else wakes it; a spurious wake waits on.
                let t = m.active_thread();
                let _ = t;
                m.set_errno(EINTR);
                m.set_return(-1i64 as u64);
                s.unswap_mask(m);
            }
            Ok(())
        }),
    );
    Ok(Ret::Blocked)
}

/// `kill(pid, sig)`: `pid` N is that process of the run (one that has exited but is not reaped
/// yet gets nothing, and the call succeeds); 0 and `-1000` are the run's one process group,
/// every process of the run; -1 is every process but the caller (ESRCH when there is none; a
/// run with others stops as unsupported: Linux would signal every process of the machine);
/// any other pid or group finds nobody (ESRCH). Signal 0 only checks.
pub fn kill(s: &mut Shims, m: &mut Machine<Shims>, a: args::Kill) -> VmResult<Ret> {
    let (pid, sig) = (a.pid.0 as i32 as i64, a.sig.0 as i32 as i64);
    // The target is found before the signal is checked: a bad signal to nobody is ESRCH.
    let me = m.thread_space(m.active_thread());
    let targets = match pid {
        -1 => {
            if s.kill_targets(0).iter().all(|&(space, _)| space == me) {
                return fail(m, ESRCH);
            }
            if !valid_signal(sig) {
                return fail(m, EINVAL);
            }
            return Err(Stop::unsupported(
                "kill(-1, …) while the run has other processes: Linux sends the signal to every process of the machine that the caller may signal, which Spindle does not model",
            ));
        }
        _ => s.kill_targets(pid),
    };
    if targets.is_empty() {
        return fail(m, ESRCH);
    }
    if !valid_signal(sig) {
        return fail(m, EINVAL);
    }
    if sig != 0 {
        let p = Pending { sig, code: SI_USER, sender: m.active_thread(), pid: s.pid_of_thread(m, m.active_thread()), status: 0, clock: 0 };
        for (space, running) in targets {
            if running {
                s.generate(m, Dest::Process(space), p)?;
            }
        }
    }
    Ok(Ret::Value(0))
}

/// The thread `tid` names, if it is alive.
fn live_thread(m: &Machine<Shims>, tid: i64) -> Option<ThreadId> {
    usize::try_from(tid).ok().filter(|&t| t < m.thread_count() && !m.is_terminated(t))
}

/// `tgkill(tgid, tid, sig)`: `tid` is a thread id as `gettid` returns it. Non-positive ids are
/// EINVAL, an unknown or ended thread (or one of another process) ESRCH, then a bad signal
/// EINVAL.
pub fn tgkill(s: &mut Shims, m: &mut Machine<Shims>, a: args::Tgkill) -> VmResult<Ret> {
    let (tgid, tid, sig) = (a.tgid.0 as i32 as i64, a.tid.0 as i32 as i64, a.sig.0 as i32 as i64);
    if tgid <= 0 || tid < 0 {
        return fail(m, EINVAL);
    }
    let Some(t) = live_thread(m, tid).filter(|&t| s.pid_of_thread(m, t) == tgid) else { return fail(m, ESRCH) };
    if !valid_signal(sig) {
        return fail(m, EINVAL);
    }
    if sig != 0 {
        s.send_signal(m, Some(t), sig, SI_TKILL)?;
    }
    Ok(Ret::Value(0))
}

/// `raise(sig)`: the signal to the calling thread (glibc: `tgkill(getpid(), gettid(), sig)`);
/// its handler has run when `raise` returns. glibc refuses its own signals 32 and 33 (EINVAL,
/// no system call).
pub fn raise(s: &mut Shims, m: &mut Machine<Shims>, a: args::Raise) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    if sig == 32 || sig == 33 {
        s.trace_no_system_call();
        return fail(m, EINVAL);
    }
    if !valid_signal(sig) {
        return fail(m, EINVAL);
    }
    if sig != 0 {
        let me = m.active_thread();
        s.send_signal(m, Some(me), sig, SI_TKILL)?;
    }
    Ok(Ret::Value(0))
}

/// `pthread_kill(thread, sig)`: the error is returned, not set in `errno` (EINVAL; ESRCH for an
/// id no thread ever had). A thread that has ended gets nothing and the call returns 0, as
/// glibc's (2.34 on) does for a thread not yet joined, whatever the signal. glibc refuses its
/// own signals 32 and 33 without a system call; to its own thread it makes `tgkill` alone, to
/// another it blocks every signal around the `tgkill` (none for a thread that has ended): the
/// trace shows those calls, as strace does.
pub fn pthread_kill(s: &mut Shims, m: &mut Machine<Shims>, a: args::PthreadKill) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    s.trace_no_system_call();
    if sig == 32 || sig == 33 {
        return Ok(Ret::Value(EINVAL as u64));
    }
    // A `pthread_t` names a thread of the caller's process.
    let caller = m.active_thread();
    let me = m.thread_space(caller);
    let own = |t: usize| t < m.thread_count() && m.thread_space(t) == me;
    let target = usize::try_from(a.thread.0).ok().filter(|&t| own(t));
    let pid = s.pid_of_thread(m, caller);
    let error = if valid_signal(sig) { 0 } else { EINVAL };
    let send = |s: &mut Shims, m: &mut Machine<Shims>, t: ThreadId| {
        s.trace_tgkill(m, pid, t as i64, sig, error);
        if error == 0 && sig != 0 {
            s.send_signal(m, Some(t), sig, SI_TKILL)?;
        }
        Ok(Ret::Value(error as u64))
    };
    if target == Some(caller) {
        return send(s, m, caller);
    }
    let old = s.signals.mask(caller);
    s.trace_glibc_sigprocmask(m, "SIG_BLOCK", Some(u64::MAX), Some(old));
    let r = match target {
        Some(t) if m.is_terminated(t) => Ok(Ret::Value(0)),
        Some(t) => send(s, m, t),
        None => Ok(Ret::Value(ESRCH as u64)),
    };
    s.trace_glibc_sigprocmask(m, "SIG_SETMASK", Some(old), None);
    r
}

const SFD_NONBLOCK: u64 = linux::SFD_NONBLOCK as u64;
const SFD_CLOEXEC: u64 = linux::SFD_CLOEXEC as u64;

/// `signalfd4(fd, mask, sizemask, flags)`: the system call. `sizemask` other than 8 and flags
/// other than `SFD_NONBLOCK`/`SFD_CLOEXEC` are EINVAL; `fd` -1 makes a new signalfd, another
/// fd must be a signalfd (EINVAL; EBADF if not open), whose mask is replaced.
pub fn signalfd4(s: &mut Shims, m: &mut Machine<Shims>, a: args::Signalfd4) -> VmResult<Ret> {
    signalfd_common(s, m, a.fd.0, a.mask.0, a.sizemask.0 as u64, a.flags.bits())
}

/// `signalfd(fd, mask, flags)`: glibc's wrapper (`sizemask` is 8).
pub fn signalfd(s: &mut Shims, m: &mut Machine<Shims>, a: args::Signalfd) -> VmResult<Ret> {
    signalfd_common(s, m, a.fd.0, a.mask.0, SIGSET_SIZE, a.flags.bits())
}

fn signalfd_common(s: &mut Shims, m: &mut Machine<Shims>, fd: i32, mask: u64, size: u64, flags: u64) -> VmResult<Ret> {
    if size != SIGSET_SIZE || flags & !(SFD_NONBLOCK | SFD_CLOEXEC) != 0 {
        return fail(m, EINVAL);
    }
    let Some(b) = m.read_guest(mask, 8)? else { return fail(m, EFAULT) };
    let set = u64::from_le_bytes(b[..8].try_into().unwrap_or_default()) & !UNBLOCKABLE;
    if fd != -1 {
        let id = match s.fds.lookup(fd) {
            Ok(id) => id,
            Err(e) => return fail(m, errno_of(e)),
        };
        if !s.is_signalfd(id) {
            return fail(m, EINVAL);
        }
        s.signals.signalfds.insert(id, set);
        s.signalfds_changed(m)?;
        return Ok(Ret::Value(fd as u64));
    }
    match s.fds.host_file("signalfd", flags & SFD_NONBLOCK != 0, flags & SFD_CLOEXEC != 0) {
        Ok((fd, id)) => {
            s.signals.signalfds.insert(id, set);
            Ok(Ret::Value(fd as u64))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

// ---- sigwait, sigwaitinfo, sigtimedwait, rt_sigtimedwait ----------------------------------------

/// A thread waiting in `rt_sigtimedwait` for one of `set`. While it waits its mask is
/// `real & !set` (the kernel's `tsk->blocked`), so that a signal of `set` is delivered to it,
/// where [`Shims::sigwait_takes`] hands it to the call instead of a handler.
#[derive(Clone, Copy, Debug)]
struct SigWait {
    set: u64,
    /// The mask from before the call (the kernel's `real_blocked`), restored when it returns.
    real: u64,
    /// The signal that ended the wait.
    got: Option<Pending>,
}

impl Signals {
    /// The signals that keep `t` from discarding an ignored one (`sig_ignored`: its mask and,
    /// while it is in `sigtimedwait`, the mask from before the call).
    fn blocked_for_ignore(&self, t: ThreadId) -> u64 {
        self.threads.get(&t).map_or(0, |p| p.mask | p.waiting.map_or(0, |w| w.real))
    }

    /// Dequeues the lowest signal of `set` pending for `t`, its own before the process's
    /// (`dequeue_signal`).
    fn dequeue(&mut self, t: ThreadId, space: SpaceId, set: u64) -> Option<Pending> {
        let th = self.thread(t);
        if let Some(i) = lowest_unblocked(&th.pending, !set) {
            return Some(th.pending.remove(i));
        }
        let own = &mut self.proc(space).pending;
        lowest_unblocked(own, !set).map(|i| own.remove(i))
    }
}

/// Which of the `rt_sigtimedwait` family a call is: how it answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WaitCall {
    /// `rt_sigtimedwait`: the kernel's `siginfo_t`.
    Kernel,
    /// glibc's `sigwaitinfo`/`sigtimedwait`: `SI_TKILL` shown as `SI_USER` in `info`.
    Libc,
    /// glibc's `sigwait`: the signal stored in `*sig` (this address), the error returned,
    /// `EINTR` retried.
    Sigwait(u64),
}

impl Shims {
    /// `p` is being delivered to `t`: if `t` waits in `sigtimedwait` for it, the wait ends with
    /// it (`None`); otherwise `p` goes on to its handler or default action.
    fn sigwait_takes(&mut self, m: &mut Machine<Shims>, t: ThreadId, p: Pending) -> VmResult<Option<Pending>> {
        let Some(th) = self.signals.threads.get_mut(&t) else { return Ok(Some(p)) };
        let Some(w) = th.waiting.as_mut().filter(|w| w.got.is_none() && w.set & bit(p.sig) != 0) else { return Ok(Some(p)) };
        w.got = Some(p);
        th.mask = w.real;
        m.unblock_thread(self, t)?;
        Ok(None)
    }

    /// The end of a `rt_sigtimedwait` with signal `p`: its `siginfo_t` written to `info`
    /// (EFAULT, the signal consumed all the same), its number returned.
    fn sigwait_result(&mut self, m: &mut Machine<Shims>, call: WaitCall, p: Pending, info: u64) -> VmResult<Result<u64, i64>> {
        // The call takes the signal: it acquires the sender's clock.
        if let Some(c) = self.signals.take_clock(p.clock) {
            m.acquire_clock(&c);
        }
        self.signalfds_changed(m)?;
        if crate::HOOKS && matches!(call, WaitCall::Sigwait(_)) {
            if let Some(tr) = &mut self.trace {
                // glibc's sigwait passes a `siginfo_t` of its own, which strace shows.
                tr.note_siginfo(m.active_thread(), siginfo_text(&p));
            }
        }
        if info != 0 {
            let mut b = siginfo(&p);
            if call == WaitCall::Libc && p.code == SI_TKILL {
                b[8..12].copy_from_slice(&SI_USER.to_le_bytes());
                if crate::HOOKS {
                    if let Some(tr) = &mut self.trace {
                        // strace shows the kernel's `SI_TKILL`, before glibc changes it.
                        tr.note_siginfo(m.active_thread(), siginfo_text(&p));
                    }
                }
            }
            if !m.write_guest(info, &b)? {
                return Ok(Err(EFAULT));
            }
        }
        Ok(Ok(p.sig as u64))
    }

    /// The calling thread's wait ended: its mask is the one from before the call again.
    fn sigwait_over(&mut self, m: &Machine<Shims>) -> Option<SigWait> {
        let th = self.signals.thread(m.active_thread());
        let w = th.waiting.take()?;
        th.mask = w.real;
        Some(w)
    }
}

/// The call's result: a signal number, or the error as `call` reports it. `sigwait` stores
/// the number itself (glibc, in the caller's memory: a bad `sig` is the caller's fault).
fn wait_answer(m: &mut Machine<Shims>, call: WaitCall, r: Result<u64, i64>) -> VmResult<u64> {
    Ok(match (r, call) {
        (Ok(v), WaitCall::Sigwait(sig)) => {
            if !m.write_guest(sig, &(v as i32).to_le_bytes())? {
                return Err(Stop::ub(
                    "`sigwait` stored the signal through an invalid pointer",
                    format!("its `sig` argument `{sig:#x}` does not point to a writable `int`"),
                ));
            }
            0
        }
        (Ok(v), _) => v,
        (Err(e), WaitCall::Sigwait(_)) => e as u64,
        (Err(e), _) => {
            m.set_errno(e);
            -1i64 as u64
        }
    })
}

/// The kernel's `do_sigtimedwait`, after its arguments were read: a pending signal of `set`
/// (never `SIGKILL` or `SIGSTOP`) is taken at once; otherwise, unless the timeout is zero, the
/// thread waits with `set` unblocked until one is delivered to it (the call returns it), a
/// handler runs for another (`EINTR`, never restarted; `sigwait` waits on, as glibc's loops),
/// or the timeout passes on the virtual clock (`EAGAIN`, after a last look).
fn do_sigtimedwait(s: &mut Shims, m: &mut Machine<Shims>, call: WaitCall, set: u64, info: u64, timeout: Option<u64>) -> VmResult<Ret> {
    let set = set & !UNBLOCKABLE;
    let t = m.active_thread();
    if let Some(p) = s.signals.dequeue(t, m.thread_space(t), set) {
        let r = s.sigwait_result(m, call, p, info)?;
        return wait_answer(m, call, r).map(Ret::Value);
    }
    if timeout == Some(0) {
        return wait_answer(m, call, Err(EAGAIN)).map(Ret::Value);
    }
    let th = s.signals.thread(t);
    th.waiting = Some(SigWait { set, real: th.mask, got: None });
    th.mask &= !set;
    let deadline = timeout.map(|ns| m.now().saturating_add(ns));
    // Nothing of `set` is pending (it would have been taken above): unblocking it for the wait
    // delivers nothing now.
    block_sigwait(m, call, set, info, deadline);
    Ok(Ret::Blocked)
}

fn block_sigwait(m: &mut Machine<Shims>, call: WaitCall, set: u64, info: u64, deadline: Option<u64>) {
    let reason = HostWait {
        words: ["rt_sigtimedwait", ""],
        number: set as i64,
        describe: |w| format!("it is blocked in `sigtimedwait`, waiting for one of {}", crate::trace::decode::sigset(w.number as u64)),
    };
    m.block_thread(
        BlockReason::Host(reason),
        deadline,
        Box::new(move |s: &mut Shims, m: &mut Machine<Shims>, kind| {
            let Some(w) = s.sigwait_over(m) else { return Ok(()) };
            let r = match (w.got, kind) {
                (Some(p), _) => s.sigwait_result(m, call, p, info)?,
                (None, Unblock::Interrupted) if matches!(call, WaitCall::Sigwait(_)) => {
                    // glibc's sigwait calls again after the handler.
                    m.restart_call();
                    return Ok(());
                }
                (None, Unblock::Interrupted) => Err(EINTR),
                (None, Unblock::TimedOut) => match s.signals.dequeue(m.active_thread(), m.thread_space(m.active_thread()), set) {
                    Some(p) => s.sigwait_result(m, call, p, info)?,
                    None => Err(EAGAIN),
                },
                (None, Unblock::Ready) => {
                    // Nothing else wakes it: wait on.
                    let th = s.signals.thread(m.active_thread());
                    th.waiting = Some(w);
                    th.mask = w.real & !set;
                    block_sigwait(m, call, set, info, deadline);
                    return Ok(());
                }
            };
            let v = wait_answer(m, call, r)?;
            m.set_return(v);
            Ok(())
        }),
    );
}

/// Reads the set of a `rt_sigtimedwait` call (EFAULT).
fn read_sigset(m: &mut Machine<Shims>, addr: u64) -> VmResult<Option<u64>> {
    Ok(m.read_guest(addr, SIGSET_SIZE)?.map(|b| u64::from_le_bytes(b[..8].try_into().unwrap_or_default())))
}

/// The arguments of the family, read in the kernel's order: the set (EFAULT), the timeout
/// (EFAULT, then EINVAL when not a valid `timespec`; NULL waits forever).
fn sigtimedwait_common(
    s: &mut Shims,
    m: &mut Machine<Shims>,
    call: WaitCall,
    set: u64,
    info: u64,
    timeout: Option<In<Timespec>>,
) -> VmResult<Ret> {
    let Some(set) = read_sigset(m, set)? else { return wait_answer(m, call, Err(EFAULT)).map(Ret::Value) };
    let timeout = match timeout.filter(|t| !t.is_null()) {
        None => None,
        Some(timeout) => match timeout.read(m)? {
            None => return wait_answer(m, call, Err(EFAULT)).map(Ret::Value),
            Some(ts) if !ts.is_valid() => return wait_answer(m, call, Err(EINVAL)).map(Ret::Value),
            Some(ts) => Some(ts.ns()),
        },
    };
    do_sigtimedwait(s, m, call, set, info, timeout)
}

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)` —
/// <https://man7.org/linux/man-pages/man2/sigtimedwait.2.html>: the system call. `sigsetsize`
/// other than 8 is EINVAL before anything is read; the `siginfo_t` is the kernel's (`si_code`
/// `SI_TKILL` for `tgkill`/`raise`); a bad `info` is EFAULT after the signal was taken.
pub fn rt_sigtimedwait(s: &mut Shims, m: &mut Machine<Shims>, a: args::RtSigtimedwait) -> VmResult<Ret> {
    if a.sigsetsize.0 != SIGSET_SIZE {
        return fail(m, EINVAL);
    }
    sigtimedwait_common(s, m, WaitCall::Kernel, a.set.0, a.info.0, Some(a.timeout))
}

/// `sigtimedwait(set, info, timeout)`: glibc's wrapper, which shows `SI_TKILL` as `SI_USER`.
pub fn sigtimedwait(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigtimedwait) -> VmResult<Ret> {
    sigtimedwait_common(s, m, WaitCall::Libc, a.set.0, a.info.0, Some(a.timeout))
}

/// `sigwaitinfo(set, info)`: `sigtimedwait(set, info, NULL)`.
pub fn sigwaitinfo(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigwaitinfo) -> VmResult<Ret> {
    sigtimedwait_common(s, m, WaitCall::Libc, a.set.0, a.info.0, None)
}

/// `sigwait(set, sig)` — <https://man7.org/linux/man-pages/man3/sigwait.3.html>: waits for a
/// signal of `set`, stores its number in `*sig` and returns 0, or returns the error (EFAULT for
/// a bad `set`; a handler's `EINTR` is retried, as glibc does).
pub fn sigwait(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigwait) -> VmResult<Ret> {
    sigtimedwait_common(s, m, WaitCall::Sigwait(a.sig.0), a.set.0, 0, None)
}

// ---- processes: fork, kill between processes, SIGCHLD ------------------------------------------

/// Where a generated signal goes.
#[derive(Clone, Copy, Debug)]
enum Dest {
    Thread(ThreadId),
    Process(SpaceId),
}

/// How a process ended, as its parent's `SIGCHLD` and `wait4` say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// `exit`/`_exit`/`main`'s return with this code (0–255).
    Exited(i32),
    /// Killed by this signal's default action.
    Killed(i64),
}

impl Ending {
    /// The wait status (`WIFEXITED`: `code << 8`; `WIFSIGNALED`: the signal, no core dump).
    pub(crate) fn wait_status(self) -> i32 {
        match self {
            Ending::Exited(code) => (code & 0xff) << 8,
            Ending::Killed(sig) => sig as i32 & 0x7f,
        }
    }
}

impl Shims {
    /// A fork: the child process `child_space` gets the parent's dispositions and nothing
    /// pending; its thread `child` the mask of the thread that forked (and its running
    /// handlers: the child is a copy of that thread, frames and all).
    pub(crate) fn signal_forked(&mut self, m: &Machine<Shims>, caller: ThreadId, child: ThreadId) {
        let (parent, child_space) = (m.thread_space(caller), m.thread_space(child));
        let actions = self.signals.procs.get(&parent).map(|p| p.actions.clone()).unwrap_or_default();
        self.signals.procs.insert(child_space, ProcSignals { actions, pending: Vec::new() });
        if let Some(th) = self.signals.threads.get(&caller) {
            let copy = PerThread { pending: Vec::new(), swapped: None, waiting: None, ..th.clone() };
            self.signals.threads.insert(child, copy);
        }
    }

    /// Whether a child of `space` that ends is reaped at once (`SIGCHLD` set to `SIG_IGN`, or
    /// `SA_NOCLDWAIT`): no zombie, and a `wait4` for it finds no child.
    pub(crate) fn reaps_children(&self, space: SpaceId) -> bool {
        let a = self.signals.action(space, linux::SIGCHLD);
        a.handler == SIG_IGN || a.flags & linux::SA_NOCLDWAIT as u64 != 0
    }

    /// A child with pid `pid` of process `parent` ended: `SIGCHLD` to the parent (discarded if
    /// ignored, as by default), `si_code` `CLD_EXITED` or `CLD_KILLED`.
    pub(crate) fn send_sigchld(&mut self, m: &mut Machine<Shims>, parent: SpaceId, pid: i64, how: Ending) -> VmResult<()> {
        let (code, status) = match how {
            Ending::Exited(c) => (CLD_EXITED, c & 0xff),
            Ending::Killed(sig) => (CLD_KILLED, sig as i32),
        };
        let p = Pending { sig: linux::SIGCHLD, code, sender: m.active_thread(), pid, status, clock: 0 };
        self.generate(m, Dest::Process(parent), p)?;
        // Delivery may have switched fd tables (a process killed): the caller's are current.
        self.enter_process(m.thread_space(m.active_thread()));
        Ok(())
    }

    /// Process `space` ended: what was pending for it and for its threads goes.
    pub(crate) fn signal_process_ended(&mut self, m: &Machine<Shims>, space: SpaceId) {
        if let Some(ps) = self.signals.procs.get_mut(&space) {
            ps.pending.clear();
        }
        self.signals.threads.retain(|&t, _| m.thread_space(t) != space);
    }

    /// Process `space` (not the initial one) is killed by the default action of signal `p`,
    /// delivered to its thread `t`.
    fn killed_by_signal(&mut self, m: &mut Machine<Shims>, space: SpaceId, t: ThreadId, p: &Pending) -> VmResult<()> {
        let sig = p.sig;
        if crate::HOOKS {
            // As strace shows it: the call the thread was blocked in ends (`= ? ERESTARTSYS`),
            // the signal is delivered, and the process's last line says it was killed.
            let leader = self.leader(space);
            if let Some(tr) = &mut self.trace {
                let delivery = (sig != linux::SIGKILL).then(|| format!("--- {} {} ---", signal_name(sig), siginfo_text(p)));
                tr.killed(m, t, leader, delivery, format!("+++ killed by {} +++", signal_name(sig)));
            }
        }
        self.end_process(m, space, Ending::Killed(sig))?;
        self.enter_process(m.thread_space(m.active_thread()));
        Ok(())
    }
}
