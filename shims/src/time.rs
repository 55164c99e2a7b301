//! Time on the virtual clock: `nanosleep`, `usleep`, `clock_gettime`.

use crate::consts::errno::*;
use crate::{fail, Shims};
use spindle_vm::{BlockReason, Machine, Ret, VmResult};

const NSEC_PER_SEC: u64 = 1_000_000_000;
const CLOCK_REALTIME: u64 = 0;
const CLOCK_MONOTONIC: u64 = 1;

/// Blocks the calling thread for `ns` virtual nanoseconds; the call then returns 0.
fn sleep(m: &mut Machine<Shims>, ns: u64) -> VmResult<Ret> {
    let deadline = m.now().saturating_add(ns);
    m.block_thread(
        BlockReason::Sleep,
        Some(deadline),
        Box::new(|_, m, _| {
            m.set_return(0);
            Ok(())
        }),
    );
    Ok(Ret::Blocked)
}

/// `nanosleep(2)` — <https://man7.org/linux/man-pages/man2/nanosleep.2.html>.
/// EFAULT for a bad `req`, EINVAL for `tv_nsec` outside 0..=999999999 or a negative `tv_sec`.
pub fn nanosleep(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    let Some(ts) = m.read_guest(a[0], 16)? else {
        return fail(m, EFAULT);
    };
    let sec = i64::from_le_bytes(ts[..8].try_into().unwrap_or_default());
    let nsec = i64::from_le_bytes(ts[8..].try_into().unwrap_or_default());
    if sec < 0 || !(0..NSEC_PER_SEC as i64).contains(&nsec) {
        return fail(m, EINVAL);
    }
    sleep(m, (sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(nsec as u64))
}

/// `usleep(3)` — <https://man7.org/linux/man-pages/man3/usleep.3.html>.
pub fn usleep(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    // useconds_t is an unsigned int.
    let usec = a[0] as u32 as u64;
    sleep(m, usec * 1000)
}

/// `clock_gettime(2)` — <https://man7.org/linux/man-pages/man2/clock_gettime.2.html>.
/// Both clocks read the virtual clock, so runs are reproducible (see docs/divergences.md).
pub fn clock_gettime(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    if a[0] != CLOCK_MONOTONIC && a[0] != CLOCK_REALTIME {
        return fail(m, EINVAL);
    }
    let now = m.now();
    let mut ts = [0u8; 16];
    ts[..8].copy_from_slice(&((now / NSEC_PER_SEC) as i64).to_le_bytes());
    ts[8..].copy_from_slice(&((now % NSEC_PER_SEC) as i64).to_le_bytes());
    if !m.write_guest(a[1], &ts)? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}
