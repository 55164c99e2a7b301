//! The Linux ABI as types: what a foreign call's parameters are (an fd, a C `int`, flags of a
//! named group, a pointer to a struct the call reads or writes …) and the layout of every struct
//! that crosses the boundary (`struct epoll_event`, `struct timespec`, `struct itimerspec`).
//!
//! A call is declared once, in `table.rs`, with these types; its handler receives a typed
//! argument struct (`fn epoll_ctl(s, m, a: EpollCtl)`, then `a.event.read(m)?`), the trace shows
//! each parameter as its type says, and `--against-kernel` builds the kernel's buffers from the
//! same types. A struct's size and fields are written once, here; nothing decodes guest bytes by
//! hand.

use crate::trace::decode::{self as d, Arg};
use crate::Shims;
use spindle_vm::memory::Memory;
use spindle_vm::{Machine, VmResult};
use std::marker::PhantomData;

/// A parameter of a foreign call: how it is made from the raw 64-bit argument, and how the
/// trace shows it. The trace always shows the raw argument, so a conversion may drop bits (a C
/// `int` is the low 32 bits, as the kernel reads it).
pub trait Param: Copy {
    /// How the trace shows the argument.
    const SHOWN: Arg;
    fn from_raw(v: u64) -> Self;
    /// The fd number, when the parameter names a file descriptor (`--against-kernel` checks that
    /// the kernel can have it).
    fn fd(self) -> Option<i32> {
        None
    }
}

/// A file descriptor number (a C `int`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fd(pub i32);

/// A C `int`: the low 32 bits of the argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int(pub i32);

/// A C `long` (or a 64-bit value the VM gives meaning to: a thread id, an argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Long(pub i64);

/// A `size_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

/// An `unsigned int`: the low 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UInt(pub u32);

/// A number of microseconds (`useconds_t`), shown as the `struct timespec` glibc's `usleep`
/// passes to the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usec(pub u32);

/// `poll`'s array of `struct pollfd` (the count is the next parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pollfds(pub u64);

/// A function value (`spawn`'s entry point).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func(pub u64);

/// An address the call takes as it is (`free`'s pointer, a signal mask it only checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addr(pub u64);

/// An address the call may write through but Spindle never does (`nanosleep`'s `rem`: no
/// signal interrupts a sleep).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutAddr(pub u64);

/// A pointer to a `sigset_t` the call reads (`epoll_pwait`'s mask; glibc's is 8 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sigmask(pub u64);

/// A pointer to a `sigset_t` the call writes (`sigprocmask`'s `oldset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigsetOut(pub u64);

/// A signal number (a C `int`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signo(pub i32);

/// `fcntl`'s third argument, whose meaning depends on the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FcntlArg(pub u64);

/// A socket type: a base type in the low 4 bits, `SOCK_NONBLOCK`/`SOCK_CLOEXEC` above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockType(pub u32);

/// A path: a NUL-terminated string the call reads (shown quoted, as strace does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Path(pub u64);

/// A pointer to an `int` the call reads or writes (shown as `[5]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntRef(pub u64);

/// An `int` the call writes through (`getsockopt`'s `optval`): `[5]` after the call, its
/// address if the call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntOut(pub u64);

/// `ioctl`'s third argument, shown as its request (argument 1) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoctlArg(pub u64);

/// A socket option name, shown by the table of its level (argument 1: `TCP_NODELAY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockOptName(pub u64);

impl SockOptName {
    /// The value as the kernel reads an `int`.
    pub fn get(self) -> i32 {
        self.0 as u32 as i32
    }
}

/// `setsockopt`'s value: `[int]`, or an address for an option whose value is a struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockOptVal(pub u64);

/// `futex`'s `unsigned int` argument `K` (2: `val`, 5: `val3`), shown as the operation says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FutexWord<const K: usize>(pub u32);

