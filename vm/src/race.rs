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
//! The common case — a thread re-accessing what it last touched — costs one comparison, and
//! touches only the granule's hot part (its epochs and last write site, 24 bytes); the rest
//! (sizes, read site, atomic location) is in a parallel vector that only slow paths read.

use crate::clock::{VClock, VTime, VectorIdx};
use crate::id_table::IdTable;
use crate::memory::{heap_block, AllocId, Budget};
use smallvec::SmallVec;
use std::mem::size_of;

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
/// Set in the write epoch of a cell that belongs to an atomic location (`Cell::atomic` non-zero),
/// so that the write fast path, which compares the epoch with the thread's own, never matches
/// it. The epoch's index and time ignore it (`epoch_idx` masks it off).
const ATOMIC_MARK: Epoch = 1 << 63;
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
/// The index of the granule an 8-byte access at `off` covers whole, if `off` is aligned; if it
/// is not, the rotation moves its low bits to the top, an index no shadow has (one instruction
/// for the alignment test and the division both).
#[inline(always)]
fn granule_index(off: u64) -> usize {
    usize::try_from(off.rotate_right(3)).unwrap_or(usize::MAX)
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
    /// Not a race: recording the access needed more shadow state than the memory limit
    /// allows (the report is the limit's).
    pub over_budget: bool,
}

/// The state of a granule, or of one byte of a granule tracked byte by byte, whole: what the
/// slow paths work on. A granule's is kept in two parts, [`Hot`] and [`Cold`].
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

/// What the fast paths of [`Detector::read`] and [`Detector::write`] read and write of a
/// granule: its two epochs and the site of its last write (a write in the same epoch records its
/// site). Kept apart from the rest ([`Cold`]) so that a loop over a buffer touches 24 bytes of
/// shadow per 8-byte granule instead of 48: `benches/race.rs`'s 8 KiB buffer then needs 24 KiB,
/// which fits in a 32 KiB L1 data cache with the buffer (48 KiB did not, and every access missed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Hot {
    write: Epoch,
    read: Epoch,
    wsite: Site,
}

/// The rest of a granule's state, which only the slow paths and reports read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cold {
    rsite: Site,
    wsize: u32,
    rsize: u32,
    atomic: u32,
    /// 0, or 1 + an index into `Shadow::splits`: the granule is tracked byte by byte there.
    split: u32,
}

impl Cell {
    #[inline]
    fn hot(&self) -> Hot {
        Hot { write: self.write, read: self.read, wsite: self.wsite }
    }
    #[inline]
    fn cold(&self) -> Cold {
        Cold { rsite: self.rsite, wsize: self.wsize, rsize: self.rsize, atomic: self.atomic, split: 0 }
    }
}

struct AtomicMeta {
    /// Offset and size of the atomic location, for mixed-size detection.
    offset: u64,
    size: u64,
    read_vector: VClock,
    write_vector: VClock,
    /// The clock a release sequence hands to acquiring loads.
    sync: VClock,
    /// The last atomic access per thread index, for reports: (kind, site). Inline for a few
    /// threads (a location of a small program allocates nothing for it).
    last: LastAccesses,
    /// The atomic locations of other shapes (offset, size) that this one replaced on some of
    /// its bytes, merged by shape: an access must still be ordered after their conflicting
    /// accesses (mixed-size atomics race), even after an access of a third size came between.
    history: Vec<Replaced>,
    /// Weak memory: the stores to this location in modification order (oldest first), from
    /// the first atomic store on; at most [`STORE_BUFFER_LIMIT`].
    stores: StoreBuffer,
}

/// A location's store buffer (see [`AtomicMeta::stores`]).
type StoreBuffer = std::collections::VecDeque<StoreElem>;

/// The room a location's store buffer is given at its first store, and the most an emptied one
/// may have to be kept for another location ([`Detector::spare_stores`]).
const SPARE_STORES_CAPACITY: usize = 8;

/// How many stores a location keeps for loads to read (Miri keeps 128). Older stores can no
/// longer be read: a limit on the weak behaviours shown, never a wrong one.
pub const STORE_BUFFER_LIMIT: usize = 64;

/// An atomic location's last access per thread index: (index, kind, site).
type LastAccesses = SmallVec<[(VectorIdx, AccessKind, Site); 4]>;

/// One store in a location's store buffer (Lahav et al.'s model as Miri implements it).
struct StoreElem {
    /// The storing thread's index and time (index 0, time 0: the value the location held
    /// before its first atomic store, which happens before everything).
    idx: VectorIdx,
    time: VTime,
    /// The bits stored.
    value: u64,
    /// What a load that reads it acquires (its release sequence).
    sync: VClock,
    /// Happens before, or is coherence-ordered before, a `seq_cst` store.
    sc: bool,
    /// Read by a `seq_cst` load.
    sc_loaded: bool,
    site: Site,
    /// The first load of each thread that read it: (index, time); inline for a few threads.
    loads: SmallVec<[(VectorIdx, VTime); 2]>,
}

impl StoreElem {
    /// A load by a thread whose clock is `c` happened after one that read this store.
    fn load_before(&self, c: &VClock) -> bool {
        self.loads.iter().any(|&(i, t)| t <= c.get(i))
    }
    /// This store happens before a thread whose clock is `c`.
    fn before(&self, c: &VClock) -> bool {
        self.time <= c.get(self.idx)
    }
}

/// A replaced atomic location's accesses (see [`AtomicMeta::history`]).
#[derive(Clone)]
struct Replaced {
    offset: u64,
    size: u64,
    read_vector: VClock,
    write_vector: VClock,
    last: LastAccesses,
}

impl Replaced {
    /// Adds `r` to `list`, joining it into the entry of the same shape.
    fn merge_into(list: &mut Vec<Replaced>, r: &Replaced) {
        match list.iter_mut().find(|e| e.offset == r.offset && e.size == r.size) {
            Some(e) => {
                e.read_vector.join(&r.read_vector);
                e.write_vector.join(&r.write_vector);
                for l in &r.last {
                    if !e.last.iter().any(|x| x.0 == l.0) {
                        e.last.push(*l);
                    }
                }
            }
            None => list.push(r.clone()),
        }
    }

    /// The first access of this replaced location that conflicts with an access of
    /// `(off, size)` (a store if `store`) and does not happen before `clock`.
    fn conflict(&self, off: u64, size: u64, store: bool, clock: &VClock) -> Option<Access> {
        if (self.offset == off && self.size == size) || self.offset >= off + size || off >= self.offset + self.size {
            return None;
        }
        self.unordered(store, clock)
    }

    /// The first access of this replaced location that conflicts with a (non-atomic) read or
    /// write and does not happen before `clock`.
    fn unordered(&self, store: bool, clock: &VClock) -> Option<Access> {
        let vectors: &[&VClock] = if store { &[&self.write_vector, &self.read_vector] } else { &[&self.write_vector] };
        for &v in vectors {
            if !v.le(clock) {
                let (idx, t) = first_ahead(v, clock);
                let (k, s) = self.last.iter().rev().find(|l| l.0 == idx).map_or((AccessKind::AtomicStore, 0), |l| (l.1, l.2));
                return Some(Access { kind: k, idx, time: t, site: s, size: self.size });
            }
        }
        None
    }
}

struct SharedReads {
    clock: VClock,
    /// Each reader's last read: its site and size.
    sites: Vec<(VectorIdx, Site, u32)>,
}

