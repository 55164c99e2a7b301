//! The observer: what each call is for the kernel (its plan), and the comparison of the answers.

use super::*;
use spindle_shims::abi::{EpollEvent, FdPair, Itimerspec, Layout, Out, Timespec, Timeval};
use spindle_shims::consts::linux;
use spindle_shims::epoll::EP_MAX_EVENTS;
use spindle_shims::{args, Call};
use spindle_vm::ThreadId;
use std::collections::BTreeMap;

/// Where a call writes two fds.
type FdPairOut = Out<FdPair>;
// ---- the observer: what each call is for the kernel, and the comparison ----------------------

/// What a guest call is for the check.
pub(super) enum Plan {
    /// A system call to compare.
    Sys(CallReq),
    /// Not a system call (or its answer depends on the virtual clock): not compared.
    Skip,
    /// The program cannot be checked from here on.
    Refuse(String),
    /// A signal call: planned by `plan_signal` (module `signals`), which needs the lanes and
    /// the guest's actions.
    Signal,
}

/// How much longer than the timeout a call that is slow but not asleep in the kernel may take
/// (a heavily loaded machine).
pub(super) const LATE_FACTOR: u32 = 4;

/// How many calls may block at once, in Spindle and the kernel: every one of them is looked at
/// (in `/proc`) after every call, so a program with thousands of blocked threads would make the
/// check crawl; it is refused instead (exit code 3).
pub(super) const MAX_BLOCKED: usize = 128;

/// The call being made.
#[derive(Clone)]
pub(super) struct Pending {
    pub(super) name: &'static str,
    pub(super) call: Call,
    pub(super) sig: Sig,
    pub(super) raw: Vec<u64>,
    pub(super) span: Span,
    /// The guest thread that makes it.
    pub(super) thread: ThreadId,
    pub(super) req: CallReq,
    /// A timed epoll wait: it may block, and its timeout ends it.
    pub(super) timed_wait: bool,
    /// Refuse the call if it returns at all (an `fcntl` command with a pointer argument, which
    /// Spindle reports as unsupported anyway).
    pub(super) refuse_if_done: Option<String>,
    /// A signal call's conversion of the kernel's answer and the action it installs.
    pub(super) sig_plan: SigPlan,
}

pub(super) struct Checker {
    pub(super) link: Link,
    pub(super) max_fds: i64,
    pub(super) timeout: Duration,
    pub(super) compared: u64,
    pub(super) not_compared: u64,
    pub(super) pending: Option<Pending>,
    /// How long a blocked kernel call may take to return, or to fall asleep, once Spindle says
    /// what it does ([`Oracle::grace`]).
    pub(super) grace: Duration,
    /// Each guest thread's lane: the oracle thread that makes its calls.
    pub(super) lanes: BTreeMap<ThreadId, usize>,
    /// Lanes handed out.
    pub(super) lane_count: usize,
    /// Calls that block in Spindle and in the kernel, by guest thread, compared when Spindle
    /// completes them.
    pub(super) waiting: BTreeMap<ThreadId, Waiting>,
    /// The run ended inside a call.
    pub(super) ended_in_call: bool,
    /// A stop to give at the next call (found when a blocked call resumed).
    pub(super) stop_next: Option<Box<Stop>>,
    pub(super) divergence: Option<Box<Divergence>>,
    pub(super) unchecked: Option<String>,
    pub(super) fatal: Option<OracleError>,
    /// The check's own bookkeeping broke ([`Checker::internal`]): reported as [`fatal`](Self::fatal).
    pub(super) broken: RefCell<Option<OracleError>>,
    /// The timerfds, and the virtual clock mapped onto the kernel's.
    pub(super) timers: Timers,
    /// Signal actions, masks and deliveries (module `signals`).
    pub(super) sig: SigCheck,
}

/// A call that blocks, in Spindle and (so far) in the kernel.
pub(super) struct Waiting {
    pub(super) p: Pending,
    pub(super) lane: usize,
    /// The kernel's answer, come early: the kernel's clock ran ahead past an expiry of a timer
    /// the call waits for (`timers.rs`). Compared when Spindle completes the call.
    pub(super) early: Option<CallReply>,
}

/// The observer the shims hold; the run's driver keeps the other handle.
pub(super) struct Hook(pub(super) Rc<RefCell<Checker>>);

impl CallObserver for Hook {
    fn before(&mut self, m: &Machine<Shims>, id: u32, sig: &Sig, args: &[u64]) -> VmResult<()> {
        self.0.borrow_mut().before(m, id, sig, args)
    }
    fn after(&mut self, m: &Machine<Shims>, result: &VmResult<Ret>) -> VmResult<()> {
        self.0.borrow_mut().after(m, result)
    }
    fn resumed(&mut self, m: &Machine<Shims>, value: u64) {
        self.0.borrow_mut().resumed(m, value)
    }
    fn handler_entered(&mut self, m: &Machine<Shims>, sig: i64) -> VmResult<()> {
        self.0.borrow_mut().handler_entered(m, sig)
    }
    fn handler_returned(&mut self, m: &Machine<Shims>, sig: i64) -> VmResult<()> {
        self.0.borrow_mut().handler_returned(m, sig)
    }
}

/// `fcntl` commands whose argument is a pointer.
pub(super) const FCNTL_POINTER_CMDS: &[i32] = &[5, 6, 7, 15, 16, 17, 36, 37, 38, 1035, 1036];
pub(super) const F_DUPFD: i32 = linux::F_DUPFD as i32;
pub(super) const F_DUPFD_CLOEXEC: i32 = linux::F_DUPFD_CLOEXEC as i32;

/// The position of parameter `$field` of call `$Args`, checked at compile time.
macro_rules! at {
    ($Args:ident . $field:ident) => {
        const { args::$Args::at(stringify!($field)) }
    };
}

/// The arguments of a call that are fd numbers: its `Fd` parameters, and `fcntl`'s argument
/// when it duplicates.
pub(super) fn fd_args(call: &Call) -> Vec<i32> {
    let mut fds = call.fds();
    if let Call::Fcntl(a) = call {
        if matches!(a.cmd.get(), F_DUPFD | F_DUPFD_CLOEXEC) {
            fds.push(a.arg.0 as u32 as i32);
        }
    }
    fds
}

/// The arguments and buffers of a system call for the oracle, as they are built.
pub(super) struct Request<'a> {
    pub(super) m: &'a Machine<Shims>,
    pub(super) args: [u64; 6],
    pub(super) bufs: Vec<Buf>,
}

impl Request<'_> {
    /// Pointer argument `arg` of `len` bytes, which the call reads (`out` false) or may write.
    pub(super) fn ptr(&mut self, arg: usize, len: u64, out: bool) -> Result<(), String> {
        if let Some(b) = Checker::buffer(self.m, &mut self.args, arg, len, out)? {
            self.bufs.push(b);
        }
        Ok(())
    }

    pub(super) fn sys(self, nr: libc::c_long) -> Plan {
        Plan::Sys(CallReq { nr: nr as i64, args: self.args, bufs: self.bufs })
    }
}

impl Checker {
    pub(super) fn new(link: Link, max_fds: i64, timeout: Duration, grace: Duration) -> Checker {
        let sig = SigCheck { ids: link.ids, ..Default::default() };
        Checker {
            sig,
            link,
            max_fds,
            timeout,
            compared: 0,
            not_compared: 0,
            pending: None,
            grace,
            lanes: BTreeMap::new(),
            // Lane 0 is kept for the guest's main thread.
            lane_count: 1,
            waiting: BTreeMap::new(),
            ended_in_call: false,
            stop_next: None,
            divergence: None,
            unchecked: None,
            fatal: None,
            broken: RefCell::new(None),
            timers: Timers::default(),
        }
    }

