//! Signals: `sigaction`/`rt_sigaction`/`signal`, the masks (`sigprocmask`, `rt_sigprocmask`,
//! `pthread_sigmask`), sending (`kill`, `tgkill`, `raise`, `pthread_kill`), `sigpending`,
//! `sigsuspend`, `getpid`, and `signalfd`/`signalfd4`.
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
//!   once if it is the calling thread's (before the call returns to the guest), otherwise at
//!   the target's next scheduling point (its next run). A handler runs with the thread's mask
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
//! - **The pid**: signals belong to the initial process, whose id is [`GUEST_PID`] (`getpid`); once the program has forked, sending a signal stops the run as unsupported.

use crate::consts::errno::{EFAULT, EINTR, EINVAL, ESRCH};
use crate::consts::linux;
use crate::table::args;
use crate::wake::{Cause, Wakeups};
use crate::{errno_of, fail, Shims};
use spindle_fds::FdId;
use spindle_vm::{BlockReason, HostWait, Machine, Ret, Stop, ThreadId, Unblock, VmResult};
use std::collections::BTreeMap;

/// The initial process's id, as `getpid` returns it there and `kill` accepts it: signals are
/// kept for the initial process only (a program that has forked cannot send one).
pub const GUEST_PID: i64 = crate::fork::PID_BASE;
/// The user id a signal's sender has (`si_uid`).
const GUEST_UID: u32 = 1000;

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
const SI_USER: i32 = linux::SI_USER as i32;
const SI_TKILL: i32 = linux::SI_TKILL as i32;
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

#[derive(Default)]
struct PerThread {
    mask: u64,
    pending: Vec<Pending>,
    /// The mask a call (`sigsuspend`, `ppoll`, …) replaced for its wait, to restore after it.
    swapped: Option<u64>,
    /// Handlers running, innermost last.
    running: Vec<Running>,
}

/// The signal state of the guest process.
#[derive(Default)]
pub(crate) struct Signals {
    actions: BTreeMap<i64, Action>,
    threads: BTreeMap<ThreadId, PerThread>,
    process: Vec<Pending>,
    /// While an interrupted call's callback runs: whether the handler about to run has
    /// `SA_RESTART`.
    restart: bool,
    /// Live signalfds and their masks.
    signalfds: BTreeMap<FdId, u64>,
}

fn pending_mask(p: &[Pending]) -> u64 {
    p.iter().fold(0, |m, p| m | bit(p.sig))
}

/// Queues `p`: a standard signal already pending is not queued again.
fn enqueue(list: &mut Vec<Pending>, p: Pending) {
    if p.sig < 32 && list.iter().any(|q| q.sig == p.sig) {
        return;
    }
    list.push(p);
}

impl Signals {
    fn thread(&mut self, t: ThreadId) -> &mut PerThread {
        self.threads.entry(t).or_default()
    }

    fn mask(&self, t: ThreadId) -> u64 {
        self.threads.get(&t).map_or(0, |p| p.mask)
    }

    fn action(&self, sig: i64) -> Action {
        self.actions.get(&sig).copied().unwrap_or_default()
    }

