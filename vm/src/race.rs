//! The data-race detector: FastTrack (Flanagan & Freund, PLDI 2009) over vector clocks, with the
//! C++20 release/acquire rules for atomics and fences.
//!
//! Each thread has a vector clock. A location remembers its last non-atomic write as an *epoch*
//! (one thread's index and time) and its reads as an epoch too, widened to a full vector only
//! while several threads read it concurrently. An access races when the location's last
//! conflicting access does not happen before the accessing thread's clock.
//!
//! Shadow state is dense, per allocation: one cell per 8-byte granule while the granule is only
//! ever accessed as a whole, split into eight per-byte cells when an access covers part of it.
//! The common case — a thread re-accessing what it last touched — costs one comparison.

use crate::clock::{VClock, VTime, VectorIdx};
use crate::memory::AllocId;

/// An epoch packs a vector index (high 32 bits) and a time (low 32). Epoch 0 is "before
/// everything".
type Epoch = u64;
/// Marks `Cell::read` as an index into `Shadow::shared`.
const SHARED: u64 = 1 << 63;
/// Where an access happened: `func << 32 | pc`, resolved to a span only for reports.
pub type Site = u64;
/// Written into both epochs of a granule cell that is tracked byte by byte, so that the fast
/// paths (which compare an epoch with the thread's own) never match it.
const SPLIT_SENTINEL: Epoch = u64::MAX;
/// The site of the write that every byte of a fresh allocation starts with.
pub const ALLOC_SITE: Site = u64::MAX;

#[inline(always)]
fn epoch(idx: VectorIdx, t: VTime) -> Epoch {
    (idx.0 as u64) << 32 | t as u64
}
#[inline(always)]
fn epoch_idx(e: Epoch) -> VectorIdx {
    VectorIdx((e >> 32) as u32 & 0x7fff_ffff)
}
/// Whether the access at `e` happens before a thread whose clock is `c`.
#[inline(always)]
fn hb(e: Epoch, c: &VClock) -> bool {
    (e as u32) <= c.get(epoch_idx(e))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    Relaxed,
    Acquire,
    Release,
    AcqRel,
    SeqCst,
}

impl Ordering {
    pub fn from_name(s: &str) -> Option<Ordering> {
        Some(match s {
            "relaxed" => Ordering::Relaxed,
            "acquire" => Ordering::Acquire,
            "release" => Ordering::Release,
            "acq_rel" => Ordering::AcqRel,
            "seq_cst" => Ordering::SeqCst,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Ordering::Relaxed => "relaxed",
            Ordering::Acquire => "acquire",
            Ordering::Release => "release",
            Ordering::AcqRel => "acq_rel",
            Ordering::SeqCst => "seq_cst",
        }
    }
    pub fn acquires(self) -> bool {
        matches!(self, Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst)
    }
    pub fn releases(self) -> bool {
        matches!(self, Ordering::Release | Ordering::AcqRel | Ordering::SeqCst)
    }
    /// Strength for the "failure no stronger than success" rule of `cas`.
    pub fn rank(self) -> u8 {
        match self {
            Ordering::Relaxed => 0,
            Ordering::Acquire | Ordering::Release => 1,
            Ordering::AcqRel => 2,
            Ordering::SeqCst => 3,
        }
    }
}

/// What kind of access an access was, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    Read,
    Write,
    Alloc,
    Dealloc,
    AtomicLoad,
    AtomicStore,
    AtomicRmw,
}

impl AccessKind {
    pub fn describe(self) -> &'static str {
        match self {
            AccessKind::Read => "non-atomic read",
            AccessKind::Write => "non-atomic write",
            AccessKind::Alloc => "creating a new allocation",
            AccessKind::Dealloc => "deallocation",
            AccessKind::AtomicLoad => "atomic load",
            AccessKind::AtomicStore => "atomic store",
            AccessKind::AtomicRmw => "atomic read-modify-write",
        }
    }
    fn is_atomic(self) -> bool {
        matches!(self, AccessKind::AtomicLoad | AccessKind::AtomicStore | AccessKind::AtomicRmw)
    }
}

/// One side of a race.
#[derive(Clone, Copy, Debug)]
pub struct Access {
    pub kind: AccessKind,
    pub idx: VectorIdx,
    pub time: VTime,
    pub site: Site,
    pub size: u64,
}

