//! How each argument of a call is shown, as strace shows it: one description per argument in the
//! call table, one function here that renders it.

use crate::abi::{EpollEvent, FdPair, Itimerspec, Layout, Pollfd, Stat, Timespec};
use crate::consts::errno_name;
use spindle_vm::memory::Memory;

/// An argument's display kind. Lengths refer to other arguments by index.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// A signed decimal (`int`, `long`).
    Int,
    /// A file descriptor (a C `int`): its number, and with strace's `-y` the file it names
    /// (`3<pipe:[12]>`, [`push_fd_link`]).
    Fd,
    /// An unsigned decimal (`size_t`).
    UInt,
    /// An `unsigned int`: the low 32 bits, in decimal.
    UInt32,
    /// An unsigned hexadecimal.
    Hex,
    /// An address: `NULL` or `0x…`.
    Ptr,
    /// An address the call may write through (`nanosleep`'s `rem`): shown after the call.
    PtrOut,
    /// A buffer the call reads, of the length in argument `n`: a quoted string.
    InStr(usize),
    /// A buffer the call fills: shown after the call with as many bytes as it returned (its
    /// address if the call failed).
    OutStr,
    /// Bit flags, named as strace orders them; `zero` is shown for 0.
    Flags(&'static FlagNames, &'static str),
    /// One of a set of values (an operation, a command, a clock).
    Enum(&'static EnumNames),
    /// A pointer to a `sigset_t` the call reads (`[INT TERM]`).
    SigsetIn,
    /// A pointer to a `sigset_t` the call writes: shown after the call (when it returned 0).
    SigsetOut,
    /// A signal number (`SIGUSR1`).
    Signal,
    /// Socket type: a base type and flags (`SOCK_STREAM|SOCK_NONBLOCK`).
    SockType,
    /// Two `int`s the call writes (`pipe2`'s and `socketpair`'s fds): `[3, 4]`.
    IntPairOut,
    /// A `struct timespec` the call reads.
    TimespecIn,
    /// A number of microseconds, shown as the `struct timespec` glibc's `usleep` passes.
    UsecTimespec,
    /// A `struct timespec` the call writes.
    TimespecOut,
    /// A `struct itimerspec` the call reads.
    ItimerspecIn,
    /// A `struct itimerspec` the call writes.
    ItimerspecOut,
    /// A `struct epoll_event` the call reads (NULL allowed).
    EpollEventIn,
    /// An array of `struct epoll_event` the call fills: as many as it returned.
    EpollEventsOut,
    /// `poll`'s array of `struct pollfd` the call reads, of the length in argument 1:
    /// `[{fd=3, events=POLLIN}, {fd=-1}]`.
    PollfdsIn,
    /// A function value (`spawn`): its name.
    Func,
    /// Not a guest argument: text strace shows for a parameter the libc wrapper fills in
    /// (`sendto`'s `NULL, 0`).
    Lit(&'static str),
    /// An `fcntl` argument whose kind depends on the command (argument 1).
    FcntlArg,
    /// A NUL-terminated path the call reads: a quoted string.
    Path,
    /// A directory fd of an `*at` call: `AT_FDCWD` or the number.
    AtFd,
    /// `open`'s flags: `O_RDWR|O_CREAT`.
    OpenFlags,
    /// A number in octal (a file mode): `0644`.
    Octal,
    /// `open`'s mode, shown (in octal) only when the flags in argument `n` create a file.
    CreateMode(usize),
    /// A `struct stat` the call writes: `{st_mode=S_IFREG|0644, st_size=11, ...}`.
    StatOut,
    /// A pointer to an `int` the call reads or writes (`getsockopt`'s value and length,
    /// `ioctl(FIONREAD)`'s count): the `int`, in brackets, as it is after the call.
    IntRef,
    /// A pointer to an `int` the call writes (`getsockopt`'s value): `[5]`, or the address if
    /// the call failed (strace reads it only on success).
    IntOut,
    /// `ioctl`'s argument, as the request in argument `n` says: `FIONREAD`'s count as
    /// [`Arg::IntOut`], `FIONBIO`'s flag as [`Arg::IntRef`], none for `FIOCLEX`/`FIONCLEX`, and
    /// otherwise the raw value in hex (`0x7ffd…`, `0`), as strace prints an ioctl it does not
    /// decode.
    IoctlArg(usize),
    /// A socket option name, by the table of the level in argument `n` (`SOL_TCP, TCP_NODELAY`);
    /// a level without a table (or unknown) has its options in decimal.
    SockOpt(usize),
    /// `setsockopt`'s value, for the level and option in arguments `level` and `opt`: `[1]`, or
    /// the address for an option whose value is a struct (`SO_LINGER`, `IP_ADD_MEMBERSHIP`).
    SockOptVal(usize, usize),
    /// `futex`'s argument `k` (2: `val`, 3: `timeout`/`val2`, 4: `uaddr2`, 5: `val3`), shown
    /// as the operation in argument 1 says: `futex(0x…, FUTEX_WAKE_PRIVATE, 1)`,
    /// `futex(0x…, FUTEX_WAIT_PRIVATE, 0, NULL)`; an argument the operation does not take is
    /// left out ([`futex_arg`]).
    FutexArg(usize),
    /// `wait4`'s status, which the call writes when it reaps a child: strace's
    /// `[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]`, its address otherwise.
    WaitStatusOut,
    /// A `struct sigaction` the call reads, in the layout given: `{sa_handler=0x…, sa_mask=[],
    /// sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x…}` ([`sigaction_text`]).
    SigactionIn(SaLayout),
    /// A `struct sigaction` the call writes (the old action): shown after the call when it
    /// returned 0, else its address.
    SigactionOut(SaLayout),
    /// `signal`'s handler, shown as the `struct sigaction` glibc's `signal` passes to
    /// `rt_sigaction` for the signal in argument `n`: the handler, the signal itself in
    /// `sa_mask`, `SA_RESTORER|SA_RESTART` and glibc's restorer.
    SignalAction(usize),
    /// The old action `signal` replaced, as the kernel wrote it to glibc's `rt_sigaction`:
    /// only the tracer knows it ([`crate::trace::Tracer::note_old_action`]); without it (the
    /// call failed) the address of glibc's buffer, as strace shows it ([`GLIBC_BUFFER`]).
    SignalOldAction,
    /// An `fd_set` of `select`/`pselect6`, for the `nfds` in argument 0, as the call reads it
    /// (`[3 4]`): decoded before the call, which overwrites it with its result.
    FdSet,
    /// `select`'s `struct timeval` timeout, shown as the `struct timespec` glibc's `select`
    /// passes to `pselect6` (`{tv_sec=1, tv_nsec=0}`).
    TimevalAsTimespec,
    /// glibc's `pselect`'s signal mask pointer, shown as the struct it passes to `pselect6`:
    /// `{sigmask=[USR1], sigsetsize=8}` (`{sigmask=NULL, sigsetsize=8}` for NULL).
    PselectSigmask,
    /// The id of the calling process (`getpid`): the pid glibc's `raise` passes to `tgkill`.
    OwnPid,
    /// The id of the calling thread (`gettid`): the tid glibc's `raise` passes to `tgkill`.
    OwnTid,
    /// A pointer to a `sigset_t` the call reads, of the size in argument `n`
    /// (`rt_sigtimedwait`'s set): `[USR1]`, or the address when the size is not 8.
    SigsetSized(usize),
    /// A `siginfo_t` the call writes (`rt_sigtimedwait`'s `info`): after a successful call
    /// `{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1000, si_uid=1000}`, else its address.
    SiginfoOut,
    /// The `siginfo_t` glibc's `sigwait` passes to `rt_sigtimedwait` from its own stack: the
    /// signal's, as the shim notes it ([`crate::trace::Tracer::note_siginfo`]), after a
    /// successful call, else the address of glibc's buffer ([`GLIBC_BUFFER`]).
    GlibcSiginfo,
}

/// Which `struct sigaction` a pointer points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaLayout {
    /// The kernel's (`rt_sigaction`): handler, flags, restorer, an 8-byte mask; shown as it is.
    Kernel,
    /// glibc's (`sigaction`): handler, a 128-byte `sigset_t`, an `int` of flags, restorer;
    /// shown as the kernel's struct glibc makes of it: the flags sign-extended to a `long` with
    /// `SA_RESTORER` added, and glibc's restorer ([`GLIBC_RESTORER`]).
    Libc,
}

impl Arg {
    /// Whether showing the argument reads guest memory that the call only reads: a call that
    /// blocks has it decoded at once, before other threads can change that memory.
    pub fn reads_input_memory(self) -> bool {
        matches!(
            self,
            Arg::InStr(_)
                | Arg::TimespecIn
                | Arg::ItimerspecIn
                | Arg::EpollEventIn
                | Arg::SigsetIn
                | Arg::PollfdsIn
                | Arg::Path
                | Arg::FutexArg(_)
                | Arg::SigactionIn(_)
                | Arg::FdSet
                | Arg::TimevalAsTimespec
                | Arg::PselectSigmask
        )
    }

    /// Whether the call overwrites what the argument points to with its result (`select`'s
    /// sets): it is decoded before the call runs, not when it returns.
    pub fn overwritten_by_call(self) -> bool {
        matches!(self, Arg::FdSet)
    }
}

/// How a result is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetKind {
    Int,
    Ptr,
    /// `fcntl(F_GETFL)`'s `0x800 (flags O_RDONLY|O_NONBLOCK)` and friends.
    Fcntl,
    /// Does not return.
    None,
    /// A new file descriptor (`dup`, `openat`, `eventfd2`): an `int`, annotated with `-y`.
    Fd,
    /// `poll`'s and `ppoll`'s count, followed by the entries that have `revents`
    /// (`1 ([{fd=3, revents=POLLIN}])`) or ` (Timeout)`; ppoll's time left too.
    Poll,
    /// `select`'s and `pselect6`'s count, followed by the fds of its result sets
    /// (`1 (in [3], left {tv_sec=0, tv_nsec=…})`) or ` (Timeout)`.
    Select,
    /// A libc call that returns something else than its system call (`signal`'s old handler):
    /// shown as the system call's `0`, or its error.
    Status,
    /// A signal number (`rt_sigtimedwait`'s): `10 (SIGUSR1)`.
    Signal,
    /// A libc call that returns 0 or an error number (`pthread_sigmask`): shown as its system
    /// call's `0`, or `-1 EINVAL (Invalid argument)`.
    Errno,
    /// glibc's `sigwait`, which returns 0 and stores the signal through its argument 1, or
    /// returns an error number: shown as `rt_sigtimedwait`'s `10 (SIGUSR1)` or `-1 EFAULT`.
    SigwaitSignal,
}

impl RetKind {
    /// A libc call's result as its system call returned it, with the kind that shows that:
    /// `(value, errno, kind)`. `mem` and `raw` give what a `sigwait` stored.
    pub fn as_system_call(
        self,
        value: Option<i64>,
        errno: Option<i64>,
        raw: &[u64],
        mem: &spindle_vm::memory::Memory,
    ) -> (Option<i64>, Option<i64>, RetKind) {
        match (self, value) {
            (RetKind::Errno | RetKind::SigwaitSignal, Some(e)) if e > 0 => (Some(-1), Some(e), RetKind::Int),
            (RetKind::Errno, v) => (v, None, RetKind::Int),
            (RetKind::SigwaitSignal, Some(0)) => {
                let at = raw.get(1).copied().unwrap_or(0);
                let sig = mem.read_bytes(at, 4).ok().map(|b| i32::from_le_bytes(b[..4].try_into().unwrap_or_default()) as i64);
                (sig.or(Some(0)), None, RetKind::Signal)
            }
            (RetKind::SigwaitSignal, v) => (v, errno, RetKind::Signal),
            (kind, v) => (v, errno, kind),
        }
    }
}

