//! `epoll_wait`: collecting events from the ready list (`ep_send_events`), and polling an epoll
//! instance as a file (`ep_eventpoll_poll`, for nested instances and `poll(2)`).
//!
//! A wait walks the ready list from the head, up to `maxevents` delivered events:
//! * each entry is unqueued and re-checked: reported = the description's current readiness ∩
//!   the interest's mask (so `EPOLLHUP`/`EPOLLERR` always, the rest only if asked for: probe
//!   `scenarios.c` "5.1.5 event_overwrite ET read before wait: `[efd:OUT]`", "5.1.9 ... OUT
//!   interest, made readable: `[fds0:OUT]`");
//! * an entry with nothing to report is dropped, ET and LT alike, and does not count against
//!   `maxevents` (`ready_list.c`: "stale entry: write a, read a, wait: `[]`", "list `[a(stale), b]`,
//!   wait maxevents 1: `[b:IN]`"); its next wakeup queues it at the tail again ("then write a,
//!   write b, wait: `[a:IN, b:IN]`"). A stale entry is not disarmed (`oneshot.c`: "then written (not
//!   disarmed by the stale drop): wait: `[e:IN]`");
//! * a delivered ONESHOT interest is disarmed (`oneshot.c`: "wait again (still readable): `[]`");
//!   a delivered ET interest stays unqueued; a delivered LT one goes back to the tail — after
//!   the entries this wait did not reach, which gives round robin (`ready_list.c`: "LT three
//!   ready, wait maxevents 2: `[a:IN, b:IN]`", "wait maxevents 2 again: `[c:IN, a:IN]`", "a third
//!   time: `[b:IN, c:IN]`"; "LT a, b, c ready: wait maxevents 1: `[a:IN]`", "then write d, wait:
//!   `[b:IN, c:IN, a:IN, d:IN]`");
//! * afterwards, if the list is not empty and threads are blocked on the instance, one is woken
//!   (`ep_done_scan`) — which, with LT entries staying queued, wakes every blocked thread in
//!   turn (`waiters.c`: "LT, 3 threads blocked, one write: they got (sorted): `[efd:IN]` +
//!   `[efd:IN]` + `[efd:IN]`") while an ET event wakes one.
//!
//! Polling an instance (as the target of an outer instance, or by `poll(2)`) walks its list the
//! same way without delivering: stale entries at the head are dropped until a ready one is
//! found, so it reports `EPOLLIN | EPOLLRDNORM` iff some entry is really ready, and consumes no
//! edge-triggered event (`nested.c`: "outer ET, inner ET: inner still has `[e:IN]`"; "inner queue
//! `[a(stale), b]`, outer `[inner:IN]`", "then write a: inner `[b:IN, a:IN]`"). An epoll fd is never
//! writable ("outer watching a ready inner for OUT only: outer `[]`").

use super::epolls::{Epolls, Event, Outcome, WaitResult};
use super::errno::Errno;
use super::events::Events;
use super::interest::Slot;
use super::waiters::{WaitBuffer, Waiter, WaiterId};
use spindle_fds::FdId;

impl Epolls {
    /// `epoll_wait` on instance `ep` by `waiter`, after [`super::check_wait`]: returns the events
    /// if any entry is ready; otherwise, with `block`, queues the waiter, else returns no events.
    /// `Err(EINVAL)` if `ep` is not an epoll instance.
    pub fn wait(&mut self, ep: FdId, waiter: WaiterId, buf: WaitBuffer, block: bool) -> (WaitResult, Outcome) {
        let Some(inst) = self.instances.get(ep) else {
            return (WaitResult::Done(Err(Errno::Einval)), Outcome::default());
        };
        if !inst.ready.is_empty() {
            match self.send_events(ep, buf) {
                Ok(events) if events.is_empty() => self.recycle_events(events),
                result => return (WaitResult::Done(result), self.finish()),
            }
        }
        if !block {
            return (WaitResult::Done(Ok(vec![])), self.finish());
        }
        self.instances.get_mut(ep).expect("checked").waiters.block(Waiter { id: waiter, buf });
        (WaitResult::Blocked, self.finish())
    }

    /// A blocked waiter's timeout expired: it leaves the queue. Returns whether it was still
    /// queued.
    pub fn cancel_wait(&mut self, ep: FdId, waiter: WaiterId) -> bool {
        self.instances.get_mut(ep).is_some_and(|i| i.waiters.cancel(waiter))
    }

    /// The readiness of instance `ep` as `poll(2)` on its fd reports it: `EPOLLIN |
    /// EPOLLRDNORM` or nothing. Drops stale entries at the head of its list, as Linux does.
    pub fn poll(&mut self, ep: FdId) -> (Events, Outcome) {
        if !self.is_epoll(ep) {
            return (Events::NONE, Outcome::default());
        }
        let r = self.poll_instance(ep);
        (r, self.finish())
    }

    /// `ep_send_events`.
    pub(super) fn send_events(&mut self, ep: FdId, buf: WaitBuffer) -> Result<Vec<Event>, Errno> {
        let mut out = std::mem::take(&mut self.spare_events);
        let mut requeue = std::mem::take(&mut self.spare_slots);
        let mut fault = false;
        while out.len() < buf.maxevents {
            let Some(slot) = self.instances.get_mut(ep).expect("live").ready.pop_front() else { break };
            let revents = self.item_poll(ep, slot);
            if revents.is_empty() {
                continue;
            }
            let inst = self.instances.get_mut(ep).expect("live");
            if out.len() >= buf.writable {
                inst.ready.push_front(slot);
                fault = true;
                break;
            }
            let it = inst.interests.get_mut(slot);
            out.push(Event { events: revents, data: it.data, fd: it.key.0 });
            if it.oneshot() {
                it.events = it.events & Events::PRIVATE;
            } else if !it.edge_triggered() {
                requeue.push(slot);
            }
        }
        let inst = self.instances.get_mut(ep).expect("live");
        for slot in requeue.drain(..) {
            inst.ready.push_back(slot);
        }
        self.spare_slots = requeue;
        self.done_scan(ep);
        if fault && out.is_empty() {
            Err(Errno::Efault)
        } else {
            Ok(out)
        }
    }

    /// `ep_item_poll`: the interest's target's current readiness ∩ its mask.
    pub(super) fn item_poll(&mut self, ep: FdId, slot: Slot) -> Events {
        self.work += 1;
        let it = self.instances[ep].interests.get(slot);
        let mask = it.events;
        let watched = self.watch.get(it.watch);
        let readiness = if watched.epoll {
            let inner = watched.fd;
            self.poll_instance(inner)
        } else {
            watched.readiness
        };
        readiness & mask
    }

    /// `__ep_eventpoll_poll`.
    pub(super) fn poll_instance(&mut self, ep: FdId) -> Events {
        let mut ready = false;
        while let Some(slot) = self.instances[ep].ready.front() {
            if !self.item_poll(ep, slot).is_empty() {
                ready = true;
                break;
            }
            self.instances.get_mut(ep).expect("live").ready.remove(slot);
        }
        self.done_scan(ep);
        if ready {
            Events::EPOLL_READABLE
        } else {
            Events::NONE
        }
    }

    /// `ep_done_scan`: entries left and a thread blocked → wake one.
    fn done_scan(&mut self, ep: FdId) {
        let inst = &self.instances[ep];
        if !inst.ready.is_empty() && !inst.waiters.is_empty() {
            self.wake_one_waiter(ep);
        }
    }
}
