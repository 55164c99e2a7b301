//! The table of a failing run's steps, one column per thread.

use super::run::Single;
use crate::Program;
use spindle_vm::source::Span;
use spindle_vm::StopKind;

/// The steps of a failing run, one column per thread (Lincheck's style): each row is a
/// scheduling point a thread reached — the atomic or call it stopped at — in execution order,
/// then the failing step(s), marked.
pub fn table(program: &Program, s: &Single) -> String {
    let sources = &program.sources;
    let snippet = |sp: Span| -> String {
        let (line, _) = sources.file_of(sp.start).line_col(sp.start);
        let text = sources.slice(sp);
        let mut text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // `x = call f(a) -> bb1;` reads better as `x = call f(a)`.
        if let Some(i) = text.rfind(" -> ") {
            if text[i + 4..].trim_end_matches(';').chars().all(|c| c.is_alphanumeric() || c == '_') {
                text.truncate(i);
            }
        }
        let text = text.trim_end_matches(';').to_string();
        let text = if text.chars().count() > 44 { format!("{}…", text.chars().take(43).collect::<String>()) } else { text };
        format!("{line}: {text}")
    };
    let thread_of = |name: &str| s.thread_names.iter().position(|n| n == name);
    let stop = &s.stop;
    // A race's earlier access (1) is shown where it happened: before the point that ended the
    // last segment of its thread that touched its location (the segments' footprints say).
    let race_first = stop.diags.first().and_then(|d| d.secondary.iter().find(|l| l.text.starts_with("(1)")));
    let first_at = stop.race.zip(race_first).and_then(|(r, _)| {
        let (id, off) = spindle_vm::memory::split(r.addr);
        let locs: Vec<u64> = (off / 8..=(off + r.size - 1) / 8).map(|g| (id as u64) << 32 | g).collect();
        let touched = |fp: &spindle_vm::por::Footprint| {
            fp.locs.iter().any(|&(l, w)| locs.contains(&l) && (w || !r.write)) || fp.whole.iter().any(|&(a, w)| a == id && (w || !r.write))
        };
        (0..s.points.len().saturating_sub(1))
            .rev()
            .find(|&i| s.points[i].chosen as usize == r.thread && s.segments.get(i).cloned().flatten().is_some_and(|fp| touched(&fp)))
            .map(|i| (i + 1, r.thread))
    });
    let mut rows: Vec<(usize, String)> = Vec::new();
    // Stale reads (weak memory) and spurious wakeups, by the point that ends the segment of the
    // load or the wait.
    let stale = |i: usize| -> Option<String> {
        let r = s.reads.iter().find(|r| r.at as usize == i && r.chosen != 0 && r.delay.is_none())?;
        if r.wake {
            return Some("futex wait woke spuriously (nobody woke it)".to_string());
        }
        let from = match r.store_span {
            Some(sp) => format!("the store at line {}", sources.file_of(sp.start).line_col(sp.start).0),
            None => "its initial value".to_string(),
        };
        let name = r.location.strip_suffix("+0x0").unwrap_or(&r.location);
        Some(format!("load of {name} read {from} (stale)"))
    };
    // A signal's handler that started between two steps of the thread it interrupted, its
    // delivery postponed by a choice: the step it started before, in the segment that ends at
    // point `i` (or the last one, which ends the run).
    let delivered = |rows: &mut Vec<(usize, String)>, i: usize| {
        for r in s.reads.iter().filter(|r| r.at as usize == i && r.chosen == 0 && r.delay.is_some_and(|n| n > 0)) {
            if let Some(sp) = r.store_span {
                let n = r.delay.unwrap_or(0);
                let times = if n == 1 { "once".to_string() } else { format!("{n} times") };
                rows.push((r.thread as usize, format!("{} · signal handler starts here (delivery postponed {times})", snippet(sp))));
            }
        }
    };
    for (i, p) in s.points.iter().enumerate() {
        delivered(&mut rows, i);
        if let (Some((at, t)), Some(l)) = (first_at, race_first) {
            if at == i {
                rows.push((t, format!("{} ✗ (1)", snippet(l.span))));
            }
        }
        match p.span {
            Some(sp) => rows.push((
                p.current as usize,
                match stale(i) {
                    Some(st) => format!("{} · {st}", snippet(sp)),
                    None => snippet(sp),
                },
            )),
            None if i > 0 => rows.push((p.current as usize, "(returns)".to_string())),
            None => {}
        }
    }
    delivered(&mut rows, s.points.len());
    // Collapse repeats of the same step by the same thread into one row.
    let mut collapsed: Vec<(usize, String, usize)> = Vec::new();
    for (t, c) in rows {
        match collapsed.last_mut() {
            Some((lt, lc, n)) if *lt == t && *lc == c => *n += 1,
            _ => collapsed.push((t, c, 1)),
        }
    }
    let mut rows: Vec<(usize, String)> =
        collapsed.into_iter().map(|(t, c, n)| (t, if n > 1 { format!("{c} (×{n})") } else { c })).collect();
    // The failing steps.
    let thread_note = |d: &spindle_vm::diag::Diagnostic| {
        d.notes.iter().find_map(|n| n.strip_prefix("this is on thread `").and_then(|r| r.strip_suffix('`')).map(str::to_string))
    };
    if stop.kind == StopKind::Deadlock {
        for d in &stop.diags {
            if let (Some(name), Some(p)) = (thread_note(d), &d.primary) {
                if let Some(t) = thread_of(&name) {
                    rows.push((t, format!("{} ✗ blocked", snippet(p.span))));
                }
            }
        }
    } else if let Some(d) = stop.diags.first() {
        let title = &d.title;
        if let (Some(a), Some(b)) = (title.find("on thread `"), title.rfind("on thread `")) {
            if a != b {
                // A race: (1) on the first thread named, (2) on the second.
                let name = |i: usize| title[i + 11..].split('`').next().unwrap_or("").to_string();
                if let (Some(t1), Some(t2), Some(p)) = (thread_of(&name(a)), thread_of(&name(b)), &d.primary) {
                    if let (Some(sec), None) = (race_first, first_at) {
                        rows.push((t1, format!("{} ✗ (1)", snippet(sec.span))));
                    }
                    rows.push((t2, format!("{} ✗ (2)", snippet(p.span))));
                }
            }
        }
        if !title.contains("between (1)") {
            if let (Some(name), Some(p)) = (thread_note(d), &d.primary) {
                if let Some(t) = thread_of(&name) {
                    let what = match stop.kind {
                        StopKind::Panic => "panics",
                        StopKind::Ub => "UB",
                        _ => "fails",
                    };
                    rows.push((t, format!("{} ✗ {what}", snippet(p.span))));
                }
            }
        }
    }
    const MAX_ROWS: usize = 40;
    let skipped = rows.len().saturating_sub(MAX_ROWS);
    let rows = &rows[skipped..];
    let mut cols: Vec<usize> = rows.iter().map(|r| r.0).collect();
    cols.sort();
    cols.dedup();
    let width = |c: usize| -> usize {
        let name = s.thread_names.get(c).map_or(1, |n| n.chars().count());
        rows.iter().filter(|r| r.0 == c).map(|r| r.1.chars().count()).max().unwrap_or(0).max(name)
    };
    let widths: Vec<usize> = cols.iter().map(|&c| width(c)).collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let mut l = String::from("|");
        for (c, w) in cells.iter().zip(&widths) {
            l.push_str(&format!(" {c:<w$} |"));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    let header: Vec<String> = cols.iter().map(|&c| s.thread_names.get(c).cloned().unwrap_or_default()).collect();
    line(&mut out, &header);
    let sep: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    line(&mut out, &sep);
    if skipped > 0 {
        out.push_str(&format!("| … {skipped} earlier steps\n"));
    }
    for (t, c) in rows {
        let cells: Vec<String> = cols.iter().map(|&col| if col == *t { c.clone() } else { String::new() }).collect();
        line(&mut out, &cells);
    }
    out
}
