//! The foreign-call table: every supported call declared once — its name, typed parameters
//! (`abi.rs`), result and handler. From the declaration come the arity and the front end's
//! resolver entry, the trace signature (each parameter shown as its type says), the typed
//! argument struct the handler receives (`fn read(s, m, a: Read)`), and [`Call`], the decoded
//! call that `--against-kernel` matches exhaustively (a call without a kernel plan does not
//! compile). The VM refers to a call by its index here. Adding a call adds one declaration, one
//! handler, and a line in docs/syscalls.md (checked by a test).

use crate::abi::*;
use crate::futex;
use crate::trace::decode::{Arg, RetKind};
use crate::trace::{Shown, Sig};
use crate::{epoll_calls as ep, eventfd, fd, files, fork, pipe, poll, process, signal, socket, sockopt, threads, time, timerfd, Shims};
use spindle_vm::ir::ForeignRet;
use spindle_vm::{Machine, Ret, VmResult};

pub type ShimFn = fn(&mut Shims, &mut Machine<Shims>, &[u64]) -> VmResult<Ret>;

pub struct ShimDef {
    pub name: &'static str,
    /// The parameters' names, as docs/syscalls.md writes them.
    pub params: &'static [&'static str],
    /// Arguments required; up to `arity` may be given (variadic calls).
    pub min_arity: usize,
    pub arity: usize,
    pub ret: ForeignRet,
    pub run: ShimFn,
    /// How the trace shows the call (strace's spelling).
    pub sig: Sig,
}

/// Text strace shows for a parameter the libc wrapper fills in (`sendto`'s `NULL, 0`).
const fn lit(text: &'static str) -> Shown {
    Shown(Arg::Lit(text), 0)
}

/// The trace's argument list: `pre`, then the parameters (parameter `i` shown as its type
/// says, reading argument `i`), then `post`.
const fn shown<const N: usize>(pre: &[Shown], params: &[Arg], post: &[Shown]) -> [Shown; N] {
    let mut out = [Shown(Arg::Int, 0); N];
    let mut k = 0;
    let mut i = 0;
    while i < pre.len() {
        out[k] = pre[i];
        k += 1;
        i += 1;
    }
    i = 0;
    while i < params.len() {
        out[k] = Shown(params[i], i);
        k += 1;
        i += 1;
    }
    i = 0;
    while i < post.len() {
        out[k] = post[i];
        k += 1;
        i += 1;
    }
    assert!(k == N, "the trace signature's length");
    out
}

/// The position of `name` in `names`; panics (at compile time, in a `const` block) if absent.
pub const fn position(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such parameter")
}

