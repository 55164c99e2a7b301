//! The text report of an exploration.

use super::{Example, Summary, MAX_KEPT};

impl Summary {
    /// The text report.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let shard = match self.shards.as_slice() {
            [(1, 1)] => String::new(),
            [(k, n)] => format!(", shard {k}/{n}"),
            s => format!(", {} shards merged", s.len()),
        };
        o.push_str(&format!("explored {} with {}{shard}\n", self.program, self.sched));
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            format!(" ({:.0} schedules/s on {} job{})", self.runs as f64 / secs, self.jobs, if self.jobs == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        match (&self.stopped, self.exhaustive) {
            (_, true) if self.reduced => {
                o.push_str(&format!("explored every schedule up to equivalence: {} schedule{}{rate}\n", self.runs, plural(self.runs)));
                o.push_str(&format!(
                    "  (partial-order reduction: one schedule per class of interleavings that differ only in the order of independent steps; {} redundant run{} cut short)\n",
                    self.redundant,
                    plural(self.redundant)
                ));
            }
            (_, true) if self.sched.starts_with("dfs:inf") => {
                o.push_str(&format!("explored every schedule: {} schedule{}{rate}\n", self.runs, plural(self.runs)));
            }
            (_, true) => {
                o.push_str(&format!("explored every schedule within the bound: {} schedule{}{rate}\n", self.runs, plural(self.runs)));
            }
            (Some(why), _) => o.push_str(&format!("runs: {} (stopped at the {why}){rate}\n", self.runs)),
            (None, _) => o.push_str(&format!("runs: {}{rate}\n", self.runs)),
        }
        o.push_str(&format!("outcomes: {} distinct\n", self.outcomes.len()));
        // Each outcome with where its output first differs from the most common one's (the
        // first listed), and the schedule of its first run.
        let common = self.outcomes.first().and_then(|o| o.example.as_ref());
        for (i, oc) in self.outcomes.iter().enumerate() {
            o.push_str(&format!("  {:>8} × exit {:<3} output {:016x} {}\n", oc.count, oc.exit_code, oc.digest, oc.preview));
            if let Some(e) = &oc.example {
                if let (Some(c), true) = (common, i > 0) {
                    o.push_str(&format!("             {}\n", difference(e, c)));
                }
                o.push_str(&format!("             replay: spindle run --replay {} {}\n", shown(&e.replay, false), self.program));
            }
        }
        match &self.failure {
            None => o.push_str("no failure found\n"),
            Some(f) => {
                o.push_str(&format!("\nfirst failure: {}\n", f.which));
                if let Some(nd) = &f.nondeterminism {
                    o.push_str(&format!("error: Spindle bug: two runs of the same schedule differed: {nd}\n"));
                }
                o.push_str(&f.report);
                o.push_str(&format!(
                    "replay it ({} preemption{}): spindle run --replay {} {}\n",
                    f.preemptions,
                    plural(f.preemptions),
                    shown(&f.replay, f.minimal.is_none()),
                    self.program
                ));
                if let Some(m) = &f.minimal {
                    o.push_str(&format!(
                        "\nminimised in {} runs: {} → {} context switch{} away from the default schedule, {} preemption{}\n",
                        m.runs,
                        m.switches_before,
                        m.switches_after,
                        if m.switches_after == 1 { "" } else { "es" },
                        m.preemptions,
                        plural(m.preemptions)
                    ));
                    o.push_str(&format!("replay it: spindle run --replay {} {}\n\n", shown(&m.replay, true), self.program));
                    o.push_str(&m.table);
                }
            }
        }
        o
    }
}

/// A schedule for the report: inline if short, else where `--save-schedule` puts it.
fn shown(replay: &str, saved: bool) -> String {
    if replay.len() <= MAX_SHOWN {
        format!("'{replay}'")
    } else if saved {
        format!("@FILE  (the schedule is {} characters: `--save-schedule FILE` writes it)", replay.len())
    } else {
        format!("@FILE  (the schedule is {} characters; `--json` shows it)", replay.len())
    }
}

/// Longest schedule string shown inline in the report.
pub const MAX_SHOWN: usize = 600;

/// Where `e`'s output first differs from `common`'s (the most common outcome's), marked `≠`:
/// the first differing line of stdout (else stderr), both sides shown from a little before the
/// first differing character.
fn difference(e: &Example, common: &Example) -> String {
    for (name, a, b) in [("stdout", &e.stdout, &common.stdout), ("stderr", &e.stderr, &common.stderr)] {
        let (mut la, mut lb) = (a.split_inclusive('\n'), b.split_inclusive('\n'));
        let mut n = 0;
        loop {
            n += 1;
            match (la.next(), lb.next()) {
                (None, None) => break,
                (x, y) if x == y => continue,
                (x, y) => {
                    let (x, y) = (x.map(|l| l.strip_suffix('\n').unwrap_or(l)), y.map(|l| l.strip_suffix('\n').unwrap_or(l)));
                    // The first character that differs, and a window from a little before it.
                    let col = match (x, y) {
                        (Some(x), Some(y)) => x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count(),
                        _ => 0,
                    };
                    let from = col.saturating_sub(20);
                    let show = |l: Option<&str>| match l {
                        None => "(no such line)".to_string(),
                        Some(l) => {
                            let tail: String = l.chars().skip(from).collect();
                            let mut t: String = tail.chars().take(48).collect();
                            if tail.chars().count() > 48 {
                                t.push('…');
                            }
                            format!("{}{t:?}", if from > 0 { "…" } else { "" })
                        }
                    };
                    let at = if x.is_some() && y.is_some() && col > 0 { format!(", column {}", col + 1) } else { String::new() };
                    return format!("{name} line {n}{at}: {} ≠ {} in the most common outcome", show(x), show(y));
                }
            }
        }
    }
    if e.stdout.len().max(e.stderr.len()).max(common.stdout.len()).max(common.stderr.len()) >= MAX_KEPT {
        format!("no difference from the most common outcome in the first {} KiB of stdout and stderr", MAX_KEPT / 1024)
    } else {
        "the same stdout and stderr as the most common outcome".to_string()
    }
}
