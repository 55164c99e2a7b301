//! [`IdMap`]: a map keyed by [`FdId`], dense for the ids a table hands out.
//!
//! Description ids are handed out one after the other from 0 and never reused, so a map of the
//! live ones is a vector indexed by id with holes where descriptions are gone: a lookup is an
//! index, not a search (the fd table and the shims' per-description state are looked up a dozen
//! times per system call). Ids from [`DENSE_LIMIT`] on (which no run reaches by creating
//! descriptions one at a time, but which tests and other tables may name) are kept in a
//! `BTreeMap`, so that no id makes the vector huge. Iteration is in increasing id order, as a
//! `BTreeMap<FdId, V>`'s.
//!
//! A hole costs one `Option<V>`: callers whose values are large box them. Holes at the end are
//! given back as soon as they appear (the newest description going first, the common case).

use crate::FdId;
use std::collections::BTreeMap;

/// Ids below this are indexed; ids at or above it are searched.
pub const DENSE_LIMIT: u64 = 1 << 20;

/// A map from [`FdId`] to `V`; see the module documentation.
#[derive(Debug, Clone)]
pub struct IdMap<V> {
    dense: Vec<Option<V>>,
    sparse: BTreeMap<FdId, V>,
    len: usize,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { dense: Vec::new(), sparse: BTreeMap::new(), len: 0 }
    }
}

impl<V> IdMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many ids have a value.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no id has a value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `id`.
    #[inline]
    pub fn get(&self, id: FdId) -> Option<&V> {
        if id.0 >= DENSE_LIMIT {
            return self.sparse.get(&id);
        }
        self.dense.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// The value of `id`, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: FdId) -> Option<&mut V> {
        if id.0 >= DENSE_LIMIT {
            return self.sparse.get_mut(&id);
        }
        self.dense.get_mut(id.0 as usize).and_then(Option::as_mut)
    }

    /// Whether `id` has a value.
    pub fn contains_key(&self, id: FdId) -> bool {
        self.get(id).is_some()
    }

    /// Sets the value of `id`; returns the one it replaces.
    pub fn insert(&mut self, id: FdId, v: V) -> Option<V> {
        let old = if id.0 >= DENSE_LIMIT {
            self.sparse.insert(id, v)
        } else {
            let i = id.0 as usize;
            if i >= self.dense.len() {
                self.dense.resize_with(i + 1, || None);
            }
            self.dense[i].replace(v)
        };
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Removes the value of `id` and returns it.
    pub fn remove(&mut self, id: FdId) -> Option<V> {
        let old = if id.0 >= DENSE_LIMIT {
            self.sparse.remove(&id)
        } else {
            let old = self.dense.get_mut(id.0 as usize).and_then(Option::take);
            while self.dense.last().is_some_and(Option::is_none) {
                self.dense.pop();
            }
            old
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// The value of `id`, made with `make` if there is none.
    #[inline]
    pub fn get_or_insert_with(&mut self, id: FdId, make: impl FnOnce() -> V) -> &mut V {
        if id.0 >= DENSE_LIMIT {
            let len = &mut self.len;
            return self.sparse.entry(id).or_insert_with(|| {
                *len += 1;
                make()
            });
        }
        let i = id.0 as usize;
        if i >= self.dense.len() {
            self.dense.resize_with(i + 1, || None);
        }
        let slot = &mut self.dense[i];
        if slot.is_none() {
            self.len += 1;
        }
        slot.get_or_insert_with(make)
    }

    /// The value of `id`, the default if there is none.
    pub fn get_or_default(&mut self, id: FdId) -> &mut V
    where
        V: Default,
    {
        self.get_or_insert_with(id, V::default)
    }

    /// Every id with its value, in increasing id order.
    pub fn iter(&self) -> impl Iterator<Item = (FdId, &V)> + '_ {
        let dense = self.dense.iter().enumerate().filter_map(|(i, v)| v.as_ref().map(|v| (FdId(i as u64), v)));
        dense.chain(self.sparse.iter().map(|(&id, v)| (id, v)))
    }

    /// Every id with its value, mutably, in increasing id order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (FdId, &mut V)> + '_ {
        let dense = self.dense.iter_mut().enumerate().filter_map(|(i, v)| v.as_mut().map(|v| (FdId(i as u64), v)));
        dense.chain(self.sparse.iter_mut().map(|(&id, v)| (id, v)))
    }

    /// Every value, in increasing id order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

impl<V> std::ops::Index<FdId> for IdMap<V> {
    type Output = V;

    /// The value of `id`; panics if there is none, as `BTreeMap`'s index does.
    fn index(&self, id: FdId) -> &V {
        self.get(id).expect("no value for this id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_behave_as_a_btreemap_in_order_and_content() {
        let mut m = IdMap::new();
        let mut b = BTreeMap::new();
        let ids = [5u64, 0, DENSE_LIMIT + 7, 3, DENSE_LIMIT, 1 << 40, 9, 2];
        for (k, &i) in ids.iter().enumerate() {
            assert_eq!(m.insert(FdId(i), k), b.insert(FdId(i), k));
        }
        assert_eq!(m.insert(FdId(3), 100), b.insert(FdId(3), 100));
        for &i in &[9u64, 1 << 40, 4, 0] {
            assert_eq!(m.remove(FdId(i)), b.remove(&FdId(i)));
        }
        *m.get_or_default(FdId(11)) += 1;
        *b.entry(FdId(11)).or_default() += 1;
        *m.get_or_default(FdId(5)) += 1;
        *b.entry(FdId(5)).or_default() += 1;
        assert_eq!(m.len(), b.len());
        assert_eq!(m.iter().map(|(i, &v)| (i, v)).collect::<Vec<_>>(), b.iter().map(|(&i, &v)| (i, v)).collect::<Vec<_>>());
        for i in [0u64, 2, 3, 4, 5, 9, 11, 12, DENSE_LIMIT, DENSE_LIMIT + 7, 1 << 40, u64::MAX] {
            assert_eq!(m.get(FdId(i)), b.get(&FdId(i)), "id {i}");
            assert_eq!(m.contains_key(FdId(i)), b.contains_key(&FdId(i)));
        }
    }

    #[test]
    fn removing_the_newest_ids_gives_their_room_back() {
        let mut m = IdMap::new();
        for i in 0..10 {
            m.insert(FdId(i), i);
        }
        for i in (3..10).rev() {
            m.remove(FdId(i));
        }
        assert_eq!(m.dense.len(), 3);
        m.remove(FdId(1));
        assert_eq!(m.dense.len(), 3, "a hole in the middle stays");
        m.remove(FdId(2));
        assert_eq!(m.dense.len(), 1, "and goes with the end");
        assert!(m.is_empty() == (m.len() == 0) && m.len() == 1);
    }
}