struct Shadow {
    size: u64,
    /// `size` is the allocation's size (the shadow was made with the allocation, not grown to
    /// the accesses seen): the bytes of a last, partial granule past it can never be accessed,
    /// so an access that covers the granule's bytes up to `size` covers all of it and needs no
    /// byte-by-byte split.
    exact: bool,
    /// The state of every byte before its first access: written when the allocation was made.
    init: Cell,
    /// One cell per 8-byte granule (empty until the first access), in two parallel vectors:
    /// what the fast paths use and the rest. A granule whose `Cold::split` is non-zero is
    /// tracked byte by byte in `splits`.
    granules: Vec<Hot>,
    cold: Vec<Cold>,
    splits: Vec<[Cell; 8]>,
    atomics: Vec<AtomicMeta>,
    shared: Vec<SharedReads>,
    /// Host bytes taken from the memory budget for this shadow's contents (given back with it).
    charged: u64,
    /// The vector index of the only thread that has made or accessed the allocation since the
    /// shadow was made, or [`MIXED`]: its deallocation by that thread is ordered after all of
    /// them (program order), and is not checked granule by granule ([`Detector::on_dealloc`]).
    /// (An index is reused only once every live thread has seen its last owner's final time,
    /// so a new owner of the index is ordered after the old one's accesses too.)
    sole: u32,
}

/// [`Shadow::sole`] once two threads, an atomic access or an unknown past have touched it.
const MIXED: u32 = u32::MAX;

/// `Detector::hot_id` when no shadow's granules are in `Detector::hot`.
const NOT_HOT: u64 = u64::MAX;

/// At most this many freed shadows are kept for reuse ([`Detector::pool`]), each with room for at
/// most `POOL_GRANULES` granules (a 512-byte allocation).
const POOL: usize = 16;
const POOL_GRANULES: usize = 64;

/// Host bytes of a shadow's header: the boxed [`Shadow`].
const SHADOW_BYTES: u64 = heap_block(size_of::<Shadow>() as u64);
/// Host bytes per 8-byte granule of a materialised shadow: its cell's two parts.
const GRANULE_BYTES: u64 = size_of::<Hot>() as u64 + size_of::<Cold>() as u64;
/// Host bytes of a granule tracked byte by byte: eight cells, in a vector that doubles.
const SPLIT_BYTES: u64 = 2 * size_of::<[Cell; 8]>() as u64;
/// Host bytes of a concurrent-reads record besides its clock: the record, in a vector that
/// doubles, and its list of readers.
const SHARED_BYTES: u64 = 2 * size_of::<SharedReads>() as u64 + heap_block(2 * 16);
/// Host bytes of one more reader of a concurrent-reads record: its entry, and its clock's.
const READER_BYTES: u64 = 2 * 16 + 2 * 4;
/// Host bytes of an atomic location's record, in a vector that doubles (its clocks and store
/// buffer come on top).
const ATOMIC_BYTES: u64 = 2 * size_of::<AtomicMeta>() as u64;
/// Host bytes of one store in a store buffer, in a deque that doubles (its clock on top).
const STORE_BYTES: u64 = 2 * size_of::<StoreElem>() as u64;

/// Host bytes of a vector clock's heap part (it keeps four entries inline).
pub(crate) fn clock_bytes(c: &VClock) -> u64 {
    if c.len() > 4 {
        heap_block(2 * 4 * c.len() as u64)
    } else {
        0
    }
}

/// Takes `n` bytes for a shadow from the budget; `Err` if they do not fit.
#[inline]
fn charge(budget: &Budget, charged: &mut u64, n: u64) -> Result<(), ()> {
    if budget.try_take(n) {
        *charged += n;
        Ok(())
    } else {
        Err(())
    }
}

impl Shadow {
    fn new(size: u64, init: Cell) -> Self {
        Shadow {
            size,
            exact: false,
            init,
            granules: Vec::new(),
            cold: Vec::new(),
            splits: Vec::new(),
            atomics: Vec::new(),
            shared: Vec::new(),
            charged: 0,
            sole: MIXED,
        }
    }
    fn materialize(&mut self, budget: &Budget) -> Result<(), ()> {
        if self.granules.is_empty() && self.size > 0 {
            let n = self.size.div_ceil(8) as usize;
            charge(
                budget,
                &mut self.charged,
                heap_block(n as u64 * size_of::<Hot>() as u64) + heap_block(n as u64 * size_of::<Cold>() as u64),
            )?;
            // Empty, but a recycled shadow's vectors have room already. Exactly `n` otherwise:
            // `resize` on an empty vector rounds its room up to 4 cells, which the charge above
            // does not count (tests/host_memory.rs: 2 000 threads recursing with a one-granule
            // array local reached 1.16 times the limit's worth of RSS).
            self.granules.reserve_exact(n);
            self.cold.reserve_exact(n);
            // Pushed, not `resize`d: a fresh local's shadow is a granule or two, and `resize`
            // was an out-of-line call per vector.
            let (hot, cold) = (self.init.hot(), self.init.cold());
            for _ in 0..n {
                self.granules.push(hot);
                self.cold.push(cold);
            }
        }
        Ok(())
    }
    /// Small enough to keep in the detector's pool after its allocation is freed: what it keeps
    /// of host memory beyond the budget is bounded by `POOL` times this.
    fn recyclable(&self) -> bool {
        self.granules.capacity() <= POOL_GRANULES
            && self.splits.capacity() <= 4
            && self.atomics.capacity() <= 4
            && self.shared.capacity() <= 4
    }
    /// A pooled shadow made new: as [`Shadow::new`], keeping its vectors' capacity.
    fn reset(&mut self, size: u64, init: Cell) {
        self.size = size;
        self.exact = false;
        self.init = init;
        self.granules.clear();
        self.cold.clear();
        self.splits.clear();
        self.atomics.clear();
        self.shared.clear();
        self.charged = 0;
        self.sole = MIXED;
    }
    /// The cells covering `[off, off + size)`, splitting granules that the access only partly
    /// covers; `Err` if the memory budget does not allow a split.
    fn cells(&mut self, off: u64, size: u64, out: &mut Vec<(usize, usize)>, budget: &Budget) -> Result<(), ()> {
        out.clear();
        let end = off + size;
        let limit = if self.exact { self.size } else { u64::MAX };
        let mut g = off / 8;
        while g * 8 < end {
            let gs = g * 8;
            let whole = off <= gs && (gs + 8).min(limit) <= end;
            let gi = g as usize;
            if self.cold[gi].split == 0 && !whole {
                charge(budget, &mut self.charged, SPLIT_BYTES)?;
                let mut bytes = [self.get((gi, usize::MAX)); 8];
                let read = self.granules[gi].read;
                if read & SHARED != 0 {
                    // Each byte gets its own copy of the concurrent-reads record: a later read
                    // of one byte must not be seen on the others.
                    let k = (read & 0xffff_ffff) as usize;
                    let each = SHARED_BYTES + clock_bytes(&self.shared[k].clock) + heap_block(16 * self.shared[k].sites.len() as u64);
                    charge(budget, &mut self.charged, 7 * each)?;
                    for b in bytes.iter_mut().skip(1) {
                        let copy = SharedReads { clock: self.shared[k].clock.clone(), sites: self.shared[k].sites.clone() };
                        self.shared.push(copy);
                        b.read = SHARED | (self.shared.len() as u64 - 1);
                    }
                }
                self.splits.push(bytes);
                self.cold[gi].split = self.splits.len() as u32;
                let g = &mut self.granules[gi];
                g.write = SPLIT_SENTINEL;
                g.read = SPLIT_SENTINEL;
            }
            if self.cold[gi].split == 0 {
                out.push((gi, usize::MAX));
            } else {
                for b in off.max(gs)..end.min(gs + 8) {
                    out.push((gi, (b - gs) as usize));
                }
            }
            g += 1;
        }
        Ok(())
    }
    /// The atomic location (1 + index into `atomics`) byte `off` belongs to, or 0 (the granules'
    /// cold parts stay in the shadow while the hot ones are in `Detector::hot`).
    fn atomic_at(&self, off: u64) -> u32 {
        match self.cold.get((off / 8) as usize) {
            None => 0,
            Some(&Cold { split: 0, atomic, .. }) => atomic,
            Some(&Cold { split: k, .. }) => self.splits[k as usize - 1][(off % 8) as usize].atomic,
        }
    }

