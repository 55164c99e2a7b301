//! Optimal dynamic partial-order reduction for `dfs:inf` (Abdulla, Aronis, Jonsson and Sagonas,
//! "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017,
//! Algorithm 2): source sets with wakeup trees, so that each class of equivalent interleavings
//! (Mazurkiewicz trace) is run once. docs/explore.md, "Partial-order reduction", states the
//! dependence relation and what the reduction assumes.
//!
//! An *event* is a segment: what one thread executes from one scheduling point to the next
//! (local computation, then the atomic or call that ends it). The VM records each event's
//! [`Footprint`]; two events of different threads are dependent when their footprints are
//! ([`Footprint::depends`]). Happens-before is program order, dependence, and *enabling*: a
//! thread that could not run before an event and can after it (woken from a blocking call,
//! spawned, or let run again after a yield) happens after that event, and that pair is not a
//! race that can be reversed.
//!
//! The exploration is stateless: every execution is re-run from the start, following a prefix
//! that names the thread of every event (`Reduced::every_point`), with the sleep set of every
//! node of it. After each run:
//!
//! 1. races: for each pair of events `e` (at node `i`) and `e'` of different threads, dependent,
//!    `e` happening before `e'` and nothing happening between them, the sequence
//!    `v = notdep(e).e'` (the events after `e` that do not happen after it, then `e'`) reverses
//!    the race; unless a thread asleep at node `i` is a weak initial of `v` (an equivalent
//!    execution was explored already), `v` is inserted into node `i`'s wakeup tree;
//! 2. an event that ends the program (main's end, `exit`, a failure) disables every other
//!    thread: each thread still runnable at its node is tried there too;
//! 3. backtracking: the deepest node with a branch left in its wakeup tree takes its first one
//!    (the explored branch goes to sleep there), and the next run follows that branch's leftmost
//!    path, then makes the default choice among the threads that are awake.
//!
//! Memory: the nodes of the current execution, each with its sleep set and the part of its
//! wakeup tree not yet explored: bounded by the depth of the exploration (and the races found
//! along it), not by the number of schedules. The exploration is sequential (its wakeup trees
//! are filled by the runs before), so `--jobs` does not speed it up and the result is the same
//! whatever it is.

use super::driver::{found, run_policy, Piece, Shared};
use super::run::{Rows, Single};
use super::Options;
use crate::Program;
use spindle_vm::por::Footprint;
use spindle_vm::sched::{ReadPoint, Reduced, Sleeper, SPURIOUS_CHOICE};
use spindle_vm::{Policy, Schedule};
use std::sync::{Arc, Mutex};

/// In a wakeup-tree branch or a race reversal, a thread's event is `thread | choice << CHOICE`:
/// the choice made at the `futex` wait or atomic load that ends it, when it is not the default
/// ([`SPURIOUS_CHOICE`]: the wait returned spuriously; `k`: the load read the `k`-th newest
/// candidate store). An event with another choice is another event of the same thread.
const CHOICE: u32 = 20;
const THREAD: u32 = (1 << CHOICE) - 1;

/// A branch of a wakeup tree: a thread's next event (with its choice, [`CHOICE`]), and the
/// branches that continue it.
struct Wu {
    thread: u32,
    /// The footprint the event had in the execution the branch was found in.
    fp: Arc<Footprint>,
    children: Vec<Wu>,
}

/// A node of the current execution: the state before one event.
struct Node {
    /// The thread of the event taken here in the current execution.
    thread: u32,
    /// Its footprint, once a run has executed it.
    fp: Option<Arc<Footprint>>,
    /// The branches explored here before the current one (they sleep in its subtree).
    sleep: Vec<Sleeper>,
    /// The wakeup tree: branches still to explore here, in order (the current one excluded).
    pending: Vec<Wu>,
    /// The choice of the event in the current execution ([`CHOICE`]): `None` if its segment
    /// ends in no wait or load with a choice (or has not run yet).
    pick: Option<u32>,
    /// The other outcomes of the event's choice still to explore here — a spurious return of a
    /// wait that slept, the older stores a load may read — before the wakeup tree's branches,
    /// with the same sleep set (it is the same thread's step with another outcome).
    alts: Vec<u32>,
    /// The alternatives of the event's choice have been listed (once per thread taken here:
    /// every outcome of a thread's step is explored at the node before the thread goes to
    /// sleep there, whatever outcome the branch that brought it named).
    listed: bool,
}