/// strace shows at most this many bytes of a string (its default `-s 32`).
pub const STRING_LIMIT: usize = 32;

thread_local! {
    /// The string limit of the trace being written on this thread (`--trace-strsize`, strace's
    /// `-s`): set by the tracer before it decodes a call.
    static LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(STRING_LIMIT) };
}

/// Makes `n` the number of bytes of a string this thread's decoding shows.
pub fn set_string_limit(n: usize) {
    LIMIT.with(|l| l.set(n));
}

/// The number of bytes of a string shown.
pub fn string_limit() -> usize {
    LIMIT.with(|l| l.get())
}

/// A group of bit flags as strace prints it: the names in strace's own table order (a name
/// whose bits are all still set is printed and its bits taken away, so a multi-bit name such as
/// `O_SYNC` listed before its parts wins over them), and the group's marker for bits no name
/// covers (`0x2 /* EFD_??? */` when nothing was named, `EFD_SEMAPHORE|0x2` otherwise).
///
/// The tables were read off `strace` 6.1 on this machine (every single bit, every pair, and
/// all bits at once: `tests/strace/flags_*.c`); values come from the generated constants
/// (`consts.rs`) where glibc names them.
#[derive(Debug)]
pub struct FlagNames {
    pub names: &'static [(u64, &'static str)],
    pub unknown: &'static str,
}

impl std::ops::Deref for FlagNames {
    type Target = [(u64, &'static str)];
    fn deref(&self) -> &Self::Target {
        self.names
    }
}

/// A set of values as strace prints it: the name, or the value in hex with the group's marker
/// (`0x4d2 /* CLOCK_??? */`).
#[derive(Debug)]
pub struct EnumNames {
    pub names: &'static [(i64, &'static str)],
    pub unknown: &'static str,
}

