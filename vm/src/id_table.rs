//! A table indexed by allocation id whose host memory follows the allocations still alive, not
//! every id ever handed out.
//!
//! Ids are handed out in order and never reused ([`crate::memory`]), so that a dangling pointer
//! is always recognised as one. A flat vector of one record per id grew by a record with every
//! allocation, freed or not: a loop calling a function with an array local was charged 208
//! bytes of `--max-memory` per call, for ever, and a program whose live memory stayed at a few
//! bytes hit the limit after about five million calls (an eventfd ping-pong with two array
//! locals per call stopped between one and one and a half million round trips).
//!
//! Here the ids are cut into chunks of [`CHUNK`] consecutive ids. A chunk is made when its first
//! entry is, and dropped once each of its ids has been retired (its allocation freed): the
//! table's memory is then one directory slot per chunk ever made (about a third of a byte per
//! id) plus the chunks that still hold a live allocation. The last few dropped chunks are kept
//! (`keep`), so that a report about a recently freed allocation still finds its record; a
//! dropped chunk's box is reused for the next chunk made.
//!
//! The owner counts the memory: [`IdTable::charged`] is what the table holds now, and the
//! methods that grow or shrink it take the budget.

use crate::memory::{heap_block, Budget};
use std::collections::VecDeque;

/// How many consecutive ids a chunk holds.
pub const CHUNK: usize = 64;
const CHUNK_BITS: u32 = CHUNK.trailing_zeros();

#[derive(Clone)]
pub struct IdTable<T> {
    /// Chunk `c` holds ids `c * CHUNK ..`; `None` before its first entry is made, and again
    /// once it is dropped.
    dir: Vec<Option<Box<[T; CHUNK]>>>,
    /// Per chunk: how many of its ids were retired ([`CHUNK`]: the chunk was dropped).
    retired: Vec<u8>,
    /// The latest dropped chunks, oldest first, with their numbers: at most `keep`.
    kept: VecDeque<(usize, Box<[T; CHUNK]>)>,
    keep: usize,
    /// A dropped chunk's box, for the next chunk made.
    spare: Option<Box<[T; CHUNK]>>,
    /// Chunks held now (in `dir` and `kept`).
    chunks: usize,
    /// One past the highest id an entry was asked for: entries at or above it are as made
    /// (`T::default()`), which spares [`Self::clear`] and [`Self::entries`] the rest of a chunk.
    hi: u32,
}

/// What one chunk of `T` costs the budget: its block.
fn chunk_bytes<T>() -> u64 {
    heap_block((CHUNK * std::mem::size_of::<T>()) as u64)
}

/// What one directory slot costs: the slot and its count, in vectors that double.
fn slot_bytes<T>() -> u64 {
    2 * (std::mem::size_of::<Option<Box<[T; CHUNK]>>>() as u64 + 1)
}

/// A chunk of default entries, made on the heap (a chunk of records is 5 KiB).
fn new_chunk<T: Default>() -> Box<[T; CHUNK]> {
    let entries: Box<[T]> = (0..CHUNK).map(|_| T::default()).collect();
    match entries.try_into() {
        Ok(chunk) => chunk,
        Err(_) => unreachable!("CHUNK entries were made"),
    }
}

/// How many entries of chunk `c` may have been made, below `hi` ([`IdTable::hi`]).
fn used(c: usize, hi: usize) -> usize {
    hi.saturating_sub(c * CHUNK).min(CHUNK)
}

#[inline(always)]
fn place(id: u32) -> (usize, usize) {
    ((id >> CHUNK_BITS) as usize, id as usize & (CHUNK - 1))
}

impl<T: Default> Default for IdTable<T> {
    /// An empty table that keeps no dropped chunk.
    fn default() -> Self {
        IdTable::new(0)
    }
}

impl<T: Default> IdTable<T> {
    /// An empty table that keeps the records of its `keep` latest dropped chunks.
    pub fn new(keep: usize) -> Self {
        IdTable { dir: Vec::new(), retired: Vec::new(), kept: VecDeque::new(), keep, spare: None, chunks: 0, hi: 0 }
    }

