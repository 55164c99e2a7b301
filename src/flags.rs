//! The flags that describe a run, declared once: `spindle run` flattens [`RunFlags`] into its
//! arguments, and [`Config::with_flags`] — a program's `// spindle-flags:` header — parses the
//! same definitions with clap, so that a flag added here works in both, with the same values,
//! defaults and errors. [`RunFlags::apply`] is the one place that says what each flag does to a
//! [`Config`]; it takes every field by name, so a new flag does not compile until it says.
//!
//! This module, and so clap, is the `flags` feature's, which the `cli` and `harness` features
//! turn on: a library user who turns default features off and needs neither compiles no clap.

use crate::{Config, FlagError, Scheduler, TraceFormat, TraceOptions, DEFAULT_PREEMPTION};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, FromArgMatches};

/// `--sched` of `spindle run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Sched {
    /// Run a thread until it blocks, yields or ends, then round robin.
    Fixed,
    /// Seeded pseudo-random choice at every scheduling point.
    Random,
}

/// `--trace-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFmt {
    Text,
    Json,
}

/// The flags of `spindle run` that describe the run itself (not the files it writes, nor how it
/// talks to the user): what a `// spindle-flags:` header may say.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct RunFlags {
    /// Scheduler: `fixed` (default) or `random`.
    #[arg(long, value_enum)]
    pub sched: Option<Sched>,
    /// Seed for `--sched random` (giving a seed selects `random`). Same seed, same run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Probability of switching threads at a scheduling point under `--sched random`.
    #[arg(long, value_name = "P", default_value_t = DEFAULT_PREEMPTION, value_parser = parse_probability)]
    pub preemption_rate: f64,
    /// Stop after N executed statements and terminators (exit 4).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Deepest call stack per thread (exit 4 beyond it).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_stack_depth: usize,
    /// Most bytes the guest's memory and Spindle's bookkeeping of it (allocation records, call
    /// frames, race-detector shadow) may take at once (exit 4 beyond it; docs/language.md,
    /// "Limits").
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    pub max_memory: u64,
    /// Most threads alive at once (exit 4 beyond it).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_threads: usize,
    /// Most threads a run may create in all, finished ones included (exit 4 beyond it).
    #[arg(long, value_name = "N", default_value_t = spindle_vm::machine::DEFAULT_MAX_SPAWNS)]
    pub max_spawns: u64,
    /// Most allocations (heap blocks, array locals, statics) a run may make in all, freed
    /// ones included (exit 4 beyond it).
    #[arg(long, value_name = "N", default_value_t = spindle_vm::machine::DEFAULT_MAX_ALLOCATIONS)]
    pub max_allocations: u64,
    /// Most processes alive at once (exit 4 when a fork goes beyond it).
    #[arg(long, value_name = "N", default_value_t = spindle_vm::machine::DEFAULT_MAX_SPACES)]
    pub max_processes: usize,
    /// The open-files limit (RLIMIT_NOFILE): fd numbers stay below N; beyond it calls fail
    /// with EMFILE, as on Linux.
    #[arg(long, value_name = "N", default_value_t = spindle_shims::DEFAULT_MAX_FDS, value_parser = parse_max_fds)]
    pub max_fds: usize,
    /// Most bytes all pipe and socket buffers may hold together (exit 4 beyond it).
    #[arg(long, value_name = "BYTES", default_value_t = spindle_shims::DEFAULT_MAX_FD_BUFFERS)]
    pub max_fd_buffers: u64,
    /// Do not check memory accesses for data races (this also turns weak memory off).
    #[arg(long)]
    pub no_race_check: bool,
    /// Sequential consistency: every atomic load reads the latest store of the interleaving
    /// (turns weak memory off; docs/language.md, "The memory model").
    #[arg(long)]
    pub sc: bool,
    /// Print every foreign call, strace-style, to stderr (or to `--trace-file`).
    #[arg(long)]
    pub trace: bool,
    /// Trace format: `text` (strace's) or `json` (one object per line, docs/trace.md).
    #[arg(long, value_enum, default_value_t = TraceFmt::Text)]
    pub trace_format: TraceFmt,
    /// Prefix trace lines with the virtual time (seconds.nanoseconds).
    #[arg(long)]
    pub trace_time: bool,
    /// Stop writing the trace after this many bytes (a final line says it was cut); the
    /// timeline keeps at most as many bytes of events.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    pub max_trace_bytes: u64,
    /// Trace only some calls, as strace's `-e trace=…` (implies `--trace`): names (strace's
    /// `eventfd2` or the guest's `eventfd`), classes (`%desc`, `%network`, `%process`,
    /// `%memory`, … as strace sorts them; docs/trace.md), `!` to invert, `all`, `none`.
    #[arg(short = 'e', long, value_name = "EXPR")]
    pub trace_expr: Option<String>,
    /// Show at most N bytes of each string in the trace (strace's `-s`; default 32).
    #[arg(short = 's', long, value_name = "N", default_value_t = 32)]
    pub trace_strsize: usize,
    /// Instead of the trace, a table of calls, errors and virtual time per call, as strace's
    /// `-c` (to stderr or `--trace-file`; implies `--trace`, not with `--timeline` or
    /// `--trace-format json`).
    #[arg(short = 'c', long)]
    pub trace_summary: bool,
    /// Follow every fd argument and fd result with what it names, as strace's `-y`:
    /// `3<pipe:[1000]>`, `4</dev/null>`, `5<anon_inode:[eventpoll]>` (implies `--trace`).
    #[arg(short = 'y', long)]
    pub trace_fds: bool,
    /// Replay a recorded schedule (`s1:…`, or `@FILE` to read it from a file): same output,
    /// trace and exit code as the run that recorded it (docs/explore.md).
    #[arg(long, value_name = "SCHEDULE")]
    pub replay: Option<String>,
}

