//! Data transfer on file descriptions: the one path that `read`, `write`, `recv` and `send` take.
//! It turns guest buffers into bytes (EFAULT for bad ones), blocks and retries, moves vector
//! clocks, and reports every readiness change through [`Shims::readiness_changed`].
//!
//! Blocking follows Linux: a thread blocked in a read or write holds its description (closing
//! the fd does not wake it), is woken when the description's readiness changes, and retries only
//! once the description is ready in its direction — a writer on a full socket sleeps until the
//! socket is writable again, not as soon as one byte would fit (fds/probes/blocking.c). Several
//! blocked readers all wake; the first to retry wins and the others block again.

use crate::consts::errno::*;
use crate::epoll::Events;
use crate::wake::{Cause, Wakeups};
use crate::{errno_of, fail, Shims};
use spindle_fds::{Description, DescriptionKind, FdId, IoError, Readiness};
use spindle_vm::clock::VClock;
use spindle_vm::{BlockReason, HostWait, Machine, Ret, Unblock, VmResult};

/// x86-64's `TASK_SIZE_MAX` with 4-level page tables: user addresses lie below it.
const TASK_SIZE_MAX: u64 = 0x7fff_ffff_f000;

/// The kernel's `access_ok(ptr, size)` on x86-64 (6.18, a size that is not a compile-time
/// constant): the range ends at or below `TASK_SIZE_MAX` without wrapping. `epoll_wait` checks
/// its buffer with it before anything is ready (probe errors.c: "wait KERNEL buffer: EFAULT",
/// "wait buffer ending past user space: EFAULT", "… ending exactly at the end of user space: 0").
/// Spindle's addresses encode an allocation id in their upper half, so its own allocations can
/// reach that range once there are many: an address that names an allocation is always user
/// memory, and only other addresses (made from an integer, `0xffff888000000000 as ptr`) get the
/// numeric check.
pub(crate) fn access_ok(ptr: u64, size: u64) -> bool {
    let end = ptr.wrapping_add(size);
    end >= ptr && end <= TASK_SIZE_MAX
}

/// `access_ok(buf, count)` as `read` and `write` apply it, with the count as given, before it is
/// clamped to `MAX_RW_COUNT` (`vfs_read`, `vfs_write`): `read(fd, buf, -1)` is EFAULT. A buffer
/// that names an allocation is user memory wherever its id puts it (see [`access_ok`]); its
/// range is refused when the count alone could not fit in user space — the only part of the
/// check that does not depend on where a native program's buffer would lie.
pub(crate) fn rw_range_ok(memory: &spindle_vm::memory::Memory, buf: u64, count: u64) -> bool {
    if memory.made(spindle_vm::memory::split(buf).0) {
        count <= TASK_SIZE_MAX
    } else {
        access_ok(buf, count)
    }
}

/// Linux caps every transfer at `MAX_RW_COUNT` = `INT_MAX & PAGE_MASK`.
pub(crate) const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// Reads never return more than a description buffers (a pipe 64 KiB, a socket ~220 KiB), so
/// the host-side buffer of a read is capped here, whatever count the guest passes.
const MAX_READ_BUFFER: u64 = 4 << 20;

#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadOp {
    pub call: &'static str,
    pub fd: i32,
    pub id: FdId,
    pub buf: u64,
    pub count: u64,
    /// `recv` rather than `read` (their zero-length and peek rules differ).
    pub recv: bool,
    pub peek: bool,
}

/// Writes of at most this many bytes keep them inline.
const INLINE_WRITE: usize = 16;

/// The bytes of a write, copied out of guest memory: inline up to [`INLINE_WRITE`] bytes (an
/// eventfd's 8), so that a small write allocates nothing.
#[derive(Clone, Debug)]
pub(crate) enum WriteBytes {
    Inline { bytes: [u8; INLINE_WRITE], len: u8 },
    Heap(Vec<u8>),
}

impl WriteBytes {
    fn empty() -> WriteBytes {
        WriteBytes::Inline { bytes: [0; INLINE_WRITE], len: 0 }
    }
}