/// A detected race: access `first` did not happen before access `second` (the current one).
#[derive(Clone, Debug)]
pub struct Race {
    pub alloc: AllocId,
    pub offset: u64,
    pub first: Access,
    pub second: Access,
    /// What the second thread knew of the first thread's time.
    pub seen: VTime,
    /// Both accesses atomic, of different sizes.
    pub mixed_size: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    write: Epoch,
    read: Epoch,
    wsite: Site,
    rsite: Site,
    /// Size of the last write, for reports.
    wsize: u32,
    /// Size of the last read (exclusive reads), for reports.
    rsize: u32,
    /// 0, or 1 + an index into `Shadow::atomics`.
    atomic: u32,
}

struct AtomicMeta {
    /// Offset and size of the atomic location, for mixed-size detection.
    offset: u64,
    size: u64,
    read_vector: VClock,
    write_vector: VClock,
    /// The clock a release sequence hands to acquiring loads.
    sync: VClock,
    /// The last atomic access per thread index, for reports: (kind, site).
    last: Vec<(VectorIdx, AccessKind, Site)>,
}

struct SharedReads {
    clock: VClock,
    /// Each reader's last read: its site and size.
    sites: Vec<(VectorIdx, Site, u32)>,
}

struct Shadow {
    size: u64,
    /// The state of every byte before its first access: written when the allocation was made.
    init: Cell,
    /// One cell per 8-byte granule (empty until the first access). A granule whose `split` entry
    /// is non-zero is tracked byte by byte in `splits`.
    granules: Vec<Cell>,
    split: Vec<u32>,
    splits: Vec<[Cell; 8]>,
    atomics: Vec<AtomicMeta>,
    shared: Vec<SharedReads>,
}

impl Shadow {
    fn new(size: u64, init: Cell) -> Self {
        Shadow { size, init, granules: Vec::new(), split: Vec::new(), splits: Vec::new(), atomics: Vec::new(), shared: Vec::new() }
    }
    fn materialize(&mut self) {
        if self.granules.is_empty() && self.size > 0 {
            let n = self.size.div_ceil(8) as usize;
            self.granules = vec![self.init; n];
            self.split = vec![0; n];
        }
    }
    /// The cells covering `[off, off + size)`, splitting granules that the access only partly covers.
    fn cells(&mut self, off: u64, size: u64, out: &mut Vec<(usize, usize)>) {
        out.clear();
        let end = off + size;
        let mut g = off / 8;
        while g * 8 < end {
            let gs = g * 8;
            let whole = off <= gs && gs + 8 <= end;
            let gi = g as usize;
            if self.split[gi] == 0 && !whole {
                self.splits.push([self.granules[gi]; 8]);
                self.split[gi] = self.splits.len() as u32;
                let g = &mut self.granules[gi];
                g.write = SPLIT_SENTINEL;
                g.read = SPLIT_SENTINEL;
            }
            if self.split[gi] == 0 {
                out.push((gi, usize::MAX));
            } else {
                for b in off.max(gs)..end.min(gs + 8) {
                    out.push((gi, (b - gs) as usize));
                }
            }
            g += 1;
        }
    }
    #[inline(always)]
    fn cell(&mut self, (g, b): (usize, usize)) -> &mut Cell {
        if b == usize::MAX {
            &mut self.granules[g]
        } else {
            &mut self.splits[self.split[g] as usize - 1][b]
        }
    }
}

struct ThreadClocks {
    clock: VClock,
    fence_acquire: VClock,
    fence_release: VClock,
}

/// The detector's state. Created when a second thread is first spawned.
pub struct Detector {
    clocks: Vec<ThreadClocks>,
    /// Thread id → vector index.
    idx_of: Vec<VectorIdx>,
    /// Vector index → the thread that last used it.
    owner: Vec<usize>,
    /// Thread id → finished.
    finished: Vec<bool>,
    /// Vector indices of finished, joined threads, with their final time: reusable once every
    /// live thread has seen that time.
    retired: Vec<(VectorIdx, VTime)>,
    active: VectorIdx,
    my_epoch: Epoch,
    shadows: Vec<Option<Box<Shadow>>>,
    sc_clock: VClock,
    scratch: Vec<(usize, usize)>,
    /// The longest vector clock seen, for statistics.
    pub max_clock_len: usize,
}

