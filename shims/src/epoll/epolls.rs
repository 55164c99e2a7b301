//! [`Epolls`]: every epoll instance of a run, the wait queues of the descriptions they watch, and
//! the types of the core's API. The operations live in `ctl.rs`, `wake.rs` and `harvest.rs`.

use super::errno::Errno;
use super::events::{EpollEvent, Events};
use super::instance::Instance;
use super::nesting::NestingGraph;
use super::waiters::{WaitBuffer, Waiter, WaiterId};
use super::watch::WatchTable;
use spindle_fds::{FdId, FdNum, IdMap};
use std::collections::VecDeque;

/// One delivered event: what `epoll_wait` copies out, plus the description it is about (whose
/// readiness clock the waiting thread acquires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The description's current readiness ∩ the interest's mask.
    pub events: Events,
    pub data: u64,
    /// The watched description (for a nested instance: the inner epoll's description).
    pub fd: FdId,
}

/// A blocked `epoll_wait` that is over: unblock `waiter` and return `result` (`Ok` with at least
/// one event, or `Err(EFAULT)` when the first event could not be copied out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub epoll: FdId,
    pub waiter: WaiterId,
    pub result: Result<Vec<Event>, Errno>,
}

/// What an operation did besides its own result.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[must_use = "deliveries name blocked threads that must be unblocked"]
pub struct Outcome {
    /// Blocked waits that are over, in the order their threads were woken.
    pub deliveries: Vec<Delivery>,
    /// Epoll instances whose own wait queue was woken (Linux's `ep->poll_wait`): outer epoll
    /// interests are already handled by the core; a shim that lets threads `poll(2)` an epoll fd
    /// wakes them here. In order, without repetitions.
    pub polled: Vec<FdId>,
}

impl Outcome {
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.polled.is_empty()
    }
}

/// The result of [`Epolls::wait`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitResult {
    /// The call returns now: events (empty for a non-blocking wait that found nothing), or
    /// `EFAULT`.
    Done(Result<Vec<Event>, Errno>),
    /// The waiter is queued; it comes back in a later [`Outcome::deliveries`], or the shim
    /// cancels it at its timeout with [`Epolls::cancel_wait`].
    Blocked,
}

/// A wakeup of a description's wait queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// `wake_up_*_poll(wq, key)`: reaches the interests whose mask shares a bit with `key`, and
    /// stops after the first `EPOLLEXCLUSIVE` interest that woke a thread. Keys:
    /// [`super::keys`].
    Key(Events),
    /// `wake_up_*_all(wq)` with no key (hang-up: `pipe_release`, `sock_def_wakeup`): reaches
    /// every interest, exclusive or not (probe `exclusive.c`: "pipe read end in three instances
    /// EXCLUSIVE|IN, a thread on each, write end closed: thread on E1/E2/E3 got: `[E_n:HUP]`").
    All,
}

/// The target of an `epoll_ctl`, as the shim resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetFd {
    pub id: FdId,
    /// The fd number it was named by (part of the interest's key).
    pub num: FdNum,
    /// Its current readiness (`Events::from_readiness`), or `None` if it cannot be polled
    /// (→ `EPERM`). Ignored when `id` is an epoll instance (the core polls it itself).
    pub readiness: Option<Events>,
}

/// An `epoll_ctl` call, as the shim decoded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CtlRequest {
    pub op: i32,
    /// The event read from the guest; `None` if the pointer could not be read (ignored for
    /// `EPOLL_CTL_DEL`).
    pub event: Option<EpollEvent>,
    /// `epfd`'s description, `None` if not open.
    pub epfd: Option<FdId>,
    /// `fd`'s description, `None` if not open.
    pub fd: Option<TargetFd>,
}

