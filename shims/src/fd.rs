//! Calls on any file descriptor: `read`, `write`, `close`, `dup`, `dup2`, `dup3`, `fcntl`.

use crate::abi::{FdPair, Layout, Out};
use crate::consts::errno::*;
use crate::consts::linux;
use crate::io::{rw_range_ok, ReadOp, WriteOp};
use crate::table::args::{Close, Dup, Dup2, Dup3, Fcntl, Read, Write};
use crate::{errno_of, fail, Shims};
use spindle_fds::{Description, DescriptionKind, StatusFlags};
use spindle_vm::{Machine, Ret, Stop, VmResult};

/// A C `int` argument: the low 32 bits, as the kernel reads it.
pub(crate) fn int(v: u64) -> i32 {
    v as u32 as i32
}

/// The two lowest free fd numbers, which `pipe` and `socketpair` are about to take; `EMFILE`
/// if there are not two below the open-files limit (fds/probes/fdtable.c "one free: pipe:
/// EMFILE").
pub(crate) fn two_free(s: &Shims) -> Result<[i32; 2], i64> {
    // Not a scan from 0 with a lookup per number: with the table full that cost 20 000 lookups
    // per call (a guest calling `socketpair` in a loop ran ~1 ms per step).
    s.fds.two_lowest_free().ok_or(EMFILE)
}

/// Copies an `int[2]` of fd numbers out to the guest as the kernel does — `pipe` with one
/// `copy_to_user` of 8 bytes (`granule` 1: it stores every writable leading byte before it
/// faults), `socketpair` with two `put_user`s of 4 bytes (`granule` 4: each stores all or
/// nothing). Shims/probes/fd_scenarios: a 6-byte buffer gets 6 bytes from `pipe` and 4 from
/// `socketpair`, a 3-byte one 3 and 0. `Ok(false)` when not all 8 bytes could be written (the
/// call then fails with `EFAULT`).
pub(crate) fn copy_out_pair(m: &mut Machine<Shims>, out: Out<FdPair>, fds: [i32; 2], granule: u64) -> VmResult<bool> {
    let (addr, bytes) = (out.addr(), FdPair { first: fds[0], second: fds[1] }.to_bytes());
    let extent = m.memory.writable_extent(addr).min(FdPair::SIZE);
    let fits = (extent - extent % granule) as usize;
    if fits > 0 {
        m.write_guest(addr, &bytes[..fits])?;
    }
    Ok(fits as u64 == FdPair::SIZE)
}

const O_APPEND: u64 = linux::O_APPEND as u64;
const O_NONBLOCK: u64 = linux::O_NONBLOCK as u64;
const O_ASYNC: u64 = linux::O_ASYNC as u64;
const O_DIRECT: u64 = linux::O_DIRECT as u64;
/// The kernel's `O_LARGEFILE` (glibc defines it as 0 on x86-64, but `F_GETFL` reports this bit).
const O_LARGEFILE: u64 = 0o100000;
const O_NOATIME: u64 = linux::O_NOATIME as u64;
const O_CLOEXEC: u64 = linux::O_CLOEXEC as u64;
const FD_CLOEXEC: u64 = linux::FD_CLOEXEC as u64;
const F_DUPFD: i32 = linux::F_DUPFD as i32;
const F_GETFD: i32 = linux::F_GETFD as i32;
const F_SETFD: i32 = linux::F_SETFD as i32;
const F_GETFL: i32 = linux::F_GETFL as i32;
const F_SETFL: i32 = linux::F_SETFL as i32;
const F_DUPFD_CLOEXEC: i32 = linux::F_DUPFD_CLOEXEC as i32;
const F_GETPIPE_SZ: i32 = linux::F_GETPIPE_SZ as i32;
const F_SETPIPE_SZ: i32 = linux::F_SETPIPE_SZ as i32;