impl std::ops::Deref for WriteBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            WriteBytes::Inline { bytes, len } => &bytes[..*len as usize],
            WriteBytes::Heap(v) => v,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct WriteOp {
    pub call: &'static str,
    pub fd: i32,
    pub id: FdId,
    pub data: WriteBytes,
    /// Bytes already written by earlier attempts of this (blocking) call.
    pub done: usize,
    pub send: bool,
    /// `MSG_NOSIGNAL`: a write that fails with `EPIPE` raises no SIGPIPE.
    pub nosignal: bool,
    /// The call blocked and was woken: it continues in Linux's wait loop (`resume_write`),
    /// whose answers differ from a fresh call's (a pending reset wins over EPIPE).
    pub resumed: bool,
}

/// The outcome of one attempt.
enum Attempt {
    Done(Ret),
    WouldBlock,
}

fn kind_name(k: DescriptionKind) -> &'static str {
    match k {
        DescriptionKind::Stdin => "stdin",
        DescriptionKind::Stdout => "stdout",
        DescriptionKind::Stderr => "stderr",
        DescriptionKind::EventFd => "an eventfd",
        DescriptionKind::PipeRead => "the read end of a pipe",
        DescriptionKind::PipeWrite => "the write end of a pipe",
        DescriptionKind::Socket => "a socket",
        DescriptionKind::Host => "an epoll instance or timerfd",
        DescriptionKind::RegularFile => "a regular file",
        DescriptionKind::Directory => "a directory",
        DescriptionKind::Device => "a device",
    }
}

impl Shims {
    /// `read`/`recv`: one attempt, then block (unless non-blocking) and retry.
    pub(crate) fn start_read(&mut self, m: &mut Machine<Shims>, op: ReadOp, nonblock: bool) -> VmResult<Ret> {
        match self.try_read(m, &op)? {
            Attempt::Done(r) => Ok(r),
            Attempt::WouldBlock if nonblock => fail(m, EAGAIN),
            Attempt::WouldBlock => {
                self.fds.hold(op.id);
                self.block_read(m, op);
                Ok(Ret::Blocked)
            }
        }
    }

    fn block_read(&mut self, m: &mut Machine<Shims>, op: ReadOp) {
        if self.is_timerfd(op.id) {
            self.arm_timerfds(m);
        }
        let what = self.fds.get(op.id).map_or("a closed description", |d| kind_name(d.kind()));
        let reason = HostWait {
            words: [op.call, what],
            number: op.fd.into(),
            describe: |w| format!("it is blocked in `{}` on fd {} ({}), waiting for data", w.words[0], w.number, w.words[1]),
        };
        // The operation waits with the thread, not in the callback: a callback that captures
        // nothing is not allocated.
        self.blocked_reads.insert(m.active_thread(), op);
        self.wait_on(
            m,
            op.id,
            reason,
            Box::new(|s: &mut Shims, m: &mut Machine<Shims>, kind| {
                let op = s.blocked_reads.remove(&m.active_thread()).expect("a blocked read is recorded");
                if kind == Unblock::Interrupted {
                    // -ERESTARTSYS: restarted with SA_RESTART, else EINTR.
                    s.interrupted_call(m, true);
                    return s.io_interrupted(m, op.id);
                }
                s.resume_read(m, op)
            }),
        );
    }

    fn resume_read(&mut self, m: &mut Machine<Shims>, op: ReadOp) -> VmResult<()> {
        let mut ready = self.fds.get(op.id).map(Description::readiness).unwrap_or_default();
        if self.is_timerfd(op.id) {
            ready.readable = self.timerfd_ticks(m, op.id) > 0;
        }
        if self.is_signalfd(op.id) {
            ready.readable = self.signalfd_readable(op.id);
        }
        if !(ready.readable || ready.hup || ready.error || ready.read_hup) {
            self.block_read(m, op);
            return Ok(());
        }
        match self.try_read(m, &op)? {
            Attempt::Done(Ret::Value(v)) => {
                m.set_return(v);
                self.release_hold(m, op.id)
            }
            Attempt::Done(Ret::Blocked) | Attempt::WouldBlock => {
                self.block_read(m, op);
                Ok(())
            }
        }
    }

