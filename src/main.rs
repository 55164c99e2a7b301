//! The `spindle` command line.

use clap::{Parser, Subcommand, ValueEnum};
use spindle::{Policy, Program, RunConfig, EXIT_BAD_PROGRAM};
use spindle_vm::machine::Console;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// A deterministic virtual machine for concurrent guest programs.
///
/// Exit status of `run`: the guest's own exit code; 1 undefined behaviour (including data races
/// and deadlocks); 2 malformed program or bad command line; 3 unsupported operation; 4 resource
/// limit exceeded; 5 Spindle and the kernel disagree (`--against-kernel`); 101 guest panic
/// (failed assert, arithmetic overflow); 134 abort().
#[derive(Parser)]
#[command(name = "spindle", version, about, long_about = None)]
struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum TraceFmt {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Sched {
    /// Run a thread until it blocks, yields or ends, then round robin.
    Fixed,
    /// Seeded pseudo-random choice at every scheduling point.
    Random,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest program. Its stdout and stderr pass through; the exit status is the guest's.
    ///
    /// Exit status: the guest's own exit code; 1 undefined behaviour (including data races and
    /// deadlocks); 2 malformed program or bad command line; 3 unsupported operation; 4 resource
    /// limit exceeded; 5 Spindle and the kernel disagree (`--against-kernel`); 101 guest panic
    /// (failed assert, arithmetic overflow); 134 abort().
    Run {
        /// The program (.mir).
        file: String,
        /// Scheduler: `fixed` (default) or `random`.
        #[arg(long, value_enum)]
        sched: Option<Sched>,
        /// Seed for `--sched random` (giving a seed selects `random`). Same seed, same run.
        #[arg(long)]
        seed: Option<u64>,
        /// Probability of switching threads at a scheduling point under `--sched random`.
        #[arg(long, value_name = "P", default_value_t = spindle::DEFAULT_PREEMPTION, value_parser = parse_probability)]
        preemption_rate: f64,
        /// Stop after N executed statements and terminators (exit 4).
        #[arg(long, value_name = "N")]
        max_steps: Option<u64>,
        /// Deepest call stack per thread (exit 4 beyond it).
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        max_stack_depth: usize,
        /// Most bytes the guest may have allocated at once, call-stack registers included (exit 4
        /// beyond it).
        #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
        max_memory: u64,
        /// Most threads alive at once (exit 4 beyond it).
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        max_threads: usize,
        /// Most threads a run may create in all, finished ones included (exit 4 beyond it).
        #[arg(long, value_name = "N", default_value_t = spindle_vm::machine::DEFAULT_MAX_SPAWNS)]
        max_spawns: u64,
        /// Most allocations (heap blocks, array locals, statics) a run may make in all, freed
        /// ones included (exit 4 beyond it).
        #[arg(long, value_name = "N", default_value_t = spindle_vm::machine::DEFAULT_MAX_ALLOCATIONS)]
        max_allocations: u64,
        /// The open-files limit (RLIMIT_NOFILE): fd numbers stay below N; beyond it calls fail
        /// with EMFILE, as on Linux.
        #[arg(long, value_name = "N", default_value_t = spindle_shims::DEFAULT_MAX_FDS, value_parser = parse_max_fds)]
        max_fds: usize,
        /// Most bytes all pipe and socket buffers may hold together (exit 4 beyond it).
        #[arg(long, value_name = "BYTES", default_value_t = spindle_shims::DEFAULT_MAX_FD_BUFFERS)]
        max_fd_buffers: u64,
        /// Do not check memory accesses for data races.
        #[arg(long)]
        no_race_check: bool,
        /// Print every foreign call, strace-style, to stderr (or to `--trace-file`).
        #[arg(long)]
        trace: bool,
        /// Write the trace to this file instead of stderr (implies `--trace`).
        #[arg(long, value_name = "FILE")]
        trace_file: Option<String>,
        /// Trace format: `text` (strace's) or `json` (one object per line, docs/trace.md).
        #[arg(long, value_enum, default_value_t = TraceFmt::Text)]
        trace_format: TraceFmt,
        /// Prefix trace lines with the virtual time (seconds.nanoseconds).
        #[arg(long)]
        trace_time: bool,
        /// Write a timeline (Chrome trace-event JSON, for ui.perfetto.dev) to FILE.
        #[arg(long, value_name = "FILE")]
        timeline: Option<String>,
        /// Stop writing the trace after this many bytes (a final line says it was cut); the
        /// timeline keeps at most as many bytes of events.
        #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
        max_trace_bytes: u64,
        /// Replay a recorded schedule (`s1:…`, or `@FILE` to read it from a file): same output,
        /// trace and exit code as the run that recorded it (docs/explore.md).
        #[arg(long, value_name = "SCHEDULE")]
        replay: Option<String>,
        /// Write the run's schedule string to FILE (with `--sched random` or `--replay`).
        #[arg(long, value_name = "FILE")]
        save_schedule: Option<String>,
        /// Also make every system call on the host kernel, in lockstep, and stop at the first
        /// result, errno or output bytes that differ (exit 5, both answers side by side). For
        /// single-threaded programs that never block; docs/divergences.md.
        #[arg(long, conflicts_with_all = ["replay", "save_schedule", "timeline"])]
        against_kernel: bool,
        /// Give the program's `const NAME` the value VALUE (repeatable): `--const MODE=EPOLLET`.
        #[arg(long = "const", value_name = "NAME=VALUE", value_parser = spindle::LoadOptions::parse_const)]
        consts: Vec<(String, String)>,
    },
    /// Run a program under many schedules and report its outcomes and the first failure, with
    /// a replay string and a minimised schedule (docs/explore.md). Exit status: 0 no failure
    /// found, 1 a failure found, 2 bad input.
    Explore(explore_cli::Args),
    /// Parse and check a program without running it (exit 0 if it is valid, 2 if not).
    Check {
        /// The program (.mir).
        file: String,
        /// Give the program's `const NAME` the value VALUE (repeatable).
        #[arg(long = "const", value_name = "NAME=VALUE", value_parser = spindle::LoadOptions::parse_const)]
        consts: Vec<(String, String)>,
    },
    /// Print the built-in Linux constants and their values.
    Constants,
    /// The kernel side of `run --against-kernel` (started by it; talks on stdin and stdout).
    #[command(name = "__kernel-oracle", hide = true)]
    KernelOracle,
}

mod explore_cli;

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a probability between 0 and 1")),
    }
}

