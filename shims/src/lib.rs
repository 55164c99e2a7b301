//! spindle-shims: the Linux ABI. Every foreign call a guest makes lands here: the table of
//! supported calls, argument decoding from guest memory, errno, and blocking through the VM's
//! callbacks.
//!
//! Architecture invariant: this is the only crate that knows Linux's numbers, struct layouts and
//! errno rules. The VM sees foreign calls as ids and 64-bit arguments; the fd layer sees
//! operations on descriptions.

#![forbid(unsafe_code)]

pub mod abi;
mod by_thread;
pub mod consts;
pub mod epoll;
mod epoll_calls;
mod eventfd;
mod fd;
mod fdinfo;
mod files;
mod footprint;
mod fork;
pub mod fs;
mod futex;
mod io;
mod limits;
mod linux_names;
mod pipe;
mod poll;
mod process;
mod signal;
mod socket;
mod sockopt;
pub mod stdlib;
mod table;
mod threads;
mod time;
mod timerfd;
pub mod trace;
mod wake;

use spindle_fds::{FdId, FdTable, IdMap, IoError, Readiness, StdStream};
use spindle_vm::clock::VClock;
use spindle_vm::front::Resolver;
use spindle_vm::ir::{ForeignRet, ForeignSig};
use spindle_vm::{Host, Machine, Ret, ThreadId, VmResult};
use std::io::Write;

pub use limits::{FdLimits, DEFAULT_MAX_FDS, DEFAULT_MAX_FD_BUFFERS};
pub use table::{args, Call, ForeignArg, ForeignCall, ForeignFn, ForeignTable, ShimDef, EXTRA_BASE, MAX_EXTRA_ARITY, SHIMS};
/// The virtual clocks' values at virtual time 0 (`spindle run --against-kernel` maps them onto
/// the kernel's).
pub use time::{MONOTONIC_EPOCH_NS, REALTIME_EPOCH_NS};

/// Whether the call hooks (the trace, call observers) are compiled in: feature `trace`, on by
/// default. Off, a tracer or observer set on [`Shims`] is never called (benches/trace-off.sh).
pub const HOOKS: bool = cfg!(feature = "trace");

/// The shim layer's state for one run.
#[derive(Default)]
pub struct Shims {
    /// The guest's file descriptors.
    pub fds: FdTable,
    /// What the shims keep per live description; it goes when the description is destroyed.
    /// Indexed by description id; boxed, so that a destroyed description's hole costs a pointer.
    state: IdMap<Box<DescState>>,
    /// How many descriptions in `state` are timerfds.
    live_timerfds: usize,
    /// The syscall trace, when asked for.
    pub trace: Option<trace::Tracer>,
    /// Something else that watches every call (`spindle run --against-kernel`), when asked for.
    pub observer: Option<Box<dyn CallObserver>>,
    /// Every epoll instance, and the wait queues of what they watch.
    epolls: epoll::Epolls,
    /// Whether an epoll instance was ever created (until then fd operations tell the core nothing).
    epoll_used: bool,
    /// Threads blocked in `epoll_wait`, with the results handed to them when woken.
    epoll_waits: by_thread::ByThread<epoll_calls::EpollWait>,
    /// Threads blocked in a `read` or `recv`, and the operation each retries (`io.rs`).
    blocked_reads: by_thread::ByThread<io::ReadOp>,
    /// Threads blocked in `poll`/`select` and what they poll (`poll.rs`).
    poll_waits: by_thread::ByThread<poll::PollWait>,
    /// Set while the blocked polls are being re-evaluated (a wake-up they cause does not start
    /// another round).
    polls_rechecking: bool,
    /// Open-fd and buffer limits (`--max-fds`, `--max-fd-buffers`).
    limits: FdLimits,
    /// Bytes written into buffers since their footprint was last counted.
    written_since_check: u64,
    /// Foreign functions the host added (consulted for ids from `EXTRA_BASE` on).
    foreign: ForeignTable,
    /// Threads asleep in `futex`, by word.
    futexes: futex::Futexes,
    /// The guest's file system.
    fs: fs::LazyFs,
    /// Every process (`fork.rs`), and whose fd numbers are in `fds`.
    procs: fork::Procs,
    /// A process's exit for the trace to show after its `exit_group(…) = ?` line.
    exit_traced: Option<(ThreadId, u64)>,
    /// Signal dispositions, masks, pending sets and signalfds (`signal.rs`).
    signals: signal::Signals,
}

