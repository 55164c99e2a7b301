//! The oracle's side: the server that makes each call on the host kernel.

use super::*;
use std::io::Write;
// ---- the oracle's side ------------------------------------------------------------------------

/// The oracle: serves the calls of one check, then returns the process's exit status. Its stdin
/// must be the channel's memfd (as [`Program::against_kernel`] starts it). An executable serves as
/// the oracle when it calls this on the argument [`ORACLE_SUBCOMMAND`] (the `spindle` binary's
/// hidden subcommand), before it opens any file.
pub fn serve() -> i32 {
    // SAFETY: the parent-death signal of this process: the oracle must not outlive the check.
    // (Its signal dispositions are a fresh process's once it is set up: `signals::setup`.)
    let parent = unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
        libc::getppid()
    };
    let window = match map_stdin() {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "spindle {ORACLE_SUBCOMMAND}: {e} (this is the kernel side of `spindle run --against-kernel`, which starts it)"
            );
            return 2;
        }
    };
    fresh_fd_table();
    // Every thread starts with every signal blocked: a lane unblocks its guest thread's mask.
    signals::block_all();
    // The process's main thread is lane 0, the guest's main thread's, so that the kernel prefers
    // it for a signal sent to the process as Linux prefers the guest's; the dispatcher is a
    // thread of its own, and ends the process.
    let lane0 = LaneThread::new();
    let (work, sig) = (lane0.work.clone(), lane0.sig.clone());
    let shared = Shared(window.base);
    let dispatcher = std::thread::Builder::new().name("dispatcher".into()).spawn(move || {
        let code = dispatcher(window, parent, lane0);
        std::process::exit(code)
    });
    if let Err(e) = dispatcher {
        let _ = writeln!(std::io::stderr(), "spindle {ORACLE_SUBCOMMAND}: cannot start its dispatcher: {e}");
        return 2;
    }
    lane_loop(shared, 0, work, sig)
}

/// The dispatcher: serves the requests of the window until the check quits (or the parent
/// dies); returns the process's exit status.
fn dispatcher(mut window: Window, parent: libc::pid_t, lane0: LaneThread) -> i32 {
    let mut lanes: Vec<LaneThread> = vec![lane0];
    let mut seen = 0u32;
    let mut set_up = false;
    loop {
        let seq = window.word(REQUEST_SEQ).load(Ordering::Acquire);
        if seq == seen {
            // SAFETY: getppid has no preconditions.
            if unsafe { libc::getppid() } != parent {
                return 0;
            }
            futex_wait(window.word(REQUEST_SEQ), seq, Duration::from_secs(1));
            continue;
        }
        seen = seq;
        let n = window.message_len().min(window.len - HEADER);
        let kind = window.body().first().copied();
        let mut quit = false;
        let len = match kind {
            Some(REQ_SETUP) if !set_up => {
                set_up = true;
                let body = window.body();
                let mut r = Reader(&body[1..n]);
                let max_fds = r.u64().unwrap_or(0);
                let (guest_pid, guest_uid) = (r.u64().unwrap_or(0), r.u64().unwrap_or(0));
                match arrange_fds(max_fds) {
                    Ok(ceiling) => {
                        let ids = signals::setup(guest_pid, guest_uid);
                        let mut out = Out::new(body);
                        out.u8(REP_SETUP).u64(ceiling as u64).bytes(kernel_name().as_bytes());
                        for id in ids {
                            out.u64(id);
                        }
                        out.pos
                    }
                    Err(e) => error_reply(body, &e),
                }
            }
            Some(k @ (REQ_CALL | REQ_COLLECT | REQ_CANCEL)) if set_up => dispatch(&mut window, &mut lanes, k, n),
            Some(REQ_QUIT) => {
                quit = true;
                Out::new(window.body()).u8(REQ_QUIT).pos
            }
            _ => error_reply(window.body(), "an unexpected request"),
        };
        window.set_message_len(len);
        window.word(REPLY_SEQ).store(seq, Ordering::Release);
        futex_wake(window.word(REPLY_SEQ));
        if quit {
            // Lanes still blocked in the kernel end with the process.
            return 0;
        }
    }
}