/// `--max-fds`: at most Linux's own ceiling (`fs.nr_open`, 1 048 576).
fn parse_max_fds(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= 1 << 20 => Ok(n),
        _ => Err(format!("`{s}` is not a number of fds from 0 to 1048576")),
    }
}

/// `spindle run --against-kernel`: the run, checked against the kernel (docs/divergences.md).
#[cfg(target_os = "linux")]
fn run_against_kernel(p: &Program, config: &RunConfig, console: Console, tracer: Option<spindle::Tracer>, color: bool) -> ExitCode {
    match spindle::Oracle::current_exe().and_then(|o| p.against_kernel_with_console(config, console, tracer, &o)) {
        Ok(c) => {
            eprint!("{}", c.render(p, color));
            ExitCode::from(c.exit_code() as u8)
        }
        Err(e) => {
            eprintln!("error: --against-kernel: {e}");
            ExitCode::from(3)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn run_against_kernel(_: &Program, _: &RunConfig, _: Console, _: Option<spindle::Tracer>, _: bool) -> ExitCode {
    eprintln!("error: --against-kernel compares with the Linux kernel: it needs Linux");
    ExitCode::from(3)
}

#[cfg(target_os = "linux")]
fn kernel_oracle() -> i32 {
    spindle::against_kernel::serve()
}

#[cfg(not(target_os = "linux"))]
fn kernel_oracle() -> i32 {
    3
}

fn main() -> ExitCode {
    // The oracle must arrange its fds before anything else runs.
    #[cfg(target_os = "linux")]
    if std::env::args_os().nth(1).is_some_and(|a| a == spindle::against_kernel::ORACLE_SUBCOMMAND) {
        return ExitCode::from(spindle::against_kernel::serve() as u8);
    }
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    };
    let code = match cli.command {
        Command::Constants => {
            let mut out = std::io::stdout().lock();
            for (name, v) in spindle_shims::consts::CONSTANTS {
                let _ = writeln!(out, "{name} = {v}");
            }
            0
        }
        Command::Explore(args) => explore_cli::run(args, color),
        Command::KernelOracle => kernel_oracle(),
        Command::Check { file, consts } => match Program::load(&file, &spindle::LoadOptions { consts, ..Default::default() }) {
            Ok(p) => {
                eprint!("{}", p.render_warnings(color));
                0
            }
            Err(e) => {
                eprint!("{}", e.render(color));
                EXIT_BAD_PROGRAM
            }
        },
        Command::Run {
            file,
            sched,
            seed,
            preemption_rate,
            max_steps,
            max_stack_depth,
            max_memory,
            max_threads,
            max_spawns,
            max_allocations,
            max_fds,
            max_fd_buffers,
            no_race_check,
            trace,
            trace_file,
            trace_format,
            trace_time,
            timeline,
            max_trace_bytes,
            replay,
            save_schedule,
            against_kernel,
            consts,
        } => {
            let replayed = match replay.as_deref().map(|r| explore_cli::replay_policy(r, &file, sched.is_some() || seed.is_some())) {
                Some(Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_BAD_PROGRAM as u8);
                }
                Some(Ok(p)) => Some(p),
                None => None,
            };
            let policy = match (sched, seed) {
                _ if replayed.is_some() => replayed.unwrap_or(Policy::Fixed),
                (Some(Sched::Fixed), Some(_)) => {
                    eprintln!("error: `--seed` only applies to `--sched random`");
                    return ExitCode::from(EXIT_BAD_PROGRAM as u8);
                }
                (Some(Sched::Fixed), None) | (None, None) => Policy::Fixed,
                (Some(Sched::Random), s) | (None, s @ Some(_)) => Policy::Random { seed: s.unwrap_or(0), preemption: preemption_rate },
            };
            let config = RunConfig {
                policy,
                max_steps,
                max_stack_depth,
                max_memory,
                max_threads,
                max_spawns,
                max_allocations,
                race_check: !no_race_check,
            };
            match Program::load(&file, &spindle::LoadOptions { consts, ..Default::default() }) {
                Err(e) => {
                    eprint!("{}", e.render(color));
                    EXIT_BAD_PROGRAM
                }
                Ok(mut p) => {
                    p.set_fd_limits(spindle::FdLimits { max_fds, max_fd_buffers });
                    if let Err(e) = explore_cli::check_replay(&p, &config, replay.as_deref(), save_schedule.is_some()) {
                        eprintln!("error: {e}");
                        return ExitCode::from(EXIT_BAD_PROGRAM as u8);
                    }
                    let text = trace || trace_file.is_some() || trace_time || trace_format == TraceFmt::Json;
                    if (text || timeline.is_some()) && !spindle_shims::HOOKS {
                        eprintln!("error: this spindle was built without the `trace` feature: it has no trace or timeline");
                        return ExitCode::from(3); // unsupported
                    }
                    let tracer = if text || timeline.is_some() {
                        let out: Option<Box<dyn Write>> = match (&trace_file, text) {
                            (_, false) => None,
                            (Some(path), true) => match std::fs::File::create(path) {
                                Ok(f) => Some(Box::new(std::io::BufWriter::new(f))),
                                Err(e) => {
                                    eprintln!("error: cannot write the trace to `{path}`: {e}");
                                    return ExitCode::from(EXIT_BAD_PROGRAM as u8);
                                }
                            },
                            (None, true) => Some(Box::new(std::io::stderr())),
                        };
                        let format = if trace_format == TraceFmt::Json { spindle::TraceFormat::Json } else { spindle::TraceFormat::Text };
                        let mut t =
                            spindle::Tracer::new(spindle::TraceConfig { format, time: trace_time, timeline: timeline.is_some() }, out);
                        t.max_bytes = max_trace_bytes;
                        Some(t)
                    } else {
                        None
                    };
                    // Fail before running if the timeline cannot be written.
                    let timeline_file = match &timeline {
                        Some(path) => match std::fs::File::create(path) {
                            Ok(f) => Some((path.clone(), f)),
                            Err(e) => {
                                eprintln!("error: cannot write the timeline to `{path}`: {e}");
                                return ExitCode::from(EXIT_BAD_PROGRAM as u8);
                            }
                        },
                        None => None,
                    };
                    eprint!("{}", p.render_warnings(color));
                    let console = Console { out: Box::new(std::io::BufWriter::new(std::io::stdout())), err: Box::new(std::io::stderr()) };
                    if against_kernel {
                        return run_against_kernel(&p, &config, console, tracer, color);
                    }
                    let stats = p.run_traced(&config, console, tracer).0;
                    if let (Some((path, mut f)), Some(json)) = (timeline_file, &stats.timeline) {
                        if let Err(e) = f.write_all(json.as_bytes()) {
                            eprintln!("error: cannot write the timeline to `{path}`: {e}");
                        }
                    }
                    if let Some(e) = &stats.schedule_error {
                        eprintln!("error: the replayed schedule does not fit this program: {e}");
                        return ExitCode::from(EXIT_BAD_PROGRAM as u8);
                    }
                    if let (Some(path), Some(sched)) = (&save_schedule, &stats.schedule) {
                        if let Err(e) = std::fs::write(path, format!("{sched}\n")) {
                            eprintln!("error: cannot write the schedule to `{path}`: {e}");
                        }
                    }
                    let stop = stats.stop;
                    eprint!("{}", p.render_stop(&stop, color));
                    stop.exit_code()
                }
            }
        }
    };
    ExitCode::from(code as u8)
}