impl std::ops::Deref for EnumNames {
    type Target = [(i64, &'static str)];
    fn deref(&self) -> &Self::Target {
        self.names
    }
}

use crate::consts::linux as c;

const fn u(v: i64) -> u64 {
    v as u64
}

/// `O_*` after the access mode (`pipe2`, `dup3`, `F_SETFL`): strace's `open_mode_flags`.
pub const O_FLAGS: &FlagNames = &FlagNames {
    names: &[
        (u(c::O_CREAT), "O_CREAT"),
        (u(c::O_EXCL), "O_EXCL"),
        (u(c::O_NOCTTY), "O_NOCTTY"),
        (u(c::O_TRUNC), "O_TRUNC"),
        (u(c::O_APPEND), "O_APPEND"),
        (u(c::O_NONBLOCK), "O_NONBLOCK"),
        (u(c::O_SYNC), "O_SYNC"),
        (u(c::O_DSYNC), "O_DSYNC"),
        (u(c::O_SYNC & !c::O_DSYNC), "__O_SYNC"),
        (u(c::O_DIRECT), "O_DIRECT"),
        // glibc's O_LARGEFILE is 0 on x86-64; the kernel's (and strace's) is 0o100000.
        (0o100000, "O_LARGEFILE"),
        (u(c::O_NOFOLLOW), "O_NOFOLLOW"),
        (u(c::O_NOATIME), "O_NOATIME"),
        (u(c::O_CLOEXEC), "O_CLOEXEC"),
        (u(c::O_PATH), "O_PATH"),
        (u(c::O_TMPFILE), "O_TMPFILE"),
        (u(c::O_DIRECTORY), "O_DIRECTORY"),
        (u(c::O_TMPFILE & !c::O_DIRECTORY), "__O_TMPFILE"),
        (u(c::O_ASYNC), "FASYNC"),
    ],
    unknown: "O_???",
};
/// `dup3`'s flags: strace decodes them with the whole `O_*` table.
pub const DUP3_FLAGS: &FlagNames = O_FLAGS;
/// `wait4`'s options, in strace's order.
pub const WAIT_FLAGS: &FlagNames = &FlagNames {
    names: &[
        (u(c::WNOHANG), "WNOHANG"),
        (u(c::WUNTRACED), "WUNTRACED"),
        (u(c::WCONTINUED), "WCONTINUED"),
        (u(c::WNOWAIT), "WNOWAIT"),
        (u(c::__WNOTHREAD), "__WNOTHREAD"),
        (u(c::__WALL), "__WALL"),
        (u(c::__WCLONE), "__WCLONE"),
    ],
    unknown: "W???",
};
pub const EFD_FLAGS: &FlagNames = &FlagNames {
    names: &[(u(c::EFD_SEMAPHORE), "EFD_SEMAPHORE"), (u(c::EFD_CLOEXEC), "EFD_CLOEXEC"), (u(c::EFD_NONBLOCK), "EFD_NONBLOCK")],
    unknown: "EFD_???",
};
pub const MSG_FLAGS: &FlagNames = &FlagNames {
    names: &[
        (0x1, "MSG_OOB"),
        (0x2, "MSG_PEEK"),
        (0x4, "MSG_DONTROUTE"),
        (0x8, "MSG_CTRUNC"),
        (0x10, "MSG_PROBE"),
        (0x20, "MSG_TRUNC"),
        (0x40, "MSG_DONTWAIT"),
        (0x80, "MSG_EOR"),
        (0x100, "MSG_WAITALL"),
        (0x200, "MSG_FIN"),
        (0x400, "MSG_SYN"),
        (0x800, "MSG_CONFIRM"),
        (0x1000, "MSG_RST"),
        (0x2000, "MSG_ERRQUEUE"),
        (0x4000, "MSG_NOSIGNAL"),
        (0x8000, "MSG_MORE"),
        (0x10000, "MSG_WAITFORONE"),
        (0x20000, "MSG_SENDPAGE_NOTLAST"),
        (0x40000, "MSG_BATCH"),
        (0x80000, "MSG_NO_SHARED_FRAGS"),
        (0x4000000, "MSG_ZEROCOPY"),
        (0x20000000, "MSG_FASTOPEN"),
        (0x40000000, "MSG_CMSG_CLOEXEC"),
        (0x80000000, "MSG_CMSG_COMPAT"),
    ],
    unknown: "MSG_???",
};
pub const EPOLL_EVENTS: &FlagNames = &FlagNames {
    names: &[
        (u(c::EPOLLIN), "EPOLLIN"),
        (u(c::EPOLLPRI), "EPOLLPRI"),
        (u(c::EPOLLOUT), "EPOLLOUT"),
        (u(c::EPOLLERR), "EPOLLERR"),
        (u(c::EPOLLHUP), "EPOLLHUP"),
        (0x20, "EPOLLNVAL"),
        (u(c::EPOLLRDNORM), "EPOLLRDNORM"),
        (u(c::EPOLLRDBAND), "EPOLLRDBAND"),
        (u(c::EPOLLWRNORM), "EPOLLWRNORM"),
        (u(c::EPOLLWRBAND), "EPOLLWRBAND"),
        (u(c::EPOLLMSG), "EPOLLMSG"),
        (u(c::EPOLLRDHUP), "EPOLLRDHUP"),
        (u(c::EPOLLEXCLUSIVE), "EPOLLEXCLUSIVE"),
        (u(c::EPOLLWAKEUP), "EPOLLWAKEUP"),
        (u(c::EPOLLONESHOT), "EPOLLONESHOT"),
        (u(c::EPOLLET), "EPOLLET"),
    ],
    unknown: "EPOLL???",
};
/// `POLL*`, as strace names them (`events` of a `struct pollfd`).
pub const POLL_EVENTS: &FlagNames = &FlagNames {
    names: &[
        (0x1, "POLLIN"),
        (0x2, "POLLPRI"),
        (0x4, "POLLOUT"),
        (0x8, "POLLERR"),
        (0x10, "POLLHUP"),
        (0x20, "POLLNVAL"),
        (0x40, "POLLRDNORM"),
        (0x80, "POLLRDBAND"),
        (0x100, "POLLWRNORM"),
        (0x200, "POLLWRBAND"),
        (0x400, "POLLMSG"),
        (0x1000, "POLLREMOVE"),
        (0x2000, "POLLRDHUP"),
        (0x8000, "POLL_BUSY_LOOP"),
    ],
    unknown: "POLL???",
};

/// `poll`'s array of `n` entries at `addr` as strace shows it (at most `-s` of them).
fn pollfds_at(mem: &Memory, addr: u64, n: u64) -> String {
    pollfds_linked(mem, addr, n, &|_| None)
}

/// [`pollfds_at`], each fd annotated with what `link` says it names (strace's `-y`).
pub fn pollfds_linked(mem: &Memory, addr: u64, n: u64, link: &dyn Fn(i32) -> Option<Vec<u8>>) -> String {
    let limit = string_limit() as u64;
    let mut items = Vec::new();
    for k in 0..n.min(limit) {
        let Some(p) = Pollfd::peek(mem, addr.wrapping_add(Pollfd::SIZE * k)) else {
            return if k == 0 { ptr(addr) } else { format!("[{}, ...]", items.join(", ")) };
        };
        items.push(if p.fd < 0 {
            format!("{{fd={}}}", p.fd)
        } else {
            let mut fd = p.fd.to_string();
            if let Some(l) = link(p.fd) {
                push_fd_link(&mut fd, &l);
            }
            format!("{{fd={fd}, events={}}}", flags(p.events as u64, POLL_EVENTS, "0"))
        });
    }
    if n > limit {
        items.push("...".into());
    }
    format!("[{}]", items.join(", "))
}

/// What `poll` returned in the array at `addr` of `n` entries, as strace shows it after the
/// count: the entries whose `revents` are set (`[{fd=3, revents=POLLIN}]`), at most `-s` of
/// them.
pub fn pollfds_revents(mem: &Memory, addr: u64, n: u64) -> String {
    let limit = string_limit();
    let mut items = Vec::new();
    for k in 0..n {
        let Some(p) = Pollfd::peek(mem, addr.wrapping_add(Pollfd::SIZE * k)) else { break };
        if p.revents == 0 {
            continue;
        }
        if items.len() == limit {
            items.push("...".to_string());
            break;
        }
        items.push(format!("{{fd={}, revents={}}}", p.fd, flags(p.revents as u64, POLL_EVENTS, "0")));
    }
    format!("[{}]", items.join(", "))
}

pub const EPOLL_CREATE_FLAGS: &FlagNames = &FlagNames { names: &[(u(c::EPOLL_CLOEXEC), "EPOLL_CLOEXEC")], unknown: "EPOLL_???" };
pub const FD_FLAGS: &FlagNames = &FlagNames { names: &[(u(c::FD_CLOEXEC), "FD_CLOEXEC")], unknown: "FD_???" };
/// `timerfd_create`'s and `timerfd_settime`'s flags: strace has one table for both, so a flag of
/// the other call is named too (`timerfd_create(CLOCK_MONOTONIC, TFD_TIMER_ABSTIME)`).
pub const TFD_FLAGS: &FlagNames = &FlagNames {
    names: &[
        (u(c::TFD_TIMER_ABSTIME), "TFD_TIMER_ABSTIME"),
        (u(c::TFD_TIMER_CANCEL_ON_SET), "TFD_TIMER_CANCEL_ON_SET"),
        (u(c::TFD_CLOEXEC), "TFD_CLOEXEC"),
        (u(c::TFD_NONBLOCK), "TFD_NONBLOCK"),
    ],
    unknown: "TFD_???",
};
pub const TFD_TIMER_FLAGS: &FlagNames = TFD_FLAGS;
/// `SOCK_*` flags above the socket type.
pub const SOCK_FLAGS: &FlagNames =
    &FlagNames { names: &[(u(c::SOCK_CLOEXEC), "SOCK_CLOEXEC"), (u(c::SOCK_NONBLOCK), "SOCK_NONBLOCK")], unknown: "SOCK_???" };
/// `fcntl(F_NOTIFY)`'s `DN_*`.
pub const DN_FLAGS: &FlagNames = &FlagNames {
    names: &[
        (0x1, "DN_ACCESS"),
        (0x2, "DN_MODIFY"),
        (0x4, "DN_CREATE"),
        (0x8, "DN_DELETE"),
        (0x10, "DN_RENAME"),
        (0x20, "DN_ATTRIB"),
        (0x80000000, "DN_MULTISHOT"),
    ],
    unknown: "DN_???",
};
/// `fcntl(F_ADD_SEALS)`'s `F_SEAL_*`.
pub const SEAL_FLAGS: &FlagNames = &FlagNames {
    names: &[(0x1, "F_SEAL_SEAL"), (0x2, "F_SEAL_SHRINK"), (0x4, "F_SEAL_GROW"), (0x8, "F_SEAL_WRITE"), (0x10, "F_SEAL_FUTURE_WRITE")],
    unknown: "F_SEAL_???",
};
pub const EPOLL_OPS: &EnumNames = &EnumNames {
    names: &[(c::EPOLL_CTL_ADD, "EPOLL_CTL_ADD"), (c::EPOLL_CTL_DEL, "EPOLL_CTL_DEL"), (c::EPOLL_CTL_MOD, "EPOLL_CTL_MOD")],
    unknown: "EPOLL_CTL_???",
};
pub const SHUT_HOW: &EnumNames =
    &EnumNames { names: &[(c::SHUT_RD, "SHUT_RD"), (c::SHUT_WR, "SHUT_WR"), (c::SHUT_RDWR, "SHUT_RDWR")], unknown: "SHUT_???" };
pub const SIG_HOWS: &EnumNames = &EnumNames {
    names: &[(c::SIG_BLOCK, "SIG_BLOCK"), (c::SIG_UNBLOCK, "SIG_UNBLOCK"), (c::SIG_SETMASK, "SIG_SETMASK")],
    unknown: "SIG_???",
};
pub const SFD_FLAGS: &FlagNames =
    &FlagNames { names: &[(u(c::SFD_CLOEXEC), "SFD_CLOEXEC"), (u(c::SFD_NONBLOCK), "SFD_NONBLOCK")], unknown: "SFD_???" };
pub const CLOCKS: &EnumNames = &EnumNames {
    names: &[
        (c::CLOCK_REALTIME, "CLOCK_REALTIME"),
        (c::CLOCK_MONOTONIC, "CLOCK_MONOTONIC"),
        (c::CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"),
        (c::CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"),
        (c::CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"),
        (c::CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"),
        (c::CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"),
        (c::CLOCK_BOOTTIME, "CLOCK_BOOTTIME"),
        (8, "CLOCK_REALTIME_ALARM"),
        (9, "CLOCK_BOOTTIME_ALARM"),
        (10, "CLOCK_SGI_CYCLE"),
        (11, "CLOCK_TAI"),
    ],
    unknown: "CLOCK_???",
};
pub const DOMAINS: &EnumNames = &EnumNames {
    names: &[
        (0, "AF_UNSPEC"),
        (1, "AF_UNIX"),
        (2, "AF_INET"),
        (3, "AF_AX25"),
        (4, "AF_IPX"),
        (5, "AF_APPLETALK"),
        (6, "AF_NETROM"),
        (7, "AF_BRIDGE"),
        (8, "AF_ATMPVC"),
        (9, "AF_X25"),
        (10, "AF_INET6"),
        (11, "AF_ROSE"),
        (12, "AF_DECnet"),
        (13, "AF_NETBEUI"),
        (14, "AF_SECURITY"),
        (15, "AF_KEY"),
        (16, "AF_NETLINK"),
        (17, "AF_PACKET"),
        (18, "AF_ASH"),
        (19, "AF_ECONET"),
        (20, "AF_ATMSVC"),
        (21, "AF_RDS"),
        (22, "AF_SNA"),
        (23, "AF_IRDA"),
        (24, "AF_PPPOX"),
        (25, "AF_WANPIPE"),
        (26, "AF_LLC"),
        (27, "AF_IB"),
        (28, "AF_MPLS"),
        (29, "AF_CAN"),
        (30, "AF_TIPC"),
        (31, "AF_BLUETOOTH"),
        (32, "AF_IUCV"),
        (33, "AF_RXRPC"),
        (34, "AF_ISDN"),
        (35, "AF_PHONET"),
        (36, "AF_IEEE802154"),
        (37, "AF_CAIF"),
        (38, "AF_ALG"),
        (39, "AF_NFC"),
        (40, "AF_VSOCK"),
        (41, "AF_KCM"),
        (42, "AF_QIPCRTR"),
        (43, "AF_SMC"),
        (44, "AF_XDP"),
        (45, "AF_MCTP"),
    ],
    unknown: "AF_???",
};
/// The socket type in the low 4 bits.
pub const SOCK_TYPES: &EnumNames = &EnumNames {
    names: &[
        (1, "SOCK_STREAM"),
        (2, "SOCK_DGRAM"),
        (3, "SOCK_RAW"),
        (4, "SOCK_RDM"),
        (5, "SOCK_SEQPACKET"),
        (6, "SOCK_DCCP"),
        (10, "SOCK_PACKET"),
    ],
    unknown: "SOCK_???",
};
/// `lseek`'s `whence`.
pub const WHENCES: &EnumNames =
    &EnumNames { names: &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE")], unknown: "SEEK_???" };
/// The `ioctl` requests Spindle serves.
pub const IOCTL_REQS: &EnumNames =
    &EnumNames { names: &[(0x541b, "FIONREAD"), (0x5421, "FIONBIO"), (0x5450, "FIONCLEX"), (0x5451, "FIOCLEX")], unknown: "_IOC" };
/// Socket option levels (strace's whole table: `trace/sockopt_names.rs`).
pub const SOCK_LEVELS: &EnumNames = super::sockopt_names::LEVELS;
/// `SOL_SOCKET` options (strace's whole table).
pub const SOCK_OPTS: &EnumNames = super::sockopt_names::SOL_SOCKET_OPTS;
pub const FCNTL_CMDS: &EnumNames = &EnumNames {
    names: &[
        (0, "F_DUPFD"),
        (1, "F_GETFD"),
        (2, "F_SETFD"),
        (3, "F_GETFL"),
        (4, "F_SETFL"),
        (5, "F_GETLK"),
        (6, "F_SETLK"),
        (7, "F_SETLKW"),
        (8, "F_SETOWN"),
        (9, "F_GETOWN"),
        (10, "F_SETSIG"),
        (11, "F_GETSIG"),
        (12, "F_GETLK64"),
        (13, "F_SETLK64"),
        (14, "F_SETLKW64"),
        (15, "F_SETOWN_EX"),
        (16, "F_GETOWN_EX"),
        (17, "F_GETOWNER_UIDS"),
        (36, "F_OFD_GETLK"),
        (37, "F_OFD_SETLK"),
        (38, "F_OFD_SETLKW"),
        (1024, "F_SETLEASE"),
        (1025, "F_GETLEASE"),
        (1026, "F_NOTIFY"),
        (1029, "F_CANCELLK"),
        (1030, "F_DUPFD_CLOEXEC"),
        (1031, "F_SETPIPE_SZ"),
        (1032, "F_GETPIPE_SZ"),
        (1033, "F_ADD_SEALS"),
        (1034, "F_GET_SEALS"),
    ],
    unknown: "F_???",
};
/// `fcntl(F_SETLEASE)`'s argument.
pub const LEASES: &EnumNames = &EnumNames { names: &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")], unknown: "F_???" };
/// Signal names as strace prints them in a mask (without `SIG`; 32 and up are `RT_n`).
pub const SIGNALS: &[&str] = &[
    "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
    "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// `A|B|0x40` — names in table order, leftover bits in hex; leftover bits alone carry the
/// group's marker (`0x2 /* EFD_??? */`); `zero` for 0.
pub fn flags(v: u64, table: &FlagNames, zero: &str) -> String {
    if v == 0 {
        return zero.to_string();
    }
    let (mut out, rest) = named_bits(v, table);
    if rest != 0 {
        if out.is_empty() {
            out = format!("{rest:#x} /* {} */", table.unknown);
        } else {
            out.push_str(&format!("|{rest:#x}"));
        }
    }
    out
}

/// The names of `v`'s bits, `|`-separated, and the bits no name covers.
fn named_bits(v: u64, table: &FlagNames) -> (String, u64) {
    let mut out = String::new();
    let mut rest = v;
    for &(bit, name) in table.names {
        if bit != 0 && rest & bit == bit {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(name);
            rest &= !bit;
        }
    }
    (out, rest)
}

/// The name of an enumerated value (an `int`), or its hex with the group's marker.
pub fn enumerated(v: i64, table: &EnumNames) -> String {
    match table.names.iter().find(|(x, _)| *x == v) {
        Some((_, n)) => n.to_string(),
        // strace shows an unknown ioctl request by its fields.
        None if table.unknown == "_IOC" => ioc(v as u32),
        None => unknown_value(v as u32 as u64, table.unknown),
    }
}

/// An ioctl request number as strace shows one it does not know: `_IOC(_IOC_NONE, 0x12, 0x34, 0)`.
fn ioc(v: u32) -> String {
    let dir = ["_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"][(v >> 30) as usize];
    let hex = |x: u32| if x == 0 { "0".to_string() } else { format!("{x:#x}") };
    format!("_IOC({dir}, {}, {}, {})", hex((v >> 8) & 0xff), hex(v & 0xff), hex((v >> 16) & 0x3fff))
}

/// `0x4d2 /* CLOCK_??? */` (`0` for zero, as C's `%#x`).
fn unknown_value(v: u64, marker: &str) -> String {
    if v == 0 {
        format!("0 /* {marker} */")
    } else {
        format!("{v:#x} /* {marker} */")
    }
}

/// `O_RDONLY|O_NONBLOCK`: an access mode always named, then the flags (leftover bits in hex,
/// without a marker).
pub fn open_flags(v: u64) -> String {
    let access = match v & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let (mut out, rest) = named_bits(v & !3, O_FLAGS);
    if rest != 0 {
        if !out.is_empty() {
            out.push('|');
        }
        out.push_str(&format!("{rest:#x}"));
    }
    if out.is_empty() {
        access.to_string()
    } else {
        format!("{access}|{out}")
    }
}

/// A socket type as strace prints it: a known base type and the flags above it
/// (`SOCK_STREAM|SOCK_NONBLOCK`, `SOCK_DGRAM|0x4d0 /* SOCK_??? */`); with an unknown base,
/// the whole value as flags (`0x9 /* SOCK_??? */`).
pub fn sock_type(v: u64) -> String {
    let v = v & 0xffff_ffff;
    match SOCK_TYPES.names.iter().find(|(x, _)| *x as u64 == v & 0xf) {
        Some((_, base)) if v & !0xf == 0 => base.to_string(),
        Some((_, base)) => format!("{base}|{}", flags(v & !0xf, SOCK_FLAGS, "0")),
        None => flags(v, SOCK_FLAGS, "0"),
    }
}

/// A `sigset_t` (8 bytes) as strace prints it: `[INT TERM]`, or the complement when at least
/// two thirds of the 64 signals are in it (`~[KILL]`, `~[]`; as strace 6.1 prints 41 and 42
/// signals).
pub fn sigset(mask: u64) -> String {
    let (prefix, bits) = if mask.count_ones() >= 64 * 2 / 3 { ("~[", !mask) } else { ("[", mask) };
    let mut out = String::from(prefix);
    for k in 0..64 {
        if bits & (1 << k) != 0 {
            if out.len() > prefix.len() {
                out.push(' ');
            }
            let sig = k + 1;
            match SIGNALS.get(sig) {
                Some(name) => out.push_str(name),
                None if sig == 32 => out.push_str("RTMIN"),
                None => out.push_str(&format!("RT_{}", sig - 32)),
            }
        }
    }
    out.push(']');
    out
}

/// An address as strace shows it.
pub fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// A quoted, escaped string of at most [`STRING_LIMIT`] bytes of `bytes`, with `...` when cut.
pub fn quoted(bytes: &[u8]) -> String {
    let mut s = String::new();
    quoted_into(&mut s, bytes);
    s
}

/// [`quoted`], appended to `s`.
pub fn quoted_into(s: &mut String, bytes: &[u8]) {
    // Escaped from a table into a stack buffer, appended at once: this runs for every traced
    // buffer, and pushing char by char cost more than the table.
    let limit = string_limit();
    let shown = &bytes[..bytes.len().min(limit)];
    s.push('"');
    for chunk in shown.chunks(STRING_LIMIT) {
        let mut buf = [0u8; 4 * STRING_LIMIT];
        let mut n = 0;
        let base = chunk.as_ptr() as usize - shown.as_ptr() as usize;
        for (i, &b) in chunk.iter().enumerate() {
            let (len, text) = ESCAPES[b as usize];
            // strace uses the shortest octal escape unless an octal digit follows.
            let next = shown.get(base + i + 1);
            let (len, text) = if len > 1 && len < 4 && text[1].is_ascii_digit() && next.is_some_and(|c| (b'0'..=b'7').contains(c)) {
                (4, octal(b))
            } else {
                (len, text)
            };
            buf[n..n + 4].copy_from_slice(&text);
            n += len as usize;
        }
        // Only ASCII was written.
        s.push_str(std::str::from_utf8(&buf[..n]).unwrap_or("?"));
    }
    s.push('"');
    if bytes.len() > limit {
        s.push_str("...");
    }
}

/// `\ooo`.
const fn octal(b: u8) -> [u8; 4] {
    [b'\\', b'0' + (b >> 6), b'0' + ((b >> 3) & 7), b'0' + (b & 7)]
}

/// How strace shows each byte when no octal digit follows: itself, a C escape, or the shortest
/// octal escape.
static ESCAPES: [(u8, [u8; 4]); 256] = {
    let mut t = [(0u8, [0u8; 4]); 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'"' | b'\\' => (2, [b'\\', b, 0, 0]),
            b'\n' => (2, [b'\\', b'n', 0, 0]),
            b'\t' => (2, [b'\\', b't', 0, 0]),
            b'\r' => (2, [b'\\', b'r', 0, 0]),
            0x0c => (2, [b'\\', b'f', 0, 0]),
            0x0b => (2, [b'\\', b'v', 0, 0]),
            0x20..=0x7e => (1, [b, 0, 0, 0]),
            _ if b < 8 => (2, [b'\\', b'0' + b, 0, 0]),
            _ if b < 64 => (3, [b'\\', b'0' + (b >> 3), b'0' + (b & 7), 0]),
            _ => (4, octal(b)),
        };
        i += 1;
    }
    t
};

/// Appends a signed decimal without going through `fmt` (this runs for most arguments).
pub fn push_int(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_uint(out, v.unsigned_abs());
}

/// Appends an unsigned decimal.
pub fn push_uint(out: &mut String, mut n: u64) {
    if n < 10 {
        out.push((b'0' + n as u8) as char);
        return;
    }
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[k..]).unwrap_or("?"));
}

/// A guest buffer: its bytes quoted, or its address if it cannot be read.
pub fn buffer(mem: &Memory, addr: u64, len: u64) -> String {
    if addr == 0 {
        return ptr(addr);
    }
    if len == 0 {
        return "\"\"".to_string();
    }
    let mut out = String::new();
    buffer_into(&mut out, mem, addr, len);
    out
}

/// `{tv_sec=0, tv_nsec=1000}`: `tv_sec` signed, `tv_nsec` unsigned, as strace 6.1 prints them
/// (`{tv_sec=-1, tv_nsec=18446744073709551615}` for -1 and -1).
pub fn show_timespec(t: Timespec) -> String {
    format!("{{tv_sec={}, tv_nsec={}}}", t.sec, t.nsec as u64)
}

/// `{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=1, tv_nsec=0}}`.
pub fn show_itimerspec(t: Itimerspec) -> String {
    format!("{{it_interval={}, it_value={}}}", show_timespec(t.interval), show_timespec(t.value))
}

/// `{events=EPOLLIN|EPOLLET, data={u32=42, u64=42}}`.
pub fn show_epoll_event(e: EpollEvent) -> String {
    format!("{{events={}, data={{u32={}, u64={}}}}}", flags(e.events as u64, EPOLL_EVENTS, "0"), e.data as u32, e.data)
}

/// `[3, 4]`.
pub fn show_fd_pair(p: FdPair) -> String {
    format!("[{}, {}]", p.first, p.second)
}

/// A `struct timespec` in guest memory, or the address.
pub fn timespec(mem: &Memory, addr: u64) -> String {
    Timespec::peek(mem, addr).map_or_else(|| ptr(addr), show_timespec)
}

/// A `struct itimerspec` in guest memory, or the address.
pub fn itimerspec(mem: &Memory, addr: u64) -> String {
    match Itimerspec::peek(mem, addr) {
        Some(t) if addr != 0 => show_itimerspec(t),
        _ => ptr(addr),
    }
}

/// A `struct epoll_event` in guest memory.
pub fn epoll_event_at(mem: &Memory, addr: u64) -> Option<String> {
    EpollEvent::peek(mem, addr).map(show_epoll_event)
}

/// Appends an argument's text to `out` (the common kinds without allocating).
pub fn render_arg_into(
    out: &mut String,
    kind: Arg,
    i: usize,
    args: &[u64],
    ret: Option<i64>,
    mem: &Memory,
    fn_name: &dyn Fn(u64) -> Option<String>,
) {
    let v = args.get(i).copied().unwrap_or(0);
    match kind {
        Arg::Int => push_int(out, v as i64),
        Arg::Fd => push_int(out, v as i32 as i64),
        Arg::UInt => push_uint(out, v),
        Arg::UInt32 => push_uint(out, v & 0xffff_ffff),
        Arg::Lit(s) => out.push_str(s),
        Arg::InStr(n) => buffer_into(out, mem, v, args.get(n).copied().unwrap_or(0)),
        Arg::OutStr => match ret {
            Some(r) if r >= 0 => buffer_into(out, mem, v, r as u64),
            _ => out.push_str(&ptr(v)),
        },
        Arg::Enum(table) => match table.iter().find(|(x, _)| *x == v as i32 as i64) {
            Some((_, name)) => out.push_str(name),
            None => out.push_str(&enumerated(v as i32 as i64, table)),
        },
        _ => out.push_str(&render_arg(kind, i, args, ret, mem, fn_name)),
    }
}

/// [`buffer`], appended to `out`.
pub fn buffer_into(out: &mut String, mem: &Memory, addr: u64, len: u64) {
    if addr == 0 {
        out.push_str("NULL");
        return;
    }
    if len == 0 {
        out.push_str("\"\"");
        return;
    }
    let limit = string_limit() as u64;
    match mem.slice(addr, len.min(limit)) {
        Ok(b) => {
            quoted_into(out, b);
            if len > limit {
                out.push_str("...");
            }
        }
        Err(_) => out.push_str(&ptr(addr)),
    }
}

/// An argument's text. `args` are all the raw arguments; `ret` the result, when known.
pub fn render_arg(kind: Arg, i: usize, args: &[u64], ret: Option<i64>, mem: &Memory, fn_name: &dyn Fn(u64) -> Option<String>) -> String {
    let v = args.get(i).copied().unwrap_or(0);
    match kind {
        Arg::Int => (v as i64).to_string(),
        Arg::Fd => (v as i32).to_string(),
        Arg::UInt => v.to_string(),
        Arg::UInt32 => (v & 0xffff_ffff).to_string(),
        Arg::Hex => format!("{v:#x}"),
        Arg::Ptr | Arg::PtrOut => ptr(v),
        Arg::InStr(n) => buffer(mem, v, args.get(n).copied().unwrap_or(0)),
        Arg::OutStr => match ret {
            Some(r) if r >= 0 => buffer(mem, v, r as u64),
            _ => ptr(v),
        },
        Arg::Flags(table, zero) => flags(v & 0xffff_ffff, table, zero),
        Arg::Enum(table) => enumerated(v as i32 as i64, table),
        Arg::SockType => sock_type(v),
        Arg::Signal => signal_name(v as i32 as i64),
        Arg::SigsetOut => match (ret, mem.read_bytes(v, 8)) {
            (Some(0), Ok(b)) if v != 0 => sigset(u64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
            _ => ptr(v),
        },
        Arg::SigsetIn => match mem.read_bytes(v, 8) {
            Ok(b) if v != 0 => sigset(u64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
            _ => ptr(v),
        },
        Arg::IntPairOut => match (ret, FdPair::peek(mem, v)) {
            (Some(0), Some(p)) => show_fd_pair(p),
            _ => ptr(v),
        },
        Arg::TimespecIn => timespec(mem, v),
        Arg::UsecTimespec => {
            let us = v as u32 as u64;
            format!("{{tv_sec={}, tv_nsec={}}}", us / 1_000_000, us % 1_000_000 * 1000)
        }
        Arg::TimespecOut => match ret {
            Some(0) => timespec(mem, v),
            _ => ptr(v),
        },
        Arg::ItimerspecIn => itimerspec(mem, v),
        Arg::ItimerspecOut => match ret {
            Some(0) => itimerspec(mem, v),
            _ => ptr(v),
        },
        Arg::EpollEventIn => {
            if v == 0 {
                "NULL".to_string()
            } else {
                epoll_event_at(mem, v).unwrap_or_else(|| ptr(v))
            }
        }
        Arg::EpollEventsOut => match ret {
            // strace prints NULL as NULL whatever the result (`epoll_wait(3, NULL, 1, 0) = 0`).
            _ if v == 0 => ptr(v),
            Some(n) if n >= 0 => {
                // strace shows at most as many elements as bytes of a string (`-s`), then `...`.
                let shown = (n as u64).min(string_limit() as u64);
                let mut evs: Vec<String> =
                    (0..shown).map(|k| epoll_event_at(mem, v.wrapping_add(EpollEvent::SIZE * k)).unwrap_or_else(|| "...".into())).collect();
                if shown < n as u64 {
                    evs.push("...".to_string());
                }
                format!("[{}]", evs.join(", "))
            }
            _ => ptr(v),
        },
        Arg::PollfdsIn => match (v, args.get(1).map_or(0, |n| *n as u32 as u64)) {
            (0, _) => "NULL".to_string(),
            (v, n) => pollfds_at(mem, v, n),
        },
        Arg::Func => fn_name(v).unwrap_or_else(|| format!("{v:#x}")),
        Arg::Lit(s) => s.to_string(),
        Arg::FcntlArg => fcntl_arg(args.get(1).map_or(0, |c| *c as i32), v, mem),
        Arg::Path => path(mem, v),
        Arg::AtFd => match v as i32 {
            -100 => "AT_FDCWD".to_string(),
            fd => fd.to_string(),
        },
        Arg::OpenFlags => open_flags(v & 0xffff_ffff),
        Arg::Octal => format!("0{:o}", v as u32),
        Arg::CreateMode(n) => match args.get(n) {
            // O_CREAT, or __O_TMPFILE.
            Some(f) if f & 0o20000100 != 0 => format!("0{:o}", v as u32),
            _ => String::new(),
        },
        Arg::StatOut => match ret {
            Some(0) => Stat::peek(mem, v).map_or_else(|| ptr(v), show_stat),
            _ => ptr(v),
        },
        Arg::IntRef => int_ref(mem, v),
        Arg::IntOut => match ret {
            Some(r) if r >= 0 => int_ref(mem, v),
            _ => ptr(v),
        },
        Arg::IoctlArg(n) => match args.get(n).map_or(0, |r| *r as u32) {
            0x541b => render_arg(Arg::IntOut, i, args, ret, mem, fn_name),
            0x5421 => int_ref(mem, v),
            0x5450 | 0x5451 => String::new(),
            _ => hex(v),
        },
        Arg::SockOpt(n) => {
            let level = args.get(n).map_or(0, |l| *l as i32);
            match super::sockopt_names::options_of(level) {
                Some(table) => enumerated(v as i32 as i64, table),
                None => (v as i32).to_string(),
            }
        }
        Arg::SockOptVal(l, o) => {
            let at = |k: usize| args.get(k).map_or(0, |x| *x as i32);
            if super::sockopt_names::STRUCT_VALUED.contains(&(at(l), at(o))) {
                ptr(v)
            } else {
                int_ref(mem, v)
            }
        }
        Arg::FutexArg(k) => futex_arg(k, args, mem),
        Arg::WaitStatusOut => match (ret, i32::peek(mem, v)) {
            (Some(r), Some(s)) if r > 0 && v != 0 => format!("[{}]", wait_status(s)),
            _ => ptr(v),
        },
        Arg::SigactionIn(layout) => sigaction_at(mem, v, layout, true),
        Arg::SigactionOut(layout) => match ret {
            Some(0) => sigaction_at(mem, v, layout, false),
            _ => ptr(v),
        },
        Arg::SignalAction(n) => {
            let sig = args.get(n).map_or(0, |s| *s as i32 as i64);
            let mask = if (1..=64).contains(&sig) { 1u64 << (sig - 1) } else { 0 };
            sigaction_text(Sigaction { handler: v, flags: SA_RESTORER | SA_RESTART, restorer: GLIBC_RESTORER, mask })
        }
        Arg::SignalOldAction | Arg::GlibcSiginfo => ptr(GLIBC_BUFFER),
        Arg::FdSet => fd_set(mem, v, args.first().map_or(0, |n| *n as i32)),
        Arg::TimevalAsTimespec => match crate::abi::Timeval::peek(mem, v) {
            Some(tv) if v != 0 => {
                // glibc's `select` normalises the microseconds into the seconds as it converts.
                let (sec, usec) = (tv.sec.wrapping_add(tv.usec.div_euclid(1_000_000)), tv.usec.rem_euclid(1_000_000));
                format!("{{tv_sec={sec}, tv_nsec={}}}", usec * 1000)
            }
            _ => ptr(v),
        },
        Arg::PselectSigmask => {
            let set = if v == 0 {
                "NULL".to_string()
            } else {
                match mem.read_bytes(v, 8) {
                    Ok(b) => sigset(u64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
                    Err(_) => ptr(v),
                }
            };
            format!("{{sigmask={set}, sigsetsize=8}}")
        }
        Arg::OwnPid => CALLER.with(|c| c.get()).1.to_string(),
        Arg::OwnTid => CALLER.with(|c| c.get()).0.to_string(),
        Arg::SigsetSized(n) => match args.get(n) {
            Some(8) => render_arg(Arg::SigsetIn, i, args, ret, mem, fn_name),
            _ => ptr(v),
        },
        Arg::SiginfoOut => match (ret, mem.read_bytes(v, 48)) {
            (Some(r), Ok(b)) if r > 0 && v != 0 => {
                let int = |o: usize| i32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default());
                let long = |o: usize| i64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
                siginfo_text(&Siginfo {
                    signo: int(0).into(),
                    code: int(8),
                    pid: int(16).into(),
                    uid: int(20) as u32,
                    status: int(24),
                    utime: long(32),
                    stime: long(40),
                })
            }
            _ => ptr(v),
        },
    }
}

/// A `siginfo_t` as strace shows it: a signal a process sent,
/// `{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1000, si_uid=1000}` (`si_code` by name for the
/// codes a sender makes, in decimal otherwise), or a child's `SIGCHLD`, `{si_signo=SIGCHLD,
/// si_code=CLD_EXITED, si_pid=1001, si_uid=1000, si_status=3, si_utime=0, si_stime=0}` (the
/// status a number for an exit, a signal's name otherwise).
pub fn siginfo_text(i: &Siginfo) -> String {
    const CLD: [&str; 6] = ["CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"];
    let Siginfo { signo, code, pid, uid, status, utime, stime } = *i;
    if signo == c::SIGCHLD as i64 && (1..=6).contains(&code) {
        let status = if code == 1 { status.to_string() } else { signal_name(status.into()) };
        return format!(
            "{{si_signo=SIGCHLD, si_code={}, si_pid={pid}, si_uid={uid}, si_status={status}, si_utime={utime}, si_stime={stime}}}",
            CLD[code as usize - 1]
        );
    }
    let code = match code {
        0 => "SI_USER".to_string(),
        0x80 => "SI_KERNEL".to_string(),
        -1 => "SI_QUEUE".to_string(),
        -2 => "SI_TIMER".to_string(),
        -3 => "SI_MESGQ".to_string(),
        -4 => "SI_ASYNCIO".to_string(),
        -5 => "SI_SIGIO".to_string(),
        -6 => "SI_TKILL".to_string(),
        c => c.to_string(),
    };
    format!("{{si_signo={}, si_code={code}, si_pid={pid}, si_uid={uid}}}", signal_name(signo))
}

/// The fields of a `siginfo_t` that strace shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Siginfo {
    pub signo: i64,
    pub code: i32,
    pub pid: i64,
    pub uid: u32,
    /// `SIGCHLD` only: the exit code or the signal, and the child's CPU times.
    pub status: i32,
    pub utime: i64,
    pub stime: i64,
}

// ---- signals and select ---------------------------------------------------------------------

thread_local! {
    /// The thread making the call being decoded and its process's pid (for [`Arg::OwnTid`] and
    /// [`Arg::OwnPid`]): set by the tracer.
    static CALLER: std::cell::Cell<(u64, i64)> = const { std::cell::Cell::new((0, crate::fork::PID_BASE)) };
}

/// Makes `tid` of process `pid` the caller of the calls this thread decodes next.
pub fn set_caller(tid: u64, pid: i64) {
    CALLER.with(|c| c.set((tid, pid)));
}

const SA_RESTORER: u64 = c::SA_RESTORER as u64;
const SA_RESTART: u64 = c::SA_RESTART as u64;

/// The address the trace gives glibc's signal restorer (`__restore_rt`), which glibc's
/// `sigaction` and `signal` put in every action they install and which Spindle has no code for:
/// a function value no guest function has (docs/trace.md). strace shows the real one
/// (`sa_restorer=0x408fb0`); tests/strace.rs normalises both.
pub const GLIBC_RESTORER: u64 = 0x8000_0000_ffff_ffff;

/// The address the trace gives a buffer glibc passes from its own stack, which Spindle does not
/// have (`signal`'s old action, `sigwait`'s `siginfo_t`) where strace shows its address (the
/// call failed): an address no guest memory has (docs/trace.md); tests/strace.rs normalises it
/// as any other address.
pub const GLIBC_BUFFER: u64 = 0x8000_0000_ffff_f000;

/// The address the trace gives the calling thread's `tid` field in glibc's `struct pthread`,
/// which `fork` passes to `clone` as `child_tidptr` and which Spindle does not have: an address
/// no guest memory has, as [`GLIBC_BUFFER`]. strace shows the real one
/// (`child_tidptr=0x34c4e650`); tests/strace.rs normalises both.
pub const GLIBC_TID: u64 = 0x8000_0000_ffff_e000;

/// `fork`'s `clone` arguments as strace shows them ([`GLIBC_TID`] as `child_tidptr`).
pub const FORK_CLONE_TIDPTR: &str = "child_tidptr=0x80000000ffffe000";

/// `sa_flags`, in strace's order (read off strace 6.1 with every bit alone and all at once).
pub const SA_FLAGS: &FlagNames = &FlagNames {
    names: &[
        (u(c::SA_RESTORER), "SA_RESTORER"),
        (u(c::SA_ONSTACK), "SA_ONSTACK"),
        (u(c::SA_RESTART), "SA_RESTART"),
        (0x2000_0000, "SA_INTERRUPT"),
        (u(c::SA_NODEFER), "SA_NODEFER"),
        (u(c::SA_RESETHAND), "SA_RESETHAND"),
        (u(c::SA_SIGINFO), "SA_SIGINFO"),
        (u(c::SA_NOCLDSTOP), "SA_NOCLDSTOP"),
        (u(c::SA_NOCLDWAIT), "SA_NOCLDWAIT"),
    ],
    unknown: "SA_???",
};

/// A `struct sigaction` as the kernel sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// A `struct sigaction` in guest memory, in `layout`, as the kernel gets it (`input`: the new
/// action, see [`SaLayout`]) or as it wrote it (the old one; glibc copies the kernel's flags
/// into its `int`).
pub fn read_sigaction(mem: &Memory, addr: u64, layout: SaLayout, input: bool) -> Option<Sigaction> {
    let size = if layout == SaLayout::Kernel { 32 } else { 152 };
    let b = mem.read_bytes(addr, size).ok().filter(|_| addr != 0)?;
    let w = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
    Some(match (layout, input) {
        (SaLayout::Kernel, _) => Sigaction { handler: w(0), flags: w(8), restorer: w(16), mask: w(24) },
        (SaLayout::Libc, true) => {
            Sigaction { handler: w(0), mask: w(8), flags: w(136) as u32 as i32 as i64 as u64 | SA_RESTORER, restorer: GLIBC_RESTORER }
        }
        (SaLayout::Libc, false) => Sigaction { handler: w(0), mask: w(8), flags: w(136) as u32 as u64, restorer: w(144) },
    })
}

/// A `struct sigaction` pointer as strace shows it: `NULL`, the struct, or the address.
fn sigaction_at(mem: &Memory, addr: u64, layout: SaLayout, input: bool) -> String {
    read_sigaction(mem, addr, layout, input).map_or_else(|| ptr(addr), sigaction_text)
}

/// `{sa_handler=SIG_IGN, sa_mask=[USR2], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x…}`, as
/// strace 6.1 prints it: the handler by name (`SIG_DFL`, `SIG_IGN`, `SIG_ERR`) or in hex (a guest
/// function's value: `0x8000000000000003`, docs/trace.md), `sa_restorer` only with
/// `SA_RESTORER`.
pub fn sigaction_text(a: Sigaction) -> String {
    let handler = match a.handler {
        0 => "SIG_DFL".to_string(),
        1 => "SIG_IGN".to_string(),
        u64::MAX => "SIG_ERR".to_string(),
        h => format!("{h:#x}"),
    };
    let mut out = format!("{{sa_handler={handler}, sa_mask={}, sa_flags={}", sigset(a.mask), flags(a.flags, SA_FLAGS, "0"));
    if a.flags & SA_RESTORER != 0 {
        out.push_str(", sa_restorer=");
        out.push_str(&ptr(a.restorer));
    }
    out.push('}');
    out
}

/// The bits of an `fd_set` of `nfds` fds at `addr`, as many bytes as the kernel reads (`None`:
/// unreadable).
fn fd_set_bits(mem: &Memory, addr: u64, nfds: i32) -> Option<&[u8]> {
    let bytes = (nfds.max(0) as u64).div_ceil(64) * 8;
    mem.slice(addr, bytes).ok()
}

/// The fds below `nfds` set in `bits` (looking only at the bytes that have any).
fn fds_in_set(bits: &[u8], nfds: i32) -> impl Iterator<Item = i32> + '_ {
    bits.iter()
        .enumerate()
        .filter(|(_, b)| **b != 0)
        .flat_map(|(k, b)| (0..8).filter(move |bit| b & (1 << bit) != 0).map(move |bit| (k * 8 + bit) as i32))
        .take_while(move |fd| *fd < nfds)
}

/// An `fd_set` argument as strace shows it: `[3 4]` (every fd set below `nfds`, whatever `-s`
/// says), `NULL`, or the address when `nfds` is not positive or the set cannot be read.
pub fn fd_set(mem: &Memory, addr: u64, nfds: i32) -> String {
    fd_set_linked(mem, addr, nfds, &|_| None)
}

/// [`fd_set`], each fd annotated with what `link` says it names (strace's `-y`).
pub fn fd_set_linked(mem: &Memory, addr: u64, nfds: i32, link: &dyn Fn(i32) -> Option<Vec<u8>>) -> String {
    fd_set_from(fd_set_bits(mem, addr, nfds), addr, nfds, link)
}

/// An `fd_set` at `addr` whose bytes were `bits` (`None`: unreadable), as [`fd_set_linked`]
/// shows it.
pub fn fd_set_from(bits: Option<&[u8]>, addr: u64, nfds: i32, link: &dyn Fn(i32) -> Option<Vec<u8>>) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(bits) = bits.filter(|_| nfds > 0) else { return ptr(addr) };
    let mut out = String::from("[");
    for fd in fds_in_set(bits, nfds) {
        if out.len() > 1 {
            out.push(' ');
        }
        push_int(&mut out, fd as i64);
        if let Some(l) = link(fd) {
            push_fd_link(&mut out, &l);
        }
    }
    out.push(']');
    out
}

/// The fds `select` named in its sets (`nfds` in `args[0]`, the sets in 1–3), for `-y`.
pub fn fd_set_fds(mem: &Memory, args: &[u64]) -> Vec<i32> {
    let nfds = args.first().map_or(0, |n| *n as i32);
    let mut fds: Vec<i32> = (1..4)
        .filter_map(|k| args.get(k).copied().filter(|a| *a != 0))
        .filter_map(|a| fd_set_bits(mem, a, nfds).filter(|_| nfds > 0))
        .flat_map(|bits| fds_in_set(bits, nfds))
        .collect();
    fds.sort_unstable();
    fds.dedup();
    fds
}

/// What strace shows after `select`'s and `pselect6`'s count `n` (the sets in `args[1..4]`,
/// read after the call): `in [3], out [4]`, at most `n` fds in all, the sets that have none
/// left out.
pub fn fd_sets_result(mem: &Memory, args: &[u64], mut n: i64) -> String {
    let nfds = args.first().map_or(0, |x| *x as i32);
    let mut out = String::new();
    for (k, name) in ["in", "out", "except"].into_iter().enumerate() {
        if n <= 0 {
            break;
        }
        let addr = args.get(k + 1).copied().unwrap_or(0);
        let Some(bits) = fd_set_bits(mem, addr, nfds).filter(|_| addr != 0 && nfds > 0) else { continue };
        let mut first = true;
        for fd in fds_in_set(bits, nfds) {
            if first {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                out.push_str(name);
                out.push_str(" [");
                first = false;
            } else {
                out.push(' ');
            }
            push_int(&mut out, fd as i64);
            n -= 1;
            if n == 0 {
                break;
            }
        }
        if !first {
            out.push(']');
        }
    }
    out
}

/// How strace shows a call that a signal's handler interrupted: the kernel's restart code,
/// which strace sees before the handler turns it into `EINTR` (or makes the call again), as
/// each call returns it on Linux 6 (read off strace 6.1 with a C twin: `tests/strace/`); `None`
/// for a call that returns `EINTR` itself (`epoll_wait`, `epoll_pwait`, `epoll_pwait2`).
/// `args` picks `futex`'s: with a timeout it is `ERESTART_RESTARTBLOCK`.
pub fn interrupted_text(call: &str, args: &[u64]) -> Option<&'static str> {
    const SYS: &str = "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
    const NOHAND: &str = "? ERESTARTNOHAND (To be restarted if no handler)";
    const BLOCK: &str = "? ERESTART_RESTARTBLOCK (Interrupted by signal)";
    match call {
        "read" | "write" | "readv" | "writev" | "pread64" | "pwrite64" | "recvfrom" | "sendto" | "recvmsg" | "sendmsg" | "wait4"
        | "openat" | "accept" | "accept4" | "connect" => Some(SYS),
        "futex" => {
            let op = args.get(1).map_or(0, |o| *o as u32) & !(128 | 256);
            let timeout = args.get(3).copied().unwrap_or(0);
            match op {
                0 | 9 if timeout != 0 => Some(BLOCK),
                _ => Some(SYS),
            }
        }
        "poll" | "clock_nanosleep" | "nanosleep" => Some(BLOCK),
        "ppoll" | "pselect6" | "select" | "rt_sigsuspend" | "pause" => Some(NOHAND),
        _ => None,
    }
}

/// Whether the kernel ends `call` with a plain `EINTR` when a handler interrupts it, and never
/// restarts it (`rt_sigtimedwait`, the `epoll_wait`s): when it is made again, glibc's loop
/// made it (`sigwait`), and strace shows the `-1 EINTR` first.
pub fn never_restarted(call: &str) -> bool {
    matches!(call, "rt_sigtimedwait" | "epoll_wait" | "epoll_pwait" | "epoll_pwait2")
}

/// The system call numbers (x86-64) of the calls a handler may interrupt and `SA_RESTART`
/// make again: what `rt_sigreturn` returns then (the kernel restores the call's number into
/// `rax` to make it again, and strace shows it: `rt_sigreturn({mask=[]}) = 0` after `read`).
pub fn syscall_number(call: &str) -> Option<i64> {
    Some(match call {
        "read" => 0,
        "write" => 1,
        "pread64" => 17,
        "pwrite64" => 18,
        "readv" => 19,
        "writev" => 20,
        "sendto" => 44,
        "recvfrom" => 45,
        "sendmsg" => 46,
        "recvmsg" => 47,
        "wait4" => 61,
        // glibc's `pthread_join` waits in `futex`.
        "futex" | "join" => 202,
        "openat" => 257,
        _ => return None,
    })
}

/// `[5]`: the `int` at `v`, or the address.
fn int_ref(mem: &Memory, v: u64) -> String {
    match i32::peek(mem, v) {
        Some(x) if v != 0 => format!("[{x}]"),
        _ => ptr(v),
    }
}

/// C's `%#x`: `0`, or `0x…`.
fn hex(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// `futex`'s argument `k` as strace 6.1 shows it for the operation in argument 1 (its command:
/// the op without `FUTEX_PRIVATE_FLAG` and `FUTEX_CLOCK_REALTIME`), or nothing when the
/// operation does not take it (read off strace with a C probe making every op alone, private
/// and with `FUTEX_CLOCK_REALTIME`; `tests/strace/futex_sockopt_ioctl.c` checks the ops Spindle
/// serves and unknown ones against strace):
///
/// | command | after the op |
/// |---|---|
/// | `WAIT` | `val`, `timeout` |
/// | `WAKE`, `FD` | `val` |
/// | `REQUEUE` | `val`, `val2`, `uaddr2` |
/// | `CMP_REQUEUE`, `CMP_REQUEUE_PI` | `val`, `val2`, `uaddr2`, `val3` |
/// | `WAKE_OP` | `val`, `val2`, `uaddr2`, the decoded operation |
/// | `LOCK_PI`, `LOCK_PI2` | `timeout` |
/// | `UNLOCK_PI`, `TRYLOCK_PI` | nothing |
/// | `WAIT_BITSET` | `val`, `timeout`, the bitset |
/// | `WAKE_BITSET` | `val`, the bitset |
/// | `WAIT_REQUEUE_PI` | `val`, `timeout`, `uaddr2` |
/// | any other | `val`, `timeout` as an address, `uaddr2`, `val3` in hex |
pub fn futex_arg(k: usize, args: &[u64], mem: &Memory) -> String {
    let op = args.get(1).map_or(0, |o| *o as u32);
    let cmd = op & !(128 | 256);
    let v = args.get(k).copied().unwrap_or(0);
    let val = || (v as u32).to_string();
    let bitset = || if v as u32 == u32::MAX { "FUTEX_BITSET_MATCH_ANY".to_string() } else { hex(v as u32 as u64) };
    match (cmd, k) {
        (0 | 1 | 2 | 3 | 4 | 5 | 9 | 10 | 11 | 12, 2) => val(),
        (0 | 6 | 9 | 11 | 13, 3) => timespec(mem, v),
        (3 | 4 | 5 | 12, 3) => val(),
        (3 | 4 | 5 | 11 | 12, 4) => ptr(v),
        (4 | 12, 5) => val(),
        (5, 5) => futex_wake_op(v as u32),
        (9 | 10, 5) => bitset(),
        (0..=13, _) => String::new(),
        (_, 2) => val(),
        (_, 3) | (_, 4) => ptr(v),
        _ => hex(v as u32 as u64),
    }
}

/// `FUTEX_WAKE_OP`'s encoded operation as strace shows it:
/// `FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0`, with unknown parts in hex and their marker.
pub fn futex_wake_op(v: u32) -> String {
    const OPS: [&str; 5] = ["FUTEX_OP_SET", "FUTEX_OP_ADD", "FUTEX_OP_OR", "FUTEX_OP_ANDN", "FUTEX_OP_XOR"];
    const CMPS: [&str; 6] =
        ["FUTEX_OP_CMP_EQ", "FUTEX_OP_CMP_NE", "FUTEX_OP_CMP_LT", "FUTEX_OP_CMP_LE", "FUTEX_OP_CMP_GT", "FUTEX_OP_CMP_GE"];
    let (op, cmp, oparg, cmparg) = (v >> 28, (v >> 24) & 0xf, (v >> 12) & 0xfff, v & 0xfff);
    let mut out = String::new();
    if op & 8 != 0 {
        out.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    match OPS.get((op & 7) as usize) {
        Some(name) => out.push_str(&format!("{name}<<28")),
        None => out.push_str(&format!("{:#x}<<28 /* FUTEX_OP_??? */", op & 7)),
    }
    out.push_str(&format!("|{}<<12|", hex(oparg as u64)));
    match CMPS.get(cmp as usize) {
        Some(name) => out.push_str(&format!("{name}<<24")),
        None => out.push_str(&format!("{cmp:#x}<<24 /* FUTEX_OP_CMP_??? */")),
    }
    out.push_str(&format!("|{}", hex(cmparg as u64)));
    out
}

/// `fcntl`'s third argument as strace shows it for command `cmd` (empty: the command takes
/// none, and the argument is left out).
pub fn fcntl_arg(cmd: i32, v: u64, _mem: &Memory) -> String {
    match cmd {
        // F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS
        1 | 3 | 9 | 11 | 1025 | 1032 | 1034 => String::new(),
        // strace prints the whole `long` (`FD_CLOEXEC|0x100000000`), the kernel reads bit 0.
        2 => flags(v, FD_FLAGS, "0"),
        4 => open_flags(v & 0xffff_ffff),
        // F_DUPFD, F_SETOWN, F_DUPFD_CLOEXEC, F_SETPIPE_SZ: a `long`, in decimal.
        0 | 8 | 1030 | 1031 => (v as i64).to_string(),
        10 => signal_name(v as i64),
        // Locks and owners: a pointer to a struct (not decoded).
        5..=7 | 15 | 16 | 36..=38 => ptr(v),
        1024 => enumerated(v as i32 as i64, LEASES),
        1026 => flags(v & 0xffff_ffff, DN_FLAGS, "0"),
        1033 => flags(v & 0xffff_ffff, SEAL_FLAGS, "0"),
        _ if v == 0 => "0".to_string(),
        _ => format!("{v:#x}"),
    }
}

/// A signal number as strace shows it: `SIGUSR1`, `0`, or the number.
pub fn signal_name(v: i64) -> String {
    match v {
        1..=31 => format!("SIG{}", SIGNALS[v as usize]),
        32 => "SIGRTMIN".to_string(),
        33..=64 => format!("SIGRT_{}", v - 32),
        _ => v.to_string(),
    }
}

/// A NUL-terminated path in guest memory, quoted, or the address. strace shows a path whole
/// (up to `PATH_MAX`), whatever `-s` says (`strace -s 4` on this machine prints a 55-byte
/// `openat` path in full).
pub fn path(mem: &Memory, addr: u64) -> String {
    const PATH_MAX: u64 = 4096;
    let extent = mem.readable_extent(addr).min(PATH_MAX);
    match mem.slice(addr, extent) {
        Ok(b) if addr != 0 => match b.iter().position(|&c| c == 0) {
            Some(n) => {
                let mut s = String::with_capacity(n + 2);
                s.push('"');
                escaped_into(&mut s, &b[..n], b"");
                s.push('"');
                s
            }
            None => ptr(addr),
        },
        _ => ptr(addr),
    }
}

/// Appends what an fd names as strace's `-y` shows it after the number: `<pipe:[12]>`,
/// `</dev/null>`, the path escaped as a string without its quotes and with `<` and `>` in
/// octal (`</tmp/a\74b\76>`); a deleted file's ` (deleted)` goes after the bracket, without the
/// space (`</tmp/f>(deleted)`). `link` is what `readlink("/proc/self/fd/N")` gives.
pub fn push_fd_link(out: &mut String, link: &[u8]) {
    let (path, deleted) = match link.strip_suffix(b" (deleted)") {
        Some(p) => (p, true),
        None => (link, false),
    };
    out.push('<');
    escaped_into(out, path, b"<>");
    out.push('>');
    if deleted {
        out.push_str("(deleted)");
    }
}

/// `bytes` escaped as strace escapes a string, without the quotes or a length limit; the bytes
/// in `extra` are escaped in octal too.
fn escaped_into(s: &mut String, bytes: &[u8], extra: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        let (len, text) = if extra.contains(&b) { shortest_octal(b) } else { ESCAPES[b as usize] };
        // The full three digits when an octal digit follows, as for a string.
        let next_is_digit = bytes.get(i + 1).is_some_and(|c| (b'0'..=b'7').contains(c));
        let (len, text) = if len > 1 && len < 4 && text[1].is_ascii_digit() && next_is_digit { (4, octal(b)) } else { (len, text) };
        s.push_str(std::str::from_utf8(&text[..len as usize]).unwrap_or("?"));
    }
}

/// `\o`, `\oo` or `\ooo`: the shortest octal escape of `b`.
const fn shortest_octal(b: u8) -> (u8, [u8; 4]) {
    if b < 8 {
        (2, [b'\\', b'0' + b, 0, 0])
    } else if b < 64 {
        (3, [b'\\', b'0' + (b >> 3), b'0' + (b & 7), 0])
    } else {
        (4, octal(b))
    }
}

/// A `struct stat` as strace shows it (its abbreviated form).
pub fn show_stat(st: Stat) -> String {
    const TYPES: &[(u32, &str)] = &[
        (0o140000, "S_IFSOCK"),
        (0o120000, "S_IFLNK"),
        (0o100000, "S_IFREG"),
        (0o60000, "S_IFBLK"),
        (0o40000, "S_IFDIR"),
        (0o20000, "S_IFCHR"),
        (0o10000, "S_IFIFO"),
    ];
    let perm = st.mode & 0o7777;
    let mode = match TYPES.iter().find(|(t, _)| st.mode & 0o170000 == *t) {
        Some((_, name)) => format!("{name}|0{perm:o}"),
        None => format!("0{perm:o}"),
    };
    let dev = |d: u64| format!("makedev({:#x}, {:#x})", (d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & 0xfff00));
    match st.mode & 0o170000 {
        0o20000 | 0o60000 => format!("{{st_mode={mode}, st_rdev={}, ...}}", dev(st.rdev)),
        _ => format!("{{st_mode={mode}, st_size={}, ...}}", st.size),
    }
}

/// `-1 EAGAIN (Resource temporarily unavailable)`.
pub fn error_text(errno: i64) -> String {
    match errno_name(errno) {
        Some(name) => format!("-1 {name} ({})", strerror(errno)),
        None => format!("-1 {errno}"),
    }
}

/// glibc's message for an errno value (from the generated table in `consts.rs`).
pub fn strerror(e: i64) -> &'static str {
    crate::consts::strerror(e).unwrap_or("Unknown error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_cut_like_strace() {
        assert_eq!(quoted(b"\x01\0\0\0\0\0\0\0"), r#""\1\0\0\0\0\0\0\0""#);
        assert_eq!(quoted(b"hello\nworld\x01\x02 and a long long long long tail"), r#""hello\nworld\1\2 and a long long lo"..."#);
        assert_eq!(quoted(b"\x011"), r#""\0011""#);
        // As `strace -e trace=write` prints these bytes on this machine (strace 6.1).
        assert_eq!(quoted(b"\x08"), r#""\10""#);
        assert_eq!(quoted(b"\x081"), r#""\0101""#);
        assert_eq!(quoted(b"\x1f9"), r#""\379""#);
        assert_eq!(quoted(b"\x7fx"), r#""\177x""#);
        assert_eq!(quoted(b"\xff0"), r#""\3770""#);
        assert_eq!(quoted(b"\x1b["), r#""\33[""#);
        assert_eq!(quoted(b"\"\\\x0c\x0b\r"), r#""\"\\\f\v\r""#);
    }

    #[test]
    fn flags_and_enums_are_named_in_strace_order() {
        assert_eq!(flags(0x80000 | 0x800, EFD_FLAGS, "0"), "EFD_CLOEXEC|EFD_NONBLOCK");
        assert_eq!(flags(1 | (1 << 31), EPOLL_EVENTS, "0"), "EPOLLIN|EPOLLET");
        assert_eq!(flags(0x40 | 0x4000, MSG_FLAGS, "0"), "MSG_DONTWAIT|MSG_NOSIGNAL");
        assert_eq!(open_flags(0x800), "O_RDONLY|O_NONBLOCK");
        assert_eq!(enumerated(1, EPOLL_OPS), "EPOLL_CTL_ADD");
        assert_eq!(flags(0x1_0000_0000_u64 >> 4, EPOLL_EVENTS, "0"), "0x10000000".replace("0x10000000", "EPOLLEXCLUSIVE"));
    }

    /// The classes of issue #24, as `strace` 6.1 prints them on this machine
    /// (tests/strace/every_call.c checks them all against strace itself).
    #[test]
    fn unknown_bits_values_and_foreign_names_read_as_in_strace() {
        assert_eq!(flags(2, EFD_FLAGS, "0"), "0x2 /* EFD_??? */");
        assert_eq!(flags(0x80002, EFD_FLAGS, "0"), "EFD_CLOEXEC|0x2");
        assert_eq!(flags(1 | 0x800, EFD_FLAGS, "0"), "EFD_SEMAPHORE|EFD_NONBLOCK");
        assert_eq!(flags(1, O_FLAGS, "0"), "0x1 /* O_??? */");
        assert_eq!(flags(0x101000, O_FLAGS, "0"), "O_SYNC");
        assert_eq!(flags(0x100000, O_FLAGS, "0"), "__O_SYNC");
        assert_eq!(flags(0x410000, O_FLAGS, "0"), "O_TMPFILE");
        assert_eq!(flags(0x800 | 0x2000, O_FLAGS, "0"), "O_NONBLOCK|FASYNC");
        assert_eq!(open_flags(0x4 | 1), "O_WRONLY|0x4");
        assert_eq!(flags(1, TFD_FLAGS, "0"), "TFD_TIMER_ABSTIME");
        assert_eq!(flags(0x800, TFD_TIMER_FLAGS, "0"), "TFD_NONBLOCK");
        assert_eq!(flags(0x100000, MSG_FLAGS, "0"), "0x100000 /* MSG_??? */");
        assert_eq!(flags(0x800, EPOLL_EVENTS, "0"), "0x800 /* EPOLL??? */");
        assert_eq!(enumerated(1234, CLOCKS), "0x4d2 /* CLOCK_??? */");
        assert_eq!(enumerated(0, EPOLL_OPS), "0 /* EPOLL_CTL_??? */");
        assert_eq!(enumerated(0x1234, IOCTL_REQS), "_IOC(_IOC_NONE, 0x12, 0x34, 0)");
        assert_eq!(enumerated(-1, SHUT_HOW), "0xffffffff /* SHUT_??? */");
        assert_eq!(sock_type(9), "0x9 /* SOCK_??? */");
        assert_eq!(sock_type(0), "0");
        assert_eq!(sock_type(2 | 0x4d0), "SOCK_DGRAM|0x4d0 /* SOCK_??? */");
        assert_eq!(sock_type(1 | 0x800 | 0x80000), "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK");
        assert_eq!(sock_type(0xffff_ffff), "SOCK_CLOEXEC|SOCK_NONBLOCK|0xfff7f7ff");
        assert_eq!(fcntl_arg(99, 0, &Memory::new(1 << 20)), "0");
        assert_eq!(fcntl_arg(2, 3, &Memory::new(1 << 20)), "FD_CLOEXEC|0x2");
        assert_eq!(fcntl_arg(1, 3, &Memory::new(1 << 20)), "");
    }

    #[test]
    fn signal_masks_read_as_in_strace() {
        assert_eq!(sigset(0), "[]");
        assert_eq!(sigset((1 << 1) | (1 << 14)), "[INT TERM]");
        assert_eq!(sigset(!0), "~[]");
        assert_eq!(sigset(!(1 << 8)), "~[KILL]");
        assert_eq!(sigset(3 << 33), "[RT_2 RT_3]");
        assert!(sigset((1 << 41) - 1).starts_with("[HUP "), "41 signals are listed");
        assert!(sigset((1 << 42) - 1).starts_with("~[RT_11 "), "42 are shown as the complement");
    }

    /// As `strace -y` 6.1 prints these links on this machine (a file named `a<b>c\1\tz`, one
    /// deleted, a path with a quote and a newline).
    #[test]
    fn fd_links_read_as_in_strace_y() {
        let link = |l: &[u8]| {
            let mut s = String::new();
            push_fd_link(&mut s, l);
            s
        };
        assert_eq!(link(b"pipe:[5130500]"), "<pipe:[5130500]>");
        assert_eq!(link(b"/tmp/sy/a<b>c\x01\tz"), r"</tmp/sy/a\74b\76c\1\tz>");
        assert_eq!(link(b"/tmp/sy/d/file \"q\"\n (deleted)"), r#"</tmp/sy/d/file \"q\"\n>(deleted)"#);
        assert_eq!(link(b"/x<1"), r"</x\0741>");
    }

    /// Lines of `strace` 6.1 on this machine (a C probe making every op with `val` 5, `timeout`
    /// -1, `uaddr2` NULL and `val3` 0xffffffff, and a few more), argument by argument.
    #[test]
    fn futex_args_read_as_in_strace() {
        let mem = Memory::new(1 << 20);
        let shown = |op: u64, rest: [u64; 4]| -> String {
            let args = [0x1000, op, rest[0], rest[1], rest[2], rest[3]];
            (2..6).map(|k| futex_arg(k, &args, &mem)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
        };
        let all = [5, u64::MAX, 0, 0xffff_ffff];
        assert_eq!(shown(0, all), "5, 0xffffffffffffffff");
        assert_eq!(shown(129, all), "5");
        assert_eq!(shown(0x101, all), "5");
        assert_eq!(shown(3, all), "5, 4294967295, NULL");
        assert_eq!(shown(4, all), "5, 4294967295, NULL, 4294967295");
        assert_eq!(shown(12, all), "5, 4294967295, NULL, 4294967295");
        assert_eq!(
            shown(5, all),
            "5, 4294967295, NULL, FUTEX_OP_OPARG_SHIFT<<28|0x7<<28 /* FUTEX_OP_??? */|0xfff<<12|0xf<<24 /* FUTEX_OP_CMP_??? */|0xfff"
        );
        assert_eq!(shown(6, all), "0xffffffffffffffff");
        assert_eq!(shown(0x10d, all), "0xffffffffffffffff");
        assert_eq!(shown(7, all), "");
        assert_eq!(shown(9, all), "5, 0xffffffffffffffff, FUTEX_BITSET_MATCH_ANY");
        assert_eq!(shown(10, all), "5, FUTEX_BITSET_MATCH_ANY");
        assert_eq!(shown(11, all), "5, 0xffffffffffffffff, NULL");
        assert_eq!(shown(9, [5, 0, 0, 1]), "5, NULL, 0x1");
        assert_eq!(shown(9, [5, 0, 0, 0]), "5, NULL, 0");
        assert_eq!(shown(3, [u64::MAX, 0x1_0000_0003, 0, 0]), "4294967295, 3, NULL");
        assert_eq!(shown(99, [1, 2, 0x7ffc, 7]), "1, 0x2, 0x7ffc, 0x7");
        assert_eq!(shown(0xffff_ffff, [u64::MAX, 0, 0, 0]), "4294967295, NULL, NULL, 0");
        assert_eq!(futex_wake_op(0), "FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0");
    }

    use spindle_vm::memory::AllocKind;
    use spindle_vm::source::Span;

    /// Lines of `strace` 6.1 on this machine (`tests/strace/signal_calls.c` and a probe setting
    /// every `sa_flags` bit alone and all at once through the system call).
    #[test]
    fn sigactions_read_as_in_strace() {
        let sa = |handler, flags, restorer, mask| sigaction_text(Sigaction { handler, flags, restorer, mask });
        assert_eq!(sa(0, 0, 0, 0), "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}");
        assert_eq!(sa(1, 0x1000_0000, 0, 1), "{sa_handler=SIG_IGN, sa_mask=[HUP], sa_flags=SA_RESTART}");
        assert_eq!(sa(u64::MAX, 0, 0, 0), "{sa_handler=SIG_ERR, sa_mask=[], sa_flags=0}");
        assert_eq!(sa(2, 8, 0, 0), "{sa_handler=0x2, sa_mask=[], sa_flags=0x8 /* SA_??? */}");
        assert_eq!(
            sa(0x401615, 0x0400_0000 | 0x1000_0000, 0x408b20, 0),
            "{sa_handler=0x401615, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x408b20}"
        );
        assert_eq!(
            sa(1, !0x0400_0000, 0, 0),
            "{sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_ONSTACK|SA_RESTART|SA_INTERRUPT|SA_NODEFER|SA_RESETHAND|SA_SIGINFO|SA_NOCLDSTOP|SA_NOCLDWAIT|0xffffffff03fffff8}"
        );
        // glibc's struct as the kernel gets it: an `int` of flags sign-extended, SA_RESTORER and
        // glibc's restorer added; as the kernel wrote it back: the flags as they are.
        let mut mem = Memory::new(1 << 20);
        let mut b = vec![0u8; 152];
        b[..8].copy_from_slice(&0x8000_0000_0000_0003u64.to_le_bytes());
        b[8..16].copy_from_slice(&((1u64 << 14) | (1 << 35)).to_le_bytes());
        b[136..140].copy_from_slice(&(0x8000_0004u32).to_le_bytes());
        let a = mem.allocate(152, &b, AllocKind::Heap, Span::default()).expect("memory");
        let new = read_sigaction(&mem, a, SaLayout::Libc, true).expect("readable");
        assert_eq!(new.flags, 0xffff_ffff_8400_0004);
        assert_eq!(
            sigaction_text(new),
            "{sa_handler=0x8000000000000003, sa_mask=[TERM RT_4], sa_flags=SA_RESTORER|SA_RESETHAND|SA_SIGINFO|0xffffffff00000000, sa_restorer=0x80000000ffffffff}"
        );
        assert_eq!(read_sigaction(&mem, a, SaLayout::Libc, false).map(|o| (o.flags, o.restorer)), Some((0x8000_0004, 0)));
        assert_eq!(sigaction_at(&mem, 0, SaLayout::Kernel, true), "NULL");
        assert_eq!(sigaction_at(&mem, 0x10, SaLayout::Kernel, true), "0x10");
    }

    /// As `strace` 6.1 prints `pselect6` (`tests/strace/select_sets.c` and a probe with sets of
    /// 70 and 256 fds).
    #[test]
    fn fd_sets_read_as_in_strace() {
        let mut mem = Memory::new(1 << 20);
        let bits: [u64; 4] = [0x18, 1, 0, 1 << 63];
        let a = mem
            .allocate(32, &bits.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>(), AllocKind::Heap, Span::default())
            .expect("memory");
        assert_eq!(fd_set(&mem, a, 256), "[3 4 64 255]");
        assert_eq!(fd_set(&mem, a, 65), "[3 4 64]");
        assert_eq!(fd_set(&mem, a, 4), "[3]");
        assert_eq!(fd_set(&mem, 0, 5), "NULL");
        assert_eq!(fd_set(&mem, a, 0), format!("{a:#x}"));
        assert_eq!(fd_set(&mem, a, -1), format!("{a:#x}"));
        assert_eq!(fd_set(&mem, 0x10, 5), "0x10");
        // The result: at most as many fds as the call returned, the empty sets left out.
        assert_eq!(fd_sets_result(&mem, &[5, a, 0, a], 3), "in [3 4], except [3]");
        assert_eq!(fd_sets_result(&mem, &[5, 0, a, 0], 1), "out [3]");
        assert_eq!(fd_sets_result(&mem, &[2, a, a, a], 1), "");
        assert_eq!(fd_set_fds(&mem, &[65, a, 0, a]), vec![3, 4, 64]);
    }

    /// What strace 6.1 shows for a call a handler interrupted (`tests/strace/signal_interrupts.c`).
    #[test]
    fn interrupted_calls_read_as_in_strace() {
        let text = |call: &str, args: &[u64]| interrupted_text(call, args).map(|t| t.split(' ').nth(1).unwrap_or_default());
        assert_eq!(text("read", &[]), Some("ERESTARTSYS"));
        assert_eq!(text("futex", &[0, 128, 0, 0]), Some("ERESTARTSYS"));
        assert_eq!(text("futex", &[0, 128, 0, 0x1000]), Some("ERESTART_RESTARTBLOCK"));
        assert_eq!(text("poll", &[]), Some("ERESTART_RESTARTBLOCK"));
        assert_eq!(text("clock_nanosleep", &[]), Some("ERESTART_RESTARTBLOCK"));
        assert_eq!(text("pselect6", &[]), Some("ERESTARTNOHAND"));
        assert_eq!(text("rt_sigsuspend", &[]), Some("ERESTARTNOHAND"));
        assert_eq!(text("epoll_wait", &[]), None);
        assert_eq!((syscall_number("read"), syscall_number("futex"), syscall_number("poll")), (Some(0), Some(202), None));
    }

    /// As `strace` 6.1 prints `rt_sigtimedwait`'s set and `info` (a probe with `sigtimedwait`,
    /// `sigwaitinfo` and the system call with a bad size).
    #[test]
    fn sigtimedwait_args_read_as_in_strace() {
        let mut mem = Memory::new(1 << 20);
        let set = mem.allocate(8, &(1u64 << 9).to_le_bytes(), AllocKind::Heap, Span::default()).expect("memory");
        let mut b = vec![0u8; 128];
        b[0..4].copy_from_slice(&10i32.to_le_bytes());
        b[8..12].copy_from_slice(&(-6i32).to_le_bytes());
        b[16..20].copy_from_slice(&1000i32.to_le_bytes());
        b[20..24].copy_from_slice(&1000u32.to_le_bytes());
        let info = mem.allocate(128, &b, AllocKind::Heap, Span::default()).expect("memory");
        let no_fn = |_: u64| None;
        let args = [set, info, 0, 8];
        assert_eq!(render_arg(Arg::SigsetSized(3), 0, &args, Some(10), &mem, &no_fn), "[USR1]");
        assert_eq!(render_arg(Arg::SigsetSized(3), 0, &[set, info, 0, 9], Some(-1), &mem, &no_fn), format!("{set:#x}"));
        assert_eq!(
            render_arg(Arg::SiginfoOut, 1, &args, Some(10), &mem, &no_fn),
            "{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1000, si_uid=1000}"
        );
        assert_eq!(render_arg(Arg::SiginfoOut, 1, &args, Some(-1), &mem, &no_fn), format!("{info:#x}"));
        assert_eq!(render_arg(Arg::SiginfoOut, 1, &[set, 0, 0, 8], Some(10), &mem, &no_fn), "NULL");
        let user = Siginfo { signo: 10, pid: 7, ..Siginfo::default() };
        assert_eq!(siginfo_text(&user), "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=7, si_uid=0}");
    }

    /// As strace 6.1 showed a native probe's `sigwaitinfo` of its children's `SIGCHLD`s and
    /// its `wait4`s of a child that exited, one killed and one that dumped core.
    #[test]
    fn children_read_as_in_strace() {
        let exited = Siginfo { signo: 17, code: 1, pid: 1001, uid: 1000, status: 3, ..Siginfo::default() };
        assert_eq!(
            siginfo_text(&exited),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1001, si_uid=1000, si_status=3, si_utime=0, si_stime=0}"
        );
        let killed = Siginfo { code: 2, status: 15, ..exited };
        assert_eq!(
            siginfo_text(&killed),
            "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=1001, si_uid=1000, si_status=SIGTERM, si_utime=0, si_stime=0}"
        );
        assert_eq!(wait_status(3 << 8), "{WIFEXITED(s) && WEXITSTATUS(s) == 3}");
        assert_eq!(wait_status(15), "{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}");
        assert_eq!(wait_status(6 | 0x80), "{WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT && WCOREDUMP(s)}");
        assert_eq!(wait_status(19 << 8 | 0x7f), "{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}");
        // fork's clone shows glibc's child_tidptr at the address the trace gives it.
        assert_eq!(format!("child_tidptr={}", ptr(GLIBC_TID)), FORK_CLONE_TIDPTR);
    }

    #[test]
    fn errors_read_as_in_strace() {
        assert_eq!(error_text(11), "-1 EAGAIN (Resource temporarily unavailable)");
        assert_eq!(error_text(9), "-1 EBADF (Bad file descriptor)");
    }
}

/// A wait status as strace shows it (`{WIFEXITED(s) && WEXITSTATUS(s) == 3}`).
pub fn wait_status(s: i32) -> String {
    if s & 0x7f == 0 {
        format!("{{WIFEXITED(s) && WEXITSTATUS(s) == {}}}", (s >> 8) & 0xff)
    } else if s & 0xff == 0x7f {
        format!("{{WIFSTOPPED(s) && WSTOPSIG(s) == {}}}", signal_name(((s >> 8) & 0xff).into()))
    } else {
        let core = if s & 0x80 != 0 { " && WCOREDUMP(s)" } else { "" };
        format!("{{WIFSIGNALED(s) && WTERMSIG(s) == {}{core}}}", signal_name((s & 0x7f).into()))
    }
}