impl RunFlags {
    /// Applies the flags to `config`: each one that `given` names (by its field's name), so that
    /// a header changes only what it says. `Err` for flags that contradict each other.
    pub fn apply(&self, mut c: Config, given: impl Fn(&str) -> bool) -> Result<Config, String> {
        // Every field by name: a flag added to the struct must say here what it does.
        let RunFlags {
            sched,
            seed,
            preemption_rate,
            max_steps,
            max_stack_depth,
            max_memory,
            max_threads,
            max_spawns,
            max_allocations,
            max_processes,
            max_fds,
            max_fd_buffers,
            no_race_check,
            sc,
            trace,
            trace_format,
            trace_time,
            max_trace_bytes,
            trace_expr,
            trace_strsize,
            trace_summary,
            trace_fds,
            replay,
        } = self;
        if let Some(n) = max_steps {
            c.max_steps = Some(*n);
        }
        if given("max_stack_depth") {
            c.max_stack_depth = *max_stack_depth;
        }
        if given("max_memory") {
            c.max_memory = *max_memory;
        }
        if given("max_threads") {
            c.max_threads = *max_threads;
        }
        if given("max_spawns") {
            c.max_spawns = *max_spawns;
        }
        if given("max_allocations") {
            c.max_allocations = *max_allocations;
        }
        if given("max_processes") {
            c.max_processes = *max_processes;
        }
        if given("max_fds") {
            c = c.max_fds(*max_fds);
        }
        if given("max_fd_buffers") {
            c = c.max_fd_buffers(*max_fd_buffers);
        }
        if *no_race_check {
            c.race_check = false;
        }
        if *sc {
            c.weak_memory = false;
        }
        // The trace: on with `--trace`, `--trace-format`, `--trace-time` and strace's `-e`, `-c`
        // and `-y`; the others shape it.
        if *trace || given("trace_format") || *trace_time || trace_expr.is_some() || *trace_summary || *trace_fds {
            let t = c.trace.take().unwrap_or_default();
            c.trace = Some(TraceOptions { timestamps: t.timestamps || *trace_time, ..t });
        }
        if let Some(t) = &mut c.trace {
            if given("trace_format") {
                t.format = match trace_format {
                    TraceFmt::Text => TraceFormat::Text,
                    TraceFmt::Json => TraceFormat::Json,
                };
            }
            if given("max_trace_bytes") {
                t.max_bytes = *max_trace_bytes;
            }
            if let Some(expr) = trace_expr {
                t.filter = Some(crate::trace_filter(expr).map_err(|e| format!("--trace-expr: {e}"))?);
            }
            if given("trace_strsize") {
                t.string_limit = *trace_strsize;
            }
            t.show_fds |= *trace_fds;
            if *trace_summary {
                if t.format == TraceFormat::Json {
                    return Err("`--trace-summary` is a table of its own: not with `--trace-format json`".into());
                }
                t.summary = true;
            }
        }
        if let Some(r) = replay {
            if sched.is_some() || seed.is_some() {
                return Err("`--replay` replaces `--sched` and `--seed`: give only one".into());
            }
            return Ok(c.replay(r.clone()));
        }
        let preemption = if given("preemption_rate") { *preemption_rate } else { DEFAULT_PREEMPTION };
        match (sched, seed) {
            (Some(Sched::Fixed), Some(_)) => Err("`--seed` only applies to `--sched random`".into()),
            (Some(Sched::Fixed), None) => Ok(c.scheduler(Scheduler::Fixed)),
            (Some(Sched::Random), s) | (None, s @ Some(_)) => Ok(c.scheduler(Scheduler::Random { seed: s.unwrap_or(0), preemption })),
            (None, None) => Ok(c),
        }
    }

    /// The flags read from `matches` (of a command these flags were flattened into), and which
    /// of them were given on its command line.
    pub fn from_matches(matches: &ArgMatches) -> Result<(RunFlags, impl Fn(&str) -> bool + '_), clap::Error> {
        let flags = RunFlags::from_arg_matches(matches)?;
        Ok((flags, move |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine)))
    }
}

/// [`Config::with_flags`]: the header's words parsed as `spindle run` parses its own.
pub(crate) fn parse_header<I, S>(config: Config, flags: I) -> Result<Config, FlagError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let cmd = RunFlags::augment_args(
        clap::Command::new("spindle-flags")
            .no_binary_name(true)
            .disable_help_flag(true)
            .disable_version_flag(true)
            .help_template("{all-args}"),
    );
    let words: Vec<String> = flags.into_iter().map(|s| s.as_ref().to_string()).collect();
    let matches = cmd.try_get_matches_from(&words).map_err(|e| FlagError(clap_message(&e)))?;
    let (flags, given) = RunFlags::from_matches(&matches).map_err(|e| FlagError(clap_message(&e)))?;
    flags.apply(config, given).map_err(FlagError)
}

/// clap's error as one line, without its `error: ` prefix, usage and `--help` hint (the
/// header is not a command line), and saying which flags a header may give.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match e.kind() {
        clap::error::ErrorKind::UnknownArgument => {
            format!(
                "{first}: not a flag that describes a run (those of `spindle run --help` but its files, `--quiet` and `--max-input-bytes`)"
            )
        }
        _ => first.to_string(),
    }
}

/// `--preemption-rate`: a probability.
pub fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a probability between 0 and 1")),
    }
}

/// `--max-fds`: at most Linux's own ceiling (`fs.nr_open`, 1 048 576).
pub fn parse_max_fds(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= 1 << 20 => Ok(n),
        _ => Err(format!("`{s}` is not a number of fds from 0 to 1048576")),
    }
}
