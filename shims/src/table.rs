//! The foreign-call table: one entry per supported call, in one place — its name, arity, result
//! kind, handler, and how the trace shows it. The VM refers to a call by its index here. Adding
//! a call adds one entry.

use crate::trace::decode::{self as d, Arg, RetKind};
use crate::trace::{Shown, Sig};
use crate::{epoll_calls as ep, eventfd, fd, pipe, process, socket, threads, time, timerfd, Shims};
use spindle_vm::ir::ForeignRet;
use spindle_vm::{Machine, Ret, VmResult};

pub type ShimFn = fn(&mut Shims, &mut Machine<Shims>, &[u64]) -> VmResult<Ret>;

pub struct ShimDef {
    pub name: &'static str,
    /// Arguments required; up to `arity` may be given (variadic calls).
    pub min_arity: usize,
    pub arity: usize,
    pub ret: ForeignRet,
    pub run: ShimFn,
    /// How the trace shows the call (strace's spelling).
    pub sig: Sig,
}

const fn def(name: &'static str, arity: usize, ret: ForeignRet, run: ShimFn, sig: Sig) -> ShimDef {
    ShimDef { name, min_arity: arity, arity, ret, run, sig }
}

/// A call whose last arguments may be left out (they are 0).
const fn variadic(name: &'static str, min_arity: usize, arity: usize, run: ShimFn, sig: Sig) -> ShimDef {
    ShimDef { name, min_arity, arity, ret: ForeignRet::Int, run, sig }
}

const fn sig(name: &'static str, args: &'static [Shown], ret: RetKind) -> Sig {
    Sig { name, args, ret }
}

use Arg::*;
use ForeignRet::{Int as IntRet, Never, Ptr as PtrRet};

const FD: Shown = Shown(Int, 0);