impl Detector {
    /// Starts detection with `main` (thread 0) as the only thread.
    pub fn new() -> Self {
        let mut clock = VClock::new();
        clock.set(VectorIdx(0), 1);
        let mut d = Detector {
            clocks: vec![ThreadClocks { clock, fence_acquire: VClock::new(), fence_release: VClock::new() }],
            idx_of: vec![VectorIdx(0)],
            owner: vec![0],
            finished: vec![false],
            retired: Vec::new(),
            active: VectorIdx(0),
            my_epoch: 0,
            shadows: Vec::new(),
            sc_clock: VClock::new(),
            scratch: Vec::new(),
            max_clock_len: 1,
        };
        d.refresh_epoch();
        d
    }

    fn refresh_epoch(&mut self) {
        let c = &self.clocks[self.active.0 as usize].clock;
        self.my_epoch = epoch(self.active, c.get(self.active));
        self.max_clock_len = self.max_clock_len.max(c.len());
    }

    /// Makes thread `t` the one whose accesses are checked.
    #[inline]
    pub fn set_active(&mut self, t: usize) {
        let idx = self.idx_of[t];
        if idx != self.active {
            self.active = idx;
            self.refresh_epoch();
        }
    }

    pub fn thread_of(&self, idx: VectorIdx) -> usize {
        self.owner[idx.0 as usize]
    }

    pub fn idx_of(&self, t: usize) -> VectorIdx {
        self.idx_of[t]
    }

    /// Thread `t`'s clock (for reports).
    pub fn clock_of(&self, t: usize) -> &VClock {
        &self.clocks[self.idx_of[t].0 as usize].clock
    }

    /// The active thread's clock.
    pub fn clock(&self) -> &VClock {
        &self.clocks[self.active.0 as usize].clock
    }

    /// Release: hand out the active thread's current clock, *then* advance its own time, so that
    /// later accesses are not covered by what was handed out (Miri #3947).
    pub fn release(&mut self) -> VClock {
        let i = self.active;
        let c = self.clocks[i.0 as usize].clock.clone();
        self.clocks[i.0 as usize].clock.increment(i);
        self.refresh_epoch();
        c
    }

    /// Acquire: join a released clock into the active thread's clock.
    pub fn acquire(&mut self, c: &VClock) {
        self.clocks[self.active.0 as usize].clock.join(c);
        self.refresh_epoch();
    }

    /// A new thread `child` spawned by the active thread: it starts with the parent's clock.
    /// `live_threads`: the threads not yet terminated (the machine's list, so that a spawn costs
    /// O(live threads), not O(threads that ever ran)).
    pub fn spawn(&mut self, child: usize, live_threads: &[usize]) {
        let parent = self.active;
        let parent_clock = self.release();
        // Reuse the index of a retired thread that every live thread has caught up with.
        let live: Vec<VectorIdx> = live_threads
            .iter()
            .copied()
            .filter(|&t| t < self.idx_of.len() && self.finished.get(t) == Some(&false))
            .map(|t| self.idx_of[t])
            .collect();
        let reusable = self.retired.iter().position(|&(idx, fin)| live.iter().all(|l| self.clocks[l.0 as usize].clock.get(idx) >= fin));
        let idx = match reusable {
            Some(k) => self.retired.swap_remove(k).0,
            None => {
                self.clocks.push(ThreadClocks { clock: VClock::new(), fence_acquire: VClock::new(), fence_release: VClock::new() });
                self.owner.push(child);
                VectorIdx(self.clocks.len() as u32 - 1)
            }
        };
        let mut clock = parent_clock;
        // A reused index continues after the time its previous owner reached.
        clock.increment(idx);
        let tc = &mut self.clocks[idx.0 as usize];
        tc.clock = clock;
        tc.fence_acquire = VClock::new();
        tc.fence_release = VClock::new();
        self.owner[idx.0 as usize] = child;
        if self.idx_of.len() <= child {
            self.idx_of.resize(child + 1, VectorIdx(0));
            self.finished.resize(child + 1, true);
        }
        self.finished[child] = false;
        self.idx_of[child] = idx;
        self.max_clock_len = self.max_clock_len.max(self.clocks[idx.0 as usize].clock.len());
        let _ = parent;
    }