/// Every epoll instance of a run, and the wait queues of the descriptions they watch.
#[derive(Debug, Default)]
pub struct Epolls {
    /// By description id (boxed: a closed instance's hole costs a pointer).
    pub(super) instances: IdMap<Box<Instance>>,
    pub(super) watch: WatchTable,
    /// Waiters woken during the current operation, not yet served: Linux wakes a thread in the
    /// waker's call and the thread collects its events when it runs, after the waker's wakeup
    /// callbacks are done (probe `scenarios.c` 5.3.1: two interests' callbacks wake two
    /// threads; the first to run takes both events and the other sleeps again).
    pub(super) woken: VecDeque<(FdId, Waiter)>,
    pub(super) polled: Vec<FdId>,
    /// Entries polled (readiness re-checked) and wakeup callbacks run: the work counter the
    /// cost tests read.
    pub(super) work: u64,
    /// Set by [`Epolls::defer_harvest`]: operations leave the woken waiters to
    /// [`Epolls::serve_woken`].
    pub(super) defer: bool,
    /// Empty vectors with room, handed back by the shim ([`Epolls::recycle`],
    /// [`Epolls::recycle_events`]) or kept from the last wait: an operation that wakes a waiter
    /// would otherwise allocate its outcome's vectors and the waiter's events afresh.
    pub(super) spare_deliveries: Vec<Delivery>,
    pub(super) spare_events: Vec<Event>,
    pub(super) spare_slots: Vec<super::interest::Slot>,
}

impl Epolls {
    pub fn new() -> Self {
        Self::default()
    }

    /// `epoll_create`/`epoll_create1` made description `id` (after [`super::check_create1`]).
    pub fn create(&mut self, id: FdId) {
        self.instances.get_or_default(id);
    }

    /// Whether `id` is an epoll instance.
    pub fn is_epoll(&self, id: FdId) -> bool {
        self.instances.contains_key(id)
    }

    /// Whether `(fd, num)` is registered in `ep`, and if so whether it is exclusive.
    pub fn registered(&self, ep: FdId, fd: FdId, num: FdNum) -> Option<bool> {
        let inst = self.instances.get(ep)?;
        inst.interests.find((fd, num)).map(|s| inst.interests.get(s).exclusive())
    }

    /// The number of interests of `ep`.
    pub fn interest_count(&self, ep: FdId) -> usize {
        self.instances.get(ep).map_or(0, |i| i.interests.len())
    }

    /// `ep`'s interests by key: `(description, fd number, event mask, data)` — what
    /// `/proc/self/fdinfo` shows, one `tfd:` line each.
    pub fn interests(&self, ep: FdId) -> Vec<(FdId, FdNum, u32, u64)> {
        let Some(inst) = self.instances.get(ep) else { return vec![] };
        inst.interests.all().into_iter().map(|s| inst.interests.get(s)).map(|it| (it.key.0, it.key.1, it.events.0, it.data)).collect()
    }

    /// `ep`'s ready list, head first, as `(description, fd number)` (for traces and tests).
    pub fn ready_list(&self, ep: FdId) -> Vec<(FdId, FdNum)> {
        let Some(inst) = self.instances.get(ep) else { return vec![] };
        inst.ready.iter().map(|s| inst.interests.get(s).key).collect()
    }

    /// `ep`'s blocked waiters, the next to be woken first.
    pub fn waiters(&self, ep: FdId) -> Vec<WaiterId> {
        self.instances.get(ep).map_or(vec![], |i| i.waiters.ids())
    }

    /// Description `fd` was destroyed (its last fd closed and nothing holds it): every interest
    /// in it disappears silently, queued events included, without waking anyone (probe
    /// `scenarios.c`: "5.1.7 closed_fd ET write then close: `[]`", "5.2.9 ... wait 30ms while the fd
    /// is closed at 10ms: `[]`"; `lifetime.c`: "a, b, c queued, b closed: `[a:IN, c:IN]`"). If `fd`
    /// is an epoll instance, the instance goes too, and with it its interests (probe `nested.c`:
    /// "inner closed (its last fd): outer `[]`"). The shim calls this *before* telling a peer
    /// (Linux's `__fput` runs `eventpoll_release` before the file's `release`).
    pub fn destroyed(&mut self, fd: FdId) {
        for w in self.watch.queue_of(fd) {
            self.remove_interest(w.ep, w.slot);
        }
        if let Some(inst) = self.instances.get(fd) {
            for s in inst.interests.all() {
                self.remove_interest(fd, s);
            }
            self.instances.remove(fd);
        }
    }

