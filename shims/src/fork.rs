//! Processes: `fork`, `getpid`, `getppid`, `_exit`/`exit_group`, `wait4`/`waitpid`.
//!
//! A process is the VM's address space (`Machine::fork`, ARCHITECTURE.md) plus what Linux keeps
//! per process, which lives here: its pid, its parent, its fd numbers (the descriptions are
//! shared by every process: `FdTable::fork_numbers`), its exit status until its parent reaps it.
//! Every rule below was confirmed on Linux 6.18 by the native twins in
//! `shims/probes/process_scenarios/` (quoted as "probe: ...").
//!
//! Pids are deterministic: a process's pid is [`PID_BASE`] plus the Spindle thread id of its
//! first thread (the initial process is 1000; docs/divergences.md). The run is the initial
//! process: it ends when that process exits (its `main` returns, or any of its threads calls
//! `exit`/`_exit`), whatever its children still do, with its status.

use crate::abi::Flags;
use crate::consts::errno::*;
use crate::consts::linux::{__WALL, __WCLONE, __WNOTHREAD, WCONTINUED, WNOHANG, WUNTRACED};
use crate::signal::Ending;
use crate::table::args::{ExitGroup, Fork, Getpid, Getppid, UnderExit, Wait4, Waitpid};
use crate::{fail, Shims};
use spindle_fds::FdNumbers;
use spindle_vm::clock::VClock;
use spindle_vm::{BlockReason, HostWait, Machine, Ret, SpaceId, Stop, ThreadId, Unblock, VmResult};

/// The pid of the initial process; a forked process's pid is this plus its thread's id.
pub const PID_BASE: i64 = 1000;
/// What `getppid` answers in a process without a parent: the initial one, and orphans (Linux
/// reparents them to init, pid 1).
pub const INIT_PID: i64 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    /// Exited with this wait status, not yet reaped by its parent.
    Zombie(i32),
    /// Reaped (or never to be: an orphan's exit).
    Gone,
}

struct Proc {
    pid: i64,
    /// The address space of its parent, while the parent runs.
    parent: Option<SpaceId>,
    /// Its fd numbers while another process's are the current ones in `Shims::fds`.
    numbers: Option<FdNumbers>,
    /// The thread whose return from its root function is the process's `exit` (a copy of the
    /// `main` that forked it); `None` when the fork was made by another thread.
    main_thread: Option<ThreadId>,
    state: State,
    /// The clock of its exit, which its reaper acquires.
    exit_clock: Option<VClock>,
}

/// Every process of a run, by address space id.
pub(crate) struct Procs {
    list: Vec<Proc>,
    /// The process whose fd numbers are in `Shims::fds`.
    current: SpaceId,
    /// Threads blocked in `wait4`.
    waiting: Vec<ThreadId>,
}

impl Default for Procs {
    fn default() -> Self {
        let init = Proc { pid: PID_BASE, parent: None, numbers: None, main_thread: Some(0), state: State::Running, exit_clock: None };
        Procs { list: vec![init], current: 0, waiting: Vec::new() }
    }
}

impl Shims {
    /// Makes the fd numbers of process `space` the current ones (a call or a wake-up is about
    /// to look fds up for one of its threads).
    #[inline]
    pub(crate) fn enter_process(&mut self, space: SpaceId) {
        if space != self.procs.current {
            self.switch_process(space);
        }
    }

    #[cold]
    fn switch_process(&mut self, space: SpaceId) {
        let Some(target) = self.procs.list.get_mut(space as usize) else { return };
        let mut numbers = target.numbers.take().unwrap_or_default();
        self.fds.swap_numbers(&mut numbers);
        let cur = self.procs.current as usize;
        self.procs.list[cur].numbers = Some(numbers);
        self.procs.current = space;
    }

    /// The first thread of process `space` (its pid less [`PID_BASE`]: the thread a
    /// process-directed signal is checked against, as Linux checks the group leader).
    pub(crate) fn leader(&self, space: SpaceId) -> ThreadId {
        self.procs.list.get(space as usize).map_or(0, |p| (p.pid - PID_BASE) as ThreadId)
    }

    /// The processes `kill(pid, …)` names, each with whether it still runs (one that has exited
    /// and is not reaped yet is found, and gets nothing): `pid` N that process, 0 and
    /// `-PID_BASE` the run's one process group (every process).
    pub(crate) fn kill_targets(&self, pid: i64) -> Vec<(SpaceId, bool)> {
        let alive = |p: &Proc| p.state != State::Gone;
        self.procs
            .list
            .iter()
            .enumerate()
            .filter(|&(_, p)| alive(p) && (pid == 0 || pid == -PID_BASE || pid == p.pid))
            .map(|(space, p)| (space as SpaceId, p.state == State::Running))
            .collect()
    }