/// The other `fcntl` commands of Linux 6.18 (`include/uapi/linux/fcntl.h`,
/// `asm-generic/fcntl.h`): Linux would carry them out on a pipe, socket or eventfd (or answer
/// with an errno that depends on state Spindle does not model), so they are unsupported rather
/// than `EINVAL`. Not listed, because Linux answers `EINVAL` for every modelled description
/// (probed on 6.18): `F_CANCELLK` (1029), `F_GET_SEALS` (1034, not a memfd), and the removed
/// `F_GET_FILE_RW_HINT`/`F_SET_FILE_RW_HINT` (1037, 1038).
const LINUX_FCNTL_COMMANDS: &[(i32, &str)] = &[
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (1033, "F_ADD_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
];

/// `/proc/sys/fs/pipe-max-size` on the reference machine: `F_SETPIPE_SZ` above it is `EPERM`.
pub const PIPE_MAX_SIZE: u32 = 1 << 20;

/// `fcntl(fd, F_SETPIPE_SZ, size)` (`pipe_set_size`; shims/probes/file_scenarios/sockopts.c): the
/// size (an `unsigned int`) rounds up to a power-of-two number of pages, at least one ("5000:
/// 8192", "0: 4096", "100000: 131072"); above 2^31 it is `EINVAL` ("-1: EINVAL"); growing past
/// `pipe-max-size` is `EPERM` ("1<<20 + 1: EPERM"); fewer slots than the data occupies `EBUSY`
/// ("8192 with 10000 queued: EBUSY"); not a pipe `EBADF`. Returns the new capacity.
fn set_pipe_size(s: &mut Shims, m: &mut Machine<Shims>, id: spindle_fds::FdId, size: u32) -> VmResult<Ret> {
    let Some(current) = s.fds.get(id).and_then(|d| d.as_pipe()).map(|p| p.capacity()) else { return fail(m, EBADF) };
    let rounded = match size {
        s if s > 1 << 31 => return fail(m, EINVAL),
        s if s < 4096 => 4096,
        s => s.next_power_of_two(),
    };
    if rounded as usize > current && rounded > PIPE_MAX_SIZE {
        return fail(m, EPERM);
    }
    let r = match s.fds.get_mut(id) {
        Some(Description::Pipe(p)) => p.set_capacity(rounded as usize),
        _ => return fail(m, EBADF),
    };
    match r {
        Ok(n) => {
            // More or fewer free slots: the write end's readiness may have changed.
            let peer = s.fds.peer_of(id);
            s.notify(m, crate::wake::Wakeups::touched(id, peer).changed(Some(id)).changed(peer), crate::wake::Cause::Thread)?;
            Ok(Ret::Value(n as u64))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

/// `read(2)` — <https://man7.org/linux/man-pages/man2/read.2.html>.
pub fn read(s: &mut Shims, m: &mut Machine<Shims>, a: Read) -> VmResult<Ret> {
    let (fd, buf, count) = (a.fd.0, a.buf.0, a.count.0);
    let id = match s.fds.lookup(fd) {
        Ok(id) => id,
        Err(e) => return fail(m, errno_of(e)),
    };
    // The wrong direction is EBADF before the buffer is looked at, as for write (fds/probes
    // pipe.c "read len=0 on write end: EBADF"; shims/probes/fd_scenarios/fd_efault.c "read NULL
    // len=10 on the write end: -1 EBADF").
    let (readable, host) = s.fds.get(id).map_or((true, false), |d| (d.readable(), matches!(d, Description::Host(_))));
    if !readable {
        return fail(m, EBADF);
    }
    // Then, in `vfs_read`: no read method (an epoll fd) is EINVAL, and the whole range must be
    // user memory (tests/against_kernel.rs "a count past the end of user space").
    if host && !s.is_timerfd(id) && !s.is_signalfd(id) {
        return fail(m, EINVAL);
    }
    if !rw_range_ok(&m.memory, buf, count) {
        return fail(m, EFAULT);
    }
    let nonblock = s.fds.status_flags(id).is_some_and(|f| f.nonblock);
    s.start_read(m, ReadOp { call: "read", fd, id, buf, count, recv: false, peek: false }, nonblock)
}

/// `write(2)` — <https://man7.org/linux/man-pages/man2/write.2.html>.
pub fn write(s: &mut Shims, m: &mut Machine<Shims>, a: Write) -> VmResult<Ret> {
    let (fd, buf, count) = (a.fd.0, a.buf.0, a.count.0);
    let id = match s.fds.lookup(fd) {
        Ok(id) => id,
        Err(e) => return fail(m, errno_of(e)),
    };
    // What the checks below ask of the description, looked up once.
    let (writable, no_write_method, kind, is_file) = match s.fds.get(id) {
        Some(d) => (d.writable(), matches!(d, Description::Host(_)), Some(d.kind()), d.as_file().is_some()),
        None => (true, false, None, false),
    };
    let eventfd = kind == Some(DescriptionKind::EventFd);
    // The wrong direction is EBADF before the buffer is looked at (fds/probes pipe.c).
    if !writable {
        return fail(m, EBADF);
    }
    // Then, in `vfs_write`: no write method (epoll, timerfd) is EINVAL, and the whole range must
    // be user memory, before the file's own checks.
    if no_write_method {
        return fail(m, EINVAL);
    }
    if !rw_range_ok(&m.memory, buf, count) {
        return fail(m, EFAULT);
    }
    // (Only a file opened by name can discard writes, only a pipe or socket be broken, only a
    // file grow: the checks of other descriptions would find nothing.)
    if is_file && crate::files::discards_writes(s, id) {
        return Ok(Ret::Value(count.min(crate::io::MAX_RW_COUNT)));
    }
    if matches!(kind, Some(DescriptionKind::PipeWrite | DescriptionKind::Socket)) && broken_before_copy(s, id, count) {
        s.raise_sigpipe(m)?;
        return fail(m, EPIPE);
    }
    // An eventfd checks the length before it copies (eventfd_write: `count != 8` → EINVAL):
    // write(e, NULL, 9) is EINVAL, not EFAULT (shims/probes/fd_scenarios/eventfd_efault.c).
    if count != 8 && eventfd {
        return fail(m, EINVAL);
    }
    let nonblock = s.fds.status_flags(id).is_some_and(|f| f.nonblock);
    if is_file {
        s.file_growth(id, None, count.min(m.memory.readable_extent(buf)))?;
    }
    let data = match s.write_data(m, id, buf, count)? {
        Ok(d) => d,
        Err(e) => return fail(m, full_before_copy(s, id, nonblock, e)),
    };
    s.start_write(m, WriteOp { call: "write", fd, id, data, done: 0, send: false, nosignal: false, resumed: false }, nonblock)
}

/// Whether a write of `count` bytes to description `id` fails with `EPIPE` before the kernel
/// looks at the buffer: a pipe whose readers are gone (`pipe_write` checks `pipe->readers`
/// first) or a socket shut down for sending (`unix_stream_sendmsg` checks `SEND_SHUTDOWN`
/// first). So a bad buffer there is `EPIPE`, not `EFAULT` (shims/probes/fd_scenarios/fd_efault.c
/// "write NULL len=10 with no reader: -1 EPIPE", "send NULL len=10 after SHUT_WR: -1 EPIPE").
/// A zero-length write to such a pipe returns 0 (fds/probes/pipe.c), so only `count > 0` counts
/// there; a socket answers `EPIPE` even then, which the write itself reports.
pub(crate) fn broken_before_copy(s: &mut Shims, id: spindle_fds::FdId, count: u64) -> bool {
    match s.fds.get_mut(id) {
        Some(d) if d.kind() == DescriptionKind::PipeWrite => count > 0 && d.peer().is_none(),
        Some(d) if d.kind() == DescriptionKind::Socket => {
            // A zero-length write has no effect but reports the send-shutdown state.
            matches!(d.write(&[], &spindle_vm::clock::VClock::new()), Err(spindle_fds::IoError::BrokenPipe))
        }
        _ => false,
    }
}

/// The errno of a write whose buffer could not be read (`e`, EFAULT): a non-blocking socket
/// with no room says `EAGAIN` instead, because the kernel waits for room before it copies
/// (`sock_alloc_send_pskb`; spindle-diff fuzzer: "write(h2, NULL, 2)" on a full socket: kernel
/// EAGAIN). A blocking one would wait, then fault; Spindle faults at once. (A full pipe is
/// decided earlier, in `write_data`: EAGAIN unless the write starts by merging into the last slot.)
pub(crate) fn full_before_copy(s: &Shims, id: spindle_fds::FdId, nonblock: bool, e: i64) -> i64 {
    let full = s.fds.get(id).and_then(|d| d.as_socket()).is_some_and(|so| so.send_charge() >= so.sndbuf());
    if e == EFAULT && nonblock && full {
        EAGAIN
    } else {
        e
    }
}

/// `close(2)` — <https://man7.org/linux/man-pages/man2/close.2.html>. A thread blocked on the
/// description keeps it alive and is not woken, as on Linux.
pub fn close(s: &mut Shims, m: &mut Machine<Shims>, a: Close) -> VmResult<Ret> {
    match s.fds.close(a.fd.0) {
        Ok(destroyed) => {
            if let Some(d) = destroyed {
                s.destroyed(m, d)?;
            }
            Ok(Ret::Value(0))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

/// `dup(2)`.
pub fn dup(s: &mut Shims, m: &mut Machine<Shims>, a: Dup) -> VmResult<Ret> {
    match s.fds.dup(a.fd.0) {
        Ok(fd) => Ok(Ret::Value(fd as u64)),
        Err(e) => fail(m, errno_of(e)),
    }
}

/// `dup2(2)`: closing the fd it replaces may destroy a description.
pub fn dup2(s: &mut Shims, m: &mut Machine<Shims>, a: Dup2) -> VmResult<Ret> {
    let r = s.fds.dup2(a.old.0, a.new.0);
    dup_result(s, m, r)
}

/// `dup3(2)`: flags are `O_CLOEXEC` or nothing (EINVAL otherwise, and for `old == new`).
pub fn dup3(s: &mut Shims, m: &mut Machine<Shims>, a: Dup3) -> VmResult<Ret> {
    let flags = a.flags.bits();
    if flags & !O_CLOEXEC != 0 {
        return fail(m, EINVAL);
    }
    let r = s.fds.dup3(a.old.0, a.new.0, flags & O_CLOEXEC != 0);
    dup_result(s, m, r)
}

fn dup_result(
    s: &mut Shims,
    m: &mut Machine<Shims>,
    r: Result<(i32, Option<spindle_fds::Destroyed>), spindle_fds::IoError>,
) -> VmResult<Ret> {
    match r {
        Ok((fd, destroyed)) => {
            if let Some(d) = destroyed {
                s.destroyed(m, d)?;
            }
            Ok(Ret::Value(fd as u64))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

/// `fcntl(2)` — <https://man7.org/linux/man-pages/man2/fcntl.2.html>: the fd flags, the status
/// flags and duplication. An unknown command is EINVAL (after EBADF, shims/probes/fdcalls.c);
/// status flags Linux accepts but Spindle does not model are unsupported.
pub fn fcntl(s: &mut Shims, m: &mut Machine<Shims>, a: Fcntl) -> VmResult<Ret> {
    let fd = a.fd.0;
    let id = match s.fds.lookup(fd) {
        Ok(id) => id,
        Err(e) => return fail(m, errno_of(e)),
    };
    let (cmd, arg) = (a.cmd.get(), a.arg.0);
    let r = match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => s.fds.dup_min(fd, int(arg), cmd == F_DUPFD_CLOEXEC).map(|fd| fd as u64),
        F_GETFD => s.fds.cloexec(fd).map(|c| if c { FD_CLOEXEC } else { 0 }),
        F_SETFD => s.fds.set_cloexec(fd, arg & FD_CLOEXEC != 0).map(|()| 0),
        F_GETFL => s.fds.file_status(fd).map(|st| {
            st.accmode
                | if st.flags.nonblock { O_NONBLOCK } else { 0 }
                | if st.flags.append { O_APPEND } else { 0 }
                | if st.largefile { O_LARGEFILE } else { 0 }
        }),
        F_SETFL => {
            for (bit, name) in [(O_ASYNC, "O_ASYNC"), (O_DIRECT, "O_DIRECT"), (O_NOATIME, "O_NOATIME")] {
                if arg & bit != 0 {
                    return Err(Stop::unsupported(format!("fcntl(F_SETFL) with {name}: only O_NONBLOCK and O_APPEND are modelled")));
                }
            }
            // Access mode and creation flags are ignored, as Linux does.
            s.fds.set_status_flags(fd, StatusFlags { nonblock: arg & O_NONBLOCK != 0, append: arg & O_APPEND != 0 }).map(|()| 0)
        }
        F_GETPIPE_SZ => match s.fds.get(id).and_then(|d| d.as_pipe()) {
            Some(p) => Ok(p.capacity() as u64),
            None => return fail(m, EBADF),
        },
        F_SETPIPE_SZ => return set_pipe_size(s, m, id, arg as u32),
        cmd => match LINUX_FCNTL_COMMANDS.iter().find(|(c, _)| *c == cmd) {
            // A command Linux has: it would do something Spindle does not model.
            Some((_, name)) => return Err(Stop::unsupported(format!("fcntl command {name}: not modelled"))),
            None => return fail(m, EINVAL),
        },
    };
    match r {
        Ok(v) => Ok(Ret::Value(v)),
        Err(e) => fail(m, errno_of(e)),
    }
}