/// Declares the calls. Each line:
///
/// `name: Args(param: Type, …) [min N] -> Result => handler [, strace name [pre…] [post…]];`
///
/// `Args` is the typed argument struct the handler receives; `min N` makes the last parameters
/// optional (a variadic call; they are 0 when left out); `Result` is `Int`, `Ptr`, `Never`
/// (the call does not return), `Fd` (an `int` that is a new fd, which `-y` annotates), `Poll`
/// (a count the trace follows with poll's `revents`), `Fcntl` (an `int` the trace shows as
/// `fcntl` does), `Errno` (0 or an error number, shown as the system call's `-1 EINVAL`) or
/// `SigwaitSignal` (`sigwait`'s, shown as `rt_sigtimedwait`'s signal); the
/// `strace` part names the system call strace shows and the text it shows before and after the
/// parameters, when they differ from the call's own; with `only` after them, `pre` is the whole
/// argument list (`fstat`'s `newfstatat(fd, "", statbuf, AT_EMPTY_PATH)`, where strace shows a
/// literal between two parameters).
macro_rules! calls {
    ($(
        $name:ident: $Args:ident ( $($field:ident: $ty:ty),* $(,)? ) $(min $min:literal)? -> $ret:ident => $handler:path
            $(, strace $sname:ident [$($pre:expr),*] [$($post:expr),*] $($only:ident)?)?;
    )*) => {
        /// The typed argument struct of every call, named after the call.
        pub mod args {
            use crate::abi::*;
        $(
            #[doc = concat!("The arguments of `", stringify!($name), "` (docs/syscalls.md).")]
            #[derive(Clone, Copy, Debug)]
            pub struct $Args {
                $(pub $field: $ty,)*
            }

            impl $Args {
                /// The call's name, as a guest program calls it.
                pub const NAME: &'static str = stringify!($name);
                /// The parameters' names.
                pub const PARAMS: &'static [&'static str] = &[$(stringify!($field)),*];

                /// The position of parameter `name` among the arguments; in a `const` block, a
                /// name that is not a parameter is a compile-time error.
                pub const fn at(name: &str) -> usize {
                    super::position(Self::PARAMS, name)
                }

                /// The typed arguments of raw ones (missing ones are 0).
                #[inline]
                #[allow(unused_variables, unused_mut)]
                pub fn from_raw(a: &[u64]) -> Self {
                    let mut a = a.iter().copied();
                    $Args { $($field: <$ty as Param>::from_raw(a.next().unwrap_or(0)),)* }
                }

                /// The fd numbers among the arguments.
                pub fn fds(&self) -> Vec<i32> {
                    let fds: [Option<i32>; Self::PARAMS.len()] = [$(Param::fd(self.$field)),*];
                    fds.into_iter().flatten().collect()
                }
            }
        )*
        }

        /// A decoded call of a built-in foreign function: which, with its typed arguments.
        #[derive(Clone, Copy, Debug)]
        pub enum Call {
            $($Args(args::$Args),)*
        }

        impl Call {
            /// Call `id` (an index into [`SHIMS`]) with `args`; `None` for a host-added function.
            pub fn decode(id: u32, args: &[u64]) -> Option<Call> {
                const DECODE: &[fn(&[u64]) -> Call] = &[$(|a| Call::$Args(args::$Args::from_raw(a))),*];
                DECODE.get(id as usize).map(|f| f(args))
            }

            /// The call's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Call::$Args(_) => args::$Args::NAME,)*
                }
            }

            /// The fd numbers among its arguments.
            pub fn fds(&self) -> Vec<i32> {
                match self {
                    $(Call::$Args(a) => a.fds(),)*
                }
            }
        }

        pub static SHIMS: &[ShimDef] = &[$(
            ShimDef {
                name: stringify!($name),
                params: args::$Args::PARAMS,
                min_arity: calls!(@min [$($min)?] $Args),
                arity: args::$Args::PARAMS.len(),
                ret: calls!(@fret $ret),
                run: |s, m, a| $handler(s, m, args::$Args::from_raw(a)),
                sig: Sig {
                    name: calls!(@sname [$($sname)?] $name),
                    args: {
                        const PRE: &[Shown] = &[$($($pre),*)?];
                        const PARAMS: &[Arg] = calls!(@params [$($($only)?)?] [$(<$ty as Param>::SHOWN),*]);
                        const POST: &[Shown] = &[$($($post),*)?];
                        &shown::<{ PRE.len() + PARAMS.len() + POST.len() }>(PRE, PARAMS, POST)
                    },
                    ret: calls!(@tret $ret),
                },
            },
        )*];
    };
    (@params [only] [$($shown:expr),*]) => { &[] };
    (@params [] [$($shown:expr),*]) => { &[$($shown),*] };
    (@min [$min:literal] $Args:ident) => { $min };
    (@min [] $Args:ident) => { args::$Args::PARAMS.len() };
    (@sname [$s:ident] $n:ident) => { stringify!($s) };
    (@sname [] $n:ident) => { stringify!($n) };
    (@fret Int) => { ForeignRet::Int };
    (@fret Fcntl) => { ForeignRet::Int };
    (@fret Fd) => { ForeignRet::Int };
    (@fret Poll) => { ForeignRet::Int };
    (@fret Select) => { ForeignRet::Int };
    (@fret Status) => { ForeignRet::Int };
    (@fret Signal) => { ForeignRet::Int };
    (@fret Errno) => { ForeignRet::Int };
    (@fret SigwaitSignal) => { ForeignRet::Int };
    (@fret Ptr) => { ForeignRet::Ptr };
    (@fret Never) => { ForeignRet::Never };
    (@tret Int) => { RetKind::Int };
    (@tret Fcntl) => { RetKind::Fcntl };
    (@tret Fd) => { RetKind::Fd };
    (@tret Poll) => { RetKind::Poll };
    (@tret Select) => { RetKind::Select };
    (@tret Status) => { RetKind::Status };
    (@tret Signal) => { RetKind::Signal };
    (@tret Errno) => { RetKind::Errno };
    (@tret SigwaitSignal) => { RetKind::SigwaitSignal };
    (@tret Ptr) => { RetKind::Ptr };
    (@tret Never) => { RetKind::None };
}