impl Node {
    fn new(thread: u32) -> Node {
        Node {
            thread: thread & THREAD,
            fp: None,
            sleep: Vec::new(),
            pending: Vec::new(),
            pick: choice_of(thread),
            alts: Vec::new(),
            listed: false,
        }
    }
}

/// An executed event, for race detection.
struct Ev {
    thread: u32,
    fp: Arc<Footprint>,
    /// Its place among its thread's events (1-based).
    idx: u32,
}

/// The code of a recorded choice: [`SPURIOUS_CHOICE`] for a spurious wakeup, the store's
/// place for a load.
fn choice_code(r: &ReadPoint) -> u32 {
    if r.wake {
        r.chosen * SPURIOUS_CHOICE
    } else {
        r.chosen.min(SPURIOUS_CHOICE - 1)
    }
}

/// The choice a tagged event names, if not the default.
fn choice_of(tagged: u32) -> Option<u32> {
    let k = tagged >> CHOICE;
    (k != 0).then_some(k)
}

/// The footprint of an event that was not executed: dependent with everything.
fn opaque() -> Arc<Footprint> {
    Arc::new(Footprint { opaque: true, ..Footprint::default() })
}

/// Whether `a` and `b` (events of different threads) are dependent.
fn dep(a: &Footprint, b: &Footprint) -> bool {
    a.depends(b)
}

/// The threads that could run at each point: the runnable ones, but the thread that yielded
/// there when another can run (the scheduler's yield rule, which every exploration keeps).
fn available(s: &Single) -> Rows {
    let mut rows = Rows::with_capacity(s.points.len(), s.point_runnable.total());
    let mut row = Vec::new();
    for (p, r) in s.points.iter().zip(s.point_runnable.iter()) {
        row.clear();
        row.extend(r.iter().copied().filter(|&t| !(p.yielded && r.len() > 1 && t == p.current)));
        rows.push(&row);
    }
    rows
}

/// Explores every class of interleavings once (a run that did not follow its prefix is a
/// Spindle bug, reported through `shared`).
///
/// Choices within a thread's step — a `futex` wait that slept and could have returned at once
/// (a spurious wakeup), an atomic load that could read older stores (weak memory) — make a
/// node with several outcomes of the same thread's step. The other outcomes are explored at
/// that node with the node's sleep set (the sleepers' steps commute with every outcome, which
/// have the same footprint: the choice is the segment's last step and changes what follows
/// it, not what it touched), and an event with another outcome is its own event in races and
/// wakeup trees ([`CHOICE`]), so that following a reversal reproduces it. A load branches on
/// the latest store and each older one its thread has not read before, as bounded DFS does
/// (docs/explore.md, "Store choices"). This is Source-DPOR's treatment of reads-from as
/// nondeterministic choices (Nidhugg's): sound, not optimal — two executions that read
/// different stores are told apart at the load, so some classes of interleavings run once
/// per choice.
///
/// Returns `false`, having recorded nothing, as soon as a run meets a signal-delivery choice:
/// a postponed delivery can be chosen before every plain access of a segment, so it is not one
/// choice per event and not part of this algorithm yet (docs/explore.md); the caller explores
/// the program with sleep sets and choice branching instead.
///
/// Where a node is reached through a branch that names a choice, every other outcome of that
/// event's choice is explored at the node too, before its thread goes to sleep there: a
/// sleeping thread stands for all of its step's outcomes. In a wakeup tree, an event of the same
/// thread with another choice is neither the branch's event nor independent of it.
pub(super) fn dpor(program: &Program, opts: &Options, shared: &Shared, pieces: &Mutex<Vec<Piece>>) -> bool {
    let mut piece = Piece::new(vec![0]);
    let mut nodes: Vec<Node> = Vec::new();
    let cap = opts.runs;
    let mut runs = 0u64;
    loop {
        if shared.out_of_time() || cap.is_some_and(|c| piece.recs.len() as u64 >= c) {
            piece.cut = true;
            break;
        }
        let prefix = Schedule::from_decisions(nodes.iter().map(|n| n.thread));
        let sleep: Vec<Vec<Sleeper>> = nodes.iter().map(|n| n.sleep.clone()).collect();
        let choices = nodes.iter().enumerate().filter_map(|(i, n)| n.pick.filter(|&k| k != 0).map(|k| (i as u32, k))).collect();
        let policy = Policy::Reduced(Arc::new(Reduced { prefix, sleep, every_point: true, choices }));
        let (s, nondet) = run_policy(program, opts, policy, true);
        runs += 1;
        if s.reads.iter().any(|r| r.delay.is_some()) {
            shared.done.fetch_sub(piece.recs.len() as u64, std::sync::atomic::Ordering::Relaxed);
            return false;
        }
        if let Err(e) = follow(&s, &nodes) {
            *shared.bug.lock().unwrap() = Some(e);
            shared.offer(&[]);
            piece.cut = true;
            break;
        }
        // The nodes past the prefix: the default choices.
        for p in s.points.iter().skip(nodes.len()) {
            nodes.push(Node::new(p.chosen));
        }
        // The events' choices (a wait or a load is the last step of its segment: the event
        // after the point before it), and the other outcomes of those run for the first time.
        for r in &s.reads {
            if let Some(n) = (r.at as usize).checked_sub(1).and_then(|i| nodes.get_mut(i)) {
                if !n.listed {
                    n.listed = true;
                    n.pick = Some(choice_code(r));
                    n.alts = if r.wake {
                        match r.chosen {
                            0 if r.fresh & 0b10 != 0 => vec![SPURIOUS_CHOICE],
                            0 => Vec::new(),
                            _ => vec![0],
                        }
                    } else {
                        (0..r.candidates.min(64)).filter(|&k| k != r.chosen && (k == 0 || r.fresh >> k & 1 != 0)).collect()
                    };
                }
            }
        }
        // An event with no choice in this run has none to list.
        for n in nodes.iter_mut().take(s.points.len()) {
            n.listed = true;
        }
        for (n, fp) in nodes.iter_mut().zip(&s.point_fp) {
            if n.fp.is_none() {
                n.fp = fp.clone();
            }
        }
        races(&s, &mut nodes);
        if s.redundant {
            piece.redundant += 1;
        } else {
            piece.note(shared, &s);
            if s.failed() || nondet.is_some() {
                let order = vec![runs - 1];
                let stop = piece.failed(shared, opts, || found(program, &s, order, "optimal DPOR".to_string(), nondet));
                if stop {
                    break;
                }
            }
        }
        if !backtrack(&mut nodes) {
            break;
        }
    }
    pieces.lock().unwrap().push(piece);
    true
}

