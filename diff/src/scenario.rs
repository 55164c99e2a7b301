//! The scenario language: fd operations on symbolic handles.
//!
//! A scenario is a list of [`Op`]s. An operation that creates fds *binds handle slots*: `eventfd`,
//! `dup`, `dup2`, `dup3`, `fcntl(F_DUPFD…)` bind one, `pipe`/`socketpair` two (read end first /
//! `sv[0]` first). Slots are numbered in the order they are bound (`h0`, `h1`, …), whether the
//! call succeeds or not; a slot holds the fd number the call returned, or -1 if it failed. A
//! slot is a number, as in C: after `close(h0)` the slot still holds the old number, which is
//! either free (EBADF) or reused by a later call — both backends see the same thing.
//!
//! Fd operands ([`Fd`]) are a slot, a number relative to the first fd the scenario could get
//! (`base+k`, free or not), or an absolute number that is invalid everywhere (negative, or
//! beyond any open-files limit). fds 0–2 are never named: they are the test process's stdio on
//! the host and `/dev/null`-like in Spindle.
//!
//! Adding an operation is adding one variant and its arms in the `match`es over [`Op`]
//! ([`Op::binds`], [`Op::outs`], [`render_op`], `host::Run::call`, `vm::Gen::op`) and, for
//! random testing, in `gen::op`. Values a call writes besides its result (`poll`'s `revents`,
//! `select`'s sets, `fstat`'s mode and size, a socket option, a signal mask) go to
//! [`crate::Rec::out`], as many as [`Op::outs`] says. The epoll operations are such variants: `EpollCreate1` (binds a slot, recorded
//! like `eventfd`), `EpollCtl` (recorded like `close`) and `EpollWait` (timeout 0; its record's
//! [`crate::Rec::events`] holds the `(events, data)` list in order). Spindle runs them once its
//! shim table has the epoll calls ([`crate::vm::has_epoll`]); until then the suite's epoll
//! scenarios run against the kernel only and the generator leaves epoll out.
//!
//! Threads that block: `Park` starts a second thread making a blocking `read` or an `epoll_wait`
//! without a timeout (a real thread sharing the run's fd table on the kernel's side, a guest
//! thread in Spindle); after every later operation the kernel's side waits (bounded) until a call
//! that operation woke has returned, as Spindle completes a woken call within the waking one.
//! `Unpark` records the call's result — or that it still blocks, which ends the scenario on both
//! sides (the kernel's thread is then interrupted with a signal). At most one call is parked at a
//! time ([`Scenario::park_plan`]).

use std::fmt;

/// Linux x86-64 constants used by scenarios (the values of `<fcntl.h>`, `<sys/socket.h>` …),
/// from the generated table the shims use; `O_LARGEFILE` is the kernel's (glibc's is 0).
pub mod lx {
    // Values from the generated table (`spindle_shims::consts`), as the scenarios' types.
    use spindle_shims::consts::linux as c;
    pub const O_RDONLY: u32 = 0;
    pub const O_WRONLY: u32 = c::O_WRONLY as u32;
    pub const O_RDWR: u32 = c::O_RDWR as u32;
    pub const O_CREAT: u32 = c::O_CREAT as u32;
    pub const O_EXCL: u32 = c::O_EXCL as u32;
    pub const O_NOCTTY: u32 = c::O_NOCTTY as u32;
    pub const O_TRUNC: u32 = c::O_TRUNC as u32;
    pub const O_APPEND: u32 = c::O_APPEND as u32;
    pub const O_NONBLOCK: u32 = c::O_NONBLOCK as u32;
    pub const O_DSYNC: u32 = c::O_DSYNC as u32;
    pub const O_LARGEFILE: u32 = 0o100000;
    pub const O_CLOEXEC: u32 = c::O_CLOEXEC as u32;
    pub const EFD_SEMAPHORE: u32 = c::EFD_SEMAPHORE as u32;
    pub const EFD_NONBLOCK: u32 = c::EFD_NONBLOCK as u32;
    pub const EFD_CLOEXEC: u32 = c::EFD_CLOEXEC as u32;
    pub const AF_UNSPEC: i32 = c::AF_UNSPEC as i32;
    pub const AF_UNIX: i32 = c::AF_UNIX as i32;
    pub const AF_INET: i32 = c::AF_INET as i32;
    pub const AF_INET6: i32 = c::AF_INET6 as i32;
    pub const SOCK_STREAM: u32 = c::SOCK_STREAM as u32;
    pub const SOCK_NONBLOCK: u32 = c::SOCK_NONBLOCK as u32;
    pub const SOCK_CLOEXEC: u32 = c::SOCK_CLOEXEC as u32;
    pub const MSG_PEEK: u32 = c::MSG_PEEK as u32;
    pub const MSG_DONTWAIT: u32 = c::MSG_DONTWAIT as u32;
    pub const MSG_NOSIGNAL: u32 = c::MSG_NOSIGNAL as u32;
    pub const SHUT_RD: i64 = c::SHUT_RD as i64;
    pub const SHUT_WR: i64 = c::SHUT_WR as i64;
    pub const SHUT_RDWR: i64 = c::SHUT_RDWR as i64;
    pub const F_DUPFD: i32 = c::F_DUPFD as i32;
    pub const F_GETFD: i32 = c::F_GETFD as i32;
    pub const F_SETFD: i32 = c::F_SETFD as i32;
    pub const F_GETFL: i32 = c::F_GETFL as i32;
    pub const F_SETFL: i32 = c::F_SETFL as i32;
    pub const F_DUPFD_CLOEXEC: i32 = c::F_DUPFD_CLOEXEC as i32;
    pub const F_GETPIPE_SZ: i32 = c::F_GETPIPE_SZ as i32;
    pub const FD_CLOEXEC: u64 = c::FD_CLOEXEC as u64;
    pub const EPOLL_CLOEXEC: u32 = c::EPOLL_CLOEXEC as u32;
    pub const EPOLL_CTL_ADD: i32 = c::EPOLL_CTL_ADD as i32;
    pub const EPOLL_CTL_DEL: i32 = c::EPOLL_CTL_DEL as i32;
    pub const EPOLL_CTL_MOD: i32 = c::EPOLL_CTL_MOD as i32;
    pub const EPOLLIN: u32 = c::EPOLLIN as u32;
    pub const EPOLLPRI: u32 = c::EPOLLPRI as u32;
    pub const EPOLLOUT: u32 = c::EPOLLOUT as u32;
    pub const EPOLLERR: u32 = c::EPOLLERR as u32;
    pub const EPOLLHUP: u32 = c::EPOLLHUP as u32;
    pub const EPOLLRDHUP: u32 = c::EPOLLRDHUP as u32;
    pub const EPOLLEXCLUSIVE: u32 = c::EPOLLEXCLUSIVE as u32;
    pub const EPOLLWAKEUP: u32 = c::EPOLLWAKEUP as u32;
    pub const EPOLLONESHOT: u32 = c::EPOLLONESHOT as u32;
    pub const EPOLLET: u32 = c::EPOLLET as u32;
    pub const F_SETPIPE_SZ: i32 = c::F_SETPIPE_SZ as i32;
    pub const POLLIN: u16 = c::POLLIN as u16;
    pub const POLLPRI: u16 = c::POLLPRI as u16;
    pub const POLLOUT: u16 = c::POLLOUT as u16;
    pub const POLLERR: u16 = c::POLLERR as u16;
    pub const POLLHUP: u16 = c::POLLHUP as u16;
    pub const POLLNVAL: u16 = c::POLLNVAL as u16;
    pub const POLLRDNORM: u16 = c::POLLRDNORM as u16;
    pub const POLLRDBAND: u16 = c::POLLRDBAND as u16;
    pub const POLLWRNORM: u16 = c::POLLWRNORM as u16;
    pub const POLLWRBAND: u16 = c::POLLWRBAND as u16;
    pub const POLLRDHUP: u16 = c::POLLRDHUP as u16;
    pub const SEEK_SET: i32 = 0;
    pub const SEEK_CUR: i32 = 1;
    pub const SEEK_END: i32 = 2;
    pub const FIONREAD: u64 = c::FIONREAD as u64;
    pub const FIONBIO: u64 = c::FIONBIO as u64;
    pub const SOL_SOCKET: i32 = c::SOL_SOCKET as i32;
    pub const SO_TYPE: i32 = c::SO_TYPE as i32;
    pub const SO_ERROR: i32 = c::SO_ERROR as i32;
    pub const SO_SNDBUF: i32 = c::SO_SNDBUF as i32;
    pub const SO_RCVBUF: i32 = c::SO_RCVBUF as i32;
    pub const SIG_BLOCK: i32 = c::SIG_BLOCK as i32;
    pub const SIG_UNBLOCK: i32 = c::SIG_UNBLOCK as i32;
    pub const SIG_SETMASK: i32 = c::SIG_SETMASK as i32;
    pub const SIGKILL: i32 = c::SIGKILL as i32;
    pub const SIGUSR1: i32 = c::SIGUSR1 as i32;
    pub const SIGWINCH: i32 = c::SIGWINCH as i32;
    /// A real-time signal (queued once per send), clear of the two glibc keeps for itself.
    pub const SIGRT6: i32 = 40;
    pub const SA_RESTART: u32 = c::SA_RESTART as u32;
    pub const SFD_NONBLOCK: u32 = c::SFD_NONBLOCK as u32;
    pub const SFD_CLOEXEC: u32 = c::SFD_CLOEXEC as u32;
}

