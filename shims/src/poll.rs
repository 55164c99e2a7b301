//! `poll`, `ppoll`, `select` and `pselect` (the kernel's `pselect6`): readiness of a set of fds,
//! waiting on the virtual clock.
//!
//! Man pages: <https://man7.org/linux/man-pages/man2/poll.2.html>,
//! <https://man7.org/linux/man-pages/man2/select.2.html>. Ground truth: `shims/probes/poll.c`
//! (its output `poll.txt`) and the native twins of `programs/poll/` in
//! `shims/probes/poll_scenarios/`.
//!
//! Each fd reports its file's poll mask — the bits epoll sees (`Events::from_readiness`), an
//! epoll instance's `IN|RDNORM`, a timerfd's `IN`, and `DEFAULT_POLLMASK`
//! (`IN|OUT|RDNORM|WRNORM`) for fds 0–2, devices, regular files and directories, which have no
//! poll method.
//! `poll` reports `mask & (events | ERR | HUP)` per entry, `POLLNVAL` for an fd that is not open
//! and nothing for a negative one; `select` reports an fd in `readfds` when the mask has one of
//! `IN|RDNORM|RDBAND|HUP|ERR`, in `writefds` for `OUT|WRNORM|WRBAND|ERR`, in `exceptfds` for
//! `PRI` (`fs/select.c`'s `POLLIN_SET`, `POLLOUT_SET`, `POLLEX_SET`).
//!
//! Blocking goes through the one wake path: a blocked call holds the descriptions it polls (as
//! Linux's poll table entries hold their files) and is re-evaluated after every operation that
//! [`Shims::notify`] serves (and after `epoll_ctl`, which can make an epoll fd readable); it
//! returns once something is ready, or at its deadline. Happens-before: each fd reported ready
//! acquires its description's readiness clock, as a delivered epoll event does.

use crate::abi::{In, Layout, Pollfd, Timespec, Timeval, NSEC_PER_SEC};
use crate::consts::errno::{EBADF, EFAULT, EINVAL};
use crate::epoll::{Events, Timeout};
use crate::table::args;
use crate::{fail, Shims};
use spindle_fds::{DescriptionKind, FdId};
use spindle_vm::{BlockReason, HostWait, Machine, Ret, ThreadId, Unblock, VmResult};

/// `POLLNVAL`: the fd is not open.
const POLLNVAL: u16 = 0x20;
/// `DEFAULT_POLLMASK`: what a file without a poll method reports (fds 0–2, `/dev/null` and
/// `/dev/zero`, regular files and directories).
const DEFAULT_POLLMASK: Events = Events(Events::IN.0 | Events::OUT.0 | Events::RDNORM.0 | Events::WRNORM.0);
/// `fs/select.c`: the bits that make an fd readable, writable, exceptional for `select`.
const POLLIN_SET: Events = Events(Events::IN.0 | Events::RDNORM.0 | Events::RDBAND.0 | Events::HUP.0 | Events::ERR.0);
const POLLOUT_SET: Events = Events(Events::OUT.0 | Events::WRNORM.0 | Events::WRBAND.0 | Events::ERR.0);
const POLLEX_SET: Events = Events::PRI;

/// What one blocked (or running) call polls.
#[derive(Clone, Debug)]
pub(crate) struct PollWait {
    /// `poll`'s entries, or one per fd `select` looks at (`events`: bit 0 read, 1 write, 2 except).
    entries: Vec<Pollfd>,
    form: Form,
    /// The deadline in virtual ns, if any.
    deadline: Option<u64>,
    /// The descriptions held while blocked.
    held: Vec<FdId>,
    /// Per entry, the description its fd named when the call blocked: the file whose wait
    /// queue the call is on.
    waits_on: Vec<Option<FdId>>,
}

#[derive(Clone, Copy, Debug)]
enum Form {
    /// `poll`/`ppoll`: the array the revents go to.
    Poll { addr: u64 },
    /// `select`/`pselect`: the three sets (0 for NULL), `nfds`, and the `struct timeval` the
    /// remaining time is written to (`select` only).
    Select { sets: [u64; 3], n: u32, timeval: u64 },
}

impl PollWait {
    /// The descriptions the blocked call holds.
    pub(crate) fn held_descriptions(self) -> Vec<FdId> {
        self.held
    }
}