/// An oracle thread: it makes the calls of one guest thread.
pub(super) struct LaneThread {
    /// The call to make next, and the answer of the last one.
    work: Work,
    /// The guest thread's signal state (module `signals`).
    sig: signals::SharedSig,
}

/// A lane's call to make next, and the answer of its last one.
type Work = std::sync::Arc<(std::sync::Mutex<(Option<Vec<u8>>, Option<Vec<u8>>)>, std::sync::Condvar)>;

/// The window's address, for the lane threads (the mapping outlives them: the process ends
/// with the dispatcher, which holds it).
#[derive(Clone, Copy)]
struct Shared(*mut u8);
// SAFETY: the lane threads touch only their own lane's words, atomically.
unsafe impl Send for Shared {}

impl Shared {
    fn word(self, at: usize) -> &'static AtomicU32 {
        // SAFETY: `at` lies in the header, which stays mapped for the life of the process; the
        // words are aligned and only touched atomically.
        unsafe { &*(self.0.add(at) as *const AtomicU32) }
    }
}

/// Serves a request about a lane: starts a call on it, collects its answer, or interrupts it.
fn dispatch(window: &mut Window, lanes: &mut Vec<LaneThread>, kind: u8, n: usize) -> usize {
    let shared = Shared(window.base);
    let body = window.body();
    let parsed = {
        let mut r = Reader(&body[1..n]);
        match (r.u64(), r.u64()) {
            (Ok(l), Ok(w)) => Some((l as usize, Duration::from_nanos(w), r.0.to_vec())),
            _ => None,
        }
    };
    let Some((lane, wait, call)) = parsed else { return error_reply(body, "a truncated request") };
    if lane >= MAX_LANES || lane > lanes.len() || (kind != REQ_CALL && lane == lanes.len()) {
        return error_reply(body, &format!("no lane {lane}"));
    }
    let state = shared.word(lane_state(lane));
    if kind == REQ_CALL {
        if lane == lanes.len() {
            match LaneThread::start(shared, lane) {
                Ok(t) => lanes.push(t),
                Err(e) => return error_reply(body, &format!("cannot start oracle thread {lane}: {e}")),
            }
        }
        if state.load(Ordering::Acquire) != LANE_IDLE {
            // A guest handler that returns while the call it interrupted was restarted.
            let nr = call.get(..8).map_or(0, |b| i64::from_le_bytes(b.try_into().unwrap_or_default()));
            if nr == signals::NR_SIGRETURN {
                let sig = call.get(8..16).map_or(0, |b| i64::from_le_bytes(b.try_into().unwrap_or_default()));
                let reply = signals::sigreturn_now(&lanes[lane].sig, sig);
                let mut out = Out::new(body);
                out.raw(&reply);
                return out.pos;
            }
            return error_reply(body, &format!("lane {lane} is busy"));
        }
        state.store(LANE_QUEUED, Ordering::Release);
        let (lock, cv) = &*lanes[lane].work;
        lock.lock().unwrap_or_else(|e| e.into_inner()).0 = Some(call);
        cv.notify_one();
    } else if state.load(Ordering::Acquire) == LANE_IDLE {
        return error_reply(body, &format!("lane {lane} has no call"));
    }
    let deadline = Instant::now() + wait;
    let tid = shared.word(lane_tid(lane)).load(Ordering::Acquire);
    loop {
        let now_state = state.load(Ordering::Acquire);
        if now_state == LANE_DONE {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            return Out::new(body).u8(REP_PENDING).pos;
        }
        if kind == REQ_CANCEL && now_state == LANE_RUNNING {
            // SAFETY: a signal to one of this process's own threads; its handler does nothing,
            // and it is installed without SA_RESTART, so the blocked call returns EINTR. Sent
            // again each millisecond, in case it came before the thread entered the call.
            unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid as libc::c_long, signals::INTERRUPT) };
        }
        let step = if kind == REQ_CANCEL { Duration::from_millis(1) } else { Duration::from_millis(50) };
        futex_wait(state, now_state, (deadline - now).min(step));
    }
    let reply = lanes[lane].work.0.lock().unwrap_or_else(|e| e.into_inner()).1.take();
    state.store(LANE_IDLE, Ordering::Release);
    match reply {
        Some(reply) => {
            let mut out = Out::new(body);
            out.raw(&reply);
            if out.overflow {
                error_reply(body, "the answer does not fit the window")
            } else {
                out.pos
            }
        }
        None => error_reply(body, &format!("lane {lane} lost its answer")),
    }
}

