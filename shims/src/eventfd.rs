//! `eventfd` — <https://man7.org/linux/man-pages/man2/eventfd.2.html>.

use crate::consts::errno::*;
use crate::consts::linux;
use crate::table::args::Eventfd;
use crate::{errno_of, fail, Shims};
use spindle_vm::{Machine, Ret, VmResult};

const EFD_SEMAPHORE: u64 = linux::EFD_SEMAPHORE as u64;
const EFD_NONBLOCK: u64 = linux::EFD_NONBLOCK as u64;
const EFD_CLOEXEC: u64 = linux::EFD_CLOEXEC as u64;

/// `eventfd(initval, flags)`, with `eventfd2`'s flags. `initval` is an `unsigned int`; an
/// unknown flag is EINVAL (fds/probes/eventfd.c).
pub fn eventfd(s: &mut Shims, m: &mut Machine<Shims>, a: Eventfd) -> VmResult<Ret> {
    let flags = a.flags.bits();
    if flags & !(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) != 0 {
        return fail(m, EINVAL);
    }
    match s.fds.eventfd(a.initval.0, flags & EFD_SEMAPHORE != 0, flags & EFD_NONBLOCK != 0, flags & EFD_CLOEXEC != 0) {
        Ok(fd) => Ok(Ret::Value(fd as u64)),
        Err(e) => fail(m, errno_of(e)),
    }
}
