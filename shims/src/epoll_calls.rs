//! The epoll system calls — `epoll_create`, `epoll_create1`, `epoll_ctl`, `epoll_wait`,
//! `epoll_pwait`, `epoll_pwait2` — on top of the pure core in `epoll/`, and the notifications
//! every fd operation gives the core (the table in `epoll/mod.rs`).
//!
//! Man pages: <https://man7.org/linux/man-pages/man7/epoll.7.html>,
//! <https://man7.org/linux/man-pages/man2/epoll_ctl.2.html>,
//! <https://man7.org/linux/man-pages/man2/epoll_wait.2.html>.
//!
//! Happens-before: every readiness change releases the changing thread's clock into the
//! description's readiness clock (`Shims::readiness_changed`); a delivered event acquires exactly
//! the readiness clock of the description it is about — receiving one of two ready events
//! synchronises only with the delivered one. The signal masks of `epoll_pwait`/`epoll_pwait2` are
//! checked (size and readability, as Linux does) and replace the thread's mask while it waits
//! (docs/syscalls.md, *Interrupted calls*).

use crate::abi::{EpollEvent, Out, Sigmask};
use crate::epoll::{
    self, CtlRequest, Errno, Event, Events, FdArg, FileFacts, Outcome, PollKind, TargetFd, Timeout, WaitBuffer, WaitCheck, WaitResult, Wake,
};
use crate::table::args::{EpollCreate, EpollCreate1, EpollCtl, EpollPwait, EpollPwait2, EpollWait as EpollWaitArgs};
use crate::wake::Cause;
use crate::{fail, Shims};
use spindle_fds::{Description, DescriptionKind, FdId};
use spindle_vm::memory::Memory;
use spindle_vm::{BlockReason, HostWait, Machine, Ret, Unblock, VmResult};

/// `access_ok` for an `epoll_wait` buffer of `maxevents` events (a `maxevents` that is not
/// positive is refused before this matters).
fn buffer_in_user_space(memory: &Memory, buf: Out<[EpollEvent]>, maxevents: i32) -> bool {
    memory.made(spindle_vm::memory::split(buf.addr()).0)
        || crate::io::access_ok(buf.addr(), Out::<[EpollEvent]>::bytes(maxevents.max(0) as u64))
}

/// A thread blocked in `epoll_wait`.
#[derive(Clone, Debug)]
pub(crate) struct EpollWait {
    pub(crate) ep: FdId,
    buf: Out<[EpollEvent]>,
    /// What the core handed it when it was woken (taken by its callback, which runs at once).
    result: Option<Result<Vec<Event>, Errno>>,
}

fn errno(e: Errno) -> i64 {
    use crate::consts::errno::*;
    match e {
        Errno::Ebadf => EBADF,
        Errno::Efault => EFAULT,
        Errno::Einval => EINVAL,
        Errno::Eexist => EEXIST,
        Errno::Enoent => ENOENT,
        Errno::Eloop => ELOOP,
        Errno::Eperm => EPERM,
    }
}

/// How epoll polls a description kind, if it can.
fn poll_kind(d: &Description) -> Option<PollKind> {
    match d.kind() {
        DescriptionKind::EventFd => Some(PollKind::EventFd),
        DescriptionKind::PipeRead | DescriptionKind::PipeWrite => Some(PollKind::Pipe),
        DescriptionKind::Socket => Some(PollKind::Socket),
        _ => None,
    }
}

impl Shims {
    /// A description's readiness as epoll sees it.
    pub(crate) fn epoll_events(&mut self, m: &Machine<Shims>, id: FdId) -> Events {
        if self.is_timerfd(id) {
            // timerfd_poll: EPOLLIN while expirations are unread (shims/probes/timerfd.c).
            return if self.timerfd_ticks(m, id) > 0 { Events::IN } else { Events::NONE };
        }
        if self.is_signalfd(id) {
            // signalfd_poll: EPOLLIN while a signal of its mask is pending.
            return if self.signalfd_readable(id) { Events::IN } else { Events::NONE };
        }
        self.fds.get(id).and_then(|d| poll_kind(d).map(|k| Events::from_readiness(d.readiness(), k))).unwrap_or_default()
    }

    fn fd_arg(&self, fd: i32) -> FdArg {
        match self.fds.lookup(fd) {
            Ok(id) => {
                let is_epoll = self.epolls.is_epoll(id);
                FdArg::Open(FileFacts { id, is_epoll, pollable: self.fds.get(id).is_some_and(|d| poll_kind(d).is_some() || is_epoll) })
            }
            Err(_) => FdArg::Closed,
        }
    }