impl Shims {
    /// The poll mask of the file fd `fd` names, and its description; `None` when not open.
    fn poll_mask(&mut self, m: &mut Machine<Shims>, fd: i32) -> VmResult<Option<(FdId, Events)>> {
        let Ok(id) = self.fds.lookup(fd) else { return Ok(None) };
        Ok(Some((id, self.description_poll_mask(m, id)?)))
    }

    /// The poll mask of description `id`.
    fn description_poll_mask(&mut self, m: &mut Machine<Shims>, id: FdId) -> VmResult<Events> {
        if self.epolls.is_epoll(id) {
            let (ev, out) = self.epolls.poll(id);
            self.apply_epoll(m, out, crate::wake::Cause::Thread)?;
            return Ok(ev);
        }
        let kind = self.fds.get(id).map(|d| d.kind());
        let ev = match kind {
            Some(
                DescriptionKind::Stdin
                | DescriptionKind::Stdout
                | DescriptionKind::Stderr
                | DescriptionKind::RegularFile
                | DescriptionKind::Directory
                | DescriptionKind::Device,
            ) => DEFAULT_POLLMASK,
            _ => self.epoll_events(m, id),
        };
        Ok(ev)
    }

    /// The result of each entry now (`revents`, or for `select` the bits 0–2 of the sets it is
    /// reported in), and the descriptions reported.
    fn poll_results(&mut self, m: &mut Machine<Shims>, w: &PollWait) -> VmResult<(Vec<u16>, Vec<FdId>)> {
        let mut out = Vec::with_capacity(w.entries.len());
        let mut ready = Vec::new();
        for e in &w.entries {
            let r = match (w.form, e.fd) {
                (Form::Poll { .. }, fd) if fd < 0 => 0,
                (form, fd) => match self.poll_mask(m, fd)? {
                    None if matches!(form, Form::Poll { .. }) => POLLNVAL,
                    None => 0,
                    Some((id, mask)) => {
                        let r = entry_result(form, e, mask);
                        if r != 0 {
                            ready.push(id);
                        }
                        r
                    }
                },
            };
            out.push(r);
        }
        Ok((out, ready))
    }

    /// Evaluates the call; with something ready (or `finish`), writes its results as the calling
    /// thread and returns the count.
    fn poll_round(&mut self, m: &mut Machine<Shims>, w: &PollWait, finish: bool) -> VmResult<Option<i64>> {
        self.enter_process(m.thread_space(m.active_thread()));
        let (res, ready) = self.poll_results(m, w)?;
        let count: i64 = match w.form {
            Form::Poll { .. } => res.iter().filter(|&&r| r != 0).count() as i64,
            Form::Select { .. } => res.iter().map(|r| r.count_ones() as i64).sum(),
        };
        if count == 0 && !finish {
            return Ok(None);
        }
        for id in ready {
            if let Some(c) = self.state.get(id).and_then(|s| s.ready_clock.clone()) {
                m.acquire_clock(&c);
            }
        }
        match w.form {
            Form::Poll { addr } => {
                for (k, r) in res.iter().enumerate() {
                    if !m.write_guest(addr.wrapping_add(8 * k as u64 + 6), &r.to_le_bytes())? {
                        m.set_errno(EFAULT);
                        return Ok(Some(-1));
                    }
                }
            }
            Form::Select { sets, n, timeval } => {
                let words = (n as usize).div_ceil(64);
                for (k, &set) in sets.iter().enumerate() {
                    if set == 0 {
                        continue;
                    }
                    let mut bits = vec![0u64; words];
                    for (e, r) in w.entries.iter().zip(&res) {
                        if r & 1 << k != 0 {
                            bits[e.fd as usize / 64] |= 1 << (e.fd % 64);
                        }
                    }
                    let bytes: Vec<u8> = bits.iter().flat_map(|b| b.to_le_bytes()).collect();
                    if !m.write_guest(set, &bytes)? {
                        m.set_errno(EFAULT);
                        return Ok(Some(-1));
                    }
                }
                if let (true, Some(d)) = (timeval != 0, w.deadline) {
                    let left = d.saturating_sub(m.now());
                    let tv = Timeval { sec: (left / NSEC_PER_SEC) as i64, usec: ((left % NSEC_PER_SEC) / 1000) as i64 };
                    if !m.write_guest(timeval, &tv.to_bytes())? {
                        m.set_errno(EFAULT);
                        return Ok(Some(-1));
                    }
                }
            }
        }
        Ok(Some(count))
    }

