//! `socketpair`, `send`, `recv`, `shutdown` on `AF_UNIX` stream sockets —
//! <https://man7.org/linux/man-pages/man2/socketpair.2.html>,
//! <https://man7.org/linux/man-pages/man2/send.2.html>,
//! <https://man7.org/linux/man-pages/man2/recv.2.html>,
//! <https://man7.org/linux/man-pages/man2/shutdown.2.html>.

use crate::consts::errno::*;
use crate::consts::linux;
use crate::io::{ReadOp, WriteOp};
use crate::table::args::{Recv, Send, Shutdown, Socketpair};
use crate::wake::{Cause, Wakeups};
use crate::{errno_of, fail, Shims};
use spindle_fds::{DescriptionKind, Shutdown as Shut};
use spindle_vm::{Machine, Ret, Stop, VmResult};

const AF_UNSPEC: i32 = linux::AF_UNSPEC as i32;
const AF_UNIX: i32 = linux::AF_UNIX as i32;
const AF_INET: i32 = linux::AF_INET as i32;
const AF_INET6: i32 = linux::AF_INET6 as i32;
const SOCK_STREAM: u64 = linux::SOCK_STREAM as u64;
const SOCK_DGRAM: u64 = linux::SOCK_DGRAM as u64;
const SOCK_RAW: u64 = linux::SOCK_RAW as u64;
const SOCK_SEQPACKET: u64 = linux::SOCK_SEQPACKET as u64;
/// Types at or above this are `EINVAL` (`__sock_create`).
const SOCK_MAX: u64 = 11;
/// The type's low bits; the rest are flags.
const SOCK_TYPE_MASK: u64 = 0xf;
/// Domains at or above this do not exist (`EAFNOSUPPORT`).
const AF_MAX: i32 = 46;
const SOCK_NONBLOCK: u64 = linux::SOCK_NONBLOCK as u64;
const SOCK_CLOEXEC: u64 = linux::SOCK_CLOEXEC as u64;
const MSG_PEEK: u64 = linux::MSG_PEEK as u64;
const MSG_DONTWAIT: u64 = linux::MSG_DONTWAIT as u64;
const MSG_NOSIGNAL: u64 = linux::MSG_NOSIGNAL as u64;

