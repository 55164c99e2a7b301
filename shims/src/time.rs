//! Time on the virtual clock: `nanosleep`, `usleep`, `clock_gettime`.

use crate::abi::Layout;
use crate::abi::{Timespec, NSEC_PER_SEC};
use crate::consts::errno::*;
use crate::consts::linux;
use crate::table::args::{ClockGettime, Nanosleep, Usleep};
use crate::{fail, Shims};
use spindle_vm::{BlockReason, Machine, Ret, Unblock, VmResult};

const CLOCK_REALTIME: u64 = linux::CLOCK_REALTIME as u64;
const CLOCK_MONOTONIC: u64 = linux::CLOCK_MONOTONIC as u64;

/// `CLOCK_MONOTONIC` (and `CLOCK_BOOTTIME`: a virtual machine never suspends) when a run
/// starts: 10000 s, an uptime of 2 h 46 min 40 s, so that a guest computing "now − 1 s" gets a
/// valid time, as on a machine that has been up for a while (docs/divergences.md, *Clocks*).
pub const MONOTONIC_EPOCH_NS: u64 = 10_000 * NSEC_PER_SEC;

/// `CLOCK_REALTIME` when a run starts: 2024-01-01 00:00:00 UTC (1704067200 s after the Unix
/// epoch), the same date every run.
pub const REALTIME_EPOCH_NS: u64 = 1_704_067_200 * NSEC_PER_SEC;

/// The value of clock `clock` (a clock id `timerfd_create` or `clock_gettime` accepted) at
/// virtual time 0.
pub(crate) fn epoch(clock: u64) -> u64 {
    if clock == CLOCK_REALTIME {
        REALTIME_EPOCH_NS
    } else {
        MONOTONIC_EPOCH_NS
    }
}

/// Clock `clock` now, in nanoseconds (saturating at the end of virtual time).
pub(crate) fn clock_now(m: &Machine<Shims>, clock: u64) -> u64 {
    m.now().saturating_add(epoch(clock))
}

/// Blocks the calling thread for `ns` virtual nanoseconds; the call then returns 0. A handler
/// interrupting it makes it -1 EINTR (`-ERESTART_RESTARTBLOCK`: never restarted for a handler,
/// SA_RESTART or not), with the time left written to `rem` if it is not NULL.
fn sleep(m: &mut Machine<Shims>, ns: u64, rem: u64) -> VmResult<Ret> {
    let deadline = m.now().saturating_add(ns);
    m.block_thread(
        BlockReason::Sleep,
        Some(deadline),
        Box::new(move |s: &mut Shims, m: &mut Machine<Shims>, kind| {
            if kind == Unblock::Interrupted {
                s.interrupted_call(m, false);
                let left = deadline.saturating_sub(m.now());
                if rem != 0 && !m.write_guest(rem, &Timespec::from_ns(left).to_bytes())? {
                    m.set_errno(EFAULT);
                }
                return Ok(());
            }
            m.set_return(0);
            Ok(())
        }),
    );
    Ok(Ret::Blocked)
}

/// `nanosleep(2)` — <https://man7.org/linux/man-pages/man2/nanosleep.2.html>.
/// EFAULT for a bad `req`, EINVAL for `tv_nsec` outside 0..=999999999 or a negative `tv_sec`.
pub fn nanosleep(_: &mut Shims, m: &mut Machine<Shims>, a: Nanosleep) -> VmResult<Ret> {
    let Some(ts) = a.req.read(m)? else {
        return fail(m, EFAULT);
    };
    if !ts.is_valid() {
        return fail(m, EINVAL);
    }
    sleep(m, ts.ns(), a.rem.0)
}

/// `usleep(3)` — <https://man7.org/linux/man-pages/man3/usleep.3.html>.
pub fn usleep(_: &mut Shims, m: &mut Machine<Shims>, a: Usleep) -> VmResult<Ret> {
    // useconds_t is an unsigned int.
    let usec = a.usec.0 as u64;
    sleep(m, usec * 1000, 0)
}

/// `clock_gettime(2)` — <https://man7.org/linux/man-pages/man2/clock_gettime.2.html>.
/// Both clocks read the virtual clock, each from its own fixed start ([`MONOTONIC_EPOCH_NS`],
/// [`REALTIME_EPOCH_NS`]), so runs are reproducible (see docs/divergences.md).
pub fn clock_gettime(_: &mut Shims, m: &mut Machine<Shims>, a: ClockGettime) -> VmResult<Ret> {
    // The whole argument is compared (not only the `int` the kernel reads).
    if a.clk.0 != CLOCK_MONOTONIC && a.clk.0 != CLOCK_REALTIME {
        return fail(m, EINVAL);
    }
    let now = clock_now(m, a.clk.0);
    if !a.ts.write(m, &Timespec::from_ns(now))? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}
