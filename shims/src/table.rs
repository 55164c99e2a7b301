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

// ---- foreign functions a host adds ----------------------------------------------------------

/// Ids of host-added foreign functions start here, far above the built-ins: adding a built-in
/// never renumbers them, and adding one never renumbers a built-in.
pub const EXTRA_BASE: u32 = 1 << 20;

/// At most this many arguments for a host-added function (as for a Linux system call).
pub const MAX_EXTRA_ARITY: usize = 6;

/// How the trace shows a host-added function's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForeignArg {
    /// A signed decimal.
    Int,
    /// An address: `NULL` or `0x…`.
    Ptr,
}

/// Every combination of argument kinds (bit `i` of the index: argument `i` is a pointer), so
/// that a host-added function's trace signature is as `'static` as a built-in's.
static ARG_SHOWN: [[Shown; MAX_EXTRA_ARITY]; 1 << MAX_EXTRA_ARITY] = arg_shown();

const fn arg_shown() -> [[Shown; MAX_EXTRA_ARITY]; 1 << MAX_EXTRA_ARITY] {
    let mut t = [[Shown(Int, 0); MAX_EXTRA_ARITY]; 1 << MAX_EXTRA_ARITY];
    let mut m = 0;
    while m < 1 << MAX_EXTRA_ARITY {
        let mut i = 0;
        while i < MAX_EXTRA_ARITY {
            t[m][i] = Shown(if (m >> i) & 1 == 1 { Ptr } else { Int }, i);
            i += 1;
        }
        m += 1;
    }
    t
}

/// The body of a host-added foreign function: it gets the call (arguments, guest memory,
/// errno) and returns the call's result, or a [`spindle_vm::Stop`] that ends the run.
pub type ForeignFn = dyn Fn(&mut ForeignCall<'_>) -> VmResult<i64> + Send + Sync;

/// One host-added function.
#[derive(Clone)]
struct Extra {
    name: &'static str,
    arity: usize,
    /// Bit `i`: argument `i` is shown as a pointer.
    pointers: usize,
    run: std::sync::Arc<ForeignFn>,
}

/// Foreign functions a host adds to the built-in ones, without forking the shims: the front end
/// resolves a name against the built-in table first and then against this one (so a program
/// that calls `my_add(2, 3)` compiles), and the shims run a call with a host-added id through
/// it. Every host-added function returns an integer and may set `errno`; its calls appear in
/// the trace as `name(arg, …) = result`, with signed decimal arguments.
///
/// A table is cheap to clone and may be shared between threads (the functions are
/// `Send + Sync`).
#[derive(Clone, Default)]
pub struct ForeignTable {
    extras: Vec<Extra>,
}

impl std::fmt::Debug for ForeignTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.extras.iter().map(|e| format!("{}/{}", e.name, e.arity))).finish()
    }
}

impl ForeignTable {
    /// An empty table: only the built-in functions.
    pub fn new() -> Self {
        ForeignTable::default()
    }