impl LaneThread {
    fn new() -> LaneThread {
        let work: Work = std::sync::Arc::new((std::sync::Mutex::new((None, None)), std::sync::Condvar::new()));
        LaneThread { work, sig: signals::SharedSig::default() }
    }

    fn start(shared: Shared, lane: usize) -> Result<LaneThread, String> {
        let t = LaneThread::new();
        let (work, sig) = (t.work.clone(), t.sig.clone());
        std::thread::Builder::new()
            .name(format!("lane{lane}"))
            .stack_size(256 << 10)
            .spawn(move || lane_loop(shared, lane, work, sig))
            .map_err(|e| e.to_string())?;
        // The lane's thread id is published before its first call is taken.
        let deadline = Instant::now() + Duration::from_secs(10);
        while shared.word(lane_tid(lane)).load(Ordering::Acquire) == 0 {
            if Instant::now() >= deadline {
                return Err("it did not start".to_string());
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        Ok(t)
    }
}

/// A lane's thread: makes each call it is given, for ever.
fn lane_loop(shared: Shared, lane: usize, work: Work, sig: signals::SharedSig) -> ! {
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) } as u32;
    signals::lane_started(&sig);
    shared.word(lane_tid(lane)).store(tid, Ordering::Release);
    let state = shared.word(lane_state(lane));
    let (lock, cv) = &*work;
    loop {
        let call = {
            let mut g = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(c) = g.0.take() {
                    break c;
                }
                g = cv.wait(g).unwrap_or_else(|e| e.into_inner());
            }
        };
        let reply = signals::run(&sig, &call, || state.store(LANE_RUNNING, Ordering::Release));
        lock.lock().unwrap_or_else(|e| e.into_inner()).1 = Some(reply);
        state.store(LANE_DONE, Ordering::Release);
        futex_wake(state);
    }
}

/// Maps the memfd on stdin: the channel's window.
pub(super) fn map_stdin() -> Result<Window, String> {
    // SAFETY: fstat fills the struct it is given.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(0, &mut st) } != 0 {
        return Err(format!("fstat of stdin: {}", last_error()));
    }
    let len = st.st_size as usize;
    if len <= HEADER || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err("stdin is not the channel's memory".to_string());
    }
    Window::map(0, len)
}

pub(super) fn error_reply(body: &mut [u8], e: &str) -> usize {
    let mut out = Out::new(body);
    out.u8(REP_ERROR).bytes(e.as_bytes());
    out.pos
}

/// `Linux 6.18.44-…`.
pub(super) fn kernel_name() -> String {
    // SAFETY: `uname` fills the struct it is given.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return "Linux".to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!("{} {}", field(&u.sysname), field(&u.release))
}

pub(super) fn last_error() -> String {
    std::io::Error::last_os_error().to_string()
}

/// Gives the process a fresh fd table of the kernel's first size (64 fds), as a new process's,
/// holding fds 0 to 2 only. The table the oracle was started with was copied from its parent's,
/// at the size of whatever fd the parent had open then (a test harness may have hundreds), and a
/// table never shrinks; `select` looks at no fd above the table's size, so the oracle's answer
/// would depend on its parent's history (`programs/poll/select_table.mir`). The kernel copies a
/// table sized to its open fds only when it unshares one that another thread shares, so a
/// thread shares it for the moment of `close_range(3, ~0, CLOSE_RANGE_UNSHARE)`. Best effort:
/// a kernel before 5.9 keeps the old table.
fn fresh_fd_table() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let Ok(sharer) = std::thread::Builder::new().name("fd-table".into()).spawn(move || {
        let _ = rx.recv();
    }) else {
        return;
    };
    // SAFETY: closes this process's fds from 3 on, which hold nothing: `serve` runs before the
    // oracle opens any file, and stdin (the channel) stays.
    unsafe {
        libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_UNSHARE);
    }
    drop(tx);
    let _ = sharer.join();
}

