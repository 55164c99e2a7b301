//! The wait queues of watched descriptions: for every description some interest watches, the
//! interests in Linux's wait-queue order, and the description's last reported readiness.
//!
//! Order matters because one wakeup visits the interests in this order, which decides the order
//! they join their ready lists and, with `EPOLLEXCLUSIVE`, which of them are reached at all.
//! Linux adds an ordinary interest at the *head* of the file's wait queue (`add_wait_queue`) and
//! an exclusive one at the *tail* (`add_wait_queue_exclusive`); the position never changes until
//! DEL (probe `ready_list.c`: "three fds of one eventfd added e, d1, d2 (not ready): write, wait:
//! `[d2:IN, d1:IN, e:IN]`", "DEL e then ADD e again: ... `[e:IN, d2:IN, d1:IN]`", "MOD d2 (not ready)
//! changes nothing: ... `[e:IN, d2:IN, d1:IN]`", "added e EXCLUSIVE, d1 EXCLUSIVE, d2 plain (no
//! waiters): ... `[d2:IN, e_x:IN, d1_x:IN]`").
//!
//! The readiness is what the shim last reported ([`super::Epolls::readiness_changed`],
//! [`super::Epolls::wakeup`], or ADD); a wait re-checks ready entries against it. Epoll
//! instances are watched too (their queue holds the outer interests), but their readiness is
//! computed by polling them, not stored.

use super::events::Events;
use super::interest::Slot;
use spindle_fds::{FdId, IdMap};
use std::collections::VecDeque;

/// A description's entry in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct WatchIdx(pub u32);

/// One interest in a description's wait queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Waiting {
    /// The epoll instance holding the interest.
    pub ep: FdId,
    pub slot: Slot,
    pub exclusive: bool,
}

#[derive(Debug)]
pub(super) struct Watched {
    pub fd: FdId,
    /// An epoll instance: its readiness comes from polling it.
    pub epoll: bool,
    /// The last readiness the shim reported (unused for epoll instances).
    pub readiness: Events,
    /// The interests, in wake-up order.
    pub queue: VecDeque<Waiting>,
}

/// Every watched description.
#[derive(Debug, Default)]
pub(super) struct WatchTable {
    slots: Vec<Option<Watched>>,
    free: Vec<WatchIdx>,
    by_fd: IdMap<WatchIdx>,
}

impl WatchTable {
    pub fn lookup(&self, fd: FdId) -> Option<WatchIdx> {
        self.by_fd.get(fd).copied()
    }

    pub fn get(&self, w: WatchIdx) -> &Watched {
        self.slots[w.0 as usize].as_ref().expect("an interest's watch entry lives as long as it")
    }

    fn get_mut(&mut self, w: WatchIdx) -> &mut Watched {
        self.slots[w.0 as usize].as_mut().expect("an interest's watch entry lives as long as it")
    }

    /// Adds `entry` to `fd`'s wait queue (head, or tail if exclusive), creating the entry for
    /// `fd` if needed (`epoll`: `fd` is an epoll instance), and records `readiness` as its
    /// current readiness.
    pub fn register(&mut self, fd: FdId, epoll: bool, readiness: Events, entry: Waiting) -> WatchIdx {
        let w = match self.lookup(fd) {
            Some(w) => w,
            None => {
                let watched = Watched { fd, epoll, readiness, queue: VecDeque::new() };
                let w = match self.free.pop() {
                    Some(w) => {
                        self.slots[w.0 as usize] = Some(watched);
                        w
                    }
                    None => {
                        self.slots.push(Some(watched));
                        WatchIdx((self.slots.len() - 1) as u32)
                    }
                };
                self.by_fd.insert(fd, w);
                w
            }
        };
        let watched = self.get_mut(w);
        watched.readiness = readiness;
        if entry.exclusive {
            watched.queue.push_back(entry);
        } else {
            watched.queue.push_front(entry);
        }
        w
    }

    /// Removes an interest from its description's queue; forgets the description when nothing
    /// watches it any more.
    pub fn unregister(&mut self, w: WatchIdx, ep: FdId, slot: Slot) {
        let watched = self.get_mut(w);
        if let Some(i) = watched.queue.iter().position(|e| e.ep == ep && e.slot == slot) {
            watched.queue.remove(i);
        }
        if watched.queue.is_empty() {
            let fd = watched.fd;
            self.slots[w.0 as usize] = None;
            self.by_fd.remove(fd);
            self.free.push(w);
        }
    }

    /// Records `fd`'s new readiness; returns the previous one, or `None` if nothing watches it.
    pub fn set_readiness(&mut self, fd: FdId, readiness: Events) -> Option<Events> {
        let w = self.lookup(fd)?;
        let watched = self.get_mut(w);
        Some(std::mem::replace(&mut watched.readiness, readiness))
    }

    /// The `i`-th interest of `fd`'s queue (the queue does not change during a wakeup).
    pub fn waiting(&self, w: WatchIdx, i: usize) -> Option<Waiting> {
        self.get(w).queue.get(i).copied()
    }

    /// The interests watching `fd`, in queue order.
    pub fn queue_of(&self, fd: FdId) -> Vec<Waiting> {
        self.lookup(fd).map(|w| self.get(w).queue.iter().copied().collect()).unwrap_or_default()
    }
}
