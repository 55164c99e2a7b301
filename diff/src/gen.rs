//! Random scenarios (proptest strategies) over every supported operation, mode and flag,
//! invalid arguments included: closed and never-opened fds, numbers beyond any limit, wrong
//! directions (any handle may be picked for any operation), unknown flags, bad lengths and NULL
//! buffers.
//!
//! Only arguments that Spindle answers are generated: flags and commands that Linux has but
//! Spindle refuses as *unsupported* (`O_DIRECT` pipes, `SOCK_DGRAM`, `MSG_OOB`, `F_SETLK`, …)
//! stop the guest and are not a conformance question.

use crate::scenario::{lx, Fcntl, Fd, Handler, Ioctl, KillTo, Op, Parked, Path, PollCall, Scenario, Src, MAX_LEN};
use proptest::prelude::*;
use proptest::sample::select;

/// An fd operand: mostly a handle bound earlier, sometimes a bare number.
pub fn fd() -> impl Strategy<Value = Fd> {
    prop_oneof![
        24 => any::<u8>().prop_map(Fd::Pick),
        2 => (0u8..12).prop_map(Fd::Rel),
        1 => select(vec![-1, -2, i32::MIN, 1 << 30, i32::MAX]).prop_map(Fd::Abs),
    ]
}

/// A `dup2`/`dup3` target or an `F_DUPFD` minimum.
fn target() -> impl Strategy<Value = Fd> {
    prop_oneof![
        6 => any::<u8>().prop_map(Fd::Pick),
        6 => (0u8..64).prop_map(Fd::Rel),
        1 => select(vec![-1, 1 << 30, i32::MAX]).prop_map(Fd::Abs),
    ]
}

/// Lengths that matter somewhere: around 8 (eventfd), PIPE_BUF and pipe pages, a socket skb and
/// the capacities, and anything below 10000.
pub fn len() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => select(vec![1u32, 0, 2, 3, 5, 7, 8, 9, 16]),
        3 => select(vec![100u32, 1000, 4095, 4096, 4097, 5000, 8192]),
        2 => select(vec![36544u32, 36545, 65535, 65536, 65537, 100000, 212992, 219264, 219265, MAX_LEN]),
        3 => 0u32..10000,
    ]
}

/// Interesting eventfd counter values.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => select(vec![1u64, 0, 2, 5, 0xffff_ffff_ffff_fffe, 0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_fffa, 0xffff_ffff_ffff_fff9]),
        1 => any::<u64>(),
    ]
}

/// A write's buffer and length.
fn write_src() -> impl Strategy<Value = (Src, u32)> {
    prop_oneof![
        6 => len().prop_map(|n| (Src::Pattern, n)),
        4 => (value(), prop_oneof![6 => Just(8u32), 1 => select(vec![0u32, 1, 7, 9, 16])]).prop_map(|(v, n)| (Src::Value(v), n)),
        1 => len().prop_map(|n| (Src::Null, n)),
    ]
}

/// A flag word made of `common` (each bit likely) and `rare` bits (each unlikely).
fn flag_word(common: &'static [u32], rare: &'static [u32]) -> impl Strategy<Value = u32> {
    (proptest::collection::vec(any::<bool>(), common.len()), proptest::collection::vec(0u8..12, rare.len())).prop_map(move |(c, r)| {
        let mut f = 0;
        for (bit, on) in common.iter().zip(c) {
            if on {
                f |= bit;
            }
        }
        for (bit, roll) in rare.iter().zip(r) {
            // 11 sets the bit, so that shrinking (towards 0) clears it.
            if roll == 11 {
                f |= bit;
            }
        }
        f
    })
}

/// Creation flags lean to non-blocking (blocking descriptions are exercised too: their data
/// operations run with `O_NONBLOCK` set around them).
fn nonblock_mostly(rest: &'static [u32], rare: &'static [u32]) -> impl Strategy<Value = u32> {
    (prop_oneof![3 => Just(lx::O_NONBLOCK), 1 => Just(0u32)], flag_word(rest, rare)).prop_map(|(nb, f)| nb | f)
}

fn eventfd() -> impl Strategy<Value = Op> {
    let init = prop_oneof![
        4 => select(vec![0u64, 1, 3, 10, 0xffff_fffe, 0xffff_ffff]),
        1 => select(vec![(1u64 << 32) | 5, u64::MAX]),
        1 => any::<u64>(),
    ];
    (init, nonblock_mostly(&[lx::EFD_SEMAPHORE], &[lx::EFD_CLOEXEC, 4, 0x8000_0000, lx::O_APPEND]))
        .prop_map(|(init, flags)| Op::EventFd { init, flags })
}