pub static SHIMS: &[ShimDef] = &[
    def("read", 3, IntRet, fd::read, sig("read", &[FD, Shown(OutStr, 1), Shown(UInt, 2)], RetKind::Int)),
    def("write", 3, IntRet, fd::write, sig("write", &[FD, Shown(InStr(2), 1), Shown(UInt, 2)], RetKind::Int)),
    def("close", 1, IntRet, fd::close, sig("close", &[FD], RetKind::Int)),
    def("dup", 1, IntRet, fd::dup, sig("dup", &[FD], RetKind::Int)),
    def("dup2", 2, IntRet, fd::dup2, sig("dup2", &[FD, Shown(Int, 1)], RetKind::Int)),
    def("dup3", 3, IntRet, fd::dup3, sig("dup3", &[FD, Shown(Int, 1), Shown(Flags(d::DUP3_FLAGS, "0"), 2)], RetKind::Int)),
    variadic("fcntl", 2, 3, fd::fcntl, sig("fcntl", &[FD, Shown(Enum(d::FCNTL_CMDS), 1), Shown(FcntlArg, 2)], RetKind::Fcntl)),
    def("eventfd", 2, IntRet, eventfd::eventfd, sig("eventfd2", &[Shown(UInt, 0), Shown(Flags(d::EFD_FLAGS, "0"), 1)], RetKind::Int)),
    def("pipe", 1, IntRet, pipe::pipe, sig("pipe2", &[Shown(IntPairOut, 0), Shown(Lit("0"), 0)], RetKind::Int)),
    def("pipe2", 2, IntRet, pipe::pipe2, sig("pipe2", &[Shown(IntPairOut, 0), Shown(Flags(d::O_FLAGS, "0"), 1)], RetKind::Int)),
    def(
        "socketpair",
        4,
        IntRet,
        socket::socketpair,
        sig("socketpair", &[Shown(Enum(d::DOMAINS), 0), Shown(SockType, 1), Shown(Int, 2), Shown(IntPairOut, 3)], RetKind::Int),
    ),
    def(
        "send",
        4,
        IntRet,
        socket::send,
        sig(
            "sendto",
            &[FD, Shown(InStr(2), 1), Shown(UInt, 2), Shown(Flags(d::MSG_FLAGS, "0"), 3), Shown(Lit("NULL"), 0), Shown(Lit("0"), 0)],
            RetKind::Int,
        ),
    ),
    def(
        "recv",
        4,
        IntRet,
        socket::recv,
        sig(
            "recvfrom",
            &[FD, Shown(OutStr, 1), Shown(UInt, 2), Shown(Flags(d::MSG_FLAGS, "0"), 3), Shown(Lit("NULL"), 0), Shown(Lit("NULL"), 0)],
            RetKind::Int,
        ),
    ),
    def("shutdown", 2, IntRet, socket::shutdown, sig("shutdown", &[FD, Shown(Enum(d::SHUT_HOW), 1)], RetKind::Int)),
    def("epoll_create", 1, IntRet, ep::epoll_create, sig("epoll_create", &[Shown(Int, 0)], RetKind::Int)),
    def("epoll_create1", 1, IntRet, ep::epoll_create1, sig("epoll_create1", &[Shown(Flags(d::EPOLL_CREATE_FLAGS, "0"), 0)], RetKind::Int)),
    def(
        "epoll_ctl",
        4,
        IntRet,
        ep::epoll_ctl,
        sig("epoll_ctl", &[FD, Shown(Enum(d::EPOLL_OPS), 1), Shown(Int, 2), Shown(EpollEventIn, 3)], RetKind::Int),
    ),
    def(
        "epoll_wait",
        4,
        IntRet,
        ep::epoll_wait,
        sig("epoll_wait", &[FD, Shown(EpollEventsOut, 1), Shown(Int, 2), Shown(Int, 3)], RetKind::Int),
    ),
    def(
        "epoll_pwait",
        5,
        IntRet,
        ep::epoll_pwait,
        sig("epoll_pwait", &[FD, Shown(EpollEventsOut, 1), Shown(Int, 2), Shown(Int, 3), Shown(Ptr, 4), Shown(Lit("8"), 0)], RetKind::Int),
    ),
    def(
        "epoll_pwait2",
        5,
        IntRet,
        ep::epoll_pwait2,
        sig(
            "epoll_pwait2",
            &[FD, Shown(EpollEventsOut, 1), Shown(Int, 2), Shown(TimespecIn, 3), Shown(Ptr, 4), Shown(Lit("8"), 0)],
            RetKind::Int,
        ),
    ),
    def(
        "timerfd_create",
        2,
        IntRet,
        timerfd::timerfd_create,
        sig("timerfd_create", &[Shown(Enum(d::CLOCKS), 0), Shown(Flags(d::TFD_FLAGS, "0"), 1)], RetKind::Int),
    ),
    def(
        "timerfd_settime",
        4,
        IntRet,
        timerfd::timerfd_settime,
        sig(
            "timerfd_settime",
            &[FD, Shown(Flags(d::TFD_TIMER_FLAGS, "0"), 1), Shown(ItimerspecIn, 2), Shown(ItimerspecOut, 3)],
            RetKind::Int,
        ),
    ),
    def("timerfd_gettime", 2, IntRet, timerfd::timerfd_gettime, sig("timerfd_gettime", &[FD, Shown(ItimerspecOut, 1)], RetKind::Int)),
    def("exit", 1, Never, process::exit, sig("exit_group", &[Shown(Int, 0)], RetKind::None)),
    def("abort", 0, Never, process::abort, sig("abort", &[], RetKind::None)),
    def("malloc", 1, PtrRet, process::malloc, sig("malloc", &[Shown(UInt, 0)], RetKind::Ptr)),
    def("free", 1, IntRet, process::free, sig("free", &[Shown(Ptr, 0)], RetKind::Int)),
    def("errno", 0, IntRet, process::errno, sig("errno", &[], RetKind::Int)),
    def("spawn", 2, IntRet, threads::spawn, sig("spawn", &[Shown(Func, 0), Shown(Int, 1)], RetKind::Int)),
    def("join", 1, IntRet, threads::join, sig("join", &[Shown(Int, 0)], RetKind::Int)),
    def("sched_yield", 0, IntRet, threads::sched_yield, sig("sched_yield", &[], RetKind::Int)),
    def(
        "nanosleep",
        2,
        IntRet,
        time::nanosleep,
        sig(
            "clock_nanosleep",
            &[Shown(Lit("CLOCK_REALTIME"), 0), Shown(Lit("0"), 0), Shown(TimespecIn, 0), Shown(PtrOut, 1)],
            RetKind::Int,
        ),
    ),
    def(
        "usleep",
        1,
        IntRet,
        time::usleep,
        sig(
            "clock_nanosleep",
            &[Shown(Lit("CLOCK_REALTIME"), 0), Shown(Lit("0"), 0), Shown(UsecTimespec, 0), Shown(PtrOut, 9)],
            RetKind::Int,
        ),
    ),
    def(
        "clock_gettime",
        2,
        IntRet,
        time::clock_gettime,
        sig("clock_gettime", &[Shown(Enum(d::CLOCKS), 0), Shown(TimespecOut, 1)], RetKind::Int),
    ),
];

pub fn find(name: &str) -> Option<(u32, &'static ShimDef)> {
    SHIMS.iter().enumerate().find(|(_, d)| d.name == name).map(|(i, d)| (i as u32, d))
}