calls! {
    read: Read(fd: Fd, buf: OutBytes<2>, count: Size) -> Int => fd::read;
    write: Write(fd: Fd, buf: InBytes<2>, count: Size) -> Int => fd::write;
    close: Close(fd: Fd) -> Int => fd::close;
    dup: Dup(fd: Fd) -> Fd => fd::dup;
    dup2: Dup2(old: Fd, new: Fd) -> Fd => fd::dup2;
    dup3: Dup3(old: Fd, new: Fd, flags: Flags<Dup3Flags>) -> Fd => fd::dup3;
    fcntl: Fcntl(fd: Fd, cmd: Enum<FcntlCmds>, arg: FcntlArg) min 2 -> Fcntl => fd::fcntl;
    eventfd: Eventfd(initval: UInt, flags: Flags<EfdFlags>) min 1 -> Fd => eventfd::eventfd, strace eventfd2 [] [];
    pipe: Pipe(fds: Out<FdPair>) -> Int => pipe::pipe, strace pipe2 [] [lit("0")];
    pipe2: Pipe2(fds: Out<FdPair>, flags: Flags<OFlags>) -> Int => pipe::pipe2;
    socketpair: Socketpair(domain: Enum<Domains>, r#type: SockType, protocol: Int, sv: Out<FdPair>) -> Int => socket::socketpair;
    send: Send(fd: Fd, buf: InBytes<2>, len: Size, flags: Flags<MsgFlags>) -> Int => socket::send,
        strace sendto [] [lit("NULL"), lit("0")];
    recv: Recv(fd: Fd, buf: OutBytes<2>, len: Size, flags: Flags<MsgFlags>) -> Int => socket::recv,
        strace recvfrom [] [lit("NULL"), lit("NULL")];
    shutdown: Shutdown(fd: Fd, how: Enum<ShutHow>) -> Int => socket::shutdown;
    epoll_create: EpollCreate(size: Int) -> Fd => ep::epoll_create;
    epoll_create1: EpollCreate1(flags: Flags<EpollCreateFlags>) -> Fd => ep::epoll_create1;
    epoll_ctl: EpollCtl(epfd: Fd, op: Enum<EpollOps>, fd: Fd, event: In<EpollEvent>) -> Int => ep::epoll_ctl;
    epoll_wait: EpollWait(epfd: Fd, events: Out<[EpollEvent]>, maxevents: Int, timeout: Int) -> Int => ep::epoll_wait;
    epoll_pwait: EpollPwait(epfd: Fd, events: Out<[EpollEvent]>, maxevents: Int, timeout: Int, sigmask: Sigmask) -> Int => ep::epoll_pwait,
        strace epoll_pwait [] [lit("8")];
    epoll_pwait2: EpollPwait2(epfd: Fd, events: Out<[EpollEvent]>, maxevents: Int, timeout: In<Timespec>, sigmask: Sigmask) -> Int
        => ep::epoll_pwait2, strace epoll_pwait2 [] [lit("8")];
    poll: Poll(fds: Pollfds, nfds: UInt, timeout: Int) -> Poll => poll::poll;
    ppoll: Ppoll(fds: Pollfds, nfds: UInt, tmo_p: In<Timespec>, sigmask: Sigmask) -> Poll => poll::ppoll, strace ppoll [] [lit("8")];
    select: Select(nfds: Int, readfds: FdSetPtr, writefds: FdSetPtr, exceptfds: FdSetPtr, timeout: TimevalPtr) -> Select => poll::select,
        strace pselect6 [] [lit("NULL")];
    pselect: Pselect(nfds: Int, readfds: FdSetPtr, writefds: FdSetPtr, exceptfds: FdSetPtr, timeout: In<Timespec>, sigmask: PselectMask)
        -> Select => poll::pselect, strace pselect6 [] [];
    timerfd_create: TimerfdCreate(clockid: Enum<Clocks>, flags: Flags<TfdFlags>) -> Fd => timerfd::timerfd_create;
    timerfd_settime: TimerfdSettime(fd: Fd, flags: Flags<TfdTimerFlags>, new: In<Itimerspec>, old: Out<Itimerspec>) -> Int
        => timerfd::timerfd_settime;
    timerfd_gettime: TimerfdGettime(fd: Fd, cur: Out<Itimerspec>) -> Int => timerfd::timerfd_gettime;
    exit: Exit(status: Long) -> Never => process::exit, strace exit_group [] [];
    abort: Abort() -> Never => process::abort;
    malloc: Malloc(size: Size) -> Ptr => process::malloc;
    free: Free(p: Addr) -> Int => process::free;
    errno: Errno() -> Int => process::errno;
    spawn: Spawn(f: Func, arg: Long) -> Int => threads::spawn;
    join: Join(tid: Long) -> Int => threads::join;
    sched_yield: SchedYield() -> Int => threads::sched_yield;
    gettid: Gettid() -> Int => threads::gettid;
    nanosleep: Nanosleep(req: In<Timespec>, rem: OutAddr) -> Int => time::nanosleep,
        strace clock_nanosleep [lit("CLOCK_REALTIME"), lit("0")] [];
    usleep: Usleep(usec: Usec) -> Int => time::usleep,
        strace clock_nanosleep [lit("CLOCK_REALTIME"), lit("0")] [Shown(Arg::PtrOut, 9)];
    clock_gettime: ClockGettime(clk: Enum<Clocks>, ts: Out<Timespec>) -> Int => time::clock_gettime;
    futex: Futex(uaddr: Addr, op: Enum<FutexOps>, val: FutexWord<2>, timeout: FutexPtr<3>, uaddr2: FutexPtr<4>, val3: FutexWord<5>) min 3
        -> Int => futex::futex;
    open: Open(path: Path, flags: OpenFlags, mode: CreateMode<1>) min 2 -> Fd => files::open, strace openat [lit("AT_FDCWD")] [];
    openat: Openat(dirfd: AtFd, path: Path, flags: OpenFlags, mode: CreateMode<2>) min 3 -> Fd => files::openat;
    lseek: Lseek(fd: Fd, offset: Long, whence: Enum<Whences>) -> Int => files::lseek;
    pread: Pread(fd: Fd, buf: OutBytes<2>, count: Size, offset: Long) -> Int => files::pread, strace pread64 [] [];
    pwrite: Pwrite(fd: Fd, buf: InBytes<2>, count: Size, offset: Long) -> Int => files::pwrite, strace pwrite64 [] [];
    // glibc 2.36's fstat is fstatat(fd, "", statbuf, AT_EMPTY_PATH).
    fstat: Fstat(fd: Fd, statbuf: Out<Stat>) -> Int => files::fstat,
        strace newfstatat [Shown(Arg::Fd, 0), lit("\"\""), Shown(Out::<Stat>::SHOWN, 1), lit("AT_EMPTY_PATH")] [] only;
    stat: StatPath(path: Path, statbuf: Out<Stat>) -> Int => files::stat, strace newfstatat [lit("AT_FDCWD")] [lit("0")];
    unlink: Unlink(path: Path) -> Int => files::unlink;
    mkdir: Mkdir(path: Path, mode: Mode) -> Int => files::mkdir;
    readlink: Readlink(path: Path, buf: OutBytes<2>, bufsiz: Int) -> Int => files::readlink;
    ioctl: Ioctl(fd: Fd, request: Enum<IoctlReqs>, arg: IoctlArg) -> Int => sockopt::ioctl;
    getsockopt: Getsockopt(fd: Fd, level: Enum<SockLevels>, optname: SockOptName, optval: IntOut, optlen: IntRef) -> Int => sockopt::getsockopt;
    setsockopt: Setsockopt(fd: Fd, level: Enum<SockLevels>, optname: SockOptName, optval: SockOptVal, optlen: Int) -> Int => sockopt::setsockopt;
    fork: Fork() -> Int => fork::fork,
        strace clone [lit("child_stack=NULL"), lit("flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"), lit(crate::trace::decode::FORK_CLONE_TIDPTR)] [];
    getpid: Getpid() -> Int => fork::getpid;
    getppid: Getppid() -> Int => fork::getppid;
    _exit: UnderExit(status: Int) -> Never => fork::under_exit, strace exit_group [] [];
    exit_group: ExitGroup(status: Int) -> Never => fork::exit_group;
    wait4: Wait4(pid: Int, wstatus: WaitStatus, options: Flags<WaitFlags>, rusage: Addr) -> Int => fork::wait4;
    waitpid: Waitpid(pid: Int, wstatus: WaitStatus, options: Flags<WaitFlags>) -> Int => fork::waitpid, strace wait4 [] [lit("NULL")];
    rt_sigaction: RtSigaction(sig: Signo, act: KernelSigaction, oact: KernelSigactionOut, sigsetsize: Size) -> Int => signal::rt_sigaction;
    sigaction: Sigaction(sig: Signo, act: LibcSigaction, oact: LibcSigactionOut) -> Int => signal::sigaction,
        strace rt_sigaction [] [lit("8")];
    signal: Signal(sig: Signo, handler: SignalHandler) -> Status => signal::signal,
        strace rt_sigaction [] [Shown(Arg::SignalOldAction, 9), lit("8")];
    rt_sigprocmask: RtSigprocmask(how: Enum<SigHows>, set: Sigmask, oldset: SigsetOut, sigsetsize: Size) -> Int => signal::rt_sigprocmask;
    sigprocmask: Sigprocmask(how: Enum<SigHows>, set: Sigmask, oldset: SigsetOut) -> Int => signal::sigprocmask,
        strace rt_sigprocmask [] [lit("8")];
    pthread_sigmask: PthreadSigmask(how: Enum<SigHows>, set: Sigmask, oldset: SigsetOut) -> Errno => signal::pthread_sigmask,
        strace rt_sigprocmask [] [lit("8")];
    sigpending: Sigpending(set: SigsetOut) -> Int => signal::sigpending, strace rt_sigpending [] [lit("8")];
    sigsuspend: Sigsuspend(mask: Sigmask) -> Int => signal::sigsuspend, strace rt_sigsuspend [] [lit("8")];
    kill: Kill(pid: Int, sig: Signo) -> Int => signal::kill;
    tgkill: Tgkill(tgid: Int, tid: Int, sig: Signo) -> Int => signal::tgkill;
    raise: Raise(sig: Signo) -> Int => signal::raise, strace tgkill [Shown(Arg::OwnPid, 9), Shown(Arg::OwnTid, 9)] [];
    pthread_kill: PthreadKill(thread: Long, sig: Signo) -> Errno => signal::pthread_kill;
    signalfd: Signalfd(fd: Fd, mask: Sigmask, flags: ShownLater<Flags<SfdFlags>>) -> Fd => signal::signalfd,
        strace signalfd4 [] [lit("8"), Shown(Arg::Flags(crate::trace::decode::SFD_FLAGS, "0"), 2)];
    signalfd4: Signalfd4(fd: Fd, mask: Sigmask, sizemask: Size, flags: Flags<SfdFlags>) -> Fd => signal::signalfd4;
    rt_sigtimedwait: RtSigtimedwait(set: SizedSigmask<3>, info: SiginfoOut, timeout: In<Timespec>, sigsetsize: Size) -> Signal
        => signal::rt_sigtimedwait;
    sigtimedwait: Sigtimedwait(set: Sigmask, info: SiginfoOut, timeout: In<Timespec>) -> Signal => signal::sigtimedwait,
        strace rt_sigtimedwait [] [lit("8")];
    sigwaitinfo: Sigwaitinfo(set: Sigmask, info: SiginfoOut) -> Signal => signal::sigwaitinfo,
        strace rt_sigtimedwait [] [lit("NULL"), lit("8")];
    sigwait: Sigwait(set: Sigmask, sig: SigwaitSig) -> SigwaitSignal => signal::sigwait,
        strace rt_sigtimedwait [] [Shown(Arg::GlibcSiginfo, 9), lit("NULL"), lit("8")];
}

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
    let mut t = [[Shown(Arg::Int, 0); MAX_EXTRA_ARITY]; 1 << MAX_EXTRA_ARITY];
    let mut m = 0;
    while m < 1 << MAX_EXTRA_ARITY {
        let mut i = 0;
        while i < MAX_EXTRA_ARITY {
            t[m][i] = Shown(if (m >> i) & 1 == 1 { Arg::Ptr } else { Arg::Int }, i);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The calls docs/syscalls.md documents, as written there: `name(param, …)` in backticks in
    /// a heading or in the first cell of a table row.
    fn documented() -> Vec<(String, Vec<String>)> {
        let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/syscalls.md"));
        let mut out = Vec::new();
        for line in text.lines() {
            let place = if line.starts_with('#') {
                line
            } else if let Some(row) = line.strip_prefix('|') {
                row.split('|').next().unwrap_or("")
            } else {
                continue;
            };
            for code in place.split('`').skip(1).step_by(2) {
                let Some((name, rest)) = code.split_once('(') else { continue };
                let Some((params, _)) = rest.split_once(')') else { continue };
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                    continue;
                }
                let params = params.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect();
                out.push((name.to_string(), params));
            }
        }
        out
    }

    #[test]
    fn docs_syscalls_md_documents_every_declared_call_with_its_parameters() {
        let docs = documented();
        for def in SHIMS {
            let params: Vec<String> = def.params.iter().map(|p| p.trim_start_matches("r#").to_string()).collect();
            let shown: Vec<&(String, Vec<String>)> = docs.iter().filter(|(n, _)| n == def.name).collect();
            assert!(!shown.is_empty(), "`{}` is declared in shims/src/table.rs but not documented in docs/syscalls.md", def.name);
            for (_, documented) in shown {
                assert_eq!(documented, &params, "docs/syscalls.md writes `{}` with other parameters than its declaration", def.name);
            }
        }
        for (name, _) in &docs {
            assert!(find(name).is_some(), "docs/syscalls.md documents `{name}`, which no declaration in shims/src/table.rs has");
        }
    }

    #[test]
    fn signatures_come_from_the_declarations() {
        let (_, read) = find("read").expect("read");
        assert_eq!((read.min_arity, read.arity), (3, 3));
        let (_, fcntl) = find("fcntl").expect("fcntl");
        assert_eq!((fcntl.min_arity, fcntl.arity, fcntl.sig.ret), (2, 3, RetKind::Fcntl));
        let (_, send) = find("send").expect("send");
        assert_eq!(send.sig.name, "sendto");
        let shown: Vec<String> = send.sig.args.iter().map(|s| format!("{:?}", s.0)).collect();
        assert_eq!(shown[0], "Fd");
        assert_eq!(shown[1], "InStr(2)");
        assert_eq!(&shown[4..], ["Lit(\"NULL\")", "Lit(\"0\")"]);
        assert_eq!(args::EpollCtl::at("event"), 3);
        let call = Call::decode(find("dup2").expect("dup2").0, &[3, 1 << 32 | 7]).expect("a built-in");
        assert_eq!((call.name(), call.fds()), ("dup2", vec![3, 7]));
        // Calls that make an fd return it as one (`-y` annotates it); `poll`'s count has its
        // `revents` after it.
        for name in ["dup", "dup2", "dup3", "eventfd", "epoll_create", "epoll_create1", "timerfd_create", "open", "openat"] {
            assert_eq!(find(name).expect(name).1.sig.ret, RetKind::Fd, "{name}");
        }
        assert_eq!((find("poll").expect("poll").1.sig.ret, find("ppoll").expect("ppoll").1.sig.ret), (RetKind::Poll, RetKind::Poll));
    }
}