    /// The pid of the process thread `t` runs in.
    pub(crate) fn pid_of_thread(&self, m: &Machine<Shims>, t: ThreadId) -> i64 {
        self.procs.list.get(m.thread_space(t) as usize).map_or(PID_BASE, |p| p.pid)
    }

    /// Process `space` exits with `code` (its low 8 bits are the status its parent sees).
    pub(crate) fn exit_process(&mut self, m: &mut Machine<Shims>, space: SpaceId, code: i64) -> VmResult<()> {
        self.end_process(m, space, Ending::Exited((code & 0xff) as i32))
    }

    /// Process `space` ends, `how`: its threads end, its fds are closed, its parent gets
    /// `SIGCHLD` and its `wait4` may return (or, if the parent reaps its children at once —
    /// `SIGCHLD` ignored, `SA_NOCLDWAIT` —, it leaves no zombie). Not for the initial process
    /// (whose end ends the run).
    pub(crate) fn end_process(&mut self, m: &mut Machine<Shims>, space: SpaceId, how: Ending) -> VmResult<()> {
        if self.procs.list.get(space as usize).is_none_or(|p| p.state != State::Running) {
            return Ok(());
        }
        self.enter_process(space);
        let destroyed = self.fds.close_all();
        for t in m.end_space(space) {
            self.forget_thread(m, t)?;
        }
        self.signal_process_ended(m, space);
        for d in destroyed {
            self.destroyed(m, d)?;
        }
        let clock = m.release_clock();
        let status = how.wait_status();
        // Its children are orphans: init reaps them (an exited one at once).
        for p in self.procs.list.iter_mut().filter(|p| p.parent == Some(space)) {
            p.parent = None;
            if matches!(p.state, State::Zombie(_)) {
                p.state = State::Gone;
            }
        }
        let proc = &mut self.procs.list[space as usize];
        proc.exit_clock = clock;
        match proc.parent {
            Some(parent) => {
                let pid = proc.pid;
                let reaped = self.reaps_children(parent);
                self.procs.list[space as usize].state = if reaped { State::Gone } else { State::Zombie(status) };
                // Its parent's waits look again (each finds its child, or blocks again).
                let waiting: Vec<ThreadId> = self.procs.waiting.iter().copied().filter(|&t| m.thread_space(t) == parent).collect();
                for t in waiting {
                    m.unblock_thread(self, t)?;
                }
                self.send_sigchld(m, parent, pid, how)?;
            }
            None => proc.state = State::Gone,
        }
        Ok(())
    }

    /// Thread `t` was ended with its process: whatever it was blocked in lets go of what it
    /// held (a description, a place in a queue).
    fn forget_thread(&mut self, m: &mut Machine<Shims>, t: ThreadId) -> VmResult<()> {
        self.procs.waiting.retain(|&w| w != t);
        self.futexes.forget(t);
        let mut release = Vec::new();
        for (id, st) in self.state.iter_mut() {
            let before = st.waiters.len();
            st.waiters.retain(|&w| w != t);
            release.extend(std::iter::repeat_n(id, before - st.waiters.len()));
        }
        self.blocked_reads.remove(&t);
        if let Some(w) = self.poll_waits.remove(&t) {
            release.extend(w.held_descriptions());
        }
        if let Some(w) = self.epoll_waits.remove(&t) {
            let _ = self.epolls.cancel_wait(w.ep, t as u64);
            release.push(w.ep);
        }
        for id in release {
            if let Some(d) = self.fds.release(id) {
                self.destroyed(m, d)?;
            }
        }
        Ok(())
    }

    /// A thread of a forked process ended: if it was the process's `main`, or its last thread,
    /// the process exits (with `main`'s return value, or 0).
    pub(crate) fn process_thread_ended(&mut self, m: &mut Machine<Shims>, t: ThreadId, value: u64) -> VmResult<()> {
        let space = m.thread_space(t);
        let Some(p) = self.procs.list.get(space as usize) else { return Ok(()) };
        if space == 0 || p.state != State::Running {
            return Ok(());
        }
        if p.main_thread == Some(t) {
            return self.exit_process(m, space, value as i64);
        }
        if m.space_threads(space).is_empty() {
            return self.exit_process(m, space, 0);
        }
        Ok(())
    }