fn pipe() -> impl Strategy<Value = Op> {
    // Never O_DIRECT or O_NOTIFICATION_PIPE: Spindle refuses them as unsupported.
    let flags = prop_oneof![
        6 => nonblock_mostly(&[], &[lx::O_CLOEXEC, 1, lx::O_APPEND, 0x8000_0000, lx::O_RDWR]).prop_map(Some),
        1 => Just(None),
    ];
    (flags, prop::bool::weighted(0.04)).prop_map(|(flags, null)| Op::Pipe { flags, null })
}

fn socketpair() -> impl Strategy<Value = Op> {
    let domain = prop_oneof![12 => Just(lx::AF_UNIX), 1 => select(vec![lx::AF_UNSPEC, -1, 46, 1000, lx::AF_INET, lx::AF_INET6])];
    // No SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET for AF_UNIX (unsupported in Spindle).
    let base = prop_oneof![12 => Just(lx::SOCK_STREAM), 1 => select(vec![0u32, 4, 6, 10, 11, 15])];
    let flags = nonblock_mostly(&[], &[lx::SOCK_CLOEXEC, 0x100, 0x8000_0000]);
    let proto = prop_oneof![12 => Just(0), 1 => select(vec![1, 2, -1, 6])];
    (domain, base, flags, proto, prop::bool::weighted(0.04)).prop_map(|(domain, base, flags, proto, null)| Op::SocketPair {
        domain,
        ty: base | flags,
        proto,
        null,
    })
}

fn fcntl_cmd() -> impl Strategy<Value = Fcntl> {
    // F_SETFL: never O_ASYNC, O_DIRECT, O_NOATIME (unsupported in Spindle); the rest of the
    // bits are ignored by both.
    let setfl = nonblock_mostly(
        &[lx::O_APPEND],
        &[lx::O_RDWR, lx::O_WRONLY, lx::O_CREAT, lx::O_EXCL, lx::O_NOCTTY, lx::O_TRUNC, lx::O_LARGEFILE, lx::O_CLOEXEC, lx::O_DSYNC],
    );
    // Commands Linux answers EINVAL for on every description modelled here.
    let other = (select(vec![-1, 12, 13, 14, 100, 1029, 1034, 1037, 1038, 0x7fff_ffff]), select(vec![0u64, 1, 2048]));
    prop_oneof![
        5 => Just(Fcntl::GetFl),
        5 => setfl.prop_map(Fcntl::SetFl),
        2 => Just(Fcntl::GetFd),
        2 => select(vec![0u64, 1, 2, 0xff, (1 << 32) | 1, 1 << 32]).prop_map(Fcntl::SetFd),
        2 => target().prop_map(Fcntl::DupFd),
        1 => target().prop_map(Fcntl::DupFdCloexec),
        1 => Just(Fcntl::GetPipeSz),
        1 => pipe_size().prop_map(Fcntl::SetPipeSz),
        1 => other.prop_map(|(c, a)| Fcntl::Other(c, a)),
    ]
}

fn epoll_op() -> impl Strategy<Value = Op> {
    let create = prop_oneof![6 => Just(0u32), 3 => Just(lx::EPOLL_CLOEXEC), 1 => select(vec![1u32, lx::O_NONBLOCK])];
    let ep = prop_oneof![8 => any::<u8>().prop_map(Fd::PickEpoll), 1 => fd()];
    let ctl_op = prop_oneof![10 => select(vec![lx::EPOLL_CTL_ADD, lx::EPOLL_CTL_MOD, lx::EPOLL_CTL_DEL]), 1 => select(vec![0, 4, -1])];
    let events = flag_word(
        &[lx::EPOLLIN, lx::EPOLLOUT],
        &[lx::EPOLLRDHUP, lx::EPOLLPRI, lx::EPOLLET, lx::EPOLLONESHOT, lx::EPOLLERR, lx::EPOLLHUP, lx::EPOLLEXCLUSIVE, 0x800],
    );
    let data = prop_oneof![4 => 0u64..16, 1 => Just(u64::MAX)];
    let max = prop_oneof![6 => select(vec![64, 1, 2, 3, 8]), 1 => select(vec![0, -1, 1 << 28, i32::MAX])];
    prop_oneof![
        2 => create.prop_map(|flags| Op::EpollCreate1 { flags }),
        6 => (ep.clone(), ctl_op, fd(), events, data, prop::bool::weighted(0.03))
            .prop_map(|(ep, op, fd, events, data, null)| Op::EpollCtl { ep, op, fd, events, data, null }),
        5 => (ep.clone(), max.clone()).prop_map(|(ep, max)| Op::EpollWait { ep, max }),
        // A second thread blocked in an epoll_wait without a timeout.
        2 => (ep, max).prop_map(|(fd, max)| Op::Park { fd, call: Parked::EpollWait { max } }),
    ]
}

