//! The structured trace outputs, loaded back: every program's JSON-lines trace parses, with the
//! documented fields, and its timeline is a well-formed Chrome trace — every `B` has its `E` on
//! the same track, slices nest, every flow has both ends, and timestamps never go backwards on a
//! track. (The text trace is pinned by the snapshots in tests/programs.rs.)

use spindle::{Program, RunConfig, TraceConfig, TraceFormat, Tracer};
use spindle_vm::machine::Console;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn programs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "mir") {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("programs"), &mut v);
    v.sort();
    v
}

/// The program's own flags, for the scheduler (the rest are irrelevant here).
fn config_for(src: &str) -> RunConfig {
    let mut config = RunConfig { max_steps: Some(5_000_000), ..RunConfig::default() };
    let flags: Vec<&str> = src
        .lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| l.strip_prefix("// spindle-flags:"))
        .flat_map(str::split_whitespace)
        .collect();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--seed" => {
                let seed = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                config.policy = spindle::Policy::Random { seed, preemption: spindle::DEFAULT_PREEMPTION };
            }
            "--no-race-check" => config.race_check = false,
            "--max-stack-depth" => config.max_stack_depth = it.next().and_then(|s| s.parse().ok()).unwrap_or(10_000),
            "--max-steps" => config.max_steps = it.next().and_then(|s| s.parse().ok()),
            "--max-processes" => config.max_spaces = it.next().and_then(|s| s.parse().ok()).unwrap_or(256),
            _ => {}
        }
    }
    config
}

fn run(path: &Path, format: TraceFormat, timeline: bool) -> Option<(String, Option<String>)> {
    let src = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let program = Program::from_path(path.to_str().unwrap()).ok()?;
    let buf = Buf::default();
    let tracer = Tracer::new(TraceConfig { format, time: false, timeline }, Some(Box::new(buf.clone())));
    let console = Console::sink();
    let (stats, _) = program.run_traced(&config_for(&src), console, Some(tracer));
    let text = String::from_utf8(buf.0.borrow().clone()).expect("traces are UTF-8");
    Some((text, stats.timeline))
}

#[test]
fn json_lines_parse_with_the_documented_fields() {
    let mut checked = 0;
    for path in programs() {
        let Some((text, _)) = run(&path, TraceFormat::Json, false) else { continue };
        let mut seqs = Vec::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", path.display()));
            match v["event"].as_str() {
                Some("call") => {
                    for field in [
                        "seq",
                        "tid",
                        "thread",
                        "call",
                        "args",
                        "raw",
                        "result",
                        "errno",
                        "start_ns",
                        "time_ns",
                        "start_step",
                        "step",
                        "blocked",
                    ] {
                        assert!(v.get(field).is_some(), "{}: call without `{field}`: {line}", path.display());
                    }
                    assert!(v["start_ns"].as_u64() <= v["time_ns"].as_u64(), "{}: a call ends before it starts: {line}", path.display());
                    seqs.push(v["seq"].as_u64().unwrap());
                }
                Some("signal") => {
                    for field in ["tid", "thread", "text", "time_ns", "step"] {
                        assert!(v.get(field).is_some(), "{}: signal event without `{field}`: {line}", path.display());
                    }
                }
                Some("thread_exit") | Some("end") => {}
                other => panic!("{}: unknown event {other:?}: {line}", path.display()),
            }
        }
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{}: sequence numbers must increase", path.display());
        assert!(
            text.lines().last().is_some_and(|l| l.contains("\"event\":\"end\"")),
            "{}: the trace must end with an end event",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} programs were traced");
}

#[test]
fn timelines_are_well_formed_chrome_traces() {
    let mut flows_seen = 0;
    let mut checked = 0;
    for path in programs() {
        let Some((_, Some(json))) = run(&path, TraceFormat::Text, true) else { continue };
        let doc: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: timeline is not JSON: {e}", path.display()));
        let events = doc["traceEvents"].as_array().expect("traceEvents");
        let mut stacks: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        let mut last_ts: BTreeMap<u64, f64> = BTreeMap::new();
        let mut flow_starts: BTreeMap<u64, u32> = BTreeMap::new();
        let mut flow_ends: BTreeMap<u64, u32> = BTreeMap::new();
        for e in events {
            let ph = e["ph"].as_str().unwrap();
            if ph == "M" {
                continue;
            }
            let tid = e["tid"].as_u64().unwrap();
            let ts = e["ts"].as_f64().unwrap();
            let prev = last_ts.insert(tid, ts).unwrap_or(0.0);
            assert!(ts >= prev, "{}: timestamps go backwards on track {tid}: {prev} then {ts}", path.display());
            match ph {
                "B" => stacks.entry(tid).or_default().push(e["name"].as_str().unwrap().to_string()),
                "E" => assert!(stacks.entry(tid).or_default().pop().is_some(), "{}: an E without its B on track {tid}", path.display()),
                "s" => *flow_starts.entry(e["id"].as_u64().unwrap()).or_default() += 1,
                "f" => *flow_ends.entry(e["id"].as_u64().unwrap()).or_default() += 1,
                other => panic!("{}: unexpected phase {other}", path.display()),
            }
        }
        for (tid, s) in &stacks {
            assert!(s.is_empty(), "{}: slices left open on track {tid}: {s:?}", path.display());
        }
        assert_eq!(
            flow_starts.keys().collect::<Vec<_>>(),
            flow_ends.keys().collect::<Vec<_>>(),
            "{}: every flow needs both ends",
            path.display()
        );
        assert!(flow_starts.values().chain(flow_ends.values()).all(|&n| n == 1), "{}: a flow id used twice", path.display());
        flows_seen += flow_starts.len();
        checked += 1;
    }
    assert!(checked > 100, "only {checked} timelines were checked");
    assert!(flows_seen > 0, "no happens-before arrow in any timeline");
}
