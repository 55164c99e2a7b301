//! The channel between Spindle and the oracle: a window of shared memory and two futexes, the
//! messages, and the parent's end (the oracle process).

use super::*;
// ---- the channel: a window of shared memory and two futexes -----------------------------------
//
// The oracle must leave every fd number to the guest, so the two processes talk through shared
// memory: a memfd that the oracle gets as its stdin, maps, and closes. The header holds two
// sequence numbers (futex words) and the length of the message in the window after it: the
// parent writes a request there and bumps `REQUEST_SEQ`; the oracle's main thread (the
// *dispatcher*) reads it, writes its answer in the same place and sets `REPLY_SEQ` to the same
// number. Messages are little-endian.
//
// Each guest thread's calls are made by an oracle thread of its own, a *lane*. The header holds a
// word per lane — its state ([`LANE_IDLE`] … [`LANE_DONE`]) and the lane thread's kernel thread id
// — that the parent reads without asking: a call that blocks keeps its lane `LANE_RUNNING`, and
// the lane thread sets `LANE_DONE` the moment the kernel returns, before it takes any lock.

pub(super) const REQ_SETUP: u8 = 1;
/// A call for a lane: `lane`, how long to wait for it (ns), then the call ([`CallReq::encode`]).
pub(super) const REQ_CALL: u8 = 2;
pub(super) const REQ_QUIT: u8 = 3;
/// The answer of a lane's call, waiting for it at most `ns`: `lane`, `ns`.
pub(super) const REQ_COLLECT: u8 = 4;
/// Interrupts a lane's blocked call with a signal (a timed wait that Spindle ended by its
/// timeout), then answers as [`REQ_COLLECT`]: `lane`, `ns`.
pub(super) const REQ_CANCEL: u8 = 5;
pub(super) const REP_SETUP: u8 = 1;
pub(super) const REP_CALL: u8 = 2;
/// The lane's call has not returned (it blocks in the kernel).
pub(super) const REP_PENDING: u8 = 3;
pub(super) const REP_ERROR: u8 = 9;

/// The header: the futex words, the message length and the lanes' words.
pub(super) const HEADER: usize = 64 << 10;
pub(super) const REQUEST_SEQ: usize = 0;
pub(super) const REPLY_SEQ: usize = 4;
pub(super) const LENGTH: usize = 8;
/// Where the lanes' words begin: lane `i`'s state at `LANES + 8 i`, its thread id after it.
pub(super) const LANES: usize = 64;
/// How many lanes (oracle threads) a check may have.
pub(super) const MAX_LANES: usize = (HEADER - LANES) / 8;
/// A lane's states. Only `LANE_RUNNING` means "in the system call": a lane that is `LANE_QUEUED`
/// may still be asleep waiting for its work.
pub(super) const LANE_IDLE: u32 = 0;
pub(super) const LANE_QUEUED: u32 = 1;
pub(super) const LANE_RUNNING: u32 = 2;
pub(super) const LANE_DONE: u32 = 3;

pub(super) fn lane_state(lane: usize) -> usize {
    LANES + 8 * lane
}

pub(super) fn lane_tid(lane: usize) -> usize {
    LANES + 8 * lane + 4
}

/// A shared mapping of the channel's memfd.
pub(super) struct Window {
    pub(super) base: *mut u8,
    pub(super) len: usize,
}

impl Window {
    pub(super) fn map(fd: i32, len: usize) -> Result<Window, String> {
        // SAFETY: a shared mapping of the whole memfd, which is `len` bytes long.
        let base = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd, 0) };
        if base == libc::MAP_FAILED {
            return Err(format!("mmap of the oracle's window ({len} bytes): {}", last_error()));
        }
        Ok(Window { base: base.cast(), len })
    }

    pub(super) fn word(&self, at: usize) -> &AtomicU32 {
        // SAFETY: the header page is mapped as long as `self`, and the words are aligned; both
        // processes touch them only atomically.
        unsafe { &*(self.base.add(at) as *const AtomicU32) }
    }

    pub(super) fn message_len(&self) -> usize {
        // SAFETY: the length field lies in the header page; it is written before the sequence
        // number that publishes it (release) and read after it (acquire).
        (unsafe { std::ptr::read_volatile(self.base.add(LENGTH) as *const u64) }) as usize
    }

    pub(super) fn set_message_len(&mut self, n: usize) {
        // SAFETY: as above.
        unsafe { std::ptr::write_volatile(self.base.add(LENGTH) as *mut u64, n as u64) }
    }

    /// The message area. Only one side touches it at a time: the one whose turn it is.
    pub(super) fn body(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is `len` bytes long; the other process writes this area only
        // between the two sequence numbers, while this one waits.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(HEADER), self.len - HEADER) }
    }
}

