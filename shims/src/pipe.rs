//! `pipe`, `pipe2` — <https://man7.org/linux/man-pages/man2/pipe.2.html>.

use crate::consts::errno::*;
use crate::{errno_of, fail, Shims};
use spindle_vm::{Machine, Ret, Stop, VmResult};

const O_NONBLOCK: u64 = 0o4000;
const O_CLOEXEC: u64 = 0o2000000;
const O_DIRECT: u64 = 0o40000;
const O_NOTIFICATION_PIPE: u64 = 0o10000000;

/// `pipe(fds)`.
pub fn pipe(s: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    make_pipe(s, m, a[0], 0)
}

/// `pipe2(fds, flags)`: `O_NONBLOCK`, `O_CLOEXEC`; other flags are EINVAL, except the packet
/// and notification modes, which Linux has and Spindle does not model.
pub fn pipe2(s: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    make_pipe(s, m, a[0], a[1] as u32 as u64)
}

fn make_pipe(s: &mut Shims, m: &mut Machine<Shims>, fds: u64, flags: u64) -> VmResult<Ret> {
    if flags & O_DIRECT != 0 {
        return Err(Stop::unsupported("pipe2 with O_DIRECT (packet mode pipes)"));
    }
    if flags & O_NOTIFICATION_PIPE != 0 {
        return Err(Stop::unsupported("pipe2 with O_NOTIFICATION_PIPE"));
    }
    if flags & !(O_NONBLOCK | O_CLOEXEC) != 0 {
        return fail(m, EINVAL);
    }
    // Linux creates the files, fails to copy the numbers out and closes them again: the guest
    // sees EFAULT and no new fds (shims/probes/fdcalls.c).
    if m.memory.writable_extent(fds) < 8 {
        return fail(m, EFAULT);
    }
    match s.fds.pipe(flags & O_NONBLOCK != 0, flags & O_CLOEXEC != 0) {
        Ok([r, w]) => {
            let mut bytes = [0u8; 8];
            bytes[..4].copy_from_slice(&r.to_le_bytes());
            bytes[4..].copy_from_slice(&w.to_le_bytes());
            m.write_guest(fds, &bytes)?;
            Ok(Ret::Value(0))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}
