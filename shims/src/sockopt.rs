//! `ioctl` (`FIONREAD`, `FIONBIO`, `FIOCLEX`, `FIONCLEX`), `getsockopt` and `setsockopt`
//! (`SO_TYPE`, `SO_ERROR`, `SO_SNDBUF`, `SO_RCVBUF`). Every answer was confirmed on Linux 6.18
//! by the native twin of `programs/files/sockopts.mir`, shims/probes/file_scenarios/sockopts.c
//! (quoted as "probe: ...").

use crate::consts::errno::*;
use crate::consts::linux;
use crate::table::args::{Getsockopt, Ioctl, Setsockopt};
use crate::wake::{Cause, Wakeups};
use crate::{errno_of, fail, Shims};
use spindle_fds::{Description, FileKind, StatusFlags};
use spindle_vm::{Machine, Ret, Stop, VmResult};

const FIONREAD: u32 = linux::FIONREAD as u32;
const FIONBIO: u32 = linux::FIONBIO as u32;
/// `FIOCLEX`, `FIONCLEX` (asm-generic/ioctls.h).
const FIOCLEX: u32 = 0x5451;
const FIONCLEX: u32 = 0x5450;
const SOL_SOCKET: i32 = linux::SOL_SOCKET as i32;
const SO_TYPE: i32 = linux::SO_TYPE as i32;
const SO_ERROR: i32 = linux::SO_ERROR as i32;
const SO_SNDBUF: i32 = linux::SO_SNDBUF as i32;
const SO_RCVBUF: i32 = linux::SO_RCVBUF as i32;
/// `net.core.wmem_max` and `net.core.rmem_max` on the reference machine: `SO_SNDBUF` and
/// `SO_RCVBUF` clamp the requested size to them before doubling it.
pub const WMEM_MAX: u32 = 4_194_304;
pub const RMEM_MAX: u32 = 4_194_304;
/// `SOCK_MIN_SNDBUF` and `SOCK_MIN_RCVBUF` on x86-64: the least a doubled size can be.
const SOCK_MIN_SNDBUF: usize = 4608;
const SOCK_MIN_RCVBUF: usize = 2304;
/// The highest `SOL_SOCKET` option number Linux 6.18 has (`SO_RCVPRIORITY`): an option up to it
/// that Spindle does not model is unsupported; above it, `ENOPROTOOPT` as on Linux.
const SO_LINUX_MAX: i32 = 82;

/// `ioctl(2)` — <https://man7.org/linux/man-pages/man2/ioctl.2.html>, for the requests
/// `do_vfs_ioctl` serves for every file (`FIONBIO`, `FIOCLEX`, `FIONCLEX`, and `FIONREAD` on a
/// regular file) and `FIONREAD` on pipes and sockets (probe: "FIONREAD pipe: 0 n=5", also on
/// the write end). Other files have no `FIONREAD` (`ENOTTY`; an epoll fd `EINVAL`); other
/// requests are `ENOTTY` but on sockets, where Linux would try them (unsupported).
pub fn ioctl(s: &mut Shims, m: &mut Machine<Shims>, a: Ioctl) -> VmResult<Ret> {
    let fd = a.fd.0;
    let id = match s.fds.lookup(fd) {
        Ok(id) => id,
        Err(e) => return fail(m, errno_of(e)),
    };
    let req = a.request.0 as u32;
    match req {
        FIONBIO => {
            let Some(v) = m.read_guest(a.arg.0, 4)? else { return fail(m, EFAULT) };
            let on = i32::from_le_bytes([v[0], v[1], v[2], v[3]]) != 0;
            let flags = s.fds.status_flags(id).unwrap_or_default();
            if let Err(e) = s.fds.set_status_flags(fd, StatusFlags { nonblock: on, ..flags }) {
                return fail(m, errno_of(e));
            }
            Ok(Ret::Value(0))
        }
        FIOCLEX | FIONCLEX => match s.fds.set_cloexec(fd, req == FIOCLEX) {
            Ok(()) => Ok(Ret::Value(0)),
            Err(e) => fail(m, errno_of(e)),
        },
        FIONREAD => {
            let n = match s.fds.get(id) {
                Some(Description::Pipe(p)) => p.buffered() as u64,
                Some(Description::Socket(so)) => so.unread() as u64,
                Some(Description::File(f)) if matches!(f.kind(), FileKind::Regular { .. }) => f.unread(),
                Some(Description::Host(_)) if s.epolls.is_epoll(id) => return fail(m, EINVAL),
                _ => return fail(m, ENOTTY),
            };
            let n = n.min(i32::MAX as u64) as i32;
            if !m.write_guest(a.arg.0, &n.to_le_bytes())? {
                return fail(m, EFAULT);
            }
            Ok(Ret::Value(0))
        }
        _ => match s.fds.get(id) {
            Some(Description::Socket(_)) => Err(Stop::unsupported(format!("ioctl request {req:#x} on a socket: not modelled"))),
            Some(Description::Host(_)) if s.epolls.is_epoll(id) => fail(m, EINVAL),
            _ => fail(m, ENOTTY),
        },
    }
}