// SAFETY: the mapping is the process's; a window is moved once, to the oracle's dispatcher
// thread, which alone then uses it (the lanes only touch their own words, atomically).
unsafe impl Send for Window {}

impl Drop for Window {
    fn drop(&mut self) {
        // SAFETY: unmapping what `map` mapped.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// Sleeps while `word` holds `value`, at most `timeout`.
pub(super) fn futex_wait(word: &AtomicU32, value: u32, timeout: Duration) {
    let ts = libc::timespec { tv_sec: timeout.as_secs() as libc::time_t, tv_nsec: timeout.subsec_nanos() as libc::c_long };
    // SAFETY: FUTEX_WAIT on a word of a shared mapping, with a relative timeout.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, value, &ts as *const libc::timespec, 0, 0) };
}

pub(super) fn futex_wake(word: &AtomicU32) {
    // SAFETY: FUTEX_WAKE on a word of a shared mapping.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX, 0, 0, 0) };
}

/// Writes a message into the window; `overflow` once it does not fit.
pub(super) struct Out<'a> {
    pub(super) buf: &'a mut [u8],
    pub(super) pos: usize,
    pub(super) overflow: bool,
}

impl<'a> Out<'a> {
    pub(super) fn new(buf: &'a mut [u8]) -> Self {
        Out { buf, pos: 0, overflow: false }
    }
    pub(super) fn raw(&mut self, b: &[u8]) -> &mut Self {
        match self.buf.get_mut(self.pos..self.pos + b.len()) {
            Some(dst) if !self.overflow => {
                dst.copy_from_slice(b);
                self.pos += b.len();
            }
            _ => self.overflow = true,
        }
        self
    }
    pub(super) fn u8(&mut self, v: u8) -> &mut Self {
        self.raw(&[v])
    }
    pub(super) fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    pub(super) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.u64(b.len() as u64).raw(b)
    }
}

pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl Reader<'_> {
    pub(super) fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.0.len() < n {
            return Err("a truncated message".to_string());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    pub(super) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| "a truncated message")?))
    }
    pub(super) fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let n = self.u64()?;
        if n > self.0.len() as u64 {
            return Err("a truncated message".to_string());
        }
        Ok(self.take(n as usize)?.to_vec())
    }
}

/// One buffer of a call, as the oracle rebuilds it.
#[derive(Clone, Debug)]
pub(super) struct Buf {
    /// Which argument points at it.
    pub(super) arg: usize,
    /// Its bytes: as many as the call may touch and the guest's allocation holds.
    pub(super) bytes: Vec<u8>,
    /// Whether the kernel may write it (the guest's memory is not read-only).
    pub(super) writable: bool,
    /// Whether its bytes come back after the call, to be compared.
    pub(super) back: bool,
    /// Where it is in guest memory (0: it is not the guest's, e.g. a timeout the oracle uses).
    pub(super) guest: u64,
    /// How many bytes the call names (more than `bytes` when the guest's memory ends first).
    pub(super) len: u64,
    /// Not rebuilt: the address itself, a user address whose range reaches past the end of
    /// user space (the oracle makes sure nothing of its own lies between it and that end).
    pub(super) raw: u64,
}

/// A system call for the oracle.
#[derive(Clone, Debug)]
pub(super) struct CallReq {
    pub(super) nr: i64,
    pub(super) args: [u64; 6],
    pub(super) bufs: Vec<Buf>,
}

impl CallReq {
    /// The call alone (what a lane thread performs).
    pub(super) fn encode(&self, out: &mut Out<'_>) {
        out.u64(self.nr as u64);
        for a in self.args {
            out.u64(a);
        }
        out.u64(self.bufs.len() as u64);
        for b in &self.bufs {
            out.u8(b.arg as u8).u8(b.writable as u8).u8(b.back as u8).u64(b.raw).bytes(&b.bytes);
        }
    }
}

