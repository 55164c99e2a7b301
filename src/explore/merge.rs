//! Merging the summaries of the shards of one exploration.

use super::{OutcomeCount, Summary};
use std::collections::BTreeMap;

/// Combines the summaries of the shards of one exploration: runs and outcomes add up, the
/// first failure is the earliest in exploration order, and DFS is exhaustive when every shard
/// of the split is present and exhaustive.
pub fn merge(parts: Vec<Summary>) -> Result<Summary, String> {
    let Some(first) = parts.first() else { return Err("`--merge` needs at least one summary file".into()) };
    let (program, fingerprint, sched) = (first.program.clone(), first.fingerprint, first.sched.clone());
    let n = first.shards.first().map_or(1, |s| s.1);
    let mut shards = Vec::new();
    for p in &parts {
        if p.fingerprint != fingerprint {
            return Err(format!(
                "the summaries are of different programs (`{}` {:08x} vs `{}` {:08x})",
                program, fingerprint, p.program, p.fingerprint
            ));
        }
        if p.sched != sched {
            return Err(format!("the summaries used different schedulers (`{sched}` vs `{}`)", p.sched));
        }
        for &s in &p.shards {
            if s.1 != n {
                return Err(format!("the summaries split the space differently ({}/{} vs {}/{n})", s.0, s.1, s.0));
            }
            if shards.contains(&s) {
                return Err(format!("shard {}/{} appears twice", s.0, s.1));
            }
            shards.push(s);
        }
    }
    shards.sort();
    let all = shards.len() as u32 == n;
    let mut counts: BTreeMap<(i32, u64), OutcomeCount> = BTreeMap::new();
    for p in &parts {
        for o in &p.outcomes {
            let e = counts.entry((o.exit_code, o.digest)).or_insert_with(|| OutcomeCount { count: 0, ..o.clone() });
            e.count += o.count;
            // The example is the earliest run in exploration order over all the shards.
            if let Some(x) = &o.example {
                if e.example.as_ref().is_none_or(|y| x.order < y.order) {
                    e.example = Some(x.clone());
                }
            }
        }
    }
    let mut outcomes: Vec<OutcomeCount> = counts.into_values().collect();
    outcomes.sort_by(|a, b| b.count.cmp(&a.count).then(a.exit_code.cmp(&b.exit_code)).then(a.digest.cmp(&b.digest)));
    let failure = parts.iter().filter_map(|p| p.failure.clone()).min_by(|a, b| a.order.cmp(&b.order));
    let stopped = if failure.is_some() {
        Some("first failure".to_string())
    } else if !all {
        Some(format!("missing shards: {} of {n} present", shards.len()))
    } else {
        parts.iter().find_map(|p| p.stopped.clone())
    };
    Ok(Summary {
        program,
        fingerprint,
        sched,
        runs: parts.iter().map(|p| p.runs).sum(),
        exhaustive: all && parts.iter().all(|p| p.exhaustive) && failure.is_none(),
        reduced: parts.iter().all(|p| p.reduced),
        redundant: parts.iter().map(|p| p.redundant).sum(),
        stopped,
        outcomes,
        failure,
        elapsed: parts.iter().map(|p| p.elapsed).max().unwrap_or_default(),
        jobs: parts.iter().map(|p| p.jobs).sum(),
        shards,
    })
}