/// `futex`'s pointer-sized argument `K` (3: `timeout` or `val2`, 4: `uaddr2`), shown as the
/// operation says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FutexPtr<const K: usize>(pub u64);
/// `wait4`'s status pointer (shown as strace decodes a wait status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitStatus(pub u64);

/// A directory fd for the `*at` calls (`AT_FDCWD` is -100), shown as strace does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AtFd(pub i32);

/// `open`'s flags: an access mode and `O_*` flags (a C `int`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenFlags(pub u32);

/// A file mode (`mode_t`, permission bits), shown in octal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode(pub u32);

/// `open`'s mode: permission bits used only when parameter `FLAGS` asks to create the file
/// (strace shows it only then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateMode<const FLAGS: usize>(pub u32);

impl<const FLAGS: usize> Param for CreateMode<FLAGS> {
    const SHOWN: Arg = Arg::CreateMode(FLAGS);
    #[inline]
    fn from_raw(v: u64) -> Self {
        CreateMode(v as u32)
    }
}

/// A buffer the call reads, of the length in parameter `LEN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InBytes<const LEN: usize>(pub u64);

/// A buffer the call fills, of the length in parameter `LEN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutBytes<const LEN: usize>(pub u64);

/// A named group of bit flags (strace's names, in strace's order).
pub trait FlagGroup: Copy {
    const NAMES: &'static d::FlagNames;
}

/// A named set of values (an operation, a command, a clock).
pub trait EnumGroup: Copy {
    const NAMES: &'static d::EnumNames;
}

/// Bit flags of group `G` (a C `int`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags<G: FlagGroup>(pub u32, PhantomData<G>);

impl<G: FlagGroup> Flags<G> {
    /// The flags, as the low 32 bits of a `u64` (as the kernel reads an `int` of flags).
    pub fn bits(self) -> u64 {
        self.0 as u64
    }
}

/// One of the values of group `G` (a C `int`; the raw argument is kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enum<G: EnumGroup>(pub u64, PhantomData<G>);

impl<G: EnumGroup> Enum<G> {
    /// The value as the kernel reads an `int`: the low 32 bits.
    pub fn get(self) -> i32 {
        self.0 as u32 as i32
    }
}

/// A pointer to a `T` the call reads.
#[derive(Debug)]
pub struct In<T: ?Sized>(pub u64, PhantomData<fn() -> Box<T>>);

/// A pointer to a `T` (or, for `Out<[T]>`, an array of `T`) the call writes.
#[derive(Debug)]
pub struct Out<T: ?Sized>(pub u64, PhantomData<fn() -> Box<T>>);

impl<T: ?Sized> Clone for In<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for In<T> {}
impl<T: ?Sized> Clone for Out<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Out<T> {}

macro_rules! plain_param {
    ($($t:ident($inner:ty) => $shown:expr, |$v:ident| $conv:expr;)*) => {$(
        impl Param for $t {
            const SHOWN: Arg = $shown;
            #[inline]
            fn from_raw($v: u64) -> Self {
                $t($conv)
            }
        }
    )*};
}

plain_param! {
    Int(i32) => Arg::Int, |v| v as u32 as i32;
    Long(i64) => Arg::Int, |v| v as i64;
    Size(u64) => Arg::UInt, |v| v;
    UInt(u32) => Arg::UInt32, |v| v as u32;
    Usec(u32) => Arg::UsecTimespec, |v| v as u32;
    Func(u64) => Arg::Func, |v| v;
    Pollfds(u64) => Arg::PollfdsIn, |v| v;
    Addr(u64) => Arg::Ptr, |v| v;
    Sigmask(u64) => Arg::SigsetIn, |v| v;
    SigsetOut(u64) => Arg::SigsetOut, |v| v;
    Signo(i32) => Arg::Signal, |v| v as u32 as i32;
    OutAddr(u64) => Arg::PtrOut, |v| v;
    FcntlArg(u64) => Arg::FcntlArg, |v| v;
    SockType(u32) => Arg::SockType, |v| v as u32;
    Path(u64) => Arg::Path, |v| v;
    OpenFlags(u32) => Arg::OpenFlags, |v| v as u32;
    Mode(u32) => Arg::Octal, |v| v as u32;
    IntRef(u64) => Arg::IntRef, |v| v;
    WaitStatus(u64) => Arg::WaitStatusOut, |v| v;
}