    /// The active thread finished: its final clock, for whoever joins it.
    pub fn terminate(&mut self) -> VClock {
        let t = self.owner[self.active.0 as usize];
        if let Some(f) = self.finished.get_mut(t) {
            *f = true;
        }
        self.release()
    }

    /// A finished thread `t` was joined: its index may be reused later.
    pub fn retire(&mut self, t: usize, final_clock: &VClock) {
        let idx = self.idx_of[t];
        self.retired.push((idx, final_clock.get(idx)));
    }

    // ---- fences --------------------------------------------------------------------------

    pub fn fence(&mut self, ord: Ordering) {
        let i = self.active.0 as usize;
        if ord.acquires() {
            let fa = std::mem::take(&mut self.clocks[i].fence_acquire);
            self.clocks[i].clock.join(&fa);
            self.clocks[i].fence_acquire = fa;
        }
        if ord == Ordering::SeqCst {
            let sc = self.sc_clock.clone();
            self.clocks[i].clock.join(&sc);
            self.sc_clock.join(&self.clocks[i].clock);
        }
        if ord.releases() {
            self.clocks[i].fence_release = self.clocks[i].clock.clone();
            self.clocks[i].clock.increment(self.active);
        }
        self.refresh_epoch();
    }

    // ---- allocations -----------------------------------------------------------------------

    /// A new allocation made by the active thread: every byte starts as written by it, now.
    pub fn on_alloc(&mut self, id: AllocId, size: u64) {
        let id = id as usize;
        if self.shadows.len() <= id {
            self.shadows.resize_with(id + 1, || None);
        }
        let init = Cell {
            write: self.my_epoch,
            read: 0,
            wsite: ALLOC_SITE,
            rsite: 0,
            wsize: size.min(u32::MAX as u64) as u32,
            rsize: 0,
            atomic: 0,
        };
        self.shadows[id] = Some(Box::new(Shadow::new(size, init)));
    }

    /// A deallocation by the active thread: it races like a write with every earlier access.
    pub fn on_dealloc(&mut self, id: AllocId, size: u64, site: Site) -> Result<(), Box<Race>> {
        if size > 0 {
            self.access(id, 0, size, site, AccessKind::Dealloc)?;
        }
        if let Some(s) = self.shadows.get_mut(id as usize) {
            *s = None;
        }
        Ok(())
    }

    // ---- non-atomic accesses -----------------------------------------------------------------

    /// Checks and records a non-atomic read of `size` bytes at `off` in allocation `id`.
    #[inline]
    pub fn read(&mut self, id: AllocId, off: u64, size: u64, alloc_size: u64, site: Site) -> Result<(), Box<Race>> {
        // Fast path: an aligned 8-byte read of an unsplit granule this thread read last, at its
        // current time.
        // (Split granules hold a sentinel that never matches.)
        if size == 8 && off % 8 == 0 {
            if let Some(Some(sh)) = self.shadows.get(id as usize) {
                if let Some(c) = sh.granules.get((off / 8) as usize) {
                    if c.read == self.my_epoch {
                        return Ok(());
                    }
                }
            }
        }
        let _ = alloc_size;
        self.access(id, off, size, site, AccessKind::Read)
    }

    /// Checks and records a non-atomic write.
    #[inline]
    pub fn write(&mut self, id: AllocId, off: u64, size: u64, alloc_size: u64, site: Site) -> Result<(), Box<Race>> {
        // Fast path (FastTrack's "write, same epoch"): this thread wrote it last, at its current
        // time. No other thread can have accessed it since without a race being reported, since
        // that would have needed a release by this thread, which advances its time.
        if size == 8 && off % 8 == 0 {
            if let Some(Some(sh)) = self.shadows.get_mut(id as usize) {
                if let Some(c) = sh.granules.get_mut((off / 8) as usize) {
                    if c.write == self.my_epoch && c.atomic == 0 {
                        c.wsite = site;
                        return Ok(());
                    }
                }
            }
        }
        let _ = alloc_size;
        self.access(id, off, size, site, AccessKind::Write)
    }