    /// The state of cell `(g, b)` ([`Shadow::cells`]), put together from its parts.
    #[inline]
    fn get(&self, (g, b): (usize, usize)) -> Cell {
        if b == usize::MAX {
            let (h, k) = (self.granules[g], self.cold[g]);
            Cell { write: h.write, read: h.read, wsite: h.wsite, rsite: k.rsite, wsize: k.wsize, rsize: k.rsize, atomic: k.atomic }
        } else {
            self.splits[self.cold[g].split as usize - 1][b]
        }
    }

    /// Sets the state of cell `(g, b)`.
    #[inline]
    fn set(&mut self, (g, b): (usize, usize), c: Cell) {
        if b == usize::MAX {
            self.granules[g] = c.hot();
            self.cold[g] = Cold { split: self.cold[g].split, ..c.cold() };
        } else {
            self.splits[self.cold[g].split as usize - 1][b] = c;
        }
    }
}

#[derive(Default)]
struct ThreadClocks {
    clock: VClock,
    fence_acquire: VClock,
    fence_release: VClock,
    /// Weak memory: what this thread's `seq_cst` fences saw of the total order S — the clocks
    /// of the `seq_cst` fences before them (`fence_view`) and the last `seq_cst` operation of
    /// every thread (`fence_sc_ops`). Never joined into `clock`: they only restrict which
    /// stores later loads of this thread may read.
    fence_view: VClock,
    fence_sc_ops: VClock,
}

/// The detector's state. Created when a second thread is first spawned.
/// The shadow state of an address space that is not the current one (see
/// [`Detector::swap_shadows`]): empty for a new, forked space — its bytes read as written before
/// everything, which a snapshot taken at the fork is, to a child whose clock starts from the
/// parent's.
#[derive(Default)]
pub struct Shadows(IdTable<Option<Box<Shadow>>>);

impl Shadows {
    /// Host bytes its shadows and their table were charged, to give back when the space ends.
    pub fn charged(&self) -> u64 {
        self.0.entries().flatten().map(|s| SHADOW_BYTES + s.charged).sum::<u64>() + self.0.charged()
    }
}

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
    /// Per allocation id, its shadow (made at its allocation, or at its first access).
    shadows: IdTable<Option<Box<Shadow>>>,
    /// The granule cells of allocation `hot_id`'s shadow, moved out of it (its own vector is
    /// left empty meanwhile), so that the fast paths reach them without going through
    /// `shadows` and the shadow's box. The allocation last checked by [`Detector::access`];
    /// every other use of `shadows` puts them back first ([`Detector::cool`]).
    hot: Vec<Hot>,
    /// [`NOT_HOT`] when `hot` holds nothing.
    hot_id: u64,
    /// Shadows of freed allocations, emptied, for the next allocations (an array local is
    /// allocated and freed at every call): only their small vectors' capacity is kept
    /// ([`Shadow::recycle`]), at most [`POOL`] of them.
    pool: Vec<Box<Shadow>>,
    /// Empty store buffers of an earlier run's atomic locations (at most [`POOL`]), for the
    /// first store of a location: only their capacity is kept.
    spare_stores: Vec<StoreBuffer>,
    /// The clocks of every `seq_cst` fence so far (joined): no happens-before, the fence view.
    sc_clock: VClock,
    /// Weak memory: per thread index, the time of its last `seq_cst` operation.
    sc_ops: VClock,
    /// Weak memory on: loads may read older stores (see [`Detector::load_candidates`]).
    weak: bool,
    /// The candidate stores of the load being executed: indices into its location's store
    /// buffer, newest first.
    cand: Vec<u32>,
    scratch: Vec<(usize, usize)>,
    /// The memory limit's budget (shared with the machine's memory): the shadow state is host
    /// memory spent for the guest's, and counts against `--max-memory`.
    budget: Budget,
    /// The longest vector clock seen, for statistics.
    pub max_clock_len: usize,
}

/// The vectors of a detector that has been dropped, emptied, for the next detector made on the
/// same host thread: `explore` makes one per run, and allocating and freeing them every time
/// was a tenth of a small run's cost. Only capacity is kept: nothing of a run reaches the next.
#[derive(Default)]
struct Spare {
    clocks: Vec<ThreadClocks>,
    idx_of: Vec<VectorIdx>,
    owner: Vec<usize>,
    finished: Vec<bool>,
    retired: Vec<(VectorIdx, VTime)>,
    shadows: IdTable<Option<Box<Shadow>>>,
    cand: Vec<u32>,
    scratch: Vec<(usize, usize)>,
    pool: Vec<Box<Shadow>>,
    stores: Vec<StoreBuffer>,
}

thread_local! {
    static SPARE: std::cell::Cell<Option<Spare>> = const { std::cell::Cell::new(None) };
}

impl Drop for Detector {
    fn drop(&mut self) {
        self.cool();
        // A detector with a big shadow table keeps it to itself (its memory goes now).
        if self.shadows.chunks() > 16 {
            return;
        }
        let mut spare = Spare {
            clocks: std::mem::take(&mut self.clocks),
            idx_of: std::mem::take(&mut self.idx_of),
            owner: std::mem::take(&mut self.owner),
            finished: std::mem::take(&mut self.finished),
            retired: std::mem::take(&mut self.retired),
            shadows: std::mem::take(&mut self.shadows),
            cand: std::mem::take(&mut self.cand),
            scratch: std::mem::take(&mut self.scratch),
            pool: std::mem::take(&mut self.pool),
            stores: std::mem::take(&mut self.spare_stores),
        };
        spare.clocks.clear();
        spare.idx_of.clear();
        spare.owner.clear();
        spare.finished.clear();
        spare.retired.clear();
        // The run's small shadows (those of its statics, made at their first access) go to the
        // pool emptied, with their atomic locations' store buffers: the next run's statics get
        // them back instead of allocating their cells, atomic records and buffers again.
        for mut s in spare.shadows.entries_mut().filter_map(Option::take) {
            for m in s.atomics.drain(..) {
                let mut stores = m.stores;
                if stores.capacity() <= SPARE_STORES_CAPACITY && spare.stores.len() < POOL {
                    stores.clear();
                    spare.stores.push(stores);
                }
            }
            if spare.pool.len() < POOL && s.recyclable() {
                let init = s.init;
                s.reset(0, init);
                spare.pool.push(s);
            }
        }
        spare.shadows.clear(|s| *s = None);
        spare.cand.clear();
        spare.scratch.clear();
        // `try_with`: nothing is kept while the host thread itself ends.
        let _ = SPARE.try_with(|s| s.set(Some(spare)));
    }
}

impl Detector {
    /// Starts detection with `main` (thread 0) as the only thread.
    pub fn new() -> Self {
        let mut clock = VClock::new();
        clock.set(VectorIdx(0), 1);
        // Room for a few threads from the start: a small program's spawns then grow nothing.
        let mut sp = match SPARE.try_with(|s| s.take()) {
            Ok(Some(sp)) => sp,
            _ => Spare {
                clocks: Vec::with_capacity(4),
                idx_of: Vec::with_capacity(4),
                owner: Vec::with_capacity(4),
                finished: Vec::with_capacity(4),
                ..Spare::default()
            },
        };
        sp.clocks.push(ThreadClocks { clock, ..ThreadClocks::default() });
        sp.idx_of.push(VectorIdx(0));
        sp.owner.push(0);
        sp.finished.push(false);
        let Spare { clocks, idx_of, owner, finished, retired, shadows, cand, scratch, pool, stores } = sp;
        let mut d = Detector {
            clocks,
            idx_of,
            owner,
            finished,
            retired,
            active: VectorIdx(0),
            my_epoch: 0,
            shadows,
            hot: Vec::new(),
            hot_id: NOT_HOT,
            sc_clock: VClock::new(),
            sc_ops: VClock::new(),
            weak: false,
            cand,
            scratch,
            pool,
            spare_stores: stores,
            budget: Budget::default(),
            max_clock_len: 1,
        };
        d.refresh_epoch();
        d
    }

