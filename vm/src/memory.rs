//! Guest memory: allocations with ids, bounds, liveness and the place they were made.
//!
//! A pointer is `id << 32 | offset`. Ids are handed out in order and never reused, so a dangling
//! pointer is always recognised as one, and addresses are deterministic. The records are kept in
//! an [`IdTable`]: a freed allocation's record goes with the last live one of its chunk, so the
//! host's memory follows the live allocations, not every allocation ever made (every id below
//! the next one that names no record was freed).

use crate::id_table::IdTable;
use crate::source::Span;
use std::cell::Cell;
use std::rc::Rc;

pub type AllocId = u32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocKind {
    /// A named static.
    Static(std::sync::Arc<str>),
    /// A string literal: read-only.
    Literal,
    /// An array local of a function frame. The names are the program's (`ir::ArrayLocal`),
    /// shared by every allocation of the local: one reference count, bumped per call.
    Local(std::sync::Arc<LocalName>),
    Heap,
}

/// An array local's name and its function's.
#[derive(Debug, PartialEq, Eq)]
pub struct LocalName {
    pub func: Box<str>,
    pub name: Box<str>,
}

#[derive(Clone, Debug)]
pub struct Allocation {
    pub bytes: Vec<u8>,
    pub size: u64,
    pub kind: AllocKind,
    pub live: bool,
    /// Where it was made (the static item, the `let`, the `malloc` call).
    pub site: Span,
    /// Where it was freed, if it was.
    pub freed_at: Option<Span>,
}

impl Default for Allocation {
    /// No allocation: the placeholder of id 0, and of ids not made yet.
    fn default() -> Self {
        Allocation { bytes: Vec::new(), size: 0, kind: AllocKind::Heap, live: false, site: Span::default(), freed_at: None }
    }
}

/// What went wrong with a memory access; the interpreter turns it into a report with spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemError {
    Null,
    /// No allocation has this id (a forged pointer).
    Invalid {
        addr: u64,
    },
    OutOfBounds {
        id: AllocId,
        offset: u64,
        size: u64,
        alloc_size: u64,
    },
    Dangling {
        id: AllocId,
    },
    ReadOnly {
        id: AllocId,
    },
    /// `free` of something that is not the start of a live heap allocation.
    BadFree {
        addr: u64,
    },
    DoubleFree {
        id: AllocId,
    },
    TooLarge {
        size: u64,
    },
    /// More allocations than ids (2^32 - 1).
    Exhausted,
    /// More allocations in all than the configured limit (`--max-allocations`).
    TooMany {
        limit: u64,
    },
    /// The memory limit (`--max-memory`: the guest's bytes and the host's bookkeeping of them)
    /// would be exceeded.
    Limit {
        limit: u64,
    },
}

pub struct Memory {
    /// Id 0 (null) names nothing: its record stays a placeholder.
    allocs: IdTable<Allocation>,
    /// The next id to hand out: every id below it, but 0, was made.
    next_id: u64,
    /// Guest bytes currently allocated.
    pub live_bytes: u64,
    /// What `--max-memory` counts (the guest's bytes and the host's bookkeeping of them),
    /// shared with the race detector.
    pub budget: Budget,
    /// Most allocations that may be made in all.
    pub max_allocs: u64,
    /// The byte buffers of freed small allocations, emptied, for the next allocations (a
    /// function's array locals are allocated at every call and freed at its return). At most
    /// [`KEEP_BUFFERS`] of at most [`KEEP_BUFFER_BYTES`] each: the memory limit counts sizes,
    /// never this capacity.
    spare_bytes: Vec<Vec<u8>>,
}

/// How many freed allocations' byte buffers [`Memory`] keeps for reuse.
const KEEP_BUFFERS: usize = 16;
/// Buffers with room for more bytes than this are freed, not kept.
const KEEP_BUFFER_BYTES: usize = 256;

/// What `--max-memory` counts: the guest's bytes **and what the host spends to keep them** —
/// allocation records (a freed one's for a while, for use-after-free reports), call frames and their
/// registers, thread records, and the race detector's shadow state — so that the limit bounds
/// the host's memory, not only the guest's (docs/language.md, *Limits*: 2 000 threads recursing
/// 10 000 deep were 800 MB to a limit that counted only guest bytes, 8.8 GB to the host).
///
/// One budget is shared by the parts of a machine that spend it (memory, call stacks, the race
/// detector): each takes what a structure grows by, where it grows — a counter add — and gives
/// back what it frees. The per-item costs are the structures' sizes (`size_of`), doubled where
/// they live in a vector that doubles, and heap blocks as glibc's malloc rounds them
/// ([`heap_block`]); `tests/host_memory.rs` holds the host's peak RSS against the limit.
#[derive(Clone, Debug)]
pub struct Budget(Rc<BudgetInner>);