    /// Runs a poll or select: at once if something is ready or it must not wait, else blocks.
    fn poll_start(&mut self, m: &mut Machine<Shims>, mut w: PollWait, timeout: Timeout) -> VmResult<Ret> {
        if timeout == Timeout::NonBlocking {
            w.deadline = None;
        }
        let nonblocking = timeout == Timeout::NonBlocking;
        if let Some(v) = self.poll_round(m, &w, nonblocking)? {
            return Ok(Ret::Value(v as u64));
        }
        if self.signal_deliverable(m) {
            // A signal the call's mask unblocks is pending: -ERESTARTNOHAND, its handler runs.
            self.deliver_signals(m)?;
            return fail(m, crate::consts::errno::EINTR);
        }
        for e in &w.entries {
            let id = if e.fd < 0 { None } else { self.fds.lookup(e.fd).ok() };
            if let Some(id) = id {
                if !w.held.contains(&id) {
                    self.fds.hold(id);
                    w.held.push(id);
                }
            }
            w.waits_on.push(id);
        }
        self.poll_block(m, w);
        Ok(Ret::Blocked)
    }

    fn poll_block(&mut self, m: &mut Machine<Shims>, w: PollWait) {
        self.arm_timerfds(m);
        let t = m.active_thread();
        let (name, n) = match w.form {
            Form::Poll { .. } => ("poll", w.entries.len() as i64),
            Form::Select { n, .. } => ("select", n as i64),
        };
        let reason = HostWait {
            words: [name, ""],
            number: n,
            describe: |w| format!("it is blocked in `{}` on {} fds, waiting for one to be ready", w.words[0], w.number),
        };
        let deadline = w.deadline;
        self.poll_waits.insert(t, w);
        m.block_thread(
            BlockReason::Host(reason),
            deadline,
            Box::new(move |s: &mut Shims, m: &mut Machine<Shims>, kind| {
                let w = s.poll_waits.remove(&t).expect("a blocked poll is recorded");
                if kind == Unblock::Interrupted {
                    // -ERESTARTNOHAND: EINTR for a handler, SA_RESTART or not.
                    s.interrupted_call(m, false);
                    for id in w.held {
                        if let Some(d) = s.fds.release(id) {
                            s.destroyed(m, d)?;
                        }
                    }
                    return Ok(());
                }
                let r = s.poll_round(m, &w, kind == Unblock::TimedOut)?;
                if r.is_some() {
                    s.unswap_mask(m);
                }
                match r {
                    Some(v) => {
                        m.set_return(v as u64);
                        for id in w.held {
                            if let Some(d) = s.fds.release(id) {
                                s.destroyed(m, d)?;
                            }
                        }
                        Ok(())
                    }
                    None => {
                        s.poll_block(m, w);
                        Ok(())
                    }
                }
            }),
        );
    }

    /// After an operation: wakes the blocked polls that now have something to report (in thread
    /// order); each collects its results when it is woken.
    pub(crate) fn recheck_polls(&mut self, m: &mut Machine<Shims>) -> VmResult<()> {
        if self.poll_waits.is_empty() || self.polls_rechecking {
            return Ok(());
        }
        self.polls_rechecking = true;
        let threads: Vec<ThreadId> = self.poll_waits.keys().collect();
        let mut ready = Vec::new();
        for t in threads {
            let Some(w) = self.poll_waits.get(&t).cloned() else { continue };
            // Its fd numbers are its process's.
            self.enter_process(m.thread_space(t));
            // Only the files it waits on wake it (their wait queues, on Linux), whatever its fds
            // name now (closed, or another file); once woken, it looks its fds up again, as
            // `do_poll` does.
            let mut wake = false;
            for (e, id) in w.entries.iter().zip(&w.waits_on) {
                let Some(id) = *id else { continue };
                match self.description_poll_mask(m, id) {
                    Ok(mask) if entry_result(w.form, e, mask) != 0 => wake = true,
                    Ok(_) => {}
                    Err(e) => {
                        self.polls_rechecking = false;
                        self.enter_process(m.thread_space(m.active_thread()));
                        return Err(e);
                    }
                }
            }
            if wake {
                ready.push(t);
            }
        }
        self.polls_rechecking = false;
        self.enter_process(m.thread_space(m.active_thread()));
        for t in ready {
            m.unblock_thread(self, t)?;
        }
        Ok(())
    }

    pub(crate) fn polls_waiting(&self) -> bool {
        !self.poll_waits.is_empty()
    }
}

