//! Threads: `spawn`, `join`, `sched_yield`.

use crate::Shims;
use spindle_vm::{Machine, Ret, VmResult};

/// `spawn(f, arg)`: starts a thread running `f(arg)`; returns its id.
pub fn spawn(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    m.spawn(a[0], a[1]).map(|t| Ret::Value(t as u64))
}

/// `join(tid)`: waits for the thread and returns its function's return value.
pub fn join(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    Ok(match m.join(a[0])? {
        Some(v) => Ret::Value(v),
        None => Ret::Blocked,
    })
}

/// `sched_yield(2)` — <https://man7.org/linux/man-pages/man2/sched_yield.2.html>.
pub fn sched_yield(_: &mut Shims, m: &mut Machine<Shims>, _: &[u64]) -> VmResult<Ret> {
    m.yield_now();
    Ok(Ret::Value(0))
}