    /// From now on, operations do not serve the waiters they wake: the shim serves them with
    /// [`Epolls::serve_woken`] right after each operation, giving each waiter's buffer as it is
    /// *then* — a blocked thread's buffer may have been freed since it blocked, and Linux copies
    /// the events out when the woken thread collects them (the first copy that faults fails the
    /// wait with `EFAULT` and leaves its event queued).
    pub fn defer_harvest(&mut self) {
        self.defer = true;
    }

    /// Serves the waiters woken by the last operations (see [`Epolls::defer_harvest`]), in wake
    /// order; `buffer(waiter, as_blocked)` gives the waiter's buffer now.
    pub fn serve_woken(&mut self, mut buffer: impl FnMut(WaiterId, WaitBuffer) -> WaitBuffer) -> Outcome {
        self.serve(&mut buffer)
    }

    /// Serves the waiters woken by the operation, in wake order: each collects its events now;
    /// one that finds none blocks again (at the head of its queue, as Linux re-queues a thread
    /// woken for nothing). With [`Epolls::defer_harvest`], they are left to
    /// [`Epolls::serve_woken`].
    pub(super) fn finish(&mut self) -> Outcome {
        if self.defer {
            return Outcome { deliveries: vec![], polled: std::mem::take(&mut self.polled) };
        }
        self.serve(&mut |_, buf| buf)
    }

    /// Whether [`Epolls::serve_woken`] would find nothing: no woken waiter to serve, no instance
    /// whose own queue was woken. A shim may then skip it.
    pub fn nothing_to_serve(&self) -> bool {
        self.woken.is_empty() && self.polled.is_empty()
    }

    /// Takes back an outcome the caller has served (emptied or not): the room of its vectors is
    /// used by the next operations' outcomes.
    pub fn recycle(&mut self, mut out: Outcome) {
        if self.polled.capacity() == 0 {
            out.polled.clear();
            self.polled = out.polled;
        }
        if self.spare_deliveries.capacity() == 0 {
            out.deliveries.clear();
            self.spare_deliveries = out.deliveries;
        }
    }

    /// Takes back the events of a delivery or a wait, once copied out: the next wait collects
    /// into their room.
    pub fn recycle_events(&mut self, mut events: Vec<Event>) {
        if self.spare_events.capacity() == 0 {
            events.clear();
            self.spare_events = events;
        }
    }

    fn serve(&mut self, buffer: &mut dyn FnMut(WaiterId, WaitBuffer) -> WaitBuffer) -> Outcome {
        let mut out = Outcome { deliveries: std::mem::take(&mut self.spare_deliveries), polled: Vec::new() };
        while let Some((ep, w)) = self.woken.pop_front() {
            if !self.is_epoll(ep) {
                continue;
            }
            let w = Waiter { id: w.id, buf: buffer(w.id, w.buf) };
            match self.send_events(ep, w.buf) {
                Ok(events) if events.is_empty() => {
                    self.recycle_events(events);
                    self.instances.get_mut(ep).expect("checked").waiters.block(w);
                }
                result => out.deliveries.push(Delivery { epoll: ep, waiter: w.id, result }),
            }
        }
        out.polled = std::mem::take(&mut self.polled);
        out
    }

    /// Wakes the next waiter of `ep`, if any (`wake_up(&ep->wq)`); returns whether one was.
    pub(super) fn wake_one_waiter(&mut self, ep: FdId) -> bool {
        let inst = self.instances.get_mut(ep).expect("waking a live instance");
        match inst.waiters.wake_one() {
            Some(w) => {
                self.woken.push_back((ep, w));
                true
            }
            None => false,
        }
    }
}

/// The graph the loop check walks.
impl NestingGraph for Epolls {
    fn watches(&self, ep: FdId) -> Vec<FdId> {
        self.instances.get(ep).map_or(vec![], |i| i.watched_epolls.keys().copied().collect())
    }
    fn watched_by(&self, ep: FdId) -> Vec<FdId> {
        self.watch.queue_of(ep).into_iter().map(|w| w.ep).collect()
    }
}