/// What the shims keep for one live description (removed, all of it, when it is destroyed).
#[derive(Default)]
pub(crate) struct DescState {
    /// Threads blocked in a read or write of it, in the order they blocked.
    waiters: Vec<ThreadId>,
    /// What it last reported, to see changes.
    last_readiness: Option<Readiness>,
    /// The join of the clocks of every thread that changed its readiness: what a delivered
    /// readiness event synchronises with.
    ready_clock: Option<VClock>,
    /// Its timer, for a timerfd.
    timer: Option<timerfd::TimerFd>,
    /// The path it was opened by (`readlink("/proc/self/fd/N")`), for a file opened by name.
    path: Option<Vec<u8>>,
}

impl Shims {
    pub fn new() -> Self {
        Shims::default()
    }

    /// Shims that also serve the host-added functions of `foreign` (the table the program was
    /// compiled against: see [`ForeignTable`]'s resolver).
    pub fn with_foreign(foreign: ForeignTable) -> Self {
        Shims { foreign, ..Shims::default() }
    }

    /// Seeds the file system from `seed` (before the run starts; `--fs DIR`).
    pub fn set_fs_seed(&mut self, seed: &fs::FsSeed) {
        self.fs = fs::LazyFs::new(seed);
    }

    /// Runs one call through `run`, recording it in the trace if there is one and showing it to
    /// the observer if there is one.
    #[inline]
    fn traced<F>(&mut self, m: &mut Machine<Shims>, id: u32, sig: trace::Sig, args: &[u64], run: F) -> VmResult<Ret>
    where
        F: FnOnce(&mut Shims, &mut Machine<Shims>, &[u64]) -> VmResult<Ret>,
    {
        // One branch when nothing watches calls.
        if !HOOKS || self.trace.is_none() & self.observer.is_none() {
            return run(self, m, args);
        }
        if let Some(observer) = self.observer.take() {
            return self.observed(observer, m, id, sig, args, run);
        }
        // The tracer stays in place (moving it out and back costs two copies a call); shims
        // never reach it while they run.
        let caller_pid = self.pid_of_thread(m, m.active_thread());
        let (mut pending, show_fds) = match &mut self.trace {
            None => return run(self, m, args),
            Some(tracer) if !tracer.selects(sig.name) => return run(self, m, args),
            Some(tracer) => (tracer.before_call(m, sig, args, caller_pid), tracer.show_fds),
        };
        if show_fds {
            pending.set_fd_links(self.fd_links(&trace::fds_in(&sig, args, &m.memory)));
        }
        let r = run(self, m, args);
        if let (true, Ok(Ret::Value(v))) = (show_fds, &r) {
            pending.set_fd_links_after(self.fd_links(&trace::fds_out(&sig, args, *v as i64, &m.memory)));
        }
        let Some(tracer) = &mut self.trace else { return r };
        match &r {
            Ok(Ret::Value(v)) => {
                let v = *v as i64;
                let errno = (v == -1).then(|| m.errno());
                tracer.finished(m, pending, Some(v), errno);
                tracer.flush_ignored(m, m.active_thread());
            }
            Ok(Ret::Blocked) => tracer.blocked(m, pending),
            Err(_) => {
                tracer.finished(m, pending, None, None);
                tracer.flush_ignored(m, m.active_thread());
            }
        }
        r
    }

    /// [`Shims::traced`] with an observer: it sees the call before and after (the trace, if
    /// any, records it in between).
    #[cold]
    #[inline(never)]
    fn observed<F>(
        &mut self,
        mut observer: Box<dyn CallObserver>,
        m: &mut Machine<Shims>,
        id: u32,
        sig: trace::Sig,
        args: &[u64],
        run: F,
    ) -> VmResult<Ret>
    where
        F: FnOnce(&mut Shims, &mut Machine<Shims>, &[u64]) -> VmResult<Ret>,
    {
        let r = match observer.before(m, id, &sig, args) {
            Ok(()) => {
                // No observer now: the call is traced (if at all) and run.
                let r = self.traced(m, id, sig, args, run);
                match observer.after(m, &r) {
                    Ok(()) => r,
                    Err(stop) => Err(stop),
                }
            }
            Err(stop) => Err(stop),
        };
        self.observer = Some(observer);
        r
    }