/// `socketpair(domain, type, protocol, sv)`: `AF_UNIX` (`AF_LOCAL`) `SOCK_STREAM` with
/// `SOCK_NONBLOCK`/`SOCK_CLOEXEC`. The checks come in Linux 6.18's order (`__sys_socketpair`,
/// `__sock_create`, `unix_create`, `inet_create`; shims/probes/fd_scenarios/socketpair_args.c,
/// and every domain × type × protocol combination below probed natively):
/// 1. type flags other than `SOCK_NONBLOCK`/`SOCK_CLOEXEC` (bits above `SOCK_TYPE_MASK`) →
///    `EINVAL`;
/// 2. two free fd numbers → `EMFILE`;
/// 3. the numbers are stored in `sv` (two 4-byte `put_user`s) → `EFAULT` — so `sv` is written
///    even when a later check fails;
/// 4. a domain that cannot exist (negative, ≥ `AF_MAX`) → `EAFNOSUPPORT`;
/// 5. a type ≥ `SOCK_MAX` → `EINVAL`;
/// 6. per domain: `AF_UNIX` (below); `AF_INET`/`AF_INET6` ([`inet_socketpair`]: they have no
///    socket pairs, `EOPNOTSUPP` once a socket would exist); `AF_UNSPEC` → `EAFNOSUPPORT`; other
///    real domains depend on the kernel's modules and are unsupported;
/// 7. for `AF_UNIX`: a protocol other than 0 or `PF_UNIX` → `EPROTONOSUPPORT`; `SOCK_STREAM` is
///    modelled; `SOCK_DGRAM`, `SOCK_RAW` (a datagram socket) and `SOCK_SEQPACKET` exist on Linux
///    and are unsupported; other types → `ESOCKTNOSUPPORT`.
pub fn socketpair(s: &mut Shims, m: &mut Machine<Shims>, a: Socketpair) -> VmResult<Ret> {
    let (domain, ty, protocol, sv) = (a.domain.get(), a.r#type.0 as u64, a.protocol.0, a.sv);
    let base = ty & SOCK_TYPE_MASK;
    if ty & !SOCK_TYPE_MASK & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return fail(m, EINVAL);
    }
    let numbers = match crate::fd::two_free(s) {
        Ok(n) => n,
        Err(e) => return fail(m, e),
    };
    if !crate::fd::copy_out_pair(m, sv, numbers, 4)? {
        return fail(m, EFAULT);
    }
    if !(0..AF_MAX).contains(&domain) {
        return fail(m, EAFNOSUPPORT);
    }
    if base >= SOCK_MAX {
        return fail(m, EINVAL);
    }
    match domain {
        AF_UNIX => {}
        AF_UNSPEC => return fail(m, EAFNOSUPPORT),
        AF_INET | AF_INET6 => return inet_socketpair(m, domain, base, protocol),
        _ => return Err(Stop::unsupported(format!("socketpair with domain {domain}: only AF_UNIX is modelled"))),
    }
    if protocol != 0 && protocol != AF_UNIX {
        return fail(m, EPROTONOSUPPORT);
    }
    match base {
        SOCK_STREAM => {}
        SOCK_DGRAM => return Err(Stop::unsupported("socketpair with SOCK_DGRAM: only SOCK_STREAM is modelled")),
        SOCK_RAW => return Err(Stop::unsupported("socketpair with SOCK_RAW (an AF_UNIX datagram socket): only SOCK_STREAM is modelled")),
        SOCK_SEQPACKET => return Err(Stop::unsupported("socketpair with SOCK_SEQPACKET: only SOCK_STREAM is modelled")),
        _ => return fail(m, ESOCKTNOSUPPORT),
    }
    match s.fds.socketpair(ty & SOCK_NONBLOCK != 0, ty & SOCK_CLOEXEC != 0) {
        Ok(made) => {
            debug_assert_eq!(made, numbers, "the lowest free fds");
            Ok(Ret::Value(0))
        }
        Err(e) => fail(m, errno_of(e)),
    }
}