/// Lays the fd table out as a fresh guest's — /dev/null on 0, 1 and 2 (three descriptions),
/// nothing else — and sets the soft RLIMIT_NOFILE to `max_fds`. Returns the lowest fd number the
/// kernel cannot give out (`max_fds`, unless the hard limit is below it and cannot be raised).
pub(super) fn arrange_fds(max_fds: u64) -> Result<i64, String> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: get/setrlimit read and write the struct given; open, dup2, close and close_range
    // act on this process's own fd table, which holds nothing the oracle still needs (the
    // window stays mapped when stdin is closed).
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(format!("getrlimit(RLIMIT_NOFILE): {}", last_error()));
        }
        if lim.rlim_max < max_fds {
            // Root may raise the hard limit.
            let raised = libc::rlimit { rlim_cur: max_fds, rlim_max: max_fds };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
        for (fd, flags) in [(0, libc::O_RDONLY), (1, libc::O_WRONLY), (2, libc::O_WRONLY)] {
            // Three opens: three descriptions, as the guest has.
            let t = libc::open(c"/dev/null".as_ptr(), flags);
            if t < 0 {
                return Err(format!("open /dev/null: {}", last_error()));
            }
            if t != fd {
                if libc::dup2(t, fd) < 0 {
                    return Err(format!("dup2: {}", last_error()));
                }
                libc::close(t);
            }
        }
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
            for fd in 3..lim.rlim_cur.min(1 << 20) as i32 {
                libc::close(fd);
            }
        }
        let soft = max_fds.min(lim.rlim_max);
        if libc::setrlimit(libc::RLIMIT_NOFILE, &libc::rlimit { rlim_cur: soft, rlim_max: lim.rlim_max }) != 0 {
            return Err(format!("setrlimit(RLIMIT_NOFILE): {}", last_error()));
        }
        Ok(soft.min(i64::MAX as u64) as i64)
    }
}

/// The system calls the oracle makes: those Spindle implements, and nothing else.
pub(super) const ALLOWED: &[libc::c_long] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_close,
    libc::SYS_dup,
    libc::SYS_dup2,
    libc::SYS_dup3,
    libc::SYS_fcntl,
    libc::SYS_eventfd2,
    libc::SYS_pipe,
    libc::SYS_pipe2,
    libc::SYS_socketpair,
    libc::SYS_sendto,
    libc::SYS_recvfrom,
    libc::SYS_shutdown,
    libc::SYS_epoll_create,
    libc::SYS_epoll_create1,
    libc::SYS_epoll_ctl,
    libc::SYS_epoll_wait,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
    libc::SYS_timerfd_create,
    libc::SYS_timerfd_settime,
    libc::SYS_timerfd_gettime,
    libc::SYS_poll,
    libc::SYS_ppoll,
    libc::SYS_select,
    libc::SYS_pselect6,
    libc::SYS_lseek,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    // Only the requests and options the observer lets through (FIONREAD, FIONBIO, FIOCLEX,
    // FIONCLEX; SOL_SOCKET's SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF).
    libc::SYS_ioctl,
    libc::SYS_getsockopt,
    libc::SYS_setsockopt,
    // Signals (module `signals`): `kill` and `tgkill` only to the oracle itself or to a pid no
    // process has (checked again in `perform`).
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigpending,
    libc::SYS_rt_sigsuspend,
    libc::SYS_kill,
    libc::SYS_tgkill,
    libc::SYS_signalfd4,
    libc::SYS_rt_sigtimedwait,
];