    /// `exit`, `_exit`, `exit_group` of the active thread's process.
    pub(crate) fn exit_active(&mut self, m: &mut Machine<Shims>, code: i64) -> VmResult<Ret> {
        let me = m.active_thread();
        let space = m.thread_space(me);
        if space == 0 {
            return Err(Stop::exit(code as u8));
        }
        if crate::HOOKS && self.trace.is_some() {
            // strace's `+++ exited with N +++` follows the call's `= ?` line.
            self.exit_traced = Some((me, (code & 0xff) as u64));
        }
        self.exit_process(m, space, code)?;
        Ok(Ret::Value(0))
    }

    /// One look for a child that `wait4(pid, …, options)` may reap: `Ok(Some(space))` one has
    /// exited, `Ok(None)` some match but none has, `Err(ECHILD)` none matches.
    fn exited_child(&self, m: &Machine<Shims>, pid: i32) -> Result<Option<SpaceId>, i64> {
        let me = m.thread_space(m.active_thread());
        let mut any = false;
        for (space, p) in self.procs.list.iter().enumerate() {
            if p.parent != Some(me) || p.state == State::Gone {
                continue;
            }
            // -1: any child; 0 and -PID_BASE: any in the caller's process group, which every
            // process shares (Spindle has one); N: that child.
            let matches = match pid {
                -1 | 0 => true,
                n if n < 0 => i64::from(n) == -PID_BASE,
                n => i64::from(n) == p.pid,
            };
            if !matches {
                continue;
            }
            any = true;
            if matches!(p.state, State::Zombie(_)) {
                return Ok(Some(space as SpaceId));
            }
        }
        if any {
            Ok(None)
        } else {
            Err(ECHILD)
        }
    }

    /// Reaps child `space`: its status to `wstatus` (if not NULL), its pid returned. The child
    /// is reaped even when the status cannot be written (probe: "waitpid bad status ptr: -1
    /// EFAULT", then "waitpid again after efault: -1 ECHILD").
    fn reap(&mut self, m: &mut Machine<Shims>, space: SpaceId, wstatus: u64, rusage: u64) -> VmResult<Result<i64, i64>> {
        let p = &mut self.procs.list[space as usize];
        let State::Zombie(status) = p.state else { return Ok(Err(ECHILD)) };
        p.state = State::Gone;
        let pid = p.pid;
        if let Some(c) = p.exit_clock.take() {
            m.acquire_clock(&c);
        }
        if wstatus != 0 && !m.write_guest(wstatus, &status.to_le_bytes())? {
            return Ok(Err(EFAULT));
        }
        // No CPU time is spent in virtual time: a zeroed `struct rusage` (144 bytes).
        if rusage != 0 && !m.write_guest(rusage, &[0; 144])? {
            return Ok(Err(EFAULT));
        }
        Ok(Ok(pid))
    }

    fn wait_round(&mut self, m: &mut Machine<Shims>, w: WaitArgs) -> VmResult<Option<Result<i64, i64>>> {
        match self.exited_child(m, w.pid) {
            Err(e) => Ok(Some(Err(e))),
            Ok(Some(space)) => self.reap(m, space, w.wstatus, w.rusage).map(Some),
            Ok(None) if w.options & WNOHANG as u32 != 0 => Ok(Some(Ok(0))),
            Ok(None) => Ok(None),
        }
    }

    fn wait4_call(&mut self, m: &mut Machine<Shims>, w: WaitArgs) -> VmResult<Ret> {
        let valid = (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE) as u32;
        // probe: "waitpid bad options: -1 EINVAL" (WNOWAIT is waitid's alone).
        if w.options & !valid != 0 {
            return fail(m, EINVAL);
        }
        match self.wait_round(m, w)? {
            Some(Ok(v)) => Ok(Ret::Value(v as u64)),
            Some(Err(e)) => fail(m, e),
            None => {
                self.block_wait(m, w);
                Ok(Ret::Blocked)
            }
        }
    }

