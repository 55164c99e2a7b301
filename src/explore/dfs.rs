//! Depth-first search of the schedule tree (`dfs`, `dfs:N`, `dfs:inf`), split into units that
//! workers share and donate to each other.
//!
//! With `dfs:inf` (no preemption bound), DFS uses sleep sets (Godefroid 1996) for partial-order
//! reduction. Each node carries a sleep set: threads whose next segment need not be tried there,
//! with that segment's footprint. Choosing thread t at a node, the child's sleep set is the
//! node's, plus the options of the node explored before t, minus every entry that depends on
//! the segment t executed. The VM keeps the sleep set during a run (Policy::Reduced): it adds
//! the siblings at each decision of the prefix (`Unit::adds`, `Entry::done`), removes sleepers
//! as segments execute, makes its default choices among the threads that are awake, and stops
//! a run in which every runnable thread is asleep (redundant: every schedule through it is
//! equivalent to one explored earlier). The options of a node are the threads awake there.
//! With a preemption bound, sleep sets are unsound (Coons et al., OOPSLA 2013): bounded DFS
//! never reduces.

use super::driver::{found, run_policy, Piece, Shared};
use super::run::{run_one, Single};
use super::Options;
use crate::Program;
use spindle_vm::por::Footprint;
use spindle_vm::sched::{default_awake, ReadPoint, Reduced, Replay, Sleeper};
use spindle_vm::{Policy, Schedule};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// A decision of a DFS run.
struct Node {
    current: u32,
    current_runnable: bool,
    yielded: bool,
    chosen: u32,
    runnable: Vec<u32>,
    /// Threads asleep at this node (reduced DFS).
    asleep: Vec<u32>,
    /// The footprint of the segment the chosen thread executed (reduced DFS).
    fp: Option<Arc<Footprint>>,
    /// A store choice (weak memory) instead of a thread choice: the load's candidates and the
    /// mask of those its thread has not read before. Its options are `STORE | k`.
    store: Option<(u32, u64)>,
    /// With `store`: a spurious-wakeup choice instead (a `futex` wait sleeps, 0, or returns at
    /// once, 1; `fresh` says whether the run's budget allows 1). Its options are `WAKE | k`.
    wake: bool,
}

/// Marks a DFS option (and prefix entry) that is a store choice `k`, not a thread.
const STORE: u32 = 1 << 31;
/// Marks a DFS option (and prefix entry) that is a spurious-wakeup choice `k`, not a thread.
const WAKE: u32 = 1 << 30;

fn is_store(o: u32) -> bool {
    o & STORE != 0
}

/// A store or spurious-wakeup choice: an option of the running thread's step, not a thread
/// (options of one choice do not put each other to sleep).
fn is_choice(o: u32) -> bool {
    o & (STORE | WAKE) != 0
}

impl Node {
    fn cost(&self, t: u32) -> u32 {
        if self.store.is_some() {
            // Stale reads are not preemptions: the bound does not limit them.
            return 0;
        }
        (self.current_runnable && !self.yielded && t != self.current) as u32
    }
    /// The choices in DFS order (the default first), within the bound, among the threads
    /// that are awake. At a store choice: the latest store, then every older candidate the
    /// thread has not read before (re-reading a stale store it already read is left to
    /// `random`: it would make a spin loop's tree infinite).
    fn options(&self, used: u32, bound: u32) -> Vec<u32> {
        if let Some((n, fresh)) = self.store {
            let tag = if self.wake { WAKE } else { STORE };
            return std::iter::once(tag).chain((1..n.min(64)).filter(|&k| fresh >> k & 1 != 0).map(|k| tag | k)).collect();
        }
        let rs: Vec<usize> = self.runnable.iter().map(|&t| t as usize).collect();
        let asleep = |t: usize| self.asleep.contains(&(t as u32));
        let d = default_awake(self.current as usize, self.current_runnable, self.yielded, &rs, asleep).unwrap_or(rs[0]) as u32;
        let mut v = vec![d];
        for &t in &self.runnable {
            if t != d && !asleep(t as usize) && !(self.yielded && t == self.current) && used.saturating_add(self.cost(t)) <= bound {
                v.push(t);
            }
        }
        v
    }
}