/// `F_SETPIPE_SZ` arguments: around pages and powers of two, the limit, beyond 2^31, and
/// values whose low 32 bits (what the kernel reads) differ from the whole.
fn pipe_size() -> impl Strategy<Value = u64> {
    select(vec![0u64, 1, 4096, 5000, 8192, 65536, 65537, 1 << 20, (1 << 20) + 1, 1 << 31, (1 << 32) | 8192, u64::MAX])
}

/// A poll event mask: IN and OUT likely, every other bit rarely, or all of them.
fn poll_events() -> impl Strategy<Value = u16> {
    let word = flag_word(
        &[lx::POLLIN as u32, lx::POLLOUT as u32],
        &[
            lx::POLLRDHUP as u32,
            lx::POLLPRI as u32,
            lx::POLLRDNORM as u32,
            lx::POLLWRNORM as u32,
            lx::POLLRDBAND as u32,
            lx::POLLWRBAND as u32,
            lx::POLLERR as u32,
            lx::POLLHUP as u32,
            lx::POLLNVAL as u32,
        ],
    );
    prop_oneof![8 => word.prop_map(|w| w as u16), 1 => Just(0xffffu16)]
}

/// `poll`, `ppoll` (zero or invalid timeouts, an `nfds` beyond the limit) and `select`, and a
/// thread blocked in a `poll` without a timeout.
fn poll_op() -> impl Strategy<Value = Op> {
    let call = prop_oneof![
        6 => Just(PollCall::Poll),
        3 => Just(PollCall::Ppoll),
        1 => Just(PollCall::PpollBadTime),
        1 => Just(PollCall::HugeNfds),
    ];
    let fds = proptest::collection::vec((fd(), poll_events()), 0..=5);
    let set = prop_oneof![1 => Just(None), 4 => (0u32..(1 << 12)).prop_map(Some)];
    // nfds: covering some of base+0 … base+16, or invalid.
    let nfds = prop_oneof![8 => 3i32..=20, 1 => select(vec![-1, 0, 1])];
    prop_oneof![
        6 => (call, fds).prop_map(|(call, fds)| Op::Poll { call, fds }),
        3 => (nfds, set.clone(), set.clone(), set).prop_map(|(nfds, a, b, c)| Op::Select { nfds, sets: [a, b, c] }),
        1 => (fd(), poll_events()).prop_map(|(fd, events)| Op::Park { fd, call: Parked::Poll { events } }),
    ]
}