/// The socket `fd` names: `EBADF`, `ENOTSOCK` (probe: "getsockopt pipe: ENOTSOCK").
fn socket_of(s: &Shims, fd: i32) -> Result<spindle_fds::FdId, i64> {
    let id = s.fds.lookup(fd).map_err(errno_of)?;
    match s.fds.get(id) {
        Some(Description::Socket(_)) => Ok(id),
        _ => Err(ENOTSOCK),
    }
}

/// `getsockopt(2)` — <https://man7.org/linux/man-pages/man2/getsockopt.2.html>: `SO_TYPE`
/// (`SOCK_STREAM`), `SO_ERROR` (a pending `ECONNRESET`, consumed), `SO_SNDBUF`, `SO_RCVBUF`
/// (212992 at first, probe). The value is an `int`, cut to `*optlen` bytes if that is shorter,
/// and `*optlen` becomes what was written (probe: "SO_TYPE len 2: 0 v=1 l=2", "len 8: l=4").
pub fn getsockopt(s: &mut Shims, m: &mut Machine<Shims>, a: Getsockopt) -> VmResult<Ret> {
    let id = match socket_of(s, a.fd.0) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    // AF_UNIX stream sockets have no options of their own (probe: "getsockopt level 6: EOPNOTSUPP").
    if a.level.get() != SOL_SOCKET {
        return fail(m, EOPNOTSUPP);
    }
    let Some(len) = m.read_guest(a.optlen.0, 4)? else { return fail(m, EFAULT) };
    let len = i32::from_le_bytes([len[0], len[1], len[2], len[3]]);
    if len < 0 {
        return fail(m, EINVAL);
    }
    let opt = a.optname.get();
    let Some(Description::Socket(so)) = s.fds.get_mut(id) else { return fail(m, ENOTSOCK) };
    let value: i32 = match opt {
        SO_TYPE => linux::SOCK_STREAM as i32,
        SO_ERROR => {
            if so.take_error() {
                ECONNRESET as i32
            } else {
                0
            }
        }
        SO_SNDBUF => so.sndbuf() as i32,
        SO_RCVBUF => so.rcvbuf() as i32,
        1..=SO_LINUX_MAX => {
            return Err(Stop::unsupported(format!(
                "getsockopt(SOL_SOCKET, {opt}): only SO_TYPE, SO_ERROR, SO_SNDBUF and SO_RCVBUF are modelled"
            )))
        }
        _ => return fail(m, ENOPROTOOPT),
    };
    if opt == SO_ERROR {
        // Reading the error consumed it: readiness (EPOLLERR) may have changed.
        s.notify(m, Wakeups::touched(id, None).changed(Some(id)), Cause::Thread)?;
    }
    let n = (len as usize).min(4);
    if !m.write_guest(a.optval.0, &value.to_le_bytes()[..n])? || !m.write_guest(a.optlen.0, &(n as i32).to_le_bytes())? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// `setsockopt(2)`: `SO_SNDBUF` and `SO_RCVBUF` store twice the value (clamped to
/// `net.core.wmem_max`/`rmem_max` first, at least 4608/2304: probe "SO_SNDBUF 1000 -> 4608",
/// "100000 -> 200000", "1<<30 -> 8388608"); `SO_SNDBUF` then bounds how much a write may queue.
/// `SO_TYPE` and `SO_ERROR` are read-only (`ENOPROTOOPT`); `optlen < 4` is `EINVAL` and an
/// unreadable value `EFAULT`, whatever the option.
pub fn setsockopt(s: &mut Shims, m: &mut Machine<Shims>, a: Setsockopt) -> VmResult<Ret> {
    let id = match socket_of(s, a.fd.0) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    if a.level.get() != SOL_SOCKET {
        return fail(m, EOPNOTSUPP);
    }
    // `sk_setsockopt` reads the `int` before it looks at the option (probe: "l=1 o=3 v=(nil)
    // len=4: -1 14", "o=999 len=2: -1 22").
    if a.optlen.0 < 4 {
        return fail(m, EINVAL);
    }
    let Some(v) = m.read_guest(a.optval.0, 4)? else { return fail(m, EFAULT) };
    let opt = a.optname.get();
    match opt {
        SO_SNDBUF | SO_RCVBUF => {}
        SO_TYPE | SO_ERROR => return fail(m, ENOPROTOOPT),
        1..=SO_LINUX_MAX => {
            return Err(Stop::unsupported(format!("setsockopt(SOL_SOCKET, {opt}): only SO_SNDBUF and SO_RCVBUF are modelled")))
        }
        _ => return fail(m, ENOPROTOOPT),
    }
    let v = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
    let Some(Description::Socket(so)) = s.fds.get_mut(id) else { return fail(m, ENOTSOCK) };
    if opt == SO_SNDBUF {
        so.set_sndbuf((v.min(WMEM_MAX) as usize * 2).max(SOCK_MIN_SNDBUF));
    } else {
        so.set_rcvbuf((v.min(RMEM_MAX) as usize * 2).max(SOCK_MIN_RCVBUF));
    }
    // A larger send buffer can make the socket writable (Linux's sk_write_space).
    s.notify(m, Wakeups::touched(id, None).changed(Some(id)), Cause::Thread)?;
    Ok(Ret::Value(0))
}