// ---- signals and select, shown as the system call glibc makes --------------------------------

/// A pointer to the kernel's `struct sigaction` the call reads (`rt_sigaction`'s `act`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelSigaction(pub u64);

/// A pointer to the kernel's `struct sigaction` the call writes (`rt_sigaction`'s `oact`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelSigactionOut(pub u64);

/// A pointer to glibc's `struct sigaction` the call reads (`sigaction`'s `act`), shown as the
/// kernel's struct glibc passes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LibcSigaction(pub u64);

/// A pointer to glibc's `struct sigaction` the call writes (`sigaction`'s `oact`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LibcSigactionOut(pub u64);

/// `signal`'s handler (`SIG_DFL`, `SIG_IGN` or a function), shown as the action glibc installs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalHandler(pub u64);

/// A pointer to an `fd_set` of `select`/`pselect`, which the call reads and overwrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdSetPtr(pub u64);

/// A pointer to `select`'s `struct timeval` timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimevalPtr(pub u64);

/// glibc's `pselect`'s pointer to a `sigset_t` (NULL: the mask stays).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PselectMask(pub u64);

/// A pointer to a `sigset_t` the call reads, of the size in argument `N` (`rt_sigtimedwait`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizedSigmask<const N: usize>(pub u64);

impl<const N: usize> Param for SizedSigmask<N> {
    const SHOWN: Arg = Arg::SigsetSized(N);
    fn from_raw(v: u64) -> Self {
        SizedSigmask(v)
    }
}

/// A pointer to a `siginfo_t` the call writes (`rt_sigtimedwait`'s `info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiginfoOut(pub u64);

plain_param! {
    SiginfoOut(u64) => Arg::SiginfoOut, |v| v;
    KernelSigaction(u64) => Arg::SigactionIn(d::SaLayout::Kernel), |v| v;
    KernelSigactionOut(u64) => Arg::SigactionOut(d::SaLayout::Kernel), |v| v;
    LibcSigaction(u64) => Arg::SigactionIn(d::SaLayout::Libc), |v| v;
    LibcSigactionOut(u64) => Arg::SigactionOut(d::SaLayout::Libc), |v| v;
    SignalHandler(u64) => Arg::SignalAction(0), |v| v;
    FdSetPtr(u64) => Arg::FdSet, |v| v;
    TimevalPtr(u64) => Arg::TimevalAsTimespec, |v| v;
    PselectMask(u64) => Arg::PselectSigmask, |v| v;
}

/// A parameter the trace shows elsewhere than in its place (an argument the table's `strace`
/// part puts after a literal: `signalfd`'s flags after the `8` glibc adds); it reads as `P`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShownLater<P>(pub P);

impl<P> std::ops::Deref for ShownLater<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.0
    }
}

impl<P: Param> Param for ShownLater<P> {
    const SHOWN: Arg = Arg::Lit("");
    fn from_raw(v: u64) -> Self {
        ShownLater(P::from_raw(v))
    }
}

/// `sigwait`'s `int *sig`, which glibc's wrapper writes after its `rt_sigtimedwait`: no system
/// call sees it, so the trace does not show it (the signal is the call's result there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigwaitSig(pub u64);

plain_param! {
    SigwaitSig(u64) => Arg::Lit(""), |v| v;
    IntOut(u64) => Arg::IntOut, |v| v;
    IoctlArg(u64) => Arg::IoctlArg(1), |v| v;
    SockOptName(u64) => Arg::SockOpt(1), |v| v;
    SockOptVal(u64) => Arg::SockOptVal(1, 2), |v| v;
}

