//! Argument checks of the epoll calls, in Linux's order, as pure functions of what the shim
//! knows about the arguments. Each returns the [`Errno`] Linux gives first. Every order below
//! was confirmed by probe `errors.c` (quoted as "probe: ...") on Linux 6.18.
//!
//! `epoll_ctl` (`do_epoll_ctl`, fs/eventpoll.c):
//! 1. op is not `EPOLL_CTL_DEL` and the event cannot be read → `EFAULT` (even for an invalid op;
//!    probe: "ctl op 99, bad event pointer, closed epfd: EFAULT"; "ctl DEL, bad event pointer,
//!    closed epfd: EBADF");
//! 2. `epfd` not open → `EBADF`; 3. `fd` not open → `EBADF`;
//! 4. `fd` cannot be polled → `EPERM` (probe: "ctl ADD, eventfd as epfd, regular file: EPERM",
//!    "ctl DEL, epoll, regular file: EPERM");
//! 5. `epfd` and `fd` are the same file (also via `dup`), or `epfd` is not an epoll → `EINVAL`;
//! 6. `EPOLLEXCLUSIVE` with MOD, or with ADD of an epoll fd or with a bit outside
//!    [`Events::EXCLUSIVE_OK`] → `EINVAL` (before the lookup: probe exclusive.c: "ADD
//!    EXCLUSIVE|RDHUP again (already registered): EINVAL", "MOD EXCLUSIVE|IN of an unregistered
//!    fd: EINVAL");
//! 7. ADD of an epoll fd that would loop or nest too deep → `ELOOP` (see [`super::nesting`]);
//! 8. the lookup: ADD of a registered key → `EEXIST`; MOD/DEL of an unregistered one → `ENOENT`;
//!    MOD of an exclusive interest → `EINVAL`; any other op → `EINVAL` (probe: "ctl op 99,
//!    registered: EINVAL", "ctl op 99, not registered: EINVAL").
//!
//! `epoll_wait`/`epoll_pwait`/`epoll_pwait2` (6.18 checks the fd first: probe "wait maxevents 0,
//! closed epfd, KERNEL buffer: EBADF"):
//! 1. `epoll_pwait2` only: the timeout cannot be read → `EFAULT`; it is not a valid timespec
//!    (`tv_sec < 0` or `tv_nsec` outside `0..1e9`) → `EINVAL`;
//! 2. a sigmask is given: `sigsetsize != 8` → `EINVAL`; it cannot be read → `EFAULT`;
//! 3. `epfd` not open → `EBADF`;
//! 4. `maxevents <= 0` or `> EP_MAX_EVENTS` → `EINVAL`;
//! 5. the buffer is not in user space (`access_ok`) → `EFAULT`;
//! 6. `epfd` is not an epoll → `EINVAL`.
//!
//! A buffer that is in user space but not writable (NULL, freed) only fails when an event is
//! copied out: see [`super::WaitBuffer`].

use super::errno::Errno;
use super::events::{EpollEvent, Events};
use spindle_fds::FdId;

pub const EPOLL_CTL_ADD: i32 = 1;
pub const EPOLL_CTL_DEL: i32 = 2;
pub const EPOLL_CTL_MOD: i32 = 3;
/// `EPOLL_CLOEXEC` (= `O_CLOEXEC`).
pub const EPOLL_CLOEXEC: i32 = 0o2000000;
/// `sizeof(struct epoll_event)` on x86-64 (packed).
pub const EPOLL_EVENT_SIZE: usize = 12;
/// `EP_MAX_EVENTS = INT_MAX / sizeof(struct epoll_event)` (probe: "wait maxevents INT_MAX/12 =
/// 178956970, NULL buffer, nothing ready: 0", "wait maxevents 178956971: EINVAL").
pub const EP_MAX_EVENTS: i32 = i32::MAX / EPOLL_EVENT_SIZE as i32;
/// The kernel's `sizeof(sigset_t)`: the only `sigsetsize` `epoll_pwait`/`epoll_pwait2` accept
/// (probe: "pwait sigsetsize 7: EINVAL", "pwait sigsetsize 16: EINVAL").
pub const SIGSET_SIZE: u64 = 8;

/// What the shim knows about an fd argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdArg {
    /// Not an open fd (negative, out of range, closed).
    Closed,
    Open(FileFacts),
}

