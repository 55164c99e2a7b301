//! Armed timerfds under `--against-kernel`: the virtual clock mapped onto the kernel's, and the
//! comparison of answers that depend on when they are given (docs/divergences.md, *Timers*).
//!
//! **The mapping.** Spindle's clock is virtual: 1 ns per step, and it jumps over sleeps and
//! timeouts. The kernel's runs in real time. While a timer is armed, the check keeps an offset
//! `off` (kernel `CLOCK_MONOTONIC` minus virtual time) such that every call reaches the kernel no
//! earlier than `V + off`, `V` being the virtual time of the call: before a call (and before the
//! blocked calls are settled) the check *sleeps* until then — that is how a virtual jump
//! (a `usleep`, a timed-out wait, a blocked read woken by the timer) becomes real time for the
//! kernel. `off` is set when a timer is armed, to the kernel's clock when the arming call returned
//! minus its virtual time, and only grows: so since any timer was armed, at least as much time has
//! passed for the kernel as for Spindle. An absolute time `T` of the timer's clock is given to the
//! kernel as `T − epoch + off` (+ the kernel's distance between that clock and `CLOCK_MONOTONIC`).
//!
//! **The tolerance.** Real time also passes while Spindle computes (1 ns per step is faster than
//! any interpreter) and while the two processes talk: the kernel may have seen *more* time than
//! Spindle, never less. For a call at virtual time `V` that the kernel answered by real time `R`,
//! the kernel's own view of the timer lies in the *window* `[V, R − o]` (`o`: the timer's offset
//! when it was armed). An answer that depends on the timer may differ from Spindle's only as the
//! timer itself changes within that window:
//!
//! - a read's expiration count: the kernel's total read since the timer was set, minus Spindle's,
//!   must lie between 0 and the expirations the timer has in `(V, R − o]` (so a count that is
//!   wrong outside the window, a timer that fires in Spindle and not on Linux, or one that fires
//!   on Linux with no expiry in the window, is a divergence);
//! - the time left (`timerfd_gettime`, `timerfd_settime`'s old value): the intervals must be
//!   equal, and the kernel's value must be Spindle's, less at most the window's length (for a
//!   periodic timer, modulo its interval; a one-shot one stops at 0);
//! - readiness (`epoll_wait`): a timerfd's event may be on one side only while the timer has an
//!   expiry in the window, or while the two sides have read different counts from it.
//!
//! Nothing else is tolerated, and a catch-up longer than [`MAX_CATCH_UP`] ends the check.

use super::*;
use spindle_shims::abi::{EpollEvent, Itimerspec, Layout, Timespec};
use spindle_shims::{Call, MONOTONIC_EPOCH_NS, REALTIME_EPOCH_NS};
use std::collections::BTreeMap;

/// The longest the check sleeps to let the kernel's clock catch up with a jump of the virtual
/// clock while a timer is armed; a longer jump ends the check (exit code 3).
pub(super) const MAX_CATCH_UP: Duration = Duration::from_secs(2);

const CLOCK_REALTIME: i32 = libc::CLOCK_REALTIME;
const TFD_TIMER_ABSTIME: i32 = 1;

/// Clock `clock` of the kernel now, in ns.
pub(super) fn kernel_clock(clock: i32) -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128
}

/// The kernel's `CLOCK_MONOTONIC` now, in ns.
pub(super) fn kernel_now() -> i128 {
    kernel_clock(libc::CLOCK_MONOTONIC)
}

/// Clock `clock`'s value at virtual time 0 in Spindle.
fn epoch(clock: i32) -> i128 {
    if clock == CLOCK_REALTIME {
        REALTIME_EPOCH_NS as i128
    } else {
        MONOTONIC_EPOCH_NS as i128
    }
}

/// One timer, as both sides were told to set it.
#[derive(Clone, Debug)]
pub(super) struct Timer {
    pub(super) clock: i32,
    /// The first expiry, in virtual ns (`None`: disarmed).
    pub(super) first: Option<i128>,
    /// The period (0: one-shot).
    pub(super) interval: i128,
    /// Kernel `CLOCK_MONOTONIC` minus virtual time for this timer's expiries, at the least.
    pub(super) offset: i128,
    /// Expirations read since it was set: in Spindle, from the kernel.
    pub(super) read_spindle: u64,
    pub(super) read_kernel: u64,
}