/// Checks that a run took the prefix's thread at every node of it.
fn follow(s: &Single, nodes: &[Node]) -> Result<(), String> {
    if let Some(e) = &s.schedule_error {
        return Err(format!("Spindle bug: a partial-order reduction run did not fit its prefix: {e}"));
    }
    for (i, n) in nodes.iter().enumerate() {
        match s.points.get(i) {
            Some(p) if p.chosen == n.thread => {}
            Some(_) => {
                return Err(format!("Spindle bug: a run did not follow its prefix at point {} (the VM is not deterministic)", i + 1))
            }
            // A run cut short as redundant before the end of its prefix.
            None if s.redundant => return Ok(()),
            None => return Err(format!("Spindle bug: a run ended at point {i}, inside its prefix of {}", nodes.len())),
        }
    }
    Ok(())
}

/// Finds the races of the execution just run and inserts their reversals into the wakeup trees
/// of the nodes where they start.
fn races(s: &Single, nodes: &mut [Node]) {
    let n = s.points.len().min(s.point_fp.len()).min(nodes.len());
    if n == 0 {
        return;
    }
    let avail = available(s);
    // The events' choices, when not the default.
    let mut chosen = vec![0u32; n];
    for r in &s.reads {
        if let Some(x) = (r.at as usize).checked_sub(1).and_then(|i| chosen.get_mut(i)) {
            *x = choice_code(r);
        }
    }
    let tag = |i: usize, t: u32| t | chosen[i] << CHOICE;
    let nthreads =
        s.points.iter().map(|p| p.current.max(p.chosen) + 1).chain(s.point_runnable.iter().flatten().map(|&t| t + 1)).max().unwrap_or(1)
            as usize;
    // Happens-before, and the races (j, i): j is immediately before i.
    let mut evs: Vec<Ev> = Vec::with_capacity(n);
    // The events' vector clocks, one after another (`nthreads` entries each: per thread, how
    // many of its events happen before the event or are it), and the one being built: one
    // buffer for the run instead of a vector per event.
    let mut clocks: Vec<u32> = Vec::with_capacity(n * nthreads);
    let clock_of = |e: usize| e * nthreads..(e + 1) * nthreads;
    let mut c: Vec<u32> = Vec::with_capacity(nthreads);
    let mut last: Vec<Option<usize>> = vec![None; nthreads];
    let mut count = vec![0u32; nthreads];
    // The event that let each thread run again, for its next event.
    let mut enabler: Vec<Option<usize>> = vec![None; nthreads];
    let mut race_list: Vec<(usize, usize)> = Vec::new();
    for i in 0..n {
        if i > 0 {
            for &t in &avail[i] {
                if !avail[i - 1].contains(&t) {
                    enabler[t as usize] = Some(i - 1);
                }
            }
        }
        let t = s.points[i].chosen as usize;
        let fp = s.point_fp[i].clone().unwrap_or_else(opaque);
        c.clear();
        match last[t] {
            Some(l) => c.extend_from_slice(&clocks[clock_of(l)]),
            None => c.resize(nthreads, 0),
        }
        // A lock acquisition (a `cas.lock` that awaits the unlock) races with the acquisition
        // before it — the last event that took the word from the same value — unless its
        // thread's own past orders it after that one: the reversal gives the lock to this
        // thread first (the word was free there, and nothing between writes it). The unlock
        // orders them too (it enables this one), but that order is the lock's, not the
        // program's (Nidhugg's race of two lock acquisitions).
        if let (Some(_), Some(took)) = (fp.awaits, fp.from) {
            if let Some(e) = evs.iter().rposition(|e| e.fp.from == Some(took) && e.thread as usize != t) {
                let ev = &evs[e];
                if c[ev.thread as usize] < ev.idx {
                    race_list.push((e, i));
                }
            }
        }
        if let Some(e) = enabler[t].take() {
            join(&mut c, &clocks[clock_of(e)]);
        }
        // An awaited write enables the event too, unless the event depends on it for more than
        // that (then the event before it, which blocks, is another class: a race).
        if let Some(l) = fp.awaits {
            if let Some(at) = evs.iter().rposition(|e| e.fp.locs.binary_search(&(l, true)).is_ok()) {
                let mut rest = (*fp).clone();
                rest.locs.retain(|x| x.0 != l);
                if !dep(&evs[at].fp, &rest) {
                    join(&mut c, &clocks[clock_of(at)]);
                }
            }
        }
        for j in (0..i).rev() {
            let ej = &evs[j];
            if ej.thread as usize == t || c[ej.thread as usize] >= ej.idx {
                continue;
            }
            if dep(&ej.fp, &fp) {
                race_list.push((j, i));
                join(&mut c, &clocks[clock_of(j)]);
            }
        }
        count[t] += 1;
        c[t] = count[t];
        last[t] = Some(i);
        clocks.extend_from_slice(&c);
        evs.push(Ev { thread: t as u32, fp, idx: count[t] });
    }
    // An event that ends the program disables every other thread: each one that could run at
    // its node is tried there (its next event is unknown: dependent with everything).
    let mut extra: Vec<(usize, u32)> = Vec::new();
    if !s.redundant && n == s.points.len() {
        let l = n - 1;
        for &q in &avail[l] {
            if q != evs[l].thread {
                extra.push((l, q));
            }
        }
    }
    // Insert in order of the node, with the sleep set of each node as it is now: the threads
    // the VM had asleep there, with the footprint they were put to sleep with.
    race_list.sort();
    let (mut r, mut x) = (0, 0);
    for i in 0..n {
        let sleep: Vec<Sleeper> = s
            .point_asleep
            .get(i)
            .into_iter()
            .flatten()
            .filter_map(|&t| nodes[..=i].iter().rev().find_map(|n| n.sleep.iter().find(|e| e.0 == t)).cloned())
            .collect();
        while r < race_list.len() && race_list[r].0 == i {
            let (j, k) = race_list[r];
            r += 1;
            let ej = &evs[j];
            let mut v: Vec<(u32, Arc<Footprint>)> = evs[j + 1..]
                .iter()
                .enumerate()
                .filter(|&(o, _)| j + 1 + o != k && clocks[clock_of(j + 1 + o)][ej.thread as usize] < ej.idx)
                .map(|(o, e)| (tag(j + 1 + o, e.thread), e.fp.clone()))
                .collect();
            // The racing event runs in another context: every outcome of its choice is listed there.
            v.push((evs[k].thread, evs[k].fp.clone()));
            if clears_sleep(&v, &sleep) {
                insert(&mut nodes[i].pending, v);
            }
        }
        while x < extra.len() && extra[x].0 == i {
            let v = vec![(extra[x].1, opaque())];
            x += 1;
            if clears_sleep(&v, &sleep) {
                insert(&mut nodes[i].pending, v);
            }
        }
    }
}