    fn try_read(&mut self, m: &mut Machine<Shims>, op: &ReadOp) -> VmResult<Attempt> {
        self.note_readiness(op.id);
        if self.is_timerfd(op.id) && !op.recv {
            return Ok(match self.timerfd_read(m, op)? {
                Some(r) => {
                    // The count went to 0: epoll must see the lost EPOLLIN.
                    self.notify(m, Wakeups::touched(op.id, None).changed(Some(op.id)), Cause::Thread)?;
                    Attempt::Done(r)
                }
                None => Attempt::WouldBlock,
            });
        }
        if self.is_signalfd(op.id) && !op.recv {
            return Ok(match self.signalfd_read(m, op.id, op.buf, op.count)? {
                Some(r) => Attempt::Done(r),
                None => Attempt::WouldBlock,
            });
        }
        let Some(desc) = self.fds.get_mut(op.id) else { return fail(m, EBADF).map(Attempt::Done) };
        let count = op.count.min(MAX_RW_COUNT);
        let is_eventfd = desc.kind() == DescriptionKind::EventFd;
        let extent = m.memory.writable_extent(op.buf);
        // An epoll fd has no read method: EINVAL before the buffer is looked at (diff scenario
        // `known_epoll_fd_null_io`).
        if matches!(desc, Description::Host(_)) {
            return fail(m, EINVAL).map(Attempt::Done);
        }
        let mut count = count;
        let mut eof_probe = false;
        if count > 0 && extent == 0 && !is_eventfd {
            // Nothing of the buffer is writable: with data to copy, the kernel faults (and keeps
            // the data, fds/probes pipe); with none, it reports EOF (or a reset), or blocks.
            let has_data = match &*desc {
                Description::Pipe(p) => p.buffered() > 0,
                Description::Socket(s) => s.unread() > 0,
                Description::File(f) => f.unread() > 0,
                _ => false,
            };
            let r = desc.readiness();
            if has_data {
                return fail(m, EFAULT).map(Attempt::Done);
            }
            if !(r.readable || r.hup || r.read_hup || r.error) {
                return Ok(Attempt::WouldBlock);
            }
            // At EOF a read copies nothing: let the description answer (0, or ECONNRESET).
            count = 1;
            eof_probe = true;
        }
        // An eventfd read faults *after* consuming the counter (shims/probes/fdcalls.c), so it
        // reads with the full count; a pipe or socket read copies only into valid memory, which
        // makes a short read where Linux would stop at the fault.
        let cap = if is_eventfd || eof_probe { count } else { count.min(extent) }.min(MAX_READ_BUFFER);
        let peer_charge = desc.peer().and_then(|p| self.fds.get(p)).and_then(|d| d.as_socket()).map(|s| s.send_charge());
        let Some(desc) = self.fds.get_mut(op.id) else { return fail(m, EBADF).map(Attempt::Done) };
        // A small read (an eventfd's 8 bytes) copies through the stack, not a fresh allocation.
        let mut small = [0u8; 64];
        let mut big;
        let tmp: &mut [u8] = if cap as usize <= small.len() {
            &mut small[..cap as usize]
        } else {
            big = vec![0u8; cap as usize];
            &mut big
        };
        let mut acquired = VClock::new();
        let r = if op.recv { desc.recv(tmp, op.peek, &mut acquired) } else { desc.read(tmp, &mut acquired) };
        match r {
            Ok(n) => {
                m.acquire_clock(&acquired);
                let ok = m.write_guest(op.buf, &tmp[..n])?;
                let on = self.on(op.id);
                let mut w = Wakeups::touched(op.id, on.and_then(|on| on.peer));
                if let (Some(on), false) = (on, op.peek) {
                    // A socket read that freed send space of a peer that is now writable wakes it.
                    let peer_space = on.peer.is_some_and(|p| {
                        let freed = self.fds.get(p).and_then(|d| d.as_socket()).map(|s| s.send_charge()) < peer_charge;
                        freed && self.epoll_events(m, p).contains(Events::OUT)
                    });
                    w = w.after_read(on, n, peer_space);
                }
                self.notify(m, w, Cause::Thread)?;
                if !ok {
                    return fail(m, EFAULT).map(Attempt::Done);
                }
                Ok(Attempt::Done(Ret::Value(n as u64)))
            }
            Err(IoError::WouldBlock) => Ok(Attempt::WouldBlock),
            Err(e) => {
                // Some errors change state (a socket's pending ECONNRESET is consumed, and with
                // it EPOLLERR): epoll must see the new readiness too.
                self.notify(m, Wakeups::touched(op.id, self.fds.peer_of(op.id)).changed(Some(op.id)), Cause::Thread)?;
                fail(m, errno_of(e)).map(Attempt::Done)
            }
        }
    }

