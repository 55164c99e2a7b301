//! The `explore` subcommand and `run --replay`: argument handling around `spindle::explore`.

use crate::cli_io::{self, Verdict};
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
    /// Worker threads (default: one per core; at most 4 per core, more are capped with a
    /// warning).
    #[arg(short, long, value_name = "J")]
    jobs: Option<usize>,
    /// No progress line and no program warnings (the summary and errors still print).
    #[arg(short, long)]
    quiet: bool,
    /// Longest program or summary file read (exit 2 beyond it; default 8 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = spindle::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: u64,
    /// Run every schedule twice and compare outputs and traces (a difference is a Spindle bug).
    #[arg(long)]
    check_determinism: bool,
    /// Explore only part K of N of the schedule space (for CI matrices; see `--merge`).
    /// `env:VAR/N` takes K from the 0-based index in the environment variable VAR
    /// (`env:JOB_COMPLETION_INDEX/8` in a Kubernetes Indexed Job).
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
    /// Sequential consistency: atomic loads read only the latest store (no weak memory).
    #[arg(long)]
    sc: bool,
    /// With `dfs:inf`: no partial-order reduction (run every interleaving, to validate it).
    #[arg(long)]
    no_reduction: bool,
    /// Do not stop at the first failure: explore everything and count every outcome.
    #[arg(long)]
    keep_going: bool,
    /// Inject spurious wakeups: a `futex` wait may return 0 at once, as if woken, as a
    /// scheduling decision (docs/explore.md). `on` allows one per run, `N` at most N, `off`
    /// none. Default: `on` for `pct` and `dfs`, `off` for `random`.
    #[arg(long, value_name = "on|off|N", value_parser = explore::parse_spurious_wakeups)]
    spurious_wakeups: Option<u32>,
    /// With `dfs:inf`: a thread whose lock acquisition (`cas.lock`, std::sync's mutex) would
    /// fail waits for the lock instead of exploring its slow path (docs/explore.md, "Lock
    /// waits"). `off` explores the slow path too (to check a lock itself). Default: `on`.
    #[arg(long, value_name = "on|off", value_parser = explore::parse_on_off)]
    lock_waits: Option<bool>,
    /// Give the program's `const NAME` the value VALUE (repeatable; docs/language.md).
    #[arg(long = "const", value_name = "NAME=VALUE", value_parser = spindle::LoadOptions::parse_const)]
    consts: Vec<(String, String)>,
}

fn fail(msg: impl std::fmt::Display) -> Verdict {
    cli_io::error(msg);
    Verdict::Keeps(EXIT_BAD_PROGRAM)
}

