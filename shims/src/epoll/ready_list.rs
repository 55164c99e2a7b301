//! The ready list of one epoll instance: Linux's `rdllist`, an intrusive doubly linked FIFO of
//! interests. Every operation is O(1) — linking an interest that became ready, unlinking one
//! that was deleted or destroyed, taking the head — so a wait costs the number of entries it
//! visits, never the number of interests registered.
//!
//! An interest is in the list at most once ("no duplicates": `ep_is_linked`). Entries are
//! interest slots ([`super::interest::Slot`]) of the instance's interest table.

use super::interest::Slot;

const NIL: Slot = Slot(u32::MAX);

#[derive(Debug, Clone, Copy)]
struct Link {
    prev: Slot,
    next: Slot,
    linked: bool,
}

const UNLINKED: Link = Link { prev: NIL, next: NIL, linked: false };

/// A FIFO of distinct slots with O(1) insertion at both ends and O(1) removal of any member.
#[derive(Debug)]
pub(super) struct ReadyList {
    links: Vec<Link>,
    head: Slot,
    tail: Slot,
    len: usize,
}

impl Default for ReadyList {
    fn default() -> Self {
        ReadyList { links: Vec::new(), head: NIL, tail: NIL, len: 0 }
    }
}

impl ReadyList {
    fn link(&self, s: Slot) -> Link {
        self.links.get(s.0 as usize).copied().unwrap_or(UNLINKED)
    }

    fn link_mut(&mut self, s: Slot) -> &mut Link {
        let i = s.0 as usize;
        if i >= self.links.len() {
            self.links.resize(i + 1, UNLINKED);
        }
        &mut self.links[i]
    }

    /// Whether `s` is queued (`ep_is_linked`).
    pub fn contains(&self, s: Slot) -> bool {
        self.link(s).linked
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn front(&self) -> Option<Slot> {
        (self.head != NIL).then_some(self.head)
    }

    /// Queues `s` at the tail unless it is already queued (`list_add_tail` under
    /// `!ep_is_linked`). Returns whether it was added.
    pub fn push_back(&mut self, s: Slot) -> bool {
        if self.contains(s) {
            return false;
        }
        let tail = self.tail;
        *self.link_mut(s) = Link { prev: tail, next: NIL, linked: true };
        if tail == NIL {
            self.head = s;
        } else {
            self.link_mut(tail).next = s;
        }
        self.tail = s;
        self.len += 1;
        true
    }

    /// Queues `s` at the head unless it is already queued (`list_add`: an entry a wait took but
    /// could not copy out goes back in front).
    pub fn push_front(&mut self, s: Slot) -> bool {
        if self.contains(s) {
            return false;
        }
        let head = self.head;
        *self.link_mut(s) = Link { prev: NIL, next: head, linked: true };
        if head == NIL {
            self.tail = s;
        } else {
            self.link_mut(head).prev = s;
        }
        self.head = s;
        self.len += 1;
        true
    }

    /// Unlinks `s` wherever it is (`list_del_init`). Returns whether it was queued.
    pub fn remove(&mut self, s: Slot) -> bool {
        let l = self.link(s);
        if !l.linked {
            return false;
        }
        if l.prev == NIL {
            self.head = l.next;
        } else {
            self.link_mut(l.prev).next = l.next;
        }
        if l.next == NIL {
            self.tail = l.prev;
        } else {
            self.link_mut(l.next).prev = l.prev;
        }
        *self.link_mut(s) = UNLINKED;
        self.len -= 1;
        true
    }

    pub fn pop_front(&mut self) -> Option<Slot> {
        let s = self.front()?;
        self.remove(s);
        Some(s)
    }

    /// The queued slots, head first.
    pub fn iter(&self) -> impl Iterator<Item = Slot> + '_ {
        let mut cur = self.head;
        std::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let s = cur;
            cur = self.link(s).next;
            Some(s)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(l: &ReadyList) -> Vec<u32> {
        l.iter().map(|s| s.0).collect()
    }

    #[test]
    fn fifo_without_duplicates() {
        let mut l = ReadyList::default();
        assert!(l.push_back(Slot(2)));
        assert!(l.push_back(Slot(0)));
        assert!(!l.push_back(Slot(2)), "an entry is queued at most once");
        assert!(l.push_back(Slot(1)));
        assert_eq!(order(&l), vec![2, 0, 1]);
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn removal_anywhere_keeps_the_others_in_order() {
        let mut l = ReadyList::default();
        for s in [5, 6, 7, 8] {
            l.push_back(Slot(s));
        }
        assert!(l.remove(Slot(6)));
        assert!(l.remove(Slot(8)));
        assert!(!l.remove(Slot(8)));
        assert!(!l.remove(Slot(100)), "never linked, never seen");
        assert_eq!(order(&l), vec![5, 7]);
        l.push_back(Slot(6));
        assert!(l.push_front(Slot(8)));
        assert_eq!(order(&l), vec![8, 5, 7, 6]);
        assert_eq!(l.pop_front(), Some(Slot(8)));
        assert_eq!(l.pop_front(), Some(Slot(5)));
        assert_eq!(l.pop_front(), Some(Slot(7)));
        assert_eq!(l.pop_front(), Some(Slot(6)));
        assert_eq!(l.pop_front(), None);
        assert!(l.is_empty());
    }
}