/// A handle slot.
pub type Slot = u16;

/// An fd operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fd {
    /// The number held by handle slot `h` (-1 if the slot is not bound yet).
    H(Slot),
    /// `base + k`: the k-th number from the first one the scenario could get (3 in Spindle),
    /// whatever it holds (`k` < 64).
    Rel(u8),
    /// An absolute number, invalid in both backends (negative, or ≥ any open-files limit).
    Abs(i32),
    /// Generator only: slot `p % n` of the `n` slots bound so far (`Rel(p % 8)` if none);
    /// [`Scenario::resolved`] turns it into `H`.
    Pick(u8),
    /// Generator only: like `Pick`, among the slots bound by `epoll_create1` (all slots if
    /// there are none).
    PickEpoll(u8),
}

/// What a `write`/`send` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Src {
    /// `len` bytes of the pattern buffer, at an offset that depends on the operation's index:
    /// printable bytes, zeros past the first 8192.
    Pattern,
    /// A 16-byte buffer holding the value (little-endian) and 8 zero bytes; `len` ≤ 16.
    Value(u64),
    /// A NULL buffer.
    Null,
}

/// An `fcntl` command and its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fcntl {
    GetFl,
    SetFl(u32),
    GetFd,
    SetFd(u64),
    /// `F_DUPFD` with the minimum as an fd operand (binds a slot).
    DupFd(Fd),
    /// `F_DUPFD_CLOEXEC` (binds a slot).
    DupFdCloexec(Fd),
    GetPipeSz,
    /// `F_SETPIPE_SZ` with its raw argument (the kernel reads an `unsigned int`).
    SetPipeSz(u64),
    /// Any other command, with its raw argument (only commands that are `EINVAL` on Linux for
    /// these descriptions: Spindle refuses the others as unsupported).
    Other(i32, u64),
}

