//! Guest memory: allocations with ids, bounds, liveness and the place they were made.
//!
//! A pointer is `id << 32 | offset`. Ids are handed out in order and never reused, so a dangling
//! pointer is always recognised as one, and addresses are deterministic.

use crate::source::Span;

pub type AllocId = u32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocKind {
    /// A named static.
    Static(String),
    /// A string literal: read-only.
    Literal,
    /// An array local of a function frame.
    Local {
        func: String,
        name: String,
    },
    Heap,
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
    /// The guest's total allocated bytes would exceed the configured limit.
    Limit {
        limit: u64,
    },
}

#[derive(Default)]
pub struct Memory {
    /// Index 0 is a placeholder so that id 0 (null) names nothing.
    allocs: Vec<Allocation>,
    /// Bytes currently allocated, and the limit on it.
    pub live_bytes: u64,
    pub max_bytes: u64,
    /// Bytes of every thread's register stack (8 per slot of each live frame): guest memory
    /// too, counted against the same limit so that deep recursion through big frames cannot
    /// take the host's memory (20 000 locals × 10 000 frames was 1.5 GiB).
    pub stack_bytes: u64,
    /// Most allocations that may be made in all (ids are never reused).
    pub max_allocs: u64,
}

#[inline(always)]
pub fn split(addr: u64) -> (AllocId, u64) {
    ((addr >> 32) as AllocId, addr & 0xffff_ffff)
}

#[inline(always)]
pub fn addr(id: AllocId, offset: u64) -> u64 {
    (id as u64) << 32 | offset
}

impl Memory {
    pub fn new(max_bytes: u64) -> Self {
        let placeholder =
            Allocation { bytes: Vec::new(), size: 0, kind: AllocKind::Heap, live: false, site: Span::default(), freed_at: None };
        // Room for a few allocations (the statics of a small program) before the table grows.
        let mut allocs = Vec::with_capacity(8);
        allocs.push(placeholder);
        Memory { allocs, live_bytes: 0, max_bytes, stack_bytes: 0, max_allocs: u64::MAX }
    }

    /// Creates an allocation holding `bytes` (zero-filled to `size`); returns its base address.
    pub fn allocate(&mut self, size: u64, init: &[u8], kind: AllocKind, site: Span) -> Result<u64, MemError> {
        if size > u32::MAX as u64 {
            return Err(MemError::TooLarge { size });
        }
        if self.allocs.len() > u32::MAX as usize {
            return Err(MemError::Exhausted);
        }
        if self.allocs.len() as u64 > self.max_allocs {
            return Err(MemError::TooMany { limit: self.max_allocs });
        }
        if self.live_bytes.saturating_add(self.stack_bytes).saturating_add(size) > self.max_bytes {
            return Err(MemError::Limit { limit: self.max_bytes });
        }
        self.live_bytes += size;
        let mut bytes = vec![0u8; size as usize];
        let n = init.len().min(bytes.len());
        bytes[..n].copy_from_slice(&init[..n]);
        let id = self.allocs.len() as AllocId;
        self.allocs.push(Allocation { bytes, size, kind, live: true, site, freed_at: None });
        Ok(addr(id, 0))
    }

    /// A thread's register stack grows from `old` to `new` slots (or shrinks): `Err` if the
    /// guest memory limit does not allow it.
    pub fn resize_stack(&mut self, old: usize, new: usize) -> Result<(), MemError> {
        let grown = self.stack_bytes.saturating_add(new as u64 * 8).saturating_sub(old as u64 * 8);
        if new > old && self.live_bytes.saturating_add(grown) > self.max_bytes {
            return Err(MemError::Limit { limit: self.max_bytes });
        }
        self.stack_bytes = grown;
        Ok(())
    }

    /// Frees the allocation that `addr` points to the start of. `heap_only` is `free`'s rule.
    pub fn deallocate(&mut self, addr: u64, heap_only: bool, at: Span) -> Result<(), MemError> {
        let (id, off) = split(addr);
        let a = self.allocs.get_mut(id as usize).filter(|_| id != 0).ok_or(MemError::BadFree { addr })?;
        if off != 0 || heap_only && a.kind != AllocKind::Heap {
            return Err(MemError::BadFree { addr });
        }
        if !a.live {
            return Err(MemError::DoubleFree { id });
        }
        a.live = false;
        a.freed_at = Some(at);
        self.live_bytes -= a.size;
        a.bytes = Vec::new();
        Ok(())
    }

    pub fn get(&self, id: AllocId) -> Option<&Allocation> {
        self.allocs.get(id as usize).filter(|_| id != 0)
    }

    #[cold]
    fn fault(&self, addr: u64, size: u64) -> MemError {
        if addr == 0 {
            return MemError::Null;
        }
        let (id, offset) = split(addr);
        match self.get(id) {
            None => MemError::Invalid { addr },
            Some(a) if !a.live => MemError::Dangling { id },
            Some(a) => MemError::OutOfBounds { id, offset, size, alloc_size: a.size },
        }
    }

    /// The bytes `[addr, addr + size)`, checked.
    #[inline(always)]
    pub fn slice(&self, addr: u64, size: u64) -> Result<&[u8], MemError> {
        let (id, off) = split(addr);
        if let Some(a) = self.allocs.get(id as usize) {
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
        let fits = match self.allocs.get(id as usize) {
            Some(a) if a.kind == AllocKind::Literal && a.live => return Err(MemError::ReadOnly { id }),
            // Freed allocations have no bytes left, so this also rejects dangling pointers.
            Some(a) => end as usize <= a.bytes.len(),
            None => false,
        };
        if !fits {
            return Err(self.fault(addr, size));
        }
        Ok(&mut self.allocs[id as usize].bytes[off as usize..end as usize])
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
        match size {
            8 => s.copy_from_slice(&v.to_le_bytes()),
            4 => s.copy_from_slice(&(v as u32).to_le_bytes()),
            2 => s.copy_from_slice(&(v as u16).to_le_bytes()),
            _ => s[0] = v as u8,
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
        AllocKind::Static(name) => name.clone(),
        AllocKind::Literal => format!("string literal #{id}"),
        AllocKind::Local { func, name } => format!("`{name}` of `{func}` (alloc #{id})"),
        AllocKind::Heap => format!("heap alloc #{id}"),
    }
}