/// `/dev/null` and a regular file (`open`, `lseek`, `fstat`), `FIONREAD`/`FIONBIO`, and the
/// socket options Spindle models (other `SOL_SOCKET` options are unsupported; option numbers
/// Linux does not have and other levels are errors on both).
fn file_op() -> impl Strategy<Value = Op> {
    let path = prop_oneof![1 => Just(Path::DevNull), 3 => Just(Path::File)];
    let access = prop_oneof![4 => Just(lx::O_RDWR), 2 => Just(lx::O_RDONLY), 2 => Just(lx::O_WRONLY), 1 => Just(3u32)];
    let open_flags = (access, flag_word(&[lx::O_CREAT], &[lx::O_EXCL, lx::O_TRUNC, lx::O_APPEND, lx::O_NONBLOCK, lx::O_CLOEXEC]))
        .prop_map(|(a, f)| a | f);
    // Offsets stay small: Spindle allocates a gap a write leaves (a documented divergence).
    let offset = prop_oneof![4 => select(vec![0i64, 1, 5, 100, 4096, 100_000]), 1 => select(vec![-1i64, -100, i64::MIN / 2])];
    // No SEEK_DATA/SEEK_HOLE: Linux files may have holes, Spindle's have none (documented).
    let whence = prop_oneof![8 => select(vec![lx::SEEK_SET, lx::SEEK_CUR, lx::SEEK_END]), 1 => select(vec![5, -1])];
    let level = prop_oneof![8 => Just(lx::SOL_SOCKET), 1 => select(vec![0, 6, -1])];
    let get_name = prop_oneof![8 => select(vec![lx::SO_TYPE, lx::SO_ERROR, lx::SO_SNDBUF, lx::SO_RCVBUF]), 1 => select(vec![1000, -1])];
    let set_name = prop_oneof![8 => select(vec![lx::SO_SNDBUF, lx::SO_RCVBUF]), 1 => select(vec![lx::SO_TYPE, lx::SO_ERROR, 1000])];
    let len = prop_oneof![6 => Just(4), 1 => select(vec![8, 2, 1, 0, -1, 3])];
    let val = select(vec![0, 1, 2304, 4608, 5000, 100_000, 212_992, 1 << 21, 1 << 30, -1, i32::MAX]);
    prop_oneof![
        4 => (path, open_flags).prop_map(|(path, flags)| Op::Open { path, flags }),
        3 => (fd(), offset, whence).prop_map(|(fd, offset, whence)| Op::Lseek { fd, offset, whence }),
        3 => fd().prop_map(|fd| Op::Fstat { fd }),
        2 => fd().prop_map(|fd| Op::Ioctl { fd, req: Ioctl::FionRead }),
        1 => (fd(), select(vec![0, 1, -1])).prop_map(|(fd, v)| Op::Ioctl { fd, req: Ioctl::FionBio(v) }),
        3 => (fd(), level.clone(), get_name, len.clone()).prop_map(|(fd, level, name, len)| Op::GetSockopt { fd, level, name, len }),
        2 => (fd(), level, set_name, val, len).prop_map(|(fd, level, name, val, len)| Op::SetSockopt { fd, level, name, val, len }),
    ]
}

/// A signal number: the ones scenarios use (a handler or SIG_IGN decides what they do; their
/// default actions end the process or ignore), or an invalid one. Never SIGUSR2: the kernel's
/// side interrupts a parked call left blocked with it.
fn signal_number(invalid: &'static [i32]) -> impl Strategy<Value = i32> {
    prop_oneof![10 => select(vec![lx::SIGUSR1, lx::SIGWINCH, lx::SIGRT6]), 1 => select(invalid.to_vec())]
}

/// A signal mask over the signals scenarios use (SIGKILL rarely: it cannot be blocked).
fn signal_mask() -> impl Strategy<Value = u64> {
    let bit = |s: i32| 1u64 << (s - 1);
    (any::<bool>(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.08)).prop_map(move |(usr1, winch, rt, kill)| {
        [(usr1, lx::SIGUSR1), (winch, lx::SIGWINCH), (rt, lx::SIGRT6), (kill, lx::SIGKILL)]
            .iter()
            .filter(|(on, _)| *on)
            .map(|&(_, s)| bit(s))
            .sum()
    })
}

/// Signals within the process: dispositions, masks, sending, pending sets, signalfd.
fn signal_op() -> impl Strategy<Value = Op> {
    let handler = prop_oneof![6 => Just(Handler::Log), 2 => Just(Handler::Ign), 1 => Just(Handler::Dfl)];
    let sa_flags = prop_oneof![Just(0u32), Just(lx::SA_RESTART)];
    let how = prop_oneof![8 => select(vec![lx::SIG_BLOCK, lx::SIG_UNBLOCK, lx::SIG_SETMASK]), 1 => select(vec![3, -1])];
    let set = prop_oneof![1 => Just(None), 6 => signal_mask().prop_map(Some)];
    let to = prop_oneof![3 => Just(KillTo::Process), 3 => Just(KillTo::Raise), 2 => Just(KillTo::Parked)];
    let sfd = prop_oneof![3 => Just(Fd::Abs(-1)), 2 => fd()];
    let sfd_flags = prop_oneof![
        8 => select(vec![0, lx::SFD_NONBLOCK, lx::SFD_CLOEXEC, lx::SFD_NONBLOCK | lx::SFD_CLOEXEC]),
        1 => select(vec![1u32, 0x8000_0000]),
    ];
    prop_oneof![
        3 => (signal_number(&[0, 65, -1, 9, 19]), handler, sa_flags).prop_map(|(sig, handler, flags)| Op::SigAction { sig, handler, flags }),
        4 => (how, set).prop_map(|(how, set)| Op::SigMask { how, set }),
        6 => (signal_number(&[0, 65, -1]), to).prop_map(|(sig, to)| Op::Kill { sig, to }),
        3 => Just(Op::SigState),
        3 => (sfd, signal_mask(), sfd_flags).prop_map(|(fd, mask, flags)| Op::SignalFd { fd, mask, flags }),
    ]
}