/// The kernel's answer to a call.
pub(super) struct CallReply {
    pub(super) ret: i64,
    pub(super) errno: i64,
    /// The bytes of each buffer marked `back`, in order.
    pub(super) outs: Vec<Vec<u8>>,
    /// The lane's signal mask after the call (module `signals`).
    pub(super) mask: u64,
    /// The signals the kernel delivered to the lane meanwhile: (signal, `si_code`).
    pub(super) delivered: Vec<(i64, i64)>,
}

// ---- the parent's end: the oracle process -----------------------------------------------------

/// How long the dispatcher may take on top of a request's own wait.
pub(super) const DISPATCH_MARGIN: Duration = Duration::from_secs(5);

/// Where a lane's call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LaneState {
    /// It returned.
    Done,
    /// It sleeps in the kernel: it blocks.
    Asleep,
    /// On its way: queued, running, or in an uninterruptible wait.
    Busy,
}

/// Why a request got no answer.
pub(super) enum NoAnswer {
    /// Nothing within the timeout: the kernel blocks.
    Timeout,
    /// The oracle is gone or said something wrong.
    Failed(String),
}

/// The running oracle.
pub(super) struct Link {
    pub(super) child: Child,
    pub(super) window: Window,
    /// The window's memfd, to give its pages back after a large message.
    pub(super) memfd: OwnedFd,
    pub(super) stderr: Receiver<Vec<u8>>,
    pub(super) timeout: Duration,
    pub(super) program: String,
    /// The lowest fd number the oracle cannot give out (normally `--max-fds`).
    pub(super) ceiling: i64,
    pub(super) kernel: String,
    /// The last request's sequence number.
    pub(super) seq: u32,
    /// The oracle was killed or quit.
    pub(super) gone: bool,
    /// The signal that ended the oracle, if one did.
    pub(super) killed_by: Option<i32>,
    /// The oracle's pid, uid and signal handler addresses (module `signals`).
    pub(super) ids: signals::OracleIds,
}

/// Messages above this size give their pages back afterwards.
pub(super) const LARGE_MESSAGE: usize = 16 << 20;

