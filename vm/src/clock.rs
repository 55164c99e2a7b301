//! Vector clocks: the happens-before currency that threads, atomics and the fd shims trade in.
//!
//! A [`VClock`] maps a thread's vector index to a logical time. Threads *release* a clock into a
//! synchronisation object (an eventfd, the bytes of a pipe, a readiness change) and *acquire* it
//! later by joining it into their own clock. Clocks are short in practice (a few threads), so the
//! storage is inline up to four entries and only spills to the heap beyond that.

use smallvec::SmallVec;
use std::cmp::Ordering;

/// Index of a thread in every vector clock. Usually one per thread; indices of joined threads may
/// be reused (see the race detector) so that clocks stay short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VectorIdx(pub u32);

/// A logical time for one vector index.
pub type VTime = u32;

/// A vector clock. Invariant: the last stored entry is non-zero, so equal clocks compare equal
/// whatever their history, and the empty clock is the all-zero clock.
#[derive(Default, PartialEq, Eq, Hash)]
pub struct VClock(SmallVec<[VTime; 4]>);

/// Copies the entries as a slice: `SmallVec`'s own `clone` goes element by element through an
/// iterator, and clocks are cloned at every release and store (a sixth of an atomic access's
/// cost under `explore`).
impl Clone for VClock {
    #[inline]
    fn clone(&self) -> Self {
        VClock(SmallVec::from_slice(&self.0))
    }
    #[inline]
    fn clone_from(&mut self, other: &Self) {
        self.0.clear();
        self.0.extend_from_slice(&other.0);
    }
}

impl VClock {
    /// The all-zero clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time stored for `idx` (0 if none).
    #[inline]
    pub fn get(&self, idx: VectorIdx) -> VTime {
        self.0.get(idx.0 as usize).copied().unwrap_or(0)
    }

    /// Sets the entry for `idx`.
    pub fn set(&mut self, idx: VectorIdx, time: VTime) {
        let i = idx.0 as usize;
        if i >= self.0.len() {
            if time == 0 {
                return;
            }
            self.grow_to(i + 1);
        }
        self.0[i] = time;
        self.normalize();
    }

    /// Increments the entry for `idx` and returns the new time. At [`VTime::MAX`] it stays there
    /// (a guest can make 2³² releases on one thread): the machine stops the run with a limit
    /// report at its next check ([`crate::race::Detector::clock_saturated`]), never a panic.
    #[inline]
    pub fn increment(&mut self, idx: VectorIdx) -> VTime {
        let i = idx.0 as usize;
        if i >= self.0.len() {
            self.grow_to(i + 1);
        }
        let t = self.0[i].saturating_add(1);
        // Non-zero: the last entry stays non-zero, so there is nothing to normalise.
        self.0[i] = t;
        t
    }

    /// Pointwise maximum: after `a.join(&b)`, everything that happened before `b` happened
    /// before `a`.
    #[inline]
    pub fn join(&mut self, other: &VClock) {
        let b = other.0.as_slice();
        // The entries both have, as plain slices of one length (no per-entry branch); then
        // `other`'s further entries are copied, not pushed one by one.
        let n = self.0.len().min(b.len());
        for (a, &b) in self.0[..n].iter_mut().zip(&b[..n]) {
            *a = (*a).max(b);
        }
        if b.len() > n {
            self.0.extend_from_slice(&b[n..]);
        }
    }

    /// `self <= other` pointwise: everything `self` knows, `other` knows too.
    pub fn le(&self, other: &VClock) -> bool {
        self.0.len() <= other.0.len() && self.0.iter().zip(other.0.iter()).all(|(a, b)| a <= b)
    }

    /// Number of stored entries (the highest non-zero index + 1).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether this is the all-zero clock.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries as a slice, index by index.
    pub fn as_slice(&self) -> &[VTime] {
        &self.0
    }

    /// Zero entries up to `len` (a clock grows by an entry or two at a time: `push` costs less
    /// than `SmallVec::resize`'s iterator).
    #[inline]
    fn grow_to(&mut self, len: usize) {
        while self.0.len() < len {
            self.0.push(0);
        }
    }

    fn normalize(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
}

impl PartialOrd for VClock {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self.le(other), other.le(self)) {
            (true, true) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (false, false) => None,
        }
    }
}

impl std::fmt::Debug for VClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(v: &[VTime]) -> VClock {
        let mut c = VClock::new();
        for (i, &t) in v.iter().enumerate() {
            c.set(VectorIdx(i as u32), t);
        }
        c
    }

    #[test]
    fn join_is_pointwise_max_and_keeps_trailing_zeros_out() {
        let mut a = clock(&[3, 0, 1]);
        a.join(&clock(&[1, 5]));
        assert_eq!(a.as_slice(), &[3, 5, 1]);
        let mut short = clock(&[4, 1]);
        short.join(&clock(&[2, 7, 0, 6]));
        assert_eq!(short.as_slice(), &[4, 7, 0, 6], "a shorter clock takes the other's further entries");
        let mut empty = VClock::new();
        empty.join(&clock(&[0, 9]));
        assert_eq!(empty, clock(&[0, 9]));
        let mut inc = clock(&[1]);
        assert_eq!(inc.increment(VectorIdx(3)), 1);
        assert_eq!(inc.increment(VectorIdx(0)), 2);
        assert_eq!(inc.as_slice(), &[2, 0, 0, 1]);
        let mut z = clock(&[0, 0, 0]);
        assert!(z.is_empty());
        z.set(VectorIdx(2), 0);
        assert_eq!(z, VClock::new());
    }

    #[test]
    fn order_is_partial() {
        assert!(clock(&[1, 2]) < clock(&[1, 3]));
        assert_eq!(clock(&[1, 2]).partial_cmp(&clock(&[2, 1])), None);
        assert!(clock(&[]).le(&clock(&[0, 1])));
        assert!(!clock(&[0, 2]).le(&clock(&[5])));
    }
}
