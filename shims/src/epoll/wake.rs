//! Wakeups: a description tells the core its readiness changed or that Linux would wake its wait
//! queue, and the core runs `ep_poll_callback` for every interest in that queue.
//!
//! For each interest, in wait-queue order ([`super::watch`]):
//! 1. a disarmed ONESHOT interest is skipped (probe `oneshot.c`: "peer closed while disarmed:
//!    wait: `[]`"); so is one whose mask shares no bit with the wakeup's key (`edges.c`: "eventfd
//!    OUT only, write 1 (wakeup key IN): `[]`");
//! 2. the interest joins the tail of its ready list unless already queued — an already queued
//!    entry keeps its place even if it went stale and became ready again (`ready_list.c`: "stale
//!    entry keeps its place: write a, write b, read a, write a, wait: `[a:IN, b:IN]`");
//! 3. if threads are blocked on the instance, one is woken (the most recent: [`super::waiters`])
//!    — per interest, so one write seen by two interests wakes two threads (`waiters.c`: "ET, 3
//!    interests of one eventfd, 4 threads with maxevents 1, one write: they got (sorted): `[]` +
//!    `[d1:IN]` + `[d2:IN]` + `[e:IN]`");
//! 4. every instance watching this one gets a wakeup with key `EPOLLIN` — each time, even when
//!    the entry was already queued (`nested.c`: "write once more (inner entry still queued),
//!    outer `[inner:IN]`"), but only when the wakeup passed step 1 ("eventfd written (key IN,
//!    filtered by the inner interest): outer `[]`");
//! 5. for an `EPOLLEXCLUSIVE` interest, if step 3 woke a thread and the key names the
//!    interest's direction (key has IN and the mask IN, or OUT and OUT, or neither IN nor OUT),
//!    the wakeup stops here: later interests in the queue — other instances' exclusive interests
//!    — are not even queued (`exclusive.c`: "three instances EXCLUSIVE|IN (LT), a thread on each,
//!    write: thread on E1 got: `[E1:IN]`", "afterwards E2 has queued: `[]`"; instances before it
//!    without a thread are queued: "threads on E2 and E3, write: afterwards E1 has queued:
//!    `[E1:IN]`"; a key of the other direction does not stop it: "socket EXCLUSIVE|OUT in E1,
//!    EXCLUSIVE|IN in E2, ... peer writes: thread on E2 got: `[E2:IN]`"). [`Wake::All`] never
//!    stops.
//!
//! Ordinary interests sit before exclusive ones in the queue, so they are always reached
//! ("E1, E2 EXCLUSIVE|IN|ET, E3 plain IN|ET, a thread on each, write: thread on E3 got:
//! `[E3:IN]`", "thread on E1 got: `[E1:IN]`", "thread on E2 got: `[]`").

use super::epolls::{Epolls, Outcome, Wake};
use super::events::Events;
use super::interest::Slot;
use spindle_fds::FdId;

impl Epolls {
    /// Description `fd` now reports `readiness`, and Linux does not wake its wait queue for the
    /// operation that changed it — except that bits that were not set before do wake it, with
    /// those bits as the key (no Linux file gains a poll bit without a wakeup: e.g. a pipe read
    /// that frees a slot of a full pipe, `edges.c`: "pipe full, read the rest of the first slot
    /// (slot freed): `[w:OUT]`"). Losing bits wakes nobody; a queued entry that lost its readiness
    /// stays queued until a wait drops it.
    pub fn readiness_changed(&mut self, fd: FdId, readiness: Events) -> Outcome {
        if let Some(old) = self.watch.set_readiness(fd, readiness) {
            let gained = readiness & !old;
            if !gained.is_empty() {
                self.wake_description(fd, Wake::Key(gained));
            }
        }
        self.finish()
    }

    /// Description `fd` now reports `readiness`, and Linux wakes its wait queue with `wake`
    /// (whether or not the readiness changed: every eventfd write, every pipe write, every socket
    /// skb queued, ... — see the module docs for the list).
    pub fn wakeup(&mut self, fd: FdId, readiness: Events, wake: Wake) -> Outcome {
        self.watch.set_readiness(fd, readiness);
        self.wake_description(fd, wake);
        self.finish()
    }

    /// `__wake_up_common` over `fd`'s wait queue.
    pub(super) fn wake_description(&mut self, fd: FdId, wake: Wake) {
        let Some(w) = self.watch.lookup(fd) else { return };
        let (key, limited) = match wake {
            Wake::Key(k) => (k, true),
            Wake::All => (Events::NONE, false),
        };
        let mut i = 0;
        while let Some(entry) = self.watch.waiting(w, i) {
            i += 1;
            let woke = self.callback(entry.ep, entry.slot, key);
            if entry.exclusive && woke && limited {
                break;
            }
        }
    }

    /// `ep_poll_callback` for one interest; returns whether it counts as the exclusive wakeup.
    fn callback(&mut self, ep: FdId, slot: Slot, key: Events) -> bool {
        self.work += 1;
        let inst = self.instances.get_mut(ep).expect("a queued interest's instance is live");
        let it = inst.interests.get(slot);
        if it.disarmed() {
            return false;
        }
        if !key.is_empty() && !key.intersects(it.events) {
            return false;
        }
        let (exclusive, mask) = (it.exclusive(), it.events);
        inst.ready.push_back(slot);
        let mut ewake = false;
        if self.wake_one_waiter(ep) && exclusive {
            ewake = match key & (Events::IN | Events::OUT) {
                k if k == Events::IN => mask.contains(Events::IN),
                k if k == Events::OUT => mask.contains(Events::OUT),
                k if k.is_empty() => true,
                _ => false,
            };
        }
        self.propagate(ep);
        ewake
    }

    /// `ep_poll_safewake`: the instance `ep` itself wakes whoever watches it, with key `EPOLLIN`.
    pub(super) fn propagate(&mut self, ep: FdId) {
        if !self.polled.contains(&ep) {
            self.polled.push(ep);
        }
        self.wake_description(ep, Wake::Key(Events::IN));
    }
}
