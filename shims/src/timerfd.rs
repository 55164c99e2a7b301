//! `timerfd_create`, `timerfd_settime`, `timerfd_gettime`, and reads of a timerfd — on the
//! virtual clock. <https://man7.org/linux/man-pages/man2/timerfd_create.2.html>
//!
//! Linux facts (shims/probes/timerfd.c, recorded in timerfd.txt): only `CLOCK_REALTIME`,
//! `CLOCK_MONOTONIC` and `CLOCK_BOOTTIME` (and the alarm clocks) are accepted, other clocks and
//! flags are EINVAL; `F_GETFL` is `O_RDWR` (+`O_NONBLOCK`); a read needs 8 bytes (else EINVAL),
//! returns the number of expirations since the last read or `settime` and resets it, and blocks
//! (or EAGAIN) at 0; `settime` resets the count, disarms with a zero `it_value`, rejects
//! `tv_nsec` outside `0..1e9` and negative seconds (EINVAL), a NULL new value (EFAULT), and a
//! non-timerfd fd (EINVAL); an absolute time in the past expires at once; epoll sees `EPOLLIN`
//! while the count is non-zero; writes are EINVAL.
//!
//! Expirations are counted lazily from the virtual clock, so a periodic timer nobody reads costs
//! nothing; a VM timer is armed at the next expiry only while some thread is blocked (in a read
//! of the timerfd, or in any `epoll_wait`) and could be woken by it.

use crate::abi::{Itimerspec, Timespec};
use crate::consts::errno::*;
use crate::consts::linux;
use crate::epoll::{keys, Wake};
use crate::io::ReadOp;
use crate::table::args::{TimerfdCreate, TimerfdGettime, TimerfdSettime};
use crate::wake::{Cause, Wakeups};
use crate::{errno_of, fail, time, Shims};
use spindle_fds::FdId;
use spindle_vm::{Machine, Ret, Stop, VmResult};

const CLOCK_REALTIME: i32 = linux::CLOCK_REALTIME as i32;
const CLOCK_MONOTONIC: i32 = linux::CLOCK_MONOTONIC as i32;
const CLOCK_BOOTTIME: i32 = linux::CLOCK_BOOTTIME as i32;
const CLOCK_REALTIME_ALARM: i32 = 8;
const CLOCK_BOOTTIME_ALARM: i32 = 9;
const TFD_NONBLOCK: u64 = linux::TFD_NONBLOCK as u64;
const TFD_CLOEXEC: u64 = linux::TFD_CLOEXEC as u64;
const TFD_TIMER_ABSTIME: u64 = linux::TFD_TIMER_ABSTIME as u64;
const TFD_TIMER_CANCEL_ON_SET: u64 = linux::TFD_TIMER_CANCEL_ON_SET as u64;

/// One timerfd's state.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TimerFd {
    /// The next expiry not yet counted (absolute virtual ns), if armed.
    expiry: Option<u64>,
    /// The period (0: one-shot).
    interval: u64,
    /// Expirations counted and not yet read.
    ticks: u64,
    /// Its clock's value at virtual time 0: `expiry` is a time of that clock.
    epoch: u64,
    /// Its clock id, and the flags of the last `timerfd_settime` (for `/proc/self/fdinfo`).
    clock: i32,
    flags: u64,
}

impl TimerFd {
    /// A disarmed timer on `clock`.
    fn new(clock: i32) -> TimerFd {
        TimerFd { epoch: time::epoch(clock as u64), clock, ..TimerFd::default() }
    }

    /// Its clock's value at virtual time `now`.
    fn clock(&self, now: u64) -> u64 {
        now.saturating_add(self.epoch)
    }

    /// The virtual time of its clock's time `t` (never before the start of the run).
    fn virtual_time(&self, t: u64) -> u64 {
        t.saturating_sub(self.epoch)
    }

    /// Counts the expirations up to `now`.
    fn sync(&mut self, now: u64) {
        if let Some(e) = self.expiry {
            if e <= now {
                if let Some(k) = (now - e).checked_div(self.interval) {
                    let n = 1 + k;
                    self.ticks = self.ticks.saturating_add(n);
                    self.expiry = Some(e.saturating_add(n.saturating_mul(self.interval)));
                } else {
                    self.ticks = self.ticks.saturating_add(1);
                    self.expiry = None;
                }
            }
        }
    }
}