/// One random operation; epoll operations too if `epoll`.
pub fn op(epoll: bool) -> BoxedStrategy<Op> {
    if epoll {
        prop_oneof![5 => fd_op(), 2 => epoll_op()].boxed()
    } else {
        fd_op().boxed()
    }
}

/// One random operation on the fd calls (no epoll).
pub fn fd_op() -> impl Strategy<Value = Op> {
    // send/recv flags: only the modelled ones (others are unsupported in Spindle).
    let recv_flags = select(vec![0u32, lx::MSG_DONTWAIT, lx::MSG_PEEK, lx::MSG_PEEK | lx::MSG_DONTWAIT]);
    let send_flags = select(vec![0u32, lx::MSG_DONTWAIT, lx::MSG_NOSIGNAL, lx::MSG_DONTWAIT | lx::MSG_NOSIGNAL]);
    let how = prop_oneof![8 => select(vec![lx::SHUT_RD, lx::SHUT_WR, lx::SHUT_RDWR]), 1 => select(vec![3i64, -1, (1 << 32) | 1])];
    let dup3_flags = prop_oneof![4 => Just(0u32), 4 => Just(lx::O_CLOEXEC), 1 => select(vec![lx::O_NONBLOCK, 1, lx::O_CLOEXEC | 1])];
    prop_oneof![
        4 => eventfd(),
        4 => pipe(),
        4 => socketpair(),
        12 => (fd(), len(), prop::bool::weighted(0.03)).prop_map(|(fd, len, null)| Op::Read { fd, len, null }),
        12 => (fd(), write_src()).prop_map(|(fd, (src, len))| Op::Write { fd, len, src }),
        5 => (fd(), len(), recv_flags, prop::bool::weighted(0.03)).prop_map(|(fd, len, flags, null)| Op::Recv { fd, len, flags, null }),
        5 => (fd(), write_src(), send_flags).prop_map(|(fd, (src, len), flags)| Op::Send { fd, len, src, flags }),
        4 => fd().prop_map(|fd| Op::Close { fd }),
        2 => fd().prop_map(|fd| Op::Dup { fd }),
        2 => (fd(), target()).prop_map(|(fd, to)| Op::Dup2 { fd, to }),
        1 => (fd(), target(), dup3_flags).prop_map(|(fd, to, flags)| Op::Dup3 { fd, to, flags }),
        6 => (fd(), fcntl_cmd()).prop_map(|(fd, cmd)| Op::Fcntl { fd, cmd }),
        3 => (fd(), how).prop_map(|(fd, how)| Op::Shutdown { fd, how }),
        // A second thread blocked in a read, and the wait for its result.
        2 => (fd(), len()).prop_map(|(fd, len)| Op::Park { fd, call: Parked::Read { len } }),
        3 => Just(Op::Unpark),
        6 => poll_op(),
        8 => file_op(),
    ]
}

/// A random scenario of 1 to `max_ops` operations; with epoll operations if Spindle has epoll.
pub fn scenario(max_ops: usize) -> impl Strategy<Value = Scenario> {
    scenario_with(max_ops, crate::vm::has_epoll())
}

/// A random scenario of 1 to `max_ops` operations, with or without epoll operations; one in
/// three has signal operations too (the kernel's side runs those in a process of their own),
/// half of those starting with logging handlers for SIGUSR1 and SIGRT6, so that their signals
/// do more than end the run.
pub fn scenario_with(max_ops: usize, epoll: bool) -> impl Strategy<Value = Scenario> {
    let plain = proptest::collection::vec(op(epoll), 1..=max_ops).prop_map(|ops| Scenario { name: "fuzz".into(), ops });
    let with_signals = (any::<bool>(), proptest::collection::vec(prop_oneof![4 => op(epoll), 1 => signal_op()], 1..=max_ops)).prop_map(
        |(handlers, mut ops)| {
            if handlers {
                for sig in [lx::SIGUSR1, lx::SIGRT6] {
                    ops.insert(0, Op::SigAction { sig, handler: Handler::Log, flags: 0 });
                }
            }
            Scenario { name: "fuzz".into(), ops }
        },
    );
    prop_oneof![2 => plain, 1 => with_signals]
}
