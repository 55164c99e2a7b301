//! Where happens-before came from, for race reports: which operation of a thread last taught it
//! another thread's time (a spawn, a join, a foreign call that acquired, an atomic acquire), and
//! where each thread released its clock. A race report names the edge that *almost* ordered the
//! two accesses: "the call at line 31 acquired `writer`'s clock as of line 18, but (1), at line
//! 20, came after it".
//!
//! Recorded only while the race detector runs, at synchronisation operations (never at plain
//! memory accesses): O(clock length) per acquire, like the acquire itself.

use crate::clock::{VClock, VTime, VectorIdx};
use crate::race::Site;
use crate::thread::ThreadId;
use smallvec::SmallVec;

/// How a thread learnt another's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// It was spawned (at the spawner's call `site`).
    Spawned { site: Site },
    /// It joined `thread` (at its own call `site`).
    Joined { thread: ThreadId, site: Site },
    /// A foreign call of its own (an fd operation) acquired a clock.
    Call { site: Site },
    /// An atomic operation or fence of its own acquired a clock.
    Atomic { site: Site },
    /// An interrupt frame of function `func` acquired a clock as it was entered, before the
    /// instruction at `site` (a host's asynchronous call: a signal's handler, to the shims).
    Interrupt { site: Site, func: u32 },
}

/// A thread keeps this many of its latest releases.
const RELEASES_KEPT: usize = 16;

/// The rows below are inline up to a few entries: a run of a small program (the common case
/// when exploring, where every run starts afresh) then allocates one row table per kind, not
/// one per thread and kind.
pub struct Edges {
    /// Per thread, per vector index: the edge that last raised that entry, and the value.
    learned: Vec<SmallVec<[Option<(Edge, VTime)>; 4]>>,
    /// Per thread: its latest releases, (its time when it released, where).
    releases: Vec<ReleaseLog>,
    /// Per thread: the threads it joined, in order.
    joined: Vec<SmallVec<[ThreadId; 2]>>,
}

type Rows = (Vec<SmallVec<[Option<(Edge, VTime)>; 4]>>, Vec<ReleaseLog>, Vec<SmallVec<[ThreadId; 2]>>);

/// A thread's latest [`RELEASES_KEPT`] releases, (its time when it released, where), in a ring:
/// every fd operation that wakes a thread releases a clock or two, so keeping the log must not
/// shift it (a `Vec` whose oldest entry is removed moved all the others at every release once
/// full).
#[derive(Clone, Copy, Default)]
struct ReleaseLog {
    entries: [(VTime, Site); RELEASES_KEPT],
    /// How many entries are in use (at most `RELEASES_KEPT`).
    len: u8,
    /// Where the next release goes (over the oldest once full).
    next: u8,
}

impl ReleaseLog {
    fn push(&mut self, r: (VTime, Site)) {
        // Both counters are read before anything is stored: `len` read back after the store
        // of `next` beside it was one wide load over a narrow store, which the CPU cannot
        // forward (perf put 70 % of this function's time on it, 3 % of epoll (b)'s).
        let (next, len) = (self.next as usize, self.len as usize);
        self.entries[next % RELEASES_KEPT] = r;
        self.next = ((next + 1) % RELEASES_KEPT) as u8;
        self.len = (len + 1).min(RELEASES_KEPT) as u8;
    }

    /// The kept releases, newest first.
    fn newest_first(&self) -> impl Iterator<Item = (VTime, Site)> + '_ {
        (1..=self.len as usize).map(move |k| self.entries[(self.next as usize + RELEASES_KEPT - k) % RELEASES_KEPT])
    }
}

thread_local! {
    /// The row tables of the last log dropped on this host thread, emptied, for the next run's
    /// log (as the race detector's [`crate::race`] vectors are): one allocation per table and
    /// run saved. Only capacity is kept.
    static SPARE: std::cell::Cell<Option<Rows>> = const { std::cell::Cell::new(None) };
}

