//! Threads blocked in `epoll_wait` on one instance (Linux's `ep->wq`).
//!
//! Linux queues an `epoll_wait` sleeper with `__add_wait_queue_exclusive`, which adds at the
//! **head**: the most recently blocked thread is woken first (LIFO), and each wakeup of the
//! instance wakes exactly one sleeper (probe `waiters.c`: "ET, 3 threads blocked, write, 50 ms,
//! write: thread 1 got: `[]`", "thread 2 got: `[efd:IN]`", "thread 3 got: `[efd:IN]`"; "LT|ONESHOT, 3
//! threads blocked, one write: thread 3 got: `[efd:IN]`"; "ET, 2 threads blocked, ADD of a ready
//! fd: thread 2 got: `[efd:IN]`"). A woken thread that then finds nothing to deliver blocks again
//! — at the head once more ("ET, 2 threads blocked, write 0, 50 ms, write 1: thread 2 got:
//! `[efd:IN]`").

use std::collections::VecDeque;

/// The shim's name for a blocked `epoll_wait` call (e.g. the thread id).
pub type WaiterId = u64;

/// The guest's event buffer as a wait sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitBuffer {
    /// `maxevents` (already checked: `1..=EP_MAX_EVENTS`).
    pub maxevents: usize,
    /// How many 12-byte slots from the start of the buffer can be written (`maxevents` for a
    /// good buffer; 0 for NULL or freed memory). Linux copies events out one by one: if the
    /// first does not fit the wait fails with `EFAULT`, otherwise it returns the ones copied, and
    /// the entry that did not fit stays at the head of the ready list, not consumed (probe
    /// `errors.c`: "wait NULL buffer, one ET event ready: EFAULT", "then a good wait: `[e:OUT]`";
    /// "wait a, b(ONESHOT), c ready into a buffer whose 2nd slot faults: 1 `[a:OUT]`", "then a good
    /// wait: `[b:OUT, c:OUT]`"). For a blocked wait the shim gives it as it is when the woken
    /// thread collects its events ([`super::Epolls::serve_woken`]).
    pub writable: usize,
}

impl WaitBuffer {
    /// A fully writable buffer of `maxevents` slots.
    pub fn new(maxevents: usize) -> Self {
        WaitBuffer { maxevents, writable: maxevents }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Waiter {
    pub id: WaiterId,
    pub buf: WaitBuffer,
}

#[derive(Debug, Default)]
pub(super) struct WaiterQueue(VecDeque<Waiter>);

impl WaiterQueue {
    /// Blocks a waiter: at the head.
    pub fn block(&mut self, w: Waiter) {
        self.0.push_front(w);
    }

    /// Wakes one waiter (`wake_up(&ep->wq)`): the head, removed from the queue.
    pub fn wake_one(&mut self) -> Option<Waiter> {
        self.0.pop_front()
    }

    /// A waiter gives up (timeout). Returns whether it was still queued.
    pub fn cancel(&mut self, id: WaiterId) -> bool {
        match self.0.iter().position(|w| w.id == id) {
            Some(i) => {
                self.0.remove(i);
                true
            }
            None => false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The queued waiters, next to be woken first.
    pub fn ids(&self) -> Vec<WaiterId> {
        self.0.iter().map(|w| w.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_recently_blocked_waiter_is_woken_first() {
        let mut q = WaiterQueue::default();
        for id in [1, 2, 3] {
            q.block(Waiter { id, buf: WaitBuffer::new(1) });
        }
        assert_eq!(q.ids(), vec![3, 2, 1]);
        assert_eq!(q.wake_one().map(|w| w.id), Some(3));
        assert!(q.cancel(1));
        assert!(!q.cancel(1));
        assert_eq!(q.wake_one().map(|w| w.id), Some(2));
        assert_eq!(q.wake_one(), None);
        assert!(q.is_empty());
    }
}