#[derive(Debug)]
struct BudgetInner {
    used: Cell<u64>,
    max: u64,
}

impl Default for Budget {
    /// No limit (a detector made on its own, in tests).
    fn default() -> Self {
        Budget::new(u64::MAX)
    }
}

impl Budget {
    pub fn new(max: u64) -> Self {
        Budget(Rc::new(BudgetInner { used: Cell::new(0), max }))
    }
    /// Takes `n` bytes if they fit under the limit.
    #[inline]
    #[must_use]
    pub fn try_take(&self, n: u64) -> bool {
        let used = self.0.used.get().saturating_add(n);
        if used > self.0.max {
            return false;
        }
        self.0.used.set(used);
        true
    }
    /// Takes `n` bytes whether or not they fit (host memory already spent, where no error can
    /// be returned): the next [`Budget::try_take`] fails.
    #[inline]
    pub fn take(&self, n: u64) {
        self.0.used.set(self.0.used.get().saturating_add(n));
    }
    #[inline]
    pub fn give(&self, n: u64) {
        self.0.used.set(self.0.used.get().saturating_sub(n));
    }
    pub fn used(&self) -> u64 {
        self.0.used.get()
    }
    pub fn max(&self) -> u64 {
        self.0.max
    }
    /// More is taken than the limit allows (after an unconditional [`Budget::take`]).
    pub fn over(&self) -> bool {
        self.0.used.get() > self.0.max
    }
}

/// The bytes glibc's malloc spends on a block of `n` bytes: an 8-byte header, 16-byte
/// granularity, 32 at least (0 for an empty vector, which allocates nothing).
#[inline]
pub const fn heap_block(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let b = n.saturating_add(8 + 15) & !15;
    if b < 32 {
        32
    } else {
        b
    }
}

/// How many of the latest chunks of records whose allocations were all freed are kept, for
/// use-after-free reports: the [`IdTable::CHUNK`](crate::id_table::CHUNK) × 16 most recently
/// freed allocations, at least, are reported with where they were made and freed.
const KEEP_FREED_CHUNKS: usize = 16;
/// Host bytes of one register of a call frame: 8, in a vector that doubles.
pub const SLOT_BYTES: u64 = 16;
/// Host bytes of one call frame besides its registers: the [`crate::thread::Frame`], in a
/// vector that doubles.
pub const FRAME_BYTES: u64 = 2 * std::mem::size_of::<crate::thread::Frame>() as u64;

/// The heap blocks of an allocation's name strings (kept after it is freed).
fn kind_bytes(kind: &AllocKind) -> u64 {
    match kind {
        AllocKind::Static(name) => heap_block(name.len() as u64),
        // Shared with the program: nothing per allocation.
        AllocKind::Local(_) | AllocKind::Literal | AllocKind::Heap => 0,
    }
}

#[inline(always)]
pub fn split(addr: u64) -> (AllocId, u64) {
    ((addr >> 32) as AllocId, addr & 0xffff_ffff)
}

#[inline(always)]
pub fn addr(id: AllocId, offset: u64) -> u64 {
    (id as u64) << 32 | offset
}

thread_local! {
    /// An emptied allocation table for the next [`Memory::new`] on this host thread (`explore`
    /// makes a memory per schedule). Only capacity is kept; the memory limit counts records by
    /// number, never by this capacity.
    /// With it, the byte buffers of its small allocations, emptied (the next run's statics and
    /// first heap blocks are made in them).
    static SPARE_ALLOCS: std::cell::Cell<Option<(IdTable<Allocation>, Vec<Vec<u8>>)>> = const { std::cell::Cell::new(None) };
}

/// Tables with more chunks of records than this are freed, not kept.
const KEEP_CHUNKS: usize = 1;

impl Drop for Memory {
    fn drop(&mut self) {
        let mut spare = std::mem::take(&mut self.spare_bytes);
        for a in self.allocs.entries_mut() {
            if spare.len() >= KEEP_BUFFERS {
                break;
            }
            if a.bytes.capacity() <= KEEP_BUFFER_BYTES && a.bytes.capacity() > 0 {
                let mut b = std::mem::take(&mut a.bytes);
                b.clear();
                spare.push(b);
            }
        }
        if self.allocs.chunks() > KEEP_CHUNKS {
            return;
        }
        let mut allocs = std::mem::replace(&mut self.allocs, IdTable::new(0));
        allocs.clear(|a| *a = Allocation::default());
        let _ = SPARE_ALLOCS.try_with(|s| s.set(Some((allocs, spare))));
    }
}