/// What an entry reports for a file whose poll mask is `mask`: `poll`'s `revents`, or for
/// `select` bits 0–2 (read, write, except) of the sets it asked about.
fn entry_result(form: Form, e: &Pollfd, mask: Events) -> u16 {
    match form {
        Form::Poll { .. } => mask.0 as u16 & (e.events | Events::ERR.0 as u16 | Events::HUP.0 as u16),
        Form::Select { .. } => {
            let sets = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];
            (0..3).filter(|&k| e.events & 1 << k != 0 && mask.0 & sets[k].0 != 0).fold(0, |r, k| r | 1 << k)
        }
    }
}

/// Reads `poll`'s array of `nfds` entries: `EINVAL` above the open-files limit, `EFAULT` when
/// it cannot be read.
fn read_pollfds(s: &Shims, m: &mut Machine<Shims>, addr: u64, nfds: u32) -> VmResult<Result<Vec<Pollfd>, i64>> {
    if nfds as usize > s.fds.max_fds() {
        return Ok(Err(EINVAL));
    }
    if nfds == 0 {
        return Ok(Ok(Vec::new()));
    }
    let Some(bytes) = m.read_guest(addr, nfds as u64 * Pollfd::SIZE)? else { return Ok(Err(EFAULT)) };
    Ok(Ok(bytes.chunks(Pollfd::SIZE as usize).map(Pollfd::decode).collect()))
}

/// Reads a `struct timespec` timeout (NULL: forever): `EFAULT`, or `EINVAL` when invalid.
fn timespec_timeout(m: &mut Machine<Shims>, ts: In<Timespec>) -> VmResult<Result<Timeout, i64>> {
    if ts.is_null() {
        return Ok(Ok(Timeout::Forever));
    }
    Ok(match ts.read(m)? {
        None => Err(EFAULT),
        Some(t) if !t.is_valid() => Err(EINVAL),
        Some(t) if t.ns() == 0 => Ok(Timeout::NonBlocking),
        Some(t) => Ok(Timeout::After(t.ns())),
    })
}

/// The signal mask of `ppoll`/`pselect` (glibc passes `sizeof(sigset_t)` = 8): read
/// (`EFAULT`), and made the thread's mask for the call (`signal.rs`: restored when it returns,
/// or by the return of a handler that interrupted it).
fn swap_sigmask(s: &mut Shims, m: &mut Machine<Shims>, mask: u64) -> VmResult<Result<(), i64>> {
    if mask == 0 {
        return Ok(Ok(()));
    }
    Ok(match m.read_guest(mask, 8)? {
        Some(b) => {
            s.swap_mask(m, u64::from_le_bytes(b[..8].try_into().unwrap_or_default()));
            Ok(())
        }
        None => Err(EFAULT),
    })
}

fn deadline(m: &Machine<Shims>, t: Timeout) -> Option<u64> {
    match t {
        Timeout::After(ns) => Some(m.now().saturating_add(ns)),
        _ => None,
    }
}

fn poll_common(s: &mut Shims, m: &mut Machine<Shims>, addr: u64, nfds: u32, timeout: Timeout) -> VmResult<Ret> {
    let entries = match read_pollfds(s, m, addr, nfds)? {
        Ok(e) => e,
        Err(e) => return fail(m, e),
    };
    let w = PollWait { entries, form: Form::Poll { addr }, deadline: deadline(m, timeout), held: Vec::new(), waits_on: Vec::new() };
    s.poll_start(m, w, timeout)
}

/// `poll(fds, nfds, timeout)`: `timeout` in milliseconds, negative for no limit.
pub fn poll(s: &mut Shims, m: &mut Machine<Shims>, a: args::Poll) -> VmResult<Ret> {
    poll_common(s, m, a.fds.0, a.nfds.0, crate::epoll::timeout_from_ms(a.timeout.0))
}

/// `ppoll(fds, nfds, tmo_p, sigmask)`: a `struct timespec` timeout (NULL: no limit; glibc's
/// copy, so it is not written back), checked before the mask, which is checked before the fds.
pub fn ppoll(s: &mut Shims, m: &mut Machine<Shims>, a: args::Ppoll) -> VmResult<Ret> {
    let timeout = match timespec_timeout(m, a.tmo_p)? {
        Ok(t) => t,
        Err(e) => return fail(m, e),
    };
    if let Err(e) = swap_sigmask(s, m, a.sigmask.0)? {
        return fail(m, e);
    }
    let r = poll_common(s, m, a.fds.0, a.nfds.0, timeout);
    if !matches!(r, Ok(Ret::Blocked)) {
        s.unswap_mask(m);
    }
    r
}

