//! `socketpair`, `send`, `recv`, `shutdown` on `AF_UNIX` stream sockets —
//! <https://man7.org/linux/man-pages/man2/socketpair.2.html>,
//! <https://man7.org/linux/man-pages/man2/send.2.html>,
//! <https://man7.org/linux/man-pages/man2/recv.2.html>,
//! <https://man7.org/linux/man-pages/man2/shutdown.2.html>.

use crate::consts::errno::*;
use crate::fd::int;
use crate::io::{ReadOp, WriteOp};
use crate::{errno_of, fail, Shims};
use spindle_fds::{DescriptionKind, Shutdown};
use spindle_vm::{Machine, Ret, Stop, VmResult};

const AF_UNIX: i32 = 1;
const AF_INET: i32 = 2;
const AF_INET6: i32 = 10;
const SOCK_STREAM: u64 = 1;
const SOCK_DGRAM: u64 = 2;
const SOCK_SEQPACKET: u64 = 5;
const SOCK_NONBLOCK: u64 = 0o4000;
const SOCK_CLOEXEC: u64 = 0o2000000;
const MSG_PEEK: u64 = 0x2;
const MSG_DONTWAIT: u64 = 0x40;
const MSG_NOSIGNAL: u64 = 0x4000;
const EAFNOSUPPORT: i64 = 97;
const EOPNOTSUPP: i64 = 95;
const EPROTONOSUPPORT: i64 = 93;
const ENOTSOCK: i64 = 88;

/// `socketpair(domain, type, protocol, sv)`: `AF_UNIX` (`AF_LOCAL`) `SOCK_STREAM` with
/// `SOCK_NONBLOCK`/`SOCK_CLOEXEC`. Errors as Linux checks them (shims/probes/fdcalls.c): an
/// unknown domain EAFNOSUPPORT, an IP domain EOPNOTSUPP, a bad type EINVAL, a protocol other
/// than 0 or `PF_UNIX` EPROTONOSUPPORT, a bad `sv` EFAULT. Datagram and seqpacket sockets exist
/// on Linux but are not modelled.
pub fn socketpair(s: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    let (domain, ty, protocol, sv) = (int(a[0]), a[1] as u32 as u64, int(a[2]), a[3]);
    match domain {
        AF_UNIX => {}
        AF_INET | AF_INET6 => return fail(m, EOPNOTSUPP),
        _ => return fail(m, EAFNOSUPPORT),
    }
    let base = ty & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
    match base {
        SOCK_STREAM => {}
        SOCK_DGRAM => return Err(Stop::unsupported("socketpair with SOCK_DGRAM: only SOCK_STREAM is modelled")),
        SOCK_SEQPACKET => return Err(Stop::unsupported("socketpair with SOCK_SEQPACKET: only SOCK_STREAM is modelled")),
        _ => return fail(m, EINVAL),
    }
    if protocol != 0 && protocol != AF_UNIX {
        return fail(m, EPROTONOSUPPORT);
    }
    if m.memory.writable_extent(sv) < 8 {
        return fail(m, EFAULT);
    }
    match s.fds.socketpair(ty & SOCK_NONBLOCK != 0, ty & SOCK_CLOEXEC != 0) {
        Ok([x, y]) => {
            let mut bytes = [0u8; 8];
            bytes[..4].copy_from_slice(&x.to_le_bytes());
            bytes[4..].copy_from_slice(&y.to_le_bytes());
            m.write_guest(sv, &bytes)?;
            Ok(Ret::Value(0))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

/// The socket an fd names, or the errno: EBADF, then ENOTSOCK.
fn socket_of(s: &Shims, fd: i32) -> Result<spindle_fds::FdId, i64> {
    let id = s.fds.lookup(fd).map_err(errno_of)?;
    match s.fds.get(id).map(|d| d.kind()) {
        Some(DescriptionKind::Socket) => Ok(id),
        _ => Err(ENOTSOCK),
    }
}

/// Refuses flags that Linux accepts but Spindle does not model, naming them.
fn check_flags(call: &str, flags: u64, allowed: u64) -> VmResult<()> {
    let extra = flags & !allowed;
    if extra == 0 {
        return Ok(());
    }
    let names: Vec<&str> = crate::consts::CONSTANTS
        .iter()
        .filter(|(n, v)| n.starts_with("MSG_") && *v as u64 & extra != 0 && (*v as u64).is_power_of_two())
        .map(|(n, _)| *n)
        .collect();
    let what = if names.is_empty() { format!("{extra:#x}") } else { names.join("|") };
    Err(Stop::unsupported(format!(
        "{call} with flags {what}: only MSG_DONTWAIT, MSG_NOSIGNAL{} are modelled",
        if call == "recv" { ", MSG_PEEK" } else { "" }
    )))
}

/// `send(fd, buf, len, flags)`: `MSG_DONTWAIT`, `MSG_NOSIGNAL` (SIGPIPE is never raised: see
/// docs/divergences.md).
pub fn send(s: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    let fd = int(a[0]);
    let id = match socket_of(s, fd) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let flags = a[3] as u32 as u64;
    check_flags("send", flags, MSG_DONTWAIT | MSG_NOSIGNAL)?;
    let data = match s.write_data(m, id, a[1], a[2])? {
        Ok(d) => d,
        Err(e) => return fail(m, e),
    };
    let nonblock = flags & MSG_DONTWAIT != 0 || s.fds.status_flags(id).is_some_and(|f| f.nonblock);
    s.start_write(m, WriteOp { call: "send", fd, id, data, done: 0, send: true }, nonblock)
}

/// `recv(fd, buf, len, flags)`: `MSG_DONTWAIT`, `MSG_PEEK`.
pub fn recv(s: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    let fd = int(a[0]);
    let id = match socket_of(s, fd) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let flags = a[3] as u32 as u64;
    check_flags("recv", flags, MSG_DONTWAIT | MSG_PEEK)?;
    let nonblock = flags & MSG_DONTWAIT != 0 || s.fds.status_flags(id).is_some_and(|f| f.nonblock);
    s.start_read(m, ReadOp { call: "recv", fd, id, buf: a[1], count: a[2], recv: true, peek: flags & MSG_PEEK != 0 }, nonblock)
}

/// `shutdown(fd, how)`: half-close; both ends' readiness changes.
pub fn shutdown(s: &mut Shims, m: &mut Machine<Shims>, a: &[u64]) -> VmResult<Ret> {
    let id = match socket_of(s, int(a[0])) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let how = match int(a[1]) {
        0 => Shutdown::Read,
        1 => Shutdown::Write,
        2 => Shutdown::Both,
        _ => return fail(m, EINVAL),
    };
    let r = s.fds.get_mut(id).map(|d| d.shutdown(how));
    s.changed_with_peer(m, id)?;
    match r {
        Some(Ok(())) => Ok(Ret::Value(0)),
        Some(Err(e)) => fail(m, errno_of(e)),
        None => fail(m, EBADF),
    }
}
