//! One wake path. Every fd operation says what it woke as data — a [`Wakeups`]: the descriptions
//! it touched (their blocked readers and writers retry, and their readiness clocks receive the
//! acting thread's clock) and, in order, the wait-queue wake-ups it caused (Linux's
//! `wake_up_poll(queue, key)`, or a readiness change with no wakeup of its own). The rules that
//! map an operation to its wake-ups are written once, here ([`Wakeups::after_read`],
//! [`Wakeups::after_write`], …; the table in `epoll/mod.rs` cites the probes behind them), and
//! [`Shims::notify`] is the one function that serves them: blocked reads and writes, epoll
//! interests, and whatever else comes to sleep on a description (poll, select, signalfd).
//!
//! The fd layer stays ignorant of all this: it reports readiness and "would block"; the shims
//! own the waiters.

use crate::epoll::{keys, Wake};
use crate::Shims;
use spindle_fds::{DescriptionKind, FdId};
use spindle_vm::{Machine, VmResult};

/// One wake-up of a description's wait queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeUp {
    /// `wake_up_poll(queue, key)` (or `wake_up_all` for [`Wake::All`]), `times` times in a row
    /// (a socket write wakes its peer once per skb queued).
    Queue { id: FdId, wake: Wake, times: usize },
    /// The description's readiness may have changed; nothing woke its queue (epoll re-polls it,
    /// so a level-triggered interest may be dropped or queued, but no edge is seen).
    Changed(FdId),
}

/// Who caused the wake-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The active thread's operation: its clock is released into the readiness clock of every
    /// description it touched.
    Thread,
    /// A timer expiry: nobody's action, it releases no clock.
    Expiry,
}

/// At most this many queue wake-ups per operation (a read touches its description and its peer).
const MAX_QUEUES: usize = 2;

/// What one operation woke, as data: built by the rules below, served by [`Shims::notify`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use = "wake-ups must be served with Shims::notify"]
pub(crate) struct Wakeups {
    /// Descriptions whose readiness may have changed, in order: threads blocked on them retry.
    /// With each, whether the operation wakes its queue (see [`Wakeups::touched`]).
    touched: [Option<(FdId, bool)>; 2],
    /// The wait-queue wake-ups, in order.
    queues: [Option<WakeUp>; MAX_QUEUES],
}

/// What the rules need to know of the description an operation was on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct On {
    pub id: FdId,
    pub kind: DescriptionKind,
    pub peer: Option<FdId>,
}

impl Wakeups {
    /// Nothing woken.
    pub fn none() -> Wakeups {
        Wakeups::default()
    }

    /// An operation on `id` touched it and its peer, if any: their blocked threads retry. With a
    /// peer, the operation wakes the peer's queue, and `id`'s only if `id`'s readiness changed
    /// (Linux's `pipe_write` wakes only `pipe->rd_wait`; a socket send, the peer); without one
    /// (an eventfd, a timerfd), it wakes `id`'s own queue. A description whose queue is not
    /// woken does not receive the acting thread's clock: a waiter for a readiness the operation
    /// did not cause must not synchronise with it.
    pub fn touched(id: FdId, peer: Option<FdId>) -> Wakeups {
        Wakeups { touched: [Some((id, peer.is_none())), peer.map(|p| (p, true))], ..Wakeups::default() }
    }

    /// Adds a queue wake-up.
    pub fn then(mut self, w: WakeUp) -> Wakeups {
        match self.queues.iter_mut().find(|q| q.is_none()) {
            Some(slot) => *slot = Some(w),
            None => debug_assert!(false, "more than {MAX_QUEUES} queue wake-ups in one operation"),
        }
        self
    }

    /// Adds `id`'s readiness change (no wakeup), if there is an `id`.
    pub fn changed(self, id: Option<FdId>) -> Wakeups {
        match id {
            Some(id) => self.then(WakeUp::Changed(id)),
            None => self,
        }
    }

    /// Adds a wake-up of `id`'s queue with `wake`, if there is an `id`.
    pub fn wake(self, id: Option<FdId>, wake: Wake, times: usize) -> Wakeups {
        match id {
            Some(id) if times > 0 => self.then(WakeUp::Queue { id, wake, times }),
            _ => self,
        }
    }

