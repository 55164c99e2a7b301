//! The `explore` subcommand and `run --replay`: argument handling around `spindle::explore`.

use spindle::explore::{self, Options, Strategy, Summary};
use spindle::{Policy, Program, RunConfig, Schedule, EXIT_BAD_PROGRAM};
use spindle_vm::sched::Replay;
use std::io::IsTerminal;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The program (.mir); with `--merge`, the JSON summaries to combine.
    #[arg(required = true)]
    files: Vec<String>,
    /// `random` (seed = run index), `pct[:DEPTH]` (default depth 3), `dfs[:PREEMPTIONS]`
    /// (every schedule with at most that many preemptions, default 2) or `dfs:inf` (every
    /// schedule up to equivalence: no bound, with partial-order reduction).
    #[arg(long, default_value = "random", value_name = "SCHED")]
    sched: String,
    /// How many schedules (default 1000 for random and pct; no limit for dfs).
    #[arg(long, value_name = "N")]
    runs: Option<u64>,
    /// Stop after this long (`30s`, `5m`, …); the result then depends on the machine's speed.
    #[arg(long, value_name = "LIMIT")]
    time: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "J")]
    jobs: Option<usize>,
    /// Run every schedule twice and compare outputs and traces (a difference is a Spindle bug).
    #[arg(long)]
    check_determinism: bool,
    /// Explore only part K of N of the schedule space (for CI matrices; see `--merge`).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Combine the JSON summaries given as FILES (from `--json` runs of the shards).
    #[arg(long)]
    merge: bool,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Do not minimise the failing schedule.
    #[arg(long)]
    no_minimize: bool,
    /// Write the minimised failing schedule (or the failing one, with `--no-minimize`) to FILE,
    /// for `spindle run --replay @FILE`.
    #[arg(long, value_name = "FILE")]
    save_schedule: Option<String>,
    /// Per-run step limit (exit 4 beyond it, a failure).
    #[arg(long, value_name = "N", default_value_t = explore::DEFAULT_MAX_STEPS)]
    max_steps: u64,
    /// Do not check memory accesses for data races.
    #[arg(long)]
    no_race_check: bool,
    /// With `dfs:inf`: no partial-order reduction (run every interleaving, to validate it).
    #[arg(long)]
    no_reduction: bool,
    /// Do not stop at the first failure: explore everything and count every outcome.
    #[arg(long)]
    keep_going: bool,
    /// Give the program's `const NAME` the value VALUE (repeatable; docs/language.md).
    #[arg(long = "const", value_name = "NAME=VALUE", value_parser = spindle::LoadOptions::parse_const)]
    consts: Vec<(String, String)>,
}

fn fail(msg: impl std::fmt::Display) -> i32 {
    eprintln!("error: {msg}");
    EXIT_BAD_PROGRAM
}

pub fn run(a: Args, color: bool) -> i32 {
    let summary = if a.merge {
        let mut parts = Vec::new();
        for f in &a.files {
            let text = match std::fs::read_to_string(f) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read `{f}`: {e}")),
            };
            let v: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => return fail(format!("`{f}` is not JSON: {e}")),
            };
            match Summary::from_json(&v) {
                Ok(s) => parts.push(s),
                Err(e) => return fail(format!("`{f}`: {e}")),
            }
        }
        match explore::merge(parts) {
            Ok(s) => s,
            Err(e) => return fail(e),
        }
    } else {
        let [file] = a.files.as_slice() else {
            return fail("`explore` takes one program (or, with `--merge`, summary files)");
        };
        let strategy: Strategy = match a.sched.parse() {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let shard = match a.shard.as_deref().map(explore::parse_shard) {
            None => (1, 1),
            Some(Ok(s)) => s,
            Some(Err(e)) => return fail(e),
        };
        let time = match a.time.as_deref().map(explore::parse_duration) {
            None => None,
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => return fail(e),
        };
        let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let opts = Options {
            strategy,
            runs: a.runs,
            time,
            jobs,
            check_determinism: a.check_determinism,
            shard,
            minimize: !a.no_minimize,
            progress: std::io::stderr().is_terminal(),
            config: RunConfig { max_steps: Some(a.max_steps), race_check: !a.no_race_check, ..RunConfig::default() },
            reduction: !a.no_reduction,
            keep_going: a.keep_going,
            consts: a.consts.clone(),
        };
        let text =
            match std::fs::read(file).map_err(|e| e.to_string()).and_then(|b| spindle_vm::front::decode_source(b).map_err(|d| d.title)) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read `{file}`: {e}")),
            };
        let load = spindle::LoadOptions { consts: a.consts.clone(), ..Default::default() };
        if let Err(e) = Program::load_source(file, text.clone(), &load) {
            eprint!("{}", e.render(color));
            return EXIT_BAD_PROGRAM;
        }
        match explore::explore(file, &text, &opts) {
            Ok(s) => s,
            Err(e) => return fail(e),
        }
    };
    if let (Some(path), Some(f)) = (&a.save_schedule, &summary.failure) {
        let sched = f.minimal.as_ref().map_or(&f.replay, |m| &m.replay);
        if let Err(e) = std::fs::write(path, format!("{sched}\n")) {
            return fail(format!("cannot write the schedule to `{path}`: {e}"));
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary.to_json()).unwrap_or_default());
    } else {
        print!("{}", summary.render());
    }
    if summary.failure.is_some() {
        1
    } else {
        0
    }
}

/// Reads a `--replay` argument (`@FILE` reads the file).
fn replay_text(arg: &str) -> Result<String, String> {
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read the schedule file `{path}`: {e}")),
        None => Ok(arg.to_string()),
    }
}

/// The policy for `run --replay ARG`.
pub fn replay_policy(arg: &str, _file: &str, sched_given: bool) -> Result<Policy, String> {
    if sched_given {
        return Err("`--replay` replaces `--sched` and `--seed`: give only one".into());
    }
    let parsed = Schedule::parse(&replay_text(arg)?).map_err(|e| format!("bad `--replay` schedule: {e}"))?;
    Ok(Policy::Replay(Arc::new(Replay { schedule: parsed.schedule, strict: true })))
}

/// Before a run: the schedule is for this program and fits it (checked by a silent run, so
/// that a schedule that does not fit prints nothing but the error).
pub fn check_replay(p: &Program, config: &RunConfig, replay: Option<&str>, save: bool) -> Result<(), String> {
    if save && config.policy == Policy::Fixed {
        return Err("`--save-schedule` needs `--sched random` or `--replay` (the fixed scheduler records no decisions)".into());
    }
    let Some(arg) = replay else { return Ok(()) };
    let parsed = Schedule::parse(&replay_text(arg)?).map_err(|e| format!("bad `--replay` schedule: {e}"))?;
    if let Some(fp) = parsed.fingerprint {
        if fp != p.fingerprint() {
            return Err(format!(
                "this schedule was recorded for another program (fingerprint {fp:08x}; `{}` has {:08x}). If you changed the program on purpose, write `*` for the fingerprint: `s1:*:…`",
                p.file.path,
                p.fingerprint()
            ));
        }
    }
    let out = p.run(config);
    if let Some(e) = out.schedule_error {
        return Err(format!("the replayed schedule does not fit this program: {e}"));
    }
    Ok(())
}