fn nodes_of(s: &Single) -> Vec<Node> {
    let store_node = |r: &ReadPoint| Node {
        current: r.thread,
        current_runnable: true,
        yielded: false,
        chosen: (if r.wake { WAKE } else { STORE }) | r.chosen,
        runnable: Vec::new(),
        asleep: Vec::new(),
        fp: None,
        store: Some((r.candidates, r.fresh)),
        wake: r.wake,
    };
    let mut reads = s.reads.iter().peekable();
    let mut nodes = Vec::new();
    for (i, (p, r)) in s.points.iter().zip(s.point_runnable.iter()).enumerate() {
        // A load is the last step of its segment: its store choice comes before the point
        // that ends the segment.
        while let Some(rp) = reads.next_if(|rp| rp.at as usize <= i) {
            nodes.push(store_node(rp));
        }
        if p.is_decision() {
            nodes.push(Node {
                current: p.current,
                current_runnable: p.current_runnable,
                yielded: p.yielded,
                chosen: p.chosen,
                runnable: r.to_vec(),
                asleep: s.point_asleep.get(i).map(<[u32]>::to_vec).unwrap_or_default(),
                fp: s.point_fp.get(i).cloned().flatten(),
                store: None,
                wake: false,
            });
        }
    }
    nodes.extend(reads.map(store_node));
    nodes
}

/// The footprint of an option whose segment was not recorded: dependent with everything.
fn opaque() -> Arc<Footprint> {
    Arc::new(Footprint { opaque: true, ..Footprint::default() })
}

/// A subtree of the schedule tree: every schedule that starts with `prefix` — and, with
/// `first`, continues with one of the options `first.start..` of the node there.
#[derive(Clone)]
struct Unit {
    prefix: Vec<u32>,
    /// Reduced DFS: the sleepers to add at each decision of `prefix`.
    adds: Vec<Vec<Sleeper>>,
    /// Option indices along `prefix`: the unit's place in DFS order.
    key: Vec<u64>,
    first: Option<First>,
}

/// The node at the end of a unit's prefix, when the unit covers only its later options.
#[derive(Clone)]
struct First {
    opts: Vec<u32>,
    start: usize,
    /// Reduced DFS: the options before `start`, with their footprints.
    done: Vec<Sleeper>,
    /// Preemptions spent before the node.
    used: u32,
}

impl Unit {
    /// Where the unit starts in DFS order.
    fn order(&self) -> Vec<u64> {
        let mut k = self.key.clone();
        if let Some(f) = &self.first {
            k.push(f.start as u64);
        }
        k
    }
}

struct Entry {
    opts: Vec<u32>,
    idx: usize,
    end: usize,
    used: u32,
    /// Reduced DFS: the options explored before `idx`, with their footprints: sleepers added
    /// at this node for option `idx`.
    done: Vec<Sleeper>,
    /// The footprint of option `idx`'s segment, once a run has taken it.
    cur: Option<Arc<Footprint>>,
}

struct Queue {
    units: Vec<Unit>,
    idle: usize,
    workers: usize,
}

fn prefix_policy(prefix: &[u32], adds: &[Vec<Sleeper>], reduced: bool) -> Policy {
    // Thread decisions, store choices and spurious-wakeup choices are three streams of the
    // schedule; the run consumes them in the order of the prefix.
    let schedule = Schedule::from_decisions(prefix.iter().copied().filter(|&o| !is_choice(o)))
        .with_reads(prefix.iter().copied().filter(|&o| is_store(o)).map(|o| o & !STORE))
        .with_wakes(prefix.iter().copied().filter(|&o| o & WAKE != 0).map(|o| o & !WAKE));
    if reduced {
        let sleep = adds.iter().zip(prefix).filter(|(_, &o)| !is_choice(o)).map(|(a, _)| a.clone()).collect();
        Policy::Reduced(Arc::new(Reduced { prefix: schedule, sleep, every_point: false, choices: Vec::new() }))
    } else {
        Policy::Replay(Arc::new(Replay { schedule, strict: false }))
    }
}

