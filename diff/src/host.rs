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

use crate::record::{RawRec, Rec, Record};
use crate::scenario::{
    lx, pattern, pattern_offset, Fcntl, Fd, Handler, Ioctl, KillTo, Op, ParkRole, Parked, Path, PollCall, Scenario, Src, MAX_EVENTS,
    PARK_IGNORED, PATTERN_SPAN, STILL_BLOCKED,
};
use spindle_shims::abi::{EpollEvent, Layout};
use std::ffi::CString;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
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
    let dir = scenario.uses_files().then(TempDir::new);
    let file = dir.as_ref().map(|d| d.file.clone());
    let worker = std::thread::Builder::new().name("spindle-diff host".into()).spawn(move || {
        private_fd_table();
        let record = if scenario.uses_signals() {
            run_forked(&scenario, file)
        } else {
            let mut recs = Vec::new();
            run_here(&scenario, file, &mut |r| recs.push(r));
            Record { recs, end: None }
        };
        sys(libc::SYS_close_range, [3, u32::MAX as i64, 0, 0, 0, 0]);
        record
    });
    let record = match worker.expect("spawn the host backend's thread").join() {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    drop(dir);
    record
}

/// The fresh directory a scenario's regular file lives in (`Path::File`), removed with it.
struct TempDir {
    dir: std::path::PathBuf,
    file: CString,
}

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!("spindle-diff-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let file = CString::new(dir.join("f").into_os_string().into_encoded_bytes()).expect("a path without NUL");
        TempDir { dir, file }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Only the one name a scenario can create, then the (then empty) directory.
        let _ = std::fs::remove_file(self.dir.join("f"));
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// What the signal handler of `Handler::Log` has logged (see [`Op::SigState`]); reset by
/// each forked run.
static LOG: AtomicI64 = AtomicI64::new(0);

extern "C" fn on_log(sig: libc::c_int) {
    let v = LOG.load(Ordering::SeqCst);
    LOG.store(((v & 0x3ff_ffff_ffff) << 6) | sig as i64, Ordering::SeqCst);
}

/// The shared memory a forked run writes its records to: a committed length, then the records.
const SHARED: usize = 64 << 20;

/// Runs a scenario that touches signal state in a child process of its own (forked from this
/// thread, so with its private fd table): dispositions, masks and process-directed signals
/// then concern that process alone, and a signal whose default action ends the process ends
/// the child, which is recorded as the run's end. The child writes each record to shared
/// memory as soon as it has it.
fn run_forked(scenario: &Scenario, file: Option<CString>) -> Record {
    // SAFETY: a fresh anonymous shared mapping, unmapped below; nothing else refers to it.
    let mem = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            SHARED,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    assert!(mem != libc::MAP_FAILED, "mmap: {}", std::io::Error::last_os_error());
    let base = mem as *mut u8;
    // SAFETY: fork from a thread of a multi-threaded process: the child runs the scenario on
    // this thread alone, allocating through glibc's malloc (which fork leaves usable) and taking
    // no lock another thread could have held (no printing); it ends with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        LOG.store(0, Ordering::SeqCst);
        let mut used = 8usize;
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_here(scenario, file, &mut |rec| {
                let bytes = rec.encode();
                let end = used + 8 + bytes.len();
                if end <= SHARED {
                    // SAFETY: within the mapping; the length word is published after the bytes.
                    unsafe {
                        std::ptr::copy_nonoverlapping((bytes.len() as u64).to_le_bytes().as_ptr(), base.add(used), 8);
                        std::ptr::copy_nonoverlapping(bytes.as_ptr(), base.add(used + 8), bytes.len());
                        (*(base as *const AtomicU64)).store(end as u64, Ordering::SeqCst);
                    }
                    used = end;
                }
            })
        }));
        // SAFETY: ends the child without running the parent's exit handlers.
        unsafe { libc::_exit(if ok.is_ok() { 0 } else { 101 }) };
    }
    let mut status = 0;
    loop {
        // SAFETY: waits for the child forked above.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break;
        }
    }
    // SAFETY: the child has ended; the mapping holds what it committed.
    let used = unsafe { (*(base as *const AtomicU64)).load(Ordering::SeqCst) } as usize;
    let mut recs = Vec::new();
    let mut at = 8;
    while at < used {
        // SAFETY: within what the child committed.
        let bytes = unsafe {
            let mut n = [0u8; 8];
            std::ptr::copy_nonoverlapping(base.add(at), n.as_mut_ptr(), 8);
            let n = u64::from_le_bytes(n) as usize;
            std::slice::from_raw_parts(base.add(at + 8), n).to_vec()
        };
        at += 8 + bytes.len();
        recs.push(Rec::decode(&bytes).expect("a record the child encoded"));
    }
    // SAFETY: unmaps the mapping made above, which nothing refers to any more.
    unsafe { libc::munmap(mem, SHARED) };
    let end = if libc::WIFSIGNALED(status) {
        Some(format!("killed by signal {}", libc::WTERMSIG(status)))
    } else {
        let code = libc::WEXITSTATUS(status);
        assert_eq!(code, 0, "the kernel backend's child failed (status {status:#x}) after {} records", recs.len());
        None
    };
    Record { recs, end }
}