/// An open fd's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFacts {
    pub id: FdId,
    /// An epoll instance.
    pub is_epoll: bool,
    /// Has a poll method (Linux `file_can_poll`): everything but regular files, directories and
    /// `/dev/null`-like devices (fds/probes/stdio.c: "epoll_ctl → EPERM").
    pub pollable: bool,
}

/// A validated `epoll_ctl` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtlOp {
    Add(EpollEvent),
    Mod(EpollEvent),
    Del,
}

/// Everything `epoll_ctl`'s checks look at.
#[derive(Debug, Clone, Copy)]
pub struct CtlCheck {
    pub op: i32,
    /// The `struct epoll_event` read from the guest, `None` if the pointer cannot be read.
    /// Ignored for `EPOLL_CTL_DEL` (which may pass NULL: probe "ctl DEL, NULL event pointer,
    /// registered: 0").
    pub event: Option<EpollEvent>,
    pub epfd: FdArg,
    pub fd: FdArg,
    /// `Some(exclusive)` when `(fd's description, fd number)` is in `epfd`'s interest list.
    pub registered: Option<bool>,
    /// The result of [`super::nesting::check_nesting`] for `epfd` watching `fd`; consulted only
    /// for ADD of an epoll fd.
    pub nesting: Result<(), Errno>,
}

fn has_event(op: i32) -> bool {
    op != EPOLL_CTL_DEL
}

/// `epoll_ctl`'s checks in Linux's order (module docs).
pub fn check_ctl(c: &CtlCheck) -> Result<CtlOp, Errno> {
    let event = if has_event(c.op) { Some(c.event.ok_or(Errno::Efault)?) } else { None };
    let FdArg::Open(ep) = c.epfd else { return Err(Errno::Ebadf) };
    let FdArg::Open(fd) = c.fd else { return Err(Errno::Ebadf) };
    if !fd.pollable {
        return Err(Errno::Eperm);
    }
    if ep.id == fd.id || !ep.is_epoll {
        return Err(Errno::Einval);
    }
    if let Some(ev) = event {
        let events = Events(ev.events);
        if events.contains(Events::EXCLUSIVE) {
            if c.op == EPOLL_CTL_MOD {
                return Err(Errno::Einval);
            }
            if c.op == EPOLL_CTL_ADD && (fd.is_epoll || !(events & !Events::EXCLUSIVE_OK).is_empty()) {
                return Err(Errno::Einval);
            }
        }
    }
    if c.op == EPOLL_CTL_ADD && fd.is_epoll {
        c.nesting?;
    }
    match (c.op, c.registered) {
        (EPOLL_CTL_ADD, None) => Ok(CtlOp::Add(event.expect("ADD has an event"))),
        (EPOLL_CTL_ADD, Some(_)) => Err(Errno::Eexist),
        (EPOLL_CTL_DEL, Some(_)) => Ok(CtlOp::Del),
        (EPOLL_CTL_MOD, Some(false)) => Ok(CtlOp::Mod(event.expect("MOD has an event"))),
        (EPOLL_CTL_MOD, Some(true)) => Err(Errno::Einval),
        (EPOLL_CTL_DEL | EPOLL_CTL_MOD, None) => Err(Errno::Enoent),
        _ => Err(Errno::Einval),
    }
}

/// `epoll_pwait`/`epoll_pwait2`'s signal mask argument, when not NULL (a NULL mask is not
/// checked at all: probe "pwait NULL mask, sigsetsize 7: 1"). A valid mask replaces the thread's
/// while it waits (`Shims::swap_mask`, by the caller: this module knows no threads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigmaskArg {
    pub sigsetsize: u64,
    /// The 8 bytes can be read.
    pub readable: bool,
}

/// Everything the checks of `epoll_wait` (both fields `None`), `epoll_pwait` (`timespec: None`)
/// and `epoll_pwait2` look at.
#[derive(Debug, Clone, Copy)]
pub struct WaitCheck {
    pub epfd: FdArg,
    pub maxevents: i32,
    /// `access_ok(events, maxevents * 12)`: the buffer lies below the end of x86-64 user space
    /// (`0x7ffffffff000`). NULL and unmapped user addresses pass (probe: "wait NULL buffer,
    /// nothing ready: 0", "wait BAD buffer, nothing ready: 0"); a kernel address or a buffer
    /// reaching past the end does not ("wait KERNEL buffer: EFAULT", "wait buffer ending past
    /// user space: EFAULT"). Spindle's own allocations always are; a guest reaches past the end
    /// only with an address made from an integer.
    pub buffer_in_user_space: bool,
    /// `Some` when a sigmask pointer is given.
    pub sigmask: Option<SigmaskArg>,
    /// `epoll_pwait2` with a timeout pointer: `Some(Some((tv_sec, tv_nsec)))`, or `Some(None)`
    /// when it cannot be read.
    pub timespec: Option<Option<(i64, i64)>>,
}

