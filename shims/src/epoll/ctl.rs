//! `epoll_ctl`: ADD, MOD and DEL (`ep_insert`, `ep_modify`, `ep_remove` in fs/eventpoll.c).
//!
//! * ADD and MOD store `events | EPOLLERR | EPOLLHUP` (probe `ready_list.c`: "socket registered
//!   with events 0, peer closed with our data unread: `[events0:ERR|HUP]`") and the data, then
//!   poll the target once: if it is ready now and not queued yet, it joins the tail of the ready
//!   list, one blocked waiter is woken and outer instances are told — so an ADD of a ready fd
//!   reports it, in ET mode too (probe `scenarios.c`: "5.2.5 wakeup_on_new_interest ET ...:
//!   `[fds1:IN|OUT]`"), and a MOD re-reports a delivered ET or disarmed ONESHOT interest that is
//!   ready ("5.1.10 epoll_ctl_mod ET identical MOD again: `[d2:OUT]`", "5.1.20 ... after MOD to LT:
//!   `[efd:IN|OUT]`"; `oneshot.c`: "MOD to IN|ONESHOT (ready): wait: `[e2:IN]`").
//! * An entry that is already queued keeps its place, and reports the new data (`ready_list.c`:
//!   "queued `[a, b, c]`, MOD a (new data a2): wait: `[a2:IN, b:IN, c:IN]`"); MOD never unqueues
//!   ("queued `[b, c, a2]` with a2 not ready, MOD b: wait: `[b:IN, c:IN]`": the stale a2 is dropped by
//!   the wait, not by the MOD).
//! * Registering elsewhere is no event for this instance (`scenarios.c`: "5.1.18
//!   epoll_ctl_notification ET wait A again: `[]`").
//! * DEL unqueues and forgets; the event pointer is ignored.

use super::epolls::{CtlRequest, Epolls, Outcome, TargetFd};
use super::errno::Errno;
use super::events::{EpollEvent, Events};
use super::interest::{Interest, Slot};
use super::nesting::check_nesting;
use super::validate::{check_ctl, CtlCheck, CtlOp, FdArg, FileFacts};
use super::watch::{Waiting, WatchIdx};
use spindle_fds::FdId;

impl Epolls {
    /// `epoll_ctl(epfd, op, fd, event)`: every check in Linux's order
    /// ([`super::validate::check_ctl`]), then the operation. The shim resolved the fds (EBADF
    /// when closed) and read the event (EFAULT when it could not).
    pub fn ctl(&mut self, req: CtlRequest) -> Result<Outcome, Errno> {
        let epfd = match req.epfd {
            None => FdArg::Closed,
            Some(id) => FdArg::Open(FileFacts { id, is_epoll: self.is_epoll(id), pollable: true }),
        };
        let fd = match req.fd {
            None => FdArg::Closed,
            Some(t) => {
                let is_epoll = self.is_epoll(t.id);
                FdArg::Open(FileFacts { id: t.id, is_epoll, pollable: is_epoll || t.readiness.is_some() })
            }
        };
        let (registered, nesting) = match (req.epfd, req.fd) {
            (Some(ep), Some(t)) if self.is_epoll(ep) => {
                let nesting = if self.is_epoll(t.id) && ep != t.id { check_nesting(self, ep, t.id) } else { Ok(()) };
                (self.registered(ep, t.id, t.num), nesting)
            }
            _ => (None, Ok(())),
        };
        let op = check_ctl(&CtlCheck { op: req.op, event: req.event, epfd, fd, registered, nesting })?;
        let ep = req.epfd.expect("checked");
        let target = req.fd.expect("checked");
        match op {
            CtlOp::Add(ev) => self.insert(ep, target, ev),
            CtlOp::Mod(ev) => {
                let slot = self.slot_of(ep, target);
                self.modify(ep, slot, ev);
            }
            CtlOp::Del => {
                let slot = self.slot_of(ep, target);
                self.remove_interest(ep, slot);
            }
        }
        Ok(self.finish())
    }

    fn slot_of(&self, ep: FdId, t: TargetFd) -> Slot {
        self.instances[ep].interests.find((t.id, t.num)).expect("checked: registered")
    }

    /// `ep_insert`.
    fn insert(&mut self, ep: FdId, t: TargetFd, ev: EpollEvent) {
        let events = Events(ev.events) | Events::ALWAYS;
        let target_is_epoll = self.is_epoll(t.id);
        let inst = self.instances.get_mut(ep).expect("checked: an epoll");
        let slot = inst.interests.insert(Interest { key: (t.id, t.num), events, data: ev.data, watch: WatchIdx(u32::MAX) });
        if target_is_epoll {
            *inst.watched_epolls.entry(t.id).or_default() += 1;
        }
        let exclusive = events.contains(Events::EXCLUSIVE);
        let watch = self.watch.register(t.id, target_is_epoll, t.readiness.unwrap_or_default(), Waiting { ep, slot, exclusive });
        self.instances.get_mut(ep).expect("checked").interests.get_mut(slot).watch = watch;
        if !self.item_poll(ep, slot).is_empty() {
            self.queue_and_notify(ep, slot);
        }
    }

    /// `ep_modify`: the interest's mask and data are replaced (ET, ONESHOT re-armed or not).
    fn modify(&mut self, ep: FdId, slot: Slot, ev: EpollEvent) {
        let it = self.instances.get_mut(ep).expect("checked").interests.get_mut(slot);
        it.events = Events(ev.events) | Events::ALWAYS;
        it.data = ev.data;
        if !self.item_poll(ep, slot).is_empty() {
            self.queue_and_notify(ep, slot);
        }
    }

    /// The end of `ep_insert`/`ep_modify`: if the entry is not queued yet, queue it, wake one
    /// waiter and tell the instances watching `ep`.
    fn queue_and_notify(&mut self, ep: FdId, slot: Slot) {
        let inst = self.instances.get_mut(ep).expect("checked");
        if inst.ready.push_back(slot) {
            self.wake_one_waiter(ep);
            self.propagate(ep);
        }
    }

    /// DEL, or the death of the watched description or of the instance: the interest leaves the
    /// ready list, its description's wait queue and the interest list.
    pub(super) fn remove_interest(&mut self, ep: FdId, slot: Slot) {
        let inst = self.instances.get_mut(ep).expect("removing from a live instance");
        inst.ready.remove(slot);
        let it = inst.interests.remove(slot);
        let target = it.key.0;
        if let Some(n) = inst.watched_epolls.get_mut(&target) {
            *n -= 1;
            if *n == 0 {
                inst.watched_epolls.remove(&target);
            }
        }
        self.watch.unregister(it.watch, ep, slot);
    }
}