/// One operation. Lengths are at most [`MAX_LEN`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `eventfd(init, flags)` — `init` is passed as a 64-bit value (the kernel reads an unsigned
    /// int). Binds one slot.
    EventFd {
        init: u64,
        flags: u32,
    },
    /// `pipe(fds)` (`flags: None`) or `pipe2(fds, flags)`; `null` passes a NULL array. Binds two
    /// slots: the read end, the write end.
    Pipe {
        flags: Option<u32>,
        null: bool,
    },
    /// `socketpair(domain, ty, proto, sv)`; `null` passes a NULL array. Binds two slots.
    SocketPair {
        domain: i32,
        ty: u32,
        proto: i32,
        null: bool,
    },
    /// `read(fd, buf, len)`, `buf` NULL if `null`.
    Read {
        fd: Fd,
        len: u32,
        null: bool,
    },
    /// `write(fd, src, len)`.
    Write {
        fd: Fd,
        len: u32,
        src: Src,
    },
    /// `recv(fd, buf, len, flags)`.
    Recv {
        fd: Fd,
        len: u32,
        flags: u32,
        null: bool,
    },
    /// `send(fd, src, len, flags)`.
    Send {
        fd: Fd,
        len: u32,
        src: Src,
        flags: u32,
    },
    Close {
        fd: Fd,
    },
    /// Binds one slot.
    Dup {
        fd: Fd,
    },
    /// Binds one slot.
    Dup2 {
        fd: Fd,
        to: Fd,
    },
    /// Binds one slot.
    Dup3 {
        fd: Fd,
        to: Fd,
        flags: u32,
    },
    Fcntl {
        fd: Fd,
        cmd: Fcntl,
    },
    /// `shutdown(fd, how)`; `how` is passed as a 64-bit value (the kernel reads an int).
    Shutdown {
        fd: Fd,
        how: i64,
    },
    /// `epoll_create1(flags)`. Binds one slot.
    EpollCreate1 {
        flags: u32,
    },
    /// `epoll_ctl(ep, op, fd, &event)` with `event = { events, data }`, or a NULL event.
    EpollCtl {
        ep: Fd,
        op: i32,
        fd: Fd,
        events: u32,
        data: u64,
        null: bool,
    },
    /// `epoll_wait(ep, events, max, 0)` into a buffer of [`MAX_EVENTS`] entries (`max` is at
    /// most that, or invalid: ≤ 0 or beyond `EP_MAX_EVENTS`).
    EpollWait {
        ep: Fd,
        max: i32,
    },
    /// A second thread makes `call` on `fd`, blocking (no `O_NONBLOCK` around it, an epoll wait
    /// without a timeout); the scenario goes on once the call has returned or sleeps in the
    /// kernel (Spindle: once the thread blocked). Records 0, or -2 if a call is parked already
    /// (then it does nothing). See [`Scenario::park_plan`].
    Park {
        fd: Fd,
        call: Parked,
    },
    /// Waits (bounded) for the parked call: records its result (and its data or events), -1000
    /// if it still blocks — the scenario stops there, on both sides — or -2 if nothing is parked.
    Unpark,
    /// `poll`/`ppoll` with a zero timeout over `fds` (each `(fd, events)`; `revents` start as
    /// 0x7777). Records the `revents` of every entry in [`crate::Rec::out`] when it succeeds.
    Poll {
        call: PollCall,
        fds: Vec<(Fd, u16)>,
    },
    /// `select(nfds, rd, wr, ex, &{0, 0})`: each set is `None` (a NULL pointer) or a mask whose
    /// bit `k` is fd `base + k`. Records the three sets it returns (NULL ones as 0), as masks
    /// relative to `base`, in [`crate::Rec::out`] when it succeeds.
    Select {
        nfds: i32,
        sets: [Option<u32>; 3],
    },
    /// `open(path, flags, 0600)`. Binds one slot.
    Open {
        path: Path,
        flags: u32,
    },
    /// `lseek(fd, offset, whence)`.
    Lseek {
        fd: Fd,
        offset: i64,
        whence: i32,
    },
    /// `fstat(fd, &st)`: records `[st_mode, st_size]` when it succeeds.
    Fstat {
        fd: Fd,
    },
    /// `ioctl(fd, FIONREAD, &n)` (records `n`, which starts as -7) or `ioctl(fd, FIONBIO, &v)`.
    Ioctl {
        fd: Fd,
        req: Ioctl,
    },
    /// `getsockopt(fd, level, name, &val, &len)` with an 8-byte `val` (0x7777… at first) and
    /// `len` as given: records `[val, len]` as they are afterwards.
    GetSockopt {
        fd: Fd,
        level: i32,
        name: i32,
        len: i32,
    },
    /// `setsockopt(fd, level, name, &val, len)` with `val` an `int` (then zeros).
    SetSockopt {
        fd: Fd,
        level: i32,
        name: i32,
        val: i32,
        len: i32,
    },
    /// `sigaction(sig, {handler, flags}, NULL)` (glibc's struct, an empty `sa_mask`).
    SigAction {
        sig: i32,
        handler: Handler,
        flags: u32,
    },
    /// `rt_sigprocmask(how, set, &old, 8)` (`set` NULL when `None`): records the old mask.
    SigMask {
        how: i32,
        set: Option<u64>,
    },
    /// Sends `sig` to this process (`kill(getpid(), sig)`), this thread (`raise`), or the
    /// parked thread (`pthread_kill`; records -2 if nothing is parked). A signal that reaches
    /// a handler has run it before the next operation, on both sides.
    Kill {
        sig: i32,
        to: KillTo,
    },
    /// Records `[log, pending]`: the handler's log (each run shifts it left by 6 bits and adds
    /// the signal's number) and `sigpending`'s mask.
    SigState,
    /// `signalfd4(fd, &mask, 8, flags)`. Binds one slot.
    SignalFd {
        fd: Fd,
        mask: u64,
        flags: u32,
    },
}

/// Which of the poll calls [`Op::Poll`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PollCall {
    /// `poll(fds, n, 0)`.
    Poll,
    /// `ppoll(fds, n, &{0, 0}, NULL)`.
    Ppoll,
    /// `ppoll(fds, n, &{0, 1000000000}, NULL)`: an invalid timeout.
    PpollBadTime,
    /// `poll(fds, 0x40000000, 0)`: `nfds` above `RLIMIT_NOFILE`.
    HugeNfds,
}

/// What [`Op::Open`] opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// `/dev/null`.
    DevNull,
    /// A regular file: `f` in a fresh empty directory of the kernel's side (removed at the
    /// end), `/f` in Spindle's in-memory file system.
    File,
}

/// An [`Op::Ioctl`] request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ioctl {
    FionRead,
    FionBio(i32),
}

/// The disposition [`Op::SigAction`] installs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handler {
    /// A handler that logs the signal (see [`Op::SigState`]).
    Log,
    Ign,
    Dfl,
}

/// Whom [`Op::Kill`] sends the signal to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KillTo {
    Process,
    Raise,
    Parked,
}

/// The blocking call a parked thread makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parked {
    /// `read(fd, buf, len)`.
    Read { len: u32 },
    /// `epoll_wait(fd, events, max, -1)`.
    EpollWait { max: i32 },
    /// `poll(&{fd, events}, 1, -1)`: records its `revents`.
    Poll { events: u16 },
}

/// What an operation does about the parked thread (see [`Scenario::park_plan`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParkRole {
    /// Not a `Park`/`Unpark`.
    None,
    /// A `Park` that starts a thread.
    Park(Parked),
    /// A `Park` or `Unpark` that does nothing (records -2).
    Ignored,
    /// An `Unpark` of a call of this kind.
    Unpark(Parked),
}

/// What `Unpark` records for a call that still blocks.
pub const STILL_BLOCKED: i64 = -1000;
/// What `Park`/`Unpark` record when they do nothing.
pub const PARK_IGNORED: i64 = -2;

/// The entries of `epoll_wait`'s event buffer.
pub const MAX_EVENTS: usize = 64;

/// The largest read or write length a scenario may use (both backends size their buffers by
/// the scenario, so a length never exceeds the buffer).
pub const MAX_LEN: u32 = 300_000;
/// Bytes of the pattern buffer that are not zero.
pub const PATTERN_BYTES: usize = 8192;
/// Write offsets into the pattern buffer are below this.
pub const PATTERN_SPAN: usize = 4096;

/// The offset into the pattern buffer at which operation `index` writes.
pub fn pattern_offset(index: usize) -> usize {
    (index * 263) % PATTERN_SPAN
}

/// The pattern buffer, `len` bytes: [`PATTERN_BYTES`] printable bytes, then zeros.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|i| {
            if i >= PATTERN_BYTES {
                return 0;
            }
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[(x % 62) as usize]
        })
        .collect()
}