    /// Keep the records of the `keep` latest dropped chunks from now on.
    pub fn set_keep(&mut self, keep: usize) {
        self.keep = keep;
    }

    /// The entry of `id`, if its chunk is held and was not dropped.
    #[inline(always)]
    pub fn get(&self, id: u32) -> Option<&T> {
        let (c, i) = place(id);
        match self.dir.get(c) {
            Some(Some(chunk)) => Some(&chunk[i]),
            _ => None,
        }
    }

    #[inline(always)]
    pub fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        let (c, i) = place(id);
        match self.dir.get_mut(c) {
            Some(Some(chunk)) => Some(&mut chunk[i]),
            _ => None,
        }
    }

    /// Like [`Self::get`], and also in the kept dropped chunks (for reports).
    pub fn find(&self, id: u32) -> Option<&T> {
        let (c, i) = place(id);
        self.get(id).or_else(|| self.kept.iter().find(|k| k.0 == c).map(|k| &k.1[i]))
    }

    /// The entry of `id`, its chunk made (zeroed: every entry `T::default()`) if there is none
    /// yet. `None` if the budget does not allow the chunk, or if the chunk was dropped (every id
    /// in it was retired: nothing may be made there again).
    #[inline]
    pub fn entry(&mut self, id: u32, budget: &Budget) -> Option<&mut T> {
        let (c, i) = place(id);
        if !matches!(self.dir.get(c), Some(Some(_))) && !self.make(c, budget) {
            return None;
        }
        self.hi = self.hi.max(id.saturating_add(1));
        self.dir[c].as_mut().map(|chunk| &mut chunk[i])
    }

    /// Makes chunk `c` (the directory grown to it): `false` if the budget does not allow it or
    /// the chunk was dropped.
    #[cold]
    #[inline(never)]
    fn make(&mut self, c: usize, budget: &Budget) -> bool {
        if self.dir.len() <= c {
            if !budget.try_take((c + 1 - self.dir.len()) as u64 * slot_bytes::<T>()) {
                return false;
            }
            self.dir.resize_with(c + 1, || None);
            self.retired.resize(c + 1, 0);
        }
        if self.retired[c] as usize == CHUNK || !budget.try_take(chunk_bytes::<T>()) {
            return false;
        }
        self.dir[c] = Some(self.spare.take().unwrap_or_else(new_chunk));
        self.chunks += 1;
        true
    }

    /// `id` is done with (its allocation was freed; call once per id): once every id of its
    /// chunk is, the chunk is dropped — kept among the latest `keep`, or its memory given back.
    /// `reset` empties an entry of a chunk that leaves the table, for the box's reuse.
    pub fn retire(&mut self, id: u32, budget: &Budget, mut reset: impl FnMut(&mut T)) {
        let (c, _) = place(id);
        if self.retired.len() <= c {
            // Retiring an id whose chunk was never made (nothing was recorded for it): there is
            // nothing to drop, and nothing to count on.
            return;
        }
        self.retired[c] += 1;
        if self.retired[c] as usize != CHUNK {
            return;
        }
        let Some(chunk) = self.dir[c].take() else { return };
        self.kept.push_back((c, chunk));
        if self.kept.len() > self.keep {
            if let Some((_, mut old)) = self.kept.pop_front() {
                old.iter_mut().for_each(&mut reset);
                self.spare = Some(old);
                self.chunks -= 1;
                budget.give(chunk_bytes::<T>());
            }
        }
    }

    /// What the table holds now: its directory and chunks.
    pub fn charged(&self) -> u64 {
        self.dir.len() as u64 * slot_bytes::<T>() + self.chunks as u64 * chunk_bytes::<T>()
    }

    /// How many chunks it holds.
    pub fn chunks(&self) -> usize {
        self.chunks
    }

    /// The entries of the held chunks (not the kept dropped ones) that may have been made, in
    /// id order.
    pub fn entries(&self) -> impl Iterator<Item = &T> {
        let hi = self.hi as usize;
        self.dir.iter().enumerate().filter_map(|(c, d)| Some((c, d.as_ref()?))).flat_map(move |(c, d)| d[..used(c, hi)].iter())
    }

    /// Mutably, as [`Self::entries`].
    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut T> {
        let hi = self.hi as usize;
        self.dir.iter_mut().enumerate().filter_map(|(c, d)| Some((c, d.as_mut()?))).flat_map(move |(c, d)| d[..used(c, hi)].iter_mut())
    }

    /// Empties the table, keeping one chunk's box for the next entries (the caller has emptied
    /// its entries, or `reset` does). Gives nothing back to any budget: for a table whose
    /// owner is done.
    pub fn clear(&mut self, mut reset: impl FnMut(&mut T)) {
        let hi = self.hi as usize;
        let mut boxes = self.dir.drain(..).enumerate().filter_map(|(c, d)| Some((c, d?))).chain(self.kept.drain(..));
        if self.spare.is_none() {
            if let Some((c, mut b)) = boxes.next() {
                b[..used(c, hi)].iter_mut().for_each(&mut reset);
                self.spare = Some(b);
            }
        }
        drop(boxes);
        self.retired.clear();
        self.chunks = 0;
        self.hi = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_dropped_once_every_id_in_it_is_retired_and_kept_for_a_while() {
        let budget = Budget::new(u64::MAX);
        let mut t: IdTable<u64> = IdTable::new(1);
        for id in 0..(3 * CHUNK) as u32 {
            *t.entry(id, &budget).unwrap() = id as u64 + 1;
        }
        assert_eq!(t.chunks(), 3);
        let full = budget.used();
        assert_eq!(full, t.charged());
        // Every id of chunk 0 but one: it stays.
        for id in 1..CHUNK as u32 {
            t.retire(id, &budget, |v| *v = 0);
        }
        assert_eq!(t.get(5), Some(&6));
        t.retire(0, &budget, |v| *v = 0);
        assert_eq!(t.get(5), None, "dropped");
        assert_eq!(t.find(5), Some(&6), "kept for reports");
        assert_eq!(budget.used(), full, "a kept chunk is still held");
        assert!(t.entry(5, &budget).is_none(), "nothing is made in a dropped chunk again");
        // Chunk 1 is dropped too: chunk 0 leaves the kept ones, and its memory is given back.
        for id in CHUNK as u32..2 * CHUNK as u32 {
            t.retire(id, &budget, |v| *v = 0);
        }
        assert_eq!(t.find(5), None);
        assert_eq!(t.find(CHUNK as u32 + 1), Some(&(CHUNK as u64 + 2)));
        assert_eq!(t.chunks(), 2);
        assert_eq!(budget.used(), t.charged());
        assert!(budget.used() < full);
        // Chunk 3 reuses chunk 0's box, emptied.
        assert_eq!(t.entry(3 * CHUNK as u32 + 7, &budget).copied(), Some(0));
        assert_eq!(t.get(2 * CHUNK as u32), Some(&(2 * CHUNK as u64 + 1)), "untouched");
    }

    #[test]
    fn entries_and_clear_stop_at_the_highest_id_made() {
        let budget = Budget::new(u64::MAX);
        let mut t: IdTable<u64> = IdTable::new(0);
        *t.entry(3, &budget).unwrap() = 7;
        assert_eq!(t.entries().count(), 4, "ids 0 to 3 of chunk 0");
        assert_eq!(t.entries().copied().collect::<Vec<_>>(), [0, 0, 0, 7]);
        *t.entry(CHUNK as u32 + 1, &budget).unwrap() = 9;
        assert_eq!(t.entries().count(), CHUNK + 2);
        // Cleared, the kept box is empty again where it was used, and the next table's entries
        // start from nothing.
        t.clear(|v| *v = 0);
        assert_eq!(t.entries().count(), 0);
        assert_eq!(t.entry(3, &budget).copied(), Some(0));
    }

    #[test]
    fn a_chunk_that_does_not_fit_the_budget_is_not_made() {
        let budget = Budget::new(100);
        let mut t: IdTable<u64> = IdTable::new(0);
        assert!(t.entry(0, &budget).is_none());
        assert_eq!(t.chunks(), 0);
    }
}
