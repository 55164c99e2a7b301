//! `pipe`, `pipe2` — <https://man7.org/linux/man-pages/man2/pipe.2.html>.

use crate::abi::{FdPair, Out};
use crate::consts::errno::*;
use crate::consts::linux;
use crate::table::args::{Pipe, Pipe2};
use crate::{errno_of, fail, Shims};
use spindle_vm::{Machine, Ret, Stop, VmResult};

const O_NONBLOCK: u64 = linux::O_NONBLOCK as u64;
const O_CLOEXEC: u64 = linux::O_CLOEXEC as u64;
const O_DIRECT: u64 = linux::O_DIRECT as u64;
const O_NOTIFICATION_PIPE: u64 = 0o10000000;

/// `pipe(fds)`.
pub fn pipe(s: &mut Shims, m: &mut Machine<Shims>, a: Pipe) -> VmResult<Ret> {
    make_pipe(s, m, a.fds, 0)
}

/// `pipe2(fds, flags)`: `O_NONBLOCK`, `O_CLOEXEC`; other flags are EINVAL, except the packet
/// and notification modes, which Linux has and Spindle does not model.
pub fn pipe2(s: &mut Shims, m: &mut Machine<Shims>, a: Pipe2) -> VmResult<Ret> {
    make_pipe(s, m, a.fds, a.flags.bits())
}

fn make_pipe(s: &mut Shims, m: &mut Machine<Shims>, fds: Out<FdPair>, flags: u64) -> VmResult<Ret> {
    // As Linux's `do_pipe2`: an unknown flag fails the call before any flag is acted on, so
    // `pipe2(fds, -1)` is EINVAL, not an unsupported packet-mode pipe.
    if flags & !(O_NONBLOCK | O_CLOEXEC | O_DIRECT | O_NOTIFICATION_PIPE) != 0 {
        return fail(m, EINVAL);
    }
    if flags & O_DIRECT != 0 {
        return Err(Stop::unsupported("pipe2 with O_DIRECT (packet mode pipes)"));
    }
    if flags & O_NOTIFICATION_PIPE != 0 {
        return Err(Stop::unsupported("pipe2 with O_NOTIFICATION_PIPE"));
    }
    // Linux takes two fd numbers (EMFILE), creates the files, then copies the numbers out; if
    // that faults it closes them again: the guest sees EFAULT, no new fds, and whatever part
    // of the numbers fitted in the buffer (shims/probes/fd_scenarios/pipe2_flags.c: "pipe into
    // a 4-byte buffer: -1 EFAULT", "the 4-byte buffer holds: 16").
    let numbers = match crate::fd::two_free(s) {
        Ok(n) => n,
        Err(e) => return fail(m, e),
    };
    if !crate::fd::copy_out_pair(m, fds, numbers, 1)? {
        return fail(m, EFAULT);
    }
    match s.fds.pipe(flags & O_NONBLOCK != 0, flags & O_CLOEXEC != 0) {
        Ok(made) => {
            debug_assert_eq!(made, numbers, "the lowest free fds");
            Ok(Ret::Value(0))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}
