//! Process-level calls: output, exit, the heap, errno.

use crate::consts::errno::*;
use crate::{fail, Shims};
use spindle_vm::{Machine, Ret, Stop, VmResult};
use std::io::Write;

/// `write(2)` — <https://man7.org/linux/man-pages/man2/write.2.html>.
/// Only fds 1 and 2 exist until the fd layer lands; a bad buffer is EFAULT, as the kernel says.
pub fn write(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    let (fd, buf, len) = (a[0] as i64 as i32, a[1], a[2]);
    if !(1..=2).contains(&fd) || a[0] as i64 != fd as i64 {
        return fail(m, EBADF);
    }
    if len == 0 {
        return Ok(Ret::Value(0));
    }
    let Ok(bytes) = m.memory.read_bytes(buf, len) else {
        return fail(m, EFAULT);
    };
    let out = if fd == 1 { &mut m.console.out } else { &mut m.console.err };
    // A closed host stream must not change what the guest sees.
    let _ = out.write_all(&bytes);
    Ok(Ret::Value(len))
}

/// `exit(3)`: ends the program with `status & 0xff`, whatever other threads do.
pub fn exit(_: &mut Shims, _m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    Err(Stop::exit(a[0] as u8))
}

/// `abort(3)`.
pub fn abort(_: &mut Shims, _m: &mut Machine<Shims>, _: &[u64]) -> VmResult<Ret> {
    Err(Stop::abort())
}

/// `malloc(3)`: zeroed memory; an impossible size is NULL with ENOMEM, as glibc does.
pub fn malloc(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    if a[0] > u32::MAX as u64 {
        m.set_errno(ENOMEM);
        return Ok(Ret::Value(0));
    }
    m.malloc(a[0]).map(Ret::Value)
}

/// `free(3)`.
pub fn free(_: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    m.free(a[0])?;
    Ok(Ret::Value(0))
}

/// The calling thread's `errno`.
pub fn errno(_: &mut Shims, m: &mut Machine<Shims>, _: &[u64]) -> VmResult<Ret> {
    Ok(Ret::Value(m.errno() as u64))
}