impl Timer {
    /// Its expirations up to virtual time `v` since it was set.
    pub(super) fn expirations(&self, v: i128) -> u64 {
        match self.first {
            Some(e) if e <= v => match self.interval {
                0 => 1,
                i => (1 + (v - e) / i).min(u64::MAX as i128) as u64,
            },
            _ => 0,
        }
    }

    /// Whether the two sides may see it differently in the window `[v, hi]`: it expires there,
    /// or they have read different counts.
    fn uncertain(&self, v: i128, hi: i128) -> bool {
        self.expirations(hi) != self.expirations(v) || self.read_kernel != self.read_spindle
    }
}

/// The timers of a check and the mapping of the clocks.
#[derive(Default)]
pub(super) struct Timers {
    /// Kernel `CLOCK_MONOTONIC` minus virtual time (set when the first timer is armed).
    pub(super) off: Option<i128>,
    /// Which timer each fd names.
    pub(super) fds: BTreeMap<i32, usize>,
    pub(super) timers: Vec<Timer>,
    /// Interests in timerfds: (epoll fd, data) to the timer.
    pub(super) watched: BTreeMap<(i32, u64), usize>,
    /// When the kernel's last answer had come back (kernel `CLOCK_MONOTONIC`).
    pub(super) answered: i128,
    /// When the last call was sent.
    pub(super) sent: i128,
}

/// How an answer that depends on a timer is compared.
pub(super) enum Verdict {
    /// The answers are the same or differ only within the tolerance.
    Agree,
    /// The answers differ beyond it: why.
    Differ(String),
    /// Not a call about an armed timer: compare exactly.
    Exact,
}

impl Timers {
    /// Whether a timer that some fd names is armed.
    pub(super) fn armed(&self) -> bool {
        self.fds.values().any(|&t| self.timers.get(t).is_some_and(|t| t.first.is_some()))
    }

    /// Sleeps until the kernel's clock reaches virtual time `v` — or, when the only timers are
    /// one-shot ones, their last expiry before `v`: after it nothing depends on time any more.
    pub(super) fn catch_up(&self, v: u64) -> Result<(), String> {
        let Some(off) = self.off else { return Ok(()) };
        let v = v as i128;
        let need = self
            .fds
            .values()
            .filter_map(|&t| self.timers.get(t))
            .filter_map(|t| Some(if t.interval > 0 { v } else { t.first?.min(v) }))
            .max();
        let Some(need) = need else { return Ok(()) };
        let wait = need + off - kernel_now();
        if wait <= 0 {
            return Ok(());
        }
        if wait > MAX_CATCH_UP.as_nanos() as i128 {
            return Err(format!(
                "the virtual clock ran {} ms ahead of the kernel's while a timer is armed; the check waits at most {} ms for the kernel to catch up",
                wait / 1_000_000,
                MAX_CATCH_UP.as_millis()
            ));
        }
        std::thread::sleep(Duration::from_nanos(wait as u64));
        Ok(())
    }

    /// A `timerfd_settime` about to go to the kernel: an absolute time becomes one of the
    /// kernel's clock. `Err` if the kernel's clock cannot have it.
    pub(super) fn translate(&mut self, m: &Machine<Shims>, fd: i32, flags: i32, req: &mut CallReq, arg: usize) -> Result<(), String> {
        let Some(&t) = self.fds.get(&fd) else { return Ok(()) };
        let Some(buf) = req.bufs.iter_mut().find(|b| b.arg == arg && b.bytes.len() as u64 == Itimerspec::SIZE) else { return Ok(()) };
        let its = Itimerspec::decode(&buf.bytes);
        if flags & TFD_TIMER_ABSTIME == 0 || !its.value.is_valid() || !its.interval.is_valid() || its.value == Timespec::default() {
            return Ok(());
        }
        let clock = self.timers.get(t).map_or(libc::CLOCK_MONOTONIC, |t| t.clock);
        let off = *self.off.get_or_insert_with(|| kernel_now() - m.now() as i128);
        let distance = kernel_clock(clock) - kernel_now();
        let at = its.value.ns() as i128 - epoch(clock) + off + distance;
        let at = match at {
            a if a > 0 => a,
            // Long past on both clocks: any past time expires a one-shot timer at once.
            _ if its.interval == Timespec::default() => 1,
            _ => return Err("a periodic timer set to an absolute time before the start of the kernel's clock".into()),
        };
        let value = Timespec { sec: (at / 1_000_000_000) as i64, nsec: (at % 1_000_000_000) as i64 };
        buf.bytes = Itimerspec { interval: its.interval, value }.to_bytes();
        Ok(())
    }