fn run_here(scenario: &Scenario, file: Option<CString>, emit: &mut dyn FnMut(Rec)) {
    let mut run = Run {
        slots: vec![-1; scenario.slots()],
        pat: pattern(scenario.max_len() + PATTERN_SPAN),
        rb: vec![0; scenario.max_len().max(16)],
        file,
    };
    let mut slot = 0;
    let mut parked: Option<ParkedThread> = None;
    for ((i, op), role) in scenario.ops.iter().enumerate().zip(scenario.park_plan()) {
        let raw = match role {
            ParkRole::None if matches!(op, Op::Kill { to: KillTo::Parked, .. }) => {
                let Op::Kill { sig, .. } = *op else { unreachable!() };
                match &parked {
                    Some(p) if !p.handle.is_finished() => {
                        // SAFETY: a signal to a thread of this process that has not ended.
                        let r = unsafe { libc::pthread_kill(std::os::unix::thread::JoinHandleExt::as_pthread_t(&p.handle), sig) };
                        p.woken();
                        RawRec { ret: r as i64, ..RawRec::default() }
                    }
                    _ => RawRec { ret: PARK_IGNORED, ..RawRec::default() },
                }
            }
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
                    emit(RawRec { ret: STILL_BLOCKED, ..RawRec::default() }.normalize(op, BASE));
                    return;
                }
            },
        };
        let raw = if matches!(role, ParkRole::Unpark(_)) {
            emit(raw.normalize_unpark(op, BASE));
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
        emit(raw.normalize(op, BASE));
    }
    if let Some(p) = parked {
        p.finish();
    }
}

/// A thread making a blocking call for `Op::Park` (in the run's private fd table, which threads
/// it starts share).
struct ParkedThread {
    handle: std::thread::JoinHandle<RawRec>,
    tid: std::sync::Arc<std::sync::atomic::AtomicI32>,
    /// The thread's `/proc/thread-self/stat`, published before `tid`.
    stat: std::sync::Arc<std::sync::atomic::AtomicI32>,
}

