//! The kernel backend: a scenario performed with real system calls.
//!
//! Each run happens on a thread of its own that first unshares its fd table
//! (`unshare(CLONE_FILES)`) and closes every fd above 2 in that private copy: the scenario then
//! numbers its fds from 3 exactly as a fresh Spindle guest does, nothing else in the test
//! process can take or close a number under it, and runs can go in parallel. Everything the run
//! opened is closed at its end (explicitly, and by the kernel when the thread's private table is
//! released).
//!
//! Calls go through `syscall(2)` with 64-bit arguments, as Spindle's foreign calls take them, so
//! that both see the same bits (an `int` argument is its low 32 bits on both). SIGPIPE is
//! ignored, as the generated guest program ignores it (`vm.rs`).

use crate::record::{RawRec, Record};
use crate::scenario::{
    lx, pattern, pattern_offset, Fcntl, Fd, Op, ParkRole, Parked, Scenario, Src, MAX_EVENTS, PARK_IGNORED, PATTERN_SPAN, STILL_BLOCKED,
};
use spindle_shims::abi::{EpollEvent, Layout};
use std::sync::Once;

/// The first fd number a run gets (as in Spindle).
pub const BASE: i64 = 3;
/// Absolute fd operands must be negative or at least this (above any `RLIMIT_NOFILE`: the
/// kernel's `nr_open` is at most 2^30 - 8), so that they are invalid here too.
pub const ABS_MIN_HIGH: i32 = 1 << 30;

/// One system call with six 64-bit arguments: the result and errno (0 on success).
fn sys(n: libc::c_long, a: [i64; 6]) -> (i64, i64) {
    // SAFETY: the calls made here take fd numbers, flags, lengths and pointers to buffers that
    // the caller keeps alive and large enough for the length passed (or NULL, which the kernel
    // checks); none of them touches memory the caller does not own. They run on a thread with
    // a private fd table, so no fd of the rest of the process is touched either.
    let r = unsafe { libc::syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]) };
    let e = if r < 0 { std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64 } else { 0 };
    (r, e)
}

/// Gives the calling thread a private fd table holding only fds 0–2.
fn private_fd_table() {
    // SAFETY: unshare(CLONE_FILES) only affects the calling thread's own fd table.
    let r = unsafe { libc::unshare(libc::CLONE_FILES) };
    assert_eq!(r, 0, "unshare(CLONE_FILES): {}", std::io::Error::last_os_error());
    let (r, _) = sys(libc::SYS_close_range, [3, u32::MAX as i64, 0, 0, 0, 0]);
    if r != 0 {
        for fd in 3..65536 {
            sys(libc::SYS_close, [fd, 0, 0, 0, 0, 0]);
        }
    }
}

