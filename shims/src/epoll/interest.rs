//! The interest list of one epoll instance (Linux's red-black tree of `epitem`s): interests
//! keyed by `(description, fd number)`, stored in a slab so that the ready list and the
//! descriptions' wait queues can name them by [`Slot`] in O(1).
//!
//! The key is the description *and* the fd number it was added under (`ep_find(ep, file, fd)`):
//! a `dup` of a registered fd is a separate interest (probe `lifetime.c`: "ADD by the dup's
//! number: 0", "both interests report: `[e:IN, d:IN]`"); MOD/DEL by the dup's number do not find
//! the original ("MOD by the dup's number (not registered under it): ENOENT").

use super::events::Events;
use super::watch::WatchIdx;
use spindle_fds::{FdId, FdNum};
use std::collections::BTreeMap;

/// Where an interest lives in its instance's slab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Slot(pub u32);

/// `(description, fd number)`.
pub(super) type Key = (FdId, FdNum);

/// One registration (`struct epitem`).
#[derive(Debug, Clone)]
pub(super) struct Interest {
    pub key: Key,
    /// Linux's `epi->event.events`: the guest's mask with `EPOLLERR | EPOLLHUP` added; after an
    /// `EPOLLONESHOT` delivery only its [`Events::PRIVATE`] bits remain.
    pub events: Events,
    pub data: u64,
    /// The watched description's entry in the wait-queue table.
    pub watch: WatchIdx,
}

impl Interest {
    /// Disarmed by an `EPOLLONESHOT` delivery: no poll bit left, so wakeups skip it and it
    /// reports nothing until MOD (`ep_poll_callback`: `!(events & ~EP_PRIVATE_BITS)`).
    pub fn disarmed(&self) -> bool {
        (self.events & !Events::PRIVATE).is_empty()
    }
    pub fn edge_triggered(&self) -> bool {
        self.events.contains(Events::ET)
    }
    pub fn oneshot(&self) -> bool {
        self.events.contains(Events::ONESHOT)
    }
    pub fn exclusive(&self) -> bool {
        self.events.contains(Events::EXCLUSIVE)
    }
}

/// The slab of interests plus the index by key.
#[derive(Debug, Default)]
pub(super) struct InterestTable {
    slots: Vec<Option<Interest>>,
    free: Vec<Slot>,
    by_key: BTreeMap<Key, Slot>,
}

impl InterestTable {
    pub fn find(&self, key: Key) -> Option<Slot> {
        self.by_key.get(&key).copied()
    }

    pub fn get(&self, s: Slot) -> &Interest {
        self.slots[s.0 as usize].as_ref().expect("a slot named by the ready list or a wait queue is live")
    }

    pub fn get_mut(&mut self, s: Slot) -> &mut Interest {
        self.slots[s.0 as usize].as_mut().expect("a slot named by the ready list or a wait queue is live")
    }

    /// Stores a new interest; its key must not be present.
    pub fn insert(&mut self, it: Interest) -> Slot {
        let key = it.key;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s.0 as usize] = Some(it);
                s
            }
            None => {
                self.slots.push(Some(it));
                Slot((self.slots.len() - 1) as u32)
            }
        };
        let old = self.by_key.insert(key, slot);
        debug_assert!(old.is_none(), "key registered twice");
        slot
    }

    pub fn remove(&mut self, s: Slot) -> Interest {
        let it = self.slots[s.0 as usize].take().expect("removing a live interest");
        self.by_key.remove(&it.key);
        self.free.push(s);
        it
    }

    /// Every interest, by key.
    pub fn all(&self) -> Vec<Slot> {
        self.by_key.values().copied().collect()
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }
}
