//! A map from thread ids to what a blocked thread waits with, indexed by id.
//!
//! Thread ids are small, dense and handed out in order, so a vector of slots serves lookups
//! without a search, and an insert or remove allocates nothing once the vector has room (a
//! `BTreeMap` that becomes empty frees its node, and the next insert allocates it again: one
//! allocation per blocked call). Iteration is in id order, as the `BTreeMap`'s was.

use spindle_vm::ThreadId;

pub(crate) struct ByThread<V> {
    slots: Vec<Option<V>>,
    len: usize,
}

impl<V> Default for ByThread<V> {
    fn default() -> Self {
        ByThread { slots: Vec::new(), len: 0 }
    }
}

impl<V> ByThread<V> {
    pub(crate) fn get(&self, t: &ThreadId) -> Option<&V> {
        self.slots.get(*t).and_then(Option::as_ref)
    }

    pub(crate) fn get_mut(&mut self, t: &ThreadId) -> Option<&mut V> {
        self.slots.get_mut(*t).and_then(Option::as_mut)
    }

    /// Sets `t`'s entry, returning the one it replaces.
    pub(crate) fn insert(&mut self, t: ThreadId, v: V) -> Option<V> {
        if t >= self.slots.len() {
            self.slots.resize_with(t + 1, || None);
        }
        let old = self.slots[t].replace(v);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub(crate) fn remove(&mut self, t: &ThreadId) -> Option<V> {
        let old = self.slots.get_mut(*t).and_then(Option::take);
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The threads with an entry, in id order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = ThreadId> + '_ {
        self.slots.iter().enumerate().filter(|(_, v)| v.is_some()).map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::ByThread;

    /// Entries come back by thread, in id order whatever the insertion order, and the map is
    /// empty again once every entry is removed (what `timerfd.rs` and `poll.rs` ask).
    #[test]
    fn entries_by_thread_in_id_order() {
        let mut m = ByThread::default();
        assert!(m.is_empty());
        assert_eq!(m.insert(5, "e"), None);
        assert_eq!(m.insert(2, "b"), None);
        assert_eq!(m.insert(5, "E"), Some("e"));
        assert_eq!(m.keys().collect::<Vec<_>>(), [2, 5]);
        assert_eq!(m.get(&5), Some(&"E"));
        assert_eq!(m.get(&3), None);
        assert_eq!(m.get(&99), None);
        *m.get_mut(&2).unwrap() = "B";
        assert_eq!(m.remove(&2), Some("B"));
        assert_eq!(m.remove(&2), None);
        assert!(!m.is_empty());
        assert_eq!(m.remove(&5), Some("E"));
        assert!(m.is_empty());
        assert_eq!(m.keys().count(), 0);
    }
}