    /// A call both sides answered alike (or within the tolerance): what it did to the fds and
    /// timers. `v` is the call's result.
    /// `same`: both sides gave this answer (a read's count is then read on both).
    pub(super) fn track(&mut self, m: &Machine<Shims>, p: &Pending, v: i64, new_fds: &[i64], same: bool) {
        let dup = |s: &mut Timers, from: i32, to: i64| match s.fds.get(&from).copied() {
            Some(t) => {
                s.fds.insert(to as i32, t);
            }
            None => {
                s.fds.remove(&(to as i32));
            }
        };
        match p.call {
            Call::TimerfdCreate(c) if v >= 0 => {
                self.timers.push(Timer { clock: c.clockid.get(), first: None, interval: 0, offset: 0, read_spindle: 0, read_kernel: 0 });
                self.fds.insert(v as i32, self.timers.len() - 1);
            }
            Call::Close(c) if v == 0 => {
                self.fds.remove(&c.fd.0);
                self.watched.retain(|&(ep, _), _| ep != c.fd.0);
            }
            Call::Dup(c) if v >= 0 => dup(self, c.fd.0, v),
            Call::Dup2(c) if v >= 0 => dup(self, c.old.0, v),
            Call::Dup3(c) if v >= 0 => dup(self, c.old.0, v),
            Call::Fcntl(c) if v >= 0 && matches!(c.cmd.get(), F_DUPFD | F_DUPFD_CLOEXEC) => dup(self, c.fd.0, v),
            Call::EpollCtl(c) if v == 0 => {
                let Some(&t) = self.fds.get(&c.fd.0) else { return };
                let (ep, op) = (c.epfd.0, c.op.get());
                self.watched.retain(|&(e, _), &mut u| e != ep || u != t);
                if op != libc::EPOLL_CTL_DEL {
                    if let Some(ev) = EpollEvent::peek(&m.memory, c.event.addr()) {
                        self.watched.insert((ep, ev.data), t);
                    }
                }
            }
            Call::TimerfdSettime(c) if v == 0 => {
                let Some(&t) = self.fds.get(&c.fd.0) else { return };
                let Some(its) = Itimerspec::peek(&m.memory, c.new.addr()) else { return };
                let now = m.now() as i128;
                let abs = c.flags.bits() as i32 & TFD_TIMER_ABSTIME != 0;
                let armed = its.value != Timespec::default();
                if armed && self.off.is_none() {
                    self.off = Some(self.sent - now);
                }
                let off = self.off.unwrap_or(0);
                let Some(timer) = self.timers.get_mut(t) else { return };
                timer.read_spindle = 0;
                timer.read_kernel = 0;
                timer.interval = its.interval.ns() as i128;
                timer.first = match (armed, abs) {
                    (false, _) => None,
                    (true, true) => Some(its.value.ns() as i128 - epoch(timer.clock)),
                    (true, false) => Some(now + its.value.ns() as i128),
                };
                // A relative timer starts when the kernel got the call; an absolute one at the
                // time it was translated with.
                timer.offset = if abs { off } else { self.sent - now };
                if armed {
                    self.off = Some(off.max(self.answered - now));
                }
            }
            _ => {
                for &fd in new_fds {
                    self.fds.remove(&(fd as i32));
                }
            }
        }
        if let (Call::Read(c), true) = (p.call, same) {
            if let Some(timer) = self.fds.get(&c.fd.0).and_then(|&t| self.timers.get_mut(t)) {
                let n = if v == 8 {
                    m.memory.read_bytes(c.buf.0, 8).ok().map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                } else {
                    0
                };
                timer.read_spindle += n;
                timer.read_kernel += n;
            }
        }
    }

    /// The window of the kernel's view of timer `t` for a call at virtual time `v`.
    fn window(&self, t: &Timer, v: i128) -> (i128, i128) {
        (v, (self.answered - t.offset).max(v))
    }