impl Link {
    /// Starts the oracle with a window for messages of up to `capacity` bytes (it is sparse:
    /// only what messages use takes memory).
    pub(super) fn start(oracle: &Oracle, max_fds: u64, capacity: usize) -> Result<Link, OracleError> {
        let program = oracle.program.display().to_string();
        let fail = |what: String| OracleError(format!("cannot start the kernel oracle: {what}"));
        // SAFETY: memfd_create and ftruncate on the new fd, which `OwnedFd` then owns.
        let memfd = unsafe {
            let fd = libc::memfd_create(c"spindle-oracle".as_ptr(), libc::MFD_CLOEXEC);
            if fd < 0 {
                return Err(fail(format!("memfd_create: {}", last_error())));
            }
            let fd = OwnedFd::from_raw_fd(fd);
            if libc::ftruncate(fd.as_raw_fd(), (HEADER + capacity) as libc::off_t) != 0 {
                return Err(fail(format!("ftruncate: {}", last_error())));
            }
            fd
        };
        let window = Window::map(memfd.as_raw_fd(), HEADER + capacity).map_err(fail)?;
        let stdin = memfd.try_clone().map_err(|e| fail(e.to_string()))?;
        let mut child = Command::new(&oracle.program)
            .arg(ORACLE_SUBCOMMAND)
            .stdin(Stdio::from(stdin))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| OracleError(format!("cannot start the kernel oracle `{program} {ORACLE_SUBCOMMAND}`: {e}")))?;
        let (etx, stderr) = mpsc::channel();
        if let Some(mut err) = child.stderr.take() {
            std::thread::spawn(move || {
                let mut text = Vec::new();
                let _ = (&mut err).take(64 << 10).read_to_end(&mut text);
                let _ = etx.send(text);
            });
        }
        let mut link = Link {
            child,
            window,
            memfd,
            stderr,
            timeout: oracle.timeout,
            program,
            ceiling: 0,
            kernel: String::new(),
            seq: 0,
            gone: false,
            killed_by: None,
            ids: Default::default(),
        };
        // Starting a process may take longer than a call.
        let setup_timeout = link.timeout.max(Duration::from_secs(30));
        let reply = link
            .exchange(setup_timeout, &|out| {
                out.u8(REQ_SETUP).u64(max_fds).u64(signals::GUEST_PID as u64).u64(signals::GUEST_UID as u64);
            })
            .map_err(|e| match e {
                NoAnswer::Timeout => OracleError(format!("the kernel oracle `{} {ORACLE_SUBCOMMAND}` did not answer", link.program)),
                NoAnswer::Failed(e) => OracleError(e),
            })?;
        let mut r = Reader(&reply);
        let parsed = (|| -> Result<(), String> {
            match r.u8()? {
                REP_SETUP => {
                    link.ceiling = r.u64()? as i64;
                    link.kernel = String::from_utf8_lossy(&r.bytes()?).into_owned();
                    // The oracle's pid, its uid (mapped by the oracle itself), its handlers, the restorer.
                    let (pid, _uid, recorder, interrupt, restorer) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?);
                    link.ids = signals::OracleIds { pid: pid as i64, recorder, interrupt, restorer };
                    Ok(())
                }
                REP_ERROR => Err(format!("the kernel oracle cannot start: {}", String::from_utf8_lossy(&r.bytes()?))),
                t => Err(format!("the kernel oracle answered the setup with message {t}")),
            }
        })();
        parsed.map_err(OracleError)?;
        Ok(link)
    }

    /// Writes a request with `write` and waits up to `timeout` for the answer.
    pub(super) fn exchange(&mut self, timeout: Duration, write: &dyn Fn(&mut Out<'_>)) -> Result<Vec<u8>, NoAnswer> {
        if self.gone {
            return Err(NoAnswer::Failed("the kernel oracle is gone".into()));
        }
        let mut out = Out::new(self.window.body());
        write(&mut out);
        if out.overflow {
            return Err(NoAnswer::Failed(format!("a call's buffers do not fit the oracle's window of {} bytes", self.window.len - HEADER)));
        }
        let len = out.pos;
        self.window.set_message_len(len);
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.window.word(REQUEST_SEQ).store(seq, Ordering::Release);
        futex_wake(self.window.word(REQUEST_SEQ));
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.window.word(REPLY_SEQ).load(Ordering::Acquire);
            if seen == seq {
                break;
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(NoAnswer::Failed(self.death("it exited")));
            }
            let now = Instant::now();
            if now >= deadline {
                self.kill();
                return Err(NoAnswer::Timeout);
            }
            futex_wait(self.window.word(REPLY_SEQ), seen, (deadline - now).min(Duration::from_millis(50)));
        }
        let n = self.window.message_len().min(self.window.len - HEADER);
        let reply = self.window.body()[..n].to_vec();
        if len.max(n) > LARGE_MESSAGE {
            // SAFETY: punching a hole in our own memfd frees the pages both mappings used.
            unsafe {
                libc::fallocate(
                    self.memfd.as_raw_fd(),
                    libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                    HEADER as libc::off_t,
                    (self.window.len - HEADER) as libc::off_t,
                )
            };
        }
        Ok(reply)
    }

    /// Makes `req` on the kernel on `lane` (an oracle thread of its own), waiting at most `wait`
    /// for it to return: `Ok(None)` if it has not (it blocks; the lane keeps it).
    pub(super) fn call(&mut self, lane: usize, wait: Duration, req: &CallReq) -> Result<Option<CallReply>, NoAnswer> {
        let reply = self.exchange(wait + DISPATCH_MARGIN, &|out| {
            out.u8(REQ_CALL).u64(lane as u64).u64(wait.as_nanos() as u64);
            req.encode(out);
        })?;
        Self::parse_reply(&reply)
    }

    /// The answer of `lane`'s blocked call, waiting at most `wait` for it: `Ok(None)` if it still
    /// blocks. With `cancel`, the call is interrupted first (`EINTR` if it still blocked).
    pub(super) fn collect(&mut self, lane: usize, wait: Duration, cancel: bool) -> Result<Option<CallReply>, NoAnswer> {
        let kind = if cancel { REQ_CANCEL } else { REQ_COLLECT };
        let reply = self.exchange(wait + DISPATCH_MARGIN, &|out| {
            out.u8(kind).u64(lane as u64).u64(wait.as_nanos() as u64);
        })?;
        Self::parse_reply(&reply)
    }

    fn parse_reply(reply: &[u8]) -> Result<Option<CallReply>, NoAnswer> {
        let mut r = Reader(reply);
        let parsed = (|| -> Result<Option<CallReply>, String> {
            match r.u8()? {
                REP_CALL => {
                    let ret = r.u64()? as i64;
                    let errno = r.u64()? as i64;
                    let n = r.u64()?;
                    let outs = (0..n).map(|_| r.bytes()).collect::<Result<Vec<_>, _>>()?;
                    let mask = r.u64()?;
                    let k = r.u64()?;
                    let delivered = (0..k).map(|_| Ok((r.u64()? as i64, r.u64()? as i64))).collect::<Result<Vec<_>, String>>()?;
                    Ok(Some(CallReply { ret, errno, outs, mask, delivered }))
                }
                REP_PENDING => Ok(None),
                REP_ERROR => Err(format!("the kernel oracle failed: {}", String::from_utf8_lossy(&r.bytes()?))),
                t => Err(format!("the kernel oracle answered with message {t}")),
            }
        })();
        parsed.map_err(NoAnswer::Failed)
    }

    /// Where `lane`'s call is, read from the shared window and the kernel's view of the lane's
    /// thread (`/proc/PID/task/TID/stat`), without asking the oracle.
    pub(super) fn lane(&self, lane: usize) -> LaneState {
        match self.window.word(lane_state(lane)).load(Ordering::Acquire) {
            LANE_DONE => LaneState::Done,
            LANE_RUNNING => {
                let tid = self.window.word(lane_tid(lane)).load(Ordering::Acquire);
                let stat = std::fs::read_to_string(format!("/proc/{}/task/{tid}/stat", self.child.id())).unwrap_or_default();
                // The state is the field after the command, which is in parentheses.
                let state = stat.rfind(')').and_then(|i| stat[i + 1..].trim_start().chars().next());
                // Recheck: the call may have returned while the file was read.
                if self.window.word(lane_state(lane)).load(Ordering::Acquire) == LANE_DONE {
                    return LaneState::Done;
                }
                match state {
                    // Asleep in the call (an interruptible wait: a blocked read, an epoll wait).
                    Some('S') => LaneState::Asleep,
                    _ => LaneState::Busy,
                }
            }
            _ => LaneState::Busy,
        }
    }

    /// Waits (at most `grace`) until the call of every lane of `lanes` has returned or sleeps in
    /// the kernel, and nothing changes any more: a call that returns may wake another lane (an
    /// epoll wait that leaves events queued wakes the next waiter), so the lanes are looked at
    /// again after the last one seen to return. (A lane woken by another's call is runnable
    /// before that call returns.)
    pub(super) fn settle(&self, lanes: &[usize], grace: Duration) -> Vec<LaneState> {
        let deadline = Instant::now() + grace;
        let mut pause = Duration::from_micros(20);
        let mut before: Vec<LaneState> = lanes.iter().map(|&l| self.lane(l)).collect();
        loop {
            let now: Vec<LaneState> = lanes.iter().map(|&l| self.lane(l)).collect();
            let stable = now == before && !now.contains(&LaneState::Busy);
            if stable || Instant::now() >= deadline {
                return now;
            }
            if now.contains(&LaneState::Busy) {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(2));
            }
            before = now;
        }
    }

    /// What went wrong, with the oracle's exit status and what it said on stderr.
    pub(super) fn death(&mut self, what: &str) -> String {
        let status = match self.child.wait() {
            Ok(s) => {
                use std::os::unix::process::ExitStatusExt;
                self.killed_by = s.signal();
                format!(" ({s})")
            }
            Err(_) => String::new(),
        };
        self.gone = true;
        let said = self.stderr.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
        let said = String::from_utf8_lossy(&said);
        let said = said.trim();
        let said = if said.is_empty() { String::new() } else { format!("; it said: {said}") };
        format!("the kernel oracle `{} {ORACLE_SUBCOMMAND}` failed{status}: {what}{said}", self.program)
    }

    pub(super) fn kill(&mut self) {
        if !self.gone {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.gone = true;
        }
    }

    /// Ends the oracle.
    pub(super) fn quit(&mut self) {
        if self.gone {
            return;
        }
        if self
            .exchange(self.timeout, &|out| {
                out.u8(REQ_QUIT);
            })
            .is_ok()
        {
            let _ = self.child.wait();
            self.gone = true;
        }
        self.kill();
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.kill();
    }
}