impl<const K: usize> Param for FutexWord<K> {
    const SHOWN: Arg = Arg::FutexArg(K);
    #[inline]
    fn from_raw(v: u64) -> Self {
        FutexWord(v as u32)
    }
}

impl<const K: usize> Param for FutexPtr<K> {
    const SHOWN: Arg = Arg::FutexArg(K);
    #[inline]
    fn from_raw(v: u64) -> Self {
        FutexPtr(v)
    }
}

impl Param for AtFd {
    const SHOWN: Arg = Arg::AtFd;
    #[inline]
    fn from_raw(v: u64) -> Self {
        AtFd(v as u32 as i32)
    }
    fn fd(self) -> Option<i32> {
        // AT_FDCWD names no fd.
        (self.0 != crate::consts::linux::AT_FDCWD as i32).then_some(self.0)
    }
}

impl Param for Fd {
    const SHOWN: Arg = Arg::Fd;
    #[inline]
    fn from_raw(v: u64) -> Self {
        Fd(v as u32 as i32)
    }
    fn fd(self) -> Option<i32> {
        Some(self.0)
    }
}

impl<const LEN: usize> Param for InBytes<LEN> {
    const SHOWN: Arg = Arg::InStr(LEN);
    #[inline]
    fn from_raw(v: u64) -> Self {
        InBytes(v)
    }
}

impl<const LEN: usize> Param for OutBytes<LEN> {
    const SHOWN: Arg = Arg::OutStr;
    #[inline]
    fn from_raw(v: u64) -> Self {
        OutBytes(v)
    }
}

impl<G: FlagGroup> Param for Flags<G> {
    const SHOWN: Arg = Arg::Flags(G::NAMES, "0");
    #[inline]
    fn from_raw(v: u64) -> Self {
        Flags(v as u32, PhantomData)
    }
}

impl<G: EnumGroup> Param for Enum<G> {
    const SHOWN: Arg = Arg::Enum(G::NAMES);
    #[inline]
    fn from_raw(v: u64) -> Self {
        Enum(v, PhantomData)
    }
}

impl<T: Layout> Param for In<T> {
    const SHOWN: Arg = T::SHOWN_IN;
    #[inline]
    fn from_raw(v: u64) -> Self {
        In(v, PhantomData)
    }
}

impl<T: Layout> Param for Out<T> {
    const SHOWN: Arg = T::SHOWN_OUT;
    #[inline]
    fn from_raw(v: u64) -> Self {
        Out(v, PhantomData)
    }
}

impl<T: Layout> Param for Out<[T]> {
    const SHOWN: Arg = T::SHOWN_ARRAY_OUT;
    #[inline]
    fn from_raw(v: u64) -> Self {
        Out(v, PhantomData)
    }
}