    /// A pointer argument: the buffer the oracle builds for it, or the value to pass as it is.
    pub(super) fn buffer(m: &Machine<Shims>, args: &mut [u64; 6], arg: usize, len: u64, out: bool) -> Result<Option<Buf>, String> {
        let p = args[arg];
        args[arg] = 0;
        if p == 0 {
            return Ok(None);
        }
        let (alloc, _) = spindle_vm::memory::split(p);
        if m.memory.get(alloc).is_some() {
            // A guest allocation (live, freed, or an offset past its end): its valid bytes.
            let n = len.min(m.memory.readable_extent(p));
            let bytes = m.memory.read_bytes(p, n).unwrap_or_default();
            let writable = m.memory.writable_extent(p) > 0;
            return Ok(Some(Buf { arg, bytes, writable, back: out && writable, guest: p, len, raw: 0 }));
        }
        if p >= TASK_SIZE_MAX {
            // Not a user address: invalid in the oracle as well.
            args[arg] = p;
            return Ok(None);
        }
        if p.checked_add(len).is_none_or(|end| end > TASK_SIZE_MAX) {
            // A range the kernel's `access_ok` rejects: the same address in the oracle.
            return Ok(Some(Buf { arg, bytes: Vec::new(), writable: false, back: false, guest: p, len, raw: p }));
        }
        // An address in user space with no guest memory: an inaccessible page in the oracle.
        Ok(Some(Buf { arg, bytes: Vec::new(), writable: false, back: false, guest: p, len, raw: 0 }))
    }