    /// Compares an answer that depends on an armed timer. `kernel_bufs` are the bytes the kernel
    /// wrote, by argument.
    pub(super) fn compare(
        &mut self,
        m: &Machine<Shims>,
        p: &Pending,
        v: i64,
        errno: i64,
        reply: &CallReply,
        outs: &[(usize, &[u8])],
    ) -> Verdict {
        if !self.armed() {
            return Verdict::Exact;
        }
        let now = m.now() as i128;
        let out = |arg: usize| outs.iter().find(|(a, _)| *a == arg).map(|(_, b)| *b);
        match p.call {
            Call::Read(c) => {
                let Some(&t) = self.fds.get(&c.fd.0) else { return Verdict::Exact };
                let Some(timer) = self.timers.get(t).cloned() else { return Verdict::Exact };
                if timer.first.is_none() {
                    return Verdict::Exact;
                }
                // A count, or nothing to read (EAGAIN); anything else is compared exactly.
                let count = |ret: i64, e: i64, bytes: Option<&[u8]>| match (ret, e) {
                    (8, _) => bytes.and_then(|b| b.get(..8)).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))),
                    (-1, e) if e == libc::EAGAIN as i64 => Some(0),
                    _ => None,
                };
                let ours = m.memory.read_bytes(c.buf.0, 8).ok();
                let (Some(s), Some(k)) = (count(v, errno, ours.as_deref()), count(reply.ret, reply.errno, out(1))) else {
                    return Verdict::Exact;
                };
                let (lo, hi) = self.window(&timer, now);
                match counts_fit(&timer, s, k, lo, hi) {
                    Ok(()) => {
                        if let Some(t) = self.timers.get_mut(t) {
                            t.read_spindle += s;
                            t.read_kernel += k;
                        }
                        Verdict::Agree
                    }
                    Err(why) => Verdict::Differ(why),
                }
            }
            Call::TimerfdGettime(c) => self.compare_left(m, c.fd.0, c.cur.addr(), now, v, reply, out(1)),
            Call::TimerfdSettime(c) if !c.old.is_null() => self.compare_left(m, c.fd.0, c.old.addr(), now, v, reply, out(3)),
            Call::EpollWait(c) => self.compare_events(m, c.epfd.0, c.events.addr(), now, v, reply, out(1)),
            Call::EpollPwait(c) => self.compare_events(m, c.epfd.0, c.events.addr(), now, v, reply, out(1)),
            Call::EpollPwait2(c) => self.compare_events(m, c.epfd.0, c.events.addr(), now, v, reply, out(1)),
            _ => Verdict::Exact,
        }
    }

    /// `timerfd_gettime`'s value, or `timerfd_settime`'s old one.
    #[allow(clippy::too_many_arguments)]
    fn compare_left(&self, m: &Machine<Shims>, fd: i32, at: u64, now: i128, v: i64, reply: &CallReply, kernel: Option<&[u8]>) -> Verdict {
        let Some(timer) = self.fds.get(&fd).and_then(|&t| self.timers.get(t)) else { return Verdict::Exact };
        let (Some(ours), Some(theirs)) = (Itimerspec::peek(&m.memory, at), kernel.filter(|b| b.len() as u64 >= Itimerspec::SIZE)) else {
            return Verdict::Exact;
        };
        let theirs = Itimerspec::decode(theirs);
        if v != 0 || reply.ret != 0 || ours.interval != theirs.interval || timer.first.is_none() {
            return Verdict::Exact;
        }
        let (lo, hi) = self.window(timer, now);
        match left_fits(ours.value.ns() as i128, theirs.value.ns() as i128, ours.interval.ns() as i128, hi - lo) {
            Ok(()) => Verdict::Agree,
            Err(why) => Verdict::Differ(why),
        }
    }

    /// The events of an epoll wait: a timerfd's may be on one side only while its timer is
    /// uncertain in the window.
    #[allow(clippy::too_many_arguments)]
    fn compare_events(&self, m: &Machine<Shims>, ep: i32, at: u64, now: i128, v: i64, reply: &CallReply, kernel: Option<&[u8]>) -> Verdict {
        if v < 0 || reply.ret < 0 {
            return Verdict::Exact;
        }
        let size = EpollEvent::SIZE as usize;
        let ours: Vec<u8> = m.memory.read_bytes(at, v as u64 * EpollEvent::SIZE).unwrap_or_default();
        let Some(theirs) = kernel else { return Verdict::Exact };
        let list = |b: &[u8], n: i64| -> Vec<EpollEvent> {
            (0..n as usize).filter_map(|i| b.get(i * size..(i + 1) * size)).map(EpollEvent::decode).collect()
        };
        let uncertain = |e: &EpollEvent| {
            self.watched.get(&(ep, e.data)).and_then(|&t| self.timers.get(t)).is_some_and(|t| {
                let (lo, hi) = self.window(t, now);
                t.uncertain(lo, hi) && e.events == libc::EPOLLIN as u32
            })
        };
        let mut a = list(&ours, v);
        let mut b = list(theirs, reply.ret);
        if a.len() != v as usize || b.len() != reply.ret as usize {
            return Verdict::Exact;
        }
        a.retain(|e| !uncertain(e));
        b.retain(|e| !uncertain(e));
        if a == b {
            Verdict::Agree
        } else {
            Verdict::Exact
        }
    }

    /// Whether a blocked call that the kernel completed while Spindle's still blocks may be
    /// early only because the kernel's clock ran ahead: it reads or waits for a timer that
    /// expires in the window.
    pub(super) fn may_be_early(&self, m: &Machine<Shims>, p: &Pending) -> bool {
        let now = m.now() as i128;
        let timers: Vec<&Timer> = match p.call {
            Call::Read(c) => self.fds.get(&c.fd.0).and_then(|&t| self.timers.get(t)).into_iter().collect(),
            Call::EpollWait(c) => {
                self.watched.iter().filter(|((e, _), _)| *e == c.epfd.0).filter_map(|(_, &t)| self.timers.get(t)).collect()
            }
            Call::EpollPwait(c) => {
                self.watched.iter().filter(|((e, _), _)| *e == c.epfd.0).filter_map(|(_, &t)| self.timers.get(t)).collect()
            }
            Call::EpollPwait2(c) => {
                self.watched.iter().filter(|((e, _), _)| *e == c.epfd.0).filter_map(|(_, &t)| self.timers.get(t)).collect()
            }
            _ => Vec::new(),
        };
        timers.iter().any(|t| {
            let (lo, hi) = self.window(t, now);
            t.first.is_some() && t.uncertain(lo, hi)
        })
    }
}