macro_rules! groups {
    ($($(#[$doc:meta])* $kind:ident $name:ident = $table:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name;
        groups!(@impl $kind $name $table);
    )*};
    (@impl flags $name:ident $table:expr) => {
        impl FlagGroup for $name {
            const NAMES: &'static d::FlagNames = $table;
        }
    };
    (@impl values $name:ident $table:expr) => {
        impl EnumGroup for $name {
            const NAMES: &'static d::EnumNames = $table;
        }
    };
}

groups! {
    /// `O_*` (`pipe2`).
    flags OFlags = d::O_FLAGS;
    /// `dup3`'s flags (only `O_CLOEXEC` is valid; strace names them all as `O_*`).
    flags Dup3Flags = d::DUP3_FLAGS;
    /// `EFD_*`.
    flags EfdFlags = d::EFD_FLAGS;
    /// `wait4`'s `W*` options.
    flags WaitFlags = d::WAIT_FLAGS;
    /// `MSG_*`.
    flags MsgFlags = d::MSG_FLAGS;
    /// `EPOLL_CLOEXEC`.
    flags EpollCreateFlags = d::EPOLL_CREATE_FLAGS;
    /// `TFD_NONBLOCK`, `TFD_CLOEXEC` (strace's table has the `TFD_TIMER_*` too).
    flags TfdFlags = d::TFD_FLAGS;
    /// `TFD_TIMER_*`.
    flags TfdTimerFlags = d::TFD_TIMER_FLAGS;
    /// `EPOLL_CTL_*`.
    values EpollOps = d::EPOLL_OPS;
    /// `SHUT_*`.
    values ShutHow = d::SHUT_HOW;
    /// `CLOCK_*`.
    values Clocks = d::CLOCKS;
    /// `AF_*`.
    values Domains = d::DOMAINS;
    /// `F_*` commands.
    values FcntlCmds = d::FCNTL_CMDS;
    /// `FUTEX_*` operations.
    values FutexOps = crate::futex::FUTEX_OPS;
    /// `SEEK_*`.
    values Whences = d::WHENCES;
    /// `ioctl` requests (`FIONREAD`, `FIONBIO`).
    values IoctlReqs = d::IOCTL_REQS;
    /// Socket option levels (`SOL_SOCKET`).
    values SockLevels = d::SOCK_LEVELS;
    /// Socket options (`SO_*`).
    values SockOpts = d::SOCK_OPTS;
    /// `sigprocmask`'s `how` (`SIG_BLOCK`, …).
    values SigHows = d::SIG_HOWS;
    /// `SFD_*`.
    flags SfdFlags = d::SFD_FLAGS;
}

// ---- layouts ----------------------------------------------------------------------------------

/// A C type with a fixed little-endian x86-64 layout: its size and how its bytes read and write.
pub trait Layout: Sized + Copy {
    const SIZE: u64;
    /// Reads a value from the first `SIZE` bytes of `b` (which has at least that many).
    fn decode(b: &[u8]) -> Self;
    /// Writes the value into the first `SIZE` bytes of `out`.
    fn encode(&self, out: &mut [u8]);
    /// How the trace shows a pointer to one the call reads, one it writes, and an array of them
    /// it writes.
    const SHOWN_IN: Arg = Arg::Ptr;
    const SHOWN_OUT: Arg = Arg::PtrOut;
    const SHOWN_ARRAY_OUT: Arg = Arg::PtrOut;

    /// The value's bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![0; Self::SIZE as usize];
        self.encode(&mut b);
        b
    }

    /// Reads one from guest memory without a race check: for observers (the trace, the kernel
    /// oracle), never for the guest's own calls. `None` when not readable.
    fn peek(mem: &Memory, addr: u64) -> Option<Self> {
        mem.read_bytes(addr, Self::SIZE).ok().map(|b| Self::decode(&b))
    }
}