    /// `write`/`send`: one attempt, then block (unless non-blocking) until every byte is written.
    pub(crate) fn start_write(&mut self, m: &mut Machine<Shims>, op: WriteOp, nonblock: bool) -> VmResult<Ret> {
        match self.try_write(m, op, nonblock)? {
            (Attempt::Done(r), _) => Ok(r),
            (Attempt::WouldBlock, _) if nonblock => fail(m, EAGAIN),
            (Attempt::WouldBlock, op) => {
                self.fds.hold(op.id);
                self.block_write(m, op);
                Ok(Ret::Blocked)
            }
        }
    }

    fn block_write(&mut self, m: &mut Machine<Shims>, op: WriteOp) {
        let what = self.fds.get(op.id).map_or("a closed description", |d| kind_name(d.kind()));
        let reason = HostWait {
            words: [op.call, what],
            number: op.fd.into(),
            describe: |w| format!("it is blocked in `{}` on fd {} ({}), waiting for room to write", w.words[0], w.number, w.words[1]),
        };
        let id = op.id;
        self.wait_on(
            m,
            id,
            reason,
            Box::new(move |s: &mut Shims, m: &mut Machine<Shims>, kind| {
                if kind == Unblock::Interrupted {
                    if op.done > 0 {
                        // A write interrupted after some bytes returns them.
                        m.set_return(op.done as u64);
                    } else {
                        s.interrupted_call(m, true);
                    }
                    return s.io_interrupted(m, id);
                }
                s.resume_write(m, op)
            }),
        );
    }

    fn resume_write(&mut self, m: &mut Machine<Shims>, mut op: WriteOp) -> VmResult<()> {
        let ready = self.fds.get(op.id).map(Description::readiness).unwrap_or_default();
        // Retry once writable (Linux's writer wakeup), or when the write now fails: a send side
        // shut down by SHUT_WR or by the peer's SHUT_RD reports neither OUT nor HUP, but Linux's
        // wait loop sees the shutdown and returns EPIPE (fds/probes/blocking.c). A zero-length
        // write asks without side effects.
        let fails_now = self.fds.get_mut(op.id).is_some_and(|d| matches!(d.write(&[], &VClock::new()), Err(e) if e != IoError::WouldBlock));
        if !(ready.writable || ready.hup || ready.error || fails_now) {
            self.block_write(m, op);
            return Ok(());
        }
        op.resumed = true;
        let id = op.id;
        match self.try_write(m, op, false)? {
            (Attempt::Done(Ret::Value(v)), _) => {
                m.set_return(v);
                self.release_hold(m, id)
            }
            (_, op) => {
                self.block_write(m, op);
                Ok(())
            }
        }
    }