/// The count rule: after Spindle read `s` expirations of `timer` at virtual time `lo` and the
/// kernel `k` by the end of the window `[lo, hi]`, the kernel's total since the timer was set may
/// exceed Spindle's by at most the expirations the timer has in the window, and never fall
/// below it.
pub(super) fn counts_fit(timer: &Timer, s: u64, k: u64, lo: i128, hi: i128) -> Result<(), String> {
    let room = timer.expirations(hi) as i128 - timer.expirations(lo) as i128;
    let (ours, theirs) = (timer.read_spindle + s, timer.read_kernel + k);
    let ahead = theirs as i128 - ours as i128;
    if (0..=room).contains(&ahead) {
        return Ok(());
    }
    Err(format!(
        "the timer's expirations read since it was set are {ours} in Spindle but {theirs} on Linux, and it expires {room} time(s) in the {} µs Linux may have run ahead (the timer tolerance)",
        (hi - lo) / 1000
    ))
}

/// The time-left rule: Spindle's value `s` and the kernel's `k` (ns) of a timer with period
/// `interval` (0: one-shot), the kernel `slack` ns ahead at most: `k` must be `s` less at most
/// `slack` — modulo the period for a periodic timer, and stopping at 0 for a one-shot one.
pub(super) fn left_fits(s: i128, k: i128, interval: i128, slack: i128) -> Result<(), String> {
    // What Spindle's value becomes `d` ns later.
    let later = |d: i128| match (s, interval) {
        (0, _) => 0,
        (s, 0) => (s - d).max(0),
        (s, _) if d < s => s - d,
        (s, i) => i - (d - s) % i,
    };
    let fits = if s == 0 {
        k == 0
    } else if interval == 0 || slack < s {
        (later(slack)..=s).contains(&k)
    } else if slack - s >= interval {
        (1..=interval).contains(&k)
    } else {
        // It passed an expiry: from `s` down to 0, then from the period down.
        (0..=s).contains(&k) || (later(slack)..=interval).contains(&k)
    };
    if fits {
        return Ok(());
    }
    Err(format!(
        "the time left is {s} ns in Spindle but {k} ns on Linux, more than the {} µs Linux may have run ahead (the timer tolerance) explains",
        slack / 1000
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i128 = 1_000_000;

    fn periodic(first: i128, interval: i128) -> Timer {
        Timer { clock: libc::CLOCK_MONOTONIC, first: Some(first), interval, offset: 0, read_spindle: 0, read_kernel: 0 }
    }

    /// A periodic timer (first expiry at 20 ms, every 20 ms) read at 50 ms: 2 expirations. With
    /// the kernel 1 ms ahead, only 2 will do; 12 ms ahead (past the expiry at 60 ms), 2 or 3.
    #[test]
    fn a_wrong_expiration_count_is_caught() {
        let t = periodic(20 * MS, 20 * MS);
        assert_eq!(counts_fit(&t, 2, 2, 50 * MS, 51 * MS), Ok(()));
        let e = counts_fit(&t, 2, 3, 50 * MS, 51 * MS).unwrap_err();
        assert!(e.contains("are 2 in Spindle but 3 on Linux, and it expires 0 time(s) in the 1000 µs"), "{e}");
        // Spindle one short, or one too many: the kernel never lags behind.
        assert!(counts_fit(&t, 1, 2, 50 * MS, 51 * MS).is_err());
        assert!(counts_fit(&t, 3, 2, 50 * MS, 51 * MS).is_err());
        // An expiry inside the window: the kernel may have counted it already.
        assert_eq!(counts_fit(&t, 2, 3, 50 * MS, 62 * MS), Ok(()));
        assert!(counts_fit(&t, 2, 4, 50 * MS, 62 * MS).is_err());
    }

    /// A one-shot timer at 20 ms: it must not fire before (Spindle 0, Linux 1 with no expiry in
    /// the window), and it fires once.
    #[test]
    fn a_timer_that_should_not_fire_is_caught() {
        let t = periodic(20 * MS, 0);
        assert!(counts_fit(&t, 0, 1, 5 * MS, 6 * MS).is_err());
        assert!(counts_fit(&t, 1, 0, 25 * MS, 26 * MS).is_err(), "Spindle fired, the kernel did not");
        assert_eq!(counts_fit(&t, 0, 1, 19 * MS, 21 * MS), Ok(()), "the kernel ran past the expiry");
        assert_eq!(counts_fit(&t, 1, 1, 25 * MS, 30 * MS), Ok(()));
        assert!(counts_fit(&t, 1, 2, 25 * MS, 90 * MS).is_err(), "a one-shot timer fires once");
    }

    /// Reads that went differently before count: the kernel read 3 (it ran ahead past the
    /// expiry at 60 ms), Spindle 2; at 70 ms Spindle reads 1 more (60 ms), the kernel none.
    #[test]
    fn the_totals_are_compared_not_each_read() {
        let mut t = periodic(20 * MS, 20 * MS);
        assert_eq!(counts_fit(&t, 2, 3, 50 * MS, 62 * MS), Ok(()));
        (t.read_spindle, t.read_kernel) = (2, 3);
        assert_eq!(counts_fit(&t, 1, 0, 70 * MS, 71 * MS), Ok(()));
        assert!(counts_fit(&t, 1, 1, 70 * MS, 71 * MS).is_err(), "the kernel would have counted 60 ms twice");
    }

    #[test]
    fn the_time_left_may_be_less_by_the_slack_only() {
        // One-shot, 15 ms left in Spindle; the kernel 2 ms ahead at most.
        assert_eq!(left_fits(15 * MS, 14 * MS, 0, 2 * MS), Ok(()));
        assert_eq!(left_fits(15 * MS, 15 * MS, 0, 2 * MS), Ok(()));
        assert!(left_fits(15 * MS, 12 * MS, 0, 2 * MS).is_err());
        assert!(left_fits(15 * MS, 16 * MS, 0, 2 * MS).is_err(), "the kernel is never behind");
        // Expired in the window: 0.
        assert_eq!(left_fits(MS, 0, 0, 2 * MS), Ok(()));
        assert!(left_fits(0, 5 * MS, 0, 2 * MS).is_err());
        // Periodic (20 ms), 1 ms left, 3 ms ahead: 1 ms down to 0, or 20 ms down to 18.
        assert_eq!(left_fits(MS, 19 * MS, 20 * MS, 3 * MS), Ok(()));
        assert!(left_fits(MS, 10 * MS, 20 * MS, 3 * MS).is_err());
    }
}