impl Op {
    /// How many handle slots the operation binds.
    pub fn binds(&self) -> usize {
        match self {
            Op::EventFd { .. }
            | Op::Dup { .. }
            | Op::Dup2 { .. }
            | Op::Dup3 { .. }
            | Op::EpollCreate1 { .. }
            | Op::Open { .. }
            | Op::SignalFd { .. } => 1,
            Op::Fcntl { cmd: Fcntl::DupFd(_) | Fcntl::DupFdCloexec(_), .. } => 1,
            Op::Pipe { .. } | Op::SocketPair { .. } => 2,
            _ => 0,
        }
    }

    /// Whether a successful return value is an fd number.
    pub fn returns_fd(&self) -> bool {
        matches!(
            self,
            Op::EventFd { .. }
                | Op::Dup { .. }
                | Op::Dup2 { .. }
                | Op::Dup3 { .. }
                | Op::EpollCreate1 { .. }
                | Op::Open { .. }
                | Op::SignalFd { .. }
        ) || matches!(self, Op::Fcntl { cmd: Fcntl::DupFd(_) | Fcntl::DupFdCloexec(_), .. })
    }

    /// Whether the operation stores an fd pair (`pipe`, `socketpair`).
    pub fn returns_pair(&self) -> bool {
        matches!(self, Op::Pipe { .. } | Op::SocketPair { .. })
    }

    /// Whether the operation reads data into a buffer (recorded when it returns > 0).
    pub fn reads_data(&self) -> bool {
        matches!(self, Op::Read { null: false, .. } | Op::Recv { null: false, .. })
    }

    /// How many values the operation records in [`crate::Rec::out`] when it returned `ret`
    /// (the parked call's for an `Unpark`, given as `parked`).
    pub fn outs(&self, ret: i64, parked: Option<Parked>) -> usize {
        if let Some(p) = parked {
            return match p {
                Parked::Poll { .. } if ret >= 0 => 1,
                _ => 0,
            };
        }
        match self {
            Op::Poll { fds, .. } if ret >= 0 => fds.len(),
            Op::Select { .. } if ret >= 0 => 3,
            Op::Fstat { .. } if ret == 0 => 2,
            Op::Ioctl { req: Ioctl::FionRead, .. } => 1,
            Op::GetSockopt { .. } => 2,
            Op::SigMask { .. } => 1,
            Op::SigState => 2,
            _ => 0,
        }
    }

    /// Whether the operation transfers data and could block: it is run with `O_NONBLOCK` set
    /// around it if its description is blocking.
    pub fn guarded(&self) -> bool {
        matches!(self, Op::Read { .. } | Op::Write { .. } | Op::Recv { .. } | Op::Send { .. })
    }

    /// The data operation's fd operand.
    pub fn fd(&self) -> Option<Fd> {
        match *self {
            Op::Read { fd, .. }
            | Op::Write { fd, .. }
            | Op::Recv { fd, .. }
            | Op::Send { fd, .. }
            | Op::Close { fd }
            | Op::Dup { fd }
            | Op::Dup2 { fd, .. }
            | Op::Dup3 { fd, .. }
            | Op::Fcntl { fd, .. }
            | Op::Shutdown { fd, .. }
            | Op::EpollCtl { fd, .. }
            | Op::Park { fd, .. }
            | Op::Lseek { fd, .. }
            | Op::Fstat { fd }
            | Op::Ioctl { fd, .. }
            | Op::GetSockopt { fd, .. }
            | Op::SetSockopt { fd, .. }
            | Op::SignalFd { fd, .. } => Some(fd),
            _ => None,
        }
    }

    /// The largest buffer the operation reads into or writes from.
    pub fn buf_len(&self) -> u32 {
        match *self {
            Op::Read { len, .. } | Op::Write { len, .. } | Op::Recv { len, .. } | Op::Send { len, .. } => len,
            Op::Park { call: Parked::Read { len }, .. } => len,
            _ => 0,
        }
    }

    /// The operation's name, for grouping mismatches.
    pub fn name(&self) -> &'static str {
        match self {
            Op::EventFd { .. } => "eventfd",
            Op::Pipe { flags: None, .. } => "pipe",
            Op::Pipe { .. } => "pipe2",
            Op::SocketPair { .. } => "socketpair",
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Recv { .. } => "recv",
            Op::Send { .. } => "send",
            Op::Close { .. } => "close",
            Op::Dup { .. } => "dup",
            Op::Dup2 { .. } => "dup2",
            Op::Dup3 { .. } => "dup3",
            Op::Fcntl { cmd, .. } => match cmd {
                Fcntl::GetFl => "fcntl(F_GETFL)",
                Fcntl::SetFl(_) => "fcntl(F_SETFL)",
                Fcntl::GetFd => "fcntl(F_GETFD)",
                Fcntl::SetFd(_) => "fcntl(F_SETFD)",
                Fcntl::DupFd(_) => "fcntl(F_DUPFD)",
                Fcntl::DupFdCloexec(_) => "fcntl(F_DUPFD_CLOEXEC)",
                Fcntl::GetPipeSz => "fcntl(F_GETPIPE_SZ)",
                Fcntl::SetPipeSz(_) => "fcntl(F_SETPIPE_SZ)",
                Fcntl::Other(..) => "fcntl(other)",
            },
            Op::Shutdown { .. } => "shutdown",
            Op::EpollCreate1 { .. } => "epoll_create1",
            Op::EpollCtl { .. } => "epoll_ctl",
            Op::EpollWait { .. } => "epoll_wait",
            Op::Park { call: Parked::Read { .. }, .. } => "park(read)",
            Op::Park { call: Parked::EpollWait { .. }, .. } => "park(epoll_wait)",
            Op::Park { call: Parked::Poll { .. }, .. } => "park(poll)",
            Op::Unpark => "unpark",
            Op::Poll { call: PollCall::Poll, .. } => "poll",
            Op::Poll { call: PollCall::Ppoll, .. } => "ppoll",
            Op::Poll { call: PollCall::PpollBadTime, .. } => "ppoll(bad timeout)",
            Op::Poll { call: PollCall::HugeNfds, .. } => "poll(huge nfds)",
            Op::Select { .. } => "select",
            Op::Open { path: Path::DevNull, .. } => "open(/dev/null)",
            Op::Open { path: Path::File, .. } => "open(file)",
            Op::Lseek { .. } => "lseek",
            Op::Fstat { .. } => "fstat",
            Op::Ioctl { req: Ioctl::FionRead, .. } => "ioctl(FIONREAD)",
            Op::Ioctl { req: Ioctl::FionBio(_), .. } => "ioctl(FIONBIO)",
            Op::GetSockopt { .. } => "getsockopt",
            Op::SetSockopt { .. } => "setsockopt",
            Op::SigAction { .. } => "sigaction",
            Op::SigMask { .. } => "rt_sigprocmask",
            Op::Kill { to: KillTo::Process, .. } => "kill",
            Op::Kill { to: KillTo::Raise, .. } => "raise",
            Op::Kill { to: KillTo::Parked, .. } => "pthread_kill(parked)",
            Op::SigState => "sigstate",
            Op::SignalFd { .. } => "signalfd4",
        }
    }

    /// Applies `f` to every fd operand.
    pub fn map_fds(&mut self, mut f: impl FnMut(Fd) -> Fd) {
        match self {
            Op::Read { fd, .. }
            | Op::Write { fd, .. }
            | Op::Recv { fd, .. }
            | Op::Send { fd, .. }
            | Op::Close { fd }
            | Op::Dup { fd }
            | Op::Shutdown { fd, .. } => *fd = f(*fd),
            Op::Dup2 { fd, to } | Op::Dup3 { fd, to, .. } => {
                *fd = f(*fd);
                *to = f(*to);
            }
            Op::Fcntl { fd, cmd } => {
                *fd = f(*fd);
                if let Fcntl::DupFd(min) | Fcntl::DupFdCloexec(min) = cmd {
                    *min = f(*min);
                }
            }
            Op::EpollCtl { ep, fd, .. } => {
                *ep = f(*ep);
                *fd = f(*fd);
            }
            Op::EpollWait { ep, .. }
            | Op::Park { fd: ep, .. }
            | Op::Lseek { fd: ep, .. }
            | Op::Fstat { fd: ep }
            | Op::Ioctl { fd: ep, .. }
            | Op::GetSockopt { fd: ep, .. }
            | Op::SetSockopt { fd: ep, .. }
            | Op::SignalFd { fd: ep, .. } => *ep = f(*ep),
            Op::Poll { fds, .. } => {
                for (fd, _) in fds {
                    *fd = f(*fd);
                }
            }
            Op::EventFd { .. }
            | Op::Pipe { .. }
            | Op::SocketPair { .. }
            | Op::EpollCreate1 { .. }
            | Op::Unpark
            | Op::Select { .. }
            | Op::Open { .. }
            | Op::SigAction { .. }
            | Op::SigMask { .. }
            | Op::Kill { .. }
            | Op::SigState => {}
        }
    }
}