    /// One attempt. A blocking write that wrote part of its data comes back as `WouldBlock`
    /// with `done` advanced; an error after partial progress returns the progress, as Linux does.
    fn try_write(&mut self, m: &mut Machine<Shims>, mut op: WriteOp, nonblock: bool) -> VmResult<(Attempt, WriteOp)> {
        self.note_readiness(op.id);
        let Some(desc) = self.fds.get_mut(op.id) else { return Ok((Attempt::Done(fail(m, EBADF)?), op)) };
        let clock = m.current_clock();
        // Whether this round of a pipe write starts on an empty pipe (Linux's `was_empty`).
        let was_empty = desc.peer().and_then(|p| self.fds.get(p)).and_then(|d| d.as_pipe()).is_some_and(|p| p.buffered() == 0);
        let Some(desc) = self.fds.get_mut(op.id) else { return Ok((Attempt::Done(fail(m, EBADF)?), op)) };
        let rest = &op.data[op.done..];
        let r = if op.resumed {
            desc.resume_write(rest, &clock)
        } else if op.send {
            desc.send(rest, &clock)
        } else {
            desc.write(rest, &clock)
        };
        match r {
            Ok(n) => {
                if n > 0 {
                    m.advance_clock();
                }
                if let Description::Stdio(s) = desc {
                    let (stream, out) = (s.stream(), s.take_output());
                    self.console_write(m, stream, &out);
                }
                op.done += n;
                if n > 0 {
                    self.buffered(m, n)?;
                }
                let finished = op.done >= op.data.len() || nonblock;
                let on = self.on(op.id);
                let mut w = Wakeups::touched(op.id, on.and_then(|on| on.peer));
                if let Some(on) = on {
                    // A blocking pipe write about to sleep wakes the reader only if this round
                    // began on an empty pipe; it always does when it finishes
                    // (programs/epoll/edges_pipe_blocking_write.mir).
                    w = if on.kind != DescriptionKind::PipeWrite || finished || was_empty {
                        w.after_write(on, Some(n))
                    } else {
                        w.after_pipe_write_round(on)
                    };
                }
                self.notify(m, w, Cause::Thread)?;
                if op.done < op.data.len() && !nonblock {
                    return Ok((Attempt::WouldBlock, op));
                }
                Ok((Attempt::Done(Ret::Value(op.done as u64)), op))
            }
            Err(IoError::WouldBlock) => {
                // A non-blocking write that finds a full pipe still wakes the reader; a blocking
                // one about to sleep on it does not (shims/probes/epoll/edges.c).
                if let (Some(on), true) = (self.on(op.id), nonblock && !op.data.is_empty()) {
                    self.notify(m, Wakeups::none().after_write(on, None), Cause::Thread)?;
                }
                Ok((Attempt::WouldBlock, op))
            }
            Err(e) => {
                self.notify(m, Wakeups::touched(op.id, self.fds.peer_of(op.id)), Cause::Thread)?;
                if op.done > 0 {
                    return Ok((Attempt::Done(Ret::Value(op.done as u64)), op));
                }
                if e == IoError::BrokenPipe && !op.nosignal {
                    // `pipe_write`, `unix_stream_sendmsg`: SIGPIPE to the writer, then EPIPE.
                    self.raise_sigpipe(m)?;
                }
                Ok((Attempt::Done(fail(m, errno_of(e))?), op))
            }
        }
    }

    /// Copies the bytes of a `write` out of guest memory: the readable prefix of the buffer.
    /// `Err` is the errno when nothing can be read (EFAULT), or an eventfd's partial buffer.
    pub(crate) fn write_data(&mut self, m: &mut Machine<Shims>, id: FdId, buf: u64, count: u64) -> VmResult<Result<WriteBytes, i64>> {
        let count = count.min(MAX_RW_COUNT);
        if count == 0 {
            return Ok(Ok(WriteBytes::empty()));
        }
        let extent = m.memory.readable_extent(buf);
        let is_eventfd = self.fds.get(id).is_some_and(|d| d.kind() == DescriptionKind::EventFd);
        // An epoll fd or timerfd has no write method: EINVAL before the buffer is looked at.
        if self.fds.get(id).is_some_and(|d| matches!(d, Description::Host(_))) {
            return Ok(Err(EINVAL));
        }
        // A full pipe is checked before the bytes are copied: a non-blocking write there is EAGAIN
        // whatever the buffer (diff scenario `null_write_to_full_pipe`) — unless the write starts
        // by merging into the last slot, which copies first (`null_write_merging_into_full_pipe`).
        // (A socket that is not writable by the quarter-of-SO_SNDBUF rule may still take data,
        // so the copy comes first.)
        let full = self.fds.get(id).is_some_and(|d| {
            let r = d.readiness();
            d.kind() == DescriptionKind::PipeWrite
                && !(r.writable || r.error || r.hup)
                && !d.as_pipe().is_some_and(|p| p.write_merges(count as usize))
        });
        if extent == 0 && full && self.fds.status_flags(id).is_some_and(|f| f.nonblock) {
            return Ok(Err(EAGAIN));
        }
        // An eventfd copies its 8 bytes first: a short buffer is EFAULT (fdcalls.c); a pipe or
        // socket writes what it can copy, and faults only when it can copy nothing.
        if extent == 0 || is_eventfd && extent < count.min(8) {
            return Ok(Err(EFAULT));
        }
        let len = count.min(extent);
        if len as usize <= INLINE_WRITE {
            let mut bytes = [0u8; INLINE_WRITE];
            return Ok(if m.read_guest_into(buf, &mut bytes[..len as usize])? {
                Ok(WriteBytes::Inline { bytes, len: len as u8 })
            } else {
                Err(EFAULT)
            });
        }
        match m.read_guest(buf, len)? {
            Some(d) => Ok(Ok(WriteBytes::Heap(d))),
            None => Ok(Err(EFAULT)),
        }
    }