    /// Adds `name(arg0, …)` taking `arity` integer arguments, and returns the table.
    ///
    /// # Panics
    ///
    /// When `name` is not an identifier, names a built-in foreign function or one already in
    /// the table, or `arity` is above [`MAX_EXTRA_ARITY`]: the message says which.
    pub fn with(
        mut self,
        name: &'static str,
        arity: usize,
        f: impl Fn(&mut ForeignCall<'_>) -> VmResult<i64> + Send + Sync + 'static,
    ) -> Self {
        self.add(name, arity, f);
        self
    }

    /// Adds `name(arg0, …)` taking `arity` integer arguments. See [`ForeignTable::with`].
    pub fn add(
        &mut self,
        name: &'static str,
        arity: usize,
        f: impl Fn(&mut ForeignCall<'_>) -> VmResult<i64> + Send + Sync + 'static,
    ) -> &mut Self {
        assert!(arity <= MAX_EXTRA_ARITY, "ForeignTable: `{name}` takes {arity} arguments; at most {MAX_EXTRA_ARITY} are supported");
        self.add_args(name, &[ForeignArg::Int; MAX_EXTRA_ARITY][..arity], f)
    }

    /// Adds `name` with one argument per entry of `args`, each shown in the trace as it says
    /// (an address as `0x…` rather than a number), and returns the table. Panics as
    /// [`ForeignTable::with`] does.
    pub fn with_args(
        mut self,
        name: &'static str,
        args: &[ForeignArg],
        f: impl Fn(&mut ForeignCall<'_>) -> VmResult<i64> + Send + Sync + 'static,
    ) -> Self {
        self.add_args(name, args, f);
        self
    }

    /// Adds `name` with the arguments `args`. See [`ForeignTable::with_args`].
    pub fn add_args(
        &mut self,
        name: &'static str,
        args: &[ForeignArg],
        f: impl Fn(&mut ForeignCall<'_>) -> VmResult<i64> + Send + Sync + 'static,
    ) -> &mut Self {
        let arity = args.len();
        let ident = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        assert!(ident, "ForeignTable: `{name}` is not an identifier, so a guest program could not call it");
        assert!(find(name).is_none(), "ForeignTable: `{name}` is a built-in foreign function (docs/syscalls.md); pick another name");
        assert!(self.extras.iter().all(|e| e.name != name), "ForeignTable: `{name}` is already in this table");
        assert!(arity <= MAX_EXTRA_ARITY, "ForeignTable: `{name}` takes {arity} arguments; at most {MAX_EXTRA_ARITY} are supported");
        let pointers = args.iter().enumerate().filter(|(_, a)| **a == ForeignArg::Ptr).map(|(i, _)| 1 << i).sum();
        self.extras.push(Extra { name, arity, pointers, run: std::sync::Arc::new(f) });
        self
    }

    /// Whether the table has no host-added function.
    pub fn is_empty(&self) -> bool {
        self.extras.is_empty()
    }

    /// The names of the host-added functions, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.extras.iter().map(|e| e.name)
    }

    /// A host-added function's id, for the front end.
    fn find_extra(&self, name: &str) -> Option<(u32, &Extra)> {
        self.extras.iter().enumerate().find(|(_, e)| e.name == name).map(|(i, e)| (EXTRA_BASE + i as u32, e))
    }

    /// The trace signature and body of the host-added function `id`.
    pub(crate) fn lookup(&self, id: u32) -> Option<(Sig, std::sync::Arc<ForeignFn>)> {
        let extra = self.extras.get(id.checked_sub(EXTRA_BASE)? as usize)?;
        Some((Sig { name: extra.name, args: &ARG_SHOWN[extra.pointers][..extra.arity], ret: RetKind::Int }, extra.run.clone()))
    }
}

/// Runs a host-added function's body on a call.
pub(crate) fn run_extra(run: &ForeignFn, m: &mut Machine<Shims>, args: &[u64]) -> VmResult<Ret> {
    let mut call = ForeignCall { machine: m, args };
    run(&mut call).map(|v| Ret::Value(v as u64))
}

impl spindle_vm::front::Resolver for ForeignTable {
    /// Built-ins first, then the host's functions.
    fn foreign(&self, name: &str) -> Option<spindle_vm::ir::ForeignSig> {
        crate::LinuxResolver.foreign(name).or_else(|| {
            self.find_extra(name).map(|(id, e)| spindle_vm::ir::ForeignSig { id, min_arity: e.arity, arity: e.arity, ret: ForeignRet::Int })
        })
    }
    fn constant(&self, name: &str) -> Option<u64> {
        crate::LinuxResolver.constant(name)
    }
    fn foreign_names(&self) -> Vec<&str> {
        let mut names = crate::LinuxResolver.foreign_names();
        names.extend(self.names());
        names
    }
    fn constant_names(&self) -> Vec<&str> {
        crate::LinuxResolver.constant_names()
    }
    fn unimplemented(&self, name: &str) -> Option<ForeignRet> {
        crate::LinuxResolver.unimplemented(name)
    }
    fn std_module(&self, name: &str) -> Option<&'static str> {
        crate::stdlib::module(name)
    }
}

/// A call of a host-added foreign function, as its body sees it.
pub struct ForeignCall<'a> {
    machine: &'a mut Machine<Shims>,
    args: &'a [u64],
}

impl ForeignCall<'_> {
    /// The arguments, as 64-bit values (a negative `i64` argument is its two's complement).
    pub fn args(&self) -> &[u64] {
        self.args
    }

    /// Argument `i` as a signed integer (0 if there is no such argument).
    pub fn arg(&self, i: usize) -> i64 {
        self.args.get(i).map_or(0, |&v| v as i64)
    }

    /// Reads `len` bytes of guest memory at `addr`, checked for data races like a guest access.
    /// `Ok(None)`: the range is not valid guest memory (where a system call would fail with
    /// `EFAULT`).
    pub fn read_guest(&mut self, addr: u64, len: u64) -> VmResult<Option<Vec<u8>>> {
        self.machine.read_guest(addr, len)
    }

    /// Writes `data` to guest memory at `addr`, checked for data races like a guest access.
    /// `Ok(false)`: the range is not valid guest memory.
    pub fn write_guest(&mut self, addr: u64, data: &[u8]) -> VmResult<bool> {
        self.machine.write_guest(addr, data)
    }

    /// Fails the call the C way: sets `errno` and returns -1, to be returned from the body.
    pub fn fail(&mut self, errno: i64) -> i64 {
        self.machine.set_errno(errno);
        -1
    }

    /// The calling thread (0 is `main`).
    pub fn thread(&self) -> spindle_vm::ThreadId {
        self.machine.active_thread()
    }

    /// The virtual time, in nanoseconds.
    pub fn now_ns(&self) -> u64 {
        self.machine.now()
    }

    /// The whole machine, for what the methods above do not cover.
    pub fn machine(&mut self) -> &mut Machine<Shims> {
        self.machine
    }
}