/// `epoll_wait`'s checks in Linux's order (module docs).
pub fn check_wait(w: &WaitCheck) -> Result<(), Errno> {
    if let Some(ts) = w.timespec {
        let (sec, nsec) = ts.ok_or(Errno::Efault)?;
        if !timespec_valid(sec, nsec) {
            return Err(Errno::Einval);
        }
    }
    if let Some(mask) = w.sigmask {
        if mask.sigsetsize != SIGSET_SIZE {
            return Err(Errno::Einval);
        }
        if !mask.readable {
            return Err(Errno::Efault);
        }
    }
    let FdArg::Open(ep) = w.epfd else { return Err(Errno::Ebadf) };
    if w.maxevents <= 0 || w.maxevents > EP_MAX_EVENTS {
        return Err(Errno::Einval);
    }
    if !w.buffer_in_user_space {
        return Err(Errno::Efault);
    }
    if !ep.is_epoll {
        return Err(Errno::Einval);
    }
    Ok(())
}

/// `timespec64_valid`: `tv_sec >= 0` and `0 <= tv_nsec < 1e9` (probe: "pwait2 timeout {-1,0}:
/// EINVAL", "{0,1000000000}: EINVAL", "{0,-1}: EINVAL", "{0,999999999}, ready: 1").
fn timespec_valid(sec: i64, nsec: i64) -> bool {
    sec >= 0 && (0..1_000_000_000).contains(&nsec)
}

/// `epoll_create(size)`: `size <= 0` → `EINVAL`, otherwise ignored (probe: "epoll_create(0):
/// EINVAL", "epoll_create(-1): EINVAL", "epoll_create(INT_MAX): ok").
pub fn check_create(size: i32) -> Result<(), Errno> {
    if size <= 0 {
        Err(Errno::Einval)
    } else {
        Ok(())
    }
}

/// `epoll_create1(flags)`: any bit but `EPOLL_CLOEXEC` → `EINVAL` (probe: "epoll_create1(1):
/// EINVAL", "epoll_create1(O_NONBLOCK): EINVAL", "epoll_create1(EPOLL_CLOEXEC|1): EINVAL").
/// Returns whether `FD_CLOEXEC` is set on the new fd ("epoll_create1(EPOLL_CLOEXEC): ok,
/// FD_CLOEXEC set"). The new epoll fd's `F_GETFL` is `O_RDWR` ("F_GETFL 0x2"); `read`/`write`
/// on it give `EINVAL`.
pub fn check_create1(flags: i32) -> Result<bool, Errno> {
    if flags & !EPOLL_CLOEXEC != 0 {
        Err(Errno::Einval)
    } else {
        Ok(flags & EPOLL_CLOEXEC != 0)
    }
}

/// How long a wait may block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Return at once (`timeout == 0`, or a zero timespec).
    NonBlocking,
    /// Block at most this many nanoseconds of virtual time.
    After(u64),
    /// Block until an event (any negative `timeout`: probe "wait timeout -2 / -1000 /
    /// -2147483648, a write after 50 ms: `[e:IN]`"; a NULL `epoll_pwait2` timeout).
    Forever,
}

/// `epoll_wait`/`epoll_pwait`'s `int timeout` in milliseconds.
pub fn timeout_from_ms(ms: i32) -> Timeout {
    match ms {
        0 => Timeout::NonBlocking,
        ms if ms < 0 => Timeout::Forever,
        ms => Timeout::After(ms as u64 * 1_000_000),
    }
}

/// `epoll_pwait2`'s timeout, already checked by [`check_wait`]: `None` = NULL pointer.
pub fn timeout_from_timespec(ts: Option<(i64, i64)>) -> Timeout {
    match ts {
        None => Timeout::Forever,
        Some((0, 0)) => Timeout::NonBlocking,
        Some((sec, nsec)) => Timeout::After((sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64)),
    }
}