    // ---- readiness and waiting ------------------------------------------------------------

    /// Parks the active thread on description `id` until its readiness changes.
    pub(crate) fn wait_on(&mut self, m: &mut Machine<Shims>, id: FdId, reason: HostWait, cb: spindle_vm::Callback<Shims>) {
        self.state.get_or_default(id).waiters.push(m.active_thread());
        m.block_thread(BlockReason::Host(reason), None, cb);
    }

    /// A touched description (see [`Shims::notify`], the only caller): releases the acting
    /// thread's clock into the description's readiness clock if the operation woke its queue
    /// (`woken`) or changed its readiness, and wakes every thread blocked on the description
    /// (each retries or blocks again).
    pub(crate) fn readiness_changed(&mut self, m: &mut Machine<Shims>, id: FdId, cause: Cause, woken: bool) -> VmResult<()> {
        if !self.fds.is_live(id) {
            return Ok(());
        }
        let now = self.fds.get(id).map(Description::readiness).unwrap_or_default();
        let st = self.state.get_or_default(id);
        let before = st.last_readiness.replace(now);
        if cause == Cause::Thread && (woken || before != Some(now)) {
            m.release_clock_into(&mut st.ready_clock);
        }
        if st.waiters.is_empty() {
            return Ok(());
        }
        let mut woken = std::mem::take(&mut st.waiters);
        for &t in &woken {
            m.unblock_thread(self, t)?;
        }
        // The emptied vector's room serves the next waiters (a thread that blocks again at
        // every round trip would otherwise allocate it afresh each time).
        if let Some(st) = self.state.get_mut(id) {
            if st.waiters.is_empty() {
                woken.clear();
                st.waiters = woken;
            }
        }
        Ok(())
    }

    /// Records `id`'s readiness before an operation on it, if nothing has yet (it has not
    /// changed since the description was made): what [`Self::readiness_changed`] compares with.
    fn note_readiness(&mut self, id: FdId) {
        if self.state.get(id).is_some_and(|st| st.last_readiness.is_some()) {
            return;
        }
        if let Some(d) = self.fds.get(id) {
            self.state.get_or_default(id).last_readiness = Some(d.readiness());
        }
    }

    /// A description was destroyed (its last fd closed, nothing holding it): its state goes
    /// with it, its interests leave every epoll instance, and its peer is told.
    pub(crate) fn destroyed(&mut self, m: &mut Machine<Shims>, d: spindle_fds::Destroyed) -> VmResult<()> {
        if self.state.remove(d.id).is_some_and(|s| s.timer.is_some()) {
            // A closed timerfd's timer is gone with it.
            self.live_timerfds -= 1;
            m.cancel_timer(d.id.0);
        }
        let w = match d.peer {
            Some(p) => Wakeups::touched(p, None),
            None => Wakeups::none(),
        };
        self.epolls.destroyed(d.id);
        self.signalfd_destroyed(d.id);
        self.notify(m, w.after_destroy(d.peer), Cause::Thread)
    }

    /// A blocked read or write of `id` was interrupted by a signal: it no longer waits.
    fn io_interrupted(&mut self, m: &mut Machine<Shims>, id: FdId) -> VmResult<()> {
        let me = m.active_thread();
        if let Some(st) = self.state.get_mut(id) {
            st.waiters.retain(|&t| t != me);
        }
        self.release_hold(m, id)
    }

    /// A blocked operation is over: let go of the description it held.
    fn release_hold(&mut self, m: &mut Machine<Shims>, id: FdId) -> VmResult<()> {
        match self.fds.release(id) {
            Some(d) => self.destroyed(m, d),
            None => Ok(()),
        }
    }

    /// The readiness a description would report to poll or epoll.
    pub fn readiness(&self, id: FdId) -> Readiness {
        self.fds.get(id).map(Description::readiness).unwrap_or_default()
    }
}