    /// Serves what the core says happened: blocked waits that are over are handed their result
    /// and unblocked (in order); instances whose own queue was woken get the active thread's
    /// clock, as any readiness change does.
    pub(crate) fn apply_epoll(&mut self, m: &mut Machine<Shims>, out: Outcome, cause: Cause) -> VmResult<()> {
        // Most operations wake nothing (and an fd operation of a run with epoll reports here):
        // the steps below would each do nothing.
        if out.is_empty() && self.epolls.nothing_to_serve() {
            self.epolls.recycle(out);
            return Ok(());
        }
        // The waiters the operation woke collect their events now, into their buffers as they
        // are now (one may have been freed while its thread was blocked).
        let waits = &self.epoll_waits;
        let memory = &m.memory;
        let served = self.epolls.serve_woken(|w, buf| match waits.get(&(w as usize)) {
            Some(ew) => WaitBuffer { maxevents: buf.maxevents, writable: ew.buf.writable(memory, buf.maxevents) },
            None => buf,
        });
        let (mut out, mut served) = (out, served);
        if cause == Cause::Thread && m.tracks_clocks() {
            for &inst in out.polled.iter().chain(&served.polled) {
                m.release_clock_into(&mut self.state.get_or_default(inst).ready_clock);
            }
        }
        for d in out.deliveries.drain(..).chain(served.deliveries.drain(..)) {
            let t = d.waiter as usize;
            if let Some(w) = self.epoll_waits.get_mut(&t) {
                w.result = Some(d.result);
            }
            m.unblock_thread(self, t)?;
        }
        // Their vectors' room serves the next operations.
        self.epolls.recycle(out);
        self.epolls.recycle(served);
        Ok(())
    }

    /// Tells the core that `id` now reports its current readiness and its wait queue was woken
    /// with `wake`.
    pub(crate) fn epoll_wakeup(&mut self, m: &mut Machine<Shims>, id: FdId, wake: Wake, cause: Cause) -> VmResult<()> {
        let r = self.epoll_events(m, id);
        let out = self.epolls.wakeup(id, r, wake);
        self.apply_epoll(m, out, cause)
    }

    /// Tells the core that `id`'s readiness may have changed (no wakeup of its own).
    pub(crate) fn epoll_changed(&mut self, m: &mut Machine<Shims>, id: FdId, cause: Cause) -> VmResult<()> {
        let r = self.epoll_events(m, id);
        let out = self.epolls.readiness_changed(id, r);
        self.apply_epoll(m, out, cause)
    }

    fn new_instance(&mut self, m: &mut Machine<Shims>, cloexec: bool) -> VmResult<Ret> {
        match self.fds.host_file("epoll", false, cloexec) {
            Ok((fd, id)) => {
                // Blocked waits collect their events in `apply_epoll`, into their buffers as
                // they are then.
                self.epolls.defer_harvest();
                self.epolls.create(id);
                self.epoll_used = true;
                Ok(Ret::Value(fd as u64))
            }
            Err(e) => fail(m, crate::errno_of(e)),
        }
    }

    /// Delivers a wait's events: copies them into the guest's buffer (as the waiting thread)
    /// and acquires the readiness clock of each delivered description.
    fn finish_wait(&mut self, m: &mut Machine<Shims>, buf: Out<[EpollEvent]>, result: Result<Vec<Event>, Errno>) -> VmResult<u64> {
        let events = match result {
            Ok(ev) => ev,
            Err(e) => {
                m.set_errno(errno(e));
                return Ok(-1i64 as u64);
            }
        };
        let r = self.copy_events(m, buf, &events);
        self.epolls.recycle_events(events);
        r
    }

    /// [`Self::finish_wait`]'s copy of the events: how many were copied, or -1 with `EFAULT`.
    fn copy_events(&mut self, m: &mut Machine<Shims>, buf: Out<[EpollEvent]>, events: &[Event]) -> VmResult<u64> {
        for (k, ev) in events.iter().enumerate() {
            // The core only hands out as many events as the buffer could take when it
            // collected them, which is now.
            if !buf.element(k).write(m, &EpollEvent { events: ev.events.0, data: ev.data })? {
                if k == 0 {
                    m.set_errno(errno(Errno::Efault));
                    return Ok(-1i64 as u64);
                }
                return Ok(k as u64);
            }
            if let Some(c) = self.state.get(ev.fd).and_then(|s| s.ready_clock.as_ref()) {
                m.acquire_clock(c);
            }
        }
        Ok(events.len() as u64)
    }