/// `socketpair` on `AF_INET`/`AF_INET6` (a type below `SOCK_MAX`): IP sockets have no pairs, so
/// the answer is `EOPNOTSUPP` once `inet_create` would have made the socket, or the error it
/// gives first. As this machine answers (probed on 6.18 as root, with the default
/// `net.ipv4.ping_group_range` "1 0"; every type 0..=10 × protocol {0, 1, 2, -1, 6, 17, 132,
/// 262, 263, 300}):
/// * `AF_INET` `SOCK_PACKET` (10) becomes an `AF_PACKET` socket → `EOPNOTSUPP` (an unprivileged
///   process would get `EPERM`);
/// * a protocol outside `0..IPPROTO_MAX` (263) → `EINVAL`;
/// * `SOCK_STREAM`: TCP (0, 6) and MPTCP (262) → `EOPNOTSUPP`, others `EPROTONOSUPPORT`;
/// * `SOCK_DGRAM`: UDP (0, 17) → `EOPNOTSUPP`; ping (`AF_INET` 1, `AF_INET6` 58) → `EACCES`
///   (no group may create ping sockets); others `EPROTONOSUPPORT`;
/// * `SOCK_RAW`: protocol 0 → `EPROTONOSUPPORT`, others `EOPNOTSUPP` (unprivileged: `EPERM`);
/// * any other type (SCTP's `SOCK_SEQPACKET` needs a module that is not loaded) →
///   `ESOCKTNOSUPPORT`.
fn inet_socketpair(m: &mut Machine<Shims>, domain: i32, base: u64, protocol: i32) -> VmResult<Ret> {
    const SOCK_PACKET: u64 = 10;
    const IPPROTO_MAX: i32 = 263;
    if domain == AF_INET && base == SOCK_PACKET {
        return fail(m, EOPNOTSUPP);
    }
    if !(0..IPPROTO_MAX).contains(&protocol) {
        return fail(m, EINVAL);
    }
    let ping = if domain == AF_INET { 1 } else { 58 };
    match base {
        SOCK_STREAM if matches!(protocol, 0 | 6 | 262) => fail(m, EOPNOTSUPP),
        SOCK_DGRAM if matches!(protocol, 0 | 17) => fail(m, EOPNOTSUPP),
        SOCK_DGRAM if protocol == ping => fail(m, EACCES),
        SOCK_STREAM | SOCK_DGRAM => fail(m, EPROTONOSUPPORT),
        SOCK_RAW if protocol == 0 => fail(m, EPROTONOSUPPORT),
        SOCK_RAW => fail(m, EOPNOTSUPP),
        _ => fail(m, ESOCKTNOSUPPORT),
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

/// `send(fd, buf, len, flags)`: `MSG_DONTWAIT`, `MSG_NOSIGNAL` (an `EPIPE` raises no SIGPIPE:
/// docs/syscalls.md, *Signals*).
pub fn send(s: &mut Shims, m: &mut Machine<Shims>, a: Send) -> VmResult<Ret> {
    let (fd, buf, len) = (a.fd.0, a.buf.0, a.len.0);
    let id = match socket_of(s, fd) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let flags = a.flags.bits();
    check_flags("send", flags, MSG_DONTWAIT | MSG_NOSIGNAL)?;
    if crate::fd::broken_before_copy(s, id, len) {
        if flags & MSG_NOSIGNAL == 0 {
            s.raise_sigpipe(m)?;
        }
        return fail(m, EPIPE);
    }
    let nonblock = flags & MSG_DONTWAIT != 0 || s.fds.status_flags(id).is_some_and(|f| f.nonblock);
    let data = match s.write_data(m, id, buf, len)? {
        Ok(d) => d,
        Err(e) => return fail(m, crate::fd::full_before_copy(s, id, nonblock, e)),
    };
    s.start_write(
        m,
        WriteOp { call: "send", fd, id, data, done: 0, send: true, nosignal: flags & MSG_NOSIGNAL != 0, resumed: false },
        nonblock,
    )
}

/// `recv(fd, buf, len, flags)`: `MSG_DONTWAIT`, `MSG_PEEK`; `MSG_NOSIGNAL` is accepted and does
/// nothing, as on Linux (no signal arises from receiving).
pub fn recv(s: &mut Shims, m: &mut Machine<Shims>, a: Recv) -> VmResult<Ret> {
    let fd = a.fd.0;
    let id = match socket_of(s, fd) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let flags = a.flags.bits();
    check_flags("recv", flags, MSG_DONTWAIT | MSG_PEEK | MSG_NOSIGNAL)?;
    let nonblock = flags & MSG_DONTWAIT != 0 || s.fds.status_flags(id).is_some_and(|f| f.nonblock);
    s.start_read(m, ReadOp { call: "recv", fd, id, buf: a.buf.0, count: a.len.0, recv: true, peek: flags & MSG_PEEK != 0 }, nonblock)
}

/// `shutdown(fd, how)`: half-close; both ends' readiness changes.
pub fn shutdown(s: &mut Shims, m: &mut Machine<Shims>, a: Shutdown) -> VmResult<Ret> {
    let id = match socket_of(s, a.fd.0) {
        Ok(id) => id,
        Err(e) => return fail(m, e),
    };
    let how = match a.how.get() {
        0 => Shut::Read,
        1 => Shut::Write,
        2 => Shut::Both,
        _ => return fail(m, EINVAL),
    };
    let r = s.fds.get_mut(id).map(|d| d.shutdown(how));
    let mut w = Wakeups::touched(id, s.fds.peer_of(id));
    if let (Some(on), Some(Ok(()))) = (s.on(id), &r) {
        w = w.after_shutdown(on);
    }
    s.notify(m, w, Cause::Thread)?;
    match r {
        Some(Ok(())) => Ok(Ret::Value(0)),
        Some(Err(e)) => fail(m, errno_of(e)),
        None => fail(m, EBADF),
    }
}
