//! What a machine leaves behind for the next one made on the same host thread: `explore` makes
//! a machine per schedule, and allocating and freeing the same small vectors every time was a
//! good part of a short run's cost. Kept here: the registers, frame stacks and names of its
//! threads, and its thread-id lists, emptied, with their capacity only — nothing of a run reaches the
//! next, and the memory limit counts what a guest uses (lengths), never this capacity. (The
//! memory's allocation table, the calling contexts, the happens-before log and the race
//! detector keep their own, the same way.)

use crate::machine::Machine;
use crate::thread::{Frame, ThreadId};
use std::cell::RefCell;

/// At most this many vectors of each kind are kept.
const KEEP: usize = 8;
/// Vectors with more room than this are freed, not kept (a deep recursion's stack).
const MAX_REGS: usize = 64;
const MAX_FRAMES: usize = 16;
const MAX_IDS: usize = 64;
const MAX_THREADS: usize = 64;
const MAX_NAME: usize = 64;

#[derive(Default)]
struct Spare {
    regs: Vec<Vec<u64>>,
    frames: Vec<Vec<Frame>>,
    ids: Vec<Vec<ThreadId>>,
    names: Vec<String>,
    /// How many threads the last machine dropped here had: the next one (most likely a run of
    /// the same program) makes room for as many at once, instead of growing its vector of
    /// threads (whose records are large) from nothing.
    threads: usize,
}

thread_local! {
    static SPARE: RefCell<Spare> = RefCell::default();
}

/// `n` registers, all 0 (as `vec![0; n]`).
pub(crate) fn regs(n: usize) -> Vec<u64> {
    let mut v = SPARE.try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.regs.pop())).ok().flatten().unwrap_or_default();
    v.resize(n, 0);
    v
}

/// An empty frame stack.
pub(crate) fn frames() -> Vec<Frame> {
    SPARE.try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.frames.pop())).ok().flatten().unwrap_or_default()
}

/// An empty list of thread ids.
pub(crate) fn ids() -> Vec<ThreadId> {
    SPARE.try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.ids.pop())).ok().flatten().unwrap_or_default()
}

/// An empty string for a thread's name, with room for `n` bytes.
pub(crate) fn name(n: usize) -> String {
    let mut v = SPARE.try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.names.pop())).ok().flatten().unwrap_or_default();
    v.reserve(n);
    v
}

/// Room for this many threads: as many as the last machine had (at least 1, at most 64).
pub(crate) fn thread_count() -> usize {
    SPARE.try_with(|s| s.try_borrow().map_or(0, |s| s.threads)).unwrap_or(0).clamp(1, MAX_THREADS)
}

/// Keeps a finished thread's registers and frame stack for the next thread to start.
pub(crate) fn give_stack(regs: Vec<u64>, frames: Vec<Frame>) {
    let _ = SPARE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else { return };
        keep(&mut s.regs, regs, MAX_REGS);
        keep(&mut s.frames, frames, MAX_FRAMES);
    });
}

/// Keeps `v`, emptied, if there is room for it and it is small.
fn keep<T>(list: &mut Vec<Vec<T>>, mut v: Vec<T>, max: usize) {
    if list.len() < KEEP && v.capacity() > 0 && v.capacity() <= max {
        v.clear();
        list.push(v);
    }
}

impl<H> Drop for Machine<H> {
    fn drop(&mut self) {
        // `try_with`: nothing is kept while the host thread itself ends.
        let _ = SPARE.try_with(|s| {
            let Ok(mut s) = s.try_borrow_mut() else { return };
            for t in &mut self.threads {
                keep(&mut s.regs, std::mem::take(&mut t.regs), MAX_REGS);
                keep(&mut s.frames, std::mem::take(&mut t.frames), MAX_FRAMES);
                let name = std::mem::take(&mut t.name);
                if s.names.len() < KEEP && name.capacity() > 0 && name.capacity() <= MAX_NAME {
                    let mut name = name;
                    name.clear();
                    s.names.push(name);
                }
            }
            keep(&mut s.ids, std::mem::take(&mut self.live), MAX_IDS);
            s.threads = self.threads.len();
            keep(&mut s.ids, std::mem::take(&mut self.runnable), MAX_IDS);
        });
    }
}
