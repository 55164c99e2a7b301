//! Threads: `spawn`, `join`, `sched_yield`, `gettid`.

use crate::table::args::{Gettid, Join, SchedYield, Spawn};
use crate::Shims;
use spindle_vm::{Machine, Ret, VmResult};

/// `spawn(f, arg)`: starts a thread running `f(arg)`; returns its id.
pub fn spawn(s: &mut Shims, m: &mut Machine<Shims>, a: Spawn) -> VmResult<Ret> {
    let child = m.spawn(a.f.0, a.arg.0 as u64)?;
    s.signal_thread_spawned(m.active_thread(), child);
    Ok(Ret::Value(child as u64))
}

/// `join(tid)`: waits for the thread and returns its function's return value.
pub fn join(_: &mut Shims, m: &mut Machine<Shims>, a: Join) -> VmResult<Ret> {
    Ok(match m.join(a.tid.0 as u64)? {
        Some(v) => Ret::Value(v),
        None => Ret::Blocked,
    })
}

/// `sched_yield(2)` — <https://man7.org/linux/man-pages/man2/sched_yield.2.html>.
pub fn sched_yield(_: &mut Shims, m: &mut Machine<Shims>, _: SchedYield) -> VmResult<Ret> {
    m.yield_now();
    Ok(Ret::Value(0))
}

/// `gettid(2)` — <https://man7.org/linux/man-pages/man2/gettid.2.html>: the calling thread's
/// id, as `spawn` counts them (0 is `main`). It depends on nothing another thread does.
pub fn gettid(_: &mut Shims, m: &mut Machine<Shims>, _: Gettid) -> VmResult<Ret> {
    let me = m.active_thread();
    m.touch(spindle_vm::por::thread_end_loc(me as u32), false);
    Ok(Ret::Value(me as u64))
}