impl Shims {
    /// Timerfd `id`'s timer.
    fn timer(&self, id: FdId) -> Option<&TimerFd> {
        self.state.get(id).and_then(|s| s.timer.as_ref())
    }

    /// Whether `id` is a timerfd.
    pub(crate) fn is_timerfd(&self, id: FdId) -> bool {
        // Most runs have no timerfd: one comparison, no lookup.
        self.live_timerfds > 0 && self.state.get(id).is_some_and(|s| s.timer.is_some())
    }

    /// A timerfd's expirations count, brought up to date.
    pub(crate) fn timerfd_ticks(&mut self, m: &Machine<Shims>, id: FdId) -> u64 {
        let now = m.now();
        self.state.get_mut(id).and_then(|s| s.timer.as_mut()).map_or(0, |t| {
            t.sync(t.clock(now));
            t.ticks
        })
    }

    /// Arms a VM timer at each armed timerfd's next expiry: called when a thread blocks and could
    /// be woken by one.
    pub(crate) fn arm_timerfds(&mut self, m: &mut Machine<Shims>) {
        // (Read even with no timerfd: under partial-order reduction, reading the clock is part
        // of the call's footprint.)
        let now = m.now();
        if self.live_timerfds == 0 {
            // Not a walk over every description's state at every blocking call.
            return;
        }
        for (id, t) in self.state.iter_mut().filter_map(|(id, s)| Some((id, s.timer.as_mut()?))) {
            t.sync(t.clock(now));
            match t.expiry {
                // Unread expirations: no wakeup until a read re-arms it (see `timerfd_fired`).
                Some(e) if t.ticks == 0 => m.set_timer(id.0, t.virtual_time(e)),
                _ => m.cancel_timer(id.0),
            }
        }
    }

    /// A VM timer of timerfd `id` fired: count, wake its readers and its epoll watchers, and
    /// re-arm while someone could still be woken.
    pub(crate) fn timerfd_fired(&mut self, m: &mut Machine<Shims>, id: FdId) -> VmResult<()> {
        let before = self.timer(id).map_or(0, |t| t.ticks);
        let ticks = self.timerfd_ticks(m, id);
        // Linux re-arms a periodic timerfd only when it is read (timerfd_read forwards it), so
        // only the first unread expiry wakes anyone; later ones are counted when it is read
        // (programs/epoll/timerfd_epoll.mir).
        if before == 0 && ticks > 0 {
            // An expiry is nobody's action: it releases no thread's clock.
            let w = Wakeups::touched(id, None).wake(Some(id), Wake::Key(keys::TIMERFD), 1);
            self.notify(m, w, Cause::Expiry)?;
        }
        // No timer while expirations are unread: the next wakeup comes after a read re-arms it.
        if ticks == 0 && (!self.epoll_waits.is_empty() || self.polls_waiting() || self.state.get(id).is_some_and(|s| !s.waiters.is_empty()))
        {
            if let Some((t, e)) = self.timer(id).and_then(|t| Some((t, t.expiry?))) {
                m.set_timer(id.0, t.virtual_time(e));
            }
        }
        Ok(())
    }

    /// What `/proc/self/fdinfo` shows of timerfd `id`: its clock id, unread expirations, the
    /// flags it was set with, the time left and the interval (ns).
    pub(crate) fn timerfd_info(&mut self, m: &Machine<Shims>, id: FdId) -> (i32, u64, u64, u64, u64) {
        let ticks = self.timerfd_ticks(m, id);
        let Some(t) = self.timer(id) else { return (0, 0, 0, 0, 0) };
        let left = t.expiry.map_or(0, |e| e.saturating_sub(t.clock(m.now())));
        (t.clock, ticks, t.flags, left, t.interval)
    }

    /// A read of a timerfd: 8 bytes holding the count, which is reset; `None` when it would block.
    pub(crate) fn timerfd_read(&mut self, m: &mut Machine<Shims>, op: &ReadOp) -> VmResult<Option<Ret>> {
        if op.count < 8 {
            return fail(m, EINVAL).map(Some);
        }
        let ticks = self.timerfd_ticks(m, op.id);
        if ticks == 0 {
            return Ok(None);
        }
        if let Some(t) = self.state.get_mut(op.id).and_then(|s| s.timer.as_mut()) {
            t.ticks = 0;
        }
        // The count is consumed even if it cannot be copied out, as Linux's timerfd_read does.
        if !m.write_guest(op.buf, &ticks.to_le_bytes())? {
            return fail(m, EFAULT).map(Some);
        }
        Ok(Some(Ret::Value(8)))
    }
}

