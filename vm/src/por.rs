//! Partial-order reduction for schedule exploration: the footprint of a *segment* — what a
//! thread executes between two scheduling points — and the dependence relation between
//! segments that optimal DPOR and sleep sets use (docs/explore.md, "The dependence relation").
//!
//! A footprint holds the locations a segment read and wrote: memory (allocation id and 8-byte
//! granule), atomics and plain accesses alike, and pseudo-locations for what is not memory
//! (the console, the spawn counter, a thread's end and joiner, a host resource such as a file
//! description, which a host names through `Machine::touch`); and two conservative flags:
//!
//! - `global`: a foreign call whose host did not say what it touches (the VM does not know what
//!   such a call does).
//! - `opaque`: the segment depends on everything: it read the virtual clock (virtual time is
//!   the number of steps all threads executed, so every segment moves it), yielded (the
//!   scheduler's yield rule depends on which thread ran last), armed a timer, ran while a
//!   deadline or timer was pending (time may then wake threads between any two segments), or
//!   ended the run (no other thread runs after it).
//!
//! Two segments are *dependent* when either is opaque, both are global, one is global and the
//! other touched the console or a host resource or frees memory (a foreign call may look at
//! any allocation's extent), or one writes a location the other reads or writes. Independent
//! segments of different threads commute: either order reaches the same state and neither
//! changes what the other does.

use crate::memory::split;

/// A memory location: the allocation id in the high 32 bits, the 8-byte granule below.
/// Allocation id 0 (null) holds pseudo-locations.
pub type Loc = u64;

/// Pseudo-location written by every allocation (ids are handed out in order).
pub const LOC_ALLOC: Loc = 0;
/// Pseudo-location written by every `seq_cst` fence (they share one clock).
pub const LOC_SC_FENCE: Loc = 1;
/// Pseudo-location written by every `spawn` (thread ids are handed out in order).
pub const LOC_SPAWN: Loc = 2;
/// Pseudo-location written by every `print` (the console's order is observable).
pub const LOC_CONSOLE: Loc = 3;

/// Pseudo-location of thread `t`'s end: its end writes it, a `join` that finds it ended reads
/// it (and awaits it).
pub fn thread_end_loc(t: u32) -> Loc {
    1 << 30 | (t as u64 & 0x1fff_ffff)
}

/// Pseudo-location of thread `t`'s joiner: every `join` of it writes it.
pub fn thread_join_loc(t: u32) -> Loc {
    1 << 30 | 1 << 29 | (t as u64 & 0x1fff_ffff)
}

/// Pseudo-location of host resource `r` (a file description, an epoll instance, the fd table
/// …): what a host says a foreign call touched ([`crate::Machine::touch`]).
pub fn resource_loc(r: u32) -> Loc {
    1 << 31 | (r as u64 & 0x7fff_ffff)
}

/// Pseudo-location of the `futex` wait queue of the 32-bit word at guest address `addr`: in the
/// word's allocation (so that freeing it conflicts), apart from its memory (bit 31 of the low
/// half, which no granule of a 4 GiB allocation reaches). A wait that sleeps and a wake that
/// wakes someone write it; a wake that finds nobody reads it (two such wakes commute); a wait
/// that finds the word changed does not touch it.
pub fn futex_queue_loc(addr: u64) -> Loc {
    let (id, off) = split(addr);
    (id as u64) << 32 | 1 << 31 | (off / 4 & 0x7fff_ffff)
}

/// The memory location (allocation and 8-byte granule) of guest address `addr`, as
/// [`Footprint::access`] records it.
pub fn mem_loc(addr: u64) -> Loc {
    let (id, off) = split(addr);
    (id as u64) << 32 | off / 8
}

/// Accesses wider than this many granules are recorded as touching the whole allocation.
const MAX_GRANULES: u64 = 64;

/// What a segment did that other threads' segments may depend on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// (location, written), sorted and deduplicated by [`Footprint::finish`].
    pub locs: Vec<(Loc, bool)>,
    /// (allocation id, written): accesses to a whole allocation (a free is a write of it).
    pub whole: Vec<(u32, bool)>,
    pub global: bool,
    pub opaque: bool,
    /// A location the segment read and could not have gone on without: a `join` that found
    /// its thread ended awaits the end (without it, it would have blocked). Exploration orders
    /// the segment after the last write of it, and does not try it before (it would block,
    /// and the blocked attempt and the wake-up are the same class).
    pub awaits: Option<Loc>,
    /// With lock waits ([`crate::Config::lock_waits`]): the address and the old value of the
    /// word the segment's read-modify-write or successful compare-and-swap changed. A lock
    /// acquisition is reversed with the last one that took the same word from the same value
    /// (docs/explore.md, "Lock waits"); not part of the dependence relation.
    pub from: Option<(u64, u64)>,
}

