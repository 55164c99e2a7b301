//! The JSON summary of an exploration (`--json`), and reading it back (`--merge`).

use super::{parse_shard, Example, Failure, Minimal, OutcomeCount, Summary};
use std::time::Duration;

impl Summary {
    /// The JSON summary (for `--merge`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        json!({
            "spindle_explore": 1,
            "program": self.program,
            "fingerprint": format!("{:08x}", self.fingerprint),
            "sched": self.sched,
            "shards": self.shards.iter().map(|&(k, n)| format!("{k}/{n}")).collect::<Vec<_>>(),
            "runs": self.runs,
            "exhaustive": self.exhaustive,
            "reduced": self.reduced,
            "redundant": self.redundant,
            "stopped": self.stopped,
            "elapsed_ms": self.elapsed.as_millis() as u64,
            "jobs": self.jobs,
            "outcomes": self.outcomes.iter().map(|o| json!({
                "exit": o.exit_code, "digest": format!("{:016x}", o.digest), "count": o.count, "preview": o.preview,
                "example": o.example.as_ref().map(|e| json!({
                    "order": { "piece": e.order.0, "run": e.order.1 },
                    "replay": e.replay, "stdout": e.stdout, "stderr": e.stderr,
                })),
            })).collect::<Vec<_>>(),
            "failure": self.failure.as_ref().map(|f| json!({
                "order": f.order,
                "which": f.which,
                "exit": f.exit_code,
                "class": f.class,
                "report": f.report,
                "replay": f.replay,
                "preemptions": f.preemptions,
                "nondeterminism": f.nondeterminism,
                "minimal": f.minimal.as_ref().map(|m| json!({
                    "replay": m.replay, "switches_before": m.switches_before, "switches_after": m.switches_after,
                    "preemptions": m.preemptions, "table": m.table, "runs": m.runs,
                })),
            })),
        })
    }

    /// Reads a JSON summary back.
    pub fn from_json(v: &serde_json::Value) -> Result<Summary, String> {
        let bad = |what: &str| format!("not a `spindle explore --json` summary: {what}");
        if v.get("spindle_explore").and_then(|x| x.as_u64()) != Some(1) {
            return Err(bad("no `spindle_explore: 1` field"));
        }
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string).ok_or_else(|| bad(&format!("`{k}` missing")));
        let u = |k: &str| v.get(k).and_then(|x| x.as_u64()).ok_or_else(|| bad(&format!("`{k}` missing")));
        let fingerprint = u32::from_str_radix(&s("fingerprint")?, 16).map_err(|_| bad("bad fingerprint"))?;
        let shards = v
            .get("shards")
            .and_then(|x| x.as_array())
            .ok_or_else(|| bad("`shards` missing"))?
            .iter()
            .map(|x| x.as_str().ok_or_else(|| bad("bad shard")).and_then(parse_shard))
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = v
            .get("outcomes")
            .and_then(|x| x.as_array())
            .ok_or_else(|| bad("`outcomes` missing"))?
            .iter()
            .map(|o| {
                Some(OutcomeCount {
                    exit_code: o.get("exit")?.as_i64()? as i32,
                    digest: u64::from_str_radix(o.get("digest")?.as_str()?, 16).ok()?,
                    count: o.get("count")?.as_u64()?,
                    preview: o.get("preview")?.as_str()?.to_string(),
                    example: match o.get("example") {
                        None | Some(serde_json::Value::Null) => None,
                        Some(e) => {
                            let order = e.get("order")?;
                            let piece = order.get("piece")?.as_array()?.iter().map(|x| x.as_u64()).collect::<Option<Vec<_>>>()?;
                            let text = |k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
                            Some(Example {
                                order: (piece, order.get("run")?.as_u64()?),
                                replay: text("replay")?,
                                stdout: text("stdout")?,
                                stderr: text("stderr")?,
                            })
                        }
                    },
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("bad outcome"))?;
        let failure = match v.get("failure") {
            None | Some(serde_json::Value::Null) => None,
            Some(f) => {
                let fs =
                    |k: &str| f.get(k).and_then(|x| x.as_str()).map(str::to_string).ok_or_else(|| bad(&format!("failure `{k}` missing")));
                let minimal = match f.get("minimal") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(m) => Some(Minimal {
                        replay: m.get("replay").and_then(|x| x.as_str()).ok_or_else(|| bad("minimal replay"))?.to_string(),
                        switches_before: m.get("switches_before").and_then(|x| x.as_u64()).unwrap_or(0) as usize,
                        switches_after: m.get("switches_after").and_then(|x| x.as_u64()).unwrap_or(0) as usize,
                        preemptions: m.get("preemptions").and_then(|x| x.as_u64()).unwrap_or(0),
                        table: m.get("table").and_then(|x| x.as_str()).unwrap_or("").to_string(),
                        runs: m.get("runs").and_then(|x| x.as_u64()).unwrap_or(0),
                    }),
                };
                Some(Failure {
                    order: f
                        .get("order")
                        .and_then(|x| x.as_array())
                        .and_then(|a| a.iter().map(|x| x.as_u64()).collect::<Option<Vec<_>>>())
                        .ok_or_else(|| bad("failure `order` missing"))?,
                    which: fs("which")?,
                    exit_code: f.get("exit").and_then(|x| x.as_i64()).unwrap_or(1) as i32,
                    class: fs("class")?,
                    report: fs("report")?,
                    replay: fs("replay")?,
                    preemptions: f.get("preemptions").and_then(|x| x.as_u64()).unwrap_or(0),
                    minimal,
                    nondeterminism: f.get("nondeterminism").and_then(|x| x.as_str()).map(str::to_string),
                })
            }
        };
        Ok(Summary {
            program: s("program")?,
            fingerprint,
            sched: s("sched")?,
            shards,
            runs: u("runs")?,
            exhaustive: v.get("exhaustive").and_then(|x| x.as_bool()).unwrap_or(false),
            reduced: v.get("reduced").and_then(|x| x.as_bool()).unwrap_or(false),
            redundant: v.get("redundant").and_then(|x| x.as_u64()).unwrap_or(0),
            stopped: v.get("stopped").and_then(|x| x.as_str()).map(str::to_string),
            outcomes,
            failure,
            elapsed: Duration::from_millis(u("elapsed_ms")?),
            jobs: u("jobs")? as usize,
        })
    }
}