/// Where the oracle puts the buffers of a call: low in the address space, like the guest's
/// addresses, so that a range check (`access_ok`) of a long buffer answers as it would there.
pub(super) const ARENA: usize = 0x10_0000_0000;

/// One rebuilt buffer: its mapping, and where the buffer lies in it.
pub(super) struct Mapped {
    pub(super) base: *mut libc::c_void,
    pub(super) total: usize,
    pub(super) addr: usize,
    pub(super) len: usize,
    pub(super) back: bool,
}

/// Performs the call `call` ([`CallReq::encode`]): rebuilds its buffers, makes the call (after
/// `entering()`), and returns the answer — the result, errno and the bytes of every buffer to
/// send back.
pub(super) fn perform(call: &[u8], entering: impl FnOnce(), leaving: impl FnOnce()) -> Vec<u8> {
    let n = call.len();
    let body = call;
    let error = |e: &str| {
        let mut reply = vec![0u8; e.len() + 16];
        let n = error_reply(&mut reply, e);
        reply.truncate(n);
        reply
    };
    type Bufs = Vec<(usize, bool, bool, u64, std::ops::Range<usize>)>;
    let parsed = (|| -> Result<(i64, [u64; 6], Bufs), String> {
        let mut r = Reader(body);
        let nr = r.u64()? as i64;
        let mut args = [0u64; 6];
        for a in &mut args {
            *a = r.u64()?;
        }
        let count = r.u64()?;
        let mut bufs = Vec::new();
        for _ in 0..count {
            let arg = r.u8()? as usize;
            let writable = r.u8()? != 0;
            let back = r.u8()? != 0;
            let raw = r.u64()?;
            let len = r.u64()? as usize;
            let start = n - r.0.len();
            r.take(len)?;
            if arg >= 6 {
                return Err(format!("a buffer for argument {arg}"));
            }
            bufs.push((arg, writable, back, raw, start..start + len));
        }
        Ok((nr, args, bufs))
    })();
    let (nr, mut args, bufs) = match parsed {
        Ok(p) => p,
        Err(e) => return error(&e),
    };
    // glibc's sigwait: rt_sigtimedwait, made again after a handler's EINTR.
    let (nr, again_on_eintr) = if nr == signals::NR_SIGWAIT { (libc::SYS_rt_sigtimedwait, true) } else { (nr, false) };
    if !ALLOWED.contains(&(nr as libc::c_long)) {
        return error(&format!("system call {nr} is not one the oracle makes"));
    }
    // Signals go to the oracle itself, its process group, or nobody: never to another process.
    // SAFETY: getpid has no preconditions.
    let own = unsafe { libc::getpid() } as i64;
    let ok_pid = |p: i64| p == own || p == -own || p == 0 || p.abs() == signals::NOBODY;
    if nr == libc::SYS_kill && !ok_pid(args[0] as i32 as i64) || nr == libc::SYS_tgkill && !ok_pid(args[0] as i32 as i64) {
        return error(&format!("a signal for process {}, which is not the oracle", args[0] as i32));
    }
    // SAFETY: sysconf has no preconditions.
    let page = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).max(4096) as usize;
    let mut maps: Vec<Mapped> = Vec::new();
    let mut hint = ARENA;
    let mut failed = None;
    for (arg, writable, back, raw, range) in bufs {
        if raw != 0 {
            // A range past the end of user space. The kernel checks a range it copies before it
            // copies (`access_ok`) — the whole buffer up front for read, write, send, recv and
            // epoll_wait — but only the start of a small fixed-size one (a pair of fds, an
            // event, a timespec): then it copies up to the end of user space before it faults.
            // That stretch must be nothing of ours: reserve it, inaccessible.
            let start = raw as usize & !(page - 1);
            let end = TASK_SIZE_MAX as usize;
            if end - start <= 1 << 20 {
                // SAFETY: a new inaccessible mapping where nothing is mapped (NOREPLACE).
                let base = unsafe {
                    libc::mmap(
                        start as *mut libc::c_void,
                        end - start,
                        libc::PROT_NONE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE,
                        -1,
                        0,
                    )
                };
                if base != start as *mut libc::c_void {
                    if base != libc::MAP_FAILED {
                        // SAFETY: an old kernel took the address as a hint: undo it.
                        unsafe { libc::munmap(base, end - start) };
                    }
                    failed = Some(format!("the oracle has memory at {raw:#x}, which the call names"));
                    break;
                }
                maps.push(Mapped { base, total: end - start, addr: raw as usize, len: 0, back: false });
            }
            args[arg] = raw;
            continue;
        }
        let len = range.len();
        let pages = len.div_ceil(page);
        let total = (pages + 1) * page;
        // SAFETY: a fresh private anonymous mapping, inaccessible at first; the bytes are copied
        // into the end of its first `pages` pages, which are made accessible for that. The page
        // after them stays inaccessible: the kernel faults exactly where the guest's valid bytes
        // end.
        unsafe {
            let base = libc::mmap(
                hint as *mut libc::c_void,
                total,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            );
            if base == libc::MAP_FAILED {
                failed = Some(format!("mmap of {total} bytes: {}", last_error()));
                break;
            }
            let addr = base as usize + pages * page - len;
            maps.push(Mapped { base, total, addr, len, back });
            if pages > 0 {
                if libc::mprotect(base, pages * page, libc::PROT_READ | libc::PROT_WRITE) != 0 {
                    failed = Some(format!("mprotect: {}", last_error()));
                    break;
                }
                std::ptr::copy_nonoverlapping(body[range].as_ptr(), addr as *mut u8, len);
                if !writable {
                    libc::mprotect(base, pages * page, libc::PROT_READ);
                }
            }
            hint = base as usize + total + page;
            args[arg] = addr as u64;
        }
    }
    let reply = match failed {
        Some(e) => error(&e),
        None => {
            // pselect6's sixth argument: a pointer to the mask and its size.
            let pselect_data = [args[5], 8];
            if nr == libc::SYS_pselect6 {
                args[5] = pselect_data.as_ptr() as u64;
            }
            entering();
            // SAFETY: one of the allowed system calls. Every pointer argument is NULL, not a
            // user address (it faults), or one of the buffers above, each followed by an
            // inaccessible page, so the kernel writes nowhere else.
            let call = || unsafe {
                libc::syscall(
                    nr as libc::c_long,
                    args[0] as i64,
                    args[1] as i64,
                    args[2] as i64,
                    args[3] as i64,
                    args[4] as i64,
                    args[5] as i64,
                )
            };
            let last_errno = || std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64;
            let mut r = call();
            while again_on_eintr && r == -1 && last_errno() == libc::EINTR as i64 {
                r = call();
            }
            let errno = if r == -1 { last_errno() } else { 0 };
            leaving();
            if nr == libc::SYS_read && r > 0 {
                if let Some(m) = maps.iter().find(|m| m.back) {
                    signals::map_signalfd_read(args[0], m.addr as *mut u8, (r as usize).min(m.len));
                }
            }
            if nr == libc::SYS_rt_sigtimedwait && r > 0 && args[1] != 0 {
                if let Some(m) = maps.iter().find(|m| m.back && m.addr as u64 == args[1]) {
                    signals::map_siginfo(m.addr as *mut u8, m.len);
                }
            }
            let back: Vec<&Mapped> = maps.iter().filter(|m| m.back).collect();
            let mut reply = vec![0u8; 32 + back.iter().map(|m| m.len + 8).sum::<usize>()];
            let mut out = Out::new(&mut reply);
            out.u8(REP_CALL).u64(r as u64).u64(errno as u64);
            out.u64(back.len() as u64);
            for m in back {
                // SAFETY: the buffer's own bytes, mapped readable and writable above.
                out.bytes(unsafe { std::slice::from_raw_parts(m.addr as *const u8, m.len) });
            }
            let n = out.pos;
            reply.truncate(n);
            reply
        }
    };
    for m in maps {
        // SAFETY: unmapping what was mapped above.
        unsafe { libc::munmap(m.base, m.total) };
    }
    reply
}