/// `timerfd_create(clockid, flags)`.
pub fn timerfd_create(s: &mut Shims, m: &mut Machine<Shims>, a: TimerfdCreate) -> VmResult<Ret> {
    let (clock, flags) = (a.clockid.get(), a.flags.bits());
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => {}
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => return Err(Stop::unsupported("timerfd_create with an alarm clock (CLOCK_*_ALARM)")),
        _ => return fail(m, EINVAL),
    }
    if flags & !(TFD_NONBLOCK | TFD_CLOEXEC) != 0 {
        return fail(m, EINVAL);
    }
    match s.fds.host_file("timerfd", flags & TFD_NONBLOCK != 0, flags & TFD_CLOEXEC != 0) {
        Ok((fd, id)) => {
            s.state.get_or_default(id).timer = Some(TimerFd::new(clock));
            s.live_timerfds += 1;
            Ok(Ret::Value(fd as u64))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

/// The timerfd an fd names: EBADF if it is not open, EINVAL if it is not a timerfd.
fn timerfd_of(s: &Shims, fd: i32) -> Result<FdId, i64> {
    let id = s.fds.lookup(fd).map_err(errno_of)?;
    if s.is_timerfd(id) {
        Ok(id)
    } else {
        Err(EINVAL)
    }
}

/// The current setting as a `struct itimerspec` (interval, then value remaining), `now` being
/// a time of the timer's clock.
fn itimerspec(t: &TimerFd, now: u64) -> Itimerspec {
    Itimerspec { interval: Timespec::from_ns(t.interval), value: Timespec::from_ns(t.expiry.map_or(0, |e| e.saturating_sub(now))) }
}

/// `timerfd_settime(fd, flags, new_value, old_value)`.
pub fn timerfd_settime(s: &mut Shims, m: &mut Machine<Shims>, a: TimerfdSettime) -> VmResult<Ret> {
    let flags = a.flags.bits();
    let id = match timerfd_of(s, a.fd.0) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return fail(m, EINVAL);
    }
    let Some(Itimerspec { interval, value }) = a.new.read(m)? else { return fail(m, EFAULT) };
    if !interval.is_valid() || !value.is_valid() {
        return fail(m, EINVAL);
    }
    let t = s.state.get_or_default(id).timer.get_or_insert_with(TimerFd::default);
    // Absolute times are times of the timer's clock; an earlier one than the clock's value at
    // the start of the run is simply in the past.
    let now = t.clock(m.now());
    t.sync(now);
    let previous = itimerspec(t, now);
    t.ticks = 0;
    t.flags = flags;
    t.interval = interval.ns();
    t.expiry = match (value.ns(), flags & TFD_TIMER_ABSTIME != 0) {
        (0, _) => None,
        (v, true) => Some(v),
        (v, false) => Some(now.saturating_add(v)),
    };
    m.cancel_timer(id.0);
    // An absolute time already past expires at once.
    if t.expiry.is_some_and(|e| e <= now) {
        s.timerfd_fired(m, id)?;
    } else if let Some(e) = t.expiry {
        let at = t.virtual_time(e);
        if !s.epoll_waits.is_empty() || s.state.get(id).is_some_and(|st| !st.waiters.is_empty()) {
            m.set_timer(id.0, at);
        }
    }
    // Setting the timer resets the count: readiness may have changed.
    s.notify(m, Wakeups::touched(id, None).changed(Some(id)), Cause::Thread)?;
    if !a.old.is_null() && !a.old.write(m, &previous)? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// `timerfd_gettime(fd, curr_value)`: the interval and the time left until the next expiry.
pub fn timerfd_gettime(s: &mut Shims, m: &mut Machine<Shims>, a: TimerfdGettime) -> VmResult<Ret> {
    let id = match timerfd_of(s, a.fd.0) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let t = s.state.get_or_default(id).timer.get_or_insert_with(TimerFd::default);
    let now = t.clock(m.now());
    t.sync(now);
    let cur = itimerspec(t, now);
    if !a.cur.write(m, &cur)? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}