/// A named sequence of operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    pub name: String,
    pub ops: Vec<Op>,
}

impl Scenario {
    pub fn new(name: impl Into<String>) -> Self {
        Scenario { name: name.into(), ops: Vec::new() }
    }

    /// The number of slots the scenario binds.
    pub fn slots(&self) -> usize {
        self.ops.iter().map(Op::binds).sum()
    }

    /// What each operation does about the parked thread: at most one call is parked at a time,
    /// so a `Park` while one is, and an `Unpark` while none is, do nothing. (Both backends follow
    /// this plan; it depends on the operations alone.)
    pub fn park_plan(&self) -> Vec<ParkRole> {
        let mut parked = None;
        self.ops
            .iter()
            .map(|op| match (op, parked) {
                (Op::Park { call, .. }, None) => {
                    parked = Some(*call);
                    ParkRole::Park(*call)
                }
                (Op::Unpark, Some(call)) => {
                    parked = None;
                    ParkRole::Unpark(call)
                }
                (Op::Park { .. } | Op::Unpark, _) => ParkRole::Ignored,
                _ => ParkRole::None,
            })
            .collect()
    }

    /// For each operation, the call parked while it runs (after a `Park` that starts one,
    /// until the `Unpark` that ends it).
    pub fn parked_during(&self) -> Vec<Option<Parked>> {
        let mut now = None;
        self.park_plan()
            .into_iter()
            .map(|role| {
                match role {
                    ParkRole::Park(call) => now = Some(call),
                    ParkRole::Unpark(_) => now = None,
                    _ => {}
                }
                now
            })
            .collect()
    }

    /// Whether the scenario touches signal state (the kernel's side then runs it in a process
    /// of its own).
    pub fn uses_signals(&self) -> bool {
        self.ops.iter().any(|o| matches!(o, Op::SigAction { .. } | Op::SigMask { .. } | Op::Kill { .. } | Op::SignalFd { .. }))
    }

    /// Whether the scenario opens a regular file (the kernel's side then makes a directory for
    /// it).
    pub fn uses_files(&self) -> bool {
        self.ops.iter().any(|o| matches!(o, Op::Open { path: Path::File, .. }))
    }

    /// The largest length any operation uses.
    pub fn max_len(&self) -> usize {
        self.ops.iter().map(|o| o.buf_len() as usize).max().unwrap_or(0)
    }

    /// The scenario with every `Fd::Pick` replaced by the slot it names.
    pub fn resolved(&self) -> Scenario {
        let mut bound = 0usize;
        let mut epolls: Vec<Slot> = Vec::new();
        let ops = self
            .ops
            .iter()
            .map(|op| {
                let mut op = op.clone();
                op.map_fds(|fd| match fd {
                    Fd::PickEpoll(p) if !epolls.is_empty() => Fd::H(epolls[p as usize % epolls.len()]),
                    Fd::Pick(p) | Fd::PickEpoll(p) if bound == 0 => Fd::Rel(p % 8),
                    Fd::Pick(p) | Fd::PickEpoll(p) => Fd::H((p as usize % bound) as Slot),
                    other => other,
                });
                if matches!(op, Op::EpollCreate1 { .. }) {
                    epolls.push(bound as Slot);
                }
                bound += op.binds();
                op
            })
            .collect();
        Scenario { name: self.name.clone(), ops }
    }

    /// The scenario without operation `i`: slots bound after it are renumbered, and operands
    /// that named the slots it bound become -1.
    pub fn without(&self, i: usize) -> Scenario {
        let first: usize = self.ops[..i].iter().map(Op::binds).sum();
        let n = self.ops[i].binds();
        let mut ops = self.ops.clone();
        ops.remove(i);
        for op in &mut ops[i..] {
            op.map_fds(|fd| match fd {
                Fd::H(h) if (h as usize) >= first + n => Fd::H(h - n as Slot),
                Fd::H(h) if (h as usize) >= first => Fd::Abs(-1),
                other => other,
            });
        }
        Scenario { name: self.name.clone(), ops }
    }

    /// The slot index the next binding operation's first slot gets.
    fn next_slot(&self) -> Slot {
        self.slots() as Slot
    }

    fn push1(&mut self, op: Op) -> Fd {
        let h = self.next_slot();
        self.ops.push(op);
        Fd::H(h)
    }

    fn push2(&mut self, op: Op) -> (Fd, Fd) {
        let h = self.next_slot();
        self.ops.push(op);
        (Fd::H(h), Fd::H(h + 1))
    }

