//! The timeline: a Chrome trace-event JSON file (open it in <https://ui.perfetto.dev> or
//! `chrome://tracing`). One track per guest thread, with
//! - `running` slices while the thread has the (single, virtual) processor,
//! - a slice per foreign call, named after the call; a call that blocked spans the whole wait,
//! - flow arrows for the happens-before edges the shims create: from the call that released a
//!   clock (an eventfd or pipe write, a readiness change) to the call that acquired it (the read,
//!   the epoll_wait that delivered the event).
//!
//! Timestamps are virtual time (the file's unit is microseconds, so 1 ns = 0.001).

use super::{json_str, CallEvent};

/// What the timeline needs besides the calls.
pub struct TimelineInput<'a> {
    pub calls: &'a [CallEvent],
    /// (virtual ns, thread) each time the scheduler switched threads.
    pub scheduled: &'a [(u64, usize)],
    pub thread_names: Vec<String>,
    pub end_ns: u64,
}

fn us(ns: u64) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

struct Slice {
    tid: usize,
    start: u64,
    end: u64,
    name: String,
    cat: &'static str,
    args: String,
}

/// Renders the timeline as a Chrome trace-event JSON document.
pub fn render(input: &TimelineInput) -> String {
    let mut slices: Vec<Slice> = Vec::new();
    // Running intervals: between scheduler switches, minus the time spent blocked in a call.
    for (k, &(start, tid)) in input.scheduled.iter().enumerate() {
        let end = input.scheduled.get(k + 1).map_or(input.end_ns, |n| n.0);
        let mut cursor = start;
        let mut blocked: Vec<(u64, u64)> = input
            .calls
            .iter()
            .filter(|c| c.tid == tid && c.blocked && c.end_ns > start && c.start_ns < end)
            .map(|c| (c.start_ns.max(start), c.end_ns.min(end)))
            .collect();
        blocked.sort_unstable();
        for (b0, b1) in blocked {
            if b0 > cursor {
                slices.push(Slice { tid, start: cursor, end: b0, name: "running".into(), cat: "sched", args: String::new() });
            }
            cursor = cursor.max(b1);
        }
        if end > cursor {
            slices.push(Slice { tid, start: cursor, end, name: "running".into(), cat: "sched", args: String::new() });
        }
    }
    for c in input.calls {
        let name = if c.blocked { format!("{} (blocked)", c.call) } else { c.call.clone() };
        let result = match (&c.errno, c.result) {
            (Some(e), _) => format!("-1 {e}"),
            (None, Some(r)) => r.to_string(),
            (None, None) => "?".to_string(),
        };
        let args = format!("\"call\":{},\"result\":{}", json_str(&format!("{}({})", c.call, c.args.join(", "))), json_str(&result));
        slices.push(Slice { tid: c.tid, start: c.start_ns, end: c.end_ns, name, cat: if c.blocked { "blocked" } else { "syscall" }, args });
    }
    // Flows: from the call during which the releasing thread's own time passed the acquired
    // time, to the call that acquired it.
    let mut flows: Vec<(usize, u64, usize, u64)> = Vec::new();
    for c in input.calls {
        for &(from_tid, time) in &c.acquired {
            let src = input
                .calls
                .iter()
                .filter(|s| s.tid == from_tid && s.seq != c.seq)
                .find(|s| s.own_time.is_some_and(|(b, a)| b <= time && time < a));
            if let Some(s) = src {
                flows.push((s.tid, s.end_ns, c.tid, c.end_ns));
            }
        }
    }
    // B/E pairs, sorted per track so that every track's timestamps are monotone and slices nest.
    let mut events: Vec<(usize, u64, u8, String)> = Vec::new();
    for s in &slices {
        let args = if s.args.is_empty() { String::new() } else { format!(",\"args\":{{{}}}", s.args) };
        // At equal times: ends of earlier slices, begins, flow points, then ends of empty
        // slices (so that an instantaneous call is a slice of its own).
        let end_rank = if s.end == s.start { 3 } else { 0 };
        events.push((
            s.tid,
            s.start,
            1,
            format!(
                "{{\"ph\":\"B\",\"pid\":1,\"tid\":{},\"ts\":{},\"name\":{},\"cat\":\"{}\"{args}}}",
                s.tid,
                us(s.start),
                json_str(&s.name),
                s.cat
            ),
        ));
        events.push((s.tid, s.end, end_rank, format!("{{\"ph\":\"E\",\"pid\":1,\"tid\":{},\"ts\":{}}}", s.tid, us(s.end))));
    }
    for (id, &(ftid, fts, ttid, tts)) in flows.iter().enumerate() {
        events.push((
            ftid,
            fts,
            2,
            format!("{{\"ph\":\"s\",\"id\":{id},\"pid\":1,\"tid\":{ftid},\"ts\":{},\"name\":\"happens-before\",\"cat\":\"hb\"}}", us(fts)),
        ));
        events.push((
            ttid,
            tts,
            2,
            format!(
                "{{\"ph\":\"f\",\"bp\":\"e\",\"id\":{id},\"pid\":1,\"tid\":{ttid},\"ts\":{},\"name\":\"happens-before\",\"cat\":\"hb\"}}",
                us(tts)
            ),
        ));
    }
    events.sort_by_key(|e| (e.0, e.1, e.2));
    let mut out = String::from("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    let mut first = true;
    for (tid, name) in input.thread_names.iter().enumerate() {
        if !first {
            out.push_str(",\n");
        }
        first = false;
        out.push_str(&format!(
            "{{\"ph\":\"M\",\"pid\":1,\"tid\":{tid},\"name\":\"thread_name\",\"args\":{{\"name\":{}}}}}",
            json_str(name)
        ));
    }
    out.push_str(",\n{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"spindle guest\"}}");
    for (_, _, _, e) in events {
        out.push_str(",\n");
        out.push_str(&e);
    }
    out.push_str("\n]}\n");
    out
}