pub fn run(a: Args, color: bool) -> Verdict {
    let summary = if a.merge {
        let mut parts = Vec::new();
        for f in &a.files {
            let text = match spindle::read_limited(f, a.max_input_bytes, "the summary")
                .and_then(|b| String::from_utf8(b).map_err(|_| format!("`{f}` is not UTF-8 text")))
            {
                Ok(t) => t,
                Err(e) => return fail(e),
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
        let shard = match a.shard.as_deref().map(|s| shard_from_env(s).and_then(|s| explore::parse_shard(&s))) {
            None => (1, 1),
            Some(Ok(s)) => s,
            Some(Err(e)) => return fail(e),
        };
        let time = match a.time.as_deref().map(explore::parse_duration) {
            None => None,
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => return fail(e),
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let jobs = match a.jobs {
            None => cores,
            // Each job is an OS thread running whole schedules: beyond a few per core they only
            // add memory and switching (`--jobs 10000` used to start 10 000 threads).
            Some(j) if j > MAX_JOBS_PER_CORE * cores => {
                let cap = MAX_JOBS_PER_CORE * cores;
                cli_io::diag(&format!("warning: `--jobs {j}` capped at {cap} ({MAX_JOBS_PER_CORE} per core, {cores} cores)\n"));
                cap
            }
            Some(j) => j,
        };
        let opts = Options {
            strategy,
            runs: a.runs,
            time,
            jobs,
            check_determinism: a.check_determinism,
            shard,
            minimize: !a.no_minimize,
            progress: !a.quiet && std::io::stderr().is_terminal(),
            config: RunConfig { max_steps: Some(a.max_steps), race_check: !a.no_race_check, weak_memory: !a.sc, ..RunConfig::default() },
            reduction: !a.no_reduction,
            lock_waits: a.lock_waits.unwrap_or(true),
            keep_going: a.keep_going,
            interrupt: Some(cli_io::interrupt_flag()),
            consts: a.consts.clone(),
            spurious_wakeups: a.spurious_wakeups,
        };
        let text = match spindle::read_limited(file, a.max_input_bytes, "the program")
            .and_then(|b| spindle_vm::front::decode_source(b).map_err(|d| format!("`{file}`: {}", d.title)))
        {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let load = spindle::LoadOptions { consts: a.consts.clone(), ..Default::default() };
        if let Err(e) = Program::load_source(file, text.clone(), &load) {
            cli_io::diag(&e.render(color));
            return Verdict::Keeps(EXIT_BAD_PROGRAM);
        }
        match explore::explore(file, &text, &opts) {
            Ok(s) => s,
            Err(e) => return fail(e),
        }
    };
    if let (Some(path), Some(f)) = (&a.save_schedule, &summary.failure) {
        let sched = f.minimal.as_ref().map_or(&f.replay, |m| &m.replay);
        if let Err(e) = std::fs::write(path, format!("{sched}\n")) {
            cli_io::failed(&format!("the schedule file `{path}`"), e);
        }
    }
    if a.json {
        cli_io::out(&format!("{}\n", serde_json::to_string_pretty(&summary.to_json()).unwrap_or_default()));
    } else {
        cli_io::out(&summary.render());
    }
    if summary.failure.is_some() {
        Verdict::Keeps(1)
    } else if summary.stopped.as_deref() == Some(explore::STOPPED_BY_INTERRUPT) {
        Verdict::Keeps(130) // as a shell reports SIGINT
    } else {
        Verdict::Yields(0)
    }
}

/// `--shard env:VAR/N`: shard K is the 0-based index in the environment variable VAR plus one
/// (a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`); any other `K/N` is returned as it is.
fn shard_from_env(arg: &str) -> Result<String, String> {
    let Some(rest) = arg.strip_prefix("env:") else { return Ok(arg.to_string()) };
    let (var, n) = rest
        .split_once('/')
        .ok_or_else(|| format!("`{arg}` is not a shard: write env:VAR/N, e.g. `--shard env:JOB_COMPLETION_INDEX/8`"))?;
    let value = std::env::var(var).map_err(|_| format!("`--shard {arg}`: the environment variable `{var}` is not set"))?;
    let index: u32 = value.trim().parse().map_err(|_| format!("`--shard {arg}`: `{var}` is `{value}`, not a 0-based shard index"))?;
    Ok(format!("{}/{n}", index.saturating_add(1)))
}

/// At most this many `--jobs` per core.
const MAX_JOBS_PER_CORE: usize = 4;

/// Reads a `--replay` argument (`@FILE` reads the file, up to `max_bytes`).
fn replay_text(arg: &str, max_bytes: u64) -> Result<String, String> {
    match arg.strip_prefix('@') {
        Some(path) => spindle::read_limited(path, max_bytes, "the schedule file")
            .and_then(|b| String::from_utf8(b).map_err(|_| format!("the schedule file `{path}` is not UTF-8 text"))),
        None => Ok(arg.to_string()),
    }
}

/// The policy for `run --replay ARG`.
pub fn replay_policy(arg: &str, max_bytes: u64, sched_given: bool) -> Result<Policy, String> {
    if sched_given {
        return Err("`--replay` replaces `--sched` and `--seed`: give only one".into());
    }
    let parsed = Schedule::parse(&replay_text(arg, max_bytes)?).map_err(|e| format!("bad `--replay` schedule: {e}"))?;
    Ok(Policy::Replay(Arc::new(Replay { schedule: parsed.schedule, strict: true })))
}

/// Before a run: the schedule is for this program and fits it (checked by a silent run, so
/// that a schedule that does not fit prints nothing but the error).
pub fn check_replay(p: &Program, config: &RunConfig, replay: Option<&str>, max_bytes: u64, save: bool) -> Result<(), String> {
    if save && config.policy == Policy::Fixed {
        return Err("`--save-schedule` needs `--sched random` or `--replay` (the fixed scheduler records no decisions)".into());
    }
    let Some(arg) = replay else { return Ok(()) };
    let parsed = Schedule::parse(&replay_text(arg, max_bytes)?).map_err(|e| format!("bad `--replay` schedule: {e}"))?;
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