    /// Counts the shadow state against `budget` (the machine's memory budget).
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    /// Turns the weak-memory model on (before the first atomic access).
    pub fn set_weak_memory(&mut self, on: bool) {
        self.weak = on;
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

    /// Whether the active thread's own time reached [`crate::clock::VTime::MAX`] (2³² − 1
    /// releases): its clock can count no further, so the run must stop.
    pub fn clock_saturated(&self) -> bool {
        let i = self.active;
        self.clocks[i.0 as usize].clock.get(i) == crate::clock::VTime::MAX
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

    /// The second half of a release whose clock was taken before (an fd operation hands its
    /// object the thread's clock as it was, then succeeds): the thread's own time advances.
    pub fn advance(&mut self) {
        let i = self.active;
        self.clocks[i.0 as usize].clock.increment(i);
        self.refresh_epoch();
    }

    /// [`Detector::release`] straight into `into` (joined there): no copy of the clock.
    pub fn release_into(&mut self, into: &mut VClock) {
        let i = self.active;
        into.join(&self.clocks[i.0 as usize].clock);
        self.clocks[i.0 as usize].clock.increment(i);
        self.refresh_epoch();
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
        // Reuse the index of a retired thread that every live thread has caught up with (no
        // list of the live threads' indices is built: most spawns have nothing retired).
        let (idx_of, finished, clocks) = (&self.idx_of, &self.finished, &self.clocks);
        let live = || live_threads.iter().copied().filter(|&t| t < idx_of.len() && finished.get(t) == Some(&false)).map(|t| idx_of[t]);
        let reusable = self.retired.iter().position(|&(idx, fin)| live().all(|l| clocks[l.0 as usize].clock.get(idx) >= fin));
        let idx = match reusable {
            Some(k) => self.retired.swap_remove(k).0,
            None => {
                self.clocks.push(ThreadClocks::default());
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
        tc.fence_view = VClock::new();
        tc.fence_sc_ops = VClock::new();
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
            // No happens-before: C++20's total order S of seq_cst fences only restricts which
            // stores later loads may read (the weak-memory model's fence view); fences
            // synchronise only through atomic objects, as the release and acquire fences they
            // also are.
            if self.weak {
                let tc = &mut self.clocks[i];
                tc.fence_view.join(&self.sc_clock);
                tc.fence_sc_ops.join(&self.sc_ops);
            }
            self.sc_clock.join(&self.clocks[i].clock);
        }
        if ord.releases() {
            let tc = &mut self.clocks[i];
            tc.fence_release.clone_from(&tc.clock);
            self.clocks[i].clock.increment(self.active);
        }
        self.refresh_epoch();
    }

    // ---- address spaces ------------------------------------------------------------------

    /// Swaps the shadow state of the memory being checked with `other` (the machine switching
    /// address spaces: each has its own allocations under the same ids).
    pub fn swap_shadows(&mut self, other: &mut Shadows) {
        self.cool();
        std::mem::swap(&mut self.shadows, &mut other.0);
    }

    // ---- allocations -----------------------------------------------------------------------

    /// A new allocation made by the active thread: every byte starts as written by it, now.
    pub fn on_alloc(&mut self, id: AllocId, size: u64) {
        self.cool();
        let init = Cell {
            write: self.my_epoch,
            read: 0,
            wsite: ALLOC_SITE,
            rsite: 0,
            wsize: size.min(u32::MAX as u64) as u32,
            rsize: 0,
            atomic: 0,
        };
        // The header is spent now; a shadow that does not fit fails at its first access.
        self.budget.take(SHADOW_BYTES);
        let mut shadow = match self.pool.pop() {
            Some(mut b) => {
                b.reset(size, init);
                b
            }
            None => Box::new(Shadow::new(size, init)),
        };
        shadow.exact = true;
        shadow.sole = self.active.0;
        // A table chunk that does not fit leaves the allocation without a shadow: its first
        // access then fails as the shadow would have.
        match self.shadows.entry(id, &self.budget) {
            Some(slot) => {
                if let Some(old) = slot.replace(shadow) {
                    self.budget.give(SHADOW_BYTES + old.charged);
                }
            }
            None => self.budget.give(SHADOW_BYTES),
        }
    }

    /// A deallocation by the active thread: it races like a write with every earlier access.
    pub fn on_dealloc(&mut self, id: AllocId, size: u64, site: Site) -> Result<(), Box<Race>> {
        self.cool();
        // Made and accessed by this thread alone (or not accessed since the detector started,
        // when one thread ran): nothing to check.
        let sole = match self.shadows.get(id) {
            Some(Some(sh)) => sh.sole == self.active.0,
            _ => true,
        };
        if size > 0 && !sole {
            self.access(id, 0, size, site, AccessKind::Dealloc)?;
        }
        if let Some(Some(s)) = self.shadows.get_mut(id).map(Option::take) {
            self.budget.give(SHADOW_BYTES + s.charged);
            if self.pool.len() < POOL && s.recyclable() {
                self.pool.push(s);
            }
        }
        self.shadows.retire(id, &self.budget, |s| *s = None);
        Ok(())
    }

    // ---- non-atomic accesses -----------------------------------------------------------------

    /// Checks and records a non-atomic read of `size` bytes at `off` in allocation `id`.
    #[inline(always)]
    pub fn read(&mut self, id: AllocId, off: u64, size: u64, alloc_size: u64, site: Site) -> Result<(), Box<Race>> {
        // Fast path: an aligned 8-byte read of an unsplit granule this thread read last, at its
        // current time.
        // (Split granules hold a sentinel that never matches.)
        // (The hot granules and the others are looked at in two copies of the test: one that
        // picks the slice first keeps both slices' addresses in registers or on the stack.)
        if size == 8 {
            if id as u64 == self.hot_id {
                if let Some(c) = self.hot.get(granule_index(off)) {
                    if c.read == self.my_epoch {
                        return Ok(());
                    }
                }
            } else if let Some(Some(sh)) = self.shadows.get(id) {
                if let Some(c) = sh.granules.get(granule_index(off)) {
                    if c.read == self.my_epoch {
                        return Ok(());
                    }
                }
            }
        }
        let _ = alloc_size;
        self.read_slow(id, off, size, site)
    }

    /// [`Detector::read`] past its fast path: out of line, so that the fast path inlined into
    /// the interpreter's loop stays small.
    #[cold]
    #[inline(never)]
    fn read_slow(&mut self, id: AllocId, off: u64, size: u64, site: Site) -> Result<(), Box<Race>> {
        if self.own(id, off, size, site, AccessKind::Read) {
            return Ok(());
        }
        self.cool();
        self.access(id, off, size, site, AccessKind::Read)?;
        self.heat(id);
        Ok(())
    }

    /// FastTrack's common case, for any earlier epoch of the thread and not only its current
    /// one: a plain access of whole granules whose last write and last read were the active
    /// thread's own (or the previous owner's of its vector index, which an index is reused only
    /// after every live thread has seen) is ordered after both by program order, and cannot
    /// race. It is recorded in place, as [`Detector::access`] would record it; `false` leaves
    /// the access to that general path (an epoch of another thread, concurrent reads, a granule
    /// tracked byte by byte, an atomic location, a shadow that must grow, or a budget that
    /// does not allow a fresh shadow's cells).
    ///
    /// A thread re-accesses its own data after each release (every fd operation that wakes
    /// someone releases), and the shims' accesses to a fresh array local are not 8 bytes: the
    /// fast paths of [`Detector::read`] and [`Detector::write`] take neither.
    fn own(&mut self, id: AllocId, off: u64, size: u64, site: Site, kind: AccessKind) -> bool {
        let me = self.active.0;
        let mine = |e: Epoch| e == 0 || (e >> 32) as u32 == me;
        let Some(end) = off.checked_add(size) else { return false };
        // The general path would put the hot granules back first too.
        if self.hot_id != id as u64 {
            self.cool();
        }
        let Some(Some(sh)) = self.shadows.get_mut(id) else { return false };
        if size == 0 || off % 8 != 0 || end > sh.size || (end % 8 != 0 && !(sh.exact && end == sh.size)) {
            return false;
        }
        if self.hot_id != id as u64 {
            if sh.granules.is_empty() && (!mine(sh.init.write) || sh.materialize(&self.budget).is_err()) {
                return false;
            }
            // Heated now, as the general path leaves it: the fast paths' next accesses find it.
            self.hot = std::mem::take(&mut sh.granules);
            self.hot_id = id as u64;
        }
        let gs = (off / 8) as usize..end.div_ceil(8) as usize;
        let (Some(hot), Some(cold)) = (self.hot.get_mut(gs.clone()), sh.cold.get_mut(gs)) else { return false };
        for (h, k) in hot.iter().zip(cold.iter()) {
            if !(mine(h.write) && mine(h.read) && k.split == 0 && k.atomic == 0) {
                return false;
            }
        }
        let sz = size.min(u32::MAX as u64) as u32;
        let my_epoch = self.my_epoch;
        for (h, k) in hot.iter_mut().zip(cold) {
            record_whole(h, k, kind, my_epoch, site, sz);
        }
        if sh.sole != me {
            sh.sole = MIXED;
        }
        true
    }

    /// Puts the granules in `hot` back into their shadow.
    #[inline]
    fn cool(&mut self) {
        if self.hot_id != NOT_HOT {
            let id = self.hot_id as usize;
            self.hot_id = NOT_HOT;
            let hot = std::mem::take(&mut self.hot);
            match self.shadows.get_mut(id as AllocId) {
                Some(Some(sh)) => sh.granules = hot,
                _ => debug_assert!(false, "the hot granules' shadow is gone"),
            }
        }
    }

    /// Moves the granules of allocation `id`'s shadow into `hot` (nothing is hot before).
    #[inline]
    fn heat(&mut self, id: AllocId) {
        debug_assert_eq!(self.hot_id, NOT_HOT);
        if let Some(Some(sh)) = self.shadows.get_mut(id) {
            if !sh.granules.is_empty() {
                self.hot = std::mem::take(&mut sh.granules);
                self.hot_id = id as u64;
            }
        }
    }

    /// Checks and records a non-atomic write.
    #[inline(always)]
    pub fn write(&mut self, id: AllocId, off: u64, size: u64, alloc_size: u64, site: Site) -> Result<(), Box<Race>> {
        // Fast path (FastTrack's "write, same epoch"): this thread wrote it last, at its current
        // time. No other thread can have accessed it since without a race being reported, since
        // that would have needed a release by this thread, which advances its time.
        // A cell of an atomic location has `ATOMIC_MARK` in its write epoch: it never matches.
        if size == 8 {
            if id as u64 == self.hot_id {
                if let Some(c) = self.hot.get_mut(granule_index(off)) {
                    if c.write == self.my_epoch {
                        c.wsite = site;
                        return Ok(());
                    }
                }
            } else if let Some(Some(sh)) = self.shadows.get_mut(id) {
                if let Some(c) = sh.granules.get_mut(granule_index(off)) {
                    if c.write == self.my_epoch {
                        c.wsite = site;
                        return Ok(());
                    }
                }
            }
        }
        let _ = alloc_size;
        self.write_slow(id, off, size, site)
    }

    /// [`Detector::write`] past its fast path (see [`Detector::read_slow`]).
    #[cold]
    #[inline(never)]
    fn write_slow(&mut self, id: AllocId, off: u64, size: u64, site: Site) -> Result<(), Box<Race>> {
        if self.own(id, off, size, site, AccessKind::Write) {
            return Ok(());
        }
        self.cool();
        self.access(id, off, size, site, AccessKind::Write)?;
        self.heat(id);
        Ok(())
    }

    fn access(&mut self, id: AllocId, off: u64, size: u64, site: Site, kind: AccessKind) -> Result<(), Box<Race>> {
        let me = self.active;
        let my_epoch = self.my_epoch;
        let mut cells = std::mem::take(&mut self.scratch);
        let clock = &self.clocks[me.0 as usize].clock;
        let second = Access { kind, idx: me, time: my_epoch as u32, site, size };
        let budget = &self.budget;
        let Ok(sh) = shadow_mut(&mut self.shadows, &mut self.pool, budget, id, off + size) else {
            return Err(over_budget(id, off, second));
        };
        if sh.sole != me.0 {
            sh.sole = MIXED;
        }
        // The common case of the shims' accesses and of deallocations: whole granules, none
        // tracked byte by byte, none of an atomic location, none read concurrently, and no
        // race. Checked and recorded in place, as the general path below would, without its
        // list of cells; anything else, every race and a read that makes concurrent readers
        // takes that path.
        if let Some(gs) = plain_granules(sh, off, size) {
            let ordered = |h: &Hot| hb(h.write, clock) && hb(h.read, clock);
            let readable = |h: &Hot| hb(h.write, clock) && (epoch_idx(h.read) == me || hb(h.read, clock));
            let clean = match kind {
                AccessKind::Read => sh.granules[gs.clone()].iter().all(readable),
                _ => sh.granules[gs.clone()].iter().all(ordered),
            };
            if clean {
                let sz = size.min(u32::MAX as u64) as u32;
                for g in gs {
                    record_whole(&mut sh.granules[g], &mut sh.cold[g], kind, my_epoch, site, sz);
                }
                self.scratch = cells;
                return Ok(());
            }
        }
        if sh.cells(off, size, &mut cells, budget).is_err() {
            return Err(over_budget(id, off, second));
        }
        let mut at: u64;
        let race = |first: Access, seen: VTime| {
            Box::new(Race { alloc: id, offset: off, first, second, seen, mixed_size: false, over_budget: false })
        };
        let located = |mut r: Box<Race>, at: u64| {
            r.offset = at;
            r
        };
        // Check every covered cell first, so that a race leaves the state untouched.
        for &c in &cells {
            at = cell_offset(c);
            let cell = sh.get(c);
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
                if let Some(first) = m.history.iter().find_map(|h| h.unordered(kind != AccessKind::Read, clock)) {
                    let seen = clock.get(first.idx);
                    self.scratch = cells;
                    return Err(located(race(first, seen), at));
                }
            }
        }
        // Record.
        let now = clock.get(me);
        for &c in &cells {
            let read = sh.get(c).read;
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
                            None => {
                                if charge(budget, &mut sh.charged, READER_BYTES).is_err() {
                                    return Err(over_budget(id, off, second));
                                }
                                let sr = &mut sh.shared[(read & 0xffff_ffff) as usize];
                                sr.sites.push((me, site, this_size))
                            }
                        }
                    } else if read == 0 || epoch_idx(read) == me || hb(read, clock) {
                        let mut cell = sh.get(c);
                        cell.read = my_epoch;
                        cell.rsite = site;
                        cell.rsize = size.min(u32::MAX as u64) as u32;
                        sh.set(c, cell);
                    } else {
                        // Concurrent readers: widen to a vector.
                        let mut v = VClock::new();
                        v.set(epoch_idx(read), read as u32);
                        v.set(me, now);
                        let Cell { rsite, rsize, .. } = sh.get(c);
                        let this_size = size.min(u32::MAX as u64) as u32;
                        if charge(budget, &mut sh.charged, SHARED_BYTES + clock_bytes(&v)).is_err() {
                            return Err(over_budget(id, off, second));
                        }
                        sh.shared.push(SharedReads { clock: v, sites: vec![(epoch_idx(read), rsite, rsize), (me, site, this_size)] });
                        let k = sh.shared.len() as u64 - 1;
                        let mut cell = sh.get(c);
                        cell.read = SHARED | k;
                        sh.set(c, cell);
                    }
                }
                _ => {
                    let mut cell = sh.get(c);
                    cell.write = my_epoch;
                    cell.wsite = site;
                    cell.wsize = size.min(u32::MAX as u64) as u32;
                    // An exclusive read epoch stays (it happens before this write, which was
                    // checked); a read-shared vector collapses (FastTrack's [WRITE SHARED]).
                    if cell.read & SHARED != 0 {
                        cell.read = 0;
                    }
                    cell.atomic = 0;
                    sh.set(c, cell);
                }
            }
        }
        self.scratch = cells;
        Ok(())
    }

    // ---- atomic accesses ---------------------------------------------------------------------

    /// Weak memory: the stores an atomic load of `size` bytes at `off` in allocation `id` by
    /// the active thread may read, newest first, kept for the [`Self::atomic`] call that
    /// follows. Returns how many there are (1 when only the latest store can be read) and a
    /// mask of the candidates (bit k for the k-th newest) this thread has not read before.
    ///
    /// Scanning from the newest store, every store is a candidate up to and including the
    /// first one that:
    /// - happens before the load (coherence write-read, C++20 [intro.races] p18);
    /// - was read by a load that happens before this load (read-read, p16);
    /// - is in the view of a `seq_cst` fence this thread executed: it, or a load that read it,
    ///   happens before a `seq_cst` fence earlier in S, or it is `seq_cst`-marked and not
    ///   newer than the last `seq_cst` operation of its thread before that fence
    ///   ([atomics.order] p4.3/p4.4);
    /// - for a `seq_cst` load: it (or a load of it) happens before any `seq_cst` fence so far
    ///   (p4.2), or an earlier `seq_cst` load read it (p4.1).
    ///
    /// and a `seq_cst` load reads no `seq_cst`-marked store but the newest one (p4.1).
    pub fn load_candidates(&mut self, id: AllocId, off: u64, size: u64, ord: Ordering) -> (usize, u64) {
        self.cand.clear();
        if !self.weak {
            return (1, 0);
        }
        self.cool();
        let Some(Some(sh)) = self.shadows.get(id) else { return (1, 0) };
        let a = sh.atomic_at(off);
        if a == 0 {
            return (1, 0);
        }
        let meta = &sh.atomics[a as usize - 1];
        if meta.offset != off || meta.size != size || meta.stores.len() < 2 {
            return (1, 0);
        }
        let me = self.active;
        let tc = &self.clocks[me.0 as usize];
        let sc = ord == Ordering::SeqCst;
        let mut found_sc = false;
        let mut fresh = 0u64;
        for (i, e) in meta.stores.iter().enumerate().rev() {
            let include = if sc && e.sc { !std::mem::replace(&mut found_sc, true) } else { true };
            if include {
                let k = self.cand.len();
                if k < 64 && !e.loads.iter().any(|l| l.0 == me) {
                    fresh |= 1 << k;
                }
                self.cand.push(i as u32);
            }
            let stop = e.before(&tc.clock)
                || e.load_before(&tc.clock)
                || e.before(&tc.fence_view)
                || e.load_before(&tc.fence_view)
                || (e.sc && e.before(&tc.fence_sc_ops))
                || (sc && (e.sc_loaded || e.before(&self.sc_clock) || e.load_before(&self.sc_clock)));
            if stop {
                break;
            }
        }
        (self.cand.len(), fresh)
    }

    /// Where candidate `k` of the last [`Self::load_candidates`] was stored (None: the initial
    /// value), for reports.
    pub fn candidate_site(&self, id: AllocId, off: u64, k: usize) -> Option<Site> {
        let sh = self.shadows.get(id)?.as_ref()?;
        let meta = &sh.atomics[sh.atomic_at(off).checked_sub(1)? as usize];
        let e = meta.stores.get(*self.cand.get(k)? as usize)?;
        (e.site != ALLOC_SITE).then_some(e.site)
    }

    /// Checks and records an atomic access, and moves clocks as its ordering says.
    /// `load` / `store` give the parts of the operation (an RMW has both; a failed CAS only a
    /// load, with its failure ordering). `old` is the location's value before the access (the
    /// latest store), `new` the value a store writes. With weak memory, a plain load reads
    /// candidate `choice` of the preceding [`Self::load_candidates`] (None: the latest store,
    /// as RMWs and compare-and-swap always do). Returns the value the load read.
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
        choice: Option<usize>,
        old: u64,
        new: u64,
    ) -> Result<u64, Box<Race>> {
        debug_assert!(kind.is_atomic());
        self.cool();
        let me = self.active;
        let my_epoch = self.my_epoch;
        let mut cells = std::mem::take(&mut self.scratch);
        let second = Access { kind, idx: me, time: my_epoch as u32, site, size };
        let budget = &self.budget;
        let Ok(sh) = shadow_mut(&mut self.shadows, &mut self.pool, budget, id, off + size) else {
            return Err(over_budget(id, off, second));
        };
        // Atomic locations keep clocks of their own: a deallocation is always checked.
        sh.sole = MIXED;
        let clock = &self.clocks[me.0 as usize].clock;
        // The common case: the access is exactly a location already made, and races with no
        // non-atomic access. The checks below would go over its cells and find nothing; only
        // the location's clocks move.
        let known = known_location(sh, off, size, store, clock);
        if known.is_some() {
            cells.clear();
        } else if sh.cells(off, size, &mut cells, budget).is_err() {
            return Err(over_budget(id, off, second));
        }
        let race = |first: Access, seen: VTime, mixed| {
            Box::new(Race { alloc: id, offset: off, first, second, seen, mixed_size: mixed, over_budget: false })
        };
        let located = |mut r: Box<Race>, at: u64| {
            r.offset = at;
            r
        };
        // Non-atomic accesses must happen before any atomic access; for a store, reads too.
        let mut meta_idx = known;
        let mut mixed = false;
        let mut at: u64;
        for (n, &c) in cells.iter().enumerate() {
            at = cell_offset(c);
            let cell = sh.get(c);
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
            let mut seen_metas: Vec<u32> = cells.iter().map(|&c| sh.get(c).atomic).filter(|&a| a != 0).collect();
            seen_metas.dedup();
            // The replaced locations (and what they replaced) become this one's history. Loads of
            // different sizes do not conflict with each other (as in Miri); a store conflicts with
            // every earlier access.
            let mut history: Vec<Replaced> = Vec::new();
            for mi in seen_metas {
                let meta = &sh.atomics[mi as usize - 1];
                for h in &meta.history {
                    Replaced::merge_into(&mut history, h);
                }
                let own = Replaced {
                    offset: meta.offset,
                    size: meta.size,
                    read_vector: meta.read_vector.clone(),
                    write_vector: meta.write_vector.clone(),
                    last: meta.last.clone(),
                };
                Replaced::merge_into(&mut history, &own);
            }
            history.retain(|h| h.offset < off + size && off < h.offset + h.size);
            for h in &history {
                if let Some(first) = h.conflict(off, size, store, clock) {
                    let seen = clock.get(first.idx);
                    self.scratch = cells;
                    return Err(located(race(first, seen, true), off));
                }
            }
            if charge(budget, &mut sh.charged, ATOMIC_BYTES + heap_block(history.capacity() as u64 * size_of::<Replaced>() as u64)).is_err()
            {
                return Err(over_budget(id, off, second));
            }
            sh.atomics.push(AtomicMeta {
                offset: off,
                size,
                read_vector: VClock::new(),
                write_vector: VClock::new(),
                sync: VClock::new(),
                last: LastAccesses::new(),
                history,
                stores: Default::default(),
            });
            let mi = sh.atomics.len() as u32;
            for &c in &cells {
                let mut cell = sh.get(c);
                cell.atomic = mi;
                cell.write |= ATOMIC_MARK;
                sh.set(c, cell);
            }
            meta_idx = Some(mi);
        }
        let mi = meta_idx.unwrap_or(1) as usize - 1;
        if !mixed {
            // Accesses of the shapes this location replaced are still in play.
            for h in &sh.atomics[mi].history {
                if let Some(first) = h.conflict(off, size, store, clock) {
                    let seen = clock.get(first.idx);
                    self.scratch = cells;
                    return Err(located(race(first, seen, true), off));
                }
            }
        }
        self.scratch = cells;
        // Move clocks.
        let i = me.0 as usize;
        let now = self.clocks[i].clock.get(me);
        let tc = &mut self.clocks[i];
        let meta = &mut sh.atomics[mi];
        let weak = self.weak;
        let mut read = old;
        if load {
            // The store read: the chosen candidate, or the latest.
            let elem = match meta.stores.len() {
                0 => None,
                n if weak => Some(match choice {
                    Some(k) if !store => self.cand.get(k).map_or(n - 1, |&e| e as usize),
                    _ => n - 1,
                }),
                _ => None,
            };
            let sync = match elem {
                Some(e) => &meta.stores[e].sync,
                None => &meta.sync,
            };
            if ord.acquires() {
                tc.clock.join(sync);
            } else {
                tc.fence_acquire.join(sync);
            }
            if let Some(e) = elem {
                let el = &mut meta.stores[e];
                if !el.loads.iter().any(|l| l.0 == me) {
                    el.loads.push((me, now));
                }
                el.sc_loaded |= ord == Ordering::SeqCst;
                read = el.value;
            }
            meta.read_vector.set(me, now);
        }
        if store {
            let released = if ord.releases() { &tc.clock } else { &tc.fence_release };
            if load {
                // Read-modify-writes continue the release sequence.
                meta.sync.join(released);
            } else {
                meta.sync.clone_from(released);
            }
            meta.write_vector.set(me, now);
            if weak {
                if meta.stores.is_empty() {
                    // Room for a few stores at once (a deque grows from none to four to eight
                    // otherwise; the budget is charged per store either way), in an earlier
                    // run's emptied buffer if there is one.
                    if meta.stores.capacity() == 0 {
                        if let Some(b) = self.spare_stores.pop() {
                            meta.stores = b;
                        }
                    }
                    meta.stores.reserve(SPARE_STORES_CAPACITY);
                    // The value before the first atomic store: it happens before everything
                    // (a non-atomic write that did not would have raced).
                    meta.stores.push_back(StoreElem {
                        idx: VectorIdx(0),
                        time: 0,
                        value: old,
                        sync: VClock::new(),
                        sc: false,
                        sc_loaded: false,
                        site: ALLOC_SITE,
                        loads: SmallVec::new(),
                    });
                }
                let sc = ord == Ordering::SeqCst;
                if sc {
                    // Every store that happens before this one, or that a load happening before
                    // it read, is coherence-ordered before it: `seq_cst`-marked.
                    for e in meta.stores.iter_mut() {
                        if e.before(&tc.clock) || e.load_before(&tc.clock) {
                            e.sc = true;
                        }
                    }
                }
                if meta.stores.len() >= STORE_BUFFER_LIMIT {
                    meta.stores.pop_front();
                } else if charge(budget, &mut sh.charged, STORE_BYTES + clock_bytes(&meta.sync)).is_err() {
                    return Err(over_budget(id, off, second));
                }
                meta.stores.push_back(StoreElem {
                    idx: me,
                    time: now,
                    value: new,
                    sync: meta.sync.clone(),
                    sc,
                    sc_loaded: false,
                    site,
                    loads: SmallVec::new(),
                });
            }
        }
        if weak && ord == Ordering::SeqCst {
            self.sc_ops.set(me, now);
        }
        match meta.last.iter_mut().find(|l| l.0 == me) {
            Some(l) => *l = (me, kind, site),
            None => meta.last.push((me, kind, site)),
        }
        if store && ord.releases() {
            tc.clock.increment(me);
        }
        self.refresh_epoch();
        Ok(read)
    }
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

