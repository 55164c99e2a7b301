//! Process-level calls: output, exit, the heap, errno.

use crate::consts::errno::*;
use crate::table::args::{Abort, Errno, Exit, Free, Malloc};
use crate::Shims;
use spindle_vm::{Machine, Ret, Stop, VmResult};

/// `exit(3)`: ends the calling process with `status & 0xff`, whatever its other threads do;
/// the initial process's exit ends the program.
pub fn exit(s: &mut Shims, m: &mut Machine<Shims>, a: Exit) -> VmResult<Ret> {
    s.exit_active(m, a.status.0)
}

/// `abort(3)`: the run ends as killed by `SIGABRT` (a handler for it is not run); the trace
/// shows the system calls glibc makes.
pub fn abort(s: &mut Shims, m: &mut Machine<Shims>, _: Abort) -> VmResult<Ret> {
    s.trace_abort(m);
    Err(Stop::abort())
}

/// `malloc(3)`: zeroed memory; an impossible size is NULL with ENOMEM, as glibc does.
pub fn malloc(_: &mut Shims, m: &mut Machine<Shims>, a: Malloc) -> VmResult<Ret> {
    if a.size.0 > u32::MAX as u64 {
        m.set_errno(ENOMEM);
        return Ok(Ret::Value(0));
    }
    m.malloc(a.size.0).map(Ret::Value)
}

/// `free(3)`.
pub fn free(_: &mut Shims, m: &mut Machine<Shims>, a: Free) -> VmResult<Ret> {
    m.free(a.p.0)?;
    Ok(Ret::Value(0))
}

/// The calling thread's `errno`.
pub fn errno(_: &mut Shims, m: &mut Machine<Shims>, _: Errno) -> VmResult<Ret> {
    Ok(Ret::Value(m.errno() as u64))
}