/// Opens the calling thread's `/proc/thread-self/stat` at a number no scenario names (or -1).
/// Reading a thread's state by opening its stat file each time would take the lowest free
/// number, which can be the number of an fd the scenario just closed: a woken `poll` looks its
/// fds up again and would find the stat file there (readable) instead of nothing (POLLNVAL).
fn open_own_stat() -> i32 {
    // SAFETY: getrlimit writes the struct it is given.
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    // Above every number a scenario makes (`Fd::Rel` is below 64), below the soft limit.
    let min = (lim.rlim_cur.min(1 << 20) as i64 - 16).max(128);
    // SAFETY: a NUL-terminated path; the low fd is closed once duplicated. Nothing else runs in
    // this fd table meanwhile: the scenario's thread waits in `settle` until `tid` is published.
    unsafe {
        let low = libc::open(c"/proc/thread-self/stat".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if low < 0 {
            return -1;
        }
        let high = libc::fcntl(low, libc::F_DUPFD_CLOEXEC, min as libc::c_int);
        libc::close(low);
        high
    }
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
        let stat = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(-1));
        let my_stat = stat.clone();
        let handle = std::thread::Builder::new()
            .name("spindle-diff parked".into())
            .spawn(move || {
                let mut buf = vec![0u8; buf_len];
                let mut ev = [0u8; 12 * MAX_EVENTS];
                let mut pfd = libc::pollfd { fd: fd as i32, events: 0, revents: 0x7777 };
                my_stat.store(open_own_stat(), std::sync::atomic::Ordering::Relaxed);
                // SAFETY: gettid has no preconditions.
                mine.store(unsafe { libc::syscall(libc::SYS_gettid) } as i32, std::sync::atomic::Ordering::Release);
                let (ret, errno) = match call {
                    Parked::Read { len } => sys(libc::SYS_read, [fd, buf.as_mut_ptr() as i64, len as i64, 0, 0, 0]),
                    Parked::EpollWait { max } => {
                        assert!(max as usize <= MAX_EVENTS || max <= 0 || max >= 1 << 28, "epoll_wait max {max} overruns the buffer");
                        sys(libc::SYS_epoll_wait, [fd, ev.as_mut_ptr() as i64, max as i64, -1, 0, 0])
                    }
                    Parked::Poll { events } => {
                        pfd.events = events as i16;
                        sys(libc::SYS_poll, [&mut pfd as *mut libc::pollfd as i64, 1, -1, 0, 0, 0])
                    }
                };
                let out = (matches!(call, Parked::Poll { .. }) && ret >= 0).then(|| vec![pfd.revents as u16 as i64]);
                let data = (matches!(call, Parked::Read { .. }) && ret > 0).then(|| {
                    let data = buf[..ret as usize].to_vec();
                    if is_signalfd(fd) {
                        signalfd_ids(data)
                    } else {
                        data
                    }
                });
                let events = (matches!(call, Parked::EpollWait { .. }) && ret > 0).then(|| {
                    ev.chunks(EpollEvent::SIZE as usize)
                        .take(ret.clamp(0, MAX_EVENTS as i64) as usize)
                        .map(|c| {
                            let e = EpollEvent::decode(c);
                            (e.events, e.data)
                        })
                        .collect()
                });
                RawRec { ret, errno, wrapped: false, data, pair: None, events, out }
            })
            .expect("spawn a parked thread");
        let p = ParkedThread { handle, tid, stat };
        p.settle();
        p
    }

    /// The thread's kernel state (`S`: asleep in a call), from `/proc`.
    fn state(&self) -> Option<char> {
        if self.tid.load(std::sync::atomic::Ordering::Acquire) == 0 {
            return None;
        }
        let fd = self.stat.load(std::sync::atomic::Ordering::Relaxed);
        let mut buf = [0u8; 1024];
        // SAFETY: a read into a buffer of the length passed; a stat file rereads from offset 0.
        let n = unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
        let stat = std::str::from_utf8(buf.get(..usize::try_from(n).ok()?)?).ok()?;
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
        let joined = self.handle.join();
        // SAFETY: the stat fd is this thread's own, and nothing reads it after the join.
        unsafe { libc::close(self.stat.load(std::sync::atomic::Ordering::Relaxed)) };
        let raw = match joined {
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
    /// The path of `Path::File`.
    file: Option<CString>,
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
        let mut out = Vec::new();
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
                    Fcntl::SetPipeSz(a) => (lx::F_SETPIPE_SZ, a as i64),
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
            Op::Park { .. } | Op::Unpark | Op::Kill { to: KillTo::Parked, .. } => (0, 0),
            Op::Poll { call, ref fds } => {
                let mut pfds: Vec<libc::pollfd> = fds
                    .iter()
                    .map(|&(fd, events)| libc::pollfd { fd: self.num(fd) as i32, events: events as i16, revents: 0x7777 })
                    .collect();
                let p = pfds.as_mut_ptr() as i64;
                let n = pfds.len() as i64;
                let ts = |nsec: i64| [0i64, nsec];
                let r = match call {
                    PollCall::Poll => sys(libc::SYS_poll, [p, n, 0, 0, 0, 0]),
                    PollCall::Ppoll => sys(libc::SYS_ppoll, [p, n, ts(0).as_ptr() as i64, 0, 8, 0]),
                    PollCall::PpollBadTime => sys(libc::SYS_ppoll, [p, n, ts(1_000_000_000).as_ptr() as i64, 0, 8, 0]),
                    PollCall::HugeNfds => sys(libc::SYS_poll, [p, 0x4000_0000, 0, 0, 0, 0]),
                };
                out = pfds.iter().map(|p| p.revents as u16 as i64).collect();
                r
            }
            Op::Select { nfds, sets } => {
                let mut fdsets = [[0u64; 16]; 3];
                let mut ptrs = [0i64; 3];
                for k in 0..3 {
                    if let Some(m) = sets[k] {
                        fdsets[k][0] = (m as u64) << BASE;
                        ptrs[k] = fdsets[k].as_mut_ptr() as i64;
                    }
                }
                let tv = [0i64; 2];
                let r = sys(libc::SYS_select, [nfds as i64, ptrs[0], ptrs[1], ptrs[2], tv.as_ptr() as i64, 0]);
                out = fdsets.iter().map(|s| (s[0] >> BASE) as i64).collect();
                r
            }
            Op::Open { path, flags } => {
                let p = match path {
                    Path::DevNull => c"/dev/null".as_ptr(),
                    Path::File => self.file.as_ref().expect("a scenario that opens a file has a directory").as_ptr(),
                };
                sys(libc::SYS_openat, [libc::AT_FDCWD as i64, p as i64, flags as i64, 0o600, 0, 0])
            }
            Op::Lseek { fd, offset, whence } => sys(libc::SYS_lseek, [self.num(fd), offset, whence as i64, 0, 0, 0]),
            Op::Fstat { fd } => {
                // SAFETY: a plain C struct, all zeros is a valid value.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                let r = sys(libc::SYS_fstat, [self.num(fd), &mut st as *mut libc::stat as i64, 0, 0, 0, 0]);
                out = vec![st.st_mode as i64, st.st_size];
                r
            }
            Op::Ioctl { fd, req } => {
                let mut v: i32 = -7;
                let r = match req {
                    Ioctl::FionRead => sys(libc::SYS_ioctl, [self.num(fd), lx::FIONREAD as i64, &mut v as *mut i32 as i64, 0, 0, 0]),
                    Ioctl::FionBio(b) => {
                        v = b;
                        sys(libc::SYS_ioctl, [self.num(fd), lx::FIONBIO as i64, &mut v as *mut i32 as i64, 0, 0, 0])
                    }
                };
                out = vec![v as i64];
                r
            }
            Op::GetSockopt { fd, level, name, len } => {
                let mut v: u64 = 0x7777_7777_7777_7777;
                let mut l: i32 = len;
                let r = sys(
                    libc::SYS_getsockopt,
                    [self.num(fd), level as i64, name as i64, &mut v as *mut u64 as i64, &mut l as *mut i32 as i64, 0],
                );
                out = vec![v as i64, l as i64];
                r
            }
            Op::SetSockopt { fd, level, name, val, len } => {
                let v: [i32; 2] = [val, 0];
                sys(libc::SYS_setsockopt, [self.num(fd), level as i64, name as i64, v.as_ptr() as i64, len as i64, 0])
            }
            Op::SigAction { sig, handler, flags } => {
                // SAFETY: installs a disposition in this (forked) process: `on_log` only touches
                // an atomic.
                unsafe {
                    let mut sa: libc::sigaction = std::mem::zeroed();
                    sa.sa_sigaction = match handler {
                        Handler::Log => on_log as extern "C" fn(libc::c_int) as usize,
                        Handler::Ign => libc::SIG_IGN,
                        Handler::Dfl => libc::SIG_DFL,
                    };
                    sa.sa_flags = flags as i32;
                    libc::sigemptyset(&mut sa.sa_mask);
                    let r = libc::sigaction(sig, &sa, std::ptr::null_mut());
                    (r as i64, if r < 0 { std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64 } else { 0 })
                }
            }
            Op::SigMask { how, set } => {
                let mut old: u64 = 0x7777;
                let set_v: u64 = set.unwrap_or(0);
                let p = if set.is_some() { &set_v as *const u64 as i64 } else { 0 };
                let r = sys(libc::SYS_rt_sigprocmask, [how as i64, p, &mut old as *mut u64 as i64, 8, 0, 0]);
                out = vec![old as i64];
                r
            }
            Op::Kill { sig, to: KillTo::Process } => {
                // SAFETY: getpid has no preconditions.
                let pid = unsafe { libc::getpid() };
                sys(libc::SYS_kill, [pid as i64, sig as i64, 0, 0, 0, 0])
            }
            Op::Kill { sig, to: KillTo::Raise } => {
                // SAFETY: a signal to this thread, in this (forked) process.
                let r = unsafe { libc::raise(sig) };
                (r as i64, if r < 0 { std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64 } else { 0 })
            }
            Op::SigState => {
                let mut pending: u64 = 0;
                let r = sys(libc::SYS_rt_sigpending, [&mut pending as *mut u64 as i64, 8, 0, 0, 0, 0]);
                out = vec![LOG.load(Ordering::SeqCst), pending as i64];
                r
            }
            Op::SignalFd { fd, mask, flags } => {
                let m = mask;
                sys(libc::SYS_signalfd4, [self.num(fd), &m as *const u64 as i64, 8, flags as i64, 0, 0])
            }
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
        let data = data.map(|d| if self.is_signalfd(op) { signalfd_ids(d) } else { d });
        RawRec { ret, errno, wrapped: false, data, pair, events, out: Some(out) }
    }

    /// Whether `op` reads from a signalfd.
    fn is_signalfd(&self, op: &Op) -> bool {
        op.fd().filter(|_| op.reads_data()).is_some_and(|fd| is_signalfd(self.num(fd)))
    }
}

/// Whether fd `fd` is a signalfd (its link in `/proc/self/fd`).
fn is_signalfd(fd: i64) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).is_ok_and(|l| l.as_os_str() == "anon_inode:[signalfd]")
}

/// A signalfd read's `struct signalfd_siginfo` records with the sender's ids as Spindle gives
/// them (`ssi_pid` 1000, `ssi_uid` 1000: the documented divergence "`siginfo` sender ids")
/// where they are this process's own.
fn signalfd_ids(mut data: Vec<u8>) -> Vec<u8> {
    // SAFETY: getpid and getuid have no preconditions.
    let (pid, uid) = unsafe { (libc::getpid() as u32, libc::getuid()) };
    for rec in data.chunks_mut(128).filter(|c| c.len() == 128) {
        if u32::from_le_bytes(rec[12..16].try_into().expect("4 bytes")) == pid {
            rec[12..16].copy_from_slice(&1000u32.to_le_bytes());
        }
        if u32::from_le_bytes(rec[16..20].try_into().expect("4 bytes")) == uid {
            rec[16..20].copy_from_slice(&1000u32.to_le_bytes());
        }
    }
    data
}