/// The granules an access of `[off, off + size)` covers, if it covers each of them whole (as
/// [`Shadow::cells`] decides it) and none is tracked byte by byte, belongs to an atomic
/// location or holds concurrent reads: then each granule is one cell of the access.
#[inline]
fn plain_granules(sh: &Shadow, off: u64, size: u64) -> Option<std::ops::Range<usize>> {
    let end = off.checked_add(size)?;
    let limit = if sh.exact { sh.size } else { u64::MAX };
    if off % 8 != 0 || (end % 8 != 0 && end < limit) {
        return None;
    }
    let gs = (off / 8) as usize..end.div_ceil(8) as usize;
    let (hot, cold) = (sh.granules.get(gs.clone())?, sh.cold.get(gs.clone())?);
    let plain = hot.iter().all(|h| h.read & SHARED == 0) && cold.iter().all(|k| k.split == 0 && k.atomic == 0);
    plain.then_some(gs)
}

/// Records a checked (or unracy) plain access of a whole granule in place: its epoch, site and
/// size. An exclusive read epoch stays at a write (it happens before it); a read leaves the write.
#[inline(always)]
fn record_whole(h: &mut Hot, k: &mut Cold, kind: AccessKind, epoch: Epoch, site: Site, size: u32) {
    if kind == AccessKind::Read {
        h.read = epoch;
        k.rsite = site;
        k.rsize = size;
    } else {
        h.write = epoch;
        h.wsite = site;
        k.wsize = size;
    }
}

