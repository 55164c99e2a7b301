//! The oracle's side: the server that makes each call on the host kernel.

use super::*;
use std::io::Write;
// ---- the oracle's side ------------------------------------------------------------------------

/// The oracle: serves the calls of one check, then returns the process's exit status. Its stdin
/// must be the channel's memfd (as [`Program::against_kernel`] starts it). An executable serves as
/// the oracle when it calls this on the argument [`ORACLE_SUBCOMMAND`] (the `spindle` binary's
/// hidden subcommand), before it opens any file.
pub fn serve() -> i32 {
    // SAFETY: setting signal dispositions and the parent-death signal of this process. A write
    // that gets EPIPE must not kill the oracle (Spindle has no signals; docs/divergences.md);
    // the oracle must not outlive the check.
    let parent = unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
        libc::getppid()
    };
    let mut window = match map_stdin() {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "spindle {ORACLE_SUBCOMMAND}: {e} (this is the kernel side of `spindle run --against-kernel`, which starts it)"
            );
            return 2;
        }
    };
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
        let body = window.body();
        let kind = body.first().copied();
        let mut quit = false;
        let len = match kind {
            Some(REQ_SETUP) if !set_up => {
                set_up = true;
                let max_fds = Reader(&body[1..n]).u64().unwrap_or(0);
                match arrange_fds(max_fds) {
                    Ok(ceiling) => {
                        let mut out = Out::new(body);
                        out.u8(REP_SETUP).u64(ceiling as u64).bytes(kernel_name().as_bytes());
                        out.pos
                    }
                    Err(e) => error_reply(body, &e),
                }
            }
            Some(REQ_CALL) if set_up => perform(body, n),
            Some(REQ_QUIT) => {
                quit = true;
                Out::new(body).u8(REQ_QUIT).pos
            }
            _ => error_reply(body, "an unexpected request"),
        };
        window.set_message_len(len);
        window.word(REPLY_SEQ).store(seq, Ordering::Release);
        futex_wake(window.word(REPLY_SEQ));
        if quit {
            return 0;
        }
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
    libc::SYS_lseek,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    // Only the requests and options the observer lets through (FIONREAD, FIONBIO, FIOCLEX,
    // FIONCLEX; SOL_SOCKET's SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF).
    libc::SYS_ioctl,
    libc::SYS_getsockopt,
    libc::SYS_setsockopt,
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

/// Performs the call request in `body[..n]`: rebuilds its buffers, makes the call, and writes
/// the answer — the result, errno and the bytes of every buffer to send back — over it. Returns
/// the answer's length.
pub(super) fn perform(body: &mut [u8], n: usize) -> usize {
    type Bufs = Vec<(usize, bool, bool, u64, std::ops::Range<usize>)>;
    let parsed = (|| -> Result<(i64, [u64; 6], Bufs), String> {
        let mut r = Reader(&body[1..n]);
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
        Err(e) => return error_reply(body, &e),
    };
    if !ALLOWED.contains(&(nr as libc::c_long)) {
        return error_reply(body, &format!("system call {nr} is not one the oracle makes"));
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
    let len = match failed {
        Some(e) => error_reply(body, &e),
        None => {
            // SAFETY: one of the allowed system calls. Every pointer argument is NULL, not a
            // user address (it faults), or one of the buffers above, each followed by an
            // inaccessible page, so the kernel writes nowhere else.
            let r = unsafe {
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
            let errno = if r == -1 { std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64 } else { 0 };
            let mut out = Out::new(body);
            out.u8(REP_CALL).u64(r as u64).u64(errno as u64);
            let back: Vec<&Mapped> = maps.iter().filter(|m| m.back).collect();
            out.u64(back.len() as u64);
            for m in back {
                // SAFETY: the buffer's own bytes, mapped readable and writable above.
                out.bytes(unsafe { std::slice::from_raw_parts(m.addr as *const u8, m.len) });
            }
            if out.overflow {
                error_reply(body, "the answer does not fit the window")
            } else {
                out.pos
            }
        }
    };
    for m in maps {
        // SAFETY: unmapping what was mapped above.
        unsafe { libc::munmap(m.base, m.total) };
    }
    len
}