impl Memory {
    pub fn new(max_bytes: u64) -> Self {
        // The table of the last memory dropped on this host thread, emptied, if there is one:
        // its first chunk of records is made without an allocation. With it, the small byte
        // buffers it left.
        let (mut allocs, spare_bytes) =
            SPARE_ALLOCS.try_with(|s| s.take()).ok().flatten().unwrap_or_else(|| (IdTable::new(KEEP_FREED_CHUNKS), Vec::new()));
        allocs.set_keep(KEEP_FREED_CHUNKS);
        Memory { allocs, next_id: 1, live_bytes: 0, budget: Budget::new(max_bytes), max_allocs: u64::MAX, spare_bytes }
    }

    /// A copy of this memory for a forked address space: the same allocations under the same
    /// ids (every pointer stays valid in the copy), counted against the shared budget.
    pub fn fork(&self) -> Result<Memory, MemError> {
        let records = self.allocs.charged();
        let bytes: u64 = self.allocs.entries().filter(|a| a.live).map(|a| heap_block(a.bytes.len() as u64)).sum();
        if !self.budget.try_take(records + bytes) {
            return Err(MemError::Limit { limit: self.budget.max() });
        }
        Ok(Memory {
            allocs: self.allocs.clone(),
            next_id: self.next_id,
            live_bytes: self.live_bytes,
            budget: self.budget.clone(),
            max_allocs: self.max_allocs,
            spare_bytes: Vec::new(),
        })
    }

    /// What [`Memory::fork`] took from the budget, given back when a forked space ends.
    pub fn release(&self) {
        let records = self.allocs.charged();
        let bytes: u64 = self.allocs.entries().filter(|a| a.live).map(|a| heap_block(a.bytes.len() as u64)).sum();
        self.budget.give(records + bytes);
    }

    /// Creates an allocation holding `bytes` (zero-filled to `size`); returns its base address.
    pub fn allocate(&mut self, size: u64, init: &[u8], kind: AllocKind, site: Span) -> Result<u64, MemError> {
        if size > u32::MAX as u64 {
            return Err(MemError::TooLarge { size });
        }
        if self.next_id > u32::MAX as u64 {
            return Err(MemError::Exhausted);
        }
        if self.next_id > self.max_allocs {
            return Err(MemError::TooMany { limit: self.max_allocs });
        }
        let id = self.next_id as AllocId;
        // The bytes' block is given back at the free; the record's chunk when it is dropped
        // (`IdTable`).
        if !self.budget.try_take(kind_bytes(&kind) + heap_block(size)) {
            return Err(MemError::Limit { limit: self.budget.max() });
        }
        let Some(record) = self.allocs.entry(id, &self.budget) else {
            self.budget.give(kind_bytes(&kind) + heap_block(size));
            return Err(MemError::Limit { limit: self.budget.max() });
        };
        self.live_bytes += size;
        let mut bytes = match self.spare_bytes.pop() {
            // A freed buffer with room: emptied when kept, zero-filled here as a fresh one.
            Some(mut b) if b.capacity() >= size as usize => {
                b.resize(size as usize, 0);
                b
            }
            Some(b) => {
                self.spare_bytes.push(b);
                vec![0u8; size as usize]
            }
            None => vec![0u8; size as usize],
        };
        let n = init.len().min(bytes.len());
        bytes[..n].copy_from_slice(&init[..n]);
        *record = Allocation { bytes, size, kind, live: true, site, freed_at: None };
        self.next_id += 1;
        Ok(addr(id, 0))
    }

    /// A thread's register stack grows from `old` to `new` slots as a frame is pushed, or
    /// shrinks as one is popped: `Err` if the memory limit does not allow it. Every frame has at
    /// least one register (the front end sees to it), so every push and pop is seen here.
    pub fn resize_stack(&mut self, old: usize, new: usize) -> Result<(), MemError> {
        match new.cmp(&old) {
            std::cmp::Ordering::Greater => {
                if !self.budget.try_take((new - old) as u64 * SLOT_BYTES + FRAME_BYTES) {
                    return Err(MemError::Limit { limit: self.budget.max() });
                }
            }
            std::cmp::Ordering::Less => self.budget.give((old - new) as u64 * SLOT_BYTES + FRAME_BYTES),
            std::cmp::Ordering::Equal => {}
        }
        Ok(())
    }