    // ---- builder: each method appends one operation and returns the handles it binds ----

    pub fn eventfd(&mut self, init: u64, flags: u32) -> Fd {
        self.push1(Op::EventFd { init, flags })
    }
    /// `pipe2(fds, flags)`: (read end, write end).
    pub fn pipe2(&mut self, flags: u32) -> (Fd, Fd) {
        self.push2(Op::Pipe { flags: Some(flags), null: false })
    }
    /// `pipe(fds)`: (read end, write end).
    pub fn pipe(&mut self) -> (Fd, Fd) {
        self.push2(Op::Pipe { flags: None, null: false })
    }
    pub fn pipe2_null(&mut self, flags: u32) -> (Fd, Fd) {
        self.push2(Op::Pipe { flags: Some(flags), null: true })
    }
    /// `socketpair(AF_UNIX, ty, 0, sv)`.
    pub fn socketpair(&mut self, ty: u32) -> (Fd, Fd) {
        self.socketpair_args(lx::AF_UNIX, ty, 0)
    }
    pub fn socketpair_args(&mut self, domain: i32, ty: u32, proto: i32) -> (Fd, Fd) {
        self.push2(Op::SocketPair { domain, ty, proto, null: false })
    }
    pub fn socketpair_null(&mut self, ty: u32) -> (Fd, Fd) {
        self.push2(Op::SocketPair { domain: lx::AF_UNIX, ty, proto: 0, null: true })
    }
    pub fn read(&mut self, fd: Fd, len: u32) {
        self.ops.push(Op::Read { fd, len, null: false });
    }
    pub fn read_null(&mut self, fd: Fd, len: u32) {
        self.ops.push(Op::Read { fd, len, null: true });
    }
    /// Writes `len` pattern bytes.
    pub fn write(&mut self, fd: Fd, len: u32) {
        self.ops.push(Op::Write { fd, len, src: Src::Pattern });
    }
    /// Writes the 8-byte value `v` (an eventfd add).
    pub fn write_u64(&mut self, fd: Fd, v: u64) {
        self.ops.push(Op::Write { fd, len: 8, src: Src::Value(v) });
    }
    /// Writes `len` bytes of a 16-byte buffer holding `v` then zeros.
    pub fn write_u64_len(&mut self, fd: Fd, v: u64, len: u32) {
        assert!(len <= 16, "a value buffer has 16 bytes");
        self.ops.push(Op::Write { fd, len, src: Src::Value(v) });
    }
    pub fn write_null(&mut self, fd: Fd, len: u32) {
        self.ops.push(Op::Write { fd, len, src: Src::Null });
    }
    pub fn recv(&mut self, fd: Fd, len: u32, flags: u32) {
        self.ops.push(Op::Recv { fd, len, flags, null: false });
    }
    pub fn recv_null(&mut self, fd: Fd, len: u32, flags: u32) {
        self.ops.push(Op::Recv { fd, len, flags, null: true });
    }
    pub fn send(&mut self, fd: Fd, len: u32, flags: u32) {
        self.ops.push(Op::Send { fd, len, src: Src::Pattern, flags });
    }
    pub fn send_null(&mut self, fd: Fd, len: u32, flags: u32) {
        self.ops.push(Op::Send { fd, len, src: Src::Null, flags });
    }
    pub fn close(&mut self, fd: Fd) {
        self.ops.push(Op::Close { fd });
    }
    pub fn dup(&mut self, fd: Fd) -> Fd {
        self.push1(Op::Dup { fd })
    }
    pub fn dup2(&mut self, fd: Fd, to: Fd) -> Fd {
        self.push1(Op::Dup2 { fd, to })
    }
    pub fn dup3(&mut self, fd: Fd, to: Fd, flags: u32) -> Fd {
        self.push1(Op::Dup3 { fd, to, flags })
    }
    pub fn getfl(&mut self, fd: Fd) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::GetFl });
    }
    pub fn setfl(&mut self, fd: Fd, flags: u32) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::SetFl(flags) });
    }
    pub fn getfd(&mut self, fd: Fd) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::GetFd });
    }
    pub fn setfd(&mut self, fd: Fd, arg: u64) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::SetFd(arg) });
    }
    pub fn dupfd(&mut self, fd: Fd, min: Fd) -> Fd {
        self.push1(Op::Fcntl { fd, cmd: Fcntl::DupFd(min) })
    }
    pub fn dupfd_cloexec(&mut self, fd: Fd, min: Fd) -> Fd {
        self.push1(Op::Fcntl { fd, cmd: Fcntl::DupFdCloexec(min) })
    }
    pub fn getpipe_sz(&mut self, fd: Fd) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::GetPipeSz });
    }
    pub fn fcntl_other(&mut self, fd: Fd, cmd: i32, arg: u64) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::Other(cmd, arg) });
    }
    pub fn shutdown(&mut self, fd: Fd, how: i64) {
        self.ops.push(Op::Shutdown { fd, how });
    }
    pub fn epoll_create1(&mut self, flags: u32) -> Fd {
        self.push1(Op::EpollCreate1 { flags })
    }
    pub fn epoll_ctl(&mut self, ep: Fd, op: i32, fd: Fd, events: u32, data: u64) {
        self.ops.push(Op::EpollCtl { ep, op, fd, events, data, null: false });
    }
    pub fn epoll_ctl_null(&mut self, ep: Fd, op: i32, fd: Fd) {
        self.ops.push(Op::EpollCtl { ep, op, fd, events: 0, data: 0, null: true });
    }
    pub fn epoll_wait(&mut self, ep: Fd, max: i32) {
        self.ops.push(Op::EpollWait { ep, max });
    }
    /// A second thread blocks in `read(fd, buf, len)` (see [`Op::Park`]).
    pub fn park_read(&mut self, fd: Fd, len: u32) {
        self.ops.push(Op::Park { fd, call: Parked::Read { len } });
    }
    /// A second thread blocks in `epoll_wait(ep, evs, max, -1)`.
    pub fn park_epoll_wait(&mut self, ep: Fd, max: i32) {
        self.ops.push(Op::Park { fd: ep, call: Parked::EpollWait { max } });
    }
    /// A second thread blocks in `poll(&{fd, events}, 1, -1)`.
    pub fn park_poll(&mut self, fd: Fd, events: u16) {
        self.ops.push(Op::Park { fd, call: Parked::Poll { events } });
    }
    /// The parked call's result (see [`Op::Unpark`]).
    pub fn unpark(&mut self) {
        self.ops.push(Op::Unpark);
    }
    /// `poll(fds, n, 0)`.
    pub fn poll(&mut self, fds: &[(Fd, u16)]) {
        self.ops.push(Op::Poll { call: PollCall::Poll, fds: fds.to_vec() });
    }
    /// `poll`/`ppoll` as `call` says.
    pub fn poll_call(&mut self, call: PollCall, fds: &[(Fd, u16)]) {
        self.ops.push(Op::Poll { call, fds: fds.to_vec() });
    }
    /// `select(nfds, …, &{0, 0})` with base-relative masks (`None`: a NULL set).
    pub fn select(&mut self, nfds: i32, rd: Option<u32>, wr: Option<u32>, ex: Option<u32>) {
        self.ops.push(Op::Select { nfds, sets: [rd, wr, ex] });
    }
    pub fn open(&mut self, path: Path, flags: u32) -> Fd {
        self.push1(Op::Open { path, flags })
    }
    pub fn lseek(&mut self, fd: Fd, offset: i64, whence: i32) {
        self.ops.push(Op::Lseek { fd, offset, whence });
    }
    pub fn fstat(&mut self, fd: Fd) {
        self.ops.push(Op::Fstat { fd });
    }
    pub fn fionread(&mut self, fd: Fd) {
        self.ops.push(Op::Ioctl { fd, req: Ioctl::FionRead });
    }
    pub fn fionbio(&mut self, fd: Fd, v: i32) {
        self.ops.push(Op::Ioctl { fd, req: Ioctl::FionBio(v) });
    }
    pub fn getsockopt(&mut self, fd: Fd, level: i32, name: i32, len: i32) {
        self.ops.push(Op::GetSockopt { fd, level, name, len });
    }
    pub fn setsockopt(&mut self, fd: Fd, level: i32, name: i32, val: i32, len: i32) {
        self.ops.push(Op::SetSockopt { fd, level, name, val, len });
    }
    pub fn setpipe_sz(&mut self, fd: Fd, arg: u64) {
        self.ops.push(Op::Fcntl { fd, cmd: Fcntl::SetPipeSz(arg) });
    }
    pub fn sigaction(&mut self, sig: i32, handler: Handler, flags: u32) {
        self.ops.push(Op::SigAction { sig, handler, flags });
    }
    pub fn sigmask(&mut self, how: i32, set: Option<u64>) {
        self.ops.push(Op::SigMask { how, set });
    }
    pub fn kill(&mut self, sig: i32, to: KillTo) {
        self.ops.push(Op::Kill { sig, to });
    }
    pub fn sigstate(&mut self) {
        self.ops.push(Op::SigState);
    }
    pub fn signalfd(&mut self, fd: Fd, mask: u64, flags: u32) -> Fd {
        self.push1(Op::SignalFd { fd, mask, flags })
    }
    /// Whether the scenario uses epoll.
    pub fn uses_epoll(&self) -> bool {
        self.ops.iter().any(|o| matches!(o, Op::EpollCreate1 { .. } | Op::EpollCtl { .. } | Op::EpollWait { .. }))
    }
    /// Appends `n` copies of an operation.
    pub fn repeat(&mut self, n: usize, op: Op) {
        assert_eq!(op.binds(), 0, "repeat only operations that bind nothing");
        for _ in 0..n {
            self.ops.push(op.clone());
        }
    }
}