    /// What each of `fds` names, as `readlink("/proc/self/fd/N")` shows it (`AT_FDCWD`: the
    /// working directory, `/`), for the trace's `-y`; an fd that is not open is left out.
    fn fd_links(&self, fds: &[i32]) -> Vec<(i32, Vec<u8>)> {
        fds.iter()
            .filter_map(|&fd| match fd {
                trace::AT_FDCWD => Some((fd, b"/".to_vec())),
                _ => self.fds.lookup(fd).ok().map(|id| (fd, self.fd_link(id))),
            })
            .collect()
    }

    /// Output written to fds that name stdout or stderr goes to the guest's console.
    pub(crate) fn console_write(&mut self, m: &mut Machine<Shims>, stream: StdStream, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        // A closed host stream must not change what the guest sees.
        let _ = match stream {
            StdStream::Stdout => m.console.out.write_all(bytes),
            StdStream::Stderr => m.console.err.write_all(bytes),
            StdStream::Stdin => Ok(()),
        };
    }
}

/// The errno Linux gives for each fd-layer error.
pub(crate) fn errno_of(e: IoError) -> i64 {
    use consts::errno::*;
    match e {
        IoError::BadFd | IoError::BadDirection => EBADF,
        IoError::WouldBlock => EAGAIN,
        IoError::BrokenPipe => EPIPE,
        IoError::ConnectionReset => ECONNRESET,
        IoError::InvalidArgument => EINVAL,
        IoError::TooManyOpenFiles => EMFILE,
        IoError::NotSocket => ENOTSOCK,
        IoError::IsDirectory => EISDIR,
        IoError::NotSeekable => ESPIPE,
        IoError::FileTooLarge => EFBIG,
        IoError::NoSuchDeviceOrAddress => ENXIO,
        IoError::Busy => EBUSY,
    }
}

/// Resolves foreign functions and constants against the shim table, for the front end.
pub struct LinuxResolver;

impl Resolver for LinuxResolver {
    fn foreign(&self, name: &str) -> Option<ForeignSig> {
        table::find(name).map(|(id, def)| ForeignSig { id, min_arity: def.min_arity, arity: def.arity, ret: def.ret })
    }
    fn constant(&self, name: &str) -> Option<u64> {
        consts::lookup(name).map(|v| v as u64)
    }
    fn foreign_names(&self) -> Vec<&str> {
        SHIMS.iter().map(|d| d.name).collect()
    }
    fn constant_names(&self) -> Vec<&str> {
        consts::names().collect()
    }
    fn unimplemented(&self, name: &str) -> Option<ForeignRet> {
        linux_names::LINUX_NAMES.binary_search(&name).ok()?;
        Some(if NEVER_RETURN.contains(&name) { ForeignRet::Never } else { ForeignRet::Int })
    }
    fn std_module(&self, name: &str) -> Option<&'static str> {
        stdlib::module(name)
    }
}

/// The Linux functions Spindle does not implement that never return (a call to one may leave
/// out its return block).
const NEVER_RETURN: &[&str] = &["_Exit", "_exit", "exit_group", "longjmp", "pthread_exit", "quick_exit", "siglongjmp", "thrd_exit"];

impl Host for Shims {
    fn call(&mut self, m: &mut Machine<Self>, id: u32, args: &[u64]) -> VmResult<Ret> {
        if id >= EXTRA_BASE {
            let Some((sig, run)) = self.foreign.lookup(id) else {
                return Err(spindle_vm::Stop::unsupported(format!(
                    "foreign function #{id} was resolved against host-added functions that this run does not have"
                )));
            };
            let args = &args[..sig.args.len().min(args.len())];
            return self.traced(m, id, sig, args, |_, m, args| table::run_extra(&*run, m, args));
        }
        let def = &SHIMS[id as usize];
        // The calling thread's process's fd numbers.
        self.enter_process(m.thread_space(m.active_thread()));
        if m.records_footprints() {
            self.touch_footprint(m, def.name, &args[..def.arity]);
        }
        let r = self.traced(m, id, def.sig, &args[..def.arity], def.run);
        if let Some((t, code)) = self.exit_traced.take() {
            if let Some(tr) = &mut self.trace {
                tr.thread_exited(m, t, code);
            }
        }
        r
    }