    /// Whether a signal with this action is discarded when generated (and not blocked).
    fn ignored(&self, sig: i64) -> bool {
        let a = self.action(sig);
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

    /// Generates `sig` for thread `target` (`Some`) or the process (`None`), then delivers what
    /// can be delivered.
    fn send_signal(&mut self, m: &mut Machine<Shims>, target: Option<ThreadId>, sig: i64, code: i32) -> VmResult<()> {
        let p = Pending { sig, code, sender: m.active_thread() };
        // Where the signal lands in the target's steps is a scheduling decision: the send
        // depends on every step of every thread (docs/explore.md, *Where a signal lands*).
        m.depends_on_everything();
        // A signal that is ignored is discarded unless blocked (the handler may change before it
        // is unblocked): `sig_ignored`, against the target (the main thread for `kill`).
        let blocked_by = target.unwrap_or(0);
        if self.signals.ignored(sig) && self.signals.mask(blocked_by) & bit(sig) == 0 {
            return Ok(());
        }
        // The pending sets are the initial process's alone: once the program has forked, a
        // signal that is not discarded could not be kept to the right process (dispositions
        // cannot change after a fork, so an ignored one is discarded above as in every process;
        // docs/divergences.md).
        if self.forked() {
            return Err(after_fork(sig));
        }
        match target {
            Some(t) => enqueue(&mut self.signals.thread(t).pending, p),
            None => enqueue(&mut self.signals.process, p),
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
        if self.signals.threads.values().all(|p| p.pending.is_empty()) && self.signals.process.is_empty() {
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
                    next = Some((t, false, i));
                    break;
                }
            }
            if next.is_none() && !self.signals.process.is_empty() {
                let live = m.live_threads();
                for (i, p) in self.signals.process.iter().enumerate() {
                    if let Some(&t) = live.iter().find(|&&t| self.signals.mask(t) & bit(p.sig) == 0) {
                        next = Some((t, true, i));
                        break;
                    }
                }
            }
            let Some((t, shared, i)) = next else { break };
            let p = if shared { self.signals.process.remove(i) } else { self.signals.thread(t).pending.remove(i) };
            self.deliver(m, t, p)?;
        }
        self.signalfds_changed(m)
    }