/// The atomic location (1 + its index in `atomics`) that an atomic access of `[off, off + size)`
/// is exactly, if the access can skip [`Detector::atomic`]'s checks of its cells: the location
/// has that offset and size and replaced no other shape (an empty history), every covered cell
/// is its own (a whole granule for 8 bytes, bytes of a split granule for fewer), and every
/// cell's last non-atomic write (and, for a store, its last read, unless reads are shared)
/// happens before `clock`. Anything else is left to the general path, which reports races.
#[inline]
fn known_location(sh: &Shadow, off: u64, size: u64, store: bool, clock: &VClock) -> Option<u32> {
    let ordered = |write: Epoch, read: Epoch| hb(write, clock) && (!store || (read & SHARED == 0 && hb(read, clock)));
    let g = usize::try_from(off / 8).ok()?;
    let in_granule = off % 8;
    if size == 0 || in_granule + size > 8 {
        return None;
    }
    let k = sh.cold.get(g)?;
    let mi = if k.split == 0 {
        if size != 8 || !ordered(sh.granules[g].write, sh.granules[g].read) {
            return None;
        }
        k.atomic
    } else {
        let bytes = &sh.splits.get(k.split as usize - 1)?[in_granule as usize..(in_granule + size) as usize];
        let mi = bytes[0].atomic;
        if !bytes.iter().all(|c| c.atomic == mi && ordered(c.write, c.read)) {
            return None;
        }
        mi
    };
    let meta = sh.atomics.get((mi as usize).checked_sub(1)?)?;
    (meta.offset == off && meta.size == size && meta.history.is_empty()).then_some(mi)
}

