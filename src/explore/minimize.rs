//! Minimisation of a failing schedule (fewest context switches, earliest) and the
//! finished failure record.

use super::driver::FoundFailure;
use super::run::{failure_class, run_for_table, run_one, run_one_reads, Single};
use super::table::table;
use super::{Failure, Minimal, Options};
use crate::Program;
use spindle_vm::sched::{default_choice, Replay, Switch};
use spindle_vm::{Policy, Schedule};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The switches of a recorded run where it did not make the default choice.
fn switches_of(s: &Single) -> Vec<Switch> {
    s.points
        .iter()
        .zip(s.point_runnable.iter())
        .filter(|(p, _)| p.is_decision())
        .filter_map(|(p, r)| {
            let rs: Vec<usize> = r.iter().map(|&t| t as usize).collect();
            let d = default_choice(p.current as usize, p.current_runnable, p.yielded, &rs) as u32;
            (p.chosen != d).then_some(Switch { thread: p.current, step: p.step, to: p.chosen })
        })
        .collect()
}

fn preemptions_of(s: &Single) -> u64 {
    s.points.iter().filter(|p| p.is_decision() && p.current_runnable && !p.yielded && p.chosen != p.current).count() as u64
}

/// The policy that replays exactly what `s` did.
fn replay_of(s: &Single) -> Policy {
    Policy::Replay(Arc::new(Replay { schedule: s.decisions.clone(), strict: true }))
}

fn directed(sw: &[Switch]) -> Policy {
    let mut v = sw.to_vec();
    v.sort();
    Policy::Directed(Arc::new(v))
}

/// Shrinks a failing schedule: drops switches (ddmin-style), then moves each remaining one as
/// early as it can go, while the failure's class stays the same.
fn minimize(program: &Program, opts: &Options, decisions: &Schedule, class: &str) -> Option<(Single, usize, u64)> {
    let strict = Policy::Replay(Arc::new(Replay { schedule: decisions.clone(), strict: true }));
    let orig = run_one(program, &opts.config, strict, true, false);
    let mut cur = switches_of(&orig);
    let before = cur.len();
    let start = Instant::now();
    let mut runs = 0u64;
    let budget = |runs: u64| runs < 4000 && start.elapsed() < Duration::from_secs(20);
    // A candidate is kept if it fails the same way with no more preemptions than the best so
    // far (dropping a switch at a blocking point can change which later points preempt).
    // The failing run's store choices (weak memory) are kept while switches change.
    let reads = Some(decisions);
    let fails = |sw: &[Switch], runs: &mut u64, limit: u64| -> bool {
        *runs += 1;
        let s = run_one_reads(program, &opts.config, directed(sw), reads, true, false);
        s.failed() && failure_class(&s.stop) == class && preemptions_of(&s) <= limit
    };
    let mut best_pre = preemptions_of(&orig);
    if !fails(&cur, &mut runs, u64::MAX) {
        return None;
    }
    // Drop.
    let mut chunk = (cur.len() / 2).max(1);
    while !cur.is_empty() && budget(runs) {
        let mut i = 0;
        let mut changed = false;
        while i < cur.len() && budget(runs) {
            let mut cand = cur.clone();
            cand.drain(i..(i + chunk).min(cur.len()));
            if fails(&cand, &mut runs, best_pre) {
                cur = cand;
                best_pre = preemptions_of(&run_one_reads(program, &opts.config, directed(&cur), reads, true, false));
                changed = true;
            } else {
                i += chunk;
            }
        }
        if chunk > 1 {
            chunk = (chunk / 2).max(1);
        } else if !changed {
            break;
        }
    }
    // Move each switch earlier while the failure persists.
    for i in 0..cur.len() {
        let mut tries = 0;
        while cur[i].step > 1 && tries < 64 && budget(runs) {
            let mut cand = cur.clone();
            cand[i].step -= 1;
            if cand.iter().enumerate().any(|(j, s)| j != i && s.thread == cand[i].thread && s.step == cand[i].step)
                || !fails(&cand, &mut runs, best_pre)
            {
                break;
            }
            cur = cand;
            tries += 1;
        }
    }
    let fin = run_one_reads(program, &opts.config, directed(&cur), reads, true, false);
    if !fin.failed() || failure_class(&fin.stop) != class {
        return None;
    }
    let _ = before;
    Some((fin, before, runs))
}

pub(super) fn finish_failure(program: &Program, opts: &Options, f: &FoundFailure) -> Failure {
    let fp = Some(program.fingerprint());
    let replay = f.decisions.to_text(fp);
    let strict = Policy::Replay(Arc::new(Replay { schedule: f.decisions.clone(), strict: true }));
    let again = run_one(program, &opts.config, strict, true, false);
    let preemptions = preemptions_of(&again);
    let mut minimal = None;
    if opts.minimize && f.nondeterminism.is_none() {
        if let Some((fin, before, runs)) = minimize(program, opts, &f.decisions, &f.class) {
            minimal = Some(Minimal {
                replay: fin.decisions.to_text(fp),
                switches_before: before,
                switches_after: switches_of(&fin).len(),
                preemptions: preemptions_of(&fin),
                table: table(program, &run_for_table(program, &opts.config, replay_of(&fin), None)),
                runs,
            });
        }
    }
    Failure {
        order: f.order.clone(),
        which: f.which.clone(),
        exit_code: f.exit_code,
        class: f.class.clone(),
        report: f.single_report.clone(),
        replay,
        preemptions,
        minimal,
        nondeterminism: f.nondeterminism.clone(),
    }
}