    fn access(&mut self, id: AllocId, off: u64, size: u64, site: Site, kind: AccessKind) -> Result<(), Box<Race>> {
        let me = self.active;
        let my_epoch = self.my_epoch;
        let mut cells = std::mem::take(&mut self.scratch);
        let clock = &self.clocks[me.0 as usize].clock;
        let sh = shadow_mut(&mut self.shadows, id, off + size);
        sh.cells(off, size, &mut cells);
        let second = Access { kind, idx: me, time: my_epoch as u32, site, size };
        let mut at: u64;
        let race = |first: Access, seen: VTime| Box::new(Race { alloc: id, offset: off, first, second, seen, mixed_size: false });
        let located = |mut r: Box<Race>, at: u64| {
            r.offset = at;
            r
        };
        // Check every covered cell first, so that a race leaves the state untouched.
        for &c in &cells {
            at = cell_offset(c);
            let cell = *sh.cell(c);
            if !hb(cell.write, clock) {
                let idx = epoch_idx(cell.write);
                let k = if cell.wsite == ALLOC_SITE { AccessKind::Alloc } else { AccessKind::Write };
                self.scratch = cells;
                return Err(located(
                    race(Access { kind: k, idx, time: cell.write as u32, site: cell.wsite, size: cell.wsize as u64 }, clock.get(idx)),
                    at,
                ));
            }
            if kind != AccessKind::Read {
                if cell.read & SHARED != 0 {
                    let sr = &sh.shared[(cell.read & 0xffff_ffff) as usize];
                    if !sr.clock.le(clock) {
                        let (idx, t) = first_ahead(&sr.clock, clock);
                        let (site, rsize) = sr.sites.iter().find(|s| s.0 == idx).map_or((0, 0), |s| (s.1, s.2));
                        self.scratch = cells;
                        return Err(located(
                            race(Access { kind: AccessKind::Read, idx, time: t, site, size: rsize as u64 }, clock.get(idx)),
                            at,
                        ));
                    }
                } else if !hb(cell.read, clock) {
                    let idx = epoch_idx(cell.read);
                    self.scratch = cells;
                    return Err(located(
                        race(
                            Access { kind: AccessKind::Read, idx, time: cell.read as u32, site: cell.rsite, size: cell.rsize as u64 },
                            clock.get(idx),
                        ),
                        at,
                    ));
                }
            }
            if cell.atomic != 0 {
                let m = &sh.atomics[cell.atomic as usize - 1];
                let ahead = if kind == AccessKind::Read {
                    (!m.write_vector.le(clock)).then(|| first_ahead(&m.write_vector, clock))
                } else if !m.write_vector.le(clock) {
                    Some(first_ahead(&m.write_vector, clock))
                } else {
                    (!m.read_vector.le(clock)).then(|| first_ahead(&m.read_vector, clock))
                };
                if let Some((idx, t)) = ahead {
                    let (k, site) = m.last.iter().rev().find(|l| l.0 == idx).map_or((AccessKind::AtomicStore, 0), |l| (l.1, l.2));
                    let first = Access { kind: k, idx, time: t, site, size: m.size };
                    self.scratch = cells;
                    return Err(located(race(first, clock.get(idx)), at));
                }
            }
        }
        // Record.
        let now = clock.get(me);
        for &c in &cells {
            let read = sh.cell(c).read;
            match kind {
                AccessKind::Read => {
                    if read & SHARED != 0 {
                        let sr = &mut sh.shared[(read & 0xffff_ffff) as usize];
                        sr.clock.set(me, now);
                        let this_size = size.min(u32::MAX as u64) as u32;
                        match sr.sites.iter_mut().find(|s| s.0 == me) {
                            Some(s) => {
                                s.1 = site;
                                s.2 = this_size;
                            }
                            None => sr.sites.push((me, site, this_size)),
                        }
                    } else if read == 0 || epoch_idx(read) == me || hb(read, clock) {
                        let cell = sh.cell(c);
                        cell.read = my_epoch;
                        cell.rsite = site;
                        cell.rsize = size.min(u32::MAX as u64) as u32;
                    } else {
                        // Concurrent readers: widen to a vector.
                        let mut v = VClock::new();
                        v.set(epoch_idx(read), read as u32);
                        v.set(me, now);
                        let rsite = sh.cell(c).rsite;
                        let rsize = sh.cell(c).rsize;
                        let this_size = size.min(u32::MAX as u64) as u32;
                        sh.shared.push(SharedReads { clock: v, sites: vec![(epoch_idx(read), rsite, rsize), (me, site, this_size)] });
                        let k = sh.shared.len() as u64 - 1;
                        sh.cell(c).read = SHARED | k;
                    }
                }
                _ => {
                    let cell = sh.cell(c);
                    cell.write = my_epoch;
                    cell.wsite = site;
                    cell.wsize = size.min(u32::MAX as u64) as u32;
                    // An exclusive read epoch stays (it happens before this write, which was
                    // checked); a read-shared vector collapses (FastTrack's [WRITE SHARED]).
                    if cell.read & SHARED != 0 {
                        cell.read = 0;
                    }
                    cell.atomic = 0;
                }
            }
        }
        self.scratch = cells;
        Ok(())
    }