/// The shared part of `select` and `pselect`: `nfds` checked (`EINVAL` below 0, capped at the
/// size of the fd table, [`spindle_fds::FdTable::table_size`]), the sets read (`EFAULT`), every fd named checked open (`EBADF`).
fn select_common(s: &mut Shims, m: &mut Machine<Shims>, nfds: i32, sets: [u64; 3], timeout: Timeout, timeval: u64) -> VmResult<Ret> {
    if nfds < 0 {
        return fail(m, EINVAL);
    }
    // The kernel's `core_sys_select`: `nfds` capped at the fd table's size, not the limit; a
    // bit at or above it is neither looked at nor written back.
    let n = (nfds as u32).min(s.fds.table_size() as u32);
    let words = (n as usize).div_ceil(64);
    let mut bits = [vec![0u64; words], vec![0u64; words], vec![0u64; words]];
    for (k, &set) in sets.iter().enumerate() {
        if set == 0 || words == 0 {
            continue;
        }
        let Some(b) = m.read_guest(set, words as u64 * 8)? else { return fail(m, EFAULT) };
        bits[k] = b.chunks(8).map(u64::decode).collect();
    }
    let mut entries = Vec::new();
    for fd in 0..n {
        let (w, b) = (fd as usize / 64, fd % 64);
        let events = (0..3).filter(|&k| bits[k][w] & 1 << b != 0).fold(0u16, |e, k| e | 1 << k);
        if events == 0 {
            continue;
        }
        if s.fds.lookup(fd as i32).is_err() {
            return fail(m, EBADF);
        }
        entries.push(Pollfd { fd: fd as i32, events, revents: 0 });
    }
    let w = PollWait {
        entries,
        form: Form::Select { sets, n, timeval },
        deadline: deadline(m, timeout),
        held: Vec::new(),
        waits_on: Vec::new(),
    };
    s.poll_start(m, w, timeout)
}

/// `select(nfds, readfds, writefds, exceptfds, timeout)`: a `struct timeval` timeout (NULL: no
/// limit), normalised as glibc does (`tv_usec` may exceed a second; a negative field is glibc's
/// EINVAL, before any system call), into which the time left is written when the call returns.
pub fn select(s: &mut Shims, m: &mut Machine<Shims>, a: args::Select) -> VmResult<Ret> {
    let (timeout, timeval) = if a.timeout.0 == 0 {
        (Timeout::Forever, 0)
    } else {
        let Some(b) = m.read_guest(a.timeout.0, Timeval::SIZE)? else { return fail(m, EFAULT) };
        let tv = Timeval::decode(&b);
        if tv.sec < 0 || tv.usec < 0 {
            // glibc's `select` refuses it without a system call: no trace line.
            s.trace_no_system_call();
            return fail(m, EINVAL);
        }
        let sec = tv.sec.saturating_add(tv.usec / 1_000_000);
        let nsec = (tv.usec % 1_000_000) * 1000;
        let ts = Timespec { sec, nsec };
        if !ts.is_valid() {
            return fail(m, EINVAL);
        }
        // A zero timeout is not written back (the kernel's `poll_select_finish`).
        if ts.ns() == 0 {
            (Timeout::NonBlocking, 0)
        } else {
            (Timeout::After(ts.ns()), a.timeout.0)
        }
    };
    select_common(s, m, a.nfds.0, [a.readfds.0, a.writefds.0, a.exceptfds.0], timeout, timeval)
}

/// `pselect(nfds, readfds, writefds, exceptfds, timeout, sigmask)`: a `struct timespec` timeout
/// (glibc's copy: not written back), checked before the mask.
pub fn pselect(s: &mut Shims, m: &mut Machine<Shims>, a: args::Pselect) -> VmResult<Ret> {
    let timeout = match timespec_timeout(m, a.timeout)? {
        Ok(t) => t,
        Err(e) => return fail(m, e),
    };
    if let Err(e) = swap_sigmask(s, m, a.sigmask.0)? {
        return fail(m, e);
    }
    let r = select_common(s, m, a.nfds.0, [a.readfds.0, a.writefds.0, a.exceptfds.0], timeout, 0);
    if !matches!(r, Ok(Ret::Blocked)) {
        s.unswap_mask(m);
    }
    r
}