impl Footprint {
    /// Records an access of `size` bytes at guest address `addr`.
    #[inline]
    pub fn access(&mut self, addr: u64, size: u64, write: bool) {
        let (id, off) = split(addr);
        let (g0, g1) = (off / 8, (off + size.max(1) - 1) / 8);
        if g1 - g0 >= MAX_GRANULES {
            self.whole.push((id, write));
            return;
        }
        for g in g0..=g1 {
            self.loc((id as u64) << 32 | g, write);
        }
    }

    /// Records an access of a location.
    #[inline]
    pub fn loc(&mut self, loc: Loc, write: bool) {
        if self.locs.last() != Some(&(loc, write)) {
            self.locs.push((loc, write));
        }
    }

    /// Records the deallocation of allocation `id`.
    pub fn free(&mut self, id: u32) {
        self.whole.push((id, true));
    }

    /// Sorts and deduplicates (a location read and written counts as written).
    pub fn finish(&mut self) {
        fn norm<T: Ord + Copy>(v: &mut Vec<(T, bool)>) {
            v.sort_unstable();
            // One entry per location, written if any access wrote it; in place (a segment's
            // footprint is finished at every scheduling point of a reduced exploration).
            v.dedup_by(|cur, kept| {
                let same = cur.0 == kept.0;
                kept.1 |= same && cur.1;
                same
            });
        }
        if self.locs.len() > 1 {
            norm(&mut self.locs);
        }
        if self.whole.len() > 1 {
            norm(&mut self.whole);
        }
    }

    /// Whether the two segments are dependent (both must be [`Footprint::finish`]ed).
    pub fn depends(&self, other: &Footprint) -> bool {
        if self.opaque || other.opaque || (self.global && other.global) {
            return true;
        }
        let frees = |f: &Footprint| f.whole.iter().any(|w| w.1);
        if (self.global && frees(other)) || (other.global && frees(self)) {
            return true;
        }
        // A global call may touch the console or any host resource.
        if (self.global && touches_host(other)) || (other.global && touches_host(self)) {
            return true;
        }
        // Locations: a merge of the two sorted lists.
        let (a, b) = (&self.locs, &other.locs);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if a[i].1 || b[j].1 {
                        return true;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        whole_conflict(self, other) || whole_conflict(other, self)
    }
}

/// Whether a segment touched the console or a host resource (pseudo-locations that a global
/// call may touch too). Pseudo-locations sort first.
fn touches_host(f: &Footprint) -> bool {
    f.locs.iter().take_while(|l| l.0 >> 32 == 0).any(|l| l.0 == LOC_CONSOLE || l.0 & 1 << 31 != 0)
}

/// Whether a whole-allocation access of `a` conflicts with an access of `b`.
fn whole_conflict(a: &Footprint, b: &Footprint) -> bool {
    a.whole.iter().any(|&(id, w)| {
        let lo = (id as u64) << 32;
        let start = b.locs.partition_point(|l| l.0 < lo);
        b.locs[start..].iter().take_while(|l| l.0 >> 32 == id as u64).any(|l| w || l.1)
            || b.whole.iter().any(|&(i, w2)| i == id && (w || w2))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::addr;

    fn fp(accesses: &[(u32, u64, u64, bool)]) -> Footprint {
        let mut f = Footprint::default();
        for &(id, off, size, w) in accesses {
            f.access(addr(id, off), size, w);
        }
        f.finish();
        f
    }

    #[test]
    fn reads_commute_and_writes_do_not() {
        let r = fp(&[(1, 0, 8, false)]);
        let w = fp(&[(1, 4, 4, true)]);
        let other = fp(&[(1, 8, 8, true)]);
        assert!(!r.depends(&r.clone()));
        assert!(r.depends(&w) && w.depends(&r));
        assert!(!w.depends(&other));
        // An access that straddles two granules touches both.
        assert!(fp(&[(1, 6, 4, false)]).depends(&other));
    }

    #[test]
    fn flags_and_frees() {
        let g = Footprint { global: true, ..Footprint::default() };
        let r = fp(&[(2, 0, 8, false)]);
        assert!(g.depends(&g.clone()));
        assert!(!g.depends(&r));
        let mut free = Footprint::default();
        free.free(2);
        free.finish();
        assert!(free.depends(&r) && r.depends(&free));
        assert!(free.depends(&g));
        assert!(!free.depends(&fp(&[(3, 0, 8, true)])));
        let o = Footprint { opaque: true, ..Footprint::default() };
        assert!(o.depends(&Footprint::default()));
        // A wide access is a whole-allocation one.
        let wide = fp(&[(2, 0, 4096, true)]);
        assert!(wide.depends(&fp(&[(2, 2048, 1, false)])));
    }
}