    /// Delivers `p` to thread `t`, which does not block it.
    fn deliver(&mut self, m: &mut Machine<Shims>, t: ThreadId, p: Pending) -> VmResult<()> {
        let sig = p.sig;
        let action = self.signals.action(sig);
        match action.handler {
            SIG_IGN => return Ok(()),
            SIG_DFL => {
                return match default_action(sig) {
                    Default::Ignore => Ok(()),
                    Default::Stop => Err(Stop::unsupported(format!(
                        "{} (stopping or continuing a process): Spindle runs one process that is never stopped",
                        signal_name(sig)
                    ))),
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
            self.signals.actions.insert(sig, Action { handler: SIG_DFL, flags: action.flags & !SA_RESETHAND, ..action });
        }
        let info = if action.flags & SA_SIGINFO != 0 {
            let a = m.malloc(SIGINFO_SIZE)?;
            m.write_guest(a, &siginfo(&p))?;
            a
        } else {
            0
        };
        self.signals.thread(t).running.push(Running { sig, restore, info, pending: p });
        m.push_interrupt_frame(t, action.handler, &[sig as u64, info, 0], sig as u64)
    }

    /// A handler is entered: the trace shows the signal as strace does.
    pub(crate) fn signal_entered(&mut self, m: &mut Machine<Shims>) {
        if !crate::HOOKS {
            return;
        }
        let t = m.active_thread();
        let Some(r) = self.signals.threads.get(&t).and_then(|p| p.running.last().copied()) else { return };
        if let Some(tr) = &mut self.trace {
            let line = format!("--- {} {} ---", signal_name(r.sig), siginfo_text(&r.pending));
            tr.event_line(m, t, &line);
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
                let call = format!("rt_sigreturn({{mask={}}})", crate::trace::decode::sigset(r.restore));
                tr.event_line(m, t, &crate::trace::with_result(&call, "0"));
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
        let t = m.active_thread();
        let mask = self.signals.mask(t);
        let own = self.signals.threads.get(&t).map_or(0, |p| pending_mask(&p.pending));
        (own | pending_mask(&self.signals.process)) & !mask != 0
    }

    // ---- signalfd ---------------------------------------------------------------------------

    pub(crate) fn is_signalfd(&self, id: FdId) -> bool {
        !self.signals.signalfds.is_empty() && self.signals.signalfds.contains_key(&id)
    }

    /// The signals a signalfd could read now: pending for the process or for any thread (see
    /// docs/divergences.md: Linux looks at the reading thread's own set).
    fn signalfd_pending(&self, id: FdId) -> u64 {
        let mask = self.signals.signalfds.get(&id).copied().unwrap_or(0);
        let all = self.signals.threads.values().fold(pending_mask(&self.signals.process), |a, p| a | pending_mask(&p.pending));
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
        let mut out = Vec::new();
        let max = (count / SIGNALFD_SIGINFO_SIZE) as usize;
        while out.len() < max {
            let th = self.signals.thread(t);
            let p = match th.pending.iter().position(|p| bit(p.sig) & mask != 0) {
                Some(i) => th.pending.remove(i),
                None => match self.signals.process.iter().position(|p| bit(p.sig) & mask != 0) {
                    Some(i) => self.signals.process.remove(i),
                    None => break,
                },
            };
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
/// Signal `sig` sent, or its disposition changed, once the program has forked: the signal
/// state is kept for one process only.
fn after_fork(sig: i64) -> Box<Stop> {
    Stop::unsupported(format!(
        "{} sent or its disposition changed in a program that has forked: Spindle keeps signal dispositions and pending signals for one process only",
        signal_name(sig)
    ))
}

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
    b[16..20].copy_from_slice(&(GUEST_PID as i32).to_le_bytes());
    b[20..24].copy_from_slice(&GUEST_UID.to_le_bytes());
    b
}

/// `struct signalfd_siginfo`: `ssi_signo`, `ssi_errno`, `ssi_code`, `ssi_pid`, `ssi_uid`, …
fn signalfd_siginfo(p: &Pending) -> Vec<u8> {
    let mut b = vec![0u8; SIGNALFD_SIGINFO_SIZE as usize];
    b[0..4].copy_from_slice(&(p.sig as u32).to_le_bytes());
    b[8..12].copy_from_slice(&p.code.to_le_bytes());
    b[12..16].copy_from_slice(&(GUEST_PID as u32).to_le_bytes());
    b[16..20].copy_from_slice(&GUEST_UID.to_le_bytes());
    b
}

/// How strace shows a delivered signal's `siginfo`.
fn siginfo_text(p: &Pending) -> String {
    let code = if p.code == SI_TKILL { "SI_TKILL" } else { "SI_USER" };
    format!("{{si_signo={}, si_code={code}, si_pid={GUEST_PID}, si_uid={GUEST_UID}}}", signal_name(p.sig))
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
    let old = s.signals.action(sig);
    if new.is_some() && s.forked() {
        return Err(after_fork(sig));
    }
    if let Some(mut a) = new {
        a.mask &= !UNBLOCKABLE;
        s.signals.actions.insert(sig, a);
        if s.signals.ignored(sig) {
            s.signals.process.retain(|p| p.sig != sig);
            for th in s.signals.threads.values_mut() {
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
        // glibc's sigaction adds its restorer (`__restore_rt`); Spindle has none to name.
        Action { handler: w(0), mask: w(8), flags: (w(136) & 0xffff_ffff) | SA_RESTORER, restorer: 0 }
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

/// Signals glibc keeps for itself (`SIGCANCEL` 32, `SIGSETXID` 33): its `sigaction` refuses
/// them, and its `sigprocmask` never blocks them.
const GLIBC_INTERNAL: u64 = bit(32) | bit(33);

/// `sigaction(sig, act, oact)`: glibc's wrapper, with glibc's struct. glibc refuses 32 and 33.
pub fn sigaction(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigaction) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    if sig == 32 || sig == 33 {
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
/// signal itself in `sa_mask`; returns the old handler, or `SIG_ERR` (-1) with EINVAL.
pub fn signal(s: &mut Shims, m: &mut Machine<Shims>, a: args::Signal) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    if !(1..=SIGMAX).contains(&sig) || sig == 32 || sig == 33 {
        return fail(m, EINVAL);
    }
    let act = Action { handler: a.handler.0, flags: SA_RESTART | SA_RESTORER, restorer: 0, mask: bit(sig) };
    match do_sigaction(s, m, sig, Some(act))? {
        Ok(old) => Ok(Ret::Value(old.handler)),
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
    match do_sigprocmask(s, m, a.how.0 as i32 as i64, a.set.0, a.oldset.0, GLIBC_INTERNAL)? {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => fail(m, e),
    }
}

/// `pthread_sigmask(how, set, oldset)`: as `sigprocmask`, but the error is returned, not set
/// in `errno`.
pub fn pthread_sigmask(s: &mut Shims, m: &mut Machine<Shims>, a: args::PthreadSigmask) -> VmResult<Ret> {
    match do_sigprocmask(s, m, a.how.0 as i32 as i64, a.set.0, a.oldset.0, GLIBC_INTERNAL)? {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => Ok(Ret::Value(e as u64)),
    }
}

/// `sigpending(set)`: the signals pending for the calling thread or the process that it blocks.
pub fn sigpending(s: &mut Shims, m: &mut Machine<Shims>, a: args::Sigpending) -> VmResult<Ret> {
    let t = m.active_thread();
    let own = s.signals.threads.get(&t).map_or(0, |p| pending_mask(&p.pending));
    let set = (own | pending_mask(&s.signals.process)) & s.signals.mask(t);
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

/// `kill(pid, sig)`: `pid` is the guest's own ([`GUEST_PID`]) or its process group (0, or
/// `-GUEST_PID`); -1 (every other process) and any other pid find nobody (ESRCH). Signal 0
/// only checks.
pub fn kill(s: &mut Shims, m: &mut Machine<Shims>, a: args::Kill) -> VmResult<Ret> {
    let (pid, sig) = (a.pid.0 as i32 as i64, a.sig.0 as i32 as i64);
    if !valid_signal(sig) {
        return fail(m, EINVAL);
    }
    if !(pid == GUEST_PID || pid == 0 || pid == -GUEST_PID) {
        return fail(m, ESRCH);
    }
    if sig != 0 {
        s.send_signal(m, None, sig, SI_USER)?;
    }
    Ok(Ret::Value(0))
}

/// The thread `tid` names, if it is alive.
fn live_thread(m: &Machine<Shims>, tid: i64) -> Option<ThreadId> {
    usize::try_from(tid).ok().filter(|&t| t < m.thread_count() && !m.is_terminated(t))
}

/// `tgkill(tgid, tid, sig)`: `tid` is a thread id as `gettid` returns it. Non-positive ids are
/// EINVAL, a bad signal EINVAL, an unknown or ended thread ESRCH.
pub fn tgkill(s: &mut Shims, m: &mut Machine<Shims>, a: args::Tgkill) -> VmResult<Ret> {
    let (tgid, tid, sig) = (a.tgid.0 as i32 as i64, a.tid.0 as i32 as i64, a.sig.0 as i32 as i64);
    if !valid_signal(sig) || tgid <= 0 || tid < 0 {
        return fail(m, EINVAL);
    }
    let Some(t) = live_thread(m, tid).filter(|_| tgid == GUEST_PID) else { return fail(m, ESRCH) };
    if sig != 0 {
        s.send_signal(m, Some(t), sig, SI_TKILL)?;
    }
    Ok(Ret::Value(0))
}

/// `raise(sig)`: the signal to the calling thread (glibc: `tgkill(getpid(), gettid(), sig)`);
/// its handler has run when `raise` returns.
pub fn raise(s: &mut Shims, m: &mut Machine<Shims>, a: args::Raise) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
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
/// glibc's (2.34 on) does for a thread not yet joined.
pub fn pthread_kill(s: &mut Shims, m: &mut Machine<Shims>, a: args::PthreadKill) -> VmResult<Ret> {
    let sig = a.sig.0 as i32 as i64;
    if !valid_signal(sig) {
        return Ok(Ret::Value(EINVAL as u64));
    }
    if usize::try_from(a.thread.0).is_ok_and(|t| t < m.thread_count() && m.is_terminated(t)) {
        return Ok(Ret::Value(0));
    }
    let Some(t) = live_thread(m, a.thread.0) else { return Ok(Ret::Value(ESRCH as u64)) };
    if sig != 0 {
        s.send_signal(m, Some(t), sig, SI_TKILL)?;
    }
    Ok(Ret::Value(0))
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