    /// The wait-queue wake-ups, in order.
    pub fn queues(&self) -> impl Iterator<Item = WakeUp> + '_ {
        self.queues.iter().flatten().copied()
    }

    /// A successful read of `n` bytes (any successful eventfd read); `peer_space` says that it
    /// freed send space of the peer socket and the peer is writable now.
    pub fn after_read(self, on: On, n: usize, peer_space: bool) -> Wakeups {
        match on.kind {
            DescriptionKind::EventFd => self.wake(Some(on.id), Wake::Key(keys::EVENTFD_READ), 1),
            // The write end gains OUT exactly when a slot of a full pipe was freed.
            DescriptionKind::PipeRead if n > 0 => self.changed(Some(on.id)).changed(on.peer),
            DescriptionKind::Socket if n > 0 => {
                let peer = if peer_space { self.wake(on.peer, Wake::Key(keys::SOCKET_SPACE), 1) } else { self.changed(on.peer) };
                peer.changed(Some(on.id))
            }
            _ => self,
        }
    }

    /// A write that wrote `n` bytes, or (`None`) failed with `EAGAIN` while having data to write.
    pub fn after_write(self, on: On, n: Option<usize>) -> Wakeups {
        match on.kind {
            // Every successful eventfd write is an edge, 0 included.
            DescriptionKind::EventFd if n.is_some() => self.wake(Some(on.id), Wake::Key(keys::EVENTFD_WRITE), 1),
            // Every pipe write of at least one byte is an edge for the reader, even one that
            // fails with EAGAIN on a full pipe.
            DescriptionKind::PipeWrite if n != Some(0) => self.wake(on.peer, Wake::Key(keys::PIPE_WRITE), 1).changed(Some(on.id)),
            // One wakeup of the peer per skb queued.
            DescriptionKind::Socket if n.is_some_and(|n| n > 0) => {
                let skbs = n.unwrap_or(0).div_ceil(spindle_fds::socket::SKB_MAX_PAYLOAD);
                self.wake(on.peer, Wake::Key(keys::SOCKET_DATA), skbs).changed(Some(on.id))
            }
            _ => self,
        }
    }

    /// A round of a blocking pipe write that is about to sleep on a pipe that was not empty when
    /// the round began: it wakes nobody, but both ends' readiness moved
    /// (programs/epoll/edges_pipe_blocking_write.mir).
    pub fn after_pipe_write_round(self, on: On) -> Wakeups {
        self.changed(on.peer).changed(Some(on.id))
    }

    /// `shutdown`: both ends' queues are woken with no key.
    pub fn after_shutdown(self, on: On) -> Wakeups {
        self.wake(Some(on.id), Wake::All, 1).wake(on.peer, Wake::All, 1)
    }

    /// A description is gone: its peer's queue is woken with no key.
    pub fn after_destroy(self, peer: Option<FdId>) -> Wakeups {
        self.wake(peer, Wake::All, 1)
    }
}

impl Shims {
    /// The facts the rules need about description `id` (`None` once it is gone).
    pub(crate) fn on(&self, id: FdId) -> Option<On> {
        self.fds.get(id).map(|d| On { id, kind: d.kind(), peer: d.peer() })
    }

    /// The one notify path: serves an operation's wake-ups. Threads blocked in a read or write
    /// of a touched description retry (in order), and the readiness clock of a description whose
    /// queue was woken receives the acting thread's clock (for [`Cause::Thread`]); then every
    /// queue wake-up is handed to the epoll core, whose woken waits are delivered.
    pub(crate) fn notify(&mut self, m: &mut Machine<Shims>, w: Wakeups, cause: Cause) -> VmResult<()> {
        for (id, woken) in w.touched.into_iter().flatten() {
            self.readiness_changed(m, id, cause, woken)?;
        }
        if !self.epoll_used {
            return self.recheck_polls(m);
        }
        for q in w.queues() {
            match q {
                WakeUp::Queue { id, wake, times } => {
                    for _ in 0..times {
                        self.epoll_wakeup(m, id, wake, cause)?;
                    }
                }
                WakeUp::Changed(id) => self.epoll_changed(m, id, cause)?,
            }
        }
        self.recheck_polls(m)
    }
}

impl Shims {
    /// Wakes threads asleep on something that is not a description (a futex word): the acting
    /// thread's clock is released once and handed to each, in order (docs/syscalls.md, `futex`:
    /// a wake synchronises with the waiters it wakes).
    pub(crate) fn wake_threads(&mut self, m: &mut Machine<Shims>, threads: Vec<spindle_vm::ThreadId>) -> VmResult<()> {
        if threads.is_empty() {
            return Ok(());
        }
        let clock = m.release_clock();
        for t in threads {
            self.futexes.handoff = clock.clone();
            m.unblock_thread(self, t)?;
        }
        self.futexes.handoff = None;
        Ok(())
    }
}