/// Runs `scenario` (resolved: no `Fd::Pick`) against the kernel.
pub fn run(scenario: &Scenario) -> Record {
    static SIGPIPE: Once = Once::new();
    SIGPIPE.call_once(|| {
        // SAFETY: setting a signal's disposition to SIG_IGN.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    });
    let scenario = scenario.clone();
    let worker = std::thread::Builder::new().name("spindle-diff host".into()).spawn(move || {
        private_fd_table();
        let record = run_here(&scenario);
        sys(libc::SYS_close_range, [3, u32::MAX as i64, 0, 0, 0, 0]);
        record
    });
    match worker.expect("spawn the host backend's thread").join() {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn run_here(scenario: &Scenario) -> Record {
    let mut run =
        Run { slots: vec![-1; scenario.slots()], pat: pattern(scenario.max_len() + PATTERN_SPAN), rb: vec![0; scenario.max_len().max(16)] };
    let mut recs = Vec::new();
    let mut slot = 0;
    let mut parked: Option<ParkedThread> = None;
    for ((i, op), role) in scenario.ops.iter().enumerate().zip(scenario.park_plan()) {
        let raw = match role {
            ParkRole::None => {
                let raw = run.exec(op, i);
                // A parked call this woke takes what it was woken for before the scenario goes
                // on (as in Spindle, where a woken call completes within the waking one).
                if let Some(p) = &parked {
                    p.woken();
                }
                raw
            }
            ParkRole::Ignored => RawRec { ret: PARK_IGNORED, ..RawRec::default() },
            ParkRole::Park(call) => {
                let fd = run.num(op.fd().expect("a park has an fd"));
                parked = Some(ParkedThread::start(fd, call, scenario.max_len().max(16)));
                RawRec::default()
            }
            ParkRole::Unpark(_) => match parked.take().map(ParkedThread::finish) {
                Some(Some(raw)) => raw,
                // Still blocked: the scenario stops here (as Spindle's guest does).
                _ => {
                    recs.push(RawRec { ret: STILL_BLOCKED, ..RawRec::default() }.normalize(op, BASE));
                    return Record { recs, end: None };
                }
            },
        };
        let raw = if matches!(role, ParkRole::Unpark(_)) {
            let (data, events) = (raw.data.clone(), raw.events.clone());
            let mut rec = raw.normalize(op, BASE);
            (rec.data, rec.events) = (data, events);
            recs.push(rec);
            slot += op.binds();
            continue;
        } else {
            raw
        };
        match op.binds() {
            1 => run.slots[slot] = if raw.ret >= 0 { raw.ret as i32 } else { -1 },
            2 => {
                let [a, b] = if raw.ret == 0 { raw.pair.expect("a pair") } else { [-1, -1] };
                run.slots[slot] = a as i32;
                run.slots[slot + 1] = b as i32;
            }
            _ => {}
        }
        slot += op.binds();
        recs.push(raw.normalize(op, BASE));
    }
    if let Some(p) = parked {
        p.finish();
    }
    Record { recs, end: None }
}

/// A thread making a blocking call for `Op::Park` (in the run's private fd table, which threads
/// it starts share).
struct ParkedThread {
    handle: std::thread::JoinHandle<RawRec>,
    tid: std::sync::Arc<std::sync::atomic::AtomicI32>,
}

/// How long a parked call may take to fall asleep in the kernel, or to return once woken.
const PARK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The signal that interrupts a parked call left blocked (its handler does nothing, and is
/// installed without `SA_RESTART`).
const INTERRUPT: libc::c_int = libc::SIGUSR2;

extern "C" fn on_interrupt(_: libc::c_int) {}

impl ParkedThread {
    /// Starts the call, and returns once it has returned or sleeps in the kernel.
    fn start(fd: i64, call: Parked, buf_len: usize) -> ParkedThread {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(|| {
            // SAFETY: a handler that does nothing, for a signal nothing else in the process uses.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(INTERRUPT, &sa, std::ptr::null_mut());
            }
        });
        let tid = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
        let mine = tid.clone();
        let handle = std::thread::Builder::new()
            .name("spindle-diff parked".into())
            .spawn(move || {
                let mut buf = vec![0u8; buf_len];
                let mut ev = [0u8; 12 * MAX_EVENTS];
                // SAFETY: gettid has no preconditions.
                mine.store(unsafe { libc::syscall(libc::SYS_gettid) } as i32, std::sync::atomic::Ordering::Release);
                let (ret, errno) = match call {
                    Parked::Read { len } => sys(libc::SYS_read, [fd, buf.as_mut_ptr() as i64, len as i64, 0, 0, 0]),
                    Parked::EpollWait { max } => {
                        assert!(max as usize <= MAX_EVENTS || max <= 0 || max >= 1 << 28, "epoll_wait max {max} overruns the buffer");
                        sys(libc::SYS_epoll_wait, [fd, ev.as_mut_ptr() as i64, max as i64, -1, 0, 0])
                    }
                };
                let data = (matches!(call, Parked::Read { .. }) && ret > 0).then(|| buf[..ret as usize].to_vec());
                let events = (matches!(call, Parked::EpollWait { .. }) && ret > 0).then(|| {
                    ev.chunks(EpollEvent::SIZE as usize)
                        .take(ret.clamp(0, MAX_EVENTS as i64) as usize)
                        .map(|c| {
                            let e = EpollEvent::decode(c);
                            (e.events, e.data)
                        })
                        .collect()
                });
                RawRec { ret, errno, wrapped: false, data, pair: None, events }
            })
            .expect("spawn a parked thread");
        let p = ParkedThread { handle, tid };
        p.settle();
        p
    }

    /// The thread's kernel state (`S`: asleep in a call), from `/proc`.
    fn state(&self) -> Option<char> {
        let tid = self.tid.load(std::sync::atomic::Ordering::Acquire);
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        stat.rfind(')').and_then(|i| stat[i + 1..].trim_start().chars().next())
    }

    /// Waits (at most [`PARK_WAIT`]) until the call has returned or has slept for 20 ms.
    fn settle(&self) {
        let start = std::time::Instant::now();
        let mut asleep_since = None;
        while !self.handle.is_finished() && start.elapsed() < PARK_WAIT {
            let asleep = self.tid.load(std::sync::atomic::Ordering::Acquire) != 0 && self.state() == Some('S');
            match (asleep, asleep_since) {
                (true, None) => asleep_since = Some(std::time::Instant::now()),
                (true, Some(t)) if t.elapsed() >= std::time::Duration::from_millis(20) => return,
                (false, _) => asleep_since = None,
                _ => {}
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// After an operation: waits (at most [`PARK_WAIT`]) until the call has returned or sleeps
    /// in the kernel. A call the operation woke is runnable (not asleep) from the moment it was
    /// woken, so one look suffices when it was not.
    fn woken(&self) {
        let start = std::time::Instant::now();
        while !self.handle.is_finished() && self.state() != Some('S') && start.elapsed() < PARK_WAIT {
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
    }

    /// The call's result, or `None` if it still blocks (then it is interrupted, and the thread
    /// ends).
    fn finish(self) -> Option<RawRec> {
        self.settle();
        let blocked = !self.handle.is_finished();
        let start = std::time::Instant::now();
        while !self.handle.is_finished() && start.elapsed() < PARK_WAIT {
            let tid = self.tid.load(std::sync::atomic::Ordering::Acquire);
            // SAFETY: a signal to a thread of this process, whose handler does nothing: the
            // blocked call returns EINTR.
            unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid as libc::c_long, INTERRUPT) };
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let raw = match self.handle.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (!blocked).then_some(raw)
    }
}

struct Run {
    slots: Vec<i32>,
    pat: Vec<u8>,
    rb: Vec<u8>,
}

impl Run {
    fn num(&self, fd: Fd) -> i64 {
        match fd {
            Fd::H(h) => self.slots.get(h as usize).map_or(-1, |&v| v as i64),
            Fd::Rel(k) => {
                assert!(k < 64, "Fd::Rel(k) needs k < 64");
                BASE + k as i64
            }
            Fd::Abs(v) => {
                assert!(!(0..ABS_MIN_HIGH).contains(&v), "Fd::Abs({v}) could name one of the test process's fds");
                v as i64
            }
            Fd::Pick(_) | Fd::PickEpoll(_) => panic!("an unresolved Fd::Pick"),
        }
    }

    fn src(&self, src: Src, index: usize, value: &mut [u8; 16]) -> i64 {
        match src {
            Src::Pattern => self.pat[pattern_offset(index)..].as_ptr() as i64,
            Src::Value(v) => {
                value[..8].copy_from_slice(&v.to_le_bytes());
                value.as_ptr() as i64
            }
            Src::Null => 0,
        }
    }

    fn exec(&mut self, op: &Op, index: usize) -> RawRec {
        // A data operation on a blocking description runs non-blocking (see crate docs).
        let mut restore = None;
        if op.guarded() {
            let fd = self.num(op.fd().expect("a data operation has an fd"));
            let (fl, _) = sys(libc::SYS_fcntl, [fd, lx::F_GETFL as i64, 0, 0, 0, 0]);
            if fl >= 0 && fl & lx::O_NONBLOCK as i64 == 0 {
                sys(libc::SYS_fcntl, [fd, lx::F_SETFL as i64, fl | lx::O_NONBLOCK as i64, 0, 0, 0]);
                restore = Some((fd, fl));
            }
        }
        let mut raw = self.call(op, index);
        if let Some((fd, fl)) = restore {
            sys(libc::SYS_fcntl, [fd, lx::F_SETFL as i64, fl, 0, 0, 0]);
            raw.wrapped = true;
        }
        raw
    }

    fn call(&mut self, op: &Op, index: usize) -> RawRec {
        let mut value = [0u8; 16];
        let mut pair = [-7i32; 2];
        let pair_ptr = |null: bool, pair: &mut [i32; 2]| if null { 0 } else { pair.as_mut_ptr() as i64 };
        let rb = self.rb.as_mut_ptr() as i64;
        // `struct epoll_event` is packed on x86-64: u32 events, u64 data.
        let mut ev = [0u8; 12 * MAX_EVENTS];
        let (ret, errno) = match *op {
            Op::EventFd { init, flags } => sys(libc::SYS_eventfd2, [init as i64, flags as i64, 0, 0, 0, 0]),
            Op::Pipe { flags: None, null } => sys(libc::SYS_pipe, [pair_ptr(null, &mut pair), 0, 0, 0, 0, 0]),
            Op::Pipe { flags: Some(f), null } => sys(libc::SYS_pipe2, [pair_ptr(null, &mut pair), f as i64, 0, 0, 0, 0]),
            Op::SocketPair { domain, ty, proto, null } => {
                sys(libc::SYS_socketpair, [domain as i64, ty as i64, proto as i64, pair_ptr(null, &mut pair), 0, 0])
            }
            Op::Read { fd, len, null } => sys(libc::SYS_read, [self.num(fd), if null { 0 } else { rb }, len as i64, 0, 0, 0]),
            Op::Write { fd, len, src } => sys(libc::SYS_write, [self.num(fd), self.src(src, index, &mut value), len as i64, 0, 0, 0]),
            Op::Recv { fd, len, flags, null } => {
                sys(libc::SYS_recvfrom, [self.num(fd), if null { 0 } else { rb }, len as i64, flags as i64, 0, 0])
            }
            Op::Send { fd, len, src, flags } => {
                sys(libc::SYS_sendto, [self.num(fd), self.src(src, index, &mut value), len as i64, flags as i64, 0, 0])
            }
            Op::Close { fd } => sys(libc::SYS_close, [self.num(fd), 0, 0, 0, 0, 0]),
            Op::Dup { fd } => sys(libc::SYS_dup, [self.num(fd), 0, 0, 0, 0, 0]),
            Op::Dup2 { fd, to } => sys(libc::SYS_dup2, [self.num(fd), self.num(to), 0, 0, 0, 0]),
            Op::Dup3 { fd, to, flags } => sys(libc::SYS_dup3, [self.num(fd), self.num(to), flags as i64, 0, 0, 0]),
            Op::Fcntl { fd, cmd } => {
                let (c, a) = match cmd {
                    Fcntl::GetFl => (lx::F_GETFL, 0),
                    Fcntl::SetFl(f) => (lx::F_SETFL, f as i64),
                    Fcntl::GetFd => (lx::F_GETFD, 0),
                    Fcntl::SetFd(a) => (lx::F_SETFD, a as i64),
                    Fcntl::DupFd(min) => (lx::F_DUPFD, self.num(min)),
                    Fcntl::DupFdCloexec(min) => (lx::F_DUPFD_CLOEXEC, self.num(min)),
                    Fcntl::GetPipeSz => (lx::F_GETPIPE_SZ, 0),
                    Fcntl::Other(c, a) => (c, a as i64),
                };
                sys(libc::SYS_fcntl, [self.num(fd), c as i64, a, 0, 0, 0])
            }
            Op::Shutdown { fd, how } => sys(libc::SYS_shutdown, [self.num(fd), how, 0, 0, 0, 0]),
            Op::EpollCreate1 { flags } => sys(libc::SYS_epoll_create1, [flags as i64, 0, 0, 0, 0, 0]),
            Op::EpollCtl { ep, op, fd, events, data, null } => {
                ev[..4].copy_from_slice(&events.to_le_bytes());
                ev[4..12].copy_from_slice(&data.to_le_bytes());
                let p = if null { 0 } else { ev.as_ptr() as i64 };
                sys(libc::SYS_epoll_ctl, [self.num(ep), op as i64, self.num(fd), p, 0, 0])
            }
            Op::EpollWait { ep, max } => {
                assert!(max as usize <= MAX_EVENTS || max <= 0 || max >= 1 << 28, "epoll_wait max {max} overruns the buffer");
                sys(libc::SYS_epoll_wait, [self.num(ep), ev.as_mut_ptr() as i64, max as i64, 0, 0, 0])
            }
            // Carried out by `run_here` (a thread of their own).
            Op::Park { .. } | Op::Unpark => (0, 0),
        };
        let data = (op.reads_data() && ret > 0).then(|| self.rb[..ret as usize].to_vec());
        let pair = op.returns_pair().then_some([pair[0] as i64, pair[1] as i64]);
        let events = matches!(op, Op::EpollWait { .. }).then(|| {
            let n = ret.clamp(0, MAX_EVENTS as i64) as usize;
            ev.chunks(EpollEvent::SIZE as usize)
                .take(n)
                .map(|c| {
                    let e = EpollEvent::decode(c);
                    (e.events, e.data)
                })
                .collect()
        });
        RawRec { ret, errno, wrapped: false, data, pair, events }
    }
}