    fn call_resumed(&mut self, m: &mut Machine<Self>, value: u64) {
        if !HOOKS {
            return;
        }
        if m.call_restarting(m.active_thread()) {
            if let Some(t) = &mut self.trace {
                t.restarted(m);
            }
            return;
        }
        let fds = self.trace.as_ref().map(|t| t.pending_fds_out(m.active_thread(), value as i64, &m.memory)).unwrap_or_default();
        let links = if fds.is_empty() { Vec::new() } else { self.fd_links(&fds) };
        if let Some(t) = &mut self.trace {
            if !links.is_empty() {
                t.set_pending_links_after(m.active_thread(), links);
            }
            let v = value as i64;
            let errno = (v == -1).then(|| m.errno());
            t.resumed(m, v, errno);
            t.flush_ignored(m, m.active_thread());
        }
        if let Some(o) = &mut self.observer {
            o.resumed(m, value);
        }
    }

    fn timer_fired(&mut self, m: &mut Machine<Self>, id: u64) -> VmResult<()> {
        self.timerfd_fired(m, FdId(id))
    }

    fn scheduled(&mut self, m: &mut Machine<Self>, t: ThreadId) {
        if !HOOKS {
            return;
        }
        if let Some(tr) = &mut self.trace {
            tr.scheduled(m, t);
        }
    }

    fn wait_for(&self, m: &Machine<Self>, t: ThreadId) -> Option<(String, Option<ThreadId>)> {
        self.futex_wait_for(m, t)
    }

    fn thread_ended(&mut self, m: &mut Machine<Self>, t: ThreadId, value: u64) -> VmResult<()> {
        self.process_thread_ended(m, t, value)
    }

    fn interrupt_entered(&mut self, m: &mut Machine<Self>, token: u64) -> VmResult<()> {
        self.signal_entered(m);
        if HOOKS {
            if let Some(o) = &mut self.observer {
                o.handler_entered(m, token as i64)?;
            }
        }
        Ok(())
    }

    fn interrupt_returned(&mut self, m: &mut Machine<Self>, token: u64) -> VmResult<()> {
        if HOOKS {
            if let Some(o) = &mut self.observer {
                o.handler_returned(m, token as i64)?;
            }
        }
        self.signal_returned(m)
    }

    fn thread_exited(&mut self, m: &mut Machine<Self>, t: ThreadId, value: u64) {
        if !HOOKS {
            return;
        }
        if let Some(tr) = &mut self.trace {
            tr.thread_exited(m, t, value);
        }
    }
}

/// Watches every foreign call as it happens, next to the trace: `spindle run --against-kernel`
/// replays each call on the host kernel and compares. An observer only looks (guest memory
/// through [`Machine::memory`], errno through [`Machine::errno`]); what it may do is end the
/// run, by returning a [`spindle_vm::Stop`].
pub trait CallObserver {
    /// Call `id` — an index into [`SHIMS`], or a host-added function's id (from [`EXTRA_BASE`]
    /// on) — is about to run with `args`; `sig` is how the trace shows it. `Err` ends the run
    /// before the call.
    fn before(&mut self, m: &Machine<Shims>, id: u32, sig: &trace::Sig, args: &[u64]) -> VmResult<()>;

    /// The call announced by the last [`CallObserver::before`] returned a value (errno in
    /// `m.errno()`), blocked the thread (`Ok(Ret::Blocked)`: [`CallObserver::resumed`] follows
    /// when it finishes), or ended the run (`Err`). `Err` ends the run (with this stop rather
    /// than the call's).
    fn after(&mut self, m: &Machine<Shims>, result: &VmResult<Ret>) -> VmResult<()>;

    /// A call that blocked the active thread finished with `value` (errno in `m.errno()`).
    fn resumed(&mut self, _m: &Machine<Shims>, _value: u64) {}

    /// The active thread entered the handler of signal `sig` (its interrupt frame). `Err` ends
    /// the run.
    fn handler_entered(&mut self, _m: &Machine<Shims>, _sig: i64) -> VmResult<()> {
        Ok(())
    }

    /// The handler of signal `sig` the active thread was in returned (`rt_sigreturn`), before
    /// the mask it saved is restored. `Err` ends the run.
    fn handler_returned(&mut self, _m: &Machine<Shims>, _sig: i64) -> VmResult<()> {
        Ok(())
    }
}

/// Fails a call the C way: errno set, -1 returned.
pub(crate) fn fail(m: &mut Machine<Shims>, errno: i64) -> VmResult<Ret> {
    m.set_errno(errno);
    Ok(Ret::Value(-1i64 as u64))
}