    fn wait(
        &mut self,
        m: &mut Machine<Shims>,
        check: WaitCheck,
        epfd: i32,
        buf: Out<[EpollEvent]>,
        maxevents: i32,
        timeout: Timeout,
        sigmask: u64,
    ) -> VmResult<Ret> {
        if let Err(e) = epoll::check_wait(&check) {
            return fail(m, errno(e));
        }
        if sigmask != 0 {
            // `epoll_pwait`: the mask is the thread's for the wait (`signal.rs`).
            let Some(b) = m.read_guest(sigmask, 8)? else { return fail(m, errno(Errno::Efault)) };
            self.swap_mask(m, u64::from_le_bytes(b[..8].try_into().unwrap_or_default()));
        }
        let r = self.wait_swapped(m, epfd, buf, maxevents, timeout);
        if !matches!(r, Ok(Ret::Blocked)) {
            self.unswap_mask(m);
        }
        r
    }

    fn wait_swapped(
        &mut self,
        m: &mut Machine<Shims>,
        epfd: i32,
        buf: Out<[EpollEvent]>,
        maxevents: i32,
        timeout: Timeout,
    ) -> VmResult<Ret> {
        let Ok(ep) = self.fds.lookup(epfd) else { return fail(m, errno(Errno::Ebadf)) };
        let maxevents = maxevents as usize;
        let writable = buf.writable(&m.memory, maxevents);
        let waiter = m.active_thread() as u64;
        let block = timeout != Timeout::NonBlocking;
        let (res, out) = self.epolls.wait(ep, waiter, WaitBuffer { maxevents, writable }, block);
        self.apply_epoll(m, out, Cause::Thread)?;
        match res {
            WaitResult::Done(r) => {
                let v = self.finish_wait(m, buf, r)?;
                Ok(Ret::Value(v))
            }
            WaitResult::Blocked if self.signal_deliverable(m) => {
                // A signal the call's mask unblocks is pending: EINTR, and its handler runs.
                let _ = self.epolls.cancel_wait(ep, waiter);
                self.deliver_signals(m)?;
                fail(m, crate::consts::errno::EINTR)
            }
            WaitResult::Blocked => {
                // A blocked wait keeps its epoll description, as Linux's blocked call keeps its file.
                self.fds.hold(ep);
                // Timers that could wake it must fire.
                self.arm_timerfds(m);
                let deadline = match timeout {
                    Timeout::After(ns) => Some(m.now().saturating_add(ns)),
                    _ => None,
                };
                let t = m.active_thread();
                self.epoll_waits.insert(t, EpollWait { ep, buf, result: None });
                let reason = HostWait {
                    words: ["epoll_wait", ""],
                    number: epfd.into(),
                    describe: |w| format!("it is blocked in `{}` on epoll fd {}, waiting for an event", w.words[0], w.number),
                };
                m.block_thread(
                    BlockReason::Host(reason),
                    deadline,
                    // Captures nothing, so it is not allocated: it runs as thread `t`.
                    Box::new(|s: &mut Shims, m: &mut Machine<Shims>, kind| {
                        let t = m.active_thread();
                        let w = s.epoll_waits.remove(&t).expect("a blocked epoll_wait is recorded");
                        let v = match kind {
                            Unblock::Ready => {
                                s.unswap_mask(m);
                                let r = w.result.unwrap_or(Ok(Vec::new()));
                                s.finish_wait(m, w.buf, r)?
                            }
                            Unblock::TimedOut => {
                                s.unswap_mask(m);
                                let _ = s.epolls.cancel_wait(w.ep, t as u64);
                                0
                            }
                            Unblock::Interrupted => {
                                // A handler ends the wait with EINTR, even with SA_RESTART.
                                let _ = s.epolls.cancel_wait(w.ep, t as u64);
                                s.interrupted_call(m, false);
                                -1i64 as u64
                            }
                        };
                        m.set_return(v);
                        if let Some(d) = s.fds.release(w.ep) {
                            s.destroyed(m, d)?;
                        }
                        Ok(())
                    }),
                );
                Ok(Ret::Blocked)
            }
        }
    }
}

/// `epoll_create(size)`: `size` must be positive; otherwise ignored.
pub fn epoll_create(s: &mut Shims, m: &mut Machine<Shims>, a: EpollCreate) -> VmResult<Ret> {
    if let Err(e) = epoll::check_create(a.size.0) {
        return fail(m, errno(e));
    }
    s.new_instance(m, false)
}