/// The shadow of allocation `id`, covering at least `min_size` bytes. Allocations made before
/// detection started have none yet: their bytes count as written at time 0, before everything.
/// `Err` if the memory budget does not allow the shadow.
fn shadow_mut<'a>(
    shadows: &'a mut IdTable<Option<Box<Shadow>>>,
    pool: &mut Vec<Box<Shadow>>,
    budget: &Budget,
    id: AllocId,
    min_size: u64,
) -> Result<&'a mut Shadow, ()> {
    let slot = shadows.entry(id, budget).ok_or(())?;
    if slot.is_none() {
        if !budget.try_take(SHADOW_BYTES) {
            return Err(());
        }
        let init = Cell { write: 0, read: 0, wsite: ALLOC_SITE, rsite: 0, wsize: 0, rsize: 0, atomic: 0 };
        // A pooled shadow, made new ([`Shadow::reset`]), keeps its vectors' room.
        *slot = Some(match pool.pop() {
            Some(mut b) => {
                b.reset(min_size, init);
                b
            }
            None => Box::new(Shadow::new(min_size, init)),
        });
    }
    let Some(sh) = slot.as_deref_mut() else { return Err(()) };
    if sh.size < min_size {
        debug_assert!(!sh.exact, "an access past the end of its allocation reached the race detector");
        if !sh.granules.is_empty() {
            let grow = min_size.div_ceil(8) - sh.size.div_ceil(8);
            charge(budget, &mut sh.charged, 2 * grow * GRANULE_BYTES)?;
        }
        sh.size = min_size;
        if !sh.granules.is_empty() {
            let n = sh.size.div_ceil(8) as usize;
            let init = sh.init;
            sh.granules.resize(n, init.hot());
            sh.cold.resize(n, init.cold());
        }
    }
    sh.materialize(budget)?;
    Ok(sh)
}