// ---- rendering ------------------------------------------------------------------------------

// The names are the trace's (`spindle_shims::trace::decode`): one table per flag group, in
// strace's order, for the shims, the trace and this listing.
use spindle_shims::trace::decode::{self as names, EFD_FLAGS, EPOLL_CREATE_FLAGS, MSG_FLAGS, O_FLAGS};

fn flags(v: u64, table: &names::FlagNames, zero: &str) -> String {
    names::flags(v, table, zero)
}

/// Renders an epoll event mask.
pub fn epoll_events(v: u32) -> String {
    flags(v as u64, names::EPOLL_EVENTS, "0")
}

/// Renders a poll event mask.
pub fn poll_events(v: u16) -> String {
    flags(v as u64, names::POLL_EVENTS, "0")
}

fn sock_level(v: i32) -> String {
    names::enumerated(v as i64, names::SOCK_LEVELS)
}

fn sock_opt(v: i32) -> String {
    names::enumerated(v as i64, names::SOCK_OPTS)
}

/// Renders the flag word of an fcntl `F_GETFL` result.
pub fn o_flags(v: i64) -> String {
    names::open_flags(v as u64)
}

impl fmt::Display for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fd::H(h) => write!(f, "h{h}"),
            Fd::Rel(k) => write!(f, "base+{k}"),
            Fd::Abs(v) => write!(f, "{v}"),
            Fd::Pick(p) => write!(f, "pick{p}"),
            Fd::PickEpoll(p) => write!(f, "pick_epoll{p}"),
        }
    }
}

impl fmt::Display for Src {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Src::Pattern => write!(f, "pat"),
            Src::Value(v) => write!(f, "&u64({v:#x})"),
            Src::Null => write!(f, "NULL"),
        }
    }
}

fn domain(d: i32) -> String {
    names::enumerated(d as i64, names::DOMAINS)
}

fn sock_type(t: u32) -> String {
    names::sock_type(t as u64)
}

fn how(h: i64) -> String {
    names::enumerated(h, names::SHUT_HOW)
}