fn join(c: &mut [u32], d: &[u32]) {
    for (a, b) in c.iter_mut().zip(d) {
        *a = (*a).max(*b);
    }
}

/// Whether no thread asleep at the node is a weak initial of `v` (Abdulla et al.: `sleep ∩
/// WI(v) = ∅`): each sleeper must be woken by an event of `v` before its own thread's event.
fn clears_sleep(v: &[(u32, Arc<Footprint>)], sleep: &[Sleeper]) -> bool {
    let mut asleep: Vec<&Sleeper> = sleep.iter().collect();
    for (t, f) in v {
        if asleep.iter().any(|s| s.0 == *t & THREAD) {
            return false;
        }
        asleep.retain(|s| !dep(&s.1, f));
    }
    asleep.is_empty()
}

/// Inserts `v` into a wakeup tree (the branches of a node): follows the branches that start
/// with a weak initial of what is left of `v`; stops if one of them is a leaf (an execution
/// equivalent to one starting with `v` is already scheduled); else adds the rest of `v` as the
/// last branch where no branch fits.
fn insert(mut branches: &mut Vec<Wu>, mut v: Vec<(u32, Arc<Footprint>)>) {
    loop {
        let mut into = None;
        'children: for (ci, c) in branches.iter().enumerate() {
            let mut matched = None;
            for (k, (t, f)) in v.iter().enumerate() {
                if *t & THREAD == c.thread & THREAD && *t != c.thread {
                    // The same thread's event with another outcome of its choice: not the
                    // branch's event, and not independent of it (program order).
                    continue 'children;
                }
                if *t == c.thread {
                    // Its footprint here may differ from the branch's: then it must also be
                    // independent of the events before it.
                    if !Arc::ptr_eq(f, &c.fp) && **f != *c.fp && v[..k].iter().any(|(_, g)| dep(g, f)) {
                        continue 'children;
                    }
                    matched = Some(k);
                    break;
                }
                if dep(f, &c.fp) {
                    continue 'children;
                }
            }
            if c.children.is_empty() {
                return;
            }
            if let Some(k) = matched {
                v.remove(k);
                if v.is_empty() {
                    return;
                }
            }
            into = Some(ci);
            break;
        }
        match into {
            Some(ci) => branches = &mut branches[ci].children,
            None => {
                let mut chain: Option<Wu> = None;
                for (thread, fp) in v.into_iter().rev() {
                    chain = Some(Wu { thread, fp, children: chain.into_iter().collect() });
                }
                branches.extend(chain);
                return;
            }
        }
    }
}