/// The error of an access whose shadow state does not fit in the memory budget: not a race,
/// reported as the memory limit (`Race::over_budget`).
#[cold]
fn over_budget(id: AllocId, off: u64, second: Access) -> Box<Race> {
    Box::new(Race { alloc: id, offset: off, first: second, second, seen: 0, mixed_size: false, over_budget: true })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Thread 0 allocates `id` (64 bytes) and spawns thread 1; thread 1 is active.
    fn spawned(id: AllocId) -> Detector {
        let mut d = Detector::new();
        d.on_alloc(id, 64);
        d.spawn(1, &[0]);
        d.set_active(1);
        d
    }

    #[test]
    fn a_thread_whose_time_reaches_the_maximum_is_saturated_not_a_panic() {
        let mut d = spawned(1);
        assert!(!d.clock_saturated());
        let me = d.idx_of(1);
        d.clocks[me.0 as usize].clock.set(me, crate::clock::VTime::MAX - 1);
        d.release();
        assert!(d.clock_saturated(), "2^32 - 1 releases");
        d.release();
        assert_eq!(d.clock().get(me), crate::clock::VTime::MAX, "held at the maximum");
        d.set_active(0);
        assert!(!d.clock_saturated(), "another thread's time is its own");
    }

    #[test]
    fn hot_granules_are_seen_by_a_deallocation() {
        let mut d = spawned(1);
        d.write(1, 8, 8, 0, 5).expect("after the spawn: no race");
        assert_eq!(d.hot_id, 1, "the written allocation's granules are hot");
        d.set_active(0);
        let race = d.on_dealloc(1, 64, 7).expect_err("the free races with thread 1's write");
        assert_eq!((race.offset, race.first.kind, race.first.site), (8, AccessKind::Write, 5));
        assert_eq!(race.first.idx, d.idx_of(1));
    }

    #[test]
    fn hot_granules_go_back_when_another_allocation_heats() {
        let mut d = spawned(1);
        d.write(1, 16, 8, 0, 5).expect("no race");
        d.on_alloc(2, 64);
        d.write(2, 0, 8, 0, 6).expect("no race");
        assert_eq!(d.hot_id, 2);
        d.set_active(0);
        let race = d.read(1, 16, 8, 0, 9).expect_err("the read races with thread 1's write");
        assert_eq!((race.offset, race.first.site, race.second.kind), (16, 5, AccessKind::Read));
    }

    #[test]
    fn a_write_after_an_atomic_store_in_the_same_epoch_leaves_the_fast_path() {
        let mut d = spawned(1);
        d.write(1, 0, 8, 0, 5).expect("no race");
        d.atomic(1, 0, 8, 6, AccessKind::AtomicStore, Ordering::Relaxed, false, true, None, 0, 1).expect("no race");
        d.cool();
        let atomic =
            |d: &Detector| d.shadows.get(1).and_then(|s| s.as_ref()).map(|s| (s.cold[0].atomic, s.granules[0].write & ATOMIC_MARK));
        assert_eq!(atomic(&d), Some((1, ATOMIC_MARK)), "the store made the cell atomic, and marked its write epoch");
        // The same thread, the same epoch: the write must still go through the slow path, which
        // makes the cell non-atomic again.
        d.write(1, 0, 8, 0, 7).expect("no race");
        d.cool();
        assert_eq!(atomic(&d), Some((0, 0)));
    }

    #[test]
    fn whole_granule_accesses_recorded_in_place_still_race() {
        let mut d = spawned(1);
        // Two whole granules (a shim's 16-byte write): recorded in place.
        d.write(1, 0, 16, 0, 5).expect("no race");
        d.set_active(0);
        let race = d.read(1, 8, 8, 0, 6).expect_err("the read races with thread 1's write of both granules");
        assert_eq!((race.offset, race.first.kind, race.first.site, race.first.size), (8, AccessKind::Write, 5, 16));
    }

    #[test]
    fn concurrent_whole_granule_reads_widen_and_race_with_a_later_write() {
        let mut d = spawned(1);
        d.read(1, 16, 16, 0, 5).expect("no race");
        d.set_active(0);
        // Another thread's unordered read of the same granules: not recordable in place (the
        // reads become a vector), and no race.
        d.read(1, 16, 16, 0, 6).expect("two reads do not race");
        d.cool();
        assert!(d.shadows.get(1).and_then(|s| s.as_ref()).is_some_and(|s| s.granules[2].read & SHARED != 0), "the reads are shared");
        d.set_active(1);
        let race = d.write(1, 24, 8, 0, 7).expect_err("the write races with thread 0's read");
        assert_eq!((race.offset, race.first.kind, race.first.site), (24, AccessKind::Read, 6));
        // An access that covers half a granule is split byte by byte, never recorded in place.
        d.write(1, 44, 8, 0, 8).expect("no race: thread 1 owns these bytes");
        d.cool();
        assert!(d.shadows.get(1).and_then(|s| s.as_ref()).is_some_and(|s| s.cold[5].split != 0 && s.cold[6].split != 0));
    }

    #[test]
    fn an_atomic_store_to_a_known_location_still_races_with_an_unordered_read() {
        // A whole 8-byte location and a 4-byte one in a split granule: both are made by thread
        // 0 before the spawn, read non-atomically by thread 1 (ordered by the spawn), then
        // stored to atomically by thread 0, which has not seen that read.
        for (off, size) in [(0u64, 8u64), (12, 4)] {
            let mut d = Detector::new();
            d.on_alloc(1, 64);
            d.atomic(1, off, size, 5, AccessKind::AtomicStore, Ordering::Relaxed, false, true, None, 0, 1).expect("no race");
            d.atomic(1, off, size, 6, AccessKind::AtomicRmw, Ordering::Relaxed, true, true, None, 1, 2)
                .expect("the location again: no race");
            d.spawn(1, &[0]);
            d.set_active(1);
            d.read(1, off, size, 0, 7).expect("after the spawn: no race");
            d.atomic(1, off, size, 8, AccessKind::AtomicLoad, Ordering::Relaxed, true, false, None, 0, 0)
                .expect("a load does not race with a read");
            d.set_active(0);
            let race = d
                .atomic(1, off, size, 9, AccessKind::AtomicStore, Ordering::Relaxed, false, true, None, 0, 3)
                .expect_err("the store races with thread 1's read");
            assert_eq!((race.offset, race.first.kind, race.first.site), (off, AccessKind::Read, 7), "{off}+{size}");
        }
    }

    #[test]
    fn an_unaligned_offset_has_no_granule() {
        assert_eq!(granule_index(24), 3);
        for off in [1u64, 4, 7, 9, 0xffff_fff9] {
            assert!(granule_index(off) > isize::MAX as usize / size_of::<Hot>(), "{off}");
        }
    }
}