/// `epoll_create1(flags)`: `EPOLL_CLOEXEC` or nothing.
pub fn epoll_create1(s: &mut Shims, m: &mut Machine<Shims>, a: EpollCreate1) -> VmResult<Ret> {
    match epoll::check_create1(a.flags.0 as i32) {
        Ok(cloexec) => s.new_instance(m, cloexec),
        Err(e) => fail(m, errno(e)),
    }
}

/// `epoll_ctl(epfd, op, fd, event)`: every check in Linux's order is the core's.
pub fn epoll_ctl(s: &mut Shims, m: &mut Machine<Shims>, a: EpollCtl) -> VmResult<Ret> {
    let (epfd, op, fd) = (a.epfd.0, a.op.get(), a.fd.0);
    let event = a.event.read(m)?;
    let epfd_id = s.fds.lookup(epfd).ok();
    let target = match s.fds.lookup(fd) {
        Ok(id) => {
            let pollable =
                s.is_timerfd(id) || s.is_signalfd(id) || s.epolls.is_epoll(id) || s.fds.get(id).is_some_and(|d| poll_kind(d).is_some());
            let readiness = if pollable { Some(s.epoll_events(m, id)) } else { None };
            Some(TargetFd { id, num: fd, readiness })
        }
        Err(_) => None,
    };
    match s.epolls.ctl(CtlRequest { op, event, epfd: epfd_id, fd: target }) {
        Ok(out) => {
            s.apply_epoll(m, out, Cause::Thread)?;
            // An ADD or MOD can make the instance readable for a blocked poll.
            s.recheck_polls(m)?;
            Ok(Ret::Value(0))
        }
        Err(e) => fail(m, errno(e)),
    }
}

/// `epoll_wait(epfd, events, maxevents, timeout)`: a negative timeout waits forever, 0 polls.
pub fn epoll_wait(s: &mut Shims, m: &mut Machine<Shims>, a: EpollWaitArgs) -> VmResult<Ret> {
    let (epfd, maxevents) = (a.epfd.0, a.maxevents.0);
    let check = WaitCheck {
        epfd: s.fd_arg(epfd),
        maxevents,
        buffer_in_user_space: buffer_in_user_space(&m.memory, a.events, maxevents),
        sigmask: None,
        timespec: None,
    };
    s.wait(m, check, epfd, a.events, maxevents, epoll::timeout_from_ms(a.timeout.0), 0)
}

/// The sigmask argument of `epoll_pwait`/`epoll_pwait2`: glibc passes `sizeof(sigset_t)` = 8.
fn sigmask(m: &Machine<Shims>, ptr: Sigmask) -> Option<epoll::SigmaskArg> {
    let ptr = ptr.0;
    (ptr != 0).then(|| epoll::SigmaskArg {
        sigsetsize: epoll::validate::SIGSET_SIZE,
        readable: m.memory.readable_extent(ptr) >= epoll::validate::SIGSET_SIZE,
    })
}

/// `epoll_pwait(epfd, events, maxevents, timeout, sigmask)`: `epoll_wait` with the thread's signal
/// mask replaced by `sigmask` (when not NULL) while it waits.
pub fn epoll_pwait(s: &mut Shims, m: &mut Machine<Shims>, a: EpollPwait) -> VmResult<Ret> {
    let (epfd, maxevents) = (a.epfd.0, a.maxevents.0);
    let check = WaitCheck {
        epfd: s.fd_arg(epfd),
        maxevents,
        buffer_in_user_space: buffer_in_user_space(&m.memory, a.events, maxevents),
        sigmask: sigmask(m, a.sigmask),
        timespec: None,
    };
    s.wait(m, check, epfd, a.events, maxevents, epoll::timeout_from_ms(a.timeout.0), a.sigmask.0)
}

/// `epoll_pwait2(epfd, events, maxevents, timeout, sigmask)` with a `struct timespec` timeout
/// (NULL: forever).
pub fn epoll_pwait2(s: &mut Shims, m: &mut Machine<Shims>, a: EpollPwait2) -> VmResult<Ret> {
    let (epfd, maxevents) = (a.epfd.0, a.maxevents.0);
    let ts = if a.timeout.is_null() { None } else { Some(a.timeout.read(m)?.map(|t| (t.sec, t.nsec))) };
    let check = WaitCheck {
        epfd: s.fd_arg(epfd),
        maxevents,
        buffer_in_user_space: buffer_in_user_space(&m.memory, a.events, maxevents),
        sigmask: sigmask(m, a.sigmask),
        timespec: ts,
    };
    let timeout = epoll::timeout_from_timespec(ts.flatten());
    s.wait(m, check, epfd, a.events, maxevents, timeout, a.sigmask.0)
}