    fn block_wait(&mut self, m: &mut Machine<Shims>, w: WaitArgs) {
        let t = m.active_thread();
        self.procs.waiting.push(t);
        let reason = HostWait {
            words: ["wait4", ""],
            number: w.pid.into(),
            describe: |w| match w.number {
                -1 | 0 => format!("it is blocked in `{}` until a child process exits, and none can", w.words[0]),
                n => format!("it is blocked in `{}` until child process {n} exits, and it cannot", w.words[0]),
            },
        };
        m.block_thread(
            BlockReason::Host(reason),
            None,
            Box::new(move |s: &mut Shims, m: &mut Machine<Shims>, _: Unblock| {
                s.procs.waiting.retain(|&x| x != t);
                match s.wait_round(m, w)? {
                    Some(Ok(v)) => m.set_return(v as u64),
                    Some(Err(e)) => {
                        m.set_errno(e);
                        m.set_return(-1i64 as u64);
                    }
                    None => s.block_wait(m, w),
                }
                Ok(())
            }),
        );
    }
}

#[derive(Clone, Copy)]
struct WaitArgs {
    pid: i32,
    wstatus: u64,
    options: u32,
    rusage: u64,
}

/// `fork(2)` — <https://man7.org/linux/man-pages/man2/fork.2.html>: a new process whose memory
/// is a copy of the caller's, whose only thread is a copy of the calling one (returning 0), and
/// whose fds name the same open descriptions as the caller's (so epoll interests, pipe ends and
/// offsets are shared). Returns the child's pid. Past `--max-processes` processes alive, the
/// VM stops the run with exit 4 (docs/divergences.md: Linux's `RLIMIT_NPROC` answers EAGAIN).
pub fn fork(s: &mut Shims, m: &mut Machine<Shims>, _: Fork) -> VmResult<Ret> {
    let me = m.active_thread();
    let parent = m.thread_space(me);
    s.enter_process(parent);
    let child = m.fork()?;
    let space = m.thread_space(child);
    debug_assert_eq!(space as usize, s.procs.list.len(), "the shims' processes follow the VM's address spaces");
    let numbers = s.fds.fork_numbers();
    let main_thread = (s.procs.list[parent as usize].main_thread == Some(me)).then_some(child);
    let pid = PID_BASE + child as i64;
    s.procs.list.push(Proc { pid, parent: Some(parent), numbers: Some(numbers), main_thread, state: State::Running, exit_clock: None });
    s.signal_forked(m, me, child);
    Ok(Ret::Value(pid as u64))
}

/// `getpid(2)`.
pub fn getpid(s: &mut Shims, m: &mut Machine<Shims>, _: Getpid) -> VmResult<Ret> {
    Ok(Ret::Value(s.pid_of_thread(m, m.active_thread()) as u64))
}

/// `getppid(2)`: the parent's pid, or 1 (init) for the initial process and orphans.
pub fn getppid(s: &mut Shims, m: &mut Machine<Shims>, _: Getppid) -> VmResult<Ret> {
    let space = m.thread_space(m.active_thread());
    let ppid = s.procs.list.get(space as usize).and_then(|p| p.parent).map_or(INIT_PID, |p| s.procs.list[p as usize].pid);
    Ok(Ret::Value(ppid as u64))
}

/// `_exit(2)`: the calling process exits (all its threads), with `status & 0xff`.
pub fn under_exit(s: &mut Shims, m: &mut Machine<Shims>, a: UnderExit) -> VmResult<Ret> {
    s.exit_active(m, a.status.0 as i64)
}

/// `exit_group(2)`: as `_exit`.
pub fn exit_group(s: &mut Shims, m: &mut Machine<Shims>, a: ExitGroup) -> VmResult<Ret> {
    s.exit_active(m, a.status.0 as i64)
}

/// `wait4(2)` — <https://man7.org/linux/man-pages/man2/wait4.2.html>: reaps an exited child
/// (`pid` -1 any, 0 or -1000 any in the process group, N that one), writing its status
/// (`WIFEXITED`: `code << 8`); blocks until one exits, or with `WNOHANG` returns 0; ECHILD when
/// no child matches; EINVAL for unknown options; `rusage` (if not NULL) is zeroed.
pub fn wait4(s: &mut Shims, m: &mut Machine<Shims>, a: Wait4) -> VmResult<Ret> {
    s.wait4_call(m, WaitArgs { pid: a.pid.0, wstatus: a.wstatus.0, options: options(a.options), rusage: a.rusage.0 })
}

/// `waitpid(2)`: `wait4(pid, wstatus, options, NULL)`.
pub fn waitpid(s: &mut Shims, m: &mut Machine<Shims>, a: Waitpid) -> VmResult<Ret> {
    s.wait4_call(m, WaitArgs { pid: a.pid.0, wstatus: a.wstatus.0, options: options(a.options), rusage: 0 })
}

fn options(f: Flags<crate::abi::WaitFlags>) -> u32 {
    f.bits() as u32
}
