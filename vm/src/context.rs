//! Calling contexts: a compact id for "function F, called from call site P of context C", so
//! that a race report can show the stack of an access made long ago while each access records
//! only one `u64` site (`context << 32 | pc`), as before. A context is interned when a guest call
//! is made while the race detector runs (one hash lookup per call, none per memory access); a
//! frame remembers its context. Without the detector nothing needs one, so frames are called
//! `LAZY` and interned only if a foreign call needs its site (the spawn that starts the detector).
//!
//! The table is bounded: past [`MAX_CONTEXTS`] contexts (deep recursion down many paths), a new
//! call is recorded without its callers, and a report says that they were not recorded.

use rustc_hash::FxHashMap;

/// A context's index in [`Contexts`].
pub type CtxId = u32;

/// At most this many contexts are recorded with their callers.
pub const MAX_CONTEXTS: usize = 1 << 16;

/// The parent of a thread's root function.
const ROOT: CtxId = u32::MAX;
/// The parent of a call recorded without its callers.
const CUT: CtxId = u32::MAX - 1;
/// A frame whose context is not interned yet: the interpreter interns contexts only while the
/// race detector runs, and those of the frames called before when a foreign call needs its site.
pub const LAZY: CtxId = u32::MAX - 2;

#[derive(Clone, Copy, Debug)]
struct Node {
    parent: CtxId,
    /// The call instruction in the parent's function.
    call_pc: u32,
    func: u32,
}

/// Entries of the direct-mapped cache in front of the table.
const CACHE: usize = 256;

pub struct Contexts {
    nodes: Vec<Node>,
    /// (parent, call pc) → context; (ROOT or CUT, function) for roots and cut calls.
    map: ContextMap,
    /// (parent, call pc, context) of recent calls: a call in a loop costs a compare, not a hash
    /// lookup. Empty until the first guest call (a run without calls, as most schedules of a
    /// small program explored, never pays for it); then [`CACHE`] entries.
    cache: Vec<(CtxId, u32, CtxId)>,
}

thread_local! {
    /// The node list and map of the last table dropped on this host thread, emptied, for the
    /// next run's (as [`crate::edges`] keeps its rows): a run's first thread interns its root
    /// context, which allocated both. Only capacity is kept.
    static SPARE: std::cell::Cell<Option<(Vec<Node>, ContextMap)>> = const { std::cell::Cell::new(None) };
}

/// (parent, call pc) → context ([`Contexts::map`]).
type ContextMap = FxHashMap<(CtxId, u32), CtxId>;

/// Tables with more contexts than this free their memory instead of keeping it for the next.
const KEEP_CONTEXTS: usize = 1024;

impl Default for Contexts {
    fn default() -> Self {
        let (nodes, map) = SPARE.try_with(|s| s.take()).ok().flatten().unwrap_or_default();
        Contexts { nodes, map, cache: Vec::new() }
    }
}

impl Drop for Contexts {
    fn drop(&mut self) {
        if self.nodes.len() > KEEP_CONTEXTS {
            return;
        }
        let (mut nodes, mut map) = (std::mem::take(&mut self.nodes), std::mem::take(&mut self.map));
        nodes.clear();
        map.clear();
        let _ = SPARE.try_with(|s| s.set(Some((nodes, map))));
    }
}

impl Contexts {
    /// The context of a thread's root function.
    pub fn root(&mut self, func: u32) -> CtxId {
        self.intern(ROOT, func, func)
    }

    /// The context of the call at `call_pc` of context `parent`, which calls `func`.
    #[inline]
    pub fn child(&mut self, parent: CtxId, call_pc: u32, func: u32) -> CtxId {
        let slot = (parent.wrapping_mul(0x9e37_79b9) ^ call_pc) as usize % CACHE;
        if let Some(e) = self.cache.get(slot) {
            if e.0 == parent && e.1 == call_pc {
                return e.2;
            }
        }
        self.child_slow(parent, call_pc, func, slot)
    }

    #[inline(never)]
    fn child_slow(&mut self, parent: CtxId, call_pc: u32, func: u32, slot: usize) -> CtxId {
        let c = match self.map.get(&(parent, call_pc)) {
            Some(&c) => c,
            None if self.nodes.len() >= MAX_CONTEXTS => return self.intern(CUT, func, func),
            None => self.intern(parent, call_pc, func),
        };
        if self.cache.is_empty() {
            self.cache = vec![(u32::MAX, u32::MAX, 0); CACHE];
        }
        self.cache[slot] = (parent, call_pc, c);
        c
    }

    #[cold]
    fn intern(&mut self, parent: CtxId, key: u32, func: u32) -> CtxId {
        if let Some(&c) = self.map.get(&(parent, key)) {
            return c;
        }
        let id = self.nodes.len() as CtxId;
        self.nodes.push(Node { parent, call_pc: key, func });
        self.map.insert((parent, key), id);
        id
    }

    /// The function a context runs.
    pub fn func(&self, c: CtxId) -> Option<u32> {
        self.nodes.get(c as usize).map(|n| n.func)
    }

    /// The stack at instruction `pc` of context `c`: (function, pc) innermost first, and whether
    /// the outer frames were cut off.
    pub fn stack(&self, c: CtxId, pc: u32) -> (Vec<(u32, u32)>, bool) {
        let mut out = Vec::new();
        let (mut c, mut pc) = (c, pc);
        while let Some(n) = self.nodes.get(c as usize) {
            out.push((n.func, pc));
            match n.parent {
                ROOT => return (out, false),
                CUT => return (out, true),
                p => (c, pc) = (p, n.call_pc),
            }
        }
        (out, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_names_every_caller() {
        let mut cx = Contexts::default();
        let main = cx.root(0);
        let outer = cx.child(main, 5, 1);
        let inner = cx.child(outer, 3, 2);
        assert_eq!(cx.child(main, 5, 1), outer, "the same call site in the same context is one context");
        assert_eq!(cx.stack(inner, 7), (vec![(2, 7), (1, 3), (0, 5)], false));
        assert_ne!(cx.child(main, 6, 1), outer, "another call site is another context");
    }

    #[test]
    fn past_the_limit_calls_are_recorded_without_callers() {
        let mut cx = Contexts::default();
        let mut c = cx.root(0);
        for _ in 0..MAX_CONTEXTS {
            c = cx.child(c, 1, 0);
        }
        let deep = cx.child(c, 1, 0);
        assert_eq!(cx.stack(deep, 4), (vec![(0, 4)], true));
        assert_eq!(cx.func(deep), Some(0));
    }
}