/// Renders an operation, with the slots it binds starting at `slot`.
pub fn render_op(op: &Op, slot: usize) -> String {
    let lhs = match op.binds() {
        1 => format!("h{slot} = "),
        2 => format!("h{},h{} = ", slot, slot + 1),
        _ => String::new(),
    };
    let arr = |null: bool| if null { "NULL" } else { "fds" };
    let body = match *op {
        Op::EventFd { init, flags: fl } => format!("eventfd({init:#x}, {})", flags(fl as u64, EFD_FLAGS, "0")),
        Op::Pipe { flags: None, null } => format!("pipe({})", arr(null)),
        Op::Pipe { flags: Some(fl), null } => format!("pipe2({}, {})", arr(null), flags(fl as u64, O_FLAGS, "0")),
        Op::SocketPair { domain: d, ty, proto, null } => {
            format!("socketpair({}, {}, {proto}, {})", domain(d), sock_type(ty), arr(null))
        }
        Op::Read { fd, len, null } => format!("read({fd}, {}, {len})", if null { "NULL" } else { "buf" }),
        Op::Write { fd, len, src } => format!("write({fd}, {src}, {len})"),
        Op::Recv { fd, len, flags: fl, null } => {
            format!("recv({fd}, {}, {len}, {})", if null { "NULL" } else { "buf" }, flags(fl as u64, MSG_FLAGS, "0"))
        }
        Op::Send { fd, len, src, flags: fl } => format!("send({fd}, {src}, {len}, {})", flags(fl as u64, MSG_FLAGS, "0")),
        Op::Close { fd } => format!("close({fd})"),
        Op::Dup { fd } => format!("dup({fd})"),
        Op::Dup2 { fd, to } => format!("dup2({fd}, {to})"),
        Op::Dup3 { fd, to, flags: fl } => format!("dup3({fd}, {to}, {})", flags(fl as u64, O_FLAGS, "0")),
        Op::Fcntl { fd, cmd } => match cmd {
            Fcntl::GetFl => format!("fcntl({fd}, F_GETFL)"),
            Fcntl::SetFl(fl) => format!("fcntl({fd}, F_SETFL, {})", flags(fl as u64, O_FLAGS, "0")),
            Fcntl::GetFd => format!("fcntl({fd}, F_GETFD)"),
            Fcntl::SetFd(a) => format!("fcntl({fd}, F_SETFD, {a:#x})"),
            Fcntl::DupFd(min) => format!("fcntl({fd}, F_DUPFD, {min})"),
            Fcntl::DupFdCloexec(min) => format!("fcntl({fd}, F_DUPFD_CLOEXEC, {min})"),
            Fcntl::GetPipeSz => format!("fcntl({fd}, F_GETPIPE_SZ)"),
            Fcntl::SetPipeSz(a) => format!("fcntl({fd}, F_SETPIPE_SZ, {a})"),
            Fcntl::Other(c, a) => format!("fcntl({fd}, {c}, {a:#x})"),
        },
        Op::Shutdown { fd, how: h } => format!("shutdown({fd}, {})", how(h)),
        Op::EpollCreate1 { flags: fl } => format!("epoll_create1({})", flags(fl as u64, EPOLL_CREATE_FLAGS, "0")),
        Op::EpollCtl { ep, op, fd, events, data, null } => {
            let op = match op {
                1 => "EPOLL_CTL_ADD".to_string(),
                2 => "EPOLL_CTL_DEL".to_string(),
                3 => "EPOLL_CTL_MOD".to_string(),
                o => o.to_string(),
            };
            if null {
                format!("epoll_ctl({ep}, {op}, {fd}, NULL)")
            } else {
                format!("epoll_ctl({ep}, {op}, {fd}, {{{}, {data}}})", epoll_events(events))
            }
        }
        Op::EpollWait { ep, max } => format!("epoll_wait({ep}, evs, {max}, 0)"),
        Op::Park { fd, call: Parked::Read { len } } => format!("park: read({fd}, pbuf, {len}) (blocking)"),
        Op::Park { fd, call: Parked::EpollWait { max } } => format!("park: epoll_wait({fd}, pevs, {max}, -1)"),
        Op::Park { fd, call: Parked::Poll { events } } => format!("park: poll([{{{fd}, {}}}], 1, -1)", poll_events(events)),
        Op::Unpark => "unpark".to_string(),
        Op::Poll { call, ref fds } => {
            let list: Vec<String> = fds.iter().map(|(fd, ev)| format!("{{{fd}, {}}}", poll_events(*ev))).collect();
            let list = list.join(", ");
            let n = fds.len();
            match call {
                PollCall::Poll => format!("poll([{list}], {n}, 0)"),
                PollCall::Ppoll => format!("ppoll([{list}], {n}, {{0, 0}}, NULL)"),
                PollCall::PpollBadTime => format!("ppoll([{list}], {n}, {{0, 1000000000}}, NULL)"),
                PollCall::HugeNfds => format!("poll([{list}], 0x40000000, 0)"),
            }
        }
        Op::Select { nfds, sets } => {
            let set = |m: Option<u32>| m.map_or("NULL".to_string(), |m| format!("base<<{m:#x}"));
            format!("select({nfds}, {}, {}, {}, {{0, 0}})", set(sets[0]), set(sets[1]), set(sets[2]))
        }
        Op::Open { path, flags: fl } => {
            let p = match path {
                Path::DevNull => "/dev/null",
                Path::File => "f",
            };
            format!("open(\"{p}\", {}, 0600)", names::open_flags(fl as u64))
        }
        Op::Lseek { fd, offset, whence } => format!("lseek({fd}, {offset}, {})", names::enumerated(whence as i64, names::WHENCES)),
        Op::Fstat { fd } => format!("fstat({fd}, &st)"),
        Op::Ioctl { fd, req: Ioctl::FionRead } => format!("ioctl({fd}, FIONREAD, &n)"),
        Op::Ioctl { fd, req: Ioctl::FionBio(v) } => format!("ioctl({fd}, FIONBIO, [{v}])"),
        Op::GetSockopt { fd, level, name, len } => format!("getsockopt({fd}, {}, {}, &v, [{len}])", sock_level(level), sock_opt(name)),
        Op::SetSockopt { fd, level, name, val, len } => {
            format!("setsockopt({fd}, {}, {}, [{val}], {len})", sock_level(level), sock_opt(name))
        }
        Op::SigAction { sig, handler, flags: fl } => {
            let h = match handler {
                Handler::Log => "log",
                Handler::Ign => "SIG_IGN",
                Handler::Dfl => "SIG_DFL",
            };
            let fl = if fl == lx::SA_RESTART { "SA_RESTART".to_string() } else { format!("{fl:#x}") };
            format!("sigaction({}, {{{h}, {fl}}}, NULL)", names::signal_name(sig as i64))
        }
        Op::SigMask { how, set } => {
            let set = set.map_or("NULL".to_string(), names::sigset);
            format!("rt_sigprocmask({}, {set}, &old, 8)", names::enumerated(how as i64, names::SIG_HOWS))
        }
        Op::Kill { sig, to } => match to {
            KillTo::Process => format!("kill(getpid(), {})", names::signal_name(sig as i64)),
            KillTo::Raise => format!("raise({})", names::signal_name(sig as i64)),
            KillTo::Parked => format!("pthread_kill(parked, {})", names::signal_name(sig as i64)),
        },
        Op::SigState => "sigstate: [handler log, sigpending]".to_string(),
        Op::SignalFd { fd, mask, flags: fl } => {
            format!("signalfd4({fd}, {}, 8, {})", names::sigset(mask), flags(fl as u64, names::SFD_FLAGS, "0"))
        }
    };
    format!("{lhs}{body}")
}

impl Scenario {
    /// Every operation rendered, with its slot bindings.
    pub fn rendered_ops(&self) -> Vec<String> {
        let mut slot = 0;
        self.ops
            .iter()
            .map(|op| {
                let s = render_op(op, slot);
                slot += op.binds();
                s
            })
            .collect()
    }

    /// The scenario as Rust builder code, for pasting a shrunk case into the suite.
    pub fn to_rust(&self) -> String {
        format!("{:#?}", self.ops)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario {}:", self.name)?;
        for (i, s) in self.rendered_ops().iter().enumerate() {
            writeln!(f, "  {i:3}  {s}")?;
        }
        Ok(())
    }
}