/// Checks that a run followed its prefix (a Spindle bug otherwise) and returns its nodes and
/// the preemptions spent within the prefix.
fn follow(s: &Single, prefix: &[u32]) -> Result<(Vec<Node>, u32), String> {
    let nodes = nodes_of(s);
    let mut used = 0u32;
    for (i, &t) in prefix.iter().enumerate() {
        match nodes.get(i) {
            Some(n) if n.chosen == t => used = used.saturating_add(n.cost(t)),
            _ => {
                return Err(format!(
                    "Spindle bug: a run did not follow its schedule prefix at decision {} (the VM is not deterministic)",
                    i + 1
                ))
            }
        }
    }
    Ok((nodes, used))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn dfs(
    pool: Option<&rayon::ThreadPool>,
    program: &Program,
    path: &str,
    text: &str,
    opts: &Options,
    bound: u32,
    shared: &Arc<Shared>,
    pieces: &Mutex<Vec<Piece>>,
) {
    let reduced = opts.reduced();
    // The initial units: split the tree breadth-first until there are enough to share
    // between shards and jobs. Deterministic, so every shard computes the same split.
    let (k, n) = opts.shard;
    let target = if n > 1 { 8 * n as usize } else { 1 };
    let mut units = vec![Unit { prefix: Vec::new(), adds: Vec::new(), key: Vec::new(), first: None }];
    let mut budget = 64 * n as usize;
    while units.len() < target && budget > 0 {
        let mut next = Vec::new();
        let mut split = false;
        for u in units {
            if budget == 0 {
                next.push(u);
                continue;
            }
            budget -= 1;
            let s = run_one(program, &opts.config, prefix_policy(&u.prefix, &u.adds, reduced), true, false);
            let Ok((nodes, used)) = follow(&s, &u.prefix) else {
                next.push(u);
                continue;
            };
            match nodes.get(u.prefix.len()) {
                Some(node) => {
                    split = true;
                    let options = node.options(used, bound);
                    let mut done: Vec<Sleeper> = Vec::new();
                    for (i, &t) in options.iter().enumerate() {
                        let mut c = u.clone();
                        c.prefix.push(t);
                        c.key.push(i as u64);
                        if reduced {
                            c.adds.push(done.clone());
                            if i + 1 < options.len() && !is_choice(t) {
                                // The next options sleep on this one: its segment's footprint
                                // (from this run for the default choice, else from a probe).
                                let fp = if i == 0 {
                                    node.fp.clone()
                                } else {
                                    let p = run_one(program, &opts.config, prefix_policy(&c.prefix, &c.adds, true), true, false);
                                    nodes_of(&p).get(u.prefix.len()).filter(|n| n.chosen == t).and_then(|n| n.fp.clone())
                                };
                                done.push((t, fp.unwrap_or_else(opaque)));
                            }
                        }
                        next.push(c);
                    }
                }
                None => next.push(u),
            }
        }
        units = next;
        if !split {
            break;
        }
    }
    let mine: Vec<Unit> = units.into_iter().enumerate().filter(|(i, _)| i % n as usize == k as usize - 1).map(|(_, u)| u).collect();
    let cap = opts.runs;
    let queue = Mutex::new(Queue { units: mine.into_iter().rev().collect(), idle: 0, workers: opts.jobs });
    let cv = Condvar::new();
    let hungry = AtomicUsize::new(0);
    let work = |program: &Program| loop {
        let unit = {
            let mut q = queue.lock().unwrap();
            loop {
                if let Some(u) = q.units.pop() {
                    break Some(u);
                }
                q.idle += 1;
                if q.idle == q.workers {
                    cv.notify_all();
                    break None;
                }
                hungry.fetch_add(1, Ordering::Relaxed);
                q = cv.wait(q).unwrap();
                hungry.fetch_sub(1, Ordering::Relaxed);
                if q.idle == q.workers && q.units.is_empty() {
                    break None;
                }
                q.idle -= 1;
            }
        };
        let Some(unit) = unit else { return };
        let piece = dfs_unit(
            program,
            opts,
            bound,
            unit,
            cap,
            shared,
            &|donated: Unit| {
                let mut q = queue.lock().unwrap();
                q.units.push(donated);
                cv.notify_all();
            },
            &hungry,
        );
        pieces.lock().unwrap().push(piece);
    };
    match pool {
        None => work(program),
        Some(pool) => {
            pool.broadcast(|_| match super::options::load(path, text, opts) {
                Ok(p) => work(&p),
                Err(_) => {
                    let mut q = queue.lock().unwrap();
                    q.workers -= 1;
                    cv.notify_all();
                }
            });
        }
    }
}

/// Explores one unit depth-first, donating its later parts when other workers are idle.
#[allow(clippy::too_many_arguments)]
fn dfs_unit(
    program: &Program,
    opts: &Options,
    bound: u32,
    unit: Unit,
    cap: Option<u64>,
    shared: &Shared,
    donate: &dyn Fn(Unit),
    hungry: &AtomicUsize,
) -> Piece {
    let reduced = opts.reduced();
    let start = unit.order();
    let mut piece = Piece::new(start.clone());
    let base = unit.prefix.len();
    let mut stack: Vec<Entry> = Vec::new();
    if let Some(f) = &unit.first {
        stack.push(Entry { opts: f.opts.clone(), idx: f.start, end: f.opts.len(), used: f.used, done: f.done.clone(), cur: None });
    }
    let mut base_used: Option<u32> = None;
    loop {
        let mut order = unit.key.clone();
        order.extend(stack.iter().map(|e| e.idx as u64));
        let n = piece.recs.len() as u64;
        let capped = cap.is_some_and(|c| n >= c || (n % 16 == 0 && shared.past_cap(&start, n, c)));
        if shared.beyond(&order) || shared.out_of_time() || capped {
            piece.cut = true;
            return piece;
        }
        let mut prefix = unit.prefix.clone();
        prefix.extend(stack.iter().map(|e| e.opts[e.idx]));
        let mut adds = Vec::new();
        if reduced {
            adds.extend(unit.adds.iter().cloned());
            adds.extend(stack.iter().map(|e| e.done.clone()));
        }
        let (s, nondet) = run_policy(program, opts, prefix_policy(&prefix, &adds, reduced), true);
        let (nodes, used) = match follow(&s, &prefix) {
            Ok(x) => x,
            Err(e) => {
                *shared.bug.lock().unwrap() = Some(e);
                shared.offer(&[]);
                piece.cut = true;
                return piece;
            }
        };
        let base_used = *base_used.get_or_insert(used);
        for (i, e) in stack.iter_mut().enumerate() {
            if e.cur.is_none() {
                e.cur = nodes[base + i].fp.clone();
            }
        }
        // Extend the stack with the new nodes (all default choices).
        let mut u = match stack.last() {
            None => base_used,
            Some(e) => e.used.saturating_add(nodes[base + stack.len() - 1].cost(e.opts[e.idx])),
        };
        for node in &nodes[(base + stack.len()).min(nodes.len())..] {
            let o = node.options(u, bound);
            debug_assert_eq!(o[0], node.chosen);
            stack.push(Entry { end: o.len(), used: u, opts: o, idx: 0, done: Vec::new(), cur: node.fp.clone() });
            u = u.saturating_add(node.cost(node.chosen));
        }
        if s.redundant {
            piece.redundant += 1;
        } else {
            piece.note(shared, &s);
            if s.failed() || nondet.is_some() {
                let stop = piece.failed(shared, opts, || {
                    let which = format!("depth-first path {}", path_text(&order));
                    found(program, &s, order.clone(), which, nondet)
                });
                if stop {
                    return piece;
                }
            }
        }
        // Give the later options of the shallowest node that has some to an idle worker.
        if hungry.load(Ordering::Relaxed) > 0 {
            if let Some(j) = stack.iter().position(|e| e.idx + 1 < e.end) {
                let mut d = Unit { prefix: unit.prefix.clone(), adds: Vec::new(), key: unit.key.clone(), first: None };
                d.prefix.extend(stack[..j].iter().map(|e| e.opts[e.idx]));
                d.key.extend(stack[..j].iter().map(|e| e.idx as u64));
                if reduced {
                    d.adds.extend(unit.adds.iter().cloned());
                    d.adds.extend(stack[..j].iter().map(|e| e.done.clone()));
                }
                let e = &mut stack[j];
                let mut done = e.done.clone();
                if reduced && !is_choice(e.opts[e.idx]) {
                    done.push((e.opts[e.idx], e.cur.clone().unwrap_or_else(opaque)));
                }
                d.first = Some(First { opts: e.opts.clone(), start: e.idx + 1, done, used: e.used });
                e.end = e.idx + 1;
                donate(d);
            }
        }
        // Backtrack.
        loop {
            match stack.last_mut() {
                None => return piece,
                Some(e) if e.idx + 1 < e.end => {
                    let fp = e.cur.take();
                    if reduced && !is_choice(e.opts[e.idx]) {
                        e.done.push((e.opts[e.idx], fp.unwrap_or_else(opaque)));
                    }
                    e.idx += 1;
                    break;
                }
                Some(_) => {
                    stack.pop();
                }
            }
        }
    }
}

/// A DFS path: the option taken at each decision (0 is the default choice), runs of defaults
/// written `0×N` and the trailing ones left out.
fn path_text(order: &[u64]) -> String {
    let end = order.iter().rposition(|&o| o != 0).map_or(0, |i| i + 1);
    if end == 0 {
        return "all default choices".to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < end {
        let mut j = i;
        while j < end && order[j] == order[i] && order[i] == 0 {
            j += 1;
        }
        if j - i > 2 {
            parts.push(format!("0×{}", j - i));
            i = j;
        } else {
            parts.push(order[i].to_string());
            i += 1;
        }
    }
    format!("{}, then default choices", parts.join("."))
}