    /// Frees the allocation that `addr` points to the start of. `heap_only` is `free`'s rule.
    pub fn deallocate(&mut self, addr: u64, heap_only: bool, at: Span) -> Result<(), MemError> {
        let (id, off) = split(addr);
        if id == 0 || id as u64 >= self.next_id {
            return Err(MemError::BadFree { addr });
        }
        // A record that is gone was freed (its kind is not known any more).
        let Some(a) = self.allocs.find(id) else {
            return Err(if off == 0 { MemError::DoubleFree { id } } else { MemError::BadFree { addr } });
        };
        if off != 0 || heap_only && a.kind != AllocKind::Heap {
            return Err(MemError::BadFree { addr });
        }
        // (A live record is in a held chunk: only dead ones are looked up among the dropped.)
        let Some(a) = self.allocs.get_mut(id).filter(|a| a.live) else {
            return Err(MemError::DoubleFree { id });
        };
        a.live = false;
        a.freed_at = Some(at);
        self.live_bytes -= a.size;
        self.budget.give(heap_block(a.size));
        let mut bytes = std::mem::take(&mut a.bytes);
        if bytes.capacity() <= KEEP_BUFFER_BYTES && bytes.capacity() > 0 && self.spare_bytes.len() < KEEP_BUFFERS {
            bytes.clear();
            self.spare_bytes.push(bytes);
        }
        self.allocs.retire(id, &self.budget, |a| *a = Allocation::default());
        Ok(())
    }

    /// The record of allocation `id`, live or freed — unless it was freed long enough ago that
    /// its record is gone (see [`Self::made`]).
    pub fn get(&self, id: AllocId) -> Option<&Allocation> {
        self.allocs.find(id).filter(|_| id != 0)
    }

    /// The bytes of allocation `id` (none once it is freed) and whether they may be written (a
    /// string literal's may not): for the interpreter's hot loop, which keeps the last
    /// allocation it accessed at hand (`interp::Window`).
    pub(crate) fn bytes_mut(&mut self, id: AllocId) -> Option<(&mut Vec<u8>, bool)> {
        let a = self.allocs.get_mut(id).filter(|_| id != 0)?;
        let writable = a.kind != AllocKind::Literal;
        Some((&mut a.bytes, writable))
    }

    /// Whether `id` names an allocation that was made, live or freed.
    pub fn made(&self, id: AllocId) -> bool {
        id != 0 && (id as u64) < self.next_id
    }

    #[cold]
    fn fault(&self, addr: u64, size: u64) -> MemError {
        if addr == 0 {
            return MemError::Null;
        }
        let (id, offset) = split(addr);
        match self.get(id) {
            None if self.made(id) => MemError::Dangling { id },
            None => MemError::Invalid { addr },
            Some(a) if !a.live => MemError::Dangling { id },
            Some(a) => MemError::OutOfBounds { id, offset, size, alloc_size: a.size },
        }
    }

    /// The bytes `[addr, addr + size)`, checked.
    #[inline(always)]
    pub fn slice(&self, addr: u64, size: u64) -> Result<&[u8], MemError> {
        let (id, off) = split(addr);
        if let Some(a) = self.allocs.get(id) {
            if let Some(s) = a.bytes.get(off as usize..(off + size) as usize) {
                return Ok(s);
            }
        }
        Err(self.fault(addr, size))
    }

    #[inline(always)]
    pub fn slice_mut(&mut self, addr: u64, size: u64) -> Result<&mut [u8], MemError> {
        let (id, off) = split(addr);
        let end = off + size;
        let fits = match self.allocs.get(id) {
            Some(a) if a.kind == AllocKind::Literal && a.live => return Err(MemError::ReadOnly { id }),
            // Freed allocations have no bytes left, so this also rejects dangling pointers.
            Some(a) => end as usize <= a.bytes.len(),
            None => false,
        };
        if !fits {
            return Err(self.fault(addr, size));
        }
        match self.allocs.get_mut(id) {
            Some(a) => Ok(&mut a.bytes[off as usize..end as usize]),
            None => Err(MemError::Invalid { addr }),
        }
    }

    /// Reads an integer of `size` bytes (1, 2, 4, 8), little-endian, zero-extended.
    #[inline(always)]
    pub fn read_uint(&self, addr: u64, size: u32) -> Result<u64, MemError> {
        let s = self.slice(addr, size as u64)?;
        // Fixed-size conversions, so that no `memcpy` call is emitted on the hot path.
        Ok(match size {
            8 => <[u8; 8]>::try_from(s).map_or(0, u64::from_le_bytes),
            4 => <[u8; 4]>::try_from(s).map_or(0, u32::from_le_bytes) as u64,
            2 => <[u8; 2]>::try_from(s).map_or(0, u16::from_le_bytes) as u64,
            _ => s.first().copied().unwrap_or(0) as u64,
        })
    }