impl Default for Edges {
    fn default() -> Self {
        let (learned, releases, joined) = SPARE.try_with(|s| s.take()).ok().flatten().unwrap_or_default();
        Edges { learned, releases, joined }
    }
}

impl Drop for Edges {
    fn drop(&mut self) {
        if self.learned.len() + self.releases.len() + self.joined.len() > 256 {
            return;
        }
        let mut rows = (std::mem::take(&mut self.learned), std::mem::take(&mut self.releases), std::mem::take(&mut self.joined));
        rows.0.clear();
        rows.1.clear();
        rows.2.clear();
        let _ = SPARE.try_with(|s| s.set(Some(rows)));
    }
}

impl Edges {
    /// Thread `t`'s clock went from `before` to `after` through `edge`.
    pub fn learned(&mut self, t: ThreadId, own: VectorIdx, before: &VClock, after: &VClock, edge: Edge) {
        if self.learned.len() <= t {
            self.learned.resize_with(t + 1, SmallVec::new);
        }
        let row = &mut self.learned[t];
        for (i, &v) in after.as_slice().iter().enumerate() {
            if i != own.0 as usize && v > before.get(VectorIdx(i as u32)) {
                if row.len() <= i {
                    row.resize(i + 1, None);
                }
                row[i] = Some((edge, v));
            }
        }
    }

    /// Thread `t` released its clock at its time `time`, at `site`.
    pub fn released(&mut self, t: ThreadId, time: VTime, site: Site) {
        if self.releases.len() <= t {
            self.releases.resize_with(t + 1, Default::default);
        }
        self.releases[t].push((time, site));
    }

    /// Thread `t` joined `target`.
    pub fn joined(&mut self, t: ThreadId, target: ThreadId) {
        if self.joined.len() <= t {
            self.joined.resize_with(t + 1, SmallVec::new);
        }
        self.joined[t].push(target);
    }

    /// How thread `t` learnt vector entry `idx` (if it still knows what it learnt then).
    pub fn how(&self, t: ThreadId, idx: VectorIdx) -> Option<(Edge, VTime)> {
        *self.learned.get(t)?.get(idx.0 as usize)?
    }

    /// Where thread `t` released its clock as of its time `time`, if that is still recorded.
    pub fn release_site(&self, t: ThreadId, time: VTime) -> Option<Site> {
        self.releases.get(t)?.newest_first().find(|r| r.0 == time).map(|r| r.1)
    }

    /// The threads `t` joined.
    pub fn joins(&self, t: ThreadId) -> &[ThreadId] {
        self.joined.get(t).map_or(&[], |j| j.as_slice())
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
    fn only_the_entries_an_edge_raised_are_attributed_to_it() {
        let mut e = Edges::default();
        let call = Edge::Call { site: 7 };
        e.learned(1, VectorIdx(1), &clock(&[2, 5, 0]), &clock(&[3, 6, 0]), call);
        assert_eq!(e.how(1, VectorIdx(0)), Some((call, 3)));
        assert_eq!(e.how(1, VectorIdx(1)), None, "a thread's own entry is not learnt");
        assert_eq!(e.how(1, VectorIdx(2)), None, "an entry that did not grow keeps its old edge");
        let atomic = Edge::Atomic { site: 9 };
        e.learned(1, VectorIdx(1), &clock(&[3, 6, 0]), &clock(&[3, 6, 4]), atomic);
        assert_eq!(e.how(1, VectorIdx(0)), Some((call, 3)));
        assert_eq!(e.how(1, VectorIdx(2)), Some((atomic, 4)));
    }

    #[test]
    fn releases_are_found_by_time_and_only_the_latest_are_kept() {
        let mut e = Edges::default();
        for t in 1..=(RELEASES_KEPT as VTime + 5) {
            e.released(2, t, 100 + t as Site);
        }
        assert_eq!(e.release_site(2, 21), Some(121));
        assert_eq!(e.release_site(2, 1), None, "older releases are forgotten");
        e.joined(0, 2);
        assert_eq!(e.joins(0), &[2]);
        assert!(e.joins(1).is_empty());
    }
}