macro_rules! int_layout {
    ($($t:ty),*) => {$(
        impl Layout for $t {
            const SIZE: u64 = std::mem::size_of::<$t>() as u64;
            #[inline]
            fn decode(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(&b[..std::mem::size_of::<$t>()]);
                <$t>::from_le_bytes(a)
            }
            #[inline]
            fn encode(&self, out: &mut [u8]) {
                out[..std::mem::size_of::<$t>()].copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

int_layout!(u16, u32, i32, u64, i64);

/// Implements [`Layout`] for a struct of [`Layout`] fields laid out one after the other with no
/// padding (as the x86-64 ABI lays these out: `struct epoll_event` is packed).
macro_rules! layout {
    ($t:ty { $($field:ident: $ft:ty),* $(,)? } $(, $shown:ident = $arg:expr)* $(,)?) => {
        impl Layout for $t {
            const SIZE: u64 = 0 $(+ <$ft as Layout>::SIZE)*;
            $(const $shown: Arg = $arg;)*
            #[inline]
            fn decode(b: &[u8]) -> Self {
                let mut at = 0usize;
                $(
                    let $field = <$ft as Layout>::decode(&b[at..]);
                    at += <$ft as Layout>::SIZE as usize;
                )*
                let _ = at;
                Self { $($field),* }
            }
            #[inline]
            fn encode(&self, out: &mut [u8]) {
                let mut at = 0usize;
                $(
                    self.$field.encode(&mut out[at..]);
                    at += <$ft as Layout>::SIZE as usize;
                )*
                let _ = at;
            }
        }
    };
}

/// `struct timespec`: `i64 tv_sec`, `i64 tv_nsec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

/// Nanoseconds in a second.
pub const NSEC_PER_SEC: u64 = 1_000_000_000;

impl Timespec {
    /// The `timespec` of a number of nanoseconds.
    pub fn from_ns(ns: u64) -> Timespec {
        Timespec { sec: (ns / NSEC_PER_SEC) as i64, nsec: (ns % NSEC_PER_SEC) as i64 }
    }

    /// Whether the kernel accepts it as a duration or time (`timespec64_valid`): seconds not
    /// negative, nanoseconds in `0..1e9`.
    pub fn is_valid(self) -> bool {
        self.sec >= 0 && (0..NSEC_PER_SEC as i64).contains(&self.nsec)
    }

    /// Nanoseconds, saturating (for a valid value).
    pub fn ns(self) -> u64 {
        (self.sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(self.nsec as u64)
    }
}

layout!(Timespec { sec: i64, nsec: i64 }, SHOWN_IN = Arg::TimespecIn, SHOWN_OUT = Arg::TimespecOut);

/// `struct itimerspec`: the interval, then the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Itimerspec {
    pub interval: Timespec,
    pub value: Timespec,
}

layout!(Itimerspec { interval: Timespec, value: Timespec }, SHOWN_IN = Arg::ItimerspecIn, SHOWN_OUT = Arg::ItimerspecOut);

/// `struct epoll_event`, packed on x86-64: `u32 events`, `u64 data` (12 bytes).
pub use crate::epoll::EpollEvent;

layout!(EpollEvent { events: u32, data: u64 }, SHOWN_IN = Arg::EpollEventIn, SHOWN_ARRAY_OUT = Arg::EpollEventsOut);

/// `struct pollfd`: `int fd`, `short events`, `short revents` (8 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pollfd {
    pub fd: i32,
    pub events: u16,
    pub revents: u16,
}

layout!(Pollfd { fd: i32, events: u16, revents: u16 });

/// `struct timeval`: `i64 tv_sec`, `i64 tv_usec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeval {
    pub sec: i64,
    pub usec: i64,
}

layout!(Timeval { sec: i64, usec: i64 });
/// `struct stat` on x86-64 (144 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub pad0: u32,
    pub rdev: u64,
    pub size: i64,
    pub blksize: i64,
    pub blocks: i64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    pub reserved: [i64; 3],
}

impl Layout for [i64; 3] {
    const SIZE: u64 = 24;
    fn decode(b: &[u8]) -> Self {
        [i64::decode(b), i64::decode(&b[8..]), i64::decode(&b[16..])]
    }
    fn encode(&self, out: &mut [u8]) {
        for (k, v) in self.iter().enumerate() {
            v.encode(&mut out[8 * k..]);
        }
    }
}

layout!(
    Stat {
        dev: u64,
        ino: u64,
        nlink: u64,
        mode: u32,
        uid: u32,
        gid: u32,
        pad0: u32,
        rdev: u64,
        size: i64,
        blksize: i64,
        blocks: i64,
        atime: Timespec,
        mtime: Timespec,
        ctime: Timespec,
        reserved: [i64; 3],
    },
    SHOWN_OUT = Arg::StatOut
);

/// `int[2]`: the two fds `pipe` and `socketpair` return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FdPair {
    pub first: i32,
    pub second: i32,
}

layout!(FdPair { first: i32, second: i32 }, SHOWN_OUT = Arg::IntPairOut);

impl<T: Layout> In<T> {
    /// The address.
    pub fn addr(self) -> u64 {
        self.0
    }

    /// Whether it is NULL.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// Reads the value, checked for races like a guest access; `Ok(None)` when the memory is
    /// not readable (the call's `EFAULT`).
    pub fn read(self, m: &mut Machine<Shims>) -> VmResult<Option<T>> {
        Ok(m.read_guest(self.0, T::SIZE)?.map(|b| T::decode(&b)))
    }
}

impl<T: Layout> Out<T> {
    /// The address.
    pub fn addr(self) -> u64 {
        self.0
    }

    /// Whether it is NULL.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// Writes the value, checked for races like a guest access; `Ok(false)` when the memory is
    /// not writable (the call's `EFAULT`).
    pub fn write(self, m: &mut Machine<Shims>, v: &T) -> VmResult<bool> {
        // The small structs (an `epoll_event` per delivered event, a `timespec`) are encoded on
        // the stack, not into a fresh `Vec`.
        let mut small = [0u8; 32];
        match small.get_mut(..T::SIZE as usize) {
            Some(b) => {
                v.encode(b);
                m.write_guest(self.0, b)
            }
            None => m.write_guest(self.0, &v.to_bytes()),
        }
    }
}

impl<T: Layout> Out<[T]> {
    /// The address.
    pub fn addr(self) -> u64 {
        self.0
    }

    /// The address of element `k`.
    pub fn element(self, k: usize) -> Out<T> {
        Out(self.0.wrapping_add(T::SIZE * k as u64), PhantomData)
    }

    /// How many of the first `max` elements can be written now.
    pub fn writable(self, mem: &Memory, max: usize) -> usize {
        (mem.writable_extent(self.0) / T::SIZE).min(max as u64) as usize
    }

    /// How many bytes `n` elements take.
    pub fn bytes(n: u64) -> u64 {
        n.saturating_mul(T::SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_have_the_x86_64_sizes_and_field_order() {
        assert_eq!(EpollEvent::SIZE, 12);
        assert_eq!(Timespec::SIZE, 16);
        assert_eq!(Itimerspec::SIZE, 32);
        assert_eq!(FdPair::SIZE, 8);
        assert_eq!(Stat::SIZE, 144);
        let ev = EpollEvent { events: 0x8000_0001, data: 0x1122_3344_5566_7788 };
        let b = ev.to_bytes();
        assert_eq!(b, [1, 0, 0, 0x80, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
        assert_eq!(EpollEvent::decode(&b), ev);
        let it = Itimerspec { interval: Timespec { sec: 1, nsec: 2 }, value: Timespec { sec: 3, nsec: 4 } };
        let b = it.to_bytes();
        assert_eq!(&b[16..24], &3i64.to_le_bytes());
        assert_eq!(Itimerspec::decode(&b), it);
    }

    #[test]
    fn timespecs_validate_and_convert_like_the_kernel() {
        assert!(Timespec { sec: 0, nsec: 999_999_999 }.is_valid());
        assert!(!Timespec { sec: 0, nsec: 1_000_000_000 }.is_valid());
        assert!(!Timespec { sec: -1, nsec: 0 }.is_valid());
        assert_eq!(Timespec::from_ns(1_500_000_000), Timespec { sec: 1, nsec: 500_000_000 });
        assert_eq!(Timespec { sec: 2, nsec: 5 }.ns(), 2_000_000_005);
    }

    #[test]
    fn parameters_read_the_kernel_s_bits() {
        assert_eq!(Fd::from_raw(u64::MAX).0, -1);
        assert_eq!(Fd::from_raw(0x1_0000_0003).0, 3);
        assert_eq!(Flags::<EfdFlags>::from_raw(0xffff_ffff_0000_0800).bits(), 0x800);
        assert_eq!(Enum::<EpollOps>::from_raw(0x1_0000_0001).get(), 1);
    }
}