    #[inline(always)]
    pub fn write_uint(&mut self, addr: u64, size: u32, v: u64) -> Result<(), MemError> {
        let s = self.slice_mut(addr, size as u64)?;
        // Fixed-size arrays, as in `read_uint`: `copy_from_slice` on the slice called `memcpy`.
        match size {
            8 => {
                if let Ok(a) = <&mut [u8; 8]>::try_from(s) {
                    *a = v.to_le_bytes();
                }
            }
            4 => {
                if let Ok(a) = <&mut [u8; 4]>::try_from(s) {
                    *a = (v as u32).to_le_bytes();
                }
            }
            2 => {
                if let Ok(a) = <&mut [u8; 2]>::try_from(s) {
                    *a = (v as u16).to_le_bytes();
                }
            }
            _ => {
                if let Some(b) = s.first_mut() {
                    *b = v as u8;
                }
            }
        }
        Ok(())
    }

    /// How many bytes from `addr` to the end of its allocation can be read (0 for a bad pointer).
    pub fn readable_extent(&self, addr: u64) -> u64 {
        let (id, off) = split(addr);
        match self.get(id) {
            Some(a) if a.live => a.size.saturating_sub(off),
            _ => 0,
        }
    }

    /// Like [`Self::readable_extent`], and 0 for read-only memory.
    pub fn writable_extent(&self, addr: u64) -> u64 {
        let (id, _) = split(addr);
        match self.get(id) {
            Some(a) if a.kind == AllocKind::Literal => 0,
            _ => self.readable_extent(addr),
        }
    }

    /// Copies guest bytes out (for foreign calls).
    pub fn read_bytes(&self, addr: u64, len: u64) -> Result<Vec<u8>, MemError> {
        if len > u32::MAX as u64 {
            return Err(self.fault(addr, len));
        }
        self.slice(addr, len).map(<[u8]>::to_vec)
    }

    /// Copies bytes into guest memory (for foreign calls).
    pub fn write_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), MemError> {
        self.slice_mut(addr, data.len() as u64)?.copy_from_slice(data);
        Ok(())
    }

    /// A description of an address for reports: `DATA+0x4`, `heap alloc #3+0x0`, …
    pub fn describe(&self, addr: u64) -> String {
        let (id, off) = split(addr);
        match self.get(id) {
            Some(a) => format!("{}{}", describe_kind(id, a), fmt_offset(off)),
            None if addr == 0 => "null".to_string(),
            None if self.made(id) => format!("alloc #{id} (freed){}", fmt_offset(off)),
            None => format!("{addr:#x} (no allocation)"),
        }
    }
}

/// `+0x10`, or `-0x8` for an offset that wrapped below the start of its allocation.
pub fn fmt_offset(off: u64) -> String {
    if off >= 1 << 31 {
        format!("-{:#x}", (1u64 << 32) - off)
    } else {
        format!("+{off:#x}")
    }
}

pub fn describe_kind(id: AllocId, a: &Allocation) -> String {
    match &a.kind {
        AllocKind::Static(name) => name.to_string(),
        AllocKind::Literal => format!("string literal #{id}"),
        AllocKind::Local(l) => format!("`{}` of `{}` (alloc #{id})", l.name, l.func),
        AllocKind::Heap => format!("heap alloc #{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A freed allocation's buffer is reused by the next one that fits: it must read as a fresh
    /// allocation (zeros past its initial bytes), and the freed one must stay dangling.
    #[test]
    fn a_reused_buffer_reads_as_a_fresh_allocation() {
        let mut m = Memory::new(1 << 20);
        let a = m.allocate(16, &[], AllocKind::Heap, Span::default()).unwrap();
        m.write_bytes(a, &[0xAB; 16]).unwrap();
        m.deallocate(a, true, Span::default()).unwrap();
        let b = m.allocate(12, &[1, 2], AllocKind::Heap, Span::default()).unwrap();
        assert_ne!(a, b);
        assert_eq!(m.read_bytes(b, 12).unwrap(), [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(m.read_bytes(b, 13), Err(MemError::OutOfBounds { id: split(b).0, offset: 0, size: 13, alloc_size: 12 }));
        assert!(matches!(m.read_bytes(a, 1), Err(MemError::Dangling { .. })));
        assert_eq!(m.live_bytes, 12);
    }
}
