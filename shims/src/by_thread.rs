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