    /// What `call` (whose raw arguments are `a`) is for the kernel. Every call has a plan:
    /// a call added to the shims does not compile until it says here what it is.
    pub(super) fn plan(m: &Machine<Shims>, call: &Call, a: &[u64]) -> Result<Plan, String> {
        let arg = |i: usize| a.get(i).copied().unwrap_or(0);
        let mut r = Request { m, args: [arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)], bufs: Vec::new() };
        // An `epoll_wait` buffer of `maxevents` events (none when the kernel refuses the count).
        let events = |max: i32| match max {
            n @ 1..=EP_MAX_EVENTS => n as u64 * EpollEvent::SIZE,
            _ => 0,
        };
        let sigset = spindle_shims::epoll::validate::SIGSET_SIZE;
        Ok(match *call {
            Call::Read(c) => {
                r.ptr(at!(Read.buf), c.count.0, true)?;
                r.sys(libc::SYS_read)
            }
            Call::Write(c) => {
                r.ptr(at!(Write.buf), c.count.0, false)?;
                r.sys(libc::SYS_write)
            }
            Call::Close(_) => r.sys(libc::SYS_close),
            Call::Dup(_) => r.sys(libc::SYS_dup),
            Call::Dup2(_) => r.sys(libc::SYS_dup2),
            Call::Dup3(_) => r.sys(libc::SYS_dup3),
            Call::Fcntl(_) => r.sys(libc::SYS_fcntl),
            Call::Eventfd(_) => r.sys(libc::SYS_eventfd2),
            Call::Pipe(_) => {
                r.ptr(at!(Pipe.fds), FdPair::SIZE, true)?;
                r.sys(libc::SYS_pipe)
            }
            Call::Pipe2(_) => {
                r.ptr(at!(Pipe2.fds), FdPair::SIZE, true)?;
                r.sys(libc::SYS_pipe2)
            }
            Call::Socketpair(_) => {
                r.ptr(at!(Socketpair.sv), FdPair::SIZE, true)?;
                r.sys(libc::SYS_socketpair)
            }
            // `sendto`/`recvfrom` with no address (their arguments 5 and 6 stay 0).
            Call::Send(c) => {
                r.ptr(at!(Send.buf), c.len.0, false)?;
                r.sys(libc::SYS_sendto)
            }
            Call::Recv(c) => {
                r.ptr(at!(Recv.buf), c.len.0, true)?;
                r.sys(libc::SYS_recvfrom)
            }
            Call::Shutdown(_) => r.sys(libc::SYS_shutdown),
            Call::EpollCreate(_) => r.sys(libc::SYS_epoll_create),
            Call::EpollCreate1(_) => r.sys(libc::SYS_epoll_create1),
            Call::EpollCtl(_) => {
                r.ptr(at!(EpollCtl.event), EpollEvent::SIZE, false)?;
                r.sys(libc::SYS_epoll_ctl)
            }
            // The kernel is asked with a timeout of 0 (see the module's documentation).
            Call::EpollWait(c) => {
                r.ptr(at!(EpollWait.events), events(c.maxevents.0), true)?;
                r.args[at!(EpollWait.timeout)] = 0;
                r.sys(libc::SYS_epoll_wait)
            }
            Call::EpollPwait(c) => {
                r.ptr(at!(EpollPwait.events), events(c.maxevents.0), true)?;
                r.args[at!(EpollPwait.timeout)] = 0;
                r.ptr(at!(EpollPwait.sigmask), sigset, false)?;
                r.args[5] = sigset;
                r.sys(libc::SYS_epoll_pwait)
            }
            Call::EpollPwait2(c) => {
                r.ptr(at!(EpollPwait2.events), events(c.maxevents.0), true)?;
                // A valid timeout (or none) becomes {0, 0}: the oracle must not wait.
                let valid = c.timeout.is_null() || Timespec::peek(&m.memory, c.timeout.addr()).is_some_and(Timespec::is_valid);
                let ts = at!(EpollPwait2.timeout);
                if valid {
                    r.args[ts] = 0;
                    let zero = Timespec::default().to_bytes();
                    r.bufs.push(Buf { arg: ts, bytes: zero, writable: false, back: false, guest: 0, len: Timespec::SIZE, raw: 0 });
                } else {
                    r.ptr(ts, Timespec::SIZE, false)?;
                }
                r.ptr(at!(EpollPwait2.sigmask), sigset, false)?;
                r.args[5] = sigset;
                r.sys(libc::SYS_epoll_pwait2)
            }
            // poll, ppoll, select and pselect as epoll waits: asked with a zero timeout (a wait
            // that blocks in Spindle waits without one on Linux, and a timeout Spindle's clock
            // ends interrupts it); the arrays and sets are compared. A timeout Linux would refuse
            // is passed as it is. (Up to 1024 fds: the kernel's arrays in one request.)
            Call::Poll(c) if c.nfds.0 <= 1024 => {
                r.ptr(at!(Poll.fds), c.nfds.0 as u64 * spindle_shims::abi::Pollfd::SIZE, true)?;
                r.args[at!(Poll.timeout)] = 0;
                r.sys(libc::SYS_poll)
            }
            Call::Ppoll(c) if c.nfds.0 <= 1024 => {
                r.ptr(at!(Ppoll.fds), c.nfds.0 as u64 * spindle_shims::abi::Pollfd::SIZE, true)?;
                zero_timeout(m, &mut r, at!(Ppoll.tmo_p), c.tmo_p.addr(), Timespec::SIZE, timespec_valid)?;
                r.ptr(at!(Ppoll.sigmask), sigset, false)?;
                r.args[4] = sigset;
                r.sys(libc::SYS_ppoll)
            }
            // The oracle rebuilds each buffer on its own: one fd set named twice cannot be shared.
            Call::Select(c) if aliased(&[c.readfds.0, c.writefds.0, c.exceptfds.0]) => Plan::Refuse(ALIASED_SETS.into()),
            Call::Pselect(c) if aliased(&[c.readfds.0, c.writefds.0, c.exceptfds.0]) => Plan::Refuse(ALIASED_SETS.into()),
            Call::Select(c) if (0..=1024).contains(&c.nfds.0) => {
                let bytes = (c.nfds.0 as u64).div_ceil(64) * 8;
                for k in [at!(Select.readfds), at!(Select.writefds), at!(Select.exceptfds)] {
                    r.ptr(k, bytes, true)?;
                }
                zero_timeout(m, &mut r, at!(Select.timeout), c.timeout.0, Timeval::SIZE, timeval_valid)?;
                r.sys(libc::SYS_select)
            }
            // glibc's pselect passes the kernel a pointer to {sigmask, 8}: the oracle builds it.
            Call::Pselect(c) if (0..=1024).contains(&c.nfds.0) => {
                let bytes = (c.nfds.0 as u64).div_ceil(64) * 8;
                for k in [at!(Pselect.readfds), at!(Pselect.writefds), at!(Pselect.exceptfds)] {
                    r.ptr(k, bytes, true)?;
                }
                zero_timeout(m, &mut r, at!(Pselect.timeout), c.timeout.addr(), Timespec::SIZE, timespec_valid)?;
                r.ptr(at!(Pselect.sigmask), sigset, false)?;
                r.sys(libc::SYS_pselect6)
            }
            Call::Poll(_) | Call::Ppoll(_) | Call::Select(_) | Call::Pselect(_) => Plan::Skip,
            Call::TimerfdCreate(_) => r.sys(libc::SYS_timerfd_create),
            Call::TimerfdSettime(_) => {
                r.ptr(at!(TimerfdSettime.new), Itimerspec::SIZE, false)?;
                r.ptr(at!(TimerfdSettime.old), Itimerspec::SIZE, true)?;
                r.sys(libc::SYS_timerfd_settime)
            }
            Call::TimerfdGettime(_) => {
                r.ptr(at!(TimerfdGettime.cur), Itimerspec::SIZE, true)?;
                r.sys(libc::SYS_timerfd_gettime)
            }
            // The VM's own services (a new thread gets its oracle thread at its first system call).
            Call::Spawn(_)
            | Call::Exit(_)
            | Call::Abort(_)
            | Call::Malloc(_)
            | Call::Free(_)
            | Call::Errno(_)
            | Call::Join(_)
            | Call::SchedYield(_)
            | Call::Gettid(_) => Plan::Skip,
            // Pids are Spindle's (docs/divergences.md); an exit ends the guest's process.
            Call::Getpid(_) | Call::Getppid(_) | Call::UnderExit(_) | Call::ExitGroup(_) => Plan::Skip,
            // One oracle process stands for one guest process.
            Call::Fork(_) | Call::Wait4(_) | Call::Waitpid(_) => Plan::Refuse(format!(
                "`{}`: processes are not compared with the kernel (one oracle process serves one guest process)",
                call.name()
            )),
            // Their answers follow the virtual clock, not the kernel's (docs/divergences.md).
            Call::Nanosleep(_) | Call::Usleep(_) | Call::ClockGettime(_) => Plan::Skip,
            // A futex's answer depends on the word's address (alignment, identity with other
            // waiters' words), which the oracle's rebuilt buffers do not keep; its rules are
            // pinned by the native probe shims/probes/futex.c instead.
            Call::Futex(_) => Plan::Skip,
            Call::RtSigaction(_)
            | Call::Sigaction(_)
            | Call::Signal(_)
            | Call::RtSigprocmask(_)
            | Call::Sigprocmask(_)
            | Call::PthreadSigmask(_)
            | Call::Sigpending(_)
            | Call::Sigsuspend(_)
            | Call::Kill(_)
            | Call::Tgkill(_)
            | Call::Raise(_)
            | Call::PthreadKill(_)
            | Call::Signalfd(_)
            | Call::Signalfd4(_)
            | Call::RtSigtimedwait(_)
            | Call::Sigtimedwait(_)
            | Call::Sigwaitinfo(_)
            | Call::Sigwait(_) => Plan::Signal,
            Call::Lseek(_) => r.sys(libc::SYS_lseek),
            Call::Pread(c) => {
                r.ptr(at!(Pread.buf), c.count.0, true)?;
                r.sys(libc::SYS_pread64)
            }
            Call::Pwrite(c) => {
                r.ptr(at!(Pwrite.buf), c.count.0, false)?;
                r.sys(libc::SYS_pwrite64)
            }
            // Only the requests and options Spindle models go to the kernel: the oracle runs
            // with the host's privileges, and another request on a socket could reconfigure it.
            Call::Ioctl(c) => match c.request.get() as u32 {
                0x541b => {
                    r.ptr(at!(Ioctl.arg), 4, true)?; // FIONREAD writes an int
                    r.sys(libc::SYS_ioctl)
                }
                0x5421 => {
                    r.ptr(at!(Ioctl.arg), 4, false)?; // FIONBIO reads one
                    r.sys(libc::SYS_ioctl)
                }
                0x5450 | 0x5451 => r.sys(libc::SYS_ioctl), // FIONCLEX, FIOCLEX
                _ => Plan::Refuse("`ioctl` with a request Spindle does not model".into()),
            },
            Call::Getsockopt(c) if c.level.get() == libc::SOL_SOCKET && matches!(c.optname.get(), 3 | 4 | 7 | 8) => {
                r.ptr(at!(Getsockopt.optval), 4, true)?;
                r.ptr(at!(Getsockopt.optlen), 4, true)?;
                r.sys(libc::SYS_getsockopt)
            }
            Call::Setsockopt(c) if c.level.get() == libc::SOL_SOCKET && matches!(c.optname.get(), 3 | 4 | 7 | 8) => {
                r.ptr(at!(Setsockopt.optval), c.optlen.0.max(0) as u64, false)?;
                r.sys(libc::SYS_setsockopt)
            }
            Call::Getsockopt(_) | Call::Setsockopt(_) => Plan::Refuse(format!("`{}` with an option Spindle does not model", call.name())),
            // Paths name the guest's in-memory file system, and `struct stat` holds its inode
            // numbers, devices and times: not the host's.
            Call::Open(_) | Call::Openat(_) | Call::StatPath(_) | Call::Unlink(_) | Call::Mkdir(_) | Call::Readlink(_) | Call::Fstat(_) => {
                Plan::Refuse(format!("`{}` looks at the guest's file system, which is not the host's", call.name()))
            }
        })
    }

    fn before(&mut self, m: &Machine<Shims>, id: u32, sig: &Sig, args: &[u64]) -> VmResult<()> {
        if let Some(stop) = self.stop_next.take() {
            return Err(stop);
        }
        self.pending = None;
        // Time may have passed since the last call (a timeout, a timer).
        self.settle(m, None)?;
        // A signal Linux delivered to this thread must have had its handler run in Spindle.
        self.check_deliveries(m)?;
        let Some(call) = Call::decode(id, args) else {
            self.not_compared += 1;
            return Ok(());
        };
        let span = m.call_span();
        let name = call.name();
        let thread = m.active_thread();
        if let Call::Spawn(_) = call {
            self.sig.spawning = Some(thread);
        }
        if self.waiting.contains_key(&thread) && m.in_interrupt(thread) {
            let why = "a signal handler makes a system call while the call it interrupted is restarted (the kernel oracle's thread for it is still in that call)";
            return Err(self.refuse(why.to_string(), span));
        }
        let mut sig_plan = SigPlan::default();
        let plan = match Self::plan(m, &call, args) {
            Ok(Plan::Signal) => match self.plan_signal(m, &call, args) {
                Ok((p, s)) => {
                    sig_plan = s;
                    p
                }
                Err(why) => Plan::Refuse(format!("`{name}`: {why}")),
            },
            Ok(p) => p,
            Err(why) => Plan::Refuse(format!("`{name}`: {why}")),
        };
        let req = match plan {
            Plan::Skip | Plan::Signal => {
                self.not_compared += 1;
                return Ok(());
            }
            Plan::Refuse(why) => return Err(self.refuse(why, span)),
            Plan::Sys(req) => req,
        };
        // Numbers the oracle cannot have (above its hard limit) cannot be checked.
        for fd in fd_args(&call) {
            let fd = fd as i64;
            if (self.link.ceiling..self.max_fds).contains(&fd) {
                return Err(self.refuse(format!("`{name}` names fd {fd}: {}", self.ceiling_text()), span));
            }
        }
        let timed_wait = match call {
            Call::EpollWait(c) => c.timeout.0 > 0,
            Call::EpollPwait(c) => c.timeout.0 > 0,
            Call::EpollPwait2(c) => !c.timeout.is_null(),
            Call::Poll(c) => c.timeout.0 > 0,
            Call::Ppoll(c) => !c.tmo_p.is_null(),
            Call::Select(c) => c.timeout.0 != 0,
            Call::Pselect(c) => !c.timeout.is_null(),
            Call::RtSigtimedwait(c) => !c.timeout.is_null(),
            Call::Sigtimedwait(c) => !c.timeout.is_null(),
            _ => false,
        };
        let refuse_if_done = match call {
            Call::Fcntl(c) if FCNTL_POINTER_CMDS.contains(&c.cmd.get()) => {
                Some(format!("`fcntl` command {} takes a pointer that the oracle does not rebuild", c.cmd.get()))
            }
            _ => None,
        };
        self.pending = Some(Pending { name, call, sig: *sig, raw: args.to_vec(), span, thread, req, timed_wait, refuse_if_done, sig_plan });
        Ok(())
    }

    pub(super) fn ceiling_text(&self) -> String {
        format!(
            "the kernel oracle cannot have fd numbers from {} on (its RLIMIT_NOFILE hard limit is below --max-fds {})",
            self.link.ceiling, self.max_fds
        )
    }

    fn after(&mut self, m: &Machine<Shims>, result: &VmResult<Ret>) -> VmResult<()> {
        if let Some(parent) = self.sig.spawning.take() {
            // A new thread starts with its creator's mask.
            if let Ok(Ret::Value(child)) = result {
                let mask = self.sig.masks.get(&parent).or_else(|| self.sig.initial.get(&parent)).copied().unwrap_or(0);
                self.sig.initial.insert(*child as ThreadId, mask);
            }
        }
        let Some(p) = self.pending.take() else { return Ok(()) };
        match result {
            // A signal's default action ended the process in the call: the kernel's process
            // must die of the same signal in the same call.
            Err(stop) if matches!(stop.kind, StopKind::Exit(c) if c > 128 && c <= 128 + 64) => {
                self.ended_in_call = true;
                let StopKind::Exit(c) = stop.kind else { return Ok(()) };
                self.expect_killed(m, p, c as i32 - 128)
            }
            // The run ends in the call (exit, undefined behaviour, an unsupported operation),
            // perhaps halfway through completing another thread's call: nothing more to compare.
            Err(_) => {
                self.ended_in_call = true;
                Ok(())
            }
            // A call a handler interrupted and Spindle restarts, which the kernel restarted
            // already: it still blocks on both sides.
            Ok(Ret::Blocked) if self.waiting.contains_key(&p.thread) => {
                if let Some(w) = self.waiting.get_mut(&p.thread) {
                    w.p = p;
                }
                self.settle(m, None)
            }
            Ok(Ret::Blocked) => {
                self.start_blocked(m, p)?;
                self.settle(m, None)
            }
            // A restarted call that completes at once in Spindle: the kernel's, still on its
            // lane, must complete with the same answer.
            Ok(Ret::Value(v)) if self.waiting.contains_key(&p.thread) => {
                let w = self.take_waiter(p.thread)?;
                let errno = m.errno();
                let reply = match self.link.collect(w.lane, self.grace, false).map_err(|e| self.no_answer(e, &p))? {
                    Some(r) => Some(r),
                    None => self.late_answer(w.lane, &p)?,
                };
                match reply {
                    Some(r) => self.compare_reply(m, &p, *v as i64, errno, r)?,
                    None => {
                        self.compared += 1;
                        let diff = format!("`{}` returned in Spindle, but still blocks on Linux", p.name);
                        return Err(self.blocked_divergence(m, &p, Some((*v as i64, errno)), None, diff));
                    }
                }
                self.settle(m, None)
            }
            Ok(Ret::Value(v)) => {
                let errno = m.errno();
                self.compare(m, p, *v as i64, errno)?;
                self.settle(m, None)
            }
        }
    }

    fn resumed(&mut self, m: &Machine<Shims>, value: u64) {
        if let Err(stop) = self.settle(m, Some((m.active_thread(), value))) {
            self.stop_next = Some(stop);
        }
    }

    /// The end of the run: every call still blocked in Spindle must still block on Linux.
    pub(super) fn finish(&mut self, m: &Machine<Shims>) {
        if self.divergence.is_none() && self.unchecked.is_none() && self.fatal.is_none() && !self.ended_in_call {
            let _ = self.settle(m, None);
        }
    }

    /// The lane of guest thread `t`, handed out at its first system call: a lane of a thread that
    /// has ended (and holds no blocked call) if there is one, else a new one.
    pub(super) fn lane_of(&mut self, m: &Machine<Shims>, t: ThreadId) -> Result<usize, String> {
        if let Some(&l) = self.lanes.get(&t) {
            return Ok(l);
        }
        // Lane 0 is the oracle's main thread: the guest main thread's alone (module `signals`).
        let ended =
            self.lanes.iter().find(|&(&u, &l)| l != 0 && m.is_terminated(u) && !self.waiting.contains_key(&u)).map(|(&u, &l)| (u, l));
        let l = match ended {
            _ if t == 0 => 0,
            Some((u, l)) => {
                self.lanes.remove(&u);
                l
            }
            None if self.lane_count >= MAX_LANES => {
                return Err(format!("more than {MAX_LANES} live threads make system calls, and the kernel oracle has one thread for each"))
            }
            None => {
                self.lane_count += 1;
                self.lane_count - 1
            }
        };
        self.lanes.insert(t, l);
        self.lane_assigned(t, l)?;
        Ok(l)
    }

    /// A call that blocks in Spindle: the kernel makes it on the thread's lane, where it must
    /// block too (a timed epoll wait waits without a timeout: Spindle's virtual clock ends it).
    fn start_blocked(&mut self, m: &Machine<Shims>, p: Pending) -> VmResult<()> {
        if let Some(why) = &p.refuse_if_done {
            return Err(self.refuse(why.clone(), p.span));
        }
        let lane = match self.lane_of(m, p.thread) {
            Ok(l) => l,
            Err(why) => return Err(self.refuse(why, p.span)),
        };
        if self.waiting.len() >= MAX_BLOCKED {
            let why = format!("more than {MAX_BLOCKED} calls block at once (each is looked at after every call: the check would crawl)");
            return Err(self.refuse(why, p.span));
        }
        let mut req = p.req.clone();
        wait_forever(&p.call, &mut req);
        if let Err(why) = self.timers.catch_up(m.now()) {
            return Err(self.refuse(why, p.span));
        }
        self.timers.sent = kernel_now();
        let answer = self.link.call(lane, Duration::ZERO, &req);
        self.timers.answered = kernel_now();
        match answer {
            Ok(None) => {
                self.waiting.insert(p.thread, Waiting { p, lane, early: None });
                Ok(())
            }
            Ok(Some(reply)) if self.timers.may_be_early(m, &p) => {
                self.waiting.insert(p.thread, Waiting { p, lane, early: Some(reply) });
                Ok(())
            }
            Ok(Some(reply)) => {
                self.compared += 1;
                let diff = format!("`{}` blocks in Spindle, but returned {} on Linux", p.name, short_result(reply.ret, reply.errno));
                Err(self.blocked_divergence(m, &p, None, Some(&reply), diff))
            }
            Err(e) => Err(self.no_answer(e, &p)),
        }
    }

    /// Every call that blocks, in Spindle and in the kernel, after something happened: a call
    /// Spindle completed must complete on Linux (within the grace time) with the same answer, and
    /// one still blocked in Spindle must still block on Linux. `resumed` is a thread that resumes
    /// now with its call's value. Where Linux may wake any of several waiters (docs/divergences.md,
    /// *Checking a program against Linux*), a waiter Spindle woke and an equivalent one Linux woke
    /// trade lanes.
    pub(super) fn settle(&mut self, m: &Machine<Shims>, resumed: Option<(ThreadId, u64)>) -> VmResult<()> {
        // Time the virtual clock jumped (a sleep, a timeout) passes for the kernel's timers too.
        if let Err(why) = self.timers.catch_up(m.now()) {
            return Err(self.refuse(why, m.call_span()));
        }
        if self.waiting.is_empty() {
            return Ok(());
        }
        let spindle_of = |t: ThreadId| match resumed {
            Some((r, v)) if r == t => Some(v),
            // Interrupted by a handler, to be made again after it: not a result.
            _ if m.is_blocked(t) || m.call_restarting(t) => None,
            _ => m.finished_call(t),
        };
        // Calls the kernel answered early (its clock ran ahead past a timer's expiry): compared
        // once Spindle completes them.
        let early: Vec<ThreadId> = self.waiting.iter().filter(|(_, w)| w.early.is_some()).map(|(&t, _)| t).collect();
        for t in early {
            if let Some(v) = spindle_of(t) {
                let mut w = self.take_waiter(t)?;
                if let Some(reply) = w.early.take() {
                    self.compare_reply(m, &w.p, v as i64, m.thread_errno(t), reply)?;
                }
            }
        }
        // The waiters, each with its lane and Spindle's side: the value of the call if Spindle
        // completed it. (Indexes into these vectors stand for the threads from here on.)
        let ts: Vec<ThreadId> = self.waiting.iter().filter(|(_, w)| w.early.is_none()).map(|(&t, _)| t).collect();
        if ts.is_empty() {
            return Ok(());
        }
        let mut lanes: Vec<usize> = Vec::with_capacity(ts.len());
        for &t in &ts {
            lanes.push(self.waiter(t)?.lane);
        }
        let spindle: Vec<Option<u64>> = ts.iter().map(|&t| spindle_of(t)).collect();
        self.timers.answered = kernel_now();
        // The kernel's: wait until each lane has returned or sleeps; collect what returned.
        let states = self.link.settle(&lanes, self.grace);
        let mut replies: BTreeMap<usize, CallReply> = BTreeMap::new();
        for (i, &lane) in lanes.iter().enumerate() {
            if states.get(i) == Some(&LaneState::Done) {
                match self.link.collect(lane, self.grace, false) {
                    Ok(Some(r)) => {
                        replies.insert(lane, r);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let p = self.waiter(ts[i])?.p.clone();
                        return Err(self.no_answer(e, &p));
                    }
                }
            }
        }
        // Linux may wake any of several equivalent waiters, and hand a woken one any of the
        // events (docs/divergences.md): among waiters making the same call, each call Spindle
        // completed takes the lane whose answer is Spindle's, and the others the lanes still
        // blocked.
        let mut groups: BTreeMap<CallKey, Vec<usize>> = BTreeMap::new();
        for (i, &t) in ts.iter().enumerate() {
            groups.entry(call_key(&self.waiter(t)?.p.req)).or_default().push(i);
        }
        for group in groups.into_values() {
            if group.len() < 2 {
                continue;
            }
            let mut free: Vec<usize> = group.iter().map(|&j| lanes[j]).collect();
            let mut done = Vec::new();
            let mut rest = Vec::new();
            for &j in &group {
                let w = self.waiter(ts[j])?;
                if spindle[j].is_some() && !timed_out(w, spindle[j], m.thread_errno(ts[j])) {
                    done.push(j);
                } else {
                    rest.push(j);
                }
            }
            for j in done {
                let t = ts[j];
                let (v, errno) = (spindle[j].unwrap_or(0) as i64, m.thread_errno(t));
                let p = &self.waiter(t)?.p;
                let agrees = |l: &usize| replies.get(l).is_some_and(|r| self.differences(m, p, v, errno, r).is_empty());
                let k = free.iter().position(agrees).or_else(|| free.iter().position(|l| replies.contains_key(l)));
                lanes[j] = take_lane(&mut free, k).ok_or_else(|| self.internal("equivalent waiters ran out of lanes".into()))?;
            }
            for j in rest {
                let k = free.iter().position(|l| !replies.contains_key(l));
                lanes[j] = take_lane(&mut free, k).ok_or_else(|| self.internal("equivalent waiters ran out of lanes".into()))?;
            }
            // Every waiter of the group took one of the group's lanes: `free` is empty now.
            for &j in &group {
                let t = ts[j];
                self.waiting_mut(t)?.lane = lanes[j];
                self.lanes.insert(t, lanes[j]);
            }
        }
        for (i, &t) in ts.iter().enumerate() {
            let lane = lanes[i];
            match spindle[i] {
                None => {
                    if let Some(reply) = replies.remove(&lane) {
                        let mut w = self.take_waiter(t)?;
                        if self.timers.may_be_early(m, &w.p) {
                            w.early = Some(reply);
                            self.waiting.insert(t, w);
                            continue;
                        }
                        self.compared += 1;
                        let diff = format!(
                            "`{}` still blocks in Spindle, but returned {} on Linux",
                            w.p.name,
                            short_result(reply.ret, reply.errno)
                        );
                        return Err(self.blocked_divergence(m, &w.p, None, Some(&reply), diff));
                    }
                }
                Some(v) => {
                    let w = self.take_waiter(t)?;
                    // The oracle's copy of a buffer cannot follow the guest's memory while the
                    // call blocks: a buffer freed meanwhile (which faults on Linux too, where it is
                    // unmapped) cannot be checked.
                    if w.p.req.bufs.iter().any(|b| b.guest != 0 && m.memory.readable_extent(b.guest) < b.bytes.len() as u64) {
                        let why = format!(
                            "a buffer of the blocked `{}` was freed while it blocked: the kernel oracle's copy of it cannot follow",
                            w.p.name
                        );
                        return Err(self.refuse(why, w.p.span));
                    }
                    let errno = m.thread_errno(t);
                    let cancel = timed_out(&w, Some(v), errno);
                    if cancel && self.sig.blocks_interrupt(t) {
                        let why = format!(
                            "the timed `{}` timed out while its thread blocks signal {}, which the kernel oracle uses to end the kernel's wait",
                            w.p.name,
                            signals::INTERRUPT
                        );
                        return Err(self.refuse(why, w.p.span));
                    }
                    let reply = match replies.remove(&lane) {
                        Some(r) => Some(r),
                        None => match self.link.collect(lane, self.grace, cancel).map_err(|e| self.no_answer(e, &w.p))? {
                            Some(r) => Some(r),
                            None => self.late_answer(lane, &w.p)?,
                        },
                    };
                    match reply {
                        // The kernel's wait was interrupted where Spindle's timed out.
                        Some(r) if cancel && r.ret == -1 && r.errno == libc::EINTR as i64 => self.compared += 1,
                        Some(r) => self.compare_reply(m, &w.p, v as i64, errno, r)?,
                        None => {
                            self.compared += 1;
                            let diff = format!(
                                "`{}` returned {} in Spindle, but still blocks on Linux (no answer within {:?})",
                                w.p.name,
                                short_result(v as i64, errno),
                                self.grace
                            );
                            return Err(self.blocked_divergence(m, &w.p, Some((v as i64, errno)), None, diff));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Thread `t`'s blocked call.
    fn waiter(&self, t: ThreadId) -> VmResult<&Waiting> {
        self.waiting.get(&t).ok_or_else(|| self.internal(format!("no blocked call of thread {t} is on record")))
    }

    fn waiting_mut(&mut self, t: ThreadId) -> VmResult<&mut Waiting> {
        match self.waiting.get_mut(&t) {
            Some(w) => Ok(w),
            None => Err(internal(&self.broken, format!("no blocked call of thread {t} is on record"))),
        }
    }

    /// Thread `t`'s blocked call, which Spindle or the kernel completed.
    fn take_waiter(&mut self, t: ThreadId) -> VmResult<Waiting> {
        self.waiting.remove(&t).ok_or_else(|| self.internal(format!("no blocked call of thread {t} is on record")))
    }

    /// The check's own bookkeeping broke (never the program's fault): the run stops, and the
    /// check fails with an error that says so ([`OracleError`], exit code 3 on the command line).
    pub(super) fn internal(&self, what: String) -> Box<Stop> {
        internal(&self.broken, what)
    }

    /// How the kernel's answer differs from Spindle's, one sentence each (none: they agree).
    pub(super) fn differences(&self, m: &Machine<Shims>, p: &Pending, v: i64, errno: i64, reply: &CallReply) -> Vec<String> {
        let mut diffs = Vec::new();
        if v != reply.ret {
            diffs.push(format!(
                "`{}` returned {} in Spindle but {} on Linux",
                p.name,
                short_result(v, errno),
                short_result(reply.ret, reply.errno)
            ));
        } else if v == -1 && errno != reply.errno {
            diffs.push(format!("`{}` failed with {} in Spindle but with {} on Linux", p.name, errno_text(errno), errno_text(reply.errno)));
        }
        let back: Vec<&Buf> = p.req.bufs.iter().filter(|b| b.back).collect();
        for (b, kernel) in back.iter().zip(&reply.outs) {
            let ours = m.memory.read_bytes(b.guest, kernel.len() as u64).unwrap_or_default();
            if let Some(at) = ours.iter().zip(kernel.iter()).position(|(x, y)| x != y) {
                diffs.push(format!(
                    "`{}` left different bytes in argument {} ({} bytes at {}): from byte {at} on, Spindle has {} and Linux {}",
                    p.name,
                    b.arg + 1,
                    kernel.len(),
                    m.describe_addr(b.guest),
                    decode::quoted(&ours[at..]),
                    decode::quoted(&kernel[at..])
                ));
            }
        }
        diffs
    }

    /// A divergence about a call that blocks on one side: the call with each side's answer, and
    /// where every other thread with a blocked call is, in Spindle and on Linux.
    fn blocked_divergence(
        &mut self,
        m: &Machine<Shims>,
        p: &Pending,
        spindle: Option<(i64, i64)>,
        linux: Option<&CallReply>,
        diff: String,
    ) -> Box<Stop> {
        let blocked = |s: String| s[..s.rfind(" = ").unwrap_or(s.len())].to_string() + " = ? (it blocks)";
        let ours = match spindle {
            Some((v, e)) => render_call(m, p, v, e, None),
            None => blocked(render_call(m, p, 0, 0, None)),
        };
        let theirs = linux.map(|r| {
            let back: Vec<&Buf> = p.req.bufs.iter().filter(|b| b.back).collect();
            let outs: Vec<(usize, &[u8])> = back.iter().zip(&r.outs).map(|(b, k)| (b.arg, k.as_slice())).collect();
            render_call(m, p, r.ret, r.errno, Some(&outs))
        });
        let mut diffs = vec![diff, format!("the call is thread `{}`'s", m.thread_name(p.thread))];
        for (&t, w) in &self.waiting {
            if t == p.thread {
                continue;
            }
            let k = match self.link.lane(w.lane) {
                LaneState::Done => "returned",
                LaneState::Asleep => "blocks",
                LaneState::Busy => "is on its way",
            };
            let s = if m.is_blocked(t) { "blocks" } else { "returned" };
            diffs.push(format!("thread `{}`: `{}` {s} in Spindle and {k} on Linux", m.thread_name(t), w.p.name));
        }
        let linux = theirs.or_else(|| spindle.map(|_| blocked(ours.clone())));
        self.diverged(m, p, ours, linux, diffs)
    }

    /// The oracle gave no answer: it is gone, or the kernel blocks where Spindle returned.
    fn no_answer(&mut self, e: NoAnswer, p: &Pending) -> Box<Stop> {
        let e = match e {
            NoAnswer::Failed(e) => e,
            NoAnswer::Timeout => "the kernel oracle did not answer".to_string(),
        };
        if let Some(why) = e.strip_prefix("the kernel oracle failed: cannot start oracle thread") {
            return self.refuse(format!("the kernel oracle cannot start a thread for thread `{}`{why}", p.thread), p.span);
        }
        self.fatal = Some(OracleError(format!("{e} (at `{}`)", p.name)));
        Box::new(Stop { kind: StopKind::Unsupported, diags: vec![Diagnostic::error(e).at(p.span, "here")], race: None })
    }

    /// A lane's call that has not returned in time: if its thread is not asleep in the kernel
    /// (a loaded machine has not run it yet, or it is still working), it gets [`LATE_FACTOR`]
    /// times the timeout more before it counts as blocked. `None`: it still has not returned.
    fn late_answer(&mut self, lane: usize, p: &Pending) -> VmResult<Option<CallReply>> {
        if self.link.lane(lane) == LaneState::Asleep {
            return Ok(None);
        }
        self.link.collect(lane, self.timeout * LATE_FACTOR, false).map_err(|e| self.no_answer(e, p))
    }

    /// The program cannot be checked further: the run stops here (exit code 3).
    pub(super) fn refuse(&mut self, why: String, span: Span) -> Box<Stop> {
        let d = Diagnostic::error(format!("--against-kernel cannot check this program: {why}"))
            .at(span, "the check stops here")
            .note(agreed_before(self.compared, &self.link.kernel))
            .help("run it without --against-kernel; docs/divergences.md says what --against-kernel checks");
        self.unchecked = Some(why);
        Box::new(Stop { kind: StopKind::Unsupported, diags: vec![d], race: None })
    }

    /// The fds the guest got from a call that creates them.
    pub(super) fn new_fds(m: &Machine<Shims>, p: &Pending, v: i64) -> Vec<i64> {
        let pair = |out: FdPairOut| -> Vec<i64> {
            match FdPair::peek(&m.memory, out.addr()) {
                Some(fds) if v == 0 => vec![fds.first as i64, fds.second as i64],
                _ => vec![],
            }
        };
        match p.call {
            Call::Pipe(c) => pair(c.fds),
            Call::Pipe2(c) => pair(c.fds),
            Call::Socketpair(c) => pair(c.sv),
            Call::Dup(_)
            | Call::Dup2(_)
            | Call::Dup3(_)
            | Call::Eventfd(_)
            | Call::EpollCreate(_)
            | Call::EpollCreate1(_)
            | Call::TimerfdCreate(_)
            | Call::Signalfd(_)
            | Call::Signalfd4(_)
                if v >= 0 =>
            {
                vec![v]
            }
            Call::Fcntl(c) if v >= 0 && matches!(c.cmd.get(), F_DUPFD | F_DUPFD_CLOEXEC) => vec![v],
            _ => vec![],
        }
    }

    /// Sends the call to the kernel and compares the answers.
    pub(super) fn compare(&mut self, m: &Machine<Shims>, p: Pending, v: i64, errno: i64) -> VmResult<()> {
        if let Some(why) = &p.refuse_if_done {
            return Err(self.refuse(why.clone(), p.span));
        }
        if let Some(fd) = Self::new_fds(m, &p, v).into_iter().find(|&fd| fd >= self.link.ceiling) {
            return Err(self.refuse(format!("`{}` gave fd {fd}: {}", p.name, self.ceiling_text()), p.span));
        }
        let lane = match self.lane_of(m, p.thread) {
            Ok(l) => l,
            Err(why) => return Err(self.refuse(why, p.span)),
        };
        if let Err(why) = self.timers.catch_up(m.now()) {
            return Err(self.refuse(why, p.span));
        }
        let mut req = p.req.clone();
        // An epoll wait Spindle ended with EINTR (a handler, or a signal pending as it began)
        // waits on the kernel as it would have: the signal ends it there too.
        if v == -1 && errno == libc::EINTR as i64 {
            wait_forever(&p.call, &mut req);
        }
        if let Call::TimerfdSettime(c) = p.call {
            if let Err(why) = self.timers.translate(m, c.fd.0, c.flags.bits() as i32, &mut req, at!(TimerfdSettime.new)) {
                return Err(self.refuse(format!("`timerfd_settime`: {why}"), p.span));
            }
        }
        self.timers.sent = kernel_now();
        let answer = self.link.call(lane, self.timeout, &req);
        self.timers.answered = kernel_now();
        let reply = match answer.map_err(|e| self.no_answer(e, &p))? {
            Some(r) => Some(r),
            None => self.late_answer(lane, &p)?,
        };
        let reply = match reply {
            Some(r) => r,
            None => {
                self.compared += 1;
                let diff = format!("`{}` returned in Spindle, but blocked on Linux (no answer within {:?})", p.name, self.timeout);
                return Err(self.blocked_divergence(m, &p, Some((v, errno)), None, diff));
            }
        };
        self.compare_reply(m, &p, v, errno, reply)
    }

    /// Compares Spindle's answer to a call with the kernel's (an answer that depends on an
    /// armed timer within the timer tolerance, `timers.rs`).
    pub(super) fn compare_reply(&mut self, m: &Machine<Shims>, p: &Pending, v: i64, errno: i64, mut reply: CallReply) -> VmResult<()> {
        self.compared += 1;
        if let Some(conv) = p.sig_plan.conv {
            self.sig.convert(conv, &mut reply.ret, &mut reply.errno, &mut reply.outs, m);
        }
        self.sig.answered(p.thread, &reply);
        let mut diffs = self.differences(m, p, v, errno, &reply);
        let back: Vec<&Buf> = p.req.bufs.iter().filter(|b| b.back).collect();
        let outs: Vec<(usize, &[u8])> = back.iter().zip(&reply.outs).map(|(b, k)| (b.arg, k.as_slice())).collect();
        let mut tolerated = false;
        if !diffs.is_empty() {
            match self.timers.compare(m, p, v, errno, &reply, &outs) {
                Verdict::Agree => tolerated = true,
                Verdict::Differ(why) => diffs.push(why),
                Verdict::Exact => {}
            }
        }
        if !diffs.is_empty() && !tolerated {
            let spindle = render_call(m, p, v, errno, None);
            let linux = render_call(m, p, reply.ret, reply.errno, Some(&outs));
            return Err(self.diverged(m, p, spindle, Some(linux), diffs));
        }
        let new_fds = Self::new_fds(m, p, v);
        self.timers.track(m, p, v, &new_fds, !tolerated);
        if let Some((sig, inst)) = p.sig_plan.install {
            if reply.ret != -1 {
                self.sig.table.insert(sig, inst);
            }
        }
        Ok(())
    }

    pub(super) fn diverged(
        &mut self,
        m: &Machine<Shims>,
        p: &Pending,
        spindle: String,
        linux: Option<String>,
        differences: Vec<String>,
    ) -> Box<Stop> {
        let width = spindle.find(" = ").max(linux.as_deref().and_then(|l| l.find(" = "))).unwrap_or(0);
        let align = |s: &str| match s.find(" = ") {
            Some(i) => format!("{}{:pad$}{}", &s[..i], "", &s[i..], pad = width - i),
            None => s.to_string(),
        };
        let mut d = Diagnostic::error(format!("Spindle diverges from Linux: {}", differences[0]))
            .at(p.span, "Spindle and the kernel disagree here")
            .note(format!("spindle: {}", align(&spindle)));
        d = match &linux {
            Some(l) => d.note(format!("linux:   {}", align(l))),
            None => d.note(format!(
                "linux:   {}",
                spindle[..spindle.rfind(" = ").unwrap_or(spindle.len())].to_string() + " = ? (no answer: it blocks)"
            )),
        };
        for more in &differences[1..] {
            d = d.note(more.clone());
        }
        // Buffers the guest's memory does not wholly hold are what most differences are about.
        for b in p.req.bufs.iter().filter(|b| b.guest != 0 && (b.bytes.len() as u64) < b.len) {
            let valid = match b.bytes.len() {
                0 => "none of them valid memory".to_string(),
                n => format!("only the first {n} valid"),
            };
            let at = if b.raw != 0 || m.memory.get(spindle_vm::memory::split(b.guest).0).is_none() {
                format!("{:#x}", b.guest)
            } else {
                m.describe_addr(b.guest)
            };
            d = d.note(format!("argument {} names {} bytes at {at}, {valid}", b.arg + 1, b.len));
        }
        d = d
            .note(agreed_before(self.compared - 1, &self.link.kernel))
            .help("a deliberate difference is listed in docs/divergences.md; any other is a Spindle bug");
        self.divergence = Some(Box::new(Divergence {
            call: p.name.to_string(),
            span: p.span,
            index: self.compared,
            spindle,
            linux,
            differences,
            diagnostic: d.clone(),
        }));
        Box::new(Stop { kind: StopKind::Unsupported, diags: vec![d], race: None })
    }
}

/// An internal error of the check: recorded in `broken` (the first one), and the stop that ends
/// the run.
pub(super) fn internal(broken: &RefCell<Option<OracleError>>, what: String) -> Box<Stop> {
    let e = format!("--against-kernel internal error: {what} (a bug of the check, not of the program)");
    broken.borrow_mut().get_or_insert_with(|| OracleError(e.clone()));
    Box::new(Stop { kind: StopKind::Unsupported, diags: vec![Diagnostic::error(e)], race: None })
}

/// Whether Spindle ended the timed wait `w` by its timeout (it returned 0; -1 `EAGAIN` for a
/// `sigtimedwait`), `errno` being the thread's.
fn timed_out(w: &Waiting, v: Option<u64>, errno: i64) -> bool {
    match w.p.call {
        Call::RtSigtimedwait(_) | Call::Sigtimedwait(_) => w.p.timed_wait && v == Some(u64::MAX) && errno == libc::EAGAIN as i64,
        _ => w.p.timed_wait && v == Some(0),
    }
}

/// Takes lane `free[k]` (the first if `k` is `None`) out of `free`. A group of waiters has as
/// many lanes as waiters, so there is always one to take (`None` would be a bug of the check).
fn take_lane(free: &mut Vec<usize>, k: Option<usize>) -> Option<usize> {
    match k {
        Some(k) if k < free.len() => Some(free.remove(k)),
        _ if !free.is_empty() => Some(free.remove(0)),
        _ => None,
    }
}

/// What a report says of the `n` calls before the one it is about.
pub(super) fn agreed_before(n: u64, kernel: &str) -> String {
    match n {
        0 => format!("it is the program's first system call (the kernel is {kernel})"),
        n => format!("the {} before it agreed with {kernel}", calls(n)),
    }
}

/// `1 system call`, `3 system calls`.
pub(super) fn calls(n: u64) -> String {
    if n == 1 {
        "1 system call".to_string()
    } else {
        format!("{n} system calls")
    }
}

pub(super) fn errno_text(e: i64) -> String {
    spindle_shims::consts::errno_name(e).map_or_else(|| format!("errno {e}"), str::to_string)
}

pub(super) fn short_result(v: i64, errno: i64) -> String {
    if v == -1 {
        format!("-1 {}", errno_text(errno))
    } else {
        v.to_string()
    }
}

/// The call as the trace shows it, with the result `v`; `kernel` gives the bytes the kernel left
/// in the call's output buffers (by argument), to show the kernel's side.
pub(super) fn render_call(m: &Machine<Shims>, p: &Pending, v: i64, errno: i64, kernel: Option<&[(usize, &[u8])]>) -> String {
    let no_fn = |_: u64| None;
    let mut args = Vec::new();
    for &Shown(kind, i) in p.sig.args {
        let from_kernel = kernel.and_then(|k| k.iter().find(|(a, _)| *a == i)).map(|(_, b)| *b);
        let text = match from_kernel {
            Some(bytes) => render_out(kind, p.raw.get(i).copied().unwrap_or(0), v, bytes)
                .unwrap_or_else(|| decode::render_arg(kind, i, &p.raw, Some(v), &m.memory, &no_fn)),
            None => decode::render_arg(kind, i, &p.raw, Some(v), &m.memory, &no_fn),
        };
        if !text.is_empty() {
            args.push(text);
        }
    }
    let result = match p.sig.ret {
        _ if v == -1 => decode::error_text(errno),
        RetKind::Fcntl => match p.raw.get(1).map(|c| *c as i32) {
            Some(3) => format!("{v:#x} (flags {})", decode::open_flags(v as u64)),
            Some(1) => format!("{v:#x} (flags {})", decode::flags(v as u64, decode::FD_FLAGS, "0")),
            _ => v.to_string(),
        },
        RetKind::Ptr => decode::ptr(v as u64),
        _ => v.to_string(),
    };
    format!("{}({}) = {result}", p.sig.name, args.join(", "))
}

/// An output argument shown from the bytes the kernel wrote (`None`: not an output).
pub(super) fn render_out(kind: Arg, ptr: u64, ret: i64, b: &[u8]) -> Option<String> {
    /// The `T` at byte `at` of `b`, if `b` holds all of it.
    pub(super) fn at<T: Layout>(b: &[u8], at: usize) -> Option<T> {
        b.get(at..at + T::SIZE as usize).map(T::decode)
    }
    Some(match kind {
        Arg::OutStr if ret >= 0 => decode::quoted(&b[..(ret as usize).min(b.len())]),
        Arg::IntPairOut if ret == 0 => at(b, 0).map_or_else(|| decode::ptr(ptr), decode::show_fd_pair),
        Arg::EpollEventsOut if ret >= 0 => {
            let events: Vec<String> = (0..ret as usize)
                .map(|k| at(b, k * EpollEvent::SIZE as usize).map_or_else(|| "...".to_string(), decode::show_epoll_event))
                .collect();
            format!("[{}]", events.join(", "))
        }
        Arg::ItimerspecOut if ret == 0 => at(b, 0).map_or_else(|| decode::ptr(ptr), decode::show_itimerspec),
        Arg::TimespecOut if ret == 0 => at(b, 0).map_or_else(|| decode::ptr(ptr), decode::show_timespec),
        Arg::OutStr | Arg::IntPairOut | Arg::EpollEventsOut | Arg::ItimerspecOut | Arg::TimespecOut | Arg::PtrOut => decode::ptr(ptr),
        _ => return None,
    })
}

/// What makes two calls the same for the kernel, which would answer them alike from any thread:
/// the same system call with the same arguments and the same input bytes (their buffers may lie
/// at different guest addresses).
type CallKey = (i64, [u64; 6], Vec<(usize, u64, bool, bool, u64, Vec<u8>)>);

/// The key of `r`: the system call, its arguments and its buffers' input bytes.
pub(super) fn call_key(r: &CallReq) -> CallKey {
    // What an output buffer holds before the call does not matter: the kernel only writes it.
    let bufs = r.bufs.iter().map(|b| (b.arg, b.len, b.writable, b.back, b.raw, if b.back { Vec::new() } else { b.bytes.clone() }));
    (r.nr, r.args, bufs.collect())
}

/// An epoll wait that blocks in Spindle waits without a timeout on Linux (the plan asks for a
/// timeout of 0, for a wait that does not block): Spindle's virtual clock decides when a timed
/// one times out, and then the oracle interrupts the kernel's wait.
pub(super) fn wait_forever(call: &Call, req: &mut CallReq) {
    match call {
        Call::EpollWait(_) => req.args[at!(EpollWait.timeout)] = -1i64 as u64,
        Call::EpollPwait(_) => req.args[at!(EpollPwait.timeout)] = -1i64 as u64,
        Call::EpollPwait2(_) => {
            let ts = at!(EpollPwait2.timeout);
            req.bufs.retain(|b| b.arg != ts);
            req.args[ts] = 0;
        }
        Call::Poll(_) => req.args[at!(Poll.timeout)] = -1i64 as u64,
        Call::Ppoll(_) | Call::Select(_) | Call::Pselect(_) | Call::RtSigtimedwait(_) | Call::Sigtimedwait(_) => {
            let ts = match call {
                Call::Ppoll(_) => at!(Ppoll.tmo_p),
                Call::Select(_) => at!(Select.timeout),
                Call::Pselect(_) => at!(Pselect.timeout),
                _ => at!(RtSigtimedwait.timeout),
            };
            req.bufs.retain(|b| b.arg != ts);
            req.args[ts] = 0;
        }
        _ => {}
    }
}

/// Why a `select` that names one fd set twice cannot be checked.
const ALIASED_SETS: &str = "`select` names the same fd set twice, and the kernel oracle rebuilds each buffer on its own";

/// Whether two of the (non-NULL) pointers are the same.
fn aliased(ptrs: &[u64]) -> bool {
    ptrs.iter().enumerate().any(|(i, &p)| p != 0 && ptrs[i + 1..].contains(&p))
}

/// A wait's timeout for the kernel (argument `arg`, `len` bytes at `addr` in the guest): a valid
/// one, or none, becomes zero (the kernel must not wait); one the kernel would refuse stays.
pub(super) fn zero_timeout(
    m: &Machine<Shims>,
    r: &mut Request<'_>,
    arg: usize,
    addr: u64,
    len: u64,
    valid: fn(&[u8]) -> bool,
) -> Result<(), String> {
    let ok = addr == 0 || m.memory.read_bytes(addr, len).is_ok_and(|b| valid(&b));
    if ok {
        r.args[arg] = 0;
        r.bufs.push(Buf { arg, bytes: vec![0; len as usize], writable: false, back: false, guest: 0, len, raw: 0 });
        Ok(())
    } else {
        r.ptr(arg, len, false)
    }
}

pub(super) fn timespec_valid(b: &[u8]) -> bool {
    Timespec::decode(b).is_valid()
}

/// As the kernel takes a `struct timeval` (`tv_usec` may exceed a second).
fn timeval_valid(b: &[u8]) -> bool {
    let tv = Timeval::decode(b);
    tv.sec >= 0 && tv.usec >= 0
}