/// Moves to the next branch: the deepest node with one left takes its first, and the nodes
/// after it follow that branch's leftmost path. `false` when every branch is explored.
fn backtrack(nodes: &mut Vec<Node>) -> bool {
    while let Some(n) = nodes.last_mut() {
        if !n.alts.is_empty() {
            // The same thread's step, with another outcome of its wait or load this time.
            n.pick = Some(n.alts.remove(0));
            n.fp = None;
            return true;
        }
        let fp = n.fp.take().unwrap_or_else(opaque);
        n.sleep.push((n.thread, fp));
        // A branch of a thread asleep here is covered (another outcome of the choice of a
        // thread whose step was explored here first, with all its outcomes).
        let sleep = &n.sleep;
        n.pending.retain(|b| !sleep.iter().any(|s| s.0 == b.thread & THREAD));
        if n.pending.is_empty() {
            nodes.pop();
            continue;
        }
        let mut b = n.pending.remove(0);
        let fresh = Node::new(b.thread);
        (n.thread, n.pick, n.alts, n.listed) = (fresh.thread, fresh.pick, Vec::new(), false);
        loop {
            let mut rest = std::mem::take(&mut b.children);
            if rest.is_empty() {
                return true;
            }
            let next = rest.remove(0);
            nodes.push(Node { pending: rest, ..Node::new(next.thread) });
            b = next;
        }
    }
    false
}