    // ---- atomic accesses ---------------------------------------------------------------------

    /// Checks and records an atomic access, and moves clocks as its ordering says.
    /// `load` / `store` give the parts of the operation (an RMW has both; a failed CAS only a
    /// load, with its failure ordering).
    #[allow(clippy::too_many_arguments)]
    pub fn atomic(
        &mut self,
        id: AllocId,
        off: u64,
        size: u64,
        site: Site,
        kind: AccessKind,
        ord: Ordering,
        load: bool,
        store: bool,
    ) -> Result<(), Box<Race>> {
        debug_assert!(kind.is_atomic());
        let me = self.active;
        let my_epoch = self.my_epoch;
        let mut cells = std::mem::take(&mut self.scratch);
        let sh = shadow_mut(&mut self.shadows, id, off + size);
        sh.cells(off, size, &mut cells);
        let clock = &self.clocks[me.0 as usize].clock;
        let second = Access { kind, idx: me, time: my_epoch as u32, site, size };
        let race = |first: Access, seen: VTime, mixed| Box::new(Race { alloc: id, offset: off, first, second, seen, mixed_size: mixed });
        let located = |mut r: Box<Race>, at: u64| {
            r.offset = at;
            r
        };
        // Non-atomic accesses must happen before any atomic access; for a store, reads too.
        let mut meta_idx = None;
        let mut mixed = false;
        let mut at: u64;
        for (n, &c) in cells.iter().enumerate() {
            at = cell_offset(c);
            let cell = *sh.cell(c);
            if !hb(cell.write, clock) {
                let idx = epoch_idx(cell.write);
                let k = if cell.wsite == ALLOC_SITE { AccessKind::Alloc } else { AccessKind::Write };
                self.scratch = cells;
                return Err(located(
                    race(
                        Access { kind: k, idx, time: cell.write as u32, site: cell.wsite, size: cell.wsize as u64 },
                        clock.get(idx),
                        false,
                    ),
                    at,
                ));
            }
            if store {
                if cell.read & SHARED != 0 {
                    let sr = &sh.shared[(cell.read & 0xffff_ffff) as usize];
                    if !sr.clock.le(clock) {
                        let (idx, t) = first_ahead(&sr.clock, clock);
                        let (s, rsize) = sr.sites.iter().find(|s| s.0 == idx).map_or((0, 0), |s| (s.1, s.2));
                        self.scratch = cells;
                        return Err(located(
                            race(Access { kind: AccessKind::Read, idx, time: t, site: s, size: rsize as u64 }, clock.get(idx), false),
                            at,
                        ));
                    }
                } else if !hb(cell.read, clock) {
                    let idx = epoch_idx(cell.read);
                    self.scratch = cells;
                    return Err(located(
                        race(
                            Access { kind: AccessKind::Read, idx, time: cell.read as u32, site: cell.rsite, size: cell.rsize as u64 },
                            clock.get(idx),
                            false,
                        ),
                        at,
                    ));
                }
            }
            let m = if cell.atomic == 0 { None } else { Some(cell.atomic) };
            if n == 0 {
                meta_idx = m;
            } else if m != meta_idx {
                mixed = true;
            }
            if let Some(mi) = m {
                let meta = &sh.atomics[mi as usize - 1];
                if meta.offset != off || meta.size != size {
                    mixed = true;
                }
            }
        }
        if mixed || meta_idx.is_none() {
            // A new atomic location (or one accessed with another size): earlier atomic accesses
            // of other sizes must all happen before this one.
            let mut seen_metas: Vec<u32> = cells.iter().map(|&c| sh.cell(c).atomic).filter(|&a| a != 0).collect();
            seen_metas.dedup();
            for mi in seen_metas {
                let meta = &sh.atomics[mi as usize - 1];
                // Loads of different sizes do not conflict with each other (as in Miri); a store
                // conflicts with every earlier access.
                let vectors: &[&VClock] = if store { &[&meta.write_vector, &meta.read_vector] } else { &[&meta.write_vector] };
                for &v in vectors {
                    if !v.le(clock) {
                        let (idx, t) = first_ahead(v, clock);
                        let (k, s) = meta.last.iter().rev().find(|l| l.0 == idx).map_or((AccessKind::AtomicStore, 0), |l| (l.1, l.2));
                        self.scratch = cells;
                        return Err(located(race(Access { kind: k, idx, time: t, site: s, size: meta.size }, clock.get(idx), true), off));
                    }
                }
            }
            sh.atomics.push(AtomicMeta {
                offset: off,
                size,
                read_vector: VClock::new(),
                write_vector: VClock::new(),
                sync: VClock::new(),
                last: Vec::new(),
            });
            let mi = sh.atomics.len() as u32;
            for &c in &cells {
                sh.cell(c).atomic = mi;
            }
            meta_idx = Some(mi);
        }
        let mi = meta_idx.unwrap_or(1) as usize - 1;
        self.scratch = cells;
        // Move clocks.
        let i = me.0 as usize;
        let now = self.clocks[i].clock.get(me);
        let tc = &mut self.clocks[i];
        let meta = &mut sh.atomics[mi];
        if load {
            if ord.acquires() {
                tc.clock.join(&meta.sync);
            } else {
                tc.fence_acquire.join(&meta.sync);
            }
            meta.read_vector.set(me, now);
        }
        if store {
            let released = if ord.releases() { &tc.clock } else { &tc.fence_release };
            if load {
                // Read-modify-writes continue the release sequence.
                meta.sync.join(released);
            } else {
                meta.sync = released.clone();
            }
            meta.write_vector.set(me, now);
        }
        match meta.last.iter_mut().find(|l| l.0 == me) {
            Some(l) => *l = (me, kind, site),
            None => meta.last.push((me, kind, site)),
        }
        if store && ord.releases() {
            tc.clock.increment(me);
        }
        self.refresh_epoch();
        Ok(())
    }
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

/// The shadow of allocation `id`, covering at least `min_size` bytes. Allocations made before
/// detection started have none yet: their bytes count as written at time 0, before everything.
fn shadow_mut(shadows: &mut Vec<Option<Box<Shadow>>>, id: AllocId, min_size: u64) -> &mut Shadow {
    let i = id as usize;
    if shadows.len() <= i {
        shadows.resize_with(i + 1, || None);
    }
    let sh = shadows[i].get_or_insert_with(|| {
        Box::new(Shadow::new(min_size, Cell { write: 0, read: 0, wsite: ALLOC_SITE, rsite: 0, wsize: 0, rsize: 0, atomic: 0 }))
    });
    if sh.size < min_size {
        sh.size = min_size;
        if !sh.granules.is_empty() {
            let n = sh.size.div_ceil(8) as usize;
            let init = sh.init;
            sh.granules.resize(n, init);
            sh.split.resize(n, 0);
        }
    }
    sh.materialize();
    sh
}

/// The byte offset a shadow cell stands for (a whole granule's first byte, or one byte).
fn cell_offset((g, b): (usize, usize)) -> u64 {
    g as u64 * 8 + if b == usize::MAX { 0 } else { b as u64 }
}

/// The first index where `a` is ahead of `b`, and `a`'s time there.
fn first_ahead(a: &VClock, b: &VClock) -> (VectorIdx, VTime) {
    for (i, &t) in a.as_slice().iter().enumerate() {
        let idx = VectorIdx(i as u32);
        if t > b.get(idx) {
            return (idx, t);
        }
    }
    (VectorIdx(0), 0)
}
